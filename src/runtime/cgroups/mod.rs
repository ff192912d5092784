//! Control groups (runtime-spec config-linux.md "Control groups",
//! "cgroupsPath"), v1 and v2, detected from the host's mounts:
//!
//! - v2 (unified): one directory under the cgroup2 mount; controllers
//!   enabled in each parent's `cgroup.subtree_control`.
//! - v1: one directory per controller hierarchy.
//! - hybrid hosts (v1 controllers beside a cgroup2 mount that holds none of
//!   the memory and pids controllers, e.g. only `hugetlb`): one directory per
//!   v1 hierarchy, plus one in the cgroup2 tree when the spec needs a
//!   controller only that tree has (`hugepageLimits` with `hugetlb` there).
//!
//! A relative `cgroupsPath` is taken relative to rcon's own cgroup (per
//! hierarchy, from `/proc/self/cgroup`), so containers stay inside whatever
//! limits rcon itself runs under; an absolute one from the hierarchy's root.
//!
//! The parent creates the directories and writes the limits before the
//! clone ([`Cgroup::create`]); the init moves itself in ([`Cgroup::join`])
//! and only then unshares its cgroup namespace, so the container's
//! `/sys/fs/cgroup` shows its own cgroup as the root. After the init is
//! reaped the directories are removed ([`Cgroup::remove`]), after reading
//! whether the OOM killer struck ([`Cgroup::oom_kills`]).
//!
//! Device rules: v1's `devices` controller; on v2 an eBPF program
//! (`BPF_CGROUP_DEVICE`, see [`super::devices_bpf`]) attached to the
//! container's directory when it is created, before the init joins it. On
//! hybrid hosts the v1 `devices` hierarchy governs (the container has no
//! cgroup2 directory).

pub mod delegation;
pub mod process;

use super::Error;
use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType, LinuxResources};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The cgroup hierarchies of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// cgroup v2 mounted at this path (e.g. `/sys/fs/cgroup`).
    V2(PathBuf),
    /// cgroup v1: (controllers of the hierarchy, its mount point), one per
    /// hierarchy with controllers (named hierarchies like `name=systemd`
    /// are left out).
    V1(Vec<(Vec<String>, PathBuf)>),
    /// v1 hierarchies as in [`Layout::V1`], and a cgroup2 mount (`unified`)
    /// beside them whose controllers (`cgroup.controllers`, e.g. `hugetlb`)
    /// no v1 hierarchy has.
    Hybrid {
        /// The v1 hierarchies.
        v1: Vec<(Vec<String>, PathBuf)>,
        /// The cgroup2 mount point (e.g. `/sys/fs/cgroup/unified`).
        unified: PathBuf,
        /// Controllers the cgroup2 mount offers.
        controllers: Vec<String>,
    },
}

/// The v1 controllers rcon puts containers in.
const V1_CONTROLLERS: [&str; 11] =
    ["memory", "cpu", "cpuacct", "cpuset", "pids", "devices", "freezer", "blkio", "hugetlb", "net_cls", "net_prio"];

/// The v2 controllers rcon enables for containers (those available).
const V2_CONTROLLERS: [&str; 6] = ["cpu", "cpuset", "memory", "pids", "io", "hugetlb"];

impl Layout {
    /// Detects the layout from `mountinfo` (the text of
    /// `/proc/self/mountinfo`): v2 when the cgroup2 mount offers the memory
    /// or pids controller or no v1 hierarchy has controllers; hybrid when
    /// v1 hierarchies have controllers and the cgroup2 mount offers others
    /// (`v2_controllers` reads a cgroup2 root's `cgroup.controllers`); v1
    /// otherwise.
    pub fn from_mountinfo(mountinfo: &str, v2_controllers: impl Fn(&Path) -> String) -> Option<Layout> {
        let mut v1 = Vec::new();
        let mut v2 = None;
        for line in mountinfo.lines() {
            // id parent major:minor root mountpoint options - fstype source superoptions
            let Some((left, right)) = line.split_once(" - ") else { continue };
            let mut l = left.split(' ');
            let mountpoint = l.nth(4).map(unescape);
            let mut r = right.split(' ');
            let fstype = r.next();
            let superopts = r.nth(1).unwrap_or("");
            match (fstype, mountpoint) {
                (Some("cgroup2"), Some(mp)) => {
                    v2.get_or_insert(PathBuf::from(mp));
                }
                (Some("cgroup"), Some(mp)) => {
                    let ctrls: Vec<String> = superopts
                        .split(',')
                        .filter(|o| {
                            V1_CONTROLLERS.contains(o)
                                || ["hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc"].contains(o)
                        })
                        .map(String::from)
                        .collect();
                    if !ctrls.is_empty() {
                        v1.push((ctrls, PathBuf::from(mp)));
                    }
                }
                _ => {}
            }
        }
        if let Some(root) = &v2 {
            let avail = v2_controllers(root);
            if v1.is_empty() || avail.split_whitespace().any(|c| c == "memory" || c == "pids") {
                return v2.map(Layout::V2);
            }
            let controllers: Vec<String> = avail.split_whitespace().map(String::from).collect();
            if !controllers.is_empty() {
                return Some(Layout::Hybrid { v1, unified: root.clone(), controllers });
            }
        }
        (!v1.is_empty()).then_some(Layout::V1(v1))
    }

    /// The host's layout, read once per process (`/proc/self/mountinfo`;
    /// cgroup filesystems are not remounted under a running rcon): a `run`
    /// asks for it before the spawn and again in it.
    pub fn detect() -> Option<Layout> {
        static LAYOUT: std::sync::OnceLock<Option<Layout>> = std::sync::OnceLock::new();
        LAYOUT
            .get_or_init(|| {
                let mi = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
                Layout::from_mountinfo(&mi, |root| {
                    std::fs::read_to_string(root.join("cgroup.controllers")).unwrap_or_default()
                })
            })
            .clone()
    }
}

/// `\040` and friends in mountinfo paths.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push(u8::from_str_radix(&s[i + 1..i + 4], 8).unwrap_or(b'?') as char);
            i += 4;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// A container's cgroup: its directories (one for v2, one per hierarchy
/// for v1). Serializable so that `rcon oci` can keep it in its state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cgroup {
    /// true: v2 (one directory).
    pub v2: bool,
    /// (controllers, directory) pairs; for v2 the controllers are empty.
    pub dirs: Vec<(Vec<String>, PathBuf)>,
    /// Directories created for it, deepest first (its own and parents like
    /// `rcon/`; only its own are removed).
    pub created: Vec<PathBuf>,
    /// On a hybrid host: its directory in the cgroup2 tree, for the
    /// controllers only that tree has (`hugetlb`); a v2 directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified: Option<PathBuf>,
}

