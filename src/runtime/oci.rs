//! The OCI Runtime Command Line Interface's lifecycle (runtime-spec
//! runtime.md "Lifecycle" and "Operations"; runtime-tools'
//! command-line-interface.md), on top of [`super::spawn`]: `create`,
//! `start`, `state`, `kill` and `delete` of containers described by a bundle's
//! `config.json`, with a state record per container so that each operation
//! can be a separate `rcon oci` process, as with runc.
//!
//! # State
//!
//! One directory per container under the state root (`ROOT/ID/`, mode 0700):
//! `state.json` (a [`Record`]) and, while the container is created but not
//! started, `start.sock`, the listening socket its init waits on (see
//! [`super::SpawnOptions::exec_socket`]).
//!
//! The status is derived, never stored: `stopped` when the recorded pid is
//! gone, a zombie, or a different process (its start time, field 22 of
//! `/proc/PID/stat`, differs from the recorded one); otherwise `created`
//! while `start.sock` exists and `running` once `start` removed it. The exit
//! status of a stopped container is not known: the init was reparented when
//! `create` returned, and the runtime spec does not require it.
//!
//! # Create and start
//!
//! `create` binds `start.sock`, clones the init with it as its gate and
//! returns once the init reports that everything but the `execve` is done;
//! the init stays behind (a child of nobody once `rcon oci create` exits),
//! blocked in `accept(2)`. `start` connects, which releases it, and reads the
//! outcome of the `execve` on that connection.

use super::cgroups::Cgroup;
use super::{Error as RuntimeError, RootfsSetup, SpawnOptions, Stdio, StdioFd};
use oci_spec::runtime::{ContainerState, Hook, Spec, State};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Name of the state file in a container's state directory.
const STATE_FILE: &str = "state.json";
/// Name of the create/start gate socket in a container's state directory.
const START_SOCKET: &str = "start.sock";

/// Errors of the OCI lifecycle operations; each names the container.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No state for this ID under the state root.
    #[error("container {0} does not exist")]
    NotExist(String),
    /// `create` with an ID that is taken.
    #[error("container {0} already exists")]
    Exists(String),
    /// The ID is empty or has characters other than `[A-Za-z0-9_+.-]`.
    #[error("invalid container ID {0:?}: use letters, digits, '_', '+', '-' and '.'")]
    InvalidId(String),
    /// The bundle or its `config.json` is missing or invalid.
    #[error("cannot create container {id}: bundle {path}: {reason}")]
    Bundle {
        /// Container ID.
        id: String,
        /// The bundle directory or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The operation does not apply in the container's current status.
    #[error("cannot {op} container {id}: it is {status}")]
    Status {
        /// The operation (`start`, `kill`, `delete`).
        op: &'static str,
        /// Container ID.
        id: String,
        /// Its status (`created`, `running`, `stopped`).
        status: ContainerState,
    },
    /// The runtime failed to set the container up or to exec its process.
    #[error("cannot {op} container {id}: {source}")]
    Runtime {
        /// The operation (`create`, `start`).
        op: &'static str,
        /// Container ID.
        id: String,
        /// The runtime's error.
        #[source]
        source: RuntimeError,
    },
    /// A file or system call of the operation failed.
    #[error("cannot {op} container {id}: {what}: {reason}")]
    Io {
        /// The operation.
        op: &'static str,
        /// Container ID.
        id: String,
        /// The object of the failed step (a path, "signal 15").
        what: String,
        /// The system's message.
        reason: String,
    },
}

impl Error {
    /// The runtime's own exit code for a failed `execve` (126/127), else 1
    /// (runc's code for every failure).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Runtime {
                source:
                    e @ (RuntimeError::NotFound(_) | RuntimeError::Missing { .. } | RuntimeError::CannotInvoke { .. }),
                ..
            } => e.exit_code(),
            _ => 1,
        }
    }
}

/// What `create` records about a container (`ROOT/ID/state.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Container ID.
    pub id: String,
    /// Host pid of the container's init.
    pub pid: i32,
    /// The init's start time (`/proc/PID/stat` field 22, clock ticks after
    /// boot), to tell it from a later process with the same pid.
    pub start_time: u64,
    /// Absolute bundle directory.
    pub bundle: PathBuf,
    /// The spec's annotations.
    pub annotations: HashMap<String, String>,
    /// When `create` made it (RFC 3339).
    pub created: String,
    /// The cgroup `create` made for it, removed by `delete`.
    pub cgroup: Option<Cgroup>,
    /// The spec's `poststart` hooks, run by `start`.
    #[serde(default)]
    pub poststart: Vec<Hook>,
    /// The spec's `poststop` hooks, run by `delete`.
    #[serde(default)]
    pub poststop: Vec<Hook>,
}

