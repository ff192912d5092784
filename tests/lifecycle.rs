//! Detached containers and their lifecycle without a daemon: `run -d`, the
//! monitor, `logs`, `stop`, `start`, `kill`, `wait`, restart policies,
//! healthchecks, a monitor killed with SIGKILL, and many containers at once.

use crate::common::{ImageBuilder, Rcon, Registry, code, eventually, stderr, stdout};
use std::time::{Duration, Instant};

fn busybox() -> (Registry, String) {
    let reg = Registry::start();
    let (reference, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "bb:latest");
    (reg, reference)
}

/// The STATUS column of the container named `name` in `ps -a`.
fn status(rcon: &Rcon, name: &str) -> String {
    let ps = rcon.ok(&["ps", "-a"]);
    let line = ps.lines().find(|l| l.ends_with(&format!(" {name}"))).unwrap_or_else(|| panic!("{name} not in:\n{ps}"));
    let header = ps.lines().next().unwrap();
    let start = header.find("STATUS").unwrap();
    let end = header.find("PORTS").unwrap();
    line[start..end].trim().to_string()
}

/// True if a process with this pid exists.
fn alive(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z ")
}

fn state(rcon: &Rcon, id: &str) -> serde_json::Value {
    rcon.container_state(id)
}

#[test]
fn detached_run_logs_stop_start_rm() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let script = "echo started; echo oops >&2; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done";
    let id = rcon.ok(&["run", "-d", "--name", "web", &image, "sh", "-c", script]).trim().to_string();
    assert_eq!(id.len(), 64, "run -d prints the full ID: {id:?}");
    assert!(status(&rcon, "web").starts_with("Up "), "{}", status(&rcon, "web"));
    assert_eq!(rcon.ok(&["ps", "-q"]).trim(), &id[..12]);

    eventually("logs show both streams", || {
        let out = rcon.cmd(&["logs", "web"]);
        stdout(&out) == "started\n" && stderr(&out) == "oops\n"
    });
    let ts = rcon.ok(&["logs", "-t", "web"]);
    assert!(ts.starts_with("20") && ts.contains("Z started"), "{ts}");

    // stop: the stop signal (SIGTERM) is trapped; the container exits 0.
    rcon.ok(&["stop", "web"]);
    assert!(status(&rcon, "web").starts_with("Exited (0) "), "{}", status(&rcon, "web"));
    assert_eq!(rcon.ok(&["logs", "web"]), "started\nbye\n");
    assert_eq!(rcon.ok(&["wait", "web"]).trim(), "0");

    // start runs it again with the same config; logs are appended.
    rcon.ok(&["start", "web"]);
    assert!(status(&rcon, "web").starts_with("Up "));
    eventually("second run logged", || {
        let out = rcon.cmd(&["logs", "web"]);
        stdout(&out).matches("started").count() == 2 && stderr(&out) == "oops\noops\n"
    });
    let tail = rcon.cmd(&["logs", "--tail", "2", "web"]);
    assert_eq!((stdout(&tail).as_str(), stderr(&tail).as_str()), ("started\n", "oops\n"));

    // rm refuses a running container; rm -f kills it and leaves nothing.
    let out = rcon.cmd(&["rm", "web"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out),
        format!(
            "Error response from daemon: You cannot remove a running container {id}. Stop the container before attempting removal or force remove\n"
        )
    );
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap() as i32;
    rcon.ok(&["rm", "-f", "web"]);
    eventually("container process gone", || !alive(pid));
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
}

