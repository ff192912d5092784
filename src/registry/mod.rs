//! OCI distribution client and `pull` (OCI distribution-spec, "Pull";
//! docker's registry API v2): auth ([`auth`]), HTTP ([`client`]),
//! progress output, and the pull itself, which streams every layer from the
//! network through the digest check and gunzip straight into its layer
//! directory.
//!
//! Pull order: manifest (an index resolves to the host platform's manifest)
//! → config → each missing layer (verified blob digest and diff ID, then
//! committed under its chain ID) → config and manifest blobs → image record.
//! Nothing partial becomes visible: layers are staged under `tmp/` and
//! renamed; the image record is written last. An interrupted pull leaves
//! only staging garbage, which the next pull removes.
//!
//! This module must not fork or exec: the HTTP client's thread is joined
//! before [`pull`] returns.

pub mod auth;
pub mod client;
mod progress;

use crate::digest::{Digest, Sha256Reader};
use crate::image::unpack::{UnpackError, unpack};
use crate::image::{Compression, Descriptor, ImageError, ManifestDoc, choose_platform, host_platform};
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerInfo, Store, StoreError};
use client::Client;
use progress::{CountingReader, LayerProgress, Progress};
use std::io::{BufReader, Read};

/// Largest image config rcon reads, in bytes.
const CONFIG_LIMIT: u64 = 16 << 20;

/// How to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Print nothing (the caller prints the ID).
    pub quiet: bool,
    /// Verify TLS and require HTTPS for non-loopback registries.
    pub tls_verify: bool,
}

