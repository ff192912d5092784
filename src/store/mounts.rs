//! A container's own mounts as its record persists them: binds, volumes
//! and tmpfs (`-v`, `--mount`, `--tmpfs`, image `VOLUME`s). The flags are
//! parsed, and the mounts prepared and put in the spec, by `volume`.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a mount is, with docker's `Type` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A volume of the store.
    Volume,
    /// A fresh tmpfs.
    Tmpfs,
}

/// One of a container's own mounts, as recorded in its record and shown by
/// `inspect` (`Mounts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountPoint {
    /// Bind, volume or tmpfs.
    pub kind: MountKind,
    /// The volume's name (volumes only; empty for an anonymous volume not yet created).
    #[serde(default)]
    pub name: String,
    /// The host path mounted: the bind source, or the volume's `_data`.
    #[serde(default)]
    pub source: PathBuf,
    /// Absolute path inside the container.
    pub destination: String,
    /// Writable.
    pub rw: bool,
    /// docker's `Mode`: the SELinux word given (`z`, `Z`) or empty.
    #[serde(default)]
    pub mode: String,
    /// Propagation (`rprivate` by default for binds, empty for volumes and tmpfs).
    #[serde(default)]
    pub propagation: String,
    /// An anonymous volume.
    #[serde(default)]
    pub anonymous: bool,
    /// `nocopy`: no copy-up of the image's content into a new volume.
    #[serde(default)]
    pub nocopy: bool,
    /// Create a missing bind source as a directory (`-v`; `--mount` refuses).
    #[serde(default)]
    pub create_source: bool,
    /// tmpfs options (`size=…`, `mode=…`).
    #[serde(default)]
    pub tmpfs_options: Vec<String>,
}
