//! The monitor of a detached container (`rcon run -d`, `rcon start`): a
//! forked copy of rcon, detached from the terminal and from the rcon that
//! started it, that holds the container's stdio and outlives the CLI. There
//! is no daemon and no conmon: one monitor per running container.
//!
//! The monitor is a child subreaper. It spawns the container's init with
//! stdout and stderr on pipes, writes what comes through them to the log
//! ([`super::logs`]), runs the healthcheck, reaps the init, records the exit
//! code and finish time in the state, restarts the container as its restart
//! policy says, and finally removes it when it was created with `--rm`.
//!
//! The starting rcon waits on a pipe until the init has exec'd (or failed:
//! then it gets the runtime's error, with its 125/126/127 exit code), so
//! `rcon run -d` returns only for a container that is really running.
//!
//! Every other command works from the state on disk, never by talking to
//! the monitor: `stop` and `kill` signal the init's pid, and when the
//! monitor is gone (killed with SIGKILL), they record the exit themselves.

use super::lifecycle::RestartPolicy;
use super::logs::{LogWriter, Rotation, Stream};
use crate::runtime::{self, StdioFd, exec::ExecRequest};
use crate::store::events;
use crate::store::{
    ContainerRecord, ContainerState, ContainerStatus, Health, HealthOnFailure, HealthProbe, Healthcheck, Store,
    process_start_time,
};
use crate::sys::{self, ForkResult};
use chrono::Utc;
use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::unistd::pipe2;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::time::{Duration, Instant};

/// The first argument that makes `rcon` the monitor of a container
/// (`rcon __monitor ROOT RUNROOT ID LOG_LEVEL`, with the start pipe as fd 3);
/// only [`start_detached`] and [`start_spawned`] run it.
pub const ENTRY: &str = "__monitor";

/// The start pipe's descriptor in a freshly executed monitor.
const NOTIFY_FD: RawFd = 3;

/// Starts the container's monitor and waits until the container runs.
/// Errors: the container could not start (the runtime's error, so the CLI
/// exits 125/126/127 as docker does).
///
/// The monitor is a new execution of rcon's binary (`/proc/self/exe`, the
/// read-only view the CLI runs from, see [`crate::runtime::exe`]) entering
/// at [`main`]: it holds none of the CLI's memory, and nothing ties it to
/// the CLI but the start pipe, which it never needs to write: the CLI may
/// be killed at any moment without harm to the container.
pub fn start_detached(store: &Store, record: &ContainerRecord) -> super::Result<()> {
    let args: Vec<std::ffi::OsString> = vec![
        "rcon".into(),
        ENTRY.into(),
        store.root().into(),
        store.run_root().into(),
        record.id.clone().into(),
        crate::util::log_level_name().into(),
    ];
    // rcon is single-threaded here (the pull, if any, has joined its
    // threads); the children only make system calls until they exec or exit.
    // The child leaves without running the CLI's destructors twice; the
    // report comes from the monitor (the grandchild), through its exec.
    let (child, buf) = sys::fork_with_report(|reporter| {
        let notify_w = OwnedFd::from(reporter);
        // Detach: a new session, then a second fork so the monitor is
        // nobody's child but init's (or a subreaper's) once we exit.
        let _ = nix::unistd::setsid();
        match sys::fork() {
            Ok(ForkResult::Child) => {
                let err = exec_monitor(&notify_w, &args);
                report(&mut Some(notify_w), b'x', format!("cannot execute the monitor: {err}").as_bytes());
                1
            }
            Ok(ForkResult::Parent { .. }) => 0,
            Err(_) => 1,
        }
    })
    .map_err(super::Error::sys("fork the monitor"))?;
    let _ = nix::sys::wait::waitpid(child, None);
    start_outcome(&buf, record)
}

