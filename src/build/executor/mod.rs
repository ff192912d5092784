//! The build executor: plans the stages a target needs, runs each
//! instruction into a new image state, commits filesystem changes as layers,
//! reuses cached steps, and writes the final image (config, manifest, tags)
//! into the store.
//!
//! Semantics follow docker/BuildKit: ARGs before the first FROM are visible
//! only in FROM lines; a stage sees an ARG only after declaring it; ENV
//! overrides ARG in expansion; RUN gets the stage's ENV, the ARGs in scope,
//! its USER, WORKDIR and SHELL; ENTRYPOINT resets an inherited CMD; ONBUILD
//! triggers are recorded, and the base image's triggers run after FROM.
//!
//! A step's cache key is the parent's key, the instruction after expansion,
//! ARG values, and for COPY/ADD the content and modes of the selected files
//! (not mtimes). Entries live in `<root>/build-cache/<key>.json` and are only
//! used when every layer they name is still in the store.
//!
//! RUN steps run in rcon's own runtime on an overlay of the stage's layers;
//! the overlay upper dir is the new layer (it is already in the store's
//! layer format) and is also written out as a gzip tar blob. Each RUN is an
//! intermediate container record (`rcon-build-<id>`, as docker's classic
//! builder) holding its network endpoint: by default the `bridge` network
//! with NAT (plan, prepare, attach when the init exists, detach and remove
//! after the step), or `--network none|host`.
//!
//! ADD extracts local gzip, bzip2 and xz tar archives, and downloads URLs
//! (verified with `--checksum=sha256:…`) before anything forks: the HTTP
//! client's threads are joined first (docs/ARCHITECTURE.md hazard 1).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::build::config_change;
use crate::build::dockerignore;
use crate::build::fs::{LayeredFs, remove_mount_stubs, write_layer_tar};
use crate::build::instructions::{CmdLine, CopySpec, Instruction, Program, RunOptions, Stage, Step, parse_program};
use crate::build::parser::ParseError;
use crate::build::run_mount;
use crate::build::shell::Lex;
use crate::digest::{Digest, Sha256Writer};
use crate::store::{ImageRecord, LayerInfo, Store, StoreError};

mod copy;
mod run_step;

use copy::ensure_dirs;

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The Dockerfile does not parse (`Dockerfile:7: unknown instruction: COPPY`).
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// A step failed; `step` is its source text.
    #[error("{file}:{line}: {step}: {message}")]
    Step {
        /// The Dockerfile name.
        file: String,
        /// The line of the instruction.
        line: usize,
        /// The instruction text.
        step: String,
        /// What went wrong.
        message: String,
    },
    /// A RUN command exited with a non-zero code.
    #[error("The command '{command}' returned a non-zero code: {code}")]
    RunFailed {
        /// The command as docker prints it (`/bin/sh -c …`).
        command: String,
        /// Its exit code.
        code: i32,
    },
    /// The build context or Dockerfile cannot be read.
    #[error("build context {path}: {message}")]
    Context {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// `--target` names no stage.
    #[error("target stage {0:?} could not be found")]
    NoTarget(String),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Pulling or resolving a base image failed.
    #[error("{0}")]
    Image(String),
}

