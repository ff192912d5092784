//! `rcon compose` end to end: the model (`config` against the output of
//! docker compose v2 recorded in tests/data/compose), and stacks on the
//! real engine (root, a real registry, images built from busybox-static).
//!
//! No Python or Redis image exists offline, so the Flask + Redis
//! application is modelled with busybox: `redis` keeps a counter and
//! answers it over TCP (`nc -ll -e`), `web` is BUILT from a Dockerfile and
//! serves a CGI script (busybox `httpd`) that asks `redis` by name.

use crate::common::{ImageBuilder, Rcon, Registry, code, eventually, stderr, stdout};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Writes `files` (relative path, content, mode) under `dir`.
fn write_tree(dir: &Path, files: &[(&str, &str, u32)]) {
    use std::os::unix::fs::PermissionsExt;
    for (p, data, mode) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, data).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
}

/// `rcon compose ARGS…` run in `dir` with `env`.
fn compose(rcon: &Rcon, dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut full = vec!["compose"];
    full.extend_from_slice(args);
    let mut c: Command = rcon.command(&full);
    c.current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run rcon compose");
    crate::common::assert_no_panic(&out, &format!("rcon compose {args:?}"));
    out
}

#[track_caller]
fn compose_ok(rcon: &Rcon, dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = compose(rcon, dir, env, args);
    assert!(
        out.status.success(),
        "rcon compose {args:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Takes the project down (`down -v -t 0`) when the test ends, also on failure.
struct Down<'a> {
    rcon: &'a Rcon,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let _ = compose(self.rcon, &self.dir, &env, &["down", "-v", "-t", "0", "--remove-orphans"]);
    }
}

/// GET `path` from 127.0.0.1:`port` over HTTP/1.0; the body, or None.
fn http_get(port: u16, path: &str) -> Option<String> {
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().ok()?;
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes()).ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    // CGI headers may end with a bare "\n\n".
    let body = buf.split_once("\r\n\r\n").or_else(|| buf.split_once("\n\n")).map(|(_, b)| b.to_string());
    if body.is_none() && !buf.is_empty() {
        eprintln!("unexpected HTTP reply: {buf:?}");
    }
    body
}

fn ids(rcon: &Rcon) -> Vec<String> {
    rcon.ok(&["ps", "-aq", "--no-trunc"]).split_whitespace().map(String::from).collect()
}

