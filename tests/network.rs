//! Networking: published ports (`-p`, `-P`, `rcon port`, the ps PORTS
//! column) reached from 127.0.0.1 and from a client in a network namespace
//! the test makes; a taken port; user networks with name and alias
//! resolution kept current; egress through NAT; `--network none|host`;
//! `--add-host`/`--dns*`; and after every test a leak check (no veth, lease,
//! port reservation or DNAT entry of the test's containers left).
//!
//! Needs root, `nft` (nftables) and `ip` (iproute2, only for the test's
//! own client namespace). Traffic goes only to 127.0.0.1, container
//! addresses, the test's namespace and (egress) Debian's mirror.

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, code, eventually, stderr, stdout};
use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

/// A busybox image serving /www (index.html = `body`) on port 80, EXPOSE 80.
fn web_image(body: &str) -> (Registry, String) {
    let reg = Registry::start();
    let (reference, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[TarEntry::dir("www/"), TarEntry::file("www/index.html", body)])
        .expose("80/tcp")
        .cmd(&["httpd", "-f", "-p", "80", "-h", "/www"])
        .push(&reg, "web:latest");
    (reg, reference)
}

/// The tests of this module publish ports and check the host-wide NAT table
/// for leftovers by container address; addresses are reused once freed, so
/// they run one at a time.
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// GET / from `addr` ("IP:PORT") over plain HTTP/1.0; the body, or None.
fn http_get(addr: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

/// The test's checks that nothing of `rcon`'s containers is left on the
/// host: no veth named after them, no lease or port reservation owned by a
/// container of this store, no DNAT map entry to their addresses.
#[track_caller]
fn assert_no_leaks(rcon: &Rcon, ids: &[String], addrs: &[String]) {
    // (Addresses are unique only among live containers: the tests of this
    // module hold `serial()` so no other test's container reuses them.)
    // A container's namespace, and the veth in it, goes away asynchronously
    // after its init died.
    let links = || String::from_utf8(Command::new("ip").args(["-o", "link"]).output().unwrap().stdout).unwrap();
    for id in ids {
        let veth = format!("rv{}", &id[..12]);
        eventually(&format!("the veth of {id} is gone"), || !links().contains(&veth));
    }
    let root = rcon.root.display().to_string();
    for sub in ["ipam", "ports"] {
        let base = std::path::Path::new("/run/rcon/network").join(sub);
        let mut files = vec![];
        for e in walk(&base) {
            if std::fs::read_to_string(&e).unwrap_or_default().contains(&root) {
                files.push(e);
            }
        }
        assert!(files.is_empty(), "leases/reservations of this store left: {files:?}");
    }
    let nft = String::from_utf8(Command::new("nft").args(["list", "table", "ip", "rcon"]).output().unwrap().stdout)
        .unwrap_or_default();
    for a in addrs {
        assert!(!nft.contains(&format!("{a} . ")), "DNAT entry to {a} left:\n{nft}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

fn endpoint(rcon: &Rcon, id: &str) -> serde_json::Value {
    let p = rcon.root.join("containers").join(id).join("network.json");
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

fn container_ip(rcon: &Rcon, id: &str) -> String {
    endpoint(rcon, id)["attachments"][0]["ip"].as_str().expect("an address").to_string()
}

/// A network namespace made by the test with a veth to the host
/// (host side 10.250.N.1/30, client 10.250.N.2/30); deleted on drop.
struct ClientNetns {
    name: String,
    host_if: String,
    host_ip: String,
}

impl ClientNetns {
    fn new() -> ClientNetns {
        let n = std::process::id() % 250;
        let name = format!("rcontest{}", std::process::id());
        let host_if = format!("rct{}", std::process::id());
        let ip = |args: &[&str]| {
            let out = Command::new("ip").args(args).output().expect("ip (iproute2) is required for the network tests");
            assert!(out.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        let ns = ClientNetns { name: name.clone(), host_if: host_if.clone(), host_ip: format!("10.250.{n}.1") };
        ip(&["netns", "add", &name]);
        ip(&["link", "add", &host_if, "type", "veth", "peer", "name", "eth0", "netns", &name]);
        ip(&["addr", "add", &format!("10.250.{n}.1/30"), "dev", &host_if]);
        ip(&["link", "set", &host_if, "up"]);
        ip(&["-n", &name, "addr", "add", &format!("10.250.{n}.2/30"), "dev", "eth0"]);
        ip(&["-n", &name, "link", "set", "eth0", "up"]);
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        ns
    }

    /// `busybox wget -O- URL` run inside the namespace.
    fn wget(&self, url: &str) -> Option<String> {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name, "busybox", "timeout", "3", "busybox", "wget", "-q", "-O-", url])
            .output()
            .ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for ClientNetns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.host_if]).output();
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
    }
}

/// Deletes a user network's bridge, leases and NAT subnet if the test fails before
/// `network rm` (the store, and so the network's record, goes with the test).
struct BridgeGuard(String, String);

impl Drop for BridgeGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = Command::new("ip").args(["link", "del", &self.0]).output();
            let _ = std::fs::remove_dir_all(std::path::Path::new("/run/rcon/network/ipam").join(&self.0));
            let del = format!("delete element ip rcon subnets {{ {} }}", self.1);
            let _ = Command::new("nft").arg(del).output();
            let del = format!("delete element ip rcon same {{ {0} . {0} }}", self.1);
            let _ = Command::new("nft").arg(del).output();
        }
    }
}

