//! Pull progress on stderr: indicatif bars per layer on a terminal (bytes,
//! rate), plain lines otherwise, nothing with `-q`. stdout stays free for the
//! image ID (`pull -q`) and the container's output (`run`).
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
    /// stderr is not a terminal: one line per step.
    Plain,
    /// stderr is a terminal: bars.
    Bars(MultiProgress),
}

/// The progress of one layer download.
pub(crate) struct LayerProgress {
    bar: Option<ProgressBar>,
    plain: bool,
    label: String,
}

impl Progress {
    /// Chooses the mode from `quiet` and whether stderr is a terminal.
    pub(crate) fn new(quiet: bool) -> Progress {
        if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            Progress::Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Progress::Plain
        }
    }

    /// Prints one status line (not with `-q`).
    pub(crate) fn line(&self, s: &str) {
        match self {
            Progress::Quiet => {}
            Progress::Plain => eprintln!("{s}"),
            Progress::Bars(m) => {
                if m.println(s).is_err() {
                    eprintln!("{s}");
                }
            }
        }
    }

    /// Starts the progress of a layer download of `size` bytes.
    pub(crate) fn layer(&self, digest: &crate::digest::Digest, size: u64) -> LayerProgress {
        let label = digest.short().to_string();
        match self {
            Progress::Quiet => LayerProgress { bar: None, plain: false, label },
            Progress::Plain => LayerProgress { bar: None, plain: true, label },
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
                LayerProgress { bar: Some(bar), plain: false, label }
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
        } else if self.plain {
            eprintln!("{plain}");
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

    /// The layer is done: `Pull complete` on its bar, or
    /// `Copying blob <short> done` as a plain line.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.set_style(
                ProgressStyle::with_template("{prefix}: {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.finish_with_message("Pull complete");
        } else if self.plain {
            eprintln!("Copying blob {} done", self.label);
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
