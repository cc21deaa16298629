//! Ingest: native AWS log files → normalized, day-partitioned Parquet.
//!
//! ```text
//! inputs ──► reader (hash, skip known, gunzip, sniff, split) ──► bounded channel
//!                                                             ──► N workers (parse, build, encode, stage)
//!        ──► publish staged files to the tables' storage ──► manifest ──► report
//! ```
//!
//! Inputs are local paths or storage URLs (`file://…`; buckets with the
//! cloud deployment); the tables are a [`Storage`] and the manifest a
//! [`ManifestStore`], both chosen by the composition root. The run itself is
//! synchronous (threads); call it from `spawn_blocking` in async code.
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
use crate::storage::{Storage, StorageError};
use crate::store::StoreError;
use manifest::{ManifestEntry, ManifestStore};
use quarantine::Quarantine;
use reader::{Input, Location, ReaderCtx};
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
    /// The manifest could not record what was ingested.
    #[error("cannot update the ingest manifest")]
    Manifest(#[source] StoreError),
    /// The tables' storage refused a file.
    #[error("cannot publish to the tables' storage")]
    Storage(#[source] StorageError),
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
    /// The runtime for storage and manifest calls does not start (out of
    /// threads or file descriptors).
    #[error("cannot start ingest's I/O runtime")]
    Runtime(#[source] std::io::Error),
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

    /// The tables directory as a storage location.
    pub fn tables_storage(&self) -> Storage {
        Storage::local(&self.tables())
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

/// Runs the async calls (storage, manifest) of a synchronous ingest run on
/// a small runtime of its own; when the caller is itself inside a runtime
/// (async code, tests), each call runs on a scoped thread so no runtime is
/// blocked from within.
pub(crate) struct Blocker {
    rt: Option<tokio::runtime::Runtime>,
    nested: bool,
}

impl Blocker {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            rt: Some(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?,
            ),
            nested: tokio::runtime::Handle::try_current().is_ok(),
        })
    }

    pub(crate) fn block_on<F>(&self, f: F) -> F::Output
    where
        F: std::future::Future + Send,
        F::Output: Send,
    {
        let rt = self.rt.as_ref().expect("the runtime lives until drop");
        if !self.nested {
            return rt.block_on(f);
        }
        std::thread::scope(|s| {
            s.spawn(|| rt.block_on(f))
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }
}

impl Drop for Blocker {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context panics.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Runs ingest for one configuration.
#[derive(Debug)]
pub struct Ingestor {
    config: Config,
    data: DataDir,
    tables: Storage,
    manifest: Arc<dyn ManifestStore>,
}

impl Ingestor {
    /// An ingestor writing tables to `tables`, remembering what it read in
    /// `manifest`; quarantine and inferred schemas go under
    /// `config.data_dir`.
    pub fn new(config: &Config, tables: Storage, manifest: Arc<dyn ManifestStore>) -> Self {
        Self {
            config: config.clone(),
            data: DataDir::from_config(config),
            tables,
            manifest,
        }
    }

    /// Ingests `paths`: files, directories (recursively) or storage URLs
    /// (`file:///…`; every object below the URL).
    pub fn run(
        &self,
        paths: &[PathBuf],
        opts: &IngestOptions,
        progress: &dyn Progress,
    ) -> Result<IngestReport, IngestError> {
        let sources: Vec<Source> = paths
            .iter()
            .map(|p| match p.to_str().filter(|s| s.contains("://")) {
                Some(url) => match Storage::from_url(url) {
                    Ok(storage) => Source::Objects {
                        storage,
                        prefix: String::new(),
                    },
                    Err(e) => Source::Unusable {
                        name: url.to_string(),
                        why: e.to_string(),
                    },
                },
                None => Source::Path(p.clone()),
            })
            .collect();
        self.ingest(&sources, opts, progress)
    }

    /// Ingests `sources`.
    pub fn ingest(
        &self,
        sources: &[Source],
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
        let blocker = Blocker::new().map_err(IngestError::Runtime)?;
        let run_id = run_id();
        let staging = self.tables.staging_dir(&run_id);
        std::fs::create_dir_all(&staging).map_err(|e| IngestError::DataDir {
            path: staging.clone(),
            source: e,
        })?;
        let (inputs, ignored, missing) = collect_inputs(sources, &blocker);
        let total: u64 = inputs.iter().map(|i| i.bytes).sum();
        progress.set_total(total);

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
        let ctx = ReaderCtx {
            catalog: &catalog,
            forced: opts.source.clone(),
            manifest: self.manifest.as_ref(),
            blocker: &blocker,
            custom_schemas: &custom_schemas,
            custom_sources: reader::custom_sources(&catalog),
            schema_dir: self.data.catalog(),
            progress,
        };

        let (reads, results) = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let writer = PartitionWriter::new(
                        &staging,
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
        let published = match failure {
            Some(e) => Err(e),
            None => written.iter().try_for_each(|f| {
                blocker
                    .block_on(self.tables.publish(&f.tmp, &f.key))
                    .map_err(IngestError::Storage)
            }),
        };
        let _ = std::fs::remove_dir_all(&staging);
        published?;
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
        for (name, why) in missing {
            report.files_failed += 1;
            let mut f = FileReport::new(name);
            f.error = Some(why);
            report.files.push(f);
        }
        blocker
            .block_on(self.manifest.record(&entries))
            .map_err(IngestError::Manifest)?;
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

/// What to ingest.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file, or a directory walked recursively.
    Path(PathBuf),
    /// Every object below `prefix` in a storage location (an S3 event's
    /// key, a whole bucket).
    Objects {
        /// The storage.
        storage: Storage,
        /// Key prefix below the storage's location ("" for all).
        prefix: String,
    },
    /// A source that could not be used (reported as a failed file).
    Unusable {
        /// As given.
        name: String,
        /// Why.
        why: String,
    },
}

/// Expands sources into files: explicit files as given, directories walked
/// recursively in name order, keeping log-like file names; objects listed
/// below their prefix, keeping log-like names. Returns the files, how many
/// entries were ignored, and the sources that could not be read (name and
/// why).
fn collect_inputs(
    sources: &[Source],
    blocker: &Blocker,
) -> (Vec<Input>, u64, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut ignored = 0;
    let mut missing = Vec::new();
    for source in sources {
        let p = match source {
            Source::Path(p) => p,
            Source::Unusable { name, why } => {
                missing.push((name.clone(), why.clone()));
                continue;
            }
            Source::Objects { storage, prefix } => {
                let name = storage.url_of(prefix);
                match list_objects(storage, prefix, blocker) {
                    Ok((objects, _)) if objects.is_empty() => {
                        let gone = storage
                            .local_dir()
                            .is_some_and(|d| !d.join(prefix).exists());
                        let why = if gone {
                            "does not exist"
                        } else {
                            "holds no log files (.json, .jsonl, .log, .gz, ...)"
                        };
                        missing.push((name, why.into()));
                    }
                    Ok((objects, skipped)) => {
                        out.extend(objects);
                        ignored += skipped;
                    }
                    Err(e) => missing.push((name, format!("cannot be listed: {e}"))),
                }
                continue;
            }
        };
        let Ok(meta) = std::fs::metadata(p) else {
            missing.push((p.display().to_string(), "does not exist".into()));
            continue;
        };
        if meta.is_dir() {
            walk(p, &mut out, &mut seen, &mut ignored);
        } else if seen.insert(p.clone()) {
            out.push(Input {
                location: Location::File(p.clone()),
                bytes: meta.len(),
            });
        }
    }
    (out, ignored, missing)
}

/// The log-like objects below `prefix`, and how many were skipped.
fn list_objects(
    storage: &Storage,
    prefix: &str,
    blocker: &Blocker,
) -> Result<(Vec<Input>, u64), StorageError> {
    let objects = blocker.block_on(storage.list(prefix))?;
    if objects.is_empty() && !prefix.is_empty() {
        // Not a prefix but one object, named outright (an S3 notification's
        // key): read whatever its name, as a file given by path is.
        if let Some(one) = blocker.block_on(storage.head(prefix))? {
            let key = one.key.clone();
            return Ok((
                vec![Input {
                    location: Location::Object {
                        storage: storage.clone(),
                        key,
                    },
                    bytes: one.size,
                }],
                0,
            ));
        }
    }
    let mut skipped = 0;
    let mut out = Vec::new();
    for o in objects {
        let name = o.key.rsplit('/').next().unwrap_or(&o.key);
        if !is_log_name(name) {
            skipped += 1;
            continue;
        }
        out.push(Input {
            location: Location::Object {
                storage: storage.clone(),
                key: o.key,
            },
            bytes: o.size,
        });
    }
    Ok((out, skipped))
}

/// Whether a file name found below a directory looks like a log file (not
/// hidden, not a README or LICENSE, a log extension).
fn is_log_name(name: &str) -> bool {
    if name.starts_with('.') {
        return false;
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
    !doc && name.contains('.') && LOG_EXTENSIONS.contains(&ext.as_str())
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
        if !is_log_name(&name) {
            *ignored += 1;
            continue;
        }
        if seen.insert(path.clone()) {
            out.push(Input {
                location: Location::File(path),
                bytes: meta.len(),
            });
        }
    }
}
