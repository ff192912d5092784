//! `rcon system check [--repair]`: the consistency of the store, as the
//! commands rely on it, and the repair of what a crash or a damaged file
//! left behind.
//!
//! What is checked (and repaired with `--repair`):
//! - the database (`PRAGMA integrity_check`; not repairable here);
//! - every container row has its directory and a readable `config.json`
//!   (else the container is removed, as `rm -f` does, stopping what still
//!   runs of it);
//! - every container directory has a row (else it is what a killed
//!   `create` or `rm` left, invisible to every command: removed);
//! - every container lock file in the run root belongs to a container
//!   (else removed);
//! - every image row of the database is readable (else removed: pull the
//!   image again), an `images.json` the migration could not read is
//!   reported (removed), and every image's config blob and layers exist
//!   (not repairable here: pull the image again);
//! - every volume and network row is readable (else a volume's record is
//!   rewritten from its name, keeping its data; a network's row is
//!   removed), and every volume directory has a row (else it is what a
//!   killed `volume create` or `volume rm` left: removed);
//! - `tmp/` entries of dead rcon processes (removed).
//!
//! Name claims cannot be orphaned: a name is a column of its container's
//! row, claimed and released with it in one transaction. A create in
//! progress (its container lock held) is never taken for a leftover.

use crate::store::{Store, StoreLock};

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What is wrong, naming the object and path.
    pub problem: String,
    /// `--repair` fixed it.
    pub repaired: bool,
}

/// Checks the store; with `repair`, fixes what can be fixed. Errors: the
/// store cannot be read at all (the database cannot be opened).
pub fn check(store: &Store, repair: bool) -> super::Result<Vec<Finding>> {
    let mut out = Vec::new();
    // What killed rcon processes left and their owners' death shows is
    // removed without a finding (every command does this for its part).
    super::cleanup::sweep_all(store);
    for p in store.db_integrity_check()? {
        out.push(Finding { problem: format!("store database {}: {p}", store.db_path().display()), repaired: false });
    }
    let rows = store.list_containers(&Default::default())?;
    let known: std::collections::HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
    for row in &rows {
        let problem = match (&row.problem, store.container_record(row)) {
            (Some(p), _) => p.clone(),
            (None, Err(e)) => e.to_string(),
            (None, Ok(_)) => continue,
        };
        let mut f =
            Finding { problem: format!("container {} ({}): {problem}", &row.id[..12], row.name), repaired: false };
        if repair {
            match super::remove(store, &row.id, true) {
                Ok(_) => f.repaired = true,
                Err(e) => f.problem.push_str(&format!("; cannot remove it: {}", crate::util::error_chain(&e))),
            }
        }
        out.push(f);
    }
    let dir = store.containers_dir();
    let mut dirs: Vec<String> = std::fs::read_dir(&dir)
        .map_err(super::Error::io("read", &dir))?
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| !known.contains(n))
        .collect();
    dirs.sort();
    for id in dirs {
        // A create in progress holds the container's lock until its row is in.
        let Some(_lock) = lock_if_idle(store, &id)? else { continue };
        if store.container_state(&id).is_ok() {
            continue; // created meanwhile
        }
        let path = store.container_dir(&id);
        let mut f = Finding {
            problem: format!("directory {} has no container record (left by a killed rcon)", path.display()),
            repaired: false,
        };
        if repair {
            // A killed `start` may have left the rootfs mounted.
            let _ = nix::mount::umount2(&path.join("merged"), nix::mount::MntFlags::MNT_DETACH);
            match store.remove_container_dir(&id) {
                Ok(()) => f.repaired = true,
                Err(e) => f.problem.push_str(&format!("; cannot remove it: {e}")),
            }
        }
        out.push(f);
    }
    if let Ok(entries) = std::fs::read_dir(store.run_root()) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Some(id) = name.strip_suffix(".lock") else { continue };
            if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) || known.contains(id) {
                continue;
            }
            let Some(_lock) = StoreLock::try_exclusive(&e.path())? else { continue };
            if store.container_state(id).is_ok() || store.container_dir(id).exists() {
                continue;
            }
            let mut f = Finding {
                problem: format!("lock file {} belongs to no container", e.path().display()),
                repaired: false,
            };
            if repair {
                f.repaired = std::fs::remove_file(e.path()).is_ok();
            }
            out.push(f);
        }
    }
    match store.images() {
        Err(e) => out.push(Finding { problem: format!("image index: {e}"), repaired: false }),
        Ok(images) => {
            for image in images {
                let name = image.repo_tags.first().cloned().unwrap_or_else(|| image.id.short().to_string());
                let mut missing = Vec::new();
                if !store.has_blob(&image.id) {
                    missing.push(format!("config blob {}", image.id));
                }
                for chain_id in image.chain_ids() {
                    if !store.layers_dir().join(chain_id.hex()).join("diff").is_dir() {
                        missing.push(format!("layer {chain_id}"));
                    }
                }
                if !missing.is_empty() {
                    out.push(Finding {
                        problem: format!("image {name}: missing {}; pull or build it again", missing.join(", ")),
                        repaired: false,
                    });
                }
            }
        }
    }
    match store.damaged_images() {
        Err(e) => out.push(Finding { problem: format!("image index: {e}"), repaired: false }),
        Ok(damaged) => {
            for d in damaged {
                let mut f = Finding {
                    problem: format!(
                        "image {} in {}: {}; pull or build it again",
                        d.id,
                        store.db_path().display(),
                        d.problem
                    ),
                    repaired: false,
                };
                if repair {
                    match store.remove_image_row(&d.id) {
                        Ok(_) => f.repaired = true,
                        Err(e) => f.problem.push_str(&format!("; cannot remove it: {e}")),
                    }
                }
                out.push(f);
            }
        }
    }
    // What the migration to the database could not read of `images.json`.
    let aside = store.root().join("images.json.damaged");
    if aside.exists() {
        let mut f = Finding {
            problem: format!(
                "image index {} could not be read when the store moved to its database: its images are lost, pull or build them again",
                aside.display()
            ),
            repaired: false,
        };
        if repair {
            f.repaired = std::fs::remove_file(&aside).is_ok();
        }
        out.push(f);
    }
    check_volumes_and_networks(store, repair, &mut out)?;
    if repair {
        store.clean_tmp();
    }
    Ok(out)
}

