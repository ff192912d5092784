//! A Go `text/template` engine over JSON data, rendering values exactly as
//! Go does, so `--format` prints what docker prints.
//!
//! Implements the language of <https://pkg.go.dev/text/template>: text and
//! `{{actions}}` with `{{-`/`-}}` trimming and `{{/* comments */}}`;
//! pipelines (`a | f b`), fields (`.A.B`, `$x.A`, `(pipe).A`), variables
//! (`$x := …`, `$x = …`), literals (strings, raw strings, numbers, `true`,
//! `false`, `nil`); `if`/`else if`/`else`, `range` (with `$i, $v :=`, `else`,
//! `break`, `continue`), `with`/`else with`, `end`. Not implemented (an
//! error, never ignored): `define`, `template`, `block`.
//!
//! Functions: Go's builtins (`and`, `or`, `not`, `len`, `index`, `slice`,
//! `print`, `printf`, `println`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`,
//! `urlquery`) and docker's (`json`, `join`, `split`, `title`, `lower`,
//! `upper`, `pad`, `truncate`), callers may add more.
//!
//! Data is JSON, but docker renders its typed Go structs, so printing follows
//! Go's `fmt` `%v` of the Go type the JSON came from: a list is `[a b]`, a
//! map `map[k:v]` (keys sorted), a struct `{v1 v2}`, a missing value
//! `<no value>`, a nil pointer `<nil>`, a nil slice `[]`. Which JSON objects
//! were Go maps (rather than structs) and which `null`s were slices or maps
//! is told by [`Shape`]. [`Mode::Raw`] renders as docker does when it falls
//! back to the JSON decoded into `map[string]interface{}` (`inspect` does
//! that when a field is missing): every object a map, every null
//! `<no value>`, numbers float64, and a missing key an error (Go's
//! `missingkey=error`, as docker sets it there).

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A value during execution.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// An absent value (Go's invalid `reflect.Value`): prints `<no value>`.
    Missing,
    /// A nil pointer or interface inside a struct: prints `<nil>`.
    Nil,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer too large for `i64`.
    Uint(u64),
    /// A float64.
    Float(f64),
    /// A string.
    Str(String),
    /// A slice; `nil` marks a nil slice (prints `[]`, JSON `null`).
    List { items: Vec<Val>, nil: bool },
    /// A Go map (keys sorted); `nil` marks a nil map (prints `map[]`, JSON
    /// `null`); `typed` a docker `map[string]string`, where a missing key is
    /// `""` (else `map[string]interface{}`, where it is `<no value>`).
    Map { entries: BTreeMap<String, Val>, nil: bool, typed: bool },
    /// A Go struct: fields in order.
    Struct(Vec<(String, Val)>),
}

/// How JSON becomes [`Val`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// As docker's typed structs: objects are structs unless [`Shape`] says map.
    Typed,
    /// As `map[string]interface{}` decoded from JSON.
    Raw,
}

/// Which JSON keys hold Go maps and which hold slices, so objects and nulls
/// convert to the Go kind docker renders.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shape {
    /// Keys whose object values are Go maps (`Labels`, `ExposedPorts`, …).
    pub maps: &'static [&'static str],
    /// Keys whose null values are nil slices (`Entrypoint`, `Cmd`, …).
    pub slices: &'static [&'static str],
}

/// The shape of docker's inspect documents (containers, images, networks,
/// volumes): the keys of `types.ContainerJSON`, `types.ImageInspect`,
/// `types.NetworkResource` and `volume.Volume` that are maps or slices.
pub const DOCKER_SHAPE: Shape = Shape {
    maps: &[
        "Labels",
        "Volumes",
        "ExposedPorts",
        "Networks",
        "Ports",
        "Options",
        "DriverOpts",
        "Sysctls",
        "Data",
        "Containers",
        "ConfigFrom",
        "Status",
        "StorageOpt",
        "Tmpfs",
        "Annotations",
        "PortBindings",
    ],
    slices: &[
        "Entrypoint",
        "Cmd",
        "Env",
        "Binds",
        "Links",
        "Dns",
        "DnsOptions",
        "DnsSearch",
        "ExtraHosts",
        "CapAdd",
        "CapDrop",
        "GroupAdd",
        "SecurityOpt",
        "Mounts",
        "Aliases",
        "Devices",
        "DeviceRequests",
        "DeviceCgroupRules",
        "Ulimits",
        "OnBuild",
        "Shell",
        "RepoTags",
        "RepoDigests",
        "Layers",
        "ConsoleSize",
        "MaskedPaths",
        "ReadonlyPaths",
        "BlkioWeightDevice",
        "BlkioDeviceReadBps",
        "BlkioDeviceWriteBps",
        "BlkioDeviceReadIOps",
        "BlkioDeviceWriteIOps",
        "Log",
        "Config",
        "Peers",
        "Test",
        "Args",
        "[]",
    ],
};

