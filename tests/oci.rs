//! `rcon oci`, the OCI Runtime Command Line Interface, on a bundle built
//! here (a busybox rootfs and a `config.json`): create → state `created`
//! (the init waits, not yet exec'd) → start → `running` → kill → `stopped`
//! → delete → "does not exist"; `delete --force`; refused operations; a
//! failing create leaves nothing; `--console-socket` receives the pty
//! master. Needs root, cgroups and `busybox-static`.
//!
//! The containers' inits are orphaned when `rcon oci create` exits and are
//! reaped by the host's init: the tests see them end as zombies or gone
//! (both `stopped`). The test process does not become a child subreaper: that
//! would keep other tests' orphans as its zombies.

use crate::common::{Rcon, busybox_entries, code, stderr, tar_bytes};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// A bundle (`rootfs/` from the busybox layer, `config.json`) and an `out/`
/// directory bind-mounted at `/out` in the container, in `rcon`'s temp dir.
struct Bundle {
    dir: PathBuf,
    out: PathBuf,
}

impl Bundle {
    fn new(rcon: &Rcon, name: &str, args: &[&str], terminal: bool) -> Bundle {
        let dir = rcon.dir().join(name);
        let rootfs = dir.join("rootfs");
        let out = dir.join("out");
        std::fs::create_dir_all(&rootfs).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        tar::Archive::new(&tar_bytes(&busybox_entries())[..]).unpack(&rootfs).unwrap();
        std::fs::create_dir_all(rootfs.join("out")).unwrap();
        let config = serde_json::json!({
            "ociVersion": "1.0.2",
            "process": {
                "terminal": terminal,
                "user": {"uid": 0, "gid": 0},
                "args": args,
                "env": ["PATH=/bin", "TERM=xterm"],
                "cwd": "/",
                "capabilities": {
                    "bounding": ["CAP_KILL", "CAP_CHOWN"],
                    "effective": ["CAP_KILL", "CAP_CHOWN"],
                    "permitted": ["CAP_KILL", "CAP_CHOWN"]
                },
                "noNewPrivileges": true
            },
            "root": {"path": "rootfs"},
            "hostname": "ocitest",
            "annotations": {"org.example.test": name},
            "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
                {"destination": "/out", "type": "bind", "source": "out", "options": ["rbind", "rw"]}
            ],
            "linux": {
                "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}],
                "maskedPaths": ["/proc/kcore"],
                "readonlyPaths": ["/proc/sys"]
            }
        });
        std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        Bundle { dir, out }
    }
}

/// A container ID unique to this test run.
fn unique(name: &str) -> String {
    format!("rcon-oci-test-{}-{name}", std::process::id())
}

/// `rcon oci ARGS…` with output captured (not for `create`, whose init
/// inherits stdout and stderr).
fn oci(rcon: &Rcon, args: &[&str]) -> Output {
    let mut a = vec!["oci"];
    a.extend_from_slice(args);
    rcon.cmd(&a)
}

