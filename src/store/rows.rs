//! The SQL that writes containers' rows, and the import of the JSON layout
//! of rcon before the database into rows. Below both `db.rs` (whose
//! migrations call the import) and `containers.rs` (which makes and
//! changes rows): it imports neither, and takes and gives the columns as
//! stored (JSON text, nanoseconds), so that it needs none of their types.
//!
//! The `containers` table (schema in `db.rs`, version 1): `id` (64 hex
//! digits, primary key), `name` (UNIQUE: the name claim), `image`,
//! `image_id`, `command` (JSON array), `created` (nanoseconds since the
//! epoch), `labels` (JSON object), `layers` (JSON array of chain IDs),
//! `volumes` (JSON array of named volumes), `status` (`created`,
//! `running`, `exited`), `exit_code`, `state` (the whole state, JSON) and
//! `problem` (why the container's files cannot be read, if so).

use super::{Result, StoreError, io_err};
use rusqlite::{OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Errors of the database, naming its file.
#[derive(Debug, thiserror::Error)]
#[error("store database {path}: {source}")]
pub struct DbError {
    /// The database file.
    pub path: PathBuf,
    /// What SQLite said.
    #[source]
    pub source: rusqlite::Error,
}

/// Attaches the database path to a SQLite error.
pub(super) fn db_err(path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Db(DbError { path: path.to_path_buf(), source })
}

/// The fixed columns of a new row, as stored.
#[derive(Debug, Clone)]
pub(super) struct NewRow {
    /// 64 hex digits.
    pub id: String,
    /// The name to claim.
    pub name: String,
    /// The image reference as given.
    pub image: String,
    /// `sha256:…`.
    pub image_id: String,
    /// JSON array.
    pub command: String,
    /// Nanoseconds since the epoch.
    pub created: i64,
    /// JSON object.
    pub labels: String,
    /// JSON array of chain IDs, base first.
    pub layers: String,
    /// JSON array of the named volumes it mounts.
    pub volumes: String,
}

/// The state columns of a row.
#[derive(Debug, Clone, Copy)]
pub(super) struct StateColumns<'a> {
    /// `created`, `running` or `exited`.
    pub status: &'a str,
    /// The exit code, once exited.
    pub exit_code: Option<i32>,
    /// The whole state, JSON.
    pub json: &'a str,
}

/// The ID of the container holding `name`, if any.
pub(super) fn name_holder(tx: &rusqlite::Transaction, db_path: &Path, name: &str) -> Result<Option<String>> {
    tx.query_row("SELECT id FROM containers WHERE name = ?1", [name], |r| r.get(0)).optional().map_err(db_err(db_path))
}

/// Inserts a row; a taken name is [`StoreError::NameInUse`].
pub(super) fn insert_row(
    tx: &rusqlite::Transaction,
    db_path: &Path,
    row: &NewRow,
    state: StateColumns,
    problem: Option<&str>,
) -> Result<()> {
    if let Some(id) = name_holder(tx, db_path, &row.name)? {
        return Err(StoreError::NameInUse { name: row.name.clone(), id });
    }
    tx.execute(
        "INSERT INTO containers (id, name, image, image_id, command, created, labels, layers, volumes, status, exit_code, state, problem)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            row.id,
            row.name,
            row.image,
            row.image_id,
            row.command,
            row.created,
            row.labels,
            row.layers,
            row.volumes,
            state.status,
            state.exit_code,
            state.json,
            problem,
        ],
    )
    .map_err(db_err(db_path))?;
    Ok(())
}

/// Replaces the state columns of row `id`; returns whether it exists.
pub(super) fn write_state(tx: &rusqlite::Transaction, db_path: &Path, id: &str, state: StateColumns) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE containers SET status = ?2, exit_code = ?3, state = ?4 WHERE id = ?1",
            params![id, state.status, state.exit_code, state.json],
        )
        .map_err(db_err(db_path))?;
    Ok(n > 0)
}

/// The `state` column of row `id`, `None` without a row.
pub(super) fn read_state(tx: &rusqlite::Transaction, db_path: &Path, id: &str) -> Result<Option<String>> {
    tx.query_row("SELECT state FROM containers WHERE id = ?1", [id], |r| r.get(0)).optional().map_err(db_err(db_path))
}

/// The state of a container whose state is lost: exited with 255, as
/// docker reports containers whose end it did not see.
pub(super) const LOST_STATE: &str = r#"{"status":"exited","exit_code":255}"#;

