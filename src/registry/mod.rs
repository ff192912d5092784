//! OCI distribution client, `pull` and `push` (OCI distribution-spec;
//! docker's registry API v2): auth ([`auth`], [`credentials`]), HTTP
//! ([`client`]), progress output, the pull itself, which streams every layer
//! from the network through the digest check and decompression straight
//! into its layer directory, several layers at once, and [`push`].
//!
//! Pull order: manifest (an index resolves to the wanted platform's
//! manifest) → config → the missing layers, in parallel (each: verified
//! blob digest and diff ID, then committed under its chain ID) → config and
//! manifest blobs → image record. Nothing partial becomes visible: layers
//! are staged under `tmp/` and renamed; the image record is written last. An
//! interrupted pull leaves only staging garbage, which the next pull
//! removes, and the layers it finished, which the next pull reuses.
//!
//! Threads: the layer workers (each with a scoped reader thread that
//! hashes and decompresses while the worker unpacks) are scoped threads
//! joined before the layers step returns, and the HTTP client's runtime thread is joined when the
//! client is dropped, before [`pull`] returns (docs/ARCHITECTURE.md hazard 1). This
//! module must not fork or exec (credential helpers aside, which run
//! before any thread is started).

pub mod auth;
pub mod client;
pub mod config;
pub mod credentials;
mod progress;
pub mod push;
pub mod search;

use crate::digest::{Digest, Sha256Reader};
use crate::image::tarsplit::{Recorder, RecordingReader};
use crate::image::unpack::{UnpackError, unpack_recording};
use crate::image::{Compression, ImageError, ManifestDoc, Platform, choose_platform, descriptor_digest, host_platform};
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerBlob, LayerInfo, Store, StoreError};
use client::{Access, Client, ClientOptions};
use credentials::Credentials;
pub use progress::ProgressSink;
use progress::{CountingReader, LayerProgress, Progress};
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Largest image config rcon reads, in bytes.
const CONFIG_LIMIT: u64 = 16 << 20;

/// Default number of layers downloaded at once.
pub const DEFAULT_CONCURRENT_DOWNLOADS: usize = 3;

/// How to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Print nothing (the caller prints the ID).
    pub quiet: bool,
    /// Verify TLS and require HTTPS for non-loopback registries.
    pub tls_verify: bool,
    /// Progress on stdout (`pull`, as docker's) instead of stderr (`run`,
    /// `build`, whose stdout is the container's).
    pub stdout: bool,
}

impl Default for PullOptions {
    /// Progress shown, TLS verified.
    fn default() -> Self {
        PullOptions { quiet: false, tls_verify: true, stdout: false }
    }
}

/// Transfer settings shared by pull and push beyond [`PullOptions`]; the
/// default is what `rcon pull` does without flags.
#[derive(Debug, Clone)]
pub struct TransferOptions {
    /// Platform to choose from an index; `None`: the host's.
    pub platform: Option<Platform>,
    /// Layers transferred at once (at least 1).
    pub max_concurrent: usize,
    /// Retries of a failed request or broken download.
    pub retries: u32,
    /// Fixed delay between retries; `None`: exponential from 1 s.
    pub retry_delay: Option<Duration>,
    /// `--creds`: used instead of stored credentials.
    pub credentials: Option<Credentials>,
    /// `--authfile`.
    pub authfile: Option<PathBuf>,
    /// `--stall-timeout`: seconds without a byte after which a download
    /// counts as stalled (see [`ClientOptions::stall_timeout`]).
    pub stall_timeout: Duration,
    /// docker's JSON progress messages go here instead of the terminal
    /// (the API service's pull and push streams).
    pub progress: Option<ProgressSink>,
}

impl Default for TransferOptions {
    fn default() -> Self {
        TransferOptions {
            platform: None,
            max_concurrent: DEFAULT_CONCURRENT_DOWNLOADS,
            retries: 3,
            retry_delay: None,
            credentials: None,
            authfile: None,
            stall_timeout: client::DEFAULT_STALL_TIMEOUT,
            progress: None,
        }
    }
}

