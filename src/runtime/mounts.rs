//! The container's filesystem view (OCI runtime-spec config.md "Root" and
//! "Mounts", config-linux.md "Devices", "Masked/Readonly Paths"): the rootfs
//! mount, the spec's mounts in order, the default devices, `pivot_root`, then
//! masked and read-only paths and a read-only root.
//!
//! Parsing ([`plan_mounts`]) happens in the parent before the clone, so a bad
//! option is reported before anything exists; the `setup_*`/`finish_*`
//! functions run in the container's init, inside its private mount namespace.
//!
//! Image contents are untrusted: every mount point is resolved with
//! `openat2(RESOLVE_IN_ROOT)` against the rootfs and missing ones are created
//! one component at a time under an already-resolved parent, so a symlink in
//! the image can never make a mount or a new directory land outside the rootfs.
//! The mount syscalls then target `/proc/self/fd/N` of the resolved file.

use super::{Error, RootfsSetup};
use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::{Mode, SFlag, makedev, mknodat};
use oci_spec::runtime::{LinuxDevice, LinuxDeviceType, Mount};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

/// One entry of the spec's `mounts`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountPlan {
    /// Absolute path inside the container.
    pub dest: PathBuf,
    /// Filesystem type (`proc`, `tmpfs`, …); ignored for bind mounts.
    pub fstype: String,
    /// Source: a host path for bind mounts, a label otherwise.
    pub source: PathBuf,
    /// `mount(2)` flags from the options, without bind or propagation flags.
    pub flags: MsFlags,
    /// Propagation to set afterwards (`MS_PRIVATE`, `MS_SLAVE` …, maybe with `MS_REC`).
    pub propagation: MsFlags,
    /// Options that are not flags, comma-joined (`mode=755,size=65536k`).
    pub data: String,
    /// A bind mount (`type: bind`, or option `bind`/`rbind`).
    pub bind: bool,
    /// `rbind`: recursive bind.
    pub recursive: bool,
}

/// Parses one `mounts` entry's options as runc does: flag words set or clear
/// `mount(2)` flags, propagation words go apart, anything else is filesystem
/// data. Errors: a mount without an absolute destination.
pub(crate) fn plan_mount(m: &Mount) -> Result<MountPlan, Error> {
    let dest = m.destination().clone();
    if !dest.is_absolute() {
        return Err(Error::Spec(format!("mount destination {} is not an absolute path", dest.display())));
    }
    let fstype = m.typ().clone().unwrap_or_default();
    let mut p = MountPlan {
        dest,
        source: m.source().clone().unwrap_or_else(|| PathBuf::from(&fstype)),
        bind: fstype == "bind",
        fstype,
        flags: MsFlags::empty(),
        propagation: MsFlags::empty(),
        data: String::new(),
        recursive: false,
    };
    let mut data: Vec<&str> = Vec::new();
    for o in m.options().iter().flatten() {
        let (set, clear) = match o.as_str() {
            "bind" => {
                p.bind = true;
                continue;
            }
            "rbind" => {
                p.bind = true;
                p.recursive = true;
                continue;
            }
            "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" | "unbindable" | "runbindable" => {
                p.propagation = propagation_flags(o).expect("listed above");
                continue;
            }
            "defaults" => (MsFlags::empty(), MsFlags::empty()),
            "ro" => (MsFlags::MS_RDONLY, MsFlags::empty()),
            "rw" => (MsFlags::empty(), MsFlags::MS_RDONLY),
            "nosuid" => (MsFlags::MS_NOSUID, MsFlags::empty()),
            "suid" => (MsFlags::empty(), MsFlags::MS_NOSUID),
            "nodev" => (MsFlags::MS_NODEV, MsFlags::empty()),
            "dev" => (MsFlags::empty(), MsFlags::MS_NODEV),
            "noexec" => (MsFlags::MS_NOEXEC, MsFlags::empty()),
            "exec" => (MsFlags::empty(), MsFlags::MS_NOEXEC),
            "sync" => (MsFlags::MS_SYNCHRONOUS, MsFlags::empty()),
            "async" => (MsFlags::empty(), MsFlags::MS_SYNCHRONOUS),
            "dirsync" => (MsFlags::MS_DIRSYNC, MsFlags::empty()),
            "mand" => (MsFlags::MS_MANDLOCK, MsFlags::empty()),
            "nomand" => (MsFlags::empty(), MsFlags::MS_MANDLOCK),
            "noatime" => (MsFlags::MS_NOATIME, MsFlags::empty()),
            "atime" => (MsFlags::empty(), MsFlags::MS_NOATIME),
            "nodiratime" => (MsFlags::MS_NODIRATIME, MsFlags::empty()),
            "diratime" => (MsFlags::empty(), MsFlags::MS_NODIRATIME),
            "relatime" => (MsFlags::MS_RELATIME, MsFlags::empty()),
            "norelatime" => (MsFlags::empty(), MsFlags::MS_RELATIME),
            "strictatime" => (MsFlags::MS_STRICTATIME, MsFlags::empty()),
            "nostrictatime" => (MsFlags::empty(), MsFlags::MS_STRICTATIME),
            "silent" => (MsFlags::MS_SILENT, MsFlags::empty()),
            "loud" => (MsFlags::empty(), MsFlags::MS_SILENT),
            other => {
                data.push(other);
                continue;
            }
        };
        p.flags = (p.flags | set) & !clear;
    }
    p.data = data.join(",");
    Ok(p)
}

