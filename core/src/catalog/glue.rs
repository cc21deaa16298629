//! Glue table definitions generated from the catalog, so the tables Athena
//! queries and the ones the embedded engine reads cannot drift: the same
//! columns in the same order with the same types, Parquet files under
//! `<location>/<table>/dt=YYYY-MM-DD/`, and partition projection on `dt`
//! (no crawler, no `ALTER TABLE ADD PARTITION`: a new day is queryable as
//! soon as ingest writes it).
//!
//! [`table_input`] is Glue's `TableInput` (the body of `CreateTable` /
//! `UpdateTable`, and what Terraform's `aws_glue_catalog_table` is made
//! from); `mantissa tables --glue` prints them. [`table_def`] reads one
//! back (what an Athena-protocol server does with a Glue table), and
//! [`arrow_type`] is [`hive_type`]'s inverse on the types the catalog uses.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{PARTITION_COLUMN, SourceKind, TableDef, timestamp_type};
use crate::arrow::datatypes::{DataType, Field, Fields, Schema};

/// The table parameter naming the event-time column (Glue keeps any
/// parameter; Athena ignores this one).
pub const TIME_COLUMN_PARAMETER: &str = "mantissa.time_column";

/// The first day partition projection enumerates.
pub const PROJECTION_START: &str = "2015-01-01";

/// The Hive/Glue type of an Arrow type (what Athena DDL calls it).
pub fn hive_type(t: &DataType) -> String {
    match t {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 | DataType::UInt8 | DataType::UInt16 => "int".into(),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "bigint".into(),
        DataType::Float16 | DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p},{s})"),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(..) => "timestamp".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "binary".into(),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            format!("array<{}>", hive_type(f.data_type()))
        }
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), hive_type(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{},{}>",
                hive_type(kv[0].data_type()),
                hive_type(kv[1].data_type())
            ),
            _ => "map<string,string>".into(),
        },
        DataType::Dictionary(_, value) => hive_type(value),
        _ => "string".into(),
    }
}

/// Glue's `TableInput` for `table`, its files under `location` (`s3://bucket/prefix`).
pub fn table_input(table: &TableDef, location: &str) -> Value {
    let base = format!("{}/{}", location.trim_end_matches('/'), table.name);
    let columns: Vec<Value> = table
        .schema
        .fields()
        .iter()
        .map(|f| {
            let mut c = json!({"Name": f.name(), "Type": hive_type(f.data_type())});
            if let Some(doc) = table.doc(f.name()) {
                // Glue limits comments to 255 characters.
                c["Comment"] = json!(doc.chars().take(255).collect::<String>());
            }
            c
        })
        .collect();
    json!({
        "Name": table.name,
        "Description": table.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "classification": "parquet",
            "EXTERNAL": "TRUE",
            "projection.enabled": "true",
            format!("projection.{PARTITION_COLUMN}.type"): "date",
            format!("projection.{PARTITION_COLUMN}.format"): "yyyy-MM-dd",
            format!("projection.{PARTITION_COLUMN}.range"): format!("{PROJECTION_START},NOW"),
            format!("projection.{PARTITION_COLUMN}.interval"): "1",
            format!("projection.{PARTITION_COLUMN}.interval.unit"): "DAYS",
            "storage.location.template": format!("{base}/{PARTITION_COLUMN}=${{{PARTITION_COLUMN}}}/"),
            TIME_COLUMN_PARAMETER: table.time_column,
        },
        "PartitionKeys": [{"Name": PARTITION_COLUMN, "Type": "string"}],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": format!("{base}/"),
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                "Parameters": {"serialization.format": "1"},
            },
        },
    })
}

