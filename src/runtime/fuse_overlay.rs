//! Rootless root filesystems through `fuse-overlayfs` (Debian package
//! `fuse-overlayfs`), podman's `mount_program`: the fallback when the
//! kernel's overlayfs cannot be mounted inside the user's namespace, and
//! the way to show a container with id mappings of its own
//! (`--userns=keep-id`, `nomap`) the image's owners, which a rootless user
//! cannot get from the kernel (idmapped mounts need the host's root).
//!
//! # Which driver ([`driver`])
//!
//! Rootless only (root always uses the kernel's overlayfs), first match:
//!
//! 1. `RCON_STORAGE_DRIVER` in the environment: `overlay` (the kernel's) or
//!    `fuse-overlayfs`;
//! 2. `$XDG_CONFIG_HOME/rcon/storage.conf` (`~/.config/rcon`), podman's
//!    keys: `[storage] driver = "overlay"` and
//!    `[storage.options.overlay] mount_program = "/usr/bin/fuse-overlayfs"`;
//! 3. a probe, once per run directory (the result is cached in
//!    `RUNDIR/storage-driver`): the kernel's overlayfs with `userxattr` is
//!    created (never attached) on directories of the store's filesystem;
//!    if that fails, fuse-overlayfs.
//!
//! # The mount ([`FuseMount`])
//!
//! fuse-overlayfs runs in the foreground (`-f`) as a child of the rcon
//! process that starts the container, in the user's namespace (as its root),
//! and mounts the overlay at the rootfs path there. The container's init
//! takes a copy of that mount into its own mount namespace; the runtime then
//! unmounts the original, so nothing stays mounted in the user's namespace
//! even if rcon is killed. fuse-overlayfs ends when the container's mount
//! namespace goes away; the runtime reaps it and converts what it wrote
//! (whiteouts as `.wh.NAME` files, opaque directories as
//! `user.fuseoverlayfs.opaque` and `.wh..wh..opq`) into the kernel's format
//! (0:0 character devices, `user.overlay.opaque`), so that commit, diff,
//! build and the kernel's overlayfs read the upper dir as before.
//!
//! Id mappings: `uidmapping=`/`gidmapping=` are the container's own
//! `linux.uidMappings`/`gidMappings` (both relative to the user's
//! namespace, where fuse-overlayfs runs): a file owned by id N on disk (N
//! as in the image) shows as the id that N is inside the container.

use super::Error;
use oci_spec::runtime::LinuxIdMapping;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Environment variable forcing the rootless storage driver: `overlay` or
/// `fuse-overlayfs`.
pub const ENV_DRIVER: &str = "RCON_STORAGE_DRIVER";

/// How a rootless container's layers become its root filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Driver {
    /// The kernel's overlayfs (`userxattr` rootless).
    Kernel,
    /// fuse-overlayfs: the program to run.
    Fuse(PathBuf),
}

impl Driver {
    /// The name `rcon info` and the cache file use: `overlay` or
    /// `fuse-overlayfs`.
    pub fn name(&self) -> &'static str {
        match self {
            Driver::Kernel => "overlay",
            Driver::Fuse(_) => "fuse-overlayfs",
        }
    }
}

/// The fuse-overlayfs program in the `PATH` (or the usual system
/// directories), if installed.
pub fn program() -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/bin", "/bin", "/usr/local/bin"])
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join("fuse-overlayfs"))
        .find(|p| p.is_file())
}

/// fuse-overlayfs can be used: installed, and `/dev/fuse` readable and
/// writable by this process.
pub fn usable() -> Option<PathBuf> {
    let p = program()?;
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/fuse").ok()?;
    Some(p)
}

fn not_installed(why: &str) -> Error {
    Error::Spec(format!(
        "{why}, but fuse-overlayfs is not installed or /dev/fuse is not usable: install the package `fuse-overlayfs` and make /dev/fuse mode 0666"
    ))
}

/// The driver forced by `value` (of [`ENV_DRIVER`] or `storage.conf`'s
/// `driver`), `None` for an empty value.
fn forced(value: &str, source: &str) -> Result<Option<Driver>, Error> {
    match value.trim() {
        "" => Ok(None),
        "overlay" | "overlay2" => Ok(Some(Driver::Kernel)),
        "fuse-overlayfs" => usable()
            .map(|p| Some(Driver::Fuse(p)))
            .ok_or_else(|| not_installed(&format!("{source} asks for fuse-overlayfs"))),
        other => {
            Err(Error::Spec(format!("{source}: unknown storage driver {other:?} (use overlay or fuse-overlayfs)")))
        }
    }
}

