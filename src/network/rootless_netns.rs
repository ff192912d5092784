//! The rootless network namespace (podman's "rootless-netns"): one network
//! namespace per user, owned by the user's namespace
//! ([`crate::runtime::rootless`]), where rootless rcon keeps the bridges of
//! the user's networks, the veths into its containers, IPAM and NAT, all
//! made by the same code as root's in the host's namespace.
//!
//! # Life
//!
//! - Made on demand ([`ensure`]: `network create`, a container attached to
//!   a user network) by a helper thread that unshares a network namespace,
//!   sets `lo` up and bind-mounts its `/proc/thread-self/ns/net` on
//!   `RUNDIR/network/netns` (`RUNDIR` = `$XDG_RUNTIME_DIR/rcon`). The bind
//!   mount lives in the mount namespace of the user's namespace holder,
//!   which every rcon process of the user joins, so it keeps the namespace
//!   alive between commands without a process.
//! - `pasta` (Debian `passt`) is attached to it once
//!   ([`super::pasta::spawn_on`]: `--config-net`, no port forwarding): its
//!   tap interface with the host's addresses and default route gives the
//!   namespace outbound connectivity; the bridges' subnets are masqueraded
//!   behind it by rcon's nft table, as root's are behind the host's
//!   interfaces. Its pid is in `RUNDIR/network/netns.pasta.pid`, its
//!   messages in `netns.pasta.log`. A pasta that died is started again by
//!   the next [`ensure`]; a namespace lost with the holder is made again
//!   (the bridges then too, by [`super::networks::ensure_bridge`]).
//! - Removed ([`remove_if_unused`]) by `network rm`/`prune` once no
//!   network bridge (`rcon-*`) is left in it: the file is unmounted and
//!   deleted, and pasta, which watches it, quits (and is signalled).
//!
//! # Entering it
//!
//! A thread can join a network namespace but, rootless, can never return to
//! the host's (that needs privileges over the initial user namespace). So
//! the code that must act inside runs in a short-lived helper thread
//! ([`within`]) that joins it: netlink and nfnetlink sockets are made there
//! and then used from the caller's thread (a socket stays in the namespace
//! it was made in), `nft` is started from there (a child inherits the
//! thread's namespace), and `/proc/sys/net` is written from there. Every
//! helper thread is joined, and gone from `/proc/self/task`, before
//! [`within`] returns (docs/ARCHITECTURE.md hazard 1: rcon forks only
//! while single-threaded).
//!
//! Published ports (`-p`) of containers on user networks go through
//! [`super::forward`], not through pasta, whose ports are fixed when it
//! starts.

use super::Error;
use nix::errno::Errno;
use nix::sched::CloneFlags;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// The bind-mounted namespace file: `RUNDIR/network/netns`.
pub fn path() -> PathBuf {
    super::host_state().join("netns")
}

fn pasta_pid_file() -> PathBuf {
    super::host_state().join("netns.pasta.pid")
}

fn pasta_log() -> PathBuf {
    super::host_state().join("netns.pasta.log")
}

/// Opens the rootless network namespace when it exists (its file is a
/// mounted namespace, not the empty file a lost mount leaves).
pub fn open() -> Option<OwnedFd> {
    let f = std::fs::File::open(path()).ok()?;
    let st = nix::sys::statfs::fstatfs(&f).ok()?;
    (st.filesystem_type() == nix::sys::statfs::NSFS_MAGIC).then(|| f.into())
}

/// Runs `f` in a helper thread, joins it and waits until the kernel has
/// released it (it no longer counts among the process's threads), so that
/// a fork right after sees one thread. A panic in `f` is resumed here.
fn in_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let (out, tid) = std::thread::scope(|s| match s.spawn(|| (f(), nix::unistd::gettid().as_raw())).join() {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    });
    let task = PathBuf::from(format!("/proc/self/task/{tid}"));
    for _ in 0..10_000 {
        if !task.exists() {
            break;
        }
        std::thread::yield_now();
    }
    out
}

/// Runs `f` in a helper thread that joined the network namespace `netns`
/// (see the module docs). Errors: the `setns(2)` errno.
pub fn within<T: Send>(netns: &OwnedFd, f: impl FnOnce() -> T + Send) -> Result<T, Errno> {
    in_thread(|| {
        nix::sched::setns(netns, CloneFlags::CLONE_NEWNET)?;
        Ok(f())
    })
}

/// A netlink socket of `protocol` for rootless rcon's "host" side: in the
/// rootless network namespace when it exists, else in the caller's (where
/// the user can only read; everything that changes links calls [`ensure`]
/// first).
pub fn netlink_socket(protocol: nix::sys::socket::SockProtocol) -> Result<OwnedFd, Errno> {
    match open() {
        Some(ns) => within(&ns, || crate::sys::netlink_socket(protocol))?,
        None => crate::sys::netlink_socket(protocol),
    }
}

