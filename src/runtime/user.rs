//! Resolves docker's `USER[:GROUP]` (names or numbers) against the
//! container's `/etc/passwd` and `/etc/group`, as runc's `GetExecUser` does:
//! uid, gid, supplementary groups and home directory. Pure parsing: the
//! runtime reads the two files (after `pivot_root`) and passes their text in.

/// The identity the container process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    /// User ID.
    pub uid: u32,
    /// Primary group ID.
    pub gid: u32,
    /// Supplementary group IDs (from /etc/group membership when GROUP was
    /// not given explicitly; empty otherwise).
    pub groups: Vec<u32>,
    /// Home directory (for `HOME` when the environment has none).
    pub home: String,
}

struct PasswdEntry<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

struct GroupEntry<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

fn passwd_entries(text: &str) -> impl Iterator<Item = PasswdEntry<'_>> {
    text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| {
        // name:password:uid:gid:gecos:home:shell
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 4 {
            return None;
        }
        Some(PasswdEntry {
            name: f[0],
            uid: f[2].trim().parse().ok()?,
            gid: f[3].trim().parse().ok()?,
            home: f.get(5).copied().unwrap_or(""),
        })
    })
}

fn group_entries(text: &str) -> impl Iterator<Item = GroupEntry<'_>> {
    text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| {
        // name:password:gid:member,member
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 3 {
            return None;
        }
        let members = f.get(3).map(|m| m.split(',').map(str::trim).filter(|m| !m.is_empty()).collect());
        Some(GroupEntry { name: f[0], gid: f[2].trim().parse().ok()?, members: members.unwrap_or_default() })
    })
}

/// Resolves `spec` (`USER`, `USER:GROUP`, `UID`, `UID:GID`, or empty for
/// root) against the text of `/etc/passwd` and `/etc/group` (`None` when the
/// file is missing).
///
/// Numbers need no entry (uid 1000 without one runs as 1000:0 with home
/// `/`); names do. The primary group is GROUP when given, else the passwd
/// entry's, else 0. Supplementary groups are those listing the user by name,
/// only when GROUP was not given. Home is the entry's, else `/root` for uid 0
/// and `/` for others.
///
/// Errors (docker's wording): `unable to find user NAME: no matching entries
/// in passwd file`, and the same for groups.
pub fn resolve(spec: &str, passwd: Option<&str>, group: Option<&str>) -> Result<ExecUser, String> {
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let passwd = passwd.unwrap_or("");
    let group = group.unwrap_or("");

    let entry = if user_part.is_empty() {
        passwd_entries(passwd).find(|e| e.uid == 0)
    } else if let Ok(uid) = user_part.parse::<u32>() {
        passwd_entries(passwd).find(|e| e.uid == uid)
    } else {
        let e = passwd_entries(passwd).find(|e| e.name == user_part);
        if e.is_none() {
            return Err(format!("unable to find user {user_part}: no matching entries in passwd file"));
        }
        e
    };
    let uid = match user_part.parse::<u32>() {
        Ok(uid) => uid,
        Err(_) => entry.as_ref().map_or(0, |e| e.uid),
    };
    let mut user = ExecUser {
        uid,
        gid: entry.as_ref().map_or(0, |e| e.gid),
        groups: Vec::new(),
        home: match &entry {
            Some(e) if !e.home.is_empty() => e.home.to_string(),
            _ if uid == 0 => "/root".to_string(),
            _ => "/".to_string(),
        },
    };

    match group_part {
        Some(g) if !g.is_empty() => {
            user.gid = match g.parse::<u32>() {
                Ok(gid) => gid,
                Err(_) => match group_entries(group).find(|e| e.name == g) {
                    Some(e) => e.gid,
                    None => return Err(format!("unable to find group {g}: no matching entries in group file")),
                },
            };
        }
        _ => {
            if let Some(e) = &entry {
                for g in group_entries(group).filter(|g| g.members.contains(&e.name)) {
                    if !user.groups.contains(&g.gid) {
                        user.groups.push(g.gid);
                    }
                }
            }
        }
    }
    Ok(user)
}

