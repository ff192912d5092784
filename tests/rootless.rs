//! User namespaces (issue 14): for root, `run --userns=auto` takes a free
//! range from the `containers` entries of /etc/subuid and /etc/subgid, the
//! image's layers show their owners inside through idmapped mounts, and
//! what the container writes belongs to the mapped host ids.
//!
//! The tests add their own lines to /etc/subuid and /etc/subgid and remove
//! exactly those lines afterwards, also when they fail ([`SubidLines`]).
//! Needs root, `docker-registry`, `skopeo`, `busybox-static` and a kernel
//! with idmapped mounts and overlayfs layers given as fds (Linux 6.13).

use crate::common::{ImageBuilder, Rcon, Registry, code, stderr, stdout};
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;

/// Serializes the edits of /etc/subuid and /etc/subgid within this test
/// binary; [`lock_subid_files`] does it between test processes.
static SUBID_FILES: Mutex<()> = Mutex::new(());

/// An exclusive `flock` on /etc/subuid for one edit of both files, so that
/// two test binaries running at once (several checkouts) do not lose each
/// other's lines. The files are rewritten in place, so the lock's inode
/// stays the same.
fn lock_subid_files() -> std::fs::File {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open("/etc/subuid")
        .expect("open /etc/subuid");
    f.lock().expect("lock /etc/subuid");
    f
}

/// Lines added to /etc/subuid and /etc/subgid, removed on drop (the rest of
/// the files as they are then, so other edits survive).
struct SubidLines {
    line: String,
}

impl SubidLines {
    fn add(line: &str) -> SubidLines {
        let _g = SUBID_FILES.lock().unwrap_or_else(|e| e.into_inner());
        let _flock = lock_subid_files();
        for f in ["/etc/subuid", "/etc/subgid"] {
            let mut text = std::fs::read_to_string(f).unwrap_or_default();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(line);
            text.push('\n');
            std::fs::write(f, text).unwrap_or_else(|e| panic!("cannot write {f}: {e}"));
        }
        SubidLines { line: line.to_string() }
    }
}

impl Drop for SubidLines {
    fn drop(&mut self) {
        let _g = SUBID_FILES.lock().unwrap_or_else(|e| e.into_inner());
        let _flock = lock_subid_files();
        for f in ["/etc/subuid", "/etc/subgid"] {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let mut removed = false;
            let kept: String = text
                .lines()
                .filter(|l| {
                    let drop = !removed && *l == self.line;
                    removed |= drop;
                    !drop
                })
                .map(|l| format!("{l}\n"))
                .collect();
            let _ = std::fs::write(f, kept);
        }
    }
}

/// The `containers` ranges of /etc/subuid now: (start, count).
fn containers_ranges() -> Vec<(u64, u64)> {
    std::fs::read_to_string("/etc/subuid")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() != 3 || f[0] != "containers" {
                return None;
            }
            Some((f[1].parse().ok()?, f[2].parse().ok()?))
        })
        .collect()
}

/// The three numbers of a one-line uid_map text.
fn map_line(text: &str) -> (u64, u64, u64) {
    let w: Vec<u64> = text.split_whitespace().map(|w| w.parse().unwrap()).collect();
    assert_eq!(w.len(), 3, "one mapping expected: {text:?}");
    (w[0], w[1], w[2])
}

