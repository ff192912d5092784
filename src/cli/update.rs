//! `rcon update [OPTIONS] CONTAINER…`: new cgroup limits and restart policy.

use super::Context;
use clap::Args;

/// Flags of `rcon update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Resource limits
    #[command(flatten)]
    pub resources: super::run::ResourceArgs,
    /// Restart policy to apply when a container exits
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Updates each container, printing its name as given; exit 1 when one failed.
pub fn run(ctx: &Context, a: UpdateArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let u = crate::container::Update { resources: a.resources.resources(), restart: a.restart };
    let mut status = 0;
    for name in &a.containers {
        match crate::container::update(&store, name, &u) {
            Ok(()) => println!("{name}"),
            Err(e) => {
                // docker: every refusal is its daemon's answer.
                eprintln!("Error response from daemon: {}", crate::util::error_chain(&e));
                status = 1;
            }
        }
    }
    Ok(status)
}