#[track_caller]
fn oci_ok(rcon: &Rcon, args: &[&str]) -> String {
    let out = oci(rcon, args);
    assert_eq!(code(&out), 0, "rcon oci {args:?} failed:\n{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// `rcon oci create` with stdout and stderr to files in the bundle (the
/// container's process keeps them); returns (exit code, stderr text).
fn create(rcon: &Rcon, b: &Bundle, extra: &[&str], id: &str) -> (i32, String) {
    let err_path = b.dir.join("create.err");
    let err = std::fs::File::create(&err_path).unwrap();
    let outf = std::fs::File::create(b.dir.join("create.out")).unwrap();
    let mut a = vec!["oci", "create", "--bundle", b.dir.to_str().unwrap()];
    a.extend_from_slice(extra);
    a.push(id);
    let status = rcon.command(&a).stdout(outf).stderr(err).status().unwrap();
    let stderr = std::fs::read_to_string(err_path).unwrap();
    (status.code().unwrap_or_else(|| panic!("rcon oci create died: {status}; stderr: {stderr}")), stderr)
}

fn state(rcon: &Rcon, id: &str) -> serde_json::Value {
    serde_json::from_str(&oci_ok(rcon, &["state", id])).unwrap()
}

/// Polls `cond` every 10 ms for up to 30 s (a guard against hanging, not a
/// timing assertion).
#[track_caller]
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Deletes the container (force) on drop, even when the test failed.
struct Cleanup<'a> {
    rcon: &'a Rcon,
    id: String,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self
            .rcon
            .command(&["oci", "delete", "--force", &self.id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `pid` is gone or a zombie (its parent, the host's init, reaps it).
fn ended(pid: i32) -> bool {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    s.is_empty() || s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z'))
}

fn cgroup_dirs(id: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/sys/fs/cgroup").unwrap().flatten() {
        for p in [e.path().join("rcon-oci").join(id), Path::new("/sys/fs/cgroup/rcon-oci").join(id)] {
            if p.exists() {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn oci_lifecycle_create_start_kill_delete() {
    let rcon = Rcon::new();
    let script = "trap 'echo term > /out/term; exit 0' TERM; hostname > /out/started; \
                  while :; do sleep 0.05; done";
    let b = Bundle::new(&rcon, "life", &["sh", "-c", script], false);
    let id = unique("life");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let pid_file = b.dir.join("pid");

    let (c, err) = create(&rcon, &b, &["--pid-file", pid_file.to_str().unwrap()], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();

    let s = state(&rcon, &id);
    assert_eq!(s["status"], "created", "{s}");
    assert_eq!(s["id"], id.as_str());
    assert_eq!(s["pid"], pid);
    assert_eq!(s["bundle"], b.dir.canonicalize().unwrap().to_str().unwrap());
    assert_eq!(s["annotations"]["org.example.test"], "life");
    assert!(s["ociVersion"].as_str().unwrap().starts_with("1."), "{s}");
    // Created, not started: the init is alive and still rcon's code.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(String::from_utf8_lossy(&cmdline).contains("rcon"), "{cmdline:?}");
    assert!(!b.out.join("started").exists());

    oci_ok(&rcon, &["start", &id]);
    // (The file exists before the shell has written into it: wait for the content.)
    wait_for("the container's first write", || {
        std::fs::read_to_string(b.out.join("started")).is_ok_and(|s| s == "ocitest\n")
    });
    assert_eq!(state(&rcon, &id)["status"], "running");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(cmdline.starts_with(b"sh\0"), "{cmdline:?}");

    // Starting twice and deleting a running container are refused.
    let out = oci(&rcon, &["start", &id]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains(&format!("container {id}")) && stderr(&out).contains("running"), "{}", stderr(&out));
    let out = oci(&rcon, &["delete", &id]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains(&id), "{}", stderr(&out));

    // kill with the default signal, SIGTERM: the trap runs.
    oci_ok(&rcon, &["kill", &id]);
    wait_for("the container to stop", || state(&rcon, &id)["status"] == "stopped");
    assert_eq!(std::fs::read_to_string(b.out.join("term")).unwrap(), "term\n");
    let s = state(&rcon, &id);
    assert!(s.get("pid").is_none() || s["pid"] == 0, "{s}");
    let out = oci(&rcon, &["kill", &id, "KILL"]);
    assert_eq!(code(&out), 1, "kill of a stopped container");

    oci_ok(&rcon, &["delete", &id]);
    let out = oci(&rcon, &["state", &id]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains(&format!("container {id} does not exist")), "{}", stderr(&out));
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));
}

#[test]
fn oci_delete_force_kills_a_running_container_and_ids_are_unique() {
    let rcon = Rcon::new();
    let b = Bundle::new(&rcon, "force", &["sleep", "1000"], false);
    let id = unique("force");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap() as i32;
    assert!(!cgroup_dirs(&id).is_empty(), "the container has a cgroup");

    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 1);
    assert!(err.contains(&format!("container {id} already exists")), "{err}");

    oci_ok(&rcon, &["start", &id]);
    assert_eq!(state(&rcon, &id)["status"], "running");
    // PID 1 ignores SIGTERM without a handler: still running after it.
    oci_ok(&rcon, &["kill", &id, "SIGUSR1"]);
    oci_ok(&rcon, &["delete", "--force", &id]);
    assert_eq!(code(&oci(&rcon, &["state", &id])), 1);
    assert!(ended(pid), "the init outlived delete --force");
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));
}

#[test]
fn oci_delete_of_a_created_container_and_failed_create() {
    let rcon = Rcon::new();
    let b = Bundle::new(&rcon, "fail", &["nosuchcommand"], false);
    let id = unique("fail");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 127, "{err}");
    assert!(err.contains(&id) && err.contains("nosuchcommand"), "{err}");
    assert_eq!(code(&oci(&rcon, &["state", &id])), 1, "a failed create leaves no state");
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));

    // --log/--log-format json: the error as runc's JSON line, for shims.
    let log = rcon.dir().join("oci.log");
    let out = oci(&rcon, &["--log", log.to_str().unwrap(), "--log-format", "json", "state", &id]);
    assert_eq!(code(&out), 1);
    let line: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(line["level"], "error");
    assert_eq!(line["msg"], format!("container {id} does not exist"));

    // Missing bundle: one line naming the container.
    let out = rcon.cmd(&["oci", "create", "--bundle", "/nonexistent-bundle", &id]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains(&id) && stderr(&out).contains("/nonexistent-bundle"), "{}", stderr(&out));

    // A created container is not stopped: delete refuses it without
    // effect (runtime.md "delete"); --force kills it.
    let b = Bundle::new(&rcon, "created", &["sleep", "1000"], false);
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "{err}");
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap() as i32;
    let out = oci(&rcon, &["delete", &id]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains(&format!("cannot delete container {id}: it is created")), "{}", stderr(&out));
    assert_eq!(state(&rcon, &id)["status"], "created");
    assert!(!ended(pid), "a refused delete killed the init");
    oci_ok(&rcon, &["delete", "--force", &id]);
    assert!(ended(pid), "the created container's init outlived its delete");
    assert_eq!(code(&oci(&rcon, &["state", &id])), 1);
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));
}

