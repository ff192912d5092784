//! `system df`: disk space used by images, containers, local volumes and
//! the build cache, as docker reports it (totals, active, size,
//! reclaimable; with `-v` one row per object).

use super::Result;
use crate::digest::Digest;
use crate::store::{ContainerRecord, ContainerStatus, ImageRecord, Store};
use std::collections::{HashMap, HashSet};

/// One image in the verbose view.
#[derive(Debug, Clone)]
pub struct ImageUsage {
    /// The image.
    pub image: ImageRecord,
    /// Bytes of its layers that other images share.
    pub shared: u64,
    /// Bytes of its layers no other image has.
    pub unique: u64,
    /// Containers using it.
    pub containers: usize,
}

/// One container in the verbose view.
#[derive(Debug, Clone)]
pub struct ContainerUsage {
    /// The container.
    pub record: ContainerRecord,
    /// Bytes in its writable layer.
    pub size: u64,
    /// Volumes it mounts.
    pub volumes: usize,
    /// Running.
    pub running: bool,
}

/// One volume in the verbose view.
#[derive(Debug, Clone)]
pub struct VolumeUsage {
    /// Its name.
    pub name: String,
    /// Containers mounting it.
    pub links: usize,
    /// Bytes of its data.
    pub size: u64,
}

/// Everything `system df` shows.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// Images, oldest first.
    pub images: Vec<ImageUsage>,
    /// Containers, oldest first.
    pub containers: Vec<ContainerUsage>,
    /// Volumes.
    pub volumes: Vec<VolumeUsage>,
    /// Build cache: layers no image or container uses (count, bytes).
    pub build_cache: (usize, u64),
    /// Bytes of all distinct image layers.
    pub images_size: u64,
    /// Bytes of the distinct layers of images no container uses, not
    /// shared with a used one.
    pub images_reclaimable: u64,
}

/// Size of every layer in the store, by chain ID.
fn layer_sizes(store: &Store) -> Result<HashMap<Digest, u64>> {
    let mut out = HashMap::new();
    let dir = store.layers_dir();
    let Ok(rd) = std::fs::read_dir(&dir) else { return Ok(out) };
    for e in rd.flatten() {
        let Some(hex) = e.file_name().to_str().map(str::to_string) else { continue };
        let Ok(chain) = format!("sha256:{hex}").parse::<Digest>() else { continue };
        if let Ok(Some(info)) = store.layer(&chain) {
            out.insert(chain, info.size);
        }
    }
    Ok(out)
}

/// Layers no image and no container uses, with their sizes: what the
/// builder left (intermediate stages). Layers written in the last minute
/// are left out: they may belong to a pull or build still running.
pub fn unreferenced_layers(store: &Store) -> Result<Vec<(Digest, u64)>> {
    let mut used: HashSet<Digest> = store.images()?.iter().flat_map(|i| i.chain_ids()).collect();
    for c in store.list_containers(&Default::default())? {
        used.extend(c.layers);
    }
    let recent = |chain: &Digest| {
        std::fs::metadata(store.layers_dir().join(chain.hex()))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age.as_secs() < 60)
    };
    Ok(layer_sizes(store)?.into_iter().filter(|(c, _)| !used.contains(c) && !recent(c)).collect())
}

/// Measures the store (walks containers' writable layers and volumes).
pub fn usage(store: &Store) -> Result<Usage> {
    let sizes = layer_sizes(store)?;
    let images = store.images()?;
    let records = store.containers()?;
    let mut layer_users: HashMap<Digest, usize> = HashMap::new();
    for i in &images {
        for c in i.chain_ids() {
            *layer_users.entry(c).or_default() += 1;
        }
    }
    let used_images: HashSet<&Digest> = records.iter().map(|c| &c.image_id).collect();
    let used_layers: HashSet<Digest> =
        images.iter().filter(|i| used_images.contains(&i.id)).flat_map(|i| i.chain_ids()).collect();
    let all_layers: HashSet<Digest> = images.iter().flat_map(|i| i.chain_ids()).collect();
    let size_of = |c: &Digest| sizes.get(c).copied().unwrap_or(0);
    let mut u = Usage {
        images_size: all_layers.iter().map(size_of).sum(),
        images_reclaimable: all_layers.iter().filter(|c| !used_layers.contains(*c)).map(size_of).sum(),
        ..Usage::default()
    };
    for i in &images {
        let (mut shared, mut unique) = (0, 0);
        for c in i.chain_ids() {
            if layer_users.get(&c).copied().unwrap_or(0) > 1 {
                shared += size_of(&c);
            } else {
                unique += size_of(&c);
            }
        }
        let containers = records.iter().filter(|c| c.image_id == i.id).count();
        u.images.push(ImageUsage { image: i.clone(), shared, unique, containers });
    }
    for r in records.iter() {
        let running = store.container_state(&r.id).is_ok_and(|s| s.status == ContainerStatus::Running);
        let size = crate::units::dir_size(&store.container_dir(&r.id).join("upper"));
        let volumes = r.mounts.iter().filter(|m| m.kind == crate::volume::MountKind::Volume).count();
        u.containers.push(ContainerUsage { record: r.clone(), size, volumes, running });
    }
    for v in crate::volume::list(store)? {
        let links = records
            .iter()
            .filter(|c| c.mounts.iter().any(|m| m.kind == crate::volume::MountKind::Volume && m.name == v.name))
            .count();
        let size = crate::units::dir_size(&store.volume_data(&v.name));
        u.volumes.push(VolumeUsage { name: v.name, links, size });
    }
    let cache = unreferenced_layers(store)?;
    u.build_cache = (cache.len(), cache.iter().map(|(_, s)| s).sum());
    Ok(u)
}

/// The summary rows (`Type`, `TotalCount`, `Active`, `Size`, `Reclaimable`)
/// as docker's `system df` template fields.
pub fn summary(u: &Usage) -> Vec<serde_json::Value> {
    // docker's summary uses go-units' HumanSize (4 significant digits).
    use crate::format::human_size4 as human_size;
    // docker: "SIZE (PCT%)", the percentage only when the total is not 0.
    let reclaim = |part: u64, total: u64| match (part * 100).checked_div(total) {
        Some(pct) => format!("{} ({pct}%)", human_size(part)),
        None => human_size(part),
    };
    let active_images = u.images.iter().filter(|i| i.containers > 0).count();
    let ctr_size: u64 = u.containers.iter().map(|c| c.size).sum();
    let ctr_reclaim: u64 = u.containers.iter().filter(|c| !c.running).map(|c| c.size).sum();
    let vol_size: u64 = u.volumes.iter().map(|v| v.size).sum();
    let vol_reclaim: u64 = u.volumes.iter().filter(|v| v.links == 0).map(|v| v.size).sum();
    let row = |t: &str, total: usize, active: usize, size: u64, reclaim: String| serde_json::json!({"Type": t, "TotalCount": total.to_string(), "Active": active.to_string(), "Size": human_size(size), "Reclaimable": reclaim});
    vec![
        row("Images", u.images.len(), active_images, u.images_size, reclaim(u.images_reclaimable, u.images_size)),
        row(
            "Containers",
            u.containers.len(),
            u.containers.iter().filter(|c| c.running).count(),
            ctr_size,
            reclaim(ctr_reclaim, ctr_size),
        ),
        row(
            "Local Volumes",
            u.volumes.len(),
            u.volumes.iter().filter(|v| v.links > 0).count(),
            vol_size,
            reclaim(vol_reclaim, vol_size),
        ),
        row("Build Cache", u.build_cache.0, 0, u.build_cache.1, human_size(u.build_cache.1)),
    ]
}
