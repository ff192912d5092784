//! `rcon cp [-a] [-L] CONTAINER:SRC DEST|-` and `rcon cp [-a] [-L] SRC|- CONTAINER:DEST`.

use super::Context;
use clap::Args;

/// Flags of `rcon cp`.
#[derive(Debug, Args)]
pub struct CpArgs {
    /// Archive mode: keep the source's owner (uid/gid)
    #[arg(short, long)]
    pub archive: bool,
    /// Always follow a symlink given as SRC
    #[arg(short = 'L', long)]
    pub follow_link: bool,
    /// Suppress progress output (accepted; rcon prints none)
    #[arg(short, long)]
    pub quiet: bool,
    /// CONTAINER:SRC_PATH, a host path, or - (a tar stream on stdin)
    #[arg(allow_hyphen_values = true)]
    pub src: String,
    /// CONTAINER:DEST_PATH, a host path, or - (a tar stream on stdout)
    #[arg(allow_hyphen_values = true)]
    pub dest: String,
}

/// Copies files or folders between a container and the host.
pub fn run(ctx: &Context, a: CpArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let opts = crate::volume::fs::CpOptions { archive: a.archive, follow_link: a.follow_link };
    crate::volume::fs::cp(&store, &a.src, &a.dest, opts)?;
    Ok(0)
}
