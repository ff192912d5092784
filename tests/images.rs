//! Images in and out of rcon: registry logins (Debian's `docker-registry`
//! with htpasswd Basic auth; a token server in front of a real registry for
//! the Bearer flow), push (skip, mount, compress once, interop with skopeo
//! and podman), tag, history, inspect, save/load, import/export.

use crate::common::{
    ImageBuilder, Rcon, Registry, TarEntry, busybox_entries, code, free_port, http_reply, stderr, stdout,
};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const USER: &str = "alice";
pub(crate) const PASSWORD: &str = "s3cret-pa55";

#[track_caller]
fn fail(rcon: &Rcon, args: &[&str]) -> String {
    let out = rcon.cmd(args);
    assert_eq!(code(&out), 1, "rcon {args:?} should fail with 1 as docker's CLI; stderr:\n{}", stderr(&out));
    stderr(&out)
}

fn require(program: &str, package: &str) {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).any(|d| d.join(program).is_file());
    assert!(found, "{package} not installed ({program} not on PATH): apt-get install {package}");
}

/// Debian's docker-registry with htpasswd (bcrypt, from apache2-utils)
/// Basic authentication for [`USER`]/[`PASSWORD`]; killed on drop.
pub(crate) struct AuthRegistry {
    pub(crate) addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl AuthRegistry {
    pub(crate) fn start() -> AuthRegistry {
        require("htpasswd", "apache2-utils");
        let dir = tempfile::Builder::new().prefix("rcon-authreg-").tempdir().unwrap();
        let htpasswd = dir.path().join("htpasswd");
        let out = Command::new("htpasswd").args(["-Bbn", USER, PASSWORD]).output().unwrap();
        assert!(out.status.success(), "htpasswd: {}", String::from_utf8_lossy(&out.stderr));
        std::fs::write(&htpasswd, &out.stdout).unwrap();
        for _ in 0..5 {
            let addr = format!("127.0.0.1:{}", free_port());
            let config = dir.path().join("config.yml");
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
                     http:\n  addr: {addr}\nauth:\n  htpasswd:\n    realm: rcon-test\n    path: {}\n",
                    dir.path().join("storage").display(),
                    htpasswd.display()
                ),
            )
            .unwrap();
            let log = std::fs::File::create(dir.path().join("log")).unwrap();
            let mut child = Command::new(crate::common::DOCKER_REGISTRY)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if TcpStream::connect(&addr).is_ok() {
                    return AuthRegistry { addr, child, _dir: dir };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("docker-registry with htpasswd auth did not start");
    }
}

impl Drop for AuthRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An rcon command with a private auth file and HOME (so no real login is read).
fn authed(rcon: &Rcon, args: &[&str]) -> Command {
    let mut c = rcon.command(args);
    c.env("REGISTRY_AUTH_FILE", rcon.dir().join("auth.json"))
        .env("HOME", rcon.dir())
        .env_remove("DOCKER_CONFIG")
        .env_remove("XDG_RUNTIME_DIR");
    c
}

#[track_caller]
fn run_ok(mut c: Command) -> (String, String) {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{c:?} failed ({}):\n{}", out.status, stderr(&out));
    (stdout(&out), stderr(&out))
}

#[track_caller]
fn run_fail(c: Command) -> String {
    run_fail_with(c, 1)
}

/// A failed pull: exit 1, as every failed `docker pull`.
#[track_caller]
fn pull_fail(c: Command) -> String {
    run_fail_with(c, 1)
}

#[track_caller]
fn run_fail_with(mut c: Command, want: i32) -> String {
    let out = c.output().unwrap();
    assert_eq!(code(&out), want, "{c:?} should fail with {want}:\n{}", stderr(&out));
    stderr(&out)
}

/// Pulls a busybox image from a plain registry into `rcon`; returns its reference.
fn local_busybox(reg: &Registry, rcon: &Rcon, name: &str) -> String {
    let (reference, _) =
        ImageBuilder::new().busybox_layer().layer(&[TarEntry::file("hello", "hi")]).cmd(&["sh"]).push(reg, name);
    rcon.ok(&["pull", "-q", &reference]);
    reference
}

/// Basic auth: login (wrong and right password), stored credentials used
/// by pull and push, `--creds`, logout; docker's config file and a
/// credential helper; passwords never printed.
#[test]
fn login_and_basic_auth() {
    let plain = Registry::start();
    let auth = AuthRegistry::start();
    let rcon = Rcon::new();
    let source = local_busybox(&plain, &rcon, "bb:1");
    let dest = format!("{}/team/bb:1", auth.addr);

    // Nothing stored: a clear error.
    let err = run_fail(authed(&rcon, &["push", &source, &dest]));
    assert!(err.contains(&format!("unauthorized: registry {} requires a login", auth.addr)), "{err}");

    // A wrong password.
    let mut c = authed(&rcon, &["login", "-u", USER, "--password-stdin", &auth.addr]);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"wrong-password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains(&format!("unauthorized: login to registry {} failed", auth.addr)), "{err}");
    assert!(!err.contains("wrong-password") && !stdout(&out).contains("wrong-password"), "{err}");
    assert!(!rcon.dir().join("auth.json").exists());

    // --creds, wrong then right.
    let err = run_fail(authed(&rcon, &["push", "--creds", "alice:nope", "--retry", "0", &source, &dest]));
    assert!(err.contains("unauthorized") && err.contains(&auth.addr) && !err.contains("nope"), "{err}");
    run_ok(authed(&rcon, &["push", "--creds", &format!("{USER}:{PASSWORD}"), &source, &dest]));

    // login, then pull with the stored credentials in a fresh store.
    let mut c = authed(&rcon, &["login", "-u", USER, "--password-stdin", &auth.addr]);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "Login Succeeded\n");
    assert!(!stderr(&out).contains(PASSWORD));
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rcon.dir().join("auth.json")).unwrap()).unwrap();
    assert!(file["auths"][&auth.addr]["auth"].is_string(), "{file}");
    let (user, _) = run_ok(authed(&rcon, &["login", "--get-login", &auth.addr]));
    assert_eq!(user, format!("{USER}\n"));
    let fresh = Rcon::new();
    let mut c = fresh.command(&["pull", &dest]);
    c.env("REGISTRY_AUTH_FILE", rcon.dir().join("auth.json")).env("HOME", fresh.dir());
    run_ok(c);
    assert_eq!(fresh.ok(&["run", "--rm", &dest, "cat", "/hello"]), "hi");

    // logout: gone.
    let (out, _) = run_ok(authed(&rcon, &["logout", &auth.addr]));
    assert_eq!(out, format!("Removing login credentials for {}\n", auth.addr));
    let (out, _) = run_ok(authed(&rcon, &["logout", &auth.addr]));
    assert_eq!(out, format!("Removing login credentials for {}\n", auth.addr), "docker: not an error");
    let fresh = Rcon::new();
    let err = pull_fail(authed(&fresh, &["pull", &dest]));
    assert!(err.contains("requires a login"), "{err}");

    // docker's config file (auths).
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let docker_dir = fresh.dir().join(".docker");
    std::fs::create_dir_all(&docker_dir).unwrap();
    std::fs::write(
        docker_dir.join("config.json"),
        serde_json::json!({"auths": {format!("http://{}", auth.addr): {"auth": b64}}}).to_string(),
    )
    .unwrap();
    run_ok(authed(&fresh, &["pull", "-q", &dest]));

    // A credential helper (docker-credential-rcontest on PATH).
    let fresh = Rcon::new();
    let bin = fresh.dir().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let helper = bin.join("docker-credential-rcontest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = {} ] || exit 1\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n",
            auth.addr
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dc = fresh.dir().join("dockercfg");
    std::fs::create_dir(&dc).unwrap();
    std::fs::write(dc.join("config.json"), serde_json::json!({"credHelpers": {&auth.addr: "rcontest"}}).to_string())
        .unwrap();
    let mut c = authed(&fresh, &["pull", "-q", &dest]);
    c.env("DOCKER_CONFIG", &dc).env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()));
    run_ok(c);
}

