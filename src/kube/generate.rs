//! `rcon kube generate`: Kubernetes YAML (core/v1 Pod or apps/v1
//! Deployment, and with `--service` a core/v1 Service) describing rcon
//! containers and pods, in the form the Kubernetes API accepts (names are
//! DNS-1123 labels, quantities are strings, ports are integers) and that
//! `kube play` runs again.
//!
//! Mapping: a pod → one Pod of its containers (the infra is left out: it is
//! the Pod itself); containers named together → one Pod named after the
//! first (`NAME-pod`). Image; the command as `command` when it differs from
//! the image's entrypoint + cmd; env that differs from the image's; working
//! directory; published ports as `hostPort` (or, with `--service`, as the
//! Service's `port` → `targetPort`); named volumes as
//! `persistentVolumeClaim`, binds as `hostPath`, tmpfs as `emptyDir`
//! (medium Memory); the memory and CPU limits; the healthcheck as an exec
//! `livenessProbe`; user, read-only root as `securityContext`; the restart
//! policy (Deployments always restart).

use super::{Error, Result};
use crate::store::{ContainerRecord, MountKind, Store};
use serde_json::{Map, Value, json};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// A core/v1 Pod (default).
    #[default]
    Pod,
    /// An apps/v1 Deployment of one replica.
    Deployment,
}

/// What `rcon kube generate` was asked for.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// `--type`.
    pub kind: Kind,
    /// `--service`: also a Service for the published ports.
    pub service: bool,
}

/// A DNS-1123 label from `s`: lowercase, `[a-z0-9-]`, no leading or
/// trailing `-`, at most 63 characters (`x` if nothing is left).
pub fn dns_label(s: &str) -> String {
    let mut out: String =
        s.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).take(63).collect();
    while out.ends_with('-') {
        out.pop();
    }
    let out = out.trim_start_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

/// Generates YAML for `names` (pods, containers by name or ID, or compose
/// projects). Errors: no such pod, container or project.
///
/// A compose project (a name no pod or container has, that containers'
/// `com.docker.compose.project` label holds) becomes one Pod named after
/// it, as podman's `kube generate` of a project's pod: one container per
/// service (the first replica, named after the service, with its own
/// ports) and `hostAliases` mapping the service names to 127.0.0.1, since
/// the services of one Pod reach each other on localhost.
pub fn generate(store: &Store, names: &[String], opts: &GenerateOptions) -> Result<String> {
    let mut docs = Vec::new();
    let mut loose = Vec::new();
    for n in names {
        if store.find_pod(n).is_err() && store.find_container(n).is_err() {
            let project = crate::compose::engine::containers(store, n)?;
            if !project.is_empty() {
                docs.extend(project_workload(store, n, &project, opts)?);
                continue;
            }
        }
        match store.find_pod(n) {
            Ok(pod) => {
                let members: Vec<ContainerRecord> = crate::pod::members(store, &pod)?
                    .iter()
                    .filter(|c| !crate::pod::is_infra(c))
                    .map(|c| store.container_record(c))
                    .collect::<std::result::Result<_, _>>()?;
                if members.is_empty() {
                    return Err(invalid!("pod {} has no containers to describe", pod.name));
                }
                let ports = crate::network::endpoint(store, &pod.infra_id).map(|e| e.ports).unwrap_or_default();
                let ports: Vec<_> = ports.into_iter().map(|p| (0, p)).collect();
                docs.extend(workload(store, &pod.name, Some(&pod.hostname), &members, &ports, &[], opts)?);
            }
            Err(_) => loose
                .push(store.find_container(n).map_err(|_| invalid!("no pod, container or compose project named {n}"))?),
        }
    }
    if !loose.is_empty() {
        let name = format!("{}-pod", loose[0].name);
        let mut ports = Vec::new();
        for c in &loose {
            ports.extend(
                crate::network::endpoint(store, &c.id).map(|e| e.ports).unwrap_or_default().into_iter().map(|p| (0, p)),
            );
        }
        docs.extend(workload(store, &name, None, &loose, &ports, &[], opts)?);
    }
    let mut out = String::new();
    for d in docs {
        out.push_str("---\n");
        out.push_str(&serde_yaml_ng::to_string(&d).map_err(Error::Emit)?);
    }
    Ok(out)
}

