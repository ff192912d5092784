//! Layer unpack (OCI image-spec layer.md): a tar stream in, one layer
//! directory out, ready to be an overlayfs lower dir.
//!
//! Layers are untrusted input (docs/ARCHITECTURE.md hazard 3). The rules:
//!
//! - Entry paths are cleaned lexically (`.` and empty components dropped,
//!   `..` pops one component). An absolute path, or one whose `..` would climb
//!   above the root, is rejected with [`UnpackError::Escape`].
//! - Symlinks are never followed while unpacking: each parent directory is
//!   opened component by component with `openat(O_NOFOLLOW|O_DIRECTORY)`
//!   from the layer root, and every file is created relative to that fd
//!   (`O_EXCL|O_NOFOLLOW`). An entry whose parent is a symlink is rejected.
//! - A relative symlink target that climbs above the root (lexically, from
//!   the link's directory) is rejected, as docker does; absolute targets are
//!   kept (they resolve inside the container's root at run time).
//! - A hard link's target must be a path inside this layer (no `..` escape,
//!   not absolute) and is linked with `linkat` without following symlinks.
//! - PAX `SCHILY.xattr.*` records are applied, except `trusted.overlay.*`,
//!   which only the whiteout conversion below may set.
//!
//! Whiteouts become overlayfs whiteouts: `.wh.NAME` → a 0:0 character device
//! `NAME`; `.wh..wh..opq` → xattr `trusted.overlay.opaque=y` on its
//! directory; other `.wh..wh.*` (aufs metadata) are skipped.
//!
//! This module writes only below the directory it is given; it does not know
//! about the store or registries.

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat};
use nix::sys::stat::{
    FchmodatFlags, Mode, SFlag, UtimensatFlags, fchmod, fchmodat, fstatat, futimens, makedev, mkdirat, mknodat,
    utimensat,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{Gid, Uid, UnlinkatFlags, fchown, fchownat, linkat, symlinkat, unlinkat};
use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// What was unpacked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnpackStats {
    /// Sum of the sizes of regular files, in bytes.
    pub size: u64,
    /// Number of tar entries processed.
    pub entries: u64,
}

/// Why a layer cannot be unpacked. Every variant names the layer (its digest)
/// and, where there is one, the tar entry as it appears in the archive.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The entry would be written, or would point, outside the layer root.
    #[error("layer {layer}: entry {entry:?} escapes the layer root{detail}")]
    Escape {
        /// The layer's digest.
        layer: String,
        /// The entry's path in the archive.
        entry: String,
        /// Extra words (`: symlink target "../../x"`), may be empty.
        detail: String,
    },
    /// The entry is malformed or of an unsupported kind.
    #[error("layer {layer}: entry {entry:?}: {reason}")]
    Invalid {
        /// The layer's digest.
        layer: String,
        /// The entry's path in the archive.
        entry: String,
        /// What is wrong.
        reason: String,
    },
    /// A filesystem operation failed while writing the entry.
    #[error("layer {layer}: entry {entry:?}: {op}: {source}")]
    Io {
        /// The layer's digest.
        layer: String,
        /// The entry's path in the archive.
        entry: String,
        /// The operation (`create`, `chown`, …).
        op: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The tar stream itself cannot be read (truncated, corrupt, network).
    #[error("layer {layer}: reading the tar stream: {source}")]
    Read {
        /// The layer's digest.
        layer: String,
        /// The read error.
        source: std::io::Error,
    },
}

/// Unpacks the tar stream `reader` into the existing, empty directory
/// `dest`. `layer` names the layer in errors (its digest). Reads up to the
/// end-of-archive marker; the caller drains whatever follows (padding) if it
/// hashes the stream. On error, `dest` holds a partial layer: the caller
/// discards it. Must run as root to create device nodes and set ownership
/// (as non-root, ownership is left to the current user).
pub fn unpack<R: Read>(reader: R, dest: &Path, layer: &str) -> Result<UnpackStats, UnpackError> {
    unpack_inner(reader, dest, layer, None)
}

/// [`unpack`], telling `recorder` which bytes of the stream are regular
/// files' contents (the stream must be a
/// [`RecordingReader`](super::tarsplit::RecordingReader) on the same
/// recorder), so the tar can be rebuilt from the unpacked files later.
pub fn unpack_recording<R: Read>(
    reader: R,
    dest: &Path,
    layer: &str,
    recorder: &super::tarsplit::Recorder,
) -> Result<UnpackStats, UnpackError> {
    unpack_inner(reader, dest, layer, Some(recorder))
}