// ---------------------------------------------------------------------------
// A token server in front of a real registry (Bearer flow).

#[derive(Default)]
struct TokenLog {
    /// `GET scope…` or `POST grant_type…` per token request.
    requests: Vec<String>,
    /// Requests (method path) refused for lack of a token with the scope.
    refused: Vec<String>,
}

/// Forwards every request to the registry (method, body and `Host` kept, so
/// upload `Location`s point back here) when it carries a token whose scopes
/// allow it; `/token` issues tokens for [`USER`]/[`PASSWORD`] (GET with
/// Basic auth) or for a refresh token (POST, OAuth2).
struct TokenFront {
    addr: String,
    log: Arc<Mutex<TokenLog>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const REFRESH: &str = "refresh-token-xyz";

impl TokenFront {
    fn start(upstream: &str) -> TokenFront {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let log = Arc::new(Mutex::new(TokenLog::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let tokens: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
        let counter = Arc::new(AtomicUsize::new(0));
        let (log2, stop2, up, me) = (log.clone(), stop.clone(), upstream.to_string(), addr.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (log, up, me, tokens, counter) =
                    (log2.clone(), up.clone(), me.clone(), tokens.clone(), counter.clone());
                workers.push(std::thread::spawn(move || token_serve(conn, &up, &me, &log, &tokens, &counter)));
            }
            for w in workers {
                let _ = w.join();
            }
        });
        TokenFront { addr, log, stop, thread: Some(thread) }
    }
}

impl Drop for TokenFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn params(q: &str) -> Vec<(String, String)> {
    q.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (url_decode(k), url_decode(v))).collect()
}

