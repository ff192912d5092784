//! The raw system calls: thin, safe-to-call wrappers over the Linux system
//! calls that neither the standard library, `nix` nor `rustix` offer, and
//! the one place where rcon writes `unsafe` (the rest of the crate denies
//! it). Each wrapper takes typed arguments, documents what the kernel reads
//! and writes, and returns `Errno`: `clone3(2)` (with a fork-like fallback
//! on `clone(2)`), `close_range(2)`, bringing an interface up with
//! `SIOCSIFFLAGS`, `bpf(2)` for cgroup device programs, `seccomp(2)`, and
//! signal dispositions (`SIGPIPE`, a `SIGWINCH` self-pipe). Nothing here
//! knows about containers.

use nix::errno::Errno;
use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

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
pub enum Forked {
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
/// As for [`fork`]: the calling process must be single-threaded (the child
/// allocates), and the child ends with [`exit_now`] or `execve`, never by
/// returning into code that assumes it is the parent.
pub fn clone_process(flags: u64) -> Result<Forked, Errno> {
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
pub fn cloexec_from(first: i32) -> Result<(), Errno> {
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

/// Closes every file descriptor from `first` up (`close_range(2)`, Linux
/// 5.9; on older kernels walks `/proc/self/fd`). For a process that will not
/// `execve` but must not hold what it inherited (a pod's infra).
pub fn close_from(first: i32) {
    // SAFETY: plain syscall on integers; closing numbers this process owns.
    let ret = unsafe { libc::syscall(libc::SYS_close_range, first as u32, u32::MAX, 0u32) };
    if ret == 0 {
        return;
    }
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return };
    let fds: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    for fd in fds.into_iter().filter(|&fd| fd >= first) {
        close(fd);
    }
}

/// Sets `IFF_UP` on the network interface `name` (e.g. `lo`) of the calling
/// process's network namespace, with the `SIOCGIFFLAGS`/`SIOCSIFFLAGS` ioctls.
pub fn interface_up(name: &str) -> Result<(), Errno> {
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
pub fn go_errstr(e: Errno) -> String {
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

/// Sets `SIGPIPE` to ignored (`true`: a write to a closed pipe fails with
/// `EPIPE`) or to its default action (`false`: the process ends quietly, as
/// `rcon ps | head` should). Returns whether it was ignored before, to
/// restore it. rcon installs no `SIGPIPE` handler of its own.
pub fn ignore_sigpipe(ignore: bool) -> bool {
    let new = if ignore { libc::SIG_IGN } else { libc::SIG_DFL };
    // SAFETY: signal(2) with SIG_IGN or SIG_DFL installs no code.
    let old = unsafe { libc::signal(libc::SIGPIPE, new) };
    old == libc::SIG_IGN
}

/// Write end of the pipe [`on_winch`] writes to (-1: none).
static WINCH_PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_winch(_: libc::c_int) {
    let fd = WINCH_PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; a full pipe drops the byte,
        // which is fine (one pending byte already says "size changed").
        unsafe { libc::write(fd, b"w".as_ptr().cast(), 1) };
    }
}

/// With `Some(pipe)`, every `SIGWINCH` writes one byte to `pipe` (the
/// write end of a non-blocking self-pipe that a poll loop reads); with
/// `None`, `SIGWINCH` gets its default disposition back. The caller keeps
/// `pipe` open until it calls this with `None`.
pub fn notify_winch(pipe: Option<BorrowedFd<'_>>) {
    match pipe {
        Some(fd) => {
            WINCH_PIPE.store(fd.as_raw_fd(), Ordering::Relaxed);
            // SAFETY: the handler only loads an atomic and calls write(2).
            unsafe { libc::signal(libc::SIGWINCH, on_winch as *const () as libc::sighandler_t) };
        }
        None => {
            // SAFETY: back to the default disposition.
            unsafe { libc::signal(libc::SIGWINCH, libc::SIG_DFL) };
            WINCH_PIPE.store(-1, Ordering::Relaxed);
        }
    }
}

/// A netlink socket of `protocol` (`NETLINK_ROUTE`, `NETLINK_NETFILTER`),
/// close-on-exec, bound with a kernel-assigned port id, in the caller's
/// network namespace.
pub fn netlink_socket(protocol: nix::sys::socket::SockProtocol) -> Result<OwnedFd, Errno> {
    use nix::sys::socket::{AddressFamily, NetlinkAddr, SockFlag, SockType, bind, socket};
    let fd = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, protocol)?;
    bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 0))?;
    Ok(fd)
}

