//! `rcon kube play`: Kubernetes YAML (core/v1 Pod, Service, ConfigMap,
//! Secret, PersistentVolumeClaim; apps/v1 Deployment, DaemonSet; batch/v1
//! Job) run as rcon pods, containers and volumes on this host.
//!
//! Mapping (Kubernetes API reference, v1.31):
//! - Pod → one rcon pod named `metadata.name`; Deployment → one pod per
//!   replica (`NAME-pod` for one replica, else `NAME-pod-0`, `-1`, …);
//!   DaemonSet and Job → one pod `NAME-pod`. Containers are named
//!   `POD-CONTAINER`. Every pod carries the labels of its template plus
//!   `io.rcon.kube.owner=KIND/NAME`.
//! - Service → its ports published on the host (host port = `nodePort`,
//!   else `port`; container port = `targetPort`, by number or by a
//!   container port's name) on the first pod its selector matches (a
//!   warning names the others: there is no kube-proxy to load-balance, and
//!   one host port can go to one pod only; podman plays one replica only);
//!   `hostPort` of a container port is published too; `--publish` adds or
//!   overrides (by container port).
//! - ConfigMap/Secret → env (`valueFrom.configMapKeyRef`/`secretKeyRef`,
//!   `envFrom`) and volumes (files written under
//!   `<root>/kube/<pod>/<volume>/`, bind-mounted read-only);
//!   PersistentVolumeClaim → the named volume `claimName` (kept by
//!   `--down`); `hostPath` → a bind mount; `emptyDir` → the named volume
//!   `<pod>-<volume>` shared by the pod's containers (removed by `--down`).
//! - Probes → the container's healthcheck (liveness first, else
//!   readiness): `exec` as is, `httpGet` as `wget` and `tcpSocket` as `nc`
//!   run inside the container (so the image needs them, as busybox has).
//!   A liveness probe's healthcheck has `--health-on-failure=kill`: once
//!   it fails `failureThreshold` times the container is killed and the
//!   pod's `restartPolicy` restarts it (Always; OnFailure, exit code 137)
//!   or not (Never), as the kubelet does; a readiness probe only marks the
//!   container unhealthy.
//! - `initContainers` run to completion, in order, before the containers
//!   start; a failure stops the play.
//!
//! Fields rcon does not read are reported by YAML path
//! ([`Report::unsupported`]), never dropped silently.

use super::yaml::{Obj, documents};
use super::{Error, Result};
use crate::container::{self, HealthFlags, PullPolicy, RunOptions};
use crate::store::Store;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Label on the pods `kube play` makes: `KIND/NAME` of the workload.
pub const LABEL_OWNER: &str = "io.rcon.kube.owner";

/// What `rcon kube play` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct PlayOptions {
    /// Start the pods (`--start`, default true).
    pub start: bool,
    /// `--publish [IP:]HOST:CONTAINER[/PROTO]`, overriding the YAML's.
    pub publish: Vec<String>,
    /// `--network` of every pod.
    pub network: Option<String>,
    /// YAML texts of `--configmap` files.
    pub configmaps: Vec<String>,
    /// Pull options for images.
    pub pull: crate::registry::PullOptions,
    /// `--build`: which images to build from directories beside the YAML
    /// ([`super::build`]).
    pub build: super::BuildPolicy,
    /// The directory holding the build directories: the YAML's (the
    /// current one when empty).
    pub context: PathBuf,
}

/// What a play (or a down) did, for the CLI to print.
#[derive(Debug, Default)]
pub struct Report {
    /// Pods made: (pod ID, container IDs).
    pub pods: Vec<(String, Vec<String>)>,
    /// Pods removed by `--down`/`--replace`: their IDs.
    pub removed: Vec<String>,
    /// Volumes made for claims.
    pub volumes: Vec<String>,
    /// Fields not supported, as `KIND NAME: path`.
    pub unsupported: Vec<String>,
    /// What the play did differently from a cluster (a Service's ports on
    /// one of several pods; a Service that selects no pod), as sentences.
    pub warnings: Vec<String>,
}

/// A ConfigMap or Secret: its decoded data.
type Data = BTreeMap<String, Vec<u8>>;

