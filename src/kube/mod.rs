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

pub mod build;
pub mod generate;
pub mod play;
pub mod yaml;

pub use build::BuildPolicy;
pub use generate::{GenerateOptions, Kind, generate};
pub use play::{PlayOptions, Report, down, play};
