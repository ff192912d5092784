//! `/containers/…`: list, create, inspect, start, stop, restart, kill,
//! wait, remove, logs, attach, rename, pause, top, stats, prune.

use super::body::{self, Hijacked, Resp, json, json_bytes};
use super::error::{ApiError, ApiResult};
use super::router::{Call, blocking};
use crate::container::logs::{ReadOptions, Record, Stream};
use crate::store::{ContainerStatus, Store};
use chrono::{DateTime, Utc};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// docker's stream header: 1 stdout, 2 stderr, then the length (big endian).
pub fn frame(stream: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + data.len());
    out.extend_from_slice(&[stream, 0, 0, 0]);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// The content type of a container's output stream.
fn stream_type(tty: bool, c: &Call) -> &'static str {
    if tty || !c.at_least(1, 42) {
        "application/vnd.docker.raw-stream"
    } else {
        "application/vnd.docker.multiplexed-stream"
    }
}

/// True when the container runs with a terminal (its output is one raw
/// stream then).
fn has_tty(record: &crate::store::ContainerRecord) -> bool {
    record.spec["process"]["terminal"].as_bool().unwrap_or(false)
}

/// Opens the store and finds container `id` (404 when there is none), for
/// a handler that streams from a blocking thread afterwards.
async fn open(c: &Call, id: &str) -> ApiResult<(Store, crate::store::ContainerRecord)> {
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        Ok((store, record))
    })
    .await
}

/// `GET /containers/json?all&limit&size&filters`.
pub async fn list(c: Call) -> ApiResult<Resp> {
    let all = c.flag("all", false)?;
    let limit = c.int("limit")?.filter(|n| *n > 0).map(|n| n as usize);
    let raw: Vec<String> = c.filters()?.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let filters = crate::container::list::Filters::parse(&raw).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let all = all || limit.is_some() || filters.has("status") || filters.has("exited");
        let query = crate::store::ContainerQuery { running: !all, ..filters.query() };
        let now = Utc::now();
        let rows = store.list_containers(&query)?;
        let mut out = Vec::new();
        for row in rows.iter().rev() {
            if (!all && row.state.status != ContainerStatus::Running) || !filters.matches(&store, row, &row.state) {
                continue;
            }
            out.push(summary(&store, row, now));
            if limit.is_some_and(|n| out.len() >= n) {
                break;
            }
        }
        Ok(serde_json::to_vec(&out).expect("a container summary serializes"))
    })
    .await?;
    Ok(json_bytes(StatusCode::OK, v))
}

/// One container in docker's list shape (Engine API `ContainerSummary`),
/// serialized as it is built: no JSON tree per container.
fn summary<'a>(store: &Store, row: &'a crate::store::ContainerRow, now: DateTime<Utc>) -> ContainerSummary<'a> {
    use crate::container::network_settings::{networks, port_map};
    let ep = crate::network::endpoint(store, &row.id);
    let mut ports = Vec::new();
    let mut nets = None;
    if let Some(ep) = &ep {
        for (key, bindings) in port_map(ep) {
            let (port, proto) = key.split_once('/').unwrap_or((&key, "tcp"));
            let private_port: u64 = port.parse().unwrap_or(0);
            let kind = proto.to_string();
            match bindings {
                Some(list) => ports.extend(list.into_iter().map(|b| PortSummary {
                    public_port: Some(b.host_port.parse().unwrap_or(0)),
                    ip: Some(b.host_ip),
                    private_port,
                    kind: kind.clone(),
                })),
                None => ports.push(PortSummary { ip: None, private_port, public_port: None, kind }),
            }
        }
        nets = Some(networks(ep));
    }
    let network_mode = nets.as_ref().and_then(|n| n.keys().next().cloned()).unwrap_or_else(|| "default".into());
    ContainerSummary {
        command: crate::container::list::display_command(&row.command),
        created: row.created.timestamp(),
        host_config: SummaryHostConfig { network_mode },
        id: &row.id,
        image: &row.image,
        image_id: row.image_id.to_string(),
        labels: &row.labels,
        mounts: [],
        names: [format!("/{}", row.name)],
        network_settings: SummaryNetworks { networks: nets },
        ports,
        state: if row.problem.is_some() { "dead" } else { crate::container::inspect::status_word(&row.state) },
        status: crate::container::list::status(&row.state, now),
    }
}

