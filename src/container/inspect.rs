//! `rcon inspect`: containers as JSON objects with docker's key
//! names, so `--format '{{.State.Status}}'` and scripts written for
//! `docker inspect` work unchanged.

use super::lifecycle::RestartPolicy;
use crate::store::{ContainerRecord, ContainerState, ContainerStatus, Store};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "0001-01-01T00:00:00Z".to_string(), |t| t.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

/// docker's `State.Status` word: created, running, paused, exited.
pub fn status_word(state: &ContainerState) -> &'static str {
    match state.status {
        ContainerStatus::Created => "created",
        ContainerStatus::Running if state.paused => "paused",
        ContainerStatus::Running => "running",
        ContainerStatus::Exited => "exited",
    }
}

/// A container as `docker inspect` shows it.
pub fn container_json(store: &Store, record: &ContainerRecord, state: &ContainerState) -> Value {
    let dir = store.container_dir(&record.id);
    let spec: Option<oci_spec::runtime::Spec> = serde_json::from_value(record.spec.clone()).ok();
    let process = spec.as_ref().and_then(|s| s.process().clone());
    let env = process.as_ref().and_then(|p| p.env().clone()).unwrap_or_default();
    let cwd = process.as_ref().map(|p| p.cwd().display().to_string()).unwrap_or_default();
    let hostname = spec.as_ref().and_then(|s| s.hostname().clone()).unwrap_or_default();
    let restart = RestartPolicy::parse(&record.restart).unwrap_or(RestartPolicy::No);
    let (restart_name, max_retries) = match restart {
        RestartPolicy::OnFailure(n) => ("on-failure".to_string(), n),
        other => (other.to_string(), 0),
    };
    let health = state.health.as_ref().map(|h| {
        json!({
            "Status": h.status,
            "FailingStreak": h.failing_streak,
            "Log": h.log.iter().map(|p| json!({
                "Start": time(Some(p.start)), "End": time(Some(p.end)), "ExitCode": p.exit_code, "Output": p.output,
            })).collect::<Vec<_>>(),
        })
    });
    let log_config: serde_json::Map<String, Value> = record
        .log_opts
        .iter()
        .flat_map(|o| o.split(','))
        .filter_map(|o| o.split_once('='))
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut state_json = json!({
        "Status": status_word(state),
        "Running": state.status == ContainerStatus::Running,
        "Paused": state.paused,
        "Restarting": false,
        "OOMKilled": state.oom_killed,
        "Dead": false,
        "Pid": state.pid.unwrap_or(0),
        "ExitCode": state.exit_code.unwrap_or(0),
        "Error": state.error.clone().unwrap_or_default(),
        "StartedAt": time(state.started_at),
        "FinishedAt": time(state.finished_at),
    });
    if let Some(h) = health {
        state_json["Health"] = h;
    }
    let network_settings = network_settings(crate::container::network_settings::settings_json(store, &record.id));
    let exposed: serde_json::Map<String, Value> = network_settings["Ports"]
        .as_object()
        .map(|p| p.keys().map(|k| (k.clone(), json!({}))).collect())
        .unwrap_or_default();
    let volumes: serde_json::Map<String, Value> =
        record.mounts.iter().filter(|m| m.anonymous).map(|m| (m.destination.clone(), json!({}))).collect();
    let (entrypoint, cmd) = split_command(store, record);
    let binds: Vec<String> = record
        .mounts
        .iter()
        .filter(|m| m.kind != crate::volume::MountKind::Tmpfs && !m.anonymous)
        .map(|m| {
            let src = if m.kind == crate::volume::MountKind::Volume {
                m.name.clone()
            } else {
                m.source.display().to_string()
            };
            if m.rw { format!("{src}:{}", m.destination) } else { format!("{src}:{}:ro", m.destination) }
        })
        .collect();
    let mut config = json!({
        "Hostname": hostname,
        "Domainname": spec.as_ref().and_then(|s| s.domainname().clone()).unwrap_or_default(),
        "User": record.user.clone().unwrap_or_default(),
        "AttachStdin": false,
        "AttachStdout": false,
        "AttachStderr": false,
        "Tty": process.as_ref().and_then(|p| p.terminal()).unwrap_or(false),
        "OpenStdin": spec.as_ref().is_some_and(super::spec::stdin_open),
        "StdinOnce": false,
        "Env": config_env(&env, &hostname),
        "Cmd": cmd,
        "Image": record.image,
        "Volumes": if volumes.is_empty() { Value::Null } else { Value::Object(volumes) },
        "WorkingDir": cwd,
        "Entrypoint": entrypoint,
        "OnBuild": Value::Null,
        "Labels": record.labels,
    });
    if !exposed.is_empty() {
        config["ExposedPorts"] = Value::Object(exposed);
    }
    if let Some(h) = &record.healthcheck {
        config["Healthcheck"] = json!(h);
        // podman's field.
        config["HealthcheckOnFailureAction"] = json!(record.health_on_failure.to_string());
    }
    if let Some(s) = &record.stop_signal {
        config["StopSignal"] = json!(s);
    }
    if let Some(t) = record.stop_timeout {
        config["StopTimeout"] = json!(t);
    }
    let host_config = json!({
        "Binds": if binds.is_empty() { Value::Null } else { json!(binds) },
        "ContainerIDFile": "",
        "LogConfig": {"Type": "k8s-file", "Config": log_config},
        "NetworkMode": "default",
        "PortBindings": {},
        "RestartPolicy": {"Name": restart_name, "MaximumRetryCount": max_retries},
        "AutoRemove": record.auto_remove,
        "VolumeDriver": "",
        "VolumesFrom": Value::Null,
        "CapAdd": Value::Null,
        "CapDrop": Value::Null,
        "CgroupnsMode": "private",
        "Dns": [],
        "DnsOptions": [],
        "DnsSearch": [],
        "ExtraHosts": Value::Null,
        "GroupAdd": Value::Null,
        "IpcMode": "private",
        "Cgroup": "",
        "Links": Value::Null,
        "OomScoreAdj": 0,
        "PidMode": "",
        "Privileged": false,
        "PublishAllPorts": false,
        "ReadonlyRootfs": spec.as_ref().and_then(|s| s.root().as_ref()).and_then(|r| r.readonly()).unwrap_or(false),
        "SecurityOpt": Value::Null,
        "UTSMode": "",
        "UsernsMode": "",
        "ShmSize": 67108864,
        "Runtime": "runc",
        "ConsoleSize": [0, 0],
        "Isolation": "",
    });
    // The limits the stored spec has (run's flags, then update's).
    let limits = spec.as_ref().and_then(|s| s.linux().as_ref()).and_then(|l| l.resources().clone()).unwrap_or_default();
    let mem = limits.memory().unwrap_or_default();
    let cpu = limits.cpu().clone().unwrap_or_default();
    let nano_cpus = match (cpu.quota(), cpu.period()) {
        (Some(q), Some(p)) if q > 0 && p > 0 => q as i128 * 1_000_000_000 / p as i128,
        _ => 0,
    };
    let resources = json!({
        "CpuShares": cpu.shares().unwrap_or(0),
        "Memory": mem.limit().unwrap_or(0),
        "NanoCpus": nano_cpus as i64,
        "CgroupParent": "",
        "BlkioWeight": 0,
        "BlkioWeightDevice": [],
        "BlkioDeviceReadBps": Value::Null,
        "BlkioDeviceWriteBps": Value::Null,
        "BlkioDeviceReadIOps": Value::Null,
        "BlkioDeviceWriteIOps": Value::Null,
        "CpuPeriod": 0,
        "CpuQuota": 0,
        "CpuRealtimePeriod": 0,
        "CpuRealtimeRuntime": 0,
        "CpusetCpus": cpu.cpus().clone().unwrap_or_default(),
        "CpusetMems": "",
        "Devices": [],
        "DeviceCgroupRules": Value::Null,
        "DeviceRequests": Value::Null,
        "KernelMemory": 0,
        "KernelMemoryTCP": 0,
        "MemoryReservation": mem.reservation().unwrap_or(0),
        "MemorySwap": mem.swap().unwrap_or(0),
        "MemorySwappiness": Value::Null,
        "OomKillDisable": Value::Null,
        "PidsLimit": limits.pids().map(|p| json!(p.limit())).unwrap_or(Value::Null),
        "Ulimits": Value::Null,
        "CpuCount": 0,
        "CpuPercent": 0,
        "IOMaximumIOps": 0,
        "IOMaximumBandwidth": 0,
        "MaskedPaths": spec.as_ref().and_then(|s| s.linux().as_ref()).and_then(|l| l.masked_paths().clone()),
        "ReadonlyPaths": spec.as_ref().and_then(|s| s.linux().as_ref()).and_then(|l| l.readonly_paths().clone()),
    });
    let host_config = overlay(host_config, resources);
    json!({
        "Id": record.id,
        "Created": time(Some(record.created)),
        "Path": record.command.first().cloned().unwrap_or_default(),
        "Args": record.command.get(1..).unwrap_or_default(),
        "State": state_json,
        "Image": record.image_id.to_string(),
        "ResolvConfPath": dir.join("resolv.conf"),
        "HostnamePath": dir.join("hostname"),
        "HostsPath": dir.join("hosts"),
        "LogPath": dir.join("ctr.log"),
        "Name": format!("/{}", record.name),
        "RestartCount": state.restart_count,
        "Driver": "overlay",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": Value::Null,
        "HostConfig": host_config,
        "GraphDriver": {
            "Data": {
                "LowerDir": Value::Null,
                "MergedDir": dir.join("merged"),
                "UpperDir": dir.join("upper"),
                "WorkDir": dir.join("work"),
            },
            "Name": "overlay",
        },
        "Mounts": record.mounts.iter().map(|m| m.inspect_json()).collect::<Vec<_>>(),
        "Config": config,
        "NetworkSettings": network_settings,
    })
}

