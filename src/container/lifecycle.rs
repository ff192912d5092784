//! The lifecycle of existing containers: start, stop, kill, wait, restart;
//! restart policies and healthcheck settings. Works from the state on disk
//! and the container's pids, so it needs no daemon and no live monitor: a
//! `stop` reaches the container even when its monitor was killed.

use super::{Error, HealthFlags, Result};
use crate::store::{ContainerRecord, ContainerStatus, Healthcheck, Store, StoreError, events};
use nix::sys::signal::Signal;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// `--restart`: when the monitor starts an exited container again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Never (default).
    No,
    /// After a non-zero exit, at most N times (0: unlimited).
    OnFailure(u32),
    /// Always, unless stopped by `stop`/`kill`/`rm`.
    Always,
    /// As `Always`; docker also skips these at daemon start after a manual
    /// stop. rcon has no daemon: after a host reboot no container restarts
    /// by itself (see README, "Restart policies").
    UnlessStopped,
}

impl RestartPolicy {
    /// Parses docker's syntax: `no`, `on-failure`, `on-failure:N`, `always`,
    /// `unless-stopped` (empty means `no`).
    pub fn parse(s: &str) -> Result<RestartPolicy> {
        Ok(match s {
            "" | "no" => RestartPolicy::No,
            "always" => RestartPolicy::Always,
            "unless-stopped" => RestartPolicy::UnlessStopped,
            "on-failure" => RestartPolicy::OnFailure(0),
            _ => match s.strip_prefix("on-failure:").map(str::parse::<u32>) {
                Some(Ok(n)) => RestartPolicy::OnFailure(n),
                _ => {
                    return Err(Error::Invalid(format!(
                        "invalid restart policy {s:?}: use no, on-failure[:max-retries], always or unless-stopped"
                    )));
                }
            },
        })
    }

    /// Whether a container that exited with `code`, after `restarts`
    /// restarts, and was (not) stopped by the user, runs again.
    pub fn should_restart(self, code: i32, restarts: u32, stopped_by_user: bool) -> bool {
        if stopped_by_user {
            return false;
        }
        match self {
            RestartPolicy::No => false,
            RestartPolicy::OnFailure(max) => code != 0 && (max == 0 || restarts < max),
            RestartPolicy::Always | RestartPolicy::UnlessStopped => true,
        }
    }
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestartPolicy::No => write!(f, "no"),
            RestartPolicy::OnFailure(0) => write!(f, "on-failure"),
            RestartPolicy::OnFailure(n) => write!(f, "on-failure:{n}"),
            RestartPolicy::Always => write!(f, "always"),
            RestartPolicy::UnlessStopped => write!(f, "unless-stopped"),
        }
    }
}

/// The container's healthcheck: the image's `Config.Healthcheck` with the
/// `--health-*` flags over it; `None` with `--no-healthcheck`, with
/// `NONE`, or when neither gives a test. `image_config` is the raw config JSON.
pub fn healthcheck(flags: &HealthFlags, image_config: &serde_json::Value) -> Result<Option<Healthcheck>> {
    if flags.disabled {
        return Ok(None);
    }
    let mut hc: Healthcheck = image_config
        .get("config")
        .and_then(|c| c.get("Healthcheck"))
        .map(|h| serde_json::from_value(h.clone()))
        .transpose()
        .map_err(Error::ImageHealthcheck)?
        .unwrap_or_default();
    if let Some(cmd) = &flags.cmd {
        hc.test = vec!["CMD-SHELL".into(), cmd.clone()];
    }
    let dur = |flag: &str, v: &Option<String>| -> Result<Option<u64>> {
        v.as_deref()
            .map(|s| crate::units::parse_go_duration(s).map(|d| d.as_nanos() as u64))
            .transpose()
            .map_err(|source| Error::BadDuration { flag: format!("--{flag}"), source })
    };
    if let Some(d) = dur("health-interval", &flags.interval)? {
        hc.interval = d;
    }
    if let Some(d) = dur("health-timeout", &flags.timeout)? {
        hc.timeout = d;
    }
    if let Some(d) = dur("health-start-period", &flags.start_period)? {
        hc.start_period = d;
    }
    if let Some(r) = flags.retries {
        hc.retries = r;
    }
    if hc.test.is_empty() || hc.test[0] == "NONE" {
        return Ok(None);
    }
    Ok(Some(hc))
}

