//! `rcon save [-o FILE] [--format docker-archive|oci-archive] IMAGE…` and
//! `rcon load [-i FILE] [-q]`.

use super::Context;
use crate::image::archive::{ArchiveFormat, load, save};
use crate::reference::Reference;
use crate::store::StoreError;
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
    let mut images = Vec::new();
    for name in &a.images {
        let normalized = Reference::parse(name).ok().map(|r| r.to_string());
        let image =
            store.find_image(name, normalized.as_deref())?.ok_or_else(|| StoreError::NoSuchImage(name.clone()))?;
        // The tag named (or, for an ID, every tag of the image).
        let tags = match normalized.filter(|n| image.repo_tags.contains(n)) {
            Some(t) => vec![t],
            None => image.repo_tags.clone(),
        };
        images.push((image, tags));
    }
    let format = if a.format == "oci-archive" { ArchiveFormat::OciArchive } else { ArchiveFormat::DockerArchive };
    match &a.output {
        Some(path) => {
            // Unnamed until complete: a killed save leaves nothing behind.
            let mut out =
                crate::util::UnnamedFile::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(256 << 10, out.file());
            write_archive(&store, &images, format, a.gzip, &mut w)?;
            w.flush().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            drop(w);
            out.commit().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        None => {
            if std::io::stdout().is_terminal() {
                anyhow::bail!("refusing to write an archive to a terminal: use -o FILE or redirect standard output");
            }
            let mut out = std::io::BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
            write_archive(&store, &images, format, a.gzip, &mut out)?;
            out.flush()?;
        }
    }
    Ok(0)
}

fn write_archive(
    store: &crate::store::Store,
    images: &[(crate::store::ImageRecord, Vec<String>)],
    format: ArchiveFormat,
    gzip: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if gzip {
        let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
        save(store, images, format, &mut gz)?;
        gz.finish()?;
    } else {
        save(store, images, format, out)?;
    }
    for (i, _) in images {
        let id = i.id.to_string();
        crate::store::events::record(store, "image", "save", &id, &[("name", &id)]);
    }
    Ok(())
}

/// Loads every image of an archive.
pub fn run_load(ctx: &Context, a: LoadArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let (path, _tmp) = match &a.input {
        Some(p) => (p.clone(), None),
        None => {
            if std::io::stdin().is_terminal() {
                anyhow::bail!("no archive on standard input: use -i FILE or redirect standard input");
            }
            // Spool stdin into the store's tmp/ (loading reads it out of order).
            let p = store.tmp_dir().join(format!("blob-{}-{}", std::process::id(), crate::util::random_hex(8)));
            let mut f = std::fs::File::create(&p)?;
            std::io::copy(&mut std::io::stdin().lock(), &mut f)?;
            (p.clone(), Some(TempPath(p)))
        }
    };
    let images = load(&store, &path)?;
    for i in &images {
        let id = i.id.to_string();
        crate::store::events::record(&store, "image", "load", &id, &[("name", &id)]);
    }
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

struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
