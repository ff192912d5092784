//! Leftovers of rcon processes that died before they finished (kill -9,
//! the OOM killer, a full disk), and their removal by the next command
//! that touches the store ([`sweep`]; `system prune` and `system check
//! --repair` can call it too).
//!
//! What a dead rcon can leave, and how each is recognised:
//!
//! - a container whose creation it did not finish (no /etc files or
//!   network endpoint yet), which could not start;
//! - a container it created or ran with `--rm` (`run --rm`, a build step's
//!   `rcon-build-*` container): the container's directory holds an `owner`
//!   file naming the process responsible for finishing it (pid and start
//!   time, [`claim`]); when that process is gone and the container is not
//!   running, nobody will remove it, so the sweep does;
//! - a container directory without a row in the store's database (the
//!   creating rcon died or hit a full disk before inserting it), which no
//!   command lists: removed once its owner is gone. A directory whose
//!   container has a row is never removed as incomplete;
//! - staging under `tmp/` (half-pulled layers, a build step's upper
//!   directory, ADD downloads): entries carry their writer's pid
//!   ([`Store::clean_tmp`]);
//! - per-container lock files under the run root whose container is gone;
//! - the cgroup directories of a container whose runner was killed: their
//!   paths are recorded in the container's `cgroup` file when it starts
//!   ([`record_cgroups`]) and removed with the container
//!   ([`remove_cgroups`]).
//!
//! Everything here is best effort and never touches what a live process
//! owns. This module must not start processes.

use crate::store::{ContainerStatus, Store, StoreError, process_alive, process_start_time};
use std::path::{Path, PathBuf};

/// The file in a container's directory naming the process that is to
/// finish it: `<pid> <start time in clock ticks>`.
const OWNER_FILE: &str = "owner";

/// The file in a container's directory listing its cgroup directories.
const CGROUP_FILE: &str = "cgroup";

/// What a [`sweep`] removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// IDs of containers removed (`--rm` containers of dead runs and builds).
    pub containers: Vec<String>,
    /// Container directories without a database row.
    pub incomplete: Vec<PathBuf>,
    /// Stale lock files.
    pub locks: usize,
}

/// Makes this process the owner of container `id` (before its record is
/// written: creates the container's directory). Errors: the directory or
/// file cannot be written (a full disk).
pub fn claim(store: &Store, id: &str) -> std::io::Result<()> {
    let dir = store.container_dir(id);
    let text = owner_text(std::process::id() as i32);
    // A concurrent sweep may remove an ownerless directory between the
    // mkdir and the write: try again.
    let mut last = None;
    for _ in 0..3 {
        std::fs::create_dir_all(&dir)?;
        match std::fs::write(dir.join(OWNER_FILE), &text) {
            Ok(()) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    // The directory is new and this process's alone (a random ID).
    let _ = std::fs::remove_dir_all(&dir);
    Err(last.expect("the loop ran"))
}

/// Makes process `pid` (a container's monitor) the owner of container
/// `id`, if the container still exists.
pub fn claim_for(store: &Store, id: &str, pid: i32) {
    let dir = store.container_dir(id);
    if dir.join("config.json").exists() {
        let _ = std::fs::write(dir.join(OWNER_FILE), format!("{} complete\n", owner_text(pid).trim_end()));
    }
}

/// `<pid> <start time>` of process `pid`.
fn owner_text(pid: i32) -> String {
    format!("{pid} {}\n", process_start_time(pid).unwrap_or(0))
}

/// Notes in the owner file that container `id` is completely created (its
/// /etc files and network endpoint exist): if its owner dies now, the
/// container is kept as `Created` (unless `--rm`); before this, a dead
/// owner's container is removed as half-made.
pub fn mark_complete(store: &Store, id: &str) {
    let path = store.container_dir(id).join(OWNER_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let _ = std::fs::write(&path, format!("{} complete\n", text.trim_end()));
    }
}

/// Gives up ownership of container `id` (a `Created` container handed to
/// the user, or a container whose end was recorded).
pub fn release(store: &Store, id: &str) {
    let _ = std::fs::remove_file(store.container_dir(id).join(OWNER_FILE));
}

/// What an owner file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner {
    /// Its process is gone.
    dead: bool,
    /// [`mark_complete`] was called.
    complete: bool,
}

/// The owner of the container in `dir`; `None` without an owner file.
fn owner(dir: &Path) -> Option<Owner> {
    let text = std::fs::read_to_string(dir.join(OWNER_FILE)).ok()?;
    let mut f = text.split_whitespace();
    let pid = f.next().and_then(|p| p.parse::<i32>().ok()).unwrap_or(0);
    let start = f.next().and_then(|s| s.parse::<u64>().ok()).filter(|s| *s != 0);
    Some(Owner { dead: pid <= 0 || !process_alive(pid, start), complete: f.next() == Some("complete") })
}

/// `Some(true)` when `dir` has an owner file and its process is gone,
/// `Some(false)` when the owner lives, `None` without an owner file.
fn owner_dead(dir: &Path) -> Option<bool> {
    owner(dir).map(|o| o.dead)
}

/// Records the cgroup directories of container `id` (one per line in its
/// `cgroup` file) right after its init was created, so that a later `rm`
/// can remove them when the process that ran it died without doing so.
pub fn record_cgroups(store: &Store, id: &str, cgroup: Option<&crate::runtime::cgroups::Cgroup>) {
    let Some(cg) = cgroup else { return };
    let text: String = cg.dirs.iter().map(|(_, d)| format!("{}\n", d.display())).collect();
    let _ = std::fs::write(store.container_dir(id).join(CGROUP_FILE), text);
}

/// Removes the cgroup directories recorded for container `id` (see
/// [`record_cgroups`]), killing what still runs in them first. Only
/// directories named after the container are touched. Call after the
/// container's init is gone and before its directory is removed.
pub fn remove_cgroups(store: &Store, id: &str) {
    let Ok(text) = std::fs::read_to_string(store.container_dir(id).join(CGROUP_FILE)) else { return };
    for dir in text.lines().map(PathBuf::from) {
        if dir.file_name().and_then(|n| n.to_str()) != Some(id) || !dir.starts_with("/sys/fs/cgroup") {
            continue;
        }
        for attempt in 0..200 {
            match std::fs::remove_dir(&dir) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(_) if attempt < 199 => {
                    let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
                    for pid in procs.split_whitespace().filter_map(|p| p.parse::<i32>().ok()) {
                        // Only processes of the container's own cgroup are killed.
                        let _ = crate::sys::kill(pid, libc::SIGKILL);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(if attempt < 20 { 1 } else { 5 }));
                }
                Err(e) => crate::warn!("cannot remove cgroup {}: {e}", dir.display()),
            }
        }
    }
}

