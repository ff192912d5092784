//! `POST /build` (the classic builder's API): the tar context is streamed
//! to a file in the store's `tmp/`, then a fresh `rcon build` builds from
//! it (its RUN steps fork: never from the service, hazard 7). Its output
//! lines come back as docker's JSON stream (`{"stream": …}`), the image ID
//! as `{"aux": {"ID": …}}`, a failure as `{"error": …}`.

use super::body::{self, Resp};
use super::error::{ApiError, ApiResult};
use super::router::{Call, blocking};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};
use std::io::BufRead;

/// `POST /build?t&dockerfile&buildargs&labels&target&nocache&pull&q&rm&forcerm`.
pub async fn build(mut c: Call) -> ApiResult<Resp> {
    let mut args: Vec<String> = vec!["build".into()];
    for t in c.query.iter().filter(|(k, _)| k == "t").map(|(_, v)| v.clone()).filter(|t| !t.is_empty()) {
        args.extend(["-t".into(), t]);
    }
    if let Some(f) = c.param("dockerfile").filter(|f| !f.is_empty()) {
        if f.starts_with('/') || f.split('/').any(|p| p == "..") {
            return Err(ApiError::bad_request(format!("dockerfile {f:?} must be a path inside the context")));
        }
        args.extend(["-f".into(), f.to_string()]);
    }
    let map = |key: &str| -> ApiResult<Vec<(String, Option<String>)>> {
        match c.param(key).filter(|s| !s.is_empty()) {
            None => Ok(Vec::new()),
            Some(raw) => {
                let m: std::collections::BTreeMap<String, Option<String>> =
                    serde_json::from_str(raw).map_err(|e| ApiError::bad_request(format!("invalid {key}: {e}")))?;
                Ok(m.into_iter().collect())
            }
        }
    };
    for (k, v) in map("buildargs")? {
        args.extend([
            "--build-arg".into(),
            match v {
                Some(v) => format!("{k}={v}"),
                None => k,
            },
        ]);
    }
    for (k, v) in map("labels")? {
        args.extend(["--label".into(), format!("{k}={}", v.unwrap_or_default())]);
    }
    if let Some(t) = c.param("target").filter(|t| !t.is_empty()) {
        args.extend(["--target".into(), t.to_string()]);
    }
    if c.flag("nocache", false)? {
        args.push("--no-cache".into());
    }
    if c.flag("pull", false)? {
        args.push("--pull".into());
    }
    if let Some(n) = c.param("networkmode").filter(|n| matches!(*n, "host" | "none")) {
        args.extend(["--network".into(), n.to_string()]);
    }
    let quiet = c.flag("q", false)?;
    let svc = c.svc.clone();
    // A directory of its own under the store's tmp/: the context, the ID file.
    let dir = blocking(move || {
        let store = svc.store()?;
        let dir = store.tmp_dir().join(format!("api-build-{}", crate::util::random_hex(8)));
        std::fs::create_dir_all(&dir).map_err(|e| ApiError::server(format!("cannot create {}: {e}", dir.display())))?;
        Ok(dir)
    })
    .await?;
    let tar = dir.join("context.tar");
    let file =
        std::fs::File::create(&tar).map_err(|e| ApiError::server(format!("cannot create {}: {e}", tar.display())));
    let stored = match file {
        Ok(f) => body::stream_to(c.take_body()?, std::io::BufWriter::new(f), |_| Ok(())).await,
        Err(e) => Err(e),
    };
    if let Err(e) = stored {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    let iid = dir.join("iid");
    args.extend(["--iidfile".into(), iid.display().to_string(), tar.display().to_string()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = c.svc.rcon(&argv);
    // `-f` is resolved against the working directory first: an empty one.
    let cwd = dir.join("cwd");
    let _ = std::fs::create_dir(&cwd);
    cmd.current_dir(&cwd).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let (tx, b) = body::channel();
    let guard = c.svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let result = (|| -> Result<String, String> {
            let mut child = cmd.spawn().map_err(|e| format!("cannot start rcon build: {e}"))?;
            let stderr = child.stderr.take().expect("piped");
            let err_reader = std::thread::spawn(move || {
                let mut s = String::new();
                let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut s);
                s
            });
            for line in std::io::BufReader::new(child.stdout.take().expect("piped")).lines() {
                let Ok(line) = line else { break };
                if !quiet {
                    let _ = tx.json(&json!({"stream": format!("{line}\n")}));
                }
            }
            let status = child.wait().map_err(|e| format!("rcon build: {e}"))?;
            let err = err_reader.join().unwrap_or_default();
            if !status.success() {
                let m: Vec<&str> = err.lines().map(|l| l.strip_prefix("rcon: ").unwrap_or(l)).collect();
                return Err(m.join("\n"));
            }
            std::fs::read_to_string(&iid).map_err(|e| format!("rcon build wrote no image ID: {e}"))
        })();
        match result {
            Ok(id) => {
                let _ = tx.json(&json!({"aux": {"ID": id.trim()}}));
                if quiet {
                    let _ = tx.json(&json!({"stream": format!("{}\n", id.trim())}));
                }
            }
            Err(m) => {
                let _ = tx.json(&json!({"errorDetail": {"message": m}, "error": m}));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(b)
        .expect("static headers are valid"))
}

/// `POST /build/prune`: the builder's cache, as `rcon builder prune`.
pub async fn prune(c: Call) -> ApiResult<Resp> {
    let svc = c.svc.clone();
    let v: Value = blocking(move || {
        let store = svc.store()?;
        let (_, reclaimed) = crate::system::prune::build_cache(&store)?;
        Ok(json!({"CachesDeleted": [], "SpaceReclaimed": reclaimed}))
    })
    .await?;
    Ok(super::body::json(StatusCode::OK, &v))
}
