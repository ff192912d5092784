//! The user namespace of a container from `--userns`, `--uidmap`,
//! `--gidmap`, `--subuidname` and `--subgidname`, with podman's semantics:
//! the id mappings that go into the spec's `linux.uidMappings` and
//! `gidMappings` (the runtime creates the namespace and writes them).
//!
//! - `host` (the default): no user namespace.
//! - `auto[:size=N]`: a range of `N` ids (default: what the image's
//!   `/etc/passwd` and `/etc/group` need, at least 1024) from the
//!   `containers` entries of `/etc/subuid` and `/etc/subgid`, free of every
//!   other container's mappings in this store; the allocation holds the
//!   store's `userns.lock` until the container is recorded.
//! - `--uidmap CONTAINER:HOST:SIZE` (repeatable; `--gidmap` defaults to the
//!   same); `--subuidname NAME`/`--subgidname NAME`: the ranges of `NAME`
//!   in `/etc/subuid`/`/etc/subgid`, mapped from 0.
//! - `keep-id` and `nomap` exist for rootless users (podman refuses them
//!   for root): they map the user's own uid; as root they are refused.
//!
//! Layers stay shared and unchanged on disk: the runtime makes the overlay
//! from idmapped mounts of them (`runtime::mounts::idmapped_overlay`), and
//! the container's upper dir and `/etc` files are given to its root here
//! ([`give_to_root`]), so what the container writes is stored with its host
//! ids.

use super::{Error, Result};
pub use crate::runtime::userns::{SubidRange, subid_ranges};
use crate::runtime::userns::{mapping, to_host};
use oci_spec::runtime::LinuxIdMapping;
use std::path::Path;

/// The user namespace flags of `run`/`create`.
#[derive(Debug, Clone, Default)]
pub struct UsernsFlags {
    /// `--userns MODE` (`host`, `auto[:size=N]`, `keep-id`, `nomap`).
    pub mode: Option<String>,
    /// `--uidmap CONTAINER:HOST:SIZE`.
    pub uidmap: Vec<String>,
    /// `--gidmap CONTAINER:HOST:SIZE`.
    pub gidmap: Vec<String>,
    /// `--subuidname NAME`.
    pub subuidname: Option<String>,
    /// `--subgidname NAME`.
    pub subgidname: Option<String>,
}

impl UsernsFlags {
    /// No flag asks for a user namespace.
    pub fn is_host(&self) -> bool {
        matches!(self.mode.as_deref(), None | Some("") | Some("host"))
            && self.uidmap.is_empty()
            && self.gidmap.is_empty()
            && self.subuidname.is_none()
            && self.subgidname.is_none()
    }
}

/// A container's id mappings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mappings {
    /// `linux.uidMappings`.
    pub uid: Vec<LinuxIdMapping>,
    /// `linux.gidMappings`.
    pub gid: Vec<LinuxIdMapping>,
}

impl Mappings {
    /// The host uid and gid of the container's root.
    pub fn root(&self) -> Option<(u32, u32)> {
        Some((to_host(&self.uid, 0)?, to_host(&self.gid, 0)?))
    }
}

/// Parses `CONTAINER:HOST:SIZE` (podman's `--uidmap`; `flag` names it in errors).
pub fn parse_map(flag: &str, s: &str) -> Result<LinuxIdMapping> {
    let f: Vec<&str> = s.split(':').collect();
    let n = |i: usize| f.get(i).and_then(|v| v.trim().parse::<u32>().ok());
    match (f.len(), n(0), n(1), n(2)) {
        (3, Some(c), Some(h), Some(size)) if size > 0 => Ok(mapping(c, h, size)),
        _ => Err(Error::Userns(format!("{flag} {s:?}: expected CONTAINER_ID:HOST_ID:SIZE (numbers, size at least 1)"))),
    }
}

/// Mappings of `ranges` from id 0 inside, in order; at most `size` ids
/// (`None`: all of them).
fn map_ranges(ranges: &[SubidRange], size: Option<u32>) -> Vec<LinuxIdMapping> {
    let mut out = Vec::new();
    let mut next = 0u32;
    for r in ranges {
        let left = size.map_or(u32::MAX, |s| s - next);
        if left == 0 {
            break;
        }
        let take = r.count.min(left);
        out.push(mapping(next, r.start, take));
        next += take;
    }
    out
}

