//! Pods (`rcon pod …`, `run/create --pod`, `ps --pod`): containers of a
//! pod share the infra's network, IPC and UTS namespaces (they reach each
//! other on localhost and have the pod's host name), the pod's published
//! ports reach them from the host, and the pod's lifecycle commands act on
//! every container, the infra first up and last down.
//!
//! The Flask + Redis application is modelled with busybox (no
//! Python or Redis image offline): a "redis" container keeps a counter and
//! answers every TCP connection on port 6379 with the next value
//! (`nc -ll -e`), and a "web" container serves a CGI page on port 80 that
//! asks it over `localhost:6379`.
//!
//! Needs root, nftables, a registry (harness). Ports are published on
//! 127.0.0.1 only and reached from there.

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, code, eventually, free_port, stderr};
use std::io::{Read, Write};
use std::time::Duration;

/// The counter (`/incr.sh`: next value of `/data/count`) and web page
/// (`/www/cgi-bin/hit`: asks localhost:6379) of the modelled application.
pub fn app_image(reg: &Registry) -> String {
    let incr = "#!/bin/sh\nmkdir -p /data\nn=$(cat /data/count 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > /data/count\necho $n\n";
    let hit = "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho \"Hello from $(hostname)! I have been seen $(nc localhost 6379 </dev/null) times.\"\n";
    ImageBuilder::new()
        .busybox_layer()
        .layer(&[
            TarEntry::file("incr.sh", incr).mode(0o755),
            TarEntry::dir("www/"),
            TarEntry::dir("www/cgi-bin/"),
            TarEntry::file("www/cgi-bin/hit", hit).mode(0o755),
            TarEntry::file("www/index.html", "static\n"),
        ])
        .push(reg, "podapp:latest")
        .0
}

/// GET `path` from 127.0.0.1:`port` over HTTP/1.0; the body, or None.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s =
        std::net::TcpStream::connect_timeout(&format!("127.0.0.1:{port}").parse().ok()?, Duration::from_secs(2))
            .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    // busybox httpd passes a CGI's own `\n\n` header end through.
    let (head, body) = buf.split_once("\r\n\r\n").or_else(|| buf.split_once("\n\n"))?;
    head.contains(" 200 ").then(|| body.to_string())
}

/// The ps line of the container named `name` (`ps -a --pod`).
fn ps_line(rcon: &Rcon, name: &str) -> String {
    rcon.ok(&["ps", "-a", "--pod"])
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == name))
        .unwrap_or_else(|| panic!("{name} not in ps -a --pod"))
        .to_string()
}

fn pod_status(rcon: &Rcon, pod: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(&rcon.ok(&["pod", "inspect", pod])).unwrap();
    v[0]["State"].as_str().unwrap().to_string()
}

