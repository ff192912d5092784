//! NAT and port forwarding with nftables, in rcon's own table `ip rcon`
//! only (nothing else in the ruleset is read or changed). rcon runs the
//! `nft` tool (Debian package `nftables`) with a script on its stdin; a
//! missing `nft` is a clear error.
//!
//! The table, made idempotently by [`base_script`]:
//!
//! ```text
//! set subnets        the subnets of rcon's bridge networks
//! map tcp_ip/udp_ip  host IP . host port : container IP . port  (-p IP:H:C)
//! map tcp_any/udp_any           host port : container IP . port  (-p H:C)
//! chain ports        DNAT through those maps
//! chain prerouting   nat, dstnat:  to a local address → ports (other hosts)
//! chain output       nat, -100:    to a local address → ports (this host,
//!                    127.0.0.1 included: the bridges get route_localnet)
//! chain postrouting  nat, srcnat:  masquerade from a subnet to the outside,
//!                    and 127.0.0.0/8 sources DNATed into a subnet
//! set same           SUBNET . SUBNET for each subnet (traffic inside one)
//! chain forward      filter: isolation between networks (below)
//! ```
//!
//! # Isolation between networks
//!
//! As docker's `DOCKER-ISOLATION` chains: a container on one bridge network
//! cannot reach the address of a container on another (the default
//! `bridge` included); routed packets from one rcon subnet to a different
//! one are dropped. Traffic inside a subnet passes (also when
//! `br_netfilter` makes bridged traffic visible to this hook), and so do
//! connections to a published port (`ct status dnat`): a published port is
//! reachable from everywhere, other networks' containers included.
//!
//! A container's published ports are map elements. The table itself is made
//! with the `nft` tool (once per boot, and by `network create`); the
//! elements are added and deleted over nftables' netlink API
//! ([`super::nfnetlink`], no process: a fraction of a millisecond), in one
//! atomic batch each. Containers without published ports need neither.
//!
//! Element bytes are those `nft` itself sends for these types (each
//! component of a concatenation padded to a 4-byte register):
//!
//! ```text
//! inet_service                      2 bytes: port, big endian
//! ipv4_addr . inet_service          8 bytes: address | port, big endian | 0 0
//! ```

use super::Error;
use super::nfnetlink::{self, BatchError, SetElem};
use super::ports::{PortMapping, Proto};
use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};

/// The idempotent script that (re)creates the table's sets, maps and
/// chains without touching the elements of its maps, and adds `subnets`.
pub fn base_script(subnets: &[(Ipv4Addr, u8)]) -> String {
    let mut s = String::from(
        "add table ip rcon
add set ip rcon subnets { type ipv4_addr; flags interval; }
add map ip rcon tcp_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service; }
add map ip rcon udp_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service; }
add map ip rcon tcp_any { type inet_service : ipv4_addr . inet_service; }
add map ip rcon udp_any { type inet_service : ipv4_addr . inet_service; }
add set ip rcon same { type ipv4_addr . ipv4_addr; flags interval; }
add chain ip rcon ports
add chain ip rcon prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain ip rcon output { type nat hook output priority -100; policy accept; }
add chain ip rcon postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain ip rcon forward { type filter hook forward priority filter; policy accept; }
flush chain ip rcon ports
flush chain ip rcon prerouting
flush chain ip rcon output
flush chain ip rcon postrouting
flush chain ip rcon forward
add rule ip rcon ports dnat ip to ip daddr . tcp dport map @tcp_ip
add rule ip rcon ports dnat ip to ip daddr . udp dport map @udp_ip
add rule ip rcon ports dnat ip to tcp dport map @tcp_any
add rule ip rcon ports dnat ip to udp dport map @udp_any
add rule ip rcon prerouting fib daddr type local jump ports
add rule ip rcon output fib daddr type local jump ports
add rule ip rcon postrouting ip saddr @subnets ip daddr != @subnets masquerade
add rule ip rcon postrouting ip saddr 127.0.0.0/8 ip daddr @subnets masquerade
add rule ip rcon forward ct status dnat accept
add rule ip rcon forward ip saddr @subnets ip daddr @subnets ip saddr . ip daddr != @same drop
",
    );
    for (net, prefix) in subnets {
        s.push_str(&format!("add element ip rcon subnets {{ {net}/{prefix} }}\n"));
        s.push_str(&format!("add element ip rcon same {{ {net}/{prefix} . {net}/{prefix} }}\n"));
    }
    s
}

fn element(m: &PortMapping, with_value: Option<Ipv4Addr>) -> String {
    let map = map_name(m);
    let key =
        if m.host_ip.is_unspecified() { m.host_port.to_string() } else { format!("{} . {}", m.host_ip, m.host_port) };
    match with_value {
        Some(ip) => format!("add element ip rcon {map} {{ {key} : {ip} . {} }}\n", m.container_port),
        None => format!("delete element ip rcon {map} {{ {key} }}\n"),
    }
}

