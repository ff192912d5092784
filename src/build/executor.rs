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

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The Dockerfile does not parse (`Dockerfile:7: unknown instruction: COPPY`).
    #[error(transparent)]
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
    #[error(transparent)]
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
        for (k, v) in [
            ("TARGETPLATFORM", format!("{}/{}", platform.os, platform.architecture)),
            ("TARGETOS", platform.os.clone()),
            ("TARGETARCH", platform.architecture.clone()),
            ("TARGETVARIANT", String::new()),
            ("BUILDPLATFORM", format!("{}/{}", platform.os, platform.architecture)),
            ("BUILDOS", platform.os.clone()),
            ("BUILDARCH", platform.architecture.clone()),
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
        let image = crate::container::resolve_image(self.store, name, policy, &popts).map_err(|e| format!("{e:#}"))?;
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

    fn run_step(
        &mut self,
        program: &Program,
        step: &Step,
        mut state: State,
        cmd: &CmdLine,
        ropts: &RunOptions,
        args: &[(String, String)],
    ) -> Result<State> {
        let network = ropts.network.as_str();
        if !ropts.security.is_empty() && ropts.security != "sandbox" {
            return Err(self.step_err(step, format!("RUN --security={} is not supported by rcon", ropts.security)));
        }
        if !ropts.devices.is_empty() {
            return Err(self.step_err(step, "RUN --device is not supported by rcon"));
        }
        // --mount: parsed (values expanded), then their sources collected,
        // then the host side prepared (after the cache lookup).
        let mut mounts = Vec::new();
        {
            let env = config_change::scope(&state.config, args);
            let x = std::rc::Rc::clone(&self.x);
            let expand = |v: &str| x.word(v, &env);
            let mut n_ssh = 0;
            for m in &ropts.mounts {
                let parsed = run_mount::parse(m, &expand, n_ssh).map_err(|e| self.step_err(step, e))?;
                if matches!(parsed.kind, run_mount::Kind::Ssh { .. }) {
                    n_ssh += 1;
                }
                mounts.push(parsed);
            }
        }
        let mut sources: HashMap<Option<String>, (run_mount::Source, String)> = HashMap::new();
        for m in &mounts {
            let from = match &m.kind {
                run_mount::Kind::Bind { from, .. } => from.clone(),
                run_mount::Kind::Cache { from: Some(f), .. } => Some(f.clone()),
                _ => continue,
            };
            if sources.contains_key(&from) {
                continue;
            }
            let src = match &from {
                None => {
                    let allowed = self.context_allowed()?.clone();
                    (
                        run_mount::Source { fs: LayeredFs::new(vec![self.context.clone()]), filter: Some(allowed) },
                        String::new(),
                    )
                }
                Some(f) => {
                    let st =
                        match self.stage_index(program, f) {
                            Some(i) => self.stage_results.get(&i).cloned().ok_or_else(|| {
                                self.step_err(step, format!("stage {f} is not built before this step"))
                            })?,
                            None => self.image_state(f, false).map_err(|e| self.step_err(step, e))?,
                        };
                    (run_mount::Source { fs: st.fs(self.store), filter: None }, st.key.clone())
                }
            };
            sources.insert(from, src);
        }
        let mount_env = run_mount::Env {
            tmp: self.store.tmp_dir(),
            cache_root: self.store.root().join("build-cache-mounts"),
            secrets: &self.secrets,
            ssh: &self.ssh,
        };
        let prepared = run_mount::prepare(&mounts, &mount_env, &sources).map_err(|e| self.step_err(step, e))?;
        let mut argv = if cmd.prepend_shell {
            let mut v = state.shell();
            v.push(cmd.args.join(" "));
            v
        } else {
            cmd.args.clone()
        };
        // Heredocs: `RUN <<EOF` runs the document as the script; other
        // heredocs are passed through the shell's own heredoc support.
        if let Some(first) = cmd.files.first() {
            let line = cmd.args.join(" ");
            let is_script = line.trim().starts_with("<<") && cmd.files.len() == 1;
            let mut script = String::new();
            if is_script {
                script = first.effective_content();
                if !script.starts_with("#!") {
                    let mut v = state.shell();
                    v.push(script.clone());
                    argv = v;
                } else {
                    argv = vec!["/bin/sh".into(), "-c".into(), script.clone()];
                }
            } else {
                let mut s = line.clone();
                for h in &cmd.files {
                    s.push('\n');
                    s.push_str(&h.effective_content());
                    s.push_str(&h.name);
                }
                let mut v = state.shell();
                v.push(s);
                argv = v;
            }
            let _ = script;
        }
        let used_args: Vec<(String, String)> = args.to_vec();
        let mut predefined = Vec::new();
        for p in PREDEFINED_ARGS {
            if let Some(v) = self.build_args.get(p) {
                predefined.push((p.to_string(), v.clone()));
                self.used_args.insert(p.to_string());
            }
        }
        let net = self.opts.network.clone().filter(|_| network == "default").unwrap_or_else(|| network.to_string());
        let arg_text: Vec<String> = used_args.iter().chain(&predefined).map(|(k, v)| format!("{k}={v}")).collect();
        let key = hash_hex(&[&state.key, "RUN", &argv.join("\0"), &arg_text.join("\0"), &net, &prepared.key]);
        let display = argv.join(" ");
        if let Some(s) = self.cache_get(&key) {
            return Ok(s);
        }
        state.key = key;

        let staging = self.store.layer_staging()?;
        let base = staging.path().to_path_buf();
        let upper = staging.diff_dir();
        let work = base.join("work");
        let merged = base.join("merged");
        let empty = base.join("empty");
        for d in [&work, &merged, &empty] {
            std::fs::create_dir_all(d).map_err(|e| self.step_err(step, format!("{}: {e}", d.display())))?;
        }
        let hostname = crate::util::random_hex(6);
        let mut lowers: Vec<String> = state.chain_ids().iter().rev().map(Store::layer_relative_diff).collect();
        if lowers.is_empty() {
            lowers.push(empty.display().to_string());
        }
        // The image config the runtime sees: the stage's env plus ARGs.
        let mut env = state.env();
        for (k, v) in used_args.iter().chain(&predefined) {
            if !env.iter().any(|e| e.split_once('=').map(|x| x.0) == Some(k.as_str())) {
                env.push(format!("{k}={v}"));
            }
        }
        // Secrets as variables and SSH_AUTH_SOCK: this step only.
        for e in &prepared.env {
            let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
            config_change::set_env(&mut env, k, v);
        }
        let image_cfg = json!({
            "architecture": state.config.get("architecture").cloned().unwrap_or(json!("amd64")),
            "os": "linux",
            "config": {"Env": env, "WorkingDir": state.workdir()},
            "rootfs": {"type": "layers", "diff_ids": []},
        });
        let image_cfg: oci_spec::image::ImageConfiguration =
            serde_json::from_value(image_cfg).map_err(|e| self.step_err(step, e.to_string()))?;
        let run_opts = crate::container::RunOptions {
            command: argv.clone(),
            workdir: Some(state.workdir()),
            entrypoint: Some(String::new()),
            hostname: Some(hostname.clone()),
            pull: crate::container::PullPolicy::Never,
            pull_options: crate::registry::PullOptions { quiet: true, ..Default::default() },
            ..Default::default()
        };
        // The step runs as an intermediate container (docker's classic
        // builder does the same): its record holds the network endpoint and
        // the /etc files, and is removed after the step.
        let id = crate::util::random_hex(32);
        let box_dir = self.store.container_dir(&id);
        let etc = |name: &str| box_dir.join(name);
        let input = crate::container::spec::SpecInput {
            image: &image_cfg,
            opts: &run_opts,
            id: &id,
            rootfs: merged.clone(),
            etc_hostname: etc("hostname"),
            etc_hosts: etc("hosts"),
            etc_resolv_conf: etc("resolv.conf"),
            dockerenv: None,
        };
        let mut spec = crate::container::spec::build(&input).map_err(|e| self.step_err(step, format!("{e:#}")))?;
        if !prepared.mounts.is_empty() {
            let mut all = spec.mounts().clone().unwrap_or_default();
            all.extend(prepared.mounts.iter().cloned());
            spec.set_mounts(Some(all));
        }
        let net_opts = crate::network::NetworkOptions {
            network: Some(match net.as_str() {
                "default" => "bridge".to_string(),
                other => other.to_string(),
            }),
            ..Default::default()
        };
        let plan = net_opts.plan(self.store, &[]).map_err(|e| self.step_err(step, format!("--network: {e}")))?;
        crate::network::apply_to_spec(&plan, &mut spec);
        let record = crate::store::ContainerRecord {
            id: id.clone(),
            name: format!("rcon-build-{}", &id[..12]),
            image: String::new(),
            image_id: config_id(&state.config),
            layers: state.chain_ids(),
            created: chrono::Utc::now(),
            command: argv.clone(),
            auto_remove: true,
            spec: serde_json::to_value(&spec).unwrap_or_default(),
            user: state.user(),
            restart: String::new(),
            log_opts: Vec::new(),
            healthcheck: None,
            stop_signal: None,
            stop_timeout: None,
            labels: BTreeMap::new(),
            mounts: Vec::new(),
        };
        // Owned by this process: a sweep removes it if the build is killed.
        crate::container::cleanup::claim(self.store, &id)
            .map_err(|e| self.step_err(step, format!("{}: {e}", box_dir.display())))?;
        let guard = BuildBox { store: self.store, id: id.clone() };
        self.store.create_container(&record)?;
        std::fs::write(etc("hostname"), format!("{hostname}\n"))
            .map_err(|e| self.step_err(step, format!("{}: {e}", etc("hostname").display())))?;
        crate::network::prepare(self.store, &id, &record.name, &hostname, &plan)
            .map_err(|e| self.step_err(step, format!("network: {e}")))?;
        let spawn_opts = crate::runtime::SpawnOptions {
            rootfs: crate::runtime::RootfsSetup::Overlay {
                lower_base: self.store.layers_dir(),
                lowers,
                upper: upper.clone(),
                work: work.clone(),
            },
            user: state.user(),
            // The step dies with the build, as a foreground `run` does.
            pdeathsig: Some(nix::sys::signal::Signal::SIGKILL),
            on_created: {
                let (store, id) = (self.store.clone(), id.clone());
                Some(Box::new(move |pid| crate::network::attach(&store, &id, pid).map_err(|e| e.to_string())))
            },
            ..Default::default()
        };
        let _ = self.out.flush();
        let _ = std::io::stdout().flush();
        let silence = self.opts.quiet.then(silence_stdio);
        let result = crate::runtime::spawn(&spec, &spawn_opts).and_then(|p| {
            // Removed with the step's container if this build is killed.
            crate::container::cleanup::record_cgroups(self.store, &id, p.cgroup());
            p.wait()
        });
        drop(silence);
        drop(spawn_opts);
        drop(guard);
        let status = result.map_err(|e| self.step_err(step, e.to_string()))?;
        if status.code() != 0 {
            return Err(BuildError::RunFailed { command: display, code: status.code() });
        }
        let _ = std::fs::remove_dir_all(&work);
        let _ = std::fs::remove_dir_all(&merged);
        let _ = std::fs::remove_dir_all(&empty);
        let lower_fs = state.fs(self.store);
        let mut stubs: Vec<&str> = MOUNT_STUBS.to_vec();
        stubs.extend(prepared.targets.iter().map(String::as_str));
        remove_mount_stubs(&upper, &lower_fs, &stubs);
        drop(prepared);
        let is_empty = std::fs::read_dir(&upper).map(|mut d| d.next().is_none()).unwrap_or(true);
        let created_by = format!("RUN {display}");
        if is_empty {
            drop(staging);
            self.history(&mut state, &created_by, true);
        } else {
            self.add_layer(&mut state, staging)?;
            self.history(&mut state, &created_by, false);
        }
        self.cache_put(&state);
        Ok(state)
    }

    fn context_allowed(&mut self) -> Result<&HashSet<String>> {
        if self.allowed.is_none() {
            let ignore = std::fs::read_to_string(self.context.join(".dockerignore")).unwrap_or_default();
            // `<Dockerfile>.dockerignore` beside the Dockerfile wins over the
            // context's `.dockerignore`, wherever rcon runs from.
            let extra = (self.opts.dockerfile_text.is_none())
                .then(|| dockerfile_path(self.opts))
                .and_then(|d| std::fs::read_to_string(format!("{}.dockerignore", d.display())).ok());
            let patterns = dockerignore::read_patterns(extra.as_deref().unwrap_or(&ignore));
            let m = dockerignore::Matcher::new(&patterns).map_err(|e| BuildError::Context {
                path: self.context.join(".dockerignore"),
                message: e.to_string(),
            })?;
            let entries = dockerignore::walk(&self.context, &m)
                .map_err(|e| BuildError::Context { path: self.context.clone(), message: e.to_string() })?;
            self.allowed = Some(entries.into_iter().map(|e| e.rel).collect());
        }
        Ok(self.allowed.as_ref().expect("set"))
    }

    fn copy_step(
        &mut self,
        program: &Program,
        step: &Step,
        mut state: State,
        spec: &CopySpec,
        is_add: bool,
        args: &[(String, String)],
    ) -> Result<State> {
        let x = std::rc::Rc::clone(&self.x);
        let env = self.expand_env(&state, args);
        let file = self.file.clone();
        let word = |s: &str| x.word(s, &env).map_err(|e| step_error(&file, step, e));
        let mut sources = Vec::new();
        for s in &spec.sources {
            sources.push(word(s)?);
        }
        let dest_raw = word(&spec.dest)?;
        let chown = spec.chown.as_deref().map(word).transpose()?;
        let chmod = spec.chmod.as_deref().map(word).transpose()?;
        let from = spec.from.as_deref().map(word).transpose()?;
        let mode = chmod.as_deref().map(|m| Chmod::parse(m).map_err(|e| self.step_err(step, e))).transpose()?;
        let exclude = if spec.excludes.is_empty() {
            None
        } else {
            let mut pats = Vec::new();
            for e in &spec.excludes {
                pats.push(word(e)?);
            }
            Some(dockerignore::Matcher::new(&pats).map_err(|e| self.step_err(step, format!("--exclude: {e}")))?)
        };
        // The source filesystem.
        let (src_fs, filter, src_key) = match &from {
            Some(f) => {
                let st = match self.stage_index(program, f) {
                    Some(i) => self
                        .stage_results
                        .get(&i)
                        .cloned()
                        .ok_or_else(|| self.step_err(step, format!("stage {f} is not built before this step")))?,
                    None => self.image_state(f, false).map_err(|e| self.step_err(step, e))?,
                };
                (st.fs(self.store), None, st.key.clone())
            }
            None => {
                let allowed = self.context_allowed()?.clone();
                (LayeredFs::new(vec![self.context.clone()]), Some(allowed), String::new())
            }
        };
        let is_url = |s: &str| s.starts_with("http://") || s.starts_with("https://");
        let urls: Vec<String> = sources.iter().filter(|s| is_url(s)).cloned().collect();
        if !urls.is_empty() && (!is_add || from.is_some()) {
            return Err(self.step_err(step, "source can't be a URL for COPY"));
        }
        if spec.checksum.is_some() && (urls.len() != 1 || sources.len() != 1) {
            return Err(self.step_err(step, "checksum can't be specified for non-HTTP(S) sources"));
        }
        // URLs are downloaded first (into a directory removed after the
        // step); the client's threads are gone before any RUN forks.
        let downloads = TempDir::new(&self.store.tmp_dir(), "add").map_err(|e| self.step_err(step, e))?;
        let mut fetched = Vec::new();
        for u in &urls {
            let got = download(u, &downloads.0).map_err(|e| self.step_err(step, e))?;
            if let Some(c) = &spec.checksum {
                let want = c.strip_prefix("sha256:").ok_or_else(|| {
                    self.step_err(step, format!("unsupported digest algorithm in checksum {c:?} (sha256 only)"))
                })?;
                if !want.eq_ignore_ascii_case(&got.sha256) {
                    return Err(self.step_err(
                        step,
                        format!("digest mismatch for {u}: expected sha256:{want}, got sha256:{}", got.sha256),
                    ));
                }
            }
            fetched.push(got);
        }
        let mut matches: Vec<String> = Vec::new();
        // `--parents`: the part of each match's path kept under the
        // destination starts after this prefix (the source's `/./` pivot, else the root).
        let mut pivots: Vec<String> = Vec::new();
        for s in sources.iter().filter(|s| !is_url(s)) {
            let m = glob_sources(&src_fs, filter.as_ref(), s);
            if m.is_empty() {
                return Err(self.step_err(
                    step,
                    format!(
                        "failed to compute cache key: \"/{}\": not found",
                        dockerignore::clean_path(s).trim_start_matches('/')
                    ),
                ));
            }
            let pivot = match s.find("/./") {
                Some(i) if spec.parents => dockerignore::clean_path(&format!("/{}", &s[..i])),
                _ => "/".to_string(),
            };
            pivots.extend(std::iter::repeat_n(pivot, m.len()));
            matches.extend(m);
        }
        let wd = state.workdir();
        let dest = if dest_raw.starts_with('/') {
            dest_raw.clone()
        } else {
            format!("{}/{}", wd.trim_end_matches('/'), dest_raw)
        };
        let stage_fs = state.fs(self.store);
        let dest_is_dir_syntax = dest_raw.ends_with('/') || dest_raw == "." || dest_raw.ends_with("/.");
        let resolved_dest = stage_fs.resolve(&dockerignore::clean_path(&dest), true);
        let dest_exists_dir = stage_fs.lookup(&resolved_dest).is_some_and(|f| f.meta.is_dir());
        let n_items = matches.len() + spec.contents.len() + fetched.len();
        if n_items > 1 && !dest_is_dir_syntax && !dest_exists_dir {
            return Err(self.step_err(
                step,
                "When using COPY with more than one source file, the destination must be a directory and end with a /",
            ));
        }
        let into_dir = dest_is_dir_syntax || dest_exists_dir || n_items > 1 || spec.parents;
        // Owner.
        let (uid, gid) = match &chown {
            None => (0, 0),
            Some(c) => {
                let passwd = stage_fs.read("/etc/passwd").map(|b| String::from_utf8_lossy(&b).into_owned());
                let group = stage_fs.read("/etc/group").map(|b| String::from_utf8_lossy(&b).into_owned());
                let u = crate::runtime::user::resolve(c, passwd.as_deref(), group.as_deref())
                    .map_err(|e| self.step_err(step, e))?;
                (u.uid, u.gid)
            }
        };
        // The plan and its content hash.
        let mut plan: Vec<Item> = Vec::new();
        for (m, pivot) in matches.iter().zip(&pivots) {
            // A source that is a symlink is followed inside the context (or
            // stage): an absolute target is taken from the context's root,
            // as docker does; a dangling or looping link is "not found".
            let found = match src_fs.lookup(&src_fs.resolve(m, true)) {
                Some(f) if !f.meta.file_type().is_symlink() => f,
                _ => {
                    return Err(self.step_err(
                        step,
                        format!(
                            "failed to compute cache key: \"/{}\": not found (a symlink whose target is not in the {})",
                            m.trim_start_matches('/'),
                            if filter.is_some() { "build context" } else { "source image" }
                        ),
                    ));
                }
            };
            let base = if spec.parents {
                m.strip_prefix(pivot.as_str()).unwrap_or(m).trim_start_matches('/').to_string()
            } else {
                m.rsplit('/').next().unwrap_or(m).to_string()
            };
            if found.meta.is_dir() {
                let walk = PlanWalk { fs: &src_fs, filter: filter.as_ref(), exclude: exclude.as_ref() };
                let into = if spec.parents && !base.is_empty() {
                    format!("{}/{}", resolved_dest.trim_end_matches('/'), base)
                } else {
                    resolved_dest.clone()
                };
                walk.dir(&src_fs.resolve(m, true), "", &into, &mut plan);
            } else if exclude.as_ref().is_some_and(|x| x.matches(m.trim_start_matches('/'))) {
                continue;
            } else {
                let target = if into_dir {
                    format!("{}/{}", resolved_dest.trim_end_matches('/'), base)
                } else {
                    resolved_dest.clone()
                };
                let archive = is_add && filter.is_some() && archive_kind(&found.path).is_some();
                plan.push(Item {
                    dest: target,
                    src: Some(found.path),
                    meta_mode: found.meta.mode(),
                    kind: if archive { ItemKind::Archive } else { ItemKind::File },
                    mtime: found.meta.mtime(),
                    data: None,
                });
            }
        }
        for f in &fetched {
            let target = if into_dir {
                format!("{}/{}", resolved_dest.trim_end_matches('/'), f.name)
            } else {
                resolved_dest.clone()
            };
            // Docker gives downloaded files mode 0600 and the server's
            // Last-Modified time; they are never extracted.
            plan.push(Item {
                dest: target,
                src: Some(f.path.clone()),
                meta_mode: 0o100600,
                kind: ItemKind::File,
                mtime: f.mtime,
                data: None,
            });
        }
        for h in &spec.contents {
            let data = if h.expand { word(&h.content)? } else { h.content.clone() };
            let target = if into_dir {
                format!("{}/{}", resolved_dest.trim_end_matches('/'), h.name)
            } else {
                resolved_dest.clone()
            };
            plan.push(Item {
                dest: target,
                src: None,
                meta_mode: 0o100644,
                kind: ItemKind::File,
                mtime: 0,
                data: Some(data.into_bytes()),
            });
        }
        let mut h = Sha256::new();
        for it in &plan {
            h.update(it.dest.as_bytes());
            h.update([0]);
            h.update(it.meta_mode.to_le_bytes());
            h.update([it.kind as u8]);
            if let Some(d) = &it.data {
                h.update(d);
            } else if let Some(p) = &it.src {
                if it.kind == ItemKind::Symlink {
                    h.update(std::fs::read_link(p).unwrap_or_default().as_os_str().as_encoded_bytes());
                } else if it.kind != ItemKind::Dir {
                    let mut f =
                        std::fs::File::open(p).map_err(|e| self.step_err(step, format!("{}: {e}", p.display())))?;
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = std::io::Read::read(&mut f, &mut buf)
                            .map_err(|e| self.step_err(step, format!("{}: {e}", p.display())))?;
                        if n == 0 {
                            break;
                        }
                        h.update(&buf[..n]);
                    }
                }
            }
            h.update([0xff]);
        }
        let content = hex::encode(h.finalize());
        let what = if is_add { "ADD" } else { "COPY" };
        let key = hash_hex(&[&state.key, what, &content, &src_key, &format!("{uid}:{gid}:{mode:?}")]);
        if let Some(s) = self.cache_get(&key) {
            return Ok(s);
        }
        state.key = key;
        let staging = self.store.layer_staging()?;
        let upper = staging.diff_dir();
        let owner = (uid, gid);
        if into_dir {
            ensure_dirs(&upper, &stage_fs, &resolved_dest, Some(owner)).map_err(|e| self.step_err(step, e))?;
        }
        for it in &plan {
            let parent = it.dest.rsplit_once('/').map(|x| x.0).filter(|p| !p.is_empty()).unwrap_or("/");
            ensure_dirs(&upper, &stage_fs, parent, Some(owner)).map_err(|e| self.step_err(step, e))?;
            place(&upper, it, owner, mode.as_ref()).map_err(|e| self.step_err(step, e))?;
        }
        let single_file = matches.len() == 1
            && spec.contents.is_empty()
            && src_fs.lookup(&src_fs.resolve(&matches[0], true)).is_some_and(|f| !f.meta.is_dir());
        let kind = if single_file || (matches.is_empty() && spec.contents.len() == 1) {
            "file"
        } else if matches.len() == 1 && spec.contents.is_empty() {
            "dir"
        } else {
            "multi"
        };
        self.add_layer(&mut state, staging)?;
        self.history(&mut state, &format!("{what} {kind}:{content} in {dest}"), false);
        self.cache_put(&state);
        Ok(state)
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
    let manifest: Value = store
        .read_blob(&image.manifest_digest)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let descs = manifest.get("layers").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut layers = Vec::new();
    for (i, diff_id) in image.diff_ids.iter().enumerate() {
        let d = descs.get(i);
        let digest = d
            .and_then(|d| d.get("digest"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| diff_id.clone());
        let size = d.and_then(|d| d.get("size")).and_then(Value::as_u64).unwrap_or(0);
        let mt = d.and_then(|d| d.get("mediaType")).and_then(Value::as_str).unwrap_or("");
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
        root.entry("architecture").or_insert(json!(crate::image::host_platform().architecture));
        let ids: Vec<String> = state.layers.iter().map(|l| l.diff_id.to_string()).collect();
        root.insert("rootfs".into(), json!({"type": "layers", "diff_ids": ids}));
    }
    let config_bytes = serde_json::to_vec(&state.config).expect("json");
    let config_digest = store.put_blob(&config_bytes, None, "image config")?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest.to_string(), "size": config_bytes.len()},
        "layers": state.layers.iter().map(|l| json!({"mediaType": l.media_type, "digest": l.digest.to_string(), "size": l.size})).collect::<Vec<_>>(),
    });
    let manifest_digest = store.put_blob(&serde_json::to_vec(&manifest).expect("json"), None, "image manifest")?;
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
            "architecture": crate::image::host_platform().architecture,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    File = 1,
    Dir = 2,
    Symlink = 3,
    Archive = 4,
}

