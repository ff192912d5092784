//! `rcon compose [-f FILE]… [-p NAME] [--profile P]… [--env-file F]
//! [--project-directory DIR] COMMAND`: flags into [`crate::compose`] calls.

use super::Context;
use crate::compose::{self, engine, logs};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Flags of `rcon compose`.
#[derive(Debug, Args)]
pub struct ComposeArgs {
    /// Compose configuration files
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Project name
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Specify a profile to enable
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profile: Vec<String>,
    /// Specify an alternate environment file
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Specify an alternate working directory (default: the first file's directory)
    #[arg(long = "project-directory", value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ComposeCommand,
}

/// The `compose` subcommands.
#[derive(Debug, Subcommand)]
pub enum ComposeCommand {
    /// Create and start containers
    Up(UpArgs),
    /// Stop and remove containers, networks
    Down(DownArgs),
    /// List containers
    Ps(PsArgs),
    /// View output from containers
    Logs(LogsArgs),
    /// Build or rebuild services
    Build(BuildArgs),
    /// Pull service images
    Pull(ServicesArgs),
    /// Push service images
    Push(PushArgs),
    /// Parse, resolve and render compose file in canonical format
    Config(ConfigArgs),
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Run a one-off command on a service
    Run(RunArgs),
    /// Creates containers for a service
    Create(CreateArgs),
    /// Start services
    Start(ServicesArgs),
    /// Stop services
    Stop(StopArgs),
    /// Restart service containers
    Restart(StopArgs),
    /// Force stop service containers
    Kill(KillArgs),
    /// Removes stopped service containers
    Rm(RmArgs),
    /// Pause services
    Pause(ServicesArgs),
    /// Unpause services
    Unpause(ServicesArgs),
    /// Print the public port for a port binding
    Port(PortArgs),
    /// Display the running processes
    Top(ServicesArgs),
    /// List images used by the created containers
    Images(ServicesArgs),
    /// List running compose projects
    Ls(LsArgs),
    /// Show the compose version information
    Version(VersionArgs),
}

impl ComposeCommand {
    /// True for the subcommands that start container processes.
    pub fn starts_container_processes(&self) -> bool {
        matches!(
            self,
            ComposeCommand::Up(_)
                | ComposeCommand::Build(_)
                | ComposeCommand::Exec(_)
                | ComposeCommand::Run(_)
                | ComposeCommand::Start(_)
                | ComposeCommand::Restart(_)
        )
    }
}

/// Service names.
#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Push what it can and ignores images with push failures
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Push without printing progress information
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Detached mode: run containers in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long)]
    pub no_build: bool,
    /// Pull image before running ("always"|"missing"|"never")
    #[arg(long, value_name = "POLICY", value_parser = ["always", "missing", "never"])]
    pub pull: Option<String>,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long)]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long)]
    pub no_recreate: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Wait for services to be running|healthy (implies detached mode)
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Scale SERVICE to NUM instances (overrides `scale` in the file)
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Stops all containers if any container was stopped
    #[arg(long)]
    pub abort_on_container_exit: bool,
    /// Return the exit code of the selected service container (implies --abort-on-container-exit)
    #[arg(long, value_name = "SERVICE")]
    pub exit_code_from: Option<String>,
    /// Use this timeout in seconds for container shutdown
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Don't start the services after creating them
    #[arg(long)]
    pub no_start: bool,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long)]
    pub no_build: bool,
    /// Pull image before running ("always"|"missing"|"never")
    #[arg(long, value_name = "POLICY", value_parser = ["always", "missing", "never"])]
    pub pull: Option<String>,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long)]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long)]
    pub no_recreate: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose down`.
#[derive(Debug, Args)]
pub struct DownArgs {
    /// Remove named volumes declared in the "volumes" section and anonymous volumes
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Remove images used by services: "local" (no custom tag) or "all"
    #[arg(long, value_name = "TYPE", value_parser = ["local", "all"])]
    pub rmi: Option<String>,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

/// Flags of `compose ps`.
#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all stopped containers
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Display services
    #[arg(long)]
    pub services: bool,
    /// Format the output: table or json
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: String,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub service: Vec<String>,
}

/// Flags of `compose logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs for each container
    #[arg(short = 'n', long, value_name = "N", default_value = "all")]
    pub tail: String,
    /// Show timestamps
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Do not use cache when building the image
    #[arg(long)]
    pub no_cache: bool,
    /// Don't print anything to STDOUT
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Services (default: all with a build section)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Format the output: yaml or json
    #[arg(long, value_name = "FORMAT", default_value = "yaml", value_parser = ["yaml", "json"])]
    pub format: String,
    /// Print the service names, one per line
    #[arg(long)]
    pub services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the profile names, one per line
    #[arg(long)]
    pub profiles: bool,
    /// Only validate the configuration, don't print anything
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Save to file (default: stdout)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Flags of `compose exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Detached mode: run command in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Set environment variables
    #[arg(short = 'e', long = "env", value_name = "KEY=VAL")]
    pub env: Vec<String>,
    /// Index of the container if service has multiple replicas
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub index: u32,
    /// Disable pseudo-TTY allocation (default: a TTY when stdin is one)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Run the command as this user
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// Path to workdir directory for this command
    #[arg(short = 'w', long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// SERVICE, then the command and its arguments
    #[arg(value_name = "SERVICE COMMAND [ARGS...]", required = true, num_args = 2.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Flags of `compose run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run container in background and print container ID
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Set environment variables
    #[arg(short = 'e', long = "env", value_name = "KEY=VAL")]
    pub env: Vec<String>,
    /// Assign a name to the container
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Override the entrypoint of the image
    #[arg(long, value_name = "CMD")]
    pub entrypoint: Option<String>,
    /// Run command with all service's ports enabled and mapped to the host
    #[arg(long)]
    pub service_ports: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Disable pseudo-TTY allocation
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Run as specified username or uid
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Build image before starting container
    #[arg(long)]
    pub build: bool,
    /// SERVICE, then the command and its arguments
    #[arg(value_name = "SERVICE [COMMAND] [ARGS...]", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Flags of `compose stop` and `restart`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose kill`.
