//! Published ports (`-p`) of rootless containers on user networks: a small
//! user-space forwarder per container, as podman's `rootlessport`.
//!
//! Why not pasta's own forwarding: the rootless network namespace
//! ([`super::rootless_netns`]) has one pasta, started once, and pasta's
//! `-t`/`-u` ports are fixed when it starts; restarting it for each
//! container would cut every other container's connections. Root's answer,
//! DNAT in the host's nft table, needs privileges over the host's namespace.
//!
//! How: [`start`] (in `attach`, in the host's network namespace) binds the
//! host sockets itself, so a taken port fails the start at once with
//! docker's error and `-p 80` (no host port) gets the port the kernel picks;
//! then it executes `rcon __portfwd`, which inherits them, joins the
//! rootless network namespace (the host sockets stay in the host's) and
//! relays: each TCP connection to a new connection from the rootless
//! namespace to `CONTAINER-IP:PORT` (two threads copying, each half closed
//! when its side ends); each UDP client (source address) to a socket of
//! its own connected to the container, idle after [`UDP_IDLE`]. The
//! container sees connections from its network's gateway, as with podman's
//! rootlessport (the client's address is not kept).
//!
//! The forwarder ends by itself when the container's init ends (it waits
//! on a pidfd of it), and `detach` ends it earlier ([`stop`], by the pid in
//! `RUNROOT/portfwd/ID`).

use super::Error;
use super::ports::{PortMapping, Proto};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

/// `argv[1]` of the forwarder process.
pub const ENTRY: &str = "__portfwd";

/// How long a UDP client's relay socket lives without a datagram.
pub const UDP_IDLE: Duration = Duration::from_secs(60);

/// One relayed port: `PROTO:FD:IP:PORT` on the forwarder's command line.
#[derive(Debug, Clone, PartialEq)]
struct Relay {
    proto: Proto,
    fd: i32,
    to: SocketAddr,
}

impl Relay {
    fn arg(&self) -> String {
        format!("{}:{}:{}", self.proto, self.fd, self.to)
    }

    fn parse(s: &str) -> Option<Relay> {
        let (proto, rest) = s.split_once(':')?;
        let (fd, to) = rest.split_once(':')?;
        let proto = match proto {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            _ => return None,
        };
        Some(Relay { proto, fd: fd.parse().ok()?, to: to.parse().ok()? })
    }
}

/// Binds the host socket of `m` (its host port, the first free one of its
/// range, or one the kernel picks). Errors: [`Error::PortTaken`].
fn bind(m: &PortMapping) -> Result<(OwnedFd, u16), Error> {
    let ports: Vec<u16> = match (m.host_port, m.host_range) {
        (0, Some((lo, hi))) => (lo..=hi).collect(),
        (p, _) => vec![p],
    };
    for port in &ports {
        let addr = SocketAddr::from((m.host_ip, *port));
        let bound = match m.proto {
            Proto::Tcp => TcpListener::bind(addr).and_then(|l| Ok((l.local_addr()?.port(), OwnedFd::from(l)))),
            Proto::Udp => UdpSocket::bind(addr).and_then(|u| Ok((u.local_addr()?.port(), OwnedFd::from(u)))),
        };
        if let Ok((port, fd)) = bound {
            return Ok((fd, port));
        }
    }
    Err(Error::PortTaken { addr: format!("{}:{}", m.host_ip, ports[0]), proto: m.proto })
}

/// Binds `ports` on the host and starts the forwarder (module docs) to
/// `ip`, the container's address on its first network, for the container
/// whose init is `init`. Its pid and start time go to `pid_file`, its
/// messages to `log`. Returns `ports` with their host ports chosen.
/// Errors: a taken port ([`Error::PortTaken`]), the forwarder cannot be
/// executed; on error nothing is left bound or running.
pub fn start(
    ports: &[PortMapping],
    ip: Ipv4Addr,
    init: i32,
    pid_file: &Path,
    log: &Path,
) -> Result<Vec<PortMapping>, Error> {
    let mut published = Vec::new();
    let mut fds = Vec::new();
    for m in ports {
        let (fd, port) = bind(m)?;
        published.push(PortMapping { host_port: port, host_range: None, ..m.clone() });
        fds.push(fd);
    }
    let relays: Vec<Relay> = published
        .iter()
        .zip(&fds)
        .map(|(m, fd)| Relay { proto: m.proto, fd: fd.as_raw_fd(), to: SocketAddr::from((ip, m.container_port)) })
        .collect();
    // rcon is single-threaded here: no other child inherits these.
    for fd in &fds {
        crate::sys::clear_cloexec(fd.as_raw_fd())
            .map_err(|e| Error::BadNetwork(format!("cannot pass the published ports on: {}", e.desc())))?;
    }
    let dir = pid_file.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir).map_err(super::io(dir))?;
    let errf = std::fs::File::create(log).map_err(super::io(log))?;
    let netns = super::rootless_netns::path();
    let child = std::process::Command::new("/proc/self/exe")
        .arg(ENTRY)
        .arg(init.to_string())
        .arg(&netns)
        .args(relays.iter().map(Relay::arg))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(errf)
        .spawn()
        .map_err(|e| Error::BadNetwork(format!("cannot start the port forwarder of -p: {e}")))?;
    drop(fds);
    let pid = child.id() as i32;
    let start = crate::store::process_start_time(pid).unwrap_or(0);
    std::fs::write(pid_file, format!("{pid} {start}\n")).map_err(|e| {
        let _ = crate::sys::kill(pid, libc::SIGKILL);
        super::io(pid_file)(e)
    })?;
    Ok(published)
}