#[test]
fn stop_escalates_to_sigkill_and_kill_sends_signals() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    // A shell as PID 1 ignores SIGTERM (no handler): stop must SIGKILL after the timeout.
    rcon.ok(&["run", "-d", "--name", "stubborn", &image, "sh", "-c", "while true; do sleep 0.1; done"]);
    let t = Instant::now();
    rcon.ok(&["stop", "-t", "1", "stubborn"]);
    assert!(t.elapsed() >= Duration::from_secs(1), "stop waited for the timeout");
    assert!(status(&rcon, "stubborn").starts_with("Exited (137)"), "{}", status(&rcon, "stubborn"));

    rcon.ok(&["run", "-d", "--name", "kk", &image, "sh", "-c", "trap 'exit 7' USR1; while true; do sleep 0.1; done"]);
    rcon.ok(&["kill", "-s", "USR1", "kk"]);
    assert_eq!(rcon.ok(&["wait", "kk"]).trim(), "7");
    let out = rcon.cmd(&["kill", "kk"]);
    assert_eq!(code(&out), 1, "kill of an exited container fails");
    assert!(stderr(&out).contains("is not running"), "{}", stderr(&out));
}

#[test]
fn wait_and_logs_follow() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&[
        "run",
        "-d",
        "--name",
        "ww",
        &image,
        "sh",
        "-c",
        "for i in 1 2 3; do echo line$i; sleep 0.2; done; exit 5",
    ]);
    let follow = rcon.command(&["logs", "-f", "ww"]).output().unwrap();
    assert_eq!(stdout(&follow), "line1\nline2\nline3\n", "logs -f follows until the container exits");
    assert_eq!(rcon.ok(&["wait", "ww"]).trim(), "5");
    assert!(status(&rcon, "ww").starts_with("Exited (5)"));
    let out = rcon.cmd(&["wait", "nosuch"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn a_failed_detached_start_reports_dockers_exit_codes() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let out = rcon.cmd(&["run", "-d", "--name", "bad", &image, "nosuch-command"]);
    assert_eq!(code(&out), 127, "{}", stderr(&out));
    assert!(stderr(&out).contains("executable file not found"), "{}", stderr(&out));
    let out = rcon.cmd(&["run", "-d", "--rm", &image, "nosuch-command"]);
    assert_eq!(code(&out), 127);
    assert_eq!(rcon.ok(&["ps", "-aq"]).lines().count(), 1, "the --rm one is gone, the other stays");
}

#[test]
fn restart_policy_on_failure_counts() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let id =
        rcon.ok(&["run", "-d", "--restart", "on-failure:2", "--name", "flaky", &image, "sh", "-c", "echo run; exit 3"]);
    let id = id.trim();
    assert_eq!(rcon.ok(&["wait", "flaky"]).trim(), "3");
    eventually("monitor done", || state(&rcon, id)["monitor_pid"].is_null());
    assert_eq!(state(&rcon, id)["restart_count"], 2);
    assert_eq!(rcon.ok(&["logs", "flaky"]), "run\nrun\nrun\n", "one run plus two restarts");

    // always: restarted after a clean exit too, until stopped.
    rcon.ok(&["run", "-d", "--restart", "always", "--name", "again", &image, "sh", "-c", "sleep 0.2"]);
    // By name: between two restarts it is not running, and `ps` leaves it out.
    let id2 = rcon.ok(&["inspect", "--format", "{{.Id}}", "again"]).trim().to_string();
    eventually("restarted twice", || state(&rcon, &id2)["restart_count"].as_u64().unwrap() >= 2);
    rcon.ok(&["stop", "again"]);
    let count = state(&rcon, &id2)["restart_count"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(state(&rcon, &id2)["restart_count"].as_u64().unwrap(), count, "a stopped container stays stopped");
    assert!(status(&rcon, "again").starts_with("Exited"));
}

#[test]
fn healthcheck_turns_healthy_then_unhealthy() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&[
        "run",
        "-d",
        "--name",
        "hc",
        "--health-cmd",
        "test -e /tmp/ok",
        "--health-interval",
        "200ms",
        "--health-retries",
        "2",
        &image,
        "sh",
        "-c",
        "touch /tmp/ok; sleep 100",
    ]);
    // Healthy until the test breaks the check: no window to catch by polling.
    eventually("healthy", || status(&rcon, "hc").contains("(healthy)"));
    rcon.ok(&["exec", "hc", "rm", "/tmp/ok"]);
    eventually("unhealthy", || status(&rcon, "hc").contains("(unhealthy)"));
    rcon.ok(&["rm", "-f", "hc"]);

    rcon.ok(&[
        "run",
        "-d",
        "--name",
        "slow",
        "--health-cmd",
        "true",
        "--health-interval",
        "30s",
        &image,
        "sleep",
        "100",
    ]);
    assert!(status(&rcon, "slow").contains("(health: starting)"), "{}", status(&rcon, "slow"));
}