fn container_ip(rcon: &Rcon, id: &str) -> String {
    let p = rcon.root.join("containers").join(id).join("network.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["attachments"][0]["ip"].as_str().expect("an address").to_string()
}

/// `config.expected.yaml` is what docker compose v2 prints for these files:
/// checked on 2026-12-06 against docker compose 2.26.1 (Debian trixie's
/// `docker-compose` package, its `cli-plugins/docker-compose` binary run as
/// `docker-compose config` in a copy of tests/data/compose/config with
/// `${DIR}` replaced by that copy's path): byte for byte the same.
#[test]
fn config_matches_docker_compose_normalized_output() {
    // Interpolation from .env, discovery of compose.yaml + compose.override.yaml,
    // the merge of the two, extends from another file, short and long syntaxes.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose");
    let dir = tempfile::tempdir().unwrap();
    for f in [".env", "compose.yaml", "compose.override.yaml", "base.yaml"] {
        std::fs::copy(data.join("config").join(f), dir.path().join(f)).unwrap();
    }
    let rcon = Rcon::new();
    let mut c = rcon.command(&["compose", "config"]);
    c.current_dir(dir.path()).env_remove("MODE").env_remove("DEBUG").env_remove("TAG").env_remove("COMPOSE_FILE");
    c.env_remove("COMPOSE_PROJECT_NAME").env_remove("COMPOSE_PROFILES").env_remove("WEB_PORT");
    let out = c.output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let expected = std::fs::read_to_string(data.join("config.expected.yaml"))
        .unwrap()
        .replace("${DIR}", dir.path().to_str().unwrap());
    assert_eq!(stdout(&out), expected);

    // JSON: the same model.
    let mut c = rcon.command(&["compose", "config", "--format", "json"]);
    c.current_dir(dir.path()).env_remove("MODE").env_remove("DEBUG").env_remove("TAG");
    let json: serde_json::Value = serde_json::from_slice(&c.output().unwrap().stdout).unwrap();
    let yaml: serde_json::Value = serde_yaml_ng::from_str(&expected).unwrap();
    assert_eq!(json, yaml);

    // --services, --volumes, -q; and the process environment wins over .env.
    let mut c = rcon.command(&["compose", "config", "--services"]);
    c.current_dir(dir.path());
    assert_eq!(stdout(&c.output().unwrap()), "redis\nweb\n");
    let mut c = rcon.command(&["compose", "config", "--volumes"]);
    c.current_dir(dir.path());
    assert_eq!(stdout(&c.output().unwrap()), "cache\n");
    let mut c = rcon.command(&["compose", "config", "-q"]);
    c.current_dir(dir.path()).env("TAG", "2.0");
    let out = c.output().unwrap();
    assert_eq!((code(&out), stdout(&out)), (0, String::new()));
    let mut c = rcon.command(&["compose", "config"]);
    c.current_dir(dir.path()).env("TAG", "2.0");
    let text = stdout(&c.output().unwrap());
    assert!(text.contains("image: busybox:2.0\n") && text.contains("VERSION: \"2.0\"\n"), "{text}");
}

#[test]
fn invalid_files_fail_with_file_line_and_key_and_create_nothing() {
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("services:\n  web:\n    image: busybox\n    prots: [\"80\"]\n", ":4: services.web.prots", "unknown key"),
        (
            "services:\n  web:\n    image: busybox\n    privileged: sometimes\n",
            ":4: services.web.privileged",
            "must be a boolean",
        ),
        (
            "services:\n  web:\n    image: \"${NEEDED:?give NEEDED}\"\n",
            ":3: services.web.image",
            "required variable NEEDED is missing a value: give NEEDED",
        ),
        (
            "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n",
            ":4: services.a.depends_on",
            "dependency cycle: a -> b -> a",
        ),
        (
            "services:\n  web:\n    image: busybox\n    runtime: runsc\n",
            ":4: services.web.runtime",
            "not supported by rcon",
        ),
        ("services:\n  web:\n    image: busybox\n    ports: [\"80:x\"]\n", ":4: services.web.ports[0]", "invalid port"),
    ];
    for (text, at, what) in cases {
        std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
        let out = compose(&rcon, dir.path(), &[], &["up", "-d"]);
        let err = stderr(&out);
        assert_eq!(code(&out), 125, "{text}\n{err}");
        assert!(err.contains(&format!("compose.yaml{at}")), "{text}\nwanted {at:?} in:\n{err}");
        assert!(err.contains(what), "{text}\nwanted {what:?} in:\n{err}");
        assert!(ids(&rcon).is_empty(), "a container was created for an invalid file");
        assert!(!rcon.ok(&["network", "ls"]).contains("_default"), "a network was created for an invalid file");
    }
    // A key that changes nothing on one host is a warning, and the file is valid.
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: busybox\n    deploy:\n      placement:\n        constraints: [node.role==manager]\n",
    )
    .unwrap();
    let out = compose(&rcon, dir.path(), &[], &["config", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("deploy.placement"), "{}", stderr(&out));
}

/// The busybox image of the tests, pushed to `reg`.
fn busybox(reg: &Registry) -> String {
    ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(reg, "busybox:latest").0
}

const COUNTER: &str = "#!/bin/sh\nn=$(cat /tmp/n 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > /tmp/n\necho $n\n";
const CGI: &str = "#!/bin/sh\necho \"Content-Type: text/plain\"\necho \"\"\necho \"Hello World! I have been seen $(nc redis 6379 </dev/null) times.\"\n";

