//! The compose model: finds and reads the files, interpolates, checks every
//! key, normalizes short syntaxes into long ones, resolves `extends` and
//! `include`, merges several files and applies profiles (Compose
//! Specification: "Compose file", "Merge", "Extend", "Include",
//! "Profiles", "Interpolation").
//!
//! The normalized model keeps each service, network, volume, secret and
//! config as a YAML mapping in docker compose v2's normalized shape (the
//! shape `docker compose config` prints): ports, volumes, depends_on,
//! secrets in long syntax, environment and labels as maps, commands as
//! lists, relative paths made absolute, durations in Go's form. Nothing
//! here touches the store: an invalid file fails before anything is made.

use super::interpolate::{self, InterpolateError};
use serde_yaml_ng::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// File names looked up, in this order, when no `-f` is given.
pub const DEFAULT_FILES: [&str; 4] = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
/// Override files read after the default file, when present beside it.
pub const OVERRIDE_FILES: [&str; 4] =
    ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"];

/// An invalid compose model: the file, the line (0 when unknown), the key
/// path (`services.web.ports[0]`) and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ModelError {
    /// The file the key is in (empty when the error is about no file).
    pub file: String,
    /// 1-based line of the key, 0 when unknown.
    pub line: usize,
    /// The key's path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}", self.file)?;
            if self.line > 0 {
                write!(f, ":{}", self.line)?;
            }
            write!(f, ": ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

fn plain_err(message: impl Into<String>) -> ModelError {
    ModelError { file: String::new(), line: 0, path: String::new(), message: message.into() }
}

type Result<T> = std::result::Result<T, ModelError>;

/// What selects and shapes the project (the global `compose` flags).
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-f` files in order (empty: discovery from `cwd` upwards).
    pub files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--env-file` (replaces `.env` in the project directory).
    pub env_files: Vec<PathBuf>,
    /// `--profile`.
    pub profiles: Vec<String>,
    /// Services named on the command line: enabled whatever their profiles.
    pub enable_services: Vec<String>,
    /// The working directory files are found from.
    pub cwd: PathBuf,
    /// The process environment (wins over `.env`).
    pub environment: BTreeMap<String, String>,
}

/// A loaded, checked and normalized project.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The project name (`-p`, `COMPOSE_PROJECT_NAME`, `name:`, or the
    /// project directory's base name), normalized.
    pub name: String,
    /// The project directory (relative paths are resolved against it).
    pub working_dir: PathBuf,
    /// The files read, absolute.
    pub config_files: Vec<PathBuf>,
    /// Enabled services by name, normalized.
    pub services: BTreeMap<String, Mapping>,
    /// Services switched off by their profiles (names only matter).
    pub disabled: BTreeSet<String>,
    /// Top-level networks, normalized (`name` always set).
    pub networks: BTreeMap<String, Mapping>,
    /// Top-level volumes, normalized (`name` always set).
    pub volumes: BTreeMap<String, Mapping>,
    /// Top-level secrets.
    pub secrets: BTreeMap<String, Mapping>,
    /// Top-level configs.
    pub configs: BTreeMap<String, Mapping>,
    /// Warnings about keys that rcon accepts and ignores.
    pub warnings: Vec<String>,
    /// The interpolation environment (process environment over `.env`).
    pub environment: BTreeMap<String, String>,
}

// ---------------------------------------------------------------- paths

/// One step of a key path.
#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Idx(usize),
}

#[derive(Debug, Clone, Default)]
struct KeyPath(Vec<Seg>);

impl KeyPath {
    fn key(&self, k: &str) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    fn idx(&self, i: usize) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Seg::Idx(i));
        p
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Idx(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Finds the 1-based line of `path` in block-style YAML `text` (0 when it
/// cannot tell, e.g. in flow style). A heuristic over indentation: enough
/// to point a user at the key.
fn locate(text: &str, path: &KeyPath) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let significant = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    };
    // The block being searched: lines [start, end) with items deeper than `parent`.
    let (mut start, mut end, mut parent) = (0usize, lines.len(), -1i64);
    let mut found = 0;
    for seg in &path.0 {
        let mut hit = None;
        match seg {
            Seg::Key(k) => {
                let mut min: Option<usize> = None;
                for (i, l) in lines.iter().enumerate().take(end).skip(start) {
                    if !significant(l) {
                        continue;
                    }
                    let ind = indent(l) as i64;
                    let t = l.trim_start().trim_start_matches("- ");
                    let ind = ind + (l.trim_start().len() - t.len()) as i64;
                    if ind <= parent {
                        continue;
                    }
                    if min.is_some_and(|m| (ind as usize) > m) {
                        continue;
                    }
                    min = Some(ind as usize);
                    let bare = t.trim_start_matches(['"', '\'']);
                    if let Some(rest) = bare.strip_prefix(k.as_str())
                        && (rest.starts_with(':') || rest.starts_with("\":") || rest.starts_with("':"))
                    {
                        hit = Some((i, ind));
                        break;
                    }
                }
            }
            Seg::Idx(n) => {
                let mut count = 0;
                let mut item_indent = None;
                for (i, l) in lines.iter().enumerate().take(end).skip(start) {
                    if !significant(l) {
                        continue;
                    }
                    let ind = indent(l);
                    if (ind as i64) < parent + 1 && !l.trim_start().starts_with('-') {
                        continue;
                    }
                    if l.trim_start().starts_with('-') && item_indent.is_none_or(|x| x == ind) {
                        item_indent = Some(ind);
                        if count == *n {
                            hit = Some((i, ind as i64));
                            break;
                        }
                        count += 1;
                    }
                }
            }
        }
        let Some((line, ind)) = hit else { return found };
        found = line + 1;
        // The block ends at the next significant line indented no deeper.
        let mut e = lines.len();
        for (i, l) in lines.iter().enumerate().skip(line + 1) {
            if significant(l)
                && (indent(l) as i64) <= ind
                && !(matches!(seg, Seg::Key(_)) && l.trim_start().starts_with("- ") && (indent(l) as i64) == ind)
            {
                e = i;
                break;
            }
        }
        start = line;
        end = e.min(end);
        parent = ind;
        if matches!(seg, Seg::Idx(_)) {
            // Keys of the item start on the same line after `- `.
            parent = ind;
        }
    }
    found
}

/// One source file: its path, text and directory (relative paths in it are
/// resolved against `dir`).
struct Src {
    file: PathBuf,
    text: String,
    dir: PathBuf,
}

impl Src {
    fn err(&self, path: &KeyPath, message: impl Into<String>) -> ModelError {
        ModelError {
            file: self.file.display().to_string(),
            line: locate(&self.text, path),
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// Lexically cleans `p` (no `.`, `..` folded), joined to `base` when relative.
pub fn absolute(base: &Path, p: &str) -> PathBuf {
    let p = if let Some(rest) = p.strip_prefix("~/") {
        PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(rest)
    } else if p == "~" {
        PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------- scalars

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(x) => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn want_str(src: &Src, p: &KeyPath, v: &Value) -> Result<String> {
    scalar_string(v).ok_or_else(|| src.err(p, format!("must be a string, not {}", type_name(v))))
}

fn want_bool(src: &Src, p: &KeyPath, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(x) if matches!(x.as_str(), "true" | "True" | "TRUE" | "yes") => Ok(true),
        Value::String(x) if matches!(x.as_str(), "false" | "False" | "FALSE" | "no") => Ok(false),
        _ => Err(src.err(p, format!("must be a boolean, not {}", type_name(v)))),
    }
}

fn want_int(src: &Src, p: &KeyPath, v: &Value) -> Result<i64> {
    match v {
        Value::Number(n) if n.as_i64().is_some() => Ok(n.as_i64().expect("checked")),
        Value::String(x) if x.parse::<i64>().is_ok() => Ok(x.parse().expect("checked")),
        _ => Err(src.err(p, format!("must be an integer, not {}", type_name(v)))),
    }
}

fn want_float(src: &Src, p: &KeyPath, v: &Value) -> Result<f64> {
    match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(0.0)),
        Value::String(x) if x.parse::<f64>().is_ok() => Ok(x.parse().expect("checked")),
        _ => Err(src.err(p, format!("must be a number, not {}", type_name(v)))),
    }
}

fn want_map<'a>(src: &Src, p: &KeyPath, v: &'a Value) -> Result<&'a Mapping> {
    v.as_mapping().ok_or_else(|| src.err(p, format!("must be a mapping, not {}", type_name(v))))
}

/// A string, or a list of strings.
fn want_str_list(src: &Src, p: &KeyPath, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::Sequence(items) => items.iter().enumerate().map(|(i, x)| want_str(src, &p.idx(i), x)).collect(),
        Value::Null => Ok(Vec::new()),
        other => Ok(vec![want_str(src, p, other)?]),
    }
}

/// A list of strings only.
fn want_list(src: &Src, p: &KeyPath, v: &Value) -> Result<Vec<String>> {
    match v {
        Value::Sequence(items) => items.iter().enumerate().map(|(i, x)| want_str(src, &p.idx(i), x)).collect(),
        other => Err(src.err(p, format!("must be a list, not {}", type_name(other)))),
    }
}

fn str_seq(items: Vec<String>) -> Value {
    Value::Sequence(items.into_iter().map(Value::String).collect())
}

/// `KEY=VALUE` list or mapping into a mapping of string (or null) values.
/// `sep` is the list separator (`=`; `extra_hosts` also takes `:`).
fn want_kv(src: &Src, p: &KeyPath, v: &Value, null_for_bare: bool) -> Result<Mapping> {
    let mut out = Mapping::new();
    match v {
        Value::Sequence(items) => {
            for (i, x) in items.iter().enumerate() {
                let t = want_str(src, &p.idx(i), x)?;
                match t.split_once('=') {
                    Some((k, v)) => out.insert(s(k), s(v)),
                    None if null_for_bare => out.insert(s(t), Value::Null),
                    None => out.insert(s(t), s("")),
                };
            }
        }
        Value::Mapping(m) => {
            for (k, x) in m {
                let key = want_str(src, p, k)?;
                let val = match x {
                    Value::Null if null_for_bare => Value::Null,
                    Value::Null => s(""),
                    other => s(want_str(src, &p.key(&key), other)?),
                };
                out.insert(s(key), val);
            }
        }
        Value::Null => {}
        other => return Err(src.err(p, format!("must be a mapping or a list, not {}", type_name(other)))),
    }
    Ok(out)
}

