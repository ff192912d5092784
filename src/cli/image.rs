//! `rcon image SUBCOMMAND`: docker's management forms of every image verb
//! (build, history, import, inspect, load, ls, prune, pull, push, rm, save, tag).

use super::Context;
use crate::format::human_size4;
use clap::{Args, Subcommand};
use std::io::Write;

/// `rcon image`.
#[derive(Debug, Args)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

/// Subcommands of `rcon image`.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build an image from a Dockerfile
    Build(super::build::BuildArgs),
    /// Create an image from a root filesystem tarball
    Import(super::import::ImportArgs),
    /// Load images from a tar archive
    Load(super::save::LoadArgs),
    /// Save images to a tar archive (docker-archive or oci-archive)
    Save(super::save::SaveArgs),
    /// Display detailed information on one or more images
    Inspect(InspectArgs),
    /// Remove unused images
    Prune(PruneArgs),
    /// Show the history of an image
    History(super::history::HistoryArgs),
    /// Create a tag TARGET that refers to SOURCE
    Tag(super::tag::TagArgs),
    /// List images
    #[command(visible_alias = "list")]
    Ls(super::images::ImagesArgs),
    /// Remove one or more images
    #[command(visible_alias = "remove", visible_alias = "rmi")]
    Rm(super::rmi::RmiArgs),
    /// Download an image from a registry
    Pull(super::pull::PullArgs),
    /// Upload an image to a registry
    Push(super::push::PushArgs),
}

/// Flags of `rcon image inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format the output using a Go template (or "json")
    #[arg(short, long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Images: references or IDs
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// Flags of `rcon image prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove all images not used by a container, not just dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Provide filter values (until=TIME, label=KEY[=VALUE], label!=…, dangling=BOOL)
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

impl ImageArgs {
    /// True for `image pull` (every failure is exit 1, see `cli::main`).
    pub(crate) fn is_pull(&self) -> bool {
        matches!(self.command, ImageCommand::Pull(_))
    }

    /// `image build` starts processes a container can see (see `cli::main`).
    pub(crate) fn starts_container_processes(&self) -> bool {
        matches!(self.command, ImageCommand::Build(_))
    }
}

/// Runs an `image` subcommand.
pub fn run(ctx: &Context, a: ImageArgs) -> anyhow::Result<i32> {
    match a.command {
        ImageCommand::Build(a) => super::build::run(ctx, a),
        ImageCommand::Import(a) => super::import::run_import(ctx, a),
        ImageCommand::Load(a) => super::save::run_load(ctx, a),
        ImageCommand::Save(a) => super::save::run_save(ctx, a),
        ImageCommand::Inspect(a) => inspect(ctx, a),
        ImageCommand::Prune(a) => prune(ctx, a),
        ImageCommand::History(a) => super::history::run(ctx, a),
        ImageCommand::Tag(a) => super::tag::run(ctx, a),
        ImageCommand::Ls(a) => super::images::run(ctx, a),
        ImageCommand::Rm(a) => super::rmi::run(ctx, a),
        ImageCommand::Pull(a) => super::pull::run(ctx, a),
        ImageCommand::Push(a) => super::push::run(ctx, a),
    }
}

fn inspect(ctx: &Context, a: InspectArgs) -> anyhow::Result<i32> {
    super::inspect::run(
        ctx,
        super::inspect::InspectArgs { format: a.format, kind: Some("image".into()), objects: a.images },
    )
}

fn prune(ctx: &Context, a: PruneArgs) -> anyhow::Result<i32> {
    let filters = crate::filters::Filters::parse(&a.filter, crate::system::prune::IMAGE_PRUNE_KEYS)
        .map_err(crate::util::DaemonError)?;
    if !a.force {
        let what = if a.all {
            "WARNING! This will remove all images without at least one container associated to them."
        } else {
            "WARNING! This will remove all dangling images."
        };
        if !super::df::confirm(what)? {
            return Ok(0);
        }
    }
    let store = ctx.store()?;
    let (removed, reclaimed) = crate::system::prune::images(&store, a.all, &filters)?;
    let mut out = std::io::stdout().lock();
    super::df::print_deleted_images(&store, &mut out, &removed)?;
    writeln!(out, "Total reclaimed space: {}", human_size4(reclaimed))?;
    Ok(0)
}
