//! The log catalog: which tables exist, their columns, types and meaning.
//!
//! Column names and nesting follow the AWS-documented Athena DDL for each
//! source, all lower case, so SQL from AWS docs and analysts' muscle memory
//! runs unchanged. Every table is partitioned by day (`dt = 'YYYY-MM-DD'`)
//! and has one event-time column that drives partition pruning.

mod cloudtrail;
mod custom;
pub mod glue;
#[cfg(feature = "glue")]
pub mod glue_catalog;
mod guardduty;
mod vpc_flow;

/// The VPC Flow Logs field list, shared with the ingest parser.
pub mod vpc_flow_fields {
    pub use super::vpc_flow::{DEFAULT_FORMAT, FIELDS, FlowType, field_index};
}

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

pub use custom::{CustomColumn, CustomColumnType, CustomSchema, column_name as custom_column_name};

use crate::config::Config;

/// Name of the day partition column present in every table.
pub const PARTITION_COLUMN: &str = "dt";

/// The Arrow type of every event-time column: microseconds, UTC.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// What kind of log a table holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// AWS CloudTrail management and data events.
    CloudTrail,
    /// Amazon VPC Flow Logs (text records, default or custom format).
    VpcFlow,
    /// Amazon GuardDuty findings.
    GuardDuty,
    /// A custom JSON application log declared in the configuration.
    Custom {
        /// Glob matched against file paths to route files to this source.
        pattern: String,
        /// The field holding the event time in the raw records.
        timestamp_field: String,
    },
}

/// One log table.
#[derive(Debug, Clone)]
pub struct TableDef {
    /// Table name as used in SQL.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Kind of source feeding this table.
    pub kind: SourceKind,
    /// The event-time column (a UTC timestamp) that drives day partitioning.
    pub time_column: String,
    /// Schema of the data files (without the `dt` partition column).
    pub schema: SchemaRef,
    /// Descriptions keyed by dotted column path (`useridentity.type`).
    pub docs: Vec<(String, String)>,
}

impl TableDef {
    /// Description of a column path, if documented.
    pub fn doc(&self, path: &str) -> Option<&str> {
        self.docs
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, d)| d.as_str())
    }

    /// Every column path, structs expanded (`useridentity`, `useridentity.type`, …),
    /// with its SQL type name and description; the partition column last.
    pub fn columns(&self) -> Vec<ColumnInfo> {
        let mut out = Vec::new();
        for f in self.schema.fields() {
            self.walk(f, String::new(), &mut out);
        }
        out.push(ColumnInfo {
            path: PARTITION_COLUMN.into(),
            sql_type: "varchar".into(),
            description: "day partition of the event time, 'YYYY-MM-DD' (filter on it to prune files)"
                .into(),
        });
        out
    }

    fn walk(&self, field: &Field, prefix: String, out: &mut Vec<ColumnInfo>) {
        let path = if prefix.is_empty() {
            field.name().clone()
        } else {
            format!("{prefix}.{}", field.name())
        };
        out.push(ColumnInfo {
            path: path.clone(),
            sql_type: sql_type_name(field.data_type()),
            description: self.doc(&path).unwrap_or("").to_string(),
        });
        if let DataType::Struct(children) = field.data_type() {
            for c in children {
                self.walk(c, path.clone(), out);
            }
        }
    }
}

/// A column as shown by `mantissa schema`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    /// Dotted path, e.g. `useridentity.principalid`.
    pub path: String,
    /// Athena-style type name, e.g. `varchar`, `timestamp`, `array(row(...))`.
    pub sql_type: String,
    /// One-line description.
    pub description: String,
}

/// `t` with every string type as `Utf8View`, nested ones included.
///
/// The engine reads strings as views (DataFusion decodes and groups them
/// faster, and views into a Parquet dictionary page repeat for repeated
/// values). Ingest writes each file's Arrow schema with these types too:
/// DataFusion asks the Parquet reader for views only for top-level columns,
/// so without that hint a struct field such as `useridentity.arn` would be
/// decoded into a plain string array and then copied into views.
pub fn string_view_type(t: &DataType) -> DataType {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| {
                    f.as_ref()
                        .clone()
                        .with_data_type(string_view_type(f.data_type()))
                })
                .collect::<Vec<_>>()
                .into(),
        ),
        DataType::List(f) => DataType::List(Arc::new(
            f.as_ref()
                .clone()
                .with_data_type(string_view_type(f.data_type())),
        )),
        other => other.clone(),
    }
}

