//! Containers' records: `containers/<id>/config.json` (what the container
//! is, written once at create) and `state.json` (what it is doing, rewritten
//! atomically on every change). Names are claimed under the store lock.

use super::{Result, Store, StoreError, io_err, read_json, write_json_fast};
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
    /// The user to run as (`-u`, else the image's `User`), unresolved:
    /// the runtime resolves it in the container's /etc/passwd.
    #[serde(default)]
    pub user: Option<String>,
    /// Restart policy (`--restart`): `no`, `on-failure[:N]`, `always`, `unless-stopped`.
    #[serde(default)]
    pub restart: String,
    /// `--log-opt` values (`max-size=10m`, `max-file=3`).
    #[serde(default)]
    pub log_opts: Vec<String>,
    /// The healthcheck (`--health-*` flags over the image's HEALTHCHECK).
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    /// Signal that `stop` sends first (`--stop-signal`, else the image's
    /// StopSignal, else SIGTERM), as a name or number.
    #[serde(default)]
    pub stop_signal: Option<String>,
    /// Seconds `stop` waits before SIGKILL (`--stop-timeout`; default 10).
    #[serde(default)]
    pub stop_timeout: Option<u64>,
    /// Labels (`--label`).
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Its bind, volume and tmpfs mounts (`-v`, `--mount`, `--volumes-from`,
    /// the image's VOLUMEs), also in `spec`.
    #[serde(default)]
    pub mounts: Vec<super::MountPoint>,
}

/// A healthcheck, in docker's terms (`Config.Healthcheck`); durations in
/// nanoseconds as docker stores them, 0 meaning the default.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Healthcheck {
    /// `["CMD", args…]`, `["CMD-SHELL", command]` or `["NONE"]`.
    #[serde(rename = "Test", default)]
    pub test: Vec<String>,
    /// Time between probes (default 30 s).
    #[serde(rename = "Interval", default)]
    pub interval: u64,
    /// Time a probe may take (default 30 s).
    #[serde(rename = "Timeout", default)]
    pub timeout: u64,
    /// Grace period after start during which failures do not count.
    #[serde(rename = "StartPeriod", default)]
    pub start_period: u64,
    /// Consecutive failures that make the container unhealthy (default 3).
    #[serde(rename = "Retries", default)]
    pub retries: u32,
}

/// Lifecycle status, with docker's names.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    /// Created, never started.
    #[default]
    Created,
    /// Its process is running.
    Running,
    /// Its process has exited.
    Exited,
}

/// What a container is doing: rewritten atomically on every change.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
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
    /// The container's init start time in clock ticks since boot
    /// (`/proc/<pid>/stat` field 22), so a reused pid is not mistaken for it.
    #[serde(default)]
    pub pid_start: Option<u64>,
    /// Host pid of the detached container's monitor, while it runs.
    #[serde(default)]
    pub monitor_pid: Option<i32>,
    /// How often the restart policy restarted it.
    #[serde(default)]
    pub restart_count: u32,
    /// `stop`, `kill` or `rm -f` ended it: the restart policy does not
    /// restart it.
    #[serde(default)]
    pub stopped_by_user: bool,
    /// Its processes are frozen (`pause`).
    #[serde(default)]
    pub paused: bool,
    /// Healthcheck status, when the container has a healthcheck.
    #[serde(default)]
    pub health: Option<Health>,
}

/// Healthcheck state (docker's `State.Health`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Health {
    /// `starting`, `healthy` or `unhealthy`.
    pub status: String,
    /// Consecutive failed probes.
    pub failing_streak: u32,
    /// The last (up to 5) probes, oldest first.
    pub log: Vec<HealthProbe>,
}

/// One healthcheck probe.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HealthProbe {
    /// When it started.
    pub start: DateTime<Utc>,
    /// When it ended.
    pub end: DateTime<Utc>,
    /// Its exit code (-1: timed out or could not run).
    pub exit_code: i32,
    /// The start of its output.
    pub output: String,
}

/// Start time of process `pid` in clock ticks since boot (`/proc/<pid>/stat`
/// field 22); `None` when it does not exist.
pub fn process_start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(19)?.parse().ok()
}

/// True when `pid` is alive (not a zombie) and, if `start` is given, is the
/// process that started then.
pub fn process_alive(pid: i32, start: Option<u64>) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else { return false };
    let mut fields = rest.split(' ');
    if fields.next() == Some("Z") {
        return false;
    }
    match start {
        Some(s) => fields.nth(18).and_then(|f| f.parse::<u64>().ok()) == Some(s),
        None => true,
    }
}

