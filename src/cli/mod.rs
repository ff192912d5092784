//! Command-line definitions (clap) and dispatch. One file per subcommand,
//! each glue only: turn flags into library calls and print results.
//!
//! Exit codes follow docker's CLI: `run` and `create` exit 125 when rcon
//! itself fails, 126 when the container command cannot be invoked, 127 when
//! it is not found, otherwise the container's own code; a bad flag is 125
//! for every command; any other failure of a command docker has is 1 (a
//! failed `build` RUN: that command's code, as docker's classic builder);
//! rcon's own commands (`compose`, `kube`, `pod`, `system check|service`)
//! exit 125.

mod build;
mod commit;
mod compose;
mod container;
mod cp;
mod df;
mod diff;
mod events;
mod exec;
mod history;
mod image;
mod images;
mod import;
mod info;
mod inspect;
mod kube;
mod lifecycle;
mod login;
mod logs;
mod network;
mod oci;
mod pod;
mod port;
mod ps;
mod pull;
mod push;
mod rm;
mod rmi;
mod run;
mod save;
mod search;
mod system;
mod tag;
mod update;
mod volume;

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// Exit code when rcon itself fails.
pub const EXIT_RCON_FAILED: i32 = 125;

/// rcon: a daemonless container engine with a docker-compatible command line.
#[derive(Debug, Parser)]
#[command(name = "rcon", version, about, long_about = None, disable_help_subcommand = true)]
pub struct Cli {
    /// Store root for images, layers and containers
    #[arg(long, global = true, env = "RCON_ROOT", value_name = "DIR", default_value_os_t = crate::runtime::rootless::default_root())]
    pub root: PathBuf,

    /// Directory for run state (pids, locks of running containers)
    #[arg(long, global = true, env = "RCON_RUNROOT", value_name = "DIR", default_value_os_t = crate::runtime::rootless::default_runroot(), hide = true)]
    pub runroot: PathBuf,

