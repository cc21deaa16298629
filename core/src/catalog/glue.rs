//! Glue table definitions generated from the catalog, so the tables Athena
//! queries and the ones the embedded engine reads cannot drift: the same
//! columns in the same order with the same types, Parquet files under
//! `<location>/<table>/dt=YYYY-MM-DD/`, and partition projection on `dt`
//! (no crawler, no `ALTER TABLE ADD PARTITION`: a new day is queryable as
//! soon as ingest writes it).
//!
//! [`table_input`] is Glue's `TableInput` (the body of `CreateTable` /
//! `UpdateTable`, and what Terraform's `aws_glue_catalog_table` is made
//! from); `mantissa tables --glue` prints them.

use serde_json::{Value, json};

use super::{PARTITION_COLUMN, TableDef};
use crate::arrow::datatypes::DataType;

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
}
