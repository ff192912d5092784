//! Pull and push progress: indicatif bars per layer on a terminal (bytes,
//! rate), docker's plain lines otherwise (`<layer>: Pulling fs layer`, …,
//! `<layer>: Pull complete`), nothing with `-q`, or docker's JSON progress
//! messages handed to a [`ProgressSink`] (the API service's
//! `images/create` and `push` streams). `pull` prints on stdout as
//! docker's does; `run` and `build` on stderr, keeping stdout for the
//! container's output.
//!
//! No steady tick is enabled, so indicatif starts no thread: bars are drawn
//! from the transferring threads as bytes arrive. Everything here is `Sync`
//! (parallel layers share one [`Progress`]).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where docker's JSON progress messages go instead of a terminal: called
/// (from the transferring threads) with each message as dockerd sends it
/// in `POST /images/create` and `/images/{name}/push` answers:
/// `{"status": "…"}`, `{"status": "…", "id": LAYER, "progressDetail": {}}`,
/// and while bytes move `{"status": "Downloading", "id": LAYER,
/// "progressDetail": {"current": BYTES, "total": BYTES}, "progress": BAR}`.
#[derive(Clone)]
pub struct ProgressSink(pub Arc<dyn Fn(Value) + Send + Sync>);

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// The JSON side of one layer's progress.
struct JsonLayer {
    sink: ProgressSink,
    /// Its size in bytes (0: unknown).
    total: AtomicU64,
    /// Bytes so far.
    current: AtomicU64,
    /// `current` when the last `Downloading` message was sent.
    sent: AtomicU64,
}

/// docker's text bar for `progress` (`[=====>     ]  1.2MB/2.4MB`).
fn text_bar(current: u64, total: u64) -> String {
    let human = |n: u64| crate::format::human_size(n);
    if total == 0 {
        return human(current);
    }
    let width = 50;
    let filled = ((current.min(total) as u128 * width as u128) / total as u128) as usize;
    let mut bar = "=".repeat(filled);
    if filled < width {
        bar.push('>');
        bar.push_str(&" ".repeat(width - filled - 1));
    }
    format!("[{bar}] {:>8}/{}", human(current), human(total))
}

/// Where progress goes.
pub(crate) enum Progress {
    /// `-q`.
    Quiet,
    /// Not a terminal: one line per step, on stdout (`true`) or stderr.
    Plain(bool),
    /// stderr is a terminal: bars.
    Bars(MultiProgress),
    /// docker's JSON messages to a sink (whatever `quiet` says).
    Json(ProgressSink),
}

/// The progress of one layer download.
pub(crate) struct LayerProgress {
    bar: Option<ProgressBar>,
    /// Plain lines, on stdout (`Some(true)`) or stderr.
    plain: Option<bool>,
    json: Option<JsonLayer>,
    label: String,
}

/// Prints a plain line on stdout or stderr.
fn plain_line(stdout: bool, s: &str) {
    if stdout {
        println!("{s}");
    } else {
        eprintln!("{s}");
    }
}

impl Progress {
    /// Chooses the mode from `quiet`, the stream plain lines go to
    /// (`stdout`: true for `pull`) and whether that stream is a terminal
    /// (bars are drawn on stderr).
    /// JSON messages go to `sink` when there is one.
    pub(crate) fn new(quiet: bool, stdout: bool, sink: Option<&ProgressSink>) -> Progress {
        if let Some(sink) = sink {
            return Progress::Json(sink.clone());
        }
        let terminal = if stdout { std::io::stdout().is_terminal() } else { std::io::stderr().is_terminal() };
        if quiet {
            Progress::Quiet
        } else if terminal && std::io::stderr().is_terminal() {
            Progress::Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Progress::Plain(stdout)
        }
    }

    /// Prints one status line (not with `-q`).
    pub(crate) fn line(&self, s: &str) {
        match self {
            Progress::Quiet => {}
            Progress::Plain(stdout) => plain_line(*stdout, s),
            Progress::Bars(m) => {
                if m.println(s).is_err() {
                    eprintln!("{s}");
                }
            }
            Progress::Json(sink) => (sink.0)(json!({"status": s})),
        }
    }

    /// One status line about `id` (a layer's short digest, a tag):
    /// `ID: STATUS` as text, `{"status": STATUS, "id": ID}` as JSON.
    pub(crate) fn id_line(&self, id: &str, status: &str) {
        match self {
            Progress::Json(sink) => (sink.0)(json!({"status": status, "progressDetail": {}, "id": id})),
            _ => self.line(&format!("{id}: {status}")),
        }
    }

