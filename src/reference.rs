//! Image references: parse and normalize as docker does
//! (`busybox` → `docker.io/library/busybox:latest`).
//!
//! STUB: to be implemented (helper A).

use crate::digest::Digest;

/// A parsed, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host[:port], normalized (`docker.io` for Docker Hub).
    pub registry: String,
    /// Repository path (`library/busybox`).
    pub repository: String,
    /// Tag, `latest` when neither tag nor digest was given.
    pub tag: Option<String>,
    /// Digest, when given (`name@sha256:…`).
    pub digest: Option<Digest>,
}

/// Why a string is not a valid reference.
#[derive(Debug, thiserror::Error)]
#[error("invalid reference format: `{input}`: {reason}")]
pub struct ReferenceError {
    /// What was given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Reference {
    /// Parses and normalizes `s`.
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        Err(ReferenceError { input: s.to_string(), reason: "not implemented".into() })
    }
}
