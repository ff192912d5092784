//! Test harness shared by every integration test: a real registry
//! (Debian's `docker-registry`) on a free loopback port, an image builder that
//! writes OCI image layouts by hand and pushes them with `skopeo`, a tar
//! writer for hand-made (including malicious) layers, and a runner for the
//! `rcon` binary with its own temporary `--root` and `--runroot`.
//!
//! Nothing here is skipped when a prerequisite is missing: a missing program
//! is a panic naming the Debian package to install. Everything a helper
//! starts or creates is stopped or removed on `Drop`, also when a test fails.

#![allow(dead_code)] // Each test module uses a different part of the harness.

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Path of Debian's registry binary (package `docker-registry`).
pub const DOCKER_REGISTRY: &str = "/usr/bin/docker-registry";
/// Path of Debian's static busybox (package `busybox-static`).
pub const BUSYBOX: &str = "/bin/busybox";
/// The mtime (seconds since the epoch) of every entry the harness writes, so
/// layers are byte-for-byte reproducible.
pub const MTIME: u64 = 1_700_000_000;
/// `PATH` of every image built by [`ImageBuilder::new`], as in Docker Hub images.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Panics with an install hint unless `path` exists.
fn require(path: &str, package: &str) {
    if !Path::new(path).exists() {
        panic!("{package} not installed ({path} is missing): apt-get install {package}");
    }
}

/// Finds `program` on `PATH` or panics with an install hint naming `package`.
fn require_program(program: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    for dir in std::env::split_paths(&path) {
        let p = dir.join(program);
        if p.is_file() {
            return p;
        }
    }
    panic!("{package} not installed ({program} not found on PATH): apt-get install {package}");
}

/// Lowercase hex sha256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `sha256:<hex>` of `data`.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(data))
}

/// gzip of `data` (reproducible: no name, mtime 0).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

// ---------------------------------------------------------------------------
// Registry

/// A docker-registry (Debian's `docker-registry`) on a free 127.0.0.1 port
/// with a temp config and temp filesystem storage, no auth, deletes enabled.
/// Killed (by pid) and removed on Drop.
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The filesystem storage root (`storage.filesystem.rootdirectory`).
    pub storage: PathBuf,
    /// The registry's log file (stdout and stderr).
    pub log: PathBuf,
    /// True when it serves HTTPS ([`Registry::start_tls`]).
    pub tls: bool,
    child: Child,
    _dir: TempDir,
}

impl Registry {
    /// Starts a registry and waits (up to 10 s) until `GET /v2/` answers.
    /// Panics if `docker-registry` is not installed or does not come up
    /// (printing its log).
    pub fn start() -> Registry {
        Self::start_with(false)
    }

    /// Like [`Self::start`], but serving HTTPS only, with a self-signed
    /// certificate (made with `openssl`, package `openssl`) for the names
    /// `registry.test` and `localhost` and the address 127.0.0.1.
    pub fn start_tls() -> Registry {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Registry {
        if !Path::new(DOCKER_REGISTRY).exists() {
            panic!("docker-registry not installed: apt-get install docker-registry");
        }
        let dir = tempfile::Builder::new().prefix("rcon-registry-").tempdir().unwrap();
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage).unwrap();
        let log = dir.path().join("registry.log");
        // Binding port 0 and releasing it leaves a small race with other
        // processes; a registry that exits at start is retried on a new port.
        let config = dir.path().join("config.yml");
        let tls_config = if tls {
            let openssl = require_program("openssl", "openssl");
            let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            let out = Command::new(openssl)
                .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=registry.test"])
                .args(["-addext", "subjectAltName=DNS:registry.test,DNS:localhost,IP:127.0.0.1", "-keyout"])
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .stdin(Stdio::null())
                .output()
                .expect("run openssl");
            assert!(out.status.success(), "openssl req failed: {}", String::from_utf8_lossy(&out.stderr));
            format!("  tls:\n    certificate: {}\n    key: {}\n", cert.display(), key.display())
        } else {
            String::new()
        };
        for _attempt in 0..5 {
            let addr = format!("127.0.0.1:{}", free_port());
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\n\
                     log:\n  level: info\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     http:\n  addr: {addr}\n{tls_config}",
                    storage.display()
                ),
            )
            .unwrap();
            let logf = std::fs::File::create(&log).unwrap();
            let mut child = Command::new(DOCKER_REGISTRY)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(logf.try_clone().unwrap())
                .stderr(logf)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {DOCKER_REGISTRY}: {e}"));
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                // Plain HTTP to the TLS port is answered with a 400.
                if http_get_status(&addr, "/v2/") == Some(if tls { 400 } else { 200 }) {
                    return Registry { addr, storage, log, tls, child, _dir: dir };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // Exited (port taken?): try another port.
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "docker-registry did not answer on {addr} within 10 s; log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            eprintln!("docker-registry exited at start; log:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        panic!("docker-registry failed to start 5 times; see the logs above");
    }

