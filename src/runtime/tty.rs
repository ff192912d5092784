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

/// The byte that precedes the console master on the start channel.
pub(crate) const CONSOLE_MARK: u8 = b'T';

/// The window size of the terminal on `fd`, if it is one.
pub fn window_size(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    let ws = rustix::termios::tcgetwinsize(fd).ok()?;
    Some((ws.ws_row, ws.ws_col))
}

/// Sets the window size (rows, columns) of the terminal on `fd`.
pub fn set_window_size(fd: BorrowedFd<'_>, rows: u16, cols: u16) -> Result<(), Errno> {
    let ws = rustix::termios::Winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    rustix::termios::tcsetwinsize(fd, ws).map_err(errno)
}

/// rustix's errno as nix's (whose `desc` the messages use).
fn errno(e: rustix::io::Errno) -> Errno {
    Errno::from_raw(e.raw_os_error())
}

/// A pseudo-terminal pair from the devpts instance of the container whose
/// init is `pid` (its `/dev/pts/ptmx`, reached through `/proc/PID/root`), so
/// that a process joining the container finds its terminal under its own
/// `/dev/pts` (`tty` prints `/dev/pts/N`, as with docker's `exec -t`).
/// The slave is opened with `TIOCGPTPEER` (no path lookup). Returns
/// (master, slave). Errors: the container has no devpts, or it is full.
pub fn open_pty_in(pid: i32) -> Result<(OwnedFd, OwnedFd), Errno> {
    let ptmx = format!("/proc/{pid}/root/dev/pts/ptmx");
    let master = nix::fcntl::open(ptmx.as_str(), OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC, Mode::empty())?;
    rustix::pty::unlockpt(&master).map_err(errno)?;
    let slave =
        rustix::pty::ioctl_tiocgptpeer(&master, rustix::pty::OpenptFlags::RDWR | rustix::pty::OpenptFlags::NOCTTY)
            .map_err(errno)?;
    Ok((master, slave))
}

/// In the init, after `pivot_root`: allocates the console from the
/// container's `/dev/ptmx`, makes its slave the controlling terminal (the
/// init already called `setsid`) and stdin/stdout/stderr, gives it to `uid`
/// (group 5, `tty`) with mode 0620, sets its size, and sends the master over
/// `chan` (one [`CONSOLE_MARK`] byte with the fd as `SCM_RIGHTS`).
pub(crate) fn setup_console(chan: RawFd, uid: u32, size: Option<(u16, u16)>) -> Result<(), Error> {
    let err = |what: &str, e: Errno| Error::sys(format!("{what} for the container's console"), e);
    let master = nix::fcntl::open("/dev/ptmx", OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| err("open /dev/ptmx", e))?;
    rustix::pty::unlockpt(&master).map_err(|e| err("unlock the pseudo-terminal", errno(e)))?;
    let name = rustix::pty::ptsname(&master, Vec::new()).map_err(|e| err("name the pseudo-terminal", errno(e)))?;
    let slave_path = name.to_string_lossy().into_owned();
    let slave = nix::fcntl::open(slave_path.as_str(), OFlag::O_RDWR | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| err(&format!("open {slave_path}"), e))?;
    rustix::process::ioctl_tiocsctty(&slave).map_err(|e| err("make it the controlling terminal", errno(e)))?;
    let _ = nix::unistd::fchown(slave.as_fd(), Some(uid.into()), Some(5.into()));
    let _ = nix::sys::stat::fchmod(slave.as_fd(), Mode::from_bits_truncate(0o620));
    if let Some((rows, cols)) = size {
        let _ = set_window_size(slave.as_fd(), rows, cols);
    }
    nix::unistd::dup2_stdin(&slave)
        .and_then(|()| nix::unistd::dup2_stdout(&slave))
        .and_then(|()| nix::unistd::dup2_stderr(&slave))
        .map_err(|e| err("redirect stdio", e))?;
    let fds = [master.as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    sendmsg::<()>(chan, &[IoSlice::new(&[CONSOLE_MARK])], &cmsg, MsgFlags::empty(), None)
        .map_err(|e| err("send the console", e))?;
    Ok(())
}

/// The user's terminal in raw mode until dropped (then restored as it was,
/// through a duplicate of the fd it was entered on).
pub struct RawMode {
    fd: OwnedFd,
    saved: Termios,
}

impl RawMode {
    /// Puts the terminal on `fd` in raw mode (`cfmakeraw`). Errors when `fd`
    /// is not a terminal.
    pub fn enter(fd: BorrowedFd<'_>) -> Result<RawMode, Errno> {
        let saved = termios::tcgetattr(fd)?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        let dup = fd.try_clone_to_owned().map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))?;
        termios::tcsetattr(fd, SetArg::TCSANOW, &raw)?;
        Ok(RawMode { fd: dup, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(&self.fd, SetArg::TCSADRAIN, &self.saved);
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
        // The handler first: a size set between the copy and the handler
        // would be lost.
        crate::sys::notify_winch(Some(ww.as_fd()));
        if let Some((r, c)) = window_size(stdin.as_fd()) {
            let _ = set_window_size(master.as_fd(), r, c);
        }
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
        crate::sys::notify_winch(None);
    }
    result
}
