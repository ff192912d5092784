//! `rcon pull` against a real registry (Debian's `docker-registry`) and a
//! small in-test HTTP server for authentication and broken connections:
//! references, digests, media types, layer unpack (whiteouts, opaque dirs),
//! malicious layers, tampered blobs, bearer tokens, interrupted pulls.

use crate::common::{
    ImageBuilder, Rcon, Registry, TarEntry, busybox_entries, code, http_reply, sha256_digest, stderr, stdout, tar_bytes,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The store's image index (the `images` rows of `rcon.db`) as JSON
/// (`{"images":[...records]}`).
fn index(rcon: &Rcon) -> serde_json::Value {
    serde_json::json!({ "images": crate::common::image_records(rcon) })
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

/// Runs a pull that must fail: exit 1, as every failed `docker pull`.
#[track_caller]
fn fail(rcon: &Rcon, args: &[&str]) -> String {
    let out = rcon.cmd(args);
    assert_eq!(code(&out), 1, "rcon {args:?} should fail with 1; stderr:\n{}", stderr(&out));
    stderr(&out)
}

/// Pull a busybox image: docker's progress lines on stdout, the record in
/// the store, the unpacked layer; a second pull reuses everything; `-q`
/// prints the reference.
#[test]
fn pull_from_local_registry() {
    let reg = Registry::start();
    let (reference, digest) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "busybox:latest");
    let rcon = Rcon::new();
    let out = rcon.cmd(&["pull", &reference]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let short = &ImageBuilder::new().busybox_layer().write_layout(&rcon.dir().join("l"), "x", None).layer_digests[0]
        ["sha256:".len()..][..12];
    assert_eq!(
        stdout(&out),
        format!(
            "latest: Pulling from busybox\n{short}: Pulling fs layer\n\
             {short}: Verifying Checksum\n{short}: Download complete\n{short}: Pull complete\nDigest: {digest}\n\
             Status: Downloaded newer image for {reference}\n{reference}\n"
        ),
        "docker 20.10's lines"
    );
    assert_eq!(stderr(&out), "");

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
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "latest: Pulling from busybox\nDigest: {digest}\n\
             Status: Image is up to date for {reference}\n{reference}\n"
        )
    );
    assert_eq!(images(&rcon).len(), 1);

    // -q: only the reference on stdout, nothing on stderr.
    let out = rcon.cmd(&["pull", "-q", &reference]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), format!("{reference}\n"));
    assert_eq!(stderr(&out), "");
    // No tag: docker's first line.
    let untagged = reference.strip_suffix(":latest").unwrap();
    assert!(rcon.ok(&["pull", untagged]).starts_with("Using default tag: latest\nlatest: Pulling from busybox\n"));
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
    // docker 20.10's words and exit status for a missing manifest.
    assert_eq!(
        err,
        format!(
            "Error response from daemon: manifest for {}/nosuch:latest not found: manifest unknown: manifest unknown\n",
            reg.addr
        )
    );
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

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// 401 + Bearer challenge unless `Authorization: Bearer TOKEN`; /token issues it.
    Bearer,
    /// 401 + Basic challenge on everything.
    Basic,
    /// Layer bodies are cut in half and the connection closed.
    CutBlobs,
    /// Layer bodies stop after half and the connection hangs until shutdown.
    StallBlobs,
    /// The first request of each layer is cut in half; later ones (with
    /// `Range`) are forwarded.
    CutOnce,
    /// The first request of each layer stops after half the body and hangs
    /// until shutdown; later ones (with `Range`) are forwarded.
    StallOnce,
    /// The first request of each blob gets 429 with `Retry-After: 1`.
    RateLimitOnce,
    /// Every blob request gets 429 with `Retry-After: 1`.
    RateLimitAlways,
    /// Requests for this layer digest hang after half the body; others pass.
    StallOne(&'static str),
    /// Like Bearer, and blob requests are redirected to a [`Mode::Target`]
    /// front on another port.
    BearerRedirect,
    /// Forwards everything, recording `Authorization` headers it gets.
    Target,
    /// Manifests are answered with a Docker schema1 manifest.
    Schema1,
}

const TOKEN: &str = "test-token-0123";

