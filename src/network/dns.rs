//! The DNS files of a container: `/etc/resolv.conf` from the host's (or
//! `--dns*` flags) and `/etc/hosts` (localhost, its own name, `--add-host`,
//! and on user networks its peers' names). Both live in the container's
//! directory and are bind-mounted over the image's files, so a rewrite keeps
//! the inode.

use std::net::Ipv4Addr;

use super::{Endpoint, Error, Mode, io};
use crate::store::Store;

/// The lines every hosts file starts with (loopback names, IPv6 multicast).
const LOCALHOST: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/// The hosts file of a container without a network endpoint yet: localhost
/// and `hostname` on 127.0.1.1.
pub fn default_hosts(hostname: &str) -> String {
    format!("{LOCALHOST}127.0.1.1\t{hostname}\n")
}

/// The container's resolv.conf from the host's: nameservers on loopback
/// (a local stub resolver) are unreachable from the container and dropped;
/// with none left, Google's public servers are used, as docker does.
/// Comments and blank lines are dropped.
pub fn resolv_conf_from_host(host: &str) -> String {
    let mut out = String::new();
    let mut servers = 0;
    for line in host.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("nameserver") {
            let addr = addr.trim();
            if addr.starts_with("127.") || addr == "::1" {
                continue;
            }
            servers += 1;
        }
        if !t.is_empty() && !t.starts_with('#') {
            out.push_str(t);
            out.push('\n');
        }
    }
    if servers == 0 {
        out.push_str("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    }
    out
}

/// resolv.conf from a base one: `--dns` replaces its nameservers,
/// `--dns-search` its search list, `--dns-option` its options.
pub fn resolv_conf(base: &str, dns: &[String], search: &[String], options: &[String]) -> String {
    let mut out = String::new();
    for line in base.lines() {
        let key = line.split_whitespace().next().unwrap_or("");
        let replaced = (key == "nameserver" && !dns.is_empty())
            || ((key == "search" || key == "domain") && !search.is_empty())
            || (key == "options" && !options.is_empty());
        if !replaced {
            out.push_str(line);
            out.push('\n');
        }
    }
    for d in dns {
        out.push_str(&format!("nameserver {d}\n"));
    }
    if !search.is_empty() && search != ["."] {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

/// Renders a container's /etc/hosts: localhost, its own address and host
/// name, `--add-host` entries, then `peers` (address, names).
pub(crate) fn render_hosts(ep: &Endpoint, peers: &[(Ipv4Addr, Vec<String>)]) -> String {
    if ep.mode == Mode::Host {
        let mut s = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        for (n, ip) in &ep.extra_hosts {
            s.push_str(&format!("{ip}\t{n}\n"));
        }
        return s;
    }
    let mut s = String::from(LOCALHOST);
    // pasta: the host's gateway address reaches the host itself (its
    // loopback); slirp4netns: its gateway with allow_host_loopback.
    let rootless_host = match ep.mode {
        Mode::Pasta => super::pasta::host_gateway(),
        // Rootless user networks reach it through the rootless network
        // namespace's pasta.
        Mode::Bridge if crate::runtime::rootless::is_rootless() => super::pasta::host_gateway(),
        Mode::Slirp4netns => super::slirp4netns::Options::parse(&ep.backend_options)
            .ok()
            .and_then(|o| super::slirp4netns::host_address(&o)),
        _ => None,
    };
    if let Some(gw) = rootless_host {
        s.push_str(&format!("{gw}\thost.containers.internal host.docker.internal\n"));
    }
    for (n, ip) in &ep.extra_hosts {
        let ip = if ip == "host-gateway" {
            rootless_host
                .or_else(|| ep.attachments.first().and_then(|a| a.gateway))
                .map(|g| g.to_string())
                .unwrap_or_else(|| "127.0.0.1".into())
        } else {
            ip.clone()
        };
        s.push_str(&format!("{ip}\t{n}\n"));
    }
    match ep.attachments.first().and_then(|a| a.ip) {
        Some(ip) => s.push_str(&format!("{ip}\t{}\n", ep.hostname)),
        None => s.push_str(&format!("127.0.1.1\t{}\n", ep.hostname)),
    }
    for (ip, names) in peers {
        s.push_str(&format!("{ip}\t{}\n", names.join(" ")));
    }
    s
}

/// Rewrites a container's hosts file in place (it is bind-mounted, so the
/// inode must stay).
pub(crate) fn write_hosts(
    store: &Store,
    id: &str,
    ep: &Endpoint,
    peers: &[(Ipv4Addr, Vec<String>)],
) -> Result<(), Error> {
    use std::io::Write;
    let p = store.container_dir(id).join("hosts");
    let data = render_hosts(ep, peers);
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&p).map_err(io(&p))?;
    f.write_all(data.as_bytes()).map_err(io(&p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Attachment;

    #[test]
    fn resolv_conf_drops_loopback_servers() {
        let host = "# comment\nnameserver 127.0.0.53\noptions edns0\nsearch example.org\n";
        let out = resolv_conf_from_host(host);
        assert!(!out.contains("127.0.0.53"));
        assert!(out.contains("nameserver 8.8.8.8"));
        assert!(out.contains("search example.org"));
        let host = "nameserver 10.0.0.2\n";
        assert_eq!(resolv_conf_from_host(host), "nameserver 10.0.0.2\n");
    }

    #[test]
    fn resolv_conf_overrides() {
        let base = "nameserver 10.0.0.2\nsearch a.example\noptions edns0\n";
        assert_eq!(resolv_conf(base, &[], &[], &[]), base);
        let out = resolv_conf(base, &["1.1.1.1".into()], &["b.example".into()], &["ndots:2".into()]);
        assert_eq!(out, "nameserver 1.1.1.1\nsearch b.example\noptions ndots:2\n");
    }

    #[test]
    fn hosts_file() {
        let ep = Endpoint {
            mode: Mode::Bridge,
            name: "web".into(),
            hostname: "abc".into(),
            attachments: vec![Attachment {
                network: "n".into(),
                aliases: vec![],
                wanted_ip: None,
                bridge: None,
                ip: Some("10.99.1.2".parse().unwrap()),
                prefix: 24,
                gateway: Some("10.99.1.1".parse().unwrap()),
                veth: None,
                ifname: None,
                mac: None,
            }],
            ports: vec![],
            exposed: vec![],
            published: vec![],
            extra_hosts: vec![("db".into(), "1.2.3.4".into()), ("gw".into(), "host-gateway".into())],
            backend_options: vec![],
            owner: None,
        };
        let s = render_hosts(&ep, &[("10.99.1.3".parse().unwrap(), vec!["redis".into(), "cache".into()])]);
        assert!(s.starts_with("127.0.0.1\tlocalhost\n"));
        assert!(s.contains("1.2.3.4\tdb\n") && s.contains("10.99.1.1\tgw\n"));
        assert!(s.contains("10.99.1.2\tabc\n"));
        assert!(s.ends_with("10.99.1.3\tredis cache\n"));

        // slirp4netns with allow_host_loopback: the host is its gateway.
        let slirp = Endpoint {
            mode: Mode::Slirp4netns,
            attachments: vec![],
            extra_hosts: vec![("host.docker.internal".into(), "host-gateway".into())],
            backend_options: vec!["allow_host_loopback=true".into(), "cidr=10.7.0.0/24".into()],
            ..ep
        };
        let s = render_hosts(&slirp, &[]);
        assert!(s.contains("10.7.0.2\thost.containers.internal host.docker.internal\n"), "{s}");
        assert!(s.contains("10.7.0.2\thost.docker.internal\n"), "{s}");
    }
}