/// Schema version 1's import: a row for every container directory of the
/// JSON layout under `containers_dir` (`<id>/config.json`, the record, and
/// `<id>/state.json`, the state; the state file is removed once its row is
/// in). A directory without `config.json` was a half-made container
/// (invisible before too) and gets no row; an unreadable `config.json` or
/// `state.json` gets a row with a `problem` naming the file, so that the
/// container stays listed and removable. Two records with one name (a race
/// of old rcon) both stay, the second renamed `<name>_<short id>`.
pub(super) fn import_json_records(tx: &rusqlite::Transaction, db_path: &Path, containers_dir: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(containers_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(containers_dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_err(containers_dir))?;
        let Some(id) = entry.file_name().to_str().map(str::to_string) else { continue };
        if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let cfg = entry.path().join("config.json");
        let record = match std::fs::read(&cfg) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => Err(format!("cannot read {}: {e}", cfg.display())),
            Ok(data) => legacy_row(&id, &data).map_err(|e| format!("corrupt record {}: {e}", cfg.display())),
        };
        let state_path = entry.path().join("state.json");
        let state = match std::fs::read(&state_path) {
            Ok(data) => legacy_state(&data).map_err(|e| format!("corrupt record {}: {e}", state_path.display())),
            Err(e) => Err(format!("cannot read {}: {e}", state_path.display())),
        };
        let (row, (status, exit_code, json), problem) = match (record, state) {
            (Ok(r), Ok(s)) => (r, s, None),
            // Unknown state: a process may still run; `rm -f` looks for it.
            (Ok(r), Err(p)) => (r, ("exited".to_string(), Some(255), LOST_STATE.to_string()), Some(p)),
            (Err(p), state) => {
                let created = entry
                    .metadata()
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .map(chrono::DateTime::<chrono::Utc>::from)
                    .and_then(|t| t.timestamp_nanos_opt())
                    .unwrap_or(0);
                let row = NewRow {
                    id: id.clone(),
                    name: format!("broken_{}", &id[..12]),
                    image: String::new(),
                    image_id: crate::digest::Digest::of(b"").to_string(),
                    command: "[]".into(),
                    created,
                    labels: "{}".into(),
                    layers: "[]".into(),
                    volumes: "[]".into(),
                };
                let state =
                    state.unwrap_or_else(|_| ("created".to_string(), None, r#"{"status":"created"}"#.to_string()));
                (row, state, Some(p))
            }
        };
        let cols = StateColumns { status: &status, exit_code, json: &json };
        match insert_row(tx, db_path, &row, cols, problem.as_deref()) {
            Err(StoreError::NameInUse { .. }) => {
                let renamed = NewRow { name: format!("{}_{}", row.name, &id[..12]), ..row };
                insert_row(tx, db_path, &renamed, cols, problem.as_deref())?
            }
            other => other?,
        }
        // The state now lives in the database.
        let _ = std::fs::remove_file(&state_path);
    }
    Ok(())
}

/// The columns of a container record of the JSON layout (`config.json`);
/// errors name the field that is missing or of the wrong type.
fn legacy_row(id: &str, data: &[u8]) -> std::result::Result<NewRow, String> {
    use serde_json::Value;
    let v: Value = serde_json::from_slice(data).map_err(|e| e.to_string())?;
    let field = |name: &str| v.get(name).ok_or_else(|| format!("missing field `{name}`"));
    let text = |name: &str| -> std::result::Result<String, String> {
        field(name)?.as_str().map(str::to_string).ok_or_else(|| format!("field `{name}` is not a string"))
    };
    let array = |name: &str| -> std::result::Result<String, String> {
        match v.get(name) {
            None | Some(Value::Null) => Ok("[]".into()),
            Some(a @ Value::Array(_)) => Ok(a.to_string()),
            Some(_) => Err(format!("field `{name}` is not an array")),
        }
    };
    if text("id")? != id {
        return Err(format!("its id is not that of its directory {id}"));
    }
    field("spec")?;
    let image_id = text("image_id")?;
    image_id.parse::<crate::digest::Digest>().map_err(|e| format!("field `image_id`: {e}"))?;
    let created = chrono::DateTime::parse_from_rfc3339(&text("created")?)
        .map_err(|e| format!("field `created`: {e}"))?
        .timestamp_nanos_opt()
        .unwrap_or(0);
    let labels = match v.get("labels") {
        None | Some(Value::Null) => "{}".into(),
        Some(l @ Value::Object(_)) => l.to_string(),
        Some(_) => return Err("field `labels` is not an object".into()),
    };
    let volumes: Vec<&str> = v
        .get("mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| m.get("kind").and_then(Value::as_str) == Some("volume"))
        .filter_map(|m| m.get("name").and_then(Value::as_str))
        .filter(|n| !n.is_empty())
        .collect();
    Ok(NewRow {
        id: id.to_string(),
        name: text("name")?,
        image: text("image")?,
        image_id,
        command: array("command")?,
        created,
        labels,
        layers: array("layers")?,
        volumes: serde_json::to_string(&volumes).expect("strings serialize"),
    })
}

/// The state columns of a `state.json` of the JSON layout: (status, exit
/// code, the state as JSON).
fn legacy_state(data: &[u8]) -> std::result::Result<(String, Option<i32>, String), String> {
    let v: serde_json::Value = serde_json::from_slice(data).map_err(|e| e.to_string())?;
    let status = match v.get("status").and_then(|s| s.as_str()) {
        Some(s @ ("created" | "running" | "exited")) => s.to_string(),
        _ => return Err("missing or unknown `status`".into()),
    };
    let exit_code = v.get("exit_code").and_then(|c| c.as_i64()).map(|c| c as i32);
    Ok((status, exit_code, v.to_string()))
}

/// Schema version 3's import: a row per image of the image index of the
/// JSON layout (`<root>/images.json`), in its order, and its names (tags
/// and digest references) in `image_names`. Each image is stored as its
/// JSON text; one that does not parse as an image is read back as damaged
/// (see `images.rs`), not lost. An index that cannot be parsed at all is
/// kept as `images.json.damaged` for `system check` to report, and no
/// image is imported. Returns the damaged index's path, if so.
pub(super) fn import_image_index(tx: &rusqlite::Transaction, db_path: &Path, root: &Path) -> Result<Option<PathBuf>> {
    let path = root.join("images.json");
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path)(e)),
    };
    let images = match serde_json::from_slice::<serde_json::Value>(&data) {
        Ok(v) if v.get("images").is_some_and(|i| i.is_array()) => v["images"].as_array().cloned().unwrap_or_default(),
        Ok(v) if v.get("images").is_none() && v.is_object() => Vec::new(),
        _ => {
            let aside = root.join("images.json.damaged");
            std::fs::rename(&path, &aside).map_err(io_err(&path))?;
            return Ok(Some(aside));
        }
    };
    for (n, image) in images.iter().enumerate() {
        let id = image.get("id").and_then(|i| i.as_str()).map(str::to_string);
        let id = id.unwrap_or_else(|| format!("damaged-{n}"));
        let names: Vec<String> = ["repo_tags", "repo_digests"]
            .iter()
            .flat_map(|k| image.get(*k).and_then(|t| t.as_array()).cloned().unwrap_or_default())
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        // A duplicated ID (never written by rcon) keeps the first record.
        let inserted = tx
            .execute("INSERT OR IGNORE INTO images (id, record) VALUES (?1, ?2)", params![id, image.to_string()])
            .map_err(db_err(db_path))?;
        if inserted > 0 {
            set_image_names(tx, db_path, &id, &names)?;
        }
    }
    std::fs::remove_file(&path).map_err(io_err(&path))?;
    Ok(None)
}