/// The ids a container needs: the highest uid/gid (but `nobody`'s 65534,
/// which stays unmapped as usual) in the image's `/etc/passwd` and
/// `/etc/group` (their text), plus one, at least 1024 (podman's minimum).
pub fn auto_size(passwd: &str, group: &str) -> u32 {
    let ids = |text: &str, field: usize| -> Vec<u32> {
        text.lines().filter_map(|l| l.split(':').nth(field)?.trim().parse().ok()).collect()
    };
    let max = ids(passwd, 2).into_iter().chain(ids(passwd, 3)).chain(ids(group, 2)).filter(|&i| i < 65534).max();
    max.map_or(0, |m| m + 1).max(1024)
}

/// The first `size` ids of `available` (ranges of `/etc/subuid`) that
/// overlap none of `used` (host ranges of other containers). `None` when
/// no single range has room.
pub fn first_free(available: &[SubidRange], used: &[(u32, u32)], size: u32) -> Option<u32> {
    for r in available {
        let end = r.start as u64 + r.count as u64;
        let mut start = r.start as u64;
        loop {
            if start + size as u64 > end {
                break;
            }
            // The used range that overlaps [start, start+size), if any.
            let clash = used.iter().find(|(s, n)| {
                let (s, e) = (*s as u64, *s as u64 + *n as u64);
                s < start + size as u64 && start < e
            });
            match clash {
                None => return Some(start as u32),
                Some((s, n)) => start = *s as u64 + *n as u64,
            }
        }
    }
    None
}

/// What [`resolve`] needs to know about the container and the host.
pub struct Context<'a> {
    /// The image's `/etc/passwd` text (empty when it has none).
    pub passwd: &'a str,
    /// The image's `/etc/group` text.
    pub group: &'a str,
    /// Host ranges (start, count) of other containers' uid and gid mappings.
    pub used: &'a [(u32, u32)],
    /// The text of `/etc/subuid` and `/etc/subgid`.
    pub subuid: &'a str,
    /// See `subuid`.
    pub subgid: &'a str,
    /// Rootless: the user's ids and the size of the user's namespace;
    /// `None` for the host's root.
    pub rootless: Option<RootlessIds>,
    /// Rootless: fuse-overlayfs is usable, so the layers can be shown
    /// through the container's mappings (`--userns=nomap` needs it).
    pub fuse_overlayfs: bool,
}

/// A rootless user's ids as the host sees them and how many ids the user's
/// namespace has (inside it, id 0 is the user, 1… its subordinate ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootlessIds {
    /// The user's uid on the host.
    pub uid: u32,
    /// The user's primary gid on the host.
    pub gid: u32,
    /// Ids in the user's namespace's uid map (1 + its subordinate uids).
    pub uid_count: u32,
    /// Ids in its gid map.
    pub gid_count: u32,
}

/// The rootless user's ids (`None` for the host's root): its uid and gid
/// on the host and the sizes of the maps of the user's namespace
/// (`/proc/self/uid_map` and `gid_map`, which rcon has joined).
pub fn rootless_ids() -> Option<RootlessIds> {
    let uid = crate::runtime::rootless::rootless_uid()?;
    let count = |f: &str| -> u32 {
        std::fs::read_to_string(f)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u32>().ok())
            .fold(0u32, |a, n| a.saturating_add(n))
    };
    Some(RootlessIds {
        uid,
        gid: crate::runtime::rootless::rootless_gid().unwrap_or(uid),
        uid_count: count("/proc/self/uid_map"),
        gid_count: count("/proc/self/gid_map"),
    })
}

/// The user `--userns=keep-id` runs as when `-u` is not given: the
/// rootless user's `UID:GID`; `None` for other modes, with `-u`, or as root.
pub fn keep_id_user(flags: &UsernsFlags, user: Option<&str>) -> Option<String> {
    if flags.mode.as_deref() != Some("keep-id") || user.is_some_and(|u| !u.is_empty()) {
        return None;
    }
    let r = rootless_ids()?;
    Some(format!("{}:{}", r.uid, r.gid))
}

/// podman's `--userns=keep-id` for a user namespace of `count` ids in which
/// 0 is the user: the user's own `id` inside is `id` outside (0 of the
/// parent), ids below it come from 1…, the rest map to themselves.
fn keep_id(id: u32, count: u32) -> Vec<LinuxIdMapping> {
    let mut m = vec![];
    if id > 0 {
        m.push(mapping(0, 1, id.min(count.saturating_sub(1))));
    }
    m.push(mapping(id, 0, 1));
    if count > id + 1 {
        m.push(mapping(id + 1, id + 1, count - id - 1));
    }
    m.retain(|m| m.size() > 0);
    m
}

