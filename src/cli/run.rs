//! `rcon run [OPTIONS] IMAGE [COMMAND [ARG…]]`.

use super::Context;
use clap::Args;
use std::path::PathBuf;

/// Flags of `rcon run`. Parsing stops at IMAGE: everything after it is the
/// container's command, as with docker.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)] // `-h` is `--hostname`, as with docker.
pub struct RunArgs {
    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Assign a name to the container
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Set environment variables (KEY=VALUE, or KEY to take it from rcon's environment)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Read environment variables from a file (one KEY=VALUE per line)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Working directory inside the container
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// Username or UID, optionally with a group: USER[:GROUP]
    #[arg(short = 'u', long = "user", value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Overwrite the default ENTRYPOINT of the image ("" clears it)
    #[arg(long, value_name = "COMMAND")]
    pub entrypoint: Option<String>,
    /// Container host name
    #[arg(short = 'h', long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Require HTTPS and verify certificates when the image must be pulled
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub tls_verify: bool,
    /// Pull the image: missing (default), always or never
    #[arg(long, value_name = "POLICY", default_value = "missing", value_parser = ["missing", "always", "never"])]
    pub pull: String,
    /// Suppress the pull output
    #[arg(short, long)]
    pub quiet: bool,
    /// Run the container in the background and print its ID
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Restart policy: no, on-failure[:MAX-RETRIES], always, unless-stopped
    #[arg(long, value_name = "POLICY", default_value = "no")]
    pub restart: String,
    /// Log driver options: max-size=SIZE, max-file=N
    #[arg(long = "log-opt", value_name = "OPT")]
    pub log_opt: Vec<String>,
    /// Command to run to check health
    #[arg(long = "health-cmd", value_name = "COMMAND")]
    pub health_cmd: Option<String>,
    /// Time between running the check (ms|s|m|h)
    #[arg(long = "health-interval", value_name = "DURATION")]
    pub health_interval: Option<String>,
    /// Maximum time to allow one check to run (ms|s|m|h)
    #[arg(long = "health-timeout", value_name = "DURATION")]
    pub health_timeout: Option<String>,
    /// Consecutive failures needed to report unhealthy
    #[arg(long = "health-retries", value_name = "N")]
    pub health_retries: Option<u32>,
    /// Start period for the container to initialize before counting retries (ms|s|m|h)
    #[arg(long = "health-start-period", value_name = "DURATION")]
    pub health_start_period: Option<String>,
    /// Disable any container-specified HEALTHCHECK
    #[arg(long = "no-healthcheck")]
    pub no_healthcheck: bool,
    /// Action when the container turns unhealthy: none, kill, restart, stop
    #[arg(long = "health-on-failure", value_name = "ACTION")]
    pub health_on_failure: Option<String>,
    /// Seconds to wait for the stop signal to end the container before SIGKILL
    #[arg(long = "stop-timeout", value_name = "SECONDS")]
    pub stop_timeout: Option<u64>,
    /// Set metadata on the container (KEY=VALUE)
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Run the container in this pod (name or ID): it shares the pod's network, IPC and UTS namespaces
    #[arg(long, value_name = "POD")]
    pub pod: Option<String>,
    #[command(flatten)]
    pub net: super::network::RunNetworkArgs,
    #[command(flatten)]
    pub rt: RuntimeArgs,
    #[command(flatten)]
    pub vol: super::volume::RunVolumeArgs,
    /// IMAGE, then the command and its arguments
    #[arg(value_name = "IMAGE [COMMAND [ARG...]]", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Creates the container, runs it in the foreground and returns its exit code.
pub fn run(ctx: &Context, a: RunArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let detach = a.detach;
    let opts = options_in(&store, a)?;
    if detach {
        let id = crate::container::run_detached(&store, opts)?;
        println!("{id}");
        Ok(0)
    } else {
        Ok(crate::container::run_foreground(&store, opts)?)
    }
}

/// [`options`], and with `--pod` joins the pod (starting its infra if needed).
pub fn options_in(store: &crate::store::Store, a: RunArgs) -> anyhow::Result<crate::container::RunOptions> {
    let pod = a.pod.clone();
    let mut opts = options(a)?;
    if let Some(pod) = pod {
        crate::pod::join(store, &pod, &mut opts)?;
    }
    Ok(opts)
}

/// Turns the flags into [`crate::container::RunOptions`] (shared with `create`).
pub fn options(a: RunArgs) -> anyhow::Result<crate::container::RunOptions> {
    let mut args = a.args.into_iter();
    let image = args.next().expect("clap requires IMAGE");
    // IMAGE takes hyphens (it starts the command's words), so a flag rcon
    // does not know lands here: docker's words for it (exit 125).
    if image.starts_with('-') {
        anyhow::bail!("unknown flag: {image}\nSee 'rcon run --help'.");
    }
    let health = crate::container::HealthFlags {
        cmd: a.health_cmd,
        interval: a.health_interval,
        timeout: a.health_timeout,
        retries: a.health_retries,
        start_period: a.health_start_period,
        disabled: a.no_healthcheck,
        on_failure: a.health_on_failure,
    };
    Ok(crate::container::RunOptions {
        image,
        command: args.collect(),
        name: a.name,
        env: a.env,
        env_files: a.env_file,
        workdir: a.workdir,
        user: a.user,
        entrypoint: a.entrypoint,
        hostname: a.hostname,
        auto_remove: a.rm,
        pull: crate::container::PullPolicy::parse(&a.pull),
        pull_options: crate::registry::PullOptions { quiet: a.quiet, tls_verify: a.tls_verify, stdout: false },
        restart: a.restart,
        log_opts: a.log_opt,
        health,
        stop_timeout: a.stop_timeout,
        labels: a.label,
        network: a.net.options(),
        stop_signal: a.rt.stop_signal.clone(),
        runtime: a.rt.flags(),
        mounts: a.vol.flags(),
        join: None,
        infra: false,
    })
}

/// The runtime's flags of `rcon run`/`create` (security, resources,
/// process, devices), as docker spells them.
#[derive(Debug, Args)]
pub struct RuntimeArgs {
    /// Keep STDIN open
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Proxy received signals to the container (foreground runs)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub sig_proxy: bool,
    /// Run an init inside the container that forwards signals and reaps processes
    #[arg(long)]
    pub init: bool,
    /// Signal to stop the container
    #[arg(long, value_name = "SIGNAL")]
    pub stop_signal: Option<String>,
    /// Add Linux capabilities (or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities (or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Give extended privileges to this container
    #[arg(long)]
    pub privileged: bool,
    /// Security options: seccomp=unconfined|PROFILE.json, no-new-privileges
    #[arg(long, value_name = "OPT")]
    pub security_opt: Vec<String>,
    /// Mount the container's root filesystem as read only
    #[arg(long)]
    pub read_only: bool,
    /// Mount a tmpfs directory: PATH[:OPTIONS]
    #[arg(long, value_name = "PATH[:OPTS]")]
    pub tmpfs: Vec<String>,
    /// Resource limits
    #[command(flatten)]
    pub resources: ResourceArgs,
    /// Ulimit options: NAME=SOFT[:HARD]
    #[arg(long, value_name = "NAME=SOFT[:HARD]")]
    pub ulimit: Vec<String>,
    /// Add additional groups to join
    #[arg(long, value_name = "GROUP")]
    pub group_add: Vec<String>,
    /// Container NIS domain name
    #[arg(long, value_name = "NAME")]
    pub domainname: Option<String>,
    /// Namespaced kernel parameters: KEY=VALUE
    #[arg(long, value_name = "KEY=VALUE")]
    pub sysctl: Vec<String>,
    /// PID namespace to use (host)
    #[arg(long, value_name = "MODE")]
    pub pid: Option<String>,
    /// IPC namespace to use (host)
    #[arg(long, value_name = "MODE")]
    pub ipc: Option<String>,
    /// UTS namespace to use (host)
    #[arg(long, value_name = "MODE")]
    pub uts: Option<String>,
    /// Size of /dev/shm (default 64m)
    #[arg(long, value_name = "BYTES")]
    pub shm_size: Option<String>,
    /// Add a host device: HOST[:CONTAINER[:PERMS]]
    #[arg(long, value_name = "DEVICE")]
    pub device: Vec<String>,
    /// User namespace to use: host, auto[:size=N], keep-id, nomap
    #[arg(long, value_name = "MODE")]
    pub userns: Option<String>,
    /// Map container ids to host ids in a user namespace: CONTAINER:HOST:SIZE
    #[arg(long, value_name = "MAPPING")]
    pub uidmap: Vec<String>,
    /// Map container gids to host gids: CONTAINER:HOST:SIZE (default: as --uidmap)
    #[arg(long, value_name = "MAPPING")]
    pub gidmap: Vec<String>,
    /// Map the container's uids to the ranges of NAME in /etc/subuid
    #[arg(long, value_name = "NAME")]
    pub subuidname: Option<String>,
    /// Map the container's gids to the ranges of NAME in /etc/subgid
    #[arg(long, value_name = "NAME")]
    pub subgidname: Option<String>,
}

impl RuntimeArgs {
    /// As [`crate::container::spec::RuntimeFlags`].
    pub fn flags(&self) -> crate::container::spec::RuntimeFlags {
        crate::container::spec::RuntimeFlags {
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
            privileged: self.privileged,
            security_opt: self.security_opt.clone(),
            read_only: self.read_only,
            tmpfs: self.tmpfs.clone(),
            resources: self.resources.resources(),
            ulimits: self.ulimit.clone(),
            group_add: self.group_add.clone(),
            interactive: self.interactive,
            tty: self.tty,
            sig_proxy: Some(self.sig_proxy),
            init: self.init,
            domainname: self.domainname.clone(),
            sysctls: self.sysctl.clone(),
            pid: self.pid.clone(),
            ipc: self.ipc.clone(),
            uts: self.uts.clone(),
            shm_size: self.shm_size.clone(),
            devices: self.device.clone(),
            userns: crate::container::userns::UsernsFlags {
                mode: self.userns.clone(),
                uidmap: self.uidmap.clone(),
                gidmap: self.gidmap.clone(),
                subuidname: self.subuidname.clone(),
                subgidname: self.subgidname.clone(),
            },
        }
    }
}

/// docker's resource flags, shared by `run`, `create` and `update`.
#[derive(Debug, Args)]
pub struct ResourceArgs {
    /// Memory limit (e.g. 512m)
    #[arg(short = 'm', long, value_name = "BYTES")]
    pub memory: Option<String>,
    /// Memory plus swap limit; -1 for unlimited swap
    #[arg(long, value_name = "BYTES", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Memory soft limit
    #[arg(long, value_name = "BYTES")]
    pub memory_reservation: Option<String>,
    /// Number of CPUs (e.g. 1.5)
    #[arg(long, value_name = "DECIMAL")]
    pub cpus: Option<String>,
    /// CPU shares (relative weight)
    #[arg(short = 'c', long, value_name = "INT")]
    pub cpu_shares: Option<u64>,
    /// CPUs in which to allow execution (0-3, 0,1)
    #[arg(long, value_name = "LIST")]
    pub cpuset_cpus: Option<String>,
    /// Tune container pids limit (-1 for unlimited)
    #[arg(long, value_name = "INT", allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,
}

impl ResourceArgs {
    /// As [`crate::container::spec::Resources`].
    pub fn resources(&self) -> crate::container::spec::Resources {
        crate::container::spec::Resources {
            memory: self.memory.clone(),
            memory_swap: self.memory_swap.clone(),
            memory_reservation: self.memory_reservation.clone(),
            cpus: self.cpus.clone(),
            cpu_shares: self.cpu_shares,
            cpuset_cpus: self.cpuset_cpus.clone(),
            pids_limit: self.pids_limit,
        }
    }
}
