//! Volumes and a container's own mounts (issue 8): named and anonymous
//! volumes under the store (`volumes/<name>/_data`, the record a row of
//! the store's database), the `-v`, `--mount` and `--volumes-from` flags turned into
//! [`MountPoint`]s recorded with the container and appended to its OCI spec,
//! copy-up of the image's content into a new volume, and `rm -v`/`prune`.
//!
//! The runtime mounts them (`runtime::mounts`): this module only decides what
//! is mounted where, creates host directories and volumes, and never mounts
//! anything on the host. Copying files in and out of containers is [`fs`];
//! `rcon diff` is [`diff`].

pub mod diff;
pub mod fs;

use crate::store::{ContainerRecord, Store};
use chrono::Utc;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Errors of volume management and mount flags.
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// No volume has this name.
    #[error("no such volume: {0}")]
    NoSuchVolume(String),
    /// Containers use the volume.
    #[error("remove {name}: volume is in use - [{containers}]")]
    InUse {
        /// The volume.
        name: String,
        /// IDs of the containers using it, comma-separated.
        containers: String,
    },
    /// A volume name outside docker's alphabet.
    #[error(
        "{0:?} includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
    )]
    InvalidName(String),
    /// A bad `-v`, `--mount` or `--volumes-from` value.
    #[error("invalid {flag} {value:?}: {reason}")]
    BadSpec {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
        /// What is wrong (and what to do).
        reason: String,
    },
    /// A volume driver or driver option rcon cannot honour (docker's
    /// daemon words: `create NAME: …`).
    #[error("create {name}: {reason}")]
    Driver {
        /// The volume.
        name: String,
        /// What cannot be done (and what to use instead).
        reason: String,
    },
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A `volume ls` filter key docker does not know.
    #[error("Invalid filter '{0}'")]
    InvalidFilter(String),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    /// A copy into or out of a container (`cp`, copy-up) failed.
    #[error("{0}")]
    Copy(#[from] fs::CopyError),
    /// A mount cannot be expressed as a runtime-spec mount.
    #[error("mount at {destination}")]
    SpecMount {
        /// The mount's destination.
        destination: String,
        /// The builder's error.
        #[source]
        source: oci_spec::OciSpecError,
    },
}

type Result<T, E = VolumeError> = std::result::Result<T, E>;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VolumeError + '_ {
    move |source| VolumeError::Io { path: path.to_path_buf(), source }
}

pub use crate::store::{MountKind, MountPoint, VolumeQuery, VolumeRecord};

// The record type lives in the store (it persists it); its constructors and
// docker's view of it live here.
impl MountPoint {
    fn new(kind: MountKind, destination: &str) -> MountPoint {
        MountPoint {
            kind,
            name: String::new(),
            source: PathBuf::new(),
            destination: clean_dest(destination),
            rw: true,
            mode: String::new(),
            propagation: String::new(),
            anonymous: false,
            nocopy: false,
            create_source: false,
            tmpfs_options: Vec::new(),
        }
    }

    /// docker's `inspect` entry (`Type`, `Name`, `Source`, `Destination`,
    /// `Driver`, `Mode`, `RW`, `Propagation`).
    pub fn inspect_json(&self) -> serde_json::Value {
        // docker's JSON omits Name and Driver of binds (omitempty) but its
        // Go struct has them, so `{{range .Mounts}}{{.Name}}{{end}}`
        // works for every kind: they are always present here.
        let volume = self.kind == MountKind::Volume;
        serde_json::json!({
            "Type": self.kind,
            "Name": if volume { self.name.as_str() } else { "" },
            "Source": self.source,
            "Destination": self.destination,
            "Driver": if volume { "local" } else { "" },
            "Mode": self.mode,
            "RW": self.rw,
            "Propagation": self.propagation,
        })
    }
}

/// A propagation word of `-v` and `bind-propagation`.
fn is_propagation(w: &str) -> bool {
    matches!(w, "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave")
}

