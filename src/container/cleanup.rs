//! Leftovers of rcon processes that died before they finished (kill -9,
//! the OOM killer, a full disk), and their removal by the next command
//! that touches the store ([`sweep`], in time independent of the number
//! of containers; [`sweep_all`] from `ps`, `system prune` and `system
//! check`).
//!
//! What a dead rcon can leave, and how each is recognised:
//!
//! - a container whose creation it did not finish (no /etc files or
//!   network endpoint yet), which could not start;
//! - a container it created or ran with `--rm` (`run --rm`, a build step's
//!   `rcon-build-*` container);
//! - a container directory without a row in the store's database (the
//!   creating rcon died or hit a full disk before inserting it), which no
//!   command lists. A directory whose container has a row is never
//!   removed as incomplete;
//! - staging under `tmp/` (half-pulled layers, a build step's upper
//!   directory, ADD downloads): entries carry their writer's pid
//!   ([`Store::clean_tmp`]);
//! - per-container lock files under the run root whose container is gone;
//! - the cgroup directories of a container whose runner was killed: their
//!   paths are recorded in the container's `cgroup` file when it starts
//!   ([`record_cgroups`]) and removed with the container
//!   ([`remove_cgroups`]).
//!
//! The first three are found through owner files: `<root>/owners/<id>`
//! names the process responsible for finishing container `id` (pid and
//! start time, [`claim`]), written before the container's directory
//! exists and removed when that process hands the container over
//! ([`release`]). A killed process leaves its owner file behind, so the
//! next command finds every unfinished container by listing `owners/`
//! (as many entries as operations in flight and `--rm` containers
//! running, whatever the number of containers) and checking whether each
//! owner lives. [`sweep_all`] also walks `containers/` and the run root,
//! for what rcon before owner files left (an `owner` file inside the
//! container's directory, or none) and for stale lock files; it runs
//! once when a store gets its `owners/` directory, and from `ps`,
//! `system prune` and `system check`.
//!
//! Everything here is best effort and never touches what a live process
//! owns. This module must not start processes.

use crate::store::{ContainerStatus, Store, StoreError, process_alive, process_start_time};
use std::path::PathBuf;

/// The directory under the store root that holds one owner file per
/// container some process is still to finish: `<pid> <start time in clock
/// ticks>[ complete]`.
const OWNERS_DIR: &str = "owners";

/// Where rcon before `owners/` kept the owner file: in the container's
/// directory (still read, for stores it left).
const LEGACY_OWNER_FILE: &str = "owner";

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

/// `<root>/owners/`.
fn owners_dir(store: &Store) -> PathBuf {
    store.root().join(OWNERS_DIR)
}

/// `<root>/owners/<id>`.
fn owner_path(store: &Store, id: &str) -> PathBuf {
    owners_dir(store).join(id)
}

/// Makes this process the owner of container `id` and creates the
/// container's directory (before its record is written). Call again
/// after anything removed the directory (a retried create). Errors: the
/// directory or file cannot be written (a full disk).
pub fn claim(store: &Store, id: &str) -> std::io::Result<()> {
    let text = owner_text(std::process::id() as i32);
    let path = owner_path(store, id);
    if let Err(e) = write_owner(store, id, &text) {
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(e);
        }
        std::fs::create_dir_all(owners_dir(store))?;
        write_owner(store, id, &text)?;
    }
    // The owner file exists before the directory: a sweep never sees the
    // directory of a live create without its owner.
    if let Err(e) = std::fs::create_dir_all(store.container_dir(id)) {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(())
}

