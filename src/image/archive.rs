//! Images to and from files: `save` (docker-archive, the format of `docker
//! save`: `manifest.json`, `<config>.json`, `repositories`, and per layer
//! `<v1 id>/{VERSION,json,layer.tar}` (see [`super::v1`]); or
//! oci-archive: an OCI image layout in a tar), `load` of both (including
//! docker 25+'s archives, which are OCI layouts with a `manifest.json`, and
//! what skopeo and podman write), gzip-, zstd- or un-compressed; `import` of
//! a flat root filesystem tarball as a one-layer image; `export` of a
//! container's merged root filesystem.
//!
//! Layers are read from the store as tars: rebuilt from their tar-split
//! record and unpacked files, or decompressed from a kept blob; every
//! rebuilt tar is checked against its diff ID. Loaded layers are unpacked
//! through the same safe unpacker as pulled ones and recorded with a
//! tar-split, so a loaded image can be pushed and saved again.

use super::compression::decompressor;
use super::tarsplit::{Recorder, RecordingReader};
use super::unpack::unpack_recording;
use super::{Compression, ManifestDoc, media_type as mt};
use crate::digest::{Digest, Sha256Reader, Sha256Writer};
use crate::reference::Reference;
use crate::store::{ImageRecord, LayerBlob, LayerInfo, Store, StoreError};
use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Why an archive cannot be written or read. Names the file or entry.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// An I/O error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The archive is not a docker-archive nor an OCI layout, or is inconsistent.
    #[error("{archive}: {detail}")]
    Invalid {
        /// The archive.
        archive: String,
        /// What is wrong.
        detail: String,
    },
    /// A layer's content does not match its diff ID.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The layer.
        what: String,
        /// The diff ID wanted.
        expected: Digest,
        /// What the content hashes to.
        actual: Digest,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A layer cannot be unpacked.
    #[error(transparent)]
    Unpack(#[from] super::unpack::UnpackError),
    /// A document cannot be parsed.
    #[error(transparent)]
    Image(#[from] super::ImageError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io { path: path.to_path_buf(), source }
}

/// A temp file under the store's `tmp/` (removed on drop; named so that
/// `clean_tmp` removes it after a crash).
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(store: &Store) -> Result<(TempFile, File), ArchiveError> {
        let path = store.tmp_dir().join(format!("blob-{}-{}", std::process::id(), crate::util::random_hex(8)));
        let f = File::options().read(true).write(true).create_new(true).open(&path).map_err(io(&path))?;
        Ok((TempFile { path }, f))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes the uncompressed tar of layer `i` of `image` to `out`: from its
/// tar-split record, or by decompressing a kept blob. Checks the diff ID.
pub fn layer_tar(store: &Store, image: &ImageRecord, i: usize, out: &mut dyn Write) -> Result<u64, ArchiveError> {
    let chain = &image.chain_ids()[i];
    let diff_id = &image.diff_ids[i];
    let what = format!("layer {diff_id}");
    let mut sha = Sha256Writer::new(out);
    if let Some(record) = store.layer_tar_split(chain) {
        super::tarsplit::rebuild(&record, &store.layer_diff_dir(chain), &mut sha)
            .map_err(|e| ArchiveError::Invalid { archive: what.clone(), detail: e.to_string() })?;
    } else {
        let mut kept: Vec<LayerBlob> = store.layer_blobs(chain)?.into_iter().filter(|b| b.kept).collect();
        if let Ok(body) = store.read_blob(&image.manifest_digest)
            && let Ok(ManifestDoc::Image(m)) = super::parse_manifest(None, &body, "")
            && let Some(d) = m.layers.get(i)
            && store.has_blob(&d.digest)
        {
            kept.push(LayerBlob {
                digest: d.digest.clone(),
                size: d.size,
                media_type: d.media_type.clone(),
                repositories: vec![],
                kept: true,
            });
        }
        let blob = kept.into_iter().find(|b| store.has_blob(&b.digest)).ok_or_else(|| ArchiveError::Invalid {
            archive: what.clone(),
            detail: "no tar-split record and no compressed blob to rebuild the layer from".into(),
        })?;
        let compression = super::layer_compression(&blob.media_type, &what)?;
        let path = store.blob_path(&blob.digest);
        let f = File::open(&path).map_err(io(&path))?;
        std::io::copy(&mut decompressor(BufReader::new(f), compression), &mut sha).map_err(io(&path))?;
    }
    let (actual, n, _) = sha.finish();
    if &actual != diff_id {
        return Err(ArchiveError::DigestMismatch { what, expected: diff_id.clone(), actual });
    }
    Ok(n)
}

/// The archive format of `save`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// `docker save`'s format.
    DockerArchive,
    /// An OCI image layout in a tar.
    OciArchive,
}

fn append(tar: &mut tar::Builder<&mut dyn Write>, name: &str, data: &[u8]) -> std::io::Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut h, name, data)
}

