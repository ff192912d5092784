//! The one place that applies a Dockerfile instruction to an image config:
//! ENV, LABEL, MAINTAINER, CMD, ENTRYPOINT, SHELL, EXPOSE, VOLUME, USER,
//! WORKDIR, STOPSIGNAL, HEALTHCHECK and ONBUILD, with docker's semantics
//! (OCI image-spec config.md fields; moby `builder/dockerfile/dispatchers.go`):
//! ENV replaces a variable in place, ENTRYPOINT resets a CMD that was not set
//! earlier in the same build (or change list), shell forms go through the
//! config's SHELL, words are expanded with BuildKit's lexer against the
//! config's ENV over the ARGs in scope.
//!
//! Used by the builder for every metadata instruction, and by
//! `import --change` and `commit --change` ([`apply_changes`]), which parse
//! their instructions with the real Dockerfile parser.
//!
//! It changes only the config JSON; what needs the filesystem (WORKDIR's
//! directory) is the builder's job.

use std::cell::Cell;

use serde_json::{Map, Value, json};

use crate::build::instructions::{CmdLine, Health, Instruction};
use crate::build::shell::{EnvLookup, Lex};

/// Longest result of one word expansion, in bytes (1 MiB). Larger results
/// are an error naming the Dockerfile line, so a Dockerfile whose ARG values
/// double on every line cannot exhaust memory.
pub const MAX_WORD: usize = 1 << 20;

/// Most bytes all expansions of one build (or change list) may produce
/// together (64 MiB): bounds what many references to a large variable can
/// put into variables, labels and paths.
pub const MAX_TOTAL: usize = 64 << 20;

/// `docker`'s default `PATH`, given to images whose config has none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Variables visible to an expansion: the config's ENV over the ARGs in
/// scope (borrowed, nothing is copied). Made by [`scope`].
pub struct Vars<'a> {
    env: Vec<&'a str>,
    args: &'a [(String, String)],
}

impl EnvLookup for Vars<'_> {
    fn lookup(&self, name: &str) -> Option<String> {
        let from_env = self.env.iter().rev().find_map(|e| {
            let (k, v) = e.split_once('=').unwrap_or((e, ""));
            (k == name).then(|| v.to_string())
        });
        from_env.or_else(|| self.args.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }
}

/// The variables `image`'s ENV and `args` (ARGs in scope) give an expansion.
pub fn scope<'a>(image: &'a Value, args: &'a [(String, String)]) -> Vars<'a> {
    Vars {
        env: get(image, "Env")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
        args,
    }
}

/// Expands words for one build: BuildKit's lexer with a per-word limit
/// ([`MAX_WORD`]) and a shared total budget ([`MAX_TOTAL`]).
#[derive(Debug)]
pub struct Expander {
    lex: Lex,
    spent: Cell<usize>,
}

impl Expander {
    /// An expander with the Dockerfile's escape character.
    pub fn new(escape: char) -> Expander {
        let mut lex = Lex::new(escape);
        lex.max_len = MAX_WORD;
        Expander { lex, spent: Cell::new(0) }
    }

    /// The lexer (with the per-word limit set).
    pub fn lex(&self) -> Lex {
        self.lex
    }

    /// Counts `n` produced bytes against the build's budget.
    pub fn charge(&self, n: usize) -> Result<(), String> {
        let total = self.spent.get().saturating_add(n);
        self.spent.set(total);
        if total > MAX_TOTAL {
            return Err(format!(
                "variable expansions produced more than {} MiB in total; reduce the size of ARG/ENV values",
                MAX_TOTAL >> 20
            ));
        }
        Ok(())
    }

    /// Expands `s` into one string.
    pub fn word(&self, s: &str, env: &dyn EnvLookup) -> Result<String, String> {
        let w = self.lex.process_word(s, env).map_err(|e| e.to_string())?;
        self.charge(w.len())?;
        Ok(w)
    }

    /// Expands `s` and splits it into words.
    pub fn words(&self, s: &str, env: &dyn EnvLookup) -> Result<Vec<String>, String> {
        let w = self.lex.process_words(s, env).map_err(|e| e.to_string())?;
        self.charge(w.iter().map(String::len).sum())?;
        Ok(w)
    }
}

