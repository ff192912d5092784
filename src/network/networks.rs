//! Network definitions: the built-in `bridge` (bridge `rcon0`), `host` and
//! `none`, and user networks (`rcon network create`), each a row of the
//! store's database (`networks` table; `store::volumes` owns the SQL). A user network's bridge is
//! `rcon-<8 hex of its ID>` and exists from `network create` to
//! `network rm`, so its subnet shows in the host's routes and the next
//! `network create` (of any store) picks another one.
//!
//! Subnets: the default bridge is 10.99.0.0/24 (gateway 10.99.0.1), clear
//! of docker's 172.17.0.0/16 and podman's 10.88.0.0/16; set
//! `RCON_BRIDGE_SUBNET` (e.g. `192.168.240.0/24`) before the bridge is first
//! made to change it. Once `rcon0` exists its address is authoritative.
//! User networks get the first free 10.99.N.0/24 (N = 1…255) that no host
//! route and no other network overlaps, unless `--subnet` says otherwise.

use super::ipam;
use super::netlink::Netlink;
use super::{Error, io};
use chrono::{DateTime, Utc};
use std::net::Ipv4Addr;

/// Name of the default network.
pub const DEFAULT_NETWORK: &str = "bridge";
/// Bridge of the default network.
pub const DEFAULT_BRIDGE: &str = "rcon0";
/// Default subnet of the default network.
pub const DEFAULT_SUBNET: &str = "10.99.0.0/24";

/// A bridge network (its record is a row of the store's database).
pub use crate::store::NetworkRecord as Network;

/// Parses `A.B.C.D/N`. Errors: [`Error::BadNetwork`].
pub fn parse_cidr(s: &str) -> Result<(Ipv4Addr, u8), Error> {
    let bad = || Error::BadNetwork(format!("invalid subnet {s:?}: expected an IPv4 CIDR such as 10.99.5.0/24"));
    let net: ipnet::Ipv4Net = s.parse().map_err(|_| bad())?;
    if !(8..=30).contains(&net.prefix_len()) {
        return Err(bad());
    }
    Ok((net.network(), net.prefix_len()))
}

