//! A blocking client for one registry (OCI distribution spec, "Pull"):
//! `/v2/` ping, manifests, blobs, with anonymous Bearer tokens cached per
//! scope.
//!
//! reqwest's blocking client runs a tokio runtime on a background thread;
//! dropping the [`Client`] (and every response it returned) joins that
//! thread, so a pull leaves the process single-threaded again before the
//! runtime forks (DESIGN.md hazard 1).

use super::RegistryError;
use super::auth::{Challenge, TokenResponse, parse_challenges, pull_scope};
use crate::digest::Digest;
use crate::reference::Reference;
use reqwest::StatusCode;
use reqwest::blocking::Response;
use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

/// Largest manifest or index rcon reads, in bytes (the distribution spec
/// suggests registries accept at least 4 MiB).
pub const MANIFEST_LIMIT: u64 = 4 << 20;

/// A manifest as fetched: body, `Content-Type`, and `Docker-Content-Digest`.
pub struct FetchedManifest {
    /// The raw bytes (their sha256 is the manifest digest).
    pub body: Vec<u8>,
    /// The response's media type.
    pub content_type: Option<String>,
    /// The digest the registry claims, if it sent one we can parse.
    pub header_digest: Option<Digest>,
}

/// A connection to one registry for one repository.
pub struct Client {
    http: reqwest::blocking::Client,
    /// The registry as the reference names it (for messages).
    registry: String,
    /// `http://host:port` or `https://host`.
    base: String,
    repository: String,
    /// The full reference being pulled (for messages).
    reference: String,
    challenge: Option<Challenge>,
    /// Bearer tokens by scope.
    tokens: HashMap<String, String>,
}

