//! Word expansion and word splitting as BuildKit's Dockerfile shell lexer
//! (`frontend/dockerfile/shell/lex.go`): `$v`, `${v}`, `${v:-w}`, `${v-w}`,
//! `${v:+w}`, `${v+w}`, `${v:?msg}`, `${v?msg}`, `${v#p}`, `${v##p}`,
//! `${v%p}`, `${v%%p}`, `${v/p/r}`, `${v//p/r}`, single and double quotes,
//! and the escape character (`\` or `` ` ``).
//!
//! The builder applies this only where docker does: FROM, ARG, ENV, LABEL,
//! EXPOSE, COPY/ADD (sources, destination, --chown, --chmod, --from),
//! WORKDIR, USER, VOLUME, STOPSIGNAL and `ONBUILD` payloads when they run —
//! never to the text of RUN, CMD or ENTRYPOINT, which the shell expands at
//! run time.
//!
//! One deliberate difference: BuildKit shares a single word buffer between
//! nested `${…}` evaluations, so `ProcessWords("ab${x:-c}")` loses `ab`; here
//! every nesting level has its own buffer (`["abc"]`). Only EXPOSE and heredoc
//! delimiters are split into words, so the difference is invisible in practice.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use regex::Regex;

/// A failed expansion: the input word and BuildKit's message, e.g.
/// `failed to process "${x:?}": x: is not allowed to be unset`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to process {word:?}: {message}")]
pub struct ShellError {
    /// The whole input that was being expanded.
    pub word: String,
    /// What went wrong.
    pub message: String,
}

/// Variables visible to an expansion. `None` means unset (distinct from set
/// to the empty string).
pub trait EnvLookup {
    /// The value of `name`, if set.
    fn lookup(&self, name: &str) -> Option<String>;
}