/// The driver `storage.conf` (its text; `path` names it in errors) asks for.
pub fn from_config(text: &str, path: &Path) -> Result<Option<Driver>, Error> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| Error::Spec(format!("{}: {}", path.display(), e.message())))?;
    let storage = doc.get("storage").and_then(|s| s.as_table());
    let program = storage
        .and_then(|s| s.get("options"))
        .and_then(|o| o.get("overlay"))
        .and_then(|o| o.get("mount_program"))
        .and_then(|p| p.as_str())
        .filter(|p| !p.is_empty());
    if let Some(p) = program {
        let p = PathBuf::from(p);
        if !p.is_file() {
            return Err(Error::Spec(format!(
                "{}: mount_program {} does not exist (install the package `fuse-overlayfs`)",
                path.display(),
                p.display()
            )));
        }
        return Ok(Some(Driver::Fuse(p)));
    }
    let driver = storage.and_then(|s| s.get("driver")).and_then(|d| d.as_str()).unwrap_or("");
    forced(driver, &path.display().to_string())
}

/// The rootless storage driver (see the module docs): `store_root` is the
/// store (probed), `run_root` its run directory (holds the cached probe).
/// Errors: a bad `RCON_STORAGE_DRIVER` or `storage.conf`, or neither
/// driver usable (says what to install).
pub fn driver(store_root: &Path, run_root: &Path) -> Result<Driver, Error> {
    if let Ok(v) = std::env::var(ENV_DRIVER)
        && let Some(d) = forced(&v, ENV_DRIVER)?
    {
        return Ok(d);
    }
    let conf = super::rootless::config_dir().join("storage.conf");
    if let Ok(text) = std::fs::read_to_string(&conf)
        && let Some(d) = from_config(&text, &conf)?
    {
        return Ok(d);
    }
    let cache = run_root.join("storage-driver");
    let cached = std::fs::read_to_string(&cache).unwrap_or_default();
    match cached.trim() {
        "overlay" => return Ok(Driver::Kernel),
        "fuse-overlayfs" => {
            return usable()
                .map(Driver::Fuse)
                .ok_or_else(|| not_installed("the kernel's overlayfs is not usable here"));
        }
        _ => {}
    }
    let probed = match probe_kernel(store_root) {
        // Nothing learned (the store cannot be written): no verdict to keep;
        // the container's own mount will say what is wrong.
        Err(_) => return Ok(Driver::Kernel),
        Ok(Ok(())) => Driver::Kernel,
        Ok(Err(why)) => usable().map(Driver::Fuse).ok_or_else(|| {
            not_installed(&format!("the kernel's overlayfs cannot be mounted in your user namespace ({why})"))
        })?,
    };
    let _ = std::fs::create_dir_all(run_root);
    let _ = std::fs::write(&cache, format!("{}\n", probed.name()));
    Ok(probed)
}