#[derive(Debug, Clone)]
struct Item {
    dest: String,
    src: Option<PathBuf>,
    meta_mode: u32,
    kind: ItemKind,
    mtime: i64,
    data: Option<Vec<u8>>,
}

fn archive_kind(p: &Path) -> Option<&'static str> {
    let mut buf = [0u8; 262];
    let mut f = std::fs::File::open(p).ok()?;
    let n = std::io::Read::read(&mut f, &mut buf).ok()?;
    let b = &buf[..n];
    if b.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if b.starts_with(b"BZh") {
        Some("bzip2")
    } else if b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if n >= 262 && &b[257..262] == b"ustar" {
        Some("tar")
    } else {
        None
    }
}

fn allowed(filter: Option<&HashSet<String>>, path: &str) -> bool {
    filter.is_none_or(|f| f.contains(path.trim_start_matches('/')))
}

/// Source paths matching `pattern` (wildcards per component, Go
/// `filepath.Match` rules) in `fs`, as clean absolute paths.
fn glob_sources(fs: &LayeredFs, filter: Option<&HashSet<String>>, pattern: &str) -> Vec<String> {
    let clean = dockerignore::clean_path(&format!("/{pattern}"));
    if clean == "/" {
        return vec!["/".into()];
    }
    let comps: Vec<&str> = clean.trim_start_matches('/').split('/').collect();
    let mut cur = vec![String::new()];
    for c in comps {
        let mut next = Vec::new();
        let wild = c.contains(['*', '?', '[']);
        for base in &cur {
            if wild {
                let m = dockerignore::Matcher::new(&[c]).ok();
                for name in fs.read_dir(if base.is_empty() { "/" } else { base }).into_keys() {
                    let n = name.to_string_lossy();
                    let p = format!("{base}/{n}");
                    if m.as_ref().is_some_and(|m| m.patterns()[0].as_str() == c && m.matches(&n)) && allowed(filter, &p)
                    {
                        next.push(p);
                    }
                }
            } else {
                let p = format!("{base}/{c}");
                if fs.lookup(&p).is_some() && allowed(filter, &p) {
                    next.push(p);
                }
            }
        }
        cur = next;
    }
    cur
}