#[test]
fn published_ports_from_localhost_and_another_host() {
    let _serial = serial();
    let (_reg, image) = web_image("hello from rcon\n");
    let rcon = Rcon::new();
    let port = crate::common::free_port();
    let id = rcon.ok(&["run", "-d", "--name", "web", "-p", &format!("{port}:80"), &image]).trim().to_string();
    let addr = format!("127.0.0.1:{port}");
    eventually("the published port answers on 127.0.0.1", || http_get(&addr).as_deref() == Some("hello from rcon\n"));

    assert_eq!(rcon.ok(&["port", "web"]), format!("80/tcp -> 0.0.0.0:{port}\n"));
    assert_eq!(rcon.ok(&["port", "web", "80/tcp"]), format!("0.0.0.0:{port}\n"));
    let ps = rcon.ok(&["ps"]);
    assert!(ps.contains(&format!("0.0.0.0:{port}->80/tcp")), "{ps}");

    // The container's own address answers directly, too.
    let cip = container_ip(&rcon, &id);
    assert_eq!(http_get(&format!("{cip}:80")).as_deref(), Some("hello from rcon\n"));

    // From another host: a client in a namespace of its own, through the
    // host's address on the link between them.
    let client = ClientNetns::new();
    let url = format!("http://{}:{port}/", client.host_ip);
    eventually("the published port answers from another host", || {
        client.wget(&url).as_deref() == Some("hello from rcon\n")
    });

    // -P: every EXPOSEd port on a free host port.
    let id2 = rcon.ok(&["run", "-d", "--name", "web2", "-P", &image]).trim().to_string();
    let line = rcon.ok(&["port", "web2"]);
    let host_port = line.trim().strip_prefix("80/tcp -> 0.0.0.0:").unwrap_or_else(|| panic!("{line:?}")).to_string();
    let addr2 = format!("127.0.0.1:{host_port}");
    eventually("the -P port answers", || http_get(&addr2).as_deref() == Some("hello from rcon\n"));
    let cip2 = container_ip(&rcon, &id2);

    rcon.ok(&["rm", "-f", "web", "web2"]);
    assert!(http_get(&addr).is_none(), "the port still answers after rm -f");
    assert_no_leaks(&rcon, &[id, id2], &[cip, cip2]);
}

#[test]
fn a_taken_port_fails_the_run_and_leaves_nothing() {
    let _serial = serial();
    let (_reg, image) = web_image("x");
    let rcon = Rcon::new();
    // A host process listens on the port.
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = rcon.cmd(&["run", "-d", "--name", "aa", "-p", &format!("{port}:80"), &image]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).contains("port is already allocated"), "{}", stderr(&out));
    drop(listener);

    // Another container holds it.
    let port = crate::common::free_port();
    let id = rcon.ok(&["run", "-d", "--name", "bb", "-p", &format!("{port}:80"), &image]).trim().to_string();
    let out = rcon.cmd(&["run", "--rm", "--name", "cc", "-p", &format!("{port}:80"), &image]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("0.0.0.0:{port}")), "{}", stderr(&out));
    let cip = container_ip(&rcon, &id);
    rcon.ok(&["rm", "-f", "bb"]);
    let ps = rcon.ok(&["ps", "-aq", "--no-trunc"]);
    let ids: Vec<String> = ps.split_whitespace().map(str::to_string).chain([id]).collect();
    assert_no_leaks(&rcon, &ids, &[cip]);
}