/// A Go duration, normalized to Go's `Duration.String()`.
fn want_duration(src: &Src, p: &KeyPath, v: &Value) -> Result<String> {
    let t = want_str(src, p, v)?;
    let d = crate::units::parse_go_duration(&t).map_err(|e| src.err(p, e.to_string()))?;
    Ok(go_duration(d))
}

/// Formats a duration as Go's `time.Duration.String()` (`1m30s`, `500ms`, `0s`).
pub fn go_duration(d: std::time::Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", trim_frac(ns as f64 / 1e3));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", trim_frac(ns as f64 / 1e6));
    }
    let h = ns / 3_600_000_000_000;
    let m = (ns / 60_000_000_000) % 60;
    let sec = (ns % 60_000_000_000) as f64 / 1e9;
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{}s", trim_frac(sec)));
    out
}

fn trim_frac(x: f64) -> String {
    let t = format!("{x:.9}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    t.to_string()
}

/// docker byte sizes into a decimal byte count (compose's `UnitBytes`).
fn want_bytes(src: &Src, p: &KeyPath, v: &Value) -> Result<String> {
    let t = want_str(src, p, v)?;
    let b = crate::units::parse_size(&t).map_err(|e| src.err(p, e.to_string()))?;
    Ok(b.to_string())
}

// ---------------------------------------------------------------- services

/// How a service key is checked and normalized.
#[derive(Clone, Copy)]
enum K {
    Str,
    Bool,
    Int,
    Float,
    StrList,
    List,
    Bytes,
    Duration,
    Command,
    /// Handled by its own function.
    Special,
    /// Accepted, ignored with a warning (changes nothing on one host).
    Ignored,
    /// Would change behaviour and rcon does not do it: an error.
    Unsupported,
}

/// Every service key of the Compose Specification and how rcon treats it.
const SERVICE_KEYS: &[(&str, K)] = &[
    ("annotations", K::Ignored),
    ("attach", K::Bool),
    ("blkio_config", K::Unsupported),
    ("build", K::Special),
    ("cap_add", K::List),
    ("cap_drop", K::List),
    ("cgroup", K::Unsupported),
    ("cgroup_parent", K::Unsupported),
    ("command", K::Command),
    ("configs", K::Special),
    ("container_name", K::Str),
    ("cpu_count", K::Unsupported),
    ("cpu_percent", K::Unsupported),
    ("cpu_period", K::Unsupported),
    ("cpu_quota", K::Unsupported),
    ("cpu_rt_period", K::Unsupported),
    ("cpu_rt_runtime", K::Unsupported),
    ("cpu_shares", K::Int),
    ("cpus", K::Float),
    ("cpuset", K::Str),
    ("credential_spec", K::Ignored),
    ("depends_on", K::Special),
    ("deploy", K::Special),
    ("develop", K::Ignored),
    ("device_cgroup_rules", K::Unsupported),
    ("devices", K::List),
    ("dns", K::StrList),
    ("dns_opt", K::List),
    ("dns_search", K::StrList),
    ("domainname", K::Str),
    ("entrypoint", K::Command),
    ("env_file", K::Special),
    ("environment", K::Special),
    ("expose", K::Special),
    ("extends", K::Special),
    ("external_links", K::Ignored),
    ("extra_hosts", K::Special),
    ("gpus", K::Unsupported),
    ("group_add", K::List),
    ("healthcheck", K::Special),
    ("hostname", K::Str),
    ("image", K::Str),
    ("init", K::Bool),
    ("ipc", K::Str),
    ("isolation", K::Ignored),
    ("label_file", K::Unsupported),
    ("labels", K::Special),
    ("links", K::Ignored),
    ("logging", K::Special),
    ("mac_address", K::Unsupported),
    ("mem_limit", K::Bytes),
    ("mem_reservation", K::Bytes),
    ("mem_swappiness", K::Unsupported),
    ("memswap_limit", K::Bytes),
    ("models", K::Unsupported),
    ("network_mode", K::Str),
    ("networks", K::Special),
    ("oom_kill_disable", K::Unsupported),
    ("oom_score_adj", K::Unsupported),
    ("pid", K::Str),
    ("pids_limit", K::Int),
    ("platform", K::Ignored),
    ("ports", K::Special),
    ("post_start", K::Unsupported),
    ("pre_stop", K::Unsupported),
    ("privileged", K::Bool),
    ("profiles", K::List),
    ("provider", K::Unsupported),
    ("pull_policy", K::Str),
    ("read_only", K::Bool),
    ("restart", K::Str),
    ("runtime", K::Unsupported),
    ("scale", K::Int),
    ("secrets", K::Special),
    ("security_opt", K::List),
    ("shm_size", K::Bytes),
    ("stdin_open", K::Bool),
    ("stop_grace_period", K::Duration),
    ("stop_signal", K::Str),
    ("storage_opt", K::Unsupported),
    ("sysctls", K::Special),
    ("tmpfs", K::StrList),
    ("tty", K::Bool),
    ("ulimits", K::Special),
    ("use_api_socket", K::Unsupported),
    ("user", K::Str),
    ("userns_mode", K::Unsupported),
    ("uts", K::Str),
    ("volume_driver", K::Unsupported),
    ("volumes", K::Special),
    ("volumes_from", K::List),
    ("working_dir", K::Str),
];

/// Normalizes one service's raw mapping (without `extends`: the caller
/// resolves it). `src.dir` is the base of relative paths.
fn normalize_service(src: &Src, p: &KeyPath, raw: &Value, warnings: &mut Vec<String>) -> Result<Mapping> {
    let m = match raw {
        Value::Null => &Mapping::new(),
        v => want_map(src, p, v)?,
    };
    let mut out = Mapping::new();
    for (k, v) in m {
        let key = want_str(src, p, k)?;
        let kp = p.key(&key);
        if key.starts_with("x-") {
            out.insert(s(&key), v.clone());
            continue;
        }
        let Some((_, kind)) = SERVICE_KEYS.iter().find(|(n, _)| *n == key) else {
            return Err(src.err(&kp, format!("unknown key `{key}` (not in the Compose Specification)")));
        };
        if v.is_null() && !matches!(kind, K::Special) {
            continue;
        }
        let value = match kind {
            K::Str => s(want_str(src, &kp, v)?),
            K::Bool => Value::Bool(want_bool(src, &kp, v)?),
            K::Int => Value::from(want_int(src, &kp, v)?),
            K::Float => Value::from(want_float(src, &kp, v)?),
            K::StrList => str_seq(want_str_list(src, &kp, v)?),
            K::List => str_seq(want_list(src, &kp, v)?),
            K::Bytes => s(want_bytes(src, &kp, v)?),
            K::Duration => s(want_duration(src, &kp, v)?),
            K::Command => command(src, &kp, v)?,
            K::Ignored => {
                warnings.push(format!("{}: `{kp}` is not used by rcon and is ignored", src.file.display()));
                continue;
            }
            K::Unsupported => {
                return Err(
                    src.err(&kp, format!("`{key}` is not supported by rcon (it would change how the service runs)"))
                );
            }
            K::Special => match special(src, &kp, &key, v, warnings)? {
                Some(v) => v,
                None => continue,
            },
        };
        out.insert(s(key), value);
    }
    if let Some(Value::Sequence(env_files)) = out.get("env_file").cloned() {
        // The files' variables come first; `environment` wins over them.
        let mut env = Mapping::new();
        for (i, f) in env_files.iter().enumerate() {
            let path = f.get("path").and_then(Value::as_str).unwrap_or_default();
            let required = f.get("required").and_then(Value::as_bool).unwrap_or(true);
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(_) if !required => continue,
                Err(e) => return Err(src.err(&p.key("env_file").idx(i), format!("cannot read {path}: {e}"))),
            };
            let vars = interpolate::parse_env_file(&text, &BTreeMap::new())
                .map_err(|e| src.err(&p.key("env_file").idx(i), format!("{path}: {e}")))?;
            for (k, v) in vars {
                env.insert(s(k), s(v));
            }
        }
        if let Some(Value::Mapping(own)) = out.get("environment") {
            for (k, v) in own {
                env.insert(k.clone(), v.clone());
            }
        }
        if !env.is_empty() {
            out.insert(s("environment"), Value::Mapping(env));
        }
    }
    Ok(out)
}

/// `command`/`entrypoint`: a string is split as a POSIX shell would
/// (no expansion); a list is kept.
fn command(src: &Src, p: &KeyPath, v: &Value) -> Result<Value> {
    match v {
        Value::Sequence(_) => Ok(str_seq(want_list(src, p, v)?)),
        other => {
            let t = want_str(src, p, other)?;
            let words = shlex::split(&t).ok_or_else(|| src.err(p, format!("unbalanced quotes in {t:?}")))?;
            Ok(str_seq(words))
        }
    }
}