/// `/a//b/` → `/a/b`.
fn clean_dest(d: &str) -> String {
    let parts: Vec<&str> = d.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    format!("/{}", parts.join("/"))
}

/// docker's rule for local volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn valid_name(name: &str) -> bool {
    let mut c = name.chars();
    c.next().is_some_and(|f| f.is_ascii_alphanumeric())
        && name.len() >= 2
        && c.all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch))
}

fn bad(flag: &'static str, value: &str, reason: impl Into<String>) -> VolumeError {
    VolumeError::BadSpec { flag, value: value.to_string(), reason: reason.into() }
}

fn check_dest(flag: &'static str, value: &str, dest: &str) -> Result<()> {
    if !dest.starts_with('/') {
        return Err(bad(flag, value, format!("the mount destination {dest:?} is not an absolute path")));
    }
    if clean_dest(dest) == "/" {
        return Err(bad(flag, value, "the destination cannot be \"/\""));
    }
    Ok(())
}

/// Parses `-v [SOURCE:]DEST[:OPTIONS]`: SOURCE an absolute host path (bind
/// mount) or a volume name; none for an anonymous volume. OPTIONS are
/// comma-separated `ro`, `rw`, `z`, `Z`, a propagation word
/// (`[r]private`, `[r]shared`, `[r]slave`) and `nocopy`. Errors: a relative
/// host path (with a hint), a bad name, destination or option.
pub fn parse_volume_flag(value: &str) -> Result<MountPoint> {
    const F: &str = "-v";
    let parts: Vec<&str> = value.split(':').collect();
    if parts.len() > 1 && parts.iter().any(|p| p.is_empty()) {
        return Err(bad(F, value, "empty section between colons"));
    }
    let (source, dest, opts) = match parts.as_slice() {
        [d] => ("", *d, ""),
        [d, o] if !o.starts_with('/') && d.starts_with('/') => ("", *d, *o),
        [s, d] => (*s, *d, ""),
        [s, d, o] => (*s, *d, *o),
        _ => return Err(bad(F, value, "too many colons; use SOURCE:DEST[:OPTIONS]")),
    };
    check_dest(F, value, dest)?;
    let mut m = if source.is_empty() {
        let mut m = MountPoint::new(MountKind::Volume, dest);
        m.anonymous = true;
        m
    } else if source.starts_with('/') {
        let mut m = MountPoint::new(MountKind::Bind, dest);
        m.source = PathBuf::from(source);
        m.propagation = "rprivate".into();
        m.create_source = true;
        m
    } else if source.starts_with('.') || source.starts_with('~') || source.contains('/') {
        return Err(bad(
            F,
            value,
            format!(
                "{source:?} is a relative host path; bind mounts need an absolute path (e.g. \"$PWD/{}\")",
                source.trim_start_matches("./")
            ),
        ));
    } else if !valid_name(source) {
        return Err(VolumeError::InvalidName(source.to_string()));
    } else {
        let mut m = MountPoint::new(MountKind::Volume, dest);
        m.name = source.to_string();
        m
    };
    let (mut seen_rw, mut seen_label) = (false, false);
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" | "rw" if seen_rw => return Err(bad(F, value, "ro and rw given together")),
            "ro" | "rw" => {
                seen_rw = true;
                m.rw = o == "rw";
            }
            "z" | "Z" if seen_label => return Err(bad(F, value, "z and Z given together")),
            "z" | "Z" => {
                seen_label = true;
                m.mode = o.to_string();
            }
            "nocopy" if m.kind == MountKind::Volume => m.nocopy = true,
            p if is_propagation(p) => {
                if m.kind != MountKind::Bind {
                    return Err(bad(F, value, "propagation options apply to bind mounts only"));
                }
                m.propagation = p.to_string();
            }
            other => return Err(bad(F, value, format!("invalid mode {other:?}"))),
        }
    }
    Ok(m)
}

