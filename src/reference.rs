//! Image references: parse and normalize as docker does
//! (`busybox` → `docker.io/library/busybox:latest`).
//!
//! Grammar (distribution/reference, `reference.go`):
//!
//! ```text
//! reference      := name [ ":" tag ] [ "@" digest ]
//! name           := [domain "/"] path-component ["/" path-component]*
//! domain         := host [":" port]        host: DNS name, IPv4, or [IPv6]
//! path-component := [a-z0-9]+ ( ( [_.] | "__" | "-"+ ) [a-z0-9]+ )*
//! tag            := [\w][\w.-]{0,127}
//! ```
//!
//! Normalization (`normalize.go`): the first `/`-separated part is a registry
//! only when it contains `.` or `:`, or is `localhost`, or has an upper-case
//! letter; otherwise the registry is Docker Hub (`docker.io`), and a
//! one-component Docker Hub name gets the `library/` prefix. `index.docker.io`
//! is the same registry as `docker.io`. With neither tag nor digest, the tag is
//! `latest`.
//!
//! This module only parses; it never talks to a registry.

use crate::digest::Digest;
use std::fmt;

/// The registry name Docker Hub images are normalized to.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that serves Docker Hub's registry API.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The tag used when a reference has neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";
/// Longest allowed repository name (`registry/path`), as docker.
const NAME_MAX: usize = 255;

/// A parsed, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// Parses and normalizes `s` (see the module docs for the rules).
    ///
    /// Errors ([`ReferenceError`]): empty input, upper-case repository,
    /// a 64-hex string (an image ID, not a name), invalid characters in a
    /// path component, tag or port, a digest that is not `sha256:<64 hex>`,
    /// a name longer than 255 characters.
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        let err = |reason: &str| ReferenceError { input: s.to_string(), reason: reason.to_string() };
        if s.is_empty() {
            return Err(err("empty reference"));
        }
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(err("cannot specify 64-byte hexadecimal strings"));
        }

        // Split off the digest, then the tag (a `:` after the last `/`).
        let (rest, digest) = match s.split_once('@') {
            Some((rest, d)) => {
                let digest = d.parse::<Digest>().map_err(|e| err(&e.to_string()))?;
                (rest, Some(digest))
            }
            None => (s, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(t) = tag
            && !valid_tag(t)
        {
            return Err(err(&format!("invalid tag `{t}`: expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}")));
        }
        if name.is_empty() {
            return Err(err("empty repository name"));
        }

        // Registry or Docker Hub?
        let (registry, path) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_uppercase()) =>
            {
                (first, remainder)
            }
            _ => (DOCKER_HUB, name),
        };
        let registry = if registry == "index.docker.io" { DOCKER_HUB } else { registry };
        if registry.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(err("repository name must be lowercase"));
        }
        if registry != DOCKER_HUB && !valid_domain(registry) {
            return Err(err(&format!("invalid registry `{registry}`")));
        }
        let repository =
            if registry == DOCKER_HUB && !path.contains('/') { format!("library/{path}") } else { path.to_string() };
        if repository.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(err("repository name must be lowercase"));
        }
        for component in repository.split('/') {
            if !valid_path_component(component) {
                return Err(err(&format!(
                    "invalid repository path component `{component}`: expected lowercase letters, digits and separators (`.`, `_`, `__`, `-`)"
                )));
            }
        }
        if registry.len() + 1 + repository.len() > NAME_MAX {
            return Err(err("repository name must not be more than 255 characters"));
        }

        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference { registry: registry.to_string(), repository, tag, digest })
    }

    /// `registry/repository`, fully normalized (`docker.io/library/busybox`).
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The repository as docker shows it (`busybox`, `user/app`,
    /// `127.0.0.1:5000/busybox`): Docker Hub's `docker.io/` and
    /// `library/` prefixes dropped.
    pub fn familiar(&self) -> String {
        if self.registry == DOCKER_HUB {
            match self.repository.strip_prefix("library/") {
                Some(short) if !short.contains('/') => short.to_string(),
                _ => self.repository.clone(),
            }
        } else {
            self.repository_name()
        }
    }

    /// The familiar form with tag and digest (`busybox:latest`).
    pub fn familiar_string(&self) -> String {
        let mut s = self.familiar();
        self.push_suffix(&mut s);
        s
    }

    /// The host to contact for the registry API: `registry-1.docker.io` for
    /// Docker Hub, the registry name otherwise.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB { DOCKER_HUB_API } else { &self.registry }
    }

    /// What to ask the registry's manifest endpoint for: the digest when
    /// given (it wins over the tag, as with docker), else the tag.
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => DEFAULT_TAG.to_string(),
        }
    }

    /// The same repository with tag `None` and `digest` (`repo@sha256:…`).
    pub fn with_digest(&self, digest: &Digest) -> Reference {
        Reference { tag: None, digest: Some(digest.clone()), ..self.clone() }
    }

    fn push_suffix(&self, s: &mut String) {
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(&d.to_string());
        }
    }
}

impl fmt::Display for Reference {
    /// The fully normalized form: `docker.io/library/busybox:latest`,
    /// `127.0.0.1:5000/app@sha256:…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.repository_name();
        self.push_suffix(&mut s);
        f.write_str(&s)
    }
}

impl std::str::FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Reference, ReferenceError> {
        Reference::parse(s)
    }
}

/// `[\w][\w.-]{0,127}`.
fn valid_tag(t: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = t.chars();
    t.len() <= 128 && chars.next().is_some_and(word) && chars.all(|c| word(c) || c == '.' || c == '-')
}

