//! A small synchronous rtnetlink client (rtnetlink(7)) for the dozen
//! requests rcon needs: create a bridge or a veth pair (the peer straight
//! into a container's network namespace), set links up and into a bridge,
//! add IPv4 addresses and routes, find and delete links, list routes.
//!
//! Hand-written on a raw `AF_NETLINK` socket rather than on the `rtnetlink`
//! crate (async, needs tokio: startup time and docs/ARCHITECTURE.md hazard 1) or
//! `netlink-packet-route` (a large, fast-moving API for a few fixed
//! messages). Every request asks for an ACK and waits for it, so errors come
//! back as the kernel's errno.
//!
//! A [`Netlink`] socket talks to the network namespace it was created in;
//! [`Netlink::in_netns`] makes one inside another process's namespace.

use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};

const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_DUMP: u16 = 0x300;

const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
const NLA_F_NESTED: u16 = 0x8000;

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;

const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;

/// A netlink error: the request and the kernel's errno.
#[derive(Debug, thiserror::Error)]
#[error("netlink: {what}: {}", errno.desc())]
pub struct Error {
    /// What was asked, e.g. "create bridge rcon0".
    pub what: String,
    /// The errno.
    pub errno: nix::errno::Errno,
}

type Result<T> = std::result::Result<T, Error>;

/// A link as the kernel reports it.
#[derive(Debug, Clone)]
pub struct Link {
    /// Interface index.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// Index of its master (bridge), if any.
    pub master: Option<u32>,
    /// Hardware address.
    pub mac: Vec<u8>,
}

/// An IPv4 route of the main table: destination and prefix length.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Destination network.
    pub dst: Ipv4Addr,
    /// Prefix length (0: default route).
    pub prefix: u8,
}

/// Builds one netlink message: header, fixed struct, attributes.
pub(super) struct Msg {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

impl Msg {
    pub(super) fn new(typ: u16, flags: u16, fixed: &[u8]) -> Msg {
        let mut buf = vec![0u8; 16];
        buf[4..6].copy_from_slice(&typ.to_ne_bytes());
        buf[6..8].copy_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
        buf.extend_from_slice(fixed);
        pad(&mut buf);
        Msg { buf, nests: Vec::new() }
    }

    pub(super) fn attr(&mut self, typ: u16, data: &[u8]) -> &mut Msg {
        let len = (4 + data.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&typ.to_ne_bytes());
        self.buf.extend_from_slice(data);
        pad(&mut self.buf);
        self
    }

    pub(super) fn str(&mut self, typ: u16, s: &str) -> &mut Msg {
        let mut d = s.as_bytes().to_vec();
        d.push(0);
        self.attr(typ, &d)
    }

    pub(super) fn u32(&mut self, typ: u16, v: u32) -> &mut Msg {
        self.attr(typ, &v.to_ne_bytes())
    }

    pub(super) fn begin(&mut self, typ: u16) -> &mut Msg {
        self.nests.push(self.buf.len());
        self.attr(typ | NLA_F_NESTED, &[])
    }

    /// Starts a nested attribute whose payload begins with a fixed struct
    /// (VETH_INFO_PEER holds an ifinfomsg).
    fn begin_with(&mut self, typ: u16, fixed: &[u8]) -> &mut Msg {
        self.nests.push(self.buf.len());
        self.attr(typ, fixed)
    }

    pub(super) fn end(&mut self) -> &mut Msg {
        let start = self.nests.pop().expect("end without begin");
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    pub(super) fn finish(mut self, seq: u32) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        self.buf
    }
}

fn pad(buf: &mut Vec<u8>) {
    while !buf.len().is_multiple_of(4) {
        buf.push(0);
    }
}

/// `struct ifinfomsg` (16 bytes).
fn ifinfomsg(index: u32, flags: u32, change: u32) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[4..8].copy_from_slice(&(index as i32).to_ne_bytes());
    b[8..12].copy_from_slice(&flags.to_ne_bytes());
    b[12..16].copy_from_slice(&change.to_ne_bytes());
    b
}

/// Iterates the attributes in `data`: (type without flags, payload).
fn attrs(mut data: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if data.len() < 4 {
            return None;
        }
        let len = u16::from_ne_bytes([data[0], data[1]]) as usize;
        let typ = u16::from_ne_bytes([data[2], data[3]]) & 0x3fff;
        if len < 4 || len > data.len() {
            return None;
        }
        let payload = &data[4..len];
        data = &data[((len + 3) & !3).min(data.len())..];
        Some((typ, payload))
    })
}

