//! Rootless networking through `slirp4netns` (Debian package
//! `slirp4netns`), podman's backend before pasta: a user-mode TCP/IP stack
//! (libslirp) behind a tap interface `tap0` in the container's network
//! namespace, with the addresses podman gives it (`--network
//! slirp4netns[:OPTIONS]`, see [`Options`]): the container is `.100` of
//! the `cidr` (10.0.2.100 by default), the gateway `.2` (the host's
//! loopback, only with `allow_host_loopback`), the DNS forwarder `.3`.
//!
//! slirp4netns has no port forwarder of its own that rcon could name on its
//! command line: `-p` ports are added once it is ready through its API
//! socket (`--api-socket`, one JSON `add_hostfwd` request per port, as
//! podman's `port_handler=slirp4netns`). It runs sandboxed
//! (`--enable-sandbox`, `--enable-seccomp`) and ends with the container:
//! the process that started it (the container's monitor, or the `rcon
//! run` in the foreground) keeps the write end of its `--exit-fd` pipe, so
//! it exits when that process goes, and [`stop`] (on detach) ends it at
//! once.
//!
//! slirp4netns opens `/dev/net/tun` inside the container's namespace: the
//! node must be usable by the user (mode 0666, the usual default).

use super::Error;
use super::ports::{PortMapping, Proto};
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The options of `--network slirp4netns[:OPT=VAL,…]`, podman's.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `allow_host_loopback=true`: the gateway (`.2` of the cidr) reaches
    /// the host's loopback (`host.containers.internal`). Default false.
    pub allow_host_loopback: bool,
    /// `cidr=A.B.C.D/N`: the network of the tap interface (network
    /// address, prefix length). Default 10.0.2.0/24.
    pub cidr: (Ipv4Addr, u8),
    /// `mtu=N`: bytes. Default 65520, as podman.
    pub mtu: u32,
    /// `enable_ipv6=true`: IPv6 too (fd00::/64 inside). Default false.
    pub enable_ipv6: bool,
    /// `outbound_addr=IPV4|IFNAME`: the host address outbound connections
    /// leave from.
    pub outbound_addr: Option<String>,
    /// `outbound_addr6=IPV6|IFNAME`: the same for IPv6.
    pub outbound_addr6: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            allow_host_loopback: false,
            cidr: (Ipv4Addr::new(10, 0, 2, 0), 24),
            mtu: 65520,
            enable_ipv6: false,
            outbound_addr: None,
            outbound_addr6: None,
        }
    }
}

impl Options {
    /// Parses the options after `slirp4netns:` (split at commas): podman's
    /// `allow_host_loopback`, `cidr`, `mtu`, `enable_ipv6`, `outbound_addr`,
    /// `outbound_addr6` and `port_handler=slirp4netns` (rcon's only port
    /// handler). Errors name the option and what is accepted.
    pub fn parse(opts: &[String]) -> Result<Options, Error> {
        let mut o = Options::default();
        let bad = |what: String| Error::BadNetwork(format!("--network slirp4netns: {what}"));
        let boolean = |k: &str, v: &str| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad(format!("{k}={v:?}: expected true or false"))),
        };
        for opt in opts.iter().filter(|o| !o.is_empty()) {
            let (k, v) = opt.split_once('=').unwrap_or((opt, "true"));
            match k {
                "allow_host_loopback" => o.allow_host_loopback = boolean(k, v)?,
                "enable_ipv6" => o.enable_ipv6 = boolean(k, v)?,
                "mtu" => {
                    o.mtu = v
                        .parse()
                        .ok()
                        .filter(|m| (68..=65521).contains(m))
                        .ok_or_else(|| bad(format!("mtu={v:?}: expected a number from 68 to 65521")))?
                }
                "cidr" => {
                    o.cidr = parse_cidr(v).ok_or_else(|| {
                        bad(format!("cidr={v:?}: expected an IPv4 network A.B.C.D/N with N from 1 to 25"))
                    })?
                }
                "outbound_addr" if !v.is_empty() => o.outbound_addr = Some(v.to_string()),
                "outbound_addr6" if !v.is_empty() => o.outbound_addr6 = Some(v.to_string()),
                "port_handler" if v == "slirp4netns" => {}
                "port_handler" => {
                    return Err(bad(format!(
                        "port_handler={v:?}: rcon forwards ports through slirp4netns only (port_handler=slirp4netns)"
                    )));
                }
                _ => {
                    return Err(bad(format!(
                        "unknown option {opt:?} (known: allow_host_loopback, cidr, enable_ipv6, mtu, outbound_addr, outbound_addr6, port_handler)"
                    )));
                }
            }
        }
        Ok(o)
    }

    /// Address `n` of the cidr (`.2` the gateway, `.3` DNS, `.100` the
    /// container).
    fn nth(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.cidr.0) + n)
    }

    /// The container's address: `.100` of the cidr (slirp4netns
    /// `--configure`).
    pub fn guest(&self) -> Ipv4Addr {
        self.nth(100)
    }

    /// The gateway, which is the host's loopback with `allow_host_loopback`.
    pub fn gateway(&self) -> Ipv4Addr {
        self.nth(2)
    }

    /// slirp4netns' DNS forwarder (to the host's resolvers).
    pub fn dns(&self) -> Ipv4Addr {
        self.nth(3)
    }
}