#[test]
fn oci_console_socket_receives_the_pty_master() {
    let rcon = Rcon::new();
    let b = Bundle::new(&rcon, "tty", &["sh", "-c", "tty > /out/tty; echo hello-from-tty; sleep 1000"], true);
    let id = unique("tty");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };

    // terminal without a console socket is refused.
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 1);
    assert!(err.contains("--console-socket"), "{err}");

    let sock_path = rcon.dir().join("console.sock");
    let listener = UnixListener::bind(&sock_path).unwrap();
    let (c, err) = create(&rcon, &b, &["--console-socket", sock_path.to_str().unwrap()], &id);
    assert_eq!(c, 0, "{err}");
    assert_eq!(state(&rcon, &id)["status"], "created");
    let (conn, _) = listener.accept().unwrap();
    let master = recv_fd(&conn);

    oci_ok(&rcon, &["start", &id]);
    let mut seen = Vec::new();
    let t = Instant::now();
    while !String::from_utf8_lossy(&seen).contains("hello-from-tty") {
        assert!(t.elapsed() < Duration::from_secs(30), "no output on the console: {seen:?}");
        let mut pfd = libc::pollfd { fd: master.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: poll/read on the received master fd into a local buffer.
        if unsafe { libc::poll(&mut pfd, 1, 100) } == 1 {
            let mut buf = [0u8; 256];
            // SAFETY: read writes at most `buf.len()` bytes into `buf`.
            let n = unsafe { libc::read(master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            assert!(n > 0, "console read failed");
            seen.extend_from_slice(&buf[..n as usize]);
        }
    }
    wait_for("the tty name", || b.out.join("tty").metadata().is_ok_and(|m| m.len() > 0));
    assert!(std::fs::read_to_string(b.out.join("tty")).unwrap().starts_with("/dev/pts/"));
    oci_ok(&rcon, &["delete", "--force", &id]);
}

/// Receives one fd sent with `SCM_RIGHTS` on `conn`.
fn recv_fd(conn: &std::os::unix::net::UnixStream) -> OwnedFd {
    let mut data = [0u8; 256];
    let mut cbuf = [0u8; 64];
    let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
    // SAFETY: a zeroed msghdr pointing at local buffers; recvmsg fills them.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    msg.msg_controllen = cbuf.len();
    // SAFETY: `msg` points at `iov` and `cbuf`, which outlive the call.
    let n = unsafe { libc::recvmsg(conn.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
    assert!(n > 0, "recvmsg on the console socket: {}", std::io::Error::last_os_error());
    // SAFETY: walking the control messages recvmsg wrote.
    unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        assert!(!c.is_null() && (*c).cmsg_type == libc::SCM_RIGHTS, "no SCM_RIGHTS message");
        let fd = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const i32);
        OwnedFd::from_raw_fd(fd)
    }
}

/// Adds `hooks` (runtime-spec config.md "POSIX-platform Hooks") to the
/// bundle's config.json.
fn set_hooks(b: &Bundle, hooks: serde_json::Value) {
    let path = b.dir.join("config.json");
    let mut config: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    config["hooks"] = hooks;
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
}

/// A hook running the host's `/bin/sh -c SCRIPT` with `HOOKDIR` set.
fn sh_hook(b: &Bundle, script: &str) -> serde_json::Value {
    serde_json::json!({
        "path": "/bin/sh",
        "args": ["sh", "-c", script],
        "env": [format!("HOOKDIR={}", b.out.display())],
        "timeout": 30
    })
}

#[test]
fn oci_hooks_get_the_state_on_stdin_and_a_failing_one_fails_create() {
    let rcon = Rcon::new();
    let b = Bundle::new(&rcon, "hooks", &["sleep", "1000"], false);
    set_hooks(
        &b,
        serde_json::json!({
            "createRuntime": [sh_hook(&b, "cat > $HOOKDIR/createRuntime.json")],
            "prestart": [sh_hook(&b, "cat > $HOOKDIR/prestart.json")],
            // A failing poststart or poststop hook is a warning: the next ones run.
            "poststart": [sh_hook(&b, "exit 1"), sh_hook(&b, "cat > $HOOKDIR/poststart.json")],
            "poststop": [sh_hook(&b, "exit 2"), sh_hook(&b, "cat > $HOOKDIR/poststop.json")]
        }),
    );
    let id = unique("hooks");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap();
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(b.out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))).unwrap()
    };
    let s = read("createRuntime.json");
    assert_eq!(
        (s["id"].as_str(), s["status"].as_str(), s["pid"].as_i64()),
        (Some(id.as_str()), Some("creating"), Some(pid))
    );
    assert_eq!(read("prestart.json")["status"], "created");
    assert!(!b.out.join("poststart.json").exists());
    oci_ok(&rcon, &["start", &id]);
    assert_eq!(read("poststart.json")["status"], "running");
    oci_ok(&rcon, &["delete", "--force", &id]);
    assert_eq!(read("poststop.json")["status"], "stopped");

    set_hooks(&b, serde_json::json!({"createRuntime": [sh_hook(&b, "exit 3")]}));
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains(&id) && err.contains("createRuntime hook /bin/sh failed"), "{err}");
    assert_eq!(code(&oci(&rcon, &["state", &id])), 1, "a failed create leaves no state");
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));
}

