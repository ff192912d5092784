//! `/containers/{id}/exec` and `/exec/{id}/…`: exec instances (kept in
//! the service's memory, as docker keeps them) run by a fresh `rcon exec`
//! whose stdio is the hijacked connection (hazard 7: the service never
//! forks into a container itself).

use super::body::{self, Hijacked, Resp, json};
use super::error::{ApiError, ApiResult};
use super::router::{Call, blocking};
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::io::{Read, Write};
use std::sync::Arc;

/// One exec instance.
#[derive(Debug, Clone)]
pub struct ExecInstance {
    /// Its ID (64 hex digits).
    pub id: String,
    /// The container's full ID.
    pub container: String,
    /// The body it was created with.
    pub config: ExecConfig,
    /// Its process runs.
    pub running: bool,
    /// Its exit code, once it has exited.
    pub exit_code: Option<i32>,
    /// The pid of the `rcon exec` running it.
    pub pid: Option<u32>,
    /// With `Tty`: the master of the pseudo-terminal that is the `rcon exec
    /// -t`'s stdio (which copies its size to the exec'd process's own
    /// terminal on `SIGWINCH`), for `POST /exec/{id}/resize`.
    pub console: Option<Arc<std::os::fd::OwnedFd>>,
}

/// `POST /containers/{id}/exec`'s body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecConfig {
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    pub tty: bool,
    pub env: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub privileged: bool,
}

/// `POST /containers/{id}/exec`: 201 `{"Id": …}`; 409 when the container
/// does not run.
pub async fn create(mut c: Call, id: &str) -> ApiResult<Resp> {
    let config: ExecConfig = c.json().await?;
    if config.cmd.as_ref().is_none_or(|c| c.is_empty()) {
        return Err(ApiError::bad_request("No exec command specified"));
    }
    let (svc, id) = (c.svc.clone(), id.to_string());
    let container = blocking(move || {
        let store = svc.store()?;
        let record = store.find_container(&id)?;
        if store.container_state(&record.id)?.status != crate::store::ContainerStatus::Running {
            return Err(crate::container::Error::NotRunning(record.id).into());
        }
        Ok(record.id)
    })
    .await?;
    let exec_id = crate::util::random_hex(32);
    let instance = ExecInstance {
        id: exec_id.clone(),
        container,
        config,
        running: false,
        exit_code: None,
        pid: None,
        console: None,
    };
    lock(&c.svc).insert(exec_id.clone(), instance);
    Ok(json(StatusCode::CREATED, &json!({"Id": exec_id})))
}

fn lock(svc: &super::Service) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, ExecInstance>> {
    svc.execs.lock().unwrap_or_else(|e| e.into_inner())
}