/// [`start_detached`] for a multi-threaded caller (the API service, hazard
/// 7), which must not fork: the monitor is spawned with
/// `std::process::Command` straight from `/proc/self/exe` (the service's
/// read-only view of its binary, hazard 9), detached between fork and exec
/// (`sys::spawn_detached_with_fd`: new session, the start pipe on fd 3, a
/// second fork). One process fewer than a fresh `rcon start` (which opens
/// the store again, then forks the monitor). Errors: as [`start_detached`],
/// and the monitor could not be executed.
pub fn start_spawned(store: &Store, record: &ContainerRecord) -> super::Result<()> {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let (notify_r, notify_w) = pipe2(OFlag::O_CLOEXEC).map_err(super::Error::sys("make the monitor's start pipe"))?;
    let mut cmd = std::process::Command::new("/proc/self/exe");
    cmd.arg0("rcon")
        .arg(ENTRY)
        .arg(store.root())
        .arg(store.run_root())
        .arg(&record.id)
        .arg(crate::util::log_level_name())
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_FDNAMES")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    sys::spawn_detached_with_fd(&mut cmd, notify_w.as_raw_fd(), NOTIFY_FD);
    let spawned = cmd.spawn();
    drop(notify_w);
    let mut middle = spawned.map_err(|e| {
        super::Error::Monitor(format!("cannot execute the monitor of container {}: {e}", &record.id[..12]))
    })?;
    let _ = middle.wait();
    let mut buf = Vec::new();
    let _ = File::from(notify_r).read_to_end(&mut buf);
    start_outcome(&buf, record)
}

/// What the monitor reported on the start pipe (see [`report`]).
fn start_outcome(buf: &[u8], record: &ContainerRecord) -> super::Result<()> {
    match buf.split_first() {
        Some((b'k', _)) => Ok(()),
        Some((b'e', err)) if !err.is_empty() => Err(runtime::spawn_error_from_bytes(err).into()),
        Some((_, msg)) => Err(super::Error::Monitor(String::from_utf8_lossy(msg).into_owned())),
        None => Err(super::Error::MonitorDied(record.id[..12].to_string())),
    }
}

/// In the monitor's process before it runs: stdio on /dev/null, the start
/// pipe on fd 3, every other descriptor closed at exec; then exec. Returns
/// the error when something failed.
fn exec_monitor(notify: &OwnedFd, args: &[std::ffi::OsString]) -> std::io::Error {
    let devnull = match std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        Ok(f) => f,
        Err(e) => return e,
    };
    // `notify` is moved above 3 first so that dup2 onto 0-2 cannot clobber it.
    let moved = match sys::dup_cloexec_above(notify.as_raw_fd(), 10) {
        Ok(fd) => fd,
        Err(e) => return e.into(),
    };
    for fd in 0..3 {
        let _ = sys::dup2(devnull.as_raw_fd(), fd);
    }
    if let Err(e) = sys::dup2(moved, NOTIFY_FD) {
        return e.into();
    }
    let _ = sys::cloexec_from(NOTIFY_FD + 1);
    runtime::exe::exec_self(args)
}

/// The monitor's entry point (`args`: what follows [`ENTRY`]); returns its
/// exit code. Loads only what the container's start needs.
pub fn main(args: &[std::ffi::OsString]) -> i32 {
    // A vanished reader (the start pipe of a killed CLI) must never end the
    // monitor: writes then fail with EPIPE, which it ignores.
    sys::ignore_sigpipe(true);
    // Fd 3 is the start pipe that `exec_monitor` left us.
    let Some(notify) = sys::adopt_inherited_fd(NOTIFY_FD) else {
        return 1;
    };
    // Helpers the monitor starts (rootless: pasta, which stays in the
    // background) must not hold the start pipe, or `run -d` waits for them.
    let _ = nix::fcntl::fcntl(&notify, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC));
    let mut notify = Some(notify);
    let [root, run_root, id, level] = args else {
        report(&mut notify, b'x', b"the monitor was started with bad arguments");
        return 1;
    };
    crate::util::set_log_level(&level.to_string_lossy());
    let (store, record) = match Store::open(Path::new(root), Path::new(run_root))
        .and_then(|store| Ok((store.find_container(&id.to_string_lossy())?, store)))
    {
        Ok((record, store)) => (store, record),
        Err(e) => {
            report(&mut notify, b'x', format!("the monitor cannot load the container: {e}").as_bytes());
            return 1;
        }
    };
    monitor(&store, record, notify.take().expect("start pipe"))
}

