//! The event log: what every rcon process did (container created, started,
//! died, image pulled, network connected…), for `rcon events`. With no
//! daemon to broadcast them, each process appends its events to
//! `<root>/events.log` and `events` reads and follows that file.
//!
//! Format: one JSON object per line, docker's events message (Engine API
//! `/events`: `Type`, `Action`, `Actor.ID`, `Actor.Attributes`, `scope`,
//! `time`, `timeNano`, and the legacy `status`, `id`, `from`).
//!
//! Crash safety and size: a record is one `write(2)` on a file opened with
//! `O_APPEND`, so concurrent writers never interleave and a crash loses at
//! most the record being written (a torn last line, which readers skip).
//! When the log passes [`MAX_LOG_BYTES`] the writer that noticed renames it
//! to `events.log.1` (replacing the older one) under `events.lock`: the log
//! never holds more than about twice that. No fsync: events are a
//! diagnostic stream, not state.
//!
//! Recording never fails the operation it describes: errors are logged at
//! debug level and dropped.

use super::{ContainerRecord, Store};
use chrono::{DateTime, Local, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The size (bytes) past which the log is rotated.
pub const MAX_LOG_BYTES: u64 = 1 << 20;

/// One event, as docker's Engine API sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `container`, `image`, `network` or `volume`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// `create`, `start`, `die`, `pull`, `connect`…
    #[serde(rename = "Action")]
    pub action: String,
    /// What it happened to.
    #[serde(rename = "Actor")]
    pub actor: Actor,
    /// Always `local`.
    #[serde(default = "local")]
    pub scope: String,
    /// Seconds since the epoch.
    pub time: i64,
    /// Nanoseconds since the epoch.
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
}

fn local() -> String {
    "local".into()
}

/// The object of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// Container or network ID, image reference or ID, volume name.
    #[serde(rename = "ID")]
    pub id: String,
    /// `name`, `image`, `exitCode`, labels…
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
}

impl Event {
    /// An event happening now.
    pub fn new(kind: &str, action: &str, id: &str, attributes: &[(&str, &str)]) -> Event {
        let now = Utc::now();
        let time_nano = now.timestamp_nanos_opt().unwrap_or(0);
        Event {
            kind: kind.into(),
            action: action.into(),
            actor: Actor {
                id: id.into(),
                attributes: attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            },
            scope: local(),
            time: time_nano.div_euclid(1_000_000_000),
            time_nano,
        }
    }

    /// When it happened.
    pub fn when(&self) -> DateTime<Utc> {
        Utc.timestamp_nanos(self.time_nano)
    }

    /// docker's JSON message: the fields above plus the legacy `status`,
    /// `id` and `from` of container and image events (what `--format
    /// '{{json .}}'` prints, and what templates read).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            if self.kind == "container" || self.kind == "image" {
                o.insert("status".into(), self.action.clone().into());
                o.insert("id".into(), self.actor.id.clone().into());
                if let Some(image) = self.actor.attributes.get("image") {
                    o.insert("from".into(), image.clone().into());
                }
            }
            // Go templates name the fields as docker's Go struct does.
            o.insert("ID".into(), self.actor.id.clone().into());
            o.insert("Status".into(), self.action.clone().into());
            o.insert("From".into(), self.actor.attributes.get("image").cloned().unwrap_or_default().into());
            o.insert("Time".into(), self.time.into());
            o.insert("TimeNano".into(), self.time_nano.into());
            o.insert("Scope".into(), "local".into());
        }
        v
    }

    /// docker's text line: `2006-01-02T15:04:05.000000000Z07:00 TYPE ACTION
    /// ID (k=v, …)`, in local time, attributes sorted by key.
    pub fn to_text(&self) -> String {
        let t = self.when().with_timezone(&Local);
        let offset = t.format("%:z").to_string();
        let mut line = format!(
            "{}{} {} {} {}",
            t.format("%Y-%m-%dT%H:%M:%S%.9f"),
            if offset == "+00:00" { "Z" } else { &offset },
            self.kind,
            self.action,
            self.actor.id
        );
        if !self.actor.attributes.is_empty() {
            let attrs: Vec<String> = self.actor.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
            line.push_str(&format!(" ({})", attrs.join(", ")));
        }
        line
    }
}

