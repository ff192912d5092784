//! `rcon push [--format oci|docker] [--digestfile F] IMAGE [DESTINATION]`.

use super::Context;
use super::pull::RegistryFlags;
use crate::reference::Reference;
use crate::registry::push::{ManifestFormat, PushOptions, push_image};
use crate::store::StoreError;
use clap::Args;
use std::path::PathBuf;

/// Flags of `rcon push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Manifest type: oci or docker (default: the image's own)
    #[arg(short = 'f', long, value_name = "FORMAT", value_parser = ManifestFormat::parse)]
    pub format: Option<ManifestFormat>,
    /// Write the pushed manifest's digest to this file
    #[arg(long, value_name = "FILE")]
    pub digestfile: Option<PathBuf>,
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// The local image: reference or ID
    pub image: String,
    /// Where to push (default: the image reference itself)
    pub destination: Option<String>,
}

/// Pushes an image to a registry.
pub fn run(ctx: &Context, a: PushArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let normalized = Reference::parse(&a.image).ok().map(|r| r.to_string());
    let image = match store.find_image(&a.image, normalized.as_deref())? {
        Some(image) => image,
        // docker's daemon names the repository, then what is missing.
        None => match (&a.destination, Reference::parse(&a.image)) {
            (None, Ok(r)) if r.digest.is_none() => {
                println!("The push refers to repository [{}]", r.repository_name());
                return Err(crate::registry::push::missing_source(&store, &r)?.into());
            }
            _ => return Err(StoreError::NoSuchImage(a.image.clone()).into()),
        },
    };
    let dest = match &a.destination {
        Some(d) => Reference::parse(d.strip_prefix("docker://").unwrap_or(d))?,
        None => Reference::parse(&a.image)
            .map_err(|e| anyhow::anyhow!("{e}: give a DESTINATION to push an image named by ID"))?,
    };
    let opts = PushOptions { quiet: a.quiet, tls_verify: a.registry.tls_verify, format: a.format };
    let digest = push_image(&store, &image, &dest, &opts, &a.registry.transfer()?)?;
    if let Some(f) = &a.digestfile {
        std::fs::write(f, digest.to_string()).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
    }
    Ok(0)
}
