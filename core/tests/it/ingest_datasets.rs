//! Ingest of every third-party dataset file (and the malformed fixtures):
//! row counts, quarantine counts and reasons, and field values, checked
//! against `tests/fixtures/datasets/expected.json` (computed independently
//! by `compute_expected.py`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{Lake, fixtures};

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("datasets/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn sql_literal(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => other.to_string(),
    }
}

#[test]
fn every_dataset_file_ingests_as_expected() {
    let exp = expected();
    let files = exp["files"].as_object().unwrap();
    assert!(files.len() >= 50, "{}", files.len());
    let mut failures = Vec::new();
    let mut samples_checked = 0;
    for (rel, e) in files {
        let lake = Lake::new();
        let report = lake.ingest(&[fixtures().join("datasets").join(rel)]);
        let f = &report.files[0];
        let want_records = e["records"].as_u64().unwrap();
        let want_q: BTreeMap<String, u64> = e["reason_counts"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let source = e["source"].as_str();
        if f.records != want_records {
            failures.push(format!(
                "{rel}: {} records, expected {want_records}",
                f.records
            ));
        }
        if f.quarantined != want_q {
            failures.push(format!(
                "{rel}: quarantined {:?}, expected {want_q:?}",
                f.quarantined
            ));
        }
        if want_records > 0 && f.source.as_deref() != source {
            failures.push(format!("{rel}: source {:?}, expected {source:?}", f.source));
        }
        for s in e["samples"].as_array().into_iter().flatten() {
            let table = source.unwrap();
            let filters: Vec<String> = s["row_filter"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(c, v)| format!("{} = {}", quote_path(c), sql_literal(v)))
                .collect();
            let col = s["column"].as_str().unwrap();
            let sql = format!(
                "SELECT {} FROM {table} WHERE {}",
                quote_path(col),
                filters.join(" AND ")
            );
            match lake.try_query(&sql, "2030-01-01T00:00:00Z") {
                Ok(r) => {
                    let rows = r.json_rows();
                    let same = rows.len() == 1
                        && (rows[0][0] == s["value"]
                            || (rows[0][0].as_f64().is_some()
                                && rows[0][0].as_f64() == s["value"].as_f64()));
                    if !same {
                        failures.push(format!(
                            "{rel}: {sql} gave {rows:?}, expected {}",
                            s["value"]
                        ));
                    }
                }
                Err(err) => failures.push(format!("{rel}: {sql}: {err}")),
            }
            samples_checked += 1;
        }
    }
    assert!(samples_checked >= 100, "only {samples_checked} samples");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn quote_path(p: &str) -> String {
    // `end` and other reserved words must be quoted; struct paths stay dotted.
    p.split('.')
        .map(|part| format!("\"{part}\""))
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn whole_dataset_tree_at_once_totals() {
    let exp = expected();
    let lake = Lake::new();
    let report = lake.ingest(&[fixtures().join("datasets")]);
    for table in ["cloudtrail", "vpc_flow", "guardduty"] {
        assert_eq!(
            report.records.get(table).copied().unwrap_or(0),
            exp["totals"][table].as_u64().unwrap(),
            "{table}"
        );
    }
    let noisy: Vec<String> = report
        .files
        .iter()
        .filter(|f| f.quarantined_total() > 0)
        .map(|f| format!("{} {:?}", f.path, f.quarantined))
        .collect();
    // expected.json itself is one JSON object of no known source.
    assert_eq!(
        report.quarantined_total(),
        exp["totals"]["quarantined"].as_u64().unwrap() + 1,
        "{noisy:#?}"
    );
    // Licence files, READMEs and metadata are not read as logs.
    assert!(report.files_ignored >= 10, "{}", report.files_ignored);
    // The quarantine file names file, line and reason for every rejected record.
    let q = std::fs::read_to_string(report.quarantine_file.as_ref().unwrap()).unwrap();
    assert_eq!(q.lines().count() as u64, report.quarantined_total());
    let first: Value = serde_json::from_str(q.lines().next().unwrap()).unwrap();
    for key in ["file", "line", "record", "reason", "detail", "raw"] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
}

#[test]
fn ingest_is_idempotent() {
    let lake = Lake::new();
    let dir = fixtures().join("datasets/stratus-red-team-detonation-logs");
    let first = lake.ingest(std::slice::from_ref(&dir));
    assert_eq!(first.records["cloudtrail"], 310);
    let second = lake.ingest(&[dir]);
    assert_eq!(second.records_total(), 0);
    assert_eq!(second.files_skipped, 35);
    assert_eq!(
        lake.scalar("SELECT count(*) FROM cloudtrail", "2030-01-01T00:00:00Z"),
        serde_json::json!(310)
    );
}

#[test]
fn gzip_is_transparent_and_content_hash_dedups_renamed_copies() {
    let lake = Lake::new();
    let gz = fixtures().join("datasets/malformed/cloudtrail_records.json.gz");
    let copy = lake.dir.path().join("copy-with-another-name.bin");
    std::fs::copy(&gz, &copy).unwrap();
    let r = lake.ingest(&[gz]);
    assert_eq!(r.records["cloudtrail"], 3);
    let r = lake.ingest(&[copy]);
    assert_eq!(r.files_skipped, 1);
}

#[test]
fn forced_source_and_unknown_source() {
    let lake = Lake::new();
    let err = crate::common::ingestor(&lake.config)
        .run(
            &[fixtures().join("handmade")],
            &mantissa_core::ingest::IngestOptions {
                source: Some("cloudtrial".into()),
            },
            &mantissa_core::ingest::NoProgress,
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown source `cloudtrial` (did you mean `cloudtrail`?)"),
        "{err}"
    );
    // A headerless default-format flow log forced as vpc_flow.
    let r = lake.ingest_as(
        &[fixtures()
            .join("datasets/panther-analysis/scenario_compromised_root_creds/attacker_vpc.log")],
        Some("vpc_flow"),
    );
    assert_eq!(r.records["vpc_flow"], 6);
}

#[test]
fn custom_json_source_schema_is_inferred_then_fixed() {
    let mut lake = Lake::new();
    lake.config
        .sources
        .push(mantissa_core::config::CustomSourceConfig {
            name: "app".into(),
            pattern: "**/app-*.jsonl".into(),
            timestamp_field: "ts".into(),
            description: None,
        });
    let dir = lake.dir.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("app-1.jsonl"),
        "{\"ts\":\"2024-03-10T10:00:00Z\",\"user\":\"alice\",\"status\":200,\"latency\":0.5,\"ok\":true,\"ctx\":{\"ip\":\"10.0.0.1\"}}\n\
         {\"ts\":\"2024-03-10T10:01:00Z\",\"user\":\"bob\",\"status\":500,\"latency\":1,\"ok\":false}\n\
         {\"ts\":\"not a time\",\"user\":\"eve\"}\n",
    )
    .unwrap();
    std::fs::write(dir.join("app-2.jsonl"), "{\"ts\":1710064920,\"user\":\"carol\",\"status\":\"oops\",\"new_field\":1}\n{\"ts\":1710064980,\"user\":\"dan\",\"status\":404}\n").unwrap();
    let r = lake.ingest(&[dir]);
    assert_eq!(r.records["app"], 3);
    assert_eq!(r.quarantined["bad timestamp"], 1);
    assert_eq!(r.quarantined["bad value"], 1);
    let rows = lake.query(
        "SELECT \"user\", status, latency, ok, json_extract_scalar(ctx, '$.ip') FROM app WHERE ts <= now() ORDER BY ts",
        "2024-03-10T11:00:00Z",
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        vec![
            serde_json::json!("alice"),
            serde_json::json!(200),
            serde_json::json!(0.5),
            serde_json::json!(true),
            serde_json::json!("10.0.0.1")
        ]
    );
    assert_eq!(rows[2][0], serde_json::json!("dan"));
}

#[test]
fn guardduty_envelopes_and_arrays() {
    let lake = Lake::new();
    let h = fixtures().join("handmade");
    let r = lake.ingest(&[
        h.join("guardduty_eventbridge.json"),
        h.join("guardduty_eventbridge.jsonl"),
        h.join("guardduty_array.json"),
    ]);
    assert_eq!(r.records["guardduty"], 5, "{:?}", r.files);
    assert_eq!(r.quarantined_total(), 0);
    let rows = lake.query(
        "SELECT id, count(*), max(severity) FROM guardduty GROUP BY id ORDER BY id",
        "2030-01-01T00:00:00Z",
    );
    assert_eq!(
        rows,
        vec![
            vec![
                serde_json::json!("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"),
                serde_json::json!(3),
                serde_json::json!(8.0)
            ],
            vec![
                serde_json::json!("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"),
                serde_json::json!(2),
                serde_json::json!(2.5)
            ],
        ]
    );
}

/// Every string column of a written file, nested struct fields included,
/// carries `Utf8View` in the file's Arrow schema, so the Parquet reader
/// decodes views directly (DataFusion asks for views only at the top level).
#[test]
fn written_files_declare_string_views_at_every_level() {
    use datafusion::arrow::datatypes::DataType;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn strings(t: &DataType, path: &str, out: &mut Vec<String>) {
        match t {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                out.push(format!("{path}: {t}"))
            }
            DataType::Struct(fields) => {
                for f in fields {
                    strings(f.data_type(), &format!("{path}.{}", f.name()), out);
                }
            }
            DataType::List(f) => strings(f.data_type(), &format!("{path}[]"), out),
            _ => {}
        }
    }

    let lake = Lake::new();
    lake.ingest(&[fixtures().join("datasets/stratus-red-team-detonation-logs")]);
    let file = walkdir(&lake.dir.path().join("tables/cloudtrail"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .expect("a cloudtrail Parquet file");
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap()).unwrap();
    let mut columns = Vec::new();
    for f in reader.schema().fields() {
        strings(f.data_type(), f.name(), &mut columns);
    }
    assert!(
        columns.iter().any(|c| c.starts_with("useridentity.arn:")),
        "{columns:?}"
    );
    let plain: Vec<&String> = columns
        .iter()
        .filter(|c| !c.ends_with("Utf8View"))
        .collect();
    assert!(
        plain.is_empty(),
        "string columns not declared as views: {plain:?}"
    );
}

fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out
}
