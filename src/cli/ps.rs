//! `rcon ps [-a] [-q] [--no-trunc]`.

use super::Context;
use clap::Args;

/// Flags of `rcon ps`.
#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Only display container IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
}

/// Lists containers.
pub fn run(ctx: &Context, a: PsArgs) -> anyhow::Result<i32> {
    let _ = (ctx, a);
    anyhow::bail!("ps: not implemented yet")
}