#[test]
fn web_and_redis_app_counts_across_requests_and_down_leaves_nothing() {
    let reg = Registry::start();
    let image = busybox(&reg);
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let port = crate::common::free_port();
    let compose_file = format!(
        "services:\n  web:\n    build:\n      context: .\n      args:\n        BASE: ${{IMAGE}}\n    ports:\n      - \"{port}:80\"\n    depends_on: [redis]\n  redis:\n    image: ${{IMAGE}}\n    command: [\"nc\", \"-ll\", \"-p\", \"6379\", \"-e\", \"/counter.sh\"]\n    configs:\n      - source: counter\n        target: /counter.sh\nconfigs:\n  counter:\n    file: ./counter.sh\n"
    );
    write_tree(
        dir.path(),
        &[
            ("compose.yaml", &compose_file, 0o644),
            (
                "Dockerfile",
                "ARG BASE\nFROM $BASE\nCOPY index.cgi /www/cgi-bin/index.cgi\nCMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/www\"]\n",
                0o644,
            ),
            ("index.cgi", CGI, 0o755),
            ("counter.sh", COUNTER, 0o755),
        ],
    );
    let env = [("IMAGE", image.as_str()), ("COMPOSE_PROJECT_NAME", "")];
    let _down = Down { rcon: &rcon, dir: dir.path().into(), env: vec![("IMAGE".into(), image.clone())] };
    // docker compose's project name: the directory's, lower case, [a-z0-9_-] only.
    let project: String = dir
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let out = compose(&rcon, dir.path(), &env, &["up", "-d"]);
    assert_eq!(code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("Network {project}_default  Created")), "{err}");
    assert!(err.contains(&format!("Container {project}-redis-1  Started")), "{err}");
    assert!(err.contains(&format!("Container {project}-web-1  Started")), "{err}");
    // redis started before web (depends_on).
    assert!(err.find("redis-1  Started").unwrap() < err.find("web-1  Started").unwrap(), "{err}");

    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = http_get(port, "/cgi-bin/index.cgi");
        if body.as_deref().is_some_and(|b| b.starts_with("Hello World! I have been seen 1")) {
            break;
        }
        if std::time::Instant::now() > deadline {
            let logs = compose(&rcon, dir.path(), &env, &["logs"]);
            panic!("web does not answer through redis: {body:?}\nlogs:\n{}{}", stdout(&logs), stderr(&logs));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for _ in 0..3 {
        seen.push(http_get(port, "/cgi-bin/index.cgi").unwrap());
    }
    let counts: Vec<u32> = seen
        .iter()
        .map(|b| {
            b.trim()
                .strip_prefix("Hello World! I have been seen ")
                .unwrap()
                .strip_suffix(" times.")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(counts[0] >= 1 && counts[1] == counts[0] + 1 && counts[2] == counts[1] + 1, "{seen:?}");

    // Names and labels as docker compose.
    let ps = compose_ok(&rcon, dir.path(), &env, &["ps"]);
    assert!(ps.contains(&format!("{project}-web-1")) && ps.contains(&format!("{project}-redis-1")), "{ps}");
    assert!(ps.contains(&format!("0.0.0.0:{port}->80/tcp")), "{ps}");
    let labels = rcon.ok(&["inspect", "--format", "{{json .Config.Labels}}", &format!("{project}-web-1")]);
    let labels: serde_json::Value = serde_json::from_str(&labels).unwrap();
    assert_eq!(labels["com.docker.compose.project"], project.as_str());
    assert_eq!(labels["com.docker.compose.service"], "web");
    assert_eq!(labels["com.docker.compose.container-number"], "1");
    assert_eq!(labels["com.docker.compose.oneoff"], "False");
    assert_eq!(labels["com.docker.compose.project.working_dir"], dir.path().to_str().unwrap());
    assert!(labels["com.docker.compose.config-hash"].as_str().unwrap().len() == 64, "{labels}");
    // `ps` with -p works from any directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let ps2 = compose_ok(&rcon, elsewhere.path(), &[], &["-p", &project, "ps", "--services"]);
    assert_eq!(ps2, "redis\nweb\n");
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["port", "web", "80"]), format!("0.0.0.0:{port}\n"));
    let ls = compose_ok(&rcon, elsewhere.path(), &[], &["ls"]);
    assert!(ls.contains(&project) && ls.contains("running(2)"), "{ls}");

    // up again with nothing changed recreates nothing.
    let before = ids(&rcon);
    let out = compose(&rcon, dir.path(), &env, &["up", "-d"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("Recreate") && !stderr(&out).contains("Created"), "{}", stderr(&out));
    let mut after = ids(&rcon);
    let mut b = before.clone();
    b.sort();
    after.sort();
    assert_eq!(b, after, "up with nothing changed recreated containers");

    // down: no container, network, volume, address or NAT entry left.
    let ips: Vec<String> = before.iter().map(|id| container_ip(&rcon, id)).collect();
    let out = compose(&rcon, dir.path(), &env, &["down"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(ids(&rcon).is_empty(), "containers left after down");
    assert!(!rcon.ok(&["network", "ls"]).contains(&format!("{project}_default")), "network left after down");
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "", "volumes left after down");
    let nft =
        String::from_utf8_lossy(&Command::new("nft").args(["list", "table", "ip", "rcon"]).output().unwrap().stdout)
            .into_owned();
    for ip in &ips {
        assert!(!nft.contains(&format!("{ip} ")), "NAT entry to {ip} left:\n{nft}");
    }
    assert!(!nft.contains(&format!("{port} ")), "rule for port {port} left:\n{nft}");
    assert!(http_get(port, "/").is_none(), "the port still answers after down");
}

#[test]
fn three_services_healthy_dependency_volume_env_file_profile_and_scale() {
    let reg = Registry::start();
    let image = busybox(&reg);
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let file = "name: stack\nservices:\n  db:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"sleep 1; date > /data/ready; exec sleep 1000\"]\n    volumes: [\"dbdata:/data\"]\n    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/data/ready\"]\n      interval: 200ms\n      retries: 100\n    stop_grace_period: 1s\n  app:\n    image: ${IMAGE}\n    depends_on:\n      db:\n        condition: service_healthy\n    env_file: app.env\n    environment:\n      ROLE: app\n    volumes: [\"dbdata:/data:ro\"]\n    command: [\"sh\", \"-c\", \"echo app sees $$(ls /data) as $$ROLE; exec sleep 1000\"]\n    stop_signal: SIGKILL\n  worker:\n    image: ${IMAGE}\n    depends_on: [app]\n    command: [\"sleep\", \"1000\"]\n    stop_signal: SIGKILL\n  debug:\n    image: ${IMAGE}\n    profiles: [debug]\n    command: [\"sleep\", \"1000\"]\n    stop_signal: SIGKILL\nvolumes:\n  dbdata: {}\n";
    write_tree(dir.path(), &[("compose.yaml", file, 0o644), ("app.env", "GREETING=hello from env_file\n", 0o644)]);
    let env = [("IMAGE", image.as_str())];
    let _down = Down { rcon: &rcon, dir: dir.path().into(), env: vec![("IMAGE".into(), image.clone())] };
    let out = compose(&rcon, dir.path(), &env, &["up", "-d", "--scale", "worker=3"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Container stack-db-1  Healthy"), "{err}");
    assert!(err.find("stack-db-1  Healthy").unwrap() < err.find("stack-app-1  Started").unwrap(), "{err}");
    let ps = compose_ok(&rcon, dir.path(), &env, &["ps", "--format", "json"]);
    let mut names: Vec<String> = ps
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["Name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["stack-app-1", "stack-db-1", "stack-worker-1", "stack-worker-2", "stack-worker-3"]);
    // app started after db was healthy: it saw the file db writes after 1 s.
    eventually("app's log line", || {
        compose_ok(&rcon, dir.path(), &env, &["logs", "app"]).contains("app sees ready as app")
    });
    let logs = compose_ok(&rcon, dir.path(), &env, &["logs", "--no-color", "app"]);
    assert!(logs.starts_with("app-1  | app sees ready as app"), "{logs:?}");
    assert_eq!(
        compose_ok(&rcon, dir.path(), &env, &["exec", "-T", "app", "sh", "-c", "echo $GREETING"]),
        "hello from env_file\n"
    );
    // The profile is off by default and on with --profile.
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["config", "--services"]), "app\ndb\nworker\n");
    assert_eq!(
        compose_ok(&rcon, dir.path(), &env, &["--profile", "debug", "config", "--services"]),
        "app\ndb\ndebug\nworker\n"
    );
    // Scaling down removes the highest numbers; the rest is not recreated.
    let app_id = rcon.ok(&["inspect", "--format", "{{.Id}}", "stack-app-1"]);
    compose_ok(&rcon, dir.path(), &env, &["up", "-d", "--scale", "worker=1"]);
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["ps", "-q", "worker"]).lines().count(), 1);
    assert_eq!(rcon.ok(&["inspect", "--format", "{{.Id}}", "stack-app-1"]), app_id);
    // A changed service is recreated, only it.
    let db_id = rcon.ok(&["inspect", "--format", "{{.Id}}", "stack-db-1"]);
    std::fs::write(dir.path().join("compose.yaml"), file.replace("ROLE: app", "ROLE: app2")).unwrap();
    let out = compose(&rcon, dir.path(), &env, &["up", "-d", "--scale", "worker=1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("Container stack-app-1  Recreated"), "{}", stderr(&out));
    assert_ne!(rcon.ok(&["inspect", "--format", "{{.Id}}", "stack-app-1"]), app_id);
    assert_eq!(rcon.ok(&["inspect", "--format", "{{.Id}}", "stack-db-1"]), db_id);

    // The named volume survives down and is removed by down -v.
    compose_ok(&rcon, dir.path(), &env, &["down", "-t", "0"]);
    assert!(ids(&rcon).is_empty());
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "stack_dbdata\n");
    // --wait: returns once every container runs and db is healthy.
    let out = compose(&rcon, dir.path(), &env, &["up", "-d", "--wait"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("Container stack-db-1  Healthy"), "{}", stderr(&out));
    assert!(compose_ok(&rcon, dir.path(), &env, &["exec", "-T", "db", "cat", "/data/ready"]).len() > 5);
    compose_ok(&rcon, dir.path(), &env, &["down", "-v", "-t", "0"]);
    assert!(ids(&rcon).is_empty());
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "");
}

#[test]
fn up_attached_streams_prefixed_logs_and_exit_code_from() {
    let reg = Registry::start();
    let image = busybox(&reg);
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let file = "name: att\nservices:\n  job:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"sleep 3; echo job done; exit 3\"]\n  init:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"sleep 0.3; echo init done\"]\n  side:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"echo side up; exec sleep 1000\"]\n    depends_on:\n      init:\n        condition: service_completed_successfully\n";
    write_tree(dir.path(), &[("compose.yaml", file, 0o644)]);
    let env = [("IMAGE", image.as_str())];
    let _down = Down { rcon: &rcon, dir: dir.path().into(), env: vec![("IMAGE".into(), image.clone())] };
    let out = compose(&rcon, dir.path(), &env, &["up", "--exit-code-from", "job", "-t", "0"]);
    assert_eq!(code(&out), 3, "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("job-1   | job done\n"), "{text:?}");
    assert!(text.contains("side-1  | side up\n"), "{text:?}");
    assert!(text.contains("init-1  | init done\n"), "{text:?}");
    // side started only once init had completed successfully.
    let err = stderr(&out);
    assert!(err.find("att-init-1  Exited").unwrap() < err.find("att-side-1  Started").unwrap(), "{err}");
    // The other service was stopped.
    let ps = compose_ok(&rcon, dir.path(), &env, &["ps", "-a", "--format", "json"]);
    for l in ps.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["State"], "exited", "{l}");
    }
    // run: a one-off container of a service, removed with --rm.
    let out = compose(&rcon, dir.path(), &env, &["run", "--rm", "--no-deps", "side", "sh", "-c", "echo one-off $FOO"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "one-off\n");
    let out =
        compose(&rcon, dir.path(), &env, &["run", "--rm", "-e", "FOO=bar", "side", "sh", "-c", "echo $FOO; exit 7"]);
    assert_eq!((code(&out), stdout(&out)), (7, "bar\n".to_string()), "{}", stderr(&out));
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["ps", "-a", "-q"]).lines().count(), 3);
}

