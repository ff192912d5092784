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

/// Parses a Go duration as docker's flags take them (`1h2m3s`, `500ms`,
/// `1.5s`, `10us`, `0`); returns nanoseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let bad = || format!("invalid duration {s:?}: use e.g. 30s, 1m30s, 500ms");
    if s == "0" {
        return Ok(0);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let value: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let mult = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += value * mult;
        rest = &rest[unit_len..];
    }
    Ok(total as u64)
}

/// A point in time as docker's `--since`/`--until` and `until=` filters take
/// it (moby `timetypes.GetTimestamp`): RFC 3339 (`2026-11-21T10:00:00Z`,
/// with or without fraction or offset), a local date or date-time
/// (`2026-11-21`, `2026-11-21T10:00:00`), a Unix time in seconds with an
/// optional fraction (`1700000000.5`), or a Go duration before `now`
/// (`10m`, `1h30m`).
pub fn parse_time(s: &str, now: chrono::DateTime<chrono::Utc>) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(secs) = s.parse::<f64>() {
        return Ok(DateTime::from_timestamp_nanos((secs * 1e9) as i64));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f)
            && let Some(t) = Local.from_local_datetime(&t).earliest()
        {
            return Ok(t.with_timezone(&Utc));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0).and_then(|t| Local.from_local_datetime(&t).earliest())
    {
        return Ok(t.with_timezone(&Utc));
    }
    let ns = parse_duration(s)
        .map_err(|_| format!("invalid time {s:?}: use a timestamp (2026-11-21T10:00:00Z) or a duration (10m)"))?;
    Ok(now - chrono::Duration::nanoseconds(ns as i64))
}
