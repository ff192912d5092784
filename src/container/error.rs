//! The errors of `container`: [`Error`], one variant per failed step, each
//! naming the container, flag, path or process it is about.
//!
//! Messages that docker's daemon gives for the same failure keep its words
//! exactly (`Container 3f… is not running`, `Invalid filter 'x'`):
//! docker's CLI and clients compare them ([`Error::is_daemons`] tells the
//! front ends which). An error of a lower layer (store, runtime, network,
//! volume, registry, image) is wrapped with its own message and kept as the
//! `source`, so the front ends still find it by type in the chain (a
//! missing container is the store's `NoSuchContainer`, a command that
//! cannot run is the runtime's 126/127) and `util::error_chain` prints it
//! once.

use std::path::PathBuf;

/// An error of any type, boxed: a parallel step's (see
/// [`super::parallel`]), an encoder's.
pub type Untyped = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of container management. See the module documentation for the
/// wording and the chain. [`Error::kind`] sorts them for the front ends
/// (API statuses).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag's value is invalid: `{flag}: {reason}` (`--memory: minimum
    /// memory limit allowed is 6MB`).
    #[error("{flag}: {reason}")]
    BadFlag {
        /// The flag as the user wrote it (`--cpus`, `--security-opt`).
        flag: String,
        /// What is wrong, and what to give instead.
        reason: String,
    },
    /// A duration flag (`--health-interval`) that is not a Go duration.
    #[error("{flag}")]
    BadDuration {
        /// The flag, with its dashes.
        flag: String,
        /// The parse error (names the value).
        source: crate::units::InvalidDuration,
    },
    /// A file a flag names cannot be used: `{flag}: cannot {step}`
    /// (`--env-file: cannot read ./env`).
    #[error("{flag}: cannot {step}")]
    FlagFile {
        /// The flag.
        flag: &'static str,
        /// The step with the file (`read ./env`, `use /dev/nosuch`).
        step: String,
        /// The file system's error.
        source: std::io::Error,
    },
    /// Input rcon or docker refuses, in their words where they have some
    /// (`invalid signal: SIGNOPE`, `Invalid container name (a/b), only
    /// [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, `no command specified`).
    #[error("{0}")]
    Invalid(String),
    /// A `ps --filter` key docker does not know (docker's daemon's words).
    #[error("Invalid filter '{0}'")]
    InvalidFilter(String),
    /// The `--userns`, `--uidmap`, `--gidmap`, `--subuidname` or
    /// `--subgidname` flags cannot be honoured: what is wrong and what to
    /// give or configure instead (`/etc/subuid`).
    #[error("{0}")]
    Userns(String),
    /// The container (its full ID) does not run (docker's daemon's words,
    /// `exec`).
    #[error("Container {0} is not running")]
    NotRunning(String),
    /// `kill` of a container that does not run (docker's daemon's words).
    #[error("Cannot kill container: {name}: Container {id} is not running")]
    CannotKill {
        /// The name or ID as given.
        name: String,
        /// Its full ID.
        id: String,
    },
    /// `pause`, `unpause` or `top` of a container (as named) that does not run.
    #[error("container {0} is not running")]
    Stopped(String),
    /// `exec` in a paused container (docker's daemon's words; the name as given).
    #[error("Container {0} is paused, unpause the container before exec")]
    Paused(String),
    /// `pause` of a paused container (its full ID; docker's daemon's words).
    #[error("Container {0} is already paused")]
    AlreadyPaused(String),
    /// `unpause` of a container that is not paused (its full ID; docker's
    /// daemon's words).
    #[error("Container {0} is not paused")]
    NotPaused(String),
    /// The container shares its cgroup with other processes: freezing it
    /// would freeze them.
    #[error("container {0} has no cgroup of its own to freeze")]
    NoOwnCgroup(String),
    /// `--pull never` and the image is not in the store.
    #[error("No such image: {0} (and --pull=never was given)")]
    NoImage(String),
    /// The container was removed while a `stop` of it began.
    #[error("container {0} was removed")]
    Removed(String),
    /// The store lists the container but its record is damaged; `rm -f`
    /// removes it.
    #[error("container {name} is damaged ({problem}); `rcon rm -f {name}` removes it")]
    Damaged {
        /// The name or ID as given.
        name: String,
        /// What is wrong with its record.
        problem: String,
    },
    /// The container's files are incomplete: the rcon that created it died.
    #[error(
        "container {name} was not completely created ({} is missing: the rcon that created it was killed?); remove it with `rcon rm {name}` and create it again",
        missing.display()
    )]
    Incomplete {
        /// Its name (or short ID).
        name: String,
        /// The missing file.
        missing: PathBuf,
    },
    /// A layer of the container's image has left the store.
    #[error(
        "container {name}: layer {layer} of its image {image} is no longer in the store (the image was removed, e.g. by `rmi -f`, while the container was created); remove the container with `rcon rm {name}`, pull the image again and recreate it"
    )]
    LayerGone {
        /// Its name (or short ID).
        name: String,
        /// The layer's chain ID.
        layer: String,
        /// The image as the container names it.
        image: String,
    },
    /// The container whose namespaces this one joins (a pod's infra) is gone.
    #[error("the container {0} whose namespaces this one joins (its pod's infra) is gone")]
    JoinedGone(String, #[source] crate::store::StoreError),
    /// The container whose namespaces this one joins does not run.
    #[error(
        "the container {0} whose namespaces this one joins (its pod's infra) is not running; start it first (`rcon pod start`, or `rcon start {0}`)"
    )]
    JoinedNotRunning(String),
    /// A container's process outlived SIGKILL (an uninterruptible sleep,
    /// e.g. a hung NFS mount).
    #[error("container {name} (pid {pid}) did not exit after SIGKILL")]
    DidNotExit {
        /// The container as named.
        name: String,
        /// The process.
        pid: i32,
    },
    /// Ten generated names were taken.
    #[error("could not generate a unique container name; pass --name")]
    NoUniqueName,
    /// `rename` to a name that cannot be claimed (docker's daemon's words).
    #[error("Error when allocating new name: {0}")]
    Rename(String, #[source] crate::store::StoreError),
    /// `port` of a port the container does not publish (docker's words).
    #[error("No public port '{port}' published for {name}")]
    NoPublicPort {
        /// `NUMBER/PROTO`.
        port: String,
        /// The container as named.
        name: String,
    },
    /// No cgroup file system is mounted (`update` of a running container).
    #[error("no cgroup filesystem is mounted")]
    NoCgroupFs,
    /// The live cgroup refused `update`'s limits (docker's words).
    #[error("Cannot update container {0}")]
    CannotUpdate(String, #[source] crate::runtime::Error),
    /// The image's config blob is not a valid image config.
    #[error("image {image}: cannot parse its config")]
    ImageConfig {
        /// The image ID.
        image: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The image's `Healthcheck` is not docker's shape.
    #[error("cannot parse the image's Healthcheck")]
    ImageHealthcheck(#[source] serde_json::Error),
    /// The container's recorded runtime spec cannot be read.
    #[error("container {name}: cannot read its runtime spec")]
    StoredSpec {
        /// The container (short ID or name).
        name: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The runtime spec cannot be built or encoded (a bug: report it).
    #[error("cannot build the runtime spec")]
    BuildSpec(#[source] Untyped),
    /// A file operation of the container's directory: `cannot {step} {path}`.
    #[error("cannot {step} {}", path.display())]
    Io {
        /// The operation (`create`, `write`, `read`, `open log`).
        step: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The file system's error.
        source: std::io::Error,
    },
    /// A system call failed: `cannot {step}`.
    #[error("cannot {step}")]
    Sys {
        /// The step with its object (`allocate a pseudo-terminal`,
        /// `kill container web: signal SIGTERM to pid 42`).
        step: String,
        /// The system call's error.
        source: nix::errno::Errno,
    },
    /// `ps(1)` cannot be run (`top`).
    #[error("cannot run ps(1) (Debian package procps): rcon top needs it")]
    PsMissing(#[source] std::io::Error),
    /// `ps(1)` failed or printed what `top` cannot read.
    #[error("{0}")]
    Ps(String),
    /// The monitor could not start the container; its report as text (the
    /// chain of the error in the monitor's process).
    #[error("{0}")]
    Monitor(String),
    /// The monitor died before it reported.
    #[error("the monitor of container {0} died before the container started")]
    MonitorDied(String),
    /// A `wait` stopped early (its caller cancelled it: the API client left).
    #[error("the wait for container {0} was cancelled")]
    WaitCancelled(String),
    /// A parallel step failed in its own process; its error chain as text.
    #[error("{0}")]
    Step(String),
    /// The one parallel step run in this process failed: its error.
    #[error("{0}")]
    StepFailed(#[source] Untyped),
    /// A parallel step's process ended without a report.
    #[error("step process {pid} ended with {status}")]
    StepDied {
        /// The process.
        pid: i32,
        /// Its wait status.
        status: String,
    },
    /// The runtime could not start the container (its short ID).
    #[error("cannot start container {0}")]
    Start(String, #[source] crate::runtime::Error),
    /// The runtime failed.
    #[error("{0}")]
    Runtime(#[from] crate::runtime::Error),
    /// The store failed (among others: no such container, name in use).
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    /// Networking failed.
    #[error("{0}")]
    Network(#[from] crate::network::Error),
    /// A volume or mount flag failed.
    #[error("{0}")]
    Volume(#[from] crate::volume::VolumeError),
    /// Pulling the image failed.
    #[error("{0}")]
    Registry(#[from] crate::registry::RegistryError),
    /// The image reference is malformed.
    #[error("{0}")]
    Reference(#[from] crate::reference::ReferenceError),
    /// Writing an export archive failed.
    #[error("{0}")]
    Archive(#[from] crate::image::archive::ArchiveError),
}

/// How the front ends treat an [`Error`] (the API's status: 400, 404, 409,
/// 500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad input: a flag, a filter, a name (400).
    BadInput,
    /// The object is missing (404).
    NotFound,
    /// The container's state forbids it (409).
    Conflict,
    /// A lower layer's error: look at the `source` for its kind.
    Wrapped,
    /// Anything else (500).
    Other,
}

impl Error {
    /// Sorts the error for the front ends (see [`Kind`]).
    pub fn kind(&self) -> Kind {
        use Error as E;
        match self {
            E::BadFlag { .. }
            | E::BadDuration { .. }
            | E::FlagFile { .. }
            | E::Invalid(_)
            | E::InvalidFilter(_)
            | E::Userns(_) => Kind::BadInput,
            E::Removed(_) | E::NoImage(_) | E::NoPublicPort { .. } => Kind::NotFound,
            E::NotRunning(_)
            | E::CannotKill { .. }
            | E::Stopped(_)
            | E::Paused(_)
            | E::AlreadyPaused(_)
            | E::NotPaused(_)
            | E::NoOwnCgroup(_)
            | E::Damaged { .. }
            | E::JoinedNotRunning(_) => Kind::Conflict,
            E::Rename(..)
            | E::StepFailed(_)
            | E::Start(..)
            | E::Runtime(_)
            | E::Store(_)
            | E::Network(_)
            | E::Volume(_)
            | E::Registry(_)
            | E::Reference(_)
            | E::Archive(_) => Kind::Wrapped,
            _ => Kind::Other,
        }
    }

    /// True when docker's daemon gives this error in the same words, so
    /// docker's CLI prints it after `Error response from daemon: ` (and
    /// exits 1).
    pub fn is_daemons(&self) -> bool {
        matches!(
            self,
            Error::NotRunning(_)
                | Error::CannotKill { .. }
                | Error::Paused(_)
                | Error::AlreadyPaused(_)
                | Error::NotPaused(_)
                | Error::InvalidFilter(_)
        )
    }

    /// A [`Error::BadFlag`].
    pub(crate) fn flag(flag: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::BadFlag { flag: flag.into(), reason: reason.into() }
    }

    /// A closure making an [`Error::Io`] for `step` on `path`, for `map_err`.
    pub(crate) fn io(step: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { step, path, source }
    }

    /// A closure making an [`Error::Sys`] for `step`, for `map_err`.
    pub(crate) fn sys(step: impl Into<String>) -> impl FnOnce(nix::errno::Errno) -> Error {
        let step = step.into();
        move |source| Error::Sys { step, source }
    }
}

impl From<oci_spec::OciSpecError> for Error {
    /// A runtime spec builder refused its fields: [`Error::BuildSpec`].
    fn from(e: oci_spec::OciSpecError) -> Error {
        Error::BuildSpec(e.into())
    }
}

/// Results of `container`.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_errors_keep_their_type_and_print_once() {
        let e = Error::from(crate::store::StoreError::NoSuchContainer("web".into()));
        assert_eq!(crate::util::error_chain(&e), "No such container: web");
        let any = anyhow::Error::from(e);
        assert!(any.chain().any(|c| matches!(
            c.downcast_ref::<crate::store::StoreError>(),
            Some(crate::store::StoreError::NoSuchContainer(n)) if n == "web"
        )));
    }

    #[test]
    fn volume_errors_keep_their_type() {
        let e = Error::from(crate::volume::VolumeError::NoSuchVolume("data".into()));
        let e = anyhow::Error::from(e);
        assert_eq!(crate::util::error_chain(e.as_ref()), "no such volume: data");
        assert!(e.chain().any(|c| c.is::<crate::volume::VolumeError>()));
    }

    #[test]
    fn kinds() {
        assert_eq!(Error::flag("--cpus", "invalid value \"x\"").kind(), Kind::BadInput);
        assert_eq!(Error::flag("--cpus", "invalid value \"x\"").to_string(), "--cpus: invalid value \"x\"");
        assert_eq!(Error::NotRunning("abc".into()).kind(), Kind::Conflict);
        assert!(Error::NotRunning("abc".into()).is_daemons());
        assert!(!Error::Stopped("web".into()).is_daemons());
        assert_eq!(Error::Removed("web".into()).kind(), Kind::NotFound);
        assert_eq!(Error::NoUniqueName.kind(), Kind::Other);
    }
}
