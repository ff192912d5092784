//! Containers' records: `containers/<id>/config.json` (what the container
//! is, written once at create) and `state.json` (what it is doing, rewritten
//! atomically on every change). Names are claimed under the store lock.

use super::{Result, Store, StoreError, io_err, read_json, write_json_atomic};
use crate::digest::Digest;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a container is: fixed at create time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerRecord {
    /// 64 hex digits.
    pub id: String,
    /// Unique name, without docker's leading `/`.
    pub name: String,
    /// The image reference as the user gave it (shown by `ps`).
    pub image: String,
    /// The image ID.
    pub image_id: Digest,
    /// Chain IDs of the image's layers, base first (kept while the container
    /// exists, even if the image is removed).
    pub layers: Vec<Digest>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// The process as it will run: argv[0] and arguments (entrypoint + cmd).
    pub command: Vec<String>,
    /// Remove the container when it exits (`--rm`).
    #[serde(default)]
    pub auto_remove: bool,
    /// The OCI runtime spec it runs with (process, mounts, namespaces…).
    pub spec: serde_json::Value,
}

/// Lifecycle status, with docker's names.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    /// Created, never started.
    Created,
    /// Its process is running.
    Running,
    /// Its process has exited.
    Exited,
}

/// What a container is doing: rewritten atomically on every change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerState {
    /// Status.
    pub status: ContainerStatus,
    /// Host pid of the container's init while running.
    #[serde(default)]
    pub pid: Option<i32>,
    /// Exit code (128+N for signal N) once exited.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// When the process last started.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// When the process last exited.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// The kernel's OOM killer ended it.
    #[serde(default)]
    pub oom_killed: bool,
    /// Why it could not start, if it could not.
    #[serde(default)]
    pub error: Option<String>,
}

impl ContainerState {
    /// The state of a container that was just created.
    pub fn created() -> ContainerState {
        ContainerState {
            status: ContainerStatus::Created,
            pid: None,
            exit_code: None,
            started_at: None,
            finished_at: None,
            oom_killed: false,
            error: None,
        }
    }
}

impl Store {
    /// `containers/<id>/`.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.containers_dir().join(id)
    }

    /// Records a new container. Claims its name under the store lock: fails
    /// with [`StoreError::NameInUse`] if another container has it. Creates
    /// `upper/`, `work/` and `merged/` for its overlay rootfs.
    pub fn create_container(&self, record: &ContainerRecord) -> Result<()> {
        let _lock = self.lock()?;
        for other in self.containers()? {
            if other.name == record.name {
                return Err(StoreError::NameInUse { name: record.name.clone(), id: other.id });
            }
        }
        let dir = self.container_dir(&record.id);
        for sub in ["upper", "work", "merged"] {
            let p = dir.join(sub);
            std::fs::create_dir_all(&p).map_err(io_err(&p))?;
        }
        write_json_atomic(&dir.join("state.json"), &ContainerState::created())?;
        // config.json last: a directory without it is a half-made container
        // that `containers()` skips and `gc` removes.
        write_json_atomic(&dir.join("config.json"), record)
    }

    /// Every container with a complete record, oldest first.
    pub fn containers(&self) -> Result<Vec<ContainerRecord>> {
        let dir = self.containers_dir();
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            if let Some(rec) = read_json::<ContainerRecord>(&entry.path().join("config.json"))? {
                out.push(rec);
            }
        }
        out.sort_by_key(|r| r.created);
        Ok(out)
    }

    /// Finds a container by name, full ID or unique ID prefix.
    /// Errors: [`StoreError::NoSuchContainer`], [`StoreError::Ambiguous`].
    pub fn find_container(&self, name_or_id: &str) -> Result<ContainerRecord> {
        let all = self.containers()?;
        if let Some(c) = all.iter().find(|c| c.name == name_or_id || c.id == name_or_id) {
            return Ok(c.clone());
        }
        let name = name_or_id.strip_prefix('/').unwrap_or(name_or_id);
        if let Some(c) = all.iter().find(|c| c.name == name) {
            return Ok(c.clone());
        }
        let matches: Vec<&ContainerRecord> = if name_or_id.is_empty() {
            Vec::new()
        } else {
            all.iter().filter(|c| c.id.starts_with(name_or_id)).collect()
        };
        match matches.len() {
            0 => Err(StoreError::NoSuchContainer(name_or_id.to_string())),
            1 => Ok(matches[0].clone()),
            count => Err(StoreError::Ambiguous { what: "container", prefix: name_or_id.to_string(), count }),
        }
    }

    /// The container's current state; a container whose recorded process is
    /// gone (its monitor or rcon was killed) is reported as exited.
    pub fn container_state(&self, id: &str) -> Result<ContainerState> {
        let path = self.container_dir(id).join("state.json");
        let mut state = read_json::<ContainerState>(&path)?.unwrap_or_else(ContainerState::created);
        if state.status == ContainerStatus::Running {
            let alive =
                state.pid.is_some_and(|pid| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok());
            if !alive {
                state.status = ContainerStatus::Exited;
                state.exit_code.get_or_insert(137);
                state.pid = None;
            }
        }
        Ok(state)
    }

    /// Locks one container (flock on `<run root>/<id>.lock`) while its
    /// process is stopped and its record removed, or its exit recorded.
    pub fn lock_container(&self, id: &str) -> Result<super::StoreLock> {
        super::StoreLock::exclusive(&self.run_root.join(format!("{id}.lock")))
    }

    /// Replaces the container's state record.
    pub fn set_container_state(&self, id: &str, state: &ContainerState) -> Result<()> {
        write_json_atomic(&self.container_dir(id).join("state.json"), state)
    }

    /// Deletes the container's directory (record, upper dir, logs). The
    /// caller makes sure its process is gone and nothing is mounted there.
    /// The record goes first, so a crash midway leaves an anonymous
    /// directory for `gc`, never a container without its files.
    pub fn remove_container(&self, id: &str) -> Result<()> {
        let dir = self.container_dir(id);
        let cfg = dir.join("config.json");
        match std::fs::remove_file(&cfg) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&cfg)(e)),
        }
        let _ = std::fs::remove_file(self.run_root.join(format!("{id}.lock")));
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&dir)(e)),
        }
    }
}