    /// The registry's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Path of a blob's data file in the registry's filesystem storage (to
    /// tamper with it). `digest` is `sha256:<hex>`.
    pub fn blob_data_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or_else(|| panic!("not a sha256 digest: {digest}"));
        self.storage.join("docker/registry/v2/blobs/sha256").join(&hex[..2]).join(hex).join("data")
    }

    /// `http://ADDR` + `path`: status code of a plain GET, for checks.
    pub fn get_status(&self, path: &str) -> Option<u16> {
        http_get_status(&self.addr, path)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Status code of `GET path` on `addr`, or `None` when nothing answers.
fn http_get_status(addr: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace().nth(1)?.parse().ok()
}

// ---------------------------------------------------------------------------
// Tar entries and the raw tar writer

/// What a [`TarEntry`] is.
#[derive(Clone, Debug)]
pub enum TarKind {
    /// A regular file with this content.
    File(Vec<u8>),
    /// A directory.
    Dir,
    /// A symbolic link to this target (stored verbatim).
    Symlink(String),
    /// A hard link to this (earlier) entry name (stored verbatim).
    Hardlink(String),
    /// A character device (major, minor).
    CharDev(u32, u32),
    /// A block device (major, minor).
    BlockDev(u32, u32),
    /// A named pipe.
    Fifo,
}

/// One entry of a hand-made tar layer. The path is written verbatim (no
/// normalization), so `../x` and `/abs` are possible on purpose.
#[derive(Clone, Debug)]
pub struct TarEntry {
    /// Entry name as stored in the archive.
    pub path: String,
    /// What it is.
    pub kind: TarKind,
    /// Permission bits (including setuid/setgid/sticky), e.g. `0o755`.
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
    /// Extended attributes, written as PAX `SCHILY.xattr.NAME` records.
    pub xattrs: Vec<(String, Vec<u8>)>,
}

impl TarEntry {
    fn new(path: &str, kind: TarKind, mode: u32) -> TarEntry {
        TarEntry { path: path.to_string(), kind, mode, uid: 0, gid: 0, mtime: MTIME, xattrs: Vec::new() }
    }
    /// A regular file, mode 0644.
    pub fn file(path: &str, data: impl AsRef<[u8]>) -> TarEntry {
        Self::new(path, TarKind::File(data.as_ref().to_vec()), 0o644)
    }
    /// A directory, mode 0755.
    pub fn dir(path: &str) -> TarEntry {
        Self::new(path, TarKind::Dir, 0o755)
    }
    /// A symlink `path -> target`, mode 0777.
    pub fn symlink(path: &str, target: &str) -> TarEntry {
        Self::new(path, TarKind::Symlink(target.to_string()), 0o777)
    }
    /// A hard link `path` to the entry named `target`.
    pub fn hardlink(path: &str, target: &str) -> TarEntry {
        Self::new(path, TarKind::Hardlink(target.to_string()), 0o644)
    }
    /// A character device, mode 0666.
    pub fn char_dev(path: &str, major: u32, minor: u32) -> TarEntry {
        Self::new(path, TarKind::CharDev(major, minor), 0o666)
    }
    /// A block device, mode 0660.
    pub fn block_dev(path: &str, major: u32, minor: u32) -> TarEntry {
        Self::new(path, TarKind::BlockDev(major, minor), 0o660)
    }
    /// A named pipe, mode 0644.
    pub fn fifo(path: &str) -> TarEntry {
        Self::new(path, TarKind::Fifo, 0o644)
    }
    /// A whiteout for `path` (OCI image-spec layer.md): empty file `dir/.wh.NAME`.
    pub fn whiteout(path: &str) -> TarEntry {
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (format!("{d}/"), n),
            None => (String::new(), path),
        };
        Self::file(&format!("{dir}.wh.{name}"), b"")
    }
    /// An opaque-directory marker for `dir`: empty file `dir/.wh..wh..opq`.
    pub fn opaque(dir: &str) -> TarEntry {
        Self::file(&format!("{}/.wh..wh..opq", dir.trim_end_matches('/')), b"")
    }
    /// Sets the permission bits.
    pub fn mode(mut self, mode: u32) -> TarEntry {
        self.mode = mode;
        self
    }
    /// Sets the owner.
    pub fn owner(mut self, uid: u32, gid: u32) -> TarEntry {
        self.uid = uid;
        self.gid = gid;
        self
    }
    /// Sets the modification time (seconds since the epoch).
    pub fn mtime(mut self, mtime: u64) -> TarEntry {
        self.mtime = mtime;
        self
    }
    /// Adds an extended attribute (e.g. `user.note`).
    pub fn xattr(mut self, name: &str, value: impl AsRef<[u8]>) -> TarEntry {
        self.xattrs.push((name.to_string(), value.as_ref().to_vec()));
        self
    }
}

