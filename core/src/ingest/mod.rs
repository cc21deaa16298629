//! Ingest: native AWS log files → normalized, day-partitioned Parquet.
//!
//! ```text
//! inputs ──► reader (hash, skip known, gunzip, sniff, split) ──► bounded channel
//!                                                             ──► N workers (parse, build, encode)
//!        ──► rename *.tmp into place ──► manifest (SQLite) ──► report
//! ```
//!
//! A malformed record is quarantined with its origin and reason; it never
//! stops the file or the batch. Output files become visible only when the
//! whole run succeeded, and a file's content hash is recorded so ingesting it
//! again adds nothing.

pub mod cloudtrail;
pub mod columns;
pub mod custom;
pub mod detect;
pub mod guardduty;
pub mod json;
pub mod manifest;
pub mod quarantine;
pub mod reader;
pub mod record;
pub mod split;
pub mod time;
pub mod vpc_flow;
pub mod worker;
pub mod writer;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::catalog::{Catalog, CustomSchema};
use crate::config::Config;
use manifest::{Manifest, ManifestEntry};
use quarantine::Quarantine;
use reader::{Input, ReaderCtx};
use writer::PartitionWriter;

/// Receives progress as input bytes are consumed. Implementations must be cheap.
pub trait Progress: Send + Sync {
    /// Total input bytes, once known.
    fn set_total(&self, _bytes: u64) {}
    /// `bytes` more input bytes were consumed.
    fn advance(&self, _bytes: u64) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// File extensions read when walking a directory (explicit files are always read).
const LOG_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "log", "txt", "gz"];

/// Options of one ingest run.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Read every file as this source (`cloudtrail`, `vpc_flow`, `guardduty`
    /// or a custom source name) instead of recognising it.
    pub source: Option<String>,
}

/// What happened to one input file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileReport {
    /// Path as given.
    pub path: String,
    /// Table the file was read into, if recognised.
    pub source: Option<String>,
    /// Rows written.
    pub records: u64,
    /// Quarantined records by reason.
    pub quarantined: BTreeMap<String, u64>,
    /// Already ingested (same content): nothing added.
    pub skipped: bool,
    /// Read error, if the file could not be (fully) read.
    pub error: Option<String>,
}

impl FileReport {
    fn new(path: String) -> Self {
        Self {
            path,
            source: None,
            records: 0,
            quarantined: BTreeMap::new(),
            skipped: false,
            error: None,
        }
    }

    /// Total quarantined records.
    pub fn quarantined_total(&self) -> u64 {
        self.quarantined.values().sum()
    }
}

/// Summary of an ingest run (also printed as JSON with `--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// Files read in this run.
    pub files_read: u64,
    /// Files skipped because their content was ingested before.
    pub files_skipped: u64,
    /// Files that could not be read.
    pub files_failed: u64,
    /// Files under the given directories that were not read (not log file names).
    pub files_ignored: u64,
    /// Input bytes (as stored, e.g. compressed).
    pub bytes_read: u64,
    /// Rows written per table.
    pub records: BTreeMap<String, u64>,
    /// Quarantined records by reason.
    pub quarantined: BTreeMap<String, u64>,
    /// Where quarantined records were written, if any.
    pub quarantine_file: Option<PathBuf>,
    /// Parquet files written.
    pub parquet_files: u64,
    /// Wall-clock time.
    pub elapsed_ms: u64,
    /// Per-file details.
    pub files: Vec<FileReport>,
}

impl IngestReport {
    /// Total rows written.
    pub fn records_total(&self) -> u64 {
        self.records.values().sum()
    }

    /// Total records quarantined.
    pub fn quarantined_total(&self) -> u64 {
        self.quarantined.values().sum()
    }
}

/// A failure that stops the whole run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The data directory cannot be created or written.
    #[error("data directory `{path}` is unusable")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The manifest database failed.
    #[error(transparent)]
    Manifest(#[from] manifest::ManifestError),
    /// Writing output failed (disk full, permissions).
    #[error(transparent)]
    Write(#[from] writer::WriteError),
    /// `--source` names no table.
    #[error("unknown source `{name}`{hint}; known sources: {known}")]
    UnknownSource {
        /// The name given.
        name: String,
        /// " (did you mean `x`?)" when a known name is close.
        hint: String,
        /// The known ones.
        known: String,
    },
    /// A worker thread panicked (a bug).
    #[error("this is a bug in Mantissa Log, please report it: an ingest worker panicked")]
    Panic,
}

/// Layout of the data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
    /// Where the tables are when `[storage] url` puts them elsewhere.
    tables: Option<PathBuf>,
}

