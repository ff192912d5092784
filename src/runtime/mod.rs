//! The OCI runtime: an `oci_spec::runtime::Spec` (runtime-spec config.md,
//! config-linux.md) and a rootfs in, a running process out. Never reads
//! rcon's store or flags.
//!
//! # Process model
//!
//! rcon has no daemon and no helper binary. Commands that start processes a
//! container can see first re-execute rcon from a read-only view of its
//! binary ([`exe`]: a container must never reach a writable rcon binary
//! through `/proc/<pid>/exe`). Then [`spawn`] clones the calling process once with `clone3(2)` and the
//! `CLONE_NEW*` flags of the spec's namespaces (mount, PID, UTS, IPC,
//! network, cgroup). The child is PID 1 of its new PID namespace and becomes
//! the container's init by setting the container up and `execve`-ing
//! `process.args`:
//!
//! 1. signal dispositions back to default, stdin from `/dev/null`, `lo` up
//!    in the new network namespace;
//! 2. `/` made `rprivate` (nothing propagates to the host), the rootfs
//!    mounted at `root.path` (an overlay of the image layers, or a bind of a
//!    ready directory), the spec's mounts in order, the default devices;
//! 3. `pivot_root`, masked and read-only paths, hostname, read-only root;
//! 4. the user resolved from the container's `/etc/passwd` and `/etc/group`,
//!    the working directory created if missing, groups/gid/uid dropped;
//! 5. `args[0]` looked up in the container's `PATH`, every inherited fd but
//!    0-2 marked close-on-exec, signals unblocked, `execve`.
//!
//! A close-on-exec pipe carries the outcome back: EOF without data means
//! `execve` succeeded; otherwise the init writes one [`Error`] and exits, and
//! [`spawn`] reaps it and returns that error. So when `spawn` returns `Ok`
//! the container's program is running, and `rcon` (the parent) is its
//! monitor: [`Process::wait`] reaps it with `waitpid`.
//!
//! Every mount, the overlay included, lives in the container's mount
//! namespace: when the init dies the kernel tears them all down, and nothing
//! remains on the host to unmount, even after a crash of rcon. (A
//! fuse-overlayfs rootfs is mounted by its program in rcon's namespace
//! first; rcon unmounts it there as soon as the init has its copy.) A spec
//! without a mount namespace (the container shares the host's) gets the
//! same guarantee another way: the init builds its mounts in a throw-away
//! mount namespace, clones that tree into a detached copy (`open_tree`),
//! goes back to the host's namespace and `chroot`s into the copy, which the
//! host's mount table never shows and which vanishes with its last process.
//! A joined mount namespace (`path`) gets the mounts, as with runc.
//!
//! The clone is fork-like, so the caller must be single-threaded (docs/ARCHITECTURE.md
//! hazard 1): the child uses the allocator and the standard library, which is
//! only sound when no other thread could hold their locks. The CLI finishes
//! and joins any pulling threads before it spawns, [`spawn`] checks
//! `/proc/self/stat` and refuses otherwise, and tests go through the `rcon`
//! binary.
//!
//! Module map: `spawn` (plan, clone, pipe, the init's steps), `mounts`
//! (rootfs, mounts, devices, pivot_root), `user` (`USER[:GROUP]`
//! resolution), `process` (signals, identity, `PATH` lookup, exec), `sys`
//! (raw system calls), `oci` (the OCI runtime command line's create/start/
//! state/kill/delete on bundles, with [`SpawnOptions::exec_socket`] as the
//! gate between create and start), `userns` (id maps), `rootless` (the
//! user's namespace holder, paths), `fuse_overlay` (rootless rootfs through
//! fuse-overlayfs: driver choice, mount, whiteout conversion).
//!
//! # User namespaces
//!
//! A `user` entry of `linux.namespaces` without a `path` adds
//! `CLONE_NEWUSER` to the clone, so every other new namespace belongs to
//! the new user namespace. The init then waits for the parent's go-ahead on
//! the start channel; meanwhile the parent writes `linux.uidMappings` and
//! `gidMappings` ([`userns::write_maps`]: directly as root, through
//! `newuidmap`/`newgidmap` otherwise), and does from outside what the init
//! may no longer do: moving it into its cgroup and `oom_score_adj`. With a
//! `path`, or with a new user namespace and namespaces to join, a
//! short-lived helper process joins the user namespace and then the others
//! (existing namespaces must be joined before the user namespace is
//! created, or the init would lack the privilege over them) and clones the
//! init with `CLONE_PARENT`, so it is still the runtime's child (as runc's
//! nsexec stages do).
//!
//! After the go-ahead the init opens the rootfs and the bind sources while
//! it still has the host's ids (the host's root may own a 0700 directory on
//! the way, and be unmapped inside), then becomes uid/gid 0 of the
//! namespace. The rootfs is attached by fd (`open_tree` + `move_mount`);
//! devices are bind-mounted from the host where `mknod` is refused; sysfs
//! is the host's, read-only, without a network namespace of its own;
//! cgroup filesystems that cannot be mounted are the container's
//! directories of the host's hierarchy, bound; remounts repeat the flags
//! the kernel locked. `exec` joins the user namespace first.