#[derive(Debug, Args)]
pub struct KillArgs {
    /// SIGNAL to send to the container
    #[arg(short = 's', long, value_name = "SIGNAL", default_value = "SIGKILL")]
    pub signal: String,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Don't ask to confirm removal
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short = 's', long)]
    pub stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Flags of `compose port`.
#[derive(Debug, Args)]
pub struct PortArgs {
    /// Index of the container if service has multiple replicas
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub index: u32,
    /// tcp or udp
    #[arg(long, value_name = "PROTO", default_value = "tcp")]
    pub protocol: String,
    /// The service
    pub service: String,
    /// The private port
    pub private_port: u16,
}

/// Flags of `compose ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show all stopped Compose projects
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Only display project names
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Format the output: table or json
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: String,
}

/// Flags of `compose version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Shows only the version number
    #[arg(long)]
    pub short: bool,
    /// Format the output: pretty or json
    #[arg(short = 'f', long, value_name = "FORMAT", default_value = "pretty")]
    pub format: String,
}

impl ComposeArgs {
    fn load_options(&self, services: &[String]) -> anyhow::Result<compose::LoadOptions> {
        Ok(compose::LoadOptions {
            files: self.file.clone(),
            project_name: self.project_name.clone(),
            project_directory: self.project_directory.clone(),
            env_files: self.env_file.clone(),
            profiles: self.profile.clone(),
            enable_services: services.to_vec(),
            cwd: std::env::current_dir().context("cannot read the working directory")?,
            environment: std::env::vars().collect(),
        })
    }

    /// The project model (all checks run; nothing is created on error).
    fn project(&self, services: &[String]) -> anyhow::Result<compose::Project> {
        Ok(compose::load(&self.load_options(services)?)?)
    }

    /// The project name: `-p`, else the model's (a missing file is fine
    /// with `-p`: commands that only need labels work from anywhere).
    fn project_name_and_model(&self) -> anyhow::Result<(String, Option<compose::Project>)> {
        match self.project(&[]) {
            Ok(p) => Ok((p.name.clone(), Some(p))),
            Err(e) => match &self.project_name {
                Some(n) if self.file.is_empty() => Ok((compose::model::normalize_project_name(n), None)),
                _ => Err(e),
            },
        }
    }
}