/// `POST /exec/{id}/start` with `{"Detach": …, "Tty": …}`: runs it; the
/// output (multiplexed, raw with a TTY) on the hijacked connection, the
/// client's input to its stdin when it was created with `AttachStdin`.
pub async fn start(mut c: Call, id: &str) -> ApiResult<Resp> {
    let body: serde_json::Value = c.json().await?;
    let detach = body["Detach"].as_bool().unwrap_or(false);
    let start_tty = body["Tty"].as_bool().unwrap_or(false);
    let instance = {
        let mut execs = lock(&c.svc);
        let e = execs.get_mut(id).ok_or_else(|| ApiError::not_found(format!("No such exec instance: {id}")))?;
        if e.running || e.exit_code.is_some() {
            return Err(ApiError::conflict(format!("Exec command {id} has already run")));
        }
        e.running = true;
        e.clone()
    };
    let cfg = &instance.config;
    let tty = (cfg.tty || start_tty) && !detach;
    let mut args: Vec<String> = vec!["exec".into()];
    if cfg.attach_stdin && !detach {
        args.push("-i".into());
    }
    if tty {
        args.push("-t".into());
    }
    for e in cfg.env.iter().flatten() {
        args.extend(["-e".into(), e.clone()]);
    }
    if let Some(u) = cfg.user.as_ref().filter(|u| !u.is_empty()) {
        args.extend(["-u".into(), u.clone()]);
    }
    if let Some(w) = cfg.working_dir.as_ref().filter(|w| !w.is_empty()) {
        args.extend(["-w".into(), w.clone()]);
    }
    args.push(instance.container.clone());
    args.extend(cfg.cmd.clone().unwrap_or_default());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = c.svc.rcon(&argv);
    let svc = c.svc.clone();
    let exec_id = id.to_string();
    let finish = move |svc: &Arc<super::Service>, code: i32| {
        if let Some(e) = lock(svc).get_mut(&exec_id) {
            e.running = false;
            e.exit_code = Some(code);
        }
    };
    if detach {
        cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().map_err(|e| ApiError::server(format!("cannot start rcon exec: {e}")))?;
        if let Some(e) = lock(&svc).get_mut(id) {
            e.pid = Some(child.id());
        }
        tokio::task::spawn_blocking(move || {
            let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(126);
            finish(&svc, code);
        });
        return Ok(body::no_content(StatusCode::OK));
    }
    if tty {
        return start_tty_session(c, id, cmd, cfg.attach_stdin, finish);
    }
    let want_stdin = cfg.attach_stdin;
    let (want_out, want_err) = (cfg.attach_stdout, cfg.attach_stderr);
    let content_type = "application/vnd.docker.multiplexed-stream";
    cmd.stdin(if want_stdin { std::process::Stdio::piped() } else { std::process::Stdio::null() })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let svc2 = svc.clone();
    let id2 = id.to_string();
    Ok(body::hijack(&mut c, content_type, move |io: Hijacked| {
        let Hijacked { out, input } = io;
        let mut child = match cmd.spawn() {
            Ok(ch) => ch,
            Err(e) => {
                let _ = out.send(super::containers::frame(2, format!("cannot start rcon exec: {e}\n").as_bytes()));
                finish(&svc2, 126);
                return;
            }
        };
        if let Some(e) = lock(&svc2).get_mut(&id2) {
            e.pid = Some(child.id());
        }
        // stdin: the client's bytes until it closes its side.
        let stdin_thread = match (child.stdin.take(), input) {
            (Some(mut stdin), Some(mut rx)) => Some(std::thread::spawn(move || {
                while let Some(chunk) = rx.blocking_recv() {
                    if stdin.write_all(&chunk).is_err() {
                        break;
                    }
                }
            })),
            _ => None,
        };
        let pump = |mut r: Box<dyn Read + Send>, stream: u8, wanted: bool, out: body::Sender| {
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 32 * 1024];
                loop {
                    match r.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) if wanted => {
                            if out.send(super::containers::frame(stream, &buf[..n])).is_err() {
                                break;
                            }
                        }
                        Ok(_) => {}
                    }
                }
            })
        };
        let t_out = child.stdout.take().map(|o| pump(Box::new(o), 1, want_out, out.clone()));
        let t_err = child.stderr.take().map(|e| pump(Box::new(e), 2, want_err, out.clone()));
        for t in [t_out, t_err].into_iter().flatten() {
            let _ = t.join();
        }
        let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(126);
        finish(&svc2, code);
        drop(stdin_thread);
        drop(out);
    }))
}

