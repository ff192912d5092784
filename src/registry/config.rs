//! Registry configuration in the spirit of containers-registries.conf(5)
//! version 2 (TOML): short-name search, aliases, per-registry `insecure`
//! and `blocked`, and pull mirrors. This module only reads the files and
//! decides where to pull from; it never talks to a registry.
//!
//! ```toml
//! unqualified-search-registries = ["docker.io"]   # the default
//!
//! [aliases]
//! "myimg" = "quay.io/me/myimg"
//!
//! [[registry]]
//! prefix = "docker.io"             # default: `location`
//! location = "docker.io"           # where `prefix` is pulled from
//! insecure = false                 # true: plain HTTP or unverified TLS
//! blocked = false                  # true: refuse to pull
//! mirror-by-digest-only = false    # true: mirrors only for `name@digest`
//! [[registry.mirror]]
//! location = "mirror.example.com:5000/hub"
//! insecure = false
//! ```
//!
//! Files (read only when a pull needs a registry, never when an image is
//! already in the store): `RCON_REGISTRIES_CONF`, else
//! `CONTAINERS_REGISTRIES_CONF` (a single file each, no drop-ins), else
//! `/etc/containers/registries.conf` followed by
//! `/etc/containers/registries.conf.d/*.conf` in name order. A later file's
//! `unqualified-search-registries` replaces the earlier list, its aliases
//! and `[[registry]]` entries replace those with the same key or prefix.
//! Version 1 tables (`[registries.search]`, `[registries.insecure]`,
//! `[registries.block]`, each with `registries = [...]`) are understood too.
//!
//! Matching: a `[[registry]]` prefix matches a fully qualified repository
//! (`docker.io/library/busybox`) equal to it or continuing it after a `/`;
//! `*.example.com` matches any host under `example.com`. The longest
//! prefix wins. The matched prefix is replaced by the mirror's or the
//! location's value to form the repository pulled from.

use crate::reference::{DOCKER_HUB, Reference, ReferenceError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The system-wide file.
pub const SYSTEM_FILE: &str = "/etc/containers/registries.conf";
/// Drop-in directory read after [`SYSTEM_FILE`].
pub const SYSTEM_DROPIN_DIR: &str = "/etc/containers/registries.conf.d";

/// Why the configuration cannot be used, or forbids a pull.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid TOML of the expected shape.
    #[error("{path}: invalid registries configuration: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The reference's registry is marked `blocked = true`.
    #[error(
        "pulling {reference} is blocked: registry prefix `{prefix}` has `blocked = true` in the registries configuration"
    )]
    Blocked {
        /// The reference asked for.
        reference: String,
        /// The `[[registry]]` prefix that blocks it.
        prefix: String,
    },
    /// A short name, and no unqualified-search registry is configured.
    #[error(
        "short name `{name}` cannot be resolved: no alias and `unqualified-search-registries` is empty; use a fully qualified name (registry/repository)"
    )]
    NoSearchRegistries {
        /// The name given.
        name: String,
    },
    /// A reference built from an alias, search registry, mirror or location is invalid.
    #[error("{what}: {source}")]
    Reference {
        /// Which setting produced it.
        what: String,
        /// The parse error.
        source: ReferenceError,
    },
}

/// One mirror of a `[[registry]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Mirror {
    /// `host[:port][/path]` replacing the matched prefix.
    pub location: String,
    /// Plain HTTP or unverified TLS allowed.
    #[serde(default)]
    pub insecure: bool,
    /// `all` (default), `digest-only` or `tag-only`.
    #[serde(default)]
    pub pull_from_mirror: Option<String>,
}

/// One `[[registry]]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RegistryEntry {
    /// What it applies to; empty: the same as `location`.
    #[serde(default)]
    pub prefix: String,
    /// Where to pull from; empty: the prefix itself.
    #[serde(default)]
    pub location: String,
    /// Plain HTTP or unverified TLS allowed.
    #[serde(default)]
    pub insecure: bool,
    /// Pulls refused.
    #[serde(default)]
    pub blocked: bool,
    /// Mirrors only for references with a digest.
    #[serde(default)]
    pub mirror_by_digest_only: bool,
    /// Tried in order before `location`.
    #[serde(default)]
    pub mirror: Vec<Mirror>,
}

impl RegistryEntry {
    fn key(&self) -> &str {
        if self.prefix.is_empty() { &self.location } else { &self.prefix }
    }
}

