//! `rcon images [-a] [-q] [--no-trunc] [--digests] [--filter F] [--format T] [REPOSITORY[:TAG]]`.

use super::Context;
use crate::format::{Table, ago, human_size};
use chrono::Utc;
use clap::Args;
use std::io::Write;

/// Flags of `rcon images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Show all images (rcon keeps no hidden intermediate images: the same as without)
    #[arg(short, long)]
    pub all: bool,
    /// Show digests
    #[arg(long)]
    pub digests: bool,
    /// Filter: dangling=true|false, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format the output using a Go template (or "json")
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Only show image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Only images matching this repository[:tag]
    pub repository: Option<String>,
}

/// `--filter` values, parsed.
#[derive(Default)]
struct Filters {
    dangling: Option<bool>,
    references: Vec<String>,
    labels: Vec<(String, Option<String>)>,
    before: Option<chrono::DateTime<Utc>>,
    since: Option<chrono::DateTime<Utc>>,
}

impl Filters {
    fn parse(store: &crate::store::Store, list: &[String]) -> anyhow::Result<Filters> {
        let mut f = Filters::default();
        let created_of = |name: &str| -> anyhow::Result<Option<chrono::DateTime<Utc>>> {
            let normalized = crate::reference::Reference::parse(name).ok().map(|r| r.to_string());
            let image = store
                .find_image(name, normalized.as_deref())?
                .ok_or_else(|| crate::store::StoreError::NoSuchImage(name.to_string()))?;
            Ok(image.created)
        };
        for item in list {
            let (k, v) = item.split_once('=').unwrap_or((item.as_str(), ""));
            match k {
                "dangling" => match v {
                    "true" | "1" => f.dangling = Some(true),
                    "false" | "0" => f.dangling = Some(false),
                    _ => anyhow::bail!("invalid filter `{item}`: dangling takes true or false"),
                },
                "reference" => f.references.push(v.to_string()),
                "label" => {
                    let (lk, lv) = v.split_once('=').map_or((v, None), |(a, b)| (a, Some(b.to_string())));
                    f.labels.push((lk.to_string(), lv));
                }
                "before" => f.before = created_of(v)?,
                "since" => f.since = created_of(v)?,
                // docker's daemon's words.
                _ => return Err(crate::util::DaemonError(format!("Invalid filter '{k}'")).into()),
            }
        }
        Ok(f)
    }

    /// Image-level filters.
    fn keeps(&self, store: &crate::store::Store, image: &crate::store::ImageRecord) -> bool {
        if self.dangling.is_some_and(|d| d != image.repo_tags.is_empty()) {
            return false;
        }
        if let Some(b) = self.before
            && image.created.is_none_or(|c| c >= b)
        {
            return false;
        }
        if let Some(s) = self.since
            && image.created.is_none_or(|c| c <= s)
        {
            return false;
        }
        if !self.labels.is_empty() {
            let config = crate::image::inspect::config_json(store, image).unwrap_or_default();
            let labels = &config["config"]["Labels"];
            for (k, v) in &self.labels {
                match (labels.get(k).and_then(|x| x.as_str()), v) {
                    (None, _) => return false,
                    (Some(have), Some(want)) if have != want => return false,
                    _ => {}
                }
            }
        }
        true
    }

    /// Row-level filter (`reference`): glob on `repo` and `repo:tag`.
    fn keeps_row(&self, repo: &str, tag: &str) -> bool {
        self.references.is_empty() || self.references.iter().any(|p| glob(p, repo) || glob(p, &format!("{repo}:{tag}")))
    }
}

/// Shell-style glob: `*` (not across `/`), `?`, literal otherwise (Go's `path.Match`).
fn glob(pattern: &str, s: &str) -> bool {
    fn m(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).take_while(|&i| i == 0 || s[i - 1] != '/').any(|i| m(rest, &s[i..])),
            Some(('?', rest)) => s.first().is_some_and(|c| *c != '/') && m(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && m(rest, &s[1..]),
        }
    }
    m(&pattern.chars().collect::<Vec<_>>(), &s.chars().collect::<Vec<_>>())
}

/// Lists images.
pub fn run(ctx: &Context, a: ImagesArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let now = Utc::now();
    let filters = Filters::parse(&store, &a.filter)?;
    let format = a.format.as_deref().map(crate::format::template::Format::parse).transpose()?;
    let mut images = store.images()?;
    images.sort_by_key(|i| std::cmp::Reverse(i.created));
    let mut header = vec!["REPOSITORY", "TAG"];
    if a.digests {
        header.push("DIGEST");
    }
    header.extend(["IMAGE ID", "CREATED", "SIZE"]);
    let mut table = Table::new(&header);
    let mut ids: Vec<String> = Vec::new();
    let mut items: Vec<serde_json::Value> = Vec::new();
    for image in images.iter().filter(|i| filters.keeps(&store, i)) {
        let id = if a.no_trunc { image.id.to_string() } else { image.id.short().to_string() };
        let mut rows: Vec<(String, String)> = image.repo_tags.iter().map(|t| split_tag(t)).collect();
        if rows.is_empty() {
            let repo = image.repo_digests.first().map(|d| split_digest(d)).unwrap_or_else(|| "<none>".into());
            rows.push((repo, "<none>".into()));
        }
        rows.retain(|(repo, tag)| matches_filter(a.repository.as_deref(), repo, tag) && filters.keeps_row(repo, tag));
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
            let digest = image
                .repo_digests
                .iter()
                .find(|d| split_digest(d) == repo)
                .and_then(|d| d.split_once('@'))
                .map_or_else(|| "<none>".to_string(), |(_, d)| d.to_string());
            if format.is_some() {
                items.push(serde_json::json!({
                    // docker fills Digest only with --digests.
                    "ID": id, "Repository": repo, "Tag": tag,
                    "Digest": if a.digests { digest } else { "<none>".to_string() },
                    "CreatedSince": created,
                    "CreatedAt": image.created.map(crate::format::go_time).unwrap_or_default(),
                    "Size": human_size(image.size), "Containers": "N/A", "SharedSize": "N/A",
                    "UniqueSize": "N/A", "VirtualSize": human_size(image.size),
                }));
                continue;
            }
            let mut row = vec![repo, tag];
            if a.digests {
                row.push(digest);
            }
            row.extend([id.clone(), created.clone(), human_size(image.size)]);
            table.row(row);
        }
    }
    if a.quiet {
        let mut out = std::io::stdout().lock();
        for id in ids {
            writeln!(out, "{id}")?;
        }
    } else if let Some(f) = format {
        let headers = [
            ("ID", "IMAGE ID"),
            ("Repository", "REPOSITORY"),
            ("Tag", "TAG"),
            ("Digest", "DIGEST"),
            ("CreatedSince", "CREATED"),
            ("CreatedAt", "CREATED AT"),
            ("Size", "SIZE"),
            ("Containers", "CONTAINERS"),
            ("SharedSize", "SHARED SIZE"),
            ("UniqueSize", "UNIQUE SIZE"),
            ("VirtualSize", "VIRTUAL SIZE"),
        ];
        std::io::stdout().lock().write_all(f.render(&items, &headers)?.as_bytes())?;
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

    #[test]
    fn globs() {
        assert!(glob("busy*", "busybox"));
        assert!(glob("*:latest", "busybox:latest"));
        assert!(!glob("*", "a/b"));
        assert!(glob("*/*", "a/b"));
        assert!(glob("b?sybox", "busybox"));
        assert!(!glob("box", "busybox"));
    }
}
