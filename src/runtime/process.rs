//! The last steps of the container's init before `execve`: signal
//! dispositions and mask reset, the identity switch, `PATH` lookup of
//! `args[0]` (as Go's `exec.LookPath`, which runc uses), and the `execve`
//! itself with docker's error wording and exit codes (127 not found, 126
//! cannot invoke).

use super::Error;
use super::sys::go_errstr;
use super::user::ExecUser;
use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, sigprocmask};
use std::ffi::CString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Sets every signal's disposition back to `SIG_DFL`. `execve` keeps ignored
/// signals ignored, and Rust ignores `SIGPIPE`: without this, `yes | head`
/// in the container would never end.
pub(crate) fn reset_signal_dispositions() {
    crate::sys::reset_signal_dispositions()
}

/// Unblocks every signal (the container starts with an empty mask).
pub(crate) fn unblock_signals() -> Result<(), Error> {
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None)
        .map_err(|e| Error::sys("reset the signal mask", e))
}

/// Drops to `user`: supplementary groups, then gid, then uid (the order that
/// keeps the privilege to do the next step).
pub(crate) fn switch_user(user: &ExecUser) -> Result<(), Error> {
    let err = |what: &str, id: u32, e: Errno| Error::sys(format!("set {what} to {id}"), e);
    let groups: Vec<nix::unistd::Gid> = user.groups.iter().map(|&g| g.into()).collect();
    nix::unistd::setgroups(&groups)
        .map_err(|e| Error::sys(format!("set supplementary groups {:?}", user.groups), e))?;
    nix::unistd::setresgid(user.gid.into(), user.gid.into(), user.gid.into()).map_err(|e| err("gid", user.gid, e))?;
    nix::unistd::setresuid(user.uid.into(), user.uid.into(), user.uid.into()).map_err(|e| err("uid", user.uid, e))?;
    Ok(())
}

/// The value of `key` in a `KEY=VALUE` list.
pub(crate) fn env_get<'a>(env: &'a [String], key: &str) -> Option<&'a str> {
    env.iter().find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// Go's `findExecutable`: a file that exists, is not a directory and has an
/// execute bit; anything else is `EACCES` (Go's `fs.ErrPermission`, so a
/// directory is "permission denied" in runc's and docker's words).
fn check_executable(path: &Path) -> Result<(), Errno> {
    let md = std::fs::metadata(path).map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
    if !md.is_dir() && md.permissions().mode() & 0o111 != 0 { Ok(()) } else { Err(Errno::EACCES) }
}

/// The error for an `exec: "CMD": …` failure with errno `e`.
fn exec_error(cmd: &str, reason: String, e: Errno) -> Error {
    match e {
        Errno::ENOENT | Errno::ENOTDIR => Error::Missing { path: cmd.to_string(), reason },
        _ => Error::CannotInvoke { path: cmd.to_string(), reason },
    }
}

/// Finds the file to execute for `cmd` as Go's `exec.LookPath` does (what
/// runc and so docker do): a name with a `/` is taken as is; otherwise
/// each directory of `path` (the container's `PATH`, `:`-separated, an empty
/// entry meaning `.`) is searched for an executable file.
/// Errors: [`Error::NotFound`] (127) when no directory has it;
/// [`Error::Missing`] (127) or [`Error::CannotInvoke`] (126) for a path.
pub(crate) fn look_path(cmd: &str, path: Option<&str>) -> Result<PathBuf, Error> {
    if cmd.contains('/') {
        return match check_executable(Path::new(cmd)) {
            Ok(()) => Ok(PathBuf::from(cmd)),
            Err(e @ (Errno::ENOENT | Errno::ENOTDIR)) => {
                Err(exec_error(cmd, format!("stat {cmd}: {}", go_errstr(e)), e))
            }
            Err(e) => Err(exec_error(cmd, go_errstr(e), e)),
        };
    }
    if !cmd.is_empty() {
        for dir in path.unwrap_or("").split(':').filter(|_| path.is_some_and(|p| !p.is_empty())) {
            let candidate = Path::new(if dir.is_empty() { "." } else { dir }).join(cmd);
            if check_executable(&candidate).is_ok() {
                return Ok(candidate);
            }
        }
    }
    Err(Error::NotFound(cmd.to_string()))
}

/// `execve(path, args, env)`; returns only on failure, with the error docker
/// would report for `cmd` (`args[0]` as the user wrote it).
pub(crate) fn exec(cmd: &str, path: &Path, args: &[CString], env: &[CString]) -> Error {
    let Ok(cpath) = CString::new(path.as_os_str().as_encoded_bytes()) else {
        return Error::Spec(format!("command path {} contains a NUL byte", path.display()));
    };
    let Err(e) = nix::unistd::execve(&cpath, args, env);
    exec_error(cmd, go_errstr(e), e)
}

