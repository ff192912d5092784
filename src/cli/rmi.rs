//! `rcon rmi [-f] IMAGE…`.

use super::Context;
use crate::store::Store;
use crate::system::images::Removed;
use clap::Args;

/// Flags of `rcon rmi`.
#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Force removal of the image, even if containers use it
    #[arg(short, long)]
    pub force: bool,
    /// Images: references, IDs or unique ID prefixes
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// Removes images.
pub fn run(ctx: &Context, a: RmiArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut code = 0;
    for name in &a.images {
        if let Err(e) = remove(&store, name, a.force) {
            super::print_error(&e);
            code = 1;
        }
    }
    Ok(code)
}

/// Removes one image (see `system::images::remove`) and prints what it did.
fn remove(store: &Store, name: &str, force: bool) -> anyhow::Result<()> {
    for r in crate::system::images::remove(store, name, force)? {
        match r {
            Removed::Untagged(t) => println!("Untagged: {t}"),
            Removed::Deleted(id) => println!("Deleted: {id}"),
        }
    }
    Ok(())
}
