//! A compose project on rcon's engine: what `up`, `down`, `ps`, `start`,
//! `stop`, `build`, `pull`, `run` do, as docker compose v2 does it.
//!
//! Objects are named as docker compose names them (`PROJECT-SERVICE-N`
//! containers, `PROJECT_default` and `PROJECT_NET` networks,
//! `PROJECT_VOL` volumes, `PROJECT-SERVICE` built images) and containers
//! carry the `com.docker.compose.*` labels ([`super::labels`]). A
//! container's `config-hash` is the SHA-256 of its service's normalized
//! configuration and image ID, so `up` recreates exactly the containers
//! whose configuration or image changed.
//!
//! Progress lines go to stderr in docker compose's words
//! (` Container p-web-1  Started`). No threads (the engine forks,
//! ARCHITECTURE.md hazard 1): `up` and `down` work by dependency level,
//! the containers of one level at the same time in forked children
//! ([`crate::container::parallel`]).

use super::labels as L;
use super::model::Project;
use super::{Error, Result, StepContext as _};
use crate::container::{self, PullPolicy, RunOptions};
use crate::store::{ContainerRow, ContainerStatus, Store};
use serde_yaml_ng::{Mapping, Value};
use sha2::Digest as _;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// One container of a project, found by its labels.
#[derive(Debug, Clone)]
pub struct ProjectContainer {
    /// Its row (name, ID, labels, state).
    pub row: ContainerRow,
    /// `com.docker.compose.service`.
    pub service: String,
    /// `com.docker.compose.container-number`.
    pub number: u32,
    /// A `compose run` container.
    pub oneoff: bool,
}

/// Every container whose `com.docker.compose.project` label is `project`,
/// ordered by service then number.
pub fn containers(store: &Store, project: &str) -> Result<Vec<ProjectContainer>> {
    let rows = store.list_containers(&Default::default())?;
    let mut out: Vec<ProjectContainer> = rows
        .into_iter()
        .filter(|r| r.labels.get(L::PROJECT).map(String::as_str) == Some(project))
        .map(|row| ProjectContainer {
            service: row.labels.get(L::SERVICE).cloned().unwrap_or_default(),
            number: row.labels.get(L::NUMBER).and_then(|n| n.parse().ok()).unwrap_or(0),
            oneoff: row.labels.get(L::ONEOFF).map(String::as_str) == Some("True"),
            row,
        })
        .collect();
    out.sort_by(|a, b| (a.service.as_str(), a.number, &a.row.name).cmp(&(b.service.as_str(), b.number, &b.row.name)));
    Ok(out)
}

/// Projects that have containers: (name, running count, total, config files).
pub fn projects(store: &Store) -> Result<Vec<(String, usize, usize, String)>> {
    let mut out: BTreeMap<String, (usize, usize, String)> = BTreeMap::new();
    for row in store.list_containers(&Default::default())? {
        if let Some(p) = row.labels.get(L::PROJECT) {
            let e =
                out.entry(p.clone()).or_insert((0, 0, row.labels.get(L::CONFIG_FILES).cloned().unwrap_or_default()));
            e.1 += 1;
            if row.state.status == ContainerStatus::Running {
                e.0 += 1;
            }
        }
    }
    Ok(out.into_iter().map(|(k, (r, t, f))| (k, r, t, f)).collect())
}

/// One progress line on stderr, in one write: the steps of a level run in
/// several processes at once, and their lines must not interleave.
fn progress(kind: &str, name: &str, what: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().write_all(format!(" {kind} {name}  {what}\n").as_bytes());
}

/// The image a service runs: its `image`, else `PROJECT-SERVICE` for a
/// built one.
pub fn image_name(p: &Project, service: &str) -> String {
    let svc = &p.services[service];
    match svc.get("image").and_then(Value::as_str) {
        Some(i) => i.to_string(),
        None => format!("{}-{service}", p.name),
    }
}

