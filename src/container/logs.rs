//! Container logs: one file per container, `containers/<id>/ctr.log`, in
//! the CRI log format that Kubernetes and podman's `k8s-file` driver use:
//!
//! ```text
//! 2026-11-21T09:00:00.123456789Z stdout F a complete line
//! 2026-11-21T09:00:00.223456789Z stderr P the first part of a long li
//! 2026-11-21T09:00:00.223456790Z stderr F ne, completed here
//! ```
//!
//! Fields: RFC 3339 time with nanoseconds (UTC), the stream, `F` for a line
//! that ended in `\n` (the newline itself is not stored) or `P` for a part
//! that did not (a line longer than [`MAX_LINE`] bytes, or output that ended
//! without a newline), then the bytes. Reading joins `P` parts and restores
//! the newline after `F`, so `rcon logs` gives back exactly what the
//! container wrote. Rotation (`--log-opt max-size=…,max-file=N`) renames the
//! file to `ctr.log.1`, `.2`, … and starts a new one. By default a log keeps
//! at most 100 MiB: 5 files of 20 MiB, as docker's `local` driver.
//!
//! Writing is batched: each chunk the monitor reads from the container (up
//! to 64 KiB) becomes its records in one buffer, stamped with one time, and
//! one `write(2)`. Reading never holds more than a line: [`tail_start`]
//! finds where the last N lines begin by reading the files backwards, and
//! [`for_each_record`] streams from there.

use chrono::{DateTime, SecondsFormat, Utc};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Longest line part written at once (bytes); longer lines are split into
/// `P` records, as docker and containerd do at 16 KiB.
pub const MAX_LINE: usize = 16 * 1024;

/// Which output stream a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The container's fd 1.
    Stdout,
    /// The container's fd 2.
    Stderr,
}

impl Stream {
    fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// `max-size` when `--log-opt` gives none: 20 MiB (docker's `local` driver).
pub const DEFAULT_MAX_SIZE: u64 = 20 << 20;
/// `max-file` when `--log-opt` gives none: 5 (docker's `local` driver).
pub const DEFAULT_MAX_FILES: u32 = 5;

/// Rotation settings from `--log-opt`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Rotate when the file reaches this many bytes (`max-size`); `None`: never.
    pub max_size: Option<u64>,
    /// How many files to keep in all, the current one included (`max-file`, ≥ 1).
    pub max_files: u32,
}

impl Rotation {
    /// Parses `--log-opt` values: `max-size=10m` (k, m, g suffixes, 1024-based
    /// as docker; `-1`: unbounded), `max-file=3`; unset: [`DEFAULT_MAX_SIZE`]
    /// and [`DEFAULT_MAX_FILES`]. Errors name the bad option.
    pub fn parse(opts: &[String]) -> Result<Rotation, String> {
        let mut r = Rotation { max_size: Some(DEFAULT_MAX_SIZE), max_files: DEFAULT_MAX_FILES };
        for opt in opts.iter().flat_map(|o| o.split(',')) {
            let (k, v) =
                opt.split_once('=').ok_or_else(|| format!("invalid log option {opt:?}: expected KEY=VALUE"))?;
            match k {
                "max-size" if v == "-1" => r.max_size = None,
                "max-size" => {
                    r.max_size = Some(
                        crate::units::parse_size(v)
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| format!("invalid max-size {v:?}"))?,
                    )
                }
                "max-file" => {
                    r.max_files = v.parse().ok().filter(|n| *n >= 1).ok_or_else(|| format!("invalid max-file {v:?}"))?
                }
                _ => return Err(format!("unknown log opt '{k}' for k8s-file log driver")),
            }
        }
        Ok(r)
    }
}

/// Appends a container's output to its log, splitting it into records.
pub struct LogWriter {
    path: PathBuf,
    file: File,
    size: u64,
    rotation: Rotation,
    partial: [Vec<u8>; 2],
    /// Records not yet written (one chunk's worth).
    out: Vec<u8>,
    /// The time stamp of the chunk being written (RFC 3339, nanoseconds).
    stamp: String,
}

