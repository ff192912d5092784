//! OCI image model: manifests, indexes, configs, platform choice, and layer
//! unpack ([`unpack`]).
//!
//! Docker's schema2 manifest and manifest list have the same shape as the OCI
//! image manifest and index (OCI image-spec manifest.md, image-index.md), so
//! one set of types reads all four; the media type only decides which of the
//! two shapes a document is. Docker schema1 is not supported.
//!
//! This module parses and checks documents; it never talks to a registry nor
//! writes to the store.

pub mod archive;
pub mod compression;
pub mod inspect;
pub mod tarsplit;
pub mod unpack;
pub mod v1;

use crate::digest::{Digest, DigestError};
use serde::Deserialize;
use serde_json::Value;

/// Media types rcon reads (OCI image-spec media-types.md and Docker's
/// registry API v2 schema2).
pub mod media_type {
    /// OCI image index.
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    /// OCI image manifest.
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    /// Docker manifest list (schema2).
    pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
    /// Docker image manifest (schema2).
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    /// Docker schema1 manifest (unsupported, recognised for a clear error).
    pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    /// OCI layer, uncompressed tar.
    pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
    /// OCI layer, gzip-compressed tar.
    pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
    /// OCI layer, zstd-compressed tar.
    pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
    /// Docker layer, uncompressed tar (as `docker save` names them).
    pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
    /// Docker layer, zstd (moby 23+).
    pub const DOCKER_LAYER_ZSTD: &str = "application/vnd.docker.image.rootfs.diff.tar.zstd";
    /// OCI image config.
    pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    /// Docker image config.
    pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
    /// Docker layer, gzip-compressed tar.
    pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    /// Docker foreign (non-distributable) layer, gzip.
    pub const DOCKER_FOREIGN_GZIP: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    /// OCI non-distributable layers (deprecated), tar and gzip.
    pub const OCI_NONDIST_TAR: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    /// See [`OCI_NONDIST_TAR`].
    pub const OCI_NONDIST_GZIP: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

    /// The `Accept` header for manifest requests: every manifest type rcon reads.
    pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
         application/vnd.oci.image.manifest.v1+json, \
         application/vnd.docker.distribution.manifest.list.v2+json, \
         application/vnd.docker.distribution.manifest.v2+json";
}

/// Why a manifest, index or config cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The document is not valid JSON of the expected shape.
    #[error("invalid {what} {reference}: {source}")]
    Json {
        /// "manifest", "image index", "image config".
        what: &'static str,
        /// The reference or digest it was fetched as.
        reference: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A media type rcon does not read.
    #[error("unsupported media type `{media_type}` for {reference}")]
    MediaType {
        /// The media type.
        media_type: String,
        /// The reference or digest of the document.
        reference: String,
    },
    /// An index without an entry for the host platform.
    #[error("no image for platform {platform} in {reference} (available: {available})")]
    NoPlatform {
        /// `os/arch[/variant]` wanted.
        platform: String,
        /// The index's reference.
        reference: String,
        /// The platforms it has, comma-separated.
        available: String,
    },
    /// A descriptor names content by a digest rcon does not verify.
    #[error("descriptor digest {descriptor}")]
    Digest {
        /// The digest as written.
        descriptor: String,
        /// Why it is not a sha256 digest.
        source: DigestError,
    },
    /// The config's layer list does not match the manifest's.
    #[error("image {reference}: the manifest has {layers} layers but the config has {diff_ids} diff IDs")]
    LayerCount {
        /// The image reference.
        reference: String,
        /// Layers in the manifest.
        layers: usize,
        /// `rootfs.diff_ids` in the config.
        diff_ids: usize,
    },
}

pub use oci_spec::image::{Arch, Descriptor, ImageIndex, ImageManifest, MediaType, Os, Platform};

/// Parses `os/arch[/variant]` (`--platform`) into an [`oci_spec`] platform;
/// `arch` alone means `linux/arch`. Architecture aliases are normalized as
/// containerd does (`x86_64` → `amd64`, `aarch64` → `arm64`).
/// Errors: a message naming the input.
pub fn parse_platform(s: &str) -> Result<Platform, String> {
    let parts: Vec<&str> = s.split('/').collect();
    let (os, arch, variant) = match parts.as_slice() {
        [arch] => ("linux", *arch, None),
        [os, arch] => (*os, *arch, None),
        [os, arch, variant] => (*os, *arch, Some(*variant)),
        _ => return Err(format!("invalid platform `{s}`: expected OS/ARCH[/VARIANT]")),
    };
    if os.is_empty() || arch.is_empty() || variant == Some("") {
        return Err(format!("invalid platform `{s}`: expected OS/ARCH[/VARIANT]"));
    }
    let arch = match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        a => a,
    };
    Ok(new_platform(os, arch, variant))
}

