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

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, code, eventually, free_port, stderr, stdout};
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

/// A registry holding [`web_image`], a store, and the service on that
/// store: what most tests here start with. Bind all four (`_reg`, not
/// `_`): they are dropped in reverse order, the service first.
fn served() -> (Registry, String, Rcon, Service) {
    let reg = Registry::start();
    let image = web_image(&reg);
    let rcon = Rcon::new();
    let svc = Service::start(&rcon);
    (reg, image, rcon, svc)
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

    // volume prune: named volumes too for API 1.41 clients (docker 20.10),
    // anonymous ones only from 1.42 on (docker 23+).
    for name in ["pv1", "pv2"] {
        let (status, _, body) =
            http(&svc.socket, "POST", "/volumes/create", Some(&format!("{{\"Name\": \"{name}\"}}")));
        assert_eq!(status, 201, "{body}");
    }
    let (_, _, body) = http(&svc.socket, "POST", "/v1.44/volumes/prune", None);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["VolumesDeleted"], serde_json::json!([]));
    let (_, _, body) = http(&svc.socket, "POST", "/v1.41/volumes/prune", None);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["VolumesDeleted"],
        serde_json::json!(["pv1", "pv2"])
    );

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
    let (_reg, image, rcon, svc) = served();

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

/// The service's requests share one store (and database connection);
/// when the store is made anew under it (its root removed, as by hand),
/// the next request opens the new database instead of answering from
/// the removed one.
#[test]
fn a_store_made_anew_under_the_service_is_the_one_it_answers_from() {
    let reg = Registry::start();
    let image = web_image(&reg);
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    rcon.ok(&["create", "--name", "before", &image]);
    let svc = Service::start(&rcon);
    let names = || {
        let (code, _, body) = http(&svc.socket, "GET", "/v1.41/containers/json?all=1", None);
        assert_eq!(code, 200, "{body}");
        let list: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
        list.iter().map(|c| c["Names"][0].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(names(), ["/before"]);
    assert_eq!(names(), ["/before"], "the second request answers from the same store");
    rcon.ok(&["rm", "before"]);
    std::fs::remove_dir_all(&rcon.root).unwrap();
    std::fs::create_dir(&rcon.root).unwrap();
    rcon.ok(&["pull", "-q", &image]);
    rcon.ok(&["create", "--name", "after", &image]);
    assert_eq!(names(), ["/after"], "the service reads the new store's database");
}

/// `DELETE /containers/{id}` of a pod's infra container is refused as
/// `rcon rm` refuses it (409, naming the pod), also with `force`; the pod
/// and its infra stay.
#[test]
fn removing_a_pods_infra_container_is_refused() {
    let rcon = Rcon::new();
    rcon.ok(&["pod", "create", "--name", "held", "--network", "none"]);
    let pod: serde_json::Value = serde_json::from_str(&rcon.ok(&["pod", "inspect", "held"])).unwrap();
    let infra = pod[0]["InfraContainerID"].as_str().unwrap().to_string();
    let svc = Service::start(&rcon);
    for query in ["", "?force=1"] {
        let (status, _, body) = http(&svc.socket, "DELETE", &format!("/containers/{infra}{query}"), None);
        assert_eq!(status, 409, "{body}");
        assert!(body.contains("infra container of pod held") && body.contains("rcon pod rm held"), "{body}");
    }
    let out = rcon.cmd(&["rm", "-f", &infra]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("infra container of pod held"), "{}", stderr(&out));
    assert_eq!(rcon.ok(&["ps", "-aq", "--no-trunc"]).trim(), infra, "the infra is still there");
    rcon.ok(&["pod", "rm", "held"]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
}

/// `POST /containers/{id}/wait` with each condition, from before the
/// container stops: `next-exit` of a running container ends at its `stop`,
/// `removed` of an `--rm` container gives the exit code of a container
/// that is gone, `not-running` of a stopped one answers at once.
#[test]
fn wait_conditions() {
    let reg = Registry::start();
    let image = web_image(&reg);
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let svc = Service::start(&rcon);
    let id = rcon.ok(&["run", "-d", &image, "sleep", "600"]).trim().to_string();
    let socket = svc.socket.clone();
    let path = format!("/v1.41/containers/{id}/wait?condition=next-exit");
    let waiter = std::thread::spawn(move || http(&socket, "POST", &path, None));
    // The wait has begun once the service counts its stream.
    std::thread::sleep(Duration::from_millis(300));
    rcon.ok(&["kill", &id]);
    let (status, _, body) = waiter.join().unwrap();
    assert_eq!((status, body.trim()), (200, r#"{"Error":null,"StatusCode":137}"#));
    let (_, _, body) = http(&svc.socket, "POST", &format!("/containers/{id}/wait"), None);
    assert!(body.contains(r#""StatusCode":137"#), "not-running of a stopped container: {body}");
    rcon.ok(&["rm", &id]);
    let id = rcon.ok(&["run", "-d", "--rm", &image, "sh", "-c", "sleep 1; exit 3"]).trim().to_string();
    let (status, _, body) = http(&svc.socket, "POST", &format!("/containers/{id}/wait?condition=removed"), None);
    assert_eq!((status, body.trim()), (200, r#"{"Error":null,"StatusCode":3}"#));
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "", "the --rm container is gone");
    let (status, _, _) = http(&svc.socket, "POST", "/containers/x/wait?condition=bogus", None);
    assert_eq!(status, 400);
}

#[test]
fn volumes_networks_and_name_resolution() {
    let (_reg, image, rcon, svc) = served();
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

/// `create` with what the docker CLI and API 1.44 clients send beyond
/// `run`'s basics: `ExposedPorts` published by `PublishAllPorts` (the
/// docker CLI's `--expose` and `-P`), and several networks in
/// `NetworkingConfig.EndpointsConfig`, each with its aliases, all
/// connected at create.
#[test]
fn create_exposes_ports_and_joins_every_endpoint() {
    let (_reg, image, rcon, svc) = served();
    docker_ok(&svc, &rcon, &["pull", &image]);

    docker_ok(&svc, &rcon, &["create", "--name", "exp", "--expose", "7000", "-P", &image]);
    let exposed = docker_ok(&svc, &rcon, &["inspect", "-f", "{{json .Config.ExposedPorts}}", "exp"]);
    assert!(exposed.contains("\"7000/tcp\""), "ExposedPorts: {exposed}");
    docker_ok(&svc, &rcon, &["start", "exp"]);
    let port = docker_ok(&svc, &rcon, &["port", "exp", "7000"]);
    assert!(
        port.trim().rsplit(':').next().is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p > 0)),
        "docker port: {port}"
    );
    docker_ok(&svc, &rcon, &["rm", "-f", "exp"]);

    let (front, back) = (format!("apifront{}", std::process::id()), format!("apiback{}", std::process::id()));
    docker_ok(&svc, &rcon, &["network", "create", &front]);
    docker_ok(&svc, &rcon, &["network", "create", &back]);
    let body = serde_json::json!({
        "Image": image,
        "HostConfig": {"NetworkMode": front},
        "NetworkingConfig": {"EndpointsConfig": {front.clone(): {"Aliases": ["web"]}, back.clone(): {"Aliases": ["api"]}}}
    });
    let (status, _, reply) = http(&svc.socket, "POST", "/v1.44/containers/create?name=multi", Some(&body.to_string()));
    assert_eq!(status, 201, "{reply}");
    docker_ok(&svc, &rcon, &["start", "multi"]);
    let nets = docker_ok(
        &svc,
        &rcon,
        &["inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "multi"],
    );
    assert!(nets.contains(&front) && nets.contains(&back), "networks: {nets}");
    for (net, alias) in [(&front, "web"), (&back, "api")] {
        let out = docker(
            &svc,
            &rcon,
            &["run", "--rm", "--network", net, &image, "wget", "-q", "-O", "-", &format!("http://{alias}/")],
        );
        assert_eq!(stdout(&out), "hello from rcon\n", "{alias} on {net}: {}", stderr(&out));
    }
    // A network that does not exist: nothing is created.
    let bad = serde_json::json!({
        "Image": image,
        "NetworkingConfig": {"EndpointsConfig": {front.clone(): {}, "nosuchnet": {}}}
    });
    let (status, _, reply) = http(&svc.socket, "POST", "/v1.44/containers/create?name=bad", Some(&bad.to_string()));
    assert_eq!(status, 404, "{reply}");
    assert!(reply.contains("nosuchnet"), "{reply}");
    assert!(!docker_ok(&svc, &rcon, &["ps", "-a", "--format", "{{.Names}}"]).lines().any(|l| l == "bad"));

    docker_ok(&svc, &rcon, &["rm", "-f", "multi"]);
    docker_ok(&svc, &rcon, &["network", "rm", &front, &back]);
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

/// `docker search` (`GET /images/search`) against an index on 127.0.0.1
/// that answers `/v1/search` as Docker Hub's does: the rows (the same
/// table `rcon search` prints), `--limit` (sent to the index as `n`,
/// before the filters, as docker's daemon does), the filters
/// `is-official`, `is-automated` and `stars`, and docker's 400s.
#[test]
fn docker_cli_search_an_index() {
    let rcon = Rcon::new();
    let svc = Service::start(&rcon);
    let (addr, index) = crate::common::hub_search_server(7);
    let term = format!("{addr}/busy");
    let table = docker_ok(&svc, &rcon, &["search", &term]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[0].starts_with("NAME") && lines[0].contains("STARS") && lines[0].contains("OFFICIAL"), "{table}");
    assert!(lines[1].starts_with("busybox ") && lines[1].contains("3000") && lines[1].contains("[OK]"), "{table}");
    assert!(lines[2].starts_with("someone/busybox-tools ") && lines[2].contains(" 12 "), "{table}");
    assert!(lines[3].starts_with("other/busy "), "{table}");
    assert_eq!(rcon.ok(&["search", &term]), table, "rcon search prints what docker prints through the API");

    let names = |args: &[&str]| {
        let mut all = vec!["search", "--format", "{{.Name}}"];
        all.extend_from_slice(args);
        all.push(&term);
        docker_ok(&svc, &rcon, &all)
    };
    assert_eq!(names(&["--limit", "2"]), "busybox\nsomeone/busybox-tools\n");
    assert_eq!(names(&["--filter", "is-official=true"]), "busybox\n");
    assert_eq!(names(&["--filter", "stars=10", "--filter", "is-automated=true"]), "someone/busybox-tools\n");

    let filters = |f: &str| f.replace('{', "%7B").replace('}', "%7D").replace('"', "%22").replace(':', "%3A");
    let path = format!("/v1.41/images/search?term={term}&limit=1&filters={}", filters(r#"{"is-official":["false"]}"#));
    let (status, _, body) = http(&svc.socket, "GET", &path, None);
    assert_eq!((status, body.trim()), (200, "[]"), "the limit applies before the filter");
    let path = format!("/v1.41/images/search?term={term}&filters={}", filters(r#"{"colour":["red"]}"#));
    let (status, _, body) = http(&svc.socket, "GET", &path, None);
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = http(&svc.socket, "GET", &format!("/v1.41/images/search?term={term}&limit=101"), None);
    assert_eq!(status, 400, "{body}");

    let seen = index.join().unwrap();
    assert_eq!(seen.len(), 7);
    assert_eq!(seen[0], "GET /v1/search?q=busy&n=25 HTTP/1.1");
    assert_eq!(seen[2], "GET /v1/search?q=busy&n=2 HTTP/1.1");
    assert_eq!(seen[5], "GET /v1/search?q=busy&n=1 HTTP/1.1");
}

/// A client that closes its connection before the response is written
/// (the docker CLI does, once it has read a tar's end marker) ends that
/// request only: the service once died of SIGPIPE there, and the next
/// docker command said "Cannot connect to the Docker daemon". Each round
/// races the service's write against the close; before the fix, a few
/// hundred rounds ended it.
#[test]
fn clients_closing_early_do_not_end_the_service() {
    let rcon = Rcon::new();
    let mut svc = Service::start(&rcon);
    for round in 0..600 {
        let path = if round % 2 == 0 { "/v1.41/info" } else { "/v1.41/containers/json?all=1" };
        let mut s = UnixStream::connect(&svc.socket)
            .unwrap_or_else(|e| panic!("round {round}: the service stopped answering: {e}"));
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).unwrap();
        drop(s);
    }
    let (status, _, body) = http(&svc.socket, "GET", "/_ping", None);
    assert_eq!((status, body.as_str()), (200, "OK"));
    assert!(svc.child.try_wait().unwrap().is_none(), "the service exited");
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

#[test]
fn docker_cli_cp_both_ways_and_build() {
    let (_reg, image, rcon, svc) = served();
    docker_ok(&svc, &rcon, &["pull", &image]);
    docker_ok(&svc, &rcon, &["run", "-d", "--name", "box", &image, "sleep", "600"]);
    // top: docker's CLI needs the daemon's Titles and Processes as arrays,
    // and prints what `rcon top` prints.
    let top = docker_ok(&svc, &rcon, &["top", "box"]);
    assert!(top.starts_with("UID") && top.contains("sleep 600"), "{top}");
    assert_eq!(top, rcon.ok(&["top", "box"]));

    // Host → container (a file into a directory), then container → host
    // (a file, then a directory).
    let host = rcon.dir().join("host");
    std::fs::create_dir(&host).unwrap();
    std::fs::write(host.join("in.txt"), "to the container\n").unwrap();
    docker_ok(&svc, &rcon, &["cp", host.join("in.txt").to_str().unwrap(), "box:/tmp/"]);
    assert_eq!(docker_ok(&svc, &rcon, &["exec", "box", "cat", "/tmp/in.txt"]), "to the container\n");
    docker_ok(&svc, &rcon, &["cp", "box:/www/index.html", host.join("index.html").to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(host.join("index.html")).unwrap(), "hello from rcon\n");
    docker_ok(&svc, &rcon, &["cp", "box:/www", host.join("copy").to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(host.join("copy/index.html")).unwrap(), "hello from rcon\n");
    let out = docker(&svc, &rcon, &["cp", "box:/no/such/file", host.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", stdout(&out));
    docker_ok(&svc, &rcon, &["rm", "-f", "box"]);

    // build -t with the classic builder's API.
    let ctx = rcon.dir().join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(ctx.join("greeting"), "built through the API\n").unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {image}\nCOPY greeting /greeting\nRUN cat /greeting > /copy\nLABEL made=api\nCMD [\"cat\", \"/copy\"]\n"),
    )
    .unwrap();
    let out = docker_ok(&svc, &rcon, &["build", "-t", "built:1", ctx.to_str().unwrap()]);
    assert!(out.contains("Successfully tagged"), "{out}");
    assert_eq!(docker_ok(&svc, &rcon, &["run", "--rm", "built:1"]), "built through the API\n");
    assert_eq!(docker_ok(&svc, &rcon, &["image", "inspect", "-f", "{{.Config.Labels.made}}", "built:1"]).trim(), "api");
    let id = docker_ok(&svc, &rcon, &["build", "-q", ctx.to_str().unwrap()]);
    assert!(id.trim().starts_with("sha256:"), "{id}");
    std::fs::write(ctx.join("Dockerfile"), "FROM nosuch.invalid/x\n").unwrap();
    let out = docker(&svc, &rcon, &["build", ctx.to_str().unwrap()]);
    assert!(!out.status.success(), "a failing build fails");
    docker_ok(&svc, &rcon, &["rmi", "built:1"]);
}

/// The JSON messages of a progress stream (one per line).
fn messages(body: &str) -> Vec<serde_json::Value> {
    body.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect(l)).collect()
}

/// `docker push` (`POST /images/{name}/push`) of a built image to the test
/// registry, pulled back into an empty store; `docker search` (`GET
/// /images/search`) of the registry's catalog; `POST /images/create`'s
/// per-layer progress (`Downloading` with byte counts, `Extracting`,
/// `Pull complete`) and a push's `aux` message, read raw.
#[test]
fn docker_cli_push_and_progress_streams() {
    let (reg, image, rcon, svc) = served();

    // Pull progress as dockerd sends it.
    let (repo, tag) = image.rsplit_once(':').unwrap();
    let (status, _, body) = http(&svc.socket, "POST", &format!("/images/create?fromImage={repo}&tag={tag}"), None);
    assert_eq!(status, 200, "{body}");
    let msgs = messages(&body);
    let status_of = |m: &serde_json::Value| m["status"].as_str().unwrap_or_default().to_string();
    assert_eq!(msgs[0]["status"], "Pulling from web", "{body}");
    assert_eq!(msgs[0]["id"], tag, "{body}");
    let downloading: Vec<&serde_json::Value> = msgs.iter().filter(|m| m["status"] == "Downloading").collect();
    let last = downloading.last().unwrap_or_else(|| panic!("no Downloading message: {body}"));
    let total = last["progressDetail"]["total"].as_u64().unwrap();
    assert!(total > 100_000, "the busybox layer's compressed size: {last}");
    assert!(last["progress"].as_str().unwrap().starts_with('['), "{last}");
    let layer = last["id"].as_str().unwrap();
    let of_layer: Vec<String> = msgs.iter().filter(|m| m["id"] == layer).map(status_of).collect();
    let steps: Vec<&str> = of_layer.iter().map(String::as_str).filter(|s| *s != "Downloading").collect();
    assert_eq!(steps, ["Pulling fs layer", "Verifying Checksum", "Download complete", "Extracting", "Pull complete"]);
    assert!(msgs.iter().any(|m| m["status"] == "Extracting" && m["progressDetail"]["current"] == total), "{body}");
    assert_eq!(status_of(msgs.last().unwrap()), format!("Status: Downloaded newer image for {image}"));

    // A built image with a layer the registry does not have.
    let ctx = rcon.dir().join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), format!("FROM {image}\nRUN echo pushed > /www/index.html\n")).unwrap();
    let dest = format!("{}/pushed:1", reg.addr);
    docker_ok(&svc, &rcon, &["build", "-t", &dest, ctx.to_str().unwrap()]);
    let out = docker_ok(&svc, &rcon, &["push", &dest]);
    assert!(out.starts_with(&format!("The push refers to repository [{}/pushed]", reg.addr)), "{out}");
    assert!(out.contains(": Pushed") && out.contains(": Mounted from web"), "{out}");
    assert!(out.contains("1: digest: sha256:"), "{out}");

    // Again, raw: every layer exists now; the aux message ends the stream.
    let (status, head, body) = http(&svc.socket, "POST", &format!("/images/{}/pushed/push?tag=1", reg.addr), None);
    assert_eq!(status, 200, "{head}");
    let msgs = messages(&body);
    assert!(
        msgs.iter()
            .filter(|m| m["id"].is_string())
            .all(|m| { ["Preparing", "Layer already exists"].contains(&m["status"].as_str().unwrap()) }),
        "{body}"
    );
    let aux = &msgs.last().unwrap()["aux"];
    assert_eq!(aux["Tag"], "1", "{body}");
    assert!(aux["Digest"].as_str().unwrap().starts_with("sha256:") && aux["Size"].as_u64().unwrap() > 0, "{body}");

    // What was pushed runs from a store that never had it.
    let other = Rcon::new();
    let svc2 = Service::start(&other);
    docker_ok(&svc2, &other, &["pull", &dest]);
    assert_eq!(docker_ok(&svc2, &other, &["run", "--rm", &dest, "cat", "/www/index.html"]), "pushed\n");
    drop(svc2);

    // docker search: the registry's catalog filtered by the term.
    let found = docker_ok(&svc, &rcon, &["search", "--format", "{{.Name}}", &format!("{}/push", reg.addr)]);
    assert_eq!(found, format!("{}/pushed\n", reg.addr));
    let found = docker_ok(&svc, &rcon, &["search", "--format", "{{.Name}}", &format!("{}/e", reg.addr)]);
    let mut names: Vec<&str> = found.lines().collect();
    names.sort();
    assert_eq!(names, [format!("{}/pushed", reg.addr), format!("{}/web", reg.addr)], "{found}");

    // A missing image: docker's words, in the stream.
    let out = docker(&svc, &rcon, &["push", &format!("{}/nosuch:1", reg.addr)]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(stderr(&out).contains("An image does not exist locally with the tag"), "{}", stderr(&out));
}

/// [`docker`] with `input` on its stdin.
fn docker_with_input(svc: &Service, rcon: &Rcon, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(DOCKER)
        .args(args)
        .env("DOCKER_HOST", svc.host())
        .env("DOCKER_CONFIG", rcon.dir().join("docker-config"))
        .env_remove("DOCKER_CONTEXT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run docker");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// `docker run -i` and `docker attach` write to the container's stdin
/// (`POST /containers/{id}/attach?stdin=1`, hijacked): attached before the
/// container starts, and to a running one.
#[test]
fn docker_cli_run_i_and_attach_write_stdin() {
    let (_reg, image, rcon, svc) = served();
    docker_ok(&svc, &rcon, &["pull", &image]);
    let out =
        docker_with_input(&svc, &rcon, &["run", "-i", "--rm", &image, "sh", "-c", "read l; echo got $l"], b"hello\n");
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("got hello\n", Some(0)), "{}", stderr(&out));

    docker_ok(&svc, &rcon, &["run", "-d", "-i", "--name", "reader", &image, "sh", "-c", "read l; echo got $l; exit 3"]);
    let out = docker_with_input(&svc, &rcon, &["attach", "reader"], b"again\n");
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("got again\n", Some(3)), "{}", stderr(&out));
    // Without -i the container has no stdin to write to: attach's input is dropped.
    docker_ok(&svc, &rcon, &["run", "-d", "--name", "deaf", &image, "sh", "-c", "sleep 2; read l; echo [$l]"]);
    let out = docker_with_input(&svc, &rcon, &["attach", "deaf"], b"ignored\n");
    assert_eq!(stdout(&out), "[]\n", "{}", stderr(&out));
    docker_ok(&svc, &rcon, &["rm", "-f", "reader", "deaf"]);
}

/// `docker diff`, `docker export`, `docker save` and `docker load`
/// (`/containers/{id}/changes|export`, `/images/get`, `/images/load`).
#[test]
fn docker_cli_diff_export_save_load() {
    let (_reg, image, rcon, svc) = served();
    docker_ok(&svc, &rcon, &["pull", &image]);
    docker_ok(&svc, &rcon, &["run", "--name", "changed", &image, "sh", "-c", "echo x > /new; rm /www/index.html"]);
    let diff = docker_ok(&svc, &rcon, &["diff", "changed"]);
    let mut lines: Vec<&str> = diff.lines().collect();
    lines.sort();
    assert_eq!(lines, ["A /new", "C /www", "D /www/index.html"], "{diff}");
    let tar = rcon.dir().join("ctr.tar");
    docker_ok(&svc, &rcon, &["export", "-o", tar.to_str().unwrap(), "changed"]);
    let list = stdout(&Command::new("tar").arg("tf").arg(&tar).output().unwrap());
    assert!(list.lines().any(|l| l == "new") && list.lines().any(|l| l == "bin/busybox"), "{list}");
    assert!(!list.contains("index.html"), "the deleted file is not exported: {list}");
    docker_ok(&svc, &rcon, &["rm", "changed"]);

    let saved = rcon.dir().join("img.tar");
    docker_ok(&svc, &rcon, &["save", "-o", saved.to_str().unwrap(), &image]);
    let id = docker_ok(&svc, &rcon, &["image", "inspect", "-f", "{{.Id}}", &image]);
    docker_ok(&svc, &rcon, &["rmi", &image]);
    assert_eq!(rcon.ok(&["images", "-q"]).trim(), "");
    let out = docker_ok(&svc, &rcon, &["load", "-i", saved.to_str().unwrap()]);
    assert_eq!(out.trim(), format!("Loaded image: {image}"));
    assert_eq!(docker_ok(&svc, &rcon, &["image", "inspect", "-f", "{{.Id}}", &image]), id);
    assert_eq!(docker_ok(&svc, &rcon, &["run", "--rm", &image, "cat", "/www/index.html"]), "hello from rcon\n");
    let bad = rcon.dir().join("bad.tar");
    std::fs::write(&bad, b"not a tar").unwrap();
    let out = docker(&svc, &rcon, &["load", "-i", bad.to_str().unwrap()]);
    assert!(!out.status.success(), "loading garbage fails");
    let out = docker(&svc, &rcon, &["save", "-o", saved.to_str().unwrap(), "nosuch:1"]);
    assert!(stderr(&out).contains("No such image"), "{}", stderr(&out));
}

/// `docker update` (`POST /containers/{id}/update`): limits and restart
/// policy of a running container, and docker's refusal of a bad value.
#[test]
fn docker_cli_update() {
    let (_reg, image, rcon, svc) = served();
    docker_ok(&svc, &rcon, &["pull", &image]);
    docker_ok(&svc, &rcon, &["run", "-d", "--name", "upd", &image, "sleep", "600"]);
    assert_eq!(
        docker_ok(
            &svc,
            &rcon,
            &["update", "--memory", "64m", "--memory-swap", "128m", "--restart", "on-failure:2", "upd"]
        )
        .trim(),
        "upd"
    );
    let got = rcon.ok(&[
        "inspect",
        "-f",
        "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}",
        "upd",
    ]);
    assert_eq!(got.trim(), "67108864 on-failure:2");
    let out = docker(&svc, &rcon, &["update", "--memory", "1k", "upd"]);
    assert!(!out.status.success() && stderr(&out).contains("minimum memory"), "{}", stderr(&out));
    let out = docker(&svc, &rcon, &["update", "--memory", "64m", "nosuch"]);
    assert!(stderr(&out).contains("No such container"), "{}", stderr(&out));
    docker_ok(&svc, &rcon, &["rm", "-f", "upd"]);
}

/// docker-py 7 (PyPI `docker`) against the service: containers, exec,
/// archives, stats, images (pull, build, tag, push, remove), volumes, networks,
/// events. The script prints `ok` at its end.
const DOCKER_PY_SCRIPT: &str = r#"
import docker, io, sys, tarfile, time
base, image = sys.argv[1], sys.argv[2]
c = docker.DockerClient(base_url=base)
assert c.ping()
assert c.version()["ApiVersion"] == "1.44"
start = int(time.time())
c.images.pull(image)
ctr = c.containers.run(image, ["sh", "-c", "echo hello; echo err >&2; exit 4"], detach=True)
assert ctr.wait()["StatusCode"] == 4
assert ctr.logs(stdout=True, stderr=False) == b"hello\n", ctr.logs()
assert ctr.logs(stdout=False, stderr=True) == b"err\n"
ctr.remove()
assert c.containers.run(image, ["echo", "fg"], remove=True) == b"fg\n"
web = c.containers.run(image, ["sleep", "600"], detach=True, name="pyweb", labels={"who": "py"})
assert [x.name for x in c.containers.list(filters={"label": "who=py"})] == ["pyweb"]
code, out = web.exec_run(["sh", "-c", "echo in; exit 2"])
assert (code, out) == (2, b"in\n"), (code, out)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    data = b"put by docker-py\n"
    info = tarfile.TarInfo("put.txt"); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
assert web.put_archive("/tmp", buf.getvalue())
stream, stat = web.get_archive("/tmp/put.txt")
assert stat["name"] == "put.txt", stat
with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as t:
    assert t.extractfile("put.txt").read() == data
# Attached while it runs, to what it prints later: docker-py loses bytes
# that arrive with the 101 response's headers (docker-py issue 2466).
att = c.containers.run(image, ["sh", "-c", "sleep 1; echo attached; echo err >&2"], detach=True)
got = b"".join(att.attach(stdout=True, stderr=True, stream=True))
assert got == b"attached\nerr\n", got
att.remove()
s = web.stats(stream=False)
assert s["pids_stats"]["current"] >= 1, s
web.remove(force=True)
ctx = io.BytesIO()
with tarfile.open(fileobj=ctx, mode="w") as t:
    df = ("FROM %s\nRUN echo built > /b\n" % image).encode()
    info = tarfile.TarInfo("Dockerfile"); info.size = len(df)
    t.addfile(info, io.BytesIO(df))
ctx.seek(0)
img, logs = c.images.build(fileobj=ctx, custom_context=True, tag="pybuilt:1")
assert "pybuilt:1" in img.tags, img.tags
img.tag("pybuilt", "2")
# push with X-Registry-Auth (the test registry asks for none)
reg = image.split("/")[0]
img.tag(reg + "/pypushed", "1")
msgs = list(c.images.push(reg + "/pypushed", tag="1", stream=True, decode=True, auth_config={"username": "u", "password": "p"}))
assert not any("error" in m for m in msgs), msgs
assert any(m.get("status") == "Pushed" for m in msgs), msgs
assert msgs[-1]["aux"]["Digest"].startswith("sha256:"), msgs
c.images.remove(reg + "/pypushed:1")
c.images.remove("pybuilt:2")
c.images.remove("pybuilt:1")
v = c.volumes.create("pyvol", labels={"a": "b"})
assert c.volumes.get("pyvol").attrs["Labels"] == {"a": "b"}
v.remove()
n = c.networks.create("pynet")
assert c.networks.get(n.id).name == "pynet"
n.remove()
events = [e for e in c.events(since=start, until=int(time.time()) + 1, decode=True)]
assert any(e.get("Action") == "create" for e in events), events[:5]
print("ok")
"#;

/// Runs a docker-py `script` (PyPI `docker` 7.1.0, in the test's venv)
/// against a service of a fresh store, with the service's `DOCKER_HOST`
/// and the test registry's web image as its arguments; it must print `ok`.
fn run_docker_py(script: &str) {
    let py = crate::common::venv(&["docker==7.1.0"]);
    let (_reg, image, _rcon, svc) = served();
    let out = Command::new(py.join("bin/python"))
        .arg("-c")
        .arg(script)
        .arg(svc.host())
        .arg(&image)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "ok\n", "docker-py failed:\n{}", stderr(&out));
}

#[test]
fn docker_py_drives_the_service() {
    run_docker_py(DOCKER_PY_SCRIPT);
}

/// docker-py with terminals: `exec_run(tty=True)` (a pty for the exec'd
/// process, raw stream), `exec_resize` and a container's `resize` that
/// really set the window size (`stty size` inside, and the container's
/// `SIGWINCH` trap, see the new size). Prints `ok` at its end.
const DOCKER_PY_TTY_SCRIPT: &str = r#"
import docker, sys, time
base, image = sys.argv[1], sys.argv[2]
c = docker.DockerClient(base_url=base)
api = c.api
c.images.pull(image)
ctr = c.containers.run(image, ["sh", "-c", "trap 'stty size' WINCH; while :; do sleep 0.1; done"], detach=True, tty=True)
code, out = ctr.exec_run(["sh", "-c", "tty; echo hi"], tty=True)
assert code == 0 and out.startswith(b"/dev/pts/") and out.endswith(b"\r\nhi\r\n"), (code, out)
code, out = ctr.exec_run(["sh", "-c", "tty"])
assert out == b"not a tty\n", (code, out)
# An exec that reads a line, then prints its terminal's size.
e = api.exec_create(ctr.id, ["sh", "-c", "read line; stty size"], tty=True, stdin=True)
sock = api.exec_start(e["Id"], tty=True, socket=True)
api.exec_resize(e["Id"], height=37, width=101)
raw = sock._sock
raw.settimeout(60)
raw.sendall(b"go\n")
got = b""
while True:
    chunk = raw.recv(4096)
    if not chunk:
        break
    got += chunk
assert got.endswith(b"37 101\r\n"), got
assert api.exec_inspect(e["Id"])["ExitCode"] == 0
try:
    api.exec_resize(e["Id"], height=10, width=10)
    raise SystemExit("resizing a finished exec succeeded")
except docker.errors.APIError as err:
    assert err.status_code == 409, err
# The container's console.
ctr.resize(height=25, width=81)
for _ in range(600):
    if b"25 81" in ctr.logs():
        break
    time.sleep(0.1)
assert b"25 81\r\n" in ctr.logs(), ctr.logs()
ctr.remove(force=True)
plain = c.containers.run(image, ["sleep", "600"], detach=True)
try:
    plain.resize(height=25, width=81)
    raise SystemExit("resizing a container without a terminal succeeded")
except docker.errors.APIError as err:
    assert err.status_code == 409, err
plain.remove(force=True)
print("ok")
"#;

#[test]
fn docker_py_exec_tty_and_resize() {
    run_docker_py(DOCKER_PY_TTY_SCRIPT);
}

/// testcontainers-python (PyPI `testcontainers`, with docker-py) starts a
/// container of the test registry's web image with port 80 exposed, reads
/// the mapped port and fetches a page through it, then stops it (which
/// removes it). Ryuk, its reaper, is disabled: its image is on Docker Hub,
/// which the tests cannot reach. `TC_HOST` and the `docker_host` connection
/// mode name the host: a machine with a `/.dockerenv` (this VM has one)
/// makes testcontainers guess it runs inside a container and reach the
/// host through its default gateway.
const TESTCONTAINERS_SCRIPT: &str = r#"
import socket, sys, time
from testcontainers.core.container import DockerContainer
image = sys.argv[1]
with DockerContainer(image).with_exposed_ports(80) as ctr:
    assert ctr.get_container_host_ip() == "127.0.0.1"
    port = int(ctr.get_exposed_port(80))
    assert port > 0, port
    body = b""
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
            body = reply.split(b"\r\n\r\n", 1)[-1]
            if body:
                break
        except OSError:
            pass
        time.sleep(0.1)
    assert body == b"hello from rcon\n", body
    print(ctr.get_wrapped_container().id)
"#;

#[test]
fn testcontainers_maps_a_port_and_connects() {
    let py = crate::common::venv(&["docker==7.1.0", "testcontainers==4.15.0"]);
    let (_reg, image, rcon, svc) = served();
    let out = Command::new(py.join("bin/python"))
        .arg("-c")
        .arg(TESTCONTAINERS_SCRIPT)
        .arg(&image)
        .env("DOCKER_HOST", svc.host())
        .env("TESTCONTAINERS_RYUK_DISABLED", "true")
        .env("TC_HOST", "127.0.0.1")
        .env("TESTCONTAINERS_CONNECTION_MODE", "docker_host")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "testcontainers failed:\n{}\n{}", stdout(&out), stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert_eq!(id.len(), 64, "the container's ID: {id:?}");
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "", "testcontainers' stop removes its container");
}

#[test]
fn docker_compose_up_ps_logs_down() {
    const COMPOSE: &str = "/usr/bin/docker-compose";
    assert!(
        Path::new(COMPOSE).exists(),
        "docker-compose not installed ({COMPOSE} is missing): apt-get install docker-compose"
    );
    let (_reg, image, rcon, svc) = served();
    let project = rcon.dir().join("proj");
    std::fs::create_dir(&project).unwrap();
    let port = free_port();
    // `web` publishes a port and reaches `redis` by name on the project network.
    std::fs::write(
        project.join("docker-compose.yml"),
        format!(
            "version: \"3.7\"\nservices:\n  web:\n    image: {image}\n    ports: [\"{port}:80\"]\n    volumes: [\"data:/data\"]\n    \
             depends_on: [redis]\n  redis:\n    image: {image}\n    \
             command: sh -c 'mkdir -p /r && echo pong > /r/index.html && echo redis ready && exec httpd -f -p 6379 -h /r'\n\
             volumes:\n  data: {{}}\n"
        ),
    )
    .unwrap();
    let compose = |args: &[&str]| -> Output {
        Command::new(COMPOSE)
            .args(args)
            .current_dir(&project)
            .env("DOCKER_HOST", svc.host())
            .env("DOCKER_CONFIG", rcon.dir().join("docker-config"))
            .env("COMPOSE_INTERACTIVE_NO_CLI", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run docker-compose")
    };
    let ok = |args: &[&str]| -> String {
        let out = compose(args);
        assert!(out.status.success(), "docker-compose {args:?}: {}\n{}", stdout(&out), stderr(&out));
        stdout(&out)
    };
    ok(&["up", "-d"]);
    let ps = ok(&["ps"]);
    assert_eq!(ps.lines().filter(|l| l.contains("proj_web_1")).count(), 1, "{ps}");
    assert!(ps.contains("proj_redis_1") && ps.contains(&format!("0.0.0.0:{port}->80/tcp")), "{ps}");
    eventually("web serves on the published port", || http_get(port).as_deref() == Some("hello from rcon\n"));
    let out = ok(&["exec", "-T", "web", "wget", "-q", "-O", "-", "http://redis:6379/"]);
    assert_eq!(out, "pong\n", "web reaches redis by name");
    eventually("compose logs shows redis", || {
        stdout(&compose(&["logs", "--no-color", "redis"])).contains("redis ready")
    });
    ok(&["down", "-v"]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "", "down removes the containers");
    assert!(!rcon.ok(&["network", "ls"]).contains("proj_default"), "down removes the network");
    assert!(!rcon.ok(&["volume", "ls", "-q"]).contains("proj_data"), "down -v removes the volume");
}