/// The `create` options besides the ID and the bundle.
#[derive(Debug, Default)]
pub struct CreateOptions {
    /// Where to write the init's host pid (`--pid-file`).
    pub pid_file: Option<PathBuf>,
    /// A unix socket to send the console's master to (`--console-socket`),
    /// required when the spec sets `process.terminal`.
    pub console_socket: Option<PathBuf>,
}

/// The containers under one state root (`rcon oci --root`).
#[derive(Debug, Clone)]
pub struct Runtime {
    root: PathBuf,
}

/// `/proc/PID/stat`: (state letter, start time), `None` if there is no such
/// process.
fn proc_stat(pid: i32) -> Option<(char, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = s.rsplit_once(") ")?;
    let f: Vec<&str> = rest.split(' ').collect();
    Some((f.first()?.chars().next()?, f.get(19)?.parse().ok()?))
}

fn check_id(id: &str) -> Result<(), Error> {
    let ok = !id.is_empty()
        && id != "."
        && id != ".."
        && id.chars().all(|c| c.is_ascii_alphanumeric() || "_+-.".contains(c));
    if ok { Ok(()) } else { Err(Error::InvalidId(id.to_string())) }
}

impl Runtime {
    /// Containers kept under `root` (created on the first `create`).
    pub fn new(root: impl Into<PathBuf>) -> Runtime {
        Runtime { root: root.into() }
    }

    fn dir(&self, id: &str) -> PathBuf {
        self.root.join(id)
    }

    /// Reads the record of `id`. Errors: [`Error::NotExist`].
    pub fn load(&self, id: &str) -> Result<Record, Error> {
        check_id(id)?;
        let text = std::fs::read(self.dir(id).join(STATE_FILE)).map_err(|_| Error::NotExist(id.to_string()))?;
        serde_json::from_slice(&text).map_err(|e| Error::Io {
            op: "read",
            id: id.to_string(),
            what: format!("state file {}", self.dir(id).join(STATE_FILE).display()),
            reason: e.to_string(),
        })
    }

    /// The status of the container `r` describes (see the module docs).
    pub fn status(&self, r: &Record) -> ContainerState {
        match proc_stat(r.pid) {
            Some((state, start)) if start == r.start_time && state != 'Z' && state != 'X' => {
                if self.dir(&r.id).join(START_SOCKET).exists() {
                    ContainerState::Created
                } else {
                    ContainerState::Running
                }
            }
            _ => ContainerState::Stopped,
        }
    }

    /// runtime-spec "state": the state of `id` as the spec's JSON object
    /// (`pid` only while created or running).
    pub fn state(&self, id: &str) -> Result<State, Error> {
        let r = self.load(id)?;
        let status = self.status(&r);
        Ok(state_of(id, status, r.pid, &r.bundle, &r.annotations))
    }