/// podman's `--health-on-failure`: `restart` runs the container again
/// (whatever its restart policy), `kill` leaves it to its restart policy,
/// `stop` stops it for good. The check starts failing when the test
/// removes the file it tests; the command makes the file again on each run.
#[test]
fn health_on_failure_restarts_kills_or_stops() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let inspect = |name: &str, f: &str| rcon.ok(&["inspect", "--format", f, name]).trim().to_string();
    let run = |name: &str, action: &str, restart: &str| {
        rcon.ok(&[
            "run",
            "-d",
            "--name",
            name,
            "--restart",
            restart,
            "--stop-timeout",
            "1",
            "--health-cmd",
            "test -e /tmp/ok",
            "--health-interval",
            "200ms",
            "--health-retries",
            "2",
            "--health-on-failure",
            action,
            &image,
            "sh",
            "-c",
            "touch /tmp/ok; exec sleep 100",
        ]);
        eventually("healthy", || status(&rcon, name).contains("(healthy)"));
        assert_eq!(inspect(name, "{{.RestartCount}}"), "0");
        rcon.ok(&["exec", name, "rm", "/tmp/ok"]);
    };

    // restart, with restart policy `no`: it runs again, healthy again.
    run("hr", "restart", "no");
    assert_eq!(inspect("hr", "{{.Config.HealthcheckOnFailureAction}}"), "restart");
    eventually("restarted", || inspect("hr", "{{.RestartCount}}") != "0");
    eventually("healthy after the restart", || status(&rcon, "hr").contains("(healthy)"));
    rcon.ok(&["rm", "-f", "hr"]);

    // kill with restart policy `no`: dead with SIGKILL's code, not restarted.
    run("hk", "kill", "no");
    assert_eq!(rcon.ok(&["wait", "hk"]).trim(), "137");
    assert_eq!(inspect("hk", "{{.RestartCount}}"), "0");
    // kill with `on-failure`: the policy restarts it (exit code 137).
    run("hko", "kill", "on-failure");
    eventually("restarted by its policy", || inspect("hko", "{{.RestartCount}}") != "0");

    // stop, with restart policy `always`: it stays stopped.
    run("hs", "stop", "always");
    assert_ne!(rcon.ok(&["wait", "hs"]).trim(), "0");
    assert_eq!(inspect("hs", "{{.RestartCount}}"), "0");
    assert!(status(&rcon, "hs").starts_with("Exited"), "{}", status(&rcon, "hs"));

    let out = rcon.cmd(&["run", "-d", "--health-on-failure", "reboot", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("invalid health-on-failure action \"reboot\""), "{}", stderr(&out));
    rcon.ok(&["rm", "-f", "hk", "hko", "hs"]);
}

#[test]
fn a_killed_monitor_neither_hangs_nor_lies() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let id = rcon.ok(&["run", "-d", "--name", "orphan", &image, "sleep", "100"]).trim().to_string();
    let st = state(&rcon, &id);
    let (pid, monitor) = (st["pid"].as_i64().unwrap() as i32, st["monitor_pid"].as_i64().unwrap() as i32);
    // SAFETY: signalling the monitor this test started.
    unsafe { libc::kill(monitor, libc::SIGKILL) };
    eventually("monitor gone", || !alive(monitor));
    assert!(status(&rcon, "orphan").starts_with("Up "), "the container still runs: ps says so");
    rcon.ok(&["stop", "-t", "1", "orphan"]);
    assert!(!alive(pid));
    assert!(status(&rcon, "orphan").starts_with("Exited (137)"), "{}", status(&rcon, "orphan"));

    let id = rcon.ok(&["run", "-d", "--name", "orphan2", &image, "sleep", "100"]).trim().to_string();
    let st = state(&rcon, &id);
    let (pid, monitor) = (st["pid"].as_i64().unwrap() as i32, st["monitor_pid"].as_i64().unwrap() as i32);
    // SAFETY: kill(2) on integers.
    unsafe { libc::kill(monitor, libc::SIGKILL) };
    eventually("monitor gone", || !alive(monitor));
    rcon.ok(&["rm", "-f", "orphan2"]);
    eventually("no container process after rm -f", || !alive(pid));
}

