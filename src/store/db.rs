//! The store's database, `<root>/rcon.db` (SQLite, through rusqlite with
//! the bundled library): the records that listing, name and ID claims,
//! filters and references need. Large or rarely read data (a container's
//! OCI spec in `containers/<id>/config.json`, logs, blobs, layers) stay
//! files.
//!
//! Rules:
//! - WAL mode (readers never wait for the writer), a busy timeout
//!   ([`BUSY_TIMEOUT`]), `synchronous=NORMAL` (a killed rcon loses nothing
//!   committed; a power loss may lose the last transactions, as the
//!   containers themselves are lost then). The last connection to close
//!   checkpoints (two to four fsyncs per writing command).
//! - One transaction per state change; `BEGIN IMMEDIATE` for
//!   read-modify-write, so two writers never deadlock on a lock upgrade.
//! - One connection per command: a store made with
//!   [`Store::keep_connection`] (the CLI's and the API's) keeps its
//!   connection between operations and closes it when its last clone is
//!   dropped, so a command writes one WAL and checkpoints it once (four
//!   fsyncs: the new WAL's header and directory, then the checkpoint's WAL
//!   and database), where a connection per operation paid that for each
//!   write (12 fsyncs for `run --rm`, 16 for `start`). Without it (the
//!   monitor, which must stay small and lives as long as its container),
//!   [`Store::db`] opens one per operation. No transaction is held across
//!   slow work either way. SQLite forbids using a connection in a forked
//!   child: a kept connection is tagged with its process ID, and a child
//!   that finds its parent's leaves it untouched (never closes it, which
//!   would release the parent's locks) and opens its own.
//! - The schema is versioned with `PRAGMA user_version`; [`MIGRATIONS`]
//!   brings any older database (and the JSON layout of rcon before the
//!   database, version 0) to the current version, in one transaction, on
//!   the first open by a newer rcon.

use super::{Result, Store, StoreError};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::PathBuf;
use std::time::Duration;

/// How long a statement waits for another process's write transaction
/// before failing with "database is locked". Write transactions are short
/// (no slow work inside), so reaching this means something is wrong.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The schema version this rcon writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A migration step: brings the database from version `i` to `i + 1`
/// (for `MIGRATIONS[i]`), inside the migration transaction.
type Migration = fn(&rusqlite::Transaction, &Store) -> Result<()>;

/// Every migration, in order; the schema version is the count applied.
const MIGRATIONS: [Migration; 4] = [v1_containers, super::pods::migrate_v2, v3_images, super::volumes::migrate_v4];

pub use super::rows::DbError;

/// An open connection to the store's database (see the module doc: open,
/// use, drop). A kept connection goes back to its store's slot on drop.
pub struct Db {
    conn: Option<Connection>,
    path: PathBuf,
    slot: Option<std::sync::Arc<ConnSlot>>,
}

/// An idle connection to the store's database, closed on drop (which
/// checkpoints the WAL when it is the last): see [`Store::hold_open`].
#[derive(Debug)]
pub struct HeldDb {
    _conn: Connection,
}

/// Where a store keeps its connection between operations: the connection
/// and the process that opened it.
#[derive(Debug, Default)]
pub struct ConnSlot(std::sync::Mutex<Option<(u32, Connection)>>);

impl ConnSlot {
    /// The kept connection, if this process opened it. One of the parent
    /// (after a fork) is leaked on purpose: closing it in the child would
    /// drop the parent's POSIX locks on the database.
    fn take(&self) -> Option<Connection> {
        let (pid, conn) = self.0.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        if pid == std::process::id() {
            Some(conn)
        } else {
            std::mem::forget(conn);
            None
        }
    }

    /// Keeps `conn` unless one is kept already (then it is closed).
    fn put(&self, conn: Connection) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() && conn.is_autocommit() {
            *slot = Some((std::process::id(), conn));
        }
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        // Closed (checkpointing the WAL) by the process that opened it only.
        if let Some((pid, conn)) = self.0.get_mut().unwrap_or_else(|e| e.into_inner()).take()
            && pid != std::process::id()
        {
            std::mem::forget(conn);
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let (Some(slot), Some(conn)) = (&self.slot, self.conn.take()) {
            slot.put(conn);
        }
    }
}

