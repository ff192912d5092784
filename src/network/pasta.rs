//! Rootless networking through `pasta` (Debian package `passt`), as podman
//! 5 does by default: a user-mode network stack that gives the container's
//! network namespace a tap interface with the host's addresses and routes,
//! forwards its outbound connections through ordinary sockets of the user,
//! and listens on the host for `-p` ports. `pasta` forks into the
//! background once the namespace is configured and exits by itself when
//! the namespace is gone, so nothing needs tearing down.
//!
//! `pasta` opens `/dev/net/tun` inside the container's namespace: the node
//! must be usable by the user (mode 0666, the usual default).

use super::Error;
use super::ports::{PortMapping, Proto};
use std::path::{Path, PathBuf};

/// `pasta` in `PATH` or the usual system directories.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/bin", "/bin", "/usr/sbin", "/sbin"])
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join("pasta"))
        .find(|p| p.is_file())
}

/// The `pasta` arguments for the network namespace of process `pid` with
/// `ports` published: `-t`/`-u [ADDR/]HOST:CONTAINER`, `none` for a
/// protocol without ports (pasta's default would forward every port), no
/// forwarding from the container to the host's ports.
pub fn args(pid: i32, ports: &[PortMapping]) -> Vec<String> {
    let mut a: Vec<String> = ["--config-net", "--quiet", "--runas", "0:0", "-T", "none", "-U", "none"].map(String::from).to_vec();
    for (proto, flag) in [(Proto::Tcp, "-t"), (Proto::Udp, "-u")] {
        let mine: Vec<&PortMapping> = ports.iter().filter(|p| p.proto == proto).collect();
        if mine.is_empty() {
            a.extend([flag.to_string(), "none".to_string()]);
        }
        for p in mine {
            let host = if p.host_ip.is_unspecified() {
                p.host_port.to_string()
            } else {
                format!("{}/{}", p.host_ip, p.host_port)
            };
            a.extend([flag.to_string(), format!("{host}:{}", p.container_port)]);
        }
    }
    // The namespace by path: pasta then stays in the caller's user
    // namespace (the user's) instead of opening the process's.
    a.extend(["--netns".to_string(), format!("/proc/{pid}/ns/net")]);
    a
}

/// Starts `pasta` for the network namespace of process `pid`; returns once
/// it configured the namespace and listens for `ports` (their host ports
/// chosen). `log` receives pasta's messages. Errors say what to install or
/// change.
pub fn start(pid: i32, ports: &[PortMapping], log: &Path) -> Result<(), Error> {
    let Some(exe) = find() else {
        return Err(Error::BadNetwork(
            "rootless networking needs `pasta`: install the package `passt` (or use --network none or host)".into(),
        ));
    };
    let errf = std::fs::File::create(log).map_err(super::io(log))?;
    let status = std::process::Command::new(&exe)
        .args(args(pid, ports))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(errf)
        .status()
        .map_err(|e| Error::BadNetwork(format!("cannot run {}: {e}", exe.display())))?;
    if status.success() {
        return Ok(());
    }
    let msg = std::fs::read_to_string(log).unwrap_or_default();
    let hint = if msg.contains("/dev/net/tun") {
        " (pasta needs /dev/net/tun usable by your user: `chmod 0666 /dev/net/tun` as root, the usual mode)"
    } else {
        ""
    };
    Err(Error::BadNetwork(format!("pasta failed ({status}): {}{hint}", msg.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_become_pasta_options() {
        let p = |ip: &str, h, c, proto| PortMapping {
            host_ip: ip.parse().unwrap(),
            host_port: h,
            host_range: None,
            container_port: c,
            proto,
        };
        let a = args(42, &[p("127.0.0.1", 8080, 80, Proto::Tcp), p("0.0.0.0", 5353, 53, Proto::Udp)]);
        assert_eq!(
            a.join(" "),
            "--config-net --quiet --runas 0:0 -T none -U none -t 127.0.0.1/8080:80 -u 5353:53 --netns /proc/42/ns/net"
        );
        assert!(args(1, &[]).join(" ").contains("-t none -u none --netns /proc/1/ns/net"));
    }
}
