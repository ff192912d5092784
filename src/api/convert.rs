//! `POST /containers/create`'s body (docker's `Config` with `HostConfig`
//! and `NetworkingConfig`) → the [`RunOptions`] that `rcon run`/`create`
//! build from their flags. Values become the strings the flags would hold,
//! so the engine parses and checks them exactly as it does for the CLI.

use crate::container::{HealthFlags, PullPolicy, RunOptions};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A string or a list of strings (docker accepts both for `Cmd`,
/// `Entrypoint`, `Healthcheck.Test`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StrOrList {
    /// One string.
    One(String),
    /// A list.
    List(Vec<String>),
}

impl StrOrList {
    fn into_vec(self) -> Vec<String> {
        match self {
            StrOrList::One(s) => vec![s],
            StrOrList::List(l) => l,
        }
    }
}

/// docker's `Config` + `HostConfig` + `NetworkingConfig` (the fields rcon
/// acts on; others are accepted and ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateBody {
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    pub user: Option<String>,
    pub tty: bool,
    pub open_stdin: bool,
    pub env: Option<Vec<String>>,
    pub cmd: Option<StrOrList>,
    pub entrypoint: Option<StrOrList>,
    pub healthcheck: Option<HealthConfig>,
    pub image: String,
    pub working_dir: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<i64>,
    pub exposed_ports: Option<BTreeMap<String, Value>>,
    pub volumes: Option<BTreeMap<String, Value>>,
    pub network_disabled: bool,
    pub host_config: Option<HostConfig>,
    pub networking_config: Option<NetworkingConfig>,
}

/// docker's `Healthcheck` (durations in nanoseconds).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthConfig {
    pub test: Option<StrOrList>,
    pub interval: i64,
    pub timeout: i64,
    pub retries: i64,
    pub start_period: i64,
}

/// docker's `HostConfig` (the fields `run`'s flags cover).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostConfig {
    pub binds: Option<Vec<String>>,
    pub network_mode: Option<String>,
    pub port_bindings: Option<BTreeMap<String, Option<Vec<PortBinding>>>>,
    pub restart_policy: Option<RestartPolicy>,
    pub auto_remove: bool,
    pub volumes_from: Option<Vec<String>>,
    pub mounts: Option<Vec<Mount>>,
    pub cap_add: Option<Vec<String>>,
    pub cap_drop: Option<Vec<String>>,
    pub dns: Option<Vec<String>>,
    pub dns_options: Option<Vec<String>>,
    pub dns_search: Option<Vec<String>>,
    pub extra_hosts: Option<Vec<String>>,
    pub group_add: Option<Vec<String>>,
    pub ipc_mode: Option<String>,
    pub pid_mode: Option<String>,
    #[serde(rename = "UTSMode")]
    pub uts_mode: Option<String>,
    pub privileged: bool,
    pub publish_all_ports: bool,
    pub readonly_rootfs: bool,
    pub userns_mode: Option<String>,
    pub security_opt: Option<Vec<String>>,
    pub tmpfs: Option<BTreeMap<String, String>>,
    pub shm_size: Option<i64>,
    pub sysctls: Option<BTreeMap<String, String>>,
    pub init: Option<bool>,
    pub memory: Option<i64>,
    pub memory_swap: Option<i64>,
    pub memory_reservation: Option<i64>,
    pub nano_cpus: Option<i64>,
    pub cpu_shares: Option<i64>,
    pub cpuset_cpus: Option<String>,
    pub pids_limit: Option<i64>,
    pub ulimits: Option<Vec<Ulimit>>,
    pub devices: Option<Vec<Device>>,
    pub log_config: Option<LogConfig>,
}

/// One host binding of a container port.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortBinding {
    pub host_ip: Option<String>,
    pub host_port: Option<String>,
}

/// `RestartPolicy`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    pub name: Option<String>,
    pub maximum_retry_count: i64,
}

/// One `Mounts` entry (`--mount`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Mount {
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub source: Option<String>,
    pub target: Option<String>,
    pub read_only: bool,
}

