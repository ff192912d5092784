//! Attach and detach: a container's bridge attachments (leases, veth
//! pairs, addresses, routes), published ports (reservations and DNAT map
//! elements) and its peers' hosts files, set up after the clone and torn
//! down after the container ended; `network connect`/`disconnect`; and
//! rootless pasta. See the module's "Lifecycle" for when each runs.

use super::*;

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

/// What [`attach_begin`] may leave running: rootless pasta or slirp4netns
/// configuring the container's namespace. [`Attaching::wait`] waits for it.
pub struct Attaching {
    pasta: Option<pasta::Starting>,
    slirp: Option<slirp4netns::Starting>,
}

impl Attaching {
    /// Waits for what [`attach_begin`] started (nothing but rootless pasta
    /// needs it). On error, pasta is stopped; the caller detaches the
    /// container ([`detach`]) as after any failed start.
    pub fn wait(self) -> Result<(), Error> {
        if let Some(s) = self.slirp {
            let t0 = std::time::Instant::now();
            let r = s.wait();
            crate::debug!("network: waited {:.2} ms for slirp4netns", t0.elapsed().as_secs_f64() * 1e3);
            return r;
        }
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

/// The run directory of container `id`'s slirp4netns (see
/// [`slirp4netns::spawn`]): short, for its API socket's path.
fn slirp_dir(store: &Store, id: &str) -> PathBuf {
    store.run_root().join("slirp4netns").join(&id[..12.min(id.len())])
}

/// Rootless, for container `id` with pasta networking, no published ports
/// and no pasta arguments of its own: the spare network namespace it takes
/// (see [`pasta::adopt_spare`]), whose bound file its init joins instead of
/// creating a namespace (pasta already configures it, so [`attach_begin`]
/// starts none); and, either way, a keeper makes the next spare in the
/// background. `None`: no spare was ready (or the container does not use
/// one); it starts its own pasta.
pub fn adopt_spare(store: &Store, id: &str) -> Option<PathBuf> {
    // Root's `run` reads nothing more (pasta is rootless only).
    if !crate::runtime::rootless::is_rootless() {
        return None;
    }
    let ep = endpoint(store, id)?;
    if ep.mode != Mode::Pasta || !ep.ports.is_empty() || !ep.backend_options.is_empty() {
        return None;
    }
    let dir = pasta_dir(store, id);
    let t0 = std::time::Instant::now();
    let netns = pasta::adopt_spare(store.run_root(), &dir);
    if netns.is_some() && std::fs::write(dir.join(ADOPTED), "").is_err() {
        pasta::stop(&dir);
        return None;
    }
    pasta::prepare_spare(store.run_root());
    crate::debug!(
        "network: spare namespace {} in {:.2} ms",
        if netns.is_some() { "taken" } else { "not ready" },
        t0.elapsed().as_secs_f64() * 1e3
    );
    netns
}

/// The marker, in a container's pasta directory, of a spare it took.
const ADOPTED: &str = "adopted";

fn attach_inner(store: &Store, id: &str, pid: i32) -> Result<Attaching, Error> {
    let done = Attaching { pasta: None, slirp: None };
    let Some(mut ep) = endpoint(store, id) else { return Ok(done) };
    ep.owner =
        Some(Owner { dir: store.container_dir(id), pid: Some(pid), start: crate::store::process_start_time(pid) });
    if ep.mode == Mode::Pasta || ep.mode == Mode::Slirp4netns {
        let mut ports = ep.ports.clone();
        for p in ports.iter_mut().filter(|p| p.host_port == 0) {
            p.host_port = free_port(p)?;
        }
        let started = if ep.mode == Mode::Pasta && ports.is_empty() && pasta_dir(store, id).join(ADOPTED).exists() {
            // A spare (`adopt_spare`): pasta runs already.
            Attaching { pasta: None, slirp: None }
        } else if ep.mode == Mode::Pasta {
            let log = store.container_dir(id).join("pasta.log");
            let s = pasta::spawn(pid, &ports, &ep.backend_options, &pasta_dir(store, id), &log)?;
            Attaching { pasta: Some(s), slirp: None }
        } else {
            let opts = slirp4netns::Options::parse(&ep.backend_options)?;
            let log = store.container_dir(id).join("slirp4netns.log");
            let s = slirp4netns::spawn(pid, &ports, &opts, &slirp_dir(store, id), &log)?;
            Attaching { pasta: None, slirp: Some(s) }
        };
        ep.published = ports;
        if let Err(e) = save(store, id, &ep) {
            drop(started);
            stop_rootless(store, id, &ep.mode);
            return Err(e);
        }
        return Ok(started);
    }
    if ep.mode != Mode::Bridge {
        return save(store, id, &ep).map(|_| done);
    }
    let d = super::host_state();
    std::fs::create_dir_all(&d).map_err(io(&d))?;
    let _lock = lock(&store.root().join("networks.lock"))?;
    let rootless = crate::runtime::rootless::is_rootless();
    if rootless {
        rootless_netns::ensure()?;
    }
    let result = (|| {
        let netns_path = format!("/proc/{pid}/ns/net");
        let netns: OwnedFd = std::fs::File::open(&netns_path).map_err(io(&netns_path))?.into();
        let mut host = netlink::Netlink::open()?;
        let mut inside = netlink::Netlink::in_netns(&netns)?;
        let owner = ep.owner.clone().unwrap();
        for i in 0..ep.attachments.len() {
            attach_one(store, id, &mut host, &mut inside, &netns, &owner, &mut ep.attachments[i], i)?;
        }
        if rootless { publish_rootless(store, id, pid, &mut ep) } else { publish(&mut ep) }
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
pub(super) fn publish(ep: &mut Endpoint) -> Result<(), Error> {
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

/// The pid file of a rootless container's port forwarder
/// ([`forward::start`]).
fn forwarder_pid_file(id: &str) -> PathBuf {
    super::host_state().join("portfwd").join(id)
}

/// Rootless [`publish`]: binds the endpoint's ports on the host and starts
/// their forwarder into the rootless network namespace ([`forward`]) to
/// the first attachment's address.
fn publish_rootless(store: &Store, id: &str, pid: i32, ep: &mut Endpoint) -> Result<(), Error> {
    if ep.ports.is_empty() {
        return Ok(());
    }
    let ip =
        ep.attachments.first().and_then(|a| a.ip).ok_or_else(|| Error::BadNetwork("no address to publish".into()))?;
    let log = store.container_dir(id).join("portfwd.log");
    ep.published = forward::start(&ep.ports, ip, pid, &forwarder_pid_file(id), &log)?;
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

/// The MTU of a container's veth pair: 1500, or rootless 65520, the MTU
/// of pasta's interface in the rootless network namespace (podman's too):
/// pasta's cost is per packet, and 1500-byte packets cut outbound
/// throughput several times (BENCHMARKS.md).
fn veth_mtu() -> u32 {
    if crate::runtime::rootless::is_rootless() { 65520 } else { 1500 }
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
        match host.create_veth(veth, bridge, ifname, netns, veth_mtu()) {
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
    let mut first: Option<Error> = None;
    let owner = ep.owner.clone().unwrap_or(Owner { dir: PathBuf::new(), pid: None, start: None });
    if !ep.published.is_empty() && crate::runtime::rootless::is_rootless() {
        forward::stop(&forwarder_pid_file(id));
        ep.published.clear();
    } else if !ep.published.is_empty() {
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

/// Stops container `id`'s pasta or slirp4netns (`mode`).
fn stop_rootless(store: &Store, id: &str, mode: &Mode) {
    match mode {
        Mode::Pasta => pasta::stop(&pasta_dir(store, id)),
        Mode::Slirp4netns => slirp4netns::stop(&slirp_dir(store, id)),
        _ => {}
    }
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
    if ep.mode == Mode::Pasta || ep.mode == Mode::Slirp4netns {
        stop_rootless(store, id, &ep.mode);
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

/// `network connect`: adds a network to a container; a running container
/// gets the new interface at once.
pub fn connect(store: &Store, id: &str, network: &str, aliases: &[String], ip: Option<Ipv4Addr>) -> Result<(), Error> {
    let _lock = lock(&store.root().join("networks.lock"))?;
    let mut ep =
        endpoint(store, id).ok_or_else(|| Error::BadNetwork("the container has no network endpoint".into()))?;
    if ep.mode != Mode::Bridge {
        return Err(Error::BadNetwork("container cannot be connected to multiple networks with one of the networks in private (none) or host mode".into()));
    }
    if crate::runtime::rootless::is_rootless() {
        rootless_netns::ensure()?;
    }
    let mut nl = netlink::Netlink::open()?;
    let net = networks::find(store, &mut nl, network)?;
    if ep.attachments.iter().any(|a| a.network == net.name) {
        return Err(Error::BadNetwork(format!(
            "endpoint with name {} already exists in network {}",
            ep.name, net.name
        )));
    }
    let mut att = Attachment::wanted(net.name.clone(), aliases.to_vec(), ip);
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
