//! Registry credentials: where they are stored and how they are found.
//!
//! Files read, first match wins (as podman does, then docker's file):
//!
//! 1. the auth file: `--authfile`, else `REGISTRY_AUTH_FILE`, else
//!    `$XDG_RUNTIME_DIR/containers/auth.json` (root without
//!    `XDG_RUNTIME_DIR`: `/run/containers/0/auth.json`); `rcon login` writes here;
//! 2. `~/.config/containers/auth.json`;
//! 3. docker's `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
//!
//! Each file has the shape of docker's config file: `auths` maps a registry
//! (or `registry/namespace/repository`, most specific first, podman's
//! extension; docker's `https://index.docker.io/v1/` style URLs are
//! understood) to `{"auth": base64("user:password"), "identitytoken": …}`;
//! `credHelpers` maps a registry to a `docker-credential-<helper>` program
//! and `credsStore` names one for every registry (docker credential helper
//! protocol: `get` with the server URL on stdin, JSON on stdout).
//!
//! Secrets are never printed: [`Credentials`] implements `Debug` without them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A user name with its password, or an identity (refresh) token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (`<token>` for identity tokens from credential helpers).
    pub username: String,
    /// The password; empty with an identity token.
    pub password: String,
    /// An OAuth2 refresh token (docker's `identitytoken`), used instead of
    /// the password at the token endpoint.
    pub identity_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

impl Credentials {
    /// Parses `--creds USER[:PASSWORD]` (the password may contain `:`).
    pub fn parse_creds(s: &str) -> Result<Credentials, CredentialsError> {
        let (user, pass) = s.split_once(':').unwrap_or((s, ""));
        if user.is_empty() {
            return Err(CredentialsError::Invalid("--creds: the user name is empty (expected USER:PASSWORD)".into()));
        }
        Ok(Credentials { username: user.into(), password: pass.into(), identity_token: None })
    }
}

/// Why credentials cannot be read or written. Names the file or helper.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// A file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The auth file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid JSON of docker's shape.
    #[error("{path}: invalid auth file: {detail}")]
    Corrupt {
        /// The auth file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A credential helper failed.
    #[error("credential helper `docker-credential-{helper}` failed for {registry}: {detail}")]
    Helper {
        /// The helper's suffix.
        helper: String,
        /// The registry asked for.
        registry: String,
        /// Its error output or the spawn error.
        detail: String,
    },
    /// Bad input (`--creds`).
    #[error("{0}")]
    Invalid(String),
}

/// The auth file `rcon login` writes: `explicit` (`--authfile`), else
/// `REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`, else
/// `/run/containers/<uid>/auth.json` (podman's defaults).
pub fn auth_file(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|p| !p.is_empty()) {
        Some(d) => PathBuf::from(d).join("containers/auth.json"),
        None => PathBuf::from(format!("/run/containers/{}/auth.json", nix::unistd::geteuid())),
    }
}

/// Every file searched, in order (see the module docs).
pub fn search_files(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut files = vec![auth_file(explicit)];
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        files.push(PathBuf::from(&home).join(".config/containers/auth.json"));
    }
    match std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        Some(d) => files.push(PathBuf::from(d).join("config.json")),
        None => {
            if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
                files.push(PathBuf::from(home).join(".docker/config.json"));
            }
        }
    }
    files
}

/// The key docker uses for a registry in `auths` and helpers: Docker Hub is
/// `https://index.docker.io/v1/`, others their host[:port].
fn docker_server_url(registry: &str) -> String {
    if registry == crate::reference::DOCKER_HUB { "https://index.docker.io/v1/".into() } else { registry.into() }
}

/// Normalizes an `auths` key: scheme and `/v1/`-style suffixes dropped,
/// Docker Hub's aliases mapped to `docker.io`.
fn normalize_key(key: &str) -> String {
    let k = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let k = k.trim_end_matches('/');
    let k = k.strip_suffix("/v1").or_else(|| k.strip_suffix("/v2")).unwrap_or(k);
    let (host, rest) = k.split_once('/').map_or((k, None), |(h, r)| (h, Some(r)));
    let host = match host {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => crate::reference::DOCKER_HUB,
        h => h,
    };
    match rest {
        Some(r) => format!("{host}/{r}"),
        None => host.to_string(),
    }
}

