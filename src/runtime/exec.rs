//! Running another process in a running container (`rcon exec`,
//! healthchecks): join the namespaces of the container's init, become the
//! container's user, exec. Like `nsenter`, but the process ends up in the
//! container's PID namespace too, which takes a second fork:
//!
//! ```text
//! rcon ──fork──► joiner: setns(user, ipc, uts, net, cgroup, pid, mnt) ──fork──► process: stdio, cwd, user, env, execve
//!                 waits, exits with the process's status
//! ```
//!
//! The joiner reports the process's host pid on one pipe; the process
//! reports a setup or exec failure on a close-on-exec pipe (EOF means the
//! exec succeeded), in the same encoding as [`super::spawn`]. The caller
//! waits for the joiner, whose exit status mirrors the process's.
//!
//! Like `spawn`, this forks, so the caller must be single-threaded.

use super::{Error, Process, process, spawn, user};
use crate::sys::{ForkResult, fork};
use nix::fcntl::OFlag;
use nix::unistd::pipe2;
use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;

/// What to run in the container.
#[derive(Debug, Default)]
pub struct ExecRequest {
    /// argv; `args[0]` is looked up in the `PATH` of `env` when it has no `/`.
    pub args: Vec<String>,
    /// The whole environment (`KEY=VALUE`).
    pub env: Vec<String>,
    /// Working directory inside the container (absolute).
    pub cwd: String,
    /// `USER[:GROUP]` resolved in the container's /etc/passwd and /etc/group
    /// as docker's daemon does ([`super::user::resolve_docker`]); `None`: root.
    pub user: Option<String>,
    /// Stdin; `None`: /dev/null.
    pub stdin: Option<OwnedFd>,
    /// Stdout; `None`: the caller's.
    pub stdout: Option<OwnedFd>,
    /// Stderr; `None`: the caller's.
    pub stderr: Option<OwnedFd>,
    /// Stdin is a terminal to make the process's controlling terminal (in a
    /// new session), as `exec -t` needs for job control.
    pub tty: bool,
    /// The container's capabilities, seccomp filter and no_new_privs, which
    /// the process gets too (`None`: none of them, as root on the host).
    pub confinement: Option<super::Confinement>,
}

/// A process started in a container.
#[derive(Debug)]
pub struct ExecProcess {
    /// The joiner: the caller's child, whose exit status is the process's.
    pub joiner: Process,
    /// The process's host pid (for signals).
    pub pid: i32,
}

/// The namespaces joined, in order: `user` first, so that the process has
/// privileges over the container's other namespaces (which belong to it);
/// `mnt` last because joining it changes the root, and `/proc/<pid>/ns` is
/// opened before any of them.
const NAMESPACES: [(&str, libc::c_int); 7] = [
    ("user", libc::CLONE_NEWUSER),
    ("ipc", libc::CLONE_NEWIPC),
    ("uts", libc::CLONE_NEWUTS),
    ("net", libc::CLONE_NEWNET),
    ("cgroup", libc::CLONE_NEWCGROUP),
    ("pid", libc::CLONE_NEWPID),
    ("mnt", libc::CLONE_NEWNS),
];

/// Starts `req` inside the container whose init has host pid `init_pid`.
/// Returns once the process has exec'd. Errors: the container is not running
/// (its namespaces cannot be opened), [`Error::NotFound`] /
/// [`Error::CannotInvoke`] for the command, a setup error naming its step otherwise.
pub fn exec(init_pid: i32, req: ExecRequest) -> Result<ExecProcess, Error> {
    super::exe::check()?;
    let mut namespaces = Vec::new();
    for (name, flag) in NAMESPACES {
        let path = format!("/proc/{init_pid}/ns/{name}");
        let own = std::fs::read_link(format!("/proc/self/ns/{name}")).ok();
        match std::fs::read_link(&path) {
            // Already there (e.g. `--network host`): nothing to join.
            Ok(target) if Some(&target) == own.as_ref() => continue,
            Ok(_) => {}
            Err(e) => return Err(Error::io(format!("open {path} (is the container running?)"), e)),
        }
        let file = File::open(&path).map_err(|e| Error::io(format!("open {path}"), e))?;
        namespaces.push((name, flag, OwnedFd::from(file)));
    }
    let args: Vec<CString> = req
        .args
        .iter()
        .map(|a| CString::new(a.as_str()).map_err(|_| Error::Spec(format!("argument {a:?} contains a NUL byte"))))
        .collect::<Result<_, _>>()?;
    if args.is_empty() {
        return Err(Error::Spec("exec: no command given".into()));
    }
    let env: Vec<CString> = req.env.iter().filter_map(|e| CString::new(e.as_str()).ok()).collect();
    let (pid_r, pid_w) = pipe2(OFlag::O_CLOEXEC).map_err(|e| Error::sys("create a pipe", e))?;

    // The caller is single-threaded (module docs). The joiner's report (an
    // encoded error) ends when it and the process it forks exec or exit.
    let (child, buf) =
        crate::sys::fork_with_report(|reporter| joiner(&namespaces, &req, &args, &env, reporter.into(), pid_w))
            .map_err(|e| Error::sys("fork", e))?;
    let joiner =
        Process { pid: child.as_raw(), console: None, cgroup: None, fuse: None, namespaces: Default::default() };
    if !buf.is_empty() {
        let _ = joiner.wait();
        return Err(spawn::decode(&buf));
    }
    let mut pid_buf = [0u8; 4];
    match File::from(pid_r).read_exact(&mut pid_buf) {
        Ok(()) => Ok(ExecProcess { joiner, pid: i32::from_le_bytes(pid_buf) }),
        Err(_) => {
            let _ = joiner.wait();
            Err(Error::Reported("exec: the process could not be started in the container".into()))
        }
    }
}