/// Removes what dead rcon processes left (see the module docs) and returns
/// what it removed. Cheap when there is nothing to do: one directory
/// listing of `tmp/`, `containers/` and the run root, one query of the
/// database's rows, and a `stat` per container.
pub fn sweep(store: &Store) -> Swept {
    let mut out = Swept::default();
    store.clean_tmp();
    // A container is complete once it has a row; without the rows (the
    // database cannot be read), nothing is taken for incomplete.
    let Ok(rows) = store.list_containers(&Default::default()) else { return out };
    let with_row: std::collections::HashSet<String> = rows.into_iter().map(|r| r.id).collect();
    let Ok(entries) = std::fs::read_dir(store.containers_dir()) else { return out };
    for entry in entries.flatten() {
        let dir = entry.path();
        let Some(id) = entry.file_name().to_str().map(str::to_string) else { continue };
        let complete = with_row.contains(&id);
        match owner_dead(&dir) {
            Some(true) => {}
            // An ownerless directory without a row: the creator died
            // before it claimed it (older rcon) — removed below, under the lock.
            None if !complete => {}
            _ => continue,
        }
        if !complete {
            // A create holds the container's lock until its row is in:
            // under it, check again that there is no row and no live owner.
            let Ok(_lock) = store.lock_container(&id) else { continue };
            if matches!(store.container_state(&id), Err(StoreError::NoSuchContainer(_)))
                && owner_dead(&dir) != Some(false)
            {
                remove_cgroups(store, &id);
                let trash =
                    store.tmp_dir().join(format!("trash-{}-{}", std::process::id(), crate::util::random_hex(8)));
                if std::fs::rename(&dir, &trash).is_ok() && std::fs::remove_dir_all(&trash).is_ok() {
                    out.incomplete.push(dir);
                }
            }
            continue;
        }
        let Ok(_lock) = store.lock_container(&id) else { continue };
        let (Ok(record), Ok(state)) = (store.find_container(&id), store.container_state(&id)) else { continue };
        if record.id != id {
            continue;
        }
        if state.status == ContainerStatus::Running {
            continue; // Its init outlived its runner: `stop`, `kill` or `rm -f` ends it.
        }
        let half_made = state.status == ContainerStatus::Created && owner(&dir).is_some_and(|o| !o.complete);
        if record.auto_remove || half_made {
            if let Err(e) = crate::network::detach(store, &id) {
                crate::debug!("container {}: network teardown: {e}", &id[..12]);
            }
            remove_cgroups(store, &id);
            if store.remove_container(&id).is_ok() {
                crate::volume::remove_anonymous(store, &record);
                out.containers.push(id);
            }
        } else {
            release(store, &id);
        }
    }
    out.locks = remove_stale_locks(store);
    if out != Swept::default() {
        crate::debug!("removed leftovers of dead rcon processes: {out:?}");
    }
    out
}

/// Removes `<run root>/<id>.lock` files whose container no longer exists
/// (a monitor or runner that recorded a container's end after `rm -f`
/// removed it recreates the lock file). Returns how many.
fn remove_stale_locks(store: &Store) -> usize {
    let Ok(entries) = std::fs::read_dir(store.run_root()) else { return 0 };
    let mut n = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".lock")) else { continue };
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) || store.container_dir(id).exists() {
            continue;
        }
        if std::fs::remove_file(entry.path()).is_ok() {
            n += 1;
        }
    }
    n
}