/// Damaged volume and network rows (a volume's record is rewritten from
/// its name, keeping its data; a network's row is removed: create it
/// again), and volume directories without a row (what a killed `volume
/// create` or `volume rm` left: removed). Under the store lock, which
/// `volume create` holds from its directory to its row.
fn check_volumes_and_networks(store: &Store, repair: bool, out: &mut Vec<Finding>) -> super::Result<()> {
    let _lock = store.lock()?;
    for d in store.damaged_rows()? {
        let mut f = Finding {
            problem: format!("{} {} in {}: {}", d.kind, d.name, store.db_path().display(), d.problem),
            repaired: false,
        };
        if repair {
            let data = store.volume_data(&d.name);
            let fixed = match d.kind {
                "volume" if data.is_dir() => {
                    let created = std::fs::metadata(&data).and_then(|m| m.modified()).map(Into::into);
                    store.rewrite_volume_row(&d.name, created.unwrap_or_else(|_| chrono::Utc::now())).map(|_| ())
                }
                "volume" => store.remove_volume_row(&d.name).map(|_| ()),
                _ => store.remove_network_row(&d.name).map(|_| ()),
            };
            match fixed {
                Ok(()) => f.repaired = true,
                Err(e) => f.problem.push_str(&format!("; cannot repair it: {e}")),
            }
            if d.kind == "network" {
                f.problem.push_str("; create the network again");
            } else if !data.is_dir() {
                f.problem.push_str("; its data directory is gone");
            }
        }
        out.push(f);
    }
    let rows = store.volume_names()?;
    let dir = store.volumes_dir();
    let mut orphans: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !rows.contains(n))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(super::Error::io("read", &dir)(e)),
    };
    orphans.sort();
    for name in orphans {
        let path = dir.join(&name);
        let mut f = Finding {
            problem: format!(
                "directory {} has no volume record (left by a killed `volume create` or `volume rm`)",
                path.display()
            ),
            repaired: false,
        };
        if repair {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => f.repaired = true,
                Err(e) => f.problem.push_str(&format!("; cannot remove it: {e}")),
            }
        }
        out.push(f);
    }
    Ok(())
}

/// The container's lock when no other process holds it (taking it creates
/// the lock file if there is none); `None` when it is busy.
fn lock_if_idle(store: &Store, id: &str) -> super::Result<Option<StoreLock>> {
    let path = store.run_root().join(format!("{id}.lock"));
    match StoreLock::try_exclusive(&path)? {
        Some(l) => Ok(Some(l)),
        None if path.exists() => Ok(None),
        None => Ok(Some(store.lock_container(id)?)),
    }
}
