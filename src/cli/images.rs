//! `rcon images [-q] [--no-trunc]`.

use super::Context;
use clap::Args;

/// Flags of `rcon images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Only show image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Only images matching this repository[:tag]
    pub repository: Option<String>,
}

/// Lists images.
pub fn run(ctx: &Context, a: ImagesArgs) -> anyhow::Result<i32> {
    let _ = (ctx, a);
    anyhow::bail!("images: not implemented yet")
}
