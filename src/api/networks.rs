//! `/networks/…`: list, create, inspect, remove, connect, disconnect, prune.

use super::body::{self, Resp, json};
use super::error::{ApiError, ApiResult};
use super::router::{Call, blocking};
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /networks?filters=`.
pub async fn list(c: Call) -> ApiResult<Resp> {
    let raw: Vec<String> = c.filters()?.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let f = crate::filters::Filters::parse(
            &raw,
            &["driver", "id", "label", "label!", "name", "scope", "type", "dangling"],
        )
        .map_err(ApiError::bad_request)?;
        let out: Vec<Value> = crate::network::networks::all(&store)?
            .into_iter()
            .filter(|(n, builtin)| {
                f.driver_matches(&n.driver)
                    && f.id_matches(&n.id)
                    && f.name_matches(&n.name)
                    && f.get("type").iter().all(|t| (t == "builtin") == *builtin)
            })
            .map(|(n, _)| crate::network::inspect_json(&store, &n))
            .collect();
        Ok(Value::Array(out))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `POST /networks/create`'s body (the fields rcon acts on).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct CreateBody {
    name: String,
    driver: Option<String>,
    check_duplicate: Option<bool>,
    #[serde(rename = "IPAM")]
    ipam: Option<Ipam>,
    labels: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Ipam {
    config: Option<Vec<IpamPool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct IpamPool {
    subnet: Option<String>,
    gateway: Option<String>,
}

/// `POST /networks/create`: 201 `{"Id": …, "Warning": ""}`; 409 when the
/// name is taken.
pub async fn create(mut c: Call) -> ApiResult<Resp> {
    let body: CreateBody = c.json().await?;
    if body.name.is_empty() {
        return Err(ApiError::bad_request("network name is required"));
    }
    if let Some(d) = body.driver.as_deref().filter(|d| !d.is_empty() && *d != "bridge") {
        return Err(ApiError::bad_request(format!("network driver {d:?} is not supported: only bridge")));
    }
    let _ = body.check_duplicate;
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        if crate::network::networks::all(&store)?.iter().any(|(n, _)| n.name == body.name) {
            return Err(ApiError::conflict(format!("network with name {} already exists", body.name)));
        }
        let pool = body.ipam.and_then(|i| i.config).and_then(|c| c.into_iter().next()).unwrap_or_default();
        let n = crate::network::networks::create(
            &store,
            &body.name,
            pool.subnet.as_deref(),
            pool.gateway.as_deref(),
            body.labels.unwrap_or_default(),
        )?;
        Ok(json!({"Id": n.id, "Warning": ""}))
    })
    .await?;
    Ok(json(StatusCode::CREATED, &v))
}

/// Finds a network by name, ID or ID prefix. Errors (404): none.
fn find(store: &crate::store::Store, name: &str) -> ApiResult<crate::network::Network> {
    crate::network::networks::all(store)?
        .into_iter()
        .map(|(n, _)| n)
        .find(|n| n.name == name || n.id == name)
        .or_else(|| {
            let all = crate::network::networks::all(store).ok()?;
            let mut m = all.into_iter().map(|(n, _)| n).filter(|n| n.id.starts_with(name));
            let first = m.next()?;
            m.next().is_none().then_some(first)
        })
        .ok_or_else(|| ApiError::not_found(format!("network {name} not found")))
}

/// `GET /networks/{id}`.
pub async fn inspect(c: Call, id: &str) -> ApiResult<Resp> {
    let (svc, id) = (c.svc.clone(), id.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        let n = find(&store, &id)?;
        Ok(crate::network::inspect_json(&store, &n))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `DELETE /networks/{id}`: 204.
pub async fn remove(c: Call, id: &str) -> ApiResult<Resp> {
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        let n = find(&store, &id)?;
        if matches!(n.name.as_str(), "bridge" | "host" | "none") {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("{} is a pre-defined network and cannot be removed", n.name),
            ));
        }
        crate::network::remove_network(&store, &n.name)?;
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::NO_CONTENT))
}

/// `POST /networks/{id}/connect|disconnect` with `{"Container": …,
/// "EndpointConfig": {"Aliases": […], "IPAMConfig": {"IPv4Address": …}}}`.
pub async fn connect(mut c: Call, id: &str, connect: bool) -> ApiResult<Resp> {
    let body: Value = c.json().await?;
    let container = body["Container"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let Some(container) = container else { return Err(ApiError::bad_request("Container is required")) };
    let aliases: Vec<String> = body["EndpointConfig"]["Aliases"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let ip = match body["EndpointConfig"]["IPAMConfig"]["IPv4Address"].as_str().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse().map_err(|_| ApiError::bad_request(format!("invalid IPv4Address {s:?}")))?),
        None => None,
    };
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        let n = find(&store, &id)?;
        let record = store.find_container(&container)?;
        if connect {
            crate::network::connect(&store, &record.id, &n.name, &aliases, ip)?;
        } else {
            crate::network::disconnect(&store, &record.id, &n.name)?;
        }
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::OK))
}

/// `POST /networks/prune?filters=`.
pub async fn prune(c: Call) -> ApiResult<Resp> {
    let raw: Vec<String> = c.filters()?.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let f =
            crate::filters::Filters::parse(&raw, crate::system::prune::PRUNE_KEYS).map_err(ApiError::bad_request)?;
        let removed = crate::system::prune::networks(&store, &f)?;
        Ok(json!({"NetworksDeleted": removed}))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}
