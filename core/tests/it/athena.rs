//! The Athena engine over Athena's wire protocol: a local Athena-protocol
//! server (test kit) in front of the embedded engine over the same tables,
//! so the client's whole path is real HTTP: start, polls through QUEUED and
//! RUNNING, paged results, stop, the workgroup's cutoff, result reuse,
//! throttling. The engine conformance suite runs on it unchanged.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_athena::config::{BehaviorVersion, Credentials, Region};
use chrono::{TimeZone, Utc};
use mantissa_core::catalog::Catalog;
use mantissa_core::config::EngineConfig;
use mantissa_core::conformance;
use mantissa_core::engine::athena::AthenaEngine;
use mantissa_core::engine::datafusion::DataFusionEngine;
use mantissa_core::engine::{EngineError, QueryEngine, QueryTime};
use mantissa_core::guard::{Dialect, SqlGuard};
use mantissa_core::storage::Storage;
use mantissa_testkit::athena::{AthenaFake, AthenaTable, Runner};

/// The tables, the server, and the days each query the server ran read.
struct Setup {
    _dir: tempfile::TempDir,
    fake: AthenaFake,
    days: Arc<Mutex<Vec<Vec<String>>>>,
}

async fn setup(queued: Duration, running: Duration) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let tables = Storage::in_memory();
    let (t, d) = (tables.clone(), dir.path().to_path_buf());
    tokio::task::spawn_blocking(move || {
        conformance::engine::populate(&t, &d, crate::common::scratch_manifest(&d))
    })
    .await
    .unwrap();
    let catalog = Catalog::builtin();
    let engine: Arc<dyn QueryEngine> =
        Arc::new(DataFusionEngine::new(&catalog, &tables, &EngineConfig::default()).unwrap());
    let days = Arc::new(Mutex::new(Vec::new()));
    let seen = days.clone();
    let runner: Runner = Arc::new(move |q| {
        let (engine, catalog, seen) = (engine.clone(), catalog.clone(), seen.clone());
        Box::pin(async move {
            let text =
                conformance::engine::run_as_athena(engine.as_ref(), &catalog, &q.sql).await?;
            seen.lock().unwrap().push(text.days.clone());
            Ok(AthenaTable {
                columns: text.columns,
                rows: text.rows,
                bytes_scanned: text.bytes_scanned,
            })
        })
    });
    let fake = AthenaFake::start(runner, queued, running).await;
    fake.workgroup("mantissa", Some(10_000_000_000), true);
    Setup {
        _dir: dir,
        fake,
        days,
    }
}

fn client(url: &str) -> aws_sdk_athena::Client {
    aws_sdk_athena::Client::from_conf(
        aws_sdk_athena::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(url)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .build(),
    )
}

fn engine_config() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.athena.poll_initial_ms = 5;
    config.athena.poll_max_ms = 50;
    config
}

