//! `rcon top`, `stats`, `pause`, `unpause`, `attach`, and the `rcon
//! container` group: docker's management forms of every container verb.

use super::Context;
use crate::format::human_size4;
use crate::format::template::Format;
use crate::store::{ContainerStatus, Store};
use clap::{Args, Subcommand};
use std::io::Write;

/// `rcon container SUBCOMMAND`.
#[derive(Debug, Args)]
pub struct ContainerArgs {
    #[command(subcommand)]
    command: ContainerCommand,
}

#[derive(Debug, Subcommand)]
enum ContainerCommand {
    /// Attach to a running container's output
    Attach(AttachArgs),
    // `commit` joins here when it exists.
    /// Copy files/folders between a container and the local filesystem
    Cp(super::cp::CpArgs),
    /// Create a new container without starting it
    Create(super::lifecycle::CreateArgs),
    /// Inspect changes to files or directories on a container's filesystem
    Diff(super::diff::DiffArgs),
    /// Execute a command in a running container
    Exec(super::exec::ExecArgs),
    /// Export a container's filesystem as a tar archive
    Export(super::import::ExportArgs),
    /// Display detailed information on one or more containers
    Inspect(InspectArgs),
    /// Kill one or more running containers
    Kill(super::lifecycle::KillArgs),
    /// Fetch the logs of a container
    Logs(super::logs::LogsArgs),
    /// List containers
    #[command(visible_alias = "ps", visible_alias = "list")]
    Ls(super::ps::PsArgs),
    /// Create a new image from a container's changes
    Commit(super::commit::CommitArgs),
    /// Pause all processes within one or more containers
    Pause(Containers),
    /// List port mappings of a container
    Port(super::port::PortArgs),
    /// Remove all stopped containers
    Prune(PruneArgs),
    /// Rename a container
    Rename(RenameArgs),
    /// Restart one or more containers
    Restart(super::lifecycle::StopArgs),
    /// Remove one or more containers
    #[command(visible_alias = "remove")]
    Rm(super::rm::RmArgs),
    /// Create and run a new container from an image
    Run(super::run::RunArgs),
    /// Start one or more stopped containers
    Start(super::lifecycle::StartArgs),
    /// Display a live stream of containers' resource usage
    Stats(StatsArgs),
    /// Stop one or more running containers
    Stop(super::lifecycle::StopArgs),
    /// Display the running processes of a container
    Top(TopArgs),
    /// Unpause all processes within one or more containers
    Unpause(Containers),
    /// Update the resource limits and restart policy of containers
    Update(super::update::UpdateArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(super::lifecycle::WaitArgs),
}

/// Flags of `rcon container inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format the output using a Go template (or "json")
    #[arg(short, long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Display total file sizes (accepted for docker compatibility)
    #[arg(short, long)]
    pub size: bool,
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Flags of `rcon rename`.
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Container: name, ID or unique ID prefix
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Its new name
    #[arg(value_name = "NEW_NAME")]
    pub new_name: String,
}

/// `rcon rename CONTAINER NEW_NAME`.
pub fn rename(ctx: &Context, a: RenameArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    // docker's CLI exits 1 when the engine refuses the rename, and sums up.
    if let Err(e) = crate::container::rename(&store, &a.container, &a.new_name) {
        eprintln!("Error response from daemon: {}", crate::util::error_chain(&e));
        eprintln!("Error: failed to rename container named {}", a.container);
        return Ok(1);
    }
    Ok(0)
}

/// Flags of `rcon container prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Do not prompt for confirmation
    #[arg(short, long)]
    force: bool,
    /// Provide filter values (until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE])
    #[arg(long, value_name = "FILTER")]
    filter: Vec<String>,
}

impl ContainerArgs {
    /// `Some("run")`/`Some("create")` for `container run`/`container
    /// create`, whose errors docker reports as `run`'s (see `cli::main`).
    pub(crate) fn run_verb(&self) -> Option<&'static str> {
        match self.command {
            ContainerCommand::Run(_) => Some("run"),
            ContainerCommand::Create(_) => Some("create"),
            _ => None,
        }
    }

    /// The verbs that start processes a container can see (see `cli::main`).
    pub(crate) fn starts_container_processes(&self) -> bool {
        matches!(
            self.command,
            ContainerCommand::Run(_)
                | ContainerCommand::Start(_)
                | ContainerCommand::Restart(_)
                | ContainerCommand::Exec(_)
        )
    }
}

