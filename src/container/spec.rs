//! Turns an image config (image-spec config.md) and `rcon run` flags into an
//! OCI runtime spec (runtime-spec config.md, config-linux.md), with docker's
//! semantics and defaults: Entrypoint + Cmd, Env (image, `--env-file`, `-e`),
//! WorkingDir, hostname, the standard mounts, namespaces, masked and
//! read-only paths. The user (`-u`, else the image's `User`) is not resolved
//! here: it goes to the runtime as `SpawnOptions.user` ([`user`] gives it),
//! because only the container's own /etc/passwd can resolve it.
//!
//! Pure: reads only the `--env-file` files and rcon's environment (for bare
//! `KEY` entries); the runtime does everything else.

use super::{Error, Result};
use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::{
    LinuxBuilder, LinuxNamespaceBuilder, LinuxNamespaceType, Mount, MountBuilder, ProcessBuilder, RootBuilder, Spec,
    SpecBuilder, UserBuilder,
};
use std::path::{Path, PathBuf};
#[allow(unused_imports)]
use std::str::FromStr as _;

/// Everything the spec is made from.
pub struct SpecInput<'a> {
    /// The image's config blob.
    pub image: &'a ImageConfiguration,
    /// The flags.
    pub opts: &'a super::RunOptions,
    /// The container ID (64 hex).
    pub id: &'a str,
    /// Where the rootfs will be mounted (the spec's `root.path`).
    pub rootfs: PathBuf,
    /// Host files to bind-mount at /etc/hostname, /etc/hosts, /etc/resolv.conf.
    pub etc_hostname: PathBuf,
    /// See `etc_hostname`.
    pub etc_hosts: PathBuf,
    /// See `etc_hostname`.
    pub etc_resolv_conf: PathBuf,
    /// An empty host file to bind-mount at /.dockerenv (containers have
    /// it, as docker's; the builder's RUN steps do not, as BuildKit's).
    pub dockerenv: Option<PathBuf>,
}

/// docker's `PATH` for containers whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Paths docker hides from containers (moby `oci.DefaultSpec`).
pub const MASKED_PATHS: [&str; 12] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// Paths docker makes read-only in containers (moby `oci.DefaultSpec`).
pub const READONLY_PATHS: [&str; 5] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/// Builds the spec. Errors: bad flag values, naming the flag (an
/// `--env-file` that cannot be read or has a bad line, a relative `-w`, an
/// empty `-e` key), or no command at all (no Entrypoint, Cmd nor COMMAND).
pub fn build(input: &SpecInput) -> Result<Spec> {
    let opts = input.opts;
    let config = input.image.config().as_ref();
    let hostname = opts.hostname.clone().unwrap_or_else(|| input.id.chars().take(12).collect());

    let args = command(
        config.and_then(|c| c.entrypoint().as_deref()).unwrap_or(&[]),
        config.and_then(|c| c.cmd().as_deref()).unwrap_or(&[]),
        opts.entrypoint.as_deref(),
        &opts.command,
    );
    if args.is_empty() {
        return Err(Error::Invalid("no command specified: the image has no Entrypoint or Cmd; give a COMMAND".into()));
    }

    let mut env_files = Vec::new();
    for f in &opts.env_files {
        let text = std::fs::read_to_string(f).map_err(|source| Error::FlagFile {
            flag: "--env-file",
            step: format!("read {}", f.display()),
            source,
        })?;
        env_files.push((f.clone(), text));
    }
    let lookup = |k: &str| std::env::var(k).ok();
    let user_env = user_env(&env_files, &opts.env, &lookup)?;
    let image_env = config.and_then(|c| c.env().clone()).unwrap_or_default();
    let env = container_env(&image_env, &user_env, &hostname);

    let cwd = match &opts.workdir {
        Some(w) if !w.starts_with('/') => {
            return Err(Error::flag(
                "-w",
                format!("the working directory {w:?} is invalid, it needs to be an absolute path"),
            ));
        }
        Some(w) => w.clone(),
        None => match config.and_then(|c| c.working_dir().clone()).filter(|w| !w.is_empty()) {
            Some(w) if w.starts_with('/') => w,
            Some(w) => format!("/{w}"),
            None => "/".to_string(),
        },
    };

    let process = ProcessBuilder::default()
        .terminal(false)
        .user(UserBuilder::default().uid(0u32).gid(0u32).build()?)
        .args(args)
        .env(env)
        .cwd(cwd)
        .build()?;
    let namespaces = [
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Network,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Mount,
    ]
    .into_iter()
    .map(|t| LinuxNamespaceBuilder::default().typ(t).build())
    .collect::<std::result::Result<Vec<_>, _>>()?;
    let linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .masked_paths(MASKED_PATHS.map(String::from).to_vec())
        .readonly_paths(READONLY_PATHS.map(String::from).to_vec())
        .build()?;
    let spec = SpecBuilder::default()
        .version("1.0.2")
        .root(RootBuilder::default().path(input.rootfs.clone()).readonly(false).build()?)
        .hostname(hostname)
        .process(process)
        .mounts(default_mounts(input)?)
        .linux(linux)
        .annotations(annotations(opts))
        .build()?;
    let mut spec = spec;
    apply_runtime_flags(&mut spec, &opts.runtime, input.id)?;
    Ok(spec)
}

