//! A blocking client for one repository of one registry (OCI distribution
//! spec, "Pull" and "Push"): `/v2/` ping, manifests, blobs, uploads, tags,
//! with authentication (Basic; Bearer tokens per scope with expiry, from
//! user name and password or an OAuth2 refresh token), retries with
//! backoff, HTTP 429 `Retry-After`, and blob downloads that resume with a
//! `Range` request when the connection drops.
//!
//! The client is `Sync`: parallel layer downloads share one client (one
//! connection pool, one token cache behind a mutex).
//!
//! reqwest's blocking client runs a tokio runtime on a background thread;
//! dropping the [`Client`] (and every response it returned) joins that
//! thread, so a pull leaves the process single-threaded again before the
//! runtime forks (docs/ARCHITECTURE.md hazard 1). Redirects (blob storage on another
//! host) are followed by reqwest, which drops `Authorization` when the
//! host or port changes.

use super::RegistryError;
use super::auth::{Challenge, TokenResponse, parse_challenges, pull_scope, push_scope};
use super::credentials::Credentials;
use crate::digest::Digest;
use crate::reference::Reference;
use reqwest::blocking::{Body, RequestBuilder, Response};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RANGE, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// What access the client needs: decides the token scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `repository:NAME:pull`.
    Pull,
    /// `repository:NAME:pull,push`.
    Push,
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Verify TLS certificates and require HTTPS (loopback registries are
    /// never verified, as in docker).
    pub tls_verify: bool,
    /// Retries after a failed request or a broken blob stream.
    pub retries: u32,
    /// Fixed delay between retries; `None`: exponential from 1 s (1, 2, 4, … capped at 30 s).
    pub retry_delay: Option<Duration>,
    /// Credentials for Basic auth and the token endpoint; `None`: anonymous.
    pub credentials: Option<Credentials>,
    /// Print retry and rate-limit notices on stderr.
    pub notices: bool,
    /// How long a pull waits for response headers or the next bytes of a
    /// body before it treats the connection as stalled (a blob download
    /// then resumes with `Range`).
    pub stall_timeout: Duration,
}

/// Default of [`ClientOptions::stall_timeout`] (`--stall-timeout`): 30 s.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            tls_verify: true,
            retries: 3,
            retry_delay: None,
            credentials: None,
            notices: true,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
        }
    }
}

/// A cached bearer token.
struct Token {
    value: String,
    expires: Instant,
}

#[derive(Default)]
struct AuthState {
    challenge: Option<Challenge>,
    /// Bearer tokens by their space-joined scopes.
    tokens: HashMap<String, Token>,
    /// Extra scopes (cross-repository mounts: `repository:SRC:pull`).
    extra_scopes: Vec<String>,
    /// A refresh token the token endpoint issued (or the credentials held).
    refresh_token: Option<String>,
}

/// A connection to one registry for one repository.
pub struct Client {
    http: reqwest::blocking::Client,
    /// The registry as the reference names it (for messages).
    registry: String,
    /// `http://host:port` or `https://host`.
    base: String,
    repository: String,
    /// The full reference being pulled or pushed (for messages).
    reference: String,
    access: Access,
    opts: ClientOptions,
    auth: Mutex<AuthState>,
    /// Held while a token is fetched, so parallel transfers wait for one
    /// token instead of each asking for its own.
    token_fetch: Mutex<()>,
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

/// One request: method, URL, extra headers and a body factory (called per
/// attempt, so the body can be sent again after a retry or a new challenge).
struct Req<'a> {
    method: Method,
    url: String,
    headers: Vec<(reqwest::header::HeaderName, String)>,
    body: Option<&'a dyn Fn() -> std::io::Result<Body>>,
    /// What is requested, for messages (`manifest …`, `blob sha256:…`).
    what: String,
}

