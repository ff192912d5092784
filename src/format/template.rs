//! `--format` for the listing and inspect commands: Go templates (docker's
//! syntax, through the `gtmpl` crate) over each item's JSON, with docker's
//! extra functions (`json`, `join`, `split`, `lower`, `upper`, `title`,
//! `truncate`, `pad`) and its two special forms: `table TEMPLATE` (a header
//! row and aligned columns) and `json` (one JSON object per line).

use gtmpl::{Context, Template};
use gtmpl_value::{FuncError, Number, Value};
use std::collections::HashMap;

/// A parsed `--format` value.
pub enum Format {
    /// `json`: every item as one line of JSON.
    Json,
    /// A template applied to every item; with `table`, a header row first
    /// and columns aligned.
    Template {
        /// The parsed template.
        template: Box<Template>,
        /// `table` was given.
        table: bool,
        /// The template text (for the header row).
        text: String,
    },
}

/// Why a `--format` value cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid --format {format:?}: {reason}")]
pub struct FormatError {
    /// The value given.
    pub format: String,
    /// What is wrong.
    pub reason: String,
}

impl Format {
    /// Parses a `--format` value. `\t` and `\n` written literally (as the
    /// shell passes them) become tab and newline, as with docker.
    pub fn parse(format: &str) -> Result<Format, FormatError> {
        let err = |reason: String| FormatError { format: format.to_string(), reason };
        if format == "json" {
            return Ok(Format::Json);
        }
        let (table, text) = match format.strip_prefix("table") {
            Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => (true, rest.trim_start()),
            _ => (false, format),
        };
        let text = text.replace("\\t", "\t").replace("\\n", "\n");
        let mut template = Template::default();
        template.add_funcs(&FUNCS);
        template.parse(text.clone()).map_err(|e| err(e.to_string()))?;
        Ok(Format::Template { template: Box::new(template), table, text })
    }

    /// Renders `items`; `headers` maps field names to header labels
    /// (`ID` → `CONTAINER ID`) for the `table` form. Returns the whole
    /// output, each item on its own line(s).
    pub fn render(&self, items: &[serde_json::Value], headers: &[(&str, &str)]) -> Result<String, FormatError> {
        match self {
            Format::Json => Ok(items.iter().map(|i| format!("{i}\n")).collect()),
            Format::Template { template, table, text } => {
                let err = |e: String| FormatError { format: text.clone(), reason: e };
                let mut lines = Vec::new();
                for item in items {
                    lines.push(template.render(&Context::from(to_value(item))).map_err(|e| err(e.to_string()))?);
                }
                if !table {
                    return Ok(lines.into_iter().map(|l| l + "\n").collect());
                }
                let header_item: serde_json::Map<String, serde_json::Value> =
                    headers.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string()))).collect();
                let header = template
                    .render(&Context::from(to_value(&serde_json::Value::Object(header_item))))
                    .map_err(|e| err(e.to_string()))?;
                let mut t = super::Table::new(&header.split('\t').collect::<Vec<_>>());
                for l in lines {
                    t.row(l.split('\t').map(str::to_string).collect());
                }
                Ok(t.render())
            }
        }
    }
}

/// serde_json → gtmpl value (objects become maps that `.Field` reads).
pub fn to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Value::Number(Number::from(u)),
            (_, Some(i), _) => Value::Number(Number::from(i)),
            (_, _, Some(f)) => Value::Number(Number::from(f)),
            _ => Value::Nil,
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(to_value).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect::<HashMap<_, _>>())
        }
    }
}

/// gtmpl → serde_json, for the `json` function.
fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::NoValue | Value::Nil | Value::Function(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Number(n) => n
            .as_u64()
            .map(serde_json::Value::from)
            .or_else(|| n.as_i64().map(serde_json::Value::from))
            .or_else(|| n.as_f64().map(serde_json::Value::from))
            .unwrap_or(serde_json::Value::Null),
        Value::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Value::Object(o) | Value::Map(o) => {
            let sorted: std::collections::BTreeMap<_, _> = o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
    }
}

