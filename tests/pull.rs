//! `rcon pull` against a real registry (Debian's `docker-registry`) and a
//! small in-test HTTP server for authentication and broken connections:
//! references, digests, media types, layer unpack (whiteouts, opaque dirs),
//! malicious layers, tampered blobs, bearer tokens, interrupted pulls.

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, busybox_entries, code, sha256_digest, stderr, tar_bytes};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The store's image index (`images.json`) as JSON (`{"images":[]}` when absent).
fn index(rcon: &Rcon) -> serde_json::Value {
    match std::fs::read(rcon.root.join("images.json")) {
        Ok(b) => serde_json::from_slice(&b).unwrap(),
        Err(_) => serde_json::json!({"images": []}),
    }
}

fn images(rcon: &Rcon) -> Vec<serde_json::Value> {
    index(rcon)["images"].as_array().cloned().unwrap_or_default()
}

/// Names in a directory of the store (sorted; empty when it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.unwrap().file_name().into_string().unwrap()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Chain IDs (hex) of diff IDs (`sha256:…`), OCI image-spec config.md.
fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in diff_ids {
        let next = match out.last() {
            None => d.clone(),
            Some(p) => sha256_digest(format!("{p} {d}").as_bytes()),
        };
        out.push(next);
    }
    out.iter().map(|c| c.strip_prefix("sha256:").unwrap().to_string()).collect()
}

/// Asserts the store holds no image, no layer and no staging leftovers.
#[track_caller]
fn assert_store_empty(rcon: &Rcon) {
    assert_eq!(images(rcon), Vec::<serde_json::Value>::new(), "no image may be recorded");
    assert_eq!(entries(&rcon.root.join("layers")), Vec::<String>::new(), "no layer may be committed");
    assert_eq!(entries(&rcon.root.join("tmp")), Vec::<String>::new(), "no staging leftovers");
}

#[track_caller]
fn fail(rcon: &Rcon, args: &[&str]) -> String {
    let out = rcon.cmd(args);
    assert_eq!(code(&out), 125, "rcon {args:?} should fail with 125; stderr:\n{}", stderr(&out));
    stderr(&out)
}

/// Pull a busybox image: progress lines, the record in the store, the
/// unpacked layer; a second pull reuses everything; `-q` prints the ID.
#[test]
fn pull_from_local_registry() {
    let reg = Registry::start();
    let (reference, digest) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "busybox:latest");
    let rcon = Rcon::new();
    let out = rcon.cmd(&["pull", &reference]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(err.contains(&format!("Trying to pull {reference}...")), "{err}");
    assert!(err.contains("Copying blob "), "{err}");
    assert!(err.contains(&format!("Digest: {digest}")), "{err}");
    assert!(err.contains(&format!("Status: Downloaded newer image for {reference}")), "{err}");

    let imgs = images(&rcon);
    assert_eq!(imgs.len(), 1);
    assert_eq!(imgs[0]["repo_tags"], serde_json::json!([reference]));
    assert_eq!(imgs[0]["repo_digests"], serde_json::json!([format!("{}/busybox@{digest}", reg.addr)]));
    assert_eq!(imgs[0]["manifest_digest"], digest);
    let id = imgs[0]["id"].as_str().unwrap().to_string();
    assert!(rcon.root.join("blobs/sha256").join(id.strip_prefix("sha256:").unwrap()).is_file(), "config blob");
    assert!(rcon.root.join("blobs/sha256").join(digest.strip_prefix("sha256:").unwrap()).is_file(), "manifest");

    let diff_ids = vec![sha256_digest(&tar_bytes(&busybox_entries()))];
    assert_eq!(imgs[0]["diff_ids"], serde_json::json!(diff_ids));
    let layer = rcon.root.join("layers").join(&chain_ids(&diff_ids)[0]);
    let diff = layer.join("diff");
    assert_eq!(std::fs::read(diff.join("bin/busybox")).unwrap(), std::fs::read("/bin/busybox").unwrap());
    assert_eq!(std::fs::metadata(diff.join("bin/busybox")).unwrap().mode() & 0o7777, 0o755);
    assert_eq!(std::fs::read_link(diff.join("bin/sh")).unwrap(), Path::new("busybox"));
    assert!(std::fs::read_to_string(diff.join("etc/passwd")).unwrap().contains("app:x:1000:1000"));
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(layer.join("layer.json")).unwrap()).unwrap();
    assert_eq!(info["diff_id"], diff_ids[0]);
    assert_eq!(entries(&rcon.root.join("tmp")), Vec::<String>::new());

    // Again: nothing downloaded, same image.
    let out = rcon.cmd(&["pull", &reference]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(err.contains("skipped: already exists"), "{err}");
    assert!(err.contains(&format!("Status: Image is up to date for {reference}")), "{err}");
    assert_eq!(images(&rcon).len(), 1);

    // -q: only the ID on stdout, nothing on stderr.
    let out = rcon.cmd(&["pull", "-q", &reference]);
    assert_eq!(code(&out), 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), id);
    assert_eq!(stderr(&out), "");
}

