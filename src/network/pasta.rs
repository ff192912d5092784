//! Rootless networking through `pasta` (Debian package `passt`), as podman
//! 5 does by default: a user-mode network stack that gives the container's
//! network namespace a tap interface with the host's addresses and routes,
//! forwards its outbound connections through ordinary sockets of the user,
//! and listens on the host for `-p` ports. `pasta` forks into the
//! background once the namespace is configured and exits by itself when
//! the namespace is gone, so nothing needs tearing down.
//!
//! `pasta` opens `/dev/net/tun` inside the container's namespace: the node
//! must be usable by the user (mode 0666, the usual default).

use super::Error;
use super::ports::{PortMapping, Proto};
use std::path::{Path, PathBuf};

/// `pasta` in `PATH` or the usual system directories.
pub fn find() -> Option<PathBuf> {
    super::find_helper("pasta")
}

/// The `pasta` arguments for the network namespace bound at `netns` with
/// `ports` published: `-t`/`-u [ADDR/]HOST:CONTAINER`, `none` for a
/// protocol without ports (pasta's default would forward every port), no
/// forwarding from the container to the host's ports; then `extra`, the
/// user's own arguments (`--network pasta:ARG,…`, see [`check_extra`]),
/// which replace those `none` defaults for the options they name; pasta
/// writes its pid to `pid_file`.
pub fn args(netns: &Path, pid_file: &Path, ports: &[PortMapping], extra: &[String]) -> Vec<String> {
    let given = |names: &[&str]| extra.iter().any(|e| names.iter().any(|n| e == n || e.starts_with(&format!("{n}="))));
    let mut a: Vec<String> = ["--config-net", "--quiet", "--runas", "0:0"].map(String::from).to_vec();
    for (flag, long) in [("-T", "--tcp-ns"), ("-U", "--udp-ns")] {
        if !given(&[flag, long]) {
            a.extend([flag.to_string(), "none".to_string()]);
        }
    }
    for (proto, flag, long) in [(Proto::Tcp, "-t", "--tcp-ports"), (Proto::Udp, "-u", "--udp-ports")] {
        let mine: Vec<&PortMapping> = ports.iter().filter(|p| p.proto == proto).collect();
        if mine.is_empty() && !given(&[flag, long]) {
            a.extend([flag.to_string(), "none".to_string()]);
        }
        for p in mine {
            let host = if p.host_ip.is_unspecified() {
                p.host_port.to_string()
            } else {
                format!("{}/{}", p.host_ip, p.host_port)
            };
            a.extend([flag.to_string(), format!("{host}:{}", p.container_port)]);
        }
    }
    a.extend(extra.iter().cloned());
    // The namespace by path: pasta then stays in the caller's user
    // namespace (the user's), and quits when the file is deleted.
    a.extend(["--pid".to_string(), pid_file.display().to_string()]);
    a.extend(["--netns".to_string(), netns.display().to_string()]);
    a
}

/// Checks the user's pasta arguments of `--network pasta:ARG,…` (podman's
/// form): those that would take the namespace, the process or its pid file
/// out of rcon's hands are refused by name.
pub fn check_extra(extra: &[String]) -> Result<(), Error> {
    const OWNED: [&str; 9] =
        ["--netns", "--pid", "-P", "-f", "--foreground", "--userns", "--netns-only", "--runas", "--config-net"];
    for e in extra {
        let name = e.split_once('=').map_or(e.as_str(), |(n, _)| n);
        if OWNED.contains(&name) {
            return Err(Error::BadNetwork(format!(
                "--network pasta:{}: rcon sets {name} itself; leave it out",
                extra.join(",")
            )));
        }
    }
    Ok(())
}

/// The IPv4 gateway of the host's default route (`/proc/net/route`), which
/// pasta gives the container too and maps to the host: connections to it
/// reach the host's loopback (podman's `host.containers.internal`).
pub fn host_gateway() -> Option<std::net::Ipv4Addr> {
    gateway_in(&std::fs::read_to_string("/proc/net/route").ok()?)
}