impl Val {
    /// Converts JSON to a value; `key` is the key the JSON sat under.
    pub fn from_json(v: &serde_json::Value, mode: Mode, shape: &Shape, key: &str) -> Val {
        use serde_json::Value as J;
        match v {
            J::Null if mode == Mode::Raw => Val::Missing,
            J::Null if shape.maps.contains(&key) => Val::Map { entries: BTreeMap::new(), nil: true, typed: true },
            J::Null if shape.slices.contains(&key) => Val::List { items: Vec::new(), nil: true },
            J::Null => Val::Nil,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) if mode == Mode::Raw => Val::Float(n.as_f64().unwrap_or(0.0)),
            J::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Val::Int(i),
                (_, Some(u)) => Val::Uint(u),
                _ => Val::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Val::Str(s.clone()),
            J::Array(a) => {
                Val::List { items: a.iter().map(|x| Val::from_json(x, mode, shape, key)).collect(), nil: false }
            }
            J::Object(o) if mode == Mode::Raw || shape.maps.contains(&key) => Val::Map {
                entries: o
                    .iter()
                    .map(|(k, x)| (k.clone(), Val::from_json(x, mode, shape, key_for_child(key, k))))
                    .collect(),
                nil: false,
                typed: mode == Mode::Typed,
            },
            J::Object(o) => {
                Val::Struct(o.iter().map(|(k, x)| (k.clone(), Val::from_json(x, mode, shape, k))).collect())
            }
        }
    }

    /// Back to JSON (the `json` function), as Go's `encoding/json` writes
    /// it: nil slices and maps are `null`, a missing value is `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::Missing | Val::Nil => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Int(i) => J::from(*i),
            Val::Uint(u) => J::from(*u),
            Val::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Val::Str(s) => J::String(s.clone()),
            Val::List { nil: true, .. } | Val::Map { nil: true, .. } => J::Null,
            Val::List { items, .. } => J::Array(items.iter().map(Val::to_json).collect()),
            Val::Map { entries, .. } => J::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Val::Struct(fields) => J::Object(fields.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Go's truth: false, 0, nil, empty string, slice and map are false.
    pub fn truthy(&self) -> bool {
        match self {
            Val::Missing | Val::Nil => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Uint(u) => *u != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List { items, .. } => !items.is_empty(),
            Val::Map { entries, .. } => !entries.is_empty(),
            Val::Struct(_) => true,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Val::Missing => "invalid",
            Val::Nil => "nil pointer",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Uint(_) => "uint64",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List { .. } => "slice",
            Val::Map { .. } => "map",
            Val::Struct(_) => "struct",
        }
    }

    /// Go's `fmt.Sprint(v)` (`%v`).
    pub fn go_string(&self) -> String {
        let mut s = String::new();
        self.write_go(&mut s, true);
        s
    }

    fn write_go(&self, out: &mut String, top: bool) {
        match self {
            Val::Missing if top => out.push_str("<no value>"),
            Val::Missing | Val::Nil => out.push_str("<nil>"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Uint(u) => out.push_str(&u.to_string()),
            Val::Float(f) => out.push_str(&go_float(*f)),
            Val::Str(s) => out.push_str(s),
            Val::List { items, .. } => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.write_go(out, false);
                }
                out.push(']');
            }
            Val::Map { entries, .. } => {
                out.push_str("map[");
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.write_go(out, false);
                }
                out.push(']');
            }
            Val::Struct(fields) => {
                out.push('{');
                for (i, (_, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.write_go(out, false);
                }
                out.push('}');
            }
        }
    }
}

/// The key a map's values are shaped by: the entries of `Networks` are
/// structs (their own keys decide), of `Labels` plain values.
fn key_for_child<'a>(parent: &'a str, _child: &'a str) -> &'a str {
    match parent {
        "Networks" | "Status" | "Containers" | "ExposedPorts" | "Volumes" => "",
        "Ports" | "PortBindings" => "[]",
        _ => parent,
    }
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): the
/// shortest representation, in exponent form below 1e-4 and from 1e6
/// (`1.5e+09`, `1e-05`, `123456`).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let a = f.abs();
    if a == 0.0 || (1e-4..1e6).contains(&a) {
        return format!("{f}");
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mant}e{sign}{digits:0>2}")
}

/// A template error, in Go's wording where it matters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("template: {0}")]
pub struct TemplateError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, TemplateError> {
    Err(TemplateError(msg.into()))
}

/// A function callable from templates: receives the evaluated arguments.
pub type Func = fn(&[Val]) -> Result<Val, String>;

// ---------------------------------------------------------------- lexing

/// Where a node is, as Go's `ErrorContext` reports it: line (from 1) and
/// byte column (from 0).
type Pos = (usize, usize);

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// A field chain `.A.B` and its position (Go's: the first field's for
    /// one field, the second's for a chain).
    Field(Vec<String>, Pos),
    Dot,
    Var(String, Vec<String>),
    Ident(String),
    Str(String),
    Num(String),
    Char(char),
    Pipe,
    LParen,
    RParen(Vec<String>),
    Declare,
    Assign,
    Comma,
}

/// Text and actions of the template, trimming applied.
enum Piece {
    Text(String),
    Action(Vec<Tok>, usize),
}

fn split_pieces(src: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = src;
    let mut trim_next = false;
    let mut line = 1;
    while let Some(start) = rest.find("{{") {
        let mut text = &rest[..start];
        if trim_next {
            text = text.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        let mut inner = &rest[start + 2..];
        let trim_left = inner.starts_with("- ") || inner.starts_with("-\t") || inner.starts_with("-\n");
        if trim_left {
            text = text.trim_end_matches([' ', '\t', '\r', '\n']);
            inner = &inner[1..];
        }
        line += rest[..start].matches('\n').count();
        pieces.push(Piece::Text(text.to_string()));
        let end = find_action_end(inner).ok_or_else(|| TemplateError(format!(":{line}: unclosed action")))?;
        let mut body = &inner[..end];
        trim_next = false;
        if body.ends_with(" -") || body.ends_with("\t-") || body.ends_with("\n-") {
            body = &body[..body.len() - 1];
            trim_next = true;
        }
        let trimmed = body.trim();
        if trimmed.starts_with("/*") {
            if !trimmed.ends_with("*/") {
                return err(format!(":{line}: unclosed comment"));
            }
        } else {
            let body_offset = src.len() - inner.len();
            pieces.push(Piece::Action(lex(body, line, src, body_offset)?, line));
        }
        line += inner[..end].matches('\n').count();
        rest = &inner[end + 2..];
    }
    let mut text = rest;
    if trim_next {
        text = text.trim_start_matches([' ', '\t', '\r', '\n']);
    }
    pieces.push(Piece::Text(text.to_string()));
    Ok(pieces)
}

/// Where the `}}` closing an action is, skipping quoted strings and comments.
fn find_action_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = s[i + 2..].find("*/")?;
                i += end + 3;
            }
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Go's line and column of byte `pos` of `src`.
fn position(src: &str, pos: usize) -> Pos {
    let before = &src[..pos.min(src.len())];
    let line = 1 + before.matches('\n').count();
    match before.rfind('\n') {
        Some(nl) => (line, pos - nl - 1),
        None => (line, pos),
    }
}