/// Parses all of the spec's mounts, in order.
pub(crate) fn plan_mounts(mounts: &[Mount]) -> Result<Vec<MountPlan>, Error> {
    mounts.iter().map(plan_mount).collect()
}

/// `mount(2)` propagation flags for an OCI/fstab word (`rprivate` → `MS_PRIVATE|MS_REC`).
pub(crate) fn propagation_flags(word: &str) -> Option<MsFlags> {
    let (rec, base) = match word.strip_prefix('r') {
        Some(b) if !b.is_empty() => (MsFlags::MS_REC, b),
        _ => (MsFlags::empty(), word),
    };
    let f = match base {
        "private" => MsFlags::MS_PRIVATE,
        "shared" => MsFlags::MS_SHARED,
        "slave" => MsFlags::MS_SLAVE,
        "unbindable" => MsFlags::MS_UNBINDABLE,
        _ => return None,
    };
    Some(f | rec)
}

/// A mount step `what` on `object` in the container failed with `e`.
fn setup_err(what: &str, object: &Path, e: Errno) -> Error {
    Error::Mount { op: what.to_string(), target: object.to_path_buf(), source: e.into() }
}

fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// The components of an absolute container path, `.`/`..`/root dropped
/// (`..` is resolved by the kernel under RESOLVE_IN_ROOT anyway).
fn rel(path: &Path) -> PathBuf {
    path.components().filter(|c| matches!(c, Component::Normal(_) | Component::ParentDir)).collect()
}

/// Opens `path` (container-absolute) with `O_PATH`, resolving every symlink
/// as if `root` were `/`.
pub(crate) fn open_in_root(root: &OwnedFd, path: &Path) -> Result<OwnedFd, Errno> {
    let r = rel(path);
    let r = if r.as_os_str().is_empty() { PathBuf::from(".") } else { r };
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    openat2(root.as_fd(), &r, how)
}

/// Opens `path` under `root` like [`open_in_root`], first creating what is
/// missing: directories (mode 0755) and, when `file`, an empty regular file
/// (mode 0644) as the last component.
pub(crate) fn ensure_in_root(root: &OwnedFd, path: &Path, file: bool) -> Result<OwnedFd, Errno> {
    match open_in_root(root, path) {
        Err(Errno::ENOENT) => {}
        other => return other,
    }
    let parts: Vec<_> = rel(path).components().map(|c| c.as_os_str().to_owned()).collect();
    let mut prefix = PathBuf::new();
    let mut parent = open_in_root(root, Path::new("/"))?;
    for (i, name) in parts.iter().enumerate() {
        prefix.push(name);
        let fd = match open_in_root(root, &prefix) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => {
                let last = i + 1 == parts.len();
                if last && file {
                    let f = nix::fcntl::openat(
                        parent.as_fd(),
                        name.as_os_str(),
                        OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_WRONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                        Mode::from_bits_truncate(0o644),
                    );
                    match f {
                        Ok(_) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(e),
                    }
                } else {
                    match nix::sys::stat::mkdirat(parent.as_fd(), name.as_os_str(), Mode::from_bits_truncate(0o755)) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(e),
                    }
                }
                open_in_root(root, &prefix)?
            }
            Err(e) => return Err(e),
        };
        parent = fd;
    }
    Ok(parent)
}

