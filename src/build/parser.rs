//! The Dockerfile parser: text → a list of raw instruction nodes, matching
//! BuildKit's `frontend/dockerfile/parser` exactly (the conformance test in
//! `tests/build.rs` compares [`Dockerfile::dump`] with BuildKit's own dumps).
//!
//! What it owns: parser directives (`# escape=`, `# syntax=`, `# check=`),
//! comments, line continuations with the escape character (including comment
//! and blank lines inside a continuation), the split into instruction name,
//! `--flags` and arguments, the per-instruction argument shapes (exec form
//! JSON with BuildKit's fallback to shell form, `KEY=VALUE` and old
//! `KEY VALUE` forms, whitespace lists, HEALTHCHECK, ONBUILD wrapping),
//! heredocs for RUN/COPY/ADD, and start/end line numbers.
//!
//! It does not know what instructions mean: unknown instruction names parse
//! (as BuildKit's parser does) and are rejected by
//! [`crate::build::instructions`], which also checks each instruction's flags.

use std::fmt::Write as _;

use crate::build::shell::{Lex, NoEnv};

/// A parse error, displayed as `FILE:LINE: MESSAGE` (e.g.
/// `Dockerfile:7: unknown instruction: COPPY`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ParseError {
    /// The Dockerfile's name as given to the parser.
    pub file: String,
    /// The 1-based line where the offending instruction starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A heredoc attached to a RUN, COPY or ADD (`<<EOF` … `EOF`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Heredoc {
    /// The delimiter word with quotes removed; for COPY/ADD also the file name.
    pub name: String,
    /// The file descriptor before `<<` (`3<<EOF`), 0 when none.
    pub fd: u32,
    /// Variables in the content are expanded (the delimiter was not quoted).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from content lines.
    pub chomp: bool,
    /// The raw content lines, each with its newline.
    pub content: String,
}

impl Heredoc {
    /// The content with leading tabs removed from every line when `chomp`.
    pub fn effective_content(&self) -> String {
        if !self.chomp {
            return self.content.clone();
        }
        self.content.split_inclusive('\n').map(|l| l.trim_start_matches('\t')).collect()
    }
}

/// One instruction as parsed, before its meaning is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// The instruction name as written (`RUN`, `copy`, …).
    pub cmd: String,
    /// `--name[=value]` flags before the arguments, as written.
    pub flags: Vec<String>,
    /// The arguments in BuildKit's shape: exec-form items; or one shell-form
    /// string; or key, value, separator triples for ENV/LABEL; or words.
    pub args: Vec<String>,
    /// ONBUILD's wrapped instruction.
    pub sub: Option<Box<Node>>,
    /// The arguments were a JSON array (exec form).
    pub json: bool,
    /// Heredocs, in the order their delimiters appear on the line.
    pub heredocs: Vec<Heredoc>,
    /// The instruction line with continuations joined.
    pub original: String,
    /// 1-based first line of the instruction.
    pub start_line: usize,
    /// 1-based last line (including heredoc bodies).
    pub end_line: usize,
    /// Comment lines directly above the instruction (without `#`).
    pub comments: Vec<String>,
}

impl Node {
    /// The instruction name in lower case.
    pub fn name(&self) -> String {
        self.cmd.to_ascii_lowercase()
    }

    /// BuildKit's `Node.Dump()` for this node (without parentheses).
    pub fn dump(&self) -> String {
        let mut s = self.name();
        if !self.flags.is_empty() {
            s.push_str(" [");
            for (i, f) in self.flags.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(&go_quote(f));
            }
            s.push(']');
        }
        if let Some(sub) = &self.sub {
            let _ = write!(s, " ({})", sub.dump());
        }
        for a in &self.args {
            s.push(' ');
            s.push_str(&go_quote(a));
        }
        s.trim().to_string()
    }

    fn can_contain_heredoc(&self) -> bool {
        let n = match (&self.sub, self.name().as_str()) {
            (Some(sub), "onbuild") => sub,
            _ => self,
        };
        matches!(n.name().as_str(), "add" | "copy" | "run") && !n.json
    }
}