/// Lexes the action `s`, which starts at byte `offset` of the template `src`.
fn lex(s: &str, line: usize, src: &str, offset: usize) -> Result<Vec<Tok>, TemplateError> {
    let chars: Vec<char> = s.chars().collect();
    // Byte offset in `src` of each char of `s`.
    let byte_at: Vec<usize> = s.char_indices().map(|(b, _)| offset + b).collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let take_chain = |i: &mut usize| -> Vec<String> {
        let mut chain = Vec::new();
        while *i < chars.len() && chars[*i] == '.' && chars.get(*i + 1).is_some_and(|c| is_ident_char(*c)) {
            *i += 1;
            let st = *i;
            while *i < chars.len() && is_ident_char(chars[*i]) {
                *i += 1;
            }
            chain.push(chars[st..*i].iter().collect());
        }
        chain
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' | '\n' => i += 1,
            '|' => {
                toks.push(Tok::Pipe);
                i += 1
            }
            '(' => {
                toks.push(Tok::LParen);
                i += 1
            }
            ')' => {
                i += 1;
                toks.push(Tok::RParen(take_chain(&mut i)));
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Declare);
                i += 2
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1
            }
            '.' => {
                let start = i;
                let chain = take_chain(&mut i);
                if chain.is_empty() {
                    toks.push(Tok::Dot);
                    i += 1;
                } else {
                    // Go: a chain's node is where its second field starts.
                    let at = if chain.len() == 1 { start } else { start + 1 + chain[0].chars().count() };
                    toks.push(Tok::Field(chain, position(src, byte_at[at])));
                }
            }
            '$' => {
                let st = i;
                i += 1;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let name: String = chars[st..i].iter().collect();
                toks.push(Tok::Var(name, take_chain(&mut i)));
            }
            '"' => {
                let st = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return err(format!(":{line}: unterminated quoted string"));
                }
                i += 1;
                let lit: String = chars[st..i].iter().collect();
                toks.push(Tok::Str(unquote(&lit).ok_or_else(|| TemplateError(format!(":{line}: bad string {lit}")))?));
            }
            '`' => {
                let st = i + 1;
                i += 1;
                while i < chars.len() && chars[i] != '`' {
                    i += 1;
                }
                if i >= chars.len() {
                    return err(format!(":{line}: unterminated raw quoted string"));
                }
                toks.push(Tok::Str(chars[st..i].iter().collect()));
                i += 1;
            }
            '\'' => {
                let st = i;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                let lit: String = chars[st..i.min(chars.len())].iter().collect();
                let inner = unquote(&format!("\"{}\"", &lit[1..lit.len().saturating_sub(1)]));
                match inner.as_deref().map(|s| s.chars().collect::<Vec<_>>()) {
                    Some(v) if v.len() == 1 => toks.push(Tok::Char(v[0])),
                    _ => return err(format!(":{line}: malformed character constant: {lit}")),
                }
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let st = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_') {
                    if (chars[i] == 'e' || chars[i] == 'E') && matches!(chars.get(i + 1), Some('+' | '-')) {
                        i += 1;
                    }
                    i += 1;
                }
                toks.push(Tok::Num(chars[st..i].iter().collect()));
            }
            c if is_ident_char(c) => {
                let st = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                toks.push(Tok::Ident(chars[st..i].iter().collect()));
            }
            _ => return err(format!(":{line}: unexpected {c:?} in command")),
        }
    }
    Ok(toks)
}

/// Go's `strconv.Unquote` of a double-quoted literal.
fn unquote(lit: &str) -> Option<String> {
    let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'x' => {
                let h: String = it.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&h, 16).ok()?));
            }
            'u' => {
                let h: String = it.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            'U' => {
                let h: String = it.by_ref().take(8).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

// ---------------------------------------------------------------- parsing

#[derive(Clone, Debug)]
enum Arg {
    Field(Vec<String>, Pos),
    Dot,
    Var(String, Vec<String>),
    Func(String),
    Lit(Val),
    Paren(Box<Pipe>, Vec<String>),
}

#[derive(Clone, Debug)]
struct Pipe {
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Vec<Arg>>,
}

#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Action(Pipe),
    If(Pipe, Vec<Node>, Vec<Node>),
    Range(Pipe, Vec<Node>, Vec<Node>),
    With(Pipe, Vec<Node>, Vec<Node>),
    Break,
    Continue,
}

/// A parsed template.
#[derive(Clone, Debug)]
pub struct Template {
    nodes: Vec<Node>,
    funcs: BTreeMap<String, Func>,
}

struct Parser<'a> {
    pieces: std::iter::Peekable<std::vec::IntoIter<Piece>>,
    funcs: &'a BTreeMap<String, Func>,
    in_range: usize,
}

/// What ended a list of nodes.
enum Stop {
    Eof,
    End,
    Else(Vec<Tok>),
}

