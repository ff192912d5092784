//! The hardened runtime (issue 3) through `rcon run`, asserted from inside
//! the container: capabilities, seccomp, no-new-privileges, masked and
//! read-only paths, cgroup limits and cleanup, OOM, rlimits, users and
//! groups, tty, signals, `--init`, devices, sysctls, namespaces shared with
//! the host. Needs root, overlayfs, cgroups (v1 or v2), `docker-registry`,
//! `skopeo`, `busybox-static`, and `python3` (for the pty test).

use crate::common::{ImageBuilder, Rcon, Registry, code, run, run_ok, stderr, stdout};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn setup() -> (Registry, Rcon, String) {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "sec:latest");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    (reg, rcon, image)
}

fn status_field(rcon: &Rcon, image: &str, flags: &[&str], field: &str) -> String {
    let out = run_ok(rcon, image, flags, &["grep", &format!("^{field}:"), "/proc/self/status"]);
    out.split_whitespace().nth(1).unwrap_or_default().to_string()
}

#[test]
fn capabilities_seccomp_and_no_new_privileges_like_docker() {
    let (_reg, rcon, image) = setup();
    // docker's 14 default capabilities in bounding, effective and permitted.
    let out = run_ok(&rcon, &image, &[], &["grep", "-E", "^(Cap|Seccomp:|NoNewPrivs)", "/proc/self/status"]);
    assert!(out.contains("CapEff:\t00000000a80425fb"), "{out}");
    assert!(out.contains("CapPrm:\t00000000a80425fb"), "{out}");
    assert!(out.contains("CapBnd:\t00000000a80425fb"), "{out}");
    assert!(out.contains("CapInh:\t0000000000000000"), "{out}");
    assert!(out.contains("Seccomp:\t2"), "{out}");
    assert!(out.contains("NoNewPrivs:\t0"), "{out}");
    // A non-root user has no effective capabilities but the same bounding set.
    let out = run_ok(&rcon, &image, &["-u", "app"], &["grep", "-E", "^Cap(Eff|Bnd)", "/proc/self/status"]);
    assert_eq!(out, "CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\n");

    // --cap-add/--cap-drop, with or without CAP_, and ALL.
    assert_eq!(status_field(&rcon, &image, &["--cap-drop", "ALL"], "CapEff"), "0000000000000000");
    assert_eq!(status_field(&rcon, &image, &["--cap-drop", "all", "--cap-add", "chown"], "CapEff"), "0000000000000001");
    assert_eq!(status_field(&rcon, &image, &["--cap-drop", "CAP_CHOWN"], "CapEff"), "00000000a80425fa");
    assert_eq!(status_field(&rcon, &image, &["--cap-add", "SYS_ADMIN"], "CapEff"), "00000000a82425fb");
    let (c, _, err) = run(&rcon, &image, &["--cap-add", "NOPE"], &["true"]);
    assert_eq!(c, 125, "{err}");
    assert!(err.contains("unknown capability"), "{err}");

    // Seccomp enforces docker's profile: unshare and mount are refused
    // (EPERM) even with CAP_SYS_ADMIN dropped from the filter conditions.
    let (c, _, err) = run(&rcon, &image, &[], &["unshare", "-U", "true"]);
    assert_ne!(c, 0, "unshare worked under the default profile: {err}");
    assert!(err.contains("Operation not permitted"), "{err}");
    // Unconfined: no filter.
    assert_eq!(status_field(&rcon, &image, &["--security-opt", "seccomp=unconfined"], "Seccomp"), "0");
    // A custom profile in docker's format.
    let profile = rcon.dir().join("deny-mkdir.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}"#,
    )
    .unwrap();
    let opt = format!("seccomp={}", profile.display());
    let (c, _, err) = run(&rcon, &image, &["--security-opt", &opt], &["mkdir", "/x"]);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("Permission denied"), "{err}");

    // no-new-privileges.
    assert_eq!(status_field(&rcon, &image, &["--security-opt", "no-new-privileges"], "NoNewPrivs"), "1");
    assert_eq!(status_field(&rcon, &image, &["--security-opt", "no-new-privileges"], "Seccomp"), "2");

    // --privileged: every capability rcon has, no seccomp, no masks, rw /sys.
    let host_bnd = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:").map(|v| v.trim().to_string()))
        .unwrap();
    let script = "grep -E '^(CapEff|Seccomp):' /proc/self/status; wc -c < /proc/timer_list | tr -d ' '; \
        grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -c1-2";
    let out = run_ok(&rcon, &image, &["--privileged"], &["sh", "-c", script]);
    assert_eq!(out.lines().next().unwrap(), format!("CapEff:\t{host_bnd}"), "{out}");
    assert!(out.contains("Seccomp:\t0"), "{out}");
    assert!(out.ends_with("rw\n"), "{out}");
    assert_ne!(out.lines().nth(2), Some("0"), "{out}");
}

