//! `rcon exec`: another process in a running container, with the
//! container's environment, working directory and user unless overridden.

use super::forward_signals_to;
use crate::runtime::exec::{ExecRequest, exec as runtime_exec};
use crate::store::{ContainerStatus, Store, events};
use crate::util::DaemonError;
use anyhow::Context as _;
use std::os::fd::{AsFd, OwnedFd};

/// What `rcon exec` was asked to do.
#[derive(Debug, Default, Clone)]
pub struct ExecOptions {
    /// Container name, ID or ID prefix.
    pub container: String,
    /// Command and arguments.
    pub command: Vec<String>,
    /// `-e KEY=VALUE` (or `KEY` from rcon's environment), over the container's.
    pub env: Vec<String>,
    /// `-u USER[:GROUP]`; default: the container's user.
    pub user: Option<String>,
    /// `-w DIR`; default: the container's working directory.
    pub workdir: Option<String>,
    /// `-d`: do not wait.
    pub detach: bool,
    /// `-i`: connect rcon's stdin.
    pub interactive: bool,
    /// `-t`: a pseudo-terminal.
    pub tty: bool,
}

/// Runs the command in the container; returns its exit code (0 with `-d`).
/// Errors: no such container, not running or paused ([`DaemonError`] in
/// docker's words), and the runtime's 126/127 errors.
pub fn exec(store: &Store, opts: &ExecOptions) -> anyhow::Result<i32> {
    let record = store.find_container(&opts.container)?;
    let state = store.container_state(&record.id)?;
    // docker's daemon's words (the CLI prints `Error response from daemon: …`).
    let (ContainerStatus::Running, Some(pid)) = (state.status, state.pid) else {
        return Err(DaemonError(format!("Container {} is not running", record.id)).into());
    };
    if state.paused {
        return Err(
            DaemonError(format!("Container {} is paused, unpause the container before exec", opts.container)).into()
        );
    }
    let spec: oci_spec::runtime::Spec = serde_json::from_value(record.spec.clone())?;
    let process = spec.process().as_ref();
    let mut env = process.and_then(|p| p.env().clone()).unwrap_or_default();
    for e in &opts.env {
        let (key, value) = match e.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => match std::env::var(e) {
                Ok(v) => (e.clone(), v),
                Err(_) => continue,
            },
        };
        env.retain(|x| x.split_once('=').map_or(x.as_str(), |(k, _)| k) != key);
        env.push(format!("{key}={value}"));
    }
    let cwd = opts.workdir.clone().unwrap_or_else(|| process.map_or("/".into(), |p| p.cwd().display().to_string()));
    let confinement = crate::runtime::Confinement::from_spec(&spec, Some(&store.root().join("cache")))?;
    let mut req = ExecRequest {
        confinement: Some(confinement),
        args: opts.command.clone(),
        env,
        cwd,
        user: opts.user.clone().or_else(|| record.user.clone()),
        tty: opts.tty,
        ..Default::default()
    };
    let dup = |fd: std::os::fd::BorrowedFd<'_>| fd.try_clone_to_owned().context("cannot duplicate a standard stream");
    let mut master: Option<OwnedFd> = None;
    if opts.detach {
        let null = || -> anyhow::Result<OwnedFd> {
            Ok(std::fs::File::options().read(true).write(true).open("/dev/null")?.into())
        };
        req.stdout = Some(null()?);
        req.stderr = Some(null()?);
    } else if opts.tty {
        // From the container's own devpts, so that its /dev/pts has it;
        // the host's where the container has none.
        let (m, slave) = match crate::runtime::tty::open_pty_in(pid) {
            Ok(pair) => pair,
            Err(_) => {
                let pty = nix::pty::openpty(None, None).context("cannot allocate a pseudo-terminal")?;
                (pty.master, pty.slave)
            }
        };
        req.stdin = Some(slave.try_clone()?);
        req.stdout = Some(slave.try_clone()?);
        req.stderr = Some(slave);
        master = Some(m);
    } else if opts.interactive {
        req.stdin = Some(dup(std::io::stdin().as_fd())?);
    }
    let what = format!("exec_start: {}", opts.command.join(" "));
    events::container(store, &format!("exec_create: {}", opts.command.join(" ")), &record, &[]);
    let started = runtime_exec(pid, req)?;
    events::container(store, &what, &record, &[]);
    if opts.detach {
        // The joiner waits for the process; reap it in the background by
        // leaving it to init when rcon exits.
        return Ok(0);
    }
    forward_signals_to(started.pid);
    if let Some(m) = master {
        crate::runtime::tty::forward(m, opts.interactive).context("terminal session")?;
    }
    let code = started.joiner.wait()?.code();
    events::container(store, "exec_die", &record, &[("exitCode", &code.to_string())]);
    Ok(code)
}