#[derive(Default)]
struct Seen {
    token_requests: Vec<String>,
    authorized: usize,
    unauthorized: Vec<String>,
    blob_requests: usize,
    /// `Range` headers of blob requests.
    ranges: Vec<String>,
    /// Blob paths already answered once (for the *Once modes).
    blobs_seen: Vec<String>,
    /// Authorization headers that reached the redirect target (should be none).
    leaked_auth: Vec<String>,
    /// Requests served by the redirect target.
    redirected: usize,
}

/// Listens on 127.0.0.1, answers per [`Mode`], forwards the rest to `upstream`
/// (one request per connection, `Connection: close`).
pub(crate) struct Front {
    pub(crate) addr: String,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The redirect target of [`Mode::BearerRedirect`] (dropped with the front).
    redirect: Option<Box<Front>>,
}

impl Front {
    fn start(upstream: &str, mode: Mode) -> Front {
        let redirect = (mode == Mode::BearerRedirect).then(|| Box::new(Front::start(upstream, Mode::Target)));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (upstream, me) = (upstream.to_string(), addr.clone());
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let target = redirect.as_ref().map(|r| (r.addr.clone(), r.seen.clone()));
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (upstream, me, seen, stop) = (upstream.clone(), me.clone(), seen2.clone(), stop2.clone());
                let target = target.clone();
                workers.push(std::thread::spawn(move || serve(conn, &upstream, &me, mode, &seen, &stop, target)));
            }
            for w in workers {
                let _ = w.join();
            }
        });
        Front { addr, seen, stop, thread: Some(thread), redirect }
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr); // Wakes accept().
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.redirect.take();
    }
}