/// Parses `--mount type=bind|volume|tmpfs,source=…,target=…,…` with
/// docker's keys: `type`, `source`/`src`, `target`/`destination`/`dst`,
/// `readonly`/`ro`, `bind-propagation`, `bind-nonrecursive` (accepted),
/// `volume-nocopy`, `volume-driver` (`local`), `volume-label`,
/// `volume-opt` (refused), `tmpfs-size`, `tmpfs-mode`, `consistency`
/// (ignored). Returns the mount and the labels for a new volume.
pub fn parse_mount_flag<'a>(value: &'a str) -> Result<(MountPoint, BTreeMap<String, String>)> {
    const F: &str = "--mount";
    let mut kind = MountKind::Volume;
    let (mut source, mut target) = (String::new(), String::new());
    let (mut ro, mut propagation, mut nocopy) = (false, String::new(), false);
    let mut labels = BTreeMap::new();
    let mut tmpfs = Vec::new();
    let flag_bool = |k: &str, v: Option<&str>| -> Result<bool> {
        match v {
            None | Some("1") | Some("true") => Ok(true),
            Some("0") | Some("false") => Ok(false),
            Some(v) => Err(bad(F, value, format!("invalid value for {k}: {v:?}"))),
        }
    };
    for field in value.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = match field.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
            None => (field.trim().to_ascii_lowercase(), None),
        };
        let need = |v: Option<&'a str>| -> Result<&'a str> {
            v.ok_or_else(|| bad(F, value, format!("invalid field {field:?}: must be a key=value pair")))
        };
        match k.as_str() {
            "type" => {
                kind = match need(v)? {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    t => return Err(bad(F, value, format!("unsupported mount type {t:?} (bind, volume or tmpfs)"))),
                }
            }
            "source" | "src" => source = need(v)?.to_string(),
            "target" | "destination" | "dst" => target = need(v)?.to_string(),
            "readonly" | "ro" => ro = flag_bool(&k, v)?,
            "bind-propagation" => {
                let p = need(v)?;
                if !is_propagation(p) {
                    return Err(bad(F, value, format!("invalid bind-propagation {p:?}")));
                }
                propagation = p.to_string();
            }
            "bind-nonrecursive" | "bind-recursive" | "consistency" => {}
            "volume-nocopy" => nocopy = flag_bool(&k, v)?,
            "volume-driver" if v == Some("local") => {}
            "volume-driver" => return Err(bad(F, value, "only the \"local\" volume driver exists")),
            "volume-label" => {
                let l = need(v)?;
                let (lk, lv) = l.split_once('=').unwrap_or((l, ""));
                labels.insert(lk.to_string(), lv.to_string());
            }
            "tmpfs-size" => {
                let s = crate::units::parse_size(need(v)?)
                    .map_err(|e| bad(F, value, format!("--mount tmpfs-size: {e}")))?;
                tmpfs.push(format!("size={s}"));
            }
            "tmpfs-mode" => {
                let m = need(v)?;
                u32::from_str_radix(m, 8).map_err(|_| bad(F, value, format!("invalid tmpfs-mode {m:?}")))?;
                tmpfs.push(format!("mode={m}"));
            }
            _ => return Err(bad(F, value, format!("unexpected key {k:?}"))),
        }
    }
    if target.is_empty() {
        return Err(bad(F, value, "target is required"));
    }
    check_dest(F, value, &target)?;
    let mut m = MountPoint::new(kind, &target);
    m.rw = !ro;
    match kind {
        MountKind::Bind => {
            if !source.starts_with('/') {
                return Err(bad(F, value, "a bind mount needs an absolute source path"));
            }
            m.source = PathBuf::from(&source);
            m.propagation = if propagation.is_empty() { "rprivate".into() } else { propagation };
        }
        MountKind::Volume => {
            if !propagation.is_empty() {
                return Err(bad(F, value, "bind-propagation applies to bind mounts only"));
            }
            if source.is_empty() {
                m.anonymous = true;
            } else if !valid_name(&source) {
                return Err(VolumeError::InvalidName(source));
            } else {
                m.name = source;
            }
            m.nocopy = nocopy;
        }
        MountKind::Tmpfs => {
            if !source.is_empty() {
                return Err(bad(F, value, "a tmpfs mount has no source"));
            }
            m.tmpfs_options = tmpfs;
        }
    }
    Ok((m, labels))
}