/// The mappings the flags ask for; `None` for the host's user namespace.
/// Errors name the flag and what to change (no `containers` range in
/// `/etc/subuid`, no room left, bad syntax, modes that are rootless-only).
pub fn resolve(flags: &UsernsFlags, cx: &Context<'_>) -> Result<Option<Mappings>> {
    if flags.is_host() {
        return Ok(None);
    }
    let mode = flags.mode.as_deref().unwrap_or("");
    let explicit = !flags.uidmap.is_empty()
        || !flags.gidmap.is_empty()
        || flags.subuidname.is_some()
        || flags.subgidname.is_some();
    if explicit && !matches!(mode, "" | "private") {
        return Err(Error::Userns(format!(
            "--userns={mode} cannot be combined with --uidmap, --gidmap, --subuidname or --subgidname"
        )));
    }
    if explicit {
        let uid = if !flags.uidmap.is_empty() {
            flags.uidmap.iter().map(|m| parse_map("--uidmap", m)).collect::<Result<Vec<_>>>()?
        } else if let Some(name) = &flags.subuidname {
            let r = subid_ranges(cx.subuid, name, None);
            if r.is_empty() {
                return Err(Error::Userns(format!(
                    "--subuidname {name}: no range for {name} in /etc/subuid (add a line `{name}:START:COUNT`)"
                )));
            }
            map_ranges(&r, None)
        } else {
            Vec::new()
        };
        let gid = if !flags.gidmap.is_empty() {
            flags.gidmap.iter().map(|m| parse_map("--gidmap", m)).collect::<Result<Vec<_>>>()?
        } else if let Some(name) = &flags.subgidname {
            let r = subid_ranges(cx.subgid, name, None);
            if r.is_empty() {
                return Err(Error::Userns(format!(
                    "--subgidname {name}: no range for {name} in /etc/subgid (add a line `{name}:START:COUNT`)"
                )));
            }
            map_ranges(&r, None)
        } else {
            // podman: without --gidmap the uid mappings serve for gids too.
            uid.clone()
        };
        let uid = if uid.is_empty() { gid.clone() } else { uid };
        crate::runtime::userns::check("--uidmap", &uid).map_err(|e| Error::Userns(e.to_string()))?;
        crate::runtime::userns::check("--gidmap", &gid).map_err(|e| Error::Userns(e.to_string()))?;
        return Ok(Some(Mappings { uid, gid }));
    }
    let (name, opts) = mode.split_once(':').unwrap_or((mode, ""));
    match name {
        "auto" => {
            let mut size = None;
            for o in opts.split(',').filter(|o| !o.is_empty()) {
                match o.split_once('=') {
                    Some(("size", n)) => {
                        size = Some(n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                            Error::Userns(format!("--userns={mode}: size must be a positive number, not {n:?}"))
                        })?)
                    }
                    _ => {
                        return Err(Error::Userns(format!(
                            "--userns={mode}: unknown option {o:?} (rcon knows size=N)"
                        )));
                    }
                }
            }
            let size = size.unwrap_or_else(|| auto_size(cx.passwd, cx.group));
            let uids = subid_ranges(cx.subuid, "containers", None);
            let gids = subid_ranges(cx.subgid, "containers", None);
            if uids.is_empty() || gids.is_empty() {
                return Err(Error::Userns("--userns=auto: no `containers` range in /etc/subuid and /etc/subgid; add one to both, e.g. `containers:2147483647:2147483648`".to_string()));
            }
            let Some(uid_start) = first_free(&uids, cx.used, size) else {
                return Err(Error::Userns(format!(
                    "--userns=auto: no free range of {size} ids left in the `containers` ranges of /etc/subuid"
                )));
            };
            let Some(gid_start) = first_free(&gids, cx.used, size) else {
                return Err(Error::Userns(format!(
                    "--userns=auto: no free range of {size} ids left in the `containers` ranges of /etc/subgid"
                )));
            };
            Ok(Some(Mappings { uid: vec![mapping(0, uid_start, size)], gid: vec![mapping(0, gid_start, size)] }))
        }
        "keep-id" | "nomap" if cx.rootless.is_none() => Err(Error::Userns(format!(
            "--userns={name} is only for rootless users (as with podman); as root use --userns=auto or --uidmap"
        ))),
        "keep-id" | "nomap" => {
            let r = cx.rootless.unwrap_or(RootlessIds { uid: 0, gid: 0, uid_count: 1, gid_count: 1 });
            if !opts.is_empty() {
                return Err(Error::Userns(format!("--userns={mode}: options are not supported (use --userns={name})")));
            }
            if name == "nomap" {
                // The layers are unpacked as the user's namespace's root,
                // which is the user: nomap leaves it unmapped, so only
                // fuse-overlayfs' mappings can show the image's files with
                // their owners (on-disk N as the container's N).
                if !cx.fuse_overlayfs {
                    return Err(Error::Userns("--userns=nomap needs fuse-overlayfs (the image's layers belong to your uid, which nomap leaves unmapped): install the package `fuse-overlayfs` and make /dev/fuse mode 0666, or use --userns=keep-id or the default".to_string()));
                }
                if r.uid_count < 2 || r.gid_count < 2 {
                    return Err(Error::Userns(
                        "--userns=nomap needs subordinate ids: add ranges to /etc/subuid and /etc/subgid".to_string(),
                    ));
                }
                return Ok(Some(Mappings {
                    uid: vec![mapping(0, 1, r.uid_count - 1)],
                    gid: vec![mapping(0, 1, r.gid_count - 1)],
                }));
            }
            if r.uid >= r.uid_count || r.gid >= r.gid_count {
                return Err(Error::Userns(format!(
                    "--userns=keep-id: your uid {} or gid {} is beyond your subordinate ranges ({} uids, {} gids): add larger ranges to /etc/subuid and /etc/subgid",
                    r.uid,
                    r.gid,
                    r.uid_count - 1,
                    r.gid_count - 1
                )));
            }
            Ok(Some(Mappings { uid: keep_id(r.uid, r.uid_count), gid: keep_id(r.gid, r.gid_count) }))
        }
        "private" => Err(Error::Userns("--userns=private needs --uidmap or --subuidname".to_string())),
        other => {
            Err(Error::Userns(format!("--userns: unknown mode {other:?} (use host, auto[:size=N], keep-id or nomap)")))
        }
    }
}

