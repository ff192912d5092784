//! `rcon exec`: another process in a running container, with the
//! container's environment, working directory and user unless overridden.

use super::forward_signals_to;
use super::{Error, Result};
use crate::runtime::exec::{ExecRequest, exec as runtime_exec};
use crate::store::{ContainerStatus, Store, events};
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
/// Errors: no such container, not running or paused ([`Error::NotRunning`],
/// [`Error::Paused`], in docker's words), and the runtime's 126/127 errors.
pub fn exec(store: &Store, opts: &ExecOptions) -> Result<i32> {
    let record = store.find_container(&opts.container)?;
    let state = store.container_state(&record.id)?;
    // docker's daemon's words (the CLI prints `Error response from daemon: …`).
    let (ContainerStatus::Running, Some(pid)) = (state.status, state.pid) else {
        return Err(Error::NotRunning(record.id.clone()));
    };
    if state.paused {
        return Err(Error::Paused(opts.container.clone()));
    }
    let spec: oci_spec::runtime::Spec = serde_json::from_value(record.spec.clone())
        .map_err(|source| Error::StoredSpec { name: record.id[..12].to_string(), source })?;
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
    let dup = |fd: std::os::fd::BorrowedFd<'_>| {
        fd.try_clone_to_owned().map_err(|e| Error::sys("duplicate a standard stream")(errno_of(&e)))
    };
    let mut master: Option<OwnedFd> = None;
    if opts.detach {
        let null = || -> Result<OwnedFd> {
            let f = std::fs::File::options().read(true).write(true).open("/dev/null");
            Ok(f.map_err(Error::io("open", "/dev/null"))?.into())
        };
        req.stdout = Some(null()?);
        req.stderr = Some(null()?);
    } else if opts.tty {
        // From the container's own devpts, so that its /dev/pts has it;
        // the host's where the container has none.
        let (m, slave) = match crate::runtime::tty::open_pty_in(pid) {
            Ok(pair) => pair,
            Err(_) => {
                let pty = nix::pty::openpty(None, None).map_err(Error::sys("allocate a pseudo-terminal"))?;
                (pty.master, pty.slave)
            }
        };
        // The caller's window size before the process starts (as `run -t`
        // gives the console's): set later, by `tty::forward`, a program
        // that asks at once (`stty size`) would see 0x0.
        if let Some((rows, cols)) = crate::runtime::tty::window_size(std::io::stdin().as_fd()) {
            let _ = crate::runtime::tty::set_window_size(m.as_fd(), rows, cols);
        }
        req.stdin = Some(dup(slave.as_fd())?);
        req.stdout = Some(dup(slave.as_fd())?);
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
        crate::runtime::tty::forward(m, opts.interactive).map_err(Error::sys("forward the terminal session"))?;
    }
    let code = started.joiner.wait()?.code();
    events::container(store, "exec_die", &record, &[("exitCode", &code.to_string())]);
    Ok(code)
}

/// The errno of an I/O error from a system call (EIO when it has none).
fn errno_of(e: &std::io::Error) -> nix::errno::Errno {
    nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}