    /// Logging level: debug, info, warn or error
    #[arg(long, global = true, value_name = "LEVEL", default_value = "warn", value_parser = ["debug", "info", "warn", "error"])]
    pub log_level: String,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build an image from a Dockerfile
    Build(build::BuildArgs),
    /// Download an image from a registry
    Pull(pull::PullArgs),
    /// Create and run a new container from an image
    Run(run::RunArgs),
    /// Define and run multi-container applications (the Compose Specification)
    Compose(compose::ComposeArgs),
    /// List images
    Images(images::ImagesArgs),
    /// List containers
    Ps(ps::PsArgs),
    /// Remove one or more containers
    Rm(rm::RmArgs),
    /// Remove one or more images
    Rmi(rmi::RmiArgs),
    /// Manage networks
    Network(network::NetworkArgs),
    /// List port mappings of a container
    Port(port::PortArgs),
    /// Log in to a registry
    Login(login::LoginArgs),
    /// Log out from a registry
    Logout(login::LogoutArgs),
    /// Upload an image to a registry
    Push(push::PushArgs),
    /// Create a tag TARGET that refers to SOURCE
    Tag(tag::TagArgs),
    /// Show the history of an image
    History(history::HistoryArgs),
    /// Manage images
    Image(image::ImageArgs),
    /// Save images to a tar archive (docker-archive or oci-archive)
    Save(save::SaveArgs),
    /// Load images from a tar archive
    Load(save::LoadArgs),
    /// Create an image from a root filesystem tarball
    Import(import::ImportArgs),
    /// Export a container's filesystem as a tar archive
    Export(import::ExportArgs),
    /// Create a new image from a container's changes
    Commit(commit::CommitArgs),
    /// Create a new container without starting it
    Create(lifecycle::CreateArgs),
    /// Start one or more stopped containers
    Start(lifecycle::StartArgs),
    /// Stop one or more running containers
    Stop(lifecycle::StopArgs),
    /// Restart one or more containers
    Restart(lifecycle::StopArgs),
    /// Kill one or more running containers
    Kill(lifecycle::KillArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(lifecycle::WaitArgs),
    /// Fetch the logs of a container
    Logs(logs::LogsArgs),
    /// Execute a command in a running container
    Exec(exec::ExecArgs),
    /// Return low-level information on containers and images as JSON
    Inspect(inspect::InspectArgs),
    /// Display the running processes of a container
    Top(container::TopArgs),
    /// Display a snapshot of containers' resource usage
    Stats(container::StatsArgs),
    /// Pause all processes within one or more containers
    Pause(container::Containers),
    /// Unpause all processes within one or more containers
    Unpause(container::Containers),
    /// Attach to a running container's output
    Attach(container::AttachArgs),
    /// Manage containers
    Container(container::ContainerArgs),
    /// Manage volumes
    Volume(volume::VolumeArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(cp::CpArgs),
    /// Get real time events from the engine
    Events(events::EventsArgs),
    /// Display system-wide information
    Info(info::InfoArgs),
    /// Rename a container
    Rename(container::RenameArgs),
    /// Search registries for images
    Search(search::SearchArgs),
    /// Manage the engine (info, events, df, prune)
    System(system::SystemArgs),
    /// Update the resource limits and restart policy of containers
    Update(update::UpdateArgs),
    /// Show the rcon version information
    Version(info::VersionArgs),
    /// Inspect changes to files or directories on a container's filesystem
    Diff(diff::DiffArgs),
    /// Play and generate Kubernetes YAML
    Kube(kube::KubeArgs),
    /// Manage pods (containers sharing network, IPC and UTS namespaces)
    Pod(pod::PodArgs),
    /// OCI runtime command line (create, start, state, kill, delete on a bundle)
    #[command(hide = true)]
    Oci(oci::OciArgs),
}

impl Command {
    /// True for the commands that start processes a container can see
    /// (an init, an `exec`'d process, a monitor, a build step).
    fn starts_container_processes(&self) -> bool {
        matches!(
            self,
            Command::Build(_)
                | Command::Run(_)
                | Command::Start(_)
                | Command::Restart(_)
                | Command::Exec(_)
                | Command::Oci(_)
        ) || matches!(self, Command::Container(c) if c.starts_container_processes())
            || matches!(self, Command::Compose(c) if c.command.starts_container_processes())
            || matches!(self, Command::Image(i) if i.starts_container_processes())
            || matches!(self, Command::System(s) if s.starts_container_processes())
            || matches!(self, Command::Pod(p) if p.command.starts_container_processes())
            || matches!(self, Command::Kube(k) if k.command.starts_container_processes())
            || matches!(self, Command::Create(c) if c.in_pod())
    }

    /// True for the commands docker's CLI has, whose failures it reports
    /// with exit 1 (run and create aside); false for rcon's own.
    fn is_dockers(&self) -> bool {
        match self {
            Command::Compose(_) | Command::Kube(_) | Command::Pod(_) | Command::Oci(_) => false,
            Command::System(s) => s.is_dockers(),
            _ => true,
        }
    }
}

/// Parses `args` and runs the command; returns the process exit code.
/// Errors are printed as one `rcon: …` line on stderr.
pub fn main<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    // A closed pipe (`rcon ps | head`) ends rcon quietly, as it ends docker.
    crate::sys::ignore_sigpipe(false);
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // `docker --version` / `-v`: `Docker version 20.10.24, build 297e128`.
    if asks_version(&args) {
        println!("{}", version_line());
        return 0;
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidSubcommand => {
            // docker's CLI: an unknown command is exit 1 (an unknown flag 125).
            let name = e.get(clap::error::ContextKind::InvalidSubcommand).map(|v| v.to_string()).unwrap_or_default();
            eprintln!("rcon: '{name}' is not a rcon command.\nSee 'rcon --help'");
            return 1;
        }
        Err(e) => {
            let code = if e.use_stderr() { EXIT_RCON_FAILED } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    crate::util::set_log_level(&cli.log_level);
    // Before anything a container could see is started, rcon runs from a
    // read-only view of its binary (this re-executes it, once).
    if cli.command.starts_container_processes()
        && let Err(e) = crate::runtime::exe::reexec_protected()
    {
        eprintln!("rcon: {e}");
        return EXIT_RCON_FAILED;
    }
    // docker's CLI exits 1 when the object named does not exist, except
    // for run and create (125, as for every failure of theirs).
    let runs = match &cli.command {
        Command::Run(_) => Some("run"),
        Command::Create(_) => Some("create"),
        Command::Container(c) => c.run_verb(),
        _ => None,
    };
    // Every failure of docker's `pull` is exit 1.
    let pulls = matches!(cli.command, Command::Pull(_)) || matches!(&cli.command, Command::Image(i) if i.is_pull());
    let dockers = cli.command.is_dockers();
    match run(cli) {
        Ok(code) => code,
        // What docker's daemon would have answered, in its words: docker's
        // CLI prints `Error response from daemon: …` (run and create: as
        // `docker: …` with a usage hint, exit 125), else exits 1.
        Err(e) if daemon_error(&e, runs.is_some() || pulls) => {
            let message = crate::util::error_chain(e.as_ref());
            match runs {
                Some(verb) => {
                    eprintln!("rcon: Error response from daemon: {message}.\nSee 'rcon {verb} --help'.");
                    exit_code(&e)
                }
                None => {
                    eprintln!("Error response from daemon: {message}");
                    1
                }
            }
        }
        Err(e) if pulls => {
            eprintln!("rcon: {}", crate::util::error_chain(e.as_ref()));
            1
        }
        Err(e) if runs.is_none() && not_found(&e).is_some() => {
            print_error(&e);
            1
        }
        // A --format template that fails: docker's CLI exits 1.
        Err(e) if runs.is_none() && e.chain().any(|c| c.is::<crate::format::template::FormatError>()) => {
            eprintln!("rcon: {}", crate::util::error_chain(e.as_ref()));
            1
        }
        // docker's CLI: a failed RUN of a build is that command's code,
        // printed alone; every other failure of its commands (run and
        // create aside) is exit 1.
        Err(e) if runs.is_none() && dockers => match build_run_failed(&e) {
            Some(code) => {
                eprintln!("{}", crate::util::error_chain(e.as_ref()));
                code
            }
            None => {
                eprintln!("rcon: {}", crate::util::error_chain(e.as_ref()));
                1
            }
        },
        Err(e) => {
            eprintln!("rcon: {}", crate::util::error_chain(e.as_ref()));
            exit_code(&e)
        }
    }
}

/// The exit code of a build's failed RUN (`The command '…' returned a
/// non-zero code: N`), when that is what `e` is.
fn build_run_failed(e: &anyhow::Error) -> Option<i32> {
    e.chain().find_map(|c| match c.downcast_ref::<crate::build::executor::BuildError>() {
        Some(crate::build::executor::BuildError::RunFailed { code, .. }) => Some(*code),
        _ => None,
    })
}

/// What `rcon --version` prints, in docker's shape: `rcon version 0.1.0,
/// build 1a2b3c4` (the commit recorded by build.rs; no `, build` part when
/// rcon was built outside a git checkout).
pub fn version_line() -> String {
    match env!("RCON_GIT_COMMIT") {
        "" => format!("rcon version {}", env!("CARGO_PKG_VERSION")),
        commit => format!("rcon version {}, build {commit}", env!("CARGO_PKG_VERSION")),
    }
}

/// True when the command line is `--version` or `-v` alone, after global
/// options (`--root DIR`, `--runroot=DIR`, `--log-level L`).
fn asks_version(args: &[OsString]) -> bool {
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        match a.to_str().unwrap_or_default() {
            "--root" | "--runroot" | "--log-level" => {
                rest.next();
            }
            s if s.starts_with("--root=") || s.starts_with("--runroot=") || s.starts_with("--log-level=") => {}
            "--version" | "-v" => return rest.next().is_none(),
            _ => return false,
        }
    }
    false
}

/// Runs a parsed command line; `Ok` holds the exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let ctx = Context { root: cli.root, runroot: cli.runroot };
    match cli.command {
        Command::Build(a) => build::run(&ctx, a),
        Command::Pull(a) => pull::run(&ctx, a),
        Command::Run(a) => run::run(&ctx, a),
        Command::Compose(a) => compose::run(&ctx, a),
        Command::Images(a) => images::run(&ctx, a),
        Command::Ps(a) => ps::run(&ctx, a),
        Command::Rm(a) => rm::run(&ctx, a),
        Command::Rmi(a) => rmi::run(&ctx, a),
        Command::Network(a) => network::run(&ctx, a),
        Command::Port(a) => port::run(&ctx, a),
        Command::Login(a) => login::login(&ctx, a),
        Command::Logout(a) => login::logout(&ctx, a),
        Command::Push(a) => push::run(&ctx, a),
        Command::Tag(a) => tag::run(&ctx, a),
        Command::History(a) => history::run(&ctx, a),
        Command::Image(a) => image::run(&ctx, a),
        Command::Save(a) => save::run_save(&ctx, a),
        Command::Load(a) => save::run_load(&ctx, a),
        Command::Import(a) => import::run_import(&ctx, a),
        Command::Export(a) => import::run_export(&ctx, a),
        Command::Commit(a) => commit::run(&ctx, a),
        Command::Create(a) => lifecycle::create(&ctx, a),
        Command::Start(a) => lifecycle::start(&ctx, a),
        Command::Stop(a) => lifecycle::stop(&ctx, a),
        Command::Restart(a) => lifecycle::restart(&ctx, a),
        Command::Kill(a) => lifecycle::kill(&ctx, a),
        Command::Wait(a) => lifecycle::wait(&ctx, a),
        Command::Logs(a) => logs::run(&ctx, a),
        Command::Exec(a) => exec::run(&ctx, a),
        Command::Inspect(a) => inspect::run(&ctx, a),
        Command::Top(a) => container::top(&ctx, a),
        Command::Stats(a) => container::stats(&ctx, a),
        Command::Pause(a) => container::pause(&ctx, a, true),
        Command::Unpause(a) => container::pause(&ctx, a, false),
        Command::Attach(a) => container::attach(&ctx, a),
        Command::Container(a) => container::container(&ctx, a),
        Command::Volume(a) => volume::run(&ctx, a),
        Command::Cp(a) => cp::run(&ctx, a),
        Command::Events(a) => events::run(&ctx, a),
        Command::Info(a) => info::info(&ctx, a),
        Command::Rename(a) => container::rename(&ctx, a),
        Command::Search(a) => search::run(&ctx, a),
        Command::System(a) => system::run(&ctx, a),
        Command::Update(a) => update::run(&ctx, a),
        Command::Version(a) => info::version(&ctx, a),
        Command::Diff(a) => diff::run(&ctx, a),
        Command::Pod(a) => pod::run(&ctx, a),
        Command::Kube(a) => kube::run(&ctx, a),
        Command::Oci(a) => oci::run(&ctx, a),
    }
}

/// What every subcommand gets from the global flags.
pub struct Context {
    /// `--root`.
    pub root: PathBuf,
    /// `--runroot`.
    pub runroot: PathBuf,
}

impl Context {
    /// Opens the store and removes what killed rcon processes left in it
    /// (`container::cleanup::sweep`: constant time in the number of
    /// containers).
    pub fn store(&self) -> anyhow::Result<crate::store::Store> {
        let store = crate::store::Store::open(&self.root, &self.runroot)?.keep_connection();
        crate::container::cleanup::sweep(&store);
        Ok(store)
    }