/// The monitor's life; returns its exit code.
fn monitor(store: &Store, mut record: ContainerRecord, notify: OwnedFd) -> i32 {
    // Orphans of the container's setup are ours to reap.
    let _ = nix::sys::prctl::set_child_subreaper(true);
    let mut notify = Some(notify);
    let rotation = Rotation::parse(&record.log_opts).unwrap_or_default();
    let log_path = store.container_dir(&record.id).join("ctr.log");
    let mut log = match LogWriter::open(&log_path, rotation) {
        Ok(l) => l,
        Err(e) => {
            report(&mut notify, b'x', format!("cannot open log {}: {e}", log_path.display()).as_bytes());
            return 1;
        }
    };
    // One monitor per container: a second `start` while another monitor
    // is still starting it (its `start` killed, or two at once) leaves it
    // alone, as `start` of a running container does.
    // Like docker's, that `start` returns once the container runs.
    let deadline = Instant::now() + Duration::from_secs(75);
    while let Some(other) = claim(store, &record.id) {
        let state = store.container_state(&record.id);
        if state.as_ref().is_ok_and(|s| s.status == ContainerStatus::Running) {
            report(&mut notify, b'k', b"");
            return 0;
        }
        if state.is_err() || Instant::now() > deadline {
            let msg = format!("container {} is being started by another rcon (monitor pid {other})", &record.id[..12]);
            report(&mut notify, b'x', msg.as_bytes());
            return 1;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let policy = RestartPolicy::parse(&record.restart).unwrap_or(RestartPolicy::No);
    let mut backoff = Duration::from_millis(100);
    let mut kept: Option<Store> = None;
    loop {
        let started = Instant::now();
        // The first run is the user's `run`/`start`: it clears an earlier
        // `stop`; a restart must not, or it would undo a `stop` that came
        // between the decision to restart and the start.
        let first = notify.is_some();
        if !first {
            // The spec was dropped after the last start (see `run_once`).
            match store.find_container(&record.id) {
                Ok(r) => record = r,
                Err(_) => return 0, // removed meanwhile (`rm -f`)
            }
        }
        let outcome = run_once(store, &mut record, &mut log, &mut notify, first);
        // From the exit to the next start (or the end): one connection for
        // the writes that follow each other (one WAL, one checkpoint).
        let store = &*kept.insert(store.clone().keep_connection());
        match outcome {
            Err(e) => {
                let msg = e.chain();
                let _ = store.update_container_state(&record.id, |s| {
                    s.status = if s.started_at.is_some() { ContainerStatus::Exited } else { ContainerStatus::Created };
                    s.error = Some(msg.clone());
                    s.exit_code = Some(e.exit_code());
                    s.finished_at = Some(Utc::now());
                    s.pid = None;
                    if mine(s) {
                        s.monitor_pid = None;
                    }
                });
                report(&mut notify, b'e', &runtime::spawn_error_to_bytes(&e));
                break;
            }
            Ok(RunEnd { code, oom, health_restart, namespaces }) => {
                let Ok(Some(state)) = store.update_container_state(&record.id, |s| {
                    s.status = ContainerStatus::Exited;
                    s.exit_code = Some(code);
                    s.oom_killed = oom;
                    s.finished_at = Some(Utc::now());
                    s.pid = None;
                    s.pid_start = None;
                    if let Some(h) = &mut s.health {
                        h.status = "unhealthy".into();
                    }
                }) else {
                    return 0; // removed meanwhile (`rm -f`)
                };
                // `rename` and `update --restart` may have changed the record meanwhile.
                let current = store.find_container(&record.id).unwrap_or_else(|_| record.clone());
                events::container(store, "die", &current, &[("exitCode", &code.to_string())]);
                // The exit is known: now the container's mounts go.
                drop(namespaces);
                let policy = RestartPolicy::parse(&current.restart).unwrap_or(policy);
                let forced = health_restart && !state.stopped_by_user;
                if !forced && !policy.should_restart(code, state.restart_count, state.stopped_by_user) {
                    break;
                }
                // docker's backoff: 100 ms doubling, reset after 10 s of running.
                if started.elapsed() >= Duration::from_secs(10) {
                    backoff = Duration::from_millis(100);
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(60));
                // Counted only if no `stop` came meanwhile (checked under the
                // container's lock, where `stop` sets the flag).
                let Ok(Some(state)) = store.update_container_state(&record.id, |s| {
                    if !s.stopped_by_user && mine(s) {
                        s.restart_count += 1;
                    }
                }) else {
                    return 0;
                };
                // Stopped, or stopped and started again under a new monitor.
                if state.stopped_by_user || !mine(&state) {
                    break;
                }
            }
        }
    }
    finish(kept.as_ref().unwrap_or(store), &record);
    0
}

/// Records this process as the container's monitor, under its lock, unless
/// another live monitor of it (a process whose command line is `rcon
/// __monitor … ID …`: a recorded pid reused by something else does not
/// count) is starting or running it. Returns the other's pid when it has it.
fn claim(store: &Store, id: &str) -> Option<i32> {
    let me = std::process::id() as i32;
    let other_monitor = |pid: i32| {
        pid != me
            && crate::store::process_alive(pid, None)
            && std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let args: Vec<&[u8]> = c.split(|b| *b == 0).collect();
                args.get(1) == Some(&ENTRY.as_bytes()) && args.contains(&id.as_bytes())
            })
    };
    let mut taken = None;
    let _ = store.update_container_state(id, |s| {
        // Another monitor that will run the container (it is starting it,
        // between two runs of a restart policy, or the container runs)
        // keeps it; one that was stopped is only finishing, and hands over.
        let running_or_starting = s.status == ContainerStatus::Running || !s.stopped_by_user;
        match s.monitor_pid {
            Some(other) if running_or_starting && other_monitor(other) => taken = Some(other),
            _ => {
                s.monitor_pid = Some(me);
                s.stopped_by_user = false;
            }
        }
    });
    taken
}

