//! Container records and lifecycle: create, start, wait, remove. Turns
//! `rcon run` flags into a record in the store and an OCI spec for the
//! runtime.
//!
//! Every function returns [`Result`]: a [`Error`] naming the step and the
//! container, flag or path, with a lower layer's error as its source.

pub mod check;
pub mod cleanup;
mod error;
pub mod exec;
pub mod inspect;
pub mod lifecycle;
pub mod list;
pub mod logs;
pub mod monitor;
pub mod names;
pub mod network_settings;
pub mod parallel;
pub mod spec;
pub mod stats;
pub mod update;
pub mod userns;

pub use error::{Error, Kind, Result, Untyped};
pub use update::{Update, rename, update};

use crate::reference::Reference;
use crate::runtime::{self, RootfsSetup, SpawnOptions};
use crate::store::{ContainerRecord, ContainerState, ContainerStatus, ImageRecord, Store, events};
use chrono::Utc;
use oci_spec::image::ImageConfiguration;
use std::path::{Path, PathBuf};

/// When `run` pulls the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Only when it is not in the store (default).
    #[default]
    Missing,
    /// Every time.
    Always,
    /// Never: a missing image is an error.
    Never,
}

impl PullPolicy {
    /// From `--pull` (`missing`, `always`, `never`); anything else is `Missing`.
    pub fn parse(s: &str) -> PullPolicy {
        match s {
            "always" => PullPolicy::Always,
            "never" => PullPolicy::Never,
            _ => PullPolicy::Missing,
        }
    }
}

/// What `rcon run` was asked to do. `Default` gives docker's defaults
/// (and an empty image name), so callers name only what they set.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Image reference or ID as the user typed it.
    pub image: String,
    /// COMMAND [ARG…] after the image (replaces the image's Cmd).
    pub command: Vec<String>,
    /// `--name`.
    pub name: Option<String>,
    /// `-e KEY=VALUE` or `-e KEY` (taken from rcon's environment; dropped if unset).
    pub env: Vec<String>,
    /// `--env-file`, applied before `-e`.
    pub env_files: Vec<PathBuf>,
    /// `-w`.
    pub workdir: Option<String>,
    /// `-u USER[:GROUP]`.
    pub user: Option<String>,
    /// `--entrypoint` (`Some("")` clears the image's entrypoint).
    pub entrypoint: Option<String>,
    /// `--hostname` (default: the first 12 hex digits of the ID).
    pub hostname: Option<String>,
    /// `--rm`.
    pub auto_remove: bool,
    /// `--pull`.
    pub pull: PullPolicy,
    /// Options for pulling the image.
    pub pull_options: crate::registry::PullOptions,
    /// `--restart` (empty or `no`: never).
    pub restart: String,
    /// `--log-opt`.
    pub log_opts: Vec<String>,
    /// `--health-*` and `--no-healthcheck`.
    pub health: HealthFlags,
    /// `--stop-signal`.
    pub stop_signal: Option<String>,
    /// `--stop-timeout` in seconds.
    pub stop_timeout: Option<u64>,
    /// `--label KEY=VALUE`.
    pub labels: Vec<String>,
    /// Networking flags (`--network`, `-p`, `-P`, `--dns`, …).
    pub network: crate::network::NetworkOptions,
    /// Security, resources, process and device flags (issue 3; see
    /// [`spec::RuntimeFlags`]).
    pub runtime: spec::RuntimeFlags,
    /// `-v`, `--mount`, `--volumes-from` (issue 8).
    pub mounts: crate::volume::MountFlags,
    /// Join the network, IPC and UTS namespaces of this running container
    /// (name or ID; a pod's infra): the container's spec records the
    /// joined container ([`ANNOTATION_JOIN`]) and every start joins it
    /// again at its current pid. Excludes `--network`, `-p`, `--ipc` and
    /// `--uts` (set `network.network` to nothing).
    pub join: Option<String>,
    /// Make a pod's infra container: no image (an empty root filesystem),
    /// and a process that is rcon's own pause loop
    /// ([`crate::runtime::ANNOTATION_PAUSE`]); `image` is only the name
    /// shown.
    pub infra: bool,
}

/// Spec annotation of a container created with [`RunOptions::join`]: the
/// full ID of the container whose network, IPC and UTS namespaces it joins.
pub const ANNOTATION_JOIN: &str = "io.github.rcon.join";

/// The stand-in image record of an infra container ([`RunOptions::infra`]):
/// no layers, and an ID that no image in the store has.
fn infra_image(name: &str) -> ImageRecord {
    let id = crate::digest::Digest::of(format!("rcon infra {name}").as_bytes());
    ImageRecord {
        id: id.clone(),
        manifest_digest: id,
        repo_tags: vec![],
        repo_digests: vec![],
        diff_ids: vec![],
        size: 0,
        created: None,
    }
}

/// Points the network, IPC and UTS namespaces of `spec` at those of the
/// process `pid` (`/proc/PID/ns/…`), adding the entries that are missing.
fn join_namespaces(spec: &mut oci_spec::runtime::Spec, pid: i32) {
    use oci_spec::runtime::LinuxNamespaceType as T;
    for (t, name) in [(T::Network, "net"), (T::Ipc, "ipc"), (T::Uts, "uts")] {
        join_namespace(spec, t, PathBuf::from(format!("/proc/{pid}/ns/{name}")));
    }
}