/// The gateway of the first default route in the text of `/proc/net/route`
/// (hexadecimal fields: the address's bytes read as a native-endian number).
fn gateway_in(route: &str) -> Option<std::net::Ipv4Addr> {
    route.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 3 || f[1] != "00000000" {
            return None;
        }
        let gw = u32::from_str_radix(f[2], 16).ok().filter(|g| *g != 0)?;
        Some(std::net::Ipv4Addr::from(gw.to_ne_bytes()))
    })
}

/// The files of one container's pasta under the run directory `dir`
/// (`RUNROOT/pasta/ID`): the bound network namespace and pasta's pid.
fn paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("netns"), dir.join("pid"))
}

/// A `pasta` started by [`spawn`] that may still be configuring the
/// namespace: [`Starting::wait`] waits for it. Dropped without a wait, it
/// still reaps pasta's first process (the one that forks into the
/// background once the namespace is configured).
pub struct Starting {
    child: Option<std::process::Child>,
    exe: PathBuf,
    /// The run directory [`spawn`] made (removed on error), `None` for
    /// [`spawn_on`].
    dir: Option<PathBuf>,
    log: PathBuf,
}

/// Starts `pasta` for the network namespace of process `pid`; returns once
/// it configured the namespace and listens for `ports` (their host ports
/// chosen): [`spawn`], then [`Starting::wait`].
pub fn start(pid: i32, ports: &[PortMapping], extra: &[String], dir: &Path, log: &Path) -> Result<(), Error> {
    spawn(pid, ports, extra, dir, log)?.wait()
}

/// Starts `pasta` for the network namespace of process `pid` with `ports`
/// published and the user's `extra` arguments ([`args`]), and returns without waiting for it ([`Starting::wait`]
/// does), so that the container's setup goes on meanwhile. `dir` is a run
/// directory of this container (created here): the namespace is
/// bind-mounted to a file there, as podman's rootless netns, because pasta
/// runs without the capabilities to open `/proc/PID/ns/net` of the
/// container's init (which is not dumpable); pasta's pid file goes there
/// too. `log` receives pasta's messages. Errors say what to install or
/// change; on error nothing is left.
pub fn spawn(pid: i32, ports: &[PortMapping], extra: &[String], dir: &Path, log: &Path) -> Result<Starting, Error> {
    let exe = find().ok_or_else(missing)?;
    std::fs::create_dir_all(dir).map_err(super::io(dir))?;
    let (netns, pid_file) = paths(dir);
    if let Err(e) = bind_netns(&format!("/proc/{pid}/ns/net"), &netns) {
        let _ = std::fs::remove_dir_all(dir);
        return Err(Error::BadNetwork(format!(
            "cannot bind the network namespace of process {pid} to {}: {e}",
            netns.display()
        )));
    }
    match run_pasta(&exe, &netns, &pid_file, ports, extra, log) {
        Ok(child) => Ok(Starting { child: Some(child), exe, dir: Some(dir.to_path_buf()), log: log.to_path_buf() }),
        Err(e) => {
            stop(dir);
            Err(e)
        }
    }
}

/// Bind-mounts the network namespace file `ns` (`/proc/PID/ns/net`) to
/// the file `netns` (created); the error's text says what failed.
fn bind_netns(ns: &str, netns: &Path) -> Result<(), String> {
    let nsfd = std::fs::File::open(ns).map_err(|e| format!("open {ns}: {e}"))?;
    std::fs::File::create(netns).map_err(|e| format!("create {}: {e}", netns.display()))?;
    let source = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&nsfd));
    nix::mount::mount(Some(source.as_str()), netns, None::<&str>, nix::mount::MsFlags::MS_BIND, None::<&str>)
        .map_err(|e| e.desc().to_string())
}

fn run_pasta(
    exe: &Path,
    netns: &Path,
    pid_file: &Path,
    ports: &[PortMapping],
    extra: &[String],
    log: &Path,
) -> Result<std::process::Child, Error> {
    let errf = std::fs::File::create(log).map_err(super::io(log))?;
    std::process::Command::new(exe)
        .args(args(netns, pid_file, ports, extra))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(errf)
        .spawn()
        .map_err(|e| Error::BadNetwork(format!("cannot run {}: {e}", exe.display())))
}

