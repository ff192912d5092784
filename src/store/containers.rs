//! Containers' records. The database's `containers` table (see db.rs)
//! holds one row per container: what listing, filters, name and ID lookups
//! need, and its state (rewritten in one transaction on every change).
//! `containers/<id>/config.json` holds the whole [`ContainerRecord`] (the
//! OCI spec among it), written once at create and read only by commands
//! that act on that one container.
//!
//! Invariants: a row exists only for a container whose directory and
//! `config.json` were complete when it was inserted (create writes the
//! files, then inserts the row: the insert is the name claim); removal
//! deletes the row first. A crash leaves at worst a directory without a
//! row, which no command shows and `system check --repair` removes. The
//! name in the row is the truth (`rename` changes only the row).

use super::rows::{self, NewRow, StateColumns, db_err};
use super::{Result, Store, StoreError, io_err, write_json_fast};
use crate::digest::Digest;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// What the monitor does when the healthcheck reports unhealthy
    /// (podman's `--health-on-failure`).
    #[serde(default)]
    pub health_on_failure: HealthOnFailure,
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

/// What the monitor does when a container's healthcheck reports it
/// unhealthy: podman's `--health-on-failure` (docker does nothing).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum HealthOnFailure {
    /// Nothing: the status says `unhealthy` (docker's behaviour).
    #[default]
    None,
    /// SIGKILL to the container's init; its restart policy decides what
    /// follows (exit code 137: `on-failure` and `always` restart it). This
    /// is a Kubernetes liveness probe's failure.
    Kill,
    /// Its stop signal, SIGKILL after its stop timeout, and a new run
    /// whatever its restart policy says (counted in `RestartCount`).
    Restart,
    /// As `rcon stop`: the restart policy does not restart it.
    Stop,
}

impl std::str::FromStr for HealthOnFailure {
    type Err = String;

    /// `none`, `kill`, `restart` or `stop`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(HealthOnFailure::None),
            "kill" => Ok(HealthOnFailure::Kill),
            "restart" => Ok(HealthOnFailure::Restart),
            "stop" => Ok(HealthOnFailure::Stop),
            _ => Err(format!("invalid health-on-failure action {s:?} (expected none, kill, restart or stop)")),
        }
    }
}

impl std::fmt::Display for HealthOnFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HealthOnFailure::None => "none",
            HealthOnFailure::Kill => "kill",
            HealthOnFailure::Restart => "restart",
            HealthOnFailure::Stop => "stop",
        })
    }
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

/// One container as the database knows it: enough for `ps`, filters,
/// name and ID lookups, and for image, layer and volume reference checks,
/// without reading its files.
#[derive(Debug, Clone)]
pub struct ContainerRow {
    /// 64 hex digits.
    pub id: String,
    /// Its unique name, without docker's leading `/`.
    pub name: String,
    /// The image reference as the user gave it.
    pub image: String,
    /// The image ID.
    pub image_id: Digest,
    /// Entrypoint + cmd as it runs.
    pub command: Vec<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// `--label` values.
    pub labels: BTreeMap<String, String>,
    /// Chain IDs of its image's layers, base first.
    pub layers: Vec<Digest>,
    /// Names of the named volumes it mounts.
    pub volumes: Vec<String>,
    /// Its state, corrected for a process that died unseen (see
    /// [`Store::container_state`]).
    pub state: ContainerState,
    /// Why its record cannot be fully read (a corrupt or missing file, a
    /// corrupt state), if so: it is listed with this marker and can be
    /// removed, nothing else.
    pub problem: Option<String>,
}

const ROW_COLUMNS: &str = "id, name, image, image_id, command, created, labels, layers, volumes, state, problem";