/// Parses a signal given as `SIGTERM`, `TERM`, `term` or `15`.
pub fn parse_signal(s: &str) -> Result<Signal> {
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n).map_err(|_| Error::Invalid(format!("invalid signal: {s}")));
    }
    let upper = s.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
    Signal::from_str(&name).map_err(|_| Error::Invalid(format!("invalid signal: {s}")))
}

/// The running init's host pid, or an error naming the container.
fn running_pid(store: &Store, record: &ContainerRecord, name: &str) -> Result<i32> {
    let state = store.container_state(&record.id)?;
    match (state.status, state.pid) {
        (ContainerStatus::Running, Some(pid)) => Ok(pid),
        _ => Err(Error::CannotKill { name: name.to_string(), id: record.id.clone() }),
    }
}

/// Sends `signal` to the container's init (`rcon kill`). Marks the
/// container stopped by the user, so its restart policy leaves it down.
pub fn kill(store: &Store, name: &str, signal: Signal) -> Result<ContainerRecord> {
    let record = store.find_container(name)?;
    let pid = running_pid(store, &record, name)?;
    store.update_container_state(&record.id, |s| s.stopped_by_user = true)?;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal)
        .map_err(Error::sys(format!("kill container {name}: signal {signal} to pid {pid}")))?;
    events::container(store, "kill", &record, &[("signal", &(signal as i32).to_string())]);
    // As docker's: SIGKILL returns once the container has stopped.
    if signal == Signal::SIGKILL {
        let start = store.container_state(&record.id)?.pid_start;
        if !wait_gone(pid, start, Duration::from_secs(10)) {
            return Err(Error::DidNotExit { name: name.to_string(), pid });
        }
        settle(store, &record, 137);
    }
    Ok(record)
}

/// Stops the container (`rcon stop`): its stop signal, then SIGKILL after
/// `timeout` (default: its `--stop-timeout`, else 10 s); waits until it has
/// exited. A container that is not running is left as it is.
pub fn stop(store: &Store, name: &str, timeout: Option<u64>) -> Result<ContainerRecord> {
    let record = store.find_container(name)?;
    let signal = parse_signal(record.stop_signal.as_deref().unwrap_or("SIGTERM"))?;
    let timeout = Duration::from_secs(timeout.or(record.stop_timeout).unwrap_or(10));
    // The flag first, under the container's lock: a monitor between two runs
    // of a restart policy sees it and does not start the container again.
    let Some(state) = store.update_container_state(&record.id, |s| s.stopped_by_user = true)? else {
        return Err(Error::Removed(name.to_string()));
    };
    let monitor_alive =
        |s: &crate::store::ContainerState| s.monitor_pid.is_some_and(|m| crate::store::process_alive(m, None));
    let mut state = state;
    // Between two runs: wait for the monitor to give up, or for the run it
    // had already decided on to start (then stop that one).
    let deadline = Instant::now() + Duration::from_secs(5);
    while state.status != ContainerStatus::Running && monitor_alive(&state) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
        state = store.container_state(&record.id)?;
    }
    let (ContainerStatus::Running, Some(pid)) = (state.status, state.pid) else { return Ok(record) };
    let target = nix::unistd::Pid::from_raw(pid);
    let _ = nix::sys::signal::kill(target, signal);
    events::container(store, "kill", &record, &[("signal", &(signal as i32).to_string())]);
    let mut sent = signal;
    if !wait_gone(pid, state.pid_start, timeout) {
        let _ = nix::sys::signal::kill(target, Signal::SIGKILL);
        events::container(store, "kill", &record, &[("signal", "9")]);
        sent = Signal::SIGKILL;
        if !wait_gone(pid, state.pid_start, Duration::from_secs(10)) {
            return Err(Error::DidNotExit { name: name.to_string(), pid });
        }
    }
    settle(store, &record, 128 + sent as i32);
    events::container(store, "stop", &record, &[]);
    Ok(record)
}

