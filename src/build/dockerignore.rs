//! `.dockerignore`: reading the file and matching context paths with
//! docker's exact semantics (moby/patternmatcher and its `ignorefile`), which
//! are not gitignore's:
//!
//! - every pattern is cleaned (Go `filepath.Clean`) and anchored at the
//!   context root (`/a` = `a`; `a` does not match `x/a`);
//! - `*` and `?` never cross `/`; `**` matches any number of directories;
//!   `[...]` classes and `\` escapes as in Go's `filepath.Match`;
//! - a pattern matching a directory excludes everything below it;
//! - `!pattern` re-includes; the last matching pattern wins;
//! - a directory that is excluded but has re-included paths below it is
//!   still walked ([`walk`]), and its included descendants keep their parents.

use std::path::{Path, PathBuf};

use regex::Regex;

/// Errors from reading patterns or walking the context.
#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    /// A pattern is malformed (unclosed `[`, trailing `\`, `!` alone).
    #[error("invalid .dockerignore pattern {pattern:?}: {reason}")]
    BadPattern {
        /// The pattern as cleaned.
        pattern: String,
        /// Why.
        reason: &'static str,
    },
    /// Reading a directory of the context failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Parses the text of a `.dockerignore` file into patterns: BOM stripped,
/// `#` lines skipped, lines trimmed, empty lines skipped, paths cleaned and
/// made relative (`!` kept in front).
pub fn read_patterns(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut p = String::new();
        if !pattern.is_empty() {
            p = clean_path(pattern);
            if p.len() > 1 && p.starts_with('/') {
                p.remove(0);
            }
        }
        out.push(if invert { format!("!{p}") } else { p });
    }
    out
}

/// Go's `filepath.Clean` for `/`-separated paths: removes `.` elements,
/// resolves `..` lexically, collapses slashes; `""` becomes `.`.
pub fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            x => parts.push(x),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[derive(Debug, Clone)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Regex(Regex),
}

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    cleaned: String,
    dirs: Vec<String>,
    exclusion: bool,
    kind: Kind,
}

impl Pattern {
    /// The pattern as cleaned, without `!`.
    pub fn as_str(&self) -> &str {
        &self.cleaned
    }

    /// This is a `!` re-inclusion.
    pub fn is_exclusion(&self) -> bool {
        self.exclusion
    }

    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.cleaned,
            Kind::Prefix => path.starts_with(&self.cleaned[..self.cleaned.len() - 2]),
            Kind::Suffix => {
                let suffix = &self.cleaned[2..];
                path.ends_with(suffix) || (suffix.starts_with('/') && path == &suffix[1..])
            }
            Kind::Regex(re) => re.is_match(path),
        }
    }

    /// Whether something strictly below directory `dir` could match this
    /// pattern (used to decide whether an excluded directory must be walked).
    fn may_match_below(&self, dir: &str) -> bool {
        let comps: Vec<&str> = dir.split('/').collect();
        for (i, c) in comps.iter().enumerate() {
            let Some(p) = self.dirs.get(i) else { return false };
            if p.contains("**") {
                return true;
            }
            if !component_matches(p, c) {
                return false;
            }
        }
        self.dirs.len() > comps.len()
    }
}

/// Matches one path component against one pattern component (`*`, `?`,
/// classes, escapes) by reusing the pattern compiler.
fn component_matches(pattern: &str, name: &str) -> bool {
    match compile(pattern) {
        Ok(Kind::Exact) => pattern == name,
        Ok(Kind::Regex(re)) => re.is_match(name),
        Ok(_) => true,
        Err(_) => false,
    }
}

