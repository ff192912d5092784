//! `rcon ps [-a] [-q] [-n N] [-l] [-s] [--no-trunc] [--filter K=V] [--format T]`.

use super::Context;
use crate::format::template::Format;
use crate::format::{Table, ago, ellipsis, human_size};
use crate::store::{ContainerQuery, ContainerRow, ContainerState, ContainerStatus, MountPoint, Store};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;
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
    /// Show the N last created containers (all states)
    #[arg(short = 'n', long = "last", value_name = "N")]
    pub last: Option<usize>,
    /// Show the latest created container (all states)
    #[arg(short, long)]
    pub latest: bool,
    /// Display total file sizes
    #[arg(short, long)]
    pub size: bool,
    /// Filter: id, name, label, status, ancestor, exited, health (KEY=VALUE)
    #[arg(short, long = "filter", value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// Format the output using a Go template, "table TEMPLATE" or "json"
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    /// Show the ID and name of the pod of each container
    #[arg(long)]
    pub pod: bool,
}

/// Header labels of the fields `--format "table …"` may use.
const HEADERS: [(&str, &str); 14] = [
    ("ID", "CONTAINER ID"),
    ("Image", "IMAGE"),
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("RunningFor", "CREATED"),
    ("Ports", "PORTS"),
    ("State", "STATE"),
    ("Status", "STATUS"),
    ("Size", "SIZE"),
    ("Names", "NAMES"),
    ("Labels", "LABELS"),
    ("Mounts", "MOUNTS"),
    ("Networks", "NETWORKS"),
    ("LocalVolumes", "LOCAL VOLUMES"),
];

/// Lists containers.
pub fn run(ctx: &Context, a: PsArgs) -> anyhow::Result<i32> {
    let store = ctx.store_swept()?;
    let now = Utc::now();
    let filters = crate::container::list::Filters::parse(&a.filter)?;
    let format = a.format.as_deref().map(Format::parse).transpose()?;
    let last = if a.latest { Some(1) } else { a.last };
    let mut selected = Vec::new();
    let all = a.all || last.is_some() || filters.has("status") || filters.has("exited");
    let query = ContainerQuery { running: !all, ..filters.query() };
    for c in store.list_containers(&query)?.into_iter().rev() {
        let state = c.state.clone();
        if (!all && state.status != ContainerStatus::Running) || !filters.matches(&store, &c, &state) {
            continue;
        }
        selected.push((c, state));
        if last.is_some_and(|n| selected.len() >= n) {
            break;
        }
    }
    let mut out = std::io::stdout().lock();
    if a.quiet {
        for (c, _) in &selected {
            writeln!(out, "{}", if a.no_trunc { &c.id[..] } else { &c.id[..12] })?;
        }
        return Ok(0);
    }
    // As docker's CLI: a format that shows the size asks for it.
    let size =
        a.size || a.format.as_deref().is_some_and(|f| f == "json" || f.contains(".Size") || f.contains("{{json .}}"));
    // The mounts are in the container's record, not its row: read only
    // when the output shows them.
    let mounts = a.format.as_deref().is_some_and(|f| {
        f == "json"
            || f.contains("Mounts")
            || f.contains("LocalVolumes")
            || f.contains("{{json .}}")
            || f.contains("{{.}}")
    });
    let rows: Vec<Row> = selected
        .iter()
        .map(|(c, s)| {
            let mounts =
                if mounts { store.container_record(c).map(|r| r.mounts).unwrap_or_default() } else { Vec::new() };
            Row::new(&store, c, s, &mounts, now, !a.no_trunc, size)
        })
        .collect();
    if let Some(f) = format {
        let items: Vec<serde_json::Value> = rows.iter().map(Row::json).collect();
        out.write_all(f.render(&items, &HEADERS)?.as_bytes())?;
        return Ok(0);
    }
    let mut header = vec!["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"];
    if a.size {
        header.push("SIZE");
    }
    if a.pod {
        header.extend(["POD ID", "PODNAME"]);
    }
    let pods = if a.pod { crate::pod::names_by_id(&store) } else { Default::default() };
    let mut table = Table::new(&header);
    for (r, (c, _)) in rows.into_iter().zip(&selected) {
        let mut cells = vec![r.id, r.image, format!("{:?}", r.command), r.running_for, r.status, r.ports, r.names];
        if a.size {
            cells.push(r.size);
        }
        if a.pod {
            let pod_id = c.labels.get(crate::pod::LABEL_POD).cloned().unwrap_or_default();
            let name = pods.get(&pod_id).cloned().unwrap_or_default();
            cells.push(if a.no_trunc { pod_id } else { pod_id.chars().take(12).collect() });
            cells.push(name);
        }
        table.row(cells);
    }
    out.write_all(table.render().as_bytes())?;
    Ok(0)
}

