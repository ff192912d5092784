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

/// A file written in full before it appears under its name, that leaves
/// nothing behind when the writer is killed: an unnamed `O_TMPFILE` in the
/// destination's directory, linked and renamed into place by
/// [`AtomicFile::commit`]. Where the filesystem has no `O_TMPFILE`, a
/// hidden `.<name>.tmp-<pid>-<random>` beside the destination, and files of
/// that shape whose pid is dead are removed first.
pub struct AtomicFile {
    file: std::fs::File,
    dest: std::path::PathBuf,
    /// The named temp file (fallback), removed on drop unless committed.
    named: Option<std::path::PathBuf>,
}

impl AtomicFile {
    /// Starts writing `dest` (mode 0666 minus the umask). Errors: the
    /// directory is missing or not writable.
    pub fn create(dest: &std::path::Path) -> std::io::Result<AtomicFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => std::path::Path::new("."),
        };
        let tmpfile = std::fs::OpenOptions::new().write(true).mode(0o666).custom_flags(libc::O_TMPFILE).open(dir);
        match tmpfile {
            Ok(file) => Ok(AtomicFile { file, dest: dest.to_path_buf(), named: None }),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)) => {
                remove_dead_temp_files(dir, dest);
                let named = temp_name(dest, &random_hex(4));
                let file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o666).open(&named)?;
                Ok(AtomicFile { file, dest: dest.to_path_buf(), named: Some(named) })
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
                let src =
                    std::ffi::CString::new(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&self.file)))
                        .expect("no NUL");
                let dst =
                    std::ffi::CString::new(named.as_os_str().as_encoded_bytes()).map_err(std::io::Error::other)?;
                // SAFETY: valid NUL-terminated paths.
                let r = unsafe {
                    libc::linkat(libc::AT_FDCWD, src.as_ptr(), libc::AT_FDCWD, dst.as_ptr(), libc::AT_SYMLINK_FOLLOW)
                };
                if r != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                named
            }
        };
        std::fs::rename(&named, &self.dest).inspect_err(|_| {
            let _ = std::fs::remove_file(&named);
        })
    }
}

impl Drop for AtomicFile {
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
mod atomic_file_tests {
    use super::AtomicFile;
    use std::io::Write;

    #[test]
    fn appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.tar");
        std::fs::write(&dest, b"old").unwrap();
        let mut f = AtomicFile::create(&dest).unwrap();
        f.file().write_all(b"new").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        f.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        let mut f = AtomicFile::create(&dest).unwrap();
        f.file().write_all(b"dropped").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["out.tar"]);
    }
}