#[test]
fn ctrl_c_on_attached_up_stops_the_stack() {
    let reg = Registry::start();
    let image = busybox(&reg);
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let file = "name: ctrlc\nservices:\n  a:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"echo a ready; exec sleep 1000\"]\n  b:\n    image: ${IMAGE}\n    command: [\"sh\", \"-c\", \"trap 'echo b got TERM; exit 0' TERM; echo b ready; while true; do sleep 0.1; done\"]\n";
    write_tree(dir.path(), &[("compose.yaml", file, 0o644)]);
    let _down = Down { rcon: &rcon, dir: dir.path().into(), env: vec![("IMAGE".into(), image.clone())] };
    let mut c = rcon.command(&["compose", "up", "-t", "1"]);
    c.current_dir(dir.path())
        .env("IMAGE", &image)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().unwrap();
    let pid = child.id() as i32;
    eventually("both containers run", || {
        let out = compose(&rcon, dir.path(), &[("IMAGE", &image)], &["ps", "-q"]);
        stdout(&out).lines().count() == 2
    });
    eventually("b's first line is logged", || {
        stdout(&compose(&rcon, dir.path(), &[("IMAGE", &image)], &["logs", "b"])).contains("b ready")
    });
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 130, "{}\n{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("Gracefully stopping..."), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("a-1  | a ready\n") && text.contains("b-1  | b ready\n"), "{text:?}");
    // Stopped, not removed; b got its SIGTERM.
    let ps = compose_ok(&rcon, dir.path(), &[("IMAGE", &image)], &["ps", "-a", "--format", "json"]);
    assert_eq!(ps.lines().count(), 2, "{ps}");
    for l in ps.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["State"], "exited", "{l}");
    }
    let logs = compose_ok(&rcon, dir.path(), &[("IMAGE", &image)], &["logs", "--no-log-prefix", "b"]);
    assert!(logs.contains("b got TERM"), "{logs}");
}

