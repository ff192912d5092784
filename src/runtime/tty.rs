//! Terminals: the container's console (a pseudo-terminal allocated inside
//! the container from its own `/dev/pts`, as runc does, so `tty` in the
//! container names `/dev/pts/0`) and the caller's side of an interactive
//! session: raw mode on the user's terminal, restored on drop; copying
//! between it and the console master; window size changes (`SIGWINCH`)
//! passed on.

use super::Error;
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use nix::sys::stat::Mode;
use nix::sys::termios::{self, SetArg, Termios};
use std::io::IoSlice;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// The byte that precedes the console master on the start channel.
pub(crate) const CONSOLE_MARK: u8 = b'T';

nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, libc::winsize);
nix::ioctl_read_bad!(get_winsize, libc::TIOCGWINSZ, libc::winsize);

/// The window size of the terminal on `fd`, if it is one.
pub fn window_size(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes a winsize into `ws`.
    unsafe { get_winsize(fd.as_raw_fd(), &mut ws) }.ok()?;
    Some((ws.ws_row, ws.ws_col))
}

/// Sets the window size (rows, columns) of the terminal on `fd`.
pub fn set_window_size(fd: BorrowedFd<'_>, rows: u16, cols: u16) -> Result<(), Errno> {
    let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads a winsize.
    unsafe { set_winsize(fd.as_raw_fd(), &ws) }.map(drop)
}

/// In the init, after `pivot_root`: allocates the console from the
/// container's `/dev/ptmx`, makes its slave the controlling terminal (the
/// init already called `setsid`) and stdin/stdout/stderr, gives it to `uid`
/// (group 5, `tty`) with mode 0620, sets its size, and sends the master over
/// `chan` (one [`CONSOLE_MARK`] byte with the fd as `SCM_RIGHTS`).
pub(crate) fn setup_console(chan: RawFd, uid: u32, size: Option<(u16, u16)>) -> Result<(), Error> {
    let err = |what: &str, e: Errno| Error::Setup(format!("cannot {what} for the container's console: {}", e.desc()));
    let master = nix::fcntl::open("/dev/ptmx", OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| err("open /dev/ptmx", e))?;
    // SAFETY: unlockpt/ptsname_r on a valid master fd; `name` is large enough.
    let mut name = [0 as libc::c_char; 64];
    unsafe {
        if libc::unlockpt(master.as_raw_fd()) != 0 {
            return Err(err("unlock the pseudo-terminal", Errno::last()));
        }
        if libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) != 0 {
            return Err(err("name the pseudo-terminal", Errno::last()));
        }
    }
    // SAFETY: ptsname_r NUL-terminated it.
    let slave_path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned();
    let slave = nix::fcntl::open(slave_path.as_str(), OFlag::O_RDWR | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| err(&format!("open {slave_path}"), e))?;
    // SAFETY: TIOCSCTTY on our own session's new terminal.
    if unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) } != 0 {
        return Err(err("make it the controlling terminal", Errno::last()));
    }
    let _ = nix::unistd::fchown(slave.as_fd(), Some(uid.into()), Some(5.into()));
    let _ = nix::sys::stat::fchmod(slave.as_fd(), Mode::from_bits_truncate(0o620));
    if let Some((rows, cols)) = size {
        let _ = set_window_size(slave.as_fd(), rows, cols);
    }
    for target in 0..3 {
        // SAFETY: dup2 onto the standard descriptors.
        if unsafe { libc::dup2(slave.as_raw_fd(), target) } < 0 {
            return Err(err("redirect stdio", Errno::last()));
        }
    }
    let fds = [master.as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    sendmsg::<()>(chan, &[IoSlice::new(&[CONSOLE_MARK])], &cmsg, MsgFlags::empty(), None)
        .map_err(|e| err("send the console", e))?;
    Ok(())
}

/// The user's terminal in raw mode until dropped (then restored as it was).
pub struct RawMode {
    fd: RawFd,
    saved: Termios,
}