fn special(src: &Src, p: &KeyPath, key: &str, v: &Value, warnings: &mut Vec<String>) -> Result<Option<Value>> {
    Ok(Some(match key {
        "build" => build(src, p, v, warnings)?,
        "environment" => Value::Mapping(want_kv(src, p, v, true)?),
        "labels" | "sysctls" => Value::Mapping(want_kv(src, p, v, false)?),
        "env_file" => {
            let mut out = Vec::new();
            let items = match v {
                Value::Sequence(items) => items.clone(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            };
            for (i, item) in items.iter().enumerate() {
                let ip = p.idx(i);
                let (path, required) = match item {
                    Value::Mapping(m) => {
                        let path = m.get("path").ok_or_else(|| src.err(&ip, "`path` is required"))?;
                        let req = m.get("required").map(|r| want_bool(src, &ip.key("required"), r)).transpose()?;
                        for k in m.keys() {
                            let k = want_str(src, &ip, k)?;
                            if !matches!(k.as_str(), "path" | "required" | "format") {
                                return Err(src.err(&ip.key(&k), format!("unknown key `{k}`")));
                            }
                        }
                        (want_str(src, &ip.key("path"), path)?, req.unwrap_or(true))
                    }
                    other => (want_str(src, &ip, other)?, true),
                };
                let mut e = Mapping::new();
                e.insert(s("path"), s(absolute(&src.dir, &path).display().to_string()));
                e.insert(s("required"), Value::Bool(required));
                out.push(Value::Mapping(e));
            }
            Value::Sequence(out)
        }
        "expose" => {
            let items = match v {
                Value::Sequence(items) => items.clone(),
                other => return Err(src.err(p, format!("must be a list, not {}", type_name(other)))),
            };
            str_seq(items.iter().enumerate().map(|(i, x)| want_str(src, &p.idx(i), x)).collect::<Result<_>>()?)
        }
        "extra_hosts" => {
            let mut out = Vec::new();
            match v {
                Value::Mapping(m) => {
                    for (k, x) in m {
                        let host = want_str(src, p, k)?;
                        for ip in want_str_list(src, &p.key(&host), x)? {
                            out.push(format!("{host}={ip}"));
                        }
                    }
                }
                other => {
                    for (i, e) in want_list(src, p, other)?.into_iter().enumerate() {
                        let (h, ip) = e
                            .split_once('=')
                            .or_else(|| e.split_once(':'))
                            .ok_or_else(|| src.err(&p.idx(i), format!("invalid host entry {e:?}: use HOST=IP")))?;
                        out.push(format!("{h}={ip}"));
                    }
                }
            }
            str_seq(out)
        }
        "ports" => {
            let items = match v {
                Value::Sequence(items) => items,
                other => return Err(src.err(p, format!("must be a list, not {}", type_name(other)))),
            };
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                out.extend(port(src, &p.idx(i), item)?);
            }
            Value::Sequence(out)
        }
        "volumes" => {
            let items = match v {
                Value::Sequence(items) => items,
                other => return Err(src.err(p, format!("must be a list, not {}", type_name(other)))),
            };
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                out.push(volume_mount(src, &p.idx(i), item)?);
            }
            Value::Sequence(out)
        }
        "networks" => {
            let mut out = Mapping::new();
            match v {
                Value::Sequence(items) => {
                    for (i, x) in items.iter().enumerate() {
                        out.insert(s(want_str(src, &p.idx(i), x)?), Value::Null);
                    }
                }
                Value::Mapping(m) => {
                    for (k, x) in m {
                        let name = want_str(src, p, k)?;
                        let np = p.key(&name);
                        let entry = match x {
                            Value::Null => Value::Null,
                            x => {
                                let mut e = Mapping::new();
                                for (ek, ev) in want_map(src, &np, x)? {
                                    let ek = want_str(src, &np, ek)?;
                                    let ep = np.key(&ek);
                                    let val = match ek.as_str() {
                                        "aliases" => str_seq(want_list(src, &ep, ev)?),
                                        "ipv4_address" => s(want_str(src, &ep, ev)?),
                                        "priority" | "gw_priority" => {
                                            warnings.push(format!("{}: `{ep}` is ignored by rcon", src.file.display()));
                                            continue;
                                        }
                                        "ipv6_address" | "link_local_ips" | "mac_address" | "driver_opts"
                                        | "interface_name" => {
                                            return Err(src.err(&ep, format!("`{ek}` is not supported by rcon")));
                                        }
                                        _ => return Err(src.err(&ep, format!("unknown key `{ek}`"))),
                                    };
                                    e.insert(s(ek), val);
                                }
                                Value::Mapping(e)
                            }
                        };
                        out.insert(s(name), entry);
                    }
                }
                Value::Null => {}
                other => return Err(src.err(p, format!("must be a list or a mapping, not {}", type_name(other)))),
            }
            Value::Mapping(out)
        }
        "depends_on" => {
            let mut out = Mapping::new();
            match v {
                Value::Sequence(items) => {
                    for (i, x) in items.iter().enumerate() {
                        out.insert(s(want_str(src, &p.idx(i), x)?), dependency(None, false, true));
                    }
                }
                Value::Mapping(m) => {
                    for (k, x) in m {
                        let name = want_str(src, p, k)?;
                        let dp = p.key(&name);
                        let (mut cond, mut restart, mut required) = (None, false, true);
                        if !x.is_null() {
                            for (ek, ev) in want_map(src, &dp, x)? {
                                let ek = want_str(src, &dp, ek)?;
                                let ep = dp.key(&ek);
                                match ek.as_str() {
                                    "condition" => {
                                        let c = want_str(src, &ep, ev)?;
                                        if !matches!(
                                            c.as_str(),
                                            "service_started" | "service_healthy" | "service_completed_successfully"
                                        ) {
                                            return Err(src.err(&ep, format!("unknown condition {c:?}: use service_started, service_healthy or service_completed_successfully")));
                                        }
                                        cond = Some(c);
                                    }
                                    "restart" => restart = want_bool(src, &ep, ev)?,
                                    "required" => required = want_bool(src, &ep, ev)?,
                                    _ => return Err(src.err(&ep, format!("unknown key `{ek}`"))),
                                }
                            }
                        }
                        out.insert(s(name), dependency(cond, restart, required));
                    }
                }
                other => return Err(src.err(p, format!("must be a list or a mapping, not {}", type_name(other)))),
            }
            Value::Mapping(out)
        }
        "healthcheck" => {
            let mut out = Mapping::new();
            for (k, x) in want_map(src, p, v)? {
                let k = want_str(src, p, k)?;
                let kp = p.key(&k);
                let val = match k.as_str() {
                    "test" => match x {
                        Value::Sequence(_) => str_seq(want_list(src, &kp, x)?),
                        other => str_seq(vec!["CMD-SHELL".into(), want_str(src, &kp, other)?]),
                    },
                    "interval" | "timeout" | "start_period" | "start_interval" => s(want_duration(src, &kp, x)?),
                    "retries" => Value::from(want_int(src, &kp, x)?),
                    "disable" => Value::Bool(want_bool(src, &kp, x)?),
                    _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
                };
                out.insert(s(k), val);
            }
            Value::Mapping(out)
        }
        "deploy" => deploy(src, p, v, warnings)?,
        "logging" => {
            let mut out = Mapping::new();
            for (k, x) in want_map(src, p, v)? {
                let k = want_str(src, p, k)?;
                let kp = p.key(&k);
                match k.as_str() {
                    "driver" => {
                        let d = want_str(src, &kp, x)?;
                        if !matches!(d.as_str(), "json-file" | "local" | "k8s-file") {
                            return Err(
                                src.err(&kp, format!("log driver {d:?} is not supported by rcon (json-file only)"))
                            );
                        }
                        out.insert(s(k), s(d));
                    }
                    "options" => {
                        out.insert(s(k), Value::Mapping(want_kv(src, &kp, x, false)?));
                    }
                    _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
                }
            }
            Value::Mapping(out)
        }
        "ulimits" => {
            let mut out = Mapping::new();
            for (k, x) in want_map(src, p, v)? {
                let name = want_str(src, p, k)?;
                let up = p.key(&name);
                let val = match x {
                    Value::Mapping(m) => {
                        let mut e = Mapping::new();
                        for key in ["soft", "hard"] {
                            let n = m.get(key).ok_or_else(|| src.err(&up, format!("`{key}` is required")))?;
                            e.insert(s(key), Value::from(want_int(src, &up.key(key), n)?));
                        }
                        Value::Mapping(e)
                    }
                    other => Value::from(want_int(src, &up, other)?),
                };
                out.insert(s(name), val);
            }
            Value::Mapping(out)
        }
        "secrets" | "configs" => {
            let items = match v {
                Value::Sequence(items) => items,
                other => return Err(src.err(p, format!("must be a list, not {}", type_name(other)))),
            };
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let ip = p.idx(i);
                let mut e = Mapping::new();
                match item {
                    Value::Mapping(m) => {
                        for (k, x) in m {
                            let k = want_str(src, &ip, k)?;
                            let kp = ip.key(&k);
                            match k.as_str() {
                                "source" | "target" | "uid" | "gid" => {
                                    e.insert(s(k), s(want_str(src, &kp, x)?));
                                }
                                "mode" => {
                                    let mode = match x {
                                        Value::Number(_) => want_int(src, &kp, x)?,
                                        other => i64::from_str_radix(&want_str(src, &kp, other)?, 8)
                                            .map_err(|_| src.err(&kp, "must be an octal mode"))?,
                                    };
                                    e.insert(s(k), s(format!("0{mode:o}")));
                                }
                                _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
                            }
                        }
                        if !e.contains_key("source") {
                            return Err(src.err(&ip, "`source` is required"));
                        }
                    }
                    other => {
                        e.insert(s("source"), s(want_str(src, &ip, other)?));
                    }
                }
                if key == "secrets" && !e.contains_key("target") {
                    let t = format!("/run/secrets/{}", e["source"].as_str().unwrap_or_default());
                    e.insert(s("target"), s(t));
                }
                out.push(Value::Mapping(e));
            }
            Value::Sequence(out)
        }
        "extends" => return Ok(None),
        _ => unreachable!("a Special key without a handler: {key}"),
    }))
}

fn dependency(cond: Option<String>, restart: bool, required: bool) -> Value {
    let mut e = Mapping::new();
    e.insert(s("condition"), s(cond.unwrap_or_else(|| "service_started".into())));
    if restart {
        e.insert(s("restart"), Value::Bool(true));
    }
    e.insert(s("required"), Value::Bool(required));
    Value::Mapping(e)
}