/// Makes the spec's init join the namespace of type `t` at `path` (a
/// `/proc/PID/ns/*` or bound file) instead of creating one.
fn join_namespace(spec: &mut oci_spec::runtime::Spec, t: oci_spec::runtime::LinuxNamespaceType, path: PathBuf) {
    let Some(linux) = spec.linux_mut() else { return };
    let mut nss = linux.namespaces().clone().unwrap_or_default();
    nss.retain(|n| n.typ() != t);
    nss.push(oci_spec::runtime::LinuxNamespaceBuilder::default().typ(t).path(path).build().expect("a valid namespace"));
    linux.set_namespaces(Some(nss));
}

/// The running init's pid of the container `id` whose namespaces another
/// one joins; errors say what to start.
fn joined_pid(store: &Store, id: &str) -> Result<i32> {
    let row = store.find_container_row(id).map_err(|e| Error::JoinedGone(id[..12.min(id.len())].to_string(), e))?;
    match (row.state.status, row.state.pid) {
        (ContainerStatus::Running, Some(pid)) => Ok(pid),
        _ => Err(Error::JoinedNotRunning(row.name)),
    }
}

/// The `--health-*` flags (durations as docker writes them: `30s`, `1m30s`, `500ms`).
#[derive(Debug, Clone, Default)]
pub struct HealthFlags {
    /// `--health-cmd` (run with `/bin/sh -c`).
    pub cmd: Option<String>,
    /// `--health-interval`.
    pub interval: Option<String>,
    /// `--health-timeout`.
    pub timeout: Option<String>,
    /// `--health-retries`.
    pub retries: Option<u32>,
    /// `--health-start-period`.
    pub start_period: Option<String>,
    /// `--no-healthcheck`.
    pub disabled: bool,
    /// `--health-on-failure` (podman): `none`, `kill`, `restart`, `stop`
    /// ([`crate::store::HealthOnFailure`]).
    pub on_failure: Option<String>,
}

/// Finds `name` (reference, ID or ID prefix) in the store, pulling it as
/// `policy` says. Errors: a missing image with `--pull never`, pull errors.
pub fn resolve_image(
    store: &Store,
    name: &str,
    policy: PullPolicy,
    pull_opts: &crate::registry::PullOptions,
) -> Result<ImageRecord> {
    let reference = match Reference::parse(name) {
        Ok(r) => r,
        // Not a reference: it can only be an image ID (prefix).
        Err(e) => return store.find_image(name, None)?.ok_or_else(|| e.into()),
    };
    if policy != PullPolicy::Always
        && let Some(image) = store.find_image(name, Some(&reference.to_string()))?
    {
        return Ok(image);
    }
    match policy {
        PullPolicy::Never => Err(Error::NoImage(name.to_string())),
        PullPolicy::Missing | PullPolicy::Always => {
            if policy == PullPolicy::Missing && !pull_opts.quiet {
                eprintln!("Unable to find image '{name}' locally");
            }
            let transfer = crate::registry::TransferOptions::default();
            let local_first = policy == PullPolicy::Missing;
            Ok(crate::registry::pull_by_name(store, name, pull_opts, &transfer, local_first)?)
        }
    }
}

/// Reads an image's config blob once and parses it twice: as the OCI type
/// (OCI image-spec config.md) and as raw JSON, for docker's fields that the
/// OCI type does not carry (`Healthcheck`).
pub fn image_config(store: &Store, image: &ImageRecord) -> Result<(ImageConfiguration, serde_json::Value)> {
    let data = store.read_blob(&image.id)?;
    let parse = |source| Error::ImageConfig { image: image.id.to_string(), source };
    Ok((serde_json::from_slice(&data).map_err(parse)?, serde_json::from_slice(&data).map_err(parse)?))
}

