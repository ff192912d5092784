//! `rcon search`: Docker Hub's search API (`GET /v1/search?q=TERM&n=LIMIT`,
//! answering `{"results":[{"name","description","star_count","is_official",
//! "is_automated"}…]}`), asked of the index the term names
//! (`HOST[:PORT]/TERM`, else Docker Hub's `index.docker.io`); a registry
//! without that API (a plain v2 registry) is searched through its catalog
//! (`GET /v2/_catalog`), matching repository names that contain the term.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Docker Hub's index, asked when the term names no registry.
pub const DOCKER_HUB_INDEX: &str = "index.docker.io";

/// One search result, with Docker Hub's field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Repository name (`busybox`, `HOST:PORT/name` from a catalog).
    pub name: String,
    /// Its description (empty from a catalog).
    #[serde(default)]
    pub description: String,
    /// Stars.
    #[serde(default)]
    pub star_count: u64,
    /// An official image.
    #[serde(default)]
    pub is_official: bool,
    /// Built automatically (Docker Hub's legacy flag).
    #[serde(default)]
    pub is_automated: bool,
}

#[derive(Deserialize)]
struct SearchResponse {
    #[serde(default)]
    results: Vec<SearchResult>,
}

#[derive(Deserialize)]
struct Catalog {
    #[serde(default)]
    repositories: Vec<String>,
}

/// Why a search failed; names the index and URL.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index could not be reached or answered garbage.
    #[error("searching {url}: {detail}")]
    Failed {
        /// The URL asked.
        url: String,
        /// What went wrong.
        detail: String,
    },
}

/// Splits a search term into the index to ask and the query: the first
/// component is a registry when it has a `.` or `:` or is `localhost`.
pub fn split_term(term: &str) -> (String, String) {
    match term.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => {
            let host = if host == "docker.io" { DOCKER_HUB_INDEX } else { host };
            (host.to_string(), rest.to_string())
        }
        _ => (DOCKER_HUB_INDEX.to_string(), term.to_string()),
    }
}

/// Searches for `term`, at most `limit` results (docker: 1 to 100).
/// Loopback registries are asked over plain HTTP, others over HTTPS (with
/// `tls_verify == false` without certificate checks). Errors:
/// [`SearchError`] naming the URL.
pub fn search(term: &str, limit: usize, tls_verify: bool) -> Result<Vec<SearchResult>, SearchError> {
    let (host, query) = split_term(term);
    let loopback = super::client::is_loopback_registry(&host);
    let base = if loopback { format!("http://{host}") } else { format!("https://{host}") };
    let builder = reqwest::blocking::Client::builder();
    let builder = if loopback { builder.no_proxy() } else { builder };
    let http = builder
        .user_agent(concat!("rcon/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(60))
        .danger_accept_invalid_certs(!tls_verify)
        .build()
        .map_err(|e| SearchError::Failed { url: base.clone(), detail: e.to_string() })?;
    let url = format!("{base}/v1/search");
    let failed = |url: &str, detail: String| SearchError::Failed { url: url.to_string(), detail };
    let resp = http
        .get(&url)
        .query(&[("q", query.as_str()), ("n", &limit.to_string())])
        .send()
        .map_err(|e| failed(&url, e.to_string()))?;
    if resp.status().is_success() {
        let body: SearchResponse = resp.json().map_err(|e| failed(&url, format!("not a search response: {e}")))?;
        let mut results = body.results;
        results.truncate(limit);
        return Ok(results);
    }
    if resp.status() != reqwest::StatusCode::NOT_FOUND || host == DOCKER_HUB_INDEX {
        return Err(failed(&url, resp.status().to_string()));
    }
    // A v2 registry: its catalog, following `Link` pages.
    let mut out = Vec::new();
    let mut next = format!("{base}/v2/_catalog?n=1000");
    for _ in 0..100 {
        let resp = http.get(&next).send().map_err(|e| failed(&next, e.to_string()))?;
        if !resp.status().is_success() {
            return Err(failed(&next, resp.status().to_string()));
        }
        let link = resp
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.split(';').next())
            .map(|l| l.trim().trim_start_matches('<').trim_end_matches('>').to_string());
        let catalog: Catalog = resp.json().map_err(|e| failed(&next, format!("not a catalog: {e}")))?;
        out.extend(catalog.repositories.into_iter().filter(|r| r.contains(query.as_str())).map(|r| SearchResult {
            name: format!("{host}/{r}"),
            description: String::new(),
            star_count: 0,
            is_official: false,
            is_automated: false,
        }));
        match link {
            Some(l) if out.len() < limit => next = if l.starts_with('/') { format!("{base}{l}") } else { l },
            _ => break,
        }
    }
    out.truncate(limit);
    Ok(out)
}

/// `--filter` of `search`: `stars=N` (at least N), `is-official=BOOL`,
/// `is-automated=BOOL`. Errors as docker's: a bad key or value.
pub fn filter(results: Vec<SearchResult>, filters: &[String]) -> Result<Vec<SearchResult>, String> {
    let mut stars = 0u64;
    let mut official = None;
    let mut automated = None;
    for f in filters {
        let (k, v) = f.split_once('=').ok_or_else(|| format!("bad format of filter (expected name=value): {f}"))?;
        let b = || match v {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(format!("invalid filter '{k}={v}'")),
        };
        match k {
            "stars" => stars = v.parse().map_err(|_| format!("invalid filter 'stars={v}'"))?,
            "is-official" => official = Some(b()?),
            "is-automated" => automated = Some(b()?),
            _ => return Err(format!("invalid filter '{k}'")),
        }
    }
    Ok(results
        .into_iter()
        .filter(|r| {
            r.star_count >= stars
                && official.is_none_or(|o| r.is_official == o)
                && automated.is_none_or(|a| r.is_automated == a)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_name_their_index() {
        assert_eq!(split_term("busybox"), (DOCKER_HUB_INDEX.into(), "busybox".into()));
        assert_eq!(split_term("library/busybox"), (DOCKER_HUB_INDEX.into(), "library/busybox".into()));
        assert_eq!(split_term("127.0.0.1:5000/bb"), ("127.0.0.1:5000".into(), "bb".into()));
        assert_eq!(split_term("localhost/bb"), ("localhost".into(), "bb".into()));
    }

    #[test]
    fn filters_as_docker() {
        let r = |name: &str, stars, official| SearchResult {
            name: name.into(),
            description: String::new(),
            star_count: stars,
            is_official: official,
            is_automated: false,
        };
        let all = vec![r("a", 10, true), r("b", 3, false)];
        let names = |v: Vec<SearchResult>| v.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(filter(all.clone(), &["stars=5".into()]).unwrap()), ["a"]);
        assert_eq!(names(filter(all.clone(), &["is-official=false".into()]).unwrap()), ["b"]);
        assert!(filter(all.clone(), &["colour=red".into()]).is_err());
        assert!(filter(all, &["stars=many".into()]).is_err());
    }
}