/// A platform of `os`, `arch` (GOOS, GOARCH values) and optional `variant`.
fn new_platform(os: &str, arch: &str, variant: Option<&str>) -> Platform {
    let mut p = Platform::default();
    p.set_os(Os::from(os));
    p.set_architecture(Arch::from(arch));
    p.set_variant(variant.map(String::from));
    p
}

/// `os/arch[/variant]`, as `--platform` takes it and errors show it.
pub fn platform_string(p: &Platform) -> String {
    match p.variant() {
        Some(v) => format!("{}/{}/{v}", p.os(), p.architecture()),
        None => format!("{}/{}", p.os(), p.architecture()),
    }
}

/// The content digest of `d` as rcon's [`Digest`].
/// Errors: [`ImageError::Digest`] when it is not sha256 (documents from
/// [`parse_manifest`] were checked already).
pub fn descriptor_digest(d: &Descriptor) -> Result<Digest, ImageError> {
    Digest::try_from(d.digest()).map_err(|source| ImageError::Digest { descriptor: d.digest().to_string(), source })
}

/// A descriptor of `size` bytes of content `digest` with `media_type`.
pub fn descriptor(media_type: &str, digest: &Digest, size: u64) -> Descriptor {
    Descriptor::new(MediaType::from(media_type), size, digest)
}

/// An image manifest (schema version 2) of media type `media_type` (OCI or
/// Docker schema2, whose shapes are the same) for `config` and `layers`.
pub fn image_manifest(media_type: &str, config: Descriptor, layers: Vec<Descriptor>) -> ImageManifest {
    oci_spec::image::ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::from(media_type))
        .config(config)
        .layers(layers)
        .build()
        .expect("every required field of an image manifest is set")
}

/// An image index (schema version 2) of media type `media_type` listing
/// `manifests`.
pub fn image_index(media_type: &str, manifests: Vec<Descriptor>) -> ImageIndex {
    oci_spec::image::ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::from(media_type))
        .manifests(manifests)
        .build()
        .expect("every required field of an image index is set")
}

/// The JSON bytes of a manifest or index, fields in the order of the
/// image-spec (as docker and containerd write them). Its digest names it.
pub fn to_json<T: serde::Serialize>(doc: &T) -> Vec<u8> {
    serde_json::to_vec(doc).expect("an image document serializes")
}

/// A manifest document of either shape.
#[derive(Debug, Clone)]
pub enum ManifestDoc {
    /// An index or manifest list: pick a platform, then fetch that manifest.
    Index(Box<ImageIndex>),
    /// A single-platform image manifest.
    Image(Box<ImageManifest>),
}

/// The parts of an image config (OCI image-spec config.md) that pulling needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfigSummary {
    /// Creation time, RFC 3339.
    #[serde(default)]
    pub created: Option<String>,
    /// `architecture`.
    #[serde(default)]
    pub architecture: String,
    /// `os`.
    #[serde(default)]
    pub os: String,
    /// `rootfs`.
    pub rootfs: RootFs,
}

/// The config's `rootfs`: the uncompressed layers' digests.
#[derive(Debug, Clone, Deserialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type")]
    pub kind: String,
    /// DiffIDs, base first.
    pub diff_ids: Vec<Digest>,
}

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain tar.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