/// `rcon run`'s flags for the runtime: security, resources, process,
/// namespaces, devices (issue 3). `Default` is docker's defaults.
#[derive(Debug, Clone, Default)]
pub struct RuntimeFlags {
    /// `--cap-add` (names with or without `CAP_`, or `ALL`).
    pub cap_add: Vec<String>,
    /// `--cap-drop`.
    pub cap_drop: Vec<String>,
    /// `--privileged`.
    pub privileged: bool,
    /// `--security-opt` (`seccomp=unconfined|PROFILE.json`, `no-new-privileges[=true]`).
    pub security_opt: Vec<String>,
    /// `--read-only`.
    pub read_only: bool,
    /// `--tmpfs PATH[:OPTIONS]`.
    pub tmpfs: Vec<String>,
    /// The cgroup limits (`--memory`, `--cpus`, …).
    pub resources: Resources,
    /// `--ulimit NAME=SOFT[:HARD]`.
    pub ulimits: Vec<String>,
    /// `--group-add` (names or numbers).
    pub group_add: Vec<String>,
    /// `-i`: keep stdin open.
    pub interactive: bool,
    /// `-t`: allocate a pseudo-terminal.
    pub tty: bool,
    /// `--sig-proxy=false` turns the signal proxy off (`None`: on).
    pub sig_proxy: Option<bool>,
    /// `--init`.
    pub init: bool,
    /// `--domainname`.
    pub domainname: Option<String>,
    /// `--sysctl KEY=VALUE`.
    pub sysctls: Vec<String>,
    /// `--pid host`.
    pub pid: Option<String>,
    /// `--ipc host`.
    pub ipc: Option<String>,
    /// `--uts host`.
    pub uts: Option<String>,
    /// `--shm-size` (default 64m).
    pub shm_size: Option<String>,
    /// `--device HOST[:CONTAINER[:PERMS]]`.
    pub devices: Vec<String>,
    /// `--userns`, `--uidmap`, `--gidmap`, `--subuidname`, `--subgidname`
    /// (issue 14; see [`super::userns`]).
    pub userns: super::userns::UsernsFlags,
}

/// docker's resource flags as given (`run`, `create`, `update`, and the
/// API's `HostConfig`), before validation: [`resource_limits`] checks and
/// converts them. `Default`: no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// `--memory` (bytes with optional b/k/m/g suffix).
    pub memory: Option<String>,
    /// `--memory-swap` (memory + swap; `-1` unlimited).
    pub memory_swap: Option<String>,
    /// `--memory-reservation`.
    pub memory_reservation: Option<String>,
    /// `--cpus` (e.g. `1.5`).
    pub cpus: Option<String>,
    /// `--cpu-shares`.
    pub cpu_shares: Option<u64>,
    /// `--cpuset-cpus`.
    pub cpuset_cpus: Option<String>,
    /// `--pids-limit` (`-1` or `0`: unlimited).
    pub pids_limit: Option<i64>,
}

impl Resources {
    /// True when no limit is set.
    pub fn is_empty(&self) -> bool {
        *self == Resources::default()
    }
}

/// The cgroup limits of `--memory`, `--memory-swap`, `--memory-reservation`,
/// `--cpus`, `--cpu-shares`, `--cpuset-cpus` and `--pids-limit` (docker's
/// checks: memory at least 6 MB, swap at least memory, CPUs within the
/// host's); only what the flags set. Errors name the flag.
pub fn resource_limits(f: &Resources) -> Result<oci_spec::runtime::LinuxResources> {
    use oci_spec::runtime::{LinuxCpuBuilder, LinuxMemoryBuilder, LinuxPidsBuilder, LinuxResourcesBuilder};
    let mut res = LinuxResourcesBuilder::default().build()?;
    let mut mem = LinuxMemoryBuilder::default().build()?;
    let mut has_mem = false;
    if let Some(m) = &f.memory {
        let b = parse_size("--memory", m)?;
        if b < 6 << 20 {
            return Err(Error::flag("--memory", "minimum memory limit allowed is 6MB"));
        }
        mem.set_limit(Some(b));
        has_mem = true;
    }
    if let Some(s) = &f.memory_swap {
        let b = if s.trim() == "-1" { -1 } else { parse_size("--memory-swap", s)? };
        match mem.limit() {
            None => return Err(Error::flag("--memory-swap", "needs --memory as well")),
            Some(l) if b >= 0 && b < l => {
                return Err(Error::flag("--memory-swap", format!("must be at least --memory ({l} bytes)")));
            }
            _ => {}
        }
        mem.set_swap(Some(b));
        has_mem = true;
    }
    if let Some(r) = &f.memory_reservation {
        mem.set_reservation(Some(parse_size("--memory-reservation", r)?));
        has_mem = true;
    }
    if has_mem {
        res.set_memory(Some(mem));
    }
    let mut cpu = LinuxCpuBuilder::default().build()?;
    let mut has_cpu = false;
    if let Some(c) = &f.cpus {
        let n: f64 = c.parse().map_err(|_| Error::flag("--cpus", format!("invalid value {c:?}")))?;
        let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        if n <= 0.0 || n > ncpu {
            return Err(Error::flag(
                "--cpus",
                format!("range of CPUs is from 0.01 to {ncpu}.00, as there are only {ncpu} CPUs available"),
            ));
        }
        cpu.set_period(Some(100_000));
        cpu.set_quota(Some((n * 100_000.0) as i64));
        has_cpu = true;
    }
    if let Some(s) = f.cpu_shares {
        cpu.set_shares(Some(s));
        has_cpu = true;
    }
    if let Some(c) = &f.cpuset_cpus {
        cpu.set_cpus(Some(c.clone()));
        has_cpu = true;
    }
    if has_cpu {
        res.set_cpu(Some(cpu));
    }
    if let Some(p) = f.pids_limit {
        res.set_pids(Some(LinuxPidsBuilder::default().limit(if p <= 0 { -1 } else { p }).build()?));
    }
    Ok(res)
}

