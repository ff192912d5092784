//! `rcon logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`.

use super::Context;
use crate::container::logs::{Record, Stream, for_each_record, log_files, parse_line, tail_start};
use crate::store::{ContainerStatus, Store};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::time::Duration;

/// Flags of `rcon logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Follow log output until the container exits
    #[arg(short, long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs ("all" for every line)
    #[arg(short = 'n', long, value_name = "N", default_value = "all")]
    pub tail: String,
    /// Show logs since a timestamp (2026-11-21T10:00:00Z) or relative time (42m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Show logs before a timestamp (2026-11-21T10:00:00Z) or relative time (42m)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Container: name, ID or unique ID prefix
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

/// Which records to print, and how.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Only records at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only records before this time.
    pub until: Option<DateTime<Utc>>,
    /// Prefix each record with its RFC 3339 time.
    pub timestamps: bool,
}

/// Prints the container's logs: stdout records on stdout, stderr records on
/// stderr, as the container wrote them.
pub fn run(ctx: &Context, a: LogsArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let now = Utc::now();
    let filter = Filter {
        since: a.since.as_deref().map(|s| parse_time(s, now)).transpose()?,
        until: a.until.as_deref().map(|s| parse_time(s, now)).transpose()?,
        timestamps: a.timestamps,
    };
    let tail: Option<usize> = match a.tail.as_str() {
        "all" | "-1" => None,
        n => Some(n.parse().map_err(|_| anyhow::anyhow!("invalid --tail {n:?}: a number of lines or \"all\""))?),
    };
    let record = store.find_container(&a.container)?;
    if a.follow && tail.is_none() {
        return follow(&store, &a.container, &filter).map(|_| 0);
    }
    let path = store.container_dir(&record.id).join("ctr.log");
    // Streamed: memory does not grow with the log (`--tail` reads it backwards).
    let files = log_files(&path);
    let from = match tail {
        Some(n) => tail_start(&files, n, |r| filter.keeps(r))?,
        None => (0, 0),
    };
    let mut out = Printer::new(filter.timestamps);
    for_each_record(&files, from, |r| if filter.keeps(&r) { out.print(&r) } else { Ok(()) })?;
    out.flush()?;
    if a.follow {
        // --tail with -f: the rest comes from following from the end.
        let offset = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        follow_from(&store, &record.id, offset, &filter)?;
    }
    Ok(0)
}

impl Filter {
    fn keeps(&self, r: &Record) -> bool {
        self.since.is_none_or(|s| r.time >= s) && self.until.is_none_or(|u| r.time < u)
    }
}

/// Buffered printing of records: stdout records on stdout, stderr records
/// on stderr, each buffer flushed before the other is written (so their
/// order survives on a shared terminal).
struct Printer {
    stdout: std::io::BufWriter<std::io::Stdout>,
    stderr: std::io::BufWriter<std::io::Stderr>,
    last: Option<Stream>,
    timestamps: bool,
}

impl Printer {
    fn new(timestamps: bool) -> Printer {
        Printer {
            stdout: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            stderr: std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr()),
            last: None,
            timestamps,
        }
    }

    fn print(&mut self, r: &Record) -> std::io::Result<()> {
        if self.last.is_some_and(|s| s != r.stream) {
            self.flush()?;
        }
        self.last = Some(r.stream);
        let out: &mut dyn Write = match r.stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        if self.timestamps {
            write!(out, "{} ", r.time.to_rfc3339_opts(SecondsFormat::Nanos, true))?;
        }
        out.write_all(&r.content)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stdout.flush()?;
        self.stderr.flush()
    }
}

/// The records of the last `n` lines (a line ends with a complete record).
#[cfg(test)]
fn last_lines(records: Vec<Record>, n: usize) -> Vec<Record> {
    let mut lines = 0;
    let mut start = records.len();
    for (i, r) in records.iter().enumerate().rev() {
        if r.content.ends_with(b"\n") {
            if lines == n {
                break;
            }
            lines += 1;
        }
        start = i;
    }
    records[start..].to_vec()
}

