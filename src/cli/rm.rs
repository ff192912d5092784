//! `rcon rm [-f] CONTAINER…`.

use super::Context;
use clap::Args;

/// Flags of `rcon rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short, long)]
    pub force: bool,
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Removes containers.
pub fn run(ctx: &Context, a: RmArgs) -> anyhow::Result<i32> {
    let _ = (ctx, a);
    anyhow::bail!("rm: not implemented yet")
}