/// Hooks run in runc's order (`prestart`, `createRuntime`,
/// `createContainer` in create; `poststart` in start; `poststop` in
/// delete), each list in its order; a hook past its `timeout` is killed and
/// fails create, which leaves nothing behind.
#[test]
fn oci_hook_order_and_timeout() {
    let rcon = Rcon::new();
    let b = Bundle::new(&rcon, "order", &["sleep", "1000"], false);
    let note = |tag: &str| sh_hook(&b, &format!("echo {tag} >> $HOOKDIR/order"));
    set_hooks(
        &b,
        serde_json::json!({
            "createContainer": [note("createContainer")],
            "poststop": [note("poststop")],
            "createRuntime": [note("createRuntime1"), note("createRuntime2")],
            "poststart": [note("poststart")],
            "prestart": [note("prestart")]
        }),
    );
    let id = unique("order");
    let guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let order = || std::fs::read_to_string(b.out.join("order")).unwrap_or_default();
    assert_eq!(order(), "prestart\ncreateRuntime1\ncreateRuntime2\ncreateContainer\n");
    oci_ok(&rcon, &["start", &id]);
    assert!(order().ends_with("createContainer\npoststart\n"), "{}", order());
    oci_ok(&rcon, &["delete", "--force", &id]);
    assert!(order().ends_with("poststart\npoststop\n"), "{}", order());
    drop(guard);

    // A hook that outlives its timeout (1 s) is killed and fails create.
    let tag = format!("rcon-hook-test-{}", std::process::id());
    let slow = serde_json::json!({"path": "/bin/sleep", "args": [tag, "1000"], "timeout": 1});
    set_hooks(&b, serde_json::json!({"createRuntime": [slow]}));
    let id = unique("timeout");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains(&id) && err.contains("createRuntime hook /bin/sleep timed out after 1 s"), "{err}");
    let hooks_left = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c.starts_with(tag.as_bytes())))
        .count();
    assert_eq!(hooks_left, 0, "the timed-out hook was killed");
    assert_eq!(code(&oci(&rcon, &["state", &id])), 1, "a failed create leaves no state");
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));
}

/// The pids in the container's cgroup (its first hierarchy with a
/// `cgroup.procs`).
fn cgroup_pids(id: &str) -> Vec<i32> {
    let dir = cgroup_dirs(id).into_iter().find(|d| d.join("cgroup.procs").exists()).expect("the container's cgroup");
    std::fs::read_to_string(dir.join("cgroup.procs")).unwrap().split_whitespace().map(|p| p.parse().unwrap()).collect()
}

/// `kill --all` signals every process of the container's cgroup, not only
/// its init: the init (a shell as PID 1, which the kernel shields from
/// SIGTERM without a handler) survives `kill --all ID TERM`, its two
/// background children do not.
#[test]
fn oci_kill_all_signals_every_process() {
    let rcon = Rcon::new();
    let script = "sleep 1001 & sleep 1002 & touch /out/ready; while true; do sleep 0.1; done";
    let b = Bundle::new(&rcon, "killall", &["sh", "-c", script], false);
    let id = unique("killall");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let init = state(&rcon, &id)["pid"].as_i64().unwrap() as i32;
    oci_ok(&rcon, &["start", &id]);
    wait_for("the children started", || b.out.join("ready").exists());
    let cmdline = |pid: i32| std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    // (The forks may not have exec'd `sleep` yet when `ready` appears.)
    let mut children: Vec<i32> = Vec::new();
    wait_for("the two sleeps run", || {
        children = cgroup_pids(&id)
            .into_iter()
            .filter(|p| [&b"sleep\x001001\x00"[..], b"sleep\x001002\x00"].contains(&cmdline(*p).as_slice()))
            .collect();
        children.len() == 2
    });

    oci_ok(&rcon, &["kill", "--all", &id, "TERM"]);
    wait_for("kill --all reached the children", || children.iter().all(|p| ended(*p)));
    assert!(!ended(init), "the init ignores SIGTERM");
    assert_eq!(state(&rcon, &id)["status"], "running");
    oci_ok(&rcon, &["kill", &id, "KILL"]);
    wait_for("the init is killed", || ended(init));
    wait_for("stopped", || state(&rcon, &id)["status"] == "stopped");
    oci_ok(&rcon, &["delete", &id]);
}

/// Edits the bundle's config.json with `f`.
fn edit_config(b: &Bundle, f: impl FnOnce(&mut serde_json::Value)) {
    let path = b.dir.join("config.json");
    let mut config: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    f(&mut config);
    std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
}

/// The inode link of `/proc/PID/ns/NAME`.
fn ns_link(pid: &str, name: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{name}")).unwrap().display().to_string()
}

/// Host ids 200000-265535 for the user namespace tests (nothing on a test
/// host owns them).
const USERNS_BASE: u32 = 200000;