impl TransferOptions {
    /// Client settings for `reference`: credentials from `--creds`, else
    /// from the auth files (see [`credentials`]).
    pub fn client_options(
        &self,
        reference: &Reference,
        tls_verify: bool,
        notices: bool,
    ) -> Result<ClientOptions, RegistryError> {
        let credentials = match &self.credentials {
            Some(c) => Some(c.clone()),
            None => credentials::lookup(&reference.registry, &reference.repository, self.authfile.as_deref())?,
        };
        Ok(ClientOptions {
            tls_verify,
            retries: self.retries,
            retry_delay: self.retry_delay,
            credentials,
            notices,
            stall_timeout: self.stall_timeout,
        })
    }
}

/// Why a pull or push failed. Every variant names the reference, digest or registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry has no such manifest (tag or digest) or repository.
    #[error("manifest for {reference} not found: manifest unknown: manifest unknown")]
    ManifestUnknown {
        /// The reference asked for.
        reference: String,
    },
    /// The registry refused access even after authenticating.
    #[error(
        "unauthorized: {} access to {reference} denied by registry {registry}{}: {detail}",
        if *push { "push" } else { "pull" },
        if *with_credentials { " (the credentials were rejected or lack access)" } else { ": the repository does not exist or requires authorization (`rcon login`)" }
    )]
    Unauthorized {
        /// The registry.
        registry: String,
        /// The reference asked for.
        reference: String,
        /// A push (else a pull).
        push: bool,
        /// Credentials were sent.
        with_credentials: bool,
        /// The registry's message.
        detail: String,
    },
    /// The registry wants a user name and password (HTTP Basic) and rcon has none.
    #[error(
        "unauthorized: registry {registry} requires a login (HTTP Basic authentication): run `rcon login {registry}` or pass --creds"
    )]
    BasicAuthRequired {
        /// The registry.
        registry: String,
    },
    /// The registry keeps answering 429.
    #[error("rate limited: registry {registry} answered 429 Too Many Requests for {what}{}; try again later",
        retry_after.map(|s| format!(" (Retry-After: {s} s)")).unwrap_or_default())]
    RateLimited {
        /// The registry.
        registry: String,
        /// What was requested.
        what: String,
        /// The last `Retry-After`, seconds.
        retry_after: Option<u64>,
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
    /// Credentials cannot be read.
    #[error("{0}")]
    Credentials(#[from] credentials::CredentialsError),
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
    /// A registry that is verified (not loopback, no `--tls-verify=false`,
    /// not `insecure = true`) presented a certificate rcon does not trust.
    #[error(
        "cannot verify the TLS certificate of registry {registry} ({detail}); if you trust it, use `--tls-verify=false` or set `insecure = true` for it in registries.conf, or add its CA certificate to the system's trust store"
    )]
    Certificate {
        /// The registry.
        registry: String,
        /// What rustls said.
        detail: String,
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
    /// A local layer or blob needed for a push cannot be read or rebuilt.
    #[error("{what}: {detail}")]
    Local {
        /// The layer or blob.
        what: String,
        /// What went wrong.
        detail: String,
    },
    /// A push names a tag no local image has, while other tags of its
    /// repository exist (docker's words).
    #[error("tag does not exist: {reference}")]
    NoSuchTag {
        /// `familiar-name:tag`.
        reference: String,
    },
    /// A push names a repository no local image is tagged in (docker's
    /// words).
    #[error("An image does not exist locally with the tag: {repository}")]
    NoLocalImage {
        /// The repository's familiar name.
        repository: String,
    },
    /// A manifest, index or config cannot be used.
    #[error("{0}")]
    Image(#[from] ImageError),
    /// A layer cannot be unpacked (including escape attempts).
    #[error("{0}")]
    Unpack(#[from] UnpackError),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The registries configuration is invalid or blocks the pull.
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    /// A short name (or a reference with mirrors) could not be pulled from
    /// any of the places tried.
    #[error("{name}: {}; tried:{}", if *searched { "not found in any unqualified-search registry" } else { "cannot pull" },
        attempts.iter().map(|a| format!("\n  {a}")).collect::<String>())]
    NotPulled {
        /// The name as given.
        name: String,
        /// True when the last failure was "not found" everywhere (else a stop on another error).
        searched: bool,
        /// One line per attempt: `REFERENCE: error`.
        attempts: Vec<String>,
    },
}

