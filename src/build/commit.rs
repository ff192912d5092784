//! `rcon commit`: a container's changes as a new image, as `docker commit`
//! makes it. The container's overlay upper dir becomes one new layer
//! (whiteouts and opaque directories turned into their OCI forms by the
//! builder's layer code, the runtime's mount points left out), on top of
//! the container's image layers; the config is the image's, with the
//! container's command, environment, working directory, user and labels,
//! then the `--change` instructions applied by [`crate::build::config_change`];
//! a history entry records the command, author and message.
//!
//! A running container is frozen (cgroup freezer) while its upper dir is
//! read, unless `pause` is false, and thawed afterwards, also on error.

use serde_json::{Value, json};

use crate::build::config_change;
use crate::build::executor::{BuildError, LayerDesc, MOUNT_STUBS, State, commit_layer, state_of_image, store_image};
use crate::build::fs::{LayeredFs, mount_stub_skips, write_layer_tar_skipping};
use crate::runtime::cgroups::process::ProcessCgroups;
use crate::store::{ContainerStatus, ImageRecord, Store};

/// What `rcon commit` was asked for.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// `-m`: the commit message (config `comment` and the history entry's).
    pub message: String,
    /// `-a`: the author (config `author`).
    pub author: String,
    /// `-c/--change` Dockerfile instructions, applied in order.
    pub changes: Vec<String>,
    /// `--pause` (docker's default: true): freeze a running container while committing.
    pub pause: bool,
    /// `REPOSITORY[:TAG]` to tag the image with.
    pub tag: Option<String>,
}

fn err(container: &str, message: impl std::fmt::Display) -> BuildError {
    BuildError::Image(format!("commit of container {container}: {message}"))
}

/// Thaws a container frozen for the commit when dropped.
struct Frozen(ProcessCgroups);

impl Drop for Frozen {
    fn drop(&mut self) {
        if let Err(e) = self.0.set_frozen(false) {
            crate::warn!("cannot thaw the container after the commit: {e:#}");
        }
    }
}

