//! User namespaces (runtime-spec config-linux.md "User namespace mappings"):
//! writing a new namespace's `uid_map`/`gid_map` from the parent, and the
//! helpers around id mappings.
//!
//! Who writes the maps (user_namespaces(7)): a process with `CAP_SETUID`/
//! `CAP_SETGID` in the parent namespace (root, or rcon as root of a rootless
//! user's namespace) writes any mapping of ids it has itself directly. An
//! unprivileged process may write only the one-line mapping of its own uid,
//! and of its own gid after writing `deny` to `/proc/PID/setgroups`;
//! anything else goes through the setuid helpers `newuidmap`/`newgidmap`
//! (Debian package `uidmap`), which check the ranges against `/etc/subuid`
//! and `/etc/subgid`.
//!
//! Nothing here parses rcon's flags: the caller puts the mappings in the
//! spec.

use super::Error;
use oci_spec::runtime::LinuxIdMapping;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// The host id that `id` (an id inside the namespace) maps to, if any.
pub fn to_host(maps: &[LinuxIdMapping], id: u32) -> Option<u32> {
    maps.iter().find_map(|m| {
        let off = id.checked_sub(m.container_id())?;
        (off < m.size()).then(|| m.host_id() + off)
    })
}

/// The id inside the namespace that host id `id` maps to, if any.
pub fn from_host(maps: &[LinuxIdMapping], id: u32) -> Option<u32> {
    maps.iter().find_map(|m| {
        let off = id.checked_sub(m.host_id())?;
        (off < m.size()).then(|| m.container_id() + off)
    })
}

/// The text of a `/proc/PID/uid_map` for `maps` (`CONTAINER HOST SIZE` lines).
pub fn map_text(maps: &[LinuxIdMapping]) -> String {
    maps.iter().map(|m| format!("{} {} {}\n", m.container_id(), m.host_id(), m.size())).collect()
}

/// Parses the text of a `/proc/PID/uid_map` (or `gid_map`).
pub fn parse_map_text(text: &str) -> Vec<LinuxIdMapping> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<u32> = l.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            (f.len() == 3).then(|| mapping(f[0], f[1], f[2]))
        })
        .collect()
}

/// One mapping line: `size` ids from `container_id` inside to `host_id` outside.
pub fn mapping(container_id: u32, host_id: u32, size: u32) -> LinuxIdMapping {
    oci_spec::runtime::LinuxIdMappingBuilder::default()
        .container_id(container_id)
        .host_id(host_id)
        .size(size)
        .build()
        .expect("all fields set")
}

/// Checks one list of mappings: not empty, at most 340 lines (the kernel's
/// limit), no zero size, no overlap inside or outside.
/// `what` names the list in errors (`linux.uidMappings`).
pub fn check(what: &str, maps: &[LinuxIdMapping]) -> Result<(), Error> {
    let bad = |m: String| Error::Spec(format!("invalid runtime spec: {what}: {m}"));
    if maps.is_empty() {
        return Err(bad("a new user namespace needs at least one mapping".into()));
    }
    if maps.len() > 340 {
        return Err(bad(format!("{} mappings, the kernel accepts at most 340", maps.len())));
    }
    for (i, a) in maps.iter().enumerate() {
        if a.size() == 0 {
            return Err(bad(format!("mapping {i} has size 0")));
        }
        for b in &maps[..i] {
            let overlap =
                |x: u32, y: u32| (x as u64) < y as u64 + b.size() as u64 && (y as u64) < x as u64 + a.size() as u64;
            if overlap(a.container_id(), b.container_id()) || overlap(a.host_id(), b.host_id()) {
                return Err(bad(format!("mapping {i} overlaps an earlier one")));
            }
        }
    }
    Ok(())
}

/// One `NAME:START:COUNT` line of `/etc/subuid` or `/etc/subgid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubidRange {
    /// First host id.
    pub start: u32,
    /// How many.
    pub count: u32,
}

/// The ranges of `name` (or of its numeric `uid`, when given) in the text
/// of `/etc/subuid` or `/etc/subgid` (subuid(5)).
pub fn subid_ranges(text: &str, name: &str, uid: Option<u32>) -> Vec<SubidRange> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut f = l.trim().split(':');
            let (who, start, count) = (f.next()?, f.next()?.parse().ok()?, f.next()?.parse().ok()?);
            let matches = who == name || uid.is_some_and(|u| who == u.to_string());
            (matches && count > 0).then_some(SubidRange { start, count })
        })
        .collect()
}