/// What a directory source's walk needs: the source filesystem, the
/// context's `.dockerignore` filter, and `--exclude` patterns (matched
/// against paths relative to the source directory).
struct PlanWalk<'a> {
    fs: &'a LayeredFs,
    filter: Option<&'a HashSet<String>>,
    exclude: Option<&'a dockerignore::Matcher>,
}

impl PlanWalk<'_> {
    /// Plans the content of `src` (at `rel` below the source directory) into `dest`.
    fn dir(&self, src: &str, rel: &str, dest: &str, plan: &mut Vec<Item>) {
        plan_dir(self, src, rel, dest, plan)
    }
}

fn plan_dir(w: &PlanWalk, src: &str, rel: &str, dest: &str, plan: &mut Vec<Item>) {
    let (fs, filter) = (w.fs, w.filter);
    for (name, f) in fs.read_dir(src) {
        let n = name.to_string_lossy();
        let sp = format!("{}/{n}", src.trim_end_matches('/'));
        if !allowed(filter, &sp) {
            continue;
        }
        let rp = if rel.is_empty() { n.to_string() } else { format!("{rel}/{n}") };
        let excluded = w.exclude.is_some_and(|m| m.matches(&rp));
        let dp = format!("{}/{n}", dest.trim_end_matches('/'));
        let ft = f.meta.file_type();
        let kind = if ft.is_dir() {
            ItemKind::Dir
        } else if ft.is_symlink() {
            ItemKind::Symlink
        } else if ft.is_file() {
            ItemKind::File
        } else {
            continue;
        };
        if excluded && kind != ItemKind::Dir {
            continue;
        }
        let before = plan.len();
        if !excluded {
            plan.push(Item {
                dest: dp.clone(),
                src: Some(f.path.clone()),
                meta_mode: f.meta.mode(),
                kind,
                mtime: f.meta.mtime(),
                data: None,
            });
        }
        if kind == ItemKind::Dir {
            // An excluded directory is still walked: an exception (`!`)
            // may bring back something below it; its entry is planned only
            // when something below it is.
            plan_dir(w, &sp, &rp, &dp, plan);
            if excluded && plan.len() > before {
                plan.insert(
                    before,
                    Item {
                        dest: dp.clone(),
                        src: Some(f.path.clone()),
                        meta_mode: f.meta.mode(),
                        kind,
                        mtime: f.meta.mtime(),
                        data: None,
                    },
                );
            }
        }
    }
}

