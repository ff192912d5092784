//! Pull and push progress: indicatif bars per layer on a terminal (bytes,
//! rate), docker's plain lines otherwise (`<layer>: Pulling fs layer`, …,
//! `<layer>: Pull complete`), nothing with `-q`. `pull` prints on stdout as
//! docker's does; `run` and `build` on stderr, keeping stdout for the
//! container's output.
//!
//! No steady tick is enabled, so indicatif starts no thread: bars are drawn
//! from the transferring threads as bytes arrive. Everything here is `Sync`
//! (parallel layers share one [`Progress`]).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Where progress goes.
pub(crate) enum Progress {
    /// `-q`.
    Quiet,
    /// Not a terminal: one line per step, on stdout (`true`) or stderr.
    Plain(bool),
    /// stderr is a terminal: bars.
    Bars(MultiProgress),
}

/// The progress of one layer download.
pub(crate) struct LayerProgress {
    bar: Option<ProgressBar>,
    /// Plain lines, on stdout (`Some(true)`) or stderr.
    plain: Option<bool>,
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
    pub(crate) fn new(quiet: bool, stdout: bool) -> Progress {
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
        }
    }

    /// Starts the progress of a layer download of `size` bytes.
    /// `first` is the plain line's first status (`Pulling fs layer`,
    /// `Preparing`).
    pub(crate) fn layer(&self, digest: &crate::digest::Digest, size: u64, first: &str) -> LayerProgress {
        let label = digest.short().to_string();
        match self {
            Progress::Quiet => LayerProgress { bar: None, plain: None, label },
            Progress::Plain(stdout) => {
                plain_line(*stdout, &format!("{label}: {first}"));
                LayerProgress { bar: None, plain: Some(*stdout), label }
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
                LayerProgress { bar: Some(bar), plain: None, label }
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
    }

    /// Sets the bar's message (`Pushing`, `Compressing`).
    pub(crate) fn message(&self, m: &'static str) {
        if let Some(b) = &self.bar {
            b.set_message(m);
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
    }

    /// The layer is done: `Pull complete` on its bar, or docker's plain
    /// lines (`Verifying Checksum`, `Download complete`, `Pull complete`).
    pub(crate) fn finish(&self) {
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
