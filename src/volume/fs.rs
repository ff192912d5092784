//! Copying trees into, out of and within a container's root filesystem:
//! `rcon cp` (docker's rules for trailing slashes and `/.`, `-` for a tar
//! stream) and the copy-up of an image's content into a new volume.
//!
//! Every path of a container is resolved with `openat2(RESOLVE_IN_ROOT)`
//! against an fd of the container's root, and trees are walked and written
//! with `*at` calls and `O_NOFOLLOW` under already-resolved directories, so
//! a symlink in the container (even one swapped in while we copy) is resolved
//! inside the container and never on the host (CVE-2018-15664,
//! CVE-2019-14271). Host paths go through the same code with the host's `/`
//! as root. A running container is reached through `/proc/<pid>/root`; a
//! stopped one has its overlay (and its volumes) mounted in the private mount
//! namespace of a forked child, which does the whole copy and leaves nothing
//! mounted on the host.

use super::MountKind;
use crate::store::{ContainerRecord, ContainerStatus, Store};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, OpenHow, ResolveFlag, openat, openat2, readlinkat};
use nix::mount::{MsFlags, mount};
use nix::sys::stat::{
    FchmodatFlags, FileStat, Mode, SFlag, UtimensatFlags, fchmodat, fstat, fstatat, makedev, mkdirat, mknodat,
    utimensat,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{Gid, Uid, UnlinkatFlags, fchownat, linkat, symlinkat, unlinkat};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};

