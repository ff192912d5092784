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

/// The logger behind the `log` facade: records go to stderr as one line
/// each, `rcon: warning: …`, `rcon: error: …`, `rcon[info]: …`,
/// `rcon[debug]: …`. Records of other crates (reqwest, rustls, …) carry
/// their target and are shown only at `info` and `debug`, so the default
/// output is rcon's own.
struct Logger;

/// The level [`set_log_level`] set: 0 debug, 1 info, 2 warn, 3 error.
static LOG_LEVEL: AtomicU8 = AtomicU8::new(2);

fn level_filter(n: u8) -> log::LevelFilter {
    [log::LevelFilter::Debug, log::LevelFilter::Info, log::LevelFilter::Warn, log::LevelFilter::Error]
        [n.min(3) as usize]
}

impl log::Log for Logger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        let level = level_filter(LOG_LEVEL.load(Ordering::Relaxed));
        let own = m.target() == "rcon" || m.target().starts_with("rcon::");
        m.level() <= level && (own || level >= log::LevelFilter::Info)
    }

    fn log(&self, r: &log::Record<'_>) {
        use std::io::Write;
        if !self.enabled(r.metadata()) {
            return;
        }
        let own = r.target() == "rcon" || r.target().starts_with("rcon::");
        let from = if own { String::new() } else { format!("{}: ", r.target()) };
        let mut err = std::io::stderr().lock();
        let _ = match r.level() {
            log::Level::Error => writeln!(err, "rcon: error: {from}{}", r.args()),
            log::Level::Warn => writeln!(err, "rcon: warning: {from}{}", r.args()),
            l => writeln!(err, "rcon[{}]: {from}{}", l.as_str().to_ascii_lowercase(), r.args()),
        };
    }

    fn flush(&self) {}
}

/// Installs the logger (once) and sets its level: `debug`, `info`, `warn`
/// or `error` (anything else is `error`), as `--log-level` gives it.
pub fn set_log_level(level: &str) {
    let n = match level {
        "debug" => 0,
        "info" => 1,
        "warn" => 2,
        _ => 3,
    };
    LOG_LEVEL.store(n, Ordering::Relaxed);
    let _ = log::set_logger(&Logger);
    log::set_max_level(level_filter(n));
}

/// The level [`set_log_level`] set last: `debug`, `info`, `warn` or `error`.
pub fn log_level_name() -> &'static str {
    ["debug", "info", "warn", "error"][LOG_LEVEL.load(Ordering::Relaxed).min(3) as usize]
}

/// `log::debug!`: shown with `--log-level debug`.
#[macro_export]
macro_rules! debug {
    ($($t:tt)*) => {
        ::log::debug!($($t)*)
    };
}

/// `log::warn!`: shown unless `--log-level error`.
#[macro_export]
macro_rules! warn {
    ($($t:tt)*) => {
        ::log::warn!($($t)*)
    };
}

/// Writes `data` to a child process's stdin and closes it. A child that
/// exits without reading (a failing hook or credential helper) makes the
/// write fail with EPIPE here instead of killing rcon with SIGPIPE (which
/// rcon leaves at its default action so that `rcon ps | head` ends quietly).
pub fn write_to_child(mut stdin: std::process::ChildStdin, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let was_ignored = crate::sys::ignore_sigpipe(true);
    let r = stdin.write_all(data);
    drop(stdin);
    crate::sys::ignore_sigpipe(was_ignored);
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

/// An error whose message is the one docker's daemon gives for the same
/// failure (`Container 3f… is not running`, `No such container: web`).
/// docker's CLI prints such errors as `Error response from daemon:
/// MESSAGE` and exits 1, and so do rcon's front ends; the API service can
/// send the message as is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DaemonError(pub String);

/// A file that replaces `path` atomically: written under a unique
/// temporary name beside `path` (`.NAME.XXXXXX.tmp`, so concurrent writers
/// never share one) and renamed over `path` by [`AtomicFile::commit`].
/// Readers see the old content or the new, never half of it. Dropped
/// without a commit, the temporary file is removed.
pub struct AtomicFile {
    path: std::path::PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Starts replacing `path`; the new file gets permission bits `mode`
    /// (before the umask, as `open(2)`: 0o666 like `File::create`, 0o600
    /// for secrets). Errors: the directory of `path` is not writable.
    pub fn create(path: &std::path::Path, mode: u32) -> std::io::Result<AtomicFile> {
        use std::os::unix::fs::PermissionsExt;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(mode))
            .tempfile_in(dir)?;
        Ok(AtomicFile { path: path.to_path_buf(), tmp })
    }

    /// Renames the written file over the target; with `durable`, its data
    /// reaches the disk first (`fdatasync`), so a crash of the host cannot
    /// leave an empty file behind the new name.
    pub fn commit(self, durable: bool) -> std::io::Result<()> {
        if durable {
            self.tmp.as_file().sync_data()?;
        }
        self.tmp.persist(&self.path).map(drop).map_err(|e| e.error)
    }
}

impl std::io::Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

