//! `rcon system service`: the Docker Engine API driven by real clients.
//! Each test starts the service on a unix socket in its own temp dir and
//! drives it with Debian's docker CLI (`/usr/bin/docker`, package
//! `docker.io`; only the client is used) or raw HTTP; containers made
//! through the API and through `rcon` see each other, and outlive the
//! service. Also: idle exit, socket activation (`LISTEN_FDS`), malformed
//! requests.
//!
//! Needs root, `docker.io` (the client), `docker-registry`, `skopeo`,
//! `busybox-static`.

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, eventually, free_port, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Debian's docker client (package `docker.io`).
const DOCKER: &str = "/usr/bin/docker";

/// A running `rcon system service` on `DIR/api.sock`; killed (by its pid)
/// when dropped.
struct Service {
    child: Child,
    socket: PathBuf,
}

impl Service {
    /// Starts the service for `rcon`'s store with `--time 0` (never idle).
    fn start(rcon: &Rcon) -> Service {
        Service::start_with(rcon, &["--time", "0"])
    }

    fn start_with(rcon: &Rcon, flags: &[&str]) -> Service {
        let socket = rcon.dir().join("api.sock");
        let uri = format!("unix://{}", socket.display());
        let mut args = vec!["system", "service"];
        args.extend_from_slice(flags);
        args.push(&uri);
        let child = rcon.command(&args).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().expect("start rcon");
        let svc = Service { child, socket };
        eventually("the API socket answers", || UnixStream::connect(&svc.socket).is_ok());
        svc
    }

    /// `DOCKER_HOST` for it.
    fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs Debian's docker CLI against the service (its config in the test's
/// temp dir, so nothing of the host's `~/.docker` is read).
fn docker(svc: &Service, rcon: &Rcon, args: &[&str]) -> Output {
    assert!(Path::new(DOCKER).exists(), "docker.io not installed ({DOCKER} is missing): apt-get install docker.io");
    Command::new(DOCKER)
        .args(args)
        .env("DOCKER_HOST", svc.host())
        .env("DOCKER_CONFIG", rcon.dir().join("docker-config"))
        .env("DOCKER_BUILDKIT", "0")
        .env_remove("DOCKER_CONTEXT")
        .stdin(Stdio::null())
        .output()
        .expect("run docker")
}

/// [`docker`] + assert success; returns stdout.
#[track_caller]
fn docker_ok(svc: &Service, rcon: &Rcon, args: &[&str]) -> String {
    let out = docker(svc, rcon, args);
    assert!(
        out.status.success(),
        "docker {args:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// One HTTP/1.1 request on the unix socket; returns (status, headers, body).
fn http(socket: &Path, method: &str, path: &str, body: Option<&str>) -> (u16, String, String) {
    let mut s = UnixStream::connect(socket).expect("connect to the API socket");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: rcon\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut data = Vec::new();
    s.read_to_end(&mut data).expect("read the reply (a hung connection fails here)");
    let text = String::from_utf8_lossy(&data).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    (status, head.to_string(), if chunked { dechunk(rest) } else { rest.to_string() })
}

/// Decodes a chunked body.
fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// A busybox image serving /www on port 80.
fn web_image(reg: &Registry) -> String {
    ImageBuilder::new()
        .busybox_layer()
        .layer(&[TarEntry::dir("www/"), TarEntry::file("www/index.html", "hello from rcon\n")])
        .expose("80/tcp")
        .cmd(&["httpd", "-f", "-p", "80", "-h", "/www"])
        .push(reg, "web:latest")
        .0
}

/// GET / from 127.0.0.1:`port`; the body, or None.
fn http_get(port: u16) -> Option<String> {
    let mut s =
        std::net::TcpStream::connect_timeout(&format!("127.0.0.1:{port}").parse().ok()?, Duration::from_secs(2))
            .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

#[test]
fn ping_version_and_errors() {
    let rcon = Rcon::new();
    let svc = Service::start(&rcon);
    let mode = std::fs::metadata(&svc.socket).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()));
    assert_eq!(mode.unwrap() & 0o777, 0o660, "the socket is 0660");

    let (status, head, body) = http(&svc.socket, "GET", "/_ping", None);
    assert_eq!((status, body.as_str()), (200, "OK"), "{head}");
    assert!(head.to_ascii_lowercase().contains("api-version: 1.44"), "{head}");
    let (status, _, body) = http(&svc.socket, "HEAD", "/v1.41/_ping", None);
    assert_eq!((status, body.as_str()), (200, ""));

    let (status, _, body) = http(&svc.socket, "GET", "/v1.41/version", None);
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["ApiVersion"], "1.44");
    assert_eq!(v["MinAPIVersion"], "1.24");
    let (status, _, body) = http(&svc.socket, "GET", "/v9.99/version", None);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("too new"), "{body}");

