//! Volumes' and networks' rows in the store database (the `volumes` and
//! `networks` tables, added by schema version 4; see `db.rs`), and the
//! import of the JSON files of rcon before them
//! (`volumes/<name>/volume.json`, `networks/<name>.json`).
//!
//! A volume's data stays a directory (`volumes/<name>/_data`, made by the
//! `volume` module before its row is inserted, removed after its row is
//! deleted: a directory without a row is what a killed `volume create` or
//! `volume rm` left, reported by `rcon system check`). A network's bridge,
//! addresses and NAT rules are the `network` module's business; this module
//! only keeps the records. The name (primary key of `volumes`, UNIQUE in
//! `networks`) is the name claim. A record that does not parse is a
//! damaged row: left out of listings with a warning, named by
//! [`Store::damaged_rows`] for `rcon system check`.

use super::rows::db_err;
use super::{Result, Store, StoreError, io_err};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;

/// A volume's record (the `record` column of `volumes`, JSON).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VolumeRecord {
    /// Its name (64 hex digits for an anonymous one).
    pub name: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// `--label` values.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Created for `-v /path` or an image VOLUME: removed by `rm -v` and
    /// `volume prune`.
    #[serde(default)]
    pub anonymous: bool,
}

/// A bridge network's record (the `record` column of `networks`, JSON).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NetworkRecord {
    /// Name (`bridge` for the default one).
    pub name: String,
    /// 64-hex ID.
    pub id: String,
    /// Always `bridge` for now.
    pub driver: String,
    /// Host bridge interface.
    pub bridge: String,
    /// Network address of the subnet.
    pub subnet: Ipv4Addr,
    /// Prefix length of the subnet.
    pub prefix: u8,
    /// The bridge's address, the containers' default gateway.
    pub gateway: Ipv4Addr,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Whether containers resolve each other's names (user networks only,
    /// as with docker).
    pub names: bool,
    /// `network create --label` values.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Which volumes [`Store::volumes`] returns; every condition is evaluated
/// in SQL. Values of `name_contains` are ORed, `labels` are ANDed (docker's
/// rule for `volume ls --filter`).
#[derive(Debug, Clone, Default)]
pub struct VolumeQuery {
    /// Names containing one of these.
    pub name_contains: Vec<String>,
    /// Labels it must all have: `(key, None)` any value, `(key, Some(v))`
    /// exactly `v`.
    pub labels: Vec<(String, Option<String>)>,
    /// `Some(true)`: only volumes no container mounts; `Some(false)`: only
    /// mounted ones.
    pub dangling: Option<bool>,
    /// Only anonymous volumes.
    pub anonymous: bool,
}

/// A row of `volumes` or `networks` whose record cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedRow {
    /// `volume` or `network`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Why it cannot be read.
    pub problem: String,
}

/// The `volumes` columns of a record.
const VOLUME_COLUMNS: &str = "name, record";

fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(0)
}

fn parse_volume(name: &str, record: &str) -> std::result::Result<VolumeRecord, DamagedRow> {
    let damaged = |problem| DamagedRow { kind: "volume", name: name.to_string(), problem };
    match serde_json::from_str::<VolumeRecord>(record) {
        Ok(v) if v.name == name => Ok(v),
        Ok(v) => Err(damaged(format!("its record names the volume {}", v.name))),
        Err(e) => Err(damaged(format!("corrupt record: {e}"))),
    }
}

fn parse_network(name: &str, record: &str) -> std::result::Result<NetworkRecord, DamagedRow> {
    let damaged = |problem| DamagedRow { kind: "network", name: name.to_string(), problem };
    match serde_json::from_str::<NetworkRecord>(record) {
        Ok(n) if n.name == name => Ok(n),
        Ok(n) => Err(damaged(format!("its record names the network {}", n.name))),
        Err(e) => Err(damaged(format!("corrupt record: {e}"))),
    }
}

fn broken(d: DamagedRow) -> StoreError {
    StoreError::BrokenRow { kind: d.kind, name: d.name, problem: d.problem }
}

