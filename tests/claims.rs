//! README claims that had no test: `pause`/`unpause`, `restart`, a
//! detached `--rm` container removed after a normal exit, `--pull
//! always|never`, `RCON_ROOT`; restart backoff and its reset, a detached
//! OOM kill and the finish time, `kill` after the monitor died,
//! `--stop-timeout` and the image's `STOPSIGNAL`; the `ctr.log` format,
//! rotation through `--log-opt`, `logs --since/--until`; `exec -i` and
//! `exec -t`.

use crate::common::{ImageBuilder, Rcon, Registry, code, eventually, stderr, stdout};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::process::Stdio;

/// The value of the counter the container writes to /tmp/c, read from
/// its upper directory on the host (exec would freeze in a paused container).
fn counter(rcon: &Rcon, id: &str) -> u64 {
    std::fs::read_to_string(rcon.root.join("containers").join(id).join("upper/tmp/c"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// The freezer state of the container's init (`FROZEN`, `THAWED`; cgroup
/// v1 `freezer.state`, or v2 `cgroup.freeze` as `1`/`0`).
fn frozen(pid: i64) -> bool {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrl, path) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        let rel = path.trim_start_matches('/');
        if ctrl == "freezer" {
            let s = std::fs::read_to_string(format!("/sys/fs/cgroup/freezer/{rel}/freezer.state")).unwrap();
            return s.trim() == "FROZEN";
        }
        if ctrl.is_empty()
            && let Ok(s) = std::fs::read_to_string(format!("/sys/fs/cgroup/{rel}/cgroup.freeze"))
        {
            return s.trim() == "1";
        }
    }
    panic!("no freezer cgroup for pid {pid}:\n{text}");
}

fn init_pid(rcon: &Rcon, id: &str) -> i64 {
    rcon.container_state(id)["pid"].as_i64().unwrap()
}

#[test]
fn pause_unpause_restart_and_detached_rm() {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:1");
    let rcon = Rcon::new();
    let script = "i=0; while true; do i=$((i+1)); echo $i > /tmp/c; sleep 0.02; done";
    let id = rcon.ok(&["run", "-d", "--name", "pz", &image, "sh", "-c", script]).trim().to_string();
    eventually("the counter runs", || counter(&rcon, &id) > 0);
    let pid = init_pid(&rcon, &id);
    rcon.ok(&["pause", "pz"]);
    assert!(frozen(pid), "pause freezes the container's cgroup");
    assert!(rcon.ok(&["ps"]).contains("(Paused)"), "{}", rcon.ok(&["ps"]));
    rcon.ok(&["unpause", "pz"]);
    assert!(!frozen(pid));
    let before = counter(&rcon, &id);
    eventually("the counter runs again after unpause", || counter(&rcon, &id) > before);

    // restart: a new init, running, same container.
    rcon.ok(&["restart", "-t", "1", "pz"]);
    let new_pid = init_pid(&rcon, &id);
    assert_ne!(new_pid, pid, "restart starts a new process");
    assert!(rcon.ok(&["ps", "-q", "--no-trunc"]).contains(&id));
    rcon.ok(&["rm", "-f", "pz"]);

    // run -d --rm: removed by its monitor after a normal exit.
    let id = rcon.ok(&["run", "-d", "--rm", &image, "sh", "-c", "exit 0"]).trim().to_string();
    eventually("the --rm container is removed after it exits", || !rcon.root.join("containers").join(&id).exists());
    assert_eq!(rcon.ok(&["ps", "-aq"]), "");
}

/// `--pull missing` (the default) uses the stored image, `always` pulls the
/// tag's new content, `never` refuses an image that is not stored; and
/// `RCON_ROOT` selects the store like `--root`.
#[test]
fn pull_policies_and_rcon_root() {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().env("V=one").push(&reg, "pol:1");
    let rcon = Rcon::new();
    let v = |policy: &str| rcon.ok(&["run", "--rm", "--pull", policy, &image, "sh", "-c", "echo $V"]);
    assert_eq!(v("missing"), "one\n");
    ImageBuilder::new().busybox_layer().env("V=two").push(&reg, "pol:1");
    assert_eq!(v("missing"), "one\n", "missing: the stored image");
    assert_eq!(v("never"), "one\n");
    assert_eq!(v("always"), "two\n", "always: the registry's current image");
    let absent = format!("{}/absent:1", reg.addr);
    let out = rcon.cmd(&["run", "--rm", "--pull", "never", &absent, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).to_lowercase().contains("no such image"), "{}", stderr(&out));

    // RCON_ROOT instead of --root: the same store.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rcon"))
        .args(["--runroot", rcon.runroot.to_str().unwrap(), "images", "-q"])
        .env("RCON_ROOT", &rcon.root)
        .env("RCON_REGISTRIES_CONF", rcon.dir().join("registries.conf"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), rcon.ok(&["images", "-q"]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2, "both versions are stored");
}

fn busybox() -> (Registry, String) {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "bb:1");
    (reg, image)
}

/// (time, text) of each line `logs -t NAME` prints.
fn timed_lines(rcon: &Rcon, name: &str) -> Vec<(DateTime<Utc>, String)> {
    rcon.ok(&["logs", "-t", name])
        .lines()
        .map(|l| {
            let (t, text) = l.split_once(' ').unwrap_or_else(|| panic!("no time in {l:?}"));
            (DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{t:?}: {e}")).with_timezone(&Utc), text.into())
        })
        .collect()
}

/// docker's restart backoff: 100 ms doubling between quick failures, back to
/// 100 ms after a run of 10 s or more. Each run logs `start N` and `end N`;
/// runs 1-6 fail at once, run 7 lasts 10.5 s, run 8 stays up. The gap
/// before each restart is at least the backoff (lower bounds, which no
/// load can break); the gap after the long run (reset: 100 ms) is shorter
/// than the one before it (3.2 s), which no reset would make 6.4 s.
#[test]
fn restart_backoff_doubles_and_resets_after_10s() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let dir = tempfile::tempdir().unwrap();
    let script = "n=$(cat /s/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /s/n; echo start $n; \
                  if [ $n = 7 ]; then sleep 10.5; fi; if [ $n = 8 ]; then exec sleep 1000; fi; echo end $n; exit 1";
    let vol = format!("{}:/s", dir.path().display());
    rcon.ok(&["run", "-d", "--name", "bo", "--restart", "always", "-v", &vol, &image, "sh", "-c", script]);
    let mut lines = Vec::new();
    eventually("the 8th run started", || {
        lines = timed_lines(&rcon, "bo");
        lines.iter().any(|(_, t)| t == "start 8")
    });
    let at = |text: &str| lines.iter().find(|(_, t)| t == text).unwrap_or_else(|| panic!("{text} in {lines:?}")).0;
    let gap = |n: u32| (at(&format!("start {}", n + 1)) - at(&format!("end {n}"))).to_std().unwrap();
    for n in 1..=6 {
        let backoff = std::time::Duration::from_millis(100 << (n - 1));
        assert!(gap(n) >= backoff, "restart after run {n}: {:?} < backoff {backoff:?}", gap(n));
    }
    assert!(gap(7) < gap(6), "after 10 s of running the backoff is reset: {:?} vs {:?}", gap(7), gap(6));
    let inspect = rcon.ok(&["inspect", "-f", "{{.RestartCount}}", "bo"]);
    assert_eq!(inspect.trim(), "7");
    rcon.ok(&["rm", "-f", "bo"]);
}

/// A detached container killed by the OOM killer: exit 137, `OOMKilled`
/// true, `FinishedAt` after `StartedAt`; and `kill` of a container whose
/// monitor was killed still kills it and records the exit.
#[test]
fn detached_oom_finish_times_and_kill_without_monitor() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let hog = "x=aaaaaaaa; while true; do x=$x$x; done";
    rcon.ok(&["run", "-d", "--name", "oomd", "--memory", "8m", "--memory-swap", "8m", &image, "sh", "-c", hog]);
    assert_eq!(rcon.ok(&["wait", "oomd"]).trim(), "137");
    let out = rcon.ok(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}", "oomd"]);
    assert_eq!(out.trim(), "exited 137 true");
    let times = rcon.ok(&["inspect", "-f", "{{.State.StartedAt}} {{.State.FinishedAt}}", "oomd"]);
    let t: Vec<DateTime<Utc>> =
        times.split_whitespace().map(|t| DateTime::parse_from_rfc3339(t).unwrap().into()).collect();
    assert!(t[0].timestamp() > 1_700_000_000 && t[1] >= t[0], "{times}");

    let id = rcon.ok(&["run", "-d", "--name", "nomon", &image, "sleep", "1000"]).trim().to_string();
    let state = rcon.container_state(&id);
    let (pid, monitor) = (state["pid"].as_i64().unwrap() as i32, state["monitor_pid"].as_i64().unwrap() as i32);
    // The monitor is a process this test's rcon started.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(monitor), nix::sys::signal::Signal::SIGKILL).unwrap();
    eventually("the monitor is gone", || {
        std::fs::read_to_string(format!("/proc/{monitor}/stat")).map_or(true, |s| s.contains(") Z "))
    });
    rcon.ok(&["kill", "nomon"]);
    eventually("the container's init is gone", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z "))
    });
    eventually("kill recorded the exit", || {
        rcon.ok(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "nomon"]).trim() == "exited 137"
    });
    let finished = rcon.ok(&["inspect", "-f", "{{.State.FinishedAt}}", "nomon"]);
    assert!(!finished.starts_with("0001"), "{finished}");
}