/// rcon's tiny init (docker's `--init`), run by the container's PID 1
/// right before it would exec the command: blocks every signal, forks, and
/// the child runs `exec` (which unblocks signals and execs the command, or
/// reports why not on the start channel `chan` and exits 126/127). PID 1
/// closes its copy of `chan` (so the caller sees EOF once the command
/// runs), then waits for signals: `SIGCHLD` reaps every exited child
/// (orphans re-parented to PID 1 included), anything else is forwarded to
/// the command. Exits with the command's code, or 128+N when signal N
/// killed it.
pub(crate) fn tiny_init(
    chan: i32,
    exec: impl FnOnce() -> Result<std::convert::Infallible, Error>,
) -> Result<std::convert::Infallible, Error> {
    let all = SigSet::all();
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(&all), None).map_err(|e| Error::sys("block signals in the init", e))?;
    // The init is single-threaded (a clone of a single-threaded rcon).
    let child = match crate::sys::fork() {
        Err(e) => return Err(Error::sys("fork the command from the init", e)),
        Ok(nix::unistd::ForkResult::Child) => return exec(),
        Ok(nix::unistd::ForkResult::Parent { child }) => child,
    };
    // Our copy of the start channel; nothing else uses it here.
    let _ = nix::unistd::close(chan);
    let _ = nix::sys::prctl::set_name(c"rcon-init");
    loop {
        let sig = match all.wait() {
            Ok(s) => s,
            Err(_) => continue,
        };
        if sig != nix::sys::signal::Signal::SIGCHLD {
            let _ = nix::sys::signal::kill(child, sig);
            continue;
        }
        loop {
            use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(p, code)) if p == child => crate::sys::exit_now(code),
                Ok(WaitStatus::Signaled(p, s, _)) if p == child => crate::sys::exit_now(128 + s as i32),
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    }
}

/// A pod's infra process ([`super::ANNOTATION_PAUSE`]), run by the
/// container's PID 1 in place of `execve`: closes every descriptor above
/// stderr (the start channel among them, so the caller sees the start
/// succeed), blocks every signal and waits for them: SIGCHLD reaps, SIGTERM,
/// SIGINT, SIGHUP and SIGQUIT exit 0, anything else is ignored.
pub(crate) fn pause() -> ! {
    use nix::sys::signal::Signal;
    let all = SigSet::all();
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&all), None);
    let _ = nix::sys::prctl::set_name(c"rcon-infra");
    crate::sys::close_from(3);
    loop {
        match all.wait() {
            Ok(Signal::SIGTERM | Signal::SIGINT | Signal::SIGHUP | Signal::SIGQUIT) => crate::sys::exit_now(0),
            Ok(Signal::SIGCHLD) => {
                use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
                while let Ok(s) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                    if s == WaitStatus::StillAlive {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lookup() {
        let env = vec!["PATHX=1".to_string(), "PATH=/bin:/usr/bin".to_string(), "HOME=".to_string()];
        assert_eq!(env_get(&env, "PATH"), Some("/bin:/usr/bin"));
        assert_eq!(env_get(&env, "HOME"), Some(""));
        assert_eq!(env_get(&env, "USER"), None);
    }

    #[test]
    fn path_lookup_like_go() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("bin")).unwrap();
        std::fs::create_dir(d.join("bin2")).unwrap();
        std::fs::write(d.join("bin/plain"), "x").unwrap();
        std::fs::write(d.join("bin2/plain"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(d.join("bin2/plain"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(d.join("bin/adir")).unwrap();
        let path = format!("{}:{}", d.join("bin").display(), d.join("bin2").display());

        // Non-executable files are skipped, like Go.
        assert_eq!(look_path("plain", Some(&path)).unwrap(), d.join("bin2/plain"));
        let e = look_path("nosuch", Some(&path)).unwrap_err();
        assert_eq!(e.to_string(), "exec: \"nosuch\": executable file not found in $PATH");
        assert_eq!(e.exit_code(), 127);
        assert_eq!(look_path("adir", Some(&path)).unwrap_err().exit_code(), 127);
        assert_eq!(look_path("plain", None).unwrap_err().exit_code(), 127);

        let abs = d.join("bin/plain").display().to_string();
        let e = look_path(&abs, None).unwrap_err();
        assert_eq!(e.to_string(), format!("exec: \"{abs}\": permission denied"));
        assert_eq!(e.exit_code(), 126);
        let adir = d.join("bin/adir").display().to_string();
        let e = look_path(&adir, None).unwrap_err();
        assert_eq!(e.to_string(), format!("exec: \"{adir}\": permission denied"));
        assert_eq!(e.exit_code(), 126);
        let e = look_path("/nosuch", None).unwrap_err();
        assert_eq!(e.to_string(), "exec: \"/nosuch\": stat /nosuch: no such file or directory");
        assert_eq!(e.exit_code(), 127);
    }
}