impl RegistryError {
    /// True for answers that mean "not here" (the next search registry or
    /// mirror may have it): manifest unknown, unauthorized, 401/403/404.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            RegistryError::ManifestUnknown { .. }
                | RegistryError::Unauthorized { .. }
                | RegistryError::BasicAuthRequired { .. }
                | RegistryError::BlobUnknown { .. }
                | RegistryError::Status { status: 401 | 403 | 404, .. }
        )
    }
}

/// Pulls `reference` into `store` and returns the stored image record.
/// See the module docs for the order of steps and what is verified.
/// Errors: [`RegistryError`].
pub fn pull(store: &Store, reference: &Reference, opts: &PullOptions) -> Result<ImageRecord, RegistryError> {
    pull_image(store, reference, opts, &TransferOptions::default())
}

/// Pulls the image a name given by the user stands for (`busybox`,
/// `myalias:v1`, `quay.io/a/b`), resolved through the registries
/// configuration ([`config`]): a fully qualified name as itself, a short
/// name through its alias, else through each unqualified-search registry
/// in order until one has it ("not found" or "unauthorized" moves on, any
/// other error stops). With `local_first`, a candidate already in the store
/// is returned without pulling (`run --pull missing` after the plain lookup
/// missed). The image is recorded under the resolved name.
///
/// Errors: [`RegistryError::NotPulled`] listing every attempt when a short
/// name had more than one candidate; else the one pull's error.
pub fn pull_by_name(
    store: &Store,
    name: &str,
    opts: &PullOptions,
    transfer: &TransferOptions,
    local_first: bool,
) -> Result<ImageRecord, RegistryError> {
    let conf = config::RegistriesConf::load()?;
    let candidates = conf.candidates(name)?;
    if local_first {
        for c in &candidates {
            if let Some(image) = store.find_image(&c.to_string(), Some(&c.to_string()))? {
                return Ok(image);
            }
        }
    }
    if candidates.len() == 1 {
        return pull_with(store, &candidates[0], &conf, opts, transfer, false);
    }
    let mut attempts = Vec::new();
    for c in &candidates {
        match pull_with(store, c, &conf, opts, transfer, true) {
            Ok(image) => return Ok(image),
            Err(e) => {
                let not_found = e.is_not_found()
                    || matches!(&e, RegistryError::NotPulled { searched: true, .. })
                    || matches!(&e, RegistryError::Config(config::ConfigError::Blocked { .. }));
                attempts.push(format!("{c}: {}", crate::util::error_chain(&e)));
                if !not_found {
                    return Err(RegistryError::NotPulled { name: name.to_string(), searched: false, attempts });
                }
            }
        }
    }
    Err(RegistryError::NotPulled { name: name.to_string(), searched: true, attempts })
}

/// The first fully qualified reference `name` stands for (alias or first
/// search registry; see [`pull_by_name`]), for `pull --all-tags`.
pub fn resolve_name(name: &str) -> Result<Reference, RegistryError> {
    let conf = config::RegistriesConf::load()?;
    Ok(conf.candidates(name)?.swap_remove(0))
}

/// [`pull`] with transfer settings (platform, parallelism, retries,
/// credentials) and a typed error. `reference` is fully qualified; the
/// registries configuration still applies (mirrors, `insecure`, `blocked`).
pub fn pull_image(
    store: &Store,
    reference: &Reference,
    opts: &PullOptions,
    transfer: &TransferOptions,
) -> Result<ImageRecord, RegistryError> {
    let conf = config::RegistriesConf::load()?;
    pull_with(store, reference, &conf, opts, transfer, false)
}

