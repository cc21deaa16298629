//! Custom JSON application logs → one table per configured source.
//!
//! The first records of a source fix its schema (see
//! [`crate::catalog::CustomSchema`]); later fields not in the schema are
//! ignored, and values that do not fit a column's type are quarantined.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use serde_json::{Map, Value};

use super::record::RecordError;
use super::time::{Micros, epoch_to_micros, parse_time};
use crate::catalog::{CustomColumn, CustomColumnType, CustomSchema, custom_column_name};

/// Infers a schema from sample records (objects that fail to parse are skipped).
pub fn infer<'a>(
    name: &str,
    timestamp_field: &str,
    records: impl Iterator<Item = &'a [u8]>,
) -> CustomSchema {
    let mut columns: Vec<CustomColumn> = vec![CustomColumn {
        name: custom_column_name(timestamp_field),
        field: timestamp_field.to_string(),
        ty: CustomColumnType::Timestamp,
    }];
    for bytes in records {
        let Ok(map) = serde_json::from_slice::<Map<String, Value>>(bytes) else {
            continue;
        };
        for (k, v) in &map {
            if k == timestamp_field {
                continue;
            }
            let ty = match v {
                Value::Null => continue,
                Value::Bool(_) => CustomColumnType::Boolean,
                Value::Number(n) if n.is_i64() || n.is_u64() => CustomColumnType::BigInt,
                Value::Number(_) => CustomColumnType::Double,
                Value::String(_) => CustomColumnType::String,
                Value::Array(_) | Value::Object(_) => CustomColumnType::Json,
            };
            let col_name = custom_column_name(k);
            match columns.iter_mut().find(|c| c.name == col_name) {
                Some(c) if c.ty == ty => {}
                Some(c) => {
                    c.ty = match (c.ty, ty) {
                        (CustomColumnType::BigInt, CustomColumnType::Double)
                        | (CustomColumnType::Double, CustomColumnType::BigInt) => {
                            CustomColumnType::Double
                        }
                        (CustomColumnType::Json, _) | (_, CustomColumnType::Json) => {
                            CustomColumnType::Json
                        }
                        _ => CustomColumnType::String,
                    }
                }
                None => columns.push(CustomColumn {
                    name: col_name,
                    field: k.clone(),
                    ty,
                }),
            }
        }
    }
    CustomSchema {
        name: name.to_string(),
        columns,
    }
}

/// A parsed custom record.
#[derive(Debug)]
pub struct Parsed {
    map: Map<String, Value>,
    /// Event time.
    pub time: Micros,
}

/// Parses one record against the source's timestamp field.
pub fn parse(bytes: &[u8], timestamp_field: &str) -> Result<Parsed, RecordError> {
    let map: Map<String, Value> =
        serde_json::from_slice(bytes).map_err(|e| RecordError::json(&e))?;
    let time = match map.get(timestamp_field) {
        None | Some(Value::Null) => {
            return Err(RecordError::new(
                "missing timestamp",
                format!("field `{timestamp_field}` is missing"),
            ));
        }
        Some(Value::String(s)) => parse_time(s),
        Some(Value::Number(n)) => n.as_i64().map(epoch_to_micros),
        Some(_) => None,
    };
    let Some(time) = time else {
        return Err(RecordError::new(
            "bad timestamp",
            format!("field `{timestamp_field}` is not a timestamp"),
        ));
    };
    Ok(Parsed { map, time })
}

enum Col {
    Str(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMicrosecondBuilder),
}

/// Columnar builder for one custom source.
pub struct Builder {
    schema: SchemaRef,
    def: Arc<CustomSchema>,
    cols: Vec<Col>,
    len: usize,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("custom::Builder")
            .field("source", &self.def.name)
            .finish()
    }
}

impl Builder {
    /// A builder for a source's fixed schema; `schema` is the catalog's Arrow schema for it.
    pub fn new(schema: SchemaRef, def: Arc<CustomSchema>) -> Self {
        let cols = def
            .columns
            .iter()
            .map(|c| match c.ty {
                CustomColumnType::String | CustomColumnType::Json => Col::Str(StringBuilder::new()),
                CustomColumnType::BigInt => Col::Int(Int64Builder::new()),
                CustomColumnType::Double => Col::Float(Float64Builder::new()),
                CustomColumnType::Boolean => Col::Bool(BooleanBuilder::new()),
                CustomColumnType::Timestamp => {
                    Col::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
                }
            })
            .collect();
        Self {
            schema,
            def,
            cols,
            len: 0,
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

    /// Checks that every value fits its column, without appending.
    pub fn check(&self, p: &Parsed) -> Result<(), RecordError> {
        for c in &self.def.columns {
            let v = p.map.get(&c.field);
            let ok = match (c.ty, v) {
                (_, None | Some(Value::Null)) => true,
                (CustomColumnType::BigInt, Some(v)) => as_i64(v).is_some(),
                (CustomColumnType::Double, Some(v)) => as_f64(v).is_some(),
                (CustomColumnType::Boolean, Some(v)) => as_bool(v).is_some(),
                _ => true,
            };
            if !ok {
                return Err(RecordError::new(
                    "bad value",
                    format!("field `{}`: expected {:?}", c.field, c.ty).to_lowercase(),
                ));
            }
        }
        Ok(())
    }

    /// Appends a record that passed [`Builder::check`].
    pub fn append(&mut self, p: &Parsed) {
        self.len += 1;
        for (c, col) in self.def.columns.iter().zip(&mut self.cols) {
            let v = p.map.get(&c.field).filter(|v| !v.is_null());
            match col {
                Col::Str(b) => match v {
                    Some(Value::String(s)) => b.append_value(s),
                    Some(other) => b.append_value(other.to_string()),
                    None => b.append_null(),
                },
                Col::Int(b) => b.append_option(v.and_then(as_i64)),
                Col::Float(b) => b.append_option(v.and_then(as_f64)),
                Col::Bool(b) => b.append_option(v.and_then(as_bool)),
                Col::Time(b) => b.append_value(p.time),
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
                    Col::Float(b) => Arc::new(b.finish()),
                    Col::Bool(b) => Arc::new(b.finish()),
                    Col::Time(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        self.len = 0;
        RecordBatch::try_new(self.schema.clone(), cols)
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