impl Parser<'_> {
    fn list(&mut self) -> Result<(Vec<Node>, Stop), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(p) = self.pieces.next() {
            let (toks, line) = match p {
                Piece::Text(t) => {
                    if !t.is_empty() {
                        nodes.push(Node::Text(t));
                    }
                    continue;
                }
                Piece::Action(toks, line) => (toks, line),
            };
            let keyword = match toks.first() {
                Some(Tok::Ident(k)) => k.as_str(),
                None => return err(format!(":{line}: missing value for command")),
                _ => "",
            };
            match keyword {
                "end" => return Ok((nodes, Stop::End)),
                "else" => return Ok((nodes, Stop::Else(toks[1..].to_vec()))),
                "if" | "range" | "with" => {
                    let kind = keyword.to_string();
                    nodes.push(self.block(&kind, &toks[1..], line)?);
                }
                "break" | "continue" => {
                    if self.in_range == 0 {
                        return err(format!(":{line}: {{{{{keyword}}}}} outside {{{{range}}}}"));
                    }
                    nodes.push(if keyword == "break" { Node::Break } else { Node::Continue });
                }
                "define" | "template" | "block" => {
                    return err(format!(":{line}: {{{{{keyword}}}}} is not supported in --format templates"));
                }
                _ => nodes.push(Node::Action(self.pipe(&toks, line)?)),
            }
        }
        Ok((nodes, Stop::Eof))
    }

    fn block(&mut self, kind: &str, toks: &[Tok], line: usize) -> Result<Node, TemplateError> {
        let pipe = self.pipe(toks, line)?;
        if kind == "range" {
            self.in_range += 1;
        }
        let (body, stop) = self.list()?;
        if kind == "range" {
            self.in_range -= 1;
        }
        let else_ = match stop {
            Stop::Eof => return err(format!(":{line}: unexpected EOF")),
            Stop::End => Vec::new(),
            Stop::Else(rest) if rest.is_empty() => {
                let (else_body, stop) = self.list()?;
                if !matches!(stop, Stop::End) {
                    return err(format!(":{line}: expected end; found {}", stop_name(&stop)));
                }
                else_body
            }
            Stop::Else(rest) => match rest.first() {
                Some(Tok::Ident(k)) if (k == "if" && kind == "if") || (k == "with" && kind == "with") => {
                    // `else if` / `else with` chain: one nested block sharing our end.
                    vec![self.block(kind, &rest[1..], line)?]
                }
                _ => return err(format!(":{line}: unexpected tokens after else")),
            },
        };
        Ok(match kind {
            "if" => Node::If(pipe, body, else_),
            "range" => Node::Range(pipe, body, else_),
            _ => Node::With(pipe, body, else_),
        })
    }

    fn pipe(&self, toks: &[Tok], line: usize) -> Result<Pipe, TemplateError> {
        let mut toks = toks;
        let mut decl = Vec::new();
        let mut assign = false;
        // `$x :=`, `$x =`, `$i, $v :=`
        let mut j = 0;
        let mut names = Vec::new();
        while let Some(Tok::Var(name, chain)) = toks.get(j) {
            if !chain.is_empty() {
                break;
            }
            names.push(name.clone());
            match toks.get(j + 1) {
                Some(Tok::Comma) => j += 2,
                Some(Tok::Declare) | Some(Tok::Assign) => {
                    assign = toks[j + 1] == Tok::Assign;
                    decl = names.clone();
                    toks = &toks[j + 2..];
                    break;
                }
                _ => break,
            }
        }
        let mut pos = 0;
        let pipe = self.pipeline(toks, &mut pos, line)?;
        if pos != toks.len() {
            return err(format!(":{line}: unexpected {:?} in operand", toks[pos]));
        }
        Ok(Pipe { decl, assign, cmds: pipe.cmds })
    }

    fn pipeline(&self, toks: &[Tok], pos: &mut usize, line: usize) -> Result<Pipe, TemplateError> {
        let mut cmds = Vec::new();
        let mut cmd = Vec::new();
        while *pos < toks.len() {
            let t = &toks[*pos];
            *pos += 1;
            let arg = match t {
                Tok::Pipe => {
                    if cmd.is_empty() {
                        return err(format!(":{line}: missing command"));
                    }
                    cmds.push(std::mem::take(&mut cmd));
                    continue;
                }
                Tok::RParen(_) => {
                    *pos -= 1;
                    break;
                }
                Tok::Field(c, p) => Arg::Field(c.clone(), *p),
                Tok::Dot => Arg::Dot,
                Tok::Var(n, c) => Arg::Var(n.clone(), c.clone()),
                Tok::Str(s) => Arg::Lit(Val::Str(s.clone())),
                Tok::Char(c) => Arg::Lit(Val::Int(*c as i64)),
                Tok::Num(n) => Arg::Lit(
                    parse_number(n).ok_or_else(|| TemplateError(format!(":{line}: bad number syntax: {n:?}")))?,
                ),
                Tok::Ident(id) => match id.as_str() {
                    "true" => Arg::Lit(Val::Bool(true)),
                    "false" => Arg::Lit(Val::Bool(false)),
                    "nil" => Arg::Lit(Val::Nil),
                    f if self.funcs.contains_key(f) => Arg::Func(f.to_string()),
                    f => return err(format!(":{line}: function {f:?} not defined")),
                },
                Tok::LParen => {
                    let inner = self.pipeline(toks, pos, line)?;
                    match toks.get(*pos) {
                        Some(Tok::RParen(chain)) => {
                            *pos += 1;
                            Arg::Paren(Box::new(inner), chain.clone())
                        }
                        _ => return err(format!(":{line}: unclosed left paren")),
                    }
                }
                other => return err(format!(":{line}: unexpected {other:?} in operand")),
            };
            cmd.push(arg);
        }
        if cmd.is_empty() {
            return err(format!(":{line}: missing value for command"));
        }
        cmds.push(cmd);
        Ok(Pipe { decl: Vec::new(), assign: false, cmds })
    }
}

fn stop_name(s: &Stop) -> &'static str {
    match s {
        Stop::Eof => "EOF",
        Stop::End => "end",
        Stop::Else(_) => "else",
    }
}

fn parse_number(n: &str) -> Option<Val> {
    let clean = n.replace('_', "");
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let int = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = body.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else {
        body.parse::<i64>().ok()
    };
    if let Some(i) = int {
        return Some(Val::Int(if neg { -i } else { i }));
    }
    clean.parse::<f64>().ok().map(Val::Float)
}

