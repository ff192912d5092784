//! `push`: an image from the store to a registry (OCI distribution spec,
//! "Push").
//!
//! Order: every layer (in parallel), then the config, then the manifest
//! last, so a registry never holds a manifest whose blobs are missing. For
//! each layer the cheapest way wins:
//!
//! 1. a blob of the layer the destination already has (`HEAD`): skipped;
//! 2. a blob known to be in another repository of the same registry: a
//!    cross-repository mount (`POST …/uploads/?mount=…&from=…`);
//! 3. a compressed blob kept in the store (built layers, earlier pushes):
//!    uploaded as it is;
//! 4. otherwise the layer's tar is rebuilt from its tar-split record and the
//!    unpacked files (checked against the diff ID), compressed once with
//!    gzip, kept in the store and recorded, so the next push of the layer
//!    (anywhere) uploads it without compressing again.

use super::client::{Access, Client};
use super::progress::{LayerProgress, Progress};
use super::{RegistryError, TransferOptions};
use crate::digest::{Digest, Sha256Writer};
use crate::image::media_type as mt;
use crate::image::{Compression, ManifestDoc};
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerBlob, Store, StoreError};
use std::io::Write;

/// The manifest type to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestFormat {
    /// OCI image manifest (`application/vnd.oci.image.manifest.v1+json`).
    Oci,
    /// Docker schema2 (`application/vnd.docker.distribution.manifest.v2+json`).
    Docker,
}

impl ManifestFormat {
    /// Parses `oci`, `docker` (also skopeo's `v2s2`).
    pub fn parse(s: &str) -> Result<ManifestFormat, String> {
        match s {
            "oci" => Ok(ManifestFormat::Oci),
            "docker" | "v2s2" => Ok(ManifestFormat::Docker),
            other => Err(format!("unknown manifest format `{other}`: use oci or docker")),
        }
    }

    fn manifest_type(self) -> &'static str {
        match self {
            ManifestFormat::Oci => mt::OCI_MANIFEST,
            ManifestFormat::Docker => mt::DOCKER_MANIFEST,
        }
    }

    fn config_type(self) -> &'static str {
        match self {
            ManifestFormat::Oci => mt::OCI_CONFIG,
            ManifestFormat::Docker => mt::DOCKER_CONFIG,
        }
    }

    /// The layer media type for `compression` in this format.
    pub fn layer_type(self, compression: Compression) -> &'static str {
        match (self, compression) {
            (ManifestFormat::Oci, Compression::Gzip) => mt::OCI_LAYER_GZIP,
            (ManifestFormat::Oci, Compression::Zstd) => mt::OCI_LAYER_ZSTD,
            (ManifestFormat::Oci, Compression::None) => mt::OCI_LAYER_TAR,
            (ManifestFormat::Docker, Compression::Gzip) => mt::DOCKER_LAYER_GZIP,
            (ManifestFormat::Docker, Compression::Zstd) => mt::DOCKER_LAYER_ZSTD,
            (ManifestFormat::Docker, Compression::None) => mt::DOCKER_LAYER_TAR,
        }
    }
}

/// How to push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Print nothing.
    pub quiet: bool,
    /// Verify TLS and require HTTPS for non-loopback registries.
    pub tls_verify: bool,
    /// Manifest type; `None`: the type the image was pulled or built with
    /// (OCI when unknown).
    pub format: Option<ManifestFormat>,
}

/// One layer's blob as it will appear in the pushed manifest.
#[derive(Debug, Clone)]
struct PushedLayer {
    digest: Digest,
    size: u64,
    compression: Compression,
}

/// docker's error for a push of a reference no local image has: `tag does
/// not exist: app:v2` when other tags of the repository exist, else `An
/// image does not exist locally with the tag: app` (the repository's
/// familiar name): [`RegistryError::NoSuchTag`] or
/// [`RegistryError::NoLocalImage`]. Errors: the store cannot list its
/// images.
pub fn missing_source(store: &Store, r: &Reference) -> Result<RegistryError, RegistryError> {
    let repo = r.repository_name();
    let repo_has_tags = store.images()?.iter().flat_map(|i| &i.repo_tags).any(|t| {
        let slash = t.rfind('/').map_or(0, |i| i + 1);
        t[slash..].rfind(':').is_some_and(|c| t[..slash + c] == repo)
    });
    Ok(if repo_has_tags {
        RegistryError::NoSuchTag { reference: format!("{}:{}", r.familiar(), r.tag.as_deref().unwrap_or("latest")) }
    } else {
        RegistryError::NoLocalImage { repository: r.familiar() }
    })
}