/// Where a pod volume comes from.
#[derive(Debug, Clone)]
enum Source {
    Claim(String),
    HostPath { path: String, kind: String },
    EmptyDir,
    Files { kind: &'static str, name: String, items: Vec<(String, String)>, mode: Option<u32>, optional: bool },
}

#[derive(Debug, Clone)]
struct Mount {
    volume: String,
    path: String,
    read_only: bool,
    sub_path: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Ctr {
    name: String,
    opts: RunOptions,
    mounts: Vec<Mount>,
    /// (name, containerPort, protocol)
    ports: Vec<(Option<String>, u16, String)>,
    /// Env entries that need the pod's address (`status.podIP`).
    pod_ip_env: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct PodPlan {
    name: String,
    owner: String,
    labels: Vec<(String, String)>,
    hostname: Option<String>,
    add_hosts: Vec<String>,
    dns: Vec<String>,
    dns_search: Vec<String>,
    host_network: bool,
    publish: Vec<String>,
    volumes: BTreeMap<String, Source>,
    init: Vec<Ctr>,
    containers: Vec<Ctr>,
}

/// Everything read from the YAML.
#[derive(Default)]
struct Plan {
    configmaps: BTreeMap<String, Data>,
    secrets: BTreeMap<String, Data>,
    claims: Vec<String>,
    pods: Vec<PodPlan>,
    unsupported: Vec<String>,
    warnings: Vec<String>,
}

/// Plays `yaml` (one or more documents): makes the volumes, pods and
/// containers (building images first as `opts.build` says), runs init
/// containers, starts the rest (unless
/// `opts.start` is false). Errors: malformed YAML, unknown kinds, a pod
/// name in use (use `--replace`), missing ConfigMaps/Secrets, image and
/// start errors; the pods made so far by this play are removed again.
pub fn play(store: &Store, yaml: &str, opts: &PlayOptions) -> Result<Report> {
    let mut plan = parse(yaml, opts)?;
    apply_publish(&mut plan, &opts.publish)?;
    let images: Vec<String> =
        plan.pods.iter().flat_map(|p| p.init.iter().chain(&p.containers)).map(|c| c.opts.image.clone()).collect();
    let context = if opts.context.as_os_str().is_empty() { Path::new(".") } else { &opts.context };
    super::build::build_images(store, &images, context, opts.build, opts.pull.tls_verify, &mut std::io::stderr())?;
    let mut report = Report {
        unsupported: std::mem::take(&mut plan.unsupported),
        warnings: std::mem::take(&mut plan.warnings),
        ..Default::default()
    };
    for claim in &plan.claims {
        let (_, made) = crate::volume::create(store, Some(claim), BTreeMap::new())
            .map_err(|source| Error::Claim { claim: claim.clone(), source })?;
        if made {
            report.volumes.push(claim.clone());
        }
    }
    // The pods (a Deployment's replicas, the workloads of the file) are
    // independent: each is made in its own process, all at the same time.
    let results = container::parallel::each(&plan.pods, |p| {
        let (pod, ids) = play_pod(store, &plan, p, opts)?;
        Ok(std::iter::once(pod).chain(ids).collect::<Vec<_>>().join(" "))
    });
    let mut failed = None;
    for (p, r) in plan.pods.iter().zip(results) {
        match r {
            Ok(text) => {
                let mut words = text.split(' ').map(String::from);
                let pod = words.next().unwrap_or_default();
                report.pods.push((pod, words.collect()));
            }
            Err(e) => {
                let _ = remove_pod(store, &p.name, &p.volumes);
                failed.get_or_insert(Error::Pod { pod: p.name.clone(), source: Box::new(e) });
            }
        }
    }
    if let Some(e) = failed {
        let _ = container::parallel::each(&report.pods, |(id, _)| {
            if let Ok(pod) = store.find_pod(id) {
                remove_pod(store, &pod.name, &BTreeMap::new())?;
            }
            Ok(String::new())
        });
        return Err(e);
    }
    Ok(report)
}

/// `kube play --down`: removes the pods of `yaml`'s workloads (their
/// containers, ConfigMap/Secret files and emptyDir volumes); claims'
/// volumes are kept.
pub fn down(store: &Store, yaml: &str, opts: &PlayOptions) -> Result<Report> {
    let plan = parse(yaml, opts)?;
    let mut report = Report::default();
    // The file's pods, and replicas of an earlier play with more of them,
    // each removed in its own process, all at the same time.
    let mut doomed: Vec<(String, BTreeMap<String, Source>)> =
        plan.pods.iter().map(|p| (p.name.clone(), p.volumes.clone())).collect();
    let owners: Vec<&str> = plan.pods.iter().map(|p| p.owner.as_str()).collect();
    for pod in store.pods()? {
        if pod.labels.get(LABEL_OWNER).is_some_and(|o| owners.contains(&o.as_str()))
            && !doomed.iter().any(|(n, _)| n == &pod.name)
        {
            let vols =
                plan.pods.iter().find(|p| Some(&p.owner) == pod.labels.get(LABEL_OWNER)).map(|p| p.volumes.clone());
            doomed.push((pod.name.clone(), vols.unwrap_or_default()));
        }
    }
    let removed =
        container::parallel::all(&doomed, |(name, vols)| Ok(remove_pod(store, name, vols)?.unwrap_or_default()))?;
    report.removed.extend(removed.into_iter().filter(|id| !id.is_empty()));
    Ok(report)
}

/// Removes pod `name` if it exists, with its kube files and emptyDir
/// volumes; returns its ID.
fn remove_pod(store: &Store, name: &str, volumes: &BTreeMap<String, Source>) -> Result<Option<String>> {
    let pod = match store.find_pod(name) {
        Ok(p) if p.name == name => p,
        _ => return Ok(None),
    };
    crate::pod::remove(store, &pod.id, true, true)?;
    for (v, src) in volumes {
        if matches!(src, Source::EmptyDir) {
            let _ = crate::volume::remove(store, &empty_dir_volume(name, v));
        }
    }
    let dir = files_dir(store, name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(file("remove", &dir))?;
    }
    Ok(Some(pod.id))
}

/// An [`Error::File`] maker for `what` on `path`.
fn file(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |source| Error::File { what, path, source }
}

/// An [`Error::ContainerStep`] maker for container `c` (`what`: `container`,
/// `init container`).
fn ctr(what: &str, c: &Ctr) -> impl FnOnce(crate::container::Error) -> Error + use<> {
    let what = format!("{what} {}", c.name);
    move |e| Error::ContainerStep { what, source: Box::new(e) }
}

/// An [`Error::At`] maker for the YAML path `at`.
fn at(at: String) -> impl FnOnce(Error) -> Error {
    move |e| Error::At { at, source: Box::new(e) }
}

fn empty_dir_volume(pod: &str, volume: &str) -> String {
    format!("{pod}-{volume}")
}

fn files_dir(store: &Store, pod: &str) -> PathBuf {
    store.root().join("kube").join(pod)
}

fn play_pod(store: &Store, plan: &Plan, p: &PodPlan, opts: &PlayOptions) -> Result<(String, Vec<String>)> {
    if store.find_pod(&p.name).is_ok_and(|x| x.name == p.name) {
        return Err(Error::PodExists(p.name.clone()));
    }
    let mut labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    labels.push(format!("{LABEL_OWNER}={}", p.owner));
    let network = if p.host_network { Some("host".to_string()) } else { opts.network.clone() };
    let pod = crate::pod::create(
        store,
        &crate::pod::CreateOptions {
            name: Some(p.name.clone()),
            hostname: p.hostname.clone(),
            labels,
            publish: if p.host_network { vec![] } else { p.publish.clone() },
            network,
            add_hosts: p.add_hosts.clone(),
            dns: p.dns.clone(),
            dns_search: p.dns_search.clone(),
        },
    )?;
    let volume_flags = write_volumes(store, plan, p)?;
    // The infra runs first: members join it, and `status.podIP` is its address.
    crate::pod::start(store, &pod.id)?;
    let pod_ip = crate::container::network_settings::settings_json(store, &pod.infra_id)["IPAddress"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let prepare = |c: &Ctr| -> Result<RunOptions> {
        let mut o = c.opts.clone();
        o.name = Some(format!("{}-{}", p.name, c.name));
        o.env.extend(c.pod_ip_env.iter().map(|k| format!("{k}={pod_ip}")));
        for m in &c.mounts {
            let base = volume_flags
                .get(&m.volume)
                .ok_or_else(|| invalid!("container {}: volumeMount of undefined volume {:?}", c.name, m.volume))?;
            let source = match &m.sub_path {
                Some(sub) if base.starts_with('/') => format!("{base}/{sub}"),
                Some(_) => {
                    return Err(invalid!(
                        "container {}: subPath is only supported on configMap, secret and hostPath volumes",
                        c.name
                    ));
                }
                None => base.clone(),
            };
            o.mounts.volumes.push(format!("{source}:{}{}", m.path, if m.read_only { ":ro" } else { "" }));
        }
        o.pull_options = opts.pull.clone();
        crate::pod::join(store, &pod.id, &mut o)?;
        Ok(o)
    };
    let mut ids = Vec::new();
    if opts.start {
        for c in &p.init {
            let o = prepare(c)?;
            let id = container::run_detached(store, o).map_err(ctr("init container", c))?;
            let code = container::lifecycle::wait(store, &id)?;
            container::remove(store, &id, true)?;
            if code != 0 {
                return Err(Error::InitFailed { container: c.name.clone(), code });
            }
        }
    }
    for c in &p.containers {
        let o = prepare(c)?;
        let id = if opts.start {
            container::run_detached(store, o).map_err(ctr("container", c))?
        } else {
            let created = container::create(store, &o).map_err(ctr("container", c))?;
            container::cleanup::release(store, &created.record.id);
            created.record.id
        };
        ids.push(id);
    }
    if !opts.start {
        crate::pod::stop(store, &pod.id, None)?;
    }
    Ok((pod.id, ids))
}

/// Makes the pod's volumes; returns for each the `-v` source: a volume
/// name or a host path.
fn write_volumes(store: &Store, plan: &Plan, p: &PodPlan) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (name, src) in &p.volumes {
        let source = match src {
            Source::Claim(c) => c.clone(),
            Source::EmptyDir => empty_dir_volume(&p.name, name),
            Source::HostPath { path, kind } => {
                if kind == "DirectoryOrCreate" || kind.is_empty() {
                    std::fs::create_dir_all(path).map_err(|source| Error::HostPath { path: path.clone(), source })?;
                } else if kind == "FileOrCreate" && !std::path::Path::new(path).exists() {
                    std::fs::write(path, b"").map_err(|source| Error::HostPath { path: path.clone(), source })?;
                }
                path.clone()
            }
            Source::Files { kind, name: obj, items, mode, optional } => {
                let data = if *kind == "ConfigMap" { plan.configmaps.get(obj) } else { plan.secrets.get(obj) };
                let dir = files_dir(store, &p.name).join(name);
                std::fs::create_dir_all(&dir).map_err(file("create", &dir))?;
                match data {
                    None if *optional => {}
                    None => {
                        return Err(invalid!(
                            "volume {name}: {kind} {obj} is not defined in the YAML (or --configmap)"
                        ));
                    }
                    Some(data) => {
                        let pairs: Vec<(String, String)> = if items.is_empty() {
                            data.keys().map(|k| (k.clone(), k.clone())).collect()
                        } else {
                            items.clone()
                        };
                        for (key, path) in pairs {
                            let value = data
                                .get(&key)
                                .ok_or_else(|| invalid!("volume {name}: {kind} {obj} has no key {key}"))?;
                            if path.split('/').any(|c| c == ".." || c.is_empty()) {
                                return Err(invalid!("volume {name}: invalid item path {path:?}"));
                            }
                            let f = dir.join(&path);
                            if let Some(parent) = f.parent() {
                                std::fs::create_dir_all(parent).map_err(file("create", parent))?;
                            }
                            std::fs::write(&f, value).map_err(file("write", &f))?;
                            let m = mode.unwrap_or(0o644);
                            use std::os::unix::fs::PermissionsExt as _;
                            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(m))
                                .map_err(file("chmod", &f))?;
                        }
                    }
                }
                dir.display().to_string()
            }
        };
        out.insert(name.clone(), source);
    }
    Ok(out)
}

/// Applies `--publish` specs: each replaces the pods' mappings of the same
/// container port and protocol, on the pod that has a container with that
/// port (else the first pod).
fn apply_publish(plan: &mut Plan, publish: &[String]) -> Result<()> {
    for spec in publish {
        let (target, proto) = container_port_of(spec)?;
        for p in &mut plan.pods {
            p.publish.retain(|q| container_port_of(q).ok() != Some((target, proto.clone())));
        }
        let i = plan
            .pods
            .iter()
            .position(|p| p.containers.iter().any(|c| c.ports.iter().any(|(_, port, _)| *port == target)))
            .unwrap_or(0);
        if let Some(p) = plan.pods.get_mut(i) {
            p.publish.push(spec.clone());
        }
    }
    Ok(())
}

/// The container port and protocol of a `-p` spec.
fn container_port_of(spec: &str) -> Result<(u16, String)> {
    let (rest, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let port = rest.rsplit(':').next().unwrap_or(rest);
    let port = port.parse().map_err(|_| invalid!("--publish {spec:?}: expected [IP:]HOST:CONTAINER[/PROTO]"))?;
    Ok((port, proto.to_lowercase()))
}

fn parse(yaml: &str, opts: &PlayOptions) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut docs = documents(yaml)?;
    for c in &opts.configmaps {
        docs.extend(documents(c).map_err(|e| Error::ConfigMapFlag(Box::new(e)))?);
    }
    // ConfigMaps and Secrets first: workloads read them.
    let mut workloads = Vec::new();
    let mut services = Vec::new();
    for d in &docs {
        let o = Obj::new(d, "")?;
        let kind = o.str("kind")?.ok_or_else(|| invalid!("a YAML document has no kind"))?;
        o.ignore(&["apiVersion"]);
        let meta = o.obj("metadata")?.ok_or_else(|| invalid!("{kind}: no metadata"))?;
        let name = meta.str("name")?.ok_or_else(|| invalid!("{kind}: no metadata.name"))?;
        let mut unsupported = Vec::new();
        match kind.as_str() {
            "ConfigMap" | "Secret" => {
                let mut data = Data::new();
                for (k, v) in o.string_map("data")? {
                    let bytes = if kind == "Secret" {
                        base64::engine::general_purpose::STANDARD
                            .decode(v.trim())
                            .map_err(|e| invalid!("Secret {name}: data.{k} is not base64: {e}"))?
                    } else {
                        v.into_bytes()
                    };
                    data.insert(k, bytes);
                }
                let extra = if kind == "Secret" { "stringData" } else { "binaryData" };
                for (k, v) in o.string_map(extra)? {
                    let bytes = if kind == "ConfigMap" {
                        base64::engine::general_purpose::STANDARD
                            .decode(v.trim())
                            .map_err(|e| invalid!("ConfigMap {name}: binaryData.{k} is not base64: {e}"))?
                    } else {
                        v.into_bytes()
                    };
                    data.insert(k, bytes);
                }
                o.ignore(&["type", "immutable"]);
                if kind == "Secret" {
                    plan.secrets.insert(name.clone(), data);
                } else {
                    plan.configmaps.insert(name.clone(), data);
                }
            }
            "PersistentVolumeClaim" => {
                if let Some(spec) = o.obj("spec")? {
                    spec.ignore(&["accessModes", "resources", "storageClassName", "volumeMode"]);
                    spec.finish(&mut unsupported);
                }
                o.ignore(&["status"]);
                plan.claims.push(name.clone());
            }
            "Pod" | "Deployment" | "DaemonSet" | "Job" | "Service" => {
                if kind == "Service" {
                    services.push(d);
                } else {
                    workloads.push(d);
                }
                o.ignore(&["spec", "status"]);
            }
            other => {
                return Err(invalid!(
                    "kind {other} ({name}) is not supported by rcon kube play (Pod, Deployment, DaemonSet, Job, Service, ConfigMap, Secret, PersistentVolumeClaim are)"
                ));
            }
        }
        meta.ignore(&["namespace", "labels", "annotations", "creationTimestamp"]);
        meta.finish(&mut unsupported);
        o.finish(&mut unsupported);
        plan.unsupported.extend(unsupported.into_iter().map(|p| format!("{kind} {name}: {p}")));
    }
    for d in workloads {
        workload(&mut plan, d)?;
    }
    for d in services {
        service(&mut plan, d)?;
    }
    Ok(plan)
}

fn workload(plan: &mut Plan, d: &serde_yaml_ng::Value) -> Result<()> {
    let o = Obj::new(d, "")?;
    let kind = o.str("kind")?.unwrap_or_default();
    o.ignore(&["apiVersion", "status"]);
    let meta = o.obj("metadata")?.expect("checked");
    let name = meta.str("name")?.unwrap_or_default();
    let namespace = meta.str("namespace")?.unwrap_or_else(|| "default".into());
    let mut unsupported = Vec::new();
    let spec = o.obj("spec")?.ok_or_else(|| invalid!("{kind} {name}: no spec"))?;
    let (labels, pod_spec, replicas, default_restart) = if kind == "Pod" {
        (meta.string_map("labels")?, spec, 1, "Always")
    } else {
        let replicas = if kind == "Deployment" { spec.int("replicas")?.unwrap_or(1) } else { 1 };
        spec.ignore(&["selector", "strategy", "revisionHistoryLimit", "progressDeadlineSeconds", "minReadySeconds"]);
        if kind == "Job" {
            spec.ignore(&["backoffLimit", "completions", "parallelism"]);
        }
        let template = spec.obj("template")?.ok_or_else(|| invalid!("{kind} {name}: no spec.template"))?;
        let tmeta = template.obj("metadata")?;
        let labels = match &tmeta {
            Some(m) => {
                m.ignore(&["name", "annotations", "creationTimestamp"]);
                let l = m.string_map("labels")?;
                m.finish(&mut unsupported);
                l
            }
            None => Vec::new(),
        };
        let pod_spec = template.obj("spec")?.ok_or_else(|| invalid!("{kind} {name}: no spec.template.spec"))?;
        spec.finish(&mut unsupported);
        template.finish(&mut unsupported);
        (labels, pod_spec, replicas.max(0), if kind == "Job" { "OnFailure" } else { "Always" })
    };
    let base = read_pod_spec(plan, &pod_spec, &namespace, default_restart, &mut unsupported)?;
    pod_spec.finish(&mut unsupported);
    o.finish(&mut unsupported);
    plan.unsupported.extend(unsupported.into_iter().map(|p| format!("{kind} {name}: {p}")));
    for i in 0..replicas {
        let mut p = base.clone();
        p.name = match (kind.as_str(), replicas) {
            ("Pod", _) => name.clone(),
            (_, 1) => format!("{name}-pod"),
            _ => format!("{name}-pod-{i}"),
        };
        p.owner = format!("{kind}/{name}");
        p.labels = labels.clone();
        for c in p.containers.iter_mut().chain(p.init.iter_mut()) {
            // fieldRef metadata.name: the pod's own name.
            for e in &mut c.opts.env {
                if let Some(k) = e.strip_suffix("=\u{0}podname") {
                    *e = format!("{k}={}", p.name);
                }
            }
        }
        plan.pods.push(p);
    }
    Ok(())
}

fn read_pod_spec(
    plan: &mut Plan,
    spec: &Obj,
    namespace: &str,
    default_restart: &str,
    unsupported: &mut Vec<String>,
) -> Result<PodPlan> {
    let mut p = PodPlan { hostname: spec.str("hostname")?, ..Default::default() };
    for a in spec.list("hostAliases")? {
        let ip = a.str("ip")?.ok_or_else(|| invalid!("{}: no ip", a.at("ip")))?;
        for h in a.strs("hostnames")? {
            p.add_hosts.push(format!("{h}:{ip}"));
        }
        a.finish(unsupported);
    }
    p.host_network = spec.bool("hostNetwork")?.unwrap_or(false);
    if let Some(dns) = spec.obj("dnsConfig")? {
        p.dns = dns.strs("nameservers")?;
        p.dns_search = dns.strs("searches")?;
        dns.finish(unsupported);
    }
    spec.ignore(&[
        "dnsPolicy",
        "schedulerName",
        "enableServiceLinks",
        "serviceAccountName",
        "automountServiceAccountToken",
    ]);
    let restart = match spec.str("restartPolicy")?.as_deref().unwrap_or(default_restart) {
        "Always" => "always",
        "OnFailure" => "on-failure",
        "Never" => "no",
        other => return Err(invalid!("{}: {other:?} is not Always, OnFailure or Never", spec.at("restartPolicy"))),
    };
    let grace = spec.int("terminationGracePeriodSeconds")?.map(|s| s.max(0) as u64);
    let (mut pod_user, mut pod_group) = (None, None);
    if let Some(sc) = spec.obj("securityContext")? {
        pod_user = sc.int("runAsUser")?;
        pod_group = sc.int("runAsGroup")?;
        sc.ignore(&["runAsNonRoot", "fsGroup"]);
        sc.finish(unsupported);
    }
    for v in spec.list("volumes")? {
        let vname = v.str("name")?.ok_or_else(|| invalid!("{}: no name", v.at("name")))?;
        let src = if let Some(c) = v.obj("persistentVolumeClaim")? {
            let claim = c.str("claimName")?.ok_or_else(|| invalid!("{}: no claimName", c.at("claimName")))?;
            c.ignore(&["readOnly"]);
            c.finish(unsupported);
            if !plan.claims.contains(&claim) {
                plan.claims.push(claim.clone());
            }
            Source::Claim(claim)
        } else if let Some(h) = v.obj("hostPath")? {
            let path = h.str("path")?.ok_or_else(|| invalid!("{}: no path", h.at("path")))?;
            let kind = h.str("type")?.unwrap_or_default();
            h.finish(unsupported);
            Source::HostPath { path, kind }
        } else if let Some(e) = v.obj("emptyDir")? {
            e.ignore(&["medium", "sizeLimit"]);
            e.finish(unsupported);
            Source::EmptyDir
        } else if let Some((kind, key, f)) = [("ConfigMap", "name", "configMap"), ("Secret", "secretName", "secret")]
            .into_iter()
            .find_map(|(k, key, f)| v.obj(f).ok().flatten().map(|o| (k, key, o)))
        {
            let obj = f.str(key)?.ok_or_else(|| invalid!("{}: no {key}", f.at(key)))?;
            let mut items = Vec::new();
            for it in f.list("items")? {
                let k = it.str("key")?.ok_or_else(|| invalid!("{}: no key", it.at("key")))?;
                let path = it.str("path")?.unwrap_or_else(|| k.clone());
                it.finish(unsupported);
                items.push((k, path));
            }
            let mode = f.int("defaultMode")?.map(|m| m as u32);
            let optional = f.bool("optional")?.unwrap_or(false);
            f.finish(unsupported);
            Source::Files { kind, name: obj, items, mode, optional }
        } else {
            return Err(invalid!(
                "{}: volume {vname}: only persistentVolumeClaim, hostPath, emptyDir, configMap and secret volumes are supported",
                v.path()
            ));
        };
        v.finish(unsupported);
        p.volumes.insert(vname, src);
    }
    for (key, init) in [("initContainers", true), ("containers", false)] {
        for c in spec.list(key)? {
            let mut ctr = read_container(plan, &c, namespace, unsupported)?;
            ctr.opts.restart = if init { "no".into() } else { restart.into() };
            ctr.opts.stop_timeout = grace;
            if ctr.opts.user.is_none() && (pod_user.is_some() || pod_group.is_some()) {
                ctr.opts.user = Some(user_of(pod_user, pod_group));
            }
            c.finish(unsupported);
            if init {
                p.init.push(ctr);
            } else {
                p.containers.push(ctr);
            }
        }
    }
    if p.containers.is_empty() {
        return Err(invalid!("{}: no containers", spec.at("containers")));
    }
    // hostPort of container ports.
    for c in spec.list("containers")? {
        for port in c.list("ports")? {
            if let Some(hp) = port.int("hostPort")? {
                let cp = port.int("containerPort")?.unwrap_or(hp);
                let proto = port.str("protocol")?.unwrap_or_else(|| "TCP".into()).to_lowercase();
                let ip = port.str("hostIP")?.map(|i| format!("{i}:")).unwrap_or_default();
                p.publish.push(format!("{ip}{hp}:{cp}/{proto}"));
            }
        }
    }
    Ok(p)
}

fn user_of(uid: Option<i64>, gid: Option<i64>) -> String {
    match (uid, gid) {
        (Some(u), Some(g)) => format!("{u}:{g}"),
        (Some(u), None) => u.to_string(),
        (None, Some(g)) => format!("0:{g}"),
        (None, None) => String::new(),
    }
}

fn read_container(plan: &Plan, c: &Obj, namespace: &str, unsupported: &mut Vec<String>) -> Result<Ctr> {
    let name = c.str("name")?.ok_or_else(|| invalid!("{}: no name", c.at("name")))?;
    let image = c.str("image")?.ok_or_else(|| invalid!("{}: no image", c.at("image")))?;
    let mut o = RunOptions { image, ..Default::default() };
    let command = c.strs("command")?;
    let args = c.strs("args")?;
    if let Some((first, rest)) = command.split_first() {
        o.entrypoint = Some(first.clone());
        o.command = rest.to_vec();
        o.command.extend(args);
    } else {
        o.command = args;
    }
    o.workdir = c.str("workingDir")?;
    o.pull = match c.str("imagePullPolicy")?.as_deref() {
        Some("Always") => PullPolicy::Always,
        Some("Never") => PullPolicy::Never,
        _ => PullPolicy::Missing,
    };
    let mut ctr = Ctr { name: name.clone(), ..Default::default() };
    // env
    for e in c.list("env")? {
        let key = e.str("name")?.ok_or_else(|| invalid!("{}: no name", e.at("name")))?;
        if let Some(v) = e.str("value")? {
            o.env.push(format!("{key}={v}"));
        } else if let Some(from) = e.obj("valueFrom")? {
            if let Some((kind, r)) = [("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")]
                .into_iter()
                .find_map(|(k, f)| from.obj(f).ok().flatten().map(|r| (k, r)))
            {
                let obj = r.str("name")?.unwrap_or_default();
                let k = r.str("key")?.unwrap_or_default();
                let optional = r.bool("optional")?.unwrap_or(false);
                r.finish(unsupported);
                let data = if kind == "ConfigMap" { plan.configmaps.get(&obj) } else { plan.secrets.get(&obj) };
                match data.and_then(|d| d.get(&k)) {
                    Some(v) => o.env.push(format!("{key}={}", String::from_utf8_lossy(v))),
                    None if optional => {}
                    None => {
                        return Err(invalid!(
                            "{}: {kind} {obj} with key {k} is not defined in the YAML (or --configmap)",
                            e.at("valueFrom")
                        ));
                    }
                }
            } else if let Some(f) = from.obj("fieldRef")? {
                let path = f.str("fieldPath")?.unwrap_or_default();
                f.ignore(&["apiVersion"]);
                f.finish(unsupported);
                match path.as_str() {
                    // Filled in per replica (see `workload`).
                    "metadata.name" => o.env.push(format!("{key}=\u{0}podname")),
                    "metadata.namespace" => o.env.push(format!("{key}={namespace}")),
                    "status.podIP" => ctr.pod_ip_env.push(key.clone()),
                    "spec.nodeName" | "status.hostIP" => {
                        let host =
                            nix::unistd::gethostname().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default();
                        if path == "spec.nodeName" {
                            o.env.push(format!("{key}={host}"));
                        } else {
                            o.env.push(format!("{key}=127.0.0.1"));
                        }
                    }
                    other => {
                        return Err(invalid!(
                            "{}: fieldPath {other} is not supported (metadata.name, metadata.namespace, status.podIP, spec.nodeName, status.hostIP are)",
                            f.at("fieldPath")
                        ));
                    }
                }
            }
            from.finish(unsupported);
        } else {
            o.env.push(format!("{key}="));
        }
        e.finish(unsupported);
    }
    for e in c.list("envFrom")? {
        let prefix = e.str("prefix")?.unwrap_or_default();
        for (kind, f) in [("ConfigMap", "configMapRef"), ("Secret", "secretRef")] {
            if let Some(r) = e.obj(f)? {
                let obj = r.str("name")?.unwrap_or_default();
                let optional = r.bool("optional")?.unwrap_or(false);
                r.finish(unsupported);
                let data = if kind == "ConfigMap" { plan.configmaps.get(&obj) } else { plan.secrets.get(&obj) };
                match data {
                    Some(d) => {
                        o.env.extend(d.iter().map(|(k, v)| format!("{prefix}{k}={}", String::from_utf8_lossy(v))))
                    }
                    None if optional => {}
                    None => {
                        return Err(invalid!("{}: {kind} {obj} is not defined in the YAML (or --configmap)", e.at(f)));
                    }
                }
            }
        }
        e.finish(unsupported);
    }
    // ports
    for port in c.list("ports")? {
        let cp =
            port.int("containerPort")?.ok_or_else(|| invalid!("{}: no containerPort", port.at("containerPort")))?;
        let proto = port.str("protocol")?.unwrap_or_else(|| "TCP".into()).to_lowercase();
        ctr.ports.push((port.str("name")?, cp as u16, proto));
        port.ignore(&["hostPort", "hostIP"]); // read by read_pod_spec
        port.finish(unsupported);
    }
    // volumeMounts
    for m in c.list("volumeMounts")? {
        ctr.mounts.push(Mount {
            volume: m.str("name")?.ok_or_else(|| invalid!("{}: no name", m.at("name")))?,
            path: m.str("mountPath")?.ok_or_else(|| invalid!("{}: no mountPath", m.at("mountPath")))?,
            read_only: m.bool("readOnly")?.unwrap_or(false),
            sub_path: m.str("subPath")?,
        });
        m.finish(unsupported);
    }
    // securityContext
    if let Some(sc) = c.obj("securityContext")? {
        let (u, g) = (sc.int("runAsUser")?, sc.int("runAsGroup")?);
        if u.is_some() || g.is_some() {
            o.user = Some(user_of(u, g));
        }
        o.runtime.privileged = sc.bool("privileged")?.unwrap_or(false);
        o.runtime.read_only = sc.bool("readOnlyRootFilesystem")?.unwrap_or(false);
        if sc.bool("allowPrivilegeEscalation")? == Some(false) {
            o.runtime.security_opt.push("no-new-privileges".into());
        }
        if let Some(caps) = sc.obj("capabilities")? {
            o.runtime.cap_add = caps.strs("add")?;
            o.runtime.cap_drop = caps.strs("drop")?;
            caps.finish(unsupported);
        }
        sc.ignore(&["runAsNonRoot"]);
        sc.finish(unsupported);
    }
    // resources
    if let Some(r) = c.obj("resources")? {
        if let Some(l) = r.obj("limits")? {
            if let Some(m) = l.str("memory")? {
                o.runtime.resources.memory = Some(quantity_bytes(&m).map_err(at(l.at("memory")))?.to_string());
            }
            if let Some(cpu) = l.str("cpu")? {
                o.runtime.resources.cpus = Some(format!("{}", quantity_cpu(&cpu).map_err(at(l.at("cpu")))?));
            }
            l.finish(unsupported);
        }
        if let Some(q) = r.obj("requests")? {
            if let Some(m) = q.str("memory")? {
                o.runtime.resources.memory_reservation =
                    Some(quantity_bytes(&m).map_err(at(q.at("memory")))?.to_string());
            }
            if let Some(cpu) = q.str("cpu")? {
                o.runtime.resources.cpu_shares =
                    Some(((quantity_cpu(&cpu).map_err(at(q.at("cpu")))? * 1024.0) as u64).max(2));
            }
            q.finish(unsupported);
        }
        r.finish(unsupported);
    }
    // probes
    let live = c.obj("livenessProbe")?;
    let ready = c.obj("readinessProbe")?;
    if let Some(probe) = live.as_ref().or(ready.as_ref()) {
        o.health = probe_health(probe, &ctr.ports, unsupported)?;
        // A failing liveness probe kills the container and its restart
        // policy (the pod's restartPolicy) decides, as the kubelet does; a
        // readiness probe only reports.
        o.health.on_failure = Some(if live.is_some() { "kill" } else { "none" }.into());
    }
    if live.is_some() && ready.is_some() {
        unsupported.push(c.at("readinessProbe"));
    }
    o.runtime.tty = c.bool("tty")?.unwrap_or(false);
    o.runtime.interactive = c.bool("stdin")?.unwrap_or(false);
    c.ignore(&["terminationMessagePath", "terminationMessagePolicy", "stdinOnce"]);
    ctr.opts = o;
    Ok(ctr)
}

/// A probe as a healthcheck run with `/bin/sh -c` in the container.
fn probe_health(
    p: &Obj,
    ports: &[(Option<String>, u16, String)],
    unsupported: &mut Vec<String>,
) -> Result<HealthFlags> {
    let port_of = |o: &Obj| -> Result<u16> {
        let v = o.str("port")?.ok_or_else(|| invalid!("{}: no port", o.at("port")))?;
        if let Ok(n) = v.parse() {
            return Ok(n);
        }
        ports
            .iter()
            .find(|(n, _, _)| n.as_deref() == Some(v.as_str()))
            .map(|(_, p, _)| *p)
            .ok_or_else(|| invalid!("{}: no container port is named {v}", o.at("port")))
    };
    let timeout = p.int("timeoutSeconds")?.unwrap_or(1).max(1);
    let cmd = if let Some(e) = p.obj("exec")? {
        let argv = e.strs("command")?;
        e.finish(unsupported);
        argv.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")
    } else if let Some(h) = p.obj("httpGet")? {
        let port = port_of(&h)?;
        let host = h.str("host")?.unwrap_or_else(|| "localhost".into());
        let path = h.str("path")?.unwrap_or_else(|| "/".into());
        let scheme = h.str("scheme")?.unwrap_or_else(|| "HTTP".into()).to_lowercase();
        h.finish(unsupported);
        // No `-T`: busybox 1.35's wget crashes with it; the healthcheck's
        // own timeout bounds the probe.
        format!("wget -q -O /dev/null {}", shell_quote(&format!("{scheme}://{host}:{port}{path}")))
    } else if let Some(t) = p.obj("tcpSocket")? {
        let port = port_of(&t)?;
        let host = t.str("host")?.unwrap_or_else(|| "localhost".into());
        t.finish(unsupported);
        format!("nc -w {timeout} {} {port} </dev/null >/dev/null", shell_quote(&host))
    } else {
        return Err(invalid!("{}: only exec, httpGet and tcpSocket probes are supported", p.path()));
    };
    let secs = |k: &str| -> Result<Option<String>> { Ok(p.int(k)?.map(|s| format!("{}s", s.max(0)))) };
    let flags = HealthFlags {
        cmd: Some(cmd),
        interval: secs("periodSeconds")?.or(Some("10s".into())),
        timeout: Some(format!("{timeout}s")),
        retries: Some(p.int("failureThreshold")?.unwrap_or(3).max(1) as u32),
        start_period: secs("initialDelaySeconds")?,
        disabled: false,
        on_failure: None,
    };
    p.ignore(&["successThreshold"]);
    p.finish(unsupported);
    Ok(flags)
}

/// `'s'` with `'` escaped, for `sh -c`.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A Kubernetes memory quantity (`128Mi`, `1G`, `500000`) in bytes.
fn quantity_bytes(q: &str) -> Result<u64> {
    let units: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024f64.powi(4)),
        ("Pi", 1024f64.powi(5)),
        ("Ei", 1024f64.powi(6)),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (u, m) in units {
        if let Some(n) = q.strip_suffix(u) {
            let n: f64 = n.parse().map_err(|_| invalid!("invalid quantity {q:?}"))?;
            return Ok((n * m) as u64);
        }
    }
    let n: f64 = q.parse().map_err(|_| invalid!("invalid quantity {q:?}"))?;
    Ok(n as u64)
}

/// A Kubernetes CPU quantity (`500m`, `1.5`) in CPUs.
fn quantity_cpu(q: &str) -> Result<f64> {
    match q.strip_suffix('m') {
        Some(m) => Ok(m.parse::<f64>().map_err(|_| invalid!("invalid CPU quantity {q:?}"))? / 1000.0),
        None => q.parse().map_err(|_| invalid!("invalid CPU quantity {q:?}")),
    }
}

fn service(plan: &mut Plan, d: &serde_yaml_ng::Value) -> Result<()> {
    let o = Obj::new(d, "")?;
    o.ignore(&["apiVersion", "kind", "status"]);
    let meta = o.obj("metadata")?.expect("checked");
    let name = meta.str("name")?.unwrap_or_default();
    let mut unsupported = Vec::new();
    let spec = o.obj("spec")?.ok_or_else(|| invalid!("Service {name}: no spec"))?;
    let selector = spec.string_map("selector")?;
    spec.ignore(&[
        "type",
        "clusterIP",
        "clusterIPs",
        "sessionAffinity",
        "externalTrafficPolicy",
        "ipFamilies",
        "ipFamilyPolicy",
    ]);
    let ports = spec.list("ports")?;
    let selected: Vec<usize> = (0..plan.pods.len())
        .filter(|&i| !selector.is_empty() && selector.iter().all(|kv| plan.pods[i].labels.contains(kv)))
        .collect();
    // No kube-proxy here: the host port goes to one pod, the first.
    let target = selected.first().copied();
    if selected.len() > 1 && !ports.is_empty() {
        let names: Vec<&str> = selected.iter().map(|&i| plan.pods[i].name.as_str()).collect();
        plan.warnings.push(format!(
            "Service {name}: spec.selector matches {} pods ({}); its ports are published on {} only: rcon does not load-balance a Service over replicas",
            names.len(),
            names.join(", "),
            names[0]
        ));
    }
    for port in &ports {
        let svc_port = port.int("port")?.ok_or_else(|| invalid!("Service {name}: {}: no port", port.at("port")))?;
        let host = port.int("nodePort")?.unwrap_or(svc_port);
        let proto = port.str("protocol")?.unwrap_or_else(|| "TCP".into()).to_lowercase();
        port.ignore(&["name", "appProtocol"]);
        let tp = port.str("targetPort")?;
        port.finish(&mut unsupported);
        let Some(i) = target else { continue };
        let pod = &mut plan.pods[i];
        let cport: u16 = match tp {
            None => svc_port as u16,
            Some(t) => match t.parse() {
                Ok(n) => n,
                Err(_) => pod
                    .containers
                    .iter()
                    .flat_map(|c| c.ports.iter())
                    .find(|(n, _, _)| n.as_deref() == Some(t.as_str()))
                    .map(|(_, p, _)| *p)
                    .ok_or_else(|| invalid!("Service {name}: targetPort {t} names no container port"))?,
            },
        };
        pod.publish.push(format!("{host}:{cport}/{proto}"));
    }
    if target.is_none() && !ports.is_empty() {
        plan.warnings
            .push(format!("Service {name}: spec.selector matches no pod of the YAML; its ports are not published"));
    }
    spec.finish(&mut unsupported);
    o.finish(&mut unsupported);
    plan.unsupported.extend(unsupported.into_iter().map(|p| format!("Service {name}: {p}")));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {greeting: hello, app.conf: "a=1\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
data: {password: czNjcjN0}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes:
        - {name: data, persistentVolumeClaim: {claimName: webdata}}
        - {name: conf, configMap: {name: cfg}}
        - {name: scratch, emptyDir: {}}
      initContainers:
        - {name: init, image: bb, command: [sh, -c, "echo hi > /w/x"], volumeMounts: [{name: scratch, mountPath: /w}]}
      containers:
        - name: app
          image: bb
          command: [httpd]
          args: [-f, -p, "8080"]
          stdin: false
          frobnicate: 1
          env:
            - {name: GREETING, valueFrom: {configMapKeyRef: {name: cfg, key: greeting}}}
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: sec, key: password}}}
            - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: PLAIN, value: "1"}
          ports: [{name: http, containerPort: 8080}]
          resources: {limits: {memory: 64Mi, cpu: 500m}}
          livenessProbe: {httpGet: {path: /, port: http}, periodSeconds: 5}
          volumeMounts: [{name: data, mountPath: /data}, {name: conf, mountPath: /etc/app, readOnly: true}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 8088, targetPort: http}]