fn serve(
    mut conn: TcpStream,
    upstream: &str,
    me: &str,
    mode: Mode,
    seen: &Mutex<Seen>,
    stop: &AtomicBool,
    target: Option<(String, Arc<Mutex<Seen>>)>,
) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
        if crate::common::is_tls_hello(&req) {
            return; // rcon tries HTTPS first on loopback: plain HTTP only here.
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
    let is_blob = path.contains("/blobs/");
    match mode {
        Mode::Basic => {
            http_reply(&mut conn, "401 Unauthorized", &["WWW-Authenticate: Basic realm=\"test\"".into(), json], b"{}");
            return;
        }
        Mode::Bearer | Mode::BearerRedirect => {
            if let Some(q) = path.strip_prefix("/token?") {
                seen.lock().unwrap().token_requests.push(q.to_string());
                let ok = q.contains("scope=repository%3Aapp%3Apull") && q.contains("service=front");
                let body = if ok { format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#) } else { "{}".into() };
                http_reply(&mut conn, if ok { "200 OK" } else { "400 Bad Request" }, &[json], body.as_bytes());
                return;
            }
            if header("authorization").as_deref() != Some(&format!("Bearer {TOKEN}")) {
                seen.lock().unwrap().unauthorized.push(path.clone());
                let scope = if path == "/v2/" { String::new() } else { ",scope=\"repository:app:pull\"".to_string() };
                let challenge =
                    format!("WWW-Authenticate: Bearer realm=\"http://{me}/token\",service=\"front\"{scope}");
                http_reply(
                    &mut conn,
                    "401 Unauthorized",
                    &[challenge, json],
                    br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#,
                );
                return;
            }
            seen.lock().unwrap().authorized += 1;
            if mode == Mode::BearerRedirect && is_blob {
                let (taddr, _) = target.as_ref().unwrap();
                http_reply(&mut conn, "307 Temporary Redirect", &[format!("Location: http://{taddr}{path}")], b"");
                return;
            }
        }
        Mode::Schema1 if path.contains("/manifests/") => {
            let body =
                br#"{"schemaVersion":1,"name":"app","tag":"latest","architecture":"amd64","fsLayers":[],"history":[]}"#;
            let ct = "Content-Type: application/vnd.docker.distribution.manifest.v1+prettyjws".to_string();
            http_reply(&mut conn, "200 OK", &[ct], body);
            return;
        }
        Mode::Target => {
            let mut s = seen.lock().unwrap();
            s.redirected += 1;
            if let Some(a) = header("authorization") {
                s.leaked_auth.push(a);
            }
        }
        Mode::RateLimitOnce | Mode::RateLimitAlways if is_blob => {
            let mut s = seen.lock().unwrap();
            let first = !s.blobs_seen.contains(&path);
            s.blobs_seen.push(path.clone());
            if first || mode == Mode::RateLimitAlways {
                drop(s);
                let body = br#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#;
                http_reply(&mut conn, "429 Too Many Requests", &["Retry-After: 1".into(), json], body);
                return;
            }
        }
        _ => {}
    }
    // Forward to the real registry.
    if is_blob {
        let mut s = seen.lock().unwrap();
        s.blob_requests += 1;
        if let Some(r) = header("range") {
            s.ranges.push(r);
        }
    }
    let mut up = TcpStream::connect(upstream).unwrap();
    let accept = header("accept").map(|a| format!("Accept: {a}\r\n")).unwrap_or_default();
    let range = header("range").map(|a| format!("Range: {a}\r\n")).unwrap_or_default();
    write!(up, "GET {path} HTTP/1.0\r\nHost: {upstream}\r\n{accept}{range}\r\n").unwrap();
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).unwrap();
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let body_len = resp.len() - split;
    // Layers only (the config is small).
    let cut = is_blob
        && body_len > 4096
        && match mode {
            Mode::CutBlobs | Mode::StallBlobs => true,
            Mode::StallOne(d) => path.ends_with(d),
            Mode::CutOnce | Mode::StallOnce => {
                let mut s = seen.lock().unwrap();
                let first = !s.blobs_seen.contains(&path);
                s.blobs_seen.push(path.clone());
                first
            }
            _ => false,
        };
    if cut {
        let _ = conn.write_all(&resp[..split + body_len / 2]);
        let _ = conn.flush();
        if matches!(mode, Mode::StallBlobs | Mode::StallOne(_) | Mode::StallOnce) {
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
    let err = fail(&rcon, &["pull", "--retry", "2", "--retry-delay", "10ms", &format!("{}/app:latest", front.addr)]);
    assert!(err.contains("2 resumes failed"), "{err}");
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

// ---------------------------------------------------------------------------
// Raw registry pushes (for media types and indexes skopeo would rewrite).

/// One HTTP/1.1 request over a fresh connection; returns status, headers
/// (lowercase names) and body.
pub(crate) fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut c = TcpStream::connect(addr).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    c.write_all(head.as_bytes()).unwrap();
    c.write_all(body).unwrap();
    let mut resp = Vec::new();
    c.read_to_end(&mut resp).unwrap();
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&resp[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let hs = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())))
        .collect();
    (status, hs, resp[split + 4..].to_vec())
}

/// Uploads a blob to `name` on the registry; returns its digest.
pub(crate) fn raw_blob(reg: &Registry, name: &str, data: &[u8]) -> String {
    let digest = sha256_digest(data);
    let (status, hs, _) = http(&reg.addr, "POST", &format!("/v2/{name}/blobs/uploads/"), &[], b"");
    assert_eq!(status, 202, "upload start");
    let loc = hs.iter().find(|(k, _)| k == "location").unwrap().1.clone();
    let loc = loc.strip_prefix(&format!("http://{}", reg.addr)).unwrap_or(&loc).to_string();
    let sep = if loc.contains('?') { '&' } else { '?' };
    let (status, _, body) = http(
        &reg.addr,
        "PUT",
        &format!("{loc}{sep}digest={digest}"),
        &[("Content-Type", "application/octet-stream")],
        data,
    );
    assert_eq!(status, 201, "blob upload: {}", String::from_utf8_lossy(&body));
    digest
}

/// Puts a manifest; returns its digest.
pub(crate) fn raw_manifest(reg: &Registry, name: &str, tag: &str, media_type: &str, body: &[u8]) -> String {
    let (status, _, resp) =
        http(&reg.addr, "PUT", &format!("/v2/{name}/manifests/{tag}"), &[("Content-Type", media_type)], body);
    assert_eq!(status, 201, "manifest put: {}", String::from_utf8_lossy(&resp));
    sha256_digest(body)
}

