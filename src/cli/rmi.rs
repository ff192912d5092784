//! `rcon rmi [-f] IMAGE…`.

use super::Context;
use crate::reference::Reference;
use crate::store::{Store, StoreError};
use clap::Args;

/// Flags of `rcon rmi`.
#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Force removal of the image, even if containers use it
    #[arg(short, long)]
    pub force: bool,
    /// Images: references, IDs or unique ID prefixes
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// Removes images.
pub fn run(ctx: &Context, a: RmiArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut code = 0;
    for name in &a.images {
        if let Err(e) = remove(&store, name, a.force) {
            super::print_error(&e);
            code = 1;
        }
    }
    Ok(code)
}

/// Removes one image as docker does: a tag of an image with other tags is
/// only untagged; otherwise the image is deleted (refused while containers
/// use it, or while it has several tags and was named by ID, unless forced).
fn remove(store: &Store, name: &str, force: bool) -> anyhow::Result<()> {
    let normalized = Reference::parse(name).ok().map(|r| r.to_string());
    let image =
        store.find_image(name, normalized.as_deref())?.ok_or_else(|| StoreError::NoSuchImage(name.to_string()))?;
    let by_tag = normalized.as_ref().is_some_and(|n| image.repo_tags.contains(n));
    if by_tag {
        // docker: the tag goes, and with the last tag of its repository that
        // repository's digest references; the image itself only when no
        // reference is left.
        let tag = normalized.expect("by_tag implies a reference");
        let repo = repository(&tag);
        let repo_keeps_a_tag = image.repo_tags.iter().any(|t| *t != tag && repository(t) == repo);
        let others = image.repo_tags.len() - 1
            + image
                .repo_digests
                .iter()
                .filter(|d| repo_keeps_a_tag || d.split_once('@').is_none_or(|(r, _)| r != repo))
                .count();
        if others > 0 {
            store.untag(&tag)?;
            let id = image.id.to_string();
            crate::store::events::record(store, "image", "untag", &id, &[("name", &id)]);
            println!("Untagged: {}", display_tag(&tag));
            if !repo_keeps_a_tag {
                for d in store.remove_repo_digests(&image.id, repo)? {
                    crate::store::events::record(store, "image", "untag", &id, &[("name", &id)]);
                    println!("Untagged: {}", super::images::familiar(&d));
                }
            }
            return Ok(());
        }
    }
    if !force {
        if let Some(c) = store.list_containers(&Default::default())?.into_iter().find(|c| c.image_id == image.id) {
            return Err(StoreError::ImageInUse { image: name.to_string(), container: c.id[..12].to_string() }.into());
        }
        if !by_tag && image.repo_tags.len() > 1 {
            anyhow::bail!(
                "conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories",
                image.id.short()
            );
        }
    }
    if let Some((removed, layers)) = store.delete_image_and_layers(&image.id)? {
        for tag in &removed.repo_tags {
            println!("Untagged: {}", display_tag(tag));
        }
        for d in &removed.repo_digests {
            println!("Untagged: {}", super::images::familiar(d));
        }
        // docker: the image, then each layer no other image or container
        // uses, top layer first, by chain ID.
        println!("Deleted: {}", removed.id);
        for layer in layers {
            println!("Deleted: {layer}");
        }
        image_deleted(store, &removed);
        crate::build::executor::prune_cache(store);
    }
    Ok(())
}

/// The repository of a stored tag (`127.0.0.1:5000/app:v1` →
/// `127.0.0.1:5000/app`).
fn repository(tag: &str) -> &str {
    let slash = tag.rfind('/').map_or(0, |i| i + 1);
    tag[slash..].rfind(':').map_or(tag, |i| &tag[..slash + i])
}

fn display_tag(tag: &str) -> String {
    let (repo, t) = super::images::split_tag(tag);
    format!("{repo}:{t}")
}

/// The events of an image deletion: one `untag` per name, then `delete`.
pub(crate) fn image_deleted(store: &Store, removed: &crate::store::ImageRecord) {
    let id = removed.id.to_string();
    for _ in removed.repo_tags.iter().chain(&removed.repo_digests) {
        crate::store::events::record(store, "image", "untag", &id, &[("name", &id)]);
    }
    crate::store::events::record(store, "image", "delete", &id, &[("name", &id)]);
}
