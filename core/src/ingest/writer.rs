//! Day-partitioned Parquet output for one ingest worker.
//!
//! Each (table, day) gets its own file, staged locally as
//! `<staging>/<table>/dt=YYYY-MM-DD/*.parquet.tmp` and only published to the
//! tables' storage (`<table>/dt=YYYY-MM-DD/*.parquet`) when the whole run
//! succeeds, so a crash never leaves half a file visible to queries. Memory stays bounded: rows are
//! encoded every `batch_rows`, row groups are flushed at `row_group_bytes`,
//! and at most [`MAX_OPEN_PARTS`] files are open per worker.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::arrow_writer::ArrowWriterOptions;
use datafusion::parquet::arrow::{ArrowWriter, add_encoded_arrow_schema_to_metadata};
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::errors::ParquetError;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::parquet::schema::types::ColumnPath;

use super::{cloudtrail, custom, guardduty, vpc_flow};
use crate::catalog::{PARTITION_COLUMN, string_view_schema};
use crate::config::IngestConfig;
use crate::ingest::time::day_label;

/// Files open at once per worker before the least recently used is closed.
pub const MAX_OPEN_PARTS: usize = 48;

/// Columns that are (nearly) unique per row, in any table.
const HIGH_CARDINALITY: &[&str] = &[
    "eventid",
    "requestid",
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
    "sharedeventid",
    "edgedevicedetails",
    "id",
    "arn",
    "resource",
    "service",
    "description",
];

/// A table builder of any source.
#[derive(Debug)]
pub enum AnyBuilder {
    /// `cloudtrail`.
    CloudTrail(Box<cloudtrail::Builder>),
    /// `vpc_flow`.
    VpcFlow(vpc_flow::Builder),
    /// `guardduty`.
    GuardDuty(Box<guardduty::Builder>),
    /// A custom source.
    Custom(custom::Builder),
}

impl AnyBuilder {
    fn len(&self) -> usize {
        match self {
            Self::CloudTrail(b) => b.len(),
            Self::VpcFlow(b) => b.len(),
            Self::GuardDuty(b) => b.len(),
            Self::Custom(b) => b.len(),
        }
    }

    fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        match self {
            Self::CloudTrail(b) => b.finish(),
            Self::VpcFlow(b) => b.finish(),
            Self::GuardDuty(b) => b.finish(),
            Self::Custom(b) => b.finish(),
        }
    }
}

/// An output problem (disk full, permissions, encoding bug).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Filesystem error.
    #[error("cannot write `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Parquet encoding error.
    #[error("cannot encode Parquet file `{path}`")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: ParquetError,
    },
    /// Arrow error building a batch (a bug).
    #[error("this is a bug in Mantissa Log, please report it: building a batch failed: {0}")]
    Arrow(#[from] ArrowError),
}

/// A finished output file, still staged.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Staged local file (`*.parquet.tmp`).
    pub tmp: PathBuf,
    /// Its key in the tables' storage (`<table>/dt=YYYY-MM-DD/<name>.parquet`).
    pub key: String,
    /// Table.
    pub table: String,
    /// Rows in the file.
    pub rows: u64,
}

struct Part {
    builder: AnyBuilder,
    writer: Option<ArrowWriter<BufWriter<File>>>,
    tmp: PathBuf,
    key: String,
    table: String,
    rows: u64,
    last_used: u64,
}

/// Per-worker set of open partition files.
pub struct PartitionWriter {
    root: PathBuf,
    prefix: String,
    config: IngestConfig,
    props: WriterProperties,
    /// Open files by table, then day.
    parts: HashMap<String, HashMap<Option<i32>, Part>>,
    open_parts: usize,
    finished: Vec<WrittenFile>,
    seq: u64,
    tick: u64,
}