#[test]
fn oci_new_user_namespace_gets_the_spec_mappings() {
    let rcon = Rcon::new();
    let script = "cat /proc/self/uid_map /proc/self/gid_map > /out/maps; id -u > /out/id; id -g >> /out/id; \
                  ls -ln /bin/busybox > /out/ls; grep -c . $(ls /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null | head -1) > /out/cgroup; \
                  touch /out/created; sleep 1000";
    let b = Bundle::new(&rcon, "userns", &["sh", "-c", script], false);
    edit_config(&b, |c| {
        let map = serde_json::json!([{"containerID": 0, "hostID": USERNS_BASE, "size": 65536}]);
        c["linux"]["uidMappings"] = map.clone();
        c["linux"]["gidMappings"] = map;
        c["linux"]["namespaces"].as_array_mut().unwrap().push(serde_json::json!({"type": "user"}));
        // sysfs, cgroups (no cgroup namespace: the container's directories
        // are bound) and mqueue, which have rules of their own in a user namespace.
        let mounts = c["mounts"].as_array_mut().unwrap();
        mounts.push(serde_json::json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}));
        mounts.push(serde_json::json!({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}));
        mounts.push(serde_json::json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]}));
        c["root"]["readonly"] = serde_json::json!(true);
    });
    // The container's root (host USERNS_BASE) writes to /out; the bundle
    // directory above the rootfs stays 0700 and owned by the host's root,
    // which is not mapped inside.
    std::os::unix::fs::chown(&b.out, Some(USERNS_BASE), Some(USERNS_BASE)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&b.dir, std::fs::Permissions::from_mode(0o700)).unwrap();

    let id = unique("userns");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap().to_string();
    // Created: the init is already in its own user namespace, mapped.
    assert_ne!(ns_link(&pid, "user"), ns_link("self", "user"), "the container shares the host's user namespace");
    let uid_map = std::fs::read_to_string(format!("/proc/{pid}/uid_map")).unwrap();
    assert_eq!(uid_map.split_whitespace().collect::<Vec<_>>(), ["0", "200000", "65536"], "{uid_map}");

    oci_ok(&rcon, &["start", &id]);
    wait_for("the container's files", || b.out.join("created").exists());
    let maps = std::fs::read_to_string(b.out.join("maps")).unwrap();
    let words: Vec<&str> = maps.split_whitespace().collect();
    assert_eq!(words, ["0", "200000", "65536", "0", "200000", "65536"], "{maps}");
    assert_eq!(std::fs::read_to_string(b.out.join("id")).unwrap(), "0\n0\n", "root inside");
    // The rootfs belongs to the host's root, which is nobody inside.
    let ls = std::fs::read_to_string(b.out.join("ls")).unwrap();
    assert!(ls.contains(" 65534 ") && ls.contains("busybox"), "{ls}");
    // The container's cgroup (bound, not the host's root) lists its processes.
    let n: u32 = std::fs::read_to_string(b.out.join("cgroup")).unwrap().trim().parse().unwrap();
    assert!((1..10).contains(&n), "{n} processes in the container's cgroup");
    // What the container's root creates belongs to the mapped host id.
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(b.out.join("created")).unwrap();
    assert_eq!((md.uid(), md.gid()), (USERNS_BASE, USERNS_BASE));
    oci_ok(&rcon, &["delete", "--force", &id]);
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));
}

#[test]
fn oci_joins_a_user_namespace_by_path_and_refuses_maps_without_one() {
    let rcon = Rcon::new();
    let map = serde_json::json!([{"containerID": 0, "hostID": USERNS_BASE, "size": 65536}]);
    let holder = Bundle::new(&rcon, "holder", &["sleep", "1000"], false);
    edit_config(&holder, |c| {
        c["linux"]["uidMappings"] = map.clone();
        c["linux"]["gidMappings"] = map.clone();
        c["linux"]["namespaces"].as_array_mut().unwrap().push(serde_json::json!({"type": "user"}));
    });
    let holder_id = unique("holder");
    let _g1 = Cleanup { rcon: &rcon, id: holder_id.clone() };
    let (c, err) = create(&rcon, &holder, &[], &holder_id);
    assert_eq!(c, 0, "create failed: {err}");
    let holder_pid = state(&rcon, &holder_id)["pid"].as_i64().unwrap().to_string();

    let script = "cat /proc/self/uid_map > /out/maps; id -u > /out/id; touch /out/created; sleep 1000";
    let b = Bundle::new(&rcon, "joiner", &["sh", "-c", script], false);
    edit_config(&b, |c| {
        let ns = c["linux"]["namespaces"].as_array_mut().unwrap();
        ns.push(serde_json::json!({"type": "user", "path": format!("/proc/{holder_pid}/ns/user")}));
    });
    std::os::unix::fs::chown(&b.out, Some(USERNS_BASE), Some(USERNS_BASE)).unwrap();
    let id = unique("joiner");
    let _g2 = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap().to_string();
    assert_eq!(ns_link(&pid, "user"), ns_link(&holder_pid, "user"));
    // Its other namespaces are new, and belong to the joined user namespace.
    for name in ["mnt", "pid", "net", "uts", "ipc"] {
        assert_ne!(ns_link(&pid, name), ns_link(&holder_pid, name), "{name}");
        assert_ne!(ns_link(&pid, name), ns_link("self", name), "{name}");
    }
    oci_ok(&rcon, &["start", &id]);
    wait_for("the container's files", || b.out.join("created").exists());
    let maps = std::fs::read_to_string(b.out.join("maps")).unwrap();
    assert_eq!(maps.split_whitespace().collect::<Vec<_>>(), ["0", "200000", "65536"], "{maps}");
    assert_eq!(std::fs::read_to_string(b.out.join("id")).unwrap(), "0\n");
    oci_ok(&rcon, &["delete", "--force", &id]);

    // Mappings without a user namespace are a spec error.
    let bad = Bundle::new(&rcon, "nouserns", &["true"], false);
    edit_config(&bad, |c| c["linux"]["uidMappings"] = map.clone());
    let bad_id = unique("nouserns");
    let (c, err) = create(&rcon, &bad, &[], &bad_id);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("linux.uidMappings") && err.contains("user namespace"), "{err}");
}