/// `--stop-timeout` replaces stop's default 10 s, and the image's
/// `STOPSIGNAL` is what `stop` sends. The container traps SIGTERM and
/// takes 5 s to leave: with `--stop-timeout 2` it is killed (137) before
/// that, which the default of 10 s would not do.
#[test]
fn stop_timeout_and_image_stopsignal() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let slow = "trap 'sleep 5; exit 0' TERM; while true; do sleep 0.1; done";
    rcon.ok(&["run", "-d", "--name", "st", "--stop-timeout", "2", &image, "sh", "-c", slow]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.Config.StopTimeout}}", "st"]).trim(), "2");
    rcon.ok(&["stop", "st"]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.State.ExitCode}}", "st"]).trim(), "137");
    // `stop -t` still wins over --stop-timeout.
    rcon.ok(&["start", "st"]);
    rcon.ok(&["stop", "-t", "30", "st"]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.State.ExitCode}}", "st"]).trim(), "0");

    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {image}\nSTOPSIGNAL SIGUSR1\n")).unwrap();
    rcon.ok(&["build", "-q", "-t", "usr1:1", ctx.path().to_str().unwrap()]);
    let script = "trap 'exit 42' USR1; trap 'exit 15' TERM; while true; do sleep 0.1; done";
    rcon.ok(&["run", "-d", "--name", "sig", "usr1:1", "sh", "-c", script]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.Config.StopSignal}}", "sig"]).trim(), "SIGUSR1");
    rcon.ok(&["stop", "sig"]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.State.ExitCode}}", "sig"]).trim(), "42", "stop sent SIGUSR1");
}