/// The catalog's tables as Terraform JSON (`aws_glue_catalog_table`, one
/// per table, in the module's database with files under
/// `s3://${var.tables_bucket}/<table>/`): the checked-in
/// `terraform/modules/catalog/tables.tf.json`, so the deployed tables and
/// the catalog cannot drift (a test compares them).
pub fn terraform(tables: &[std::sync::Arc<TableDef>]) -> Value {
    let mut resources = serde_json::Map::new();
    for table in tables {
        let input = table_input(table, "s3://${var.tables_bucket}");
        let sd = &input["StorageDescriptor"];
        let columns: Vec<Value> = sd["Columns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let mut col = json!({"name": c["Name"], "type": c["Type"]});
                if let Some(comment) = c["Comment"].as_str() {
                    // Terraform would read `${` as an interpolation.
                    col["comment"] = json!(comment.replace("${", "$${"));
                }
                col
            })
            .collect();
        let parameters: serde_json::Map<String, Value> = input["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let v = v.as_str().unwrap_or_default();
                // `${dt}` is Athena's projection placeholder, not Terraform's.
                let v = v.replace(
                    &format!("${{{PARTITION_COLUMN}}}"),
                    &format!("$${{{PARTITION_COLUMN}}}"),
                );
                (k.clone(), json!(v))
            })
            .collect();
        resources.insert(
            table.name.clone(),
            json!({
                "name": table.name,
                "database_name": "${aws_glue_catalog_database.logs.name}",
                "description": table.description,
                "table_type": "EXTERNAL_TABLE",
                "parameters": parameters,
                "partition_keys": [{"name": PARTITION_COLUMN, "type": "string"}],
                "storage_descriptor": {
                    "location": sd["Location"],
                    "input_format": sd["InputFormat"],
                    "output_format": sd["OutputFormat"],
                    "ser_de_info": {
                        "serialization_library": sd["SerdeInfo"]["SerializationLibrary"],
                        "parameters": sd["SerdeInfo"]["Parameters"],
                    },
                    "columns": columns,
                },
            }),
        );
    }
    json!({
        "//": "Generated from the catalog (core/src/catalog) by the test `terraform_files_match_the_catalog_and_store_design`; do not edit: MANTISSA_UPDATE_TERRAFORM=1 cargo test -p mantissa-core --all-features --test it terraform",
        "output": {
            "table_arns": {
                "description": "Every log table's ARN (for IAM).",
                "value": tables.iter().map(|t| format!("${{aws_glue_catalog_table.{}.arn}}", t.name)).collect::<Vec<_>>(),
            },
        },
        "resource": {"aws_glue_catalog_table": resources},
    })
}

/// A Glue type that is not one the catalog writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported Glue column type `{ty}` at `{at}`: expected string, bigint, int, double, boolean, timestamp, date, array<…>, struct<…> or map<…>"
)]
pub struct HiveTypeError {
    /// The type text.
    pub ty: String,
    /// Where in it parsing stopped.
    pub at: String,
}

/// The Arrow type of a Glue/Hive type, as the catalog declares it (every
/// field nullable, list items named `item`, timestamps UTC microseconds).
pub fn arrow_type(hive: &str) -> Result<DataType, HiveTypeError> {
    let mut p = HiveParser { s: hive, pos: 0 };
    let t = p.parse()?;
    match p.rest().is_empty() {
        true => Ok(t),
        false => Err(p.error()),
    }
}

struct HiveParser<'a> {
    s: &'a str,
    pos: usize,
}

impl HiveParser<'_> {
    fn rest(&self) -> &str {
        self.s[self.pos..].trim_start()
    }

    fn error(&self) -> HiveTypeError {
        HiveTypeError {
            ty: self.s.into(),
            at: self.rest().into(),
        }
    }

    fn eat(&mut self, c: char) -> Result<(), HiveTypeError> {
        self.pos = self.s.len() - self.rest().len();
        match self.s[self.pos..].starts_with(c) {
            true => {
                self.pos += c.len_utf8();
                Ok(())
            }
            false => Err(self.error()),
        }
    }

    fn word(&mut self) -> String {
        self.pos = self.s.len() - self.rest().len();
        let len = self.s[self.pos..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.s.len() - self.pos);
        let w = &self.s[self.pos..self.pos + len];
        self.pos += len;
        w.to_ascii_lowercase()
    }

    fn parse(&mut self) -> Result<DataType, HiveTypeError> {
        self.pos = self.s.len() - self.rest().len();
        let start = self.pos;
        let word = self.word();
        Ok(match word.as_str() {
            "string" | "varchar" | "char" => {
                if self.rest().starts_with('(') {
                    self.eat('(')?;
                    self.word();
                    self.eat(')')?;
                }
                DataType::Utf8
            }
            "bigint" => DataType::Int64,
            "int" | "integer" => DataType::Int32,
            "smallint" => DataType::Int16,
            "tinyint" => DataType::Int8,
            "double" => DataType::Float64,
            "float" => DataType::Float32,
            "boolean" => DataType::Boolean,
            "timestamp" => timestamp_type(),
            "date" => DataType::Date32,
            "binary" => DataType::Binary,
            "array" => {
                self.eat('<')?;
                let item = self.parse()?;
                self.eat('>')?;
                DataType::List(Arc::new(Field::new("item", item, true)))
            }
            "map" => {
                self.eat('<')?;
                let key = self.parse()?;
                self.eat(',')?;
                let value = self.parse()?;
                self.eat('>')?;
                let entries = Fields::from(vec![
                    Field::new("key", key, false),
                    Field::new("value", value, true),
                ]);
                DataType::Map(
                    Arc::new(Field::new("entries", DataType::Struct(entries), false)),
                    false,
                )
            }
            "struct" => {
                self.eat('<')?;
                let mut fields = Vec::new();
                loop {
                    let name = self.word();
                    if name.is_empty() {
                        return Err(self.error());
                    }
                    self.eat(':')?;
                    fields.push(Field::new(name, self.parse()?, true));
                    if self.rest().starts_with(',') {
                        self.eat(',')?;
                    } else {
                        break;
                    }
                }
                self.eat('>')?;
                DataType::Struct(Fields::from(fields))
            }
            _ => {
                self.pos = start;
                return Err(self.error());
            }
        })
    }
}

