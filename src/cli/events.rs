//! `rcon events`: the store's event log, filtered, formatted, followed.

use super::Context;
use crate::format::template::Format;
use crate::store::events::{self, Filter, Follower};
use chrono::Utc;
use clap::Args;
use std::io::Write;

/// Flags of `rcon events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Show events created since this time (timestamp, Unix time or duration like 10m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Stream events until this time, then exit
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Filter output: container=, event=, image=, label=, network=, type=, volume=
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Format the output using a Go template (or "json")
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
}

/// Prints past events (with `--since`), then follows the log until
/// `--until` passes, or forever without it.
pub fn run(ctx: &Context, a: EventsArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let now = Utc::now();
    let since = a.since.as_deref().map(|s| crate::util::parse_time(s, now)).transpose().map_err(anyhow::Error::msg)?;
    let until = a.until.as_deref().map(|s| crate::util::parse_time(s, now)).transpose().map_err(anyhow::Error::msg)?;
    let filter = Filter::parse(&a.filter).map_err(anyhow::Error::msg)?;
    let format = a.format.as_deref().map(Format::parse).transpose()?;
    // Follow from the end before reading the past, so nothing falls between.
    let mut follower = Follower::new(&store);
    let mut out = std::io::stdout().lock();
    let print = |e: &events::Event, out: &mut std::io::StdoutLock| -> anyhow::Result<()> {
        if !filter.matches(e) || since.is_some_and(|s| e.when() < s) || until.is_some_and(|u| e.when() > u) {
            return Ok(());
        }
        let text = match &format {
            Some(Format::Json) => format!("{}\n", serde_json::to_string(e)?),
            Some(f) => f.render(&[e.to_json()], &[])?,
            None => format!("{}\n", e.to_text()),
        };
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    };
    // As docker: past events when a window is given, new ones only otherwise.
    if since.is_some() || until.is_some() {
        for e in events::read_all(&store) {
            // Events appended after the follower started come from it.
            if e.when() <= now {
                print(&e, &mut out)?;
            }
        }
    }
    if until.is_some_and(|u| u <= now) {
        return Ok(0);
    }
    loop {
        for e in follower.wait(std::time::Duration::from_millis(500)) {
            if (since.is_none() && until.is_none()) || e.when() > now {
                print(&e, &mut out)?;
            }
        }
        if until.is_some_and(|u| Utc::now() > u) {
            return Ok(0);
        }
    }
}