#[test]
fn pod_containers_share_localhost_hostname_and_published_port() {
    let _serial = crate::network::serial();
    let reg = Registry::start();
    let image = app_image(&reg);
    let rcon = Rcon::new();
    let port = free_port();
    let pod_id = rcon.ok(&["pod", "create", "--name", "app", "-p", &format!("127.0.0.1:{port}:80")]).trim().to_string();
    assert_eq!(pod_id.len(), 64, "pod create prints the pod's ID: {pod_id}");
    assert_eq!(pod_status(&rcon, "app"), "Created");

    rcon.ok(&["run", "-d", "--pod", "app", "--name", "redis", &image, "nc", "-ll", "-p", "6379", "-e", "/incr.sh"]);
    rcon.ok(&["run", "-d", "--pod", "app", "--name", "web", &image, "httpd", "-f", "-p", "80", "-h", "/www"]);
    eventually("the pod's port answers", || http_get(port, "/index.html").is_some());
    let first = http_get(port, "/cgi-bin/hit").unwrap_or_else(|| {
        panic!("no page; web: {} redis: {}", rcon.ok(&["logs", "web"]), rcon.ok(&["logs", "redis"]))
    });
    assert_eq!(first.trim(), "Hello from app! I have been seen 1 times.");
    let second = http_get(port, "/cgi-bin/hit").expect("the page");
    assert_eq!(second.trim(), "Hello from app! I have been seen 2 times.");

    // Same UTS and IPC namespaces as the infra; the PID namespace is each one's own.
    let web = rcon.ok(&["inspect", "--format", "{{.State.Pid}}", "web"]).trim().to_string();
    let infra =
        serde_json::from_str::<serde_json::Value>(&rcon.ok(&["pod", "inspect", "app"])).unwrap()[0]["InfraContainerID"]
            .as_str()
            .unwrap()
            .to_string();
    let infra_pid = rcon.ok(&["inspect", "--format", "{{.State.Pid}}", &infra]).trim().to_string();
    for ns in ["net", "ipc", "uts"] {
        let a = std::fs::read_link(format!("/proc/{web}/ns/{ns}")).unwrap();
        let b = std::fs::read_link(format!("/proc/{infra_pid}/ns/{ns}")).unwrap();
        assert_eq!(a, b, "web shares the infra's {ns} namespace");
    }
    let a = std::fs::read_link(format!("/proc/{web}/ns/pid")).unwrap();
    let b = std::fs::read_link(format!("/proc/{infra_pid}/ns/pid")).unwrap();
    assert_ne!(a, b, "each container has its own PID namespace");

    // ps --pod: the pod's ID and name on each of its containers.
    for name in ["redis", "web"] {
        let line = ps_line(&rcon, name);
        assert!(line.contains(&pod_id[..12]) && line.ends_with("app"), "{line}");
    }
    // ps --filter pod=NAME|ID (podman's filter): the pod's containers only.
    rcon.ok(&["create", "--name", "loner", &image, "true"]);
    for pod in ["app", &pod_id[..8]] {
        let names = rcon.ok(&["ps", "-a", "--filter", &format!("pod={pod}"), "--format", "{{.Names}}"]);
        let mut names: Vec<&str> = names.lines().collect();
        names.sort();
        assert_eq!(names.len(), 3, "the infra, redis and web: {names:?}");
        assert_eq!(&names[1..], ["redis", "web"], "{names:?}");
    }
    let none = rcon.ok(&["ps", "-a", "--filter", "pod=nosuch", "-q"]);
    assert_eq!(none.trim(), "", "no container is in pod nosuch");
    rcon.ok(&["rm", "loner"]);
    let ls = rcon.ok(&["pod", "ls"]);
    let row = ls.lines().find(|l| l.contains("app")).unwrap_or_else(|| panic!("{ls}"));
    assert!(row.contains("Running") && row.trim_end().ends_with('3'), "{row}");
    assert_eq!(pod_status(&rcon, "app"), "Running");

    // Ports belong to the pod: a member cannot publish, nor pick a network.
    let out = rcon.cmd(&["run", "--rm", "--pod", "app", "-p", "9999:80", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("publish ports on the pod"), "{}", stderr(&out));
    let out = rcon.cmd(&["run", "--rm", "--pod", "nosuch", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("no pod with name or ID nosuch"), "{}", stderr(&out));
    let out = rcon.cmd(&["pod", "create", "--name", "app"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("already in use"), "{}", stderr(&out));

    // A removal of a running pod needs -f.
    let out = rcon.cmd(&["pod", "rm", "app"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("running containers"), "{}", stderr(&out));

    // Stop and start: the infra comes back with a new pid, members re-join it.
    rcon.ok(&["pod", "stop", "-t", "1", "app"]);
    assert_eq!(pod_status(&rcon, "app"), "Exited");
    assert!(http_get(port, "/index.html").is_none(), "the pod's port is closed while it is stopped");
    rcon.ok(&["pod", "start", "app"]);
    assert_eq!(pod_status(&rcon, "app"), "Running");
    eventually("the pod's port answers again", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/cgi-bin/hit").unwrap().trim(), "Hello from app! I have been seen 3 times.");

    let infra_id12 = infra[..12].to_string();
    assert_eq!(rcon.ok(&["pod", "rm", "-f", "app"]).trim(), pod_id);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "", "every container of the pod is gone");
    assert_eq!(rcon.ok(&["pod", "ls", "-q"]).trim(), "");
    assert!(http_get(port, "/index.html").is_none(), "the port is released");
    let links =
        String::from_utf8(std::process::Command::new("ip").args(["-o", "link"]).output().unwrap().stdout).unwrap();
    eventually("the infra's veth is gone", || !links.contains(&format!("rv{infra_id12}")));
}

#[test]
fn pod_lifecycle_logs_top_kill_prune() {
    let reg = Registry::start();
    let image = app_image(&reg);
    let rcon = Rcon::new();
    rcon.ok(&["pod", "create", "--name", "life", "--hostname", "box", "--label", "tier=test"]);
    // `create --pod` leaves the container for `pod start` to start.
    let loop_cmd = "trap 'exit 0' TERM; echo hello from $(hostname); while true; do sleep 0.1; done";
    rcon.ok(&["create", "--pod", "life", "--name", "looper", &image, "sh", "-c", loop_cmd]);
    rcon.ok(&["pod", "start", "life"]);
    assert_eq!(pod_status(&rcon, "life"), "Running");
    eventually("the log line", || rcon.ok(&["pod", "logs", "life"]).contains("looper hello from box"));
    assert!(rcon.ok(&["pod", "logs", "-c", "looper", "life"]).contains("hello from box"));
    let top = rcon.ok(&["pod", "top", "life"]);
    assert!(top.lines().next().unwrap().contains("PID"), "{top}");
    assert!(top.contains("while true"), "{top}");
    let v: serde_json::Value = serde_json::from_str(&rcon.ok(&["pod", "inspect", "life"])).unwrap();
    assert_eq!(v[0]["Hostname"], "box");
    assert_eq!(v[0]["Labels"]["tier"], "test");
    assert_eq!(v[0]["NumContainers"], 2);
    // The infra container goes only with its pod, even with -f.
    let infra = v[0]["InfraContainerID"].as_str().expect("InfraContainerID").to_string();
    let out = rcon.cmd(&["rm", "-f", &infra]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is the infra container of pod life and cannot be removed without removing the pod"),
        "{}",
        stderr(&out)
    );
    assert_eq!(pod_status(&rcon, "life"), "Running");

    // Nothing to prune while it runs.
    assert_eq!(rcon.ok(&["pod", "prune", "-f"]).trim(), "");
    rcon.ok(&["pod", "kill", "life"]);
    assert_eq!(pod_status(&rcon, "life"), "Exited");
    assert!(rcon.ok(&["ps", "-a", "--pod"]).contains("Exited (137)"));
    rcon.ok(&["pod", "restart", "life"]);
    assert_eq!(pod_status(&rcon, "life"), "Running");
    rcon.ok(&["pod", "stop", "life"]);
    assert_eq!(pod_status(&rcon, "life"), "Exited");
    let pruned = rcon.ok(&["pod", "prune", "-f"]);
    assert_eq!(pruned.lines().count(), 1, "{pruned}");
    assert_eq!(rcon.ok(&["pod", "ls", "-q"]).trim(), "");
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    let out = rcon.cmd(&["pod", "start", "life"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("no pod with name or ID life"), "{}", stderr(&out));
}