/// The services in dependency order (dependencies first), restricted to
/// `only` and, unless `no_deps`, their dependencies.
pub fn ordered_services(p: &Project, only: &[String], no_deps: bool) -> Result<Vec<String>> {
    for s in only {
        if !p.services.contains_key(s) {
            return Err(Error::NoSuchService(s.clone()));
        }
    }
    let mut wanted: BTreeSet<String> =
        if only.is_empty() { p.services.keys().cloned().collect() } else { only.iter().cloned().collect() };
    if !no_deps {
        let mut queue: Vec<String> = wanted.iter().cloned().collect();
        while let Some(s) = queue.pop() {
            for d in deps(p, &s).into_keys() {
                if wanted.insert(d.clone()) {
                    queue.push(d);
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    while out.len() < wanted.len() {
        let before = out.len();
        for s in &wanted {
            if done.contains(s) {
                continue;
            }
            if deps(p, s).keys().all(|d| done.contains(d) || !wanted.contains(d)) {
                out.push(s.clone());
                done.insert(s.clone());
            }
        }
        if out.len() == before {
            return Err(Error::DependencyCycle(wanted.difference(&done).cloned().collect()));
        }
    }
    Ok(out)
}

/// A service's dependencies: name → condition.
fn deps(p: &Project, service: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(Value::Mapping(d)) = p.services.get(service).and_then(|s| s.get("depends_on")) {
        for (k, v) in d {
            let cond = v.get("condition").and_then(Value::as_str).unwrap_or("service_started");
            out.insert(k.as_str().unwrap_or_default().to_string(), cond.to_string());
        }
    }
    out
}

/// Whether `service` declares `depends_on: {dep: {restart: true}}`.
fn restarts_with(p: &Project, service: &str, dep: &str) -> bool {
    p.services
        .get(service)
        .and_then(|svc| svc.get("depends_on"))
        .and_then(|d| d.get(dep))
        .and_then(|e| e.get("restart"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// `services` (all when empty) plus, transitively, every service that
/// declares `depends_on: {SERVICE: {restart: true}}` on one of them: what
/// `compose restart` restarts (Compose Specification, depends_on
/// `restart`). Empty stays empty (all services).
pub fn with_restart_dependents(p: &Project, services: &[String]) -> Vec<String> {
    if services.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = services.to_vec();
    let mut i = 0;
    while i < out.len() {
        let dep = out[i].clone();
        for name in p.services.keys() {
            if restarts_with(p, name, &dep) && !out.contains(name) {
                out.push(name.clone());
            }
        }
        i += 1;
    }
    out
}

/// How many replicas a service wants (`--scale`, `scale`, `deploy.replicas`, 1).
pub fn replicas(p: &Project, service: &str, scale: &BTreeMap<String, u32>) -> u32 {
    if let Some(n) = scale.get(service) {
        return *n;
    }
    let svc = &p.services[service];
    svc.get("scale")
        .or_else(|| svc.get("deploy").and_then(|d| d.get("replicas")))
        .and_then(Value::as_u64)
        .map(|n| n as u32)
        .unwrap_or(1)
}

/// The config hash of a service as it would run on `image_id`.
pub fn config_hash(svc: &Mapping, image_id: &str) -> String {
    let mut m = svc.clone();
    m.remove("scale");
    if let Some(Value::Mapping(d)) = m.get_mut("deploy") {
        d.remove("replicas");
    }
    let json = super::emit::canonical_json(&Value::Mapping(m));
    let mut h = sha2::Sha256::new();
    h.update(json.as_bytes());
    h.update(b"\n");
    h.update(image_id.as_bytes());
    hex::encode(h.finalize())
}

// ---------------------------------------------------------------- resources

/// Creates the project's networks and volumes that are missing (checks
/// that external ones exist). Only those used by `services`.
pub fn ensure_resources(store: &Store, p: &Project, services: &[String]) -> Result<()> {
    let mut nets = BTreeSet::new();
    let mut vols = BTreeSet::new();
    for s in services {
        let svc = &p.services[s];
        if let Some(Value::Mapping(n)) = svc.get("networks") {
            nets.extend(n.keys().filter_map(Value::as_str).map(String::from));
        }
        if let Some(Value::Sequence(v)) = svc.get("volumes") {
            for m in v {
                if m.get("type").and_then(Value::as_str) == Some("volume")
                    && let Some(src) = m.get("source").and_then(Value::as_str)
                {
                    vols.insert(src.to_string());
                }
            }
        }
    }
    let existing: BTreeSet<String> =
        crate::network::networks::user_networks(store)?.into_iter().map(|n| n.name).collect();
    for key in nets {
        let net = &p.networks[&key];
        let name = net.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let external = net.get("external").and_then(Value::as_bool) == Some(true);
        if existing.contains(&name) || matches!(name.as_str(), "bridge" | "host" | "none") {
            continue;
        }
        if external {
            return Err(invalid!(
                "network {name} declared as external, but could not be found: create it with `rcon network create {name}`"
            ));
        }
        let pool = net.get("ipam").and_then(|i| i.get("config")).and_then(|c| c.get(0));
        let subnet = pool.and_then(|x| x.get("subnet")).and_then(Value::as_str);
        let gateway = pool.and_then(|x| x.get("gateway")).and_then(Value::as_str);
        progress("Network", &name, "Creating");
        crate::network::networks::create(store, &name, subnet, gateway, Default::default())
            .step(|| format!("network {name}"))?;
        progress("Network", &name, "Created");
    }
    for key in vols {
        let vol = &p.volumes[&key];
        let name = vol.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let external = vol.get("external").and_then(Value::as_bool) == Some(true);
        if crate::volume::get(store, &name).is_ok() {
            continue;
        }
        if external {
            return Err(invalid!("external volume \"{name}\" not found: create it with `rcon volume create {name}`"));
        }
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        if let Some(Value::Mapping(l)) = vol.get("labels") {
            for (k, v) in l {
                labels.insert(k.as_str().unwrap_or_default().into(), v.as_str().unwrap_or_default().into());
            }
        }
        labels.insert(L::PROJECT.into(), p.name.clone());
        labels.insert(L::VOLUME.into(), key.clone());
        labels.insert(L::VERSION.into(), super::VERSION.into());
        progress("Volume", &name, "Creating");
        crate::volume::create(store, Some(&name), labels).step(|| format!("volume {name}"))?;
        progress("Volume", &name, "Created");
    }
    Ok(())
}

// ---------------------------------------------------------------- images

/// When to build and pull.
#[derive(Debug, Clone, Default)]
pub struct ImageOptions {
    /// `--build`: build images before starting.
    pub build: bool,
    /// `--no-build`: never build (a missing built image is an error).
    pub no_build: bool,
    /// `--pull always|missing|never` (None: the service's `pull_policy`).
    pub pull: Option<String>,
    /// Pull quietly.
    pub quiet: bool,
    /// `build --no-cache`.
    pub no_cache: bool,
}

/// Builds the image of a service that has `build` (always, as
/// `compose build` does). Returns the image ID.
pub fn build_service(store: &Store, p: &Project, service: &str, o: &ImageOptions) -> Result<String> {
    let svc = &p.services[service];
    let b = svc.get("build").ok_or_else(|| invalid!("the service has no build section"))?;
    let context = std::path::PathBuf::from(b.get("context").and_then(Value::as_str).unwrap_or("."));
    let dockerfile = b.get("dockerfile").and_then(Value::as_str).map(|d| context.join(d));
    let kv = |key: &str| -> Vec<String> {
        match b.get(key) {
            Some(Value::Mapping(m)) => m
                .iter()
                .filter_map(|(k, v)| {
                    let k = k.as_str()?;
                    Some(match v.as_str() {
                        Some(v) => format!("{k}={v}"),
                        None => p.environment.get(k).map(|v| format!("{k}={v}")).unwrap_or_else(|| k.to_string()),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let tag = image_name(p, service);
    let mut tags = vec![tag.clone()];
    if let Some(Value::Sequence(t)) = b.get("tags") {
        tags.extend(t.iter().filter_map(Value::as_str).map(String::from));
    }
    let opts = crate::build::executor::BuildOptions {
        context,
        dockerfile,
        dockerfile_text: b.get("dockerfile_inline").and_then(Value::as_str).map(String::from),
        tags,
        build_args: kv("args"),
        target: b.get("target").and_then(Value::as_str).map(String::from),
        no_cache: o.no_cache || b.get("no_cache").and_then(Value::as_bool) == Some(true),
        pull: b.get("pull").and_then(Value::as_bool) == Some(true),
        quiet: o.quiet,
        labels: kv("labels"),
        timestamp: None,
        network: b.get("network").and_then(Value::as_str).map(String::from),
        tls_verify: true,
        secrets: Vec::new(),
        ssh: Vec::new(),
    };
    progress("Service", service, "Building");
    let image = crate::build::executor::build(store, &opts, &mut std::io::stderr())
        .step(|| format!("building service {service}"))?;
    progress("Service", service, "Built");
    Ok(image.id.to_string())
}

/// Makes sure a service's image is in the store (builds or pulls it as the
/// options and the service's `pull_policy` say). Returns the image ID.
pub fn ensure_image(store: &Store, p: &Project, service: &str, o: &ImageOptions) -> Result<String> {
    let svc = &p.services[service];
    let name = image_name(p, service);
    let policy = o.pull.clone().or_else(|| svc.get("pull_policy").and_then(Value::as_str).map(String::from));
    let has_build = svc.contains_key("build");
    // A built image without an `image` name exists only here: never pulled.
    let always = policy.as_deref() == Some("always") && svc.contains_key("image");
    if has_build && !o.no_build && (o.build || policy.as_deref() == Some("build")) {
        return build_service(store, p, service, o);
    }
    let present = store.find_image(&name, normalized(&name).as_deref())?;
    if let Some(img) = &present
        && !always
    {
        return Ok(img.id.to_string());
    }
    if has_build && !always {
        if o.no_build {
            return Err(invalid!("service {service}: image {name} is not built and --no-build was given"));
        }
        // As docker compose's `up`: a missing image of a service with a
        // build section is built, not pulled (`compose pull` pulls it).
        return build_service(store, p, service, o);
    }
    let pp = match policy.as_deref() {
        Some("always") => PullPolicy::Always,
        Some("never") => PullPolicy::Never,
        _ => PullPolicy::Missing,
    };
    pull_image(store, service, &name, pp, o)
}

fn normalized(name: &str) -> Option<String> {
    crate::reference::Reference::parse(name).ok().map(|r| r.to_string())
}

fn pull_image(store: &Store, service: &str, name: &str, policy: PullPolicy, o: &ImageOptions) -> Result<String> {
    let pull_opts = crate::registry::PullOptions { quiet: true, tls_verify: true, stdout: false };
    let fetching = policy == PullPolicy::Always || store.find_image(name, normalized(name).as_deref())?.is_none();
    if fetching && !o.quiet {
        progress("Image", name, "Pulling");
    }
    let img = container::resolve_image(store, name, policy, &pull_opts).step(|| format!("service {service}"))?;
    if fetching && !o.quiet {
        progress("Image", name, "Pulled");
    }
    Ok(img.id.to_string())
}

// ---------------------------------------------------------------- containers

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(|x| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

fn list_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(s)) => s.iter().filter_map(|x| str_of(Some(x))).collect(),
        _ => Vec::new(),
    }
}

/// A container's name: `container_name`, else `PROJECT-SERVICE-N`.
pub fn container_name(p: &Project, service: &str, number: u32) -> String {
    match p.services[service].get("container_name").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => format!("{}-{service}-{number}", p.name),
    }
}

/// What one container of a service is made with.
pub struct Planned {
    /// The engine's options.
    pub opts: RunOptions,
    /// Networks to connect after the first (name, aliases, IP).
    pub more_networks: Vec<(String, Vec<String>, Option<std::net::Ipv4Addr>)>,
}

/// Turns a service into `run` options for replica `number` (labels
/// included). `oneoff` marks a `compose run` container.
pub fn plan_container(
    store: &Store,
    p: &Project,
    service: &str,
    number: u32,
    image_id: &str,
    oneoff: bool,
) -> Result<Planned> {
    let svc = &p.services[service];
    let get = |k: &str| svc.get(k);
    let mut o = RunOptions { image: image_name(p, service), ..Default::default() };
    // The image as built or pulled (its ID: a tag moved meanwhile does not matter).
    if store.find_image(&o.image, normalized(&o.image).as_deref())?.is_none() {
        o.image = image_id.to_string();
    }
    o.name = Some(if oneoff {
        format!("{}-{service}-run-{}", p.name, &crate::util::random_hex(12))
    } else {
        container_name(p, service, number)
    });
    let entrypoint = get("entrypoint").map(|e| list_of(Some(e)));
    let command = list_of(get("command"));
    match entrypoint {
        Some(e) if e.is_empty() => {
            o.entrypoint = Some(String::new());
            o.command = command;
        }
        Some(e) => {
            o.entrypoint = Some(e[0].clone());
            o.command = e[1..].to_vec();
            o.command.extend(command);
        }
        None => o.command = command,
    }
    if let Some(Value::Mapping(env)) = get("environment") {
        for (k, v) in env {
            let k = k.as_str().unwrap_or_default();
            match str_of(Some(v)) {
                Some(v) => o.env.push(format!("{k}={v}")),
                None => {
                    if let Some(v) = p.environment.get(k) {
                        o.env.push(format!("{k}={v}"));
                    }
                }
            }
        }
    }
    o.workdir = str_of(get("working_dir"));
    o.user = str_of(get("user"));
    o.hostname = str_of(get("hostname"));
    o.pull = PullPolicy::Never;
    o.restart = str_of(get("restart")).unwrap_or_default();
    if let Some(rp) = get("deploy").and_then(|d| d.get("restart_policy")) {
        o.restart = match rp.get("condition").and_then(Value::as_str) {
            Some("none") => "no".into(),
            Some("on-failure") => match rp.get("max_attempts").and_then(Value::as_u64) {
                Some(n) => format!("on-failure:{n}"),
                None => "on-failure".into(),
            },
            _ => "always".into(),
        };
    }
    if let Some(Value::Mapping(l)) = get("logging").and_then(|l| l.get("options")) {
        o.log_opts = l
            .iter()
            .map(|(k, v)| format!("{}={}", k.as_str().unwrap_or_default(), str_of(Some(v)).unwrap_or_default()))
            .collect();
    }
    if let Some(h) = get("healthcheck") {
        if h.get("disable").and_then(Value::as_bool) == Some(true) {
            o.health.disabled = true;
        }
        let test = list_of(h.get("test"));
        match test.first().map(String::as_str) {
            Some("NONE") => o.health.disabled = true,
            Some("CMD-SHELL") => o.health.cmd = test.get(1).cloned(),
            Some("CMD") => {
                o.health.cmd = Some(shlex::try_join(test[1..].iter().map(String::as_str)).unwrap_or_default());
            }
            _ => {}
        }
        o.health.interval = str_of(h.get("interval"));
        o.health.timeout = str_of(h.get("timeout"));
        o.health.start_period = str_of(h.get("start_period"));
        o.health.retries = h.get("retries").and_then(Value::as_u64).map(|n| n as u32);
    }
    o.stop_signal = str_of(get("stop_signal"));
    if let Some(g) = str_of(get("stop_grace_period")) {
        o.stop_timeout = Some(crate::units::parse_go_duration(&g).map(|d| d.as_secs()).unwrap_or(10));
    }
    // Labels: the service's, then compose's own.
    if let Some(Value::Mapping(l)) = get("labels") {
        for (k, v) in l {
            o.labels.push(format!("{}={}", k.as_str().unwrap_or_default(), str_of(Some(v)).unwrap_or_default()));
        }
    }
    let files: Vec<String> = p.config_files.iter().map(|f| f.display().to_string()).collect();
    let depends: Vec<String> = deps(p, service).iter().map(|(d, c)| format!("{d}:{c}:false")).collect();
    for (k, v) in [
        (L::PROJECT, p.name.clone()),
        (L::SERVICE, service.to_string()),
        (L::NUMBER, number.to_string()),
        (L::ONEOFF, if oneoff { "True" } else { "False" }.to_string()),
        (L::CONFIG_HASH, config_hash(svc, image_id)),
        (L::WORKING_DIR, p.working_dir.display().to_string()),
        (L::CONFIG_FILES, files.join(",")),
        (L::VERSION, super::VERSION.to_string()),
        (L::IMAGE, image_id.to_string()),
        (L::DEPENDS_ON, depends.join(",")),
    ] {
        o.labels.push(format!("{k}={v}"));
    }
    // Networks.
    let mut more = Vec::new();
    match str_of(get("network_mode")) {
        Some(m) => {
            o.network.network = Some(if let Some(other) = m.strip_prefix("service:") {
                let c = containers(store, &p.name)?.into_iter().find(|c| c.service == other && !c.oneoff).ok_or_else(
                    || invalid!("network_mode service:{other}: the service has no container; start it first"),
                )?;
                format!("container:{}", c.row.id)
            } else {
                m
            });
        }
        None => {
            if let Some(Value::Mapping(nets)) = get("networks") {
                let mut first = true;
                for (k, cfg) in nets {
                    let key = k.as_str().unwrap_or_default();
                    let name = p
                        .networks
                        .get(key)
                        .and_then(|n| n.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or(key)
                        .to_string();
                    let mut aliases = vec![service.to_string()];
                    if !oneoff {
                        aliases.push(o.name.clone().unwrap_or_default());
                    }
                    aliases.extend(list_of(cfg.get("aliases")));
                    let ip = match cfg.get("ipv4_address").and_then(Value::as_str) {
                        Some(ip) => {
                            Some(ip.parse().map_err(|_| invalid!("service {service}: invalid ipv4_address {ip:?}"))?)
                        }
                        None => None,
                    };
                    if first {
                        o.network.network = Some(name);
                        o.network.aliases = aliases;
                        o.network.ip = ip.map(|i: std::net::Ipv4Addr| i.to_string());
                        first = false;
                    } else {
                        more.push((name, aliases, ip));
                    }
                }
            }
        }
    }
    if !oneoff && let Some(Value::Sequence(ports)) = get("ports") {
        for port in ports {
            let target = str_of(port.get("target")).unwrap_or_default();
            let proto = str_of(port.get("protocol")).unwrap_or_else(|| "tcp".into());
            let mut spec = String::new();
            if let Some(ip) = str_of(port.get("host_ip")) {
                spec.push_str(&ip);
                spec.push(':');
            }
            match str_of(port.get("published")) {
                Some(pb) => spec.push_str(&format!("{pb}:")),
                None if !spec.is_empty() => spec.push(':'),
                None => {}
            }
            spec.push_str(&format!("{target}/{proto}"));
            o.network.publish.push(spec);
        }
    }
    // `expose`: shown by inspect, as docker compose does (nothing publishes them).
    o.network.expose = list_of(get("expose"));
    o.network.dns = list_of(get("dns"));
    o.network.dns_search = list_of(get("dns_search"));
    o.network.dns_options = list_of(get("dns_opt"));
    o.network.add_hosts = list_of(get("extra_hosts")).into_iter().map(|h| h.replacen('=', ":", 1)).collect();
    // Runtime flags.
    let r = &mut o.runtime;
    r.cap_add = list_of(get("cap_add"));
    r.cap_drop = list_of(get("cap_drop"));
    r.privileged = get("privileged").and_then(Value::as_bool).unwrap_or(false);
    r.security_opt = list_of(get("security_opt"));
    r.read_only = get("read_only").and_then(Value::as_bool).unwrap_or(false);
    r.tmpfs = list_of(get("tmpfs"));
    let limits = get("deploy").and_then(|d| d.get("resources")).and_then(|r| r.get("limits"));
    r.resources.memory = str_of(get("mem_limit")).or_else(|| str_of(limits.and_then(|l| l.get("memory"))));
    r.resources.memory_swap = str_of(get("memswap_limit"));
    r.resources.memory_reservation = str_of(get("mem_reservation"));
    r.resources.cpus = str_of(get("cpus")).or_else(|| str_of(limits.and_then(|l| l.get("cpus"))));
    r.resources.cpu_shares = get("cpu_shares").and_then(Value::as_u64);
    r.resources.cpuset_cpus = str_of(get("cpuset"));
    r.resources.pids_limit = get("pids_limit")
        .and_then(Value::as_i64)
        .or_else(|| limits.and_then(|l| l.get("pids")).and_then(Value::as_i64));
    if let Some(Value::Mapping(u)) = get("ulimits") {
        for (k, v) in u {
            let k = k.as_str().unwrap_or_default();
            r.ulimits.push(match v {
                Value::Mapping(_) => format!(
                    "{k}={}:{}",
                    str_of(v.get("soft")).unwrap_or_default(),
                    str_of(v.get("hard")).unwrap_or_default()
                ),
                other => format!("{k}={}", str_of(Some(other)).unwrap_or_default()),
            });
        }
    }
    r.group_add = list_of(get("group_add"));
    r.init = get("init").and_then(Value::as_bool).unwrap_or(false);
    r.domainname = str_of(get("domainname"));
    if let Some(Value::Mapping(sy)) = get("sysctls") {
        r.sysctls = sy
            .iter()
            .map(|(k, v)| format!("{}={}", k.as_str().unwrap_or_default(), str_of(Some(v)).unwrap_or_default()))
            .collect();
    }
    r.pid = str_of(get("pid"));
    r.ipc = str_of(get("ipc"));
    r.uts = str_of(get("uts"));
    r.shm_size = str_of(get("shm_size"));
    r.devices = list_of(get("devices"));
    r.tty = get("tty").and_then(Value::as_bool).unwrap_or(false);
    r.interactive = get("stdin_open").and_then(Value::as_bool).unwrap_or(false);
    // Mounts.
    if let Some(Value::Sequence(vols)) = get("volumes") {
        for m in vols {
            let ty = m.get("type").and_then(Value::as_str).unwrap_or("volume");
            let target = m.get("target").and_then(Value::as_str).unwrap_or_default();
            let ro = m.get("read_only").and_then(Value::as_bool) == Some(true);
            let source = m.get("source").and_then(Value::as_str);
            match ty {
                "tmpfs" => {
                    let mut spec = format!("type=tmpfs,target={target}");
                    if let Some(sz) = m.get("tmpfs").and_then(|t| t.get("size")).and_then(Value::as_u64) {
                        spec.push_str(&format!(",tmpfs-size={sz}"));
                    }
                    o.mounts.mounts.push(spec);
                }
                "bind" => {
                    let src = source.unwrap_or_default();
                    let create =
                        m.get("bind").and_then(|b| b.get("create_host_path")).and_then(Value::as_bool) != Some(false);
                    if create {
                        o.mounts.volumes.push(format!("{src}:{target}{}", if ro { ":ro" } else { "" }));
                    } else {
                        o.mounts.mounts.push(format!(
                            "type=bind,source={src},target={target}{}",
                            if ro { ",readonly" } else { "" }
                        ));
                    }
                }
                _ => match source {
                    Some(src) => {
                        let name =
                            p.volumes.get(src).and_then(|v| v.get("name")).and_then(Value::as_str).unwrap_or(src);
                        let nocopy =
                            m.get("volume").and_then(|v| v.get("nocopy")).and_then(Value::as_bool) == Some(true);
                        let mut opts = Vec::new();
                        if ro {
                            opts.push("ro");
                        }
                        if nocopy {
                            opts.push("nocopy");
                        }
                        let suffix = if opts.is_empty() { String::new() } else { format!(":{}", opts.join(",")) };
                        o.mounts.volumes.push(format!("{name}:{target}{suffix}"));
                    }
                    None => o.mounts.volumes.push(target.to_string()),
                },
            }
        }
    }
    for vf in list_of(get("volumes_from")) {
        let (what, mode) = match vf.rsplit_once(':') {
            Some((a, m)) if m == "ro" || m == "rw" => (a.to_string(), Some(m.to_string())),
            _ => (vf.clone(), None),
        };
        let name = if let Some(c) = what.strip_prefix("container:") {
            c.to_string()
        } else {
            let svc = what.strip_prefix("service:").unwrap_or(&what);
            if !p.services.contains_key(svc) {
                return Err(invalid!("service {service}: volumes_from refers to an undefined service {svc:?}"));
            }
            container_name(p, svc, 1)
        };
        o.mounts.volumes_from.push(match mode {
            Some(m) => format!("{name}:{m}"),
            None => name,
        });
    }
    for (key, decl) in [("secrets", &p.secrets), ("configs", &p.configs)] {
        if let Some(Value::Sequence(refs)) = get(key) {
            for r in refs {
                let src = r.get("source").and_then(Value::as_str).unwrap_or_default();
                let file =
                    source_file(store, p, key, src, &decl[src]).step(|| format!("service {service}: {key} {src}"))?;
                let target = match r.get("target").and_then(Value::as_str) {
                    Some(t) if t.starts_with('/') => t.to_string(),
                    Some(t) if key == "secrets" => format!("/run/secrets/{t}"),
                    Some(t) => format!("/{t}"),
                    None => format!("/{src}"),
                };
                o.mounts.volumes.push(format!("{file}:{target}:ro"));
            }
        }
    }
    Ok(Planned { opts: o, more_networks: more })
}

/// The host file holding top-level secret or config `name` (`kind` is
/// `secrets` or `configs`): its `file`, or for an `environment:` source
/// (the variable's value in the project's environment) or a `content:`
/// source (the text itself) a file written under the store,
/// `ROOT/compose/PROJECT/KIND/NAME` (mode 0644; `down` removes it).
/// Errors: an `environment` variable that is not set, the file cannot be
/// written.
fn source_file(store: &Store, p: &Project, kind: &str, name: &str, decl: &Mapping) -> Result<String> {
    if let Some(file) = decl.get("file").and_then(Value::as_str) {
        return Ok(file.to_string());
    }
    let text =
        match (decl.get("environment").and_then(Value::as_str), decl.get("content").and_then(Value::as_str)) {
            (Some(var), _) => p.environment.get(var).cloned().or_else(|| std::env::var(var).ok()).ok_or_else(|| {
                invalid!("environment variable {var} is not set: set it, or give `file` or `content`")
            })?,
            (None, Some(content)) => content.to_string(),
            (None, None) => return Err(invalid!("no source: give `file`, `environment` or `content`")),
        };
    let dir = project_files(store, &p.name).join(kind);
    std::fs::create_dir_all(&dir).step(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(name);
    crate::util::write_atomic(&path, text.as_bytes(), 0o644, false)
        .step(|| format!("cannot write {}", path.display()))?;
    Ok(path.display().to_string())
}

/// Where a project's generated files (secrets and configs given as
/// `environment` or `content`) live: `ROOT/compose/PROJECT`.
fn project_files(store: &Store, project: &str) -> std::path::PathBuf {
    store.root().join("compose").join(project)
}

/// Creates (and connects) one container; it is not started.
pub fn create_container(store: &Store, plan: &Planned) -> Result<String> {
    let name = plan.opts.name.clone().unwrap_or_default();
    let created = container::create(store, &plan.opts).step(|| format!("container {name}"))?;
    let id = created.record.id.clone();
    container::cleanup::release(store, &id);
    for (net, aliases, ip) in &plan.more_networks {
        crate::network::connect(store, &id, net, aliases, *ip).step(|| format!("container {name}: network {net}"))?;
    }
    Ok(id)
}

/// Stops then removes a container (`timeout`: seconds before SIGKILL).
fn stop_remove(store: &Store, c: &ContainerRow, timeout: Option<u64>) -> Result<()> {
    if c.state.status == ContainerStatus::Running {
        progress("Container", &c.name, "Stopping");
        container::lifecycle::stop(store, &c.id, timeout)?;
        progress("Container", &c.name, "Stopped");
    }
    progress("Container", &c.name, "Removing");
    container::remove(store, &c.id, true)?;
    progress("Container", &c.name, "Removed");
    Ok(())
}

/// What `up` and `create` were asked.
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// Services named (empty: all).
    pub services: Vec<String>,
    /// Image handling.
    pub images: ImageOptions,
    /// `--force-recreate`.
    pub force_recreate: bool,
    /// `--no-recreate`.
    pub no_recreate: bool,
    /// `--no-deps`.
    pub no_deps: bool,
    /// `--remove-orphans`.
    pub remove_orphans: bool,
    /// `--scale SERVICE=N`.
    pub scale: BTreeMap<String, u32>,
    /// `--no-start` / `create`: create only.
    pub no_start: bool,
    /// `-t`: stop timeout for recreated containers.
    pub timeout: Option<u64>,
}

/// Brings the project's containers to the model: creates networks and
/// volumes, builds or pulls images, then per dependency level (the
/// level's replicas at the same time, each in a forked child) recreates
/// changed containers, starts stopped ones, removes extra replicas,
/// waiting for each dependency's condition first. Returns the
/// names of the service containers (all replicas) in start order.
pub fn up(store: &Store, p: &Project, o: &UpOptions) -> Result<Vec<(String, String)>> {
    for w in &p.warnings {
        eprintln!("WARN[0000] {w}");
    }
    let order = ordered_services(p, &o.services, o.no_deps)?;
    for s in o.scale.keys() {
        if !p.services.contains_key(s) {
            return Err(invalid!("--scale: no such service: {s}"));
        }
    }
    // Orphans: containers of services no longer in the model.
    let existing = containers(store, &p.name)?;
    let orphans: Vec<&ProjectContainer> = existing
        .iter()
        .filter(|c| !c.oneoff && !p.services.contains_key(&c.service) && !p.disabled.contains(&c.service))
        .collect();
    if !orphans.is_empty() {
        if o.remove_orphans {
            for c in &orphans {
                stop_remove(store, &c.row, o.timeout)?;
            }
        } else {
            let names: Vec<&str> = orphans.iter().map(|c| c.row.name.as_str()).collect();
            eprintln!(
                "WARN[0000] Found orphan containers ({}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
                names.join(", ")
            );
        }
    }
    ensure_resources(store, p, &order)?;
    // Images first: nothing is created if one cannot be had.
    let mut image_ids = BTreeMap::new();
    for s in &order {
        image_ids.insert(s.clone(), ensure_image(store, p, s, &o.images)?);
    }
    // Services start by dependency level: a level's services (and their
    // replicas) at the same time, each in its own process, once every
    // dependency's condition holds.
    let mut started = Vec::new();
    // Services with a container created, recreated or restarted by this
    // `up`: their dependents with `depends_on: {SERVICE: {restart: true}}`
    // restart the containers they keep (Compose Specification, depends_on
    // `restart`), transitively.
    let mut updated: BTreeSet<String> = BTreeSet::new();
    for level in levels(p, &order) {
        if !o.no_start {
            for s in &level {
                wait_dependencies(store, p, s)?;
            }
        }
        let mut steps = Vec::new();
        for s in &level {
            let want = replicas(p, s, &o.scale);
            if want > 1 && p.services[s].contains_key("container_name") {
                return Err(invalid!("service {s}: container_name is set, so it cannot be scaled to {want}"));
            }
            let mine: Vec<ProjectContainer> =
                containers(store, &p.name)?.into_iter().filter(|c| &c.service == s && !c.oneoff).collect();
            // Extra replicas go, highest numbers first.
            for c in mine.iter().rev().filter(|c| c.number > want) {
                stop_remove(store, &c.row, o.timeout)?;
            }
            let restart = updated.iter().any(|d| restarts_with(p, s, d));
            for n in 1..=want {
                let current = mine.iter().find(|c| c.number == n).map(|c| c.row.clone());
                steps.push((s.clone(), n, current, restart));
            }
        }
        let ids = container::parallel::all(&steps, |(s, n, current, restart)| {
            Ok(up_replica(store, p, o, s, *n, &image_ids[s], current.as_ref(), *restart)?)
        })?;
        for ((s, n, current, restart), id) in steps.iter().zip(ids) {
            // Created, recreated, or restarted for a dependency (so that
            // its own `restart: true` dependents follow, as `compose
            // restart` does).
            let kept_running = current.as_ref().is_some_and(|c| c.state.status == ContainerStatus::Running);
            if current.as_ref().is_none_or(|c| c.id != id) || (*restart && kept_running && !o.no_start) {
                updated.insert(s.clone());
            }
            let name = container_name(p, s, *n);
            started.push((name, id));
        }
    }
    Ok(started)
}

/// The services of `order` (dependencies first) grouped into levels: each
/// level's services depend only on services of earlier levels.
fn levels(p: &Project, order: &[String]) -> Vec<Vec<String>> {
    let mut level_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out: Vec<Vec<String>> = Vec::new();
    for s in order {
        let l = deps(p, s).keys().filter_map(|d| level_of.get(d.as_str())).map(|l| l + 1).max().unwrap_or(0);
        level_of.insert(s, l);
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        out[l].push(s.clone());
    }
    out
}

/// Brings replica `n` of `service` to the model: keeps `current` when its
/// config hash matches (starting it if stopped, restarting it if running
/// and `restart`: a dependency it restarts with was updated), else
/// recreates it, or creates it when there is none. Returns the container's
/// ID.
#[allow(clippy::too_many_arguments)]
fn up_replica(
    store: &Store,
    p: &Project,
    o: &UpOptions,
    s: &str,
    n: u32,
    image_id: &str,
    current: Option<&ContainerRow>,
    restart: bool,
) -> Result<String> {
    let plan = plan_container(store, p, s, n, image_id, false)?;
    let hash = config_hash(&p.services[s], image_id);
    let name = plan.opts.name.clone().unwrap_or_default();
    Ok(match current {
        Some(c) if o.no_recreate || (!o.force_recreate && c.labels.get(L::CONFIG_HASH) == Some(&hash)) => {
            if !o.no_start && c.state.status != ContainerStatus::Running {
                progress("Container", &name, "Starting");
                container::start(store, &c.id)?;
                progress("Container", &name, "Started");
            } else if restart && !o.no_start {
                progress("Container", &name, "Restarting");
                container::lifecycle::stop(store, &c.id, o.timeout)?;
                container::start(store, &c.id)?;
                progress("Container", &name, "Restarted");
            } else {
                progress("Container", &name, "Running");
            }
            c.id.clone()
        }
        Some(c) => {
            progress("Container", &name, "Recreate");
            stop_remove(store, c, o.timeout)?;
            let id = create_container(store, &plan)?;
            progress("Container", &name, "Recreated");
            start_new(store, &id, &name, o.no_start)?;
            id
        }
        None => {
            progress("Container", &name, "Creating");
            let id = create_container(store, &plan)?;
            progress("Container", &name, "Created");
            start_new(store, &id, &name, o.no_start)?;
            id
        }
    })
}

fn start_new(store: &Store, id: &str, name: &str, no_start: bool) -> Result<()> {
    if no_start {
        return Ok(());
    }
    progress("Container", name, "Starting");
    container::start(store, id).step(|| format!("container {name}"))?;
    progress("Container", name, "Started");
    Ok(())
}

/// Waits until every dependency of `service` meets its `depends_on`
/// condition. Errors: a dependency that is unhealthy, exits non-zero for
/// `service_completed_successfully`, or has no container.
pub fn wait_dependencies(store: &Store, p: &Project, service: &str) -> Result<()> {
    for (dep, cond) in deps(p, service) {
        if cond == "service_started" {
            continue;
        }
        let ctrs: Vec<ProjectContainer> =
            containers(store, &p.name)?.into_iter().filter(|c| c.service == dep && !c.oneoff).collect();
        if ctrs.is_empty() {
            return Err(invalid!("service {service} depends on {dep}, which has no container"));
        }
        for c in ctrs {
            progress("Container", &c.row.name, "Waiting");
            wait_condition(store, &c.row.id, &c.row.name, &cond)?;
            progress("Container", &c.row.name, if cond == "service_healthy" { "Healthy" } else { "Exited" });
        }
    }
    Ok(())
}

/// Waits for one container to be healthy (`service_healthy`) or to have
/// exited with 0 (`service_completed_successfully`).
pub fn wait_condition(store: &Store, id: &str, name: &str, cond: &str) -> Result<()> {
    loop {
        let st = store.container_state(id)?;
        match cond {
            "service_healthy" => {
                match st.health.as_ref().map(|h| h.status.as_str()) {
                    None => {
                        return Err(invalid!(
                            "container {name} has no healthcheck, so it can never be healthy (depends_on: service_healthy)"
                        ));
                    }
                    Some("healthy") => return Ok(()),
                    Some("unhealthy") => {
                        return Err(failed!("dependency failed to start: container {name} is unhealthy"));
                    }
                    _ => {}
                }
                if st.status != ContainerStatus::Running {
                    return Err(failed!(
                        "dependency failed to start: container {name} exited ({})",
                        st.exit_code.unwrap_or(-1)
                    ));
                }
            }
            "service_completed_successfully" => {
                if st.status != ContainerStatus::Running && st.status != ContainerStatus::Created {
                    let code = st.exit_code.unwrap_or(-1);
                    if code != 0 {
                        return Err(failed!("service {name} didn't complete successfully: exit {code}"));
                    }
                    return Ok(());
                }
            }
            _ => return Ok(()),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `up --wait`: every container running (and healthy if it has a
/// healthcheck), or an error naming the first that is not, within `timeout`.
pub fn wait_running(store: &Store, started: &[(String, String)], timeout: Option<Duration>) -> Result<()> {
    let deadline = timeout.map(|t| Instant::now() + t);
    for (name, id) in started {
        loop {
            let st = store.container_state(id)?;
            if st.status != ContainerStatus::Running {
                return Err(failed!("container {name} exited ({})", st.exit_code.unwrap_or(-1)));
            }
            match st.health.as_ref().map(|h| h.status.as_str()) {
                None | Some("healthy") => break,
                Some("unhealthy") => return Err(failed!("container {name} is unhealthy")),
                _ => {}
            }
            if deadline.is_some_and(|d| Instant::now() > d) {
                return Err(failed!("timeout waiting for container {name} to be healthy"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        progress("Container", name, "Healthy");
    }
    Ok(())
}

/// What `down` was asked.
#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    /// `-v`: remove named volumes declared in the file, and anonymous ones.
    pub volumes: bool,
    /// `--remove-orphans`.
    pub remove_orphans: bool,
    /// `-t`.
    pub timeout: Option<u64>,
    /// `--rmi local|all`.
    pub rmi: Option<String>,
}

/// Stops and removes the project's containers (all of them, one-off
/// `run` containers too), then its networks, then (`-v`) its volumes.
/// `p` is the model when a file was found (it names the networks and
/// volumes); without it, only what the labels find is removed.
pub fn down(store: &Store, name: &str, p: Option<&Project>, o: &DownOptions) -> Result<()> {
    let all = containers(store, name)?;
    // Reverse dependency order: dependents stop first; one-off containers
    // before all; the containers of one level at the same time.
    let level_of: BTreeMap<String, usize> = match p {
        Some(p) => {
            let order = ordered_services(p, &[], false)?;
            let levels = levels(p, &order);
            let top = levels.len();
            levels.into_iter().enumerate().flat_map(|(i, l)| l.into_iter().map(move |s| (s, top - i))).collect()
        }
        None => BTreeMap::new(),
    };
    let rank = |c: &ProjectContainer| if c.oneoff { 0 } else { level_of.get(&c.service).copied().unwrap_or(1) };
    let mut ctrs: Vec<&ProjectContainer> = all
        .iter()
        .filter(|c| {
            c.oneoff
                || o.remove_orphans
                || p.is_none_or(|p| p.services.contains_key(&c.service) || p.disabled.contains(&c.service))
        })
        .collect();
    ctrs.sort_by_key(|c| rank(c));
    let orphans = all.len() - ctrs.len();
    if orphans > 0 {
        eprintln!("WARN[0000] Found orphan containers for this project; `down --remove-orphans` removes them.");
    }
    let images: BTreeSet<String> = ctrs.iter().map(|c| c.row.image.clone()).collect();
    // Stops go level by level; the removals (files, network, rules: the
    // slow part) then all at once.
    for group in ctrs.chunk_by(|a, b| rank(a) == rank(b)) {
        let running: Vec<&&ProjectContainer> =
            group.iter().filter(|c| c.row.state.status == ContainerStatus::Running).collect();
        container::parallel::all(&running, |c| {
            progress("Container", &c.row.name, "Stopping");
            container::lifecycle::stop(store, &c.row.id, o.timeout)?;
            progress("Container", &c.row.name, "Stopped");
            Ok(String::new())
        })?;
    }
    {
        container::parallel::all(&ctrs, |c| {
            let anon: Vec<String> = c.row.volumes.clone();
            progress("Container", &c.row.name, "Removing");
            container::remove(store, &c.row.id, true)?;
            progress("Container", &c.row.name, "Removed");
            if o.volumes {
                // Anonymous volumes (64 hex digits) of the container go with it.
                for v in anon.iter().filter(|v| v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit())) {
                    let _ = crate::volume::remove(store, v);
                }
            }
            Ok(String::new())
        })?;
    }
    let files = project_files(store, name);
    if files.exists() {
        std::fs::remove_dir_all(&files).step(|| format!("cannot remove {}", files.display()))?;
    }
    // Networks: the model's (non-external), else `NAME_default`.
    let mut nets: Vec<String> = match p {
        Some(p) => p
            .networks
            .values()
            .filter(|n| n.get("external").and_then(Value::as_bool) != Some(true))
            .filter_map(|n| n.get("name").and_then(Value::as_str).map(String::from))
            .collect(),
        None => vec![format!("{name}_default")],
    };
    nets.sort();
    for n in nets {
        match crate::network::remove_network(store, &n) {
            Ok(_) => {
                progress("Network", &n, "Removing");
                progress("Network", &n, "Removed");
            }
            Err(crate::network::Error::NoSuchNetwork(_)) => {}
            Err(e) => eprintln!("WARN[0000] network {n}: {e}"),
        }
    }
    if o.volumes {
        let mut vols: Vec<String> = Vec::new();
        if let Some(p) = p {
            vols.extend(
                p.volumes
                    .values()
                    .filter(|v| v.get("external").and_then(Value::as_bool) != Some(true))
                    .filter_map(|v| v.get("name").and_then(Value::as_str).map(String::from)),
            );
        }
        for v in crate::volume::list(store)? {
            if v.labels.get(L::PROJECT).map(String::as_str) == Some(name) && !vols.contains(&v.name) {
                vols.push(v.name.clone());
            }
        }
        for v in vols {
            if crate::volume::get(store, &v).is_ok() {
                progress("Volume", &v, "Removing");
                crate::volume::remove(store, &v).step(|| format!("volume {v}"))?;
                progress("Volume", &v, "Removed");
            }
        }
    }
    if let Some(rmi) = &o.rmi {
        let mut tags: BTreeSet<String> = BTreeSet::new();
        if let Some(p) = p {
            for s in p.services.keys() {
                let local = !p.services[s].contains_key("image");
                if rmi == "all" || local {
                    tags.insert(image_name(p, s));
                }
            }
        } else if rmi == "all" {
            tags = images;
        }
        for t in tags {
            let still_used = store.list_containers(&Default::default())?.iter().any(|r| r.image == t);
            if still_used {
                continue;
            }
            if let Ok(Some(_)) = store.untag(&normalized(&t).unwrap_or(t.clone())) {
                progress("Image", &t, "Removed");
            }
        }
    }
    Ok(())
}

/// The containers of `services` (all when empty) of project `name`,
/// without one-off containers unless `oneoff`.
pub fn service_containers(
    store: &Store,
    name: &str,
    services: &[String],
    oneoff: bool,
) -> Result<Vec<ProjectContainer>> {
    Ok(containers(store, name)?
        .into_iter()
        .filter(|c| (oneoff || !c.oneoff) && (services.is_empty() || services.contains(&c.service)))
        .collect())
}

/// `compose stop`: stops the containers, dependents first.
pub fn stop(store: &Store, name: &str, p: Option<&Project>, services: &[String], timeout: Option<u64>) -> Result<()> {
    let mut ctrs = service_containers(store, name, services, false)?;
    if let Some(p) = p {
        let order: Vec<String> = ordered_services(p, &[], true)?.into_iter().rev().collect();
        ctrs.sort_by_key(|c| order.iter().position(|x| x == &c.service).unwrap_or(0));
    }
    for c in ctrs {
        if c.row.state.status == ContainerStatus::Running {
            progress("Container", &c.row.name, "Stopping");
            container::lifecycle::stop(store, &c.row.id, timeout)?;
            progress("Container", &c.row.name, "Stopped");
        }
    }
    Ok(())
}

/// `compose start`: starts existing containers, dependencies first
/// (waiting for their conditions).
pub fn start(store: &Store, p: &Project, services: &[String]) -> Result<()> {
    let order = ordered_services(p, services, true)?;
    for s in &order {
        wait_dependencies(store, p, s)?;
        for c in service_containers(store, &p.name, std::slice::from_ref(s), false)? {
            if c.row.state.status != ContainerStatus::Running {
                progress("Container", &c.row.name, "Starting");
                container::start(store, &c.row.id)?;
                progress("Container", &c.row.name, "Started");
            }
        }
    }
    Ok(())
}

/// `compose kill`: sends `signal` to the running containers.
pub fn kill(store: &Store, name: &str, services: &[String], signal: &str) -> Result<()> {
    let sig = container::lifecycle::parse_signal(signal)?;
    for c in service_containers(store, name, services, false)? {
        if c.row.state.status == ContainerStatus::Running {
            progress("Container", &c.row.name, "Killing");
            container::lifecycle::kill(store, &c.row.id, sig)?;
            progress("Container", &c.row.name, "Killed");
        }
    }
    Ok(())
}

/// `compose rm`: removes stopped containers (running ones too with `stop`).
pub fn rm(store: &Store, name: &str, services: &[String], stop_first: bool, volumes: bool) -> Result<()> {
    for c in service_containers(store, name, services, false)? {
        if c.row.state.status == ContainerStatus::Running {
            if !stop_first {
                continue;
            }
            container::lifecycle::stop(store, &c.row.id, None)?;
        }
        let anon = c.row.volumes.clone();
        progress("Container", &c.row.name, "Removing");
        container::remove(store, &c.row.id, true)?;
        progress("Container", &c.row.name, "Removed");
        if volumes {
            for v in anon.iter().filter(|v| v.len() == 64) {
                let _ = crate::volume::remove(store, v);
            }
        }
    }
    Ok(())
}

/// `compose run`'s options.
#[derive(Debug, Clone, Default)]
pub struct RunOneOff {
    /// The service.
    pub service: String,
    /// The command (empty: the service's).
    pub command: Vec<String>,
    /// `-e`.
    pub env: Vec<String>,
    /// `--rm`.
    pub rm: bool,
    /// `-d`.
    pub detach: bool,
    /// `--service-ports`.
    pub service_ports: bool,
    /// `--no-deps`.
    pub no_deps: bool,
    /// `--name`.
    pub name: Option<String>,
    /// `--entrypoint`.
    pub entrypoint: Option<String>,
    /// `-u`.
    pub user: Option<String>,
    /// `-w`.
    pub workdir: Option<String>,
    /// `-T` not given and stdin is a terminal.
    pub tty: bool,
    /// Image handling.
    pub images: ImageOptions,
}

/// `compose run`: starts the dependencies (unless `no_deps`), then a
/// one-off container of the service. Returns the options to run it with
/// (the caller runs it in the foreground or detached).
pub fn plan_run(store: &Store, p: &Project, r: &RunOneOff) -> Result<RunOptions> {
    if !p.services.contains_key(&r.service) {
        return Err(Error::NoSuchService(r.service.clone()));
    }
    if !r.no_deps {
        let deps: Vec<String> = ordered_services(p, std::slice::from_ref(&r.service), false)?
            .into_iter()
            .filter(|s| s != &r.service)
            .collect();
        if !deps.is_empty() {
            up(store, p, &UpOptions { services: deps, no_deps: true, images: r.images.clone(), ..Default::default() })?;
            wait_dependencies(store, p, &r.service)?;
        }
    }
    ensure_resources(store, p, std::slice::from_ref(&r.service))?;
    let image_id = ensure_image(store, p, &r.service, &r.images)?;
    let mut plan = plan_container(store, p, &r.service, 1, &image_id, true)?;
    if r.service_ports {
        let full = plan_container(store, p, &r.service, 1, &image_id, false)?;
        plan.opts.network.publish = full.opts.network.publish;
    }
    let o = &mut plan.opts;
    if let Some(n) = &r.name {
        o.name = Some(n.clone());
    }
    if !r.command.is_empty() {
        o.command = r.command.clone();
        if let Some(e) = p.services[&r.service].get("entrypoint") {
            // The service's entrypoint stays; its command is replaced.
            let e = list_of(Some(e));
            if let Some((first, rest)) = e.split_first() {
                o.entrypoint = Some(first.clone());
                let mut cmd = rest.to_vec();
                cmd.extend(r.command.clone());
                o.command = cmd;
            }
        }
    }
    if let Some(e) = &r.entrypoint {
        o.entrypoint = Some(e.clone());
    }
    o.env.extend(r.env.iter().cloned());
    if r.user.is_some() {
        o.user = r.user.clone();
    }
    if r.workdir.is_some() {
        o.workdir = r.workdir.clone();
    }
    o.auto_remove = r.rm;
    o.restart = String::new();
    o.runtime.tty = r.tty;
    o.runtime.interactive = !r.detach;
    if !plan.more_networks.is_empty() {
        return Err(invalid!("compose run of a service on several networks is not supported by rcon yet"));
    }
    Ok(plan.opts)
}

/// `compose push`: pushes the image of every service (of `services`, all
/// when empty) that names one in `image`, from the store to its registry.
/// Errors: an image that is not in the store (build or pull it first),
/// registry errors (unless `ignore_failures`, which only warns).
pub fn push(store: &Store, p: &Project, services: &[String], quiet: bool, ignore_failures: bool) -> Result<()> {
    for s in ordered_services(p, services, true)? {
        let Some(name) = p.services[&s].get("image").and_then(Value::as_str) else { continue };
        let pushed = (|| -> Result<()> {
            let image = store
                .find_image(name, normalized(name).as_deref())?
                .ok_or_else(|| invalid!("service {s}: no image {name} in the store: build or pull it first"))?;
            let dest = crate::reference::Reference::parse(name)?;
            let opts = crate::registry::push::PushOptions { quiet, tls_verify: true, format: None };
            progress("Image", name, "Pushing");
            crate::registry::push::push_image(store, &image, &dest, &opts, &Default::default())
                .step(|| format!("service {s}: pushing {name}"))?;
            progress("Image", name, "Pushed");
            Ok(())
        })();
        match pushed {
            Err(e) if ignore_failures => eprintln!("WARN[0000] {}", crate::util::error_chain(&e)),
            r => r?,
        }
    }
    Ok(())
}