impl Store {
    /// `volumes/`.
    pub fn volumes_dir(&self) -> PathBuf {
        self.root().join("volumes")
    }

    /// `volumes/<name>/_data`: what containers see.
    pub fn volume_data(&self, name: &str) -> PathBuf {
        self.volumes_dir().join(name).join("_data")
    }
}

/// The volume `name`. Errors: [`VolumeError::NoSuchVolume`], a damaged
/// record ([`crate::store::StoreError::BrokenRow`]).
pub fn get(store: &Store, name: &str) -> Result<VolumeRecord> {
    if !valid_name(name) {
        return Err(VolumeError::NoSuchVolume(name.to_string()));
    }
    store.volume(name)?.ok_or_else(|| VolumeError::NoSuchVolume(name.to_string()))
}

/// Every volume, by name.
pub fn list(store: &Store) -> Result<Vec<VolumeRecord>> {
    Ok(store.volumes(&VolumeQuery::default())?)
}

/// The volumes that docker's `volume ls --filter` values select (`name`,
/// `label`, `dangling`, `driver`; `(key, value)` pairs), by name; the
/// conditions run in SQL. Errors: [`VolumeError::InvalidFilter`] for
/// another key.
pub fn list_filtered(store: &Store, filters: &[(String, String)]) -> Result<Vec<VolumeRecord>> {
    let mut q = VolumeQuery::default();
    for (k, val) in filters {
        match k.as_str() {
            "dangling" => q.dangling = Some(matches!(val.as_str(), "true" | "1")),
            "name" => q.name_contains.push(val.clone()),
            "label" => q.labels.push(match val.split_once('=') {
                Some((lk, lv)) => (lk.to_string(), Some(lv.to_string())),
                None => (val.clone(), None),
            }),
            "driver" if val == "local" => {}
            "driver" => return Ok(Vec::new()),
            // docker 20.10's daemon knows these four (no `label!`).
            _ => return Err(VolumeError::InvalidFilter(k.clone())),
        }
    }
    Ok(store.volumes(&q)?)
}

/// Checks `volume create`'s driver and driver options (`-d`, `-o KEY=VALUE`)
/// for the volume `name` as docker's daemon does: only the `local` driver
/// exists (no plugins), whose option keys are `type`, `device`, `o` and
/// `size`. rcon's local driver mounts nothing, so any option is refused
/// rather than ignored. Errors: [`VolumeError::Driver`] in docker's words.
pub fn check_driver(name: &str, driver: &str, opts: &[String]) -> Result<()> {
    let refuse = |reason: String| Err(VolumeError::Driver { name: name.to_string(), reason });
    if !driver.is_empty() && driver != "local" {
        return refuse(format!("error looking up volume plugin {driver}: plugin {driver:?} not found"));
    }
    for o in opts {
        let key = o.split_once('=').map_or(o.as_str(), |(k, _)| k);
        if !matches!(key, "type" | "device" | "o" | "size") {
            return refuse(format!("invalid option: {key:?}"));
        }
    }
    if let Some(o) = opts.first() {
        return refuse(format!(
            "option {o:?}: rcon's local driver does not mount devices into volumes; \
             use a bind mount (-v /host/dir:/dst) or --tmpfs /dst instead"
        ));
    }
    Ok(())
}