/// Creates the directories of `path` in `upper` that it lacks, copying
/// mode, owner and mtime from the image below when it has them (else 0755
/// with `owner`, default root).
fn ensure_dirs(
    upper: &Path,
    lower: &LayeredFs,
    path: &str,
    owner: Option<(u32, u32)>,
) -> std::result::Result<(), String> {
    let mut cur = String::new();
    for c in path.split('/').filter(|c| !c.is_empty()) {
        cur.push('/');
        cur.push_str(c);
        let at = upper.join(cur.trim_start_matches('/'));
        if at.symlink_metadata().is_ok() {
            continue;
        }
        std::fs::create_dir(&at).map_err(|e| format!("{}: {e}", at.display()))?;
        let (mode, uid, gid, mtime) = match lower.lookup(&cur) {
            Some(f) if f.meta.is_dir() => (f.meta.mode() & 0o7777, f.meta.uid(), f.meta.gid(), Some(f.meta.mtime())),
            _ => {
                let (u, g) = owner.unwrap_or((0, 0));
                (0o755, u, g, None)
            }
        };
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("{}: {e}", at.display()))?;
        std::os::unix::fs::lchown(&at, Some(uid), Some(gid)).map_err(|e| format!("{}: {e}", at.display()))?;
        if let Some(t) = mtime {
            let _ = set_mtime(&at, t);
        }
    }
    Ok(())
}