/// Makes the whole mount tree of the (new) mount namespace private or as
/// `rootfs_propagation` says, so nothing mounted for the container reaches
/// the host; then mounts the rootfs at `root` (`root_fd`, opened by the
/// parent) and returns an `O_PATH` fd of the mounted rootfs's top.
/// A ready rootfs is attached by fd (`open_tree` + `move_mount`), so that no
/// path above it is looked up from inside a user namespace.
/// `volatile`: mount the overlay with `volatile` (no syncs of the upper dir,
/// and so no sync of the whole upper filesystem when the container ends;
/// for throw-away containers whose upper dir is never mounted again).
/// `premounted`: a detached rootfs mount the parent made (see
/// [`idmapped_overlay`]), attached instead of `setup`.
pub(crate) fn setup_rootfs(
    root: &Path,
    root_fd: &OwnedFd,
    setup: &RootfsSetup,
    premounted: Option<&OwnedFd>,
    propagation: Option<MsFlags>,
    volatile: bool,
) -> Result<OwnedFd, Error> {
    if let Some(propagation) = propagation {
        mount(None::<&str>, "/", None::<&str>, propagation, None::<&str>)
            .map_err(|e| Error::sys(format!("make / {propagation:?} in the container's mount namespace"), e))?;
    }
    // The rootfs's parent mount must not be shared: nothing mounted for the
    // container may propagate out of it, and pivot_root refuses a shared
    // parent (EINVAL).
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    if let Some(parent) = shared_parent_mount(&mountinfo, root) {
        mount(None::<&str>, &parent, None::<&str>, MsFlags::MS_PRIVATE, None::<&str>)
            .map_err(|e| setup_err("make private the parent mount of the rootfs,", &parent, e))?;
    }
    if let Some(m) = premounted {
        crate::sys::move_mount_onto(m.as_fd(), root_fd.as_fd()).map_err(|e| setup_err("attach rootfs at", root, e))?;
        return m.try_clone().map_err(|e| Error::io("duplicate the rootfs fd", e));
    }
    match setup {
        RootfsSetup::Ready | RootfsSetup::FuseOverlay { .. } => {
            // A recursive bind of the rootfs onto itself, by fd: the tree's
            // fd is then the top of the new mount.
            let tree =
                crate::sys::open_tree(root_fd.as_fd(), c"", crate::sys::OPEN_TREE_CLONE | crate::sys::AT_RECURSIVE)
                    .map_err(|e| setup_err("bind-mount rootfs", root, e))?;
            crate::sys::move_mount_onto(tree.as_fd(), root_fd.as_fd())
                .map_err(|e| setup_err("bind-mount rootfs", root, e))?;
            return Ok(tree);
        }
        RootfsSetup::Overlay { lower_base, lowers, upper, work } => {
            nix::unistd::chdir(lower_base.as_path()).map_err(|e| setup_err("enter layer directory", lower_base, e))?;
            let data = format!(
                "lowerdir={},upperdir={},workdir={}{}",
                lowers.join(":"),
                upper.display(),
                work.display(),
                overlay_xattr_option()
            );
            let mut r = Err(Errno::EINVAL);
            if volatile {
                r = mount(
                    Some("overlay"),
                    root,
                    Some("overlay"),
                    MsFlags::empty(),
                    Some(format!("{data},volatile").as_str()),
                );
            }
            if r == Err(Errno::EINVAL) {
                // Not asked for, or a kernel before 5.10 without `volatile`.
                r = mount(Some("overlay"), root, Some("overlay"), MsFlags::empty(), Some(data.as_str()));
            }
            r.map_err(|e| setup_err("mount overlay rootfs at", root, e))?;
        }
    }
    nix::fcntl::open(root, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| setup_err("open rootfs", root, e))
}