/// Mount points in the caller's mount namespace under `dir`.
fn mounts_under(dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter_map(|l| l.split(' ').nth(4).map(str::to_string))
        .filter(|mp| Path::new(mp).starts_with(&dir))
        .collect()
}

/// Runs the bundle's container through create/start, waits for it to end
/// (its script writes into /out) and deletes it; asserts nothing of it is
/// left (state, cgroup, mounts under the bundle).
#[track_caller]
fn run_to_end(rcon: &Rcon, b: &Bundle, id: &str) {
    let _guard = Cleanup { rcon, id: id.to_string() };
    let (c, err) = create(rcon, b, &[], id);
    assert_eq!(c, 0, "create failed: {err}");
    oci_ok(rcon, &["start", id]);
    wait_for("the container to end", || state(rcon, id)["status"] == "stopped");
    oci_ok(rcon, &["delete", id]);
    assert!(cgroup_dirs(id).is_empty(), "cgroup left: {:?}", cgroup_dirs(id));
    assert!(mounts_under(&b.dir).is_empty(), "mounts left: {:?}", mounts_under(&b.dir));
}

/// A create that must fail: returns its stderr; asserts that it left no
/// state, cgroup or mount.
#[track_caller]
fn create_fails(rcon: &Rcon, b: &Bundle, id: &str) -> String {
    let _guard = Cleanup { rcon, id: id.to_string() };
    let (c, err) = create(rcon, b, &[], id);
    assert_eq!(c, 1, "create should fail: {err}");
    assert!(err.contains(id), "{err}");
    assert_eq!(code(&oci(rcon, &["state", id])), 1, "a failed create leaves no state");
    assert!(cgroup_dirs(id).is_empty(), "cgroup left: {:?}", cgroup_dirs(id));
    assert!(mounts_under(&b.dir).is_empty(), "mounts left: {:?}", mounts_under(&b.dir));
    err
}

/// The optional fields (`shared:N`, `master:N`, `unbindable`) of the `/`
/// line of a mountinfo text.
fn root_propagation(mountinfo: &str) -> String {
    let line = mountinfo.lines().find(|l| l.split(' ').nth(4) == Some("/")).expect("a / line");
    let (left, _) = line.split_once(" - ").unwrap();
    left.split(' ').skip(6).collect::<Vec<_>>().join(" ")
}

#[test]
fn oci_rootfs_propagation_shared_and_unbindable_apply_to_the_container_root() {
    let rcon = Rcon::new();
    // (A slave root shows `master:N` only where the host's / is shared.)
    for (mode, expect) in [("shared", "shared:"), ("rshared", "shared:"), ("unbindable", "unbindable"), ("slave", "")] {
        let b = Bundle::new(&rcon, &format!("prop-{mode}"), &["sh", "-c", "cat /proc/self/mountinfo > /out/mi"], false);
        edit_config(&b, |c| c["linux"]["rootfsPropagation"] = mode.into());
        run_to_end(&rcon, &b, &unique(&format!("prop-{mode}")));
        let mi = std::fs::read_to_string(b.out.join("mi")).unwrap();
        let fields = root_propagation(&mi);
        assert!(fields.contains(expect), "rootfsPropagation {mode}: / has {fields:?}\n{mi}");
        if mode == "slave" {
            assert!(!fields.contains("shared:"), "rootfsPropagation {mode}: / has {fields:?}\n{mi}");
        }
        if mode != "slave" {
            // Never a peer of a host mount: nothing goes back to the host.
            let host = root_propagation(&std::fs::read_to_string("/proc/self/mountinfo").unwrap());
            let own: Vec<&str> = host.split(' ').filter(|f| f.starts_with("shared:")).collect();
            for f in own {
                assert!(!fields.split(' ').any(|x| x == f), "{mode}: the container's / is a peer of the host's ({f})");
            }
        }
    }
}