#[test]
fn masked_and_read_only_paths_and_read_only_root() {
    let (_reg, rcon, image) = setup();
    let script = "for p in /proc/kcore /proc/keys /proc/timer_list /proc/latency_stats /proc/sched_debug; do \
        test -e $p && echo $p $(wc -c < $p); done; find /proc/acpi /proc/scsi /sys/firmware -mindepth 1 2>/dev/null | wc -l; \
        for p in /proc/sys /proc/bus /proc/fs /proc/irq /proc/sysrq-trigger; do \
        grep -q \" $p [a-z]* ro,\" /proc/mounts && echo ro $p; done; \
        echo 1 > /proc/sys/kernel/ostype 2>/dev/null && echo writable; true";
    let out = run_ok(&rcon, &image, &[], &["sh", "-c", script]);
    for line in out.lines().filter(|l| l.starts_with("/proc/")) {
        assert!(line.ends_with(" 0"), "masked path not empty: {line}\n{out}");
    }
    assert!(out.contains("\n0\n") || out.starts_with("0\n"), "{out}");
    for p in ["/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"] {
        if std::path::Path::new(p).exists() {
            assert!(out.contains(&format!("ro {p}\n")), "{p} not read-only:\n{out}");
        }
    }
    assert!(!out.contains("writable"), "{out}");

    // --read-only root, with --tmpfs and /dev/shm still writable.
    let script = "touch /x 2>/dev/null && echo root-writable; touch /scratch/y && echo tmpfs-ok; \
        touch /dev/shm/z && echo shm-ok; grep ' /scratch ' /proc/mounts | cut -d' ' -f3,4";
    let out = run_ok(&rcon, &image, &["--read-only", "--tmpfs", "/scratch:size=1m,mode=1770"], &["sh", "-c", script]);
    assert!(!out.contains("root-writable"), "{out}");
    assert!(out.contains("tmpfs-ok\nshm-ok\ntmpfs rw,nosuid,nodev,noexec"), "{out}");
    assert!(out.contains("size=1024k") && out.contains("mode=1770"), "{out}");
    // --shm-size.
    let out = run_ok(&rcon, &image, &["--shm-size", "8m"], &["sh", "-c", "grep ' /dev/shm ' /proc/mounts"]);
    assert!(out.contains("size=8192k"), "{out}");
}

/// The cgroup directory of the container whose init is `pid`, for the
/// memory controller (v1) or the unified hierarchy (v2).
fn host_cgroup_dirs(rcon_pid: u32) -> Vec<String> {
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", rcon_pid)).unwrap();
    let init = children.split_whitespace().next().expect("rcon has a child");
    std::fs::read_to_string(format!("/proc/{init}/cgroup")).unwrap().lines().map(String::from).collect()
}

