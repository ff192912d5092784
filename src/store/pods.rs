//! Pods' rows in the store database (the `pods` table, added by schema
//! version 2; see `db.rs`). A pod is a name, an ID, labels and the
//! settings of its infra container (host name, published ports, network);
//! which containers belong to it is recorded on the containers themselves
//! (the `io.rcon.pod` label, see `pod`), so removing a container needs no
//! change here.
//!
//! The UNIQUE name column is the pod name claim, as for containers. This
//! module never starts processes; the `pod` module owns the lifecycle.

use super::db::DbError;
use super::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One pod as recorded (the `record` column, JSON).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PodRecord {
    /// 64 hex digits.
    pub id: String,
    /// Unique among pods (container names are a separate name space).
    pub name: String,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// `--label KEY=VALUE`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The host name every container of the pod has (the infra's UTS
    /// namespace).
    pub hostname: String,
    /// The infra container's full ID (empty while the pod is being made).
    #[serde(default)]
    pub infra_id: String,
    /// `-p` specs published on the infra (the pod's network namespace).
    #[serde(default)]
    pub publish: Vec<String>,
    /// `--network` of the infra (`None`: the default bridge).
    #[serde(default)]
    pub network: Option<String>,
    /// `--add-host NAME:IP` entries of the infra.
    #[serde(default)]
    pub add_hosts: Vec<String>,
    /// `--dns` servers of the infra.
    #[serde(default)]
    pub dns: Vec<String>,
    /// `--dns-search` domains of the infra.
    #[serde(default)]
    pub dns_search: Vec<String>,
}

/// Errors about pods.
#[derive(Debug, thiserror::Error)]
pub enum PodError {
    /// No pod has this name or ID (prefix).
    #[error("no pod with name or ID {0} found: no such pod")]
    NoSuchPod(String),
    /// The name is taken by another pod.
    #[error(
        "the pod name \"{name}\" is already in use by pod \"{id}\"; remove that pod (`rcon pod rm {name}`) or choose another name"
    )]
    NameInUse {
        /// The name asked for.
        name: String,
        /// The pod holding it.
        id: String,
    },
    /// An ID prefix matches several pods.
    #[error("pod `{prefix}` is ambiguous: it matches {count} pods; give more characters of the ID")]
    Ambiguous {
        /// The prefix.
        prefix: String,
        /// How many match.
        count: usize,
    },
    /// A store error.
    #[error("{0}")]
    Store(#[from] StoreError),
}

fn db_err(path: &std::path::Path) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Db(DbError { path: path.to_path_buf(), source })
}

/// Schema version 2: the `pods` table. Additive: nothing else changes.
pub(crate) fn migrate_v2(tx: &rusqlite::Transaction, store: &Store) -> Result<()> {
    let path = store.db_path();
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS pods (
            id TEXT PRIMARY KEY NOT NULL,  -- 64 hex digits
            name TEXT UNIQUE NOT NULL,
            created INTEGER NOT NULL,      -- nanoseconds since the epoch
            record TEXT NOT NULL           -- the whole PodRecord, JSON
        );",
    )
    .map_err(db_err(&path))
}

fn parse_row(r: &rusqlite::Row) -> rusqlite::Result<String> {
    r.get(0)
}

impl Store {
    /// Records a new pod (claims its name). Errors: [`PodError::NameInUse`].
    pub fn create_pod(&self, pod: &PodRecord) -> Result<(), PodError> {
        let path = self.db_path();
        let json = serde_json::to_string(pod).expect("serializes");
        let created = pod.created.timestamp_nanos_opt().unwrap_or_default();
        let mut db = self.db()?;
        db.write(|tx| {
            let holder: Option<String> = tx
                .query_row("SELECT id FROM pods WHERE name = ?1", [&pod.name], |r| r.get(0))
                .optional()
                .map_err(db_err(&path))?;
            if let Some(id) = holder {
                return Ok(Err(PodError::NameInUse { name: pod.name.clone(), id }));
            }
            tx.execute(
                "INSERT INTO pods (id, name, created, record) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![pod.id, pod.name, created, json],
            )
            .map_err(db_err(&path))?;
            Ok(Ok(()))
        })?
    }

    /// Replaces a pod's record (same ID and name).
    pub fn update_pod(&self, pod: &PodRecord) -> Result<(), PodError> {
        let path = self.db_path();
        let json = serde_json::to_string(pod).expect("serializes");
        let n = self.db()?.write(|tx| {
            tx.execute("UPDATE pods SET record = ?2 WHERE id = ?1", [&pod.id, &json]).map_err(db_err(&path))
        })?;
        if n == 0 {
            return Err(PodError::NoSuchPod(pod.name.clone()));
        }
        Ok(())
    }

    /// Removes a pod's row (its containers are the caller's business).
    pub fn remove_pod(&self, id: &str) -> Result<(), PodError> {
        let path = self.db_path();
        self.db()?.write(|tx| tx.execute("DELETE FROM pods WHERE id = ?1", [id]).map_err(db_err(&path)))?;
        Ok(())
    }

    /// Every pod, oldest first.
    pub fn pods(&self) -> Result<Vec<PodRecord>, PodError> {
        let db = self.db()?;
        let mut stmt = db.conn().prepare("SELECT record FROM pods ORDER BY created, id").map_err(db.err())?;
        let rows: Vec<String> =
            stmt.query_map([], parse_row).map_err(db.err())?.collect::<rusqlite::Result<_>>().map_err(db.err())?;
        Ok(rows.iter().filter_map(|r| serde_json::from_str(r).ok()).collect())
    }

    /// The pod named `name_or_id` (a name, a full ID or a unique ID
    /// prefix). Errors: [`PodError::NoSuchPod`], [`PodError::Ambiguous`].
    pub fn find_pod(&self, name_or_id: &str) -> Result<PodRecord, PodError> {
        let db = self.db()?;
        let q = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = db.conn().prepare(sql).map_err(db.err())?;
            stmt.query_map([name_or_id], parse_row)
                .map_err(db.err())?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db.err())
        };
        let mut rows = q("SELECT record FROM pods WHERE id = ?1 OR name = ?1 LIMIT 1")?;
        if rows.is_empty() && !name_or_id.is_empty() {
            rows = q("SELECT record FROM pods WHERE id >= ?1 AND id < ?1 || '~'")?;
        }
        match rows.len() {
            0 => Err(PodError::NoSuchPod(name_or_id.to_string())),
            1 => serde_json::from_str(&rows[0]).map_err(|source| {
                PodError::Store(StoreError::Corrupt { path: self.db_path().join("pods").join(name_or_id), source })
            }),
            n => Err(PodError::Ambiguous { prefix: name_or_id.to_string(), count: n }),
        }
    }
}