/// `[a-z0-9]+ ( ( [_.] | "__" | "-"+ ) [a-z0-9]+ )*`.
fn valid_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run: one `.` or `_`, exactly `__`, or any number of `-`.
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-')) {
            return false;
        }
    }
    true
}

/// `host[:port]` where host is a DNS name, an IPv4 address or `[IPv6]`.
fn valid_domain(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        match rest.split_once(']') {
            Some((v6, tail)) => {
                if v6.parse::<std::net::Ipv6Addr>().is_err() {
                    return false;
                }
                match tail {
                    "" => return true,
                    t => match t.strip_prefix(':') {
                        Some(p) => ("", Some(p)),
                        None => return false,
                    },
                }
            }
            None => return false,
        }
    } else {
        match d.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    if host.is_empty() && d.starts_with('[') {
        return true;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn norm(s: &str) -> String {
        Reference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")).to_string()
    }

    #[test]
    fn docker_hub_names_are_normalized() {
        assert_eq!(norm("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(norm("busybox:1.36"), "docker.io/library/busybox:1.36");
        assert_eq!(norm("library/busybox"), "docker.io/library/busybox:latest");
        assert_eq!(norm("docker.io/busybox"), "docker.io/library/busybox:latest");
        assert_eq!(norm("index.docker.io/busybox"), "docker.io/library/busybox:latest");
        assert_eq!(norm("user/app:v1"), "docker.io/user/app:v1");
        assert_eq!(norm("docker.io/user/app"), "docker.io/user/app:latest");
        assert_eq!(norm("a/b/c"), "docker.io/a/b/c:latest");
        let r = Reference::parse("busybox").unwrap();
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/busybox");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.repository_name(), "docker.io/library/busybox");
    }

    #[test]
    fn registries_with_ports_and_localhost() {
        let r = Reference::parse("127.0.0.1:5000/busybox:musl").unwrap();
        assert_eq!((r.registry.as_str(), r.repository.as_str()), ("127.0.0.1:5000", "busybox"));
        assert_eq!(r.tag.as_deref(), Some("musl"));
        assert_eq!(r.api_host(), "127.0.0.1:5000");
        assert_eq!(norm("localhost/app"), "localhost/app:latest");
        assert_eq!(norm("localhost:5000/a/b:t"), "localhost:5000/a/b:t");
        assert_eq!(norm("quay.io/podman/stable"), "quay.io/podman/stable:latest");
        assert_eq!(norm("[::1]:5000/app"), "[::1]:5000/app:latest");
        assert_eq!(norm("[2001:db8::1]/app:1"), "[2001:db8::1]/app:1");
        assert_eq!(norm("example.com:443/a"), "example.com:443/a:latest");
        // A first component without `.`/`:` is a Docker Hub user, not a host.
        assert_eq!(norm("myhost/app"), "docker.io/myhost/app:latest");
    }

    #[test]
    fn digests() {
        let r = Reference::parse(&format!("busybox@sha256:{HEX}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_ref().unwrap().hex(), HEX);
        assert_eq!(r.to_string(), format!("docker.io/library/busybox@sha256:{HEX}"));
        assert_eq!(r.manifest_ref(), format!("sha256:{HEX}"));
        let r = Reference::parse(&format!("127.0.0.1:5000/a:v1@sha256:{HEX}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.manifest_ref(), format!("sha256:{HEX}"), "the digest wins over the tag");
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/a:v1@sha256:{HEX}"));
        assert!(Reference::parse("busybox@sha256:abc").is_err());
        assert!(Reference::parse(&format!("busybox@sha512:{HEX}")).is_err());
        assert!(Reference::parse("busybox@").is_err());
    }

    #[test]
    fn familiar_names() {
        let f = |s: &str| Reference::parse(s).unwrap().familiar();
        assert_eq!(f("busybox"), "busybox");
        assert_eq!(f("docker.io/library/busybox:1"), "busybox");
        assert_eq!(f("user/app"), "user/app");
        assert_eq!(f("docker.io/library/a/b"), "library/a/b");
        assert_eq!(f("127.0.0.1:5000/busybox"), "127.0.0.1:5000/busybox");
        assert_eq!(Reference::parse("busybox").unwrap().familiar_string(), "busybox:latest");
    }

    #[test]
    fn invalid_references() {
        for bad in [
            "",
            "Busybox",
            "docker.io/Busybox",
            "busybox:",
            "busybox:-tag",
            "busybox:tag!",
            &format!("busybox:{}", "a".repeat(129)),
            "bu$ybox",
            "a//b",
            "/busybox",
            "busybox/",
            "-busybox",
            "busybox-",
            "bus..ybox",
            "bus___ybox",
            "127.0.0.1:/app",
            "127.0.0.1:50x0/app",
            "[::1/app",
            "[zz::1]:5000/app",
            "ex_ample.com/app",
            HEX,
            ":tag",
            &"a/".repeat(128),
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        // Upper case in the first component makes it a (bad) registry, docker's rule.
        let e = Reference::parse("Foo/bar").unwrap_err();
        assert!(e.to_string().contains("`Foo/bar`"), "{e}");
        let e = Reference::parse("UPPER").unwrap_err();
        assert!(e.reason.contains("lowercase"), "{e}");
    }

    #[test]
    fn valid_edge_cases() {
        assert_eq!(norm("a_b.c-d__e---f"), "docker.io/library/a_b.c-d__e---f:latest");
        assert_eq!(norm("app:V1.0_rc-1"), "docker.io/library/app:V1.0_rc-1");
        assert_eq!(norm(&format!("app:{}", "a".repeat(128))), format!("docker.io/library/app:{}", "a".repeat(128)));
        assert_eq!(norm("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(norm("0.0.0.0/x"), "0.0.0.0/x:latest");
    }
}
