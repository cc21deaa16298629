//! Athena-dialect SQL on the real DataFusion engine over ingested fixtures:
//! every function and construct the issue lists must run unchanged.

use serde_json::json;

use crate::common::{Lake, fixtures};

const NOW: &str = "2024-03-10T10:30:00Z";

fn lake() -> Lake {
    let lake = Lake::new();
    let r = lake.ingest(&[
        fixtures().join("handmade/brute_force_then_success.jsonl"),
        fixtures().join("datasets/panther-analysis/scenario_compromised_root_creds"),
        fixtures().join("datasets/aws-docs-vpc-flow-log-examples"),
        fixtures().join("datasets/aws-samples-guardduty-automated-response"),
    ]);
    assert_eq!(r.records["cloudtrail"], 18 + 16);
    lake
}

#[test]
fn product_example_rule_returns_exactly_the_brute_force() {
    let lake = lake();
    let rule = mantissa_core::demo::SUSPICIOUS_LOGIN_PATTERN;
    let rows = lake.query(rule, NOW);
    assert_eq!(
        rows,
        vec![vec![
            json!("AIDAVICTIM"),
            json!("203.0.113.66"),
            json!(4),
            json!("Multiple failed login attempts followed by success")
        ]]
    );
    // Replayed two hours later the window is empty: --now really drives it.
    assert!(lake.query(rule, "2024-03-10T12:30:00Z").is_empty());
    // Replayed at 08:30 only the earlier occurrence exists yet: a replay sees
    // what a live run would have seen.
    let who: Vec<_> = lake
        .query(rule, "2024-03-10T08:30:00Z")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(who, vec![json!("AIDAOLD")]);
    // Without as-of visibility the rule (which has no upper bound) would also
    // count the later events.
    let live = lake.try_query_live(rule, "2024-03-10T08:30:00Z").unwrap();
    assert_eq!(live.row_count, 2);
}

#[test]
fn struct_access_and_now() {
    let lake = lake();
    let n = lake.scalar(
        "SELECT count(*) FROM cloudtrail WHERE useridentity.type = 'Root' AND useridentity.arn LIKE '%:root'",
        NOW,
    );
    assert_eq!(n, json!(15));
    assert_eq!(
        lake.scalar("SELECT CURRENT_TIMESTAMP", NOW),
        json!("2024-03-10T10:30:00Z")
    );
    assert_eq!(
        lake.scalar("SELECT now() - INTERVAL '1' HOUR", NOW),
        json!("2024-03-10T09:30:00Z")
    );
}

#[test]
fn time_functions() {
    let lake = lake();
    let q = |sql: &str| lake.scalar(sql, NOW);
    assert_eq!(
        q("SELECT from_iso8601_timestamp('2024-03-10T10:02:00Z')"),
        json!("2024-03-10T10:02:00Z")
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM cloudtrail WHERE eventtime >= from_iso8601_timestamp('2024-03-10T10:00:00Z')"
        ),
        json!(13)
    );
    assert_eq!(
        q("SELECT date_add('hour', -1, TIMESTAMP '2024-03-10 10:30:00')"),
        json!("2024-03-10T09:30:00Z")
    );
    assert_eq!(
        q("SELECT date_add('month', 1, TIMESTAMP '2024-01-31 00:00:00')"),
        json!("2024-02-29T00:00:00Z")
    );
    assert_eq!(
        q("SELECT count(*) FROM cloudtrail WHERE eventtime > date_add('hour', -1, now())"),
        json!(13)
    );
    assert_eq!(
        q(
            "SELECT date_diff('minute', TIMESTAMP '2024-03-10 10:02:00', TIMESTAMP '2024-03-10 10:20:00')"
        ),
        json!(18)
    );
    assert_eq!(
        q("SELECT date_diff('day', TIMESTAMP '2024-03-09 23:50:00', now())"),
        json!(0)
    );
    assert_eq!(
        q("SELECT date_trunc('hour', TIMESTAMP '2024-03-10 10:20:31')"),
        json!("2024-03-10T10:00:00Z")
    );
    assert_eq!(
        q("SELECT date_format(TIMESTAMP '2024-03-10 10:20:31', '%Y-%m-%d %H:%i')"),
        json!("2024-03-10 10:20")
    );
    assert_eq!(
        q("SELECT to_iso8601(TIMESTAMP '2024-03-10 10:20:31')"),
        json!("2024-03-10T10:20:31Z")
    );
    let hours = lake.query(
        "SELECT date_trunc('hour', eventtime) AS h, count(*) AS n FROM cloudtrail WHERE eventtime > now() - INTERVAL '3' HOUR GROUP BY 1 ORDER BY 1",
        NOW,
    );
    assert_eq!(
        hours,
        vec![
            vec![json!("2024-03-10T08:00:00Z"), json!(4)],
            vec![json!("2024-03-10T10:00:00Z"), json!(13)]
        ]
    );
}