impl Db {
    /// The connection.
    pub fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("a Db has its connection until dropped")
    }

    /// The rows of a query of two text columns (a key and a record),
    /// prepared once per connection.
    pub fn pairs(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare_cached(sql).map_err(self.err())?;
        stmt.query_map(params, |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.err())
    }

    /// Attaches the database path to a SQLite error.
    pub fn err(&self) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Db(DbError { path: self.path.clone(), source })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed when `f`
    /// returns `Ok`, rolled back otherwise.
    pub fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Db(DbError { path: path.clone(), source });
        let conn = self.conn.as_mut().expect("a Db has its connection until dropped");
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(wrap)?;
        let out = f(&tx)?;
        tx.commit().map_err(wrap)?;
        Ok(out)
    }
}

impl Store {
    /// `<root>/rcon.db`.
    pub fn db_path(&self) -> PathBuf {
        self.root().join("rcon.db")
    }

    /// This store (and its clones) keeps one database connection between
    /// operations, closed when the last clone is dropped (see the module
    /// doc). For short-lived commands, not for long-lived small processes.
    pub fn keep_connection(mut self) -> Store {
        self.conn = Some(std::sync::Arc::new(ConnSlot::default()));
        self
    }

    /// Opens the database, creating or migrating it when needed (or takes
    /// the kept connection). Errors: [`StoreError::Db`] (the file is not a
    /// database, a newer rcon's schema, I/O), migration errors.
    pub fn db(&self) -> Result<Db> {
        let path = self.db_path();
        if let Some(conn) = self.conn.as_ref().and_then(|s| s.take()) {
            return Ok(Db { conn: Some(conn), path, slot: self.conn.clone() });
        }
        let wrap = |source| StoreError::Db(DbError { path: path.clone(), source });
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(wrap)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(wrap)?;
        // The last connection to close checkpoints the WAL and deletes it
        // (SQLite's default). Not doing so (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE)
        // saves the fsyncs, but every command's first connection then
        // rebuilds the WAL index from a WAL that is never reset: it grew to
        // 55 MB over 1,700 creates and cost 25 ms per command (BENCHMARKS.md).
        let mut db = Db { conn: Some(conn), path: path.clone(), slot: self.conn.clone() };
        let version: i64 = db.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(wrap)?;
        if version != SCHEMA_VERSION {
            self.migrate(&mut db, version)?;
        }
        Ok(db)
    }

    /// A connection that does nothing but stay open, for a long-lived
    /// process (the API service holds one for its lifetime). While it is
    /// held, no other connection is the database's last, so none of the
    /// rcon processes it starts (workers, `start`, monitors) checkpoints
    /// and deletes the WAL when it closes (the four fsyncs per writing
    /// command of the module doc) and none rebuilds the WAL index when it
    /// opens: SQLite's auto-checkpoint (every 1000 pages written, about
    /// 4 MiB) checkpoints the WAL instead, and its next writer starts it
    /// over. `synchronous=NORMAL` is unchanged: a killed rcon still loses
    /// nothing committed. Errors: those of [`Store::db`].
    pub fn hold_open(&self) -> Result<HeldDb> {
        let mut db = self.db()?;
        let conn = db.conn.take().expect("a Db has its connection until dropped");
        Ok(HeldDb { _conn: conn })
    }

    /// Brings the database to [`SCHEMA_VERSION`] in one transaction
    /// (another rcon may be doing the same: the version is read again
    /// under the write lock).
    fn migrate(&self, db: &mut Db, seen: i64) -> Result<()> {
        if seen > SCHEMA_VERSION {
            return Err(StoreError::DbTooNew { path: db.path.clone(), version: seen, supported: SCHEMA_VERSION });
        }
        // WAL cannot be switched on inside a transaction; it is persistent.
        let _: String = db.conn().query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(db.err())?;
        let path = db.path.clone();
        db.write(|tx| {
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|source| StoreError::Db(DbError { path: path.clone(), source }))?;
            for m in MIGRATIONS.iter().skip(version.max(0) as usize) {
                m(tx, self)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|source| StoreError::Db(DbError { path: path.clone(), source }))
        })
    }

    /// `PRAGMA integrity_check`: `Ok(vec![])` when the database is sound,
    /// else SQLite's list of problems.
    pub fn db_integrity_check(&self) -> Result<Vec<String>> {
        let db = self.db()?;
        let mut stmt = db.conn().prepare("PRAGMA integrity_check").map_err(db.err())?;
        let rows: Vec<String> =
            stmt.query_map([], |r| r.get(0)).map_err(db.err())?.collect::<rusqlite::Result<_>>().map_err(db.err())?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }
}

