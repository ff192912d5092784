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

use crate::digest::Digest;
use serde::Deserialize;

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

/// A content descriptor (OCI image-spec descriptor.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content (may be empty in old documents).
    #[serde(default)]
    pub media_type: String,
    /// Digest of the referenced content.
    pub digest: Digest,
    /// Size of the referenced content in bytes.
    pub size: u64,
    /// Platform, in index entries.
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// An image platform (OCI image-spec image-index.md, `platform`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Platform {
    /// CPU architecture, GOARCH values (`amd64`, `arm64`).
    pub architecture: String,
    /// Operating system, GOOS values (`linux`).
    pub os: String,
    /// CPU variant (`v7`, `v8`).
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]` (`--platform`); `arch` alone means
    /// `linux/arch`. Architecture aliases are normalized as containerd does
    /// (`x86_64` → `amd64`, `aarch64` → `arm64`).
    /// Errors: a message naming the input.
    pub fn parse(s: &str) -> Result<Platform, String> {
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
        Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: variant.map(String::from) })
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// An image manifest (OCI manifest or Docker schema2).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 2.
    pub schema_version: u32,
    /// Media type, when the document names it.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The image config.
    pub config: Descriptor,
    /// Layers, base first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

/// An image index (OCI index or Docker manifest list).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Always 2.
    pub schema_version: u32,
    /// Media type, when the document names it.
    #[serde(default)]
    pub media_type: Option<String>,
    /// One manifest per platform (and possibly attestations).
    pub manifests: Vec<Descriptor>,
}

/// A manifest document of either shape.
#[derive(Debug, Clone)]
pub enum ManifestDoc {
    /// An index or manifest list: pick a platform, then fetch that manifest.
    Index(Index),
    /// A single-platform image manifest.
    Image(Manifest),
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
    match media_type.as_str() {
        media_type::OCI_INDEX | media_type::DOCKER_LIST => {
            Ok(ManifestDoc::Index(serde_json::from_slice(body).map_err(|e| json_err("image index", e))?))
        }
        media_type::OCI_MANIFEST | media_type::DOCKER_MANIFEST => {
            Ok(ManifestDoc::Image(serde_json::from_slice(body).map_err(|e| json_err("manifest", e))?))
        }
        other => Err(ImageError::MediaType { media_type: other.to_string(), reference: reference.to_string() }),
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
    Platform { architecture: architecture.into(), os: "linux".into(), variant: variant.map(String::from) }
}

/// Chooses the manifest for `platform` from an index: same OS and
/// architecture; among those, an exact variant match first, then one
/// without a variant, then any (arm64 images often omit `v8`).
/// Errors: [`ImageError::NoPlatform`] listing what the index has.
pub fn choose_platform<'a>(
    index: &'a Index,
    platform: &Platform,
    reference: &str,
) -> Result<&'a Descriptor, ImageError> {
    let candidates: Vec<&Descriptor> = index
        .manifests
        .iter()
        .filter(|d| d.platform.as_ref().is_some_and(|p| p.os == platform.os && p.architecture == platform.architecture))
        .collect();
    let variant = |d: &&Descriptor| d.platform.as_ref().and_then(|p| p.variant.clone());
    candidates
        .iter()
        .find(|d| variant(d) == platform.variant)
        .or_else(|| candidates.iter().find(|d| variant(d).is_none()))
        .or_else(|| candidates.first())
        .copied()
        // A one-entry index without a platform: that is the image.
        .or_else(|| match index.manifests.as_slice() {
            [only] if only.platform.is_none() => Some(only),
            _ => None,
        })
        .ok_or_else(|| ImageError::NoPlatform {
            platform: platform.to_string(),
            reference: reference.to_string(),
            available: index
                .manifests
                .iter()
                .filter_map(|d| d.platform.as_ref().filter(|p| p.os != "unknown").map(|p| p.to_string()))
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
        let amd64 = Platform { os: "linux".into(), architecture: "amd64".into(), variant: None };
        assert_eq!(choose_platform(&index, &amd64, "r").unwrap().platform.as_ref().unwrap(), &amd64);
        let v7 = Platform { os: "linux".into(), architecture: "arm".into(), variant: Some("v7".into()) };
        assert_eq!(choose_platform(&index, &v7, "r").unwrap().platform.as_ref().unwrap(), &v7);
        let s390 = Platform { os: "linux".into(), architecture: "s390x".into(), variant: None };
        let e = choose_platform(&index, &s390, "r").unwrap_err().to_string();
        assert!(e.contains("linux/s390x") && e.contains("linux/arm/v7, linux/amd64"), "{e}");
        // arm64 images often have no variant: still chosen for an arm64/v8 host.
        let body = format!(r#"{{"schemaVersion":2,"manifests":[{}]}}"#, desc("linux/arm64"));
        let ManifestDoc::Index(index) = parse_manifest(Some(media_type::OCI_INDEX), body.as_bytes(), "r").unwrap()
        else {
            panic!("not an index")
        };
        let arm64 = Platform { os: "linux".into(), architecture: "arm64".into(), variant: Some("v8".into()) };
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
        assert_eq!(m.layers.len(), 1);
        assert_eq!(m.config.size, 7);
        assert_eq!(layer_compression(&m.layers[0].media_type, "r").unwrap(), Compression::Gzip);
        assert_eq!(layer_compression(media_type::OCI_LAYER_TAR, "r").unwrap(), Compression::None);
        assert_eq!(layer_compression(media_type::OCI_LAYER_ZSTD, "r").unwrap(), Compression::Zstd);
        assert!(layer_compression("application/vnd.example.layer", "r").is_err());
        let schema1 = br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#;
        let e = parse_manifest(Some("application/json"), schema1, "r").unwrap_err().to_string();
        assert!(e.contains("schema1"), "{e}");
        let e = parse_manifest(Some("text/html"), b"<html>", "r").unwrap_err().to_string();
        assert!(e.contains("invalid manifest r"), "{e}");
    }

    #[test]
    fn platforms_parse() {
        assert_eq!(Platform::parse("linux/arm64/v8").unwrap().to_string(), "linux/arm64/v8");
        assert_eq!(Platform::parse("linux/x86_64").unwrap().to_string(), "linux/amd64");
        assert_eq!(Platform::parse("arm64").unwrap().to_string(), "linux/arm64");
        assert!(Platform::parse("a/b/c/d").is_err());
        assert!(Platform::parse("linux/").is_err());
    }

    #[test]
    fn host_platform_is_linux() {
        let p = host_platform();
        assert_eq!(p.os, "linux");
        if cfg!(target_arch = "x86_64") {
            assert_eq!(p.to_string(), "linux/amd64");
        }
    }
}