impl ContainerRow {
    fn from_sql(r: &rusqlite::Row) -> rusqlite::Result<ContainerRow> {
        let mut problem: Option<String> = r.get(10)?;
        let (command, labels, layers, volumes, state): (String, String, String, String, String) =
            (r.get(4)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?);
        let mut parse_problem = |what: &str, e: serde_json::Error| {
            problem.get_or_insert_with(|| format!("corrupt {what} in the store database: {e}"));
        };
        let image_id: String = r.get(3)?;
        let row = ContainerRow {
            id: r.get(0)?,
            name: r.get(1)?,
            image: r.get(2)?,
            image_id: image_id.parse().unwrap_or_else(|_| Digest::of(b"")),
            command: serde_json::from_str(&command).unwrap_or_else(|e| {
                parse_problem("command", e);
                Vec::new()
            }),
            created: DateTime::from_timestamp_nanos(r.get(5)?),
            labels: serde_json::from_str(&labels).unwrap_or_else(|e| {
                parse_problem("labels", e);
                BTreeMap::new()
            }),
            layers: serde_json::from_str(&layers).unwrap_or_else(|e| {
                parse_problem("layers", e);
                Vec::new()
            }),
            volumes: serde_json::from_str(&volumes).unwrap_or_else(|e| {
                parse_problem("volumes", e);
                Vec::new()
            }),
            state: serde_json::from_str::<ContainerState>(&state).map(ContainerState::checked).unwrap_or_else(|e| {
                parse_problem("state", e);
                ContainerState { status: ContainerStatus::Exited, exit_code: Some(255), ..Default::default() }
            }),
            problem: None,
        };
        Ok(ContainerRow { problem, ..row })
    }
}

/// Which rows [`Store::list_containers`] returns; the conditions are
/// evaluated in SQL. Empty lists mean "no condition"; values in one list
/// are ORed, lists are ANDed (docker's filter rule).
#[derive(Debug, Clone, Default)]
pub struct ContainerQuery {
    /// Only containers recorded as running (a superset of those running:
    /// check `state.status` of the rows).
    pub running: bool,
    /// Names containing one of these.
    pub name_contains: Vec<String>,
    /// IDs starting with one of these.
    pub id_prefixes: Vec<String>,
    /// Containers of one of these image IDs.
    pub image_ids: Vec<Digest>,
}

impl ContainerState {
    /// The state corrected for what happened unseen: a container recorded
    /// as running whose init and monitor are both gone (its monitor or the
    /// foreground rcon was killed) is exited with code 255, as docker
    /// reports containers whose end it did not see.
    pub fn checked(mut self) -> ContainerState {
        if self.status == ContainerStatus::Running
            && !self.pid.is_some_and(|p| process_alive(p, self.pid_start))
            && !self.monitor_pid.is_some_and(|m| process_alive(m, None))
        {
            self.status = ContainerStatus::Exited;
            self.exit_code.get_or_insert(255);
            self.pid = None;
            self.monitor_pid = None;
        }
        self
    }
}

fn status_word(s: ContainerStatus) -> &'static str {
    match s {
        ContainerStatus::Created => "created",
        ContainerStatus::Running => "running",
        ContainerStatus::Exited => "exited",
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("records serialize")
}

/// Named volumes a record mounts.
fn volume_names(record: &ContainerRecord) -> Vec<String> {
    record
        .mounts
        .iter()
        .filter(|m| m.kind == super::MountKind::Volume && !m.name.is_empty())
        .map(|m| m.name.clone())
        .collect()
}

/// The row columns of `record`.
fn new_row(record: &ContainerRecord) -> NewRow {
    NewRow {
        id: record.id.clone(),
        name: record.name.clone(),
        image: record.image.clone(),
        image_id: record.image_id.to_string(),
        command: json(&record.command),
        created: record.created.timestamp_nanos_opt().unwrap_or(0),
        labels: json(&record.labels),
        layers: json(&record.layers),
        volumes: json(&volume_names(record)),
    }
}

/// Replaces the state of row `id` (nothing when it has no row).
fn write_state(tx: &rusqlite::Transaction, db_path: &std::path::Path, id: &str, state: &ContainerState) -> Result<()> {
    let text = json(state);
    rows::write_state(
        tx,
        db_path,
        id,
        StateColumns { status: status_word(state.status), exit_code: state.exit_code, json: &text },
    )?;
    Ok(())
}

/// The state in a `state` column, corrected (see [`ContainerState::checked`]);
/// an unreadable one is lost: exited with 255.
fn parse_state(text: &str) -> ContainerState {
    serde_json::from_str::<ContainerState>(text).map(ContainerState::checked).unwrap_or(ContainerState {
        status: ContainerStatus::Exited,
        exit_code: Some(255),
        ..Default::default()
    })
}