/// Creates the volume `name` (a random 64-hex name when `None`: anonymous)
/// unless it exists. Returns it and whether it was created now. The data
/// directory is made first, then the row is inserted (one transaction): a
/// crash between leaves a directory without a row, which the next create
/// of that name reuses and `rcon system check --repair` removes.
pub fn create(store: &Store, name: Option<&str>, labels: BTreeMap<String, String>) -> Result<(VolumeRecord, bool)> {
    let anonymous = name.is_none();
    let name = match name {
        Some(n) if !valid_name(n) => return Err(VolumeError::InvalidName(n.to_string())),
        Some(n) => n.to_string(),
        None => crate::util::random_hex(32),
    };
    if let Some(v) = store.volume(&name)? {
        return Ok((v, false));
    }
    // Held from the directory to the row: `system check` takes a directory
    // without a row for a leftover.
    let _lock = store.lock()?;
    let data = store.volume_data(&name);
    std::fs::create_dir_all(&data).map_err(io(&data))?;
    let rec = VolumeRecord { anonymous, name, created: Utc::now(), labels };
    let (rec, created) = store.insert_volume(&rec)?;
    if created {
        crate::store::events::record(store, "volume", "create", &rec.name, &[("driver", "local")]);
    }
    Ok((rec, created))
}

/// IDs of the containers (running or not) that mount the volume.
pub fn users(store: &Store, name: &str) -> Result<Vec<String>> {
    Ok(store.volume_users(name)?)
}

/// Removes the volume and its data. Errors: it does not exist, or a
/// container uses it ([`VolumeError::InUse`]). The row goes first (in one
/// transaction with the check that no container uses it): a crash midway
/// leaves no half volume listed, only a directory for `system check`.
pub fn remove(store: &Store, name: &str) -> Result<()> {
    if !valid_name(name) {
        return Err(VolumeError::NoSuchVolume(name.to_string()));
    }
    let _lock = store.lock()?;
    match store.remove_volume_row(name)? {
        Ok(true) => {}
        Ok(false) => return Err(VolumeError::NoSuchVolume(name.to_string())),
        Err(users) => {
            let ids: Vec<&str> = users.iter().map(|id| &id[..12]).collect();
            return Err(VolumeError::InUse { name: name.to_string(), containers: ids.join(", ") });
        }
    }
    let dir = store.volumes_dir().join(name);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&dir)(e)),
        _ => {}
    }
    crate::store::events::record(store, "volume", "destroy", name, &[("driver", "local")]);
    Ok(())
}

/// Removes the volumes no container uses: anonymous ones only, or all with
/// `all`. Returns the names removed and the bytes reclaimed.
pub fn prune(store: &Store, all: bool) -> Result<(Vec<String>, u64)> {
    let mut removed = Vec::new();
    let mut bytes = 0;
    for v in store.volumes(&VolumeQuery { dangling: Some(true), anonymous: !all, ..Default::default() })? {
        let size = crate::units::dir_size(&store.volume_data(&v.name));
        if remove(store, &v.name).is_ok() {
            removed.push(v.name);
            bytes += size;
        }
    }
    Ok((removed, bytes))
}

/// Removes the anonymous volumes of a removed container (`rm -v`) that no
/// other container uses; errors are warnings.
pub fn remove_anonymous(store: &Store, record: &ContainerRecord) {
    for m in record.mounts.iter().filter(|m| m.kind == MountKind::Volume && m.anonymous) {
        if let Err(e) = remove(store, &m.name) {
            crate::warn!("volume {}: {e}", m.name);
        }
    }
}

/// docker's JSON for `volume inspect`.
pub fn inspect_json(store: &Store, v: &VolumeRecord) -> serde_json::Value {
    serde_json::json!({
        "CreatedAt": v.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "Driver": "local",
        "Labels": v.labels,
        "Mountpoint": store.volume_data(&v.name),
        "Name": v.name,
        "Options": serde_json::Value::Null,
        "Scope": "local",
    })
}

/// The mount flags of `run`/`create`.
#[derive(Debug, Clone, Default)]
pub struct MountFlags {
    /// `-v`/`--volume`.
    pub volumes: Vec<String>,
    /// `--mount`.
    pub mounts: Vec<String>,
    /// `--volumes-from CONTAINER[:ro|rw]`.
    pub volumes_from: Vec<String>,
}

