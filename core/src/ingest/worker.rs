//! The parser stage: turns record chunks into rows of the right table and
//! day, quarantining what cannot be read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::mpsc::Receiver;

use datafusion::arrow::datatypes::SchemaRef;

use super::detect::unwrap;
use super::quarantine::{Entry, Quarantine, excerpt};
use super::reader::{Job, Spec};
use super::record::{RecordError, UNKNOWN_SOURCE};
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
                let inner = match unwrap(bytes, *env) {
                    Ok(v) => v,
                    Err(e) => {
                        reject(span, bytes, &RecordError::json(&e), counts);
                        continue;
                    }
                };
                for rec in inner {
                    match cloudtrail::parse(rec) {
                        Ok(p) => {
                            let day = Some(day_of(p.time));
                            let b = writer.builder("cloudtrail", day, || {
                                AnyBuilder::CloudTrail(Box::new(cloudtrail::Builder::new(
                                    schema.clone(),
                                )))
                            })?;
                            if let AnyBuilder::CloudTrail(b) = b {
                                b.append(&p);
                            }
                            writer.appended("cloudtrail", day)?;
                            counts.records += 1;
                        }
                        Err(e) => reject(span, rec, &e, counts),
                    }
                }
            }
            Spec::GuardDuty(env) => {
                let Some(schema) = schemas.gd else { continue };
                let inner = match unwrap(bytes, *env) {
                    Ok(v) => v,
                    Err(e) => {
                        reject(span, bytes, &RecordError::json(&e), counts);
                        continue;
                    }
                };
                for rec in inner {
                    match guardduty::parse(rec) {
                        Ok(p) => {
                            let day = Some(day_of(p.time));
                            let b = writer.builder("guardduty", day, || {
                                AnyBuilder::GuardDuty(Box::new(guardduty::Builder::new(schema.clone())))
                            })?;
                            if let AnyBuilder::GuardDuty(b) = b {
                                b.append(&p);
                            }
                            writer.appended("guardduty", day)?;
                            counts.records += 1;
                        }
                        Err(e) => reject(span, rec, &e, counts),
                    }
                }
            }
            Spec::VpcFlow(format) => {
                let Some(schema) = schemas.vf else { continue };
                match vpc_flow::parse(bytes, format) {
                    Ok(p) => {
                        let day = p.time.map(day_of);
                        let b = writer.builder("vpc_flow", day, || {
                            AnyBuilder::VpcFlow(vpc_flow::Builder::new(schema.clone()))
                        })?;
                        if let AnyBuilder::VpcFlow(b) = b {
                            b.append(&p, format);
                        }
                        writer.appended("vpc_flow", day)?;
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
                let b = writer.builder(&table.name, day, || {
                    AnyBuilder::Custom(custom::Builder::new(tschema, def))
                })?;
                if let AnyBuilder::Custom(b) = b {
                    if let Err(e) = b.check(&p) {
                        reject(span, bytes, &e, counts);
                        continue;
                    }
                    b.append(&p);
                }
                writer.appended(&table.name, day)?;
                counts.records += 1;
            }
        }
    }
    Ok(())
}