/// docker's daemon default for `--memory` without `--memory-swap` where the
/// kernel accounts swap (cgroup v1's `memory.memsw.*`, cgroup v2): memory
/// plus swap may reach twice the memory limit. `update --memory` is then
/// checked against that total, as docker checks it.
pub fn default_swap(res: &mut oci_spec::runtime::LinuxResources) {
    let swap_accounted = std::path::Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists()
        || std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
            && std::fs::read_to_string("/sys/fs/cgroup/cgroup.controllers").is_ok_and(|c| c.contains("memory"));
    if let Some(mut m) = *res.memory()
        && let (Some(limit), None) = (m.limit(), m.swap())
        && limit > 0
        && swap_accounted
    {
        m.set_swap(Some(limit * 2));
        res.set_memory(Some(m));
    }
}

/// Spec annotation: stdin stays open (`-i`).
pub const ANNOTATION_STDIN: &str = "io.github.rcon.stdin";
/// Spec annotation: `"false"` when `--sig-proxy=false`.
pub const ANNOTATION_SIG_PROXY: &str = "io.github.rcon.sig-proxy";
/// Spec annotation: the stop signal (`--stop-signal`, else the image's).
pub const ANNOTATION_STOP_SIGNAL: &str = "io.github.rcon.stop-signal";

/// Parses docker's sizes: `512`, `64k`, `512m`, `1g`, `1.5g` (case-insensitive,
/// optional `b`). Errors name the flag.
pub fn parse_size(flag: &str, s: &str) -> Result<i64> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, mult) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1i64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('t') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let bad = |reason: String| Error::flag(flag, reason);
    let n: f64 = num.parse().map_err(|_| bad(format!("invalid size: {s:?}")))?;
    if !n.is_finite() || n < 0.0 || num.contains(['e', 'E', 'i', 'I', 'n', 'N']) {
        return Err(bad(format!("invalid size: {s:?}")));
    }
    let bytes = n * mult as f64;
    // 2^63 bytes: the largest a cgroup limit can hold.
    if bytes >= i64::MAX as f64 {
        return Err(bad(format!("invalid size: {s:?} is larger than 8 EiB")));
    }
    Ok(bytes as i64)
}

/// docker's default device cgroup rules: deny all, then the runtime's
/// defaults ([`crate::runtime::cgroups::default_allowed_devices`]: mknod of
/// any device, null, zero, full, random, urandom, tty, console, ptmx, the
/// pts devices and tun).
fn default_device_rules() -> Result<Vec<oci_spec::runtime::LinuxDeviceCgroup>> {
    let deny = oci_spec::runtime::LinuxDeviceCgroupBuilder::default().allow(false).access("rwm").build()?;
    Ok(crate::runtime::cgroups::with_default_devices(vec![deny]))
}

/// A host device node as the spec's `linux.devices` entry at `dest` and a
/// device cgroup rule with `perms`. Errors: not a device, or unreadable.
fn host_device(
    host: &str,
    dest: &str,
    perms: &str,
) -> Result<(oci_spec::runtime::LinuxDevice, oci_spec::runtime::LinuxDeviceCgroup)> {
    use oci_spec::runtime::{LinuxDeviceBuilder, LinuxDeviceCgroupBuilder, LinuxDeviceType as T};
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let md = std::fs::metadata(host).map_err(|source| Error::FlagFile {
        flag: "--device",
        step: format!("use {host}"),
        source,
    })?;
    let t = if md.file_type().is_char_device() {
        T::C
    } else if md.file_type().is_block_device() {
        T::B
    } else {
        return Err(Error::flag("--device", format!("{host} is not a device node")));
    };
    let (major, minor) = (nix::sys::stat::major(md.rdev()) as i64, nix::sys::stat::minor(md.rdev()) as i64);
    if perms.is_empty() || !perms.chars().all(|c| "rwm".contains(c)) {
        return Err(Error::flag(
            "--device",
            format!("invalid permissions {perms:?} for {host} (use a combination of r, w and m)"),
        ));
    }
    let dev = LinuxDeviceBuilder::default()
        .path(dest)
        .typ(t)
        .major(major)
        .minor(minor)
        .file_mode(md.mode() & 0o7777)
        .uid(md.uid())
        .gid(md.gid())
        .build()?;
    let rule =
        LinuxDeviceCgroupBuilder::default().allow(true).typ(t).major(major).minor(minor).access(perms).build()?;
    Ok((dev, rule))
}

/// Every device node under the host's /dev (one level of subdirectories),
/// for `--privileged`.
fn all_host_devices() -> Vec<oci_spec::runtime::LinuxDevice> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from("/dev")];
    let mut depth = 0;
    while let Some(dir) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                let name = e.file_name();
                if depth == 0 && !["pts", "shm", "mqueue", "hugepages"].iter().any(|n| name == *n) {
                    dirs.push(p);
                }
            } else if let Ok((d, _)) = host_device(&p.display().to_string(), &p.display().to_string(), "rwm") {
                out.push(d);
            }
        }
        depth += 1;
    }
    out
}

/// docker's namespaced sysctls (moby `opts.ValidateSysctl`).
fn sysctl_allowed(key: &str, own_net: bool, own_uts: bool) -> bool {
    const IPC: [&str; 8] = [
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ];
    IPC.contains(&key)
        || key.starts_with("fs.mqueue.")
        || (own_net && key.starts_with("net."))
        || (own_uts && (key == "kernel.domainname" || key == "kernel.hostname"))
}

