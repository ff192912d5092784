//! Output formatting shared by the listing commands: docker-style aligned
//! tables, human durations ("5 seconds ago") and sizes ("4.26MB"), with the
//! exact rules of docker's go-units so scripts that parse docker's output
//! parse ours.

pub mod gotemplate;
pub mod template;

use chrono::{DateTime, Utc};
use std::io::Write;

/// A table printed like docker's tabwriter (minimum column width 10,
/// padding 3, the last column unpadded).
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose first row is `header`.
    pub fn new(header: &[&str]) -> Table {
        Table { rows: vec![header.iter().map(|s| s.to_string()).collect()] }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table as docker's CLI tables (Go's tabwriter, minimum
    /// cell width 10, padding 3): one line per row, each ending in `\n`.
    /// Every cell but a row's last is padded, so a row whose last cell is
    /// empty ends in spaces, as docker's (`history`'s COMMENT).
    pub fn render(&self) -> String {
        self.render_min(10)
    }

    /// [`Table::render`] with another minimum cell width (`top` uses 20).
    pub fn render_min(&self, min_width: usize) -> String {
        let ncols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0usize; ncols];
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    let w = (widths[i] + 3).max(min_width);
                    line.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// Writes the table to stdout.
    pub fn print(&self) -> std::io::Result<()> {
        std::io::stdout().lock().write_all(self.render().as_bytes())
    }
}

/// docker's `HumanDuration` (go-units): "Less than a second", "1 second",
/// "5 seconds", "About a minute", "3 minutes", "About an hour", "5 hours",
/// "3 days", "2 weeks", "4 months", "2 years". `seconds` may be fractional.
pub fn human_duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    let secs = s as i64;
    if secs < 1 {
        return "Less than a second".into();
    }
    if secs == 1 {
        return "1 second".into();
    }
    if secs < 60 {
        return format!("{secs} seconds");
    }
    let minutes = (s / 60.0) as i64;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (s / 3600.0 + 0.5) as i64;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", (s / 3600.0 / 24.0 / 365.0) as i64)
}

/// Go's `time.Time.String()` of `t` in the local time zone, as docker's
/// CLI prints `CreatedAt`: `2006-01-02 15:04:05 -0700 MST` (the zone is
/// `UTC` at offset zero, else the numeric offset, as Go prints zones
/// without an abbreviation).
pub fn go_time(t: DateTime<Utc>) -> String {
    go_time_in(t, *t.with_timezone(&chrono::Local).offset())
}

fn go_time_in(t: DateTime<Utc>, offset: chrono::FixedOffset) -> String {
    let local = t.with_timezone(&offset);
    let off = local.format("%z").to_string();
    let zone = if off == "+0000" { "UTC".to_string() } else { off.clone() };
    format!("{} {off} {zone}", local.format("%Y-%m-%d %H:%M:%S"))
}

/// "5 seconds ago" for a past instant, relative to `now`.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_milliseconds() as f64 / 1000.0;
    format!("{} ago", human_duration(secs))
}

/// docker's `HumanSize` (go-units, decimal units, 3 significant digits):
/// 100 → "100B", 1234 → "1.23kB", 4_261_234 → "4.26MB".
pub fn human_size(bytes: u64) -> String {
    let (size, unit) = decimal_units(bytes);
    format!("{}{unit}", significant3(size))
}

/// docker's other `HumanSize` (go-units `HumanSize`, decimal units, 4
/// significant digits), which `system df`, `system df -v`'s shared, unique
/// and volume sizes and every prune's `Total reclaimed space` use:
/// 1_984_000 → "1.984MB", 1234 → "1.234kB".
pub fn human_size4(bytes: u64) -> String {
    let (size, unit) = decimal_units(bytes);
    format!("{}{unit}", significant4(size))
}

/// `bytes` in the largest decimal unit (B, kB, MB, … YB) that keeps the
/// value under 1000: (value, unit).
fn decimal_units(bytes: u64) -> (f64, &'static str) {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = bytes as f64;
    let mut i = 0;
    while size >= 1000.0 && i < UNITS.len() - 1 {
        size /= 1000.0;
        i += 1;
    }
    (size, UNITS[i])
}

