//! The Docker Engine API, served by `rcon system service` so that clients
//! which speak it (the docker CLI, docker-py, docker-compose 1.x,
//! testcontainers) can drive rcon. Docker Engine API v1.24 to v1.44
//! (<https://docs.docker.com/engine/api/>), paths with and without the
//! `/v1.NN` prefix.
//!
//! This module is a front end, like `cli`: it turns requests into the same
//! library calls as the CLI and never holds state of its own beyond the
//! exec instances it was asked to create (docker keeps those in memory
//! too). Everything else lives in the store, so a container created
//! through the API shows in `rcon ps`, and keeps running when the service
//! exits (its monitor is the same one `rcon run -d` starts).
//!
//! Threads (docs/ARCHITECTURE.md hazards 1 and 7): the service runs on a
//! multi-threaded tokio runtime, so it must never fork. Blocking library
//! calls that do not fork (store reads, `stop`, `kill`, `wait`, `rm`, pulls,
//! networks, volumes) run on tokio's blocking threads
//! (`spawn_blocking`). Whatever forks (starting a container's monitor,
//! `exec`, a build's RUN steps, `cp`'s private mount namespace, a
//! volume's copy-up at create) runs in a fresh `rcon` process started with
//! `std::process::Command` on `/proc/self/exe` (the service runs from the
//! read-only view of its binary, `runtime::exe`, so the children do too):
//! [`worker`] for create, and rcon's own commands (`start`, `exec`, `cp`,
//! `build`) for the rest.
//!
//! Nothing here runs unless `rcon system service` is asked for: the CLI's
//! start-up does not touch tokio or hyper.
//!
//! Idle exit: the service exits `--time` seconds after the last request
//! ended and the last stream closed ([`Activity`]); `0` means never. With
//! socket activation (`LISTEN_FDS`, see `contrib/systemd/`), systemd keeps
//! the socket and starts the service again on the next connection.

mod archive;
mod body;
mod build;
mod containers;
mod convert;
mod error;
mod exec;
mod images;
mod networks;
mod router;
mod system;
mod volumes;
pub mod worker;

use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The newest API version served (docker 25, what docker-py 7.1 asks for).
pub const API_VERSION: &str = "1.44";
/// The oldest API version served.
pub const MIN_API_VERSION: &str = "1.24";
/// Where the service listens without a URI (as root).
pub const DEFAULT_URI: &str = "unix:///run/rcon/rcon.sock";

/// Where the service listens without a URI: [`DEFAULT_URI`] as root,
/// `unix://$XDG_RUNTIME_DIR/rcon/rcon.sock` rootless (the user's run
/// directory, as podman's `$XDG_RUNTIME_DIR/podman/podman.sock`).
pub fn default_uri() -> String {
    if crate::runtime::rootless::is_rootless() {
        format!("unix://{}/rcon.sock", crate::runtime::rootless::default_runroot().display())
    } else {
        DEFAULT_URI.to_string()
    }
}

/// How `rcon system service` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `unix://PATH` or `tcp://HOST:PORT` (ignored when a socket is passed
    /// with `LISTEN_FDS`).
    pub uri: String,
    /// Exit after this long without a request or an open stream; `None`:
    /// never.
    pub idle: Option<Duration>,
    /// Serve on a non-loopback TCP address (the API is root on the host).
    pub allow_remote: bool,
    /// The group that may use the unix socket (mode 0660); default root.
    pub group: Option<String>,
    /// The store's root (`--root`).
    pub root: PathBuf,
    /// The run root (`--runroot`).
    pub runroot: PathBuf,
}

/// What every request handler shares.
pub(crate) struct Service {
    /// `--root`.
    pub root: PathBuf,
    /// `--runroot`.
    pub runroot: PathBuf,
    /// Requests in flight and streams open, and when the last one ended.
    pub activity: Arc<Activity>,
    /// Exec instances created and not yet gone (`POST /containers/{id}/exec`).
    pub execs: std::sync::Mutex<std::collections::HashMap<String, exec::ExecInstance>>,
    /// The log level the service runs with (passed to the rcon it starts).
    pub log_level: &'static str,
    /// The store the requests share, with the database file's identity
    /// (device, inode) it was opened on: see [`Service::store`].
    pub shared_store: std::sync::Mutex<Option<((u64, u64), crate::store::Store)>>,
}

