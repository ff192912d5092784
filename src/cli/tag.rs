//! `rcon tag SOURCE TARGET`: another name for an image.

use super::Context;
use crate::reference::Reference;
use crate::store::StoreError;
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
    tag(&store, &a.source, &a.target)?;
    Ok(0)
}

/// Tags the image `source` as `target`. Errors: no such image; a target
/// with a digest or an invalid name.
pub fn tag(store: &crate::store::Store, source: &str, target: &str) -> anyhow::Result<()> {
    let normalized = Reference::parse(source).ok().map(|r| r.to_string());
    let mut image =
        store.find_image(source, normalized.as_deref())?.ok_or_else(|| StoreError::NoSuchImage(source.to_string()))?;
    let t = Reference::parse(target)?;
    if t.digest.is_some() {
        anyhow::bail!("refusing to create a tag with a digest reference: `{target}`");
    }
    image.repo_tags = vec![t.to_string()];
    image.repo_digests.clear();
    let id = image.id.to_string();
    store.add_image(image)?;
    let name = crate::image::inspect::familiar(&t.to_string());
    crate::store::events::record(store, "image", "tag", &id, &[("name", &name)]);
    Ok(())
}
