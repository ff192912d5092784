//! `rcon save [-o FILE] [--format docker-archive|oci-archive] IMAGE…` and
//! `rcon load [-i FILE] [-q]`.

use super::Context;
use crate::image::archive::ArchiveFormat;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Flags of `rcon save`.
#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Archive format: docker-archive or oci-archive
    #[arg(long, value_name = "FORMAT", default_value = "docker-archive", value_parser = ["docker-archive", "oci-archive"])]
    pub format: String,
    /// Compress the archive with gzip
    #[arg(long)]
    pub gzip: bool,
    /// Images: references or IDs
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// Flags of `rcon load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Read from this file instead of standard input
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Print only the image IDs
    #[arg(short, long)]
    pub quiet: bool,
}

/// Writes the images as one archive.
pub fn run_save(ctx: &Context, a: SaveArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let images = crate::system::images::resolve_for_save(&store, &a.images)?;
    let format = if a.format == "oci-archive" { ArchiveFormat::OciArchive } else { ArchiveFormat::DockerArchive };
    match &a.output {
        Some(path) => {
            // Unnamed until complete: a killed save leaves nothing behind.
            let mut out =
                crate::util::UnnamedFile::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(256 << 10, out.file());
            crate::system::images::save(&store, &images, format, a.gzip, &mut w)?;
            w.flush().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            drop(w);
            out.commit().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        None => {
            if std::io::stdout().is_terminal() {
                anyhow::bail!("refusing to write an archive to a terminal: use -o FILE or redirect standard output");
            }
            let mut out = std::io::BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
            crate::system::images::save(&store, &images, format, a.gzip, &mut out)?;
            out.flush()?;
        }
    }
    Ok(0)
}

/// Loads every image of an archive.
pub fn run_load(ctx: &Context, a: LoadArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let (path, _spool) = match &a.input {
        Some(p) => (p.clone(), None),
        None => {
            if std::io::stdin().is_terminal() {
                anyhow::bail!("no archive on standard input: use -i FILE or redirect standard input");
            }
            // Spooled into the store's tmp/ (loading reads it out of order).
            let (spool, mut f) = crate::system::images::Spool::create(&store)?;
            std::io::copy(&mut std::io::stdin().lock(), &mut f)?;
            (spool.path().to_path_buf(), Some(spool))
        }
    };
    let images = crate::system::images::load(&store, &path)?;
    let mut out = std::io::stdout().lock();
    for i in &images {
        if a.quiet || i.repo_tags.is_empty() {
            writeln!(out, "Loaded image ID: {}", i.id)?;
        }
        if !a.quiet {
            for t in &i.repo_tags {
                writeln!(out, "Loaded image: {}", crate::image::inspect::familiar(t))?;
            }
        }
    }
    Ok(0)
}