/// Errors of `rcon cp` and of a volume's copy-up. Each names the path (or
/// the container and path) it is about.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A system call on a path failed (`cannot open /etc/x: …`).
    #[error("cannot {what} {path}: {}", errno.desc())]
    Sys {
        /// The step (`open`, `stat`, `create`, `chmod`…).
        what: &'static str,
        /// The path, as seen from the root it was resolved in.
        path: String,
        /// The error.
        errno: Errno,
    },
    /// A path cannot be looked up (`/etc/x: Permission denied`).
    #[error("{path}: {}", errno.desc())]
    Lookup {
        /// The path.
        path: String,
        /// The error.
        errno: Errno,
    },
    /// A file operation failed (`cannot write /etc/x`).
    #[error("cannot {what} {path}")]
    File {
        /// The step (`write`, `create`).
        what: &'static str,
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Mounting (or preparing the mount namespace) failed; `what` says
    /// which mount (`the root filesystem of container 0123456789ab`).
    #[error("cannot {what}")]
    Mount {
        /// The step, with what it mounts and where.
        what: String,
        /// The error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A path that must be a directory is not (`SRC/` naming a file).
    #[error("{0}: not a directory")]
    NotADirectory(String),
    /// A directory would be replaced by a file.
    #[error("cannot overwrite directory {0} with non-directory")]
    OverwriteDirectory(String),
    /// A directory is copied onto a file.
    #[error("cannot copy a directory to a file: {0}")]
    DirectoryToFile(String),
    /// `DEST/` for a file must be an existing directory.
    #[error("destination directory {0} must exist")]
    DestinationMustExist(String),
    /// The parent of `DEST` does not exist.
    #[error("destination directory {} does not exist", .0.display())]
    NoDestinationParent(PathBuf),
    /// The source path does not exist on the host side.
    #[error("Could not find the file {0} in the source")]
    NoSource(String),
    /// A path does not exist in the container (docker's words).
    #[error("Could not find the file {path} in container {container}")]
    NotInContainer {
        /// The path as given.
        path: String,
        /// The container as given.
        container: String,
    },
    /// A tar stream is extracted into a path of the container that is not
    /// a directory.
    #[error("destination {path} in container {container} must be a directory")]
    DestinationNotDirectory {
        /// The path as given.
        path: String,
        /// The container as given.
        container: String,
    },
    /// `cp` with a container on both sides.
    #[error("copying between containers is not supported")]
    BetweenContainers,
    /// `cp` with no container side.
    #[error("must specify at least one container source (CONTAINER:PATH)")]
    NoContainer,
    /// A hard link's target is not a path below the destination.
    #[error("{path}: bad hard link target {}", target.display())]
    BadHardLink {
        /// The link.
        path: String,
        /// Its target.
        target: PathBuf,
    },
    /// A tar entry rcon refuses (a `..` component, a link without target).
    #[error("tar entry {entry}: {reason}")]
    BadTarEntry {
        /// The entry's path.
        entry: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The tar stream cannot be read or written.
    #[error("cannot {} the tar stream", if *write { "write" } else { "read" })]
    Tar {
        /// Writing (else reading).
        write: bool,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The copy-up of an image's content into a new volume failed.
    #[error("copy-up of {destination}")]
    CopyUp {
        /// The volume's destination in the container.
        destination: String,
        /// The error.
        #[source]
        source: Box<CopyError>,
    },
    /// The forked copy process failed; its error chain as text.
    #[error("{0}")]
    Child(String),
    /// The forked copy process ended without a report.
    #[error("copy process ended with {0}")]
    ChildEnded(String),
    /// A system call without a path to name (fork, wait, reading a directory).
    #[error("{0}")]
    Nix(#[from] Errno),
    /// Output (stdout) failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

type Result<T, E = CopyError> = std::result::Result<T, E>;

/// A [`CopyError::Sys`] maker for `path`.
fn sys(path: &Path) -> impl Fn(&'static str, Errno) -> CopyError + use<> {
    let path = path.display().to_string();
    move |what, errno| CopyError::Sys { what, path: path.clone(), errno }
}

/// A [`CopyError::Mount`] maker for the step `what`.
fn mount_err<E: std::error::Error + Send + Sync + 'static>(what: impl Into<String>) -> impl FnOnce(E) -> CopyError {
    let what = what.into();
    move |e| CopyError::Mount { what, source: Box::new(e) }
}

/// What a tree entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file of this many bytes.
    File(u64),
    /// A symbolic link with this target.
    Symlink(OsString),
    /// A hard link to an entry emitted before (path relative to the same base).
    Hardlink(PathBuf),
    /// A character device (`makedev` number).
    Char(u64),
    /// A block device.
    Block(u64),
    /// A named pipe.
    Fifo,
}

/// One entry of a copied tree, its path relative to the destination base.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Relative path (no `..`, never absolute).
    pub path: PathBuf,
    /// Type.
    pub kind: Kind,
    /// Permission bits (with setuid/setgid/sticky).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
}

/// Where entries go: a directory (of the host or a container) or a tar stream.
pub trait Sink {
    /// Writes one entry; `data` holds a regular file's bytes.
    fn put(&mut self, e: &Entry, data: &mut dyn Read) -> Result<()>;
}

fn rel(path: &Path) -> PathBuf {
    let r: PathBuf = path.components().filter(|c| matches!(c, Component::Normal(_))).collect();
    if r.as_os_str().is_empty() { PathBuf::from(".") } else { r }
}

/// Lexically cleans an absolute path: `.` dropped, `..` removes the
/// previous component (never above `/`).
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// Opens `path` (absolute, as seen from `root`) with `flags`, resolving
/// every symlink and `..` as if `root` were `/`; magic links are refused.
pub fn open_in(root: &OwnedFd, path: &Path, flags: OFlag) -> std::result::Result<OwnedFd, Errno> {
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    openat2(root.as_fd(), &rel(path), how)
}

/// Opens the directory `path` under `root` (`O_PATH`), creating missing
/// components (mode 0755) one at a time under resolved parents.
pub fn mkdir_in(root: &OwnedFd, path: &Path) -> std::result::Result<OwnedFd, Errno> {
    let mut cur = open_in(root, Path::new("/"), OFlag::O_PATH | OFlag::O_DIRECTORY)?;
    let mut prefix = PathBuf::from("/");
    for c in rel(path).components() {
        if let Component::Normal(n) = c {
            prefix.push(n);
            match open_in(root, &prefix, OFlag::O_PATH | OFlag::O_DIRECTORY) {
                Ok(fd) => cur = fd,
                Err(Errno::ENOENT) => {
                    match mkdirat(cur.as_fd(), n, Mode::from_bits_truncate(0o755)) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(e),
                    }
                    cur = open_in(root, &prefix, OFlag::O_PATH | OFlag::O_DIRECTORY)?;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(cur)
}

/// `fstat` of `path` under `root`, following a final symlink or not;
/// `None` when it does not exist.
pub fn stat_in(root: &OwnedFd, path: &Path, follow: bool) -> Result<Option<FileStat>> {
    let r = match (follow, path.parent(), path.file_name()) {
        (false, Some(parent), Some(name)) => open_in(root, parent, OFlag::O_PATH | OFlag::O_DIRECTORY)
            .and_then(|p| fstatat(p.as_fd(), name, AtFlags::AT_SYMLINK_NOFOLLOW)),
        _ => open_in(root, path, OFlag::O_PATH).and_then(fstat),
    };
    match r {
        Ok(st) => Ok(Some(st)),
        Err(Errno::ENOENT | Errno::ENOTDIR) => Ok(None),
        Err(errno) => Err(CopyError::Lookup { path: path.display().to_string(), errno }),
    }
}

fn fmt(st: &FileStat) -> u32 {
    st.st_mode & libc::S_IFMT
}

fn is_dir(st: &FileStat) -> bool {
    fmt(st) == libc::S_IFDIR
}

/// Emits the tree at `path` under `root` into `sink`: the item itself as
/// `top` (then its children below `top`), or with `top = None` only the
/// children of a directory. `follow`: a final symlink is followed.
/// Hard links within the tree are kept.
pub fn emit(root: &OwnedFd, path: &Path, top: Option<&Path>, follow: bool, sink: &mut dyn Sink) -> Result<()> {
    let path = clean(path);
    let err = sys(&path);
    let mut w = Walker { sink, links: HashMap::new() };
    let (parent, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) if !follow => {
            (Some(open_in(root, p, OFlag::O_PATH | OFlag::O_DIRECTORY).map_err(|e| err("open", e))?), n.to_owned())
        }
        _ => (None, OsString::new()),
    };
    let st = match &parent {
        Some(p) => fstatat(p.as_fd(), name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW),
        None => open_in(root, &path, OFlag::O_PATH).and_then(fstat),
    }
    .map_err(|e| err("stat", e))?;
    let open = |flags: OFlag| match &parent {
        Some(p) => openat(p.as_fd(), name.as_os_str(), flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC, Mode::empty()),
        None => open_in(root, &path, flags),
    };
    if is_dir(&st) {
        let dir = open(OFlag::O_RDONLY | OFlag::O_DIRECTORY).map_err(|e| err("open", e))?;
        let prefix = match top {
            Some(t) => {
                w.put(&st, t.to_path_buf(), Kind::Dir, &mut std::io::empty())?;
                t.to_path_buf()
            }
            None => PathBuf::new(),
        };
        return w.walk(&dir, &prefix);
    }
    let top = top.ok_or_else(|| CopyError::NotADirectory(path.display().to_string()))?.to_path_buf();
    match fmt(&st) {
        libc::S_IFREG => {
            let f = open(OFlag::O_RDONLY | OFlag::O_NONBLOCK).map_err(|e| err("open", e))?;
            w.put(&st, top, Kind::File(st.st_size as u64), &mut File::from(f))
        }
        libc::S_IFLNK => {
            let p = parent.as_ref().expect("symlinks are only seen without follow");
            let target = readlinkat(p.as_fd(), name.as_os_str()).map_err(|e| err("read link", e))?;
            w.put(&st, top, Kind::Symlink(target), &mut std::io::empty())
        }
        _ => w.node(&st, top),
    }
}

struct Walker<'a> {
    sink: &'a mut dyn Sink,
    links: HashMap<(u64, u64), PathBuf>,
}

impl Walker<'_> {
    fn put(&mut self, st: &FileStat, path: PathBuf, kind: Kind, data: &mut dyn Read) -> Result<()> {
        let e = Entry { path, kind, mode: st.st_mode & 0o7777, uid: st.st_uid, gid: st.st_gid, mtime: st.st_mtime };
        self.sink.put(&e, data)
    }

    fn node(&mut self, st: &FileStat, path: PathBuf) -> Result<()> {
        let kind = match fmt(st) {
            libc::S_IFCHR => Kind::Char(st.st_rdev),
            libc::S_IFBLK => Kind::Block(st.st_rdev),
            libc::S_IFIFO => Kind::Fifo,
            _ => return Ok(()), // sockets are not copied, as with tar
        };
        self.put(st, path, kind, &mut std::io::empty())
    }

    fn walk(&mut self, dir: &OwnedFd, prefix: &Path) -> Result<()> {
        let mut names: Vec<OsString> = Vec::new();
        let mut d = nix::dir::Dir::from_fd(dir.try_clone()?)?;
        for e in d.iter() {
            let e = e?;
            let n = e.file_name().to_bytes();
            if n != b"." && n != b".." {
                names.push(OsString::from_vec(n.to_vec()));
            }
        }
        names.sort();
        for n in names {
            let p = prefix.join(&n);
            let err = sys(&p);
            let st = fstatat(dir.as_fd(), n.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW).map_err(|e| err("stat", e))?;
            let open = |flags: OFlag| {
                openat(dir.as_fd(), n.as_os_str(), flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC, Mode::empty())
                    .map_err(|e| err("open", e))
            };
            match fmt(&st) {
                libc::S_IFDIR => {
                    let sub = open(OFlag::O_RDONLY | OFlag::O_DIRECTORY)?;
                    self.put(&st, p.clone(), Kind::Dir, &mut std::io::empty())?;
                    self.walk(&sub, &p)?;
                }
                libc::S_IFREG => {
                    if st.st_nlink > 1 {
                        let key = (st.st_dev, st.st_ino);
                        if let Some(first) = self.links.get(&key) {
                            let k = Kind::Hardlink(first.clone());
                            self.put(&st, p, k, &mut std::io::empty())?;
                            continue;
                        }
                        self.links.insert(key, p.clone());
                    }
                    let f = open(OFlag::O_RDONLY | OFlag::O_NONBLOCK)?;
                    self.put(&st, p, Kind::File(st.st_size as u64), &mut File::from(f))?;
                }
                libc::S_IFLNK => {
                    let t = readlinkat(dir.as_fd(), n.as_os_str()).map_err(|e| err("read link", e))?;
                    self.put(&st, p, Kind::Symlink(t), &mut std::io::empty())?;
                }
                _ => self.node(&st, p)?,
            }
        }
        Ok(())
    }
}

/// Writes entries below `base` (absolute under `root`), every path resolved
/// inside `root`. `owner` replaces the entries' owner when set.
pub struct DirSink<'a> {
    /// The root all paths are resolved in.
    pub root: &'a OwnedFd,
    /// The directory entries are written under.
    pub base: PathBuf,
    /// Owner for everything written (`None`: the entries' own).
    pub owner: Option<(u32, u32)>,
}

impl Sink for DirSink<'_> {
    fn put(&mut self, e: &Entry, data: &mut dyn Read) -> Result<()> {
        let full = clean(&self.base.join(&e.path));
        let label = full.display().to_string();
        let err = sys(&full);
        let (Some(parent), Some(name)) = (full.parent(), full.file_name()) else {
            return Ok(()); // the root itself
        };
        let pfd =
            open_in(self.root, parent, OFlag::O_PATH | OFlag::O_DIRECTORY).map_err(|er| err("open parent of", er))?;
        let pfd = pfd.as_fd();
        let existing = fstatat(pfd, name, AtFlags::AT_SYMLINK_NOFOLLOW).ok();
        if let Some(st) = &existing {
            match (&e.kind, is_dir(st)) {
                (Kind::Dir, true) => {}
                (_, true) => return Err(CopyError::OverwriteDirectory(label)),
                (_, false) => unlinkat(pfd, name, UnlinkatFlags::NoRemoveDir).map_err(|er| err("replace", er))?,
            }
        }
        let (uid, gid) = self.owner.unwrap_or((e.uid, e.gid));
        let mut chmod = true;
        match &e.kind {
            Kind::Dir => {
                if !existing.as_ref().is_some_and(is_dir) {
                    mkdirat(pfd, name, Mode::from_bits_truncate(0o700)).map_err(|er| err("create", er))?;
                }
            }
            Kind::File(_) => {
                let fd = openat(
                    pfd,
                    name,
                    OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(|er| err("create", er))?;
                let mut f = File::from(fd);
                std::io::copy(data, &mut f).map_err(|source| CopyError::File { what: "write", path: label, source })?;
            }
            Kind::Symlink(t) => {
                symlinkat(t.as_os_str(), pfd, name).map_err(|er| err("create symlink", er))?;
                chmod = false;
            }
            Kind::Hardlink(t) => {
                let target = clean(&self.base.join(t));
                let (Some(tp), Some(tn)) = (target.parent(), target.file_name()) else {
                    return Err(CopyError::BadHardLink { path: label, target: t.clone() });
                };
                let tfd = open_in(self.root, tp, OFlag::O_PATH | OFlag::O_DIRECTORY).map_err(|er| err("link", er))?;
                linkat(tfd.as_fd(), tn, pfd, name, AtFlags::empty()).map_err(|er| err("link", er))?;
                return Ok(());
            }
            Kind::Char(dev) | Kind::Block(dev) => {
                let k = if matches!(e.kind, Kind::Char(_)) { SFlag::S_IFCHR } else { SFlag::S_IFBLK };
                mknodat(pfd, name, k, Mode::from_bits_truncate(0o600), *dev).map_err(|er| err("create", er))?;
            }
            Kind::Fifo => {
                mknodat(pfd, name, SFlag::S_IFIFO, Mode::from_bits_truncate(0o600), makedev(0, 0))
                    .map_err(|er| err("create", er))?;
            }
        }
        fchownat(pfd, name, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)), AtFlags::AT_SYMLINK_NOFOLLOW)
            .map_err(|er| err("chown", er))?;
        if chmod {
            // Never by name with symlinks followed: a process of a running
            // container could have swapped `name` for a symlink meanwhile.
            // An `O_PATH|O_NOFOLLOW` fd pins the inode; its /proc/self/fd
            // link reaches exactly that inode.
            let fd = openat(pfd, name, OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC, Mode::empty())
                .map_err(|er| err("chmod", er))?;
            if fmt(&fstat(fd.as_fd()).map_err(|er| err("chmod", er))?) != libc::S_IFLNK {
                let p = format!("/proc/self/fd/{}", fd.as_raw_fd());
                fchmodat(
                    nix::fcntl::AT_FDCWD,
                    p.as_str(),
                    Mode::from_bits_truncate(e.mode),
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(|er| err("chmod", er))?;
            }
        }
        let t = TimeSpec::new(e.mtime, 0);
        utimensat(pfd, name, &t, &t, UtimensatFlags::NoFollowSymlink).map_err(|er| err("set times of", er))?;
        Ok(())
    }
}