fn read_file(path: &Path) -> Result<Option<Map<String, Value>>, CredentialsError> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CredentialsError::Io { path: path.into(), source }),
    };
    if data.iter().all(u8::is_ascii_whitespace) {
        return Ok(Some(Map::new()));
    }
    match serde_json::from_slice::<Value>(&data) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(CredentialsError::Corrupt { path: path.into(), detail: "not a JSON object".into() }),
        Err(e) => Err(CredentialsError::Corrupt { path: path.into(), detail: e.to_string() }),
    }
}

/// Decodes an `auths` entry.
fn decode_entry(path: &Path, key: &str, entry: &Value) -> Result<Option<Credentials>, CredentialsError> {
    let corrupt = |d: &str| CredentialsError::Corrupt { path: path.into(), detail: format!("auths.{key:?}: {d}") };
    let identity_token = entry.get("identitytoken").and_then(Value::as_str).filter(|t| !t.is_empty());
    let auth = entry.get("auth").and_then(Value::as_str).unwrap_or("");
    let (username, password) = if auth.is_empty() {
        // Older files: separate fields.
        let u = entry.get("username").and_then(Value::as_str).unwrap_or("");
        let p = entry.get("password").and_then(Value::as_str).unwrap_or("");
        (u.to_string(), p.to_string())
    } else {
        let raw = B64.decode(auth.trim()).map_err(|_| corrupt("`auth` is not base64"))?;
        let text = String::from_utf8(raw).map_err(|_| corrupt("`auth` is not UTF-8"))?;
        let (u, p) = text.split_once(':').ok_or_else(|| corrupt("`auth` is not USER:PASSWORD"))?;
        (u.to_string(), p.to_string())
    };
    if username.is_empty() && identity_token.is_none() {
        return Ok(None);
    }
    Ok(Some(Credentials { username, password, identity_token: identity_token.map(String::from) }))
}

