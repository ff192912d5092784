//! The on-disk store: content-addressed blobs, unpacked layers, the image
//! index and containers' records, shared by every `rcon` process on the host.
//!
//! Layout under the root (default `/var/lib/rcon`):
//!
//! ```text
//! blobs/sha256/<hex>        manifests, configs (and compressed layers when kept)
//! layers/<chain-hex>/diff/  one unpacked layer, an overlayfs lower dir
//! layers/<chain-hex>/layer.json  its diff ID, parent chain ID and size
//! rcon.db                   the database: containers', pods', images', volumes' and networks' rows, names (db.rs)
//! volumes/<name>/_data      a volume's data (its record is a row)
//! owners/<id>               the process still to finish container <id> (container::cleanup)
//! containers/<id>/          one container: config.json, upper/, work/, merged/, logs
//! events.log, events.log.1  the event log of `rcon events` (see events.rs)
//! tmp/                      staging for half-written blobs and layers
//! store.lock                the store-wide lock (flock)
//! ```
//!
//! Invariants: nothing is visible under `blobs/` or `layers/` until it is
//! complete and verified (written under `tmp/`, then renamed); the index only
//! names blobs and layers that exist. A crash leaves garbage only in `tmp/`,
//! which the next pull clears ([`Store::clean_tmp`]).
//!
//! This module must not talk to registries or start processes.

mod blobs;
mod containers;
pub mod db;
pub mod events;
mod images;
mod layers;
mod lock;
mod mounts;
pub mod pods;
mod rows;
mod volumes;

pub use blobs::BlobWriter;
pub use containers::{
    ContainerQuery, ContainerRecord, ContainerRow, ContainerState, ContainerStatus, Health, HealthOnFailure,
    HealthProbe, Healthcheck, process_alive, process_start_time,
};
pub use images::{DamagedImage, ImageRecord};
pub use layers::{LayerBlob, LayerInfo, LayerStaging};
pub use lock::StoreLock;
pub use mounts::{MountKind, MountPoint};
pub use pods::{PodError, PodRecord};
pub use volumes::{DamagedRow, NetworkRecord, VolumeQuery, VolumeRecord};

use std::path::{Path, PathBuf};

/// Errors from the store. Every variant names the path, digest, image or
/// container it is about.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O error on a path of the store.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A JSON record of the store cannot be read.
    #[error("corrupt store record {path}: {source}")]
    Corrupt {
        /// The record file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Written content does not hash to what it was expected to.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    DigestMismatch {
        /// What was written (a blob, a layer).
        what: String,
        /// The digest it should have.
        expected: crate::digest::Digest,
        /// The digest it has.
        actual: crate::digest::Digest,
    },
    /// No image matches a reference or ID.
    #[error("No such image: {0}")]
    NoSuchImage(String),
    /// No container matches a name or ID.
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    /// An ID prefix matches more than one object.
    #[error("{what} `{prefix}` is ambiguous: it matches {count} objects; give more characters of the ID")]
    Ambiguous {
        /// "image" or "container".
        what: &'static str,
        /// The prefix given.
        prefix: String,
        /// How many matched.
        count: usize,
    },
    /// A container name is taken.
    #[error(
        "Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name"
    )]
    NameInUse {
        /// The name asked for.
        name: String,
        /// The container holding it.
        id: String,
    },
    /// An image is used by containers and cannot be removed without force.
    #[error("unable to delete {image} (must be forced) - image is being used by container {container}")]
    ImageInUse {
        /// The image reference or short ID.
        image: String,
        /// The short ID of a container that uses it.
        container: String,
    },
    /// An image names a layer that is not in the store.
    #[error("image {image}: layer {chain_id} is missing from the store; pull the image again")]
    MissingLayer {
        /// The image ID.
        image: crate::digest::Digest,
        /// The missing layer's chain ID.
        chain_id: crate::digest::Digest,
    },
    /// A running container (its full ID) cannot be removed without force
    /// (docker's daemon's words).
    #[error("You cannot remove a running container {0}. Stop the container before attempting removal or force remove")]
    ContainerRunning(String),
    /// The store database cannot be used.
    #[error("{0}")]
    Db(#[from] db::DbError),
    /// The database was made by a newer rcon.
    #[error("store database {path} has schema version {version}, this rcon knows up to {supported}: use a newer rcon")]
    DbTooNew {
        /// The database file.
        path: PathBuf,
        /// Its version.
        version: i64,
        /// The newest version this rcon knows.
        supported: i64,
    },
    /// An image's record in the database cannot be read.
    #[error(
        "image {id} is damaged in the store database ({problem}); `rcon system check --repair` removes it, then pull or build it again"
    )]
    BrokenImage {
        /// Its ID (`sha256:…`).
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// A volume's or network's record in the database cannot be read.
    #[error(
        "{kind} {name} is damaged in the store database ({problem}); `rcon system check --repair` fixes or removes it"
    )]
    BrokenRow {
        /// `volume` or `network`.
        kind: &'static str,
        /// Its name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// A network name is taken.
    #[error("network with name {0} already exists")]
    NetworkExists(String),
    /// A container's files cannot be read; only `rm -f` can act on it.
    #[error("container {id} is damaged ({problem}); remove it with `rcon rm -f {id}`")]
    BrokenContainer {
        /// Its ID.
        id: String,
        /// What is wrong.
        problem: String,
    },
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Attaches the path to an I/O error.
pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.into();
    move |source| StoreError::Io { path, source }
}