impl Store {
    /// `events.log`.
    pub fn events_path(&self) -> PathBuf {
        self.root().join("events.log")
    }
}

/// Appends `event` to the store's log (see the module doc); never fails.
pub fn append(store: &Store, event: &Event) {
    if let Err(e) = try_append(store, event) {
        crate::debug!("cannot record event {} {}: {e}", event.kind, event.action);
    }
}

fn try_append(store: &Store, event: &Event) -> std::io::Result<()> {
    let path = store.events_path();
    let mut line = serde_json::to_vec(event).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new().append(true).create(true).open(&path)?;
    f.write_all(&line)?;
    if f.metadata()?.len() > MAX_LOG_BYTES {
        rotate(store, &path)?;
    }
    Ok(())
}

fn rotate(store: &Store, path: &Path) -> std::io::Result<()> {
    let _lock = super::StoreLock::exclusive(&store.root().join("events.lock")).map_err(std::io::Error::other)?;
    // Another writer may have rotated while this one waited for the lock.
    if std::fs::metadata(path)?.len() > MAX_LOG_BYTES {
        std::fs::rename(path, path.with_extension("log.1"))?;
    }
    Ok(())
}

/// Records an event of `kind` (`container`, `image`, `network`, `volume`)
/// about `id` with `attributes`; never fails. The one call the rest of rcon
/// makes, e.g. `events::record(&store, "image", "pull", "busybox:latest",
/// &[("name", "busybox")])`.
pub fn record(store: &Store, kind: &str, action: &str, id: &str, attributes: &[(&str, &str)]) {
    append(store, &Event::new(kind, action, id, attributes));
}

/// Records a container event with docker's attributes: `image`, `name`,
/// the container's labels, then `extra` (e.g. `exitCode` for `die`).
pub fn container(store: &Store, action: &str, c: &ContainerRecord, extra: &[(&str, &str)]) {
    let mut attrs: Vec<(&str, &str)> = c.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    attrs.push(("image", &c.image));
    attrs.push(("name", &c.name));
    attrs.extend_from_slice(extra);
    record(store, "container", action, &c.id, &attrs);
}

/// Parses the lines of a log, skipping any that do not parse (a line torn
/// by a crash).
pub fn parse_log(data: &[u8]) -> Vec<Event> {
    data.split(|b| *b == b'\n').filter_map(|l| serde_json::from_slice(l).ok()).collect()
}

/// Every event still in the log (the rotated file, then the current one),
/// oldest first.
pub fn read_all(store: &Store) -> Vec<Event> {
    let path = store.events_path();
    let mut out = parse_log(&std::fs::read(path.with_extension("log.1")).unwrap_or_default());
    out.extend(parse_log(&std::fs::read(&path).unwrap_or_default()));
    out
}

/// Follows the log from its current end: [`Follower::poll`] returns the
/// events appended since the last call, across rotations, and
/// [`Follower::wait`] blocks until there are some (an inotify watch on the
/// store's root, woken by writes to `events.log` only; one watch per
/// process after [`share_watches`]).
pub struct Follower {
    /// `<root>/events.log`: its directory is what the watch watches.
    path: PathBuf,
    file: Option<std::fs::File>,
    offset: u64,
    partial: Vec<u8>,
    watch: Watch,
}

/// How a [`Follower`] learns that the log changed.
enum Watch {
    /// Not made yet (see [`Follower::new`]).
    Pending,
    /// Its own inotify watch of the root, for `events.log` being written,
    /// created or renamed over.
    Own(nix::sys::inotify::Inotify),
    /// The process's shared watch of the root (see [`share_watches`]).
    Shared(std::sync::Arc<SharedWatch>),
    /// inotify is unavailable: [`Follower::wait`] sleeps in short steps.
    None,
}

