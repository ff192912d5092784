//! Quantities on the command line and in files: Go durations (`1m30s`),
//! docker's byte sizes (`512m`) and the size of a directory tree. A leaf:
//! it imports nothing from the crate, so every layer may use it.

use std::path::Path;
use std::time::Duration;

/// A string that is not a Go duration; shows the input and the grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {0:?}: use e.g. 30s, 1m30s, 500ms")]
pub struct InvalidDuration(pub String);

/// A string that is not a docker size; shows the input and the grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid size {0:?}: use bytes with an optional k, m, g or t suffix (1024-based)")]
pub struct InvalidSize(pub String);

/// Parses a duration as Go's `time.ParseDuration` does, the grammar of
/// docker's duration flags and of Dockerfile `HEALTHCHECK` options: `0`, or
/// one or more decimal numbers each followed by a unit `ns`, `us` (`µs`,
/// `μs`), `ms`, `s`, `m` or `h` (`1h2m3.5s`, `500ms`, `.5s`), with an
/// optional leading `+`. Negative durations and a number without a unit
/// (other than `0`) are errors, as is a value beyond `u64::MAX` nanoseconds.
pub fn parse_go_duration(s: &str) -> Result<Duration, InvalidDuration> {
    let bad = || InvalidDuration(s.to_string());
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest.is_empty() {
        return Err(bad());
    }
    let mut nanos = 0f64;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        if num_len == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit_nanos = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        nanos += value * unit_nanos;
        rest = &rest[unit_len..];
    }
    if nanos >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// Parses docker's byte sizes (`RAMInBytes`): a decimal number with an
/// optional `k`, `m`, `g` or `t` suffix (1024-based) and an optional `b`,
/// case-insensitive: `512`, `64k`, `512m`, `1.5g`, `10mb`. Returns bytes
/// (fractions truncated). Negative or non-numeric sizes are errors.
pub fn parse_size(s: &str) -> Result<u64, InvalidSize> {
    let bad = || InvalidSize(s.to_string());
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, shift) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 10),
        Some('m') => (&t[..t.len() - 1], 20),
        Some('g') => (&t[..t.len() - 1], 30),
        Some('t') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    let n: f64 = num.parse().map_err(|_| bad())?;
    let bytes = n * (1u64 << shift) as f64;
    if bytes >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// Bytes of everything under `dir` that is not a directory (regular files,
/// and symlinks by their own length), without following symlinks, as
/// docker's `ps -s` and `system df` count. Unreadable entries count as 0; a
/// missing `dir` is 0.
pub fn dir_size(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let Ok(md) = e.path().symlink_metadata() else { continue };
            if md.is_dir() {
                stack.push(e.path());
            } else {
                total += md.size();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let d = |s| parse_go_duration(s).map(|d| d.as_nanos());
        assert_eq!(d("30s"), Ok(30_000_000_000));
        assert_eq!(d("1m30s"), Ok(90_000_000_000));
        assert_eq!(d("1h2m3.5s"), Ok(3_723_500_000_000));
        assert_eq!(d("500ms"), Ok(500_000_000));
        assert_eq!(d("1.5s"), Ok(1_500_000_000));
        assert_eq!(d(".5s"), Ok(500_000_000));
        assert_eq!(d("10us"), Ok(10_000));
        assert_eq!(d("10µs"), Ok(10_000));
        assert_eq!(d("7ns"), Ok(7));
        assert_eq!(d("+2s"), Ok(2_000_000_000));
        assert_eq!(d("0"), Ok(0));
        for bad in ["", "10", "s", "-1s", "1x", "1s2", "+", ".s", "1e3s", "99999999999h"] {
            assert_eq!(parse_go_duration(bad), Err(InvalidDuration(bad.to_string())), "{bad}");
        }
    }

    #[test]
    fn docker_sizes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("10mb"), Ok(10 << 20));
        assert_eq!(parse_size("2t"), Ok(2 << 40));
        assert_eq!(parse_size("0"), Ok(0));
        for bad in ["", "k", "-1", "1x", "nan", "inf", "1 k"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dir_size_counts_files_and_symlinks_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("a"), [0u8; 100]).unwrap();
        std::fs::write(dir.path().join("sub/b"), [0u8; 20]).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("sub/link")).unwrap();
        assert_eq!(dir_size(dir.path()), 121);
        assert_eq!(dir_size(&dir.path().join("missing")), 0);
    }
}