/// An uncompressed tar archive (ustar headers written by hand, PAX `x`
/// headers for long names and xattrs) holding `entries` in order, followed by
/// the two zero blocks. Paths are written verbatim.
pub fn tar_bytes(entries: &[TarEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let (typeflag, data, link, dev): (u8, &[u8], &str, (u32, u32)) = match &e.kind {
            TarKind::File(d) => (b'0', d, "", (0, 0)),
            TarKind::Dir => (b'5', &[], "", (0, 0)),
            TarKind::Symlink(t) => (b'2', &[], t, (0, 0)),
            TarKind::Hardlink(t) => (b'1', &[], t, (0, 0)),
            TarKind::CharDev(ma, mi) => (b'3', &[], "", (*ma, *mi)),
            TarKind::BlockDev(ma, mi) => (b'4', &[], "", (*ma, *mi)),
            TarKind::Fifo => (b'6', &[], "", (0, 0)),
        };
        let mut pax = Vec::new();
        if e.path.len() > 100 {
            pax_record(&mut pax, "path", e.path.as_bytes());
        }
        if link.len() > 100 {
            pax_record(&mut pax, "linkpath", link.as_bytes());
        }
        for (k, v) in &e.xattrs {
            pax_record(&mut pax, &format!("SCHILY.xattr.{k}"), v);
        }
        if !pax.is_empty() {
            let h = header(b"PaxHeaders/entry", 0o644, 0, 0, pax.len() as u64, e.mtime, b'x', b"", (0, 0));
            out.extend_from_slice(&h);
            push_padded(&mut out, &pax);
        }
        let name = truncate(e.path.as_bytes(), 100);
        let h = header(
            name,
            e.mode,
            e.uid,
            e.gid,
            data.len() as u64,
            e.mtime,
            typeflag,
            truncate(link.as_bytes(), 100),
            dev,
        );
        out.extend_from_slice(&h);
        push_padded(&mut out, data);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn truncate(b: &[u8], n: usize) -> &[u8] {
    &b[..b.len().min(n)]
}

fn push_padded(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    let rem = data.len() % 512;
    if rem != 0 {
        out.resize(out.len() + 512 - rem, 0);
    }
}

/// Appends one PAX record `"LEN key=value\n"` (LEN counts the whole record).
fn pax_record(out: &mut Vec<u8>, key: &str, value: &[u8]) {
    let body = key.len() + value.len() + 3; // ' ', '=', '\n'
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    out.extend_from_slice(format!("{len} {key}=").as_bytes());
    out.extend_from_slice(value);
    out.push(b'\n');
}

#[allow(clippy::too_many_arguments)]
fn header(
    name: &[u8],
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: u64,
    typeflag: u8,
    link: &[u8],
    dev: (u32, u32),
) -> [u8; 512] {
    fn octal(field: &mut [u8], v: u64) {
        let s = format!("{:0width$o}", v, width = field.len() - 1);
        assert!(s.len() < field.len(), "value {v} too large for a tar field");
        field[..s.len()].copy_from_slice(s.as_bytes());
        field[s.len()] = 0;
    }
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    octal(&mut h[100..108], mode as u64);
    octal(&mut h[108..116], uid as u64);
    octal(&mut h[116..124], gid as u64);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = typeflag;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    let (uname, gname) = (b"root", b"root");
    if uid == 0 {
        h[265..265 + uname.len()].copy_from_slice(uname);
    }
    if gid == 0 {
        h[297..297 + gname.len()].copy_from_slice(gname);
    }
    octal(&mut h[329..337], dev.0 as u64);
    octal(&mut h[337..345], dev.1 as u64);
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| b as u64).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    h
}

/// Entries of the busybox base layer: `/bin/busybox` (from Debian's
/// busybox-static) with a symlink `/bin/APPLET -> busybox` for every applet,
/// `/etc/passwd` (root 0:0 /root, nobody 65534, app 1000:1000 /home/app),
/// `/etc/group` (root, staff 50 with member app, app 1000, nogroup 65534),
/// `/tmp` (1777), `/root`, `/home/app` (owned 1000:1000), empty `/proc`,
/// `/sys`, `/dev`, `/etc`.
pub fn busybox_entries() -> Vec<TarEntry> {
    require(BUSYBOX, "busybox-static");
    let bin = std::fs::read(BUSYBOX).unwrap();
    let list = Command::new(BUSYBOX).arg("--list").output().expect("run busybox --list");
    assert!(list.status.success(), "busybox --list failed");
    let mut entries = vec![
        TarEntry::dir("bin/"),
        TarEntry::file("bin/busybox", bin).mode(0o755),
        TarEntry::dir("dev/"),
        TarEntry::dir("etc/"),
        TarEntry::file(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\n\
             app:x:1000:1000:app:/home/app:/bin/sh\n\
             nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
        ),
        TarEntry::file("etc/group", "root:x:0:\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n"),
        TarEntry::dir("home/"),
        TarEntry::dir("home/app/").owner(1000, 1000),
        TarEntry::dir("proc/").mode(0o555),
        TarEntry::dir("root/").mode(0o700),
        TarEntry::dir("sys/").mode(0o555),
        TarEntry::dir("tmp/").mode(0o1777),
    ];
    let applets = String::from_utf8(list.stdout).unwrap();
    let links = applets
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "busybox")
        .map(|a| TarEntry::symlink(&format!("bin/{a}"), "busybox"));
    entries.splice(2..2, links);
    entries
}

// ---------------------------------------------------------------------------
// Image builder

/// Builds OCI image layouts in a temp dir and pushes them with skopeo
/// (`skopeo copy --dest-tls-verify=false oci:DIR:TAG docker://ADDR/NAME:TAG`).
/// Config: architecture amd64, os linux; `Env` starts as [`DEFAULT_PATH`].
#[derive(Clone, Debug)]
pub struct ImageBuilder {
    /// Uncompressed layer tars, base first.
    pub layers: Vec<Vec<u8>>,
    env: Vec<String>,
    cmd: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    workdir: Option<String>,
    user: Option<String>,
    docker_format: bool,
    exposed: Vec<String>,
    volumes: Vec<String>,
    labels: Vec<(String, String)>,
}