fn string_arg(args: &[Value], i: usize, func: &str) -> Result<String, FuncError> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None => Err(FuncError::Generic(format!("{func}: missing argument {}", i + 1))),
    }
}

fn json(args: &[Value]) -> Result<Value, FuncError> {
    let v = args.first().ok_or_else(|| FuncError::Generic("json: missing argument".into()))?;
    Ok(Value::String(to_json(v).to_string()))
}

fn join(args: &[Value]) -> Result<Value, FuncError> {
    let sep = string_arg(args, 1, "join")?;
    match args.first() {
        Some(Value::Array(a)) => Ok(Value::String(
            a.iter()
                .map(|v| to_json(v).as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(&sep),
        )),
        Some(v) => Ok(Value::String(v.to_string())),
        None => Err(FuncError::Generic("join: missing argument".into())),
    }
}

fn split(args: &[Value]) -> Result<Value, FuncError> {
    let s = string_arg(args, 0, "split")?;
    let sep = string_arg(args, 1, "split")?;
    Ok(Value::Array(s.split(sep.as_str()).map(|p| Value::String(p.to_string())).collect()))
}

fn lower(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::String(string_arg(args, 0, "lower")?.to_lowercase()))
}

fn upper(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::String(string_arg(args, 0, "upper")?.to_uppercase()))
}

fn title(args: &[Value]) -> Result<Value, FuncError> {
    let s = string_arg(args, 0, "title")?;
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        out.extend(if start { c.to_uppercase().collect::<Vec<_>>() } else { vec![c] });
        start = c.is_whitespace();
    }
    Ok(Value::String(out))
}

fn truncate(args: &[Value]) -> Result<Value, FuncError> {
    let s = string_arg(args, 0, "truncate")?;
    let n: usize =
        string_arg(args, 1, "truncate")?.parse().map_err(|_| FuncError::Generic("truncate: bad length".into()))?;
    Ok(Value::String(s.chars().take(n).collect()))
}

fn pad(args: &[Value]) -> Result<Value, FuncError> {
    let s = string_arg(args, 0, "pad")?;
    let parse =
        |i| string_arg(args, i, "pad")?.parse::<usize>().map_err(|_| FuncError::Generic("pad: bad width".into()));
    let (l, r) = (parse(1)?, parse(2)?);
    Ok(Value::String(format!("{}{s}{}", " ".repeat(l), " ".repeat(r))))
}

const FUNCS: [(&str, gtmpl_value::Func); 8] = [
    ("json", json),
    ("join", join),
    ("split", split),
    ("lower", lower),
    ("upper", upper),
    ("title", title),
    ("truncate", truncate),
    ("pad", pad),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: &str, items: &[serde_json::Value]) -> String {
        Format::parse(format).unwrap().render(items, &[("ID", "CONTAINER ID"), ("Names", "NAMES")]).unwrap()
    }

    #[test]
    fn fields_functions_and_tables() {
        let items = [
            json!({"ID": "abc", "Names": "web", "Labels": {"a": "1"}, "Ports": ["80", "443"]}),
            json!({"ID": "def", "Names": "db", "Labels": {}, "Ports": []}),
        ];
        assert_eq!(render("{{.ID}}", &items), "abc\ndef\n");
        assert_eq!(render("{{.ID}}:{{upper .Names}}", &items), "abc:WEB\ndef:DB\n");
        assert_eq!(render("{{json .Labels}}", &items[..1]), "{\"a\":\"1\"}\n");
        assert_eq!(render("{{join .Ports \",\"}}", &items[..1]), "80,443\n");
        assert_eq!(
            render("table {{.ID}}\\t{{.Names}}", &items),
            "CONTAINER ID   NAMES\nabc            web\ndef            db\n"
        );
        assert_eq!(render("json", &items[..1]).trim(), items[0].to_string());
        assert_eq!(render("{{if eq .Names \"web\"}}yes{{else}}no{{end}}", &items), "yes\nno\n");
        assert!(Format::parse("{{.ID").is_err());
    }
}