/// The joiner's side: join, fork the process, report its pid, wait, and
/// return its status as an exit code (128+N for signal N).
fn joiner(
    namespaces: &[(&str, libc::c_int, OwnedFd)],
    req: &ExecRequest,
    args: &[CString],
    env: &[CString],
    err_w: OwnedFd,
    pid_w: OwnedFd,
) -> i32 {
    let fail = |e: Error| {
        let _ = File::from(err_w.try_clone().expect("dup of the error pipe")).write_all(&spawn::encode(&e));
        125
    };
    for (name, flag, fd) in namespaces {
        if let Err(e) = nix::sched::setns(fd, nix::sched::CloneFlags::from_bits_retain(*flag)) {
            return fail(Error::Namespace { op: "join", kind: format!("the container's {name}"), source: e.into() });
        }
    }
    // Still single-threaded.
    match fork() {
        Err(e) => fail(Error::sys("fork into the container", e)),
        Ok(ForkResult::Child) => {
            drop(pid_w);
            let e = run_in_container(req, args, env).unwrap_err();
            let _ = File::from(err_w).write_all(&spawn::encode(&e));
            crate::sys::exit_now(e.exit_code())
        }
        Ok(ForkResult::Parent { child }) => {
            drop(err_w);
            let _ = File::from(pid_w).write_all(&child.as_raw().to_le_bytes());
            let status = Process {
                pid: child.as_raw(),
                console: None,
                cgroup: None,
                fuse: None,
                namespaces: Default::default(),
            }
            .wait();
            status.map(|s| s.code()).unwrap_or(125)
        }
    }
}

/// The process's side: stdio, user, cwd, environment, exec. Returns only on failure.
fn run_in_container(req: &ExecRequest, args: &[CString], env: &[CString]) -> Result<std::convert::Infallible, Error> {
    let dup = |fd: RawFd, to: RawFd| crate::sys::dup2(fd, to).map_err(|e| Error::sys(format!("set up fd {to}"), e));
    match &req.stdin {
        Some(fd) => dup(fd.as_raw_fd(), 0)?,
        None => {
            let null = File::open("/dev/null").map_err(|e| Error::io("open /dev/null", e))?;
            dup(null.as_raw_fd(), 0)?;
        }
    }
    if let Some(fd) = &req.stdout {
        dup(fd.as_raw_fd(), 1)?;
    }
    if let Some(fd) = &req.stderr {
        dup(fd.as_raw_fd(), 2)?;
    }
    if req.tty {
        // A session of its own, with the console on stdin as its terminal.
        let _ = nix::unistd::setsid();
        let _ = rustix::process::ioctl_tiocsctty(std::io::stdin());
    }
    process::reset_signal_dispositions();
    let passwd = std::fs::read_to_string("/etc/passwd").ok();
    let group = std::fs::read_to_string("/etc/group").ok();
    let exec_user = user::resolve_docker(req.user.as_deref().unwrap_or(""), passwd.as_deref(), group.as_deref())
        .map_err(Error::User)?;
    let cwd = if req.cwd.is_empty() { "/" } else { &req.cwd };
    match &req.confinement {
        Some(c) => spawn::confine_and_switch_user(c, &exec_user)?,
        None => process::switch_user(&exec_user)?,
    }
    std::env::set_current_dir(cwd).map_err(|e| Error::io(format!("chdir to {cwd} in container"), e))?;
    let mut env = env.to_vec();
    if !req.env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(CString::new(format!("HOME={}", exec_user.home)).expect("no NUL in a passwd field"));
    }
    process::unblock_signals()?;
    let cmd = &req.args[0];
    let path = if cmd.contains('/') {
        Path::new(cmd).to_path_buf()
    } else {
        process::look_path(cmd, process::env_get(&req.env, "PATH"))?
    };
    Err(process::exec(cmd, &path, args, &env))
}
