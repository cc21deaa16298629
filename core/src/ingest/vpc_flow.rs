//! VPC Flow Log text records → the `vpc_flow` table.
//!
//! A file's first line names its fields when it is a custom format (as S3
//! delivery writes it); without one the default version 2 format applies.
//! Fields are separated by runs of spaces; `-` means "no value".

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Int32Builder, Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;

use super::record::RecordError;
use super::time::{Micros, epoch_to_micros};
use crate::catalog::vpc_flow_fields::{DEFAULT_FORMAT, FIELDS, FlowType, field_index};

/// The field layout of one flow-log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// For each position in a record, the index into the catalog's field list
    /// (`None` for a field this version does not know; it is skipped).
    columns: Vec<Option<usize>>,
    start_pos: Option<usize>,
    /// Raw names, for error messages.
    names: Vec<String>,
}

impl Format {
    /// The default version 2 format.
    pub fn default_v2() -> Self {
        Self::from_names(DEFAULT_FORMAT.iter().map(|s| s.to_string()).collect())
    }

    fn from_names(names: Vec<String>) -> Self {
        let columns: Vec<Option<usize>> = names.iter().map(|n| field_index(n)).collect();
        let start_pos = columns.iter().position(|c| *c == field_index("start"));
        Self {
            columns,
            start_pos,
            names,
        }
    }

    /// Reads a header line; `None` if the line is not a header.
    pub fn from_header(line: &str) -> Option<Self> {
        let names: Vec<String> = line.split_ascii_whitespace().map(str::to_string).collect();
        let first = names.first()?;
        if first.starts_with(|c: char| c.is_ascii_digit()) || first == "-" {
            return None;
        }
        let known = names.iter().filter(|n| field_index(n).is_some()).count();
        // Most names must be known flow-log fields; a few unknown (future) ones are fine.
        (known * 2 > names.len()).then(|| Self::from_names(names))
    }

    /// Whether a data line could be a default-format record (14 fields, a version number first).
    pub fn looks_like_default_record(line: &str) -> bool {
        let mut it = line.split_ascii_whitespace();
        let first_ok = it.next().is_some_and(|v| v.parse::<u8>().is_ok());
        first_ok && it.count() == DEFAULT_FORMAT.len() - 1
    }

    /// Number of fields per record.
    pub fn width(&self) -> usize {
        self.columns.len()
    }
}

/// A parsed record: the field values in the file's order.
#[derive(Debug)]
pub struct Parsed<'a> {
    values: Vec<&'a str>,
    /// The `start` time, when the format has one and it is set.
    pub time: Option<Micros>,
}

/// Splits and checks one record line.
pub fn parse<'a>(line: &'a [u8], format: &Format) -> Result<Parsed<'a>, RecordError> {
    let line = std::str::from_utf8(line)
        .map_err(|_| RecordError::new("bad value", "record is not valid UTF-8"))?;
    let values: Vec<&str> = line.split_ascii_whitespace().collect();
    if values.len() != format.width() {
        return Err(RecordError::new(
            "wrong field count",
            format!("expected {} fields, found {}", format.width(), values.len()),
        ));
    }
    for (pos, (value, col)) in values.iter().zip(&format.columns).enumerate() {
        let Some(col) = col else { continue };
        if *value == "-" {
            continue;
        }
        let ty = FIELDS[*col].2;
        let ok = match ty {
            FlowType::Str => true,
            FlowType::Int => value.parse::<i32>().is_ok(),
            FlowType::BigInt | FlowType::Time => value.parse::<i64>().is_ok(),
        };
        if !ok {
            return Err(RecordError::new(
                "bad value",
                format!("field `{}`: `{value}` is not a number", format.names[pos]),
            ));
        }
    }
    let time = format
        .start_pos
        .and_then(|p| values[p].parse::<i64>().ok())
        .map(epoch_to_micros);
    Ok(Parsed { values, time })
}