/// The child of [`close_elsewhere`]: closes its copies of every other fd
/// at once (no pipe or lock of rcon outlives rcon), lets the parent close
/// its copy of the socket first, then makes the last close and exits.
extern "C" fn closer(fd: *mut libc::c_void) -> libc::c_int {
    let fd = fd as usize as libc::c_long;
    let pause = libc::timespec { tv_sec: 0, tv_nsec: 2_000_000 };
    // SAFETY: raw system calls only (the child shares the parent's memory:
    // no allocation, no libc state); `pause` lives on the child's stack.
    unsafe {
        if fd > 0 {
            libc::syscall(libc::SYS_close_range, 0 as libc::c_long, fd - 1, 0 as libc::c_long);
        }
        libc::syscall(libc::SYS_close_range, fd + 1, libc::c_long::from(u32::MAX), 0 as libc::c_long);
        libc::syscall(libc::SYS_nanosleep, &pause as *const libc::timespec, std::ptr::null::<libc::timespec>());
        libc::syscall(libc::SYS_close, fd);
        libc::syscall(libc::SYS_exit, 0 as libc::c_long);
    }
    0
}

/// Drops `fd` without waiting for its last close: a child process (sharing
/// rcon's memory, with a small stack of its own, and a copy of its fd
/// table) makes that last close and exits; rcon closes its own copy and
/// goes on at once (and exits without waiting: the child, no `SIGCHLD`, is
/// then reparented and reaped by init). For an nfnetlink socket whose last
/// close flushes nf_tables' pending destroy work, which waits for an RCU
/// grace period. When clone(2) fails, or the child wins the race to close,
/// rcon's close is the last (and waits): never wrong, only slower.
pub fn close_elsewhere(fd: OwnedFd) {
    const STACK: usize = 16 * 1024;
    let stack: &'static mut [u8] = Box::leak(vec![0u8; STACK].into_boxed_slice());
    // SAFETY: `closer` runs on its own (leaked, never freed) stack and makes
    // raw system calls only, on its own copy of the fd table.
    unsafe {
        libc::clone(
            closer,
            stack.as_mut_ptr().add(STACK).map_addr(|a| a & !15) as *mut libc::c_void,
            libc::CLONE_VM,
            fd.as_raw_fd() as usize as *mut libc::c_void,
        );
    }
    drop(fd);
}

/// Sets every signal's disposition back to `SIG_DFL`. `execve` keeps ignored
/// signals ignored, and Rust ignores `SIGPIPE`: without this, `yes | head`
/// in the container would never end. For a process about to `execve`.
pub fn reset_signal_dispositions() {
    /// The kernel's `struct sigaction` (x86-64 and aarch64 layout).
    #[repr(C)]
    struct KernelSigaction {
        handler: usize,
        flags: u64,
        restorer: usize,
        mask: u64,
    }
    let dfl = KernelSigaction { handler: libc::SIG_DFL, flags: 0, restorer: 0, mask: 0 };
    // The raw system call, not libc's sigaction: glibc refuses signals 32
    // and 33 (its own), which may have been inherited as ignored.
    for sig in 1..=64 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: installs SIG_DFL; `dfl` outlives the call, 8 is sizeof(sigset_t) in the kernel.
        unsafe {
            libc::syscall(libc::SYS_rt_sigaction, sig, &dfl as *const KernelSigaction, 0usize, 8usize);
        }
    }
}

/// `kill(2)`: sends `sig` (any number, real-time signals included) to
/// `pid` (a process; 0 or negative: a process group, as kill(2) says).
pub fn kill(pid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: kill(2) on integers.
    if unsafe { libc::kill(pid, sig) } == 0 { Ok(()) } else { Err(Errno::last()) }
}