fn token_serve(
    mut conn: TcpStream,
    upstream: &str,
    me: &str,
    log: &Mutex<TokenLog>,
    tokens: &Mutex<HashMap<String, Vec<String>>>,
    counter: &AtomicUsize,
) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = Vec::new();
    let mut buf = [0u8; 65536];
    let head_end = loop {
        if let Some(p) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
        if crate::common::is_tls_hello(&req) {
            return; // rcon tries HTTPS first on loopback: plain HTTP only here.
        }
    };
    let head = String::from_utf8_lossy(&req[..head_end]).into_owned();
    let header = |name: &str| {
        head.split("\r\n")
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
            .map(str::to_string)
    };
    let len: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = req[head_end..].to_vec();
    while body.len() < len {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    let first = head.split("\r\n").next().unwrap_or("");
    let mut parts = first.split(' ');
    let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("/").to_string());
    let (path, query) =
        target.split_once('?').map_or((target.clone(), String::new()), |(p, q)| (p.to_string(), q.to_string()));
    let json = "Content-Type: application/json".to_string();

    if path == "/token" {
        let issue = |scopes: Vec<String>, refresh: bool| {
            let t = format!("tok-{}", counter.fetch_add(1, Ordering::SeqCst));
            tokens.lock().unwrap().insert(t.clone(), scopes);
            let mut v = serde_json::json!({"token": t, "access_token": t, "expires_in": 300});
            if refresh {
                v["refresh_token"] = REFRESH.into();
            }
            v.to_string()
        };
        if method == "POST" {
            let p = params(&String::from_utf8_lossy(&body));
            let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
            log.lock().unwrap().requests.push(format!("POST grant_type={} scope={}", get("grant_type"), get("scope")));
            if get("grant_type") != "refresh_token" || get("refresh_token") != REFRESH {
                http_reply(&mut conn, "401 Unauthorized", &[json], br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#);
                return;
            }
            let scopes = get("scope").split(' ').filter(|s| !s.is_empty()).map(String::from).collect();
            http_reply(&mut conn, "200 OK", &[json], issue(scopes, false).as_bytes());
            return;
        }
        let p = params(&query);
        let scopes: Vec<String> = p.iter().filter(|(k, _)| k == "scope").map(|(_, v)| v.clone()).collect();
        log.lock().unwrap().requests.push(format!("GET {}", scopes.join(" ")));
        use base64::Engine;
        let want = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}")));
        if header("authorization").as_deref() != Some(&want) {
            http_reply(
                &mut conn,
                "401 Unauthorized",
                &[json],
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#,
            );
            return;
        }
        let offline = p.iter().any(|(k, v)| k == "offline_token" && v == "true");
        http_reply(&mut conn, "200 OK", &[json], issue(scopes, offline).as_bytes());
        return;
    }

    // Which scope does the request need?
    let repo_action = path.strip_prefix("/v2/").and_then(|rest| {
        let idx = ["/manifests/", "/blobs/", "/tags/"].iter().filter_map(|m| rest.find(m)).min()?;
        let action = if method == "GET" || method == "HEAD" { "pull" } else { "push" };
        Some((rest[..idx].to_string(), action))
    });
    let granted = header("authorization")
        .and_then(|a| a.strip_prefix("Bearer ").map(String::from))
        .and_then(|t| tokens.lock().unwrap().get(&t).cloned());
    let allows = |repo: &str, action: &str| {
        granted.as_ref().is_some_and(|scopes| {
            scopes.iter().any(|s| {
                let mut p = s.splitn(3, ':');
                p.next() == Some("repository")
                    && p.next() == Some(repo)
                    && p.next().is_some_and(|a| a.split(',').any(|x| x == action))
            })
        })
    };
    let mut ok = match &repo_action {
        Some((repo, action)) => allows(repo, action),
        None => granted.is_some(),
    };
    // A mount also needs pull on the source.
    if let Some(from) = params(&query).into_iter().find(|(k, _)| k == "from").map(|(_, v)| v) {
        ok &= allows(&from, "pull");
    }
    if !ok {
        log.lock().unwrap().refused.push(format!("{method} {path}"));
        let scope = repo_action.map(|(r, a)| format!(",scope=\"repository:{r}:{a}\"")).unwrap_or_default();
        let ch = format!("WWW-Authenticate: Bearer realm=\"http://{me}/token\",service=\"front\"{scope}");
        http_reply(&mut conn, "401 Unauthorized", &[ch, json], br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#);
        return;
    }
    let mut up = TcpStream::connect(upstream).unwrap();
    let mut fwd = format!("{method} {target} HTTP/1.0\r\nHost: {me}\r\nContent-Length: {}\r\n", body.len());
    for h in ["accept", "content-type", "range"] {
        if let Some(v) = header(h) {
            fwd.push_str(&format!("{h}: {v}\r\n"));
        }
    }
    fwd.push_str("\r\n");
    up.write_all(fwd.as_bytes()).unwrap();
    up.write_all(&body).unwrap();
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).unwrap();
    let _ = conn.write_all(&resp);
}

/// Bearer with credentials: tokens per scope (pull; pull,push; the mount
/// source's pull), reused; login stores the server's refresh token, which
/// later pulls use (OAuth2 refresh grant) instead of the password.
#[test]
fn bearer_tokens_scopes_and_refresh_tokens() {
    let plain = Registry::start();
    let front = TokenFront::start(&plain.addr);
    let rcon = Rcon::new();
    let source = local_busybox(&plain, &rcon, "bb:1");
    let creds = format!("{USER}:{PASSWORD}");

    let dest = format!("{}/app:1", front.addr);
    run_ok(authed(&rcon, &["push", "--creds", &creds, &source, &dest]));
    let log = std::mem::take(&mut *front.log.lock().unwrap());
    assert_eq!(log.requests, vec!["GET repository:app:pull,push".to_string()], "one token for the push");

    // The same layers to another repository: mounted from `app`.
    let dest2 = format!("{}/other:1", front.addr);
    let (out, _) = run_ok(authed(&rcon, &["push", "--creds", &creds, &source, &dest2]));
    assert_eq!(out.matches(": Mounted from app\n").count(), 2, "{out}");
    let log = std::mem::take(&mut *front.log.lock().unwrap());
    assert_eq!(log.requests, vec!["GET repository:other:pull,push repository:app:pull".to_string()]);

    // Wrong credentials: unauthorized, naming the registry.
    let err = pull_fail(authed(&rcon, &["pull", "--creds", "alice:bad", &dest]));
    assert!(err.contains("unauthorized") && err.contains(&front.addr) && !err.contains(":bad"), "{err}");

    // login: the refresh token is stored and used.
    let mut c = authed(&rcon, &["login", "-u", USER, "--password-stdin", &front.addr]);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rcon.dir().join("auth.json")).unwrap()).unwrap();
    assert_eq!(file["auths"][&front.addr]["identitytoken"], REFRESH, "{file}");
    std::mem::take(&mut *front.log.lock().unwrap());
    let fresh = Rcon::new();
    let mut c = fresh.command(&["pull", &dest2]);
    c.env("REGISTRY_AUTH_FILE", rcon.dir().join("auth.json")).env("HOME", fresh.dir());
    run_ok(c);
    let log = front.log.lock().unwrap();
    assert_eq!(log.requests, vec!["POST grant_type=refresh_token scope=repository:other:pull".to_string()]);
}