fn unpack_inner<R: Read>(
    reader: R,
    dest: &Path,
    layer: &str,
    recorder: Option<&super::tarsplit::Recorder>,
) -> Result<UnpackStats, UnpackError> {
    let root =
        openat(nix::fcntl::AT_FDCWD, dest, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|e| UnpackError::Io {
                layer: layer.to_string(),
                entry: dest.display().to_string(),
                op: "open layer directory",
                source: e.into(),
            })?;
    let mut u = Unpacker {
        root,
        layer: layer.to_string(),
        is_root: nix::unistd::geteuid().is_root(),
        dirs: Vec::new(),
        stats: UnpackStats::default(),
        xattr_warned: false,
        buf: Vec::new(),
        recorder,
        dir_cache: std::cell::RefCell::new(None),
    };
    let mut archive = tar::Archive::new(reader);
    let read_err = |source| UnpackError::Read { layer: layer.to_string(), source };
    for entry in archive.entries().map_err(read_err)? {
        let mut entry = entry.map_err(read_err)?;
        u.entry(&mut entry)?;
        u.stats.entries += 1;
    }
    u.finish_dirs();
    Ok(u.stats)
}

/// Metadata of one entry, from its header and PAX records.
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: TimeSpec,
    xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

type Components = Vec<Vec<u8>>;

struct Unpacker<'a> {
    /// Told where file contents are in the stream (tar-split).
    recorder: Option<&'a super::tarsplit::Recorder>,
    /// The last directory opened by [`Unpacker::open_dir`] (its components
    /// and fd): tar entries come grouped by directory, so most entries reuse
    /// it instead of opening every component again. Dropped whenever an
    /// entry names it or one of its ancestors (which may replace it).
    dir_cache: std::cell::RefCell<Option<(Components, OwnedFd)>>,
    root: OwnedFd,
    layer: String,
    is_root: bool,
    /// Directories whose mtime is set at the end (creating their children
    /// changes it): path components and mtime.
    dirs: Vec<(Components, TimeSpec)>,
    stats: UnpackStats,
    xattr_warned: bool,
    /// Copy buffer for file data.
    buf: Vec<u8>,
}

/// Lexically cleans `raw` relative to `base`: drops empty and `.`
/// components, `..` pops one. `None` when `..` climbs above the root.
fn clean(base: &[Vec<u8>], raw: &[u8]) -> Option<Components> {
    let mut out = base.to_vec();
    for c in raw.split(|b| *b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                out.pop()?;
            }
            _ => out.push(c.to_vec()),
        }
    }
    Some(out)
}

fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

/// Parses a PAX decimal time (`1700000000.5`) into a timespec.
fn pax_time(v: &str) -> Option<TimeSpec> {
    let (secs, frac) = v.split_once('.').unwrap_or((v, ""));
    let secs: i64 = secs.parse().ok()?;
    let mut nanos = 0i64;
    if !frac.is_empty() {
        let digits: String = frac.chars().take(9).collect();
        nanos = digits.parse::<i64>().ok()? * 10i64.pow(9 - digits.len() as u32);
        if secs < 0 && nanos > 0 {
            return Some(TimeSpec::new(secs - 1, 1_000_000_000 - nanos));
        }
    }
    Some(TimeSpec::new(secs, nanos))
}

/// `fsetxattr(2)`.
fn fsetxattr(fd: BorrowedFd<'_>, name: &[u8], value: &[u8]) -> std::io::Result<()> {
    rustix::fs::fsetxattr(fd, OsStr::from_bytes(name), value, rustix::fs::XattrFlags::empty()).map_err(Into::into)
}

/// `lsetxattr(2)` on `NAME` in the directory `dir`, through `/proc/self/fd`
/// (the magic link resolves to `dir` itself; `NAME` is not followed).
fn lsetxattr_at(dir: BorrowedFd<'_>, file: &[u8], name: &[u8], value: &[u8]) -> std::io::Result<()> {
    let mut path = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    path.extend_from_slice(file);
    let (path, name) = (OsStr::from_bytes(&path), OsStr::from_bytes(name));
    rustix::fs::lsetxattr(path, name, value, rustix::fs::XattrFlags::empty()).map_err(Into::into)
}

/// Whether the directory `p` is an overlayfs opaque directory (xattr
/// `trusted.overlay.opaque` = `y`, or `user.overlay.opaque` in a rootless
/// store; read without following a symlink at `p`).
pub fn is_opaque(p: &Path) -> bool {
    let mut buf = [0u8; 4];
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|name| matches!(rustix::fs::lgetxattr(p, *name, &mut buf[..]), Ok(1) if buf[0] == b'y'))
}

/// The opaque-directory attribute this process writes: `trusted.overlay.opaque`,
/// or `user.overlay.opaque` when rcon runs rootless (trusted attributes need
/// the host's root; the overlay is then mounted with `userxattr`).
pub fn opaque_xattr() -> &'static str {
    if crate::runtime::rootless::is_rootless() { "user.overlay.opaque" } else { "trusted.overlay.opaque" }
}