/// Writes entries as a tar stream (POSIX/GNU headers, long names supported).
pub struct TarSink<W: Write> {
    /// The archive being written.
    pub tar: tar::Builder<W>,
}

impl<W: Write> Sink for TarSink<W> {
    fn put(&mut self, e: &Entry, data: &mut dyn Read) -> Result<()> {
        self.append(e, data).map_err(|source| CopyError::Tar { write: true, source })
    }
}

impl<W: Write> TarSink<W> {
    fn append(&mut self, e: &Entry, data: &mut dyn Read) -> std::io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_mode(e.mode);
        h.set_uid(e.uid as u64);
        h.set_gid(e.gid as u64);
        h.set_mtime(e.mtime.max(0) as u64);
        h.set_size(0);
        let path = if matches!(e.kind, Kind::Dir) { e.path.join("") } else { e.path.clone() };
        match &e.kind {
            Kind::Dir => h.set_entry_type(tar::EntryType::Directory),
            Kind::File(size) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(*size);
                return self.tar.append_data(&mut h, &path, data.take(*size));
            }
            Kind::Symlink(t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                return self.tar.append_link(&mut h, &path, t);
            }
            Kind::Hardlink(t) => {
                h.set_entry_type(tar::EntryType::Link);
                return self.tar.append_link(&mut h, &path, t);
            }
            Kind::Char(d) | Kind::Block(d) => {
                h.set_entry_type(if matches!(e.kind, Kind::Char(_)) {
                    tar::EntryType::Char
                } else {
                    tar::EntryType::Block
                });
                h.set_device_major(nix::sys::stat::major(*d) as u32)?;
                h.set_device_minor(nix::sys::stat::minor(*d) as u32)?;
            }
            Kind::Fifo => h.set_entry_type(tar::EntryType::Fifo),
        }
        self.tar.append_data(&mut h, &path, std::io::empty())
    }
}

