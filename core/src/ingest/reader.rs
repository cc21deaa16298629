//! The reader stage: walks the inputs, skips files already ingested, opens
//! them (gzip transparently), recognises their source and layout and sends
//! record chunks to the workers through a bounded channel.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use super::detect::{Envelope, JsonSource, sniff_record};
use super::manifest::ManifestStore;
use super::split::{Chunk, Layout, Splitter, sniff_layout};
use super::vpc_flow::Format;
use super::{Blocker, FileReport, Progress, custom};
use crate::catalog::{Catalog, CustomSchema, SourceKind, TableDef};
use crate::storage::Storage;

/// Target size of one chunk of records.
pub const CHUNK_BYTES: usize = 2 * 1024 * 1024;

/// How the records of a file are to be read.
#[derive(Debug)]
pub enum Spec {
    /// CloudTrail records, possibly wrapped.
    CloudTrail(Envelope),
    /// GuardDuty findings, possibly wrapped.
    GuardDuty(Envelope),
    /// VPC flow text records in this format.
    VpcFlow(Format),
    /// A custom source.
    Custom {
        /// Its table.
        table: Arc<TableDef>,
        /// Its fixed schema.
        schema: Arc<CustomSchema>,
        /// Field holding the event time.
        timestamp_field: String,
    },
    /// Not a known source: every record is quarantined.
    Unknown(String),
}

impl Spec {
    /// The table name, if known.
    pub fn table(&self) -> Option<&str> {
        match self {
            Spec::CloudTrail(_) => Some("cloudtrail"),
            Spec::GuardDuty(_) => Some("guardduty"),
            Spec::VpcFlow(_) => Some("vpc_flow"),
            Spec::Custom { table, .. } => Some(&table.name),
            Spec::Unknown(_) => None,
        }
    }
}

/// A unit of work for a parser thread.
#[derive(Debug)]
pub struct Job {
    /// Index of the file in the run's file list.
    pub file: usize,
    /// The file's display path.
    pub path: Arc<str>,
    /// How to read it.
    pub spec: Arc<Spec>,
    /// The records.
    pub chunk: Chunk,
}

/// An input file to read.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where it is.
    pub location: Location,
    /// Size in bytes.
    pub bytes: u64,
}

/// Where an input file is.
#[derive(Debug, Clone)]
pub enum Location {
    /// A file given on the command line (or found below a directory given).
    File(PathBuf),
    /// An object in a storage location (`file://…`, a bucket).
    Object {
        /// The storage.
        storage: Storage,
        /// The object's key below the storage's location.
        key: String,
    },
}

impl Location {
    /// The path or URL, as reports show it.
    pub fn display(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Object { storage, key } => storage.url_of(key),
        }
    }

    /// The file on this machine, when there is one (local paths and
    /// `file://` objects are streamed, never fetched whole).
    fn local_file(&self) -> Option<PathBuf> {
        match self {
            Location::File(p) => Some(p.clone()),
            Location::Object { storage, key } => storage.local_dir().map(|d| d.join(key)),
        }
    }

    /// The path the custom sources' file patterns are matched against.
    fn pattern_path(&self) -> PathBuf {
        match self {
            Location::File(p) => p.clone(),
            Location::Object { key, .. } => PathBuf::from(key),
        }
    }
}

/// State the reader shares with the run.
pub struct ReaderCtx<'a> {
    /// Catalog (built-ins + custom sources).
    pub catalog: &'a Catalog,
    /// Forced source (`--source`).
    pub forced: Option<String>,
    /// What was ingested before.
    pub manifest: &'a dyn ManifestStore,
    /// Runs the manifest's and the storage's calls.
    pub(crate) blocker: &'a Blocker,
    /// Custom schemas known so far (inferred ones are added).
    pub custom_schemas: &'a Mutex<HashMap<String, Arc<CustomSchema>>>,
    /// Custom sources with their compiled file patterns.
    pub custom_sources: Vec<(Arc<TableDef>, globset::GlobMatcher)>,
    /// Where to persist newly inferred custom schemas.
    pub schema_dir: PathBuf,
    /// Progress sink.
    pub progress: &'a dyn Progress,
}