/// One container as `ps` shows it, with docker's field names.
struct Row {
    id: String,
    image: String,
    command: String,
    created_at: String,
    running_for: String,
    ports: String,
    state: &'static str,
    status: String,
    size: String,
    names: String,
    labels: String,
    mounts: String,
    local_volumes: usize,
    networks: String,
}

impl Row {
    fn new(
        store: &Store,
        c: &ContainerRow,
        s: &ContainerState,
        mounts: &[MountPoint],
        now: DateTime<Utc>,
        trunc: bool,
        size: bool,
    ) -> Row {
        let command = crate::container::list::display_command(&c.command);
        Row {
            id: if trunc { c.id[..12].to_string() } else { c.id.clone() },
            image: c.image.clone(),
            command: if trunc { ellipsis(&command, 20) } else { command },
            created_at: crate::format::go_time(c.created),
            running_for: ago(c.created, now),
            // Ports are published only while the container runs.
            ports: if s.status == ContainerStatus::Running {
                crate::container::network_settings::ports_column(store, &c.id)
            } else {
                String::new()
            },
            state: if c.problem.is_some() { "dead" } else { crate::container::inspect::status_word(s) },
            status: match &c.problem {
                // docker's `Dead` state word for a container it cannot use.
                Some(_) if trunc => "Dead (damaged record)".to_string(),
                Some(p) => format!("Dead (damaged record: {p})"),
                None => crate::container::list::status(s, now),
            },
            size: if size {
                format!("{} (virtual {})", human_size(upper_size(store, &c.id)), image_size(store, c))
            } else {
                "0B".into()
            },
            names: c.name.clone(),
            labels: c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
            // docker: volume names and bind sources, each cut to 15 characters.
            mounts: mounts
                .iter()
                .filter(|m| m.kind != crate::volume::MountKind::Tmpfs)
                .map(|m| {
                    let name = if m.kind == crate::volume::MountKind::Volume {
                        m.name.clone()
                    } else {
                        m.source.display().to_string()
                    };
                    if trunc { ellipsis(&name, 15) } else { name }
                })
                .collect::<Vec<_>>()
                .join(","),
            local_volumes: mounts.iter().filter(|m| m.kind == crate::volume::MountKind::Volume).count(),
            networks: crate::container::network_settings::settings_json(store, &c.id)["Networks"]
                .as_object()
                .map(|n| n.keys().cloned().collect::<Vec<_>>().join(","))
                .unwrap_or_default(),
        }
    }

    /// docker's `ps --format '{{json .}}'` object (its formatter's fields,
    /// all strings).
    fn json(&self) -> serde_json::Value {
        json!({
            "Command": format!("{:?}", self.command), "CreatedAt": self.created_at, "ID": self.id,
            "Image": self.image, "Labels": self.labels, "LocalVolumes": self.local_volumes.to_string(),
            "Mounts": self.mounts, "Names": self.names, "Networks": self.networks, "Ports": self.ports,
            "RunningFor": self.running_for, "Size": self.size, "State": self.state, "Status": self.status,
        })
    }
}

/// Bytes in the container's writable layer.
fn upper_size(store: &Store, id: &str) -> u64 {
    crate::units::dir_size(&store.container_dir(id).join("upper"))
}

fn image_size(store: &Store, c: &ContainerRow) -> String {
    let size: u64 = c.layers.iter().filter_map(|l| store.layer(l).ok().flatten()).map(|l| l.size).sum();
    human_size(size)
}