// ---------------------------------------------------------------- execution

enum Flow {
    Normal,
    Break,
    Continue,
}

struct Exec<'a> {
    funcs: &'a BTreeMap<String, Func>,
    vars: Vec<(String, Val)>,
    out: String,
}

impl Template {
    /// Parses `src` with Go's builtins, docker's functions and `extra`.
    ///
    /// Errors: Go's parse errors (`template: :1: function "foo" not defined`).
    pub fn parse(src: &str, extra: &[(&str, Func)]) -> Result<Template, TemplateError> {
        let mut funcs: BTreeMap<String, Func> = BUILTINS.iter().map(|(k, f)| (k.to_string(), *f)).collect();
        funcs.extend(extra.iter().map(|(k, f)| (k.to_string(), *f)));
        let mut p = Parser { pieces: split_pieces(src)?.into_iter().peekable(), funcs: &funcs, in_range: 0 };
        let (nodes, stop) = p.list()?;
        match stop {
            Stop::Eof => {}
            Stop::End => return err(":1: unexpected {{end}}"),
            Stop::Else(_) => return err(":1: unexpected {{else}}"),
        }
        Ok(Template { nodes, funcs })
    }

    /// Executes the template with `data` as dot (and `$`).
    ///
    /// Errors: Go's execution errors (a missing field of a struct, a wrong
    /// argument, `len` of a number, …).
    pub fn execute(&self, data: &Val) -> Result<String, TemplateError> {
        let mut ex = Exec { funcs: &self.funcs, vars: vec![("$".into(), data.clone())], out: String::new() };
        ex.walk(&self.nodes, data)?;
        Ok(ex.out)
    }
}