/// Creates (never attaches) a kernel overlayfs with `userxattr` over empty
/// directories under `store_root/tmp`, which it removes again: `Ok(Err)`
/// says why the overlay could not be made; `Err` that the directories
/// could not be (no verdict).
fn probe_kernel(store_root: &Path) -> Result<Result<(), String>, String> {
    let base = store_root.join("tmp").join(format!("overlay-probe-{}", std::process::id()));
    let dirs = ["lower", "upper", "work"].map(|d| base.join(d));
    for d in &dirs {
        if let Err(e) = std::fs::create_dir_all(d) {
            let _ = std::fs::remove_dir_all(&base);
            return Err(format!("cannot create {}: {e}", d.display()));
        }
    }
    let result = (|| {
        let fs = crate::sys::fsopen(c"overlay").map_err(|e| e.desc().to_string())?;
        for (key, d) in [(c"lowerdir", &dirs[0]), (c"upperdir", &dirs[1]), (c"workdir", &dirs[2])] {
            let v = std::ffi::CString::new(d.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
            crate::sys::fsconfig_string(std::os::fd::AsFd::as_fd(&fs), key, &v).map_err(|e| e.desc().to_string())?;
        }
        crate::sys::fsconfig_flag(std::os::fd::AsFd::as_fd(&fs), c"userxattr").map_err(|e| e.desc().to_string())?;
        crate::sys::fs_create_and_mount(std::os::fd::AsFd::as_fd(&fs)).map(drop).map_err(|e| {
            let log = crate::sys::fs_messages(std::os::fd::AsFd::as_fd(&fs));
            if log.is_empty() { e.desc().to_string() } else { format!("{}: {log}", e.desc()) }
        })
    })();
    let _ = std::fs::remove_dir_all(&base);
    Ok(result)
}

/// `CONTAINER:HOST:SIZE[:…]` of fuse-overlayfs' `uidmapping=`/`gidmapping=`.
pub fn mapping_option(maps: &[LinuxIdMapping]) -> String {
    maps.iter().map(|m| format!("{}:{}:{}", m.container_id(), m.host_id(), m.size())).collect::<Vec<_>>().join(":")
}

/// A running fuse-overlayfs serving one container's rootfs (see the module
/// docs). [`FuseMount::detach`] once the container has its copy;
/// [`FuseMount::finish`] after the container ended.
#[derive(Debug)]
pub struct FuseMount {
    child: std::process::Child,
    target: PathBuf,
    upper: PathBuf,
    attached: bool,
}

impl FuseMount {
    /// Runs `program` to mount the overlay of `lowers` (absolute, top-most
    /// first) under `upper` (with `work`) at `target`, with the id
    /// mappings when given, and returns once the mount is there. Its
    /// messages go to `target`'s sibling `fuse-overlayfs.log`.
    /// Errors: the program failed (its messages), or did not mount within
    /// 30 s.
    pub fn mount(
        program: &Path,
        lowers: &[PathBuf],
        upper: &Path,
        work: &Path,
        target: &Path,
        maps: Option<(&[LinuxIdMapping], &[LinuxIdMapping])>,
    ) -> Result<FuseMount, Error> {
        Self::spawn(program, lowers, upper, work, target, maps, false)
    }

    /// [`FuseMount::mount`] without id mappings for a mount that lives only
    /// in the caller's private mount namespace (a stopped container's rootfs
    /// for `cp`, volume copy-up): fuse-overlayfs gets `SIGKILL` when the
    /// calling thread ends, so an rcon killed meanwhile leaves neither the
    /// program nor (its namespace gone with its last process) the mount.
    /// Errors as [`FuseMount::mount`].
    pub fn mount_private(
        program: &Path,
        lowers: &[PathBuf],
        upper: &Path,
        work: &Path,
        target: &Path,
    ) -> Result<FuseMount, Error> {
        Self::spawn(program, lowers, upper, work, target, None, true)
    }

    fn spawn(
        program: &Path,
        lowers: &[PathBuf],
        upper: &Path,
        work: &Path,
        target: &Path,
        maps: Option<(&[LinuxIdMapping], &[LinuxIdMapping])>,
        tied: bool,
    ) -> Result<FuseMount, Error> {
        let lowers: Vec<String> = lowers.iter().map(|l| l.display().to_string()).collect();
        let mut opts = format!("lowerdir={},upperdir={},workdir={}", lowers.join(":"), upper.display(), work.display());
        if let Some((uid, gid)) = maps {
            opts.push_str(&format!(",uidmapping={},gidmapping={}", mapping_option(uid), mapping_option(gid)));
        }
        // An rcon killed between this mount and the container's start
        // leaves it (and its fuse-overlayfs) behind: gone with the unmount.
        let _ = nix::mount::umount2(target, nix::mount::MntFlags::MNT_DETACH);
        let log = target.with_file_name("fuse-overlayfs.log");
        let err_file = std::fs::File::create(&log).map_err(|e| Error::io(format!("create {}", log.display()), e))?;
        let before = std::fs::metadata(target)
            .map_err(|e| Error::io(format!("use {} as a mount point", target.display()), e))?
            .dev();
        let mut cmd = std::process::Command::new(program);
        if tied {
            crate::sys::kill_with_parent(&mut cmd);
        }
        let child = cmd
            .arg("-f")
            .arg("-o")
            .arg(&opts)
            .arg(target)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(err_file)
            .spawn()
            .map_err(|e| Error::io(format!("run {}", program.display()), e))?;
        let mut m = FuseMount { child, target: target.to_path_buf(), upper: upper.to_path_buf(), attached: false };
        // fuse-overlayfs reports nothing when it is ready: the mount point
        // turns into another filesystem (or the program ends with an error).
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_micros(200);
        loop {
            if std::fs::metadata(target).is_ok_and(|md| md.dev() != before) {
                m.attached = true;
                return Ok(m);
            }
            if let Ok(Some(status)) = m.child.try_wait() {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let text: Vec<&str> = text.lines().filter(|l| !l.starts_with("unknown argument ignored")).collect();
                return Err(Error::Reported(format!(
                    "{} could not mount the root filesystem at {} ({status}): {}",
                    program.display(),
                    target.display(),
                    text.join("; ")
                )));
            }
            if start.elapsed() > std::time::Duration::from_secs(30) {
                return Err(Error::Reported(format!(
                    "{} did not mount the root filesystem at {} within 30 s",
                    program.display(),
                    target.display()
                )));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(std::time::Duration::from_millis(10));
        }
    }

    /// Unmounts the overlay from the caller's mount namespace (lazily): the
    /// container's copy keeps it alive, and fuse-overlayfs ends with it.
    pub fn detach(&mut self) {
        if std::mem::take(&mut self.attached) {
            let _ = nix::mount::umount2(&self.target, nix::mount::MntFlags::MNT_DETACH);
        }
    }

    /// After the container ended: unmounts if still mounted, waits for
    /// fuse-overlayfs to end (at most 10 s: the last process of the
    /// container's mount namespace may take a moment to go) and converts
    /// the upper dir to the kernel's overlay format ([`normalize_upper`]).
    pub fn finish(mut self) {
        self.detach();
        let start = std::time::Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if start.elapsed() > std::time::Duration::from_secs(10) => {
                    crate::warn!(
                        "fuse-overlayfs (pid {}) still serves {} after its container ended: stopping it",
                        self.child.id(),
                        self.target.display()
                    );
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(2)),
            }
        }
        let _ = std::fs::remove_file(self.target.with_file_name("fuse-overlayfs.log"));
        if let Err(e) = normalize_upper(&self.upper) {
            crate::warn!("cannot convert the whiteouts of {}: {e}", self.upper.display());
        }
    }
}

