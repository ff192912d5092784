//! Container networking: `--network bridge|none|host|NAME|container:ID`,
//! IPAM, veth pairs, published ports (`-p`, `-P`), NAT, and name resolution
//! on user networks. Owns `containers/<id>/network.json` (the endpoint),
//! `<root>/networks/` (user networks) and the host-wide `/run/rcon/network/`
//! (leases and port reservations: bridges and ports are host-wide, shared by
//! every store).
//!
//! # Lifecycle
//!
//! 1. [`NetworkOptions::plan`] (before anything is created): checks the
//!    flags, the network and that fixed host ports are free; tells how the
//!    spec's network namespace must look ([`Namespace`]).
//! 2. [`prepare`] (container created): writes the endpoint and the
//!    container's `/etc/hosts` and `/etc/resolv.conf`.
//! 3. [`attach`] (in the parent, after the clone, before the init goes on;
//!    `runtime::SpawnOptions::on_created`): for each bridge network, a lease,
//!    the bridge if missing, a veth pair `rv<id>` in the bridge with its peer
//!    `ethN` in the container's namespace, address, up, default route; then
//!    the published ports (reservation + DNAT map elements) and the hosts
//!    files of the network's other containers. Rootless (`pasta`),
//!    [`attach_begin`] only starts pasta, and the wait for it to have
//!    configured the namespace runs while the init mounts its root
//!    filesystem (`runtime::SpawnOptions::before_exec`), right before the
//!    container's program starts.
//! 4. [`detach`] (after the container ended, on `rm`, on a failed start;
//!    idempotent): deletes the veth (gone anyway with the namespace), the
//!    DNAT elements, the reservations and leases, and the container's name
//!    from its peers' hosts files.
//!
//! Links, addresses and routes go through netlink ([`netlink`]); NAT and
//! port forwarding through `nft` in rcon's own table ([`nft`]).
//!
//! # Name resolution
//!
//! On user networks, containers find each other by name, `--network-alias`
//! and short ID through their `/etc/hosts` files, which rcon rewrites (in
//! place: the file is bind-mounted) whenever a container joins or leaves the
//! network. No resolver process is needed (rcon has no daemon to host one),
//! lookups cost nothing, and every libc reads /etc/hosts first. The default
//! `bridge` network resolves no names, as with docker.

pub mod dns;
pub mod ipam;
pub mod netlink;
pub mod networks;
pub mod nfnetlink;
pub mod nft;
pub mod pasta;
pub mod ports;

use crate::store::Store;
use ports::PortMapping;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub use networks::Network;

/// Host-wide network state: leases, port reservations, locks.
pub const HOST_STATE: &str = "/run/rcon/network";

/// Networking errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `-p` value is malformed.
    #[error("invalid publish spec {spec:?}: {reason}")]
    BadPort {
        /// The value.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A host port is taken (by another container or a host process).
    #[error("Bind for {addr} failed: port is already allocated ({proto}); choose another host port")]
    PortTaken {
        /// `IP:PORT`.
        addr: String,
        /// Protocol.
        proto: ports::Proto,
    },
    /// No network has this name or ID.
    #[error("network {0} not found")]
    NoSuchNetwork(String),
    /// A bad network flag or definition.
    #[error("{0}")]
    BadNetwork(String),
    /// An address cannot be leased.
    #[error("{0}")]
    Address(String),
    /// A network is used by containers.
    #[error("error while removing network: network {name} has active endpoints ({containers})")]
    InUse {
        /// The network.
        name: String,
        /// Names of the containers using it.
        containers: String,
    },
    /// Netlink failed.
    #[error(transparent)]
    Netlink(#[from] netlink::Error),
    /// nft failed or is missing.
    #[error("{0}")]
    Nft(String),
    /// I/O on a file of rcon's network state.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The store's database (network records) failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

pub(crate) fn io(path: impl AsRef<Path>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.as_ref().to_path_buf();
    move |source| Error::Io { path, source }
}

pub(crate) fn lock(path: &Path) -> Result<crate::store::StoreLock, Error> {
    crate::store::StoreLock::exclusive(path)
        .map_err(|e| Error::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })
}

/// Who holds a lease or a port: a container of some store, and while it
/// runs its init (pid and start time, to tell a reused pid apart).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Owner {
    /// The container's directory in its store.
    pub dir: PathBuf,
    /// Its init's host pid, once started.
    #[serde(default)]
    pub pid: Option<i32>,
    /// The init's start time (clock ticks since boot, /proc/PID/stat field 22).
    #[serde(default)]
    pub start: Option<u64>,
}

impl PartialEq for Owner {
    fn eq(&self, other: &Owner) -> bool {
        self.dir == other.dir
    }
}

impl Owner {
    /// Still using what it holds: its container exists and, once started,
    /// its init still runs.
    pub fn alive(&self) -> bool {
        self.dir.join("config.json").exists()
            && self.pid.is_none_or(|p| self.start.is_some() && crate::store::process_alive(p, self.start))
    }

