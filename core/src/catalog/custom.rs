//! Custom JSON application-log tables declared in the configuration.
//!
//! Columns are inferred from the first records ingested and then fixed (kept
//! in `<data-dir>/catalog/<name>.schema.json`): top-level scalars become typed
//! columns, nested objects and arrays become JSON text queryable with
//! `json_extract_scalar`, and the configured timestamp field becomes the
//! table's event-time column.

use datafusion::arrow::datatypes::{DataType, Field};
use serde::{Deserialize, Serialize};

use super::{SourceKind, TableDef, schema, timestamp_type};
use crate::config::CustomSourceConfig;

/// Type of a custom-source column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomColumnType {
    /// Text.
    String,
    /// 64-bit integer.
    BigInt,
    /// 64-bit float.
    Double,
    /// Boolean.
    Boolean,
    /// UTC timestamp.
    Timestamp,
    /// Nested JSON kept as text.
    Json,
}

impl CustomColumnType {
    /// The Arrow type of the column.
    pub fn arrow(self) -> DataType {
        match self {
            Self::String | Self::Json => DataType::Utf8,
            Self::BigInt => DataType::Int64,
            Self::Double => DataType::Float64,
            Self::Boolean => DataType::Boolean,
            Self::Timestamp => timestamp_type(),
        }
    }
}

/// One column of a custom source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomColumn {
    /// Column name (lower case).
    pub name: String,
    /// The raw JSON field the column is read from.
    pub field: String,
    /// Column type.
    #[serde(rename = "type")]
    pub ty: CustomColumnType,
}

/// The fixed schema of a custom source, inferred at its first ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSchema {
    /// Source (table) name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<CustomColumn>,
}

/// Normalizes a raw JSON field name into a column name.
pub fn column_name(field: &str) -> String {
    let mut out: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

pub(super) fn table(source: &CustomSourceConfig, schema_def: Option<&CustomSchema>) -> TableDef {
    let time_column = column_name(&source.timestamp_field);
    let mut fields = vec![Field::new(&time_column, timestamp_type(), true)];
    let mut docs = vec![(
        time_column.clone(),
        format!("event time (from `{}`)", source.timestamp_field),
    )];
    if let Some(s) = schema_def {
        for c in &s.columns {
            if c.name == time_column {
                continue;
            }
            fields.push(Field::new(&c.name, c.ty.arrow(), true));
            let what = if c.ty == CustomColumnType::Json {
                " (JSON text)"
            } else {
                ""
            };
            docs.push((c.name.clone(), format!("field `{}`{what}", c.field)));
        }
    }
    TableDef {
        name: source.name.clone(),
        description: source
            .description
            .clone()
            .unwrap_or_else(|| format!("custom JSON log source `{}`", source.name)),
        kind: SourceKind::Custom {
            pattern: source.pattern.clone(),
            timestamp_field: source.timestamp_field.clone(),
        },
        time_column,
        schema: schema(fields),
        docs,
    }
}