fn set_mtime(p: &Path, t: i64) -> std::io::Result<()> {
    use nix::sys::stat::{UtimensatFlags, utimensat};
    let ts = nix::sys::time::TimeSpec::new(t, 0);
    utimensat(nix::fcntl::AT_FDCWD, p, &ts, &ts, UtimensatFlags::NoFollowSymlink).map_err(std::io::Error::from)
}

/// Writes one planned item into the layer directory.
fn place(upper: &Path, it: &Item, owner: (u32, u32), chmod: Option<&Chmod>) -> std::result::Result<(), String> {
    let at = upper.join(it.dest.trim_start_matches('/'));
    let e = |x: std::io::Error| format!("{}: {x}", at.display());
    if let Ok(m) = at.symlink_metadata()
        && !(m.is_dir() && it.kind == ItemKind::Dir)
    {
        if m.is_dir() {
            std::fs::remove_dir_all(&at).map_err(e)?;
        } else {
            std::fs::remove_file(&at).map_err(e)?;
        }
    }
    match it.kind {
        ItemKind::Dir => {
            if at.symlink_metadata().is_err() {
                std::fs::create_dir(&at).map_err(e)?;
            }
        }
        ItemKind::Symlink => {
            let t = std::fs::read_link(it.src.as_ref().expect("src")).map_err(e)?;
            std::os::unix::fs::symlink(t, &at).map_err(e)?;
            std::os::unix::fs::lchown(&at, Some(owner.0), Some(owner.1)).map_err(e)?;
            return Ok(());
        }
        ItemKind::File => match (&it.data, &it.src) {
            (Some(d), _) => std::fs::write(&at, d).map_err(e)?,
            (None, Some(s)) => {
                std::fs::copy(s, &at).map_err(e)?;
            }
            _ => {}
        },
        ItemKind::Archive => {
            let src = it.src.as_ref().expect("src");
            std::fs::create_dir_all(&at).ok();
            let dir = at.parent().expect("parent").to_path_buf();
            // The archive is extracted into the destination directory, not
            // stored under its name.
            let _ = std::fs::remove_dir(&at);
            let f = std::fs::File::open(src).map_err(e)?;
            let label = format!("ADD {}", src.display());
            let r: std::result::Result<_, String> = match archive_kind(src) {
                Some("gzip") => crate::image::unpack::unpack(flate2::read::GzDecoder::new(f), &dir, &label)
                    .map_err(|x| x.to_string()),
                Some("tar") => crate::image::unpack::unpack(f, &dir, &label).map_err(|x| x.to_string()),
                Some("bzip2") => crate::image::unpack::unpack(
                    bzip2::read::MultiBzDecoder::new(std::io::BufReader::new(f)),
                    &dir,
                    &label,
                )
                .map_err(|x| x.to_string()),
                Some("xz") => {
                    // lzma-rs decodes xz into a writer: the tar goes to a
                    // scratch file beside the layer, then is unpacked.
                    let tmp = upper.with_file_name(format!("xz-{}", crate::util::random_hex(6)));
                    let r = (|| {
                        let mut out = std::fs::File::create(&tmp).map_err(|x| format!("{}: {x}", tmp.display()))?;
                        lzma_rs::xz_decompress(&mut std::io::BufReader::new(f), &mut out)
                            .map_err(|x| format!("{label}: xz: {x:?}"))?;
                        let t = std::fs::File::open(&tmp).map_err(|x| format!("{}: {x}", tmp.display()))?;
                        crate::image::unpack::unpack(std::io::BufReader::new(t), &dir, &label)
                            .map_err(|x| x.to_string())
                    })();
                    let _ = std::fs::remove_file(&tmp);
                    r
                }
                Some(k) => Err(format!("{label}: {k} archives are not supported")),
                None => Err(format!("{label}: not an archive")),
            };
            r?;
            return Ok(());
        }
    }
    let perm = match chmod {
        Some(m) => m.apply(it.meta_mode & 0o7777, it.kind == ItemKind::Dir),
        None => it.meta_mode & 0o7777,
    };
    std::fs::set_permissions(&at, std::fs::Permissions::from_mode(perm)).map_err(e)?;
    std::os::unix::fs::lchown(&at, Some(owner.0), Some(owner.1)).map_err(e)?;
    if it.mtime > 0 {
        let _ = set_mtime(&at, it.mtime);
    }
    Ok(())
}

