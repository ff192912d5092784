//! `spawn`: turns a spec into a [`Plan`] (everything parsed, in the parent),
//! clones the container's init into its new namespaces, and reads the
//! outcome of its setup from a close-on-exec pipe. The init's side is
//! [`init`]: the ordered setup steps, then `execve`.

use super::mounts::{self, MountPlan};
use super::process;
use super::sys::{self, Forked};
use super::user::{self, ExecUser};
use super::{Error, Process, RootfsSetup, SpawnOptions, Stdio, StdioFd};
use super::{caps, cgroups, seccomp, tty, userns};
use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use oci_spec::runtime::{LinuxDevice, LinuxNamespaceType, Spec};
use std::convert::Infallible;
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// Whom the process runs as.
#[derive(Debug, Clone)]
enum UserPlan {
    /// `USER[:GROUP]` to resolve inside the container.
    Resolve(String),
    /// Numeric ids from the spec's `process.user`.
    Ids(ExecUser),
}

/// The container's user namespace (config-linux.md "User namespace mappings").
#[derive(Debug)]
enum UsernsPlan {
    /// None: the caller's.
    Host,
    /// A new one, created by the clone, whose maps the parent writes.
    New { uid_maps: Vec<oci_spec::runtime::LinuxIdMapping>, gid_maps: Vec<oci_spec::runtime::LinuxIdMapping> },
    /// An existing one (`path`), joined by a helper before anything else.
    Join(OwnedFd),
}

/// Everything the init needs, prepared before the clone so that the init
/// only makes system calls and the parent reports bad specs early.
#[derive(Debug)]
pub(crate) struct Plan {
    clone_flags: u64,
    new_net: bool,
    /// Existing namespaces to join (`linux.namespaces[].path`), opened
    /// before the clone: the PID one by the parent around the clone (it
    /// applies to children only), the others by the init first thing.
    joins: Vec<(libc::c_int, std::os::fd::OwnedFd)>,
    /// The user namespace.
    userns: UsernsPlan,
    /// Clone through a short-lived helper (see [`clone_via_helper`]): it
    /// joins the user namespace of `path` and every namespace of `joins`
    /// first, so that namespaces created afterwards belong to the right
    /// user namespace and joined ones need no privilege inside it.
    via_helper: bool,
    root: PathBuf,
    rootfs: RootfsSetup,
    root_readonly: bool,
    volatile: bool,
    /// Propagation of the whole tree before the rootfs is mounted, in a
    /// new mount namespace (`rslave` when the spec asks for a shared or
    /// slave root, else `rprivate`); `None` in a joined mount namespace,
    /// which is left as it is but for the rootfs's parent mount.
    propagation: Option<MsFlags>,
    /// `linux.rootfsPropagation`, applied to the container's `/` once all
    /// its mounts are made.
    root_propagation: Option<MsFlags>,
    /// The spec has no mount namespace: the container stays in the host's,
    /// chrooted into a detached copy of its mount tree (built in a
    /// throw-away mount namespace), so nothing is ever mounted on the host.
    host_mnt: bool,
    /// AppArmor profile to switch to at `execve` (`process.apparmorProfile`).
    apparmor: Option<String>,
    mounts: Vec<MountPlan>,
    make_devices: bool,
    devices: Vec<LinuxDevice>,
    masked: Vec<String>,
    readonly: Vec<String>,
    hostname: Option<String>,
    user: UserPlan,
    cwd: PathBuf,
    args: Vec<String>,
    cargs: Vec<CString>,
    env: Vec<String>,
    umask: u32,
    terminal: bool,
    console_size: Option<(u16, u16)>,
    no_new_privileges: bool,
    /// Capability sets (`None`: the spec has none, leave them alone).
    caps: Option<caps::CapSets>,
    last_cap: u32,
    /// The compiled seccomp filter.
    seccomp: Option<Vec<seccomp::SockFilter>>,
    /// (resource, soft, hard, name).
    rlimits: Vec<(libc::__rlimit_resource_t, u64, u64, String)>,
    /// `cgroupsPath` and resources: the parent creates the cgroup.
    cgroup_path: Option<String>,
    resources: oci_spec::runtime::LinuxResources,
    /// Unshare the cgroup namespace after joining the cgroup.
    cgroup_ns: bool,
    sysctls: Vec<(String, String)>,
    domainname: Option<String>,
    oom_score_adj: Option<i32>,
    /// Run the command under rcon's tiny init (annotation).
    tiny_init: bool,
    /// Extra supplementary groups (annotation).
    group_add: Vec<String>,
    /// Be a pod's infra: pause instead of exec (annotation).
    pause: bool,
}

fn cstring(what: &str, s: &str) -> Result<CString, Error> {
    CString::new(s).map_err(|_| Error::Spec(format!("{what} {s:?} contains a NUL byte")))
}

