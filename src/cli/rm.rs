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
        match crate::pod::check_removable(&store, name)
            .map_err(anyhow::Error::from)
            .and_then(|_| Ok(crate::container::remove(&store, name, a.force)?))
        {
            Ok(record) => {
                if a.volumes
                    && let Some(record) = record
                {
                    crate::volume::remove_anonymous(&store, &record);
                }
                println!("{name}")
            }
            // docker: `rm -f` of a container that does not exist says so
            // and still succeeds.
            Err(e) if a.force && super::not_found(&e).is_some() => super::print_error(&e),
            Err(e) => {
                super::print_error(&e);
                code = 1;
            }
        }
    }
    Ok(code)
}