#[test]
fn cgroup_limits_are_visible_inside_and_removed_after() {
    let (_reg, rcon, image) = setup();
    let v2 = !std::path::Path::new("/sys/fs/cgroup/memory").exists();
    let flags = [
        "--memory",
        "64m",
        "--memory-swap",
        "128m",
        "--memory-reservation",
        "32m",
        "--cpus",
        "1.5",
        "--cpu-shares",
        "512",
        "--cpuset-cpus",
        "0",
        "--pids-limit",
        "42",
    ];
    let script = if v2 {
        "cd /sys/fs/cgroup; cat memory.max memory.swap.max memory.low cpu.max cpu.weight cpuset.cpus pids.max; \
         touch x 2>/dev/null && echo writable; cat /proc/self/cgroup"
    } else {
        "cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes \
         memory/memory.soft_limit_in_bytes cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares \
         cpuset/cpuset.cpus pids/pids.max; touch memory/x 2>/dev/null && echo writable; grep memory /proc/self/cgroup"
    };
    let out = run_ok(&rcon, &image, &flags, &["sh", "-c", script]);
    if v2 {
        assert!(out.starts_with("67108864\n67108864\n33554432\n150000 100000\n20\n0\n42\n"), "{out}");
        assert!(out.ends_with("0::/\n"), "cgroup namespace: {out}");
    } else {
        assert!(out.starts_with("67108864\n134217728\n33554432\n150000\n100000\n512\n0\n42\n"), "cgroup files:\n{out}");
        assert!(out.ends_with(":memory:/\n"), "cgroup namespace: {out}");
    }
    assert!(!out.contains("writable"), "{out}");

    // While running, the container is in rcon/<id> under rcon's own cgroup;
    // afterwards the directory is gone.
    let mut child = rcon.spawn(&["run", "--rm", "--pids-limit", "7", &image, "sh", "-c", "echo ready; exec sleep 60"]);
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let cgroups = host_cgroup_dirs(child.id());
    let pids_line = cgroups.iter().find(|l| l.contains("pids") || l.starts_with("0::")).unwrap().clone();
    let path = pids_line.splitn(3, ':').nth(2).unwrap().to_string();
    assert!(path.contains("/rcon/"), "{cgroups:?}");
    let dir = if v2 { format!("/sys/fs/cgroup{path}") } else { format!("/sys/fs/cgroup/pids{path}") };
    assert_eq!(std::fs::read_to_string(format!("{dir}/pids.max")).unwrap(), "7\n");
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap();
    let init: i32 = children.split_whitespace().next().unwrap().parse().unwrap();
    // SAFETY: SIGKILL to the container's init, started by this test (via rcon).
    unsafe { libc::kill(init, libc::SIGKILL) };
    child.wait().unwrap();
    for _ in 0..100 {
        if !std::path::Path::new(&dir).exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!std::path::Path::new(&dir).exists(), "{dir} left behind");

    // Bad values are rcon's errors, naming the flag.
    let (c, _, err) = run(&rcon, &image, &["--memory", "lots"], &["true"]);
    assert_eq!(c, 125);
    assert!(err.contains("--memory"), "{err}");
}

#[test]
fn oom_kill_is_137_and_recorded() {
    let (_reg, rcon, image) = setup();
    // 8 MiB of memory, no swap; the shell fills a tmpfs... use a string.
    let out = rcon.cmd(&[
        "run",
        "--name",
        "oom",
        "--memory",
        "8m",
        "--memory-swap",
        "8m",
        &image,
        "sh",
        "-c",
        "x=aaaaaaaa; while true; do x=$x$x; done",
    ]);
    assert_eq!(code(&out), 137, "{}", stderr(&out));
    let id = rcon.ok(&["inspect", "--format", "{{.Id}}", "oom"]);
    let state = rcon.container_state(id.trim()).to_string();
    assert!(state.contains("\"oom_killed\":true") || state.contains("\"oom_killed\": true"), "{state}");
    rcon.ok(&["rm", "oom"]);
}

/// True when this process has CAP_SYS_RESOURCE (bit 24 of `CapEff`).
fn has_cap_sys_resource() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let eff = status.lines().find_map(|l| l.strip_prefix("CapEff:")).unwrap().trim();
    u64::from_str_radix(eff, 16).unwrap() & (1 << 24) != 0
}

/// The kernel's maximum open-file limit (`fs.nr_open`).
fn nr_open() -> u64 {
    std::fs::read_to_string("/proc/sys/fs/nr_open").unwrap().trim().parse().unwrap()
}

#[test]
fn rlimits_are_inherited_and_settable() {
    let (_reg, rcon, image) = setup();
    // What a process started like rcon has (Rust's std restores the
    // original limits in children).
    let host = std::process::Command::new("sh").args(["-c", "ulimit -n; ulimit -Hn"]).output().unwrap();
    let host = stdout(&host);
    let out = run_ok(&rcon, &image, &[], &["sh", "-c", "ulimit -n; ulimit -Hn"]);
    assert_eq!(out, host);
    let hard: u64 = host.lines().nth(1).unwrap().parse().unwrap();
    let out = run_ok(&rcon, &image, &["--ulimit", "nofile=512:800"], &["sh", "-c", "ulimit -n; ulimit -Hn"]);
    assert_eq!(out, "512\n800\n");
    let out = run_ok(&rcon, &image, &["--ulimit", "nproc=100"], &["sh", "-c", "ulimit -u"]);
    assert_eq!(out, "100\n");
    // Above rcon's hard limit: allowed with CAP_SYS_RESOURCE (root
    // normally has it), else a clear error saying so. Each case is checked.
    let higher = hard.saturating_mul(2).min(nr_open());
    if higher > hard {
        let flag = format!("nofile={higher}:{higher}");
        let (c, out, err) = run(&rcon, &image, &["--ulimit", &flag], &["sh", "-c", "ulimit -Hn"]);
        if has_cap_sys_resource() {
            assert_eq!((c, out), (0, format!("{higher}\n")), "{err}");
        } else {
            assert_eq!(c, 125, "{err}");
            assert!(err.contains("RLIMIT_NOFILE") && err.contains("CAP_SYS_RESOURCE"), "{err}");
        }
    }
    // Above the kernel's maximum (fs.nr_open), refused even to root: a clear error.
    let too_high = format!("nofile={0}:{0}", nr_open() + 1);
    let (c, _, err) = run(&rcon, &image, &["--ulimit", &too_high], &["true"]);
    assert_eq!(c, 125, "{err}");
    assert!(err.contains("RLIMIT_NOFILE") && err.contains("/proc/sys/fs/nr_open"), "{err}");
    let (c, _, err) = run(&rcon, &image, &["--ulimit", "nofile=10:5"], &["true"]);
    assert_eq!(c, 125, "{err}");
}