/// Schema version 4: the `volumes` and `networks` tables, filled from the
/// JSON layout: `volumes/<name>/volume.json` (a directory without one was
/// a half-made or half-removed volume, invisible before too: no row) and
/// `networks/<name>.json`. A file that cannot be parsed still gets a row
/// (its text as the record, so that nothing is lost) that reads back as
/// damaged. The files are left in place and no longer read.
pub(crate) fn migrate_v4(tx: &rusqlite::Transaction, store: &Store) -> Result<()> {
    let path = store.db_path();
    tx.execute_batch(
        "CREATE TABLE volumes (
            name TEXT PRIMARY KEY NOT NULL,
            created INTEGER NOT NULL,      -- nanoseconds since the epoch
            anonymous INTEGER NOT NULL,    -- 0 or 1
            labels TEXT NOT NULL,          -- JSON object
            record TEXT NOT NULL           -- the whole VolumeRecord, JSON
        );
        CREATE TABLE networks (
            name TEXT PRIMARY KEY NOT NULL,
            id TEXT UNIQUE NOT NULL,       -- 64 hex digits
            created INTEGER NOT NULL,      -- nanoseconds since the epoch
            record TEXT NOT NULL           -- the whole NetworkRecord, JSON
        );",
    )
    .map_err(db_err(&path))?;
    let mtime =
        |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).map(DateTime::<Utc>::from).map(nanos).unwrap_or(0);
    let volumes = store.root().join("volumes");
    for (name, file) in
        legacy_files(&volumes, |e| Some((e.file_name().to_str()?.to_string(), e.path().join("volume.json"))))?
    {
        let Some(text) = read_legacy(&file)? else { continue };
        let (created, anonymous, labels) = match parse_volume(&name, &text) {
            Ok(v) => (nanos(v.created), v.anonymous, serde_json::to_string(&v.labels).expect("labels serialize")),
            Err(_) => (mtime(&file), false, "{}".to_string()),
        };
        tx.execute(
            "INSERT INTO volumes (name, created, anonymous, labels, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, created, anonymous, labels, text],
        )
        .map_err(db_err(&path))?;
    }
    let networks = store.root().join("networks");
    for (name, file) in legacy_files(&networks, |e| {
        let n = e.file_name().to_str()?.strip_suffix(".json")?.to_string();
        Some((n, e.path()))
    })? {
        let Some(text) = read_legacy(&file)? else { continue };
        let (id, created) = match parse_network(&name, &text) {
            Ok(n) => (n.id, nanos(n.created)),
            Err(_) => (format!("damaged-{name}"), mtime(&file)),
        };
        // Two files with one ID (never written by rcon): the second is damaged.
        let id_taken: bool = tx
            .query_row("SELECT 1 FROM networks WHERE id = ?1", [&id], |_| Ok(true))
            .optional()
            .map_err(db_err(&path))?
            .is_some();
        let (id, text) =
            if id_taken { (format!("damaged-{name}"), format!("duplicate ID {id}: {text}")) } else { (id, text) };
        tx.execute(
            "INSERT INTO networks (name, id, created, record) VALUES (?1, ?2, ?3, ?4)",
            params![name, id, created, text],
        )
        .map_err(db_err(&path))?;
    }
    Ok(())
}

/// `(name, file)` for each entry of `dir` that `pick` accepts, by name;
/// none when `dir` does not exist.
fn legacy_files(
    dir: &Path,
    pick: impl Fn(&std::fs::DirEntry) -> Option<(String, std::path::PathBuf)>,
) -> Result<Vec<(String, std::path::PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(dir)(e)),
    };
    let mut out = Vec::new();
    for e in entries {
        if let Some(p) = pick(&e.map_err(io_err(dir))?) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// A legacy record's text (invalid UTF-8 replaced), `None` when missing.
fn read_legacy(file: &Path) -> Result<Option<String>> {
    match std::fs::read(file) {
        Ok(d) => Ok(Some(String::from_utf8_lossy(&d).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(file)(e)),
    }
}

/// IDs of the containers whose `volumes` column names volume `name`,
/// oldest first.
fn mounters(conn: &rusqlite::Connection, db_path: &Path, name: &str) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT c.id FROM containers c, json_each(c.volumes) m WHERE m.value = ?1 ORDER BY c.created, c.id",
        )
        .map_err(db_err(db_path))?;
    stmt.query_map([name], |r| r.get(0))
        .map_err(db_err(db_path))?
        .collect::<rusqlite::Result<_>>()
        .map_err(db_err(db_path))
}