#[test]
fn oci_a_spec_denying_all_devices_keeps_the_default_ones_and_can_mknod() {
    let rcon = Rcon::new();
    let script = "echo x > /dev/null && head -c 4 /dev/zero > /out/zero && ls -l /dev/test1 > /out/dev";
    let b = Bundle::new(&rcon, "devs", &["sh", "-c", script], false);
    edit_config(&b, |c| {
        c["linux"]["resources"] = serde_json::json!({"devices": [{"allow": false, "access": "rwm"}]});
        c["linux"]["devices"] =
            serde_json::json!([{"path": "/dev/test1", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]);
    });
    run_to_end(&rcon, &b, &unique("devs"));
    assert_eq!(std::fs::read(b.out.join("zero")).unwrap(), vec![0u8; 4]);
    let dev = std::fs::read_to_string(b.out.join("dev")).unwrap();
    assert!(dev.starts_with("crw-rw-rw-") && dev.contains("1,   3"), "{dev}");
}

#[test]
fn oci_unknown_capabilities_and_unavailable_features_are_named() {
    let rcon = Rcon::new();
    let b = Bundle::new(&rcon, "refused", &["true"], false);
    edit_config(&b, |c| c["process"]["capabilities"]["bounding"] = serde_json::json!(["CAP_KILL", "CAP_NOPE"]));
    let err = create_fails(&rcon, &b, &unique("caps"));
    assert!(err.contains("unknown capability \"CAP_NOPE\" in process.capabilities.bounding"), "{err}");

    // SELinux labels are never applied by rcon: an error, not ignored.
    let b = Bundle::new(&rcon, "label", &["true"], false);
    edit_config(&b, |c| c["linux"]["mountLabel"] = "system_u:object_r:svirt_sandbox_file_t:s0:c1,c2".into());
    let err = create_fails(&rcon, &b, &unique("label"));
    assert!(err.contains("linux.mountLabel"), "{err}");

    // AppArmor: applied where the kernel has it, else refused by name.
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled").is_ok_and(|s| s.trim() == "Y");
    if !apparmor {
        let b = Bundle::new(&rcon, "aa", &["true"], false);
        edit_config(&b, |c| c["process"]["apparmorProfile"] = "acme_secure_profile".into());
        let err = create_fails(&rcon, &b, &unique("aa"));
        assert!(err.contains("process.apparmorProfile") && err.contains("acme_secure_profile"), "{err}");
    }

    // net_cls: written where a v1 hierarchy has it, else refused by name.
    let b = Bundle::new(&rcon, "netcls", &["sh", "-c", "cat /proc/self/cgroup > /out/cg"], false);
    edit_config(&b, |c| c["linux"]["resources"] = serde_json::json!({"network": {"classID": 1048577}}));
    let id = unique("netcls");
    if Path::new("/sys/fs/cgroup/net_cls/cgroup.procs").exists()
        || Path::new("/sys/fs/cgroup/net_cls,net_prio").exists()
    {
        run_to_end(&rcon, &b, &id);
    } else {
        let err = create_fails(&rcon, &b, &id);
        assert!(err.contains("linux.resources.network.classID") && err.contains("net_cls"), "{err}");
    }

    // blkio weights need BFQ: refused by name where the file is missing.
    let b = Bundle::new(&rcon, "weight", &["true"], false);
    edit_config(&b, |c| c["linux"]["resources"] = serde_json::json!({"blockIO": {"weight": 500}}));
    let weight_files = ["blkio/blkio.weight", "blkio/blkio.bfq.weight", "io.weight", "io.bfq.weight"];
    if !weight_files.iter().any(|f| Path::new("/sys/fs/cgroup").join(f).exists()) {
        let err = create_fails(&rcon, &b, &unique("weight"));
        assert!(err.contains("linux.resources.blockIO.weight"), "{err}");
    }
}

/// The cgroup2 mount that offers `hugetlb`, if any (a v2 or hybrid host).
fn v2_hugetlb_root() -> Option<PathBuf> {
    let mi = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    mi.lines()
        .filter(|l| l.split_once(" - ").is_some_and(|(_, r)| r.starts_with("cgroup2 ")))
        .filter_map(|l| l.split(' ').nth(4).map(PathBuf::from))
        .find(|root| std::fs::read_to_string(root.join("cgroup.controllers")).is_ok_and(|c| c.contains("hugetlb")))
}

#[test]
fn oci_hugepage_limits_are_written_and_a_bad_page_size_is_refused() {
    let rcon = Rcon::new();
    let v1 = Path::new("/sys/fs/cgroup/hugetlb/cgroup.procs").exists();
    let v2 = v2_hugetlb_root();
    assert!(v1 || v2.is_some(), "this test needs the hugetlb cgroup controller (v1 or v2)");
    assert!(Path::new("/sys/kernel/mm/hugepages/hugepages-2048kB").exists(), "this test needs 2MB huge pages");
    let id = unique("huge");
    let b = Bundle::new(&rcon, "huge", &["sleep", "1000"], false);
    let path = format!("/rcon-oci-test/{id}");
    edit_config(&b, |c| {
        c["linux"]["cgroupsPath"] = path.clone().into();
        c["linux"]["resources"] = serde_json::json!({"hugepageLimits": [{"pageSize": "2MB", "limit": 1073741824u64}]});
    });
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let file = if v1 {
        PathBuf::from(format!("/sys/fs/cgroup/hugetlb{path}/hugetlb.2MB.limit_in_bytes"))
    } else {
        v2.clone().unwrap().join(path.trim_start_matches('/')).join("hugetlb.2MB.max")
    };
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), "1073741824", "{}", file.display());
    oci_ok(&rcon, &["delete", "--force", &id]);
    assert!(!file.parent().unwrap().exists(), "cgroup left: {}", file.parent().unwrap().display());

    edit_config(&b, |c| {
        c["linux"]["resources"] = serde_json::json!({"hugepageLimits": [{"pageSize": "3MB", "limit": 1048576}]});
    });
    let err = create_fails(&rcon, &b, &id);
    assert!(err.contains("hugepageLimits") && err.contains("\"3MB\""), "{err}");
    assert!(!file.parent().unwrap().exists(), "cgroup left: {}", file.parent().unwrap().display());
    for root in [Some(PathBuf::from("/sys/fs/cgroup/hugetlb")), v2].into_iter().flatten() {
        let _ = std::fs::remove_dir(root.join("rcon-oci-test"));
    }
}

