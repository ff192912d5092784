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

pub mod attach;
pub mod dns;
pub mod endpoint;
pub mod forward;
pub mod ipam;
pub mod netlink;
pub mod networks;
pub mod nfnetlink;
pub mod nft;
pub mod pasta;
pub mod ports;
pub mod rootless_netns;
pub mod slirp4netns;

use crate::store::Store;
use ports::PortMapping;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub use attach::{Attaching, adopt_spare, attach, attach_begin, connect, detach, disconnect};
pub use endpoint::*;
pub use networks::Network;

/// Host-wide network state of root's rcon: leases, port reservations,
/// locks (see [`host_state`]).
pub const HOST_STATE: &str = "/run/rcon/network";

/// The directory of the network state shared by every store of this
/// "host": root's [`HOST_STATE`], or rootless `RUNDIR/network`
/// (`$XDG_RUNTIME_DIR/rcon/network`), which also holds the user's rootless
/// network namespace ([`rootless_netns`]), whose bridges and addresses the
/// leases there are of.
pub fn host_state() -> PathBuf {
    match crate::runtime::rootless::is_rootless() {
        false => PathBuf::from(HOST_STATE),
        true => crate::runtime::rootless::default_runroot().join("network"),
    }
}

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
    #[error("{0}")]
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
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

pub(crate) fn io(path: impl AsRef<Path>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.as_ref().to_path_buf();
    move |source| Error::Io { path, source }
}

/// A helper program (`pasta`, `slirp4netns`) in `PATH` or the usual
/// system directories.
pub(crate) fn find_helper(name: &str) -> Option<PathBuf> {
    crate::runtime::userns::helper(name)
}

pub(crate) fn lock(path: &Path) -> Result<crate::store::StoreLock, Error> {
    crate::store::StoreLock::exclusive(path)
        .map_err(|e| Error::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })
}