/// The overlay rootfs of a container with a new user namespace, made by the
/// runtime (real root) before the clone, as a detached mount: each lower
/// layer an idmapped mount (`mount_setattr(MOUNT_ATTR_IDMAP)`) through the
/// container's id maps, so that the layers' files, owned by the host's ids
/// on disk (root: 0), belong to the same ids inside the container (its
/// root) without a copy or a chown of the shared layers. The layers are
/// given to overlayfs as fds (`lowerdir+`, Linux 6.13). Upper and work
/// dirs are plain: what the container writes is stored with its host ids
/// (the mapped range), so the caller gives the upper dir to the mapped root.
/// The overlay itself belongs to the host's user namespace, so it reads the
/// layers' `trusted.overlay.*` attributes (opaque directories) as usual.
pub(crate) fn idmapped_overlay(
    setup: &RootfsSetup,
    userns_fd: &OwnedFd,
    volatile: bool,
) -> Result<Option<OwnedFd>, Error> {
    let RootfsSetup::Overlay { lower_base, lowers, upper, work } = setup else { return Ok(None) };
    let open_dir = |p: &Path| {
        nix::fcntl::open(p, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|e| Error::sys(format!("open layer directory {}", p.display()), e))
    };
    let fs = crate::sys::fsopen(c"overlay").map_err(|e| Error::sys("create an overlay filesystem", e))?;
    // The detached idmapped mounts must stay open until the overlay is
    // created: closing the last fd of a detached mount unmounts it.
    let mut keep = Vec::new();
    for l in lowers {
        let path = lower_base.join(l);
        let dir = open_dir(&path)?;
        let tree = crate::sys::open_tree(dir.as_fd(), c"", crate::sys::OPEN_TREE_CLONE)
            .map_err(|e| Error::sys(format!("clone the mount of layer {}", path.display()), e))?;
        crate::sys::mount_setattr_idmap(tree.as_fd(), userns_fd.as_fd(), false).map_err(|e| {
            Error::sys(
                format!(
                    "make an idmapped mount of layer {} (the store's filesystem must support idmapped mounts, Linux 5.12 or later)",
                    path.display()
                ),
                e,
            )
        })?;
        crate::sys::fsconfig_fd(fs.as_fd(), c"lowerdir+", tree.as_fd()).map_err(|e| {
            Error::sys(
                format!("add layer {} to the overlay (layers given as fds need Linux 6.13 or later)", path.display()),
                e,
            )
        })?;
        keep.push(tree);
    }
    for (key, path) in [(c"upperdir", upper), (c"workdir", work)] {
        let dir = open_dir(path)?;
        crate::sys::fsconfig_fd(fs.as_fd(), key, dir.as_fd())
            .map_err(|e| Error::sys(format!("use {} for the overlay", path.display()), e))?;
    }
    if volatile {
        // Ignored where unsupported: it only saves syncs.
        let _ = crate::sys::fsconfig_flag(fs.as_fd(), c"volatile");
    }
    let m = crate::sys::fs_create_and_mount(fs.as_fd()).map_err(|e| {
        let log = crate::sys::fs_messages(fs.as_fd());
        let step = if log.is_empty() {
            "mount the overlay rootfs".to_string()
        } else {
            format!("mount the overlay rootfs (the kernel says: {log})")
        };
        Error::sys(step, e)
    })?;
    drop(keep);
    Ok(Some(m))
}

/// The mount point of the mount holding `path` (the deepest mount point
/// that is a prefix of it, from `mountinfo`, the text of
/// `/proc/self/mountinfo`), if that mount is shared (`shared:N`).
pub(crate) fn shared_parent_mount(mountinfo: &str, path: &Path) -> Option<PathBuf> {
    let mut best: Option<(PathBuf, bool)> = None;
    for line in mountinfo.lines() {
        let Some((left, _)) = line.split_once(" - ") else { continue };
        let f: Vec<&str> = left.split(' ').collect();
        let Some(mp) = f.get(4).map(|m| PathBuf::from(m.replace("\\040", " "))) else { continue };
        // Later lines are mounted over earlier ones at the same point.
        if path.starts_with(&mp) && best.as_ref().is_none_or(|(b, _)| mp.components().count() >= b.components().count())
        {
            let shared = f.iter().skip(6).any(|o| o.starts_with("shared:"));
            best = Some((mp, shared));
        }
    }
    best.filter(|(_, shared)| *shared).map(|(mp, _)| mp)
}

/// `,userxattr` for an overlay mounted by rootless rcon (Linux 5.11): in a
/// user namespace the overlay keeps its whiteout and opaque markers in
/// `user.overlay.*` attributes, as the layers were unpacked there; empty
/// otherwise (`trusted.overlay.*`).
pub fn overlay_xattr_option() -> &'static str {
    if super::rootless::is_rootless() { ",userxattr" } else { "" }
}