/// A non-fatal finding of the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The 1-based line it is about.
    pub line: usize,
    /// The message.
    pub message: String,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The instructions in order.
    pub nodes: Vec<Node>,
    /// The escape character in effect (`\` or `` ` ``).
    pub escape: char,
    /// Parser directives seen at the top: lower-case name and value.
    pub directives: Vec<(String, String)>,
    /// Warnings: empty continuation lines; `# syntax=`/`# check=` ignored.
    pub warnings: Vec<Warning>,
}

impl Dockerfile {
    /// BuildKit's dump of the whole file: one `(instruction …)` per line,
    /// with a final newline, as in the conformance corpus' `result` files.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        for n in &self.nodes {
            s.push('(');
            s.push_str(&n.dump());
            s.push_str(")\n");
        }
        s
    }

    /// The first line of the first instruction (1-based).
    pub fn start_line(&self) -> usize {
        self.nodes.first().map_or(0, |n| n.start_line)
    }

    /// The last line of the last instruction (1-based).
    pub fn end_line(&self) -> usize {
        self.nodes.last().map_or(0, |n| n.end_line)
    }
}

/// Parses a Dockerfile. `file` is only used in error messages.
pub fn parse(src: &str, file: &str) -> Result<Dockerfile, ParseError> {
    Parser::new(src, file).run()
}

struct Directives {
    escape: char,
    done: bool,
    seen: Vec<(String, String)>,
}

impl Directives {
    /// Checks whether `line` is a parser directive; they are only recognised
    /// before the first line that is not one.
    fn possible(&mut self, line: &str) -> Result<bool, String> {
        if self.done {
            return Ok(false);
        }
        let Some(rest) = line.strip_prefix('#') else {
            self.done = true;
            return Ok(false);
        };
        let Some((key, value)) = directive_kv(rest.trim_start()) else {
            self.done = true;
            return Ok(false);
        };
        let key = key.to_ascii_lowercase();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(false);
        }
        if self.seen.iter().any(|(k, _)| *k == key) {
            return Err(format!("only one {key} parser directive can be used"));
        }
        if key == "escape" {
            match value.as_str() {
                "`" => self.escape = '`',
                "\\" => self.escape = '\\',
                v => return Err(format!("invalid escape token '{v}' does not match ` or \\")),
            }
        }
        self.seen.push((key, value));
        Ok(true)
    }
}

/// `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` by hand.
fn directive_kv(s: &str) -> Option<(String, String)> {
    let is_ws = |c: char| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ');
    let mut chars = s.char_indices();
    let (_, c0) = chars.next()?;
    if !c0.is_ascii_alphabetic() {
        return None;
    }
    let end = s.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(s.len());
    let key = &s[..end];
    let rest = s[end..].trim_start_matches(is_ws).strip_prefix('=')?;
    let value = rest.trim_matches(is_ws);
    if !value.is_empty() {
        return Some((key.into(), value.into()));
    }
    // `.+?` needs one character: an all-blank value is its last blank.
    let last = rest.chars().last()?;
    Some((key.into(), last.to_string()))
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    idx: usize,
    file: &'a str,
    d: Directives,
}