/// Feeds a tar stream's entries into `sink`. Errors: an entry that is
/// absolute after stripping `/` or has a `..` component, a bad archive.
pub fn feed_tar(input: &mut dyn Read, sink: &mut dyn Sink) -> Result<()> {
    let read = |source| CopyError::Tar { write: false, source };
    let mut ar = tar::Archive::new(input);
    for entry in ar.entries().map_err(read)? {
        let mut entry = entry.map_err(read)?;
        let raw = entry.path_bytes().into_owned();
        let raw = PathBuf::from(OsString::from_vec(raw));
        if raw.components().any(|c| c == Component::ParentDir) {
            let reason = "has a \"..\" component";
            return Err(CopyError::BadTarEntry { entry: raw.display().to_string(), reason });
        }
        let path = rel(&raw);
        if path == Path::new(".") {
            continue;
        }
        let h = entry.header().clone();
        let link = || -> Result<PathBuf> {
            let bad = || CopyError::BadTarEntry { entry: raw.display().to_string(), reason: "link without target" };
            entry.link_name().map_err(read)?.map(|l| l.into_owned()).ok_or_else(bad)
        };
        let dev = |v: std::io::Result<Option<u32>>| v.ok().flatten().unwrap_or(0) as u64;
        let kind = match h.entry_type() {
            tar::EntryType::Directory => Kind::Dir,
            tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File(entry.size()),
            tar::EntryType::Symlink => Kind::Symlink(link()?.into_os_string()),
            tar::EntryType::Link => {
                let t = link()?;
                if t.components().any(|c| c == Component::ParentDir) {
                    let reason = "hard link target has a \"..\" component";
                    return Err(CopyError::BadTarEntry { entry: raw.display().to_string(), reason });
                }
                Kind::Hardlink(rel(&t))
            }
            tar::EntryType::Char => Kind::Char(makedev(dev(h.device_major()), dev(h.device_minor()))),
            tar::EntryType::Block => Kind::Block(makedev(dev(h.device_major()), dev(h.device_minor()))),
            tar::EntryType::Fifo => Kind::Fifo,
            // PAX/GNU extension headers are consumed by the tar crate.
            _ => continue,
        };
        let e = Entry {
            path,
            kind,
            mode: h.mode().unwrap_or(0o644) & 0o7777,
            uid: h.uid().unwrap_or(0) as u32,
            gid: h.gid().unwrap_or(0) as u32,
            mtime: h.mtime().unwrap_or(0) as i64,
        };
        sink.put(&e, &mut entry)?;
    }
    Ok(())
}