/// `pidfd_open(2)`: a descriptor of process `pid` (close-on-exec) that
/// polls readable once the process has ended. Errors: ESRCH when there is
/// no such process.
pub fn pidfd_open(pid: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: pidfd_open(2) on integers.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `_exit(2)`: ends the process at once, without running exit handlers or
/// flushing stdio; for a forked child, whose copies of the parent's
/// buffers and locks must not be used.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit(2) never returns and touches no memory.
    unsafe { libc::_exit(code) }
}

/// What [`fork`] returned.
pub use nix::unistd::ForkResult;

/// `fork(2)`. The calling process must be single-threaded: the child of a
/// multi-threaded process may only make async-signal-safe calls, and rcon's
/// children allocate and lock (docs/ARCHITECTURE.md hazard 1). rcon forks
/// only from such places: the CLI before it starts threads or after it
/// joined them, the monitor, the container's init. The child ends with
/// [`exit_now`] or `execve`, never by returning into the parent's code.
pub fn fork() -> Result<ForkResult, Errno> {
    // SAFETY: see above; the callers keep the single-thread rule.
    unsafe { nix::unistd::fork() }
}

// File descriptors by number. Within the container's init and the exec
// helpers, descriptors are numbers fixed by protocol (0-2, the inherited
// start channel, the listening gate); these wrappers take them as such.
// They cannot corrupt memory; like the system calls, they act on whatever
// the number names.

/// `dup2(2)`: makes `to` a copy of `from` (and not close-on-exec).
pub fn dup2(from: RawFd, to: RawFd) -> Result<(), Errno> {
    // SAFETY: dup2 on integers.
    if unsafe { libc::dup2(from, to) } < 0 { Err(Errno::last()) } else { Ok(()) }
}

/// `dup3(2)` with `O_CLOEXEC`: makes `to` a close-on-exec copy of `from`.
pub fn dup3_cloexec(from: RawFd, to: RawFd) -> Result<(), Errno> {
    // SAFETY: dup3 on integers.
    if unsafe { libc::dup3(from, to, libc::O_CLOEXEC) } < 0 { Err(Errno::last()) } else { Ok(()) }
}

/// Clears `FD_CLOEXEC` on `fd`, so that `execve` keeps it open.
pub fn clear_cloexec(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: fcntl(F_SETFD) on an integer.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } < 0 { Err(Errno::last()) } else { Ok(()) }
}

/// `close(2)` on a descriptor number this process no longer needs.
pub fn close(fd: RawFd) {
    // SAFETY: close on an integer; a stale number only gives EBADF.
    unsafe { libc::close(fd) };
}

/// `read(2)` from a descriptor number.
pub fn read(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: read writes at most `buf.len()` bytes into `buf`.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 { Err(Errno::last()) } else { Ok(n as usize) }
}

/// `write(2)` to a descriptor number.
pub fn write(fd: RawFd, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: write reads `buf.len()` bytes from `buf`.
    let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
    if n < 0 { Err(Errno::last()) } else { Ok(n as usize) }
}

