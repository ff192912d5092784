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

/// The annotation naming an image in an OCI layout's `index.json` (OCI
/// image-spec annotations.md); a tag in OCI terms (`latest`) or, as docker
/// and skopeo write it, a full reference.
const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";
/// containerd's (and docker 25+'s) annotation with the full reference.
const ANNOTATION_CONTAINERD_NAME: &str = "io.containerd.image.name";

/// One image of a docker-archive's `manifest.json` (moby's
/// `image/tarexport`'s `manifestItem`), fields in docker's order. Unknown
/// fields (`Parent`, `LayerSources`) are ignored on reading.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ArchiveManifestEntry {
    /// The config's member name (`<hex>.json`, or `blobs/sha256/<hex>`).
    config: String,
    /// Familiar tags (`busybox:latest`); docker writes `null` for none.
    #[serde(default, deserialize_with = "null_as_empty")]
    repo_tags: Vec<String>,
    /// Layer tar members, base first.
    #[serde(default, deserialize_with = "null_as_empty")]
    layers: Vec<String>,
}

/// A list that may be `null` (Go's nil slice).
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(<Option<Vec<String>> as serde::Deserialize>::deserialize(d)?.unwrap_or_default())
}

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
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A layer cannot be unpacked.
    #[error("{0}")]
    Unpack(#[from] super::unpack::UnpackError),
    /// A document cannot be parsed.
    #[error("{0}")]
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
            && let Some(d) = m.layers().get(i)
            && let Ok(digest) = super::descriptor_digest(d)
            && store.has_blob(&digest)
        {
            kept.push(LayerBlob {
                digest,
                size: d.size(),
                media_type: d.media_type().to_string(),
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
                manifest.push(ArchiveManifestEntry { config: config_name, repo_tags: familiar, layers });
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
                    layers.push(super::descriptor(mt::OCI_LAYER_GZIP, &digest, len));
                }
                let manifest = super::to_json(&super::image_manifest(
                    mt::OCI_MANIFEST,
                    super::descriptor(mt::OCI_CONFIG, &image.id, config.len() as u64),
                    layers,
                ));
                let md = Digest::of(&manifest);
                if written.insert(md.clone()) {
                    append(&mut tar, &format!("blobs/sha256/{}", md.hex()), &manifest).map_err(label)?;
                }
                let desc = |name: Option<&str>| {
                    let mut d = super::descriptor(mt::OCI_MANIFEST, &md, manifest.len() as u64);
                    if let Some(n) = name {
                        d.set_annotations(Some(
                            [(ANNOTATION_REF_NAME, n), (ANNOTATION_CONTAINERD_NAME, n)]
                                .into_iter()
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                                .collect(),
                        ));
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
            let index = super::image_index(mt::OCI_INDEX, index);
            append(&mut tar, "index.json", &super::to_json(&index)).map_err(label)?;
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
    let layers = diff_ids.iter().map(|d| super::descriptor(mt::OCI_LAYER_TAR, d, 0)).collect();
    let manifest = super::to_json(&super::image_manifest(
        mt::OCI_MANIFEST,
        super::descriptor(mt::OCI_CONFIG, &id, config.len() as u64),
        layers,
    ));
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
    let mut loaded = Vec::new();
    if dir.join("manifest.json").exists() {
        let data = std::fs::read(dir.join("manifest.json")).map_err(io(&dir.join("manifest.json")))?;
        let manifest: Vec<ArchiveManifestEntry> =
            serde_json::from_slice(&data).map_err(|e| invalid(format!("manifest.json: {e}")))?;
        for entry in manifest {
            let config_name = &entry.config;
            let config =
                std::fs::read(dir.join(config_name)).map_err(|_| invalid(format!("{config_name} is missing")))?;
            let summary = super::parse_config(&config, config_name)?;
            let layers = &entry.layers;
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
            let tags: Vec<String> = entry.repo_tags.iter().filter_map(|t| normalize_tag(t)).collect();
            loaded.push(record_image(store, &config, summary.rootfs.diff_ids.clone(), size, tags)?);
        }
        return Ok(loaded);
    }
    if !dir.join("index.json").exists() {
        return Err(invalid("neither a docker archive (manifest.json) nor an OCI layout (index.json)".into()));
    }
    let blob = |d: &Digest| dir.join("blobs").join("sha256").join(d.hex());
    let index_json = std::fs::read(dir.join("index.json")).map_err(|_| invalid("index.json is missing".into()))?;
    let ManifestDoc::Index(index) = super::parse_manifest(Some(mt::OCI_INDEX), &index_json, "index.json")? else {
        return Err(invalid("index.json is not an image index".into()));
    };
    let host = super::host_platform();
    for desc in index.manifests() {
        let annotation = |key| desc.annotations().as_ref().and_then(|a| a.get(key)).map(String::as_str);
        let name = annotation(ANNOTATION_CONTAINERD_NAME).or(annotation(ANNOTATION_REF_NAME)).and_then(normalize_tag);
        let digest = super::descriptor_digest(desc)?;
        let mut body = std::fs::read(blob(&digest)).map_err(|_| invalid(format!("blob {digest} is missing")))?;
        let manifest = loop {
            match super::parse_manifest(Some(desc.media_type().as_ref()), &body, &digest.to_string())? {
                ManifestDoc::Image(m) => break m,
                ManifestDoc::Index(idx) => {
                    let d = super::descriptor_digest(super::choose_platform(&idx, &host, &shown)?)?;
                    body = std::fs::read(blob(&d)).map_err(|_| invalid(format!("blob {d} is missing")))?;
                }
            }
        };
        let config_digest = super::descriptor_digest(manifest.config())?;
        let config =
            std::fs::read(blob(&config_digest)).map_err(|_| invalid(format!("config {config_digest} is missing")))?;
        if Digest::of(&config) != config_digest {
            return Err(invalid(format!("config {config_digest} does not match its digest")));
        }
        let summary = super::parse_config(&config, &config_digest.to_string())?;
        if manifest.layers().len() != summary.rootfs.diff_ids.len() {
            return Err(invalid(format!("manifest {digest}: layer count differs from the config's")));
        }
        let mut parent: Option<Digest> = None;
        let mut size = 0;
        for (l, d) in manifest.layers().iter().zip(&summary.rootfs.diff_ids) {
            let layer = super::descriptor_digest(l)?;
            super::layer_compression(l.media_type().as_ref(), &layer.to_string())?;
            let info =
                load_layer(store, &blob(&layer), Some(d), parent.as_ref(), &format!("layer {layer} of {shown}"))?;
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
        "architecture": host.architecture().to_string(),
        "os": host.os().to_string(),
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