/// `schema` with [`string_view_type`] applied to every field.
pub fn string_view_schema(schema: &Schema) -> Schema {
    Schema::new_with_metadata(
        schema
            .fields()
            .iter()
            .map(|f| {
                f.as_ref()
                    .clone()
                    .with_data_type(string_view_type(f.data_type()))
            })
            .collect::<Vec<_>>(),
        schema.metadata().clone(),
    )
}

/// Athena (Trino) style name of an Arrow type.
pub fn sql_type_name(t: &DataType) -> String {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "varchar".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "integer".into(),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "bigint".into(),
        DataType::Float32 => "real".into(),
        DataType::Float64 => "double".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Dictionary(_, values) => sql_type_name(values),
        DataType::List(f) | DataType::LargeList(f) => {
            format!("array({})", sql_type_name(f.data_type()))
        }
        DataType::Struct(fields) => format!(
            "row({})",
            fields
                .iter()
                .map(|f| format!("{} {}", f.name(), sql_type_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string().to_lowercase(),
    }
}

/// The set of tables known to this installation.
#[derive(Debug, Clone)]
pub struct Catalog {
    tables: Vec<Arc<TableDef>>,
}

impl Catalog {
    /// The built-in tables plus the custom sources declared in `config`, whose
    /// schemas are read from `custom_schemas` (inferred at first ingest).
    pub fn new(config: &Config, custom_schemas: &[CustomSchema]) -> Self {
        let mut tables = vec![
            Arc::new(cloudtrail::table()),
            Arc::new(vpc_flow::table()),
            Arc::new(guardduty::table()),
        ];
        for source in &config.sources {
            let schema = custom_schemas.iter().find(|s| s.name == source.name);
            tables.push(Arc::new(custom::table(source, schema)));
        }
        Self { tables }
    }

    /// A catalog of exactly `tables` (read from elsewhere, e.g. Glue).
    pub fn from_tables(tables: Vec<TableDef>) -> Self {
        Self {
            tables: tables.into_iter().map(Arc::new).collect(),
        }
    }

    /// The built-in tables only.
    pub fn builtin() -> Self {
        Self::new(&Config::default(), &[])
    }

    /// All tables, built-in first.
    pub fn tables(&self) -> &[Arc<TableDef>] {
        &self.tables
    }

    /// Looks a table up by name, case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Arc<TableDef>> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// Table names, comma separated, for error messages.
    pub fn names(&self) -> String {
        self.tables
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names())
    }
}

/// A nullable `varchar` field.
pub(crate) fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

/// A nullable struct field.
pub(crate) fn strukt(name: &str, fields: Vec<Field>) -> Field {
    Field::new(name, DataType::Struct(Fields::from(fields)), true)
}

/// A nullable timestamp field.
pub(crate) fn ts(name: &str) -> Field {
    Field::new(name, timestamp_type(), true)
}

/// Builds a schema from fields.
pub(crate) fn schema(fields: Vec<Field>) -> SchemaRef {
    Arc::new(Schema::new(fields))
}

/// Owned docs from a static list.
pub(crate) fn docs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

impl Catalog {
    /// The table of a custom source with a (newly inferred) schema.
    pub fn custom_table(base: &TableDef, schema: &CustomSchema) -> TableDef {
        let SourceKind::Custom {
            pattern,
            timestamp_field,
        } = &base.kind
        else {
            return base.clone();
        };
        let source = crate::config::CustomSourceConfig {
            name: base.name.clone(),
            pattern: pattern.clone(),
            timestamp_field: timestamp_field.clone(),
            description: Some(base.description.clone()),
        };
        custom::table(&source, Some(schema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_column_is_documented() {
        for t in Catalog::builtin().tables() {
            for c in t.columns() {
                assert!(
                    !c.description.is_empty(),
                    "{}.{} has no description",
                    t.name,
                    c.path
                );
            }
        }
    }

    #[test]
    fn column_names_are_lower_case() {
        for t in Catalog::builtin().tables() {
            for c in t.columns() {
                assert_eq!(c.path, c.path.to_lowercase(), "{}", t.name);
            }
        }
    }

    #[test]
    fn type_names_are_athena_style() {
        let ct = Catalog::builtin();
        let ct = ct.get("CloudTrail").unwrap();
        let cols = ct.columns();
        let find = |p: &str| cols.iter().find(|c| c.path == p).unwrap().sql_type.clone();
        assert_eq!(find("eventtime"), "timestamp");
        assert_eq!(
            find("resources"),
            "array(row(arn varchar, accountid varchar, type varchar))"
        );
        assert_eq!(find("useridentity.principalid"), "varchar");
    }
}
