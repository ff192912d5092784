//! Prints the normalized model as `docker compose config` does: keys in
//! compose-go's struct order (`types.ServiceConfig` and friends), maps with
//! user-chosen keys (services, environment, labels…) sorted, YAML in
//! go-yaml v3's style (two-space indent, indented sequences, strings
//! quoted only when they would read as another type), or JSON.

use super::model::Project;
use serde_yaml_ng::{Mapping, Value};

/// compose-go's field order for each kind of mapping.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Root,
    /// Keys are names chosen by the user: sorted, values of kind `.0`.
    Named(&'static Ctx),
    Service,
    Build,
    Port,
    Mount,
    MountBind,
    Dep,
    Health,
    Deploy,
    Resources,
    Resource,
    SvcNet,
    Network,
    Ipam,
    Volume,
    FileObj,
    FileRef,
    EnvFile,
    Logging,
    /// Anything else: sorted keys, plain values.
    Plain,
}

const SERVICE_ORDER: &[&str] = &[
    "profiles",
    "annotations",
    "attach",
    "build",
    "develop",
    "blkio_config",
    "cap_add",
    "cap_drop",
    "cgroup_parent",
    "cgroup",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpus",
    "cpuset",
    "cpu_shares",
    "command",
    "configs",
    "container_name",
    "credential_spec",
    "depends_on",
    "deploy",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "dockerfile",
    "domainname",
    "entrypoint",
    "provider",
    "environment",
    "env_file",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "group_add",
    "gpus",
    "hostname",
    "healthcheck",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "label_file",
    "links",
    "logging",
    "log_driver",
    "log_opt",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "mem_swappiness",
    "mac_address",
    "models",
    "net",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "privileged",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volume_driver",
    "volumes",
    "volumes_from",
    "working_dir",
    "post_start",
    "pre_stop",
];

fn order(ctx: Ctx) -> Option<&'static [&'static str]> {
    Some(match ctx {
        Ctx::Root => &["name", "services", "networks", "volumes", "secrets", "configs"],
        Ctx::Service => SERVICE_ORDER,
        Ctx::Build => &[
            "context",
            "dockerfile",
            "dockerfile_inline",
            "entitlements",
            "args",
            "provenance",
            "sbom",
            "ssh",
            "labels",
            "cache_from",
            "cache_to",
            "no_cache",
            "no_cache_filter",
            "additional_contexts",
            "pull",
            "extra_hosts",
            "isolation",
            "network",
            "target",
            "secrets",
            "shm_size",
            "tags",
            "ulimits",
            "platforms",
            "privileged",
        ],
        Ctx::Port => &["name", "mode", "host_ip", "target", "published", "protocol", "app_protocol"],
        Ctx::Mount => &["type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image"],
        Ctx::MountBind => {
            &["selinux", "propagation", "create_host_path", "recursive", "nocopy", "subpath", "size", "mode"]
        }
        Ctx::Dep => &["condition", "restart", "required"],
        Ctx::Health => &["test", "timeout", "interval", "retries", "start_period", "start_interval", "disable"],
        Ctx::Deploy => &[
            "mode",
            "replicas",
            "labels",
            "update_config",
            "rollback_config",
            "resources",
            "restart_policy",
            "placement",
            "endpoint_mode",
        ],
        Ctx::Resources => &["limits", "reservations"],
        Ctx::Resource => {
            &["cpus", "memory", "pids", "devices", "generic_resources", "condition", "delay", "max_attempts", "window"]
        }
        Ctx::SvcNet => &[
            "aliases",
            "driver_opts",
            "gw_priority",
            "interface_name",
            "ipv4_address",
            "ipv6_address",
            "link_local_ips",
            "mac_address",
            "priority",
        ],
        Ctx::Network => &[
            "name",
            "driver",
            "driver_opts",
            "ipam",
            "external",
            "internal",
            "attachable",
            "labels",
            "enable_ipv4",
            "enable_ipv6",
        ],
        Ctx::Ipam => &["driver", "config", "subnet", "gateway", "ip_range", "aux_addresses"],
        Ctx::Volume => &["name", "driver", "driver_opts", "external", "labels"],
        Ctx::FileObj => &[
            "name",
            "file",
            "environment",
            "content",
            "external",
            "labels",
            "driver",
            "driver_opts",
            "template_driver",
        ],
        Ctx::FileRef => &["source", "target", "uid", "gid", "mode"],
        Ctx::EnvFile => &["path", "required", "format"],
        Ctx::Logging => &["driver", "options"],
        Ctx::Named(_) | Ctx::Plain => return None,
    })
}