fn write(dir: &Path, file: &str, value: &str) -> Result<(), Error> {
    std::fs::write(dir.join(file), value).map_err(|e| Error::Cgroup {
        op: format!("write {value:?} to cgroup file"),
        path: dir.join(file),
        source: e,
    })
}

/// rcon's own cgroup path in the hierarchy with `controllers` (v1) or the
/// v2 one (`controllers` empty), from `/proc/self/cgroup`.
fn own_path(proc_cgroup: &str, controllers: &[String]) -> String {
    for line in proc_cgroup.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next(), f.next().unwrap_or(""), f.next().unwrap_or("/"));
        let set: Vec<&str> = ctrls.split(',').filter(|c| !c.is_empty()).collect();
        let matches =
            if controllers.is_empty() { set.is_empty() } else { controllers.iter().any(|c| set.contains(&c.as_str())) };
        if matches {
            return path.to_string();
        }
    }
    "/".to_string()
}

/// Creates `dir` and its missing parents under `base`; returns the
/// created ones (deepest first). `each` runs on every new directory,
/// parent first (cpuset values, v2 controllers).
fn make_dirs(dir: &Path, each: &dyn Fn(&Path) -> Result<(), Error>) -> Result<Vec<PathBuf>, Error> {
    // A parent may vanish under us when the last container beside it goes
    // (`rcon oci delete` removes the parents it created): start again.
    let mut attempt = 0;
    loop {
        match make_dirs_once(dir, each) {
            Err((_, true)) if attempt < 3 => attempt += 1,
            r => return r.map_err(|(e, _)| e),
        }
    }
}

/// One try of [`make_dirs`]; the error's flag says a parent vanished.
fn make_dirs_once(dir: &Path, each: &dyn Fn(&Path) -> Result<(), Error>) -> Result<Vec<PathBuf>, (Error, bool)> {
    let mut missing = Vec::new();
    let mut p = dir.to_path_buf();
    while !p.exists() {
        missing.push(p.clone());
        if !p.pop() {
            break;
        }
    }
    let mut created = Vec::new();
    for d in missing.iter().rev() {
        match std::fs::create_dir(d) {
            Ok(()) => created.insert(0, d.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                for c in &created {
                    let _ = std::fs::remove_dir(c);
                }
                let vanished = e.kind() == std::io::ErrorKind::NotFound;
                return Err((Error::Cgroup { op: "create cgroup".into(), path: d.clone(), source: e }, vanished));
            }
        }
        if let Err(e) = each(d) {
            for c in &created {
                let _ = std::fs::remove_dir(c);
            }
            return Err((e, false));
        }
    }
    Ok(created)
}

/// Removes empty sibling cgroups of `dir` older than a minute: those of
/// containers whose monitor was killed before it could remove them (a new
/// one is joined within milliseconds of its creation, so age tells them
/// apart). Best effort.
fn collect_stale_siblings(dir: &Path) {
    let Some(parent) = dir.parent() else { return };
    let Ok(rd) = std::fs::read_dir(parent) else { return };
    let now = std::time::SystemTime::now();
    for e in rd.flatten() {
        let p = e.path();
        if p == dir || !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|d| d.as_secs() > 60));
        let empty = std::fs::read_to_string(p.join("cgroup.procs")).is_ok_and(|s| s.trim().is_empty());
        if old && empty {
            let _ = std::fs::remove_dir(&p);
        }
    }
}

/// Enables v2 `controller` for `dir` (under the cgroup2 mount `root`):
/// `+controller` in the `cgroup.subtree_control` of every directory from
/// `root` down to `dir`'s parent. Best effort: a missing controller shows
/// as a missing interface file when the limit is written.
fn enable_v2_controller(root: &Path, dir: &Path, controller: &str) {
    let Ok(rel) = dir.strip_prefix(root) else { return };
    let mut d = root.to_path_buf();
    for c in rel.components() {
        let _ = std::fs::write(d.join("cgroup.subtree_control"), format!("+{controller}"));
        d.push(c);
    }
}

/// Whether this process may create cgroups: as the host's root, when a
/// cgroup filesystem is mounted; rootless, when the host runs cgroup v2
/// only and a subtree above the process's own cgroup is delegated to the
/// user, e.g. by a systemd user session ([`delegation::detect`]).
pub fn delegated() -> bool {
    if !super::rootless::is_rootless() {
        return Layout::detect().is_some();
    }
    delegation::detect().is_some()
}

/// docker/runc's conversion of v1 `cpu.shares` (2..262144) to v2
/// `cpu.weight` (1..10000).
pub fn shares_to_weight(shares: u64) -> u64 {
    if shares == 0 { 100 } else { 1 + (shares.clamp(2, 262_144) - 2) * 9999 / 262_142 }
}

/// The device rules runc always adds after a spec's own (libcontainer's
/// `AllowedDevices`, docker's defaults too): `mknod` of any character or
/// block device, and use of null, zero, full, random, urandom, tty,
/// console, ptmx, the pts devices (136:*) and tun (10:200).
pub fn default_allowed_devices() -> Vec<LinuxDeviceCgroup> {
    let rule = |t: LinuxDeviceType, major: Option<i64>, minor: Option<i64>, access: &str| {
        let mut d = LinuxDeviceCgroup::default();
        d.set_allow(true);
        d.set_typ(Some(t));
        d.set_major(major);
        d.set_minor(minor);
        d.set_access(Some(access.to_string()));
        d
    };
    use LinuxDeviceType::{B, C};
    vec![
        rule(C, None, None, "m"),
        rule(B, None, None, "m"),
        rule(C, Some(1), Some(3), "rwm"),
        rule(C, Some(1), Some(5), "rwm"),
        rule(C, Some(1), Some(7), "rwm"),
        rule(C, Some(1), Some(8), "rwm"),
        rule(C, Some(1), Some(9), "rwm"),
        rule(C, Some(5), Some(0), "rwm"),
        rule(C, Some(5), Some(1), "rwm"),
        rule(C, Some(5), Some(2), "rwm"),
        rule(C, Some(136), None, "rwm"),
        rule(C, Some(10), Some(200), "rwm"),
    ]
}