fn parse_scale(scale: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    scale
        .iter()
        .map(|s| {
            let (k, v) = s.split_once('=').with_context(|| format!("invalid --scale {s:?}: use SERVICE=NUM"))?;
            Ok((k.to_string(), v.parse().with_context(|| format!("invalid --scale {s:?}: NUM is not a number"))?))
        })
        .collect()
}

/// Runs `rcon compose …`.
pub fn run(ctx: &Context, a: ComposeArgs) -> anyhow::Result<i32> {
    match &a.command {
        ComposeCommand::Config(c) => config(&a, c),
        ComposeCommand::Version(v) => {
            if v.short {
                println!("{}", compose::VERSION.trim_start_matches('v'));
            } else if v.format == "json" {
                println!("{}", serde_json::json!({ "version": compose::VERSION }));
            } else {
                println!("rcon compose version {}", compose::VERSION);
            }
            Ok(0)
        }
        ComposeCommand::Up(u) => up(ctx, &a, u),
        ComposeCommand::Create(c) => {
            let p = a.project(&c.services)?;
            let store = ctx.store()?;
            let o = engine::UpOptions {
                services: c.services.clone(),
                images: engine::ImageOptions {
                    build: c.build,
                    no_build: c.no_build,
                    pull: c.pull.clone(),
                    ..Default::default()
                },
                force_recreate: c.force_recreate,
                no_recreate: c.no_recreate,
                remove_orphans: c.remove_orphans,
                scale: parse_scale(&c.scale)?,
                no_start: true,
                ..Default::default()
            };
            engine::up(&store, &p, &o)?;
            Ok(0)
        }
        ComposeCommand::Down(d) => {
            let (name, p) = a.project_name_and_model()?;
            let store = ctx.store()?;
            let o = engine::DownOptions {
                volumes: d.volumes,
                remove_orphans: d.remove_orphans,
                timeout: d.timeout,
                rmi: d.rmi.clone(),
            };
            engine::down(&store, &name, p.as_ref(), &o)?;
            Ok(0)
        }
        ComposeCommand::Ps(ps) => ps_cmd(ctx, &a, ps),
        ComposeCommand::Logs(l) => {
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            let sources = sources(&store, &name, &l.services, true)?;
            let tail = match l.tail.as_str() {
                "all" | "-1" => None,
                n => Some(n.parse().with_context(|| format!("invalid --tail {n:?}"))?),
            };
            let o = logs::LogOptions {
                follow: l.follow,
                tail,
                timestamps: l.timestamps,
                color: !l.no_color && std::io::stdout().is_terminal(),
                no_prefix: l.no_log_prefix,
            };
            logs::follow(&store, &sources, &o, &[], || false)?;
            Ok(0)
        }
        ComposeCommand::Build(b) => {
            let p = a.project(&b.services)?;
            let store = ctx.store()?;
            let names: Vec<String> =
                if b.services.is_empty() { p.services.keys().cloned().collect() } else { b.services.clone() };
            let o = engine::ImageOptions { no_cache: b.no_cache, quiet: b.quiet, ..Default::default() };
            for s in names {
                if !p.services.contains_key(&s) {
                    bail!("no such service: {s}");
                }
                if p.services[&s].contains_key("build") {
                    engine::build_service(&store, &p, &s, &o)?;
                }
            }
            Ok(0)
        }
        ComposeCommand::Pull(s) => {
            let p = a.project(&s.services)?;
            let store = ctx.store()?;
            let names: Vec<String> =
                if s.services.is_empty() { p.services.keys().cloned().collect() } else { s.services.clone() };
            let o = engine::ImageOptions { pull: Some("always".into()), no_build: true, ..Default::default() };
            for n in names {
                if !p.services.contains_key(&n) {
                    bail!("no such service: {n}");
                }
                if p.services[&n].contains_key("image") {
                    engine::ensure_image(&store, &p, &n, &o)?;
                }
            }
            Ok(0)
        }
        ComposeCommand::Push(pa) => {
            let p = a.project(&pa.services)?;
            let store = ctx.store()?;
            engine::push(&store, &p, &pa.services, pa.quiet, pa.ignore_push_failures)?;
            Ok(0)
        }
        ComposeCommand::Start(s) => {
            let p = a.project(&s.services)?;
            let store = ctx.store()?;
            engine::start(&store, &p, &s.services)?;
            Ok(0)
        }
        ComposeCommand::Stop(s) => {
            let (name, p) = a.project_name_and_model()?;
            let store = ctx.store()?;
            engine::stop(&store, &name, p.as_ref(), &s.services, s.timeout)?;
            Ok(0)
        }
        ComposeCommand::Restart(s) => {
            let p = a.project(&s.services)?;
            let store = ctx.store()?;
            let services = engine::with_restart_dependents(&p, &s.services);
            engine::stop(&store, &p.name, Some(&p), &services, s.timeout)?;
            engine::start(&store, &p, &services)?;
            Ok(0)
        }
        ComposeCommand::Kill(k) => {
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            engine::kill(&store, &name, &k.services, &k.signal)?;
            Ok(0)
        }
        ComposeCommand::Rm(r) => {
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            engine::rm(&store, &name, &r.services, r.stop, r.volumes)?;
            Ok(0)
        }
        ComposeCommand::Pause(s) | ComposeCommand::Unpause(s) => {
            let frozen = matches!(a.command, ComposeCommand::Pause(_));
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            let names: Vec<String> = engine::service_containers(&store, &name, &s.services, false)?
                .into_iter()
                .filter(|c| c.row.state.status == crate::store::ContainerStatus::Running)
                .map(|c| c.row.name)
                .collect();
            if names.is_empty() {
                return Ok(0);
            }
            let mut status = 0;
            for n in &names {
                match crate::container::lifecycle::pause(&store, n, frozen) {
                    Ok(()) => println!("{n}"),
                    Err(e) => {
                        super::print_error(&e.into());
                        status = 1;
                    }
                }
            }
            Ok(status)
        }
        ComposeCommand::Port(pa) => {
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            let c = engine::service_containers(&store, &name, std::slice::from_ref(&pa.service), false)?
                .into_iter()
                .find(|c| c.number == pa.index)
                .with_context(|| format!("service {:?} has no container number {}", pa.service, pa.index))?;
            let port = format!("{}/{}", pa.private_port, pa.protocol);
            for line in crate::container::lifecycle::ports(&store, &c.row.name, Some(&port))? {
                println!("{line}");
            }
            Ok(0)
        }
        ComposeCommand::Top(s) => {
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            for c in engine::service_containers(&store, &name, &s.services, false)? {
                if c.row.state.status != crate::store::ContainerStatus::Running {
                    continue;
                }
                println!("{}", c.row.name);
                super::container::print_ps_table(crate::container::lifecycle::top(&store, &c.row.id, &[])?)?;
                println!();
            }
            Ok(0)
        }
        ComposeCommand::Images(s) => {
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{:<24}{:<24}{:<16}{:<16}SIZE", "CONTAINER", "REPOSITORY", "TAG", "IMAGE ID")?;
            for c in engine::service_containers(&store, &name, &s.services, false)? {
                let (repo, tag) = match crate::reference::Reference::parse(&c.row.image) {
                    Ok(r) => (r.repository_name(), r.tag.clone().unwrap_or_else(|| "latest".into())),
                    Err(_) => (c.row.image.clone(), String::new()),
                };
                let id = c.row.image_id.hex().chars().take(12).collect::<String>();
                let size = store.find_image(&c.row.image_id.to_string(), None)?.map(|i| i.size).unwrap_or(0);
                writeln!(
                    out,
                    "{:<24}{:<24}{:<16}{:<16}{}",
                    c.row.name,
                    repo,
                    tag,
                    id,
                    crate::format::human_size(size)
                )?;
            }
            Ok(0)
        }
        ComposeCommand::Ls(l) => {
            let store = ctx.store()?;
            let projects = engine::projects(&store)?;
            let mut out = std::io::stdout().lock();
            let rows: Vec<_> = projects.into_iter().filter(|(_, running, _, _)| l.all || *running > 0).collect();
            if l.quiet {
                for (n, ..) in rows {
                    writeln!(out, "{n}")?;
                }
            } else if l.format == "json" {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(n, r, t, f)| serde_json::json!({"Name": n, "Status": status_word(*r, *t), "ConfigFiles": f}))
                    .collect();
                writeln!(out, "{}", serde_json::to_string(&v)?)?;
            } else {
                writeln!(out, "{:<16}{:<20}CONFIG FILES", "NAME", "STATUS")?;
                for (n, r, t, f) in rows {
                    writeln!(out, "{:<16}{:<20}{f}", n, status_word(r, t))?;
                }
            }
            Ok(0)
        }
        ComposeCommand::Exec(e) => {
            let (name, _) = a.project_name_and_model()?;
            let store = ctx.store()?;
            let service = &e.args[0];
            let c = engine::service_containers(&store, &name, std::slice::from_ref(service), false)?
                .into_iter()
                .find(|c| c.number == e.index)
                .with_context(|| format!("service {service:?} is not running container #{}", e.index))?;
            let tty = !e.no_tty && std::io::stdin().is_terminal();
            let opts = crate::container::exec::ExecOptions {
                container: c.row.id,
                command: e.args[1..].to_vec(),
                env: e.env.clone(),
                user: e.user.clone(),
                workdir: e.workdir.clone(),
                detach: e.detach,
                interactive: !e.detach,
                tty,
            };
            Ok(crate::container::exec::exec(&store, &opts)?)
        }
        ComposeCommand::Run(r) => {
            let service = r.args[0].clone();
            let p = a.project(std::slice::from_ref(&service))?;
            let store = ctx.store()?;
            let one = engine::RunOneOff {
                service,
                command: r.args[1..].to_vec(),
                env: r.env.clone(),
                rm: r.rm,
                detach: r.detach,
                service_ports: r.service_ports,
                no_deps: r.no_deps,
                name: r.name.clone(),
                entrypoint: r.entrypoint.clone(),
                user: r.user.clone(),
                workdir: r.workdir.clone(),
                tty: !r.no_tty && !r.detach && std::io::stdin().is_terminal(),
                images: engine::ImageOptions { build: r.build, ..Default::default() },
            };
            let opts = engine::plan_run(&store, &p, &one)?;
            if r.detach {
                let id = crate::container::run_detached(&store, opts)?;
                println!("{id}");
                Ok(0)
            } else {
                Ok(crate::container::run_foreground(&store, opts)?)
            }
        }
    }
}

