//! `/containers/{id}/archive` (docker cp): a fresh `rcon cp` (which may
//! mount the container's root filesystem in a private mount namespace of a
//! forked child: never from the service, hazard 7) streams the tar.
//!
//! `GET` answers with the tar of the path and its stat in the
//! `X-Docker-Container-Path-Stat` header (base64 JSON of `name`, `size`,
//! `mode` as Go's `os.FileMode`, `mtime`, `linkTarget`), read from the
//! first header of the tar; `HEAD` with the stat only; `PUT` streams the
//! request's tar into the directory `path`.

use super::body::{self, Resp};
use super::error::{ApiError, ApiResult};
use super::router::Call;
use bytes::Bytes;
use hyper::{Method, Response, StatusCode};
use std::io::Read;

/// Go's `os.ModeDir`.
const GO_MODE_DIR: u32 = 1 << 31;
/// Go's `os.ModeSymlink`.
const GO_MODE_SYMLINK: u32 = 1 << 27;

/// `GET|HEAD|PUT /containers/{id}/archive?path=`.
pub async fn handle(mut c: Call, id: &str) -> ApiResult<Resp> {
    let path = c.param("path").filter(|p| !p.is_empty()).ok_or_else(|| ApiError::bad_request("path is required"))?;
    let target = format!("{id}:{path}");
    if c.method == Method::PUT {
        let mut cmd = c.svc.rcon(&["cp", "-", &target]);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| ApiError::server(format!("cannot start rcon cp: {e}")))?;
        let stdin = child.stdin.take().expect("piped");
        let body = c.take_body()?;
        let streamed = body::stream_to(body, stdin, |_| Ok(())).await;
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .map_err(|e| ApiError::server(e.to_string()))?
            .map_err(|e| ApiError::server(format!("rcon cp: {e}")))?;
        if !out.status.success() {
            return Err(cp_error(&out.stderr));
        }
        streamed?;
        return Ok(body::no_content(StatusCode::OK));
    }
    let head = c.method == Method::HEAD;
    let mut cmd = c.svc.rcon(&["cp", "-a", &target, "-"]);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let (first, child) = tokio::task::spawn_blocking(move || -> ApiResult<(Vec<u8>, std::process::Child)> {
        let mut child = cmd.spawn().map_err(|e| ApiError::server(format!("cannot start rcon cp: {e}")))?;
        let mut header = vec![0u8; 512];
        let mut stdout = child.stdout.take().expect("piped");
        let mut got = 0;
        while got < 512 {
            match stdout.read(&mut header[got..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        child.stdout = Some(stdout);
        if got < 512 {
            let out = child.wait_with_output().map_err(|e| ApiError::server(format!("rcon cp: {e}")))?;
            return Err(cp_error(&out.stderr));
        }
        Ok((header, child))
    })
    .await
    .map_err(|e| ApiError::server(e.to_string()))??;
    let stat = stat_of(&first)?;
    let encoded = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&stat).unwrap_or_default())
    };
    let resp = Response::builder()
        .status(StatusCode::OK)
        .header("X-Docker-Container-Path-Stat", encoded)
        .header("Content-Type", "application/x-tar");
    if head {
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        return Ok(resp.body(body::empty()).expect("valid headers"));
    }
    let (tx, b) = body::channel();
    let guard = c.svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let mut child = child;
        let mut stdout = child.stdout.take().expect("piped");
        if tx.send(Bytes::from(first)).is_ok() {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(Bytes::copy_from_slice(&buf[..n])).is_err() {
                            let _ = child.kill();
                            break;
                        }
                    }
                }
            }
        }
        let _ = child.wait();
    });
    Ok(resp.body(b).expect("valid headers"))
}

/// docker's path stat from the first tar header `rcon cp` wrote.
fn stat_of(header: &[u8]) -> ApiResult<serde_json::Value> {
    let h = tar::Header::from_byte_slice(header);
    let name = h.path().map_err(|e| ApiError::server(format!("rcon cp wrote a bad tar header: {e}")))?;
    let name = name.to_string_lossy().trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string();
    let perm = h.mode().unwrap_or(0o644) & 0o7777;
    let (mode, link) = match h.entry_type() {
        tar::EntryType::Directory => (GO_MODE_DIR | perm, String::new()),
        tar::EntryType::Symlink => (
            GO_MODE_SYMLINK | perm,
            h.link_name().ok().flatten().map(|l| l.to_string_lossy().into_owned()).unwrap_or_default(),
        ),
        _ => (perm, String::new()),
    };
    let mtime = h.mtime().unwrap_or(0) as i64;
    let mtime = chrono::DateTime::from_timestamp(mtime, 0).unwrap_or_default();
    Ok(serde_json::json!({
        "name": name, "size": h.size().unwrap_or(0), "mode": mode,
        "mtime": mtime.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "linkTarget": link,
    }))
}

/// `rcon cp`'s failure as docker's status: a missing container or path
/// 404, the rest 500 (the message is rcon's).
fn cp_error(stderr: &[u8]) -> ApiError {
    let text = String::from_utf8_lossy(stderr);
    let m: Vec<&str> =
        text.lines().map(|l| l.strip_prefix("rcon: ").or_else(|| l.strip_prefix("Error: ")).unwrap_or(l)).collect();
    let m = m.join("\n");
    let lower = m.to_ascii_lowercase();
    if ["no such", "not found", "does not exist", "could not find"].iter().any(|w| lower.contains(w)) {
        ApiError::not_found(m)
    } else {
        ApiError::server(m)
    }
}