/// `Config.Env` as docker keeps it: the image's and the user's variables,
/// without the `HOSTNAME` the runtime adds.
fn config_env(env: &[String], hostname: &str) -> Vec<String> {
    let added = format!("HOSTNAME={hostname}");
    env.iter().filter(|e| **e != added).cloned().collect()
}

/// `Config.Entrypoint` and `Config.Cmd`: the image's entrypoint when the
/// command starts with it (`null` otherwise), and the rest.
fn split_command(store: &Store, record: &ContainerRecord) -> (Value, Value) {
    let image_entrypoint: Vec<String> = store
        .read_blob(&record.image_id)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|c| serde_json::from_value(c["config"]["Entrypoint"].clone()).ok())
        .unwrap_or_default();
    if !image_entrypoint.is_empty() && record.command.starts_with(&image_entrypoint) {
        let rest = &record.command[image_entrypoint.len()..];
        (json!(image_entrypoint), if rest.is_empty() { Value::Null } else { json!(rest) })
    } else {
        (Value::Null, json!(record.command))
    }
}

/// `NetworkSettings` with every key docker prints, the network module's
/// values over docker's empty defaults (also in each `Networks` entry).
fn network_settings(actual: Value) -> Value {
    let defaults = json!({
        "Bridge": "",
        "SandboxID": "",
        "HairpinMode": false,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "Ports": {},
        "SandboxKey": "",
        "SecondaryIPAddresses": Value::Null,
        "SecondaryIPv6Addresses": Value::Null,
        "EndpointID": "",
        "Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "IPAddress": "",
        "IPPrefixLen": 0,
        "IPv6Gateway": "",
        "MacAddress": "",
        "Networks": {},
    });
    let endpoint = json!({
        "IPAMConfig": Value::Null,
        "Links": Value::Null,
        "Aliases": Value::Null,
        "NetworkID": "",
        "EndpointID": "",
        "Gateway": "",
        "IPAddress": "",
        "IPPrefixLen": 0,
        "IPv6Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "MacAddress": "",
        "DriverOpts": Value::Null,
    });
    let mut out = overlay(defaults, actual);
    if let Some(nets) = out["Networks"].as_object_mut() {
        for v in nets.values_mut() {
            *v = overlay(endpoint.clone(), v.take());
        }
    }
    out
}

/// `actual`'s keys over `defaults`.
fn overlay(mut defaults: Value, actual: Value) -> Value {
    if let (Some(d), Value::Object(a)) = (defaults.as_object_mut(), actual) {
        d.extend(a);
    }
    defaults
}

/// Adds the fields docker's JSON omits when empty (`omitempty`) but its Go
/// structs still have, so a template reading them renders as docker's
/// (`{{.State.Health}}` is `<nil>`, not a missing field). For `--format`
/// only: the JSON output keeps docker's omissions.
pub fn add_template_fields(doc: &mut Value) {
    let add = |v: &mut Value, key: &str, default: Value| {
        if let Some(o) = v.as_object_mut() {
            o.entry(key).or_insert(default);
        }
    };
    add(&mut doc["State"], "Health", Value::Null);
    for (k, d) in [
        ("ExposedPorts", Value::Null),
        ("Healthcheck", Value::Null),
        ("StopSignal", json!("")),
        ("StopTimeout", Value::Null),
    ] {
        add(&mut doc["Config"], k, d);
    }
}