fn status_word(running: usize, total: usize) -> String {
    if running > 0 { format!("running({running})") } else { format!("exited({total})") }
}

/// The containers of `services` as log sources named like compose (`web-1`).
fn sources(
    store: &crate::store::Store,
    name: &str,
    services: &[String],
    oneoff: bool,
) -> anyhow::Result<Vec<logs::Source>> {
    Ok(engine::service_containers(store, name, services, oneoff)?
        .into_iter()
        .map(|c| logs::Source { name: logs::display_name(name, &c.row.name), id: c.row.id })
        .collect())
}

fn config(a: &ComposeArgs, c: &ConfigArgs) -> anyhow::Result<i32> {
    let p = a.project(&[])?;
    for w in &p.warnings {
        eprintln!("WARN[0000] {w}");
    }
    if c.quiet {
        return Ok(0);
    }
    let text = if c.services {
        p.services.keys().map(|s| format!("{s}\n")).collect()
    } else if c.volumes {
        p.volumes.keys().map(|s| format!("{s}\n")).collect()
    } else if c.profiles {
        let mut all = std::collections::BTreeSet::new();
        for s in p.services.values() {
            if let Some(serde_yaml_ng::Value::Sequence(ps)) = s.get("profiles") {
                all.extend(ps.iter().filter_map(|x| x.as_str().map(String::from)));
            }
        }
        all.into_iter().map(|s| format!("{s}\n")).collect()
    } else if c.format == "json" {
        compose::emit::to_json(&p)
    } else {
        compose::emit::to_yaml(&p)
    };
    match &c.output {
        Some(f) => std::fs::write(f, text).with_context(|| format!("cannot write {}", f.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(0)
}

fn ps_cmd(ctx: &Context, a: &ComposeArgs, ps: &PsArgs) -> anyhow::Result<i32> {
    let (name, _) = a.project_name_and_model()?;
    if ps.services {
        // docker compose prints the running services (all with -a).
        let store = ctx.store()?;
        let mut seen = std::collections::BTreeSet::new();
        for c in engine::service_containers(&store, &name, &ps.service, false)? {
            if ps.all || c.row.state.status == crate::store::ContainerStatus::Running {
                seen.insert(c.service);
            }
        }
        for s in seen {
            println!("{s}");
        }
        return Ok(0);
    }
    let store = ctx.store()?;
    let ctrs: Vec<_> = engine::service_containers(&store, &name, &ps.service, true)?
        .into_iter()
        .filter(|c| ps.all || c.row.state.status == crate::store::ContainerStatus::Running)
        .collect();
    let mut out = std::io::stdout().lock();
    if ps.quiet {
        for c in ctrs {
            writeln!(out, "{}", c.row.id)?;
        }
        return Ok(0);
    }
    let rows: Vec<[String; 7]> = ctrs
        .iter()
        .map(|c| {
            let st = &c.row.state;
            let status = crate::container::inspect::status_word(st);
            let human = match st.status {
                crate::store::ContainerStatus::Running => {
                    let health = st.health.as_ref().map(|h| format!(" ({})", h.status)).unwrap_or_default();
                    format!("Up{health}")
                }
                crate::store::ContainerStatus::Created => "Created".into(),
                _ => format!("Exited ({})", st.exit_code.unwrap_or(0)),
            };
            [
                c.row.name.clone(),
                c.row.image.clone(),
                shlex::try_join(c.row.command.iter().map(String::as_str)).unwrap_or_default(),
                c.service.clone(),
                human,
                crate::container::network_settings::ports_column(&store, &c.row.id),
                status.to_string(),
            ]
        })
        .collect();
    if ps.format == "json" {
        for (c, r) in ctrs.iter().zip(&rows) {
            let v = serde_json::json!({
                "ID": c.row.id, "Name": r[0], "Image": r[1], "Command": r[2], "Project": name,
                "Service": r[3], "State": r[6], "Status": r[4], "Publishers": r[5],
                "Labels": c.row.labels,
            });
            writeln!(out, "{v}")?;
        }
        return Ok(0);
    }
    let headers = ["NAME", "IMAGE", "COMMAND", "SERVICE", "STATUS", "PORTS"];
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in &rows {
        for i in 0..6 {
            let len = if i == 2 { r[i].chars().count().min(22) + 2 } else { r[i].len() };
            widths[i] = widths[i].max(len);
        }
    }
    let line = |cols: [&str; 6]| {
        let mut s = String::new();
        for (i, c) in cols.iter().enumerate() {
            if i == 5 {
                s.push_str(c);
            } else {
                s.push_str(&format!("{:<w$}   ", c, w = widths[i]));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(headers))?;
    for r in &rows {
        let cmd: String = if r[2].chars().count() > 22 {
            format!("\"{}…\"", r[2].chars().take(21).collect::<String>())
        } else {
            format!("\"{}\"", r[2])
        };
        writeln!(out, "{}", line([&r[0], &r[1], &cmd, &r[3], &r[4], &r[5]]))?;
    }
    Ok(0)
}

fn up(ctx: &Context, a: &ComposeArgs, u: &UpArgs) -> anyhow::Result<i32> {
    let p = a.project(&u.services)?;
    let store = ctx.store()?;
    let mut exit_from = u.exit_code_from.clone();
    if let Some(s) = &exit_from
        && !p.services.contains_key(s)
    {
        bail!("--exit-code-from: no such service: {s}");
    }
    let abort = u.abort_on_container_exit || exit_from.is_some();
    if u.detach && abort {
        bail!("--abort-on-container-exit and -d cannot be combined");
    }
    let o = engine::UpOptions {
        services: u.services.clone(),
        images: engine::ImageOptions {
            build: u.build,
            no_build: u.no_build,
            pull: u.pull.clone(),
            quiet: u.quiet_pull,
            no_cache: false,
        },
        force_recreate: u.force_recreate,
        no_recreate: u.no_recreate,
        no_deps: u.no_deps,
        remove_orphans: u.remove_orphans,
        scale: parse_scale(&u.scale)?,
        no_start: u.no_start,
        timeout: u.timeout,
    };
    let started = engine::up(&store, &p, &o)?;
    if u.wait {
        engine::wait_running(&store, &started, u.wait_timeout.map(std::time::Duration::from_secs))?;
    }
    if u.detach || u.wait || u.no_start {
        return Ok(0);
    }
    // Attached: every container's log until they all stop, one exits
    // (--abort-on-container-exit), or Ctrl-C, which stops the stack.
    let sources: Vec<logs::Source> =
        started.iter().map(|(n, id)| logs::Source { name: logs::display_name(&p.name, n), id: id.clone() }).collect();
    let lo = logs::LogOptions {
        follow: true,
        tail: None,
        timestamps: false,
        color: !u.no_color && std::io::stdout().is_terminal(),
        no_prefix: u.no_log_prefix,
    };
    // Ctrl-C and SIGTERM arrive on a signalfd (blocked now that every
    // container process is started; nothing forks after this point).
    use nix::sys::signal::{SigSet, Signal};
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGINT);
    mask.add(Signal::SIGTERM);
    mask.thread_block().context("cannot block SIGINT")?;
    let sfd = nix::sys::signalfd::SignalFd::with_flags(&mask, nix::sys::signalfd::SfdFlags::SFD_NONBLOCK)
        .context("cannot create a signalfd")?;
    // Which exits end the stack: --exit-code-from's service only; with
    // --abort-on-container-exit any, except one-shot dependencies
    // (service_completed_successfully), which are meant to exit.
    let one_shot: std::collections::BTreeSet<String> = p
        .services
        .values()
        .filter_map(|s| s.get("depends_on").and_then(|d| d.as_mapping()))
        .flat_map(|d| d.iter())
        .filter(|(_, v)| v.get("condition").and_then(|c| c.as_str()) == Some("service_completed_successfully"))
        .filter_map(|(k, _)| k.as_str().map(String::from))
        .collect();
    let abort_on: Vec<bool> = started
        .iter()
        .map(|(_, id)| {
            let svc = store
                .find_container(id)
                .ok()
                .and_then(|r| r.labels.get(compose::labels::SERVICE).cloned())
                .unwrap_or_default();
            match &exit_from {
                Some(from) => &svc == from,
                None => abort && !one_shot.contains(&svc),
            }
        })
        .collect();
    let ended = logs::follow(&store, &sources, &lo, &abort_on, || matches!(sfd.read_signal(), Ok(Some(_))))?;
    let _ = mask.thread_unblock();
    let code = match ended {
        logs::Ended::Stopped => {
            eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
            engine::stop(&store, &p.name, Some(&p), &u.services, u.timeout)?;
            130
        }
        logs::Ended::Exited(i) => {
            let (name, _) = &started[i];
            eprintln!("{} exited with code {}", logs::display_name(&p.name, name), exit_code(&store, &started[i].1));
            eprintln!("Aborting on container exit...");
            engine::stop(&store, &p.name, Some(&p), &u.services, u.timeout)?;
            if exit_from.is_none() {
                exit_from = Some(String::new());
            }
            match exit_from.as_deref() {
                Some("") => exit_code(&store, &started[i].1),
                Some(svc) => code_of_service(&store, &p.name, svc),
                None => 0,
            }
        }
        logs::Ended::AllStopped => match exit_from.as_deref() {
            Some(svc) => code_of_service(&store, &p.name, svc),
            None => 0,
        },
    };
    Ok(code)
}

fn exit_code(store: &crate::store::Store, id: &str) -> i32 {
    store.container_state(id).ok().and_then(|s| s.exit_code).unwrap_or(0)
}

fn code_of_service(store: &crate::store::Store, project: &str, service: &str) -> i32 {
    engine::service_containers(store, project, &[service.to_string()], false)
        .ok()
        .and_then(|c| c.first().map(|c| exit_code(store, &c.row.id)))
        .unwrap_or(0)
}