/// docker's `ContainerSummary` (the keys in docker's alphabetical order).
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerSummary<'a> {
    command: String,
    /// Seconds since the epoch.
    created: i64,
    host_config: SummaryHostConfig,
    id: &'a str,
    image: &'a str,
    #[serde(rename = "ImageID")]
    image_id: String,
    labels: &'a std::collections::BTreeMap<String, String>,
    mounts: [(); 0],
    names: [String; 1],
    network_settings: SummaryNetworks,
    ports: Vec<PortSummary>,
    state: &'static str,
    status: String,
}

/// `ContainerSummary.HostConfig`.
#[derive(serde::Serialize)]
struct SummaryHostConfig {
    #[serde(rename = "NetworkMode")]
    network_mode: String,
}

/// `ContainerSummary.NetworkSettings` (null networks: no endpoint).
#[derive(serde::Serialize)]
struct SummaryNetworks {
    #[serde(rename = "Networks")]
    networks: Option<std::collections::BTreeMap<String, crate::container::network_settings::NetworkEntry>>,
}

/// One of `ContainerSummary.Ports`: `IP` and `PublicPort` only when published.
#[derive(serde::Serialize)]
struct PortSummary {
    #[serde(rename = "IP", skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    #[serde(rename = "PrivatePort")]
    private_port: u64,
    #[serde(rename = "PublicPort", skip_serializing_if = "Option::is_none")]
    public_port: Option<u64>,
    #[serde(rename = "Type")]
    kind: String,
}

/// `POST /containers/create?name=`: the body is checked here (400), then
/// a fresh rcon creates the container ([`super::worker`]).
pub async fn create(mut c: Call) -> ApiResult<Resp> {
    let name = c.param("name").filter(|n| !n.is_empty()).map(|n| n.trim_start_matches('/').to_string());
    let body: Value = c.json().await?;
    let _: super::convert::CreateBody =
        serde_json::from_value(body.clone()).map_err(|e| ApiError::bad_request(format!("invalid create body: {e}")))?;
    let svc = c.svc.clone();
    let v = blocking(move || {
        use std::io::Write;
        let mut cmd = std::process::Command::new("/proc/self/exe");
        cmd.arg0("rcon")
            .arg(super::worker::ENTRY)
            .arg("create")
            .arg(&svc.root)
            .arg(&svc.runroot)
            .arg(svc.log_level)
            .arg(name.unwrap_or_default())
            .env_remove("LISTEN_PID")
            .env_remove("LISTEN_FDS")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| ApiError::server(format!("cannot start rcon: {e}")))?;
        let mut stdin = child.stdin.take().expect("piped");
        let data = serde_json::to_vec(&body).unwrap_or_default();
        let _ = stdin.write_all(&data);
        drop(stdin);
        let out = child.wait_with_output().map_err(|e| ApiError::server(format!("rcon create: {e}")))?;
        let v: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
            ApiError::server(format!("rcon create failed: {}", String::from_utf8_lossy(&out.stderr).trim()))
        })?;
        if let Some(status) = v["status"].as_u64() {
            let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Err(ApiError::new(status, v["message"].as_str().unwrap_or("create failed")));
        }
        Ok(v)
    })
    .await?;
    Ok(json(StatusCode::CREATED, &v))
}

use std::os::unix::process::CommandExt as _;