/// One `Ulimits` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ulimit {
    pub name: String,
    pub soft: i64,
    pub hard: i64,
}

/// One `Devices` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Device {
    pub path_on_host: String,
    pub path_in_container: Option<String>,
    pub cgroup_permissions: Option<String>,
}

/// `LogConfig`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogConfig {
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub config: Option<BTreeMap<String, String>>,
}

/// `NetworkingConfig`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkingConfig {
    pub endpoints_config: Option<BTreeMap<String, Option<EndpointConfig>>>,
}

/// One network's endpoint settings.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointConfig {
    pub aliases: Option<Vec<String>>,
    #[serde(rename = "IPAMConfig")]
    pub ipam_config: Option<IpamConfig>,
}

/// An endpoint's fixed address.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpamConfig {
    #[serde(rename = "IPv4Address")]
    pub ipv4_address: Option<String>,
}

/// Nanoseconds as a Go duration the engine parses (`1500ms`); 0 is unset.
fn duration(ns: i64) -> Option<String> {
    (ns > 0).then(|| if ns % 1_000_000 == 0 { format!("{}ms", ns / 1_000_000) } else { format!("{}us", ns / 1000) })
}

/// Turns a create body into `run`'s options for container `name`. The
/// image is never pulled here (docker answers 404 and the client pulls).
/// Errors: values that no flag could hold (the message names the field).
pub fn run_options(body: CreateBody, name: Option<String>) -> anyhow::Result<RunOptions> {
    let hc = body.host_config.unwrap_or_default();
    // Entrypoint: its first word replaces the image's (as --entrypoint);
    // the rest goes before Cmd. An empty list clears it.
    let (entrypoint, mut command) = match body.entrypoint.map(StrOrList::into_vec) {
        None => (None, Vec::new()),
        Some(e) if e.is_empty() => (Some(String::new()), Vec::new()),
        Some(e) => (Some(e[0].clone()), e[1..].to_vec()),
    };
    let cmd = body.cmd.map(StrOrList::into_vec).unwrap_or_default();
    command.extend(cmd);
    let health = match body.healthcheck {
        None => HealthFlags::default(),
        Some(h) => {
            let test = h.test.map(StrOrList::into_vec).unwrap_or_default();
            let (cmd, disabled) = match test.first().map(String::as_str) {
                Some("NONE") => (None, true),
                Some("CMD-SHELL") => (test.get(1).cloned(), false),
                Some("CMD") => (Some(shell_join(&test[1..])), false),
                _ => (None, false),
            };
            HealthFlags {
                cmd,
                interval: duration(h.interval),
                timeout: duration(h.timeout),
                retries: (h.retries > 0).then_some(h.retries as u32),
                start_period: duration(h.start_period),
                disabled,
                ..Default::default()
            }
        }
    };
    let restart = hc.restart_policy.as_ref().map_or_else(|| "no".to_string(), restart_flag);
    let limits = resources(&hc);
    let mut publish = Vec::new();
    for (port, bindings) in hc.port_bindings.unwrap_or_default() {
        let bindings = bindings.unwrap_or_default();
        if bindings.is_empty() {
            publish.push(port.clone());
        }
        for b in bindings {
            let ip = b.host_ip.unwrap_or_default();
            let host = b.host_port.unwrap_or_default();
            publish.push(match (ip.is_empty(), host.is_empty()) {
                (true, true) => port.clone(),
                (true, false) => format!("{host}:{port}"),
                (false, _) => format!("{ip}:{host}:{port}"),
            });
        }
    }
    let network = primary_network(body.network_disabled, hc.network_mode.as_deref(), &body.networking_config);
    let endpoints = body.networking_config.and_then(|n| n.endpoints_config).unwrap_or_default();
    let endpoint = network.as_ref().and_then(|n| endpoints.get(n)).and_then(|e| e.as_ref());
    let aliases = endpoint.and_then(|e| e.aliases.clone()).unwrap_or_default();
    let ip =
        endpoint.and_then(|e| e.ipam_config.as_ref()).and_then(|i| i.ipv4_address.clone()).filter(|s| !s.is_empty());
    let mounts = hc
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let mut parts = vec![format!("type={}", m.kind.unwrap_or_else(|| "volume".into()))];
            if let Some(s) = m.source.filter(|s| !s.is_empty()) {
                parts.push(format!("source={s}"));
            }
            parts.push(format!("target={}", m.target.unwrap_or_default()));
            if m.read_only {
                parts.push("readonly".into());
            }
            parts.join(",")
        })
        .collect();
    let pos = |v: Option<i64>| v.filter(|n| *n > 0).map(|n| n.to_string());
    let runtime = crate::container::spec::RuntimeFlags {
        cap_add: hc.cap_add.unwrap_or_default(),
        cap_drop: hc.cap_drop.unwrap_or_default(),
        privileged: hc.privileged,
        security_opt: hc.security_opt.unwrap_or_default(),
        read_only: hc.readonly_rootfs,
        tmpfs: hc
            .tmpfs
            .unwrap_or_default()
            .into_iter()
            .map(|(p, o)| if o.is_empty() { p } else { format!("{p}:{o}") })
            .collect(),
        resources: limits,
        ulimits: hc
            .ulimits
            .unwrap_or_default()
            .into_iter()
            .map(|u| format!("{}={}:{}", u.name, u.soft, u.hard))
            .collect(),
        group_add: hc.group_add.unwrap_or_default(),
        interactive: body.open_stdin,
        tty: body.tty,
        sig_proxy: Some(false),
        init: hc.init.unwrap_or(false),
        domainname: body.domainname.filter(|s| !s.is_empty()),
        sysctls: hc.sysctls.unwrap_or_default().into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
        pid: hc.pid_mode.filter(|s| !s.is_empty()),
        ipc: hc.ipc_mode.filter(|s| !s.is_empty() && s != "private" && s != "shareable"),
        uts: hc.uts_mode.filter(|s| !s.is_empty()),
        shm_size: pos(hc.shm_size),
        devices: hc
            .devices
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                let inside = d.path_in_container.filter(|p| !p.is_empty()).unwrap_or_else(|| d.path_on_host.clone());
                match d.cgroup_permissions.filter(|p| !p.is_empty()) {
                    Some(p) => format!("{}:{inside}:{p}", d.path_on_host),
                    None => format!("{}:{inside}", d.path_on_host),
                }
            })
            .collect(),
        userns: crate::container::userns::UsernsFlags {
            mode: hc.userns_mode.filter(|m| !m.is_empty()),
            ..Default::default()
        },
    };
    Ok(RunOptions {
        image: body.image,
        command,
        name,
        env: body.env.unwrap_or_default(),
        env_files: Vec::new(),
        workdir: body.working_dir.filter(|s| !s.is_empty()),
        user: body.user.filter(|s| !s.is_empty()),
        entrypoint,
        hostname: body.hostname.filter(|s| !s.is_empty()),
        auto_remove: hc.auto_remove,
        pull: PullPolicy::Never,
        pull_options: crate::registry::PullOptions { quiet: true, ..Default::default() },
        restart,
        log_opts: hc
            .log_config
            .and_then(|l| l.config)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        health,
        stop_signal: body.stop_signal.filter(|s| !s.is_empty()),
        stop_timeout: body.stop_timeout.filter(|t| *t >= 0).map(|t| t as u64),
        labels: body.labels.unwrap_or_default().into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
        network: crate::network::NetworkOptions {
            network,
            aliases,
            publish,
            publish_all: hc.publish_all_ports,
            expose: body.exposed_ports.unwrap_or_default().into_keys().collect(),
            ip,
            add_hosts: hc.extra_hosts.unwrap_or_default(),
            dns: hc.dns.unwrap_or_default(),
            dns_search: hc.dns_search.unwrap_or_default(),
            dns_options: hc.dns_options.unwrap_or_default(),
        },
        runtime,
        mounts: crate::volume::MountFlags {
            volumes: hc.binds.unwrap_or_default(),
            mounts,
            volumes_from: hc.volumes_from.unwrap_or_default(),
        },
        ..Default::default()
    })
}