fn trim_newline(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Go's `reWhitespace`: `[\t\v\f\r ]+`.
fn is_re_ws(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// Go's `regexp.Split(s, n)` for `reWhitespace` with n = -1 (`limit` None)
/// or n = 2 (`limit` Some(2)).
fn split_ws(s: &str, limit: Option<usize>) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        if limit.is_some_and(|l| out.len() + 1 == l) {
            out.push(rest);
            return out;
        }
        match rest.find(is_re_ws) {
            None => {
                out.push(rest);
                return out;
            }
            Some(i) => {
                out.push(&rest[..i]);
                rest = rest[i..].trim_start_matches(is_re_ws);
                // Go's Split of "a " gives ["a", ""]: keep the empty tail.
            }
        }
    }
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, file: &'a str) -> Self {
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        Parser {
            lines: src.split_inclusive('\n').collect(),
            idx: 0,
            file,
            d: Directives { escape: '\\', done: false, seen: Vec::new() },
        }
    }

    fn err(&self, line: usize, message: impl Into<String>) -> ParseError {
        ParseError { file: self.file.to_string(), line, message: message.into() }
    }

    fn next_line(&mut self) -> Option<&'a str> {
        let l = self.lines.get(self.idx).copied();
        if l.is_some() {
            self.idx += 1;
        }
        l
    }

    /// Strips the newline (and leading blanks for first lines), checks for a
    /// directive, and blanks comments. Returns the text and whether it was a
    /// directive.
    fn process_line(&mut self, raw: &'a str, strip_left: bool, line_no: usize) -> Result<(&'a str, bool), ParseError> {
        let mut t = trim_newline(raw);
        if strip_left {
            t = t.trim_start();
        }
        let directive = self.d.possible(t).map_err(|m| self.err(line_no, m))?;
        Ok((if is_comment(t) { "" } else { t }, directive))
    }

    /// Removes a trailing escape character (and blanks after it); returns
    /// the text and whether the logical line ends here.
    fn trim_continuation(&self, line: &'a str) -> (&'a str, bool) {
        let esc = self.d.escape;
        let t = line.trim_end_matches([' ', '\t']);
        let Some(before) = t.strip_suffix(esc) else { return (line, true) };
        if before.is_empty() {
            return ("", false);
        }
        if before.ends_with(esc) {
            // An escaped escape character is not a continuation.
            return (line, true);
        }
        (before, false)
    }

    fn run(mut self) -> Result<Dockerfile, ParseError> {
        let mut nodes = Vec::new();
        let mut warnings = Vec::new();
        let mut comments: Vec<String> = Vec::new();
        let mut current = 0usize;
        while let Some(raw) = self.next_line() {
            if is_comment(raw) {
                let c = raw.get(1..).unwrap_or("").trim().to_string();
                if c.is_empty() {
                    comments.clear();
                } else {
                    comments.push(c);
                }
            }
            let (text, directive) = self.process_line(raw, true, current + 1)?;
            if directive {
                comments.pop();
            }
            current += 1;
            let start = current;
            let (text, mut end) = self.trim_continuation(text);
            if end && text.is_empty() {
                continue;
            }
            let mut buf = String::from(text);
            let mut empty_continuation = false;
            while !end {
                let Some(raw) = self.next_line() else { break };
                let (t, _) = self.process_line(raw, false, current + 1)?;
                current += 1;
                if is_comment(raw) {
                    continue;
                }
                if t.trim_start().is_empty() {
                    empty_continuation = true;
                    continue;
                }
                let (t, e) = self.trim_continuation(t);
                end = e;
                buf.push_str(t);
            }
            if empty_continuation {
                warnings.push(Warning { line: current, message: format!("Empty continuation line found in: {buf}") });
            }
            let mut node = new_node_from_line(&buf, self.d.escape).map_err(|m| self.err(start, m))?;
            node.comments = std::mem::take(&mut comments);
            if node.can_contain_heredoc() && buf.contains("<<") {
                for mut h in heredocs_from_line(&buf).map_err(|m| self.err(start, m))? {
                    let mut terminated = false;
                    while let Some(raw) = self.next_line() {
                        current += 1;
                        let mut candidate = trim_newline(raw);
                        if h.chomp {
                            candidate = candidate.trim_start_matches('\t');
                        }
                        if candidate == h.name {
                            terminated = true;
                            break;
                        }
                        h.content.push_str(raw);
                    }
                    if !terminated {
                        return Err(self.err(start, "unterminated heredoc"));
                    }
                    node.heredocs.push(h);
                }
            }
            node.start_line = start;
            node.end_line = current;
            nodes.push(node);
        }
        if nodes.is_empty() {
            return Err(self.err(current.max(1), "file with no instructions"));
        }
        for (k, v) in &self.d.seen {
            if k != "escape" {
                warnings.push(Warning { line: 1, message: format!("parser directive `# {k}={v}` is ignored by rcon") });
            }
        }
        Ok(Dockerfile { nodes, escape: self.d.escape, directives: self.d.seen, warnings })
    }
}