/// `GET /containers/{id}/json`: `rcon inspect`'s document.
pub async fn inspect(c: Call, id: &str) -> ApiResult<Resp> {
    let (svc, id) = (c.svc.clone(), id.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        let state = store.container_state(&record.id)?;
        let mut v = crate::container::inspect::container_json(&store, &record, &state);
        // Clients (docker-py's `run`) read logs through the API only from
        // the drivers docker serves them for; rcon serves them for its own.
        v["HostConfig"]["LogConfig"]["Type"] = json!("json-file");
        Ok(v)
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// Starts container `id` under a monitor spawned as a fresh process
/// (`container::start_unforked`: never forked from here, hazard 7);
/// returns false when it already runs. A command that cannot be run
/// (exit 126/127 in the CLI) is 400, as docker's.
fn start_container(svc: &super::Service, id: &str) -> ApiResult<bool> {
    let store = svc.store()?;
    match crate::container::start_unforked(&store, id) {
        Ok((_, started)) => Ok(started),
        Err(e) => {
            let e = anyhow::Error::from(e);
            let runtime = e.chain().find_map(|c| c.downcast_ref::<crate::runtime::Error>());
            match runtime.map(|r| r.exit_code()) {
                Some(126 | 127) => Err(ApiError::bad_request(crate::util::error_chain(e.as_ref()))),
                _ => Err(e.into()),
            }
        }
    }
}

/// `POST /containers/{id}/start`: 204, or 304 when it already runs.
pub async fn start(c: Call, id: &str) -> ApiResult<Resp> {
    let (svc, id) = (c.svc.clone(), id.to_string());
    let started = blocking(move || start_container(&svc, &id)).await?;
    Ok(body::no_content(if started { StatusCode::NO_CONTENT } else { StatusCode::NOT_MODIFIED }))
}

/// `POST /containers/{id}/stop?t=`: 204, or 304 when it does not run.
pub async fn stop(c: Call, id: &str) -> ApiResult<Resp> {
    let t = c.int("t")?.filter(|t| *t >= 0).map(|t| t as u64);
    let (svc, id) = (c.svc.clone(), id.to_string());
    let stopped = blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        if store.container_state(&record.id)?.status != ContainerStatus::Running {
            return Ok(false);
        }
        crate::container::lifecycle::stop(&store, &record.id, t)?;
        Ok(true)
    })
    .await?;
    Ok(body::no_content(if stopped { StatusCode::NO_CONTENT } else { StatusCode::NOT_MODIFIED }))
}

/// `POST /containers/{id}/restart?t=`: stop (if running), then start.
pub async fn restart(c: Call, id: &str) -> ApiResult<Resp> {
    let t = c.int("t")?.filter(|t| *t >= 0).map(|t| t as u64);
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        if store.container_state(&record.id)?.status == ContainerStatus::Running {
            crate::container::lifecycle::stop(&store, &record.id, t)?;
        }
        start_container(&svc, &record.id)?;
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/kill?signal=`: 204; 409 when it does not run.
pub async fn kill(c: Call, id: &str) -> ApiResult<Resp> {
    let signal = c.param("signal").filter(|s| !s.is_empty()).unwrap_or("SIGKILL").to_string();
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let sig =
            crate::container::lifecycle::parse_signal(&signal).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        if store.container_state(&record.id)?.status != ContainerStatus::Running {
            return Err(crate::container::Error::NotRunning(record.id).into());
        }
        crate::container::lifecycle::kill(&store, &record.id, sig)?;
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/wait?condition=not-running|next-exit|removed`:
/// the headers at once, then `{"StatusCode": N}` when the condition holds
/// (`container::lifecycle::wait_until`, which follows the event log).
pub async fn wait(c: Call, id: &str) -> ApiResult<Resp> {
    let condition: crate::container::lifecycle::WaitCondition = c
        .param("condition")
        .filter(|s| !s.is_empty())
        .unwrap_or("not-running")
        .parse()
        .map_err(ApiError::bad_request)?;
    let (store, record) = open(&c, id).await?;
    let record_id = record.id;
    let (tx, b) = body::channel();
    let guard = c.svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let gone = || tx.is_closed();
        let v = match crate::container::lifecycle::wait_until(&store, &record_id, condition, &gone) {
            Ok(code) => json!({"StatusCode": code, "Error": null}),
            Err(e) => json!({"StatusCode": -1, "Error": {"Message": crate::util::error_chain(&e)}}),
        };
        let _ = tx.json(&v);
    });
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(b)
        .expect("static headers are valid"))
}