/// Mounts one spec entry under the rootfs `root`. `source_fd`: the bind
/// source opened by the parent (used instead of its path, which the init
/// may not be allowed to look up from a user namespace).
pub(crate) fn mount_entry(root: &OwnedFd, p: &MountPlan, source_fd: Option<&OwnedFd>) -> Result<(), Error> {
    let source = source_fd.map_or_else(|| p.source.clone(), fd_path);
    let is_file = p.bind && std::fs::metadata(&source).map(|m| !m.is_dir()).unwrap_or(false);
    let target = ensure_in_root(root, &p.dest, is_file).map_err(|e| setup_err("create mount point", &p.dest, e))?;
    let err = |e| setup_err("mount", &p.dest, e);
    if p.bind {
        let rec = if p.recursive { MsFlags::MS_REC } else { MsFlags::empty() };
        mount(Some(&source), &fd_path(&target), None::<&str>, MsFlags::MS_BIND | rec, None::<&str>).map_err(err)?;
        if !p.flags.is_empty() {
            // Bind mounts ignore flags at creation: remount the new mount
            // (reopened, the old fd is under it) with them.
            let m = open_in_root(root, &p.dest).map_err(err)?;
            remount_bind(&fd_path(&m), p.flags | rec).map_err(err)?;
        }
    } else {
        let data = (!p.data.is_empty()).then_some(p.data.as_str());
        let r = mount(Some(&p.source), &fd_path(&target), Some(p.fstype.as_str()), p.flags, data);
        match r {
            Ok(()) => {}
            Err(Errno::EPERM | Errno::EBUSY) if p.fstype == "sysfs" => {
                // Without a network namespace of its own sysfs cannot be
                // mounted: show the host's, read-only.
                mount(Some("/sys"), &fd_path(&target), None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
                    .map_err(err)?;
                let m = open_in_root(root, &p.dest).map_err(err)?;
                remount_bind(&fd_path(&m), p.flags | MsFlags::MS_RDONLY).map_err(err)?;
            }
            Err(e) => return Err(err(e)),
        }
    }
    if !p.propagation.is_empty() {
        let m = open_in_root(root, &p.dest).map_err(err)?;
        mount(None::<&str>, &fd_path(&m), None::<&str>, p.propagation, None::<&str>).map_err(err)?;
    }
    Ok(())
}

/// Mounts the container's cgroup filesystem for a spec entry of type
/// `cgroup`/`cgroup2` (after the init joined its cgroup and namespace, so
/// the mounts show the container's cgroup as root): v2 mounts `cgroup2`;
/// v1 a tmpfs with one `cgroup` mount per hierarchy the container is in.
/// The entry's flags (`ro`, `nosuid`…) apply to each.
pub(crate) fn mount_cgroups(root: &OwnedFd, p: &MountPlan, cg: &super::cgroups::Cgroup) -> Result<(), Error> {
    let target = ensure_in_root(root, &p.dest, false).map_err(|e| setup_err("create mount point", &p.dest, e))?;
    let err = |e| setup_err("mount", &p.dest, e);
    if cg.v2 {
        return match mount(Some("cgroup2"), &fd_path(&target), Some("cgroup2"), p.flags, None::<&str>) {
            Err(Errno::EPERM) => {
                // In a user namespace without a cgroup namespace of its own,
                // cgroup2 cannot be mounted: show the container's cgroup
                // directory of the host's hierarchy instead (as runc does).
                let Some((_, dir)) = cg.dirs.first() else { return Err(err(Errno::EPERM)) };
                mount(
                    Some(dir.as_path()),
                    &fd_path(&target),
                    None::<&str>,
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None::<&str>,
                )
                .map_err(err)?;
                let m = open_in_root(root, &p.dest).map_err(err)?;
                remount_bind(&fd_path(&m), p.flags).map_err(err)
            }
            r => r.map_err(err),
        };
    }
    let base = p.flags & !MsFlags::MS_RDONLY;
    mount(Some("tmpfs"), &fd_path(&target), Some("tmpfs"), base, Some("mode=755")).map_err(err)?;
    for (ctrls, _) in &cg.dirs {
        let name = ctrls.join(",");
        let dest = p.dest.join(&name);
        let t = ensure_in_root(root, &dest, false).map_err(|e| setup_err("create mount point", &dest, e))?;
        match mount(Some("cgroup"), &fd_path(&t), Some("cgroup"), p.flags, Some(name.as_str())) {
            Err(Errno::EPERM) => {
                // In a user namespace: bind the container's directory of
                // the host's hierarchy instead.
                let dir = cg.dirs.iter().find(|(c, _)| c == ctrls).map(|(_, d)| d.as_path());
                let dir = dir.ok_or_else(|| setup_err("mount", &dest, Errno::EPERM))?;
                mount(Some(dir), &fd_path(&t), None::<&str>, MsFlags::MS_BIND | MsFlags::MS_REC, None::<&str>)
                    .map_err(|e| setup_err("mount", &dest, e))?;
                let m = open_in_root(root, &dest).map_err(|e| setup_err("mount", &dest, e))?;
                remount_bind(&fd_path(&m), p.flags).map_err(|e| setup_err("mount", &dest, e))?;
            }
            r => r.map_err(|e| setup_err("mount", &dest, e))?,
        }
    }
    if p.flags.contains(MsFlags::MS_RDONLY) {
        let m = open_in_root(root, &p.dest).map_err(err)?;
        mount(None::<&str>, &fd_path(&m), None::<&str>, base | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY, None::<&str>)
            .map_err(err)?;
    }
    Ok(())
}

/// The devices every Linux container has (config-linux.md "Default Devices"):
/// name, major, minor (all character devices, mode 0666).
const DEFAULT_DEVICES: [(&str, u64, u64); 6] =
    [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)];

