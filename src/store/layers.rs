//! Unpacked layers (`layers/<chain-hex>/`): each layer is unpacked once into
//! a staging directory under `tmp/`, then renamed into place under its chain
//! ID; every image with the same chain shares it as an overlayfs lower dir.

use super::{Result, Store, io_err, read_json, write_json_atomic};
use crate::digest::Digest;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the store knows about an unpacked layer (`layer.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Chain ID (the directory name).
    pub chain_id: Digest,
    /// Digest of the uncompressed tar (config `rootfs.diff_ids` entry).
    pub diff_id: Digest,
    /// Chain ID of the layer below, if any.
    pub parent: Option<Digest>,
    /// Unpacked size in bytes (sum of regular file sizes).
    pub size: u64,
}

/// A compressed form of a layer known to rcon (`layers/<chain>/blobs.json`):
/// the blob it was pulled as, or made for a push. Lets `push` skip, mount
/// or reuse a blob instead of compressing the layer again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerBlob {
    /// Digest of the compressed blob.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type (gzip, zstd or plain tar; OCI or Docker names).
    pub media_type: String,
    /// Repositories (`registry/name`) known to hold it.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// The blob itself is kept in the store (`blobs/sha256/<hex>`).
    #[serde(default)]
    pub kept: bool,
}

/// File names inside a layer directory besides `diff/` and `layer.json`.
pub const TAR_SPLIT_FILE: &str = "tar-split.gz";
const BLOBS_FILE: &str = "blobs.json";

/// A layer being unpacked: `dir()/diff` is where its files go. Dropped
/// without [`LayerStaging::commit`], the staging directory is removed.
pub struct LayerStaging {
    dir: PathBuf,
    layers_dir: PathBuf,
    committed: bool,
}

impl Store {
    /// `layers/<chain-hex>/diff`: the directory used as an overlay lower dir.
    pub fn layer_diff_dir(&self, chain_id: &Digest) -> PathBuf {
        self.layers_dir().join(chain_id.hex()).join("diff")
    }

    /// The layer's directory name relative to [`Store::layers_dir`], for
    /// building short overlay mount options (`<hex>/diff`).
    pub fn layer_relative_diff(chain_id: &Digest) -> String {
        format!("{}/diff", chain_id.hex())
    }

    /// The layer's metadata, `None` when it is not (completely) in the store.
    pub fn layer(&self, chain_id: &Digest) -> Result<Option<LayerInfo>> {
        read_json(&self.layers_dir().join(chain_id.hex()).join("layer.json"))
    }

    /// The layer's tar-split record (see `image::tarsplit`), when it has one.
    pub fn layer_tar_split(&self, chain_id: &Digest) -> Option<PathBuf> {
        let p = self.layers_dir().join(chain_id.hex()).join(TAR_SPLIT_FILE);
        p.exists().then_some(p)
    }

    /// The compressed forms known for a layer (empty when none).
    pub fn layer_blobs(&self, chain_id: &Digest) -> Result<Vec<LayerBlob>> {
        Ok(read_json(&self.layers_dir().join(chain_id.hex()).join(BLOBS_FILE))?.unwrap_or_default())
    }

    /// Records a compressed form of a layer (merged with what is known of
    /// the same digest: repositories added, `kept` or-ed). Takes the store lock.
    pub fn add_layer_blob(&self, chain_id: &Digest, blob: LayerBlob) -> Result<()> {
        let _lock = self.lock()?;
        let dir = self.layers_dir().join(chain_id.hex());
        if !dir.join("layer.json").exists() {
            return Ok(());
        }
        let path = dir.join(BLOBS_FILE);
        let mut all: Vec<LayerBlob> = read_json(&path)?.unwrap_or_default();
        match all.iter_mut().find(|b| b.digest == blob.digest) {
            Some(b) => {
                for r in blob.repositories {
                    if !b.repositories.contains(&r) {
                        b.repositories.push(r);
                    }
                }
                b.kept |= blob.kept;
            }
            None => all.push(blob),
        }
        write_json_atomic(&path, &all)
    }

    /// Starts a layer: creates `tmp/layer-<random>/diff`.
    pub fn layer_staging(&self) -> Result<LayerStaging> {
        let dir = self.tmp_dir().join(tmp_name("layer"));
        let diff = dir.join("diff");
        std::fs::create_dir_all(&diff).map_err(io_err(&diff))?;
        Ok(LayerStaging { dir, layers_dir: self.layers_dir(), committed: false })
    }

    /// Deletes an unpacked layer; a missing one is not an error.
    /// Compressed blobs kept for it (for `push`) are deleted too.
    pub fn remove_layer(&self, chain_id: &Digest) -> Result<()> {
        let dir = self.layers_dir().join(chain_id.hex());
        if let Ok(Some(blobs)) = read_json::<Vec<LayerBlob>>(&dir.join(BLOBS_FILE)) {
            for b in blobs.iter().filter(|b| b.kept) {
                self.remove_blob(&b.digest)?;
            }
        }
        // Rename first so a half-deleted layer is never visible under its name.
        let trash = self.tmp_dir().join(tmp_name("trash"));
        match std::fs::rename(&dir, &trash) {
            Ok(()) => std::fs::remove_dir_all(&trash).map_err(io_err(&trash)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&dir)(e)),
        }
    }
}

/// Kinds of `tmp/` entries that [`Store::clean_tmp`] may remove.
const TMP_KINDS: [&str; 4] = ["blob", "layer", "trash", "add"];

/// A fresh name for a staging entry under `tmp/`: `<kind>-<pid>-<random>`.
/// The pid tells [`Store::clean_tmp`] whether its writer is still alive.
pub(crate) fn tmp_name(kind: &str) -> String {
    format!("{kind}-{}-{}", std::process::id(), crate::util::random_hex(8))
}

/// True if process `pid` exists (possibly owned by another user).
fn process_alive(pid: i32) -> bool {
    super::process_alive(pid, None)
}

impl Store {
    /// Removes what dead `rcon` processes left under `tmp/` (half-written
    /// blobs, half-unpacked layers, half-deleted layers after a crash or
    /// Ctrl-C). Entries of live processes, including concurrent pulls, are
    /// kept: each entry's name carries its writer's pid ([`tmp_name`]).
    /// Entries of other shapes are never touched. Best effort: failures are
    /// logged at debug level and otherwise ignored.
    pub fn clean_tmp(&self) {
        let tmp = self.tmp_dir();
        let Ok(entries) = std::fs::read_dir(&tmp) else { return };
        let me = std::process::id() as i32;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let mut parts = name.splitn(3, '-');
            let (Some(kind), Some(pid), Some(_)) = (parts.next(), parts.next(), parts.next()) else { continue };
            let Ok(pid) = pid.parse::<i32>() else { continue };
            if !TMP_KINDS.contains(&kind) || pid <= 0 || pid == me || process_alive(pid) {
                continue;
            }
            let path = entry.path();
            let r = match entry.file_type() {
                Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
                _ => std::fs::remove_file(&path),
            };
            match r {
                Ok(()) => crate::debug!("removed stale {}", path.display()),
                Err(e) => crate::debug!("cannot remove stale {}: {e}", path.display()),
            }
        }
    }
}

impl LayerStaging {
    /// The directory the layer's files are unpacked into.
    pub fn diff_dir(&self) -> PathBuf {
        self.dir.join("diff")
    }

    /// Where the layer's tar-split record goes (committed with the layer).
    pub fn tar_split_path(&self) -> PathBuf {
        self.dir.join(TAR_SPLIT_FILE)
    }

    /// Records the compressed blob the layer came as (committed with the layer).
    pub fn set_blobs(&self, blobs: &[LayerBlob]) -> Result<()> {
        write_json_atomic(&self.dir.join(BLOBS_FILE), &blobs)
    }

    /// Writes `layer.json` and renames the staged layer into place. If the
    /// layer appeared meanwhile (another rcon pulled it), the staged copy is
    /// discarded and the existing one kept.
    pub fn commit(mut self, info: &LayerInfo) -> Result<()> {
        write_json_atomic(&self.dir.join("layer.json"), info)?;
        let dst = self.layers_dir.join(info.chain_id.hex());
        match std::fs::rename(&self.dir, &dst) {
            Ok(()) => {
                self.committed = true;
                Ok(())
            }
            Err(e) if dst.join("layer.json").exists() => {
                let _ = e;
                Ok(())
            }
            Err(e) => Err(io_err(&dst)(e)),
        }
    }

    /// The staging directory itself.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for LayerStaging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_tmp_removes_only_dead_writers_entries() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::open(&root.path().join("root"), &root.path().join("run")).unwrap();
        let tmp = store.tmp_dir();
        // A pid that cannot be alive: above the kernel's pid_max limit.
        let dead = format!("layer-{}-abcd", 1 << 22 | 1);
        std::fs::create_dir_all(tmp.join(&dead).join("diff/sub")).unwrap();
        std::fs::write(tmp.join(format!("blob-{}-ef01", 1 << 22 | 1)), b"x").unwrap();
        let live = store.layer_staging().unwrap();
        let other = tmp.join("not-ours");
        std::fs::write(&other, b"keep").unwrap();
        let init = tmp.join("trash-1-0000"); // pid 1 is alive
        std::fs::create_dir(&init).unwrap();
        store.clean_tmp();
        let mut left: Vec<String> =
            std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        let mut want = vec![
            live.path().file_name().unwrap().to_str().unwrap().to_string(),
            "not-ours".to_string(),
            "trash-1-0000".to_string(),
        ];
        want.sort();
        assert_eq!(left, want);
    }
}