impl Plan {
    /// Checks and parses `spec` (runtime-spec config.md, config-linux.md).
    /// Errors: what the spec lacks or what this runtime does not support yet.
    pub(crate) fn new(spec: &Spec, opts: &SpawnOptions) -> Result<Plan, Error> {
        let bad = |m: &str| Error::Spec(format!("invalid runtime spec: {m}"));
        let proc_ = spec.process().as_ref().ok_or_else(|| bad("no process"))?;
        let args = proc_.args().clone().unwrap_or_default();
        if args.is_empty() {
            return Err(bad("process.args is empty"));
        }
        let root = spec.root().as_ref().ok_or_else(|| bad("no root"))?;
        if !root.path().is_absolute() {
            return Err(bad("root.path must be absolute"));
        }
        let cwd = proc_.cwd().clone();
        if !cwd.is_absolute() {
            return Err(bad("process.cwd must be absolute"));
        }
        let linux = spec.linux().clone().unwrap_or_default();
        let mut clone_flags = 0u64;
        let mut new_net = false;
        let mut joins = Vec::new();
        let mut userns = UsernsPlan::Host;
        for ns in linux.namespaces().iter().flatten() {
            if ns.typ() == LinuxNamespaceType::User {
                userns = match ns.path() {
                    Some(path) => {
                        let file = std::fs::File::open(path)
                            .map_err(|e| Error::io(format!("open the user namespace {}", path.display()), e))?;
                        UsernsPlan::Join(OwnedFd::from(file))
                    }
                    None => {
                        let uid_maps = linux.uid_mappings().clone().unwrap_or_default();
                        let gid_maps = linux.gid_mappings().clone().unwrap_or_default();
                        userns::check("linux.uidMappings", &uid_maps)?;
                        userns::check("linux.gidMappings", &gid_maps)?;
                        clone_flags |= libc::CLONE_NEWUSER as u64;
                        UsernsPlan::New { uid_maps, gid_maps }
                    }
                };
                continue;
            }
            if let Some(path) = ns.path() {
                let flag = match ns.typ() {
                    LinuxNamespaceType::Network => libc::CLONE_NEWNET,
                    LinuxNamespaceType::Ipc => libc::CLONE_NEWIPC,
                    LinuxNamespaceType::Uts => libc::CLONE_NEWUTS,
                    LinuxNamespaceType::Pid => libc::CLONE_NEWPID,
                    LinuxNamespaceType::Cgroup => libc::CLONE_NEWCGROUP,
                    LinuxNamespaceType::Mount => libc::CLONE_NEWNS,
                    t => return Err(Error::Spec(format!("joining an existing {t} namespace is not supported"))),
                };
                let file = std::fs::File::open(path)
                    .map_err(|e| Error::io(format!("open the {} namespace {}", ns.typ(), path.display()), e))?;
                joins.push((flag, std::os::fd::OwnedFd::from(file)));
                continue;
            }
            clone_flags |= match ns.typ() {
                LinuxNamespaceType::Mount => libc::CLONE_NEWNS,
                LinuxNamespaceType::Pid => libc::CLONE_NEWPID,
                LinuxNamespaceType::Uts => libc::CLONE_NEWUTS,
                LinuxNamespaceType::Ipc => libc::CLONE_NEWIPC,
                LinuxNamespaceType::Cgroup => libc::CLONE_NEWCGROUP,
                LinuxNamespaceType::Network => {
                    new_net = true;
                    libc::CLONE_NEWNET
                }
                t => return Err(Error::Spec(format!("{t} namespaces are not supported yet"))),
            } as u64;
        }
        let has_maps = linux.uid_mappings().as_ref().is_some_and(|m| !m.is_empty())
            || linux.gid_mappings().as_ref().is_some_and(|m| !m.is_empty());
        if has_maps && !matches!(userns, UsernsPlan::New { .. }) {
            return Err(bad("linux.uidMappings and linux.gidMappings need a new user namespace in linux.namespaces"));
        }
        let via_helper = match userns {
            UsernsPlan::Host => false,
            UsernsPlan::New { .. } => !joins.is_empty(),
            UsernsPlan::Join(_) => true,
        };
        // The cgroup namespace is unshared by the init once it is in its
        // cgroup, so that the cgroup becomes the namespace's root.
        let cgroup_ns = clone_flags & libc::CLONE_NEWCGROUP as u64 != 0;
        clone_flags &= !(libc::CLONE_NEWCGROUP as u64);
        let joined_mnt = joins.iter().any(|(f, _)| *f == libc::CLONE_NEWNS);
        // Without a mount namespace the mounts are made in a throw-away one
        // and the container is chrooted into a detached copy of them.
        let host_mnt = clone_flags & libc::CLONE_NEWNS as u64 == 0 && !joined_mnt;
        if host_mnt && let Some(w) = linux.rootfs_propagation().as_deref().filter(|w| !w.is_empty()) {
            return Err(Error::Spec(format!(
                "linux.rootfsPropagation {w:?} needs a mount namespace of the container's own (linux.namespaces)"
            )));
        }
        let root_propagation = match linux.rootfs_propagation().as_deref() {
            None | Some("") => None,
            Some(w) => {
                Some(mounts::propagation_flags(w).ok_or_else(|| bad(&format!("linux.rootfsPropagation {w:?}")))?)
            }
        };
        // Host mounts still reach a shared or slave root; nothing goes back.
        let receives = root_propagation.is_some_and(|p| p.intersects(MsFlags::MS_SHARED | MsFlags::MS_SLAVE));
        let propagation =
            (!joined_mnt).then_some(MsFlags::MS_REC | if receives { MsFlags::MS_SLAVE } else { MsFlags::MS_PRIVATE });
        let unsupported =
            |field: &str, value: &str, why: &str| Error::Spec(format!("{field} {value:?} cannot be applied: {why}"));
        if let Some(label) = linux.mount_label().as_deref().filter(|l| !l.is_empty()) {
            return Err(unsupported("linux.mountLabel", label, selinux_missing()));
        }
        if let Some(label) = proc_.selinux_label().as_deref().filter(|l| !l.is_empty()) {
            return Err(unsupported("process.selinuxLabel", label, selinux_missing()));
        }
        let apparmor = proc_.apparmor_profile().clone().filter(|p| !p.is_empty());
        if let Some(p) = &apparmor
            && !apparmor_enabled()
        {
            return Err(unsupported("process.apparmorProfile", p, "AppArmor is not enabled on this host"));
        }
        let mounts = mounts::plan_mounts(spec.mounts().as_deref().unwrap_or(&[]))?;
        let make_devices = mounts.iter().any(|m| m.dest == Path::new("/dev") && !m.bind);
        let u = proc_.user();
        let user = match &opts.user {
            Some(s) => UserPlan::Resolve(s.clone()),
            None => UserPlan::Ids(ExecUser {
                uid: u.uid(),
                gid: u.gid(),
                groups: u.additional_gids().clone().unwrap_or_default(),
                home: if u.uid() == 0 { "/root".into() } else { "/".into() },
            }),
        };
        let cargs = args.iter().map(|a| cstring("argument", a)).collect::<Result<_, _>>()?;
        let last_cap = caps::last_cap();
        let caps = cap_sets(proc_, last_cap)?;
        let seccomp = match linux.seccomp() {
            None => None,
            Some(sc) => Some(seccomp::load(sc, opts.cache_dir.as_deref())?),
        };
        let mut rlimits = Vec::new();
        for r in proc_.rlimits().iter().flatten() {
            let name = r.typ().to_string();
            let res = rlimit_resource(&name).ok_or_else(|| bad(&format!("unknown rlimit {name}")))?;
            if r.soft() > r.hard() {
                return Err(Error::Spec(format!(
                    "invalid rlimit {name}: soft limit {} is above the hard limit {}",
                    r.soft(),
                    r.hard()
                )));
            }
            // The kernel refuses open-file limits above fs.nr_open, even to root.
            let nr_open =
                std::fs::read_to_string("/proc/sys/fs/nr_open").ok().and_then(|s| s.trim().parse::<u64>().ok());
            if res == libc::RLIMIT_NOFILE && nr_open.is_some_and(|max| r.hard() > max) {
                return Err(Error::Spec(format!(
                    "invalid rlimit {name}: the hard limit {} is above the kernel's maximum {} (/proc/sys/fs/nr_open)",
                    r.hard(),
                    nr_open.unwrap_or(0)
                )));
            }
            rlimits.push((res, r.soft(), r.hard(), name));
        }
        let annotations = spec.annotations().clone().unwrap_or_default();
        let env = proc_.env().clone().unwrap_or_default();
        for e in &env {
            cstring("environment variable", e)?;
        }
        Ok(Plan {
            clone_flags,
            new_net,
            joins,
            userns,
            via_helper,
            root: root.path().clone(),
            rootfs: opts.rootfs.clone(),
            root_readonly: root.readonly().unwrap_or(false),
            volatile: spec
                .annotations()
                .as_ref()
                .and_then(|a| a.get(super::ANNOTATION_VOLATILE))
                .is_some_and(|v| v == "true"),
            propagation,
            root_propagation,
            host_mnt,
            apparmor,
            mounts,
            make_devices,
            devices: linux.devices().clone().unwrap_or_default(),
            masked: linux.masked_paths().clone().unwrap_or_default(),
            readonly: linux.readonly_paths().clone().unwrap_or_default(),
            hostname: spec.hostname().clone().filter(|_| clone_flags & libc::CLONE_NEWUTS as u64 != 0),
            user,
            cwd,
            args,
            cargs,
            env,
            umask: u.umask().unwrap_or(0o022),
            terminal: proc_.terminal().unwrap_or(false),
            console_size: proc_.console_size().map(|b| (b.height() as u16, b.width() as u16)).or_else(|| {
                // The caller's terminal size, so the program starts with the right one.
                tty::window_size(std::io::stdin().as_fd())
            }),
            no_new_privileges: proc_.no_new_privileges().unwrap_or(false),
            caps,
            last_cap,
            seccomp,
            rlimits,
            cgroup_path: linux.cgroups_path().as_ref().map(|p| p.display().to_string()),
            resources: linux.resources().clone().unwrap_or_default(),
            cgroup_ns,
            sysctls: linux.sysctl().clone().unwrap_or_default().into_iter().collect(),
            domainname: spec
                .domainname()
                .clone()
                .filter(|d| !d.is_empty() && clone_flags & libc::CLONE_NEWUTS as u64 != 0),
            oom_score_adj: proc_.oom_score_adj(),
            tiny_init: annotations.get(super::ANNOTATION_INIT).is_some_and(|v| v == "true"),
            pause: annotations.get(super::ANNOTATION_PAUSE).is_some_and(|v| v == "true"),
            group_add: annotations
                .get(super::ANNOTATION_GROUP_ADD)
                .map(|g| g.split(',').filter(|s| !s.is_empty()).map(String::from).collect())
                .unwrap_or_default(),
        })
    }
}