    /// Starts the progress of a layer download of `size` bytes.
    /// `first` is the plain line's first status (`Pulling fs layer`,
    /// `Preparing`).
    pub(crate) fn layer(&self, digest: &crate::digest::Digest, size: u64, first: &str) -> LayerProgress {
        let label = digest.short().to_string();
        match self {
            Progress::Quiet => LayerProgress { bar: None, plain: None, json: None, label },
            Progress::Plain(stdout) => {
                plain_line(*stdout, &format!("{label}: {first}"));
                LayerProgress { bar: None, plain: Some(*stdout), json: None, label }
            }
            Progress::Json(sink) => {
                (sink.0)(json!({"status": first, "progressDetail": {}, "id": label}));
                let json = JsonLayer {
                    sink: sink.clone(),
                    total: AtomicU64::new(size),
                    current: AtomicU64::new(0),
                    sent: AtomicU64::new(0),
                };
                LayerProgress { bar: None, plain: None, json: Some(json), label }
            }
            Progress::Bars(m) => {
                let bar = m.add(ProgressBar::new(size));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix}: {msg:<12} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_prefix(label.clone());
                bar.set_message("Waiting");
                LayerProgress { bar: Some(bar), plain: None, json: None, label }
            }
        }
    }
}

impl LayerProgress {
    /// The transfer starts.
    pub(crate) fn start(&self) {
        if let Some(b) = &self.bar {
            b.set_message("Downloading");
        }
        self.json_bytes("Downloading", true);
    }

    /// Sets the bar's message (`Pushing`, `Compressing`); a JSON message
    /// with the layer's size, if known.
    pub(crate) fn message(&self, m: &'static str) {
        if let Some(b) = &self.bar {
            b.set_message(m);
        }
        self.json_bytes(m, true);
    }

    /// The layer's size is known now (a push's compressed blob).
    pub(crate) fn set_total(&self, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
        if let Some(j) = &self.json {
            j.total.store(total, Ordering::Relaxed);
        }
    }

    /// A JSON `status` message with the byte counts (`always`, or when
    /// about 2% of the layer, at least 256 KiB, has moved since the last).
    fn json_bytes(&self, status: &str, always: bool) {
        let Some(j) = &self.json else { return };
        let (current, total) = (j.current.load(Ordering::Relaxed), j.total.load(Ordering::Relaxed));
        let step = (total / 50).max(256 << 10);
        let sent = j.sent.load(Ordering::Relaxed);
        if !always && current < sent + step && current != total {
            return;
        }
        j.sent.store(current, Ordering::Relaxed);
        let detail = if total > 0 { json!({"current": current, "total": total}) } else { json!({"current": current}) };
        (j.sink.0)(json!({
            "status": status, "progressDetail": detail, "progress": text_bar(current, total), "id": self.label,
        }));
    }

    /// A JSON message of `status` alone about this layer.
    fn json_status(&self, status: &str) {
        if let Some(j) = &self.json {
            (j.sink.0)(json!({"status": status, "progressDetail": {}, "id": self.label}));
        }
    }

    /// The layer is done with `msg` on its bar (`Pushed`, `Layer already
    /// exists`), or `plain` as a line without a terminal.
    pub(crate) fn finish_with(&self, msg: &'static str, plain: &str) {
        if let Some(b) = &self.bar {
            b.set_style(
                ProgressStyle::with_template("{prefix}: {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.finish_with_message(msg);
        } else if let Some(stdout) = self.plain {
            plain_line(stdout, plain);
        } else if let Some(j) = &self.json {
            let status = plain.strip_prefix(&format!("{}: ", self.label)).unwrap_or(msg);
            (j.sink.0)(json!({"status": status, "progressDetail": {}, "id": self.label}));
        }
    }

    /// The short digest it is labelled with.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// `n` more bytes arrived.
    pub(crate) fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
        if let Some(j) = &self.json {
            j.current.fetch_add(n, Ordering::Relaxed);
            self.json_bytes("Downloading", false);
        }
    }

    /// The layer is done: `Pull complete` on its bar, or docker's plain
    /// lines (`Verifying Checksum`, `Download complete`, `Pull complete`).
    /// As JSON, dockerd's sequence: `Verifying Checksum`, `Download
    /// complete`, `Extracting` with the byte counts, `Pull complete` (rcon
    /// unpacks while it downloads, so the extraction is done by then and
    /// is reported whole).
    pub(crate) fn finish(&self) {
        if let Some(j) = &self.json {
            self.json_status("Verifying Checksum");
            self.json_status("Download complete");
            let total = j.current.load(Ordering::Relaxed).max(j.total.load(Ordering::Relaxed));
            j.sink.0(json!({
                "status": "Extracting", "progressDetail": {"current": total, "total": total},
                "progress": text_bar(total, total), "id": self.label,
            }));
            self.json_status("Pull complete");
            return;
        }
        if let Some(b) = &self.bar {
            b.set_style(
                ProgressStyle::with_template("{prefix}: {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.finish_with_message("Pull complete");
        } else if let Some(stdout) = self.plain {
            for step in ["Verifying Checksum", "Download complete", "Pull complete"] {
                plain_line(stdout, &format!("{}: {step}", self.label));
            }
        }
    }

    /// The download failed: the bar is removed.
    pub(crate) fn abandon(&self) {
        if let Some(b) = &self.bar {
            b.abandon_with_message("Failed");
        }
    }
}

/// A reader that reports the bytes it passes to a [`LayerProgress`].
pub(crate) struct CountingReader<'a, R> {
    /// The wrapped reader.
    pub(crate) inner: R,
    /// Where to report.
    pub(crate) progress: &'a LayerProgress,
}

impl<R: std::io::Read> std::io::Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}
