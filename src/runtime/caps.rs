//! Linux capabilities (runtime-spec config.md "process.capabilities",
//! capabilities(7)): names ↔ numbers, docker's default set, and the init's
//! steps that apply the spec's five sets around the switch to the
//! container's user.

use super::Error;
use nix::errno::Errno;

/// Capability names by number (linux/capability.h, up to 40).
pub const NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// docker's default capabilities (moby `oci/caps.DefaultCapabilities`):
/// CapEff `00000000a80425fb`.
pub const DOCKER_DEFAULT: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// The number of `name` (`CAP_CHOWN` or `chown`, any case).
pub fn number(name: &str) -> Option<u32> {
    let up = name.to_ascii_uppercase();
    let full = if up.starts_with("CAP_") { up } else { format!("CAP_{up}") };
    NAMES.iter().position(|n| *n == full).map(|i| i as u32)
}

/// The highest capability the running kernel knows
/// (`/proc/sys/kernel/cap_last_cap`).
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(40)
}

/// The names in the calling process's bounding set (`CapBnd` of
/// `/proc/self/status`): what `--privileged` can give.
pub fn host_bounding() -> Vec<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    (0..NAMES.len()).filter(|&i| mask & (1 << i) != 0).map(|i| NAMES[i].to_string()).collect()
}

/// The five sets as bit masks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CapSets {
    pub bounding: u64,
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
}

/// Bit mask of `names`. Errors: a name that is not a capability, or one
/// the running kernel does not know.
pub(crate) fn mask(names: &[String], last: u32) -> Result<u64, Error> {
    let mut m = 0u64;
    for n in names {
        let nr = number(n).ok_or_else(|| Error::Spec(format!("unknown capability {n:?}")))?;
        if nr > last {
            // runc ignores capabilities the kernel does not know.
            continue;
        }
        m |= 1 << nr;
    }
    Ok(m)
}

/// The capability numbered `c` as rustix's one-bit set.
fn one(c: u32) -> rustix::thread::CapabilitySet {
    rustix::thread::CapabilitySet::from_bits_retain(1 << c)
}

/// rustix's errno as nix's (whose `desc` the messages show).
fn errno(e: rustix::io::Errno) -> Errno {
    Errno::from_raw(e.raw_os_error())
}

/// Drops every capability not in `bounding` from the bounding set
/// (needs `CAP_SETPCAP`, so before the user switch).
pub(crate) fn drop_bounding(bounding: u64, last: u32) -> Result<(), Error> {
    for c in 0..=last {
        if bounding & (1 << c) == 0
            && let Err(e) = rustix::thread::remove_capability_from_bounding_set(one(c))
            && errno(e) != Errno::EINVAL
        {
            return Err(Error::Capabilities {
                op: format!("drop {} from the bounding set", NAMES.get(c as usize).unwrap_or(&"?")),
                source: errno(e).into(),
            });
        }
    }
    Ok(())
}

/// Keeps the permitted set across the switch to a non-root uid.
pub(crate) fn keep_caps(on: bool) -> Result<(), Error> {
    nix::sys::prctl::set_keepcaps(on)
        .map_err(|e| Error::Capabilities { op: "set PR_SET_KEEPCAPS".into(), source: e.into() })
}

/// Sets effective, permitted and inheritable (`capset(2)`), then raises
/// the ambient capabilities that are also permitted and inheritable.
pub(crate) fn apply(s: &CapSets) -> Result<(), Error> {
    use rustix::thread::{CapabilitySet, CapabilitySets};
    let sets = CapabilitySets {
        effective: CapabilitySet::from_bits_retain(s.effective),
        permitted: CapabilitySet::from_bits_retain(s.permitted),
        inheritable: CapabilitySet::from_bits_retain(s.inheritable),
    };
    if let Err(e) = rustix::thread::set_capabilities(None, sets) {
        // Name what cannot be granted: capabilities this process itself
        // lacks (a host or sandbox that withholds them).
        let have = rustix::thread::capabilities(None).map(|c| c.permitted.bits()).unwrap_or(u64::MAX);
        let missing: Vec<&str> = (0..64)
            .filter(|c| (s.permitted | s.inheritable) & !have & (1 << c) != 0)
            .filter_map(|c| NAMES.get(c).copied())
            .collect();
        let hint = if missing.is_empty() {
            String::new()
        } else {
            format!(" ({} requested but not held by rcon itself: the host withholds them)", missing.join(", "))
        };
        return Err(Error::Capabilities { op: format!("set capabilities{hint}"), source: errno(e).into() });
    }
    // The kernel raises an ambient capability only if it is permitted and
    // inheritable; like runc 1.1+, skip the others instead of failing (older
    // configs list ambient capabilities without the inheritable set).
    let raisable = s.ambient & s.permitted & s.inheritable;
    for c in 0..64u64 {
        if raisable & (1 << c) != 0
            && let Err(e) = rustix::thread::configure_capability_in_ambient_set(one(c as u32), true)
        {
            return Err(Error::Capabilities {
                op: format!("raise ambient capability {}", NAMES.get(c as usize).unwrap_or(&"?")),
                source: errno(e).into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_default_is_a80425fb() {
        let names: Vec<String> = DOCKER_DEFAULT.iter().map(|s| s.to_string()).collect();
        assert_eq!(mask(&names, 40).unwrap(), 0xa80425fb);
    }

    #[test]
    fn names_with_or_without_prefix() {
        assert_eq!(number("chown"), Some(0));
        assert_eq!(number("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(number("net_admin"), Some(12));
        assert_eq!(number("nope"), None);
        assert!(mask(&["CAP_NOPE".into()], 40).is_err());
        assert_eq!(mask(&["CAP_CHECKPOINT_RESTORE".into()], 39).unwrap(), 0);
    }
}
