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
}

impl Store {
    /// The store-wide lock: held while the image index is read-modify-written,
    /// while layers are published or removed, and while container names are
    /// claimed.
    pub fn lock(&self) -> Result<StoreLock> {
        StoreLock::exclusive(&self.root.join("store.lock"))
    }
}
