//! `rcon compose`: multi-container applications described by the Compose
//! Specification, run on rcon's own engine, as docker compose v2 does.
//!
//! - [`model`]: files, `.env`, interpolation, checks, normalization,
//!   `extends`, `include`, merge, profiles. Pure: touches no store.
//! - [`emit`]: the normalized model as `docker compose config` prints it.
//! - [`engine`]: turns the model into engine calls (networks, volumes,
//!   builds, pulls, containers) and finds a project's objects again by
//!   their `com.docker.compose.*` labels, so that `up` recreates only what
//!   changed and `down`/`ps` work from any directory with `-p`.
//! - [`logs`]: several containers' logs, interleaved with coloured
//!   `service-1  | ` prefixes.
//!
//! It calls the engine exactly as a user's sequence of commands would
//! (`container::create`/`start`/`stop`/`remove`, `network::`, `volume::`,
//! `build::`, `registry::`) and never the CLI. It starts no thread: the
//! engine forks monitors (ARCHITECTURE.md hazard 1), so work runs one
//! step at a time in this process.

/// Errors of the compose engine (`up`, `down`, `run`, `push`…). A compose
/// file or flag rcon cannot follow is [`Error::Invalid`], a container that
/// exits or stays unhealthy while compose waits for it [`Error::Failed`];
/// both name the service or container. A lower layer's error is wrapped
/// with its own message and kept as the `source`, so the front ends still
/// find it by type in the chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A service named on the command line that the project lacks.
    #[error("no such service: {0}")]
    NoSuchService(String),
    /// `depends_on` forms a cycle among these services.
    #[error("dependency cycle among {0:?}")]
    DependencyCycle(Vec<String>),
    /// A compose file's content or a flag that rcon cannot follow (the
    /// message names the service, key or flag, and what to do).
    #[error("{0}")]
    Invalid(String),
    /// A container exited, is unhealthy, or did not become healthy in time
    /// while compose waited for it (the message names it).
    #[error("{0}")]
    Failed(String),
    /// A step on a service, container, network or volume failed; `step`
    /// names it (`service web`, `container app-web-1: network back`).
    #[error("{step}")]
    Step {
        /// The step and its object.
        step: String,
        /// The error.
        #[source]
        source: Box<Error>,
    },
    /// A container operation failed.
    #[error("{0}")]
    Container(#[from] crate::container::Error),
    /// A network cannot be created or connected.
    #[error("{0}")]
    Network(#[from] crate::network::Error),
    /// A volume cannot be created or removed.
    #[error("{0}")]
    Volume(#[from] crate::volume::VolumeError),
    /// A pull or push failed.
    #[error("{0}")]
    Registry(#[from] crate::registry::RegistryError),
    /// An image reference cannot be parsed.
    #[error("{0}")]
    Reference(#[from] crate::reference::ReferenceError),
    /// A service's image cannot be built.
    #[error("{0}")]
    Build(#[from] Box<crate::build::executor::BuildError>),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    /// A file (generated secrets and configs, logs) cannot be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<crate::build::executor::BuildError> for Error {
    fn from(e: crate::build::executor::BuildError) -> Error {
        Error::Build(Box::new(e))
    }
}

/// The compose engine's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds the step an error happened in ([`Error::Step`]).
pub(crate) trait StepContext<T> {
    /// Wraps the error in [`Error::Step`] named by `step()`.
    fn step(self, step: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<Error>> StepContext<T> for std::result::Result<T, E> {
    fn step(self, step: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::Step { step: step(), source: Box::new(e.into()) })
    }
}

/// An [`Error::Invalid`] with a formatted message.
macro_rules! invalid {
    ($($t:tt)*) => {
        $crate::compose::Error::Invalid(format!($($t)*))
    };
}

/// An [`Error::Failed`] with a formatted message.
macro_rules! failed {
    ($($t:tt)*) => {
        $crate::compose::Error::Failed(format!($($t)*))
    };
}

pub mod emit;
pub mod engine;
pub mod interpolate;
pub mod logs;
pub mod model;

pub use model::{LoadOptions, ModelError, Project, load};

/// docker compose's label keys.
pub mod labels {
    /// The project name.
    pub const PROJECT: &str = "com.docker.compose.project";
    /// The service name.
    pub const SERVICE: &str = "com.docker.compose.service";
    /// The replica number (1-based).
    pub const NUMBER: &str = "com.docker.compose.container-number";
    /// `True` for `compose run` containers.
    pub const ONEOFF: &str = "com.docker.compose.oneoff";
    /// Hash of the service's normalized configuration.
    pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
    /// The project directory.
    pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
    /// The files, comma-separated.
    pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
    /// The compose version that made it.
    pub const VERSION: &str = "com.docker.compose.version";
    /// The image ID the container was made from.
    pub const IMAGE: &str = "com.docker.compose.image";
    /// `svc:condition:restart` entries, comma-separated.
    pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
    /// A volume's key in the file.
    pub const VOLUME: &str = "com.docker.compose.volume";
    /// A network's key in the file.
    pub const NETWORK: &str = "com.docker.compose.network";
}

/// The version rcon reports as its compose implementation (`compose version`).
pub const VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));