/// `accept4(2)` with `SOCK_CLOEXEC` on the listening socket `listener`,
/// retrying on `EINTR`; returns the connection.
pub fn accept_cloexec(listener: RawFd) -> Result<OwnedFd, Errno> {
    loop {
        match nix::sys::socket::accept4(listener, nix::sys::socket::SockFlag::SOCK_CLOEXEC) {
            // SAFETY: a descriptor accept4 just returned, owned by no one else.
            Ok(fd) => return Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Takes ownership of a descriptor this process inherited by protocol
/// (`LISTEN_FDS` socket activation: systemd's `sd_listen_fds(3)` hands the
/// listening sockets over as fds 3, 4, …), after checking that it is open;
/// marks it close-on-exec so that no child inherits it.
/// Errors: `EBADF` when nothing is open under that number.
pub fn take_inherited_fd(fd: RawFd) -> Result<OwnedFd, Errno> {
    // SAFETY: fcntl(F_GETFD) on an integer only reads the descriptor's flags.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return Err(Errno::last());
    }
    // SAFETY: fcntl(F_SETFD) on an integer.
    unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: the descriptor is open (checked above) and, by the activation
    // protocol, owned by this process and by nothing else in it; the caller
    // takes it once, at start-up.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setdomainname(2)` (NIS domain name of the UTS namespace).
pub fn setdomainname(name: &[u8]) -> Result<(), Errno> {
    // SAFETY: setdomainname reads `name.len()` bytes of `name`.
    if unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) } != 0 { Err(Errno::last()) } else { Ok(()) }
}

/// `setrlimit(2)` on the `RLIMIT_*` number `resource`.
pub fn setrlimit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> Result<(), Errno> {
    let lim = libc::rlimit { rlim_cur: soft, rlim_max: hard };
    // SAFETY: setrlimit reads `lim`.
    if unsafe { libc::setrlimit(resource, &lim) } != 0 { Err(Errno::last()) } else { Ok(()) }
}

/// `getrlimit(2)`: (soft, hard) of the `RLIMIT_*` number `resource`.
pub fn getrlimit(resource: libc::__rlimit_resource_t) -> Result<(u64, u64), Errno> {
    let mut cur = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes `cur`.
    if unsafe { libc::getrlimit(resource, &mut cur) } != 0 {
        Err(Errno::last())
    } else {
        Ok((cur.rlim_cur, cur.rlim_max))
    }
}

/// Pid the signal proxy forwards to (0: none).
static FORWARD_PID: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward_signal(sig: libc::c_int) {
    let pid = FORWARD_PID.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// From now on, each of `signals` that this process receives is sent on to
/// `pid` (docker's signal proxy for `rcon run`). With `pid` 0, the signals
/// set up before are caught and dropped (the container is gone).
pub fn forward_signals_to(pid: i32, signals: &[i32]) {
    FORWARD_PID.store(pid, Ordering::Relaxed);
    for &sig in signals {
        // SAFETY: the handler only loads an atomic and calls kill(2).
        unsafe { libc::signal(sig, forward_signal as *const () as libc::sighandler_t) };
    }
}

/// The child's end of [`fork_with_report`]'s pipe.
pub struct Reporter(OwnedFd);

impl Reporter {
    /// Sends `message` to the parent (best effort: the parent may be gone).
    pub fn report(self, message: &[u8]) {
        use std::io::Write;
        let _ = std::fs::File::from(self.0).write_all(message);
    }

    /// The pipe's descriptor, e.g. to keep it open in a grandchild.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.0.as_fd()
    }
}

impl From<Reporter> for OwnedFd {
    /// The pipe's write end itself, for a child that reports in its own
    /// format or hands the pipe on to a grandchild.
    fn from(r: Reporter) -> OwnedFd {
        r.0
    }
}

/// Forks (see [`fork`] for the single-thread rule) and runs `child` in the
/// child, which then exits with the code `child` returns (without running
/// the parent's destructors or exit handlers). `child` gets the write end of
/// a close-on-exec pipe to report a failure on; the parent reads that pipe
/// until every copy of the write end is closed, which happens when the
/// child exits, or execs. Returns the child's pid and what it reported:
/// nothing means it got to `execve` or ended without a report. The parent
/// reaps the child itself.
pub fn fork_with_report(child: impl FnOnce(Reporter) -> i32) -> Result<(nix::unistd::Pid, Vec<u8>), Errno> {
    use std::io::Read;
    let (pid, mut r) = fork_reporting(child)?;
    let mut report = Vec::new();
    let _ = r.read_to_end(&mut report);
    Ok((pid, report))
}

/// [`fork_with_report`] without the wait: returns at once with the child's
/// pid and the read end of its report pipe, so that several children can
/// run at the same time. The caller reads the pipe to its end (the child's
/// report, complete once the child exited or exec'd) and reaps the child.
pub fn fork_reporting(child: impl FnOnce(Reporter) -> i32) -> Result<(nix::unistd::Pid, std::fs::File), Errno> {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    match fork()? {
        ForkResult::Child => {
            drop(r);
            exit_now(child(Reporter(w)))
        }
        ForkResult::Parent { child } => {
            drop(w);
            Ok((child, std::fs::File::from(r)))
        }
    }
}

const MOUNT_ATTR_RDONLY: u64 = 0x1;
const MOUNT_ATTR_NOSUID: u64 = 0x2;
const MOUNT_ATTR_NODEV: u64 = 0x4;

/// `struct mount_attr` (linux/mount.h, version 0: 32 bytes).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// A detached clone of the mount at `path`, rooted at `path`
/// (`open_tree(2)` with `OPEN_TREE_CLONE`, Linux 5.2), made read-only,
/// nosuid and nodev (`mount_setattr(2)`, Linux 5.12): an fd that can be
/// executed (`execveat` with `AT_EMPTY_PATH`) and not written. Needs
/// `CAP_SYS_ADMIN`.
pub fn readonly_mount_clone(path: &std::ffi::CStr) -> std::io::Result<OwnedFd> {
    use std::io;
    // SAFETY: open_tree(2) with a NUL-terminated path; returns a new fd.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            path.as_ptr(),
            OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: open_tree returned a new fd that we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    let attr = MountAttr {
        attr_set: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: mount_setattr(2) on our mount fd with an empty path and a
    // struct of the size passed.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// A detached, recursive clone of the mount tree at `path` (`open_tree(2)`
/// with `OPEN_TREE_CLONE | AT_RECURSIVE`, Linux 5.2): the mounts below
/// `path` come along, nothing of it is attached to any mount namespace,
/// and it lives as long as something refers to it (the fd, a process's
/// root or working directory). Needs `CAP_SYS_ADMIN`.
pub fn mount_tree_clone(path: &std::ffi::CStr) -> Result<OwnedFd, Errno> {
    // SAFETY: open_tree(2) with a NUL-terminated path; returns a new fd.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            path.as_ptr(),
            OPEN_TREE_CLONE | libc::AT_RECURSIVE as libc::c_uint | libc::O_CLOEXEC as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: open_tree returned a new fd that we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Receives one byte on the socket `sock` and, with it, at most one file
/// descriptor (`SCM_RIGHTS`, made close-on-exec); retries on `EINTR`.
/// Returns the number of bytes read (0 at EOF), the byte, and the fd if one
/// came (further fds are closed).
pub fn recv_byte_with_fd(sock: BorrowedFd<'_>) -> Result<(usize, u8, Option<OwnedFd>), Errno> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut byte = [0u8; 1];
    let mut cmsg = nix::cmsg_space!([RawFd; 1]);
    let mut iov = [std::io::IoSliceMut::new(&mut byte)];
    let msg = loop {
        match recvmsg::<()>(sock.as_raw_fd(), &mut iov, Some(&mut cmsg), MsgFlags::MSG_CMSG_CLOEXEC) {
            Err(Errno::EINTR) => continue,
            r => break r?,
        }
    };
    let n = msg.bytes;
    let mut received = None;
    for c in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            for fd in fds {
                // SAFETY: a descriptor the kernel just installed for us, owned
                // by no one else.
                let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                received.get_or_insert(fd);
            }
        }
    }
    Ok((n, byte[0], received))
}

// The new mount API (Linux 5.2; idmapped mounts 5.12; overlayfs layers
// given as fds 6.13): detached mount trees handled by fd, so that a
// container's init can attach a tree the parent prepared, and so that paths
// the init may not traverse (a 0700 bundle directory, seen from a user
// namespace) are never looked up again.

/// `open_tree(2)` flag: a detached copy of the mount tree, not the tree itself.
pub const OPEN_TREE_CLONE: u32 = 1;
/// `open_tree(2)`/`move_mount(2)` flag: copy the submounts too (`AT_RECURSIVE`).
pub const AT_RECURSIVE: u32 = 0x8000;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x4;
const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x40;
const MOUNT_ATTR_IDMAP: u64 = 0x0010_0000;
const FSCONFIG_SET_FLAG: u32 = 0;
const FSCONFIG_SET_STRING: u32 = 1;
const FSCONFIG_SET_FD: u32 = 5;
const FSCONFIG_CMD_CREATE: u32 = 6;

fn ret_fd(r: libc::c_long) -> Result<OwnedFd, Errno> {
    if r < 0 {
        return Err(Errno::last());
    }
    // SAFETY: the system call returned a new descriptor that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) })
}

fn ret_unit(r: libc::c_long) -> Result<(), Errno> {
    if r < 0 { Err(Errno::last()) } else { Ok(()) }
}

/// `open_tree(2)` of `path` relative to `dir` (an empty path: `dir`
/// itself), close-on-exec. With [`OPEN_TREE_CLONE`] (and [`AT_RECURSIVE`])
/// it returns a detached copy of the mount tree there (needs
/// `CAP_SYS_ADMIN` over the caller's mount namespace).
pub fn open_tree(dir: BorrowedFd<'_>, path: &CStr, flags: u32) -> Result<OwnedFd, Errno> {
    let flags = flags | libc::O_CLOEXEC as u32 | if path.is_empty() { libc::AT_EMPTY_PATH as u32 } else { 0 };
    // SAFETY: open_tree(2) reads the NUL-terminated path; returns a new fd.
    ret_fd(unsafe { libc::syscall(libc::SYS_open_tree, dir.as_raw_fd(), path.as_ptr(), flags) })
}

/// `move_mount(2)`: attaches the mount tree `from` (an fd from
/// [`open_tree`] or [`fsmount`]) on top of the directory `to` (an fd, no
/// path is looked up).
pub fn move_mount_onto(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: move_mount(2) with two fds and empty NUL-terminated paths.
    ret_unit(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from.as_raw_fd(),
            c"".as_ptr(),
            to.as_raw_fd(),
            c"".as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH,
        )
    })
}