/// A Glue table's definition as the catalog's [`TableDef`]: `columns` are
/// (name, Glue type, comment), `time_column` the
/// [`TIME_COLUMN_PARAMETER`] (else the first timestamp column).
pub fn table_def(
    name: &str,
    description: &str,
    columns: &[(String, String, Option<String>)],
    time_column: Option<&str>,
) -> Result<TableDef, HiveTypeError> {
    let mut fields = Vec::with_capacity(columns.len());
    let mut docs = Vec::new();
    for (column, ty, comment) in columns {
        if column == PARTITION_COLUMN {
            continue;
        }
        fields.push(Field::new(column, arrow_type(ty)?, true));
        if let Some(c) = comment {
            docs.push((column.clone(), c.clone()));
        }
    }
    let time_column = time_column
        .map(str::to_string)
        .or_else(|| {
            fields
                .iter()
                .find(|f| matches!(f.data_type(), DataType::Timestamp(..)))
                .map(|f| f.name().clone())
        })
        .unwrap_or_default();
    let builtin = super::Catalog::builtin();
    let kind = match builtin.get(name) {
        Some(t) => t.kind.clone(),
        None => SourceKind::Custom {
            pattern: String::new(),
            timestamp_field: time_column.clone(),
        },
    };
    Ok(TableDef {
        name: name.into(),
        description: description.into(),
        kind,
        time_column,
        schema: Arc::new(Schema::new(fields)),
        docs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn every_builtin_table_maps_every_column_with_projection_on_dt() {
        for table in Catalog::builtin().tables() {
            let t = table_input(table, "s3://mantissa-tables/");
            let columns = t["StorageDescriptor"]["Columns"].as_array().unwrap();
            assert_eq!(columns.len(), table.schema.fields().len(), "{}", table.name);
            for (c, f) in columns.iter().zip(table.schema.fields()) {
                assert_eq!(c["Name"], json!(f.name()));
                let ty = c["Type"].as_str().unwrap();
                assert!(!ty.is_empty() && !ty.contains("null"), "{}: {ty}", f.name());
            }
            assert_eq!(
                t["Parameters"]["storage.location.template"],
                json!(format!("s3://mantissa-tables/{}/dt=${{dt}}/", table.name))
            );
            assert_eq!(t["PartitionKeys"][0]["Name"], "dt");
        }
        let ct = Catalog::builtin();
        let ct = table_input(ct.get("cloudtrail").unwrap(), "s3://b/lake");
        let types: Vec<(String, String)> = ct["StorageDescriptor"]["Columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["Name"].as_str().unwrap().into(),
                    c["Type"].as_str().unwrap().into(),
                )
            })
            .collect();
        let ty = |n: &str| types.iter().find(|(c, _)| c == n).unwrap().1.clone();
        assert_eq!(ty("eventtime"), "timestamp");
        assert!(
            ty("useridentity").starts_with("struct<type:string,"),
            "{}",
            ty("useridentity")
        );
        assert!(
            ty("resources").starts_with("array<struct<"),
            "{}",
            ty("resources")
        );
    }

    /// What Glue stores reads back as the catalog's own schema, so a server
    /// reading Glue sees the same tables the embedded engine does.
    #[test]
    fn every_builtin_table_reads_back_from_its_glue_definition() {
        for table in Catalog::builtin().tables() {
            let t = table_input(table, "s3://mantissa-tables/");
            let columns: Vec<(String, String, Option<String>)> = t["StorageDescriptor"]["Columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["Name"].as_str().unwrap().into(),
                        c["Type"].as_str().unwrap().into(),
                        c["Comment"].as_str().map(Into::into),
                    )
                })
                .collect();
            let back = table_def(
                &table.name,
                &table.description,
                &columns,
                t["Parameters"][TIME_COLUMN_PARAMETER].as_str(),
            )
            .unwrap();
            assert_eq!(back.schema, table.schema, "{}", table.name);
            assert_eq!(back.time_column, table.time_column);
            assert_eq!(back.kind, table.kind);
        }
    }

    #[test]
    fn glue_types_parse_or_name_what_they_could_not() {
        assert_eq!(
            arrow_type("map<string,array<bigint>>").unwrap(),
            DataType::Map(
                Arc::new(Field::new(
                    "entries",
                    DataType::Struct(Fields::from(vec![
                        Field::new("key", DataType::Utf8, false),
                        Field::new(
                            "value",
                            DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
                            true
                        ),
                    ])),
                    false
                )),
                false
            )
        );
        assert_eq!(arrow_type("varchar(64)").unwrap(), DataType::Utf8);
        let e = arrow_type("struct<a:string,b:uniontype<int>>").unwrap_err();
        assert_eq!(e.at, "uniontype<int>>");
        assert!(arrow_type("array<string").is_err());
        assert!(arrow_type("string extra").is_err());
    }
}