/// The Pod of a compose project's containers (see [`generate`]).
fn project_workload(
    store: &Store,
    project: &str,
    members: &[crate::compose::engine::ProjectContainer],
    opts: &GenerateOptions,
) -> Result<Vec<Value>> {
    let mut records = Vec::new();
    let mut ports = Vec::new();
    let mut services = Vec::new();
    for m in members.iter().filter(|m| !m.oneoff) {
        if services.contains(&m.service) {
            continue; // one container per service: its first replica
        }
        let mut record = store.container_record(&m.row)?;
        record.name = m.service.clone();
        let i = records.len();
        ports.extend(
            crate::network::endpoint(store, &record.id)
                .map(|e| e.ports)
                .unwrap_or_default()
                .into_iter()
                .map(|p| (i, p)),
        );
        records.push(record);
        services.push(m.service.clone());
    }
    if records.is_empty() {
        return Err(invalid!("compose project {project} has no service containers to describe"));
    }
    workload(store, project, None, &records, &ports, &services, opts)
}

/// The Pod or Deployment (and Service) of `containers`; `ports` are
/// (index of the container in `containers`, mapping); `aliases` are host
/// names for 127.0.0.1 (`hostAliases`).
fn workload(
    store: &Store,
    name: &str,
    hostname: Option<&str>,
    containers: &[ContainerRecord],
    ports: &[(usize, crate::network::ports::PortMapping)],
    aliases: &[String],
    opts: &GenerateOptions,
) -> Result<Vec<Value>> {
    let pod_name = dns_label(name);
    let labels = json!({"app": pod_name});
    let mut volumes: Vec<Value> = Vec::new();
    let mut ctrs = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let prefix = format!("{name}-");
        let short = c.name.strip_prefix(&prefix).unwrap_or(&c.name);
        let mut ctr = container(store, c, short, &mut volumes)?;
        let mine: Vec<&crate::network::ports::PortMapping> =
            ports.iter().filter(|(k, _)| *k == i).map(|(_, p)| p).collect();
        if !mine.is_empty() {
            let list: Vec<Value> = mine
                .iter()
                .map(|p| {
                    let mut m =
                        json!({"containerPort": p.container_port, "protocol": p.proto.to_string().to_uppercase()});
                    if !opts.service && p.host_port != 0 {
                        m["hostPort"] = json!(p.host_port);
                        if !p.host_ip.is_unspecified() {
                            m["hostIP"] = json!(p.host_ip.to_string());
                        }
                    }
                    m
                })
                .collect();
            ctr["ports"] = json!(list);
        }
        ctrs.push(ctr);
    }
    let restart = match containers[0].restart.split(':').next().unwrap_or("no") {
        _ if opts.kind == Kind::Deployment => "Always",
        "always" | "unless-stopped" => "Always",
        "on-failure" => "OnFailure",
        _ => "Never",
    };
    let mut spec = json!({"containers": ctrs, "restartPolicy": restart});
    if let Some(h) = hostname.filter(|h| *h != name) {
        spec["hostname"] = json!(dns_label(h));
    }
    if !volumes.is_empty() {
        spec["volumes"] = json!(volumes);
    }
    if !aliases.is_empty() {
        let names: Vec<String> = aliases.iter().map(|a| dns_label(a)).collect();
        spec["hostAliases"] = json!([{"ip": "127.0.0.1", "hostnames": names}]);
    }
    let mut docs = vec![match opts.kind {
        Kind::Pod => json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": pod_name, "labels": labels},
            "spec": spec,
        }),
        Kind::Deployment => json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": pod_name, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": spec},
            },
        }),
    }];
    if opts.service {
        let sports: Vec<Value> = ports
            .iter()
            .map(|(_, p)| p)
            .filter(|p| p.host_port != 0)
            .map(|p| {
                json!({
                    "name": format!("{}-{}", p.container_port, p.proto),
                    "port": p.host_port,
                    "targetPort": p.container_port,
                    "protocol": p.proto.to_string().to_uppercase(),
                })
            })
            .collect();
        if !sports.is_empty() {
            docs.push(json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": pod_name, "labels": labels},
                "spec": {"selector": labels, "ports": sports},
            }));
        }
    }
    Ok(docs)
}