pub mod caps;
pub mod cgroups;
pub mod devices_bpf;
pub mod exe;
pub mod exec;
pub mod fuse_overlay;
pub mod mounts;
pub mod oci;
mod process;
pub mod rootless;
pub mod seccomp;
mod spawn;
use crate::sys;
pub use spawn::Confinement;
pub mod tty;
pub mod user;
pub mod userns;

/// Runtime errors. Each setup failure names its step and the object it
/// worked on; the operating system's error is its `source` (the message
/// does not repeat it: print the chain, `util::error_chain`). A failure in
/// the container's init reaches the caller through a pipe as
/// [`Error::Reported`], its chain as text. [`Error::exit_code`] maps every
/// variant to docker's 125, 126 or 127.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command was not found in the container's `PATH` (exit 127).
    #[error("exec: \"{0}\": executable file not found in $PATH")]
    NotFound(String),
    /// The command (a path) or its interpreter does not exist (exit 127).
    #[error("exec: \"{path}\": {reason}")]
    Missing {
        /// The command.
        path: String,
        /// Why (e.g. "stat /nosuch: no such file or directory").
        reason: String,
    },
    /// The command exists but cannot be invoked (exit 126).
    #[error("exec: \"{path}\": {reason}")]
    CannotInvoke {
        /// The command.
        path: String,
        /// Why (e.g. "permission denied").
        reason: String,
    },
    /// The runtime spec asks for what is invalid, or for what this host or
    /// rcon cannot apply; the message names the spec field (exit 125).
    #[error("{0}")]
    Spec(String),
    /// A mount step in the container failed: `cannot {op} {target} in
    /// container` (exit 125).
    #[error("cannot {op} {} in container", target.display())]
    Mount {
        /// The step: "mount", "bind-mount", "remount", "pivot_root to", ...
        op: String,
        /// The path it worked on (a mount target, the rootfs, a layer).
        target: PathBuf,
        /// The system call's error.
        source: SysError,
    },
    /// Creating, writing or removing a cgroup failed: `cannot {op}` (exit 125).
    #[error("cannot {op} {}", path.display())]
    Cgroup {
        /// The step with its object ("create cgroup", "write \"max\" to cgroup file").
        op: String,
        /// The cgroup directory or file.
        path: PathBuf,
        /// The file system's error.
        source: std::io::Error,
    },
    /// Creating, opening or joining a namespace failed: `cannot {op} {kind}
    /// namespace` (exit 125).
    #[error("cannot {op} {kind} namespace")]
    Namespace {
        /// "create", "join", "open".
        op: &'static str,
        /// Which: "the container's pid", "the user", "rcon's own PID".
        kind: String,
        /// The system call's error.
        source: SysError,
    },
    /// Setting the process's capabilities failed: `cannot {op}` (exit 125).
    #[error("cannot {op}")]
    Capabilities {
        /// The step with the capability ("drop CAP_SYS_ADMIN from the bounding set").
        op: String,
        /// The system call's error.
        source: SysError,
    },
    /// The container's user (`process.user`, `--user`) cannot be resolved
    /// from its /etc/passwd and /etc/group (exit 125).
    #[error("{0}")]
    User(String),
    /// The user namespace's id mappings cannot be written (`newuidmap`,
    /// `newgidmap` missing or refusing): what failed and what to check
    /// (exit 125).
    #[error("{0}")]
    Userns(String),
    /// The seccomp filter cannot be built or installed (exit 125).
    #[error("seccomp: {0}")]
    Seccomp(String),
    /// Another system call of the setup failed: `cannot {step}` (exit 125).
    #[error("cannot {step}")]
    Sys {
        /// The step with its object ("fork", "set uid to 1000").
        step: String,
        /// The system call's error.
        source: SysError,
    },
    /// A file of the setup could not be opened, read or written: `cannot
    /// {step}` (exit 125).
    #[error("cannot {step}")]
    Io {
        /// The step with its object ("open /proc/42/ns/net").
        step: String,
        /// The file system's error.
        source: std::io::Error,
    },
    /// The caller's [`SpawnOptions::on_created`] hook failed: its message
    /// (exit 125).
    #[error("{0}")]
    Hook(String),
    /// A failure reported by another process through a pipe (the
    /// container's init, the exec helper, a detached container's monitor):
    /// its message chain as text (exit 125).
    #[error("{0}")]
    Reported(String),
}