/// The shape of one file (versions 1 and 2; unknown keys ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct File {
    unqualified_search_registries: Option<Vec<String>>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    #[serde(default)]
    registry: Vec<RegistryEntry>,
    /// Version 1: `[registries.search|insecure|block] registries = [...]`.
    registries: Option<V1>,
}

#[derive(Debug, Default, Deserialize)]
struct V1 {
    search: Option<V1List>,
    insecure: Option<V1List>,
    block: Option<V1List>,
}

#[derive(Debug, Default, Deserialize)]
struct V1List {
    #[serde(default)]
    registries: Vec<String>,
}

/// The merged configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistriesConf {
    /// Registries a short name is tried against, in order.
    pub search: Vec<String>,
    /// Short name (without tag or digest) → fully qualified name.
    pub aliases: BTreeMap<String, String>,
    /// `[[registry]]` entries, one per prefix.
    pub registries: Vec<RegistryEntry>,
    /// The files read (for messages).
    pub files: Vec<PathBuf>,
}

impl Default for RegistriesConf {
    /// No file: search `docker.io` only, nothing else.
    fn default() -> Self {
        RegistriesConf {
            search: vec![DOCKER_HUB.to_string()],
            aliases: BTreeMap::new(),
            registries: vec![],
            files: vec![],
        }
    }
}

/// A place to pull one reference from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The reference to ask that registry for (a mirror's or location's name).
    pub reference: Reference,
    /// Plain HTTP or unverified TLS allowed for it.
    pub insecure: bool,
    /// A mirror (else the location).
    pub mirror: bool,
}