enum Col {
    Str(StringBuilder),
    Int(Int32Builder),
    BigInt(Int64Builder),
    Time(TimestampMicrosecondBuilder),
}

/// Columnar builder for the `vpc_flow` table.
pub struct Builder {
    schema: SchemaRef,
    cols: Vec<Col>,
    len: usize,
    seen: Vec<bool>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("vpc_flow::Builder")
            .field("len", &self.len)
            .finish()
    }
}

impl Builder {
    /// A builder for the catalog's `vpc_flow` schema.
    pub fn new(schema: SchemaRef) -> Self {
        let cols = FIELDS
            .iter()
            .map(|(_, _, ty, _)| match ty {
                FlowType::Str => Col::Str(StringBuilder::new()),
                FlowType::Int => Col::Int(Int32Builder::new()),
                FlowType::BigInt => Col::BigInt(Int64Builder::new()),
                FlowType::Time => {
                    Col::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
                }
            })
            .collect();
        Self {
            schema,
            cols,
            len: 0,
            seen: vec![false; FIELDS.len()],
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

    /// Appends a parsed record (values already validated by [`parse`]).
    pub fn append(&mut self, p: &Parsed<'_>, format: &Format) {
        self.len += 1;
        self.seen.iter_mut().for_each(|s| *s = false);
        for (value, col) in p.values.iter().zip(&format.columns) {
            let Some(idx) = *col else { continue };
            if self.seen[idx] {
                continue; // a field repeated in a header: first one wins
            }
            self.seen[idx] = true;
            let v = if *value == "-" { None } else { Some(*value) };
            match &mut self.cols[idx] {
                Col::Str(b) => b.append_option(v),
                Col::Int(b) => b.append_option(v.and_then(|v| v.parse().ok())),
                Col::BigInt(b) => b.append_option(v.and_then(|v| v.parse().ok())),
                Col::Time(b) => {
                    b.append_option(v.and_then(|v| v.parse::<i64>().ok()).map(epoch_to_micros))
                }
            }
        }
        for (idx, seen) in self.seen.iter().enumerate() {
            if !seen {
                match &mut self.cols[idx] {
                    Col::Str(b) => b.append_null(),
                    Col::Int(b) => b.append_null(),
                    Col::BigInt(b) => b.append_null(),
                    Col::Time(b) => b.append_null(),
                }
            }
        }
    }

    /// Finishes the buffered rows into a batch.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let cols: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Str(b) => Arc::new(b.finish()),
                    Col::Int(b) => Arc::new(b.finish()),
                    Col::BigInt(b) => Arc::new(b.finish()),
                    Col::Time(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        self.len = 0;
        RecordBatch::try_new(self.schema.clone(), cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let f = Format::from_header("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status").unwrap();
        assert_eq!(f, Format::default_v2());
        assert!(Format::from_header("2 123456789010 eni-1 1.2.3.4").is_none());
        assert!(Format::from_header("GET /index.html HTTP/1.1").is_none());
        let nat =
            Format::from_header("instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr")
                .unwrap();
        assert_eq!(nat.width(), 6);
        assert!(nat.start_pos.is_none());
    }

    #[test]
    fn records() {
        let f = Format::default_v2();
        let p = parse(
            b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            &f,
        )
        .unwrap();
        assert_eq!(p.time, Some(1_431_280_876_000_000));
        let p = parse(b"2 123456789010 eni-1  10.0.0.1   10.0.0.2 443 49152 6 10 840 1418530010 1418530070 ACCEPT OK", &f).unwrap();
        assert_eq!(p.values[3], "10.0.0.1");
        let e = parse(b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 443", &f).unwrap_err();
        assert_eq!(e.reason, "wrong field count");
        assert_eq!(e.detail, "expected 14 fields, found 6");
        let e = parse(b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 https 49152 6 10 840 1418530010 1418530070 ACCEPT OK", &f).unwrap_err();
        assert_eq!(e.reason, "bad value");
        assert!(e.detail.contains("srcport"), "{}", e.detail);
    }
}
