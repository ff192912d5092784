//! Content digests (OCI image-spec descriptor.md, "Digests"): the
//! `algorithm:hex` strings that name every blob, layer and image.
//!
//! Only `sha256` is produced; `sha512` is parsed so that errors about it are
//! precise, but rcon stores and verifies sha256 only.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::str::FromStr;

/// A parsed `sha256:<64 lowercase hex>` digest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    hex: String,
}

/// Why a string is not a digest we accept.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The string has no `algorithm:` prefix.
    #[error("invalid digest `{0}`: expected `sha256:<64 hex digits>`")]
    Malformed(String),
    /// The algorithm is not sha256.
    #[error("unsupported digest algorithm in `{0}`: only sha256 is supported")]
    Algorithm(String),
}

impl Digest {
    /// The digest of `data` (sha256).
    pub fn of(data: &[u8]) -> Digest {
        Digest::from_sha256(Sha256::digest(data).as_slice())
    }

    /// Builds a digest from a raw 32-byte sha256 output.
    pub fn from_sha256(raw: &[u8]) -> Digest {
        Digest { hex: hex::encode(raw) }
    }

    /// Builds a digest from 64 lowercase hex digits (no `sha256:` prefix).
    pub fn from_hex(hex: &str) -> Result<Digest, DigestError> {
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(Digest { hex: hex.to_string() })
        } else {
            Err(DigestError::Malformed(hex.to_string()))
        }
    }

    /// The 64 hex digits, without the algorithm.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The first 12 hex digits, as docker shows image and container IDs.
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }

    /// The chain ID of a layer whose parent chain is `parent` and whose own
    /// diff ID is `diff_id` (OCI image-spec config.md, "Layer ChainID"):
    /// `ChainID(L0) = DiffID(L0)`, `ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))`.
    pub fn chain(parent: Option<&Digest>, diff_id: &Digest) -> Digest {
        match parent {
            None => diff_id.clone(),
            Some(p) => Digest::of(format!("{p} {diff_id}").as_bytes()),
        }
    }

    /// The chain IDs of a stack of diff IDs, base layer first.
    pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
        let mut out: Vec<Digest> = Vec::with_capacity(diff_ids.len());
        for d in diff_ids {
            let next = Digest::chain(out.last(), d);
            out.push(next);
        }
        out
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Digest, DigestError> {
        match s.split_once(':') {
            Some(("sha256", hex)) => Digest::from_hex(hex).map_err(|_| DigestError::Malformed(s.to_string())),
            Some((alg, _)) if !alg.is_empty() => Err(DigestError::Algorithm(s.to_string())),
            _ => Err(DigestError::Malformed(s.to_string())),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl From<&Digest> for oci_spec::image::Digest {
    /// The same digest as `oci_spec`'s type (for its descriptors).
    fn from(d: &Digest) -> Self {
        d.hex.parse::<oci_spec::image::Sha256Digest>().expect("64 lowercase hex digits").into()
    }
}

impl TryFrom<&oci_spec::image::Digest> for Digest {
    type Error = DigestError;
    /// `oci_spec`'s digest as rcon's. Errors: [`DigestError::Algorithm`] for
    /// anything but sha256.
    fn try_from(d: &oci_spec::image::Digest) -> Result<Digest, DigestError> {
        d.as_ref().parse()
    }
}

/// A writer adapter that hashes everything passing through it (sha256) and
/// counts bytes, for verifying streamed blobs without a second read.
pub struct Sha256Writer<W> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W> Sha256Writer<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Sha256Writer { inner, hasher: Sha256::new(), len: 0 }
    }
    /// The digest and byte count of what was written, and the inner writer.
    pub fn finish(self) -> (Digest, u64, W) {
        (Digest::from_sha256(self.hasher.finalize().as_slice()), self.len, self.inner)
    }
}

impl<W: std::io::Write> std::io::Write for Sha256Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A reader adapter that hashes everything read through it (sha256) and
/// counts bytes: HTTP body → `Sha256Reader` → gunzip → tar.
pub struct Sha256Reader<R> {
    inner: R,
    hasher: Sha256,
    len: u64,
}

impl<R> Sha256Reader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Sha256Reader { inner, hasher: Sha256::new(), len: 0 }
    }
    /// Bytes read so far.
    pub fn len(&self) -> u64 {
        self.len
    }
    /// True when nothing was read yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The digest and byte count of what was read, and the inner reader.
    pub fn finish(self) -> (Digest, u64, R) {
        (Digest::from_sha256(self.hasher.finalize().as_slice()), self.len, self.inner)
    }
}

impl<R: std::io::Read> std::io::Read for Sha256Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let d: Digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".parse().unwrap();
        assert_eq!(d, Digest::of(b""));
        assert_eq!(d.short(), "e3b0c44298fc");
        assert!("sha256:abc".parse::<Digest>().is_err());
        assert!(matches!("sha512:abc".parse::<Digest>(), Err(DigestError::Algorithm(_))));
        assert!("e3b0".parse::<Digest>().is_err());
    }

    #[test]
    fn chain_ids_follow_the_spec() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        let ids = Digest::chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(ids[0], a);
        assert_eq!(ids[1], Digest::of(format!("{a} {b}").as_bytes()));
    }
}
