//! Turning Arrow results into what people and programs read: JSON-native
//! values (numbers as numbers, timestamps as RFC 3339 UTC, structs as
//! objects, arrays as arrays, NULL as null) and short text cells for tables.

use chrono::DateTime;
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::arrow::array::{Array, AsArray, RecordBatch};
use crate::arrow::datatypes::{DataType, TimeUnit};
use crate::arrow::util::display::{ArrayFormatter, FormatOptions};
use crate::catalog::sql_type_name;

use super::QueryResult;

/// A result column as described to users.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnMeta {
    /// Column name.
    pub name: String,
    /// Athena-style type name.
    #[serde(rename = "type")]
    pub sql_type: String,
}

/// A value for display.
pub type Cell = String;

impl QueryResult {
    /// Column names and types.
    pub fn columns(&self) -> Vec<ColumnMeta> {
        self.schema
            .fields()
            .iter()
            .map(|f| ColumnMeta {
                name: f.name().clone(),
                sql_type: sql_type_name(f.data_type()),
            })
            .collect()
    }

    /// Every row as JSON values.
    pub fn json_rows(&self) -> Vec<Vec<Value>> {
        let mut out = Vec::with_capacity(self.row_count);
        for b in &self.batches {
            for r in 0..b.num_rows() {
                out.push(b.columns().iter().map(|c| to_json(c.as_ref(), r)).collect());
            }
        }
        out
    }

    /// Every row as display text.
    pub fn text_rows(&self) -> Vec<Vec<Cell>> {
        let mut out = Vec::with_capacity(self.row_count);
        for b in &self.batches {
            text_rows_of(b, &mut out);
        }
        out
    }
}

fn text_rows_of(b: &RecordBatch, out: &mut Vec<Vec<Cell>>) {
    for r in 0..b.num_rows() {
        out.push(b.columns().iter().map(|c| to_text(c.as_ref(), r)).collect());
    }
}

/// Display text of one value: NULL as empty, timestamps as `YYYY-MM-DD HH:MM:SS`
/// (UTC), nested values as compact JSON.
pub fn to_text(a: &dyn Array, row: usize) -> Cell {
    if a.is_null(row) {
        return String::new();
    }
    match a.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => match to_json(a, row) {
            Value::String(s) => s,
            other => other.to_string(),
        },
        DataType::Timestamp(unit, _) => timestamp_micros(a, row, *unit)
            .and_then(DateTime::from_timestamp_micros)
            .map(|t| {
                if t.timestamp_subsec_micros() == 0 {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
                }
            })
            .unwrap_or_default(),
        DataType::Struct(_)
        | DataType::List(_)
        | DataType::LargeList(_)
        | DataType::FixedSizeList(_, _)
        | DataType::Map(_, _) => to_json(a, row).to_string(),
        _ => match to_json(a, row) {
            Value::String(s) => s,
            other => other.to_string(),
        },
    }
}

fn timestamp_micros(a: &dyn Array, row: usize, unit: TimeUnit) -> Option<i64> {
    use crate::arrow::datatypes::*;
    Some(match unit {
        TimeUnit::Second => a
            .as_primitive::<TimestampSecondType>()
            .value(row)
            .checked_mul(1_000_000)?,
        TimeUnit::Millisecond => a
            .as_primitive::<TimestampMillisecondType>()
            .value(row)
            .checked_mul(1_000)?,
        TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(row),
        TimeUnit::Nanosecond => a
            .as_primitive::<TimestampNanosecondType>()
            .value(row)
            .div_euclid(1_000),
    })
}

fn num<T: Into<Number>>(v: T) -> Value {
    Value::Number(v.into())
}

/// The JSON value of one cell.
pub fn to_json(a: &dyn Array, row: usize) -> Value {
    use crate::arrow::datatypes::*;
    if a.is_null(row) {
        return Value::Null;
    }
    match a.data_type() {
        DataType::Null => Value::Null,
        DataType::Boolean => Value::Bool(a.as_boolean().value(row)),
        DataType::Int8 => num(a.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => num(a.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => num(a.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => num(a.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => num(a.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt16 => num(a.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt32 => num(a.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => num(a.as_primitive::<UInt64Type>().value(row)),
        DataType::Float32 => float(f64::from(a.as_primitive::<Float32Type>().value(row))),
        DataType::Float64 => float(a.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => Value::String(a.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Value::String(a.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Value::String(a.as_string_view().value(row).to_string()),
        DataType::Timestamp(unit, _) => timestamp_micros(a, row, *unit)
            .and_then(DateTime::from_timestamp_micros)
            .map(|t| Value::String(crate::clock::format_instant(t)))
            .unwrap_or(Value::Null),
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let mut m = Map::new();
            for (f, c) in fields.iter().zip(s.columns()) {
                m.insert(f.name().clone(), to_json(c.as_ref(), row));
            }
            Value::Object(m)
        }
        DataType::List(_) => {
            let v = a.as_list::<i32>().value(row);
            Value::Array((0..v.len()).map(|i| to_json(v.as_ref(), i)).collect())
        }
        DataType::LargeList(_) => {
            let v = a.as_list::<i64>().value(row);
            Value::Array((0..v.len()).map(|i| to_json(v.as_ref(), i)).collect())
        }
        DataType::FixedSizeList(_, _) => {
            let v = a.as_fixed_size_list().value(row);
            Value::Array((0..v.len()).map(|i| to_json(v.as_ref(), i)).collect())
        }
        DataType::Map(_, _) => {
            let m = a.as_map();
            let entries = m.value(row);
            let (keys, vals) = (entries.column(0), entries.column(1));
            let mut out = Map::new();
            for i in 0..entries.len() {
                let k = match to_json(keys.as_ref(), i) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(k, to_json(vals.as_ref(), i));
            }
            Value::Object(out)
        }
        _ => {
            let opts = FormatOptions::default();
            match ArrayFormatter::try_new(a, &opts) {
                Ok(f) => {
                    let text = f.value(row).to_string();
                    // Decimals and the like read as numbers when they parse as one.
                    match text.parse::<f64>() {
                        Ok(x)
                            if matches!(
                                a.data_type(),
                                DataType::Decimal128(_, _) | DataType::Decimal256(_, _)
                            ) =>
                        {
                            float(x)
                        }
                        _ => Value::String(text),
                    }
                }
                Err(_) => Value::Null,
            }
        }
    }
}

fn float(x: f64) -> Value {
    Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}