/// `rules` followed by those of [`default_allowed_devices`] it lacks, as
/// runc orders them (the defaults last, so a spec's deny-all cannot take
/// `/dev/null` away).
pub fn with_default_devices(mut rules: Vec<LinuxDeviceCgroup>) -> Vec<LinuxDeviceCgroup> {
    for d in default_allowed_devices() {
        if !rules.contains(&d) {
            rules.push(d);
        }
    }
    rules
}

/// One v1 `devices.allow`/`deny` line: `c 1:3 rwm`, `a *:* rwm`.
fn device_rule(d: &LinuxDeviceCgroup) -> String {
    let t = match d.typ() {
        None | Some(LinuxDeviceType::A) => "a",
        Some(LinuxDeviceType::B) => "b",
        Some(LinuxDeviceType::C) | Some(LinuxDeviceType::U) => "c",
        Some(LinuxDeviceType::P) => "p",
    };
    let n = |x: Option<i64>| x.filter(|&v| v >= 0).map_or("*".to_string(), |v| v.to_string());
    format!("{t} {}:{} {}", n(d.major()), n(d.minor()), d.access().clone().unwrap_or_else(|| "rwm".into()))
}

/// The directory of cgroup `path` (a spec's `cgroupsPath`: absolute, or
/// relative to `own`, the calling process's cgroup) in the hierarchy
/// mounted at `root`.
fn cgroup_dir(root: &Path, own: &str, path: &str) -> PathBuf {
    let base = if path.starts_with('/') { PathBuf::from("/") } else { PathBuf::from(own) };
    let full = base.join(path.trim_start_matches('/'));
    root.join(full.strip_prefix("/").unwrap_or(&full))
}

/// Every directory [`Cgroup::create`] may make for `path` in `layout`
/// (one per v1 hierarchy with a controller rcon uses, the v2 directory,
/// and on hybrid hosts the cgroup2 tree's, used for hugetlb), without
/// creating anything: recorded before a container starts, so that the
/// cgroups of a runner killed during the start can still be removed.
pub fn planned_dirs(layout: &Layout, path: &str, proc_cgroup: &str) -> Vec<PathBuf> {
    match layout {
        Layout::V2(root) => vec![cgroup_dir(root, &own_path(proc_cgroup, &[]), path)],
        Layout::V1(hier) | Layout::Hybrid { v1: hier, .. } => {
            let mut dirs: Vec<PathBuf> = hier
                .iter()
                .filter(|(ctrls, _)| ctrls.iter().any(|c| V1_CONTROLLERS.contains(&c.as_str())))
                .map(|(ctrls, mount)| cgroup_dir(mount, &own_path(proc_cgroup, ctrls), path))
                .collect();
            if let Layout::Hybrid { unified, .. } = layout {
                dirs.push(cgroup_dir(unified, &own_path(proc_cgroup, &[]), path));
            }
            dirs
        }
    }
}

impl Cgroup {
    /// Creates the container's cgroup at `path` (the spec's `cgroupsPath`)
    /// in `layout` and applies `res`. `proc_cgroup` is the text of
    /// `/proc/self/cgroup` (for relative paths). Errors name the file or
    /// directory; what was created is removed again.
    pub fn create(layout: &Layout, path: &str, res: &LinuxResources, proc_cgroup: &str) -> Result<Cgroup, Error> {
        let join = |root: &Path, own: &str| cgroup_dir(root, own, path);
        let mut cg = match layout {
            Layout::V2(root) => {
                let dir = join(root, &own_path(proc_cgroup, &[]));
                collect_stale_siblings(&dir);
                let root = root.clone();
                let created = make_dirs(&dir, &|d: &Path| {
                    // Enable the controllers in the parent, for this child.
                    let parent = d.parent().unwrap_or(&root);
                    let avail = std::fs::read_to_string(parent.join("cgroup.controllers")).unwrap_or_default();
                    let want: Vec<String> = avail
                        .split_whitespace()
                        .filter(|c| V2_CONTROLLERS.contains(c))
                        .map(|c| format!("+{c}"))
                        .collect();
                    if !want.is_empty() {
                        let _ = std::fs::write(parent.join("cgroup.subtree_control"), want.join(" "));
                    }
                    Ok(())
                })?;
                Cgroup { v2: true, dirs: vec![(Vec::new(), dir)], created, unified: None }
            }
            Layout::V1(hier) | Layout::Hybrid { v1: hier, .. } => {
                let mut cg = Cgroup { v2: false, dirs: Vec::new(), created: Vec::new(), unified: None };
                for (ctrls, mount) in hier {
                    if !ctrls.iter().any(|c| V1_CONTROLLERS.contains(&c.as_str())) {
                        continue;
                    }
                    let dir = join(mount, &own_path(proc_cgroup, ctrls));
                    collect_stale_siblings(&dir);
                    let is_cpuset = ctrls.iter().any(|c| c == "cpuset");
                    let made = make_dirs(&dir, &|d: &Path| {
                        if is_cpuset {
                            // New cpuset cgroups start empty: copy the parent's.
                            if let Some(parent) = d.parent() {
                                for f in ["cpuset.cpus", "cpuset.mems"] {
                                    let v = std::fs::read_to_string(parent.join(f)).unwrap_or_default();
                                    if !v.trim().is_empty() {
                                        write(d, f, v.trim())?;
                                    }
                                }
                            }
                        }
                        Ok(())
                    });
                    match made {
                        Ok(made) => {
                            cg.created.splice(0..0, made);
                            cg.dirs.push((ctrls.clone(), dir));
                        }
                        Err(e) => {
                            cg.remove();
                            cg.remove_created_parents();
                            return Err(e);
                        }
                    }
                }
                let wants_hugetlb = res.hugepage_limits().as_ref().is_some_and(|l| !l.is_empty());
                if let Layout::Hybrid { unified, controllers, .. } = layout
                    && wants_hugetlb
                    && cg.dir("hugetlb").is_none()
                    && controllers.iter().any(|c| c == "hugetlb")
                {
                    let dir = join(unified, &own_path(proc_cgroup, &[]));
                    collect_stale_siblings(&dir);
                    match make_dirs(&dir, &|_| Ok(())) {
                        Ok(made) => {
                            cg.created.splice(0..0, made);
                            enable_v2_controller(unified, &dir, "hugetlb");
                            cg.unified = Some(dir);
                        }
                        Err(e) => {
                            cg.remove();
                            cg.remove_created_parents();
                            return Err(e);
                        }
                    }
                }
                cg
            }
        };
        if let Err(e) = cg.apply(res) {
            cg.remove();
            cg.remove_created_parents();
            return Err(e);
        }
        cg.created.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        Ok(cg)
    }