/// An instruction with its words expanded: what it does to the config.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// ENV pairs.
    Env(Vec<(String, String)>),
    /// LABEL pairs.
    Label(Vec<(String, String)>),
    /// MAINTAINER (the config's `author`).
    Maintainer(String),
    /// CMD argv (shell form already prefixed with the SHELL).
    Cmd(Vec<String>),
    /// ENTRYPOINT argv (empty: none).
    Entrypoint(Vec<String>),
    /// SHELL.
    Shell(Vec<String>),
    /// EXPOSE `port/proto` keys.
    Expose(Vec<String>),
    /// VOLUME paths.
    Volume(Vec<String>),
    /// USER.
    User(String),
    /// WORKDIR, absolute and clean.
    Workdir(String),
    /// STOPSIGNAL.
    StopSignal(String),
    /// HEALTHCHECK, as the config's JSON object.
    Healthcheck(Value),
    /// ONBUILD trigger text.
    Onbuild(String),
}

/// The config's `config` object, created (or replaced when not an object).
pub fn config_mut(image: &mut Value) -> &mut Map<String, Value> {
    if !image.is_object() {
        *image = json!({});
    }
    let root = image.as_object_mut().expect("made an object above");
    let c = root.entry("config").or_insert_with(|| json!({}));
    if !c.is_object() {
        *c = json!({});
    }
    c.as_object_mut().expect("made an object above")
}

fn get<'a>(image: &'a Value, k: &str) -> Option<&'a Value> {
    image.get("config").and_then(|c| c.get(k)).filter(|v| !v.is_null())
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// The config's SHELL (default `/bin/sh -c`).
pub fn shell_of(image: &Value) -> Vec<String> {
    let s = str_list(get(image, "Shell"));
    if s.is_empty() { vec!["/bin/sh".into(), "-c".into()] } else { s }
}

/// The config's working directory (default `/`).
pub fn workdir_of(image: &Value) -> String {
    get(image, "WorkingDir").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("/").to_string()
}

/// Sets `k=v` in an ENV list: replaces an existing `k` in place (docker),
/// else appends.
pub fn set_env(env: &mut Vec<String>, k: &str, v: &str) {
    let entry = format!("{k}={v}");
    match env.iter_mut().find(|e| e.split_once('=').map_or(e.as_str(), |x| x.0) == k) {
        Some(e) => *e = entry,
        None => env.push(entry),
    }
}

/// Adds docker's default `PATH` to a config whose ENV has none (docker's
/// and BuildKit's builders do this after FROM).
pub fn ensure_path(image: &mut Value) {
    let env = str_list(get(image, "Env"));
    if !env.iter().any(|e| e.split_once('=').map_or(e.as_str(), |x| x.0) == "PATH") {
        let mut env = env;
        env.push(format!("PATH={DEFAULT_PATH}"));
        config_mut(image).insert("Env".into(), json!(env));
    }
}

fn cmd_argv(image: &Value, c: &CmdLine) -> Vec<String> {
    if c.prepend_shell && !c.args.is_empty() {
        let mut v = shell_of(image);
        v.extend(c.args.iter().cloned());
        v
    } else {
        c.args.clone()
    }
}

/// `80` → `80/tcp`; `8000-8002/udp` → three entries.
pub fn expand_port(p: &str) -> Result<Vec<String>, String> {
    let (ports, proto) = p.split_once('/').unwrap_or((p, "tcp"));
    let proto = proto.to_ascii_lowercase();
    let bad = || format!("invalid containerPort: {ports}");
    let (lo, hi) = match ports.split_once('-') {
        Some((a, b)) => (a.parse::<u16>().map_err(|_| bad())?, b.parse::<u16>().map_err(|_| bad())?),
        None => {
            let n = ports.parse::<u16>().map_err(|_| bad())?;
            (n, n)
        }
    };
    if hi < lo {
        return Err(bad());
    }
    Ok((lo..=hi).map(|n| format!("{n}/{proto}")).collect())
}

fn health_json(h: &Health) -> Value {
    let mut hc = json!({"Test": h.test});
    let ns = |d: &Option<std::time::Duration>| d.map(|d| d.as_nanos() as u64);
    for (k, v) in [
        ("Interval", ns(&h.interval)),
        ("Timeout", ns(&h.timeout)),
        ("StartPeriod", ns(&h.start_period)),
        ("StartInterval", ns(&h.start_interval)),
    ] {
        if let Some(v) = v {
            hc[k] = json!(v);
        }
    }
    if let Some(r) = h.retries {
        hc["Retries"] = json!(r);
    }
    hc
}

