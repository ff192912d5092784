//! `rcon port CONTAINER [PRIVATE_PORT[/PROTO]]`.

use super::Context;
use clap::Args;
use std::io::Write;

/// Flags of `rcon port`.
#[derive(Debug, Args)]
pub struct PortArgs {
    /// Container name or ID
    pub container: String,
    /// Only this container port (e.g. 80 or 80/tcp)
    #[arg(value_name = "PRIVATE_PORT[/PROTO]")]
    pub port: Option<String>,
}

/// Lists a running container's published ports as docker does:
/// `80/tcp -> 0.0.0.0:9000`, or only `0.0.0.0:9000` for one port.
pub fn run(ctx: &Context, a: PortArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut out = std::io::stdout().lock();
    for line in crate::container::lifecycle::ports(&store, &a.container, a.port.as_deref())? {
        writeln!(out, "{line}")?;
    }
    Ok(0)
}