/// `KEY=VALUE` labels (a bare `KEY` gets an empty value, as docker).
fn parse_labels(labels: &[String]) -> Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for l in labels {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            return Err(Error::Invalid(format!("invalid label {l:?}: the key is empty")));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// A container created in the store and ready to start.
pub struct Created {
    /// Its record.
    pub record: ContainerRecord,
}

/// Creates the container: resolves (or pulls) the image, picks the ID and
/// name, builds the runtime spec, writes the record and the /etc files.
pub fn create(store: &Store, opts: &RunOptions) -> Result<Created> {
    if let Some(n) = &opts.name
        && !crate::util::is_valid_name(n)
    {
        return Err(Error::Invalid(format!(
            "Invalid container name ({n}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )));
    }
    let (image, config, config_json) = if opts.infra {
        (infra_image(&opts.image), ImageConfiguration::default(), serde_json::json!({}))
    } else {
        let image = resolve_image(store, &opts.image, opts.pull, &opts.pull_options)?;
        let (config, config_json) = image_config(store, &image)?;
        (image, config, config_json)
    };
    let id = crate::util::random_hex(32);
    let dir = store.container_dir(&id);
    // The directory names this process as the one to finish the container,
    // so that a sweep removes it if this process dies (see `cleanup`).
    cleanup::claim(store, &id).map_err(Error::io("create", &dir))?;
    // --userns=keep-id runs as the user's own ids unless -u says otherwise (podman).
    let keep_id;
    let opts = match userns::keep_id_user(&opts.runtime.userns, opts.user.as_deref()) {
        Some(user) => {
            keep_id = RunOptions { user: Some(user), ..opts.clone() };
            &keep_id
        }
        None => opts,
    };
    let created = create_claimed(store, opts, image, config, config_json, id.clone());
    if created.is_err() && !dir.join("config.json").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        cleanup::release(store, &id);
    }
    created
}

/// [`create`] once the container's directory is claimed.
fn create_claimed(
    store: &Store,
    opts: &RunOptions,
    image: ImageRecord,
    config: ImageConfiguration,
    config_json: serde_json::Value,
    id: String,
) -> Result<Created> {
    let dir = store.container_dir(&id);
    let input = spec::SpecInput {
        image: &config,
        opts,
        id: &id,
        rootfs: dir.join("merged"),
        etc_hostname: dir.join("hostname"),
        etc_hosts: dir.join("hosts"),
        etc_resolv_conf: dir.join("resolv.conf"),
        dockerenv: Some(dir.join("dockerenv")),
    };
    let mut spec = spec::build(&input)?;
    let mut annotations = spec.annotations().clone().unwrap_or_default();
    if opts.infra {
        annotations.insert(crate::runtime::ANNOTATION_PAUSE.into(), "true".into());
    }
    if let Some(of) = &opts.join {
        if opts.runtime.ipc.is_some() || opts.runtime.uts.is_some() {
            return Err(Error::Invalid(
                "--ipc and --uts cannot be set for a container of a pod: it shares its pod's namespaces".into(),
            ));
        }
        let target = store.find_container_row(of)?;
        join_namespaces(&mut spec, joined_pid(store, &target.id)?);
        annotations.insert(ANNOTATION_JOIN.into(), target.id);
    }
    spec.set_annotations(Some(annotations));
    // Held until the container is recorded: two `--userns=auto` creates
    // must not take the same range.
    let (maps, _userns_lock) = user_namespace(store, &opts.runtime.userns, &image)?;
    if let Some(m) = &maps {
        userns_to_spec(&mut spec, m)?;
    }
    rootless_cgroups(store, &mut spec, &opts.runtime.resources)?;
    let image_volumes = config.config().as_ref().and_then(|c| c.volumes().clone()).unwrap_or_default();
    let mounts = crate::volume::prepare(store, &opts.mounts, &image_volumes)?;
    crate::volume::apply_to_spec(&mut spec, &mounts)?;
    let exposed = config.config().as_ref().and_then(|c| c.exposed_ports().clone()).unwrap_or_default();
    let mut net_opts = opts.network.clone();
    if let Some(of) = spec.annotations().as_ref().and_then(|a| a.get(ANNOTATION_JOIN)) {
        if net_opts.network.is_some() || !net_opts.publish.is_empty() || net_opts.publish_all {
            return Err(Error::Invalid(
                "--network, -p and -P cannot be set for a container of a pod: it shares its pod's network (publish ports on the pod)"
                    .into(),
            ));
        }
        net_opts.network = Some(format!("container:{of}"));
    }
    let net_plan = net_opts.plan(store, &exposed)?;
    crate::network::apply_to_spec(&net_plan, &mut spec);
    let command = spec.process().as_ref().and_then(|p| p.args().clone()).unwrap_or_default();
    let hostname = spec.hostname().clone().unwrap_or_else(|| id[..12].to_string());
    let user =
        opts.user.clone().or_else(|| config.config().as_ref().and_then(|c| c.user().clone()).filter(|u| !u.is_empty()));
    let mut record = ContainerRecord {
        id: id.clone(),
        name: opts.name.clone().unwrap_or_default(),
        image: opts.image.clone(),
        image_id: image.id.clone(),
        layers: image.chain_ids(),
        created: Utc::now(),
        command,
        auto_remove: opts.auto_remove,
        spec: serde_json::to_value(&spec).map_err(|e| Error::BuildSpec(e.into()))?,
        user,
        restart: lifecycle::RestartPolicy::parse(&opts.restart)?.to_string(),
        log_opts: {
            logs::Rotation::parse(&opts.log_opts).map_err(|e| Error::flag("--log-opt", e.to_string()))?;
            opts.log_opts.clone()
        },
        healthcheck: lifecycle::healthcheck(&opts.health, &config_json)?,
        health_on_failure: match &opts.health.on_failure {
            Some(a) => a.parse().map_err(|e: String| Error::flag("--health-on-failure", e))?,
            None => Default::default(),
        },
        stop_signal: opts
            .stop_signal
            .clone()
            .or_else(|| config.config().as_ref().and_then(|c| c.stop_signal().clone())),
        stop_timeout: opts.stop_timeout,
        labels: {
            // As docker: the image's labels, then `--label` over them.
            let mut labels: std::collections::BTreeMap<String, String> =
                serde_json::from_value(config_json["config"]["Labels"].clone()).unwrap_or_default();
            labels.extend(parse_labels(&opts.labels)?);
            labels
        },
        mounts,
    };
    claim_name(store, &mut record, opts.name.is_some(), &hostname)?;
    if let Some((uid, gid)) = maps.as_ref().and_then(userns::Mappings::root) {
        let files = ["upper", "hostname", "hosts", "resolv.conf", "dockerenv"].map(|f| dir.join(f));
        let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        userns::give_to_root(&paths, uid, gid).inspect_err(|_| {
            let _ = store.remove_container(&id);
        })?;
    }
    crate::volume::fs::copy_up(store, &record)
        .map_err(Error::from)
        .and_then(|()| Ok(crate::network::prepare(store, &id, &record.name, &hostname, &net_plan)?))
        .inspect_err(|_| {
            let _ = store.remove_container(&id);
            cleanup::release(store, &id);
        })?;
    events::container(store, "create", &record, &[]);
    cleanup::mark_complete(store, &id);
    Ok(Created { record })
}

/// The id mappings the `--userns` flags ask for (see [`userns`]), with the
/// store's `userns.lock` held while they are allocated (drop it once the
/// container is recorded).
fn user_namespace(
    store: &Store,
    flags: &userns::UsernsFlags,
    image: &ImageRecord,
) -> Result<(Option<userns::Mappings>, Option<crate::store::StoreLock>)> {
    if flags.is_host() {
        return Ok((None, None));
    }
    let lock = crate::store::StoreLock::exclusive(&store.root().join("userns.lock"))?;
    // The image's /etc/passwd and /etc/group: from the top-most layer that has them.
    let etc = |name: &str| {
        image
            .chain_ids()
            .iter()
            .rev()
            .map(|l| store.layers_dir().join(Store::layer_relative_diff(l)).join("etc").join(name))
            .find_map(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    let (passwd, group) = (etc("passwd"), etc("group"));
    let records = store.containers()?;
    let used = userns::used_ranges(records.iter().map(|r| &r.spec));
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let (subuid, subgid) = (read("/etc/subuid"), read("/etc/subgid"));
    let cx = userns::Context {
        passwd: &passwd,
        group: &group,
        used: &used,
        subuid: &subuid,
        subgid: &subgid,
        rootless: userns::rootless_ids(),
        fuse_overlayfs: runtime::rootless::is_rootless() && runtime::fuse_overlay::usable().is_some(),
    };
    Ok((userns::resolve(flags, &cx)?, Some(lock)))
}

/// Rootless cgroups. With a cgroup v2 subtree delegated to the user
/// (`runtime::cgroups::delegation`): the container's cgroup goes below it
/// (`…/user@UID.service/rcon/<id>`), without device rules (which need the
/// host's root), and a limit whose controller is not delegated fails.
/// Without one: the container runs without a cgroup (so without limits),
/// one notice per store says so, and limit flags (`limits`) fail. A no-op
/// for the host's root. Used by `run`/`create` and build's RUN steps.
pub fn rootless_cgroups(store: &Store, spec: &mut oci_spec::runtime::Spec, limits: &spec::Resources) -> Result<()> {
    if !runtime::rootless::is_rootless() {
        return Ok(());
    }
    if let Some(d) = runtime::cgroups::delegation::detect() {
        let mut wanted = Vec::new();
        for (flag, set, controller) in [
            ("--memory", limits.memory.is_some(), "memory"),
            ("--memory-swap", limits.memory_swap.is_some(), "memory"),
            ("--memory-reservation", limits.memory_reservation.is_some(), "memory"),
            ("--cpus", limits.cpus.is_some(), "cpu"),
            ("--cpu-shares", limits.cpu_shares.is_some(), "cpu"),
            ("--cpuset-cpus", limits.cpuset_cpus.is_some(), "cpuset"),
            ("--pids-limit", limits.pids_limit.is_some(), "pids"),
        ] {
            if set {
                wanted.push((flag, controller));
            }
        }
        d.check(&wanted)?;
        if let Some(linux) = spec.linux_mut() {
            let rel = linux.cgroups_path().as_ref().map(|p| p.display().to_string());
            linux.set_cgroups_path(rel.map(|r| std::path::PathBuf::from(d.container_path(&r))));
            if let Some(res) = linux.resources_mut() {
                res.set_devices(None);
            }
        }
        return Ok(());
    }
    if !limits.is_empty() {
        return Err(Error::Invalid(
            "--memory, --memory-swap, --memory-reservation, --cpus, --cpu-shares, --cpuset-cpus and --pids-limit need a cgroup v2 subtree delegated to your user (a systemd user session, e.g. `systemd-run --user --scope rcon …`); without one rootless containers run without limits"
                .into(),
        ));
    }
    if let Some(linux) = spec.linux_mut() {
        linux.set_cgroups_path(None);
        linux.set_resources(None);
    }
    let marker = store.run_root().join("cgroups-notice");
    if !marker.exists() {
        eprintln!(
            "rcon: notice: no cgroup v2 subtree is delegated to your user: rootless containers run without resource limits"
        );
        let _ = std::fs::write(&marker, "");
    }
    Ok(())
}

/// Adds a new user namespace with mappings `m` to `spec`.
fn userns_to_spec(spec: &mut oci_spec::runtime::Spec, m: &userns::Mappings) -> Result<()> {
    use oci_spec::runtime::{LinuxNamespaceBuilder, LinuxNamespaceType};
    let mut linux = spec.linux().clone().unwrap_or_default();
    let mut ns = linux.namespaces().clone().unwrap_or_default();
    ns.push(LinuxNamespaceBuilder::default().typ(LinuxNamespaceType::User).build()?);
    linux.set_namespaces(Some(ns));
    linux.set_uid_mappings(Some(m.uid.clone()));
    linux.set_gid_mappings(Some(m.gid.clone()));
    spec.set_linux(Some(linux));
    Ok(())
}

/// Records the container under its name; a generated name that clashes is
/// drawn again (and numbered after a few tries).
/// The `/etc` files are written before the record is visible.
fn claim_name(store: &Store, record: &mut ContainerRecord, user_given: bool, hostname: &str) -> Result<()> {
    let etc = |dir: &Path| {
        write_etc_files(dir, hostname).map_err(|e| crate::store::StoreError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(crate::util::error_chain(&e)),
        })
    };
    if user_given {
        return Ok(store.create_container_with(record, etc)?);
    }
    for attempt in 0..10 {
        record.name = names::generate();
        if attempt >= 3 {
            record.name = format!("{}{}", record.name, attempt);
        }
        match store.create_container_with(record, etc) {
            Err(crate::store::StoreError::NameInUse { .. }) => {
                // The refused create removed the directory: claim it again
                // (the owner file outlives it, the directory does not).
                cleanup::claim(store, &record.id).map_err(Error::io("create", store.container_dir(&record.id)))?;
                continue;
            }
            other => return Ok(other?),
        }
    }
    Err(Error::NoUniqueName)
}

/// Writes `hostname`, `hosts` and `resolv.conf` into the container's
/// directory; the spec bind-mounts them over the image's /etc files.
fn write_etc_files(dir: &Path, hostname: &str) -> Result<()> {
    let write = |name: &str, data: String| {
        let p = dir.join(name);
        std::fs::write(&p, data).map_err(Error::io("write", &p))
    };
    write("hostname", format!("{hostname}\n"))?;
    // Bind-mounted at /.dockerenv: tools detect containers by it.
    write("dockerenv", String::new())?;
    write("hosts", crate::network::dns::default_hosts(hostname))?;
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    write("resolv.conf", crate::network::dns::resolv_conf_from_host(&host_resolv))
}

/// The signals `rcon run` forwards to the container.
fn proxied_signals() -> nix::sys::signal::SigSet {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT, Signal::SIGUSR1, Signal::SIGUSR2] {
        set.add(s);
    }
    set
}

/// Forwards the signals a terminal or a supervisor sends to `rcon run` to
/// the container's init (docker's `--sig-proxy`, on by default).
fn proxy_signals(pid: i32) {
    forward_signals_to(pid)
}

/// Forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 that rcon
/// receives to `pid` from now on.
pub(crate) fn forward_signals_to(pid: i32) {
    let signals = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2];
    crate::sys::forward_signals_to(pid, &signals);
}

/// The runtime spec and spawn options of a container: its spec as recorded,
/// an overlay of its image's layers under its own upper dir, its user.
pub fn spawn_inputs(store: &Store, record: &ContainerRecord) -> Result<(oci_spec::runtime::Spec, SpawnOptions)> {
    let mut spec: oci_spec::runtime::Spec = serde_json::from_value(record.spec.clone())
        .map_err(|source| Error::StoredSpec { name: record.id[..12].to_string(), source })?;
    if let Some(of) = spec.annotations().as_ref().and_then(|a| a.get(ANNOTATION_JOIN)).cloned() {
        // The joined container may have been restarted since: its pid now.
        join_namespaces(&mut spec, joined_pid(store, &of)?);
    }
    let dir = store.container_dir(&record.id);
    let short = &record.id[..12.min(record.id.len())];
    let shown = if record.name.is_empty() { short } else { record.name.as_str() };
    for f in ["hostname", "hosts", "resolv.conf"] {
        if !dir.join(f).exists() {
            return Err(Error::Incomplete { name: shown.to_string(), missing: dir.join(f) });
        }
    }
    for layer in &record.layers {
        let diff = store.layers_dir().join(Store::layer_relative_diff(layer));
        if !diff.is_dir() {
            return Err(Error::LayerGone {
                name: shown.to_string(),
                layer: layer.to_string(),
                image: record.image.clone(),
            });
        }
    }
    let mut lowers: Vec<String> = record.layers.iter().rev().map(Store::layer_relative_diff).collect();
    if lowers.is_empty() {
        // overlayfs needs one lower dir; an image without layers gets an empty one.
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).map_err(Error::io("create", &empty))?;
        lowers.push(empty.display().to_string());
    }
    let attaching: std::rc::Rc<std::cell::RefCell<Option<crate::network::Attaching>>> = Default::default();
    let opts = SpawnOptions {
        rootfs: rootfs_setup(store, lowers, dir.join("upper"), dir.join("work"), &spec)?,
        // Root too is resolved as docker's daemon does (its groups from
        // /etc/group, gid 0 among them).
        user: Some(record.user.clone().unwrap_or_default()),
        cache_dir: Some(store.root().join("cache")),
        // Rootless pasta configures the namespace while the init mounts.
        on_created: {
            let (store, id, attaching) = (store.clone(), record.id.clone(), attaching.clone());
            Some(Box::new(move |pid| {
                let a = crate::network::attach_begin(&store, &id, pid).map_err(|e| e.to_string())?;
                *attaching.borrow_mut() = Some(a);
                Ok(())
            }))
        },
        before_exec: Some(Box::new(move |_| match attaching.borrow_mut().take() {
            Some(a) => a.wait().map_err(|e| e.to_string()),
            None => Ok(()),
        })),
        ..Default::default()
    };
    // Last, so that nothing fails after a spare was taken. Not for an init
    // in a user namespace of its own: it could not join a namespace of the
    // user's.
    let own_userns = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().as_ref())
        .is_some_and(|n| n.iter().any(|n| n.typ() == oci_spec::runtime::LinuxNamespaceType::User));
    if !own_userns && let Some(netns) = crate::network::adopt_spare(store, &record.id) {
        join_namespace(&mut spec, oci_spec::runtime::LinuxNamespaceType::Network, netns);
    }
    Ok((spec, opts))
}

