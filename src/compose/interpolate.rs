//! Variable interpolation in compose files and `.env` files (Compose
//! Specification, "Interpolation"): `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`,
//! `${VAR+alt}`, and `$$` for a literal `$`. Defaults and alternatives are
//! themselves interpolated (`${A:-${B}}`).

use std::collections::BTreeMap;

/// Why a string could not be interpolated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InterpolateError {
    /// `${VAR:?message}` (or `?`) with VAR unset (or empty for `:?`).
    #[error("required variable {name} is missing a value: {message}")]
    Required {
        /// The variable.
        name: String,
        /// The file's message.
        message: String,
    },
    /// `${` without its `}`, or a bad name.
    #[error("invalid interpolation format for {0:?}; you may need to escape any $ with another $")]
    Syntax(String),
}

/// Interpolates `s` with the variables in `env`. Errors: an unset required
/// variable, a malformed `${…}`.
pub fn interpolate(s: &str, env: &BTreeMap<String, String>) -> Result<String, InterpolateError> {
    if !s.contains('$') {
        return Ok(s.to_string());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.push('$');
                i += 2;
            }
            Some('{') => {
                // Find the matching brace (defaults may nest `${…}`).
                let mut depth = 1;
                let mut j = i + 2;
                while j < chars.len() && depth > 0 {
                    match chars[j] {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if depth != 0 {
                    return Err(InterpolateError::Syntax(s.to_string()));
                }
                let inner: String = chars[i + 2..j - 1].iter().collect();
                out.push_str(&braced(&inner, env, s)?);
                i = j;
            }
            Some(c2) if c2.is_ascii_alphabetic() || *c2 == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                out.push_str(env.get(&name).map(String::as_str).unwrap_or(""));
                i = j;
            }
            _ => {
                // A lone `$` stays as it is (docker compose does the same).
                out.push('$');
                i += 1;
            }
        }
    }
    Ok(out)
}

/// The inside of `${…}`.
fn braced(inner: &str, env: &BTreeMap<String, String>, whole: &str) -> Result<String, InterpolateError> {
    let end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
    let name = &inner[..end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(InterpolateError::Syntax(whole.to_string()));
    }
    let rest = &inner[end..];
    let value = env.get(name);
    let set = value.is_some();
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let plain = || Ok(value.cloned().unwrap_or_default());
    if rest.is_empty() {
        return plain();
    }
    let (op, arg) = if let Some(a) = rest.strip_prefix(":-") {
        (":-", a)
    } else if let Some(a) = rest.strip_prefix(":?") {
        (":?", a)
    } else if let Some(a) = rest.strip_prefix(":+") {
        (":+", a)
    } else if let Some(a) = rest.strip_prefix('-') {
        ("-", a)
    } else if let Some(a) = rest.strip_prefix('?') {
        ("?", a)
    } else if let Some(a) = rest.strip_prefix('+') {
        ("+", a)
    } else {
        return Err(InterpolateError::Syntax(whole.to_string()));
    };
    match op {
        ":-" if !non_empty => interpolate(arg, env),
        "-" if !set => interpolate(arg, env),
        ":?" if !non_empty => Err(required(name, arg, env)),
        "?" if !set => Err(required(name, arg, env)),
        ":+" if non_empty => interpolate(arg, env),
        "+" if set => interpolate(arg, env),
        ":+" | "+" => Ok(String::new()),
        _ => plain(),
    }
}

fn required(name: &str, arg: &str, env: &BTreeMap<String, String>) -> InterpolateError {
    InterpolateError::Required { name: name.to_string(), message: interpolate(arg, env).unwrap_or_else(|_| arg.into()) }
}

/// Parses a `.env` file (docker compose's dotenv format): `KEY=VALUE`
/// lines, `#` comments, optional `export `, single quotes (literal),
/// double quotes (escapes `\n`, `\"`, interpolation), unquoted values
/// (interpolated, trailing ` #comment` removed). Values may refer to
/// `base` and to earlier keys. Errors: a line without `=` names its number.
pub fn parse_env_file(text: &str, base: &BTreeMap<String, String>) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let Some((k, v)) = t.split_once('=') else {
            // A bare KEY takes its value from the environment, when set.
            if let Some(v) = base.get(t) {
                out.push((t.to_string(), v.clone()));
            }
            continue;
        };
        let k = k.trim();
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(format!("line {}: invalid variable name {k:?}", n + 1));
        }
        let mut env = base.clone();
        env.extend(out.iter().cloned());
        let v = v.trim_start();
        let value = if let Some(rest) = v.strip_prefix('\'') {
            let mut s = rest.to_string();
            while !s.contains('\'') {
                let Some((_, more)) = lines.next() else { return Err(format!("line {}: unterminated quote", n + 1)) };
                s.push('\n');
                s.push_str(more);
            }
            s[..s.find('\'').expect("checked")].to_string()
        } else if let Some(rest) = v.strip_prefix('"') {
            let mut s = rest.to_string();
            while closing_quote(&s).is_none() {
                let Some((_, more)) = lines.next() else { return Err(format!("line {}: unterminated quote", n + 1)) };
                s.push('\n');
                s.push_str(more);
            }
            let raw = &s[..closing_quote(&s).expect("checked")];
            let unescaped = raw.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
            interpolate(&unescaped, &env).map_err(|e| format!("line {}: {e}", n + 1))?
        } else {
            let v = match v.find(" #") {
                Some(i) => &v[..i],
                None => v,
            };
            interpolate(v.trim_end(), &env).map_err(|e| format!("line {}: {e}", n + 1))?
        };
        out.retain(|(key, _)| key != k);
        out.push((k.to_string(), value));
    }
    Ok(out)
}

/// The byte index of the first `"` not escaped by a backslash.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> BTreeMap<String, String> {
        [("SET", "v"), ("EMPTY", "")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn forms() {
        let e = env();
        let i = |s: &str| interpolate(s, &e).unwrap();
        assert_eq!(i("a${SET}b$SET.c"), "avbv.c");
        assert_eq!(i("${UNSET}"), "");
        assert_eq!(i("${UNSET:-d}|${EMPTY:-d}|${EMPTY-d}|${UNSET-d}"), "d|d||d");
        assert_eq!(i("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}"), "alt||alt|");
        assert_eq!(i("$$SET $${SET}"), "$SET ${SET}");
        assert_eq!(i("${UNSET:-${SET}x}"), "vx");
        assert_eq!(i("cost $5"), "cost $5");
    }

    #[test]
    fn required_and_syntax() {
        let e = env();
        assert_eq!(
            interpolate("${UNSET:?set it}", &e),
            Err(InterpolateError::Required { name: "UNSET".into(), message: "set it".into() })
        );
        assert!(interpolate("${EMPTY:?x}", &e).is_err());
        assert_eq!(interpolate("${EMPTY?x}", &e).unwrap(), "");
        assert!(matches!(interpolate("${SET", &e), Err(InterpolateError::Syntax(_))));
        assert!(matches!(interpolate("${1A}", &e), Err(InterpolateError::Syntax(_))));
    }

    #[test]
    fn env_files() {
        let base = env();
        let text = "# c\nA=1\nexport B = two # note\nC='lit $SET'\nD=\"x\\ny ${A}\"\nE=${SET}-${A}\n";
        let got = parse_env_file(text, &base).unwrap();
        let m: BTreeMap<_, _> = got.into_iter().collect();
        assert_eq!(m["A"], "1");
        assert_eq!(m["B"], "two");
        assert_eq!(m["C"], "lit $SET");
        assert_eq!(m["D"], "x\ny 1");
        assert_eq!(m["E"], "v-1");
    }
}