/// Script lines adding DNAT entries for `ports` to `ip`.
pub fn add_ports_script(ports: &[PortMapping], ip: Ipv4Addr) -> String {
    ports.iter().map(|m| element(m, Some(ip))).collect()
}

/// Script lines deleting the DNAT entries of `ports`.
pub fn delete_ports_script(ports: &[PortMapping]) -> String {
    ports.iter().map(|m| element(m, None)).collect()
}

/// Script that removes a subnet from the masquerade set and the isolation
/// set (network rm).
pub fn delete_subnet_script(net: Ipv4Addr, prefix: u8) -> String {
    format!(
        "delete element ip rcon subnets {{ {net}/{prefix} }}\ndelete element ip rcon same {{ {net}/{prefix} . {net}/{prefix} }}\n"
    )
}

/// The name of the map holding `m`'s DNAT entry.
fn map_name(m: &PortMapping) -> &'static str {
    match (m.proto, m.host_ip.is_unspecified()) {
        (Proto::Tcp, true) => "tcp_any",
        (Proto::Udp, true) => "udp_any",
        (Proto::Tcp, false) => "tcp_ip",
        (Proto::Udp, false) => "udp_ip",
    }
}

/// `ipv4_addr . inet_service` in register layout (8 bytes).
fn addr_port(ip: Ipv4Addr, port: u16) -> Vec<u8> {
    let mut v = ip.octets().to_vec();
    v.extend_from_slice(&port.to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v
}

/// The netlink element of `m`: its key and, with `to`, its DNAT target.
fn set_elem(m: &PortMapping, to: Option<Ipv4Addr>) -> SetElem {
    let key =
        if m.host_ip.is_unspecified() { m.host_port.to_be_bytes().to_vec() } else { addr_port(m.host_ip, m.host_port) };
    SetElem { set: map_name(m).to_string(), key, data: to.map(|ip| addr_port(ip, m.container_port)) }
}

/// Adds or deletes the elements of `ports` in `ip TABLE` over netlink.
fn netlink_elements(table: &str, ports: &[PortMapping], to: Option<Ipv4Addr>) -> Result<(), BatchError> {
    let elems: Vec<SetElem> = ports.iter().map(|m| set_elem(m, to)).collect();
    nfnetlink::set_elements(nfnetlink::FAMILY_IP, table, &elems, to.is_none())
}

/// The `Error::Nft` for a failed batch, naming the element as `nft` would.
fn batch_error(ports: &[PortMapping], to: Option<Ipv4Addr>, e: BatchError) -> Error {
    let what = match e.index.and_then(|i| ports.get(i)) {
        Some(m) => element(m, to).trim_end().to_string(),
        None => format!("{} ports of ip rcon", if to.is_some() { "add" } else { "delete" }),
    };
    Error::Nft(format!("nft failed: {what}: {}", e.errno.desc()))
}

/// Adds the DNAT entries of `ports` to `ip` in one atomic netlink batch.
/// A missing table (`ENOENT`: the ruleset was flushed) is remade with
/// [`base_script`] and a stale element holding a key (`EEXIST`: its
/// container vanished without a detach) is deleted, then the batch is
/// retried once. Errors: [`Error::Nft`] naming the element and the errno.
pub fn add_ports(ports: &[PortMapping], ip: Ipv4Addr) -> Result<(), Error> {
    add_ports_in("rcon", ports, ip)
}

fn add_ports_in(table: &str, ports: &[PortMapping], ip: Ipv4Addr) -> Result<(), Error> {
    match netlink_elements(table, ports, Some(ip)) {
        Ok(()) => return Ok(()),
        Err(e) if e.errno == nix::errno::Errno::ENOENT && table == "rcon" => run(&base_script(&[]))?,
        Err(e) if e.errno == nix::errno::Errno::EEXIST => delete_ports_in(table, ports),
        Err(e) => return Err(batch_error(ports, Some(ip), e)),
    }
    netlink_elements(table, ports, Some(ip)).map_err(|e| batch_error(ports, Some(ip), e))
}

/// Deletes the DNAT entries of `ports` (one netlink batch; when that fails,
/// because one of them is already gone, each alone). Best effort: nothing
/// to report beyond the debug log.
pub fn delete_ports(ports: &[PortMapping]) {
    delete_ports_in("rcon", ports)
}

fn delete_ports_in(table: &str, ports: &[PortMapping]) {
    if netlink_elements(table, ports, None).is_ok() {
        return;
    }
    for m in ports {
        if let Err(e) = netlink_elements(table, std::slice::from_ref(m), None) {
            crate::debug!("{}", batch_error(std::slice::from_ref(m), None, e));
        }
    }
}

/// Runs `nft -f -` with `script` (one atomic transaction). Errors:
/// [`Error::Nft`] when `nft` is missing or rejects the script.
///
/// Rootless, `nft` runs in the user's rootless network namespace
/// ([`super::rootless_netns::run_inside`]), where the user is root.
pub fn run(script: &str) -> Result<(), Error> {
    if crate::runtime::rootless::is_rootless() {
        return super::rootless_netns::run_inside(|| run_here(script));
    }
    run_here(script)
}

fn run_here(script: &str) -> Result<(), Error> {
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::Nft(if e.kind() == std::io::ErrorKind::NotFound {
                "the `nft` command was not found: install nftables (Debian: apt-get install nftables)".to_string()
            } else {
                format!("cannot run `nft`: {e}")
            })
        })?;
    child.stdin.take().expect("piped").write_all(script.as_bytes()).map_err(|e| Error::Nft(format!("nft: {e}")))?;
    let out = child.wait_with_output().map_err(|e| Error::Nft(format!("nft: {e}")))?;
    if !out.status.success() {
        return Err(Error::Nft(format!("nft failed: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements() {
        let any = super::super::ports::parse_publish("9000:80").unwrap();
        let ip = super::super::ports::parse_publish("127.0.0.1:9001:81/udp").unwrap();
        let c: Ipv4Addr = "10.99.0.2".parse().unwrap();
        assert_eq!(add_ports_script(&any, c), "add element ip rcon tcp_any { 9000 : 10.99.0.2 . 80 }\n");
        assert_eq!(add_ports_script(&ip, c), "add element ip rcon udp_ip { 127.0.0.1 . 9001 : 10.99.0.2 . 81 }\n");
        assert_eq!(delete_ports_script(&any), "delete element ip rcon tcp_any { 9000 }\n");
        assert!(base_script(&[(c, 24)]).ends_with(
            "add element ip rcon subnets { 10.99.0.2/24 }\nadd element ip rcon same { 10.99.0.2/24 . 10.99.0.2/24 }\n"
        ));
    }

    /// Elements written over netlink are those `nft` writes: for each of
    /// the four maps, list the map after adding an element with
    /// [`add_ports_in`], then after adding the same element with `nft`.
    /// Needs root and `nft`; uses its own table `ip rcon_t<pid>`.
    #[test]
    fn netlink_elements_match_nft() {
        struct Table(String);
        impl Drop for Table {
            fn drop(&mut self) {
                let _ = run(&format!("delete table ip {}\n", self.0));
            }
        }
        let t = Table(format!("rcon_t{}", std::process::id()));
        let name = &t.0;
        run(&base_script(&[])
            .lines()
            .take(6)
            .map(|l| format!("{}\n", l.replacen("ip rcon", &format!("ip {name}"), 1)))
            .collect::<String>())
        .expect("create the test table (needs root and nftables)");
        let list = |map: &str| {
            let out = Command::new("nft").args(["-j", "list", "map", "ip", name, map]).output().expect("run nft");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            v["nftables"][1]["map"]["elem"].clone()
        };
        let c: Ipv4Addr = "10.99.0.2".parse().unwrap();
        for (spec, map) in [
            ("9000:80", "tcp_any"),
            ("9001:81/udp", "udp_any"),
            ("127.0.0.1:9002:82", "tcp_ip"),
            ("10.1.2.3:65535:8080/udp", "udp_ip"),
        ] {
            let ports = super::super::ports::parse_publish(spec).unwrap();
            add_ports_in(name, &ports, c).unwrap();
            let ours = list(map);
            assert!(ours.is_array(), "{spec}: no element after the netlink add: {ours}");
            // adding it again is no error (as `nft add element`)
            add_ports_in(name, &ports, c).unwrap();
            delete_ports_in(name, &ports);
            assert!(list(map).is_null(), "{spec}: element left after the netlink delete");
            let script = add_ports_script(&ports, c).replacen("ip rcon", &format!("ip {name}"), 1);
            run(&script).unwrap();
            assert_eq!(ours, list(map), "{spec}: netlink and nft elements differ");
            // and the netlink delete removes the element nft added
            delete_ports_in(name, &ports);
            assert!(list(map).is_null(), "{spec}: nft's element left after the netlink delete");
        }
        // errors name the element, as nft's messages do
        let ports = super::super::ports::parse_publish("9000:80").unwrap();
        add_ports_in(name, &ports, c).unwrap();
        let e = add_ports_in(name, &ports, "10.99.0.3".parse().unwrap());
        assert!(e.is_ok(), "a stale element is replaced: {e:?}");
        assert_eq!(list("tcp_any")[0][1]["concat"][0], "10.99.0.3");
        let e = super::netlink_elements("no_such_table", &ports, Some(c)).unwrap_err();
        assert_eq!(e.errno, nix::errno::Errno::ENOENT);
        assert_eq!(
            batch_error(&ports, Some(c), e).to_string(),
            Error::Nft(format!(
                "nft failed: add element ip rcon tcp_any {{ 9000 : 10.99.0.2 . 80 }}: {}",
                nix::errno::Errno::ENOENT.desc()
            ))
            .to_string()
        );
    }
}