#[test]
fn users_groups_and_group_add() {
    let (_reg, rcon, image) = setup();
    assert_eq!(
        run_ok(&rcon, &image, &["-u", "app", "--group-add", "nogroup", "--group-add", "4000"], &["id", "-G"]),
        "1000 50 4000 65534\n"
    );
    assert_eq!(run_ok(&rcon, &image, &["-u", "4242:4343", "--group-add", "staff"], &["id", "-G"]), "4343 50\n");
    let (c, _, err) = run(&rcon, &image, &["--group-add", "nosuchgroup"], &["true"]);
    assert_eq!(c, 125, "{err}");
    assert!(err.contains("unable to find group nosuchgroup"), "{err}");
    // HOME from passwd; root's default.
    assert_eq!(run_ok(&rcon, &image, &[], &["sh", "-c", "echo $HOME"]), "/root\n");
}

#[test]
fn tty_and_interactive_stdin() {
    let (_reg, rcon, image) = setup();
    // -i: stdin reaches the container; without -t stdout and stderr stay apart.
    let mut child = rcon
        .command(&["run", "--rm", "-i", &image, "sh", "-c", "read x; echo got $x; echo err >&2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!((code(&out), stdout(&out).as_str(), stderr(&out).as_str()), (0, "got hello\n", "err\n"));

    // -t without a terminal on rcon's side: the container still gets one.
    let out = run_ok(&rcon, &image, &["-t"], &["sh", "-c", "tty; test -t 0 && test -t 1 && echo tty; echo $TERM"]);
    assert_eq!(out, "/dev/pts/0\r\ntty\r\nxterm\r\n");

    // -it under a real pty (python's pty module): raw mode, window size,
    // and the caller's terminal restored afterwards.
    let out =
        rcon.in_pty(&["run", "--rm", "-it", &image, "sh", "-c", "stty size; read x; echo got:$x"], (33, 101), "abc");
    let text = stdout(&out);
    assert!(text.contains("33 101"), "window size not passed on: {text}\n{}", stderr(&out));
    assert!(text.contains("got:abc"), "{text}\n{}", stderr(&out));
    assert!(text.trim_end().ends_with("\n0"), "{text}");
}

#[test]
fn signals_are_forwarded_and_init_reaps_zombies() {
    let (_reg, rcon, image) = setup();
    // The signal proxy: SIGTERM to rcon reaches the container's PID 1.
    let mut child = rcon.spawn(&[
        "run",
        "--rm",
        &image,
        "sh",
        "-c",
        "trap 'echo term; exit 7' TERM; echo ready; while true; do sleep 0.1; done",
    ]);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: a signal to the rcon this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "term\n");
    assert_eq!(child.wait().unwrap().code(), Some(7));

    // --sig-proxy=false: rcon dies of the signal; pdeathsig takes the container with it.
    let mut child = rcon.spawn(&["run", "--rm", "--sig-proxy=false", &image, "sh", "-c", "echo ready; exec sleep 60"]);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let init: i32 = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id()))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // SAFETY: kill(2) on integers.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let st = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(libc::SIGTERM));
    // Dead means gone or a zombie (its new parent may reap it later).
    let alive = || {
        std::fs::read_to_string(format!("/proc/{init}/stat"))
            .is_ok_and(|st| !st.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')))
    };
    crate::common::eventually("the container dies with rcon", || !alive());

    // --init: PID 1 is rcon's init, the command is PID 2+, orphans are reaped,
    // the exit code comes through, and signals reach the command (which, not
    // being PID 1, dies of SIGTERM without a handler).
    // The orphan's death is waited for (until it is a zombie or gone), then
    // its reaping (up to 5 s): a check that cannot pass before it died.
    let script = "cat /proc/1/comm; echo $$; sh -c 'sleep 0.1 & echo $! > /tmp/orphan; exit 0'; p=$(cat /tmp/orphan); \
        while grep -q '^State:[[:space:]]*[^Z]' /proc/$p/status 2>/dev/null; do sleep 0.02; done; \
        i=0; while [ -e /proc/$p ] && [ $i -lt 250 ]; do sleep 0.02; i=$((i+1)); done; \
        if [ -e /proc/$p ]; then echo zombie; else echo reaped; fi; exit 3";
    let (c, out, err) = run(&rcon, &image, &["--init"], &["sh", "-c", script]);
    assert_eq!(c, 3, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "rcon-init", "{out}");
    assert_ne!(lines[1], "1", "{out}");
    assert_eq!(lines[2], "reaped", "the orphan stays a zombie: {out}");
    let mut child = rcon.spawn(&["run", "--rm", "--init", &image, "sh", "-c", "echo ready; exec sleep 60"]);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    // SAFETY: kill(2) on integers.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(143));
    // Without --init, errors still come through the init.
    let (c, _, err) = run(&rcon, &image, &["--init"], &["nosuch"]);
    assert_eq!(c, 127, "{err}");
}