/// The capabilities the container gets (docker's `TweakCapabilities`):
/// the default 14 (or all the host has with `ALL` in `cap_add` or
/// `--privileged`), minus `cap_drop` (`ALL` drops all but `cap_add`),
/// plus `cap_add`. Errors: an unknown name.
pub fn capabilities(f: &RuntimeFlags) -> Result<Vec<String>> {
    use crate::runtime::caps;
    let norm = |n: &String| -> Result<String> {
        if n.eq_ignore_ascii_case("all") {
            return Ok("ALL".into());
        }
        let nr = caps::number(n).ok_or_else(|| Error::Invalid(format!("unknown capability: {n:?}")))?;
        Ok(caps::NAMES[nr as usize].to_string())
    };
    let add = f.cap_add.iter().map(norm).collect::<Result<Vec<_>>>()?;
    let drop = f.cap_drop.iter().map(norm).collect::<Result<Vec<_>>>()?;
    if f.privileged || add.iter().any(|c| c == "ALL") {
        return Ok(caps::host_bounding());
    }
    let mut set: Vec<String> =
        if drop.iter().any(|c| c == "ALL") { Vec::new() } else { caps::DOCKER_DEFAULT.map(String::from).to_vec() };
    set.retain(|c| !drop.contains(c));
    for c in add {
        if !set.contains(&c) {
            set.push(c);
        }
    }
    Ok(set)
}

/// Applies [`RuntimeFlags`] to a spec built from the image and the other
/// flags: capabilities, seccomp, no-new-privileges, masks, read-only root,
/// tmpfs mounts, cgroup (path `rcon/<id>`, resources, device rules, the
/// read-only cgroup mount in a cgroup namespace), rlimits, groups, tty,
/// init, namespaces shared with the host, sysctls, /dev/shm size, devices.
/// Errors name the flag and the bad value.
pub fn apply_runtime_flags(spec: &mut Spec, f: &RuntimeFlags, id: &str) -> Result<()> {
    let security = security_flags(f)?;
    let mut notes: Vec<(String, String)> = Vec::new();
    if f.init {
        notes.push((crate::runtime::ANNOTATION_INIT.into(), "true".into()));
    }
    if f.interactive {
        notes.push((ANNOTATION_STDIN.into(), "true".into()));
    }
    if f.sig_proxy == Some(false) {
        notes.push((ANNOTATION_SIG_PROXY.into(), "false".into()));
    }
    if !f.group_add.is_empty() {
        notes.push((crate::runtime::ANNOTATION_GROUP_ADD.into(), f.group_add.join(",")));
    }
    apply_process_flags(spec, f, &security)?;
    apply_mount_flags(spec, f)?;

    // Linux: namespaces, masks, seccomp, sysctls, cgroup, devices.
    let mut linux = spec.linux().clone().unwrap_or_default();
    apply_namespace_flags(spec, &mut linux, f)?;
    if let Some(sc) = security.seccomp {
        linux.set_seccomp(Some(sc));
    }
    if f.privileged {
        linux.set_masked_paths(Some(vec![]));
        linux.set_readonly_paths(Some(vec![]));
    }
    apply_resource_and_device_flags(&mut linux, f)?;
    linux.set_cgroups_path(Some(PathBuf::from(format!("rcon/{id}"))));
    spec.set_linux(Some(linux));
    spec.annotations_mut().get_or_insert_with(Default::default).extend(notes);
    Ok(())
}

/// What the security flags decide: the capability names, no-new-privileges
/// and the seccomp filter (none: unconfined).
struct Security {
    /// `CAP_*` names of the bounding, effective and permitted sets.
    caps: Vec<String>,
    /// `--security-opt no-new-privileges`.
    no_new_privileges: bool,
    /// docker's default profile, `--security-opt seccomp=FILE`'s, or none
    /// (`seccomp=unconfined`, `--privileged`).
    seccomp: Option<oci_spec::runtime::LinuxSeccomp>,
}

/// `--cap-add`/`--cap-drop`, `--privileged` and `--security-opt`
/// (no-new-privileges, seccomp; apparmor and label are warned about and
/// ignored). Errors: an invalid option or value, an unreadable or invalid
/// seccomp profile.
fn security_flags(f: &RuntimeFlags) -> Result<Security> {
    let caps = capabilities(f)?;
    let mut nnp = false;
    let mut seccomp_profile: Option<String> = Some(crate::runtime::seccomp::DOCKER_DEFAULT_PROFILE.to_string());
    for o in &f.security_opt {
        let (k, v) = o.split_once(['=', ':']).unwrap_or((o.as_str(), ""));
        match k {
            "no-new-privileges" => {
                nnp = match v {
                    "" | "true" => true,
                    "false" => false,
                    _ => return Err(Error::flag("--security-opt", format!("invalid no-new-privileges value {v:?}"))),
                }
            }
            "seccomp" if v == "unconfined" => seccomp_profile = None,
            "seccomp" if !v.is_empty() => {
                seccomp_profile = Some(std::fs::read_to_string(v).map_err(|source| Error::FlagFile {
                    flag: "--security-opt seccomp",
                    step: format!("read profile {v}"),
                    source,
                })?)
            }
            "apparmor" | "label" => crate::warn!("--security-opt {k}: not supported by rcon, ignored"),
            _ => return Err(Error::flag("--security-opt", format!("invalid option {o:?}"))),
        }
    }
    if f.privileged {
        seccomp_profile = None;
    }
    let seccomp = match seccomp_profile {
        None => None,
        Some(profile) => {
            let arch = match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                a => a,
            };
            Some(
                crate::runtime::seccomp::from_docker_profile(
                    &profile,
                    &caps,
                    arch,
                    crate::runtime::seccomp::running_kernel(),
                )
                .map_err(|e| Error::flag("--security-opt seccomp", e.to_string()))?,
            )
        }
    };
    Ok(Security { caps, no_new_privileges: nnp, seccomp })
}