/// Why a pull failed. Every variant names the reference, digest or registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry has no such manifest (tag or digest) or repository.
    #[error("manifest unknown: {reference} not found")]
    ManifestUnknown {
        /// The reference asked for.
        reference: String,
    },
    /// The registry refused access even after authenticating.
    #[error("pull access denied for {reference}: the repository does not exist or may require authorization: {detail}")]
    Unauthorized {
        /// The reference asked for.
        reference: String,
        /// The registry's message.
        detail: String,
    },
    /// The registry wants a user name and password (HTTP Basic).
    #[error("registry {registry} requires a login (HTTP Basic authentication), which rcon does not support yet")]
    BasicAuthRequired {
        /// The registry.
        registry: String,
    },
    /// Getting a bearer token failed.
    #[error("authentication for registry {registry} at {realm} failed: {detail}")]
    Token {
        /// The registry.
        registry: String,
        /// The token endpoint.
        realm: String,
        /// What went wrong.
        detail: String,
    },
    /// A blob the manifest names is missing from the registry.
    #[error("blob unknown: {digest} not found in {repository}")]
    BlobUnknown {
        /// `registry/repository`.
        repository: String,
        /// The blob.
        digest: Digest,
    },
    /// An unexpected HTTP status.
    #[error("registry {registry} answered {status} for {url}: {message}")]
    Status {
        /// The registry.
        registry: String,
        /// The request URL.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The registry's error message.
        message: String,
    },
    /// The registry cannot be reached (DNS, connect, TLS, timeout).
    #[error("cannot reach registry {registry} at {url}")]
    Transport {
        /// The registry.
        registry: String,
        /// The URL tried.
        url: String,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The connection failed while reading a response body.
    #[error("reading {what} from registry {registry}")]
    Read {
        /// What was being read (`manifest …`, `blob sha256:…`).
        what: String,
        /// The registry.
        registry: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Content does not hash to the digest it was asked for by.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    DigestMismatch {
        /// What was downloaded.
        what: String,
        /// The digest it should have.
        expected: Digest,
        /// The digest it has.
        actual: Digest,
    },
    /// Content is not as long as its descriptor says.
    #[error("size mismatch for {what}: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        /// What was downloaded.
        what: String,
        /// Size in the descriptor.
        expected: u64,
        /// Bytes received (at most expected + 1).
        actual: u64,
    },
    /// A manifest or config is larger than rcon accepts.
    #[error("{what} is larger than {limit} bytes")]
    TooLarge {
        /// What was downloaded.
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A manifest list points to another list.
    #[error("{reference}: the image index entry {digest} is not an image manifest")]
    NestedIndex {
        /// The reference.
        reference: String,
        /// The entry.
        digest: Digest,
    },
    /// A manifest, index or config cannot be used.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// A layer cannot be unpacked (including escape attempts).
    #[error(transparent)]
    Unpack(#[from] UnpackError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Pulls `reference` into `store` and returns the stored image record.
/// See the module docs for the order of steps and what is verified.
/// Errors: [`RegistryError`] (wrapped in anyhow for the CLI).
pub fn pull(store: &Store, reference: &Reference, opts: &PullOptions) -> anyhow::Result<ImageRecord> {
    Ok(pull_image(store, reference, opts)?)
}

/// [`pull`] with a typed error.
pub fn pull_image(store: &Store, reference: &Reference, opts: &PullOptions) -> Result<ImageRecord, RegistryError> {
    store.clean_tmp();
    let progress = Progress::new(opts.quiet);
    progress.line(&format!("Trying to pull {reference}..."));
    // The client (and with it reqwest's runtime thread) lives only in this
    // call: everything after it is local.
    let fetched = {
        let mut client = Client::connect(reference, opts.tls_verify)?;
        fetch(&mut client, store, reference, &progress)?
    };
    crate::debug!("pull: HTTP client dropped; threads: {}", thread_count());
    store.put_blob(&fetched.config, Some(&fetched.config_digest), &format!("config of {reference}"))?;
    store.put_blob(&fetched.manifest, Some(&fetched.manifest_digest), &format!("manifest {reference}"))?;
    if let Some(index) = &fetched.index {
        store.put_blob(index, Some(&fetched.top_digest), &format!("image index {reference}"))?;
    }
    progress.line("Writing manifest to image destination");

    let tag = if reference.digest.is_none() { Some(reference.to_string()) } else { None };
    let existing = store.images()?.into_iter().find(|i| i.id == fetched.config_digest);
    let up_to_date =
        !fetched.downloaded && existing.as_ref().is_some_and(|i| tag.as_ref().is_none_or(|t| i.repo_tags.contains(t)));
    let record = ImageRecord {
        id: fetched.config_digest.clone(),
        manifest_digest: fetched.manifest_digest.clone(),
        repo_tags: tag.into_iter().collect(),
        repo_digests: vec![format!("{}@{}", reference.repository_name(), fetched.top_digest)],
        diff_ids: fetched.diff_ids.clone(),
        size: fetched.size,
        created: fetched
            .created
            .as_deref()
            .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
            .map(|d| d.with_timezone(&chrono::Utc)),
    };
    store.add_image(record.clone())?;
    progress.line(&format!("Digest: {}", fetched.top_digest));
    if up_to_date {
        progress.line(&format!("Status: Image is up to date for {reference}"));
    } else {
        progress.line(&format!("Status: Downloaded newer image for {reference}"));
    }
    Ok(store.images()?.into_iter().find(|i| i.id == record.id).unwrap_or(record))
}

/// Threads of this process (`/proc/self/status`), for a debug check that
/// the HTTP client's runtime thread is gone.
fn thread_count() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Threads:").map(|t| t.trim().to_string())))
        .unwrap_or_else(|| "?".into())
}

/// What the network part of a pull produced.
struct Fetched {
    /// Digest of what the reference resolved to (index or manifest).
    top_digest: Digest,
    /// The index body, when the reference named one.
    index: Option<Vec<u8>>,
    manifest: Vec<u8>,
    manifest_digest: Digest,
    config: Vec<u8>,
    config_digest: Digest,
    diff_ids: Vec<Digest>,
    created: Option<String>,
    /// Unpacked size of all layers, bytes.
    size: u64,
    /// True if any layer was downloaded.
    downloaded: bool,
}

fn check_digest(what: &str, data: &[u8], expected: &Digest) -> Result<Digest, RegistryError> {
    let actual = Digest::of(data);
    if &actual != expected {
        return Err(RegistryError::DigestMismatch { what: what.to_string(), expected: expected.clone(), actual });
    }
    Ok(actual)
}

fn fetch(
    client: &mut Client,
    store: &Store,
    reference: &Reference,
    progress: &Progress,
) -> Result<Fetched, RegistryError> {
    let shown = reference.to_string();
    let top = client.manifest(&reference.manifest_ref(), &shown)?;
    let top_digest = Digest::of(&top.body);
    if let Some(d) = &reference.digest {
        check_digest(&format!("manifest {shown}"), &top.body, d)?;
    } else if let Some(h) = &top.header_digest {
        check_digest(&format!("manifest {shown} (Docker-Content-Digest)"), &top.body, h)?;
    }

    let (manifest, manifest_body, manifest_digest, index) =
        match crate::image::parse_manifest(top.content_type.as_deref(), &top.body, &shown)? {
            ManifestDoc::Image(m) => (m, top.body, top_digest.clone(), None),
            ManifestDoc::Index(idx) => {
                let desc = choose_platform(&idx, &host_platform(), &shown)?.clone();
                let what = format!("manifest {desc_digest} of {shown}", desc_digest = desc.digest);
                let m = client.manifest(&desc.digest.to_string(), &reference.with_digest(&desc.digest).to_string())?;
                check_digest(&what, &m.body, &desc.digest)?;
                match crate::image::parse_manifest(m.content_type.as_deref(), &m.body, &what)? {
                    ManifestDoc::Image(im) => (im, m.body, desc.digest, Some(top.body)),
                    ManifestDoc::Index(_) => {
                        return Err(RegistryError::NestedIndex { reference: shown, digest: desc.digest });
                    }
                }
            }
        };

    let config_digest = manifest.config.digest.clone();
    let config = if store.has_blob(&config_digest) {
        store.read_blob(&config_digest)?
    } else {
        let bytes = client.blob_bytes(&config_digest, CONFIG_LIMIT)?;
        check_digest(&format!("config of {shown}"), &bytes, &config_digest)?;
        bytes
    };
    let summary = crate::image::parse_config(&config, &format!("{shown} (config {config_digest})"))?;
    let diff_ids = summary.rootfs.diff_ids.clone();
    if diff_ids.len() != manifest.layers.len() {
        return Err(ImageError::LayerCount {
            reference: shown,
            layers: manifest.layers.len(),
            diff_ids: diff_ids.len(),
        }
        .into());
    }

    let chain_ids = Digest::chain_ids(&diff_ids);
    let mut size = 0;
    let mut downloaded = false;
    for (i, desc) in manifest.layers.iter().enumerate() {
        if let Some(info) = store.layer(&chain_ids[i])? {
            size += info.size;
            progress.line(&format!("Copying blob {} skipped: already exists", desc.digest.short()));
            continue;
        }
        let layer = LayerJob {
            desc,
            diff_id: &diff_ids[i],
            chain_id: &chain_ids[i],
            parent: i.checked_sub(1).map(|p| &chain_ids[p]),
            reference: &shown,
        };
        size += layer.fetch(client, store, progress)?;
        downloaded = true;
    }
    progress.line(&format!("Copying config {} done", config_digest.short()));
    Ok(Fetched {
        top_digest,
        index,
        manifest: manifest_body,
        manifest_digest,
        config,
        config_digest,
        diff_ids,
        created: summary.created,
        size,
        downloaded,
    })
}

/// One layer to download and unpack.
struct LayerJob<'a> {
    desc: &'a Descriptor,
    diff_id: &'a Digest,
    chain_id: &'a Digest,
    parent: Option<&'a Digest>,
    reference: &'a str,
}

impl LayerJob<'_> {
    /// Streams the blob: HTTP body → sha256 (blob digest) → gunzip → sha256
    /// (diff ID) → unpack into a staging directory; commits it only when
    /// both digests and the size match. Returns the unpacked size in bytes.
    fn fetch(&self, client: &mut Client, store: &Store, progress: &Progress) -> Result<u64, RegistryError> {
        let digest = &self.desc.digest;
        let compression = crate::image::layer_compression(&self.desc.media_type, &format!("layer {digest}"))?;
        let staging = store.layer_staging()?;
        let bar = progress.layer(digest, self.desc.size);
        let result = self.stream(client, &staging.diff_dir(), compression, &bar);
        match result {
            Ok(size) => {
                staging.commit(&LayerInfo {
                    chain_id: self.chain_id.clone(),
                    diff_id: self.diff_id.clone(),
                    parent: self.parent.cloned(),
                    size,
                })?;
                bar.finish();
                Ok(size)
            }
            Err(e) => {
                bar.abandon();
                Err(e) // `staging` is dropped: its directory is removed.
            }
        }
    }

    fn stream(
        &self,
        client: &mut Client,
        dir: &std::path::Path,
        compression: Compression,
        bar: &LayerProgress,
    ) -> Result<u64, RegistryError> {
        let digest = &self.desc.digest;
        let what = format!("layer {digest} of {}", self.reference);
        let registry = client.registry().to_string();
        let read_err =
            |source| RegistryError::Read { what: format!("blob {digest}"), registry: registry.clone(), source };
        let resp = client.blob(digest)?;
        // At most one byte more than announced: enough to detect a lie
        // without reading an endless body.
        let counted = CountingReader { inner: resp.take(self.desc.size + 1), progress: bar };
        let mut blob = Sha256Reader::new(BufReader::with_capacity(128 << 10, counted));
        // Unpack; whatever the outcome, read the blob to its end so that a
        // tampered blob is reported as the digest mismatch it is, not as the
        // gzip or tar error it causes.
        let outcome = unpack_blob(&mut blob, dir, compression, digest);
        let drained = std::io::copy(&mut blob, &mut std::io::sink());
        let (blob_digest, len, _) = blob.finish();
        // A short body after a failed unpack is a broken stream: report the
        // stream's error, not the size.
        let broken = outcome.is_err() && len < self.desc.size;
        if drained.is_ok() && !broken {
            if len != self.desc.size {
                return Err(RegistryError::SizeMismatch { what, expected: self.desc.size, actual: len });
            }
            if &blob_digest != digest {
                return Err(RegistryError::DigestMismatch { what, expected: digest.clone(), actual: blob_digest });
            }
        }
        let (diff, stats) = outcome?;
        drained.map_err(read_err)?;
        let diff = diff.unwrap_or(blob_digest); // An uncompressed blob is its own diff.
        if &diff != self.diff_id {
            return Err(RegistryError::DigestMismatch {
                what: format!("uncompressed {what} (config diff ID)"),
                expected: self.diff_id.clone(),
                actual: diff,
            });
        }
        Ok(stats.size)
    }
}

/// Unpacks a layer blob into `dir`; returns the diff ID (`None` for an
/// uncompressed blob, whose diff ID is its digest) and the unpack stats.
fn unpack_blob<R: Read>(
    blob: &mut R,
    dir: &std::path::Path,
    compression: Compression,
    digest: &Digest,
) -> Result<(Option<Digest>, crate::image::unpack::UnpackStats), RegistryError> {
    let label = digest.to_string();
    let read_err = |source| UnpackError::Read { layer: label.clone(), source };
    match compression {
        Compression::Gzip => {
            let mut tar = Sha256Reader::new(flate2::read::MultiGzDecoder::new(blob));
            let stats = unpack(&mut tar, dir, &label)?;
            // The diff ID covers the whole stream, padding after the
            // end-of-archive blocks included.
            std::io::copy(&mut tar, &mut std::io::sink()).map_err(read_err)?;
            Ok((Some(tar.finish().0), stats))
        }
        Compression::None => {
            let stats = unpack(&mut *blob, dir, &label)?;
            Ok((None, stats))
        }
    }
}