/// One container's entry; adds its volumes to `volumes`.
fn container(store: &Store, c: &ContainerRecord, name: &str, volumes: &mut Vec<Value>) -> Result<Value> {
    let spec: oci_spec::runtime::Spec =
        serde_json::from_value(c.spec.clone()).map_err(|source| Error::Spec { container: c.name.clone(), source })?;
    let image_cfg: Value =
        store.read_blob(&c.image_id).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    let strings = |v: &Value| -> Vec<String> { serde_json::from_value(v.clone()).unwrap_or_default() };
    let mut default_cmd = strings(&image_cfg["config"]["Entrypoint"]);
    default_cmd.extend(strings(&image_cfg["config"]["Cmd"]));
    let image_env = strings(&image_cfg["config"]["Env"]);
    let mut m = Map::new();
    m.insert("name".into(), json!(dns_label(name)));
    m.insert("image".into(), json!(c.image));
    if c.command != default_cmd {
        m.insert("command".into(), json!(c.command));
    }
    let process = spec.process().clone().unwrap_or_default();
    let env: Vec<Value> = process
        .env()
        .clone()
        .unwrap_or_default()
        .iter()
        .filter(|e| !image_env.contains(e) && !e.starts_with("HOSTNAME=") && !e.starts_with("HOME="))
        // The PATH rcon gives a container whose image sets none.
        .filter(|e| **e != format!("PATH={}", crate::container::spec::DEFAULT_PATH))
        .filter_map(|e| e.split_once('='))
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    if !env.is_empty() {
        m.insert("env".into(), json!(env));
    }
    let cwd = process.cwd().display().to_string();
    let image_wd = image_cfg["config"]["WorkingDir"].as_str().unwrap_or("");
    if cwd != "/" && cwd != image_wd {
        m.insert("workingDir".into(), json!(cwd));
    }
    let mut mounts = Vec::new();
    for mp in &c.mounts {
        let vname = format!("{}-{}", dns_label(name), volumes.len());
        let (vname, source) = match mp.kind {
            MountKind::Volume if mp.anonymous => (vname, json!({"emptyDir": {}})),
            MountKind::Volume => {
                let v = dns_label(&mp.name);
                (format!("{v}-pvc"), json!({"persistentVolumeClaim": {"claimName": mp.name}}))
            }
            MountKind::Bind => {
                let kind = if mp.source.is_dir() { "Directory" } else { "File" };
                (vname, json!({"hostPath": {"path": mp.source.display().to_string(), "type": kind}}))
            }
            MountKind::Tmpfs => (vname, json!({"emptyDir": {"medium": "Memory"}})),
        };
        let mut vol = source;
        vol["name"] = json!(vname);
        if !volumes.iter().any(|v| v["name"] == vol["name"]) {
            volumes.push(vol);
        }
        let mut vm = json!({"name": vname, "mountPath": mp.destination});
        if !mp.rw {
            vm["readOnly"] = json!(true);
        }
        mounts.push(vm);
    }
    if !mounts.is_empty() {
        m.insert("volumeMounts".into(), json!(mounts));
    }
    let mut limits = Map::new();
    if let Some(r) = spec.linux().as_ref().and_then(|l| l.resources().clone()) {
        if let Some(mem) = r.memory().as_ref().and_then(|m| m.limit()).filter(|l| *l > 0) {
            limits.insert("memory".into(), json!(mem.to_string()));
        }
        if let Some(cpu) = r.cpu()
            && let (Some(q), Some(p)) = (cpu.quota(), cpu.period())
            && q > 0
            && p > 0
        {
            limits.insert("cpu".into(), json!(format!("{}m", q as u64 * 1000 / p)));
        }
    }
    if !limits.is_empty() {
        m.insert("resources".into(), json!({"limits": limits}));
    }
    if let Some(h) = &c.healthcheck
        && let Some((kind, rest)) = h.test.split_first()
        && kind != "NONE"
    {
        let command = if kind == "CMD-SHELL" {
            vec!["/bin/sh".to_string(), "-c".to_string(), rest.join(" ")]
        } else {
            rest.to_vec()
        };
        let secs = |ns: u64, default: u64| if ns == 0 { default } else { ns.div_ceil(1_000_000_000).max(1) };
        let mut probe = json!({
            "exec": {"command": command},
            "periodSeconds": secs(h.interval, 30),
            "timeoutSeconds": secs(h.timeout, 30),
            "failureThreshold": if h.retries == 0 { 3 } else { h.retries },
        });
        if h.start_period > 0 {
            probe["initialDelaySeconds"] = json!(secs(h.start_period, 0));
        }
        m.insert("livenessProbe".into(), probe);
    }
    let mut sc = Map::new();
    if let Some(u) = &c.user {
        let (uid, gid) = u.split_once(':').map_or((u.as_str(), None), |(a, b)| (a, Some(b)));
        if let Ok(uid) = uid.parse::<i64>() {
            sc.insert("runAsUser".into(), json!(uid));
        }
        if let Some(Ok(gid)) = gid.map(str::parse::<i64>) {
            sc.insert("runAsGroup".into(), json!(gid));
        }
    }
    if spec.root().as_ref().and_then(|r| r.readonly()).unwrap_or(false) {
        sc.insert("readOnlyRootFilesystem".into(), json!(true));
    }
    if !sc.is_empty() {
        m.insert("securityContext".into(), Value::Object(sc));
    }
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert_eq!(dns_label("My_App.1"), "my-app-1");
        assert_eq!(dns_label("--x--"), "x");
        assert_eq!(dns_label("__"), "x");
        assert_eq!(dns_label(&"a".repeat(80)).len(), 63);
    }
}
