//! Listing containers as `ps` and `GET /containers/json` do: docker's
//! filters (`id`, `name`, `label`, `status`, `ancestor`, `exited`,
//! `health`, and podman's `pod`), the STATUS text and the COMMAND column.

use crate::format::{ago, human_duration};
use crate::store::{ContainerQuery, ContainerRow, ContainerState, ContainerStatus, Store};
use chrono::{DateTime, Utc};

/// Label on every container of a pod (the infra included): the pod's ID
/// (re-exported as `crate::pod::LABEL_POD`; defined here, below the pod
/// layer, for the `pod` filter).
pub const LABEL_POD: &str = "io.rcon.pod";

/// `--filter` values: the same key ORs (but every `label` must match),
/// different keys AND (docker's rules).
pub struct Filters(Vec<(String, String)>);

impl Filters {
    /// Parses `KEY=VALUE` filters. Errors: a malformed one or an unknown key.
    pub fn parse(raw: &[String]) -> super::Result<Filters> {
        let mut out = Vec::new();
        for f in raw {
            let (k, v) = f
                .split_once('=')
                .ok_or_else(|| super::Error::Invalid(format!("invalid filter {f:?}: expected KEY=VALUE")))?;
            if !["id", "name", "label", "status", "ancestor", "exited", "health", "pod"].contains(&k) {
                return Err(super::Error::InvalidFilter(k.to_string()));
            }
            out.push((k.to_string(), v.to_string()));
        }
        Ok(Filters(out))
    }

    /// The conditions SQL can evaluate (`name`, `id`); [`Filters::matches`]
    /// checks all of them again.
    pub fn query(&self) -> ContainerQuery {
        let values = |key: &str| self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect();
        ContainerQuery { name_contains: values("name"), id_prefixes: values("id"), ..Default::default() }
    }

    /// True when a filter on `key` was given.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// True when the container passes every filter.
    pub fn matches(&self, store: &Store, c: &ContainerRow, s: &ContainerState) -> bool {
        let keys: std::collections::BTreeSet<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        keys.into_iter().all(|key| {
            let mut values = self.0.iter().filter(|(k, _)| k == key);
            // docker: every `label` filter must match; other keys' values
            // are alternatives.
            let test = |(_, v): &(String, String)| match key {
                "id" => c.id.starts_with(v.as_str()),
                "name" => c.name.contains(v.as_str()),
                "label" => match v.split_once('=') {
                    Some((lk, lv)) => c.labels.get(lk).is_some_and(|x| x == lv),
                    None => c.labels.contains_key(v.as_str()),
                },
                "status" => crate::container::inspect::status_word(s) == v,
                "exited" => s.status == ContainerStatus::Exited && s.exit_code.is_some_and(|e| e.to_string() == *v),
                "health" => s.health.as_ref().map_or("none", |h| h.status.as_str()) == v,
                "ancestor" => ancestor_matches(store, c, v),
                "pod" => pod_matches(store, c, v),
                _ => false,
            };
            if key == "label" { values.all(test) } else { values.any(test) }
        })
    }
}

/// `pod=NAME|ID` (podman's filter): the container belongs to the pod
/// named `v`, or whose ID starts with `v`.
fn pod_matches(store: &Store, c: &ContainerRow, v: &str) -> bool {
    let Some(pod_id) = c.labels.get(LABEL_POD) else { return false };
    !v.is_empty() && (pod_id.starts_with(v) || store.find_pod(v).is_ok_and(|p| &p.id == pod_id))
}

/// `ancestor=IMAGE`: the container's image by reference (as given or
/// normalized) or ID prefix.
fn ancestor_matches(store: &Store, c: &ContainerRow, v: &str) -> bool {
    if c.image == v || c.image_id.hex().starts_with(v.trim_start_matches("sha256:")) {
        return true;
    }
    let normalized = crate::reference::Reference::parse(v).ok().map(|r| r.to_string());
    store.find_image(v, normalized.as_deref()).ok().flatten().is_some_and(|i| i.id == c.image_id)
}

/// The COMMAND column as docker builds it: arguments containing a space
/// are wrapped in single quotes (`sh -c 'exit 3'`).
pub fn display_command(argv: &[String]) -> String {
    let quoted: Vec<String> = argv
        .iter()
        .enumerate()
        .map(|(i, a)| if i > 0 && a.contains(' ') { format!("'{a}'") } else { a.clone() })
        .collect();
    quoted.join(" ")
}

/// docker's STATUS column: "Created", "Up 3 seconds", "Exited (0) 5 seconds ago".
pub fn status(state: &ContainerState, now: DateTime<Utc>) -> String {
    match state.status {
        ContainerStatus::Created => "Created".into(),
        ContainerStatus::Running => {
            let since = state.started_at.unwrap_or(now);
            let up = format!("Up {}", human_duration((now - since).num_milliseconds() as f64 / 1000.0));
            let paused = if state.paused { " (Paused)" } else { "" };
            match state.health.as_ref().map(|h| h.status.as_str()) {
                Some("starting") => format!("{up} (health: starting){paused}"),
                Some(h) => format!("{up} ({h}){paused}"),
                None => format!("{up}{paused}"),
            }
        }
        ContainerStatus::Exited => match state.finished_at {
            Some(t) => format!("Exited ({}) {}", state.exit_code.unwrap_or(0), ago(t, now)),
            None => format!("Exited ({})", state.exit_code.unwrap_or(0)),
        },
    }
}