/// Reads every input, sending jobs; returns one report per input (records
/// are counted by the workers and merged later).
pub fn read_all(
    ctx: &ReaderCtx<'_>,
    inputs: &[Input],
    tx: &SyncSender<Job>,
) -> Vec<(FileReport, Option<String>)> {
    let mut out = Vec::with_capacity(inputs.len());
    for (idx, input) in inputs.iter().enumerate() {
        let display: Arc<str> = Arc::from(input.location.display());
        let mut report = FileReport::new(display.to_string());
        let (hash, content) = match fetch(ctx, &input.location) {
            Ok(got) => got,
            Err(e) => {
                report.error = Some(format!("cannot read: {e}"));
                ctx.progress.advance(input.bytes);
                out.push((report, None));
                continue;
            }
        };
        let known = match ctx.blocker.block_on(ctx.manifest.contains(&hash)) {
            Ok(known) => known,
            Err(e) => {
                report.error = Some(format!("cannot check the ingest manifest: {e}"));
                ctx.progress.advance(input.bytes);
                out.push((report, None));
                continue;
            }
        };
        if known {
            report.skipped = true;
            ctx.progress.advance(input.bytes);
            out.push((report, Some(hash)));
            continue;
        }
        match read_file(ctx, idx, &display, input, content, tx, &mut report) {
            Ok(()) => {}
            Err(e) => report.error = Some(format!("cannot read: {e}")),
        }
        out.push((report, Some(hash)));
    }
    out
}

/// An input's content hash, and its bytes when they had to be fetched
/// whole (objects in a remote store); local files are hashed and then read
/// again as a stream, so a large file never sits in memory.
fn fetch(ctx: &ReaderCtx<'_>, location: &Location) -> io::Result<(String, Option<Vec<u8>>)> {
    if let Some(path) = location.local_file() {
        return hash_reader(File::open(path)?).map(|h| (h, None));
    }
    let Location::Object { storage, key } = location else {
        return Err(io::Error::other("a local file without a path"));
    };
    let bytes = ctx
        .blocker
        .block_on(storage.get(key))
        .map_err(io::Error::other)?;
    let hash = hex(&Sha256::digest(&bytes));
    Ok((hash, Some(bytes)))
}

fn hash_reader(mut f: impl Read) -> io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Counts bytes read from the underlying file for the progress bar.
struct Counting<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