impl Default for ImageBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`ImageBuilder::write_layout`] wrote.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The OCI layout directory.
    pub dir: PathBuf,
    /// Manifest digest `sha256:…` (as written in the layout).
    pub manifest_digest: String,
    /// Config digest.
    pub config_digest: String,
    /// Compressed layer digests, base first.
    pub layer_digests: Vec<String>,
    /// Uncompressed layer digests (diff IDs), base first.
    pub diff_ids: Vec<String>,
}

impl ImageBuilder {
    /// An image with no layers and `Env = [DEFAULT_PATH]`.
    pub fn new() -> Self {
        ImageBuilder {
            layers: Vec::new(),
            env: vec![DEFAULT_PATH.to_string()],
            cmd: None,
            entrypoint: None,
            workdir: None,
            user: None,
            docker_format: false,
            exposed: Vec::new(),
            volumes: Vec::new(),
            labels: Vec::new(),
        }
    }

    /// Adds the busybox base layer ([`busybox_entries`]).
    pub fn busybox_layer(self) -> Self {
        self.raw_layer(tar_bytes(&busybox_entries()))
    }

    /// Adds a layer from a tar the test builds itself (raw bytes,
    /// uncompressed; gzip applied here), e.g. from [`tar_bytes`].
    pub fn raw_layer(mut self, tar: Vec<u8>) -> Self {
        self.layers.push(tar);
        self
    }

    /// Adds a layer made of `entries` ([`tar_bytes`]).
    pub fn layer(self, entries: &[TarEntry]) -> Self {
        self.raw_layer(tar_bytes(entries))
    }

    /// Appends `K=V` to the config's Env.
    pub fn env(mut self, kv: &str) -> Self {
        self.env.push(kv.to_string());
        self
    }

    /// Empties the config's Env (also dropping the default PATH).
    pub fn clear_env(mut self) -> Self {
        self.env.clear();
        self
    }