    fn read(path: &Path) -> Option<Owner> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    fn write(&self, path: &Path) -> Result<(), Error> {
        std::fs::write(path, serde_json::to_vec(self).expect("serializes")).map_err(io(path))
    }
}

/// The networking flags of `rcon run`.
#[derive(Debug, Clone, Default)]
pub struct NetworkOptions {
    /// `--network` (default `bridge`).
    pub network: Option<String>,
    /// `--network-alias`.
    pub aliases: Vec<String>,
    /// `-p`.
    pub publish: Vec<String>,
    /// `-P`.
    pub publish_all: bool,
    /// `--expose PORT[/PROTO]` (also `ExposedPorts` of an API create
    /// body): ports `-P` publishes besides the image's EXPOSE.
    pub expose: Vec<String>,
    /// `--ip`.
    pub ip: Option<String>,
    /// `--add-host NAME:IP`.
    pub add_hosts: Vec<String>,
    /// `--dns`.
    pub dns: Vec<String>,
    /// `--dns-search`.
    pub dns_search: Vec<String>,
    /// `--dns-option`.
    pub dns_options: Vec<String>,
}

/// The network mode of a container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Its own namespace with only `lo`.
    None,
    /// The host's namespace.
    Host,
    /// Another container's namespace (its full ID).
    Container(String),
    /// Its own namespace, attached to bridge networks.
    Bridge,
    /// Rootless: its own namespace, connected by `pasta` (see [`pasta`]).
    Pasta,
}

/// What the container's network namespace in the runtime spec must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Namespace {
    /// A new one (none, bridge).
    New,
    /// The host's (no network namespace entry).
    Host,
    /// Join this one (`/proc/PID/ns/net` of another container).
    Join(PathBuf),
}

/// One bridge network a container is (to be) attached to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    /// The network's name.
    pub network: String,
    /// `--network-alias` names on it.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `--ip`, if asked.
    #[serde(default)]
    pub wanted_ip: Option<Ipv4Addr>,
    /// While attached: the network's bridge.
    #[serde(default)]
    pub bridge: Option<String>,
    /// While attached: the leased address.
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    /// While attached: prefix length.
    #[serde(default)]
    pub prefix: u8,
    /// While attached: gateway.
    #[serde(default)]
    pub gateway: Option<Ipv4Addr>,
    /// While attached: the host end of the veth pair.
    #[serde(default)]
    pub veth: Option<String>,
    /// While attached: the container's interface (`eth0`…).
    #[serde(default)]
    pub ifname: Option<String>,
    /// While attached: its MAC address.
    #[serde(default)]
    pub mac: Option<String>,
}

/// A container's networking, `containers/<id>/network.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoint {
    /// Mode.
    pub mode: Mode,
    /// Container name (for peers' hosts files).
    pub name: String,
    /// Host name.
    pub hostname: String,
    /// Bridge networks, the first one carrying the default route and the
    /// published ports.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// `-p` / `-P` as asked (host port 0: any).
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    /// While running: the ports as published.
    #[serde(default)]
    pub published: Vec<PortMapping>,
    /// The image's EXPOSE and `--expose` ports (`"80/tcp"`), published or
    /// not: inspect's `ExposedPorts`.
    #[serde(default)]
    pub exposed: Vec<String>,
    /// `--add-host` entries (name, address).
    #[serde(default)]
    pub extra_hosts: Vec<(String, String)>,
    /// While running: the owner (the container's dir and init).
    #[serde(default)]
    pub owner: Option<Owner>,
}

fn endpoint_path(store: &Store, id: &str) -> PathBuf {
    store.container_dir(id).join("network.json")
}

/// Reads a container's endpoint (`None`: it has none).
pub fn endpoint(store: &Store, id: &str) -> Option<Endpoint> {
    serde_json::from_slice(&std::fs::read(endpoint_path(store, id)).ok()?).ok()
}

fn save(store: &Store, id: &str, ep: &Endpoint) -> Result<(), Error> {
    let dir = store.container_dir(id);
    if !dir.exists() {
        return Ok(()); // removed meanwhile
    }
    let p = endpoint_path(store, id);
    crate::util::write_atomic(&p, &serde_json::to_vec_pretty(ep).expect("serializes"), 0o666, false).map_err(io(&p))
}

/// A checked plan for a container's networking, made before it exists.
#[derive(Debug, Clone)]
pub struct Plan {
    mode: Mode,
    namespace: Namespace,
    attachments: Vec<Attachment>,
    ports: Vec<PortMapping>,
    exposed: Vec<String>,
    extra_hosts: Vec<(String, String)>,
    opts: NetworkOptions,
}

impl Plan {
    /// How the spec's network namespace must be.
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }
}

