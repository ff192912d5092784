//! `rcon system SUBCOMMAND`: df, events, info, prune.

use super::Context;
use clap::{Args, Subcommand};

/// `rcon system`.
#[derive(Debug, Args)]
pub struct SystemArgs {
    #[command(subcommand)]
    command: SystemCommand,
}

#[derive(Debug, Subcommand)]
enum SystemCommand {
    /// Show disk usage
    Df(super::df::DfArgs),
    /// Get real time events from the engine
    Events(super::events::EventsArgs),
    /// Display system-wide information
    Info(super::info::InfoArgs),
    /// Remove unused data
    Prune(super::df::SystemPruneArgs),
}

/// Runs a `system` subcommand.
pub fn run(ctx: &Context, a: SystemArgs) -> anyhow::Result<i32> {
    match a.command {
        SystemCommand::Events(a) => super::events::run(ctx, a),
        SystemCommand::Info(a) => super::info::info(ctx, a),
        SystemCommand::Df(a) => super::df::df(ctx, a),
        SystemCommand::Prune(a) => super::df::system_prune(ctx, a),
    }
}