/// Host ranges (start, count) of the uid and gid mappings of `spec`s.
pub fn used_ranges<'a>(specs: impl Iterator<Item = &'a serde_json::Value>) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for spec in specs {
        for key in ["uidMappings", "gidMappings"] {
            for m in spec["linux"][key].as_array().into_iter().flatten() {
                if let (Some(h), Some(n)) = (m["hostID"].as_u64(), m["size"].as_u64()) {
                    out.push((h as u32, n as u32));
                }
            }
        }
    }
    out
}

/// Gives `paths` (the container's upper dir and `/etc` files) to the
/// container's root (`uid`, `gid` on the host), not following symlinks.
pub fn give_to_root(paths: &[&Path], uid: u32, gid: u32) -> Result<()> {
    for p in paths {
        if p.symlink_metadata().is_err() {
            continue;
        }
        std::os::unix::fs::lchown(p, Some(uid), Some(gid)).map_err(|source| Error::Io {
            step: "give to the container's root",
            path: p.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx<'a>(used: &'a [(u32, u32)], subuid: &'a str) -> Context<'a> {
        Context { passwd: "", group: "", used, subuid, subgid: subuid, rootless: None, fuse_overlayfs: false }
    }

    fn flags(mode: &str) -> UsernsFlags {
        UsernsFlags { mode: Some(mode.into()), ..Default::default() }
    }

    #[test]
    fn keep_id_for_a_rootless_user_and_nomap_with_fuse_overlayfs() {
        let r = RootlessIds { uid: 1001, gid: 1001, uid_count: 65537, gid_count: 65537 };
        let c = Context { rootless: Some(r), ..cx(&[], "") };
        let m = resolve(&flags("keep-id"), &c).unwrap().unwrap();
        let t = |m: &[LinuxIdMapping]| m.iter().map(|m| (m.container_id(), m.host_id(), m.size())).collect::<Vec<_>>();
        assert_eq!(t(&m.uid), [(0, 1, 1001), (1001, 0, 1), (1002, 1002, 64535)]);
        assert_eq!(t(&m.gid), t(&m.uid));
        assert!(resolve(&flags("nomap"), &c).unwrap_err().to_string().contains("fuse-overlayfs"));
        // With fuse-overlayfs: the subordinate ids only, the user unmapped.
        let fuse = Context { fuse_overlayfs: true, ..c };
        let m = resolve(&flags("nomap"), &fuse).unwrap().unwrap();
        assert_eq!(t(&m.uid), [(0, 1, 65536)]);
        assert_eq!(t(&m.gid), [(0, 1, 65536)]);
        let small = Context { rootless: Some(RootlessIds { uid_count: 1000, ..r }), ..cx(&[], "") };
        assert!(resolve(&flags("keep-id"), &small).unwrap_err().to_string().contains("/etc/subuid"));
    }

    #[test]
    fn subid_lines() {
        let text = "# comment\nalice:100000:65536\n1001:300000:10\ncontainers:2147483647:2147483648\nbad\nbob:1:0\n";
        assert_eq!(subid_ranges(text, "alice", None), vec![SubidRange { start: 100000, count: 65536 }]);
        assert_eq!(subid_ranges(text, "bob", Some(1001)), vec![SubidRange { start: 300000, count: 10 }]);
        assert_eq!(subid_ranges(text, "containers", None)[0].start, 2147483647);
        assert!(subid_ranges(text, "carol", None).is_empty());
    }

    #[test]
    fn auto_takes_the_first_free_range() {
        let sub = "containers:500000:10000\n";
        let m = resolve(&flags("auto"), &cx(&[], sub)).unwrap().unwrap();
        assert_eq!(m.uid, vec![mapping(0, 500000, 1024)]);
        assert_eq!(m.root(), Some((500000, 500000)));
        let used = [(500000, 1024), (501500, 100)];
        let m = resolve(&flags("auto:size=400"), &cx(&used, sub)).unwrap().unwrap();
        assert_eq!(m.uid, vec![mapping(0, 501024, 400)]);
        let m = resolve(&flags("auto:size=500"), &cx(&used, sub)).unwrap().unwrap();
        assert_eq!(m.uid, vec![mapping(0, 501600, 500)]);
        let e = resolve(&flags("auto:size=20000"), &cx(&used, sub)).unwrap_err();
        assert!(e.to_string().contains("no free range of 20000"), "{e}");
        let e = resolve(&flags("auto"), &cx(&[], "")).unwrap_err();
        assert!(e.to_string().contains("containers:"), "{e}");
        assert!(resolve(&flags("auto:bogus=1"), &cx(&[], sub)).is_err());
    }

    #[test]
    fn auto_size_covers_the_image_users() {
        assert_eq!(auto_size("", ""), 1024);
        let passwd = "root:x:0:0::/root:/bin/sh\napp:x:5000:5001::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n";
        assert_eq!(auto_size(passwd, "g:x:4000:\n"), 5002);
    }

    #[test]
    fn explicit_maps_and_modes() {
        let f = UsernsFlags { uidmap: vec!["0:100000:5000".into()], ..Default::default() };
        let m = resolve(&f, &cx(&[], "")).unwrap().unwrap();
        assert_eq!(m.uid, m.gid);
        assert_eq!(m.uid, vec![mapping(0, 100000, 5000)]);
        let f =
            UsernsFlags { subuidname: Some("alice".into()), subgidname: Some("alice".into()), ..Default::default() };
        let m = resolve(&f, &cx(&[], "alice:7000:100\nalice:9000:50\n")).unwrap().unwrap();
        assert_eq!(m.uid, vec![mapping(0, 7000, 100), mapping(100, 9000, 50)]);
        assert!(resolve(&UsernsFlags { uidmap: vec!["0:1".into()], ..Default::default() }, &cx(&[], "")).is_err());
        assert!(resolve(&flags("keep-id"), &cx(&[], "")).unwrap_err().to_string().contains("rootless"));
        assert!(resolve(&flags("bogus"), &cx(&[], "")).is_err());
        assert_eq!(resolve(&flags("host"), &cx(&[], "")).unwrap(), None);
        assert_eq!(resolve(&UsernsFlags::default(), &cx(&[], "")).unwrap(), None);
        let both = UsernsFlags { mode: Some("auto".into()), uidmap: vec!["0:1:1".into()], ..Default::default() };
        assert!(resolve(&both, &cx(&[], "containers:1:10")).is_err());
    }
}