/// Splits `line` into command, flags and arguments and shapes the arguments
/// as the instruction requires.
fn new_node_from_line(line: &str, escape: char) -> Result<Node, String> {
    let trimmed = line.trim();
    let parts = split_ws(trimmed, Some(2));
    let cmd = parts[0].to_string();
    let (args, flags) = match parts.get(1) {
        Some(rest) => extract_builder_flags(rest, escape),
        None => (String::new(), Vec::new()),
    };
    let rest = args.trim();
    let mut node = Node { cmd: cmd.clone(), flags, original: line.to_string(), ..Node::default() };
    match cmd.to_ascii_lowercase().as_str() {
        "add" | "copy" | "volume" => {
            let (a, json) = parse_maybe_json_to_list(rest)?;
            node.args = a;
            node.json = json;
        }
        "arg" => node.args = parse_words(rest, escape),
        "cmd" | "entrypoint" | "run" | "shell" => {
            let (a, json) = parse_maybe_json(rest)?;
            node.args = a;
            node.json = json;
        }
        "env" => node.args = parse_name_val(rest, "ENV", escape)?,
        "label" => node.args = parse_name_val(rest, "LABEL", escape)?,
        "expose" | "from" => node.args = whitespace_list(rest),
        "healthcheck" => {
            let sep = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if sep > 0 {
                let cmd_part = rest[sep..].trim_start();
                let (a, json) = parse_maybe_json(cmd_part)?;
                node.args = std::iter::once(rest[..sep].to_string()).chain(a).collect();
                node.json = json;
            }
        }
        "maintainer" | "stopsignal" | "user" | "workdir" => {
            if !rest.is_empty() {
                node.args = vec![rest.to_string()];
            }
        }
        "onbuild" => {
            if !rest.is_empty() {
                node.sub = Some(Box::new(new_node_from_line(rest, escape)?));
            }
        }
        // Unknown instructions parse with one empty argument (BuildKit's
        // parseIgnore); the instruction layer rejects them with their line.
        _ => node.args = vec![String::new()],
    }
    Ok(node)
}

/// Splits leading `--flag` words off the argument text; `--` ends flags.
/// Returns the remaining text and the flags.
fn extract_builder_flags(line: &str, escape: char) -> (String, Vec<String>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut buf = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut i = 0;
    while i <= chars.len() {
        let at_end = i == chars.len();
        let ch = if at_end { '\0' } else { chars[i].1 };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if ch.is_whitespace() {
                i += 1;
                continue;
            }
            if ch != '-' || chars.get(i + 1).map(|c| c.1) != Some('-') {
                return (line[chars[i].0..].to_string(), words);
            }
            phase = Phase::Word;
        }
        if at_end {
            if buf != "--" && (blank_ok || !buf.is_empty()) {
                words.push(buf);
            }
            break;
        }
        let mut ch = ch;
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if buf == "--" {
                    return (line[chars[i].0..].to_string(), words);
                }
                if blank_ok || !buf.is_empty() {
                    words.push(std::mem::take(&mut buf));
                }
                buf.clear();
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                i += 1;
                continue;
            }
            if ch == escape {
                if i + 1 == chars.len() {
                    i += 1;
                    continue;
                }
                i += 1;
                ch = chars[i].1;
            }
            buf.push(ch);
            i += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
            i += 1;
            continue;
        }
        if ch == escape {
            if i + 1 == chars.len() {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            i += 1;
            ch = chars[i].1;
        }
        buf.push(ch);
        i += 1;
    }
    (String::new(), words)
}

/// Words separated by whitespace; quotes and escapes are kept in the words
/// (they are removed later by expansion).
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<String> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut buf = String::new();
    let mut i = 0;
    while i <= chars.len() {
        let at_end = i == chars.len();
        let mut ch = if at_end { '\0' } else { chars[i] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if ch.is_whitespace() {
                i += 1;
                continue;
            }
            phase = Phase::Word;
        }
        if at_end {
            if blank_ok || !buf.is_empty() {
                words.push(std::mem::take(&mut buf));
            }
            break;
        }
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !buf.is_empty() {
                    words.push(std::mem::take(&mut buf));
                }
                buf.clear();
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if i + 1 == chars.len() {
                    i += 1;
                    continue;
                }
                buf.push(ch);
                i += 1;
                ch = chars[i];
            }
            buf.push(ch);
            i += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if i + 1 == chars.len() {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            buf.push(ch);
            i += 1;
            ch = chars[i];
        }
        buf.push(ch);
        i += 1;
    }
    words
}