fn print(r: &Record, timestamps: bool) -> std::io::Result<()> {
    let mut out: Box<dyn Write> = match r.stream {
        Stream::Stdout => Box::new(std::io::stdout().lock()),
        Stream::Stderr => Box::new(std::io::stderr().lock()),
    };
    if timestamps {
        write!(out, "{} ", r.time.to_rfc3339_opts(SecondsFormat::Nanos, true))?;
    }
    out.write_all(&r.content)?;
    out.flush()
}

/// Prints the whole log and then what is appended, until the container is
/// no longer running (and its monitor has written everything).
pub fn follow(store: &Store, name: &str, filter: &Filter) -> anyhow::Result<()> {
    let record = store.find_container(name)?;
    follow_from(store, &record.id, 0, filter)
}

pub(crate) fn follow_from(store: &Store, id: &str, mut offset: u64, filter: &Filter) -> anyhow::Result<()> {
    let path = store.container_dir(id).join("ctr.log");
    let mut pending = Vec::new();
    loop {
        // Read what the state says before reading the file, so that output
        // written just before the exit is not missed.
        let done = match store.container_state(id) {
            Ok(s) => {
                s.status != ContainerStatus::Running
                    && !s.monitor_pid.is_some_and(|m| crate::store::process_alive(m, None))
            }
            Err(_) => true,
        };
        if let Ok(mut f) = std::fs::File::open(&path) {
            let len = f.metadata()?.len();
            if len < offset {
                offset = 0; // rotated
            }
            f.seek(SeekFrom::Start(offset))?;
            let mut reader = BufReader::new(f);
            loop {
                let n = reader.read_until(b'\n', &mut pending)?;
                if n == 0 || !pending.ends_with(b"\n") {
                    break;
                }
                offset += pending.len() as u64;
                if let Some(r) = parse_line(&pending[..pending.len() - 1]).filter(|r| filter.keeps(r)) {
                    print(&r, filter.timestamps)?;
                }
                pending.clear();
            }
            pending.clear();
        }
        if done || !store.container_dir(id).exists() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `--since`/`--until`: an RFC 3339 time, a Unix time in seconds, or a Go
/// duration before `now` (`10m`, `1h30m`).
pub fn parse_time(s: &str, now: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    crate::util::parse_time(s, now).map_err(anyhow::Error::msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(s: &str) -> Record {
        Record { time: Utc::now(), stream: Stream::Stdout, content: s.as_bytes().to_vec() }
    }

    #[test]
    fn tail_counts_lines_not_parts() {
        let recs = vec![rec("a\n"), rec("b-part"), rec("b-end\n"), rec("c\n")];
        let last2: Vec<String> =
            last_lines(recs.clone(), 2).iter().map(|r| String::from_utf8_lossy(&r.content).into_owned()).collect();
        assert_eq!(last2, ["b-part", "b-end\n", "c\n"]);
        assert!(last_lines(recs.clone(), 0).is_empty());
        assert_eq!(last_lines(recs, 10).len(), 4);
    }

    #[test]
    fn times_parse_as_docker() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_time("10m", now).unwrap(), now - chrono::Duration::minutes(10));
        assert_eq!(parse_time("2026-11-21T09:00:00Z", now).unwrap(), now - chrono::Duration::hours(1));
        assert_eq!(parse_time("1700000000", now).unwrap().timestamp(), 1_700_000_000);
        let t = parse_time("1764999999.123456789", now).unwrap();
        assert_eq!((t.timestamp(), t.timestamp_subsec_nanos()), (1_764_999_999, 123_456_789), "no f64 rounding");
        assert_eq!(parse_time("1700000000.5", now).unwrap().timestamp_subsec_nanos(), 500_000_000);
        assert!(parse_time("yesterday", now).is_err());
    }
}