"#;

    #[test]
    fn a_deployment_with_config_secret_claim_and_service() {
        let plan = parse(APP, &PlayOptions::default()).unwrap();
        assert_eq!(plan.pods.len(), 2);
        assert_eq!(plan.pods[0].name, "web-pod-0");
        assert_eq!(plan.pods[1].name, "web-pod-1");
        assert_eq!(plan.claims, vec!["webdata"]);
        assert_eq!(plan.pods[0].publish, vec!["8088:8080/tcp"]);
        assert!(plan.pods[1].publish.is_empty(), "a Service's port goes to one pod");
        assert_eq!(
            plan.warnings,
            vec![
                "Service web: spec.selector matches 2 pods (web-pod-0, web-pod-1); its ports are published on web-pod-0 only: rcon does not load-balance a Service over replicas"
            ],
            "the other replicas are named"
        );
        let c = &plan.pods[1].containers[0];
        assert_eq!(c.opts.entrypoint.as_deref(), Some("httpd"));
        assert_eq!(c.opts.command, vec!["-f", "-p", "8080"]);
        assert!(c.opts.env.contains(&"GREETING=hello".to_string()));
        assert!(c.opts.env.contains(&"PASSWORD=s3cr3t".to_string()));
        assert!(c.opts.env.contains(&"POD=web-pod-1".to_string()));
        assert_eq!(c.opts.runtime.resources.memory.as_deref(), Some("67108864"));
        assert_eq!(c.opts.runtime.resources.cpus.as_deref(), Some("0.5"));
        assert_eq!(c.opts.restart, "always");
        assert_eq!(c.opts.health.cmd.as_deref(), Some("wget -q -O /dev/null http://localhost:8080/"));
        assert_eq!(c.opts.health.interval.as_deref(), Some("5s"));
        assert_eq!(c.opts.health.on_failure.as_deref(), Some("kill"), "a liveness probe kills");
        assert_eq!(plan.pods[0].init.len(), 1);
        assert_eq!(
            plan.unsupported,
            vec!["Deployment web: spec.template.spec.containers[0].frobnicate"],
            "unknown fields are reported by path"
        );
    }

    #[test]
    fn a_job_with_pod_fields_security_and_probes() {
        let yaml = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: env}