/// Creates the default devices, the spec's `linux.devices` and the usual
/// `/dev` symlinks (`fd`, `stdin`, `stdout`, `stderr`, `ptmx`) under the
/// rootfs, by `mknod` or, where that is not permitted, by bind-mounting the
/// host's device node.
pub(crate) fn setup_devices(root: &OwnedFd, extra: &[LinuxDevice]) -> Result<(), Error> {
    let dev = ensure_in_root(root, Path::new("/dev"), false).map_err(|e| setup_err("create", Path::new("/dev"), e))?;
    for (name, major, minor) in DEFAULT_DEVICES {
        let path = Path::new("/dev").join(name);
        make_device(root, &dev, &path, SFlag::S_IFCHR, 0o666, major, minor, None)?;
    }
    for d in extra {
        let kind = match d.typ() {
            LinuxDeviceType::C | LinuxDeviceType::U => SFlag::S_IFCHR,
            LinuxDeviceType::B => SFlag::S_IFBLK,
            LinuxDeviceType::P => SFlag::S_IFIFO,
            LinuxDeviceType::A => continue,
        };
        let ids = d.uid().map(|u| (u, d.gid().unwrap_or(0)));
        let mode = d.file_mode().unwrap_or(0o666);
        make_device(root, &dev, d.path(), kind, mode, d.major() as u64, d.minor() as u64, ids)?;
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ] {
        match nix::unistd::symlinkat(target, dev.as_fd(), name) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(setup_err("create", &Path::new("/dev").join(name), e)),
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn make_device(
    root: &OwnedFd,
    dev: &OwnedFd,
    path: &Path,
    kind: SFlag,
    mode: u32,
    major: u64,
    minor: u64,
    owner: Option<(u32, u32)>,
) -> Result<(), Error> {
    let mode = Mode::from_bits_truncate(mode & 0o7777);
    // Default devices are created in /dev directly; others anywhere under root.
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) if p == Path::new("/dev") => (None, n.to_owned()),
        (Some(p), Some(n)) => {
            (Some(ensure_in_root(root, p, false).map_err(|e| setup_err("create", p, e))?), n.to_owned())
        }
        _ => return Err(Error::Spec(format!("bad device path {}", path.display()))),
    };
    let dirfd = dir.as_ref().unwrap_or(dev);
    match mknodat(dirfd.as_fd(), name.as_os_str(), kind, mode, makedev(major, minor)) {
        Ok(()) => {}
        Err(Errno::EEXIST) => return Ok(()),
        Err(Errno::EPERM) => {
            // No CAP_MKNOD (e.g. in a user namespace): bind the host's node.
            let target = ensure_in_root(root, path, true).map_err(|e| setup_err("create", path, e))?;
            mount(Some(path), &fd_path(&target), None::<&str>, MsFlags::MS_BIND, None::<&str>)
                .map_err(|e| setup_err("bind-mount device", path, e))?;
            return Ok(());
        }
        Err(e) => return Err(setup_err("create device", path, e)),
    }
    if let Some((uid, gid)) = owner {
        nix::unistd::fchownat(
            dirfd.as_fd(),
            name.as_os_str(),
            Some(uid.into()),
            Some(gid.into()),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map_err(|e| setup_err("chown device", path, e))?;
    }
    Ok(())
}

/// Makes the mounted rootfs `new_root` (an fd of its top; `root` names it
/// in errors) the container's `/` with `pivot_root(".", ".")`: the old
/// root ends up stacked on the new one and is detached (after being made a
/// slave so the unmount never propagates to the host); cwd is then `/`.
pub(crate) fn pivot_root(new_root: &OwnedFd, root: &Path) -> Result<(), Error> {
    let err = |what: &str, e: Errno| Error::sys(format!("{what} during pivot_root"), e);
    nix::unistd::fchdir(new_root).map_err(|e| setup_err("enter rootfs", root, e))?;
    nix::unistd::pivot_root(".", ".").map_err(|e| setup_err("pivot_root to", root, e))?;
    mount(None::<&str>, ".", None::<&str>, MsFlags::MS_SLAVE | MsFlags::MS_REC, None::<&str>)
        .map_err(|e| err("make the old root a slave", e))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| err("detach the old root", e))?;
    nix::unistd::chdir("/").map_err(|e| err("enter the new root", e))?;
    Ok(())
}

