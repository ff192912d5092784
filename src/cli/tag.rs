//! `rcon tag SOURCE TARGET`: another name for an image.

use super::Context;
use clap::Args;

/// Flags of `rcon tag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The image: reference or ID
    pub source: String,
    /// The new name: NAME[:TAG]
    pub target: String,
}

/// Adds the tag (moving it from any image that had it).
pub fn run(ctx: &Context, a: TagArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    // docker: `Error response from daemon: No such image: x:latest`.
    crate::system::images::tag(&store, &a.source, &a.target).map_err(|e| super::daemon_not_found(e.into()))?;
    Ok(0)
}