/// Pulls `reference` from its mirrors, then its location (any mirror
/// failure moves on to the next); records it under `reference`. With more
/// than one source to try (mirrors, or `searching` the unqualified-search
/// registries), each attempt is announced on stderr.
fn pull_with(
    store: &Store,
    reference: &Reference,
    conf: &config::RegistriesConf,
    opts: &PullOptions,
    transfer: &TransferOptions,
    searching: bool,
) -> Result<ImageRecord, RegistryError> {
    let endpoints = conf.endpoints(reference)?;
    let mut attempts = Vec::new();
    let last = endpoints.len() - 1;
    for (i, ep) in endpoints.iter().enumerate() {
        if !opts.quiet && (searching || last > 0) {
            eprintln!("Trying to pull {}...", ep.reference);
        }
        match pull_endpoint(store, reference, ep, opts, transfer) {
            Ok(image) => return Ok(image),
            Err(e) if i < last => {
                let line = format!("{}: {}", ep.reference, crate::util::error_chain(&e));
                if !opts.quiet {
                    eprintln!("Mirror {line}; trying the next source");
                }
                attempts.push(line);
            }
            Err(e) if attempts.is_empty() => return Err(e),
            Err(e) => {
                let searched = e.is_not_found();
                attempts.push(format!("{}: {}", ep.reference, crate::util::error_chain(&e)));
                return Err(RegistryError::NotPulled { name: reference.to_string(), searched, attempts });
            }
        }
    }
    unreachable!("endpoints() returns at least the location")
}

/// One pull of `ep.reference` (a mirror or the location), recorded as `reference`.
fn pull_endpoint(
    store: &Store,
    reference: &Reference,
    ep: &config::Endpoint,
    opts: &PullOptions,
    transfer: &TransferOptions,
) -> Result<ImageRecord, RegistryError> {
    store.clean_tmp();
    let progress = Progress::new(opts.quiet, opts.stdout, transfer.progress.as_ref());
    let source = &ep.reference;
    let tls_verify = config::tls_verify_for(opts.tls_verify, ep.insecure);
    let copts = transfer.client_options(source, tls_verify, !opts.quiet)?;
    // The client (and with it reqwest's runtime thread) lives only in this
    // call: everything after it is local.
    let fetched = {
        let client = Client::connect(source, Access::Pull, &copts)?;
        let platform = transfer.platform.clone().unwrap_or_else(host_platform);
        fetch(&client, store, source, &platform, transfer.max_concurrent.max(1), &progress)?
    };
    crate::debug!("pull: HTTP client dropped; threads: {}", thread_count());
    store.put_blob(&fetched.config, Some(&fetched.config_digest), &format!("config of {reference}"))?;
    store.put_blob(&fetched.manifest, Some(&fetched.manifest_digest), &format!("manifest {reference}"))?;
    if let Some(index) = &fetched.index {
        store.put_blob(index, Some(&fetched.top_digest), &format!("image index {reference}"))?;
    }

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
    if !up_to_date {
        for layer in &fetched.existing {
            progress.id_line(layer, "Already exists");
        }
    }
    let familiar = crate::image::inspect::familiar(&reference.to_string());
    let name = familiar.rsplit_once(':').map_or(familiar.as_str(), |(n, _)| n);
    crate::store::events::record(store, "image", "pull", &familiar, &[("name", name)]);
    progress.line(&format!("Digest: {}", fetched.top_digest));
    if up_to_date {
        progress.line(&format!("Status: Image is up to date for {reference}"));
    } else {
        progress.line(&format!("Status: Downloaded newer image for {reference}"));
    }
    Ok(store.images()?.into_iter().find(|i| i.id == record.id).unwrap_or(record))
}

/// The tags of `reference`'s repository (`pull --all-tags`).
pub fn list_tags(
    reference: &Reference,
    opts: &PullOptions,
    transfer: &TransferOptions,
) -> Result<Vec<String>, RegistryError> {
    // The location, not a mirror: a mirror may hold only some tags.
    let conf = config::RegistriesConf::load()?;
    let ep = conf.endpoints(reference)?.pop().expect("endpoints() returns at least the location");
    let tls_verify = config::tls_verify_for(opts.tls_verify, ep.insecure);
    let copts = transfer.client_options(&ep.reference, tls_verify, !opts.quiet)?;
    let client = Client::connect(&ep.reference, Access::Pull, &copts)?;
    client.tags()
}