#[test]
fn parallel_detached_runs_and_removals() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let runs: Vec<_> = (0..20).map(|_| rcon.spawn(&["run", "-d", &image, "sleep", "100"])).collect();
    let mut ids = Vec::new();
    for c in runs {
        let out = c.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let id = stdout(&out).trim().to_string();
        assert_eq!(id.len(), 64, "run -d prints the ID; stdout {:?}, stderr {:?}", stdout(&out), stderr(&out));
        ids.push(id);
    }
    let ps = rcon.ok(&["ps"]);
    assert_eq!(ps.lines().count(), 21, "{ps}");
    let names: std::collections::HashSet<&str> =
        ps.lines().skip(1).map(|l| l.split_whitespace().last().unwrap()).collect();
    assert_eq!(names.len(), 20, "unique names");
    let pids: Vec<i32> = ids.iter().map(|id| state(&rcon, id)["pid"].as_i64().unwrap() as i32).collect();
    let rms: Vec<_> = ids.iter().map(|id| rcon.spawn(&["rm", "-f", id])).collect();
    for c in rms {
        let out = c.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    eventually("all container processes gone", || pids.iter().all(|p| !alive(*p)));
    let left: Vec<_> = std::fs::read_dir(rcon.root.join("containers")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn exec_joins_the_running_container() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["run", "-d", "--name", "box", "-e", "FROM_RUN=1", "-w", "/tmp", &image, "sleep", "100"]);
    let out =
        rcon.ok(&["exec", "box", "sh", "-c", "echo $FROM_RUN; pwd; id -u; hostname; tr '\\0' ' ' < /proc/1/cmdline"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1", "the container's environment: {out}");
    assert_eq!(lines[1], "/tmp", "the container's working directory: {out}");
    assert_eq!(lines[2], "0");
    assert_eq!(lines[4].trim(), "sleep 100", "PID 1 is the container's init: {out}");
    let host_ns = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let out = rcon.ok(&["exec", "-e", "X=y", "-u", "1000", "-w", "/", "box", "sh", "-c", "echo $X $(id -u) $(pwd) $$"]);
    let fields: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(&fields[..3], ["y", "1000", "/"]);
    assert_ne!(fields[3], std::process::id().to_string(), "not in the host's PID namespace ({host_ns:?})");

    // The same confinement as the container: docker's default capabilities and seccomp.
    let status = rcon.ok(&["exec", "box", "grep", "-E", "^(CapEff|CapBnd|Seccomp):", "/proc/self/status"]);
    assert!(status.contains("CapEff:\t00000000a80425fb"), "{status}");
    assert!(status.contains("CapBnd:\t00000000a80425fb"), "{status}");
    assert!(status.contains("Seccomp:\t2"), "{status}");
    let out = rcon.cmd(&["exec", "box", "sh", "-c", "exit 4"]);
    assert_eq!(code(&out), 4, "exit code passes through");
    // docker 20.10: a failed exec start is 126, in runc's words.
    let out = rcon.cmd(&["exec", "box", "nosuch"]);
    assert_eq!(code(&out), 126, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH: unknown\r\n"
    );
    rcon.ok(&["exec", "-d", "box", "sh", "-c", "echo detached > /tmp/d"]);
    eventually("detached exec ran", || rcon.cmd(&["exec", "box", "cat", "/tmp/d"]).stdout == b"detached\n");

    rcon.ok(&["stop", "-t", "0", "box"]);
    let out = rcon.cmd(&["exec", "box", "true"]);
    let id = rcon.ok(&["inspect", "-f", "{{.Id}}", "box"]);
    assert_eq!(code(&out), 1, "docker's exit status: {}", stderr(&out));
    assert_eq!(stderr(&out), format!("Error response from daemon: Container {} is not running\n", id.trim()));
}

#[test]
fn inspect_and_ps_formats_and_filters() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["run", "-d", "--name", "up1", "--label", "tier=web", &image, "sleep", "100"]);
    let out = rcon.cmd(&["run", "--name", "down1", &image, "sh", "-c", "exit 2"]);
    assert_eq!(code(&out), 2);

    let inspect: serde_json::Value = serde_json::from_str(&rcon.ok(&["inspect", "up1"])).unwrap();
    let c = &inspect[0];
    assert_eq!(c["Name"], "/up1");
    assert_eq!(c["State"]["Status"], "running");
    assert_eq!(c["State"]["Running"], true);
    assert!(c["State"]["Pid"].as_i64().unwrap() > 0);
    assert_eq!(c["Config"]["Labels"]["tier"], "web");
    assert!(c["Id"].as_str().unwrap().len() == 64);
    assert!(c["Config"]["Env"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().starts_with("PATH=")));
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "down1"]), "exited 2\n");
    assert_eq!(rcon.ok(&["inspect", "--format", "{{json .Config.Labels}}", "up1"]), "{\"tier\":\"web\"}\n");
    let img: serde_json::Value = serde_json::from_str(&rcon.ok(&["inspect", "--type", "image", &image])).unwrap();
    assert!(img[0]["Id"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(img[0]["Os"], "linux");
    let out = rcon.cmd(&["inspect", "nosuch"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("No such object: nosuch"));

    assert_eq!(rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]), "down1\nup1\n", "newest first");
    assert_eq!(
        rcon.ok(&["ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.State}}"]),
        "down1 exited\n"
    );
    assert_eq!(rcon.ok(&["ps", "--filter", "label=tier=web", "-q"]).trim().len(), 12);
    assert_eq!(rcon.ok(&["ps", "-a", "--filter", "exited=2", "--format", "{{.Names}}"]), "down1\n");
    assert_eq!(rcon.ok(&["ps", "-a", "--filter", "name=up", "--filter", "name=down", "-q"]).lines().count(), 2);
    assert_eq!(rcon.ok(&["ps", "-a", "--filter", &format!("ancestor={image}"), "-q"]).lines().count(), 2);
    assert_eq!(rcon.ok(&["ps", "-l", "--format", "{{.Names}}"]), "down1\n");
    assert_eq!(rcon.ok(&["ps", "-n", "2", "-q"]).lines().count(), 2);
    let table = rcon.ok(&["ps", "-a", "--format", "table {{.Names}}\\t{{.Status}}"]);
    assert!(table.starts_with("NAMES     STATUS\n") || table.starts_with("NAMES"), "{table}");
    assert!(table.contains("down1     Exited (2)"), "{table}");
    let json_line = rcon.ok(&["ps", "--format", "json"]);
    let row: serde_json::Value = serde_json::from_str(json_line.trim()).unwrap();
    assert_eq!(row["Names"], "up1");
    assert!(row["Status"].as_str().unwrap().starts_with("Up"));
    assert!(rcon.ok(&["ps", "-s"]).lines().next().unwrap().ends_with("SIZE"));
    let out = rcon.cmd(&["ps", "--filter", "bogus=1"]);
    assert_eq!(code(&out), 1);

    let top = rcon.ok(&["top", "up1"]);
    assert!(top.lines().next().unwrap().contains("PID"), "{top}");
    assert!(top.contains("sleep 100"), "{top}");
    assert_eq!(top.lines().count(), 2, "only the container's processes: {top}");
    let stats = rcon.ok(&["stats", "--no-stream", "up1"]);
    assert!(stats.lines().nth(1).is_some_and(|l| l.contains("up1") && l.contains('%')), "{stats}");

    let pruned = rcon.ok(&["container", "prune", "-f"]);
    assert!(pruned.contains("Deleted Containers:") && pruned.contains("Total reclaimed space:"), "{pruned}");
    assert_eq!(rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]), "up1\n", "the running container stays");
}

