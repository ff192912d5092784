//! `rcon ps [-a] [-q] [--no-trunc]`.

use super::Context;
use crate::format::{Table, ago, ellipsis, human_duration};
use crate::store::{ContainerState, ContainerStatus};
use chrono::{DateTime, Utc};
use clap::Args;
use std::io::Write;

/// Flags of `rcon ps`.
#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Only display container IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
}

/// Lists containers.
pub fn run(ctx: &Context, a: PsArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let now = Utc::now();
    let mut table = Table::new(&["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]);
    let mut ids = Vec::new();
    for c in store.containers()?.into_iter().rev() {
        let state = store.container_state(&c.id)?;
        if !a.all && state.status != ContainerStatus::Running {
            continue;
        }
        let id = if a.no_trunc { c.id.clone() } else { c.id[..12].to_string() };
        if a.quiet {
            ids.push(id);
            continue;
        }
        let command = display_command(&c.command);
        let command = if a.no_trunc { command } else { ellipsis(&command, 20) };
        table.row(vec![
            id,
            c.image.clone(),
            format!("{command:?}"),
            ago(c.created, now),
            status(&state, now),
            crate::network::ports_column(&store, &c.id),
            c.name.clone(),
        ]);
    }
    if a.quiet {
        let mut out = std::io::stdout().lock();
        for id in ids {
            writeln!(out, "{id}")?;
        }
    } else {
        table.print()?;
    }
    Ok(0)
}

/// The COMMAND column as docker builds it: arguments containing a space
/// are wrapped in single quotes (`sh -c 'exit 3'`).
pub fn display_command(argv: &[String]) -> String {
    let quoted: Vec<String> = argv
        .iter()
        .enumerate()
        .map(|(i, a)| if i > 0 && a.contains(' ') { format!("'{a}'") } else { a.clone() })
        .collect();
    quoted.join(" ")
}

/// docker's STATUS column: "Created", "Up 3 seconds", "Exited (0) 5 seconds ago".
pub fn status(state: &ContainerState, now: DateTime<Utc>) -> String {
    match state.status {
        ContainerStatus::Created => "Created".into(),
        ContainerStatus::Running => {
            let since = state.started_at.unwrap_or(now);
            let up = format!("Up {}", human_duration((now - since).num_milliseconds() as f64 / 1000.0));
            let paused = if state.paused { " (Paused)" } else { "" };
            match state.health.as_ref().map(|h| h.status.as_str()) {
                Some("starting") => format!("{up} (health: starting){paused}"),
                Some(h) => format!("{up} ({h}){paused}"),
                None => format!("{up}{paused}"),
            }
        }
        ContainerStatus::Exited => match state.finished_at {
            Some(t) => format!("Exited ({}) {}", state.exit_code.unwrap_or(0), ago(t, now)),
            None => format!("Exited ({})", state.exit_code.unwrap_or(0)),
        },
    }
}