/// Pull by digest (no tag recorded), Docker schema2 images, and an OCI index
/// from which the amd64 manifest is chosen.
#[test]
fn pull_by_digest_docker_format_and_index() {
    let reg = Registry::start();
    let rcon = Rcon::new();
    let (_, digest) = ImageBuilder::new().busybox_layer().push(&reg, "bydigest:v1");
    let by_digest = format!("{}/bydigest@{digest}", reg.addr);
    rcon.ok(&["pull", &by_digest]);
    let imgs = images(&rcon);
    assert_eq!(imgs.len(), 1);
    assert_eq!(imgs[0]["repo_tags"], serde_json::json!([]));
    assert_eq!(imgs[0]["repo_digests"], serde_json::json!([by_digest]));

    // Docker schema2 (skopeo converts the OCI layout).
    let (reference, digest) = ImageBuilder::new().busybox_layer().env("FMT=docker").docker_format().push(&reg, "d:v2");
    rcon.ok(&["pull", &reference]);
    let manifest = std::fs::read(rcon.root.join("blobs/sha256").join(digest.strip_prefix("sha256:").unwrap())).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(manifest["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
    assert_eq!(images(&rcon).len(), 2);

    // An index with arm64 first: the amd64 manifest is pulled.
    let builder = ImageBuilder::new().busybox_layer().env("FMT=index");
    let tmp = tempfile::tempdir().unwrap();
    let layout = builder.write_layout(tmp.path(), "x", Some(&["arm64", "amd64"]));
    let (reference, index_digest) = builder.push_index(&reg, "multi:1", &["arm64", "amd64"]);
    rcon.ok(&["pull", &reference]);
    let img = images(&rcon).into_iter().find(|i| i["repo_tags"] == serde_json::json!([reference])).unwrap();
    assert_eq!(img["id"], layout.config_digest, "the amd64 config");
    assert_eq!(img["repo_digests"], serde_json::json!([format!("{}/multi@{index_digest}", reg.addr)]));
    assert_ne!(img["manifest_digest"], index_digest, "the platform manifest, not the index");

    // Unknown names and tags.
    let err = fail(&rcon, &["pull", &format!("{}/nosuch:latest", reg.addr)]);
    assert!(err.contains(&format!("manifest unknown: {}/nosuch:latest not found", reg.addr)), "{err}");
    let err = fail(&rcon, &["pull", &format!("{}/bydigest:nosuchtag", reg.addr)]);
    assert!(err.contains("manifest unknown"), "{err}");
    let err = fail(&rcon, &["pull", "Bad:Ref:"]);
    assert!(err.contains("invalid reference format"), "{err}");
}

/// A two-layer image: a deleted file becomes a 0:0 character device, an
/// opaque directory gets `trusted.overlay.opaque=y`; other entry kinds keep
/// their owner, mode, mtime and xattrs.
#[test]
fn whiteouts_opaque_dirs_and_metadata() {
    let reg = Registry::start();
    let base = vec![
        TarEntry::dir("etc/"),
        TarEntry::file("etc/motd", "hello"),
        TarEntry::file("etc/keep", "keep"),
        TarEntry::dir("var/"),
        TarEntry::dir("var/cache/"),
        TarEntry::file("var/cache/old1", "1"),
        TarEntry::file("var/cache/old2", "2"),
    ];
    let top = vec![
        TarEntry::whiteout("etc/motd"),
        TarEntry::dir("var/cache/"),
        TarEntry::opaque("var/cache"),
        TarEntry::file("var/cache/new", "n"),
        TarEntry::file("home/app/setuid", "x").owner(1000, 1000).mode(0o4750).mtime(1_600_000_000),
        TarEntry::hardlink("home/app/link", "home/app/setuid"),
        TarEntry::char_dev("dev/null", 1, 3),
        TarEntry::fifo("run/fifo"),
        TarEntry::file("note", "x").xattr("user.note", "v"),
    ];
    let diff_ids = vec![
        sha256_digest(&tar_bytes(&busybox_entries())),
        sha256_digest(&tar_bytes(&base)),
        sha256_digest(&tar_bytes(&top)),
    ];
    let (reference, _) = ImageBuilder::new().busybox_layer().layer(&base).layer(&top).push(&reg, "layers:1");
    let rcon = Rcon::new();
    rcon.ok(&["pull", &reference]);
    let chains = chain_ids(&diff_ids);
    let lower = rcon.root.join("layers").join(&chains[1]).join("diff");
    let upper = rcon.root.join("layers").join(&chains[2]).join("diff");
    assert_eq!(std::fs::read_to_string(lower.join("etc/motd")).unwrap(), "hello");
    assert!(lower.join("var/cache/old1").is_file());

    let wh = std::fs::symlink_metadata(upper.join("etc/motd")).unwrap();
    assert!(wh.file_type().is_char_device() && wh.rdev() == 0, "whiteout is a 0:0 char device");
    assert!(!upper.join("etc/.wh.motd").exists());
    assert!(!upper.join("etc/keep").exists());
    assert_eq!(getxattr(&upper.join("var/cache"), "trusted.overlay.opaque").as_deref(), Some(&b"y"[..]));
    assert!(!upper.join("var/cache/.wh..wh..opq").exists());
    assert_eq!(std::fs::read_to_string(upper.join("var/cache/new")).unwrap(), "n");

    let m = std::fs::metadata(upper.join("home/app/setuid")).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777, m.mtime()), (1000, 1000, 0o4750, 1_600_000_000));
    assert_eq!(std::fs::metadata(upper.join("home/app/link")).unwrap().ino(), m.ino(), "hard link");
    let null = std::fs::symlink_metadata(upper.join("dev/null")).unwrap();
    assert!(null.file_type().is_char_device());
    assert_eq!((libc::major(null.rdev()), libc::minor(null.rdev())), (1, 3));
    assert!(std::fs::symlink_metadata(upper.join("run/fifo")).unwrap().file_type().is_fifo());
    assert_eq!(getxattr(&upper.join("note"), "user.note").as_deref(), Some(&b"v"[..]));

    // Through overlayfs, as a container sees it.
    let out = rcon.ok(&["run", "--rm", &reference, "sh", "-c", "ls /etc/motd; cat /etc/keep; echo; ls /var/cache"]);
    assert_eq!(out, "keep\nnew\n", "motd deleted, keep kept, only the new file in the opaque dir");
}

