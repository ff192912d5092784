//! `rcon search [OPTIONS] TERM`.

use super::Context;
use crate::format::template::Format;
use crate::registry::search::{self, SearchResult};
use clap::Args;
use std::io::Write;

/// Flags of `rcon search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Filter output: stars=N, is-official=BOOL, is-automated=BOOL
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Pretty-print search using a Go template
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Max number of search results
    #[arg(long, default_value_t = 25, value_name = "N")]
    pub limit: usize,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub tls_verify: bool,
    /// The term: NAME, or HOST[:PORT]/NAME to search another registry
    #[arg(value_name = "TERM")]
    pub term: String,
}

/// The fields of docker's search template: `.Name`, `.Description`,
/// `.StarCount`, `.IsOfficial` and `.IsAutomated` (`[OK]` or empty).
fn item(r: &SearchResult, no_trunc: bool) -> serde_json::Value {
    let desc = r.description.replace('\n', " ");
    let desc = if no_trunc { desc } else { crate::format::ellipsis(&desc, 45) };
    let ok = |b: bool| if b { "[OK]" } else { "" };
    serde_json::json!({
        "Name": r.name,
        "Description": desc,
        "StarCount": r.star_count.to_string(),
        "IsOfficial": ok(r.is_official),
        "IsAutomated": ok(r.is_automated),
    })
}

/// Searches and prints docker's table (or the template).
pub fn run(_ctx: &Context, a: SearchArgs) -> anyhow::Result<i32> {
    if !(1..=100).contains(&a.limit) {
        // docker: its daemon refuses it.
        return Err(crate::util::DaemonError(format!("Limit {} is outside the range of [1, 100]", a.limit)).into());
    }
    let results = search::search(&a.term, a.limit, a.tls_verify)?;
    let results = search::filter(results, &a.filter).map_err(anyhow::Error::msg)?;
    let items: Vec<_> = results.iter().map(|r| item(r, a.no_trunc)).collect();
    let format = a
        .format
        .as_deref()
        .unwrap_or("table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}");
    let headers = [
        ("Name", "NAME"),
        ("Description", "DESCRIPTION"),
        ("StarCount", "STARS"),
        ("IsOfficial", "OFFICIAL"),
        ("IsAutomated", "AUTOMATED"),
    ];
    std::io::stdout().lock().write_all(Format::parse(format)?.render(&items, &headers)?.as_bytes())?;
    Ok(0)
}