impl NetworkOptions {
    /// Checks the flags against the store and the host: the network exists,
    /// `-p` values parse and fixed host ports are free, `--add-host` and
    /// `--dns` values are well formed. `exposed` is the image's
    /// ExposedPorts, which `-P` publishes with `--expose`'s. Errors name
    /// the flag.
    pub fn plan(&self, store: &Store, exposed: &[String]) -> Result<Plan, Error> {
        let net = self.network.as_deref().unwrap_or(networks::DEFAULT_NETWORK);
        let mut ports = Vec::new();
        for p in &self.publish {
            ports.extend(ports::parse_publish(p)?);
        }
        let mut all_exposed = Vec::new();
        for e in exposed.iter().chain(&self.expose) {
            if e.contains(':') {
                return Err(Error::BadNetwork(format!("--expose: invalid port {e:?}: expected PORT[-PORT][/PROTO]")));
            }
            for m in ports::parse_publish(e)? {
                let key = format!("{}/{}", m.container_port, m.proto);
                if !all_exposed.contains(&key) {
                    all_exposed.push(key);
                }
            }
        }
        if self.publish_all {
            let more = ports::publish_all(&all_exposed, &ports)?;
            ports.extend(more);
        }
        let mut extra_hosts = Vec::new();
        for h in &self.add_hosts {
            let (name, ip) = h
                .split_once(':')
                .filter(|(n, ip)| !n.is_empty() && (ip.parse::<std::net::IpAddr>().is_ok() || *ip == "host-gateway"))
                .ok_or_else(|| Error::BadNetwork(format!("--add-host: invalid value {h:?}: expected NAME:IP")))?;
            if name.chars().any(|c| c.is_whitespace() || c.is_control() || c == '#') {
                return Err(Error::BadNetwork(format!(
                    "--add-host: invalid host name {name:?} in {h:?}: it cannot contain spaces"
                )));
            }
            extra_hosts.push((name.to_string(), ip.to_string()));
        }
        for d in &self.dns {
            d.parse::<std::net::IpAddr>()
                .map_err(|_| Error::BadNetwork(format!("--dns: {d:?} is not an IP address")))?;
        }
        let wanted_ip = match &self.ip {
            Some(ip) => Some(ip.parse().map_err(|_| Error::BadNetwork(format!("--ip: invalid IPv4 address {ip:?}")))?),
            None => None,
        };
        let no_ports = |mode: &str| -> Result<(), Error> {
            if !ports.is_empty() || !self.aliases.is_empty() || wanted_ip.is_some() {
                return Err(Error::BadNetwork(format!(
                    "published ports, --ip and --network-alias need a bridge network, not --network {mode}"
                )));
            }
            Ok(())
        };
        let rootless = crate::runtime::rootless::is_rootless();
        let (mode, namespace, attachments) = match net {
            "pasta" | networks::DEFAULT_NETWORK if rootless => {
                if !self.aliases.is_empty() || wanted_ip.is_some() {
                    return Err(Error::BadNetwork(
                        "--ip and --network-alias need a user network, which rootless rcon does not have yet".into(),
                    ));
                }
                (Mode::Pasta, Namespace::New, vec![])
            }
            name if rootless && name != "none" && name != "host" && !name.starts_with("container:") => {
                return Err(Error::BadNetwork(format!(
                    "--network {name}: rootless rcon has no user networks yet (use the default, pasta, none, host or container:NAME)"
                )));
            }
            "none" => {
                no_ports("none")?;
                (Mode::None, Namespace::New, vec![])
            }
            "host" => {
                no_ports("host")?;
                (Mode::Host, Namespace::Host, vec![])
            }
            c if c.starts_with("container:") => {
                no_ports(c)?;
                let other =
                    store.find_container(&c["container:".len()..]).map_err(|e| Error::BadNetwork(e.to_string()))?;
                let state = store.container_state(&other.id).map_err(|e| Error::BadNetwork(e.to_string()))?;
                let pid = match (state.status, state.pid) {
                    (crate::store::ContainerStatus::Running, Some(pid)) => pid,
                    _ => {
                        return Err(Error::BadNetwork(format!(
                            "cannot join the network of container {c}: it is not running"
                        )));
                    }
                };
                (Mode::Container(other.id), Namespace::Join(PathBuf::from(format!("/proc/{pid}/ns/net"))), vec![])
            }
            name => {
                let mut nl = netlink::Netlink::open()?;
                let n = networks::find(store, &mut nl, name)?;
                if !n.names && !self.aliases.is_empty() {
                    return Err(Error::BadNetwork(
                        "network-scoped aliases are only supported for user-defined networks".into(),
                    ));
                }
                let att = Attachment {
                    network: n.name,
                    aliases: self.aliases.clone(),
                    wanted_ip,
                    bridge: None,
                    ip: None,
                    prefix: 0,
                    gateway: None,
                    veth: None,
                    ifname: None,
                    mac: None,
                };
                (Mode::Bridge, Namespace::New, vec![att])
            }
        };
        let nobody = Owner { dir: PathBuf::new(), pid: None, start: None };
        ports::check(&ports, &nobody)?;
        Ok(Plan { mode, namespace, attachments, ports, exposed: all_exposed, extra_hosts, opts: self.clone() })
    }
}