/// Parses a manifest body. `content_type` is the HTTP `Content-Type` (may be
/// absent or generic); the document's own `mediaType` wins, and without
/// either, a `manifests` key means an index. `reference` names it in errors.
/// Errors: [`ImageError::MediaType`] (schema1, anything unknown),
/// [`ImageError::Json`].
pub fn parse_manifest(content_type: Option<&str>, body: &[u8], reference: &str) -> Result<ManifestDoc, ImageError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        #[serde(default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
        #[serde(default)]
        schema_version: Option<u32>,
    }
    let json_err = |what, source| ImageError::Json { what, reference: reference.to_string(), source };
    let probe: Probe = serde_json::from_slice(body).map_err(|e| json_err("manifest", e))?;
    let header_type = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_string());
    let media_type =
        probe.media_type.clone().or(header_type.filter(|t| t.starts_with("application/vnd."))).unwrap_or_else(|| {
            if probe.manifests.is_some() { media_type::OCI_INDEX } else { media_type::OCI_MANIFEST }.into()
        });
    if probe.schema_version == Some(1) || media_type.starts_with("application/vnd.docker.distribution.manifest.v1") {
        return Err(ImageError::MediaType {
            media_type: media_type::DOCKER_SCHEMA1.into(),
            reference: format!(
                "{reference} (Docker schema1 images are not supported; push the image again with a current tool)"
            ),
        });
    }
    let docker = media_type.starts_with("application/vnd.docker.");
    let doc = match media_type.as_str() {
        media_type::OCI_INDEX | media_type::DOCKER_LIST => {
            let mut v: Value = serde_json::from_slice(body).map_err(|e| json_err("image index", e))?;
            lenient(&mut v, &media_type, docker);
            ManifestDoc::Index(Box::new(serde_json::from_value(v).map_err(|e| json_err("image index", e))?))
        }
        media_type::OCI_MANIFEST | media_type::DOCKER_MANIFEST => {
            let mut v: Value = serde_json::from_slice(body).map_err(|e| json_err("manifest", e))?;
            lenient(&mut v, &media_type, docker);
            ManifestDoc::Image(Box::new(serde_json::from_value(v).map_err(|e| json_err("manifest", e))?))
        }
        other => {
            return Err(ImageError::MediaType { media_type: other.to_string(), reference: reference.to_string() });
        }
    };
    let descriptors: Vec<&Descriptor> = match &doc {
        ManifestDoc::Index(i) => i.manifests().iter().collect(),
        ManifestDoc::Image(m) => std::iter::once(m.config()).chain(m.layers()).collect(),
    };
    for d in descriptors {
        descriptor_digest(d)?;
    }
    Ok(doc)
}

/// Fills in what old documents (Docker schema2 from registry 2.0, early OCI
/// tools) omit, so that they read as `oci_spec` types: the document's own
/// `mediaType` (`media_type`, as detected), a descriptor's `mediaType`
/// (index entries: a manifest of the document's family; a config: that
/// family's config type; a layer: a gzip layer, as docker takes it), and an
/// image manifest's `layers` (none).
fn lenient(doc: &mut Value, media_type: &str, docker: bool) {
    let Some(obj) = doc.as_object_mut() else { return };
    obj.entry("mediaType").or_insert_with(|| media_type.into());
    let fill = |d: &mut Value, default: &str| {
        if let Some(d) = d.as_object_mut() {
            d.entry("mediaType").or_insert_with(|| default.into());
        }
    };
    let (manifest, config, layer) = if docker {
        (media_type::DOCKER_MANIFEST, media_type::DOCKER_CONFIG, media_type::DOCKER_LAYER_GZIP)
    } else {
        (media_type::OCI_MANIFEST, media_type::OCI_CONFIG, media_type::OCI_LAYER_GZIP)
    };
    if let Some(Value::Array(entries)) = obj.get_mut("manifests") {
        entries.iter_mut().for_each(|d| fill(d, manifest));
        return;
    }
    if let Some(c) = obj.get_mut("config") {
        fill(c, config);
    }
    let layers = obj.entry("layers").or_insert(Value::Null);
    if layers.is_null() {
        *layers = Value::Array(vec![]);
    }
    if let Value::Array(layers) = layers {
        layers.iter_mut().for_each(|d| fill(d, layer));
    }
}

/// Parses the parts of an image config pulling needs.
pub fn parse_config(body: &[u8], reference: &str) -> Result<ConfigSummary, ImageError> {
    serde_json::from_slice(body).map_err(|source| ImageError::Json {
        what: "image config",
        reference: reference.to_string(),
        source,
    })
}

/// The compression of a layer with media type `media_type`. An empty media
/// type (very old documents) is taken as gzip, as docker does.
pub fn layer_compression(media_type: &str, reference: &str) -> Result<Compression, ImageError> {
    use media_type::*;
    match media_type {
        OCI_LAYER_GZIP | DOCKER_LAYER_GZIP | DOCKER_FOREIGN_GZIP | OCI_NONDIST_GZIP | "" => Ok(Compression::Gzip),
        OCI_LAYER_TAR | OCI_NONDIST_TAR | DOCKER_LAYER_TAR => Ok(Compression::None),
        OCI_LAYER_ZSTD | DOCKER_LAYER_ZSTD | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd" => {
            Ok(Compression::Zstd)
        }
        other => Err(ImageError::MediaType { media_type: other.to_string(), reference: reference.to_string() }),
    }
}

/// The platform of this machine (`linux/amd64` on x86-64), in GOOS/GOARCH
/// terms, as image indexes name platforms.
pub fn host_platform() -> Platform {
    let (architecture, variant) = match std::env::consts::ARCH {
        "x86_64" => ("amd64", None),
        "x86" => ("386", None),
        "aarch64" => ("arm64", Some("v8")),
        "arm" => ("arm", Some("v7")),
        "powerpc64" if cfg!(target_endian = "little") => ("ppc64le", None),
        "loongarch64" => ("loong64", None),
        other => (other, None),
    };
    new_platform("linux", architecture, variant)
}