/// Expands the words of a metadata instruction against `image`'s ENV over
/// `args`. `Ok(None)` for instructions that are not config changes (FROM,
/// ARG, RUN, COPY, ADD).
pub fn expand(
    image: &Value,
    inst: &Instruction,
    args: &[(String, String)],
    x: &Expander,
) -> Result<Option<Change>, String> {
    let vars = scope(image, args);
    let word = |s: &str| x.word(s, &vars);
    Ok(Some(match inst {
        Instruction::Env(kvs) => {
            Change::Env(kvs.iter().map(|kv| Ok((word(&kv.key)?, word(&kv.value)?))).collect::<Result<_, String>>()?)
        }
        Instruction::Label(kvs) => {
            Change::Label(kvs.iter().map(|kv| Ok((word(&kv.key)?, word(&kv.value)?))).collect::<Result<_, String>>()?)
        }
        Instruction::Maintainer(m) => Change::Maintainer(m.clone()),
        Instruction::Cmd(c) => Change::Cmd(cmd_argv(image, c)),
        Instruction::Entrypoint(c) => Change::Entrypoint(cmd_argv(image, c)),
        Instruction::Shell(s) => Change::Shell(s.clone()),
        Instruction::Expose(ports) => {
            let mut list = Vec::new();
            for p in ports {
                for w in x.words(p, &vars)? {
                    list.extend(expand_port(&w)?);
                }
            }
            Change::Expose(list)
        }
        Instruction::Volume(vols) => {
            let mut list = Vec::new();
            for v in vols {
                let v = word(v)?;
                if v.trim().is_empty() {
                    return Err("VOLUME specified can not be an empty string".into());
                }
                list.push(v);
            }
            Change::Volume(list)
        }
        Instruction::User(u) => Change::User(word(u)?),
        Instruction::Workdir(p) => {
            let p = word(p)?;
            let wd = if p.starts_with('/') { p } else { format!("{}/{}", workdir_of(image).trim_end_matches('/'), p) };
            Change::Workdir(crate::build::dockerignore::clean_path(&wd))
        }
        Instruction::StopSignal(s) => Change::StopSignal(word(s)?),
        Instruction::Healthcheck(h) => Change::Healthcheck(health_json(h)),
        Instruction::Onbuild(t) => Change::Onbuild(t.clone()),
        Instruction::From { .. }
        | Instruction::Arg(_)
        | Instruction::Run(..)
        | Instruction::Copy(_)
        | Instruction::Add(_) => {
            return Ok(None);
        }
    }))
}

/// Applies an expanded change to `image` (a whole image config). `cmd_set`
/// says whether CMD was set earlier in this build (or change list): an
/// ENTRYPOINT resets the CMD otherwise, as docker does; CMD sets it.
pub fn apply(image: &mut Value, change: &Change, cmd_set: &mut bool) {
    fn object<'a>(cfg: &'a mut Map<String, Value>, k: &str) -> &'a mut Map<String, Value> {
        let v = cfg.entry(k).or_insert_with(|| json!({}));
        if !v.is_object() {
            *v = json!({});
        }
        v.as_object_mut().expect("made an object above")
    }
    if let Change::Maintainer(m) = change {
        config_mut(image);
        image.as_object_mut().expect("config_mut made an object").insert("author".into(), json!(m));
        return;
    }
    let env = str_list(get(image, "Env"));
    let onbuild = str_list(get(image, "OnBuild"));
    let cfg = config_mut(image);
    match change {
        Change::Env(pairs) => {
            let mut env = env;
            for (k, v) in pairs {
                set_env(&mut env, k, v);
            }
            cfg.insert("Env".into(), json!(env));
        }
        Change::Label(pairs) => {
            let labels = object(cfg, "Labels");
            for (k, v) in pairs {
                labels.insert(k.clone(), json!(v));
            }
        }
        Change::Cmd(v) => {
            cfg.insert("Cmd".into(), json!(v));
            *cmd_set = true;
        }
        Change::Entrypoint(v) => {
            cfg.insert("Entrypoint".into(), if v.is_empty() { Value::Null } else { json!(v) });
            if !*cmd_set {
                cfg.insert("Cmd".into(), Value::Null);
            }
        }
        Change::Shell(s) => {
            cfg.insert("Shell".into(), json!(s));
        }
        Change::Expose(list) => {
            let ep = object(cfg, "ExposedPorts");
            for p in list {
                ep.insert(p.clone(), json!({}));
            }
        }
        Change::Volume(list) => {
            let vm = object(cfg, "Volumes");
            for v in list {
                vm.insert(v.clone(), json!({}));
            }
        }
        Change::User(u) => {
            cfg.insert("User".into(), json!(u));
        }
        Change::Workdir(w) => {
            cfg.insert("WorkingDir".into(), json!(w));
        }
        Change::StopSignal(s) => {
            cfg.insert("StopSignal".into(), json!(s));
        }
        Change::Healthcheck(h) => {
            cfg.insert("Healthcheck".into(), h.clone());
        }
        Change::Onbuild(t) => {
            let mut v = onbuild;
            v.push(t.clone());
            cfg.insert("OnBuild".into(), json!(v));
        }
        Change::Maintainer(_) => {}
    }
}

