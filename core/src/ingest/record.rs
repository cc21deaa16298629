//! Why a record was rejected: a short, stable reason (the key of the ingest
//! summary) and a specific detail for the quarantine file.

/// A record-level failure. The rest of the file is still ingested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Stable reason, e.g. `bad json`, `missing eventtime`, `wrong field count`.
    pub reason: &'static str,
    /// What exactly was wrong, e.g. `expected 14 fields, found 13`.
    pub detail: String,
}

impl RecordError {
    /// A new record error.
    pub fn new(reason: &'static str, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: detail.into(),
        }
    }

    /// Classifies a serde_json error on a record.
    pub fn json(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let reason = match e.classify() {
            Category::Eof => "truncated json",
            Category::Syntax | Category::Io => "bad json",
            Category::Data => "invalid field",
        };
        Self::new(reason, e.to_string())
    }
}

/// Reason for records of a file whose source could not be recognised.
pub const UNKNOWN_SOURCE: &str = "unknown source";
/// Reason for a record that does not look like the file's source.
pub const UNRECOGNISED: &str = "unrecognised record";