/// `A.B.C.D/N` with room for `.100` (N ≤ 25), as (network address, N).
fn parse_cidr(v: &str) -> Option<(Ipv4Addr, u8)> {
    let (ip, n) = v.split_once('/')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let n: u8 = n.parse().ok().filter(|n| (1..=25).contains(n))?;
    let mask = u32::MAX << (32 - n);
    Some((Ipv4Addr::from(u32::from(ip) & mask), n))
}

/// The address the container reaches the host by (`host.containers.internal`,
/// `host-gateway`): the gateway with `allow_host_loopback` (the host's
/// loopback), else the host's first global IPv4 address, as podman.
pub fn host_address(opts: &Options) -> Option<Ipv4Addr> {
    if opts.allow_host_loopback {
        return Some(opts.gateway());
    }
    nix::ifaddrs::getifaddrs().ok()?.find_map(|a| {
        let ip = a.address?.as_sockaddr_in()?.ip();
        (!ip.is_loopback() && !ip.is_link_local()).then_some(ip)
    })
}

/// `slirp4netns` in `PATH` or the usual system directories.
pub fn find() -> Option<PathBuf> {
    super::find_helper("slirp4netns")
}

/// The slirp4netns arguments for the namespace at `netns` (a path it can
/// open), telling readiness on fd `ready_fd`, ending when fd `exit_fd`
/// gets EOF, with its API socket at `api`.
pub fn args(opts: &Options, netns: &str, ready_fd: i32, exit_fd: i32, api: &Path) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "--configure".into(),
        format!("--mtu={}", opts.mtu),
        format!("--cidr={}/{}", opts.cidr.0, opts.cidr.1),
        "--enable-sandbox".into(),
        "--enable-seccomp".into(),
    ];
    if !opts.allow_host_loopback {
        a.push("--disable-host-loopback".into());
    }
    if opts.enable_ipv6 {
        a.push("--enable-ipv6".into());
    }
    if let Some(o) = &opts.outbound_addr {
        a.push(format!("--outbound-addr={o}"));
    }
    if let Some(o) = &opts.outbound_addr6 {
        a.push(format!("--outbound-addr6={o}"));
    }
    a.extend([
        format!("--ready-fd={ready_fd}"),
        format!("--exit-fd={exit_fd}"),
        format!("--api-socket={}", api.display()),
        "--netns-type=path".into(),
        netns.to_string(),
        "tap0".into(),
    ]);
    a
}