fn guard() -> SqlGuard {
    SqlGuard::new(&Catalog::builtin(), 10_000).with_dialect(Dialect::Athena)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_athena_engine_passes_the_engine_conformance_suite() {
    let s = setup(Duration::from_millis(20), Duration::from_millis(20)).await;
    let engine = AthenaEngine::with_client(client(s.fake.url()), &engine_config());
    assert_eq!(engine.verify().await.unwrap(), 10_000_000_000);
    conformance::engine::run(Arc::new(engine), Dialect::Athena).await;
    // Every query passed through QUEUED and RUNNING on its way to the end.
    for e in s.fake.executions() {
        assert!(
            e.polled.iter().any(|p| p == "RUNNING") || e.polled.iter().any(|p| p == "QUEUED"),
            "{:?}",
            e.polled
        );
    }
    let calls = s.fake.calls();
    assert!(
        calls.iter().filter(|c| *c == "GetQueryResults").count() >= 3,
        "{calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_day_question_reads_three_partitions_and_reports_its_cost() {
    let s = setup(Duration::from_millis(5), Duration::from_millis(5)).await;
    let engine = AthenaEngine::with_client(client(s.fake.url()), &engine_config());
    // "last 3 days" asked on 2026-12-03 at 23:00 covers 12-01 23:00 to now.
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0).unwrap();
    let sql = guard()
        .check("SELECT eventname, count(*) AS n FROM cloudtrail WHERE eventtime >= current_timestamp - INTERVAL '2' DAY GROUP BY eventname")
        .unwrap();
    let result = engine.execute(&sql, QueryTime::live(now)).await.unwrap();
    let sent = &s.fake.executions()[0].query.sql;
    assert!(sent.contains("dt >= '2026-12-01'"), "{sent}");
    assert!(
        !sent.contains("now()") && !sent.contains("current_timestamp"),
        "{sent}"
    );
    assert_eq!(
        s.days.lock().unwrap()[0],
        ["2026-12-01", "2026-12-02", "2026-12-03"],
        "partitions read"
    );
    let scan = result.scan.unwrap();
    assert!(scan.bytes > 0);
    let shown = scan.to_string();
    assert!(
        shown.starts_with("scanned ") && shown.contains("≈ $"),
        "{shown}"
    );
    // 10 MB minimum: $0.00005.
    assert_eq!(scan.usd, Some(0.00005));

    // A rule's 1-hour window at 00:30 reads 2 days, never the third.
    let rule = guard()
        .check("SELECT count(*) AS n FROM cloudtrail")
        .unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 3, 0, 30, 0).unwrap();
    engine
        .execute(&rule, QueryTime::window(at, Duration::from_secs(3600)))
        .await
        .unwrap();
    assert_eq!(s.days.lock().unwrap()[1], ["2026-12-02", "2026-12-03"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reuse_throttling_cutoff_timeout_and_workgroup_checks() {
    let s = setup(Duration::from_millis(5), Duration::from_millis(5)).await;
    let engine = AthenaEngine::with_client(client(s.fake.url()), &engine_config());
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap();
    let sql = guard()
        .check("SELECT count(*) AS n FROM cloudtrail")
        .unwrap();

    // Throttled starts are retried with the same request token.
    s.fake.throttle_starts(2);
    let first = engine.execute(&sql, QueryTime::live(now)).await.unwrap();
    assert!(!first.scan.as_ref().unwrap().reused);
    // The identical query is answered from the earlier result, for free.
    let again = engine.execute(&sql, QueryTime::live(now)).await.unwrap();
    let scan = again.scan.clone().unwrap();
    assert!(scan.reused && scan.usd == Some(0.0), "{scan:?}");
    assert_eq!(again.json_rows(), first.json_rows());

    // Over the workgroup's cutoff: cancelled by Athena, a clear error.
    s.fake.workgroup("tiny", Some(10), true);
    let mut config = engine_config();
    config.athena.workgroup = "tiny".into();
    let tiny = AthenaEngine::with_client(client(s.fake.url()), &config);
    let wide = guard()
        .check("SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY eventname")
        .unwrap();
    let e = tiny.execute(&wide, QueryTime::live(now)).await.unwrap_err();
    assert!(matches!(e, EngineError::ResourcesExhausted(_)), "{e:?}");
    assert!(e.to_string().contains("cutoff"), "{e}");

    // Past the time limit the query is stopped, not left scanning.
    let slow = setup(Duration::from_millis(10), Duration::from_secs(30)).await;
    let mut config = engine_config();
    config.query_timeout_secs = 1;
    let impatient = AthenaEngine::with_client(client(slow.fake.url()), &config);
    let e = impatient
        .execute(&sql, QueryTime::live(now))
        .await
        .unwrap_err();
    assert!(matches!(e, EngineError::Timeout(1)), "{e:?}");
    mantissa_testkit::wait::at_least_async(1, || {
        let mut calls = slow.fake.calls();
        calls.retain(|c| c == "StopQueryExecution");
        calls
    })
    .await;
    assert_eq!(slow.fake.executions()[0].state, "CANCELLED");

    // Start-up checks: a workgroup without a cutoff, or not enforcing it,
    // or missing, is refused with the fix.
    s.fake.workgroup("open", None, true);
    s.fake.workgroup("lax", Some(10_000_000_000), false);
    for (name, expect) in [
        ("open", "BytesScannedCutoffPerQuery"),
        ("lax", "EnforceWorkGroupConfiguration"),
        ("missing", "is not found"),
    ] {
        let mut config = engine_config();
        config.athena.workgroup = name.into();
        let e = AthenaEngine::with_client(client(s.fake.url()), &config)
            .verify()
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains(expect), "{name}: {e}");
    }
}

/// moto's Athena (an implementation of the wire protocol that is not ours)
/// runs no SQL but returns queued result sets: the client's reading of
/// the workgroup, the header row, types from `ColumnInfo` and NULL versus
/// the empty string are checked against it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_athena_client_reads_moto_athenas_typed_results() {
    use aws_sdk_athena::types::{ResultConfiguration, WorkGroupConfiguration};
    use mantissa_core::engine::result::to_text;
    use mantissa_testkit::moto::{self, Moto};

    let moto = Moto::start();
    let athena = aws_sdk_athena::Client::new(&moto.sdk_config());
    athena
        .create_work_group()
        .name("moto-wg")
        .configuration(
            WorkGroupConfiguration::builder()
                .enforce_work_group_configuration(true)
                .bytes_scanned_cutoff_per_query(10_000_000)
                .result_configuration(
                    ResultConfiguration::builder()
                        .output_location("s3://results/")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let column =
        |name: &str, ty: &str| serde_json::json!({"Name": name, "Label": name, "Type": ty});
    let cell = |v: Option<&str>| match v {
        Some(v) => serde_json::json!({"VarCharValue": v}),
        None => serde_json::json!({}),
    };
    let row = |values: [Option<&str>; 5]| serde_json::json!({"Data": values.map(cell)});
    let queued = serde_json::json!({
        "account_id": "123456789012",
        "region": moto::AWS_REGION,
        "results": [{
            "column_info": [
                column("eventname", "varchar"),
                column("n", "bigint"),
                column("ratio", "double"),
                column("failed", "boolean"),
                column("first_seen", "timestamp"),
            ],
            "rows": [
                row([Some("eventname"), Some("n"), Some("ratio"), Some("failed"), Some("first_seen")]),
                row([Some("ConsoleLogin"), Some("7"), Some("0.5"), Some("true"), Some("2026-12-01 10:00:00.000")]),
                row([Some(""), None, None, None, None]),
            ],
        }],
    });
    let status = reqwest::Client::new()
        .post(format!("{}/moto-api/static/athena/query-results", moto.url))
        .json(&queued)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 201);

    let mut config = engine_config();
    config.athena.workgroup = "moto-wg".into();
    let engine = AthenaEngine::with_client(athena, &config);
    assert_eq!(engine.verify().await.unwrap(), 10_000_000);
    let sql = guard()
        .check("SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY eventname")
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0).unwrap();
    let result = engine.execute(&sql, QueryTime::live(now)).await.unwrap();
    assert_eq!(result.row_count, 2, "the header row is not data");
    let batch = &result.batches[0];
    let types: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().to_string())
        .collect();
    assert_eq!(
        types,
        [
            "Utf8",
            "Int64",
            "Float64",
            "Boolean",
            "Timestamp(µs, \"UTC\")"
        ],
        "{types:?}"
    );
    let text = |c: usize, r: usize| to_text(batch.column(c).as_ref(), r);
    assert_eq!(
        (text(0, 0), text(1, 0), text(2, 0), text(3, 0)),
        (
            "ConsoleLogin".into(),
            "7".into(),
            "0.5".into(),
            "true".into()
        )
    );
    assert!(text(4, 0).starts_with("2026-12-01"), "{}", text(4, 0));
    // '' stays a value; a missing VarCharValue is NULL.
    assert!(batch.column(0).is_valid(1) && text(0, 1).is_empty());
    assert!((1..5).all(|c| batch.column(c).is_null(1)));
}