/// Runs `f` in a forked child in a private mount namespace (so whatever it
/// mounts vanishes with it) and returns its result; the child's error comes
/// back as text. The child shares rcon's stdin/stdout/stderr.
pub fn in_private_mount_ns(f: impl FnOnce() -> Result<()>) -> Result<()> {
    std::io::stdout().flush().ok();
    // rcon's CLI is single-threaded here.
    let (child, msg) = crate::sys::fork_with_report(|reporter| {
        let res = (|| -> Result<()> {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
                .map_err(mount_err("unshare the mount namespace"))?;
            mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>)
                .map_err(mount_err("make / private"))?;
            f()
        })();
        let _ = std::io::stdout().flush();
        match res {
            Ok(()) => 0,
            Err(e) => {
                reporter.report(crate::util::error_chain(&e).as_bytes());
                1
            }
        }
    })?;
    let msg = String::from_utf8_lossy(&msg);
    match nix::sys::wait::waitpid(child, None)? {
        nix::sys::wait::WaitStatus::Exited(_, 0) => Ok(()),
        _ if !msg.is_empty() => Err(CopyError::Child(msg.into_owned())),
        s => Err(CopyError::ChildEnded(format!("{s:?}"))),
    }
}

/// A stopped container's root filesystem mounted by [`mount_stopped`].
struct StoppedRoot {
    /// `O_PATH` fd of the root.
    root: OwnedFd,
    /// The fuse-overlayfs serving it (rootless storage driver
    /// fuse-overlayfs), else the kernel's overlayfs does.
    fuse: Option<crate::runtime::fuse_overlay::FuseMount>,
}

impl StoppedRoot {
    /// Closes the root and, over fuse-overlayfs, unmounts it, waits for the
    /// program to end and converts what it wrote to the upper dir into the
    /// kernel's format (`FuseMount::finish`). The kernel's overlay goes with
    /// the private mount namespace.
    fn release(self) {
        drop(self.root);
        if let Some(f) = self.fuse {
            f.finish();
        }
    }
}

/// Runs `f` on the root of [`mount_stopped`], then releases it
/// ([`StoppedRoot::release`]), also when `f` fails.
fn on_stopped(
    store: &Store,
    record: &ContainerRecord,
    volumes: bool,
    f: impl FnOnce(&OwnedFd) -> Result<()>,
) -> Result<()> {
    let stopped = mount_stopped(store, record, volumes)?;
    let res = f(&stopped.root);
    stopped.release();
    res
}

