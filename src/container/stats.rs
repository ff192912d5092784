//! Resource usage of running containers for `rcon stats`, computed as
//! docker's CLI computes it from the Engine API's stats: CPU % from the
//! container's CPU time against the host's over the same interval (times
//! the online CPUs), memory without the inactive page cache, network bytes
//! from the container's network namespace (`/proc/<pid>/net/dev`, loopback
//! left out), block I/O from the cgroup (v1 `blkio.throttle.io_service_bytes`,
//! v2 `io.stat`).

use crate::format::{bytes_size, human_size};
use crate::runtime::cgroups::process::ProcessCgroups;
use crate::store::{ContainerRecord, ContainerStatus, Store};

/// One reading of a container's counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Container CPU time, nanoseconds.
    pub cpu_ns: Option<u64>,
    /// Host CPU time (all CPUs, all modes) from `/proc/stat`, nanoseconds.
    pub system_ns: Option<u64>,
    /// Memory in use without inactive file pages, bytes.
    pub memory: Option<u64>,
    /// Memory limit (the host's memory when unlimited), bytes.
    pub memory_limit: u64,
    /// Processes in the cgroup.
    pub pids: Option<u64>,
    /// Bytes received and sent on the container's interfaces (not `lo`).
    pub net: Option<(u64, u64)>,
    /// Bytes read from and written to block devices.
    pub block: Option<(u64, u64)>,
}

/// Reads the counters of the container whose init is `pid`.
pub fn sample(pid: i32) -> Sample {
    let host_mem = crate::util::mem_total();
    let Ok(cg) = ProcessCgroups::of(pid) else { return Sample { memory_limit: host_mem, ..Sample::default() } };
    let memory = cg.memory_usage().map(|u| u.saturating_sub(cg.inactive_file().unwrap_or(0)));
    Sample {
        cpu_ns: cg.cpu_usage_ns(),
        system_ns: host_cpu_ns(),
        memory,
        memory_limit: cg.memory_limit().unwrap_or(host_mem).min(host_mem.max(1)),
        pids: cg.pids(),
        net: std::fs::read_to_string(format!("/proc/{pid}/net/dev")).ok().map(|t| parse_net_dev(&t)),
        block: cg.block_io(),
    }
}

/// Host CPU time from `/proc/stat`'s `cpu` line, in nanoseconds.
fn host_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    // user nice system idle iowait irq softirq steal (guest time is in user).
    let ticks: u64 = line.split_whitespace().skip(1).take(8).filter_map(|v| v.parse::<u64>().ok()).sum();
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100) as u64;
    Some(ticks * (1_000_000_000 / hz.max(1)))
}

/// Sums received and sent bytes of `/proc/<pid>/net/dev` text, `lo` left out.
pub fn parse_net_dev(text: &str) -> (u64, u64) {
    let (mut rx, mut tx) = (0, 0);
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else { continue };
        if name.trim() == "lo" {
            continue;
        }
        let f: Vec<u64> = rest.split_whitespace().filter_map(|v| v.parse().ok()).collect();
        if f.len() >= 9 {
            rx += f[0];
            tx += f[8];
        }
    }
    (rx, tx)
}

/// One line of `stats`: the values docker's `--format` fields hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 64-hex ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// `0.52%`.
    pub cpu: String,
    /// `1.5MiB / 7.667GiB`.
    pub mem_usage: String,
    /// `0.02%`.
    pub mem_perc: String,
    /// `1.05kB / 0B`.
    pub net_io: String,
    /// `0B / 0B`.
    pub block_io: String,
    /// `1`.
    pub pids: String,
}

impl Row {
    /// The row of a container from two samples (`before` taken earlier);
    /// `None` samples: a container that is not running (docker's zeros).
    pub fn new(record: &ContainerRecord, before: Option<&Sample>, now: Option<&Sample>) -> Row {
        let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let cpu = match (before, now) {
            (Some(a), Some(b)) => match (a.cpu_ns, b.cpu_ns, a.system_ns, b.system_ns) {
                (Some(c0), Some(c1), Some(s0), Some(s1)) if s1 > s0 && c1 >= c0 => {
                    (c1 - c0) as f64 / (s1 - s0) as f64 * ncpu * 100.0
                }
                _ => 0.0,
            },
            _ => 0.0,
        };
        let s = now.cloned().unwrap_or_default();
        let used = s.memory.unwrap_or(0);
        let mem_pct = if s.memory_limit > 0 { used as f64 / s.memory_limit as f64 * 100.0 } else { 0.0 };
        let pair = |p: Option<(u64, u64)>| {
            let (a, b) = p.unwrap_or((0, 0));
            format!("{} / {}", human_size(a), human_size(b))
        };
        Row {
            id: record.id.clone(),
            name: record.name.clone(),
            cpu: format!("{cpu:.2}%"),
            mem_usage: format!("{} / {}", bytes_size(used), bytes_size(s.memory_limit)),
            mem_perc: format!("{mem_pct:.2}%"),
            net_io: pair(s.net),
            block_io: pair(s.block),
            pids: s.pids.map_or("0".into(), |p| p.to_string()),
        }
    }