/// Applies a plan's namespace to a runtime spec: drops the network
/// namespace for `host`, sets its path for `container:`.
pub fn apply_to_spec(plan: &Plan, spec: &mut oci_spec::runtime::Spec) {
    use oci_spec::runtime::{LinuxNamespaceBuilder, LinuxNamespaceType};
    let Some(linux) = spec.linux_mut() else { return };
    let mut nss = linux.namespaces().clone().unwrap_or_default();
    nss.retain(|n| n.typ() != LinuxNamespaceType::Network);
    match &plan.namespace {
        Namespace::New => nss.push(LinuxNamespaceBuilder::default().typ(LinuxNamespaceType::Network).build().unwrap()),
        Namespace::Host => {}
        Namespace::Join(p) => {
            nss.push(LinuxNamespaceBuilder::default().typ(LinuxNamespaceType::Network).path(p.clone()).build().unwrap())
        }
    }
    linux.set_namespaces(Some(nss));
}

/// Records the plan as the container's endpoint and writes its
/// `/etc/hosts` and `/etc/resolv.conf` (`dir` holds `hosts` and
/// `resolv.conf`, bind-mounted by the spec).
pub fn prepare(store: &Store, id: &str, name: &str, hostname: &str, plan: &Plan) -> Result<(), Error> {
    let ep = Endpoint {
        mode: plan.mode.clone(),
        name: name.to_string(),
        hostname: hostname.to_string(),
        attachments: plan.attachments.clone(),
        ports: plan.ports.clone(),
        published: vec![],
        exposed: plan.exposed.clone(),
        extra_hosts: plan.extra_hosts.clone(),
        owner: None,
    };
    save(store, id, &ep)?;
    let dir = store.container_dir(id);
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let base = if plan.mode == Mode::Host { host_resolv } else { dns::resolv_conf_from_host(&host_resolv) };
    let resolv = dns::resolv_conf(&base, &plan.opts.dns, &plan.opts.dns_search, &plan.opts.dns_options);
    let p = dir.join("resolv.conf");
    std::fs::write(&p, resolv).map_err(io(&p))?;
    dns::write_hosts(store, id, &ep, &[])
}

/// The names a container answers to on a network: name, aliases, short ID.
fn names_on(id: &str, ep: &Endpoint, att: &Attachment) -> Vec<String> {
    let mut v = vec![ep.name.clone()];
    v.extend(att.aliases.iter().cloned());
    v.push(id[..12].to_string());
    v.dedup();
    v
}

/// The containers of the store with an endpoint, and their endpoints.
fn all_endpoints(store: &Store) -> Vec<(String, Endpoint)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(store.containers_dir()).into_iter().flatten().flatten() {
        let id = e.file_name().to_string_lossy().into_owned();
        if id.len() == 64
            && let Some(ep) = endpoint(store, &id)
        {
            out.push((id, ep));
        }
    }
    out
}

/// The endpoints of the containers recorded as running (an indexed query
/// of the store's database, then one file per running container), and of
/// container `also` (one being attached, not recorded as running yet):
/// the only ones that can be attached, or stale after a killed monitor.
/// Falls back to every container's endpoint when the database cannot be
/// read.
fn attached_endpoints(store: &Store, also: Option<&str>) -> Vec<(String, Endpoint)> {
    let query = crate::store::ContainerQuery { running: true, ..Default::default() };
    let Ok(rows) = store.list_containers(&query) else { return all_endpoints(store) };
    let mut ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
    // Containers attached by other processes and not yet recorded as
    // running (several started at once, `compose up`): their markers. A
    // marker goes once its container is recorded as running or its
    // endpoint is gone or stale.
    let dir = attaching_dir(store);
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let id = e.file_name().to_string_lossy().into_owned();
        let live = endpoint(store, &id).and_then(|ep| ep.owner).is_some_and(|o| o.alive());
        if ids.contains(&id) || !live {
            let _ = std::fs::remove_file(e.path());
        } else {
            ids.push(id);
        }
    }
    if let Some(id) = also
        && !ids.iter().any(|i| i == id)
    {
        ids.push(id.to_string());
    }
    ids.into_iter().filter_map(|id| endpoint(store, &id).map(|ep| (id, ep))).collect()
}

/// `RUNROOT/attaching/`: one empty file per container whose network
/// [`attach`] finished before its row says it runs (read and pruned by
/// `attached_endpoints`, under `networks.lock`).
fn attaching_dir(store: &Store) -> PathBuf {
    store.run_root().join("attaching")
}