/// Mounts the overlay of a stopped container (image layers + its upper dir)
/// at its `merged/` with the storage driver its containers start with
/// (rootless: `runtime::fuse_overlay::driver`, e.g. fuse-overlayfs where the
/// kernel's overlayfs cannot be mounted) and, with `volumes`, its bind and
/// volume mounts. Only for use inside [`in_private_mount_ns`]: the mounts go
/// with that namespace, a fuse-overlayfs with the process (and on error).
fn mount_stopped(store: &Store, record: &ContainerRecord, volumes: bool) -> Result<StoppedRoot> {
    use crate::runtime::fuse_overlay::{self, Driver, FuseMount};
    let dir = store.container_dir(&record.id);
    let merged = dir.join("merged");
    let mut lowers: Vec<PathBuf> = record.layers.iter().rev().map(|l| store.layer_diff_dir(l)).collect();
    let empty = dir.join("empty");
    if lowers.is_empty() {
        std::fs::create_dir_all(&empty).map_err(|source| CopyError::File {
            what: "create",
            path: empty.display().to_string(),
            source,
        })?;
        lowers.push(empty);
    }
    let cannot = format!("mount the root filesystem of container {}", &record.id[..12]);
    let driver = match crate::runtime::rootless::is_rootless() {
        true => fuse_overlay::driver(store.root(), store.run_root()).map_err(mount_err(cannot.clone()))?,
        false => Driver::Kernel,
    };
    let fuse = match driver {
        Driver::Fuse(program) => Some(
            FuseMount::mount_private(&program, &lowers, &dir.join("upper"), &dir.join("work"), &merged)
                .map_err(mount_err(cannot.clone()))?,
        ),
        Driver::Kernel => {
            let lowers: Vec<String> = lowers.iter().map(|l| l.display().to_string()).collect();
            let data = format!(
                "lowerdir={},upperdir={},workdir={}{}",
                lowers.join(":"),
                dir.join("upper").display(),
                dir.join("work").display(),
                crate::runtime::mounts::overlay_xattr_option()
            );
            mount(Some("overlay"), &merged, Some("overlay"), MsFlags::empty(), Some(data.as_str()))
                .map_err(mount_err(cannot.clone()))?;
            None
        }
    };
    // (Declared after `fuse`: on error the root is closed first, then
    // fuse-overlayfs unmounted and reaped.)
    let root = nix::fcntl::open(&merged, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?;
    if volumes {
        for m in record.mounts.iter().filter(|m| m.kind != MountKind::Tmpfs) {
            let dest = Path::new(&m.destination);
            let target = if m.source.is_dir() {
                mkdir_in(&root, dest)
            } else {
                let p = mkdir_in(&root, dest.parent().unwrap_or(Path::new("/")))?;
                let name = dest.file_name().unwrap_or_default();
                let _ = openat(
                    p.as_fd(),
                    name,
                    OFlag::O_CREAT | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o644),
                );
                open_in(&root, dest, OFlag::O_PATH)
            }
            .map_err(|errno| CopyError::Sys {
                what: "create mount point",
                path: m.destination.clone(),
                errno,
            })?;
            let t = format!("/proc/self/fd/{}", target.as_raw_fd());
            mount(Some(&m.source), t.as_str(), None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
                .map_err(mount_err(format!("mount {} at {}", m.source.display(), m.destination)))?;
            if !m.rw {
                let again = open_in(&root, dest, OFlag::O_PATH)
                    .map_err(|errno| CopyError::Lookup { path: m.destination.clone(), errno })?;
                let t = format!("/proc/self/fd/{}", again.as_raw_fd());
                let f = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_REC;
                mount(None::<&str>, t.as_str(), None::<&str>, f, None::<&str>)
                    .map_err(mount_err(format!("make {} read-only", m.destination)))?;
            }
        }
    }
    Ok(StoppedRoot { root, fuse })
}

/// Runs `f` with an fd of the container's root filesystem: its running
/// init's `/proc/<pid>/root`, or (stopped) its overlay and volumes mounted
/// in a forked child's private mount namespace.
pub fn with_rootfs(store: &Store, record: &ContainerRecord, f: impl FnOnce(&OwnedFd) -> Result<()>) -> Result<()> {
    let state = store.container_state(&record.id)?;
    if let (ContainerStatus::Running, Some(pid)) = (state.status, state.pid) {
        let p = format!("/proc/{pid}/root");
        let root = nix::fcntl::open(p.as_str(), OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|errno| CopyError::Sys {
            what: "open the root of container",
            path: record.id[..12].to_string(),
            errno,
        })?;
        return f(&root);
    }
    let _lock = store.lock_container(&record.id)?;
    in_private_mount_ns(|| on_stopped(store, record, true, f))
}

/// Fills new (empty) volumes of a just-created container with the image's
/// content at their destination, owner, modes and times kept (docker's
/// copy-up), unless `nocopy`. Does nothing when no volume needs it.
///
/// Errors: [`super::VolumeError::Copy`].
pub fn copy_up(store: &Store, record: &ContainerRecord) -> Result<(), super::VolumeError> {
    let todo: Vec<_> = record
        .mounts
        .iter()
        .filter(|m| m.kind == MountKind::Volume && !m.nocopy)
        .filter(|m| std::fs::read_dir(&m.source).map(|mut d| d.next().is_none()).unwrap_or(false))
        .cloned()
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    Ok(in_private_mount_ns(|| on_stopped(store, record, false, |root| copy_up_into(root, &todo)))?)
}

/// The copy-up of `todo` (volumes) from the mounted root `root`.
fn copy_up_into(root: &OwnedFd, todo: &[crate::store::MountPoint]) -> Result<()> {
    for m in todo {
        let dest = Path::new(&m.destination);
        let Some(st) = stat_in(root, dest, true)? else { continue };
        if !is_dir(&st) {
            continue;
        }
        let vol = nix::fcntl::open(&m.source, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?;
        let mut sink = DirSink { root: &vol, base: PathBuf::from("/"), owner: None };
        emit(root, dest, None, true, &mut sink)
            .map_err(|e| CopyError::CopyUp { destination: m.destination.clone(), source: Box::new(e) })?;
        nix::unistd::chown(&m.source, Some(Uid::from_raw(st.st_uid)), Some(Gid::from_raw(st.st_gid)))?;
        nix::sys::stat::fchmodat(
            nix::fcntl::AT_FDCWD,
            &m.source,
            Mode::from_bits_truncate(st.st_mode & 0o7777),
            FchmodatFlags::FollowSymlink,
        )?;
    }
    Ok(())
}

/// One side of `rcon cp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpArg {
    /// `-`: a tar stream on stdin or stdout.
    Stream,
    /// A host path.
    Host(String),
    /// `CONTAINER:PATH`.
    Container(String, String),
}

impl CpArg {
    /// docker's rule: `NAME:PATH` names a container unless the argument
    /// starts with `/` or `.` (a local path that contains a colon).
    pub fn parse(s: &str) -> CpArg {
        if s == "-" {
            return CpArg::Stream;
        }
        if !s.starts_with('/')
            && !s.starts_with('.')
            && let Some((c, p)) = s.split_once(':')
            && !c.is_empty()
        {
            return CpArg::Container(c.to_string(), p.to_string());
        }
        CpArg::Host(s.to_string())
    }
}

/// `rcon cp` flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpOptions {
    /// `-a`: keep the source's owner (default: the destination side's root,
    /// or the caller on the host).
    pub archive: bool,
    /// `-L`: follow a symlink given as the source.
    pub follow_link: bool,
}

