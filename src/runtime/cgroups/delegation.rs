//! Rootless cgroups: a cgroup v2 subtree delegated to the user (a systemd
//! user session delegates `/sys/fs/cgroup/user.slice/user-UID.slice/
//! user@UID.service`: the directory and its `cgroup.procs`,
//! `cgroup.subtree_control` belong to the user, and the controllers in its
//! `cgroup.controllers` (those systemd's `Delegate=` enabled for it) are the
//! ones the user may enable below it).
//!
//! rcon finds the topmost ancestor of its own cgroup that the user may
//! manage ([`find`]) and puts containers in `rcon/<id>` below it: a
//! directory without processes of its own, where controllers can be
//! enabled (cgroup v2's "no internal processes" rule), and whose common
//! ancestor with rcon's own cgroup is the delegated one, so the user may
//! move the container's init there. A limit whose controller is not in the
//! delegated directory's `cgroup.controllers` is refused
//! ([`Delegation::check`]).
//! Device rules are left out: a rootless container cannot create device
//! nodes, and attaching a device program needs the host's root.

use super::super::Error;
use std::path::{Path, PathBuf};

/// A cgroup v2 subtree this (rootless) process may manage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    /// The delegated directory (e.g.
    /// `/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service`).
    pub dir: PathBuf,
    /// Its path in the hierarchy (`/user.slice/…/user@1000.service`).
    pub path: String,
    /// Controllers it may enable for its children (its `cgroup.controllers`).
    pub controllers: Vec<String>,
}

/// The delegated subtree of the cgroup v2 hierarchy mounted at `root` for
/// a process whose `/proc/self/cgroup` text is `proc_cgroup`: the topmost
/// directory, from `root` down to the process's own cgroup, that is
/// `writable` with its `cgroup.procs` and `cgroup.subtree_control`. `None`
/// when there is none (e.g. a login session's scope, owned by root) or the
/// process is in no v2 cgroup.
pub fn find(root: &Path, proc_cgroup: &str, writable: &dyn Fn(&Path) -> bool) -> Option<Delegation> {
    let own = proc_cgroup.lines().find_map(|l| l.strip_prefix("0::"))?.trim();
    let mut dir = root.to_path_buf();
    let mut path = String::new();
    for c in own.split('/').filter(|c| !c.is_empty()) {
        dir.push(c);
        path.push('/');
        path.push_str(c);
        let managed =
            writable(&dir) && writable(&dir.join("cgroup.procs")) && writable(&dir.join("cgroup.subtree_control"));
        if managed {
            let offered = std::fs::read_to_string(dir.join("cgroup.controllers")).unwrap_or_default();
            return Some(Delegation { dir, path, controllers: offered.split_whitespace().map(String::from).collect() });
        }
    }
    None
}

/// This process's delegated subtree (see [`find`]), when rcon runs
/// rootless on a cgroup v2 host; read once per process.
pub fn detect() -> Option<Delegation> {
    static FOUND: std::sync::OnceLock<Option<Delegation>> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
            let super::Layout::V2(root) = super::Layout::detect()? else { return None };
            let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
            find(&root, &own, &|p| nix::unistd::access(p, nix::unistd::AccessFlags::W_OK).is_ok())
        })
        .clone()
}

impl Delegation {
    /// The absolute `cgroupsPath` of a container whose path relative to
    /// rcon's cgroup would be `relative` (`rcon/<id>`): the same below the
    /// delegated directory.
    pub fn container_path(&self, relative: &str) -> String {
        format!("{}/{}", self.path, relative.trim_start_matches('/'))
    }

