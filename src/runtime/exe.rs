//! The rcon binary as containers can see it (the CVE-2019-5736 pattern).
//!
//! A process that runs rcon code inside a container's PID namespace (the
//! init until its `execve`, the `exec` helper, a healthcheck probe, an
//! `oci create` init waiting for `start`) shows rcon's binary as
//! `/proc/<pid>/exe`; so does a container program that `execve`s
//! `/proc/self/exe` of such a process (`#!/proc/self/exe`). Opened for
//! writing through that link, the host's binary could be replaced once no
//! rcon runs. So rcon re-executes itself, before it starts any such
//! process, from a view of its binary that cannot be written:
//!
//! 1. a detached clone of the binary's mount, rooted at the binary
//!    (`open_tree(2)` with `OPEN_TREE_CLONE`, Linux 5.2), made read-only
//!    with `mount_setattr(2)` (`MOUNT_ATTR_RDONLY`, Linux 5.12), executed
//!    with `execveat(2)` (`AT_EMPTY_PATH`): opening `/proc/<pid>/exe` for
//!    writing then fails with `EROFS`. Nothing is copied and no mount
//!    appears in any namespace (the clone lives as long as a process
//!    executes it), so it costs one `execve` per command and no memory;
//! 2. where that is not possible (older kernels, no `CAP_SYS_ADMIN`), a
//!    sealed memfd copy of the binary, as runc does (`F_SEAL_WRITE`: writes
//!    fail with `EPERM`); it costs a copy of the binary per process.
//!
//! Children forked from a protected process (the monitor re-executes
//! `/proc/self/exe`, which resolves to the same view) are protected too.
//! [`is_protected`] tells whether the calling process is; the runtime's
//! [`super::spawn`] and [`super::exec::exec`] refuse to start anything a
//! container can see otherwise.

use std::ffi::{CString, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// The environment variable that turns the protection off (for rcon's own
/// tests, which show with it that the attack works on a copy of rcon:
/// never set it in production).
pub const INSECURE_ENV: &str = "RCON_INSECURE_WRITABLE_EXE";

/// True when the calling process runs from a binary that nothing can write:
/// a read-only mount (also when rcon is installed on one), or a memfd
/// sealed against writes.
pub fn is_protected() -> bool {
    use nix::fcntl::{FcntlArg, OFlag, SealFlag};
    let Ok(fd) = nix::fcntl::open("/proc/self/exe", OFlag::O_RDONLY | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
    else {
        return false;
    };
    if nix::sys::statvfs::fstatvfs(&fd).is_ok_and(|st| st.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY)) {
        return true;
    }
    // EINVAL for anything but a memfd.
    let Ok(seals) = nix::fcntl::fcntl(&fd, FcntlArg::F_GET_SEALS) else { return false };
    let seals = SealFlag::from_bits_retain(seals);
    seals.contains(SealFlag::F_SEAL_WRITE) && seals.contains(SealFlag::F_SEAL_SEAL)
}

/// `Ok` when the calling process may start processes that containers can
/// see: it is [protected](is_protected) (or [`INSECURE_ENV`] is set).
/// Errors: [`super::Error::Spec`] saying that rcon must re-execute itself
/// first ([`reexec_protected`]).
pub fn check() -> Result<(), super::Error> {
    if is_protected() || insecure() {
        return Ok(());
    }
    Err(super::Error::Spec(
        "rcon runs from a writable binary: it must re-execute itself from a read-only view before it starts \
         processes that a container can see (CVE-2019-5736)"
            .into(),
    ))
}

/// True when [`INSECURE_ENV`] is set to `1`.
pub fn insecure() -> bool {
    std::env::var_os(INSECURE_ENV).is_some_and(|v| v == "1")
}

/// Makes sure the calling process runs from a protected view of its binary:
/// returns at once when it does (or [`INSECURE_ENV`] is set); otherwise
/// re-executes the process, with the same arguments and environment, from
/// one, and returns only on failure. Errors: neither view could be made
/// (the message says why), or `execveat(2)` failed.
pub fn reexec_protected() -> io::Result<()> {
    if insecure() || is_protected() {
        return Ok(());
    }
    let view = protected_view()?;
    let args: Vec<OsString> = std::env::args_os().collect();
    let err = exec_fd(view.as_fd(), &args);
    Err(io::Error::new(err.kind(), format!("cannot re-execute rcon from a read-only view of its binary: {err}")))
}

/// A file descriptor of the running binary that can be executed and not
/// written: a read-only detached mount of it, or else a sealed memfd copy.
pub fn protected_view() -> io::Result<OwnedFd> {
    match readonly_clone(c"/proc/self/exe").or_else(|e| readonly_clone_by_path().ok_or(e)) {
        Ok(fd) => Ok(fd),
        Err(clone_err) => sealed_copy(c"/proc/self/exe").map_err(|copy_err| {
            io::Error::new(
                copy_err.kind(),
                format!(
                    "cannot make a read-only view of rcon's binary (open_tree/mount_setattr: {clone_err}) \
                     nor a sealed copy of it (memfd: {copy_err})"
                ),
            )
        }),
    }
}

/// `open_tree(path, OPEN_TREE_CLONE)` + `mount_setattr(RDONLY)`.
fn readonly_clone(path: &std::ffi::CStr) -> io::Result<OwnedFd> {
    crate::sys::readonly_mount_clone(path)
}

/// The read-only clone of the binary through its path in the calling
/// process's mount namespace, when that is another one than the namespace
/// it was executed in: rootless rcon joins the user's namespace holder's
/// mount namespace first ([`super::rootless::enter`]), where
/// `/proc/self/exe` still names a mount of the host's namespace, which
/// `open_tree(2)` refuses to clone (`EINVAL`), while the same path there
/// is a mount of the holder's, owned by the user's namespace. `None` when
/// the path names no file or another file than the running binary (it was
/// replaced), or the clone fails: the caller then copies the binary.
/// Saves the copy of the binary (tens of MiB) for every rootless command
/// that starts a container.
fn readonly_clone_by_path() -> Option<OwnedFd> {
    use std::os::unix::fs::MetadataExt;
    let path = std::fs::read_link("/proc/self/exe").ok()?;
    let running = std::fs::metadata("/proc/self/exe").ok()?;
    let cpath = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let fd = readonly_clone(&cpath).ok()?;
    let view = std::fs::metadata(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd))).ok()?;
    (view.dev() == running.dev() && view.ino() == running.ino()).then_some(fd)
}