/// The kind of the value under `key` in a mapping of kind `ctx`.
fn child(ctx: Ctx, key: &str) -> Ctx {
    static SERVICE: Ctx = Ctx::Service;
    static NETWORK: Ctx = Ctx::Network;
    static VOLUME: Ctx = Ctx::Volume;
    static FILEOBJ: Ctx = Ctx::FileObj;
    static DEP: Ctx = Ctx::Dep;
    static SVCNET: Ctx = Ctx::SvcNet;
    match (ctx, key) {
        (Ctx::Root, "services") => Ctx::Named(&SERVICE),
        (Ctx::Root, "networks") => Ctx::Named(&NETWORK),
        (Ctx::Root, "volumes") => Ctx::Named(&VOLUME),
        (Ctx::Root, "secrets" | "configs") => Ctx::Named(&FILEOBJ),
        (Ctx::Named(inner), _) => *inner,
        (Ctx::Service, "build") => Ctx::Build,
        (Ctx::Service, "ports") => Ctx::Port,
        (Ctx::Service, "volumes") => Ctx::Mount,
        (Ctx::Service, "depends_on") => Ctx::Named(&DEP),
        (Ctx::Service, "healthcheck") => Ctx::Health,
        (Ctx::Service, "deploy") => Ctx::Deploy,
        (Ctx::Service, "networks") => Ctx::Named(&SVCNET),
        (Ctx::Service, "secrets" | "configs") => Ctx::FileRef,
        (Ctx::Service, "env_file") => Ctx::EnvFile,
        (Ctx::Service, "logging") => Ctx::Logging,
        (Ctx::Mount, "bind" | "volume" | "tmpfs") => Ctx::MountBind,
        (Ctx::Deploy, "resources") => Ctx::Resources,
        (Ctx::Deploy, "restart_policy") => Ctx::Resource,
        (Ctx::Resources, _) => Ctx::Resource,
        (Ctx::Network, "ipam") => Ctx::Ipam,
        (Ctx::Ipam, "config") => Ctx::Ipam,
        _ => Ctx::Plain,
    }
}

/// `m`'s entries in output order.
fn ordered(ctx: Ctx, m: &Mapping) -> Vec<(String, &Value)> {
    let mut entries: Vec<(String, &Value)> =
        m.iter().map(|(k, v)| (k.as_str().map(String::from).unwrap_or_else(|| scalar(k)), v)).collect();
    match order(ctx) {
        Some(o) => entries.sort_by_key(|(k, _)| (o.iter().position(|x| x == k).unwrap_or(usize::MAX), k.clone())),
        None => entries.sort_by(|a, b| a.0.cmp(&b.0)),
    }
    entries
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The whole project as a YAML mapping in output order.
pub fn project_value(p: &Project) -> Mapping {
    let mut root = Mapping::new();
    root.insert("name".into(), p.name.clone().into());
    let named = |m: &std::collections::BTreeMap<String, Mapping>| {
        Value::Mapping(m.iter().map(|(k, v)| (Value::from(k.clone()), Value::Mapping(v.clone()))).collect())
    };
    root.insert("services".into(), named(&p.services));
    if !p.networks.is_empty() {
        root.insert("networks".into(), named(&p.networks));
    }
    if !p.volumes.is_empty() {
        root.insert("volumes".into(), named(&p.volumes));
    }
    if !p.secrets.is_empty() {
        root.insert("secrets".into(), named(&p.secrets));
    }
    if !p.configs.is_empty() {
        root.insert("configs".into(), named(&p.configs));
    }
    root
}

/// YAML as `docker compose config` prints it.
pub fn to_yaml(p: &Project) -> String {
    let mut out = String::new();
    yaml_map(&mut out, Ctx::Root, &project_value(p), 0);
    out
}

fn yaml_map(out: &mut String, ctx: Ctx, m: &Mapping, indent: usize) {
    for (k, v) in ordered(ctx, m) {
        out.push_str(&" ".repeat(indent));
        out.push_str(&yaml_str(&k));
        out.push(':');
        yaml_after_key(out, child(ctx, &k), v, indent);
    }
}

fn yaml_after_key(out: &mut String, ctx: Ctx, v: &Value, indent: usize) {
    match v {
        Value::Mapping(m) if m.is_empty() => out.push_str(" {}\n"),
        Value::Mapping(m) => {
            out.push('\n');
            yaml_map(out, ctx, m, indent + 2);
        }
        Value::Sequence(s) if s.is_empty() => out.push_str(" []\n"),
        Value::Sequence(s) => {
            out.push('\n');
            yaml_seq(out, ctx, s, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&yaml_scalar(other, indent));
            out.push('\n');
        }
    }
}

fn yaml_seq(out: &mut String, ctx: Ctx, s: &[Value], indent: usize) {
    for item in s {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Value::Mapping(m) if !m.is_empty() => {
                let mut first = true;
                for (k, v) in ordered(ctx, m) {
                    if !first {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    first = false;
                    out.push_str(&yaml_str(&k));
                    out.push(':');
                    yaml_after_key(out, child(ctx, &k), v, indent + 2);
                }
            }
            Value::Mapping(_) => out.push_str("{}\n"),
            Value::Sequence(inner) => {
                out.push('\n');
                yaml_seq(out, ctx, inner, indent + 2);
            }
            other => {
                out.push_str(&yaml_scalar(other, indent));
                out.push('\n');
            }
        }
    }
}

fn yaml_scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.contains('\n') => {
            // go-yaml prints multi-line strings as literal blocks.
            let chomp = if s.ends_with('\n') { "" } else { "-" };
            let body: Vec<String> =
                s.trim_end_matches('\n').split('\n').map(|l| format!("{}{l}", " ".repeat(indent + 2))).collect();
            format!("|{chomp}\n{}", body.join("\n"))
        }
        Value::String(s) => yaml_str(s),
        _ => String::new(),
    }
}