    /// [`Context::store`] with the sweep that also walks every container
    /// directory (`container::cleanup::sweep_all`), for the commands that
    /// read every container anyway (`ps`, `container prune`).
    pub fn store_swept(&self) -> anyhow::Result<crate::store::Store> {
        let store = crate::store::Store::open(&self.root, &self.runroot)?.keep_connection();
        crate::container::cleanup::sweep_all(&store);
        Ok(store)
    }
}

/// The exit code for an error: 126/127 when the container's command could
/// not be invoked or found, 125 otherwise.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    for cause in e.chain() {
        if let Some(r) = cause.downcast_ref::<crate::runtime::Error>() {
            return r.exit_code();
        }
    }
    EXIT_RCON_FAILED
}

/// True when `e` is a failure docker's daemon reports in the same words
/// (so docker's CLI prints it after `Error response from daemon: `): a
/// [`crate::util::DaemonError`], a container error in docker's daemon's
/// words ([`crate::container::Error::is_daemons`]), a taken container
/// name, a running container that cannot be removed, and with `registry`
/// (pull, run, create) a registry's answer.
fn daemon_error(e: &anyhow::Error, registry: bool) -> bool {
    e.chain().any(|c| {
        c.is::<crate::util::DaemonError>()
            || c.downcast_ref::<crate::container::Error>().is_some_and(crate::container::Error::is_daemons)
            || matches!(
                c.downcast_ref::<crate::store::StoreError>(),
                Some(crate::store::StoreError::NameInUse { .. } | crate::store::StoreError::ContainerRunning(_))
            )
            || (registry && c.is::<crate::registry::RegistryError>())
    })
}

