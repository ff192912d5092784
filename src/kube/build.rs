//! `rcon kube play --build`: images built from a directory beside the
//! YAML, with podman's rule (`podman kube play --build`): a container's
//! image `[REGISTRY/]PATH/NAME[:TAG]` is built from the directory `NAME`
//! in the context directory (the YAML's directory; the current one for
//! standard input) when it holds a `Containerfile` or `Dockerfile`, and
//! tagged with the image reference as the YAML writes it.
//!
//! When: [`BuildPolicy::Missing`] (no flag, podman's default) builds only
//! images not in the store; [`BuildPolicy::Always`] (`--build`) builds
//! every image that has a directory; [`BuildPolicy::Never`]
//! (`--build=false`) builds nothing. Images without a directory are
//! pulled by the play as usual.

use crate::store::Store;
use std::path::{Path, PathBuf};

/// `--build`, `--build=false`, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuildPolicy {
    /// Build the images that have a build directory and are not in the store.
    #[default]
    Missing,
    /// Build every image that has a build directory.
    Always,
    /// Build nothing.
    Never,
}

/// The build directory of `image` in `context`: `context/NAME` (NAME: the
/// reference's last path component without tag or digest) when it holds
/// a `Containerfile` or `Dockerfile`.
pub fn build_dir(context: &Path, image: &str) -> Option<PathBuf> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    let name = last.split(':').next().unwrap_or(last);
    if name.is_empty() || name == "." || name == ".." {
        return None;
    }
    let dir = context.join(name);
    ["Containerfile", "Dockerfile"].iter().any(|f| dir.join(f).is_file()).then_some(dir)
}

/// Builds, as `policy` says, the images of `images` (references as the
/// YAML writes them, each once) that have a build directory in `context`;
/// the build's output goes to `out`. Returns the references built.
/// Errors: a failed build, naming the image and its directory.
pub fn build_images(
    store: &Store,
    images: &[String],
    context: &Path,
    policy: BuildPolicy,
    tls_verify: bool,
    out: &mut dyn std::io::Write,
) -> super::Result<Vec<String>> {
    let mut built = Vec::new();
    if policy == BuildPolicy::Never {
        return Ok(built);
    }
    for image in images {
        if built.contains(image) {
            continue;
        }
        let Some(dir) = build_dir(context, image) else { continue };
        if policy == BuildPolicy::Missing {
            let normalized = crate::reference::Reference::parse(image).ok().map(|r| r.to_string());
            if store.find_image(image, normalized.as_deref())?.is_some() {
                continue;
            }
        }
        let opts = crate::build::executor::BuildOptions {
            context: dir.clone(),
            tags: vec![image.clone()],
            tls_verify,
            ..Default::default()
        };
        crate::build::executor::build(store, &opts, out).map_err(|e| super::Error::Build {
            image: image.clone(),
            dir: dir.clone(),
            source: Box::new(e),
        })?;
        built.push(image.clone());
    }
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_directory_is_the_images_last_name() {
        let ctx = std::env::temp_dir().join(format!("rcon-kube-build-{}", std::process::id()));
        std::fs::create_dir_all(ctx.join("web")).unwrap();
        std::fs::create_dir_all(ctx.join("empty")).unwrap();
        std::fs::write(ctx.join("web/Containerfile"), "FROM scratch\n").unwrap();
        for image in ["web", "web:1", "localhost:5000/team/web:2", "web@sha256:00"] {
            assert_eq!(build_dir(&ctx, image), Some(ctx.join("web")), "{image}");
        }
        assert_eq!(build_dir(&ctx, "empty"), None, "a directory without a Containerfile or Dockerfile");
        assert_eq!(build_dir(&ctx, "nosuch"), None);
        assert_eq!(build_dir(&ctx, ".."), None);
        std::fs::remove_dir_all(&ctx).unwrap();
    }
}