fn getxattr(p: &Path, name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    let name = std::ffi::CString::new(name).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: valid NUL-terminated strings and a buffer of the given length.
    let n = unsafe { libc::lgetxattr(path.as_ptr(), name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (n >= 0).then(|| buf[..n as usize].to_vec())
}

/// Layers that try to write outside their directory are rejected with an
/// error naming the entry; nothing is written outside, nothing is stored.
#[test]
fn malicious_layers_are_rejected() {
    let reg = Registry::start();
    let rcon = Rcon::new();
    let outside = rcon.dir().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let out_abs = outside.to_str().unwrap().to_string();
    // From tmp/layer-…/diff, six `..` reach the test's temp dir and beyond.
    let cases: Vec<(&str, Vec<TarEntry>, String)> = vec![
        ("traversal", vec![TarEntry::file("../../../../outside/pwned", "x")], "../../../../outside/pwned".into()),
        (
            "deep-traversal",
            vec![TarEntry::file("a/../../../../../../tmp/pwned", "x")],
            "a/../../../../../../tmp/pwned".into(),
        ),
        ("absolute", vec![TarEntry::file(&format!("{out_abs}/pwned"), "x")], format!("{out_abs}/pwned")),
        (
            "symlink-parent",
            vec![TarEntry::symlink("evil", &out_abs), TarEntry::file("evil/pwned", "x")],
            "evil/pwned".into(),
        ),
        ("symlink-relative", vec![TarEntry::symlink("up", "../../../../outside")], "up".into()),
        ("hardlink", vec![TarEntry::hardlink("pw", "../../../../outside/secret")], "pw".into()),
        (
            "hardlink-through-symlink",
            vec![TarEntry::symlink("o", &out_abs), TarEntry::hardlink("pw", "o/secret")],
            "pw".into(),
        ),
    ];
    std::fs::write(outside.join("secret"), "secret").unwrap();
    for (name, layer, entry) in cases {
        let (reference, _) =
            ImageBuilder::new().busybox_layer().layer(&layer).push(&reg, &format!("evil-{name}:latest"));
        let err = fail(&rcon, &["pull", &reference]);
        assert!(err.contains(&format!("entry {entry:?} escapes the layer root")), "{name}: {err}");
        assert!(err.contains("layer sha256:"), "{name}: the layer is named: {err}");
        assert_eq!(entries(&outside), vec!["secret".to_string()], "{name}: written outside");
        assert_eq!(std::fs::metadata(outside.join("secret")).unwrap().nlink(), 1, "{name}: linked");
        assert!(!Path::new("/tmp/pwned").exists(), "{name}: /tmp/pwned written");
        assert_eq!(images(&rcon), Vec::<serde_json::Value>::new(), "{name}: image stored");
        assert_eq!(entries(&rcon.root.join("tmp")), Vec::<String>::new(), "{name}: staging left");
    }
    // Only the shared busybox base layer made it into the store.
    assert_eq!(entries(&rcon.root.join("layers")).len(), 1);
}

/// A blob changed in the registry's storage: the pull fails with a digest
/// mismatch naming it, and nothing is stored.
#[test]
fn tampered_blobs_are_rejected() {
    let reg = Registry::start();
    let builder = ImageBuilder::new().layer(&[TarEntry::file("data", vec![b'a'; 100_000])]);
    let tmp = tempfile::tempdir().unwrap();
    let layout = builder.write_layout(tmp.path(), "x", None);
    let (reference, _) = builder.push(&reg, "tampered:1");
    let layer = &layout.layer_digests[0];
    let path = reg.blob_data_path(layer);
    let mut data = std::fs::read(&path).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff; // Same length, different content.
    std::fs::write(&path, &data).unwrap();
    let rcon = Rcon::new();
    let err = fail(&rcon, &["pull", &reference]);
    assert!(err.contains(&format!("digest mismatch for layer {layer}")), "{err}");
    assert_store_empty(&rcon);
    assert_eq!(entries(&rcon.root.join("blobs/sha256")), Vec::<String>::new(), "no blob stored");

    // A tampered config.
    let builder = ImageBuilder::new().busybox_layer().env("X=1");
    let layout = builder.write_layout(&tmp.path().join("2"), "x", None);
    let (reference, _) = builder.push(&reg, "tampered:2");
    let path = reg.blob_data_path(&layout.config_digest);
    let text = std::fs::read_to_string(&path).unwrap().replace("X=1", "X=2");
    std::fs::write(&path, text).unwrap();
    let err = fail(&rcon, &["pull", &reference]);
    assert!(err.contains(&format!("digest mismatch for config of {reference}")), "{err}");
    assert_eq!(images(&rcon), Vec::<serde_json::Value>::new());
}

// ---------------------------------------------------------------------------
// A small HTTP front for the real registry: authentication and failures.

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// 401 + Bearer challenge unless `Authorization: Bearer TOKEN`; /token issues it.
    Bearer,
    /// 401 + Basic challenge on everything.
    Basic,
    /// Layer bodies are cut in half and the connection closed.
    CutBlobs,
    /// Layer bodies stop after half and the connection hangs until shutdown.
    StallBlobs,
}

const TOKEN: &str = "test-token-0123";

#[derive(Default)]
struct Seen {
    token_requests: Vec<String>,
    authorized: usize,
    unauthorized: Vec<String>,
    blob_requests: usize,
}

/// Listens on 127.0.0.1, answers per [`Mode`], forwards the rest to `upstream`
/// (one request per connection, `Connection: close`).
struct Front {
    addr: String,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Front {
    fn start(upstream: &str, mode: Mode) -> Front {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (upstream, me) = (upstream.to_string(), addr.clone());
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (upstream, me, seen, stop) = (upstream.clone(), me.clone(), seen2.clone(), stop2.clone());
                workers.push(std::thread::spawn(move || serve(conn, &upstream, &me, mode, &seen, &stop)));
            }
            for w in workers {
                let _ = w.join();
            }
        });
        Front { addr, seen, stop, thread: Some(thread) }
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr); // Wakes accept().
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(conn: &mut TcpStream, status: &str, headers: &[String], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
}