/// The networking flags of `rcon run`.
#[derive(Debug, Clone, Default)]
pub struct NetworkOptions {
    /// `--network` (default `bridge`; rootless, [`rootless_default`]):
    /// `bridge`, `none`, `host`, `container:ID`, a network's name, and
    /// rootless `pasta[:ARG,…]` or `slirp4netns[:OPT=VAL,…]`.
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

/// A checked plan for a container's networking, made before it exists.
#[derive(Debug, Clone)]
pub struct Plan {
    mode: Mode,
    namespace: Namespace,
    attachments: Vec<Attachment>,
    ports: Vec<PortMapping>,
    exposed: Vec<String>,
    extra_hosts: Vec<(String, String)>,
    backend_options: Vec<String>,
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
        let default_backend;
        let net = if rootless && net == networks::DEFAULT_NETWORK {
            default_backend = rootless_default()?;
            default_backend.as_str()
        } else {
            net
        };
        // pasta:ARG,… and slirp4netns:OPT,… (podman's forms).
        let (net, backend_options): (&str, Vec<String>) = match net.split_once(':') {
            Some((b @ ("pasta" | "slirp4netns"), rest)) => (b, rest.split(',').map(String::from).collect()),
            _ => (net, vec![]),
        };
        let (mode, namespace, attachments) = match net {
            "pasta" | "slirp4netns" if !rootless => {
                return Err(Error::BadNetwork(format!(
                    "--network {net}: {net} is rootless rcon's networking; as root, use the default bridge network or a user network"
                )));
            }
            "pasta" | "slirp4netns" => {
                if !self.aliases.is_empty() || wanted_ip.is_some() {
                    return Err(Error::BadNetwork(
                        "--ip and --network-alias need a user network: `rcon network create NAME`, then --network NAME"
                            .into(),
                    ));
                }
                if net == "pasta" {
                    pasta::check_extra(&backend_options)?;
                    (Mode::Pasta, Namespace::New, vec![])
                } else {
                    slirp4netns::Options::parse(&backend_options)?;
                    (Mode::Slirp4netns, Namespace::New, vec![])
                }
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
            // Rootless, in the user's rootless network namespace
            // (`rootless_netns`), made by the attach if need be.
            name if rootless => {
                let n = store.network(name)?.ok_or_else(|| Error::NoSuchNetwork(name.to_string()))?;
                let att = Attachment::wanted(n.name, self.aliases.clone(), wanted_ip);
                (Mode::Bridge, Namespace::New, vec![att])
            }
            name => {
                let mut nl = netlink::Netlink::open()?;
                let n = networks::find(store, &mut nl, name)?;
                if !n.names && !self.aliases.is_empty() {
                    return Err(Error::BadNetwork(
                        "network-scoped aliases are only supported for user-defined networks".into(),
                    ));
                }
                let att = Attachment::wanted(n.name, self.aliases.clone(), wanted_ip);
                (Mode::Bridge, Namespace::New, vec![att])
            }
        };
        let nobody = Owner { dir: PathBuf::new(), pid: None, start: None };
        ports::check(&ports, &nobody)?;
        Ok(Plan {
            mode,
            namespace,
            attachments,
            ports,
            exposed: all_exposed,
            extra_hosts,
            backend_options,
            opts: self.clone(),
        })
    }
}

/// Rootless rcon's network when `--network` is not given: `network.
/// default_rootless_network_cmd` of `~/.config/rcon/containers.conf`
/// (podman's key: `pasta` or `slirp4netns`), else `pasta`, the faster one
/// here (BENCHMARKS.md, "Rootless networking"). Errors name the file.
pub fn rootless_default() -> Result<String, Error> {
    let path = crate::runtime::rootless::config_dir().join("containers.conf");
    match std::fs::read_to_string(&path) {
        Ok(text) => default_in(&text, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok("pasta".into()),
        Err(e) => Err(io(&path)(e)),
    }
}

/// [`rootless_default`] from the text of containers.conf (`path` names it).
fn default_in(text: &str, path: &Path) -> Result<String, Error> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| Error::BadNetwork(format!("{}: {}", path.display(), e.message())))?;
    let cmd = doc.get("network").and_then(|n| n.get("default_rootless_network_cmd"));
    match cmd.map(|c| c.as_str()) {
        None | Some(Some("")) => Ok("pasta".into()),
        Some(Some(c @ ("pasta" | "slirp4netns"))) => Ok(c.to_string()),
        Some(other) => Err(Error::BadNetwork(format!(
            "{}: network.default_rootless_network_cmd is {}: use \"pasta\" or \"slirp4netns\"",
            path.display(),
            other.map_or_else(|| "not a string".to_string(), |s| format!("{s:?}"))
        ))),
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
        backend_options: plan.backend_options.clone(),
        owner: None,
    };
    save(store, id, &ep)?;
    let dir = store.container_dir(id);
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let base = match plan.mode {
        Mode::Host => host_resolv,
        // slirp4netns' own forwarder first (it reaches the host's resolvers,
        // a stub on its loopback too).
        Mode::Slirp4netns => {
            let o = slirp4netns::Options::parse(&plan.backend_options)?;
            format!("nameserver {}\n{}", o.dns(), dns::resolv_conf_from_host(&host_resolv))
        }
        _ => dns::resolv_conf_from_host(&host_resolv),
    };
    let resolv = dns::resolv_conf(&base, &plan.opts.dns, &plan.opts.dns_search, &plan.opts.dns_options);
    let p = dir.join("resolv.conf");
    std::fs::write(&p, resolv).map_err(io(&p))?;
    dns::write_hosts(store, id, &ep, &[])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootless_default_from_containers_conf() {
        let p = Path::new("/home/u/.config/rcon/containers.conf");
        assert_eq!(default_in("", p).unwrap(), "pasta");
        assert_eq!(
            default_in("[network]\ndefault_rootless_network_cmd = \"slirp4netns\"\n", p).unwrap(),
            "slirp4netns"
        );
        assert_eq!(default_in("[network]\ndefault_rootless_network_cmd = \"pasta\"\n", p).unwrap(), "pasta");
        let e = default_in("[network]\ndefault_rootless_network_cmd = \"vpnkit\"\n", p).unwrap_err().to_string();
        assert!(e.starts_with("/home/u/.config/rcon/containers.conf: ") && e.contains("\"vpnkit\""), "{e}");
        assert!(default_in("[network\n", p).unwrap_err().to_string().contains("containers.conf"));
    }
}