impl Exec<'_> {
    fn walk(&mut self, nodes: &[Node], dot: &Val) -> Result<Flow, TemplateError> {
        for n in nodes {
            match n {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(p) => {
                    let v = self.pipe(p, dot)?;
                    if p.decl.is_empty() {
                        v.write_go(&mut self.out, true);
                    }
                }
                Node::If(p, then, else_) | Node::With(p, then, else_) => {
                    let mark = self.vars.len();
                    let v = self.pipe(p, dot)?;
                    let flow = if v.truthy() {
                        let new_dot = if matches!(n, Node::With(..)) { v } else { dot.clone() };
                        self.walk(then, &new_dot)?
                    } else {
                        self.walk(else_, dot)?
                    };
                    self.vars.truncate(mark);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Range(p, body, else_) => {
                    let mark = self.vars.len();
                    let v = self.pipe(&Pipe { decl: Vec::new(), assign: false, cmds: p.cmds.clone() }, dot)?;
                    let items: Vec<(Val, Val)> = match v {
                        Val::List { items, .. } => {
                            items.into_iter().enumerate().map(|(i, v)| (Val::Int(i as i64), v)).collect()
                        }
                        Val::Map { entries, .. } => entries.into_iter().map(|(k, v)| (Val::Str(k), v)).collect(),
                        Val::Int(n) => (0..n).map(|i| (Val::Int(i), Val::Int(i))).collect(),
                        Val::Missing | Val::Nil => Vec::new(),
                        other => return err(format!("range can't iterate over {}", other.go_string())),
                    };
                    if items.is_empty() {
                        self.walk(else_, dot)?;
                    }
                    for (k, v) in items {
                        let inner = self.vars.len();
                        match p.decl.as_slice() {
                            [] => {}
                            [one] => self.vars.push((one.clone(), v.clone())),
                            [a, b, ..] => {
                                self.vars.push((a.clone(), k));
                                self.vars.push((b.clone(), v.clone()));
                            }
                        }
                        let flow = self.walk(body, &v)?;
                        self.vars.truncate(inner);
                        if matches!(flow, Flow::Break) {
                            break;
                        }
                    }
                    self.vars.truncate(mark);
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn pipe(&mut self, p: &Pipe, dot: &Val) -> Result<Val, TemplateError> {
        let mut value: Option<Val> = None;
        for cmd in &p.cmds {
            value = Some(self.command(cmd, dot, value)?);
        }
        let v = value.unwrap_or(Val::Missing);
        if p.assign {
            let name = &p.decl[0];
            match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = v.clone(),
                None => return err(format!("undefined variable: {name}")),
            }
        } else if p.decl.len() == 1 {
            self.vars.push((p.decl[0].clone(), v.clone()));
        }
        Ok(v)
    }

    fn command(&mut self, cmd: &[Arg], dot: &Val, fin: Option<Val>) -> Result<Val, TemplateError> {
        if let Arg::Func(name) = &cmd[0] {
            let mut args = Vec::with_capacity(cmd.len());
            for a in &cmd[1..] {
                args.push(self.arg(a, dot)?);
            }
            if let Some(f) = fin {
                args.push(f);
            }
            let f = self.funcs[name];
            return f(&args)
                .map_err(|e| TemplateError(format!("executing \"\" at <{name}>: error calling {name}: {e}")));
        }
        if let (Arg::Field(chain, _), [key]) = (&cmd[0], &cmd[1..])
            && chain.last().is_some_and(|l| l == "Label")
            && fin.is_none()
        {
            // docker's `Label KEY` method of its ps, network and volume rows.
            let owner = fields(dot, &chain[..chain.len() - 1])?;
            let key = self.arg(key, dot)?;
            return Ok(label(&owner, &key.go_string()));
        }
        if cmd.len() > 1 || fin.is_some() {
            return err(format!("executing \"\" at <{}>: can't give argument to non-function", arg_name(&cmd[0])));
        }
        self.arg(&cmd[0], dot)
    }

    fn arg(&mut self, a: &Arg, dot: &Val) -> Result<Val, TemplateError> {
        match a {
            Arg::Dot => Ok(dot.clone()),
            Arg::Lit(v) => Ok(v.clone()),
            // Go names the whole chain and where it is.
            Arg::Field(chain, (line, col)) => fields(dot, chain).map_err(|e| match e.0.strip_prefix("executing") {
                Some(rest) => {
                    let node = format!(".{}", chain.join("."));
                    let rest = match rest.split_once(">:") {
                        Some((_, tail)) => format!(" \"\" at <{node}>:{tail}"),
                        None => rest.to_string(),
                    };
                    TemplateError(format!(":{line}:{col}: executing{rest}"))
                }
                None => e,
            }),
            Arg::Var(name, chain) => {
                let v = match self.vars.iter().rev().find(|(n, _)| n == name) {
                    Some((_, v)) => v.clone(),
                    None => return err(format!("undefined variable: {name}")),
                };
                fields(&v, chain)
            }
            Arg::Paren(p, chain) => {
                let v = self.pipe(p, dot)?;
                fields(&v, chain)
            }
            Arg::Func(name) => {
                let f = self.funcs[name];
                f(&[]).map_err(|e| TemplateError(format!("executing \"\" at <{name}>: error calling {name}: {e}")))
            }
        }
    }
}

fn arg_name(a: &Arg) -> String {
    match a {
        Arg::Field(c, _) => format!(".{}", c.join(".")),
        Arg::Dot => ".".into(),
        Arg::Var(n, c) if c.is_empty() => n.clone(),
        Arg::Var(n, c) => format!("{n}.{}", c.join(".")),
        Arg::Func(f) => f.clone(),
        Arg::Lit(v) => v.go_string(),
        Arg::Paren(..) => "(...)".into(),
    }
}

/// Follows a field chain as Go does: a struct's missing field is an error,
/// a map's missing key the zero value (`<no value>` for interface maps).
fn fields(v: &Val, chain: &[String]) -> Result<Val, TemplateError> {
    let mut cur = v.clone();
    for (i, name) in chain.iter().enumerate() {
        let at = format!(".{}", chain[..=i].join("."));
        cur = match cur {
            Val::Struct(fs) => match fs.into_iter().find(|(k, _)| k == name) {
                Some((_, v)) => v,
                None => return err(format!("executing \"\" at <{at}>: can't evaluate field {name} in type struct")),
            },
            Val::Map { entries, typed, .. } => match entries.get(name) {
                Some(v) => v.clone(),
                None if typed => missing_key(true),
                // Raw JSON is rendered as docker's inspect does, with Go's
                // `missingkey=error`.
                None => return err(format!("executing \"\" at <{at}>: map has no entry for key \"{name}\"")),
            },
            Val::Nil => return err(format!("executing \"\" at <{at}>: nil pointer evaluating {name}")),
            Val::Missing => {
                return err(format!("executing \"\" at <{at}>: nil pointer evaluating interface {{}}.{name}"));
            }
            other => {
                return err(format!("executing \"\" at <{at}>: can't evaluate field {name} in type {}", other.kind()));
            }
        };
    }
    Ok(cur)
}

/// docker's `.Label KEY`: the value of label KEY of a row whose `Labels`
/// is a map or docker's `k=v,k2=v2` string; `""` when absent.
fn label(owner: &Val, key: &str) -> Val {
    let labels = match owner {
        Val::Struct(fs) => fs.iter().find(|(k, _)| k == "Labels").map(|(_, v)| v.clone()),
        Val::Map { entries, .. } => entries.get("Labels").cloned(),
        _ => None,
    };
    let value = match labels {
        Some(Val::Map { entries, .. }) => entries.get(key).map(Val::go_string),
        Some(Val::Str(s)) => {
            s.split(',').find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
        }
        _ => None,
    };
    Val::Str(value.unwrap_or_default())
}

/// The zero value a map gives for a missing key.
fn missing_key(typed: bool) -> Val {
    if typed { Val::Str(String::new()) } else { Val::Missing }
}

// ---------------------------------------------------------------- functions

const BUILTINS: &[(&str, Func)] = &[
    ("and", f_and),
    ("or", f_or),
    ("not", f_not),
    ("len", f_len),
    ("index", f_index),
    ("slice", f_slice),
    ("print", f_print),
    ("printf", f_printf),
    ("println", f_println),
    ("eq", f_eq),
    ("ne", f_ne),
    ("lt", f_lt),
    ("le", f_le),
    ("gt", f_gt),
    ("ge", f_ge),
    ("urlquery", f_urlquery),
    ("json", f_json),
    ("join", f_join),
    ("split", f_split),
    ("title", f_title),
    ("lower", f_lower),
    ("upper", f_upper),
    ("pad", f_pad),
    ("truncate", f_truncate),
];

fn want(args: &[Val], n: usize) -> Result<(), String> {
    if args.len() != n { Err(format!("wrong number of args: want {n} got {}", args.len())) } else { Ok(()) }
}

fn str_arg(v: &Val) -> Result<String, String> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        other => Err(format!("wrong type for value; expected string; got {}", other.kind())),
    }
}

fn int_arg(v: &Val) -> Result<i64, String> {
    match v {
        Val::Int(i) => Ok(*i),
        Val::Uint(u) => Ok(*u as i64),
        Val::Float(f) if f.fract() == 0.0 => Ok(*f as i64),
        other => Err(format!("wrong type for value; expected int; got {}", other.kind())),
    }
}

fn f_and(args: &[Val]) -> Result<Val, String> {
    let first_false = args.iter().find(|a| !a.truthy());
    Ok(first_false.or(args.last()).cloned().unwrap_or(Val::Missing))
}

fn f_or(args: &[Val]) -> Result<Val, String> {
    let first_true = args.iter().find(|a| a.truthy());
    Ok(first_true.or(args.last()).cloned().unwrap_or(Val::Missing))
}

fn f_not(args: &[Val]) -> Result<Val, String> {
    want(args, 1)?;
    Ok(Val::Bool(!args[0].truthy()))
}

fn f_len(args: &[Val]) -> Result<Val, String> {
    want(args, 1)?;
    match &args[0] {
        Val::Str(s) => Ok(Val::Int(s.len() as i64)),
        Val::List { items, .. } => Ok(Val::Int(items.len() as i64)),
        Val::Map { entries, .. } => Ok(Val::Int(entries.len() as i64)),
        other => Err(format!("len of type {}", other.kind())),
    }
}

fn f_index(args: &[Val]) -> Result<Val, String> {
    let Some((first, keys)) = args.split_first() else { return Err("wrong number of args for index".into()) };
    let mut cur = first.clone();
    for k in keys {
        cur = match (&cur, k) {
            (Val::List { items, .. }, k) => {
                let i = int_arg(k)?;
                items
                    .get(usize::try_from(i).map_err(|_| format!("index out of range: {i}"))?)
                    .cloned()
                    .ok_or(format!("index out of range: {i}"))?
            }
            (Val::Str(s), k) => {
                let i = int_arg(k)?;
                Val::Int(*s.as_bytes().get(i as usize).ok_or(format!("index out of range: {i}"))? as i64)
            }
            // docker's maps are map[string]string: a missing key is "".
            (Val::Map { entries, typed, .. }, Val::Str(key)) => {
                entries.get(key).cloned().unwrap_or(missing_key(*typed))
            }
            (Val::Missing | Val::Nil, _) => return Err("index of untyped nil".into()),
            (other, _) => return Err(format!("can't index item of type {}", other.kind())),
        };
    }
    Ok(cur)
}

fn f_slice(args: &[Val]) -> Result<Val, String> {
    let Some((first, idx)) = args.split_first() else { return Err("wrong number of args for slice".into()) };
    let bounds: Vec<i64> = idx.iter().map(int_arg).collect::<Result<_, _>>()?;
    let len = match first {
        Val::Str(s) => s.len(),
        Val::List { items, .. } => items.len(),
        other => return Err(format!("can't slice item of type {}", other.kind())),
    } as i64;
    let lo = *bounds.first().unwrap_or(&0);
    let hi = *bounds.get(1).unwrap_or(&len);
    if lo < 0 || hi < lo || hi > len {
        return Err(format!("index out of range: {lo}:{hi}"));
    }
    Ok(match first {
        Val::Str(s) => Val::Str(s.get(lo as usize..hi as usize).ok_or("slice of string within a character")?.into()),
        Val::List { items, .. } => Val::List { items: items[lo as usize..hi as usize].to_vec(), nil: false },
        _ => unreachable!(),
    })
}

/// Go's `fmt.Sprint`: a space between operands when neither is a string.
fn sprint(args: &[Val]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Val::Str(_)) && !matches!(args[i - 1], Val::Str(_)) {
            out.push(' ');
        }
        a.write_go(&mut out, false);
    }
    out
}

