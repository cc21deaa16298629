//! The parser stage: turns record chunks into rows of the right table and
//! day, quarantining what cannot be read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::mpsc::Receiver;

use datafusion::arrow::datatypes::SchemaRef;

use super::detect::{Envelope, unwrap};
use super::quarantine::{Entry, Quarantine, excerpt};
use super::reader::{Job, Spec};
use super::record::{RecordError, UNKNOWN_SOURCE};
use super::split::Span;
use super::time::day_of;
use super::writer::{AnyBuilder, PartitionWriter, WriteError, WrittenFile};
use super::{cloudtrail, custom, guardduty, vpc_flow};
use crate::catalog::Catalog;

/// Counts for one file, from one worker.
#[derive(Debug, Default, Clone)]
pub struct FileCounts {
    /// Rows written.
    pub records: u64,
    /// Quarantined records by reason.
    pub quarantined: HashMap<&'static str, u64>,
}

/// What a worker produced.
#[derive(Debug)]
pub struct WorkerOutput {
    /// Files written (temporary names).
    pub files: Vec<WrittenFile>,
    /// Per input-file counts.
    pub counts: HashMap<usize, FileCounts>,
}

/// Runs one worker until the channel closes.
pub fn run(
    rx: &Mutex<Receiver<Job>>,
    mut writer: PartitionWriter,
    catalog: &Catalog,
    quarantine: &Quarantine,
) -> Result<WorkerOutput, WriteError> {
    let schema_of = |name: &str| catalog.get(name).map(|t| t.schema.clone());
    let ct_schema = schema_of("cloudtrail");
    let gd_schema = schema_of("guardduty");
    let vf_schema = schema_of("vpc_flow");
    let mut counts: HashMap<usize, FileCounts> = HashMap::new();
    loop {
        let job = {
            let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
            guard.recv()
        };
        let Ok(job) = job else { break };
        let c = counts.entry(job.file).or_default();
        let schemas = Schemas {
            ct: &ct_schema,
            gd: &gd_schema,
            vf: &vf_schema,
        };
        if let Err(e) = process(&job, &mut writer, schemas, quarantine, c) {
            writer.abandon();
            // Keep draining so the reader never blocks on a full channel.
            loop {
                let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
                if guard.recv().is_err() {
                    break;
                }
            }
            return Err(e);
        }
    }
    let files = writer.finish()?;
    Ok(WorkerOutput { files, counts })
}

/// A built-in JSON source: how its records parse and land in its table.
trait JsonTable {
    type Parsed<'a>;
    const TABLE: &'static str;
    fn parse(bytes: &[u8]) -> Result<Self::Parsed<'_>, RecordError>;
    fn time(p: &Self::Parsed<'_>) -> i64;
    fn builder(schema: SchemaRef) -> AnyBuilder;
    fn append(b: &mut AnyBuilder, p: &Self::Parsed<'_>);
}

struct CloudTrailTable;

impl JsonTable for CloudTrailTable {
    type Parsed<'a> = cloudtrail::Parsed<'a>;
    const TABLE: &'static str = "cloudtrail";
    fn parse(bytes: &[u8]) -> Result<Self::Parsed<'_>, RecordError> {
        cloudtrail::parse(bytes)
    }
    fn time(p: &Self::Parsed<'_>) -> i64 {
        p.time
    }
    fn builder(schema: SchemaRef) -> AnyBuilder {
        AnyBuilder::CloudTrail(Box::new(cloudtrail::Builder::new(schema)))
    }
    fn append(b: &mut AnyBuilder, p: &Self::Parsed<'_>) {
        if let AnyBuilder::CloudTrail(b) = b {
            b.append(p);
        }
    }
}

struct GuardDutyTable;

impl JsonTable for GuardDutyTable {
    type Parsed<'a> = guardduty::Parsed<'a>;
    const TABLE: &'static str = "guardduty";
    fn parse(bytes: &[u8]) -> Result<Self::Parsed<'_>, RecordError> {
        guardduty::parse(bytes)
    }
    fn time(p: &Self::Parsed<'_>) -> i64 {
        p.time
    }
    fn builder(schema: SchemaRef) -> AnyBuilder {
        AnyBuilder::GuardDuty(Box::new(guardduty::Builder::new(schema)))
    }
    fn append(b: &mut AnyBuilder, p: &Self::Parsed<'_>) {
        if let AnyBuilder::GuardDuty(b) = b {
            b.append(p);
        }
    }
}