/// The process: capabilities, no-new-privileges, `-t` (and `TERM`),
/// `--ulimit`. Errors: an invalid `--ulimit`.
fn apply_process_flags(spec: &mut Spec, f: &RuntimeFlags, security: &Security) -> Result<()> {
    use oci_spec::runtime::{LinuxCapabilitiesBuilder, PosixRlimitBuilder};
    let cap_set: Vec<oci_spec::runtime::Capability> = security
        .caps
        .iter()
        .filter_map(|c| serde_json::from_value(serde_json::Value::String(c.clone())).ok())
        .collect();
    let mut process = spec.process().clone().unwrap_or_default();
    process.set_capabilities(Some(
        LinuxCapabilitiesBuilder::default()
            .bounding(cap_set.iter().copied().collect::<oci_spec::runtime::Capabilities>())
            .effective(cap_set.iter().copied().collect::<oci_spec::runtime::Capabilities>())
            .permitted(cap_set.iter().copied().collect::<oci_spec::runtime::Capabilities>())
            .inheritable(oci_spec::runtime::Capabilities::new())
            .ambient(oci_spec::runtime::Capabilities::new())
            .build()?,
    ));
    process.set_no_new_privileges(Some(security.no_new_privileges));
    process.set_terminal(Some(f.tty));
    if f.tty {
        let mut env = process.env().clone().unwrap_or_default();
        if !env.iter().any(|e| e.starts_with("TERM=")) {
            env.push("TERM=xterm".into());
        }
        process.set_env(Some(env));
    }
    let mut rlimits = Vec::new();
    for u in &f.ulimits {
        let (name, vals) =
            u.split_once('=').ok_or_else(|| Error::flag("--ulimit", format!("invalid {u:?} (NAME=SOFT[:HARD])")))?;
        let (soft, hard) = vals.split_once(':').unwrap_or((vals, vals));
        let num = |v: &str| -> Result<u64> {
            if v == "-1" || v == "unlimited" {
                return Ok(u64::MAX);
            }
            v.parse().map_err(|_| Error::flag(format!("--ulimit {u}"), format!("invalid value {v:?}")))
        };
        let (soft, hard) = (num(soft)?, num(hard)?);
        if soft > hard {
            return Err(Error::flag(
                format!("--ulimit {u}"),
                format!("soft limit {soft} is above the hard limit {hard}"),
            ));
        }
        let typ: oci_spec::runtime::PosixRlimitType = format!("RLIMIT_{}", name.to_ascii_uppercase())
            .parse()
            .map_err(|_| Error::flag("--ulimit", format!("unknown limit {name:?}")))?;
        rlimits.push(PosixRlimitBuilder::default().typ(typ).soft(soft).hard(hard).build()?);
    }
    // No --ulimit: none in the spec, so the container inherits rcon's
    // limits (oci-spec's default process has nofile=1024).
    process.set_rlimits((!rlimits.is_empty()).then_some(rlimits));
    spec.set_process(Some(process));
    Ok(())
}

/// Mounts and the root: `--shm-size`, the cgroup mount, `--tmpfs`, `/sys`
/// read-write when `--privileged`, `--read-only`, `--domainname`.
/// Errors: an invalid size or tmpfs path.
fn apply_mount_flags(spec: &mut Spec, f: &RuntimeFlags) -> Result<()> {
    // Mounts: /dev/shm size, cgroup, tmpfs, sysfs rw when privileged.
    let shm = match &f.shm_size {
        Some(s) => {
            let b = parse_size("--shm-size", s)?;
            if b <= 0 {
                return Err(Error::flag("--shm-size", "must be greater than 0"));
            }
            b
        }
        None => 64 << 20,
    };
    let mut mounts = spec.mounts().clone().unwrap_or_default();
    for m in mounts.iter_mut() {
        if m.destination() == Path::new("/dev/shm") {
            m.set_options(Some(
                ["nosuid", "noexec", "nodev", "mode=1777"]
                    .iter()
                    .map(|s| s.to_string())
                    .chain([format!("size={}k", shm / 1024)])
                    .collect(),
            ));
        }
        if f.privileged && m.destination() == Path::new("/sys") {
            m.set_options(Some(vec!["nosuid".into(), "noexec".into(), "nodev".into(), "rw".into()]));
        }
    }
    let ro = if f.privileged { "rw" } else { "ro" };
    let cg_pos = mounts.iter().position(|m| m.destination() == Path::new("/sys")).map_or(mounts.len(), |i| i + 1);
    mounts.insert(
        cg_pos,
        mount("/sys/fs/cgroup", "cgroup", Path::new("cgroup"), &["nosuid", "noexec", "nodev", "relatime", ro])?,
    );
    for t in &f.tmpfs {
        let (dest, opts) = t.split_once(':').unwrap_or((t.as_str(), ""));
        if !dest.starts_with('/') {
            return Err(Error::flag("--tmpfs", format!("invalid mount path {dest:?}: it must be absolute")));
        }
        let mut o = vec!["noexec", "nosuid", "nodev"];
        o.extend(opts.split(',').filter(|s| !s.is_empty()));
        mounts.push(mount(dest, "tmpfs", Path::new("tmpfs"), &o)?);
    }
    spec.set_mounts(Some(mounts));
    if let Some(root) = spec.root_mut() {
        root.set_readonly(Some(f.read_only));
    }
    spec.set_domainname(f.domainname.clone());
    Ok(())
}