#[test]
fn root_userns_auto_maps_a_free_range_and_layers_keep_their_owners() {
    let _subid = SubidLines::add("containers:400000000:1000000");
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "userns:latest");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let data = rcon.dir().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let vol = format!("{}:/data", data.display());

    // Foreground, --rm: a mapped range, root inside, the layers' owners as
    // in the image (root's files are root's, app's home is 1000's).
    let script = "cat /proc/self/uid_map; id -u; ls -lnd /bin/busybox /home/app; touch /data/from-run /made-here";
    let out = rcon.cmd(&["run", "--rm", "--userns=auto", "-v", &vol, &image, "sh", "-c", script]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let (inside, host, size) = map_line(lines.next().unwrap());
    assert_eq!(inside, 0);
    assert!(size >= 1024, "{size}");
    assert!(
        containers_ranges().iter().any(|(s, n)| host >= *s && host + size <= s + n),
        "{host}+{size} is not inside a `containers` range of /etc/subuid"
    );
    assert_eq!(lines.next(), Some("0"), "{text}");
    let busybox = lines.next().unwrap();
    assert!(busybox.split_whitespace().nth(2) == Some("0") && busybox.split_whitespace().nth(3) == Some("0"), "{text}");
    let home = lines.next().unwrap();
    assert!(home.split_whitespace().nth(2) == Some("1000"), "{text}");
    // Written inside, owned by the mapped root on the host.
    let md = std::fs::metadata(data.join("from-run")).unwrap();
    assert_eq!((md.uid() as u64, md.gid() as u64), (host, host));

    // Detached: another range, which exec sees too; the container's writable
    // layer holds what it wrote with the mapped ids.
    let id1 = stdout(&rcon.cmd(&["run", "-d", "--userns=auto", &image, "sh", "-c", "touch /new; sleep 1000"]));
    let id1 = id1.trim().to_string();
    let id2 = rcon.ok(&["run", "-d", "--userns=auto", &image, "sleep", "1000"]).trim().to_string();
    assert_eq!(id1.len(), 64, "run -d failed: {id1}");
    let m1 = map_line(&rcon.ok(&["exec", &id1, "cat", "/proc/self/uid_map"]));
    let m2 = map_line(&rcon.ok(&["exec", &id2, "cat", "/proc/self/uid_map"]));
    assert!(m1.1 + m1.2 <= m2.1 || m2.1 + m2.2 <= m1.1, "overlapping ranges {m1:?} {m2:?}");
    assert_eq!(rcon.ok(&["exec", &id1, "id", "-u"]), "0\n");
    let upper_new = rcon.root.join("containers").join(&id1).join("upper").join("new");
    let t = std::time::Instant::now();
    while !upper_new.exists() {
        assert!(t.elapsed() < std::time::Duration::from_secs(30), "{} never appeared", upper_new.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(std::fs::metadata(&upper_new).unwrap().uid() as u64, m1.1);
    rcon.ok(&["rm", "-f", &id1, &id2]);

    // Explicit mappings, and refusals that say what to do.
    let out = rcon.cmd(&[
        "run",
        "--rm",
        "--uidmap",
        "0:410000000:70000",
        &image,
        "cat",
        "/proc/self/uid_map",
        "/proc/self/gid_map",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let words: Vec<String> = stdout(&out).split_whitespace().map(String::from).collect();
    assert_eq!(words, ["0", "410000000", "70000", "0", "410000000", "70000"]);
    let out = rcon.cmd(&["run", "--rm", "--userns=keep-id", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("rootless"), "{}", stderr(&out));
    let out = rcon.cmd(&["run", "--rm", "--subuidname", "rcon-test-nosuchuser", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("/etc/subuid"), "{}", stderr(&out));
}

/// A real unprivileged user made for one test (`useradd`), with
/// subordinate ranges in /etc/subuid and /etc/subgid. On drop (also when
/// the test failed): its processes are killed (by pid, found by uid), the
/// user and its home are removed, its subid lines and run directory too.
struct TestUser {
    name: String,
    uid: u32,
    gid: u32,
    home: std::path::PathBuf,
    xdg: std::path::PathBuf,
    /// First host id of its subordinate range (65536 ids).
    subid_base: u32,
    _subid: Option<SubidLines>,
}

/// First host id of the test users' subordinate ranges (65536 ids each).
const USER_SUBID_BASE: u32 = 600_000_000;

impl TestUser {
    fn create() -> TestUser {
        // One user per test: tests of this binary run in parallel.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("rcl{}x{n}", std::process::id());
        let out = std::process::Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", &name])
            .output()
            .expect("run useradd (Debian package `passwd`)");
        assert!(out.status.success(), "useradd {name}: {}", String::from_utf8_lossy(&out.stderr));
        let pw = nix::unistd::User::from_name(&name).unwrap().expect("the new user");
        let xdg = std::path::PathBuf::from(format!("/tmp/rcon-xdg-{name}"));
        let mut user = TestUser {
            uid: pw.uid.as_raw(),
            gid: pw.gid.as_raw(),
            home: pw.dir,
            xdg: xdg.clone(),
            name: name.clone(),
            subid_base: USER_SUBID_BASE + n * 65536,
            _subid: None,
        };
        user._subid = Some(SubidLines::add(&format!("{name}:{}:65536", user.subid_base)));
        std::fs::create_dir_all(&xdg).unwrap();
        std::os::unix::fs::chown(&xdg, Some(user.uid), Some(user.gid)).unwrap();
        std::fs::set_permissions(&xdg, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        for tool in ["newuidmap", "newgidmap"] {
            assert!(
                std::path::Path::new("/usr/bin").join(tool).exists(),
                "{tool} is missing: install the Debian package `uidmap`"
            );
        }
        user
    }

    /// `rcon ARGS…` as this user (setpriv), in its home, with a clean
    /// environment.
    fn rcon(&self, args: &[&str]) -> std::process::Output {
        self.rcon_env(&[], args)
    }

    /// [`TestUser::rcon`] with extra environment variables.
    fn rcon_env(&self, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
        let mut c = self.command("setpriv");
        c.envs(env.iter().copied());
        c.args(["--reuid", &self.uid.to_string(), "--regid", &self.gid.to_string(), "--init-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_rcon"))
            .args(args);
        c.output().expect("run setpriv (Debian package `util-linux`)")
    }

    /// [`TestUser::rcon`] with `input` on stdin.
    fn rcon_stdin(&self, args: &[&str], input: &[u8]) -> std::process::Output {
        use std::io::Write;
        let mut c = self.command("setpriv");
        c.args(["--reuid", &self.uid.to_string(), "--regid", &self.gid.to_string(), "--init-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_rcon"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().expect("run setpriv (Debian package `util-linux`)");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    /// `program ARGS…` as this user (setpriv), as [`TestUser::command`].
    fn as_user(&self, program: &str, args: &[&str]) -> std::process::Command {
        let mut c = self.command("setpriv");
        c.args(["--reuid", &self.uid.to_string(), "--regid", &self.gid.to_string(), "--init-groups", "--", program])
            .args(args);
        c
    }

    /// `program` in the user's home with a clean environment of the user's
    /// (HOME, USER, PATH, XDG_RUNTIME_DIR) and stdin from /dev/null.
    fn command(&self, program: &str) -> std::process::Command {
        let mut c = std::process::Command::new(program);
        c.env_clear()
            .env("HOME", &self.home)
            .env("USER", &self.name)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
            .env("XDG_RUNTIME_DIR", &self.xdg)
            .current_dir(&self.home)
            .stdin(std::process::Stdio::null());
        c
    }

    /// `rcon ARGS…` as this user under a pseudo-terminal (util-linux
    /// `script`); ARGS must need no shell quoting.
    fn rcon_in_pty(&self, args: &[&str]) -> std::process::Output {
        let cmd = format!(
            "setpriv --reuid {} --regid {} --init-groups -- {} {}",
            self.uid,
            self.gid,
            env!("CARGO_BIN_EXE_rcon"),
            args.join(" ")
        );
        self.command("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .expect("run script (Debian package `bsdutils`)")
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.rcon(args);
        assert_eq!(code(&out), 0, "rcon {args:?} as {}: {}\n{}", self.name, stderr(&out), stdout(&out));
        stdout(&out)
    }

    /// Pids of this user's processes.
    fn processes(&self) -> Vec<i32> {
        let mut pids = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else { continue };
            let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
            let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|v| v.split_whitespace().next());
            if uid == Some(&self.uid.to_string()) {
                pids.push(pid);
            }
        }
        pids
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        for _ in 0..50 {
            let pids = self.processes();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                // SAFETY: a signal to a process of the user this test created.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = std::process::Command::new("userdel").args(["-r", "-f", &self.name]).output();
        let _ = std::fs::remove_dir_all(&self.home);
        let _ = std::fs::remove_dir_all(&self.xdg);
    }
}

/// Sets `/dev/fuse` to mode 0666 (fuse-overlayfs opens it as the user;
/// Debian's udev makes it so, some images ship it 0600) and restores its
/// mode on drop.
struct FuseMode {
    old: u32,
}

impl FuseMode {
    fn usable() -> FuseMode {
        use std::os::unix::fs::PermissionsExt;
        let p = "/dev/fuse";
        let old = std::fs::metadata(p).map(|m| m.permissions().mode() & 0o7777).expect("/dev/fuse (module fuse)");
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            std::path::Path::new("/usr/bin/fuse-overlayfs").exists(),
            "fuse-overlayfs is missing: install the Debian package `fuse-overlayfs`"
        );
        FuseMode { old }
    }
}

impl Drop for FuseMode {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions("/dev/fuse", std::fs::Permissions::from_mode(self.old));
    }
}

/// Sets `/dev/net/tun` to mode 0666 (pasta opens it as the user) and
/// restores its mode on drop.
struct TunMode {
    old: Option<u32>,
}

impl TunMode {
    fn usable() -> TunMode {
        use std::os::unix::fs::PermissionsExt;
        let p = "/dev/net/tun";
        let old = std::fs::metadata(p).map(|m| m.permissions().mode() & 0o7777).expect("/dev/net/tun (module tun)");
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o666)).unwrap();
        TunMode { old: Some(old) }
    }
}

impl Drop for TunMode {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if let Some(m) = self.old {
            let _ = std::fs::set_permissions("/dev/net/tun", std::fs::Permissions::from_mode(m));
        }
    }
}

/// pasta copies the host's addresses and routes into the container and
/// refuses to run without an interface that has a default route; the test
/// runs in a network namespace of its own (see /work/itest.sh) where only
/// `lo` exists. This adds a veth pair with an address and a default route
/// there (traffic stays in that namespace), shared by the tests of this
/// binary that run at once, and removes them when the last one drops it.
struct UplinkForPasta;

/// (tests holding the uplink, the veth made for them or "").
static UPLINK: Mutex<(usize, String)> = Mutex::new((0, String::new()));

impl UplinkForPasta {
    fn add() -> UplinkForPasta {
        let mut held = UPLINK.lock().unwrap_or_else(|e| e.into_inner());
        held.0 += 1;
        let guard = UplinkForPasta;
        if held.0 > 1 {
            return guard;
        }
        let ip = |args: &[&str]| {
            let out = std::process::Command::new("ip").args(args).output().expect("run ip (package iproute2)");
            assert!(out.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        let has_default =
            std::process::Command::new("ip").args(["route", "show", "default"]).output().map(|o| !o.stdout.is_empty());
        if has_default.unwrap_or(false) {
            return guard;
        }
        let name = format!("rclv{}", std::process::id() % 100000);
        held.1 = name.clone();
        ip(&["link", "add", &name, "type", "veth", "peer", "name", &format!("{name}p")]);
        ip(&["addr", "add", "10.199.77.1/24", "dev", &name]);
        ip(&["link", "set", &name, "up"]);
        ip(&["link", "set", &format!("{name}p"), "up"]);
        ip(&["route", "add", "default", "via", "10.199.77.254", "dev", &name]);
        guard
    }
}

impl Drop for UplinkForPasta {
    fn drop(&mut self) {
        let mut held = UPLINK.lock().unwrap_or_else(|e| e.into_inner());
        held.0 -= 1;
        if held.0 == 0 && !held.1.is_empty() {
            let _ = std::process::Command::new("ip").args(["link", "del", &held.1]).output();
            held.1.clear();
        }
    }
}

/// Every file under `dir` (not following symlinks) with an owner outside
/// the user's own uid and its subordinate range.
fn foreign_owners(dir: &std::path::Path, user: &TestUser) -> Vec<String> {
    let mut bad = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(md) = std::fs::symlink_metadata(&d) else { continue };
        let uid = md.uid();
        if uid != user.uid && !(user.subid_base..user.subid_base + 65536).contains(&uid) {
            bad.push(format!("{} (uid {uid})", d.display()));
        }
        if md.is_dir() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                stack.push(e.path());
            }
        }
    }
    bad
}

#[test]
fn rootless_user_pulls_runs_execs_and_publishes_ports() {
    let _tun = TunMode::usable();
    let _uplink = UplinkForPasta::add();
    let user = TestUser::create();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "rootless:latest");
    user.ok(&["pull", "-q", &image]);
    assert!(user.home.join(".local/share/rcon").is_dir(), "the store is not in ~/.local/share/rcon");
    let info = user.ok(&["info"]);
    for want in
        ["  rootless\n", "  userxattr: true\n", "  Network: pasta slirp4netns host none\n", " Cgroup Driver: none\n"]
    {
        assert!(info.contains(want), "{want:?} not in rcon info:\n{info}");
    }
    assert!(info.contains(&format!(" Docker Root Dir: {}/.local/share/rcon\n", user.home.display())), "{info}");

    // Root inside, the user's ids outside: uid 0 is the user, 1… its range.
    let out = user.ok(&["run", "--rm", &image, "sh", "-c", "id -u; cat /proc/self/uid_map"]);
    let lines: Vec<Vec<String>> = out.lines().map(|l| l.split_whitespace().map(String::from).collect()).collect();
    assert_eq!(lines[0], ["0"], "{out}");
    assert_eq!(lines[1], ["0".to_string(), user.uid.to_string(), "1".into()], "{out}");
    assert_eq!(lines[2], ["1".to_string(), user.subid_base.to_string(), "65536".into()], "{out}");
    // The layers keep the image's owners: app's home is 1000's inside.
    let ls = user.ok(&["run", "--rm", &image, "ls", "-lnd", "/home/app"]);
    assert_eq!(ls.split_whitespace().nth(2), Some("1000"), "{ls}");

    // -it under a pseudo-terminal: the container gets one too.
    let out = user.rcon_in_pty(&["run", "--rm", "-it", &image, "sh", "-c", "'tty; id -u'"]);
    assert_eq!(code(&out), 0, "{}\n{}", stderr(&out), stdout(&out));
    // script's stdin is empty: the terminal may echo what script sends
    // for it (`^@`, `^D`) at any point of the output, so drop such echoes.
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().map(without_caret_echoes).collect();
    let tty = lines.iter().position(|l| l.contains("/dev/pts/")).unwrap_or_else(|| panic!("no tty: {text:?}"));
    assert_eq!(lines.get(tty + 1), Some(&"0"), "{text:?}");

    // Detached, logs, exec, stop, rm.
    let id = user.ok(&["run", "-d", "--name", "web", &image, "sh", "-c", "echo hello; sleep 1000"]);
    assert_eq!(id.trim().len(), 64, "{id}");
    let t = std::time::Instant::now();
    while !user.ok(&["logs", "web"]).contains("hello") {
        assert!(t.elapsed() < std::time::Duration::from_secs(30), "no log line");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(user.ok(&["exec", "web", "id", "-u"]), "0\n");
    user.ok(&["stop", "-t", "1", "web"]);
    user.ok(&["rm", "web"]);

    // --userns=keep-id: the user's own ids inside, so what it writes to a
    // bind-mounted directory of its home is the user's on the host.
    let data = user.home.join("data");
    std::fs::create_dir(&data).unwrap();
    std::os::unix::fs::chown(&data, Some(user.uid), Some(user.gid)).unwrap();
    let vol = format!("{}:/data", data.display());
    let out = user.ok(&["run", "--rm", "--userns=keep-id", "-v", &vol, &image, "sh", "-c", "id -u; touch /data/mine"]);
    assert_eq!(out, format!("{}\n", user.uid));
    let md = std::fs::metadata(data.join("mine")).unwrap();
    assert_eq!((md.uid(), md.gid()), (user.uid, user.gid));

    // build: RUN as the mapped root, COPY --chown, USER.
    let ctx = user.home.join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {image}\nRUN id -u > /built-by\nCOPY --chown=1000:1000 f.txt /home/app/f.txt\nUSER app\nRUN id -u > /tmp/as-app\n"),
    )
    .unwrap();
    std::fs::write(ctx.join("f.txt"), "file\n").unwrap();
    for p in [&ctx, &ctx.join("Dockerfile"), &ctx.join("f.txt")] {
        std::os::unix::fs::chown(p, Some(user.uid), Some(user.gid)).unwrap();
    }
    user.ok(&["build", "-q", "-t", "built", ctx.to_str().unwrap()]);
    let out = user.ok(&[
        "run",
        "--rm",
        "built",
        "sh",
        "-c",
        "cat /built-by /tmp/as-app; stat -c '%u:%g' /home/app/f.txt; id -u",
    ]);
    assert_eq!(out, "0\n1000\n1000:1000\n1000\n");

    // Outbound: a server on the host's loopback, reached through pasta as
    // host.containers.internal (the gateway address, mapped to the host).
    let (host_port, serving) = serve_once_on_loopback();
    // The earlier containers without published ports had a spare network
    // namespace made in the background (pasta already attached); this one
    // takes it, with its loopback up (flags 0x9: up, loopback).
    let spare = user.xdg.join("rcon/pasta-spare/ready/pid");
    let t = std::time::Instant::now();
    while !std::fs::read_to_string(&spare).is_ok_and(|p| !p.trim().is_empty()) {
        assert!(t.elapsed() < std::time::Duration::from_secs(30), "no spare network namespace at {}", spare.display());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("http://host.containers.internal:{host_port}/");
    let script = format!("wget -q -O - {url} && cat /sys/class/net/lo/flags");
    let out = user.rcon(&["--log-level", "debug", "run", "--rm", &image, "sh", "-c", &script]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "from-host\n0x9\n", "{}", stderr(&out));
    assert!(stderr(&out).contains("spare namespace taken"), "the spare was not taken: {}", stderr(&out));
    serving.join().unwrap();

    // -p through pasta, reachable from the host.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let publish = format!("127.0.0.1:{port}:80");
    user.ok(&["run", "-d", "--name", "www", "-p", &publish, &image, "sh", "-c", HTTPD_SCRIPT]);
    let page = fetch_published(port);
    assert!(page.starts_with("HTTP/1."), "{page}");
    user.ok(&["rm", "-f", "www"]);

    assert_left_clean(&user);
}

/// A server on the host's loopback that answers one HTTP request with
/// `from-host`: its port, and its thread (joined: the request came).
fn serve_once_on_loopback() -> (u16, std::thread::JoinHandle<()>) {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let serving = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = server.accept().unwrap();
        let mut req = [0u8; 1024];
        let _ = s.read(&mut req);
        s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nfrom-host\n").unwrap();
    });
    (port, serving)
}

/// A container's command that serves `rootless-page` with busybox httpd on
/// port 80.
const HTTPD_SCRIPT: &str = "mkdir -p /www && echo rootless-page > /www/index.html && exec httpd -f -p 80 -h /www";

/// The answer to `GET /` on 127.0.0.1:`port` once it contains
/// `rootless-page` (the container's httpd is up); panics after 30 s.
fn fetch_published(port: u16) -> String {
    (0..300)
        .find_map(|_| {
            use std::io::{Read, Write};
            let got = std::net::TcpStream::connect(("127.0.0.1", port)).ok().and_then(|mut s| {
                s.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
                let mut body = String::new();
                s.read_to_string(&mut body).ok()?;
                body.contains("rootless-page").then_some(body)
            });
            if got.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            got
        })
        .expect("the published port never answered")
}

/// Rootless networking through slirp4netns (issue 14): with
/// `allow_host_loopback`, a server on the host's loopback is reached as
/// host.containers.internal (the gateway 10.0.2.2); without it, not; `-p`
/// through slirp4netns' API is reachable from the host; containers.conf's
/// `default_rootless_network_cmd` picks it as the default; bad options
/// are refused by name. Through pasta, `--add-host host.docker.internal:
/// host-gateway` reaches the host's loopback too. Nothing is left running.
#[test]
fn rootless_slirp4netns_reaches_host_loopback_and_publishes_ports() {
    let _tun = TunMode::usable();
    let _uplink = UplinkForPasta::add();
    assert!(
        std::path::Path::new("/usr/bin/slirp4netns").exists(),
        "slirp4netns is missing: install the Debian package `slirp4netns`"
    );
    let user = TestUser::create();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "slirp:latest");
    user.ok(&["pull", "-q", &image]);

    let slirp = "slirp4netns:allow_host_loopback=true";
    let hosts = user.ok(&["run", "--rm", "--network", slirp, &image, "cat", "/etc/hosts", "/etc/resolv.conf"]);
    assert!(hosts.contains("10.0.2.2\thost.containers.internal"), "{hosts}");
    assert!(hosts.contains("nameserver 10.0.2.3\n"), "{hosts}");
    let addr = user.ok(&["run", "--rm", "--network", slirp, &image, "ip", "-4", "-o", "addr", "show", "tap0"]);
    assert!(addr.contains("inet 10.0.2.100/24"), "{addr}");

    // Outbound to the host's loopback.
    let (host_port, serving) = serve_once_on_loopback();
    let url = format!("http://host.containers.internal:{host_port}/");
    let got = user.ok(&["run", "--rm", "--network", slirp, &image, "wget", "-q", "-O", "-", &url]);
    assert_eq!(got, "from-host\n");
    serving.join().unwrap();
    // Without allow_host_loopback the gateway does not lead to the host's
    // loopback (a listener is there: only the option makes the difference).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://10.0.2.2:{}/", listener.local_addr().unwrap().port());
    let out = user.rcon(&["run", "--rm", "--network", "slirp4netns", &image, "wget", "-q", "-T", "5", "-O", "-", &url]);
    assert_ne!(code(&out), 0, "reached the host's loopback without allow_host_loopback: {}", stdout(&out));
    drop(listener);

    // -p through slirp4netns' API, reachable from the host.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let publish = format!("127.0.0.1:{port}:80");
    user.ok(&[
        "run",
        "-d",
        "--name",
        "www",
        "--network",
        "slirp4netns",
        "-p",
        &publish,
        &image,
        "sh",
        "-c",
        HTTPD_SCRIPT,
    ]);
    let page = fetch_published(port);
    assert!(page.starts_with("HTTP/1."), "{page}");
    let ps = user.ok(&["ps", "--format", "{{.Ports}}"]);
    assert_eq!(ps.trim(), format!("127.0.0.1:{port}->80/tcp"));
    user.ok(&["rm", "-f", "www"]);

    // containers.conf (podman's key) makes slirp4netns the default.
    let conf = user.home.join(".config/rcon");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("containers.conf"), "[network]\ndefault_rootless_network_cmd = \"slirp4netns\"\n")
        .unwrap();
    for p in [user.home.join(".config"), conf.clone(), conf.join("containers.conf")] {
        std::os::unix::fs::chown(&p, Some(user.uid), Some(user.gid)).unwrap();
    }
    let addr = user.ok(&["run", "--rm", &image, "ip", "-4", "-o", "addr", "show", "tap0"]);
    assert!(addr.contains("inet 10.0.2.100/24"), "{addr}");
    std::fs::write(conf.join("containers.conf"), "[network]\ndefault_rootless_network_cmd = \"vpnkit\"\n").unwrap();
    let out = user.rcon(&["run", "--rm", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(
        stderr(&out).contains("containers.conf: network.default_rootless_network_cmd is \"vpnkit\""),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(conf.join("containers.conf")).unwrap();

    // Unknown options, and pasta's options rcon sets itself, are refused.
    let out = user.rcon(&["run", "--rm", "--network", "slirp4netns:mtu=1500,fast=yes", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("--network slirp4netns: unknown option \"fast=yes\""), "{}", stderr(&out));
    let out = user.rcon(&["run", "--rm", "--network", "pasta:--netns,/x", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("rcon sets --netns itself"), "{}", stderr(&out));

    // pasta: docker's host.docker.internal:host-gateway reaches the host's
    // loopback too, with pasta's own arguments given after the colon.
    let (host_port, serving) = serve_once_on_loopback();
    let url = format!("http://host.docker.internal:{host_port}/");
    let got = user.ok(&[
        "run",
        "--rm",
        "--network",
        "pasta:--mtu,65520",
        "--add-host",
        "host.docker.internal:host-gateway",
        &image,
        "wget",
        "-q",
        "-O",
        "-",
        &url,
    ]);
    assert_eq!(got, "from-host\n");
    serving.join().unwrap();

    assert_left_clean(&user);
}

/// GETs `url` from a container on `net` (busybox wget, without `-T`, which
/// crashes Debian's static busybox), retried while the
/// server is still starting; the last failure's output when it never
/// answered.
fn wget_on(user: &TestUser, image: &str, net: &str, url: &str) -> Result<String, String> {
    let mut last = String::new();
    for _ in 0..50 {
        let out = user.rcon(&["run", "--rm", "--network", net, image, "wget", "-q", "-O", "-", url]);
        if code(&out) == 0 {
            return Ok(stdout(&out));
        }
        last = format!("exit {}: {}{}", code(&out), stderr(&out), stdout(&out));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(last)
}

/// Rootless user networks (issue 14): `network create` makes the user's
/// rootless network namespace (with its pasta), two containers on the
/// network find each other by name and `--network-alias`, `--ip` is
/// honoured, `-p` of a container on it is reachable from the host's
/// loopback, and after `rm` and `network rm` the namespace, its mount in
/// the holder's mount namespace and its pasta are gone.
#[test]
fn rootless_user_network_resolves_names_and_publishes_ports() {
    let _tun = TunMode::usable();
    let _uplink = UplinkForPasta::add();
    let user = TestUser::create();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "rootless-net:latest");
    user.ok(&["pull", "-q", &image]);

    user.ok(&["network", "create", "--subnet", "10.99.213.0/24", "usernet"]);
    let netns = user.xdg.join("rcon/network/netns");
    assert!(netns.exists(), "no rootless network namespace at {}", netns.display());
    let ls = user.ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(ls.lines().any(|l| l == "usernet"), "{ls}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let publish = format!("127.0.0.1:{port}:80");
    user.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "usernet",
        "--network-alias",
        "webalias",
        "-p",
        &publish,
        &image,
        "sh",
        "-c",
        HTTPD_SCRIPT,
    ]);

    // By name and by alias, from another container of the network.
    let page =
        wget_on(&user, &image, "usernet", "http://web/").unwrap_or_else(|e| panic!("web never answered by name: {e}"));
    assert_eq!(page, "rootless-page\n");
    let page = wget_on(&user, &image, "usernet", "http://webalias/")
        .unwrap_or_else(|e| panic!("web never answered by alias: {e}"));
    assert_eq!(page, "rootless-page\n");

    // network connect: a second network, reached by name there too; then
    // disconnect and rm of it (a bridge is left: the namespace stays).
    user.ok(&["network", "create", "--subnet", "10.99.214.0/24", "usernet2"]);
    user.ok(&["network", "connect", "usernet2", "web"]);
    let page = wget_on(&user, &image, "usernet2", "http://web/")
        .unwrap_or_else(|e| panic!("web never answered on the connected network: {e}"));
    assert_eq!(page, "rootless-page\n");
    user.ok(&["network", "disconnect", "usernet2", "web"]);
    user.ok(&["network", "rm", "usernet2"]);
    assert!(netns.exists(), "the rootless network namespace went with a network while another remains");

    // Outbound from the network, through the rootless namespace's pasta:
    // a server on the host's loopback as host.containers.internal.
    let (host_port, serving) = serve_once_on_loopback();
    let url = format!("http://host.containers.internal:{host_port}/");
    let got = user.ok(&["run", "--rm", "--network", "usernet", &image, "wget", "-q", "-O", "-", &url]);
    assert_eq!(got, "from-host\n");
    serving.join().unwrap();

    // --ip, and the peer's address in /etc/hosts.
    let out = user.ok(&[
        "run",
        "--rm",
        "--network",
        "usernet",
        "--ip",
        "10.99.213.50",
        &image,
        "sh",
        "-c",
        "ip -4 -o addr show eth0; grep -w web /etc/hosts",
    ]);
    assert!(out.contains("inet 10.99.213.50/24"), "{out}");
    assert!(out.contains("10.99.213.") && out.lines().any(|l| l.contains("web")), "{out}");

    // -p from the host's loopback, through the forwarder.
    let page = fetch_published(port);
    assert!(page.starts_with("HTTP/1."), "{page}");
    let ports = user.ok(&["port", "web"]);
    assert_eq!(ports.trim(), format!("80/tcp -> 127.0.0.1:{port}"));

    // In use: refused; then removed, and the namespace with it.
    let out = user.rcon(&["network", "rm", "usernet"]);
    assert_ne!(code(&out), 0, "network rm of a network in use succeeded");
    user.ok(&["rm", "-f", "web"]);
    user.ok(&["network", "rm", "usernet"]);
    assert!(!netns.exists(), "{} left after the last network was removed", netns.display());
    let holder = std::fs::read_to_string(user.xdg.join("rcon/userns.pid")).unwrap();
    let holder = holder.split_whitespace().next().unwrap();
    let mounts = std::fs::read_to_string(format!("/proc/{holder}/mountinfo")).unwrap();
    assert!(!mounts.contains("network/netns"), "the namespace's mount is left: {mounts}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still answers after the container was removed"
    );
    assert_left_clean(&user);
}

/// Nothing of another host uid in the user's directories, nothing of the
/// user still mounted, nothing running but the namespace holder and its
/// spare network namespace (a keeper and its pasta): once the holder is
/// killed, the spare goes too and nothing of the user runs.
fn assert_left_clean(user: &TestUser) {
    for dir in [&user.home, &user.xdg] {
        let bad = foreign_owners(dir, user);
        assert!(bad.is_empty(), "files of other users: {bad:?}");
    }
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(user.home.to_str().unwrap()), "mounts left under {}", user.home.display());
    let holder: i32 = std::fs::read_to_string(user.xdg.join("rcon/userns.pid"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // SAFETY: a signal to the holder of the user this test created.
    assert_eq!(unsafe { libc::kill(holder, libc::SIGKILL) }, 0, "kill the namespace holder {holder}");
    // Exited processes may wait a moment for their reaper: only live ones
    // count, and they get a few seconds to finish exiting.
    let live = || -> Vec<String> {
        user.processes()
            .into_iter()
            .filter_map(|p| {
                let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
                let state = stat.rsplit_once(") ")?.1.chars().next()?;
                let cmd = std::fs::read_to_string(format!("/proc/{p}/cmdline")).ok()?.replace('\0', " ");
                (state != 'Z').then(|| format!("{p} {state} {cmd}"))
            })
            .collect()
    };
    let t = std::time::Instant::now();
    while !live().is_empty() && t.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let left = live();
    assert!(left.is_empty(), "processes left: {left:?}");
}

/// The fuse-overlayfs driver (issue 14): forced with RCON_STORAGE_DRIVER, it
/// serves reads, writes and the whiteouts of an image layer that deletes a
/// file; what a container or a build's RUN step deletes is a whiteout in
/// the kernel's format once it ended (diff, commit, build). With the default driver, `--userns=keep-id` and
/// `nomap` go through fuse-overlayfs' id mappings: the image's root files
/// are root's inside, while files written to a bind-mounted directory of the
/// home belong to the user.
#[test]
fn rootless_fuse_overlayfs_driver_and_keep_id_owners() {
    use crate::common::TarEntry;
    let _fuse = FuseMode::usable();
    let user = TestUser::create();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[
            TarEntry::file("etc/gone", "old\n"),
            TarEntry::dir("srv/"),
            TarEntry::file("srv/a", "a\n"),
            TarEntry::file("srv/b", "b\n"),
        ])
        .layer(&[TarEntry::whiteout("etc/gone"), TarEntry::file("etc/kept", "kept\n")])
        .cmd(&["sh"])
        .push(&reg, "fuse:latest");
    let fuse = [("RCON_STORAGE_DRIVER", "fuse-overlayfs")];
    let ok = |env: &[(&str, &str)], args: &[&str]| {
        let out = user.rcon_env(env, args);
        assert_eq!(code(&out), 0, "rcon {args:?}: {}\n{}", stderr(&out), stdout(&out));
        stdout(&out)
    };
    ok(&fuse, &["pull", "-q", &image]);
    let info = ok(&fuse, &["info"]);
    assert!(info.contains("  mount_program: /usr/bin/fuse-overlayfs\n"), "{info}");

    // Reads through the layers (the deleted file stays deleted), writes.
    let script = "grep -c ' / fuse' /proc/mounts; test ! -e /etc/gone && cat /etc/kept /srv/a; \
                  echo new > /tmp/new && cat /tmp/new; stat -c %u /bin/busybox /home/app";
    let out = ok(&fuse, &["run", "--rm", "--network", "none", &image, "sh", "-c", script]);
    assert_eq!(out, "1\nkept\na\nnew\n0\n1000\n");

    // A container that deletes a file and replaces a directory: once it
    // ended, its upper dir holds kernel-format whiteouts and an opaque
    // directory, which diff reads and the next start honours.
    let script = "rm /etc/kept && rm -r /srv && mkdir /srv && echo c > /srv/c";
    ok(&fuse, &["run", "--network", "none", "--name", "changed", &image, "sh", "-c", script]);
    let diff = ok(&fuse, &["diff", "changed"]);
    for want in ["D /etc/kept", "C /srv", "A /srv/c", "D /srv/a"] {
        assert!(diff.lines().any(|l| l == want), "{want:?} not in rcon diff:\n{diff}");
    }
    let upper = user.home.join(".local/share/rcon/containers");
    let id = ok(&fuse, &["inspect", "-f", "{{.Id}}", "changed"]);
    let upper = upper.join(id.trim()).join("upper");
    let names: Vec<String> = std::fs::read_dir(upper.join("srv"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["c"], "fuse-overlayfs markers left in {}", upper.display());
    ok(&fuse, &["commit", "changed", "changed-image"]);
    let out = ok(
        &fuse,
        &[
            "run",
            "--rm",
            "--network",
            "none",
            "changed-image",
            "sh",
            "-c",
            "ls /srv; test -e /etc/kept || echo no-kept; test -e /etc/gone || echo no-gone",
        ],
    );
    assert_eq!(out, "c\nno-kept\nno-gone\n");

    // cp both ways and diff of the stopped container go through
    // fuse-overlayfs too (a wrapper first in the PATH logs each mount),
    // and leave nothing mounted in the user's namespace nor running.
    let bin = user.home.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let calls = user.home.join("fuse-calls");
    let wrapper = bin.join("fuse-overlayfs");
    let script = format!("#!/bin/sh\necho \"$*\" >> {}\nexec /usr/bin/fuse-overlayfs \"$@\"\n", calls.display());
    std::fs::write(&wrapper, script).unwrap();
    std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let input = user.home.join("in.txt");
    std::fs::write(&input, "in\n").unwrap();
    for p in [&bin, &wrapper, &input] {
        std::os::unix::fs::chown(p, Some(user.uid), Some(user.gid)).unwrap();
    }
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", bin.display());
    let wrapped = [("RCON_STORAGE_DRIVER", "fuse-overlayfs"), ("PATH", path.as_str())];
    ok(&wrapped, &["cp", input.to_str().unwrap(), "changed:/srv/in.txt"]);
    let out_dir = user.home.join("out");
    ok(&wrapped, &["cp", "changed:/srv", out_dir.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(out_dir.join("in.txt")).unwrap(), "in\n");
    assert_eq!(std::fs::read_to_string(out_dir.join("c")).unwrap(), "c\n");
    assert!(!out_dir.join("a").exists(), "a file the container deleted was copied out");
    let logged = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(logged.lines().count(), 2, "{logged}");
    assert!(logged.lines().all(|l| l.contains(&*upper.to_string_lossy())), "{logged}");
    let diff = ok(&wrapped, &["diff", "changed"]);
    for want in ["D /etc/kept", "C /srv", "A /srv/c", "A /srv/in.txt", "D /srv/a"] {
        assert!(diff.lines().any(|l| l == want), "{want:?} not in rcon diff:\n{diff}");
    }
    let mut names: Vec<String> = std::fs::read_dir(upper.join("srv"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["c", "in.txt"], "fuse-overlayfs markers left in {}", upper.display());
    let holder = std::fs::read_to_string(user.xdg.join("rcon/userns.pid")).unwrap();
    let holder = holder.split_whitespace().next().unwrap();
    let mounts = std::fs::read_to_string(format!("/proc/{holder}/mountinfo")).unwrap();
    assert!(!mounts.contains(id.trim()), "container {} still mounted:\n{mounts}", id.trim());
    let running: Vec<i32> = user
        .processes()
        .into_iter()
        .filter(|p| std::fs::read_to_string(format!("/proc/{p}/cmdline")).is_ok_and(|c| c.contains("fuse-overlayfs")))
        .collect();
    assert!(running.is_empty(), "fuse-overlayfs still running: {running:?}");
    ok(&fuse, &["rm", "changed"]);

    // build: RUN steps on fuse-overlayfs; their deletions become the new
    // layers' whiteouts.
    let ctx = user.home.join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    let dockerfile = format!(
        "FROM {image}\nRUN rm /etc/kept && rm -r /srv && mkdir /srv && echo n > /srv/n\nRUN echo built > /built\n"
    );
    std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    for p in [&ctx, &ctx.join("Dockerfile")] {
        std::os::unix::fs::chown(p, Some(user.uid), Some(user.gid)).unwrap();
    }
    ok(&fuse, &["build", "-q", "--network", "none", "-t", "built", ctx.to_str().unwrap()]);
    let script = "ls /srv; cat /built; test -e /etc/kept || echo no-kept";
    let out = ok(&[], &["run", "--rm", "--network", "none", "built", "sh", "-c", script]);
    assert_eq!(out, "n\nbuilt\nno-kept\n");

    // keep-id, default driver: the image's owners inside, the user's own
    // uid for what it writes into its home.
    let data = user.home.join("data");
    std::fs::create_dir(&data).unwrap();
    std::os::unix::fs::chown(&data, Some(user.uid), Some(user.gid)).unwrap();
    let vol = format!("{}:/data", data.display());
    let script = "id -u; stat -c %u:%g /bin/sh /bin/busybox /home/app; touch /data/mine /tmp/t";
    let out =
        ok(&[], &["run", "--rm", "--network", "none", "--userns=keep-id", "-v", &vol, &image, "sh", "-c", script]);
    assert_eq!(out, format!("{}\n0:0\n0:0\n1000:1000\n", user.uid));
    let md = std::fs::metadata(data.join("mine")).unwrap();
    assert_eq!((md.uid(), md.gid()), (user.uid, user.gid));

    // Without a delegated cgroup v2 subtree (this host is hybrid), limits
    // are refused with what to do.
    let out = user.rcon(&["run", "--rm", "--network", "none", "--memory", "64m", "--pids-limit", "10", &image, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).contains("--pids-limit need a cgroup v2 subtree delegated to your user"), "{}", stderr(&out));

    // nomap: the user's own uid is not mapped; the image's files keep their owners.
    let script = "id -u; stat -c %u /bin/busybox; cat /proc/self/uid_map";
    let out = ok(&[], &["run", "--rm", "--network", "none", "--userns=nomap", &image, "sh", "-c", script]);
    let words: Vec<&str> = out.split_whitespace().collect();
    // (uid_map relative to the user's namespace, whose 0 is the user.)
    assert_eq!(words, ["0", "0", "0", "1", "65536"], "{out}");

    assert_left_clean(&user);
}

/// Every subcommand rootless (issue 14): login and push to a registry with
/// htpasswd auth, pull back, save/load, images/rmi, cp both ways (running
/// and stopped), network ls/inspect, volume create/ls/rm with `-v NAME`, and
/// `system service` on `$XDG_RUNTIME_DIR/rcon/rcon.sock`. Afterwards nothing
/// of another host uid in the user's directories, nothing mounted or running.
#[test]
fn rootless_user_runs_every_subcommand() {
    use crate::images::{AuthRegistry, PASSWORD, USER};
    let user = TestUser::create();
    let reg = Registry::start();
    let auth = AuthRegistry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "every:latest");
    user.ok(&["pull", "-q", &image]);

    // login (credentials in $XDG_RUNTIME_DIR/containers/auth.json), push, pull.
    let out =
        user.rcon_stdin(&["login", "-u", USER, "--password-stdin", &auth.addr], format!("{PASSWORD}\n").as_bytes());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let creds = std::fs::read_to_string(user.xdg.join("containers/auth.json")).expect("auth.json in XDG_RUNTIME_DIR");
    assert!(creds.contains(&auth.addr), "{creds}");
    let pushed = format!("{}/team/every:1", auth.addr);
    user.ok(&["tag", &image, &pushed]);
    user.ok(&["push", &pushed]);
    user.ok(&["rmi", &pushed]);
    user.ok(&["pull", "-q", &pushed]);
    assert!(
        user.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]).contains(&format!("{}/team/every:1", auth.addr))
    );
    user.ok(&["logout", &auth.addr]);

    // save, rmi, load.
    let archive = user.home.join("every.tar");
    user.ok(&["save", "-o", archive.to_str().unwrap(), &pushed]);
    user.ok(&["rmi", &pushed]);
    assert!(!user.ok(&["images"]).contains("team/every"));
    user.ok(&["load", "-i", archive.to_str().unwrap()]);
    assert!(user.ok(&["images"]).contains("team/every"));

    // cp both ways, into a running and out of a stopped container.
    let file = user.home.join("in.txt");
    std::fs::write(&file, "from the host\n").unwrap();
    std::os::unix::fs::chown(&file, Some(user.uid), Some(user.gid)).unwrap();
    user.ok(&["run", "-d", "--network", "none", "--name", "box", &image, "sleep", "1000"]);
    user.ok(&["cp", file.to_str().unwrap(), "box:/tmp/in.txt"]);
    assert_eq!(user.ok(&["exec", "box", "cat", "/tmp/in.txt"]), "from the host\n");
    user.ok(&["exec", "box", "sh", "-c", "echo from the box > /tmp/out.txt"]);
    let out = user.home.join("out.txt");
    user.ok(&["cp", "box:/tmp/out.txt", out.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "from the box\n");
    assert_eq!(std::fs::metadata(&out).unwrap().uid(), user.uid);
    user.ok(&["stop", "-t", "0", "box"]);
    let back = user.home.join("back.txt");
    user.ok(&["cp", "box:/tmp/in.txt", back.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "from the host\n");
    user.ok(&["cp", file.to_str().unwrap(), "box:/tmp/again.txt"]);
    user.ok(&["rm", "box"]);

    // networks
    let ls = user.ok(&["network", "ls", "--format", "{{.Name}} {{.Driver}}"]);
    for want in ["host host", "none null"] {
        assert!(ls.lines().any(|l| l == want), "{want:?} not in network ls:\n{ls}");
    }
    let inspect = user.ok(&["network", "inspect", "-f", "{{.Name}}", "host"]);
    assert_eq!(inspect, "host\n");

    // volumes
    user.ok(&["volume", "create", "vol"]);
    user.ok(&["run", "--rm", "--network", "none", "-v", "vol:/data", &image, "sh", "-c", "echo kept > /data/f"]);
    assert_eq!(user.ok(&["run", "--rm", "--network", "none", "-v", "vol:/data", &image, "cat", "/data/f"]), "kept\n");
    assert_eq!(user.ok(&["volume", "ls", "-q"]), "vol\n");
    user.ok(&["volume", "rm", "vol"]);
    assert_eq!(user.ok(&["volume", "ls", "-q"]), "");

    // system service on the user's socket, used with curl and the docker CLI.
    let mut service = user
        .as_user(env!("CARGO_BIN_EXE_rcon"), &["system", "service", "-t", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let sock = user.xdg.join("rcon/rcon.sock");
    let t = std::time::Instant::now();
    while !sock.exists() {
        if let Ok(Some(status)) = service.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(service.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("rcon system service ended ({status}): {err}");
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(30), "{} never appeared", sock.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let curl = |path: &str| {
        let out = user
            .as_user("curl", &["-sS", "--unix-socket", sock.to_str().unwrap(), &format!("http://d{path}")])
            .output()
            .expect("run curl (Debian package `curl`)");
        assert!(out.status.success(), "curl {path}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(curl("/_ping"), "OK");
    assert!(curl("/images/json").contains("team/every"));
    // SAFETY: a signal to the service this test started.
    unsafe { libc::kill(service.id() as i32, libc::SIGTERM) };
    let _ = service.wait();
    user.ok(&["rmi", &pushed, &image]);
    assert_eq!(user.ok(&["images", "-q"]), "");

    assert_left_clean(&user);
}

/// `line` trimmed, without the terminal's echoes of control characters in
/// caret notation (`^@`, `^D`) at its start.
fn without_caret_echoes(line: &str) -> &str {
    let mut l = line.trim();
    while let Some(rest) = l.strip_prefix('^').filter(|r| r.starts_with(|c: char| ('@'..='_').contains(&c))) {
        l = rest[1..].trim_start();
    }
    l
}
