//! `rcon pull [-q] REFERENCE`.

use super::Context;
use clap::Args;

/// Flags of `rcon pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Print only the image ID
    #[arg(short, long)]
    pub quiet: bool,
    /// Require HTTPS and verify certificates (false: allow plain HTTP and any certificate)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub tls_verify: bool,
    /// Image reference: NAME[:TAG] or NAME@DIGEST
    pub reference: String,
}

/// Pulls the image and prints its ID (`-q`) or the pull's progress.
pub fn run(ctx: &Context, a: PullArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let reference = crate::reference::Reference::parse(&a.reference)?;
    let opts = crate::registry::PullOptions { quiet: a.quiet, tls_verify: a.tls_verify };
    let image = crate::registry::pull(&store, &reference, &opts)?;
    if a.quiet {
        println!("{}", image.id);
    }
    Ok(0)
}