impl Client {
    /// Connects to the registry of `reference` and pings `/v2/`, learning
    /// which authentication it wants. Scheme (docker's rules for insecure
    /// registries, which include every loopback registry): HTTPS with
    /// verified certificates, except for loopback registries and with
    /// `tls_verify == false`, which try HTTPS without certificate checks
    /// first and fall back to plain HTTP when HTTPS cannot connect. Proxies
    /// come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (never for loopback
    /// registries).
    ///
    /// Timeouts: connecting (with the TLS handshake) 30 s (10 s for a
    /// loopback registry); waiting for response headers or for the next
    /// bytes of a body `opts.stall_timeout` (pull) or 120 s (push, where it
    /// bounds a whole upload request).
    ///
    /// Errors: [`RegistryError::Certificate`] when a verified registry's
    /// certificate is not trusted; [`RegistryError::Transport`] when it
    /// cannot be reached; HTTP errors of the ping.
    pub fn connect(reference: &Reference, access: Access, opts: &ClientOptions) -> Result<Client, RegistryError> {
        let host = reference.api_host().to_string();
        let loopback = is_loopback_registry(&host);
        let insecure = loopback || !opts.tls_verify;
        let builder = reqwest::blocking::Client::builder();
        // A proxy from the environment must not intercept loopback.
        let builder = if loopback { builder.no_proxy() } else { builder };
        let wait = match access {
            Access::Pull => opts.stall_timeout,
            Access::Push => Duration::from_secs(120),
        };
        let http = builder
            .user_agent(concat!("rcon/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(if loopback { 10 } else { 30 }))
            .timeout(wait)
            .danger_accept_invalid_certs(insecure)
            .build()
            .map_err(|source| RegistryError::Transport {
                registry: reference.registry.clone(),
                url: host.clone(),
                source,
            })?;
        let mut state = AuthState::default();
        if let Some(c) = &opts.credentials {
            state.refresh_token = c.identity_token.clone();
        }
        let mut client = Client {
            http,
            registry: reference.registry.clone(),
            base: format!("https://{host}"),
            repository: reference.repository.clone(),
            reference: reference.to_string(),
            access,
            opts: opts.clone(),
            auth: Mutex::new(state),
            token_fetch: Mutex::new(()),
        };
        match client.ping() {
            Err(RegistryError::Transport { source, .. }) if insecure => {
                crate::debug!("https://{host}: {}; trying plain HTTP", error_text(&source));
                client.base = format!("http://{host}");
                client.ping()?;
            }
            Err(RegistryError::Transport { source, .. }) if is_certificate_error(&source) => {
                return Err(RegistryError::Certificate {
                    registry: reference.registry.clone(),
                    detail: error_text(&source),
                });
            }
            other => other?,
        }
        Ok(client)
    }

    /// `GET /v2/`: 200 (no auth), or 401 with the challenge to answer.
    fn ping(&self) -> Result<(), RegistryError> {
        let url = format!("{}/v2/", self.base);
        let resp = self.send_once(self.http.get(&url), &url)?;
        match resp.status() {
            s if s.is_success() => Ok(()),
            StatusCode::UNAUTHORIZED => {
                self.auth.lock().expect("auth lock").challenge = challenge_of(&resp);
                Ok(())
            }
            _ => Err(self.status_error(&url, resp)),
        }
    }

    /// Checks that the credentials are accepted (`rcon login`): a token for
    /// the registry (Bearer) or `/v2/` with Basic auth must succeed.
    pub fn check_login(&self) -> Result<(), RegistryError> {
        let challenge = self.auth.lock().expect("auth lock").challenge.clone();
        match challenge {
            None => Ok(()),
            Some(Challenge::Bearer { realm, service, .. }) => {
                self.token(&realm, service.as_deref(), &[], true).map(|_| ())
            }
            Some(Challenge::Basic { .. }) => {
                let url = format!("{}/v2/", self.base);
                let resp = self.send(Req {
                    method: Method::GET,
                    url: url.clone(),
                    headers: vec![],
                    body: None,
                    what: "/v2/".into(),
                })?;
                if resp.status().is_success() { Ok(()) } else { Err(self.status_error(&url, resp)) }
            }
        }
    }

    /// A refresh token the token endpoint issued during [`Self::check_login`]
    /// (stored by `rcon login` as docker's `identitytoken`).
    pub fn refresh_token(&self) -> Option<String> {
        self.auth.lock().expect("auth lock").refresh_token.clone()
    }

    /// Adds a scope to every later token request: `repository:SRC:pull`
    /// for a cross-repository mount from `source` (same registry).
    pub fn add_mount_source(&self, source: &str) {
        let scope = pull_scope(source);
        let mut a = self.auth.lock().expect("auth lock");
        if !a.extra_scopes.contains(&scope) {
            a.extra_scopes.push(scope);
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

    fn unauthorized(&self, detail: String) -> RegistryError {
        RegistryError::Unauthorized {
            registry: self.registry.clone(),
            reference: self.reference.clone(),
            push: self.access == Access::Push,
            with_credentials: self.opts.credentials.is_some(),
            detail,
        }
    }

    /// The scopes this client's tokens cover.
    fn scopes(&self, state: &AuthState) -> Vec<String> {
        let own = match self.access {
            Access::Pull => pull_scope(&self.repository),
            Access::Push => push_scope(&self.repository),
        };
        let mut v = vec![own];
        v.extend(state.extra_scopes.iter().cloned());
        v
    }

    /// A bearer token for `scopes` from `realm`, cached until it expires.
    /// With credentials: a refresh token goes to the endpoint as an OAuth2
    /// `refresh_token` grant (POST); a password as HTTP Basic on a GET.
    /// `offline`: ask for a refresh token too (login).
    fn token(
        &self,
        realm: &str,
        service: Option<&str>,
        scopes: &[String],
        offline: bool,
    ) -> Result<String, RegistryError> {
        let key = scopes.join(" ");
        let _fetching = self.token_fetch.lock().expect("token lock");
        let refresh = {
            let a = self.auth.lock().expect("auth lock");
            if let Some(t) = a.tokens.get(&key).filter(|t| t.expires > Instant::now()) {
                return Ok(t.value.clone());
            }
            a.refresh_token.clone()
        };
        let token_err =
            |detail: String| RegistryError::Token { registry: self.registry.clone(), realm: realm.to_string(), detail };
        let req = match (&refresh, &self.opts.credentials) {
            (Some(rt), _) => {
                let mut form: Vec<(&str, &str)> =
                    vec![("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", "rcon")];
                if let Some(s) = service {
                    form.push(("service", s));
                }
                let scope = scopes.join(" ");
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                let body = form_urlencoded(&form);
                self.http.post(realm).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(body)
            }
            (None, creds) => {
                let mut query: Vec<(&str, &str)> = scopes.iter().map(|s| ("scope", s.as_str())).collect();
                if let Some(s) = service {
                    query.push(("service", s));
                }
                let mut req = self.http.get(realm);
                if let Some(c) = creds {
                    query.push(("account", &c.username));
                    req = req.basic_auth(&c.username, Some(&c.password));
                }
                if offline {
                    query.push(("offline_token", "true"));
                    query.push(("client_id", "rcon"));
                }
                req.query(&query)
            }
        };
        let resp = self.send_once(req, realm).map_err(|e| match e {
            RegistryError::Transport { source, .. } => token_err(error_text(&source)),
            other => other,
        })?;
        let status = resp.status();
        if !status.is_success() {
            let mut body = Vec::new();
            let _ = resp.take(64 << 10).read_to_end(&mut body);
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(
                    self.unauthorized(format!("the token server {realm} answered {status}: {}", error_message(&body)))
                );
            }
            return Err(token_err(format!("{status}: {}", error_message(&body))));
        }
        let mut body = Vec::new();
        resp.take(1 << 20).read_to_end(&mut body).map_err(|e| token_err(e.to_string()))?;
        let parsed = serde_json::from_slice::<TokenResponse>(&body)
            .map_err(|e| token_err(format!("invalid token response: {e}")))?;
        let lifetime = parsed.lifetime();
        let new_refresh = parsed.refresh_token.clone().filter(|t| !t.is_empty());
        let token = parsed.into_token().ok_or_else(|| token_err("the token response has no token".into()))?;
        let mut a = self.auth.lock().expect("auth lock");
        if new_refresh.is_some() {
            a.refresh_token = new_refresh;
        }
        // Renew a little before the server's deadline (a tenth of the lifetime).
        let expires = Instant::now() + Duration::from_millis(lifetime * 900);
        a.tokens.insert(key, Token { value: token.clone(), expires });
        Ok(token)
    }

    /// Adds the `Authorization` the current challenge needs.
    fn authorize(&self, req: RequestBuilder) -> Result<RequestBuilder, RegistryError> {
        let (challenge, scopes) = {
            let a = self.auth.lock().expect("auth lock");
            (a.challenge.clone(), self.scopes(&a))
        };
        match challenge {
            Some(Challenge::Bearer { realm, service, .. }) => {
                let token = self.token(&realm, service.as_deref(), &scopes, false)?;
                Ok(req.bearer_auth(token))
            }
            Some(Challenge::Basic { .. }) => match &self.opts.credentials {
                Some(c) => Ok(req.basic_auth(&c.username, Some(&c.password))),
                None => Err(RegistryError::BasicAuthRequired { registry: self.registry.clone() }),
            },
            None => Ok(req),
        }
    }

    /// Sends without retries (ping, token requests).
    fn send_once(&self, req: RequestBuilder, url: &str) -> Result<Response, RegistryError> {
        req.send().map_err(|source| self.transport(url, source))
    }

    /// How long to wait before retry number `attempt` (0-based).
    fn delay(&self, attempt: u32) -> Duration {
        self.opts.retry_delay.unwrap_or_else(|| Duration::from_secs(1 << attempt.min(5)).min(Duration::from_secs(30)))
    }

    fn notice(&self, msg: &str) {
        if self.opts.notices {
            eprintln!("{msg}");
        } else {
            crate::debug!("{msg}");
        }
    }

    /// Sends a request with authentication and retries: a 401 with a
    /// challenge is answered once (tokens can expire or lack a scope);
    /// connection errors and 408/500/502/503/504 are retried with backoff;
    /// 429 waits for `Retry-After` (or the backoff) and says it was rate
    /// limited. A final 401 is [`RegistryError::Unauthorized`]; other
    /// statuses are returned to the caller.
    fn send(&self, req: Req<'_>) -> Result<Response, RegistryError> {
        let mut attempt = 0;
        let mut reauthenticated = false;
        loop {
            let mut rb = self.http.request(req.method.clone(), &req.url);
            for (k, v) in &req.headers {
                rb = rb.header(k, v);
            }
            rb = self.authorize(rb)?;
            if let Some(body) = req.body {
                let b = body().map_err(|source| RegistryError::Read {
                    what: req.what.clone(),
                    registry: self.registry.clone(),
                    source,
                })?;
                rb = rb.body(b);
            }
            let resp = match rb.send() {
                Ok(r) => r,
                Err(e) if attempt < self.opts.retries && !e.is_builder() => {
                    let d = self.delay(attempt);
                    self.notice(&format!(
                        "Retrying {} in {:?} (attempt {} of {}): {}",
                        req.what,
                        d,
                        attempt + 1,
                        self.opts.retries,
                        error_text(&e)
                    ));
                    std::thread::sleep(d);
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(self.transport(&req.url, e)),
            };
            match resp.status() {
                StatusCode::UNAUTHORIZED => {
                    if !reauthenticated && let Some(fresh) = challenge_of(&resp) {
                        let mut a = self.auth.lock().expect("auth lock");
                        a.tokens.clear();
                        a.challenge = Some(fresh);
                        reauthenticated = true;
                        continue;
                    }
                    let mut body = Vec::new();
                    let _ = resp.take(64 << 10).read_to_end(&mut body);
                    return Err(self.unauthorized(error_message(&body)));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    let after = retry_after(&resp);
                    if attempt >= self.opts.retries {
                        return Err(RegistryError::RateLimited {
                            registry: self.registry.clone(),
                            what: req.what.clone(),
                            retry_after: after.map(|d| d.as_secs()),
                        });
                    }
                    let d = after.unwrap_or_else(|| self.delay(attempt)).min(Duration::from_secs(300));
                    self.notice(&format!(
                        "Rate limited by registry {} (429 Too Many Requests) on {}: retrying in {:?} (attempt {} of {})",
                        self.registry,
                        req.what,
                        d,
                        attempt + 1,
                        self.opts.retries
                    ));
                    std::thread::sleep(d);
                    attempt += 1;
                }
                s if matches!(s.as_u16(), 408 | 500 | 502 | 503 | 504) && attempt < self.opts.retries => {
                    let d = self.delay(attempt);
                    self.notice(&format!(
                        "Retrying {} in {:?} (attempt {} of {}): registry {} answered {s}",
                        req.what,
                        d,
                        attempt + 1,
                        self.opts.retries,
                        self.registry
                    ));
                    std::thread::sleep(d);
                    attempt += 1;
                }
                _ => return Ok(resp),
            }
        }
    }

    fn repo_url(&self, path: &str) -> String {
        format!("{}/v2/{}/{}", self.base, self.repository, path)
    }

    fn get(&self, path: &str, accept: Option<&str>, what: String) -> Result<(String, Response), RegistryError> {
        let url = self.repo_url(path);
        let headers = accept.map(|a| vec![(ACCEPT, a.to_string())]).unwrap_or_default();
        let resp = self.send(Req { method: Method::GET, url: url.clone(), headers, body: None, what })?;
        Ok((url, resp))
    }

    /// Fetches the manifest `tag_or_digest` (every media type rcon reads in
    /// `Accept`). Errors: [`RegistryError::ManifestUnknown`] on 404 (naming
    /// `shown`, the reference as the user knows it), auth and HTTP errors.
    pub fn manifest(&self, tag_or_digest: &str, shown: &str) -> Result<FetchedManifest, RegistryError> {
        let (url, resp) = self.get(
            &format!("manifests/{tag_or_digest}"),
            Some(crate::image::media_type::MANIFEST_ACCEPT),
            format!("manifest {shown}"),
        )?;
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

    /// Starts downloading blob `digest` from byte `offset` (a `Range`
    /// request when `offset > 0`). Returns the response and whether the
    /// registry honoured the range (206); with a 200 the body starts at 0.
    /// Errors: [`RegistryError::BlobUnknown`] on 404, auth and HTTP errors.
    fn blob_from(&self, digest: &Digest, offset: u64) -> Result<(Response, bool), RegistryError> {
        let url = self.repo_url(&format!("blobs/{digest}"));
        let headers = if offset > 0 { vec![(RANGE, format!("bytes={offset}-"))] } else { vec![] };
        let resp = self.send(Req {
            method: Method::GET,
            url: url.clone(),
            headers,
            body: None,
            what: format!("blob {digest}"),
        })?;
        match resp.status() {
            StatusCode::PARTIAL_CONTENT if offset > 0 => Ok((resp, true)),
            s if s.is_success() => Ok((resp, false)),
            StatusCode::NOT_FOUND => Err(RegistryError::BlobUnknown {
                repository: format!("{}/{}", self.registry, self.repository),
                digest: digest.clone(),
            }),
            _ => Err(self.status_error(&url, resp)),
        }
    }

    /// Starts downloading blob `digest` of `size` bytes as a reader that
    /// resumes after a dropped connection (see [`BlobReader`]).
    pub fn blob_reader(&self, digest: &Digest, size: u64) -> Result<BlobReader<'_>, RegistryError> {
        let (resp, _) = self.blob_from(digest, 0)?;
        Ok(BlobReader { client: self, digest: digest.clone(), size, offset: 0, resp: Some(resp), resumes: 0 })
    }

    /// Downloads a small blob (a config) whole, at most `limit` bytes.
    pub fn blob_bytes(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, RegistryError> {
        let (resp, _) = self.blob_from(digest, 0)?;
        read_limited(resp, limit, &format!("blob {digest} from registry {}", self.registry), &self.registry)
    }

    /// `HEAD /v2/<name>/blobs/<digest>`: the blob's size when the
    /// repository has it.
    pub fn has_blob(&self, digest: &Digest) -> Result<Option<u64>, RegistryError> {
        let url = self.repo_url(&format!("blobs/{digest}"));
        let resp = self.send(Req {
            method: Method::HEAD,
            url: url.clone(),
            headers: vec![],
            body: None,
            what: format!("blob {digest}"),
        })?;
        match resp.status() {
            s if s.is_success() => Ok(Some(
                resp.headers()
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            )),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(self.status_error(&url, resp)),
        }
    }

    /// Resolves a `Location` header against the registry's base URL.
    fn location(&self, resp: &Response, url: &str) -> Result<String, RegistryError> {
        let loc = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(|| RegistryError::Status {
            registry: self.registry.clone(),
            url: url.to_string(),
            status: resp.status().as_u16(),
            message: "the upload response has no Location header".into(),
        })?;
        let base = reqwest::Url::parse(url).map_err(|e| RegistryError::Status {
            registry: self.registry.clone(),
            url: url.to_string(),
            status: 0,
            message: e.to_string(),
        })?;
        base.join(loc).map(|u| u.to_string()).map_err(|e| RegistryError::Status {
            registry: self.registry.clone(),
            url: url.to_string(),
            status: resp.status().as_u16(),
            message: format!("invalid Location {loc:?}: {e}"),
        })
    }

    /// Tries a cross-repository mount of `digest` from `source` (a
    /// repository on the same registry). `Ok(true)` when mounted; `Ok(false)`
    /// when the registry started a normal upload instead (abandoned).
    pub fn mount_blob(&self, digest: &Digest, source: &str) -> Result<bool, RegistryError> {
        let url = self.repo_url(&format!("blobs/uploads/?mount={digest}&from={source}"));
        let resp = self.send(Req {
            method: Method::POST,
            url: url.clone(),
            headers: vec![(CONTENT_LENGTH, "0".into())],
            body: None,
            what: format!("mount of blob {digest} from {source}"),
        })?;
        match resp.status() {
            StatusCode::CREATED => Ok(true),
            StatusCode::ACCEPTED => {
                // An upload session was opened instead: cancel it.
                if let Ok(loc) = self.location(&resp, &url) {
                    let _ = self.send(Req {
                        method: Method::DELETE,
                        url: loc,
                        headers: vec![],
                        body: None,
                        what: format!("upload of blob {digest}"),
                    });
                }
                Ok(false)
            }
            _ => Err(self.status_error(&url, resp)),
        }
    }

    /// Uploads blob `digest` of `size` bytes monolithically (POST for an
    /// upload session, then one PUT with `?digest=`). `open` gives a fresh
    /// reader of the content for every attempt.
    pub fn upload_blob(
        &self,
        digest: &Digest,
        size: u64,
        open: &(dyn Fn() -> std::io::Result<Box<dyn Read + Send>> + Sync),
    ) -> Result<(), RegistryError> {
        let start = self.repo_url("blobs/uploads/");
        let what = format!("upload of blob {digest}");
        let resp = self.send(Req {
            method: Method::POST,
            url: start.clone(),
            headers: vec![(CONTENT_LENGTH, "0".into())],
            body: None,
            what: what.clone(),
        })?;
        if resp.status() != StatusCode::ACCEPTED {
            return Err(self.status_error(&start, resp));
        }
        let loc = self.location(&resp, &start)?;
        let mut url = reqwest::Url::parse(&loc).map_err(|e| RegistryError::Status {
            registry: self.registry.clone(),
            url: loc.clone(),
            status: 0,
            message: e.to_string(),
        })?;
        url.query_pairs_mut().append_pair("digest", &digest.to_string());
        let body = || open().map(|r| Body::sized(r, size));
        let resp = self.send(Req {
            method: Method::PUT,
            url: url.to_string(),
            headers: vec![(CONTENT_TYPE, "application/octet-stream".into())],
            body: Some(&body),
            what,
        })?;
        if !resp.status().is_success() {
            return Err(self.status_error(url.as_str(), resp));
        }
        Ok(())
    }

    /// `PUT /v2/<name>/manifests/<reference>`; returns the digest the
    /// registry reports (or the body's).
    pub fn put_manifest(&self, reference: &str, media_type: &str, body: &[u8]) -> Result<Digest, RegistryError> {
        let url = self.repo_url(&format!("manifests/{reference}"));
        let data = body.to_vec();
        let make = move || Ok(Body::from(data.clone()));
        let resp = self.send(Req {
            method: Method::PUT,
            url: url.clone(),
            headers: vec![(CONTENT_TYPE, media_type.to_string())],
            body: Some(&make),
            what: format!("manifest {}:{reference}", self.repository),
        })?;
        if !resp.status().is_success() {
            return Err(self.status_error(&url, resp));
        }
        Ok(resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| Digest::of(body)))
    }

    /// Lists the repository's tags (`/tags/list`, following `Link` pages),
    /// each page read as the distribution spec's [`TagList`]
    /// (`"tags": null`, which distribution writes for a repository without
    /// tags, reads as none).
    pub fn tags(&self) -> Result<Vec<String>, RegistryError> {
        use oci_spec::distribution::TagList;
        let mut out = Vec::new();
        let mut url = self.repo_url("tags/list");
        for _page in 0..1000 {
            let resp = self.send(Req {
                method: Method::GET,
                url: url.clone(),
                headers: vec![],
                body: None,
                what: format!("tags of {}", self.repository),
            })?;
            if resp.status() == StatusCode::NOT_FOUND {
                return Err(RegistryError::ManifestUnknown {
                    reference: format!("{}/{}", self.registry, self.repository),
                });
            }
            if !resp.status().is_success() {
                return Err(self.status_error(&url, resp));
            }
            let next = resp
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(|l| l.split(';').next())
                .map(|l| l.trim().trim_start_matches('<').trim_end_matches('>').to_string());
            let next = match next {
                Some(n) => Some(self.location_join(&url, &n)?),
                None => None,
            };
            let body = read_limited(resp, 16 << 20, "tag list", &self.registry)?;
            let invalid = |e: serde_json::Error| RegistryError::Status {
                registry: self.registry.clone(),
                url: url.clone(),
                status: 200,
                message: format!("invalid tag list: {e}"),
            };
            let mut doc: serde_json::Value = serde_json::from_slice(&body).map_err(invalid)?;
            if let Some(o) = doc.as_object_mut() {
                for key in ["name", "tags"] {
                    if o.get(key).is_none_or(serde_json::Value::is_null) {
                        o.insert(key.into(), if key == "tags" { serde_json::json!([]) } else { "".into() });
                    }
                }
            }
            let list: TagList = serde_json::from_value(doc).map_err(invalid)?;
            out.extend(list.tags().iter().cloned());
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        Ok(out)
    }

    fn location_join(&self, base: &str, rel: &str) -> Result<String, RegistryError> {
        reqwest::Url::parse(base).and_then(|b| b.join(rel)).map(|u| u.to_string()).map_err(|e| RegistryError::Status {
            registry: self.registry.clone(),
            url: base.to_string(),
            status: 0,
            message: e.to_string(),
        })
    }

    /// The registry as the reference names it.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository (`library/busybox`).
    pub fn repository(&self) -> &str {
        &self.repository
    }
}

/// A blob download that survives dropped and stalled connections: when
/// the body breaks (an I/O error, an end before `size` bytes, or no byte
/// for the client's stall timeout), it asks again from the current offset
/// with `Range: bytes=N-` (a registry that ignores ranges sends the whole
/// blob again and the first N bytes are skipped), up to the client's retry
/// count. Reads at most `size` bytes plus one, so a longer body is noticed
/// without reading it all.
pub struct BlobReader<'a> {
    client: &'a Client,
    digest: Digest,
    size: u64,
    offset: u64,
    resp: Option<Response>,
    resumes: u32,
}

impl BlobReader<'_> {
    fn resume(&mut self, cause: &str) -> std::io::Result<()> {
        self.resp = None;
        if self.resumes >= self.client.opts.retries {
            return Err(std::io::Error::other(format!(
                "the download from registry {} broke at byte {} of {} ({cause}), {} resumes failed",
                self.client.registry, self.offset, self.size, self.resumes
            )));
        }
        let d = self.client.delay(self.resumes);
        self.resumes += 1;
        self.client.notice(&format!(
            "Resuming blob {} at byte {} of {} in {:?} (attempt {} of {}): {cause}",
            self.digest.short(),
            self.offset,
            self.size,
            d,
            self.resumes,
            self.client.opts.retries
        ));
        std::thread::sleep(d);
        let (mut resp, ranged) =
            self.client.blob_from(&self.digest, self.offset).map_err(|e| std::io::Error::other(e.to_string()))?;
        if !ranged && self.offset > 0 {
            let skipped = std::io::copy(&mut (&mut resp).take(self.offset), &mut std::io::sink())?;
            if skipped != self.offset {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the blob is shorter on retry"));
            }
        }
        self.resp = Some(resp);
        Ok(())
    }

    /// Why a body read failed, for messages: a stall names the timeout.
    fn cause(&self, e: &std::io::Error) -> String {
        let inner = e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>());
        match inner {
            Some(r) if r.is_timeout() => format!(
                "the registry sent nothing for {}s (--stall-timeout)",
                self.client.opts.stall_timeout.as_secs_f64()
            ),
            Some(r) => error_text(r),
            None => e.to_string(),
        }
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let limit = (self.size + 1).saturating_sub(self.offset);
        if limit == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(limit).unwrap_or(usize::MAX));
        loop {
            let Some(resp) = self.resp.as_mut() else {
                self.resume("no connection")?;
                continue;
            };
            match resp.read(&mut buf[..want]) {
                Ok(0) if self.offset < self.size => {
                    self.resume("the body ended early")?;
                }
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let cause = self.cause(&e);
                    self.resume(&cause)?;
                }
            }
        }
    }
}