fn build(src: &Src, p: &KeyPath, v: &Value, warnings: &mut Vec<String>) -> Result<Value> {
    let mut out = Mapping::new();
    let mut context = ".".to_string();
    let mut dockerfile = None;
    match v {
        Value::Mapping(m) => {
            for (k, x) in m {
                let k = want_str(src, p, k)?;
                let kp = p.key(&k);
                match k.as_str() {
                    "context" => context = want_str(src, &kp, x)?,
                    "dockerfile" => dockerfile = Some(want_str(src, &kp, x)?),
                    "dockerfile_inline" | "target" | "network" => {
                        out.insert(s(k), s(want_str(src, &kp, x)?));
                    }
                    "args" => {
                        out.insert(s(k), Value::Mapping(want_kv(src, &kp, x, true)?));
                    }
                    "labels" => {
                        out.insert(s(k), Value::Mapping(want_kv(src, &kp, x, false)?));
                    }
                    "no_cache" | "pull" => {
                        out.insert(s(k), Value::Bool(want_bool(src, &kp, x)?));
                    }
                    "cache_from" | "cache_to" | "platforms" | "provenance" | "sbom" | "isolation" => {
                        warnings.push(format!("{}: `{kp}` is ignored by rcon's builder", src.file.display()));
                    }
                    "tags" => {
                        out.insert(s(k), str_seq(want_str_list(src, &kp, x)?));
                    }
                    "ssh"
                    | "secrets"
                    | "additional_contexts"
                    | "extra_hosts"
                    | "shm_size"
                    | "ulimits"
                    | "privileged"
                    | "entitlements"
                    | "no_cache_filter" => {
                        return Err(src.err(&kp, format!("`build.{k}` is not supported by rcon")));
                    }
                    _ if k.starts_with("x-") => {}
                    _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
                }
            }
        }
        other => context = want_str(src, p, other)?,
    }
    let remote = context.contains("://") || context.starts_with("git@");
    if remote {
        return Err(src.err(&p.key("context"), "a remote build context is not supported by rcon"));
    }
    let mut full = Mapping::new();
    full.insert(s("context"), s(absolute(&src.dir, &context).display().to_string()));
    if !out.contains_key("dockerfile_inline") {
        full.insert(s("dockerfile"), s(dockerfile.unwrap_or_else(|| "Dockerfile".into())));
    }
    for (k, v) in out {
        full.insert(k, v);
    }
    Ok(Value::Mapping(full))
}

fn deploy(src: &Src, p: &KeyPath, v: &Value, warnings: &mut Vec<String>) -> Result<Value> {
    let mut out = Mapping::new();
    let mut ignored =
        |kp: &KeyPath| warnings.push(format!("{}: `{kp}` changes nothing on one host; ignored", src.file.display()));
    for (k, x) in want_map(src, p, v)? {
        let k = want_str(src, p, k)?;
        let kp = p.key(&k);
        match k.as_str() {
            "replicas" => {
                out.insert(s(k), Value::from(want_int(src, &kp, x)?));
            }
            "mode" => {
                let m = want_str(src, &kp, x)?;
                if m != "replicated" {
                    ignored(&kp);
                }
                out.insert(s(k), s(m));
            }
            "resources" => {
                let mut res = Mapping::new();
                for (rk, rv) in want_map(src, &kp, x)? {
                    let rk = want_str(src, &kp, rk)?;
                    let rp = kp.key(&rk);
                    match rk.as_str() {
                        "limits" => {
                            let mut lim = Mapping::new();
                            for (lk, lv) in want_map(src, &rp, rv)? {
                                let lk = want_str(src, &rp, lk)?;
                                let lp = rp.key(&lk);
                                let val = match lk.as_str() {
                                    "cpus" => Value::from(want_float(src, &lp, lv)?),
                                    "memory" => s(want_bytes(src, &lp, lv)?),
                                    "pids" => Value::from(want_int(src, &lp, lv)?),
                                    "devices" | "generic_resources" => {
                                        return Err(src.err(&lp, format!("`{lk}` is not supported by rcon")));
                                    }
                                    _ => return Err(src.err(&lp, format!("unknown key `{lk}`"))),
                                };
                                lim.insert(s(lk), val);
                            }
                            res.insert(s(rk), Value::Mapping(lim));
                        }
                        "reservations" => ignored(&rp),
                        _ => return Err(src.err(&rp, format!("unknown key `{rk}`"))),
                    }
                }
                out.insert(s(k), Value::Mapping(res));
            }
            "restart_policy" => {
                let mut rp = Mapping::new();
                for (rk, rv) in want_map(src, &kp, x)? {
                    let rk = want_str(src, &kp, rk)?;
                    let ep = kp.key(&rk);
                    match rk.as_str() {
                        "condition" => {
                            let c = want_str(src, &ep, rv)?;
                            if !matches!(c.as_str(), "none" | "on-failure" | "any") {
                                return Err(
                                    src.err(&ep, format!("unknown condition {c:?}: use none, on-failure or any"))
                                );
                            }
                            rp.insert(s(rk), s(c));
                        }
                        "max_attempts" => {
                            rp.insert(s(rk), Value::from(want_int(src, &ep, rv)?));
                        }
                        "delay" | "window" => {
                            ignored(&ep);
                        }
                        _ => return Err(src.err(&ep, format!("unknown key `{rk}`"))),
                    }
                }
                out.insert(s(k), Value::Mapping(rp));
            }
            "placement" | "update_config" | "rollback_config" | "endpoint_mode" | "labels" => ignored(&kp),
            _ if k.starts_with("x-") => {}
            _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
        }
    }
    Ok(Value::Mapping(out))
}

/// One `ports` entry into long-syntax entries (a range gives several).
fn port(src: &Src, p: &KeyPath, v: &Value) -> Result<Vec<Value>> {
    let entry = |target: u32, published: Option<String>, host_ip: Option<String>, protocol: String| {
        let mut e = Mapping::new();
        e.insert(s("mode"), s("ingress"));
        if let Some(ip) = host_ip {
            e.insert(s("host_ip"), s(ip));
        }
        e.insert(s("target"), Value::from(target));
        if let Some(pb) = published {
            e.insert(s("published"), s(pb));
        }
        e.insert(s("protocol"), s(protocol));
        Value::Mapping(e)
    };
    match v {
        Value::Mapping(m) => {
            let mut target = None;
            let (mut published, mut host_ip, mut protocol, mut mode) =
                (None, None, "tcp".to_string(), "ingress".to_string());
            let mut extra = Mapping::new();
            for (k, x) in m {
                let k = want_str(src, p, k)?;
                let kp = p.key(&k);
                match k.as_str() {
                    "target" => {
                        target =
                            Some(u32::try_from(want_int(src, &kp, x)?).map_err(|_| src.err(&kp, "port out of range"))?)
                    }
                    "published" => published = Some(want_str(src, &kp, x)?),
                    "host_ip" => host_ip = Some(want_str(src, &kp, x)?),
                    "protocol" => protocol = want_str(src, &kp, x)?.to_lowercase(),
                    "mode" => mode = want_str(src, &kp, x)?,
                    "name" | "app_protocol" => {
                        extra.insert(s(k), s(want_str(src, &kp, x)?));
                    }
                    _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
                }
            }
            let target = target.ok_or_else(|| src.err(p, "`target` is required"))?;
            let Value::Mapping(mut e) = entry(target, published, host_ip, protocol) else { unreachable!() };
            e.insert(s("mode"), s(mode));
            // Struct order: name first, app_protocol last.
            let mut full = Mapping::new();
            if let Some(n) = extra.get("name") {
                full.insert(s("name"), n.clone());
            }
            full.extend(e);
            if let Some(a) = extra.get("app_protocol") {
                full.insert(s("app_protocol"), a.clone());
            }
            Ok(vec![Value::Mapping(full)])
        }
        other => {
            let t = want_str(src, p, other)?;
            let bad = || src.err(p, format!("invalid port {t:?}: use [[IP:]HOST:]CONTAINER[/PROTOCOL]"));
            let (spec, protocol) = match t.rsplit_once('/') {
                Some((a, b)) => (a.to_string(), b.to_lowercase()),
                None => (t.clone(), "tcp".into()),
            };
            // IPv6 host addresses come in brackets: [::1]:80:80.
            let (host_ip, rest) = if let Some(r) = spec.strip_prefix('[') {
                let (ip, r) = r.split_once("]:").ok_or_else(bad)?;
                (Some(ip.to_string()), r.to_string())
            } else {
                let parts: Vec<&str> = spec.split(':').collect();
                match parts.len() {
                    3 => (Some(parts[0].to_string()).filter(|x| !x.is_empty()), format!("{}:{}", parts[1], parts[2])),
                    1 | 2 => (None, spec.clone()),
                    _ => return Err(bad()),
                }
            };
            let (published, target) = match rest.split_once(':') {
                Some((a, b)) => (Some(a.to_string()).filter(|x| !x.is_empty()), b.to_string()),
                None => (None, rest.clone()),
            };
            let range = |r: &str| -> Result<(u32, u32)> {
                let (a, b) = r.split_once('-').unwrap_or((r, r));
                let a: u32 = a.parse().map_err(|_| bad())?;
                let b: u32 = b.parse().map_err(|_| bad())?;
                if a == 0 || b < a || b > 65535 {
                    return Err(bad());
                }
                Ok((a, b))
            };
            let (t0, t1) = range(&target)?;
            let pubr = published.as_deref().map(range).transpose()?;
            let mut out = Vec::new();
            for (i, tp) in (t0..=t1).enumerate() {
                let pb = match pubr {
                    None => None,
                    Some((p0, p1)) if p1 - p0 == t1 - t0 => Some((p0 + i as u32).to_string()),
                    // A host range for one container port: docker picks one of them.
                    Some((p0, p1)) if t0 == t1 => Some(format!("{p0}-{p1}")),
                    Some(_) => return Err(bad()),
                };
                out.push(entry(tp, pb, host_ip.clone(), protocol.clone()));
            }
            Ok(out)
        }
    }
}