    /// Sets the config's Cmd.
    pub fn cmd(mut self, argv: &[&str]) -> Self {
        self.cmd = Some(argv.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Sets the config's Entrypoint.
    pub fn entrypoint(mut self, argv: &[&str]) -> Self {
        self.entrypoint = Some(argv.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Sets the config's WorkingDir.
    pub fn workdir(mut self, d: &str) -> Self {
        self.workdir = Some(d.to_string());
        self
    }

    /// Sets the config's User.
    pub fn user(mut self, u: &str) -> Self {
        self.user = Some(u.to_string());
        self
    }

    /// Adds `port` (`80/tcp`, `53/udp`) to the config's ExposedPorts (EXPOSE).
    pub fn expose(mut self, port: &str) -> Self {
        self.exposed.push(port.to_string());
        self
    }

    /// Adds `path` to the config's Volumes (VOLUME).
    pub fn volume(mut self, path: &str) -> Self {
        self.volumes.push(path.to_string());
        self
    }

    /// Adds a label to the config's Labels (LABEL).
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.push((key.to_string(), value.to_string()));
        self
    }

    /// Pushes in Docker schema2 format (`skopeo --format v2s2`: Docker
    /// manifest and media types) instead of OCI.
    pub fn docker_format(mut self) -> Self {
        self.docker_format = true;
        self
    }

    /// The image config JSON for `architecture`.
    fn config_json(&self, diff_ids: &[String], architecture: &str) -> Vec<u8> {
        let mut config = serde_json::Map::new();
        config.insert("Env".into(), json!(self.env));
        if let Some(c) = &self.cmd {
            config.insert("Cmd".into(), json!(c));
        }
        if let Some(e) = &self.entrypoint {
            config.insert("Entrypoint".into(), json!(e));
        }
        if let Some(w) = &self.workdir {
            config.insert("WorkingDir".into(), json!(w));
        }
        if let Some(u) = &self.user {
            config.insert("User".into(), json!(u));
        }
        if !self.exposed.is_empty() {
            let ports: serde_json::Map<String, Value> = self.exposed.iter().map(|p| (p.clone(), json!({}))).collect();
            config.insert("ExposedPorts".into(), Value::Object(ports));
        }
        if !self.volumes.is_empty() {
            let v: serde_json::Map<String, Value> = self.volumes.iter().map(|p| (p.clone(), json!({}))).collect();
            config.insert("Volumes".into(), Value::Object(v));
        }
        if !self.labels.is_empty() {
            let l: serde_json::Map<String, Value> = self.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            config.insert("Labels".into(), Value::Object(l));
        }
        let history: Vec<Value> =
            diff_ids.iter().map(|_| json!({"created": "2023-11-14T22:13:20Z", "created_by": "rcon tests"})).collect();
        serde_json::to_vec(&json!({
            "created": "2023-11-14T22:13:20Z",
            "architecture": architecture,
            "os": "linux",
            "config": Value::Object(config),
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        }))
        .unwrap()
    }

    /// Writes the image as an OCI image layout in `dir` with `tag` as its
    /// `org.opencontainers.image.ref.name`. With `index_for` set, the layout
    /// entry is an OCI image index holding one manifest per architecture
    /// (all with the same layers; only the config's architecture differs).
    pub fn write_layout(&self, dir: &Path, tag: &str, index_for: Option<&[&str]>) -> Layout {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        let put = |data: &[u8]| -> (String, usize) {
            let hex = sha256_hex(data);
            std::fs::write(blobs.join(&hex), data).unwrap();
            (format!("sha256:{hex}"), data.len())
        };
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        let mut layer_descs = Vec::new();
        let mut diff_ids = Vec::new();
        let mut layer_digests = Vec::new();
        for tar in &self.layers {
            diff_ids.push(sha256_digest(tar));
            let (digest, size) = put(&gzip(tar));
            layer_descs.push(
                json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}),
            );
            layer_digests.push(digest);
        }
        let manifest_for = |arch: &str| -> (String, usize, String) {
            let (config_digest, config_size) = put(&self.config_json(&diff_ids, arch));
            let manifest = serde_json::to_vec(&json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
                "layers": layer_descs,
            }))
            .unwrap();
            let (d, s) = put(&manifest);
            (d, s, config_digest)
        };
        let (top_digest, top_size, top_type, config_digest) = match index_for {
            None => {
                let (d, s, c) = manifest_for("amd64");
                (d, s, "application/vnd.oci.image.manifest.v1+json", c)
            }
            Some(arches) => {
                let mut manifests = Vec::new();
                let mut amd64_config = String::new();
                for arch in arches {
                    let (d, s, c) = manifest_for(arch);
                    if *arch == "amd64" {
                        amd64_config = c;
                    }
                    manifests.push(json!({
                        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": s,
                        "platform": {"architecture": arch, "os": "linux"},
                    }));
                }
                let index = serde_json::to_vec(&json!({
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": manifests,
                }))
                .unwrap();
                let (d, s) = put(&index);
                (d, s, "application/vnd.oci.image.index.v1+json", amd64_config)
            }
        };
        let index = json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": top_type, "digest": top_digest, "size": top_size,
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }],
        });
        std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        Layout { dir: dir.to_path_buf(), manifest_digest: top_digest, config_digest, layer_digests, diff_ids }
    }

    /// Writes the layout and pushes it; returns the reference
    /// `127.0.0.1:PORT/NAME:TAG` and the pushed manifest digest `sha256:…`
    /// (as skopeo reports it: with [`Self::docker_format`] that is the
    /// converted Docker manifest's digest).
    pub fn push(self, reg: &Registry, name_tag: &str) -> (String, String) {
        self.push_layout(reg, name_tag, None)
    }

    /// Like [`Self::push`], but pushes an OCI image index holding one
    /// manifest per entry of `arches` (e.g. `&["arm64", "amd64"]`); returns
    /// the reference and the index digest.
    pub fn push_index(self, reg: &Registry, name_tag: &str, arches: &[&str]) -> (String, String) {
        self.push_layout(reg, name_tag, Some(arches))
    }

    fn push_layout(self, reg: &Registry, name_tag: &str, index_for: Option<&[&str]>) -> (String, String) {
        let skopeo = require_program("skopeo", "skopeo");
        let (_, tag) = name_tag.rsplit_once(':').unwrap_or((name_tag, "latest"));
        let tmp = tempfile::Builder::new().prefix("rcon-image-").tempdir().unwrap();
        let layout_dir = tmp.path().join("layout");
        self.write_layout(&layout_dir, tag, index_for);
        let reference = if name_tag.contains(':') {
            format!("{}/{name_tag}", reg.addr)
        } else {
            format!("{}/{name_tag}:latest", reg.addr)
        };
        let digestfile = tmp.path().join("digest");
        let mut cmd = Command::new(skopeo);
        cmd.args(["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "--digestfile"])
            .arg(&digestfile)
            .env("HOME", tmp.path())
            .stdin(Stdio::null());
        if index_for.is_some() {
            cmd.arg("--all");
        }
        if self.docker_format {
            cmd.args(["--format", "v2s2"]);
        }
        cmd.arg(format!("oci:{}:{tag}", layout_dir.display())).arg(format!("docker://{reference}"));
        let out = cmd.output().expect("run skopeo");
        assert!(
            out.status.success(),
            "skopeo copy to {reference} failed ({}):\n{}\nregistry log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            reg.log_text()
        );
        let digest = std::fs::read_to_string(&digestfile).unwrap().trim().to_string();
        (reference, digest)
    }
}

// ---------------------------------------------------------------------------
// The rcon binary

/// Runs the rcon binary (`env!("CARGO_BIN_EXE_rcon")`) with its own temp
/// `--root` and `--runroot`. Drop: best-effort `rcon rm -f` of every
/// container `rcon ps -aq` lists, lazy unmount of anything still mounted
/// under the temp dir, then removal of the temp dir.
pub struct Rcon {
    /// `--root` (`TMP/root`).
    pub root: PathBuf,
    /// `--runroot` (`TMP/runroot`).
    pub runroot: PathBuf,
    dir: Option<TempDir>,
}

impl Default for Rcon {
    fn default() -> Self {
        Self::new()
    }
}

impl Rcon {
    /// A fresh, empty store in a new temp dir.
    pub fn new() -> Rcon {
        host_network_cleanup_at_exit();
        let dir = tempfile::Builder::new().prefix("rcon-test-").tempdir().unwrap();
        let root = dir.path().join("root");
        let runroot = dir.path().join("runroot");
        std::fs::create_dir(&root).unwrap();
        std::fs::create_dir(&runroot).unwrap();
        Rcon { root, runroot, dir: Some(dir) }
    }

    /// The temp dir holding `root/` and `runroot/` (tests may put files there).
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().unwrap().path()
    }

    /// A `Command` for `rcon --root R --runroot RR ARGS…` with stdin null,
    /// `RCON_ROOT`/`RCON_RUNROOT` removed from the environment and
    /// `RCON_REGISTRIES_CONF` set to `DIR/registries.conf`; for tests
    /// that need to spawn, set env or send signals.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rcon"));
        c.arg("--root")
            .arg(&self.root)
            .arg("--runroot")
            .arg(&self.runroot)
            .args(args)
            .env_remove("RCON_ROOT")
            .env_remove("RCON_RUNROOT")
            // Shielded from the host's /etc/containers/registries.conf: a
            // file of the test's own, absent unless the test writes it.
            .env("RCON_REGISTRIES_CONF", self.dir().join("registries.conf"))
            .env_remove("CONTAINERS_REGISTRIES_CONF")
            .stdin(Stdio::null());
        // A test run started in the background by a non-interactive shell
        // inherits SIGINT and SIGQUIT ignored; rcon would keep that (as
        // nohup'd programs do) and tests that interrupt it would hang.
        // SAFETY: only sigaction(2), async-signal-safe, runs between fork and exec.
        unsafe {
            c.pre_exec(|| {
                use nix::sys::signal::{SigHandler, Signal, signal};
                signal(Signal::SIGINT, SigHandler::SigDfl).map_err(std::io::Error::from)?;
                signal(Signal::SIGQUIT, SigHandler::SigDfl).map_err(std::io::Error::from)?;
                Ok(())
            });
        }
        c
    }

    /// Runs `rcon ARGS…` (this store, the environment of [`Rcon::command`])
    /// on a real terminal made by python3's `pty` module, whose window is
    /// `rows`×`cols`. Once the output shows the window size (`ROWS COLS`,
    /// as `stty size` prints it), types `input` and Enter. Gives up after
    /// 20 s (never blocks longer: rcon is killed then, exit code -9). The
    /// terminal has its size before rcon starts. Returns python's output: stdout is the `repr` of everything
    /// rcon wrote, a newline and rcon's exit code.
    pub fn in_pty(&self, args: &[&str], (rows, cols): (u16, u16), input: &str) -> Output {
        let rcon = env!("CARGO_BIN_EXE_rcon");
        let (root, runroot) = (self.root.display().to_string(), self.runroot.display().to_string());
        let argv: Vec<String> =
            [rcon, "--root", &root, "--runroot", &runroot].iter().chain(args).map(|a| format!("{a:?}")).collect();
        let script = format!(
            r#"
import os, pty, select, signal, sys, termios, struct, fcntl, time
pid, fd = pty.fork()
if pid == 0:
    # The terminal has its size before rcon starts, as a user's has.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", {rows}, {cols}, 0, 0))
    os.execv({rcon:?}, [{argv}])
out = b""
deadline = time.time() + 20
sent = False
# Never a blocking read or wait past the deadline: a stuck session is
# killed and reported (its output so far, exit code -9), not a hang.
while (left := deadline - time.time()) > 0:
    if not select.select([fd], [], [], left)[0]:
        continue
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and b"{rows} {cols}" in out:
        os.write(fd, b"{input}\r")
        sent = True
if left <= 0:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
sys.stdout.write(repr(out) + "\n" + str(os.waitstatus_to_exitcode(status)) + "\n")
"#,
            argv = argv.join(", "),
        );
        Command::new("python3")
            .arg("-c")
            .arg(&script)
            .env_remove("RCON_ROOT")
            .env_remove("RCON_RUNROOT")
            .env("RCON_REGISTRIES_CONF", self.dir().join("registries.conf"))
            .env_remove("CONTAINERS_REGISTRIES_CONF")
            .output()
            .expect("python3 (apt-get install python3)")
    }

    /// Starts `rcon ARGS…` in the background with stdout and stderr piped
    /// (collect them with `wait_with_output`).
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start rcon")
    }

    /// Runs `rcon ARGS…` (stdin null) and returns its output. Fails the
    /// test when rcon panicked (see [`assert_no_panic`]).
    #[track_caller]
    pub fn cmd(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("run rcon");
        assert_no_panic(&out, &format!("rcon {args:?}"));
        out
    }

    /// [`Self::cmd`] + assert exit 0 (printing the exit status, stdout and
    /// stderr otherwise); returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "rcon {args:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }

    /// The container's recorded state (the `state` column of its row in
    /// the store database) as JSON: pids and flags `inspect` does not show.
    #[track_caller]
    pub fn container_state(&self, id: &str) -> serde_json::Value {
        let db = rusqlite::Connection::open(self.root.join("rcon.db")).expect("open the store database");
        let text: String = db
            .query_row("SELECT state FROM containers WHERE id = ?1", [id], |r| r.get(0))
            .unwrap_or_else(|e| panic!("container {id}: no row in the store database: {e}"));
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Rcon {
    fn drop(&mut self) {
        if let Ok(out) = self.command(&["ps", "-aq", "--no-trunc"]).output()
            && out.status.success()
        {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .filter(|w| w.len() >= 12 && w.chars().all(|c| c.is_ascii_hexdigit()))
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids.iter().map(String::as_str));
                let _ = self.command(&args).stdout(Stdio::null()).stderr(Stdio::null()).status();
            }
        }
        // rcon processes of this store still finishing (a monitor
        // recording an exit, a forked `kube play` child) would write into
        // the directory after it is removed: wait for them, then stop them.
        stop_processes_of(&self.root);
        let dir = self.dir.take().unwrap();
        unmount_under(dir.path());
        if let Err(e) = dir.close() {
            eprintln!("rcon test harness: cannot remove temp dir: {e}");
        }
    }
}