/// The inotify watch of one store root that every [`Follower`] of the
/// process shares once [`share_watches`] was called: a thread reads it and
/// counts the changes of `events.log` in `generation`.
struct SharedWatch {
    /// Changes of the log seen so far; `u64::MAX` once the watch failed
    /// (the followers then sleep in short steps).
    generation: std::sync::Mutex<u64>,
    changed: std::sync::Condvar,
}

static SHARE_WATCHES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every [`Follower`] created after it in this process share one
/// inotify watch per store root, kept for the process's lifetime, read by
/// a thread of its own. For a long-lived process (`rcon system service`):
/// closing an inotify instance waits for an SRCU grace period in the
/// kernel (7-20 ms on the reference machine), which each `wait` and
/// `/events` request would otherwise pay before its reply. Not for a
/// process that later clones a container's init (`runtime::spawn` wants
/// it single-threaded).
pub fn share_watches() {
    SHARE_WATCHES.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The inotify flags of a follower's watch: `events.log` written, created
/// or renamed over (rotation).
fn watch_mask() -> nix::sys::inotify::AddWatchFlags {
    use nix::sys::inotify::AddWatchFlags;
    AddWatchFlags::IN_MODIFY | AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MOVED_TO
}

impl SharedWatch {
    /// The process's shared watch of `root` (`name`: the log's file name),
    /// made with its thread on first use; `None` when inotify or the
    /// thread is unavailable.
    fn of(root: &Path, name: &std::ffi::OsStr) -> Option<std::sync::Arc<SharedWatch>> {
        use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex, OnceLock};
        static WATCHES: OnceLock<Mutex<HashMap<PathBuf, Arc<SharedWatch>>>> = OnceLock::new();
        let mut watches = WATCHES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = watches.get(root).filter(|w| w.generation() != u64::MAX) {
            return Some(w.clone());
        }
        let inotify = Inotify::init(InitFlags::IN_CLOEXEC).ok()?;
        inotify.add_watch(root, watch_mask()).ok()?;
        let watch = Arc::new(SharedWatch { generation: Mutex::new(0), changed: std::sync::Condvar::new() });
        let w = watch.clone();
        let name = name.to_owned();
        std::thread::Builder::new()
            .name("rcon-events".into())
            .spawn(move || {
                loop {
                    let seen = match inotify.read_events() {
                        // The root is gone (IN_IGNORED): a follower made
                        // later watches its successor.
                        Ok(events) if events.iter().any(|e| e.mask.contains(AddWatchFlags::IN_IGNORED)) => break,
                        // A lost event (queue overflow) may have been the log's.
                        Ok(events) => events.iter().any(|e| {
                            e.name.as_deref() == Some(name.as_os_str()) || e.mask.contains(AddWatchFlags::IN_Q_OVERFLOW)
                        }),
                        Err(nix::errno::Errno::EINTR) => false,
                        Err(_) => break,
                    };
                    if seen {
                        *w.generation.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                        w.changed.notify_all();
                    }
                }
                *w.generation.lock().unwrap_or_else(|e| e.into_inner()) = u64::MAX;
                w.changed.notify_all();
            })
            .ok()?;
        watches.insert(root.to_path_buf(), watch.clone());
        Some(watch)
    }

    fn generation(&self) -> u64 {
        *self.generation.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until the generation is no longer `seen` or `max` passed.
    fn sleep(&self, seen: u64, max: std::time::Duration) {
        if seen == u64::MAX {
            std::thread::sleep(max.min(std::time::Duration::from_millis(50)));
            return;
        }
        let g = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self.changed.wait_timeout_while(g, max, |g| *g == seen);
    }
}

impl Follower {
    /// Starts at the current end of the store's log. The inotify watch is
    /// made by the first [`Follower::wait`] that has to sleep: a caller
    /// that only polls, or finds what it waits for at once (`rcon wait` of
    /// an exited container), never makes one, and so never waits for the
    /// kernel's grace period when it is closed (see [`share_watches`]).
    pub fn new(store: &Store) -> Follower {
        let path = store.events_path();
        let file = std::fs::File::open(&path).ok();
        let offset = file.as_ref().and_then(|f| f.metadata().ok()).map_or(0, |m| m.len());
        Follower { path, file, offset, partial: Vec::new(), watch: Watch::Pending }
    }

    /// Makes the watch: the process's shared one after [`share_watches`],
    /// else one of its own.
    fn make_watch(&self) -> Watch {
        use nix::sys::inotify::{InitFlags, Inotify};
        let name = self.path.file_name().unwrap_or_default();
        let root = self.path.parent().unwrap_or(Path::new("/"));
        let shared = SHARE_WATCHES.load(std::sync::atomic::Ordering::Relaxed);
        match shared.then(|| SharedWatch::of(root, name)).flatten() {
            Some(w) => Watch::Shared(w),
            None => Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)
                .ok()
                .filter(|i| i.add_watch(root, watch_mask()).is_ok())
                .map_or(Watch::None, Watch::Own),
        }
    }

    /// The events appended since the last call, waiting up to `timeout`
    /// for the first (an empty list after the timeout). The wait sleeps
    /// on the inotify watch: no polling of the file.
    pub fn wait(&mut self, timeout: std::time::Duration) -> Vec<Event> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            // Before the read: a change after it wakes the sleep below.
            let seen = match &self.watch {
                Watch::Shared(w) => w.generation(),
                _ => 0,
            };
            let out = self.poll();
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if !out.is_empty() || left.is_zero() {
                return out;
            }
            match &self.watch {
                Watch::Pending => {
                    // Read once more with the watch in place: what was
                    // written before it is read, what comes after wakes it.
                    self.watch = self.make_watch();
                }
                Watch::Shared(w) => w.sleep(seen, left),
                _ => self.sleep(left),
            }
        }
    }

    /// Blocks until the log may have changed or `max` passed (own watch).
    fn sleep(&self, max: std::time::Duration) {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        let Watch::Own(watch) = &self.watch else {
            std::thread::sleep(max.min(std::time::Duration::from_millis(50)));
            return;
        };
        let name = self.path.file_name();
        let deadline = std::time::Instant::now() + max;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            let ms = PollTimeout::try_from(left.as_millis().clamp(1, 60_000) as i32).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(watch.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, ms) {
                Ok(0) => return,
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => {
                    std::thread::sleep(left.min(std::time::Duration::from_millis(50)));
                    return;
                }
            }
            // Other files of the root (the database's WAL) wake the watch
            // too: only a change of the log ends the wait.
            match watch.read_events() {
                Ok(events) if events.iter().any(|e| e.name.as_deref() == name) => return,
                Ok(_) | Err(nix::errno::Errno::EAGAIN) => {}
                Err(_) => return,
            }
        }
    }

    /// Events appended since the last call (or since [`Follower::new`]).
    pub fn poll(&mut self) -> Vec<Event> {
        let mut out = self.drain();
        // Rotated (the path is another file now) or created: read what is
        // left of the old file (done above), then switch to the new one.
        let current = std::fs::metadata(&self.path).ok().map(|m| ino(&m));
        let open = self.file.as_ref().and_then(|f| f.metadata().ok()).map(|m| ino(&m));
        if current.is_some() && current != open {
            self.file = std::fs::File::open(&self.path).ok();
            self.offset = 0;
            self.partial.clear();
            out.extend(self.drain());
        }
        out
    }

    fn drain(&mut self) -> Vec<Event> {
        let Some(f) = self.file.as_mut() else { return Vec::new() };
        let mut data = std::mem::take(&mut self.partial);
        let start = data.len();
        if f.seek(std::io::SeekFrom::Start(self.offset)).is_err() || f.read_to_end(&mut data).is_err() {
            return Vec::new();
        }
        self.offset += (data.len() - start) as u64;
        // Keep an unfinished last line for the next call.
        let cut = data.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        self.partial = data.split_off(cut);
        parse_log(&data)
    }
}