/// Pushes `image` to `dest` (a tag, or a digest-less name meaning
/// `latest`). Returns the digest of the pushed manifest; the image record
/// gains `dest@digest` as a repo digest. Threads are joined and the HTTP
/// client dropped before it returns.
pub fn push_image(
    store: &Store,
    image: &ImageRecord,
    dest: &Reference,
    opts: &PushOptions,
    transfer: &TransferOptions,
) -> Result<Digest, RegistryError> {
    let progress = Progress::new(opts.quiet, true, transfer.progress.as_ref());
    let tls_verify = super::config::tls_verify_for(opts.tls_verify, super::config::is_insecure(dest)?);
    let copts = transfer.client_options(dest, tls_verify, !opts.quiet)?;
    let config = store.read_blob(&image.id)?;
    // The manifest the image was pulled or built with: its layer blobs and type.
    let stored = store
        .read_blob(&image.manifest_digest)
        .ok()
        .and_then(|b| crate::image::parse_manifest(None, &b, &image.manifest_digest.to_string()).ok())
        .and_then(|d| match d {
            ManifestDoc::Image(m) => Some(m),
            ManifestDoc::Index(_) => None,
        })
        .filter(|m| m.layers().len() == image.diff_ids.len());
    let format = opts.format.unwrap_or(
        match stored.as_ref().and_then(|m| m.media_type().as_ref()).map(|t| t.as_ref().to_string()).as_deref() {
            Some(mt::DOCKER_MANIFEST) => ManifestFormat::Docker,
            _ => ManifestFormat::Oci,
        },
    );
    let chain_ids = image.chain_ids();
    let dest_repo = dest.repository_name();
    let registry_prefix = format!("{}/", dest.registry);

    // Every candidate blob per layer, best first: known remote copies, kept blobs.
    let mut candidates: Vec<Vec<LayerBlob>> = Vec::new();
    for (i, chain) in chain_ids.iter().enumerate() {
        let mut c = store.layer_blobs(chain)?;
        if let Some(m) = &stored
            && let d = &m.layers()[i]
            && let Ok(digest) = crate::image::descriptor_digest(d)
        {
            if !c.iter().any(|b| b.digest == digest) {
                c.push(LayerBlob {
                    kept: store.has_blob(&digest),
                    digest,
                    size: d.size(),
                    media_type: d.media_type().to_string(),
                    repositories: vec![],
                });
            } else if store.has_blob(&digest) {
                for b in c.iter_mut().filter(|b| b.digest == digest) {
                    b.kept = true;
                }
            }
        }
        c.retain(|b| crate::image::layer_compression(&b.media_type, "").is_ok());
        candidates.push(c);
    }

    progress.line(&format!("The push refers to repository [{}]", dest.repository_name()));
    let client = Client::connect(dest, Access::Push, &copts)?;
    // Mount sources must be in the token's scopes from the start.
    for c in &candidates {
        for b in c {
            for r in &b.repositories {
                if let Some(repo) = r.strip_prefix(&registry_prefix)
                    && *r != dest_repo
                {
                    client.add_mount_source(repo);
                }
            }
        }
    }

    let bars: Vec<LayerProgress> = image.diff_ids.iter().map(|d| progress.layer(d, 0, "Preparing")).collect();
    let layers: Vec<PushedLayer> = super::run_jobs(chain_ids.len(), transfer.max_concurrent, |i| {
        push_layer(
            store,
            &client,
            &chain_ids[i],
            &image.diff_ids[i],
            &candidates[i],
            &registry_prefix,
            &dest_repo,
            &bars[i],
        )
        .inspect_err(|_| bars[i].abandon())
    })?;

    // The config, then the manifest.
    if client.has_blob(&image.id)?.is_some() {
    } else {
        let data = config.clone();
        client.upload_blob(&image.id, data.len() as u64, &move || {
            Ok(Box::new(std::io::Cursor::new(data.clone())) as Box<dyn std::io::Read + Send>)
        })?;
    }
    let manifest = crate::image::image_manifest(
        format.manifest_type(),
        crate::image::descriptor(format.config_type(), &image.id, config.len() as u64),
        layers.iter().map(|l| crate::image::descriptor(format.layer_type(l.compression), &l.digest, l.size)).collect(),
    );
    let body = crate::image::to_json(&manifest);
    let digest = Digest::of(&body);
    let tag = dest.tag.clone().unwrap_or_else(|| digest.to_string());
    let reported = client.put_manifest(&tag, format.manifest_type(), &body)?;
    if reported != digest {
        crate::debug!("registry reported manifest digest {reported}, computed {digest}");
    }
    drop(client);
    crate::debug!("push: HTTP client dropped; threads: {}", super::thread_count());
    // Keep the pushed manifest so `save`/`inspect` see it; note the repo digest.
    store.put_blob(&body, Some(&digest), &format!("manifest {dest}"))?;
    let mut record = image.clone();
    record.repo_tags.clear();
    record.repo_digests = vec![format!("{dest_repo}@{digest}")];
    store.add_image(record)?;
    let familiar = crate::image::inspect::familiar(&dest.to_string());
    let name = familiar.rsplit_once(':').map_or(familiar.as_str(), |(n, _)| n);
    crate::store::events::record(store, "image", "push", &familiar, &[("name", name)]);
    progress.line(&format!("{}: digest: {digest} size: {}", dest.tag.as_deref().unwrap_or("latest"), body.len()));
    Ok(digest)
}