/// Without a mount namespace of the container's own: clones the mount
/// tree at `root` (built in a throw-away mount namespace) into a detached
/// copy, returns to the host's mount namespace `host`, and makes the copy
/// the process's root and working directory. Nothing is attached to the
/// host's tree; the copy lives as long as a process uses it.
pub(crate) fn chroot_into_detached_copy(root: &Path, host: &std::fs::File) -> Result<(), Error> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(root.as_os_str().as_bytes())
        .map_err(|_| Error::Spec(format!("rootfs path {} contains a NUL byte", root.display())))?;
    let tree = crate::sys::mount_tree_clone(&c).map_err(|e| setup_err("clone the mount tree of", root, e))?;
    nix::sched::setns(host, nix::sched::CloneFlags::CLONE_NEWNS).map_err(|e| Error::Namespace {
        op: "return to",
        kind: "the host's mount".into(),
        source: e.into(),
    })?;
    nix::unistd::fchdir(&tree).map_err(|e| setup_err("enter the copy of", root, e))?;
    nix::unistd::chroot(".").map_err(|e| setup_err("chroot into the copy of", root, e))?;
    nix::unistd::chdir("/").map_err(|e| setup_err("enter the copy of", root, e))?;
    Ok(())
}

/// Hides `masked` paths (a read-only empty tmpfs over directories,
/// `/dev/null` over files) and makes `readonly` paths read-only bind mounts
/// of themselves, under `base` (the container's root: `/` after
/// `pivot_root`). Paths that do not exist are skipped.
pub(crate) fn mask_and_protect(base: &Path, masked: &[String], readonly: &[String]) -> Result<(), Error> {
    let root = nix::fcntl::open(base, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| setup_err("open", base, e))?;
    for p in masked {
        let path = Path::new(p);
        let fd = match open_in_root(&root, path) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => continue,
            Err(e) => return Err(setup_err("mask", path, e)),
        };
        let is_dir = nix::sys::stat::fstat(fd.as_fd()).map(|s| s.st_mode & libc::S_IFMT == libc::S_IFDIR);
        let r = if is_dir.unwrap_or(false) {
            mount(Some("tmpfs"), &fd_path(&fd), Some("tmpfs"), MsFlags::MS_RDONLY, None::<&str>)
        } else {
            mount(Some("/dev/null"), &fd_path(&fd), None::<&str>, MsFlags::MS_BIND, None::<&str>)
        };
        r.map_err(|e| setup_err("mask", path, e))?;
    }
    for p in readonly {
        let path = Path::new(p);
        let fd = match open_in_root(&root, path) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) => continue,
            Err(e) => return Err(setup_err("make read-only", path, e)),
        };
        let f = MsFlags::MS_BIND | MsFlags::MS_REC;
        mount(Some(&fd_path(&fd)), &fd_path(&fd), None::<&str>, f, None::<&str>)
            .map_err(|e| setup_err("make read-only", path, e))?;
        let m = open_in_root(&root, path).map_err(|e| setup_err("make read-only", path, e))?;
        remount_bind(&fd_path(&m), MsFlags::MS_RDONLY | MsFlags::MS_REC)
            .map_err(|e| setup_err("make read-only", path, e))?;
    }
    Ok(())
}

/// Remounts the container's root `root` (`/` after `pivot_root`) read-only
/// (`root.readonly`), keeping the flags the mount already has.
pub(crate) fn readonly_root(root: &Path) -> Result<(), Error> {
    remount_bind(root, MsFlags::MS_RDONLY).map_err(|e| setup_err("remount read-only", root, e))
}

