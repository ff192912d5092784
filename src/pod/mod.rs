//! Pods: groups of containers that share one network, IPC and UTS
//! namespace (so they reach each other on `localhost` and have one host
//! name), as podman's pods and Kubernetes' Pods.
//!
//! # Model
//!
//! - A pod is a row of the store's `pods` table ([`PodRecord`]): name, ID,
//!   labels, host name, and the settings of its network (published ports,
//!   `--network`, `--add-host`, `--dns`).
//! - Its namespaces are held by an **infra container**, an ordinary
//!   container record named `<pod id 12>-infra` with no image (an empty
//!   root filesystem) whose init is rcon's own pause loop
//!   (`runtime::ANNOTATION_PAUSE`): no pause image to pull, one monitor
//!   like any detached container, ~nothing in memory but shared pages. The
//!   pod's published ports are the infra's `-p` (its network endpoint
//!   carries the DNAT), so they exist while the infra runs.
//! - A member container is created with `container::RunOptions::join` set
//!   to the infra: its spec joins the infra's network, IPC and UTS
//!   namespaces, and every start re-joins them at the infra's current pid
//!   (so a pod can be stopped and started again). Members carry the label
//!   [`LABEL_POD`] (the pod ID); the infra also [`LABEL_INFRA`].
//! - Lifecycle order: the infra starts first and stops last.
//!
//! Nothing here forks: starting goes through `container::start` (a
//! monitor per container, hazard 7 and 9 as for any container).

use crate::container::{self, RunOptions};
use crate::store::{ContainerRow, ContainerStatus, PodError, PodRecord, Store, events};
use chrono::Utc;
use nix::sys::signal::Signal;
use serde_json::{Value, json};

