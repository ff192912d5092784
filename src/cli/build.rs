//! `rcon build [OPTIONS] CONTEXT`: glue between the flags and
//! [`crate::build::executor::build`].

use super::Context;
use anyhow::Context as _;
use clap::Args;
use std::io::Read;
use std::path::PathBuf;

/// Flags of `rcon build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Name and optionally a tag (NAME[:TAG]); may be repeated
    #[arg(short = 't', long = "tag", value_name = "NAME[:TAG]")]
    pub tags: Vec<String>,
    /// Name of the Dockerfile (default: CONTEXT/Dockerfile, then CONTEXT/Containerfile; "-" reads stdin)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Set a build-time variable (KEY=VALUE, or KEY to take it from rcon's environment)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// Set the target build stage to build
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Do not use the cache when building the image
    #[arg(long)]
    pub no_cache: bool,
    /// Always attempt to pull newer versions of the base images
    #[arg(long)]
    pub pull: bool,
    /// Print only the image ID on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the image ID to the file
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,
    /// Set metadata for the image (KEY=VALUE); may be repeated
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Set every created time to this many seconds since the epoch (default: $SOURCE_DATE_EPOCH)
    #[arg(long, value_name = "SECONDS")]
    pub timestamp: Option<i64>,
    /// Networking mode for RUN instructions: default (loopback only for now), none or host
    #[arg(long, value_name = "MODE", value_parser = ["default", "none", "host"])]
    pub network: Option<String>,
    /// Secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VARIABLE; may be repeated
    #[arg(long = "secret", value_name = "id=ID,src=FILE")]
    pub secrets: Vec<String>,
    /// SSH agent socket for RUN --mount=type=ssh: default or ID[=SOCKET] (default $SSH_AUTH_SOCK); may be repeated
    #[arg(long = "ssh", value_name = "default|ID[=SOCKET]")]
    pub ssh: Vec<String>,
    /// Require HTTPS and verify certificates when base images are pulled
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub tls_verify: bool,
    /// The build context: a directory, a tar archive, or "-" (Dockerfile on stdin, no context)
    #[arg(value_name = "CONTEXT")]
    pub context: String,
}

/// Builds the image; prints the steps, or only the ID with `-q`.
pub fn run(ctx: &Context, a: BuildArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut text = None;
    let mut tmp_context = None;
    let context = if a.context == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("cannot read the Dockerfile from stdin")?;
        text = Some(s);
        let dir = store.tmp_dir().join(format!("layer-{}-{}", std::process::id(), crate::util::random_hex(8)));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        tmp_context = Some(dir.clone());
        dir
    } else {
        let p = PathBuf::from(&a.context);
        if p.is_file() {
            // A tar archive (optionally gzip-compressed) as the context.
            let dir = store.tmp_dir().join(format!("layer-{}-{}", std::process::id(), crate::util::random_hex(8)));
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            tmp_context = Some(dir.clone());
            let f = std::fs::File::open(&p).with_context(|| format!("cannot open {}", p.display()))?;
            let mut head = [0u8; 2];
            let gz = std::fs::File::open(&p).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == [0x1f, 0x8b];
            let label = format!("context {}", p.display());
            let r = if gz {
                crate::image::unpack::unpack(flate2::read::GzDecoder::new(f), &dir, &label)
            } else {
                crate::image::unpack::unpack(f, &dir, &label)
            };
            if let Err(e) = r {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e.into());
            }
            dir
        } else if p.is_dir() {
            p
        } else {
            anyhow::bail!("unable to prepare context: path {:?} not found", a.context);
        }
    };
    if a.file.as_deref() == Some(std::path::Path::new("-")) {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("cannot read the Dockerfile from stdin")?;
        text = Some(s);
    }
    let timestamp = a.timestamp.or_else(|| std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.parse().ok()));
    let opts = crate::build::executor::BuildOptions {
        context,
        dockerfile: a.file.filter(|f| f.as_os_str() != "-"),
        dockerfile_text: text,
        tags: a.tags,
        build_args: a.build_args,
        target: a.target,
        no_cache: a.no_cache,
        pull: a.pull,
        quiet: a.quiet,
        labels: a.labels,
        timestamp,
        network: a.network,
        tls_verify: a.tls_verify,
        secrets: a.secrets,
        ssh: a.ssh,
    };
    let mut out = std::io::stdout();
    let result = crate::build::executor::build(&store, &opts, &mut out);
    if let Some(d) = tmp_context {
        let _ = std::fs::remove_dir_all(d);
    }
    let image = result?;
    if a.quiet {
        println!("{}", image.id);
    }
    if let Some(f) = a.iidfile {
        std::fs::write(&f, image.id.to_string()).with_context(|| format!("cannot write {}", f.display()))?;
    }
    Ok(0)
}