fn append_file(tar: &mut tar::Builder<&mut dyn Write>, name: &str, f: &mut File, len: u64) -> std::io::Result<()> {
    f.rewind()?;
    let mut h = tar::Header::new_ustar();
    h.set_size(len);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut h, name, f)
}

fn append_dir(tar: &mut tar::Builder<&mut dyn Write>, name: &str) -> std::io::Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_size(0);
    h.set_mode(0o755);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Directory);
    tar.append_data(&mut h, name, std::io::empty())
}

/// Writes `images` (each with the tags to record) to `out` as one archive.
pub fn save(
    store: &Store,
    images: &[(ImageRecord, Vec<String>)],
    format: ArchiveFormat,
    out: &mut dyn Write,
) -> Result<(), ArchiveError> {
    let label = |e: std::io::Error| ArchiveError::Io { path: "output".into(), source: e };
    let mut tar = tar::Builder::new(out);
    match format {
        ArchiveFormat::DockerArchive => {
            let mut manifest = Vec::new();
            let mut repositories = serde_json::Map::new();
            let mut written = std::collections::HashSet::new();
            for (image, tags) in images {
                let config = store.read_blob(&image.id)?;
                let config_name = format!("{}.json", image.id.hex());
                if written.insert(config_name.clone()) {
                    append(&mut tar, &config_name, &config).map_err(label)?;
                }
                // docker's legacy entries: a directory per layer named by its
                // v1 ID, with VERSION, json and layer.tar.
                let legacy = super::v1::legacy_layers(&config, &image.diff_ids)
                    .map_err(|detail| ArchiveError::Invalid { archive: format!("image {}", image.id), detail })?;
                let mut layers = Vec::new();
                for (i, v1) in legacy.iter().enumerate() {
                    let name = format!("{}/layer.tar", v1.id);
                    if written.insert(name.clone()) {
                        let (_tmp, mut f) = TempFile::new(store)?;
                        let len = {
                            let mut w = std::io::BufWriter::new(&mut f);
                            let n = layer_tar(store, image, i, &mut w)?;
                            w.flush().map_err(label)?;
                            n
                        };
                        append_dir(&mut tar, &format!("{}/", v1.id)).map_err(label)?;
                        append(&mut tar, &format!("{}/VERSION", v1.id), b"1.0").map_err(label)?;
                        append(&mut tar, &format!("{}/json", v1.id), v1.json.as_bytes()).map_err(label)?;
                        append_file(&mut tar, &name, &mut f, len).map_err(label)?;
                    }
                    layers.push(name);
                }
                let top = legacy.last().map(|l| l.id.clone()).unwrap_or_else(|| image.id.hex().to_string());
                let familiar: Vec<String> = tags.iter().map(|t| super::inspect::familiar(t)).collect();
                for t in &familiar {
                    if let Some((repo, tag)) = t.rsplit_once(':').filter(|(r, _)| !r.is_empty()) {
                        let entry = repositories.entry(repo.to_string()).or_insert_with(|| json!({}));
                        entry[tag] = Value::String(top.clone());
                    }
                }
                manifest.push(json!({"Config": config_name, "RepoTags": familiar, "Layers": layers}));
            }
            append(&mut tar, "manifest.json", &serde_json::to_vec(&manifest).expect("json")).map_err(label)?;
            append(&mut tar, "repositories", &serde_json::to_vec(&Value::Object(repositories)).expect("json"))
                .map_err(label)?;
        }
        ArchiveFormat::OciArchive => {
            append(&mut tar, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#).map_err(label)?;
            append_dir(&mut tar, "blobs/").map_err(label)?;
            append_dir(&mut tar, "blobs/sha256/").map_err(label)?;
            let mut written = std::collections::HashSet::new();
            let mut index = Vec::new();
            for (image, tags) in images {
                let config = store.read_blob(&image.id)?;
                if written.insert(image.id.clone()) {
                    append(&mut tar, &format!("blobs/sha256/{}", image.id.hex()), &config).map_err(label)?;
                }
                let mut layers = Vec::new();
                for (i, d) in image.diff_ids.iter().enumerate() {
                    // Layers as gzip blobs (compressed once here; not kept).
                    let (_tmp, mut f) = TempFile::new(store)?;
                    {
                        let mut w =
                            flate2::write::GzEncoder::new(std::io::BufWriter::new(&mut f), flate2::Compression::fast());
                        layer_tar(store, image, i, &mut w)?;
                        w.finish().map_err(label)?.flush().map_err(label)?;
                    }
                    f.rewind().map_err(label)?;
                    let mut h = Sha256Reader::new(&mut f);
                    std::io::copy(&mut h, &mut std::io::sink()).map_err(label)?;
                    let (digest, len, _) = h.finish();
                    if written.insert(digest.clone()) {
                        append_file(&mut tar, &format!("blobs/sha256/{}", digest.hex()), &mut f, len).map_err(label)?;
                    }
                    let _ = d;
                    layers.push(json!({"mediaType": mt::OCI_LAYER_GZIP, "digest": digest.to_string(), "size": len}));
                }
                let manifest = serde_json::to_vec(&json!({
                    "schemaVersion": 2,
                    "mediaType": mt::OCI_MANIFEST,
                    "config": {"mediaType": mt::OCI_CONFIG, "digest": image.id.to_string(), "size": config.len()},
                    "layers": layers,
                }))
                .expect("json");
                let md = Digest::of(&manifest);
                if written.insert(md.clone()) {
                    append(&mut tar, &format!("blobs/sha256/{}", md.hex()), &manifest).map_err(label)?;
                }
                let desc = |name: Option<&str>| {
                    let mut d =
                        json!({"mediaType": mt::OCI_MANIFEST, "digest": md.to_string(), "size": manifest.len()});
                    if let Some(n) = name {
                        d["annotations"] =
                            json!({"org.opencontainers.image.ref.name": n, "io.containerd.image.name": n});
                    }
                    d
                };
                if tags.is_empty() {
                    index.push(desc(None));
                }
                for t in tags {
                    index.push(desc(Some(t)));
                }
            }
            let index = json!({"schemaVersion": 2, "mediaType": mt::OCI_INDEX, "manifests": index});
            append(&mut tar, "index.json", &serde_json::to_vec(&index).expect("json")).map_err(label)?;
        }
    }
    tar.into_inner().map_err(label)?.flush().map_err(label)?;
    Ok(())
}

/// Detects gzip/zstd by magic number.
fn sniff(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// Reader of `path`'s content, decompressed per its magic number.
fn open_sniffed(path: &Path) -> Result<Box<dyn Read>, ArchiveError> {
    let mut f = File::open(path).map_err(io(path))?;
    let mut head = [0u8; 4];
    let n = f.read(&mut head).map_err(io(path))?;
    f.rewind().map_err(io(path))?;
    Ok(decompressor(BufReader::with_capacity(128 << 10, f), sniff(&head[..n])))
}

/// Unpacks the layer tar (compressed or not) in `path` as the layer
/// `diff_id` above `parent`, unless the store has it. Returns its info.
fn load_layer(
    store: &Store,
    path: &Path,
    diff_id: Option<&Digest>,
    parent: Option<&Digest>,
    what: &str,
) -> Result<LayerInfo, ArchiveError> {
    if let Some(d) = diff_id {
        let chain = Digest::chain(parent, d);
        if let Some(info) = store.layer(&chain)? {
            return Ok(info);
        }
    }
    let staging = store.layer_staging()?;
    let split = staging.tar_split_path();
    let recorder = Recorder::create(&split).map_err(io(&split))?;
    let mut tar = RecordingReader { inner: Sha256Reader::new(open_sniffed(path)?), recorder: &recorder };
    let stats = unpack_recording(&mut tar, &staging.diff_dir(), what, &recorder)?;
    std::io::copy(&mut tar, &mut std::io::sink()).map_err(io(path))?;
    let (actual, _, _) = tar.inner.finish();
    recorder.finish().map_err(io(&split))?;
    if let Some(d) = diff_id
        && &actual != d
    {
        return Err(ArchiveError::DigestMismatch { what: what.to_string(), expected: d.clone(), actual });
    }
    let info = LayerInfo {
        chain_id: Digest::chain(parent, &actual),
        diff_id: actual,
        parent: parent.cloned(),
        size: stats.size,
    };
    staging.commit(&info)?;
    Ok(info)
}

/// Records an image whose config is `config` and layers are unpacked:
/// stores the config, a manifest (OCI, layers described uncompressed), and
/// the image record with `tags`.
fn record_image(
    store: &Store,
    config: &[u8],
    diff_ids: Vec<Digest>,
    size: u64,
    tags: Vec<String>,
) -> Result<ImageRecord, ArchiveError> {
    let id = store.put_blob(config, None, "image config")?;
    let parsed: Value = serde_json::from_slice(config)
        .map_err(|e| ArchiveError::Invalid { archive: format!("config {id}"), detail: e.to_string() })?;
    let layers: Vec<Value> =
        diff_ids.iter().map(|d| json!({"mediaType": mt::OCI_LAYER_TAR, "digest": d.to_string(), "size": 0})).collect();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": mt::OCI_MANIFEST,
        "config": {"mediaType": mt::OCI_CONFIG, "digest": id.to_string(), "size": config.len()},
        "layers": layers,
    }))
    .expect("json");
    let manifest_digest = store.put_blob(&manifest, None, "image manifest")?;
    let created = parsed
        .get("created")
        .and_then(Value::as_str)
        .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
        .map(|d| d.with_timezone(&chrono::Utc));
    let record =
        ImageRecord { id: id.clone(), manifest_digest, repo_tags: tags, repo_digests: vec![], diff_ids, size, created };
    store.add_image(record.clone())?;
    Ok(record)
}