/// One service `volumes` entry into long syntax.
fn volume_mount(src: &Src, p: &KeyPath, v: &Value) -> Result<Value> {
    let mut e = Mapping::new();
    match v {
        Value::Mapping(m) => {
            let ty =
                m.get("type").map(|t| want_str(src, &p.key("type"), t)).transpose()?.unwrap_or_else(|| "volume".into());
            if !matches!(ty.as_str(), "bind" | "volume" | "tmpfs") {
                return Err(src.err(
                    &p.key("type"),
                    format!("volume type {ty:?} is not supported by rcon (bind, volume, tmpfs)"),
                ));
            }
            e.insert(s("type"), s(&ty));
            for (k, x) in m {
                let k = want_str(src, p, k)?;
                let kp = p.key(&k);
                match k.as_str() {
                    "type" => {}
                    "source" => {
                        let src_s = want_str(src, &kp, x)?;
                        let val = if ty == "bind" { absolute(&src.dir, &src_s).display().to_string() } else { src_s };
                        e.insert(s(k), s(val));
                    }
                    "target" => {
                        e.insert(s(k), s(want_str(src, &kp, x)?));
                    }
                    "read_only" => {
                        if want_bool(src, &kp, x)? {
                            e.insert(s(k), Value::Bool(true));
                        }
                    }
                    "consistency" => {}
                    "bind" => {
                        let mut b = Mapping::new();
                        for (bk, bv) in want_map(src, &kp, x)? {
                            let bk = want_str(src, &kp, bk)?;
                            let bp = kp.key(&bk);
                            match bk.as_str() {
                                "propagation" | "selinux" => {
                                    b.insert(s(bk), s(want_str(src, &bp, bv)?));
                                }
                                "create_host_path" => {
                                    b.insert(s(bk), Value::Bool(want_bool(src, &bp, bv)?));
                                }
                                _ => return Err(src.err(&bp, format!("unknown key `{bk}`"))),
                            }
                        }
                        if !b.contains_key("create_host_path") {
                            b.insert(s("create_host_path"), Value::Bool(true));
                        }
                        e.insert(s(k), Value::Mapping(b));
                    }
                    "volume" => {
                        let mut b = Mapping::new();
                        for (bk, bv) in want_map(src, &kp, x)? {
                            let bk = want_str(src, &kp, bk)?;
                            let bp = kp.key(&bk);
                            match bk.as_str() {
                                "nocopy" => {
                                    b.insert(s(bk), Value::Bool(want_bool(src, &bp, bv)?));
                                }
                                "subpath" => return Err(src.err(&bp, "`volume.subpath` is not supported by rcon")),
                                _ => return Err(src.err(&bp, format!("unknown key `{bk}`"))),
                            }
                        }
                        e.insert(s(k), Value::Mapping(b));
                    }
                    "tmpfs" => {
                        let mut b = Mapping::new();
                        for (bk, bv) in want_map(src, &kp, x)? {
                            let bk = want_str(src, &kp, bk)?;
                            let bp = kp.key(&bk);
                            match bk.as_str() {
                                "size" => {
                                    b.insert(s(bk), Value::from(want_bytes(src, &bp, bv)?.parse::<u64>().unwrap_or(0)));
                                }
                                "mode" => {
                                    b.insert(s(bk), Value::from(want_int(src, &bp, bv)?));
                                }
                                _ => return Err(src.err(&bp, format!("unknown key `{bk}`"))),
                            }
                        }
                        e.insert(s(k), Value::Mapping(b));
                    }
                    _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
                }
            }
            if !e.contains_key("target") {
                return Err(src.err(p, "`target` is required"));
            }
            if ty == "bind" && !e.contains_key("source") {
                return Err(src.err(p, "`source` is required for a bind mount"));
            }
            if ty == "bind" && !e.contains_key("bind") {
                // docker compose marks a long-syntax bind like a short one.
            }
        }
        other => {
            let t = want_str(src, p, other)?;
            let parts: Vec<&str> = t.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [target] => (None, *target, None),
                [a, b] if b.starts_with('/') => (Some(*a), *b, None),
                [a, b] => (None, *a, Some(*b)),
                [a, b, c] => (Some(*a), *b, Some(*c)),
                _ => return Err(src.err(p, format!("invalid volume {t:?}: use [SOURCE:]TARGET[:MODE]"))),
            };
            let is_bind = source.is_some_and(|x| x.starts_with(['/', '.', '~']));
            let ty = match source {
                None => "volume",
                Some(_) if is_bind => "bind",
                Some(_) => "volume",
            };
            e.insert(s("type"), s(ty));
            if let Some(x) = source {
                let v = if is_bind { absolute(&src.dir, x).display().to_string() } else { x.to_string() };
                e.insert(s("source"), s(v));
            }
            e.insert(s("target"), s(target));
            let opts: Vec<&str> = mode.map(|m| m.split(',').collect()).unwrap_or_default();
            for o in &opts {
                if !matches!(
                    *o,
                    "ro" | "rw"
                        | "z"
                        | "Z"
                        | "nocopy"
                        | "shared"
                        | "rshared"
                        | "slave"
                        | "rslave"
                        | "private"
                        | "rprivate"
                ) {
                    return Err(src.err(p, format!("invalid volume mode {o:?}")));
                }
            }
            if opts.contains(&"ro") {
                e.insert(s("read_only"), Value::Bool(true));
            }
            if ty == "bind" {
                let mut b = Mapping::new();
                if let Some(pr) =
                    opts.iter().find(|o| o.contains("shared") || o.contains("slave") || o.contains("private"))
                {
                    b.insert(s("propagation"), s(*pr));
                }
                b.insert(s("create_host_path"), Value::Bool(true));
                if let Some(z) = opts.iter().find(|o| matches!(**o, "z" | "Z")) {
                    b.insert(s("selinux"), s(*z));
                }
                e.insert(s("bind"), Value::Mapping(b));
            } else {
                let mut b = Mapping::new();
                if opts.contains(&"nocopy") {
                    b.insert(s("nocopy"), Value::Bool(true));
                }
                e.insert(s("volume"), Value::Mapping(b));
            }
        }
    }
    Ok(Value::Mapping(e))
}

// ---------------------------------------------------------------- top level

const TOP_KEYS: &[&str] = &["version", "name", "services", "networks", "volumes", "secrets", "configs", "include"];

/// One file's normalized content.
#[derive(Default)]
struct FileModel {
    name: Option<String>,
    services: BTreeMap<String, Mapping>,
    /// Where each service is defined: (file, text) for locating errors later.
    origins: BTreeMap<String, (PathBuf, String)>,
    networks: BTreeMap<String, Mapping>,
    volumes: BTreeMap<String, Mapping>,
    secrets: BTreeMap<String, Mapping>,
    configs: BTreeMap<String, Mapping>,
}

fn read_src(file: &Path, dir: &Path) -> Result<Src> {
    let text = std::fs::read_to_string(file).map_err(|e| plain_err(format!("cannot read {}: {e}", file.display())))?;
    Ok(Src { file: file.to_path_buf(), text, dir: dir.to_path_buf() })
}

/// Parses and interpolates a file's document.
fn parse_doc(src: &Src, env: &BTreeMap<String, String>) -> Result<Mapping> {
    let doc: Value = serde_yaml_ng::from_str(&src.text).map_err(|e| ModelError {
        file: src.file.display().to_string(),
        line: e.location().map(|l| l.line()).unwrap_or(0),
        path: String::new(),
        message: format!("invalid YAML: {e}"),
    })?;
    let doc = match doc {
        Value::Null => Value::Mapping(Mapping::new()),
        d => d,
    };
    let doc = interpolate_value(src, &KeyPath::default(), &doc, env)?;
    match doc {
        Value::Mapping(m) => Ok(m),
        other => Err(src.err(&KeyPath::default(), format!("the file must be a mapping, not {}", type_name(&other)))),
    }
}

fn interpolate_value(src: &Src, p: &KeyPath, v: &Value, env: &BTreeMap<String, String>) -> Result<Value> {
    Ok(match v {
        Value::String(t) => {
            Value::String(interpolate::interpolate(t, env).map_err(|e: InterpolateError| src.err(p, e.to_string()))?)
        }
        Value::Sequence(items) => Value::Sequence(
            items.iter().enumerate().map(|(i, x)| interpolate_value(src, &p.idx(i), x, env)).collect::<Result<_>>()?,
        ),
        Value::Mapping(m) => {
            let mut out = Mapping::new();
            for (k, x) in m {
                let key = scalar_string(k).unwrap_or_default();
                // Extension fields (`x-…`) are not interpolated by compose either.
                let val = if key.starts_with("x-") { x.clone() } else { interpolate_value(src, &p.key(&key), x, env)? };
                out.insert(k.clone(), val);
            }
            Value::Mapping(out)
        }
        Value::Tagged(t) => {
            return Err(src.err(p, format!("the YAML tag {} is not supported by rcon", t.tag)));
        }
        other => other.clone(),
    })
}