/// A memfd holding a copy of `path`, sealed against any change.
fn sealed_copy(path: &std::ffi::CStr) -> io::Result<OwnedFd> {
    use nix::fcntl::{FcntlArg, SealFlag};
    use nix::sys::memfd::{MFdFlags, memfd_create};
    /// `MFD_EXEC` (Linux 6.3; refused with EINVAL before, then retried without).
    const MFD_EXEC: libc::c_uint = 0x10;
    let flags = MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING;
    let memfd = memfd_create(c"rcon", flags | MFdFlags::from_bits_retain(MFD_EXEC as _))
        .or_else(|_| memfd_create(c"rcon", flags))
        .map_err(io::Error::from)?;
    let mut src = std::fs::File::open(std::ffi::OsStr::from_bytes(path.to_bytes()))?;
    let mut dst = std::fs::File::from(memfd.try_clone()?);
    io::copy(&mut src, &mut dst)?;
    let seals = SealFlag::F_SEAL_SEAL | SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_WRITE;
    nix::fcntl::fcntl(&memfd, FcntlArg::F_ADD_SEALS(seals)).map_err(io::Error::from)?;
    Ok(memfd)
}

/// `execveat(fd, "", args, environment, AT_EMPTY_PATH)`; returns the error
/// when it fails.
pub fn exec_fd(fd: BorrowedFd<'_>, args: &[OsString]) -> io::Error {
    let Some((argv, envp)) = cstrings(args) else {
        return io::Error::new(io::ErrorKind::InvalidInput, "an argument contains a NUL byte");
    };
    let Err(e) = nix::unistd::execveat(fd, c"", &argv, &envp, nix::fcntl::AtFlags::AT_EMPTY_PATH);
    e.into()
}

/// `execve("/proc/self/exe", args, environment)`: the running binary again
/// (through the same view, so a protected process stays protected); returns
/// the error when it fails.
pub fn exec_self(args: &[OsString]) -> io::Error {
    let Some((argv, envp)) = cstrings(args) else {
        return io::Error::new(io::ErrorKind::InvalidInput, "an argument contains a NUL byte");
    };
    let Err(e) = nix::unistd::execve(c"/proc/self/exe", &argv, &envp);
    e.into()
}

/// Names the process after `argv0`'s file name (what `ps -o comm` and
/// `pgrep` show): executed through a descriptor or `/proc/self/exe`, the
/// kernel would name it after that (`3`, `exe`).
pub fn name_process(argv0: Option<&OsString>) {
    let name = argv0.and_then(|a| std::path::Path::new(a).file_name()).map_or(&b"rcon"[..], |n| n.as_bytes());
    let name: Vec<u8> = name.iter().copied().take(15).take_while(|b| *b != 0).collect();
    if let Ok(name) = CString::new(name) {
        let _ = nix::sys::prctl::set_name(&name);
    }
}

type CStrings = (Vec<CString>, Vec<CString>);

fn cstrings(args: &[OsString]) -> Option<CStrings> {
    let argv: Vec<CString> = args.iter().map(|a| CString::new(a.as_bytes()).ok()).collect::<Option<_>>()?;
    let envp: Vec<CString> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect();
    Some((argv, envp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn views_cannot_be_written() {
        use std::io::Write;
        // A file nothing executes (a running binary refuses writes anyway:
        // "Text file busy"). open_tree needs root; memfds work for anyone.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("binary");
        std::fs::write(&file, b"\x7fELF...").unwrap();
        let path = CString::new(file.as_os_str().as_bytes()).unwrap();
        let views = [readonly_clone(&path).ok(), Some(sealed_copy(&path).expect("a sealed memfd copy"))];
        for fd in views.into_iter().flatten() {
            let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
            let err = match std::fs::OpenOptions::new().write(true).open(&path) {
                Err(e) => e,
                Ok(mut f) => f.write_all(b"x").unwrap_err(),
            };
            assert!(matches!(err.raw_os_error(), Some(libc::EROFS | libc::EPERM)), "writable view {path}: {err}");
        }
        assert_eq!(std::fs::read(&file).unwrap(), b"\x7fELF...");
    }
}