#[test]
fn user_network_names_aliases_and_recreation() {
    let _serial = serial();
    let (_reg, image) = web_image("v1\n");
    let rcon = Rcon::new();
    let net = format!("rt{}", std::process::id());
    let net_id = rcon.ok(&["network", "create", &net]).trim().to_string();
    assert_eq!(net_id.len(), 64);
    assert!(rcon.ok(&["network", "ls"]).contains(&net));
    let inspect: serde_json::Value = serde_json::from_str(&rcon.ok(&["network", "inspect", &net])).unwrap();
    let subnet = inspect[0]["IPAM"]["Config"][0]["Subnet"].as_str().unwrap().to_string();
    assert!(subnet.ends_with("/24"), "{subnet}");
    let _bridge = BridgeGuard(format!("rcon-{}", &net_id[..8]), subnet.clone());

    let srv = rcon.ok(&["run", "-d", "--name", "srv", "--network", &net, "--network-alias", "web", &image]);
    let srv = srv.trim().to_string();
    // A client that keeps fetching http://srv/ and prints what it gets.
    let loop_sh = "while true; do timeout 2 wget -q -O - http://srv/ 2>/dev/null; sleep 0.2; done";
    let cli = rcon.ok(&["run", "-d", "--name", "cli", "--network", &net, &image, "sh", "-c", loop_sh]);
    let cli = cli.trim().to_string();
    let got = |what: &str| rcon.ok(&["logs", "cli"]).contains(what);
    eventually("the client reaches the server by name", || got("v1"));

    let once =
        |url: &str| rcon.cmd(&["run", "--rm", "--network", &net, &image, "timeout", "3", "wget", "-q", "-O", "-", url]);
    let out = once("http://web/");
    assert_eq!(stdout(&out), "v1\n", "by alias: {}", stderr(&out));
    let inspect: serde_json::Value = serde_json::from_str(&rcon.ok(&["network", "inspect", &net])).unwrap();
    assert!(inspect[0]["Containers"][&srv].is_object(), "{inspect}");

    // The default bridge resolves no names.
    let out = rcon.cmd(&["run", "--rm", &image, "timeout", "3", "wget", "-q", "-O", "-", "http://srv/"]);
    assert_ne!(code(&out), 0, "srv resolved on the default bridge: {}", stdout(&out));

    // network rm refuses a network in use.
    let out = rcon.cmd(&["network", "rm", &net]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("active endpoints"), "{}", stderr(&out));

    // Remove the server and make a new one with other content: the running
    // client's hosts file follows.
    let ip1 = container_ip(&rcon, &srv);
    rcon.ok(&["rm", "-f", "srv"]);
    // Take the old address so the new server surely gets another one.
    let filler = rcon.ok(&["run", "-d", "--network", &net, &image, "sleep", "60"]).trim().to_string();
    let srv2 = rcon
        .ok(&[
            "run",
            "-d",
            "--name",
            "srv",
            "--network",
            &net,
            &image,
            "sh",
            "-c",
            "echo v2 > /www/index.html; exec httpd -f -p 80 -h /www",
        ])
        .trim()
        .to_string();
    assert_ne!(container_ip(&rcon, &srv2), ip1);
    eventually("the running client reaches the re-created server", || got("v2"));

    let ips: Vec<String> = [&srv2, &cli, &filler].iter().map(|i| container_ip(&rcon, i)).chain([ip1]).collect();
    rcon.ok(&["rm", "-f", "srv", "cli", &filler]);
    assert_eq!(rcon.ok(&["network", "rm", &net]), format!("{net}\n"));
    assert!(!rcon.ok(&["network", "ls"]).contains(&net));
    let links = String::from_utf8(Command::new("ip").args(["-o", "link"]).output().unwrap().stdout).unwrap();
    assert!(!links.contains(&format!("rcon-{}", &net_id[..8])), "bridge left:\n{links}");
    assert_no_leaks(&rcon, &[srv, srv2, cli, filler], &ips);
}