/// The records of the store's image index (the `record` column of the
/// `images` rows of `rcon.db`, in the order they were added) as JSON; empty
/// when the store has no database yet.
pub fn image_records(rcon: &Rcon) -> Vec<serde_json::Value> {
    let path = rcon.root.join("rcon.db");
    if !path.exists() {
        return Vec::new();
    }
    let db = rusqlite::Connection::open(path).expect("open the store database");
    let Ok(mut stmt) = db.prepare("SELECT record FROM images ORDER BY seq") else { return Vec::new() };
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|t| serde_json::from_str(&t.unwrap()).unwrap()).collect()
}

/// Pids of the processes whose command line has `root` as one argument
/// (every rcon the harness starts gets `--root ROOT`, and its monitors
/// `__monitor ROOT …`).
fn processes_of(root: &Path) -> Vec<i32> {
    let want = root.as_os_str().as_encoded_bytes();
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == want))
        })
        .collect()
}

/// Waits up to 10 s for the rcon processes of store `root` to end, then
/// kills those left (by pid: the test started them).
fn stop_processes_of(root: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_of(root);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            for pid in left {
                eprintln!("rcon test harness: killing leftover rcon process {pid} of {}", root.display());
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(100));
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Lazily unmounts every mount point of this mount namespace under `dir`,
/// deepest first, so removing `dir` never descends into a leaked mount.
pub fn unmount_under(dir: &Path) {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else { return };
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut points: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape_mountinfo(p)))
        .filter(|p| p.starts_with(&dir))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for p in points {
        eprintln!("rcon test harness: unmounting leaked mount {}", p.display());
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: plain syscall on a valid NUL-terminated path.
        unsafe {
            libc::umount2(c.as_ptr(), libc::MNT_DETACH);
        }
    }
}

