//! `rcon pod create|ls|ps|inspect|start|stop|restart|kill|pause|unpause|rm|
//! prune|top|logs|stats`: glue over [`crate::pod`], with podman's flags and
//! columns.

use super::Context;
use crate::format::{Table, ago};
use crate::pod;
use clap::{Args, Subcommand};
use std::io::Write;

/// `rcon pod`.
#[derive(Debug, Args)]
pub struct PodArgs {
    #[command(subcommand)]
    pub command: PodCommand,
}

/// The pod subcommands.
#[derive(Debug, Subcommand)]
pub enum PodCommand {
    /// Create a new, empty pod (its infra holds the shared namespaces)
    Create(CreateArgs),
    /// List pods
    #[command(visible_aliases = ["list", "ps"])]
    Ls(LsArgs),
    /// Display detailed information on pods as JSON
    Inspect(Pods),
    /// Start pods (the infra first, then every container)
    Start(Pods),
    /// Stop pods (every container, then the infra)
    Stop(StopArgs),
    /// Restart pods
    Restart(StopArgs),
    /// Send a signal to every running container of pods
    Kill(KillArgs),
    /// Pause every container of pods
    Pause(Pods),
    /// Unpause every container of pods
    Unpause(Pods),
    /// Remove pods and their containers
    Rm(RmArgs),
    /// Remove every pod none of whose containers runs
    Prune(PruneArgs),
    /// Display the running processes of a pod's containers
    Top(TopArgs),
    /// Fetch the logs of a pod's containers
    Logs(LogsArgs),
    /// Display resource usage of a pod's containers
    Stats(StatsArgs),
}

impl PodCommand {
    /// True for the subcommands that start container processes.
    pub fn starts_container_processes(&self) -> bool {
        matches!(self, PodCommand::Start(_) | PodCommand::Restart(_))
    }
}

/// Flags of `rcon pod create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Assign a name to the pod
    #[arg(short, long, value_name = "NAME")]
    pub name: Option<String>,
    /// Host name of the pod's containers (default: the pod's name)
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Set metadata on the pod (KEY=VALUE)
    #[arg(short, long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Publish a port of the pod on the host: [IP:][HOST:]CONTAINER[/PROTO]
    #[arg(short, long = "publish", value_name = "SPEC")]
    pub publish: Vec<String>,
    /// Network of the pod: bridge (default), none, host or a network's name
    #[arg(long, value_name = "NETWORK")]
    pub network: Option<String>,
    /// Add a custom host-to-IP mapping (NAME:IP)
    #[arg(long = "add-host", value_name = "NAME:IP")]
    pub add_host: Vec<String>,
    /// Set custom DNS servers
    #[arg(long, value_name = "IP")]
    pub dns: Vec<String>,
    /// Set custom DNS search domains
    #[arg(long = "dns-search", value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
}

/// Flags of `rcon pod ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only print pod IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not truncate IDs
    #[arg(long)]
    pub no_trunc: bool,
    /// Output format: "json" or a Go template
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

/// Pods named on the command line.
#[derive(Debug, Args)]
pub struct Pods {
    /// Pods: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

/// Flags of `rcon pod stop` and `restart`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait for each container before killing it
    #[arg(short = 't', long = "time", visible_alias = "timeout", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Pods: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

/// Flags of `rcon pod kill`.
#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal to send, by name or number
    #[arg(short, long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Pods: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

/// Flags of `rcon pod rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Stop and remove running pods (SIGKILL)
    #[arg(short, long)]
    pub force: bool,
    /// Also remove the containers' anonymous volumes
    #[arg(short, long)]
    pub volumes: bool,
    /// Pods: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

/// Flags of `rcon pod prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Do not ask for confirmation (rcon never asks)
    #[arg(short, long)]
    pub force: bool,
}

/// Flags of `rcon pod top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Pod: name, ID or unique ID prefix
    #[arg(value_name = "POD")]
    pub pod: String,
    /// Options for ps(1) (default -ef)
    #[arg(value_name = "PS OPTIONS", trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

