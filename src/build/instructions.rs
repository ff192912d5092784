//! Typed Dockerfile instructions: checks each parsed [`Node`] as BuildKit's
//! `frontend/dockerfile/instructions` does (argument counts, which `--flags`
//! each instruction accepts, flag value types, HEALTHCHECK options, stage
//! names, ONBUILD restrictions) and groups instructions into stages.
//!
//! Errors name the file and the instruction's first line:
//! `Dockerfile:7: unknown instruction: COPPY`.

use std::time::Duration;

use crate::build::parser::{Dockerfile, Heredoc, Node, ParseError, parse_heredoc};

/// A key/value of ENV or LABEL, before expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key (may contain quotes and variables until expanded).
    pub key: String,
    /// The value (likewise).
    pub value: String,
}

/// A command line of RUN, CMD, ENTRYPOINT or HEALTHCHECK.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CmdLine {
    /// Exec form: the argv; shell form: one string.
    pub args: Vec<String>,
    /// Shell form: run through the stage's SHELL.
    pub prepend_shell: bool,
    /// RUN heredocs.
    pub files: Vec<Heredoc>,
}

/// COPY/ADD sources and destination, before expansion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopySpec {
    /// Paths or URLs (ADD), relative to the context or the `--from` source.
    pub sources: Vec<String>,
    /// Inline files from heredocs (`COPY <<EOF /dst`).
    pub contents: Vec<Heredoc>,
    /// The destination.
    pub dest: String,
    /// `--from=stage|image` (COPY only).
    pub from: Option<String>,
    /// `--chown=user[:group]`.
    pub chown: Option<String>,
    /// `--chmod=MODE`.
    pub chmod: Option<String>,
    /// `--link` (accepted; the layer is produced the same way).
    pub link: bool,
    /// `--exclude=PATTERN` values.
    pub excludes: Vec<String>,
    /// `--parents` (COPY).
    pub parents: bool,
    /// `--checksum=sha256:…` (ADD).
    pub checksum: Option<String>,
    /// `--unpack=bool` (ADD).
    pub unpack: Option<bool>,
    /// `--keep-git-dir` (ADD).
    pub keep_git_dir: Option<bool>,
}

