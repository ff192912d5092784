//! `rcon pull [-q] [-a] [--platform P] [--creds U:P] REFERENCE`.

use super::Context;
use crate::registry::TransferOptions;
use crate::registry::credentials::Credentials;
use clap::Args;
use std::path::PathBuf;

/// Registry flags shared by pull and push (credentials, retries).
#[derive(Debug, Args, Clone)]
pub struct RegistryFlags {
    /// Require HTTPS and verify certificates (false: allow plain HTTP and any certificate)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub tls_verify: bool,
    /// Credentials USER[:PASSWORD] for the registry (instead of stored logins)
    #[arg(long, value_name = "USER:PASSWORD")]
    pub creds: Option<String>,
    /// Auth file to read credentials from (also REGISTRY_AUTH_FILE)
    #[arg(long, value_name = "FILE")]
    pub authfile: Option<PathBuf>,
    /// Retries of a failed request or a broken download
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retry: u32,
    /// Delay between retries (e.g. 500ms, 2s; default: exponential from 1s)
    #[arg(long, value_name = "DURATION", value_parser = crate::units::parse_go_duration)]
    pub retry_delay: Option<std::time::Duration>,
    /// Layers transferred at once
    #[arg(long, value_name = "N", default_value_t = crate::registry::DEFAULT_CONCURRENT_DOWNLOADS,
          value_parser = clap::value_parser!(usize))]
    pub max_concurrent_downloads: usize,
}

impl RegistryFlags {
    /// The transfer settings these flags ask for.
    pub fn transfer(&self) -> anyhow::Result<TransferOptions> {
        Ok(TransferOptions {
            platform: None,
            max_concurrent: self.max_concurrent_downloads.max(1),
            retries: self.retry,
            retry_delay: self.retry_delay,
            credentials: self.creds.as_deref().map(Credentials::parse_creds).transpose()?,
            authfile: self.authfile.clone(),
            ..TransferOptions::default()
        })
    }
}

/// Flags of `rcon pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Suppress verbose output: print only the image reference
    #[arg(short, long)]
    pub quiet: bool,
    /// Pull every tagged image of the repository
    #[arg(short, long)]
    pub all_tags: bool,
    /// Platform OS/ARCH[/VARIANT] to choose from a multi-platform image
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Time without data (response headers or the next bytes of a layer) after which the connection counts as stalled and the download resumes (e.g. 10s, 1m)
    #[arg(long, value_name = "DURATION", value_parser = stall_timeout, default_value = "30s")]
    pub stall_timeout: std::time::Duration,
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// Image reference: NAME[:TAG] or NAME@DIGEST
    pub reference: String,
}

/// Pulls the image, printing docker's progress and status lines on stdout
/// and then the full reference (`-q`: only the reference).
pub fn run(ctx: &Context, a: PullArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let reference = crate::reference::Reference::parse(&a.reference)?;
    let opts = crate::registry::PullOptions { quiet: a.quiet, tls_verify: a.registry.tls_verify, stdout: true };
    let mut transfer = a.registry.transfer()?;
    transfer.stall_timeout = a.stall_timeout;
    if let Some(p) = &a.platform {
        transfer.platform = Some(crate::image::parse_platform(p).map_err(anyhow::Error::msg)?);
    }
    let references: Vec<crate::reference::Reference> = if a.all_tags {
        if reference.digest.is_some() || a.reference.contains(':') && !a.reference.contains('/') {
            anyhow::bail!("--all-tags: give a repository name without tag or digest");
        }
        let reference = crate::registry::resolve_name(&a.reference)?;
        let mut tags = crate::registry::list_tags(&reference, &opts, &transfer)?;
        tags.sort();
        tags.into_iter()
            .map(|t| crate::reference::Reference { tag: Some(t), digest: None, ..reference.clone() })
            .collect()
    } else {
        // `parse` fills in `latest`: look at what was typed.
        let last = a.reference.rsplit('/').next().unwrap_or_default();
        if !last.contains(':') && !a.reference.contains('@') && !a.quiet {
            println!("Using default tag: latest");
        }
        // A short name goes through aliases and the search registries.
        let image = crate::registry::pull_by_name(&store, &a.reference, &opts, &transfer, false)?;
        println!("{}", pulled_name(&image, &reference));
        return Ok(0);
    };
    for r in references {
        crate::registry::pull_image(&store, &r, &opts, &transfer)?;
    }
    if a.quiet {
        println!("{}", crate::registry::resolve_name(&a.reference)?.repository_name());
    }
    Ok(0)
}

/// `--stall-timeout`: a Go duration longer than 0s (a bad value is a usage
/// error, exit 125; every failure of the pull itself is exit 1, as docker's).
fn stall_timeout(s: &str) -> Result<std::time::Duration, String> {
    match crate::units::parse_go_duration(s).map_err(|e| e.to_string())? {
        d if d.is_zero() => Err("--stall-timeout must be longer than 0s".to_string()),
        d => Ok(d),
    }
}

/// The full reference docker prints last (`docker.io/library/busybox:latest`,
/// `registry:5000/app@sha256:…`): the name the pulled image was stored under.
fn pulled_name(image: &crate::store::ImageRecord, asked: &crate::reference::Reference) -> String {
    if asked.digest.is_some() {
        return image.repo_digests.first().cloned().unwrap_or_else(|| asked.to_string());
    }
    let tail = format!("{}:{}", asked.repository, asked.tag.as_deref().unwrap_or("latest"));
    image
        .repo_tags
        .iter()
        .find(|t| **t == tail || t.ends_with(&format!("/{tail}")))
        .or(image.repo_tags.first())
        .cloned()
        .unwrap_or_else(|| asked.to_string())
}