/// docker's words for a missing container, image, volume or network
/// (`No such container: web`), when that is what `e` is about.
pub(crate) fn not_found(e: &anyhow::Error) -> Option<String> {
    for cause in e.chain() {
        match cause.downcast_ref::<crate::store::StoreError>() {
            Some(crate::store::StoreError::NoSuchContainer(n)) => return Some(format!("No such container: {n}")),
            Some(crate::store::StoreError::NoSuchImage(n)) => return Some(format!("No such image: {n}")),
            _ => {}
        }
        if let Some(crate::volume::VolumeError::NoSuchVolume(n)) = cause.downcast_ref() {
            return Some(format!("No such volume: {n}"));
        }
        if let Some(crate::network::Error::NoSuchNetwork(n)) = cause.downcast_ref() {
            return Some(format!("No such network: {n}"));
        }
    }
    None
}

/// Prints a command's error on stderr: `Error: No such container: x` in
/// docker's words for a missing object, `Error response from daemon: …`
/// for what docker's daemon reports in the same words, else `rcon: outer:
/// inner`.
pub(crate) fn print_error(e: &anyhow::Error) {
    match not_found(e) {
        Some(m) => eprintln!("Error: {m}"),
        None if daemon_error(e, false) => {
            eprintln!("Error response from daemon: {}", crate::util::error_chain(e.as_ref()))
        }
        None => eprintln!("rcon: {}", crate::util::error_chain(e.as_ref())),
    }
}