/// `DELETE /containers/{id}?force&v`: 204; 409 when it runs without force.
pub async fn remove(c: Call, id: &str) -> ApiResult<Resp> {
    let force = c.flag("force", false)?;
    let volumes = c.flag("v", false)?;
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        // As `rcon rm`: a pod's infra goes only with its pod.
        crate::pod::check_removable(&store, &id).map_err(|e| ApiError::conflict(format!("{e:#}")))?;
        let record = crate::container::remove(&store, &id, force).map_err(|e| match e {
            // docker's daemon names the container as the client did.
            crate::container::Error::Store(crate::store::StoreError::ContainerRunning(_)) => ApiError::conflict(format!(
                "You cannot remove a running container {id}. Stop the container before attempting removal or force remove"
            )),
            e => e.into(),
        })?;
        if volumes && let Some(record) = record {
            crate::volume::remove_anonymous(&store, &record);
        }
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::NO_CONTENT))
}

/// A Unix time with fractions (`1700000000.5`) or anything
/// `util::parse_time` reads; `0` or empty is unset.
fn time_param(c: &Call, key: &str) -> ApiResult<Option<DateTime<Utc>>> {
    match c.param(key).filter(|s| !s.is_empty() && *s != "0") {
        None => Ok(None),
        Some(s) => {
            if let Ok(f) = s.parse::<f64>() {
                let secs = f.trunc() as i64;
                let nanos = ((f - f.trunc()) * 1e9) as u32;
                return Ok(DateTime::from_timestamp(secs, nanos));
            }
            crate::util::parse_time(s, Utc::now()).map(Some).map_err(ApiError::bad_request)
        }
    }
}

/// Formats a record for the client: `[ts ]data`, framed unless `tty`.
fn encode(r: &Record, tty: bool, timestamps: bool) -> Vec<u8> {
    let mut data = Vec::with_capacity(r.content.len() + 32);
    if timestamps {
        data.extend_from_slice(r.time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true).as_bytes());
        data.push(b' ');
    }
    data.extend_from_slice(&r.content);
    if tty { data } else { frame(if r.stream == Stream::Stdout { 1 } else { 2 }, &data) }
}

/// `GET /containers/{id}/logs?follow&stdout&stderr&since&until&timestamps&tail`.
pub async fn logs(c: Call, id: &str) -> ApiResult<Resp> {
    let follow = c.flag("follow", false)?;
    let want_out = c.flag("stdout", false)?;
    let want_err = c.flag("stderr", false)?;
    if !want_out && !want_err {
        return Err(ApiError::bad_request("Bad parameters: you must choose at least one stream"));
    }
    let timestamps = c.flag("timestamps", false)?;
    let tail = match c.param("tail").filter(|s| !s.is_empty()) {
        None | Some("all") => None,
        Some(n) => match n.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(n as usize),
            Err(_) => return Err(ApiError::bad_request(format!("invalid tail {n:?}"))),
        },
    };
    let opts = ReadOptions { since: time_param(&c, "since")?, until: time_param(&c, "until")?, tail, follow };
    let (store, record) = open(&c, id).await?;
    let tty = has_tty(&record);
    let (tx, b) = body::channel();
    let guard = c.svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let mut buf: Vec<u8> = Vec::new();
        let result = crate::container::logs::read(&store, &record.id, &opts, |r| {
            if (r.stream == Stream::Stdout && !want_out) || (r.stream == Stream::Stderr && !want_err) {
                return Ok(());
            }
            buf.extend_from_slice(&encode(r, tty, timestamps));
            if follow || buf.len() >= 32 * 1024 {
                tx.send(std::mem::take(&mut buf))?;
            }
            Ok(())
        });
        if result.is_ok() && !buf.is_empty() {
            let _ = tx.send(buf);
        }
    });
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", stream_type(tty, &c))
        .body(b)
        .expect("static headers are valid"))
}