impl ContainerState {
    /// The state of a container that was just created.
    pub fn created() -> ContainerState {
        ContainerState::default()
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
        write_json_fast(&dir.join("state.json"), &ContainerState::created())?;
        // config.json last: a directory without it is a half-made container
        // that `containers()` skips and `gc` removes.
        write_json_fast(&dir.join("config.json"), record)
    }

    /// Renames a container: claims `new_name` under the store lock (fails
    /// with [`StoreError::NameInUse`] if another container has it) and
    /// rewrites the record. Returns the record as it was before.
    pub fn rename_container(&self, id: &str, new_name: &str) -> Result<ContainerRecord> {
        let _lock = self.lock()?;
        let mut record = None;
        for other in self.containers()? {
            if other.id == id {
                record = Some(other);
            } else if other.name == new_name {
                return Err(StoreError::NameInUse { name: new_name.to_string(), id: other.id });
            }
        }
        let old = record.ok_or_else(|| StoreError::NoSuchContainer(id.to_string()))?;
        let mut new = old.clone();
        new.name = new_name.to_string();
        write_json_fast(&self.container_dir(id).join("config.json"), &new)?;
        Ok(old)
    }

    /// Replaces the record of an existing container (`update`), under its lock.
    pub fn replace_container_record(&self, record: &ContainerRecord) -> Result<()> {
        let _lock = self.lock_container(&record.id)?;
        let path = self.container_dir(&record.id).join("config.json");
        if !path.exists() {
            return Err(StoreError::NoSuchContainer(record.id.clone()));
        }
        write_json_fast(&path, record)
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
        if state.status == ContainerStatus::Running
            && !state.pid.is_some_and(|p| process_alive(p, state.pid_start))
            && !state.monitor_pid.is_some_and(|m| process_alive(m, None))
        {
            // Its init is gone and nobody will record the exit: the monitor
            // (or the foreground rcon) was killed. The exit code is unknown: 255,
            // as docker reports containers whose end it did not see.
            state.status = ContainerStatus::Exited;
            state.exit_code.get_or_insert(255);
            state.pid = None;
            state.monitor_pid = None;
        }
        Ok(state)
    }

    /// Reads, changes and writes the container's state under its lock.
    /// Returns `Ok(None)` (and changes nothing) when the container was
    /// removed meanwhile.
    pub fn update_container_state(
        &self,
        id: &str,
        change: impl FnOnce(&mut ContainerState),
    ) -> Result<Option<ContainerState>> {
        let _lock = self.lock_container(id)?;
        if !self.container_dir(id).join("config.json").exists() {
            self.forget_container_lock(id);
            return Ok(None);
        }
        let mut state = self.container_state(id)?;
        change(&mut state);
        self.set_container_state(id, &state)?;
        Ok(Some(state))
    }

    /// Locks one container (flock on `<run root>/<id>.lock`) while its
    /// process is stopped and its record removed, or its exit recorded.
    pub fn lock_container(&self, id: &str) -> Result<super::StoreLock> {
        super::StoreLock::exclusive(&self.run_root.join(format!("{id}.lock")))
    }

    /// Removes the lock file of a container that no longer exists (taking
    /// its lock after `rm -f` recreates the file).
    pub fn forget_container_lock(&self, id: &str) {
        let _ = std::fs::remove_file(self.run_root.join(format!("{id}.lock")));
    }

    /// Replaces the container's state record.
    pub fn set_container_state(&self, id: &str, state: &ContainerState) -> Result<()> {
        write_json_fast(&self.container_dir(id).join("state.json"), state)
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
        // Move the directory out of the way first: a process still writing
        // into it (a monitor finishing a log line, network teardown) then
        // gets ENOENT instead of making the removal fail.
        let trash = self.tmp_dir().join(format!("trash-{}-{}", std::process::id(), &id[..12.min(id.len())]));
        let target = match std::fs::rename(&dir, &trash) {
            Ok(()) => trash,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(_) => dir,
        };
        let mut last = None;
        for _ in 0..5 {
            match std::fs::remove_dir_all(&target) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                // A file appeared while the tree was being removed: again.
                Err(e) => last = Some(e),
            }
        }
        Err(io_err(&target)(last.expect("the loop ran")))
    }
}
