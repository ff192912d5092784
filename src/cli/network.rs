//! `rcon network create|ls|rm|inspect|connect|disconnect|prune`, and the
//! networking flags of `rcon run` / `rcon create` ([`RunNetworkArgs`]).

use super::Context;
use crate::format::Table;
use crate::network::{self, Network, NetworkOptions, netlink::Netlink, networks};
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
    },
}

/// Runs a `network` subcommand.
pub fn run(ctx: &Context, a: NetworkArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut out = std::io::stdout().lock();
    match a.command {
        NetworkCommand::Create { subnet, gateway, driver: _, name } => {
            let n = networks::create(&store, &name, subnet.as_deref(), gateway.as_deref())?;
            writeln!(out, "{}", n.id)?;
        }
        NetworkCommand::Ls { quiet, no_trunc } => {
            let mut nl = Netlink::open()?;
            let mut all = vec![networks::default_network(&mut nl)?];
            all.extend(networks::user_networks(&store)?);
            let mut table = Table::new(&["NETWORK ID", "NAME", "DRIVER", "SCOPE"]);
            let mut rows: Vec<(String, String, String)> = all.into_iter().map(|n| (n.id, n.name, n.driver)).collect();
            rows.push(("1".repeat(64), "host".into(), "host".into()));
            rows.push(("2".repeat(64), "none".into(), "null".into()));
            rows.sort_by(|a, b| a.1.cmp(&b.1));
            for (id, name, driver) in rows {
                let id = if no_trunc { id } else { id[..12].to_string() };
                if quiet {
                    writeln!(out, "{id}")?;
                } else {
                    table.row(vec![id, name, driver, "local".into()]);
                }
            }
            if !quiet {
                drop(out);
                table.print()?;
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
        NetworkCommand::Inspect { names } => {
            let mut nl = Netlink::open()?;
            let mut docs = Vec::new();
            for name in &names {
                docs.push(inspect(&store, &networks::find(&store, &mut nl, name)?));
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&docs)?)?;
        }
        NetworkCommand::Connect { alias, ip, network, container } => {
            let c = store.find_container(&container)?;
            network::connect(&store, &c.id, &network, &alias, ip)?;
        }
        NetworkCommand::Disconnect { force: _, network, container } => {
            let c = store.find_container(&container)?;
            network::disconnect(&store, &c.id, &network)?;
        }
        NetworkCommand::Prune { force: _ } => {
            let mut removed = Vec::new();
            for n in networks::user_networks(&store)? {
                if network::users_of(&store, &n.name).is_empty() && network::remove_network(&store, &n.name).is_ok() {
                    removed.push(n.name);
                }
            }
            if !removed.is_empty() {
                writeln!(out, "Deleted Networks:")?;
                for n in removed {
                    writeln!(out, "{n}")?;
                }
            }
        }
    }
    Ok(0)
}

/// docker's `network inspect` document for one network.
fn inspect(store: &crate::store::Store, n: &Network) -> serde_json::Value {
    let mut containers = serde_json::Map::new();
    for c in store.containers().unwrap_or_default() {
        let Some(ep) = network::endpoint(store, &c.id) else { continue };
        for a in ep.attachments.iter().filter(|a| a.network == n.name && a.ip.is_some()) {
            containers.insert(
                c.id.clone(),
                serde_json::json!({
                    "Name": c.name,
                    "MacAddress": a.mac.clone().unwrap_or_default(),
                    "IPv4Address": format!("{}/{}", a.ip.unwrap(), a.prefix),
                    "IPv6Address": "",
                }),
            );
        }
    }
    serde_json::json!({
        "Name": n.name,
        "Id": n.id,
        "Created": n.created.to_rfc3339(),
        "Scope": "local",
        "Driver": n.driver,
        "EnableIPv6": false,
        "IPAM": {
            "Driver": "default",
            "Options": {},
            "Config": [{"Subnet": format!("{}/{}", n.subnet, n.prefix), "Gateway": n.gateway.to_string()}],
        },
        "Internal": false,
        "Attachable": false,
        "Containers": containers,
        "Options": {"com.docker.network.bridge.name": n.bridge},
        "Labels": {},
    })
}
