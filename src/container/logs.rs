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
//! file to `ctr.log.1`, `.2`, … and starts a new one.

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
    /// as docker), `max-file=3`. Errors name the bad option.
    pub fn parse(opts: &[String]) -> Result<Rotation, String> {
        let mut r = Rotation { max_size: None, max_files: 1 };
        for opt in opts.iter().flat_map(|o| o.split(',')) {
            let (k, v) =
                opt.split_once('=').ok_or_else(|| format!("invalid log option {opt:?}: expected KEY=VALUE"))?;
            match k {
                "max-size" => r.max_size = Some(parse_size(v).ok_or_else(|| format!("invalid max-size {v:?}"))?),
                "max-file" => {
                    r.max_files = v.parse().ok().filter(|n| *n >= 1).ok_or_else(|| format!("invalid max-file {v:?}"))?
                }
                _ => return Err(format!("unknown log opt '{k}' for k8s-file log driver")),
            }
        }
        Ok(r)
    }
}

/// `10`, `10k`, `10m`, `1g` (binary multiples, case-insensitive; `b` suffix allowed).
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_suffix('b').unwrap_or(&s);
    let (num, mult) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1u64 << 10),
        'm' => (&s[..s.len() - 1], 1 << 20),
        'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = num.parse().ok()?;
    (n > 0.0).then_some((n * mult as f64) as u64)
}

/// Appends a container's output to its log, splitting it into records.
pub struct LogWriter {
    path: PathBuf,
    file: File,
    size: u64,
    rotation: Rotation,
    partial: [Vec<u8>; 2],
}

impl LogWriter {
    /// Opens (appending) the log at `path`.
    pub fn open(path: &Path, rotation: Rotation) -> std::io::Result<LogWriter> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(LogWriter { path: path.to_path_buf(), file, size, rotation, partial: [Vec::new(), Vec::new()] })
    }

    /// Takes a chunk of output: complete lines become `F` records; the rest
    /// waits for its newline (or becomes `P` records past [`MAX_LINE`]).
    pub fn write(&mut self, stream: Stream, mut data: &[u8]) -> std::io::Result<()> {
        let i = stream as usize;
        while let Some(nl) = data.iter().position(|&b| b == b'\n') {
            let mut line = std::mem::take(&mut self.partial[i]);
            line.extend_from_slice(&data[..nl]);
            self.emit_long(stream, &line, true)?;
            data = &data[nl + 1..];
        }
        self.partial[i].extend_from_slice(data);
        if self.partial[i].len() >= MAX_LINE {
            let line = std::mem::take(&mut self.partial[i]);
            self.emit_long(stream, &line, false)?;
        }
        Ok(())
    }

    /// Writes what is still waiting for a newline as `P` records (at the
    /// end of the container's output).
    pub fn flush_partial(&mut self) -> std::io::Result<()> {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let line = std::mem::take(&mut self.partial[stream as usize]);
            if !line.is_empty() {
                self.emit_long(stream, &line, false)?;
            }
        }
        Ok(())
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
        let mut rec = Vec::with_capacity(content.len() + 48);
        rec.extend_from_slice(Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true).as_bytes());
        rec.push(b' ');
        rec.extend_from_slice(stream.as_str().as_bytes());
        rec.extend_from_slice(if complete { b" F " } else { b" P " });
        rec.extend_from_slice(content);
        rec.push(b'\n');
        self.file.write_all(&rec)?;
        self.size += rec.len() as u64;
        if self.rotation.max_size.is_some_and(|max| self.size >= max) {
            self.rotate()?;
        }
        Ok(())
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

/// Reads every record of the log at `path`, rotated files first (oldest
/// first). A missing log reads as empty.
pub fn read_all(path: &Path) -> std::io::Result<Vec<Record>> {
    let mut files: Vec<PathBuf> = (1..100).map(|n| rotated(path, n)).take_while(|p| p.exists()).collect();
    files.reverse();
    files.push(path.to_path_buf());
    let mut out = Vec::new();
    for p in files {
        let f = match File::open(&p) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for line in BufReader::new(f).split(b'\n') {
            if let Some(r) = parse_line(&line?) {
                out.push(r);
            }
        }
    }
    Ok(out)
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
    }

    #[test]
    fn malformed_lines_are_skipped() {
        assert!(parse_line(b"garbage").is_none());
        assert!(parse_line(b"2026-11-21T09:00:00.000000001Z stdin F x").is_none());
        let r = parse_line(b"2026-11-21T09:00:00.000000001Z stdout F a b c").unwrap();
        assert_eq!(r.content, b"a b c\n");
    }
}
