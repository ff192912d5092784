//! `rcon volume create|ls|inspect|rm|prune` and the mount flags of
//! `run`/`create` (`-v`, `--mount`, `--volumes-from`).

use super::Context;
use crate::format::Table;
use crate::format::template::Format;
use crate::volume;
use clap::{Args, Subcommand};
use std::io::Write;

/// The mount flags of `rcon run` and `rcon create`.
#[derive(Debug, Args)]
pub struct RunVolumeArgs {
    /// Bind mount a host path or mount a volume: [SOURCE:]DEST[:OPTIONS] (ro, rw, z, Z, propagation, nocopy)
    #[arg(short = 'v', long = "volume", value_name = "[SRC:]DEST[:OPTS]")]
    pub volume: Vec<String>,
    /// Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…[,readonly][,…]
    #[arg(long = "mount", value_name = "MOUNT")]
    pub mount: Vec<String>,
    /// Mount the volumes of another container: CONTAINER[:ro|rw]
    #[arg(long = "volumes-from", value_name = "CONTAINER[:MODE]")]
    pub volumes_from: Vec<String>,
}

impl RunVolumeArgs {
    /// As [`crate::volume::MountFlags`].
    pub fn flags(&self) -> volume::MountFlags {
        volume::MountFlags {
            volumes: self.volume.clone(),
            mounts: self.mount.clone(),
            volumes_from: self.volumes_from.clone(),
        }
    }
}

/// `rcon volume`.
#[derive(Debug, Args)]
pub struct VolumeArgs {
    #[command(subcommand)]
    command: VolumeCommand,
}

#[derive(Debug, Subcommand)]
enum VolumeCommand {
    /// Create a volume
    Create {
        /// Set metadata on the volume (KEY=VALUE)
        #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
        label: Vec<String>,
        /// Volume driver (only "local")
        #[arg(short = 'd', long, default_value = "local")]
        driver: String,
        /// Driver options (KEY=VALUE); rcon's local driver takes none
        #[arg(short = 'o', long = "opt", value_name = "KEY=VALUE")]
        opt: Vec<String>,
        /// Name (random when not given)
        name: Option<String>,
    },
    /// List volumes
    #[command(alias = "list")]
    Ls {
        /// Only display volume names
        #[arg(short, long)]
        quiet: bool,
        /// Filter: dangling=true|false, name=…, label=KEY[=VALUE], driver=local
        #[arg(short, long, value_name = "FILTER")]
        filter: Vec<String>,
        /// Format output with a Go template, `table …` or `json`
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
    },
    /// Display detailed information on one or more volumes
    Inspect {
        /// Format output with a Go template
        #[arg(short, long, value_name = "FORMAT")]
        format: Option<String>,
        /// Volumes
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Remove one or more volumes
    #[command(alias = "remove")]
    Rm {
        /// Do not fail on volumes that do not exist
        #[arg(short, long)]
        force: bool,
        /// Volumes
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Remove unused volumes (anonymous ones unless --all)
    Prune {
        /// Remove all unused volumes (the default, as docker 20.10's; accepted for docker 23+ scripts)
        #[arg(short, long)]
        all: bool,
        /// Do not prompt for confirmation
        #[arg(short, long)]
        force: bool,
        /// Filter: label=KEY[=VALUE], label!=KEY[=VALUE]
        #[arg(long, value_name = "FILTER")]
        filter: Vec<String>,
    },
}

/// Runs a `volume` subcommand.
pub fn run(ctx: &Context, a: VolumeArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut out = std::io::stdout().lock();
    match a.command {
        VolumeCommand::Create { label, driver, opt, name } => {
            volume::check_driver(name.as_deref().unwrap_or_default(), &driver, &opt)
                .map_err(|e| crate::util::DaemonError(e.to_string()))?;
            let (v, _) = volume::create(&store, name.as_deref(), super::parse_labels(&label))?;
            writeln!(out, "{}", v.name)?;
        }
        VolumeCommand::Ls { quiet, filter, format } => {
            let mut pairs = Vec::new();
            for f in &filter {
                let (k, val) = f.split_once('=').ok_or_else(|| anyhow::anyhow!("bad filter {f:?}: use KEY=VALUE"))?;
                pairs.push((k.to_string(), val.to_string()));
            }
            let list = match volume::list_filtered(&store, &pairs) {
                Err(e @ volume::VolumeError::InvalidFilter(_)) => {
                    return Err(crate::util::DaemonError(e.to_string()).into());
                }
                other => other?,
            };
            if quiet {
                for v in &list {
                    writeln!(out, "{}", v.name)?;
                }
            } else if let Some(f) = format {
                let items: Vec<serde_json::Value> = list
                    .iter()
                    .map(|v| {
                        let l: Vec<String> = v.labels.iter().map(|(k, x)| format!("{k}={x}")).collect();
                        serde_json::json!({
                            "Name": v.name, "Driver": "local", "Scope": "local",
                            "Mountpoint": store.volume_data(&v.name), "Labels": l.join(","),
                            "CreatedAt": v.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        })
                    })
                    .collect();
                let headers = [
                    ("Name", "VOLUME NAME"),
                    ("Driver", "DRIVER"),
                    ("Scope", "SCOPE"),
                    ("Mountpoint", "MOUNTPOINT"),
                    ("Labels", "LABELS"),
                ];
                write!(out, "{}", Format::parse(&f)?.render(&items, &headers)?)?;
            } else {
                let mut t = Table::new(&["DRIVER", "VOLUME NAME"]);
                for v in list {
                    t.row(vec!["local".into(), v.name]);
                }
                write!(out, "{}", t.render())?;
            }
        }
        VolumeCommand::Inspect { format, names } => {
            // As docker: what exists is printed, each missing one is an error, exit 1.
            drop(out);
            return super::inspect::print_each(format.as_deref(), &names, |n| {
                volume::get(&store, n).map(|v| volume::inspect_json(&store, &v))
            });
        }
        VolumeCommand::Rm { force, names } => {
            let mut code = 0;
            for n in names {
                match volume::remove(&store, &n) {
                    Ok(()) => writeln!(out, "{n}")?,
                    Err(volume::VolumeError::NoSuchVolume(_)) if force => {}
                    Err(e) => {
                        super::print_error(&e.into());
                        code = 1;
                    }
                }
            }
            return Ok(code);
        }
        VolumeCommand::Prune { all: _, force: _, filter } => {
            let filters = crate::filters::Filters::parse(&filter, crate::system::prune::VOLUME_PRUNE_KEYS)
                .map_err(crate::util::DaemonError)?;
            // docker 20.10 (API 1.41, which rcon speaks): every unused
            // volume, named ones too (docker 23+ needs -a for those).
            let (removed, bytes) = crate::system::prune::volumes(&store, true, &filters)?;
            print_pruned(&mut out, &removed, bytes)?;
        }
    }
    Ok(0)
}

fn print_pruned(out: &mut dyn Write, removed: &[String], bytes: u64) -> std::io::Result<()> {
    if !removed.is_empty() {
        writeln!(out, "Deleted Volumes:")?;
        for r in removed {
            writeln!(out, "{r}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "Total reclaimed space: {}", crate::format::human_size4(bytes))
}