#[test]
fn devices_sysctls_domainname_and_host_namespaces() {
    let (_reg, rcon, image) = setup();
    // --device: the node exists and may be used; others are refused by the
    // device cgroup even when created with mknod.
    let out = run_ok(
        &rcon,
        &image,
        &["--device", "/dev/loop-control:/dev/lc", "--device", "/dev/full:/dev/myfull:r"],
        &[
            "sh",
            "-c",
            "ls -l /dev/lc | cut -c1; head -c1 /dev/myfull | wc -c; echo x > /dev/myfull 2>/dev/null || echo no-write; \
          mknod /dev/sda8 b 8 8 && (head -c1 /dev/sda8 2>/dev/null || echo denied)",
        ],
    );
    assert_eq!(out, "c\n1\nno-write\ndenied\n");
    let (c, _, err) = run(&rcon, &image, &["--device", "/etc/passwd"], &["true"]);
    assert_eq!(c, 125, "{err}");
    assert!(err.contains("not a device"), "{err}");

    // --sysctl (namespaced only), --domainname.
    let out = run_ok(
        &rcon,
        &image,
        &["--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmni=1234", "--domainname", "example.org"],
        &[
            "sh",
            "-c",
            "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; domainname 2>/dev/null || cat /proc/sys/kernel/domainname",
        ],
    );
    assert_eq!(out, "1\n1234\nexample.org\n");
    let (c, _, err) = run(&rcon, &image, &["--sysctl", "kernel.panic=1"], &["true"]);
    assert_eq!(c, 125, "{err}");
    assert!(err.contains("kernel.panic") && err.contains("not allowed"), "{err}");

    // --pid host, --uts host, --ipc host.
    let host_uts = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let out = run_ok(
        &rcon,
        &image,
        &["--pid", "host", "--uts", "host", "--ipc", "host"],
        &["sh", "-c", "echo $$; hostname; readlink /proc/self/ns/ipc"],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_ne!(lines[0], "1", "{out}");
    assert_eq!(lines[1], host_uts.trim());
    assert_eq!(lines[2], std::fs::read_link("/proc/self/ns/ipc").unwrap().display().to_string());
}

/// A cgroup directory made by the device-rule test, removed (after killing
/// what is left in it) when dropped, also when the test fails.
struct TestCgroup(std::path::PathBuf);

impl Drop for TestCgroup {
    fn drop(&mut self) {
        for _ in 0..200 {
            if std::fs::remove_dir(&self.0).is_ok() || !self.0.exists() {
                return;
            }
            let procs = std::fs::read_to_string(self.0.join("cgroup.procs")).unwrap_or_default();
            for pid in procs.split_whitespace().filter_map(|p| p.parse::<i32>().ok()) {
                // SAFETY: kill(2) on the test's own child, still in the test's cgroup.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

#[test]
fn cgroup_v2_device_rules_are_enforced_by_ebpf() {
    use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceCgroupBuilder, LinuxDeviceType as T};
    use rcon::runtime::devices_bpf;
    // Any cgroup2 directory takes device programs, whatever its controllers
    // (this host is hybrid: cgroup2 holds only hugetlb).
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let mount = mountinfo
        .lines()
        .find_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            right.starts_with("cgroup2 ").then(|| left.split(' ').nth(4).unwrap().to_string())
        })
        .expect("no cgroup2 filesystem is mounted (needed for the device eBPF test)");
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let own = own.lines().find_map(|l| l.strip_prefix("0::")).expect("no cgroup2 line in /proc/self/cgroup");
    let base = std::path::Path::new(&mount).join(own.trim_start_matches('/'));
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let outer = TestCgroup(base.join(format!("rcon-devtest-{}-{nanos}", std::process::id())));
    std::fs::create_dir(&outer.0).unwrap();
    let inner = TestCgroup(outer.0.join("inner"));
    std::fs::create_dir(&inner.0).unwrap();

    let rule = |allow: bool, t: Option<T>, major: Option<i64>, minor: Option<i64>, access: &str| -> LinuxDeviceCgroup {
        let mut b = LinuxDeviceCgroupBuilder::default().allow(allow).access(access);
        if let Some(t) = t {
            b = b.typ(t);
        }
        if let Some(m) = major {
            b = b.major(m);
        }
        if let Some(m) = minor {
            b = b.minor(m);
        }
        b.build().unwrap()
    };
    // docker's default rules on the outer cgroup.
    let mut docker = vec![rule(false, None, None, None, "rwm"), rule(true, Some(T::C), None, None, "m")];
    docker.push(rule(true, Some(T::B), None, None, "m"));
    for (ma, mi) in [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (10, 200)] {
        docker.push(rule(true, Some(T::C), Some(ma), Some(mi), "rwm"));
    }
    docker.push(rule(true, Some(T::C), Some(136), None, "rwm"));
    devices_bpf::attach(&outer.0, &docker).unwrap();
    // The inner one also takes mknod away (programs of parents still run).
    devices_bpf::attach(
        &inner.0,
        &[rule(false, None, None, None, "rwm"), rule(true, Some(T::C), Some(1), Some(3), "rwm")],
    )
    .unwrap();
    // Errors name the cgroup.
    let err = devices_bpf::attach(std::path::Path::new("/nonexistent/cg"), &docker).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/cg"), "{err}");

    let run_in = |cg: &std::path::Path, script: &str| -> String {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(crate::common::BUSYBOX)
            .args(["sh", "-c", &format!("echo $$ > {}/cgroup.procs || exit 9\n{script}", cg.display())])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = run_in(
        &outer.0,
        "mknod null c 1 3 && echo x > null && head -c1 null && echo null-ok\n\
         mknod mem c 1 1 && { head -c1 mem 2>&1 || echo mem-denied; }\n\
         mknod sda b 8 0 && { head -c1 sda 2>&1 || echo sda-denied; }\n\
         { echo x > sda; } 2>&1 || echo sda-write-denied",
    );
    assert_eq!(
        out,
        "null-ok\nhead: mem: Operation not permitted\nmem-denied\nhead: sda: Operation not permitted\nsda-denied\n\
         sh: can't create sda: Operation not permitted\nsda-write-denied\n",
        "{out}"
    );
    let out = run_in(
        &inner.0,
        "mknod null c 1 3 && echo x > null && echo null-ok; mknod sda b 8 0 2>&1 || echo mknod-denied",
    );
    assert_eq!(out, "null-ok\nmknod: sda: Operation not permitted\nmknod-denied\n", "{out}");
    drop(inner);
    drop(outer);

    // The runtime's own path: a container cgroup created on a v2 layout
    // gets the program for its resources' device rules.
    use rcon::runtime::cgroups::{Cgroup, Layout};
    let mut res = oci_spec::runtime::LinuxResources::default();
    res.set_devices(Some(docker));
    let own_text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let path = format!("rcon-devtest-{}-{nanos}-rt", std::process::id());
    let cg = Cgroup::create(&Layout::V2(mount.into()), &path, &res, &own_text).unwrap();
    let guard = TestCgroup(cg.dirs[0].1.clone());
    let out =
        run_in(&guard.0, "mknod sda b 8 0 && { head -c1 sda 2>&1 || echo sda-denied; }; head -c1 /dev/zero | wc -c");
    assert_eq!(out, "head: sda: Operation not permitted\nsda-denied\n1\n", "{out}");
    cg.remove();
    drop(guard);
}

/// A static x86-64 program that issues the i386 system call `argv[1]`
/// through `int $0x80` (seccomp sees AUDIT_ARCH_I386) and prints its result
/// and the 64-bit `getpid()`. Built with gcc (Debian: `gcc`, `libc6-dev`).
fn int80_program() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("sys32.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long nr = argc > 1 ? atol(argv[1]) : 20, ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0), "S"(0), "D"(0) : "memory");
    printf("%ld %ld\n", ret, (long)getpid());
    return 0;
}
"#,
    )
    .unwrap();
    let bin = dir.path().join("sys32");
    let out = std::process::Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run gcc (install the Debian packages gcc and libc6-dev): {e}"));
    assert!(
        out.status.success(),
        "gcc -static failed (install the Debian packages gcc and libc6-dev):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&bin).unwrap()
}

#[test]
fn seccomp_default_profile_covers_i386_system_calls() {
    use crate::common::TarEntry;
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[TarEntry::file("bin/sys32", int80_program()).mode(0o755)])
        .cmd(&["sh"])
        .push(&reg, "sec32:latest");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    // docker's archMap gives x86-64 the sub-architectures i386 and x32: an
    // allowed call (getpid, i386 number 20) works, PID 1 in the container.
    assert_eq!(run_ok(&rcon, &image, &[], &["/bin/sys32", "20"]).trim(), "1 1");
    // Refused calls get EPERM on i386 too (kexec_load, i386 number 283).
    assert_eq!(run_ok(&rcon, &image, &[], &["/bin/sys32", "283"]).trim(), "-1 1");
    // mount (i386 21) is refused without CAP_SYS_ADMIN, like x86-64 mount.
    assert_eq!(run_ok(&rcon, &image, &[], &["/bin/sys32", "21"]).trim(), "-1 1");
    // Without seccomp, getpid goes through as well.
    assert_eq!(run_ok(&rcon, &image, &["--security-opt", "seccomp=unconfined"], &["/bin/sys32", "20"]).trim(), "1 1");
}

/// The attacker of the CVE-2019-5736 pattern, as a container's main
/// process: in rounds, it finds a process of the container that does not
/// run busybox (an rcon process: `rcon exec`'s helper, or the rcon that
/// `exec /proc/self/exe` started from it), writes straight through its
/// `/proc/PID/exe`, and holds that file open (read-only, in a `sleep`)
/// to write through the descriptor once the binary is no longer busy.
/// `/out/log` gets `held ROUND PID EXE` and `result ROUND written|ERROR`.
const EXE_ATTACKER: &str = r#"
round=0
while :; do
  round=$((round+1)); holder=
  while [ -z "$holder" ]; do
    for d in /proc/[0-9]*; do
      e=$(readlink $d/exe 2>/dev/null) || continue
      case "$e" in ""|/bin/busybox) continue;; esac
      echo PWNED 2>/dev/null >> $d/exe && echo "direct $round written" >> /out/log
      sleep 100000 3< $d/exe 2>/dev/null &
      h=$!
      while [ ! -e /proc/$h/fd/3 ] && [ -e /proc/$h/stat ]; do :; done
      if [ -e /proc/$h/fd/3 ]; then holder=$h; echo "held $round ${d#/proc/} $e" >> /out/log; break; fi
    done
  done
  while :; do
    if err=$( { echo PWNED >> /proc/$holder/fd/3; } 2>&1 ); then echo "result $round written" >> /out/log; break; fi
    case "$err" in *busy*) echo "$round" > /out/busy ;; *) echo "result $round $err" >> /out/log; break ;; esac
  done
  kill $holder
