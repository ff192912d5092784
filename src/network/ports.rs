//! Published ports: parsing `-p [IP:][HOSTPORT:]CONTAINERPORT[/PROTO]`
//! (with ranges) and `-P`, docker's display forms, and host-wide
//! reservations so that two containers (of any store) never get the same
//! host port.
//!
//! Reservations are files under `/run/rcon/network/ports/`, one per
//! (protocol, host IP, host port), taken under a host-wide lock. A host port
//! is also refused when a host process already listens on it (checked by
//! binding it for a moment): the forwarding is done by DNAT, so no rcon
//! process holds the port while the container runs.

use super::{Error, Owner};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// Transport protocol of a published port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl std::fmt::Display for Proto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

/// One published port. `host_port` 0 means "any free port", chosen when
/// the container starts; `host_range` limits that choice (`-p 8000-8010:80`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// Host address the port is published on (0.0.0.0: every address).
    pub host_ip: Ipv4Addr,
    /// Host port (0 until chosen).
    pub host_port: u16,
    /// When `host_port` is 0: the range to choose it from, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_range: Option<(u16, u16)>,
    /// Port inside the container.
    pub container_port: u16,
    /// Protocol.
    pub proto: Proto,
}

impl PortMapping {
    /// docker's `port` form: `80/tcp -> 0.0.0.0:9000`.
    pub fn port_line(&self) -> String {
        format!("{}/{} -> {}:{}", self.container_port, self.proto, self.host_ip, self.host_port)
    }

    /// docker's `ps` PORTS form: `0.0.0.0:9000->80/tcp`.
    pub fn ps_entry(&self) -> String {
        format!("{}:{}->{}/{}", self.host_ip, self.host_port, self.container_port, self.proto)
    }
}

fn parse_port(s: &str, spec: &str) -> Result<(u16, u16), Error> {
    let bad = || Error::BadPort { spec: spec.to_string(), reason: format!("invalid port {s:?}") };
    let one = |p: &str| p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad);
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (one(a)?, one(b)?);
            if b < a {
                return Err(bad());
            }
            Ok((a, b))
        }
        None => one(s).map(|p| (p, p)),
    }
}