impl LogWriter {
    /// Opens (appending) the log at `path`.
    pub fn open(path: &Path, rotation: Rotation) -> std::io::Result<LogWriter> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(LogWriter {
            path: path.to_path_buf(),
            file,
            size,
            rotation,
            partial: [Vec::new(), Vec::new()],
            out: Vec::new(),
            stamp: String::new(),
        })
    }

    /// Takes a chunk of output: complete lines become `F` records; the rest
    /// waits for its newline (or becomes `P` records past [`MAX_LINE`]).
    /// The chunk's records get one time stamp and go out in one write.
    pub fn write(&mut self, stream: Stream, mut data: &[u8]) -> std::io::Result<()> {
        self.stamp = Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true);
        let i = stream as usize;
        while let Some(nl) = memchr(b'\n', data) {
            if self.partial[i].is_empty() {
                self.emit_long(stream, &data[..nl], true)?;
            } else {
                let mut line = std::mem::take(&mut self.partial[i]);
                line.extend_from_slice(&data[..nl]);
                self.emit_long(stream, &line, true)?;
                line.clear();
                self.partial[i] = line; // keep the allocation
            }
            data = &data[nl + 1..];
        }
        self.partial[i].extend_from_slice(data);
        if self.partial[i].len() >= MAX_LINE {
            let mut line = std::mem::take(&mut self.partial[i]);
            self.emit_long(stream, &line, false)?;
            line.clear();
            self.partial[i] = line;
        }
        self.flush_out()
    }

    /// Writes what is still waiting for a newline as `P` records (at the
    /// end of the container's output).
    pub fn flush_partial(&mut self) -> std::io::Result<()> {
        self.stamp = Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true);
        for stream in [Stream::Stdout, Stream::Stderr] {
            let line = std::mem::take(&mut self.partial[stream as usize]);
            if !line.is_empty() {
                self.emit_long(stream, &line, false)?;
            }
        }
        self.flush_out()
    }

    fn emit_long(&mut self, stream: Stream, line: &[u8], complete: bool) -> std::io::Result<()> {
        let mut chunks = line.chunks(MAX_LINE).peekable();
        if chunks.peek().is_none() {
            return self.emit(stream, b"", complete);
        }
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            self.emit(stream, chunk, complete && last)?;
        }
        Ok(())
    }

    fn emit(&mut self, stream: Stream, content: &[u8], complete: bool) -> std::io::Result<()> {
        let before = self.out.len();
        self.out.extend_from_slice(self.stamp.as_bytes());
        self.out.push(b' ');
        self.out.extend_from_slice(stream.as_str().as_bytes());
        self.out.extend_from_slice(if complete { b" F " } else { b" P " });
        self.out.extend_from_slice(content);
        self.out.push(b'\n');
        self.size += (self.out.len() - before) as u64;
        if self.rotation.max_size.is_some_and(|max| self.size >= max) {
            self.flush_out()?;
            self.rotate()?;
        }
        Ok(())
    }

    /// Writes the pending records; a buffer grown by a burst is given back.
    fn flush_out(&mut self) -> std::io::Result<()> {
        let res = self.file.write_all(&self.out);
        self.out.clear();
        if self.out.capacity() > 256 * 1024 {
            self.out = Vec::new();
        }
        res
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let keep = self.rotation.max_files.max(1);
        if keep == 1 {
            self.file.set_len(0)?;
        } else {
            for n in (1..keep - 1).rev() {
                let _ = std::fs::rename(rotated(&self.path, n), rotated(&self.path, n + 1));
            }
            std::fs::rename(&self.path, rotated(&self.path, 1))?;
            self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        }
        self.size = 0;
        Ok(())
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// One record read back from a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When the container wrote it.
    pub time: DateTime<Utc>,
    /// Which stream.
    pub stream: Stream,
    /// The bytes, with the trailing newline restored for complete lines.
    pub content: Vec<u8>,
}

