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

    /// Starts a layer: creates `tmp/layer-<random>/diff`.
    pub fn layer_staging(&self) -> Result<LayerStaging> {
        let dir = self.tmp_dir().join(format!("layer-{}", crate::util::random_hex(8)));
        let diff = dir.join("diff");
        std::fs::create_dir_all(&diff).map_err(io_err(&diff))?;
        Ok(LayerStaging { dir, layers_dir: self.layers_dir(), committed: false })
    }

    /// Deletes an unpacked layer; a missing one is not an error.
    pub fn remove_layer(&self, chain_id: &Digest) -> Result<()> {
        let dir = self.layers_dir().join(chain_id.hex());
        // Rename first so a half-deleted layer is never visible under its name.
        let trash = self.tmp_dir().join(format!("trash-{}", crate::util::random_hex(8)));
        match std::fs::rename(&dir, &trash) {
            Ok(()) => std::fs::remove_dir_all(&trash).map_err(io_err(&trash)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&dir)(e)),
        }
    }
}

impl LayerStaging {
    /// The directory the layer's files are unpacked into.
    pub fn diff_dir(&self) -> PathBuf {
        self.dir.join("diff")
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
