//! What `rcon image inspect` and `rcon history` show of a stored image, in
//! docker's shapes: the inspect object with docker's JSON keys (`Id`,
//! `RepoTags`, `Config`, `RootFS`, …) and the history rows (config
//! `history` entries matched with the layers they made).

use crate::digest::Digest;
use crate::store::{ImageRecord, Store, StoreError};
use serde_json::{Value, json};

/// The image config blob of `image` as JSON.
pub fn config_json(store: &Store, image: &ImageRecord) -> Result<Value, StoreError> {
    let bytes = store.read_blob(&image.id)?;
    serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt { path: store.blob_path(&image.id), source })
}

/// `docker.io/library/busybox:latest` → `busybox:latest` (docker shows
/// familiar names in inspect output).
pub fn familiar(name: &str) -> String {
    let n = name.strip_prefix("docker.io/").unwrap_or(name);
    match n.strip_prefix("library/") {
        Some(rest) if !rest.contains('/') => rest.to_string(),
        _ => n.to_string(),
    }
}

/// docker's image inspect object for `image`.
pub fn inspect(store: &Store, image: &ImageRecord) -> Result<Value, StoreError> {
    let config = config_json(store, image)?;
    let chain_ids = image.chain_ids();
    let dirs: Vec<String> = chain_ids.iter().rev().map(|c| store.layer_diff_dir(c).display().to_string()).collect();
    let (upper, lower) = match dirs.split_first() {
        Some((u, l)) => (u.clone(), l.join(":")),
        None => (String::new(), String::new()),
    };
    let mut graph = serde_json::Map::new();
    if !lower.is_empty() {
        graph.insert("LowerDir".into(), lower.into());
    }
    graph.insert("UpperDir".into(), upper.into());
    let get = |k: &str| config.get(k).cloned().unwrap_or(Value::Null);
    let str_or_empty = |k: &str| config.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = json!({
        "Id": image.id.to_string(),
        "RepoTags": image.repo_tags.iter().map(|t| familiar(t)).collect::<Vec<_>>(),
        "RepoDigests": image.repo_digests.iter().map(|t| familiar(t)).collect::<Vec<_>>(),
        "Parent": "",
        "Comment": str_or_empty("comment"),
        "Created": str_or_empty("created"),
        "DockerVersion": str_or_empty("docker_version"),
        "Author": str_or_empty("author"),
        "Container": str_or_empty("container"),
        "ContainerConfig": container_config(&get("container_config")),
        "Config": container_config(&get("config")),
        "Architecture": str_or_empty("architecture"),
        "Os": str_or_empty("os"),
        "Size": image.size,
        "VirtualSize": image.size,
        "GraphDriver": {"Name": "overlay", "Data": Value::Object(graph)},
        "RootFS": {"Type": "layers", "Layers": image.diff_ids.iter().map(Digest::to_string).collect::<Vec<_>>()},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    });
    if let Some(v) = config.get("variant").and_then(Value::as_str) {
        out["Variant"] = v.into();
    }
    Ok(out)
}

/// An image config's `config` as docker shows it: its Go struct
/// (`container.Config`), so every key is present (`User` "", `Entrypoint`
/// null, …), with the image's values over the defaults.
fn container_config(config: &Value) -> Value {
    let mut out = json!({
        "Hostname": "",
        "Domainname": "",
        "User": "",
        "AttachStdin": false,
        "AttachStdout": false,
        "AttachStderr": false,
        "Tty": false,
        "OpenStdin": false,
        "StdinOnce": false,
        "Env": Value::Null,
        "Cmd": Value::Null,
        "Image": "",
        "Volumes": Value::Null,
        "WorkingDir": "",
        "Entrypoint": Value::Null,
        "OnBuild": Value::Null,
        "Labels": Value::Null,
    });
    if let (Some(o), Some(c)) = (out.as_object_mut(), config.as_object()) {
        for (k, v) in c {
            o.insert(k.clone(), v.clone());
        }
    }
    out
}

/// One row of `rcon history`, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// The image ID for the top row, `None` (`<missing>`) below it.
    pub id: Option<Digest>,
    /// RFC 3339 creation time, when known.
    pub created: Option<String>,
    /// The command that made the step.
    pub created_by: String,
    /// Bytes the step's layer adds (0 for empty layers).
    pub size: u64,
    /// The step's comment.
    pub comment: String,
}

/// The history of `image`: config `history` entries matched in order with
/// the layers (entries with `empty_layer` have none); without a history,
/// one row per layer.
pub fn history(store: &Store, image: &ImageRecord) -> Result<Vec<HistoryRow>, StoreError> {
    let config = config_json(store, image)?;
    let chain_ids = image.chain_ids();
    let layer_size =
        |i: usize| -> u64 { chain_ids.get(i).and_then(|c| store.layer(c).ok().flatten()).map_or(0, |l| l.size) };
    let mut rows = Vec::new();
    let entries = config.get("history").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut layer = 0;
    if entries.is_empty() {
        for i in 0..chain_ids.len() {
            rows.push(HistoryRow {
                id: None,
                created: None,
                created_by: String::new(),
                size: layer_size(i),
                comment: String::new(),
            });
        }
    }
    for e in &entries {
        let empty = e.get("empty_layer").and_then(Value::as_bool).unwrap_or(false);
        let size = if empty {
            0
        } else {
            layer += 1;
            layer_size(layer - 1)
        };
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        rows.push(HistoryRow {
            id: None,
            created: Some(s("created")).filter(|c| !c.is_empty()),
            created_by: s("created_by"),
            size,
            comment: s("comment"),
        });
    }
    rows.reverse();
    if let Some(top) = rows.first_mut() {
        top.id = Some(image.id.clone());
    }
    Ok(rows)
}
