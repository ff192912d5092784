//! The image index (`images.json`): which images the store holds, their tags,
//! and the layers each one stacks. Read without a lock (the file is replaced
//! atomically); changed only under the store lock.

use super::{Result, Store, StoreError, read_json, write_json_atomic};
use crate::digest::Digest;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One image in the store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImageRecord {
    /// The image ID: the digest of its config blob.
    pub id: Digest,
    /// The digest of the manifest it was pulled or built as.
    pub manifest_digest: Digest,
    /// Tags, fully normalized (`docker.io/library/busybox:latest`).
    #[serde(default)]
    pub repo_tags: Vec<String>,
    /// Digest references it was pulled by (`docker.io/library/busybox@sha256:…`).
    #[serde(default)]
    pub repo_digests: Vec<String>,
    /// Uncompressed diff IDs of its layers, base first (config `rootfs.diff_ids`).
    pub diff_ids: Vec<Digest>,
    /// Unpacked size of all its layers in bytes.
    pub size: u64,
    /// The config's `created` time, if it has one.
    #[serde(default)]
    pub created: Option<DateTime<Utc>>,
}

impl ImageRecord {
    /// Chain IDs of its layers, base first: the names of their directories
    /// under `layers/`.
    pub fn chain_ids(&self) -> Vec<Digest> {
        Digest::chain_ids(&self.diff_ids)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    images: Vec<ImageRecord>,
}

impl Store {
    fn index_path(&self) -> PathBuf {
        self.root.join("images.json")
    }

    fn read_index(&self) -> Result<Index> {
        Ok(read_json(&self.index_path())?.unwrap_or_default())
    }

    /// All images, in the order they were added.
    pub fn images(&self) -> Result<Vec<ImageRecord>> {
        Ok(self.read_index()?.images)
    }

    /// Adds `image` to the index or merges it into the record with the same
    /// ID. Its tags move to it from any other image (which keeps its record,
    /// untagged, as docker's dangling `<none>` images). Takes the store lock;
    /// every layer and the config blob must already be in the store.
    pub fn add_image(&self, image: ImageRecord) -> Result<()> {
        let _lock = self.lock()?;
        // A concurrent `rmi` may have deleted a shared layer after the pull
        // found it present; refuse to index an image with a missing layer.
        for chain_id in image.chain_ids() {
            if self.layer(&chain_id)?.is_none() {
                return Err(StoreError::MissingLayer { image: image.id.clone(), chain_id });
            }
        }
        let mut index = self.read_index()?;
        for other in index.images.iter_mut().filter(|i| i.id != image.id) {
            other.repo_tags.retain(|t| !image.repo_tags.contains(t));
        }
        match index.images.iter_mut().find(|i| i.id == image.id) {
            Some(existing) => {
                for t in image.repo_tags {
                    if !existing.repo_tags.contains(&t) {
                        existing.repo_tags.push(t);
                    }
                }
                for d in image.repo_digests {
                    if !existing.repo_digests.contains(&d) {
                        existing.repo_digests.push(d);
                    }
                }
            }
            None => index.images.push(image),
        }
        write_json_atomic(&self.index_path(), &index)
    }

    /// Finds an image by full tag (`docker.io/library/busybox:latest`), digest
    /// reference (`…@sha256:…`), image ID (`sha256:…`) or unique ID prefix
    /// (at least one hex digit). `normalized` is the reference normalized by
    /// the caller, or `None` when `name` is not a valid reference.
    /// Errors: [`StoreError::Ambiguous`] when a prefix matches several images.
    pub fn find_image(&self, name: &str, normalized: Option<&str>) -> Result<Option<ImageRecord>> {
        let images = self.images()?;
        if let Some(n) = normalized
            && let Some(i) =
                images.iter().find(|i| i.repo_tags.iter().any(|t| t == n) || i.repo_digests.iter().any(|d| d == n))
        {
            return Ok(Some(i.clone()));
        }
        let hex = name.strip_prefix("sha256:").unwrap_or(name);
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let matches: Vec<&ImageRecord> = images.iter().filter(|i| i.id.hex().starts_with(hex)).collect();
        match matches.len() {
            0 => Ok(None),
            1 => Ok(Some(matches[0].clone())),
            count => Err(StoreError::Ambiguous { what: "image", prefix: name.to_string(), count }),
        }
    }

    /// Removes from image `id` its digest references (`REPO@sha256:…`) of
    /// the repository `repo` (full name, as stored); returns them.
    pub fn remove_repo_digests(&self, id: &Digest, repo: &str) -> Result<Vec<String>> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let mut removed = Vec::new();
        if let Some(i) = index.images.iter_mut().find(|i| &i.id == id) {
            i.repo_digests.retain(|d| {
                let same = d.split_once('@').is_some_and(|(r, _)| r == repo);
                if same {
                    removed.push(d.clone());
                }
                !same
            });
        }
        if !removed.is_empty() {
            write_json_atomic(&self.index_path(), &index)?;
        }
        Ok(removed)
    }

    /// Removes a tag from whichever image has it; returns that image's ID.
    pub fn untag(&self, tag: &str) -> Result<Option<Digest>> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let mut found = None;
        for i in index.images.iter_mut() {
            if let Some(pos) = i.repo_tags.iter().position(|t| t == tag) {
                i.repo_tags.remove(pos);
                found = Some(i.id.clone());
            }
        }
        if found.is_some() {
            write_json_atomic(&self.index_path(), &index)?;
        }
        Ok(found)
    }

    /// Removes the image `id` from the index, then deletes its layers and
    /// blobs that no remaining image and no container uses; all under the
    /// store lock, so a concurrent pull never indexes a deleted layer.
    /// Returns the removed record (`None` if it was not there).
    pub fn delete_image(&self, id: &Digest) -> Result<Option<ImageRecord>> {
        Ok(self.delete_image_and_layers(id)?.map(|(record, _)| record))
    }

    /// [`Store::delete_image`], also returning the chain IDs of the layers
    /// it deleted, top layer first: what docker's `rmi` lists after the
    /// image (`Deleted: sha256:<chain ID>`).
    pub fn delete_image_and_layers(&self, id: &Digest) -> Result<Option<(ImageRecord, Vec<Digest>)>> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let Some(pos) = index.images.iter().position(|i| &i.id == id) else { return Ok(None) };
        let removed = index.images.remove(pos);
        write_json_atomic(&self.index_path(), &index)?;
        let mut used: std::collections::HashSet<Digest> = index.images.iter().flat_map(|i| i.chain_ids()).collect();
        for c in self.list_containers(&Default::default())? {
            used.extend(c.layers);
        }
        let mut deleted = Vec::new();
        for chain_id in removed.chain_ids().into_iter().rev() {
            if !used.contains(&chain_id) {
                self.remove_layer(&chain_id)?;
                deleted.push(chain_id);
            }
        }
        let blob_used = |d: &Digest| index.images.iter().any(|i| &i.id == d || &i.manifest_digest == d);
        for blob in [&removed.id, &removed.manifest_digest] {
            if !blob_used(blob) {
                self.remove_blob(blob)?;
            }
        }
        Ok(Some((removed, deleted)))
    }
}