fn cstr(b: &[u8]) -> String {
    String::from_utf8_lossy(b.split(|c| *c == 0).next().unwrap_or(b)).into_owned()
}

/// An rtnetlink socket bound to the network namespace it was made in.
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

impl Netlink {
    /// Opens a socket in rcon's "host" network namespace: the caller's,
    /// or rootless the user's rootless network namespace when it exists
    /// ([`super::rootless_netns::netlink_socket`]).
    pub fn open() -> Result<Netlink> {
        if !crate::runtime::rootless::is_rootless() {
            return Netlink::here();
        }
        let err = |errno| Error { what: "open a netlink socket in the rootless network namespace".into(), errno };
        let fd = super::rootless_netns::netlink_socket(nix::sys::socket::SockProtocol::NetlinkRoute).map_err(err)?;
        Ok(Netlink { fd, seq: 1 })
    }

    /// Opens a socket in the calling thread's network namespace.
    pub fn here() -> Result<Netlink> {
        let err = |errno| Error { what: "open a netlink socket".into(), errno };
        let fd = crate::sys::netlink_socket(nix::sys::socket::SockProtocol::NetlinkRoute).map_err(err)?;
        Ok(Netlink { fd, seq: 1 })
    }

    /// Opens a socket inside the network namespace `netns` (an open
    /// `/proc/PID/ns/net`): enters it with setns(2), makes the socket, and
    /// returns to the caller's namespace (only the calling thread moves).
    /// Rootless, where the thread could not return to the host's
    /// namespace, a helper thread makes the socket
    /// ([`super::rootless_netns::within`]).
    pub fn in_netns(netns: &OwnedFd) -> Result<Netlink> {
        use nix::sched::{CloneFlags, setns};
        let err = |what: &str, errno| Error { what: what.into(), errno };
        if crate::runtime::rootless::is_rootless() {
            return super::rootless_netns::within(netns, Netlink::here)
                .map_err(|e| err("enter the container's network namespace", e))?;
        }
        let own = std::fs::File::open("/proc/thread-self/ns/net").map_err(|e| {
            err("open /proc/thread-self/ns/net", nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)))
        })?;
        setns(netns, CloneFlags::CLONE_NEWNET).map_err(|e| err("enter the container's network namespace", e))?;
        let sock = Netlink::here();
        setns(&own, CloneFlags::CLONE_NEWNET).map_err(|e| err("return to rcon's network namespace", e))?;
        sock
    }

    fn send(&mut self, msg: Msg, what: &dyn Fn() -> String) -> Result<u32> {
        self.seq += 1;
        let data = msg.finish(self.seq);
        let n = nix::sys::socket::send(self.fd.as_raw_fd(), &data, nix::sys::socket::MsgFlags::empty())
            .map_err(|errno| Error { what: what(), errno })?;
        debug_assert_eq!(n, data.len());
        Ok(self.seq)
    }

    /// Reads replies to `seq` until the ACK, the error or NLMSG_DONE;
    /// calls `each` with every other message's type and payload.
    fn recv(&mut self, seq: u32, what: &dyn Fn() -> String, each: &mut dyn FnMut(u16, &[u8])) -> Result<()> {
        let mut buf = vec![0u8; 65536];
        loop {
            let n = loop {
                match nix::sys::socket::recv(self.fd.as_raw_fd(), &mut buf, nix::sys::socket::MsgFlags::empty()) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    r => break r.map_err(|errno| Error { what: what(), errno })?,
                }
            };
            let mut off = 0;
            while off + 16 <= n {
                let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap()) as usize;
                let typ = u16::from_ne_bytes(buf[off + 4..off + 6].try_into().unwrap());
                let mseq = u32::from_ne_bytes(buf[off + 8..off + 12].try_into().unwrap());
                if len < 16 || off + len > n {
                    break;
                }
                let payload = &buf[off + 16..off + len];
                off += (len + 3) & !3;
                if mseq != seq {
                    continue;
                }
                match typ {
                    NLMSG_ERROR => {
                        let code = i32::from_ne_bytes(payload[0..4].try_into().unwrap());
                        if code == 0 {
                            return Ok(());
                        }
                        return Err(Error { what: what(), errno: nix::errno::Errno::from_raw(-code) });
                    }
                    NLMSG_DONE => return Ok(()),
                    _ => each(typ, payload),
                }
            }
        }
    }

    fn request(&mut self, msg: Msg, what: &dyn Fn() -> String) -> Result<()> {
        let seq = self.send(msg, what)?;
        self.recv(seq, what, &mut |_, _| {})
    }

    /// Creates a bridge named `name`, up. Errors: `EEXIST` when it exists.
    pub fn create_bridge(&mut self, name: &str) -> Result<()> {
        let mut m = Msg::new(
            RTM_NEWLINK,
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            &ifinfomsg(0, libc::IFF_UP as u32, libc::IFF_UP as u32),
        );
        m.str(IFLA_IFNAME, name);
        m.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "bridge").end();
        self.request(m, &|| format!("create bridge {name}"))
    }

    /// Creates a veth pair: `host` in this namespace, up, in bridge
    /// `master`; its peer named `peer` in the namespace `peer_netns`
    /// (an open `/proc/PID/ns/net`), down (the caller configures it there).
    pub fn create_veth(&mut self, host: &str, master: u32, peer: &str, peer_netns: &OwnedFd, mtu: u32) -> Result<()> {
        let up = libc::IFF_UP as u32;
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifinfomsg(0, up, up));
        m.str(IFLA_IFNAME, host).u32(IFLA_MASTER, master).u32(IFLA_MTU, mtu);
        m.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").begin(IFLA_INFO_DATA);
        m.begin_with(VETH_INFO_PEER, &ifinfomsg(0, 0, 0))
            .str(IFLA_IFNAME, peer)
            .u32(IFLA_MTU, mtu)
            .u32(IFLA_NET_NS_FD, peer_netns.as_raw_fd() as u32)
            .end();
        m.end().end();
        self.request(m, &|| format!("create veth pair {host}/{peer}"))
    }

    /// Deletes link `name`. Errors: `ENODEV` when there is none.
    pub fn delete_link(&mut self, name: &str) -> Result<()> {
        let mut m = Msg::new(RTM_DELLINK, NLM_F_ACK, &ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, name);
        self.request(m, &|| format!("delete link {name}"))
    }

    /// Sets link `index` up.
    pub fn set_up(&mut self, index: u32) -> Result<()> {
        let up = libc::IFF_UP as u32;
        let m = Msg::new(RTM_NEWLINK, NLM_F_ACK, &ifinfomsg(index, up, up));
        self.request(m, &|| format!("set link {index} up"))
    }

    /// The link named `name`, or `None`.
    pub fn link(&mut self, name: &str) -> Result<Option<Link>> {
        let mut m = Msg::new(RTM_GETLINK, NLM_F_ACK, &ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, name);
        let mut found = None;
        let what = || format!("find link {name}");
        let seq = self.send(m, &what)?;
        match self.recv(seq, &what, &mut |typ, p| {
            if typ == RTM_NEWLINK {
                found = parse_link(p);
            }
        }) {
            Err(e) if e.errno == nix::errno::Errno::ENODEV => Ok(None),
            Err(e) => Err(e),
            Ok(()) => Ok(found),
        }
    }

    /// Every link of the namespace.
    pub fn links(&mut self) -> Result<Vec<Link>> {
        let m = Msg::new(RTM_GETLINK, NLM_F_DUMP, &ifinfomsg(0, 0, 0));
        let what = || "list links".to_string();
        let seq = self.send(m, &what)?;
        let mut out = Vec::new();
        self.recv(seq, &what, &mut |typ, p| {
            if typ == RTM_NEWLINK {
                out.extend(parse_link(p));
            }
        })?;
        Ok(out)
    }

    /// Adds `addr/prefix` to link `index` (with the subnet's broadcast
    /// address). Errors: `EEXIST` when it is already there.
    pub fn add_address(&mut self, index: u32, addr: Ipv4Addr, prefix: u8) -> Result<()> {
        let mut fixed = [0u8; 8];
        fixed[0] = libc::AF_INET as u8;
        fixed[1] = prefix;
        fixed[4..8].copy_from_slice(&index.to_ne_bytes());
        let mut m = Msg::new(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &fixed);
        let bcast = u32::from(addr) | (u32::MAX.checked_shr(prefix as u32).unwrap_or(0));
        m.attr(IFA_LOCAL, &addr.octets()).attr(IFA_ADDRESS, &addr.octets());
        if prefix < 31 {
            m.attr(IFA_BROADCAST, &Ipv4Addr::from(bcast).octets());
        }
        self.request(m, &|| format!("add address {addr}/{prefix} to link {index}"))
    }

    /// The IPv4 addresses of link `index`, with their prefix lengths.
    pub fn addresses(&mut self, index: u32) -> Result<Vec<(Ipv4Addr, u8)>> {
        let mut fixed = [0u8; 8];
        fixed[0] = libc::AF_INET as u8;
        let m = Msg::new(RTM_GETADDR, NLM_F_DUMP, &fixed);
        let what = || format!("list addresses of link {index}");
        let seq = self.send(m, &what)?;
        let mut out = Vec::new();
        self.recv(seq, &what, &mut |typ, p| {
            if typ != RTM_NEWADDR || p.len() < 8 || u32::from_ne_bytes(p[4..8].try_into().unwrap()) != index {
                return;
            }
            for (t, d) in attrs(&p[8..]) {
                if (t == IFA_LOCAL || t == IFA_ADDRESS) && d.len() == 4 {
                    let a = Ipv4Addr::new(d[0], d[1], d[2], d[3]);
                    if !out.iter().any(|(x, _)| *x == a) {
                        out.push((a, p[1]));
                    }
                }
            }
        })?;
        Ok(out)
    }

    /// Adds a route in the main table: to `dst/prefix` (0.0.0.0/0: the
    /// default route) via `gateway`, or directly on link `oif`.
    pub fn add_route(&mut self, dst: Ipv4Addr, prefix: u8, gateway: Option<Ipv4Addr>, oif: u32) -> Result<()> {
        let mut fixed = [0u8; 12];
        fixed[0] = libc::AF_INET as u8;
        fixed[1] = prefix;
        fixed[4] = libc::RT_TABLE_MAIN;
        fixed[5] = libc::RTPROT_BOOT;
        fixed[6] = if gateway.is_some() { libc::RT_SCOPE_UNIVERSE } else { libc::RT_SCOPE_LINK };
        fixed[7] = libc::RTN_UNICAST;
        let mut m = Msg::new(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &fixed);
        if prefix > 0 {
            m.attr(RTA_DST, &dst.octets());
        }
        if let Some(g) = gateway {
            m.attr(RTA_GATEWAY, &g.octets());
        }
        m.u32(RTA_OIF, oif);
        self.request(m, &|| format!("add route to {dst}/{prefix}"))
    }

    /// The IPv4 routes of the main table.
    pub fn routes(&mut self) -> Result<Vec<Route>> {
        let mut fixed = [0u8; 12];
        fixed[0] = libc::AF_INET as u8;
        let m = Msg::new(RTM_GETROUTE, NLM_F_DUMP, &fixed);
        let what = || "list routes".to_string();
        let seq = self.send(m, &what)?;
        let mut out = Vec::new();
        self.recv(seq, &what, &mut |typ, p| {
            if typ != RTM_NEWROUTE || p.len() < 12 || p[4] != libc::RT_TABLE_MAIN {
                return;
            }
            let mut dst = Ipv4Addr::UNSPECIFIED;
            for (t, d) in attrs(&p[12..]) {
                if t == RTA_DST && d.len() == 4 {
                    dst = Ipv4Addr::new(d[0], d[1], d[2], d[3]);
                }
            }
            out.push(Route { dst, prefix: p[1] });
        })?;
        Ok(out)
    }
}