/// How the overlay of `lowers` (relative to the store's layers dir, or
/// absolute; top-most first) under `upper` becomes the rootfs of a
/// container with runtime spec `spec`: the kernel's overlayfs, or rootless
/// fuse-overlayfs when the storage driver is fuse-overlayfs
/// (`runtime::fuse_overlay::driver`) or, when it is installed, for a
/// container with id mappings of its own (`--userns=keep-id`, `nomap`),
/// which fuse-overlayfs presents the image's owners through. Without it
/// such a container gets the kernel's overlay and one notice per run
/// directory. Errors: the storage driver configuration is bad or unusable.
pub fn rootfs_setup(
    store: &Store,
    lowers: Vec<String>,
    upper: std::path::PathBuf,
    work: std::path::PathBuf,
    spec: &oci_spec::runtime::Spec,
) -> Result<RootfsSetup> {
    use runtime::fuse_overlay::{self, Driver};
    if !runtime::rootless::is_rootless() {
        return Ok(RootfsSetup::Overlay { lower_base: store.layers_dir(), lowers, upper, work });
    }
    let mapped = spec.linux().as_ref().and_then(|l| l.uid_mappings().as_ref()).is_some_and(|m| !m.is_empty());
    let program = match fuse_overlay::driver(store.root(), store.run_root())? {
        Driver::Fuse(p) => Some(p),
        Driver::Kernel if mapped => {
            let p = fuse_overlay::usable();
            let marker = store.run_root().join("fuse-overlayfs-notice");
            if p.is_none() && !marker.exists() {
                eprintln!(
                    "rcon: notice: fuse-overlayfs is not installed or /dev/fuse is not usable: in containers with their own id mappings (--userns=keep-id) the image's files show with shifted owners (install the package `fuse-overlayfs`)"
                );
                let _ = std::fs::write(&marker, "");
            }
            p
        }
        Driver::Kernel => None,
    };
    Ok(match program {
        Some(program) => RootfsSetup::FuseOverlay {
            program,
            lowers: lowers.iter().map(|l| store.layers_dir().join(l)).collect(),
            upper,
            work,
        },
        None => RootfsSetup::Overlay { lower_base: store.layers_dir(), lowers, upper, work },
    })
}

