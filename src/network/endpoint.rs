//! Endpoint records: a container's networking as `containers/<id>/network.json`
//! holds it ([`Endpoint`]: its mode, bridge attachments, asked and
//! published ports, extra hosts, owner), and who holds a lease or a port
//! ([`Owner`]). Read and written here; [`super::attach`] fills them in.

use super::*;

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

    pub(super) fn read(path: &Path) -> Option<Owner> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    pub(super) fn write(&self, path: &Path) -> Result<(), Error> {
        std::fs::write(path, serde_json::to_vec(self).expect("serializes")).map_err(io(path))
    }
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
    /// Rootless: its own namespace, connected by `slirp4netns` (see
    /// [`slirp4netns`]).
    Slirp4netns,
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

impl Attachment {
    /// An attachment to `network` not made yet: its `aliases` and the
    /// `--ip` asked for (`wanted_ip`), every address field empty.
    pub(super) fn wanted(network: String, aliases: Vec<String>, wanted_ip: Option<Ipv4Addr>) -> Attachment {
        Attachment {
            network,
            aliases,
            wanted_ip,
            bridge: None,
            ip: None,
            prefix: 0,
            gateway: None,
            veth: None,
            ifname: None,
            mac: None,
        }
    }
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
    /// Rootless: what follows `pasta:` or `slirp4netns:` in `--network`,
    /// split at commas (pasta's arguments, slirp4netns' options).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backend_options: Vec<String>,
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

pub(super) fn save(store: &Store, id: &str, ep: &Endpoint) -> Result<(), Error> {
    let dir = store.container_dir(id);
    if !dir.exists() {
        return Ok(()); // removed meanwhile
    }
    let p = endpoint_path(store, id);
    crate::util::write_atomic(&p, &serde_json::to_vec_pretty(ep).expect("serializes"), 0o666, false).map_err(io(&p))
}

/// The names a container answers to on a network: name, aliases, short ID.
pub(super) fn names_on(id: &str, ep: &Endpoint, att: &Attachment) -> Vec<String> {
    let mut v = vec![ep.name.clone()];
    v.extend(att.aliases.iter().cloned());
    v.push(id[..12].to_string());
    v.dedup();
    v
}

/// The containers of the store with an endpoint, and their endpoints.
pub(super) fn all_endpoints(store: &Store) -> Vec<(String, Endpoint)> {
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
pub(super) fn attached_endpoints(store: &Store, also: Option<&str>) -> Vec<(String, Endpoint)> {
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
pub(super) fn attaching_dir(store: &Store) -> PathBuf {
    store.run_root().join("attaching")
}
