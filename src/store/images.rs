//! The image index: which images the store holds, their tags, and the
//! layers each one stacks. Rows of the store's database (tables `images`
//! and `image_names`, schema version 3 in `db.rs`; before, the file
//! `images.json`, imported by the migration). Read without a lock; changed
//! in one transaction under the store lock, which also orders them with
//! layer removal. Blobs and layers stay content-addressed files, staged
//! and renamed (`blobs.rs`, `layers.rs`), and the index names only those
//! that exist: an image's row is written last.
//!
//! A row whose record cannot be read (a damaged database page, a record
//! of a newer rcon) affects only that image: listings leave it out with a
//! warning, a lookup that hits it fails with [`StoreError::BrokenImage`]
//! naming it, and `rcon system check --repair` removes it.

use super::rows::{db_err, set_image_names};
use super::{Result, Store, StoreError};
use crate::digest::Digest;
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

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

/// An image row whose record cannot be read (see [`Store::damaged_images`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedImage {
    /// The `id` column (`sha256:…`, or `damaged-N` when the imported
    /// record had none).
    pub id: String,
    /// Why it cannot be read.
    pub problem: String,
}

fn parse_image(id: &str, record: &str) -> std::result::Result<ImageRecord, DamagedImage> {
    match serde_json::from_str::<ImageRecord>(record) {
        Ok(r) if r.id.to_string() == id => Ok(r),
        Ok(r) => Err(DamagedImage { id: id.to_string(), problem: format!("its record has the ID {}", r.id) }),
        Err(e) => Err(DamagedImage { id: id.to_string(), problem: format!("corrupt record: {e}") }),
    }
}

fn broken(d: DamagedImage) -> StoreError {
    StoreError::BrokenImage { id: d.id, problem: d.problem }
}

/// The record of image `id` in a transaction (`None` without a row).
fn read_image(tx: &rusqlite::Transaction, db_path: &std::path::Path, id: &str) -> Result<Option<ImageRecord>> {
    let record: Option<String> = tx
        .query_row("SELECT record FROM images WHERE id = ?1", [id], |r| r.get(0))
        .optional()
        .map_err(db_err(db_path))?;
    record.map(|r| parse_image(id, &r).map_err(broken)).transpose()
}

/// Writes the record of an existing image (row and names).
fn write_image(tx: &rusqlite::Transaction, db_path: &std::path::Path, image: &ImageRecord) -> Result<()> {
    let id = image.id.to_string();
    let text = serde_json::to_string(image).expect("records serialize");
    tx.execute(
        "INSERT INTO images (id, record) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET record = excluded.record",
        rusqlite::params![id, text],
    )
    .map_err(db_err(db_path))?;
    let names: Vec<String> = image.repo_tags.iter().chain(&image.repo_digests).cloned().collect();
    set_image_names(tx, db_path, &id, &names)
}