#[test]
fn several_networks_with_aliases_and_a_fixed_address() {
    let reg = Registry::start();
    let image = busybox(&reg);
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let file = "name: nets\nservices:\n  a:\n    image: ${IMAGE}\n    command: [\"sleep\", \"1000\"]\n    stop_signal: SIGKILL\n    networks:\n      front:\n        aliases: [alpha]\n        ipv4_address: 10.123.5.10\n      back: {}\n  b:\n    image: ${IMAGE}\n    command: [\"sleep\", \"1000\"]\n    stop_signal: SIGKILL\n    networks: [back]\n  c:\n    image: ${IMAGE}\n    command: [\"sleep\", \"1000\"]\n    stop_signal: SIGKILL\n    networks: [front]\nnetworks:\n  front:\n    ipam:\n      config:\n        - subnet: 10.123.5.0/24\n  back: {}\n";
    write_tree(dir.path(), &[("compose.yaml", file, 0o644)]);
    let env = [("IMAGE", image.as_str())];
    let _down = Down { rcon: &rcon, dir: dir.path().into(), env: vec![("IMAGE".into(), image.clone())] };
    compose_ok(&rcon, dir.path(), &env, &["up", "-d"]);
    let nets = rcon.ok(&["network", "ls"]);
    assert!(nets.contains("nets_front") && nets.contains("nets_back") && !nets.contains("nets_default"), "{nets}");
    let addrs = compose_ok(&rcon, dir.path(), &env, &["exec", "-T", "a", "ip", "-4", "-o", "addr"]);
    assert!(addrs.contains("10.123.5.10/24"), "{addrs}");
    assert_eq!(addrs.lines().filter(|l| l.contains("inet ") && !l.contains("127.0.0.1")).count(), 2, "{addrs}");
    // b reaches a by service name over `back`; c reaches it by its alias over `front`.
    compose_ok(&rcon, dir.path(), &env, &["exec", "-T", "b", "ping", "-c", "1", "-W", "2", "a"]);
    let out = compose_ok(&rcon, dir.path(), &env, &["exec", "-T", "c", "ping", "-c", "1", "-W", "2", "alpha"]);
    assert!(out.contains("10.123.5.10"), "{out}");
    compose_ok(&rcon, dir.path(), &env, &["down", "-t", "0"]);
    let nets = rcon.ok(&["network", "ls"]);
    assert!(!nets.contains("nets_"), "{nets}");
}