/// The network a create body asks for first: `NetworkMode` (unless
/// `default`), `none` when `NetworkDisabled`, else the first endpoint of
/// `NetworkingConfig.EndpointsConfig`; `None` is the engine's default.
fn primary_network(disabled: bool, mode: Option<&str>, networking: &Option<NetworkingConfig>) -> Option<String> {
    if disabled {
        return Some("none".into());
    }
    mode.filter(|m| !m.is_empty() && *m != "default").map(String::from).or_else(|| {
        networking.as_ref().and_then(|n| n.endpoints_config.as_ref()).and_then(|e| e.keys().next().cloned())
    })
}

/// One more network a container is connected to right after its create.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraEndpoint {
    /// The network's name or ID.
    pub network: String,
    /// `Aliases` on it.
    pub aliases: Vec<String>,
    /// `IPAMConfig.IPv4Address`, unparsed (the engine checks it).
    pub ip: Option<String>,
}

/// The endpoints of `NetworkingConfig.EndpointsConfig` beyond the one
/// [`run_options`] creates the container on (API 1.44+ clients name
/// several; docker connects them all at create). Empty for `host`,
/// `none` and `container:` modes, where docker refuses more networks.
pub fn extra_endpoints(body: &CreateBody) -> Vec<ExtraEndpoint> {
    let mode = body.host_config.as_ref().and_then(|h| h.network_mode.as_deref());
    let primary = primary_network(body.network_disabled, mode, &body.networking_config);
    if matches!(primary.as_deref(), Some("host" | "none"))
        || primary.as_deref().is_some_and(|p| p.starts_with("container:"))
    {
        return Vec::new();
    }
    let Some(endpoints) = body.networking_config.as_ref().and_then(|n| n.endpoints_config.as_ref()) else {
        return Vec::new();
    };
    endpoints
        .iter()
        .filter(|(name, _)| Some(name.as_str()) != primary.as_deref())
        .map(|(name, e)| ExtraEndpoint {
            network: name.clone(),
            aliases: e.as_ref().and_then(|e| e.aliases.clone()).unwrap_or_default(),
            ip: e
                .as_ref()
                .and_then(|e| e.ipam_config.as_ref())
                .and_then(|i| i.ipv4_address.clone())
                .filter(|s| !s.is_empty()),
        })
        .collect()
}