/// Pushes one layer the cheapest way (see the module docs).
#[allow(clippy::too_many_arguments)]
fn push_layer(
    store: &Store,
    client: &Client,
    chain: &Digest,
    diff_id: &Digest,
    candidates: &[LayerBlob],
    registry_prefix: &str,
    dest_repo: &str,
    bar: &LayerProgress,
) -> Result<PushedLayer, RegistryError> {
    let label = bar.label().to_string();
    let done = |b: &LayerBlob| PushedLayer {
        digest: b.digest.clone(),
        size: b.size,
        compression: crate::image::layer_compression(&b.media_type, "").unwrap_or(Compression::Gzip),
    };
    let record = |b: &LayerBlob, kept: bool| {
        store.add_layer_blob(chain, LayerBlob { repositories: vec![dest_repo.to_string()], kept, ..b.clone() })
    };
    // 1. Already there.
    for b in candidates {
        if client.has_blob(&b.digest)?.is_some() {
            bar.finish_with("Layer already exists", &format!("{label}: Layer already exists"));
            record(b, b.kept)?;
            return Ok(done(b));
        }
    }
    // 2. Mount from another repository of the same registry.
    for b in candidates {
        for r in &b.repositories {
            let Some(repo) = r.strip_prefix(registry_prefix) else { continue };
            if r == dest_repo {
                continue;
            }
            if client.mount_blob(&b.digest, repo)? {
                bar.finish_with(
                    "Mounted",
                    &format!("{label}: Mounted from {}", repo.split_once('/').map_or(repo, |(_, p)| p)),
                );
                record(b, b.kept)?;
                return Ok(done(b));
            }
        }
    }
    // 3. A kept blob; 4. compress once and keep.
    let blob = match candidates.iter().find(|b| b.kept && store.has_blob(&b.digest)) {
        Some(b) => b.clone(),
        None => {
            bar.message("Compressing");
            let b = compress_layer(store, chain, diff_id)?;
            store.add_layer_blob(chain, b.clone())?;
            b
        }
    };
    bar.set_total(blob.size);
    bar.message("Pushing");
    let path = store.blob_path(&blob.digest);
    client.upload_blob(&blob.digest, blob.size, &|| {
        Ok(Box::new(std::fs::File::open(&path)?) as Box<dyn std::io::Read + Send>)
    })?;
    record(&blob, true)?;
    bar.finish_with("Pushed", &format!("{label}: Pushed"));
    Ok(done(&blob))
}

/// Rebuilds the layer's tar from its tar-split record, gzips it into a new
/// store blob, and checks the tar against the diff ID.
fn compress_layer(store: &Store, chain: &Digest, diff_id: &Digest) -> Result<LayerBlob, RegistryError> {
    let what = format!("layer {diff_id}");
    let local = |detail: String| RegistryError::Local { what: what.clone(), detail };
    let record = store.layer_tar_split(chain).ok_or_else(|| {
        local("no compressed blob and no tar-split record to rebuild it from (pull the image again)".into())
    })?;
    let mut bw = store.blob_writer()?;
    let gz = flate2::write::GzEncoder::new(&mut bw, flate2::Compression::fast());
    let mut sha = Sha256Writer::new(gz);
    crate::image::tarsplit::rebuild(&record, &store.layer_diff_dir(chain), &mut sha)
        .map_err(|e| local(e.to_string()))?;
    let (tar_digest, _, gz) = sha.finish();
    gz.finish().map_err(|e| local(e.to_string()))?;
    if &tar_digest != diff_id {
        return Err(local(format!(
            "the rebuilt tar has digest {tar_digest}, not the layer's diff ID (the layer names a file twice?)"
        )));
    }
    bw.flush().map_err(|e| local(e.to_string()))?;
    let digest = bw.commit(None, &what).map_err(RegistryError::Store)?;
    let size = std::fs::metadata(store.blob_path(&digest))
        .map_err(|source| StoreError::Io { path: store.blob_path(&digest), source })?
        .len();
    Ok(LayerBlob { digest, size, media_type: mt::OCI_LAYER_GZIP.into(), repositories: vec![], kept: true })
}