impl Drop for FuseMount {
    /// A mount that never got to a container (the start failed): unmounted,
    /// and fuse-overlayfs reaped.
    fn drop(&mut self) {
        if self.attached {
            self.detach();
            let _ = self.child.wait();
        }
    }
}

const FUSE_OPAQUE: &str = "user.fuseoverlayfs.opaque";
const KERNEL_OPAQUE: &str = "user.overlay.opaque";

/// Converts what fuse-overlayfs wrote into the upper dir `upper` to the
/// kernel overlayfs' rootless format: `.wh.NAME` files become 0:0
/// character devices `NAME`, a directory with `user.fuseoverlayfs.opaque`
/// or a `.wh..wh..opq` entry gets `user.overlay.opaque=y`, and every other
/// `.wh.*` entry (fuse-overlayfs' markers; containers cannot create such
/// names through it) is removed. Never follows symlinks.
pub fn normalize_upper(upper: &Path) -> std::io::Result<()> {
    let mut stack = vec![upper.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut opaque = matches!(xattr(&dir, FUSE_OPAQUE).as_deref(), Some(b"y"));
        if opaque {
            let _ = rustix::fs::lremovexattr(&dir, FUSE_OPAQUE);
        }
        for e in std::fs::read_dir(&dir)? {
            let e = e?;
            let name = e.file_name();
            let path = e.path();
            let md = std::fs::symlink_metadata(&path)?;
            let Some(hidden) = name.as_encoded_bytes().strip_prefix(b".wh.") else {
                if md.is_dir() {
                    stack.push(path);
                }
                continue;
            };
            if hidden == b".wh..opq" {
                opaque = true;
            } else if md.is_file() && !hidden.is_empty() && !hidden.starts_with(b".wh.") {
                let target = dir.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(hidden));
                if std::fs::symlink_metadata(&target).is_err() {
                    nix::sys::stat::mknod(&target, nix::sys::stat::SFlag::S_IFCHR, nix::sys::stat::Mode::empty(), 0)?;
                }
            }
            if md.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
        if opaque {
            rustix::fs::lsetxattr(&dir, KERNEL_OPAQUE, b"y", rustix::fs::XattrFlags::empty())?;
        }
    }
    Ok(())
}