done
"#;

/// The pid of the monitor of container `id` (a process `rcon __monitor … ID`).
fn monitor_pid(id: &str) -> i32 {
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
        if args.get(1) == Some(&&b"__monitor"[..]) && args.contains(&id.as_bytes()) {
            return pid;
        }
    }
    panic!("no monitor process for container {id}")
}

fn file_sha256(path: &std::path::Path) -> String {
    crate::common::sha256_hex(&std::fs::read(path).unwrap())
}

/// One attack: `rcon exec -i CTR /proc/self/exe load` (the exec helper
/// re-executes its own binary inside the container, and `load` waits on
/// stdin); once the attacker holds the binary of that process, stdin
/// closes and the process ends. Returns the attacker's `result` line of
/// `round`.
fn exe_attack_round(
    cmd: &dyn Fn(&[&str]) -> std::process::Command,
    ctr: &str,
    out: &std::path::Path,
    round: u32,
) -> String {
    use std::io::Write;
    let log = || std::fs::read_to_string(out.join("log")).unwrap_or_default();
    let mut exec = cmd(&["exec", "-i", ctr, "/proc/self/exe", "load"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    crate::common::eventually("the attacker holds an rcon binary", || {
        log().lines().any(|l| l.starts_with(&format!("held {round} ")))
    });
    exec.stdin.take().unwrap().write_all(b"").unwrap();
    let done = exec.wait_with_output().unwrap();
    assert_ne!(code(&done), 0, "load of an empty stdin fails: {}", stderr(&done));
    let line = format!("result {round} ");
    crate::common::eventually("the attacker's write attempt", || log().lines().any(|l| l.starts_with(&line)));
    log().lines().find(|l| l.starts_with(&line)).unwrap().to_string()
}

#[test]
fn containers_cannot_write_rcon_binary_through_proc_exe() {
    let (_reg, rcon, image) = setup();
    // The attacks run against copies of rcon (never the binary under test).
    let bin_dir = rcon.dir().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    let real = std::path::Path::new(env!("CARGO_BIN_EXE_rcon"));
    let real_sha = file_sha256(real);
    for (protected, name) in [(true, "protected"), (false, "unprotected")] {
        let bin = bin_dir.join(name).join("rcon");
        std::fs::create_dir(bin.parent().unwrap()).unwrap();
        std::fs::copy(real, &bin).unwrap();
        let before = file_sha256(&bin);
        let cmd = |args: &[&str]| {
            let mut c = std::process::Command::new(&bin);
            c.arg("--root").arg(&rcon.root).arg("--runroot").arg(&rcon.runroot).args(args).stdin(Stdio::null());
            c.env_remove("RCON_ROOT").env_remove("RCON_RUNROOT").env_remove("RCON_INSECURE_WRITABLE_EXE");
            if !protected {
                c.env("RCON_INSECURE_WRITABLE_EXE", "1");
            }
            c
        };
        let out = rcon.dir().join(format!("out-{name}"));
        std::fs::create_dir(&out).unwrap();
        // The host's libraries, so that rcon itself can run in the container.
        let vol = format!("{}:/out", out.display());
        let run = cmd(&[
            "run",
            "-d",
            "--network",
            "none",
            "-v",
            &vol,
            "-v",
            "/usr/lib:/lib:ro",
            "-v",
            "/usr/lib64:/lib64:ro",
            &image,
            "sh",
            "-c",
            EXE_ATTACKER,
        ])
        .output()
        .unwrap();
        assert_eq!(code(&run), 0, "run -d: {}", stderr(&run));
        let id = stdout(&run).trim().to_string();
        let monitor = monitor_pid(&id);
        if protected {
            // With the monitor running, the binary stays busy: the attacker
            // holds it, and keeps failing with "Text file busy".
            let mut exec = cmd(&["exec", "-i", &id, "/proc/self/exe", "load"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            crate::common::eventually("the attacker holds an rcon binary", || {
                std::fs::read_to_string(out.join("log")).unwrap_or_default().starts_with("held 1 ")
            });
            drop(exec.stdin.take());
            let _ = exec.wait_with_output().unwrap();
            std::fs::remove_file(out.join("busy")).ok();
            crate::common::eventually("a write attempt after exec ended", || out.join("busy").exists());
            assert_eq!(file_sha256(&bin), before, "rcon's binary was written with its monitor running");
        }
        // SAFETY: killing the monitor this test started.
        unsafe { libc::kill(monitor, libc::SIGKILL) };
        crate::common::eventually("monitor gone", || {
            std::fs::read_to_string(format!("/proc/{monitor}/stat")).map_or(true, |s| s.contains(") Z "))
        });
        if protected {
            crate::common::eventually("the first round's result", || {
                std::fs::read_to_string(out.join("log")).unwrap().contains("result 1 ")
            });
            let log = std::fs::read_to_string(out.join("log")).unwrap();
            assert!(
                log.contains("result 1 Read-only file system") || log.contains("result 1 sh: can't create"),
                "{log}"
            );
            assert!(log.contains("Read-only file system"), "{log}");
            let second = exe_attack_round(&cmd, &id, &out, 2);
            assert!(second.contains("Read-only file system"), "without a monitor: {second}");
            let log = std::fs::read_to_string(out.join("log")).unwrap();
            assert!(!log.contains("written"), "the attacker wrote: {log}");
            assert_eq!(file_sha256(&bin), before, "rcon's binary was written:\n{log}");
        } else {
            // The same attack on an unprotected copy succeeds: the test sees it.
            let result = exe_attack_round(&cmd, &id, &out, 1);
            assert_eq!(result, "result 1 written");
            assert_ne!(file_sha256(&bin), before, "the unprotected copy was written");
        }
        let _ = cmd(&["rm", "-f", &id]).output();
    }
    assert_eq!(file_sha256(real), real_sha);
}