/// AppArmor is enabled in the kernel (`/sys/module/apparmor/parameters/enabled`).
fn apparmor_enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled").is_ok_and(|s| s.trim() == "Y")
}

/// Why an SELinux label cannot be applied here.
fn selinux_missing() -> &'static str {
    if Path::new("/sys/fs/selinux/enforce").exists() {
        "rcon does not support SELinux labels yet"
    } else {
        "SELinux is not enabled on this host"
    }
}

/// Switches the AppArmor profile the next `execve` enters (needs `/proc`).
fn apply_apparmor(profile: &str) -> Result<(), Error> {
    let value = format!("exec {profile}");
    let r = std::fs::write("/proc/self/attr/apparmor/exec", &value)
        .or_else(|_| std::fs::write("/proc/self/attr/exec", &value));
    r.map_err(|e| Error::io(format!("apply AppArmor profile {profile:?} (process.apparmorProfile)"), e))
}

/// The capability sets of `process.capabilities` (`None`: the spec has
/// none; leave them alone).
fn cap_sets(proc_: &oci_spec::runtime::Process, last_cap: u32) -> Result<Option<caps::CapSets>, Error> {
    let Some(c) = proc_.capabilities() else { return Ok(None) };
    let m = |set: &Option<oci_spec::runtime::Capabilities>| -> Result<u64, Error> {
        let names: Vec<String> = set.iter().flatten().map(|c| c.to_string()).collect();
        caps::mask(&names, last_cap)
    };
    Ok(Some(caps::CapSets {
        bounding: m(c.bounding())?,
        effective: m(c.effective())?,
        permitted: m(c.permitted())?,
        inheritable: m(c.inheritable())?,
        ambient: m(c.ambient())?,
    }))
}

/// What confines a container's processes besides namespaces: its
/// capabilities, seccomp filter and no_new_privs, as the spec sets them.
/// The init and every process `exec`'d into the container get the same.
#[derive(Debug, Clone, Default)]
pub struct Confinement {
    no_new_privileges: bool,
    seccomp: Option<Vec<seccomp::SockFilter>>,
    caps: Option<caps::CapSets>,
    last_cap: u32,
}

impl Confinement {
    /// From the spec's `process` and `linux.seccomp` (compiled filters are
    /// cached in `cache_dir`). Errors: unknown capability names, a bad profile.
    pub fn from_spec(spec: &Spec, cache_dir: Option<&Path>) -> Result<Confinement, Error> {
        let last_cap = caps::last_cap();
        let proc_ = spec.process().clone().unwrap_or_default();
        let seccomp = match spec.linux().as_ref().and_then(|l| l.seccomp().as_ref()) {
            None => None,
            Some(sc) => Some(seccomp::load(sc, cache_dir)?),
        };
        Ok(Confinement {
            no_new_privileges: proc_.no_new_privileges().unwrap_or(false),
            seccomp,
            caps: cap_sets(&proc_, last_cap)?,
            last_cap,
        })
    }
}

/// Becomes `user` under `c`, in the order the kernel requires: no_new_privs;
/// seccomp early when there is no no_new_privs (installing it then needs
/// CAP_SYS_ADMIN, which is dropped next); the bounding set; the ids (keeping
/// the permitted set across the switch); the capability sets; seccomp last
/// when no_new_privs allows it.
pub(crate) fn confine_and_switch_user(c: &Confinement, user: &ExecUser) -> Result<(), Error> {
    if c.no_new_privileges {
        nix::sys::prctl::set_no_new_privs().map_err(|e| step("set", &"no_new_privs", e))?;
    }
    if let (Some(prog), false) = (&c.seccomp, c.no_new_privileges) {
        seccomp::install(prog).map_err(|e| step("install", &"the seccomp filter", e))?;
    }
    if let Some(sets) = &c.caps {
        caps::keep_caps(true)?;
        caps::drop_bounding(sets.bounding, c.last_cap)?;
    }
    process::switch_user(user)?;
    if let Some(sets) = &c.caps {
        caps::keep_caps(false)?;
        caps::apply(sets)?;
    }
    if let (Some(prog), true) = (&c.seccomp, c.no_new_privileges) {
        seccomp::install(prog).map_err(|e| step("install", &"the seccomp filter", e))?;
    }
    Ok(())
}

