//! `/images/…`: list, pull (`create`), push, inspect, history, tag, remove, prune.

use super::body::{self, Resp, json};
use super::error::{ApiError, ApiResult};
use super::router::{Call, blocking};
use crate::store::{ImageRecord, Store};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

/// Finds an image by reference, ID or ID prefix. Errors (404): none.
fn find(store: &Store, name: &str) -> ApiResult<ImageRecord> {
    let normalized = crate::reference::Reference::parse(name).ok().map(|r| r.to_string());
    store.find_image(name, normalized.as_deref())?.ok_or_else(|| ApiError::not_found(format!("No such image: {name}")))
}

/// `GET /images/json?all&filters`.
pub async fn list(c: Call) -> ApiResult<Resp> {
    let svc = c.svc.clone();
    let refs: Vec<String> = c.filters()?.into_iter().filter(|(k, _)| k == "reference").map(|(_, v)| v).collect();
    let v = blocking(move || {
        let store = svc.store()?;
        let mut images = store.images()?;
        images.sort_by_key(|i| std::cmp::Reverse(i.created));
        let familiar = |t: &String| crate::image::inspect::familiar(t);
        let out: Vec<Value> = images
            .iter()
            .filter(|i| {
                refs.is_empty()
                    || i.repo_tags
                        .iter()
                        .map(familiar)
                        .any(|t| refs.iter().any(|r| &t == r || t.split(':').next() == Some(r.as_str())))
            })
            .map(|i| {
                json!({
                    "Id": i.id.to_string(), "ParentId": "",
                    "RepoTags": i.repo_tags.iter().map(familiar).collect::<Vec<_>>(),
                    "RepoDigests": i.repo_digests.iter().map(familiar).collect::<Vec<_>>(),
                    "Created": i.created.map_or(0, |t| t.timestamp()), "Size": i.size, "VirtualSize": i.size,
                    "SharedSize": -1, "Labels": {}, "Containers": -1,
                })
            })
            .collect();
        Ok(Value::Array(out))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `POST /images/create?fromImage=&tag=`: pulls, answering with dockerd's
/// JSON progress stream (`Pulling from REPO` with the tag as `id`; per
/// layer `Pulling fs layer`, `Downloading` with `progressDetail` byte
/// counts, `Verifying Checksum`, `Download complete`, `Extracting`, `Pull
/// complete`, or `Already exists`; the digest and the result at the end;
/// an `error` message when it fails: the status is 200 once the stream has
/// begun, as docker's).
pub async fn pull(c: Call) -> ApiResult<Resp> {
    let from = c.param("fromImage").filter(|s| !s.is_empty()).map(str::to_string);
    let Some(from) = from else {
        if c.param("fromSrc").is_some() {
            return Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                "import (fromSrc) is not supported; use `rcon import`",
            ));
        }
        return Err(ApiError::bad_request("fromImage is required"));
    };
    let tag = c.param("tag").filter(|s| !s.is_empty()).map(str::to_string);
    let last = from.rsplit('/').next().unwrap_or_default();
    let name = match tag {
        Some(t) if t.starts_with("sha256:") => format!("{from}@{t}"),
        Some(t) if !last.contains(':') && !from.contains('@') => format!("{from}:{t}"),
        _ if !last.contains(':') && !from.contains('@') => format!("{from}:latest"),
        _ => from.clone(),
    };
    if let Err(e) = crate::reference::Reference::parse(&name) {
        return Err(ApiError::bad_request(e.to_string()));
    }
    let mut transfer = crate::registry::TransferOptions { credentials: registry_auth(&c)?, ..Default::default() };
    if let Some(p) = c.param("platform").filter(|p| !p.is_empty()) {
        transfer.platform = Some(crate::image::parse_platform(p).map_err(ApiError::bad_request)?);
    }
    progress_stream(&c, transfer, move |store, transfer, tx| {
        let opts = crate::registry::PullOptions { quiet: true, tls_verify: true, stdout: false };
        if let Err(e) = crate::registry::pull_by_name(&store, &name, &opts, &transfer, false) {
            send_error(tx, &e);
        }
    })
    .await
}

/// Runs `job` (a pull or a push) on a blocking thread with the store and
/// `transfer`, whose progress goes to the client as dockerd's JSON
/// message stream; the service counts as busy until `job` returns.
/// Errors: the store cannot be opened (before the stream begins).
async fn progress_stream(
    c: &Call,
    mut transfer: crate::registry::TransferOptions,
    job: impl FnOnce(crate::store::Store, crate::registry::TransferOptions, &body::Sender) + Send + 'static,
) -> ApiResult<Resp> {
    let svc = c.svc.clone();
    let store = blocking(move || Ok(svc.store()?)).await?;
    let (tx, b) = body::channel();
    transfer.progress = Some(sink(&tx));
    let guard = c.svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        job(store, transfer, &tx);
    });
    Ok(stream_response(b))
}

