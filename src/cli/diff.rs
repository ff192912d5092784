//! `rcon diff CONTAINER`: `A`, `C`, `D` lines of the container's changes.

use super::Context;
use clap::Args;
use std::io::Write;

/// Flags of `rcon diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The container: name, ID or unique ID prefix
    pub container: String,
}

/// Prints the changes to the container's filesystem.
pub fn run(ctx: &Context, a: DiffArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let record = store.find_container(&a.container)?;
    let changes = crate::volume::diff::changes(&store, &record)
        .map_err(|e| anyhow::anyhow!("container {}: cannot read its changes: {e}", a.container))?;
    let mut out = std::io::stdout().lock();
    for c in changes {
        writeln!(out, "{} {}", c.kind, c.path)?;
    }
    Ok(0)
}