#[test]
fn attach_forwards_stdin_and_detached_ttys_are_logged() {
    use std::io::Write;
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["run", "-d", "-i", "--name", "reader", &image, "sh", "-c", "read l; echo got $l; exit 3"]);
    let mut attach = rcon
        .command(&["attach", "reader"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    attach.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = attach.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "got hello\n");
    assert_eq!(code(&out), 3, "attach exits with the container's code");

    // start -a -i feeds a stopped -i container again.
    let mut start = rcon
        .command(&["start", "-a", "-i", "reader"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    start.stdin.take().unwrap().write_all(b"again\n").unwrap();
    let out = start.wait_with_output().unwrap();
    assert!(stdout(&out).ends_with("got again\n"), "{}", stdout(&out));
    assert_eq!(code(&out), 3);

    // -d -t: the console's output goes to the log.
    rcon.ok(&["run", "-d", "-t", "--name", "tty", &image, "sh", "-c", "tty; echo out"]);
    assert_eq!(rcon.ok(&["wait", "tty"]).trim(), "0");
    let logs = rcon.ok(&["logs", "tty"]);
    assert!(logs.contains("/dev/pts/0") && logs.contains("out"), "{logs:?}");
}

/// Pids of the processes whose command line has an argument equal to `arg`.
fn processes_with_arg(arg: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            cmdline.split(|&b| b == 0).any(|a| a == arg.as_bytes())
        })
        .collect()
}