/// True for registries docker reaches over plain HTTP by default:
/// `localhost`, 127.0.0.0/8 and ::1, with or without a port.
pub fn is_loopback_registry(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        registry.rsplit_once(':').map_or(registry, |(h, _)| h)
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Client {
    /// Connects to the registry of `reference` and pings `/v2/`, learning
    /// which authentication it wants. Scheme: plain HTTP for loopback
    /// registries; HTTPS otherwise, and with `tls_verify == false` HTTPS
    /// without certificate checks, falling back to HTTP when HTTPS cannot
    /// connect (docker's insecure-registry behaviour).
    pub fn connect(reference: &Reference, tls_verify: bool) -> Result<Client, RegistryError> {
        let host = reference.api_host().to_string();
        let loopback = is_loopback_registry(&host);
        let build = |insecure: bool| {
            let builder = reqwest::blocking::Client::builder();
            // A proxy from the environment must not intercept loopback.
            let builder = if loopback { builder.no_proxy() } else { builder };
            builder
                .user_agent(concat!("rcon/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(30))
                .timeout(Duration::from_secs(60))
                .danger_accept_invalid_certs(insecure)
                .build()
                .map_err(|source| RegistryError::Transport {
                    registry: reference.registry.clone(),
                    url: host.clone(),
                    source,
                })
        };
        let mut client = Client {
            http: build(!tls_verify)?,
            registry: reference.registry.clone(),
            base: String::new(),
            repository: reference.repository.clone(),
            reference: reference.to_string(),
            challenge: None,
            tokens: HashMap::new(),
        };
        if loopback {
            client.base = format!("http://{host}");
            client.ping()?;
        } else {
            client.base = format!("https://{host}");
            match client.ping() {
                Err(RegistryError::Transport { .. }) if !tls_verify => {
                    crate::debug!("https://{host} unreachable, trying plain HTTP (--tls-verify=false)");
                    client.base = format!("http://{host}");
                    client.ping()?;
                }
                other => other?,
            }
        }
        Ok(client)
    }

    /// `GET /v2/`: 200 (no auth), or 401 with the challenge to answer.
    fn ping(&mut self) -> Result<(), RegistryError> {
        let url = format!("{}/v2/", self.base);
        let resp = self.http.get(&url).send().map_err(|source| self.transport(&url, source))?;
        match resp.status() {
            s if s.is_success() => Ok(()),
            StatusCode::UNAUTHORIZED => {
                self.challenge = challenge_of(&resp);
                Ok(())
            }
            _ => Err(self.status_error(&url, resp)),
        }
    }

    fn transport(&self, url: &str, source: reqwest::Error) -> RegistryError {
        RegistryError::Transport { registry: self.registry.clone(), url: url.to_string(), source }
    }

    fn status_error(&self, url: &str, resp: Response) -> RegistryError {
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        let _ = resp.take(64 << 10).read_to_end(&mut body);
        RegistryError::Status {
            registry: self.registry.clone(),
            url: url.to_string(),
            status,
            message: error_message(&body),
        }
    }

    /// A bearer token for `scope` from `realm`, cached.
    fn token(&mut self, realm: &str, service: Option<&str>, scope: &str) -> Result<String, RegistryError> {
        if let Some(t) = self.tokens.get(scope) {
            return Ok(t.clone());
        }
        let mut query: Vec<(&str, &str)> = vec![("scope", scope)];
        if let Some(s) = service {
            query.push(("service", s));
        }
        let token_err =
            |detail: String| RegistryError::Token { registry: self.registry.clone(), realm: realm.to_string(), detail };
        let resp = self.http.get(realm).query(&query).send().map_err(|e| token_err(error_text(&e)))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let mut body = Vec::new();
            let _ = resp.take(64 << 10).read_to_end(&mut body);
            return Err(token_err(format!("{status}: {}", error_message(&body))));
        }
        let mut body = Vec::new();
        resp.take(1 << 20).read_to_end(&mut body).map_err(|e| token_err(e.to_string()))?;
        let token = serde_json::from_slice::<TokenResponse>(&body)
            .map_err(|e| token_err(format!("invalid token response: {e}")))?
            .into_token()
            .ok_or_else(|| token_err("the token response has no token".into()))?;
        self.tokens.insert(scope.to_string(), token.clone());
        Ok(token)
    }

    /// GET `path` (below `/v2/<repository>/`) with authentication: answers
    /// the known challenge, and once more a new challenge the request itself
    /// gets (registries may challenge per resource). Non-2xx responses other
    /// than a final 401 are returned to the caller.
    fn get(&mut self, path: &str, accept: Option<&str>) -> Result<(String, Response), RegistryError> {
        let url = format!("{}/v2/{}/{}", self.base, self.repository, path);
        let own_scope = pull_scope(&self.repository);
        for attempt in 0..2 {
            let mut req = self.http.get(&url);
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            match self.challenge.clone() {
                Some(Challenge::Bearer { realm, service, scope }) => {
                    // Our pull scope; a registry asking for another one in a
                    // resource challenge gets that one.
                    let scope = scope.filter(|_| attempt > 0).unwrap_or_else(|| own_scope.clone());
                    let token = self.token(&realm, service.as_deref(), &scope)?;
                    req = req.bearer_auth(token);
                }
                Some(Challenge::Basic { .. }) => {
                    return Err(RegistryError::BasicAuthRequired { registry: self.registry.clone() });
                }
                None => {}
            }
            let resp = req.send().map_err(|source| self.transport(&url, source))?;
            if resp.status() != StatusCode::UNAUTHORIZED {
                return Ok((url, resp));
            }
            if attempt == 0
                && let Some(fresh) = challenge_of(&resp)
            {
                // A token can expire or lack a scope: forget tokens and
                // answer the new challenge once.
                self.tokens.clear();
                self.challenge = Some(fresh);
                continue;
            }
            let mut body = Vec::new();
            let _ = resp.take(64 << 10).read_to_end(&mut body);
            return Err(RegistryError::Unauthorized {
                reference: self.reference.clone(),
                detail: error_message(&body),
            });
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// Fetches the manifest `tag_or_digest` (every media type rcon reads in
    /// `Accept`). Errors: [`RegistryError::ManifestUnknown`] on 404 (naming
    /// `shown`, the reference as the user knows it), auth and HTTP errors.
    pub fn manifest(&mut self, tag_or_digest: &str, shown: &str) -> Result<FetchedManifest, RegistryError> {
        let (url, resp) =
            self.get(&format!("manifests/{tag_or_digest}"), Some(crate::image::media_type::MANIFEST_ACCEPT))?;
        match resp.status() {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => return Err(RegistryError::ManifestUnknown { reference: shown.to_string() }),
            _ => return Err(self.status_error(&url, resp)),
        }
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let content_type = header(CONTENT_TYPE.as_str());
        let header_digest = header("docker-content-digest").and_then(|d| d.parse().ok());
        let body = read_limited(resp, MANIFEST_LIMIT, &format!("manifest {shown}"), &self.registry)?;
        Ok(FetchedManifest { body, content_type, header_digest })
    }

    /// Starts downloading blob `digest`; the response body is the blob
    /// (redirects to storage backends are followed). Errors:
    /// [`RegistryError::BlobUnknown`] on 404, auth and HTTP errors.
    pub fn blob(&mut self, digest: &Digest) -> Result<Response, RegistryError> {
        let (url, resp) = self.get(&format!("blobs/{digest}"), None)?;
        match resp.status() {
            s if s.is_success() => Ok(resp),
            StatusCode::NOT_FOUND => Err(RegistryError::BlobUnknown {
                repository: format!("{}/{}", self.registry, self.repository),
                digest: digest.clone(),
            }),
            _ => Err(self.status_error(&url, resp)),
        }
    }

    /// Downloads a small blob (a config) whole, at most `limit` bytes.
    pub fn blob_bytes(&mut self, digest: &Digest, limit: u64) -> Result<Vec<u8>, RegistryError> {
        let resp = self.blob(digest)?;
        read_limited(resp, limit, &format!("blob {digest}"), &self.registry)
    }

    /// The registry as the reference names it.
    pub fn registry(&self) -> &str {
        &self.registry
    }
}

/// The first usable challenge of a 401 response (Bearer preferred).
fn challenge_of(resp: &Response) -> Option<Challenge> {
    let mut all: Vec<Challenge> = resp
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_challenges)
        .collect();
    all.sort_by_key(|c| !matches!(c, Challenge::Bearer { .. }));
    all.into_iter().next()
}

/// Reads a whole body of at most `limit` bytes.
fn read_limited(resp: Response, limit: u64, what: &str, registry: &str) -> Result<Vec<u8>, RegistryError> {
    let mut body = Vec::new();
    resp.take(limit + 1).read_to_end(&mut body).map_err(|source| RegistryError::Read {
        what: what.to_string(),
        registry: registry.to_string(),
        source,
    })?;
    if body.len() as u64 > limit {
        return Err(RegistryError::TooLarge { what: what.to_string(), limit });
    }
    Ok(body)
}

/// The messages of a distribution-spec error body
/// (`{"errors":[{"code":"…","message":"…"}]}`), or the body's start.
pub fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<ErrorItem>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorItem {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<Errors>(body)
        && !e.errors.is_empty()
    {
        return e
            .errors
            .iter()
            .map(|i| if i.message.is_empty() { i.code.clone() } else { i.message.clone() })
            .collect::<Vec<_>>()
            .join("; ");
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() { "(no details)".into() } else { text.chars().take(200).collect() }
}

/// A reqwest error with its causes, on one line.
fn error_text(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries() {
        for r in ["localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000", "[::1]"] {
            assert!(is_loopback_registry(r), "{r}");
        }
        for r in ["registry-1.docker.io", "quay.io:443", "10.0.0.1:5000", "[2001:db8::1]:5000", "localhost.example"] {
            assert!(!is_loopback_registry(r), "{r}");
        }
    }

    #[test]
    fn error_messages() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}"#;
        assert_eq!(error_message(body), "manifest unknown");
        assert_eq!(error_message(br#"{"errors":[{"code":"DENIED"}]}"#), "DENIED");
        assert_eq!(error_message(b"  oops \n"), "oops");
        assert_eq!(error_message(b""), "(no details)");
    }
}
