//! Filesystem work of the builder, without mounting anything on the host:
//!
//! - [`LayeredFs`]: a read-only merged view of a stack of layer directories
//!   in overlayfs format (whiteouts are 0:0 character devices, opaque
//!   directories carry `trusted.overlay.opaque=y`), used to read
//!   `/etc/passwd`, to resolve COPY destinations through symlinks and to copy
//!   `COPY --from=stage` sources;
//! - [`write_layer_tar`]: a layer directory (an overlay upper dir or a layer
//!   being built) → an OCI layer tar (image-spec layer.md): sorted entries,
//!   hard links, whiteouts turned back into `.wh.NAME` and opaque
//!   directories into `.wh..wh..opq` (docs/ARCHITECTURE.md hazard 4), optional clamping
//!   of mtimes for reproducible builds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// An I/O error naming its path.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct FsError {
    /// The path.
    pub path: PathBuf,
    /// The error.
    #[source]
    pub source: std::io::Error,
}

fn fs_err(path: &Path) -> impl FnOnce(std::io::Error) -> FsError + '_ {
    move |source| FsError { path: path.to_path_buf(), source }
}

/// `getxattr` of `trusted.overlay.opaque` on a directory (no symlink follow).
pub use crate::image::unpack::is_opaque;

/// Whether `meta` is an overlay whiteout (character device 0:0).
pub fn is_whiteout(meta: &std::fs::Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// A merged read-only view of layer directories, top-most first.
#[derive(Debug, Clone)]
pub struct LayeredFs {
    /// Layer directories, top-most first.
    pub layers: Vec<PathBuf>,
}

/// An entry found in a [`LayeredFs`].
#[derive(Debug, Clone)]
pub struct Found {
    /// The real path in the layer that provides it.
    pub path: PathBuf,
    /// Its metadata (not following symlinks).
    pub meta: std::fs::Metadata,
}

fn rel(path: &str) -> PathBuf {
    PathBuf::from(path.trim_start_matches('/'))
}

impl LayeredFs {
    /// A view of `layers` (top-most first).
    pub fn new(layers: Vec<PathBuf>) -> Self {
        LayeredFs { layers }
    }

    /// The entry at absolute `path` (no symlink resolution), if visible.
    pub fn lookup(&self, path: &str) -> Option<Found> {
        let r = rel(path);
        for layer in &self.layers {
            let p = layer.join(&r);
            if let Ok(meta) = std::fs::symlink_metadata(&p) {
                if is_whiteout(&meta) {
                    return None;
                }
                return Some(Found { path: p, meta });
            }
            if masks_below(layer, &r) {
                return None;
            }
        }
        None
    }

    /// Resolves symlinks in `path` inside the view (at most 40 hops), as a
    /// container would; `follow_last` also resolves the last component.
    /// Returns a clean absolute path.
    pub fn resolve(&self, path: &str, follow_last: bool) -> String {
        let mut todo: Vec<String> = path.split('/').filter(|c| !c.is_empty()).map(String::from).collect();
        todo.reverse();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = todo.pop() {
            match c.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            let cand = format!("/{}", [done.as_slice(), std::slice::from_ref(&c)].concat().join("/"));
            let last = todo.is_empty();
            match self.lookup(&cand) {
                Some(f) if f.meta.file_type().is_symlink() && (follow_last || !last) && hops < 40 => {
                    hops += 1;
                    let target = std::fs::read_link(&f.path).unwrap_or_default();
                    let t = target.to_string_lossy().to_string();
                    if t.starts_with('/') {
                        done.clear();
                    }
                    for part in t.split('/').filter(|p| !p.is_empty()).rev() {
                        todo.push(part.to_string());
                    }
                }
                _ => done.push(c),
            }
        }
        format!("/{}", done.join("/"))
    }

    /// The contents of a file, following symlinks.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        let f = self.lookup(&self.resolve(path, true))?;
        std::fs::read(f.path).ok()
    }

    /// The merged entries of directory `path` (names → providing entry).
    /// Whiteouts and opaque directories are honoured at every level: a
    /// layer whose copy of `path` or of any of its parents is opaque, a
    /// whiteout or not a directory hides every layer below it.
    pub fn read_dir(&self, path: &str) -> BTreeMap<OsString, Found> {
        let mut out = BTreeMap::new();
        let mut hidden: HashSet<OsString> = HashSet::new();
        let r = rel(path);
        for layer in &self.layers {
            let d = layer.join(&r);
            match std::fs::symlink_metadata(&d) {
                Ok(meta) if !meta.is_dir() => break,
                Ok(_) => {
                    if let Ok(rd) = std::fs::read_dir(&d) {
                        for e in rd.flatten() {
                            let name = e.file_name();
                            if out.contains_key(&name) || hidden.contains(&name) {
                                continue;
                            }
                            let Ok(m) = std::fs::symlink_metadata(e.path()) else { continue };
                            if is_whiteout(&m) {
                                hidden.insert(name);
                                continue;
                            }
                            out.insert(name, Found { path: e.path(), meta: m });
                        }
                    }
                    if is_opaque(&d) {
                        break;
                    }
                }
                Err(_) => {}
            }
            if masks_below(layer, &r) {
                break;
            }
        }
        out
    }
}