/// Go `filepath.Match` syntax check: classes closed and non-empty, ranges
/// ordered, no trailing `\`.
fn validate(p: &str) -> Result<(), &'static str> {
    let c: Vec<char> = p.chars().collect();
    let mut i = 0;
    let class_char = |i: &mut usize| -> Result<char, &'static str> {
        let ch = *c.get(*i).ok_or("unclosed character class")?;
        if ch == '-' || ch == ']' {
            return Err("bad character class");
        }
        *i += 1;
        if ch == '\\' {
            let e = *c.get(*i).ok_or("trailing escape")?;
            *i += 1;
            return Ok(e);
        }
        Ok(ch)
    };
    while i < c.len() {
        match c[i] {
            '\\' => {
                if i + 1 >= c.len() {
                    return Err("trailing escape");
                }
                i += 2;
            }
            '[' => {
                i += 1;
                if c.get(i) == Some(&'^') {
                    i += 1;
                }
                let mut n = 0;
                loop {
                    if c.get(i) == Some(&']') && n > 0 {
                        i += 1;
                        break;
                    }
                    let lo = class_char(&mut i)?;
                    if c.get(i) == Some(&'-') {
                        i += 1;
                        let hi = class_char(&mut i)?;
                        if hi < lo {
                            return Err("bad character range");
                        }
                    }
                    n += 1;
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

fn compile(pattern: &str) -> Result<Kind, &'static str> {
    validate(pattern)?;
    let mut re = String::from("^");
    let mut kind = 0u8; // 0 exact, 1 prefix, 2 suffix, 3 regex
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        if ch == '*' {
            if chars.get(i) == Some(&'*') {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i == chars.len() {
                    if kind == 0 {
                        kind = 1;
                    } else {
                        re.push_str(".*");
                        kind = 3;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = 3;
                }
                if first {
                    kind = 2;
                }
            } else {
                re.push_str("[^/]*");
                kind = 3;
            }
        } else if ch == '?' {
            re.push_str("[^/]");
            kind = 3;
        } else if ".+()|{}$".contains(ch) {
            re.push('\\');
            re.push(ch);
        } else if ch == '\\' {
            match chars.get(i) {
                Some(&n) => {
                    i += 1;
                    if n.is_ascii_alphanumeric() {
                        re.push('\\');
                        re.push(n);
                    } else {
                        let mut b = [0u8; 4];
                        re.push_str(&regex::escape(n.encode_utf8(&mut b)));
                    }
                    kind = 3;
                }
                None => re.push_str("\\\\"),
            }
        } else if ch == '[' || ch == ']' {
            re.push(ch);
            kind = 3;
        } else if ch == '^' {
            // Literal outside classes in filepath.Match; inside a class it
            // follows `[` directly and negates (same in the regex).
            if re.ends_with('[') {
                re.push('^');
            } else {
                re.push_str("\\^");
            }
        } else {
            re.push(ch);
        }
        first = false;
    }
    Ok(match kind {
        0 => Kind::Exact,
        1 => Kind::Prefix,
        2 => Kind::Suffix,
        _ => {
            re.push('$');
            Kind::Regex(Regex::new(&re).map_err(|_| "invalid pattern")?)
        }
    })
}

/// Per-pattern results for a directory, passed down to its children
/// (patternmatcher's `MatchInfo`).
#[derive(Debug, Clone, Default)]
pub struct MatchInfo {
    parent_matched: Vec<bool>,
}

/// A compiled list of patterns.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    exclusions: bool,
}

impl Matcher {
    /// Compiles patterns (as returned by [`read_patterns`]).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Matcher, IgnoreError> {
        let mut m = Matcher::default();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            let mut p = clean_path(p);
            let exclusion = p.starts_with('!');
            if exclusion {
                if p.len() == 1 {
                    return Err(IgnoreError::BadPattern { pattern: p, reason: "illegal exclusion pattern" });
                }
                p.remove(0);
                m.exclusions = true;
            }
            let kind = compile(&p).map_err(|reason| IgnoreError::BadPattern { pattern: p.clone(), reason })?;
            m.patterns.push(Pattern { dirs: p.split('/').map(String::from).collect(), cleaned: p, exclusion, kind });
        }
        Ok(m)
    }

    /// The compiled patterns in order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Some pattern is a `!` re-inclusion.
    pub fn has_exclusions(&self) -> bool {
        self.exclusions
    }

    /// Whether the context path `file` (`/`-separated, relative to the
    /// context root) is ignored, its parents' matches included
    /// (patternmatcher's `MatchesOrParentMatches`).
    pub fn matches(&self, file: &str) -> bool {
        let file = clean_path(file);
        if file == "." {
            return false;
        }
        self.matches_with_parent(&file, &MatchInfo::default()).0
    }

    /// Like [`Matcher::matches`] for a walk: `parent` is what the call for
    /// the parent directory returned (default for top-level entries).
    pub fn matches_with_parent(&self, file: &str, parent: &MatchInfo) -> (bool, MatchInfo) {
        let mut matched = false;
        let mut info = MatchInfo { parent_matched: vec![false; self.patterns.len()] };
        let known = parent.parent_matched.len() == self.patterns.len();
        for (i, p) in self.patterns.iter().enumerate() {
            let mut m = known && parent.parent_matched[i];
            if !m {
                if p.exclusion != matched {
                    continue;
                }
                m = p.matches(file);
                if !m
                    && !known
                    && let Some((parent_path, _)) = file.rsplit_once('/')
                {
                    let comps: Vec<&str> = parent_path.split('/').collect();
                    m = (1..=comps.len()).any(|n| p.matches(&comps[..n].join("/")));
                }
            }
            info.parent_matched[i] = m;
            if m {
                matched = !p.exclusion;
            }
        }
        (matched, info)
    }

    /// An excluded directory must still be walked when a `!` pattern could
    /// re-include something below it.
    pub fn must_walk_excluded_dir(&self, dir: &str) -> bool {
        self.exclusions && self.patterns.iter().any(|p| p.exclusion && p.may_match_below(dir))
    }
}

