//! Container records and lifecycle: create, start, wait, remove. Turns
//! `rcon run` flags into a record in the store and an OCI spec for the
//! runtime.

pub mod spec;

use std::path::PathBuf;

/// When `run` pulls the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    /// Only when it is not in the store (default).
    Missing,
    /// Every time.
    Always,
    /// Never: a missing image is an error.
    Never,
}

impl PullPolicy {
    /// From `--pull` (`missing`, `always`, `never`); anything else is `Missing`.
    pub fn parse(s: &str) -> PullPolicy {
        match s {
            "always" => PullPolicy::Always,
            "never" => PullPolicy::Never,
            _ => PullPolicy::Missing,
        }
    }
}

/// What `rcon run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Image reference or ID as the user typed it.
    pub image: String,
    /// COMMAND [ARG…] after the image (replaces the image's Cmd).
    pub command: Vec<String>,
    /// `--name`.
    pub name: Option<String>,
    /// `-e KEY=VALUE` or `-e KEY` (taken from rcon's environment; dropped if unset).
    pub env: Vec<String>,
    /// `--env-file`, applied before `-e`.
    pub env_files: Vec<PathBuf>,
    /// `-w`.
    pub workdir: Option<String>,
    /// `-u USER[:GROUP]`.
    pub user: Option<String>,
    /// `--entrypoint` (`Some("")` clears the image's entrypoint).
    pub entrypoint: Option<String>,
    /// `--hostname` (default: the first 12 hex digits of the ID).
    pub hostname: Option<String>,
    /// `--rm`.
    pub auto_remove: bool,
    /// `--pull`.
    pub pull: PullPolicy,
    /// Options for pulling the image.
    pub pull_options: crate::registry::PullOptions,
}

/// Creates a container from `opts`, runs it attached to rcon's stdout and
/// stderr, records its exit, removes it with `--rm`; returns its exit code.
pub fn run_foreground(store: &crate::store::Store, opts: RunOptions) -> anyhow::Result<i32> {
    let _ = (store, opts);
    anyhow::bail!("run: not implemented yet")
}