fn ino(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

/// `--filter` of `rcon events`: docker's keys `container`, `event`
/// (action), `image`, `label` (`KEY` or `KEY=VALUE`), `network`, `type`,
/// `volume`, `scope`. Values of one key are alternatives; different keys
/// must all match.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    by_key: BTreeMap<String, Vec<String>>,
}

impl Filter {
    /// Parses `KEY=VALUE` filters. A key docker's daemon does not know is
    /// ignored, as that daemon ignores it (its events endpoint validates no
    /// key). Errors: no `=`.
    pub fn parse(filters: &[String]) -> Result<Filter, String> {
        const KEYS: &[&str] =
            &["container", "event", "image", "label", "network", "type", "volume", "scope", "daemon", "plugin", "node"];
        let mut f = Filter::default();
        for s in filters {
            let (k, v) = s.split_once('=').ok_or_else(|| format!("bad format of filter (expected name=value): {s}"))?;
            if KEYS.contains(&k) {
                f.by_key.entry(k.to_string()).or_default().push(v.to_string());
            }
        }
        Ok(f)
    }

    /// True when `e` passes every key.
    pub fn matches(&self, e: &Event) -> bool {
        let attr = |k: &str| e.actor.attributes.get(k).map(String::as_str);
        self.by_key.iter().all(|(k, values)| {
            values.iter().any(|v| match k.as_str() {
                "type" => e.kind == *v,
                "event" => e.action == *v || e.action.split(':').next() == Some(v.as_str()),
                "scope" => v == "local",
                "container" => {
                    e.kind == "container" && (e.actor.id.starts_with(v.as_str()) || attr("name") == Some(v.as_str()))
                        || attr("container").is_some_and(|c| c.starts_with(v.as_str()))
                }
                "image" => {
                    let image = if e.kind == "image" { Some(e.actor.id.as_str()) } else { attr("image") };
                    image.is_some_and(|i| same_image(i, v)) || (e.kind == "image" && attr("name") == Some(v.as_str()))
                }
                "network" => {
                    e.kind == "network" && (e.actor.id.starts_with(v.as_str()) || attr("name") == Some(v.as_str()))
                }
                "volume" => e.kind == "volume" && e.actor.id == *v,
                "label" => match v.split_once('=') {
                    Some((lk, lv)) => attr(lk) == Some(lv),
                    None => attr(v).is_some(),
                },
                _ => false,
            })
        })
    }
}

