//! Naming and removing images (`rcon tag`, `rcon rmi`, `POST
//! /images/{name}/tag`, `DELETE /images/{name}`): docker's rules for
//! untagging versus deleting.

use super::{Error, Result};
use crate::reference::Reference;
use crate::store::{Store, StoreError};

/// Gives `source`'s image the name `target` (`rcon tag`). Errors: no such
/// image (named as docker's daemon names it: `busybox:latest`, the tag
/// added), a bad target or one with a digest.
pub fn tag(store: &Store, source: &str, target: &str) -> Result<()> {
    let normalized = Reference::parse(source).ok().map(|r| r.to_string());
    let missing = || match normalized.as_deref() {
        Some(n) if !n.contains('@') => StoreError::NoSuchImage(display_tag(n)),
        _ => StoreError::NoSuchImage(source.to_string()),
    };
    let mut image = store.find_image(source, normalized.as_deref())?.ok_or_else(missing)?;
    let t = Reference::parse(target)?;
    if t.digest.is_some() {
        return Err(Error::TagWithDigest(target.to_string()));
    }
    image.repo_tags = vec![t.to_string()];
    image.repo_digests.clear();
    let id = image.id.to_string();
    store.add_image(image)?;
    let name = crate::image::inspect::familiar(&t.to_string());
    crate::store::events::record(store, "image", "tag", &id, &[("name", &name)]);
    Ok(())
}

/// What removing an image did, in docker's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// A name was removed (familiar form, `busybox:latest`).
    Untagged(String),
    /// The image was deleted (its ID).
    Deleted(String),
}

/// Removes one image as docker does: a tag of an image with other tags is
/// only untagged; otherwise the image is deleted (refused while containers
/// use it, or while it has several tags and was named by ID, unless
/// forced). Errors: no such image, in use, referenced several times.
pub fn remove(store: &Store, name: &str, force: bool) -> Result<Vec<Removed>> {
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
            let mut out = vec![Removed::Untagged(display_tag(&tag))];
            if !repo_keeps_a_tag {
                for d in store.remove_repo_digests(&image.id, repo)? {
                    crate::store::events::record(store, "image", "untag", &id, &[("name", &id)]);
                    out.push(Removed::Untagged(familiar(&d)));
                }
            }
            return Ok(out);
        }
    }
    if !force {
        if let Some(c) = store.list_containers(&Default::default())?.into_iter().find(|c| c.image_id == image.id) {
            return Err(StoreError::ImageInUse { image: name.to_string(), container: c.id[..12].to_string() }.into());
        }
        if !by_tag && image.repo_tags.len() > 1 {
            return Err(Error::ReferencedInMultipleRepositories(image.id.short().to_string()));
        }
    }
    let mut out = Vec::new();
    if let Some((removed, layers)) = store.delete_image_and_layers(&image.id)? {
        for tag in &removed.repo_tags {
            out.push(Removed::Untagged(display_tag(tag)));
        }
        for d in &removed.repo_digests {
            out.push(Removed::Untagged(familiar(d)));
        }
        // docker: the image, then each layer no other image or container
        // uses, top layer first, by chain ID.
        out.push(Removed::Deleted(removed.id.to_string()));
        out.extend(layers.into_iter().map(|l| Removed::Deleted(l.to_string())));
        image_deleted(store, &removed);
        crate::build::executor::prune_cache(store);
    }
    Ok(out)
}

/// The repository of a stored tag (`127.0.0.1:5000/app:v1` →
/// `127.0.0.1:5000/app`).
fn repository(tag: &str) -> &str {
    let slash = tag.rfind('/').map_or(0, |i| i + 1);
    tag[slash..].rfind(':').map_or(tag, |i| &tag[..slash + i])
}

/// `docker.io/library/busybox:latest` → `busybox:latest`.
fn display_tag(tag: &str) -> String {
    let slash = tag.rfind('/').map_or(0, |i| i + 1);
    let (repo, t) = match tag[slash..].rfind(':') {
        Some(i) => (&tag[..slash + i], &tag[slash + i + 1..]),
        None => (tag, "latest"),
    };
    format!("{}:{t}", familiar(repo))
}