impl Unpacker<'_> {
    fn escape(&self, entry: &str, detail: String) -> UnpackError {
        UnpackError::Escape { layer: self.layer.clone(), entry: entry.to_string(), detail }
    }

    fn invalid(&self, entry: &str, reason: impl Into<String>) -> UnpackError {
        UnpackError::Invalid { layer: self.layer.clone(), entry: entry.to_string(), reason: reason.into() }
    }

    fn io(&self, entry: &str, op: &'static str) -> impl FnOnce(Errno) -> UnpackError {
        let (layer, entry) = (self.layer.clone(), entry.to_string());
        move |e| UnpackError::Io { layer, entry, op, source: e.into() }
    }

    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<(), UnpackError> {
        use tar::EntryType as T;
        let kind = entry.header().entry_type();
        if matches!(kind, T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink) {
            return Ok(());
        }
        let raw = entry.path_bytes().into_owned();
        let label = String::from_utf8_lossy(&raw).into_owned();
        if raw.starts_with(b"/") {
            return Err(self.escape(&label, ": absolute path".into()));
        }
        let comps = clean(&[], &raw).ok_or_else(|| self.escape(&label, String::new()))?;
        self.invalidate(&comps);
        if let Some((name, parents)) = comps.split_last()
            && let Some(target) = name.strip_prefix(b".wh.")
        {
            let mut t = parents.to_vec();
            t.push(target.to_vec());
            self.invalidate(&t);
        }
        let meta = self.meta(entry, &label)?;

        let Some((name, parents)) = comps.split_last() else {
            // The layer root itself (`./`): only a directory entry makes sense.
            if kind == T::Directory {
                let root = self.open_dir(&[], false, &label)?;
                self.apply_fd_meta(root.as_fd(), &meta, &label)?;
                self.dirs.push((Vec::new(), meta.mtime));
                return Ok(());
            }
            return Err(self.invalid(&label, "a non-directory entry names the layer root"));
        };

        if let Some(target) = name.strip_prefix(b".wh.") {
            let parent = self.open_dir(parents, true, &label)?;
            if target == b".wh..opq" {
                return fsetxattr(parent.as_fd(), opaque_xattr().as_bytes(), b"y").map_err(|source| UnpackError::Io {
                    layer: self.layer.clone(),
                    entry: label.clone(),
                    op: "set the overlay opaque attribute",
                    source,
                });
            }
            if target.starts_with(b".wh.") {
                return Ok(()); // aufs metadata (.wh..wh.plnk, .wh..wh.aufs)
            }
            if target.is_empty() || target == b"." || target == b".." {
                return Err(self.invalid(&label, "whiteout without a name"));
            }
            self.remove_existing(parent.as_fd(), target, false, &label)?;
            mknodat(parent.as_fd(), os(target), SFlag::S_IFCHR, Mode::empty(), makedev(0, 0))
                .map_err(self.io(&label, "create whiteout device"))?;
            if self.is_root {
                fchownat(
                    parent.as_fd(),
                    os(target),
                    Some(Uid::from_raw(meta.uid)),
                    Some(Gid::from_raw(meta.gid)),
                    AtFlags::AT_SYMLINK_NOFOLLOW,
                )
                .map_err(self.io(&label, "chown"))?;
            }
            return Ok(());
        }

        let parent = self.open_dir(parents, true, &label)?;
        let parent = parent.as_fd();
        let name = name.as_slice();
        match kind {
            T::Directory => {
                if !self.remove_existing(parent, name, true, &label)? {
                    mkdirat(parent, os(name), Mode::from_bits_truncate(0o700)).map_err(self.io(&label, "mkdir"))?;
                }
                let fd = openat(
                    parent,
                    os(name),
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(self.io(&label, "open directory"))?;
                self.apply_fd_meta(fd.as_fd(), &meta, &label)?;
                self.dirs.push((comps.clone(), meta.mtime));
            }
            T::Regular | T::Continuous => {
                self.remove_existing(parent, name, false, &label)?;
                let fd = openat(
                    parent,
                    os(name),
                    OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(self.io(&label, "create"))?;
                let mut file = File::from(fd);
                if let Some(r) = self.recorder {
                    r.file(&comps.join(&b'/'), entry.size());
                }
                self.stats.size += self.copy(entry, &mut file, &label)?;
                if let Some(r) = self.recorder {
                    r.end_file();
                }
                self.apply_fd_meta(file.as_fd(), &meta, &label)?;
                futimens(file.as_fd(), &meta.mtime, &meta.mtime).map_err(self.io(&label, "set mtime"))?;
            }
            T::Symlink => {
                let target = entry.link_name_bytes().map(|t| t.into_owned()).unwrap_or_default();
                if target.is_empty() {
                    return Err(self.invalid(&label, "symlink without a target"));
                }
                if !target.starts_with(b"/") && clean(parents, &target).is_none() {
                    let t = String::from_utf8_lossy(&target);
                    return Err(self.escape(&label, format!(": symlink target {t:?}")));
                }
                self.remove_existing(parent, name, false, &label)?;
                symlinkat(os(&target), parent, os(name)).map_err(self.io(&label, "symlink"))?;
                self.apply_at_meta(parent, name, &meta, false, &label)?;
            }
            T::Link => {
                let target = entry.link_name_bytes().map(|t| t.into_owned()).unwrap_or_default();
                let t = String::from_utf8_lossy(&target).into_owned();
                if target.starts_with(b"/") {
                    return Err(self.escape(&label, format!(": hard link target {t:?} is absolute")));
                }
                let tcomps =
                    clean(&[], &target).ok_or_else(|| self.escape(&label, format!(": hard link target {t:?}")))?;
                if tcomps == comps {
                    return Ok(());
                }
                let Some((tname, tparents)) = tcomps.split_last() else {
                    return Err(self.invalid(&label, "hard link to the layer root"));
                };
                let tparent = self.open_dir(tparents, false, &label)?;
                self.remove_existing(parent, name, false, &label)?;
                linkat(tparent.as_fd(), os(tname), parent, os(name), AtFlags::empty()).map_err(|e| {
                    if e == Errno::ENOENT {
                        self.invalid(&label, format!("hard link target {t:?} is not in this layer"))
                    } else {
                        self.io(&label, "link")(e)
                    }
                })?;
            }
            T::Char | T::Block | T::Fifo => {
                let node = match kind {
                    T::Char => SFlag::S_IFCHR,
                    T::Block => SFlag::S_IFBLK,
                    _ => SFlag::S_IFIFO,
                };
                let dev = |v: std::io::Result<Option<u32>>| v.ok().flatten().unwrap_or(0) as u64;
                let rdev = makedev(dev(entry.header().device_major()), dev(entry.header().device_minor()));
                self.remove_existing(parent, name, false, &label)?;
                match mknodat(parent, os(name), node, Mode::from_bits_truncate(0o600), rdev) {
                    // Rootless: device nodes cannot be made in a user
                    // namespace (containers get the host's devices bound).
                    Err(Errno::EPERM) if node != SFlag::S_IFIFO && crate::runtime::rootless::is_rootless() => {
                        crate::debug!("layer {}: entry {label:?}: device node skipped (rootless)", self.layer);
                        return Ok(());
                    }
                    r => r.map_err(self.io(&label, "mknod"))?,
                }
                self.apply_at_meta(parent, name, &meta, true, &label)?;
            }
            T::GNUSparse => return Err(self.invalid(&label, "sparse files are not supported")),
            other => return Err(self.invalid(&label, format!("unsupported tar entry type {other:?}"))),
        }
        Ok(())
    }

    /// Copies an entry's data; read errors (the stream) and write errors
    /// (the layer directory) are told apart.
    fn copy<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        file: &mut File,
        label: &str,
    ) -> Result<u64, UnpackError> {
        use std::io::Write;
        if self.buf.is_empty() {
            self.buf = vec![0u8; 64 << 10];
        }
        let mut total = 0u64;
        loop {
            let n = match entry.read(&mut self.buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(UnpackError::Read { layer: self.layer.clone(), source }),
            };
            file.write_all(&self.buf[..n]).map_err(|source| UnpackError::Io {
                layer: self.layer.clone(),
                entry: label.to_string(),
                op: "write",
                source,
            })?;
            total += n as u64;
        }
    }

    /// Mode, owner, mtime and xattrs of an entry (header, then PAX overrides).
    fn meta<R: Read>(&self, entry: &mut tar::Entry<'_, R>, label: &str) -> Result<Meta, UnpackError> {
        let h = entry.header();
        let bad = |what: &str| self.invalid(label, format!("bad {what} in tar header"));
        let mut meta = Meta {
            mode: h.mode().map_err(|_| bad("mode"))? & 0o7777,
            uid: h.uid().map_err(|_| bad("uid"))? as u32,
            gid: h.gid().map_err(|_| bad("gid"))? as u32,
            mtime: TimeSpec::new(h.mtime().map_err(|_| bad("mtime"))? as i64, 0),
            xattrs: Vec::new(),
        };
        let pax = entry.pax_extensions().map_err(|source| UnpackError::Read { layer: self.layer.clone(), source })?;
        if let Some(pax) = pax {
            for ext in pax {
                let ext = ext.map_err(|source| UnpackError::Read { layer: self.layer.clone(), source })?;
                let Ok(key) = ext.key() else { continue };
                match key {
                    "uid" => meta.uid = ext.value().ok().and_then(|v| v.parse().ok()).ok_or_else(|| bad("PAX uid"))?,
                    "gid" => meta.gid = ext.value().ok().and_then(|v| v.parse().ok()).ok_or_else(|| bad("PAX gid"))?,
                    "mtime" => meta.mtime = ext.value().ok().and_then(pax_time).ok_or_else(|| bad("PAX mtime"))?,
                    _ => {
                        if let Some(name) = key.strip_prefix("SCHILY.xattr.") {
                            if name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.") {
                                crate::debug!("layer {}: entry {label:?}: ignoring xattr {name}", self.layer);
                            } else {
                                meta.xattrs.push((name.as_bytes().to_vec(), ext.value_bytes().to_vec()));
                            }
                        }
                    }
                }
            }
        }
        Ok(meta)
    }

    /// Opens the directory `comps` below the root without following any
    /// symlink; with `create`, missing directories are made (0755, root).
    /// Forgets the cached directory if `path` is it or one of its ancestors.
    fn invalidate(&self, path: &[Vec<u8>]) {
        let mut cache = self.dir_cache.borrow_mut();
        if cache.as_ref().is_some_and(|(c, _)| c.starts_with(path)) {
            *cache = None;
        }
    }

    fn open_dir(&self, comps: &[Vec<u8>], create: bool, label: &str) -> Result<OwnedFd, UnpackError> {
        let dup_err = |e| UnpackError::Io { layer: self.layer.clone(), entry: label.to_string(), op: "dup", source: e };
        // Start from the cached directory when it is a prefix of `comps`.
        let (mut cur, start) = match &*self.dir_cache.borrow() {
            Some((c, fd)) if comps.starts_with(c) => (fd.try_clone().map_err(dup_err)?, c.len()),
            _ => (self.root.try_clone().map_err(dup_err)?, 0),
        };
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        for (i, c) in comps.iter().enumerate().skip(start) {
            let mut r = openat(cur.as_fd(), os(c), flags, Mode::empty());
            if matches!(r, Err(Errno::ENOENT)) && create {
                match mkdirat(cur.as_fd(), os(c), Mode::from_bits_truncate(0o755)) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(self.io(label, "mkdir")(e)),
                }
                r = openat(cur.as_fd(), os(c), flags, Mode::empty());
                if let Ok(fd) = &r {
                    fchmod(fd.as_fd(), Mode::from_bits_truncate(0o755)).map_err(self.io(label, "chmod"))?;
                }
            }
            let prefix = || String::from_utf8_lossy(&comps[..=i].join(&b'/')).into_owned();
            cur = match r {
                Ok(fd) => fd,
                Err(Errno::ELOOP | Errno::ENOTDIR) => {
                    let st = fstatat(cur.as_fd(), os(c), AtFlags::AT_SYMLINK_NOFOLLOW);
                    if st.is_ok_and(|s| s.st_mode & libc::S_IFMT == libc::S_IFLNK) {
                        return Err(self.escape(label, format!(": its parent {:?} is a symlink", prefix())));
                    }
                    return Err(self.invalid(label, format!("{:?} is not a directory", prefix())));
                }
                Err(Errno::ENOENT) => {
                    return Err(self.invalid(label, format!("{:?} does not exist in this layer", prefix())));
                }
                Err(e) => return Err(self.io(label, "open directory")(e)),
            };
        }
        if start < comps.len() {
            let fd = cur.try_clone().map_err(dup_err)?;
            *self.dir_cache.borrow_mut() = Some((comps.to_vec(), fd));
        }
        Ok(cur)
    }

    /// Clears the way for a new `name` in `parent`: removes what is there,
    /// except a directory when `keep_dir` (a directory entry over an existing
    /// directory merges, as tar does). Returns true if a kept directory is there.
    fn remove_existing(
        &self,
        parent: BorrowedFd<'_>,
        name: &[u8],
        keep_dir: bool,
        label: &str,
    ) -> Result<bool, UnpackError> {
        let st = match fstatat(parent, os(name), AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(false),
            Err(e) => return Err(self.io(label, "stat")(e)),
        };
        if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            if keep_dir {
                return Ok(true);
            }
            // remove_dir_all does not follow symlinks inside the tree; the
            // /proc magic link resolves to `parent`, opened without following.
            let mut p = PathBuf::from(format!("/proc/self/fd/{}", parent.as_raw_fd()));
            p.push(os(name));
            std::fs::remove_dir_all(&p).map_err(|source| UnpackError::Io {
                layer: self.layer.clone(),
                entry: label.to_string(),
                op: "replace directory",
                source,
            })?;
        } else {
            unlinkat(parent, os(name), UnlinkatFlags::NoRemoveDir).map_err(self.io(label, "replace"))?;
        }
        Ok(false)
    }

    /// Owner, mode and xattrs of an open file or directory (mtime separately).
    fn apply_fd_meta(&mut self, fd: BorrowedFd<'_>, meta: &Meta, label: &str) -> Result<(), UnpackError> {
        if self.is_root {
            fchown(fd, Some(Uid::from_raw(meta.uid)), Some(Gid::from_raw(meta.gid)))
                .map_err(self.io(label, "chown"))?;
        }
        // After chown, which clears set-user-ID and set-group-ID bits.
        fchmod(fd, Mode::from_bits_truncate(meta.mode)).map_err(self.io(label, "chmod"))?;
        for (name, value) in &meta.xattrs {
            let r = fsetxattr(fd, name, value);
            self.xattr_result(r, name, label)?;
        }
        Ok(())
    }

    /// Owner, mode (unless a symlink), xattrs and mtime of `name` in
    /// `parent`, never following it.
    fn apply_at_meta(
        &mut self,
        parent: BorrowedFd<'_>,
        name: &[u8],
        meta: &Meta,
        chmod: bool,
        label: &str,
    ) -> Result<(), UnpackError> {
        if self.is_root {
            fchownat(
                parent,
                os(name),
                Some(Uid::from_raw(meta.uid)),
                Some(Gid::from_raw(meta.gid)),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(self.io(label, "chown"))?;
        }
        if chmod {
            // `name` was just created by mknod: a device or fifo, not a symlink.
            fchmodat(parent, os(name), Mode::from_bits_truncate(meta.mode), FchmodatFlags::FollowSymlink)
                .map_err(self.io(label, "chmod"))?;
        }
        for (xname, value) in &meta.xattrs {
            let r = lsetxattr_at(parent, name, xname, value);
            self.xattr_result(r, xname, label)?;
        }
        utimensat(parent, os(name), &meta.mtime, &meta.mtime, UtimensatFlags::NoFollowSymlink)
            .map_err(self.io(label, "set mtime"))
    }

    /// xattrs the filesystem or our privileges do not allow are skipped with
    /// one warning per layer (docker does the same for unsupported ones).
    fn xattr_result(&mut self, r: std::io::Result<()>, name: &[u8], label: &str) -> Result<(), UnpackError> {
        match r {
            Ok(()) => Ok(()),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOTSUP | libc::EPERM)) => {
                if !self.xattr_warned {
                    self.xattr_warned = true;
                    crate::warn!(
                        "layer {}: entry {label:?}: cannot set xattr {}: {e} (skipping unsupported xattrs)",
                        self.layer,
                        String::from_utf8_lossy(name)
                    );
                }
                Ok(())
            }
            Err(source) => {
                Err(UnpackError::Io { layer: self.layer.clone(), entry: label.to_string(), op: "set xattr", source })
            }
        }
    }

    /// Sets directories' mtimes, deepest first, now that their contents are
    /// written. A directory replaced later in the archive is skipped.
    fn finish_dirs(&mut self) {
        for (comps, mtime) in std::mem::take(&mut self.dirs).iter().rev() {
            if let Ok(fd) = self.open_dir(comps, false, "") {
                let _ = futimens(fd.as_fd(), mtime, mtime);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

    /// A tar entry written by hand, so that paths the `tar` crate's builder
    /// refuses (`../x`, `/abs`) can be produced.
    #[derive(Clone)]
    enum E<'a> {
        File(&'a str, &'a [u8], u32),
        Dir(&'a str, u32),
        Symlink(&'a str, &'a str),
        Hardlink(&'a str, &'a str),
        Char(&'a str, u32, u32),
        Fifo(&'a str),
        Owned(&'a str, u32, u32, u32),
        Xattr(&'a str, &'a str, &'a [u8]),
    }

    fn header(path: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_ustar();
        let bytes = path.as_bytes();
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_mtime(1_000_000_000);
        h.set_uid(0);
        h.set_gid(0);
        h
    }

    fn push(out: &mut Vec<u8>, mut h: tar::Header, data: &[u8]) {
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }

    fn tar(entries: &[E<'_>]) -> Vec<u8> {
        use tar::EntryType as T;
        let mut out = Vec::new();
        for e in entries {
            match e {
                E::File(p, data, mode) => push(&mut out, header(p, T::Regular, data.len() as u64, *mode), data),
                E::Dir(p, mode) => push(&mut out, header(p, T::Directory, 0, *mode), b""),
                E::Symlink(p, t) | E::Hardlink(p, t) => {
                    let kind = if matches!(e, E::Symlink(..)) { T::Symlink } else { T::Link };
                    let mut h = header(p, kind, 0, 0o777);
                    h.as_old_mut().linkname[..t.len()].copy_from_slice(t.as_bytes());
                    push(&mut out, h, b"");
                }
                E::Char(p, major, minor) => {
                    let mut h = header(p, T::Char, 0, 0o666);
                    h.set_device_major(*major).unwrap();
                    h.set_device_minor(*minor).unwrap();
                    push(&mut out, h, b"");
                }
                E::Fifo(p) => push(&mut out, header(p, T::Fifo, 0, 0o644), b""),
                E::Owned(p, uid, gid, mode) => {
                    let mut h = header(p, T::Regular, 1, *mode);
                    h.set_uid(*uid as u64);
                    h.set_gid(*gid as u64);
                    push(&mut out, h, b"x");
                }
                E::Xattr(p, name, value) => {
                    let key = format!("SCHILY.xattr.{name}");
                    let mut rec = Vec::new();
                    let body_len = key.len() + value.len() + 3; // " ", "=", "\n"
                    let mut len = body_len + 2;
                    while len != body_len + len.to_string().len() {
                        len = body_len + len.to_string().len();
                    }
                    rec.extend_from_slice(format!("{len} {key}=").as_bytes());
                    rec.extend_from_slice(value);
                    rec.push(b'\n');
                    push(&mut out, header("PaxHeader", T::XHeader, rec.len() as u64, 0o644), &rec);
                    push(&mut out, header(p, T::Regular, 0, 0o644), b"");
                }
            }
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    /// A temp dir with `layer/` (the unpack target) and `outside/` beside it.
    struct Fixture {
        tmp: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Fixture {
            let tmp = tempfile::tempdir().unwrap();
            std::fs::create_dir(tmp.path().join("layer")).unwrap();
            std::fs::create_dir(tmp.path().join("outside")).unwrap();
            Fixture { tmp }
        }
        fn layer(&self) -> PathBuf {
            self.tmp.path().join("layer")
        }
        fn unpack(&self, entries: &[E<'_>]) -> Result<UnpackStats, UnpackError> {
            unpack(&tar(entries)[..], &self.layer(), "sha256:test")
        }
        fn outside_is_empty(&self) -> bool {
            std::fs::read_dir(self.tmp.path().join("outside")).unwrap().next().is_none()
                && std::fs::read_dir(self.tmp.path()).unwrap().count() == 2
        }
    }

    fn is_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn regular_files_dirs_links_and_metadata() {
        let f = Fixture::new();
        let stats = f
            .unpack(&[
                E::Dir("etc/", 0o755),
                E::File("etc/passwd", b"root:x:0:0\n", 0o644),
                E::File("./bin/tool", b"#!/bin/sh\n", 0o4755),
                E::Symlink("bin/sh", "/bin/busybox"),
                E::Symlink("bin/rel", "../etc/passwd"),
                E::Hardlink("etc/passwd-", "etc/passwd"),
                E::Dir("tmp", 0o1777),
            ])
            .unwrap();
        assert_eq!(stats, UnpackStats { size: 21, entries: 7 });
        let l = f.layer();
        assert_eq!(std::fs::read(l.join("etc/passwd")).unwrap(), b"root:x:0:0\n");
        let tool = std::fs::metadata(l.join("bin/tool")).unwrap();
        assert_eq!(tool.permissions().mode() & 0o7777, 0o4755, "setuid kept");
        assert_eq!(tool.mtime(), 1_000_000_000);
        assert_eq!(std::fs::read_link(l.join("bin/sh")).unwrap(), Path::new("/bin/busybox"));
        assert_eq!(std::fs::read_link(l.join("bin/rel")).unwrap(), Path::new("../etc/passwd"));
        let a = std::fs::metadata(l.join("etc/passwd")).unwrap();
        let b = std::fs::metadata(l.join("etc/passwd-")).unwrap();
        assert_eq!((a.ino(), a.nlink()), (b.ino(), 2));
        assert_eq!(std::fs::metadata(l.join("tmp")).unwrap().permissions().mode() & 0o7777, 0o1777);
        assert_eq!(std::fs::metadata(l.join("etc")).unwrap().mtime(), 1_000_000_000, "dir mtime set last");
        assert_eq!(std::fs::metadata(l.join("bin")).unwrap().permissions().mode() & 0o777, 0o755, "implicit dir");
    }

    #[test]
    fn ownership_devices_fifos_and_xattrs() {
        assert!(is_root(), "this test needs root (device nodes, chown, trusted xattrs)");
        let f = Fixture::new();
        f.unpack(&[
            E::Owned("home/app/file", 1000, 1001, 0o2750),
            E::Char("dev/null", 1, 3),
            E::Fifo("run/fifo"),
            E::Xattr("cap", "user.test", b"value"),
            E::Xattr("overlay-attack", "trusted.overlay.opaque", b"y"),
        ])
        .unwrap();
        let l = f.layer();
        let m = std::fs::metadata(l.join("home/app/file")).unwrap();
        assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (1000, 1001, 0o2750));
        let d = std::fs::symlink_metadata(l.join("dev/null")).unwrap();
        assert!(d.file_type().is_char_device());
        assert_eq!(d.rdev(), makedev(1, 3));
        assert_eq!(d.mode() & 0o777, 0o666);
        assert!(std::fs::symlink_metadata(l.join("run/fifo")).unwrap().file_type().is_fifo());
        assert_eq!(xattr(&l.join("cap"), "user.test").as_deref(), Some(&b"value"[..]));
        assert_eq!(xattr(&l.join("overlay-attack"), "trusted.overlay.opaque"), None, "layer cannot set overlay xattrs");
    }

    fn xattr(p: &Path, name: &str) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; 256];
        let n = rustix::fs::lgetxattr(p, name, &mut buf[..]).ok()?;
        Some(buf[..n].to_vec())
    }

    #[test]
    fn whiteouts_become_overlay_whiteouts() {
        assert!(is_root(), "this test needs root (mknod, trusted xattrs)");
        let f = Fixture::new();
        f.unpack(&[
            E::File("etc/.wh.motd", b"", 0o644),
            E::Dir("var/cache/", 0o755),
            E::File("var/cache/.wh..wh..opq", b"", 0o644),
            E::File("var/cache/new", b"n", 0o644),
            E::File(".wh..wh.plnk", b"", 0o644),
            E::File(".wh.gone-dir", b"", 0o644),
        ])
        .unwrap();
        let l = f.layer();
        let w = std::fs::symlink_metadata(l.join("etc/motd")).unwrap();
        assert!(w.file_type().is_char_device() && w.rdev() == 0, "0:0 char device");
        assert!(!l.join("etc/.wh.motd").exists());
        assert!(std::fs::symlink_metadata(l.join("gone-dir")).unwrap().file_type().is_char_device());
        assert_eq!(xattr(&l.join("var/cache"), "trusted.overlay.opaque").as_deref(), Some(&b"y"[..]));
        assert!(!l.join("var/cache/.wh..wh..opq").exists());
        assert_eq!(std::fs::read(l.join("var/cache/new")).unwrap(), b"n");
        assert!(!l.join(".wh..wh.plnk").exists() && !l.join("plnk").exists());
    }

    #[test]
    fn later_entries_replace_earlier_ones() {
        let f = Fixture::new();
        f.unpack(&[
            E::File("a", b"1", 0o644),
            E::File("a", b"2", 0o644),
            E::Dir("d", 0o755),
            E::File("d/x", b"", 0o644),
            E::File("d", b"now a file", 0o644),
            E::Symlink("s", "a"),
            E::File("s", b"file over symlink", 0o644),
        ])
        .unwrap();
        let l = f.layer();
        assert_eq!(std::fs::read(l.join("a")).unwrap(), b"2");
        assert_eq!(std::fs::read(l.join("d")).unwrap(), b"now a file");
        assert!(std::fs::symlink_metadata(l.join("s")).unwrap().is_file());
        assert_eq!(std::fs::read(l.join("a")).unwrap(), b"2", "the symlink's target was not written");
    }

    #[test]
    fn escapes_are_rejected_and_nothing_is_written_outside() {
        let cases: Vec<(Vec<E<'static>>, &str)> = vec![
            (vec![E::File("../outside/x", b"evil", 0o644)], "../outside/x"),
            (vec![E::File("a/../../outside/x", b"evil", 0o644)], "a/../../outside/x"),
            (vec![E::File("/outside/x", b"evil", 0o644)], "/outside/x"),
            (vec![E::Dir("../outside/d", 0o755)], "../outside/d"),
            // A symlink to outside, then writing through it.
            (vec![E::Symlink("link", "/"), E::File("link/outside/x", b"evil", 0o644)], "link/outside/x"),
            (vec![E::Symlink("up", "../outside"), E::File("up/x", b"evil", 0o644)], "up"),
            (vec![E::Symlink("d/up", "../../outside")], "d/up"),
            (vec![E::Symlink("abs", "/tmp"), E::Dir("abs/sub", 0o755)], "abs/sub"),
            (vec![E::Symlink("abs", "/tmp"), E::Symlink("abs/l", "x")], "abs/l"),
            (vec![E::Symlink("abs", "/tmp"), E::File("abs/.wh.x", b"", 0o644)], "abs/.wh.x"),
            (vec![E::Symlink("abs", "/tmp"), E::File("abs/.wh..wh..opq", b"", 0o644)], "abs/.wh..wh..opq"),
            // Hard links to files outside the layer.
            (vec![E::Hardlink("h", "../outside/secret")], "h"),
            (vec![E::Hardlink("h", "/etc/passwd")], "h"),
            (vec![E::Symlink("abs", "/etc"), E::Hardlink("h", "abs/passwd")], "h"),
            (vec![E::Symlink("abs", "/tmp"), E::Hardlink("abs/h", "x")], "abs/h"),
        ];
        for (entries, entry) in cases {
            let f = Fixture::new();
            std::fs::write(f.tmp.path().join("outside/secret"), "s").unwrap();
            let e = f.unpack(&entries).expect_err(entry);
            let msg = e.to_string();
            assert!(matches!(e, UnpackError::Escape { .. }), "{entry}: {msg}");
            assert!(msg.starts_with(&format!("layer sha256:test: entry {entry:?} escapes the layer root")), "{msg}");
            std::fs::remove_file(f.tmp.path().join("outside/secret")).unwrap();
            assert!(f.outside_is_empty(), "{entry}: something was written outside");
        }
        // Lexically inside is fine, as are absolute symlink targets.
        let f = Fixture::new();
        f.unpack(&[E::File("a/../b", b"", 0o644), E::Symlink("c", "/../../etc"), E::Symlink("d/e", "../b")]).unwrap();
        assert!(f.layer().join("b").exists());
    }

    #[test]
    fn hard_link_to_missing_target_is_an_error() {
        let f = Fixture::new();
        let e = f.unpack(&[E::Hardlink("h", "nosuch")]).unwrap_err().to_string();
        assert!(e.contains("\"h\"") && e.contains("not in this layer"), "{e}");
    }

    #[test]
    fn truncated_stream_is_a_read_error() {
        let f = Fixture::new();
        let mut t = tar(&[E::File("big", &[7u8; 4096], 0o644)]);
        t.truncate(1024);
        let e = unpack(&t[..], &f.layer(), "sha256:test").unwrap_err();
        assert!(matches!(e, UnpackError::Io { .. } | UnpackError::Read { .. }), "{e}");
    }

    #[test]
    fn pax_times() {
        assert_eq!(pax_time("12.5"), Some(TimeSpec::new(12, 500_000_000)));
        assert_eq!(pax_time("12"), Some(TimeSpec::new(12, 0)));
        assert_eq!(pax_time("x"), None);
    }
}