/// Runs a `container` subcommand.
pub fn container(ctx: &Context, a: ContainerArgs) -> anyhow::Result<i32> {
    use super::{cp, diff, exec, import, lifecycle, logs, port, ps, rm, run, update};
    match a.command {
        ContainerCommand::Commit(c) => super::commit::run(ctx, c),
        ContainerCommand::Attach(a) => attach(ctx, a),
        ContainerCommand::Cp(a) => cp::run(ctx, a),
        ContainerCommand::Create(a) => lifecycle::create(ctx, a),
        ContainerCommand::Diff(a) => diff::run(ctx, a),
        ContainerCommand::Exec(a) => exec::run(ctx, a),
        ContainerCommand::Export(a) => import::run_export(ctx, a),
        ContainerCommand::Inspect(a) => super::inspect::run(
            ctx,
            super::inspect::InspectArgs { format: a.format, kind: Some("container".into()), objects: a.containers },
        ),
        ContainerCommand::Kill(a) => lifecycle::kill(ctx, a),
        ContainerCommand::Logs(a) => logs::run(ctx, a),
        ContainerCommand::Ls(a) => ps::run(ctx, a),
        ContainerCommand::Pause(a) => pause(ctx, a, true),
        ContainerCommand::Port(a) => port::run(ctx, a),
        ContainerCommand::Prune(a) => prune(ctx, a),
        ContainerCommand::Rename(a) => rename(ctx, a),
        ContainerCommand::Restart(a) => lifecycle::restart(ctx, a),
        ContainerCommand::Rm(a) => rm::run(ctx, a),
        ContainerCommand::Run(a) => run::run(ctx, a),
        ContainerCommand::Start(a) => lifecycle::start(ctx, a),
        ContainerCommand::Stats(a) => stats(ctx, a),
        ContainerCommand::Stop(a) => lifecycle::stop(ctx, a),
        ContainerCommand::Top(a) => top(ctx, a),
        ContainerCommand::Unpause(a) => pause(ctx, a, false),
        ContainerCommand::Update(a) => update::run(ctx, a),
        ContainerCommand::Wait(a) => lifecycle::wait(ctx, a),
    }
}