/// Errors of pod management, naming the pod (and the container) and what
/// to do. A lower layer's error is wrapped with its own message and kept
/// as the `source`, so the front ends still find it by type in the chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--name` outside docker's alphabet.
    #[error("invalid pod name ({0}): only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")]
    InvalidName(String),
    /// A `--label` with an empty key.
    #[error("invalid label {0:?}: the key is empty")]
    BadLabel(String),
    /// Ten generated names were all taken.
    #[error("could not generate a unique pod name; pass --name")]
    NoUniqueName,
    /// The pod's infra container has no record any more.
    #[error("pod {0}: its infra container is gone; remove the pod (`rcon pod rm -f {0}`)")]
    InfraGone(String, #[source] crate::store::StoreError),
    /// The infra container cannot be started.
    #[error("cannot start the infra of pod {pod}")]
    InfraStart {
        /// The pod's name.
        pod: String,
        /// The container's error.
        #[source]
        source: Box<crate::container::Error>,
    },
    /// A member cannot be started, stopped, killed or removed.
    #[error("pod {pod}: cannot {step} container {container}")]
    Member {
        /// The pod's name.
        pod: String,
        /// `start`, `stop`, `kill` or `remove`.
        step: &'static str,
        /// The container's name.
        container: String,
        /// The container's error.
        #[source]
        source: Box<crate::container::Error>,
    },
    /// `pod rm` without `-f` of a pod with running containers.
    #[error("pod {0} has running containers: stop it first (`rcon pod stop {0}`) or remove it with -f")]
    Running(String),
    /// `rm` of a pod's infra container (podman's words, reported as
    /// docker's daemon reports refusals).
    #[error("{0}")]
    InfraContainer(#[source] crate::util::DaemonError),
    /// A container operation failed.
    #[error("{0}")]
    Container(#[from] Box<crate::container::Error>),
    /// The pod records failed (among others: no such pod, name in use).
    #[error("{0}")]
    Pod(#[from] PodError),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

impl From<crate::container::Error> for Error {
    fn from(e: crate::container::Error) -> Error {
        Error::Container(Box::new(e))
    }
}

type Result<T, E = Error> = std::result::Result<T, E>;

/// Label on every container of a pod (the infra included): the pod's ID.
pub use crate::container::list::LABEL_POD;
/// Label on a pod's infra container (`"true"`).
pub const LABEL_INFRA: &str = "io.rcon.pod.infra";
/// The image name shown for infra containers (there is no such image).
pub const INFRA_IMAGE: &str = "rcon/infra";

/// What `rcon pod create` was asked for.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// `--name` (default: a generated name).
    pub name: Option<String>,
    /// `--hostname` (default: the pod's name).
    pub hostname: Option<String>,
    /// `--label KEY=VALUE`.
    pub labels: Vec<String>,
    /// `-p` specs, as for `run`.
    pub publish: Vec<String>,
    /// `--network` (bridge, none, host or a network's name).
    pub network: Option<String>,
    /// `--add-host NAME:IP`.
    pub add_hosts: Vec<String>,
    /// `--dns`.
    pub dns: Vec<String>,
    /// `--dns-search`.
    pub dns_search: Vec<String>,
}

/// Creates a pod and its infra container (not started; [`start`] or the
/// first member's run starts it). Errors: a bad or taken name (pods and
/// containers are separate name spaces), bad `-p`/`--network` values, a
/// host port already taken. Nothing remains after an error.
pub fn create(store: &Store, opts: &CreateOptions) -> Result<PodRecord> {
    if let Some(n) = &opts.name
        && !crate::util::is_valid_name(n)
    {
        return Err(Error::InvalidName(n.clone()));
    }
    let mut labels = std::collections::BTreeMap::new();
    for l in &opts.labels {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            return Err(Error::BadLabel(l.clone()));
        }
        labels.insert(k.to_string(), v.to_string());
    }
    let id = crate::util::random_hex(32);
    let mut pod = PodRecord {
        id: id.clone(),
        name: opts.name.clone().unwrap_or_default(),
        created: Utc::now(),
        labels,
        hostname: String::new(),
        infra_id: String::new(),
        publish: opts.publish.clone(),
        network: opts.network.clone(),
        add_hosts: opts.add_hosts.clone(),
        dns: opts.dns.clone(),
        dns_search: opts.dns_search.clone(),
    };
    claim_name(store, &mut pod, opts.name.is_some())?;
    pod.hostname = opts.hostname.clone().unwrap_or_else(|| pod.name.clone());
    let made = (|| -> Result<()> {
        let infra = container::create(store, &infra_options(&pod))?;
        container::cleanup::release(store, &infra.record.id);
        pod.infra_id = infra.record.id;
        store.update_pod(&pod)?;
        Ok(())
    })();
    if let Err(e) = made {
        if !pod.infra_id.is_empty() {
            let _ = container::remove(store, &pod.infra_id, true);
        }
        let _ = store.remove_pod(&pod.id);
        return Err(e);
    }
    events::record(store, "pod", "create", &pod.id, &[("name", &pod.name)]);
    Ok(pod)
}

fn claim_name(store: &Store, pod: &mut PodRecord, user_given: bool) -> Result<()> {
    if user_given {
        return Ok(store.create_pod(pod)?);
    }
    for attempt in 0..10 {
        pod.name = container::names::generate();
        if attempt >= 3 {
            pod.name = format!("{}{}", pod.name, attempt);
        }
        match store.create_pod(pod) {
            Err(PodError::NameInUse { .. }) => continue,
            other => return Ok(other?),
        }
    }
    Err(Error::NoUniqueName)
}

/// The infra container's options for `pod`.
fn infra_options(pod: &PodRecord) -> RunOptions {
    RunOptions {
        image: INFRA_IMAGE.into(),
        command: vec!["rcon-infra".into()],
        name: Some(format!("{}-infra", &pod.id[..12])),
        hostname: Some(pod.hostname.clone()),
        labels: vec![format!("{LABEL_POD}={}", pod.id), format!("{LABEL_INFRA}=true")],
        network: crate::network::NetworkOptions {
            network: pod.network.clone(),
            publish: pod.publish.clone(),
            add_hosts: pod.add_hosts.clone(),
            dns: pod.dns.clone(),
            dns_search: pod.dns_search.clone(),
            ..Default::default()
        },
        infra: true,
        ..Default::default()
    }
}

/// Makes `opts` create a member of pod `name` (name, ID or prefix): joins
/// its infra (started first if it is not running), takes the pod's host
/// name unless one is given, the pod's `--add-host`, `--dns` and `--dns-search`
/// entries before its own, and labels it with the pod's ID. Returns the
/// pod. `rcon run/create --pod` and `kube play` call this before
/// `container::create`.
pub fn join(store: &Store, name: &str, opts: &mut RunOptions) -> Result<PodRecord> {
    let pod = store.find_pod(name)?;
    ensure_infra_running(store, &pod)?;
    opts.join = Some(pod.infra_id.clone());
    if opts.hostname.is_none() {
        opts.hostname = Some(pod.hostname.clone());
    }
    opts.labels.push(format!("{LABEL_POD}={}", pod.id));
    // The pod's host entries and DNS settings are every member's (each
    // member has its own /etc/hosts and /etc/resolv.conf).
    let net = &mut opts.network;
    for (mine, pods) in
        [(&mut net.add_hosts, &pod.add_hosts), (&mut net.dns, &pod.dns), (&mut net.dns_search, &pod.dns_search)]
    {
        let extra: Vec<String> = pods.iter().filter(|v| !mine.contains(v)).cloned().collect();
        mine.splice(0..0, extra);
    }
    Ok(pod)
}

fn ensure_infra_running(store: &Store, pod: &PodRecord) -> Result<()> {
    let state = store.container_state(&pod.infra_id).map_err(|e| Error::InfraGone(pod.name.clone(), e))?;
    if state.status != ContainerStatus::Running {
        container::start(store, &pod.infra_id)
            .map_err(|e| Error::InfraStart { pod: pod.name.clone(), source: Box::new(e) })?;
    }
    Ok(())
}

/// A [`Error::Member`] maker for `step` on member `c` of `pod`.
fn member<'a>(
    pod: &'a PodRecord,
    step: &'static str,
    c: &'a ContainerRow,
) -> impl FnOnce(crate::container::Error) -> Error + 'a {
    move |e| Error::Member { pod: pod.name.clone(), step, container: c.name.clone(), source: Box::new(e) }
}