/// After the init is gone, gives its monitor a moment to record the exit;
/// if there is no live monitor to do it, records it here (`code` is the
/// best guess: 128 + the signal that was sent).
fn settle(store: &Store, record: &ContainerRecord, code: i32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let Ok(state) = store.container_state(&record.id) else { return };
        if state.status != ContainerStatus::Running || state.pid.is_none() {
            let monitor_alive = state.monitor_pid.is_some_and(|m| crate::store::process_alive(m, None));
            let recorded = state.finished_at.is_some_and(|f| state.started_at.is_none_or(|s| f >= s));
            if recorded || !monitor_alive || Instant::now() > deadline {
                if !recorded {
                    let _ = store.update_container_state(&record.id, |s| {
                        s.status = ContainerStatus::Exited;
                        s.exit_code = Some(code);
                        s.finished_at = Some(chrono::Utc::now());
                        s.pid = None;
                        s.monitor_pid = None;
                    });
                }
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Polls until `pid` (started at `start`) is gone or a zombie; false on timeout.
pub fn wait_gone(pid: i32, start: Option<u64>, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if !crate::store::process_alive(pid, start) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Blocks until the container is not running (`rcon wait`), then returns
/// its exit code (also when it is removed meanwhile, as an `--rm`
/// container is). Errors: no such container.
pub fn wait(store: &Store, name: &str) -> Result<i32> {
    let record = store.find_container(name)?;
    wait_until(store, &record.id, WaitCondition::NotRunning, &|| false)
}

/// docker's wait conditions (`docker wait`; Engine API
/// `POST /containers/{id}/wait?condition=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCondition {
    /// It does not run (at once for a created or exited container); a
    /// container between two runs of its restart policy still counts as
    /// running.
    NotRunning,
    /// It has run and stopped since the wait began.
    NextExit,
    /// It is removed.
    Removed,
}

impl FromStr for WaitCondition {
    type Err = String;

    /// `not-running`, `next-exit`, `removed`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "not-running" => Ok(WaitCondition::NotRunning),
            "next-exit" => Ok(WaitCondition::NextExit),
            "removed" => Ok(WaitCondition::Removed),
            _ => Err(format!("invalid condition: {s:?} (expected not-running, next-exit or removed)")),
        }
    }
}

/// What a container was doing when a wait or an attach began, to tell a
/// later run apart.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    status: ContainerStatus,
    started: Option<chrono::DateTime<chrono::Utc>>,
    finished: Option<chrono::DateTime<chrono::Utc>>,
}

impl Mark {
    /// The container's state now.
    pub fn of(s: &crate::store::ContainerState) -> Mark {
        Mark { status: s.status, started: s.started_at, finished: s.finished_at }
    }

    /// True once the container has run since the mark (started after it,
    /// or finished again).
    pub fn ran_since(&self, s: &crate::store::ContainerState) -> bool {
        s.status == ContainerStatus::Running
            || s.started_at != self.started
            || s.finished_at != self.finished
            || (self.status == ContainerStatus::Running && s.status != ContainerStatus::Running)
    }
}

/// Blocks until container `id` (its full ID) meets `condition` and returns
/// its exit code: the last one recorded, or the one its `die` event gave
/// when it was removed first (0 when it never ran). Follows the store's
/// event log ([`events::Follower::wait`]) and reads the container's row
/// again only when an event about it came (`die`, `destroy`, `start`…), or
/// after a second without one (a monitor killed before its `die`). Stops
/// early with an error when `cancelled` returns true (checked at least
/// once a second). Errors: no such container (at the start), the store.
pub fn wait_until(store: &Store, id: &str, condition: WaitCondition, cancelled: &dyn Fn() -> bool) -> Result<i32> {
    // Following from before the first read: no event falls between.
    let mut follower = events::Follower::new(store);
    let first = store.container_state(id)?;
    let mark = Mark::of(&first);
    let mut code = first.exit_code;
    let mut state = Some(first);
    // The exit code a `die` event about it among `news` gives, else `code`.
    let died = |news: &[events::Event], code: Option<i32>| {
        news.iter()
            .filter(|e| e.kind == "container" && e.actor.id == id && e.action == "die")
            .fold(code, |c, e| e.actor.attributes.get("exitCode").and_then(|c| c.parse().ok()).or(c))
    };
    loop {
        // Removed: its monitor wrote `die` before it removed it, and that
        // event may still be unread when the wake-up for an earlier event
        // (`start`) led to this read.
        let Some(s) = &state else { return Ok(died(&follower.poll(), code).unwrap_or(0)) };
        code = s.exit_code.or(code);
        // A monitor alive between two runs of a restart policy: still
        // running. One whose policy does not restart the container is only
        // finishing (it sends no event when it is done): not running, or
        // the wait would last until the next poll, a second later.
        let between_runs = s.status == ContainerStatus::Exited
            && s.monitor_pid.is_some_and(|m| crate::store::process_alive(m, None))
            && will_restart(store, id, s);
        let stopped = s.status != ContainerStatus::Running && !between_runs;
        let done = match condition {
            WaitCondition::NotRunning => stopped,
            WaitCondition::NextExit => stopped && mark.ran_since(s),
            WaitCondition::Removed => false,
        };
        if done {
            return Ok(s.exit_code.unwrap_or(0));
        }
        loop {
            if cancelled() {
                return Err(Error::WaitCancelled(id.to_string()));
            }
            let news = follower.wait(Duration::from_secs(1));
            code = died(&news, code);
            let mine = news.iter().any(|e| e.kind == "container" && e.actor.id == id);
            if mine || news.is_empty() {
                break;
            }
        }
        state = match store.container_state(id) {
            Ok(s) => Some(s),
            Err(StoreError::NoSuchContainer(_)) => None,
            Err(e) => return Err(e.into()),
        };
    }
}