/// Commits container `name` (name or ID) as a new image and returns it.
/// Errors: no such container, a store failure, a `--change` that does not
/// parse or is not allowed (`RUN is not a valid change command`), a
/// container that cannot be frozen (use `--pause=false`).
pub fn commit(store: &Store, name: &str, opts: &CommitOptions) -> Result<ImageRecord, BuildError> {
    let record = store.find_container(name)?;
    let state = store.container_state(&record.id)?;
    let frozen = match (state.status, state.pid) {
        (ContainerStatus::Running, Some(pid)) if opts.pause && !state.paused => {
            let cg = ProcessCgroups::of(pid).map_err(|e| err(name, format!("{e:#}")))?;
            if !cg.freezer_dir().is_some_and(|d| d.to_string_lossy().contains(&record.id)) {
                return Err(err(name, "it has no cgroup of its own to freeze (commit with --pause=false)"));
            }
            cg.set_frozen(true)
                .map_err(|e| err(name, format!("cannot pause it: {e:#} (commit with --pause=false)")))?;
            Some(Frozen(cg))
        }
        _ => None,
    };

    // The base: the container's image (its layers are kept with the container).
    let base = store.images()?.into_iter().find(|i| i.id == record.image_id);
    let mut st = match &base {
        Some(image) => state_of_image(store, image).map_err(|e| err(name, e))?,
        None => State { config: json!({"config": {}}), layers: Vec::new(), key: String::new(), created: None },
    };
    if st.chain_ids() != record.layers {
        // The image was replaced or removed: describe the container's own layers.
        st.layers = Vec::new();
        for c in &record.layers {
            let info = store.layer(c)?.ok_or_else(|| err(name, format!("layer {c} is missing from the store")))?;
            st.layers.push(LayerDesc {
                digest: info.diff_id.clone(),
                diff_id: info.diff_id,
                size: 0,
                media_type: "application/vnd.oci.image.layer.v1.tar".into(),
            });
        }
    }

    // The new layer: the upper dir without the runtime's mount points.
    let upper = store.container_dir(&record.id).join("upper");
    let lower = LayeredFs::new(record.layers.iter().rev().map(|c| store.layer_diff_dir(c)).collect());
    let mut stubs: Vec<String> = MOUNT_STUBS.iter().map(|s| s.to_string()).collect();
    stubs.push("/.dockerenv".into());
    if let Some(mounts) = record.spec["mounts"].as_array() {
        stubs.extend(mounts.iter().filter_map(|m| m["destination"].as_str().map(String::from)));
    }
    let skip = mount_stub_skips(&upper, &lower, &stubs);
    let staging = store.layer_staging()?;
    {
        // Copy the upper dir into the staging layer through a tar (the
        // format the store's layers are unpacked from), then let the
        // builder's code write the blob and move the layer into the store.
        let tmp = store.tmp_dir().join(format!("commit-{}.tar", crate::util::random_hex(8)));
        let result = (|| -> Result<(), BuildError> {
            let io = |e: std::io::Error| err(name, format!("{}: {e}", tmp.display()));
            let f = std::fs::File::create(&tmp).map_err(io)?;
            let mut w = std::io::BufWriter::new(f);
            write_layer_tar_skipping(&upper, &mut w, None, &skip).map_err(|e| err(name, e))?;
            std::io::Write::flush(&mut w).map_err(io)?;
            drop(w);
            let r = std::io::BufReader::new(std::fs::File::open(&tmp).map_err(io)?);
            crate::image::unpack::unpack(r, &staging.diff_dir(), "container changes").map_err(|e| err(name, e))?;
            Ok(())
        })();
        let _ = std::fs::remove_file(&tmp);
        result?;
    }
    let desc = commit_layer(store, staging, st.chain_ids().last(), None)?;
    drop(frozen);
    st.layers.push(desc);

    // The config: the image's, with what the container runs.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    apply_container_config(&mut st.config, &record);
    config_change::apply_changes(&mut st.config, &opts.changes).map_err(BuildError::Image)?;
    let root = st.config.as_object_mut().ok_or_else(|| err(name, "the image config is not an object"))?;
    let mut history = json!({"created": now, "created_by": record.command.join(" ")});
    if !opts.author.is_empty() {
        root.insert("author".into(), json!(opts.author));
        history["author"] = json!(opts.author);
    }
    if !opts.message.is_empty() {
        root.insert("comment".into(), json!(opts.message));
        history["comment"] = json!(opts.message);
    }
    root.insert("container".into(), json!(record.id));
    let hist = root.entry("history").or_insert_with(|| json!([]));
    if !hist.is_array() {
        *hist = json!([]);
    }
    if let Some(h) = hist.as_array_mut() {
        h.push(history);
    }
    let tags: Vec<String> = opts.tag.iter().cloned().collect();
    store_image(store, st, &tags, &now)
}

/// The container's command, environment, working directory, user and
/// labels in the image config (docker commits the container's config).
fn apply_container_config(image: &mut Value, record: &crate::store::ContainerRecord) {
    let process = &record.spec["process"];
    let env: Vec<String> = process["env"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).filter(|e| !e.starts_with("HOSTNAME=")).map(String::from).collect())
        .unwrap_or_default();
    let cwd = process["cwd"].as_str().map(String::from);
    let cfg = config_change::config_mut(image);
    let strs = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let entrypoint = strs(cfg.get("Entrypoint"));
    let cmd = strs(cfg.get("Cmd"));
    let as_image: Vec<String> = entrypoint.iter().chain(&cmd).cloned().collect();
    if record.command != as_image {
        // The record keeps entrypoint and command as one argv: keep the
        // image's ENTRYPOINT when the command starts with it.
        if !entrypoint.is_empty() && record.command.starts_with(&entrypoint) {
            cfg.insert("Cmd".into(), json!(record.command[entrypoint.len()..]));
        } else {
            cfg.insert("Entrypoint".into(), Value::Null);
            cfg.insert("Cmd".into(), json!(record.command));
        }
    }
    if !env.is_empty() {
        cfg.insert("Env".into(), json!(env));
    }
    if let Some(cwd) = cwd {
        cfg.insert("WorkingDir".into(), json!(cwd));
    }
    cfg.insert("User".into(), json!(record.user.clone().unwrap_or_default()));
    if !record.labels.is_empty() {
        let labels = cfg.entry("Labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        for (k, v) in &record.labels {
            labels[k] = json!(v);
        }
    }
}