    /// The cgroup a running process is in, from its `/proc/<pid>/cgroup`
    /// text, to change its limits with [`Cgroup::apply`] (`rcon update`).
    /// Creates nothing; `created` is empty, so [`Cgroup::remove`] removes
    /// nothing.
    pub fn of_process(layout: &Layout, proc_cgroup: &str) -> Cgroup {
        let join = |root: &Path, own: String| root.join(own.trim_start_matches('/'));
        match layout {
            Layout::V2(root) => Cgroup {
                v2: true,
                dirs: vec![(Vec::new(), join(root, own_path(proc_cgroup, &[])))],
                created: Vec::new(),
                unified: None,
            },
            Layout::V1(hier) | Layout::Hybrid { v1: hier, .. } => Cgroup {
                v2: false,
                dirs: hier
                    .iter()
                    .filter(|(ctrls, _)| ctrls.iter().any(|c| V1_CONTROLLERS.contains(&c.as_str())))
                    .map(|(ctrls, mount)| (ctrls.clone(), join(mount, own_path(proc_cgroup, ctrls))))
                    .collect(),
                created: Vec::new(),
                unified: match layout {
                    Layout::Hybrid { unified, .. } => {
                        let d = join(unified, own_path(proc_cgroup, &[]));
                        d.join("cgroup.procs").exists().then_some(d).filter(|d| d != unified)
                    }
                    _ => None,
                },
            },
        }
    }

    /// The directory of the hierarchy with `controller` (v1), or the one
    /// directory (v2).
    pub fn dir(&self, controller: &str) -> Option<&Path> {
        if self.v2 {
            return self.dirs.first().map(|(_, d)| d.as_path());
        }
        self.dirs.iter().find(|(c, _)| c.iter().any(|x| x == controller)).map(|(_, d)| d.as_path()).or_else(|| {
            // On a hybrid host, hugetlb lives in the cgroup2 tree.
            (controller == "hugetlb").then_some(self.unified.as_deref()).flatten()
        })
    }

    /// Writes the limits of `res` (runc's fs and fs2 drivers' files).
    pub fn apply(&self, res: &LinuxResources) -> Result<(), Error> {
        let v2 = self.v2;
        if let (Some(m), Some(d)) = (res.memory(), self.dir("memory")) {
            if v2 {
                if let Some(l) = m.limit() {
                    write(d, "memory.max", &limit_v2(l))?;
                }
                if let Some(r) = m.reservation() {
                    write(d, "memory.low", &limit_v2(r))?;
                }
                if let Some(s) = m.swap() {
                    // v1's memory+swap becomes v2's swap alone.
                    let v = match (s, m.limit()) {
                        (s, _) if s < 0 => "max".to_string(),
                        (s, Some(l)) if l > 0 => (s - l).max(0).to_string(),
                        (s, _) => s.to_string(),
                    };
                    write(d, "memory.swap.max", &v)?;
                }
                if let Some(k) = m.kernel_tcp() {
                    return Err(Error::Spec(format!(
                        "linux.resources.memory.kernelTCP ({k}) is not supported on cgroup v2 (it has no TCP memory limit)"
                    )));
                }
                // `kernel` is deprecated and may be ignored (config-linux.md);
                // v2 has no such limit.
            } else {
                if let Some(l) = m.limit() {
                    write(d, "memory.limit_in_bytes", &l.to_string())?;
                }
                if let Some(s) = m.swap() {
                    write(d, "memory.memsw.limit_in_bytes", &s.to_string())?;
                }
                if let Some(r) = m.reservation() {
                    write(d, "memory.soft_limit_in_bytes", &r.to_string())?;
                }
                if let Some(s) = m.swappiness().filter(|&s| s <= 100) {
                    write(d, "memory.swappiness", &s.to_string())?;
                }
                if m.disable_oom_killer() == Some(true) {
                    write(d, "memory.oom_control", "1")?;
                }
                if let Some(k) = m.kernel_tcp() {
                    if !d.join("memory.kmem.tcp.limit_in_bytes").exists() {
                        return Err(Error::Spec(
                            "linux.resources.memory.kernelTCP is not supported by the host (no memory.kmem.tcp.limit_in_bytes)"
                                .into(),
                        ));
                    }
                    write(d, "memory.kmem.tcp.limit_in_bytes", &k.to_string())?;
                }
                // `kernel` is deprecated and may be ignored (config-linux.md);
                // written where the file is (kernels since 5.16 accept and
                // ignore it).
                if let Some(k) = m.kernel().filter(|_| d.join("memory.kmem.limit_in_bytes").exists()) {
                    write(d, "memory.kmem.limit_in_bytes", &k.to_string())?;
                }
            }
        }
        if let Some(c) = res.cpu() {
            if let Some(d) = self.dir("cpu") {
                if v2 {
                    if let Some(s) = c.shares().filter(|&s| s > 0) {
                        write(d, "cpu.weight", &shares_to_weight(s).to_string())?;
                    }
                    if c.quota().is_some() || c.period().is_some() {
                        let q = c.quota().filter(|&q| q > 0).map_or("max".to_string(), |q| q.to_string());
                        write(d, "cpu.max", &format!("{q} {}", c.period().unwrap_or(100_000)))?;
                    }
                    if c.realtime_period().is_some() || c.realtime_runtime().is_some() {
                        return Err(Error::Spec(
                            "linux.resources.cpu.realtimePeriod/realtimeRuntime are not supported on cgroup v2".into(),
                        ));
                    }
                } else {
                    if let Some(s) = c.shares().filter(|&s| s > 0) {
                        write(d, "cpu.shares", &s.to_string())?;
                    }
                    if let Some(p) = c.period() {
                        write(d, "cpu.cfs_period_us", &p.to_string())?;
                    }
                    if let Some(q) = c.quota() {
                        write(d, "cpu.cfs_quota_us", &q.to_string())?;
                    }
                    // Period first: the runtime must fit in it.
                    let rt = [
                        ("realtimePeriod", "cpu.rt_period_us", c.realtime_period().map(|p| p as i64)),
                        ("realtimeRuntime", "cpu.rt_runtime_us", c.realtime_runtime()),
                    ];
                    for (field, file, value) in rt {
                        if let Some(v) = value {
                            if !d.join(file).exists() {
                                return Err(Error::Spec(format!(
                                    "linux.resources.cpu.{field} is not supported by the host (no {file}: \
                                     the kernel lacks CONFIG_RT_GROUP_SCHED)"
                                )));
                            }
                            write(d, file, &v.to_string())?;
                        }
                    }
                }
            }
            if let Some(d) = self.dir("cpuset") {
                if let Some(cpus) = c.cpus().as_deref().filter(|s| !s.is_empty()) {
                    write(d, "cpuset.cpus", cpus)?;
                }
                if let Some(mems) = c.mems().as_deref().filter(|s| !s.is_empty()) {
                    write(d, "cpuset.mems", mems)?;
                }
            }
        }
        if let (Some(p), Some(d)) = (res.pids(), self.dir("pids")) {
            let v = if p.limit() > 0 { p.limit().to_string() } else { "max".to_string() };
            write(d, "pids.max", &v)?;
        }
        if let (Some(devs), Some(d), false) = (res.devices(), self.dir("devices"), v2) {
            for rule in devs {
                write(d, if rule.allow() { "devices.allow" } else { "devices.deny" }, &device_rule(rule))?;
            }
        }
        if let (Some(devs), Some(d), true) = (res.devices(), self.dir("devices"), v2) {
            super::devices_bpf::attach(d, devs)?;
        }
        if let Some(b) = res.block_io() {
            self.apply_block_io(b)?;
        }
        if let Some(n) = res.network() {
            if let Some(id) = n.class_id() {
                let d = self.dir("net_cls").filter(|_| !v2).ok_or_else(|| missing("network.classID", "net_cls"))?;
                write(d, "net_cls.classid", &id.to_string())?;
            }
            if let Some(prios) = n.priorities().as_ref().filter(|p| !p.is_empty()) {
                let d =
                    self.dir("net_prio").filter(|_| !v2).ok_or_else(|| missing("network.priorities", "net_prio"))?;
                for p in prios {
                    write(d, "net_prio.ifpriomap", &format!("{} {}", p.name(), p.priority()))?;
                }
            }
        }
        if let Some(limits) = res.hugepage_limits().as_ref().filter(|l| !l.is_empty()) {
            let d = self.dir("hugetlb").ok_or_else(|| {
                Error::Spec(
                    "linux.resources.hugepageLimits is set but the host has no hugetlb cgroup controller".into(),
                )
            })?;
            // v2 (also a hybrid host's cgroup2 directory): hugetlb.SIZE.max.
            let v2_file = v2 || self.unified.as_deref() == Some(d);
            for l in limits {
                let size = l.page_size();
                let file =
                    if v2_file { format!("hugetlb.{size}.max") } else { format!("hugetlb.{size}.limit_in_bytes") };
                if !d.join(&file).exists() {
                    return Err(Error::Spec(format!(
                        "linux.resources.hugepageLimits: page size {size:?} is not supported by the host \
                         ({} does not exist; see /sys/kernel/mm/hugepages)",
                        d.join(&file).display()
                    )));
                }
                write(d, &file, &l.limit().to_string())?;
            }
        }
        Ok(())
    }