/// `ctr.log` is in the CRI format (`<RFC 3339 ns time> <stream> <F|P>
/// <text>`), and `--log-opt max-size=1k,max-file=3` rotates it through
/// the CLI: three files of about 1 KiB, the newest lines kept.
#[test]
fn ctr_log_format_and_rotation_through_the_cli() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let id = rcon
        .ok(&["run", "-d", "--name", "fmt", &image, "sh", "-c", "echo out; echo err >&2; printf part"])
        .trim()
        .to_string();
    assert_eq!(rcon.ok(&["wait", "fmt"]).trim(), "0");
    let dir = rcon.root.join("containers").join(&id);
    let log = std::fs::read_to_string(dir.join("ctr.log")).unwrap();
    let mut records: Vec<(String, String, String)> = log
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, ' ').collect();
            assert_eq!(f.len(), 4, "{l:?}");
            let frac = f[0].split_once('.').map(|(_, r)| r.trim_end_matches('Z').len());
            assert_eq!(frac, Some(9), "nanoseconds: {l:?}");
            assert!(f[0].ends_with('Z') && DateTime::parse_from_rfc3339(f[0]).is_ok(), "{l:?}");
            (f[1].to_string(), f[2].to_string(), f[3].to_string())
        })
        .collect();
    records.sort();
    let want = [("stderr", "F", "err"), ("stdout", "F", "out"), ("stdout", "P", "part")];
    assert_eq!(records, want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())), "{log}");

    let script = "i=1; while [ $i -le 500 ]; do echo line $i; i=$((i+1)); done";
    let id = rcon
        .ok(&["run", "-d", "--name", "rot", "--log-opt", "max-size=1k,max-file=3", &image, "sh", "-c", script])
        .trim()
        .to_string();
    assert_eq!(rcon.ok(&["wait", "rot"]).trim(), "0");
    let dir = rcon.root.join("containers").join(&id);
    let mut logs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ctr.log"))
        .collect();
    logs.sort();
    assert_eq!(logs, ["ctr.log", "ctr.log.1", "ctr.log.2"]);
    for name in &logs[1..] {
        let size = std::fs::metadata(dir.join(name)).unwrap().len();
        assert!((1024..1024 + 128).contains(&size), "{name}: {size} bytes");
    }
    let kept = rcon.ok(&["logs", "rot"]);
    let n: Vec<u32> = kept.lines().map(|l| l.strip_prefix("line ").unwrap().parse().unwrap()).collect();
    assert_eq!(n.last(), Some(&500), "the newest line is kept");
    assert!(n.len() < 500 && n.windows(2).all(|w| w[1] == w[0] + 1), "a contiguous tail: {n:?}");
}

