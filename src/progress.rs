//! Progress bars on a terminal; nothing when piped or with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use mantissa_core::ingest::Progress;

/// An indicatif bar counting bytes (or items).
pub(crate) struct Bar(ProgressBar);

impl Bar {
    /// A byte-counting bar, hidden when stderr is not a terminal or `quiet`.
    pub(crate) fn bytes(quiet: bool, message: &str) -> Self {
        Self::new(
            quiet,
            message,
            "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
    }

    /// An item-counting bar.
    pub(crate) fn items(quiet: bool, message: &str) -> Self {
        Self::new(
            quiet,
            message,
            "{msg:>10} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta}",
        )
    }

    fn new(quiet: bool, message: &str, template: &str) -> Self {
        let bar = if quiet || !console::Term::stderr().is_term() {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(template) {
                b.set_style(style.progress_chars("=> "));
            }
            b
        };
        bar.set_message(message.to_string());
        Self(bar)
    }

    pub(crate) fn set_length(&self, n: u64) {
        self.0.set_length(n);
    }

    pub(crate) fn set_position(&self, n: u64) {
        self.0.set_position(n);
    }

    pub(crate) fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn set_total(&self, bytes: u64) {
        self.0.set_length(bytes);
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}
