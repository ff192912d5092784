//! `rcon logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`.

use super::Context;
use crate::container::logs::{ReadOptions, Record, Stream};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use std::io::Write;

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

/// Prints the container's logs: stdout records on stdout, stderr records on
/// stderr, as the container wrote them.
pub fn run(ctx: &Context, a: LogsArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let now = Utc::now();
    let tail: Option<usize> = match a.tail.as_str() {
        "all" | "-1" => None,
        n => Some(n.parse().map_err(|_| anyhow::anyhow!("invalid --tail {n:?}: a number of lines or \"all\""))?),
    };
    let opts = ReadOptions {
        since: a.since.as_deref().map(|s| parse_time(s, now)).transpose()?,
        until: a.until.as_deref().map(|s| parse_time(s, now)).transpose()?,
        tail,
        follow: a.follow,
    };
    let record = store.find_container(&a.container)?;
    let mut out = Printer::new(a.timestamps);
    // While following, each record is flushed as it comes.
    let follow = a.follow;
    crate::container::logs::read(&store, &record.id, &opts, |r| {
        out.print(r)?;
        if follow { out.flush() } else { Ok(()) }
    })?;
    out.flush()?;
    Ok(0)
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

/// Prints what is appended to the log of container `id` from byte
/// `offset` until the container stops (`attach`, `start -a`).
pub(crate) fn follow_from(store: &crate::store::Store, id: &str, offset: u64) -> anyhow::Result<()> {
    let mut out = Printer::new(false);
    crate::container::logs::follow_from(store, id, offset, &ReadOptions::default(), |r| {
        out.print(r)?;
        out.flush()
    })?;
    Ok(())
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