/// `busybox` matches `busybox:latest` and `docker.io/library/busybox:latest`.
fn same_image(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.strip_prefix("docker.io/").unwrap_or(s);
        let s = s.strip_prefix("library/").unwrap_or(s);
        let last = s.rsplit('/').next().unwrap_or(s);
        if last.contains(':') || s.contains('@') { s.to_string() } else { format!("{s}:latest") }
    };
    a == b || norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(&d.path().join("root"), &d.path().join("run")).unwrap();
        (d, s)
    }

    #[test]
    fn records_read_back_and_follow() {
        let (_d, s) = store();
        record(&s, "image", "pull", "busybox:latest", &[("name", "busybox")]);
        let mut f = Follower::new(&s);
        assert!(f.poll().is_empty());
        record(&s, "volume", "create", "v1", &[("driver", "local")]);
        let got = f.poll();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].actor.id, "v1");
        let all = read_all(&s);
        assert_eq!(all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["pull", "create"]);
    }

    #[test]
    fn torn_lines_are_skipped_and_partial_lines_wait() {
        let (_d, s) = store();
        let mut f = Follower::new(&s);
        let e = Event::new("container", "start", "abc", &[]);
        let line = serde_json::to_string(&e).unwrap();
        std::fs::write(s.events_path(), format!("{{\"Type\":\"con\n{}", &line[..10])).unwrap();
        assert!(f.poll().is_empty());
        let mut file = std::fs::OpenOptions::new().append(true).open(s.events_path()).unwrap();
        writeln!(file, "{}", &line[10..]).unwrap();
        assert_eq!(f.poll(), vec![e]);
    }

    #[test]
    fn rotation_bounds_the_log_and_followers_cross_it() {
        let (_d, s) = store();
        let mut f = Follower::new(&s);
        let big = "x".repeat(4000);
        let n = (2 * MAX_LOG_BYTES / 4000) as usize + 10;
        let mut seen = 0;
        for i in 0..n {
            record(&s, "container", "start", &i.to_string(), &[("pad", &big)]);
            if i % 50 == 0 {
                seen += f.poll().len();
            }
        }
        seen += f.poll().len();
        assert_eq!(seen, n, "the follower saw every event across rotations");
        let total = std::fs::metadata(s.events_path()).unwrap().len()
            + std::fs::metadata(s.events_path().with_extension("log.1")).unwrap().len();
        assert!(total <= 2 * MAX_LOG_BYTES + 8192, "log holds {total} bytes");
        let all = read_all(&s);
        assert_eq!(all.last().unwrap().actor.id, (n - 1).to_string());
    }

    #[test]
    fn a_follower_makes_its_watch_only_once_it_waits() {
        let (_d, s) = store();
        let mut f = Follower::new(&s);
        assert!(f.poll().is_empty());
        assert!(matches!(f.watch, Watch::Pending), "polling makes no watch");
        let writer = {
            let s = s.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(100));
                record(&s, "volume", "create", "v2", &[]);
            })
        };
        let got = f.wait(std::time::Duration::from_secs(60));
        writer.join().unwrap();
        assert_eq!(got[0].actor.id, "v2");
        assert!(!matches!(f.watch, Watch::Pending), "waiting made one");
    }

    #[test]
    fn a_shared_watch_counts_the_logs_changes_for_every_follower() {
        share_watches();
        let (_d, s) = store();
        let mut a = Follower::new(&s);
        let mut b = Follower::new(&s);
        (a.watch, b.watch) = (a.make_watch(), b.make_watch());
        let (Watch::Shared(wa), Watch::Shared(wb)) = (&a.watch, &b.watch) else {
            panic!("followers made after share_watches use the shared watch")
        };
        assert!(std::sync::Arc::ptr_eq(wa, wb), "one watch per root");
        let w = wa.clone();
        let seen = w.generation();
        record(&s, "volume", "create", "v1", &[("driver", "local")]);
        // The watch thread counts the log's change (no timeout can pass
        // for it: the generation must move).
        while w.generation() == seen {
            w.sleep(seen, std::time::Duration::from_secs(60));
        }
        assert_ne!(w.generation(), u64::MAX, "the watch still works");
        assert_eq!(a.wait(std::time::Duration::from_secs(5))[0].actor.id, "v1");
        assert_eq!(b.wait(std::time::Duration::from_secs(5))[0].actor.id, "v1");
        // The root removed: the next follower of the same path gets a new watch.
        let (root, run) = (s.root().to_path_buf(), _d.path().join("run"));
        drop((a, b, s));
        std::fs::remove_dir_all(&root).unwrap();
        while w.generation() != u64::MAX {
            w.sleep(w.generation(), std::time::Duration::from_secs(60));
        }
        let s = Store::open(&root, &run).unwrap();
        let c = Follower::new(&s);
        let Watch::Shared(wc) = &c.make_watch() else { panic!("shared") };
        assert!(!std::sync::Arc::ptr_eq(wc, &w), "a new watch for the new root");
    }

    #[test]
    fn text_and_filters_as_docker() {
        let mut e =
            Event::new("container", "die", "0123abcd", &[("image", "busybox"), ("name", "web"), ("exitCode", "3")]);
        e.time_nano = 1_700_000_000_123_456_789;
        let text = e.to_text();
        assert!(text.ends_with(" container die 0123abcd (exitCode=3, image=busybox, name=web)"), "{text}");
        let f = |v: &[&str]| Filter::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        assert!(f(&["container=web", "event=die"]).matches(&e));
        assert!(f(&["container=0123", "type=container"]).matches(&e));
        assert!(f(&["image=busybox:latest"]).matches(&e));
        assert!(!f(&["event=start"]).matches(&e));
        assert!(f(&["event=start", "event=die"]).matches(&e));
        assert!(!f(&["type=image"]).matches(&e));
        assert!(Filter::parse(&["foo=bar".into()]).unwrap().matches(&e), "unknown keys: ignored");
        assert!(Filter::parse(&["foo".into()]).is_err());
    }
}