/// Replaces the names (tags and digest references) image `id` is found by.
pub(super) fn set_image_names(tx: &rusqlite::Transaction, db_path: &Path, id: &str, names: &[String]) -> Result<()> {
    tx.execute("DELETE FROM image_names WHERE image_id = ?1", [id]).map_err(db_err(db_path))?;
    let mut stmt = tx
        .prepare_cached("INSERT OR IGNORE INTO image_names (name, image_id) VALUES (?1, ?2)")
        .map_err(db_err(db_path))?;
    for n in names {
        stmt.execute(params![n, id]).map_err(db_err(db_path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_records_name_what_is_wrong() {
        let id = "a".repeat(64);
        let good = format!(
            r#"{{"id":"{id}","name":"web","image":"bb","image_id":"{}","layers":[],"created":"2026-01-02T03:04:05Z",
               "command":["true"],"spec":{{}},"mounts":[{{"kind":"volume","name":"data","destination":"/d","rw":true}},
               {{"kind":"bind","destination":"/b","rw":true}}]}}"#,
            crate::digest::Digest::of(b"x")
        );
        let row = legacy_row(&id, good.as_bytes()).unwrap();
        assert_eq!((row.name.as_str(), row.volumes.as_str(), row.labels.as_str()), ("web", r#"["data"]"#, "{}"));
        assert_eq!(row.created, 1_767_323_045_000_000_000);
        let missing = good.replace(r#""image":"bb","#, "");
        assert_eq!(legacy_row(&id, missing.as_bytes()).unwrap_err(), "missing field `image`");
        assert!(legacy_row(&"b".repeat(64), good.as_bytes()).unwrap_err().contains("not that of its directory"));
        assert!(legacy_state(br#"{"status":"exited","exit_code":3}"#).unwrap().1 == Some(3));
        assert!(legacy_state(br#"{"status":"gone"}"#).is_err());
    }
}
