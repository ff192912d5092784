//! `rcon import [-c CHANGE]… [-m MESSAGE] FILE|URL|- [REFERENCE]` and
//! `rcon export [-o FILE] CONTAINER`.

use super::Context;
use crate::reference::Reference;
use clap::Args;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

/// Flags of `rcon import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)
    #[arg(short, long, value_name = "CHANGE")]
    pub change: Vec<String>,
    /// Commit message for the imported image
    #[arg(short, long, value_name = "MESSAGE", default_value = "")]
    pub message: String,
    /// A tarball: a file, an http(s) URL, or - for standard input
    pub source: String,
    /// Name for the image: NAME[:TAG]
    pub reference: Option<String>,
}

/// Flags of `rcon export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The container: name or ID
    pub container: String,
}

/// Imports a root filesystem tarball and prints the image ID.
pub fn run_import(ctx: &Context, a: ImportArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let tag = a.reference.as_deref().map(Reference::parse).transpose()?.map(|r| r.to_string());
    let mut image = serde_json::json!({"config": {}});
    crate::build::config_change::apply_changes(&mut image, &a.change).map_err(anyhow::Error::msg)?;
    let config = image["config"].take();
    let image = if a.source == "-" {
        crate::image::archive::import(&store, &mut std::io::stdin().lock(), config, &a.message, tag)?
    } else if a.source.starts_with("http://") || a.source.starts_with("https://") {
        // The client (and its runtime thread) is dropped before returning.
        let client =
            reqwest::blocking::Client::builder().user_agent(concat!("rcon/", env!("CARGO_PKG_VERSION"))).build()?;
        let resp = client.get(&a.source).send()?;
        if !resp.status().is_success() {
            anyhow::bail!("{}: {}", a.source, resp.status());
        }
        let mut body: Box<dyn Read> = Box::new(resp);
        crate::image::archive::import(&store, &mut body, config, &a.message, tag)?
    } else {
        let mut f = std::fs::File::open(&a.source).map_err(|e| anyhow::anyhow!("{}: {e}", a.source))?;
        crate::image::archive::import(&store, &mut f, config, &a.message, tag)?
    };
    let id = image.id.to_string();
    crate::store::events::record(&store, "image", "import", &id, &[("name", &id)]);
    println!("{}", image.id);
    Ok(0)
}

/// Writes a container's merged root filesystem as a tar.
pub fn run_export(ctx: &Context, a: ExportArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    match &a.output {
        Some(p) => {
            let f = std::fs::File::create(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            let mut w = std::io::BufWriter::with_capacity(256 << 10, f);
            crate::container::export(&store, &a.container, &mut w)?;
            w.flush()?;
        }
        None => {
            if std::io::stdout().is_terminal() {
                anyhow::bail!("refusing to write a tar to a terminal: use -o FILE or redirect standard output");
            }
            let mut w = std::io::BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
            crate::container::export(&store, &a.container, &mut w)?;
            w.flush()?;
        }
    }
    Ok(0)
}