/// `mount_setattr(2)` with `MOUNT_ATTR_IDMAP` (Linux 5.12): makes the
/// detached mount `mnt` (and its submounts with `recursive`) an idmapped
/// mount that shows files through the id mappings of the user namespace
/// `userns` (an fd of `/proc/PID/ns/user`). Needs `CAP_SYS_ADMIN` in the
/// user namespace that owns the mount; `EINVAL` when the filesystem does
/// not support idmapped mounts.
pub fn mount_setattr_idmap(mnt: BorrowedFd<'_>, userns: BorrowedFd<'_>, recursive: bool) -> Result<(), Errno> {
    let attr =
        MountAttr { attr_set: MOUNT_ATTR_IDMAP, attr_clr: 0, propagation: 0, userns_fd: userns.as_raw_fd() as u64 };
    let flags = libc::AT_EMPTY_PATH as u32 | if recursive { AT_RECURSIVE } else { 0 };
    // SAFETY: mount_setattr(2) reads `attr` (size passed) and the empty path.
    ret_unit(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            mnt.as_raw_fd(),
            c"".as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    })
}

/// `fsopen(2)`: a filesystem context for the filesystem type `fstype`
/// (`overlay`), close-on-exec.
pub fn fsopen(fstype: &CStr) -> Result<OwnedFd, Errno> {
    // SAFETY: fsopen(2) reads the NUL-terminated name; returns a new fd.
    ret_fd(unsafe {
        libc::syscall(libc::SYS_fsopen, fstype.as_ptr(), 1u32 /* FSOPEN_CLOEXEC */)
    })
}

