//! `rcon history [-q] [--no-trunc] [-H] [--format T] IMAGE`.

use super::Context;
use crate::format::template::Format;
use crate::format::{Table, ago, ellipsis, human_size};
use crate::reference::Reference;
use crate::store::StoreError;
use clap::Args;
use std::io::Write;

/// Flags of `rcon history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Print sizes and dates in human readable format
    #[arg(short = 'H', long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub human: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Only show image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Format the output using a Go template (or "json")
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// The image: reference or ID
    pub image: String,
}

/// Prints the image's history, newest step first.
pub fn run(ctx: &Context, a: HistoryArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let normalized = Reference::parse(&a.image).ok().map(|r| r.to_string());
    let image =
        store.find_image(&a.image, normalized.as_deref())?.ok_or_else(|| StoreError::NoSuchImage(a.image.clone()))?;
    let rows = crate::image::inspect::history(&store, &image)?;
    let now = chrono::Utc::now();
    let id = |r: &crate::image::inspect::HistoryRow| match &r.id {
        Some(d) if a.no_trunc => d.to_string(),
        Some(d) => d.short().to_string(),
        None => "<missing>".to_string(),
    };
    let created = |r: &crate::image::inspect::HistoryRow| {
        let t = r.created.as_deref().and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok());
        match (t, a.human) {
            (Some(t), true) => ago(t.with_timezone(&chrono::Utc), now),
            (Some(t), false) => t.to_rfc3339(),
            (None, _) => "N/A".into(),
        }
    };
    let size = |r: &crate::image::inspect::HistoryRow| if a.human { human_size(r.size) } else { r.size.to_string() };
    let mut out = std::io::stdout().lock();
    if a.quiet {
        for r in &rows {
            writeln!(out, "{}", id(r))?;
        }
        return Ok(0);
    }
    if let Some(f) = &a.format {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "ID": id(r), "CreatedSince": created(r), "CreatedAt": r.created.clone().unwrap_or_default(),
                    "CreatedBy": r.created_by, "Size": size(r), "Comment": r.comment,
                })
            })
            .collect();
        let headers = [
            ("ID", "IMAGE"),
            ("CreatedSince", "CREATED"),
            ("CreatedAt", "CREATED AT"),
            ("CreatedBy", "CREATED BY"),
            ("Size", "SIZE"),
            ("Comment", "COMMENT"),
        ];
        out.write_all(Format::parse(f)?.render(&items, &headers)?.as_bytes())?;
        return Ok(0);
    }
    let mut table = Table::new(&["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]);
    for r in &rows {
        let by = r.created_by.replace('\t', " ");
        let by = if a.no_trunc { by } else { ellipsis(&by, 45) };
        table.row(vec![id(r), created(r), by, size(r), r.comment.clone()]);
    }
    out.write_all(table.render().as_bytes())?;
    Ok(0)
}
