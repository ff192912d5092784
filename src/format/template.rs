//! `--format` for the listing and inspect commands: Go templates (docker's
//! syntax and rendering, see [`super::gotemplate`]) over each item's JSON,
//! and docker's two special forms: `table TEMPLATE` (a header row and
//! aligned columns) and `json` (one JSON object per line).

use super::gotemplate::{DOCKER_SHAPE, Mode, Template, Val};

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
        /// The template text.
        text: String,
    },
}

/// Why a `--format` value cannot be used: Go's message
/// (`template: :1:2: executing "" at <.Foo>: …`).
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct FormatError {
    /// The value given.
    pub format: String,
    /// What is wrong, in Go's words.
    pub reason: String,
}

/// Go's `json.Marshal` of a listing row: HTML characters escaped.
fn row_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

impl Format {
    /// Parses a listing command's `--format` value as docker's CLI does:
    /// a leading `table` asks for a header row, surrounding spaces are
    /// trimmed, and `\t` and `\n` written literally (as the shell passes
    /// them) become tab and newline.
    pub fn parse(format: &str) -> Result<Format, FormatError> {
        if format == "json" {
            return Ok(Format::Json);
        }
        let (table, text) = match format.strip_prefix("table") {
            Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => (true, rest),
            _ => (false, format),
        };
        let text = text.trim_matches(' ').replace("\\t", "\t").replace("\\n", "\n");
        Format::template(format, text, table)
    }

    /// Parses `inspect`'s `--format` value as docker's CLI does: the
    /// template as given (no `table`, no `\t` replacement); `json` prints
    /// each object as one line of JSON.
    pub fn parse_inspect(format: &str) -> Result<Format, FormatError> {
        if format == "json" {
            return Ok(Format::Json);
        }
        Format::template(format, format.to_string(), false)
    }

    fn template(format: &str, text: String, table: bool) -> Result<Format, FormatError> {
        let template = Template::parse(&text, &[])
            .map_err(|e| FormatError { format: format.to_string(), reason: e.to_string() })?;
        Ok(Format::Template { template: Box::new(template), table, text })
    }

    /// Renders `items`; `headers` maps field names to header labels
    /// (`ID` → `CONTAINER ID`) for the `table` form. Returns the whole
    /// output, each item followed by a newline (as docker's `--format`).
    pub fn render(&self, items: &[serde_json::Value], headers: &[(&str, &str)]) -> Result<String, FormatError> {
        self.render_mode(items, headers, false)
    }

    /// Like [`Format::render`] for `inspect`: an item whose typed rendering
    /// fails (a field that does not exist) is rendered again from its raw
    /// JSON (numbers as float64, a null `<no value>`, a missing key an
    /// error), as docker's inspect does.
    pub fn render_inspect(&self, items: &[serde_json::Value]) -> Result<String, FormatError> {
        self.render_mode(items, &[], true)
    }

    /// docker's `inspect --format` (its CLI's `TemplateInspector`) over
    /// `(typed, raw)` documents: each item rendered from its typed document
    /// (docker's Go structs, see [`Mode::Typed`]), or when that fails from its
    /// raw JSON ([`Mode::Raw`]: numbers as float64, a missing key an error),
    /// followed by a newline; a lone newline when no item rendered. Returns
    /// that output and the errors of the items that did not render
    /// (`template parsing error: …`), which docker prints after it (exit 1).
    pub fn render_inspect_each(&self, items: &[(serde_json::Value, serde_json::Value)]) -> (String, Vec<FormatError>) {
        let mut out = String::new();
        let mut errors = Vec::new();
        for (typed, raw) in items {
            let rendered = match self {
                Format::Json => Ok(row_json(typed)),
                Format::Template { template, text, .. } => template
                    .execute(&Val::from_json(typed, Mode::Typed, &DOCKER_SHAPE, ""))
                    .or_else(|_| template.execute(&Val::from_json(raw, Mode::Raw, &DOCKER_SHAPE, "")))
                    .map_err(|e| FormatError { format: text.clone(), reason: format!("template parsing error: {e}") }),
            };
            match rendered {
                Ok(line) => {
                    out.push_str(&line);
                    out.push('\n');
                }
                Err(e) => errors.push(e),
            }
        }
        if out.is_empty() {
            out.push('\n');
        }
        (out, errors)
    }

    fn render_mode(
        &self,
        items: &[serde_json::Value],
        headers: &[(&str, &str)],
        raw_fallback: bool,
    ) -> Result<String, FormatError> {
        let (template, table, text) = match self {
            Format::Json => return Ok(items.iter().map(|i| format!("{}\n", row_json(i))).collect()),
            // A listing row's `{{json .}}` is Go's json.Marshal of docker's
            // row: `<`, `>`, `&` escaped.
            Format::Template { text, table: false, .. } if !raw_fallback && text.trim() == "{{json .}}" => {
                return Ok(items.iter().map(|i| format!("{}\n", row_json(i))).collect());
            }
            Format::Template { template, table, text } => (template, *table, text),
        };
        let err = |e: super::gotemplate::TemplateError| FormatError { format: text.clone(), reason: e.to_string() };
        let mut lines = Vec::new();
        for item in items {
            let typed = template.execute(&Val::from_json(item, Mode::Typed, &DOCKER_SHAPE, ""));
            let line = match typed {
                Err(_) if raw_fallback => {
                    template.execute(&Val::from_json(item, Mode::Raw, &DOCKER_SHAPE, "")).map_err(|e| FormatError {
                        format: text.clone(),
                        reason: format!("template parsing error: {e}"),
                    })?
                }
                other => other.map_err(err)?,
            };
            lines.push(line);
        }
        if !table {
            return Ok(lines.into_iter().map(|l| l + "\n").collect());
        }
        let header_item = Val::Map {
            entries: headers.iter().map(|(k, v)| (k.to_string(), Val::Str(v.to_string()))).collect(),
            nil: false,
            typed: true,
        };
        let header = template.execute(&header_item).map_err(err)?;
        let mut t = super::Table::new(&header.split('\t').collect::<Vec<_>>());
        for l in lines {
            t.row(l.split('\t').map(str::to_string).collect());
        }
        Ok(t.render())
    }
}