/// `fsconfig(2)` `FSCONFIG_SET_STRING`: option `key=value`.
pub fn fsconfig_string(fs: BorrowedFd<'_>, key: &CStr, value: &CStr) -> Result<(), Errno> {
    // SAFETY: fsconfig(2) reads both NUL-terminated strings.
    ret_unit(unsafe {
        libc::syscall(libc::SYS_fsconfig, fs.as_raw_fd(), FSCONFIG_SET_STRING, key.as_ptr(), value.as_ptr(), 0)
    })
}

/// `fsconfig(2)` `FSCONFIG_SET_FLAG`: option `key` without a value.
pub fn fsconfig_flag(fs: BorrowedFd<'_>, key: &CStr) -> Result<(), Errno> {
    // SAFETY: fsconfig(2) reads the NUL-terminated key.
    ret_unit(unsafe {
        libc::syscall(libc::SYS_fsconfig, fs.as_raw_fd(), FSCONFIG_SET_FLAG, key.as_ptr(), std::ptr::null::<u8>(), 0)
    })
}

/// `fsconfig(2)` `FSCONFIG_SET_FD`: option `key` given as the file `fd`
/// (overlayfs `lowerdir+`, `upperdir`, `workdir` as `O_PATH` fds, Linux 6.13).
pub fn fsconfig_fd(fs: BorrowedFd<'_>, key: &CStr, fd: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: fsconfig(2) reads the key; the fd is passed by number.
    ret_unit(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_SET_FD,
            key.as_ptr(),
            std::ptr::null::<u8>(),
            fd.as_raw_fd(),
        )
    })
}