/// `POST /containers/{id}/attach?stream&stdout&stderr&logs`: the
/// container's output (its log, from now on, or from the start with
/// `logs`) on a hijacked connection until the container stops. A
/// container that has not started yet is waited for first (docker run
/// attaches before it starts). Input is not forwarded.
pub async fn attach(mut c: Call, id: &str) -> ApiResult<Resp> {
    let want_out = c.flag("stdout", false)?;
    let want_err = c.flag("stderr", false)?;
    let with_logs = c.flag("logs", false)?;
    let stream = c.flag("stream", false)?;
    let (svc, id) = (c.svc.clone(), id.to_string());
    let (store, record, mark) = blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        let state = store.container_state(&record.id)?;
        Ok((store, record, crate::container::lifecycle::Mark::of(&state)))
    })
    .await?;
    let tty = has_tty(&record);
    let content_type = stream_type(tty, &c);
    let want_in = c.flag("stdin", false)?;
    Ok(body::hijack(&mut c, content_type, move |io: Hijacked| {
        let Hijacked { out, input } = io;
        // Where "from now on" starts, taken before any input is passed on:
        // the container's answer to it may come at once.
        let log = store.container_dir(&record.id).join("ctr.log");
        let offset = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        // stdin=1: the client's bytes to the container's stdin FIFO (a
        // container created without OpenStdin gets nothing; the client's
        // side is drained all the same).
        // The FIFO stays open here until the stream ends: what a client
        // sends before the container starts (docker run -i) waits in the
        // pipe, which closing its last descriptor would empty.
        let fifo = if want_in && input.is_some() {
            crate::container::monitor::stdin_writer(&store, &record).unwrap_or_else(|e| {
                crate::warn!("API: attach: cannot open the stdin of container {}: {e}", &record.id[..12]);
                None
            })
        } else {
            None
        };
        if let Some(mut rx) = input {
            let mut fifo = fifo.as_ref().and_then(|f| f.try_clone().ok());
            std::thread::spawn(move || {
                use std::io::Write as _;
                while let Some(chunk) = rx.blocking_recv() {
                    if let Some(f) = fifo.as_mut()
                        && f.write_all(&chunk).is_err()
                    {
                        fifo = None;
                    }
                }
            });
        }
        let send = |r: &Record| -> std::io::Result<()> {
            if (r.stream == Stream::Stdout && !want_out) || (r.stream == Stream::Stderr && !want_err) {
                return Ok(());
            }
            out.send(encode(r, tty, false))
        };
        if with_logs {
            // The history up to where the stream below takes over.
            let opts = ReadOptions::default();
            let end = if stream { offset } else { u64::MAX };
            if crate::container::logs::read_to(&store, &record.id, &opts, end, send).is_err() {
                return;
            }
        }
        if !stream {
            return;
        }
        // Followed from now; a container that has not started yet (docker
        // run attaches first) is followed until it has run and stopped.
        let opts = ReadOptions::default();
        let _ = crate::container::logs::follow_until(
            &store,
            &record.id,
            offset,
            &opts,
            |s| match s {
                None => true,
                Some(s) => {
                    (s.status == ContainerStatus::Running || mark.ran_since(s)) && crate::container::logs::stopped(s)
                }
            },
            send,
        );
    }))
}

/// `POST /containers/{id}/resize?h=&w=`: sets the window size of a
/// running `Tty` container's console (the terminal that is its init's
/// stdin, reached as `/proc/PID/fd/0`); the kernel signals `SIGWINCH` to
/// its foreground processes. Errors: 404 no such container; 409 it does
/// not run or has no terminal.
pub async fn resize(c: Call, id: &str) -> ApiResult<Resp> {
    let (rows, cols) = super::exec::window(&c)?;
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        let state = store.container_state(&record.id)?;
        let pid = match (state.status, state.pid) {
            (ContainerStatus::Running, Some(pid)) => pid,
            _ => return Err(crate::container::Error::NotRunning(record.id).into()),
        };
        let no_tty = || ApiError::conflict(format!("container {id} has no terminal: it was created without Tty"));
        if !has_tty(&record) {
            return Err(no_tty());
        }
        use std::os::unix::fs::OpenOptionsExt as _;
        let console = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(format!("/proc/{pid}/fd/0"))
            .map_err(|e| ApiError::server(format!("cannot open the console of container {id}: {e}")))?;
        if !nix::unistd::isatty(&console).unwrap_or(false) {
            return Err(no_tty());
        }
        crate::runtime::tty::set_window_size(std::os::fd::AsFd::as_fd(&console), rows, cols)
            .map_err(|e| ApiError::server(format!("cannot resize the console of container {id}: {}", e.desc())))?;
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::OK))
}

