//! Content-addressed blobs (`blobs/sha256/<hex>`): manifests, configs and,
//! when kept, compressed layers. A blob is written to `tmp/`, hashed while it
//! is written, and renamed into place only when its digest is the expected one.

use super::{Result, Store, StoreError, io_err};
use crate::digest::{Digest, Sha256Writer};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// A blob being written: hashes as it goes; [`BlobWriter::commit`] publishes
/// it. Dropped without commit, its temp file is removed.
pub struct BlobWriter {
    tmp: PathBuf,
    final_dir: PathBuf,
    out: Option<Sha256Writer<BufWriter<File>>>,
    /// Set once the temp file was renamed into place.
    published: bool,
}

impl Store {
    /// Path of the blob `digest` (whether or not it exists).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs_dir().join(digest.hex())
    }

    /// True if the blob is in the store.
    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).exists()
    }

    /// Reads a whole blob into memory (manifests and configs: small).
    pub fn read_blob(&self, digest: &Digest) -> Result<Vec<u8>> {
        let p = self.blob_path(digest);
        std::fs::read(&p).map_err(io_err(p))
    }

    /// Stores `data`, verifying it hashes to `expected` when given; returns
    /// its digest. Errors: [`StoreError::DigestMismatch`], I/O.
    pub fn put_blob(&self, data: &[u8], expected: Option<&Digest>, what: &str) -> Result<Digest> {
        let mut w = self.blob_writer()?;
        w.write_all(data).map_err(io_err(&w.tmp))?;
        w.commit(expected, what)
    }

    /// Starts writing a blob into `tmp/`.
    pub fn blob_writer(&self) -> Result<BlobWriter> {
        let tmp = self.tmp_dir().join(super::layers::tmp_name("blob"));
        let f = File::create(&tmp).map_err(io_err(&tmp))?;
        Ok(BlobWriter {
            tmp,
            final_dir: self.blobs_dir(),
            out: Some(Sha256Writer::new(BufWriter::new(f))),
            published: false,
        })
    }

    /// Deletes a blob; a missing blob is not an error.
    pub fn remove_blob(&self, digest: &Digest) -> Result<()> {
        let p = self.blob_path(digest);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(p)(e)),
            _ => Ok(()),
        }
    }
}

impl BlobWriter {
    /// Flushes, checks the digest against `expected` (if given) and renames
    /// the blob into place. `what` names the blob in a mismatch error
    /// (e.g. "manifest docker.io/library/busybox:latest").
    pub fn commit(mut self, expected: Option<&Digest>, what: &str) -> Result<Digest> {
        let out = self.out.take().expect("BlobWriter committed twice");
        let (digest, _len, buf) = out.finish();
        let file = buf.into_inner().map_err(|e| io_err(&self.tmp)(e.into_error()))?;
        file.sync_data().map_err(io_err(&self.tmp))?;
        if let Some(exp) = expected
            && *exp != digest
        {
            // Dropping `self` removes the temp file.
            return Err(StoreError::DigestMismatch { what: what.to_string(), expected: exp.clone(), actual: digest });
        }
        let dst = self.final_dir.join(digest.hex());
        std::fs::rename(&self.tmp, &dst).map_err(io_err(&dst))?;
        self.published = true;
        Ok(digest)
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.as_mut().expect("BlobWriter used after commit").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.as_mut().expect("BlobWriter used after commit").flush()
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