impl DataDir {
    /// The data directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            tables: None,
        }
    }

    /// The data directory of a configuration: `data_dir`, with the tables
    /// where `[storage] url` says.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            root: config.data_dir.clone(),
            tables: config.storage.tables_path(),
        }
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `tables/`: one directory per table, `dt=` partitions below.
    pub fn tables(&self) -> PathBuf {
        self.tables
            .clone()
            .unwrap_or_else(|| self.root.join("tables"))
    }

    /// The directory of one table.
    pub fn table(&self, name: &str) -> PathBuf {
        self.tables().join(name)
    }

    /// `state/`: SQLite databases.
    pub fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    /// `quarantine/`: rejected records per run.
    pub fn quarantine(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    /// `catalog/`: inferred custom-source schemas.
    pub fn catalog(&self) -> PathBuf {
        self.root.join("catalog")
    }

    /// Custom schemas inferred so far.
    pub fn custom_schemas(&self) -> Vec<CustomSchema> {
        let Ok(entries) = std::fs::read_dir(self.catalog()) else {
            return Vec::new();
        };
        let mut out: Vec<CustomSchema> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".schema.json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|b| serde_json::from_slice(&b).ok())
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// Runs ingest for one configuration.
#[derive(Debug)]
pub struct Ingestor {
    config: Config,
    data: DataDir,
}

impl Ingestor {
    /// An ingestor writing under `config.data_dir`.
    pub fn new(config: &Config) -> Self {
        Self {
            config: config.clone(),
            data: DataDir::from_config(config),
        }
    }

    /// Ingests `paths` (files or directories, recursively).
    pub fn run(
        &self,
        paths: &[PathBuf],
        opts: &IngestOptions,
        progress: &dyn Progress,
    ) -> Result<IngestReport, IngestError> {
        let started = Instant::now();
        let known_schemas = self.data.custom_schemas();
        let catalog = Catalog::new(&self.config, &known_schemas);
        if let Some(name) = &opts.source
            && catalog.get(name).is_none()
        {
            let close = catalog
                .tables()
                .iter()
                .find(|t| crate::guard::edit_distance(&name.to_ascii_lowercase(), &t.name) <= 2);
            return Err(IngestError::UnknownSource {
                name: name.clone(),
                hint: close
                    .map(|t| format!(" (did you mean `{}`?)", t.name))
                    .unwrap_or_default(),
                known: catalog.names(),
            });
        }
        for dir in [self.data.tables(), self.data.state()] {
            std::fs::create_dir_all(&dir).map_err(|e| IngestError::DataDir {
                path: dir.clone(),
                source: e,
            })?;
        }
        let (inputs, ignored, missing) = collect_inputs(paths);
        let total: u64 = inputs.iter().map(|i| i.bytes).sum();
        progress.set_total(total);

        let mut manifest = Manifest::open(&self.data.state().join("ingest.db"))?;
        let known = manifest.known()?;
        let run_id = run_id();
        let quarantine = Quarantine::new(self.data.quarantine().join(format!("{run_id}.jsonl")));
        let custom_schemas: Mutex<HashMap<String, Arc<CustomSchema>>> = Mutex::new(
            known_schemas
                .into_iter()
                .map(|s| (s.name.clone(), Arc::new(s)))
                .collect(),
        );
        let workers = self
            .config
            .ingest
            .workers
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
            })
            .max(1);
        let (tx, rx) = sync_channel(workers * 2);
        let rx = Mutex::new(rx);
        let tables_dir = self.data.tables();
        let ctx = ReaderCtx {
            catalog: &catalog,
            forced: opts.source.clone(),
            known: &known,
            custom_schemas: &custom_schemas,
            custom_sources: reader::custom_sources(&catalog),
            schema_dir: self.data.catalog(),
            progress,
        };

        let (reads, results) = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let writer = PartitionWriter::new(
                        &tables_dir,
                        format!("{run_id}-w{w}"),
                        &self.config.ingest,
                    );
                    let (rx, catalog, quarantine) = (&rx, &catalog, &quarantine);
                    s.spawn(move || worker::run(rx, writer, catalog, quarantine))
                })
                .collect();
            let reads = reader::read_all(&ctx, &inputs, &tx);
            drop(tx);
            let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
            (reads, results)
        });

        let mut written = Vec::new();
        let mut counts: HashMap<usize, worker::FileCounts> = HashMap::new();
        let mut failure = None;
        for r in results {
            match r {
                Ok(Ok(out)) => {
                    written.extend(out.files);
                    for (file, c) in out.counts {
                        let e = counts.entry(file).or_default();
                        e.records += c.records;
                        for (k, v) in c.quarantined {
                            *e.quarantined.entry(k).or_default() += v;
                        }
                    }
                }
                Ok(Err(e)) => failure = failure.or(Some(IngestError::Write(e))),
                Err(_) => failure = failure.or(Some(IngestError::Panic)),
            }
        }
        if let Some(e) = failure {
            for f in &written {
                let _ = std::fs::remove_file(&f.tmp);
            }
            return Err(e);
        }
        for f in &written {
            std::fs::rename(&f.tmp, &f.path).map_err(|e| IngestError::DataDir {
                path: f.path.clone(),
                source: e,
            })?;
        }
        let quarantine_written = quarantine.finish().unwrap_or(false);

        let mut report = IngestReport {
            files_read: 0,
            files_skipped: 0,
            files_failed: 0,
            files_ignored: ignored,
            bytes_read: total,
            records: BTreeMap::new(),
            quarantined: BTreeMap::new(),
            quarantine_file: quarantine_written.then(|| quarantine.path().to_path_buf()),
            parquet_files: written.len() as u64,
            elapsed_ms: 0,
            files: Vec::new(),
        };
        let mut entries = Vec::new();
        for (idx, (mut file, hash)) in reads.into_iter().enumerate() {
            if let Some(c) = counts.remove(&idx) {
                file.records = c.records;
                for (k, v) in c.quarantined {
                    *file.quarantined.entry(k.to_string()).or_default() += v;
                }
            }
            if file.skipped {
                report.files_skipped += 1;
            } else if file.error.is_some() && file.records == 0 {
                report.files_failed += 1;
            } else {
                report.files_read += 1;
            }
            if let Some(err) = &file.error {
                if file.records > 0 {
                    *file
                        .quarantined
                        .entry("unreadable rest of file".into())
                        .or_default() += 1;
                }
                tracing::warn!(message = "Failed to read input file.", path = %file.path, error = %err);
            }
            if let Some(table) = &file.source {
                *report.records.entry(table.clone()).or_default() += file.records;
            }
            for (k, v) in &file.quarantined {
                *report.quarantined.entry(k.clone()).or_default() += v;
            }
            if let (Some(hash), false) = (hash, file.skipped)
                && file.records > 0
            {
                entries.push(ManifestEntry {
                    sha256: hash,
                    path: file.path.clone(),
                    bytes: inputs[idx].bytes,
                    records: file.records,
                    quarantined: file.quarantined_total(),
                });
            }
            report.files.push(file);
        }
        for path in missing {
            report.files_failed += 1;
            let mut f = FileReport::new(path.display().to_string());
            f.error = Some("does not exist".into());
            report.files.push(f);
        }
        manifest.record(&entries)?;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }
}