fn f_print(args: &[Val]) -> Result<Val, String> {
    Ok(Val::Str(sprint(args)))
}

fn f_println(args: &[Val]) -> Result<Val, String> {
    let mut out = args.iter().map(|a| {
        let mut s = String::new();
        a.write_go(&mut s, false);
        s
    });
    let mut s = out.next().unwrap_or_default();
    for a in out {
        s.push(' ');
        s.push_str(&a);
    }
    s.push('\n');
    Ok(Val::Str(s))
}

fn f_printf(args: &[Val]) -> Result<Val, String> {
    let Some((fmt, rest)) = args.split_first() else { return Err("wrong number of args for printf".into()) };
    Ok(Val::Str(sprintf(&str_arg(fmt)?, rest)))
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %f %t %x
/// %X %%` with flags `-+0 ` and width/precision.
pub fn sprintf(fmt: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut minus, mut plus, mut zero, mut space) = (false, false, false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => minus = true,
                '+' => plus = true,
                '0' => zero = true,
                ' ' => space = true,
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.next() else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        let mut s = match (verb, arg) {
            ('d', Val::Int(i)) => sign(i.to_string(), plus, space),
            ('d', Val::Uint(u)) => sign(u.to_string(), plus, space),
            ('f' | 'F', Val::Float(_) | Val::Int(_) | Val::Uint(_)) => {
                let f = match arg {
                    Val::Float(f) => *f,
                    Val::Int(i) => *i as f64,
                    Val::Uint(u) => *u as f64,
                    _ => 0.0,
                };
                if matches!(arg, Val::Float(_)) {
                    sign(format!("{f:.*}", prec.unwrap_or(6)), plus, space)
                } else {
                    format!("%!f({} ={})", arg.kind(), arg.go_string())
                }
            }
            ('x', Val::Int(i)) => format!("{i:x}"),
            ('X', Val::Int(i)) => format!("{i:X}"),
            ('x', Val::Str(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
            ('X', Val::Str(s)) => s.bytes().map(|b| format!("{b:02X}")).collect(),
            ('q', Val::Str(s)) => serde_json::to_string(s).unwrap_or_default(),
            ('t', Val::Bool(b)) => b.to_string(),
            ('s' | 'v', v) => {
                let mut s = String::new();
                v.write_go(&mut s, false);
                if let (Some(p), 's') = (prec, verb) {
                    s = s.chars().take(p).collect();
                }
                if matches!(v, Val::Int(_) | Val::Float(_)) && verb == 'v' { sign(s, plus, space) } else { s }
            }
            (verb, v) => format!("%!{verb}({}={})", v.kind(), v.go_string()),
        };
        let w: usize = width.parse().unwrap_or(0);
        let n = s.chars().count();
        if n < w {
            let pad = w - n;
            if minus {
                s.push_str(&" ".repeat(pad));
            } else if zero && matches!(arg, Val::Int(_) | Val::Uint(_) | Val::Float(_)) {
                let (sg, digits) = if s.starts_with(['-', '+']) { s.split_at(1) } else { ("", s.as_str()) };
                s = format!("{sg}{}{digits}", "0".repeat(pad));
            } else {
                s = format!("{}{s}", " ".repeat(pad));
            }
        }
        out.push_str(&s);
    }
    let extra: Vec<&Val> = args.collect();
    if !extra.is_empty() {
        out.push_str("%!(EXTRA ");
        out.push_str(&extra.iter().map(|v| format!("{}={}", v.kind(), v.go_string())).collect::<Vec<_>>().join(", "));
        out.push(')');
    }
    out
}

fn sign(s: String, plus: bool, space: bool) -> String {
    if s.starts_with('-') {
        s
    } else if plus {
        format!("+{s}")
    } else if space {
        format!(" {s}")
    } else {
        s
    }
}

fn num(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Uint(u) => Some(*u as f64),
        Val::Float(f) => Some(*f),
        _ => None,
    }
}

fn compare(a: &Val, b: &Val) -> Result<std::cmp::Ordering, String> {
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Ok(x.cmp(y)),
        (Val::Int(_) | Val::Uint(_), Val::Int(_) | Val::Uint(_)) | (Val::Float(_), Val::Float(_)) => {
            num(a).zip(num(b)).and_then(|(x, y)| x.partial_cmp(&y)).ok_or_else(|| "incomparable".to_string())
        }
        (Val::Bool(x), Val::Bool(y)) => Ok(x.cmp(y)),
        _ => Err("incompatible types for comparison".into()),
    }
}