/// Pushes an image whose layers are given as (media type, blob, diff ID);
/// returns the manifest digest and the config digest.
pub(crate) fn raw_image(
    reg: &Registry,
    name: &str,
    tag: &str,
    arch: &str,
    layers: &[(&str, Vec<u8>, String)],
) -> (String, String, usize) {
    let diff_ids: Vec<&String> = layers.iter().map(|l| &l.2).collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": arch, "os": "linux",
        "config": {"Env": [crate::common::DEFAULT_PATH], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap();
    let config_digest = raw_blob(reg, name, &config);
    let descs: Vec<serde_json::Value> = layers
        .iter()
        .map(|(mt, blob, _)| serde_json::json!({"mediaType": mt, "digest": raw_blob(reg, name, blob), "size": blob.len()}))
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": descs,
    }))
    .unwrap();
    let digest = raw_manifest(reg, name, tag, "application/vnd.oci.image.manifest.v1+json", &manifest);
    (digest, config_digest, manifest.len())
}

/// `n` bytes that do not compress (a xorshift stream from `seed`).
pub(crate) fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

const OCI_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const OCI_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
const OCI_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
const DOCKER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";

/// Layers compressed with gzip, zstd (two frames), or not at all, in OCI
/// and Docker media types: all unpack, and the container sees every file.
#[test]
fn zstd_and_uncompressed_layers() {
    let reg = Registry::start();
    let base = tar_bytes(&busybox_entries());
    let zst = tar_bytes(&[TarEntry::file("z/data", vec![b'z'; 300_000]), TarEntry::file("z/small", "zstd")]);
    // Two zstd frames (as zstd:chunked writes them) with a skippable frame between.
    let mut zblob = ruzstd::encoding::compress_to_vec(&zst[..1024], ruzstd::encoding::CompressionLevel::Fastest);
    zblob.extend_from_slice(&0x184D_2A5Au32.to_le_bytes());
    zblob.extend_from_slice(&4u32.to_le_bytes());
    zblob.extend_from_slice(b"meta");
    zblob.extend(ruzstd::encoding::compress_to_vec(&zst[1024..], ruzstd::encoding::CompressionLevel::Fastest));
    let plain = tar_bytes(&[TarEntry::file("p/plain", "uncompressed")]);
    let docker_plain = tar_bytes(&[TarEntry::file("p/docker", "docker tar")]);
    let layers = vec![
        (OCI_GZIP, crate::common::gzip(&base), sha256_digest(&base)),
        (OCI_ZSTD, zblob, sha256_digest(&zst)),
        (OCI_TAR, plain.clone(), sha256_digest(&plain)),
        (DOCKER_TAR, docker_plain.clone(), sha256_digest(&docker_plain)),
    ];
    raw_image(&reg, "media", "v1", "amd64", &layers);
    let rcon = Rcon::new();
    let reference = format!("{}/media:v1", reg.addr);
    rcon.ok(&["pull", &reference]);
    let out = rcon.ok(&["run", "--rm", &reference, "sh", "-c", "wc -c < /z/data; cat /z/small /p/plain /p/docker"]);
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["300000", "zstduncompresseddocker", "tar"]);

    // A corrupt zstd stream is an error naming the layer; nothing stored.
    let bad = vec![0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3];
    let (_, _, _) = raw_image(&reg, "badzstd", "v1", "amd64", &[(OCI_ZSTD, bad, sha256_digest(b"x"))]);
    let rcon = Rcon::new();
    let err = fail(&rcon, &["pull", &format!("{}/badzstd:v1", reg.addr)]);
    assert!(err.contains("zstd") && err.contains("sha256:"), "{err}");
    assert_store_empty(&rcon);
}

