//! Routing: the `/v1.NN` prefix, the method and path of every endpoint,
//! and the query-string helpers handlers share.

use super::Service;
use super::body::{self, Resp};
use super::error::{ApiError, ApiResult};
use hyper::body::Incoming;
use hyper::{Method, Request};
use std::sync::Arc;

/// One request as handlers see it.
pub struct Call {
    /// The service.
    pub svc: Arc<Service>,
    /// The method.
    pub method: Method,
    /// The headers.
    pub headers: hyper::HeaderMap,
    /// The query string's parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The body (taken by the handler that reads it).
    pub body: Option<Incoming>,
    /// The connection, once the response has switched protocols.
    pub upgrade: Option<hyper::upgrade::OnUpgrade>,
    /// The API version the client asked for (from the path prefix), or
    /// the newest.
    pub version: (u32, u32),
}

impl Call {
    /// The last value of query parameter `key`.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated query parameter (`names=a&names=b`), in
    /// order.
    pub fn params(&self, key: &str) -> Vec<String> {
        self.query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }

    /// A boolean parameter as docker reads them: `1`, `true`, `True` are
    /// true; absent is `default`. Errors (400): another value.
    pub fn flag(&self, key: &str, default: bool) -> ApiResult<bool> {
        match self.param(key) {
            None => Ok(default),
            Some("" | "0" | "false" | "False" | "FALSE") => Ok(false),
            Some("1" | "true" | "True" | "TRUE") => Ok(true),
            Some(v) => Err(ApiError::bad_request(format!("invalid value for {key}: {v:?} is not a boolean"))),
        }
    }

    /// An integer parameter. Errors (400): not an integer.
    pub fn int(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.param(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad_request(format!("invalid value for {key}: {v:?} is not an integer"))),
        }
    }

    /// `filters={"key":["v",…]}` (or docker's older `{"key":{"v":true}}`)
    /// as `key=v` pairs. Errors (400): not JSON of either shape.
    pub fn filters(&self) -> ApiResult<Vec<(String, String)>> {
        let Some(raw) = self.param("filters").filter(|r| !r.is_empty()) else { return Ok(Vec::new()) };
        let v: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| ApiError::bad_request(format!("invalid filters: {e}")))?;
        let mut out = Vec::new();
        let obj = v.as_object().ok_or_else(|| ApiError::bad_request("invalid filters: expected a JSON object"))?;
        for (k, vals) in obj {
            match vals {
                serde_json::Value::Array(a) => {
                    for x in a {
                        let s = x.as_str().ok_or_else(|| ApiError::bad_request(format!("invalid filter {k}")))?;
                        out.push((k.clone(), s.to_string()));
                    }
                }
                serde_json::Value::Object(m) => {
                    for (x, on) in m {
                        if on.as_bool() == Some(true) {
                            out.push((k.clone(), x.clone()));
                        }
                    }
                }
                serde_json::Value::String(s) => out.push((k.clone(), s.clone())),
                _ => return Err(ApiError::bad_request(format!("invalid filter {k}"))),
            }
        }
        Ok(out)
    }

    /// The body, for a handler that reads it.
    pub fn take_body(&mut self) -> ApiResult<Incoming> {
        self.body.take().ok_or_else(|| ApiError::server("the request body was already read"))
    }

    /// The JSON body.
    pub async fn json<T: serde::de::DeserializeOwned>(&mut self) -> ApiResult<T> {
        let b = self.take_body()?;
        body::read_json(b).await
    }

    /// True when the client asked for at least API version `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version >= (major, minor)
    }
}

/// Runs `f` on a blocking thread (store reads, signals, waits, pulls).
pub async fn blocking<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::server(format!("request handler failed: {e}")))?
}