/// The pod's containers (infra included), oldest first.
pub fn members(store: &Store, pod: &PodRecord) -> Result<Vec<ContainerRow>> {
    Ok(store
        .list_containers(&Default::default())?
        .into_iter()
        .filter(|c| c.labels.get(LABEL_POD) == Some(&pod.id))
        .collect())
}

/// True for a pod's infra container row.
pub fn is_infra(row: &ContainerRow) -> bool {
    row.labels.get(LABEL_INFRA).is_some_and(|v| v == "true")
}

/// Refuses the removal of container `name` when it is a pod's infra
/// container (the pod's namespaces die with it): an error in podman's
/// words naming the pod, which `rcon pod rm` removes with the infra. Other
/// containers, and names that find nothing, pass (the removal reports those).
pub fn check_removable(store: &Store, name: &str) -> Result<()> {
    let Ok(row) = store.find_container_row(name) else { return Ok(()) };
    if !is_infra(&row) {
        return Ok(());
    }
    let pod = row.labels.get(LABEL_POD).cloned().unwrap_or_default();
    let pod_name = store.find_pod(&pod).map(|p| p.name).unwrap_or(pod);
    Err(Error::InfraContainer(crate::util::DaemonError(format!(
        "container {} is the infra container of pod {pod_name} and cannot be removed without removing the pod: use `rcon pod rm {pod_name}`",
        row.id
    ))))
}

/// podman's pod status from its containers (the infra counts only in a pod
/// without other containers): `Created` (none started yet), `Running` (all
/// run), `Degraded` (some run), `Exited` (none runs).
pub fn status(all: &[ContainerRow]) -> &'static str {
    let others: Vec<ContainerRow> = all.iter().filter(|c| !is_infra(c)).cloned().collect();
    let members = if others.is_empty() { all } else { &others[..] };
    let running = members.iter().filter(|c| c.state.status == ContainerStatus::Running).count();
    if members.is_empty() || members.iter().all(|c| c.state.status == ContainerStatus::Created) {
        "Created"
    } else if running == members.len() {
        "Running"
    } else if running > 0 {
        "Degraded"
    } else {
        "Exited"
    }
}

/// Starts a pod: its infra, then every member not running. Returns the pod.
pub fn start(store: &Store, name: &str) -> Result<PodRecord> {
    let pod = store.find_pod(name)?;
    ensure_infra_running(store, &pod)?;
    for c in members(store, &pod)?.iter().filter(|c| !is_infra(c)) {
        if c.state.status != ContainerStatus::Running {
            container::start(store, &c.id).map_err(member(&pod, "start", c))?;
        }
    }
    events::record(store, "pod", "start", &pod.id, &[("name", &pod.name)]);
    Ok(pod)
}