fn xattr(p: &Path, name: &str) -> Option<Vec<u8>> {
    let mut buf = [0u8; 16];
    let n = rustix::fs::lgetxattr(p, name, &mut buf[..]).ok()?;
    Some(buf[..n].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::userns::mapping;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn storage_conf_names_the_driver_as_podman_does() {
        let p = Path::new("/home/u/.config/rcon/storage.conf");
        assert_eq!(from_config("", p).unwrap(), None);
        assert_eq!(from_config("[storage]\ndriver = \"overlay\"\n", p).unwrap(), Some(Driver::Kernel));
        let sh = "[storage]\ndriver = \"overlay\"\n[storage.options.overlay]\nmount_program = \"/bin/sh\"\n";
        assert_eq!(from_config(sh, p).unwrap(), Some(Driver::Fuse(PathBuf::from("/bin/sh"))));
        let missing = "[storage.options.overlay]\nmount_program = \"/nonexistent/fuse-overlayfs\"\n";
        let e = from_config(missing, p).unwrap_err().to_string();
        assert!(e.contains("storage.conf") && e.contains("/nonexistent/fuse-overlayfs"), "{e}");
        let e = from_config("[storage]\ndriver = \"btrfs\"\n", p).unwrap_err().to_string();
        assert!(e.contains("btrfs") && e.contains("fuse-overlayfs"), "{e}");
        assert!(from_config("[storage\n", p).unwrap_err().to_string().contains("storage.conf"));
    }

    #[test]
    fn a_store_that_cannot_be_written_gives_no_verdict() {
        let e = probe_kernel(Path::new("/proc/rcon-no-such-store")).unwrap_err();
        assert!(e.contains("/proc/rcon-no-such-store/tmp/overlay-probe-"), "{e}");
        // Nothing is cached from it, and the kernel's overlay is used
        // (`driver` without RCON_STORAGE_DRIVER or storage.conf).
        assert!(std::env::var_os(ENV_DRIVER).is_none(), "unset {ENV_DRIVER} to run the unit tests");
        let run = tempfile::tempdir().unwrap();
        assert_eq!(driver(Path::new("/proc/rcon-no-such-store"), run.path()).unwrap(), Driver::Kernel);
        assert!(!run.path().join("storage-driver").exists());
    }

    #[test]
    fn mappings_are_the_containers_own() {
        let keep_id = [mapping(0, 1, 1000), mapping(1000, 0, 1), mapping(1001, 1001, 64536)];
        assert_eq!(mapping_option(&keep_id), "0:1:1000:1000:0:1:1001:1001:64536");
    }

    #[test]
    fn fuse_overlayfs_markers_become_kernel_whiteouts() {
        let t = tempfile::tempdir().unwrap();
        let up = t.path();
        std::fs::create_dir_all(up.join("opq/sub")).unwrap();
        std::fs::write(up.join("opq/.wh..wh..opq"), "").unwrap();
        std::fs::write(up.join("opq/kept"), "k").unwrap();
        std::fs::create_dir(up.join("xattr-opq")).unwrap();
        if rustix::fs::lsetxattr(up.join("xattr-opq"), FUSE_OPAQUE, b"y", rustix::fs::XattrFlags::empty()).is_err() {
            panic!("the temp dir's filesystem has no user xattrs ({})", up.display());
        }
        std::fs::write(up.join(".wh.deleted"), "").unwrap();
        std::fs::write(up.join("opq/sub/.wh.gone"), "").unwrap();
        nix::sys::stat::mknod(
            &up.join("opq/.wh..opq"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            0,
        )
        .unwrap();
        normalize_upper(up).unwrap();
        let whiteout =
            |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_char_device() && m.rdev() == 0);
        assert!(whiteout(&up.join("deleted")) && whiteout(&up.join("opq/sub/gone")));
        assert!(!up.join(".wh.deleted").exists() && !up.join("opq/.wh..wh..opq").exists());
        assert!(std::fs::symlink_metadata(up.join("opq/.wh..opq")).is_err());
        assert_eq!(xattr(&up.join("opq"), KERNEL_OPAQUE).as_deref(), Some(&b"y"[..]));
        assert_eq!(xattr(&up.join("xattr-opq"), KERNEL_OPAQUE).as_deref(), Some(&b"y"[..]));
        assert_eq!(xattr(&up.join("xattr-opq"), FUSE_OPAQUE), None);
        assert_eq!(xattr(&up.join("opq/sub"), KERNEL_OPAQUE), None);
        assert_eq!(std::fs::read_to_string(up.join("opq/kept")).unwrap(), "k");
    }
}