/// Instructions `import --change` and `commit --change` accept (docker's list).
pub const CHANGE_INSTRUCTIONS: [&str; 11] = [
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "ONBUILD",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Parses one `--change` value with the Dockerfile parser and checks it.
/// Errors: `RUN is not a valid change command` (docker's wording), or the
/// parser's message.
pub fn parse_change(text: &str) -> Result<Instruction, String> {
    let df = crate::build::parser::parse(&format!("{text}\n"), "--change").map_err(|e| e.to_string())?;
    let [node] = df.nodes.as_slice() else {
        return Err(format!("--change {text:?}: expected exactly one instruction"));
    };
    let cmd = node.cmd.to_ascii_uppercase();
    if !CHANGE_INSTRUCTIONS.contains(&cmd.as_str()) {
        return Err(format!("{cmd} is not a valid change command"));
    }
    crate::build::instructions::check(node).map_err(|e| format!("--change {text:?}: {e}"))
}

/// Applies `--change` values in order to `image` (a whole image config):
/// each parsed with the Dockerfile parser, its words expanded against the
/// config's ENV, and applied as the builder applies it.
pub fn apply_changes(image: &mut Value, changes: &[String]) -> Result<(), String> {
    let x = Expander::new('\\');
    let mut cmd_set = false;
    for c in changes {
        let inst = parse_change(c)?;
        if let Some(change) = expand(image, &inst, &[], &x).map_err(|e| format!("--change {c:?}: {e}"))? {
            apply(image, &change, &mut cmd_set);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_as_docker_applies_them() {
        let mut c = json!({"config": {"Env": ["PATH=/bin", "A=0", "Z=9"], "Cmd": ["sh"]}});
        apply_changes(
            &mut c,
            &[
                r#"CMD ["/bin/sh","-c","echo hi"]"#.into(),
                "ENTRYPOINT top -b".into(),
                r#"ENV A="b c" B=$Z"#.into(),
                "ENV C 3 4".into(),
                "LABEL k=v \"x y\"=z".into(),
                "EXPOSE 80 53/udp".into(),
                "WORKDIR /srv".into(),
                "WORKDIR app".into(),
                "HEALTHCHECK --interval=5s CMD true".into(),
                "USER 1:2".into(),
                "VOLUME /data".into(),
            ],
        )
        .unwrap();
        let c = &c["config"];
        assert_eq!(c["Cmd"], json!(["/bin/sh", "-c", "echo hi"]), "CMD set in the same list stays");
        assert_eq!(c["Entrypoint"], json!(["/bin/sh", "-c", "top -b"]));
        assert_eq!(c["Env"], json!(["PATH=/bin", "A=b c", "Z=9", "B=9", "C=3 4"]), "replaced in place");
        assert_eq!(c["Labels"], json!({"k": "v", "x y": "z"}));
        assert_eq!(c["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
        assert_eq!(c["WorkingDir"], "/srv/app");
        assert_eq!(c["Healthcheck"], json!({"Test": ["CMD-SHELL", "true"], "Interval": 5_000_000_000u64}));
        assert_eq!(c["User"], "1:2");
        assert_eq!(c["Volumes"], json!({"/data": {}}));
        let mut d = json!({"config": {"Cmd": ["sh"]}});
        apply_changes(&mut d, &["ENTRYPOINT [\"top\"]".into()]).unwrap();
        assert!(d["config"]["Cmd"].is_null(), "ENTRYPOINT resets an inherited CMD");
        assert_eq!(apply_changes(&mut d, &["RUN x".into()]).unwrap_err(), "RUN is not a valid change command");
        assert!(apply_changes(&mut d, &["FROM x".into()]).is_err());
    }

    #[test]
    fn expansion_is_bounded() {
        let x = Expander::new('\\');
        let mut v = "x".repeat(1 << 16);
        let env = |v: &str| vec![format!("A={v}")];
        let mut err = None;
        for _ in 0..40 {
            match x.word("$A$A", &env(&v)) {
                Ok(w) => v = w,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let err = err.expect("doubling must hit the limit");
        assert!(err.contains("longer than 1048576 bytes"), "{err}");
        assert!(v.len() <= MAX_WORD);
    }

    #[test]
    fn ensure_path_adds_dockers_default_only_when_missing() {
        let mut c = json!({"config": {"Env": ["A=1"]}});
        ensure_path(&mut c);
        assert_eq!(c["config"]["Env"], json!(["A=1", format!("PATH={DEFAULT_PATH}")]));
        let mut c = json!({"config": {"Env": ["PATH=/x"]}});
        ensure_path(&mut c);
        assert_eq!(c["config"]["Env"], json!(["PATH=/x"]));
    }
}
