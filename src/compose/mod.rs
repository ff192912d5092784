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