fn overlaps(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let (a, b) = (ipam::subnet(a.0, a.1), ipam::subnet(b.0, b.1));
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The default network, from `rcon0`'s address when it exists.
pub fn default_network(nl: &mut Netlink) -> Result<Network, Error> {
    let (mut subnet, mut prefix) = parse_cidr(
        std::env::var("RCON_BRIDGE_SUBNET").ok().as_deref().filter(|s| !s.is_empty()).unwrap_or(DEFAULT_SUBNET),
    )?;
    let mut gateway = Ipv4Addr::from(u32::from(subnet) + 1);
    // Rootless, `bridge` is pasta's network and there is no `rcon0`.
    if !crate::runtime::rootless::is_rootless()
        && let Some(link) = nl.link(DEFAULT_BRIDGE)?
        && let Some((a, p)) = nl.addresses(link.index)?.first()
    {
        (gateway, prefix) = (*a, *p);
        subnet = ipam::subnet(*a, *p).network();
    }
    Ok(Network {
        name: DEFAULT_NETWORK.into(),
        id: "0".repeat(64),
        driver: "bridge".into(),
        bridge: DEFAULT_BRIDGE.into(),
        subnet,
        prefix,
        gateway,
        created: DateTime::<Utc>::UNIX_EPOCH,
        names: false,
        labels: Default::default(),
    })
}

/// The user networks of the store, by name.
pub fn user_networks(store: &crate::store::Store) -> Result<Vec<Network>, Error> {
    Ok(store.networks()?)
}

/// Finds a bridge network by name, ID or ID prefix (`bridge` is the
/// default one). Errors: [`Error::NoSuchNetwork`].
pub fn find(store: &crate::store::Store, nl: &mut Netlink, name: &str) -> Result<Network, Error> {
    if name == DEFAULT_NETWORK {
        return default_network(nl);
    }
    if name == "host" || name == "none" {
        // docker's other pre-defined networks, as `network ls` shows them.
        let found = all(store)?.into_iter().find(|(n, builtin)| *builtin && n.name == name);
        return found.map(|(n, _)| n).ok_or_else(|| Error::NoSuchNetwork(name.to_string()));
    }
    store.network(name)?.ok_or_else(|| Error::NoSuchNetwork(name.to_string()))
}

/// Makes sure the bridge of `net` exists, is up and has its gateway
/// address, with forwarding on and its subnet in the NAT table. Returns
/// its interface index. Cheap when the bridge exists (one netlink query).
pub fn ensure_bridge(nl: &mut Netlink, net: &Network) -> Result<u32, Error> {
    if let Some(link) = nl.link(&net.bridge)? {
        return Ok(link.index);
    }
    let _lock = super::lock(&super::host_state().join("bridges.lock"))?;
    if let Some(link) = nl.link(&net.bridge)? {
        return Ok(link.index);
    }
    match nl.create_bridge(&net.bridge) {
        Err(e) if e.errno != nix::errno::Errno::EEXIST => return Err(e.into()),
        _ => {}
    }
    let link = nl.link(&net.bridge)?.ok_or_else(|| Error::BadNetwork(format!("bridge {} vanished", net.bridge)))?;
    match nl.add_address(link.index, net.gateway, net.prefix) {
        Err(e) if e.errno != nix::errno::Errno::EEXIST => return Err(e.into()),
        _ => {}
    }
    nl.set_up(link.index)?;
    sysctl("/proc/sys/net/ipv4/ip_forward", "1")?;
    sysctl(&format!("/proc/sys/net/ipv4/conf/{}/route_localnet", net.bridge), "1")?;
    super::nft::run(&super::nft::base_script(&[(net.subnet, net.prefix)]))?;
    Ok(link.index)
}

/// Sets a `/proc/sys/net` value of rcon's "host" namespace (rootless: in
/// the rootless network namespace, whose own values these are).
fn sysctl(path: &str, value: &str) -> Result<(), Error> {
    if crate::runtime::rootless::is_rootless() {
        return super::rootless_netns::run_inside(|| sysctl_here(path, value));
    }
    sysctl_here(path, value)
}

fn sysctl_here(path: &str, value: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|v| v.trim() == value) {
        return Ok(());
    }
    std::fs::write(path, value).map_err(io(path))
}