impl std::fmt::Debug for PartitionWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionWriter")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl PartitionWriter {
    /// Stages files under `staging`, naming them `part-<prefix>-<n>.parquet`.
    pub fn new(staging: &Path, prefix: String, config: &IngestConfig) -> Self {
        // Unique-per-row columns (ids, free-form JSON) gain nothing from
        // dictionary encoding and would hold a dictionary buffer per open
        // file; smaller page and dictionary limits bound the per-column
        // buffers of every open file.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
            .set_max_row_group_row_count(Some(config.row_group_rows.max(1024)))
            .set_dictionary_page_size_limit(256 * 1024)
            .set_data_page_size_limit(256 * 1024)
            .set_created_by("mantissa-log".into());
        for column in HIGH_CARDINALITY {
            props = props.set_column_dictionary_enabled(ColumnPath::from(*column), false);
        }
        let props = props.build();
        Self {
            root: staging.to_path_buf(),
            prefix,
            config: config.clone(),
            props,
            parts: HashMap::new(),
            open_parts: 0,
            finished: Vec::new(),
            seq: 0,
            tick: 0,
        }
    }

    /// Runs `f` on the builder of `(table, day)` (created with `make` the
    /// first time), then encodes the builder's rows once it holds a full
    /// batch. The lookup allocates nothing: this runs once per record.
    pub fn append<R>(
        &mut self,
        table: &str,
        day: Option<i32>,
        make: impl FnOnce() -> AnyBuilder,
        f: impl FnOnce(&mut AnyBuilder) -> R,
    ) -> Result<R, WriteError> {
        self.tick += 1;
        let open = self
            .parts
            .get(table)
            .is_some_and(|days| days.contains_key(&day));
        if !open {
            self.open(table, day, make())?;
        }
        let (batch_rows, row_group_bytes, tick) = (
            self.config.batch_rows.max(1),
            self.config.row_group_bytes,
            self.tick,
        );
        let Some(part) = self
            .parts
            .get_mut(table)
            .and_then(|days| days.get_mut(&day))
        else {
            return Err(WriteError::Arrow(ArrowError::ComputeError(
                "partition vanished".into(),
            )));
        };
        part.last_used = tick;
        let out = f(&mut part.builder);
        if part.builder.len() >= batch_rows {
            flush_builder(part, &self.props)?;
            if let Some(w) = &mut part.writer
                && w.in_progress_size() >= row_group_bytes
            {
                w.flush().map_err(|e| WriteError::Parquet {
                    path: part.tmp.clone(),
                    source: e,
                })?;
            }
        }
        Ok(out)
    }

    fn open(
        &mut self,
        table: &str,
        day: Option<i32>,
        builder: AnyBuilder,
    ) -> Result<(), WriteError> {
        if self.open_parts >= MAX_OPEN_PARTS {
            self.close_lru()?;
        }
        self.seq += 1;
        let dir = format!(
            "{table}/{PARTITION_COLUMN}={}",
            day.map(day_label).unwrap_or_else(|| "unknown".into())
        );
        let name = format!("part-{}-{:05}.parquet", self.prefix, self.seq);
        let part = Part {
            builder,
            writer: None,
            tmp: self.root.join(&dir).join(format!("{name}.tmp")),
            key: format!("{dir}/{name}"),
            table: table.to_string(),
            rows: 0,
            last_used: self.tick,
        };
        self.parts
            .entry(table.to_string())
            .or_default()
            .insert(day, part);
        self.open_parts += 1;
        Ok(())
    }

    fn close_lru(&mut self) -> Result<(), WriteError> {
        let lru = self
            .parts
            .iter()
            .flat_map(|(t, days)| days.iter().map(move |(d, p)| (p.last_used, t, *d)))
            .min_by_key(|(used, _, _)| *used)
            .map(|(_, t, d)| (t.clone(), d));
        let Some((table, day)) = lru else {
            return Ok(());
        };
        if let Some(part) = self
            .parts
            .get_mut(&table)
            .and_then(|days| days.remove(&day))
        {
            self.open_parts -= 1;
            self.close(part)?;
        }
        Ok(())
    }

    fn close(&mut self, mut part: Part) -> Result<(), WriteError> {
        flush_builder(&mut part, &self.props)?;
        if let Some(w) = part.writer.take() {
            w.close().map_err(|e| WriteError::Parquet {
                path: part.tmp.clone(),
                source: e,
            })?;
            self.finished.push(WrittenFile {
                tmp: part.tmp,
                key: part.key,
                table: part.table,
                rows: part.rows,
            });
        }
        Ok(())
    }

    /// Flushes and closes every file; returns them (still under temporary names).
    pub fn finish(mut self) -> Result<Vec<WrittenFile>, WriteError> {
        let parts: Vec<Part> = self
            .parts
            .drain()
            .flat_map(|(_, days)| days.into_values())
            .collect();
        for part in parts {
            self.close(part)?;
        }
        Ok(self.finished)
    }

    /// Removes every temporary file written so far (after a failed run).
    pub fn abandon(self) {
        for p in self.parts.values().flat_map(HashMap::values) {
            let _ = std::fs::remove_file(&p.tmp);
        }
        for f in &self.finished {
            let _ = std::fs::remove_file(&f.tmp);
        }
    }
}

fn flush_builder(part: &mut Part, props: &WriterProperties) -> Result<(), WriteError> {
    if part.builder.len() == 0 {
        return Ok(());
    }
    let batch = part.builder.finish()?;
    if part.writer.is_none() {
        if let Some(dir) = part.tmp.parent() {
            std::fs::create_dir_all(dir).map_err(|e| WriteError::Io {
                path: dir.to_path_buf(),
                source: e,
            })?;
        }
        let file = File::create(&part.tmp).map_err(|e| WriteError::Io {
            path: part.tmp.clone(),
            source: e,
        })?;
        // The embedded Arrow schema is a hint of the types to read as: it
        // says `Utf8View` for every string, nested ones included, so readers
        // decode struct fields straight into views (see
        // `catalog::string_view_type`). The Parquet data is the same.
        let mut props = props.clone();
        add_encoded_arrow_schema_to_metadata(&string_view_schema(&batch.schema()), &mut props);
        let w = ArrowWriter::try_new_with_options(
            BufWriter::with_capacity(1 << 20, file),
            batch.schema(),
            ArrowWriterOptions::new()
                .with_properties(props)
                .with_skip_arrow_metadata(true),
        )
        .map_err(|e| WriteError::Parquet {
            path: part.tmp.clone(),
            source: e,
        })?;
        part.writer = Some(w);
    }
    part.rows += batch.num_rows() as u64;
    if let Some(w) = &mut part.writer {
        w.write(&batch).map_err(|e| WriteError::Parquet {
            path: part.tmp.clone(),
            source: e,
        })?;
    }
    Ok(())
}