/// Drops `docker.io/library/` and `docker.io/` as docker does in listings.
fn familiar(repo: &str) -> String {
    repo.strip_prefix("docker.io/library/").or_else(|| repo.strip_prefix("docker.io/")).unwrap_or(repo).to_string()
}

/// The events of an image deletion: one `untag` per name, then `delete`.
pub fn image_deleted(store: &Store, removed: &crate::store::ImageRecord) {
    let id = removed.id.to_string();
    for _ in removed.repo_tags.iter().chain(&removed.repo_digests) {
        crate::store::events::record(store, "image", "untag", &id, &[("name", &id)]);
    }
    crate::store::events::record(store, "image", "delete", &id, &[("name", &id)]);
}

/// The images `names` (references or IDs) as `rcon save` writes them: each
/// with the tag named, or every tag of an image named by ID. Errors: no
/// such image.
pub fn resolve_for_save(store: &Store, names: &[String]) -> Result<Vec<(crate::store::ImageRecord, Vec<String>)>> {
    let mut images = Vec::new();
    for name in names {
        let normalized = Reference::parse(name).ok().map(|r| r.to_string());
        let image =
            store.find_image(name, normalized.as_deref())?.ok_or_else(|| StoreError::NoSuchImage(name.clone()))?;
        let tags = match normalized.filter(|n| image.repo_tags.contains(n)) {
            Some(t) => vec![t],
            None => image.repo_tags.clone(),
        };
        images.push((image, tags));
    }
    Ok(images)
}

/// Writes `images` (from [`resolve_for_save`]) as one archive of `format`
/// to `out`, gzipped when `gzip`, and records a `save` event for each
/// (`rcon save`, `GET /images/get`). Errors: reading the store, writing
/// `out`.
pub fn save(
    store: &Store,
    images: &[(crate::store::ImageRecord, Vec<String>)],
    format: crate::image::archive::ArchiveFormat,
    gzip: bool,
    out: &mut dyn std::io::Write,
) -> Result<()> {
    if gzip {
        let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
        crate::image::archive::save(store, images, format, &mut gz)?;
        gz.finish().map_err(Error::WriteArchive)?;
    } else {
        crate::image::archive::save(store, images, format, out)?;
    }
    for (i, _) in images {
        let id = i.id.to_string();
        crate::store::events::record(store, "image", "save", &id, &[("name", &id)]);
    }
    Ok(())
}

/// Loads every image of the archive at `path` (docker-archive or
/// oci-archive, gzipped or not) and records a `load` event for each
/// (`rcon load`, `POST /images/load`). Returns the images loaded. Errors:
/// not an archive rcon reads, a damaged or incomplete one.
pub fn load(store: &Store, path: &std::path::Path) -> Result<Vec<crate::store::ImageRecord>> {
    let images = crate::image::archive::load(store, path)?;
    for i in &images {
        let id = i.id.to_string();
        crate::store::events::record(store, "image", "load", &id, &[("name", &id)]);
    }
    Ok(images)
}

/// A file in the store's `tmp/` (`blob-PID-RANDOM`, where a crash leaves
/// only garbage the sweep knows), removed when dropped: where `load`
/// spools an archive read from a stream.
#[derive(Debug)]
pub struct Spool(std::path::PathBuf);

impl Spool {
    /// A new, empty spool file; returns it and the file opened for writing.
    /// Errors: the store's `tmp/` cannot be written.
    pub fn create(store: &Store) -> std::io::Result<(Spool, std::fs::File)> {
        let p = store.tmp_dir().join(format!("blob-{}-{}", std::process::id(), crate::util::random_hex(8)));
        let f = std::fs::File::create(&p)?;
        Ok((Spool(p), f))
    }

    /// Its path.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