/// An index with an attestation entry (unknown/unknown) and two platforms:
/// the host's is pulled by default, `--platform` picks another, an absent
/// platform is an error listing the real ones (not the attestation).
#[test]
fn platforms_and_attestations() {
    let reg = Registry::start();
    let base = tar_bytes(&busybox_entries());
    let layer = (OCI_GZIP, crate::common::gzip(&base), sha256_digest(&base));
    let (amd, amd_cfg, amd_len) = raw_image(&reg, "multi", "amd64", "amd64", std::slice::from_ref(&layer));
    let (arm, arm_cfg, arm_len) = raw_image(&reg, "multi", "arm64", "arm64", std::slice::from_ref(&layer));
    let att_layer = b"{}".to_vec();
    let (att, _, att_len) = raw_image(
        &reg,
        "multi",
        "att",
        "unknown",
        &[("application/vnd.in-toto+json", att_layer, sha256_digest(b"{}"))],
    );
    let mt = "application/vnd.oci.image.manifest.v1+json";
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": mt, "digest": att, "size": att_len, "platform": {"os": "unknown", "architecture": "unknown"},
             "annotations": {"vnd.docker.reference.type": "attestation-manifest"}},
            {"mediaType": mt, "digest": arm, "size": arm_len, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
            {"mediaType": mt, "digest": amd, "size": amd_len, "platform": {"os": "linux", "architecture": "amd64"}},
        ],
    }))
    .unwrap();
    raw_manifest(&reg, "multi", "latest", "application/vnd.oci.image.index.v1+json", &index);
    let reference = format!("{}/multi:latest", reg.addr);
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &reference]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.Id}}", &reference]).trim(), amd_cfg);
    rcon.ok(&["pull", "-q", "--platform", "linux/arm64", &reference]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.Id}}", &reference]).trim(), arm_cfg);
    let err = fail(&rcon, &["pull", "--platform", "linux/s390x", &reference]);
    assert!(err.contains("no image for platform linux/s390x"), "{err}");
    assert!(err.contains("linux/arm64/v8, linux/amd64") && !err.contains("unknown"), "{err}");
    let err = fail(&rcon, &["pull", "--platform", "a/b/c/d", &reference]);
    assert!(err.contains("invalid platform"), "{err}");
}

/// A Docker schema1 manifest is refused with a message saying so.
#[test]
fn schema1_is_rejected() {
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::Schema1);
    let rcon = Rcon::new();
    let err = fail(&rcon, &["pull", &format!("{}/app:latest", front.addr)]);
    assert!(err.contains("Docker schema1 images are not supported"), "{err}");
}

/// A connection dropped mid-layer: the pull resumes with a Range request
/// and completes.
#[test]
fn dropped_connection_resumes_with_range() {
    let reg = Registry::start();
    let big = TarEntry::file("big", noise(400_000, 7));
    ImageBuilder::new().busybox_layer().layer(&[big]).push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::CutOnce);
    let rcon = Rcon::new();
    let out = rcon.cmd(&["pull", "--retry-delay", "10ms", &format!("{}/app:latest", front.addr)]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(err.contains("Resuming blob"), "{err}");
    let seen = front.seen.lock().unwrap();
    assert_eq!(seen.ranges.len(), 2, "one Range request per layer: {:?}\n{err}", seen.ranges);
    assert!(seen.ranges.iter().all(|r| r.starts_with("bytes=") && r.ends_with('-')), "{:?}", seen.ranges);
    assert_eq!(images(&rcon).len(), 1);
}

/// A registry that stops sending in the middle of a layer and keeps the
/// connection open: after `--stall-timeout` without a byte the download
/// resumes with a Range request and completes; when every attempt stalls,
/// the pull fails after the retries, naming the layer, the registry and the
/// timeout, and leaves no image behind.
#[test]
fn stalled_download_resumes_then_gives_up() {
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::StallOnce);
    let rcon = Rcon::new();
    let name = format!("{}/app:latest", front.addr);
    let out = rcon.cmd(&["pull", "--stall-timeout", "1s", "--retry-delay", "10ms", &name]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("Resuming blob") && err.contains("the registry sent nothing for 1s (--stall-timeout)"),
        "{err}"
    );
    assert_eq!(front.seen.lock().unwrap().ranges.len(), 1, "one Range request for the layer\n{err}");
    assert_eq!(images(&rcon).len(), 1);
    drop(front);

    let front = Front::start(&reg.addr, Mode::StallBlobs);
    let rcon = Rcon::new();
    let name = format!("{}/app:latest", front.addr);
    let err = fail(&rcon, &["pull", "--stall-timeout", "1s", "--retry", "2", "--retry-delay", "10ms", &name]);
    assert!(err.contains(&format!("download from registry {}", front.addr)), "names the registry: {err}");
    assert!(err.contains("blob sha256:") || err.contains("layer sha256:"), "names the layer: {err}");
    assert!(err.contains("sent nothing for 1s (--stall-timeout)") && err.contains("2 resumes failed"), "{err}");
    assert_eq!(front.seen.lock().unwrap().ranges.len(), 2, "{err}");
    assert_store_empty(&rcon);
    let out = rcon.cmd(&["pull", "--stall-timeout", "0s", &name]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).contains("--stall-timeout must be longer than 0s"), "{}", stderr(&out));
}