/// Remounts the bind mount at `target` with `flags` (`MS_BIND |
/// MS_REMOUNT` added). A mount that came from a more privileged mount
/// namespace (the host's, seen from a user namespace) has locked flags
/// (nosuid, nodev, noexec, atime) that a remount must repeat: on `EPERM`
/// it is retried with the flags the mount has.
fn remount_bind(target: &Path, flags: MsFlags) -> Result<(), Errno> {
    let f = flags | MsFlags::MS_BIND | MsFlags::MS_REMOUNT;
    match mount(None::<&str>, target, None::<&str>, f, None::<&str>) {
        Err(Errno::EPERM) => {
            use nix::sys::statvfs::FsFlags;
            let st = nix::sys::statvfs::statvfs(target)?.flags();
            let mut keep = MsFlags::empty();
            for (st_flag, ms_flag) in [
                (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
                (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
                (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
                (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
                (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
                (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
            ] {
                if st.contains(st_flag) {
                    keep |= ms_flag;
                }
            }
            mount(None::<&str>, target, None::<&str>, f | keep, None::<&str>)
        }
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(dest: &str, typ: &str, opts: &[&str]) -> Mount {
        let mut m = Mount::default();
        m.set_destination(dest.into());
        m.set_typ(Some(typ.into()));
        m.set_source(Some(typ.into()));
        m.set_options(Some(opts.iter().map(|s| s.to_string()).collect()));
        m
    }

    #[test]
    fn options_split_into_flags_propagation_and_data() {
        let p = plan_mount(&m("/dev", "tmpfs", &["nosuid", "strictatime", "mode=755", "size=65536k"])).unwrap();
        assert_eq!(p.flags, MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME);
        assert_eq!(p.data, "mode=755,size=65536k");
        assert!(!p.bind);

        let p = plan_mount(&m("/etc/hosts", "bind", &["rbind", "rprivate", "ro"])).unwrap();
        assert!(p.bind && p.recursive);
        assert_eq!(p.propagation, MsFlags::MS_PRIVATE | MsFlags::MS_REC);
        assert_eq!(p.flags, MsFlags::MS_RDONLY);

        let p = plan_mount(&m("/x", "none", &["bind", "ro", "rw", "dev", "nodev"])).unwrap();
        assert!(p.bind && !p.recursive);
        assert_eq!(p.flags, MsFlags::MS_NODEV);
    }

    #[test]
    fn relative_destination_is_rejected() {
        assert!(plan_mount(&m("proc", "proc", &[])).is_err());
    }

    #[test]
    fn finds_the_shared_mount_holding_a_path() {
        let mi = "\
22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:22 / /tmp rw shared:5 - tmpfs tmpfs rw
24 22 0:23 / /srv rw - tmpfs tmpfs rw
25 23 0:24 / /tmp/a\\040b rw shared:7 - tmpfs tmpfs rw
";
        let p = |s: &str| shared_parent_mount(mi, Path::new(s));
        assert_eq!(p("/tmp/bundle/rootfs"), Some(PathBuf::from("/tmp")));
        assert_eq!(p("/tmp/a b/rootfs"), Some(PathBuf::from("/tmp/a b")));
        assert_eq!(p("/tmpx/rootfs"), Some(PathBuf::from("/")));
        // Held by a private mount: nothing to change.
        assert_eq!(p("/srv/rootfs"), None);
    }

    #[test]
    fn propagation_words() {
        assert_eq!(propagation_flags("rslave"), Some(MsFlags::MS_SLAVE | MsFlags::MS_REC));
        assert_eq!(propagation_flags("shared"), Some(MsFlags::MS_SHARED));
        assert_eq!(propagation_flags("r"), None);
        assert_eq!(propagation_flags("bogus"), None);
    }

    #[test]
    fn symlinks_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root_path = dir.path().join("root");
        std::fs::create_dir(&root_path).unwrap();
        let outside = dir.path().join("outside");
        std::os::unix::fs::symlink("/../../..", root_path.join("up")).unwrap();
        std::os::unix::fs::symlink(&outside, root_path.join("abs")).unwrap();
        let root = nix::fcntl::open(&root_path, OFlag::O_PATH | OFlag::O_DIRECTORY, Mode::empty()).unwrap();
        ensure_in_root(&root, Path::new("/up/a/b"), false).unwrap();
        assert!(root_path.join("a/b").is_dir());
        ensure_in_root(&root, Path::new("/x/y/file"), true).unwrap();
        assert!(root_path.join("x/y/file").is_file());
        // A symlink to a host path resolves inside the root, never outside.
        let _ = ensure_in_root(&root, Path::new("/abs/z"), false);
        assert!(!outside.exists(), "created {} outside the root", outside.display());
        assert_eq!(open_in_root(&root, Path::new("/up/etc/passwd")).unwrap_err(), Errno::ENOENT);
    }
}