fn open<'p>(
    location: &Location,
    content: Option<Vec<u8>>,
    progress: &'p dyn Progress,
) -> io::Result<Box<dyn BufRead + 'p>> {
    let inner: Box<dyn Read + Send> = match (content, location.local_file()) {
        (Some(bytes), _) => Box::new(Cursor::new(bytes)),
        (None, Some(path)) => Box::new(File::open(path)?),
        (None, None) => return Err(io::Error::other("the object was not fetched")),
    };
    let mut raw = BufReader::with_capacity(1 << 20, Counting { inner, progress });
    let gz = {
        let head = raw.fill_buf()?;
        head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
    };
    Ok(if gz {
        Box::new(BufReader::with_capacity(1 << 20, MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    })
}

fn read_file(
    ctx: &ReaderCtx<'_>,
    idx: usize,
    display: &Arc<str>,
    input: &Input,
    content: Option<Vec<u8>>,
    tx: &SyncSender<Job>,
    report: &mut FileReport,
) -> io::Result<()> {
    let mut reader = open(&input.location, content, ctx.progress)?;
    let head = reader.fill_buf()?;
    let layout = sniff_layout(head);
    let custom = custom_source_for(ctx, &input.location.pattern_path());
    let mut splitter = Splitter::new(reader, layout);
    let mut spec: Option<Arc<Spec>> = None;
    while let Some(mut chunk) = splitter.next_chunk(CHUNK_BYTES)? {
        if spec.is_none() {
            let s = decide(ctx, layout, custom.as_ref(), &mut chunk)?;
            report.source = s.table().map(str::to_string);
            spec = Some(Arc::new(s));
        }
        if chunk.spans.is_empty() {
            continue;
        }
        let job = Job {
            file: idx,
            path: display.clone(),
            spec: spec
                .clone()
                .unwrap_or_else(|| Arc::new(Spec::Unknown(String::new()))),
            chunk,
        };
        if tx.send(job).is_err() {
            return Err(io::Error::other("parser threads stopped"));
        }
    }
    Ok(())
}

fn custom_source_for(ctx: &ReaderCtx<'_>, path: &Path) -> Option<Arc<TableDef>> {
    if let Some(forced) = &ctx.forced {
        return ctx
            .custom_sources
            .iter()
            .find(|(t, _)| &t.name == forced)
            .map(|(t, _)| t.clone());
    }
    let path_str = path.to_string_lossy();
    let name = path.file_name();
    ctx.custom_sources
        .iter()
        .find(|(_, m)| m.is_match(path_str.as_ref()) || name.is_some_and(|n| m.is_match(n)))
        .map(|(t, _)| t.clone())
}

/// The custom sources of a catalog with their compiled file patterns.
pub fn custom_sources(catalog: &Catalog) -> Vec<(Arc<TableDef>, globset::GlobMatcher)> {
    catalog
        .tables()
        .iter()
        .filter_map(|t| match &t.kind {
            SourceKind::Custom { pattern, .. } => {
                let glob = globset::GlobBuilder::new(pattern)
                    .literal_separator(false)
                    .build()
                    .ok()?;
                Some((t.clone(), glob.compile_matcher()))
            }
            _ => None,
        })
        .collect()
}

/// Decides how to read a file from its first chunk (which may lose a header line).
fn decide(
    ctx: &ReaderCtx<'_>,
    layout: Layout,
    custom: Option<&Arc<TableDef>>,
    chunk: &mut Chunk,
) -> io::Result<Spec> {
    if let Some(table) = custom {
        let SourceKind::Custom {
            timestamp_field, ..
        } = &table.kind
        else {
            return Ok(Spec::Unknown("not a custom source".into()));
        };
        let schema = {
            let mut schemas = ctx.custom_schemas.lock().unwrap_or_else(|p| p.into_inner());
            match schemas.get(&table.name) {
                Some(s) => s.clone(),
                None => {
                    let samples = chunk.spans.iter().take(1000).map(|s| chunk.record(s));
                    let inferred = Arc::new(custom::infer(&table.name, timestamp_field, samples));
                    std::fs::create_dir_all(&ctx.schema_dir)?;
                    let path = ctx.schema_dir.join(format!("{}.schema.json", table.name));
                    let text =
                        serde_json::to_string_pretty(&*inferred).map_err(io::Error::other)?;
                    std::fs::write(path, text)?;
                    schemas.insert(table.name.clone(), inferred.clone());
                    inferred
                }
            }
        };
        let table_def = Arc::new(crate::catalog::Catalog::custom_table(table, &schema));
        return Ok(Spec::Custom {
            table: table_def,
            schema,
            timestamp_field: timestamp_field.clone(),
        });
    }
    let forced = ctx.forced.as_deref();
    match layout {
        Layout::Text => {
            let first = chunk
                .spans
                .first()
                .map(|s| String::from_utf8_lossy(chunk.record(s)).into_owned());
            let Some(first) = first else {
                return Ok(Spec::Unknown("empty".into()));
            };
            if let Some(format) = Format::from_header(&first) {
                chunk.spans.remove(0);
                return Ok(Spec::VpcFlow(format));
            }
            if forced == Some("vpc_flow") || Format::looks_like_default_record(&first) {
                return Ok(Spec::VpcFlow(Format::default_v2()));
            }
            match forced {
                Some("cloudtrail") => Ok(Spec::CloudTrail(Envelope::None)),
                Some("guardduty") => Ok(Spec::GuardDuty(Envelope::None)),
                _ => Ok(Spec::Unknown("text that is not a VPC flow log".into())),
            }
        }
        Layout::Empty => Ok(Spec::Unknown("empty".into())),
        _ => {
            let sniffed = chunk
                .spans
                .iter()
                .take(20)
                .find_map(|s| sniff_record(chunk.record(s)));
            let envelope = sniffed.map(|(_, e)| e).unwrap_or(Envelope::None);
            Ok(match (forced, sniffed) {
                (Some("cloudtrail"), _) => Spec::CloudTrail(envelope),
                (Some("guardduty"), _) => Spec::GuardDuty(envelope),
                (Some(other), _) => {
                    Spec::Unknown(format!("JSON records cannot be read as `{other}`"))
                }
                (None, Some((JsonSource::CloudTrail, e))) => Spec::CloudTrail(e),
                (None, Some((JsonSource::GuardDuty, e))) => Spec::GuardDuty(e),
                (None, None) => {
                    Spec::Unknown("JSON that is neither CloudTrail nor GuardDuty".into())
                }
            })
        }
    }
}