/// Reads one file (and what it includes) into its normalized model.
fn load_file(
    file: &Path,
    dir: &Path,
    env: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
    seen: &mut Vec<PathBuf>,
) -> Result<FileModel> {
    if seen.contains(&file.to_path_buf()) {
        return Err(plain_err(format!("{}: include cycle", file.display())));
    }
    seen.push(file.to_path_buf());
    let src = read_src(file, dir)?;
    let doc = parse_doc(&src, env)?;
    let root = KeyPath::default();
    let mut fm = FileModel::default();
    for (k, _) in &doc {
        let k = want_str(&src, &root, k)?;
        if !TOP_KEYS.contains(&k.as_str()) && !k.starts_with("x-") {
            return Err(src.err(&root.key(&k), format!("unknown top-level key `{k}`")));
        }
    }
    if doc.contains_key("version") {
        warnings.push(format!("{}: the attribute `version` is obsolete, it will be ignored", file.display()));
    }
    if let Some(n) = doc.get("name") {
        fm.name = Some(want_str(&src, &root.key("name"), n)?);
    }
    // include: each file is a model of its own (its own directory), merged in.
    if let Some(inc) = doc.get("include") {
        let ip = root.key("include");
        let items = match inc {
            Value::Sequence(items) => items.clone(),
            other => return Err(src.err(&ip, format!("must be a list, not {}", type_name(other)))),
        };
        for (i, item) in items.iter().enumerate() {
            let ep = ip.idx(i);
            let (paths, pdir, env_files) = match item {
                Value::Mapping(m) => {
                    let paths = want_str_list(
                        &src,
                        &ep.key("path"),
                        m.get("path").ok_or_else(|| src.err(&ep, "`path` is required"))?,
                    )?;
                    let pdir = m
                        .get("project_directory")
                        .map(|d| want_str(&src, &ep.key("project_directory"), d))
                        .transpose()?;
                    let envf = m
                        .get("env_file")
                        .map(|d| want_str_list(&src, &ep.key("env_file"), d))
                        .transpose()?
                        .unwrap_or_default();
                    (paths, pdir, envf)
                }
                other => (vec![want_str(&src, &ep, other)?], None, Vec::new()),
            };
            let first = absolute(dir, &paths[0]);
            let idir = match pdir {
                Some(d) => absolute(dir, &d),
                None => first.parent().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf()),
            };
            let mut ienv = env.clone();
            let env_paths: Vec<PathBuf> = if env_files.is_empty() {
                vec![idir.join(".env")]
            } else {
                env_files.iter().map(|f| absolute(dir, f)).collect()
            };
            for f in env_paths {
                if let Ok(text) = std::fs::read_to_string(&f) {
                    for (k, v) in interpolate::parse_env_file(&text, env)
                        .map_err(|e| src.err(&ep, format!("{}: {e}", f.display())))?
                    {
                        ienv.entry(k).or_insert(v);
                    }
                }
            }
            let mut merged = FileModel::default();
            for path in &paths {
                let f = absolute(dir, path);
                let m = load_file(&f, &idir, &ienv, warnings, seen)?;
                merge_into(&mut merged, m);
            }
            for (name, svc) in merged.services {
                if doc.get("services").and_then(|s| s.get(&name)).is_some() || fm.services.contains_key(&name) {
                    return Err(src.err(
                        &ep,
                        format!("services.{name} conflicts with the service of the same name in the included file"),
                    ));
                }
                fm.origins.insert(name.clone(), merged.origins[&name].clone());
                fm.services.insert(name, svc);
            }
            fm.networks.extend(merged.networks);
            fm.volumes.extend(merged.volumes);
            fm.secrets.extend(merged.secrets);
            fm.configs.extend(merged.configs);
        }
    }
    if let Some(services) = doc.get("services") {
        let sp = root.key("services");
        let raw = match services {
            Value::Null => Mapping::new(),
            v => want_map(&src, &sp, v)?.clone(),
        };
        for (k, _) in &raw {
            let name = want_str(&src, &sp, k)?;
            let svc = resolve_extends(&src, &raw, &name, env, warnings, &mut Vec::new())?;
            fm.origins.insert(name.clone(), (src.file.clone(), src.text.clone()));
            fm.services.insert(name, svc);
        }
    }
    for (key, target) in [("networks", &mut fm.networks), ("volumes", &mut fm.volumes)] {
        if let Some(v) = doc.get(key) {
            let kp = root.key(key);
            let m = match v {
                Value::Null => Mapping::new(),
                v => want_map(&src, &kp, v)?.clone(),
            };
            for (k, x) in &m {
                let name = want_str(&src, &kp, k)?;
                target.insert(name.clone(), resource(&src, &kp.key(&name), key, x, warnings)?);
            }
        }
    }
    for (key, target) in [("secrets", &mut fm.secrets), ("configs", &mut fm.configs)] {
        if let Some(v) = doc.get(key) {
            let kp = root.key(key);
            for (k, x) in want_map(&src, &kp, v)? {
                let name = want_str(&src, &kp, k)?;
                let ep = kp.key(&name);
                let mut e = Mapping::new();
                for (fk, fv) in want_map(&src, &ep, x)? {
                    let fk = want_str(&src, &ep, fk)?;
                    let fp = ep.key(&fk);
                    match fk.as_str() {
                        "file" => {
                            e.insert(s("file"), s(absolute(dir, &want_str(&src, &fp, fv)?).display().to_string()));
                        }
                        "name" => {
                            e.insert(s("name"), s(want_str(&src, &fp, fv)?));
                        }
                        "environment" | "content" if key == "configs" || fk == "environment" => {
                            e.insert(s(fk), s(want_str(&src, &fp, fv)?));
                        }
                        "external" => {
                            return Err(src.err(&fp, format!("external {key} are not supported by rcon (Swarm only)")));
                        }
                        "labels" | "driver" | "driver_opts" | "template_driver" => {
                            warnings.push(format!("{}: `{fp}` is ignored by rcon", file.display()));
                        }
                        _ => return Err(src.err(&fp, format!("unknown key `{fk}`"))),
                    }
                }
                if !e.contains_key("file") && !e.contains_key("environment") && !e.contains_key("content") {
                    return Err(src.err(&ep, "give `file` (or `environment`)"));
                }
                target.insert(name, e);
            }
        }
    }
    seen.pop();
    Ok(fm)
}

/// A top-level network or volume.
fn resource(src: &Src, p: &KeyPath, kind: &str, v: &Value, warnings: &mut Vec<String>) -> Result<Mapping> {
    let mut out = Mapping::new();
    let m = match v {
        Value::Null => Mapping::new(),
        v => want_map(src, p, v)?.clone(),
    };
    for (k, x) in &m {
        let k = want_str(src, p, k)?;
        let kp = p.key(&k);
        match k.as_str() {
            "name" => {
                out.insert(s(k), s(want_str(src, &kp, x)?));
            }
            "external" => {
                let ext = match x {
                    Value::Mapping(em) => {
                        if let Some(n) = em.get("name") {
                            out.insert(s("name"), s(want_str(src, &kp.key("name"), n)?));
                        }
                        true
                    }
                    other => want_bool(src, &kp, other)?,
                };
                if ext {
                    out.insert(s(k), Value::Bool(true));
                }
            }
            "driver" => {
                let d = want_str(src, &kp, x)?;
                let ok = if kind == "networks" { d == "bridge" } else { d == "local" };
                if !ok {
                    return Err(src.err(&kp, format!("driver {d:?} is not supported by rcon")));
                }
                out.insert(s(k), s(d));
            }
            "labels" => {
                out.insert(s(k), Value::Mapping(want_kv(src, &kp, x, false)?));
            }
            "driver_opts" | "attachable" | "enable_ipv4" => {
                warnings.push(format!("{}: `{kp}` is ignored by rcon", src.file.display()));
            }
            "internal" | "enable_ipv6" if kind == "networks" => {
                if want_bool(src, &kp, x)? {
                    return Err(src.err(&kp, format!("`{k}` networks are not supported by rcon")));
                }
            }
            "ipam" if kind == "networks" => {
                let mut ipam = Mapping::new();
                for (ik, iv) in want_map(src, &kp, x)? {
                    let ik = want_str(src, &kp, ik)?;
                    let ip = kp.key(&ik);
                    match ik.as_str() {
                        "driver" => {
                            ipam.insert(s(ik), s(want_str(src, &ip, iv)?));
                        }
                        "config" => {
                            let Value::Sequence(pools) = iv else { return Err(src.err(&ip, "must be a list")) };
                            let mut out_pools = Vec::new();
                            for (i, pool) in pools.iter().enumerate() {
                                let pp = ip.idx(i);
                                let mut o = Mapping::new();
                                for (pk, pv) in want_map(src, &pp, pool)? {
                                    let pk = want_str(src, &pp, pk)?;
                                    match pk.as_str() {
                                        "subnet" | "gateway" => {
                                            o.insert(s(&pk), s(want_str(src, &pp.key(&pk), pv)?));
                                        }
                                        "ip_range" | "aux_addresses" => {
                                            return Err(
                                                src.err(&pp.key(&pk), format!("`{pk}` is not supported by rcon"))
                                            );
                                        }
                                        _ => return Err(src.err(&pp.key(&pk), format!("unknown key `{pk}`"))),
                                    }
                                }
                                out_pools.push(Value::Mapping(o));
                            }
                            if out_pools.len() > 1 {
                                return Err(src.err(&ip, "rcon supports one IPAM pool per network"));
                            }
                            ipam.insert(s(ik), Value::Sequence(out_pools));
                        }
                        _ => return Err(src.err(&ip, format!("unknown key `{ik}`"))),
                    }
                }
                out.insert(s(k), Value::Mapping(ipam));
            }
            _ if k.starts_with("x-") => {}
            _ => return Err(src.err(&kp, format!("unknown key `{k}`"))),
        }
    }
    Ok(out)
}

/// A service with its `extends` chain resolved (base first, then the
/// service merged over it).
fn resolve_extends(
    src: &Src,
    raw: &Mapping,
    name: &str,
    env: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
    stack: &mut Vec<String>,
) -> Result<Mapping> {
    let sp = KeyPath::default().key("services").key(name);
    let key = format!("{}#{name}", src.file.display());
    if stack.contains(&key) {
        return Err(src.err(&sp.key("extends"), format!("extends cycle: {} -> {name}", stack.join(" -> "))));
    }
    let def = raw.get(name).ok_or_else(|| src.err(&sp, format!("no service {name:?} to extend")))?;
    let own = normalize_service(src, &sp, def, warnings)?;
    let Some(ext) = def.get("extends") else { return Ok(own) };
    let ep = sp.key("extends");
    let (file, base_name) = match ext {
        Value::Mapping(m) => {
            for k in m.keys() {
                let k = want_str(src, &ep, k)?;
                if k != "file" && k != "service" {
                    return Err(src.err(&ep.key(&k), format!("unknown key `{k}`")));
                }
            }
            let svc = want_str(
                src,
                &ep.key("service"),
                m.get("service").ok_or_else(|| src.err(&ep, "`service` is required"))?,
            )?;
            (m.get("file").map(|f| want_str(src, &ep.key("file"), f)).transpose()?, svc)
        }
        other => (None, want_str(src, &ep, other)?),
    };
    stack.push(key);
    let base = match file {
        None => resolve_extends(src, raw, &base_name, env, warnings, stack)?,
        Some(f) => {
            let path = absolute(&src.dir, &f);
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| src.dir.clone());
            let other = read_src(&path, &dir)?;
            let doc = parse_doc(&other, env)?;
            let services = doc.get("services").and_then(Value::as_mapping).cloned().unwrap_or_default();
            if !services.contains_key(base_name.as_str()) {
                return Err(src.err(&ep, format!("no service {base_name:?} in {}", path.display())));
            }
            resolve_extends(&other, &services, &base_name, env, warnings, stack)?
        }
    };
    stack.pop();
    Ok(merge_service(&base, &own))
}

// ---------------------------------------------------------------- merge