#[test]
fn string_regex_and_json_functions() {
    let lake = lake();
    let q = |sql: &str| lake.scalar(sql, NOW);
    assert_eq!(
        q(
            "SELECT count(*) FROM cloudtrail WHERE regexp_like(sourceipaddress, '^203\\.0\\.113\\.')"
        ),
        json!(12)
    );
    assert_eq!(
        q(
            "SELECT json_extract_scalar(responseelements, '$.accessKey.accessKeyId') FROM cloudtrail WHERE eventname = 'CreateAccessKey' AND useridentity.principalid = 'AIDAVICTIM'"
        ),
        json!("AKIAEXAMPLEBACKDOOR")
    );
    assert_eq!(
        q(
            "SELECT json_extract_scalar(additionaleventdata, '$.bytesTransferredOut') FROM cloudtrail WHERE eventname = 'GetObject'"
        ),
        json!("52428")
    );
    assert_eq!(
        q(
            "SELECT json_extract(requestparameters, '$.bucketPolicy.Statement[0].Principal') FROM cloudtrail WHERE eventname = 'PutBucketPolicy'"
        ),
        json!("\"*\"")
    );
    assert_eq!(
        q("SELECT lower(eventname) FROM cloudtrail WHERE eventname = 'GetObject'"),
        json!("getobject")
    );
    assert_eq!(q("SELECT upper('abc')"), json!("ABC"));
    assert_eq!(
        q("SELECT CAST(count(*) AS VARCHAR) FROM cloudtrail WHERE eventname = 'GetObject'"),
        json!("1")
    );
    assert_eq!(q("SELECT split('a,b,c', ',')"), json!(["a", "b", "c"]));
    assert_eq!(
        q("SELECT element_at(split('10.0.1.5', '.'), 1)"),
        json!("10")
    );
    assert_eq!(q("SELECT cardinality(split('a,b,c', ','))"), json!(3));
    assert_eq!(q("SELECT contains(split('a,b,c', ','), 'b')"), json!(true));
    assert_eq!(q("SELECT contains('ConsoleLogin', 'Login')"), json!(true));
    assert_eq!(
        q("SELECT regexp_extract('arn:aws:iam::111122223333:user/victim', 'user/(.*)', 1)"),
        json!("victim")
    );
    // Trino semantics: every match is replaced; no replacement deletes.
    assert_eq!(
        q("SELECT regexp_replace('a1b2c3', '[0-9]', '')"),
        json!("abc")
    );
    assert_eq!(q("SELECT regexp_replace('a1b2c3', '[0-9]')"), json!("abc"));
    assert_eq!(
        q("SELECT regexp_replace('a1b2', '([a-z])', '<$1>')"),
        json!("<a>1<b>2")
    );
    assert_eq!(
        q(
            "SELECT approx_distinct(sourceipaddress) FROM cloudtrail WHERE eventname = 'ConsoleLogin'"
        ),
        json!(6)
    );
}

#[test]
fn unnest_resources() {
    let lake = lake();
    let rows = lake.query(
        "SELECT r.arn, r.type FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(r) WHERE eventname = 'GetObject' ORDER BY r.arn",
        NOW,
    );
    assert_eq!(
        rows,
        vec![
            vec![json!("arn:aws:s3:::payroll"), json!("AWS::S3::Bucket")],
            vec![
                json!("arn:aws:s3:::payroll/2024/q1.csv"),
                json!("AWS::S3::Object")
            ],
        ]
    );
    let rows = lake.query(
        "SELECT r.arn, r.type FROM cloudtrail c, UNNEST(c.resources) AS t(r) WHERE c.eventname = 'GetObject' ORDER BY 1",
        NOW,
    );
    assert_eq!(rows.len(), 2);
    let rows = lake.query(
        "SELECT arn, type FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(arn, accountid, type) WHERE eventname = 'GetObject' ORDER BY arn DESC",
        NOW,
    );
    assert_eq!(
        rows[0],
        vec![
            json!("arn:aws:s3:::payroll/2024/q1.csv"),
            json!("AWS::S3::Object")
        ]
    );
    let rows = lake.query(
        "SELECT t.r.arn FROM cloudtrail CROSS JOIN UNNEST(resources) AS t(r) WHERE eventname = 'GetObject' ORDER BY 1 LIMIT 1",
        NOW,
    );
    assert_eq!(rows, vec![vec![json!("arn:aws:s3:::payroll")]]);
    let rows = lake.query(
        "SELECT element_at(resources, -1), cardinality(resources) AS n FROM cloudtrail WHERE eventname = 'GetObject'",
        NOW,
    );
    assert_eq!(
        rows,
        vec![vec![
            json!({"arn": "arn:aws:s3:::payroll", "accountid": "111122223333", "type": "AWS::S3::Bucket"}),
            json!(2)
        ]]
    );
}