    /// runtime-spec "create": sets up the container of the bundle at
    /// `bundle` (its `config.json`; `root.path` relative to the bundle) and
    /// returns the init's host pid once it waits for [`Runtime::start`].
    /// Relative mount sources are relative to the bundle (this changes the
    /// process's working directory). Must be called single-threaded (as
    /// [`super::spawn`]). The init inherits the caller's stdin, stdout and
    /// stderr, unless `process.terminal` asks for a console, which is then
    /// sent to `opts.console_socket`. On error nothing is left behind.
    pub fn create(&self, id: &str, bundle: &Path, opts: &CreateOptions) -> Result<i32, Error> {
        check_id(id)?;
        let bundle_err =
            |path: &Path, reason: String| Error::Bundle { id: id.to_string(), path: path.to_path_buf(), reason };
        let bundle = bundle.canonicalize().map_err(|e| bundle_err(bundle, e.to_string()))?;
        let config = bundle.join("config.json");
        let mut spec = load_spec(&config).map_err(|reason| bundle_err(&config, reason))?;
        let io = |what: &dyn std::fmt::Display, e: std::io::Error| Error::Io {
            op: "create",
            id: id.to_string(),
            what: what.to_string(),
            reason: e.to_string(),
        };

        let mut root = spec.root().clone().ok_or_else(|| bundle_err(&config, "no root".into()))?;
        let rootfs = bundle.join(root.path());
        if !rootfs.is_dir() {
            return Err(bundle_err(&rootfs, "the root filesystem is not a directory".into()));
        }
        root.set_path(rootfs);
        spec.set_root(Some(root));
        // Relative bind sources are relative to the bundle.
        if let Some(mounts) = spec.mounts().clone() {
            let mounts = mounts
                .into_iter()
                .map(|mut m| {
                    let bind = m.typ().as_deref() == Some("bind")
                        || m.options().iter().flatten().any(|o| o == "bind" || o == "rbind");
                    if let Some(src) = m.source().clone().filter(|s| bind && s.is_relative()) {
                        m.set_source(Some(bundle.join(src)));
                    }
                    m
                })
                .collect();
            spec.set_mounts(Some(mounts));
        }
        let terminal = spec.process().as_ref().and_then(|p| p.terminal()).unwrap_or(false);
        match (terminal, &opts.console_socket) {
            (true, None) => {
                return Err(bundle_err(&config, "process.terminal is set, which needs --console-socket".into()));
            }
            (false, Some(_)) => {
                return Err(bundle_err(&config, "--console-socket needs process.terminal in the spec".into()));
            }
            _ => {}
        }
        // Connect to the console socket before anything is created.
        let console_socket = match &opts.console_socket {
            Some(p) => Some(UnixStream::connect(p).map_err(|e| io(&format!("console socket {}", p.display()), e))?),
            None => None,
        };
        let mut linux = spec.linux().clone().unwrap_or_default();
        if linux.cgroups_path().is_none() {
            linux.set_cgroups_path(Some(PathBuf::from(format!("/rcon-oci/{id}"))));
        }
        // runc's default device rules, after the spec's own: a spec that
        // denies every device still has /dev/null, /dev/tty… and mknod.
        let mut resources = linux.resources().clone().unwrap_or_default();
        resources
            .set_devices(Some(super::cgroups::with_default_devices(resources.devices().clone().unwrap_or_default())));
        linux.set_resources(Some(resources));
        spec.set_linux(Some(linux));

        std::fs::create_dir_all(&self.root).map_err(|e| io(&format!("state root {}", self.root.display()), e))?;
        let dir = self.dir(id);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(Error::Exists(id.to_string())),
            Err(e) => return Err(io(&format!("state directory {}", dir.display()), e)),
        }
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        }
        let r = self.create_in(id, &dir, &bundle, spec, console_socket, opts);
        if r.is_err() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        r
    }

    fn create_in(
        &self,
        id: &str,
        dir: &Path,
        bundle: &Path,
        spec: Spec,
        console_socket: Option<UnixStream>,
        opts: &CreateOptions,
    ) -> Result<i32, Error> {
        let io = |what: &dyn std::fmt::Display, e: std::io::Error| Error::Io {
            op: "create",
            id: id.to_string(),
            what: what.to_string(),
            reason: e.to_string(),
        };
        // Bound by a relative name: a unix socket path has at most 107 bytes.
        std::env::set_current_dir(dir).map_err(|e| io(&dir.display(), e))?;
        let gate = UnixListener::bind(START_SOCKET).map_err(|e| io(&dir.join(START_SOCKET).display(), e))?;
        std::env::set_current_dir(bundle).map_err(|e| io(&bundle.display(), e))?;
        let hooks = spec.hooks().clone().unwrap_or_default();
        if hooks.start_container().as_ref().is_some_and(|h| !h.is_empty()) {
            return Err(Error::Bundle {
                id: id.to_string(),
                path: bundle.join("config.json"),
                reason: "startContainer hooks are not supported".into(),
            });
        }
        // createRuntime (and the deprecated prestart) then createContainer,
        // in the runtime namespace, once the namespaces exist and before
        // the init sets anything up in them.
        let early: Vec<(&'static str, Vec<Hook>)> = vec![
            ("prestart", hooks.prestart().clone().unwrap_or_default()),
            ("createRuntime", hooks.create_runtime().clone().unwrap_or_default()),
            ("createContainer", hooks.create_container().clone().unwrap_or_default()),
        ];
        let on_created: Option<super::CreatedHook> = if early.iter().all(|(_, h)| h.is_empty()) {
            None
        } else {
            let (id, bundle) = (id.to_string(), bundle.to_path_buf());
            let annotations = spec.annotations().clone().unwrap_or_default();
            Some(Box::new(move |pid| {
                let creating = state_of(&id, ContainerState::Creating, pid, &bundle, &annotations);
                // The deprecated prestart hooks get "created", as runtime-spec
                // 1.0's lifecycle (and runtime-tools' hooks_stdin) has them.
                let created = state_of(&id, ContainerState::Created, pid, &bundle, &annotations);
                for (kind, list) in &early {
                    run_hooks(kind, list, if *kind == "prestart" { &created } else { &creating })?;
                }
                Ok(())
            }))
        };
        let spawn_opts = SpawnOptions {
            on_created,
            rootfs: RootfsSetup::Ready,
            stdio: Stdio { stdin: StdioFd::Inherit, stdout: StdioFd::Inherit, stderr: StdioFd::Inherit },
            exec_socket: Some(OwnedFd::from(gate)),
            ..SpawnOptions::default()
        };
        let mut process = super::spawn(&spec, &spawn_opts).map_err(|source| Error::Runtime {
            op: "create",
            id: id.to_string(),
            source,
        })?;
        drop(spawn_opts);
        let pid = process.pid();
        let kill = |cg: Option<&Cgroup>| {
            let _ = crate::sys::kill(pid, libc::SIGKILL);
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None);
            if let Some(c) = cg {
                c.remove();
                c.remove_created_parents();
            }
        };
        let cgroup = process.cgroup().cloned();
        let result = (|| {
            if let (Some(sock), Some(console)) = (&console_socket, process.take_console()) {
                send_console(sock, &console).map_err(|e| {
                    io(&format!("console socket {}", opts.console_socket.as_ref().unwrap().display()), e)
                })?;
            }
            let start_time = proc_stat(pid).map(|(_, t)| t).unwrap_or_default();
            let record = Record {
                id: id.to_string(),
                pid,
                start_time,
                bundle: bundle.to_path_buf(),
                annotations: spec.annotations().clone().unwrap_or_default(),
                created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                cgroup: cgroup.clone(),
                poststart: hooks.poststart().clone().unwrap_or_default(),
                poststop: hooks.poststop().clone().unwrap_or_default(),
            };
            crate::util::write_atomic(
                &dir.join(STATE_FILE),
                &serde_json::to_vec_pretty(&record).unwrap_or_default(),
                0o666,
                false,
            )
            .map_err(|e| io(&dir.join(STATE_FILE).display(), e))?;
            if let Some(f) = &opts.pid_file {
                crate::util::write_atomic(f, pid.to_string().as_bytes(), 0o666, false)
                    .map_err(|e| io(&format!("pid file {}", f.display()), e))?;
            }
            Ok(pid)
        })();
        if result.is_err() {
            kill(cgroup.as_ref());
        }
        result
    }

    /// runtime-spec "start": releases the created container's init and
    /// returns once its `execve` succeeded. Errors: [`Error::Status`] unless
    /// created; [`Error::Runtime`] with the exec's error (the process is gone
    /// then).
    pub fn start(&self, id: &str) -> Result<(), Error> {
        let r = self.load(id)?;
        let status = self.status(&r);
        if status != ContainerState::Created {
            return Err(Error::Status { op: "start", id: id.to_string(), status });
        }
        let dir = self.dir(id);
        let io = |what: &str, e: std::io::Error| Error::Io {
            op: "start",
            id: id.to_string(),
            what: what.to_string(),
            reason: e.to_string(),
        };
        std::env::set_current_dir(&dir).map_err(|e| io(&dir.display().to_string(), e))?;
        let mut conn = UnixStream::connect(START_SOCKET).map_err(|e| io("the container's init", e))?;
        let _ = std::fs::remove_file(START_SOCKET);
        let mut buf = Vec::new();
        conn.read_to_end(&mut buf).map_err(|e| io("the container's init", e))?;
        if buf.is_empty() {
            // runtime-spec: a failing poststart hook is only a warning.
            let state = state_of(id, ContainerState::Running, r.pid, &r.bundle, &r.annotations);
            run_hooks_warning("poststart", id, &r.poststart, &state);
            Ok(())
        } else {
            Err(Error::Runtime { op: "start", id: id.to_string(), source: super::spawn_error_from_bytes(&buf) })
        }
    }

    /// runtime-spec "kill": sends `signal` to the init (`all`: to every
    /// process of the container's cgroup). Errors: [`Error::Status`] when
    /// stopped.
    pub fn kill(&self, id: &str, signal: i32, all: bool) -> Result<(), Error> {
        let r = self.load(id)?;
        let status = self.status(&r);
        if status == ContainerState::Stopped {
            return Err(Error::Status { op: "kill", id: id.to_string(), status });
        }
        let mut pids = vec![r.pid];
        if all && let Some(cg) = &r.cgroup {
            for (_, d) in &cg.dirs {
                let procs = std::fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default();
                pids.extend(procs.split_whitespace().filter_map(|p| p.parse::<i32>().ok()).filter(|p| *p != r.pid));
            }
        }
        for pid in pids {
            if let Err(e) = crate::sys::kill(pid, signal)
                && pid == r.pid
            {
                let e = std::io::Error::from(e);
                return Err(Error::Io {
                    op: "kill",
                    id: id.to_string(),
                    what: format!("signal {signal}"),
                    reason: e.to_string(),
                });
            }
        }
        Ok(())
    }

    /// runtime-spec "delete": removes a stopped container's cgroup and
    /// state. A created or running one only with `force` (SIGKILL, then
    /// waits up to 10 s for it to end): runtime.md "delete" requires an
    /// error without effect for a container that is not stopped (runc
    /// deletes created ones).
    pub fn delete(&self, id: &str, force: bool) -> Result<(), Error> {
        let r = self.load(id)?;
        let status = self.status(&r);
        match status {
            ContainerState::Stopped => {}
            _ if !force => {
                return Err(Error::Status { op: "delete", id: id.to_string(), status });
            }
            _ => {
                let _ = crate::sys::kill(r.pid, libc::SIGKILL);
                let mut waited = Duration::ZERO;
                while self.status(&r) != ContainerState::Stopped {
                    if waited > Duration::from_secs(10) {
                        return Err(Error::Io {
                            op: "delete",
                            id: id.to_string(),
                            what: format!("process {}", r.pid),
                            reason: "still alive 10 s after SIGKILL".into(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    waited += Duration::from_millis(5);
                }
            }
        }
        if let Some(cg) = &r.cgroup {
            cg.remove();
            cg.remove_created_parents();
        }
        let state = state_of(id, ContainerState::Stopped, r.pid, &r.bundle, &r.annotations);
        run_hooks_warning("poststop", id, &r.poststop, &state);
        let dir = self.dir(id);
        std::fs::remove_dir_all(&dir).map_err(|e| Error::Io {
            op: "delete",
            id: id.to_string(),
            what: dir.display().to_string(),
            reason: e.to_string(),
        })
    }
}

/// Reads a bundle's `config.json`. Errors name what is wrong; an unknown
/// capability name (which the spec's parser only reports as a failed
/// deserialization) is named with the set it is in.
pub fn load_spec(config: &Path) -> Result<Spec, String> {
    let text = std::fs::read(config).map_err(|e| e.to_string())?;
    match serde_json::from_slice::<Spec>(&text) {
        Ok(spec) => Ok(spec),
        Err(e) => {
            let value: serde_json::Value = serde_json::from_slice(&text).map_err(|_| e.to_string())?;
            let caps = &value["process"]["capabilities"];
            for set in ["bounding", "effective", "inheritable", "permitted", "ambient"] {
                for name in caps[set].as_array().into_iter().flatten() {
                    let known = name.as_str().is_some_and(|n| super::caps::NAMES.contains(&n));
                    if !known {
                        return Err(format!(
                            "unknown capability {name} in process.capabilities.{set} (known: CAP_CHOWN … {})",
                            super::caps::NAMES[super::caps::NAMES.len() - 1]
                        ));
                    }
                }
            }
            Err(e.to_string())
        }
    }
}

/// The runtime-spec state object (`pid` unless stopped).
fn state_of(id: &str, status: ContainerState, pid: i32, bundle: &Path, annotations: &HashMap<String, String>) -> State {
    let mut s = State::default();
    s.set_version(oci_spec::runtime::VERSION.to_string());
    s.set_id(id.to_string());
    s.set_status(status);
    s.set_pid(if status == ContainerState::Stopped { None } else { Some(pid) });
    s.set_bundle(bundle.to_path_buf());
    s.set_annotations(Some(annotations.clone()));
    s
}

/// Runs `hooks` in order (runtime-spec config.md "POSIX-platform Hooks"):
/// `path` with `args` (`args[0]` as `argv[0]`) and exactly `env`, the state
/// JSON on stdin, rcon's stdout and stderr, killed after `timeout` seconds.
/// Stops at the first failure; the error names the hook.
pub fn run_hooks(kind: &str, hooks: &[Hook], state: &State) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let json = serde_json::to_vec(state).unwrap_or_default();
    for h in hooks {
        let name = h.path().display().to_string();
        let fail = |why: String| format!("{kind} hook {name} {why}");
        let args = h.args().clone().unwrap_or_default();
        let mut cmd = std::process::Command::new(h.path());
        if let Some((first, rest)) = args.split_first() {
            cmd.arg0(first).args(rest);
        }
        cmd.env_clear();
        for kv in h.env().iter().flatten() {
            if let Some((k, v)) = kv.split_once('=') {
                cmd.env(k, v);
            }
        }
        let mut child =
            cmd.stdin(std::process::Stdio::piped()).spawn().map_err(|e| fail(format!("cannot run: {e}")))?;
        if let Some(stdin) = child.stdin.take() {
            // A hook may not read its stdin: a closed pipe is not an error.
            let _ = crate::util::write_to_child(stdin, &json);
        }
        let deadline =
            h.timeout().filter(|t| *t > 0).map(|t| std::time::Instant::now() + Duration::from_secs(t as u64));
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break st,
                Ok(None) if deadline.is_some_and(|d| std::time::Instant::now() >= d) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail(format!("timed out after {} s", h.timeout().unwrap_or_default())));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => return Err(fail(format!("cannot be waited for: {e}"))),
            }
        };
        if !status.success() {
            return Err(fail(format!("failed: {status}")));
        }
    }
    Ok(())
}