/// `--chmod`: octal (`0755`) or symbolic (`u=rwx,g+x,o-w`, `+x`, `a=rX`).
#[derive(Debug, Clone, PartialEq)]
enum Chmod {
    Octal(u32),
    Symbolic(Vec<(u32, char, u32, bool)>),
}

impl Chmod {
    /// Parses the flag's value; errors quote it as BuildKit does.
    fn parse(s: &str) -> std::result::Result<Chmod, String> {
        let bad = || format!("invalid chmod parameter {s:?}");
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            let m = u32::from_str_radix(s, 8).map_err(|_| bad())?;
            return if m <= 0o7777 { Ok(Chmod::Octal(m)) } else { Err(bad()) };
        }
        // Each clause: who ([ugoa]*), then one or more op ([+-=]) + perms ([rwxXst]*).
        let mut out = Vec::new();
        for clause in s.split(',') {
            let mut chars = clause.chars().peekable();
            let mut who = 0u32;
            while let Some(&c) = chars.peek() {
                who |= match c {
                    'u' => 0o4700,
                    'g' => 0o2070,
                    'o' => 0o1007,
                    'a' => 0o7777,
                    _ => break,
                };
                chars.next();
            }
            let mut any = false;
            while let Some(op) = chars.next() {
                if !matches!(op, '+' | '-' | '=') {
                    return Err(bad());
                }
                let mut perms = 0u32;
                let mut cap_x = false;
                while let Some(&c) = chars.peek() {
                    match c {
                        'r' => perms |= 0o444,
                        'w' => perms |= 0o222,
                        'x' => perms |= 0o111,
                        'X' => cap_x = true,
                        's' => perms |= 0o6000,
                        't' => perms |= 0o1000,
                        _ => break,
                    }
                    chars.next();
                }
                out.push((who, op, perms, cap_x));
                any = true;
            }
            if !any {
                return Err(bad());
            }
        }
        Ok(Chmod::Symbolic(out))
    }

    /// The new permission bits of a file with `mode` (`is_dir` for `X`).
    /// Without a who, symbolic clauses apply to all (umask is not applied).
    fn apply(&self, mode: u32, is_dir: bool) -> u32 {
        match self {
            Chmod::Octal(m) => *m,
            Chmod::Symbolic(clauses) => {
                let mut m = mode & 0o7777;
                for &(who, op, perms, cap_x) in clauses {
                    let who = if who == 0 { 0o7777 } else { who };
                    let mut p = perms;
                    if cap_x && (is_dir || m & 0o111 != 0) {
                        p |= 0o111;
                    }
                    let p = p & who;
                    m = match op {
                        '+' => m | p,
                        '-' => m & !p,
                        _ => (m & !who) | p,
                    };
                }
                m
            }
        }
    }
}

