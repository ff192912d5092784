//! `rcon network create|ls|rm|inspect|connect|disconnect|prune`, and the
//! networking flags of `rcon run` / `rcon create` ([`RunNetworkArgs`]).

use super::Context;
use crate::format::template::Format;
use crate::network::{self, NetworkOptions, netlink::Netlink, networks};
use clap::{Args, Subcommand};
use std::io::Write;

/// The networking flags of `run` (flattened into its flags).
#[derive(Debug, Args, Default)]
pub struct RunNetworkArgs {
    /// Connect the container to a network: bridge (default), none, host, NAME or container:NAME|ID
    #[arg(long = "network", visible_alias = "net", value_name = "NETWORK")]
    pub network: Option<String>,
    /// Add a network-scoped alias for the container (user networks)
    #[arg(long = "network-alias", visible_alias = "net-alias", value_name = "ALIAS")]
    pub network_alias: Vec<String>,
    /// Publish a container's port(s) to the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]
    #[arg(short = 'p', long = "publish", value_name = "PORTS")]
    pub publish: Vec<String>,
    /// Publish all exposed ports to free host ports
    #[arg(short = 'P', long = "publish-all")]
    pub publish_all: bool,
    /// Expose a port or a range of ports (published by -P)
    #[arg(long = "expose", value_name = "PORT[/PROTO]")]
    pub expose: Vec<String>,
    /// IPv4 address on the network (e.g. 10.99.1.10)
    #[arg(long = "ip", value_name = "ADDRESS")]
    pub ip: Option<String>,
    /// Add a custom host-to-IP mapping (NAME:IP)
    #[arg(long = "add-host", value_name = "NAME:IP")]
    pub add_host: Vec<String>,
    /// Set custom DNS servers
    #[arg(long = "dns", value_name = "IP")]
    pub dns: Vec<String>,
    /// Set custom DNS search domains
    #[arg(long = "dns-search", value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
    /// Set DNS options
    #[arg(long = "dns-option", visible_alias = "dns-opt", value_name = "OPTION")]
    pub dns_option: Vec<String>,
}

impl RunNetworkArgs {
    /// The library's form of the flags.
    pub fn options(self) -> NetworkOptions {
        NetworkOptions {
            network: self.network,
            aliases: self.network_alias,
            publish: self.publish,
            publish_all: self.publish_all,
            expose: self.expose,
            ip: self.ip,
            add_hosts: self.add_host,
            dns: self.dns,
            dns_search: self.dns_search,
            dns_options: self.dns_option,
        }
    }
}

/// `rcon network`.
#[derive(Debug, Args)]
pub struct NetworkArgs {
    #[command(subcommand)]
    command: NetworkCommand,
}

