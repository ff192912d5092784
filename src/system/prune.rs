//! The prune operations of `container prune`, `image prune`, `network
//! prune`, `volume prune` and `system prune`, with docker's filters
//! (`until=`, `label=`, `label!=`, and `dangling=` for images).

use super::{Error, Result};
use crate::filters::Filters;
use crate::store::{ContainerStatus, ImageRecord, Store};
use chrono::Utc;

/// Filter keys `container prune`, `network prune` and `system prune` accept.
pub const PRUNE_KEYS: &[&str] = &["until", "label", "label!"];
/// Filter keys `image prune` accepts.
pub const IMAGE_PRUNE_KEYS: &[&str] = &["until", "label", "label!", "dangling"];
/// Filter keys `volume prune` accepts.
pub const VOLUME_PRUNE_KEYS: &[&str] = &["label", "label!"];

/// Removes the containers that do not run and pass `f`, except the infra
/// containers of pods (`pod rm`/`pod prune` remove those). Returns their
/// IDs and the bytes of their writable layers.
pub fn containers(store: &Store, f: &Filters) -> Result<(Vec<String>, u64)> {
    crate::container::cleanup::sweep_all(store);
    let now = Utc::now();
    let mut deleted = Vec::new();
    let mut reclaimed = 0;
    for c in store.list_containers(&Default::default())? {
        if store.container_state(&c.id)?.status == ContainerStatus::Running
            || c.labels.contains_key(crate::pod::LABEL_INFRA)
            || !f.labels_match(&c.labels)
            || !f.until_ok(c.created, now).map_err(Error::BadFilter)?
        {
            continue;
        }
        let size = crate::units::dir_size(&store.container_dir(&c.id).join("upper"));
        if crate::container::remove(store, &c.id, false).is_ok() {
            reclaimed += size;
            deleted.push(c.id);
        }
    }
    Ok((deleted, reclaimed))
}

/// Removes the images no container uses: dangling ones (no tag) only, or
/// every one with `all` (or `dangling=false`), that pass `f`'s `until=` and
/// `label=` (the image config's labels). Returns the removed records (their
/// tags were untagged) and the bytes freed.
pub fn images(store: &Store, all: bool, f: &Filters) -> Result<(Vec<ImageRecord>, u64)> {
    let now = Utc::now();
    let all = match f.dangling().map_err(Error::BadFilter)? {
        Some(false) => true,
        Some(true) => false,
        None => all,
    };
    let used: std::collections::HashSet<_> =
        store.list_containers(&Default::default())?.into_iter().map(|c| c.image_id).collect();
    let mut removed = Vec::new();
    let mut reclaimed = 0;
    for image in store.images()? {
        if used.contains(&image.id) || !(all || image.repo_tags.is_empty()) {
            continue;
        }
        if f.has("until") && !f.until_ok(image.created.unwrap_or(now), now).map_err(Error::BadFilter)? {
            continue;
        }
        if (f.has("label") || f.has("label!")) && !f.labels_match(&image_labels(store, &image)) {
            continue;
        }
        if let Some(gone) = store.delete_image(&image.id)? {
            reclaimed += gone.size;
            removed.push(gone);
        }
    }
    Ok((removed, reclaimed))
}

/// The `Config.Labels` of an image's config blob.
pub fn image_labels(store: &Store, image: &ImageRecord) -> std::collections::BTreeMap<String, String> {
    store
        .read_blob(&image.id)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| serde_json::from_value(v["config"]["Labels"].clone()).ok())
        .unwrap_or_default()
}

/// Removes the user networks no container uses that pass `f` (`until=`,
/// `label=`, `label!=`). Returns their names.
pub fn networks(store: &Store, f: &Filters) -> Result<Vec<String>> {
    let now = Utc::now();
    let mut removed = Vec::new();
    for n in crate::network::networks::user_networks(store)? {
        if !f.labels_match(&n.labels) || !f.until_ok(n.created, now).map_err(Error::BadFilter)? {
            continue;
        }
        if crate::network::users_of(store, &n.name).is_empty() && crate::network::remove_network(store, &n.name).is_ok()
        {
            removed.push(n.name);
        }
    }
    Ok(removed)
}

/// Removes the volumes no container uses that pass `f`: anonymous ones
/// only, or all with `all`. Returns their names and the bytes freed.
pub fn volumes(store: &Store, all: bool, f: &Filters) -> Result<(Vec<String>, u64)> {
    let mut removed = Vec::new();
    let mut bytes = 0;
    let unused = crate::volume::VolumeQuery { dangling: Some(true), anonymous: !all, ..Default::default() };
    for v in store.volumes(&unused)? {
        if !f.labels_match(&v.labels) {
            continue;
        }
        let size = crate::units::dir_size(&store.volume_data(&v.name));
        if crate::volume::remove(store, &v.name).is_ok() {
            removed.push(v.name);
            bytes += size;
        }
    }
    Ok((removed, bytes))
}

/// Removes the build cache: layers that no image and no container uses
/// (the builder's intermediate steps). Returns how many and their bytes.
pub fn build_cache(store: &Store) -> Result<(usize, u64)> {
    let mut n = 0;
    let mut bytes = 0;
    for (chain, size) in super::df::unreferenced_layers(store)? {
        if store.remove_layer(&chain).is_ok() {
            n += 1;
            bytes += size;
        }
    }
    Ok((n, bytes))
}