/// Undoes mountinfo's octal escapes (`\040` for space, …).
fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 4]).unwrap(), 8).unwrap());
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Polls `f` every 20 ms until it returns true; panics with `what` after 20 s.
#[track_caller]
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !f() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// True when `first_bytes` of a connection start a TLS handshake (a TLS
/// record of type 22): rcon tries HTTPS before plain HTTP on loopback
/// registries, and the plain-HTTP test servers close such connections at
/// once, as a real HTTP server answers them with an error.
pub fn is_tls_hello(first_bytes: &[u8]) -> bool {
    first_bytes.first() == Some(&0x16)
}

/// A server speaking Docker Hub's search API on 127.0.0.1 for `requests`
/// requests, as `index.docker.io` does: `GET /v1/search?q=TERM&n=N`
/// answers the repositories below whose name contains TERM, at most N
/// (25 without `n`), as `{"num_results", "query", "results": [{"name",
/// "description", "star_count", "is_official", "is_automated"}…]}`.
/// Returns its `HOST:PORT` and a handle giving the request lines it read.
/// The repositories: `busybox` (official, 3000 stars), `someone/busybox-tools`
/// (automated, 12 stars, a long two-line description), `other/busy`
/// (0 stars, no description).
pub fn hub_search_server(requests: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::BufRead;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let repositories = [
            json!({"name": "busybox", "description": "Busybox base image.", "star_count": 3000, "is_official": true, "is_automated": false}),
            json!({"name": "someone/busybox-tools", "description": "A very long description of a busybox image with many tools in it\nand a second line", "star_count": 12, "is_official": false, "is_automated": true}),
            json!({"name": "other/busy", "description": "", "star_count": 0, "is_official": false, "is_automated": false}),
        ];
        let mut seen = Vec::new();
        for _ in 0..requests {
            let (mut conn, _) = listener.accept().unwrap();
            let mut reader = std::io::BufReader::new(conn.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            seen.push(request_line.trim().to_string());
            let target = request_line.split_whitespace().nth(1).unwrap_or("");
            let query = target.split_once('?').map_or("", |(_, q)| q);
            let param = |name: &str| {
                query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')).unwrap_or("").to_string()
            };
            let (q, n) = (param("q"), param("n").parse::<usize>().unwrap_or(25));
            let results: Vec<&Value> =
                repositories.iter().filter(|r| r["name"].as_str().unwrap().contains(q.as_str())).take(n).collect();
            let body = json!({"num_pages": 1, "num_results": results.len(), "page_size": n, "page": 1, "query": q, "results": results});
            http_reply(&mut conn, "200 OK", &["Content-Type: application/json".into()], body.to_string().as_bytes());
        }
        seen
    });
    (addr, handle)
}