/// How an [`Error`] travels through the pipe: a tag byte, then its fields
/// separated by NUL bytes. A setup error travels as its message chain and
/// arrives as [`Error::Reported`].
pub(crate) fn encode(e: &Error) -> Vec<u8> {
    let chain;
    let (tag, fields): (u8, Vec<&str>) = match e {
        Error::NotFound(c) => (b'N', vec![c]),
        Error::Missing { path, reason } => (b'M', vec![path, reason]),
        Error::CannotInvoke { path, reason } => (b'C', vec![path, reason]),
        other => {
            chain = other.chain();
            (b'S', vec![&chain])
        }
    };
    let mut out = vec![tag];
    out.extend_from_slice(fields.join("\0").as_bytes());
    out
}

pub(crate) fn decode(buf: &[u8]) -> Error {
    let text = String::from_utf8_lossy(&buf[1..]);
    let mut f = text.split('\0').map(str::to_string);
    let mut next = || f.next().unwrap_or_default();
    match buf[0] {
        b'N' => Error::NotFound(next()),
        b'M' => Error::Missing { path: next(), reason: next() },
        b'C' => Error::CannotInvoke { path: next(), reason: next() },
        _ => Error::Reported(next()),
    }
}

/// See [`super::spawn`].
pub(crate) fn spawn(spec: &Spec, opts: &SpawnOptions) -> Result<Process, Error> {
    let plan = Plan::new(spec, opts)?;
    let threads = thread_count();
    if threads > 1 {
        // docs/ARCHITECTURE.md hazard 1: the fork-like child could deadlock on a lock
        // another thread held at the clone. Refuse rather than hang sometimes.
        return Err(Error::Spec(format!(
            "cannot start a container from a process with {threads} threads (the runtime must be called single-threaded)"
        )));
    }
    super::exe::check()?;
    // fuse-overlayfs mounts the rootfs here, in the caller's mount
    // namespace, for the init to take a copy of (see `fuse_overlay`).
    let mut fuse = match &plan.rootfs {
        RootfsSetup::FuseOverlay { program, lowers, upper, work } => {
            let maps = match &plan.userns {
                UsernsPlan::New { uid_maps, gid_maps } => Some((uid_maps.as_slice(), gid_maps.as_slice())),
                _ => None,
            };
            Some(super::fuse_overlay::FuseMount::mount(program, lowers, upper, work, &plan.root, maps)?)
        }
        _ => None,
    };
    // The start channel: the init reports its outcome (and sends the console
    // master) on it; the parent sends the go-ahead after its hook. Both ends
    // are close-on-exec, so the parent sees EOF once `execve` succeeded.
    let cgroup = match &plan.cgroup_path {
        None => None,
        Some(path) => {
            let layout = cgroups::Layout::detect()
                .ok_or_else(|| Error::Spec("cannot create a cgroup: no cgroup filesystem is mounted".into()))?;
            let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
            Some(cgroups::Cgroup::create(&layout, path, &plan.resources, &own)?)
        }
    };
    let fail = |e: Error| {
        if let Some(cg) = &cgroup {
            cg.remove();
            cg.remove_created_parents();
        }
        e
    };
    let (parent_end, child_end) = socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC)
        .map_err(|e| fail(Error::sys("create a socket pair", e)))?;

    // A new user namespace over an overlay rootfs: the parent makes the
    // overlay from idmapped layers (see `mounts::idmapped_overlay`).
    // Rootless it cannot (idmapping a mount of the host's filesystem needs
    // the host's root): the init mounts the overlay of the layers as they
    // are, so their owners show through the container's mappings
    // (`--userns=keep-id`: the image's root files as the user's).
    let premounted = match (&plan.userns, &plan.rootfs) {
        (UsernsPlan::New { .. }, RootfsSetup::Overlay { .. }) if super::rootless::is_rootless() => None,
        (UsernsPlan::New { uid_maps, gid_maps }, RootfsSetup::Overlay { .. }) => {
            let ns = userns::namespace_with_maps(uid_maps, gid_maps).map_err(fail)?;
            mounts::idmapped_overlay(&plan.rootfs, &ns, plan.volatile).map_err(fail)?
        }
        _ => None,
    };
    // SAFETY: rcon calls spawn while single-threaded (documented on
    // `runtime::spawn`), so the child may use the allocator and the standard
    // library freely; it ends in execve or _exit.
    // Joining a PID namespace only applies to children: the parent enters
    // it for the clone and goes back to its own right after.
    let own_pid_ns = match plan.joins.iter().find(|(f, _)| *f == libc::CLONE_NEWPID) {
        _ if plan.via_helper => None,
        None => None,
        Some((_, fd)) => {
            let own = std::fs::File::open("/proc/self/ns/pid")
                .map_err(|e| fail(Error::io("open rcon's own PID namespace", e)))?;
            nix::sched::setns(fd, nix::sched::CloneFlags::CLONE_NEWPID).map_err(|e| {
                fail(Error::Namespace { op: "join", kind: "the container's PID".into(), source: e.into() })
            })?;
            Some(own)
        }
    };
    let cloned = if plan.via_helper {
        clone_via_helper(&plan)
    } else {
        sys::clone_process(plan.clone_flags).map_err(|e| Error::Namespace {
            op: "create",
            kind: "the container's".into(),
            source: e.into(),
        })
    };
    if let (Some(own), Ok(Forked::Parent(_))) = (&own_pid_ns, &cloned) {
        let _ = nix::sched::setns(own, nix::sched::CloneFlags::CLONE_NEWPID);
    }
    match cloned {
        Err(e) => Err(fail(e)),
        Ok(Forked::Child) => {
            drop(parent_end);
            let Err(e) = init(&plan, opts, cgroup.as_ref(), child_end.as_raw_fd(), premounted.as_ref());
            let mut chan = std::fs::File::from(child_end);
            let _ = chan.write_all(&encode(&e));
            // Skips destructors and atexit handlers of the copy.
            sys::exit_now(e.exit_code())
        }
        Ok(Forked::Parent(pid)) => {
            drop(child_end);
            // Before the init can have ended: its mount namespace then
            // outlives it (see `HeldNamespaces`). Not over fuse-overlayfs,
            // which ends only once the rootfs is unmounted.
            let namespaces = if fuse.is_none() {
                super::HeldNamespaces::open(pid, plan.clone_flags)
            } else {
                super::HeldNamespaces::default()
            };
            if plan.waits_for_go_ahead(opts) {
                if let Err(e) = parent_steps(&plan, opts, cgroup.as_ref(), pid) {
                    let _ = sys::kill(pid, libc::SIGKILL);
                    reap(pid);
                    return Err(fail(e));
                }
                if nix::unistd::write(&parent_end, b"G").is_err() {
                    // The init died before the go-ahead: its message follows.
                }
                if let Some(hook) = opts.before_exec.as_ref().filter(|_| plan.waits_before_exec(opts)) {
                    if let Err(e) = hook(pid) {
                        let _ = sys::kill(pid, libc::SIGKILL);
                        reap(pid);
                        return Err(fail(Error::Hook(e)));
                    }
                    // (An init that died meanwhile has its message queued.)
                    let _ = nix::unistd::write(&parent_end, b"E");
                }
            }
            let (buf, console) = match read_outcome(&parent_end, plan.terminal, opts.exec_socket.is_some()) {
                Ok(r) => r,
                Err(e) => {
                    reap(pid);
                    return Err(fail(Error::sys("read the container's start status", e)));
                }
            };
            if buf.is_empty() || (opts.exec_socket.is_some() && buf == [CREATED_MARK]) {
                // EOF without a message: execve closed the channel; or the
                // init waits at the create/start gate.
                // The init has its copy of a fuse-overlayfs rootfs: nothing
                // of it stays mounted here.
                if let Some(f) = fuse.as_mut() {
                    f.detach();
                }
                return Ok(Process { pid, console, cgroup, fuse, namespaces });
            }
            reap(pid);
            Err(fail(decode(&buf)))
        }
    }
}

