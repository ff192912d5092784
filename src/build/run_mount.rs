//! `RUN --mount=…` as BuildKit defines it
//! (`frontend/dockerfile/docs/reference.md`, "RUN --mount"): parsing of the
//! mount options and of `build --secret`/`--ssh`, and the host side of each
//! mount type:
//!
//! - `bind` (default type): a directory or file of the context (after
//!   `.dockerignore`) or of a stage/image (`from`), copied into a scratch
//!   directory first, so `rw` writes are discarded and never reach the
//!   context; read-only unless `rw`.
//! - `cache`: a directory kept under the store (`<root>/build-cache-mounts`)
//!   across builds, keyed by `id` (default: the target); `sharing=shared`
//!   (default), `locked` (one RUN at a time) or `private` (a fresh
//!   directory when it is in use); `uid`, `gid`, `mode` when it is created;
//!   `from`/`source` seed it on creation.
//! - `tmpfs` (`size`).
//! - `secret`: `build --secret id=ID,src=FILE|env=VAR`, bound read-only at
//!   `target` (default `/run/secrets/ID`) from a scratch file, and/or given
//!   as the variable `env`; never in a layer or the cache key.
//! - `ssh`: `build --ssh default[=SOCKET]` (default `$SSH_AUTH_SOCK`): the
//!   agent's socket bound at `target` (default `/run/buildkit/ssh_agent.N`)
//!   and `SSH_AUTH_SOCK` set.
//!
//! Every option is either honoured or an error: nothing is silently dropped.
//! Mount points the runtime had to create are removed from the layer.

use std::collections::HashMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::build::fs::LayeredFs;

/// Most bytes a secret may hold (BuildKit's limit, 500 KiB).
pub const MAX_SECRET: usize = 500 << 10;

/// The mount type and its type-specific options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `type=bind`.
    Bind {
        /// `source` (default: the root).
        source: String,
        /// `from`: a stage or image (default: the context).
        from: Option<String>,
        /// `rw`.
        rw: bool,
    },
    /// `type=cache`.
    Cache {
        /// `id` (default: the target).
        id: String,
        /// `sharing`: `shared`, `private` or `locked`.
        sharing: String,
        /// `from`: a stage or image seeding a new cache.
        from: Option<String>,
        /// `source` in `from`.
        source: String,
        /// `ro`.
        ro: bool,
        /// `uid`, `gid` and `mode` of a new cache directory.
        uid: u32,
        /// See `uid`.
        gid: u32,
        /// See `uid` (default 0755).
        mode: u32,
    },
    /// `type=tmpfs`.
    Tmpfs {
        /// `size` in bytes (0: the kernel's default).
        size: u64,
    },
    /// `type=secret`.
    Secret {
        /// `id` (default: the target's file name).
        id: String,
        /// `env`: also (or only, without a target) set this variable.
        env: Option<String>,
        /// `required`: a missing secret is an error (else the mount is skipped).
        required: bool,
        /// `mode` (default 0400), `uid`, `gid` of the file.
        mode: u32,
        /// See `mode`.
        uid: u32,
        /// See `mode`.
        gid: u32,
    },
    /// `type=ssh`.
    Ssh {
        /// `id` (default `default`).
        id: String,
        /// `required`.
        required: bool,
    },
}

/// One parsed `--mount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMount {
    /// What is mounted.
    pub kind: Kind,
    /// `target` (absolute after [`parse`]; `None` for an env-only secret).
    pub target: Option<String>,
}

fn parse_bool(key: &str, v: Option<&str>) -> Result<bool, String> {
    match v.map(str::to_ascii_lowercase).as_deref() {
        None | Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(format!("invalid value for {key}: {other:?} (true or false)")),
    }
}

fn parse_u32(key: &str, v: &str) -> Result<u32, String> {
    v.parse().map_err(|_| format!("invalid value for {key}: {v:?}"))
}