#[test]
fn killing_run_detached_early_never_loses_the_container() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let (mut started, mut never_started, mut killed_mid_run, mut started_after_kill) = (0, 0, 0, 0);
    // How long one `run -d` takes on this machine now (the slowest of
    // three): the kills spread over that span whatever the load, not over
    // a fixed number of milliseconds.
    let span = (0..3)
        .map(|_| {
            let t0 = std::time::Instant::now();
            let id = rcon.ok(&["run", "-d", &image, "true"]);
            let ms = t0.elapsed().as_millis() as u64;
            rcon.ok(&["rm", "-f", id.trim()]);
            ms
        })
        .max()
        .unwrap();
    // Kills at moments spread over `run -d`'s life (0 to 110% of the
    // span), until 24 of them hit a running `run -d` (at most 72 tries).
    for i in 0..72u64 {
        if killed_mid_run >= 24 {
            break;
        }
        let delay = span * (i % 24) * 110 / (23 * 100);
        let name = format!("early{i}");
        let script = format!("echo out-{i}; echo err-{i} >&2; sleep 0.3; echo done-{i}; exit 7");
        let mut cli = rcon.spawn(&["run", "-d", "--name", &name, &image, "sh", "-c", &script]);
        // Fault injection: SIGKILL at moments spread over `run -d`'s life.
        std::thread::sleep(Duration::from_millis(delay));
        // SAFETY: killing the rcon this test started.
        unsafe { libc::kill(cli.id() as i32, libc::SIGKILL) };
        let status = cli.wait().unwrap();
        let killed = std::os::unix::process::ExitStatusExt::signal(&status) == Some(libc::SIGKILL);
        killed_mid_run += killed as u32;
        // Settle: no process of that `run` left (its forks carry its
        // arguments), and no monitor of the container.
        eventually("the killed run's processes are gone", || processes_with_arg(&name).is_empty());
        let inspect = rcon.cmd(&["inspect", "-f", "{{.Id}}", &name]);
        if code(&inspect) != 0 {
            never_started += 1; // killed before the container was created
            continue;
        }
        let id = stdout(&inspect).trim().to_string();
        eventually("the monitor is done", || processes_with_arg(&id).is_empty());
        let st = rcon.ok(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", &name]);
        let logs = rcon.cmd(&["logs", &name]);
        match st.trim() {
            "created 0" => {
                never_started += 1;
                assert!(stdout(&logs).is_empty(), "a container that never started has no logs");
            }
            "exited 7" => {
                started += 1;
                started_after_kill += killed as u32;
                assert_eq!(stdout(&logs), format!("out-{i}\ndone-{i}\n"), "logs of {name}");
                assert_eq!(stderr(&logs), format!("err-{i}\n"), "logs of {name}");
            }
            other => panic!("{name} after a kill of `run -d` at {delay} ms: {other}"),
        }
        rcon.ok(&["rm", "-f", &name]);
    }
    eprintln!(
        "kills within {span} ms: {killed_mid_run} mid-run; containers started {started} ({started_after_kill} of \
         them after their `run -d` was killed), never started {never_started}"
    );
    assert!(killed_mid_run >= 20, "only {killed_mid_run} kills hit a running `run -d`");
    assert!(started_after_kill >= 1, "some kills came after the monitor's start");
}

