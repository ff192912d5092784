//! docker's view of a container's networking, for `inspect`
//! (`NetworkSettings`), `ps` (the PORTS and NETWORKS columns), pods and
//! kube: read from the network module's endpoint record.

use crate::network::{Endpoint, Mode, endpoint, ports};
use crate::store::Store;
use serde::Serialize;
use std::collections::BTreeMap;

/// docker's `NetworkSettings` of `inspect` for a container: `Ports`
/// (`{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "9000"}]}`, null for an
/// exposed but unpublished port), the first network's address fields and
/// `Networks` by name.
pub fn settings_json(store: &Store, id: &str) -> serde_json::Value {
    use serde_json::json;
    let Some(ep) = endpoint(store, id) else { return json!({"Ports": {}}) };
    let first = ep.attachments.first();
    json!({
        "Ports": port_map(&ep),
        "IPAddress": first.and_then(|a| a.ip).map(|i| i.to_string()).unwrap_or_default(),
        "IPPrefixLen": first.map_or(0, |a| a.prefix),
        "Gateway": first.and_then(|a| a.gateway).map(|g| g.to_string()).unwrap_or_default(),
        "MacAddress": first.and_then(|a| a.mac.clone()).unwrap_or_default(),
        "Networks": networks(&ep),
    })
}

/// The host side of a published port in docker's `NetworkSettings.Ports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostBinding {
    /// The host address (`0.0.0.0`: every address).
    #[serde(rename = "HostIp")]
    pub host_ip: String,
    /// The host port, as a string (docker's shape).
    #[serde(rename = "HostPort")]
    pub host_port: String,
}

/// One network of a container in docker's `NetworkSettings.Networks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkEntry {
    /// `--network-alias` names (absent for `host` and `none`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
    /// The leased address, empty when none.
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    /// Its prefix length (0 when none).
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: u8,
    /// The gateway, empty when none.
    pub gateway: String,
    /// The interface's MAC address, empty when unknown.
    pub mac_address: String,
}

/// docker's `NetworkSettings.Ports` of endpoint `ep`: `"80/tcp"` → `None`
/// (exposed or asked for, not published now) or its host bindings.
pub fn port_map(ep: &Endpoint) -> BTreeMap<String, Option<Vec<HostBinding>>> {
    let mut ports: BTreeMap<String, Option<Vec<HostBinding>>> = BTreeMap::new();
    for e in &ep.exposed {
        ports.entry(e.clone()).or_default();
    }
    for m in &ep.ports {
        ports.entry(format!("{}/{}", m.container_port, m.proto)).or_default();
    }
    for m in &ep.published {
        let bindings = ports.entry(format!("{}/{}", m.container_port, m.proto)).or_default();
        bindings
            .get_or_insert_with(Vec::new)
            .push(HostBinding { host_ip: m.host_ip.to_string(), host_port: m.host_port.to_string() });
    }
    ports
}

/// docker's `NetworkSettings.Networks` of endpoint `ep`, by network name
/// (`host` or `none` for those modes).
pub fn networks(ep: &Endpoint) -> BTreeMap<String, NetworkEntry> {
    let mut networks: BTreeMap<String, NetworkEntry> = ep
        .attachments
        .iter()
        .map(|a| {
            let entry = NetworkEntry {
                aliases: Some(a.aliases.clone()),
                ip_address: a.ip.map(|i| i.to_string()).unwrap_or_default(),
                ip_prefix_len: a.prefix,
                gateway: a.gateway.map(|g| g.to_string()).unwrap_or_default(),
                mac_address: a.mac.clone().unwrap_or_default(),
            };
            (a.network.clone(), entry)
        })
        .collect();
    if let Mode::Host | Mode::None = &ep.mode {
        let name = if ep.mode == Mode::Host { "host" } else { "none" };
        let entry = NetworkEntry {
            aliases: None,
            ip_address: String::new(),
            ip_prefix_len: 0,
            gateway: String::new(),
            mac_address: String::new(),
        };
        networks.insert(name.into(), entry);
    }
    networks
}

/// The ps PORTS column of a container: its published ports while it runs.
pub fn ports_column(store: &Store, id: &str) -> String {
    endpoint(store, id).map(|ep| ports::ps_column(&ep.published)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_and_networks_in_dockers_shapes() {
        let ep: Endpoint = serde_json::from_value(json!({
            "mode": "bridge", "name": "web", "hostname": "web",
            "attachments": [{"network": "front", "aliases": ["www"], "ip": "10.88.0.5", "prefix": 16,
                             "gateway": "10.88.0.1", "mac": "02:42:0a:58:00:05"}],
            "ports": [{"host_ip": "0.0.0.0", "host_port": 0, "container_port": 53, "proto": "udp"}],
            "published": [
                {"host_ip": "0.0.0.0", "host_port": 9000, "container_port": 80, "proto": "tcp"},
                {"host_ip": "127.0.0.1", "host_port": 9001, "container_port": 80, "proto": "tcp"}],
            "exposed": ["80/tcp", "443/tcp"],
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(port_map(&ep)).unwrap(),
            json!({
                "443/tcp": null,
                "53/udp": null,
                "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "9000"}, {"HostIp": "127.0.0.1", "HostPort": "9001"}],
            })
        );
        assert_eq!(
            serde_json::to_value(networks(&ep)).unwrap(),
            json!({"front": {"Aliases": ["www"], "IPAddress": "10.88.0.5", "IPPrefixLen": 16,
                             "Gateway": "10.88.0.1", "MacAddress": "02:42:0a:58:00:05"}})
        );
        let none: Endpoint = serde_json::from_value(json!({"mode": "none", "name": "n", "hostname": "n"})).unwrap();
        assert_eq!(serde_json::to_value(port_map(&none)).unwrap(), json!({}));
        assert_eq!(
            serde_json::to_value(networks(&none)).unwrap(),
            json!({"none": {"IPAddress": "", "IPPrefixLen": 0, "Gateway": "", "MacAddress": ""}})
        );
    }
}