fn f_eq(args: &[Val]) -> Result<Val, String> {
    let Some((first, rest)) = args.split_first() else { return Err("missing argument for comparison".into()) };
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    for b in rest {
        let equal = match (first, b) {
            (Val::Nil | Val::Missing, Val::Nil | Val::Missing) => true,
            (Val::Nil | Val::Missing, _) | (_, Val::Nil | Val::Missing) => false,
            _ => compare(first, b)? == std::cmp::Ordering::Equal,
        };
        if equal {
            return Ok(Val::Bool(true));
        }
    }
    Ok(Val::Bool(false))
}

fn f_ne(args: &[Val]) -> Result<Val, String> {
    want(args, 2)?;
    Ok(Val::Bool(!f_eq(args)?.truthy()))
}

fn ordered(args: &[Val], ok: fn(std::cmp::Ordering) -> bool) -> Result<Val, String> {
    want(args, 2)?;
    Ok(Val::Bool(ok(compare(&args[0], &args[1])?)))
}

fn f_lt(args: &[Val]) -> Result<Val, String> {
    ordered(args, |o| o.is_lt())
}
fn f_le(args: &[Val]) -> Result<Val, String> {
    ordered(args, |o| o.is_le())
}
fn f_gt(args: &[Val]) -> Result<Val, String> {
    ordered(args, |o| o.is_gt())
}
fn f_ge(args: &[Val]) -> Result<Val, String> {
    ordered(args, |o| o.is_ge())
}

fn f_urlquery(args: &[Val]) -> Result<Val, String> {
    let s = sprint(args);
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    Ok(Val::Str(out))
}

/// docker's `json`: `encoding/json` without HTML escaping, no newline.
fn f_json(args: &[Val]) -> Result<Val, String> {
    want(args, 1)?;
    Ok(Val::Str(args[0].to_json().to_string()))
}

fn f_join(args: &[Val]) -> Result<Val, String> {
    want(args, 2)?;
    let sep = str_arg(&args[1])?;
    match &args[0] {
        Val::List { items, .. } => Ok(Val::Str(items.iter().map(str_arg).collect::<Result<Vec<_>, _>>()?.join(&sep))),
        other => Err(format!("wrong type for value; expected []string; got {}", other.kind())),
    }
}

fn f_split(args: &[Val]) -> Result<Val, String> {
    want(args, 2)?;
    let s = str_arg(&args[0])?;
    let sep = str_arg(&args[1])?;
    let items: Vec<Val> = if sep.is_empty() {
        s.chars().map(|c| Val::Str(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(|p| Val::Str(p.to_string())).collect()
    };
    Ok(Val::List { items, nil: false })
}

/// Go's `strings.Title`: upper-cases letters that start a word (after
/// anything but a letter, digit, underscore or apostrophe).
fn f_title(args: &[Val]) -> Result<Val, String> {
    want(args, 1)?;
    let s = str_arg(&args[0])?;
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    Ok(Val::Str(out))
}

fn f_lower(args: &[Val]) -> Result<Val, String> {
    want(args, 1)?;
    Ok(Val::Str(str_arg(&args[0])?.to_lowercase()))
}

fn f_upper(args: &[Val]) -> Result<Val, String> {
    want(args, 1)?;
    Ok(Val::Str(str_arg(&args[0])?.to_uppercase()))
}

/// docker's `pad SOURCE PREFIX SUFFIX`: spaces before and after.
fn f_pad(args: &[Val]) -> Result<Val, String> {
    want(args, 3)?;
    let s = str_arg(&args[0])?;
    let (l, r) = (int_arg(&args[1])?.max(0) as usize, int_arg(&args[2])?.max(0) as usize);
    Ok(Val::Str(format!("{}{s}{}", " ".repeat(l), " ".repeat(r))))
}

/// docker's `truncate SOURCE LENGTH`: the first LENGTH bytes.
fn f_truncate(args: &[Val]) -> Result<Val, String> {
    want(args, 2)?;
    let s = str_arg(&args[0])?;
    let n = int_arg(&args[1])?.max(0) as usize;
    if s.len() < n {
        return Ok(Val::Str(s));
    }
    Ok(Val::Str(s.char_indices().take_while(|(i, _)| *i < n).map(|(_, c)| c).collect()))
}