/// Starts `pasta` for the network namespace bound at `netns` (the rootless
/// network namespace, [`super::rootless_netns`]) with `ports` published;
/// its pid goes to `pid_file`, its messages to `log`. As [`spawn`], except
/// that on error nothing of the caller's is removed (the caller owns
/// `netns`). Errors say what to install.
pub fn spawn_on(netns: &Path, pid_file: &Path, ports: &[PortMapping], log: &Path) -> Result<Starting, Error> {
    let exe = find().ok_or_else(missing)?;
    let child = run_pasta(&exe, netns, pid_file, ports, &[], log)?;
    Ok(Starting { child: Some(child), exe, dir: None, log: log.to_path_buf() })
}

fn missing() -> Error {
    Error::BadNetwork(
        "rootless networking needs `pasta`: install the package `passt` (or use --network none or host)".into(),
    )
}

impl Starting {
    /// Waits until pasta configured the namespace and listens for the
    /// ports (its first process exits once it did, successfully). Errors
    /// carry pasta's messages and say what to install or change; on error
    /// pasta is stopped ([`stop`]).
    pub fn wait(mut self) -> Result<(), Error> {
        let child = self.child.take().expect("waited once");
        let result = self.outcome(child);
        if result.is_err()
            && let Some(dir) = &self.dir
        {
            stop(dir);
        }
        result
    }

    fn outcome(&self, mut child: std::process::Child) -> Result<(), Error> {
        let status =
            child.wait().map_err(|e| Error::BadNetwork(format!("cannot wait for {}: {e}", self.exe.display())))?;
        if status.success() {
            return Ok(());
        }
        let msg = std::fs::read_to_string(&self.log).unwrap_or_default();
        // pasta's messages, without its complaints about a missing syslog.
        let msg: Vec<&str> = msg.lines().filter(|l| !l.starts_with("Failed to send") && !l.trim().is_empty()).collect();
        let msg = msg.join("; ");
        let hint = if msg.contains("/dev/net/tun") || msg.contains("tap") {
            " (pasta needs /dev/net/tun usable by your user: `chmod 0666 /dev/net/tun` as root, the usual mode)"
        } else if msg.contains("routable interface") {
            " (pasta copies the host's addresses and routes: the host needs an interface with a default route, or use --network none)"
        } else {
            ""
        };
        Err(Error::BadNetwork(format!("pasta failed ({status}): {msg}{hint}")))
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }
}

/// Stops the pasta of the run directory `dir` (see [`start`]): deletes the
/// bound namespace (pasta quits when it is gone) and ends pasta by its pid
/// should it still run (its name is `pasta`, or `passt.avx2` and the like
/// where the package picks a build for the CPU); removes `dir`. Nothing happens when there is none.
pub fn stop(dir: &Path) {
    let (netns, pid_file) = paths(dir);
    stop_files(&netns, &pid_file);
    let _ = std::fs::remove_dir_all(dir);
}

/// Process `pid` is a pasta (its name is `pasta`, or `passt.avx2` and
/// the like where the package picks a build for the CPU).
pub fn is_pasta(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with("pasta") || c.starts_with("passt"))
}

/// Unmounts and deletes the bound namespace `netns` (pasta quits when it
/// is gone) and ends the pasta of `pid_file` should it still run; deletes
/// `pid_file`.
pub fn stop_files(netns: &Path, pid_file: &Path) {
    let pasta = std::fs::read_to_string(pid_file).ok().and_then(|p| p.trim().parse::<i32>().ok());
    let _ = nix::mount::umount2(netns, nix::mount::MntFlags::MNT_DETACH);
    let _ = std::fs::remove_file(netns);
    if let Some(p) = pasta.filter(|p| is_pasta(*p)) {
        let _ = crate::sys::kill(p, libc::SIGTERM);
    }
    let _ = std::fs::remove_file(pid_file);
}

/// The first argument that makes `rcon` the keeper of a spare namespace
/// (`rcon __pasta-spare RUNROOT`); only [`prepare_spare`] runs it.
pub const SPARE_ENTRY: &str = "__pasta-spare";

/// The spares' directory under the run root `run_root`: `lock` (held while
/// a keeper makes a spare), `ready/` (the spare: `netns`, `pid`, `userns`,
/// `pasta.log`), `new-PID/` (one being made), `error` (the last keeper's
/// failure).
fn spare_root(run_root: &Path) -> PathBuf {
    run_root.join("pasta-spare")
}

