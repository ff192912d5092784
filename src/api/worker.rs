//! The API service's helper process: a fresh, single-threaded `rcon` that
//! does what would fork inside the multi-threaded service (hazards 1 and 7),
//! for the requests that rcon's own commands cannot take as flags.
//!
//! `rcon __api-worker create ROOT RUNROOT LOG_LEVEL [NAME]` reads a
//! `POST /containers/create` body on stdin, creates the container with
//! `container::create` (which may copy an image's content into new volumes
//! in a forked child) and prints `{"Id": …, "Warnings": []}` on stdout, or
//! `{"status": N, "message": …}` with exit code 1.

use super::error::{ApiError, status_of};
use std::io::{Read, Write};

/// The first argument that makes `rcon` the API's helper.
pub const ENTRY: &str = "__api-worker";

/// The helper's entry point (`args`: what follows [`ENTRY`]); returns its
/// exit code.
pub fn main(args: &[std::ffi::OsString]) -> i32 {
    crate::sys::ignore_sigpipe(false);
    let arg = |i: usize| args.get(i).map(|a| a.to_string_lossy().into_owned());
    if let Some(level) = arg(3) {
        crate::util::set_log_level(&level);
    }
    let result = match (arg(0).as_deref(), arg(1), arg(2)) {
        (Some("create"), Some(root), Some(runroot)) => create(&root, &runroot, arg(4).filter(|n| !n.is_empty())),
        _ => Err(ApiError::server(format!("{ENTRY}: bad arguments {args:?}"))),
    };
    let (out, code) = match result {
        Ok(v) => (v, 0),
        Err(e) => (serde_json::json!({"status": e.status.as_u16(), "message": e.message}), 1),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut stdout, &out);
    let _ = stdout.flush();
    code
}

/// Creates a container from the create body on stdin.
fn create(root: &str, runroot: &str, name: Option<String>) -> Result<serde_json::Value, ApiError> {
    let mut data = Vec::new();
    std::io::stdin()
        .take(super::body::MAX_JSON_BODY as u64)
        .read_to_end(&mut data)
        .map_err(|e| ApiError::server(format!("cannot read the request: {e}")))?;
    let body: super::convert::CreateBody =
        serde_json::from_slice(&data).map_err(|e| ApiError::bad_request(format!("invalid create body: {e}")))?;
    if body.image.is_empty() {
        return Err(ApiError::bad_request("the create body names no Image"));
    }
    let store = crate::store::Store::open(root.as_ref(), runroot.as_ref()).map_err(anyhow::Error::from)?;
    crate::container::cleanup::sweep(&store);
    // docker answers 404 for a missing image; the client pulls and retries.
    let normalized = crate::reference::Reference::parse(&body.image).ok().map(|r| r.to_string());
    if store.find_image(&body.image, normalized.as_deref()).map_err(anyhow::Error::from)?.is_none() {
        return Err(ApiError::not_found(format!("No such image: {}", body.image)));
    }
    let extra = super::convert::extra_endpoints(&body);
    let opts = super::convert::run_options(body, name).map_err(|e| ApiError::new(status_of(&e), e.to_string()))?;
    // Bad values are 400, a taken name 409, a missing image 404: by type
    // (`status_of`).
    let created = crate::container::create(&store, &opts)?;
    let id = created.record.id.clone();
    // As `rcon create`: nobody needs to finish it now.
    crate::container::cleanup::release(&store, &id);
    for e in extra {
        let connected = match e.ip.as_deref().map(str::parse).transpose() {
            Ok(ip) => crate::network::connect(&store, &id, &e.network, &e.aliases, ip).map_err(anyhow::Error::from),
            Err(_) => Err(anyhow::anyhow!("invalid IPv4 address {:?}", e.ip.unwrap_or_default())),
        };
        // docker creates nothing when an endpoint fails.
        if let Err(err) = connected {
            let _ = crate::container::remove(&store, &id, true);
            let msg = format!("network {}: {}", e.network, crate::util::error_chain(err.as_ref()));
            return Err(ApiError::new(status_of(&err), msg));
        }
    }
    Ok(serde_json::json!({"Id": id, "Warnings": []}))
}
