//! `rcon create`, `start`, `stop`, `restart`, `kill`, `wait`: glue over
//! [`crate::container::lifecycle`] and the monitor.

use super::Context;
use crate::container::lifecycle;
use anyhow::Context as _;
use clap::Args;

/// Flags of `rcon create` (those of `run`; `-d` has no meaning here).
#[derive(Debug, Args)]
#[command(mut_arg("detach", |a| a.hide(true)))]
pub struct CreateArgs {
    #[command(flatten)]
    run: super::run::RunArgs,
}

impl CreateArgs {
    /// `--pod` was given: creating may start the pod's infra.
    pub fn in_pod(&self) -> bool {
        self.run.pod.is_some()
    }
}

/// Creates a container without starting it; prints its ID.
pub fn create(ctx: &Context, a: CreateArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let created = crate::container::create(&store, &super::run::options_in(&store, a.run)?)?;
    // A created container is the user's to start or remove.
    crate::container::cleanup::release(&store, &created.record.id);
    println!("{}", created.record.id);
    Ok(0)
}

/// Flags of `rcon start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Attach stdout/stderr and wait for the container to exit; exit with its code
    #[arg(short, long)]
    pub attach: bool,
    /// Attach stdin (for containers created with -i)
    #[arg(short, long)]
    pub interactive: bool,
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Starts created or exited containers under a monitor.
pub fn start(ctx: &Context, a: StartArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut failed = Vec::new();
    for name in &a.containers {
        match crate::container::start(&store, name) {
            Ok(record) if a.attach => {
                if a.interactive {
                    forward_stdin(&store, &record.id)?;
                }
                super::logs::follow_from(&store, &record.id, 0)?;
                return Ok(lifecycle::wait(&store, name)?);
            }
            Ok(_) => println!("{name}"),
            Err(e) => {
                super::print_daemon_error(&e.into(), None, name);
                failed.push(name.as_str());
            }
        }
    }
    if failed.is_empty() {
        return Ok(0);
    }
    // docker's CLI sums up after the daemon's errors.
    eprintln!("Error: failed to start containers: {}", failed.join(", "));
    Ok(1)
}

/// Flags of `rcon stop` and `rcon restart`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait before killing the container (default: its --stop-timeout, else 10)
    #[arg(short = 't', long = "time", visible_alias = "timeout", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Stops containers: the stop signal, then SIGKILL after the timeout.
pub fn stop(ctx: &Context, a: StopArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    each(&a.containers, None, |name| Ok(lifecycle::stop(&store, name, a.time).map(|_| ())?))
}

/// Stops then starts containers.
pub fn restart(ctx: &Context, a: StopArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    each(&a.containers, None, |name| {
        lifecycle::stop(&store, name, a.time)?;
        Ok(crate::container::start(&store, name).map(|_| ())?)
    })
}

/// Flags of `rcon kill`.
#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal to send, by name or number
    #[arg(short, long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Sends a signal to containers' init processes.
pub fn kill(ctx: &Context, a: KillArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let signal = lifecycle::parse_signal(&a.signal)?;
    each(&a.containers, Some("Cannot kill container"), |name| Ok(lifecycle::kill(&store, name, signal).map(|_| ())?))
}

/// Arguments of `rcon wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Containers: names, IDs or unique ID prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Waits for containers to stop and prints their exit codes.
pub fn wait(ctx: &Context, a: WaitArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut status = 0;
    for name in &a.containers {
        match lifecycle::wait(&store, name) {
            Ok(code) => println!("{code}"),
            Err(e) => {
                super::print_daemon_error(&e.into(), None, name);
                status = 1;
            }
        }
    }
    Ok(status)
}

/// Runs `f` on every name, printing each name that succeeded and each error
/// (as docker's daemon words it, `what` as in [`super::print_daemon_error`]);
/// docker's exit status 1 when any failed.
fn each(names: &[String], what: Option<&str>, mut f: impl FnMut(&str) -> anyhow::Result<()>) -> anyhow::Result<i32> {
    let mut status = 0;
    for name in names {
        match f(name) {
            Ok(()) => println!("{name}"),
            Err(e) => {
                super::print_daemon_error(&e, what, name);
                status = 1;
            }
        }
    }
    Ok(status)
}

/// Copies rcon's stdin into the container's stdin FIFO (containers run with
/// `-i`) on a thread of its own, until rcon's stdin ends; a container without
/// one (no `-i`) gets nothing.
pub(crate) fn forward_stdin(store: &crate::store::Store, id: &str) -> anyhow::Result<()> {
    let path = store.container_dir(id).join("stdin");
    if !path.exists() {
        return Ok(());
    }
    let mut fifo = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the stdin of container {}", &id[..12]))?;
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut fifo);
    });
    Ok(())
}