/// Joins `CMD` words into one shell command (each word single-quoted when
/// it holds anything but safe characters).
fn shell_join(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@".contains(c)) {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `--restart`'s value for a `RestartPolicy` (`no` when it names none).
pub fn restart_flag(p: &RestartPolicy) -> String {
    match p {
        RestartPolicy { name: Some(n), maximum_retry_count } if n == "on-failure" && *maximum_retry_count > 0 => {
            format!("on-failure:{maximum_retry_count}")
        }
        RestartPolicy { name: Some(n), .. } if !n.is_empty() => n.clone(),
        _ => "no".to_string(),
    }
}

/// The resource flags of a `HostConfig` (or an update body, which has the
/// same fields): `Memory`, `MemorySwap`, `MemoryReservation`, `NanoCpus`,
/// `CpuShares`, `CpusetCpus`, `PidsLimit`; zero or empty is unset.
pub fn resources(hc: &HostConfig) -> crate::container::spec::Resources {
    let pos = |n: Option<i64>| n.filter(|n| *n > 0).map(|n| n.to_string());
    crate::container::spec::Resources {
        memory: pos(hc.memory),
        memory_swap: hc.memory_swap.filter(|n| *n != 0).map(|n| n.to_string()),
        memory_reservation: pos(hc.memory_reservation),
        cpus: hc.nano_cpus.filter(|n| *n > 0).map(|n| format!("{}", n as f64 / 1e9)),
        cpu_shares: hc.cpu_shares.filter(|n| *n > 0).map(|n| n as u64),
        cpuset_cpus: hc.cpuset_cpus.clone().filter(|s| !s.is_empty()),
        pids_limit: hc.pids_limit.filter(|n| *n != 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposed_ports_userns_mode_and_extra_endpoints() {
        let body: CreateBody = serde_json::from_value(serde_json::json!({
            "Image": "busybox", "ExposedPorts": {"7000/tcp": {}, "53/udp": {}},
            "HostConfig": {"PublishAllPorts": true, "UsernsMode": "auto", "NetworkMode": "front"},
            "NetworkingConfig": {"EndpointsConfig": {
                "front": {"Aliases": ["web"]},
                "back": {"Aliases": ["api"], "IPAMConfig": {"IPv4Address": "10.99.7.9"}},
                "logs": null}}
        }))
        .unwrap();
        let extra = extra_endpoints(&body);
        assert_eq!(
            extra,
            [
                ExtraEndpoint { network: "back".into(), aliases: vec!["api".into()], ip: Some("10.99.7.9".into()) },
                ExtraEndpoint { network: "logs".into(), aliases: vec![], ip: None },
            ]
        );
        let o = run_options(body, None).unwrap();
        assert_eq!(o.network.network.as_deref(), Some("front"));
        assert_eq!(o.network.aliases, ["web"]);
        assert_eq!(o.network.expose, ["53/udp", "7000/tcp"]);
        assert!(o.network.publish_all);
        assert_eq!(o.runtime.userns.mode.as_deref(), Some("auto"));
        // No more networks beside host mode (docker refuses them there).
        let host: CreateBody = serde_json::from_value(serde_json::json!({
            "Image": "busybox", "HostConfig": {"NetworkMode": "host"},
            "NetworkingConfig": {"EndpointsConfig": {"back": {}}}
        }))
        .unwrap();
        assert!(extra_endpoints(&host).is_empty());
    }

    #[test]
    fn a_docker_cli_body_becomes_run_options() {
        let body: CreateBody = serde_json::from_value(serde_json::json!({
            "Image": "busybox", "Cmd": ["sh", "-c", "echo hi"], "Env": ["A=1"], "Tty": false,
            "Labels": {"k": "v"}, "Entrypoint": null,
            "HostConfig": {"Binds": ["data:/data"], "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
                "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}, "AutoRemove": true,
                "NetworkMode": "default", "Memory": 0, "NanoCpus": 1500000000},
            "NetworkingConfig": {"EndpointsConfig": {}}
        }))
        .unwrap();
        let o = run_options(body, Some("web".into())).unwrap();
        assert_eq!(o.command, ["sh", "-c", "echo hi"]);
        assert_eq!(o.entrypoint, None);
        assert_eq!(o.network.publish, ["8080:80/tcp"]);
        assert_eq!(o.network.network, None);
        assert_eq!(o.restart, "on-failure:3");
        assert!(o.auto_remove);
        assert_eq!(o.mounts.volumes, ["data:/data"]);
        assert_eq!(o.labels, ["k=v"]);
        assert_eq!(o.runtime.resources.memory, None);
        assert_eq!(o.runtime.resources.cpus.as_deref(), Some("1.5"));
        assert_eq!(o.pull, PullPolicy::Never);
    }

    #[test]
    fn entrypoint_lists_and_strings() {
        let body: CreateBody =
            serde_json::from_value(serde_json::json!({"Image": "x", "Entrypoint": ["a", "b"], "Cmd": "c"})).unwrap();
        let o = run_options(body, None).unwrap();
        assert_eq!(o.entrypoint.as_deref(), Some("a"));
        assert_eq!(o.command, ["b", "c"]);
        let body: CreateBody = serde_json::from_value(serde_json::json!({"Image": "x", "Entrypoint": []})).unwrap();
        assert_eq!(run_options(body, None).unwrap().entrypoint.as_deref(), Some(""));
    }

    #[test]
    fn wrong_types_are_refused() {
        assert!(serde_json::from_value::<CreateBody>(serde_json::json!({"Image": 3})).is_err());
        assert!(serde_json::from_value::<CreateBody>(serde_json::json!({"HostConfig": {"Binds": "x"}})).is_err());
    }
}