/// Replaces `path` with `data` atomically (see [`AtomicFile`]): permission
/// bits `mode` before the umask, fsynced first when `durable`.
pub fn write_atomic(path: &std::path::Path, data: &[u8], mode: u32, durable: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = AtomicFile::create(path, mode)?;
    f.write_all(data)?;
    f.commit(durable)
}

/// `MemTotal` of /proc/meminfo, in bytes.
pub fn mem_total() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
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
    // Seconds and the fraction apart, as moby's `ParseTimestamps`: an f64
    // holds only about 0.2 µs of precision at today's Unix times.
    if let Some((secs, frac)) = s.split_once('.').or(Some((s, "")))
        && let Ok(secs) = secs.parse::<i64>()
        && frac.len() <= 9
        && frac.bytes().all(|b| b.is_ascii_digit())
    {
        let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse::<u32>().unwrap_or(0) };
        if let Some(t) = DateTime::from_timestamp(secs, nanos) {
            return Ok(t);
        }
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
    let ns = crate::units::parse_go_duration(s)
        .map(|d| d.as_nanos() as u64)
        .map_err(|_| format!("invalid time {s:?}: use a timestamp (2026-11-21T10:00:00Z) or a duration (10m)"))?;
    Ok(now - chrono::Duration::nanoseconds(ns as i64))
}

/// A file written in full before it appears under its name, that leaves
/// nothing behind when the writer is killed: an unnamed `O_TMPFILE` in the
/// destination's directory, linked and renamed into place by
/// [`UnnamedFile::commit`]. Where the filesystem has no `O_TMPFILE`, a
/// hidden `.<name>.tmp-<pid>-<random>` beside the destination, and files of
/// that shape whose pid is dead are removed first.
pub struct UnnamedFile {
    file: std::fs::File,
    dest: std::path::PathBuf,
    /// The named temp file (fallback), removed on drop unless committed.
    named: Option<std::path::PathBuf>,
}

impl UnnamedFile {
    /// Starts writing `dest` (mode 0666 minus the umask). Errors: the
    /// directory is missing or not writable.
    pub fn create(dest: &std::path::Path) -> std::io::Result<UnnamedFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => std::path::Path::new("."),
        };
        let tmpfile = std::fs::OpenOptions::new().write(true).mode(0o666).custom_flags(libc::O_TMPFILE).open(dir);
        match tmpfile {
            Ok(file) => Ok(UnnamedFile { file, dest: dest.to_path_buf(), named: None }),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)) => {
                remove_dead_temp_files(dir, dest);
                let named = temp_name(dest, &random_hex(4));
                let file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o666).open(&named)?;
                Ok(UnnamedFile { file, dest: dest.to_path_buf(), named: Some(named) })
            }
            Err(e) => Err(e),
        }
    }

    /// The open file, to write to.
    pub fn file(&mut self) -> &mut std::fs::File {
        &mut self.file
    }

    /// Flushes the data to disk and puts the file under its name
    /// (replacing what was there).
    pub fn commit(mut self) -> std::io::Result<()> {
        self.file.sync_data()?;
        let named = match self.named.take() {
            Some(n) => n,
            None => {
                // Give the unnamed file a temporary name, then rename it over
                // the destination (linkat cannot replace a file).
                let named = temp_name(&self.dest, &random_hex(4));
                let src = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&self.file));
                nix::unistd::linkat(
                    nix::fcntl::AT_FDCWD,
                    src.as_str(),
                    nix::fcntl::AT_FDCWD,
                    named.as_path(),
                    nix::fcntl::AtFlags::AT_SYMLINK_FOLLOW,
                )
                .map_err(std::io::Error::from)?;
                named
            }
        };
        std::fs::rename(&named, &self.dest).inspect_err(|_| {
            let _ = std::fs::remove_file(&named);
        })
    }
}

impl Drop for UnnamedFile {
    fn drop(&mut self) {
        if let Some(n) = &self.named {
            let _ = std::fs::remove_file(n);
        }
    }
}

/// `.<name>.tmp-<pid>-<tag>` beside `dest`.
fn temp_name(dest: &std::path::Path, tag: &str) -> std::path::PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.tmp-{}-{tag}", std::process::id()))
}

/// Removes `.<name>.tmp-<pid>-*` files beside `dest` whose pid is dead.
fn remove_dead_temp_files(dir: &std::path::Path, dest: &std::path::Path) {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let f = e.file_name();
        let Some(rest) = f.to_str().and_then(|f| f.strip_prefix(&prefix)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else { continue };
        if pid > 0 && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod unnamed_file_tests {
    use super::UnnamedFile;
    use std::io::Write;

    #[test]
    fn appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.tar");
        std::fs::write(&dest, b"old").unwrap();
        let mut f = UnnamedFile::create(&dest).unwrap();
        f.file().write_all(b"new").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        f.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        let mut f = UnnamedFile::create(&dest).unwrap();
        f.file().write_all(b"dropped").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["out.tar"]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn write_atomic_replaces_and_leaves_no_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        std::fs::write(&p, "old").unwrap();
        super::write_atomic(&p, b"new", 0o600, true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["state.json"]);
        drop(super::AtomicFile::create(&p, 0o666).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "an uncommitted file is removed");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    }

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