impl Store {
    /// `containers/<id>/`.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.containers_dir().join(id)
    }

    /// Records a new container: writes its directory (`upper/`, `work/`,
    /// `merged/`, `config.json`), then claims its name and ID by inserting
    /// its row in one transaction. Errors: [`StoreError::NameInUse`] when
    /// another container has the name (the directory is removed again),
    /// I/O and database errors.
    pub fn create_container(&self, record: &ContainerRecord) -> Result<()> {
        self.create_container_with(record, |_| Ok(()))
    }

    /// [`Store::create_container`], running `prepare` on the container's
    /// directory after it is made and before the row is inserted: files
    /// written there are complete whenever the container is visible, even
    /// when rcon is killed midway.
    pub fn create_container_with(
        &self,
        record: &ContainerRecord,
        prepare: impl FnOnce(&std::path::Path) -> Result<()>,
    ) -> Result<()> {
        // Held until the row is in: `system check --repair` does not take
        // the directory of a create in progress for a crash's leftover.
        let lock = self.lock_container(&record.id)?;
        // Opened (and migrated from the JSON layout) before the directory
        // exists, so that the migration cannot take it for an old record.
        let mut db = self.db()?;
        let dir = self.container_dir(&record.id);
        let made = (|| {
            for sub in ["upper", "work", "merged"] {
                let p = dir.join(sub);
                std::fs::create_dir_all(&p).map_err(io_err(&p))?;
            }
            write_json_fast(&dir.join("config.json"), record)?;
            prepare(&dir)?;
            let db_path = self.db_path();
            let state = ContainerState::created();
            let text = json(&state);
            let cols = StateColumns { status: status_word(state.status), exit_code: None, json: &text };
            db.write(|tx| rows::insert_row(tx, &db_path, &new_row(record), cols, None))
        })();
        if made.is_err() {
            let _ = std::fs::remove_dir_all(&dir);
            drop(lock);
            let _ = std::fs::remove_file(self.run_root.join(format!("{}.lock", record.id)));
        }
        made
    }

    /// Renames a container: frees its old name and claims `new_name` in
    /// one transaction. Returns the record as it was before. Errors:
    /// [`StoreError::NameInUse`] when another container has the name,
    /// [`StoreError::NoSuchContainer`], a damaged record.
    pub fn rename_container(&self, id: &str, new_name: &str) -> Result<ContainerRecord> {
        let _lock = self.lock_container(id)?;
        let old = self.container_record(&self.find_container_row(id)?)?;
        let db_path = self.db_path();
        self.db()?.write(|tx| {
            match rows::name_holder(tx, &db_path, new_name)? {
                Some(h) if h == id => return Ok(()),
                Some(h) => return Err(StoreError::NameInUse { name: new_name.to_string(), id: h }),
                None => {}
            }
            let n = tx
                .execute("UPDATE containers SET name = ?2 WHERE id = ?1", params![id, new_name])
                .map_err(db_err(&db_path))?;
            if n == 0 {
                return Err(StoreError::NoSuchContainer(id.to_string()));
            }
            Ok(())
        })?;
        Ok(old)
    }

    /// Replaces the record (`config.json`) of an existing container
    /// (`update`), under its lock; its name stays the one in the database.
    /// Errors: [`StoreError::NoSuchContainer`] when it has no row.
    pub fn replace_container_record(&self, record: &ContainerRecord) -> Result<()> {
        let _lock = self.lock_container(&record.id)?;
        let row = self.find_container_row(&record.id)?;
        if row.id != record.id {
            return Err(StoreError::NoSuchContainer(record.id.clone()));
        }
        write_json_fast(&self.container_dir(&record.id).join("config.json"), record)
    }

    /// Every container whose record can be read, oldest first: its row,
    /// then its `config.json`. Damaged ones are left out (they are in
    /// [`Store::list_containers`], with their problem).
    pub fn containers(&self) -> Result<Vec<ContainerRecord>> {
        Ok(self
            .list_containers(&ContainerQuery::default())?
            .iter()
            .filter(|row| row.problem.is_none())
            .filter_map(|row| self.container_record(row).ok())
            .collect())
    }
    /// The IDs of every container that has a row (one indexed scan, no
    /// other column read): for reference checks that only need to know
    /// whether a container exists.
    pub fn container_ids(&self) -> Result<std::collections::HashSet<String>> {
        let db = self.db()?;
        let mut stmt = db.conn().prepare("SELECT id FROM containers").map_err(db.err())?;
        let ids =
            stmt.query_map([], |r| r.get(0)).map_err(db.err())?.collect::<rusqlite::Result<_>>().map_err(db.err())?;
        Ok(ids)
    }

    /// Containers matching `query`, oldest first, from the database only.
    pub fn list_containers(&self, query: &ContainerQuery) -> Result<Vec<ContainerRow>> {
        let mut sql = format!("SELECT {ROW_COLUMNS} FROM containers WHERE 1");
        let mut args: Vec<String> = Vec::new();
        if query.running {
            sql.push_str(" AND status = 'running'");
        }
        let mut any_of = |column_test: &str, values: Vec<String>| {
            if values.is_empty() {
                return;
            }
            let tests: Vec<String> = values
                .into_iter()
                .map(|v| {
                    args.push(v);
                    column_test.replace('?', &format!("?{}", args.len()))
                })
                .collect();
            sql.push_str(&format!(" AND ({})", tests.join(" OR ")));
        };
        any_of("instr(name, ?) > 0", query.name_contains.clone());
        any_of("substr(id, 1, length(?)) = ?", query.id_prefixes.clone());
        any_of("image_id = ?", query.image_ids.iter().map(|d| d.to_string()).collect());
        sql.push_str(" ORDER BY created, id");
        let db = self.db()?;
        let mut stmt = db.conn().prepare(&sql).map_err(db.err())?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), ContainerRow::from_sql)
            .map_err(db.err())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db.err())?;
        Ok(rows)
    }

    /// The row of the container named `name_or_id` (a name, with or
    /// without docker's `/`, a full ID or a unique ID prefix), without
    /// reading its files: what `rm -f` needs, which must work on a
    /// container whose files are damaged.
    /// Errors: [`StoreError::NoSuchContainer`], [`StoreError::Ambiguous`].
    pub fn find_container_row(&self, name_or_id: &str) -> Result<ContainerRow> {
        let db = self.db()?;
        let one = |sql: &str, arg: &str| -> Result<Vec<ContainerRow>> {
            let mut stmt = db.conn().prepare_cached(sql).map_err(db.err())?;
            stmt.query_map([arg], ContainerRow::from_sql)
                .map_err(db.err())?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db.err())
        };
        let by_id_or_name = format!("SELECT {ROW_COLUMNS} FROM containers WHERE id = ?1 OR name = ?1 LIMIT 1");
        if let Some(r) = one(&by_id_or_name, name_or_id)?.pop() {
            return Ok(r);
        }
        if let Some(name) = name_or_id.strip_prefix('/')
            && let Some(r) = one(&by_id_or_name, name)?.pop()
        {
            return Ok(r);
        }
        if name_or_id.is_empty() {
            return Err(StoreError::NoSuchContainer(name_or_id.to_string()));
        }
        // IDs are lowercase hex: '~' sorts after every one of their characters.
        let by_prefix = format!("SELECT {ROW_COLUMNS} FROM containers WHERE id >= ?1 AND id < ?1 || '~' LIMIT 2");
        let mut matches = one(&by_prefix, name_or_id)?;
        match matches.len() {
            0 => Err(StoreError::NoSuchContainer(name_or_id.to_string())),
            1 => Ok(matches.pop().expect("one match")),
            _ => {
                let count: i64 = db
                    .conn()
                    .query_row("SELECT count(*) FROM containers WHERE id >= ?1 AND id < ?1 || '~'", [name_or_id], |r| {
                        r.get(0)
                    })
                    .map_err(db.err())?;
                Err(StoreError::Ambiguous { what: "container", prefix: name_or_id.to_string(), count: count as usize })
            }
        }
    }

    /// Finds a container by name, full ID or unique ID prefix and reads its
    /// whole record (`config.json`; the name comes from the database).
    /// Errors: [`StoreError::NoSuchContainer`], [`StoreError::Ambiguous`],
    /// [`StoreError::Corrupt`] naming the file when it cannot be read.
    pub fn find_container(&self, name_or_id: &str) -> Result<ContainerRecord> {
        let row = self.find_container_row(name_or_id)?;
        self.container_record(&row)
    }

    /// The whole record of a container found by [`Store::find_container_row`].
    pub fn container_record(&self, row: &ContainerRow) -> Result<ContainerRecord> {
        let path = self.container_dir(&row.id).join("config.json");
        let mut record: ContainerRecord = match std::fs::read(&path) {
            Ok(data) => serde_json::from_slice(&data).map_err(|source| StoreError::Corrupt { path, source })?,
            Err(e) => {
                return Err(StoreError::BrokenContainer {
                    id: row.id.clone(),
                    problem: format!("{}: {e}", path.display()),
                });
            }
        };
        record.name = row.name.clone();
        Ok(record)
    }

    /// The container's current state (see [`ContainerState::checked`]).
    /// Errors: [`StoreError::NoSuchContainer`] when it has no row.
    pub fn container_state(&self, id: &str) -> Result<ContainerState> {
        let db = self.db()?;
        let state: Option<String> = db
            .conn()
            .query_row("SELECT state FROM containers WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(db.err())?;
        let state = state.ok_or_else(|| StoreError::NoSuchContainer(id.to_string()))?;
        Ok(parse_state(&state))
    }

    /// Reads, changes and writes the container's state under its lock, in
    /// one transaction. Returns `Ok(None)` (and changes nothing) when the
    /// container was removed meanwhile.
    pub fn update_container_state(
        &self,
        id: &str,
        change: impl FnOnce(&mut ContainerState),
    ) -> Result<Option<ContainerState>> {
        let _lock = self.lock_container(id)?;
        let db_path = self.db_path();
        let changed = self.db()?.write(|tx| {
            let Some(state) = rows::read_state(tx, &db_path, id)? else { return Ok(None) };
            let mut state = parse_state(&state);
            change(&mut state);
            write_state(tx, &db_path, id, &state)?;
            Ok(Some(state))
        })?;
        if changed.is_none() {
            // Removed meanwhile (`rm -f`): the lock just taken recreated its file.
            self.forget_container_lock(id);
        }
        Ok(changed)
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

    /// Replaces the container's state (one transaction). A container
    /// removed meanwhile is left removed.
    pub fn set_container_state(&self, id: &str, state: &ContainerState) -> Result<()> {
        let db_path = self.db_path();
        self.db()?.write(|tx| write_state(tx, &db_path, id, state))
    }

    /// Deletes the container: its row (one transaction; the name is free
    /// from then on), then its directory (record, upper dir, logs). The
    /// caller makes sure its process is gone and nothing is mounted there.
    /// A crash midway leaves a directory without a row, which no command
    /// shows and `system check --repair` removes.
    pub fn remove_container(&self, id: &str) -> Result<()> {
        let db_path = self.db_path();
        self.db()?.write(|tx| {
            tx.execute("DELETE FROM containers WHERE id = ?1", [id]).map_err(db_err(&db_path))?;
            Ok(())
        })?;
        self.remove_container_dir(id)
    }

    /// Removes `containers/<id>/` (and the container's lock file).
    pub(crate) fn remove_container_dir(&self, id: &str) -> Result<()> {
        let dir = self.container_dir(id);
        let _ = std::fs::remove_file(self.run_root.join(format!("{id}.lock")));
        // A rootless fuse-overlayfs rootfs left mounted by a killed start
        // (mounts are otherwise in the container's own namespace). Only
        // tried on a mount point: umount2 takes the kernel's namespace
        // lock, which a monitor's teardown of the container's mount
        // namespace holds for tens of milliseconds. A dead FUSE mount
        // (ENOTCONN) cannot be stat'ed: it is tried too.
        let merged = dir.join("merged");
        let mounted = match (std::fs::metadata(&dir), std::fs::metadata(&merged)) {
            (Ok(d), Ok(m)) => std::os::unix::fs::MetadataExt::dev(&d) != std::os::unix::fs::MetadataExt::dev(&m),
            (Ok(_), Err(e)) => e.kind() != std::io::ErrorKind::NotFound,
            (Err(_), _) => false,
        };
        if mounted {
            let _ = nix::mount::umount2(&merged, nix::mount::MntFlags::MNT_DETACH);
        }
        // Move the directory out of the way first: a process still writing
        // into it (a monitor finishing a log line, network teardown) then
        // gets ENOENT instead of making the removal fail.
        let trash = self.tmp_dir().join(format!("trash-{}-{}", std::process::id(), &id[..12.min(id.len())]));
        let target = match std::fs::rename(&dir, &trash) {
            Ok(()) if self.background_removal => {
                let path = trash.clone();
                let spawned = std::thread::Builder::new().name("rcon-trash".into()).spawn(move || {
                    if let Err(e) = remove_tree(&path) {
                        crate::warn!("cannot remove {}: {e}", path.display());
                    }
                });
                if spawned.is_ok() {
                    return Ok(());
                }
                trash
            }
            Ok(()) => trash,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(_) => dir,
        };
        remove_tree(&target).map_err(io_err(&target))
    }

    /// This store (and its clones) removes a container's directory in a
    /// thread of its own once it has been moved into `tmp/` (where it
    /// carries this process's pid, so that a sweep removes it if the
    /// process dies first): `rm` returns without waiting for the unlinks
    /// (4-12 ms each on a loaded disk, tens of files per container). Only
    /// for a process that is multi-threaded anyway and never forks (the
    /// API service, hazard 1).
    pub fn remove_in_background(mut self) -> Store {
        self.background_removal = true;
        self
    }
}

/// `remove_dir_all`, again when a file appeared meanwhile (a process still
/// writing into the tree); a missing tree is removed.
fn remove_tree(target: &Path) -> std::io::Result<()> {
    let mut last = None;
    for _ in 0..5 {
        match std::fs::remove_dir_all(target) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            // A file appeared while the tree was being removed: again.
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("the loop ran"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, name: &str) -> ContainerRecord {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "image": "bb", "image_id": Digest::of(b"img").to_string(),
            "layers": [], "created": Utc::now(), "command": ["true"], "spec": {},
            "labels": {"a": "1"},
        }))
        .unwrap()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("root"), &dir.path().join("run")).unwrap();
        (dir, store)
    }

    #[test]
    fn names_are_claimed_once_and_renamed_atomically() {
        let (_dir, store) = store();
        let (a, b) = ("a".repeat(64), format!("ab{}", "0".repeat(62)));
        store.create_container(&record(&a, "web")).unwrap();
        match store.create_container(&record(&b, "web")) {
            Err(StoreError::NameInUse { id, .. }) => assert_eq!(id, a),
            other => panic!("{other:?}"),
        }
        assert!(!store.container_dir(&b).exists(), "a refused create leaves no directory");
        store.create_container(&record(&b, "db")).unwrap();
        assert!(matches!(store.rename_container(&b, "web"), Err(StoreError::NameInUse { .. })));
        store.rename_container(&a, "front").unwrap();
        store.rename_container(&b, "web").unwrap();
        assert_eq!(store.find_container("web").unwrap().id, b);
        assert_eq!(store.find_container("/front").unwrap().name, "front", "the row's name wins over config.json");
        assert!(matches!(store.find_container("a"), Err(StoreError::Ambiguous { count: 2, .. })));
        assert_eq!(store.find_container("aa").unwrap().id, a);
        assert!(matches!(store.find_container("db"), Err(StoreError::NoSuchContainer(_))));
        assert!(matches!(store.find_container(""), Err(StoreError::NoSuchContainer(_))));
    }

    #[test]
    fn state_changes_and_removal() {
        let (_dir, store) = store();
        let id = "c".repeat(64);
        store.create_container(&record(&id, "x")).unwrap();
        let s = store
            .update_container_state(&id, |s| {
                s.status = ContainerStatus::Exited;
                s.exit_code = Some(3);
            })
            .unwrap()
            .unwrap();
        assert_eq!(s.exit_code, Some(3));
        let rows = store.list_containers(&ContainerQuery { name_contains: vec!["x".into()], ..Default::default() });
        assert_eq!(rows.unwrap()[0].state.exit_code, Some(3));
        assert!(store.list_containers(&ContainerQuery { running: true, ..Default::default() }).unwrap().is_empty());
        store.remove_container(&id).unwrap();
        assert!(!store.container_dir(&id).exists());
        assert!(store.update_container_state(&id, |_| {}).unwrap().is_none());
        assert!(store.containers().unwrap().is_empty());
        assert!(store.db_integrity_check().unwrap().is_empty());
    }
}