/// Parses one `--mount` value (`type=cache,target=/root/.cache,sharing=locked`).
/// `expand` expands each value (ARGs and ENV, as BuildKit does); `n` is the
/// mount's position among the RUN's ssh mounts (for the default target).
/// Errors: an unknown type or key, a missing target, a bad value.
pub fn parse(spec: &str, expand: &dyn Fn(&str) -> Result<String, String>, n: usize) -> Result<RunMount, String> {
    let mut kv: Vec<(String, Option<String>)> = Vec::new();
    for field in split_csv(spec)? {
        match field.split_once('=') {
            Some((k, v)) => kv.push((k.trim().to_ascii_lowercase(), Some(expand(v)?))),
            None => kv.push((field.trim().to_ascii_lowercase(), None)),
        }
    }
    let get = |names: &[&str]| -> Option<Option<String>> {
        kv.iter().rev().find(|(k, _)| names.contains(&k.as_str())).map(|(_, v)| v.clone())
    };
    let typ = get(&["type"]).flatten().unwrap_or_else(|| "bind".into()).to_ascii_lowercase();
    let allowed: &[&str] = match typ.as_str() {
        "bind" => {
            &["type", "target", "dst", "destination", "source", "src", "from", "rw", "readwrite", "ro", "readonly"]
        }
        "cache" => &[
            "type",
            "target",
            "dst",
            "destination",
            "source",
            "src",
            "from",
            "id",
            "sharing",
            "ro",
            "readonly",
            "rw",
            "readwrite",
            "uid",
            "gid",
            "mode",
        ],
        "tmpfs" => &["type", "target", "dst", "destination", "size"],
        "secret" => &["type", "target", "dst", "destination", "id", "env", "required", "mode", "uid", "gid"],
        "ssh" => &["type", "target", "dst", "destination", "id", "required", "mode", "uid", "gid"],
        other => return Err(format!("unsupported mount type {other:?} (bind, cache, tmpfs, secret or ssh)")),
    };
    for (k, _) in &kv {
        if !allowed.contains(&k.as_str()) {
            return Err(format!("unexpected key '{k}' for a {typ} mount in {spec:?}"));
        }
    }
    let value = |names: &[&str]| -> Result<Option<String>, String> {
        match get(names) {
            None => Ok(None),
            Some(Some(v)) => Ok(Some(v)),
            Some(None) => Err(format!("{} requires a value in {spec:?}", names[0])),
        }
    };
    let flag = |names: &[&str]| -> Result<Option<bool>, String> {
        get(names).map(|v| parse_bool(names[0], v.as_deref())).transpose()
    };
    let mut target = value(&["target", "dst", "destination"])?;
    if let Some(t) = &target {
        if t.is_empty() {
            return Err(format!("the mount target is empty in {spec:?}"));
        }
        if !t.starts_with('/') {
            target = Some(format!("/{t}"));
        }
    }
    let need_target = |t: &Option<String>| t.clone().ok_or_else(|| format!("mount {spec:?} needs a target"));
    let mode = |default: u32| -> Result<u32, String> {
        value(&["mode"])?.map_or(Ok(default), |m| u32::from_str_radix(&m, 8).map_err(|_| format!("invalid mode {m:?}")))
    };
    let uid = value(&["uid"])?.map(|v| parse_u32("uid", &v)).transpose()?.unwrap_or(0);
    let gid = value(&["gid"])?.map(|v| parse_u32("gid", &v)).transpose()?.unwrap_or(0);
    let ro = flag(&["ro", "readonly"])?;
    let rw = flag(&["rw", "readwrite"])?;
    let kind = match typ.as_str() {
        "bind" => {
            target = Some(need_target(&target)?);
            Kind::Bind {
                source: value(&["source", "src"])?.unwrap_or_else(|| "/".into()),
                from: value(&["from"])?,
                rw: rw.unwrap_or(false) && ro != Some(true),
            }
        }
        "cache" => {
            let t = need_target(&target)?;
            target = Some(t.clone());
            let sharing = value(&["sharing"])?.unwrap_or_else(|| "shared".into()).to_ascii_lowercase();
            if !matches!(sharing.as_str(), "shared" | "private" | "locked") {
                return Err(format!("unsupported sharing value {sharing:?} (shared, private or locked)"));
            }
            Kind::Cache {
                id: value(&["id"])?.unwrap_or(t),
                sharing,
                from: value(&["from"])?,
                source: value(&["source", "src"])?.unwrap_or_else(|| "/".into()),
                ro: ro.unwrap_or(false) && rw != Some(true),
                uid,
                gid,
                mode: mode(0o755)?,
            }
        }
        "tmpfs" => {
            target = Some(need_target(&target)?);
            let size = match value(&["size"])? {
                None => 0,
                Some(s) => crate::units::parse_size(&s).map_err(|e| format!("tmpfs mount size {s:?}: {e}"))?,
            };
            Kind::Tmpfs { size }
        }
        "secret" => {
            let env = value(&["env"])?;
            let id = match value(&["id"])? {
                Some(id) => id,
                None => target
                    .as_deref()
                    .and_then(|t| t.rsplit('/').next())
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .ok_or_else(|| format!("secret mount {spec:?} needs an id or a target"))?,
            };
            if target.is_none() && env.is_none() {
                target = Some(format!("/run/secrets/{id}"));
            }
            Kind::Secret { id, env, required: flag(&["required"])?.unwrap_or(false), mode: mode(0o400)?, uid, gid }
        }
        _ => {
            if uid != 0 || gid != 0 || mode(0o600)? != 0o600 {
                return Err(
                    "ssh mounts: uid, gid and mode cannot be honoured (rcon binds the agent's socket as it is)".into(),
                );
            }
            if target.is_none() {
                target = Some(format!("/run/buildkit/ssh_agent.{n}"));
            }
            Kind::Ssh {
                id: value(&["id"])?.unwrap_or_else(|| "default".into()),
                required: flag(&["required"])?.unwrap_or(false),
            }
        }
    };
    if let Some(t) = &target {
        target = Some(crate::build::dockerignore::clean_path(t));
    }
    Ok(RunMount { kind, target })
}