/// An `errno` from a system call, shown as its description only
/// (`Operation not permitted`), as the messages before it say what failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.desc())]
pub struct SysError(pub nix::errno::Errno);

impl From<nix::errno::Errno> for SysError {
    fn from(e: nix::errno::Errno) -> Self {
        SysError(e)
    }
}

impl Error {
    /// docker's exit code for this error: 127, 126 or 125.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::NotFound(_) | Error::Missing { .. } => 127,
            Error::CannotInvoke { .. } => 126,
            _ => 125,
        }
    }

    /// A [`Error::Sys`]: `cannot {step}` because of `errno`.
    pub fn sys(step: impl Into<String>, errno: nix::errno::Errno) -> Error {
        Error::Sys { step: step.into(), source: SysError(errno) }
    }

    /// An [`Error::Io`]: `cannot {step}` because of `source`.
    pub fn io(step: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { step: step.into(), source }
    }

    /// The message with its causes, on one line (as users see it).
    pub fn chain(&self) -> String {
        crate::util::error_chain(self)
    }
}

use oci_spec::runtime::Spec;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// Spec annotation: `"true"` mounts an overlay rootfs with `volatile`
/// (overlayfs.rst: no syncs to the upper dir). For containers whose upper dir
/// is thrown away when they end (`--rm`): it saves the sync of the whole
/// upper filesystem that unmounting an overlay otherwise costs. Such an upper
/// dir must not be mounted again after a crash.
pub const ANNOTATION_VOLATILE: &str = "io.github.rcon.overlay.volatile";

/// Spec annotation: `"true"` runs `process.args` under rcon's tiny init
/// (docker's `--init`): PID 1 stays rcon's code, forks the command, forwards
/// signals to it, reaps orphaned zombies and exits with the command's code.
pub const ANNOTATION_INIT: &str = "io.github.rcon.init";

/// Spec annotation: `"true"` makes the init a pod's infra process: once
/// everything is set up it does not `execve` `process.args` (which are
/// never looked up) but stays rcon's own code, closes every inherited
/// descriptor above stderr, and sleeps until SIGTERM, SIGINT, SIGHUP or
/// SIGQUIT ends it (exit 0), reaping any child. Its only job is to hold
/// the namespaces (network, IPC, UTS) that a pod's containers join; no
/// pause image is needed.
pub const ANNOTATION_PAUSE: &str = "io.github.rcon.pause";

/// Spec annotation: comma-separated extra supplementary groups (docker's
/// `--group-add`), names resolved in the container's /etc/group, or numbers.
pub const ANNOTATION_GROUP_ADD: &str = "io.github.rcon.group-add";

/// How the container's root filesystem comes to be at the spec's `root.path`.
#[derive(Debug, Clone)]
pub enum RootfsSetup {
    /// `root.path` already holds a complete root filesystem (an OCI bundle).
    Ready,
    /// Mount an overlayfs at `root.path`, inside the container's own mount
    /// namespace (so it vanishes with the container and never needs an
    /// unmount on the host).
    Overlay {
        /// Directory the lower dirs are relative to; the mount is made with
        /// this as the working directory to keep the option string short.
        lower_base: PathBuf,
        /// Lower dirs relative to `lower_base`, top-most first (overlayfs order).
        lowers: Vec<String>,
        /// Absolute upper dir (the container's writable layer).
        upper: PathBuf,
        /// Absolute overlay work dir, on the same filesystem as `upper`.
        work: PathBuf,
    },
    /// Rootless: an overlay mounted by `program` (fuse-overlayfs, see
    /// [`fuse_overlay`]) at `root.path` in the caller's mount namespace
    /// before the clone (with the spec's id mappings as its
    /// `uidmapping`/`gidmapping` when it has a user namespace of its own),
    /// unmounted there once the init has its copy; fuse-overlayfs ends with
    /// the container and [`Process::wait_exit`] converts the upper dir's
    /// whiteouts to the kernel's format.
    FuseOverlay {
        /// The fuse-overlayfs program.
        program: PathBuf,
        /// Lower dirs, absolute, top-most first.
        lowers: Vec<PathBuf>,
        /// Absolute upper dir.
        upper: PathBuf,
        /// Absolute work dir, on the same filesystem as `upper`.
        work: PathBuf,
    },
}

