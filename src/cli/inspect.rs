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
        match find(&store, name, a.kind.as_deref()) {
            Ok(v) => items.push(v),
            Err(e) => {
                eprintln!("Error: {}", crate::util::error_chain(e.as_ref()));
                status = 1;
            }
        }
    }
    print_documents(a.format.as_deref(), &items, status)
}

/// `docker network inspect` and `docker volume inspect`: the document of
/// each of `names` (from `inspect`, whose document is both the typed and
/// the raw one), printed with [`print_documents`] after the errors of the
/// missing ones, which make the exit status 1 (what exists is still
/// printed, `[]` when nothing does).
pub(crate) fn print_each<E: Into<anyhow::Error>>(
    format: Option<&str>,
    names: &[String],
    mut inspect: impl FnMut(&str) -> Result<serde_json::Value, E>,
) -> anyhow::Result<i32> {
    let mut docs = Vec::new();
    let mut code = 0;
    for name in names {
        match inspect(name) {
            Ok(doc) => docs.push((doc.clone(), doc)),
            Err(e) => {
                super::print_error(&e.into());
                code = 1;
            }
        }
    }
    print_documents(format, &docs, code)
}

/// Prints inspect documents as docker's CLI does and returns the exit
/// status (`status`, or 1 when a template fails). `docs` are `(typed, raw)`
/// pairs: the document with the fields docker's Go structs have even when
/// its JSON omits them, and docker's JSON. Without `format`: the raw
/// documents as an indented JSON array (`[]` when there are none). With
/// it: see [`Format::render_inspect_each`]; each failure is printed on
/// stderr after the output.
pub(crate) fn print_documents(
    format: Option<&str>,
    docs: &[(serde_json::Value, serde_json::Value)],
    mut status: i32,
) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    match format {
        Some(f) => {
            let (text, errors) = Format::parse_inspect(f)?.render_inspect_each(docs);
            out.write_all(text.as_bytes())?;
            out.flush()?;
            for e in errors {
                eprintln!("{e}");
                status = 1;
            }
        }
        None => {
            let raw: Vec<&serde_json::Value> = docs.iter().map(|(_, raw)| raw).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&raw)?)?;
        }
    }
    Ok(status)
}

/// The object `name` as a `(typed, raw)` pair (see [`print_documents`]).
fn find(
    store: &crate::store::Store,
    name: &str,
    kind: Option<&str>,
) -> anyhow::Result<(serde_json::Value, serde_json::Value)> {
    if kind != Some("image") {
        match store.find_container(name) {
            Ok(record) => {
                let state = store.container_state(&record.id)?;
                let raw = container_json(store, &record, &state);
                let mut typed = raw.clone();
                crate::container::inspect::add_template_fields(&mut typed);
                return Ok((typed, raw));
            }
            Err(crate::store::StoreError::NoSuchContainer(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if kind != Some("container") {
        let normalized = Reference::parse(name).ok().map(|r| r.to_string());
        if let Some(image) = store.find_image(name, normalized.as_deref())? {
            let doc = crate::image::inspect::inspect(store, &image)?;
            return Ok((doc.clone(), doc));
        }
    }
    match kind {
        Some("image") => anyhow::bail!("No such image: {name}"),
        Some(_) => anyhow::bail!("No such container: {name}"),
        None => anyhow::bail!("No such object: {name}"),
    }
}
