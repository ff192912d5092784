//! docker's `--filter KEY=VALUE` sets for listing and prune commands:
//! parsing with the keys a command accepts, and the shared predicates
//! (`label=`, `label!=`, `until=`, `dangling=`, `name=`, `id=`, `driver=`).
//! A leaf: no other rcon module is used.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Parsed filters: values per key, in the order given.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Filters {
    by_key: BTreeMap<String, Vec<String>>,
}

impl Filters {
    /// Parses `KEY=VALUE` (and `label!=VALUE`) filters; `allowed` lists the
    /// keys the command accepts (`label!` for `label!=`). Errors, worded as
    /// docker's: `bad format of filter (expected name=value)`, `Invalid
    /// filter 'KEY'` (its daemon's words).
    pub fn parse(filters: &[String], allowed: &[&str]) -> Result<Filters, String> {
        let mut f = Filters::default();
        for s in filters {
            let (k, v) = s.split_once('=').ok_or_else(|| format!("bad format of filter (expected name=value): {s}"))?;
            let k = k.trim().to_ascii_lowercase();
            if !allowed.contains(&k.as_str()) {
                return Err(format!("Invalid filter '{}'", k.trim_end_matches('!')));
            }
            f.by_key.entry(k).or_default().push(v.to_string());
        }
        Ok(f)
    }

    /// True when no filter was given.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// The values given for `key`.
    pub fn get(&self, key: &str) -> &[String] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    /// True when `key` was given.
    pub fn has(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// `label=K` / `label=K=V` (every one must match) and `label!=K` /
    /// `label!=K=V` (none may match) against `labels`.
    pub fn labels_match(&self, labels: &BTreeMap<String, String>) -> bool {
        let one = |f: &str| match f.split_once('=') {
            Some((k, v)) => labels.get(k).is_some_and(|x| x == v),
            None => labels.contains_key(f),
        };
        self.get("label").iter().all(|f| one(f)) && !self.get("label!").iter().any(|f| one(f))
    }

    /// `until=TIME`: `created` is before every given time (RFC 3339, Unix
    /// seconds or a duration before `now`). Errors: a time that does not parse.
    pub fn until_ok(&self, created: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool, String> {
        for u in self.get("until") {
            if created >= crate::util::parse_time(u, now)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `dangling=true|false|1|0`: `None` when not given. Errors: another value.
    pub fn dangling(&self) -> Result<Option<bool>, String> {
        match self.get("dangling").last().map(String::as_str) {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(v) => Err(format!("invalid filter 'dangling={v}'")),
        }
    }

    /// `name=`: any value is a substring of `name` (docker matches names
    /// with a regular expression; substrings are what scripts pass).
    pub fn name_matches(&self, name: &str) -> bool {
        let names = self.get("name");
        names.is_empty() || names.iter().any(|n| name.contains(n.as_str()))
    }

    /// `id=`: any value is a prefix of `id` (with or without `sha256:`).
    pub fn id_matches(&self, id: &str) -> bool {
        let ids = self.get("id");
        let bare = id.strip_prefix("sha256:").unwrap_or(id);
        ids.is_empty() || ids.iter().any(|p| bare.starts_with(p.strip_prefix("sha256:").unwrap_or(p)))
    }

    /// `driver=`: any value equals `driver`.
    pub fn driver_matches(&self, driver: &str) -> bool {
        let d = self.get("driver");
        d.is_empty() || d.iter().any(|x| x == driver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: &[&str], allowed: &[&str]) -> Filters {
        Filters::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>(), allowed).unwrap()
    }

    #[test]
    fn labels_until_dangling() {
        let labels: BTreeMap<String, String> = [("a".to_string(), "1".to_string())].into();
        let keys = ["label", "label!", "until", "dangling"];
        assert!(f(&["label=a"], &keys).labels_match(&labels));
        assert!(f(&["label=a=1"], &keys).labels_match(&labels));
        assert!(!f(&["label=a=2"], &keys).labels_match(&labels));
        assert!(!f(&["label=a", "label=b"], &keys).labels_match(&labels));
        assert!(!f(&["label!=a"], &keys).labels_match(&labels));
        assert!(f(&["label!=a=2"], &keys).labels_match(&labels));
        let now = Utc::now();
        let old = now - chrono::Duration::hours(2);
        assert!(f(&["until=1h"], &keys).until_ok(old, now).unwrap());
        assert!(!f(&["until=3h"], &keys).until_ok(old, now).unwrap());
        assert_eq!(f(&["dangling=true"], &keys).dangling(), Ok(Some(true)));
        assert!(f(&["dangling=maybe"], &keys).dangling().is_err());
        let e = Filters::parse(&["colour=red".into()], &keys).unwrap_err();
        assert_eq!(e, "Invalid filter 'colour'");
        assert!(Filters::parse(&["label".into()], &keys).is_err());
    }

    #[test]
    fn names_ids_drivers() {
        let keys = ["name", "id", "driver"];
        assert!(f(&["name=we"], &keys).name_matches("web"));
        assert!(!f(&["name=db"], &keys).name_matches("web"));
        assert!(f(&["id=abc"], &keys).id_matches("sha256:abcdef"));
        assert!(f(&["driver=local"], &keys).driver_matches("local"));
        assert!(f(&[], &keys).name_matches("anything"));
    }
}