/// The user as docker's daemon sets it up (`getUser` in moby's
/// `daemon/oci_linux.go`, what `docker run -u` and `docker exec -u` get):
/// [`resolve`], then the primary group first among the supplementary
/// groups, so `id` lists it under `groups=` (`uid=1000(app) gid=1000(app)
/// groups=50(staff),1000(app)`; root gets `groups=0(root),…`).
pub fn resolve_docker(spec: &str, passwd: Option<&str>, group: Option<&str>) -> Result<ExecUser, String> {
    let mut user = resolve(spec, passwd, group)?;
    if !user.groups.contains(&user.gid) {
        user.groups.insert(0, user.gid);
    }
    Ok(user)
}

/// The gid of `name` (a number, or a name in the text of `/etc/group`).
/// Errors (docker's wording): `unable to find group NAME: no matching
/// entries in group file`.
pub fn group_id(name: &str, group: Option<&str>) -> Result<u32, String> {
    if let Ok(g) = name.parse() {
        return Ok(g);
    }
    group_entries(group.unwrap_or(""))
        .find(|e| e.name == name)
        .map(|e| e.gid)
        .ok_or_else(|| format!("unable to find group {name}: no matching entries in group file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
        nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n\
        # a comment\n\
        app:x:1000:1000:App:/home/app:/bin/sh\n\
        broken line\n";
    const GROUP: &str = "root:x:0:\nwheel:x:10:root,app\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n";

    fn r(spec: &str) -> Result<ExecUser, String> {
        resolve(spec, Some(PASSWD), Some(GROUP))
    }

    #[test]
    fn root_by_default() {
        assert_eq!(r("").unwrap(), ExecUser { uid: 0, gid: 0, groups: vec![10], home: "/root".into() });
        assert_eq!(r("root").unwrap(), r("").unwrap());
    }

    #[test]
    fn names_and_numbers() {
        let app = ExecUser { uid: 1000, gid: 1000, groups: vec![10, 50], home: "/home/app".into() };
        assert_eq!(r("app").unwrap(), app);
        assert_eq!(r("1000").unwrap(), app);
        assert_eq!(r("nobody").unwrap().uid, 65534);
        assert_eq!(r("nobody").unwrap().gid, 65534);
    }

    #[test]
    fn explicit_group_drops_supplementary_groups() {
        let u = r("app:staff").unwrap();
        assert_eq!((u.uid, u.gid, u.groups.len()), (1000, 50, 0));
        let u = r("1000:1000").unwrap();
        assert_eq!((u.uid, u.gid, u.groups.len()), (1000, 1000, 0));
        let u = r("app:4242").unwrap();
        assert_eq!(u.gid, 4242);
    }

    #[test]
    fn numeric_user_without_entry() {
        let u = r("4242").unwrap();
        assert_eq!(u, ExecUser { uid: 4242, gid: 0, groups: vec![], home: "/".into() });
        let u = resolve("0", None, None).unwrap();
        assert_eq!(u.home, "/root");
    }

    #[test]
    fn docker_adds_the_primary_group() {
        // docker 20.10: `run -u 1000 id` prints groups=50(staff),1000(app).
        let d = |spec| resolve_docker(spec, Some(PASSWD), Some(GROUP)).unwrap();
        assert_eq!(d("1000").groups, vec![1000, 10, 50]);
        assert_eq!(d("app:staff").groups, vec![50]);
        assert_eq!(d("").groups, vec![0, 10]);
        assert_eq!(d("4242").groups, vec![0]);
        assert_eq!(resolve_docker("", None, None).unwrap().groups, vec![0]);
    }

    #[test]
    fn unknown_names_fail_like_docker() {
        assert_eq!(r("app2").unwrap_err(), "unable to find user app2: no matching entries in passwd file");
        assert_eq!(r("app:nosuch").unwrap_err(), "unable to find group nosuch: no matching entries in group file");
        assert!(resolve("app", None, None).is_err());
    }
}