impl Plan {
    /// The init waits for the parent's go-ahead: there is a hook to run, or
    /// id maps to write.
    fn waits_for_go_ahead(&self, opts: &SpawnOptions) -> bool {
        opts.on_created.is_some() || !matches!(self.userns, UsernsPlan::Host)
    }

    /// The init waits a second time, before it execs, for
    /// [`SpawnOptions::before_exec`].
    fn waits_before_exec(&self, opts: &SpawnOptions) -> bool {
        opts.before_exec.is_some() && self.waits_for_go_ahead(opts)
    }

    /// The init lives in a user namespace other than the runtime's.
    fn in_userns(&self) -> bool {
        !matches!(self.userns, UsernsPlan::Host)
    }
}

/// What the parent does between the clone and the go-ahead: the id maps of
/// a new user namespace, then (from outside, where the init in its user
/// namespace lacks the privilege) the cgroup and `oom_score_adj`, then the
/// caller's hook.
fn parent_steps(plan: &Plan, opts: &SpawnOptions, cgroup: Option<&cgroups::Cgroup>, pid: i32) -> Result<(), Error> {
    if let UsernsPlan::New { uid_maps, gid_maps } = &plan.userns {
        userns::write_maps(pid, uid_maps, gid_maps)?;
    }
    if plan.in_userns() {
        if let Some(cg) = cgroup {
            cg.add(pid)?;
        }
        if let Some(adj) = plan.oom_score_adj {
            std::fs::write(format!("/proc/{pid}/oom_score_adj"), adj.to_string())
                .map_err(|e| Error::io(format!("set oom_score_adj to {adj}"), e))?;
        }
    }
    if let Some(hook) = &opts.on_created {
        hook(pid).map_err(Error::Hook)?;
    }
    Ok(())
}

/// Clones the init through a short-lived helper process: the helper joins
/// the user namespace of the spec's `path` (if any) and then the other
/// namespaces of `joins` (PID included: it applies to the helper's
/// children), and clones the init with the remaining `CLONE_NEW*` flags and
/// `CLONE_PARENT`, so that the init is still the runtime's child and its
/// new namespaces belong to the right user namespace (runc's nsexec does
/// the same in its stages). The helper reports the init's pid, which is in
/// the runtime's PID namespace (the helper's own), and exits.
fn clone_via_helper(plan: &Plan) -> Result<Forked, Error> {
    let err = |what: &str, e: Errno| Error::sys(what, e);
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| err("create a pipe", e))?;
    match sys::fork().map_err(|e| err("fork", e))? {
        nix::unistd::ForkResult::Child => {
            drop(r);
            let report = |bytes: &[u8]| {
                let _ = nix::unistd::write(&w, bytes);
            };
            if let UsernsPlan::Join(fd) = &plan.userns
                && let Err(e) = nix::sched::setns(fd, nix::sched::CloneFlags::CLONE_NEWUSER)
            {
                report(format!("Ecannot join the user namespace: {}", e.desc()).as_bytes());
                sys::exit_now(1);
            }
            for (flag, fd) in &plan.joins {
                if let Err(e) = nix::sched::setns(fd, nix::sched::CloneFlags::from_bits_retain(*flag)) {
                    report(format!("Ecannot join namespace {flag:#x}: {}", e.desc()).as_bytes());
                    sys::exit_now(1);
                }
            }
            match sys::clone_sibling(plan.clone_flags) {
                Ok(Forked::Child) => {
                    drop(w);
                    Ok(Forked::Child)
                }
                Ok(Forked::Parent(pid)) => {
                    let mut msg = vec![b'P'];
                    msg.extend_from_slice(&pid.to_le_bytes());
                    report(&msg);
                    sys::exit_now(0)
                }
                Err(e) => {
                    report(format!("Ecannot create the container's namespaces: {}", e.desc()).as_bytes());
                    sys::exit_now(1)
                }
            }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(w);
            let mut buf = Vec::new();
            let _ = std::fs::File::from(r).read_to_end(&mut buf);
            reap(child.as_raw());
            match buf.split_first() {
                Some((b'P', pid)) if pid.len() == 4 => {
                    Ok(Forked::Parent(i32::from_le_bytes([pid[0], pid[1], pid[2], pid[3]])))
                }
                Some((b'E', msg)) => Err(Error::Reported(String::from_utf8_lossy(msg).into_owned())),
                _ => Err(Error::Reported("the namespace helper process died".into())),
            }
        }
    }
}

