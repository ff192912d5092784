//! `rcon oci`: the OCI Runtime Command Line Interface (runtime-tools'
//! command-line-interface.md), so that tools and test suites written for
//! runc can drive rcon's runtime on a bundle: `create`, `start`, `state`,
//! `kill`, `delete`. Glue over [`crate::runtime::oci`].
//!
//! The state root is `ROOT/oci` where ROOT is rcon's global `--root`
//! (default `/var/lib/rcon/oci`): `rcon oci --root DIR …` keeps everything
//! under `DIR`, as `runc --root DIR …` does. Failures print one `rcon: …`
//! line naming the container and exit 1, as runc does (126/127 when `start`
//! cannot exec the process).

use super::Context;
use crate::runtime::oci::{CreateOptions, Runtime};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `rcon oci SUBCOMMAND`.
#[derive(Debug, Args)]
pub struct OciArgs {
    /// Also append errors to this file (as runc's --log, read by shims)
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Format of --log lines: text or json
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: OciCommand,
}

/// The OCI runtime operations.
#[derive(Debug, Subcommand)]
enum OciCommand {
    /// Create a container from a bundle; its process waits for `start`
    Create {
        /// The bundle directory (holding config.json)
        #[arg(long, short = 'b', value_name = "DIR", default_value = ".")]
        bundle: PathBuf,
        /// Write the container process's pid to this file
        #[arg(long, value_name = "FILE")]
        pid_file: Option<PathBuf>,
        /// Unix socket to send the console's pty master to (process.terminal)
        #[arg(long, value_name = "PATH")]
        console_socket: Option<PathBuf>,
        /// Container ID
        id: String,
    },
    /// Start a created container's process
    Start {
        /// Container ID
        id: String,
    },
    /// Print a container's state as JSON
    State {
        /// Container ID
        id: String,
    },
    /// Send a signal (default SIGTERM) to a container's process
    Kill {
        /// Send it to every process of the container
        #[arg(long, short = 'a')]
        all: bool,
        /// Container ID
        id: String,
        /// Signal name (TERM, SIGTERM) or number
        #[arg(default_value = "SIGTERM")]
        signal: String,
    },
    /// Delete a stopped container (--force: kill a created or running one first)
    Delete {
        /// Kill the container if it is running
        #[arg(long, short = 'f')]
        force: bool,
        /// Container ID
        id: String,
    },
}

/// Runs `rcon oci …`; errors are printed here (exit 1, runc's code).
pub fn run(ctx: &Context, args: OciArgs) -> anyhow::Result<i32> {
    let rt = Runtime::new(ctx.root.join("oci"));
    let r = match args.command {
        OciCommand::Create { bundle, pid_file, console_socket, id } => {
            rt.create(&id, &bundle, &CreateOptions { pid_file, console_socket }).map(|_| ())
        }
        OciCommand::Start { id } => rt.start(&id),
        OciCommand::State { id } => rt.state(&id).map(|s| {
            println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
        }),
        OciCommand::Kill { all, id, signal } => {
            let sig = crate::container::lifecycle::parse_signal(&signal)?;
            rt.kill(&id, sig as i32, all)
        }
        OciCommand::Delete { force, id } => rt.delete(&id, force),
    };
    match r {
        Ok(()) => Ok(0),
        Err(e) => {
            let code = e.exit_code();
            let msg = crate::util::error_chain(&e);
            eprintln!("rcon: {msg}");
            if let Some(path) = &args.log {
                log_error(path, &args.log_format, &msg);
            }
            Ok(code)
        }
    }
}

/// Appends `msg` to the `--log` file: `time=… level=error msg="…"` (text) or
/// `{"level":"error","msg":…,"time":…}` (json), runc's two formats.
fn log_error(path: &std::path::Path, format: &str, msg: &str) {
    use std::io::Write;
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    let line = if format == "json" {
        serde_json::json!({"level": "error", "msg": msg, "time": time}).to_string()
    } else {
        format!("time={time:?} level=error msg={msg:?}")
    };
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{line}");
    }
}
