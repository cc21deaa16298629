//! S3 behind the storage seam, over S3's wire protocol (a local moto
//! server): raw CloudTrail in its native key layout ingested from one
//! bucket into Parquet tables in another, the manifest making a second run
//! a no-op, and the engine conformance suite on tables that live in S3.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use flate2::Compression;
use flate2::write::GzEncoder;
use mantissa_core::catalog::Catalog;
use mantissa_core::config::EngineConfig;
use mantissa_core::conformance;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::guard::Dialect;
use mantissa_core::ingest::manifest::sqlite::SqliteManifestStore;
use mantissa_core::ingest::{IngestOptions, Ingestor, NoProgress, Source};
use mantissa_core::storage::Storage;
use mantissa_core::storage::s3::S3Store;
use mantissa_testkit::moto::{self, Moto};
use url::Url;

use crate::common::{Lake, fixtures};

fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(Moto::start)
}

fn client() -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&moto().sdk_config())
            .force_path_style(true)
            .build(),
    )
}

/// A new bucket and a storage at `s3://<bucket>/<prefix>`.
async fn bucket(name: &str, prefix: &str) -> Storage {
    let c = client();
    c.create_bucket()
        .bucket(name)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    moto::AWS_REGION,
                ))
                .build(),
        )
        .send()
        .await
        .unwrap();
    Storage::with_store(
        Arc::new(S3Store::with_client(name, c)),
        Url::parse(&format!("s3://{name}/")).unwrap(),
        prefix,
    )
}

fn unique(what: &str) -> String {
    format!("{what}-{}-{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_conformance_suite_passes_on_tables_in_s3() {
    let tables = bucket(&unique("tables"), "lake").await;
    let dir = tempfile::tempdir().unwrap();
    let (t, d) = (tables.clone(), dir.path().to_path_buf());
    tokio::task::spawn_blocking(move || {
        conformance::engine::populate(&t, &d, crate::common::scratch_manifest(&d))
    })
    .await
    .unwrap();
    let listed = tables.list("cloudtrail").await.unwrap();
    assert!(
        listed
            .iter()
            .all(|o| o.key.starts_with("cloudtrail/dt=2026-12-0") && o.key.ends_with(".parquet")),
        "{listed:?}"
    );
    let engine =
        DataFusionEngine::new(&Catalog::builtin(), &tables, &EngineConfig::default()).unwrap();
    conformance::engine::run(Arc::new(engine), Dialect::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_cloudtrail_in_its_native_layout_is_ingested_once_into_s3_tables() {
    let raw = bucket(&unique("raw"), "").await;
    let tables = bucket(&unique("tables"), "").await;
    let stratus = fixtures().join("datasets/stratus-red-team-detonation-logs/detonation-logs");
    let mut files = 0;
    for entry in std::fs::read_dir(&stratus).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&std::fs::read(&path).unwrap()).unwrap();
        raw.put(
            &format!("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/111122223333_CloudTrail_us-east-1_{name}.gz"),
            gz.finish().unwrap(),
        )
        .await
        .unwrap();
        files += 1;
    }
    assert!(files > 10);
    let lake = Lake::new();
    let manifest =
        Arc::new(SqliteManifestStore::open(&lake.dir.path().join("state/ingest.db")).unwrap());
    // The whole bucket first (`mantissa ingest s3://<trail-bucket>/`), then
    // one account's prefix: the same files, ingested once.
    let bucket_root = [Source::Objects {
        storage: raw.clone(),
        prefix: String::new(),
    }];
    let sources = [Source::Objects {
        storage: raw.clone(),
        prefix: "AWSLogs/111122223333/CloudTrail".into(),
    }];
    let (config, t, m) = (lake.config.clone(), tables.clone(), manifest.clone());
    let first = {
        let sources = bucket_root;
        tokio::task::spawn_blocking(move || {
            Ingestor::new(&config, t, m)
                .ingest(&sources, &IngestOptions::default(), &NoProgress)
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert_eq!(first.files_read as usize, files, "{first:#?}");
    assert!(first.records["cloudtrail"] > 100);
    let (config, t, m) = (lake.config.clone(), tables.clone(), manifest);
    let again = tokio::task::spawn_blocking(move || {
        Ingestor::new(&config, t, m)
            .ingest(&sources, &IngestOptions::default(), &NoProgress)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(again.files_skipped as usize, files, "{again:#?}");
    assert_eq!(again.records_total(), 0);
    assert!(
        !lake.dir.path().join("tables").exists(),
        "nothing written locally"
    );
    // The tables answer from S3.
    let engine =
        DataFusionEngine::new(&Catalog::builtin(), &tables, &EngineConfig::default()).unwrap();
    let guard = mantissa_core::guard::SqlGuard::new(&Catalog::builtin(), 100);
    let r = mantissa_core::engine::QueryEngine::execute(
        &engine,
        &guard.check("SELECT count(*) AS n FROM cloudtrail").unwrap(),
        mantissa_core::engine::QueryTime::live(chrono::Utc::now()),
    )
    .await
    .unwrap();
    assert_eq!(
        r.json_rows()[0][0],
        serde_json::json!(first.records["cloudtrail"])
    );
}
