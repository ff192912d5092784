//! `rcon system df [-v] [--format]` and `rcon system prune`.

use super::Context;
use crate::filters::Filters;
use crate::format::template::Format;
use crate::format::{Table, ago, human_size, human_size4};
use crate::system::{df, prune};
use clap::Args;
use std::io::{BufRead, Write};

/// Flags of `rcon system df`.
#[derive(Debug, Args)]
pub struct DfArgs {
    /// Show detailed information on space usage
    #[arg(short, long)]
    pub verbose: bool,
    /// Pretty-print using a Go template
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
}

/// Flags of `rcon system prune`.
#[derive(Debug, Args)]
pub struct SystemPruneArgs {
    /// Remove all unused images, not just dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not prompt for confirmation
    #[arg(short, long)]
    pub force: bool,
    /// Prune volumes
    #[arg(long)]
    pub volumes: bool,
    /// Provide filter values (until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE])
    #[arg(long, value_name = "FILTER")]
    pub filter: Vec<String>,
}

/// `system df`.
pub fn df(ctx: &Context, a: DfArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let usage = df::usage(&store)?;
    let mut out = std::io::stdout().lock();
    if let Some(f) = &a.format {
        out.write_all(Format::parse(f)?.render(&df::summary(&usage), &[])?.as_bytes())?;
        return Ok(0);
    }
    if !a.verbose {
        let mut t = Table::new(&["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]);
        for r in df::summary(&usage) {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            t.row(vec![s("Type"), s("TotalCount"), s("Active"), s("Size"), s("Reclaimable")]);
        }
        out.write_all(t.render().as_bytes())?;
        return Ok(0);
    }
    let now = chrono::Utc::now();
    writeln!(out, "Images space usage:\n")?;
    let mut t =
        Table::new(&["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"]);
    // docker: newest first, one row per image under its first tag.
    let mut images: Vec<_> = usage.images.iter().collect();
    images.sort_by_key(|i| std::cmp::Reverse(i.image.created));
    for i in images {
        let created = i.image.created.map_or("N/A".into(), |c| ago(c, now));
        let size = human_size(i.image.size);
        let first = i.image.repo_tags.first().cloned().unwrap_or_else(|| "<none>:<none>".to_string());
        let (repo, t_) = if first == "<none>:<none>" {
            ("<none>".to_string(), "<none>".to_string())
        } else {
            super::images::split_tag(&first)
        };
        t.row(vec![
            repo,
            t_,
            i.image.id.hex()[..12].to_string(),
            created.clone(),
            size.clone(),
            human_size4(i.shared),
            human_size4(i.unique),
            i.containers.to_string(),
        ]);
    }
    out.write_all(t.render().as_bytes())?;
    writeln!(out, "\nContainers space usage:\n")?;
    let mut t =
        Table::new(&["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"]);
    for c in &usage.containers {
        let state = store.container_state(&c.record.id).unwrap_or_default();
        t.row(vec![
            c.record.id[..12].to_string(),
            c.record.image.clone(),
            format!("\"{}\"", crate::format::ellipsis(&crate::container::list::display_command(&c.record.command), 20)),
            c.volumes.to_string(),
            human_size(c.size),
            ago(c.record.created, now),
            crate::container::list::status(&state, now),
            c.record.name.clone(),
        ]);
    }
    out.write_all(t.render().as_bytes())?;
    writeln!(out, "\nLocal Volumes space usage:\n")?;
    let mut t = Table::new(&["VOLUME NAME", "LINKS", "SIZE"]);
    for v in &usage.volumes {
        t.row(vec![v.name.clone(), v.links.to_string(), human_size4(v.size)]);
    }
    out.write_all(t.render().as_bytes())?;
    writeln!(out, "\nBuild cache usage: {}\n", human_size4(usage.build_cache.1))?;
    out.write_all(
        Table::new(&["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"]).render().as_bytes(),
    )?;
    Ok(0)
}

/// Asks docker's question on stderr; true for `y`/`Y`/`yes`.
pub(crate) fn confirm(warning: &str) -> anyhow::Result<bool> {
    eprint!("{warning}\nAre you sure you want to continue? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// `system prune`: stopped containers, unused networks, dangling (or with
/// `-a` unused) images, the build cache, and with `--volumes` unused volumes.
pub fn system_prune(ctx: &Context, a: SystemPruneArgs) -> anyhow::Result<i32> {
    let filters = Filters::parse(&a.filter, prune::PRUNE_KEYS).map_err(crate::util::DaemonError)?;
    if !a.force {
        let mut w = String::from(
            "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n",
        );
        if a.volumes {
            w.push_str("  - all volumes not used by at least one container\n");
        }
        w.push_str(if a.all {
            "  - all images without at least one container associated to them\n"
        } else {
            "  - all dangling images\n"
        });
        w.push_str(if a.all { "  - all build cache\n" } else { "  - all dangling build cache\n" });
        if !confirm(&w)? {
            return Ok(0);
        }
    }
    let store = ctx.store()?;
    let mut out = std::io::stdout().lock();
    let (containers, mut reclaimed) = prune::containers(&store, &filters)?;
    if !containers.is_empty() {
        writeln!(out, "Deleted Containers:")?;
        for id in &containers {
            writeln!(out, "{id}")?;
        }
        writeln!(out)?;
    }
    let networks = prune::networks(&store, &filters)?;
    if !networks.is_empty() {
        writeln!(out, "Deleted Networks:")?;
        for n in &networks {
            writeln!(out, "{n}")?;
        }
        writeln!(out)?;
    }
    if a.volumes {
        let volume_filters = Filters::parse(
            &a.filter.iter().filter(|f| f.starts_with("label")).cloned().collect::<Vec<_>>(),
            prune::VOLUME_PRUNE_KEYS,
        )
        .map_err(crate::util::DaemonError)?;
        let (volumes, bytes) = prune::volumes(&store, true, &volume_filters)?;
        reclaimed += bytes;
        if !volumes.is_empty() {
            writeln!(out, "Deleted Volumes:")?;
            for v in &volumes {
                writeln!(out, "{v}")?;
            }
            writeln!(out)?;
        }
    }
    let (images, bytes) = prune::images(&store, a.all, &filters)?;
    reclaimed += bytes;
    print_deleted_images(&store, &mut out, &images)?;
    let (_, bytes) = prune::build_cache(&store)?;
    crate::build::executor::prune_cache(&store);
    reclaimed += bytes;
    writeln!(out, "Total reclaimed space: {}", human_size4(reclaimed))?;
    Ok(0)
}

/// docker's `Deleted Images:` block (and their events).
pub(crate) fn print_deleted_images(
    store: &crate::store::Store,
    out: &mut dyn Write,
    images: &[crate::store::ImageRecord],
) -> anyhow::Result<()> {
    if images.is_empty() {
        return Ok(());
    }
    writeln!(out, "Deleted Images:")?;
    for removed in images {
        for t in &removed.repo_tags {
            writeln!(out, "untagged: {}", crate::image::inspect::familiar(t))?;
        }
        writeln!(out, "deleted: {}", removed.id)?;
        crate::system::images::image_deleted(store, removed);
    }
    writeln!(out)?;
    Ok(())
}
