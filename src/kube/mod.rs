//! Kubernetes YAML: `rcon kube play` (Pods, Deployments, DaemonSets, Jobs,
//! Services, ConfigMaps, Secrets, PersistentVolumeClaims run as rcon pods,
//! containers and volumes; see [`play`]) and `rcon kube generate` (YAML
//! the Kubernetes API accepts, from containers and pods; see
//! [`generate`]).
//!
//! This module calls the engine (`pod`, `container`, `volume`, `network`)
//! as a user's sequence of commands would, and never the CLI. YAML goes
//! through `serde_yaml_ng`; [`yaml::Obj`] reads it with paths so that
//! unsupported fields are reported, not dropped.

/// Errors of `kube play` and `kube generate`. YAML that rcon cannot play
/// is [`Error::Invalid`], its message naming the YAML path
/// (`spec.containers[0].image: expected a string`). A lower layer's error
/// is wrapped with its own message and kept as the `source`, so the front
/// ends still find it by type in the chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A YAML document cannot be parsed (its position, from 1).
    #[error("YAML document {index}")]
    Document {
        /// The document's position in the file, from 1.
        index: usize,
        /// The parser's error.
        #[source]
        source: serde_yaml_ng::Error,
    },
    /// YAML or a flag that rcon cannot play, naming the YAML path or the
    /// flag, and what to give instead.
    #[error("{0}")]
    Invalid(String),
    /// An error about the field at a YAML path (`…resources.limits.memory`).
    #[error("{at}")]
    At {
        /// The YAML path.
        at: String,
        /// The error.
        #[source]
        source: Box<Error>,
    },
    /// An error in the documents of `--configmap`.
    #[error("--configmap")]
    ConfigMapFlag(#[source] Box<Error>),
    /// The pod of a workload exists already.
    #[error("a pod named {0} already exists: remove it, or play with --replace")]
    PodExists(String),
    /// An init container failed.
    #[error("init container {container} exited with code {code}")]
    InitFailed {
        /// The container's name in the YAML.
        container: String,
        /// Its exit code.
        code: i32,
    },
    /// Playing one pod failed (its name).
    #[error("pod {pod}")]
    Pod {
        /// The pod's name.
        pod: String,
        /// The error (from the process that played it).
        #[source]
        source: Box<crate::container::Error>,
    },
    /// A container of a pod (or an init container) cannot be created or run.
    #[error("{what}")]
    ContainerStep {
        /// `container NAME` or `init container NAME`.
        what: String,
        /// The error.
        #[source]
        source: Box<crate::container::Error>,
    },
    /// The volume of a PersistentVolumeClaim cannot be created.
    #[error("PersistentVolumeClaim {claim}")]
    Claim {
        /// The claim's name.
        claim: String,
        /// The error.
        #[source]
        source: crate::volume::VolumeError,
    },
    /// A `hostPath` volume cannot be created.
    #[error("hostPath {path}")]
    HostPath {
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A file of rcon's (ConfigMap and Secret files) cannot be written or
    /// removed.
    #[error("cannot {what} {}", path.display())]
    File {
        /// `create`, `write`, `chmod`, `remove`.
        what: &'static str,
        /// The file or directory.
        path: std::path::PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// An image of the YAML cannot be built from its directory.
    #[error("building image {image} from {}", dir.display())]
    Build {
        /// The image.
        image: String,
        /// The build context.
        dir: std::path::PathBuf,
        /// The builder's error.
        #[source]
        source: Box<crate::build::executor::BuildError>,
    },
    /// A container's stored runtime spec cannot be read (`generate`).
    #[error("container {container}: cannot read its runtime spec")]
    Spec {
        /// The container's name.
        container: String,
        /// The error.
        #[source]
        source: serde_json::Error,
    },
    /// Writing the generated YAML failed.
    #[error("cannot write YAML")]
    Emit(#[source] serde_yaml_ng::Error),
    /// A container operation failed.
    #[error("{0}")]
    Container(#[from] Box<crate::container::Error>),
    /// A compose project's containers cannot be listed (`generate`).
    #[error("{0}")]
    Compose(#[from] crate::compose::Error),
    /// A pod operation failed.
    #[error("{0}")]
    PodOp(#[from] crate::pod::Error),
    /// The pod records failed (among others: no such pod).
    #[error("{0}")]
    PodRecord(#[from] crate::store::PodError),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

impl From<crate::container::Error> for Error {
    fn from(e: crate::container::Error) -> Error {
        Error::Container(Box::new(e))
    }
}

/// `kube`'s results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An [`Error::Invalid`] with a formatted message.
macro_rules! invalid {
    ($($t:tt)*) => {
        $crate::kube::Error::Invalid(format!($($t)*))
    };
}
pub mod build;
pub mod generate;
pub mod play;
pub mod yaml;

pub use build::BuildPolicy;
pub use generate::{GenerateOptions, Kind, generate};
pub use play::{PlayOptions, Report, down, play};