/// Whether `layer` hides what the layers below it have at `r`: one of the
/// strict parents of `r` in `layer` is a whiteout, not a directory, or an
/// opaque directory (overlayfs rules, OCI image-spec layer.md).
fn masks_below(layer: &Path, r: &Path) -> bool {
    let mut at = layer.to_path_buf();
    let comps: Vec<_> = r.components().collect();
    for c in comps.iter().take(comps.len().saturating_sub(1)) {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if is_whiteout(&m) || !m.is_dir() => return true,
            Ok(_) if is_opaque(&at) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// What went into a layer tar.
#[derive(Debug, Clone)]
pub struct TarInfo {
    /// Number of entries written.
    pub entries: u64,
    /// Sum of regular file sizes.
    pub size: u64,
}

/// Writes the layer directory `dir` as a tar stream to `out`: entries sorted
/// by path, parents first; ownership, modes, mtimes (clamped to `epoch` when
/// given), symlinks, hard links, devices and fifos; whiteouts become
/// `.wh.NAME`, opaque directories get a `.wh..wh..opq` entry.
pub fn write_layer_tar<W: Write>(dir: &Path, out: W, epoch: Option<i64>) -> Result<TarInfo, FsError> {
    write_layer_tar_skipping(dir, out, epoch, &HashSet::new())
}

/// [`write_layer_tar`] without the entries (and what is below them) whose
/// paths, relative to `dir` without a leading `/`, are in `skip`.
pub fn write_layer_tar_skipping<W: Write>(
    dir: &Path,
    out: W,
    epoch: Option<i64>,
    skip: &HashSet<String>,
) -> Result<TarInfo, FsError> {
    let mut b = tar::Builder::new(out);
    b.mode(tar::HeaderMode::Complete);
    b.follow_symlinks(false);
    let mut info = TarInfo { entries: 0, size: 0 };
    let mut inodes: HashMap<(u64, u64), String> = HashMap::new();
    tar_dir(&mut b, dir, "", epoch, &mut info, &mut inodes, skip)?;
    b.into_inner().map_err(fs_err(dir))?;
    Ok(info)
}

fn header_for(meta: &std::fs::Metadata, epoch: Option<i64>) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_mode(meta.mode() & 0o7777);
    h.set_uid(meta.uid() as u64);
    h.set_gid(meta.gid() as u64);
    let mtime = match epoch {
        Some(e) => meta.mtime().min(e),
        None => meta.mtime(),
    };
    h.set_mtime(mtime.max(0) as u64);
    h.set_size(0);
    h
}

fn append<W: Write>(
    b: &mut tar::Builder<W>,
    h: &mut tar::Header,
    name: &str,
    link: Option<&Path>,
    data: &mut dyn std::io::Read,
    at: &Path,
) -> Result<(), FsError> {
    match link {
        Some(l) => b.append_link(h, name, l),
        None => b.append_data(h, name, data),
    }
    .map_err(fs_err(at))
}

fn tar_dir<W: Write>(
    b: &mut tar::Builder<W>,
    dir: &Path,
    prefix: &str,
    epoch: Option<i64>,
    info: &mut TarInfo,
    inodes: &mut HashMap<(u64, u64), String>,
    skip: &HashSet<String>,
) -> Result<(), FsError> {
    let mut names: Vec<OsString> = std::fs::read_dir(dir)
        .map_err(fs_err(dir))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(fs_err(dir))?;
    names.sort();
    if !prefix.is_empty() && is_opaque(dir) {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_size(0);
        append(b, &mut h, &format!("{prefix}.wh..wh..opq"), None, &mut std::io::empty(), dir)?;
        info.entries += 1;
    }
    for name in names {
        let path = dir.join(&name);
        let name = name.to_string_lossy().to_string();
        let tar_name = format!("{prefix}{name}");
        if skip.contains(&tar_name) {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).map_err(fs_err(&path))?;
        let ft = meta.file_type();
        let mut h = header_for(&meta, epoch);
        info.entries += 1;
        if is_whiteout(&meta) {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            h.set_size(0);
            append(b, &mut h, &format!("{prefix}.wh.{name}"), None, &mut std::io::empty(), &path)?;
        } else if ft.is_dir() {
            h.set_entry_type(tar::EntryType::Directory);
            append(b, &mut h, &format!("{tar_name}/"), None, &mut std::io::empty(), &path)?;
            tar_dir(b, &path, &format!("{tar_name}/"), epoch, info, inodes, skip)?;
        } else if ft.is_symlink() {
            h.set_entry_type(tar::EntryType::Symlink);
            let target = std::fs::read_link(&path).map_err(fs_err(&path))?;
            append(b, &mut h, &tar_name, Some(&target), &mut std::io::empty(), &path)?;
        } else if ft.is_file() {
            if meta.nlink() > 1 {
                let key = (meta.dev(), meta.ino());
                if let Some(first) = inodes.get(&key) {
                    h.set_entry_type(tar::EntryType::Link);
                    append(b, &mut h, &tar_name, Some(Path::new(first)), &mut std::io::empty(), &path)?;
                    continue;
                }
                inodes.insert(key, tar_name.clone());
            }
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(meta.len());
            info.size += meta.len();
            let mut f = std::fs::File::open(&path).map_err(fs_err(&path))?;
            append(b, &mut h, &tar_name, None, &mut f, &path)?;
        } else if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() {
            h.set_entry_type(if ft.is_char_device() {
                tar::EntryType::Char
            } else if ft.is_block_device() {
                tar::EntryType::Block
            } else {
                tar::EntryType::Fifo
            });
            let rdev = meta.rdev();
            let _ = h.set_device_major(libc::major(rdev));
            let _ = h.set_device_minor(libc::minor(rdev));
            append(b, &mut h, &tar_name, None, &mut std::io::empty(), &path)?;
        } else {
            info.entries -= 1; // sockets are not layer content
        }
    }
    Ok(())
}

/// What [`remove_mount_stubs`] would remove, without touching `upper` (for
/// `commit` of a container that keeps its upper dir): paths relative to
/// `upper` without a leading `/`, for [`write_layer_tar_skipping`].
pub fn mount_stub_skips(upper: &Path, lower: &LayeredFs, paths: &[String]) -> HashSet<String> {
    let mut skip: HashSet<String> = HashSet::new();
    let mut todo: Vec<String> = paths.iter().map(|p| format!("/{}", p.trim_matches('/'))).collect();
    todo.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
    for p in todo {
        let mut cur = p;
        loop {
            let r = cur.trim_start_matches('/').to_string();
            if r.is_empty() || skip.contains(&r) || lower.lookup(&cur).is_some() {
                break;
            }
            let at = upper.join(&r);
            let Ok(meta) = std::fs::symlink_metadata(&at) else { break };
            let stub = if meta.is_dir() {
                std::fs::read_dir(&at)
                    .map(|rd| rd.flatten().all(|e| skip.contains(&format!("{r}/{}", e.file_name().to_string_lossy()))))
                    .unwrap_or(false)
            } else {
                meta.is_file() && meta.len() == 0
            };
            if !stub {
                break;
            }
            skip.insert(r);
            cur = match cur.rsplit_once('/') {
                Some((parent, _)) => parent.to_string(),
                None => break,
            };
        }
    }
    skip
}

/// Removes from an overlay upper dir what only the runtime put there as
/// mount points: empty files or directories at `paths` that the lower view
/// does not have, then their parents when they became empty and are not in
/// the lower view either.
pub fn remove_mount_stubs(upper: &Path, lower: &LayeredFs, paths: &[&str]) {
    for p in paths {
        let mut cur = p.to_string();
        loop {
            if cur == "/" || cur.is_empty() || lower.lookup(&cur).is_some() {
                break;
            }
            let at = upper.join(cur.trim_start_matches('/'));
            let Ok(meta) = std::fs::symlink_metadata(&at) else { break };
            let removed = if meta.is_dir() {
                std::fs::remove_dir(&at).is_ok()
            } else if meta.is_file() && meta.len() == 0 {
                std::fs::remove_file(&at).is_ok()
            } else {
                false
            };
            if !removed {
                break;
            }
            cur = match cur.rsplit_once('/') {
                Some((parent, _)) => parent.to_string(),
                None => break,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layered_lookup_resolve_and_tar() {
        let t = tempfile::tempdir().unwrap();
        let low = t.path().join("low");
        let up = t.path().join("up");
        std::fs::create_dir_all(low.join("usr/bin")).unwrap();
        std::fs::write(low.join("usr/bin/a"), "A").unwrap();
        std::os::unix::fs::symlink("usr/bin", low.join("bin")).unwrap();
        std::fs::create_dir_all(low.join("etc")).unwrap();
        std::fs::write(low.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        std::fs::create_dir_all(up.join("etc")).unwrap();
        std::fs::write(up.join("etc/x"), "X").unwrap();
        let fs = LayeredFs::new(vec![up.clone(), low.clone()]);
        assert_eq!(fs.resolve("/bin/a", true), "/usr/bin/a");
        assert_eq!(fs.resolve("/bin", false), "/bin");
        assert_eq!(fs.read("/bin/a").unwrap(), b"A");
        assert!(fs.lookup("/etc/passwd").is_some());
        let names: Vec<_> = fs.read_dir("/etc").into_keys().collect();
        assert_eq!(names, ["passwd", "x"]);

        let mut buf = Vec::new();
        let info = write_layer_tar(&low, &mut buf, Some(0)).unwrap();
        assert_eq!(info.size, 1 + 26);
        let mut ar = tar::Archive::new(buf.as_slice());
        let paths: Vec<String> =
            ar.entries().unwrap().map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(paths, ["bin", "etc/", "etc/passwd", "usr/", "usr/bin/", "usr/bin/a"]);
    }

    /// Whiteouts and opaque markers written by [`write_layer_tar`] unpack
    /// again with rcon's own (strict) unpacker: valid owner fields.
    #[test]
    fn whiteout_entries_round_trip_through_unpack() {
        let t = tempfile::tempdir().unwrap();
        let up = t.path().join("up");
        std::fs::create_dir_all(up.join("dir")).unwrap();
        std::fs::write(up.join("dir/new"), "n").unwrap();
        rustix::fs::lsetxattr(up.join("dir"), "trusted.overlay.opaque", b"y", rustix::fs::XattrFlags::empty())
            .expect("setting trusted.* xattrs needs root");
        nix::sys::stat::mknod(&up.join("gone"), nix::sys::stat::SFlag::S_IFCHR, nix::sys::stat::Mode::empty(), 0)
            .expect("mknod a whiteout (needs root)");
        let mut buf = Vec::new();
        write_layer_tar(&up, &mut buf, None).unwrap();
        let out = t.path().join("out");
        std::fs::create_dir(&out).unwrap();
        crate::image::unpack::unpack(buf.as_slice(), &out, "test layer").unwrap();
        assert!(is_whiteout(&std::fs::symlink_metadata(out.join("gone")).unwrap()));
        assert!(is_opaque(&out.join("dir")) && out.join("dir/new").exists());
    }

    /// A tree deleted and partly re-created: the opaque marker sits on the
    /// parent (`/venv`), the re-created child (`/venv/lib`) is not opaque
    /// itself, and nothing of the old tree may show through at any depth.
    #[test]
    fn opaque_parent_hides_lower_layers_at_every_depth() {
        let t = tempfile::tempdir().unwrap();
        let low = t.path().join("low");
        let up = t.path().join("up");
        std::fs::create_dir_all(low.join("venv/lib/old")).unwrap();
        std::fs::write(low.join("venv/lib/old/f"), "old").unwrap();
        std::fs::write(low.join("venv/lib/stale"), "old").unwrap();
        std::fs::write(low.join("venv/gone"), "old").unwrap();
        std::fs::create_dir_all(low.join("file-now/sub")).unwrap();
        std::fs::create_dir_all(up.join("venv/lib")).unwrap();
        std::fs::write(up.join("venv/lib/new"), "new").unwrap();
        std::fs::write(up.join("file-now"), "x").unwrap();
        rustix::fs::lsetxattr(up.join("venv"), "trusted.overlay.opaque", b"y", rustix::fs::XattrFlags::empty())
            .expect("setting trusted.* xattrs needs root");
        let fs = LayeredFs::new(vec![up, low]);
        let names = |p: &str| fs.read_dir(p).into_keys().map(|n| n.to_string_lossy().into_owned()).collect::<Vec<_>>();
        assert_eq!(names("/venv"), ["lib"]);
        assert_eq!(names("/venv/lib"), ["new"]);
        assert!(names("/venv/lib/old").is_empty());
        assert!(fs.lookup("/venv/lib/stale").is_none() && fs.lookup("/venv/lib/old/f").is_none());
        assert!(names("/file-now/sub").is_empty() && fs.lookup("/file-now/sub").is_none());
    }
}