/// The `from=` of a `--mount` value as written (for stage planning).
pub fn from_of(spec: &str) -> Option<String> {
    split_csv(spec).ok()?.into_iter().find_map(|f| {
        let (k, v) = f.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("from")).then(|| v.to_string())
    })
}

/// Splits a CSV line as Go's `encoding/csv` does for one record (double
/// quotes around a field, `""` inside quotes for a quote).
fn split_csv(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if in_quotes {
        return Err(format!("unterminated quote in {s:?}"));
    }
    out.push(cur);
    Ok(out.into_iter().filter(|f| !f.trim().is_empty()).collect())
}

/// Secrets given with `build --secret`, by id.
#[derive(Default)]
pub struct Secrets(HashMap<String, Vec<u8>>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish() // never the values
    }
}

impl Secrets {
    /// Reads `--secret` values: `id=ID,src=FILE` (or `source`), `id=ID,env=VAR`,
    /// `type=file|env`; `id=ID` alone takes the variable `ID`, else the file.
    /// Errors: a missing id, an unreadable file, an unset variable, more
    /// than [`MAX_SECRET`] bytes.
    pub fn parse(values: &[String]) -> Result<Secrets, String> {
        let mut out = HashMap::new();
        for v in values {
            let mut id = None;
            let mut src = None;
            let mut env = None;
            let mut typ = None;
            for field in split_csv(v)? {
                let (k, val) = field.split_once('=').unwrap_or((field.as_str(), ""));
                match k.trim() {
                    "id" => id = Some(val.to_string()),
                    "src" | "source" => src = Some(val.to_string()),
                    "env" => env = Some(val.to_string()),
                    "type" => typ = Some(val.to_string()),
                    other => return Err(format!("--secret {v:?}: unexpected key {other:?} (id, src, env, type)")),
                }
            }
            let id = id.or_else(|| src.clone()).ok_or_else(|| format!("--secret {v:?}: id is required"))?;
            let data = match (typ.as_deref(), src, env) {
                (Some("env"), src, None) => read_env(src.as_deref().unwrap_or(&id))?,
                (_, None, Some(var)) => read_env(&var)?,
                (None, None, None) if std::env::var_os(&id).is_some() => read_env(&id)?,
                (Some("file") | None, Some(path), None) => {
                    std::fs::read(&path).map_err(|e| format!("--secret {v:?}: cannot read {path}: {e}"))?
                }
                _ => return Err(format!("--secret {v:?}: give src=FILE or env=VARIABLE")),
            };
            if data.len() > MAX_SECRET {
                return Err(format!("--secret {id}: larger than {} KiB", MAX_SECRET >> 10));
            }
            out.insert(id, data);
        }
        Ok(Secrets(out))
    }

    fn get(&self, id: &str) -> Option<&[u8]> {
        self.0.get(id).map(Vec::as_slice)
    }
}

fn read_env(var: &str) -> Result<Vec<u8>, String> {
    std::env::var_os(var)
        .map(|v| v.into_encoded_bytes())
        .ok_or_else(|| format!("--secret: the environment variable {var} is not set"))
}

