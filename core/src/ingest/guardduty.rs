//! GuardDuty findings → the `guardduty` table.
//!
//! Accepts a bare finding (as GuardDuty exports to S3 and as the EventBridge
//! `detail`), with the envelope already removed by the caller.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::json::{Text, opt, raw_text};
use super::record::{RecordError, UNRECOGNISED};
use super::time::{Micros, parse_time};

/// A GuardDuty finding, borrowed from the input.
#[derive(Debug, Deserialize)]
pub struct Finding<'a> {
    #[serde(borrow, rename = "schemaVersion")]
    schema_version: Option<Text<'a>>,
    #[serde(borrow, rename = "accountId")]
    account_id: Option<Text<'a>>,
    #[serde(borrow)]
    region: Option<Text<'a>>,
    #[serde(borrow)]
    partition: Option<Text<'a>>,
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow)]
    arn: Option<Text<'a>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
    #[serde(borrow)]
    service: Option<&'a RawValue>,
    #[serde(borrow)]
    severity: Option<Text<'a>>,
    #[serde(borrow, rename = "createdAt")]
    created_at: Option<Text<'a>>,
    #[serde(borrow, rename = "updatedAt")]
    updated_at: Option<Text<'a>>,
    #[serde(borrow)]
    title: Option<Text<'a>>,
    #[serde(borrow)]
    description: Option<Text<'a>>,
}

/// A validated finding with its times.
#[derive(Debug)]
pub struct Parsed<'a> {
    finding: Finding<'a>,
    severity: Option<f64>,
    created: Option<Micros>,
    /// Partition time: `updatedAt`, else `createdAt`.
    pub time: Micros,
}

/// Parses and validates one finding.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, RecordError> {
    let finding: Finding<'_> = serde_json::from_slice(bytes).map_err(|e| RecordError::json(&e))?;
    if finding.kind.is_none() && finding.schema_version.is_none() && finding.severity.is_none() {
        return Err(RecordError::new(
            UNRECOGNISED,
            "not a GuardDuty finding: no type, schemaVersion or severity",
        ));
    }
    if opt(&finding.id).is_none_or(str::is_empty) {
        return Err(RecordError::new("missing id", "field `id` is missing"));
    }
    let time_of = |t: &Option<Text<'_>>, name: &str| -> Result<Option<Micros>, RecordError> {
        match opt(t) {
            None => Ok(None),
            Some(s) => parse_time(s).map(Some).ok_or_else(|| {
                RecordError::new(
                    "bad time",
                    format!("field `{name}`: `{s}` is not a timestamp"),
                )
            }),
        }
    };
    let created = time_of(&finding.created_at, "createdAt")?;
    let updated = time_of(&finding.updated_at, "updatedAt")?;
    let Some(time) = updated.or(created) else {
        return Err(RecordError::new(
            "missing time",
            "fields `updatedAt` and `createdAt` are missing",
        ));
    };
    let severity = match opt(&finding.severity) {
        None => None,
        Some(s) => Some(s.parse::<f64>().map_err(|_| {
            RecordError::new(
                "bad value",
                format!("field `severity`: `{s}` is not a number"),
            )
        })?),
    };
    Ok(Parsed {
        finding,
        severity,
        created,
        time,
    })
}

/// Columnar builder for the `guardduty` table.
#[derive(Debug)]
pub struct Builder {
    schema: SchemaRef,
    len: usize,
    head: [StringBuilder; 9],
    severity: Float64Builder,
    createdat: TimestampMicrosecondBuilder,
    updatedat: TimestampMicrosecondBuilder,
    tail: [StringBuilder; 2],
}

impl Builder {
    /// A builder for the catalog's `guardduty` schema.
    pub fn new(schema: SchemaRef) -> Self {
        Self {
            schema,
            len: 0,
            head: std::array::from_fn(|_| StringBuilder::new()),
            severity: Float64Builder::new(),
            createdat: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            updatedat: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            tail: std::array::from_fn(|_| StringBuilder::new()),
        }
    }

    /// Rows buffered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no rows are buffered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a validated finding.
    pub fn append(&mut self, p: &Parsed<'_>) {
        let f = &p.finding;
        self.len += 1;
        let res = raw_text(&f.resource);
        let svc = raw_text(&f.service);
        let head = [
            opt(&f.schema_version),
            opt(&f.account_id),
            opt(&f.region),
            opt(&f.partition),
            opt(&f.id),
            opt(&f.arn),
            opt(&f.kind),
            res.as_deref(),
            svc.as_deref(),
        ];
        for (b, v) in self.head.iter_mut().zip(head) {
            b.append_option(v);
        }
        self.severity.append_option(p.severity);
        self.createdat.append_option(p.created);
        self.updatedat.append_value(p.time);
        self.tail[0].append_option(opt(&f.title));
        self.tail[1].append_option(opt(&f.description));
    }

    /// Finishes the buffered rows into a batch.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut cols: Vec<ArrayRef> = self
            .head
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        cols.push(Arc::new(self.severity.finish()));
        cols.push(Arc::new(self.createdat.finish()));
        cols.push(Arc::new(self.updatedat.finish()));
        cols.extend(
            self.tail
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        self.len = 0;
        RecordBatch::try_new(self.schema.clone(), cols)
    }
}