/// Namespaces and sysctls: `--pid`/`--ipc`/`--uts host`, the cgroup
/// namespace, `--sysctl` (only namespaced keys whose namespace is the
/// container's own). Errors: an invalid mode or sysctl.
fn apply_namespace_flags(spec: &mut Spec, linux: &mut oci_spec::runtime::Linux, f: &RuntimeFlags) -> Result<()> {
    let mut namespaces = linux.namespaces().clone().unwrap_or_default();
    for (flag, v, t) in [
        ("--pid", &f.pid, LinuxNamespaceType::Pid),
        ("--ipc", &f.ipc, LinuxNamespaceType::Ipc),
        ("--uts", &f.uts, LinuxNamespaceType::Uts),
    ] {
        match v.as_deref() {
            None | Some("") | Some("private") => {}
            Some("host") => namespaces.retain(|n| n.typ() != t),
            Some(o) => return Err(Error::flag(flag, format!("invalid mode {o:?} (host or private)"))),
        }
    }
    namespaces.push(LinuxNamespaceBuilder::default().typ(LinuxNamespaceType::Cgroup).build()?);
    let own_net = namespaces.iter().any(|n| n.typ() == LinuxNamespaceType::Network);
    let own_uts = namespaces.iter().any(|n| n.typ() == LinuxNamespaceType::Uts);
    if f.uts.as_deref() == Some("host") {
        spec.set_hostname(None);
        if f.domainname.is_some() {
            return Err(Error::flag("--domainname", "cannot be set with --uts host"));
        }
    }
    linux.set_namespaces(Some(namespaces));
    let mut sysctls = std::collections::HashMap::new();
    for kv in &f.sysctls {
        let (k, v) =
            kv.split_once('=').ok_or_else(|| Error::flag("--sysctl", format!("invalid {kv:?} (KEY=VALUE)")))?;
        if !sysctl_allowed(k, own_net, own_uts) {
            return Err(Error::flag(
                "--sysctl",
                format!("{k} is not allowed: it is not namespaced, or its namespace is shared with the host"),
            ));
        }
        sysctls.insert(k.to_string(), v.to_string());
    }
    if !sysctls.is_empty() {
        linux.set_sysctl(Some(sysctls));
    }
    Ok(())
}

/// Resources and devices: the `--memory`/`--cpus`/... limits, docker's
/// default device rules (all devices when `--privileged`), `--device`.
/// Errors: an invalid limit or device.
fn apply_resource_and_device_flags(linux: &mut oci_spec::runtime::Linux, f: &RuntimeFlags) -> Result<()> {
    let mut res = resource_limits(&f.resources)?;
    default_swap(&mut res);
    let mut rules = if f.privileged {
        vec![oci_spec::runtime::LinuxDeviceCgroupBuilder::default().allow(true).access("rwm").build()?]
    } else {
        default_device_rules()?
    };
    let mut devices = if f.privileged { all_host_devices() } else { Vec::new() };
    for d in &f.devices {
        let mut parts = d.splitn(3, ':');
        let host = parts.next().unwrap_or_default();
        let (dest, perms) = match (parts.next(), parts.next()) {
            (Some(p), None) if !p.starts_with('/') => (host, p),
            (Some(dest), perms) => (dest, perms.unwrap_or("rwm")),
            (None, _) => (host, "rwm"),
        };
        let (dev, rule) = host_device(host, dest, perms)?;
        devices.retain(|x| x.path() != dev.path());
        devices.push(dev);
        rules.push(rule);
    }
    res.set_devices(Some(rules));
    linux.set_resources(Some(res));
    if !devices.is_empty() {
        linux.set_devices(Some(devices));
    }
    Ok(())
}

/// With `-i` (annotation [`ANNOTATION_STDIN`]) a foreground container reads
/// rcon's stdin; sets the seccomp cache too.
pub fn foreground_stdio(spec: &Spec, opts: &mut crate::runtime::SpawnOptions) {
    if stdin_open(spec) {
        opts.stdio.stdin = crate::runtime::StdioFd::Inherit;
    }
}

/// `-i` was given.
pub fn stdin_open(spec: &Spec) -> bool {
    spec.annotations().as_ref().and_then(|a| a.get(ANNOTATION_STDIN)).is_some_and(|v| v == "true")
}

/// The signal proxy is on (no `--sig-proxy=false`).
pub fn sig_proxy(spec: &Spec) -> bool {
    spec.annotations().as_ref().and_then(|a| a.get(ANNOTATION_SIG_PROXY)).is_none_or(|v| v != "false")
}

/// The spec's annotations: with `--rm`, the overlay is volatile (its upper
/// dir is removed when the container ends).
fn annotations(opts: &super::RunOptions) -> std::collections::HashMap<String, String> {
    let mut a = std::collections::HashMap::new();
    if opts.auto_remove {
        a.insert(crate::runtime::ANNOTATION_VOLATILE.to_string(), "true".to_string());
    }
    a
}

/// The user the container runs as, unresolved (`-u`, else the image's
/// `User`; `None` for root): what `runtime::SpawnOptions.user` takes.
pub fn user(image: &ImageConfiguration, opts: &super::RunOptions) -> Option<String> {
    opts.user.clone().or_else(|| image.config().as_ref()?.user().clone()).filter(|u| !u.is_empty())
}

/// docker's Entrypoint + Cmd rule. `--entrypoint E` replaces the image's
/// entrypoint and drops the image's Cmd (`E` is one word, not split);
/// `--entrypoint ""` clears it; COMMAND (non-empty) replaces the Cmd.
pub fn command(
    image_entrypoint: &[String],
    image_cmd: &[String],
    entrypoint: Option<&str>,
    command: &[String],
) -> Vec<String> {
    let (mut args, default_cmd): (Vec<String>, &[String]) = match entrypoint {
        Some("") => (Vec::new(), &[]),
        Some(e) => (vec![e.to_string()], &[]),
        None => (image_entrypoint.to_vec(), image_cmd),
    };
    args.extend_from_slice(if command.is_empty() { default_cmd } else { command });
    args
}