/// An opened store: a root for persistent data and a run root for state that
/// must not survive a reboot (e.g. pids).
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    run_root: PathBuf,
    /// The database connection kept between operations, shared by clones
    /// (see [`Store::keep_connection`]); `None`: one per operation.
    conn: Option<std::sync::Arc<db::ConnSlot>>,
    /// A removed container's directory, once moved into `tmp/`, is deleted
    /// by a thread of its own (see [`Store::remove_in_background`]).
    background_removal: bool,
}

impl Store {
    /// Opens (creating if needed) the store at `root`, with run state under
    /// `run_root`. Errors: the directories cannot be created.
    pub fn open(root: &Path, run_root: &Path) -> Result<Store> {
        let store =
            Store { root: root.to_path_buf(), run_root: run_root.to_path_buf(), conn: None, background_removal: false };
        for dir in
            [store.blobs_dir(), store.layers_dir(), store.containers_dir(), store.tmp_dir(), store.run_root.clone()]
        {
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        }
        Ok(store)
    }

    /// The store root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The run-state root (`/run/rcon` by default).
    pub fn run_root(&self) -> &Path {
        &self.run_root
    }

    /// `blobs/sha256/`.
    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    /// `layers/`: the directory overlayfs lower dirs are named relative to.
    pub fn layers_dir(&self) -> PathBuf {
        self.root.join("layers")
    }

    /// `containers/`.
    pub fn containers_dir(&self) -> PathBuf {
        self.root.join("containers")
    }

    /// `tmp/`: staging area on the same filesystem as blobs and layers, so
    /// that a finished file or directory is published with one rename.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
}

/// Writes `value` as JSON to `path` atomically: a temp file beside it, fsync,
/// then rename, so readers see the old or the new record, never half of one.
pub(crate) fn write_json_atomic<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_json(path, value, true)
}

/// [`write_json_atomic`] without the fsync: for container records, which
/// are rewritten on the hot path of `rcon run` and worthless after a crash
/// of the host anyway (the containers are gone then too).
pub(crate) fn write_json_fast<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_json(path, value, false)
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T, durable: bool) -> Result<()> {
    let data =
        serde_json::to_vec_pretty(value).map_err(|source| StoreError::Corrupt { path: path.to_path_buf(), source })?;
    crate::util::write_atomic(path, &data, 0o666, durable).map_err(io_err(path))
}

/// Reads a JSON record; `Ok(None)` when the file does not exist.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(data) => serde_json::from_slice(&data)
            .map(Some)
            .map_err(|source| StoreError::Corrupt { path: path.to_path_buf(), source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}
