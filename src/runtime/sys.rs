//! Thin wrappers over the few Linux system calls that neither `nix` nor the
//! standard library offer: `clone3(2)` (with a fork-like fallback on
//! `clone(2)`), `close_range(2)`, and bringing an interface up with
//! `SIOCSIFFLAGS`. Nothing here knows about containers.

use nix::errno::Errno;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `struct clone_args` of `clone3(2)` (linux/sched.h, version 2: 88 bytes).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// What [`clone_process`] returned in the calling process.
pub(crate) enum Forked {
    /// We are the new process.
    Child,
    /// We are the caller; the new process has this host pid.
    Parent(i32),
}

/// Creates a new process like `fork(2)` (a copy-on-write copy of this one,
/// continuing from this call, `SIGCHLD` on exit) that is also the first
/// process of the namespaces in `flags` (`CLONE_NEW*`): with `CLONE_NEWPID`
/// it is PID 1 of the new PID namespace.
///
/// # Safety
/// As for `fork(2)`: the calling process must be single-threaded, or the child
/// must only make async-signal-safe calls. The child must end with `_exit` or
/// `execve`, never by returning into code that assumes it is the parent.
pub(crate) unsafe fn clone_process(flags: u64) -> Result<Forked, Errno> {
    let mut args = CloneArgs { flags, exit_signal: libc::SIGCHLD as u64, ..Default::default() };
    // SAFETY: clone3 with no stack and no CLONE_VM behaves like fork(2); `args`
    // outlives the call and its size is passed along.
    let mut ret =
        unsafe { libc::syscall(libc::SYS_clone3, &mut args as *mut CloneArgs, std::mem::size_of::<CloneArgs>()) };
    if ret == -1 && Errno::last() == Errno::ENOSYS {
        // Kernels before 5.3: clone(flags | SIGCHLD, stack = 0) is also fork-like.
        // SAFETY: as above.
        ret = unsafe { libc::syscall(libc::SYS_clone, flags | libc::SIGCHLD as u64, 0usize, 0usize, 0usize, 0usize) };
    }
    match ret {
        -1 => Err(Errno::last()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid as i32)),
    }
}

/// Sets `FD_CLOEXEC` on every file descriptor from `first` up, so that
/// `execve` closes them (`close_range(2)` with `CLOSE_RANGE_CLOEXEC`, Linux
/// 5.11); on older kernels walks `/proc/self/fd`.
pub(crate) fn cloexec_from(first: i32) -> Result<(), Errno> {
    // SAFETY: plain syscall on integers.
    let ret = unsafe { libc::syscall(libc::SYS_close_range, first as u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) };
    if ret == 0 {
        return Ok(());
    }
    let dir = std::fs::read_dir("/proc/self/fd").map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))?;
    let fds: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    for fd in fds.into_iter().filter(|&fd| fd >= first) {
        // SAFETY: fcntl on a possibly-stale fd only fails with EBADF.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Ok(())
}

/// Sets `IFF_UP` on the network interface `name` (e.g. `lo`) of the calling
/// process's network namespace, with the `SIOCGIFFLAGS`/`SIOCSIFFLAGS` ioctls.
pub(crate) fn interface_up(name: &str) -> Result<(), Errno> {
    // SAFETY: socket(2) returns a new fd or -1.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: fd is a fresh descriptor we own.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes().take(libc::IFNAMSIZ - 1)) {
        *dst = src as libc::c_char;
    }
    // SAFETY: the ioctls read and write `req`, which lives across the calls.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(Errno::last());
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(Errno::last());
        }
    }
    Ok(())
}

/// The `strerror` text of `e` with a lower-case first letter, as Go (and so
/// docker and runc) prints it: `permission denied`.
pub(crate) fn go_errstr(e: Errno) -> String {
    let d = e.desc();
    let mut c = d.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
