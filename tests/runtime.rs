//! The OCI runtime end to end, through `rcon run`: output, exit codes and
//! docker's messages, the image config and flags (env, workdir, user,
//! entrypoint, hostname), the namespaces and filesystems a container sees,
//! and that nothing stays mounted on the host.
//!
//! These go through the `rcon` binary on purpose: the runtime clones a
//! fork-like child and must be called from a single-threaded process, which
//! the test harness is not (docs/ARCHITECTURE.md hazard 1). Needs root, a kernel with
//! overlayfs, `docker-registry`, `skopeo` and `busybox-static`.

use crate::common::{ImageBuilder, Rcon, Registry, code, run, run_ok, stderr, stdout};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// A registry with a busybox image built by `f` pushed as `rt:latest`, and a
/// store that has pulled it.
fn setup(f: impl FnOnce(ImageBuilder) -> ImageBuilder) -> (Registry, Rcon, String) {
    let reg = Registry::start();
    let (image, _) = f(ImageBuilder::new().busybox_layer()).push(&reg, "rt:latest");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    (reg, rcon, image)
}

/// Lines of the host's /proc/self/mountinfo that mention `needle`.
fn host_mounts_mentioning(needle: &str) -> Vec<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(needle))
        .map(String::from)
        .collect()
}

#[test]
fn output_passes_through_and_exit_codes_are_dockers() {
    let (_reg, rcon, image) = setup(|b| b.cmd(&["sh"]));
    assert_eq!(run_ok(&rcon, &image, &[], &["echo", "hello", "world"]), "hello world\n");
    let (c, out, err) = run(&rcon, &image, &[], &["sh", "-c", "echo out; echo err >&2"]);
    assert_eq!((c, out.as_str(), err.as_str()), (0, "out\n", "err\n"));

    assert_eq!(run(&rcon, &image, &[], &["false"]).0, 1);
    assert_eq!(run(&rcon, &image, &[], &["sh", "-c", "exit 32"]).0, 32);

    let (c, _, err) = run(&rcon, &image, &[], &["nosuch", "arg"]);
    assert_eq!(c, 127, "{err}");
    assert!(err.contains(r#"exec: "nosuch": executable file not found in $PATH"#), "{err}");
    let (c, _, err) = run(&rcon, &image, &[], &["/bin/nosuch"]);
    assert_eq!(c, 127, "{err}");
    assert!(err.contains(r#"exec: "/bin/nosuch": stat /bin/nosuch: no such file or directory"#), "{err}");

    // /etc/passwd exists but is not executable; /tmp is a directory (Go's
    // LookPath, so runc and docker: "permission denied" for both).
    let (c, _, err) = run(&rcon, &image, &[], &["/etc/passwd"]);
    assert_eq!(c, 126, "{err}");
    assert!(err.contains(r#"exec: "/etc/passwd": permission denied"#), "{err}");
    let (c, _, err) = run(&rcon, &image, &[], &["/tmp"]);
    assert_eq!(c, 126, "{err}");
    assert!(err.contains(r#"exec: "/tmp": permission denied"#), "{err}");
    // A script whose interpreter is missing: execve says ENOENT.
    let (c, _, err) = run(&rcon, &image, &[], &["sh", "-c", "printf '#!/nope\\n' > /s; chmod +x /s; exec /s"]);
    assert_eq!(c, 127, "{err}");

    // Setup failures are rcon's (125) and name what failed.
    let (c, _, err) = run(&rcon, &image, &["-u", "app2"], &["true"]);
    assert_eq!(c, 125, "{err}");
    assert!(err.contains("unable to find user app2: no matching entries in passwd file"), "{err}");
}

#[test]
fn killed_by_a_signal_is_128_plus_n() {
    let (_reg, rcon, image) = setup(|b| b);
    let mut child = rcon
        .command(&["run", "--rm", &image, "sh", "-c", "echo ready; exec sleep 60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // The container's init is rcon's only child.
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap();
    let init: i32 = children.split_whitespace().next().expect("rcon has a child").parse().unwrap();
    // SAFETY: kill(2) on the pid of a process this test started (via rcon).
    assert_eq!(unsafe { libc::kill(init, libc::SIGKILL) }, 0);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(137), "stderr:\n{}", stderr(&out));

    // Like docker: PID 1 ignores signals it has no handler for, even SIGKILL
    // sent from inside its own namespace, so `kill -9 $$` is not fatal.
    assert_eq!(run(&rcon, &image, &[], &["sh", "-c", "kill -9 $$; exit 3"]).0, 3);
}

#[test]
fn image_config_and_flags_apply_like_docker() {
    let (_reg, rcon, image) = setup(|b| b.env("FROM_IMAGE=img").env("SHARED=img").workdir("/data/work").user("app"));
    let env_file = rcon.dir().join("vars.env");
    std::fs::write(&env_file, "# comment\n\nFROM_FILE=file value\nSHARED=file\nFROM_HOST\n").unwrap();
    let env_file = env_file.to_str().unwrap();

    // The image's User, WorkingDir (created) and Env.
    let out =
        run_ok(&rcon, &image, &[], &["sh", "-c", "id -u; id -g; pwd; ls -ld . | cut -c1-10; echo $HOME $FROM_IMAGE"]);
    assert_eq!(out, "1000\n1000\n/data/work\ndrwxr-xr-x\n/home/app img\n");

    let out = rcon
        .command(&[
            "run",
            "--rm",
            "--env-file",
            env_file,
            "-e",
            "SHARED=flag",
            "-e",
            "FROM_HOST",
            "-e",
            "UNSET_ON_HOST",
            &image,
            "env",
        ])
        .env("FROM_HOST", "host")
        .env_remove("UNSET_ON_HOST")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let env = stdout(&out);
    let mut lines: Vec<&str> = env.lines().collect();
    lines.sort();
    let hostname = lines.iter().find_map(|l| l.strip_prefix("HOSTNAME=")).expect("HOSTNAME set");
    assert_eq!(hostname.len(), 12, "{env}");
    assert!(hostname.chars().all(|c| c.is_ascii_hexdigit()), "{env}");
    let expected = [
        "FROM_FILE=file value".to_string(),
        "FROM_HOST=host".into(),
        "FROM_IMAGE=img".into(),
        "HOME=/home/app".into(),
        format!("HOSTNAME={hostname}"),
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        "SHARED=flag".into(),
    ];
    assert_eq!(lines, expected, "{env}");

    // Flags override: -u, -w, --hostname, HOME from the environment.
    let script = "id -u; id -g; id -G; pwd; hostname; cat /etc/hostname; echo $HOME $HOSTNAME";
    let out =
        run_ok(&rcon, &image, &["-u", "0", "-w", "/", "--hostname", "box", "-e", "HOME=/h"], &["sh", "-c", script]);
    assert_eq!(out, "0\n0\n0\n/\nbox\nbox\n/h box\n");
    // docker 20.10: the primary group is among the supplementary ones.
    assert_eq!(run_ok(&rcon, &image, &["-u", "1000:1000"], &["id"]), "uid=1000(app) gid=1000(app) groups=1000(app)\n");
    assert_eq!(run_ok(&rcon, &image, &["-u", "4242"], &["id"]), "uid=4242 gid=0(root) groups=0(root)\n");
    assert_eq!(run_ok(&rcon, &image, &["-u", "app"], &["id", "-G"]), "1000 50\n");
    assert_eq!(run_ok(&rcon, &image, &["-u", "app:staff"], &["id", "-G"]), "50\n");
    assert_eq!(run_ok(&rcon, &image, &["-u", "nobody"], &["sh", "-c", "id -u; echo $HOME"]), "65534\n/nonexistent\n");
    assert_eq!(
        run_ok(&rcon, &image, &["-u", "4242:4343"], &["sh", "-c", "id -u; id -g; echo $HOME"]),
        "4242\n4343\n/\n"
    );
    let (c, _, err) = run(&rcon, &image, &["-u", "app:nogroup2"], &["true"]);
    assert_eq!(c, 125, "{err}");
    assert!(err.contains("unable to find group nogroup2"), "{err}");

    // --entrypoint replaces the entrypoint; COMMAND its arguments.
    assert_eq!(run_ok(&rcon, &image, &["--entrypoint", "echo"], &["a", "b"]), "a b\n");
    assert_eq!(run_ok(&rcon, &image, &["--entrypoint", "", "-u", "0"], &["pwd"]), "/data/work\n");
}

#[test]
fn entrypoint_and_cmd_combine() {
    let (_reg, rcon, image) = setup(|b| b.entrypoint(&["echo", "ep"]).cmd(&["default", "cmd"]));
    assert_eq!(run_ok(&rcon, &image, &[], &[]), "ep default cmd\n");
    assert_eq!(run_ok(&rcon, &image, &[], &["mine"]), "ep mine\n");
    assert_eq!(run_ok(&rcon, &image, &["--entrypoint", "echo"], &[]), "\n");
}

#[test]
fn namespaces_and_filesystems_are_the_containers_own() {
    let (_reg, rcon, image) = setup(|b| b);
    // PID namespace: the command is PID 1 and the only process; /proc is its own.
    assert_eq!(run_ok(&rcon, &image, &[], &["sh", "-c", "echo $$; echo /proc/[0-9]*"]), "1\n/proc/1\n");

    // Devices and /dev mounts.
    let script = "for d in null zero full random urandom tty; do test -c /dev/$d || echo no $d; done; \
        test -L /dev/ptmx && test -c /dev/pts/ptmx || echo no ptmx; \
        test -L /dev/fd || echo no fd; \
        echo x > /dev/null; head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c; \
        grep -E ' /dev/(pts|shm|mqueue) ' /proc/mounts | cut -d' ' -f2,3";
    assert_eq!(
        run_ok(&rcon, &image, &[], &["sh", "-c", script]),
        "4\n4\n/dev/pts devpts\n/dev/mqueue mqueue\n/dev/shm tmpfs\n"
    );

    // /sys read-only; network (`--network none`): loopback only, and up.
    let script = "touch /sys/x 2>/dev/null && echo writable; grep ' /sys ' /proc/mounts | cut -d' ' -f3,4 | cut -c1-8; \
        ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags";
    assert_eq!(run_ok(&rcon, &image, &["--network", "none"], &["sh", "-c", script]), "sysfs ro\nlo\nunknown\n0x9\n");

    // /proc hides what docker hides; /proc/sys is read-only.
    let script = "cat /proc/kcore | wc -c; echo 1 > /proc/sys/kernel/ostype 2>/dev/null && echo writable; \
        grep -c ' /proc/sys proc ro' /proc/mounts";
    assert_eq!(run_ok(&rcon, &image, &[], &["sh", "-c", script]), "0\n1\n");

    // /etc files provided by rcon, the hostname in them; the rootfs is writable.
    let script = "hostname; cat /etc/hostname; grep -c \"$(hostname)\" /etc/hosts; test -s /etc/resolv.conf && echo resolv; \
        echo hi > /newfile && cat /newfile";
    let out = run_ok(&rcon, &image, &["--hostname", "h1"], &["sh", "-c", script]);
    assert_eq!(out, "h1\nh1\n1\nresolv\nhi\n");

    // The exec'd command starts with default signal dispositions and an
    // empty mask (rcon itself ignores SIGPIPE) and no extra fds.
    let out = run_ok(&rcon, &image, &[], &["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]);
    assert_eq!(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    assert_eq!(run_ok(&rcon, &image, &[], &["ls", "/proc/self/fd"]), "0\n1\n2\n3\n");
    assert_eq!(run_ok(&rcon, &image, &[], &["sh", "-c", "read x; echo \"[$x]\" $?"]), "[] 1\n");
}

#[test]
fn nothing_stays_mounted_on_the_host() {
    let (_reg, rcon, image) = setup(|b| b);
    let root = rcon.root.to_str().unwrap().to_string();
    assert!(host_mounts_mentioning(&root).is_empty());

    // While a container runs, its overlay and mounts are only in its own
    // mount namespace.
    let mut child = rcon
        .command(&["run", "--rm", &image, "sh", "-c", "echo ready; exec sleep 60"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let during = host_mounts_mentioning(&root);
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap();
    let init: i32 = children.split_whitespace().next().expect("rcon has a child").parse().unwrap();
    let inside = std::fs::read_to_string(format!("/proc/{init}/mountinfo")).unwrap();
    // SAFETY: kill(2) on the pid of a process this test started (via rcon).
    unsafe { libc::kill(init, libc::SIGKILL) };
    child.wait().unwrap();
    assert!(during.is_empty(), "container mounts visible on the host:\n{}", during.join("\n"));
    assert!(inside.contains(" / / ") && inside.contains("overlay"), "{inside}");
    // --rm: the throw-away upper dir is mounted volatile (no syncs).
    assert!(inside.lines().any(|l| l.contains(" / / ") && l.contains("volatile")), "{inside}");

    for args in [&["true"][..], &["sh", "-c", "exit 5"], &["nosuch"]] {
        run(&rcon, &image, &[], args);
    }
    assert!(host_mounts_mentioning(&root).is_empty(), "{:?}", host_mounts_mentioning(&root));
    let after = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!after.contains(&root), "{after}");
}