impl Service {
    /// The store, for one request. Its clones share one kept database
    /// connection (`Store::keep_connection`: a request that finds it in use
    /// opens its own), so that a request does not open the database and
    /// read its schema again (about 0.2 ms). Opened anew when the database
    /// file is another one than before (the store removed and made anew
    /// meanwhile). A removed container's directory is deleted after the
    /// answer (`Store::remove_in_background`).
    pub fn store(&self) -> anyhow::Result<crate::store::Store> {
        use std::os::unix::fs::MetadataExt;
        let file = |root: &std::path::Path| std::fs::metadata(root.join("rcon.db")).ok().map(|m| (m.dev(), m.ino()));
        let mut shared = self.shared_store.lock().unwrap_or_else(|e| e.into_inner());
        let now = file(&self.root);
        if let (Some((seen, store)), Some(now)) = (shared.as_ref(), now)
            && *seen == now
        {
            return Ok(store.clone());
        }
        let store = crate::store::Store::open(&self.root, &self.runroot)?.remove_in_background().keep_connection();
        // The database exists once it was opened (the service holds it open).
        store.db()?;
        *shared = file(&self.root).map(|f| (f, store.clone()));
        Ok(store)
    }

    /// A `Command` for a fresh `rcon --root R --runroot RR --log-level L
    /// ARGS…` from the running (read-only) binary: the way the service
    /// starts anything that forks (hazard 7).
    pub fn rcon(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new("/proc/self/exe");
        c.arg0("rcon")
            .arg("--root")
            .arg(&self.root)
            .arg("--runroot")
            .arg(&self.runroot)
            .arg("--log-level")
            .arg(self.log_level)
            .args(args)
            .env_remove("LISTEN_PID")
            .env_remove("LISTEN_FDS")
            .env_remove("LISTEN_FDNAMES")
            .stdin(std::process::Stdio::null());
        c
    }
}

use std::os::unix::process::CommandExt as _;

/// Counts what keeps the service busy: requests being answered and
/// streams (logs, events, attach, exec) open.
#[derive(Debug)]
pub struct Activity {
    busy: AtomicUsize,
    last: std::sync::Mutex<Instant>,
}

impl Activity {
    fn new() -> Activity {
        Activity { busy: AtomicUsize::new(0), last: std::sync::Mutex::new(Instant::now()) }
    }

    /// Marks one more thing busy until the guard is dropped.
    pub fn enter(self: &Arc<Self>) -> ActivityGuard {
        self.busy.fetch_add(1, Ordering::SeqCst);
        ActivityGuard(self.clone())
    }

    /// How long the service has been idle (`None` while busy).
    fn idle_for(&self) -> Option<Duration> {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(self.last.lock().unwrap_or_else(|e| e.into_inner()).elapsed())
    }
}

/// One busy request or stream (see [`Activity::enter`]).
#[derive(Debug)]
pub struct ActivityGuard(Arc<Activity>);