fn run_id() -> String {
    use rand::Rng;
    let now = crate::clock::Clock::system().now().format("%Y%m%dT%H%M%S");
    let suffix: u32 = rand::rng().random();
    format!("{now}-{suffix:08x}")
}

/// Expands paths into files: explicit files as given, directories walked
/// recursively in name order, keeping log-like file names. Returns the files
/// how many directory entries were ignored, and the paths that do not exist.
fn collect_inputs(paths: &[PathBuf]) -> (Vec<Input>, u64, Vec<PathBuf>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut ignored = 0;
    let mut missing = Vec::new();
    for p in paths {
        let Ok(meta) = std::fs::metadata(p) else {
            missing.push(p.clone());
            continue;
        };
        if meta.is_dir() {
            walk(p, &mut out, &mut seen, &mut ignored);
        } else if seen.insert(p.clone()) {
            out.push(Input {
                path: p.clone(),
                bytes: meta.len(),
            });
        }
    }
    (out, ignored, missing)
}

fn walk(dir: &Path, out: &mut Vec<Input>, seen: &mut HashSet<PathBuf>, ignored: &mut u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // Follow symbolic links, as for paths given on the command line.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, out, seen, ignored);
            continue;
        }
        let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        let upper = name.to_ascii_uppercase();
        let doc = [
            "LICENSE",
            "LICENCE",
            "NOTICE",
            "README",
            "COPYING",
            "CHANGELOG",
            "AUTHORS",
        ]
        .iter()
        .any(|d| upper.starts_with(d));
        if doc || !name.contains('.') || !LOG_EXTENSIONS.contains(&ext.as_str()) {
            *ignored += 1;
            continue;
        }
        if seen.insert(path.clone()) {
            out.push(Input {
                path,
                bytes: meta.len(),
            });
        }
    }
}