/// Normalizes a tag from an archive (`busybox:latest`, `localhost/x`); `None`
/// when it is not a valid reference (a bare OCI tag like `latest`).
fn normalize_tag(t: &str) -> Option<String> {
    if !t.contains(['/', ':']) {
        return None;
    }
    Reference::parse(t).ok().filter(|r| r.digest.is_none()).map(|r| r.to_string())
}

/// Loads every image of the archive `path` (docker-archive or OCI layout,
/// gzip/zstd or plain). Returns the loaded images with the names they got.
pub fn load(store: &Store, path: &Path) -> Result<Vec<ImageRecord>, ArchiveError> {
    store.clean_tmp();
    let shown = path.display().to_string();
    let invalid = |detail: String| ArchiveError::Invalid { archive: shown.clone(), detail };
    // Extract into tmp/ (the archive's members are needed out of order).
    let dir = store.tmp_dir().join(format!("trash-{}-{}", std::process::id(), crate::util::random_hex(8)));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    struct Cleanup(PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(dir.clone());
    let mut ar = tar::Archive::new(open_sniffed(path)?);
    for entry in ar.entries().map_err(io(path))? {
        let mut entry = entry.map_err(io(path))?;
        if !matches!(entry.header().entry_type(), tar::EntryType::Regular | tar::EntryType::Continuous) {
            continue;
        }
        let name = entry.path().map_err(io(path))?.into_owned();
        // Archive members are plain relative names; anything else is refused.
        if name.is_absolute() || name.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(invalid(format!("member {:?} is not a plain relative path", name.display())));
        }
        let dst = dir.join(&name);
        if let Some(p) = dst.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        let mut f = File::create(&dst).map_err(io(&dst))?;
        std::io::copy(&mut entry, &mut f).map_err(io(&dst))?;
    }
    let read_json = |rel: &str| -> Result<Value, ArchiveError> {
        let p = dir.join(rel);
        let data = std::fs::read(&p).map_err(|_| invalid(format!("{rel} is missing")))?;
        serde_json::from_slice(&data).map_err(|e| invalid(format!("{rel}: {e}")))
    };
    let mut loaded = Vec::new();
    if dir.join("manifest.json").exists() {
        let manifest = read_json("manifest.json")?;
        for entry in manifest.as_array().ok_or_else(|| invalid("manifest.json is not a list".into()))? {
            let config_name =
                entry["Config"].as_str().ok_or_else(|| invalid("manifest.json: an entry has no Config".into()))?;
            let config =
                std::fs::read(dir.join(config_name)).map_err(|_| invalid(format!("{config_name} is missing")))?;
            let summary = super::parse_config(&config, config_name)?;
            let layers: Vec<&str> =
                entry["Layers"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            if layers.len() != summary.rootfs.diff_ids.len() {
                return Err(invalid(format!(
                    "{config_name}: {} layers but {} diff IDs",
                    layers.len(),
                    summary.rootfs.diff_ids.len()
                )));
            }
            let mut parent: Option<Digest> = None;
            let mut size = 0;
            for (l, d) in layers.iter().zip(&summary.rootfs.diff_ids) {
                let info = load_layer(store, &dir.join(l), Some(d), parent.as_ref(), &format!("layer {l} of {shown}"))?;
                size += info.size;
                parent = Some(info.chain_id);
            }
            let tags: Vec<String> = entry["RepoTags"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).filter_map(normalize_tag).collect())
                .unwrap_or_default();
            loaded.push(record_image(store, &config, summary.rootfs.diff_ids.clone(), size, tags)?);
        }
        return Ok(loaded);
    }
    if !dir.join("index.json").exists() {
        return Err(invalid("neither a docker archive (manifest.json) nor an OCI layout (index.json)".into()));
    }
    let blob = |d: &Digest| dir.join("blobs").join("sha256").join(d.hex());
    let index = read_json("index.json")?;
    let entries = index["manifests"].as_array().cloned().unwrap_or_default();
    let host = super::host_platform();
    for entry in entries {
        let desc: super::Descriptor =
            serde_json::from_value(entry.clone()).map_err(|e| invalid(format!("index.json: {e}")))?;
        let name = entry["annotations"]["io.containerd.image.name"]
            .as_str()
            .or(entry["annotations"]["org.opencontainers.image.ref.name"].as_str())
            .and_then(normalize_tag);
        let mut body =
            std::fs::read(blob(&desc.digest)).map_err(|_| invalid(format!("blob {} is missing", desc.digest)))?;
        let manifest = loop {
            match super::parse_manifest(Some(&desc.media_type), &body, &desc.digest.to_string())? {
                ManifestDoc::Image(m) => break m,
                ManifestDoc::Index(idx) => {
                    let d = super::choose_platform(&idx, &host, &shown)?.digest.clone();
                    body = std::fs::read(blob(&d)).map_err(|_| invalid(format!("blob {d} is missing")))?;
                }
            }
        };
        let config = std::fs::read(blob(&manifest.config.digest))
            .map_err(|_| invalid(format!("config {} is missing", manifest.config.digest)))?;
        if Digest::of(&config) != manifest.config.digest {
            return Err(invalid(format!("config {} does not match its digest", manifest.config.digest)));
        }
        let summary = super::parse_config(&config, &manifest.config.digest.to_string())?;
        if manifest.layers.len() != summary.rootfs.diff_ids.len() {
            return Err(invalid(format!("manifest {}: layer count differs from the config's", desc.digest)));
        }
        let mut parent: Option<Digest> = None;
        let mut size = 0;
        for (l, d) in manifest.layers.iter().zip(&summary.rootfs.diff_ids) {
            super::layer_compression(&l.media_type, &l.digest.to_string())?;
            let info = load_layer(
                store,
                &blob(&l.digest),
                Some(d),
                parent.as_ref(),
                &format!("layer {} of {shown}", l.digest),
            )?;
            size += info.size;
            parent = Some(info.chain_id);
        }
        loaded.push(record_image(store, &config, summary.rootfs.diff_ids.clone(), size, name.into_iter().collect())?);
    }
    Ok(loaded)
}

