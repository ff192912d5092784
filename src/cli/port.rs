//! `rcon port CONTAINER [PRIVATE_PORT[/PROTO]]`.

use super::Context;
use clap::Args;
use std::io::Write;

/// Flags of `rcon port`.
#[derive(Debug, Args)]
pub struct PortArgs {
    /// Container name or ID
    pub container: String,
    /// Only this container port (e.g. 80 or 80/tcp)
    #[arg(value_name = "PRIVATE_PORT[/PROTO]")]
    pub port: Option<String>,
}

/// Lists a running container's published ports as docker does:
/// `80/tcp -> 0.0.0.0:9000`, or only `0.0.0.0:9000` for one port.
pub fn run(ctx: &Context, a: PortArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let c = store.find_container(&a.container)?;
    let published = crate::network::endpoint(&store, &c.id).map(|ep| ep.published).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    match a.port {
        None => {
            for m in &published {
                writeln!(out, "{}", m.port_line())?;
            }
        }
        Some(p) => {
            let (port, proto) = p.split_once('/').unwrap_or((&p, "tcp"));
            let port: u16 = port.parse().map_err(|_| anyhow::anyhow!("invalid port {p:?}"))?;
            let hits: Vec<_> =
                published.iter().filter(|m| m.container_port == port && m.proto.to_string() == proto).collect();
            if hits.is_empty() {
                anyhow::bail!("No public port '{port}/{proto}' published for {}", a.container);
            }
            for m in hits {
                writeln!(out, "{}:{}", m.host_ip, m.host_port)?;
            }
        }
    }
    Ok(0)
}