/// Where one of the init's standard streams comes from.
#[derive(Debug, Default)]
pub enum StdioFd {
    /// rcon's own stream (the default for stdout and stderr).
    #[default]
    Inherit,
    /// `/dev/null` (the default for stdin).
    Null,
    /// This file descriptor (dup'ed onto 0, 1 or 2 in the init; the caller
    /// keeps ownership and may close it once `spawn` returned).
    Fd(OwnedFd),
}

/// The init's stdin, stdout and stderr. Ignored for streams the console
/// replaces when the spec sets `process.terminal`.
#[derive(Debug)]
pub struct Stdio {
    /// Default [`StdioFd::Null`].
    pub stdin: StdioFd,
    /// Default [`StdioFd::Inherit`].
    pub stdout: StdioFd,
    /// Default [`StdioFd::Inherit`].
    pub stderr: StdioFd,
}

impl Default for Stdio {
    fn default() -> Self {
        Stdio { stdin: StdioFd::Null, stdout: StdioFd::Inherit, stderr: StdioFd::Inherit }
    }
}

/// A parent-side step run after the clone and before the init continues
/// (see [`SpawnOptions::on_created`]): gets the init's host pid; an `Err`
/// message aborts the start.
pub type CreatedHook = Box<dyn Fn(i32) -> Result<(), String>>;

/// Everything `spawn` needs besides the spec.
pub struct SpawnOptions {
    /// How to get the rootfs.
    pub rootfs: RootfsSetup,
    /// `USER[:GROUP]` (names or numbers; `""` is root) to resolve against
    /// the container's /etc/passwd and /etc/group after pivot_root, as
    /// docker's daemon does ([`user::resolve_docker`]: the primary group is
    /// among the supplementary ones); overrides `process.user` of the spec
    /// when set.
    pub user: Option<String>,
    /// The init's standard streams when the spec asks for no terminal.
    /// With `process.terminal`, a pseudo-terminal allocated inside the
    /// container (its own `/dev/pts`) is the init's controlling terminal and
    /// stdio, and its master comes back as [`Process::take_console`].
    pub stdio: Stdio,
    /// Called in the parent once the init exists (its namespaces are there,
    /// nothing is set up in them yet) with its host pid; the init waits for
    /// it to return. An `Err(message)` kills the init and `spawn` returns
    /// [`Error::Hook`] with that message. Use it for what must be done from
    /// outside: moving a veth into the network namespace, writing id maps.
    /// Without a hook the init does not wait (no extra round trip).
    pub on_created: Option<CreatedHook>,
    /// Called in the parent right after the go-ahead that follows
    /// [`on_created`](Self::on_created), with the init's host pid, while
    /// the init sets up its mounts; the init waits for it to return right
    /// before it takes the container's user and privileges and `execve`s.
    /// For work that `on_created` started and that can finish in parallel
    /// with the init's setup (rootless networking: pasta configuring the
    /// namespace). An `Err(message)` kills the init, as for `on_created`.
    /// Ignored without `on_created` or a new user namespace (the init then
    /// gets no go-ahead at all).
    pub before_exec: Option<CreatedHook>,
    /// Signal the init receives when the thread that called `spawn` dies
    /// (`PR_SET_PDEATHSIG`, set last before `execve`), e.g. `SIGKILL` so a
    /// foreground container dies with a killed rcon. `None` for detached
    /// containers whose monitor may end first.
    pub pdeathsig: Option<nix::sys::signal::Signal>,
    /// A directory where compiled seccomp filters are cached (keyed by a
    /// hash of the spec's `linux.seccomp`), so later starts skip compiling;
    /// `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
    /// The OCI "create" gate: a listening unix socket (`SOCK_STREAM`,
    /// close-on-exec) the init inherits. With it, the init sets everything
    /// up, reports "created" ([`spawn`] then returns, before the `execve`),
    /// and blocks in `accept(2)` on this socket; whoever connects (`rcon oci
    /// start`) releases it, and then receives the outcome of the `execve` on
    /// that connection: EOF without data for success, else bytes for
    /// [`spawn_error_from_bytes`]. Plays the role of runc's `exec.fifo`, but
    /// needs no `/proc` in the container and no permission on a path after
    /// the privileges are dropped, and a dead init refuses the connection
    /// instead of blocking its opener. `None` (the default): no gate, the
    /// init execs as soon as it is ready.
    pub exec_socket: Option<OwnedFd>,
}