impl Drop for ActivityGuard {
    fn drop(&mut self) {
        *self.0.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket at this path.
    Unix(PathBuf),
    /// A TCP address.
    Tcp(std::net::SocketAddr),
}

/// Parses a service URI: `unix:///path`, `tcp://HOST:PORT`, or a bare
/// absolute path. Errors: another scheme, a relative path, a bad address.
pub fn parse_uri(uri: &str) -> anyhow::Result<Endpoint> {
    if let Some(path) = uri.strip_prefix("unix://") {
        if !path.starts_with('/') {
            bail!("invalid URI {uri:?}: the socket path must be absolute (unix:///run/rcon/rcon.sock)");
        }
        return Ok(Endpoint::Unix(PathBuf::from(path)));
    }
    if let Some(addr) = uri.strip_prefix("tcp://") {
        use std::net::ToSocketAddrs;
        let addr = addr.trim_end_matches('/');
        let mut addrs =
            addr.to_socket_addrs().with_context(|| format!("invalid URI {uri:?}: expected tcp://HOST:PORT"))?;
        return addrs.next().map(Endpoint::Tcp).ok_or_else(|| anyhow::anyhow!("invalid URI {uri:?}: no address"));
    }
    if uri.starts_with('/') {
        return Ok(Endpoint::Unix(PathBuf::from(uri)));
    }
    bail!("invalid URI {uri:?}: expected unix:///PATH or tcp://HOST:PORT")
}

/// A bound listening socket, before the runtime takes it.
enum StdListener {
    Unix(std::os::unix::net::UnixListener, Option<PathBuf>),
    Tcp(std::net::TcpListener),
}

/// The socket passed by socket activation (`LISTEN_PID` = this process,
/// `LISTEN_FDS` ≥ 1: fd 3), if any. The children the service starts do
/// not get the variables ([`Service::rcon`]).
fn activated_socket() -> anyhow::Result<Option<StdListener>> {
    let pid_matches = std::env::var("LISTEN_PID").is_ok_and(|p| p.trim() == std::process::id().to_string());
    let count: usize = std::env::var("LISTEN_FDS").ok().and_then(|n| n.trim().parse().ok()).unwrap_or(0);
    if !pid_matches || count == 0 {
        return Ok(None);
    }
    let fd = crate::sys::take_inherited_fd(3).context("LISTEN_FDS is set but fd 3 is not open")?;
    use nix::sys::socket::{AddressFamily, SockaddrLike, SockaddrStorage, getsockname};
    let addr: SockaddrStorage =
        getsockname(std::os::fd::AsRawFd::as_raw_fd(&fd)).context("LISTEN_FDS: fd 3 is not a socket")?;
    Ok(Some(match addr.family() {
        Some(AddressFamily::Unix) => StdListener::Unix(std::os::unix::net::UnixListener::from(fd), None),
        Some(AddressFamily::Inet | AddressFamily::Inet6) => StdListener::Tcp(std::net::TcpListener::from(fd)),
        other => bail!("LISTEN_FDS: fd 3 is a socket of family {other:?}; expected a unix or TCP socket"),
    }))
}

/// Binds `endpoint`: a unix socket made 0660 and owned by root and
/// `group`, or a TCP socket (refused off loopback unless `allow_remote`).
fn bind(endpoint: &Endpoint, opts: &ServeOptions) -> anyhow::Result<StdListener> {
    match endpoint {
        Endpoint::Tcp(addr) => {
            if !addr.ip().is_loopback() {
                if !opts.allow_remote {
                    bail!(
                        "refusing to serve the API on {addr}: it is not a loopback address, and whoever reaches \
                         the API is root on this host; give --allow-remote to do it anyway"
                    );
                }
                crate::warn!(
                    "serving the API on {addr}: anyone who can reach it is root on this host (no TLS, no \
                     authentication)"
                );
            }
            Ok(StdListener::Tcp(std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?))
        }
        Endpoint::Unix(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            // A socket file left by a service that was killed: remove it
            // unless something still answers on it.
            if std::fs::symlink_metadata(path).is_ok() {
                if std::os::unix::net::UnixStream::connect(path).is_ok() {
                    bail!("{} is in use by another service; stop it or give another socket path", path.display());
                }
                std::fs::remove_file(path).with_context(|| format!("cannot remove the stale {}", path.display()))?;
            }
            let gid = match &opts.group {
                Some(g) => Some(
                    nix::unistd::Group::from_name(g)
                        .with_context(|| format!("cannot look up group {g:?}"))?
                        .ok_or_else(|| anyhow::anyhow!("no such group: {g}"))?
                        .gid,
                ),
                None => None,
            };
            // Created with no permission for anyone else, then opened up
            // to the owner and the group only.
            let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
            let bound = std::os::unix::net::UnixListener::bind(path);
            nix::sys::stat::umask(old);
            let listener = bound.with_context(|| format!("cannot listen on {}", path.display()))?;
            if let Some(gid) = gid {
                nix::unistd::chown(path, None, Some(gid))
                    .with_context(|| format!("cannot give {} to its group", path.display()))?;
            }
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
                .with_context(|| format!("cannot set the mode of {}", path.display()))?;
            Ok(StdListener::Unix(listener, Some(path.clone())))
        }
    }
}

/// Serves the API until it has been idle for `opts.idle` (forever with
/// `None`). Errors: the URI is bad or refused, the socket cannot be bound.
pub fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    // The CLI lets SIGPIPE end rcon (`rcon ps | head`). The service must
    // not end when a client closes its connection before the response is
    // written (the docker CLI does, once it has read a tar's end marker),
    // nor when a child closes a pipe the service writes: the write fails
    // with EPIPE and only that request ends. The processes it starts get
    // the default back (`std::process::Command` resets SIGPIPE).
    crate::sys::ignore_sigpipe(true);
    let listener = match activated_socket()? {
        Some(l) => l,
        None => bind(&parse_uri(&opts.uri)?, &opts)?,
    };
    let remove_on_exit = match &listener {
        StdListener::Unix(_, path) => path.clone(),
        StdListener::Tcp(_) => None,
    };
    // Leftovers of rcon processes that were killed, once (the CLI sweeps
    // on every command).
    // The service's idle connection to the database, until it exits: the
    // rcon processes it starts then neither checkpoint nor delete the WAL
    // (`Store::hold_open`), which saved four fsyncs per process.
    let mut _held_db = None;
    if let Ok(store) = crate::store::Store::open(&opts.root, &opts.runroot) {
        crate::container::cleanup::sweep(&store);
        _held_db = store.hold_open().ok();
    }
    // `wait` and `/events` follow the event log through one inotify watch
    // for the service's lifetime: closing a watch of their own would delay
    // each reply by a kernel grace period (7-20 ms).
    crate::store::events::share_watches();
    let service = Arc::new(Service {
        root: opts.root.clone(),
        runroot: opts.runroot.clone(),
        activity: Arc::new(Activity::new()),
        execs: Default::default(),
        log_level: crate::util::log_level_name(),
        shared_store: Default::default(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(64)
        .enable_all()
        .thread_name("rcon-api")
        .build()
        .context("cannot start the service's runtime")?;
    let result = runtime.block_on(run(service, listener, opts.idle));
    runtime.shutdown_background();
    if let Some(path) = remove_on_exit {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// The accept loop, until idle.
async fn run(service: Arc<Service>, listener: StdListener, idle: Option<Duration>) -> anyhow::Result<()> {
    match listener {
        StdListener::Unix(l, _) => {
            l.set_nonblocking(true)?;
            let l = tokio::net::UnixListener::from_std(l)?;
            let svc = service.clone();
            tokio::spawn(async move {
                loop {
                    match l.accept().await {
                        Ok((stream, _)) => serve_connection(svc.clone(), stream),
                        Err(e) => accept_failed(e).await,
                    }
                }
            });
        }
        StdListener::Tcp(l) => {
            l.set_nonblocking(true)?;
            let l = tokio::net::TcpListener::from_std(l)?;
            let svc = service.clone();
            tokio::spawn(async move {
                loop {
                    match l.accept().await {
                        Ok((stream, _)) => {
                            let _ = stream.set_nodelay(true);
                            serve_connection(svc.clone(), stream)
                        }
                        Err(e) => accept_failed(e).await,
                    }
                }
            });
        }
    }
    let Some(idle) = idle else { return std::future::pending().await };
    let tick = (idle / 10).clamp(Duration::from_millis(10), Duration::from_millis(250));
    loop {
        tokio::time::sleep(tick).await;
        if service.activity.idle_for().is_some_and(|d| d >= idle) {
            crate::debug!("API service idle for {idle:?}: exiting");
            return Ok(());
        }
    }
}

/// An accept error (out of descriptors, a connection reset before accept):
/// logged, and the loop goes on after a pause.
async fn accept_failed(e: std::io::Error) {
    crate::warn!("API service: accept: {e}");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Serves HTTP/1.1 on one connection (with upgrades, for the hijacked
/// streams of attach and exec).
fn serve_connection<S>(service: Arc<Service>, stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let io = hyper_util::rt::TokioIo::new(stream);
        let svc = hyper::service::service_fn(move |req| {
            let service = service.clone();
            async move { Ok::<_, std::convert::Infallible>(router::handle(service, req).await) }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(Duration::from_secs(30))
            .max_buf_size(64 * 1024)
            .serve_connection(io, svc)
            .with_upgrades();
        if let Err(e) = conn.await {
            crate::debug!("API connection: {e}");
        }
    });
}

/// True when `path` is a socket something answers on (for tests and the
/// CLI's messages).
pub fn answers(path: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(path).is_ok()
}