/// Finds `name` in the `PATH` (or the usual system directories).
pub(crate) fn helper(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/bin", "/bin", "/usr/sbin", "/sbin"])
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Writes the id maps of the new user namespace of process `pid` (runtime-spec
/// "the runtime MUST create the namespace with the mappings"): directly when
/// this process may (it is root in its own user namespace, or it maps only
/// its own uid and gid), else with `newuidmap`/`newgidmap`.
///
/// Errors name what failed and what to install or change.
pub fn write_maps(pid: i32, uid_maps: &[LinuxIdMapping], gid_maps: &[LinuxIdMapping]) -> Result<(), Error> {
    let euid = nix::unistd::geteuid().as_raw();
    let egid = nix::unistd::getegid().as_raw();
    let own = |maps: &[LinuxIdMapping], id: u32| maps.len() == 1 && maps[0].host_id() == id && maps[0].size() == 1;
    if euid == 0 {
        write_file(pid, "uid_map", &map_text(uid_maps))?;
        return write_file(pid, "gid_map", &map_text(gid_maps));
    }
    if own(uid_maps, euid) && own(gid_maps, egid) {
        write_file(pid, "uid_map", &map_text(uid_maps))?;
        write_file(pid, "setgroups", "deny")?;
        return write_file(pid, "gid_map", &map_text(gid_maps));
    }
    run_helper("newuidmap", pid, uid_maps, "/etc/subuid")?;
    run_helper("newgidmap", pid, gid_maps, "/etc/subgid")
}

fn write_file(pid: i32, name: &str, text: &str) -> Result<(), Error> {
    let path = format!("/proc/{pid}/{name}");
    std::fs::write(&path, text)
        .map_err(|e| Error::io(format!("write {path} ({})", text.trim_end().replace('\n', ", ")), e))
}

fn run_helper(name: &str, pid: i32, maps: &[LinuxIdMapping], file: &str) -> Result<(), Error> {
    let Some(exe) = helper(name) else {
        return Err(Error::Userns(format!(
            "cannot map the ids {} of the user namespace: `{name}` is not installed \
             (install the package `uidmap`, e.g. `apt-get install uidmap`)",
            map_text(maps).trim_end().replace('\n', ", ")
        )));
    };
    let mut cmd = std::process::Command::new(&exe);
    cmd.arg(pid.to_string());
    for m in maps {
        cmd.args([m.container_id().to_string(), m.host_id().to_string(), m.size().to_string()]);
    }
    let out =
        cmd.stdin(std::process::Stdio::null()).output().map_err(|e| Error::io(format!("run {}", exe.display()), e))?;
    if !out.status.success() {
        let user = nix::unistd::User::from_uid(nix::unistd::geteuid()).ok().flatten().map(|u| u.name);
        return Err(Error::Userns(format!(
            "{name} {pid} {} failed ({}): {}; check the ranges of user {} in {file}",
            map_text(maps).trim_end().replace('\n', " "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            user.unwrap_or_else(|| nix::unistd::geteuid().to_string())
        )));
    }
    Ok(())
}

/// A user namespace with the given id maps, as an fd of its
/// `/proc/PID/ns/user` (for idmapped mounts, `mount_setattr(2)`): a
/// short-lived child unshares it, the maps are written, the child exits.
/// The caller must be single-threaded (docs/ARCHITECTURE.md hazard 1).
pub fn namespace_with_maps(uid_maps: &[LinuxIdMapping], gid_maps: &[LinuxIdMapping]) -> Result<OwnedFd, Error> {
    use super::sys::{self, Forked};
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| Error::sys("create a pipe", e))?;
    let pid = match sys::clone_process(libc::CLONE_NEWUSER as u64) {
        Err(e) => return Err(Error::Namespace { op: "create", kind: "a user".into(), source: e.into() }),
        Ok(Forked::Child) => {
            drop(w);
            // Wait until the parent is done with the namespace (EOF).
            let mut b = [0u8; 1];
            while let Err(nix::errno::Errno::EINTR) = sys::read(std::os::fd::AsRawFd::as_raw_fd(&r), &mut b) {}
            sys::exit_now(0)
        }
        Ok(Forked::Parent(pid)) => pid,
    };
    drop(r);
    let result = write_maps(pid, uid_maps, gid_maps).and_then(|()| {
        std::fs::File::open(format!("/proc/{pid}/ns/user"))
            .map(OwnedFd::from)
            .map_err(|e| Error::io(format!("open the user namespace of process {pid}"), e))
    });
    drop(w);
    while let Err(nix::errno::Errno::EINTR) = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None) {}
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_translate_both_ways() {
        let maps = vec![mapping(0, 100000, 1000), mapping(1000, 1000, 1)];
        assert_eq!(to_host(&maps, 0), Some(100000));
        assert_eq!(to_host(&maps, 999), Some(100999));
        assert_eq!(to_host(&maps, 1000), Some(1000));
        assert_eq!(to_host(&maps, 1001), None);
        assert_eq!(from_host(&maps, 100005), Some(5));
        assert_eq!(from_host(&maps, 0), None);
        assert_eq!(map_text(&maps), "0 100000 1000\n1000 1000 1\n");
        assert_eq!(parse_map_text("         0     100000       1000\n      1000 1000 1\n"), maps);
    }

    #[test]
    fn bad_mappings_are_refused() {
        assert!(check("uid", &[]).is_err());
        assert!(check("uid", &[mapping(0, 1, 0)]).is_err());
        let e = check("linux.uidMappings", &[mapping(0, 1000, 10), mapping(5, 5000, 10)]).unwrap_err();
        assert!(e.to_string().contains("linux.uidMappings: mapping 1 overlaps"), "{e}");
        assert!(check("uid", &[mapping(0, 1000, 10), mapping(10, 1005, 1)]).is_err());
        check("uid", &[mapping(0, 1000, 10), mapping(10, 2000, 10)]).unwrap();
    }
}
