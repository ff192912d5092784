//! Rootless rcon: an ordinary user's rcon runs as root of one long-lived
//! user namespace of that user (docs/ARCHITECTURE.md hazard 10), as
//! podman's pause process does.
//!
//! # The holder
//!
//! The first rcon command of a user creates the holder: a small process
//! (a fork of rcon, detached in its own session) that unshares a user
//! namespace, gets its id maps from `newuidmap`/`newgidmap` (Debian
//! `uidmap`): root inside is the user, ids 1… are the user's subordinate
//! ranges of `/etc/subuid` and `/etc/subgid` (without ranges: only the
//! user, with one warning), then unshares a mount namespace owned by it and
//! sleeps. Its pid and start time are in `RUNDIR/userns.pid`, created under
//! `RUNDIR/userns.lock`.
//!
//! Every rcon process of the user, first thing in `main` while it is still
//! single-threaded, joins the holder's user and mount namespaces
//! ([`enter`]) and runs as root there: layers are unpacked with the owners
//! of the image, the store's files keep one owner mapping across commands,
//! and containers are created in namespaces that belong to the user's
//! namespace. `RCON_ROOTLESS_UID` in the environment tells processes rcon
//! starts (the monitor) that they are already inside.
//!
//! # Paths (podman's)
//!
//! Store: `$XDG_DATA_HOME/rcon` (`~/.local/share/rcon`); run state:
//! `$XDG_RUNTIME_DIR/rcon`, or `/tmp/rcon-run-UID` with a warning when
//! `XDG_RUNTIME_DIR` is unset or not writable; configuration:
//! `$XDG_CONFIG_HOME/rcon` (`~/.config/rcon`).

use super::Error;
use nix::unistd::Uid;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable naming the user's real uid in processes that run
/// inside the user's namespace.
pub const ENV_UID: &str = "RCON_ROOTLESS_UID";

/// Environment variable naming the user's real primary gid, as [`ENV_UID`].
pub const ENV_GID: &str = "RCON_ROOTLESS_GID";

static ROOTLESS_UID: OnceLock<Option<u32>> = OnceLock::new();

/// The real primary gid of the user when this rcon runs rootless, `None`
/// as the host's root.
pub fn rootless_gid() -> Option<u32> {
    rootless_uid()?;
    let gid = nix::unistd::getgid().as_raw();
    if nix::unistd::getuid().as_raw() != 0 {
        return Some(gid);
    }
    std::env::var(ENV_GID).ok().and_then(|g| g.parse().ok())
}

/// The real uid of the user when this rcon runs rootless (inside the
/// user's namespace), `None` when it runs as the host's root.
pub fn rootless_uid() -> Option<u32> {
    *ROOTLESS_UID.get_or_init(|| {
        let uid = nix::unistd::getuid().as_raw();
        if uid != 0 {
            return Some(uid);
        }
        std::env::var(ENV_UID).ok().and_then(|u| u.parse().ok()).filter(|u| *u != 0)
    })
}

/// rcon runs for an ordinary user.
pub fn is_rootless() -> bool {
    rootless_uid().is_some()
}

fn home() -> PathBuf {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        _ => home().join(fallback),
    }
}

/// The default store root: `/var/lib/rcon`, or rootless
/// `$XDG_DATA_HOME/rcon` (`~/.local/share/rcon`).
pub fn default_root() -> PathBuf {
    match rootless_uid() {
        None => PathBuf::from("/var/lib/rcon"),
        Some(_) => xdg("XDG_DATA_HOME", ".local/share").join("rcon"),
    }
}

/// The default run-state root: `/run/rcon`, or rootless
/// `$XDG_RUNTIME_DIR/rcon`, falling back to `/tmp/rcon-run-UID`.
pub fn default_runroot() -> PathBuf {
    match rootless_uid() {
        None => PathBuf::from("/run/rcon"),
        Some(uid) => run_dir(uid).0,
    }
}

/// Rootless configuration directory: `$XDG_CONFIG_HOME/rcon` (`~/.config/rcon`).
pub fn config_dir() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("rcon")
}

/// (run dir, warning when it is the fallback).
fn run_dir(uid: u32) -> (PathBuf, Option<String>) {
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()).map(PathBuf::from)
        && d.is_absolute()
        && nix::unistd::access(&d, nix::unistd::AccessFlags::W_OK).is_ok()
    {
        return (d.join("rcon"), None);
    }
    let fallback = PathBuf::from(format!("/tmp/rcon-run-{uid}"));
    let warn = format!(
        "XDG_RUNTIME_DIR is not set or not writable: keeping run state in {} (log in through a session manager, e.g. `loginctl enable-linger`, to get one)",
        fallback.display()
    );
    (fallback, Some(warn))
}

