//! `rcon kube play FILE|-` and `rcon kube generate`: glue over
//! [`crate::kube`], with podman's flags and output.

use super::Context;
use clap::{Args, Subcommand};
use std::io::Read as _;
use std::path::PathBuf;

/// `rcon kube`.
#[derive(Debug, Args)]
pub struct KubeArgs {
    #[command(subcommand)]
    pub command: KubeCommand,
}

/// The kube subcommands.
#[derive(Debug, Subcommand)]
pub enum KubeCommand {
    /// Run the pods, containers and volumes of Kubernetes YAML (Pod, Deployment, Service, ConfigMap, Secret, PVC…)
    Play(PlayArgs),
    /// Print Kubernetes YAML for containers and pods
    Generate(GenerateArgs),
}

impl KubeCommand {
    /// True when the subcommand starts container processes.
    pub fn starts_container_processes(&self) -> bool {
        matches!(self, KubeCommand::Play(_))
    }
}

/// Flags of `rcon kube play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Remove the pods and containers the YAML describes (volumes of claims are kept)
    #[arg(long)]
    pub down: bool,
    /// Remove the YAML's pods first if they exist, then play it
    #[arg(long)]
    pub replace: bool,
    /// Start the pods (--start=false only creates them)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub start: bool,
    /// Publish a container port on the host, overriding the YAML: [IP:]HOST:CONTAINER[/PROTO]
    #[arg(long, value_name = "SPEC")]
    pub publish: Vec<String>,
    /// Network of the pods: bridge (default), none, host or a network's name
    #[arg(long, value_name = "NETWORK")]
    pub network: Option<String>,
    /// YAML file(s) with ConfigMaps the YAML refers to
    #[arg(long, value_name = "FILE", value_delimiter = ',')]
    pub configmap: Vec<PathBuf>,
    /// Build images from the directory NAME (with a Containerfile or Dockerfile) beside the YAML, NAME
    /// being the image's last name: --build always, --build=false never, neither when missing
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub build: Option<bool>,
    /// Require HTTPS and verify certificates when images must be pulled
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub tls_verify: bool,
    /// Suppress the pull output
    #[arg(short, long)]
    pub quiet: bool,
    /// The YAML file, or - for standard input
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// Flags of `rcon kube generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Also generate a Service for the published ports
    #[arg(short, long)]
    pub service: bool,
    /// Kind of workload: pod or deployment
    #[arg(short, long = "type", value_name = "TYPE", default_value = "pod", value_parser = ["pod", "deployment"])]
    pub kind: String,
    /// Write the YAML to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub filename: Option<PathBuf>,
    /// Containers or pods: names or IDs
    #[arg(required = true, value_name = "CONTAINER|POD")]
    pub names: Vec<String>,
}

/// Runs a kube subcommand.
pub fn run(ctx: &Context, a: KubeArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    match a.command {
        KubeCommand::Play(p) => play(&store, p),
        KubeCommand::Generate(g) => {
            let opts = crate::kube::GenerateOptions {
                kind: if g.kind == "deployment" { crate::kube::Kind::Deployment } else { crate::kube::Kind::Pod },
                service: g.service,
            };
            let yaml = crate::kube::generate(&store, &g.names, &opts)?;
            match g.filename {
                Some(f) => {
                    std::fs::write(&f, yaml).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", f.display()))?
                }
                None => print!("{yaml}"),
            }
            Ok(0)
        }
    }
}

fn play(store: &crate::store::Store, p: PlayArgs) -> anyhow::Result<i32> {
    let yaml = if p.file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(&p.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.file))?
    };
    let mut configmaps = Vec::new();
    for f in &p.configmap {
        configmaps.push(std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("--configmap {}: {e}", f.display()))?);
    }
    let opts = crate::kube::PlayOptions {
        start: p.start,
        publish: p.publish,
        network: p.network,
        configmaps,
        pull: crate::registry::PullOptions { quiet: p.quiet, tls_verify: p.tls_verify, stdout: false },
        build: match p.build {
            None => crate::kube::BuildPolicy::Missing,
            Some(true) => crate::kube::BuildPolicy::Always,
            Some(false) => crate::kube::BuildPolicy::Never,
        },
        context: if p.file == "-" {
            std::path::PathBuf::new()
        } else {
            std::path::Path::new(&p.file).parent().map(std::path::Path::to_path_buf).unwrap_or_default()
        },
    };
    if p.down || p.replace {
        let report = crate::kube::down(store, &yaml, &opts)?;
        if p.down {
            if !report.removed.is_empty() {
                println!("Pods removed:");
                for id in &report.removed {
                    println!("{id}");
                }
            }
            return Ok(0);
        }
    }
    let report = crate::kube::play(store, &yaml, &opts)?;
    for u in &report.unsupported {
        eprintln!("rcon: kube play: {u}: not supported, ignored");
    }
    for w in &report.warnings {
        eprintln!("rcon: kube play: warning: {w}");
    }
    for v in &report.volumes {
        println!("Volume:\n{v}");
    }
    for (pod, containers) in &report.pods {
        println!("Pod:\n{pod}\nContainers:");
        for c in containers {
            println!("{c}");
        }
    }
    Ok(0)
}
