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
        "Mounts": record.mounts.iter().map(|m| m.inspect_json()).collect::<Vec<_>>(),
        "Config": {
            "Hostname": hostname,
            "Domainname": spec.as_ref().and_then(|s| s.domainname().clone()).unwrap_or_default(),
            "User": record.user.clone().unwrap_or_default(),
            "Tty": process.as_ref().and_then(|p| p.terminal()).unwrap_or(false),
            "Env": env,
            "Cmd": record.command,
            "Image": record.image,
            "WorkingDir": cwd,
            "Entrypoint": Value::Null,
            "Labels": record.labels,
            "StopSignal": record.stop_signal.clone().unwrap_or_else(|| "SIGTERM".into()),
            "StopTimeout": record.stop_timeout,
            "Healthcheck": record.healthcheck,
        },
        "HostConfig": {
            "AutoRemove": record.auto_remove,
            "RestartPolicy": {"Name": restart_name, "MaximumRetryCount": max_retries},
            "LogConfig": {"Type": "k8s-file", "Config": log_config},
        },
        "NetworkSettings": crate::network::settings_json(store, &record.id),
    })
}