/// Ends the forwarder of `pid_file` (see [`start`]) if it still runs,
/// waiting (up to [`STOP_WAIT`]) until it has exited, so that its host
/// ports are free again for a restart; deletes the file.
pub fn stop(pid_file: &Path) {
    let text = std::fs::read_to_string(pid_file).unwrap_or_default();
    let mut f = text.split_whitespace();
    if let (Some(Ok(pid)), Some(Ok(start))) = (f.next().map(str::parse::<i32>), f.next().map(str::parse::<u64>))
        && let Some(p) = rustix::process::Pid::from_raw(pid)
        && let Ok(pidfd) = rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty())
        && crate::store::process_start_time(pid) == Some(start)
    {
        let _ = crate::sys::kill(pid, libc::SIGKILL);
        // A pidfd is readable once the process has exited (its sockets
        // closed), even while it waits for its parent to reap it.
        let mut fds = [nix::poll::PollFd::new(std::os::fd::AsFd::as_fd(&pidfd), nix::poll::PollFlags::POLLIN)];
        let _ = nix::poll::poll(
            &mut fds,
            nix::poll::PollTimeout::try_from(STOP_WAIT).unwrap_or(nix::poll::PollTimeout::MAX),
        );
    }
    let _ = std::fs::remove_file(pid_file);
}

/// How long [`stop`] waits for the forwarder to exit after `SIGKILL`.
pub const STOP_WAIT: Duration = Duration::from_secs(2);

/// The forwarder process: `rcon __portfwd INIT NETNS RELAY…` (module
/// docs). Returns its exit code: 0 once the init ended, 125 on bad
/// arguments or when the namespace cannot be joined.
pub fn main(args: &[std::ffi::OsString]) -> i32 {
    let _ = nix::sys::prctl::set_name(c"rcon-portfwd");
    let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let parsed = (|| {
        let init: i32 = args.first()?.parse().ok()?;
        let netns = args.get(1)?;
        let relays: Option<Vec<Relay>> = args[2..].iter().map(|a| Relay::parse(a)).collect();
        Some((init, netns, relays?))
    })();
    let Some((init, netns, relays)) = parsed else {
        eprintln!("rcon {ENTRY}: usage: INIT-PID NETNS PROTO:FD:IP:PORT…");
        return 125;
    };
    // Wait on the init first: if it is gone already, so is the need.
    let Ok(pidfd) = rustix::process::pidfd_open(
        rustix::process::Pid::from_raw(init).expect("a parsed pid is positive"),
        rustix::process::PidfdFlags::empty(),
    ) else {
        return 0;
    };
    let mut sockets = Vec::new();
    for r in &relays {
        match crate::sys::take_inherited_fd(r.fd) {
            Ok(fd) => sockets.push((r.clone(), fd)),
            Err(e) => {
                eprintln!("rcon {ENTRY}: fd {}: {}", r.fd, e.desc());
                return 125;
            }
        }
    }
    let joined = std::fs::File::open(netns)
        .map_err(|e| e.to_string())
        .and_then(|ns| nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| e.desc().to_string()));
    if let Err(e) = joined {
        eprintln!("rcon {ENTRY}: cannot join the rootless network namespace {netns}: {e}");
        return 125;
    }
    for (r, fd) in sockets {
        // Threads made from here on are in the rootless namespace too.
        match r.proto {
            Proto::Tcp => std::thread::spawn(move || relay_tcp(TcpListener::from(fd), r.to)),
            Proto::Udp => std::thread::spawn(move || relay_udp(UdpSocket::from(fd), r.to)),
        };
    }
    let mut fds = [nix::poll::PollFd::new(std::os::fd::AsFd::as_fd(&pidfd), nix::poll::PollFlags::POLLIN)];
    while let Err(nix::errno::Errno::EINTR) = nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE) {}
    0
}