/// ENV/LABEL: `k=v k2=v2` (triples with "=") or the old `k v` (one triple
/// with "").
fn parse_name_val(rest: &str, key: &str, escape: char) -> Result<Vec<String>, String> {
    let words = parse_words(rest, escape);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    if !words[0].contains('=') {
        let parts = split_ws(rest, Some(2));
        if parts.len() < 2 {
            return Err(format!("{key} must have two arguments"));
        }
        return Ok(vec![parts[0].into(), parts[1].into(), String::new()]);
    }
    let mut out = Vec::new();
    for w in words {
        let Some((k, v)) = w.split_once('=') else {
            return Err(format!("Syntax error - can't find = in {}. Must be of the form: name=value", go_quote(&w)));
        };
        out.extend([k.to_string(), v.to_string(), "=".to_string()]);
    }
    Ok(out)
}

fn whitespace_list(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        return Vec::new();
    }
    split_ws(rest, None).into_iter().map(String::from).collect()
}

enum JsonError {
    NotArray,
    NotStringArray,
}

fn parse_json(rest: &str) -> Result<Vec<String>, JsonError> {
    let rest = rest.trim_start();
    if !rest.starts_with('[') {
        return Err(JsonError::NotArray);
    }
    let items: Vec<serde_json::Value> = serde_json::from_str(rest).map_err(|_| JsonError::NotArray)?;
    items
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(s),
            _ => Err(JsonError::NotStringArray),
        })
        .collect()
}

const NOT_STRING_ARRAY: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// Exec form when the text is a JSON array of strings, else one shell-form
/// string. A JSON array with non-string items is an error.
fn parse_maybe_json(rest: &str) -> Result<(Vec<String>, bool), String> {
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    match parse_json(rest) {
        Ok(v) => Ok((v, true)),
        Err(JsonError::NotStringArray) => Err(NOT_STRING_ARRAY.into()),
        Err(JsonError::NotArray) => Ok((vec![rest.to_string()], false)),
    }
}

/// Exec form when the text is a JSON array of strings, else words split on
/// whitespace.
fn parse_maybe_json_to_list(rest: &str) -> Result<(Vec<String>, bool), String> {
    match parse_json(rest) {
        Ok(v) => Ok((v, true)),
        Err(JsonError::NotStringArray) => Err(NOT_STRING_ARRAY.into()),
        Err(JsonError::NotArray) => Ok((whitespace_list(rest), false)),
    }
}

/// The heredoc delimiters named on an instruction line.
fn heredocs_from_line(line: &str) -> Result<Vec<Heredoc>, String> {
    let mut lex = Lex::new('\\');
    lex.raw_quotes = true;
    lex.raw_escapes = true;
    lex.skip_unset_env = true;
    let words = lex.process_words(line, &NoEnv).unwrap_or_default();
    let mut docs = Vec::new();
    for w in words {
        if let Some(h) = parse_heredoc(&w)? {
            docs.push(h);
        }
    }
    Ok(docs)
}

/// Recognises one heredoc word (`[N]<<[-]WORD`, BuildKit's `ParseHeredoc`):
/// `Ok(None)` when `src` is not a heredoc.
pub fn parse_heredoc(src: &str) -> Result<Option<Heredoc>, String> {
    // ^(\d*)<<(-?)\s*([^<]*)$
    let digits_end = src.find(|c: char| !c.is_ascii_digit()).unwrap_or(src.len());
    let Some(after) = src[digits_end..].strip_prefix("<<") else { return Ok(None) };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    let rest = after.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let fd = src[..digits_end].parse::<u32>().unwrap_or(0);
    let mut lex = Lex::new('\\');
    lex.skip_unset_env = true;
    let words = lex.process_words(rest, &NoEnv).map_err(|e| e.to_string())?;
    if words.len() != 1 {
        return Ok(None);
    }
    lex.raw_quotes = true;
    let raw = lex.process_words(rest, &NoEnv).map_err(|e| e.to_string())?;
    if raw.len() != words.len() {
        return Err(format!("internal lexing of heredoc produced inconsistent results: {rest}"));
    }
    let quotes = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    let expand = quotes(&words[0]) == quotes(&raw[0]);
    Ok(Some(Heredoc { name: words[0].clone(), fd, expand, chomp, content: String::new() }))
}