impl Default for SpawnOptions {
    /// A ready rootfs, the spec's user, stdin from /dev/null, no hook.
    fn default() -> Self {
        SpawnOptions {
            rootfs: RootfsSetup::Ready,
            user: None,
            stdio: Stdio::default(),
            on_created: None,
            before_exec: None,
            pdeathsig: None,
            cache_dir: None,
            exec_socket: None,
        }
    }
}

impl std::fmt::Debug for SpawnOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpawnOptions")
            .field("rootfs", &self.rootfs)
            .field("user", &self.user)
            .field("stdio", &self.stdio)
            .field("on_created", &self.on_created.as_ref().map(|_| "Fn(pid)"))
            .field("before_exec", &self.before_exec.as_ref().map(|_| "Fn(pid)"))
            .field("pdeathsig", &self.pdeathsig)
            .field("cache_dir", &self.cache_dir)
            .field("exec_socket", &self.exec_socket)
            .finish()
    }
}

/// How the container's init ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// exit(code).
    Exited(i32),
    /// Killed by signal N.
    Signaled(i32),
}

impl ExitStatus {
    /// The code docker reports: the exit code, or 128+N for signal N.
    pub fn code(&self) -> i32 {
        match self {
            ExitStatus::Exited(c) => *c,
            ExitStatus::Signaled(s) => 128 + s,
        }
    }
}

/// A started container process (the init of its PID namespace).
#[derive(Debug)]
pub struct Process {
    pub(crate) pid: i32,
    pub(crate) console: Option<OwnedFd>,
    pub(crate) cgroup: Option<cgroups::Cgroup>,
    pub(crate) fuse: Option<fuse_overlay::FuseMount>,
    pub(crate) namespaces: HeldNamespaces,
}

/// Descriptors of a container's mount and IPC namespaces (`/proc/PID/ns/mnt`
/// and `ipc`, close-on-exec), held by the process that spawned it. The
/// last reference to a mount namespace tears it down: every mount of the
/// container is unmounted, which waits for an RCU grace period (5 ms on a
/// quiet machine, 100 ms under load). When the init holds the last one,
/// that happens inside its exit, before `waitpid` returns; while these are
/// held, it happens when they are dropped. See [`Process::take_namespaces`].
#[derive(Debug, Default)]
pub struct HeldNamespaces(Vec<OwnedFd>);

impl HeldNamespaces {
    /// Opens the namespaces of `pid` that `clone_flags` made new
    /// (`CLONE_NEWNS`, `CLONE_NEWIPC`); one that cannot be opened (the
    /// process already ended) is left out.
    pub(crate) fn open(pid: i32, clone_flags: u64) -> HeldNamespaces {
        let kinds = [(libc::CLONE_NEWNS, "mnt"), (libc::CLONE_NEWIPC, "ipc")];
        HeldNamespaces(
            kinds
                .iter()
                .filter(|(flag, _)| clone_flags & *flag as u64 != 0)
                .filter_map(|(_, name)| std::fs::File::open(format!("/proc/{pid}/ns/{name}")).ok())
                .map(OwnedFd::from)
                .collect(),
        )
    }

    /// How many namespaces are held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when none is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How a container ended, with what only its cgroup knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// The init's status.
    pub status: ExitStatus,
    /// The OOM killer killed a process of the container (docker's
    /// `OOMKilled`).
    pub oom_killed: bool,
}

impl Process {
    /// Host pid of the container's init.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The master side of the container's console (with `process.terminal`),
    /// once: the caller copies between it and the user's terminal and sets
    /// its window size (`TIOCSWINSZ`). See [`tty`] for a ready-made loop.
    pub fn take_console(&mut self) -> Option<OwnedFd> {
        self.console.take()
    }

