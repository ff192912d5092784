//! `rcon rm [-f] CONTAINER…`.

use super::Context;
use clap::Args;

/// Flags of `rcon rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short, long)]
    pub force: bool,
    /// Remove anonymous volumes associated with the container
    #[arg(short, long)]
    pub volumes: bool,
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Removes containers.
pub fn run(ctx: &Context, a: RmArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut code = 0;
    for name in &a.containers {
        match crate::container::remove(&store, name, a.force) {
            Ok(record) => {
                if a.volumes
                    && let Some(record) = record
                {
                    crate::volume::remove_anonymous(&store, &record);
                }
                println!("{name}")
            }
            Err(e) => {
                eprintln!("rcon: {e:#}");
                code = 1;
            }
        }
    }
    Ok(code)
}