/// Reads the init's report until EOF: the console master first when
/// `terminal` (a [`tty::CONSOLE_MARK`] byte carrying the fd), then an
/// encoded [`Error`] or nothing. With `gated`, a lone [`CREATED_MARK`] as
/// the first byte of the report ends it too (the init keeps the channel
/// open while it waits at the gate).
fn read_outcome(chan: &OwnedFd, terminal: bool, gated: bool) -> Result<(Vec<u8>, Option<OwnedFd>), Errno> {
    let mut buf = Vec::new();
    let mut console = None;
    if terminal {
        let (n, first, fd) = sys::recv_byte_with_fd(chan.as_fd())?;
        console = fd;
        if n == 1 && !(console.is_some() && first == tty::CONSOLE_MARK) {
            buf.push(first);
        }
        if n == 0 {
            return Ok((buf, console));
        }
    }
    let mut f = std::fs::File::from(chan.try_clone().map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))?);
    if gated && buf.is_empty() {
        let mut first = [0u8; 1];
        let n = loop {
            match f.read(&mut first) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r.map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))?,
            }
        };
        if n == 0 {
            return Ok((buf, console));
        }
        buf.push(first[0]);
        if first[0] == CREATED_MARK {
            return Ok((buf, console));
        }
    }
    match f.read_to_end(&mut buf) {
        // The init closed its end with the parent's second go-ahead
        // ([`SpawnOptions::before_exec`]) unread, because it failed before
        // it got there: what it reported precedes the reset, and is in `buf`.
        Err(e) if e.raw_os_error() == Some(libc::ECONNRESET) => {}
        r => {
            r.map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))?;
        }
    }
    Ok((buf, console))
}

/// Threads of this process (`/proc/self/stat` field 20); 1 when unknown.
fn thread_count() -> usize {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count after its closing parenthesis.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after.split_whitespace().nth(17).and_then(|n| n.parse().ok()).unwrap_or(1)
}

fn reap(pid: i32) {
    loop {
        match nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None) {
            Err(Errno::EINTR) => continue,
            _ => return,
        }
    }
}

/// The init's step `what` on `object` failed with `e`.
fn step(what: &str, object: &dyn std::fmt::Display, e: Errno) -> Error {
    Error::sys(format!("{what} {object} in container"), e)
}