/// A missing object as docker's daemon reports it (for the commands whose
/// CLI prints `Error response from daemon: No such container: x`): a
/// [`crate::util::DaemonError`] with that message; other errors unchanged.
pub(crate) fn daemon_not_found(e: anyhow::Error) -> anyhow::Error {
    match not_found(&e) {
        Some(m) => crate::util::DaemonError(m).into(),
        None => e,
    }
}

/// [`print_error`] for the commands whose missing object docker's CLI
/// reports as the daemon's answer (`stop`, `start`, `restart`, `wait`,
/// `pause`, `unpause`, `top`, `stats`, `rename`): `Error response from
/// daemon: No such container: x`; `kill` says `Cannot kill container: x:
/// No such container: x` (`what` is `Some("Cannot kill container")`).
pub(crate) fn print_daemon_error(e: &anyhow::Error, what: Option<&str>, name: &str) {
    match (not_found(e), what) {
        (Some(m), Some(w)) => eprintln!("Error response from daemon: {w}: {name}: {m}"),
        (Some(m), None) => eprintln!("Error response from daemon: {m}"),
        (None, _) => print_error(e),
    }
}

/// The clap command tree, for generating completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// `--label KEY=VALUE` values as a map (`KEY` alone: an empty value), as
/// docker reads them for volumes and networks.
pub(crate) fn parse_labels(list: &[String]) -> std::collections::BTreeMap<String, String> {
    list.iter()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}