/// Rewrites the hosts files of every running container on the user
/// networks in `nets`, from the current endpoints. Endpoints whose init
/// died without a detach (a killed monitor) are detached on the way.
fn refresh_hosts(store: &Store, nets: &[String], also: Option<&str>) {
    let mut nl = None;
    let user: Vec<&String> = nets
        .iter()
        .filter(|n| {
            let nl = nl.get_or_insert_with(|| netlink::Netlink::open().ok());
            nl.as_mut().and_then(|nl| networks::find(store, nl, n).ok()).is_some_and(|n| n.names)
        })
        .collect();
    if user.is_empty() {
        return;
    }
    let mut eps = Vec::new();
    for (id, mut ep) in attached_endpoints(store, also) {
        if ep.owner.as_ref().is_some_and(|o| !o.alive()) {
            crate::debug!("network: detaching stale endpoint of container {}", &id[..12]);
            let _ = teardown(&id, &mut ep);
            let _ = save(store, &id, &ep);
        }
        eps.push((id, ep));
    }
    for (id, ep) in &eps {
        if ep.owner.is_none() || !ep.attachments.iter().any(|a| a.ip.is_some() && user.contains(&&a.network)) {
            continue;
        }
        let mut peers = Vec::new();
        for (pid, pep) in &eps {
            if pid == id || pep.owner.is_none() {
                continue;
            }
            for a in &ep.attachments {
                for pa in pep.attachments.iter().filter(|pa| pa.network == a.network && pa.ip.is_some()) {
                    if user.contains(&&a.network) {
                        peers.push((pa.ip.unwrap(), names_on(pid, pep, pa)));
                    }
                }
            }
        }
        if let Err(e) = dns::write_hosts(store, id, ep, &peers) {
            crate::warn!("cannot update the hosts file of container {}: {e}", &id[..12]);
        }
    }
}

/// Sets up the container's networking once its init exists (`pid`, the
/// init's host pid, whose network namespace is the container's): see the
/// module docs, step 3. Containers without an endpoint, and `none`, `host`
/// and `container:` modes only record the owner. On error everything done
/// is undone.
pub fn attach(store: &Store, id: &str, pid: i32) -> Result<(), Error> {
    attach_begin(store, id, pid)?.wait()
}

/// What [`attach_begin`] may leave running: rootless pasta configuring the
/// container's namespace. [`Attaching::wait`] waits for it.
pub struct Attaching {
    pasta: Option<pasta::Starting>,
}

impl Attaching {
    /// Waits for what [`attach_begin`] started (nothing but rootless pasta
    /// needs it). On error, pasta is stopped; the caller detaches the
    /// container ([`detach`]) as after any failed start.
    pub fn wait(self) -> Result<(), Error> {
        match self.pasta {
            None => Ok(()),
            Some(p) => {
                let t0 = std::time::Instant::now();
                let r = p.wait();
                crate::debug!("network: waited {:.2} ms for pasta", t0.elapsed().as_secs_f64() * 1e3);
                r
            }
        }
    }
}

/// [`attach`], except that rootless pasta is only started: the returned
/// [`Attaching`] waits for it to have configured the namespace, so that the
/// container's own setup (mounts) goes on meanwhile
/// (`runtime::SpawnOptions::before_exec`). Errors as [`attach`].
pub fn attach_begin(store: &Store, id: &str, pid: i32) -> Result<Attaching, Error> {
    let t0 = std::time::Instant::now();
    let r = attach_inner(store, id, pid);
    crate::debug!("network: attach of {} took {:.2} ms", &id[..12], t0.elapsed().as_secs_f64() * 1e3);
    r
}

/// A free host port for `p` (rootless `-p` without a host port): one the
/// kernel picks for a bind to port 0, in `p.host_range` when it has one.
fn free_port(p: &ports::PortMapping) -> Result<u16, Error> {
    let (lo, hi) = p.host_range.unwrap_or((0, 0));
    let try_bind = |port: u16| -> Option<u16> {
        let addr = std::net::SocketAddr::from((p.host_ip, port));
        match p.proto {
            ports::Proto::Tcp => std::net::TcpListener::bind(addr).ok()?.local_addr().ok().map(|a| a.port()),
            ports::Proto::Udp => std::net::UdpSocket::bind(addr).ok()?.local_addr().ok().map(|a| a.port()),
        }
    };
    let found = if lo == 0 { try_bind(0) } else { (lo..=hi).find_map(try_bind) };
    found.ok_or_else(|| Error::BadNetwork(format!("no free host port for {}", p.container_port)))
}

/// The run directory of container `id`'s pasta (see [`pasta::start`]).
fn pasta_dir(store: &Store, id: &str) -> PathBuf {
    store.run_root().join("pasta").join(id)
}