/// Starts a created container in the foreground and waits for it; records
/// its exit; removes it when `auto_remove`. Returns the exit code.
pub fn start_foreground(store: &Store, created: Created) -> Result<i32> {
    let record = &created.record;
    let (spec, mut opts) = spawn_inputs(store, record)?;
    // A foreground container dies with the rcon that runs it, as with docker
    // when its CLI is killed; rcon is its monitor.
    opts.pdeathsig = Some(nix::sys::signal::Signal::SIGKILL);
    spec::foreground_stdio(&spec, &mut opts);
    let tee_pipes = log_foreground_output(store, record, &spec, &mut opts)?;
    let started_at = Utc::now();
    // Signals for the proxy wait (blocked) until the container's pid is
    // known: a SIGTERM right after the start is forwarded, not lost or fatal.
    let proxied = proxied_signals();
    let _ = proxied.thread_block();
    cleanup::record_planned_cgroups(store, &record.id, &spec);
    let spawned = runtime::spawn(&spec, &opts);
    // The pipes' write ends must live only in the container, or the tee
    // would never see the output end.
    drop(opts);
    let mut process = match spawned {
        Ok(p) => p,
        Err(e) => {
            finish(store, record, None, Some(e.chain()));
            return Err(Error::Start(record.id[..12].to_string(), e));
        }
    };
    // The runtime forks single-threaded: the copying thread starts now.
    let tee = tee_pipes.map(|(out, err, log)| logs::tee_foreground(out, err, log));
    let pid = process.pid();
    cleanup::record_cgroups(store, &record.id, process.cgroup());
    let mut state = ContainerState::created();
    state.status = ContainerStatus::Running;
    state.pid = Some(pid);
    state.pid_start = crate::store::process_start_time(pid);
    state.monitor_pid = Some(std::process::id() as i32);
    state.started_at = Some(started_at);
    let _ = store.set_container_state(&record.id, &state);
    started_events(store, record);
    if spec::sig_proxy(&spec) {
        proxy_signals(pid);
    }
    let _ = proxied.thread_unblock();
    if let Some(console) = process.take_console() {
        let _ = runtime::tty::forward(console, spec::stdin_open(&spec));
    }
    let exit = process.wait_exit();
    if let Some(t) = tee {
        let _ = t.join();
    }
    state.oom_killed = exit.as_ref().is_ok_and(|e| e.oom_killed);
    let status = exit.map(|e| e.status);
    crate::sys::forward_signals_to(0, &[]); // the init is gone: forward nothing more
    let code = status.as_ref().map(|s| s.code()).ok();
    state.status = ContainerStatus::Exited;
    state.pid = None;
    state.monitor_pid = None;
    state.exit_code = code;
    state.finished_at = Some(Utc::now());
    // Recorded before the `die` event, as the monitor does: a waiter woken
    // by the event reads the exit (`lifecycle::wait_until`).
    let _ = store.update_container_state(&record.id, |s| *s = state.clone());
    events::container(store, "die", record, &[("exitCode", &code.unwrap_or(255).to_string())]);
    finish(store, record, Some(state), None);
    Ok(status?.code())
}