/// HTTP 429: Retry-After is honoured and the user is told; when it does
/// not end, a `rate limited` error.
#[test]
fn rate_limits() {
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::RateLimitOnce);
    let rcon = Rcon::new();
    let out = rcon.cmd(&["pull", &format!("{}/app:latest", front.addr)]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(err.contains("Rate limited by registry") && err.contains("retrying in 1s"), "{err}");
    drop(front);
    let front = Front::start(&reg.addr, Mode::RateLimitAlways);
    let rcon = Rcon::new();
    let err = fail(&rcon, &["pull", "--retry", "1", &format!("{}/app:latest", front.addr)]);
    assert!(err.contains(&format!("rate limited: registry {} answered 429", front.addr)), "{err}");
    assert!(err.contains("Retry-After: 1 s"), "{err}");
}

/// Blobs redirected to another host: followed, without the registry's
/// Authorization header.
#[test]
fn redirects_drop_authorization() {
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().push(&reg, "app:latest");
    let front = Front::start(&reg.addr, Mode::BearerRedirect);
    let rcon = Rcon::new();
    rcon.ok(&["pull", &format!("{}/app:latest", front.addr)]);
    let target = front.redirect.as_ref().unwrap().seen.lock().unwrap();
    assert_eq!(target.redirected, 2, "config and layer fetched from the redirect target");
    assert_eq!(target.leaked_auth, Vec::<String>::new(), "no Authorization sent to another host");
}

/// Several layers download at once: while the first layer of the
/// manifest hangs, the two after it are downloaded and committed (a serial
/// downloader would wait on the first forever). A pull killed then keeps
/// the layers it finished, and the next pull does not fetch them.
#[test]
fn parallel_layers_and_reuse_after_kill() {
    let reg = Registry::start();
    let big = TarEntry::file("big", noise(300_000, 13));
    let builder = ImageBuilder::new().busybox_layer().layer(&[TarEntry::file("a", "a")]).layer(&[big]);
    let tmp = tempfile::tempdir().unwrap();
    let layout = builder.write_layout(tmp.path(), "x", None);
    let (direct, _) = builder.push(&reg, "app:latest");
    let hang: &'static str = Box::leak(layout.layer_digests[0].clone().into_boxed_str());
    let front = Front::start(&reg.addr, Mode::StallOne(hang));
    let rcon = Rcon::new();
    let mut child = rcon
        .command(&["pull", &format!("{}/app:latest", front.addr)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let layers = rcon.root.join("layers");
    let deadline = Instant::now() + Duration::from_secs(30);
    while entries(&layers).len() < 2 {
        assert!(Instant::now() < deadline, "the two later layers were not committed while the first hung");
        assert!(child.try_wait().unwrap().is_none(), "the pull ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(front);
    assert_eq!(images(&rcon), Vec::<serde_json::Value>::new());
    let out = rcon.cmd(&["pull", "--max-concurrent-downloads", "1", &direct]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches(": Already exists\n").count(), 2, "{text}");
    assert_eq!(text.matches(": Pull complete\n").count(), 1, "{text}");
    assert_eq!(entries(&rcon.root.join("tmp")), Vec::<String>::new());
}

/// `--all-tags` pulls every tag of the repository.
#[test]
fn all_tags() {
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().env("T=1").push(&reg, "app:one");
    ImageBuilder::new().busybox_layer().env("T=2").push(&reg, "app:two");
    let rcon = Rcon::new();
    let out = rcon.ok(&["pull", "-a", "-q", &format!("{}/app", reg.addr)]);
    assert_eq!(out, format!("{}/app\n", reg.addr), "docker prints the repository");
    let mut tags: Vec<String> = images(&rcon).iter().map(|i| i["repo_tags"][0].as_str().unwrap().to_string()).collect();
    tags.sort();
    assert_eq!(tags, vec![format!("{}/app:one", reg.addr), format!("{}/app:two", reg.addr)]);
}

/// A minimal forward proxy (absolute-URI GETs only) that records the URLs.
struct Proxy {
    addr: String,
    urls: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let urls = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (urls2, stop2, upstream) = (urls.clone(), stop.clone(), upstream.to_string());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&req).into_owned();
                let first = text.split("\r\n").next().unwrap_or("").to_string();
                let mut parts = first.split(' ');
                let (method, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or("").to_string());
                urls2.lock().unwrap().push(format!("{method} {url}"));
                if method != "GET" {
                    http_reply(&mut conn, "502 Bad Gateway", &[], b"");
                    continue;
                }
                // http://host:port/path → path, sent to the real registry.
                let path = url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or("/".into());
                let accept = text
                    .split("\r\n")
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case("accept"))
                            .map(|(_, v)| v.trim().to_string())
                    })
                    .map(|a| format!("Accept: {a}\r\n"))
                    .unwrap_or_default();
                let mut up = TcpStream::connect(&upstream).unwrap();
                write!(up, "GET {path} HTTP/1.0\r\nHost: {upstream}\r\n{accept}\r\n").unwrap();
                let mut resp = Vec::new();
                up.read_to_end(&mut resp).unwrap();
                let _ = conn.write_all(&resp);
            }
        });
        Proxy { addr, urls, stop, thread: Some(thread) }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// HTTP_PROXY carries requests to a non-loopback registry name (which only
