//! `rcon inspect [--format TEMPLATE] [--type container|image] OBJECT…`.

use super::Context;
use crate::container::inspect::container_json;
use crate::format::template::Format;
use crate::reference::Reference;
use clap::Args;
use std::io::Write;

/// Flags of `rcon inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format the output using a Go template (or "json")
    #[arg(short, long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Only look for this type of object: container or image
    #[arg(long = "type", value_name = "TYPE", value_parser = ["container", "image"])]
    pub kind: Option<String>,
    /// Containers (names, IDs) or images (references, IDs)
    #[arg(required = true, value_name = "OBJECT")]
    pub objects: Vec<String>,
}

/// Prints a JSON array of the objects (or each formatted with the template).
pub fn run(ctx: &Context, a: InspectArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut items = Vec::new();
    let mut status = 0;
    for name in &a.objects {
        match find(&store, name, a.kind.as_deref(), a.format.is_some()) {
            Ok(v) => items.push(v),
            Err(e) => {
                eprintln!("Error: {e:#}");
                status = 1;
            }
        }
    }
    let mut out = std::io::stdout().lock();
    match a.format.as_deref() {
        Some(f) => out.write_all(Format::parse_inspect(f)?.render_inspect(&items)?.as_bytes())?,
        None => writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?,
    }
    Ok(status)
}

/// The object `name` as JSON; `templated`: for a `--format` template.
fn find(
    store: &crate::store::Store,
    name: &str,
    kind: Option<&str>,
    templated: bool,
) -> anyhow::Result<serde_json::Value> {
    if kind != Some("image") {
        match store.find_container(name) {
            Ok(record) => {
                let state = store.container_state(&record.id)?;
                let mut doc = container_json(store, &record, &state);
                if templated {
                    crate::container::inspect::add_template_fields(&mut doc);
                }
                return Ok(doc);
            }
            Err(crate::store::StoreError::NoSuchContainer(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if kind != Some("container") {
        let normalized = Reference::parse(name).ok().map(|r| r.to_string());
        if let Some(image) = store.find_image(name, normalized.as_deref())? {
            return Ok(crate::image::inspect::inspect(store, &image)?);
        }
    }
    match kind {
        Some("image") => anyhow::bail!("No such image: {name}"),
        Some(_) => anyhow::bail!("No such container: {name}"),
        None => anyhow::bail!("No such object: {name}"),
    }
}