#[derive(Debug, Subcommand)]
enum NetworkCommand {
    /// Create a network
    Create {
        /// Subnet in CIDR format (default: the first free 10.99.N.0/24)
        #[arg(long, value_name = "CIDR")]
        subnet: Option<String>,
        /// IPv4 gateway (default: the subnet's first address)
        #[arg(long, value_name = "IP")]
        gateway: Option<String>,
        /// Driver (only "bridge")
        #[arg(short, long, default_value = "bridge", value_parser = ["bridge"])]
        driver: String,
        /// Set metadata on the network (KEY=VALUE)
        #[arg(long = "label", value_name = "KEY=VALUE")]
        label: Vec<String>,
        /// Network name
        name: String,
    },
    /// List networks
    #[command(visible_alias = "list")]
    Ls {
        /// Only display network IDs
        #[arg(short, long)]
        quiet: bool,
        /// Do not truncate the output
        #[arg(long)]
        no_trunc: bool,
        /// Filter: driver=, id=, label=, name=, scope=, type=custom|builtin, dangling=BOOL
        #[arg(short, long, value_name = "FILTER")]
        filter: Vec<String>,
        /// Pretty-print networks using a Go template
        #[arg(long, value_name = "TEMPLATE")]
        format: Option<String>,
    },
    /// Remove one or more networks
    #[command(visible_alias = "remove")]
    Rm {
        /// Networks
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Display detailed information on one or more networks
    Inspect {
        /// Format the output using a Go template
        #[arg(short, long, value_name = "TEMPLATE")]
        format: Option<String>,
        /// Networks
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Connect a container to a network
    Connect {
        /// Network-scoped alias for the container
        #[arg(long = "alias", value_name = "ALIAS")]
        alias: Vec<String>,
        /// IPv4 address
        #[arg(long = "ip", value_name = "ADDRESS")]
        ip: Option<std::net::Ipv4Addr>,
        /// Network
        network: String,
        /// Container
        container: String,
    },
    /// Disconnect a container from a network
    Disconnect {
        /// Force the container to disconnect
        #[arg(short, long)]
        force: bool,
        /// Network
        network: String,
        /// Container
        container: String,
    },
    /// Remove all networks no container uses
    Prune {
        /// Do not prompt for confirmation
        #[arg(short, long)]
        force: bool,
        /// Provide filter values (until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE])
        #[arg(long, value_name = "FILTER")]
        filter: Vec<String>,
    },
}

/// Runs a `network` subcommand.
pub fn run(ctx: &Context, a: NetworkArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut out = std::io::stdout().lock();
    match a.command {
        NetworkCommand::Create { subnet, gateway, driver: _, label, name } => {
            // docker's daemon refuses a bad or taken network: its CLI exits 1.
            let n = networks::create(&store, &name, subnet.as_deref(), gateway.as_deref(), super::parse_labels(&label))
                .map_err(|e| crate::util::DaemonError(crate::util::error_chain(&e)))?;
            writeln!(out, "{}", n.id)?;
        }
        NetworkCommand::Ls { quiet, no_trunc, filter, format } => {
            let filters = crate::filters::Filters::parse(
                &filter,
                &["driver", "id", "label", "label!", "name", "scope", "type", "dangling"],
            )
            .map_err(crate::util::DaemonError)?;
            let mut all = networks::all(&store)?;
            let dangling = filters.dangling().map_err(anyhow::Error::msg)?;
            all.retain(|(n, builtin)| {
                filters.driver_matches(&n.driver)
                    && filters.id_matches(&n.id)
                    && filters.name_matches(&n.name)
                    && filters.labels_match(&n.labels)
                    && filters.get("scope").iter().all(|s| s == "local")
                    && filters.get("type").iter().all(|t| (t == "builtin") == *builtin)
                    && dangling.is_none_or(|d| d == (!builtin && network::users_of(&store, &n.name).is_empty()))
            });
            let short = |id: &str| if no_trunc { id.to_string() } else { id[..12].to_string() };
            if quiet {
                for (n, _) in &all {
                    writeln!(out, "{}", short(&n.id))?;
                }
            } else {
                let items: Vec<serde_json::Value> = all
                    .iter()
                    .map(|(n, _)| {
                        serde_json::json!({
                            "ID": short(&n.id), "Name": n.name, "Driver": n.driver, "Scope": "local",
                            "IPv6": "false", "Internal": "false",
                            "Labels": n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
                            "CreatedAt": n.created.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S%.9f %z %Z").to_string(),
                        })
                    })
                    .collect();
                let headers = [
                    ("ID", "NETWORK ID"),
                    ("Name", "NAME"),
                    ("Driver", "DRIVER"),
                    ("Scope", "SCOPE"),
                    ("IPv6", "IPV6"),
                    ("Internal", "INTERNAL"),
                    ("Labels", "LABELS"),
                    ("CreatedAt", "CREATED AT"),
                ];
                let f = format.as_deref().unwrap_or("table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}");
                write!(out, "{}", Format::parse(f)?.render(&items, &headers)?)?;
            }
        }
        NetworkCommand::Rm { names } => {
            let mut failed = false;
            for name in names {
                match network::remove_network(&store, &name) {
                    Ok(_) => writeln!(out, "{name}")?,
                    Err(e) => {
                        super::print_error(&e.into());
                        failed = true;
                    }
                }
            }
            return Ok(if failed { 1 } else { 0 });
        }
        NetworkCommand::Inspect { format, names } => {
            // As docker: what exists is printed (`[]` when nothing does),
            // each missing one is an error, exit 1.
            let mut nl = Netlink::open()?;
            drop(out);
            return super::inspect::print_each(format.as_deref(), &names, |name| {
                networks::find(&store, &mut nl, name).map(|n| network::inspect_json(&store, &n))
            });
        }
        NetworkCommand::Connect { alias, ip, network, container } => {
            let c = store.find_container(&container)?;
            network::connect(&store, &c.id, &network, &alias, ip)?;
        }
        NetworkCommand::Disconnect { force: _, network, container } => {
            let c = store.find_container(&container)?;
            network::disconnect(&store, &c.id, &network)?;
        }
        NetworkCommand::Prune { force, filter } => {
            let filters = crate::filters::Filters::parse(&filter, crate::system::prune::PRUNE_KEYS)
                .map_err(crate::util::DaemonError)?;
            if !force
                && !super::df::confirm(
                    "WARNING! This will remove all custom networks not used by at least one container.",
                )?
            {
                return Ok(0);
            }
            let removed = crate::system::prune::networks(&store, &filters)?;
            if !removed.is_empty() {
                writeln!(out, "Deleted Networks:")?;
                for n in removed {
                    writeln!(out, "{n}")?;
                }
                // docker's CLI ends the list with an empty line.
                writeln!(out)?;
            }
        }
    }
    Ok(0)
}