/// A string as go-yaml v3 writes it: plain when it reads back as the same
/// string, else double-quoted.
fn yaml_str(s: &str) -> String {
    if needs_quotes(s) { serde_json::to_string(s).expect("a string serializes") } else { s.to_string() }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    // YAML 1.1 and 1.2 words for booleans and null (go-yaml quotes both).
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ".inf" | "-.inf" | "+.inf" | ".nan"
    ) {
        return true;
    }
    if looks_numeric(s) {
        return true;
    }
    let first = s.chars().next().expect("not empty");
    if "?:,[]{}#&*!|>'\"%@`".contains(first) || s == "-" || s.starts_with("- ") {
        return true;
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    s.chars().any(|c| c.is_control() || c == '\t')
}

fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    if t.parse::<f64>().is_ok()
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
    {
        return true;
    }
    t.starts_with("0x") || t.starts_with("0o") || t.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// JSON as `docker compose config --format json` prints it (two-space indent).
pub fn to_json(p: &Project) -> String {
    let mut out = String::new();
    json_value(&mut out, Ctx::Root, &Value::Mapping(project_value(p)), 0);
    out.push('\n');
    out
}

fn json_value(out: &mut String, ctx: Ctx, v: &Value, indent: usize) {
    match v {
        Value::Mapping(m) if m.is_empty() => out.push_str("{}"),
        Value::Mapping(m) => {
            out.push_str("{\n");
            let entries = ordered(ctx, m);
            for (i, (k, v)) in entries.iter().enumerate() {
                out.push_str(&" ".repeat(indent + 2));
                out.push_str(&serde_json::to_string(k).expect("a string serializes"));
                out.push_str(": ");
                json_value(out, child(ctx, k), v, indent + 2);
                if i + 1 < entries.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        Value::Sequence(s) if s.is_empty() => out.push_str("[]"),
        Value::Sequence(s) => {
            out.push_str("[\n");
            for (i, item) in s.iter().enumerate() {
                out.push_str(&" ".repeat(indent + 2));
                json_value(out, ctx, item, indent + 2);
                if i + 1 < s.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&serde_json::to_string(s).expect("a string serializes")),
        Value::Tagged(_) => out.push_str("null"),
    }
}

/// The canonical JSON of one service (sorted keys), for the config hash.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    json_value(&mut out, Ctx::Plain, v, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_like_go_yaml() {
        assert_eq!(yaml_str("9000"), "\"9000\"");
        assert_eq!(yaml_str("true"), "\"true\"");
        assert_eq!(yaml_str("busybox:1.36"), "busybox:1.36");
        assert_eq!(yaml_str("1.5"), "\"1.5\"");
        assert_eq!(yaml_str(""), "\"\"");
        assert_eq!(yaml_str("-c"), "-c");
        assert_eq!(yaml_str("a: b"), "\"a: b\"");
        assert_eq!(yaml_str("/srv/www"), "/srv/www");
        assert_eq!(yaml_str("*"), "\"*\"");
    }
}