data: {A: "1", B: "2"}
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  backoffLimit: 2
  template:
    spec:
      hostname: worker
      hostAliases: [{ip: 10.1.2.3, hostnames: [db, db.local]}]
      dnsConfig: {nameservers: [9.9.9.9], searches: [example.org]}
      securityContext: {runAsUser: 1000, runAsGroup: 1000}
      terminationGracePeriodSeconds: 5
      containers:
        - name: main
          image: bb
          args: [echo, hi]
          envFrom: [{prefix: CM_, configMapRef: {name: env}}]
          ports: [{containerPort: 53, hostPort: 5353, protocol: UDP}]
          securityContext:
            privileged: true
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {add: [NET_ADMIN], drop: [ALL]}
          livenessProbe: {tcpSocket: {port: 53}, initialDelaySeconds: 2, failureThreshold: 5}
          readinessProbe: {exec: {command: [cat, /tmp/ready file]}}
"#;
        let plan = parse(yaml, &PlayOptions::default()).unwrap();
        let p = &plan.pods[0];
        assert_eq!(p.name, "batch-pod");
        assert_eq!(p.hostname.as_deref(), Some("worker"));
        assert_eq!(p.add_hosts, vec!["db:10.1.2.3", "db.local:10.1.2.3"]);
        assert_eq!((p.dns.clone(), p.dns_search.clone()), (vec!["9.9.9.9".into()], vec!["example.org".into()]));
        assert_eq!(p.publish, vec!["5353:53/udp"]);
        let o = &p.containers[0].opts;
        assert_eq!(o.restart, "on-failure", "a Job's default restart policy");
        assert_eq!(o.command, vec!["echo", "hi"]);
        assert_eq!(o.entrypoint, None, "args alone keep the image's entrypoint");
        assert_eq!(o.user.as_deref(), Some("1000:1000"));
        assert_eq!(o.stop_timeout, Some(5));
        assert!(o.env.contains(&"CM_A=1".to_string()) && o.env.contains(&"CM_B=2".to_string()));
        assert!(o.runtime.privileged && o.runtime.read_only);
        assert_eq!(o.runtime.security_opt, vec!["no-new-privileges"]);
        assert_eq!(
            (o.runtime.cap_add.clone(), o.runtime.cap_drop.clone()),
            (vec!["NET_ADMIN".into()], vec!["ALL".into()])
        );
        assert_eq!(o.health.cmd.as_deref(), Some("nc -w 1 localhost 53 </dev/null >/dev/null"));
        assert_eq!((o.health.start_period.as_deref(), o.health.retries), (Some("2s"), Some(5)));
        assert_eq!(
            plan.unsupported,
            vec!["Job batch: spec.template.spec.containers[0].readinessProbe"],
            "a second probe is reported: one healthcheck per container"
        );
    }

    #[test]
    fn publish_overrides_and_quantities() {
        let mut plan = parse(APP, &PlayOptions::default()).unwrap();
        apply_publish(&mut plan, &["127.0.0.1:9999:8080".to_string()]).unwrap();
        assert_eq!(plan.pods[0].publish, vec!["127.0.0.1:9999:8080"]);
        assert_eq!(quantity_bytes("1Gi").unwrap(), 1 << 30);
        assert_eq!(quantity_bytes("1M").unwrap(), 1_000_000);
        assert_eq!(quantity_cpu("250m").unwrap(), 0.25);
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let e = parse("kind: Ingress\nmetadata: {name: x}\n", &PlayOptions::default()).err().unwrap();
        assert!(e.to_string().contains("kind Ingress (x) is not supported"), "{e}");
    }
}