/// Runs `docker-credential-<helper> get` for `registry`. `Ok(None)` when the
/// helper has no credentials for it.
pub fn helper_get(helper: &str, registry: &str) -> Result<Option<Credentials>, CredentialsError> {
    use std::process::{Command, Stdio};
    let err = |detail: String| CredentialsError::Helper { helper: helper.into(), registry: registry.into(), detail };
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(e.to_string()))?;
    if let Some(stdin) = child.stdin.take() {
        let _ = crate::util::write_to_child(stdin, docker_server_url(registry).as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| err(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let text = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        if text.contains("credentials not found") {
            return Ok(None);
        }
        return Err(err(text.trim().to_string()));
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Reply {
        #[serde(default)]
        username: String,
        #[serde(default)]
        secret: String,
    }
    let r: Reply = serde_json::from_str(&stdout).map_err(|e| err(format!("invalid answer: {e}")))?;
    if r.username == "<token>" {
        return Ok(Some(Credentials {
            username: String::new(),
            password: String::new(),
            identity_token: Some(r.secret),
        }));
    }
    Ok(Some(Credentials { username: r.username, password: r.secret, identity_token: None }))
}

/// Finds credentials for `repository` (without tag) on `registry` in the
/// files of [`search_files`]. Within one file: a credential helper for the
/// registry, then the most specific `auths` key (`registry/ns/repo`, …,
/// `registry`), then `credsStore`.
pub fn lookup(
    registry: &str,
    repository: &str,
    explicit: Option<&Path>,
) -> Result<Option<Credentials>, CredentialsError> {
    for path in search_files(explicit) {
        let Some(file) = read_file(&path)? else { continue };
        if let Some(found) = lookup_in(&path, &file, registry, repository)? {
            crate::debug!("credentials for {registry} from {}", path.display());
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn lookup_in(
    path: &Path,
    file: &Map<String, Value>,
    registry: &str,
    repository: &str,
) -> Result<Option<Credentials>, CredentialsError> {
    if let Some(helpers) = file.get("credHelpers").and_then(Value::as_object) {
        for (k, v) in helpers {
            if normalize_key(k) == registry
                && let Some(h) = v.as_str()
            {
                return helper_get(h, registry);
            }
        }
    }
    if let Some(auths) = file.get("auths").and_then(Value::as_object) {
        let mut candidates = vec![registry.to_string()];
        let mut prefix = registry.to_string();
        for part in repository.split('/') {
            prefix = format!("{prefix}/{part}");
            candidates.push(prefix.clone());
        }
        for want in candidates.iter().rev() {
            for (k, v) in auths {
                if normalize_key(k) == *want
                    && let Some(c) = decode_entry(path, k, v)?
                {
                    return Ok(Some(c));
                }
            }
        }
    }
    if let Some(store) = file.get("credsStore").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        return helper_get(store, registry);
    }
    Ok(None)
}

/// Stores `creds` for `key` (a registry, or `registry/repository`) in the
/// auth file `path`, creating it (mode 0600) and its directory; other
/// entries and keys are kept.
pub fn store(path: &Path, key: &str, creds: &Credentials) -> Result<(), CredentialsError> {
    let mut file = read_file(path)?.unwrap_or_default();
    let auths = file.entry("auths").or_insert_with(|| Value::Object(Map::new()));
    if !auths.is_object() {
        *auths = Value::Object(Map::new());
    }
    let auths = auths.as_object_mut().expect("made an object above");
    let key = normalize_key(key);
    auths.retain(|k, _| normalize_key(k) != key);
    let mut entry = Map::new();
    entry.insert("auth".into(), Value::String(B64.encode(format!("{}:{}", creds.username, creds.password))));
    if let Some(t) = &creds.identity_token {
        entry.insert("identitytoken".into(), Value::String(t.clone()));
    }
    auths.insert(key, Value::Object(entry));
    write_file(path, &file)
}

/// Removes the entry for `key` from the auth file; returns whether there was one.
pub fn remove(path: &Path, key: &str) -> Result<bool, CredentialsError> {
    let Some(mut file) = read_file(path)? else { return Ok(false) };
    let key = normalize_key(key);
    let Some(auths) = file.get_mut("auths").and_then(Value::as_object_mut) else { return Ok(false) };
    let before = auths.len();
    auths.retain(|k, _| normalize_key(k) != key);
    if auths.len() == before {
        return Ok(false);
    }
    write_file(path, &file)?;
    Ok(true)
}

/// Removes every entry from the auth file; returns how many there were.
pub fn remove_all(path: &Path) -> Result<usize, CredentialsError> {
    let Some(mut file) = read_file(path)? else { return Ok(0) };
    let n = file.get("auths").and_then(Value::as_object).map_or(0, Map::len);
    file.insert("auths".into(), Value::Object(Map::new()));
    write_file(path, &file)?;
    Ok(n)
}

fn write_file(path: &Path, file: &Map<String, Value>) -> Result<(), CredentialsError> {
    let io = |source| CredentialsError::Io { path: path.into(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut data = serde_json::to_vec_pretty(&Value::Object(file.clone())).expect("JSON values serialize");
    data.push(b'\n');
    crate::util::write_atomic(path, &data, 0o600, false).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_normalized() {
        assert_eq!(normalize_key("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_key("registry-1.docker.io"), "docker.io");
        assert_eq!(normalize_key("http://127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(normalize_key("quay.io/org/app"), "quay.io/org/app");
    }

    #[test]
    fn store_lookup_remove() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/auth.json");
        let c = Credentials { username: "u".into(), password: "p:w".into(), identity_token: None };
        store(&path, "reg.example:5000", &c).unwrap();
        let other = Credentials { username: "o".into(), password: "x".into(), identity_token: None };
        store(&path, "reg.example:5000/team/app", &other).unwrap();
        let file = read_file(&path).unwrap().unwrap();
        assert_eq!(lookup_in(&path, &file, "reg.example:5000", "lib/x").unwrap(), Some(c.clone()));
        assert_eq!(lookup_in(&path, &file, "reg.example:5000", "team/app").unwrap(), Some(other));
        assert_eq!(lookup_in(&path, &file, "elsewhere", "team/app").unwrap(), None);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(remove(&path, "reg.example:5000").unwrap());
        assert!(!remove(&path, "reg.example:5000").unwrap());
        assert_eq!(remove_all(&path).unwrap(), 1);
    }

    #[test]
    fn docker_config_entries() {
        let path = Path::new("config.json");
        let file: Map<String, Value> = serde_json::from_str(&format!(
            r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{}"}},"q.io":{{"identitytoken":"rt"}}}}}}"#,
            B64.encode("me:secret")
        ))
        .unwrap();
        let c = lookup_in(path, &file, "docker.io", "library/busybox").unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("me", "secret"));
        let c = lookup_in(path, &file, "q.io", "a").unwrap().unwrap();
        assert_eq!(c.identity_token.as_deref(), Some("rt"));
        assert!(!format!("{c:?}").contains("rt\""), "no secret in Debug: {c:?}");
        let bad: Map<String, Value> = serde_json::from_str(r#"{"auths":{"x":{"auth":"%%%"}}}"#).unwrap();
        assert!(lookup_in(path, &bad, "x", "a").is_err());
        assert_eq!(Credentials::parse_creds("a:b:c").unwrap().password, "b:c");
        assert!(Credentials::parse_creds(":b").is_err());
    }
}
