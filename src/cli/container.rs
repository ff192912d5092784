//! `rcon top`, `stats --no-stream`, `pause`, `unpause`, `attach`, and the
//! `rcon container` group (`prune`, `ls`).

use super::Context;
use crate::container::cgroupfs::ProcessCgroups;
use crate::format::human_size;
use crate::store::{ContainerStatus, Store};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::io::{BufRead, Write};

/// `rcon container SUBCOMMAND`.
#[derive(Debug, Args)]
pub struct ContainerArgs {
    #[command(subcommand)]
    command: ContainerCommand,
}

#[derive(Debug, Subcommand)]
enum ContainerCommand {
    /// Remove all stopped containers
    Prune(PruneArgs),
    /// List containers
    #[command(visible_alias = "ps", visible_alias = "list")]
    Ls(super::ps::PsArgs),
    /// Create a new image from a container's changes
    Commit(super::commit::CommitArgs),
}

/// Flags of `rcon container prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Do not prompt for confirmation
    #[arg(short, long)]
    force: bool,
}

/// Runs a `container` subcommand.
pub fn container(ctx: &Context, a: ContainerArgs) -> anyhow::Result<i32> {
    match a.command {
        ContainerCommand::Ls(p) => super::ps::run(ctx, p),
        ContainerCommand::Prune(p) => prune(ctx, p),
        ContainerCommand::Commit(c) => super::commit::run(ctx, c),
    }
}

fn prune(ctx: &Context, a: PruneArgs) -> anyhow::Result<i32> {
    if !a.force {
        eprint!("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Ok(0);
        }
    }
    let store = ctx.store()?;
    let mut out = std::io::stdout().lock();
    let mut reclaimed = 0u64;
    let mut deleted = Vec::new();
    for c in store.containers()? {
        if store.container_state(&c.id)?.status == ContainerStatus::Running {
            continue;
        }
        reclaimed += crate::units::dir_size(&store.container_dir(&c.id).join("upper"));
        if crate::container::remove(&store, &c.id, false).is_ok() {
            deleted.push(c.id);
        }
    }
    if !deleted.is_empty() {
        writeln!(out, "Deleted Containers:")?;
        for id in deleted {
            writeln!(out, "{id}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "Total reclaimed space: {}", human_size(reclaimed))?;
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
        _ => bail!("container {name} is not running"),
    }
}

/// Host pids of every process in the PID namespace of `init`.
fn namespace_pids(init: i32) -> anyhow::Result<Vec<i32>> {
    let ns = std::fs::read_link(format!("/proc/{init}/ns/pid")).context("cannot read the container's PID namespace")?;
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc")?.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        if std::fs::read_link(format!("/proc/{pid}/ns/pid")).is_ok_and(|l| l == ns) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    Ok(pids)
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
    let (_, init) = running(&store, &a.container)?;
    let pids = namespace_pids(init)?;
    let args = if a.ps_args.is_empty() { vec!["-ef".to_string()] } else { a.ps_args };
    let out = std::process::Command::new("ps")
        .args(&args)
        .output()
        .context("cannot run ps(1) (Debian package procps): rcon top needs it")?;
    if !out.status.success() {
        bail!("ps {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let pid_col = header.split_whitespace().position(|h| h == "PID").context("ps output has no PID column")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{header}")?;
    for line in lines {
        if line.split_whitespace().nth(pid_col).and_then(|p| p.parse::<i32>().ok()).is_some_and(|p| pids.contains(&p)) {
            writeln!(stdout, "{line}")?;
        }
    }
    Ok(0)
}

/// Flags of `rcon stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Disable streaming stats and only pull the first result (the only mode for now)
    #[arg(long)]
    pub no_stream: bool,
    /// Containers (default: all running)
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `rcon stats --no-stream`: CPU, memory and pids from each container's cgroup.
pub fn stats(ctx: &Context, a: StatsArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let names: Vec<String> = if a.containers.is_empty() {
        store
            .containers()?
            .into_iter()
            .filter(|c| store.container_state(&c.id).is_ok_and(|s| s.status == ContainerStatus::Running))
            .map(|c| c.id)
            .collect()
    } else {
        a.containers
    };
    let mut samples = Vec::new();
    for name in &names {
        let (record, pid) = running(&store, name)?;
        let cg = ProcessCgroups::of(pid)?;
        samples.push((record, cg.cpu_usage_ns(), std::time::Instant::now(), cg));
    }
    // CPU % needs two readings; docker's first --no-stream sample waits too.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut table = crate::format::Table::new(&["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"]);
    let host_mem = host_memory();
    for (record, cpu0, t0, cg) in samples {
        let cpu = match (cpu0, cg.cpu_usage_ns()) {
            (Some(a), Some(b)) => (b.saturating_sub(a)) as f64 / t0.elapsed().as_nanos() as f64 * 100.0,
            _ => 0.0,
        };
        let used = cg.memory_usage().unwrap_or(0);
        let limit = cg.memory_limit().unwrap_or(host_mem).min(host_mem.max(1));
        let mem_pct = if limit > 0 { used as f64 / limit as f64 * 100.0 } else { 0.0 };
        table.row(vec![
            record.id[..12].to_string(),
            record.name,
            format!("{cpu:.2}%"),
            format!("{} / {}", binary_size(used), binary_size(limit)),
            format!("{mem_pct:.2}%"),
            cg.pids().map_or("--".into(), |p| p.to_string()),
        ]);
    }
    table.print()?;
    Ok(0)
}

/// docker's stats sizes: binary units with 3 significant digits (`1.5MiB`).
fn binary_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    format!("{}{}", crate::format::significant3(v), UNITS[i])
}

fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// `rcon pause` (`frozen`) and `unpause`: the cgroup freezer, on the
/// container's own cgroup only (never one it shares with other processes).
pub fn pause(ctx: &Context, a: Containers, frozen: bool) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut status = 0;
    for name in &a.containers {
        let result = (|| -> anyhow::Result<()> {
            let (record, pid) = running(&store, name)?;
            let state = store.container_state(&record.id)?;
            if state.paused == frozen {
                bail!("container {name} is {}paused", if frozen { "already " } else { "not " });
            }
            let cg = ProcessCgroups::of(pid)?;
            let own = cg.freezer_dir().is_some_and(|d| d.to_string_lossy().contains(&record.id));
            if !own {
                bail!("container {name} has no cgroup of its own to freeze");
            }
            cg.set_frozen(frozen)
                .with_context(|| format!("cannot {} container {name}", if frozen { "pause" } else { "unpause" }))?;
            store.update_container_state(&record.id, |s| s.paused = frozen)?;
            Ok(())
        })();
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
    if !a.no_stdin {
        forward_stdin(&store, &record.id)?;
    }
    let log = store.container_dir(&record.id).join("ctr.log");
    let offset = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    super::logs::follow_from(&store, &record.id, offset, &super::logs::Filter::default())?;
    crate::container::lifecycle::wait(&store, &record.id)
}

/// Copies rcon's stdin into the container's stdin FIFO (containers run with
/// `-i`) on a thread of its own, until rcon's stdin ends; a container without
/// one (no `-i`) gets nothing.
pub(crate) fn forward_stdin(store: &Store, id: &str) -> anyhow::Result<()> {
    let path = store.container_dir(id).join("stdin");
    if !path.exists() {
        return Ok(());
    }
    let mut fifo = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the stdin of container {}", &id[..12]))?;
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut fifo);
    });
    Ok(())
}