    /// Waits for the init to end (`waitpid`, retried on `EINTR`). When it
    /// ends, the kernel kills what else ran in its PID namespace and tears
    /// down its mounts.
    pub fn wait(self) -> Result<ExitStatus, Error> {
        self.wait_exit().map(|e| e.status)
    }

    /// The container's mount and IPC namespaces, once (empty for a
    /// container in rcon's own, over fuse-overlayfs, whose end waits for
    /// the unmount, or when the init ended before `spawn` opened them).
    /// Held by the caller, they outlive the init: [`Process::wait_exit`]
    /// returns as soon as it ended, and their teardown (the unmounts, see
    /// [`HeldNamespaces`]) happens when the caller drops them, after it
    /// recorded the exit. Not taken, they are dropped by `wait_exit` after
    /// the `waitpid`.
    pub fn take_namespaces(&mut self) -> HeldNamespaces {
        std::mem::take(&mut self.namespaces)
    }

    /// The container's cgroup, if the spec asked for one.
    pub fn cgroup(&self) -> Option<&cgroups::Cgroup> {
        self.cgroup.as_ref()
    }

    /// Like [`Process::wait`], then reads whether the OOM killer struck and
    /// removes the container's cgroup; over [`RootfsSetup::FuseOverlay`],
    /// waits for fuse-overlayfs to end and converts the upper dir
    /// ([`fuse_overlay::FuseMount::finish`]).
    pub fn wait_exit(mut self) -> Result<Exit, Error> {
        let status = self.wait_status();
        if let Some(f) = self.fuse.take() {
            f.finish();
        }
        let cg = self.cgroup.take();
        let oom_killed = cg.as_ref().is_some_and(|c| c.oom_kills() > 0);
        if let Some(c) = cg {
            c.remove();
        }
        Ok(Exit { status: status?, oom_killed })
    }

    fn wait_status(&self) -> Result<ExitStatus, Error> {
        use nix::sys::wait::{WaitStatus, waitpid};
        let pid = nix::unistd::Pid::from_raw(self.pid);
        loop {
            match waitpid(pid, None) {
                Ok(WaitStatus::Exited(_, code)) => return Ok(ExitStatus::Exited(code)),
                Ok(WaitStatus::Signaled(_, sig, _)) => return Ok(ExitStatus::Signaled(sig as i32)),
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    return Err(Error::sys(format!("wait for container process {}", self.pid), e));
                }
            }
        }
    }

    /// Sends signal `sig` (e.g. `libc::SIGTERM`) to the init. As PID 1 of its
    /// namespace it only receives signals it has a handler for (SIGKILL aside).
    pub fn signal(&self, sig: i32) -> Result<(), Error> {
        crate::sys::kill(self.pid, sig)
            .map_err(|e| Error::sys(format!("send signal {sig} to container process {}", self.pid), e))
    }
}

/// Creates the namespaces, mounts and process described by `spec` and execs
/// its `process.args`; returns once the exec has succeeded (or failed: then
/// [`Error::NotFound`] / [`Error::CannotInvoke`] / a setup error naming its step).
/// Stdout and stderr are rcon's own; stdin is /dev/null unless the spec asks
/// for a terminal. Must be called while the process is single-threaded.
///
/// Implements runtime-spec "create" + "start" in one step (or only
/// "create", returning before the `execve`, with
/// [`SpawnOptions::exec_socket`]), for the Linux
/// namespaces, mounts, devices, masked/read-only paths, hostname, user, cwd,
/// env and args of the spec, joining existing namespaces (`path`; mount,
/// network, IPC, UTS, PID, cgroup, user), new user namespaces with the
/// spec's id mappings (see "User namespaces" in the module docs),
/// capabilities, seccomp, rlimits, cgroups, terminal. Settings the host
/// cannot apply (SELinux labels, AppArmor without AppArmor, cgroup
/// controllers it lacks) are errors naming the field. Not yet: time
/// namespaces.
pub fn spawn(spec: &Spec, opts: &SpawnOptions) -> Result<Process, Error> {
    spawn::spawn(spec, opts)
}

/// Encodes a runtime error as bytes, for a process that reports a failed
/// start to another (the detached container's monitor to `rcon run -d`).
pub fn spawn_error_to_bytes(e: &Error) -> Vec<u8> {
    spawn::encode(e)
}

/// Decodes [`spawn_error_to_bytes`]; `b` must not be empty.
pub fn spawn_error_from_bytes(b: &[u8]) -> Error {
    spawn::decode(b)
}