/// Parses one line of a log file; `None` for a malformed line.
pub fn parse_line(line: &[u8]) -> Option<Record> {
    let mut parts = line.splitn(4, |&b| b == b' ');
    let time = DateTime::parse_from_rfc3339(std::str::from_utf8(parts.next()?).ok()?).ok()?.with_timezone(&Utc);
    let stream = match parts.next()? {
        b"stdout" => Stream::Stdout,
        b"stderr" => Stream::Stderr,
        _ => return None,
    };
    let tag = parts.next()?;
    let mut content = parts.next().unwrap_or_default().to_vec();
    match tag {
        b"F" => content.push(b'\n'),
        b"P" => {}
        _ => return None,
    }
    Some(Record { time, stream, content })
}

/// The files of the log at `path`, oldest first: rotated ones (`.N` …
/// `.1`), then `path` itself.
pub fn log_files(path: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = (1..100).map(|n| rotated(path, n)).take_while(|p| p.exists()).collect();
    files.reverse();
    files.push(path.to_path_buf());
    files
}

/// A place in a log: an index into [`log_files`] and a byte offset.
pub type Position = (usize, u64);

/// Longest line [`tail_start`] looks at (bytes); a longer one (never
/// written by [`LogWriter`]) is skipped as malformed.
const MAX_RECORD: usize = 1 << 20;

/// Where the last `n` lines among the records that `keep` accepts begin
/// (a line ends with an `F` record; the `P` parts before it belong to it,
/// and an unfinished line at the end is included). Reads the files
/// backwards in 64 KiB blocks, so its memory does not grow with the log.
/// Errors: a file cannot be read.
pub fn tail_start(files: &[PathBuf], n: usize, keep: impl Fn(&Record) -> bool) -> std::io::Result<Position> {
    let mut lines = 0;
    let mut start: Position = (files.len(), 0);
    for (index, path) in files.iter().enumerate().rev() {
        let stop = scan_backwards(path, |offset, line| {
            let Some(r) = parse_line(line).filter(&keep) else { return true };
            if r.content.ends_with(b"\n") {
                if lines == n {
                    return false;
                }
                lines += 1;
            }
            start = (index, offset);
            true
        })?;
        if stop {
            break;
        }
    }
    Ok(start)
}

/// Calls `f(offset, line)` for every line of the file at `path` (without
/// its newline), last first; stops when `f` returns false (then returns
/// true). A missing file has no lines.
fn scan_backwards(path: &Path, mut f: impl FnMut(u64, &[u8]) -> bool) -> std::io::Result<bool> {
    use std::os::unix::fs::FileExt;
    const BLOCK: u64 = 64 * 1024;
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut end = file.metadata()?.len();
    // `buf` holds the bytes from `end` on that belong to a line whose start
    // is not read yet; `skipping`: that line is too long and is dropped.
    let mut buf: Vec<u8> = Vec::new();
    let mut skipping = false;
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let mut block = vec![0u8; (end - start) as usize];
        file.read_exact_at(&mut block, start)?;
        block.extend_from_slice(&buf);
        let mut line_end = block.len();
        while let Some(nl) = block[..line_end].iter().rposition(|&b| b == b'\n') {
            let line = &block[nl + 1..line_end];
            if !line.is_empty() && !skipping && !f(start + nl as u64 + 1, line) {
                return Ok(true);
            }
            skipping = false;
            line_end = nl;
        }
        buf.clear();
        if line_end > MAX_RECORD {
            skipping = true;
        } else {
            buf.extend_from_slice(&block[..line_end]);
        }
        end = start;
    }
    Ok(!buf.is_empty() && !skipping && !f(0, &buf))
}

/// Calls `f` with every record from `from` on (see [`tail_start`]), oldest
/// first, one line in memory at a time. Stops at `f`'s first error.
pub fn for_each_record(
    files: &[PathBuf],
    from: Position,
    f: impl FnMut(Record) -> std::io::Result<()>,
) -> std::io::Result<()> {
    for_each_record_to(files, from, None, f)
}