/// `POST /containers/{id}/rename?name=`.
pub async fn rename(c: Call, id: &str) -> ApiResult<Resp> {
    let name = c.param("name").filter(|s| !s.is_empty()).ok_or_else(|| ApiError::bad_request("name is required"))?;
    let (svc, id, name) = (c.svc.clone(), id.to_string(), name.to_string());
    blocking(move || {
        let store = svc.store()?;
        crate::container::rename(&store, &id, &name)?;
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::NO_CONTENT))
}

/// `POST /containers/{id}/update`: docker's `UpdateConfig` (the resource
/// fields of `HostConfig` and `RestartPolicy`) applied as `rcon update`
/// does (`container::update`: the stored spec, and the live cgroup of a
/// running container). Answers `{"Warnings": []}`. Errors: 400 for a
/// value rcon refuses or an empty update, 404 no such container.
pub async fn update(mut c: Call, id: &str) -> ApiResult<Resp> {
    let body: super::convert::HostConfig = c.json().await?;
    let u = crate::container::Update {
        resources: super::convert::resources(&body),
        restart: body
            .restart_policy
            .as_ref()
            .filter(|p| p.name.as_deref().is_some_and(|n| !n.is_empty()))
            .map(super::convert::restart_flag),
    };
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        store.find_container(&id)?;
        crate::container::update(&store, &id, &u).map_err(|e| ApiError::bad_request(crate::util::error_chain(&e)))
    })
    .await?;
    Ok(json(StatusCode::OK, &json!({"Warnings": []})))
}

/// `POST /containers/{id}/pause|unpause`: as `rcon pause`.
pub async fn pause(c: Call, id: &str, frozen: bool) -> ApiResult<Resp> {
    let (svc, id) = (c.svc.clone(), id.to_string());
    blocking(move || {
        let store = svc.store()?;
        crate::container::lifecycle::pause(&store, &id, frozen)?;
        Ok(())
    })
    .await?;
    Ok(body::no_content(StatusCode::NO_CONTENT))
}