/// Stops a pod: every member with its stop signal (SIGKILL after
/// `timeout` seconds, default each one's), then the infra.
pub fn stop(store: &Store, name: &str, timeout: Option<u64>) -> Result<PodRecord> {
    let pod = store.find_pod(name)?;
    let all = members(store, &pod)?;
    let (infra, others): (Vec<_>, Vec<_>) = all.iter().partition(|c| is_infra(c));
    for c in others.iter().chain(infra.iter()) {
        if c.state.status == ContainerStatus::Running {
            container::lifecycle::stop(store, &c.id, timeout).map_err(member(&pod, "stop", c))?;
        }
    }
    events::record(store, "pod", "stop", &pod.id, &[("name", &pod.name)]);
    Ok(pod)
}

/// Sends `signal` to every running container of the pod (members, then
/// the infra).
pub fn kill(store: &Store, name: &str, signal: Signal) -> Result<PodRecord> {
    let pod = store.find_pod(name)?;
    let all = members(store, &pod)?;
    let (infra, others): (Vec<_>, Vec<_>) = all.iter().partition(|c| is_infra(c));
    for c in others.iter().chain(infra.iter()) {
        if c.state.status == ContainerStatus::Running {
            container::lifecycle::kill(store, &c.id, signal).map_err(member(&pod, "kill", c))?;
        }
    }
    events::record(store, "pod", "kill", &pod.id, &[("name", &pod.name)]);
    Ok(pod)
}

/// Removes a pod and its containers (members first, then the infra; with
/// `volumes`, their anonymous volumes too). A pod with running containers
/// is refused unless `force`, which kills them.
pub fn remove(store: &Store, name: &str, force: bool, volumes: bool) -> Result<PodRecord> {
    let pod = store.find_pod(name)?;
    let all = members(store, &pod)?;
    if !force && all.iter().any(|c| c.state.status == ContainerStatus::Running) {
        return Err(Error::Running(pod.name.clone()));
    }
    let (infra, others): (Vec<_>, Vec<_>) = all.iter().partition(|c| is_infra(c));
    for c in others.iter().chain(infra.iter()) {
        match container::remove(store, &c.id, force) {
            Ok(Some(record)) if volumes => crate::volume::remove_anonymous(store, &record),
            Ok(_) => {}
            // Gone meanwhile (removed by another process): nothing to do.
            Err(e)
                if std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |c| c.source())
                    .any(|c| matches!(c.downcast_ref(), Some(crate::store::StoreError::NoSuchContainer(_)))) => {}
            Err(e) => return Err(member(&pod, "remove", c)(e)),
        }
    }
    store.remove_pod(&pod.id)?;
    events::record(store, "pod", "remove", &pod.id, &[("name", &pod.name)]);
    Ok(pod)
}

/// Removes every pod none of whose containers runs; returns their IDs.
pub fn prune(store: &Store) -> Result<Vec<String>> {
    let mut gone = Vec::new();
    for pod in store.pods()? {
        let all = members(store, &pod)?;
        if all.iter().all(|c| c.state.status != ContainerStatus::Running) {
            remove(store, &pod.id, false, false)?;
            gone.push(pod.id);
        }
    }
    Ok(gone)
}

/// A pod as `rcon pod inspect` shows it (podman's keys).
pub fn inspect_json(store: &Store, pod: &PodRecord) -> Result<Value> {
    let all = members(store, &pod.clone())?;
    let containers: Vec<Value> = all
        .iter()
        .map(|c| json!({"Id": c.id, "Name": c.name, "State": container::inspect::status_word(&c.state)}))
        .collect();
    let ports = crate::container::network_settings::settings_json(store, &pod.infra_id)["Ports"].clone();
    Ok(json!({
        "Id": pod.id,
        "Name": pod.name,
        "Created": pod.created.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "State": status(&all),
        "Hostname": pod.hostname,
        "Labels": pod.labels,
        "CreateInfra": true,
        "InfraContainerID": pod.infra_id,
        "InfraConfig": {
            "PortBindings": ports,
            "Networks": [pod.network.clone().unwrap_or_else(|| "bridge".into())],
            "HostAdd": pod.add_hosts,
            "DNSServer": pod.dns,
            "DNSSearch": pod.dns_search,
        },
        "SharedNamespaces": ["ipc", "net", "uts"],
        "NumContainers": all.len(),
        "Containers": containers,
    }))
}

/// Pod names by ID, for the POD column of `ps`.
pub fn names_by_id(store: &Store) -> std::collections::HashMap<String, String> {
    store.pods().unwrap_or_default().into_iter().map(|p| (p.id, p.name)).collect()
}