/// True when `s` names this process as the container's monitor.
fn mine(s: &ContainerState) -> bool {
    s.monitor_pid == Some(std::process::id() as i32)
}

/// After the last run: forget the monitor, remove a `--rm` container.
fn finish(store: &Store, record: &ContainerRecord) {
    // A `start` after a `stop` may have handed the container to a new monitor.
    let mut handed_over = false;
    let _ = store.update_container_state(&record.id, |s| {
        if mine(s) {
            s.monitor_pid = None;
        } else {
            handed_over = true;
        }
    });
    if record.auto_remove && !handed_over {
        let _lock = store.lock_container(&record.id);
        let _ = store.remove_container(&record.id);
        super::cleanup::release(store, &record.id);
        events::container(store, "destroy", record, &[]);
        crate::volume::remove_anonymous(store, record);
    }
}

/// Sends the starting rcon the outcome: `k` (running), `e` + an encoded
/// runtime error, or `x` + a message; once.
fn report(notify: &mut Option<OwnedFd>, tag: u8, data: &[u8]) {
    if let Some(fd) = notify.take() {
        let mut f = File::from(fd);
        let mut msg = vec![tag];
        msg.extend_from_slice(data);
        let _ = f.write_all(&msg);
    }
}

/// How one run of the container ended.
struct RunEnd {
    /// Its exit code.
    code: i32,
    /// The OOM killer ended it.
    oom: bool,
    /// Its healthcheck ended it with `--health-on-failure=restart`: it runs
    /// again whatever its restart policy says.
    health_restart: bool,
    /// Its mount and IPC namespaces, to drop once the exit is recorded
    /// (the unmounts then do not delay `wait`, see
    /// `runtime::HeldNamespaces`).
    namespaces: runtime::HeldNamespaces,
}