/// Runs `f` in the rootless network namespace (see [`within`]). Errors:
/// it does not exist (no user network was made), or cannot be joined.
pub fn run_inside<T: Send>(f: impl FnOnce() -> Result<T, Error> + Send) -> Result<T, Error> {
    let ns = open().ok_or_else(|| {
        Error::BadNetwork(format!(
            "the rootless network namespace {} does not exist: create a network first (`rcon network create NAME`)",
            path().display()
        ))
    })?;
    within(&ns, f).map_err(|e| Error::BadNetwork(format!("cannot enter {}: {}", path().display(), e.desc())))?
}

/// Makes sure the rootless network namespace exists and has its pasta
/// (module docs, "Life"). Cheap when both are there (an open, an fstatfs
/// and a read of pasta's pid file). Errors say what to install or change
/// (pasta missing, `/dev/net/tun` unusable); on error nothing is left.
pub fn ensure() -> Result<(), Error> {
    let dir = super::host_state();
    std::fs::create_dir_all(&dir).map_err(super::io(&dir))?;
    let _lock = super::lock(&dir.join("netns.lock"))?;
    let made = match open() {
        Some(_) => false,
        None => {
            create()?;
            true
        }
    };
    if pasta_pid().is_some() {
        return Ok(());
    }
    let started = super::pasta::spawn_on(&path(), &pasta_pid_file(), &[], &pasta_log()).and_then(|s| s.wait());
    if let Err(e) = started {
        if made {
            remove_files();
        }
        return Err(e);
    }
    Ok(())
}

/// Unshares a network namespace in a helper thread and binds it to
/// [`path`]. Errors name the step.
fn create() -> Result<(), Error> {
    let p = path();
    let _ = nix::mount::umount2(&p, nix::mount::MntFlags::MNT_DETACH);
    new_bound(&p).map_err(|e| Error::BadNetwork(format!("rootless network namespace: {e}")))
}

/// Makes a network namespace of the caller's user namespace, with `lo` up,
/// bound to the file `at` (created): in a helper thread that then ends
/// ([`in_thread`]; a rootless thread cannot return to the namespace it
/// left). Used for the rootless network namespace and for pasta's spare
/// ([`super::pasta`]). Errors name the step; on error `at` is removed.
pub(super) fn new_bound(at: &std::path::Path) -> Result<(), String> {
    std::fs::File::create(at).map_err(|e| format!("cannot create {}: {e}", at.display()))?;
    let made = in_thread(|| -> Result<(), String> {
        nix::sched::unshare(CloneFlags::CLONE_NEWNET)
            .map_err(|e| format!("cannot create a network namespace: {}", e.desc()))?;
        crate::sys::interface_up("lo").map_err(|e| format!("cannot set lo up: {}", e.desc()))?;
        nix::mount::mount(
            Some("/proc/thread-self/ns/net"),
            at,
            None::<&str>,
            nix::mount::MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| format!("cannot bind the network namespace to {}: {}", at.display(), e.desc()))
    });
    if made.is_err() {
        let _ = std::fs::remove_file(at);
    }
    made
}

/// The pid of the namespace's pasta when it runs: a pasta whose command
/// line names the namespace file (not a container's pasta that got the
/// pid of a dead one).
fn pasta_pid() -> Option<i32> {
    let pid = std::fs::read_to_string(pasta_pid_file()).ok()?.trim().parse::<i32>().ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let ns = path();
    let ours = cmdline.split(|b| *b == 0).any(|a| a == ns.as_os_str().as_encoded_bytes());
    (ours && super::pasta::is_pasta(pid)).then_some(pid)
}

/// Unmounts and deletes the namespace file and stops its pasta. pasta
/// quits when the file goes, and ignores `SIGTERM` (it is the init of a
/// PID namespace of its own), so a pasta of this namespace that still
/// runs then gets `SIGKILL`.
fn remove_files() {
    let pasta = pasta_pid();
    super::pasta::stop_files(&path(), &pasta_pid_file());
    if let Some(pid) = pasta.filter(|p| super::pasta::is_pasta(*p)) {
        let _ = crate::sys::kill(pid, libc::SIGKILL);
    }
    let _ = std::fs::remove_file(pasta_log());
}

/// `network rm`/`prune`: removes the rootless network namespace (module
/// docs, "Life") once no network bridge `rcon-*` is left in it. Best
/// effort: a namespace that cannot be inspected is kept.
pub fn remove_if_unused() {
    let dir = super::host_state();
    let Ok(_lock) = super::lock(&dir.join("netns.lock")) else { return };
    let Some(ns) = open() else {
        remove_files();
        return;
    };
    let bridges = within(&ns, || -> Result<bool, super::netlink::Error> {
        let mut nl = super::netlink::Netlink::here()?;
        Ok(nl.links()?.iter().any(|l| l.name.starts_with("rcon-")))
    });
    if let Ok(Ok(false)) = bridges {
        drop(ns);
        remove_files();
    }
}