/// Creates a user network with `labels` (`--label`): picks (or checks) the
/// subnet, makes the bridge, records it. Errors: a bad or taken name, a bad
/// or overlapping subnet or gateway, netlink and nft errors.
pub fn create(
    store: &crate::store::Store,
    name: &str,
    subnet: Option<&str>,
    gateway: Option<&str>,
    labels: std::collections::BTreeMap<String, String>,
) -> Result<Network, Error> {
    if !crate::util::is_valid_name(name) || matches!(name, "bridge" | "host" | "none" | "default") {
        return Err(Error::BadNetwork(format!("invalid network name {name:?}")));
    }
    let _host_lock = {
        let p = super::host_state();
        std::fs::create_dir_all(&p).map_err(io(&p))?;
        super::lock(&p.join("subnets.lock"))?
    };
    if crate::runtime::rootless::is_rootless() {
        super::rootless_netns::ensure()?;
    }
    let mut nl = Netlink::open()?;
    let existing = user_networks(store)?;
    if existing.iter().any(|n| n.name == name) {
        return Err(Error::BadNetwork(format!("network with name {name} already exists")));
    }
    let mut used: Vec<(Ipv4Addr, u8)> =
        nl.routes()?.iter().filter(|r| r.prefix > 0).map(|r| (r.dst, r.prefix)).collect();
    used.extend(existing.iter().map(|n| (n.subnet, n.prefix)));
    let def = default_network(&mut nl)?;
    used.push((def.subnet, def.prefix));
    let (net, prefix) = match subnet {
        Some(s) => {
            let c = parse_cidr(s)?;
            if let Some(u) = used.iter().find(|u| overlaps(c, **u)) {
                return Err(Error::BadNetwork(format!(
                    "subnet {}/{} overlaps {}/{} already in use on this host",
                    c.0, c.1, u.0, u.1
                )));
            }
            c
        }
        None => ipam::subnet(Ipv4Addr::new(10, 99, 0, 0), 16)
            .subnets(24)
            .expect("/24 is inside a /16")
            .skip(1)
            .map(|n| (n.network(), n.prefix_len()))
            .find(|c| !used.iter().any(|u| overlaps(*c, *u)))
            .ok_or_else(|| Error::BadNetwork("no free subnet left in 10.99.0.0/16; give --subnet".into()))?,
    };
    let gateway = match gateway {
        Some(g) => {
            let g: Ipv4Addr = g.parse().map_err(|_| Error::BadNetwork(format!("invalid gateway {g:?}")))?;
            if !ipam::subnet(net, prefix).contains(&g) || g == net {
                return Err(Error::BadNetwork(format!("gateway {g} is not in subnet {net}/{prefix}")));
            }
            g
        }
        None => Ipv4Addr::from(u32::from(net) + 1),
    };
    let id = crate::util::random_hex(32);
    let n = Network {
        name: name.to_string(),
        bridge: format!("rcon-{}", &id[..8]),
        id,
        driver: "bridge".into(),
        subnet: net,
        prefix,
        gateway,
        created: Utc::now(),
        names: true,
        labels,
    };
    ensure_bridge(&mut nl, &n)?;
    if let Err(e) = store.insert_network(&n) {
        // Taken meanwhile by a create of another store on this host is
        // impossible (the host lock); of this store, the row says so.
        let _ = nl.delete_link(&n.bridge);
        return Err(match e {
            crate::store::StoreError::NetworkExists(_) => Error::BadNetwork(e.to_string()),
            e => e.into(),
        });
    }
    crate::store::events::record(store, "network", "create", &n.id, &[("name", &n.name), ("type", &n.driver)]);
    Ok(n)
}

/// Deletes a user network's bridge, NAT entry, leases and record (the
/// caller checked that no container uses it); rootless, the rootless
/// network namespace too when this was its last bridge.
pub fn delete(store: &crate::store::Store, net: &Network) -> Result<(), Error> {
    let mut nl = Netlink::open()?;
    match nl.delete_link(&net.bridge) {
        Err(e) if e.errno != nix::errno::Errno::ENODEV => return Err(e.into()),
        _ => {}
    }
    let _ = super::nft::run(&super::nft::delete_subnet_script(net.subnet, net.prefix));
    super::ipam::forget(&net.bridge);
    store.remove_network_row(&net.name)?;
    if crate::runtime::rootless::is_rootless() {
        super::rootless_netns::remove_if_unused();
    }
    Ok(())
}

/// Every network as `network ls` lists them, sorted by name: the default
/// `bridge`, the user networks, and docker's `host` and `none`; `true`
/// marks the built-in ones. Errors: netlink, or an unreadable record.
pub fn all(store: &crate::store::Store) -> Result<Vec<(Network, bool)>, Error> {
    let mut nl = Netlink::open()?;
    let default = default_network(&mut nl)?;
    let created = default.created;
    let mut all: Vec<(Network, bool)> = vec![(default, true)];
    all.extend(user_networks(store)?.into_iter().map(|n| (n, false)));
    for (id, name, driver) in [("1", "host", "host"), ("2", "none", "null")] {
        let mut n = all[0].0.clone();
        (n.id, n.name, n.driver, n.created) = (id.repeat(64), name.into(), driver.into(), created);
        all.push((n, true));
    }
    all.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert_eq!(parse_cidr("10.99.3.7/24").unwrap(), ("10.99.3.0".parse().unwrap(), 24));
        assert!(parse_cidr("10.99.3.0").is_err());
        assert!(parse_cidr("10.99.3.0/33").is_err());
        let a = parse_cidr("10.99.0.0/16").unwrap();
        let b = parse_cidr("10.99.5.0/24").unwrap();
        let c = parse_cidr("10.98.0.0/24").unwrap();
        assert!(overlaps(a, b) && overlaps(b, a) && !overlaps(a, c));
    }
}
