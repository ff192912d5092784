//! The read side of [`super`]: reading and freezing a running container's
//! cgroup from the outside, for `stats`, `top`-like queries and `pause`: found through the init's
//! `/proc/<pid>/cgroup`, on cgroup v1, v2 or a hybrid of both.

use std::path::{Path, PathBuf};

/// Where a process's cgroups are: the v2 (unified) directory and the v1
/// directory of each controller, under `root` (normally `/sys/fs/cgroup`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ProcessCgroups {
    /// The unified hierarchy's directory, if the process is in one.
    pub unified: Option<PathBuf>,
    /// v1 controller name → directory.
    pub v1: Vec<(String, PathBuf)>,
}

impl ProcessCgroups {
    /// Parses `/proc/<pid>/cgroup` text (`ID:CONTROLLERS:PATH` lines) against
    /// the cgroupfs mounted at `root`.
    pub fn parse(text: &str, root: &Path) -> ProcessCgroups {
        let mut out = ProcessCgroups::default();
        for line in text.lines() {
            let mut f = line.splitn(3, ':');
            let (Some(_), Some(controllers), Some(path)) = (f.next(), f.next(), f.next()) else { continue };
            let rel = path.trim_start_matches('/');
            if controllers.is_empty() {
                let dir = if root.join("cgroup.controllers").exists() {
                    root.join(rel)
                } else {
                    root.join("unified").join(rel)
                };
                out.unified = Some(dir);
            } else {
                for c in controllers.split(',') {
                    let c = c.strip_prefix("name=").unwrap_or(c);
                    let mount = root.join(controllers.strip_prefix("name=").unwrap_or(controllers));
                    let base = if mount.exists() { mount } else { root.join(c) };
                    out.v1.push((c.to_string(), base.join(rel)));
                }
            }
        }
        out
    }

    /// The cgroups of process `pid` under `/sys/fs/cgroup`.
    pub fn of(pid: i32) -> std::io::Result<ProcessCgroups> {
        Ok(ProcessCgroups::parse(&std::fs::read_to_string(format!("/proc/{pid}/cgroup"))?, Path::new("/sys/fs/cgroup")))
    }

    fn v1_dir(&self, controller: &str) -> Option<&Path> {
        self.v1.iter().find(|(c, _)| c == controller).map(|(_, p)| p.as_path())
    }

    /// The directory with `file` for `controller`: v1 first (where the
    /// controllers live on hybrid hosts), then the unified directory.
    fn file(&self, controller: &str, v1_file: &str, v2_file: &str) -> Option<PathBuf> {
        if let Some(d) = self.v1_dir(controller) {
            let p = d.join(v1_file);
            if p.exists() {
                return Some(p);
            }
        }
        self.unified.as_ref().map(|d| d.join(v2_file)).filter(|p| p.exists())
    }

    /// Memory in use, in bytes (v1 `memory.usage_in_bytes`, v2 `memory.current`).
    pub fn memory_usage(&self) -> Option<u64> {
        read_u64(&self.file("memory", "memory.usage_in_bytes", "memory.current")?)
    }

    /// Memory limit in bytes; `None` when unlimited.
    pub fn memory_limit(&self) -> Option<u64> {
        let v = std::fs::read_to_string(self.file("memory", "memory.limit_in_bytes", "memory.max")?).ok()?;
        let v = v.trim();
        if v == "max" {
            return None;
        }
        v.parse::<u64>().ok().filter(|n| *n < (1 << 62))
    }

    /// CPU time used, in nanoseconds (v1 `cpuacct.usage`, v2 `cpu.stat` usage_usec).
    pub fn cpu_usage_ns(&self) -> Option<u64> {
        if let Some(p) = self.v1_dir("cpuacct").map(|d| d.join("cpuacct.usage")).filter(|p| p.exists()) {
            return read_u64(&p);
        }
        let stat = std::fs::read_to_string(self.unified.as_ref()?.join("cpu.stat")).ok()?;
        stat.lines()
            .find_map(|l| l.strip_prefix("usage_usec "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|us| us * 1000)
    }

    /// Inactive page cache in bytes (v1 `total_inactive_file`, v2
    /// `inactive_file` of `memory.stat`), which docker's stats leave out of
    /// memory usage.
    pub fn inactive_file(&self) -> Option<u64> {
        let (path, key) = match self.v1_dir("memory").map(|d| d.join("memory.stat")).filter(|p| p.exists()) {
            Some(p) => (p, "total_inactive_file "),
            None => (self.unified.as_ref()?.join("memory.stat"), "inactive_file "),
        };
        let text = std::fs::read_to_string(path).ok()?;
        text.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().parse().ok())
    }

    /// Bytes read from and written to block devices: v1
    /// `blkio.throttle.io_service_bytes` (`MAJ:MIN Read|Write N` lines), v2
    /// `io.stat` (`MAJ:MIN rbytes=N wbytes=N …`), summed over devices.
    pub fn block_io(&self) -> Option<(u64, u64)> {
        if let Some(p) = self.v1_dir("blkio").map(|d| d.join("blkio.throttle.io_service_bytes")).filter(|p| p.exists())
        {
            return Some(parse_blkio_v1(&std::fs::read_to_string(p).ok()?));
        }
        let p = self.unified.as_ref()?.join("io.stat");
        Some(parse_io_stat(&std::fs::read_to_string(p).ok()?))
    }

