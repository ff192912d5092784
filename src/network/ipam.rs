//! IPv4 address management for bridge networks, safe between concurrent
//! rcon processes (and stores): one lease file per address under
//! `/run/rcon/network/ipam/<bridge>/`, created with `O_EXCL` under a
//! per-bridge flock. Leases live in the host-wide run directory because
//! the bridge they belong to is a host-wide object that several stores may
//! share (the default `rcon0`). A lease whose container is gone (its store
//! directory removed, or its init dead) is stale and reused.

use super::{Error, Owner};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;
use std::path::PathBuf;

fn dir(bridge: &str) -> PathBuf {
    super::host_state().join("ipam").join(bridge)
}

/// The subnet `addr/prefix` (host bits cleared). Panics on a prefix above
/// 32, which no parsed CIDR, kernel route or address has.
pub fn subnet(addr: Ipv4Addr, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(addr, prefix).trunc()
}

/// The host addresses of `subnet/prefix` in order, without the network,
/// broadcast and `gateway` addresses.
fn hosts(subnet_addr: Ipv4Addr, prefix: u8, gateway: Ipv4Addr) -> impl Iterator<Item = Ipv4Addr> {
    subnet(subnet_addr, prefix).hosts().filter(move |a| *a != gateway)
}

/// Leases an address of the network on `bridge` to `owner`: `wanted` if
/// given (`--ip`), else the lowest free one. Errors: the wanted address is
/// outside the subnet or taken, the subnet is full, lease files cannot be
/// written.
pub fn allocate(
    bridge: &str,
    subnet: Ipv4Addr,
    prefix: u8,
    gateway: Ipv4Addr,
    wanted: Option<Ipv4Addr>,
    owner: &Owner,
) -> Result<Ipv4Addr, Error> {
    let d = dir(bridge);
    std::fs::create_dir_all(&d).map_err(super::io(&d))?;
    let _lock = super::lock(&d.join(".lock"))?;
    let free = |a: Ipv4Addr| -> bool {
        let p = d.join(a.to_string());
        match Owner::read(&p) {
            None => !p.exists(),
            Some(o) if o.alive() && o != *owner => false,
            Some(_) => {
                let _ = std::fs::remove_file(&p);
                true
            }
        }
    };
    let addr = match wanted {
        Some(a) => {
            if !self::subnet(subnet, prefix).contains(&a) || a == gateway {
                return Err(Error::Address(format!("{a} is not a usable address of {subnet}/{prefix}")));
            }
            if !free(a) {
                return Err(Error::Address(format!("address {a} is already in use on network bridge {bridge}")));
            }
            a
        }
        None => hosts(subnet, prefix, gateway)
            .find(|a| free(*a))
            .ok_or_else(|| Error::Address(format!("no free address left in {subnet}/{prefix} ({bridge})")))?,
    };
    owner.write(&d.join(addr.to_string()))?;
    Ok(addr)
}

/// Releases `addr` on `bridge` if `owner` holds it.
pub fn release(bridge: &str, addr: Ipv4Addr, owner: &Owner) {
    let p = dir(bridge).join(addr.to_string());
    if Owner::read(&p).is_some_and(|o| o == *owner) {
        let _ = std::fs::remove_file(&p);
    }
}

/// Removes the lease directory of a deleted network's bridge.
pub fn forget(bridge: &str) {
    let _ = std::fs::remove_dir_all(dir(bridge));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_addresses_skip_network_broadcast_and_gateway() {
        let s: Ipv4Addr = "10.1.2.0".parse().unwrap();
        let g: Ipv4Addr = "10.1.2.1".parse().unwrap();
        let all: Vec<_> = hosts(s, 24, g).collect();
        assert_eq!(all.len(), 253);
        assert_eq!(all[0], "10.1.2.2".parse::<Ipv4Addr>().unwrap());
        assert_eq!(*all.last().unwrap(), "10.1.2.254".parse::<Ipv4Addr>().unwrap());
        assert_eq!(subnet("10.1.2.3".parse().unwrap(), 24).to_string(), "10.1.2.0/24");
    }
}
