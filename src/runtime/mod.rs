//! The OCI runtime: an `oci_spec::runtime::Spec` and a rootfs in, a running
//! process out. Never reads rcon's store or flags.
//!
//! STUB: to be implemented (helper B).

/// Runtime errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command was not found in the container (exit 127).
    #[error("exec: \"{0}\": executable file not found in $PATH")]
    NotFound(String),
    /// The command exists but cannot be invoked (exit 126).
    #[error("exec: \"{path}\": {reason}")]
    CannotInvoke {
        /// The command.
        path: String,
        /// Why (e.g. "permission denied").
        reason: String,
    },
    /// Setting up the container failed (exit 125).
    #[error("{0}")]
    Setup(String),
}

impl Error {
    /// docker's exit code for this error: 127, 126 or 125.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::NotFound(_) => 127,
            Error::CannotInvoke { .. } => 126,
            Error::Setup(_) => 125,
        }
    }
}

use oci_spec::runtime::Spec;
use std::path::PathBuf;

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
}

/// Everything `spawn` needs besides the spec.
#[derive(Debug, Clone)]
pub struct SpawnOptions {
    /// How to get the rootfs.
    pub rootfs: RootfsSetup,
    /// `USER[:GROUP]` (names or numbers) to resolve against the container's
    /// /etc/passwd and /etc/group after pivot_root; overrides
    /// `process.user` of the spec when set.
    pub user: Option<String>,
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
    pid: i32,
}

impl Process {
    /// Host pid of the container's init.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Waits for the init to end.
    pub fn wait(self) -> Result<ExitStatus, Error> {
        Err(Error::Setup("wait: not implemented yet".into()))
    }
}

/// Creates the namespaces, mounts and process described by `spec` and execs
/// its `process.args`; returns once the exec has succeeded (or failed: then
/// [`Error::NotFound`] / [`Error::CannotInvoke`] / [`Error::Setup`]).
/// Stdout and stderr are rcon's own; stdin is /dev/null unless the spec asks
/// for a terminal. Must be called while the process is single-threaded.
pub fn spawn(spec: &Spec, opts: &SpawnOptions) -> Result<Process, Error> {
    let _ = (spec, opts);
    Err(Error::Setup("spawn: not implemented yet".into()))
}