/// Ends a progress stream with dockerd's error message for `e`.
fn send_error(tx: &body::Sender, e: &dyn std::error::Error) {
    let m = crate::util::error_chain(e);
    let _ = tx.json(&json!({"errorDetail": {"message": m}, "error": m}));
}

/// A `200` JSON message stream.
fn stream_response(b: body::Body) -> Resp {
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(b)
        .expect("static headers are valid")
}

/// A progress sink that sends the registry code's JSON messages to the
/// client (dropped once it has gone).
fn sink(tx: &body::Sender) -> crate::registry::ProgressSink {
    let tx = tx.clone();
    crate::registry::ProgressSink(std::sync::Arc::new(move |v| {
        if !tx.is_closed() {
            let _ = tx.json(&v);
        }
    }))
}

/// `POST /images/{name}/push?tag=`: pushes the local image `name:tag`
/// (`name` alone when it has a tag or no `tag` is given: every tag of
/// the repository is not supported, `latest` is pushed) to the registry
/// its name says, with the credentials of `X-Registry-Auth` (else the
/// stored ones), as `rcon push` does. The answer is dockerd's JSON
/// progress stream (`The push refers to repository […]`, per layer
/// `Preparing`, `Pushing` with byte counts, `Pushed` or `Layer already
/// exists`, `TAG: digest: … size: …`, then the `aux` message with `Tag`,
/// `Digest` and `Size`); a failure, a missing image included, is an
/// `error` message in the stream (status 200 once it has begun, as
/// dockerd's). Errors (400, before the stream): a bad name or header.
pub async fn push(c: Call, name: &str) -> ApiResult<Resp> {
    let tag = c.param("tag").filter(|s| !s.is_empty());
    let last = name.rsplit('/').next().unwrap_or_default();
    let full = match tag {
        Some(t) if !last.contains(':') && !name.contains('@') => format!("{name}:{t}"),
        _ => name.to_string(),
    };
    let dest = crate::reference::Reference::parse(&full).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let transfer = crate::registry::TransferOptions { credentials: registry_auth(&c)?, ..Default::default() };
    progress_stream(&c, transfer, move |store, transfer, tx| {
        let fail = |e: anyhow::Error| send_error(tx, e.as_ref());
        let shown = dest.to_string();
        let image = match store.find_image(&full, Some(&shown)) {
            Ok(Some(i)) => i,
            Ok(None) => {
                let _ =
                    tx.json(&json!({"status": format!("The push refers to repository [{}]", dest.repository_name())}));
                return match crate::registry::push::missing_source(&store, &dest) {
                    Ok(e) | Err(e) => fail(e.into()),
                };
            }
            Err(e) => return fail(e.into()),
        };
        let opts = crate::registry::push::PushOptions { quiet: true, tls_verify: true, format: None };
        match crate::registry::push::push_image(&store, &image, &dest, &opts, &transfer) {
            Ok(digest) => {
                let size = store.read_blob(&digest).map_or(0, |b| b.len());
                let tag = dest.tag.clone().unwrap_or_else(|| "latest".into());
                let _ = tx.json(&json!({
                    "progressDetail": {}, "aux": {"Tag": tag, "Digest": digest.to_string(), "Size": size},
                }));
            }
            Err(e) => fail(e.into()),
        }
    })
    .await
}

