//! `rcon rmi [-f] IMAGE…`.

use super::Context;
use clap::Args;

/// Flags of `rcon rmi`.
#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Force removal of the image, even if containers use it
    #[arg(short, long)]
    pub force: bool,
    /// Images: references, IDs or unique ID prefixes
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// Removes images.
pub fn run(ctx: &Context, a: RmiArgs) -> anyhow::Result<i32> {
    let _ = (ctx, a);
    anyhow::bail!("rmi: not implemented yet")
}
