//! `rcon images [-q] [--no-trunc]`.

use super::Context;
use crate::format::{Table, ago, human_size};
use chrono::Utc;
use clap::Args;
use std::io::Write;

/// Flags of `rcon images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Only show image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Only images matching this repository[:tag]
    pub repository: Option<String>,
}

/// Lists images.
pub fn run(ctx: &Context, a: ImagesArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let now = Utc::now();
    let mut images = store.images()?;
    images.sort_by_key(|i| std::cmp::Reverse(i.created));
    let mut table = Table::new(&["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
    let mut ids: Vec<String> = Vec::new();
    for image in &images {
        let id = if a.no_trunc { image.id.to_string() } else { image.id.short().to_string() };
        let mut rows: Vec<(String, String)> = image.repo_tags.iter().map(|t| split_tag(t)).collect();
        if rows.is_empty() {
            let repo = image.repo_digests.first().map(|d| split_digest(d)).unwrap_or_else(|| "<none>".into());
            rows.push((repo, "<none>".into()));
        }
        rows.retain(|(repo, tag)| matches_filter(a.repository.as_deref(), repo, tag));
        if rows.is_empty() {
            continue;
        }
        if a.quiet {
            if !ids.contains(&id) {
                ids.push(id);
            }
            continue;
        }
        let created = image.created.map(|t| ago(t, now)).unwrap_or_else(|| "N/A".into());
        for (repo, tag) in rows {
            table.row(vec![repo, tag, id.clone(), created.clone(), human_size(image.size)]);
        }
    }
    if a.quiet {
        let mut out = std::io::stdout().lock();
        for id in ids {
            writeln!(out, "{id}")?;
        }
    } else {
        table.print()?;
    }
    Ok(0)
}

/// `docker.io/library/busybox:latest` → (`busybox`, `latest`): the repository
/// as docker shows it (Docker Hub's prefixes dropped) and the tag.
pub fn split_tag(tag: &str) -> (String, String) {
    let slash = tag.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match tag[slash..].rfind(':') {
        Some(i) => (&tag[..slash + i], &tag[slash + i + 1..]),
        None => (tag, "latest"),
    };
    (familiar(repo), tag.to_string())
}

fn split_digest(reference: &str) -> String {
    familiar(reference.split('@').next().unwrap_or(reference))
}

/// Drops `docker.io/library/` and `docker.io/` as docker does in listings.
pub fn familiar(repo: &str) -> String {
    repo.strip_prefix("docker.io/library/").or_else(|| repo.strip_prefix("docker.io/")).unwrap_or(repo).to_string()
}

/// `rcon images REPOSITORY[:TAG]`: matches the familiar or full repository
/// name, and the tag when one is given.
fn matches_filter(filter: Option<&str>, repo: &str, tag: &str) -> bool {
    let Some(f) = filter else { return true };
    let (frepo, ftag) = match f.rfind(':') {
        Some(i) if !f[i..].contains('/') => (&f[..i], Some(&f[i + 1..])),
        _ => (f, None),
    };
    (familiar(frepo) == repo) && ftag.is_none_or(|t| t == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags_as_docker_shows_them() {
        assert_eq!(split_tag("docker.io/library/busybox:latest"), ("busybox".into(), "latest".into()));
        assert_eq!(split_tag("docker.io/me/app:1.0"), ("me/app".into(), "1.0".into()));
        assert_eq!(split_tag("127.0.0.1:5000/bb:v1"), ("127.0.0.1:5000/bb".into(), "v1".into()));
    }

    #[test]
    fn filters_by_repository_and_tag() {
        assert!(matches_filter(Some("busybox"), "busybox", "latest"));
        assert!(matches_filter(Some("docker.io/library/busybox:latest"), "busybox", "latest"));
        assert!(!matches_filter(Some("busybox:1"), "busybox", "latest"));
        assert!(matches_filter(Some("127.0.0.1:5000/bb"), "127.0.0.1:5000/bb", "v1"));
        assert!(!matches_filter(Some("alpine"), "busybox", "latest"));
    }
}