/// The `add_hostfwd` request of slirp4netns' API for `p`, to the
/// container's address `guest`.
fn hostfwd_request(p: &PortMapping, guest: Ipv4Addr) -> String {
    let proto = match p.proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
    };
    serde_json::json!({
        "execute": "add_hostfwd",
        "arguments": {
            "proto": proto,
            "host_addr": p.host_ip.to_string(),
            "host_port": p.host_port,
            "guest_addr": guest.to_string(),
            "guest_port": p.container_port,
        }
    })
    .to_string()
}

/// Sends one request to the API socket `api` and returns its answer's
/// `return` value; an `error` answer is an error with its description.
fn api_call(api: &Path, request: &str) -> Result<serde_json::Value, String> {
    use std::io::{Read, Write};
    let mut s = std::os::unix::net::UnixStream::connect(api).map_err(|e| format!("{}: {e}", api.display()))?;
    s.write_all(request.as_bytes()).map_err(|e| format!("{}: {e}", api.display()))?;
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut answer = String::new();
    s.read_to_string(&mut answer).map_err(|e| format!("{}: {e}", api.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&answer).map_err(|e| format!("unreadable answer {answer:?}: {e}"))?;
    if let Some(err) = v.get("error") {
        let desc = err.get("desc").and_then(|d| d.as_str()).map(String::from).unwrap_or_else(|| err.to_string());
        return Err(desc);
    }
    Ok(v.get("return").cloned().unwrap_or_default())
}

/// The write ends of the `--exit-fd` pipes of the slirp4netns this process
/// started, by run directory: slirp4netns exits when its end is closed
/// ([`stop`], or this process's exit).
static EXIT_FDS: std::sync::Mutex<Vec<(PathBuf, OwnedFd)>> = std::sync::Mutex::new(Vec::new());

/// The files of one container's slirp4netns under its run directory `dir`:
/// the API socket and the pid.
fn paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("api.sock"), dir.join("pid"))
}

/// A `slirp4netns` started by [`spawn`] that may still be configuring the
/// namespace: [`Starting::wait`] waits for it and adds the ports.
pub struct Starting {
    child: std::process::Child,
    ready: Option<std::fs::File>,
    ports: Vec<PortMapping>,
    guest: Ipv4Addr,
    exe: PathBuf,
    dir: PathBuf,
    log: PathBuf,
}

/// A pipe (read end, write end) whose read end (`child_reads`) or write
/// end is inherited by children (no close-on-exec). rcon forks only while single-threaded, so
/// only the next child started takes it.
fn pipe_for_child(child_reads: bool) -> Result<(OwnedFd, OwnedFd), Error> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| Error::BadNetwork(format!("cannot make a pipe for slirp4netns: {}", e.desc())))?;
    inheritable(if child_reads { &r } else { &w })?;
    Ok((r, w))
}

fn inheritable(fd: &impl AsFd) -> Result<(), Error> {
    nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()))
        .map(|_| ())
        .map_err(|e| Error::BadNetwork(format!("cannot pass a descriptor to slirp4netns: {}", e.desc())))
}

