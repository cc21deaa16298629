//! The query engine conformance suite: what every [`QueryEngine`] must do
//! with the same tables, whatever runs the SQL (DataFusion in process,
//! Athena over its API).
//!
//! [`populate`] ingests a known CloudTrail history (3 days, 1,000 events a
//! day, `errorcode` NULL, empty or set) into a tables storage through the
//! real ingest path; [`run`] then checks counts per partition, typing (NULL
//! apart from the empty string, integer, floating, boolean, date and
//! timestamp columns), the clock binding of `now()`, as-of replays and rule
//! windows, results longer than one page, the row limit, errors about the
//! query, and that a scan is reported.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::arrow::datatypes::DataType;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::engine::{EngineError, QueryEngine, QueryResult, QueryTime};
use crate::guard::{Dialect, SqlGuard};
use crate::ingest::manifest::ManifestStore;
use crate::ingest::{IngestOptions, Ingestor, NoProgress, Source};
use crate::storage::Storage;

/// Days of history and events per day.
pub const DAYS: u32 = 3;
/// Events per day.
pub const PER_DAY: u32 = 1000;

/// The instant of event `i` of day `d` (0-based, from 2026-12-01).
pub fn event_time(d: u32, i: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1 + d, 0, 0, 0).unwrap() + Duration::seconds(i64::from(i) * 86) // spread over the day
}

fn error_code(i: u32) -> Option<&'static str> {
    match i % 10 {
        0 => Some("AccessDenied"),
        1 => Some(""),
        _ => None,
    }
}

/// Writes the suite's CloudTrail history into `tables` through ingest
/// (blocking: call it outside an async context or in `spawn_blocking`).
/// `scratch` is a directory for the raw file; `manifest` an empty one.
pub fn populate(tables: &Storage, scratch: &std::path::Path, manifest: Arc<dyn ManifestStore>) {
    let mut records = Vec::new();
    for d in 0..DAYS {
        for i in 0..PER_DAY {
            let name = ["ConsoleLogin", "GetObject", "AssumeRole"][(i % 3) as usize];
            let mut r = json!({
                "eventVersion": "1.08",
                "eventTime": event_time(d, i).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "eventSource": "signin.amazonaws.com",
                "eventName": name,
                "awsRegion": "us-east-1",
                "sourceIPAddress": format!("203.0.113.{}", i % 50),
                "userAgent": "conformance",
                "eventID": format!("e-{d}-{i:04}"),
                "eventType": "AwsApiCall",
                "recipientAccountId": "111122223333",
                "userIdentity": {"type": "IAMUser", "accountId": "111122223333",
                                  "arn": format!("arn:aws:iam::111122223333:user/u{}", i % 7),
                                  "userName": format!("u{}", i % 7)},
            });
            if let Some(code) = error_code(i) {
                r["errorCode"] = json!(code);
            }
            records.push(r);
        }
    }
    std::fs::create_dir_all(scratch).expect("scratch directory");
    let file = scratch.join("conformance-cloudtrail.json");
    std::fs::write(&file, json!({"Records": records}).to_string()).expect("raw file");
    let config = Config {
        data_dir: scratch.to_path_buf(),
        ..Default::default()
    };
    let report = Ingestor::new(&config, tables.clone(), manifest)
        .ingest(
            &[Source::Path(file)],
            &IngestOptions {
                source: Some("cloudtrail".into()),
            },
            &NoProgress,
        )
        .expect("ingest");
    assert_eq!(
        report.records.get("cloudtrail").copied(),
        Some(u64::from(DAYS * PER_DAY)),
        "{report:#?}"
    );
}

