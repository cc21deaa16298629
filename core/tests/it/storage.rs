//! The storage seam end to end: raw logs read from one object store, tables
//! written to another and queried from it, the manifest behind its trait.
//! Both stores are in memory, so nothing on the ingest or query path can
//! quietly fall back to the local file system for the tables.

use std::io::Write;
use std::sync::Arc;

use flate2::Compression;
use flate2::write::GzEncoder;
use mantissa_core::catalog::Catalog;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::engine::{QueryEngine, QueryTime};
use mantissa_core::guard::SqlGuard;
use mantissa_core::ingest::manifest::sqlite::SqliteManifestStore;
use mantissa_core::ingest::{IngestOptions, Ingestor, NoProgress, Source};
use mantissa_core::storage::Storage;

use crate::common::{Lake, fixtures};

const STRATUS: &str = "datasets/stratus-red-team-detonation-logs/detonation-logs";

/// The Stratus detonations as CloudTrail delivers them: gzipped, under
/// `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`, beside a README.
async fn raw_bucket() -> (Storage, usize) {
    let raw = Storage::in_memory();
    let mut files = 0;
    for entry in std::fs::read_dir(fixtures().join(STRATUS)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&std::fs::read(&path).unwrap()).unwrap();
        let key = format!(
            "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/111122223333_CloudTrail_{name}.gz"
        );
        raw.put(&key, gz.finish().unwrap()).await.unwrap();
        files += 1;
    }
    raw.put("AWSLogs/README.txt", b"not a log".to_vec())
        .await
        .unwrap();
    (raw, files)
}

/// The Stratus files' CloudTrail records, from the datasets' independent
/// expectations (`tests/fixtures/datasets/expected.json`).
fn expected_stratus_records() -> u64 {
    let text = std::fs::read_to_string(fixtures().join("datasets/expected.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    expected["files"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("stratus-red-team"))
        .map(|(_, v)| v["records"].as_u64().unwrap())
        .sum()
}

#[test]
fn ingest_and_query_through_object_stores_only() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (raw, files) = rt.block_on(raw_bucket());
    let lake = Lake::new();
    let tables = Storage::in_memory();
    let manifest =
        Arc::new(SqliteManifestStore::open(&lake.dir.path().join("state/ingest.db")).unwrap());
    let ingestor = Ingestor::new(&lake.config, tables.clone(), manifest.clone());
    let sources = [Source::Objects {
        storage: raw.clone(),
        prefix: "AWSLogs/111122223333".into(),
    }];

    let report = ingestor
        .ingest(&sources, &IngestOptions::default(), &NoProgress)
        .unwrap();
    assert_eq!(report.files_read as usize, files, "{report:#?}");
    let records = report.records["cloudtrail"];
    assert_eq!(records, expected_stratus_records(), "as from local files");
    assert!(
        !lake.dir.path().join("tables").exists(),
        "no table file was written locally"
    );

    let listed = rt.block_on(tables.list("cloudtrail")).unwrap();
    assert!(!listed.is_empty());
    for o in &listed {
        assert!(
            o.key.starts_with("cloudtrail/dt=20") && o.key.ends_with(".parquet"),
            "{}",
            o.key
        );
    }

    let catalog = Catalog::new(&lake.config, &[]);
    let guard = SqlGuard::new(&catalog, lake.config.engine.max_rows);
    let engine = DataFusionEngine::new(&catalog, &tables, &lake.config.engine).unwrap();
    let sql = guard
        .check("SELECT count(*) AS n, count(DISTINCT dt) AS days FROM cloudtrail")
        .unwrap();
    let time = QueryTime {
        now: mantissa_core::clock::parse_instant("2030-01-01T00:00:00Z").unwrap(),
        as_of: false,
        since: None,
    };
    let rows = rt.block_on(engine.execute(&sql, time)).unwrap().json_rows();
    assert_eq!(rows[0][0], serde_json::json!(records));
    let days = rows[0][1].as_i64().unwrap() as usize;
    assert_eq!(
        days,
        listed
            .iter()
            .map(|o| o.key.split('/').nth(1).unwrap())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );

    // The manifest (behind its trait) makes a second run add nothing.
    let again = Ingestor::new(&lake.config, tables.clone(), manifest)
        .ingest(&sources, &IngestOptions::default(), &NoProgress)
        .unwrap();
    assert_eq!(again.files_skipped as usize, files, "{again:#?}");
    assert_eq!(again.records_total(), 0);
    assert_eq!(
        rt.block_on(tables.list("cloudtrail")).unwrap().len(),
        listed.len()
    );
}

#[test]
fn an_empty_prefix_is_reported_not_fatal() {
    let lake = Lake::new();
    let manifest =
        Arc::new(SqliteManifestStore::open(&lake.dir.path().join("state/ingest.db")).unwrap());
    let report = Ingestor::new(&lake.config, Storage::in_memory(), manifest)
        .ingest(
            &[Source::Objects {
                storage: Storage::in_memory(),
                prefix: "AWSLogs".into(),
            }],
            &IngestOptions::default(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(report.files_failed, 1);
    assert_eq!(
        report.files[0].error.as_deref(),
        Some("holds no log files (.json, .jsonl, .log, .gz, ...)"),
        "{report:#?}"
    );
}
