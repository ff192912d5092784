//! Turns an image config (image-spec config.md) and `rcon run` flags into an
//! OCI runtime spec (runtime-spec config.md, config-linux.md), with docker's
//! semantics and defaults: Entrypoint + Cmd, Env (image, `--env-file`, `-e`),
//! WorkingDir, hostname, the standard mounts, namespaces, masked and
//! read-only paths. The user (`-u`, else the image's `User`) is not resolved
//! here: it goes to the runtime as `SpawnOptions.user` ([`user`] gives it),
//! because only the container's own /etc/passwd can resolve it.
//!
//! Pure: reads only the `--env-file` files and rcon's environment (for bare
//! `KEY` entries); the runtime does everything else.

use anyhow::{Context, bail};
use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::{
    LinuxBuilder, LinuxNamespaceBuilder, LinuxNamespaceType, Mount, MountBuilder, ProcessBuilder, RootBuilder, Spec,
    SpecBuilder, UserBuilder,
};
use std::path::{Path, PathBuf};

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

/// docker's `PATH` for containers whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Paths docker hides from containers (moby `oci.DefaultSpec`).
pub const MASKED_PATHS: [&str; 12] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// Paths docker makes read-only in containers (moby `oci.DefaultSpec`).
pub const READONLY_PATHS: [&str; 5] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/// Builds the spec. Errors: bad flag values, naming the flag (an
/// `--env-file` that cannot be read or has a bad line, a relative `-w`, an
/// empty `-e` key), or no command at all (no Entrypoint, Cmd nor COMMAND).
pub fn build(input: &SpecInput) -> anyhow::Result<Spec> {
    let opts = input.opts;
    let config = input.image.config().as_ref();
    let hostname = opts.hostname.clone().unwrap_or_else(|| input.id.chars().take(12).collect());

    let args = command(
        config.and_then(|c| c.entrypoint().as_deref()).unwrap_or(&[]),
        config.and_then(|c| c.cmd().as_deref()).unwrap_or(&[]),
        opts.entrypoint.as_deref(),
        &opts.command,
    );
    if args.is_empty() {
        bail!("no command specified: the image has no Entrypoint or Cmd; give a COMMAND");
    }

    let mut env_files = Vec::new();
    for f in &opts.env_files {
        let text = std::fs::read_to_string(f).with_context(|| format!("--env-file: cannot read {}", f.display()))?;
        env_files.push((f.clone(), text));
    }
    let lookup = |k: &str| std::env::var(k).ok();
    let user_env = user_env(&env_files, &opts.env, &lookup)?;
    let image_env = config.and_then(|c| c.env().clone()).unwrap_or_default();
    let env = container_env(&image_env, &user_env, &hostname);

    let cwd = match &opts.workdir {
        Some(w) if !w.starts_with('/') => {
            bail!("-w: the working directory {w:?} is invalid, it needs to be an absolute path")
        }
        Some(w) => w.clone(),
        None => match config.and_then(|c| c.working_dir().clone()).filter(|w| !w.is_empty()) {
            Some(w) if w.starts_with('/') => w,
            Some(w) => format!("/{w}"),
            None => "/".to_string(),
        },
    };

    let process = ProcessBuilder::default()
        .terminal(false)
        .user(UserBuilder::default().uid(0u32).gid(0u32).build()?)
        .args(args)
        .env(env)
        .cwd(cwd)
        .build()?;
    let namespaces = [
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Network,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Mount,
    ]
    .into_iter()
    .map(|t| LinuxNamespaceBuilder::default().typ(t).build())
    .collect::<Result<Vec<_>, _>>()?;
    let linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .masked_paths(MASKED_PATHS.map(String::from).to_vec())
        .readonly_paths(READONLY_PATHS.map(String::from).to_vec())
        .build()?;
    let spec = SpecBuilder::default()
        .version("1.0.2")
        .root(RootBuilder::default().path(input.rootfs.clone()).readonly(false).build()?)
        .hostname(hostname)
        .process(process)
        .mounts(default_mounts(input)?)
        .linux(linux)
        .annotations(annotations(opts))
        .build()?;
    Ok(spec)
}