/// Replaces the owner file of container `id` atomically (a temporary file
/// beside it, then rename): a concurrent sweep reads the old or the new
/// owner, never an empty file that it would take for a dead one.
fn write_owner(store: &Store, id: &str, text: &str) -> std::io::Result<()> {
    let tmp = owners_dir(store).join(format!(".{id}.{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, owner_path(store, id)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Makes process `pid` (a container's monitor) the owner of container
/// `id`, if the container still exists.
pub fn claim_for(store: &Store, id: &str, pid: i32) {
    if store.container_dir(id).join("config.json").exists() {
        let _ = write_owner(store, id, &format!("{} complete\n", owner_text(pid).trim_end()));
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
    if let Ok(text) = std::fs::read_to_string(owner_path(store, id)) {
        let _ = write_owner(store, id, &format!("{} complete\n", text.trim_end()));
    }
}

/// Gives up ownership of container `id` (a `Created` container handed to
/// the user, a container whose end was recorded, or one removed).
pub fn release(store: &Store, id: &str) {
    let _ = std::fs::remove_file(owner_path(store, id));
    let _ = std::fs::remove_file(store.container_dir(id).join(LEGACY_OWNER_FILE));
}

/// What an owner file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Owner {
    /// Its process is gone.
    dead: bool,
    /// [`mark_complete`] was called.
    complete: bool,
}

/// The owner of container `id`; `None` without an owner file.
fn owner(store: &Store, id: &str) -> Option<Owner> {
    let text = std::fs::read_to_string(owner_path(store, id))
        .or_else(|_| std::fs::read_to_string(store.container_dir(id).join(LEGACY_OWNER_FILE)))
        .ok()?;
    let mut f = text.split_whitespace();
    let pid = f.next().and_then(|p| p.parse::<i32>().ok()).unwrap_or(0);
    let start = f.next().and_then(|s| s.parse::<u64>().ok()).filter(|s| *s != 0);
    Some(Owner { dead: pid <= 0 || !process_alive(pid, start), complete: f.next() == Some("complete") })
}

/// `Some(true)` when container `id` has an owner file and its process is
/// gone, `Some(false)` when the owner lives, `None` without an owner file.
fn owner_dead(store: &Store, id: &str) -> Option<bool> {
    owner(store, id).map(|o| o.dead)
}

/// Records the cgroup directories of container `id` (one per line in its
/// `cgroup` file) right after its init was created, so that a later `rm`
/// can remove them when the process that ran it died without doing so.
pub fn record_cgroups(store: &Store, id: &str, cgroup: Option<&crate::runtime::cgroups::Cgroup>) {
    let Some(cg) = cgroup else { return };
    let text: String = cg.dirs.iter().map(|(_, d)| format!("{}\n", d.display())).collect();
    let _ = std::fs::write(store.container_dir(id).join(CGROUP_FILE), text);
}

/// Records the cgroup directories the runtime may create for `spec`
/// ([`crate::runtime::cgroups::planned_dirs`]) before the container is
/// spawned: a runner killed while its container starts leaves nothing
/// that `rm` or the next [`sweep`] cannot remove. [`record_cgroups`]
/// replaces the list once the container runs.
pub fn record_planned_cgroups(store: &Store, id: &str, spec: &oci_spec::runtime::Spec) {
    use crate::runtime::cgroups;
    let Some(path) = spec.linux().as_ref().and_then(|l| l.cgroups_path().clone()) else { return };
    let Some(layout) = cgroups::Layout::detect() else { return };
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let text: String = cgroups::planned_dirs(&layout, &path.to_string_lossy(), &own)
        .iter()
        .map(|d| format!("{}\n", d.display()))
        .collect();
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
/// what it removed: the containers of dead owners and `tmp/` entries of
/// dead writers. Costs one listing of `owners/` and of `tmp/` and a
/// `/proc` read per entry, whatever the number of containers. On a store
/// without `owners/` (made by an older rcon, or new) it runs [`sweep_all`]
/// once.
pub fn sweep(store: &Store) -> Swept {
    store.clean_tmp();
    let entries = match std::fs::read_dir(owners_dir(store)) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let out = sweep_full(store, true);
            let _ = std::fs::create_dir_all(owners_dir(store));
            return out;
        }
        Err(_) => return Swept::default(),
    };
    let mut out = Swept::default();
    for entry in entries.flatten() {
        let Some(id) = entry.file_name().to_str().map(str::to_string) else { continue };
        if let Some(pid) = id.strip_prefix('.').and_then(|t| t.rsplit_once('.')).and_then(|(_, p)| p.parse().ok()) {
            // A temporary owner file of a writer killed before its rename.
            if !process_alive(pid, None) {
                let _ = std::fs::remove_file(entry.path());
            }
            continue;
        }
        if !is_id(&id) || owner_dead(store, &id) != Some(true) {
            continue;
        }
        let has_row = match store.container_state(&id) {
            Ok(_) => true,
            Err(StoreError::NoSuchContainer(_)) => false,
            Err(_) => continue, // the database cannot be read: take nothing for incomplete
        };
        settle(store, &id, has_row, &mut out);
    }
    report(&out);
    out
}

/// [`sweep`], and also every container directory without a row whose
/// owner is dead or unknown (left by rcon before owner files) and every
/// stale lock file: one listing of `containers/` and of the run root and
/// one query of the containers' IDs.
pub fn sweep_all(store: &Store) -> Swept {
    sweep_full(store, false)
}

/// [`sweep_all`]; with `legacy`, also the owner files of rcon before
/// `owners/` in the directories of containers that have a row (one open
/// per container: done once per store).
fn sweep_full(store: &Store, legacy: bool) -> Swept {
    let mut out = Swept::default();
    store.clean_tmp();
    // A container is complete once it has a row; without the rows (the
    // database cannot be read), nothing is taken for incomplete.
    let Ok(with_row) = store.container_ids() else { return out };
    let mut ids: std::collections::BTreeSet<String> = std::fs::read_dir(store.containers_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    let owned: std::collections::HashSet<String> = std::fs::read_dir(owners_dir(store))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    ids.extend(owned.iter().cloned());
    for id in ids {
        let has_row = with_row.contains(&id);
        if has_row && !legacy && !owned.contains(&id) {
            continue; // a container nobody is finishing
        }
        match owner_dead(store, &id) {
            Some(true) => {}
            // An ownerless directory without a row: the creator died
            // before it claimed it (older rcon) — removed, under the lock.
            None if !has_row => {}
            _ => continue,
        }
        settle(store, &id, has_row, &mut out);
    }
    out.locks = remove_stale_locks(store, &with_row);
    report(&out);
    out
}

fn report(out: &Swept) {
    if *out != Swept::default() {
        crate::debug!("removed leftovers of dead rcon processes: {out:?}");
    }
}

/// 64 lowercase hex digits.
fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Finishes container `id` whose owner is dead (or, without a row, unknown):
/// removes it when it is half-made, a `--rm` container or a directory
/// without a row, else keeps it and drops the owner file.
fn settle(store: &Store, id: &str, has_row: bool, out: &mut Swept) {
    let dir = store.container_dir(id);
    if !has_row {
        // A create holds the container's lock until its row is in:
        // under it, check again that there is no row and no live owner.
        let Ok(_lock) = store.lock_container(id) else { return };
        if matches!(store.container_state(id), Err(StoreError::NoSuchContainer(_)))
            && owner_dead(store, id) != Some(false)
        {
            if dir.exists() {
                remove_cgroups(store, id);
                let trash =
                    store.tmp_dir().join(format!("trash-{}-{}", std::process::id(), crate::util::random_hex(8)));
                if std::fs::rename(&dir, &trash).is_ok() && std::fs::remove_dir_all(&trash).is_ok() {
                    out.incomplete.push(dir);
                }
            }
            release(store, id);
            store.forget_container_lock(id);
        }
        return;
    }
    let Ok(_lock) = store.lock_container(id) else { return };
    let (Ok(record), Ok(state)) = (store.find_container(id), store.container_state(id)) else { return };
    if record.id != id {
        return;
    }
    if state.status == ContainerStatus::Running {
        return; // Its init outlived its runner: `stop`, `kill` or `rm -f` ends it.
    }
    let half_made = state.status == ContainerStatus::Created && owner(store, id).is_some_and(|o| !o.complete);
    if record.auto_remove || half_made {
        if let Err(e) = crate::network::detach(store, id) {
            crate::debug!("container {}: network teardown: {e}", &id[..12]);
        }
        remove_cgroups(store, id);
        if store.remove_container(id).is_ok() {
            crate::volume::remove_anonymous(store, &record);
            release(store, id);
            out.containers.push(id.to_string());
        }
    } else {
        release(store, id);
    }
}

/// Removes `<run root>/<id>.lock` files whose container no longer exists
/// (a monitor or runner that recorded a container's end after `rm -f`
/// removed it recreates the lock file). Returns how many.
fn remove_stale_locks(store: &Store, with_row: &std::collections::HashSet<String>) -> usize {
    let Ok(entries) = std::fs::read_dir(store.run_root()) else { return 0 };
    let mut n = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".lock")) else { continue };
        if !is_id(id) || with_row.contains(id) || store.container_dir(id).exists() {
            continue;
        }
        if std::fs::remove_file(entry.path()).is_ok() {
            n += 1;
        }
    }
    n
}