/// Runs every case against `engine`, whose guard admits `dialect`.
pub async fn run(engine: Arc<dyn QueryEngine>, dialect: Dialect) {
    let catalog = Catalog::builtin();
    let guard = SqlGuard::new(&catalog, 10_000).with_dialect(dialect);
    let small = SqlGuard::new(&catalog, 100).with_dialect(dialect);
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap();
    let query = |g: &SqlGuard, sql: &str, time: QueryTime| {
        let checked = g.check(sql).unwrap_or_else(|e| panic!("guard: {e}: {sql}"));
        let engine = engine.clone();
        async move { engine.execute(&checked, time).await }
    };
    let rows = |r: &QueryResult| r.json_rows();

    eprintln!("engine conformance: counts per partition");
    let r = query(
        &guard,
        "SELECT dt, count(*) AS n FROM cloudtrail GROUP BY dt ORDER BY dt",
        QueryTime::live(now),
    )
    .await
    .unwrap();
    assert_eq!(
        rows(&r),
        vec![
            vec![json!("2026-12-01"), json!(1000)],
            vec![json!("2026-12-02"), json!(1000)],
            vec![json!("2026-12-03"), json!(1000)],
        ]
    );
    assert!(r.scan.is_some(), "a scan is reported");

    eprintln!("engine conformance: NULL is not the empty string");
    let r = query(
        &guard,
        "SELECT eventid, errorcode FROM cloudtrail WHERE eventid IN ('e-0-0000', 'e-0-0001', 'e-0-0002') ORDER BY eventid",
        QueryTime::live(now),
    )
    .await
    .unwrap();
    assert_eq!(
        rows(&r),
        vec![
            vec![json!("e-0-0000"), json!("AccessDenied")],
            vec![json!("e-0-0001"), json!("")],
            vec![json!("e-0-0002"), Value::Null],
        ]
    );
    // Reading columns reads bytes (a bare count(*) may read only footers).
    let scan = r.scan.as_ref().expect("a scan is reported");
    assert!(scan.bytes > 0, "{scan:?}");
    let r = query(
        &guard,
        "SELECT sum(CASE WHEN errorcode IS NULL THEN 1 ELSE 0 END) AS nulls, sum(CASE WHEN errorcode = '' THEN 1 ELSE 0 END) AS empties FROM cloudtrail",
        QueryTime::live(now),
    )
    .await
    .unwrap();
    assert_eq!(rows(&r), vec![vec![json!(2400), json!(300)]]);

    eprintln!("engine conformance: typed values");
    let r = query(
        &guard,
        "SELECT count(*) AS n, avg(CAST(length(eventid) AS double)) AS d, bool_or(errorcode IS NULL) AS b, max(eventtime) AS ts, CAST(max(eventtime) AS date) AS day, max(eventname) AS s FROM cloudtrail",
        QueryTime::live(now),
    )
    .await
    .unwrap();
    let types: Vec<DataType> = r
        .schema
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert!(types[0].is_integer(), "{types:?}");
    assert!(types[1].is_floating(), "{types:?}");
    assert_eq!(types[2], DataType::Boolean);
    assert!(matches!(types[3], DataType::Timestamp(..)), "{types:?}");
    assert_eq!(types[4], DataType::Date32);
    assert!(
        matches!(
            types[5],
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
        ),
        "{types:?}"
    );
    let row = &rows(&r)[0];
    assert_eq!(row[0], json!(3000));
    assert_eq!(row[1], json!(8.0));
    assert_eq!(row[2], json!(true));
    let last = event_time(DAYS - 1, PER_DAY - 1);
    let ts = row[3].as_str().unwrap_or_default().to_string();
    assert!(
        ts.starts_with(&last.format("%Y-%m-%dT%H:%M:%S").to_string())
            || ts.starts_with(&last.format("%Y-%m-%d %H:%M:%S").to_string()),
        "{ts}"
    );
    assert_eq!(row[4], json!("2026-12-03"));
    assert_eq!(row[5], json!("GetObject"));

    eprintln!("engine conformance: now() is the query's instant");
    let at = Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap();
    let r = query(
        &guard,
        "SELECT count(*) AS n FROM cloudtrail WHERE eventtime > now() - INTERVAL '1' DAY",
        QueryTime::live(at),
    )
    .await
    .unwrap();
    let expected = count(|t| t > at - Duration::days(1));
    assert_eq!(rows(&r), vec![vec![json!(expected)]]);

    eprintln!("engine conformance: as-of replays hide later rows");
    let r = query(
        &guard,
        "SELECT count(*) AS n FROM cloudtrail",
        QueryTime::as_of(at),
    )
    .await
    .unwrap();
    assert_eq!(rows(&r), vec![vec![json!(count(|t| t <= at))]]);

    eprintln!("engine conformance: a rule's window");
    let mid = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
    let window = std::time::Duration::from_secs(6 * 3600);
    let r = query(
        &guard,
        "SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY eventname ORDER BY eventname",
        QueryTime::window(mid, window),
    )
    .await
    .unwrap();
    let visible = |t: DateTime<Utc>| t > mid - Duration::hours(6) && t <= mid;
    let total: i64 = rows(&r).iter().map(|row| row[1].as_i64().unwrap()).sum();
    assert_eq!(total, count(visible));

    eprintln!("engine conformance: results longer than a page");
    let r = query(
        &guard,
        "SELECT eventid FROM cloudtrail ORDER BY eventid LIMIT 2500",
        QueryTime::live(now),
    )
    .await
    .unwrap();
    assert_eq!(r.row_count, 2500);
    let ids = rows(&r);
    assert_eq!(ids[0][0], json!("e-0-0000"));
    assert_eq!(ids[1000][0], json!("e-1-0000"));
    assert_eq!(ids[2499][0], json!("e-2-0499"));
    assert!(!r.truncated);

    eprintln!("engine conformance: the guard's row limit");
    let r = query(
        &small,
        "SELECT eventid FROM cloudtrail",
        QueryTime::live(now),
    )
    .await
    .unwrap();
    assert_eq!(r.row_count, 100);
    assert!(r.truncated);

    eprintln!("engine conformance: errors about the query");
    let e = query(
        &guard,
        "SELECT nosuchcolumn FROM cloudtrail",
        QueryTime::live(now),
    )
    .await
    .unwrap_err();
    match e {
        EngineError::Query(m) => assert!(m.to_lowercase().contains("nosuchcolumn"), "{m}"),
        other => panic!("expected a query error, got {other:?}"),
    }
}

