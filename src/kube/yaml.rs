//! Reading Kubernetes YAML with paths: [`Obj`] is a mapping being read
//! that remembers which keys were asked for, so that every field rcon does
//! not read is reported by its YAML path (`spec.containers[0].stdin`)
//! instead of being dropped silently.

use super::{Error, Result};
use serde_yaml_ng::{Mapping, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Splits a multi-document YAML text into its documents (empty ones
/// dropped). Errors name the document's position.
pub fn documents(text: &str) -> Result<Vec<Value>> {
    use serde::Deserialize as _;
    let mut docs = Vec::new();
    for (i, d) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let v = Value::deserialize(d).map_err(|source| Error::Document { index: i + 1, source })?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    Ok(docs)
}

/// A mapping of the YAML being read, at `path`.
#[derive(Debug)]
pub struct Obj<'a> {
    map: Option<&'a Mapping>,
    path: String,
    used: RefCell<BTreeSet<String>>,
}

impl<'a> Obj<'a> {
    /// `v` as a mapping at `path` (null reads as an empty mapping).
    /// Errors: `v` is another kind of value.
    pub fn new(v: &'a Value, path: &str) -> Result<Obj<'a>> {
        match v {
            Value::Mapping(m) => Ok(Obj { map: Some(m), path: path.to_string(), used: RefCell::default() }),
            Value::Null => Ok(Obj { map: None, path: path.to_string(), used: RefCell::default() }),
            _ => Err(invalid!("{}: expected a mapping", Self::show(path))),
        }
    }

    fn show(path: &str) -> &str {
        if path.is_empty() { "(document)" } else { path }
    }

    /// This mapping's own path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path of `key` under this mapping.
    pub fn at(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) }
    }

    /// The raw value of `key` (marks it read).
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.used.borrow_mut().insert(key.to_string());
        self.map?.get(key).filter(|v| !v.is_null())
    }

    /// Marks keys as read without using them (fields with no local meaning).
    pub fn ignore(&self, keys: &[&str]) {
        for k in keys {
            self.used.borrow_mut().insert(k.to_string());
        }
    }

    /// A string (numbers and booleans are taken as their text).
    pub fn str(&self, key: &str) -> Result<Option<String>> {
        Ok(match self.raw(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(_) => return Err(invalid!("{}: expected a string", self.at(key))),
        })
    }

    /// An integer (a numeric string is accepted).
    pub fn int(&self, key: &str) -> Result<Option<i64>> {
        Ok(match self.raw(key) {
            None => None,
            Some(Value::Number(n)) => {
                Some(n.as_i64().ok_or_else(|| invalid!("{}: expected an integer", self.at(key)))?)
            }
            Some(Value::String(s)) => Some(s.parse().map_err(|_| invalid!("{}: expected an integer", self.at(key)))?),
            Some(_) => return Err(invalid!("{}: expected an integer", self.at(key))),
        })
    }

    /// A boolean.
    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        Ok(match self.raw(key) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(invalid!("{}: expected true or false", self.at(key))),
        })
    }

    /// A nested mapping.
    pub fn obj(&self, key: &str) -> Result<Option<Obj<'a>>> {
        let path = self.at(key);
        self.raw(key).map(|v| Obj::new(v, &path)).transpose()
    }

    /// A list of mappings (absent: empty).
    pub fn list(&self, key: &str) -> Result<Vec<Obj<'a>>> {
        let path = self.at(key);
        match self.raw(key) {
            None => Ok(Vec::new()),
            Some(Value::Sequence(items)) => {
                items.iter().enumerate().map(|(i, v)| Obj::new(v, &format!("{path}[{i}]"))).collect()
            }
            Some(_) => Err(invalid!("{path}: expected a list")),
        }
    }

    /// A list of strings (absent: empty).
    pub fn strs(&self, key: &str) -> Result<Vec<String>> {
        let path = self.at(key);
        match self.raw(key) {
            None => Ok(Vec::new()),
            Some(Value::Sequence(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    Value::Bool(b) => Ok(b.to_string()),
                    _ => Err(invalid!("{path}[{i}]: expected a string")),
                })
                .collect(),
            Some(_) => Err(invalid!("{path}: expected a list of strings")),
        }
    }

    /// A mapping of strings to strings (`labels`, `data`), in key order.
    pub fn string_map(&self, key: &str) -> Result<Vec<(String, String)>> {
        let Some(m) = self.obj(key)? else { return Ok(Vec::new()) };
        let keys: Vec<String> =
            m.map.iter().flat_map(|m| m.keys()).filter_map(|k| k.as_str().map(String::from)).collect();
        let mut out = Vec::new();
        for k in keys {
            out.push((k.clone(), m.str(&k)?.unwrap_or_default()));
        }
        Ok(out)
    }

    /// The keys present in this mapping.
    pub fn keys(&self) -> Vec<String> {
        self.map.iter().flat_map(|m| m.keys()).filter_map(|k| k.as_str().map(String::from)).collect()
    }

    /// Reports every key that was not read, by path, into `unsupported`.
    pub fn finish(&self, unsupported: &mut Vec<String>) {
        let used = self.used.borrow();
        for k in self.keys() {
            if !used.contains(&k) {
                unsupported.push(self.at(&k));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_keys_are_reported_by_path() {
        let docs = documents("---\na: 1\nb:\n  c: x\n  d: [1, 2]\ne: {}\n---\n---\nf: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        let o = Obj::new(&docs[0], "").unwrap();
        assert_eq!(o.int("a").unwrap(), Some(1));
        let b = o.obj("b").unwrap().unwrap();
        assert_eq!(b.str("c").unwrap().as_deref(), Some("x"));
        let mut unsupported = Vec::new();
        b.finish(&mut unsupported);
        o.finish(&mut unsupported);
        assert_eq!(unsupported, vec!["b.d", "e"]);
        let l = Obj::new(&docs[1], "spec").unwrap();
        assert!(l.list("f").unwrap_err().to_string().contains("spec.f: expected a list"));
    }
}