/// [`for_each_record`] that stops at byte `end` of the last file (the
/// current log) when given: where a follower that starts there takes
/// over, so that no record is read twice.
fn for_each_record_to(
    files: &[PathBuf],
    from: Position,
    end: Option<u64>,
    mut f: impl FnMut(Record) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut line = Vec::new();
    for (index, path) in files.iter().enumerate().skip(from.0) {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let start = if index == from.0 { from.1 } else { 0 };
        if start > 0 {
            file.seek(SeekFrom::Start(start))?;
        }
        let limit = match end {
            Some(end) if index + 1 == files.len() => end.saturating_sub(start),
            _ => u64::MAX,
        };
        let mut reader = BufReader::with_capacity(64 * 1024, file.take(limit));
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            if let Some(r) = parse_line(text) {
                f(r)?;
            }
        }
    }
    Ok(())
}

/// Reads every record of the log at `path`, rotated files first (oldest
/// first). A missing log reads as empty.
pub fn read_all(path: &Path) -> std::io::Result<Vec<Record>> {
    let mut out = Vec::new();
    for_each_record(&log_files(path), (0, 0), |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// Which records [`read`] passes on (`rcon logs` and `GET
/// /containers/{id}/logs`).
#[derive(Debug, Default, Clone)]
pub struct ReadOptions {
    /// Only records at or after this time (`--since`).
    pub since: Option<DateTime<Utc>>,
    /// Only records before this time (`--until`).
    pub until: Option<DateTime<Utc>>,
    /// Only the last N lines (`--tail`); `None`: all.
    pub tail: Option<usize>,
    /// Then what is appended, until the container is no longer running
    /// and its monitor has written everything (`--follow`).
    pub follow: bool,
}

impl ReadOptions {
    /// True when `r` is within `since`/`until`.
    pub fn keeps(&self, r: &Record) -> bool {
        self.since.is_none_or(|s| r.time >= s) && self.until.is_none_or(|u| r.time < u)
    }
}

/// Calls `f` with the records of container `id`'s log that `opts` selects,
/// oldest first; with `follow`, keeps calling it as the log grows until the
/// container has stopped (or is removed). Memory does not grow with the
/// log. Errors: a log file cannot be read, or `f` failed (a reader that went
/// away: the caller stops).
pub fn read(
    store: &crate::store::Store,
    id: &str,
    opts: &ReadOptions,
    mut f: impl FnMut(&Record) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let path = store.container_dir(id).join("ctr.log");
    if opts.follow && opts.tail.is_none() {
        return follow_from(store, id, 0, opts, f);
    }
    let files = log_files(&path);
    let from = match opts.tail {
        Some(n) => tail_start(&files, n, |r| opts.keeps(r))?,
        None => (0, 0),
    };
    // The end now, before reading: what comes after is followed.
    let end = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let until = opts.follow.then_some(end);
    for_each_record_to(&files, from, until, |r| if opts.keeps(&r) { f(&r) } else { Ok(()) })?;
    if opts.follow {
        follow_from(store, id, end, opts, f)?;
    }
    Ok(())
}

/// The records of container `id`'s log that `opts` selects (`follow`
/// aside) up to byte `end` of its current log file, oldest first: the
/// history that a caller which then follows from `end`
/// ([`follow_until`]) sends first, so that no record is sent twice (the
/// API's attach with `logs=1&stream=1`). Errors: as [`read`].
pub fn read_to(
    store: &crate::store::Store,
    id: &str,
    opts: &ReadOptions,
    end: u64,
    mut f: impl FnMut(&Record) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let files = log_files(&store.container_dir(id).join("ctr.log"));
    let from = match opts.tail {
        Some(n) => tail_start(&files, n, |r| opts.keeps(r))?,
        None => (0, 0),
    };
    for_each_record_to(&files, from, Some(end), |r| if opts.keeps(&r) { f(&r) } else { Ok(()) })
}

/// Follows the log of container `id` from byte `offset` of its current
/// file, calling `f` with each record `opts` keeps, until the container is
/// no longer running and its monitor is gone (so everything it wrote has
/// been read), or the container is removed. The file is held open from the
/// start (and created empty when the container has not started yet, as the
/// monitor appends to it), so what a `--rm` container wrote is read even
/// after its directory is removed. Follows rotations. Polls every 50 ms.
pub fn follow_from(
    store: &crate::store::Store,
    id: &str,
    offset: u64,
    opts: &ReadOptions,
    f: impl FnMut(&Record) -> std::io::Result<()>,
) -> std::io::Result<()> {
    follow_until(store, id, offset, opts, |s| s.is_none_or(stopped), f)
}

/// True when the container does not run and its monitor is gone (so it
/// has written everything).
pub fn stopped(s: &crate::store::ContainerState) -> bool {
    s.status != crate::store::ContainerStatus::Running
        && !s.monitor_pid.is_some_and(|m| crate::store::process_alive(m, None))
}

/// [`follow_from`] until `done` says so: it gets the container's state
/// before each read (`None` once the container is removed, never for a
/// state that could not be read: that read is retried, and after 100
/// failures in a row, about 5 s, their error is returned), and the records
/// read after that are still passed on before returning.
pub fn follow_until(
    store: &crate::store::Store,
    id: &str,
    mut offset: u64,
    opts: &ReadOptions,
    mut done: impl FnMut(Option<&crate::store::ContainerState>) -> bool,
    mut f: impl FnMut(&Record) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    use std::os::unix::fs::MetadataExt;
    let path = store.container_dir(id).join("ctr.log");
    let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path).ok();
    let mut pending = Vec::new();
    let mut failures = 0;
    loop {
        // Read what the state says before reading the file, so that output
        // written just before the exit is not missed. Only a removed
        // container is `None`: a failed read (the database busy under
        // load) decides nothing, it is read again at the next poll.
        let state = match store.container_state(id) {
            Ok(s) => Some(s),
            Err(crate::store::StoreError::NoSuchContainer(_)) => None,
            Err(e) if failures < 100 => {
                if failures == 0 {
                    crate::warn!("container {}: cannot read its state ({e}); trying again", &id[..12.min(id.len())]);
                }
                failures += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
                continue;
            }
            Err(e) => return Err(std::io::Error::other(e)),
        };
        failures = 0;
        let done = done(state.as_ref());
        // Twice when the file was rotated: the rest of the old one, then
        // the new one from its start.
        for _ in 0..2 {
            let Some(current) = file.as_mut() else { break };
            if current.metadata()?.len() < offset {
                offset = 0; // truncated
            }
            current.seek(SeekFrom::Start(offset))?;
            let mut reader = BufReader::new(&*current);
            loop {
                let n = reader.read_until(b'\n', &mut pending)?;
                if n == 0 || !pending.ends_with(b"\n") {
                    break;
                }
                offset += pending.len() as u64;
                if let Some(r) = parse_line(&pending[..pending.len() - 1]).filter(|r| opts.keeps(r)) {
                    f(&r)?;
                }
                pending.clear();
            }
            pending.clear();
            let held = current.metadata()?.ino();
            match std::fs::metadata(&path) {
                Ok(m) if m.ino() != held => {
                    file = File::open(&path).ok();
                    offset = 0;
                }
                _ => break,
            }
        }
        if file.is_none() {
            file = File::open(&path).ok();
        }
        if done || !store.container_dir(id).exists() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Copies a foreground container's output to rcon's own stdout and stderr
/// and into its log, so `logs` works after a foreground `run` without
/// `--rm`, as with docker. `out` and `err` are the read ends of the
/// container's stdout and stderr pipes; each is pumped by its own thread
/// until it ends. Join the returned handle after the container exited: it
/// returns once both streams ended and the log is flushed.
pub fn tee_foreground(
    out: std::os::fd::OwnedFd,
    err: std::os::fd::OwnedFd,
    log: LogWriter,
) -> std::thread::JoinHandle<()> {
    use std::io::Read;
    std::thread::spawn(move || {
        let log = std::sync::Mutex::new(log);
        let pump = |from: std::os::fd::OwnedFd, stream: Stream| {
            let mut from = File::from(from);
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let chunk = &buf[..n];
                // A closed stdout (`rcon run … | head`) must not stop the log.
                let _ = match stream {
                    Stream::Stdout => {
                        std::io::stdout().lock().write_all(chunk).and_then(|()| std::io::stdout().flush())
                    }
                    Stream::Stderr => std::io::stderr().lock().write_all(chunk),
                };
                if let Ok(mut l) = log.lock() {
                    let _ = l.write(stream, chunk);
                }
            }
        };
        std::thread::scope(|s| {
            s.spawn(|| pump(err, Stream::Stderr));
            pump(out, Stream::Stdout);
        });
        if let Ok(mut l) = log.into_inner() {
            let _ = l.flush_partial();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(chunks: &[(Stream, &[u8])], rotation: Rotation) -> (Vec<Record>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path, rotation).unwrap();
        for (s, c) in chunks {
            w.write(*s, c).unwrap();
        }
        w.flush_partial().unwrap();
        (read_all(&path).unwrap(), dir)
    }

    fn joined(records: &[Record], stream: Stream) -> Vec<u8> {
        records.iter().filter(|r| r.stream == stream).flat_map(|r| r.content.clone()).collect()
    }

    #[test]
    fn lines_round_trip_exactly() {
        let (recs, _d) = roundtrip(
            &[(Stream::Stdout, b"hello\nwor"), (Stream::Stderr, b"err\n"), (Stream::Stdout, b"ld\n\nno newline")],
            Rotation::default(),
        );
        assert_eq!(joined(&recs, Stream::Stdout), b"hello\nworld\n\nno newline");
        assert_eq!(joined(&recs, Stream::Stderr), b"err\n");
        assert_eq!(recs.len(), 5);
        assert!(recs.windows(2).all(|w| w[0].time <= w[1].time));
    }

    #[test]
    fn long_lines_are_split_into_partials() {
        let long = vec![b'x'; MAX_LINE * 2 + 10];
        let mut data = long.clone();
        data.push(b'\n');
        let (recs, _d) = roundtrip(&[(Stream::Stdout, &data)], Rotation::default());
        assert_eq!(recs.len(), 3);
        assert_eq!(joined(&recs, Stream::Stdout), data);
    }

    #[test]
    fn records_up_to_an_offset_of_the_current_file_only() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path, Rotation { max_size: Some(200), max_files: 3 }).unwrap();
        let text = |i: usize| format!("line {i}\n");
        // Lines until the log was rotated and its current file has one.
        let mut i = 0;
        while !(rotated(&path, 1).exists() && std::fs::metadata(&path).unwrap().len() > 0) {
            w.write(Stream::Stdout, text(i).as_bytes()).unwrap();
            i += 1;
        }
        // Where a follower would take over; one line more after it, in
        // the same file.
        let (end, ino) = std::fs::metadata(&path).map(|m| (m.len(), m.ino())).unwrap();
        w.write(Stream::Stdout, text(i).as_bytes()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), ino, "the last line went to the same file");
        drop(w);
        let files = log_files(&path);
        assert!(files.len() > 1, "the log was rotated: {files:?}");
        let read = |end| {
            let mut got = Vec::new();
            for_each_record_to(&files, (0, 0), end, |r| {
                got.push(String::from_utf8_lossy(&r.content).into_owned());
                Ok(())
            })
            .unwrap();
            got
        };
        let all = read(None);
        assert_eq!(all.last().unwrap(), &text(i));
        let before = read(Some(end));
        assert_eq!(before.last().unwrap(), &text(i - 1), "the rotated files whole, the current one up to the offset");
        assert_eq!(before.len() + 1, all.len());
    }

    #[test]
    fn rotation_keeps_max_files() {
        let rotation = Rotation { max_size: Some(200), max_files: 3 };
        let line = [b'a'; 60];
        let mut chunks = Vec::new();
        for _ in 0..20 {
            chunks.push((Stream::Stdout, &line[..]));
            chunks.push((Stream::Stdout, &b"\n"[..]));
        }
        let (recs, dir) = roundtrip(&chunks, rotation);
        let p = dir.path().join("ctr.log");
        assert!(rotated(&p, 1).exists() && rotated(&p, 2).exists() && !rotated(&p, 3).exists());
        assert!(!recs.is_empty() && recs.len() < 20, "old records were rotated away: {}", recs.len());
    }

    #[test]
    fn parses_log_options() {
        let r = Rotation::parse(&["max-size=10m,max-file=3".into()]).unwrap();
        assert_eq!(r, Rotation { max_size: Some(10 << 20), max_files: 3 });
        assert_eq!(Rotation::parse(&["max-size=1k".into()]).unwrap().max_size, Some(1024));
        assert!(Rotation::parse(&["max-size=x".into()]).is_err());
        assert!(Rotation::parse(&["bogus=1".into()]).unwrap_err().contains("bogus"));
        assert!(Rotation::parse(&["max-file=0".into()]).is_err());
        // docker's `local` driver: 5 files of 20 MiB unless told otherwise.
        assert_eq!(Rotation::parse(&[]).unwrap(), Rotation { max_size: Some(20 << 20), max_files: 5 });
        assert_eq!(Rotation::parse(&["max-size=-1".into()]).unwrap().max_size, None);
    }

    #[test]
    fn tail_reads_from_the_end_across_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path, Rotation { max_size: Some(100_000), max_files: 3 }).unwrap();
        for i in 0..5000 {
            w.write(Stream::Stdout, format!("line {i}\n").as_bytes()).unwrap();
            if i % 7 == 0 {
                w.write(Stream::Stderr, b"part-").unwrap();
                w.write(Stream::Stderr, &[b'y'; MAX_LINE]).unwrap();
                w.write(Stream::Stderr, b"end\n").unwrap();
            }
        }
        w.write(Stream::Stdout, b"unfinished").unwrap();
        w.flush_partial().unwrap();
        let files = log_files(&path);
        assert_eq!(files.len(), 3, "rotated: {files:?}");
        let all: Vec<Record> = read_all(&path).unwrap();
        for n in [0, 1, 2, 3, 10, 100, 4000, 1_000_000] {
            let from = tail_start(&files, n, |r| r.stream == Stream::Stdout).unwrap();
            let mut got = Vec::new();
            for_each_record(&files, from, |r| {
                if r.stream == Stream::Stdout {
                    got.push(r);
                }
                Ok(())
            })
            .unwrap();
            let stdout: Vec<Record> = all.iter().filter(|r| r.stream == Stream::Stdout).cloned().collect();
            let want = {
                let mut lines = 0;
                let mut start = stdout.len();
                for (i, r) in stdout.iter().enumerate().rev() {
                    if r.content.ends_with(b"\n") {
                        if lines == n {
                            break;
                        }
                        lines += 1;
                    }
                    start = i;
                }
                stdout[start..].to_vec()
            };
            assert_eq!(got, want, "tail {n}");
        }
    }

    #[test]
    fn malformed_lines_are_skipped() {
        assert!(parse_line(b"garbage").is_none());
        assert!(parse_line(b"2026-11-21T09:00:00.000000001Z stdin F x").is_none());
        let r = parse_line(b"2026-11-21T09:00:00.000000001Z stdout F a b c").unwrap();
        assert_eq!(r.content, b"a b c\n");
    }
}