/// Kills and reaps the child on drop.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn oci_joins_an_existing_mount_namespace() {
    let rcon = Rcon::new();
    let holder = KillOnDrop(
        std::process::Command::new("unshare").args(["--mount", "sleep", "1000"]).spawn().expect("unshare (util-linux)"),
    );
    let ns = format!("/proc/{}/ns/mnt", holder.0.id());
    let own = std::fs::read_link("/proc/self/ns/mnt").unwrap();
    wait_for("unshare's mount namespace", || std::fs::read_link(&ns).is_ok_and(|l| l != own));
    let target = std::fs::read_link(&ns).unwrap();
    let b = Bundle::new(&rcon, "joinmnt", &["sleep", "1000"], false);
    edit_config(&b, |c| {
        c["linux"]["namespaces"] =
            serde_json::json!([{"type": "pid"}, {"type": "mount", "path": ns}, {"type": "ipc"}, {"type": "uts"}]);
    });
    let id = unique("joinmnt");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap();
    assert_eq!(std::fs::read_link(format!("/proc/{pid}/ns/mnt")).unwrap(), target);
    oci_ok(&rcon, &["delete", "--force", &id]);
    // Nothing was mounted in the caller's namespace.
    assert!(mounts_under(&b.dir).is_empty(), "mounts left: {:?}", mounts_under(&b.dir));
}

#[test]
fn oci_without_a_mount_namespace_mounts_nothing_on_the_host() {
    let rcon = Rcon::new();
    let script = "if touch /x 2>/dev/null; then echo writable; else echo read-only; fi > /out/ro; \
                  ls /proc/1 > /dev/null && echo proc > /out/proc; sleep 1000";
    let b = Bundle::new(&rcon, "nomnt", &["sh", "-c", script], false);
    edit_config(&b, |c| {
        c["linux"]["namespaces"] = serde_json::json!([{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}]);
        c["root"]["readonly"] = true.into();
    });
    let id = unique("nomnt");
    let _guard = Cleanup { rcon: &rcon, id: id.clone() };
    let (c, err) = create(&rcon, &b, &[], &id);
    assert_eq!(c, 0, "create failed: {err}");
    let pid = state(&rcon, &id)["pid"].as_i64().unwrap();
    // The container is in the caller's mount namespace…
    assert_eq!(
        std::fs::read_link(format!("/proc/{pid}/ns/mnt")).unwrap(),
        std::fs::read_link("/proc/self/ns/mnt").unwrap()
    );
    oci_ok(&rcon, &["start", &id]);
    wait_for("the container's report", || b.out.join("proc").metadata().is_ok_and(|m| m.len() > 0));
    // …with its own mounts (read-only root, /proc, the /out bind) that the
    // host does not see.
    assert_eq!(std::fs::read_to_string(b.out.join("ro")).unwrap(), "read-only\n");
    assert!(mounts_under(&b.dir).is_empty(), "mounts on the host: {:?}", mounts_under(&b.dir));
    oci_ok(&rcon, &["delete", "--force", &id]);
    assert!(mounts_under(&b.dir).is_empty(), "mounts left: {:?}", mounts_under(&b.dir));
    assert!(cgroup_dirs(&id).is_empty(), "cgroup left: {:?}", cgroup_dirs(&id));
}

/// Directories named `name` directly under a cgroup hierarchy root or
/// under rcon's own cgroup in it (v1 hierarchies and the cgroup2 tree).
fn cgroup_parents_named(name: &str) -> Vec<PathBuf> {
    let own: Vec<String> = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .filter_map(|l| l.splitn(3, ':').nth(2).map(str::to_string))
        .collect();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/sys/fs/cgroup").unwrap().flatten() {
        for base in own.iter().map(|o| e.path().join(o.trim_start_matches('/'))).chain([e.path()]) {
            if base.join(name).exists() {
                found.push(base.join(name));
            }
        }
    }
    found
}

#[test]
fn oci_delete_removes_the_cgroup_parents_it_created() {
    let rcon = Rcon::new();
    let top = format!("rcon-oci-parents-{}", std::process::id());
    // Relative (under rcon's own cgroup) and absolute paths; a create that
    // fails after making its directories too.
    for (n, path) in [format!("{top}/a/c1"), format!("/{top}/b/c2")].into_iter().enumerate() {
        let b = Bundle::new(&rcon, &format!("parents{n}"), &["true"], false);
        edit_config(&b, |c| c["linux"]["cgroupsPath"] = path.clone().into());
        run_to_end(&rcon, &b, &unique(&format!("parents{n}")));
        assert!(cgroup_parents_named(&top).is_empty(), "left: {:?}", cgroup_parents_named(&top));
    }
    let b = Bundle::new(&rcon, "parents-fail", &["true"], false);
    edit_config(&b, |c| {
        c["linux"]["cgroupsPath"] = format!("{top}/c/c3").into();
        c["linux"]["resources"] = serde_json::json!({"hugepageLimits": [{"pageSize": "3MB", "limit": 1048576}]});
    });
    create_fails(&rcon, &b, &unique("parents-fail"));
    assert!(cgroup_parents_named(&top).is_empty(), "left: {:?}", cgroup_parents_named(&top));
}
