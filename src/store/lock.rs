//! Advisory file locks (flock(2)) that serialize changes to shared store
//! records between concurrent `rcon` processes.

use super::{Result, Store, io_err};
use std::fs::{File, OpenOptions};
use std::path::Path;

/// An exclusive lock, released when dropped (the file is closed) or when
/// the process dies.
pub struct StoreLock {
    _file: File,
}

impl StoreLock {
    /// Takes an exclusive lock on `path`, creating the file if needed; blocks
    /// until the lock is free.
    pub fn exclusive(path: &Path) -> Result<StoreLock> {
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(path).map_err(io_err(path))?;
        // std's File::lock is flock(2) LOCK_EX on Linux.
        file.lock().map_err(io_err(path))?;
        Ok(StoreLock { _file: file })
    }

    /// Takes an exclusive lock on an existing `path` without waiting:
    /// `Ok(None)` when another process holds it or the file does not exist.
    pub fn try_exclusive(path: &Path) -> Result<Option<StoreLock>> {
        let file = match OpenOptions::new().write(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(path)(e)),
        };
        // std's File::try_lock is flock(2) LOCK_EX | LOCK_NB on Linux.
        match file.try_lock() {
            Ok(()) => Ok(Some(StoreLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(io_err(path)(e)),
        }
    }
}

impl Store {
    /// The store-wide lock: held while the image index is read-modify-written,
    /// while layers are published or removed, and while container names are
    /// claimed.
    pub fn lock(&self) -> Result<StoreLock> {
        StoreLock::exclusive(&self.root.join("store.lock"))
    }
}