/// Athena requests per question with the default polling (200 ms growing
/// by half to 2 s) against a query that waits 300 ms in QUEUED and runs
/// 1.5 s, about what a small question takes on Athena: printed for the
/// record, bounded so a change that multiplies them fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn athena_requests_per_question_with_default_polling() {
    let s = setup(Duration::from_millis(300), Duration::from_millis(1500)).await;
    let engine = AthenaEngine::with_client(client(s.fake.url()), &EngineConfig::default());
    engine.verify().await.unwrap();
    let before = s.fake.calls().len();
    let sql = guard()
        .check("SELECT eventname, count(*) AS n FROM cloudtrail WHERE eventtime >= current_timestamp - INTERVAL '1' DAY GROUP BY eventname")
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0).unwrap();
    engine.execute(&sql, QueryTime::live(now)).await.unwrap();
    let calls: Vec<String> = s.fake.calls()[before..].to_vec();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    eprintln!(
        "Athena requests for one question: {} (StartQueryExecution {}, GetQueryExecution {}, GetQueryResults {}), after one GetWorkGroup per process",
        calls.len(),
        count("StartQueryExecution"),
        count("GetQueryExecution"),
        count("GetQueryResults")
    );
    assert_eq!(
        count("GetWorkGroup"),
        0,
        "checked once, at verify: {calls:?}"
    );
    assert_eq!(count("StartQueryExecution"), 1);
    assert_eq!(count("GetQueryResults"), 1);
    assert!(count("GetQueryExecution") <= 7, "{calls:?}");
}