/// Whether the restart policy of container `id` (as its record says now:
/// `update --restart` may change it) restarts it from exited state `s`.
/// True when the record cannot be read: the caller then waits for news.
fn will_restart(store: &Store, id: &str, s: &crate::store::ContainerState) -> bool {
    let Ok(record) = store.find_container(id) else { return true };
    let policy = RestartPolicy::parse(&record.restart).unwrap_or(RestartPolicy::No);
    policy.should_restart(s.exit_code.unwrap_or(0), s.restart_count, s.stopped_by_user)
}

/// `rcon pause` (`frozen`) and `unpause`: the cgroup freezer, on the
/// container's own cgroup only (never one it shares with other processes).
/// Errors: not running, already (un)paused, no cgroup of its own.
pub fn pause(store: &Store, name: &str, frozen: bool) -> Result<()> {
    let record = store.find_container(name)?;
    let state = store.container_state(&record.id)?;
    let (ContainerStatus::Running, Some(pid)) = (state.status, state.pid) else {
        return Err(Error::Stopped(name.to_string()));
    };
    if state.paused == frozen {
        let id = record.id.clone();
        return Err(if frozen { Error::AlreadyPaused(id) } else { Error::NotPaused(id) });
    }
    let cg = crate::runtime::cgroups::process::ProcessCgroups::of(pid)
        .map_err(Error::io("read the cgroups of", format!("/proc/{pid}/cgroup")))?;
    let own = cg.freezer_dir().is_some_and(|d| d.to_string_lossy().contains(&record.id));
    if !own {
        return Err(Error::NoOwnCgroup(name.to_string()));
    }
    cg.set_frozen(frozen).map_err(|source| Error::Io {
        step: if frozen { "freeze the cgroup" } else { "thaw the cgroup" },
        path: cg.freezer_dir().map(std::path::Path::to_path_buf).unwrap_or_default(),
        source,
    })?;
    store.update_container_state(&record.id, |s| s.paused = frozen)?;
    events::container(store, if frozen { "pause" } else { "unpause" }, &record, &[]);
    Ok(())
}

/// `rcon top`: the host's `ps ARGS` (default `-ef`) limited to the
/// container's processes, as docker does it. Returns the titles and the
/// container's rows (see [`ps_rows`]). Errors: not running, `ps` missing or
/// failing.
pub fn top(store: &Store, name: &str, ps_args: &[String]) -> Result<PsTable> {
    let record = store.find_container(name)?;
    let state = store.container_state(&record.id)?;
    let (ContainerStatus::Running, Some(init)) = (state.status, state.pid) else {
        return Err(Error::Stopped(name.to_string()));
    };
    ps_rows(&namespace_pids(init)?, ps_args)
}

/// `rcon port`: a container's published ports as docker prints them.
/// Without `port`, one `80/tcp -> 0.0.0.0:9000` line per published port;
/// with `port` (`80` or `80/udp`, tcp by default), the `0.0.0.0:9000`
/// addresses it is published on. Errors: no such container, a malformed
/// `port`, or `port` not published (docker's wording).
pub fn ports(store: &Store, name: &str, port: Option<&str>) -> Result<Vec<String>> {
    let c = store.find_container(name)?;
    let published = crate::network::endpoint(store, &c.id).map(|ep| ep.published).unwrap_or_default();
    let Some(p) = port else {
        return Ok(published.iter().map(|m| m.port_line()).collect());
    };
    let (number, proto) = p.split_once('/').unwrap_or((p, "tcp"));
    let number: u16 =
        number.parse().map_err(|_| Error::Invalid(format!("invalid port {p:?}: use PORT or PORT/PROTO")))?;
    let hits: Vec<String> = published
        .iter()
        .filter(|m| m.container_port == number && m.proto.to_string() == proto)
        .map(|m| format!("{}:{}", m.host_ip, m.host_port))
        .collect();
    if hits.is_empty() {
        return Err(Error::NoPublicPort { port: format!("{number}/{proto}"), name: name.to_string() });
    }
    Ok(hits)
}