fn serve(mut conn: TcpStream, upstream: &str, me: &str, mode: Mode, seen: &Mutex<Seen>, stop: &AtomicBool) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&req).into_owned();
    let mut lines = text.split("\r\n");
    let path = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("/").to_string();
    let header = |name: &str| {
        text.split("\r\n")
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
            .map(str::to_string)
    };
    let json = "Content-Type: application/json".to_string();
    match mode {
        Mode::Basic => {
            respond(&mut conn, "401 Unauthorized", &["WWW-Authenticate: Basic realm=\"test\"".into(), json], b"{}");
            return;
        }
        Mode::Bearer => {
            if let Some(q) = path.strip_prefix("/token?") {
                seen.lock().unwrap().token_requests.push(q.to_string());
                let ok = q.contains("scope=repository%3Aapp%3Apull") && q.contains("service=front");
                let body = if ok { format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#) } else { "{}".into() };
                respond(&mut conn, if ok { "200 OK" } else { "400 Bad Request" }, &[json], body.as_bytes());
                return;
            }
            if header("authorization").as_deref() != Some(&format!("Bearer {TOKEN}")) {
                seen.lock().unwrap().unauthorized.push(path.clone());
                let scope = if path == "/v2/" { String::new() } else { ",scope=\"repository:app:pull\"".to_string() };
                let challenge =
                    format!("WWW-Authenticate: Bearer realm=\"http://{me}/token\",service=\"front\"{scope}");
                respond(&mut conn, "401 Unauthorized", &[challenge, json], br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#);
                return;
            }
            seen.lock().unwrap().authorized += 1;
        }
        Mode::CutBlobs | Mode::StallBlobs => {}
    }
    // Forward to the real registry.
    let is_blob = path.contains("/blobs/");
    if is_blob {
        seen.lock().unwrap().blob_requests += 1;
    }
    let mut up = TcpStream::connect(upstream).unwrap();
    let accept = header("accept").map(|a| format!("Accept: {a}\r\n")).unwrap_or_default();
    write!(up, "GET {path} HTTP/1.0\r\nHost: {upstream}\r\n{accept}\r\n").unwrap();
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).unwrap();
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let body_len = resp.len() - split;
    // Layers only (the config is small).
    if is_blob && body_len > 4096 && matches!(mode, Mode::CutBlobs | Mode::StallBlobs) {
        let _ = conn.write_all(&resp[..split + body_len / 2]);
        let _ = conn.flush();
        if mode == Mode::StallBlobs {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        return;
    }
    let _ = conn.write_all(&resp);
}

/// Anonymous bearer tokens: the 401 challenge is answered with a token from
/// the realm, which is reused for every request of the same scope.
#[test]
fn bearer_token_flow() {
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().layer(&[TarEntry::file("x", "y")]).push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::Bearer);
    let rcon = Rcon::new();
    let reference = format!("{}/app:latest", front.addr);
    rcon.ok(&["pull", &reference]);
    let seen = front.seen.lock().unwrap();
    assert_eq!(seen.token_requests.len(), 1, "one token, reused: {:?}", seen.token_requests);
    assert_eq!(seen.unauthorized, vec!["/v2/".to_string()], "only the ping goes without a token");
    assert!(seen.authorized >= 4, "manifest, config, 2 layers: {}", seen.authorized);
    assert_eq!(images(&rcon).len(), 1);
}