    /// Number of processes (v1/v2 `pids.current`).
    pub fn pids(&self) -> Option<u64> {
        read_u64(&self.file("pids", "pids.current", "pids.current")?)
    }

    /// Freezes (`true`) or thaws every process of the cgroup: v1 freezer
    /// `freezer.state` FROZEN/THAWED, v2 `cgroup.freeze` 1/0.
    pub fn set_frozen(&self, frozen: bool) -> std::io::Result<()> {
        if let Some(d) = self.v1_dir("freezer") {
            return std::fs::write(d.join("freezer.state"), if frozen { "FROZEN" } else { "THAWED" });
        }
        match &self.unified {
            Some(d) => std::fs::write(d.join("cgroup.freeze"), if frozen { "1" } else { "0" }),
            None => Err(std::io::Error::other("no freezer cgroup")),
        }
    }

    /// The directory that identifies the cgroup (freezer or unified), for
    /// checking that a container has a cgroup of its own.
    pub fn freezer_dir(&self) -> Option<&Path> {
        self.v1_dir("freezer").or(self.unified.as_deref())
    }
}

/// Sums `Read` and `Write` of v1 `blkio.throttle.io_service_bytes` text.
pub fn parse_blkio_v1(text: &str) -> (u64, u64) {
    let (mut r, mut w) = (0, 0);
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [_, op, n] = f[..] {
            let n: u64 = n.parse().unwrap_or(0);
            match op {
                "Read" => r += n,
                "Write" => w += n,
                _ => {}
            }
        }
    }
    (r, w)
}

/// Sums `rbytes` and `wbytes` of v2 `io.stat` text.
pub fn parse_io_stat(text: &str) -> (u64, u64) {
    let (mut r, mut w) = (0, 0);
    for kv in text.split_whitespace() {
        match kv.split_once('=') {
            Some(("rbytes", n)) => r += n.parse::<u64>().unwrap_or(0),
            Some(("wbytes", n)) => w += n.parse::<u64>().unwrap_or(0),
            _ => {}
        }
    }
    (r, w)
}

fn read_u64(p: &Path) -> Option<u64> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_fake_v2_tree() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::write(r.join("cgroup.controllers"), "cpu memory pids").unwrap();
        let dir = r.join("rcon/abc");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("memory.current"), "4096\n").unwrap();
        std::fs::write(dir.join("memory.max"), "max\n").unwrap();
        std::fs::write(dir.join("cpu.stat"), "usage_usec 1500\nuser_usec 1000\n").unwrap();
        std::fs::write(dir.join("pids.current"), "3\n").unwrap();
        std::fs::write(dir.join("cgroup.freeze"), "0\n").unwrap();
        std::fs::write(dir.join("memory.stat"), "anon 1024\nfile 2048\ninactive_file 1000\nactive_file 48\n").unwrap();
        std::fs::write(dir.join("io.stat"), "8:0 rbytes=4096 wbytes=1500000 rios=1 wios=3 dbytes=0 dios=0\n8:16 rbytes=4 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n").unwrap();
        let cg = ProcessCgroups::parse("0::/rcon/abc\n", r);
        assert_eq!(cg.inactive_file(), Some(1000));
        assert_eq!(cg.block_io(), Some((4100, 1_500_000)));
        assert_eq!(cg.unified.as_deref(), Some(dir.as_path()));
        assert_eq!(cg.memory_usage(), Some(4096));
        assert_eq!(cg.memory_limit(), None);
        assert_eq!(cg.cpu_usage_ns(), Some(1_500_000));
        assert_eq!(cg.pids(), Some(3));
        cg.set_frozen(true).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("cgroup.freeze")).unwrap(), "1");
    }

    #[test]
    fn reads_a_fake_v1_tree() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for (c, f, v) in [
            ("memory", "memory.usage_in_bytes", "100"),
            ("memory", "memory.limit_in_bytes", "1048576"),
            ("pids", "pids.current", "2"),
            ("freezer", "freezer.state", "THAWED"),
        ] {
            let d = r.join(c).join("rcon/abc");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(f), v).unwrap();
        }
        std::fs::create_dir_all(r.join("cpu,cpuacct/rcon/abc")).unwrap();
        std::fs::write(r.join("cpu,cpuacct/rcon/abc/cpuacct.usage"), "777").unwrap();
        let text = "5:memory:/rcon/abc\n4:pids:/rcon/abc\n3:freezer:/rcon/abc\n2:cpu,cpuacct:/rcon/abc\n0::/\n";
        std::fs::create_dir_all(r.join("blkio/rcon/abc")).unwrap();
        std::fs::write(
            r.join("blkio/rcon/abc/blkio.throttle.io_service_bytes"),
            "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Total 12288\nTotal 12288\n",
        )
        .unwrap();
        let text = &format!("{text}6:blkio:/rcon/abc\n");
        let cg = ProcessCgroups::parse(text, r);
        assert_eq!(cg.block_io(), Some((4096, 8192)));
        assert_eq!(cg.memory_usage(), Some(100));
        assert_eq!(cg.memory_limit(), Some(1_048_576));
        assert_eq!(cg.pids(), Some(2));
        assert_eq!(cg.cpu_usage_ns(), Some(777));
        cg.set_frozen(true).unwrap();
        assert_eq!(std::fs::read_to_string(r.join("freezer/rcon/abc/freezer.state")).unwrap(), "FROZEN");
    }
}