impl RawMode {
    /// Puts the terminal on `fd` in raw mode (`cfmakeraw`). Errors when `fd`
    /// is not a terminal.
    pub fn enter(fd: BorrowedFd<'_>) -> Result<RawMode, Errno> {
        let saved = termios::tcgetattr(fd)?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(fd, SetArg::TCSANOW, &raw)?;
        Ok(RawMode { fd: fd.as_raw_fd(), saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: the fd was valid when entered; restoring is best-effort.
        let fd = unsafe { BorrowedFd::borrow_raw(self.fd) };
        let _ = termios::tcsetattr(fd, SetArg::TCSADRAIN, &self.saved);
    }
}

/// Write end of the self-pipe `SIGWINCH` writes to (-1: none).
static WINCH_PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_winch(_: libc::c_int) {
    let fd = WINCH_PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; a full pipe is fine to drop.
        unsafe { libc::write(fd, b"w".as_ptr().cast(), 1) };
    }
}

fn write_all(fd: BorrowedFd<'_>, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match nix::unistd::write(fd, buf) {
            Ok(n) => buf = &buf[n..],
            Err(Errno::EINTR | Errno::EAGAIN) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Runs an interactive session on the console `master` from rcon's own
/// stdin/stdout: when stdin is a terminal, it goes to raw mode (restored on
/// return) and its window size is copied to the console now and on every
/// `SIGWINCH`; `interactive` (`-i`) copies stdin to the console (EOF on
/// stdin sends the terminal's EOF character, `^D`); everything the console
/// prints goes to stdout. Returns when the console hangs up (every process
/// in the container closed it, which is at the latest when the container
/// ends).
pub fn forward(master: OwnedFd, interactive: bool) -> Result<(), Errno> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let is_tty = nix::unistd::isatty(stdin.as_fd()).unwrap_or(false);
    let _raw = if is_tty && interactive { RawMode::enter(stdin.as_fd()).ok() } else { None };
    let (wr, ww) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
    if is_tty {
        if let Some((r, c)) = window_size(stdin.as_fd()) {
            let _ = set_window_size(master.as_fd(), r, c);
        }
        WINCH_PIPE.store(ww.as_raw_fd(), Ordering::Relaxed);
        // SAFETY: the handler only writes to a pipe.
        unsafe { libc::signal(libc::SIGWINCH, on_winch as *const () as libc::sighandler_t) };
    }
    let mut stdin_open = interactive;
    let mut buf = [0u8; 8192];
    let result = loop {
        let mut fds = vec![PollFd::new(master.as_fd(), PollFlags::POLLIN), PollFd::new(wr.as_fd(), PollFlags::POLLIN)];
        if stdin_open {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            Err(e) => break Err(e),
            Ok(_) => {}
        }
        let ready: Vec<bool> = fds.iter().map(|f| f.revents().is_some_and(|r| !r.is_empty())).collect();
        drop(fds);
        if ready[1] {
            let _ = nix::unistd::read(wr.as_fd(), &mut buf);
            if let Some((r, c)) = window_size(stdin.as_fd()) {
                let _ = set_window_size(master.as_fd(), r, c);
            }
        }
        if ready[0] {
            match nix::unistd::read(master.as_fd(), &mut buf) {
                // EIO: the last slave fd closed.
                Ok(0) | Err(Errno::EIO) => break Ok(()),
                Ok(n) => {
                    if write_all(stdout.as_fd(), &buf[..n]).is_err() {
                        break Ok(());
                    }
                }
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Err(e) => break Err(e),
            }
        }
        if ready.get(2).copied().unwrap_or(false) {
            match nix::unistd::read(stdin.as_fd(), &mut buf) {
                Ok(0) | Err(Errno::EIO) => {
                    stdin_open = false;
                    // The terminal's EOF character ends the reader's input.
                    let _ = write_all(master.as_fd(), &[4]);
                }
                Ok(n) => {
                    let _ = write_all(master.as_fd(), &buf[..n]);
                }
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Err(_) => stdin_open = false,
            }
        }
    };
    if is_tty {
        // SAFETY: back to the default disposition.
        unsafe { libc::signal(libc::SIGWINCH, libc::SIG_DFL) };
        WINCH_PIPE.store(-1, Ordering::Relaxed);
    }
    result
}