/// `fsconfig(2)` `FSCONFIG_CMD_CREATE` then `fsmount(2)`: the configured
/// filesystem as a detached mount (close-on-exec), to attach with
/// [`move_mount_onto`].
pub fn fs_create_and_mount(fs: BorrowedFd<'_>) -> Result<OwnedFd, Errno> {
    // SAFETY: fsconfig(2) command without key or value.
    ret_unit(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<u8>(),
            std::ptr::null::<u8>(),
            0,
        )
    })?;
    // SAFETY: fsmount(2) on the context fd; returns a new fd.
    ret_fd(unsafe {
        libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), 1u32 /* FSMOUNT_CLOEXEC */, 0u32)
    })
}

/// The messages a filesystem context logged (`read(2)` on an [`fsopen`]
/// fd: `e overlayfs: …` lines), for an error that says more than the errno.
pub fn fs_messages(fs: BorrowedFd<'_>) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        // SAFETY: read(2) writes at most buf.len() bytes into buf.
        let n = unsafe { libc::read(fs.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        out.push(String::from_utf8_lossy(&buf[..n as usize]).trim().to_string());
    }
    out.join("; ")
}

/// Creates a process like [`clone_process`] whose parent is the caller's
/// parent (`CLONE_PARENT`): used by a short-lived helper that entered a
/// user namespace, so that the container's init is still the runtime's
/// child. Same rules as [`clone_process`].
pub fn clone_sibling(flags: u64) -> Result<Forked, Errno> {
    // clone3 wants no exit signal with CLONE_PARENT: the child gets the
    // caller's own (SIGCHLD for a forked helper).
    let mut args = CloneArgs { flags: flags | libc::CLONE_PARENT as u64, exit_signal: 0, ..Default::default() };
    // SAFETY: as in clone_process: fork-like, no stack, no CLONE_VM.
    let ret = unsafe { libc::syscall(libc::SYS_clone3, &mut args as *mut CloneArgs, std::mem::size_of::<CloneArgs>()) };
    match ret {
        -1 => Err(Errno::last()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid as i32)),
    }
}

/// `fcntl(F_DUPFD_CLOEXEC)`: a close-on-exec copy of `fd` on the lowest free
/// number ≥ `min`; returns that number (the caller owns it).
pub fn dup_cloexec_above(fd: RawFd, min: RawFd) -> Result<RawFd, Errno> {
    // SAFETY: fcntl on integers; the new descriptor is returned to the caller.
    let n = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) };
    if n < 0 { Err(Errno::last()) } else { Ok(n) }
}