/// The container's init, from the clone to `execve`: PID 1 of its PID
/// namespace, alone in its new mount, UTS, IPC and network namespaces.
/// The order matters: mounts need the host paths (before `pivot_root`), the
/// user is resolved from the container's own files (after it), and
/// privileges are dropped last.
fn init(
    plan: &Plan,
    opts: &SpawnOptions,
    cgroup: Option<&cgroups::Cgroup>,
    chan: RawFd,
    premounted: Option<&OwnedFd>,
) -> Result<Infallible, Error> {
    process::reset_signal_dispositions();
    if plan.waits_for_go_ahead(opts) {
        // Wait for the parent's steps (id maps, network, hook) to finish.
        wait_for_parent(chan)?;
    }
    for (flag, fd) in plan.joins.iter().filter(|(f, _)| *f != libc::CLONE_NEWPID && !plan.via_helper) {
        nix::sched::setns(fd, nix::sched::CloneFlags::from_bits_retain(*flag))
            .map_err(|e| step("join", &format!("namespace {flag:#x}"), e))?;
    }
    // No mount namespace in the spec: build the mounts in a throw-away one.
    let host_mnt_ns = if plan.host_mnt {
        let own =
            std::fs::File::open("/proc/self/ns/mnt").map_err(|e| Error::io("open the host's mount namespace", e))?;
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
            .map_err(|e| step("create", &"a temporary mount namespace", e))?;
        Some(own)
    } else {
        None
    };
    // The rootfs and the bind sources by fd, opened while the init still
    // has the host's ids: from a user namespace that does not map the
    // host's root, its root could not look up a path under a 0700
    // directory of the host's root (a bundle, the store), but it can mount
    // what an fd refers to. The fds are in the container's mount namespace.
    let open_path = |p: &Path, dir: bool| {
        let dir = if dir { nix::fcntl::OFlag::O_DIRECTORY } else { nix::fcntl::OFlag::empty() };
        let flags = nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC | dir;
        nix::fcntl::open(p, flags, nix::sys::stat::Mode::empty())
    };
    let root_fd = open_path(&plan.root, true).map_err(|e| step("open rootfs", &plan.root.display(), e))?;
    let bind_sources: Vec<Option<OwnedFd>> = plan
        .mounts
        .iter()
        .map(|m| if plan.in_userns() && m.bind { open_path(&m.source, false).ok() } else { None })
        .collect();
    if plan.in_userns() {
        become_root_in_userns(plan)?;
    }
    // A session of its own: signals for rcon's process group (a terminal's
    // ^C) reach the container only through rcon's signal proxy, and with a
    // console the init can take it as its controlling terminal.
    nix::unistd::setsid().map_err(|e| step("start", &"a new session", e))?;
    nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    if !plan.terminal {
        setup_stdio(&opts.stdio)?;
    }
    if let Some(cg) = cgroup.filter(|_| !plan.in_userns()) {
        // (In a user namespace the parent added the init to its cgroup.)
        cg.join()?;
    }
    if plan.cgroup_ns {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWCGROUP)
            .map_err(|e| step("create", &"a cgroup namespace", e))?;
    }
    if let Some(adj) = plan.oom_score_adj.filter(|_| !plan.in_userns()) {
        std::fs::write("/proc/self/oom_score_adj", adj.to_string())
            .map_err(|e| Error::io(format!("set oom_score_adj to {adj}"), e))?;
    }
    if plan.new_net {
        sys::interface_up("lo").map_err(|e| step("bring up", &"the loopback interface", e))?;
    }

    let root = mounts::setup_rootfs(&plan.root, &root_fd, &plan.rootfs, premounted, plan.propagation, plan.volatile)?;
    for (i, m) in plan.mounts.iter().enumerate() {
        if m.fstype == "cgroup" || m.fstype == "cgroup2" {
            if let Some(cg) = cgroup {
                mounts::mount_cgroups(&root, m, cg)?;
            }
            continue;
        }
        mounts::mount_entry(&root, m, bind_sources.get(i).and_then(Option::as_ref))?;
    }
    if plan.make_devices {
        mounts::setup_devices(&root, &plan.devices)?;
    }
    if let Some(host) = &host_mnt_ns {
        drop(root);
        // Masks and the read-only root while the tree is still attached,
        // then a detached copy of it becomes the root in the host's
        // namespace; the throw-away namespace dies with its last user.
        mounts::mask_and_protect(&plan.root, &plan.masked, &plan.readonly)?;
        if plan.root_readonly {
            mounts::readonly_root(&plan.root)?;
        }
        mounts::chroot_into_detached_copy(&plan.root, host)?;
    } else {
        mounts::pivot_root(&root, &plan.root)?;
        drop(root);
    }
    for (k, v) in &plan.sysctls {
        let path = format!("/proc/sys/{}", k.replace('.', "/"));
        std::fs::write(&path, v).map_err(|e| Error::io(format!("set sysctl {k}={v} in container"), e))?;
    }
    if host_mnt_ns.is_none() {
        mounts::mask_and_protect(Path::new("/"), &plan.masked, &plan.readonly)?;
    }
    if let Some(h) = &plan.hostname {
        nix::unistd::sethostname(h).map_err(|e| step("set hostname", h, e))?;
    }
    if let Some(d) = &plan.domainname {
        sys::setdomainname(d.as_bytes()).map_err(|e| step("set domain name", d, e))?;
    }
    if plan.root_readonly && host_mnt_ns.is_none() {
        mounts::readonly_root(Path::new("/"))?;
    }
    if let Some(p) = plan.root_propagation {
        // Last: an unbindable root refuses the bind mounts above.
        nix::mount::mount(None::<&str>, "/", None::<&str>, p, None::<&str>)
            .map_err(|e| step("apply linux.rootfsPropagation to", &"/", e))?;
    }

    let user = match &plan.user {
        UserPlan::Ids(u) => {
            let mut u = u.clone();
            u.home = home_from_passwd(u.uid).unwrap_or(u.home);
            u
        }
        UserPlan::Resolve(s) => {
            let passwd = std::fs::read_to_string("/etc/passwd").ok();
            let group = std::fs::read_to_string("/etc/group").ok();
            user::resolve_docker(s, passwd.as_deref(), group.as_deref()).map_err(Error::User)?
        }
    };

    let mut user = user;
    if !plan.group_add.is_empty() {
        let group = std::fs::read_to_string("/etc/group").ok();
        for g in &plan.group_add {
            let gid = user::group_id(g, group.as_deref()).map_err(Error::User)?;
            if !user.groups.contains(&gid) {
                user.groups.push(gid);
            }
        }
    }
    if plan.terminal {
        tty::setup_console(chan, user.uid, plan.console_size)?;
    }

    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    if std::fs::metadata(&plan.cwd).is_err() {
        // Like docker: a missing working directory is created, owned by root.
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(&plan.cwd)
            .map_err(|e| Error::io(format!("create working directory {} in container", plan.cwd.display()), e))?;
    }
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(plan.umask as _));
    for (res, soft, hard, name) in &plan.rlimits {
        if let Err(e) = sys::setrlimit(*res, *soft, *hard) {
            let (_, cur_hard) = sys::getrlimit(*res).unwrap_or((0, 0));
            let hint = if e == Errno::EPERM && *hard > cur_hard {
                format!(" (the hard limit is {cur_hard}; raising it needs CAP_SYS_RESOURCE, which rcon does not have)")
            } else {
                String::new()
            };
            return Err(Error::sys(format!("set rlimit {name} to {soft}:{hard} in container{hint}"), e));
        }
    }
    if let Some(p) = &plan.apparmor {
        apply_apparmor(p)?;
    }
    if plan.waits_before_exec(opts) {
        // The parent's late steps (networking that was set up meanwhile).
        wait_for_parent(chan)?;
    }
    let confinement = Confinement {
        no_new_privileges: plan.no_new_privileges,
        seccomp: plan.seccomp.clone(),
        caps: plan.caps,
        last_cap: plan.last_cap,
    };
    confine_and_switch_user(&confinement, &user)?;
    nix::unistd::chdir(&plan.cwd).map_err(|e| step("change to working directory", &plan.cwd.display(), e))?;

    let mut env = plan.env.clone();
    if process::env_get(&env, "HOME").is_none() {
        env.push(format!("HOME={}", user.home));
    }
    if plan.pause {
        process::pause();
    }
    let cenv: Vec<CString> = env.iter().filter_map(|e| CString::new(e.as_str()).ok()).collect();
    let cmd = &plan.args[0];
    let path = process::look_path(cmd, process::env_get(&env, "PATH"))?;
    sys::cloexec_from(3).map_err(|e| step("close", &"inherited file descriptors", e))?;
    if let Some(sig) = opts.pdeathsig {
        // Last: a change of credentials clears it.
        nix::sys::prctl::set_pdeathsig(sig).map_err(|e| step("set", &"the parent-death signal", e))?;
    }
    if let Some(gate) = &opts.exec_socket {
        wait_for_start(gate.as_raw_fd(), chan)?;
    }
    if plan.tiny_init {
        return process::tiny_init(chan, || {
            process::unblock_signals()?;
            Err(process::exec(cmd, &path, &plan.cargs, &cenv))
        });
    }
    process::unblock_signals()?;
    Err(process::exec(cmd, &path, &plan.cargs, &cenv))
}

/// The init's wait for one byte of the parent on the start channel `chan`.
fn wait_for_parent(chan: RawFd) -> Result<(), Error> {
    let mut go = [0u8; 1];
    loop {
        match sys::read(chan, &mut go) {
            Err(Errno::EINTR) => continue,
            Ok(1) => return Ok(()),
            _ => return Err(Error::Reported("the runtime did not let the container start".into())),
        }
    }
}

/// In a new or joined user namespace, once the parent wrote the maps:
/// become its root (uid and gid 0 when they are mapped), so that files the
/// init creates (mount points, devices, the working directory) get owners
/// that exist inside, and drop the host's supplementary groups where the
/// namespace allows `setgroups`.
fn become_root_in_userns(plan: &Plan) -> Result<(), Error> {
    let (uids, gids) = match &plan.userns {
        UsernsPlan::New { uid_maps, gid_maps } => (uid_maps.clone(), gid_maps.clone()),
        _ => (
            userns::parse_map_text(&std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default()),
            userns::parse_map_text(&std::fs::read_to_string("/proc/self/gid_map").unwrap_or_default()),
        ),
    };
    if userns::to_host(&gids, 0).is_some() {
        let allowed = std::fs::read_to_string("/proc/self/setgroups").map(|s| s.trim() == "allow").unwrap_or(true);
        if allowed {
            nix::unistd::setgroups(&[]).map_err(|e| step("drop", &"the supplementary groups", e))?;
        }
        nix::unistd::setresgid(0.into(), 0.into(), 0.into())
            .map_err(|e| step("set", &"gid 0 in the user namespace", e))?;
    }
    if userns::to_host(&uids, 0).is_some() {
        nix::unistd::setresuid(0.into(), 0.into(), 0.into())
            .map_err(|e| step("set", &"uid 0 in the user namespace", e))?;
    }
    Ok(())
}