/// the proxy can resolve); NO_PROXY exempts it; loopback registries never
/// go through the proxy.
#[test]
fn proxies_from_the_environment() {
    let reg = Registry::start();
    let (direct, _) = ImageBuilder::new().busybox_layer().push(&reg, "app:latest");
    let proxy = Proxy::start(&reg.addr);
    let proxy_url = format!("http://{}", proxy.addr);
    let rcon = Rcon::new();
    let name = "registry.rcon-test.invalid:5000/app:latest";
    let out = rcon
        .command(&["pull", "--tls-verify=false", "--retry", "0", name])
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let urls = proxy.urls.lock().unwrap().clone();
    assert!(urls.iter().any(|u| u == "GET http://registry.rcon-test.invalid:5000/v2/app/manifests/latest"), "{urls:?}");
    assert_eq!(images(&rcon).len(), 1);

    // NO_PROXY: the name is looked up directly, and cannot be.
    let out = rcon
        .command(&["pull", "--tls-verify=false", "--retry", "0", name])
        .env("HTTP_PROXY", &proxy_url)
        .env("NO_PROXY", ".rcon-test.invalid")
        .env_remove("no_proxy")
        .env_remove("http_proxy")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot reach registry registry.rcon-test.invalid:5000"), "{}", stderr(&out));

    // Loopback: never proxied, even with a dead proxy.
    let before = proxy.urls.lock().unwrap().len();
    drop(proxy);
    let rcon = Rcon::new();
    let out = rcon
        .command(&["pull", "--retry", "0", &direct])
        .env("HTTP_PROXY", &proxy_url)
        .env("HTTPS_PROXY", &proxy_url)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(before > 0);
}

/// `--log-level debug` shows the records of rcon's libraries through the
/// `log` facade (reqwest's connections), as well as rcon's own; the default
/// level shows no debug records.
#[test]
fn log_level_debug_shows_the_http_clients_records() {
    let reg = Registry::start();
    let (reference, _) = ImageBuilder::new().busybox_layer().push(&reg, "logged:1");
    let out = Rcon::new().cmd(&["--log-level", "debug", "pull", "-q", &reference]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("rcon[debug]: reqwest::connect: starting new connection"), "{err}");
    let out = Rcon::new().cmd(&["pull", "-q", &reference]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("rcon[debug]"), "{}", stderr(&out));
}