/// Parses `build --ssh` values: `default`, `ID=SOCKET[,SOCKET]` (the first
/// socket is used). Without a socket, `$SSH_AUTH_SOCK`. Errors: no socket.
pub fn parse_ssh(values: &[String]) -> Result<HashMap<String, PathBuf>, String> {
    let mut out = HashMap::new();
    for v in values {
        let (id, path) = match v.split_once('=') {
            Some((id, p)) => (id.to_string(), p.split(',').next().unwrap_or("").to_string()),
            None => (v.clone(), String::new()),
        };
        let path = if path.is_empty() {
            std::env::var("SSH_AUTH_SOCK")
                .map_err(|_| format!("--ssh {v}: SSH_AUTH_SOCK is not set (start an agent or give ID=SOCKET)"))?
        } else {
            path
        };
        out.insert(id, PathBuf::from(path));
    }
    Ok(out)
}

/// A prepared mount: what the container gets, and what must be undone.
#[derive(Default)]
pub struct Prepared {
    /// OCI mounts to add to the RUN's spec.
    pub mounts: Vec<oci_spec::runtime::Mount>,
    /// Variables to add to the RUN's environment (secret `env`, SSH_AUTH_SOCK).
    pub env: Vec<String>,
    /// Mount targets, removed from the layer when the image lacked them.
    pub targets: Vec<String>,
    /// Text for the step's cache key (content hashes of bind sources, options; no secrets).
    pub key: String,
    /// Scratch directories removed after the step.
    pub scratch: Vec<PathBuf>,
    /// Locks held for the step (`sharing=locked`, `private`).
    pub locks: Vec<std::fs::File>,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        for d in &self.scratch {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Where a mount's content comes from.
pub struct Source {
    /// The filesystem.
    pub fs: LayeredFs,
    /// The context's `.dockerignore` filter (relative paths allowed), for the context.
    pub filter: Option<std::collections::HashSet<String>>,
}

fn oci_mount(dest: &str, typ: &str, source: &str, options: &[&str]) -> Result<oci_spec::runtime::Mount, String> {
    oci_spec::runtime::MountBuilder::default()
        .destination(dest)
        .typ(typ)
        .source(source)
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()
        .map_err(|e| format!("mount {dest}: {e}"))
}

/// Copies `path` of `src` (a file or a tree, whiteouts honoured, symlinks
/// kept as links) to `dest`, hashing names, modes, owners and contents into `h`.
fn copy_out(src: &Source, path: &str, dest: &Path, h: &mut Sha256) -> Result<(), String> {
    let allowed = |p: &str| {
        src.filter
            .as_ref()
            .is_none_or(|f| p.trim_start_matches('/').is_empty() || f.contains(p.trim_start_matches('/')))
    };
    let resolved = src.fs.resolve(path, true);
    let found = src
        .fs
        .lookup(&resolved)
        .filter(|_| allowed(&resolved))
        .ok_or_else(|| format!("mount source {path:?} not found"))?;
    copy_entry(src, &resolved, &found, dest, h, &allowed)
}

fn copy_entry(
    src: &Source,
    path: &str,
    found: &crate::build::fs::Found,
    dest: &Path,
    h: &mut Sha256,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let e = |x: std::io::Error| format!("{}: {x}", dest.display());
    let m = &found.meta;
    h.update(path.as_bytes());
    h.update(m.mode().to_le_bytes());
    h.update(m.uid().to_le_bytes());
    h.update(m.gid().to_le_bytes());
    if m.is_dir() {
        std::fs::create_dir_all(dest).map_err(e)?;
        for (name, f) in src.fs.read_dir(path) {
            let p = format!("{}/{}", path.trim_end_matches('/'), name.to_string_lossy());
            if allowed(&p) {
                copy_entry(src, &p, &f, &dest.join(&name), h, allowed)?;
            }
        }
    } else if m.file_type().is_symlink() {
        let t = std::fs::read_link(&found.path).map_err(e)?;
        h.update(t.as_os_str().as_encoded_bytes());
        std::os::unix::fs::symlink(&t, dest).map_err(e)?;
    } else if m.is_file() {
        std::fs::copy(&found.path, dest).map_err(e)?;
        let mut f = std::fs::File::open(dest).map_err(e)?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = std::io::Read::read(&mut f, &mut buf).map_err(e)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
    } else {
        return Ok(()); // devices, fifos and sockets are not copied
    }
    if !m.file_type().is_symlink() {
        std::fs::set_permissions(dest, std::fs::Permissions::from_mode(m.mode() & 0o7777)).map_err(e)?;
    }
    std::os::unix::fs::lchown(dest, Some(m.uid()), Some(m.gid())).map_err(e)?;
    h.update([0xff]);
    Ok(())
}

/// What [`prepare`] needs from the build.
pub struct Env<'a> {
    /// Scratch space (`<root>/tmp`).
    pub tmp: PathBuf,
    /// Where cache mounts live (`<root>/build-cache-mounts`).
    pub cache_root: PathBuf,
    /// `--secret` values.
    pub secrets: &'a Secrets,
    /// `--ssh` sockets by id.
    pub ssh: &'a HashMap<String, PathBuf>,
}

/// Prepares the host side of `mounts`. `sources` holds, by `from`, the
/// filesystem of each stage/image (`Some`) or the context (`None`) that a
/// mount reads, with its cache key.
/// Errors name the mount; a required secret or ssh id that was not given is
/// an error, a missing optional one skips its mount (BuildKit's rule).
pub fn prepare(
    mounts: &[RunMount],
    env: &Env,
    sources: &HashMap<Option<String>, (Source, String)>,
) -> Result<Prepared, String> {
    let source_of = |from: Option<&str>| -> Result<(&Source, &str), String> {
        let (s, k) =
            sources.get(&from.map(String::from)).ok_or_else(|| format!("mount source {from:?} was not read"))?;
        Ok((s, k.as_str()))
    };
    let mut p = Prepared::default();
    let scratch = |p: &mut Prepared, what: &str| -> Result<PathBuf, String> {
        let d = env.tmp.join(format!("mount-{what}-{}", crate::util::random_hex(8)));
        std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        p.scratch.push(d.clone());
        Ok(d)
    };
    for m in mounts {
        let target = m.target.clone();
        match &m.kind {
            Kind::Bind { source, from, rw } => {
                let t = target.clone().unwrap_or_default();
                let (src, src_key) = source_of(from.as_deref())?;
                let dir = scratch(&mut p, "bind")?;
                let at = dir.join("content");
                let mut h = Sha256::new();
                copy_out(src, source, &at, &mut h).map_err(|e| format!("bind mount {t}: {e}"))?;
                let opts: &[&str] = if *rw { &["rbind", "rprivate"] } else { &["rbind", "rprivate", "ro"] };
                p.mounts.push(oci_mount(&t, "bind", &at.to_string_lossy(), opts)?);
                p.key.push_str(&format!("bind {t} {src_key} {source} rw={rw} {}\n", hex::encode(h.finalize())));
            }
            Kind::Cache { id, sharing, from, source, ro, uid, gid, mode } => {
                let t = target.clone().unwrap_or_default();
                let hid = hex::encode(Sha256::digest(id.as_bytes()));
                let base = env.cache_root.join(&hid);
                std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
                let lock_path = base.join("lock");
                let lock = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&lock_path)
                    .map_err(|e| format!("{}: {e}", lock_path.display()))?;
                let mut dir = base.join("data");
                match sharing.as_str() {
                    "locked" => {
                        lock.lock().map_err(|e| format!("{}: {e}", lock_path.display()))?;
                        p.locks.push(lock);
                    }
                    "private" => match lock.try_lock() {
                        Ok(()) => p.locks.push(lock),
                        Err(_) => dir = scratch(&mut p, "cache")?.join("data"),
                    },
                    _ => {}
                }
                if !dir.exists() {
                    let tmp = dir.with_file_name(format!("new-{}", crate::util::random_hex(6)));
                    match from {
                        Some(f) => {
                            let (src, _) = source_of(Some(f))?;
                            copy_out(src, source, &tmp, &mut Sha256::new())
                                .map_err(|e| format!("cache mount {t}: {e}"))?;
                        }
                        None => std::fs::create_dir(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?,
                    }
                    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(*mode))
                        .map_err(|e| format!("{}: {e}", tmp.display()))?;
                    std::os::unix::fs::lchown(&tmp, Some(*uid), Some(*gid))
                        .map_err(|e| format!("{}: {e}", tmp.display()))?;
                    if std::fs::rename(&tmp, &dir).is_err() {
                        let _ = std::fs::remove_dir_all(&tmp); // another build created it first
                    }
                }
                let opts: &[&str] = if *ro { &["rbind", "rprivate", "ro"] } else { &["rbind", "rprivate"] };
                p.mounts.push(oci_mount(&t, "bind", &dir.to_string_lossy(), opts)?);
                p.key.push_str(&format!("cache {t} {id} {sharing} {ro}\n"));
            }
            Kind::Tmpfs { size } => {
                let t = target.clone().unwrap_or_default();
                let size_opt = format!("size={size}");
                let mut opts = vec!["nosuid", "nodev"];
                if *size > 0 {
                    opts.push(&size_opt);
                }
                p.mounts.push(oci_mount(&t, "tmpfs", "tmpfs", &opts)?);
                p.key.push_str(&format!("tmpfs {t} {size}\n"));
            }
            Kind::Secret { id, env: var, required, mode, uid, gid } => {
                let Some(data) = env.secrets.get(id) else {
                    if *required {
                        return Err(format!("secret {id} is required: give it with `build --secret id={id},src=FILE`"));
                    }
                    continue;
                };
                if let Some(var) = var {
                    p.env.push(format!("{var}={}", String::from_utf8_lossy(data)));
                }
                if let Some(t) = &target {
                    let dir = scratch(&mut p, "secret")?;
                    let file = dir.join("secret");
                    std::fs::write(&file, data).map_err(|e| format!("{}: {e}", file.display()))?;
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(*mode))
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                    std::os::unix::fs::lchown(&file, Some(*uid), Some(*gid))
                        .map_err(|e| format!("{}: {e}", file.display()))?;
                    p.mounts.push(oci_mount(t, "bind", &file.to_string_lossy(), &["rbind", "rprivate", "ro"])?);
                }
                p.key.push_str(&format!("secret {id} {target:?} {var:?}\n"));
            }
            Kind::Ssh { id, required } => {
                let Some(sock) = env.ssh.get(id) else {
                    if *required {
                        return Err(format!("ssh agent {id:?} is required: give it with `build --ssh {id}`"));
                    }
                    continue;
                };
                let t = target.clone().unwrap_or_default();
                if !std::fs::metadata(sock).is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_socket(&m.file_type())) {
                    return Err(format!("ssh agent {id:?}: {} is not a socket", sock.display()));
                }
                p.mounts.push(oci_mount(&t, "bind", &sock.to_string_lossy(), &["rbind", "rprivate"])?);
                p.env.push(format!("SSH_AUTH_SOCK={t}"));
                p.key.push_str(&format!("ssh {id} {t}\n"));
            }
        }
        if let Some(t) = target {
            p.targets.push(t);
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<RunMount, String> {
        parse(s, &|v| Ok(v.to_string()), 0)
    }

    #[test]
    fn mount_options() {
        let m = p("type=cache,target=/root/.cache,sharing=locked,uid=1000,mode=0700").unwrap();
        assert_eq!(m.target.as_deref(), Some("/root/.cache"));
        assert!(matches!(m.kind, Kind::Cache { ref id, ref sharing, uid: 1000, mode: 0o700, ro: false, .. }
            if id == "/root/.cache" && sharing == "locked"));
        let m = p("target=src,source=/app,rw").unwrap();
        assert_eq!(m.kind, Kind::Bind { source: "/app".into(), from: None, rw: true });
        assert_eq!(m.target.as_deref(), Some("/src"));
        let m = p("type=secret,id=tok").unwrap();
        assert_eq!(m.target.as_deref(), Some("/run/secrets/tok"));
        let m = p("type=secret,id=tok,env=TOKEN").unwrap();
        assert_eq!(m.target, None);
        let m = p("type=ssh").unwrap();
        assert_eq!(m.target.as_deref(), Some("/run/buildkit/ssh_agent.0"));
        assert_eq!(p("type=tmpfs,target=/t,size=64m").unwrap().kind, Kind::Tmpfs { size: 64 << 20 });
        assert!(p("type=cache").unwrap_err().contains("needs a target"));
        assert!(p("type=bind,target=/x,bogus=1").unwrap_err().contains("unexpected key 'bogus'"));
        assert!(p("type=nfs,target=/x").unwrap_err().contains("unsupported mount type"));
        assert!(p("type=cache,target=/x,sharing=sometimes").is_err());
        assert!(p("type=ssh,uid=1000").is_err(), "an option rcon cannot honour is an error");
        assert!(p("type=tmpfs,target=/t,size=lots").is_err());
    }

    #[test]
    fn secrets_from_files_and_env() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("s");
        std::fs::write(&f, "file-secret").unwrap();
        let s = Secrets::parse(&[format!("id=a,src={}", f.display()), "id=b,env=PATH".into()]).unwrap();
        assert_eq!(s.get("a"), Some(&b"file-secret"[..]));
        assert!(s.get("b").is_some());
        assert!(!format!("{s:?}").contains("file-secret"), "Debug never shows values");
        assert!(Secrets::parse(&["id=c,src=/nonexistent/x".into()]).is_err());
        assert!(Secrets::parse(&["src=/x,bogus=1".into()]).is_err());
    }
}