/// Byte the init sends on the start channel when it is created and waits
/// at the [`SpawnOptions::exec_socket`] gate.
pub(crate) const CREATED_MARK: u8 = b'R';

/// The init's side of the create/start gate: reports "created" on `chan`,
/// waits for a connection on the listening socket `gate`, and puts that
/// connection in place of `chan` (close-on-exec), so that what the init
/// reports from then on (an `execve` failure, or EOF for success) reaches
/// the process that started it.
fn wait_for_start(gate: RawFd, chan: RawFd) -> Result<(), Error> {
    // `chan` is the init's open end of the start channel.
    sys::write(chan, &[CREATED_MARK]).map_err(|e| step("report", &"the created state", e))?;
    let conn = sys::accept_cloexec(gate).map_err(|e| step("wait for", &"the start", e))?;
    sys::dup3_cloexec(conn.as_raw_fd(), chan).map_err(|e| step("take over", &"the start connection", e))?;
    // The gate is not needed any more.
    sys::close(gate);
    Ok(())
}

/// The `RLIMIT_*` number of an OCI rlimit type name (`RLIMIT_NOFILE`).
fn rlimit_resource(name: &str) -> Option<libc::__rlimit_resource_t> {
    Some(match name {
        "RLIMIT_CPU" => libc::RLIMIT_CPU,
        "RLIMIT_FSIZE" => libc::RLIMIT_FSIZE,
        "RLIMIT_DATA" => libc::RLIMIT_DATA,
        "RLIMIT_STACK" => libc::RLIMIT_STACK,
        "RLIMIT_CORE" => libc::RLIMIT_CORE,
        "RLIMIT_RSS" => libc::RLIMIT_RSS,
        "RLIMIT_NPROC" => libc::RLIMIT_NPROC,
        "RLIMIT_NOFILE" => libc::RLIMIT_NOFILE,
        "RLIMIT_MEMLOCK" => libc::RLIMIT_MEMLOCK,
        "RLIMIT_AS" => libc::RLIMIT_AS,
        "RLIMIT_LOCKS" => libc::RLIMIT_LOCKS,
        "RLIMIT_SIGPENDING" => libc::RLIMIT_SIGPENDING,
        "RLIMIT_MSGQUEUE" => libc::RLIMIT_MSGQUEUE,
        "RLIMIT_NICE" => libc::RLIMIT_NICE,
        "RLIMIT_RTPRIO" => libc::RLIMIT_RTPRIO,
        "RLIMIT_RTTIME" => libc::RLIMIT_RTTIME,
        _ => return None,
    })
}

/// Points the init's stdin, stdout and stderr where `stdio` says.
fn setup_stdio(stdio: &Stdio) -> Result<(), Error> {
    for (target, s) in [(0, &stdio.stdin), (1, &stdio.stdout), (2, &stdio.stderr)] {
        let null;
        let src = match s {
            StdioFd::Inherit => continue,
            StdioFd::Null => {
                null = nix::fcntl::open("/dev/null", nix::fcntl::OFlag::O_RDWR, nix::sys::stat::Mode::empty())
                    .map_err(|e| step("open", &"/dev/null", e))?;
                null.as_raw_fd()
            }
            StdioFd::Fd(fd) => fd.as_raw_fd(),
        };
        // dup2 onto a standard descriptor clears its close-on-exec flag.
        if src != target {
            sys::dup2(src, target).map_err(|e| step("redirect stdio", &format!("fd {target}"), e))?;
        } else {
            // Keep it open across execve.
            let _ = sys::clear_cloexec(target);
        }
    }
    Ok(())
}

/// The home directory of `uid` in the container's /etc/passwd, if listed.
fn home_from_passwd(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    user::resolve(&uid.to_string(), Some(&passwd), None).ok().map(|u| u.home)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::SysError;

    #[test]
    fn counts_threads() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv());
        assert!(thread_count() >= 2);
        drop(tx);
        t.join().unwrap().unwrap_err();
    }

    #[test]
    fn errors_survive_the_pipe() {
        for e in [
            Error::NotFound("nosuch".into()),
            Error::Missing { path: "/x".into(), reason: "stat /x: no such file or directory".into() },
            Error::CannotInvoke { path: "/etc".into(), reason: "is a directory".into() },
            Error::Mount { op: "mount".into(), target: "/proc".into(), source: SysError(Errno::EPERM) },
            Error::io("open /dev/null", std::io::Error::from_raw_os_error(libc::ENOENT)),
        ] {
            let d = decode(&encode(&e));
            assert_eq!(d.to_string(), e.chain());
            assert_eq!(d.exit_code(), e.exit_code());
        }
        let e = Error::Mount { op: "mount".into(), target: "/proc".into(), source: SysError(Errno::EPERM) };
        assert_eq!(e.to_string(), "cannot mount /proc in container", "the message does not repeat its source");
        assert_eq!(decode(&encode(&e)).to_string(), "cannot mount /proc in container: Operation not permitted");
    }

    #[test]
    fn plan_requires_args_and_handles_a_missing_mount_namespace() {
        let mut spec = Spec::default();
        spec.set_root(Some(oci_spec::runtime::RootBuilder::default().path("/tmp/x").build().unwrap()));
        let opts = SpawnOptions::default();
        let mut p = spec.process().clone().unwrap();
        p.set_args(Some(vec![]));
        spec.set_process(Some(p.clone()));
        let e = Plan::new(&spec, &opts).unwrap_err();
        assert!(e.to_string().contains("process.args"), "{e}");
        p.set_args(Some(vec!["sh".into()]));
        p.set_cwd("/".into());
        spec.set_process(Some(p));
        let plan = Plan::new(&spec, &opts);
        // oci-spec's default namespaces include cgroup, pid, net, ipc, uts, mount.
        assert!(plan.is_ok(), "{plan:?}");
        let mut linux = spec.linux().clone().unwrap();
        linux.set_namespaces(Some(vec![]));
        spec.set_linux(Some(linux.clone()));
        // No mount namespace: the host's, with a detached copy as root.
        assert!(Plan::new(&spec, &opts).unwrap().host_mnt);
        linux.set_rootfs_propagation(Some("shared".into()));
        spec.set_linux(Some(linux));
        assert!(Plan::new(&spec, &opts).unwrap_err().to_string().contains("linux.rootfsPropagation"));
    }
}