/// Threads of this process (`/proc/self/status`), for a debug check that
/// the HTTP client's runtime thread is gone.
pub fn thread_count() -> String {
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
    /// Layers (short digests) whose `Already exists` lines were not
    /// printed yet (nothing was downloaded).
    existing: Vec<String>,
}

fn check_digest(what: &str, data: &[u8], expected: &Digest) -> Result<Digest, RegistryError> {
    let actual = Digest::of(data);
    if &actual != expected {
        return Err(RegistryError::DigestMismatch { what: what.to_string(), expected: expected.clone(), actual });
    }
    Ok(actual)
}

fn fetch(
    client: &Client,
    store: &Store,
    reference: &Reference,
    platform: &Platform,
    concurrency: usize,
    progress: &Progress,
) -> Result<Fetched, RegistryError> {
    let shown = reference.to_string();
    let top = client.manifest(&reference.manifest_ref(), &shown)?;
    // docker: `latest: Pulling from busybox` (the tag or digest, the path),
    // once the manifest is there.
    let what = reference.tag.clone().or_else(|| reference.digest.as_ref().map(|d| d.to_string())).unwrap_or_default();
    progress.id_line(&what, &format!("Pulling from {}", reference.repository));
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
                let digest = descriptor_digest(choose_platform(&idx, platform, &shown)?)?;
                let what = format!("manifest {digest} of {shown}");
                let m = client.manifest(&digest.to_string(), &reference.with_digest(&digest).to_string())?;
                check_digest(&what, &m.body, &digest)?;
                match crate::image::parse_manifest(m.content_type.as_deref(), &m.body, &what)? {
                    ManifestDoc::Image(im) => (im, m.body, digest, Some(top.body)),
                    ManifestDoc::Index(_) => {
                        return Err(RegistryError::NestedIndex { reference: shown, digest });
                    }
                }
            }
        };

    let config_digest = descriptor_digest(manifest.config())?;
    let config = if store.has_blob(&config_digest) {
        store.read_blob(&config_digest)?
    } else {
        let bytes = client.blob_bytes(&config_digest, CONFIG_LIMIT)?;
        check_digest(&format!("config of {shown}"), &bytes, &config_digest)?;
        bytes
    };
    let summary = crate::image::parse_config(&config, &format!("{shown} (config {config_digest})"))?;
    let diff_ids = summary.rootfs.diff_ids.clone();
    let layers = manifest
        .layers()
        .iter()
        .map(|d| Ok(LayerRef { digest: descriptor_digest(d)?, size: d.size(), media_type: d.media_type().to_string() }))
        .collect::<Result<Vec<_>, ImageError>>()?;
    if diff_ids.len() != layers.len() {
        return Err(ImageError::LayerCount { reference: shown, layers: layers.len(), diff_ids: diff_ids.len() }.into());
    }

    let chain_ids = Digest::chain_ids(&diff_ids);
    let repository = reference.repository_name();
    let mut size = 0;
    let mut jobs = Vec::new();
    let mut existing = Vec::new();
    for (i, desc) in layers.iter().enumerate() {
        if let Some(info) = store.layer(&chain_ids[i])? {
            size += info.size;
            existing.push(desc.digest.short().to_string());
            // Remember where this blob also lives (cross-repository mounts on push).
            let _ = store.add_layer_blob(
                &chain_ids[i],
                LayerBlob {
                    digest: desc.digest.clone(),
                    size: desc.size,
                    media_type: desc.media_type.clone(),
                    repositories: vec![repository.clone()],
                    kept: false,
                },
            );
            continue;
        }
        jobs.push(LayerJob {
            desc,
            diff_id: &diff_ids[i],
            chain_id: &chain_ids[i],
            parent: i.checked_sub(1).map(|p| &chain_ids[p]),
            reference: &shown,
            repository: &repository,
        });
    }
    let downloaded = !jobs.is_empty();
    // docker lists the layers it has only when it downloads others too or
    // the image is new here (see `pull_endpoint`).
    if downloaded {
        for layer in existing.drain(..) {
            progress.id_line(&layer, "Already exists");
        }
    }
    size += fetch_layers(client, store, &jobs, concurrency, progress)?;
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
        existing,
    })
}

