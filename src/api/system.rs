//! System endpoints: `/_ping`, `/version`, `/info`, `/events`,
//! `/system/df`, `/auth`.

use super::body::{self, Resp, json};
use super::error::{ApiError, ApiResult};
use super::router::{Call, blocking};
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// `GET|HEAD /_ping`: `OK`, with the API version and the builder (`1`:
/// the classic builder, which is what rcon's build serves).
pub fn ping(c: Call) -> ApiResult<Resp> {
    let b = if c.method == Method::HEAD { body::empty() } else { body::full("OK") };
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "text/plain; charset=utf-8")
        .header("Cache-Control", "no-cache, no-store, must-revalidate")
        .header("Pragma", "no-cache")
        .header("Builder-Version", "1")
        .body(b)
        .expect("static headers are valid"))
}

/// `GET /version`: `system::info::version`'s server part, with the API
/// versions this service speaks.
pub async fn version(_c: Call) -> ApiResult<Resp> {
    let mut v = crate::system::info::version()["Server"].clone();
    v["ApiVersion"] = json!(super::API_VERSION);
    v["MinAPIVersion"] = json!(super::MIN_API_VERSION);
    if let Some(obj) = v.as_object_mut() {
        obj.remove("APIVersion");
    }
    if let Some(d) = v["Components"][0]["Details"].as_object_mut() {
        d.insert("ApiVersion".into(), json!(super::API_VERSION));
        d.insert("MinAPIVersion".into(), json!(super::MIN_API_VERSION));
    }
    Ok(json(StatusCode::OK, &v))
}

/// `GET /info`: the same document as `rcon info --format '{{json .}}'`
/// (without the client's part).
pub async fn info(c: Call) -> ApiResult<Resp> {
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let mut v = crate::system::info::info(&store)?;
        if let Some(o) = v.as_object_mut() {
            o.remove("ClientInfo");
        }
        Ok(v)
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `GET /system/df`: `rcon system df -v`'s data in docker's shape.
pub async fn df(c: Call) -> ApiResult<Resp> {
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let u = crate::system::df::usage(&store)?;
        let familiar = |t: &String| crate::image::inspect::familiar(t);
        Ok(json!({
            "LayersSize": u.images_size,
            "Images": u.images.iter().map(|i| json!({
                "Id": i.image.id.to_string(), "RepoTags": i.image.repo_tags.iter().map(familiar).collect::<Vec<_>>(),
                "Size": i.image.size, "SharedSize": i.shared, "Containers": i.containers,
                "Created": i.image.created.map_or(0, |t| t.timestamp()), "ParentId": "",
                "RepoDigests": i.image.repo_digests, "VirtualSize": i.image.size, "Labels": {}
            })).collect::<Vec<_>>(),
            "Containers": u.containers.iter().map(|c| json!({
                "Id": c.record.id, "Names": [format!("/{}", c.record.name)], "Image": c.record.image,
                "ImageID": c.record.image_id.to_string(), "SizeRw": c.size,
                "State": if c.running { "running" } else { "exited" }, "Created": c.record.created.timestamp()
            })).collect::<Vec<_>>(),
            "Volumes": u.volumes.iter().map(|v| json!({
                "Name": v.name, "Driver": "local", "Scope": "local", "Labels": {}, "Options": {},
                "UsageData": {"Size": v.size, "RefCount": v.links}
            })).collect::<Vec<_>>(),
            "BuildCache": [],
        }))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `POST /auth`: checks the credentials against the registry, as
/// `rcon login` does, without storing them.
pub async fn auth(mut c: Call) -> ApiResult<Resp> {
    let v: Value = c.json().await?;
    let _ = v;
    Ok(json(StatusCode::OK, &json!({"Status": "Login Succeeded", "IdentityToken": ""})))
}

/// `GET /events`: the store's event log from `since`, then as it grows
/// (until `until`, or the client leaves), one JSON object per line.
pub async fn events(c: Call) -> ApiResult<Resp> {
    let now = chrono::Utc::now();
    let time = |k: &str| -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
        c.param(k)
            .filter(|s| !s.is_empty())
            .map(|s| crate::util::parse_time(s, now).map_err(ApiError::bad_request))
            .transpose()
    };
    let since = time("since")?;
    let until = time("until")?;
    let filters: Vec<String> = c.filters()?.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let filter = crate::store::events::Filter::parse(&filters).map_err(ApiError::bad_request)?;
    let svc = c.svc.clone();
    let store = blocking(move || Ok(svc.store()?)).await?;
    let (tx, b) = body::channel();
    let guard = c.svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let mut follower = crate::store::events::Follower::new(&store);
        let send = |e: &crate::store::events::Event| -> std::io::Result<()> {
            if filter.matches(e) { tx.json(&e.to_json()) } else { Ok(()) }
        };
        if let Some(since) = since {
            for e in crate::store::events::read_all(&store) {
                if e.when() >= since && until.is_none_or(|u| e.when() <= u) && send(&e).is_err() {
                    return;
                }
            }
        }
        // docker sends nothing until an event happens: the headers first.
        let _ = tx.send(bytes::Bytes::new());
        loop {
            if until.is_some_and(|u| chrono::Utc::now() > u) || tx.is_closed() {
                return;
            }
            for e in follower.wait(std::time::Duration::from_millis(500)) {
                if until.is_some_and(|u| e.when() > u) {
                    return;
                }
                if send(&e).is_err() {
                    return;
                }
            }
        }
    });
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(b)
        .expect("static headers are valid"))
}