/// `ps` output split as docker's daemon splits it: the header's titles, and
/// one row of cells per process.
pub type PsTable = (Vec<String>, Vec<Vec<String>>);

/// The host's `ps ARGS` (default `-ef`) limited to the processes `pids`,
/// split as docker's daemon does: the header's words are the titles, each
/// line is cut at whitespace into as many cells, the last cell taking the
/// rest of the line (`CMD` with its arguments). Errors: `ps` missing or
/// failing, no PID column.
pub fn ps_rows(pids: &[i32], ps_args: &[String]) -> Result<PsTable> {
    let args = if ps_args.is_empty() { vec!["-ef".to_string()] } else { ps_args.to_vec() };
    let out = std::process::Command::new("ps").args(&args).output().map_err(Error::PsMissing)?;
    if !out.status.success() {
        return Err(Error::Ps(format!("ps {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let titles: Vec<String> = lines.next().unwrap_or_default().split_whitespace().map(str::to_string).collect();
    let pid_col =
        titles.iter().position(|h| h == "PID").ok_or_else(|| Error::Ps("ps output has no PID column".into()))?;
    let mut rows = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(pid_col).and_then(|p| p.parse::<i32>().ok()).is_some_and(|p| pids.contains(&p)) {
            let split = fields.len().min(titles.len() - 1);
            let mut row: Vec<String> = fields[..split].iter().map(|f| f.to_string()).collect();
            row.push(fields[split..].join(" "));
            rows.push(row);
        }
    }
    Ok((titles, rows))
}

/// Host pids of every process in the PID namespace of `init`.
pub fn namespace_pids(init: i32) -> Result<Vec<i32>> {
    let link = format!("/proc/{init}/ns/pid");
    let ns = std::fs::read_link(&link).map_err(Error::io("read the container's PID namespace", &link))?;
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").map_err(Error::io("read", "/proc"))?.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        if std::fs::read_link(format!("/proc/{pid}/ns/pid")).is_ok_and(|l| l == ns) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    Ok(pids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policies() {
        assert_eq!(RestartPolicy::parse("").unwrap(), RestartPolicy::No);
        assert_eq!(RestartPolicy::parse("on-failure:3").unwrap(), RestartPolicy::OnFailure(3));
        assert!(RestartPolicy::parse("sometimes").is_err());
        assert!(RestartPolicy::parse("on-failure:x").is_err());
        let p = RestartPolicy::OnFailure(2);
        assert!(p.should_restart(1, 0, false) && p.should_restart(1, 1, false));
        assert!(!p.should_restart(1, 2, false) && !p.should_restart(0, 0, false));
        assert!(RestartPolicy::Always.should_restart(0, 100, false));
        assert!(!RestartPolicy::Always.should_restart(0, 0, true));
        assert_eq!(RestartPolicy::OnFailure(3).to_string(), "on-failure:3");
    }

    #[test]
    fn healthcheck_flags_override_the_image() {
        let image = serde_json::json!({"config": {"Healthcheck": {"Test": ["CMD", "true"], "Interval": 5_000_000_000u64, "Retries": 2}}});
        let hc = healthcheck(&HealthFlags::default(), &image).unwrap().unwrap();
        assert_eq!(hc.test, ["CMD", "true"]);
        assert_eq!((hc.interval, hc.retries), (5_000_000_000, 2));
        let flags =
            HealthFlags { cmd: Some("wget -q localhost".into()), interval: Some("1s".into()), ..Default::default() };
        let hc = healthcheck(&flags, &image).unwrap().unwrap();
        assert_eq!(hc.test, ["CMD-SHELL", "wget -q localhost"]);
        assert_eq!(hc.interval, 1_000_000_000);
        assert!(healthcheck(&HealthFlags { disabled: true, ..Default::default() }, &image).unwrap().is_none());
        assert!(healthcheck(&HealthFlags::default(), &serde_json::json!({})).unwrap().is_none());
        let none = serde_json::json!({"config": {"Healthcheck": {"Test": ["NONE"]}}});
        assert!(healthcheck(&HealthFlags::default(), &none).unwrap().is_none());
    }

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(parse_signal("SIGTERM").unwrap(), Signal::SIGTERM);
        assert_eq!(parse_signal("kill").unwrap(), Signal::SIGKILL);
        assert_eq!(parse_signal("9").unwrap(), Signal::SIGKILL);
        assert!(parse_signal("SIGNOPE").is_err());
    }
}
