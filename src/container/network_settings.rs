//! docker's view of a container's networking, for `inspect`
//! (`NetworkSettings`), `ps` (the PORTS and NETWORKS columns), pods and
//! kube: read from the network module's endpoint record.

use crate::network::{Mode, endpoint, ports};
use crate::store::Store;

/// The ps PORTS column of a container: its published ports while it runs.
pub fn ports_column(store: &Store, id: &str) -> String {
    endpoint(store, id).map(|ep| ports::ps_column(&ep.published)).unwrap_or_default()
}

/// docker's `NetworkSettings` of `inspect` for a container: `Ports`
/// (`{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "9000"}]}`, null for an
/// exposed but unpublished port), the first network's address fields and
/// `Networks` by name.
pub fn settings_json(store: &Store, id: &str) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let Some(ep) = endpoint(store, id) else { return json!({"Ports": {}}) };
    let mut ports = Map::new();
    for e in &ep.exposed {
        ports.entry(e.clone()).or_insert(Value::Null);
    }
    for m in &ep.ports {
        ports.entry(format!("{}/{}", m.container_port, m.proto)).or_insert(Value::Null);
    }
    for m in &ep.published {
        let e = ports.entry(format!("{}/{}", m.container_port, m.proto)).or_insert(Value::Null);
        if !e.is_array() {
            *e = json!([]);
        }
        e.as_array_mut()
            .expect("array")
            .push(json!({"HostIp": m.host_ip.to_string(), "HostPort": m.host_port.to_string()}));
    }
    let mut networks = Map::new();
    for a in &ep.attachments {
        networks.insert(
            a.network.clone(),
            json!({
                "Aliases": a.aliases,
                "IPAddress": a.ip.map(|i| i.to_string()).unwrap_or_default(),
                "IPPrefixLen": a.prefix,
                "Gateway": a.gateway.map(|g| g.to_string()).unwrap_or_default(),
                "MacAddress": a.mac.clone().unwrap_or_default(),
            }),
        );
    }
    match &ep.mode {
        Mode::Host | Mode::None => {
            let name = if ep.mode == Mode::Host { "host" } else { "none" };
            networks.insert(name.into(), json!({"IPAddress": "", "Gateway": "", "IPPrefixLen": 0, "MacAddress": ""}));
        }
        _ => {}
    }
    let first = ep.attachments.first();
    json!({
        "Ports": ports,
        "IPAddress": first.and_then(|a| a.ip).map(|i| i.to_string()).unwrap_or_default(),
        "IPPrefixLen": first.map_or(0, |a| a.prefix),
        "Gateway": first.and_then(|a| a.gateway).map(|g| g.to_string()).unwrap_or_default(),
        "MacAddress": first.and_then(|a| a.mac.clone()).unwrap_or_default(),
        "Networks": networks,
    })
}