/// Takes the spare network namespace of the run root `run_root`, if one is
/// ready, for the container whose pasta directory is `dir` (see
/// [`spawn`]): the spare's directory becomes `dir`, so that [`stop`] ends
/// it as any container's pasta. Returns the namespace's bound file
/// (`DIR/netns`) for the container's init to join. A spare of another
/// user namespace (a holder that died) or whose pasta is gone is stopped
/// instead, and `None` returned, as when there is no spare.
pub fn adopt_spare(run_root: &Path, dir: &Path) -> Option<PathBuf> {
    let ready = spare_root(run_root).join("ready");
    if !ready.exists() {
        return None;
    }
    if let Some(parent) = dir.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    // The rename is the claim: of two rcons, one gets it.
    std::fs::rename(&ready, dir).ok()?;
    let own = std::fs::metadata("/proc/self/ns/user").map(|m| std::os::unix::fs::MetadataExt::ino(&m)).ok();
    let made_in = std::fs::read_to_string(dir.join("userns")).ok().and_then(|t| t.trim().parse::<u64>().ok());
    if own.is_none() || own != made_in || running_pasta(dir).is_none() {
        crate::debug!("network: discarding a stale spare namespace");
        stop(dir);
        return None;
    }
    Some(paths(dir).0)
}

/// The pid of the pasta of directory `dir` while it runs.
fn running_pasta(dir: &Path) -> Option<i32> {
    let p = std::fs::read_to_string(paths(dir).1).ok()?.trim().parse::<i32>().ok()?;
    is_pasta(p).then_some(p)
}

