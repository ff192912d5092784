//! Several containers' logs interleaved, each line prefixed as docker
//! compose prefixes it: `web-1  | ` (names padded to the longest,
//! coloured when the output is a terminal). One thread polls every log
//! file in turn (no threads: see the module's parent).

use crate::container::logs::{Stream, for_each_record, log_files, parse_line, tail_start};
use crate::store::{ContainerStatus, Store};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::time::Duration;

/// docker compose's colour cycle (ANSI SGR codes).
const COLORS: [&str; 6] = ["36", "33", "32", "35", "34", "31"];

/// One container to show: its prefix name (`web-1`) and ID.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name shown before `|`.
    pub name: String,
    /// The container's ID.
    pub id: String,
}

/// How to show logs.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// `-f`: keep following until every container has stopped (or `stop`
    /// says so).
    pub follow: bool,
    /// `--tail N` (None: all).
    pub tail: Option<usize>,
    /// `-t`.
    pub timestamps: bool,
    /// Colour the prefixes.
    pub color: bool,
    /// `--no-log-prefix`.
    pub no_prefix: bool,
}

/// What ended [`follow`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Every container stopped (or, without `follow`, the logs were printed).
    AllStopped,
    /// `stop` returned true.
    Stopped,
    /// A container marked in `abort_on` (index) exited.
    Exited(usize),
}

fn prefix(sources: &[Source], i: usize, o: &LogOptions) -> String {
    if o.no_prefix {
        return String::new();
    }
    let width = sources.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let text = format!("{:<width$}  | ", sources[i].name);
    if o.color { format!("\x1b[{}m{text}\x1b[0m", COLORS[i % COLORS.len()]) } else { text }
}

fn write_line(
    out: &mut impl Write,
    pre: &str,
    r: &crate::container::logs::Record,
    o: &LogOptions,
) -> std::io::Result<()> {
    out.write_all(pre.as_bytes())?;
    if o.timestamps {
        write!(out, "{} ", r.time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))?;
    }
    out.write_all(&r.content)?;
    if !r.content.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    let _ = r.stream == Stream::Stdout;
    Ok(())
}

/// Prints the logs of `sources` (from the start, or the last `tail`
/// lines of each), then with `follow` keeps printing new lines until every
/// container has stopped, `stop()` is true, or a container whose entry in
/// `abort_on` is true has exited (`abort_on` may be empty: none).
pub fn follow(
    store: &Store,
    sources: &[Source],
    o: &LogOptions,
    abort_on: &[bool],
    mut stop: impl FnMut() -> bool,
) -> super::Result<Ended> {
    let mut out = std::io::stdout().lock();
    let prefixes: Vec<String> = (0..sources.len()).map(|i| prefix(sources, i, o)).collect();
    let mut offsets = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let path = store.container_dir(&s.id).join("ctr.log");
        let files = log_files(&path);
        let from = match o.tail {
            Some(n) => tail_start(&files, n, |_| true)?,
            None => (0, 0),
        };
        for_each_record(&files, from, |r| write_line(&mut out, &prefixes[i], &r, o))?;
        offsets.push(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0));
    }
    out.flush()?;
    if !o.follow {
        return Ok(Ended::AllStopped);
    }
    let mut done = vec![false; sources.len()];
    let mut pending = Vec::new();
    loop {
        for (i, s) in sources.iter().enumerate() {
            if done[i] {
                continue;
            }
            // The state is read before the file so the last lines are not missed.
            let finished = match store.container_state(&s.id) {
                Ok(st) => {
                    st.status != ContainerStatus::Running
                        && !st.monitor_pid.is_some_and(|m| crate::store::process_alive(m, None))
                }
                Err(_) => true,
            };
            let path = store.container_dir(&s.id).join("ctr.log");
            if let Ok(mut f) = std::fs::File::open(&path) {
                let len = f.metadata()?.len();
                if len < offsets[i] {
                    offsets[i] = 0;
                }
                f.seek(SeekFrom::Start(offsets[i]))?;
                let mut reader = BufReader::new(f);
                loop {
                    pending.clear();
                    let n = reader.read_until(b'\n', &mut pending)?;
                    if n == 0 || !pending.ends_with(b"\n") {
                        break;
                    }
                    offsets[i] += n as u64;
                    if let Some(r) = parse_line(&pending[..pending.len() - 1]) {
                        write_line(&mut out, &prefixes[i], &r, o)?;
                    }
                }
            }
            if finished {
                done[i] = true;
                if abort_on.get(i).copied().unwrap_or(false) {
                    out.flush()?;
                    return Ok(Ended::Exited(i));
                }
            }
        }
        out.flush()?;
        if done.iter().all(|d| *d) {
            return Ok(Ended::AllStopped);
        }
        if stop() {
            return Ok(Ended::Stopped);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The name shown for a container: its name without `PROJECT-`.
pub fn display_name(project: &str, container: &str) -> String {
    container.strip_prefix(&format!("{project}-")).unwrap_or(container).to_string()
}