/// Starts `slirp4netns` for the network namespace of process `pid` with
/// `opts`, and returns without waiting for it ([`Starting::wait`] waits
/// and publishes `ports`, their host ports chosen). `dir` is a run
/// directory of this container (created here; keep its path short: the
/// API socket's path must fit 108 bytes); `log` receives slirp4netns'
/// messages. The namespace is passed as an open descriptor
/// (`/proc/self/fd/N`): slirp4netns runs without the capabilities to open
/// `/proc/PID/ns/net` of the container's init, which is not dumpable.
/// Errors say what to install or change; on error nothing is left.
pub fn spawn(pid: i32, ports: &[PortMapping], opts: &Options, dir: &Path, log: &Path) -> Result<Starting, Error> {
    let Some(exe) = find() else {
        return Err(Error::BadNetwork(
            "--network slirp4netns needs `slirp4netns`: install the package `slirp4netns` (or use --network pasta, none or host)".into(),
        ));
    };
    if let Err(e) = nix::unistd::access("/dev/net/tun", nix::unistd::AccessFlags::R_OK | nix::unistd::AccessFlags::W_OK)
    {
        return Err(Error::BadNetwork(format!(
            "slirp4netns needs /dev/net/tun usable by your user ({}): as root, `chmod 0666 /dev/net/tun` (the usual mode), or load the module `tun`",
            e.desc()
        )));
    }
    std::fs::create_dir_all(dir).map_err(super::io(dir))?;
    let result = (|| {
        let ns = format!("/proc/{pid}/ns/net");
        let nsfd: OwnedFd = std::fs::File::open(&ns).map_err(super::io(&ns))?.into();
        inheritable(&nsfd)?;
        let (ready_r, ready_w) = pipe_for_child(false)?;
        let (exit_r, exit_w) = pipe_for_child(true)?;
        let (api, pid_file) = paths(dir);
        let logf = std::fs::File::create(log).map_err(super::io(log))?;
        let errf = logf.try_clone().map_err(super::io(log))?;
        let netns = format!("/proc/self/fd/{}", nsfd.as_raw_fd());
        let child = std::process::Command::new(&exe)
            .args(args(opts, &netns, ready_w.as_raw_fd(), exit_r.as_raw_fd(), &api))
            .stdin(std::process::Stdio::null())
            .stdout(logf)
            .stderr(errf)
            .spawn()
            .map_err(|e| Error::BadNetwork(format!("cannot run {}: {e}", exe.display())))?;
        // Only slirp4netns keeps these.
        drop((nsfd, ready_w, exit_r));
        EXIT_FDS.lock().unwrap_or_else(|e| e.into_inner()).push((dir.to_path_buf(), exit_w));
        let mut child = child;
        if let Err(e) = std::fs::write(&pid_file, child.id().to_string()) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(super::io(&pid_file)(e));
        }
        Ok(Starting {
            child,
            ready: Some(ready_r.into()),
            ports: ports.to_vec(),
            guest: opts.guest(),
            exe: exe.clone(),
            dir: dir.to_path_buf(),
            log: log.to_path_buf(),
        })
    })();
    if result.is_err() {
        stop(dir);
    }
    result
}

impl Starting {
    /// Waits until slirp4netns configured the namespace (it writes `1` to
    /// its ready fd), then publishes the ports through its API. Errors
    /// carry slirp4netns' messages and say what to change; on error it is
    /// stopped ([`stop`]).
    pub fn wait(mut self) -> Result<(), Error> {
        let result = self.outcome();
        if result.is_err() {
            stop(&self.dir);
        }
        result
    }

    fn outcome(&mut self) -> Result<(), Error> {
        use std::io::Read;
        let mut ready = self.ready.take().expect("waited once");
        let mut got = [0u8; 1];
        let n = ready.read(&mut got).map_err(super::io(&self.dir))?;
        if n == 0 {
            // EOF: slirp4netns ended before it was ready.
            let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
            let msg = std::fs::read_to_string(&self.log).unwrap_or_default();
            let msg: Vec<&str> = msg.lines().filter(|l| !l.trim().is_empty()).collect();
            let msg = msg.join("; ");
            let hint = if msg.contains("/dev/net/tun") || msg.contains("tun") {
                " (slirp4netns needs /dev/net/tun usable by your user: `chmod 0666 /dev/net/tun` as root, the usual mode)"
            } else {
                ""
            };
            return Err(Error::BadNetwork(format!("{} failed ({status}): {msg}{hint}", self.exe.display())));
        }
        let (api, _) = paths(&self.dir);
        for p in &self.ports {
            api_call(&api, &hostfwd_request(p, self.guest)).map_err(|e| {
                Error::BadNetwork(format!(
                    "slirp4netns cannot publish {}:{} -> {}/{}: {e}",
                    p.host_ip, p.host_port, p.container_port, p.proto
                ))
            })?;
        }
        Ok(())
    }
}