/// Imports a flat root filesystem tarball (`reader`, compressed or not) as
/// a one-layer image with `config` (the image config's `config` object)
/// and an optional tag. Returns the image.
pub fn import(
    store: &Store,
    reader: &mut dyn Read,
    config: Value,
    message: &str,
    tag: Option<String>,
) -> Result<ImageRecord, ArchiveError> {
    store.clean_tmp();
    let (tmp, mut f) = TempFile::new(store)?;
    std::io::copy(reader, &mut f).map_err(io(&tmp.path))?;
    drop(f);
    let info = load_layer(store, &tmp.path, None, None, "imported tarball")?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let host = super::host_platform();
    let mut history = json!({"created": now, "created_by": "rcon import"});
    if !message.is_empty() {
        history["comment"] = message.into();
    }
    let mut cfg = json!({
        "created": now,
        "architecture": host.architecture,
        "os": host.os,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [info.diff_id.to_string()]},
        "history": [history],
    });
    if !message.is_empty() {
        cfg["comment"] = message.into();
    }
    let body = serde_json::to_vec(&cfg).expect("json");
    record_image(store, &body, vec![info.diff_id], info.size, tag.into_iter().collect())
}

/// Writes the merged root filesystem of a container as a tar: its upper
/// directory over its layers (top first), applying overlayfs whiteouts (0:0
/// character devices) and opaque directories (`trusted.overlay.opaque=y`)
/// as the kernel would; whiteouts themselves are not written. Directory
/// entries end in `/`, as docker's do.
pub fn export(dirs: &[PathBuf], out: &mut dyn Write) -> Result<(), ArchiveError> {
    use std::collections::HashSet;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let label = |e: std::io::Error| ArchiveError::Io { path: "output".into(), source: e };
    let mut tar = tar::Builder::new(out);
    tar.follow_symlinks(false);
    let mut emitted: HashSet<PathBuf> = HashSet::new();
    // Paths hidden from the layers below (whiteouts, opaque directories' contents).
    let mut masked: HashSet<PathBuf> = HashSet::new();
    let mut opaque: Vec<PathBuf> = Vec::new();
    let hidden = |rel: &Path, masked: &HashSet<PathBuf>, opaque: &[PathBuf]| {
        rel.ancestors().any(|a| masked.contains(a)) || opaque.iter().any(|o| rel.starts_with(o) && rel != o)
    };
    for dir in dirs {
        let mut new_masks = Vec::new();
        let mut new_opaque = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let abs = dir.join(&rel);
            let mut names: Vec<_> = match std::fs::read_dir(&abs) {
                Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.file_name()).collect(),
                Err(e) => return Err(io(&abs)(e)),
            };
            names.sort();
            for name in names.into_iter().rev() {
                let r = rel.join(&name);
                if hidden(&r, &masked, &opaque) {
                    continue;
                }
                let p = dir.join(&r);
                let m = std::fs::symlink_metadata(&p).map_err(io(&p))?;
                if m.file_type().is_char_device() && m.rdev() == 0 {
                    new_masks.push(r);
                    continue;
                }
                if m.is_dir() {
                    if super::unpack::is_opaque(&p) {
                        new_opaque.push(r.clone());
                    }
                    stack.push(r.clone());
                } else {
                    // A non-directory hides whatever lower layers have below its path.
                    new_masks.push(r.clone());
                }
                if emitted.insert(r.clone()) {
                    let ft = m.file_type();
                    if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() {
                        // tar's append_path_with_name names special files by
                        // their host path ("paths in archives must be relative").
                        let mut h = tar::Header::new_gnu();
                        h.set_metadata_in_mode(&m, tar::HeaderMode::Complete);
                        h.set_entry_type(if ft.is_fifo() {
                            tar::EntryType::Fifo
                        } else if ft.is_char_device() {
                            tar::EntryType::Char
                        } else {
                            tar::EntryType::Block
                        });
                        h.set_size(0);
                        let _ = h.set_device_major(libc::major(m.rdev()));
                        let _ = h.set_device_minor(libc::minor(m.rdev()));
                        tar.append_data(&mut h, &r, std::io::empty()).map_err(label)?;
                    } else if ft.is_socket() {
                        continue; // sockets are not file system content
                    } else if ft.is_dir() {
                        // Directories named with a trailing slash, as
                        // docker's (Go's archive/tar) are.
                        tar.append_path_with_name(&p, r.join("")).map_err(label)?;
                    } else {
                        tar.append_path_with_name(&p, &r).map_err(label)?;
                    }
                }
            }
        }
        masked.extend(new_masks);
        opaque.extend(new_opaque);
    }
    tar.into_inner().map_err(label)?.flush().map_err(label)?;
    Ok(())
}