/// Chooses the manifest for `platform` from an index: same OS and
/// architecture; among those, an exact variant match first, then one
/// without a variant, then any (arm64 images often omit `v8`).
/// Errors: [`ImageError::NoPlatform`] listing what the index has.
pub fn choose_platform<'a>(
    index: &'a ImageIndex,
    platform: &Platform,
    reference: &str,
) -> Result<&'a Descriptor, ImageError> {
    let candidates: Vec<&Descriptor> = index
        .manifests()
        .iter()
        .filter(|d| {
            d.platform()
                .as_ref()
                .is_some_and(|p| p.os() == platform.os() && p.architecture() == platform.architecture())
        })
        .collect();
    let variant = |d: &&Descriptor| d.platform().as_ref().and_then(|p| p.variant().clone());
    candidates
        .iter()
        .find(|d| &variant(d) == platform.variant())
        .or_else(|| candidates.iter().find(|d| variant(d).is_none()))
        .or_else(|| candidates.first())
        .copied()
        // A one-entry index without a platform: that is the image.
        .or_else(|| match index.manifests().as_slice() {
            [only] if only.platform().is_none() => Some(only),
            _ => None,
        })
        .ok_or_else(|| ImageError::NoPlatform {
            platform: platform_string(platform),
            reference: reference.to_string(),
            available: index
                .manifests()
                .iter()
                .filter_map(|d| d.platform().as_ref().filter(|p| p.os().to_string() != "unknown").map(platform_string))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn desc(platform: &str) -> String {
        let mut p = platform.split('/');
        let (os, arch, variant) = (p.next().unwrap(), p.next().unwrap(), p.next());
        let variant = variant.map(|v| format!(r#","variant":"{v}""#)).unwrap_or_default();
        format!(
            r#"{{"mediaType":"{}","digest":"sha256:{HEX}","size":1,"platform":{{"os":"{os}","architecture":"{arch}"{variant}}}}}"#,
            media_type::OCI_MANIFEST
        )
    }

    #[test]
    fn parses_index_and_chooses_platform() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[{},{},{},{}]}}"#,
            media_type::DOCKER_LIST,
            desc("linux/arm/v6"),
            desc("linux/arm/v7"),
            desc("linux/amd64"),
            desc("unknown/unknown")
        );
        let ManifestDoc::Index(index) = parse_manifest(None, body.as_bytes(), "r").unwrap() else {
            panic!("not an index")
        };
        let amd64 = new_platform("linux", "amd64", None);
        assert_eq!(choose_platform(&index, &amd64, "r").unwrap().platform().as_ref().unwrap(), &amd64);
        let v7 = new_platform("linux", "arm", Some("v7"));
        assert_eq!(choose_platform(&index, &v7, "r").unwrap().platform().as_ref().unwrap(), &v7);
        let s390 = new_platform("linux", "s390x", None);
        let e = choose_platform(&index, &s390, "r").unwrap_err().to_string();
        assert!(e.contains("linux/s390x") && e.contains("linux/arm/v7, linux/amd64"), "{e}");
        // arm64 images often have no variant: still chosen for an arm64/v8 host.
        let body = format!(r#"{{"schemaVersion":2,"manifests":[{}]}}"#, desc("linux/arm64"));
        let ManifestDoc::Index(index) = parse_manifest(Some(media_type::OCI_INDEX), body.as_bytes(), "r").unwrap()
        else {
            panic!("not an index")
        };
        let arm64 = new_platform("linux", "arm64", Some("v8"));
        assert!(choose_platform(&index, &arm64, "r").is_ok());
        let body = format!(r#"{{"schemaVersion":2,"manifests":[{{"digest":"sha256:{HEX}","size":1}}]}}"#);
        let ManifestDoc::Index(index) = parse_manifest(None, body.as_bytes(), "r").unwrap() else {
            panic!("not an index")
        };
        assert!(choose_platform(&index, &amd64, "r").is_ok(), "a lone manifest without platform");
    }

    #[test]
    fn parses_manifests_of_both_kinds() {
        let body = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:{HEX}","size":7}},
               "layers":[{{"mediaType":"{}","digest":"sha256:{HEX}","size":9}}]}}"#,
            media_type::DOCKER_LAYER_GZIP
        );
        let ManifestDoc::Image(m) = parse_manifest(Some(media_type::DOCKER_MANIFEST), body.as_bytes(), "r").unwrap()
        else {
            panic!("not a manifest")
        };
        assert_eq!(m.layers().len(), 1);
        assert_eq!(m.config().size(), 7);
        assert_eq!(layer_compression(m.layers()[0].media_type().as_ref(), "r").unwrap(), Compression::Gzip);
        assert_eq!(layer_compression(media_type::OCI_LAYER_TAR, "r").unwrap(), Compression::None);
        assert_eq!(layer_compression(media_type::OCI_LAYER_ZSTD, "r").unwrap(), Compression::Zstd);
        assert!(layer_compression("application/vnd.example.layer", "r").is_err());
        let schema1 = br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#;
        let e = parse_manifest(Some("application/json"), schema1, "r").unwrap_err().to_string();
        assert!(e.contains("schema1"), "{e}");
        let e = parse_manifest(Some("text/html"), b"<html>", "r").unwrap_err().to_string();
        assert!(e.contains("invalid manifest r"), "{e}");
        let md5 =
            format!(r#"{{"schemaVersion":2,"config":{{"mediaType":"x","digest":"md5:{}","size":7}}}}"#, &HEX[..32]);
        let e = parse_manifest(None, md5.as_bytes(), "r").unwrap_err().to_string();
        assert!(e.contains("md5:"), "{e}");
    }

    #[test]
    fn reads_old_documents_without_media_types() {
        // Registry 2.0-era schema2: no mediaType on the descriptors, no layers key.
        let body = format!(r#"{{"schemaVersion":2,"config":{{"digest":"sha256:{HEX}","size":7}}}}"#);
        let ManifestDoc::Image(m) = parse_manifest(Some(media_type::DOCKER_MANIFEST), body.as_bytes(), "r").unwrap()
        else {
            panic!("not a manifest")
        };
        assert_eq!(m.config().media_type().as_ref(), media_type::DOCKER_CONFIG);
        assert!(m.layers().is_empty());
        let body = format!(
            r#"{{"schemaVersion":2,"config":{{"digest":"sha256:{HEX}","size":7}},"layers":[{{"digest":"sha256:{HEX}","size":9}}]}}"#
        );
        let ManifestDoc::Image(m) = parse_manifest(None, body.as_bytes(), "r").unwrap() else {
            panic!("not a manifest")
        };
        assert_eq!(m.media_type().as_ref().map(|t| t.to_string()).as_deref(), Some(media_type::OCI_MANIFEST));
        assert_eq!(layer_compression(m.layers()[0].media_type().as_ref(), "r").unwrap(), Compression::Gzip);
        assert_eq!(descriptor_digest(&m.layers()[0]).unwrap().hex(), HEX);
    }

    #[test]
    fn writes_documents_in_spec_order() {
        let d: Digest = format!("sha256:{HEX}").parse().unwrap();
        let m = image_manifest(
            media_type::DOCKER_MANIFEST,
            descriptor(media_type::DOCKER_CONFIG, &d, 7),
            vec![descriptor(media_type::DOCKER_LAYER_GZIP, &d, 9)],
        );
        let json = String::from_utf8(to_json(&m)).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"sha256:{HEX}","size":7}},"layers":[{{"mediaType":"{}","digest":"sha256:{HEX}","size":9}}]}}"#,
                media_type::DOCKER_MANIFEST,
                media_type::DOCKER_CONFIG,
                media_type::DOCKER_LAYER_GZIP
            )
        );
        let ManifestDoc::Image(back) = parse_manifest(None, json.as_bytes(), "r").unwrap() else {
            panic!("not a manifest")
        };
        assert_eq!(*back, m);
        let i = image_index(media_type::OCI_INDEX, vec![descriptor(media_type::OCI_MANIFEST, &d, 3)]);
        let ManifestDoc::Index(back) = parse_manifest(None, &to_json(&i), "r").unwrap() else { panic!("not an index") };
        assert_eq!(*back, i);
    }

    #[test]
    fn platforms_parse() {
        assert_eq!(platform_string(&parse_platform("linux/arm64/v8").unwrap()), "linux/arm64/v8");
        assert_eq!(platform_string(&parse_platform("linux/x86_64").unwrap()), "linux/amd64");
        assert_eq!(platform_string(&parse_platform("arm64").unwrap()), "linux/arm64");
        assert!(parse_platform("a/b/c/d").is_err());
        assert!(parse_platform("linux/").is_err());
    }

    #[test]
    fn host_platform_is_linux() {
        let p = host_platform();
        assert_eq!(p.os(), &Os::Linux);
        if cfg!(target_arch = "x86_64") {
            assert_eq!(platform_string(&p), "linux/amd64");
        }
    }
}