/// `GET /containers/{id}/top?ps_args=`: `rcon top`'s table as docker's
/// `{"Titles": […], "Processes": [[…]]}`.
pub async fn top(c: Call, id: &str) -> ApiResult<Resp> {
    let ps_args = c.param("ps_args").filter(|s| !s.is_empty()).unwrap_or("-ef").to_string();
    let (svc, id) = (c.svc.clone(), id.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        let args: Vec<String> = ps_args.split_whitespace().map(str::to_string).collect();
        let (titles, rows) = crate::container::lifecycle::top(&store, &id, &args)?;
        Ok(json!({"Titles": titles, "Processes": rows}))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `GET /containers/{id}/changes`: `rcon diff` as docker's
/// `[{"Path": …, "Kind": 0|1|2}]` (modified, added, deleted).
pub async fn changes(c: Call, id: &str) -> ApiResult<Resp> {
    let (svc, id) = (c.svc.clone(), id.to_string());
    let v = blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        let changes = crate::volume::diff::changes(&store, &record)
            .map_err(|e| ApiError::server(format!("container {id}: cannot read its changes: {e}")))?;
        let out: Vec<Value> = changes
            .iter()
            .map(|c| json!({"Path": c.path, "Kind": match c.kind { 'C' => 0, 'A' => 1, _ => 2 }}))
            .collect();
        Ok(Value::Array(out))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}

/// `GET /containers/{id}/export`: the container's filesystem as one tar
/// (`container::export`, as `rcon export`), streamed.
pub async fn export(c: Call, id: &str) -> ApiResult<Resp> {
    let (store, record) = open(&c, id).await?;
    let record_id = record.id;
    Ok(body::written(&c.svc, "application/x-tar", format!("export of {record_id}"), move |out| {
        Ok(crate::container::export(&store, &record_id, out)?)
    }))
}

/// `GET /containers/{id}/stats?stream=`: docker's stats document from the
/// container's cgroup (once a second while streaming).
pub async fn stats(c: Call, id: &str) -> ApiResult<Resp> {
    let stream = c.flag("stream", true)? && !c.flag("one-shot", false)?;
    let (store, record) = open(&c, id).await?;
    let (tx, b) = body::channel();
    let guard = c.svc.activity.enter();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let mut pre: Option<(crate::container::stats::Sample, DateTime<Utc>)> = None;
        loop {
            let pid = store
                .container_state(&record.id)
                .ok()
                .filter(|s| s.status == ContainerStatus::Running)
                .and_then(|s| s.pid);
            let now = Utc::now();
            let sample = pid.map(crate::container::stats::sample);
            let doc = stats_json(&record, sample.as_ref(), pre.as_ref(), now);
            if tx.json(&doc).is_err() || !stream {
                return;
            }
            pre = sample.map(|s| (s, now));
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(b)
        .expect("static headers are valid"))
}

/// docker's `types.StatsJSON` (the fields the docker CLI and docker-py read).
fn stats_json(
    record: &crate::store::ContainerRecord,
    now: Option<&crate::container::stats::Sample>,
    pre: Option<&(crate::container::stats::Sample, DateTime<Utc>)>,
    time: DateTime<Utc>,
) -> Value {
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpu = |s: Option<&crate::container::stats::Sample>| {
        json!({
            "cpu_usage": {"total_usage": s.and_then(|s| s.cpu_ns).unwrap_or(0), "usage_in_kernelmode": 0, "usage_in_usermode": 0},
            "system_cpu_usage": s.and_then(|s| s.system_ns).unwrap_or(0),
            "online_cpus": ncpu,
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}
        })
    };
    let (rx, tx) = now.and_then(|s| s.net).unwrap_or((0, 0));
    let (read, write) = now.and_then(|s| s.block).unwrap_or((0, 0));
    json!({
        "read": time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "preread": pre.map_or_else(|| "0001-01-01T00:00:00Z".to_string(), |(_, t)| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)),
        "id": record.id,
        "name": format!("/{}", record.name),
        "pids_stats": {"current": now.and_then(|s| s.pids).unwrap_or(0)},
        "cpu_stats": cpu(now),
        "precpu_stats": cpu(pre.map(|(s, _)| s)),
        "memory_stats": {"usage": now.and_then(|s| s.memory).unwrap_or(0), "limit": now.map_or(0, |s| s.memory_limit), "stats": {}},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 0, "minor": 0, "op": "read", "value": read},
            {"major": 0, "minor": 0, "op": "write", "value": write}
        ]},
        "networks": {"eth0": {"rx_bytes": rx, "tx_bytes": tx,
            "rx_packets": 0, "tx_packets": 0, "rx_errors": 0, "tx_errors": 0, "rx_dropped": 0, "tx_dropped": 0}},
    })
}

/// `POST /containers/prune?filters=`.
pub async fn prune(c: Call) -> ApiResult<Resp> {
    let raw: Vec<String> = c.filters()?.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let svc = c.svc.clone();
    let v = blocking(move || {
        let store = svc.store()?;
        let f =
            crate::filters::Filters::parse(&raw, crate::system::prune::PRUNE_KEYS).map_err(ApiError::bad_request)?;
        let (deleted, reclaimed) = crate::system::prune::containers(&store, &f)?;
        Ok(json!({"ContainersDeleted": deleted, "SpaceReclaimed": reclaimed}))
    })
    .await?;
    Ok(json(StatusCode::OK, &v))
}
