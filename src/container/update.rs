//! `rename` and `update` of an existing container: a new name claimed in
//! the store, new cgroup limits written to the live cgroup and the stored
//! spec, a new restart policy in the record (read by the monitor at the
//! next exit).

use super::lifecycle::RestartPolicy;
use super::{Error, Result};
use crate::store::{ContainerStatus, Store, events};
use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxPids, LinuxResources};

/// Renames container `name` to `new_name` (docker's rules: a valid name,
/// not the current one, not taken). Records a `rename` event.
pub fn rename(store: &Store, name: &str, new_name: &str) -> Result<()> {
    let new_name = new_name.strip_prefix('/').unwrap_or(new_name);
    if !crate::util::is_valid_name(new_name) {
        return Err(Error::Invalid(format!(
            "Invalid container name ({new_name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )));
    }
    let record = store.find_container(name)?;
    if record.name == new_name {
        return Err(Error::Invalid("Renaming a container with the same name as its current name".into()));
    }
    let old = store.rename_container(&record.id, new_name).map_err(|e| Error::Rename(new_name.to_string(), e))?;
    let mut renamed = old.clone();
    renamed.name = new_name.to_string();
    events::container(store, "rename", &renamed, &[("oldName", &format!("/{}", old.name))]);
    Ok(())
}

/// The flags of `update`: docker's resource flags and `--restart`.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The new limits (only those set change).
    pub resources: super::spec::Resources,
    /// `--restart`.
    pub restart: Option<String>,
}

/// Applies `u` to container `name` (created, running or exited): the new
/// limits go to the stored spec (used by every later start) and, when it
/// runs, to its live cgroup; the restart policy to its record. Errors: an
/// invalid value (naming the flag), a limit the kernel refuses (naming the
/// cgroup file), nothing to update.
pub fn update(store: &Store, name: &str, u: &Update) -> Result<()> {
    if u.resources.is_empty() && u.restart.is_none() {
        return Err(Error::Invalid("you must provide one or more flags when using this command".into()));
    }
    let mut record = store.find_container(name)?;
    if let Some(r) = &u.restart {
        let policy = RestartPolicy::parse(r)?;
        if record.auto_remove && policy != RestartPolicy::No {
            return Err(Error::Invalid(
                "Restart policy cannot be updated because AutoRemove is enabled for the container".into(),
            ));
        }
        record.restart = policy.to_string();
    }
    if !u.resources.is_empty() {
        let mut spec: oci_spec::runtime::Spec = serde_json::from_value(record.spec.clone())
            .map_err(|source| Error::StoredSpec { name: name.to_string(), source })?;
        let mut linux = spec.linux().clone().unwrap_or_default();
        let mut current = linux.resources().clone().unwrap_or_default();
        let mut flags = u.resources.clone();
        // --memory-swap alone keeps the memory limit the container has.
        if flags.memory.is_none()
            && flags.memory_swap.is_some()
            && let Some(l) = current.memory().as_ref().and_then(|m| m.limit())
        {
            flags.memory = Some(l.to_string());
        }
        let change = super::spec::resource_limits(&flags)?;
        // docker: a memory limit above the memory+swap limit the container
        // has (none: 0) needs a new --memory-swap in the same update.
        if let Some(m) = &flags.memory
            && flags.memory_swap.is_none()
        {
            let swap = current.memory().as_ref().and_then(|m| m.swap()).unwrap_or(0);
            if super::spec::parse_size("--memory", m)? > swap && swap != -1 {
                return Err(Error::Invalid(format!(
                    "Cannot update container {}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time",
                    record.id
                )));
            }
        }
        merge(&mut current, &change);
        let state = store.container_state(&record.id)?;
        if let (ContainerStatus::Running, Some(pid)) = (state.status, state.pid) {
            let proc_cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
                .map_err(Error::io("read the cgroup of the container's process", format!("/proc/{pid}/cgroup")))?;
            let layout = crate::runtime::cgroups::Layout::detect().ok_or(Error::NoCgroupFs)?;
            let cg = crate::runtime::cgroups::Cgroup::of_process(&layout, &proc_cgroup);
            // Changed parts only: device rules and untouched limits stay as they are.
            cg.apply(&change).map_err(|e| Error::CannotUpdate(name.to_string(), e))?;
        }
        linux.set_resources(Some(current));
        spec.set_linux(Some(linux));
        record.spec = serde_json::to_value(&spec).map_err(|e| Error::BuildSpec(e.into()))?;
    }
    store.replace_container_record(&record)?;
    events::container(store, "update", &record, &[]);
    Ok(())
}

/// Sets in `into` every limit that `change` sets.
fn merge(into: &mut LinuxResources, change: &LinuxResources) {
    if let Some(m) = change.memory() {
        let mut cur: LinuxMemory = into.memory().unwrap_or_default();
        if m.limit().is_some() {
            cur.set_limit(m.limit());
        }
        if m.swap().is_some() {
            cur.set_swap(m.swap());
        }
        if m.reservation().is_some() {
            cur.set_reservation(m.reservation());
        }
        into.set_memory(Some(cur));
    }
    if let Some(c) = change.cpu() {
        let mut cur: LinuxCpu = into.cpu().clone().unwrap_or_default();
        if c.shares().is_some() {
            cur.set_shares(c.shares());
        }
        if c.quota().is_some() {
            cur.set_quota(c.quota());
            cur.set_period(c.period());
        }
        if c.cpus().is_some() {
            cur.set_cpus(c.cpus().clone());
        }
        into.set_cpu(Some(cur));
    }
    if let Some(p) = change.pids() {
        let pids: LinuxPids = *p;
        into.set_pids(Some(pids));
    }
}