/// Runs the layer jobs on up to `concurrency` scoped threads ([`run_jobs`]):
/// after a failure no new layer is started; layers in flight finish (and
/// are kept for the next pull). The first failure is the error returned.
/// Returns the layers' unpacked size in bytes.
fn fetch_layers(
    client: &Client,
    store: &Store,
    jobs: &[LayerJob<'_>],
    concurrency: usize,
    progress: &Progress,
) -> Result<u64, RegistryError> {
    let bars: Vec<LayerProgress> =
        jobs.iter().map(|j| progress.layer(&j.desc.digest, j.desc.size, "Pulling fs layer")).collect();
    let sizes = run_jobs(jobs.len(), concurrency, |i| jobs[i].fetch(client, store, &bars[i]))?;
    Ok(sizes.iter().sum())
}

/// Runs `job(i)` once for each `i` in `0..n` on up to `workers` scoped
/// threads (at least one; all joined before this returns), for the layers
/// of a pull or a push. After a failure no new job starts and the jobs in
/// flight finish. Returns the results in job order, or the first failure.
fn run_jobs<T: Send, E: Send>(
    n: usize,
    workers: usize,
    job: impl Fn(usize) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E> {
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let first_error: Mutex<Option<E>> = Mutex::new(None);
    let results: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            if i >= n || abort.load(Ordering::SeqCst) {
                break;
            }
            match job(i) {
                Ok(v) => *results[i].lock().expect("result lock") = Some(v),
                Err(e) => {
                    first_error.lock().expect("error lock").get_or_insert(e);
                    abort.store(true, Ordering::SeqCst);
                }
            }
        }
    };
    let workers = workers.max(1).min(n);
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(work);
            }
        });
    }
    if let Some(e) = first_error.into_inner().expect("error lock") {
        return Err(e);
    }
    Ok(results.into_iter().map(|m| m.into_inner().expect("result lock").expect("every job ran")).collect())
}

/// A layer as the manifest describes it.
struct LayerRef {
    /// The blob's digest.
    digest: Digest,
    /// The blob's size in bytes.
    size: u64,
    /// Its media type (decides the compression).
    media_type: String,
}

/// One layer to download and unpack.
struct LayerJob<'a> {
    desc: &'a LayerRef,
    diff_id: &'a Digest,
    chain_id: &'a Digest,
    parent: Option<&'a Digest>,
    reference: &'a str,
    /// `registry/name` it is pulled from.
    repository: &'a str,
}