/// Turns the flags and the image's `VOLUME`s into the container's mounts:
/// creates missing bind sources (for `-v`), named and anonymous volumes
/// (`--volumes-from` copies the other container's bind and volume mounts).
/// The result is sorted so that parents are mounted before children.
/// Errors: bad flags, a duplicate destination, a missing `--mount` bind
/// source, an unknown `--volumes-from` container.
pub fn prepare(store: &Store, flags: &MountFlags, image_volumes: &[String]) -> Result<Vec<MountPoint>> {
    let mut wanted: Vec<(MountPoint, BTreeMap<String, String>)> = Vec::new();
    for v in &flags.volumes {
        wanted.push((parse_volume_flag(v)?, BTreeMap::new()));
    }
    for m in &flags.mounts {
        wanted.push(parse_mount_flag(m)?);
    }
    let mut out: Vec<MountPoint> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (m, _) in &wanted {
        if !seen.insert(m.destination.clone()) {
            return Err(bad("-v", &m.destination, "duplicate mount point"));
        }
    }
    for from in &flags.volumes_from {
        let (name, mode) = match from.rsplit_once(':') {
            Some((n, m @ ("ro" | "rw"))) => (n, Some(m == "rw")),
            Some((_, m)) => return Err(bad("--volumes-from", from, format!("invalid mode {m:?} (ro or rw)"))),
            None => (from.as_str(), None),
        };
        let other = store.find_container(name)?;
        for m in other.mounts.iter().filter(|m| m.kind != MountKind::Tmpfs) {
            if seen.insert(m.destination.clone()) {
                let mut m = m.clone();
                if let Some(rw) = mode {
                    m.rw = rw;
                }
                m.create_source = false;
                out.push(m);
            }
        }
    }
    for v in image_volumes {
        let dest = clean_dest(v);
        if dest != "/" && seen.insert(dest.clone()) {
            let mut m = MountPoint::new(MountKind::Volume, &dest);
            m.anonymous = true;
            wanted.push((m, BTreeMap::new()));
        }
    }
    for (mut m, labels) in wanted {
        match m.kind {
            MountKind::Bind => {
                if !m.source.exists() {
                    if !m.create_source {
                        return Err(bad("--mount", &m.source.display().to_string(), "bind source path does not exist"));
                    }
                    std::fs::create_dir_all(&m.source).map_err(io(&m.source))?;
                }
            }
            MountKind::Volume => {
                let name = (!m.anonymous).then_some(m.name.as_str());
                let (v, _) = create(store, name, labels)?;
                m.name = v.name;
                m.anonymous = v.anonymous;
                m.source = store.volume_data(&m.name);
            }
            MountKind::Tmpfs => {}
        }
        m.create_source = false;
        out.push(m);
    }
    out.sort_by_key(|m| m.destination.split('/').filter(|p| !p.is_empty()).count());
    Ok(out)
}