/// Joins the user's namespace holder, creating it first if needed; does
/// nothing for the host's root or inside the namespace already. Call it
/// first in `main`, while the process is single-threaded. Errors say what
/// to install or change.
pub fn enter() -> Result<(), Error> {
    let uid = nix::unistd::getuid().as_raw();
    if uid == 0 {
        return Ok(());
    }
    let gid = nix::unistd::getgid().as_raw();
    let (dir, warning) = run_dir(uid);
    create_private_dir(&dir, warning.as_deref())?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("userns.lock"))
        .map_err(|e| Error::io(format!("open {}", dir.join("userns.lock").display()), e))?;
    let lock = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| Error::sys(format!("lock {}", dir.join("userns.lock").display()), e))?;
    let pid_file = dir.join("userns.pid");
    let pid = match running_holder(&pid_file) {
        Some(pid) => pid,
        None => {
            let pid = start_holder(uid, gid)?;
            let start = proc_start(pid).unwrap_or(0);
            std::fs::write(&pid_file, format!("{pid} {start}\n"))
                .map_err(|e| Error::io(format!("write {}", pid_file.display()), e))?;
            pid
        }
    };
    drop(lock);
    join(pid, uid, gid)
}

fn create_private_dir(dir: &Path, warning: Option<&str>) -> Result<(), Error> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(w) = warning {
        eprintln!("rcon: warning: {w}");
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("create {}", dir.display()), e))
}

/// The pid of the user's namespace holder while it runs (rootless only;
/// `None` as the host's root or when there is none).
pub fn holder_pid() -> Option<i32> {
    let uid = rootless_uid()?;
    running_holder(&run_dir(uid).0.join("userns.pid"))
}

/// `/proc/PID/stat` field 22 (start time in clock ticks).
fn proc_start(pid: i32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s.rsplit_once(") ")?.1.split(' ').nth(19)?.parse().ok()
}

/// The holder of `pid_file` when it still runs.
fn running_holder(pid_file: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(pid_file).ok()?;
    let mut f = text.split_whitespace();
    let pid: i32 = f.next()?.parse().ok()?;
    let start: u64 = f.next()?.parse().ok()?;
    (proc_start(pid) == Some(start)).then_some(pid)
}

/// Creates the holder (see the module docs) and returns its pid.
fn start_holder(uid: u32, gid: u32) -> Result<i32, Error> {
    use super::sys::ForkResult;
    use super::userns::{mapping, subid_ranges};
    let name = nix::unistd::User::from_uid(Uid::from_raw(uid)).ok().flatten().map(|u| u.name).unwrap_or_default();
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let subuids = subid_ranges(&read("/etc/subuid"), &name, Some(uid));
    let subgids = subid_ranges(&read("/etc/subgid"), &name, Some(uid));
    let ranges = |own: u32, subs: &[super::userns::SubidRange]| {
        let mut maps = vec![mapping(0, own, 1)];
        let mut next = 1u32;
        for r in subs {
            maps.push(mapping(next, r.start, r.count));
            next = next.saturating_add(r.count);
        }
        maps
    };
    if subuids.is_empty() || subgids.is_empty() {
        eprintln!(
            "rcon: warning: no subordinate ids for user {name} in /etc/subuid and /etc/subgid: containers get only one id (yours, as root); add ranges, e.g. `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {name}`"
        );
    }
    // Both ranges or neither: an unprivileged process may write only the
    // one-line maps of its own ids without the helpers.
    let (uid_maps, gid_maps) = if subuids.is_empty() || subgids.is_empty() {
        (vec![mapping(0, uid, 1)], vec![mapping(0, gid, 1)])
    } else {
        (ranges(uid, &subuids), ranges(gid, &subgids))
    };

    // report: the holder's pid (4 bytes) once it unshared, then 'R' when ready.
    let (mut report_r, report_w) = pipe()?;
    let (go_r, mut go_w) = pipe()?;
    match super::sys::fork().map_err(|e| Error::sys("fork", e))? {
        ForkResult::Child => {
            drop(report_r);
            drop(go_w);
            // A second fork, so that the holder is nobody's child.
            let _ = nix::unistd::setsid();
            match super::sys::fork() {
                Ok(ForkResult::Child) => holder(report_w, go_r),
                _ => super::sys::exit_now(0),
            }
        }
        ForkResult::Parent { child } => {
            drop(report_w);
            drop(go_r);
            while let Err(nix::errno::Errno::EINTR) = nix::sys::wait::waitpid(child, None) {}
            let mut pid = [0u8; 4];
            report_r.read_exact(&mut pid).map_err(|_| {
                Error::Reported("cannot create a user namespace (is kernel.unprivileged_userns_clone on?)".into())
            })?;
            let pid = i32::from_le_bytes(pid);
            let mapped = super::userns::write_maps(pid, &uid_maps, &gid_maps);
            if let Err(e) = mapped {
                let _ = super::sys::kill(pid, libc::SIGKILL);
                return Err(e);
            }
            let _ = go_w.write_all(b"M");
            let mut ready = [0u8; 1];
            match report_r.read(&mut ready) {
                Ok(1) if ready[0] == b'R' => Ok(pid),
                _ => Err(Error::Reported("the user namespace holder failed to set up its mount namespace".into())),
            }
        }
    }
}