/// Starts, in the background, a keeper that makes the next spare of the
/// run root `run_root` unless one is ready or being made: a network
/// namespace of the user's namespace with pasta already configuring it
/// (no published ports), so that the next container without published
/// ports starts without waiting for pasta ([`adopt_spare`]). Rootless
/// only; nothing is reported (a container without a spare starts its own
/// pasta).
pub fn prepare_spare(run_root: &Path) {
    if spare_root(run_root).join("ready").exists() || find().is_none() {
        return;
    }
    use std::os::unix::process::CommandExt;
    let spawned = std::process::Command::new("/proc/self/exe")
        .arg0("rcon")
        .arg(SPARE_ENTRY)
        .arg(run_root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        // Not in the caller's process group: a terminal's ^C is not for it.
        .process_group(0)
        .spawn();
    if let Err(e) = spawned {
        crate::debug!("network: cannot start the keeper of a spare namespace: {e}");
    }
}

/// The keeper's entry point (`args`: what follows [`SPARE_ENTRY`]); returns
/// its exit code. It makes a spare (see [`prepare_spare`]) and then lives
/// as long as the spare stays unclaimed: when the user's namespace holder
/// ends first, it stops the spare, so that a spare never outlives the
/// namespace it belongs to. A claimed spare's pasta runs on as any
/// container's (it quits when its namespace's file is deleted).
pub fn spare_main(args: &[std::ffi::OsString]) -> i32 {
    let [run_root] = args else { return 2 };
    match keep_spare(Path::new(run_root)) {
        Ok(()) => 0,
        Err(e) => {
            // Its stderr is /dev/null: the last failure is kept for whoever
            // wonders why containers start their own pasta.
            let _ = std::fs::write(spare_root(Path::new(run_root)).join("error"), format!("{e}\n"));
            1
        }
    }
}

fn keep_spare(run_root: &Path) -> Result<(), String> {
    let root = spare_root(run_root);
    std::fs::create_dir_all(&root).map_err(|e| format!("create {}: {e}", root.display()))?;
    let lock_path = root.join("lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("open {}: {e}", lock_path.display()))?;
    let Ok(lock) = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusiveNonblock) else {
        return Ok(()); // another keeper is making one
    };
    let ready = root.join("ready");
    if ready.exists() {
        if running_pasta(&ready).is_some() {
            return Ok(());
        }
        stop(&ready);
    }
    let holder = crate::runtime::rootless::holder_pid().ok_or("no user namespace holder")?;
    let holder = crate::sys::pidfd_open(holder).map_err(|e| format!("pidfd_open of the holder {holder}: {e}"))?;
    let new = root.join(format!("new-{}", std::process::id()));
    std::fs::create_dir_all(&new).map_err(|e| format!("create {}: {e}", new.display()))?;
    // A namespace of our own, bound to a file, with its loopback up (the
    // runtime brings it up only in namespaces it creates).
    let made = super::rootless_netns::new_bound(&paths(&new).0);
    if let Err(e) = made {
        stop(&new);
        return Err(e);
    }
    let userns = std::fs::metadata("/proc/self/ns/user").map(|m| std::os::unix::fs::MetadataExt::ino(&m));
    let recorded = userns.and_then(|ino| std::fs::write(new.join("userns"), ino.to_string()));
    if let Err(e) = recorded {
        stop(&new);
        return Err(format!("record the user namespace: {e}"));
    }
    let (netns, pid_file) = paths(&new);
    let started = spawn_on(&netns, &pid_file, &[], &new.join("pasta.log")).and_then(Starting::wait);
    if let Err(e) = started {
        stop(&new);
        return Err(e.to_string());
    }
    if let Err(e) = std::fs::rename(&new, &ready) {
        stop(&new);
        return Err(format!("publish the spare: {e}"));
    }
    // Watched before the lock goes, so that the `ready` watched is ours
    // (only a claim moves it meanwhile, and then there is nothing to keep).
    let inotify = nix::sys::inotify::Inotify::init(nix::sys::inotify::InitFlags::IN_CLOEXEC)
        .map_err(|e| format!("inotify: {e}"))?;
    let watched = nix::sys::inotify::AddWatchFlags::IN_MOVE_SELF | nix::sys::inotify::AddWatchFlags::IN_DELETE_SELF;
    if inotify.add_watch(&ready, watched).is_err() {
        return Ok(()); // claimed already
    }
    drop(lock);
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    loop {
        let mut fds = [PollFd::new(holder.as_fd(), PollFlags::POLLIN), PollFd::new(inotify.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(format!("poll: {e}")),
            Ok(_) => {}
        }
        let ended = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
        if ended(&fds[1]) {
            return Ok(()); // claimed (or removed)
        }
        if ended(&fds[0]) {
            // The holder ended: the spare goes with it, unless a claim
            // took it first (then the rename fails).
            let dead = root.join(format!("dead-{}", std::process::id()));
            if std::fs::rename(&ready, &dead).is_ok() {
                stop(&dead);
            }
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_gateway_from_proc_net_route() {
        let route = "Iface\tDestination\tGateway \tFlags\n\
                     eth0\t0000A8C0\t00000000\t0001\n\
                     eth0\t00000000\t0101A8C0\t0003\n";
        assert_eq!(gateway_in(route), Some("192.168.1.1".parse().unwrap()));
        assert_eq!(gateway_in("Iface\tDestination\tGateway\n"), None);
    }

    #[test]
    fn ports_become_pasta_options() {
        let p = |ip: &str, h, c, proto| PortMapping {
            host_ip: ip.parse().unwrap(),
            host_port: h,
            host_range: None,
            container_port: c,
            proto,
        };
        let (ns, pid) = (Path::new("/r/ns"), Path::new("/r/pid"));
        let a = args(ns, pid, &[p("127.0.0.1", 8080, 80, Proto::Tcp), p("0.0.0.0", 5353, 53, Proto::Udp)], &[]);
        assert_eq!(
            a.join(" "),
            "--config-net --quiet --runas 0:0 -T none -U none -t 127.0.0.1/8080:80 -u 5353:53 --pid /r/pid --netns /r/ns"
        );
        assert!(args(ns, pid, &[], &[]).join(" ").contains("-t none -u none --pid /r/pid --netns /r/ns"));
        // The user's own -T and -t replace rcon's `none`s, and come last.
        let extra = ["-T".to_string(), "8081".into(), "--tcp-ports=9000".into(), "--map-gw".into()];
        assert_eq!(
            args(ns, pid, &[], &extra).join(" "),
            "--config-net --quiet --runas 0:0 -U none -u none -T 8081 --tcp-ports=9000 --map-gw --pid /r/pid --netns /r/ns"
        );
        assert!(check_extra(&extra).is_ok());
        let e = check_extra(&["--netns=/x".to_string()]).unwrap_err().to_string();
        assert!(e.contains("rcon sets --netns itself"), "{e}");
    }
}