type Reject<'r> = dyn Fn(&Span, &[u8], &RecordError, &mut FileCounts) + 'r;

/// Unwraps one JSON record (envelopes may hold several) and appends each.
fn json_records<T: JsonTable>(
    span: &Span,
    bytes: &[u8],
    envelope: Envelope,
    schema: &SchemaRef,
    writer: &mut PartitionWriter,
    counts: &mut FileCounts,
    reject: &Reject<'_>,
) -> Result<(), WriteError> {
    let inner = match unwrap(bytes, envelope) {
        Ok(v) => v,
        Err(e) => {
            reject(span, bytes, &RecordError::json(&e), counts);
            return Ok(());
        }
    };
    for rec in inner {
        match T::parse(rec) {
            Ok(p) => {
                let day = Some(day_of(T::time(&p)));
                writer.append(
                    T::TABLE,
                    day,
                    || T::builder(schema.clone()),
                    |b| T::append(b, &p),
                )?;
                counts.records += 1;
            }
            Err(e) => reject(span, rec, &e, counts),
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Schemas<'a> {
    ct: &'a Option<SchemaRef>,
    gd: &'a Option<SchemaRef>,
    vf: &'a Option<SchemaRef>,
}

fn process(
    job: &Job,
    writer: &mut PartitionWriter,
    schemas: Schemas<'_>,
    quarantine: &Quarantine,
    counts: &mut FileCounts,
) -> Result<(), WriteError> {
    let chunk = &job.chunk;
    let reject =
        |span: &super::split::Span, bytes: &[u8], e: &RecordError, counts: &mut FileCounts| {
            *counts.quarantined.entry(e.reason).or_default() += 1;
            let entry = Entry {
                file: &job.path,
                line: span.line,
                record: span.index,
                source: job.spec.table(),
                reason: e.reason,
                detail: &e.detail,
                raw: excerpt(bytes),
            };
            if let Err(err) = quarantine.put(&entry) {
                tracing::warn!(message = "Failed to write quarantine record.", error = %err);
            }
        };
    for span in &chunk.spans {
        let bytes = chunk.record(span);
        match &*job.spec {
            Spec::Unknown(why) => {
                let e = RecordError::new(
                    UNKNOWN_SOURCE,
                    format!("unrecognised file: {why}; pass --source to choose one"),
                );
                reject(span, bytes, &e, counts);
            }
            Spec::CloudTrail(env) => {
                let Some(schema) = schemas.ct else { continue };
                json_records::<CloudTrailTable>(
                    span, bytes, *env, schema, writer, counts, &reject,
                )?;
            }
            Spec::GuardDuty(env) => {
                let Some(schema) = schemas.gd else { continue };
                json_records::<GuardDutyTable>(span, bytes, *env, schema, writer, counts, &reject)?;
            }
            Spec::VpcFlow(format) => {
                let Some(schema) = schemas.vf else { continue };
                match vpc_flow::parse(bytes, format) {
                    Ok(p) => {
                        let day = p.time.map(day_of);
                        let make = || AnyBuilder::VpcFlow(vpc_flow::Builder::new(schema.clone()));
                        writer.append("vpc_flow", day, make, |b| {
                            if let AnyBuilder::VpcFlow(b) = b {
                                b.append(&p, format);
                            }
                        })?;
                        counts.records += 1;
                    }
                    Err(e) => reject(span, bytes, &e, counts),
                }
            }
            Spec::Custom {
                table,
                schema,
                timestamp_field,
            } => {
                let parsed = custom::parse(bytes, timestamp_field);
                let p = match parsed {
                    Ok(p) => p,
                    Err(e) => {
                        reject(span, bytes, &e, counts);
                        continue;
                    }
                };
                let day = Some(day_of(p.time));
                let (tschema, def) = (table.schema.clone(), Arc::clone(schema));
                let make = || AnyBuilder::Custom(custom::Builder::new(tschema, def));
                let checked = writer.append(&table.name, day, make, |b| match b {
                    AnyBuilder::Custom(b) => b.check(&p).map(|()| b.append(&p)),
                    _ => Ok(()),
                })?;
                match checked {
                    Ok(()) => counts.records += 1,
                    Err(e) => reject(span, bytes, &e, counts),
                }
            }
        }
    }
    Ok(())
}