/// `GET /images/search?term=&limit=&filters=`: `rcon search`'s library
/// call (Docker Hub's `/v1/search` for docker.io, else the registry the
/// term names: its `/v1/search`, or its `/v2/_catalog` filtered by the
/// term, as podman does); docker's array of `name`, `description`,
/// `star_count`, `is_official`, `is_automated`. Filters: `stars`,
/// `is-official`, `is-automated`. Errors: 400 no term or a bad filter;
/// 500 the registry could not be searched (naming its URL).
pub async fn search(c: Call) -> ApiResult<Resp> {
    let term = c.param("term").filter(|t| !t.is_empty()).ok_or_else(|| ApiError::bad_request("term is required"))?;
    let term = term.to_string();
    let limit = match c.int("limit")? {
        None => 25,
        Some(n @ 1..=100) => n as usize,
        Some(n) => return Err(ApiError::bad_request(format!("limit {n} is outside the range of [1, 100]"))),
    };
    let filters: Vec<String> = c.filters()?.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let v = blocking(move || {
        let found = crate::registry::search::search(&term, limit, true).map_err(|e| ApiError::server(e.to_string()))?;
        let found = crate::registry::search::filter(found, &filters).map_err(ApiError::bad_request)?;
        serde_json::to_value(found).map_err(|e| ApiError::server(e.to_string()))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `GET /images/{name}/get` and `GET /images/get?names=…`: the images as
/// one docker-archive tar (`rcon save`), streamed. Errors (404, before the
/// stream begins): no such image.
pub async fn save(c: Call, names: Vec<String>) -> ApiResult<Resp> {
    if names.is_empty() {
        return Err(ApiError::bad_request("names is required"));
    }
    let svc = c.svc.clone();
    let (store, images) = blocking(move || {
        let store = svc.store()?;
        let images = crate::system::images::resolve_for_save(&store, &names)?;
        Ok((store, images))
    })
    .await?;
    Ok(body::written(&c.svc, "application/x-tar", "image save".to_string(), move |out| {
        let format = crate::image::archive::ArchiveFormat::DockerArchive;
        Ok(crate::system::images::save(&store, &images, format, false, out)?)
    }))
}

/// `POST /images/load`: the request's archive (docker-archive or
/// oci-archive, as `rcon load` reads) is streamed into the store's `tmp/`,
/// then loaded; the answer is docker's JSON message stream
/// (`{"stream": "Loaded image: …\n"}`, one per tag, or `Loaded image ID`
/// for an untagged image, with or without `quiet`, which only turns off
/// docker's progress bars). Errors: 400 for an archive rcon cannot read.
pub async fn load(mut c: Call) -> ApiResult<Resp> {
    let svc = c.svc.clone();
    let (store, spool, file) = blocking(move || {
        let store = svc.store()?;
        let (spool, file) = crate::system::images::Spool::create(&store)
            .map_err(|e| ApiError::server(format!("cannot spool the archive in the store's tmp/: {e}")))?;
        Ok((store, spool, file))
    })
    .await?;
    let images = body::stream_to(c.take_body()?, std::io::BufWriter::new(file), move |_| {
        crate::system::images::load(&store, spool.path())
            .map_err(|e| ApiError::bad_request(format!("cannot load the archive: {}", crate::util::error_chain(&e))))
    })
    .await?;
    let mut lines = String::new();
    for i in &images {
        let mut msgs = Vec::new();
        if i.repo_tags.is_empty() {
            msgs.push(format!("Loaded image ID: {}\n", i.id));
        }
        msgs.extend(i.repo_tags.iter().map(|t| format!("Loaded image: {}\n", crate::image::inspect::familiar(t))));
        for m in msgs {
            lines.push_str(&json!({"stream": m}).to_string());
            lines.push('\n');
        }
    }
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(body::full(lines))
        .expect("static headers are valid"))
}

/// `GET /images/{name}/json`: `rcon image inspect`'s document.
pub async fn inspect(c: Call, name: &str) -> ApiResult<Resp> {
    let (svc, name) = (c.svc.clone(), name.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        let image = find(&store, &name)?;
        Ok(crate::image::inspect::inspect(&store, &image)?)
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `GET /images/{name}/history`.
pub async fn history(c: Call, name: &str) -> ApiResult<Resp> {
    let (svc, name) = (c.svc.clone(), name.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        let image = find(&store, &name)?;
        let rows = crate::image::inspect::history(&store, &image)?;
        let tags: Vec<String> = image.repo_tags.iter().map(|t| crate::image::inspect::familiar(t)).collect();
        Ok(Value::Array(
            rows.iter()
                .enumerate()
                .map(|(i, r)| {
                    let created = r
                        .created
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map_or(0, |t| t.timestamp());
                    json!({
                        "Id": r.id.as_ref().map_or("<missing>".to_string(), |d| d.to_string()),
                        "Created": created, "CreatedBy": r.created_by, "Size": r.size, "Comment": r.comment,
                        "Tags": if i == 0 { json!(tags) } else { Value::Null },
                    })
                })
                .collect(),
        ))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `POST /images/{name}/tag?repo=&tag=`: 201.
pub async fn tag(c: Call, name: &str) -> ApiResult<Resp> {
    let repo = c.param("repo").filter(|s| !s.is_empty()).ok_or_else(|| ApiError::bad_request("repo is required"))?;
    let target = match c.param("tag").filter(|s| !s.is_empty()) {
        Some(t) => format!("{repo}:{t}"),
        None => repo.to_string(),
    };
    let (svc, name) = (c.svc.clone(), name.to_string());
    blocking(move || {
        let store = svc.store()?;
        find(&store, &name)?;
        crate::system::images::tag(&store, &name, &target)?;
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::CREATED))
}

/// `DELETE /images/{name}?force`: `[{"Untagged": …}, {"Deleted": …}]`.
pub async fn remove(c: Call, name: &str) -> ApiResult<Resp> {
    let force = c.flag("force", false)?;
    let (svc, name) = (c.svc.clone(), name.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        find(&store, &name)?;
        let removed = crate::system::images::remove(&store, &name, force).map_err(|e| {
            let api: ApiError = e.into();
            if api.message.contains("must be forced") { ApiError::conflict(api.message) } else { api }
        })?;
        Ok(Value::Array(
            removed
                .into_iter()
                .map(|r| match r {
                    crate::system::images::Removed::Untagged(t) => json!({"Untagged": t}),
                    crate::system::images::Removed::Deleted(id) => json!({"Deleted": id}),
                })
                .collect(),
        ))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `POST /images/prune?filters=`.
pub async fn prune(c: Call) -> ApiResult<Resp> {
    let raw: Vec<String> = c.filters()?.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let f = crate::filters::Filters::parse(&raw, crate::system::prune::IMAGE_PRUNE_KEYS)
            .map_err(ApiError::bad_request)?;
        let (removed, reclaimed) = crate::system::prune::images(&store, false, &f)?;
        let deleted: Vec<Value> = removed.iter().map(|i| json!({"Deleted": i.id.to_string()})).collect();
        Ok(json!({"ImagesDeleted": deleted, "SpaceReclaimed": reclaimed}))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// The credentials of `X-Registry-Auth` (base64url of docker's
/// `AuthConfig` JSON: `username`, `password`, `identitytoken`), if the
/// client sent them; else the stored ones are used, as `rcon pull` does.
/// Errors (400): not base64 of such JSON.
fn registry_auth(c: &Call) -> ApiResult<Option<crate::registry::credentials::Credentials>> {
    use base64::Engine as _;
    let Some(raw) = c.headers.get("X-Registry-Auth").and_then(|v| v.to_str().ok()).filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    let raw = raw.trim();
    let data = base64::engine::general_purpose::URL_SAFE
        .decode(raw)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')))
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(raw))
        .map_err(|e| ApiError::bad_request(format!("invalid X-Registry-Auth header: {e}")))?;
    let v: Value = serde_json::from_slice(&data)
        .map_err(|e| ApiError::bad_request(format!("invalid X-Registry-Auth header: {e}")))?;
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let (username, password, token) = (field("username"), field("password"), field("identitytoken"));
    if username.is_empty() && token.is_empty() {
        return Ok(None); // docker sends `{}` for anonymous pulls
    }
    Ok(Some(crate::registry::credentials::Credentials {
        username: if username.is_empty() { "<token>".into() } else { username },
        password,
        identity_token: (!token.is_empty()).then_some(token),
    }))
}