/// `application/x-www-form-urlencoded` body.
fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// `Retry-After` in seconds (HTTP dates are not used by registries).
fn retry_after(resp: &Response) -> Option<Duration> {
    resp.headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
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
/// (`{"errors":[{"code":"…","message":"…"}]}`, read as `oci_spec`'s
/// [`ErrorResponse`](oci_spec::distribution::ErrorResponse)), each its
/// message or else its code; or the body's start.
pub fn error_message(body: &[u8]) -> String {
    if let Ok(e) = serde_json::from_slice::<oci_spec::distribution::ErrorResponse>(body)
        && !e.detail().is_empty()
    {
        return e
            .detail()
            .iter()
            .map(|i| i.message().clone().filter(|m| !m.is_empty()).unwrap_or_else(|| i.code().to_string()))
            .collect::<Vec<_>>()
            .join("; ");
    }
    // Codes outside the spec's list (registries add their own, such as
    // Harbor's `NOT_FOUND` or Quay's `PAGINATION_NUMBER_INVALID`), which
    // `ErrorResponse` refuses.
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

/// True when `e` failed because the server's certificate is not trusted
/// (unknown issuer, self-signed, expired, wrong name).
fn is_certificate_error(e: &reqwest::Error) -> bool {
    // rustls says `invalid peer certificate: UnknownIssuer` (the error sits
    // inside an io::Error, whose `source` skips it, so match the text).
    error_text(e).contains("invalid peer certificate")
}

/// A reqwest error with its causes, on one line.
pub fn error_text(e: &reqwest::Error) -> String {
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
        assert_eq!(
            error_message(br#"{"errors":[{"code":"NOT_FOUND","message":"repository x not found"}]}"#),
            "repository x not found"
        );
        assert_eq!(error_message(b"  oops \n"), "oops");
        assert_eq!(error_message(b""), "(no details)");
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            form_urlencoded(&[("a", "x y"), ("scope", "repository:a/b:pull")]),
            "a=x+y&scope=repository%3Aa%2Fb%3Apull"
        );
    }
}
