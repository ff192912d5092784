//! `rcon info` and `rcon version`, with `--format`.

use super::Context;
use crate::format::template::Format;
use clap::Args;
use std::io::Write;

/// Flags of `rcon info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Format the output using a Go template (or "json")
    #[arg(short, long, value_name = "TEMPLATE")]
    pub format: Option<String>,
}

/// Flags of `rcon version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output using a Go template (or "json")
    #[arg(short, long, value_name = "TEMPLATE")]
    pub format: Option<String>,
}

/// Prints one value with a template, or `text` when there is none.
fn print(
    value: serde_json::Value,
    format: Option<&str>,
    text: impl FnOnce(&serde_json::Value) -> String,
) -> anyhow::Result<i32> {
    let out = match format {
        Some(f) => Format::parse(f)?.render(&[value], &[])?,
        None => text(&value),
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(0)
}

/// `rcon info`: docker's system-wide information.
pub fn info(ctx: &Context, a: InfoArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    print(crate::system::info::info(&store)?, a.format.as_deref(), crate::system::info::info_text)
}

/// `rcon version`: client and server versions as docker prints them.
pub fn version(_ctx: &Context, a: VersionArgs) -> anyhow::Result<i32> {
    print(crate::system::info::version(), a.format.as_deref(), crate::system::info::version_text)
}