// ---------------------------------------------------------------------------
// Push

fn skopeo_inspect(reference: &str, raw: bool) -> serde_json::Value {
    require("skopeo", "skopeo");
    let mut c = Command::new("skopeo");
    c.args(["inspect", "--tls-verify=false"]);
    if raw {
        c.arg("--raw");
    }
    let out = c.arg(format!("docker://{reference}")).env("HOME", "/nonexistent").output().unwrap();
    assert!(out.status.success(), "skopeo inspect {reference}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Push: skopeo reads what rcon pushed (OCI and Docker manifests, the same
/// image ID); a second push skips existing blobs; a layer compressed for one
/// push is reused for the next; --digestfile.
#[test]
fn push_formats_reuse_and_skopeo_interop() {
    let reg = Registry::start();
    let rcon = Rcon::new();
    let source = local_busybox(&reg, &rcon, "bb:1");
    let id = rcon.ok(&["images", "-q", "--no-trunc"]).trim().to_string();
    let dest_reg = Registry::start();

    let dest = format!("{}/pushed:oci", dest_reg.addr);
    let digestfile = rcon.dir().join("digest");
    let out = rcon.cmd(&["push", "--format", "oci", "--digestfile", digestfile.to_str().unwrap(), &source, &dest]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with(&format!("The push refers to repository [{}/pushed]\n", dest_reg.addr)), "{text}");
    assert_eq!(text.matches(": Pushed\n").count(), 2, "{text}");
    let digest = std::fs::read_to_string(&digestfile).unwrap();
    let raw = skopeo_inspect(&dest, true);
    assert_eq!(raw["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(raw["config"]["digest"], id, "same image ID");
    let info = skopeo_inspect(&dest, false);
    assert_eq!(info["Digest"], digest);
    let layers_oci: Vec<String> =
        raw["layers"].as_array().unwrap().iter().map(|l| l["digest"].as_str().unwrap().to_string()).collect();

    // The pulled layers were rebuilt from their tar-split and compressed once;
    // the compressed blobs are kept.
    let kept: Vec<String> = std::fs::read_dir(rcon.root.join("layers"))
        .unwrap()
        .map(|e| e.unwrap().path().join("blobs.json"))
        .map(|p| serde_json::from_slice::<serde_json::Value>(&std::fs::read(p).unwrap()).unwrap())
        .flat_map(|v| v.as_array().unwrap().clone())
        .filter(|b| b["kept"] == true)
        .map(|b| b["digest"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");

    // Docker format, another registry: the same compressed blobs (no recompression).
    let other = Registry::start();
    let dest2 = format!("{}/pushed:docker", other.addr);
    rcon.ok(&["push", "-q", "--format", "docker", &source, &dest2]);
    let raw2 = skopeo_inspect(&dest2, true);
    assert_eq!(raw2["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
    assert_eq!(raw2["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip");
    let layers_docker: Vec<String> =
        raw2["layers"].as_array().unwrap().iter().map(|l| l["digest"].as_str().unwrap().to_string()).collect();
    assert_eq!(layers_docker, layers_oci, "the kept blobs were pushed again");

    // Again to the same place: every blob skipped.
    let out = rcon.cmd(&["push", &source, &dest]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches(": Layer already exists\n").count(), 2, "the 2 layers: {text}");
    assert!(text.contains(&format!("\noci: digest: {} size: ", digest.trim())), "{text}");

    // Pulled back by rcon into a fresh store: runs.
    let fresh = Rcon::new();
    assert_eq!(fresh.ok(&["run", "--rm", &dest2, "cat", "/hello"]), "hi");
    // A missing image: exit 1 with docker's words.
    let out = rcon.cmd(&["push", "nosuchimage:1", &dest]);
    assert_eq!((code(&out), stderr(&out)), (1, "Error: No such image: nosuchimage:1\n".to_string()));
}

/// An image pushed by rcon is pulled and run by podman (when podman runs here).
#[test]
fn podman_pulls_and_runs_what_rcon_pushed() {
    require("podman", "podman");
    let reg = Registry::start();
    let rcon = Rcon::new();
    let source = local_busybox(&reg, &rcon, "bb:1");
    let dest = format!("{}/forpodman:1", reg.addr);
    rcon.ok(&["push", "-q", &source, &dest]);
    let dir = tempfile::Builder::new().prefix("rcon-podman-").tempdir().unwrap();
    let podman = |args: &[&str]| {
        let out = Command::new("podman")
            .arg("--root")
            .arg(dir.path().join("root"))
            .arg("--runroot")
            .arg(dir.path().join("run"))
            .args([
                "--storage-driver",
                "vfs",
                "--runtime",
                "runc",
                "--cgroup-manager",
                "cgroupfs",
                "--events-backend",
                "none",
            ])
            .args(args)
            .env("HOME", dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "podman {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    podman(&["pull", "-q", "--tls-verify=false", &dest]);
    // Without CAP_SYS_RESOURCE podman's default rlimits cannot be set here.
    let limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];
    let mut args = vec!["run", "--rm", "--network", "none"];
    args.extend(limits);
    args.extend([dest.as_str(), "cat", "/hello"]);
    let out = podman(&args);
    podman(&["rmi", "-a", "-f"]);
    assert_eq!(out, "hi");
    crate::common::unmount_under(dir.path());
}

/// Helpers used by later tests.
#[allow(dead_code)]
fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[allow(dead_code)]
fn busybox_tar() -> Vec<u8> {
    crate::common::tar_bytes(&busybox_entries())
}

#[allow(dead_code)]
fn temp_path(rcon: &Rcon, name: &str) -> PathBuf {
    rcon.dir().join(name)
}

/// tag, rmi untagging, images --digests/--filter/--format, history, image
/// inspect, image prune.
#[test]
fn tags_listing_history_inspect_prune() {
    let reg = Registry::start();
    let rcon = Rcon::new();
    let (reference, digest) =
        ImageBuilder::new().busybox_layer().layer(&[TarEntry::file("hello", "hi")]).cmd(&["sh"]).push(&reg, "bb:1");
    rcon.ok(&["pull", "-q", &reference]);
    let id = rcon.ok(&["images", "-q", "--no-trunc"]).trim().to_string();

    rcon.ok(&["tag", &reference, "mine:v1"]);
    rcon.ok(&["image", "tag", &id[7..19], "localhost/other"]);
    let out = rcon.ok(&["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    let short = &id[7..19];
    assert_eq!(
        lines,
        vec![
            format!("{}/bb:1 {short}", reg.addr),
            format!("localhost/other:latest {short}"),
            format!("mine:v1 {short}")
        ]
    );
    // docker's daemon names the missing image with its tag (`:latest` added).
    let out = rcon.cmd(&["tag", "nosuch:1", "x:1"]);
    assert_eq!((code(&out), stderr(&out)), (1, "Error response from daemon: No such image: nosuch:1\n".to_string()));
    let out = rcon.cmd(&["tag", "nosuch", "x:1"]);
    assert_eq!(
        (code(&out), stderr(&out)),
        (1, "Error response from daemon: No such image: nosuch:latest\n".to_string())
    );

    // --digests
    let out = rcon.ok(&["images", "--digests", &format!("{}/bb", reg.addr)]);
    assert!(out.starts_with("REPOSITORY"), "{out}");
    assert!(out.lines().next().unwrap().contains("DIGEST"), "{out}");
    assert!(out.contains(&digest), "{out}");
    // --filter reference / dangling / label / before / since.
    let out = rcon.ok(&["images", "--filter", "reference=mine:*", "--format", "{{.Repository}}"]);
    assert_eq!(out, "mine\n");
    assert_eq!(rcon.ok(&["images", "-q", "--filter", "dangling=true"]), "");
    assert_eq!(rcon.ok(&["images", "-q", "--filter", "label=nosuch"]), "");
    assert_eq!(rcon.ok(&["images", "-q", "--filter", "before=mine:v1"]), "");
    assert_eq!(rcon.ok(&["images", "-a", "-q"]).trim(), short);
    let out = rcon.ok(&["images", "--format", "table {{.Repository}}\\t{{.Tag}}", "mine"]);
    assert_eq!(out, "REPOSITORY   TAG\nmine         v1\n");
    let err = fail(&rcon, &["images", "--filter", "bogus=1"]);
    assert!(err.contains("Error response from daemon: Invalid filter 'bogus'"), "{err}");

    // history: one row per config history entry, newest first.
    let out = rcon.ok(&["history", "mine:v1"]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].starts_with("IMAGE") && rows[0].contains("CREATED BY"), "{out}");
    assert!(rows[1].starts_with(short) && rows[2].starts_with("<missing>"), "{out}");
    assert!(rows[1].contains("rcon tests"), "{out}");
    let out = rcon.ok(&["history", "-q", "--no-trunc", "mine:v1"]);
    assert_eq!(out, format!("{id}\n<missing>\n"));

    // image inspect: docker's keys.
    let out = rcon.ok(&["image", "inspect", "mine:v1"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["Id"], id);
    assert_eq!(v[0]["Config"]["Cmd"], serde_json::json!(["sh"]));
    assert_eq!(v[0]["Os"], "linux");
    assert_eq!(v[0]["Architecture"], "amd64");
    assert_eq!(v[0]["RootFS"]["Layers"].as_array().unwrap().len(), 2);
    assert_eq!(v[0]["GraphDriver"]["Name"], "overlay");
    assert!(v[0]["RepoTags"].as_array().unwrap().contains(&"mine:v1".into()), "{out}");
    assert_eq!(
        rcon.ok(&["image", "inspect", "--format", "{{.Id}} {{json .Config.Cmd}}", "mine:v1"]),
        format!("{id} [\"sh\"]\n")
    );
    let out = rcon.cmd(&["image", "inspect", "nosuch"]);
    assert_eq!(code(&out), 1);

    // rmi of one of several tags only untags.
    assert_eq!(rcon.ok(&["rmi", "mine:v1"]), "Untagged: mine:v1\n");
    assert_eq!(rcon.ok(&["images", "-q"]).trim(), short);

    // prune: nothing dangling; a dangling image goes; -a takes the rest.
    let (ref2, _) = ImageBuilder::new().busybox_layer().env("V=2").push(&reg, "bb:1");
    rcon.ok(&["pull", "-q", &ref2]); // bb:1 moves to the new image; the old keeps localhost/other.
    rcon.ok(&["rmi", "localhost/other"]);
    let (ref3, _) = ImageBuilder::new().busybox_layer().env("V=3").push(&reg, "bb:1");
    rcon.ok(&["pull", "-q", &ref3]); // The V=2 image is now dangling.
    let out = rcon.ok(&["image", "prune", "-f"]);
    assert!(out.starts_with("Deleted Images:\ndeleted: sha256:"), "{out}");
    assert!(out.contains("Total reclaimed space:"), "{out}");
    assert_eq!(rcon.ok(&["images", "-q"]).lines().count(), 1);
    let out = rcon.ok(&["image", "prune", "-a", "-f"]);
    assert!(out.contains(&format!("untagged: {}/bb:1", reg.addr)), "{out}");
    assert_eq!(rcon.ok(&["images", "-q"]), "");
    assert_eq!(std::fs::read_dir(rcon.root.join("layers")).unwrap().count(), 0, "layers removed");
}

fn skopeo(args: &[&str]) {
    require("skopeo", "skopeo");
    let out =
        Command::new("skopeo").args(["--insecure-policy"]).args(args).env("HOME", "/nonexistent").output().unwrap();
    assert!(out.status.success(), "skopeo {args:?}: {}", stderr(&out));
}

fn image_id(rcon: &Rcon, name: &str) -> String {
    rcon.ok(&["image", "inspect", "--format", "{{.Id}}", name]).trim().to_string()
}

/// save/load round trips in both formats, gzip or not; archives written by
/// skopeo load into rcon, and skopeo reads rcon's.
#[test]
fn save_and_load() {
    let reg = Registry::start();
    let rcon = Rcon::new();
    let (reference, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[TarEntry::file("hello", "hi"), TarEntry::whiteout("etc/group")])
        .cmd(&["sh"])
        .push(&reg, "bb:1");
    rcon.ok(&["pull", "-q", &reference]);
    let id = image_id(&rcon, &reference);
    let dir = rcon.dir().to_path_buf();
    for (format, gzip) in [("docker-archive", false), ("oci-archive", false), ("docker-archive", true)] {
        let file = dir.join(format!("{format}-{gzip}.tar"));
        let mut args = vec!["save", "-o", file.to_str().unwrap(), "--format", format];
        if gzip {
            args.push("--gzip");
        }
        args.push(&reference);
        rcon.ok(&args);
        let fresh = Rcon::new();
        let out = fresh.ok(&["load", "-i", file.to_str().unwrap()]);
        assert_eq!(out, format!("Loaded image: {reference}\n"), "{format}");
        assert_eq!(image_id(&fresh, &reference), id, "{format}: same image ID");
        let diff = fresh.root.join("layers");
        assert_eq!(std::fs::read_dir(&diff).unwrap().count(), 2);
        if !gzip {
            // skopeo reads what rcon wrote.
            skopeo(&["inspect", &format!("{format}:{}", file.display())]);
        }
        // And the loaded image can be saved again (tar-split recorded on load).
        let again = dir.join(format!("again-{format}-{gzip}.tar"));
        fresh.ok(&["save", "-o", again.to_str().unwrap(), &reference]);
    }
    // From stdin.
    let file = dir.join("docker-archive-false.tar");
    let fresh = Rcon::new();
    let out = fresh.command(&["load"]).stdin(std::fs::File::open(&file).unwrap()).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Archives written by skopeo (from the registry).
    let src = format!("docker://{reference}");
    let da = dir.join("skopeo-docker.tar");
    skopeo(&[
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        &src,
        &format!("docker-archive:{}:skopeo/bb:v1", da.display()),
    ]);
    let fresh = Rcon::new();
    assert_eq!(
        fresh.ok(&["load", "-i", da.to_str().unwrap()]),
        "Loaded image: localhost/skopeo/bb:v1\n".replace("localhost/", "")
    );
    assert_eq!(image_id(&fresh, "skopeo/bb:v1"), id);
    let oa = dir.join("skopeo-oci.tar");
    skopeo(&["copy", "--quiet", "--src-tls-verify=false", &src, &format!("oci-archive:{}:v1", oa.display())]);
    let fresh = Rcon::new();
    let out = fresh.ok(&["load", "-i", oa.to_str().unwrap()]);
    assert_eq!(out, format!("Loaded image ID: {id}\n"), "a bare OCI tag names no repository");

    // Not an archive.
    let bad = dir.join("bad.tar");
    std::fs::write(&bad, crate::common::tar_bytes(&[TarEntry::file("x", "y")])).unwrap();
    let err = fail(&fresh, &["load", "-i", bad.to_str().unwrap()]);
    assert!(err.contains("neither a docker archive"), "{err}");
}

/// podman loads rcon's archive, and rcon loads podman's (both formats).
#[test]
fn podman_archives_both_ways() {
    require("podman", "podman");
    let reg = Registry::start();
    let rcon = Rcon::new();
    let reference = local_busybox(&reg, &rcon, "bb:1");
    let id = image_id(&rcon, &reference);
    let pdir = tempfile::Builder::new().prefix("rcon-podman-").tempdir().unwrap();
    let podman = |args: &[&str]| {
        let out = Command::new("podman")
            .arg("--root")
            .arg(pdir.path().join("root"))
            .arg("--runroot")
            .arg(pdir.path().join("run"))
            .args(["--storage-driver", "vfs", "--events-backend", "none"])
            .args(args)
            .env("HOME", pdir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "podman {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let file = rcon.dir().join("rcon.tar");
    rcon.ok(&["save", "-o", file.to_str().unwrap(), &reference]);
    podman(&["load", "-q", "-i", file.to_str().unwrap()]);
    assert_eq!(podman(&["image", "inspect", "--format", "{{.Id}}", &reference]).trim(), &id[7..]);
    for format in ["docker-archive", "oci-archive"] {
        let out = rcon.dir().join(format!("podman-{format}.tar"));
        podman(&["save", "-q", "--format", format, "-o", out.to_str().unwrap(), &reference]);
        let fresh = Rcon::new();
        let loaded = fresh.ok(&["load", "-i", out.to_str().unwrap()]);
        assert!(loaded.starts_with("Loaded image"), "{loaded}");
        if format == "docker-archive" {
            assert_eq!(fresh.ok(&["images", "-q", "--no-trunc"]).trim(), id, "{format}");
        } else {
            // podman writes an OCI config (a new image ID) with the same layers.
            assert_eq!(fresh.ok(&["images", "-q"]).lines().count(), 1);
            let layers = fresh.ok(&[
                "image",
                "inspect",
                "--format",
                "{{json .RootFS.Layers}}",
                fresh.ok(&["images", "-q"]).trim(),
            ]);
            let orig = rcon.ok(&["image", "inspect", "--format", "{{json .RootFS.Layers}}", &reference]);
            assert_eq!(layers, orig);
        }
    }
    podman(&["rmi", "-a", "-f"]);
    crate::common::unmount_under(pdir.path());
}

/// import from a file, standard input (gzip) and a URL with --change;
/// export of a container merges its upper dir over its layers.
#[test]
fn import_and_export() {
    let rcon = Rcon::new();
    let tarball = crate::common::tar_bytes(&busybox_entries());
    let file = rcon.dir().join("rootfs.tar");
    std::fs::write(&file, &tarball).unwrap();
    let id = rcon.ok(&[
        "import",
        "--change",
        r#"CMD ["/bin/sh","-c","echo $A"]"#,
        "-c",
        "ENV A=first B=2",
        "-c",
        r#"ENV A="imported value""#,
        "-m",
        "from a file",
        file.to_str().unwrap(),
        "imp:1",
    ]);
    assert!(id.starts_with("sha256:") && id.trim().len() == 71, "{id}");
    let v: serde_json::Value = serde_json::from_str(&rcon.ok(&["image", "inspect", "imp:1"])).unwrap();
    assert_eq!(v[0]["Config"]["Cmd"], serde_json::json!(["/bin/sh", "-c", "echo $A"]));
    // Parsed as a Dockerfile ENV (quotes removed); docker replaces a variable in place.
    assert_eq!(v[0]["Config"]["Env"], serde_json::json!(["A=imported value", "B=2"]));
    assert_eq!(v[0]["Comment"], "from a file");
    assert_eq!(v[0]["RootFS"]["Layers"][0], crate::common::sha256_digest(&tarball));

    // stdin, gzip-compressed.
    let gz = rcon.dir().join("rootfs.tar.gz");
    std::fs::write(&gz, crate::common::gzip(&tarball)).unwrap();
    let out = rcon.command(&["import", "-", "imp:2"]).stdin(std::fs::File::open(&gz).unwrap()).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A URL.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/rootfs.tar", listener.local_addr().unwrap());
    let body = tarball.clone();
    let server = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = c.read(&mut buf);
        let _ = write!(c, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        let _ = c.write_all(&body);
    });
    rcon.ok(&["import", &url, "imp:3"]);
    server.join().unwrap();
    assert_eq!(rcon.ok(&["images", "-q"]).lines().count(), 3, "three imports (their creation times differ)");
    assert_eq!(std::fs::read_dir(rcon.root.join("layers")).unwrap().count(), 1, "one shared layer");

    // export: layers merged with whiteouts and opaque dirs, and the upper dir on top.
    let reg = Registry::start();
    let (reference, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[TarEntry::dir("data/"), TarEntry::file("data/old", "old"), TarEntry::file("data/keep", "k")])
        .layer(&[TarEntry::whiteout("data/old"), TarEntry::file("top", "t")])
        .cmd(&["sh"])
        .push(&reg, "exp:1");
    let cid = rcon.ok(&["create", "--name", "exp", &reference]).trim().to_string();
    let upper = rcon.root.join("containers").join(&cid).join("upper");
    std::fs::write(upper.join("new-in-upper"), "u").unwrap();
    let out = rcon.command(&["export", "exp"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut names: Vec<String> = tar::Archive::new(&out.stdout[..])
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().trim_end_matches('/').to_string())
        .collect();
    names.sort();
    for want in ["bin/busybox", "bin/sh", "data", "data/keep", "etc/passwd", "new-in-upper", "top"] {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
    assert!(!names.iter().any(|n| n == "data/old" || n.contains(".wh.")), "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "bin").count(), 1, "no duplicates");
    // The export imports back.
    let exported = rcon.dir().join("exported.tar");
    rcon.ok(&["export", "-o", exported.to_str().unwrap(), "exp"]);
    rcon.ok(&["import", exported.to_str().unwrap(), "reimported:1"]);
    rcon.ok(&["rm", "exp"]);
}

/// The names in a tar stream, without trailing `/`, sorted.
fn tar_names(data: &[u8]) -> Vec<String> {
    let mut names: Vec<String> = tar::Archive::new(data)
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().trim_end_matches('/').to_string())
        .collect();
    names.sort();
    names
}

/// `export` of containers of builder-made images (multi-stage, whiteouts,
/// an opaque parent re-created in a later layer, a deleted file replaced by
/// a directory, long paths and absolute symlinks) works and shows exactly
/// the merged view.
#[test]
fn export_of_builder_made_images_with_whiteouts() {
    let reg = Registry::start();
    let base = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "busybox:latest").0;
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let long = format!("/opt/{}/{}", "d".repeat(120), "f".repeat(100));
    let dockerfile = format!(
        "FROM {base} AS one\n\
         RUN mkdir -p /tree/a/b /opt && echo 1 > /tree/a/b/f && echo 2 > /tree/a/gone && echo 3 > /flip \
             && ln -s /tree/a /abs-link && mkdir -p $(dirname {long}) && echo long > {long} && mkfifo /fifo\n\
         RUN rm -rf /tree && mkdir -p /tree/a && echo new > /tree/a/new && rm /flip && mkdir /flip \
             && echo in > /flip/x\n\
         FROM one\n\
         RUN rm /tree/a/new\n\
         COPY --from=one /tree /copied\n"
    );
    std::fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
    rcon.ok(&["build", "-q", "-t", "exp-built", ctx.path().to_str().unwrap()]);
    rcon.ok(&["run", "--name", "exp-run", "exp-built", "sh", "-c", "rm -rf /copied/a && echo c > /changed"]);
    let out = rcon.command(&["export", "exp-run"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let names = tar_names(&out.stdout);
    for want in ["tree", "tree/a", "flip", "flip/x", "abs-link", "copied", "changed", "fifo", &long[1..]] {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
    for gone in ["tree/a/b", "tree/a/b/f", "tree/a/gone", "tree/a/new", "copied/a", "copied/a/new"] {
        assert!(!names.iter().any(|n| n == gone), "{gone} exported: {names:?}");
    }
    assert!(!names.iter().any(|n| n.contains(".wh.")), "{names:?}");
    // Directory entries end in `/`, as docker's do (scripts grep `tar t`).
    let raw: Vec<String> = tar::Archive::new(&out.stdout[..])
        .entries()
        .unwrap()
        .map(|e| String::from_utf8_lossy(&e.unwrap().path_bytes()).into_owned())
        .collect();
    assert!(raw.iter().any(|n| n == "tree/") && raw.iter().any(|n| n == "tree/a/"), "{raw:?}");
    assert!(raw.iter().any(|n| n == "changed"), "{raw:?}");
    // docker's init layer is part of every container's file system.
    for init in [".dockerenv", "dev/console", "dev/pts/", "dev/shm/", "etc/hosts", "etc/mtab", "proc/", "sys/"] {
        assert!(raw.iter().any(|n| n == init), "{init} missing from {raw:?}");
    }
    let exported = rcon.dir().join("exported.tar");
    std::fs::write(&exported, &out.stdout).unwrap();
    rcon.ok(&["import", exported.to_str().unwrap(), "exp-reimported:1"]);
    assert_eq!(rcon.ok(&["run", "--rm", "exp-reimported:1", "cat", &long]), "long\n");
}

/// `commit`: the container's changes (with deletions under an opaque
/// parent) become one layer; -m, -a and --change (parsed as a Dockerfile
/// instruction) go into the image; a running container is paused during the
/// commit and runs on afterwards; `container commit --pause=false` works.
#[test]
fn commit_a_container_with_changes_message_author_and_pause() {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[TarEntry::dir("data/"), TarEntry::dir("data/old/"), TarEntry::file("data/old/x", "old")])
        .env("KEEP=1")
        .cmd(&["sh"])
        .push(&reg, "base:1");
    let rcon = Rcon::new();
    rcon.ok(&[
        "run",
        "--name",
        "c1",
        "-e",
        "RUNTIME=yes",
        &image,
        "sh",
        "-c",
        "rm -rf /data && mkdir -p /data/new && echo n > /data/new/f",
    ]);
    let id = rcon.ok(&[
        "commit",
        "-m",
        "my message",
        "-a",
        "Jane <j@example.com>",
        "-c",
        r#"ENV A="b c""#,
        "--change",
        "CMD [\"cat\", \"/data/new/f\"]",
        "c1",
        "committed:1",
    ]);
    assert!(id.starts_with("sha256:") && id.trim().len() == 71, "{id}");
    assert_eq!(rcon.ok(&["run", "--rm", "committed:1"]), "n\n");
    let mut found: Vec<String> =
        rcon.ok(&["run", "--rm", "committed:1", "find", "/data"]).lines().map(String::from).collect();
    found.sort();
    assert_eq!(found, ["/data", "/data/new", "/data/new/f"]);
    let v: serde_json::Value = serde_json::from_str(&rcon.ok(&["image", "inspect", "committed:1"])).unwrap();
    assert_eq!(v[0]["Author"], "Jane <j@example.com>");
    assert_eq!(v[0]["Comment"], "my message");
    let env = v[0]["Config"]["Env"].as_array().unwrap();
    for want in ["KEEP=1", "RUNTIME=yes", "A=b c"] {
        assert!(env.iter().any(|e| e == want), "{want} missing from {env:?}");
    }
    assert_eq!(v[0]["RootFS"]["Layers"].as_array().unwrap().len(), 3, "one new layer");
    let history = rcon.ok(&["history", "--no-trunc", "committed:1"]);
    assert!(history.contains("my message"), "{history}");
    // The runtime's mount points are not part of the new layer.
    let layer = std::fs::read_dir(rcon.root.join("layers"))
        .unwrap()
        .map(|e| e.unwrap().path().join("diff"))
        .find(|d| d.join("data/new/f").exists())
        .expect("the committed layer");
    for stub in ["etc/hostname", "etc/hosts", "etc/resolv.conf", "proc", "sys", "dev"] {
        assert!(layer.join(stub).symlink_metadata().is_err(), "{stub} is in the committed layer");
    }
    let bad = rcon.cmd(&["commit", "-c", "RUN true", "c1"]);
    assert_eq!(code(&bad), 1);
    assert!(stderr(&bad).contains("RUN is not a valid change command"), "{}", stderr(&bad));

    // A running container: frozen during the commit, running afterwards.
    rcon.ok(&["run", "-d", "--name", "c2", &image, "sh", "-c", "echo up > /running; exec sleep 1000"]);
    crate::common::eventually("the container wrote /running", || {
        rcon.cmd(&["exec", "c2", "cat", "/running"]).stdout == b"up\n"
    });
    rcon.ok(&["commit", "c2", "live:1"]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.State.Status}}", "c2"]).trim(), "running");
    assert_eq!(rcon.ok(&["run", "--rm", "live:1", "cat", "/running"]), "up\n");
    rcon.ok(&["container", "commit", "--pause=false", "c2", "live:2"]);
    assert_eq!(rcon.ok(&["run", "--rm", "live:2", "cat", "/running"]), "up\n");
    rcon.ok(&["rm", "-f", "c2"]);
}
