//! The quarantine: every rejected record, with its origin and reason, in
//! `<data-dir>/quarantine/<run>.jsonl`, so nothing is silently dropped.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// Longest excerpt of a rejected record kept in the quarantine file.
pub const MAX_EXCERPT: usize = 4096;

/// One quarantined record.
#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    /// Input file.
    pub file: &'a str,
    /// 1-based line where the record starts.
    pub line: u64,
    /// 0-based record index in the file.
    pub record: u64,
    /// The source the file was read as, if known.
    pub source: Option<&'a str>,
    /// Stable reason.
    pub reason: &'a str,
    /// Specific detail.
    pub detail: &'a str,
    /// The record text (cut at [`MAX_EXCERPT`] bytes).
    pub raw: String,
}

/// Appends quarantined records to one file per ingest run (created lazily).
#[derive(Debug)]
pub struct Quarantine {
    path: PathBuf,
    out: Mutex<Option<BufWriter<File>>>,
}

impl Quarantine {
    /// A quarantine writing to `path` when the first record arrives.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            out: Mutex::new(None),
        }
    }

    /// Where records go.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one entry.
    pub fn put(&self, e: &Entry<'_>) -> std::io::Result<()> {
        let mut guard = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            *guard = Some(BufWriter::new(File::create(&self.path)?));
        }
        if let Some(w) = guard.as_mut() {
            serde_json::to_writer(&mut *w, e)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Flushes; returns whether anything was written.
    pub fn finish(&self) -> std::io::Result<bool> {
        let mut guard = self.out.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(w) => {
                w.flush()?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// A record excerpt as text.
pub fn excerpt(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(MAX_EXCERPT)];
    String::from_utf8_lossy(cut).into_owned()
}