fn relay_tcp(listener: TcpListener, to: SocketAddr) {
    for conn in listener.incoming() {
        let Ok(client) = conn else { continue };
        std::thread::spawn(move || {
            let Ok(server) = TcpStream::connect(to) else { return };
            let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
            let up = std::thread::spawn(move || copy_half(c2, s2));
            copy_half(server, client);
            let _ = up.join();
        });
    }
}

/// Copies `from` to `to` until `from` ends, then closes `to` for writing.
fn copy_half(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}

type UdpClients = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<SocketAddr, UdpSocket>>>;

fn relay_udp(host: UdpSocket, to: SocketAddr) {
    let clients = UdpClients::default();
    let mut buf = vec![0u8; 65536];
    loop {
        let Ok((n, from)) = host.recv_from(&mut buf) else { continue };
        let mut map = clients.lock().unwrap_or_else(|e| e.into_inner());
        let sock = match map.entry(from) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => match udp_client(&host, to, from, &clients) {
                Some(sock) => e.insert(sock),
                None => continue,
            },
        };
        let _ = sock.send(&buf[..n]);
    }
}

/// A socket for the UDP client `from`, connected to the container at `to`,
/// and a thread sending its replies back through `host` until it has been
/// idle for [`UDP_IDLE`] (then it leaves `clients`).
fn udp_client(host: &UdpSocket, to: SocketAddr, from: SocketAddr, clients: &UdpClients) -> Option<UdpSocket> {
    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    sock.connect(to).ok()?;
    let (back, host) = (sock.try_clone().ok()?, host.try_clone().ok()?);
    let clients = clients.clone();
    std::thread::spawn(move || {
        let _ = back.set_read_timeout(Some(UDP_IDLE));
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = back.recv(&mut buf) {
            let _ = host.send_to(&buf[..n], from);
        }
        clients.lock().unwrap_or_else(|e| e.into_inner()).remove(&from);
    });
    Some(sock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_arguments_round_trip() {
        let r = Relay { proto: Proto::Udp, fd: 4, to: "10.99.1.2:53".parse().unwrap() };
        assert_eq!(r.arg(), "udp:4:10.99.1.2:53");
        assert_eq!(Relay::parse(&r.arg()), Some(r));
        let t = Relay::parse("tcp:3:10.99.1.2:80").unwrap();
        assert_eq!((t.proto, t.fd, t.to.port()), (Proto::Tcp, 3, 80));
        for bad in ["sctp:3:10.99.1.2:80", "tcp:x:10.99.1.2:80", "tcp:3:10.99.1.2", "tcp"] {
            assert_eq!(Relay::parse(bad), None, "{bad}");
        }
    }

    /// A TCP connection through [`relay_tcp`] reaches an echo server on
    /// the loopback and gets its answer; closing the client's write side
    /// reaches the server (its read ends).
    #[test]
    fn tcp_relay_carries_both_directions_and_half_closes() {
        use std::io::{Read, Write};
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let to = server.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut c, _) = server.accept().unwrap();
            let mut got = Vec::new();
            c.read_to_end(&mut got).unwrap();
            c.write_all(&[b"echo:".as_slice(), &got].concat()).unwrap();
        });
        let front = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = front.local_addr().unwrap().port();
        std::thread::spawn(move || relay_tcp(front, to));
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A bound on a broken relay, not a timing assertion.
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        c.write_all(b"hello").unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let mut back = String::new();
        c.read_to_string(&mut back).unwrap();
        assert_eq!(back, "echo:hello");
    }

    /// Datagrams of two clients through [`relay_udp`] reach a UDP echo
    /// server, and each client gets its own answers back.
    #[test]
    fn udp_relay_answers_each_client() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = server.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = server.recv_from(&mut buf) {
                let _ = server.send_to(&[b"echo:".as_slice(), &buf[..n]].concat(), from);
            }
        });
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = front.local_addr().unwrap();
        std::thread::spawn(move || relay_udp(front, to));
        for name in ["one", "two"] {
            let c = UdpSocket::bind("127.0.0.1:0").unwrap();
            c.connect(addr).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            c.send(name.as_bytes()).unwrap();
            let mut buf = [0u8; 512];
            let n = c.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], format!("echo:{name}").as_bytes());
        }
    }

    #[test]
    fn bind_picks_a_port_and_reports_a_taken_one() {
        let m = PortMapping {
            host_ip: Ipv4Addr::LOCALHOST,
            host_port: 0,
            host_range: None,
            container_port: 80,
            proto: Proto::Tcp,
        };
        let (fd, port) = bind(&m).unwrap();
        assert_ne!(port, 0);
        let taken = PortMapping { host_port: port, ..m.clone() };
        match bind(&taken) {
            Err(Error::PortTaken { addr, proto: Proto::Tcp }) => assert_eq!(addr, format!("127.0.0.1:{port}")),
            other => panic!("{other:?}"),
        }
        drop(fd);
    }
}