    /// The fields of docker's stats template (`.Container`, `.ID`, `.Name`,
    /// `.CPUPerc`, `.MemUsage`, `.MemPerc`, `.NetIO`, `.BlockIO`, `.PIDs`);
    /// `.ID` and `.Container` are the short ID unless `no_trunc` (the CLI
    /// sets `.Container` to the name as given, as docker's does).
    pub fn to_json(&self, no_trunc: bool) -> serde_json::Value {
        let id = if no_trunc { self.id.clone() } else { self.id[..12.min(self.id.len())].to_string() };
        serde_json::json!({
            "Container": id,
            "ID": id,
            "Name": self.name,
            "CPUPerc": self.cpu,
            "MemUsage": self.mem_usage,
            "MemPerc": self.mem_perc,
            "NetIO": self.net_io,
            "BlockIO": self.block_io,
            "PIDs": self.pids,
        })
    }
}

/// Header labels of the stats table, for `--format 'table …'`.
pub const HEADERS: &[(&str, &str)] = &[
    ("Container", "CONTAINER"),
    ("ID", "CONTAINER ID"),
    ("Name", "NAME"),
    ("CPUPerc", "CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET I/O"),
    ("BlockIO", "BLOCK I/O"),
    ("PIDs", "PIDS"),
];

/// docker's default stats format.
pub const DEFAULT_FORMAT: &str =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

/// The containers `stats` shows: the named ones (errors: no such
/// container), or every running one.
pub fn targets(store: &Store, names: &[String]) -> super::Result<Vec<ContainerRecord>> {
    if names.is_empty() {
        return Ok(store
            .containers()?
            .into_iter()
            .filter(|c| store.container_state(&c.id).is_ok_and(|s| s.status == ContainerStatus::Running))
            .collect());
    }
    names.iter().map(|n| Ok(store.find_container(n)?)).collect()
}

/// A sample of every container in `records` that runs (`None` for the others).
pub fn sample_all(store: &Store, records: &[ContainerRecord]) -> Vec<Option<Sample>> {
    records
        .iter()
        .map(|r| match store.container_state(&r.id) {
            Ok(s) if s.status == ContainerStatus::Running => s.pid.map(sample),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_dev_sums_all_but_loopback() {
        let text = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0\n  eth0:    1050      10    0    0    0     0          0         0      200       2    0    0    0     0       0          0\n  eth1:      50       1    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n";
        assert_eq!(parse_net_dev(text), (1100, 200));
    }

    #[test]
    fn rows_format_as_docker() {
        let rec = ContainerRecord {
            id: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
            name: "web".into(),
            image: "bb".into(),
            image_id: "sha256:0000000000000000000000000000000000000000000000000000000000000000".parse().unwrap(),
            layers: vec![],
            created: chrono::Utc::now(),
            command: vec![],
            auto_remove: false,
            spec: serde_json::json!({}),
            user: None,
            restart: String::new(),
            log_opts: vec![],
            healthcheck: None,
            health_on_failure: Default::default(),
            stop_signal: None,
            stop_timeout: None,
            labels: Default::default(),
            mounts: vec![],
        };
        let a = Sample { cpu_ns: Some(0), system_ns: Some(0), ..Sample::default() };
        let b = Sample {
            cpu_ns: Some(50_000_000),
            system_ns: Some(1_000_000_000),
            memory: Some(1536 * 1024),
            memory_limit: 8 << 30,
            pids: Some(3),
            net: Some((1050, 0)),
            block: Some((4096, 1_500_000)),
        };
        let row = Row::new(&rec, Some(&a), Some(&b));
        let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        assert_eq!(row.cpu, format!("{:.2}%", 5.0 * ncpu));
        assert_eq!(row.mem_usage, "1.5MiB / 8GiB");
        assert_eq!(row.mem_perc, "0.02%");
        assert_eq!(row.net_io, "1.05kB / 0B");
        assert_eq!(row.block_io, "4.1kB / 1.5MB");
        assert_eq!(row.pids, "3");
        assert_eq!(row.to_json(false)["ID"], "0123456789ab");
        let stopped = Row::new(&rec, None, None);
        assert_eq!((stopped.cpu.as_str(), stopped.pids.as_str()), ("0.00%", "0"));
    }
}