/// Formats like Go's `%.3g` for 0 ≤ x < 1000: three significant digits,
/// trailing zeros removed.
pub(crate) fn significant3(x: f64) -> String {
    let decimals = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{x:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// docker's `BytesSize` (go-units, binary units, Go's `%.4g`):
/// 1536 → "1.5KiB", 3_088_384 → "2.945MiB" (`info`'s Total Memory, `stats`).
pub fn bytes_size(bytes: u64) -> String {
    const UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    let mut size = bytes as f64;
    let mut i = 0;
    while size >= 1024.0 && i < UNITS.len() - 1 {
        size /= 1024.0;
        i += 1;
    }
    format!("{}{}", significant4(size), UNITS[i])
}

/// Formats like Go's `%.4g` for 0 ≤ x < 10000: four significant digits,
/// trailing zeros removed.
pub(crate) fn significant4(x: f64) -> String {
    let decimals = if x >= 1000.0 {
        0
    } else if x >= 100.0 {
        1
    } else if x >= 10.0 {
        2
    } else {
        3
    };
    let s = format!("{x:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// Truncates `s` to `max` characters, ending in `…` when cut (docker's
/// `ps` COMMAND column uses 20).
pub fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_match_go_units() {
        assert_eq!(bytes_size(1536), "1.5KiB");
        assert_eq!(bytes_size(3_088_384), "2.945MiB");
        assert_eq!(bytes_size(100), "100B");
        assert_eq!(human_duration(0.2), "Less than a second");
        assert_eq!(human_duration(1.0), "1 second");
        assert_eq!(human_duration(5.9), "5 seconds");
        assert_eq!(human_duration(61.0), "About a minute");
        assert_eq!(human_duration(150.0), "2 minutes");
        assert_eq!(human_duration(3600.0), "About an hour");
        assert_eq!(human_duration(5.0 * 3600.0), "5 hours");
        assert_eq!(human_duration(3.0 * 86400.0), "3 days");
        assert_eq!(human_duration(20.0 * 86400.0), "2 weeks");
        assert_eq!(human_duration(100.0 * 86400.0), "3 months");
        assert_eq!(human_duration(800.0 * 86400.0), "2 years");
    }

    #[test]
    fn sizes_match_go_units() {
        // go-units HumanSize (`%.4g`), docker's `system df` sizes: the busybox
        // test image, 1,984,000 bytes, is 1.984MB there and 1.98MB in `images`.
        assert_eq!(human_size4(1_984_000), "1.984MB");
        assert_eq!(human_size(1_984_000), "1.98MB");
        assert_eq!(human_size4(1234), "1.234kB");
        assert_eq!(human_size4(12_345_678), "12.35MB");
        assert_eq!(human_size4(0), "0B");
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(100), "100B");
        assert_eq!(human_size(1234), "1.23kB");
        assert_eq!(human_size(4_261_234), "4.26MB");
        assert_eq!(human_size(12_500_000), "12.5MB");
        assert_eq!(human_size(4_000_000), "4MB");
        assert_eq!(human_size(123_400_000), "123MB");
    }

    #[test]
    fn table_pads_like_tabwriter() {
        let mut t = Table::new(&["A", "LONGER HEADER", "C"]);
        t.row(vec!["x".into(), "y".into(), "z".into()]);
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "A         LONGER HEADER   C");
        assert_eq!(lines[1], "x         y               z");
    }

    #[test]
    fn go_time_is_time_string() {
        let t = DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(go_time_in(t, chrono::FixedOffset::east_opt(0).unwrap()), "2024-01-02 03:04:05 +0000 UTC");
        let cet = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(go_time_in(t, cet), "2024-01-02 04:04:05 +0100 +0100");
    }

    #[test]
    fn ellipsis_cuts_at_max() {
        assert_eq!(ellipsis("short", 20), "short");
        assert_eq!(ellipsis("\"sh -c 'echo hello world'\"", 20).chars().count(), 20);
        assert!(ellipsis("\"sh -c 'echo hello world'\"", 20).ends_with('…'));
    }
}