type Result<T> = std::result::Result<T, BuildError>;

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The context directory.
    pub context: PathBuf,
    /// The Dockerfile's path (default: `Dockerfile`, then `Containerfile`, in the context).
    pub dockerfile: Option<PathBuf>,
    /// Dockerfile text given directly (stdin); takes precedence over `dockerfile`.
    pub dockerfile_text: Option<String>,
    /// `-t` tags as given.
    pub tags: Vec<String>,
    /// `--build-arg K=V` (or `K`, taking the value from rcon's environment).
    pub build_args: Vec<String>,
    /// `--target`.
    pub target: Option<String>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--pull`: refresh base images.
    pub pull: bool,
    /// `-q`: no step output.
    pub quiet: bool,
    /// `--label K=V` added to the final image.
    pub labels: Vec<String>,
    /// `--timestamp` or `SOURCE_DATE_EPOCH`: seconds since the epoch used
    /// for every `created` time and as the upper bound of file mtimes.
    pub timestamp: Option<i64>,
    /// `--network host|none|default` for RUN steps.
    pub network: Option<String>,
    /// Verify TLS when pulling base images.
    pub tls_verify: bool,
    /// `--secret id=ID,src=FILE|env=VAR` for `RUN --mount=type=secret`.
    pub secrets: Vec<String>,
    /// `--ssh default[=SOCKET]` for `RUN --mount=type=ssh`.
    pub ssh: Vec<String>,
}

/// One layer of an image being built.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct LayerDesc {
    pub(super) diff_id: Digest,
    pub(super) digest: Digest,
    pub(super) size: u64,
    pub(super) media_type: String,
}

/// An image state: after FROM, and after each step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct State {
    pub(super) config: Value,
    pub(super) layers: Vec<LayerDesc>,
    pub(super) key: String,
    /// Cache markers of metadata steps (`config` null): the step's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) created: Option<String>,
}

impl State {
    fn cfg(&mut self) -> &mut serde_json::Map<String, Value> {
        config_change::config_mut(&mut self.config)
    }

    fn get(&self, k: &str) -> Option<&Value> {
        self.config.get("config").and_then(|c| c.get(k)).filter(|v| !v.is_null())
    }

    fn env(&self) -> Vec<String> {
        strings(self.get("Env"))
    }

    fn workdir(&self) -> String {
        config_change::workdir_of(&self.config)
    }

    fn user(&self) -> Option<String> {
        self.get("User").and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from)
    }

    fn shell(&self) -> Vec<String> {
        config_change::shell_of(&self.config)
    }

    pub(super) fn chain_ids(&self) -> Vec<Digest> {
        Digest::chain_ids(&self.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>())
    }

    fn fs(&self, store: &Store) -> LayeredFs {
        LayeredFs::new(self.chain_ids().iter().rev().map(|c| store.layer_diff_dir(c)).collect())
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

pub(super) fn hash_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Args that are available without an ARG declaration in RUN (docker's
/// predefined proxy args) — only when given with `--build-arg`.
const PREDEFINED_ARGS: [&str; 8] =
    ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy"];

/// Paths the runtime creates as mount points; removed from RUN layers when
/// they were not in the image before.
pub(super) const MOUNT_STUBS: [&str; 9] =
    ["/proc", "/sys", "/dev/pts", "/dev/mqueue", "/dev/shm", "/dev", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"];

/// Per-stage variables: the ARGs in scope and whether CMD was set.
#[derive(Debug, Default)]
struct StageVars {
    args: Vec<(String, String)>,
    cmd_set: bool,
}

struct Builder<'a> {
    store: &'a Store,
    opts: &'a BuildOptions,
    out: &'a mut dyn Write,
    file: String,
    build_args: BTreeMap<String, String>,
    used_args: HashSet<String>,
    meta_args: Vec<(String, String)>,
    context: PathBuf,
    allowed: Option<HashSet<String>>,
    stage_results: HashMap<usize, State>,
    /// Expands words with bounded results (per word and per build).
    x: std::rc::Rc<config_change::Expander>,
    secrets: run_mount::Secrets,
    ssh: HashMap<String, PathBuf>,
    step_no: usize,
    step_total: usize,
    created: String,
}

/// Runs a build and returns the stored, tagged image. Step output goes to
/// `out` (RUN output goes to rcon's own stdout/stderr, silenced with `quiet`).
pub fn build(store: &Store, opts: &BuildOptions, out: &mut dyn Write) -> Result<ImageRecord> {
    let (text, file) = read_dockerfile(opts)?;
    let program = parse_program(&text, &file)?;
    for w in &program.dockerfile.warnings {
        if !opts.quiet {
            let _ = writeln!(out, "[WARNING]: {}", w.message);
        }
    }
    let mut build_args = BTreeMap::new();
    for a in &opts.build_args {
        match a.split_once('=') {
            Some((k, v)) => {
                build_args.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Ok(v) = std::env::var(a) {
                    build_args.insert(a.clone(), v);
                }
            }
        }
    }
    let created = match opts.timestamp {
        Some(t) => chrono::DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
    };
    let mut b = Builder {
        store,
        opts,
        out,
        file: file.clone(),
        build_args,
        used_args: HashSet::new(),
        meta_args: Vec::new(),
        context: opts.context.clone(),
        allowed: None,
        stage_results: HashMap::new(),
        x: std::rc::Rc::new(config_change::Expander::new(program.dockerfile.escape)),
        secrets: run_mount::Secrets::parse(&opts.secrets).map_err(BuildError::Image)?,
        ssh: run_mount::parse_ssh(&opts.ssh).map_err(BuildError::Image)?,
        step_no: 0,
        step_total: 0,
        created,
    };
    b.run(&program)
}

/// Where the Dockerfile is: `-f` as given (relative to the current
/// directory when it exists there, else to the context), else `Dockerfile`,
/// then `Containerfile`, in the context.
fn dockerfile_path(opts: &BuildOptions) -> PathBuf {
    match &opts.dockerfile {
        Some(p) if p.is_absolute() || p.exists() => p.clone(),
        Some(p) => opts.context.join(p),
        None => {
            let d = opts.context.join("Dockerfile");
            if d.exists() { d } else { opts.context.join("Containerfile") }
        }
    }
}

fn read_dockerfile(opts: &BuildOptions) -> Result<(String, String)> {
    if let Some(t) = &opts.dockerfile_text {
        return Ok((t.clone(), "Dockerfile".into()));
    }
    let path = dockerfile_path(opts);
    let text = std::fs::read(&path).map_err(|e| BuildError::Context { path: path.clone(), message: e.to_string() })?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "Dockerfile".into());
    Ok((String::from_utf8_lossy(&text).into_owned(), name))
}

/// The stages `target` needs (by index), in order.
fn needed_stages(program: &Program, target: usize) -> Vec<usize> {
    let find = |name: &str| -> Option<usize> {
        let lname = name.to_ascii_lowercase();
        program
            .stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lname.as_str()))
            .or_else(|| name.parse::<usize>().ok().filter(|i| *i < program.stages.len()))
    };
    let mut need = vec![false; program.stages.len()];
    let mut todo = vec![target];
    while let Some(i) = todo.pop() {
        if need[i] {
            continue;
        }
        need[i] = true;
        let s = &program.stages[i];
        let mut deps = Vec::new();
        if let Some(d) = find(&s.base).filter(|d| *d < i) {
            deps.push(d);
        }
        for st in &s.steps {
            if let Instruction::Copy(c) = &st.inst
                && let Some(from) = &c.from
                && let Some(d) = find(from).filter(|d| *d < i)
            {
                deps.push(d);
            }
            if let Instruction::Run(_, ro) = &st.inst {
                for m in &ro.mounts {
                    if let Some(from) = run_mount::from_of(m)
                        && let Some(d) = find(&from).filter(|d| *d < i)
                    {
                        deps.push(d);
                    }
                }
            }
        }
        todo.extend(deps);
    }
    (0..program.stages.len()).filter(|i| need[*i]).collect()
}

impl Builder<'_> {
    fn say(&mut self, s: impl AsRef<str>) {
        if !self.opts.quiet {
            let _ = writeln!(self.out, "{}", s.as_ref());
            let _ = self.out.flush();
        }
    }

    fn step_err(&self, step: &Step, message: impl Into<String>) -> BuildError {
        step_error(&self.file, step, message)
    }

    fn lex(&self) -> Lex {
        self.x.lex()
    }

    fn run(&mut self, program: &Program) -> Result<ImageRecord> {
        // Meta ARGs: defaults, overridden by --build-arg, expanded with the
        // previous ones, plus the automatic platform args.
        let platform = crate::image::host_platform();
        let (os, arch) = (platform.os().to_string(), platform.architecture().to_string());
        for (k, v) in [
            ("TARGETPLATFORM", format!("{os}/{arch}")),
            ("TARGETOS", os.clone()),
            ("TARGETARCH", arch.clone()),
            ("TARGETVARIANT", String::new()),
            ("BUILDPLATFORM", format!("{os}/{arch}")),
            ("BUILDOS", os.clone()),
            ("BUILDARCH", arch.clone()),
            ("BUILDVARIANT", String::new()),
        ] {
            self.meta_args.push((k.to_string(), v));
        }
        for step in &program.meta_args {
            let Instruction::Arg(args) = &step.inst else { continue };
            for (k, default) in args {
                let env: Vec<String> = self.meta_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let value = match self.build_args.get(k) {
                    Some(v) => Some(v.clone()),
                    None => match default {
                        Some(d) => {
                            Some(self.lex().process_word(d, &env).map_err(|e| self.step_err(step, e.to_string()))?)
                        }
                        None => None,
                    },
                };
                if self.build_args.contains_key(k) {
                    self.used_args.insert(k.clone());
                }
                self.meta_args.retain(|(n, _)| n != k);
                if let Some(v) = value {
                    self.meta_args.push((k.clone(), v));
                }
            }
        }
        let target = match &self.opts.target {
            Some(t) => program
                .stages
                .iter()
                .position(|s| s.name.as_deref() == Some(t.to_ascii_lowercase().as_str()))
                .ok_or_else(|| BuildError::NoTarget(t.clone()))?,
            None => program.stages.len() - 1,
        };
        let needed = needed_stages(program, target);
        self.step_total = needed.iter().map(|i| 1 + program.stages[*i].steps.len()).sum();
        let mut last = None;
        for &i in &needed {
            let state = self.run_stage(program, i)?;
            self.stage_results.insert(i, state.clone());
            last = Some(state);
        }
        let unused: Vec<&String> = self.build_args.keys().filter(|k| !self.used_args.contains(*k)).collect();
        if !unused.is_empty() && !self.opts.quiet {
            let list = unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
            let _ = writeln!(self.out, "[Warning] One or more build-args [{list}] were not consumed");
        }
        let mut state = last.expect("at least one stage");
        for l in &self.opts.labels {
            let (k, v) = l.split_once('=').unwrap_or((l.as_str(), ""));
            let labels = state.cfg().entry("Labels").or_insert_with(|| json!({}));
            if !labels.is_object() {
                *labels = json!({});
            }
            labels[k] = json!(v);
        }
        self.commit_image(state)
    }

    fn stage_index(&self, program: &Program, name: &str) -> Option<usize> {
        let lname = name.to_ascii_lowercase();
        program
            .stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lname.as_str()))
            .or_else(|| name.parse::<usize>().ok().filter(|i| *i < program.stages.len()))
    }

    fn run_stage(&mut self, program: &Program, idx: usize) -> Result<State> {
        let stage: &Stage = &program.stages[idx];
        self.step_no += 1;
        let header = format!("STEP {}/{}: {}", self.step_no, self.step_total, stage.from.node.original.trim());
        self.say(header);
        let meta_env: Vec<String> = self.meta_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let exp = self.lex().process(&stage.base, &meta_env).map_err(|e| self.step_err(&stage.from, e.to_string()))?;
        for m in &exp.matched {
            if self.build_args.contains_key(m) {
                self.used_args.insert(m.clone());
            }
        }
        let base = exp.result;
        let mut state = if base.eq_ignore_ascii_case("scratch") {
            scratch_state()
        } else if let Some(i) = self.stage_index(program, &base).filter(|i| *i < idx) {
            let mut s =
                self.stage_results.get(&i).cloned().ok_or_else(|| {
                    self.step_err(&stage.from, format!("stage {base} is not built before this stage"))
                })?;
            s.key = hash_hex(&["FROM-STAGE", &s.key]);
            s
        } else {
            self.image_state(&base, self.opts.pull).map_err(|e| self.step_err(&stage.from, e.to_string()))?
        };
        // docker and BuildKit give an image without PATH the default one.
        config_change::ensure_path(&mut state.config);
        let id = config_id(&state.config);
        self.say(format!("--> {}", &id.hex()[..12]));

        // Base image ONBUILD triggers run now; the new image starts without them.
        let triggers = strings(state.get("OnBuild"));
        if !triggers.is_empty() {
            state.cfg().remove("OnBuild");
        }
        let mut args = StageVars::default();
        for t in triggers {
            let src = format!("{t}\n");
            let df = crate::build::parser::parse(&src, "ONBUILD")?;
            for node in df.nodes {
                let inst = crate::build::instructions::check(&node)
                    .and_then(|i| match i {
                        Instruction::From { .. } | Instruction::Onbuild(_) | Instruction::Maintainer(_) => {
                            Err(format!("{} isn't allowed as an ONBUILD trigger", node.cmd.to_ascii_uppercase()))
                        }
                        i => Ok(i),
                    })
                    .map_err(|m| ParseError { file: "ONBUILD".into(), line: 1, message: m })?;
                let step = Step { inst, node };
                self.say(format!("ONBUILD {}", step.node.original.trim()));
                state = self.exec(program, &step, state, &mut args)?;
            }
        }
        for step in &stage.steps {
            self.step_no += 1;
            let header = format!("STEP {}/{}: {}", self.step_no, self.step_total, step.node.original.trim());
            self.say(header);
            state = self.exec(program, step, state, &mut args)?;
            // The step's cache key (hashing the whole config after every
            // step would make long Dockerfiles quadratic).
            let short = state.key.get(..12).unwrap_or(&state.key).to_string();
            self.say(format!("--> {short}"));
        }
        Ok(state)
    }

    /// The base image's state: its config and layers (pulled if missing).
    fn image_state(&mut self, name: &str, pull: bool) -> std::result::Result<State, String> {
        let policy = if pull { crate::container::PullPolicy::Always } else { crate::container::PullPolicy::Missing };
        let popts =
            crate::registry::PullOptions { quiet: self.opts.quiet, tls_verify: self.opts.tls_verify, stdout: false };
        let image = crate::container::resolve_image(self.store, name, policy, &popts)
            .map_err(|e| crate::util::error_chain(&e))?;
        state_of_image(self.store, &image)
    }

    /// Variables for expansion: ARGs in scope, overridden by ENV.
    fn expand_env(&self, state: &State, args: &[(String, String)]) -> Vec<String> {
        let mut env: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        env.extend(state.env());
        env
    }

    fn cache_path(&self, key: &str) -> PathBuf {
        self.store.root().join("build-cache").join(format!("{key}.json"))
    }

    /// The cached result of a step that makes a layer (RUN, COPY, ADD,
    /// WORKDIR of a new directory), when all its layers are still stored.
    fn cache_get(&mut self, key: &str) -> Option<State> {
        if self.opts.no_cache {
            return None;
        }
        let data = std::fs::read(self.cache_path(key)).ok()?;
        let state: State = serde_json::from_slice(&data).ok()?;
        if !state.config.is_object() {
            return None; // a marker of a metadata step
        }
        for c in state.chain_ids() {
            if !matches!(self.store.layer(&c), Ok(Some(_))) {
                return None;
            }
        }
        self.say("--> Using cache");
        Some(state)
    }

    fn write_cache(&self, state: &State) {
        let p = self.cache_path(&state.key);
        let Some(dir) = p.parent() else { return };
        let _ = std::fs::create_dir_all(dir);
        if let Ok(data) = serde_json::to_vec(state) {
            let _ = crate::util::write_atomic(&p, &data, 0o666, false);
        }
    }

    fn cache_put(&self, state: &State) {
        self.write_cache(state);
    }

    /// A metadata step (or ARG) whose result follows from `state.key`:
    /// the cache keeps only a small marker (the layers, to be pruned with
    /// them, and the step's time, so a cached rebuild gives the same image
    /// ID), never the whole config, so many such steps stay linear.
    /// Returns the step's `created` time.
    fn cache_mark(&mut self, state: &State) -> String {
        if !self.opts.no_cache
            && let Ok(data) = std::fs::read(self.cache_path(&state.key))
            && let Ok(m) = serde_json::from_slice::<State>(&data)
            && m.config.is_null()
            && m.chain_ids().iter().all(|c| matches!(self.store.layer(c), Ok(Some(_))))
            && let Some(created) = m.created
        {
            self.say("--> Using cache");
            return created;
        }
        let marker = State {
            config: Value::Null,
            layers: state.layers.clone(),
            key: state.key.clone(),
            created: Some(self.created.clone()),
        };
        self.write_cache(&marker);
        self.created.clone()
    }

    fn history(&self, state: &mut State, created_by: &str, empty: bool) {
        self.history_at(state, created_by, empty, self.created.clone());
    }

    fn history_at(&self, state: &mut State, created_by: &str, empty: bool, created: String) {
        let mut h = json!({"created": created, "created_by": created_by});
        if empty {
            h["empty_layer"] = json!(true);
        }
        config_change::config_mut(&mut state.config);
        let Some(root) = state.config.as_object_mut() else { return };
        let hist = root.entry("history").or_insert_with(|| json!([]));
        if !hist.is_array() {
            *hist = json!([]);
        }
        if let Some(a) = hist.as_array_mut() {
            a.push(h);
        }
    }

    /// Runs one instruction on `state`.
    fn exec(&mut self, program: &Program, step: &Step, mut state: State, vars: &mut StageVars) -> Result<State> {
        let inst_text = step.node.original.trim().to_string();
        match &step.inst {
            Instruction::Arg(list) => {
                for (k, default) in list {
                    let (k, value) = {
                        let env = config_change::scope(&state.config, &vars.args);
                        let word = |s: &str| self.x.word(s, &env).map_err(|e| self.step_err(step, e));
                        let k = word(k)?;
                        let value = if let Some(v) = self.build_args.get(&k) {
                            Some(v.clone())
                        } else if let Some(d) = default {
                            Some(word(d)?)
                        } else {
                            self.meta_args.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
                        };
                        (k, value)
                    };
                    if self.build_args.contains_key(&k) {
                        self.used_args.insert(k.clone());
                    }
                    vars.args.retain(|(n, _)| *n != k);
                    vars.args.push((k.clone(), value.clone().unwrap_or_default()));
                    state.key = hash_hex(&[&state.key, "ARG", &k, value.as_deref().unwrap_or("\0unset")]);
                }
                // ARG leaves no trace in the image, but is a cached step.
                self.cache_mark(&state);
                return Ok(state);
            }
            Instruction::Run(cmd, ropts) => {
                return self.run_step(program, step, state, cmd, ropts, &vars.args);
            }
            Instruction::Copy(spec) => return self.copy_step(program, step, state, spec, false, &vars.args),
            Instruction::Add(spec) => return self.copy_step(program, step, state, spec, true, &vars.args),
            Instruction::From { .. } => {
                return Err(self.step_err(step, "FROM isn't allowed here (only as the first instruction of a stage)"));
            }
            _ => {}
        }
        let change = config_change::expand(&state.config, &step.inst, &vars.args, &self.x)
            .map_err(|e| self.step_err(step, e))?
            .ok_or_else(|| self.step_err(step, "not a metadata instruction"))?;
        config_change::apply(&mut state.config, &change, &mut vars.cmd_set);
        if let config_change::Change::Workdir(wd) = &change {
            return self.workdir_step(step, state, wd);
        }
        // Metadata-only step: history without a layer. The key covers the
        // parent and the expanded change, not the whole config, so each
        // step costs the same however many came before it.
        let text = format!(
            "{} {}",
            step.node.cmd.to_ascii_uppercase(),
            inst_text.split_once(char::is_whitespace).map_or("", |x| x.1).trim()
        );
        state.key = hash_hex(&[&state.key, &text, &format!("{change:?}")]);
        let created = self.cache_mark(&state);
        self.history_at(&mut state, &text, true, created);
        Ok(state)
    }

    /// WORKDIR after its config change: a layer with the directory when the
    /// image lacks it.
    fn workdir_step(&mut self, step: &Step, mut state: State, wd: &str) -> Result<State> {
        let key = hash_hex(&[&state.key, "WORKDIR", wd]);
        let fs = state.fs(self.store);
        let resolved = fs.resolve(wd, true);
        if fs.lookup(&resolved).is_some() {
            state.key = key;
            let created = self.cache_mark(&state);
            self.history_at(&mut state, &format!("WORKDIR {wd}"), true, created);
            return Ok(state);
        }
        if let Some(s) = self.cache_get(&key) {
            return Ok(s);
        }
        state.key = key;
        let staging = self.store.layer_staging()?;
        let upper = staging.diff_dir();
        ensure_dirs(&upper, &fs, &resolved, None).map_err(|e| self.step_err(step, e))?;
        self.add_layer(&mut state, staging)?;
        self.history(&mut state, &format!("WORKDIR {wd}"), false);
        self.cache_put(&state);
        Ok(state)
    }

    /// Stores the staged layer (its directory must be in layer format) and
    /// appends it to `state`.
    fn add_layer(&self, state: &mut State, staging: crate::store::LayerStaging) -> Result<()> {
        let desc = commit_layer(self.store, staging, state.chain_ids().last(), self.opts.timestamp)?;
        state.layers.push(desc.clone());
        let root = state.config.as_object_mut().expect("object");
        let rootfs = root.entry("rootfs").or_insert_with(|| json!({"type": "layers", "diff_ids": []}));
        rootfs["type"] = json!("layers");
        let ids: Vec<String> = state.layers.iter().map(|l| l.diff_id.to_string()).collect();
        rootfs["diff_ids"] = json!(ids);
        Ok(())
    }

    fn commit_image(&mut self, state: State) -> Result<ImageRecord> {
        let record = store_image(self.store, state, &self.opts.tags, &self.created)?;
        for t in &record.repo_tags {
            let name = crate::image::inspect::familiar(t);
            crate::store::events::record(self.store, "image", "tag", &record.id.to_string(), &[("name", &name)]);
        }
        self.say(format!("Successfully built {}", &record.id.hex()[..12]));
        for t in &record.repo_tags {
            self.say(format!("Successfully tagged {t}"));
        }
        Ok(record)
    }
}

/// The state of a stored image: its config and layer descriptors (from its
/// manifest; a layer without one is described by its diff ID).
pub(super) fn state_of_image(store: &Store, image: &ImageRecord) -> std::result::Result<State, String> {
    let config: Value = serde_json::from_slice(&store.read_blob(&image.id).map_err(|e| e.to_string())?)
        .map_err(|e| format!("image {}: {e}", image.id))?;
    let descs = match store
        .read_blob(&image.manifest_digest)
        .ok()
        .and_then(|b| crate::image::parse_manifest(None, &b, &image.manifest_digest.to_string()).ok())
    {
        Some(crate::image::ManifestDoc::Image(m)) => m.layers().clone(),
        _ => Vec::new(),
    };
    let mut layers = Vec::new();
    for (i, diff_id) in image.diff_ids.iter().enumerate() {
        let d = descs.get(i);
        let digest = d.and_then(|d| crate::image::descriptor_digest(d).ok()).unwrap_or_else(|| diff_id.clone());
        let size = d.map_or(0, |d| d.size());
        let mt = d.map(|d| d.media_type().to_string()).unwrap_or_default();
        let media_type = if mt.contains("gzip") || mt.is_empty() {
            "application/vnd.oci.image.layer.v1.tar+gzip"
        } else if mt.contains("zstd") {
            "application/vnd.oci.image.layer.v1.tar+zstd"
        } else {
            "application/vnd.oci.image.layer.v1.tar"
        };
        layers.push(LayerDesc { diff_id: diff_id.clone(), digest, size, media_type: media_type.into() });
    }
    Ok(State { config, layers, key: hash_hex(&["FROM", &image.id.to_string()]), created: None })
}

/// Writes `state` as an image: config (its `created` is the last history
/// entry's, so a cached rebuild gives the same ID; `now` without history),
/// OCI manifest, and the image record tagged `tags`.
pub(super) fn store_image(store: &Store, mut state: State, tags: &[String], now: &str) -> Result<ImageRecord> {
    {
        let root = state.config.as_object_mut().expect("object");
        // The last step's time: a fully cached rebuild gives the same ID.
        let created = root
            .get("history")
            .and_then(Value::as_array)
            .and_then(|h| h.last())
            .and_then(|h| h.get("created"))
            .cloned()
            .unwrap_or_else(|| json!(now));
        root.insert("created".into(), created);
        root.insert("os".into(), json!("linux"));
        root.entry("architecture").or_insert(json!(crate::image::host_platform().architecture().to_string()));
        let ids: Vec<String> = state.layers.iter().map(|l| l.diff_id.to_string()).collect();
        root.insert("rootfs".into(), json!({"type": "layers", "diff_ids": ids}));
    }
    let config_bytes = serde_json::to_vec(&state.config).expect("json");
    let config_digest = store.put_blob(&config_bytes, None, "image config")?;
    use crate::image::{descriptor, media_type as mt};
    let manifest = crate::image::image_manifest(
        mt::OCI_MANIFEST,
        descriptor(mt::OCI_CONFIG, &config_digest, config_bytes.len() as u64),
        state.layers.iter().map(|l| descriptor(&l.media_type, &l.digest, l.size)).collect(),
    );
    let manifest_digest = store.put_blob(&crate::image::to_json(&manifest), None, "image manifest")?;
    let mut normalized = Vec::new();
    for t in tags {
        let r = crate::reference::Reference::parse(t).map_err(|e| BuildError::Image(e.to_string()))?;
        normalized.push(r.to_string());
    }
    let tags = normalized;
    let diff_ids: Vec<Digest> = state.layers.iter().map(|l| l.diff_id.clone()).collect();
    let mut size = 0;
    for c in Digest::chain_ids(&diff_ids) {
        if let Some(l) = store.layer(&c)? {
            size += l.size;
        }
    }
    let record = ImageRecord {
        id: config_digest.clone(),
        manifest_digest,
        repo_tags: tags.clone(),
        repo_digests: Vec::new(),
        diff_ids,
        size,
        created: state
            .config
            .get("created")
            .and_then(Value::as_str)
            .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
            .map(|d| d.with_timezone(&chrono::Utc)),
    };
    store.add_image(record.clone())?;
    Ok(record)
}

/// Deletes the build-cache entries (`<root>/build-cache/*.json`) whose
/// layers are no longer in the store: `rmi` calls it after deleting an
/// image, so the cache goes with the images that held it. Returns how many
/// entries were deleted.
pub fn prune_cache(store: &Store) -> usize {
    let dir = store.root().join("build-cache");
    let Ok(entries) = std::fs::read_dir(&dir) else { return 0 };
    let mut removed = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Some(state) = std::fs::read(&p).ok().and_then(|d| serde_json::from_slice::<State>(&d).ok()) else {
            continue;
        };
        if state.chain_ids().iter().any(|c| !matches!(store.layer(c), Ok(Some(_)))) && std::fs::remove_file(&p).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

fn step_error(file: &str, step: &Step, message: impl Into<String>) -> BuildError {
    BuildError::Step {
        file: file.to_string(),
        line: step.node.start_line,
        step: step.node.original.trim().to_string(),
        message: message.into(),
    }
}

fn scratch_state() -> State {
    State {
        config: json!({
            "architecture": crate::image::host_platform().architecture().to_string(),
            "os": "linux",
            "config": {"Env": [format!("PATH={}", crate::container::spec::DEFAULT_PATH)]},
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": [],
        }),
        layers: Vec::new(),
        key: hash_hex(&["FROM scratch"]),
        created: None,
    }
}

fn config_id(config: &Value) -> Digest {
    Digest::of(&serde_json::to_vec(config).unwrap_or_default())
}

/// Writes the staged layer directory as a gzip tar blob, computes its diff
/// ID, and moves the directory into the store as a layer.
pub(super) fn commit_layer(
    store: &Store,
    staging: crate::store::LayerStaging,
    parent: Option<&Digest>,
    epoch: Option<i64>,
) -> Result<LayerDesc> {
    let diff = staging.diff_dir();
    let mut bw = store.blob_writer()?;
    let gz = flate2::write::GzEncoder::new(&mut bw, flate2::Compression::fast());
    let mut sha = Sha256Writer::new(gz);
    let info = write_layer_tar(&diff, &mut sha, epoch)
        .map_err(|e| BuildError::Context { path: diff.clone(), message: e.to_string() })?;
    let (diff_id, _, gz) = sha.finish();
    gz.finish().map_err(|e| BuildError::Context { path: diff.clone(), message: e.to_string() })?;
    let digest = bw.commit(None, "layer")?;
    let size = std::fs::metadata(store.blob_path(&digest)).map(|m| m.len()).unwrap_or(0);
    let chain_id = Digest::chain(parent, &diff_id);
    staging.commit(&LayerInfo { chain_id, diff_id: diff_id.clone(), parent: parent.cloned(), size: info.size })?;
    Ok(LayerDesc { diff_id, digest, size, media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into() })
}