/// `--env-file` files (name, text) then `-e` flags, as `KEY=VALUE` entries,
/// later ones replacing earlier ones with the same key. Files: one entry per
/// line, blank lines and `#` comments skipped, values kept verbatim (no
/// quotes removed). A bare `KEY` takes its value from `lookup` (rcon's
/// environment) and is dropped when unset. Errors: an empty key or one with
/// whitespace, naming the file and line or the `-e` flag.
pub fn user_env(
    files: &[(PathBuf, String)],
    flags: &[String],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut add = |entry: &str, place: &dyn Fn() -> String| -> Result<()> {
        let (key, value) = match entry.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (entry, None),
        };
        if key.is_empty() {
            return Err(Error::flag(place(), format!("invalid environment variable {entry:?}: empty name")));
        }
        if key.contains(char::is_whitespace) {
            return Err(Error::flag(place(), format!("variable {key:?} contains whitespaces")));
        }
        if let Some(v) = value.or_else(|| lookup(key)) {
            replace_or_append(&mut out, format!("{key}={v}"));
        }
        Ok(())
    };
    for (file, text) in files {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = if line.contains('=') { line } else { line.trim_end() };
            add(line, &|| format!("--env-file {} line {}", file.display(), n + 1))?;
        }
    }
    for e in flags {
        add(e, &|| "-e".to_string())?;
    }
    Ok(out)
}

/// The final environment as docker builds it: `PATH` (default) and
/// `HOSTNAME`, overridden by the image's Env, overridden by the user's.
pub fn container_env(image_env: &[String], user_env: &[String], hostname: &str) -> Vec<String> {
    let mut env = vec![format!("PATH={DEFAULT_PATH}"), format!("HOSTNAME={hostname}")];
    for e in image_env.iter().chain(user_env) {
        replace_or_append(&mut env, e.clone());
    }
    env
}

fn env_key(entry: &str) -> &str {
    entry.split_once('=').map_or(entry, |(k, _)| k)
}

fn replace_or_append(env: &mut Vec<String>, entry: String) {
    match env.iter_mut().find(|e| env_key(e) == env_key(&entry)) {
        Some(slot) => *slot = entry,
        None => env.push(entry),
    }
}

fn mount(dest: &str, typ: &str, source: &Path, options: &[&str]) -> Result<Mount> {
    Ok(MountBuilder::default()
        .destination(dest)
        .typ(typ)
        .source(source)
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()?)
}