    /// `linux.resources.blockIO`: weights and throttles (v1 `blkio.*`, v2
    /// `io.weight`/`io.bfq.weight` and `io.max`). A setting whose file the
    /// host's controller lacks (weights without the BFQ/CFQ scheduler) is
    /// an error naming the field.
    fn apply_block_io(&self, b: &oci_spec::runtime::LinuxBlockIo) -> Result<(), Error> {
        let field = |f: &str| format!("blockIO.{f}");
        let weights = b.weight().is_some() || b.leaf_weight().is_some() || b.weight_device().is_some();
        let throttles = [
            b.throttle_read_bps_device(),
            b.throttle_write_bps_device(),
            b.throttle_read_iops_device(),
            b.throttle_write_iops_device(),
        ];
        if !weights && throttles.iter().all(|t| t.as_ref().is_none_or(|v| v.is_empty())) {
            return Ok(());
        }
        let ctrl = if self.v2 { "io" } else { "blkio" };
        let d = self.dir(ctrl).ok_or_else(|| missing("blockIO", ctrl))?;
        // The first of `files` that exists, else an error naming `f`.
        let pick = |f: &str, files: &[&'static str]| -> Result<&'static str, Error> {
            files.iter().copied().find(|name| d.join(name).exists()).ok_or_else(|| {
                Error::Spec(format!(
                    "linux.resources.{} is not supported by the host: its {ctrl} controller has none of {} \
                     (weights need the BFQ I/O scheduler)",
                    field(f),
                    files.join(", ")
                ))
            })
        };
        if self.v2 {
            // v1 weights (10..1000) become v2's (1..10000), as runc converts them.
            let conv = |w: u16| 1 + (u64::from(w).clamp(10, 1000) - 10) * 9999 / 990;
            if let Some(w) = b.weight() {
                let f = pick("weight", &["io.bfq.weight", "io.weight"])?;
                let v = if f == "io.bfq.weight" { u64::from(w) } else { conv(w) };
                write(d, f, &v.to_string())?;
            }
            if b.leaf_weight().is_some() {
                return Err(Error::Spec(format!(
                    "linux.resources.{} is not supported on cgroup v2",
                    field("leafWeight")
                )));
            }
            for wd in b.weight_device().iter().flatten() {
                if let Some(w) = wd.weight() {
                    let f = pick("weightDevice", &["io.bfq.weight", "io.weight"])?;
                    let v = if f == "io.bfq.weight" { u64::from(w) } else { conv(w) };
                    write(d, f, &format!("{}:{} {v}", wd.major(), wd.minor()))?;
                }
            }
            for (list, key) in throttles.iter().zip(["rbps", "wbps", "riops", "wiops"]) {
                for t in list.iter().flatten() {
                    pick("throttle", &["io.max"])?;
                    write(d, "io.max", &format!("{}:{} {key}={}", t.major(), t.minor(), t.rate()))?;
                }
            }
            return Ok(());
        }
        if let Some(w) = b.weight() {
            write(d, pick("weight", &["blkio.weight", "blkio.bfq.weight"])?, &w.to_string())?;
        }
        if let Some(w) = b.leaf_weight() {
            write(d, pick("leafWeight", &["blkio.leaf_weight"])?, &w.to_string())?;
        }
        for wd in b.weight_device().iter().flatten() {
            if let Some(w) = wd.weight() {
                let f = pick("weightDevice", &["blkio.weight_device", "blkio.bfq.weight_device"])?;
                write(d, f, &format!("{}:{} {w}", wd.major(), wd.minor()))?;
            }
            if let Some(w) = wd.leaf_weight() {
                let f = pick("weightDevice.leafWeight", &["blkio.leaf_weight_device"])?;
                write(d, f, &format!("{}:{} {w}", wd.major(), wd.minor()))?;
            }
        }
        let files = [
            ("throttleReadBpsDevice", "blkio.throttle.read_bps_device"),
            ("throttleWriteBpsDevice", "blkio.throttle.write_bps_device"),
            ("throttleReadIOPSDevice", "blkio.throttle.read_iops_device"),
            ("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"),
        ];
        for (list, (f, file)) in throttles.iter().zip(files) {
            for t in list.iter().flatten() {
                write(d, pick(f, &[file])?, &format!("{}:{} {}", t.major(), t.minor(), t.rate()))?;
            }
        }
        Ok(())
    }

    /// Moves process `pid` (a host pid) into the cgroup (`cgroup.procs`).
    pub(crate) fn add(&self, pid: i32) -> Result<(), Error> {
        for (_, d) in &self.dirs {
            write(d, "cgroup.procs", &pid.to_string())?;
        }
        Ok(())
    }

    /// In the init (before its cgroup namespace): moves the calling process
    /// into every directory of the cgroup.
    pub(crate) fn join(&self) -> Result<(), Error> {
        for (_, d) in &self.dirs {
            write(d, "cgroup.procs", "0")?;
        }
        if let Some(d) = &self.unified {
            write(d, "cgroup.procs", "0")?;
        }
        Ok(())
    }

    /// How many times the OOM killer killed a process of the cgroup
    /// (`oom_kill` in v1's `memory.oom_control`, v2's `memory.events`).
    pub fn oom_kills(&self) -> u64 {
        let Some(d) = self.dir("memory") else { return 0 };
        let file = if self.v2 { "memory.events" } else { "memory.oom_control" };
        std::fs::read_to_string(d.join(file))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("oom_kill ")?.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Kills what is left in the cgroup and removes its own directories
    /// (best effort; retried for up to a second while the kernel frees
    /// the last exiting tasks).
    pub fn remove(&self) {
        for d in self.dirs.iter().map(|(_, d)| d).chain(self.unified.as_ref()) {
            for attempt in 0..200 {
                match std::fs::remove_dir(d) {
                    Ok(()) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                    Err(_) if attempt < 199 => {
                        let procs = std::fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default();
                        for pid in procs.split_whitespace().filter_map(|p| p.parse::<i32>().ok()) {
                            let _ = crate::sys::kill(pid, libc::SIGKILL);
                        }
                        std::thread::sleep(std::time::Duration::from_millis(if attempt < 20 { 1 } else { 5 }));
                    }
                    Err(e) => crate::warn!("cannot remove cgroup {}: {e}", d.display()),
                }
            }
        }
        // Parents created for it (`rcon/`) stay, as docker's `docker/` does:
        // removing them would race with containers being created beside it
        // (see `remove_created_parents`).
    }

    /// After [`Cgroup::remove`]: removes the parent directories that were
    /// created for this cgroup (`created` without its own), deepest first,
    /// those that are empty (`rmdir` fails on the others). For `rcon oci
    /// delete`, so that a suite of short-lived containers leaves nothing
    /// behind; a container being created beside them meanwhile retries
    /// ([`make_dirs`]). Parents that existed before are never touched.
    pub fn remove_created_parents(&self) {
        for p in &self.created {
            let own = self.dirs.iter().any(|(_, d)| d == p) || self.unified.as_ref() == Some(p);
            if !own {
                let _ = std::fs::remove_dir(p);
            }
        }
    }
}

/// The error for a resource `field` (under `linux.resources`) whose
/// cgroup `controller` the host does not have.
fn missing(field: &str, controller: &str) -> Error {
    Error::Spec(format!(
        "linux.resources.{field} is not supported by the host: it has no {controller} cgroup controller rcon can use"
    ))
}

fn limit_v2(v: i64) -> String {
    if v < 0 { "max".to_string() } else { v.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::{
        LinuxCpuBuilder, LinuxHugepageLimitBuilder, LinuxMemoryBuilder, LinuxPidsBuilder, LinuxResourcesBuilder,
    };

    const HYBRID: &str = "\
30 23 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw
32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd
33 30 0:29 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory
34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:13 - cgroup cgroup rw,cpu,cpuacct
";
    const UNIFIED: &str =
        "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";

    #[test]
    fn detects_v1_v2_and_hybrid() {
        let v1 = vec![
            (vec!["memory".into()], "/sys/fs/cgroup/memory".into()),
            (vec!["cpu".into(), "cpuacct".into()], "/sys/fs/cgroup/cpu,cpuacct".into()),
        ];
        let l = Layout::from_mountinfo(HYBRID, |_| "hugetlb\n".into()).unwrap();
        assert_eq!(
            l,
            Layout::Hybrid {
                v1: v1.clone(),
                unified: "/sys/fs/cgroup/unified".into(),
                controllers: vec!["hugetlb".into()]
            }
        );
        // A cgroup2 mount without controllers: plain v1.
        assert_eq!(Layout::from_mountinfo(HYBRID, |_| String::new()).unwrap(), Layout::V1(v1));
        // Hybrid whose cgroup2 side has the controllers: v2.
        let l = Layout::from_mountinfo(HYBRID, |_| "memory pids\n".into()).unwrap();
        assert_eq!(l, Layout::V2("/sys/fs/cgroup/unified".into()));
        let l = Layout::from_mountinfo(UNIFIED, |_| String::new()).unwrap();
        assert_eq!(l, Layout::V2("/sys/fs/cgroup".into()));
        assert_eq!(Layout::from_mountinfo("", |_| String::new()), None);
    }

    fn resources() -> LinuxResources {
        LinuxResourcesBuilder::default()
            .memory(
                LinuxMemoryBuilder::default().limit(64 << 20).swap(128 << 20).reservation(32 << 20).build().unwrap(),
            )
            .cpu(LinuxCpuBuilder::default().shares(512u64).quota(150_000).period(100_000u64).cpus("0").build().unwrap())
            .pids(LinuxPidsBuilder::default().limit(42).build().unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn v2_on_a_fake_cgroupfs() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("cg");
        std::fs::create_dir_all(root.join("user.slice")).unwrap();
        std::fs::write(root.join("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n").unwrap();
        std::fs::write(root.join("user.slice/cgroup.controllers"), "cpuset cpu io memory pids\n").unwrap();
        let proc_cgroup = "0::/user.slice\n";
        let cg = Cgroup::create(&Layout::V2(root.clone()), "rcon/abc", &resources(), proc_cgroup).unwrap();
        let dir = root.join("user.slice/rcon/abc");
        assert_eq!(cg.dirs, vec![(vec![], dir.clone())]);
        assert_eq!(cg.created, vec![dir.clone(), root.join("user.slice/rcon")]);
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        assert_eq!(read("memory.max"), "67108864");
        assert_eq!(read("memory.low"), "33554432");
        assert_eq!(read("memory.swap.max"), "67108864");
        assert_eq!(read("cpu.weight"), shares_to_weight(512).to_string());
        assert_eq!(read("cpu.max"), "150000 100000");
        assert_eq!(read("cpuset.cpus"), "0");
        assert_eq!(read("pids.max"), "42");
        assert_eq!(
            std::fs::read_to_string(root.join("user.slice/cgroup.subtree_control")).unwrap(),
            "+cpuset +cpu +io +memory +pids"
        );
        std::fs::write(dir.join("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n").unwrap();
        assert_eq!(cg.oom_kills(), 1);
        // An absolute path starts at the root.
        let cg2 = Cgroup::create(&Layout::V2(root.clone()), "/abs/x", &LinuxResources::default(), proc_cgroup).unwrap();
        assert_eq!(cg2.dirs[0].1, root.join("abs/x"));
        // The planned directories are the created ones.
        assert_eq!(planned_dirs(&Layout::V2(root.clone()), "rcon/abc", proc_cgroup), vec![dir.clone()]);
        assert_eq!(planned_dirs(&Layout::V2(root.clone()), "/abs/x", proc_cgroup), vec![root.join("abs/x")]);
    }

    #[test]
    fn v1_on_a_fake_cgroupfs() {
        let t = tempfile::tempdir().unwrap();
        let mem = t.path().join("memory");
        let cpuset = t.path().join("cpuset");
        std::fs::create_dir_all(mem.join("sandbox")).unwrap();
        std::fs::create_dir_all(&cpuset).unwrap();
        std::fs::write(cpuset.join("cpuset.cpus"), "0-1\n").unwrap();
        std::fs::write(cpuset.join("cpuset.mems"), "0\n").unwrap();
        let layout = Layout::V1(vec![(vec!["memory".into()], mem.clone()), (vec!["cpuset".into()], cpuset.clone())]);
        let proc_cgroup = "4:memory:/sandbox\n3:cpuset:/\n";
        let cg = Cgroup::create(&layout, "rcon/abc", &resources(), proc_cgroup).unwrap();
        assert_eq!(cg.dir("memory"), Some(mem.join("sandbox/rcon/abc").as_path()));
        let read = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap();
        assert_eq!(read(&mem.join("sandbox/rcon/abc"), "memory.limit_in_bytes"), "67108864");
        assert_eq!(read(&mem.join("sandbox/rcon/abc"), "memory.memsw.limit_in_bytes"), "134217728");
        // The intermediate cpuset dir got its parent's values; the limit is ours.
        assert_eq!(read(&cpuset.join("rcon"), "cpuset.cpus"), "0-1");
        assert_eq!(read(&cpuset.join("rcon/abc"), "cpuset.cpus"), "0");
        assert_eq!(read(&cpuset.join("rcon/abc"), "cpuset.mems"), "0");
        let created: Vec<PathBuf> = cg.dirs.iter().map(|(_, d)| d.clone()).collect();
        assert_eq!(planned_dirs(&layout, "rcon/abc", proc_cgroup), created);
    }

    fn hugepages(sizes: &[(&str, u64)]) -> LinuxResources {
        let limits = sizes
            .iter()
            .map(|(s, l)| LinuxHugepageLimitBuilder::default().page_size(*s).limit(*l as i64).build().unwrap())
            .collect::<Vec<_>>();
        LinuxResourcesBuilder::default().hugepage_limits(limits).build().unwrap()
    }

    /// A fake cgroup2 directory offering hugetlb with 2MB and 1GB pages.
    fn fake_v2_hugetlb(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("cgroup.controllers"), "hugetlb\n").unwrap();
        for s in ["2MB", "1GB"] {
            std::fs::write(dir.join(format!("hugetlb.{s}.max")), "max\n").unwrap();
        }
    }

    #[test]
    fn hugetlb_on_v2_writes_max_files() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("cg");
        fake_v2_hugetlb(&root.join("rcon-oci/c1"));
        std::fs::write(root.join("cgroup.controllers"), "cpu memory pids hugetlb\n").unwrap();
        let res = hugepages(&[("2MB", 2 << 30), ("1GB", 4 << 30)]);
        let cg = Cgroup::create(&Layout::V2(root.clone()), "/rcon-oci/c1", &res, "0::/\n").unwrap();
        let d = root.join("rcon-oci/c1");
        assert_eq!(cg.dir("hugetlb"), Some(d.as_path()));
        assert_eq!(std::fs::read_to_string(d.join("hugetlb.2MB.max")).unwrap(), (2u64 << 30).to_string());
        assert_eq!(std::fs::read_to_string(d.join("hugetlb.1GB.max")).unwrap(), (4u64 << 30).to_string());
        // A page size the host does not have is an error naming it.
        let e = cg.apply(&hugepages(&[("3MB", 1 << 20)])).unwrap_err().to_string();
        assert!(e.contains("hugepageLimits") && e.contains("\"3MB\""), "{e}");
        assert!(!d.join("hugetlb.3MB.max").exists());
    }

    #[test]
    fn hugetlb_on_a_hybrid_host_uses_the_cgroup2_tree() {
        let t = tempfile::tempdir().unwrap();
        let mem = t.path().join("memory");
        let unified = t.path().join("unified");
        std::fs::create_dir_all(&mem).unwrap();
        fake_v2_hugetlb(&unified.join("sandbox/ctr"));
        let layout = Layout::Hybrid {
            v1: vec![(vec!["memory".into()], mem.clone())],
            unified: unified.clone(),
            controllers: vec!["hugetlb".into()],
        };
        let proc_cgroup = "4:memory:/\n0::/sandbox\n";
        // Without hugepage limits the cgroup2 tree is left alone.
        let cg = Cgroup::create(&layout, "plain", &LinuxResources::default(), proc_cgroup).unwrap();
        assert_eq!((cg.unified.as_ref(), cg.dir("hugetlb")), (None, None));
        let cg = Cgroup::create(&layout, "ctr", &hugepages(&[("2MB", 1 << 30)]), proc_cgroup).unwrap();
        let d = unified.join("sandbox/ctr");
        assert_eq!(cg.unified.as_deref(), Some(d.as_path()));
        assert_eq!(planned_dirs(&layout, "ctr", proc_cgroup), vec![mem.join("ctr"), d.clone()]);
        assert_eq!(cg.dir("memory"), Some(mem.join("ctr").as_path()));
        assert_eq!(std::fs::read_to_string(d.join("hugetlb.2MB.max")).unwrap(), (1u64 << 30).to_string());
        // The controller was enabled from the root down to the parent.
        for p in [&unified, &unified.join("sandbox")] {
            assert_eq!(std::fs::read_to_string(p.join("cgroup.subtree_control")).unwrap(), "+hugetlb");
        }
        // Its state survives the round trip through `rcon oci`'s record.
        let back: Cgroup = serde_json::from_str(&serde_json::to_string(&cg).unwrap()).unwrap();
        assert_eq!(back, cg);
        // A v1 host without hugetlb refuses the limits, naming the field.
        let e = Cgroup::create(
            &Layout::V1(vec![(vec!["memory".into()], mem.clone())]),
            "nohuge",
            &hugepages(&[("2MB", 1 << 30)]),
            proc_cgroup,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("hugepageLimits") && e.contains("no hugetlb"), "{e}");
        assert!(!mem.join("nohuge").exists(), "a failed create removes its directories");
    }

    #[test]
    fn only_parents_created_for_a_cgroup_are_removed_with_it() {
        let t = tempfile::tempdir().unwrap();
        let mem = t.path().join("memory");
        std::fs::create_dir_all(mem.join("keep")).unwrap();
        let layout = Layout::V1(vec![(vec!["memory".into()], mem.clone())]);
        let none = LinuxResources::default();
        let cg = Cgroup::create(&layout, "/keep/p/q/c1", &none, "").unwrap();
        assert_eq!(cg.created, vec![mem.join("keep/p/q/c1"), mem.join("keep/p/q"), mem.join("keep/p")]);
        let other = Cgroup::create(&layout, "/keep/p/q/c2", &none, "").unwrap();
        assert_eq!(other.created, vec![mem.join("keep/p/q/c2")]);
        cg.remove();
        cg.remove_created_parents();
        // c2 still lives under them: they stay.
        assert!(mem.join("keep/p/q/c2").is_dir());
        other.remove();
        other.remove_created_parents();
        assert!(mem.join("keep/p/q").is_dir(), "not created for c2: left alone");
        std::fs::remove_dir(mem.join("keep/p/q")).unwrap();
        std::fs::remove_dir(mem.join("keep/p")).unwrap();
        // A failed create takes its new parents away, never older ones.
        let bad = hugepages(&[("2MB", 1 << 30)]);
        Cgroup::create(&layout, "/keep/x/y", &bad, "").unwrap_err();
        assert!(!mem.join("keep/x").exists());
        assert!(mem.join("keep").is_dir());
    }

    #[test]
    fn realtime_cpu_is_written_or_refused() {
        let t = tempfile::tempdir().unwrap();
        let cpu = t.path().join("cpu");
        std::fs::create_dir_all(cpu.join("rt")).unwrap();
        for f in ["cpu.rt_period_us", "cpu.rt_runtime_us"] {
            std::fs::write(cpu.join("rt").join(f), "").unwrap();
        }
        let res = LinuxResourcesBuilder::default()
            .cpu(LinuxCpuBuilder::default().realtime_period(1_000_000u64).realtime_runtime(950_000).build().unwrap())
            .build()
            .unwrap();
        let layout = Layout::V1(vec![(vec!["cpu".into()], cpu.clone())]);
        Cgroup::create(&layout, "/rt", &res, "").unwrap();
        assert_eq!(std::fs::read_to_string(cpu.join("rt/cpu.rt_period_us")).unwrap(), "1000000");
        assert_eq!(std::fs::read_to_string(cpu.join("rt/cpu.rt_runtime_us")).unwrap(), "950000");
        let e = Cgroup::create(&layout, "/nort", &res, "").unwrap_err().to_string();
        assert!(e.contains("cpu.realtimePeriod") && e.contains("RT_GROUP_SCHED"), "{e}");
        let e = Cgroup::create(&Layout::V2(t.path().join("v2")), "/x", &res, "0::/\n").unwrap_err().to_string();
        assert!(e.contains("realtime") && e.contains("v2"), "{e}");
    }

    #[test]
    fn kernel_tcp_memory_is_written_or_refused() {
        let t = tempfile::tempdir().unwrap();
        let mem = t.path().join("memory");
        std::fs::create_dir_all(mem.join("c1")).unwrap();
        std::fs::write(mem.join("c1/memory.kmem.tcp.limit_in_bytes"), "").unwrap();
        let res = LinuxResourcesBuilder::default()
            .memory(LinuxMemoryBuilder::default().kernel_tcp(50_593_792).kernel(50_593_792).build().unwrap())
            .build()
            .unwrap();
        let layout = Layout::V1(vec![(vec!["memory".into()], mem.clone())]);
        Cgroup::create(&layout, "/c1", &res, "").unwrap();
        assert_eq!(std::fs::read_to_string(mem.join("c1/memory.kmem.tcp.limit_in_bytes")).unwrap(), "50593792");
        // `kernel` is deprecated: skipped where the file is missing.
        assert!(!mem.join("c1/memory.kmem.limit_in_bytes").exists());
        let e = Cgroup::create(&layout, "/c2", &res, "").unwrap_err().to_string();
        assert!(e.contains("memory.kernelTCP"), "{e}");
        assert!(!mem.join("c2").exists(), "a failed create removes its directory");
        let e = Cgroup::create(&Layout::V2(t.path().join("v2")), "/c3", &res, "0::/\n").unwrap_err().to_string();
        assert!(e.contains("memory.kernelTCP") && e.contains("v2"), "{e}");
    }

    #[test]
    fn device_rules_and_weights() {
        let mut d = LinuxDeviceCgroup::default();
        d.set_allow(true);
        d.set_typ(Some(LinuxDeviceType::C));
        d.set_major(Some(1));
        d.set_minor(Some(3));
        d.set_access(Some("rwm".into()));
        assert_eq!(device_rule(&d), "c 1:3 rwm");
        d.set_typ(None);
        d.set_major(None);
        d.set_minor(Some(-1));
        assert_eq!(device_rule(&d), "a *:* rwm");
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(262_144), 10000);
    }
}