/// The events of a container start, in docker's order: `network connect`
/// for each of its networks, `volume mount` for each volume, `container start`.
pub fn started_events(store: &Store, record: &ContainerRecord) {
    if let Some(ep) = crate::network::endpoint(store, &record.id) {
        let user = crate::network::networks::user_networks(store).unwrap_or_default();
        for a in &ep.attachments {
            let id = user.iter().find(|n| n.name == a.network).map_or(a.network.as_str(), |n| n.id.as_str());
            events::record(
                store,
                "network",
                "connect",
                id,
                &[("container", &record.id), ("name", &a.network), ("type", "bridge")],
            );
        }
    }
    for m in record.mounts.iter().filter(|m| m.kind == crate::volume::MountKind::Volume) {
        events::record(
            store,
            "volume",
            "mount",
            &m.name,
            &[
                ("container", &record.id),
                ("destination", &m.destination),
                ("driver", "local"),
                ("propagation", &m.propagation),
                ("read/write", if m.rw { "true" } else { "false" }),
            ],
        );
    }
    events::container(store, "start", record, &[]);
}

/// A foreground container kept after it exits (no `--rm`, no `-t`) writes
/// its output through pipes that a thread copies to rcon's stdout and
/// stderr and into the container's log, so `logs` shows it as docker's
/// does. Returns the pipes' read ends and the log, for
/// [`logs::tee_foreground`] once the container is spawned (the runtime
/// must fork a single-threaded rcon), or `None` when the output goes
/// straight to rcon's own streams.
#[allow(clippy::type_complexity)]
fn log_foreground_output(
    store: &Store,
    record: &ContainerRecord,
    spec: &oci_spec::runtime::Spec,
    opts: &mut runtime::SpawnOptions,
) -> Result<Option<(std::os::fd::OwnedFd, std::os::fd::OwnedFd, logs::LogWriter)>> {
    let terminal = spec.process().as_ref().and_then(|p| p.terminal()).unwrap_or(false);
    if record.auto_remove || terminal {
        return Ok(None);
    }
    let rotation = logs::Rotation::parse(&record.log_opts).unwrap_or_default();
    let path = store.container_dir(&record.id).join("ctr.log");
    let log = logs::LogWriter::open(&path, rotation).map_err(Error::io("open log", &path))?;
    let pipe = || nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(Error::sys("create the output pipes"));
    let ((out_r, out_w), (err_r, err_w)) = (pipe()?, pipe()?);
    opts.stdio.stdout = runtime::StdioFd::Fd(out_w);
    opts.stdio.stderr = runtime::StdioFd::Fd(err_w);
    Ok(Some((out_r, err_r, log)))
}

