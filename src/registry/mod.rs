//! OCI distribution client: auth, manifests, blobs, pull.
//!
//! STUB: to be implemented (helper A).

use crate::reference::Reference;
use crate::store::{ImageRecord, Store};

/// How to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Print nothing (the caller prints the ID).
    pub quiet: bool,
    /// Verify TLS and require HTTPS for non-loopback registries.
    pub tls_verify: bool,
}

/// Pulls `reference` into `store` and returns the stored image record.
pub fn pull(store: &Store, reference: &Reference, opts: &PullOptions) -> anyhow::Result<ImageRecord> {
    let _ = (store, reference, opts);
    anyhow::bail!("pull: not implemented yet")
}
