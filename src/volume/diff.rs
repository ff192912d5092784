//! `rcon diff`: what a container changed in its root filesystem, read from
//! its overlay upper dir against the image's layers: `A` added, `C`
//! changed, `D` deleted (a whiteout: character device 0:0), docker's
//! output. An opaque directory (`trusted.overlay.opaque=y`) hides what the
//! layers had below it: those entries are reported deleted.
//! Reads only; never follows a symlink of the container.

use crate::store::{ContainerRecord, Store};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Absolute path in the container.
    pub path: String,
    /// `A`, `C` or `D`.
    pub kind: char,
}

fn is_whiteout(md: &std::fs::Metadata) -> bool {
    md.file_type().is_char_device() && md.rdev() == 0
}

/// Whether `rel` exists in the merged view of `layers` (top first).
fn in_layers(layers: &[PathBuf], rel: &Path) -> bool {
    for l in layers {
        // An opaque ancestor or a whiteout in this layer hides lower layers.
        let mut cur = l.clone();
        let comps: Vec<_> = rel.components().collect();
        for (i, c) in comps.iter().enumerate() {
            cur.push(c);
            match cur.symlink_metadata() {
                Ok(md) if is_whiteout(&md) => return false,
                Ok(md) if i + 1 == comps.len() => return !is_whiteout(&md),
                Ok(md) if md.is_dir() => {
                    if crate::image::unpack::is_opaque(&cur) && i + 1 < comps.len() {
                        // Present only if this layer itself has the rest.
                        let rest: PathBuf = comps[i + 1..].iter().collect();
                        return cur.join(rest).symlink_metadata().is_ok_and(|m| !is_whiteout(&m));
                    }
                }
                _ => break,
            }
        }
    }
    false
}

/// The changes of a container, sorted by path.
pub fn changes(store: &Store, record: &ContainerRecord) -> std::io::Result<Vec<Change>> {
    let upper = store.container_dir(&record.id).join("upper");
    let layers: Vec<PathBuf> = record.layers.iter().rev().map(|l| store.layer_diff_dir(l)).collect();
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = upper.join(&rel);
        for e in std::fs::read_dir(&dir)? {
            let e = e?;
            let r = rel.join(e.file_name());
            let md = e.path().symlink_metadata()?;
            let path = format!("/{}", r.display());
            let existed = in_layers(&layers, &r);
            if is_whiteout(&md) {
                if existed {
                    out.push(Change { path, kind: 'D' });
                }
                continue;
            }
            out.push(Change { path: path.clone(), kind: if existed { 'C' } else { 'A' } });
            if md.is_dir() {
                if existed && crate::image::unpack::is_opaque(&e.path()) {
                    // What the layers had here and the upper dir does not is gone.
                    for l in &layers {
                        if let Ok(rd) = std::fs::read_dir(l.join(&r)) {
                            for le in rd.flatten() {
                                let lr = r.join(le.file_name());
                                // Only what the layers' merged view shows (their own whiteouts apply).
                                if upper.join(&lr).symlink_metadata().is_err() && in_layers(&layers, &lr) {
                                    let c = Change { path: format!("/{}", lr.display()), kind: 'D' };
                                    if !out.contains(&c) {
                                        out.push(c);
                                    }
                                }
                            }
                        }
                    }
                }
                stack.push(r);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(hide_mount_points(out, record))
}

/// Drops what only the runtime made: mount points it created for the
/// spec's mounts (`/etc/hosts`, volumes…) and directories changed only by
/// them, which docker keeps in a hidden init layer instead.
fn hide_mount_points(changes: Vec<Change>, record: &ContainerRecord) -> Vec<Change> {
    let dests: Vec<String> = record.spec["mounts"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["destination"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let kept: Vec<Change> = changes.into_iter().filter(|c| !(c.kind == 'A' && dests.contains(&c.path))).collect();
    let mut out = Vec::new();
    for c in &kept {
        if c.kind == 'C' {
            let prefix = format!("{}/", c.path);
            let has_child = kept.iter().any(|o| o.path.starts_with(&prefix));
            let was_parent = dests.iter().any(|d| d.starts_with(&prefix));
            if was_parent && !has_child {
                continue;
            }
        }
        out.push(c.clone());
    }
    out
}