/// A registry that wants a password: a clear error naming it.
#[test]
fn basic_auth_is_reported() {
    let reg = Registry::start();
    let front = Front::start(&reg.addr, Mode::Basic);
    let rcon = Rcon::new();
    let err = fail(&rcon, &["pull", &format!("{}/app:latest", front.addr)]);
    assert!(err.contains(&format!("registry {} requires a login", front.addr)), "{err}");
}

/// A connection dropped in the middle of a layer: error, nothing visible;
/// the next pull completes.
#[test]
fn dropped_connection_leaves_the_store_valid() {
    let reg = Registry::start();
    let (direct, _) = ImageBuilder::new().busybox_layer().push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::CutBlobs);
    let rcon = Rcon::new();
    let err = fail(&rcon, &["pull", &format!("{}/app:latest", front.addr)]);
    assert!(err.contains("layer sha256:") || err.contains("blob sha256:"), "names the layer: {err}");
    assert_store_empty(&rcon);
    rcon.ok(&["pull", &direct]);
    assert_eq!(images(&rcon).len(), 1);
}

/// Ctrl-C in the middle of a layer: no image or layer visible; the next pull
/// removes the dead pull's staging directory and completes.
#[test]
fn interrupted_pull_is_cleaned_up_by_the_next() {
    let reg = Registry::start();
    let (direct, _) = ImageBuilder::new().busybox_layer().push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::StallBlobs);
    let rcon = Rcon::new();
    let mut child = rcon
        .command(&["pull", &format!("{}/app:latest", front.addr)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the layer is being unpacked (its staging dir exists).
    let tmp = rcon.root.join("tmp");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !entries(&tmp).iter().any(|e| e.starts_with("layer-")) {
        assert!(Instant::now() < deadline, "the pull never started unpacking");
        assert!(child.try_wait().unwrap().is_none(), "the pull ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(images(&rcon), Vec::<serde_json::Value>::new());
    assert_eq!(entries(&rcon.root.join("layers")), Vec::<String>::new());
    drop(front);
    rcon.ok(&["pull", &direct]);
    assert_eq!(images(&rcon).len(), 1);
    assert_eq!(entries(&tmp), Vec::<String>::new(), "the dead pull's staging is removed");
}