/// Stops the slirp4netns of the run directory `dir` (see [`spawn`]): closes
/// its exit pipe when this process started it, ends it by its pid should
/// it still run (its name is `slirp4netns`), reaps it when it is this
/// process's child, and removes `dir`. Nothing happens when there is none.
pub fn stop(dir: &Path) {
    EXIT_FDS.lock().unwrap_or_else(|e| e.into_inner()).retain(|(d, _)| d != dir);
    let (_, pid_file) = paths(dir);
    let slirp = std::fs::read_to_string(&pid_file).ok().and_then(|p| p.trim().parse::<i32>().ok());
    if let Some(p) = slirp
        && std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "slirp4netns")
    {
        let _ = crate::sys::kill(p, libc::SIGKILL);
        // Our child (a monitor's): reap it. Another process's: ECHILD.
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(p), None);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Options, Error> {
        Options::parse(&s.split(',').map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn podman_options_parse() {
        assert_eq!(parse("").unwrap(), Options::default());
        let o = parse("allow_host_loopback=true,cidr=10.5.0.7/16,mtu=1500,enable_ipv6=true,port_handler=slirp4netns")
            .unwrap();
        assert!(o.allow_host_loopback && o.enable_ipv6);
        assert_eq!((o.cidr, o.mtu), ((Ipv4Addr::new(10, 5, 0, 0), 16), 1500));
        assert_eq!(
            (o.guest(), o.gateway(), o.dns()),
            ("10.5.0.100".parse().unwrap(), "10.5.0.2".parse().unwrap(), "10.5.0.3".parse().unwrap())
        );
        assert!(parse("allow_host_loopback").unwrap().allow_host_loopback);
        assert_eq!(parse("outbound_addr=eth0").unwrap().outbound_addr.as_deref(), Some("eth0"));
    }

    #[test]
    fn bad_options_are_refused_by_name() {
        for (opt, want) in [
            ("foo=1", "unknown option \"foo=1\""),
            ("allow_host_loopback=yes", "expected true or false"),
            ("mtu=10", "mtu=\"10\""),
            ("cidr=10.0.2.0", "cidr=\"10.0.2.0\""),
            ("cidr=10.0.2.0/28", "cidr="),
            ("port_handler=rootlesskit", "port_handler=\"rootlesskit\""),
        ] {
            let e = parse(opt).unwrap_err().to_string();
            assert!(e.starts_with("--network slirp4netns: ") && e.contains(want), "{opt}: {e}");
        }
    }

    #[test]
    fn arguments_as_podman_gives_them() {
        let o = Options::default();
        let a = args(&o, "/proc/self/fd/5", 6, 7, Path::new("/r/api.sock")).join(" ");
        assert_eq!(
            a,
            "--configure --mtu=65520 --cidr=10.0.2.0/24 --enable-sandbox --enable-seccomp --disable-host-loopback \
             --ready-fd=6 --exit-fd=7 --api-socket=/r/api.sock --netns-type=path /proc/self/fd/5 tap0"
        );
        let o = parse("allow_host_loopback=true,enable_ipv6=true").unwrap();
        let a = args(&o, "/n", 3, 4, Path::new("/a")).join(" ");
        assert!(!a.contains("--disable-host-loopback") && a.contains("--enable-ipv6"), "{a}");
    }

    #[test]
    fn ports_become_hostfwd_requests() {
        let p = PortMapping {
            host_ip: "127.0.0.1".parse().unwrap(),
            host_port: 8080,
            host_range: None,
            container_port: 80,
            proto: Proto::Udp,
        };
        let v: serde_json::Value = serde_json::from_str(&hostfwd_request(&p, "10.0.2.100".parse().unwrap())).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"execute": "add_hostfwd", "arguments": {"proto": "udp", "host_addr": "127.0.0.1",
                "host_port": 8080, "guest_addr": "10.0.2.100", "guest_port": 80}})
        );
    }

    #[test]
    fn host_loopback_is_the_gateway_when_allowed() {
        let o = parse("allow_host_loopback=true,cidr=192.168.7.0/24").unwrap();
        assert_eq!(host_address(&o), Some("192.168.7.2".parse().unwrap()));
        assert_ne!(host_address(&Options::default()), Some(Options::default().gateway()));
    }
}