/// One entry of the filtered build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    /// `/`-separated path relative to the context root.
    pub rel: String,
    /// It is a directory (not a symlink to one).
    pub is_dir: bool,
}

/// Walks the context directory `root` and returns the entries `.dockerignore`
/// keeps, parents before children, sorted by name within a directory. A
/// directory that is itself excluded but contains re-included entries is
/// returned too (its contents need a parent), as docker does.
pub fn walk(root: &Path, matcher: &Matcher) -> Result<Vec<ContextEntry>, IgnoreError> {
    let mut out = Vec::new();
    walk_dir(root, "", matcher, &MatchInfo::default(), &mut out)?;
    Ok(out)
}

fn walk_dir(
    dir: &Path,
    rel: &str,
    matcher: &Matcher,
    info: &MatchInfo,
    out: &mut Vec<ContextEntry>,
) -> Result<(), IgnoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| IgnoreError::Io { path, source }
    };
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let name = name.to_string_lossy();
        let child_rel = if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") };
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        let (excluded, child_info) = matcher.matches_with_parent(&child_rel, info);
        let is_dir = meta.is_dir();
        if !excluded {
            out.push(ContextEntry { rel: child_rel.clone(), is_dir });
            if is_dir {
                walk_dir(&path, &child_rel, matcher, &child_info, out)?;
            }
        } else if is_dir && matcher.must_walk_excluded_dir(&child_rel) {
            let mark = out.len();
            walk_dir(&path, &child_rel, matcher, &child_info, out)?;
            if out.len() > mark {
                out.insert(mark, ContextEntry { rel: child_rel, is_dir: true });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &[&str]) -> Matcher {
        Matcher::new(&read_patterns(&p.join("\n"))).unwrap()
    }

    #[test]
    fn clean() {
        assert_eq!(clean_path("a//b/./c/.."), "a/b");
        assert_eq!(clean_path("/../x"), "/x");
        assert_eq!(clean_path("../x"), "../x");
        assert_eq!(clean_path("./"), ".");
        assert_eq!(read_patterns("# c\n /foo/ \n!./bar\n\n\u{1}"), ["foo", "!bar", "\u{1}"]);
    }

    #[test]
    fn docker_semantics() {
        let pm = m(&["*.md", "!README.md", "docs", "**/*.tmp", "build/**", "a?c"]);
        assert!(pm.matches("x.md"));
        assert!(!pm.matches("README.md"));
        assert!(!pm.matches("sub/x.md"), "root-anchored, not gitignore");
        assert!(pm.matches("docs/a/b.txt"), "a matched parent excludes children");
        assert!(pm.matches("x.tmp") && pm.matches("a/b/c.tmp"));
        assert!(pm.matches("build/x") && !pm.matches("build"), "docker: build/** is a prefix match on build/");
        assert!(pm.matches("abc") && !pm.matches("a/c"));
        // Last match wins.
        let pm = m(&["!keep", "*"]);
        assert!(pm.matches("keep"));
        let pm = m(&["*", "!keep"]);
        assert!(!pm.matches("keep") && pm.matches("other"));
        // ** in the middle.
        let pm = m(&["a/**/z"]);
        assert!(pm.matches("a/z") && pm.matches("a/b/c/z") && !pm.matches("b/z"));
        assert!(Matcher::new(&["[a"]).is_err());
        assert!(Matcher::new(&["!"]).is_err());
        let pm = m(&["f[0-9]", "x\\*y"]);
        assert!(pm.matches("f1") && !pm.matches("fa") && pm.matches("x*y") && !pm.matches("xay"));
    }

    #[test]
    fn walk_reincludes_under_excluded_dir() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        for f in ["a.txt", "vendor/x/keep.txt", "vendor/x/drop.txt", "vendor/y/z.txt", "node_modules/m/i.js", "b.md"] {
            let p = r.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let pm = m(&["vendor", "!vendor/x/keep.txt", "node_modules", "*.md"]);
        let got: Vec<String> = walk(r, &pm).unwrap().into_iter().map(|e| e.rel).collect();
        assert_eq!(got, ["a.txt", "vendor", "vendor/x", "vendor/x/keep.txt"]);
        assert!(!pm.must_walk_excluded_dir("node_modules"));
    }
}