/// Version 1: the containers table (names are claimed by its UNIQUE
/// constraint), filled from the JSON records of older rcon
/// (`containers/<id>/config.json` and `state.json`).
fn v1_containers(tx: &rusqlite::Transaction, store: &Store) -> Result<()> {
    let path = store.db_path();
    let wrap = |source| StoreError::Db(DbError { path: path.clone(), source });
    tx.execute_batch(
        "CREATE TABLE containers (
            id TEXT PRIMARY KEY NOT NULL,  -- 64 hex digits
            name TEXT UNIQUE NOT NULL,     -- without docker's leading /
            image TEXT NOT NULL,           -- the reference as given
            image_id TEXT NOT NULL,        -- sha256:…
            command TEXT NOT NULL,         -- JSON array
            created INTEGER NOT NULL,      -- nanoseconds since the epoch
            labels TEXT NOT NULL,          -- JSON object
            layers TEXT NOT NULL,          -- JSON array of chain IDs, base first
            volumes TEXT NOT NULL,         -- JSON array of named volumes it mounts
            status TEXT NOT NULL,          -- created | running | exited (as recorded)
            exit_code INTEGER,
            state TEXT NOT NULL,           -- the whole ContainerState, JSON
            problem TEXT                   -- why its files cannot be read, if so
        );
        CREATE INDEX containers_created ON containers(created);
        CREATE INDEX containers_image ON containers(image_id);",
    )
    .map_err(wrap)?;
    super::rows::import_json_records(tx, &path, &store.containers_dir())
}

/// Version 3: the image index in the database (`images`, one row per
/// image in the order they were added, the record as JSON; `image_names`,
/// the tags and digest references they are found by), filled from
/// `images.json`; and an index of the containers' status, for the
/// running containers that networking and `ps` look at.
fn v3_images(tx: &rusqlite::Transaction, store: &Store) -> Result<()> {
    let path = store.db_path();
    let wrap = |source| StoreError::Db(DbError { path: path.clone(), source });
    tx.execute_batch(
        "CREATE TABLE images (
            seq INTEGER PRIMARY KEY,       -- the order images were added
            id TEXT UNIQUE NOT NULL,       -- sha256:… of the config blob
            record TEXT NOT NULL           -- the whole ImageRecord, JSON
        );
        CREATE TABLE image_names (
            name TEXT NOT NULL,            -- a tag or digest reference, normalized
            image_id TEXT NOT NULL,        -- images.id
            PRIMARY KEY (name, image_id)
        );
        CREATE INDEX image_names_image ON image_names(image_id);
        CREATE INDEX containers_status ON containers(status);",
    )
    .map_err(wrap)?;
    if let Some(aside) = super::rows::import_image_index(tx, &path, store.root())? {
        crate::warn!(
            "the image index {} is damaged and was kept aside; `rcon system check` reports it",
            aside.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept connection serves every operation of a store and its clones
    /// (a TEMP table is visible only on the connection that made it), a
    /// nested operation opens its own, and the last close checkpoints and
    /// removes the WAL.
    #[test]
    fn a_kept_connection_is_reused_and_closed_with_the_store() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(&d.path().join("root"), &d.path().join("run")).unwrap().keep_connection();
        store.db().unwrap().conn().execute_batch("CREATE TEMP TABLE mark (x)").unwrap();
        let seen = |db: &Db| db.conn().prepare("SELECT x FROM temp.mark").is_ok();
        assert!(seen(&store.clone().db().unwrap()), "a clone shares the kept connection");
        let outer = store.db().unwrap();
        let nested = store.db().unwrap();
        assert!(seen(&outer) && !seen(&nested), "a nested operation has a connection of its own");
        nested.conn().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1)").unwrap();
        drop((nested, outer));
        assert!(store.db_path().with_extension("db-wal").exists());
        drop(store);
        assert!(!d.path().join("root/rcon.db-wal").exists(), "the last close checkpointed the WAL");
        let plain = Store::open(&d.path().join("root"), &d.path().join("run")).unwrap();
        plain.db().unwrap().conn().execute_batch("CREATE TEMP TABLE mark (x)").unwrap();
        assert!(!seen(&plain.db().unwrap()), "without keep_connection each operation opens one");
    }
}