/// A scratch directory removed (with its content) when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(parent: &Path, prefix: &str) -> std::result::Result<TempDir, String> {
        // `<prefix>-<pid>-<random>`: `Store::clean_tmp` removes it once this process is gone.
        let p = parent.join(format!("{prefix}-{}-{}", std::process::id(), crate::util::random_hex(8)));
        std::fs::create_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file ADD downloaded.
struct Fetched {
    /// Where it was saved.
    path: PathBuf,
    /// Its name: the last segment of the URL's path.
    name: String,
    /// Hex SHA-256 of its content.
    sha256: String,
    /// The server's Last-Modified (seconds since the epoch), else 0.
    mtime: i64,
}

/// Threads of this process (`/proc/self/stat` field 20); 1 when unknown.
fn thread_count() -> usize {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after.split_whitespace().nth(17).and_then(|n| n.parse().ok()).unwrap_or(1)
}

/// Downloads `url` into `dir` (ADD of a URL), hashing it on the way. The
/// HTTP client runs its own threads; they are joined before this returns
/// (docs/ARCHITECTURE.md hazard 1: later RUN steps fork), else it fails.
fn download(url: &str, dir: &Path) -> std::result::Result<Fetched, String> {
    let threads_before = thread_count();
    let name = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .splitn(4, '/')
        .nth(3)
        .and_then(|p| p.rsplit('/').find(|s| !s.is_empty()))
        .map(String::from)
        .ok_or_else(|| format!("cannot determine a file name from URL {url}"))?;
    let path = dir.join(format!("{}-{}", crate::util::random_hex(4), name));
    let (sha256, mtime) = {
        let client = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(600))
            .build()
            .map_err(|e| format!("{url}: {e}"))?;
        let mut resp = client.get(url).send().map_err(|e| format!("{url}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("failed to GET {url} with status {}", resp.status()));
        }
        let mtime = resp
            .headers()
            .get(reqwest::header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .map_or(0, |d| d.timestamp());
        let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut w = Sha256Writer::new(std::io::BufWriter::new(file));
        std::io::copy(&mut resp, &mut w).map_err(|e| format!("{url}: {e}"))?;
        let (digest, _, mut inner) = w.finish();
        inner.flush().map_err(|e| format!("{}: {e}", path.display()))?;
        (digest.hex().to_string(), mtime)
    };
    // Dropping the client joins its runtime thread; give the runtime's
    // blocking workers (name resolution) a moment to exit too.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while thread_count() > threads_before.max(1) {
        if std::time::Instant::now() > deadline {
            return Err(format!("{url}: the HTTP client's threads did not exit"));
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    Ok(Fetched { path, name, sha256, mtime })
}

/// The intermediate container of a RUN step: detached from its networks
/// and removed when dropped (also when the step fails).
struct BuildBox<'a> {
    store: &'a Store,
    id: String,
}

impl Drop for BuildBox<'_> {
    fn drop(&mut self) {
        if let Err(e) = crate::network::detach(self.store, &self.id) {
            crate::warn!("build container {}: network teardown: {e}", &self.id[..12]);
        }
        let _ = self.store.remove_container(&self.id);
        crate::container::cleanup::release(self.store, &self.id);
    }
}