/// The spec's annotations: with `--rm`, the overlay is volatile (its upper
/// dir is removed when the container ends).
fn annotations(opts: &super::RunOptions) -> std::collections::HashMap<String, String> {
    let mut a = std::collections::HashMap::new();
    if opts.auto_remove {
        a.insert(crate::runtime::ANNOTATION_VOLATILE.to_string(), "true".to_string());
    }
    a
}

/// The user the container runs as, unresolved (`-u`, else the image's
/// `User`; `None` for root): what `runtime::SpawnOptions.user` takes.
pub fn user(image: &ImageConfiguration, opts: &super::RunOptions) -> Option<String> {
    opts.user.clone().or_else(|| image.config().as_ref()?.user().clone()).filter(|u| !u.is_empty())
}

/// docker's Entrypoint + Cmd rule. `--entrypoint E` replaces the image's
/// entrypoint and drops the image's Cmd (`E` is one word, not split);
/// `--entrypoint ""` clears it; COMMAND (non-empty) replaces the Cmd.
pub fn command(
    image_entrypoint: &[String],
    image_cmd: &[String],
    entrypoint: Option<&str>,
    command: &[String],
) -> Vec<String> {
    let (mut args, default_cmd): (Vec<String>, &[String]) = match entrypoint {
        Some("") => (Vec::new(), &[]),
        Some(e) => (vec![e.to_string()], &[]),
        None => (image_entrypoint.to_vec(), image_cmd),
    };
    args.extend_from_slice(if command.is_empty() { default_cmd } else { command });
    args
}

/// `--env-file` files (name, text) then `-e` flags, as `KEY=VALUE` entries,
/// later ones replacing earlier ones with the same key. Files: one entry per
/// line, blank lines and `#` comments skipped, values kept verbatim (no
/// quotes removed). A bare `KEY` takes its value from `lookup` (rcon's
/// environment) and is dropped when unset. Errors: an empty key or one with
/// whitespace, naming the file and line or the `-e` flag.
pub fn user_env(
    files: &[(PathBuf, String)],
    flags: &[String],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut add = |entry: &str, place: &dyn Fn() -> String| -> anyhow::Result<()> {
        let (key, value) = match entry.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (entry, None),
        };
        if key.is_empty() {
            bail!("{}: invalid environment variable {entry:?}: empty name", place());
        }
        if key.contains(char::is_whitespace) {
            bail!("{}: variable {key:?} contains whitespaces", place());
        }
        if let Some(v) = value.or_else(|| lookup(key)) {
            replace_or_append(&mut out, format!("{key}={v}"));
        }
        Ok(())
    };
    for (file, text) in files {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = if line.contains('=') { line } else { line.trim_end() };
            add(line, &|| format!("--env-file {} line {}", file.display(), n + 1))?;
        }
    }
    for e in flags {
        add(e, &|| "-e".to_string())?;
    }
    Ok(out)
}

/// The final environment as docker builds it: `PATH` (default) and
/// `HOSTNAME`, overridden by the image's Env, overridden by the user's.
pub fn container_env(image_env: &[String], user_env: &[String], hostname: &str) -> Vec<String> {
    let mut env = vec![format!("PATH={DEFAULT_PATH}"), format!("HOSTNAME={hostname}")];
    for e in image_env.iter().chain(user_env) {
        replace_or_append(&mut env, e.clone());
    }
    env
}

fn env_key(entry: &str) -> &str {
    entry.split_once('=').map_or(entry, |(k, _)| k)
}

fn replace_or_append(env: &mut Vec<String>, entry: String) {
    match env.iter_mut().find(|e| env_key(e) == env_key(&entry)) {
        Some(slot) => *slot = entry,
        None => env.push(entry),
    }
}

fn mount(dest: &str, typ: &str, source: &Path, options: &[&str]) -> anyhow::Result<Mount> {
    Ok(MountBuilder::default()
        .destination(dest)
        .typ(typ)
        .source(source)
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()?)
}