/// docker's mounts (moby `oci.DefaultSpec` and the /etc files), cgroup aside
/// until cgroup support comes.
fn default_mounts(input: &SpecInput) -> Result<Vec<Mount>> {
    let p = Path::new;
    let mut mounts = vec![
        mount("/proc", "proc", p("proc"), &["nosuid", "noexec", "nodev"])?,
        mount("/dev", "tmpfs", p("tmpfs"), &["nosuid", "strictatime", "mode=755", "size=65536k"])?,
        mount(
            "/dev/pts",
            "devpts",
            p("devpts"),
            &["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        )?,
        mount("/sys", "sysfs", p("sysfs"), &["nosuid", "noexec", "nodev", "ro"])?,
        mount("/dev/mqueue", "mqueue", p("mqueue"), &["nosuid", "noexec", "nodev"])?,
        mount("/dev/shm", "tmpfs", p("shm"), &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"])?,
        mount("/etc/resolv.conf", "bind", &input.etc_resolv_conf, &["rbind", "rprivate"])?,
        mount("/etc/hostname", "bind", &input.etc_hostname, &["rbind", "rprivate"])?,
        mount("/etc/hosts", "bind", &input.etc_hosts, &["rbind", "rprivate"])?,
    ];
    if let Some(f) = &input.dockerenv {
        mounts.push(mount("/.dockerenv", "bind", f, &["rbind", "ro", "rprivate"])?);
    }
    Ok(mounts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{PullPolicy, RunOptions};
    use oci_spec::image::{ConfigBuilder, ImageConfigurationBuilder};

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    fn opts() -> RunOptions {
        RunOptions {
            image: "busybox".into(),
            command: vec![],
            name: None,
            env: vec![],
            env_files: vec![],
            workdir: None,
            user: None,
            entrypoint: None,
            hostname: None,
            auto_remove: false,
            pull: PullPolicy::Missing,
            ..Default::default()
        }
    }

    fn image(f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> ImageConfiguration {
        ImageConfigurationBuilder::default().config(f(ConfigBuilder::default()).build().unwrap()).build().unwrap()
    }

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn build_with(img: &ImageConfiguration, o: &RunOptions) -> Result<Spec> {
        build(&SpecInput {
            image: img,
            opts: o,
            id: ID,
            rootfs: "/c/merged".into(),
            etc_hostname: "/c/hostname".into(),
            etc_hosts: "/c/hosts".into(),
            etc_resolv_conf: "/c/resolv.conf".into(),
            dockerenv: None,
        })
    }

    #[test]
    fn entrypoint_and_cmd_like_docker() {
        let ep = v(&["/ep.sh", "-x"]);
        let cmd = v(&["serve", "--port=80"]);
        assert_eq!(command(&ep, &cmd, None, &[]), v(&["/ep.sh", "-x", "serve", "--port=80"]));
        assert_eq!(command(&ep, &cmd, None, &v(&["sh"])), v(&["/ep.sh", "-x", "sh"]));
        assert_eq!(command(&[], &cmd, None, &v(&["echo", "hi"])), v(&["echo", "hi"]));
        // --entrypoint replaces the entrypoint and drops the image's Cmd.
        assert_eq!(command(&ep, &cmd, Some("/bin/sh"), &[]), v(&["/bin/sh"]));
        assert_eq!(command(&ep, &cmd, Some("/bin/sh -c"), &v(&["x"])), v(&["/bin/sh -c", "x"]));
        // --entrypoint "" clears it.
        assert_eq!(command(&ep, &cmd, Some(""), &v(&["id"])), v(&["id"]));
        assert!(command(&ep, &cmd, Some(""), &[]).is_empty());
    }

    #[test]
    fn env_files_then_flags() {
        let file = "# comment\n\nA=1\n  B=two words \nC\nUNSET\nD=\nE=x=y\n".to_string();
        let files = vec![(PathBuf::from("f.env"), file)];
        let lookup = |k: &str| (k == "C" || k == "F").then(|| format!("from-{k}"));
        let env = user_env(&files, &v(&["A=override", "F", "NOPE", "G=g"]), &lookup).unwrap();
        assert_eq!(env, v(&["A=override", "B=two words ", "C=from-C", "D=", "E=x=y", "F=from-F", "G=g"]));

        let bad = vec![(PathBuf::from("f.env"), "OK=1\nBAD KEY=1\n".to_string())];
        let e = user_env(&bad, &[], &lookup).unwrap_err().to_string();
        assert!(e.contains("f.env line 2") && e.contains("whitespaces"), "{e}");
        assert!(user_env(&[], &v(&["=x"]), &lookup).is_err());
    }

    #[test]
    fn path_and_hostname_defaults() {
        let env = container_env(&v(&["FOO=1"]), &v(&["FOO=2", "BAR=3"]), "abc");
        assert_eq!(env, v(&[&format!("PATH={DEFAULT_PATH}"), "HOSTNAME=abc", "FOO=2", "BAR=3"]));
        let env = container_env(&v(&["PATH=/bin"]), &[], "abc");
        assert_eq!(env[0], "PATH=/bin");
        let env = container_env(&[], &v(&["HOSTNAME=mine"]), "abc");
        assert_eq!(env, v(&[&format!("PATH={DEFAULT_PATH}"), "HOSTNAME=mine"]));
    }

    #[test]
    fn spec_from_image_and_flags() {
        let img = image(|c| {
            c.env(v(&["PATH=/bin", "A=1"])).cmd(v(&["sh"])).working_dir("/app".to_string()).user("app".to_string())
        });
        let s = build_with(&img, &opts()).unwrap();
        let p = s.process().as_ref().unwrap();
        assert_eq!(p.args().as_ref().unwrap(), &v(&["sh"]));
        assert_eq!(p.cwd(), Path::new("/app"));
        assert_eq!(p.env().as_ref().unwrap(), &v(&["PATH=/bin", "HOSTNAME=0123456789ab", "A=1"]));
        assert_eq!(s.hostname().as_deref(), Some("0123456789ab"));
        assert_eq!(s.root().as_ref().unwrap().path(), Path::new("/c/merged"));
        assert_eq!(user(&img, &opts()).as_deref(), Some("app"));

        let mut o = opts();
        o.workdir = Some("/w".into());
        o.hostname = Some("box".into());
        o.user = Some("1000:1000".into());
        o.command = v(&["id", "-u"]);
        o.env = v(&["A=2"]);
        let s = build_with(&img, &o).unwrap();
        let p = s.process().as_ref().unwrap();
        assert_eq!(p.args().as_ref().unwrap(), &v(&["id", "-u"]));
        assert_eq!(p.cwd(), Path::new("/w"));
        assert_eq!(p.env().as_ref().unwrap(), &v(&["PATH=/bin", "HOSTNAME=box", "A=2"]));
        assert_eq!(s.hostname().as_deref(), Some("box"));
        assert_eq!(user(&img, &o).as_deref(), Some("1000:1000"));

        let mounts: Vec<_> = s.mounts().as_ref().unwrap().iter().map(|m| m.destination().clone()).collect();
        for d in ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/etc/hosts", "/etc/hostname"] {
            assert!(mounts.contains(&PathBuf::from(d)), "no {d} in {mounts:?}");
        }
        let ns = s.linux().as_ref().unwrap().namespaces().as_ref().unwrap();
        assert_eq!(ns.len(), 6, "mount, PID, UTS, IPC, network and cgroup: {ns:?}");
    }

    #[test]
    fn defaults_and_errors() {
        let img = image(|c| c.cmd(v(&["true"])));
        let s = build_with(&img, &opts()).unwrap();
        assert_eq!(s.process().as_ref().unwrap().cwd(), Path::new("/"));
        assert_eq!(user(&img, &opts()), None);
        assert!(s.annotations().as_ref().unwrap().is_empty());
        let mut o = opts();
        o.auto_remove = true;
        let s = build_with(&img, &o).unwrap();
        assert_eq!(s.annotations().as_ref().unwrap()[crate::runtime::ANNOTATION_VOLATILE], "true");

        let mut o = opts();
        o.workdir = Some("rel".into());
        assert!(build_with(&img, &o).unwrap_err().to_string().contains("-w"));

        let empty = image(|c| c);
        assert!(build_with(&empty, &opts()).unwrap_err().to_string().contains("no command"));

        let mut o = opts();
        o.env_files = vec!["/nonexistent/env".into()];
        let e = build_with(&img, &o).unwrap_err().to_string();
        assert!(e.contains("--env-file") && e.contains("/nonexistent/env"), "{e}");
    }
}