impl RegistriesConf {
    /// Reads the configuration files (see the module docs for which).
    /// Missing files are no error; unreadable or invalid ones are.
    pub fn load() -> Result<RegistriesConf, ConfigError> {
        for var in ["RCON_REGISTRIES_CONF", "CONTAINERS_REGISTRIES_CONF"] {
            if let Some(p) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                return Self::load_files(&[PathBuf::from(p)]);
            }
        }
        let mut files = vec![PathBuf::from(SYSTEM_FILE)];
        if let Ok(dir) = std::fs::read_dir(SYSTEM_DROPIN_DIR) {
            let mut dropins: Vec<PathBuf> = dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                .collect();
            dropins.sort();
            files.extend(dropins);
        }
        Self::load_files(&files)
    }

    /// Reads and merges `files` in order (missing ones skipped).
    pub fn load_files(files: &[PathBuf]) -> Result<RegistriesConf, ConfigError> {
        let mut conf = RegistriesConf::default();
        for path in files {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(ConfigError::Io { path: path.clone(), source }),
            };
            conf.merge_str(&text, path)?;
        }
        crate::debug!("registries configuration from {:?}: search {:?}", conf.files, conf.search);
        Ok(conf)
    }

    /// Merges one file's text (`path` for messages) over this configuration.
    pub fn merge_str(&mut self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let invalid = |detail: String| ConfigError::Invalid { path: path.to_path_buf(), detail };
        let file: File = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut entries = file.registry;
        if let Some(v1) = file.registries {
            if let Some(s) = v1.search {
                self.search = s.registries;
            }
            for (list, insecure) in [(v1.insecure, true), (v1.block, false)] {
                for r in list.map(|l| l.registries).unwrap_or_default() {
                    entries.push(RegistryEntry {
                        location: r,
                        insecure,
                        blocked: !insecure,
                        ..RegistryEntry::default()
                    });
                }
            }
        }
        if let Some(s) = file.unqualified_search_registries {
            self.search = s;
        }
        self.aliases.extend(file.aliases);
        for e in entries {
            if e.key().is_empty() {
                return Err(invalid("a [[registry]] has neither prefix nor location".into()));
            }
            if e.prefix.starts_with("*.") && !e.location.is_empty() {
                return Err(invalid(format!(
                    "[[registry]] prefix `{}`: a wildcard prefix cannot have a location",
                    e.prefix
                )));
            }
            self.registries.retain(|r| r.key() != e.key());
            self.registries.push(e);
        }
        self.files.push(path.to_path_buf());
        Ok(())
    }

    /// The fully qualified references a name given by the user stands for,
    /// in the order to try them: the name itself when it names a registry;
    /// else its alias; else one per unqualified-search registry.
    ///
    /// Errors: an invalid name, alias or search registry; no search registries.
    pub fn candidates(&self, name: &str) -> Result<Vec<Reference>, ConfigError> {
        let parsed =
            Reference::parse(name).map_err(|source| ConfigError::Reference { what: format!("`{name}`"), source })?;
        if !is_short_name(name) {
            return Ok(vec![parsed]);
        }
        let bare = name_part(name);
        if let Some(target) = self.aliases.get(bare) {
            let what = format!("alias `{bare}` = `{target}`");
            let mut r = Reference::parse(target).map_err(|source| ConfigError::Reference { what, source })?;
            if parsed.digest.is_some() || name.len() > bare.len() {
                r.tag = parsed.tag.clone();
                r.digest = parsed.digest.clone();
            }
            return Ok(vec![r]);
        }
        if self.search.is_empty() {
            return Err(ConfigError::NoSearchRegistries { name: name.to_string() });
        }
        // The user's path: `library/` was added by the Docker Hub rule.
        let path = if bare.contains('/') {
            parsed.repository.clone()
        } else {
            parsed.repository.strip_prefix("library/").unwrap_or(&parsed.repository).to_string()
        };
        let mut out = Vec::new();
        for registry in &self.search {
            let full = format!("{registry}/{path}");
            let what = format!("unqualified-search registry `{registry}`");
            let mut r = if registry == DOCKER_HUB || registry == "index.docker.io" {
                Reference::parse(&full)
            } else {
                qualified(registry, &path)
            }
            .map_err(|source| ConfigError::Reference { what, source })?;
            r.tag = parsed.tag.clone();
            r.digest = parsed.digest.clone();
            out.push(r);
        }
        Ok(out)
    }

    /// The `[[registry]]` entry for `reference` (longest matching prefix).
    pub fn entry_for(&self, reference: &Reference) -> Option<&RegistryEntry> {
        let name = reference.repository_name();
        self.registries
            .iter()
            .filter(|e| prefix_matches(e.key(), &reference.registry, &name))
            .max_by_key(|e| e.key().len())
    }

    /// Where to pull `reference` from, in order: the entry's mirrors
    /// (those that apply to a tag or digest reference), then its location;
    /// without an entry, the reference itself.
    ///
    /// Errors: [`ConfigError::Blocked`]; a mirror or location that makes an
    /// invalid reference.
    pub fn endpoints(&self, reference: &Reference) -> Result<Vec<Endpoint>, ConfigError> {
        let Some(entry) = self.entry_for(reference) else {
            return Ok(vec![Endpoint { reference: reference.clone(), insecure: false, mirror: false }]);
        };
        if entry.blocked {
            return Err(ConfigError::Blocked { reference: reference.to_string(), prefix: entry.key().to_string() });
        }
        let by_digest = reference.digest.is_some();
        let mut out = Vec::new();
        if !entry.mirror_by_digest_only || by_digest {
            for m in &entry.mirror {
                let applies = match m.pull_from_mirror.as_deref() {
                    Some("digest-only") => by_digest,
                    Some("tag-only") => !by_digest,
                    _ => true,
                };
                if applies {
                    let r = rewrite(reference, entry.key(), &m.location, &format!("mirror `{}`", m.location))?;
                    out.push(Endpoint { reference: r, insecure: m.insecure, mirror: true });
                }
            }
        }
        let location = if entry.location.is_empty() || entry.prefix.starts_with("*.") {
            reference.clone()
        } else {
            rewrite(reference, entry.key(), &entry.location, &format!("location `{}`", entry.location))?
        };
        out.push(Endpoint { reference: location, insecure: entry.insecure, mirror: false });
        Ok(out)
    }
}

/// True when the registries configuration marks the registry of
/// `reference` `insecure = true` (push and login, which use no mirrors).
/// Errors: an unreadable or invalid configuration file.
pub fn is_insecure(reference: &Reference) -> Result<bool, ConfigError> {
    Ok(RegistriesConf::load()?.entry_for(reference).is_some_and(|e| e.insecure))
}

/// Whether to verify TLS (and require HTTPS) for an endpoint: the
/// command line's `--tls-verify` unless the configuration marks the
/// registry `insecure`.
pub fn tls_verify_for(cli_tls_verify: bool, endpoint_insecure: bool) -> bool {
    cli_tls_verify && !endpoint_insecure
}