#[test]
fn build_push_and_pull_service_images() {
    let reg = Registry::start();
    let image = busybox(&reg);
    let host = image.split('/').next().unwrap().to_string();
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let file = format!(
        "name: pp\nservices:\n  app:\n    build:\n      context: ./app\n      args: {{BASE: \"${{IMAGE}}\"}}\n      labels: {{org.example.built-by: compose}}\n    image: {host}/pp-app:1\n"
    );
    write_tree(
        dir.path(),
        &[("compose.yaml", &file, 0o644), ("app/Dockerfile", "ARG BASE\nFROM $BASE\nRUN echo built > /built\n", 0o644)],
    );
    let env = [("IMAGE", image.as_str())];
    let out = compose(&rcon, dir.path(), &env, &["build"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let tag = format!("{host}/pp-app:1");
    assert_eq!(
        rcon.ok(&["inspect", "--format", "{{index .Config.Labels \"org.example.built-by\"}}", &tag]),
        "compose\n"
    );
    let out = compose(&rcon, dir.path(), &env, &["push"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("Image {tag}  Pushed")), "{}", stderr(&out));
    // Gone locally, `compose pull` brings it back from the registry.
    rcon.ok(&["rmi", &tag]);
    let out = compose(&rcon, dir.path(), &env, &["pull"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = rcon.ok(&["run", "--rm", &tag, "cat", "/built"]);
    assert_eq!(out, "built\n");
}

#[test]
fn secrets_configs_from_environment_and_content_restart_dependents_port_top_pause() {
    let reg = Registry::start();
    let image = busybox(&reg);
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let file = "name: srcs\nservices:\n  a:\n    image: ${IMAGE}\n    command: [\"httpd\", \"-f\", \"-p\", \"8080\"]\n    stop_signal: SIGKILL\n    ports: [\"127.0.0.1::8080\"]\n    secrets: [token]\n    environment:\n      V: ${V:-1}\n    configs:\n      - source: greeting\n        target: /etc/greeting\n  b:\n    image: ${IMAGE}\n    command: [\"sleep\", \"1000\"]\n    stop_signal: SIGKILL\n    depends_on:\n      a:\n        condition: service_started\n        restart: true\n  c:\n    image: ${IMAGE}\n    command: [\"sleep\", \"1000\"]\n    stop_signal: SIGKILL\n    depends_on:\n      b:\n        condition: service_started\n        restart: true\nsecrets:\n  token:\n    environment: TOKEN\nconfigs:\n  greeting:\n    content: hello from content\n";
    write_tree(dir.path(), &[("compose.yaml", file, 0o644)]);
    let env = [("IMAGE", image.as_str()), ("TOKEN", "s3cret")];
    let _down = Down {
        rcon: &rcon,
        dir: dir.path().into(),
        env: vec![("IMAGE".into(), image.clone()), ("TOKEN".into(), "s3cret".into())],
    };
    // Without the variable, nothing starts and the error names it.
    let out = compose(&rcon, dir.path(), &[("IMAGE", image.as_str())], &["up", "-d"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("environment variable TOKEN is not set"), "{}", stderr(&out));
    compose_ok(&rcon, dir.path(), &env, &["up", "-d"]);
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["exec", "-T", "a", "cat", "/run/secrets/token"]), "s3cret");
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["exec", "-T", "a", "cat", "/etc/greeting"]), "hello from content");
    // port: the engine's listing, docker's form.
    let port = compose_ok(&rcon, dir.path(), &env, &["port", "a", "8080"]);
    assert!(port.starts_with("127.0.0.1:"), "{port:?}");
    let out = compose(&rcon, dir.path(), &env, &["port", "a", "9999"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("No public port '9999/tcp' published for srcs-a-1"), "{}", stderr(&out));
    // top: each running container's name, then ps's table.
    let top = compose_ok(&rcon, dir.path(), &env, &["top", "b"]);
    let lines: Vec<&str> = top.lines().collect();
    assert_eq!(lines[0], "srcs-b-1", "{top}");
    assert!(lines[1].contains("PID") && top.contains("sleep 1000"), "{top}");
    // pause / unpause through the engine.
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["pause", "b"]), "srcs-b-1\n");
    assert_eq!(rcon.ok(&["inspect", "--format", "{{.State.Paused}}", "srcs-b-1"]), "true\n");
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["unpause", "b"]), "srcs-b-1\n");
    assert_eq!(rcon.ok(&["inspect", "--format", "{{.State.Paused}}", "srcs-b-1"]), "false\n");
    // depends_on restart: true: restarting a restarts b, and through b c.
    let out = compose(&rcon, dir.path(), &env, &["restart", "a"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("Container srcs-b-1  Stopping"), "{}", stderr(&out));
    assert!(stderr(&out).contains("Container srcs-b-1  Started"), "{}", stderr(&out));
    assert!(stderr(&out).contains("Container srcs-c-1  Started"), "transitively: {}", stderr(&out));
    assert_eq!(compose_ok(&rcon, dir.path(), &env, &["ps", "-q"]).lines().count(), 3);
    // ... and `up` recreating a (its environment changed) restarts b, the
    // same container, and through b c; an `up` that changes nothing leaves
    // b alone.
    let b = |rcon: &Rcon| rcon.ok(&["inspect", "--format", "{{.Id}} {{.State.StartedAt}}", "srcs-b-1"]);
    let before = b(&rcon);
    let env2 = [("IMAGE", image.as_str()), ("TOKEN", "s3cret"), ("V", "2")];
    let out = compose(&rcon, dir.path(), &env2, &["up", "-d"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("Container srcs-a-1  Recreated"), "{}", stderr(&out));
    assert!(stderr(&out).contains("Container srcs-b-1  Restarted"), "{}", stderr(&out));
    assert!(stderr(&out).contains("Container srcs-c-1  Restarted"), "transitively: {}", stderr(&out));
    let after = b(&rcon);
    assert_eq!(before.split(' ').next(), after.split(' ').next(), "b was recreated, not restarted");
    assert_ne!(before, after, "b was not restarted");
    assert_eq!(compose_ok(&rcon, dir.path(), &env2, &["exec", "-T", "a", "sh", "-c", "echo $V"]), "2\n");
    let out = compose(&rcon, dir.path(), &env2, &["up", "-d"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("Container srcs-b-1  Running"), "{}", stderr(&out));
    assert_eq!(b(&rcon), after);
    // down removes the files written for the secret and the config.
    assert!(rcon.root.join("compose/srcs/secrets/token").exists());
    compose_ok(&rcon, dir.path(), &env, &["down", "-t", "0"]);
    assert!(!rcon.root.join("compose/srcs").exists());
    assert!(ids(&rcon).is_empty());
}
