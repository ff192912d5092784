//! Small helpers shared across modules.

/// `n` random bytes as lowercase hex (2n characters), from the OS RNG.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the OS random number generator failed");
    hex::encode(buf)
}

/// Checks a user-given container, network or volume name against docker's
/// rule `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
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

/// One line for an error and its sources, `error: cause: cause…`, leaving
/// out a source whose message the line already holds (many messages repeat
/// their source's).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(cause) = cur {
        let s = cause.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn validates_user_names() {
        assert!(super::is_valid_name("web-1"));
        assert!(super::is_valid_name("a.b_c"));
        assert!(!super::is_valid_name("-x"));
        assert!(!super::is_valid_name("a"));
        assert!(!super::is_valid_name("a/b"));
    }

    #[test]
    fn error_chain_skips_repeated_sources() {
        let e = anyhow::anyhow!("disk full").context("cannot write /x: disk full").context("cannot save");
        assert_eq!(super::error_chain(e.as_ref()), "cannot save: cannot write /x: disk full");
    }
}