/// docker's mounts (moby `oci.DefaultSpec` and the /etc files), cgroup aside
/// until cgroup support comes.
fn default_mounts(input: &SpecInput) -> anyhow::Result<Vec<Mount>> {
    let p = Path::new;
    Ok(vec![
        mount("/proc", "proc", p("proc"), &["nosuid", "noexec", "nodev"])?,
        mount("/dev", "tmpfs", p("tmpfs"), &["nosuid", "strictatime", "mode=755", "size=65536k"])?,
        mount(
            "/dev/pts",
            "devpts",
            p("devpts"),
            &["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        )?,
        mount("/sys", "sysfs", p("sysfs"), &["nosuid", "noexec", "nodev", "ro"])?,
        mount("/dev/mqueue", "mqueue", p("mqueue"), &["nosuid", "noexec", "nodev"])?,
        mount("/dev/shm", "tmpfs", p("shm"), &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"])?,
        mount("/etc/resolv.conf", "bind", &input.etc_resolv_conf, &["rbind", "rprivate"])?,
        mount("/etc/hostname", "bind", &input.etc_hostname, &["rbind", "rprivate"])?,
        mount("/etc/hosts", "bind", &input.etc_hosts, &["rbind", "rprivate"])?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{PullPolicy, RunOptions};
    use oci_spec::image::{ConfigBuilder, ImageConfigurationBuilder};

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    fn opts() -> RunOptions {
        RunOptions {
            image: "busybox".into(),
            command: vec![],
            name: None,
            env: vec![],
            env_files: vec![],
            workdir: None,
            user: None,
            entrypoint: None,
            hostname: None,
            auto_remove: false,
            pull: PullPolicy::Missing,
            ..Default::default()
        }
    }

    fn image(f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> ImageConfiguration {
        ImageConfigurationBuilder::default().config(f(ConfigBuilder::default()).build().unwrap()).build().unwrap()
    }

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn build_with(img: &ImageConfiguration, o: &RunOptions) -> anyhow::Result<Spec> {
        build(&SpecInput {
            image: img,
            opts: o,
            id: ID,
            rootfs: "/c/merged".into(),
            etc_hostname: "/c/hostname".into(),
            etc_hosts: "/c/hosts".into(),
            etc_resolv_conf: "/c/resolv.conf".into(),
        })
    }

    #[test]
    fn entrypoint_and_cmd_like_docker() {
        let ep = v(&["/ep.sh", "-x"]);
        let cmd = v(&["serve", "--port=80"]);
        assert_eq!(command(&ep, &cmd, None, &[]), v(&["/ep.sh", "-x", "serve", "--port=80"]));
        assert_eq!(command(&ep, &cmd, None, &v(&["sh"])), v(&["/ep.sh", "-x", "sh"]));
        assert_eq!(command(&[], &cmd, None, &v(&["echo", "hi"])), v(&["echo", "hi"]));
        // --entrypoint replaces the entrypoint and drops the image's Cmd.
        assert_eq!(command(&ep, &cmd, Some("/bin/sh"), &[]), v(&["/bin/sh"]));
        assert_eq!(command(&ep, &cmd, Some("/bin/sh -c"), &v(&["x"])), v(&["/bin/sh -c", "x"]));
        // --entrypoint "" clears it.
        assert_eq!(command(&ep, &cmd, Some(""), &v(&["id"])), v(&["id"]));
        assert!(command(&ep, &cmd, Some(""), &[]).is_empty());
    }

    #[test]
    fn env_files_then_flags() {
        let file = "# comment\n\nA=1\n  B=two words \nC\nUNSET\nD=\nE=x=y\n".to_string();
        let files = vec![(PathBuf::from("f.env"), file)];
        let lookup = |k: &str| (k == "C" || k == "F").then(|| format!("from-{k}"));
        let env = user_env(&files, &v(&["A=override", "F", "NOPE", "G=g"]), &lookup).unwrap();
        assert_eq!(env, v(&["A=override", "B=two words ", "C=from-C", "D=", "E=x=y", "F=from-F", "G=g"]));

        let bad = vec![(PathBuf::from("f.env"), "OK=1\nBAD KEY=1\n".to_string())];
        let e = user_env(&bad, &[], &lookup).unwrap_err().to_string();
        assert!(e.contains("f.env line 2") && e.contains("whitespaces"), "{e}");
        assert!(user_env(&[], &v(&["=x"]), &lookup).is_err());
    }

    #[test]
    fn path_and_hostname_defaults() {
        let env = container_env(&v(&["FOO=1"]), &v(&["FOO=2", "BAR=3"]), "abc");
        assert_eq!(env, v(&[&format!("PATH={DEFAULT_PATH}"), "HOSTNAME=abc", "FOO=2", "BAR=3"]));
        let env = container_env(&v(&["PATH=/bin"]), &[], "abc");
        assert_eq!(env[0], "PATH=/bin");
        let env = container_env(&[], &v(&["HOSTNAME=mine"]), "abc");
        assert_eq!(env, v(&[&format!("PATH={DEFAULT_PATH}"), "HOSTNAME=mine"]));
    }

    #[test]
    fn spec_from_image_and_flags() {
        let img = image(|c| {
            c.env(v(&["PATH=/bin", "A=1"])).cmd(v(&["sh"])).working_dir("/app".to_string()).user("app".to_string())
        });
        let s = build_with(&img, &opts()).unwrap();
        let p = s.process().as_ref().unwrap();
        assert_eq!(p.args().as_ref().unwrap(), &v(&["sh"]));
        assert_eq!(p.cwd(), Path::new("/app"));
        assert_eq!(p.env().as_ref().unwrap(), &v(&["PATH=/bin", "HOSTNAME=0123456789ab", "A=1"]));
        assert_eq!(s.hostname().as_deref(), Some("0123456789ab"));
        assert_eq!(s.root().as_ref().unwrap().path(), Path::new("/c/merged"));
        assert_eq!(user(&img, &opts()).as_deref(), Some("app"));

        let mut o = opts();
        o.workdir = Some("/w".into());
        o.hostname = Some("box".into());
        o.user = Some("1000:1000".into());
        o.command = v(&["id", "-u"]);
        o.env = v(&["A=2"]);
        let s = build_with(&img, &o).unwrap();
        let p = s.process().as_ref().unwrap();
        assert_eq!(p.args().as_ref().unwrap(), &v(&["id", "-u"]));
        assert_eq!(p.cwd(), Path::new("/w"));
        assert_eq!(p.env().as_ref().unwrap(), &v(&["PATH=/bin", "HOSTNAME=box", "A=2"]));
        assert_eq!(s.hostname().as_deref(), Some("box"));
        assert_eq!(user(&img, &o).as_deref(), Some("1000:1000"));

        let mounts: Vec<_> = s.mounts().as_ref().unwrap().iter().map(|m| m.destination().clone()).collect();
        for d in ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/etc/hosts", "/etc/hostname"] {
            assert!(mounts.contains(&PathBuf::from(d)), "no {d} in {mounts:?}");
        }
        let ns = s.linux().as_ref().unwrap().namespaces().as_ref().unwrap();
        assert_eq!(ns.len(), 5);
    }

    #[test]
    fn defaults_and_errors() {
        let img = image(|c| c.cmd(v(&["true"])));
        let s = build_with(&img, &opts()).unwrap();
        assert_eq!(s.process().as_ref().unwrap().cwd(), Path::new("/"));
        assert_eq!(user(&img, &opts()), None);
        assert!(s.annotations().as_ref().unwrap().is_empty());
        let mut o = opts();
        o.auto_remove = true;
        let s = build_with(&img, &o).unwrap();
        assert_eq!(s.annotations().as_ref().unwrap()[crate::runtime::ANNOTATION_VOLATILE], "true");

        let mut o = opts();
        o.workdir = Some("rel".into());
        assert!(build_with(&img, &o).unwrap_err().to_string().contains("-w"));

        let empty = image(|c| c);
        assert!(build_with(&empty, &opts()).unwrap_err().to_string().contains("no command"));

        let mut o = opts();
        o.env_files = vec!["/nonexistent/env".into()];
        let e = build_with(&img, &o).unwrap_err().to_string();
        assert!(e.contains("--env-file") && e.contains("/nonexistent/env"), "{e}");
    }
}