impl EnvLookup for HashMap<String, String> {
    fn lookup(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl EnvLookup for BTreeMap<String, String> {
    fn lookup(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// `KEY=VALUE` strings, the last definition of a key wins; an entry without
/// `=` sets the key to the empty string (BuildKit's `EnvsFromSlice`).
impl EnvLookup for [String] {
    fn lookup(&self, name: &str) -> Option<String> {
        self.iter().rev().find_map(|e| {
            let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
            (k == name).then(|| v.to_string())
        })
    }
}

impl EnvLookup for Vec<String> {
    fn lookup(&self, name: &str) -> Option<String> {
        self.as_slice().lookup(name)
    }
}

/// No variable is set.
pub struct NoEnv;

impl EnvLookup for NoEnv {
    fn lookup(&self, _name: &str) -> Option<String> {
        None
    }
}

/// The result of one expansion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded word, quotes removed (unless `raw_quotes`).
    pub result: String,
    /// The same input split into words after expansion (unquoted whitespace
    /// separates words; whitespace produced by `$var` splits too).
    pub words: Vec<String>,
    /// Names looked up and found.
    pub matched: BTreeSet<String>,
    /// Names looked up and not set.
    pub unmatched: BTreeSet<String>,
}

/// The lexer's configuration; cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lex {
    escape: char,
    /// Keep quote characters in the output.
    pub raw_quotes: bool,
    /// Keep escape characters in the output.
    pub raw_escapes: bool,
    /// Treat quotes as ordinary characters.
    pub skip_process_quotes: bool,
    /// Leave references to unset variables as written (`$x`, `${x:-y}`).
    pub skip_unset_env: bool,
    /// Most bytes variable references may produce in one expansion
    /// (default: unbounded); more is an error
    /// (`expanded value is longer than N bytes`).
    pub max_len: usize,
}

impl Lex {
    /// A lexer with the given escape character (`\` or `` ` ``).
    pub fn new(escape: char) -> Lex {
        Lex {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
            max_len: usize::MAX,
        }
    }

    /// The escape character.
    pub fn escape(&self) -> char {
        self.escape
    }

    /// Expands `word` into one string (BuildKit's `ProcessWord`).
    pub fn process_word(&self, word: &str, env: &dyn EnvLookup) -> Result<String, ShellError> {
        Ok(self.process(word, env)?.result)
    }

    /// Expands `word` and splits it into words (BuildKit's `ProcessWords`).
    pub fn process_words(&self, word: &str, env: &dyn EnvLookup) -> Result<Vec<String>, ShellError> {
        Ok(self.process(word, env)?.words)
    }

    /// Expands `word`, returning the string, the words and the variable names
    /// used (BuildKit's `ProcessWordWithMatches`).
    pub fn process(&self, word: &str, env: &dyn EnvLookup) -> Result<Expansion, ShellError> {
        let mut sw = ShellWord {
            lex: self,
            chars: word.chars().collect(),
            pos: 0,
            env,
            raw_escapes: self.raw_escapes,
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
            produced: 0,
            depth: 0,
        };
        let (result, words) = sw
            .process_stop_on(None, self.raw_escapes)
            .map_err(|message| ShellError { word: word.to_string(), message })?;
        Ok(Expansion { result, words, matched: sw.matched, unmatched: sw.unmatched })
    }
}

/// Accumulates words: unquoted whitespace ends a word, quoted text never does.
#[derive(Default)]
struct Words {
    buf: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() {
            if self.in_word && !self.buf.is_empty() {
                self.words.push(std::mem::take(&mut self.buf));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.buf.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_string(&mut self, s: &str) {
        self.buf.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.buf.is_empty() {
            self.words.push(std::mem::take(&mut self.buf));
        }
        self.words
    }
}

struct ShellWord<'a> {
    lex: &'a Lex,
    chars: Vec<char>,
    pos: usize,
    env: &'a dyn EnvLookup,
    raw_escapes: bool,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    /// Bytes produced by variable references so far (checked against `max_len`).
    produced: usize,
    /// Variable references being expanded around the current position
    /// (checked against [`MAX_NESTING`]).
    depth: usize,
}

/// Most variable references nested in one another (`${a:-${b:-…}}`) that a
/// word may hold. The lexer recurses once per level; BuildKit has no limit
/// (Go stacks grow), rcon refuses deeper words rather than overflow its
/// stack. Real Dockerfiles nest a few levels.
pub const MAX_NESTING: usize = 100;

type Res<T> = Result<T, String>;

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn process_stop_on(&mut self, stop: Option<char>, raw_escapes: bool) -> Res<(String, Vec<String>)> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let r = self.stop_on_inner(stop);
        self.raw_escapes = saved;
        r
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> Res<(String, Vec<String>)> {
        let mut result = String::new();
        let mut words = Words::default();
        let quotes = !self.lex.skip_process_quotes;
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, words.finish()));
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    result.push_str(&tmp);
                    words.add_string(&tmp);
                }
                '<' => {
                    let tmp = self.process_possible_heredoc();
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp);
                }
                '\'' if quotes => {
                    let tmp = self.process_single_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp);
                }
                '"' if quotes => {
                    let tmp = self.process_double_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp);
                }
                _ => {
                    self.next();
                    if ch == self.lex.escape {
                        if self.raw_escapes {
                            words.add_raw_char(ch);
                            result.push(ch);
                        }
                        // The escape character escapes anything but the end.
                        match self.next() {
                            None => break,
                            Some(c) => {
                                words.add_raw_char(c);
                                result.push(c);
                            }
                        }
                    } else {
                        words.add_char(ch);
                        result.push(ch);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!("unexpected end of statement while looking for matching {stop}"));
        }
        Ok((result, words.finish()))
    }

    fn process_single_quote(&mut self) -> Res<String> {
        let mut out = String::new();
        let q = self.next().unwrap_or('\'');
        if self.lex.raw_quotes {
            out.push(q);
        }
        loop {
            match self.next() {
                None => {
                    return Err("unexpected end of statement while looking for matching single-quote".into());
                }
                Some('\'') => {
                    if self.lex.raw_quotes {
                        out.push('\'');
                    }
                    return Ok(out);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Res<String> {
        let mut out = String::new();
        let q = self.next().unwrap_or('"');
        if self.lex.raw_quotes {
            out.push(q);
        }
        loop {
            match self.peek() {
                None => {
                    return Err("unexpected end of statement while looking for matching double-quote".into());
                }
                Some('"') => {
                    self.next();
                    if self.lex.raw_quotes {
                        out.push('"');
                    }
                    return Ok(out);
                }
                Some('$') => {
                    let v = self.process_dollar()?;
                    out.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.lex.escape {
                        if self.raw_escapes {
                            out.push(ch);
                        }
                        match self.peek() {
                            // An escape at the very end is dropped (the missing
                            // quote is reported by the next iteration).
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.lex.escape => {
                                ch = c;
                                self.next();
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    /// A `$…` reference, its result counted against the lexer's `max_len`.
    fn process_dollar(&mut self) -> Res<String> {
        if self.depth >= MAX_NESTING {
            return Err(format!("variable references nested more than {MAX_NESTING} deep"));
        }
        self.depth += 1;
        let v = self.dollar();
        self.depth -= 1;
        let v = v?;
        self.charge(v.len())?;
        Ok(v)
    }

    fn charge(&mut self, n: usize) -> Res<()> {
        self.produced = self.produced.saturating_add(n);
        if self.produced > self.lex.max_len {
            return Err(format!("expanded value is longer than {} bytes", self.lex.max_len));
        }
        Ok(())
    }

    fn dollar(&mut self) -> Res<String> {
        self.next(); // '$'
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lex.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.next(); // '{'
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.process_name();
        let first = self.next();
        let mut chs: String = first.map(String::from).unwrap_or_else(|| "\u{fffd}".into());
        match first {
            Some('}') => Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lex.skip_unset_env => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(c @ (':' | '+' | '-' | '?' | '#' | '%')) => {
                let mut ch = Some(c);
                let null_is_unset = c == ':';
                if null_is_unset {
                    ch = self.next();
                    chs.push(ch.unwrap_or('\u{fffd}'));
                }
                let raw = matches!(ch, Some('#' | '%'));
                if null_is_unset && raw {
                    return Err(format!("unsupported modifier ({chs}) in substitution"));
                }
                let word = match self.process_stop_on(Some('}'), raw) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        return Err(if self.peek().is_none() { "syntax error: missing '}'".into() } else { e });
                    }
                };
                let value = self.get_env(&name);
                if self.lex.skip_unset_env && value.is_none() {
                    return Ok(format!("${{{name}{chs}{word}}}"));
                }
                let empty = value.as_deref().is_none_or(|v| null_is_unset && v.is_empty());
                match ch {
                    Some('-') => Ok(if empty { word } else { value.unwrap_or_default() }),
                    Some('+') => Ok(if empty { String::new() } else { word }),
                    Some('?') => match value {
                        None => Err(format!(
                            "{name}: {}",
                            if word.is_empty() { "is not allowed to be unset" } else { &word }
                        )),
                        Some(v) if null_is_unset && v.is_empty() => Err(format!(
                            "{name}: {}",
                            if word.is_empty() { "is not allowed to be empty" } else { &word }
                        )),
                        Some(v) => Ok(v),
                    },
                    Some(m @ ('%' | '#')) => {
                        let (greedy, pat) = match word.strip_prefix(m) {
                            Some(rest) => (true, rest.to_string()),
                            None => (false, word),
                        };
                        let value = value.unwrap_or_default();
                        if m == '%' { trim_suffix(&pat, &value, greedy) } else { trim_prefix(&pat, &value, greedy) }
                    }
                    _ => Err(format!("unsupported modifier ({chs}) in substitution")),
                }
            }
            Some('/') => {
                let replace_all = self.peek() == Some('/');
                if replace_all {
                    self.next();
                }
                let pattern = match self.process_stop_on(Some('/'), true) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        return Err(if self.peek().is_none() { "syntax error: missing '/' in ${}".into() } else { e });
                    }
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        return Err(if self.peek().is_none() { "syntax error: missing '}'".into() } else { e });
                    }
                };
                let Some(value) = self.get_env(&name) else {
                    if self.lex.skip_unset_env {
                        return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
                    }
                    return Ok(String::new());
                };
                let re = shell_pattern_regex(&pattern, true, false)
                    .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
                if replace_all {
                    let n = re.find_iter(&value).count();
                    self.charge(n.saturating_mul(replacement.len()))?;
                    Ok(re.replace_all(&value, replacement.as_str()).into_owned())
                } else if let Some(m) = re.find(&value) {
                    Ok(format!("{}{}{}", &value[..m.start()], replacement, &value[m.end()..]))
                } else {
                    Ok(value)
                }
            }
            _ => Err(format!("unsupported modifier ({chs}) in substitution")),
        }
    }

    /// A variable name: letters, digits and `_`; or a run of digits
    /// (positional parameter); or one special parameter character.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    fn process_possible_heredoc(&mut self) -> String {
        self.next(); // '<'
        if self.peek() != Some('<') {
            return "<".into();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c) = self.peek().filter(|c| matches!(c, '\t' | '\r' | ' ')) {
            out.push(c);
            self.next();
        }
        out
    }

    fn get_env(&mut self, name: &str) -> Option<String> {
        let v = self.env.lookup(name);
        if v.is_some() {
            self.matched.insert(name.to_string());
        } else {
            self.unmatched.insert(name.to_string());
        }
        v
    }
}

/// Converts a shell wildcard pattern (`*`, `?`, `\` escapes; no bracket
/// expressions) to a regular expression; `*` is greedy or shortest.
fn shell_pattern_regex(pattern: &str, greedy: bool, anchored: bool) -> Result<Regex, String> {
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    let mut it = pattern.chars().peekable();
    while let Some(tok) = it.next() {
        match tok {
            '*' => out.push_str(star),
            '?' => out.push('.'),
            '\\' => {
                // `}` and `/` inside ${} are escaped, but the escape is not
                // part of the pattern.
                if matches!(it.peek(), Some('}' | '/')) {
                    continue;
                }
                match it.next() {
                    Some(c @ ('*' | '?' | '\\')) => {
                        out.push('\\');
                        out.push(c);
                    }
                    Some(c) => return Err(format!("invalid escape '\\{c}'")),
                    None => return Err("invalid escape '\\'".into()),
                }
            }
            c => {
                let mut buf = [0u8; 4];
                out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
            }
        }
    }
    Regex::new(&out).map_err(|e| e.to_string())
}

fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Res<String> {
    let re = shell_pattern_regex(pattern, greedy, true)
        .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_string(),
        None => value.to_string(),
    })
}

/// Reverses a pattern keeping escapes in front of what they escape
/// (`a\*c` → `c\*a`).
fn reverse_pattern(pattern: &str) -> String {
    let p: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; p.len()];
    let last = p.len().saturating_sub(1);
    let mut i = 0;
    while i < p.len() {
        let o = last - i;
        if p[i] == '\\' && i != last {
            out[o - 1] = '\\';
            out[o] = p[i + 1];
            i += 2;
        } else {
            out[o] = p[i];
            i += 1;
        }
    }
    out.into_iter().collect()
}

fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Res<String> {
    // A regex finds the leftmost match only: reverse both to trim a suffix.
    let rev: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &rev, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn word(s: &str, e: &[&str]) -> Result<String, ShellError> {
        Lex::new('\\').process_word(s, &env(e))
    }

    #[test]
    fn patterns_trim_and_replace() {
        let e = ["V=/usr/local/bin/tool.tar.gz"];
        assert_eq!(word("${V#*/}", &e).unwrap(), "usr/local/bin/tool.tar.gz");
        assert_eq!(word("${V##*/}", &e).unwrap(), "tool.tar.gz");
        assert_eq!(word("${V%.*}", &e).unwrap(), "/usr/local/bin/tool.tar");
        assert_eq!(word("${V%%.*}", &e).unwrap(), "/usr/local/bin/tool");
        assert_eq!(word("${V/local/opt}", &e).unwrap(), "/usr/opt/bin/tool.tar.gz");
        assert_eq!(word("${V//o/0}", &e).unwrap(), "/usr/l0cal/bin/t00l.tar.gz");
        assert_eq!(word("${V/?usr/x}", &e).unwrap(), "x/local/bin/tool.tar.gz");
        assert_eq!(word("${V#nomatch}", &e).unwrap(), "/usr/local/bin/tool.tar.gz");
        assert_eq!(word("${X#a}", &e).unwrap(), "");
        assert!(word("${V:#a}", &e).is_err());
        assert!(word("${V#\\x}", &e).is_err());
    }

    #[test]
    fn mandatory_vars() {
        let set = ["VAR=plain", "ARG=x"];
        let empty = ["VAR=", "ARG=x"];
        let unset = ["ARG=x"];
        assert_eq!(word("${VAR:?message here$ARG}", &set).unwrap(), "plain");
        let e = word("${VAR:?message here$ARG}", &empty).unwrap_err();
        assert!(e.to_string().contains("message herex"), "{e}");
        assert!(word("${VAR:?message here$ARG}", &unset).is_err());
        assert_eq!(word("${VAR?message here$ARG}", &empty).unwrap(), "");
        assert!(word("${VAR?message here$ARG}", &unset).unwrap_err().to_string().contains("message herex"));
    }

    /// Nesting is bounded: a word nested 20,000 deep is an error, never a
    /// stack overflow; MAX_NESTING levels still expand.
    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize| format!("{}x{}", "${a:-".repeat(n), "}".repeat(n));
        assert_eq!(word(&nested(MAX_NESTING), &[]).unwrap(), "x");
        let e = word(&nested(MAX_NESTING + 1), &[]).unwrap_err();
        assert!(e.to_string().contains("nested more than 100 deep"), "{e}");
        // Inside double quotes too.
        let quoted = format!("\"{}\"", nested(20_000));
        assert!(word(&quoted, &[]).unwrap_err().to_string().contains("nested more than"));
        assert!(word(&nested(20_000), &[]).is_err());
    }

    #[test]
    fn reverse() {
        assert_eq!(reverse_pattern("a\\*c"), "c\\*a");
        assert_eq!(reverse_pattern("\\\\\\ab"), "b\\a\\\\");
        assert_eq!(reverse_pattern("ab\\"), "\\ba");
        assert_eq!(reverse_pattern("\\\\b"), "b\\\\");
    }

    #[test]
    fn skip_unset_and_matches() {
        let mut lex = Lex::new('\\');
        lex.skip_unset_env = true;
        let r = lex.process("$A ${B} ${C:-x} $D", &env(&["D=d"])).unwrap();
        assert_eq!(r.result, "$A ${B} ${C:-x} d");
        assert_eq!(r.matched.into_iter().collect::<Vec<_>>(), ["D"]);
        assert_eq!(r.unmatched.len(), 3);
    }

    #[test]
    fn backtick_escape() {
        let lex = Lex::new('`');
        assert_eq!(lex.process_word("a`$b\\c", &NoEnv).unwrap(), "a$b\\c");
    }
}