/// A path as typed: cleaned, made absolute against `cwd`, with the
/// trailing-`/` and `/.` markers docker's rules need.
struct Typed {
    path: PathBuf,
    slash: bool,
    dot: bool,
    raw: String,
}

fn typed(raw: &str, cwd: &Path) -> Typed {
    let dot = raw == "." || raw.ends_with("/.");
    let slash = raw.ends_with('/') || dot;
    let p = Path::new(raw);
    let abs = if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) };
    Typed { path: clean(&abs), slash, dot, raw: raw.to_string() }
}

fn basename(p: &Path) -> Option<PathBuf> {
    p.file_name().map(PathBuf::from)
}

/// Copies `src` (under `src_root`) to `dst` (under `dst_root`) with
/// docker's rules: a directory lands inside an existing directory (its
/// content only with `SRC/.`), or becomes a new `DEST`; a file replaces or
/// creates `DEST` or lands in an existing directory; `DEST/` must be an
/// existing directory for a file.
fn copy_tree(
    src_root: &OwnedFd,
    src: &Typed,
    dst_root: &OwnedFd,
    dst: &Typed,
    owner: Option<(u32, u32)>,
    follow: bool,
) -> Result<()> {
    let follow = follow || src.slash;
    let st = stat_in(src_root, &src.path, follow)?.ok_or_else(|| CopyError::NoSource(src.raw.clone()))?;
    let src_dir = is_dir(&st);
    if src.slash && !src_dir {
        return Err(CopyError::NotADirectory(src.raw.clone()));
    }
    let (base, top) = match stat_in(dst_root, &dst.path, true)? {
        Some(d) if is_dir(&d) => {
            let top = if src.dot && src_dir { None } else { basename(&src.path) };
            (dst.path.clone(), top)
        }
        Some(_) if src_dir => return Err(CopyError::DirectoryToFile(dst.raw.clone())),
        Some(_) if dst.slash => return Err(CopyError::NotADirectory(dst.raw.clone())),
        Some(_) => (dst.path.parent().unwrap_or(Path::new("/")).to_path_buf(), basename(&dst.path)),
        None => {
            if dst.slash && !src_dir {
                return Err(CopyError::DestinationMustExist(dst.raw.clone()));
            }
            let parent = dst.path.parent().unwrap_or(Path::new("/")).to_path_buf();
            match stat_in(dst_root, &parent, true)? {
                Some(p) if is_dir(&p) => {}
                _ => return Err(CopyError::NoDestinationParent(parent)),
            }
            (parent, basename(&dst.path))
        }
    };
    let mut sink = DirSink { root: dst_root, base, owner };
    emit(src_root, &src.path, top.as_deref(), follow, &mut sink)
}