/// True when `name` does not name a registry (docker's rule: the first
/// `/`-separated part is a registry only when it contains `.` or `:`, is
/// `localhost`, or has an upper-case letter).
pub fn is_short_name(name: &str) -> bool {
    match name_part(name).split_once('/') {
        Some((first, _)) => {
            !(first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_uppercase()))
        }
        None => true,
    }
}

/// `name` without `@digest` and `:tag`.
fn name_part(name: &str) -> &str {
    let rest = name.split_once('@').map_or(name, |(r, _)| r);
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(i) => &rest[..last_slash + i],
        None => rest,
    }
}

/// `registry/path` as a reference (tag `latest`), without the Docker Hub
/// rule that would take a dot-less registry for a Docker Hub user.
fn qualified(registry: &str, path: &str) -> Result<Reference, ReferenceError> {
    let parsed = Reference::parse(&format!("{registry}/{path}"))?;
    if parsed.registry == registry {
        return Ok(parsed);
    }
    // `registry` has no `.`/`:` (e.g. a short host name): take it as given.
    let as_local = Reference::parse(&format!("localhost/{path}"))?;
    Ok(Reference { registry: registry.to_string(), ..as_local })
}

fn prefix_matches(prefix: &str, registry: &str, name: &str) -> bool {
    if let Some(domain) = prefix.strip_prefix("*.") {
        let host = registry.rsplit_once(':').map_or(registry, |(h, _)| h);
        return host.ends_with(&format!(".{domain}"));
    }
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    name == prefix || name.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

/// `reference` with its `prefix` replaced by `location`, tag and digest kept.
fn rewrite(reference: &Reference, prefix: &str, location: &str, what: &str) -> Result<Reference, ConfigError> {
    let name = reference.repository_name();
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    let rest = name.strip_prefix(prefix).unwrap_or("");
    let full = format!("{}{rest}", location.strip_suffix('/').unwrap_or(location));
    let bad = |reason: &str| ConfigError::Reference {
        what: what.to_string(),
        source: ReferenceError { input: full.clone(), reason: reason.to_string() },
    };
    let (registry, path) = full.split_once('/').ok_or_else(|| bad("no repository after the registry"))?;
    let mut r =
        qualified(registry, path).map_err(|source| ConfigError::Reference { what: what.to_string(), source })?;
    r.tag = reference.tag.clone();
    r.digest = reference.digest.clone();
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> RegistriesConf {
        let mut c = RegistriesConf::default();
        c.merge_str(text, Path::new("test.conf")).unwrap();
        c
    }

    fn names(v: &[Reference]) -> Vec<String> {
        v.iter().map(|r| r.to_string()).collect()
    }

    #[test]
    fn short_names() {
        for s in ["busybox", "busybox:1", "user/app", "a/b/c:t", "busybox@sha256:0"] {
            assert!(is_short_name(s), "{s}");
        }
        for s in ["docker.io/busybox", "localhost/a", "127.0.0.1:5000/a:t", "quay.io/a/b", "host:5000/x@sha256:0"] {
            assert!(!is_short_name(s), "{s}");
        }
    }

    #[test]
    fn default_resolves_to_docker_hub() {
        let c = RegistriesConf::default();
        assert_eq!(names(&c.candidates("busybox").unwrap()), ["docker.io/library/busybox:latest"]);
        assert_eq!(names(&c.candidates("user/app:v1").unwrap()), ["docker.io/user/app:v1"]);
        let r = Reference::parse("busybox").unwrap();
        assert_eq!(c.endpoints(&r).unwrap(), [Endpoint { reference: r, insecure: false, mirror: false }]);
    }

    #[test]
    fn search_order_and_aliases() {
        let c = conf(
            r#"unqualified-search-registries = ["127.0.0.1:5000", "docker.io", "quay.io"]
               short-name-mode = "enforcing"
               [aliases]
               "myimg" = "quay.io/me/myimg"
               "pinned" = "quay.io/me/pinned:v2""#,
        );
        assert_eq!(
            names(&c.candidates("busybox:1").unwrap()),
            ["127.0.0.1:5000/busybox:1", "docker.io/library/busybox:1", "quay.io/busybox:1"]
        );
        assert_eq!(names(&c.candidates("myimg").unwrap()), ["quay.io/me/myimg:latest"]);
        assert_eq!(names(&c.candidates("myimg:v1").unwrap()), ["quay.io/me/myimg:v1"]);
        assert_eq!(names(&c.candidates("pinned").unwrap()), ["quay.io/me/pinned:v2"]);
        assert_eq!(names(&c.candidates("quay.io/x/y").unwrap()), ["quay.io/x/y:latest"]);
        let empty = conf("unqualified-search-registries = []");
        assert!(matches!(empty.candidates("busybox"), Err(ConfigError::NoSearchRegistries { .. })));
        assert_eq!(names(&empty.candidates("localhost/busybox").unwrap()), ["localhost/busybox:latest"]);
    }

    #[test]
    fn mirrors_locations_and_blocking() {
        let c = conf(
            r#"[[registry]]
               location = "docker.io"
               [[registry.mirror]]
               location = "127.0.0.1:5001"
               [[registry.mirror]]
               location = "mirror.example.com/hub"
               insecure = true
               pull-from-mirror = "digest-only"

               [[registry]]
               prefix = "docker.io/library/secret"
               blocked = true

               [[registry]]
               prefix = "example.com/foo"
               location = "internal.example.com:8443/bar"
               insecure = true

               [[registry]]
               prefix = "*.corp.example"
               insecure = true"#,
        );
        let r = Reference::parse("busybox:1").unwrap();
        let e = c.endpoints(&r).unwrap();
        assert_eq!(
            e.iter().map(|e| (e.reference.to_string(), e.insecure, e.mirror)).collect::<Vec<_>>(),
            [
                ("127.0.0.1:5001/library/busybox:1".into(), false, true),
                ("docker.io/library/busybox:1".into(), false, false)
            ]
        );
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let e = c.endpoints(&Reference::parse(&format!("busybox@sha256:{hex}")).unwrap()).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].reference.to_string(), format!("mirror.example.com/hub/library/busybox@sha256:{hex}"));
        assert!(e[1].insecure);
        let err = c.endpoints(&Reference::parse("secret").unwrap()).unwrap_err();
        assert!(err.to_string().contains("docker.io/library/secret"), "{err}");
        // A prefix matches at a `/` boundary only.
        assert_eq!(c.endpoints(&Reference::parse("secretive").unwrap()).unwrap().len(), 2);
        let e = c.endpoints(&Reference::parse("example.com/foo/app:t").unwrap()).unwrap();
        assert_eq!(e[0].reference.to_string(), "internal.example.com:8443/bar/app:t");
        assert!(e[0].insecure);
        let e = c.endpoints(&Reference::parse("reg.corp.example/app").unwrap()).unwrap();
        assert_eq!((e[0].reference.to_string().as_str(), e[0].insecure), ("reg.corp.example/app:latest", true));
        assert!(!c.endpoints(&Reference::parse("corp.example/app").unwrap()).unwrap()[0].insecure);
    }

    #[test]
    fn insecure_decision() {
        assert!(tls_verify_for(true, false));
        assert!(!tls_verify_for(true, true), "insecure = true turns verification off");
        assert!(!tls_verify_for(false, false), "--tls-verify=false wins");
        // And the client then allows plain HTTP for a non-loopback host.
        assert!(!super::super::client::is_loopback_registry("registry.example.com"));
    }

    #[test]
    fn version_1_and_merging() {
        let mut c = conf(
            r#"[registries.search]
               registries = ["quay.io"]
               [registries.insecure]
               registries = ["10.0.0.1:5000"]
               [registries.block]
               registries = ["evil.example"]"#,
        );
        assert_eq!(c.search, ["quay.io"]);
        assert!(c.endpoints(&Reference::parse("10.0.0.1:5000/a").unwrap()).unwrap()[0].insecure);
        assert!(c.endpoints(&Reference::parse("evil.example/a").unwrap()).is_err());
        c.merge_str("[[registry]]\nlocation = \"evil.example\"\n[aliases]\n\"a\" = \"quay.io/a\"", Path::new("b.conf"))
            .unwrap();
        assert!(c.endpoints(&Reference::parse("evil.example/a").unwrap()).is_ok(), "a later file replaces the entry");
        assert_eq!(c.search, ["quay.io"], "kept when a later file does not set it");
        let mut bad = RegistriesConf::default();
        let e = bad.merge_str("unqualified-search-registries = 3", Path::new("/x/bad.conf")).unwrap_err();
        assert!(e.to_string().contains("/x/bad.conf"), "{e}");
    }
}