fn prune(ctx: &Context, a: PruneArgs) -> anyhow::Result<i32> {
    let filters = crate::filters::Filters::parse(&a.filter, crate::system::prune::PRUNE_KEYS)
        .map_err(crate::util::DaemonError)?;
    if !a.force && !super::df::confirm("WARNING! This will remove all stopped containers.")? {
        return Ok(0);
    }
    let store = ctx.store()?;
    let (deleted, reclaimed) = crate::system::prune::containers(&store, &filters)?;
    let mut out = std::io::stdout().lock();
    if !deleted.is_empty() {
        writeln!(out, "Deleted Containers:")?;
        for id in deleted {
            writeln!(out, "{id}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "Total reclaimed space: {}", human_size4(reclaimed))?;
    Ok(0)
}

/// Arguments naming one container.
#[derive(Debug, Args)]
pub struct OneContainer {
    /// Container: name, ID or unique ID prefix
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// Arguments naming containers.
#[derive(Debug, Args)]
pub struct Containers {
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// The running init's pid, or an error naming the container.
fn running(store: &Store, name: &str) -> anyhow::Result<(crate::store::ContainerRecord, i32)> {
    let record = store.find_container(name)?;
    let state = store.container_state(&record.id)?;
    match (state.status, state.pid) {
        (ContainerStatus::Running, Some(pid)) => Ok((record, pid)),
        _ => Err(crate::container::Error::NotRunning(record.id).into()),
    }
}

/// Host pids of every process in the PID namespace of `init`.
pub(super) fn namespace_pids(init: i32) -> anyhow::Result<Vec<i32>> {
    Ok(crate::container::lifecycle::namespace_pids(init)?)
}

/// Flags of `rcon top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Container: name, ID or unique ID prefix
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Options for ps(1) (default -ef)
    #[arg(value_name = "PS OPTIONS", trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

/// `rcon top`: the host's `ps` output limited to the container's processes,
/// as docker does it.
pub fn top(ctx: &Context, a: TopArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let (_, init) = running(&store, &a.container).map_err(super::daemon_not_found)?;
    let pids = namespace_pids(init)?;
    print_ps(&pids, a.ps_args)
}

/// Prints the host's `ps ARGS` (default `-ef`) limited to the processes
/// `pids`, with its header (for `top` and `pod top`), as docker does: its
/// daemon splits each line into the header's columns (the last column
/// takes the rest of the line) and its CLI prints them with Go's tabwriter,
/// cells at least 20 wide.
pub(super) fn print_ps(pids: &[i32], ps_args: Vec<String>) -> anyhow::Result<i32> {
    print_ps_table(crate::container::lifecycle::ps_rows(pids, &ps_args)?)
}

/// Prints a `ps` table as [`print_ps`] does (for `compose top`).
pub(super) fn print_ps_table((titles, rows): crate::container::lifecycle::PsTable) -> anyhow::Result<i32> {
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    let mut table = crate::format::Table::new(&titles);
    for row in rows {
        table.row(row);
    }
    std::io::stdout().lock().write_all(table.render_min(20).as_bytes())?;
    Ok(0)
}

/// Flags of `rcon stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Pretty-print stats using a Go template
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Disable streaming stats and only pull the first result
    #[arg(long)]
    pub no_stream: bool,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Containers (default: all running)
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `rcon stats`: docker's columns (CPU %, memory, NET I/O, BLOCK I/O,
/// PIDS), redrawn every second until interrupted, or once with `--no-stream`.
pub fn stats(ctx: &Context, a: StatsArgs) -> anyhow::Result<i32> {
    use crate::container::stats::{self as st, Row};
    let store = ctx.store()?;
    let format = Format::parse(a.format.as_deref().unwrap_or(st::DEFAULT_FORMAT))?;
    let list = |store: &Store| -> anyhow::Result<Vec<crate::store::ContainerRecord>> {
        if a.all && a.containers.is_empty() {
            return Ok(store.containers()?);
        }
        st::targets(store, &a.containers).map_err(|e| super::daemon_not_found(e.into()))
    };
    let mut records = list(&store)?;
    let mut before = st::sample_all(&store, &records);
    let mut out = std::io::stdout().lock();
    loop {
        // CPU % needs two readings: docker's first sample waits too.
        std::thread::sleep(std::time::Duration::from_millis(if a.no_stream { 500 } else { 1000 }));
        let now = st::sample_all(&store, &records);
        let mut items: Vec<serde_json::Value> = records
            .iter()
            .zip(before.iter().zip(&now))
            .map(|(r, (b, n))| Row::new(r, b.as_ref(), n.as_ref()).to_json(a.no_trunc))
            .collect();
        // docker: `.Container` is the name or ID as given on the command
        // line (the short ID for the containers it lists itself).
        if items.len() == a.containers.len() {
            for (item, given) in items.iter_mut().zip(&a.containers) {
                item["Container"] = serde_json::Value::String(given.clone());
            }
        } else {
            for item in &mut items {
                let short: String = item["ID"].as_str().unwrap_or_default().chars().take(12).collect();
                item["Container"] = serde_json::Value::String(short);
            }
        }
        let text = format.render(&items, st::HEADERS)?;
        if a.no_stream {
            out.write_all(text.as_bytes())?;
            return Ok(0);
        }
        // docker redraws the screen: clear, home, table.
        out.write_all(b"\x1b[2J\x1b[H")?;
        out.write_all(text.as_bytes())?;
        out.flush()?;
        if a.containers.is_empty() {
            // Containers started or stopped meanwhile come and go.
            let fresh = list(&store)?;
            if fresh.iter().map(|r| &r.id).ne(records.iter().map(|r| &r.id)) {
                records = fresh;
                before = st::sample_all(&store, &records);
                continue;
            }
        }
        before = now;
    }
}

/// `rcon pause` (`frozen`) and `unpause`: the cgroup freezer, on the
/// container's own cgroup only (never one it shares with other processes).
pub fn pause(ctx: &Context, a: Containers, frozen: bool) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut status = 0;
    for name in &a.containers {
        let result = running(&store, name)
            .map_err(super::daemon_not_found)
            .and_then(|(record, _)| Ok(crate::container::lifecycle::pause(&store, &record.id, frozen)?));
        match result {
            Ok(()) => println!("{name}"),
            Err(e) => {
                super::print_error(&e);
                status = 1;
            }
        }
    }
    Ok(status)
}

/// Flags of `rcon attach`.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Do not attach STDIN
    #[arg(long)]
    pub no_stdin: bool,
    /// Container: name, ID or unique ID prefix
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// `rcon attach`: the container's output from now on until it exits, and
/// rcon's stdin to the container's when it was started with `-i`; exits
/// with the container's code.
pub fn attach(ctx: &Context, a: AttachArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let (record, _) = running(&store, &a.container)?;
    // Where "from now on" starts, taken before any input is passed on: the
    // container's answer to it may come at once, and must be printed.
    let log = store.container_dir(&record.id).join("ctr.log");
    let offset = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    if !a.no_stdin {
        super::lifecycle::forward_stdin(&store, &record.id)?;
    }
    super::logs::follow_from(&store, &record.id, offset)?;
    Ok(crate::container::lifecycle::wait(&store, &record.id)?)
}