/// One run of the container: spawn with stdio on pipes, pump the output to
/// the log and run healthchecks until the output ends, reap the init.
fn run_once(
    store: &Store,
    record: &mut ContainerRecord,
    log: &mut LogWriter,
    notify: &mut Option<OwnedFd>,
    first: bool,
) -> Result<RunEnd, runtime::Error> {
    let setup = |e: std::io::Error| runtime::Error::io("set up the container's output pipes", e);
    let (out_r, out_w) = pipe2(OFlag::O_CLOEXEC).map_err(|e| setup(e.into()))?;
    let (err_r, err_w) = pipe2(OFlag::O_CLOEXEC).map_err(|e| setup(e.into()))?;
    let (spec, mut opts) = super::spawn_inputs(store, record).map_err(|e| runtime::Error::Spec(format!("{e:#}")))?;
    // The record's copy of the spec (a JSON tree, the largest thing a
    // monitor would hold) is not needed until a restart reloads it.
    record.spec = serde_json::Value::Null;
    opts.stdio.stdout = StdioFd::Fd(out_w);
    opts.stdio.stderr = StdioFd::Fd(err_w);
    // `-i`: stdin is the container's FIFO, which `attach` and `start -a -i`
    // write to. Opened read-write, so it never reports EOF: a detached
    // container's stdin stays open as with docker.
    let stdin_fifo = if super::spec::stdin_open(&spec) {
        Some(open_stdin_fifo(&store.container_dir(&record.id)).map_err(setup)?)
    } else {
        None
    };
    let terminal = spec.process().as_ref().and_then(|p| p.terminal()).unwrap_or(false);
    if let (Some(fifo), false) = (&stdin_fifo, terminal) {
        opts.stdio.stdin = StdioFd::Fd(fifo.try_clone().map_err(setup)?);
    }
    // The pipes' write ends must live only in the container, or the pump
    // would never see EOF: `opts` (holding them) is dropped right after.
    let spawned = runtime::spawn(&spec, &opts);
    drop(opts);
    let mut process = spawned?;
    // With `-t` the container's output comes from its console (one stream),
    // and `-i` input goes to it.
    let (out_r, err_r, stdin_to) = match process.take_console() {
        Some(master) => {
            let to = master.try_clone().map_err(setup)?;
            (master, None, stdin_fifo.map(|f| (f, to)))
        }
        None => (out_r, Some(err_r), None),
    };
    let pid = process.pid();
    super::cleanup::record_cgroups(store, &record.id, process.cgroup());
    let started = Instant::now();
    let _ = store.update_container_state(&record.id, |s| {
        s.status = ContainerStatus::Running;
        s.pid = Some(pid);
        s.pid_start = process_start_time(pid);
        s.monitor_pid = Some(std::process::id() as i32);
        s.started_at = Some(Utc::now());
        s.finished_at = None;
        s.exit_code = None;
        s.error = None;
        s.oom_killed = false;
        if first {
            s.stopped_by_user = false;
        }
        s.health =
            record.healthcheck.as_ref().map(|_| Health { status: "starting".into(), failing_streak: 0, log: vec![] });
    });
    super::started_events(store, record);
    report(notify, b'k', b"");
    let env = spec.process().as_ref().and_then(|p| p.env().clone()).unwrap_or_default();
    let cwd = spec.process().as_ref().map(|p| p.cwd().display().to_string()).unwrap_or_else(|| "/".into());
    let mut checker = record.healthcheck.as_ref().map(|hc| {
        // Probes run as `exec` does: with the container's capabilities and seccomp filter.
        let confinement = runtime::Confinement::from_spec(&spec, Some(&store.root().join("cache"))).ok();
        HealthChecker::new(hc.clone(), record.health_on_failure, confinement, started)
    });
    drop(spec);
    sys::release_memory();
    pump(out_r, err_r, stdin_to, log, |now| {
        if let Some(c) = checker.as_mut() { c.tick(now, store, record, pid, &env, &cwd) } else { None }
    });
    // The output ended: its unfinished last line is written now, before the
    // exit is recorded, so that `wait` (or the API's) followed by `logs`
    // finds all of it.
    let _ = log.flush_partial();
    let health_restart = checker.as_mut().is_some_and(|c| {
        c.abort();
        c.fired && c.action == HealthOnFailure::Restart
    });
    let namespaces = process.take_namespaces();
    let exit = process.wait_exit();
    let _ = crate::network::detach(store, &record.id);
    let exit = exit?;
    Ok(RunEnd { code: exit.status.code(), oom: exit.oom_killed, health_restart, namespaces })
}