fn attach_inner(store: &Store, id: &str, pid: i32) -> Result<Attaching, Error> {
    let done = Attaching { pasta: None };
    let Some(mut ep) = endpoint(store, id) else { return Ok(done) };
    ep.owner =
        Some(Owner { dir: store.container_dir(id), pid: Some(pid), start: crate::store::process_start_time(pid) });
    if ep.mode == Mode::Pasta {
        let mut ports = ep.ports.clone();
        for p in ports.iter_mut().filter(|p| p.host_port == 0) {
            p.host_port = free_port(p)?;
        }
        let dir = pasta_dir(store, id);
        let starting = pasta::spawn(pid, &ports, &dir, &store.container_dir(id).join("pasta.log"))?;
        ep.published = ports;
        if let Err(e) = save(store, id, &ep) {
            drop(starting);
            pasta::stop(&dir);
            return Err(e);
        }
        return Ok(Attaching { pasta: Some(starting) });
    }
    if ep.mode != Mode::Bridge {
        return save(store, id, &ep).map(|_| done);
    }
    let d = PathBuf::from(HOST_STATE);
    std::fs::create_dir_all(&d).map_err(io(&d))?;
    let _lock = lock(&store.root().join("networks.lock"))?;
    let result = (|| {
        let netns_path = format!("/proc/{pid}/ns/net");
        let netns: OwnedFd = std::fs::File::open(&netns_path).map_err(io(&netns_path))?.into();
        let mut host = netlink::Netlink::open()?;
        let mut inside = netlink::Netlink::in_netns(&netns)?;
        let owner = ep.owner.clone().unwrap();
        for i in 0..ep.attachments.len() {
            attach_one(store, id, &mut host, &mut inside, &netns, &owner, &mut ep.attachments[i], i)?;
        }
        publish(&mut ep)
    })();
    if let Err(e) = result {
        let _ = teardown(id, &mut ep);
        ep.owner = None;
        let _ = save(store, id, &ep);
        return Err(e);
    }
    save(store, id, &ep)?;
    let nets: Vec<String> = ep.attachments.iter().map(|a| a.network.clone()).collect();
    dns::write_hosts(store, id, &ep, &[])?;
    reap_stale(store);
    // Until its row says it runs, a container attached at the same time
    // as this one finds it only through this marker (hosts files).
    let marker = attaching_dir(store).join(id);
    let _ = std::fs::create_dir_all(attaching_dir(store)).and_then(|_| std::fs::write(&marker, b""));
    refresh_hosts(store, &nets, Some(id));
    Ok(done)
}

/// Tears down the endpoints of the store whose init died without a
/// detach (their monitor or foreground rcon was killed): their DNAT
/// entries, reservations and leases. Run on every attach; the caller holds
/// the store's network lock.
fn reap_stale(store: &Store) {
    for (id, mut ep) in attached_endpoints(store, None) {
        if ep.owner.as_ref().is_some_and(|o| !o.alive()) {
            crate::debug!("network: detaching stale endpoint of container {}", &id[..12]);
            let _ = teardown(&id, &mut ep);
            let _ = save(store, &id, &ep);
        }
    }
}