/// Records how a container ended (or why it did not start) and removes it
/// when it was run with `--rm`. A container removed meanwhile (`rm -f` from
/// another rcon) is left alone.
fn finish(store: &Store, record: &ContainerRecord, state: Option<ContainerState>, error: Option<String>) {
    let _lock = store.lock_container(&record.id);
    if let Err(e) = crate::network::detach(store, &record.id) {
        crate::warn!("container {}: network teardown: {e}", &record.id[..12]);
    }
    if matches!(store.container_state(&record.id), Err(crate::store::StoreError::NoSuchContainer(_))) {
        // Removed meanwhile (`rm -f`): the lock just taken recreated its file.
        store.forget_container_lock(&record.id);
        return;
    }
    if record.auto_remove {
        if let Err(e) = store.remove_container(&record.id) {
            crate::warn!("cannot remove container {}: {e}", &record.id[..12]);
        }
        cleanup::release(store, &record.id);
        events::container(store, "destroy", record, &[]);
        crate::volume::remove_anonymous(store, record);
        return;
    }
    let state = state.unwrap_or_else(|| ContainerState { error, ..ContainerState::created() });
    let _ = store.set_container_state(&record.id, &state);
    cleanup::release(store, &record.id);
}

/// Removes a container by name, ID or ID prefix. A running one is refused
/// unless `force`, which kills it with SIGKILL first and waits (up to 10 s)
/// for it to die. Works from the container's database row alone, so that a
/// container whose files are damaged can be removed; when its state is
/// unreadable, `force` kills every process in its cgroup. Returns its whole
/// record as it was (`None` for a container whose record was damaged).
pub fn remove(store: &Store, name: &str, force: bool) -> Result<Option<ContainerRecord>> {
    let row = store.find_container_row(name)?;
    let _lock = store.lock_container(&row.id)?;
    let state = store.container_state(&row.id)?;
    let record = store.container_record(&row).ok();
    if let (ContainerStatus::Running, Some(pid)) = (state.status, state.pid) {
        if !force {
            return Err(crate::store::StoreError::ContainerRunning(row.id.clone()).into());
        }
        if let Some(record) = &record {
            events::container(store, "kill", record, &[("signal", "9")]);
        }
        kill_and_wait(name, pid, std::time::Duration::from_secs(10))?;
    }
    if row.problem.is_some() {
        if !force {
            return Err(Error::Damaged { name: name.to_string(), problem: row.problem.clone().unwrap_or_default() });
        }
        for pid in cgroup_members(&row.id) {
            kill_and_wait(name, pid, std::time::Duration::from_secs(10))?;
        }
    }
    if let Err(e) = crate::network::detach(store, &row.id) {
        crate::warn!("container {}: network teardown: {e}", &row.id[..12]);
    }
    // Its runner may have been killed before removing the cgroup.
    cleanup::remove_cgroups(store, &row.id);
    store.remove_container(&row.id)?;
    cleanup::release(store, &row.id);
    if let Some(record) = &record {
        events::container(store, "destroy", record, &[]);
    }
    Ok(record)
}