/// HEALTHCHECK settings (durations in nanoseconds in the image config).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Health {
    /// `["NONE"]`, `["CMD", argv…]` or `["CMD-SHELL", cmd]`.
    pub test: Vec<String>,
    /// `--interval`.
    pub interval: Option<Duration>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--start-period`.
    pub start_period: Option<Duration>,
    /// `--start-interval`.
    pub start_interval: Option<Duration>,
    /// `--retries`.
    pub retries: Option<i64>,
}

/// RUN's options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunOptions {
    /// `--mount=…` values, unparsed.
    pub mounts: Vec<String>,
    /// `--network=default|none|host`.
    pub network: String,
    /// `--security=sandbox|insecure`.
    pub security: String,
    /// `--device=…` values.
    pub devices: Vec<String>,
}

/// One instruction with its checked arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instruction {
    /// `FROM [--platform=P] IMAGE [AS NAME]`
    From {
        /// The base: image reference, stage name or `scratch` (unexpanded).
        base: String,
        /// `AS name`, lower-cased.
        name: Option<String>,
        /// `--platform`.
        platform: Option<String>,
    },
    /// `ARG NAME[=default] …`
    Arg(Vec<(String, Option<String>)>),
    /// `ENV k=v …`
    Env(Vec<KeyValue>),
    /// `LABEL k=v …`
    Label(Vec<KeyValue>),
    /// `MAINTAINER text`
    Maintainer(String),
    /// `RUN`
    Run(CmdLine, RunOptions),
    /// `CMD`
    Cmd(CmdLine),
    /// `ENTRYPOINT`
    Entrypoint(CmdLine),
    /// `SHELL ["exe", "arg"]`
    Shell(Vec<String>),
    /// `EXPOSE port[/proto] …` (sorted, as BuildKit does)
    Expose(Vec<String>),
    /// `VOLUME`
    Volume(Vec<String>),
    /// `USER`
    User(String),
    /// `WORKDIR`
    Workdir(String),
    /// `STOPSIGNAL`
    StopSignal(String),
    /// `HEALTHCHECK`
    Healthcheck(Health),
    /// `ONBUILD <instruction>`: the trigger's source text.
    Onbuild(String),
    /// `COPY`
    Copy(CopySpec),
    /// `ADD`
    Add(CopySpec),
}

/// An instruction with its source position and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The checked instruction.
    pub inst: Instruction,
    /// The parsed node (original text, lines, flags).
    pub node: Node,
}

/// A build stage: its FROM and the instructions after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The FROM step.
    pub from: Step,
    /// The stage's base (unexpanded).
    pub base: String,
    /// `AS name`, lower-cased.
    pub name: Option<String>,
    /// `--platform`.
    pub platform: Option<String>,
    /// The instructions after FROM.
    pub steps: Vec<Step>,
}

/// A Dockerfile checked and split into stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// ARGs before the first FROM (visible only in FROM lines).
    pub meta_args: Vec<Step>,
    /// The stages in order.
    pub stages: Vec<Stage>,
    /// The parsed file.
    pub dockerfile: Dockerfile,
}

/// Parses and checks Dockerfile text. `file` names the file in errors.
pub fn parse_program(src: &str, file: &str) -> Result<Program, ParseError> {
    let dockerfile = crate::build::parser::parse(src, file)?;
    let mut meta_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for node in &dockerfile.nodes {
        let err = |message: String| ParseError { file: file.to_string(), line: node.start_line, message };
        let inst = check(node).map_err(err)?;
        let step = Step { inst, node: node.clone() };
        match &step.inst {
            Instruction::Arg(_) if stages.is_empty() => meta_args.push(step),
            Instruction::From { base, name, platform } => stages.push(Stage {
                base: base.clone(),
                name: name.clone(),
                platform: platform.clone(),
                from: step.clone(),
                steps: Vec::new(),
            }),
            _ => match stages.last_mut() {
                Some(s) => s.steps.push(step),
                None => return Err(err("no build stage in current context".into())),
            },
        }
    }
    Ok(Program { meta_args, stages, dockerfile })
}

/// Flag definitions and values of one instruction (BuildKit's BFlags).
struct Flags<'a> {
    args: &'a [String],
    defs: Vec<(&'static str, FlagType)>,
    values: Vec<(String, Vec<String>)>,
}

#[derive(Clone, Copy, PartialEq)]
enum FlagType {
    Bool,
    Str,
    Strs,
}

impl<'a> Flags<'a> {
    fn new(args: &'a [String]) -> Self {
        Flags { args, defs: Vec::new(), values: Vec::new() }
    }

    fn def(mut self, name: &'static str, t: FlagType) -> Self {
        self.defs.push((name, t));
        self
    }

    fn parse(mut self) -> Result<Self, String> {
        for a in self.args {
            if a == "--" {
                break;
            }
            let Some(body) = a.strip_prefix("--") else {
                return Err(format!("arg should start with -- : {a}"));
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let Some(&(_, t)) = self.defs.iter().find(|(n, _)| *n == name) else {
                return Err(format!("unknown flag: --{name}"));
            };
            let seen = self.values.iter().position(|(n, _)| n == name);
            if seen.is_some() && t != FlagType::Strs {
                return Err(format!("duplicate flag specified: --{name}"));
            }
            let v = match t {
                FlagType::Bool => match value {
                    Some("") => return Err(format!("missing a value on flag: --{name}")),
                    None => "true".to_string(),
                    Some(v) => match v.to_ascii_lowercase().as_str() {
                        "true" => "true".into(),
                        "false" => "false".into(),
                        _ => return Err(format!("expecting boolean value for flag --{name}, not: {v}")),
                    },
                },
                _ => value.ok_or_else(|| format!("missing a value on flag: --{name}"))?.to_string(),
            };
            match seen {
                Some(i) => self.values[i].1.push(v),
                None => self.values.push((name.to_string(), vec![v])),
            }
        }
        Ok(self)
    }

    fn get(&self, name: &str) -> Option<String> {
        self.values.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.last().cloned())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).map(|v| v == "true")
    }
}

fn no_flags(node: &Node) -> Result<(), String> {
    Flags::new(&node.flags).parse().map(|_| ())
}

fn shell_dependent(node: &Node) -> CmdLine {
    let args = if node.json || node.args.is_empty() { node.args.clone() } else { vec![node.args.join(" ")] };
    CmdLine { args, prepend_shell: !node.json, files: node.heredocs.clone() }
}

fn kvs(node: &Node, what: &str) -> Result<Vec<KeyValue>, String> {
    if node.args.is_empty() {
        return Err(format!("{what} requires at least one argument"));
    }
    if !node.args.len().is_multiple_of(3) {
        return Err(format!("Bad input to {what}, too many arguments"));
    }
    node.args
        .chunks(3)
        .map(|c| {
            if c[0].is_empty() {
                Err(format!("{what} names can not be blank"))
            } else {
                Ok(KeyValue { key: c[0].clone(), value: c[1].clone() })
            }
        })
        .collect()
}

fn exactly_one(node: &Node, what: &str) -> Result<String, String> {
    if node.args.len() != 1 {
        return Err(format!("{what} requires exactly one argument"));
    }
    Ok(node.args[0].clone())
}

fn interval(flags: &Flags, name: &str) -> Result<Option<Duration>, String> {
    let Some(v) = flags.get(name).filter(|v| !v.is_empty()) else { return Ok(None) };
    let d = crate::units::parse_go_duration(&v)
        .map_err(|_| format!("time: invalid duration {}", crate::build::parser::go_quote(&v)))?;
    if d.is_zero() {
        return Ok(None);
    }
    if d < Duration::from_millis(1) {
        return Err(format!("Interval \"{name}\" cannot be less than 1ms"));
    }
    Ok(Some(d))
}

fn copy_spec(node: &Node, what: &str, flags: &Flags) -> Result<CopySpec, String> {
    let (srcs, dest) = node.args.split_at(node.args.len() - 1);
    let dest = dest[0].clone();
    if matches!(parse_heredoc(&dest), Ok(Some(_))) {
        return Err(format!("{what} cannot accept a heredoc as a destination"));
    }
    let mut spec = CopySpec { dest, ..CopySpec::default() };
    for s in srcs {
        match parse_heredoc(s) {
            Ok(Some(h)) => {
                let mut doc = node.heredocs.iter().find(|d| d.name == h.name).cloned().unwrap_or(h);
                doc.content = doc.effective_content();
                doc.chomp = false;
                spec.contents.push(doc);
            }
            _ => spec.sources.push(s.clone()),
        }
    }
    spec.chown = flags.get("chown").filter(|s| !s.is_empty());
    spec.chmod = flags.get("chmod").filter(|s| !s.is_empty());
    spec.link = flags.bool("link").unwrap_or(false);
    spec.excludes = flags.all("exclude");
    Ok(spec)
}

/// Checks one node. Errors are messages without position.
pub fn check(node: &Node) -> Result<Instruction, String> {
    use FlagType::*;
    let name = node.name();
    Ok(match name.as_str() {
        "env" => {
            no_flags(node)?;
            Instruction::Env(kvs(node, "ENV")?)
        }
        "label" => {
            no_flags(node)?;
            Instruction::Label(kvs(node, "LABEL")?)
        }
        "maintainer" => {
            let m = exactly_one(node, "MAINTAINER")?;
            no_flags(node)?;
            Instruction::Maintainer(m)
        }
        "add" => {
            if node.args.len() < 2 {
                return Err(
                    "ADD requires at least two arguments, but only one was provided. Destination could not be determined"
                        .into(),
                );
            }
            let f = Flags::new(&node.flags)
                .def("chown", Str)
                .def("chmod", Str)
                .def("link", Bool)
                .def("keep-git-dir", Bool)
                .def("checksum", Str)
                .def("unpack", Bool)
                .def("exclude", Strs)
                .parse()?;
            let mut spec = copy_spec(node, "ADD", &f)?;
            spec.checksum = f.get("checksum").filter(|s| !s.is_empty());
            spec.unpack = f.bool("unpack");
            spec.keep_git_dir = f.bool("keep-git-dir");
            Instruction::Add(spec)
        }
        "copy" => {
            if node.args.len() < 2 {
                return Err(
                    "COPY requires at least two arguments, but only one was provided. Destination could not be determined"
                        .into(),
                );
            }
            let f = Flags::new(&node.flags)
                .def("chown", Str)
                .def("from", Str)
                .def("chmod", Str)
                .def("link", Bool)
                .def("exclude", Strs)
                .def("parents", Bool)
                .parse()?;
            let mut spec = copy_spec(node, "COPY", &f)?;
            spec.from = f.get("from").filter(|s| !s.is_empty());
            spec.parents = f.bool("parents").unwrap_or(false);
            Instruction::Copy(spec)
        }
        "from" => {
            let a = &node.args;
            let stage = match a.len() {
                3 if a[1].eq_ignore_ascii_case("as") => {
                    let n = a[2].to_ascii_lowercase();
                    let valid = n.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                        && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
                    if !valid {
                        return Err(format!(
                            "invalid name for build stage: {}, name can't start with a number or contain symbols",
                            crate::build::parser::go_quote(&a[2])
                        ));
                    }
                    Some(n)
                }
                1 => None,
                _ => return Err("FROM requires either one or three arguments".into()),
            };
            let f = Flags::new(&node.flags).def("platform", Str).parse()?;
            Instruction::From { base: a[0].clone(), name: stage, platform: f.get("platform").filter(|s| !s.is_empty()) }
        }
        "onbuild" => {
            let Some(sub) = &node.sub else { return Err("ONBUILD requires at least one argument".into()) };
            no_flags(node)?;
            let trigger = sub.cmd.to_ascii_uppercase();
            match trigger.as_str() {
                "ONBUILD" => return Err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into()),
                "MAINTAINER" | "FROM" => return Err(format!("{trigger} isn't allowed as an ONBUILD trigger")),
                _ => {}
            }
            check(sub)?;
            let orig = node.original.trim_start();
            let mut expr = orig.get(7..).unwrap_or("").trim_start().to_string();
            for h in &node.heredocs {
                expr.push('\n');
                expr.push_str(&h.content);
                expr.push_str(&h.name);
            }
            Instruction::Onbuild(expr)
        }
        "workdir" => {
            let p = exactly_one(node, "WORKDIR")?;
            no_flags(node)?;
            Instruction::Workdir(p)
        }
        "run" => {
            let f = Flags::new(&node.flags)
                .def("mount", Strs)
                .def("network", Str)
                .def("security", Str)
                .def("device", Strs)
                .parse()?;
            let network = f.get("network").unwrap_or_else(|| "default".into());
            if !matches!(network.as_str(), "default" | "none" | "host") {
                return Err(format!("invalid network mode {}", crate::build::parser::go_quote(&network)));
            }
            let security = f.get("security").unwrap_or_else(|| "sandbox".into());
            if !matches!(security.as_str(), "sandbox" | "insecure") {
                return Err(format!("security {security} is not valid"));
            }
            Instruction::Run(
                shell_dependent(node),
                RunOptions { mounts: f.all("mount"), network, security, devices: f.all("device") },
            )
        }
        "cmd" => {
            no_flags(node)?;
            Instruction::Cmd(shell_dependent(node))
        }
        "entrypoint" => {
            no_flags(node)?;
            Instruction::Entrypoint(shell_dependent(node))
        }
        "healthcheck" => {
            if node.args.is_empty() {
                return Err("HEALTHCHECK requires at least one argument".into());
            }
            let typ = node.args[0].to_ascii_uppercase();
            let rest = &node.args[1..];
            if typ == "NONE" {
                if !rest.is_empty() {
                    return Err("HEALTHCHECK NONE takes no arguments".into());
                }
                Instruction::Healthcheck(Health { test: vec!["NONE".into()], ..Health::default() })
            } else {
                let f = Flags::new(&node.flags)
                    .def("interval", Str)
                    .def("timeout", Str)
                    .def("start-period", Str)
                    .def("start-interval", Str)
                    .def("retries", Str)
                    .parse()?;
                if typ != "CMD" {
                    return Err(format!(
                        "Unknown type {} in HEALTHCHECK (try CMD)",
                        crate::build::parser::go_quote(&typ)
                    ));
                }
                let cmd: Vec<String> = if node.json || rest.is_empty() { rest.to_vec() } else { vec![rest.join(" ")] };
                if cmd.is_empty() {
                    return Err("Missing command after HEALTHCHECK CMD".into());
                }
                let kind = if node.json { "CMD" } else { "CMD-SHELL" };
                let retries = match f.get("retries").filter(|s| !s.is_empty()) {
                    None => None,
                    Some(r) => {
                        let n: i64 =
                            r.parse().map_err(|_| format!("strconv.ParseInt: parsing \"{r}\": invalid syntax"))?;
                        if n < 0 {
                            return Err(format!("--retries cannot be negative ({n})"));
                        }
                        Some(n)
                    }
                };
                Instruction::Healthcheck(Health {
                    test: std::iter::once(kind.to_string()).chain(cmd).collect(),
                    interval: interval(&f, "interval")?,
                    timeout: interval(&f, "timeout")?,
                    start_period: interval(&f, "start-period")?,
                    start_interval: interval(&f, "start-interval")?,
                    retries,
                })
            }
        }
        "expose" => {
            if node.args.is_empty() {
                return Err("EXPOSE requires at least one argument".into());
            }
            no_flags(node)?;
            let mut ports = node.args.clone();
            ports.sort();
            Instruction::Expose(ports)
        }
        "user" => {
            let u = exactly_one(node, "USER")?;
            no_flags(node)?;
            Instruction::User(u)
        }
        "volume" => {
            if node.args.is_empty() {
                return Err("VOLUME requires at least one argument".into());
            }
            no_flags(node)?;
            let mut v = Vec::new();
            for a in &node.args {
                let a = a.trim();
                if a.is_empty() {
                    return Err("VOLUME specified can not be an empty string".into());
                }
                v.push(a.to_string());
            }
            Instruction::Volume(v)
        }
        "stopsignal" => Instruction::StopSignal(exactly_one(node, "STOPSIGNAL")?),
        "arg" => {
            if node.args.is_empty() {
                return Err("ARG requires at least one argument".into());
            }
            let mut v = Vec::new();
            for a in &node.args {
                match a.split_once('=') {
                    Some(("", _)) => return Err("ARG names can not be blank".into()),
                    Some((k, val)) => v.push((k.to_string(), Some(val.to_string()))),
                    None => v.push((a.clone(), None)),
                }
            }
            Instruction::Arg(v)
        }
        "shell" => {
            no_flags(node)?;
            if node.args.is_empty() {
                return Err("SHELL requires at least one argument".into());
            }
            if !node.json {
                return Err(format!("SHELL requires the arguments to be in JSON form: {}", node.original.trim()));
            }
            Instruction::Shell(node.args.clone())
        }
        _ => return Err(format!("unknown instruction: {}", node.cmd)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prog(src: &str) -> Result<Program, ParseError> {
        parse_program(src, "Dockerfile")
    }

    #[test]
    fn unknown_instruction_names_file_and_line() {
        let e = prog("FROM a\n\n# c\nRUN x \\\n  y\nCOPY . /\nCOPPY a b\n").unwrap_err();
        assert_eq!(e.to_string(), "Dockerfile:7: unknown instruction: COPPY");
    }

    #[test]
    fn flags_per_instruction() {
        assert!(prog("FROM a\nCOPY --from=b --chown=1:2 --chmod=755 --link x y\n").is_ok());
        let e = prog("FROM a\nRUN --from=b x\n").unwrap_err();
        assert_eq!(e.message, "unknown flag: --from");
        let e = prog("FROM a\nCOPY --chown x y\n").unwrap_err();
        assert_eq!(e.message, "missing a value on flag: --chown");
        let e = prog("FROM a\nRUN --network=bogus x\n").unwrap_err();
        assert!(e.message.contains("invalid network mode"));
        let p = prog("FROM --platform=linux/amd64 a AS Build\nRUN --mount=type=cache,target=/c --network=none x\n")
            .unwrap();
        assert_eq!(p.stages[0].name.as_deref(), Some("build"));
        assert_eq!(p.stages[0].platform.as_deref(), Some("linux/amd64"));
        match &p.stages[0].steps[0].inst {
            Instruction::Run(c, o) => {
                assert_eq!(c.args, ["x"]);
                assert!(c.prepend_shell);
                assert_eq!(o.network, "none");
                assert_eq!(o.mounts, ["type=cache,target=/c"]);
            }
            i => panic!("{i:?}"),
        }
    }

    #[test]
    fn stages_meta_args_health_onbuild() {
        let p = prog(
            "ARG V=1\nFROM a:$V AS one\nHEALTHCHECK --interval=5s --retries=3 CMD curl x\nONBUILD RUN echo hi\n\
             FROM one\nHEALTHCHECK NONE\nCOPY <<-EOF /x\n\thello\nEOF\n",
        )
        .unwrap();
        assert_eq!(p.meta_args.len(), 1);
        assert_eq!(p.stages.len(), 2);
        match &p.stages[0].steps[0].inst {
            Instruction::Healthcheck(h) => {
                assert_eq!(h.test, ["CMD-SHELL", "curl x"]);
                assert_eq!(h.interval, Some(Duration::from_secs(5)));
                assert_eq!(h.retries, Some(3));
            }
            i => panic!("{i:?}"),
        }
        assert_eq!(p.stages[0].steps[1].inst, Instruction::Onbuild("RUN echo hi".into()));
        match &p.stages[1].steps[1].inst {
            Instruction::Copy(c) => {
                assert_eq!(c.contents[0].content, "hello\n");
                assert_eq!(c.dest, "/x");
                assert!(c.sources.is_empty());
            }
            i => panic!("{i:?}"),
        }
        assert!(prog("FROM a\nONBUILD FROM b\n").is_err());
        assert!(prog("FROM a\nSHELL sh -c\n").is_err());
        assert!(prog("FROM a AS 1x\n").is_err());
        assert!(prog("RUN x\n").is_err());
        assert!(prog("FROM a\nCOPY x <<EOF\nEOF\n").is_err());
    }
}