    let (status, _, body) = http(&svc.socket, "GET", "/info", None);
    assert_eq!(status, 200);
    let info: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["Containers"], 0);

    // Errors are docker's {"message": …} with its status codes.
    let (status, _, body) = http(&svc.socket, "POST", "/v1.41/containers/create", Some("{\"Image\": "));
    assert_eq!(status, 400, "malformed JSON: {body}");
    assert!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["message"].is_string(), "{body}");
    let (status, _, body) = http(&svc.socket, "POST", "/containers/create", Some("{\"Image\": 42}"));
    assert_eq!(status, 400, "a field of the wrong type: {body}");
    let (status, _, body) = http(&svc.socket, "POST", "/containers/create", Some("{\"HostConfig\": {\"Binds\": 1}}"));
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = http(&svc.socket, "GET", "/containers/nope/json", None);
    assert_eq!(status, 404, "{body}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["message"], "No such container: nope");
    let (status, _, body) = http(&svc.socket, "POST", "/containers/create", Some("{\"Image\": \"nosuch:1\"}"));
    assert_eq!(status, 404, "{body}");
    let (status, _, _) = http(&svc.socket, "GET", "/no/such/route", None);
    assert_eq!(status, 404);
    let (status, _, _) = http(&svc.socket, "GET", "/containers/json?all=maybe", None);
    assert_eq!(status, 400);
    // Oversized headers: refused, the service lives on.
    let mut s = UnixStream::connect(&svc.socket).unwrap();
    let big = format!("GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(200_000));
    let _ = s.write_all(big.as_bytes());
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(!reply.starts_with("HTTP/1.1 200"), "oversized headers must not be served: {reply:.80}");
    assert_eq!(http(&svc.socket, "GET", "/_ping", None).0, 200, "the service survives bad requests");
}

#[test]
fn docker_cli_pull_run_ps_logs_exec_stop_rm() {
    let reg = Registry::start();
    let image = web_image(&reg);
    let rcon = Rcon::new();
    let svc = Service::start(&rcon);

    docker_ok(&svc, &rcon, &["pull", &image]);
    let images = docker_ok(&svc, &rcon, &["images"]);
    assert!(images.contains(&image.rsplit_once(':').unwrap().0.to_string()), "{images}");

    // run --rm in the foreground: output through attach, exit code through wait.
    let out = docker(&svc, &rcon, &["run", "--rm", &image, "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert_eq!(out.status.code(), Some(3), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "out\n");
    assert!(stderr(&out).contains("err"), "{}", stderr(&out));
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "", "--rm removed it");

    // run -d -p: reachable on 127.0.0.1, listed by both.
    let port = free_port();
    let id = docker_ok(&svc, &rcon, &["run", "-d", "--name", "web", "-p", &format!("{port}:80"), &image]);
    let id = id.trim().to_string();
    assert_eq!(id.len(), 64, "{id}");
    eventually("the published port serves", || http_get(port).as_deref() == Some("hello from rcon\n"));
    let ps = docker_ok(&svc, &rcon, &["ps"]);
    assert!(ps.contains("web") && ps.contains(&format!("0.0.0.0:{port}->80/tcp")), "{ps}");
    assert!(rcon.ok(&["ps"]).contains("web"), "an API container shows in rcon ps");
    assert_eq!(docker_ok(&svc, &rcon, &["inspect", "-f", "{{.State.Running}} {{.Name}}", "web"]).trim(), "true /web");

    // exec, with stdin.
    assert_eq!(docker_ok(&svc, &rcon, &["exec", "web", "cat", "/www/index.html"]), "hello from rcon\n");
    let out = docker(&svc, &rcon, &["exec", "web", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    let mut child = Command::new(DOCKER)
        .args(["exec", "-i", "web", "tr", "a-z", "A-Z"])
        .env("DOCKER_HOST", svc.host())
        .env("DOCKER_CONFIG", rcon.dir().join("docker-config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"shout\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "SHOUT\n");

    // logs, and logs -f of a container that ends.
    let id2 = docker_ok(&svc, &rcon, &["run", "-d", &image, "sh", "-c", "echo one; sleep 1; echo two"]);
    let out = docker(&svc, &rcon, &["logs", "-f", id2.trim()]);
    assert_eq!(stdout(&out), "one\ntwo\n", "{}", stderr(&out));
    assert_eq!(docker_ok(&svc, &rcon, &["logs", "--tail", "1", id2.trim()]), "two\n");
    assert!(docker_ok(&svc, &rcon, &["logs", "-t", id2.trim()]).starts_with("20"));

    docker_ok(&svc, &rcon, &["stop", "web"]);
    let ps = docker_ok(&svc, &rcon, &["ps", "-a", "--filter", "name=web", "--format", "{{.Status}}"]);
    assert!(ps.starts_with("Exited"), "{ps}");
    docker_ok(&svc, &rcon, &["start", "web"]);
    docker_ok(&svc, &rcon, &["rm", "-f", "web", id2.trim()]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    let out = docker(&svc, &rcon, &["rm", "web"]);
    assert!(!out.status.success() && stderr(&out).contains("No such container"), "{}", stderr(&out));

    docker_ok(&svc, &rcon, &["tag", &image, "copy:1"]);
    docker_ok(&svc, &rcon, &["rmi", "copy:1"]);
    docker_ok(&svc, &rcon, &["rmi", &image]);
    assert_eq!(rcon.ok(&["images", "-q"]).trim(), "");
}

#[test]
fn containers_are_shared_with_the_cli_and_outlive_the_service() {
    let reg = Registry::start();
    let image = web_image(&reg);
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let cli_id = rcon.ok(&["run", "-d", "--name", "from-cli", &image, "sleep", "600"]).trim().to_string();
    let svc = Service::start(&rcon);
    let ps = docker_ok(&svc, &rcon, &["ps", "--format", "{{.Names}}"]);
    assert_eq!(ps.trim(), "from-cli", "an rcon container shows in the API");
    let api_id =
        docker_ok(&svc, &rcon, &["run", "-d", "--name", "from-api", &image, "sleep", "600"]).trim().to_string();
    drop(svc);
    // The service is gone; both containers still run.
    for id in [&cli_id, &api_id] {
        let state = rcon.ok(&["inspect", "-f", "{{.State.Status}}", id]);
        assert_eq!(state.trim(), "running", "{id}");
    }
    rcon.ok(&["rm", "-f", &cli_id, &api_id]);
}

#[test]
fn volumes_networks_and_name_resolution() {
    let reg = Registry::start();
    let image = web_image(&reg);
    let rcon = Rcon::new();
    let svc = Service::start(&rcon);
    docker_ok(&svc, &rcon, &["pull", &image]);

    docker_ok(&svc, &rcon, &["volume", "create", "--label", "k=v", "data"]);
    assert!(docker_ok(&svc, &rcon, &["volume", "ls", "-q"]).lines().any(|l| l == "data"));
    assert_eq!(docker_ok(&svc, &rcon, &["volume", "inspect", "-f", "{{.Labels.k}}", "data"]).trim(), "v");
    docker_ok(&svc, &rcon, &["run", "--rm", "-v", "data:/data", &image, "sh", "-c", "echo kept > /data/f"]);
    let out = docker_ok(&svc, &rcon, &["run", "--rm", "-v", "data:/data", &image, "cat", "/data/f"]);
    assert_eq!(out, "kept\n");

    let net = format!("apinet{}", std::process::id());
    docker_ok(&svc, &rcon, &["network", "create", &net]);
    assert!(docker_ok(&svc, &rcon, &["network", "ls", "--format", "{{.Name}}"]).lines().any(|l| l == net));
    docker_ok(&svc, &rcon, &["run", "-d", "--name", "server", "--network", &net, &image]);
    let out =
        docker(&svc, &rcon, &["run", "--rm", "--network", &net, &image, "wget", "-q", "-O", "-", "http://server/"]);
    assert_eq!(stdout(&out), "hello from rcon\n", "name resolution on the network: {}", stderr(&out));
    let inspect = docker_ok(&svc, &rcon, &["network", "inspect", &net]);
    assert!(inspect.contains("\"server\""), "{inspect}");

    docker_ok(&svc, &rcon, &["rm", "-f", "server"]);
    docker_ok(&svc, &rcon, &["network", "rm", &net]);
    docker_ok(&svc, &rcon, &["volume", "rm", "data"]);
    assert!(!docker_ok(&svc, &rcon, &["volume", "ls", "-q"]).lines().any(|l| l == "data"));
}

#[test]
fn idle_exit_waits_for_open_streams() {
    let rcon = Rcon::new();
    let mut svc = Service::start_with(&rcon, &["--time", "1"]);
    // An open events stream keeps it busy past its idle time.
    let mut s = UnixStream::connect(&svc.socket).unwrap();
    s.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut head = String::new();
    BufReader::new(s.try_clone().unwrap()).read_line(&mut head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    std::thread::sleep(Duration::from_secs(3));
    assert!(svc.child.try_wait().unwrap().is_none(), "the service exited while a stream was open");
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = svc.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "the service did not exit once idle");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert!(!svc.socket.exists(), "the socket it made is removed");
}

#[test]
fn socket_activation_with_listen_fds() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let rcon = Rcon::new();
    let path = rcon.dir().join("activated.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let fd = listener.as_raw_fd();
    // systemd's protocol: the socket as fd 3, LISTEN_FDS=1, LISTEN_PID = the
    // service's pid (the shell's, which execs rcon).
    let start = || {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg("export LISTEN_PID=$$ LISTEN_FDS=1; exec \"$@\"")
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_rcon"))
            .arg("--root")
            .arg(&rcon.root)
            .arg("--runroot")
            .arg(&rcon.runroot)
            .args(["system", "service", "--time", "1", "unix:///nonexistent/ignored.sock"])
            .stdin(Stdio::null());
        // SAFETY: only dup2(2) and fcntl(2), async-signal-safe, run between
        // fork and exec.
        unsafe {
            c.pre_exec(move || {
                // dup2 onto itself would keep close-on-exec: clear it then.
                let ok = if fd == 3 { libc::fcntl(3, libc::F_SETFD, 0) } else { libc::dup2(fd, 3) };
                if ok < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        c.spawn().unwrap()
    };
    // A request queued before the service runs is answered by it.
    let mut early = UnixStream::connect(&path).unwrap();
    early.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    early.write_all(b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut child = start();
    let mut reply = String::new();
    early.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200") && reply.ends_with("OK"), "{reply}");
    // Idle: it exits; the socket (the test's, as systemd's) stays.
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(path.exists());
    // The next connection waits in the socket until the service runs again.
    let (status, _, body) = {
        let mut again = start();
        let r = http(&path, "GET", "/v1.41/_ping", None);
        again.wait().unwrap();
        r
    };
    assert_eq!((status, body.as_str()), (200, "OK"));
    assert!(!Path::new("/nonexistent/ignored.sock").exists());
}