#[test]
fn vpc_flow_and_guardduty_types() {
    let lake = lake();
    let rows = lake.query(
        "SELECT srcaddr, dstport, bytes, start, action FROM vpc_flow WHERE dstport = 22 AND action = 'ACCEPT' ORDER BY start",
        "2030-01-01T00:00:00Z",
    );
    assert_eq!(
        rows[0],
        vec![
            json!("172.31.16.139"),
            json!(22),
            json!(4249),
            json!("2014-12-14T04:06:50Z"),
            json!("ACCEPT")
        ]
    );
    let n = lake.scalar(
        "SELECT count(*) FROM vpc_flow WHERE log_status = 'NODATA' AND srcaddr IS NULL",
        NOW,
    );
    assert_eq!(n, json!(1));
    let sev = lake.scalar("SELECT max(severity) FROM guardduty", NOW);
    assert_eq!(sev, json!(5.0));
    let t = lake.scalar(
        "SELECT json_extract_scalar(resource, '$.resourceType') FROM guardduty WHERE type = 'PenTest:S3/ParrotLinux'",
        NOW,
    );
    assert_eq!(t, json!("S3Bucket"));
}

#[test]
fn limits_and_timeouts_are_enforced() {
    let mut lake = lake();
    lake.config.engine.max_rows = 5;
    let r = lake.try_query("SELECT * FROM cloudtrail", NOW).unwrap();
    assert_eq!(r.row_count, 5);
    assert!(r.truncated);
    assert!(r.sql.ends_with("LIMIT 5"), "{}", r.sql);
    let r = lake
        .try_query("SELECT eventname FROM cloudtrail LIMIT 3", NOW)
        .unwrap();
    assert_eq!(r.row_count, 3);
    assert!(!r.truncated);
    // A tiny memory budget makes a large sort fail cleanly, not crash.
    lake.config.engine.memory_limit_mb = 0;
    let err = lake
        .try_query("SELECT a.eventid, b.eventid FROM cloudtrail a CROSS JOIN cloudtrail b CROSS JOIN cloudtrail c ORDER BY 1, 2", NOW)
        .unwrap_err();
    assert!(err.contains("memory"), "{err}");
}

#[test]
fn query_timeout_is_enforced() {
    let mut lake = lake();
    lake.config.engine.query_timeout_secs = 1;
    // 34^6 ≈ 1.5 billion joined rows: far beyond one second on any machine.
    let err = lake
        .try_query(
            "SELECT count(*) FROM cloudtrail a, cloudtrail b, cloudtrail c, cloudtrail d, cloudtrail e, cloudtrail f",
            NOW,
        )
        .unwrap_err();
    assert!(err.contains("time limit"), "{err}");
}

#[test]
fn unknown_column_error_is_specific() {
    let lake = lake();
    let err = lake
        .try_query("SELECT usr FROM cloudtrail", NOW)
        .unwrap_err();
    assert!(err.contains("usr"), "{err}");
}

#[test]
fn time_filters_prune_day_partitions() {
    let lake = lake();
    // Delete the 2024-03-09 partition's files: a query bounded to 2024-03-10
    // must not even list them, so it still works and counts the same.
    let before = lake.scalar(
        "SELECT count(*) FROM cloudtrail WHERE eventtime > now() - INTERVAL '1' HOUR",
        NOW,
    );
    let explain = lake
        .try_query(
            "SELECT count(*) FROM cloudtrail WHERE eventtime > now() - INTERVAL '1' HOUR",
            NOW,
        )
        .unwrap();
    assert_eq!(before, json!(13));
    assert_eq!(explain.row_count, 1);
    let day = lake.config.data_dir.join("tables/cloudtrail/dt=2024-03-09");
    assert!(day.is_dir());
    for f in std::fs::read_dir(&day).unwrap() {
        std::fs::write(f.unwrap().path(), b"not parquet").unwrap();
    }
    assert_eq!(
        lake.scalar(
            "SELECT count(*) FROM cloudtrail WHERE eventtime > now() - INTERVAL '1' HOUR",
            NOW
        ),
        json!(13)
    );
    let err = lake
        .try_query(
            "SELECT count(*) FROM cloudtrail WHERE eventname = 'CreateAccessKey'",
            NOW,
        )
        .unwrap_err();
    assert!(err.to_lowercase().contains("parquet"), "{err}");
}