/// Go's `strconv.Quote`: a double-quoted string with Go escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` for non-ASCII characters:
/// controls, separators other than the ASCII space, format characters,
/// private-use and non-characters are not printable.
fn go_printable(c: char) -> bool {
    let u = c as u32;
    if c.is_ascii() {
        return (0x20..0x7f).contains(&u);
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e
            | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff | 0xf0000..=0x10ffff
            | 0xfdd0..=0xfdef)
        || (u & 0xfffe) == 0xfffe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> Dockerfile {
        parse(src, "Dockerfile").unwrap()
    }

    #[test]
    fn words() {
        let cases: &[(&str, &[&str])] = &[
            ("foo", &["foo"]),
            ("foo bar", &["foo", "bar"]),
            ("foo\\ bar", &["foo\\ bar"]),
            ("foo=bar", &["foo=bar"]),
            ("foo bar 'abc xyz'", &["foo", "bar", "'abc xyz'"]),
            ("foo bar \"abc xyz\"", &["foo", "bar", "\"abc xyz\""]),
            ("àöû", &["àöû"]),
            ("föo bàr \"âbc xÿz\"", &["föo", "bàr", "\"âbc xÿz\""]),
        ];
        for (input, want) in cases {
            assert_eq!(parse_words(input, '\\'), *want, "{input}");
        }
    }

    #[test]
    fn heredocs() {
        let df = p(
            "FROM a\nRUN <<EOF\necho hi\nEOF\nRUN 3<<-'X' <<Y cat\n\tone $A\n\tX\ntwo\nY\nRUN [\"<<EOF\"]\nUSER <<U\nU\n",
        );
        let run = &df.nodes[1];
        assert_eq!(
            run.heredocs,
            [Heredoc { name: "EOF".into(), expand: true, content: "echo hi\n".into(), ..Heredoc::default() }]
        );
        assert_eq!((run.start_line, run.end_line), (2, 4));
        let r2 = &df.nodes[2];
        assert_eq!(r2.heredocs.len(), 2);
        assert_eq!(r2.heredocs[0].fd, 3);
        assert!(r2.heredocs[0].chomp && !r2.heredocs[0].expand);
        assert_eq!(r2.heredocs[0].effective_content(), "one $A\n");
        assert_eq!(r2.heredocs[1].content, "two\n");
        assert!(df.nodes[3].heredocs.is_empty());
        assert_eq!(df.nodes[4].cmd, "USER");
        assert!(df.nodes[4].heredocs.is_empty());
        assert_eq!(df.nodes[5].cmd, "U");
    }

    #[test]
    fn heredoc_words() {
        for src in
            ["<<EOF", "<<'EOF'", "<<\"EOF\"", "<<-EOF", "<<-'EOF'", "<<-\"EOF\"", "<<EO\"F\"", "<< EOF", "<<- EOF"]
        {
            assert_eq!(parse_heredoc(src).unwrap().unwrap().name, "EOF", "{src}");
        }
        for src in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(parse_heredoc(src).is_err(), "{src}");
        }
        for src in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"] {
            assert_eq!(parse_heredoc(src).unwrap(), None, "{src}");
        }
        let h = parse_heredoc("<<eo'f'").unwrap().unwrap();
        assert_eq!((h.name.as_str(), h.expand), ("eof", false));
        let h = parse_heredoc("<<eo\\'f").unwrap().unwrap();
        assert_eq!((h.name.as_str(), h.expand), ("eo'f", true));
    }

    #[test]
    fn unterminated_heredoc_and_errors() {
        let e = parse("FROM a\nRUN <<EOF\necho\n", "Dockerfile").unwrap_err();
        assert_eq!(e.to_string(), "Dockerfile:2: unterminated heredoc");
        let e = parse("FROM a\n\nENV X\n", "df").unwrap_err();
        assert_eq!(e.to_string(), "df:3: ENV must have two arguments");
        let e = parse("# escape=x\nFROM a\n", "df").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn directives_and_warnings() {
        let df = p("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN a `\n\n b\n");
        assert_eq!(df.escape, '`');
        assert_eq!(df.nodes[1].args, ["a  b"]);
        assert_eq!(df.warnings.len(), 2);
        assert!(df.warnings.iter().any(|w| w.message.contains("syntax")));
    }

    #[test]
    fn quote() {
        assert_eq!(go_quote("a\"b\\\n\u{1}é\u{a0}"), "\"a\\\"b\\\\\\n\\x01é\\u00a0\"");
    }
}