/// Events of the suite's history whose time satisfies `keep`.
fn count(keep: impl Fn(DateTime<Utc>) -> bool) -> i64 {
    let mut n = 0;
    for d in 0..DAYS {
        for i in 0..PER_DAY {
            if keep(event_time(d, i)) {
                n += 1;
            }
        }
    }
    n
}

/// A result as Athena's API carries it: column types and text values.
#[derive(Debug, Clone, Default)]
pub struct AthenaText {
    /// `(name, Athena type)`.
    pub columns: Vec<(String, String)>,
    /// Values as Athena renders them (`None` = NULL).
    pub rows: Vec<Vec<Option<String>>>,
    /// Bytes the engine read.
    pub bytes_scanned: u64,
    /// The `dt` partitions read.
    pub days: Vec<String>,
}

/// Runs `sql` (as an Athena client sent it: pinned, in Athena's dialect)
/// on `engine` and renders the result as Athena's API would: what a local
/// Athena-protocol server answers with. The statement passes the Athena
/// guard first, as everything sent to Athena has.
pub async fn run_as_athena(
    engine: &dyn QueryEngine,
    catalog: &Catalog,
    sql: &str,
) -> Result<AthenaText, String> {
    use crate::arrow::util::display::{ArrayFormatter, FormatOptions};
    let guard = SqlGuard::new(catalog, u64::MAX / 2).with_dialect(Dialect::Athena);
    let checked = guard.check(sql).map_err(|e| e.to_string())?;
    // The statement carries its own clock; `now` here is never read.
    let result = engine
        .execute(&checked, QueryTime::live(DateTime::<Utc>::UNIX_EPOCH))
        .await
        .map_err(|e| e.to_string())?;
    let columns = result
        .schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), athena_type(f.data_type())))
        .collect();
    let options = FormatOptions::default()
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.3f"))
        .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M:%S%.3f UTC"));
    let mut rows = Vec::new();
    for batch in &result.batches {
        let formatters: Vec<ArrayFormatter> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        for i in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .zip(&formatters)
                    .map(|(c, f)| (!c.is_null(i)).then(|| f.value(i).to_string()))
                    .collect(),
            );
        }
    }
    let scan = result.scan.unwrap_or_default();
    Ok(AthenaText {
        columns,
        rows,
        bytes_scanned: scan.bytes,
        days: scan.days,
    })
}

/// Athena's name for an Arrow type.
fn athena_type(t: &DataType) -> String {
    match t {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 => "integer".into(),
        DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "bigint".into(),
        DataType::Float16 | DataType::Float32 => "real".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p},{s})"),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, None) => "timestamp".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone".into(),
        DataType::List(f) | DataType::LargeList(f) => {
            format!("array({})", athena_type(f.data_type()))
        }
        DataType::Struct(fields) => format!(
            "row({})",
            fields
                .iter()
                .map(|f| format!("{} {}", f.name(), athena_type(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DataType::Map(..) => "map(varchar, varchar)".into(),
        _ => "varchar".into(),
    }
}