/// Writes one HTTP/1.1 response (status line, `headers` as `Name: value`
/// strings, `body`) for the small test servers in front of registries.
pub fn http_reply(conn: &mut std::net::TcpStream, status: &str, headers: &[String], body: &[u8]) {
    use std::io::Write;
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
}

/// Stdout of `out` as a String (lossy).
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr of `out` as a String (lossy).
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Fails the test when `out` (of `what`) shows a Rust panic: rcon must turn
/// every impossible state into an error, never a panic. Every
/// [`Rcon::cmd`]/[`Rcon::ok`] and every [`code`] call checks this.
#[track_caller]
pub fn assert_no_panic(out: &Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked at"), "{what} panicked ({}):\n{err}", out.status);
}

/// The exit code of `out`, panicking (with its stderr) if it was killed by
/// a signal or panicked.
#[track_caller]
pub fn code(out: &Output) -> i32 {
    assert_no_panic(out, "the command");
    out.status.code().unwrap_or_else(|| panic!("killed by a signal: {}\nstderr:\n{}", out.status, stderr(out)))
}

/// Host-wide networking that containers of the tests create and rcon keeps
/// on purpose (as docker keeps `docker0`): the default bridge `rcon0`, the
/// nftables table `ip rcon`, `net.ipv4.ip_forward`. The first `Rcon::new`
/// notes which of them existed; when the test process exits, what did not
/// exist before is removed (and ip_forward set back, and the host-wide
/// `/run/rcon/network` lock directory), so the tests leave the
/// host as they found it and never touch what they did not create.
fn host_network_cleanup_at_exit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    static STATE: std::sync::OnceLock<(bool, bool, String, bool)> = std::sync::OnceLock::new();
    const NET_RUN: &str = "/run/rcon/network";
    extern "C" fn cleanup() {
        let Some((bridge_existed, table_existed, forward, run_existed)) = STATE.get() else { return };
        if !run_existed {
            // Only lock files and emptied lease directories remain by now.
            let _ = std::fs::remove_dir_all(NET_RUN);
            let _ = std::fs::remove_dir("/run/rcon");
        }
        if !bridge_existed {
            let _ = Command::new("ip").args(["link", "del", "rcon0"]).stderr(Stdio::null()).status();
        }
        if !table_existed {
            let _ = Command::new("nft").args(["delete", "table", "ip", "rcon"]).stderr(Stdio::null()).status();
        }
        let _ = std::fs::write("/proc/sys/net/ipv4/ip_forward", forward);
    }
    ONCE.call_once(|| {
        let bridge = std::path::Path::new("/sys/class/net/rcon0").exists();
        let table = Command::new("nft")
            .args(["list", "table", "ip", "rcon"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let forward = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap_or_else(|_| "0\n".into());
        let run_existed = std::path::Path::new(NET_RUN).exists();
        let _ = STATE.set((bridge, table, forward, run_existed));
        // SAFETY: registering a plain extern "C" function with atexit(3).
        unsafe {
            libc::atexit(cleanup);
        }
    });
}

// ---------------------------------------------------------------------------
// Python virtual environments

/// A Python virtual environment with `packages` installed from PyPI (for
/// tools such as `kubernetes-validate`, never in the system Python): made
/// once, under a file lock, in `target/test-venvs/<hash of the list>` with
/// `python3 -m venv` and `pip install`; returns its directory (its tools are
/// in `bin/`). Panics with an install hint when python3-venv is missing or
/// pip fails.
pub fn venv(packages: &[&str]) -> PathBuf {
    require_program("python3", "python3-venv");
    let key = sha256_hex(packages.join("\n").as_bytes())[..12].to_string();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("test-venvs");
    std::fs::create_dir_all(&base).unwrap();
    let dir = base.join(&key);
    let lock = std::fs::File::create(base.join(format!("{key}.lock"))).unwrap();
    let _guard = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).expect("lock the venv");
    if dir.join(".complete").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new("python3").args(["-m", "venv"]).arg(&dir).output().expect("run python3 -m venv");
    assert!(
        out.status.success(),
        "python3 -m venv failed (apt-get install python3-venv): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(dir.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(packages)
        .output()
        .expect("run pip");
    assert!(
        out.status.success(),
        "pip install {packages:?} failed (PyPI must be reachable): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.join(".complete"), packages.join("\n")).unwrap();
    dir
}

/// `rcon run --rm IMAGE ARGS…` → (exit code, stdout, stderr).
pub fn run(rcon: &Rcon, image: &str, flags: &[&str], args: &[&str]) -> (i32, String, String) {
    let mut a = vec!["run", "--rm"];
    a.extend_from_slice(flags);
    a.push(image);
    a.extend_from_slice(args);
    let out = rcon.cmd(&a);
    (code(&out), stdout(&out), stderr(&out))
}

/// [`run`] that must exit 0; returns stdout.
#[track_caller]
pub fn run_ok(rcon: &Rcon, image: &str, flags: &[&str], args: &[&str]) -> String {
    let (c, out, err) = run(rcon, image, flags, args);
    assert_eq!(c, 0, "rcon run {flags:?} {args:?} exited {c}\nstdout:\n{out}\nstderr:\n{err}");
    out
}