/// Merges `over` into `base` by the Compose Specification's merge rules
/// (merge.md): mappings merge key by key; `command`, `entrypoint` and
/// `healthcheck.test` are replaced; `ports` append (without duplicates);
/// `volumes` and `devices` merge by target; `secrets` and `configs` by
/// source; other lists append their new items; scalars are replaced.
pub fn merge_service(base: &Mapping, over: &Mapping) -> Mapping {
    let mut out = base.clone();
    for (k, v) in over {
        let key = k.as_str().unwrap_or_default();
        let merged = match (out.get(k), v) {
            (Some(Value::Mapping(a)), Value::Mapping(b)) => Value::Mapping(merge_map(key, a, b)),
            (Some(Value::Sequence(a)), Value::Sequence(b)) => match key {
                "command" | "entrypoint" => v.clone(),
                "volumes" => Value::Sequence(merge_by(a, b, "target")),
                "secrets" | "configs" => Value::Sequence(merge_by(a, b, "source")),
                _ => Value::Sequence(append_unique(a, b)),
            },
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

fn merge_map(parent: &str, a: &Mapping, b: &Mapping) -> Mapping {
    let mut out = a.clone();
    for (k, v) in b {
        let key = k.as_str().unwrap_or_default();
        let merged = match (out.get(k), v) {
            (Some(Value::Mapping(x)), Value::Mapping(y)) => Value::Mapping(merge_map(key, x, y)),
            (Some(Value::Sequence(x)), Value::Sequence(y)) if !(parent == "healthcheck" && key == "test") => {
                Value::Sequence(append_unique(x, y))
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

fn append_unique(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = a.to_vec();
    for x in b {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

fn merge_by(a: &[Value], b: &[Value], key: &str) -> Vec<Value> {
    let mut out = a.to_vec();
    for x in b {
        match out.iter().position(|y| y.get(key).is_some() && y.get(key) == x.get(key)) {
            Some(i) => out[i] = x.clone(),
            None => out.push(x.clone()),
        }
    }
    out
}

fn merge_into(into: &mut FileModel, other: FileModel) {
    if other.name.is_some() {
        into.name = other.name;
    }
    for (name, svc) in other.services {
        let merged = match into.services.get(&name) {
            Some(base) => merge_service(base, &svc),
            None => svc,
        };
        into.services.insert(name.clone(), merged);
        into.origins.insert(name.clone(), other.origins[&name].clone());
    }
    for (target, from) in [
        (&mut into.networks, other.networks),
        (&mut into.volumes, other.volumes),
        (&mut into.secrets, other.secrets),
        (&mut into.configs, other.configs),
    ] {
        for (name, m) in from {
            let merged = match target.get(&name) {
                Some(base) => merge_map("", base, &m),
                None => m,
            };
            target.insert(name, merged);
        }
    }
}

// ---------------------------------------------------------------- project

/// docker compose's project name normalization: lower case, only
/// `[a-z0-9_-]`, starting with a letter or digit.
pub fn normalize_project_name(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lower.trim_start_matches(['_', '-']).to_string()
}

/// Finds the compose files: `-f` as given (relative to `cwd`), else
/// `COMPOSE_FILE`, else the first default file in `cwd` or a parent, plus
/// its override file. Errors: no file found.
pub fn find_files(opts: &LoadOptions) -> Result<Vec<PathBuf>> {
    if !opts.files.is_empty() {
        return Ok(opts.files.iter().map(|f| absolute(&opts.cwd, &f.to_string_lossy())).collect());
    }
    if let Some(cf) = opts.environment.get("COMPOSE_FILE").filter(|v| !v.is_empty()) {
        let sep = opts.environment.get("COMPOSE_PATH_SEPARATOR").map(String::as_str).unwrap_or(":");
        return Ok(cf.split(sep).map(|f| absolute(&opts.cwd, f)).collect());
    }
    let mut dir = opts.cwd.clone();
    loop {
        if let Some(f) = DEFAULT_FILES.iter().map(|f| dir.join(f)).find(|p| p.is_file()) {
            let mut files = vec![f];
            if let Some(o) = OVERRIDE_FILES.iter().map(|f| dir.join(f)).find(|p| p.is_file()) {
                files.push(o);
            }
            return Ok(files);
        }
        if !dir.pop() {
            return Err(plain_err(format!(
                "no configuration file provided: not found (looked for {} in {} and its parents)",
                DEFAULT_FILES.join(", "),
                opts.cwd.display()
            )));
        }
    }
}

/// Loads the project: files, `.env`, interpolation, includes, extends,
/// merge, profiles and the checks that need the whole model (dependencies
/// on unknown services, cycles, undeclared networks and volumes).
pub fn load(opts: &LoadOptions) -> Result<Project> {
    let files = find_files(opts)?;
    let working_dir = match &opts.project_directory {
        Some(d) => absolute(&opts.cwd, &d.to_string_lossy()),
        None => files[0].parent().map(Path::to_path_buf).unwrap_or_else(|| opts.cwd.clone()),
    };
    // The environment: the process's own wins over `.env` / --env-file.
    let mut env = opts.environment.clone();
    let env_files: Vec<PathBuf> = if opts.env_files.is_empty() {
        vec![working_dir.join(".env")]
    } else {
        opts.env_files.iter().map(|f| absolute(&opts.cwd, &f.to_string_lossy())).collect()
    };
    for f in &env_files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(_) if opts.env_files.is_empty() => continue,
            Err(e) => return Err(plain_err(format!("cannot read env file {}: {e}", f.display()))),
        };
        let vars = interpolate::parse_env_file(&text, &opts.environment).map_err(|e| ModelError {
            file: f.display().to_string(),
            line: 0,
            path: String::new(),
            message: e,
        })?;
        for (k, v) in vars {
            if !opts.environment.contains_key(&k) {
                env.insert(k, v);
            }
        }
    }
    let mut warnings = Vec::new();
    let mut model = FileModel::default();
    for f in &files {
        if !f.is_file() {
            return Err(plain_err(format!("open {}: no such file or directory", f.display())));
        }
        let m = load_file(f, &working_dir, &env, &mut warnings, &mut Vec::new())?;
        merge_into(&mut model, m);
    }
    let name = opts
        .project_name
        .clone()
        .or_else(|| env.get("COMPOSE_PROJECT_NAME").filter(|v| !v.is_empty()).cloned())
        .or(model.name.clone())
        .unwrap_or_else(|| working_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let name = normalize_project_name(&name);
    if name.is_empty() {
        return Err(plain_err("the project name is empty: give -p NAME"));
    }
    // Profiles.
    let mut active: BTreeSet<String> = opts.profiles.iter().cloned().collect();
    if let Some(p) = env.get("COMPOSE_PROFILES") {
        active.extend(p.split(',').filter(|x| !x.is_empty()).map(String::from));
    }
    let mut project =
        Project { name: name.clone(), working_dir, config_files: files, environment: env, ..Default::default() };
    let mut wanted: BTreeSet<String> = opts.enable_services.iter().cloned().collect();
    for svc in &opts.enable_services {
        if !model.services.contains_key(svc) {
            return Err(plain_err(format!("no such service: {svc}")));
        }
    }
    // A service asked for by name pulls its dependencies in, whatever their profiles.
    let mut queue: Vec<String> = wanted.iter().cloned().collect();
    while let Some(n) = queue.pop() {
        if let Some(Value::Mapping(deps)) = model.services.get(&n).and_then(|s| s.get("depends_on")) {
            for d in deps.keys().filter_map(Value::as_str) {
                if wanted.insert(d.to_string()) {
                    queue.push(d.to_string());
                }
            }
        }
    }
    for (n, svc) in &model.services {
        let profiles: Vec<String> = svc
            .get("profiles")
            .and_then(Value::as_sequence)
            .map(|p| p.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default();
        let on = profiles.is_empty()
            || profiles.iter().any(|p| active.contains(p) || p == "*" && !active.is_empty())
            || wanted.contains(n)
            || active.contains("*");
        if on {
            project.services.insert(n.clone(), svc.clone());
        } else {
            project.disabled.insert(n.clone());
        }
    }
    // Whole-model checks, each pointing at the service's own file.
    let at = |svc: &str, path: &KeyPath, msg: String| {
        let (file, text) = model.origins.get(svc).cloned().unwrap_or_default();
        ModelError { file: file.display().to_string(), line: locate(&text, path), path: path.to_string(), message: msg }
    };
    for (n, svc) in &mut project.services {
        let sp = KeyPath::default().key("services").key(n);
        if svc.get("image").is_none() && svc.get("build").is_none() {
            return Err(at(n, &sp, "has neither an image nor a build context specified".into()));
        }
        if let Some(Value::Mapping(deps)) = svc.get_mut("depends_on") {
            let mut drop = Vec::new();
            for (d, spec) in deps.iter() {
                let d = d.as_str().unwrap_or_default();
                if !model.services.contains_key(d) || project.disabled.contains(d) {
                    if spec.get("required").and_then(Value::as_bool) == Some(false) {
                        drop.push(d.to_string());
                        continue;
                    }
                    let dp = sp.key("depends_on").key(d);
                    let why = if model.services.contains_key(d) {
                        "a service disabled by its profiles"
                    } else {
                        "an undefined service"
                    };
                    return Err(at(n, &dp, format!("depends on {why} {d:?}")));
                }
            }
            for d in drop {
                deps.remove(d.as_str());
            }
        }
        if let Some(Value::Sequence(refs)) = svc.get("volumes") {
            for (i, r) in refs.iter().enumerate() {
                if r.get("type").and_then(Value::as_str) == Some("volume")
                    && let Some(src) = r.get("source").and_then(Value::as_str)
                    && !model.volumes.contains_key(src)
                {
                    return Err(at(
                        n,
                        &sp.key("volumes").idx(i),
                        format!("refers to undefined volume {src}: declare it under the top-level `volumes`"),
                    ));
                }
            }
        }
        for (key, decl) in [("secrets", &model.secrets), ("configs", &model.configs)] {
            if let Some(Value::Sequence(refs)) = svc.get(key) {
                for (i, r) in refs.iter().enumerate() {
                    let src = r.get("source").and_then(Value::as_str).unwrap_or_default();
                    if !decl.contains_key(src) {
                        return Err(at(
                            n,
                            &sp.key(key).idx(i),
                            format!("refers to undefined {} {src}", &key[..key.len() - 1]),
                        ));
                    }
                }
            }
        }
        let mode = svc.get("network_mode").and_then(Value::as_str).map(String::from);
        match &mode {
            Some(m) => {
                if svc.contains_key("networks") {
                    return Err(at(n, &sp.key("network_mode"), "network_mode and networks cannot be combined".into()));
                }
                if let Some(other) = m.strip_prefix("service:")
                    && !model.services.contains_key(other)
                {
                    return Err(at(n, &sp.key("network_mode"), format!("refers to an undefined service {other:?}")));
                }
            }
            None => {
                if !svc.contains_key("networks") {
                    let mut nets = Mapping::new();
                    nets.insert(s("default"), Value::Null);
                    svc.insert(s("networks"), Value::Mapping(nets));
                }
                if let Some(Value::Mapping(nets)) = svc.get("networks") {
                    for k in nets.keys().filter_map(Value::as_str) {
                        if k != "default" && !model.networks.contains_key(k) {
                            return Err(at(n, &sp.key("networks").key(k), format!("refers to undefined network {k}")));
                        }
                    }
                }
            }
        }
        if let Some(Value::Number(scale)) = svc.get("scale")
            && let Some(Value::Number(r)) = svc.get("deploy").and_then(|d| d.get("replicas"))
            && scale != r
        {
            return Err(at(n, &sp.key("scale"), "scale and deploy.replicas are both set and differ".into()));
        }
    }
    // depends_on cycles.
    if let Some(cycle) = find_cycle(&project.services) {
        let first = &cycle[0];
        let path = KeyPath::default().key("services").key(first).key("depends_on");
        return Err(at(first, &path, format!("dependency cycle: {}", cycle.join(" -> "))));
    }
    // Top-level resources that are used get their names.
    let uses_default = project.services.values().any(|s| s.get("networks").and_then(|n| n.get("default")).is_some());
    let mut networks = model.networks.clone();
    if uses_default && !networks.contains_key("default") {
        networks.insert("default".into(), Mapping::new());
    }
    for (k, m) in &networks {
        project.networks.insert(k.clone(), named(&name, k, m, true));
    }
    for (k, m) in &model.volumes {
        project.volumes.insert(k.clone(), named(&name, k, m, true));
    }
    for (k, m) in &model.secrets {
        project.secrets.insert(k.clone(), named(&name, k, m, false));
    }
    for (k, m) in &model.configs {
        project.configs.insert(k.clone(), named(&name, k, m, false));
    }
    project.warnings = warnings;
    Ok(project)
}

/// A top-level network, volume, secret or config `key` of project
/// `project` with its `name` first: the one given, else `PROJECT_KEY`, or
/// `KEY` for an external network or volume (`external_is_key`).
fn named(project: &str, key: &str, m: &Mapping, external_is_key: bool) -> Mapping {
    let external = external_is_key && m.get("external").and_then(Value::as_bool) == Some(true);
    let name = match m.get("name").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None if external => key.to_string(),
        None => format!("{project}_{key}"),
    };
    let mut out = Mapping::new();
    out.insert(s("name"), s(name));
    for (mk, mv) in m {
        if mk.as_str() != Some("name") {
            out.insert(mk.clone(), mv.clone());
        }
    }
    out
}

/// A `depends_on` cycle, as the services on it (first repeated at the end).
fn find_cycle(services: &BTreeMap<String, Mapping>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        services: &BTreeMap<String, Mapping>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let i = stack.iter().position(|x| x == n).unwrap_or(0);
                let mut c = stack[i..].to_vec();
                c.push(n.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        if let Some(Value::Mapping(deps)) = services.get(n).and_then(|s| s.get("depends_on")) {
            for d in deps.keys().filter_map(Value::as_str) {
                if let Some(c) = visit(d, services, state, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in services.keys() {
        if let Some(c) = visit(n, services, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(files: &[(&str, &str)], extra: &[&str]) -> Result<Project> {
        let dir = tempfile::tempdir().unwrap();
        for (n, t) in files {
            std::fs::write(dir.path().join(n), t).unwrap();
        }
        let mut opts =
            LoadOptions { cwd: dir.path().to_path_buf(), project_name: Some("p".into()), ..Default::default() };
        for f in extra {
            opts.files.push(f.into());
        }
        opts.environment.insert("TAG".into(), "1.2".into());
        let r = load(&opts);
        drop(dir);
        r
    }

    #[test]
    fn locate_finds_nested_keys_and_items() {
        let text =
            "services:\n  web:\n    image: x\n    ports:\n      - \"80\"\n      - target: 81\n        bogus: 1\n";
        let p = KeyPath::default().key("services").key("web").key("ports");
        assert_eq!(locate(text, &p), 4);
        assert_eq!(locate(text, &p.idx(1)), 6);
        assert_eq!(locate(text, &p.idx(1).key("bogus")), 7);
        assert_eq!(locate(text, &KeyPath::default().key("services").key("web").key("image")), 3);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = load_text(&[("compose.yaml", "services:\n  web:\n    image: busybox\n    imgae: typo\n")], &[])
            .unwrap_err();
        assert_eq!(e.line, 4);
        assert_eq!(e.path, "services.web.imgae");
        assert!(e.file.ends_with("compose.yaml"), "{e}");
        assert!(e.message.contains("unknown key"), "{e}");
    }

    #[test]
    fn wrong_type_and_required_variable() {
        let e = load_text(&[("compose.yaml", "services:\n  web:\n    image: busybox\n    privileged: [1]\n")], &[])
            .unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (4, "services.web.privileged"));
        let e =
            load_text(&[("compose.yaml", "services:\n  web:\n    image: \"${NOPE:?set NOPE}\"\n")], &[]).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("required variable NOPE is missing a value: set NOPE"), "{e}");
    }

    #[test]
    fn cycles_and_unknown_dependencies_fail() {
        let e = load_text(
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
            )],
            &[],
        )
        .unwrap_err();
        assert!(e.message.contains("dependency cycle: a -> b -> a"), "{e}");
        assert_eq!(e.line, 4);
        let e =
            load_text(&[("compose.yaml", "services:\n  a:\n    image: x\n    depends_on: [zz]\n")], &[]).unwrap_err();
        assert!(e.message.contains("undefined service \"zz\""), "{e}");
    }

    #[test]
    fn short_syntaxes_normalize() {
        let p = load_text(
            &[(
                "compose.yaml",
                "services:\n  web:\n    image: busybox:${TAG}\n    command: sh -c 'echo hi'\n    environment: [A=1, B]\n    ports: [\"127.0.0.1:8080-8081:80-81/udp\", \"9000:80\"]\n    volumes: [\"data:/d:ro\", \"./src:/src\", /anon]\nvolumes:\n  data: {}\n",
            )],
            &[],
        )
        .unwrap();
        let web = &p.services["web"];
        assert_eq!(web["image"], s("busybox:1.2"));
        assert_eq!(web["command"], str_seq(vec!["sh".into(), "-c".into(), "echo hi".into()]));
        assert_eq!(web["environment"]["B"], Value::Null);
        let ports = web["ports"].as_sequence().unwrap();
        assert_eq!(ports.len(), 3);
        assert_eq!(ports[1]["published"], s("8081"));
        assert_eq!(ports[1]["target"], Value::from(81));
        assert_eq!(ports[1]["protocol"], s("udp"));
        assert_eq!(ports[2]["host_ip"], Value::Null);
        let vols = web["volumes"].as_sequence().unwrap();
        assert_eq!(vols[0]["type"], s("volume"));
        assert_eq!(vols[0]["read_only"], Value::Bool(true));
        assert_eq!(vols[1]["type"], s("bind"));
        assert!(vols[1]["source"].as_str().unwrap().ends_with("/src"));
        assert_eq!(vols[2].get("source"), None);
        assert_eq!(p.volumes["data"]["name"], s("p_data"));
        assert_eq!(p.networks["default"]["name"], s("p_default"));
    }

    #[test]
    fn merge_profiles_and_extends() {
        let base = "services:\n  web:\n    image: a\n    command: [x]\n    environment: {A: '1', B: '2'}\n    ports: ['80']\n  dbg:\n    image: a\n    profiles: [debug]\n  child:\n    extends: web\n    environment: {C: '3'}\n";
        let over = "services:\n  web:\n    command: [y]\n    environment: {B: 'over'}\n    ports: ['81']\n";
        let p = load_text(&[("a.yaml", base), ("b.yaml", over)], &["a.yaml", "b.yaml"]).unwrap();
        let web = &p.services["web"];
        assert_eq!(web["command"], str_seq(vec!["y".into()]));
        assert_eq!(web["environment"]["A"], s("1"));
        assert_eq!(web["environment"]["B"], s("over"));
        assert_eq!(web["ports"].as_sequence().unwrap().len(), 2);
        assert!(p.disabled.contains("dbg"));
        assert_eq!(p.services["child"]["environment"]["A"], s("1"));
        assert_eq!(p.services["child"]["environment"]["C"], s("3"));
        assert_eq!(p.services["child"]["command"], str_seq(vec!["x".into()]));
    }

    #[test]
    fn unsupported_keys_error_and_noop_keys_warn() {
        let e =
            load_text(&[("compose.yaml", "services:\n  web:\n    image: x\n    runtime: runsc\n")], &[]).unwrap_err();
        assert!(e.message.contains("not supported by rcon"), "{e}");
        let p = load_text(
            &[(
                "compose.yaml",
                "services:\n  web:\n    image: x\n    deploy:\n      placement:\n        constraints: [a]\n",
            )],
            &[],
        )
        .unwrap();
        assert!(p.warnings.iter().any(|w| w.contains("deploy.placement")), "{:?}", p.warnings);
    }

    #[test]
    fn include_brings_another_projects_services_with_its_own_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(
            dir.path().join("sub/compose.yaml"),
            "services:\n  db:\n    image: x\n    volumes: [\"./data:/d\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: y\n    depends_on: [db]\n",
        )
        .unwrap();
        let opts = LoadOptions { cwd: dir.path().to_path_buf(), project_name: Some("p".into()), ..Default::default() };
        let p = load(&opts).unwrap();
        assert_eq!(p.services.keys().collect::<Vec<_>>(), ["db", "web"]);
        let src = p.services["db"]["volumes"][0]["source"].as_str().unwrap().to_string();
        assert_eq!(src, dir.path().join("sub/data").display().to_string());
        // A service defined twice (here and in the included file) is an error.
        std::fs::write(
            dir.path().join("compose.yaml"),
            "include:\n  - sub/compose.yaml\nservices:\n  db:\n    image: y\n",
        )
        .unwrap();
        let e = load(&opts).unwrap_err();
        assert!(e.message.contains("conflicts"), "{e}");
    }

    #[test]
    fn go_durations_format_like_go() {
        use std::time::Duration;
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }
}
