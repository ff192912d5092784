//! `rcon commit [-a AUTHOR] [-c CHANGE]… [-m MESSAGE] [-p=BOOL] CONTAINER
//! [REPOSITORY[:TAG]]` (also `rcon container commit`): glue to
//! [`crate::build::commit`].

use super::Context;
use crate::reference::Reference;
use clap::{ArgAction, Args};

/// Flags of `rcon commit`.
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Author (e.g. "John Hannibal Smith <hannibal@a-team.com>")
    #[arg(short, long, value_name = "AUTHOR", default_value = "")]
    pub author: String,
    /// Apply a Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)
    #[arg(short, long, value_name = "CHANGE")]
    pub change: Vec<String>,
    /// Commit message
    #[arg(short, long, value_name = "MESSAGE", default_value = "")]
    pub message: String,
    /// Pause the container during commit
    #[arg(short, long, value_name = "BOOL", action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true")]
    pub pause: bool,
    /// The container: name or ID
    pub container: String,
    /// Name for the image: REPOSITORY[:TAG]
    pub reference: Option<String>,
}

/// Commits the container and prints the new image's ID.
pub fn run(ctx: &Context, a: CommitArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let tag = a.reference.as_deref().map(Reference::parse).transpose()?.map(|r| r.to_string());
    let opts = crate::build::commit::CommitOptions {
        message: a.message,
        author: a.author,
        changes: a.change,
        pause: a.pause,
        tag,
    };
    // Every refusal of docker's commit is its daemon's answer.
    let image = crate::build::commit::commit(&store, &a.container, &opts)
        .map_err(|e| crate::util::DaemonError(crate::util::error_chain(&e)))?;
    println!("{}", image.id);
    Ok(0)
}