fn pipe() -> Result<(std::fs::File, std::fs::File), Error> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| Error::sys("create a pipe", e))?;
    Ok((std::fs::File::from(r), std::fs::File::from(w)))
}

/// The holder's life: unshare the user namespace, report, wait for the
/// maps, unshare a mount namespace, report ready, sleep forever.
fn holder(mut report: std::fs::File, mut go: std::fs::File) -> ! {
    use nix::sched::CloneFlags;
    if nix::sched::unshare(CloneFlags::CLONE_NEWUSER).is_err() {
        super::sys::exit_now(1);
    }
    let _ = report.write_all(&std::process::id().to_le_bytes());
    let mut m = [0u8; 1];
    if go.read(&mut m).ok() != Some(1) {
        super::sys::exit_now(1);
    }
    if nix::sched::unshare(CloneFlags::CLONE_NEWNS).is_err() {
        super::sys::exit_now(1);
    }
    // Mounts of the host still show up; nothing of ours goes back.
    let _ = nix::mount::mount(
        None::<&str>,
        "/",
        None::<&str>,
        nix::mount::MsFlags::MS_SLAVE | nix::mount::MsFlags::MS_REC,
        None::<&str>,
    );
    // `ps` shows what it is, not the command that happened to create it.
    let _ = nix::sys::prctl::set_name(c"rcon-userns");
    let _ = report.write_all(b"R");
    drop(report);
    drop(go);
    // Nothing else: no files open, no working directory to keep busy.
    let _ = std::env::set_current_dir("/");
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            let _ = super::sys::dup2(null.as_raw_fd(), fd);
        }
    }
    // Nothing inherited stays open (the caller's lock file among them).
    for fd in 3..1024 {
        super::sys::close(fd);
    }
    loop {
        nix::unistd::pause();
    }
}

/// Joins the user and mount namespaces of the holder `pid`, keeping the
/// working directory, and marks the environment for rcon's children.
fn join(pid: i32, uid: u32, gid: u32) -> Result<(), Error> {
    use nix::sched::CloneFlags;
    let cwd = std::env::current_dir().ok();
    let open = |ns: &str| {
        std::fs::File::open(format!("/proc/{pid}/ns/{ns}"))
            .map_err(|e| Error::io(format!("open the {ns} namespace of the user namespace holder {pid}"), e))
    };
    let (user, mnt) = (open("user")?, open("mnt")?);
    nix::sched::setns(&user, CloneFlags::CLONE_NEWUSER)
        .map_err(|e| Error::sys(format!("join the user namespace of process {pid}"), e))?;
    nix::sched::setns(&mnt, CloneFlags::CLONE_NEWNS)
        .map_err(|e| Error::sys(format!("join the mount namespace of process {pid}"), e))?;
    if let Some(cwd) = cwd {
        let _ = std::env::set_current_dir(cwd);
    }
    // Joining made the process non-dumpable (its capabilities grew), which
    // would keep the user's own helpers (pasta) out of /proc/PID/ns of the
    // containers it starts: it is an ordinary process of the user again.
    let _ = nix::sys::prctl::set_dumpable(true);
    // rcon is still single-threaded at start-up.
    crate::sys::set_env(ENV_UID, &uid.to_string());
    crate::sys::set_env(ENV_GID, &gid.to_string());
    let _ = ROOTLESS_UID.set(Some(uid));
    Ok(())
}