/// Takes ownership of descriptor number `fd` that this process inherited
/// at `execve` by protocol (e.g. the monitor's start pipe on fd 3); `None`
/// when no such descriptor is open. Call it once per number, at start-up,
/// before anything else can own that number.
pub fn adopt_inherited_fd(fd: RawFd) -> Option<OwnedFd> {
    // SAFETY: fcntl(F_GETFD) on an integer only tells whether it is open.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: the number is open and, by the contract above, owned by nobody
    // else in this process.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `read(2)` into the spare capacity of `buf` (nothing is zeroed first, so
/// untouched pages of a large buffer stay out of the RSS); the bytes read
/// are appended to `buf`. Returns how many (0 at end of file).
pub fn read_spare(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> Result<usize, Errno> {
    let spare = buf.spare_capacity_mut();
    // SAFETY: read writes at most `spare.len()` bytes into the spare capacity.
    let n = unsafe { libc::read(fd.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len()) };
    if n < 0 {
        return Err(Errno::last());
    }
    let len = buf.len() + n as usize;
    // SAFETY: read(2) initialised the `n` bytes after the old length.
    unsafe { buf.set_len(len) };
    Ok(n as usize)
}

/// Gives back memory a long-lived, mostly idle process (the monitor) does
/// not use: the heap's free pages (`malloc_trim(3)`), the stack below the
/// caller's frame (with a 16 KiB margin), and every page of a read-only
/// file mapping (code, constants, the C library's) that holds no private
/// copy: such pages come back from the page cache, identical, when touched
/// again. Never drops memory that holds data: writable and anonymous
/// mappings other than the unused stack are left alone.
pub fn release_memory() {
    let stack_start = drop_clean_file_pages();
    // SAFETY: malloc_trim only returns free memory to the kernel.
    unsafe { libc::malloc_trim(0) };
    // The stack below this frame (with a 16 KiB margin) holds nothing live:
    // callers are above, and the deeper calls made so far have returned.
    let here = 0u8;
    let sp = std::hint::black_box(&here) as *const u8 as usize;
    let end = sp.saturating_sub(16 * 1024) & !4095;
    if let Some(start) = stack_start
        && start < end
    {
        // SAFETY: anonymous stack pages below every live frame: dropping
        // them only makes them read back as zeros, which nothing relies on.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}

/// Drops the clean pages of read-only file mappings (see
/// [`release_memory`]); returns where the `[stack]` mapping starts.
fn drop_clean_file_pages() -> Option<usize> {
    let smaps = std::fs::read("/proc/self/smaps").ok()?;
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut stack_start = None;
    for line in smaps.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        if let Some((start, end)) = first.split_once('-')
            && let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16))
        {
            // `start-end perms offset dev inode path`: read-only, file-backed.
            let perms = fields.next().unwrap_or_default();
            let inode = fields.nth(2).unwrap_or("0");
            if fields.next() == Some("[stack]") {
                stack_start = Some(start);
            }
            current = (perms.starts_with('r') && perms.as_bytes().get(1) == Some(&b'-') && inode != "0")
                .then_some((start, end));
        } else if first == "Anonymous:" {
            // Pages written since the mapping (relocations): these must stay.
            if let Some(range) = current.take()
                && fields.next() == Some("0")
            {
                ranges.push(range);
            }
        }
    }
    for (start, end) in ranges {
        // SAFETY: MADV_DONTNEED on a private, read-only file mapping without
        // anonymous pages only drops page-table entries: the contents come
        // back from the file on the next access.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
    stack_start
}

/// Sets the environment variable `key` of this process (for the processes
/// it starts). Only while the process is single-threaded (rcon's start-up):
/// the C library's environment is not safe against a concurrent reader.
pub fn set_env(key: &str, value: &str) {
    // SAFETY: called single-threaded at start-up (documented above), so no
    // other thread reads the environment meanwhile.
    unsafe { std::env::set_var(key, value) }
}

/// Makes the program `cmd` runs get `SIGKILL` when the thread that spawns
/// it ends (`PR_SET_PDEATHSIG`, set between fork and exec). If that thread
/// is already gone by then, the program is not started (`spawn` fails).
pub fn kill_with_parent(cmd: &mut std::process::Command) {
    let parent = nix::unistd::getpid();
    // SAFETY: between fork and exec only async-signal-safe system calls
    // (prctl, getppid) run; nothing allocates.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, move || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
            // The parent may have ended before the signal was set.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Makes `cmd`'s program start detached from the (possibly multi-threaded)
/// process that spawns it, with `fd` as its descriptor `target`: between
/// fork and exec, the child starts a new session (`setsid`), copies `fd`
/// to `target` (not close-on-exec), marks every descriptor above `target`
/// close-on-exec, then forks again and ends, so that the program runs in
/// the grandchild, nobody's child but init's (or a subreaper's). The
/// spawner's `Child` is that short-lived middle process: wait for it. If
/// the program cannot be executed, `spawn` still reports the error.
/// `target` must be at least 3 (above stdio, which `cmd` sets).
pub fn spawn_detached_with_fd(cmd: &mut std::process::Command, fd: RawFd, target: RawFd) {
    // SAFETY: between fork and exec only async-signal-safe system calls
    // run (setsid, fcntl, dup2, close_range, a raw fork, _exit); nothing
    // allocates or takes a lock.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, move || {
            nix::unistd::setsid()?;
            // `fd` is moved above `target` first so that dup2 cannot clobber it.
            let moved = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, target + 1);
            if moved < 0 || libc::dup2(moved, target) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let _ = libc::syscall(libc::SYS_close_range, (target + 1) as u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC);
            match clone_process(0)? {
                Forked::Child => Ok(()),
                Forked::Parent(_) => exit_now(0),
            }
        });
    }
}