/// `logs --since` (inclusive) and `--until` (exclusive) with the times
/// `logs -t` prints. The container writes each line only once the test has
/// seen the one before (so each gets its own time).
#[test]
fn logs_since_and_until() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let script = "echo one; while [ ! -e /tmp/go2 ]; do sleep 0.05; done; echo two; \
                  while [ ! -e /tmp/go3 ]; do sleep 0.05; done; echo three; sleep 1000";
    rcon.ok(&["run", "-d", "--name", "tl", &image, "sh", "-c", script]);
    for (seen, go) in [("one\n", "/tmp/go2"), ("one\ntwo\n", "/tmp/go3")] {
        eventually(&format!("logs show {seen:?}"), || rcon.ok(&["logs", "tl"]) == seen);
        rcon.ok(&["exec", "tl", "touch", go]);
    }
    eventually("three lines", || rcon.ok(&["logs", "tl"]) == "one\ntwo\nthree\n");
    let lines = timed_lines(&rcon, "tl");
    let t = |i: usize| lines[i].0.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    assert!(lines[0].0 < lines[1].0 && lines[1].0 < lines[2].0, "{lines:?}");
    assert_eq!(rcon.ok(&["logs", "--since", &t(1), "tl"]), "two\nthree\n");
    assert_eq!(rcon.ok(&["logs", "--until", &t(1), "tl"]), "one\n");
    assert_eq!(rcon.ok(&["logs", "--since", &t(1), "--until", &t(2), "tl"]), "two\n");
    // Unix seconds with a fraction, and a duration, as docker takes them.
    let unix = format!("{}.{:09}", lines[2].0.timestamp(), lines[2].0.timestamp_subsec_nanos());
    assert_eq!(rcon.ok(&["logs", "--since", &unix, "tl"]), "three\n");
    assert_eq!(rcon.ok(&["logs", "--since", "1h", "tl"]), "one\ntwo\nthree\n");
    assert_eq!(rcon.ok(&["logs", "--until", "1h", "tl"]), "");
    rcon.ok(&["rm", "-f", "tl"]);
}

/// `exec -i` passes stdin; `exec -t` gives the process a terminal (even
/// when rcon has none); `exec -it` under a real pty (python's pty module)
/// passes the window size and input, and exits with the process's code.
#[test]
fn exec_interactive_and_tty() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["run", "-d", "--name", "ex", &image, "sleep", "1000"]);
    let mut child = rcon
        .command(&["exec", "-i", "ex", "sh", "-c", "read x; echo got $x; cat; test -t 0 || echo notty"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hello\nrest\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!((code(&out), stdout(&out).as_str()), (0, "got hello\nrest\nnotty\n"), "{}", stderr(&out));
    // Without -i the process's stdin is empty.
    let mut child = rcon.command(&["exec", "ex", "cat"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(b"ignored\n");
    assert_eq!(stdout(&child.wait_with_output().unwrap()), "");

    let out = rcon.ok(&["exec", "-t", "ex", "sh", "-c", "test -t 0 && test -t 1 && tty"]);
    assert!(out.starts_with("/dev/pts/") && out.ends_with("\r\n"), "{out:?}");

    let out =
        rcon.in_pty(&["exec", "-it", "ex", "sh", "-c", "stty size; read x; echo got:$x; exit 3"], (41, 97), "xyz");
    let text = stdout(&out);
    assert!(text.contains("41 97"), "window size not passed on: {text}\n{}", stderr(&out));
    assert!(text.contains("got:xyz"), "{text}\n{}", stderr(&out));
    assert!(text.trim_end().ends_with("\n3"), "the exec's exit code: {text}");
    rcon.ok(&["rm", "-f", "ex"]);
}
