//! Turns an image config and `rcon run` flags into an OCI runtime spec
//! (runtime-spec config.md), docker's defaults applied.
//!
//! STUB: to be implemented (helper B).

use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::Spec;
use std::path::PathBuf;

/// Everything the spec is made from.
pub struct SpecInput<'a> {
    /// The image's config blob.
    pub image: &'a ImageConfiguration,
    /// The flags.
    pub opts: &'a super::RunOptions,
    /// The container ID (64 hex).
    pub id: &'a str,
    /// Where the rootfs will be mounted (the spec's `root.path`).
    pub rootfs: PathBuf,
    /// Host files to bind-mount at /etc/hostname, /etc/hosts, /etc/resolv.conf.
    pub etc_hostname: PathBuf,
    /// See `etc_hostname`.
    pub etc_hosts: PathBuf,
    /// See `etc_hostname`.
    pub etc_resolv_conf: PathBuf,
}

/// Builds the spec. Errors: bad flag values (e.g. an env file that cannot be read), naming the flag.
pub fn build(input: &SpecInput) -> anyhow::Result<Spec> {
    let _ = input;
    anyhow::bail!("spec: not implemented yet")
}