impl LayerJob<'_> {
    /// Streams the blob: HTTP body → sha256 (blob digest) → decompress →
    /// sha256 (diff ID) → unpack into a staging directory (recording the
    /// tar-split); commits it only when both digests and the size match.
    /// Returns the unpacked size in bytes.
    fn fetch(&self, client: &Client, store: &Store, bar: &LayerProgress) -> Result<u64, RegistryError> {
        let digest = &self.desc.digest;
        let compression = crate::image::layer_compression(&self.desc.media_type, &format!("layer {digest}"))?;
        let staging = store.layer_staging()?;
        bar.start();
        let result = self.stream(client, &staging, compression, bar);
        match result {
            Ok(size) => {
                staging.set_blobs(&[LayerBlob {
                    digest: digest.clone(),
                    size: self.desc.size,
                    media_type: self.desc.media_type.clone(),
                    repositories: vec![self.repository.to_string()],
                    kept: false,
                }])?;
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
        client: &Client,
        staging: &crate::store::LayerStaging,
        compression: Compression,
        bar: &LayerProgress,
    ) -> Result<u64, RegistryError> {
        let digest = &self.desc.digest;
        let dir = staging.diff_dir();
        let what = format!("layer {digest} of {}", self.reference);
        let registry = client.registry().to_string();
        let read_err =
            |source| RegistryError::Read { what: format!("blob {digest}"), registry: registry.clone(), source };
        let resp = client.blob_reader(digest, self.desc.size)?;
        let split_path = staging.tar_split_path();
        let recorder =
            Recorder::create(&split_path).map_err(|e| StoreError::Io { path: split_path.clone(), source: e })?;
        // Two threads: this one records the tar-split and unpacks; a scoped
        // helper reads the network, hashes the blob, decompresses and hashes
        // the tar (so inflate and file writes use both cores). Whatever the
        // unpack's outcome, the blob is read to its end, so that a tampered
        // blob is reported as the digest mismatch it is, not as the
        // decompression or tar error it causes.
        let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
        let (outcome, fed) = std::thread::scope(|s| {
            let producer = s.spawn(move || feed(resp, bar, compression, &tx));
            let mut tar = RecordingReader { inner: ChannelReader { rx, buf: Vec::new(), pos: 0 }, recorder: &recorder };
            let label = digest.to_string();
            let unpacked = unpack_recording(&mut tar, &dir, &label, &recorder);
            // The diff ID covers the whole stream, padding after the
            // end-of-archive blocks included; and the producer must finish.
            let rest = match &unpacked {
                Ok(_) => std::io::copy(&mut tar, &mut std::io::sink()),
                // Failed: nothing more to record, only to drain.
                Err(_) => std::io::copy(&mut tar.inner, &mut std::io::sink()),
            };
            let outcome = match (unpacked, rest) {
                (Ok(stats), Ok(_)) => Ok(stats),
                (Ok(_), Err(source)) => Err(UnpackError::Read { layer: label, source }),
                (Err(e), _) => Err(e),
            };
            (outcome, producer.join().expect("the layer reader thread panicked"))
        });
        let Fed { blob_digest, len, diff, drained } = fed;
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
        let stats = outcome?;
        drained.map_err(read_err)?;
        recorder.finish().map_err(|e| StoreError::Io { path: split_path, source: e })?;
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

/// What the reading side of a layer download found.
struct Fed {
    /// Digest and length of the compressed blob as received.
    blob_digest: Digest,
    len: u64,
    /// Digest of the decompressed stream (the diff ID).
    diff: Digest,
    /// Whether the blob could be read to its end.
    drained: std::io::Result<u64>,
}

/// The reading side of a layer download: network → sha256 (blob) →
/// decompress → sha256 (diff ID) → chunks to the unpacking thread. A
/// decompression error is sent as the stream's error; then the rest of the
/// blob is read (for its digest) and the channel closed.
fn feed(
    resp: client::BlobReader<'_>,
    bar: &LayerProgress,
    compression: Compression,
    tx: &std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>,
) -> Fed {
    let counted = CountingReader { inner: resp, progress: bar };
    let mut blob = Sha256Reader::new(BufReader::with_capacity(128 << 10, counted));
    let diff = {
        let mut tar = Sha256Reader::new(crate::image::compression::decompressor(&mut blob, compression));
        loop {
            let mut chunk = vec![0u8; 256 << 10];
            let mut filled = 0;
            // Fill the chunk (fewer, larger messages).
            let r = loop {
                match tar.read(&mut chunk[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == chunk.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            chunk.truncate(filled);
            let done = filled == 0;
            if !done && tx.send(Ok(chunk)).is_err() {
                break;
            }
            if let Err(e) = r {
                let _ = tx.send(Err(e));
                break;
            }
            if done {
                break;
            }
        }
        tar.finish().0
    };
    let drained = std::io::copy(&mut blob, &mut std::io::sink());
    let (blob_digest, len, _) = blob.finish();
    Fed { blob_digest, len, diff, drained }
}

/// The unpacking side's view of the chunks [`feed`] sends.
struct ChannelReader {
    rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.buf.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0), // The sender is done.
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
