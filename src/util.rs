//! Small helpers shared across modules.

/// `n` random bytes as lowercase hex (2n characters), from the OS RNG.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the OS random number generator failed");
    hex::encode(buf)
}

use std::sync::atomic::{AtomicU8, Ordering};

static LOG_LEVEL: AtomicU8 = AtomicU8::new(2);

/// Sets the level below which [`log_enabled`] is false:
/// "debug" (0), "info" (1), "warn" (2), "error" (3).
pub fn set_log_level(level: &str) {
    let n = match level {
        "debug" => 0,
        "info" => 1,
        "warn" => 2,
        _ => 3,
    };
    LOG_LEVEL.store(n, Ordering::Relaxed);
}

/// The level [`set_log_level`] set last: `debug`, `info`, `warn` or `error`.
pub fn log_level_name() -> &'static str {
    ["debug", "info", "warn", "error"][LOG_LEVEL.load(Ordering::Relaxed).min(3) as usize]
}

/// True when messages of `level` (0 debug … 3 error) are printed.
pub fn log_enabled(level: u8) -> bool {
    level >= LOG_LEVEL.load(Ordering::Relaxed)
}

/// Prints a debug message on stderr when `--log-level debug` is set.
#[macro_export]
macro_rules! debug {
    ($($t:tt)*) => {
        if $crate::util::log_enabled(0) {
            eprintln!("rcon[debug]: {}", format_args!($($t)*));
        }
    };
}

/// Prints a warning on stderr unless `--log-level error` is set.
#[macro_export]
macro_rules! warn {
    ($($t:tt)*) => {
        if $crate::util::log_enabled(2) {
            eprintln!("rcon: warning: {}", format_args!($($t)*));
        }
    };
}

/// Writes `data` to a child process's stdin and closes it. A child that
/// exits without reading (a failing hook or credential helper) makes the
/// write fail with EPIPE here instead of killing rcon with SIGPIPE (which
/// rcon leaves at its default action so that `rcon ps | head` ends quietly).
pub fn write_to_child(mut stdin: std::process::ChildStdin, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    // SAFETY: signal(2) with SIG_IGN, restored right after the write.
    let old = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let r = stdin.write_all(data);
    drop(stdin);
    // SAFETY: restores the disposition saved above.
    unsafe { libc::signal(libc::SIGPIPE, old) };
    r
}