/// Removes `tag` from every image but `keep` that has it; returns the IDs
/// it was removed from. A damaged image only loses the name.
fn take_tag(
    tx: &rusqlite::Transaction,
    db_path: &std::path::Path,
    tag: &str,
    keep: Option<&str>,
) -> Result<Vec<Digest>> {
    let holders: Vec<String> = {
        let mut stmt =
            tx.prepare_cached("SELECT image_id FROM image_names WHERE name = ?1").map_err(db_err(db_path))?;
        stmt.query_map([tag], |r| r.get(0))
            .map_err(db_err(db_path))?
            .collect::<rusqlite::Result<_>>()
            .map_err(db_err(db_path))?
    };
    let mut out = Vec::new();
    for id in holders.into_iter().filter(|h| Some(h.as_str()) != keep) {
        match read_image(tx, db_path, &id) {
            Ok(Some(mut image)) if image.repo_tags.iter().any(|t| t == tag) => {
                image.repo_tags.retain(|t| t != tag);
                write_image(tx, db_path, &image)?;
                out.push(image.id);
            }
            Ok(_) | Err(StoreError::BrokenImage { .. }) => {
                tx.execute("DELETE FROM image_names WHERE name = ?1 AND image_id = ?2", [tag, &id])
                    .map_err(db_err(db_path))?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

impl Store {
    /// All images, in the order they were added. Damaged records are left
    /// out (with a warning naming them; [`Store::damaged_images`] lists
    /// them, `rcon system check --repair` removes them).
    pub fn images(&self) -> Result<Vec<ImageRecord>> {
        let rows = self.db()?.pairs("SELECT id, record FROM images ORDER BY seq", [])?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, record) in rows {
            match parse_image(&id, &record) {
                Ok(r) => out.push(r),
                Err(d) => crate::warn!("{}", broken(d)),
            }
        }
        Ok(out)
    }

    /// The image rows whose records cannot be read.
    pub fn damaged_images(&self) -> Result<Vec<DamagedImage>> {
        let rows = self.db()?.pairs("SELECT id, record FROM images ORDER BY seq", [])?;
        Ok(rows.into_iter().filter_map(|(id, r)| parse_image(&id, &r).err()).collect())
    }

    /// Removes the row of an image (damaged or not) and its names, and
    /// nothing else (`system check --repair` of a damaged record; its
    /// layers stay until `rcon image prune` or another image's removal).
    /// Returns whether there was one.
    pub fn remove_image_row(&self, id: &str) -> Result<bool> {
        let _lock = self.lock()?;
        let db_path = self.db_path();
        self.db()?.write(|tx| {
            tx.execute("DELETE FROM image_names WHERE image_id = ?1", [id]).map_err(db_err(&db_path))?;
            Ok(tx.execute("DELETE FROM images WHERE id = ?1", [id]).map_err(db_err(&db_path))? > 0)
        })
    }

    /// Adds `image` to the index or merges it into the record with the same
    /// ID. Its tags move to it from any other image (which keeps its record,
    /// untagged, as docker's dangling `<none>` images). One transaction,
    /// under the store lock; every layer and the config blob must already
    /// be in the store.
    pub fn add_image(&self, image: ImageRecord) -> Result<()> {
        let _lock = self.lock()?;
        // A concurrent `rmi` may have deleted a shared layer after the pull
        // found it present; refuse to index an image with a missing layer.
        for chain_id in image.chain_ids() {
            if self.layer(&chain_id)?.is_none() {
                return Err(StoreError::MissingLayer { image: image.id.clone(), chain_id });
            }
        }
        let db_path = self.db_path();
        let id = image.id.to_string();
        self.db()?.write(|tx| {
            for t in &image.repo_tags {
                take_tag(tx, &db_path, t, Some(&id))?;
            }
            let merged = match read_image(tx, &db_path, &id) {
                Ok(Some(mut existing)) => {
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
                    existing
                }
                // A damaged record of the same image is replaced.
                Ok(None) | Err(StoreError::BrokenImage { .. }) => image,
                Err(e) => return Err(e),
            };
            write_image(tx, &db_path, &merged)
        })
    }

    /// Finds an image by full tag (`docker.io/library/busybox:latest`), digest
    /// reference (`…@sha256:…`), image ID (`sha256:…`) or unique ID prefix
    /// (at least one hex digit). `normalized` is the reference normalized by
    /// the caller, or `None` when `name` is not a valid reference. Indexed
    /// queries: the time does not grow with the number of images.
    /// Errors: [`StoreError::Ambiguous`] when a prefix matches several
    /// images, [`StoreError::BrokenImage`] when the match is damaged.
    pub fn find_image(&self, name: &str, normalized: Option<&str>) -> Result<Option<ImageRecord>> {
        let db = self.db()?;
        let rows = |sql: &str, arg: &str| -> Result<Vec<(String, String)>> {
            let mut stmt = db.conn().prepare_cached(sql).map_err(db.err())?;
            stmt.query_map([arg], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db.err())?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db.err())
        };
        if let Some(n) = normalized
            && let Some((id, record)) = rows(
                "SELECT i.id, i.record FROM image_names n JOIN images i ON i.id = n.image_id
                 WHERE n.name = ?1 ORDER BY i.seq LIMIT 1",
                n,
            )?
            .pop()
        {
            return parse_image(&id, &record).map(Some).map_err(broken);
        }
        let hex = name.strip_prefix("sha256:").unwrap_or(name);
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let prefix = format!("sha256:{}", hex.to_ascii_lowercase());
        // IDs are lowercase hex: '~' sorts after every one of their characters.
        let mut matches =
            rows("SELECT id, record FROM images WHERE id >= ?1 AND id < ?1 || '~' ORDER BY seq LIMIT 2", &prefix)?;
        match matches.len() {
            0 => Ok(None),
            1 => {
                let (id, record) = matches.pop().expect("one match");
                parse_image(&id, &record).map(Some).map_err(broken)
            }
            _ => {
                let count: i64 = db
                    .conn()
                    .query_row("SELECT count(*) FROM images WHERE id >= ?1 AND id < ?1 || '~'", [&prefix], |r| r.get(0))
                    .map_err(db.err())?;
                Err(StoreError::Ambiguous { what: "image", prefix: name.to_string(), count: count as usize })
            }
        }
    }

    /// Removes from image `id` its digest references (`REPO@sha256:…`) of
    /// the repository `repo` (full name, as stored); returns them.
    pub fn remove_repo_digests(&self, id: &Digest, repo: &str) -> Result<Vec<String>> {
        let _lock = self.lock()?;
        let db_path = self.db_path();
        let id = id.to_string();
        self.db()?.write(|tx| {
            let mut removed = Vec::new();
            if let Some(mut image) = read_image(tx, &db_path, &id)? {
                image.repo_digests.retain(|d| {
                    let same = d.split_once('@').is_some_and(|(r, _)| r == repo);
                    if same {
                        removed.push(d.clone());
                    }
                    !same
                });
                if !removed.is_empty() {
                    write_image(tx, &db_path, &image)?;
                }
            }
            Ok(removed)
        })
    }

    /// Removes a tag from whichever image has it; returns that image's ID.
    pub fn untag(&self, tag: &str) -> Result<Option<Digest>> {
        let _lock = self.lock()?;
        let db_path = self.db_path();
        Ok(self.db()?.write(|tx| take_tag(tx, &db_path, tag, None))?.pop())
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
        let db_path = self.db_path();
        let key = id.to_string();
        let removed = self.db()?.write(|tx| {
            let Some(removed) = read_image(tx, &db_path, &key)? else { return Ok(None) };
            tx.execute("DELETE FROM image_names WHERE image_id = ?1", [&key]).map_err(db_err(&db_path))?;
            tx.execute("DELETE FROM images WHERE id = ?1", [&key]).map_err(db_err(&db_path))?;
            Ok(Some(removed))
        })?;
        let Some(removed) = removed else { return Ok(None) };
        let remaining = self.images()?;
        let mut used: std::collections::HashSet<Digest> = remaining.iter().flat_map(|i| i.chain_ids()).collect();
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
        let blob_used = |d: &Digest| remaining.iter().any(|i| &i.id == d || &i.manifest_digest == d);
        for blob in [&removed.id, &removed.manifest_digest] {
            if !blob_used(blob) {
                self.remove_blob(blob)?;
            }
        }
        Ok(Some((removed, deleted)))
    }
}