/// Pids of the processes in the container's cgroup (`…/rcon/<id>` in
/// `/proc/<pid>/cgroup`), found by scanning `/proc`: for containers whose
/// recorded state is lost.
fn cgroup_members(id: &str) -> Vec<i32> {
    let suffix = format!("/rcon/{id}");
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
                .is_ok_and(|t| t.lines().any(|l| l.trim_end().ends_with(&suffix)))
        })
        .collect()
}

/// Sends SIGKILL to `pid` and waits until it is gone (or a zombie of
/// another process), polling every millisecond up to `timeout`. Errors:
/// it is still there (naming container `name`).
fn kill_and_wait(name: &str, pid: i32, timeout: std::time::Duration) -> Result<()> {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let raw = pid;
    let pid = Pid::from_raw(pid);
    if kill(pid, Signal::SIGKILL).is_err() {
        return Ok(()); // already gone
    }
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if kill(pid, None).is_err() || is_zombie(pid.as_raw()) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    Err(Error::DidNotExit { name: name.to_string(), pid: raw })
}

/// True if `/proc/<pid>/stat` says the process is a zombie (state `Z`).
fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.starts_with('Z')))
        .unwrap_or(false)
}

/// Starts an existing container (created or exited) under a new monitor
/// (`rcon start`); a running one is left alone. Returns its record.
pub fn start(store: &Store, name: &str) -> Result<ContainerRecord> {
    let record = store.find_container(name)?;
    if store.container_state(&record.id)?.status != ContainerStatus::Running {
        monitor::start_detached(store, &record)?;
        hand_to_monitor(store, &record);
    }
    Ok(record)
}

/// [`start`] for a multi-threaded caller (the API service), which must not
/// fork (hazard 7): the monitor is spawned as a fresh process
/// ([`monitor::start_spawned`]). Returns the record and whether it was
/// started (false: it already ran). Errors: as [`start`].
pub fn start_unforked(store: &Store, name: &str) -> Result<(ContainerRecord, bool)> {
    let record = store.find_container(name)?;
    if store.container_state(&record.id)?.status == ContainerStatus::Running {
        return Ok((record, false));
    }
    monitor::start_spawned(store, &record)?;
    hand_to_monitor(store, &record);
    Ok((record, true))
}

/// `rcon run -d`: creates the container and starts it under its own
/// monitor; returns its ID once it runs. With `--rm`, a container that could
/// not start is removed.
pub fn run_detached(store: &Store, opts: RunOptions) -> Result<String> {
    let created = create(store, &opts)?;
    let record = created.record;
    if let Err(e) = monitor::start_detached(store, &record) {
        if record.auto_remove {
            let _ = store.remove_container(&record.id);
            cleanup::release(store, &record.id);
        }
        return Err(e);
    }
    hand_to_monitor(store, &record);
    Ok(record.id)
}

/// After a monitor took a container over: a `--rm` container is the
/// monitor's to remove (a sweep removes it if the monitor dies); any other
/// needs no owner.
fn hand_to_monitor(store: &Store, record: &ContainerRecord) {
    let monitor = store.container_state(&record.id).ok().and_then(|s| s.monitor_pid);
    match monitor {
        Some(pid) if record.auto_remove => cleanup::claim_for(store, &record.id, pid),
        _ => cleanup::release(store, &record.id),
    }
}

/// `rcon run` in the foreground: create, start, wait; returns the exit code.
pub fn run_foreground(store: &Store, opts: RunOptions) -> Result<i32> {
    let created = create(store, &opts)?;
    start_foreground(store, created)
}

/// Writes container `name`'s root filesystem (its upper directory over
/// docker's init layer over its image's layers, whiteouts applied; volumes
/// and bind mounts left out) as one tar to `out` (`rcon export`, `GET
/// /containers/{id}/export`). Reads the directories: nothing is mounted.
/// Errors: no such container, reading a layer, writing `out`.
pub fn export(store: &Store, name: &str, out: &mut dyn std::io::Write) -> Result<()> {
    let c = store.find_container(name)?;
    let init = store.tmp_dir().join(format!("init-{}", crate::util::random_hex(8)));
    let result = (|| -> Result<()> {
        write_init_layer(&init)?;
        let mut dirs = vec![store.container_dir(&c.id).join("upper"), init.clone()];
        dirs.extend(c.layers.iter().rev().map(|l| store.layer_diff_dir(l)));
        crate::image::archive::export(&dirs, out)?;
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&init);
    result
}

/// docker's init layer (moby's `initlayer.Setup`), which every docker
/// container has between its image and its own changes, so exports list
/// it: the directories `/dev/pts`, `/dev/shm`, `/proc`, `/sys`, the empty
/// files (mode 0755) `/.dockerenv`, `/etc/resolv.conf`, `/etc/hosts`,
/// `/etc/hostname`, `/dev/console`, and `/etc/mtab` → `/proc/mounts`.
fn write_init_layer(dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let ctx = |p: &std::path::Path| Error::io("write", p.to_path_buf());
    for d in ["dev/pts", "dev/shm", "proc", "sys", "etc"] {
        let p = dir.join(d);
        std::fs::create_dir_all(&p).map_err(ctx(&p))?;
    }
    for f in [".dockerenv", "etc/resolv.conf", "etc/hosts", "etc/hostname", "dev/console"] {
        let p = dir.join(f);
        std::fs::write(&p, b"").map_err(ctx(&p))?;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).map_err(ctx(&p))?;
    }
    let mtab = dir.join("etc/mtab");
    std::os::unix::fs::symlink("/proc/mounts", &mtab).map_err(ctx(&mtab))?;
    Ok(())
}