/// The `Tty` side of [`start`]: `rcon exec -t` runs on a pseudo-terminal
/// the service opens (raw, so the exec'd process's own terminal does all
/// the line discipline, as with docker); its master is the raw stream of
/// the hijacked connection, and [`resize`] sets its size.
fn start_tty_session(
    mut c: Call,
    id: &str,
    mut cmd: std::process::Command,
    want_stdin: bool,
    finish: impl Fn(&Arc<super::Service>, i32) + Send + 'static,
) -> ApiResult<Resp> {
    let pty = nix::pty::openpty(None, None)
        .map_err(|e| ApiError::server(format!("cannot allocate a pseudo-terminal for exec {id}: {}", e.desc())))?;
    let mut attrs = nix::sys::termios::tcgetattr(&pty.slave)
        .map_err(|e| ApiError::server(format!("cannot read the pseudo-terminal's modes: {}", e.desc())))?;
    nix::sys::termios::cfmakeraw(&mut attrs);
    nix::sys::termios::tcsetattr(&pty.slave, nix::sys::termios::SetArg::TCSANOW, &attrs)
        .map_err(|e| ApiError::server(format!("cannot make the pseudo-terminal raw: {}", e.desc())))?;
    let clone = |fd: &std::os::fd::OwnedFd| {
        fd.try_clone().map_err(|e| ApiError::server(format!("cannot duplicate the pseudo-terminal: {e}")))
    };
    cmd.stdin(clone(&pty.slave)?).stdout(clone(&pty.slave)?).stderr(pty.slave);
    let master = Arc::new(pty.master);
    let svc = c.svc.clone();
    if let Some(e) = lock(&svc).get_mut(id) {
        e.console = Some(master.clone());
    }
    let id = id.to_string();
    Ok(body::hijack(&mut c, "application/vnd.docker.raw-stream", move |io: Hijacked| {
        let Hijacked { out, input } = io;
        let spawned = cmd.spawn();
        // The slave's copies must live only in the child, so that reading
        // the master ends (EIO) when it exits.
        drop(cmd);
        let mut child = match spawned {
            Ok(ch) => ch,
            Err(e) => {
                let _ = out.send(format!("cannot start rcon exec: {e}\r\n"));
                finish(&svc, 126);
                return;
            }
        };
        if let Some(e) = lock(&svc).get_mut(&id) {
            e.pid = Some(child.id());
        }
        if let (true, Some(mut rx), Ok(fd)) = (want_stdin, input, master.try_clone()) {
            let mut to = std::fs::File::from(fd);
            std::thread::spawn(move || {
                while let Some(chunk) = rx.blocking_recv() {
                    if to.write_all(&chunk).is_err() {
                        break;
                    }
                }
            });
        }
        if let Ok(fd) = master.try_clone() {
            let mut from = std::fs::File::from(fd);
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                match from.read(&mut buf) {
                    // EIO: the last slave closed (rcon exec has exited).
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if out.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        }
        let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(126);
        if let Some(e) = lock(&svc).get_mut(&id) {
            e.console = None;
        }
        finish(&svc, code);
    }))
}

/// The `h` and `w` parameters of a resize (rows, columns). Errors (400):
/// missing, or not numbers that fit.
pub fn window(c: &Call) -> ApiResult<(u16, u16)> {
    let dim = |k: &str| -> ApiResult<u16> {
        let v = c.int(k)?.ok_or_else(|| ApiError::bad_request(format!("{k} is required")))?;
        u16::try_from(v).map_err(|_| ApiError::bad_request(format!("invalid value for {k}: {v}")))
    };
    Ok((dim("h")?, dim("w")?))
}

/// `POST /exec/{id}/resize?h=&w=`: sets the window size of a running
/// `Tty` exec's terminal, and signals `SIGWINCH` to the `rcon exec`
/// holding it, which sets the exec'd process's terminal to the same size
/// (and the kernel signals `SIGWINCH` to that). Errors: 404 no such exec
/// instance; 409 it does not run or has no terminal.
pub async fn resize(c: Call, id: &str) -> ApiResult<Resp> {
    let (rows, cols) = window(&c)?;
    let e = lock(&c.svc).get(id).cloned().ok_or_else(|| ApiError::not_found(format!("No such exec instance: {id}")))?;
    let Some(console) = e.console.filter(|_| e.running) else {
        return Err(ApiError::conflict(format!("exec instance {id} is not running with a terminal (Tty)")));
    };
    crate::runtime::tty::set_window_size(std::os::fd::AsFd::as_fd(&*console), rows, cols)
        .map_err(|e| ApiError::server(format!("cannot resize the terminal of exec {id}: {}", e.desc())))?;
    if let Some(pid) = e.pid.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGWINCH);
    }
    Ok(body::no_content(StatusCode::OK))
}

/// `GET /exec/{id}/json`.
pub async fn inspect(c: Call, id: &str) -> ApiResult<Resp> {
    let e = lock(&c.svc).get(id).cloned().ok_or_else(|| ApiError::not_found(format!("No such exec instance: {id}")))?;
    let cmd = e.config.cmd.clone().unwrap_or_default();
    Ok(json(
        StatusCode::OK,
        &json!({
            "ID": e.id, "Running": e.running, "ExitCode": e.exit_code, "ContainerID": e.container,
            "OpenStdin": e.config.attach_stdin, "OpenStdout": e.config.attach_stdout, "OpenStderr": e.config.attach_stderr,
            "Pid": e.pid.unwrap_or(0), "CanRemove": false, "DetachKeys": "",
            "ProcessConfig": {
                "tty": e.config.tty, "privileged": e.config.privileged, "user": e.config.user.clone().unwrap_or_default(),
                "entrypoint": cmd.first().cloned().unwrap_or_default(), "arguments": cmd.get(1..).unwrap_or_default(),
            },
        }),
    ))
}