fn parse_link(p: &[u8]) -> Option<Link> {
    if p.len() < 16 {
        return None;
    }
    let index = i32::from_ne_bytes(p[4..8].try_into().unwrap()) as u32;
    let mut link = Link { index, name: String::new(), master: None, mac: Vec::new() };
    for (t, d) in attrs(&p[16..]) {
        match t {
            IFLA_IFNAME => link.name = cstr(d),
            IFLA_MASTER if d.len() == 4 => link.master = Some(u32::from_ne_bytes(d.try_into().unwrap())),
            IFLA_ADDRESS => link.mac = d.to_vec(),
            _ => {}
        }
    }
    Some(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_aligned_and_nested() {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_ACK, &ifinfomsg(0, 0, 0));
        m.str(IFLA_IFNAME, "abc");
        m.begin(IFLA_LINKINFO).str(IFLA_INFO_KIND, "veth").end();
        let b = m.finish(7);
        assert_eq!(b.len() % 4, 0);
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize, b.len());
        let found: Vec<u16> = attrs(&b[32..]).map(|(t, _)| t).collect();
        assert_eq!(found, vec![IFLA_IFNAME, IFLA_LINKINFO]);
        let (_, info) = attrs(&b[32..]).nth(1).unwrap();
        let (t, kind) = attrs(info).next().unwrap();
        assert_eq!((t, cstr(kind).as_str()), (IFLA_INFO_KIND, "veth"));
    }
}