/// Parses one `-p` value: `[IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]`,
/// where ports may be ranges (`8000-8001:80-81`; equal lengths, or a host
/// range with one container port to pick one free host port from). Errors:
/// [`Error::BadPort`] naming the value.
pub fn parse_publish(spec: &str) -> Result<Vec<PortMapping>, Error> {
    let bad = |reason: &str| Error::BadPort { spec: spec.to_string(), reason: reason.to_string() };
    let (rest, proto) = match spec.rsplit_once('/') {
        Some((r, "tcp")) => (r, Proto::Tcp),
        Some((r, "udp")) => (r, Proto::Udp),
        Some((_, p)) => return Err(bad(&format!("unsupported protocol {p:?} (tcp or udp)"))),
        None => (spec, Proto::Tcp),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (ip, host, cont) = match parts.as_slice() {
        [c] => ("", "", *c),
        [h, c] => ("", *h, *c),
        [ip, h, c] => (*ip, *h, *c),
        _ => return Err(bad("expected [IP:][HOSTPORT:]CONTAINERPORT[/PROTO] (IPv6 is not supported yet)")),
    };
    let host_ip = if ip.is_empty() {
        Ipv4Addr::UNSPECIFIED
    } else {
        ip.parse().map_err(|_| bad(&format!("invalid IPv4 address {ip:?}")))?
    };
    let (c0, c1) = parse_port(cont, spec)?;
    let mut out = Vec::new();
    if host.is_empty() {
        for p in c0..=c1 {
            out.push(PortMapping { host_ip, host_port: 0, host_range: None, container_port: p, proto });
        }
        return Ok(out);
    }
    let (h0, h1) = parse_port(host, spec)?;
    if c0 == c1 && h0 != h1 {
        out.push(PortMapping { host_ip, host_port: 0, host_range: Some((h0, h1)), container_port: c0, proto });
    } else if h1 - h0 == c1 - c0 {
        for i in 0..=(c1 - c0) {
            out.push(PortMapping { host_ip, host_port: h0 + i, host_range: None, container_port: c0 + i, proto });
        }
    } else {
        return Err(bad("the host and container port ranges differ in length"));
    }
    Ok(out)
}

/// `-P`: every port the image EXPOSEs (`"80/tcp"`, `"53/udp"`, `"8080"`)
/// on a free host port, unless `-p` already publishes it.
pub fn publish_all(exposed: &[String], explicit: &[PortMapping]) -> Result<Vec<PortMapping>, Error> {
    let mut out = Vec::new();
    for e in exposed {
        for m in parse_publish(e)? {
            if !explicit.iter().chain(&out).any(|x| x.container_port == m.container_port && x.proto == m.proto) {
                out.push(m);
            }
        }
    }
    Ok(out)
}

/// The ps PORTS column for `ports`: entries joined with ", ".
pub fn ps_column(ports: &[PortMapping]) -> String {
    ports.iter().map(PortMapping::ps_entry).collect::<Vec<_>>().join(", ")
}

/// A reservation file's path.
fn reservation(proto: Proto, ip: Ipv4Addr, port: u16) -> PathBuf {
    super::host_state().join("ports").join(format!("{proto}-{ip}-{port}"))
}

/// Who holds `(proto, ip, port)` or an overlapping address (0.0.0.0
/// overlaps every address), ignoring stale reservations (their container
/// is gone) and `me`.
fn holder(proto: Proto, ip: Ipv4Addr, port: u16, me: &Owner) -> Option<Owner> {
    let dir = super::host_state().join("ports");
    let suffix = format!("-{port}");
    let prefix = format!("{proto}-");
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(mid) = name.strip_prefix(&prefix).and_then(|n| n.strip_suffix(&suffix)) else { continue };
        let Ok(other_ip) = mid.parse::<Ipv4Addr>() else { continue };
        if !(other_ip == ip || other_ip.is_unspecified() || ip.is_unspecified()) {
            continue;
        }
        match Owner::read(&e.path()) {
            Some(o) if o == *me => continue,
            Some(o) if o.alive() => return Some(o),
            _ => {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    None
}

/// True when a host socket can bind `ip:port` (nothing listens there).
fn bindable(proto: Proto, ip: Ipv4Addr, port: u16) -> bool {
    let addr = std::net::SocketAddrV4::new(ip, port);
    match proto {
        Proto::Tcp => std::net::TcpListener::bind(addr).is_ok(),
        Proto::Udp => std::net::UdpSocket::bind(addr).is_ok(),
    }
}

fn taken(m: &PortMapping, port: u16) -> Error {
    Error::PortTaken { addr: format!("{}:{}", m.host_ip, port), proto: m.proto }
}

/// Checks that the fixed host ports of `ports` are free (no reservation, no
/// listener), without reserving: lets `run` fail before it creates anything.
pub fn check(ports: &[PortMapping], me: &Owner) -> Result<(), Error> {
    for m in ports.iter().filter(|m| m.host_port != 0) {
        if holder(m.proto, m.host_ip, m.host_port, me).is_some() || !bindable(m.proto, m.host_ip, m.host_port) {
            return Err(taken(m, m.host_port));
        }
    }
    Ok(())
}

/// Reserves every port of `ports` for `me`, choosing the free host ports
/// (from `host_range`, else from docker's dynamic range 49153–65535).
/// Returns the mappings with their host ports set. On error nothing stays
/// reserved. Errors: [`Error::PortTaken`], I/O on the reservation files.
pub fn reserve(ports: &[PortMapping], me: &Owner) -> Result<Vec<PortMapping>, Error> {
    let dir = super::host_state().join("ports");
    std::fs::create_dir_all(&dir).map_err(super::io(&dir))?;
    let _lock = super::lock(&super::host_state().join("ports.lock"))?;
    let mut done: Vec<PortMapping> = Vec::new();
    let result = (|| {
        for m in ports {
            let port = if m.host_port != 0 {
                if holder(m.proto, m.host_ip, m.host_port, me).is_some() || !bindable(m.proto, m.host_ip, m.host_port) {
                    return Err(taken(m, m.host_port));
                }
                m.host_port
            } else {
                let (lo, hi) = m.host_range.unwrap_or((49153, 65535));
                let start = if m.host_range.is_some() { lo } else { lo + (std::process::id() % 1000) as u16 };
                (start..=hi)
                    .chain(lo..start)
                    .find(|p| {
                        !done.iter().any(|d| d.host_port == *p && d.proto == m.proto)
                            && holder(m.proto, m.host_ip, *p, me).is_none()
                            && bindable(m.proto, m.host_ip, *p)
                    })
                    .ok_or_else(|| taken(m, lo))?
            };
            let path = reservation(m.proto, m.host_ip, port);
            me.write(&path)?;
            done.push(PortMapping { host_port: port, host_range: None, ..m.clone() });
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(done),
        Err(e) => {
            release(&done, me);
            Err(e)
        }
    }
}

/// Drops the reservations of `ports` held by `me` (others' are left alone).
pub fn release(ports: &[PortMapping], me: &Owner) {
    for m in ports.iter().filter(|m| m.host_port != 0) {
        let path = reservation(m.proto, m.host_ip, m.host_port);
        if Owner::read(&path).is_some_and(|o| o == *me) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(ip: &str, h: u16, c: u16, proto: Proto) -> PortMapping {
        PortMapping { host_ip: ip.parse().unwrap(), host_port: h, host_range: None, container_port: c, proto }
    }

    #[test]
    fn publish_forms() {
        assert_eq!(parse_publish("80").unwrap(), vec![m("0.0.0.0", 0, 80, Proto::Tcp)]);
        assert_eq!(parse_publish("9000:80").unwrap(), vec![m("0.0.0.0", 9000, 80, Proto::Tcp)]);
        assert_eq!(parse_publish("127.0.0.1:9000:80/udp").unwrap(), vec![m("127.0.0.1", 9000, 80, Proto::Udp)]);
        assert_eq!(parse_publish("127.0.0.1::80").unwrap(), vec![m("127.0.0.1", 0, 80, Proto::Tcp)]);
        assert_eq!(
            parse_publish("8000-8001:80-81").unwrap(),
            vec![m("0.0.0.0", 8000, 80, Proto::Tcp), m("0.0.0.0", 8001, 81, Proto::Tcp)]
        );
        let r = parse_publish("8000-8010:80").unwrap();
        assert_eq!(r[0].host_range, Some((8000, 8010)));
        for bad in ["", "x", "0", "80/sctp", "1-2:3-5", "a:1:2", "1:2:3:4", "70000"] {
            assert!(parse_publish(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_forms() {
        let p = m("0.0.0.0", 9000, 80, Proto::Tcp);
        assert_eq!(p.port_line(), "80/tcp -> 0.0.0.0:9000");
        assert_eq!(p.ps_entry(), "0.0.0.0:9000->80/tcp");
        assert_eq!(
            ps_column(&[p.clone(), m("127.0.0.1", 53, 53, Proto::Udp)]),
            "0.0.0.0:9000->80/tcp, 127.0.0.1:53->53/udp"
        );
    }

    #[test]
    fn publish_all_skips_explicit() {
        let exposed = vec!["80/tcp".to_string(), "53/udp".to_string(), "8080".to_string()];
        let explicit = parse_publish("9000:80").unwrap();
        let all = publish_all(&exposed, &explicit).unwrap();
        assert_eq!(all, vec![m("0.0.0.0", 0, 53, Proto::Udp), m("0.0.0.0", 0, 8080, Proto::Tcp)]);
    }
}