/// Reserves and installs the endpoint's published ports (DNAT to the first
/// attachment's address).
fn publish(ep: &mut Endpoint) -> Result<(), Error> {
    if ep.ports.is_empty() {
        return Ok(());
    }
    let owner = ep.owner.clone().expect("attached");
    let ip =
        ep.attachments.first().and_then(|a| a.ip).ok_or_else(|| Error::BadNetwork("no address to publish".into()))?;
    let reserved = ports::reserve(&ep.ports, &owner)?;
    // Over netlink; remakes a missing table and clears stale elements.
    if let Err(e) = nft::add_ports(&reserved, ip) {
        ports::release(&reserved, &owner);
        return Err(e);
    }
    ep.published = reserved;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn attach_one(
    store: &Store,
    id: &str,
    host: &mut netlink::Netlink,
    inside: &mut netlink::Netlink,
    netns: &OwnedFd,
    owner: &Owner,
    att: &mut Attachment,
    n: usize,
) -> Result<(), Error> {
    let net = networks::find(store, host, &att.network)?;
    let bridge = networks::ensure_bridge(host, &net)?;
    let ip = ipam::allocate(&net.bridge, net.subnet, net.prefix, net.gateway, att.wanted_ip, owner)?;
    att.bridge = Some(net.bridge.clone());
    att.ip = Some(ip);
    att.prefix = net.prefix;
    att.gateway = Some(net.gateway);
    let veth = if n == 0 { format!("rv{}", &id[..13]) } else { format!("rv{n}{}", &id[..12]) };
    let ifname = format!("eth{n}");
    create_veth_replacing_stale(host, &veth, bridge, &ifname, netns)?;
    att.veth = Some(veth);
    att.ifname = Some(ifname.clone());
    let link = inside
        .link(&ifname)?
        .ok_or_else(|| Error::BadNetwork(format!("{ifname} did not appear in the container's namespace")))?;
    att.mac = Some(link.mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"));
    inside.add_address(link.index, ip, net.prefix)?;
    inside.set_up(link.index)?;
    if n == 0 {
        inside.add_route(Ipv4Addr::UNSPECIFIED, 0, Some(net.gateway), link.index)?;
    }
    Ok(())
}

/// Creates the veth pair `veth` (host side, in `bridge`) / `ifname` (in
/// `netns`). A host-side link of that name can only be left from an earlier
/// run of the same container (names are `rv` + its ID, and the caller
/// starts it under its lock, so no live run owns it): a `start` killed
/// between creating the pair and recording it, or an init whose network
/// namespace the kernel is still tearing down asynchronously (tens of ms
/// after it died). Such a link is deleted and the pair created again, so
/// the next start never fails with "File exists". Errors: netlink's.
fn create_veth_replacing_stale(
    host: &mut netlink::Netlink,
    veth: &str,
    bridge: u32,
    ifname: &str,
    netns: &OwnedFd,
) -> Result<(), Error> {
    use nix::errno::Errno;
    let mut tries = 0;
    loop {
        match host.create_veth(veth, bridge, ifname, netns, 1500) {
            Err(e) if e.errno == Errno::EEXIST && tries < 3 => {
                tries += 1;
                crate::debug!("network: removing the stale link {veth} of an earlier run");
                match host.delete_link(veth) {
                    Err(e) if e.errno != Errno::ENODEV => return Err(e.into()),
                    _ => {}
                }
            }
            r => return r.map_err(Into::into),
        }
    }
}

/// Undoes what [`attach`] did, as far as the endpoint records it, and
/// clears those records. Best effort: returns the first error.
fn teardown(id: &str, ep: &mut Endpoint) -> Result<(), Error> {
    let _ = id;
    let mut first: Option<Error> = None;
    let owner = ep.owner.clone().unwrap_or(Owner { dir: PathBuf::new(), pid: None, start: None });
    if !ep.published.is_empty() {
        nft::delete_ports(&ep.published);
        ports::release(&ep.published, &owner);
        ep.published.clear();
    }
    // With the init gone, its network namespace is going away and the kernel
    // deletes the veth pairs in it on its own; deleting one here would
    // only wait for the same RCU grace periods (10-50 ms) on rcon's hot path.
    let init_gone = owner.pid.is_none_or(|p| owner.start.is_none() || !crate::store::process_alive(p, owner.start));
    let mut nl = None;
    for att in &mut ep.attachments {
        if let Some(veth) = att.veth.take().filter(|_| !init_gone) {
            let nl = nl.get_or_insert_with(netlink::Netlink::open);
            if let Ok(nl) = nl
                && let Err(e) = nl.delete_link(&veth)
                && e.errno != nix::errno::Errno::ENODEV
            {
                first.get_or_insert(e.into());
            }
        }
        if let (Some(bridge), Some(ip)) = (att.bridge.take(), att.ip.take()) {
            ipam::release(&bridge, ip, &owner);
        }
        att.gateway = None;
        att.ifname = None;
        att.mac = None;
        att.prefix = 0;
    }
    ep.owner = None;
    first.map_or(Ok(()), Err)
}

/// Tears down a container's networking (module docs, step 4). Idempotent;
/// a container without an endpoint is fine. Call it before removing the
/// container's directory.
pub fn detach(store: &Store, id: &str) -> Result<(), Error> {
    let t0 = std::time::Instant::now();
    let r = detach_inner(store, id);
    crate::debug!("network: detach of {} took {:.2} ms", &id[..12], t0.elapsed().as_secs_f64() * 1e3);
    r
}

fn detach_inner(store: &Store, id: &str) -> Result<(), Error> {
    let Some(mut ep) = endpoint(store, id) else { return Ok(()) };
    if ep.mode == Mode::Pasta {
        pasta::stop(&pasta_dir(store, id));
        ep.owner = None;
        ep.published.clear();
        return save(store, id, &ep);
    }
    if ep.owner.is_none() && ep.published.is_empty() && ep.attachments.iter().all(|a| a.ip.is_none()) {
        return Ok(());
    }
    let _lock = lock(&store.root().join("networks.lock"))?;
    let r = teardown(id, &mut ep);
    save(store, id, &ep)?;
    let nets: Vec<String> = ep.attachments.iter().map(|a| a.network.clone()).collect();
    refresh_hosts(store, &nets, None);
    r
}

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

/// docker's `network inspect` document for one network (with the
/// containers of this store attached to it).
pub fn inspect_json(store: &Store, n: &Network) -> serde_json::Value {
    let mut containers = serde_json::Map::new();
    for c in store.containers().unwrap_or_default() {
        let Some(ep) = endpoint(store, &c.id) else { continue };
        for a in ep.attachments.iter().filter(|a| a.network == n.name && a.ip.is_some()) {
            containers.insert(
                c.id.clone(),
                serde_json::json!({
                    "Name": c.name,
                    "EndpointID": "",
                    "MacAddress": a.mac.clone().unwrap_or_default(),
                    "IPv4Address": format!("{}/{}", a.ip.expect("filtered"), a.prefix),
                    "IPv6Address": "",
                }),
            );
        }
    }
    // docker's `host` and `none` have no addresses and no bridge.
    let bridged = n.driver == "bridge";
    let config = if bridged {
        serde_json::json!([{"Subnet": format!("{}/{}", n.subnet, n.prefix), "Gateway": n.gateway.to_string()}])
    } else {
        serde_json::json!([])
    };
    let options =
        if bridged { serde_json::json!({"com.docker.network.bridge.name": n.bridge}) } else { serde_json::json!({}) };
    serde_json::json!({
        "Name": n.name,
        "Id": n.id,
        "Created": n.created.to_rfc3339(),
        "Scope": "local",
        "Driver": n.driver,
        "EnableIPv6": false,
        "IPAM": {
            "Driver": "default",
            "Options": {},
            "Config": config,
        },
        "Internal": false,
        "Attachable": false,
        "Containers": containers,
        "Options": options,
        "Labels": n.labels,
    })
}

/// Names of the containers (of this store) attached or configured to
/// attach to network `name`.
pub fn users_of(store: &Store, name: &str) -> Vec<String> {
    all_endpoints(store)
        .into_iter()
        .filter(|(_, ep)| ep.attachments.iter().any(|a| a.network == name))
        .map(|(_, ep)| ep.name)
        .collect()
}

/// `network rm`: refuses a network any container uses.
pub fn remove_network(store: &Store, name: &str) -> Result<Network, Error> {
    let _lock = lock(&store.root().join("networks.lock"))?;
    let mut nl = netlink::Netlink::open()?;
    let net = networks::find(store, &mut nl, name)?;
    if !net.names {
        return Err(Error::BadNetwork(format!("{name} is a pre-defined network and cannot be removed")));
    }
    let users = users_of(store, &net.name);
    if !users.is_empty() {
        return Err(Error::InUse { name: net.name.clone(), containers: users.join(", ") });
    }
    networks::delete(store, &net)?;
    crate::store::events::record(store, "network", "destroy", &net.id, &[("name", &net.name), ("type", &net.driver)]);
    Ok(net)
}

/// `network connect`: adds a network to a container; a running container
/// gets the new interface at once.
pub fn connect(store: &Store, id: &str, network: &str, aliases: &[String], ip: Option<Ipv4Addr>) -> Result<(), Error> {
    let _lock = lock(&store.root().join("networks.lock"))?;
    let mut ep =
        endpoint(store, id).ok_or_else(|| Error::BadNetwork("the container has no network endpoint".into()))?;
    if ep.mode != Mode::Bridge {
        return Err(Error::BadNetwork("container cannot be connected to multiple networks with one of the networks in private (none) or host mode".into()));
    }
    let mut nl = netlink::Netlink::open()?;
    let net = networks::find(store, &mut nl, network)?;
    if ep.attachments.iter().any(|a| a.network == net.name) {
        return Err(Error::BadNetwork(format!(
            "endpoint with name {} already exists in network {}",
            ep.name, net.name
        )));
    }
    let mut att = Attachment {
        network: net.name.clone(),
        aliases: aliases.to_vec(),
        wanted_ip: ip,
        bridge: None,
        ip: None,
        prefix: 0,
        gateway: None,
        veth: None,
        ifname: None,
        mac: None,
    };
    if let Some(owner) = ep.owner.clone().filter(Owner::alive) {
        let pid = owner.pid.expect("a running owner has a pid");
        let netns_path = format!("/proc/{pid}/ns/net");
        let netns: OwnedFd = std::fs::File::open(&netns_path).map_err(io(&netns_path))?.into();
        let mut inside = netlink::Netlink::in_netns(&netns)?;
        let n = ep.attachments.len();
        if let Err(e) = attach_one(store, id, &mut nl, &mut inside, &netns, &owner, &mut att, n) {
            let mut tmp = Endpoint { attachments: vec![att], published: vec![], ..ep.clone() };
            let _ = teardown(id, &mut tmp);
            return Err(e);
        }
    }
    ep.attachments.push(att);
    save(store, id, &ep)?;
    drop(_lock);
    crate::store::events::record(
        store,
        "network",
        "connect",
        &net.id,
        &[("container", id), ("name", &net.name), ("type", &net.driver)],
    );
    refresh_hosts(store, &[net.name], None);
    Ok(())
}

/// `network disconnect`: removes a network from a container (its interface
/// goes at once if it runs).
pub fn disconnect(store: &Store, id: &str, network: &str) -> Result<(), Error> {
    let _lock = lock(&store.root().join("networks.lock"))?;
    let mut ep =
        endpoint(store, id).ok_or_else(|| Error::BadNetwork("the container has no network endpoint".into()))?;
    let mut nl = netlink::Netlink::open()?;
    let net = networks::find(store, &mut nl, network)?;
    let pos =
        ep.attachments.iter().position(|a| a.network == net.name).ok_or_else(|| {
            Error::BadNetwork(format!("container {} is not connected to network {}", ep.name, net.name))
        })?;
    let att = ep.attachments.remove(pos);
    let mut tmp = Endpoint { attachments: vec![att], published: vec![], ..ep.clone() };
    let r = teardown(id, &mut tmp);
    save(store, id, &ep)?;
    drop(_lock);
    crate::store::events::record(
        store,
        "network",
        "disconnect",
        &net.id,
        &[("container", id), ("name", &net.name), ("type", &net.driver)],
    );
    refresh_hosts(store, &[net.name], None);
    r
}