/// Silences fds 1 and 2 while alive (for `-q`), restoring them on drop
/// (from the saved copies, when saving worked).
struct Silence(Option<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)>);

fn silence_stdio() -> Silence {
    use std::os::fd::AsFd;
    let saved = (|| {
        let out = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
        let err = std::io::stderr().as_fd().try_clone_to_owned().ok()?;
        let null = std::fs::OpenOptions::new().write(true).open("/dev/null").ok()?;
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
        Some((out, err))
    })();
    Silence(saved)
}

impl Drop for Silence {
    fn drop(&mut self) {
        if let Some((out, err)) = self.0.take() {
            let _ = nix::unistd::dup2_stdout(&out);
            let _ = nix::unistd::dup2_stderr(&err);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chmod_octal_and_symbolic() {
        assert_eq!(Chmod::parse("755").unwrap().apply(0o600, false), 0o755);
        assert_eq!(Chmod::parse("+x").unwrap().apply(0o644, false), 0o755);
        assert_eq!(Chmod::parse("u=rwx,g=rx,o=").unwrap().apply(0o666, false), 0o750);
        assert_eq!(Chmod::parse("go-w").unwrap().apply(0o666, false), 0o644);
        assert_eq!(Chmod::parse("a=rX").unwrap().apply(0o700, true), 0o555);
        assert_eq!(Chmod::parse("a=rX").unwrap().apply(0o600, false), 0o444);
        assert_eq!(Chmod::parse("u+s").unwrap().apply(0o755, false), 0o4755);
        assert!(Chmod::parse("u*x").is_err());
        assert!(Chmod::parse("99999").is_err());
    }
}