/// Runs every hook of `hooks` like [`run_hooks`], but a failing one is only
/// a warning and the next ones still run (runtime-spec runtime.md
/// "Lifecycle": `poststart` and `poststop`).
fn run_hooks_warning(kind: &str, id: &str, hooks: &[Hook], state: &State) {
    for h in hooks {
        if let Err(m) = run_hooks(kind, std::slice::from_ref(h), state) {
            crate::warn!("container {id}: {m}");
        }
    }
}

/// Sends the console master over `sock` as runc does: one message whose data
/// is the terminal's name and whose `SCM_RIGHTS` carries the fd.
fn send_console(sock: &UnixStream, console: &OwnedFd) -> std::io::Result<()> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    use std::os::fd::AsRawFd;
    let fds = [console.as_fd().as_raw_fd()];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    sendmsg::<()>(sock.as_raw_fd(), &[std::io::IoSlice::new(b"/dev/ptmx")], &cmsg, MsgFlags::empty(), None)
        .map_err(std::io::Error::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        for ok in ["a", "my-ctr_1.2+x", "ABC"] {
            check_id(ok).unwrap();
        }
        for bad in ["", ".", "..", "a/b", "a b", "../x"] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_missing_container_does_not_exist() {
        let d = tempfile::tempdir().unwrap();
        let rt = Runtime::new(d.path());
        let e = rt.state("nosuch").unwrap_err();
        assert_eq!(e.to_string(), "container nosuch does not exist");
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn status_follows_the_pid_and_its_start_time() {
        let d = tempfile::tempdir().unwrap();
        let rt = Runtime::new(d.path());
        let me = std::process::id() as i32;
        let start_time = proc_stat(me).unwrap().1;
        let mut r = Record {
            id: "x".into(),
            pid: me,
            start_time,
            bundle: "/b".into(),
            annotations: HashMap::new(),
            created: String::new(),
            cgroup: None,
            poststart: Vec::new(),
            poststop: Vec::new(),
        };
        assert_eq!(rt.status(&r), ContainerState::Running);
        std::fs::create_dir(d.path().join("x")).unwrap();
        std::fs::write(d.path().join("x").join(START_SOCKET), "").unwrap();
        assert_eq!(rt.status(&r), ContainerState::Created);
        r.start_time += 1;
        assert_eq!(rt.status(&r), ContainerState::Stopped);
    }
}
