//! Advisory file locks (flock(2)) that serialize changes to shared store
//! records between concurrent `rcon` processes.

use super::{Result, Store, io_err};
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::path::Path;

/// An exclusive lock, released when dropped (or when the process dies).
pub struct StoreLock {
    _lock: Flock<File>,
}

impl StoreLock {
    /// Takes an exclusive lock on `path`, creating the file if needed; blocks
    /// until the lock is free.
    pub fn exclusive(path: &Path) -> Result<StoreLock> {
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(path).map_err(io_err(path))?;
        let lock =
            Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| io_err(path)(std::io::Error::from(e)))?;
        Ok(StoreLock { _lock: lock })
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