/// Appends the mounts to the spec (after its default mounts; one with the
/// same destination as a default mount replaces it), as runtime-spec
/// `mounts` entries: `bind` with `rbind`, the propagation and `ro`; tmpfs
/// with `nosuid,nodev,noexec` and its size and mode.
///
/// Errors: [`VolumeError::SpecMount`].
pub fn apply_to_spec(spec: &mut oci_spec::runtime::Spec, mounts: &[MountPoint]) -> Result<()> {
    use oci_spec::runtime::MountBuilder;
    let list = spec.mounts_mut().get_or_insert_with(Vec::new);
    for m in mounts {
        list.retain(|x| x.destination() != Path::new(&m.destination));
        let mut opts: Vec<String> = Vec::new();
        let built = match m.kind {
            MountKind::Tmpfs => {
                opts.extend(["nosuid", "nodev", "noexec"].map(String::from));
                opts.extend(m.tmpfs_options.iter().cloned());
                if !m.rw {
                    opts.push("ro".into());
                }
                MountBuilder::default()
                    .destination(&m.destination)
                    .typ("tmpfs")
                    .source("tmpfs")
                    .options(opts)
                    .build()
                    .map_err(|source| VolumeError::SpecMount { destination: m.destination.clone(), source })?
            }
            MountKind::Bind | MountKind::Volume => {
                opts.push("rbind".into());
                opts.push(if m.propagation.is_empty() { "rprivate".into() } else { m.propagation.clone() });
                if !m.rw {
                    opts.push("ro".into());
                }
                MountBuilder::default()
                    .destination(&m.destination)
                    .typ("bind")
                    .source(&m.source)
                    .options(opts)
                    .build()
                    .map_err(|source| VolumeError::SpecMount { destination: m.destination.clone(), source })?
            }
        };
        list.push(built);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_flag_forms() {
        let m = parse_volume_flag("/host/dir:/data:ro,Z").unwrap();
        assert_eq!(
            (m.kind, m.source.as_path(), m.destination.as_str(), m.rw),
            (MountKind::Bind, Path::new("/host/dir"), "/data", false)
        );
        assert_eq!((m.mode.as_str(), m.propagation.as_str()), ("Z", "rprivate"));
        let m = parse_volume_flag("cache:/var/cache/:nocopy").unwrap();
        assert_eq!(
            (m.kind, m.name.as_str(), m.destination.as_str(), m.nocopy),
            (MountKind::Volume, "cache", "/var/cache", true)
        );
        let m = parse_volume_flag("/anon").unwrap();
        assert!(m.anonymous && m.kind == MountKind::Volume);
        let m = parse_volume_flag("/anon:ro").unwrap();
        assert!(m.anonymous && !m.rw);
        let m = parse_volume_flag("/h:/c:rshared").unwrap();
        assert_eq!(m.propagation, "rshared");
        let e = parse_volume_flag("pics:/pics/x:rw,ro").unwrap_err().to_string();
        assert!(e.contains("ro and rw"), "{e}");
        let e = parse_volume_flag("./pics:/pics").unwrap_err().to_string();
        assert!(e.contains("relative") && e.contains("$PWD/pics"), "{e}");
        assert!(parse_volume_flag("a:rel").is_err());
        assert!(parse_volume_flag("/h:/").is_err());
        assert!(parse_volume_flag("vol:/x:shared").is_err());
        assert!(parse_volume_flag("/h:/c:bogus").is_err());
        assert!(parse_volume_flag("bad$name:/x").is_err());
    }

    #[test]
    fn mount_flag_forms() {
        let (m, _) = parse_mount_flag("type=bind,source=/h,target=/c,readonly,bind-propagation=rslave").unwrap();
        assert_eq!((m.kind, m.rw, m.propagation.as_str()), (MountKind::Bind, false, "rslave"));
        let (m, l) = parse_mount_flag("src=data,dst=/d,volume-nocopy,volume-label=a=b").unwrap();
        assert_eq!((m.kind, m.name.as_str(), m.nocopy, m.rw), (MountKind::Volume, "data", true, true));
        assert_eq!(l["a"], "b");
        let (m, _) = parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770").unwrap();
        assert_eq!(m.tmpfs_options, ["size=1048576", "mode=1770"]);
        assert!(parse_mount_flag("type=bind,target=/c").is_err());
        assert!(parse_mount_flag("type=tmpfs,source=x,target=/t").is_err());
        assert!(parse_mount_flag("type=volume,target=/t,bogus=1").is_err());
        assert!(parse_mount_flag("type=volume,source=v").is_err());
        let (m, _) = parse_mount_flag("type=volume,target=/t,readonly=false").unwrap();
        assert!(m.rw && m.anonymous);
    }

    #[test]
    fn names() {
        assert!(valid_name("my-vol_1.x"));
        assert!(!valid_name("a"));
        assert!(!valid_name("-x"));
        assert!(!valid_name("a/b"));
    }
}