/// Flags of `rcon pod logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only this container of the pod (name or ID)
    #[arg(short, long, value_name = "CONTAINER")]
    pub container: Option<String>,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Number of lines to show from the end of each container's log ("all")
    #[arg(short = 'n', long, default_value = "all", value_name = "N")]
    pub tail: String,
    /// Pod: name, ID or unique ID prefix
    #[arg(value_name = "POD")]
    pub pod: String,
}

/// Flags of `rcon pod stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Disable streaming stats and only pull the first result
    #[arg(long)]
    pub no_stream: bool,
    /// Pods: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "POD")]
    pub pods: Vec<String>,
}

/// Runs a pod subcommand.
pub fn run(ctx: &Context, a: PodArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    match a.command {
        PodCommand::Create(c) => {
            let opts = pod::CreateOptions {
                name: c.name,
                hostname: c.hostname,
                labels: c.label,
                publish: c.publish,
                network: c.network,
                add_hosts: c.add_host,
                dns: c.dns,
                dns_search: c.dns_search,
            };
            println!("{}", pod::create(&store, &opts)?.id);
            Ok(0)
        }
        PodCommand::Ls(l) => ls(&store, l),
        PodCommand::Inspect(p) => {
            let mut out = Vec::new();
            let mut code = 0;
            for name in &p.pods {
                match store.find_pod(name).map_err(pod::Error::from).and_then(|pod| pod::inspect_json(&store, &pod)) {
                    Ok(v) => out.push(v),
                    Err(e) => {
                        super::print_error(&e.into());
                        code = 125;
                    }
                }
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(code)
        }
        PodCommand::Start(p) => each(&p.pods, |n| pod::start(&store, n).map(|p| p.id)),
        PodCommand::Stop(s) => each(&s.pods, |n| pod::stop(&store, n, s.time).map(|p| p.id)),
        PodCommand::Restart(s) => each(&s.pods, |n| {
            pod::stop(&store, n, s.time)?;
            pod::start(&store, n).map(|p| p.id)
        }),
        PodCommand::Kill(k) => {
            let signal = crate::container::lifecycle::parse_signal(&k.signal)?;
            each(&k.pods, |n| pod::kill(&store, n, signal).map(|p| p.id))
        }
        PodCommand::Pause(p) => pause(ctx, &store, &p.pods, true),
        PodCommand::Unpause(p) => pause(ctx, &store, &p.pods, false),
        PodCommand::Rm(r) => each(&r.pods, |n| pod::remove(&store, n, r.force, r.volumes).map(|p| p.id)),
        PodCommand::Prune(_) => {
            for id in pod::prune(&store)? {
                println!("{id}");
            }
            Ok(0)
        }
        PodCommand::Top(t) => top(&store, t),
        PodCommand::Logs(l) => logs(&store, l),
        PodCommand::Stats(s) => {
            let mut containers = Vec::new();
            for name in &s.pods {
                let p = store.find_pod(name)?;
                containers.extend(pod::members(&store, &p)?.into_iter().filter(|c| !pod::is_infra(c)).map(|c| c.name));
            }
            if containers.is_empty() {
                return Ok(0);
            }
            let a = super::container::StatsArgs {
                all: true,
                format: None,
                no_stream: s.no_stream,
                no_trunc: false,
                containers,
            };
            super::container::stats(ctx, a)
        }
    }
}

/// Runs `f` on each pod, printing the pod's ID or the error; exit 125 if
/// any failed (podman's code).
fn each<E: Into<anyhow::Error>>(pods: &[String], f: impl Fn(&str) -> Result<String, E>) -> anyhow::Result<i32> {
    let mut code = 0;
    for name in pods {
        match f(name).map_err(Into::into) {
            Ok(id) => println!("{id}"),
            Err(e) => {
                super::print_error(&e);
                code = 125;
            }
        }
    }
    Ok(code)
}

fn ls(store: &crate::store::Store, a: LsArgs) -> anyhow::Result<i32> {
    let now = chrono::Utc::now();
    let mut out = std::io::stdout().lock();
    let trunc = |id: &str| if a.no_trunc { id.to_string() } else { id.chars().take(12).collect() };
    let mut rows = Vec::new();
    for p in store.pods()?.into_iter().rev() {
        let members = pod::members(store, &p)?;
        rows.push((p, members));
    }
    if a.quiet {
        for (p, _) in &rows {
            writeln!(out, "{}", trunc(&p.id))?;
        }
        return Ok(0);
    }
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|(p, m)| {
            serde_json::json!({
                "Id": p.id,
                "Name": p.name,
                "Status": pod::status(m),
                "Created": p.created.to_rfc3339(),
                "InfraId": p.infra_id,
                "NumberOfContainers": m.len(),
                "Labels": p.labels,
                "Containers": m.iter().map(|c| serde_json::json!({"Id": c.id, "Names": c.name, "Status": crate::container::inspect::status_word(&c.state)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    if let Some(f) = a.format.as_deref() {
        if f == "json" {
            writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?;
        } else {
            let fmt = crate::format::template::Format::parse(f)?;
            out.write_all(fmt.render(&items, &[])?.as_bytes())?;
        }
        return Ok(0);
    }
    let mut table = Table::new(&["POD ID", "NAME", "STATUS", "CREATED", "INFRA ID", "# OF CONTAINERS"]);
    for (p, m) in &rows {
        table.row(vec![
            trunc(&p.id),
            p.name.clone(),
            pod::status(m).into(),
            ago(p.created, now),
            trunc(&p.infra_id),
            m.len().to_string(),
        ]);
    }
    out.write_all(table.render().as_bytes())?;
    Ok(0)
}

fn pause(ctx: &Context, store: &crate::store::Store, pods: &[String], frozen: bool) -> anyhow::Result<i32> {
    let mut containers = Vec::new();
    for name in pods {
        let p = store.find_pod(name)?;
        containers.extend(
            pod::members(store, &p)?
                .into_iter()
                .filter(|c| c.state.status == crate::store::ContainerStatus::Running && c.state.paused != frozen)
                .map(|c| c.id),
        );
    }
    if containers.is_empty() {
        return Ok(0);
    }
    // The containers' IDs are printed by `pause`, as podman prints them.
    super::container::pause(ctx, super::container::Containers { containers }, frozen)
}

fn top(store: &crate::store::Store, a: TopArgs) -> anyhow::Result<i32> {
    let p = store.find_pod(&a.pod)?;
    let mut pids = Vec::new();
    for c in pod::members(store, &p)? {
        if let (crate::store::ContainerStatus::Running, Some(pid)) = (c.state.status, c.state.pid) {
            pids.extend(super::container::namespace_pids(pid)?);
        }
    }
    if pids.is_empty() {
        anyhow::bail!("pod {} has no running containers", p.name);
    }
    super::container::print_ps(&pids, a.ps_args)
}

fn logs(store: &crate::store::Store, a: LogsArgs) -> anyhow::Result<i32> {
    let p = store.find_pod(&a.pod)?;
    let only = a.container.as_deref().map(|c| store.find_container_row(c)).transpose()?;
    let tail: Option<usize> = if a.tail == "all" { None } else { Some(a.tail.parse()?) };
    let mut lines = Vec::new();
    for c in pod::members(store, &p)?.into_iter().filter(|c| !pod::is_infra(c)) {
        if only.as_ref().is_some_and(|o| o.id != c.id) {
            continue;
        }
        let path = store.container_dir(&c.id).join("ctr.log");
        let mut records = crate::container::logs::read_all(&path).unwrap_or_default();
        if let Some(n) = tail {
            records.drain(..records.len().saturating_sub(n));
        }
        lines.extend(records.into_iter().map(|r| (r.time, c.name.clone(), r)));
    }
    lines.sort_by_key(|(t, _, _)| *t);
    let mut out = std::io::stdout().lock();
    for (t, name, r) in lines {
        if a.timestamps {
            write!(out, "{name} {} ", t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))?;
        } else {
            write!(out, "{name} ")?;
        }
        out.write_all(&r.content)?;
    }
    Ok(0)
}