#[test]
fn egress_through_nat() {
    let _serial = serial();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:latest");
    let rcon = Rcon::new();
    let out = rcon.cmd(&[
        "run",
        "--rm",
        &image,
        "timeout",
        "20",
        "wget",
        "-q",
        "-O",
        "-",
        "http://deb.debian.org/debian/dists/bookworm/Release",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("Codename: bookworm"), "{}", stdout(&out));
}

#[test]
fn none_host_and_etc_files() {
    let _serial = serial();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:latest");
    let rcon = Rcon::new();
    let ifaces = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["run", "--rm"];
        a.extend_from_slice(args);
        a.extend_from_slice(&[&image, "cat", "/proc/net/dev"]);
        rcon.ok(&a).lines().skip(2).filter_map(|l| l.split(':').next()).map(|s| s.trim().to_string()).collect()
    };
    assert_eq!(ifaces(&["--network", "none"]), vec!["lo"]);
    let mut default = ifaces(&[]);
    default.sort();
    assert_eq!(default, vec!["eth0", "lo"]);
    let host = || -> Vec<String> {
        std::fs::read_to_string("/proc/net/dev")
            .unwrap()
            .lines()
            .skip(2)
            .filter_map(|l| l.split(':').next())
            .map(|s| s.trim().to_string())
            .collect()
    };
    // The host's interfaces, whatever their names; other tests may add or
    // remove veths meanwhile, so those present before and after must be seen.
    let before = host();
    let seen = ifaces(&["--network", "host"]);
    let after = host();
    assert!(seen.contains(&"lo".to_string()), "{seen:?}");
    for i in before.iter().filter(|i| after.contains(i)) {
        assert!(seen.contains(i), "host interface {i} not seen with --network host: {seen:?}");
    }
    for i in &seen {
        assert!(before.contains(i) || after.contains(i), "{i} is not a host interface: {before:?}");
    }

    let hosts = rcon.ok(&[
        "run",
        "--rm",
        "--hostname",
        "box",
        "--add-host",
        "db.example:10.1.2.3",
        &image,
        "cat",
        "/etc/hosts",
    ]);
    assert!(hosts.contains("10.1.2.3\tdb.example\n"), "{hosts}");
    assert!(hosts.lines().any(|l| l.starts_with("10.") && l.ends_with("\tbox")), "{hosts}");
    let resolv = rcon.ok(&[
        "run",
        "--rm",
        "--dns",
        "192.0.2.53",
        "--dns-search",
        "example.org",
        "--dns-option",
        "ndots:2",
        &image,
        "cat",
        "/etc/resolv.conf",
    ]);
    assert!(resolv.contains("nameserver 192.0.2.53\n"), "{resolv}");
    assert!(resolv.contains("search example.org\n") && resolv.contains("options ndots:2\n"), "{resolv}");
    assert!(!resolv.contains("nameserver 127."), "{resolv}");
    let out = rcon.cmd(&["run", "--rm", "--network", "nosuchnet", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("network nosuchnet not found"), "{}", stderr(&out));
    assert_no_leaks(&rcon, &[], &[]);
}

#[test]
fn nothing_left_after_the_monitor_was_killed() {
    let _serial = serial();
    let (_reg, image) = web_image("m\n");
    let rcon = Rcon::new();
    let port = crate::common::free_port();
    let id = rcon.ok(&["run", "-d", "--name", "mon", "-p", &format!("{port}:80"), &image]).trim().to_string();
    let addr = format!("127.0.0.1:{port}");
    eventually("the published port answers", || http_get(&addr).as_deref() == Some("m\n"));
    let cip = container_ip(&rcon, &id);
    let state = rcon.container_state(&id);
    for key in ["monitor_pid", "pid"] {
        if let Some(pid) = state[key].as_i64() {
            // SAFETY: kill(2) on a pid this test's rcon started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            // Dead means gone or a zombie: then its endpoint is stale.
            let dead = || {
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .map_or(true, |s| s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')))
            };
            eventually(&format!("{key} {pid} is dead"), dead);
        }
    }
    // The next container's start reaps the stale endpoint, even before `rm`.
    let out = rcon.cmd(&["run", "--rm", &image, "true"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_no_leaks(&rcon, std::slice::from_ref(&id), std::slice::from_ref(&cip));
    rcon.ok(&["rm", "-f", &id]);
    assert_no_leaks(&rcon, &[id], &[cip]);
}

#[test]
fn network_container_shares_another_containers_namespace() {
    let _serial = serial();
    let (_reg, image) = web_image("shared");
    let rcon = Rcon::new();
    let id = rcon.ok(&["run", "-d", "--name", "srv", &image]).trim().to_string();
    // The second container reaches the first one's server on its loopback.
    let mut body = String::new();
    eventually("server answers on the shared loopback", || {
        let out =
            rcon.cmd(&["run", "--rm", "--network", "container:srv", &image, "wget", "-qO-", "http://127.0.0.1:80/"]);
        body = stdout(&out);
        code(&out) == 0
    });
    assert_eq!(body, "shared");
    let own = rcon.ok(&["run", "--rm", "--network", "container:srv", &image, "cat", "/sys/class/net/eth0/address"]);
    let srv = rcon.ok(&["exec", "srv", "cat", "/sys/class/net/eth0/address"]);
    assert_eq!(own, srv, "the same network interfaces");
    rcon.ok(&["rm", "-f", "srv"]);
    assert_no_leaks(&rcon, &[id], &[]);
}

/// A static UDP echo server (`udpecho PORT`: answers each datagram with
/// `udp:` + its bytes), built with gcc (Debian: gcc, libc6-dev): busybox has
/// no UDP server.
fn udpecho_program() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("udpecho.c");
    std::fs::write(
        &src,
        r#"#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[1]));
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
    for (;;) {
        char buf[1500] = "udp:";
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(s, buf + 4, sizeof buf - 4, 0, (struct sockaddr *)&from, &len);
        if (n >= 0) sendto(s, buf, n + 4, 0, (struct sockaddr *)&from, len);
    }
}
"#,
    )
    .unwrap();
    let bin = dir.path().join("udpecho");
    let out = Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run gcc (install the Debian packages gcc and libc6-dev): {e}"));
    assert!(out.status.success(), "gcc -static failed (apt-get install gcc libc6-dev):\n{}", stderr(&out));
    std::fs::read(&bin).unwrap()
}

/// Two consecutive free TCP ports on 127.0.0.1 (for a `-p` range).
fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = a.local_addr().unwrap().port();
        if p < 65535 && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no two consecutive free ports");
}

/// UDP, IP-bound and ranged published ports, end to end from the host:
/// `-p 127.0.0.1:U:7000/udp` echoes datagrams, `-p 127.0.0.2:T:80` answers
/// on 127.0.0.2 only, `-p 127.0.0.1:R-R+1:8001-8002` maps each port of the
/// range to its own server; `rcon port` shows them; nothing is left after.
#[test]
fn udp_ip_bound_and_ranged_published_ports() {
    let _serial = serial();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[
            TarEntry::file("bin/udpecho", udpecho_program()).mode(0o755),
            TarEntry::dir("www/"),
            TarEntry::file("www/index.html", "main\n"),
            TarEntry::dir("a/"),
            TarEntry::file("a/index.html", "range a\n"),
            TarEntry::dir("b/"),
            TarEntry::file("b/index.html", "range b\n"),
        ])
        .push(&reg, "ports:1");
    let rcon = Rcon::new();
    let (udp, tcp, range) = (crate::common::free_port(), crate::common::free_port(), free_port_pair());
    let script = "udpecho 7000 & httpd -p 8001 -h /a; httpd -p 8002 -h /b; exec httpd -f -p 80 -h /www";
    let id = rcon
        .ok(&[
            "run",
            "-d",
            "--name",
            "pp",
            "-p",
            &format!("127.0.0.1:{udp}:7000/udp"),
            "-p",
            &format!("127.0.0.2:{tcp}:80"),
            "-p",
            &format!("127.0.0.1:{}-{}:8001-8002", range, range + 1),
            &image,
            "sh",
            "-c",
            script,
        ])
        .trim()
        .to_string();
    let cip = container_ip(&rcon, &id);

    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let udp_echo = || {
        sock.send_to(b"ping", ("127.0.0.1", udp)).unwrap();
        let mut buf = [0u8; 64];
        sock.recv_from(&mut buf).ok().map(|(n, _)| String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    eventually("the UDP port echoes", || udp_echo().as_deref() == Some("udp:ping"));

    eventually("the IP-bound port answers on 127.0.0.2", || {
        http_get(&format!("127.0.0.2:{tcp}")).as_deref() == Some("main\n")
    });
    assert_eq!(http_get(&format!("127.0.0.1:{tcp}")), None, "published on 127.0.0.2 only");
    eventually("both ports of the range answer", || {
        http_get(&format!("127.0.0.1:{range}")).as_deref() == Some("range a\n")
            && http_get(&format!("127.0.0.1:{}", range + 1)).as_deref() == Some("range b\n")
    });
    let port = rcon.ok(&["port", "pp"]);
    for want in [
        format!("7000/udp -> 127.0.0.1:{udp}"),
        format!("80/tcp -> 127.0.0.2:{tcp}"),
        format!("8001/tcp -> 127.0.0.1:{range}"),
        format!("8002/tcp -> 127.0.0.1:{}", range + 1),
    ] {
        assert!(port.contains(&want), "{want} in:\n{port}");
    }
    rcon.ok(&["rm", "-f", "pp"]);
    assert_eq!(udp_echo(), None, "the UDP port is gone after rm -f");
    assert_eq!(http_get(&format!("127.0.0.1:{range}")), None);
    assert_no_leaks(&rcon, &[id], &[cip]);
}

/// The container's IPv4 addresses as `IF ADDR/PREFIX` lines (`ip -o -4 addr`).
fn addresses(rcon: &Rcon, name: &str) -> String {
    let out = rcon.ok(&["exec", name, "ip", "-o", "-4", "addr", "show"]);
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[1] != "lo").then(|| format!("{} {}", f[1], f[3]))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `network create --subnet --gateway`, `run --ip`, `network connect
/// [--ip]` and `disconnect` of a running container (its interface, address,
/// name resolution and lease), and `network prune` keeping the network in
/// use.
#[test]
fn subnet_gateway_ip_connect_disconnect_and_prune() {
    let _serial = serial();
    let (_reg, image) = web_image("x");
    let rcon = Rcon::new();
    let net = format!("sn{}", std::process::id());
    let net_id = rcon.ok(&["network", "create", "--subnet", "10.123.45.0/24", "--gateway", "10.123.45.254", &net]);
    let _bridge = BridgeGuard(format!("rcon-{}", &net_id[..8]), "10.123.45.0/24".into());
    let cfg = rcon.ok(&["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}", &net]);
    assert_eq!(cfg.trim(), "10.123.45.0/24 10.123.45.254");

    let a =
        rcon.ok(&["run", "-d", "--name", "na", "--network", &net, "--ip", "10.123.45.77", &image]).trim().to_string();
    assert_eq!(addresses(&rcon, "na"), "eth0 10.123.45.77/24");
    let route = rcon.ok(&["exec", "na", "ip", "route", "show", "default"]);
    assert!(route.starts_with("default via 10.123.45.254 dev eth0"), "{route}");
    // A taken address is refused.
    let out = rcon.cmd(&["run", "--rm", "--network", &net, "--ip", "10.123.45.77", &image, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));

    // A container on the default bridge joins the network, and leaves it.
    let b = rcon.ok(&["run", "-d", "--name", "nb", &image]).trim().to_string();
    let b_default = container_ip(&rcon, &b);
    rcon.ok(&["network", "connect", "--ip", "10.123.45.88", &net, "nb"]);
    assert_eq!(addresses(&rcon, "nb"), format!("eth0 {b_default}/24\neth1 10.123.45.88/24"));
    let out = rcon.cmd(&["exec", "nb", "timeout", "3", "wget", "-q", "-O", "-", "http://na/"]);
    assert_eq!(
        stdout(&out),
        "x",
        "nb reaches na by name on the joined network (exit {}): {}\n{}",
        code(&out),
        stderr(&out),
        rcon.ok(&["exec", "nb", "cat", "/etc/hosts"])
    );
    let members = || rcon.ok(&["network", "inspect", "-f", "{{range $k, $v := .Containers}}{{$k}} {{end}}", &net]);
    assert!(members().contains(&b), "{}", members());
    rcon.ok(&["network", "disconnect", &net, "nb"]);
    assert_eq!(addresses(&rcon, "nb"), format!("eth0 {b_default}/24"));
    assert!(!members().contains(&b), "{}", members());
    // The address was released: a new container can have it.
    let c = rcon.ok(&["run", "-d", "--network", &net, "--ip", "10.123.45.88", &image]).trim().to_string();

    // prune removes unused networks only.
    let unused = format!("su{}", std::process::id());
    rcon.ok(&["network", "create", &unused]);
    let pruned = rcon.ok(&["network", "prune", "-f"]);
    assert!(pruned.contains(&unused) && !pruned.contains(&net), "{pruned}");
    let ls = rcon.ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(ls.contains(&net) && !ls.contains(&unused), "{ls}");

    rcon.ok(&["rm", "-f", &a, &b, &c]);
    rcon.ok(&["network", "rm", &net]);
    assert_no_leaks(&rcon, &[a, b, c], &["10.123.45.77".into(), "10.123.45.88".into(), b_default]);
}

/// Networks are isolated from each other as docker's: a container on one
/// user network (or the default bridge) cannot reach the address of a
/// container on another, while containers of one network reach each other
/// and a published port stays reachable from every network.
#[test]
fn networks_are_isolated_from_each_other() {
    let _serial = serial();
    let (_reg, image) = web_image("hello\n");
    let rcon = Rcon::new();
    let mut guards = vec![];
    let mut nets = vec![];
    for n in ["ia", "ib"] {
        let net = format!("{n}{}", std::process::id());
        let id = rcon.ok(&["network", "create", &net]).trim().to_string();
        let subnet = rcon.ok(&["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", &net]);
        guards.push(BridgeGuard(format!("rcon-{}", &id[..8]), subnet.trim().to_string()));
        nets.push(net);
    }
    let (a, b) = (&nets[0], &nets[1]);
    let gateway_a = rcon.ok(&["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", a]);
    let gateway_a = gateway_a.trim().to_string();
    let srv_a = rcon.ok(&["run", "-d", "--network", a, &image]).trim().to_string();
    let srv_b = rcon.ok(&["run", "-d", "--network", b, "-p", "80", &image]).trim().to_string();
    let srv_default = rcon.ok(&["run", "-d", &image]).trim().to_string();
    let (ip_a, ip_b, ip_default) =
        (container_ip(&rcon, &srv_a), container_ip(&rcon, &srv_b), container_ip(&rcon, &srv_default));
    let port_b = rcon.ok(&["port", &srv_b, "80"]);
    let port_b = port_b.lines().next().and_then(|l| l.rsplit(':').next()).expect("a published port").to_string();

    // wget from a fresh container on `net` (None: the default bridge).
    let fetch = |net: Option<&str>, url: &str| {
        let mut args = vec!["run", "--rm"];
        if let Some(n) = net {
            args.extend(["--network", n]);
        }
        // (Under sh, which the `||` keeps from exec-ing timeout: as the
        // container's PID 1, wget would ignore timeout's SIGTERM and wait
        // for the kernel's connect timeout, two minutes.)
        let script = format!("timeout 3 wget -q -O - {url} || exit 1");
        args.extend([image.as_str(), "sh", "-c", &script]);
        let out = rcon.cmd(&args);
        (code(&out), stdout(&out))
    };
    assert_eq!(fetch(Some(a), &format!("http://{ip_a}/")), (0, "hello\n".into()), "inside network {a}");
    assert_eq!(fetch(Some(b), &format!("http://{ip_b}/")), (0, "hello\n".into()), "inside network {b}");
    let (c, out) = fetch(Some(a), &format!("http://{ip_b}/"));
    assert_ne!(c, 0, "a container on {a} reached {ip_b} on {b}: {out}");
    let (c, out) = fetch(Some(b), &format!("http://{ip_a}/"));
    assert_ne!(c, 0, "a container on {b} reached {ip_a} on {a}: {out}");
    let (c, out) = fetch(None, &format!("http://{ip_b}/"));
    assert_ne!(c, 0, "a container on the default bridge reached {ip_b} on {b}: {out}");
    let (c, out) = fetch(Some(b), &format!("http://{ip_default}/"));
    assert_ne!(c, 0, "a container on {b} reached {ip_default} on the default bridge: {out}");
    // The published port of srv_b, through the host's address on network a.
    assert_eq!(
        fetch(Some(a), &format!("http://{gateway_a}:{port_b}/")),
        (0, "hello\n".into()),
        "published port {port_b} from network {a}"
    );

    rcon.ok(&["rm", "-f", &srv_a, &srv_b, &srv_default]);
    for n in &nets {
        rcon.ok(&["network", "rm", n]);
    }
    let nft =
        String::from_utf8(Command::new("nft").args(["list", "set", "ip", "rcon", "same"]).output().unwrap().stdout)
            .unwrap_or_default();
    for g in &guards {
        assert!(!nft.contains(&g.1), "isolation element of {} left:\n{nft}", g.1);
    }
    assert_no_leaks(&rcon, &[srv_a, srv_b, srv_default], &[ip_a, ip_b, ip_default]);
}