/// `rcon cp SRC DEST`: exactly one side is `CONTAINER:PATH`; the other a
/// host path or `-` (tar on stdin/stdout). Works on running and stopped
/// containers. Errors: both or neither side a container, a missing source,
/// docker's destination rules.
///
/// Errors: [`CopyError`] (the store's, wrapped).
pub fn cp(store: &Store, src: &str, dst: &str, opts: CpOptions) -> Result<()> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let host_root = || -> Result<OwnedFd> {
        Ok(nix::fcntl::open("/", OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?)
    };
    match (CpArg::parse(src), CpArg::parse(dst)) {
        (CpArg::Container(..), CpArg::Container(..)) => Err(CopyError::BetweenContainers),
        (CpArg::Container(c, p), to) => {
            let record = store.find_container(&c)?;
            let s = typed(if p.is_empty() { "/" } else { &p }, Path::new("/"));
            with_rootfs(store, &record, |root| {
                let follow = opts.follow_link || s.slash;
                if stat_in(root, &s.path, follow)?.is_none() {
                    return Err(CopyError::NotInContainer { path: p.clone(), container: c.clone() });
                }
                match &to {
                    CpArg::Stream => {
                        let top =
                            if s.dot { None } else { Some(basename(&s.path).unwrap_or_else(|| PathBuf::from("."))) };
                        let mut sink = TarSink { tar: tar::Builder::new(std::io::stdout().lock()) };
                        emit(root, &s.path, top.as_deref(), follow, &mut sink)?;
                        sink.tar.into_inner()?.flush()?;
                        Ok(())
                    }
                    CpArg::Host(h) => {
                        let owner =
                            (!opts.archive).then(|| (nix::unistd::getuid().as_raw(), nix::unistd::getgid().as_raw()));
                        copy_tree(root, &s, &host_root()?, &typed(h, &cwd), owner, opts.follow_link)
                    }
                    CpArg::Container(..) => unreachable!(),
                }
            })
        }
        (from, CpArg::Container(c, p)) => {
            let record = store.find_container(&c)?;
            let d = typed(if p.is_empty() { "/" } else { &p }, Path::new("/"));
            let owner = (!opts.archive).then_some((0, 0));
            with_rootfs(store, &record, |root| match &from {
                CpArg::Stream => {
                    match stat_in(root, &d.path, true)? {
                        Some(st) if is_dir(&st) => {}
                        Some(_) => {
                            return Err(CopyError::DestinationNotDirectory { path: p.clone(), container: c.clone() });
                        }
                        None => return Err(CopyError::NotInContainer { path: p.clone(), container: c.clone() }),
                    }
                    let mut sink = DirSink { root, base: d.path.clone(), owner };
                    feed_tar(&mut std::io::stdin().lock(), &mut sink)
                }
                CpArg::Host(h) => copy_tree(&host_root()?, &typed(h, &cwd), root, &d, owner, opts.follow_link),
                CpArg::Container(..) => unreachable!(),
            })
        }
        _ => Err(CopyError::NoContainer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_of(p: &Path) -> OwnedFd {
        nix::fcntl::open(p, OFlag::O_PATH | OFlag::O_DIRECTORY, Mode::empty()).unwrap()
    }

    #[test]
    fn cp_args() {
        assert_eq!(CpArg::parse("-"), CpArg::Stream);
        assert_eq!(CpArg::parse("c1:/etc/x"), CpArg::Container("c1".into(), "/etc/x".into()));
        assert_eq!(CpArg::parse("./a:b"), CpArg::Host("./a:b".into()));
        assert_eq!(CpArg::parse("/a:b"), CpArg::Host("/a:b".into()));
        assert_eq!(CpArg::parse("file"), CpArg::Host("file".into()));
        let t = typed("dir/.", Path::new("/w"));
        assert!(t.dot && t.slash && t.path == Path::new("/w/dir"));
        assert_eq!(clean(Path::new("/a/../../b/./c")), Path::new("/b/c"));
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let tmp = tempfile::tempdir().unwrap();
        let (ctr, host) = (tmp.path().join("ctr"), tmp.path().join("host"));
        std::fs::create_dir_all(ctr.join("etc")).unwrap();
        std::fs::create_dir_all(&host).unwrap();
        std::os::unix::fs::symlink("/", ctr.join("evil")).unwrap();
        std::os::unix::fs::symlink(&host, ctr.join("abs")).unwrap();
        std::fs::write(tmp.path().join("x"), "payload").unwrap();
        let src_root = root_of(Path::new("/"));
        let src = typed(&tmp.path().join("x").display().to_string(), Path::new("/"));
        let root = root_of(&ctr);
        copy_tree(&src_root, &src, &root, &typed("/evil/etc/x", Path::new("/")), Some((0, 0)), false).unwrap();
        assert_eq!(std::fs::read_to_string(ctr.join("etc/x")).unwrap(), "payload");
        copy_tree(&src_root, &src, &root, &typed("/abs/", Path::new("/")), Some((0, 0)), false).unwrap_err();
        assert!(!host.join("x").exists());
        // Out: a directory with content only (`/.`), and a renamed file.
        let out = tmp.path().join("out");
        copy_tree(
            &root,
            &typed("/etc/.", Path::new("/")),
            &src_root,
            &typed(&out.display().to_string(), Path::new("/")),
            None,
            false,
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(out.join("x")).unwrap(), "payload");
        copy_tree(
            &root,
            &typed("/etc", Path::new("/")),
            &src_root,
            &typed(&out.display().to_string(), Path::new("/")),
            None,
            false,
        )
        .unwrap();
        assert!(out.join("etc/x").is_file());
    }
}