/// For a writer of a `-i` container's stdin from outside its monitor (the
/// API's `attach` with `stdin=1`): its stdin FIFO, created if missing (a
/// client attaches before it starts the container), opened read-write, so
/// the open never blocks and what is written waits in the pipe until the
/// monitor reads it. `None` for a container created without `-i`
/// (`OpenStdin`). Errors: the FIFO cannot be made or opened.
pub fn stdin_writer(store: &Store, record: &ContainerRecord) -> std::io::Result<Option<File>> {
    let open = record.spec["annotations"][super::spec::ANNOTATION_STDIN].as_str() == Some("true");
    if !open {
        return Ok(None);
    }
    open_stdin_fifo(&store.container_dir(&record.id)).map(|fd| Some(File::from(fd)))
}

/// The container's stdin FIFO (`containers/<id>/stdin`), created if
/// missing, opened read-write.
fn open_stdin_fifo(dir: &std::path::Path) -> std::io::Result<OwnedFd> {
    let path = dir.join("stdin");
    match nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)) {
        Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(std::fs::OpenOptions::new().read(true).write(true).open(&path)?.into())
}

/// Copies the container's stdout and stderr (`err` is `None` with a
/// console) into the log until both end, and `stdin_to`'s FIFO into its
/// console. `tick` runs at least as often as it asks (its return value: the
/// longest sleep before the next tick), for healthchecks.
fn pump(
    out: OwnedFd,
    err: Option<OwnedFd>,
    stdin_to: Option<(OwnedFd, OwnedFd)>,
    log: &mut LogWriter,
    mut tick: impl FnMut(Instant) -> Option<Duration>,
) {
    let mut open = [Some(out), err];
    let mut stdin_to = stdin_to;
    // Pages of the buffer are touched only as output arrives (no zeroing):
    // an idle container's monitor keeps them out of its RSS.
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    while open.iter().any(Option::is_some) {
        let wait = tick(Instant::now());
        let timeout = wait.map_or(PollTimeout::NONE, |d| {
            PollTimeout::try_from(d.as_millis().clamp(1, i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX)
        });
        // Which of the three sources is ready: stdout, stderr, the stdin FIFO.
        let mut ready = [false; 3];
        {
            let sources = [open[0].as_ref(), open[1].as_ref(), stdin_to.as_ref().map(|(f, _)| f)];
            let index: Vec<usize> = (0..3).filter(|&i| sources[i].is_some()).collect();
            let mut fds: Vec<PollFd> =
                sources.iter().flatten().map(|f| PollFd::new(f.as_fd(), PollFlags::POLLIN)).collect();
            match poll(&mut fds, timeout) {
                Ok(n) if n > 0 => {}
                _ => continue,
            }
            for (i, p) in index.iter().zip(&fds) {
                ready[*i] = p.revents().is_some_and(|r| !r.is_empty());
            }
        }
        if ready[2]
            && let Some((fifo, console)) = &stdin_to
        {
            buf.clear();
            match sys::read_spare(fifo.as_fd(), &mut buf) {
                Ok(r) if r > 0 => {
                    let _ = nix::unistd::write(console, &buf);
                }
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(_) => stdin_to = None,
            }
        }
        for (i, is_ready) in ready.iter().take(2).enumerate() {
            if !is_ready {
                continue;
            }
            let Some(fd) = open[i].as_ref() else { continue };
            buf.clear();
            match sys::read_spare(fd.as_fd(), &mut buf) {
                Ok(r) if r > 0 => {
                    let stream = if i == 0 { Stream::Stdout } else { Stream::Stderr };
                    let _ = log.write(stream, &buf);
                }
                Err(nix::errno::Errno::EINTR) => {}
                Ok(_) | Err(_) => open[i] = None,
            }
        }
    }
}

/// Runs a container's healthcheck on schedule and records the results in
/// its state, with docker's rules: `starting` until the first success;
/// failures inside the start period do not count; `unhealthy` after
/// `retries` consecutive failures; the last 5 probes kept. Once
/// unhealthy, it acts as `--health-on-failure` says (then probes no more
/// in this run).
struct HealthChecker {
    hc: Healthcheck,
    action: HealthOnFailure,
    confinement: Option<runtime::Confinement>,
    started: Instant,
    next: Instant,
    probe: Option<Probe>,
    /// The action was taken.
    fired: bool,
    /// When SIGKILL follows the stop signal (`restart`, `stop`).
    kill_at: Option<Instant>,
}

struct Probe {
    process: runtime::exec::ExecProcess,
    output: OwnedFd,
    buf: Vec<u8>,
    start: chrono::DateTime<Utc>,
    deadline: Instant,
}

const DEFAULT_HEALTH_NS: u64 = 30_000_000_000;

impl HealthChecker {
    fn new(
        hc: Healthcheck,
        action: HealthOnFailure,
        confinement: Option<runtime::Confinement>,
        started: Instant,
    ) -> HealthChecker {
        let interval = Duration::from_nanos(if hc.interval == 0 { DEFAULT_HEALTH_NS } else { hc.interval });
        HealthChecker {
            hc,
            action,
            confinement,
            started,
            next: started + interval,
            probe: None,
            fired: false,
            kill_at: None,
        }
    }

    /// After a probe's result: takes the `--health-on-failure` action once
    /// the container is unhealthy. `kill`: SIGKILL now; `restart` and
    /// `stop`: the stop signal now, SIGKILL after the stop timeout
    /// (`stop` also marks it stopped, so the restart policy leaves it).
    fn act(&mut self, unhealthy: bool, store: &Store, record: &ContainerRecord, pid: i32) {
        if !unhealthy || self.fired || self.action == HealthOnFailure::None {
            return;
        }
        self.fired = true;
        if self.action == HealthOnFailure::Stop {
            let _ = store.update_container_state(&record.id, |s| s.stopped_by_user = true);
        }
        let signal = if self.action == HealthOnFailure::Kill {
            nix::sys::signal::Signal::SIGKILL
        } else {
            let timeout = Duration::from_secs(record.stop_timeout.unwrap_or(10));
            self.kill_at = Some(Instant::now() + timeout);
            super::lifecycle::parse_signal(record.stop_signal.as_deref().unwrap_or("SIGTERM"))
                .unwrap_or(nix::sys::signal::Signal::SIGTERM)
        };
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
        events::container(store, "kill", record, &[("signal", &(signal as i32).to_string())]);
    }

    fn interval(&self) -> Duration {
        Duration::from_nanos(if self.hc.interval == 0 { DEFAULT_HEALTH_NS } else { self.hc.interval })
    }

    /// Starts a due probe, collects a finished one; returns how long the
    /// pump may sleep.
    fn tick(
        &mut self,
        now: Instant,
        store: &Store,
        record: &ContainerRecord,
        pid: i32,
        env: &[String],
        cwd: &str,
    ) -> Option<Duration> {
        if self.fired {
            // The action was taken: only a SIGKILL may be left to send.
            let at = self.kill_at?;
            if now < at {
                return Some(at - now);
            }
            self.kill_at = None;
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
            events::container(store, "kill", record, &[("signal", "9")]);
            return None;
        }
        if let Some(probe) = self.probe.as_mut() {
            let mut chunk = [0u8; 4096];
            // Non-blocking: EAGAIN while the probe runs and writes nothing.
            let r = nix::unistd::read(&probe.output, &mut chunk);
            if let Ok(n) = r
                && n > 0
                && probe.buf.len() < 4096
            {
                probe.buf.extend_from_slice(&chunk[..n]);
            }
            let exited = r == Ok(0) || !crate::store::process_alive(probe.process.joiner.pid(), None);
            if exited || now >= probe.deadline {
                let probe = self.probe.take().expect("probe present");
                let timed_out = !exited;
                let unhealthy = self.record(probe, timed_out, store, record);
                self.next = now + self.interval();
                sys::release_memory();
                self.act(unhealthy, store, record, pid);
                if self.fired {
                    return self.kill_at.map(|at| at.saturating_duration_since(now));
                }
            } else {
                return Some(Duration::from_millis(10));
            }
        }
        if now >= self.next {
            match self.start_probe(pid, env, cwd, record) {
                Ok(p) => {
                    self.probe = Some(p);
                    return Some(Duration::from_millis(10));
                }
                Err(e) => {
                    let at = Utc::now();
                    let unhealthy = self.store_result(
                        store,
                        record,
                        HealthProbe { start: at, end: at, exit_code: -1, output: e.to_string() },
                    );
                    self.next = now + self.interval();
                    self.act(unhealthy, store, record, pid);
                    if self.fired {
                        return self.kill_at.map(|at| at.saturating_duration_since(now));
                    }
                }
            }
        }
        Some(self.next.saturating_duration_since(now))
    }

    fn start_probe(
        &self,
        pid: i32,
        env: &[String],
        cwd: &str,
        record: &ContainerRecord,
    ) -> Result<Probe, runtime::Error> {
        let args = match self.hc.test.first().map(String::as_str) {
            Some("CMD-SHELL") => vec!["/bin/sh".into(), "-c".into(), self.hc.test[1..].join(" ")],
            Some("CMD") => self.hc.test[1..].to_vec(),
            _ => self.hc.test.clone(),
        };
        let (r, w) =
            pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).map_err(|e| runtime::Error::sys("create a pipe", e))?;
        let w2 = w.try_clone().map_err(|e| runtime::Error::io("dup a pipe", e))?;
        let process = runtime::exec::exec(
            pid,
            ExecRequest {
                args,
                env: env.to_vec(),
                cwd: cwd.to_string(),
                user: record.user.clone(),
                stdin: None,
                stdout: Some(w),
                stderr: Some(w2),
                tty: false,
                // Fail closed: never probe with more privileges than the container has.
                confinement: Some(self.confinement.clone().ok_or_else(|| {
                    runtime::Error::Spec("cannot load the container's capabilities and seccomp filter".into())
                })?),
            },
        )?;
        let timeout = Duration::from_nanos(if self.hc.timeout == 0 { DEFAULT_HEALTH_NS } else { self.hc.timeout });
        Ok(Probe { process, output: r, buf: Vec::new(), start: Utc::now(), deadline: Instant::now() + timeout })
    }

    /// Records a finished probe; returns true when the container is now unhealthy.
    fn record(&mut self, probe: Probe, timed_out: bool, store: &Store, record: &ContainerRecord) -> bool {
        let exit_code = if timed_out {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(probe.process.pid), nix::sys::signal::SIGKILL);
            let _ = probe.process.joiner.wait();
            -1
        } else {
            probe.process.joiner.wait().map(|s| s.code()).unwrap_or(-1)
        };
        let mut output = String::from_utf8_lossy(&probe.buf).into_owned();
        if timed_out {
            output = format!("Health check exceeded timeout ({}s)", self.hc.timeout.max(1) / 1_000_000_000);
        }
        self.store_result(store, record, HealthProbe { start: probe.start, end: Utc::now(), exit_code, output })
    }

    /// Records a probe's result; returns true when the container is now unhealthy.
    fn store_result(&self, store: &Store, record: &ContainerRecord, probe: HealthProbe) -> bool {
        let in_start_period = self.started.elapsed() < Duration::from_nanos(self.hc.start_period);
        let retries = if self.hc.retries == 0 { 3 } else { self.hc.retries };
        let state = store.update_container_state(&record.id, |s: &mut ContainerState| {
            let h =
                s.health.get_or_insert_with(|| Health { status: "starting".into(), failing_streak: 0, log: vec![] });
            if probe.exit_code == 0 {
                h.status = "healthy".into();
                h.failing_streak = 0;
            } else if !in_start_period || h.status != "starting" {
                h.failing_streak += 1;
                if h.failing_streak >= retries {
                    h.status = "unhealthy".into();
                }
            }
            h.log.push(probe);
            let excess = h.log.len().saturating_sub(5);
            h.log.drain(..excess);
        });
        state.ok().flatten().and_then(|s| s.health).is_some_and(|h| h.status == "unhealthy")
    }

    /// Kills a probe still running when the container ends.
    fn abort(&mut self) {
        if let Some(p) = self.probe.take() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p.process.pid), nix::sys::signal::SIGKILL);
            let _ = p.process.joiner.wait();
        }
    }
}