impl Store {
    /// The volume `name`, `None` without a row. Errors:
    /// [`StoreError::BrokenRow`] when its record is damaged.
    pub fn volume(&self, name: &str) -> Result<Option<VolumeRecord>> {
        let db = self.db()?;
        let record: Option<String> = db
            .conn()
            .query_row("SELECT record FROM volumes WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(db.err())?;
        record.map(|r| parse_volume(name, &r).map_err(broken)).transpose()
    }

    /// The volumes matching `query`, by name. Damaged records are left out
    /// with a warning naming them.
    pub fn volumes(&self, query: &VolumeQuery) -> Result<Vec<VolumeRecord>> {
        let mut sql = format!("SELECT {VOLUME_COLUMNS} FROM volumes WHERE 1");
        let mut args: Vec<Option<String>> = Vec::new();
        let mut arg = |v: Option<String>| {
            args.push(v);
            format!("?{}", args.len())
        };
        if !query.name_contains.is_empty() {
            let tests: Vec<String> =
                query.name_contains.iter().map(|n| format!("instr(name, {}) > 0", arg(Some(n.clone())))).collect();
            sql.push_str(&format!(" AND ({})", tests.join(" OR ")));
        }
        for (k, v) in &query.labels {
            let (k, v) = (arg(Some(k.clone())), arg(v.clone()));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM json_each(volumes.labels) l WHERE l.key = {k} AND ({v} IS NULL OR l.value = {v}))"
            ));
        }
        if let Some(d) = query.dangling {
            sql.push_str(if d { " AND NOT" } else { " AND" });
            sql.push_str(" EXISTS (SELECT 1 FROM containers c, json_each(c.volumes) m WHERE m.value = volumes.name)");
        }
        if query.anonymous {
            sql.push_str(" AND anonymous");
        }
        sql.push_str(" ORDER BY name");
        let rows = self.db()?.pairs(&sql, rusqlite::params_from_iter(args.iter()))?;
        let mut out = Vec::with_capacity(rows.len());
        for (name, record) in rows {
            match parse_volume(&name, &record) {
                Ok(v) => out.push(v),
                Err(d) => crate::warn!("{}", broken(d)),
            }
        }
        Ok(out)
    }

    /// Inserts the row of `volume` unless a volume of that name exists
    /// (one transaction). Returns the volume as recorded and whether it was
    /// inserted now. Errors: [`StoreError::BrokenRow`] for a damaged
    /// existing row.
    pub fn insert_volume(&self, volume: &VolumeRecord) -> Result<(VolumeRecord, bool)> {
        let path = self.db_path();
        let text = serde_json::to_string(volume).expect("records serialize");
        let labels = serde_json::to_string(&volume.labels).expect("labels serialize");
        self.db()?.write(|tx| {
            let existing: Option<String> = tx
                .query_row("SELECT record FROM volumes WHERE name = ?1", [&volume.name], |r| r.get(0))
                .optional()
                .map_err(db_err(&path))?;
            if let Some(r) = existing {
                return Ok((parse_volume(&volume.name, &r).map_err(broken)?, false));
            }
            tx.execute(
                "INSERT INTO volumes (name, created, anonymous, labels, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![volume.name, nanos(volume.created), volume.anonymous, labels, text],
            )
            .map_err(db_err(&path))?;
            Ok((volume.clone(), true))
        })
    }

    /// IDs of the containers (running or not) that mount volume `name`,
    /// oldest first.
    pub fn volume_users(&self, name: &str) -> Result<Vec<String>> {
        mounters(self.db()?.conn(), &self.db_path(), name)
    }

    /// Deletes the row of volume `name` unless a container mounts it, in
    /// one transaction (so no container can start using it between the
    /// check and the delete). Returns `Ok(Ok(true))` when it was deleted,
    /// `Ok(Ok(false))` without a row, `Ok(Err(ids))` with the IDs of the
    /// containers that use it.
    pub fn remove_volume_row(&self, name: &str) -> Result<std::result::Result<bool, Vec<String>>> {
        let path = self.db_path();
        self.db()?.write(|tx| {
            let users = mounters(tx, &path, name)?;
            if !users.is_empty() {
                return Ok(Err(users));
            }
            Ok(Ok(tx.execute("DELETE FROM volumes WHERE name = ?1", [name]).map_err(db_err(&path))? > 0))
        })
    }

    /// Every volume name with a row, damaged or not (for `system check`'s
    /// comparison with the directories).
    pub fn volume_names(&self) -> Result<std::collections::HashSet<String>> {
        let db = self.db()?;
        let mut stmt = db.conn().prepare("SELECT name FROM volumes").map_err(db.err())?;
        stmt.query_map([], |r| r.get(0)).map_err(db.err())?.collect::<rusqlite::Result<_>>().map_err(db.err())
    }

    /// Replaces a damaged volume row with a fresh record: its name, no
    /// labels, anonymous when the name is 64 hex digits, created `created`
    /// (`system check --repair`: the data directory is what matters).
    pub fn rewrite_volume_row(&self, name: &str, created: DateTime<Utc>) -> Result<VolumeRecord> {
        let path = self.db_path();
        let anonymous = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
        let v = VolumeRecord { name: name.to_string(), created, labels: BTreeMap::new(), anonymous };
        let text = serde_json::to_string(&v).expect("records serialize");
        self.db()?.write(|tx| {
            tx.execute(
                "UPDATE volumes SET created = ?2, anonymous = ?3, labels = '{}', record = ?4 WHERE name = ?1",
                params![name, nanos(created), anonymous, text],
            )
            .map_err(db_err(&path))
        })?;
        Ok(v)
    }

    /// The user networks, by name. Damaged records are left out with a
    /// warning naming them.
    pub fn networks(&self) -> Result<Vec<NetworkRecord>> {
        let rows = self.db()?.pairs("SELECT name, record FROM networks ORDER BY name", [])?;
        let mut out = Vec::with_capacity(rows.len());
        for (name, record) in rows {
            match parse_network(&name, &record) {
                Ok(n) => out.push(n),
                Err(d) => crate::warn!("{}", broken(d)),
            }
        }
        Ok(out)
    }

    /// The user network named `name_or_id` (its name, full ID, or an ID
    /// prefix of at least 3 digits matching one network), `None` if none.
    /// Errors: [`StoreError::BrokenRow`] for a damaged row.
    pub fn network(&self, name_or_id: &str) -> Result<Option<NetworkRecord>> {
        let db = self.db()?;
        let mut rows = db.pairs("SELECT name, record FROM networks WHERE name = ?1", [name_or_id])?;
        if rows.is_empty() && name_or_id.len() >= 3 {
            rows = db.pairs(
                "SELECT name, record FROM networks WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2",
                [name_or_id],
            )?;
        }
        match rows.as_slice() {
            [(name, record)] => parse_network(name, record).map(Some).map_err(broken),
            _ => Ok(None),
        }
    }

    /// Inserts a network's row (one transaction). Errors:
    /// [`StoreError::NetworkExists`] when the name is taken.
    pub fn insert_network(&self, net: &NetworkRecord) -> Result<()> {
        let path = self.db_path();
        let text = serde_json::to_string(net).expect("records serialize");
        self.db()?.write(|tx| {
            let taken = tx
                .query_row("SELECT 1 FROM networks WHERE name = ?1", [&net.name], |_| Ok(()))
                .optional()
                .map_err(db_err(&path))?
                .is_some();
            if taken {
                return Err(StoreError::NetworkExists(net.name.clone()));
            }
            tx.execute(
                "INSERT INTO networks (name, id, created, record) VALUES (?1, ?2, ?3, ?4)",
                params![net.name, net.id, nanos(net.created), text],
            )
            .map_err(db_err(&path))?;
            Ok(())
        })
    }

    /// Deletes the row of network `name` (damaged or not); returns whether
    /// there was one.
    pub fn remove_network_row(&self, name: &str) -> Result<bool> {
        let path = self.db_path();
        self.db()?
            .write(|tx| Ok(tx.execute("DELETE FROM networks WHERE name = ?1", [name]).map_err(db_err(&path))? > 0))
    }

    /// The volume and network rows whose records cannot be read.
    pub fn damaged_rows(&self) -> Result<Vec<DamagedRow>> {
        let db = self.db()?;
        let mut out = Vec::new();
        for (sql, parse) in [
            (
                "SELECT name, record FROM volumes ORDER BY name",
                (|n: &str, r: &str| parse_volume(n, r).err()) as fn(&str, &str) -> Option<DamagedRow>,
            ),
            ("SELECT name, record FROM networks ORDER BY name", |n, r| parse_network(n, r).err()),
        ] {
            let rows = db.pairs(sql, [])?;
            out.extend(rows.iter().filter_map(|(n, r)| parse(n, r)));
        }
        Ok(out)
    }
}
