//! `/volumes/…`: list, create, inspect, remove, prune.

use super::body::{self, Resp, json};
use super::error::{ApiError, ApiResult};
use super::router::{Call, blocking};
use hyper::StatusCode;
use serde_json::{Value, json};

/// `GET /volumes?filters=`: `{"Volumes": […], "Warnings": []}`.
pub async fn list(c: Call) -> ApiResult<Resp> {
    let filters = c.filters()?;
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let list = match crate::volume::list_filtered(&store, &filters) {
            Err(crate::volume::VolumeError::InvalidFilter(k)) => {
                return Err(ApiError::bad_request(format!("invalid filter {k:?}")));
            }
            other => other?,
        };
        let vols: Vec<Value> = list.iter().map(|v| crate::volume::inspect_json(&store, v)).collect();
        Ok(json!({"Volumes": vols, "Warnings": []}))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `POST /volumes/create` with `{"Name": …, "Labels": {…}}`: 201 and the
/// volume (an existing one is returned as it is, as docker does).
pub async fn create(mut c: Call) -> ApiResult<Resp> {
    let body: Value = c.json().await?;
    if !(body.is_object() || body.is_null()) {
        return Err(ApiError::bad_request("invalid volume create body: expected a JSON object"));
    }
    let name = body["Name"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let opts: Vec<String> = match &body["DriverOpts"] {
        Value::Object(m) => m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect(),
        _ => Vec::new(),
    };
    crate::volume::check_driver(
        name.as_deref().unwrap_or_default(),
        body["Driver"].as_str().unwrap_or_default(),
        &opts,
    )
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let labels: std::collections::BTreeMap<String, String> = match &body["Labels"] {
        Value::Null => Default::default(),
        l => serde_json::from_value(l.clone()).map_err(|e| ApiError::bad_request(format!("invalid Labels: {e}")))?,
    };
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let (v, _) = crate::volume::create(&store, name.as_deref(), labels)?;
        Ok(crate::volume::inspect_json(&store, &v))
    })
    .await?;
    Ok(json(StatusCode::CREATED, &v))
}

/// `GET /volumes/{name}`.
pub async fn inspect(c: Call, name: &str) -> ApiResult<Resp> {
    let (svc, name) = (c.svc.clone(), name.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        let v = crate::volume::get(&store, &name)?;
        Ok(crate::volume::inspect_json(&store, &v))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `DELETE /volumes/{name}?force`: 204; 409 while in use.
pub async fn remove(c: Call, name: &str) -> ApiResult<Resp> {
    let force = c.flag("force", false)?;
    let (svc, name) = (c.svc.clone(), name.to_string());
    blocking(move || {
        let store = svc.store()?;
        match crate::volume::remove(&store, &name) {
            Err(crate::volume::VolumeError::NoSuchVolume(_)) if force => Ok(()),
            r => Ok(r?),
        }
    })
    .await?;
    Ok(body::no_content(StatusCode::NO_CONTENT))
}

/// `POST /volumes/prune?filters=`: unused anonymous volumes, all unused
/// ones with `all=true` or for a client of API 1.41 or older (docker 23+'s
/// daemon rule: docker 20.10 pruned every unused volume).
pub async fn prune(c: Call) -> ApiResult<Resp> {
    let filters = c.filters()?;
    let all = filters.iter().any(|(k, v)| k == "all" && (v == "true" || v == "1")) || !c.at_least(1, 42);
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let (removed, reclaimed) = crate::volume::prune(&store, all)?;
        Ok(json!({"VolumesDeleted": removed, "SpaceReclaimed": reclaimed}))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}