/// `1.41` → (1, 41).
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Answers one request; never fails (errors become docker's error JSON).
pub async fn handle(svc: Arc<Service>, mut req: Request<Incoming>) -> Resp {
    let guard = svc.activity.enter();
    let upgrade =
        if req.headers().contains_key(hyper::header::UPGRADE) { Some(hyper::upgrade::on(&mut req)) } else { None };
    let (parts, incoming) = req.into_parts();
    let raw_path = parts.uri.path().to_string();
    crate::debug!("API {} {}", parts.method, parts.uri);
    let newest = parse_version(super::API_VERSION).expect("a valid version");
    let (version, path) = match strip_version(&raw_path) {
        Some((v, rest)) => match parse_version(v) {
            Some(v) if v > newest => {
                let e = ApiError::bad_request(format!(
                    "client version {}.{} is too new. Maximum supported API version is {}",
                    v.0,
                    v.1,
                    super::API_VERSION
                ));
                return respond(e.response(), guard);
            }
            Some(v) => (v, rest.to_string()),
            None => {
                return respond(ApiError::bad_request(format!("invalid API version in {raw_path}")).response(), guard);
            }
        },
        None => (newest, raw_path.clone()),
    };
    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let call = Call {
        svc,
        method: parts.method.clone(),
        headers: parts.headers,
        query,
        body: Some(incoming),
        upgrade,
        version,
    };
    let resp = match route(call, &segs).await {
        Ok(r) => r,
        Err(e) => {
            if e.status.is_server_error() {
                crate::warn!("API {} {}: {}", parts.method, raw_path, e.message);
            }
            e.response()
        }
    };
    respond(resp, guard)
}

/// Adds docker's common headers and keeps the service busy until the body
/// has been sent.
fn respond(resp: Resp, guard: super::ActivityGuard) -> Resp {
    let (mut parts, b) = resp.into_parts();
    let h = &mut parts.headers;
    h.insert("Api-Version", hyper::header::HeaderValue::from_static(super::API_VERSION));
    h.insert("Docker-Experimental", hyper::header::HeaderValue::from_static("false"));
    h.insert("Ostype", hyper::header::HeaderValue::from_static("linux"));
    h.insert(
        hyper::header::SERVER,
        hyper::header::HeaderValue::from_static(concat!("rcon/", env!("CARGO_PKG_VERSION"), " (linux)")),
    );
    hyper::Response::from_parts(parts, body::guarded(b, guard))
}

/// `/v1.41/containers/json` → (`1.41`, `/containers/json`).
fn strip_version(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/v")?;
    let end = rest.find('/').unwrap_or(rest.len());
    let v = &rest[..end];
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    Some((v, &rest[end..]))
}

/// The endpoint table.
async fn route(c: Call, segs: &[String]) -> ApiResult<Resp> {
    use super::{archive, build, containers as ct, exec, images, networks, system, volumes};
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = c.method.clone();
    match (&m, s.as_slice()) {
        (&Method::GET | &Method::HEAD, ["_ping"]) => system::ping(c),
        (&Method::GET, ["version"]) => system::version(c).await,
        (&Method::GET, ["info"]) => system::info(c).await,
        (&Method::GET, ["events"]) => system::events(c).await,
        (&Method::GET, ["system", "df"]) => system::df(c).await,
        (&Method::POST, ["auth"]) => system::auth(c).await,

        (&Method::GET, ["containers", "json"]) => ct::list(c).await,
        (&Method::POST, ["containers", "create"]) => ct::create(c).await,
        (&Method::POST, ["containers", "prune"]) => ct::prune(c).await,
        (&Method::GET, ["containers", id, "json"]) => ct::inspect(c, id).await,
        (&Method::POST, ["containers", id, "start"]) => ct::start(c, id).await,
        (&Method::POST, ["containers", id, "stop"]) => ct::stop(c, id).await,
        (&Method::POST, ["containers", id, "restart"]) => ct::restart(c, id).await,
        (&Method::POST, ["containers", id, "kill"]) => ct::kill(c, id).await,
        (&Method::POST, ["containers", id, "wait"]) => ct::wait(c, id).await,
        (&Method::POST, ["containers", id, "pause"]) => ct::pause(c, id, true).await,
        (&Method::POST, ["containers", id, "unpause"]) => ct::pause(c, id, false).await,
        (&Method::POST, ["containers", id, "rename"]) => ct::rename(c, id).await,
        (&Method::POST, ["containers", id, "update"]) => ct::update(c, id).await,
        (&Method::POST, ["containers", id, "resize"]) => ct::resize(c, id).await,
        (&Method::POST, ["containers", id, "attach"]) => ct::attach(c, id).await,
        (&Method::DELETE, ["containers", id]) => ct::remove(c, id).await,
        (&Method::GET, ["containers", id, "logs"]) => ct::logs(c, id).await,
        (&Method::GET, ["containers", id, "top"]) => ct::top(c, id).await,
        (&Method::GET, ["containers", id, "changes"]) => ct::changes(c, id).await,
        (&Method::GET, ["containers", id, "export"]) => ct::export(c, id).await,
        (&Method::GET, ["containers", id, "stats"]) => ct::stats(c, id).await,
        (&Method::GET | &Method::HEAD | &Method::PUT, ["containers", id, "archive"]) => archive::handle(c, id).await,
        (&Method::POST, ["containers", id, "exec"]) => exec::create(c, id).await,
        (&Method::POST, ["exec", id, "start"]) => exec::start(c, id).await,
        (&Method::POST, ["exec", id, "resize"]) => exec::resize(c, id).await,
        (&Method::GET, ["exec", id, "json"]) => exec::inspect(c, id).await,

        (&Method::GET, ["images", "json"]) => images::list(c).await,
        (&Method::POST, ["images", "create"]) => images::pull(c).await,
        (&Method::POST, ["images", "prune"]) => images::prune(c).await,
        (&Method::GET, ["images", "search"]) => images::search(c).await,
        (&Method::POST, ["build"]) => build::build(c).await,
        (&Method::POST, ["build", "prune"]) => build::prune(c).await,
        (&Method::GET, ["images", "get"]) => {
            let names = c.params("names");
            images::save(c, names).await
        }
        (&Method::POST, ["images", "load"]) => images::load(c).await,
        (&Method::GET, ["images", name @ .., "get"]) if !name.is_empty() => images::save(c, vec![name.join("/")]).await,
        (&Method::GET, ["images", name @ .., "json"]) if !name.is_empty() => images::inspect(c, &name.join("/")).await,
        (&Method::GET, ["images", name @ .., "history"]) if !name.is_empty() => {
            images::history(c, &name.join("/")).await
        }
        (&Method::POST, ["images", name @ .., "tag"]) if !name.is_empty() => images::tag(c, &name.join("/")).await,
        (&Method::POST, ["images", name @ .., "push"]) if !name.is_empty() => images::push(c, &name.join("/")).await,
        (&Method::DELETE, ["images", name @ ..]) if !name.is_empty() => images::remove(c, &name.join("/")).await,

        (&Method::GET, ["networks"]) => networks::list(c).await,
        (&Method::POST, ["networks", "create"]) => networks::create(c).await,
        (&Method::POST, ["networks", "prune"]) => networks::prune(c).await,
        (&Method::GET, ["networks", id]) => networks::inspect(c, id).await,
        (&Method::DELETE, ["networks", id]) => networks::remove(c, id).await,
        (&Method::POST, ["networks", id, "connect"]) => networks::connect(c, id, true).await,
        (&Method::POST, ["networks", id, "disconnect"]) => networks::connect(c, id, false).await,

        (&Method::GET, ["volumes"]) => volumes::list(c).await,
        (&Method::POST, ["volumes", "create"]) => volumes::create(c).await,
        (&Method::POST, ["volumes", "prune"]) => volumes::prune(c).await,
        (&Method::GET, ["volumes", name]) => volumes::inspect(c, name).await,
        (&Method::DELETE, ["volumes", name]) => volumes::remove(c, name).await,

        _ => Err(ApiError::not_found(format!("page not found: {} /{}", m, s.join("/")))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_prefix() {
        assert_eq!(strip_version("/v1.41/containers/json"), Some(("1.41", "/containers/json")));
        assert_eq!(strip_version("/v1.44/_ping"), Some(("1.44", "/_ping")));
        assert_eq!(strip_version("/volumes"), None);
        assert_eq!(strip_version("/containers/json"), None);
        assert_eq!(parse_version("1.41"), Some((1, 41)));
        assert_eq!(parse_version("x"), None);
    }
}