/// Runs `rcon ARGS` with stdout into `out` and returns (exit code, peak RSS
/// in KiB) from wait4(2)'s resource usage of that child (reaped there).
#[allow(clippy::zombie_processes)]
fn peak_rss(rcon: &Rcon, args: &[&str], out: &std::path::Path) -> (i32, i64) {
    let child = rcon
        .command(args)
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: zeroed rusage filled by wait4 on our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes `status` and `usage`, which outlive the call.
    let r = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(r, child.id() as i32, "wait4: {}", std::io::Error::last_os_error());
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

#[test]
fn logs_of_a_huge_log_run_in_constant_memory() {
    use std::io::Write;
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let id = rcon.ok(&["create", "--name", "big", &image, "true"]).trim().to_string();
    // 256 MiB of records in the log format, written directly: 1 KiB lines,
    // every 100th a partial of the line after it, then five known lines.
    let path = rcon.root.join("containers").join(&id).join("ctr.log");
    let mut log = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let payload = "x".repeat(980);
    let mut expected_bytes = 0u64;
    for i in 0..256 * 1024 {
        if i % 100 == 0 {
            writeln!(log, "2026-11-21T09:00:00.000000001Z stdout P {payload}").unwrap();
            expected_bytes += payload.len() as u64;
        }
        writeln!(log, "2026-11-21T09:00:00.000000001Z stdout F {payload}").unwrap();
        expected_bytes += payload.len() as u64 + 1;
    }
    for i in 1..=5 {
        writeln!(log, "2026-11-21T09:00:01.000000001Z stdout F last-{i}").unwrap();
        expected_bytes += 7;
    }
    log.flush().unwrap();
    drop(log);
    assert!(std::fs::metadata(&path).unwrap().len() > 256 << 20);
    let out = rcon.dir().join("out");
    // The baseline: the same commands on a container with a one-line log.
    // Most of a debug build's peak RSS is its own code, mapped from a page
    // cache that the rest of the suite keeps hot (fault-around maps more of
    // it then), so the bound is on the growth over the baseline, not on
    // the absolute figure.
    let small = rcon.ok(&["create", "--name", "small", &image, "true"]).trim().to_string();
    std::fs::write(
        rcon.root.join("containers").join(&small).join("ctr.log"),
        "2026-11-21T09:00:01.000000001Z stdout F last-1\n",
    )
    .unwrap();
    let baseline = |args: &[&str]| {
        let (code, rss_kib) = peak_rss(&rcon, args, &out);
        assert_eq!(code, 0);
        rss_kib
    };

    let base = baseline(&["logs", "--tail", "5", "small"]);
    let (code, rss_kib) = peak_rss(&rcon, &["logs", "--tail", "5", "big"], &out);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "last-1\nlast-2\nlast-3\nlast-4\nlast-5\n");
    assert!(
        rss_kib < base + 32 * 1024,
        "logs --tail 5 of a 256 MiB log peaked at {rss_kib} KiB, {base} KiB for a one-line log"
    );

    let base = baseline(&["logs", "small"]);
    let (code, rss_kib) = peak_rss(&rcon, &["logs", "big"], &out);
    assert_eq!(code, 0);
    assert_eq!(std::fs::metadata(&out).unwrap().len(), expected_bytes);
    assert!(rss_kib < base + 32 * 1024, "logs of a 256 MiB log peaked at {rss_kib} KiB, {base} KiB for a one-line log");
}
