//! `rcon system SUBCOMMAND`: df, events, info, prune, `check [--repair]` of
//! the store, and `service` (the Docker Engine API, [`crate::api`]).

use super::Context;
use clap::{Args, Subcommand};
use std::io::Write;

/// `rcon system`.
#[derive(Debug, Args)]
pub struct SystemArgs {
    #[command(subcommand)]
    command: SystemCommand,
}

#[derive(Debug, Subcommand)]
enum SystemCommand {
    /// Check the consistency of the store, and repair it
    Check(CheckArgs),
    /// Show disk usage
    Df(super::df::DfArgs),
    /// Get real time events from the engine
    Events(super::events::EventsArgs),
    /// Display system-wide information
    Info(super::info::InfoArgs),
    /// Remove unused data
    Prune(super::df::SystemPruneArgs),
    /// Serve the Docker Engine API (for docker clients) until idle
    Service(ServiceArgs),
}

/// Flags of `rcon system service`.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// Exit after this many seconds without a request or an open stream (0: never)
    #[arg(short, long, value_name = "SECONDS", default_value_t = 5)]
    time: u64,
    /// Serve on a TCP address that is not loopback (whoever reaches the API is root on this host)
    #[arg(long)]
    allow_remote: bool,
    /// Group allowed to use the unix socket (mode 0660; default: root only)
    #[arg(long, value_name = "NAME")]
    group: Option<String>,
    /// Where to listen: unix:///PATH or tcp://HOST:PORT (ignored under socket activation; rootless: unix://$XDG_RUNTIME_DIR/rcon/rcon.sock)
    #[arg(value_name = "URI", default_value_t = crate::api::default_uri())]
    uri: String,
}

/// Flags of `rcon system check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Repair what can be repaired (remove damaged containers and leftovers of killed commands)
    #[arg(long)]
    repair: bool,
}

/// Runs a `system` subcommand.
pub fn run(ctx: &Context, a: SystemArgs) -> anyhow::Result<i32> {
    match a.command {
        SystemCommand::Check(c) => check(ctx, c),
        SystemCommand::Events(a) => super::events::run(ctx, a),
        SystemCommand::Info(a) => super::info::info(ctx, a),
        SystemCommand::Df(a) => super::df::df(ctx, a),
        SystemCommand::Prune(a) => super::df::system_prune(ctx, a),
        SystemCommand::Service(a) => {
            crate::api::serve(crate::api::ServeOptions {
                uri: a.uri,
                idle: (a.time > 0).then(|| std::time::Duration::from_secs(a.time)),
                allow_remote: a.allow_remote,
                group: a.group,
                root: ctx.root.clone(),
                runroot: ctx.runroot.clone(),
            })?;
            Ok(0)
        }
    }
}

/// Prints each problem (and whether it was repaired); exits 1 while
/// unrepaired problems remain.
fn check(ctx: &Context, a: CheckArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let findings = crate::container::check::check(&store, a.repair)?;
    let mut out = std::io::stdout().lock();
    for f in &findings {
        writeln!(out, "{}{}", f.problem, if f.repaired { " (repaired)" } else { "" })?;
    }
    let left = findings.iter().filter(|f| !f.repaired).count();
    match (findings.len(), left) {
        (0, _) => writeln!(out, "No problems found")?,
        (n, 0) => writeln!(out, "{n} problems found, all repaired")?,
        (n, left) if a.repair => writeln!(out, "{n} problems found, {left} not repairable")?,
        (n, _) => writeln!(out, "{n} problems found; `rcon system check --repair` repairs what it can")?,
    }
    Ok(if left == 0 { 0 } else { 1 })
}

impl SystemArgs {
    /// `system service` starts containers' processes (through fresh rcon
    /// processes that inherit its read-only view of the binary).
    pub fn starts_container_processes(&self) -> bool {
        matches!(self.command, SystemCommand::Service(_))
    }

    /// True for the subcommands docker has (`df`, `events`, `info`,
    /// `prune`); false for rcon's own (`check`, `service`).
    pub fn is_dockers(&self) -> bool {
        !matches!(self.command, SystemCommand::Check(_) | SystemCommand::Service(_))
    }
}