    /// Refuses the limits whose controller is not delegated: `wanted` holds
    /// (flag, controller) pairs, e.g. `("--memory", "memory")`. The error
    /// names the flags, the controllers and the file to change.
    pub fn check(&self, wanted: &[(&str, &str)]) -> Result<(), Error> {
        let missing: Vec<&(&str, &str)> =
            wanted.iter().filter(|(_, c)| !self.controllers.iter().any(|d| d == c)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let flags: Vec<&str> = missing.iter().map(|(f, _)| *f).collect();
        let mut ctrls: Vec<&str> = missing.iter().map(|(_, c)| *c).collect();
        ctrls.dedup();
        Err(Error::Spec(format!(
            "{} need{} the {} cgroup controller{} delegated to your user, but {} offers only {:?} (with systemd: `Delegate={}` for user@.service, e.g. in /etc/systemd/system/user@.service.d/delegate.conf)",
            flags.join(", "),
            if flags.len() == 1 { "s" } else { "" },
            ctrls.join(", "),
            if ctrls.len() == 1 { "" } else { "s" },
            self.dir.join("cgroup.controllers").display(),
            self.controllers.join(" "),
            ["cpu", "cpuset", "io", "memory", "pids"].join(" ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::{LinuxCpuBuilder, LinuxMemoryBuilder, LinuxPidsBuilder, LinuxResourcesBuilder};

    /// A fake cgroup2 tree of a systemd host: root's slices, the user's
    /// delegated `user@1000.service` offered cpu, memory and pids (not
    /// cpuset), rcon in a scope below it.
    fn tree() -> (tempfile::TempDir, String) {
        let t = tempfile::tempdir().unwrap();
        let service = t.path().join("user.slice/user-1000.slice/user@1000.service");
        std::fs::create_dir_all(service.join("app.slice/rcon-run.scope")).unwrap();
        std::fs::write(service.join("cgroup.controllers"), "cpu memory pids\n").unwrap();
        std::fs::write(service.join("cgroup.subtree_control"), "").unwrap();
        std::fs::write(service.join("cgroup.procs"), "").unwrap();
        let own = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/rcon-run.scope\n".to_string();
        (t, own)
    }

    fn delegated_below(root: &Path) -> impl Fn(&Path) -> bool + '_ {
        move |p: &Path| p.starts_with(root.join("user.slice/user-1000.slice/user@1000.service"))
    }

    #[test]
    fn the_topmost_managed_ancestor_is_the_delegated_dir() {
        let (t, own) = tree();
        let d = find(t.path(), &own, &delegated_below(t.path())).unwrap();
        assert_eq!(d.dir, t.path().join("user.slice/user-1000.slice/user@1000.service"));
        assert_eq!(d.path, "/user.slice/user-1000.slice/user@1000.service");
        assert_eq!(d.controllers, ["cpu", "memory", "pids"]);
        assert_eq!(d.container_path("rcon/abc"), "/user.slice/user-1000.slice/user@1000.service/rcon/abc");
        // A login session's scope (root's): nothing delegated.
        let session = "0::/user.slice/user-1000.slice/session-3.scope\n";
        assert_eq!(find(t.path(), session, &delegated_below(t.path())), None);
        // cgroup v1 only: no `0::` line.
        assert_eq!(find(t.path(), "4:memory:/user.slice\n", &|_| true), None);
    }

    #[test]
    fn limits_of_delegated_controllers_are_written_and_others_refused() {
        let (t, own) = tree();
        let d = find(t.path(), &own, &delegated_below(t.path())).unwrap();
        d.check(&[("--memory", "memory"), ("--cpus", "cpu"), ("--pids-limit", "pids")]).unwrap();
        let e = d.check(&[("--memory", "memory"), ("--cpuset-cpus", "cpuset")]).unwrap_err().to_string();
        assert!(e.starts_with("--cpuset-cpus needs the cpuset cgroup controller delegated"), "{e}");
        assert!(e.contains("user@1000.service/cgroup.controllers offers only \"cpu memory pids\""), "{e}");

        let res = LinuxResourcesBuilder::default()
            .memory(LinuxMemoryBuilder::default().limit(64 << 20).build().unwrap())
            .pids(LinuxPidsBuilder::default().limit(100).build().unwrap())
            .cpu(LinuxCpuBuilder::default().quota(50_000).period(100_000u64).build().unwrap())
            .build()
            .unwrap();
        let layout = super::super::Layout::V2(t.path().to_path_buf());
        let cg = super::super::Cgroup::create(&layout, &d.container_path("rcon/abc"), &res, &own).unwrap();
        let dir = d.dir.join("rcon/abc");
        assert_eq!(cg.dirs, [(Vec::<String>::new(), dir.clone())]);
        assert_eq!(std::fs::read_to_string(dir.join("memory.max")).unwrap(), "67108864");
        assert_eq!(std::fs::read_to_string(dir.join("pids.max")).unwrap(), "100");
        assert_eq!(std::fs::read_to_string(dir.join("cpu.max")).unwrap(), "50000 100000");
        // The delegated controllers are enabled for the children.
        let enabled = std::fs::read_to_string(d.dir.join("cgroup.subtree_control")).unwrap();
        assert_eq!(enabled, "+cpu +memory +pids");
        assert_eq!(cg.created, [dir.clone(), d.dir.join("rcon")]);
    }
}
