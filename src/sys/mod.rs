//! The raw system calls: thin, safe-to-call wrappers over the Linux system
//! calls that neither the standard library, `nix` nor `rustix` offer, and
//! the one place where rcon writes `unsafe` (the rest of the crate denies
//! it). Each wrapper takes typed arguments, documents what the kernel reads
//! and writes, and returns `Errno`: `clone3(2)` (with a fork-like fallback
//! on `clone(2)`), `close_range(2)`, bringing an interface up with
//! `SIOCSIFFLAGS`, `bpf(2)` for cgroup device programs, and
//! `seccomp(2)`. Nothing here knows about containers.

use nix::errno::Errno;
use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

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

/// One eBPF instruction (`struct bpf_insn`, 8 bytes): opcode, destination
/// register (low nibble) and source register (high nibble), a signed jump
/// offset in instructions, a signed 32-bit immediate.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BpfInsn {
    /// Class, size/operation and source bits (`BPF_LDX | BPF_W | BPF_MEM`…).
    pub code: u8,
    /// `dst_reg | src_reg << 4`.
    pub regs: u8,
    /// Offset: memory displacement, or jump distance from the next insn.
    pub off: i16,
    /// Immediate operand.
    pub imm: i32,
}

/// `BPF_PROG_LOAD` (`enum bpf_cmd`).
const BPF_PROG_LOAD: libc::c_long = 5;
/// `BPF_PROG_ATTACH`.
const BPF_PROG_ATTACH: libc::c_long = 8;

/// The `BPF_PROG_LOAD` part of `union bpf_attr`, zero-padded to a size
/// every kernel since 4.15 accepts (unknown trailing bytes must be zero).
#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// The `BPF_PROG_ATTACH` part of `union bpf_attr`.
#[repr(C)]
#[derive(Default)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}

/// Loads `insns` as an eBPF program of `prog_type` (`BPF_PROG_LOAD`), named
/// `name` (NUL-padded, at most 15 bytes) under `license`; with `log`, the
/// verifier writes its log there (NUL-terminated; `ENOSPC` when it does not
/// fit). Returns the program's fd.
pub fn bpf_prog_load(
    prog_type: u32,
    insns: &[BpfInsn],
    license: &CStr,
    name: [u8; 16],
    log: Option<&mut [u8]>,
) -> Result<OwnedFd, Errno> {
    let mut attr = ProgLoadAttr {
        prog_type,
        insn_cnt: insns.len() as u32,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        prog_name: name,
        ..Default::default()
    };
    if let Some(log) = log {
        attr.log_level = 1;
        attr.log_size = log.len() as u32;
        attr.log_buf = log.as_mut_ptr() as u64;
    }
    // SAFETY: `attr` is a repr(C) prefix of `union bpf_attr` whose pointers
    // (instructions, license, log, with their lengths) outlive the call; its
    // size is passed.
    let r = unsafe {
        libc::syscall(libc::SYS_bpf, BPF_PROG_LOAD, &mut attr as *mut ProgLoadAttr, size_of::<ProgLoadAttr>())
    };
    if r < 0 {
        return Err(Errno::last());
    }
    // SAFETY: the kernel returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r as i32) })
}

/// Attaches the program `prog` to `target` (`BPF_PROG_ATTACH`, e.g. a
/// cgroup directory with `BPF_CGROUP_DEVICE`) with `attach_flags`.
pub fn bpf_prog_attach(
    target: BorrowedFd<'_>,
    prog: BorrowedFd<'_>,
    attach_type: u32,
    attach_flags: u32,
) -> Result<(), Errno> {
    let mut attr = ProgAttachAttr {
        target_fd: target.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type,
        attach_flags,
        ..Default::default()
    };
    // SAFETY: `attr` is a repr(C) prefix of `union bpf_attr` without
    // pointers; both fds are borrowed for the call; its size is passed.
    let r = unsafe {
        libc::syscall(libc::SYS_bpf, BPF_PROG_ATTACH, &mut attr as *mut ProgAttachAttr, size_of::<ProgAttachAttr>())
    };
    if r < 0 { Err(Errno::last()) } else { Ok(()) }
}

/// One classic BPF instruction (`struct sock_filter`), as seccomp runs them.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockFilter {
    /// Opcode.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Constant.
    pub k: u32,
}

/// Installs `prog` as a seccomp filter for the calling thread
/// (`seccomp(SECCOMP_SET_MODE_FILTER)`). Needs `no_new_privs` or
/// `CAP_SYS_ADMIN`; `EINVAL` for a program over 4096 instructions.
pub fn seccomp_set_mode_filter(prog: &[SockFilter]) -> Result<(), Errno> {
    #[repr(C)]
    struct SockFprog {
        len: u16,
        filter: *const SockFilter,
    }
    let len = u16::try_from(prog.len()).map_err(|_| Errno::EINVAL)?;
    let fprog = SockFprog { len, filter: prog.as_ptr() };
    // SAFETY: the kernel copies the program; `fprog` and `prog` outlive the call.
    let r = unsafe {
        libc::syscall(libc::SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, &fprog as *const SockFprog)
    };
    if r == 0 { Ok(()) } else { Err(Errno::last()) }
}
