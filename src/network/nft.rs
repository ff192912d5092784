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
//! ```
//!
//! A container's published ports are map elements, added and deleted in one
//! `nft` call each; containers without published ports need no `nft` call.

use super::Error;
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
add chain ip rcon ports
add chain ip rcon prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain ip rcon output { type nat hook output priority -100; policy accept; }
add chain ip rcon postrouting { type nat hook postrouting priority srcnat; policy accept; }
flush chain ip rcon ports
flush chain ip rcon prerouting
flush chain ip rcon output
flush chain ip rcon postrouting
add rule ip rcon ports dnat ip to ip daddr . tcp dport map @tcp_ip
add rule ip rcon ports dnat ip to ip daddr . udp dport map @udp_ip
add rule ip rcon ports dnat ip to tcp dport map @tcp_any
add rule ip rcon ports dnat ip to udp dport map @udp_any
add rule ip rcon prerouting fib daddr type local jump ports
add rule ip rcon output fib daddr type local jump ports
add rule ip rcon postrouting ip saddr @subnets ip daddr != @subnets masquerade
add rule ip rcon postrouting ip saddr 127.0.0.0/8 ip daddr @subnets masquerade
",
    );
    for (net, prefix) in subnets {
        s.push_str(&format!("add element ip rcon subnets {{ {net}/{prefix} }}\n"));
    }
    s
}

fn element(m: &PortMapping, with_value: Option<Ipv4Addr>) -> String {
    let map = match (m.proto, m.host_ip.is_unspecified()) {
        (Proto::Tcp, true) => "tcp_any",
        (Proto::Udp, true) => "udp_any",
        (Proto::Tcp, false) => "tcp_ip",
        (Proto::Udp, false) => "udp_ip",
    };
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

/// Script that removes a subnet from the masquerade set (network rm).
pub fn delete_subnet_script(net: Ipv4Addr, prefix: u8) -> String {
    format!("delete element ip rcon subnets {{ {net}/{prefix} }}\n")
}

/// Runs `nft -f -` with `script` (one atomic transaction). Errors:
/// [`Error::Nft`] when `nft` is missing or rejects the script.
pub fn run(script: &str) -> Result<(), Error> {
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
        assert!(base_script(&[(c, 24)]).ends_with("add element ip rcon subnets { 10.99.0.2/24 }\n"));
    }
}