#[cfg(test)]
mod heredoc_corpus {
    use super::*;

    /// BuildKit's TestParseExtractsHeredoc, case for case.
    #[test]
    fn buildkit_heredoc_cases() {
        let src = "\nFROM alpine:3.6\n\nENV NAME=me\n\nRUN ls\n\nUSER <<INVALID\nINVALID\n\nRUN <<EMPTY\nEMPTY\n\n\
RUN 3<<EMPTY2\nEMPTY2\n\nRUN \"<<NOHEREDOC\"\n\nRUN <<INDENT\n\tfoo\n\tbar\nINDENT\n\nRUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\n\n\
RUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n\nRUN <<-EXPAND\n\texpand $NAME\nEXPAND\n\n\
RUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n\nRUN <<COPY\necho hello world\necho foo bar\nCOPY\n\n\
RUN <<COMMENT\n# internal comment\necho hello world\necho foo bar # trailing comment\nCOMMENT\n\n\
RUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n\n\
COPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n\nCOPY <<EOF /quotes\n\"foo\"\n'bar'\nEOF\n\n\
COPY <<X <<Y /dest\nY\nX\nX\nY\n\nRUN <<COMPLEX python3\nprint('hello world')\nCOMPLEX\n\n\
COPY <<file.txt /dest\nhello world\nfile.txt\n\nRUN <<eo'f'\necho foo\neof\n\nRUN <<eo\\'f\necho foo\neo'f\n\n\
RUN <<'e'o\\'f\necho foo\neo'f\n\nRUN <<'one two'\necho bar\none two\n\nRUN <<$EOF\n$EOF\n\n\
RUN <<  EOF\nEOF\n\nRUN <<  EOF  > foo\nEOF\n\t";
        let h = |name: &str, content: &str, expand: bool, chomp: bool, fd: u32| Heredoc {
            name: name.into(),
            content: content.into(),
            expand,
            chomp,
            fd,
        };
        let want: Vec<Vec<Heredoc>> = vec![
            vec![],
            vec![],
            vec![],
            vec![],
            vec![h("EMPTY", "", true, false, 0)],
            vec![h("EMPTY2", "", true, false, 3)],
            vec![],
            vec![h("INDENT", "\tfoo\n\tbar\n", true, false, 0)],
            vec![h("UNINDENT", "\tbaz\n\tquux\n", true, true, 0)],
            vec![h("UNINDENT2", "\tbaz\n\tquux\n", true, true, 0)],
            vec![h("EXPAND", "\texpand $NAME\n", true, true, 0)],
            vec![h("NOEXPAND", "\tdon't expand $NAME\n", false, true, 0)],
            vec![h("COPY", "echo hello world\necho foo bar\n", true, false, 0)],
            vec![h(
                "COMMENT",
                "# internal comment\necho hello world\necho foo bar # trailing comment\n",
                true,
                false,
                0,
            )],
            vec![h("MOUNT", "echo hello\n", true, false, 0)],
            vec![h("FILE1", "content 1\n", true, false, 0), h("FILE2", "content 2\n", true, false, 0)],
            vec![h("EOF", "\"foo\"\n'bar'\n", true, false, 0)],
            vec![h("X", "Y\n", true, false, 0), h("Y", "X\n", true, false, 0)],
            vec![h("COMPLEX", "print('hello world')\n", true, false, 0)],
            vec![h("file.txt", "hello world\n", true, false, 0)],
            vec![h("eof", "echo foo\n", false, false, 0)],
            vec![h("eo'f", "echo foo\n", true, false, 0)],
            vec![h("eo'f", "echo foo\n", false, false, 0)],
            vec![h("one two", "echo bar\n", false, false, 0)],
            vec![h("$EOF", "", true, false, 0)],
            vec![h("EOF", "", true, false, 0)],
            vec![h("EOF", "", true, false, 0)],
        ];
        let df = parse(src, "Dockerfile").unwrap();
        for (i, w) in want.iter().enumerate() {
            assert_eq!(&df.nodes[i + 1].heredocs, w, "instruction {}: {}", i + 1, df.nodes[i + 1].original);
        }
    }
}
