//! The binary on the AWS backends: `[stores] type = "dynamodb"` against a
//! local DynamoDB-protocol server (moto, from the test kit), configured only
//! through the AWS SDK's own environment (`AWS_ENDPOINT_URL`, region,
//! credentials), as a Lambda function is.

use std::process::{Command, Output};

use mantissa_core::store::dynamodb::Dynamo;
use mantissa_testkit::moto::{self, Moto};
use serde_json::Value;

use super::{Run, example_rule_dir, fixtures, stderr};

/// Creates the stack's tables under `prefix`, as Terraform would.
fn create_tables(moto: &Moto, prefix: &str) {
    let db = Dynamo::with_client(aws_sdk_dynamodb::Client::new(&sdk(moto)), prefix);
    block_on(db.create_tables()).expect("create the tables");
}

/// The AWS SDK configuration of `moto`: its endpoint, region and static
/// test credentials (never the instance-metadata chain).
fn sdk(moto: &Moto) -> aws_config::SdkConfig {
    moto.sdk_config()
}

/// `mantissa` with only the AWS environment of `moto`.
fn mantissa(r: &Run, moto: &Moto, args: &[&str]) -> Output {
    mantissa_with(r, moto, &[], args)
}

/// `mantissa` with the AWS environment of `moto` and `extra` variables.
fn mantissa_with(r: &Run, moto: &Moto, extra: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
        cmd.env_remove(k);
    }
    cmd.current_dir(r.dir.path())
        .env_remove("MANTISSA_NOW")
        .envs(moto.env())
        .envs(extra.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

fn ok(r: &Run, moto: &Moto, args: &[&str]) -> String {
    let out = mantissa(r, moto, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn detect_and_the_alert_lifecycle_run_on_dynamodb_stores() {
    let moto = Moto::start();
    create_tables(&moto, "mantissa-e2e");
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[stores]\ntype = \"dynamodb\"\ntable_prefix = \"mantissa-e2e\"\n",
    )
    .unwrap();
    let fixture = fixtures().join("handmade/brute_force_then_success.jsonl");
    let ingest = [
        "ingest",
        "--source",
        "cloudtrail",
        fixture.to_str().unwrap(),
    ];
    ok(&r, &moto, &ingest);
    // The manifest is in DynamoDB: a second run reads nothing again.
    let again = mantissa(&r, &moto, &ingest);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&again.stdout),
        stderr(&again)
    );
    assert!(said.contains("already ingested"), "{said}");

    let rules = example_rule_dir(&r);
    let detect = |now: &str| {
        ok(
            &r,
            &moto,
            &[
                "--now",
                now,
                "detect",
                "--no-builtin",
                "--rules",
                rules.to_str().unwrap(),
                "--format",
                "json",
            ],
        )
    };
    let first = detect("2024-03-10T10:30:00Z");
    assert!(first.contains("suspicious-logins"), "{first}");
    let list: Value =
        serde_json::from_str(&ok(&r, &moto, &["alerts", "list", "--format", "json"])).unwrap();
    let alerts = list
        .as_array()
        .or_else(|| list["alerts"].as_array())
        .unwrap();
    assert_eq!(alerts.len(), 1, "{list}");
    let id = alerts[0]["id"].as_str().unwrap().to_string();
    // The next cycle folds the same incident into the alert.
    detect("2024-03-10T10:35:00Z");
    let list: Value =
        serde_json::from_str(&ok(&r, &moto, &["alerts", "list", "--format", "json"])).unwrap();
    assert_eq!(
        list.as_array()
            .or_else(|| list["alerts"].as_array())
            .unwrap()
            .len(),
        1
    );

    // Acknowledge, then a second ack is told who did it.
    ok(&r, &moto, &["alerts", "ack", &id, "--as", "alice"]);
    let twice = mantissa(&r, &moto, &["alerts", "ack", &id, "--as", "bob"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&twice.stdout),
        stderr(&twice)
    );
    assert!(said.contains("alice"), "{said}");
    let show: Value =
        serde_json::from_str(&ok(&r, &moto, &["alerts", "show", &id, "--format", "json"])).unwrap();
    assert_eq!(show["alert"]["status"], "acknowledged", "{show}");
    assert_eq!(show["alert"]["status_by"], "alice", "{show}");
    let history = show["history"].to_string();
    assert!(
        history.contains("raised") && history.contains("acknowledged"),
        "{history}"
    );

    // Nothing of the state went to local files.
    let state = r.dir.path().join("mantissa-data/state");
    let files: Vec<_> = std::fs::read_dir(&state)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "local state files: {files:?}");
}

#[test]
fn missing_dynamodb_tables_are_a_clear_error() {
    let moto = Moto::start();
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[stores]\ntype = \"dynamodb\"\ntable_prefix = \"never-created\"\n",
    )
    .unwrap();
    let out = mantissa(&r, &moto, &["alerts", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("table `never-created-alerts` does not exist") && err.contains("terraform"),
        "{err}"
    );
    assert!(!err.contains(moto::AWS_SECRET_ACCESS_KEY), "{err}");
}

/// An S3 client on `moto`, for what Terraform would create.
fn s3(moto: &Moto) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk(moto))
            .force_path_style(true)
            .build(),
    )
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn create_buckets(moto: &Moto, names: &[&str]) {
    let c = s3(moto);
    block_on(async {
        for name in names {
            c.create_bucket()
                .bucket(*name)
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
        }
    });
}

#[test]
fn tables_and_rules_in_s3_a_broken_rule_file_in_the_bucket_is_reported_and_skipped() {
    let moto = Moto::start();
    create_tables(&moto, "mantissa-s3");
    create_buckets(&moto, &["mantissa-s3-tables", "mantissa-s3-rules"]);
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        r#"
[storage]
url = "s3://mantissa-s3-tables/lake"

[stores]
type = "dynamodb"
table_prefix = "mantissa-s3"

[detector]
builtin_rules = false
rules_dirs = ["s3://mantissa-s3-rules/rules/"]
"#,
    )
    .unwrap();
    let fixture = fixtures().join("handmade/brute_force_then_success.jsonl");
    ok(
        &r,
        &moto,
        &[
            "ingest",
            "--source",
            "cloudtrail",
            fixture.to_str().unwrap(),
        ],
    );
    let keys: Vec<String> = block_on(async {
        s3(&moto)
            .list_objects_v2()
            .bucket("mantissa-s3-tables")
            .send()
            .await
            .unwrap()
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    });
    assert!(
        !keys.is_empty()
            && keys
                .iter()
                .all(|k| k.starts_with("lake/cloudtrail/dt=2024-03-") && k.ends_with(".parquet")),
        "{keys:?}"
    );

    // `rules sync` validates first: one bad file, nothing uploaded.
    let rules = example_rule_dir(&r);
    std::fs::copy(
        fixtures().join("rules/broken/bad-severity.yaml"),
        rules.join("bad-severity.yaml"),
    )
    .unwrap();
    let refused = mantissa(
        &r,
        &moto,
        &["rules", "sync", "--from", rules.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        stderr(&refused)
    );
    assert!(
        said.contains("bad-severity.yaml") && said.contains("nothing uploaded"),
        "{said}"
    );
    std::fs::remove_file(rules.join("bad-severity.yaml")).unwrap();
    let synced = ok(
        &r,
        &moto,
        &["rules", "sync", "--from", rules.to_str().unwrap()],
    );
    assert!(
        synced.contains("uploaded s3://mantissa-s3-rules/rules/suspicious-logins.yaml"),
        "{synced}"
    );

    // Someone uploads a broken rule straight to the bucket.
    let broken = std::fs::read(fixtures().join("rules/broken/bad-severity.yaml")).unwrap();
    block_on(
        s3(&moto)
            .put_object()
            .bucket("mantissa-s3-rules")
            .key("rules/team/bad-severity.yaml")
            .body(broken.into())
            .send(),
    )
    .unwrap();
    let out = mantissa(
        &r,
        &moto,
        &[
            "--now",
            "2024-03-10T10:30:00Z",
            "detect",
            "--format",
            "json",
        ],
    );
    let err = stderr(&out);
    assert!(
        err.contains("s3://mantissa-s3-rules/rules/team/bad-severity.yaml:3")
            && err.contains("severity"),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("suspicious-logins"),
        "the other rule still alerts: {stdout}"
    );
}

#[test]
fn questions_and_detection_run_on_athena_and_answers_show_their_cost() {
    use mantissa_core::catalog::Catalog;
    use mantissa_core::storage::Storage;
    use mantissa_testkit::athena::AthenaFake;

    let moto = Moto::start();
    create_buckets(&moto, &["mantissa-athena-tables"]);
    // The Athena-protocol server over the same S3 tables, as Athena reads
    // the Glue tables' S3 locations.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tables = Storage::s3_with_client(s3(&moto), "mantissa-athena-tables", "lake");
    let fake = rt.block_on(AthenaFake::start(
        mantissa_athena_local::runner(tables, Catalog::builtin()),
        std::time::Duration::from_millis(20),
        std::time::Duration::from_millis(20),
    ));
    fake.workgroup("mantissa-athena", Some(10_000_000_000), true);
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        r#"
[storage]
url = "s3://mantissa-athena-tables/lake"

[engine]
type = "athena"

[engine.athena]
workgroup = "mantissa-athena"
database = "mantissa_athena"
poll_initial_ms = 20

[stores]
type = "dynamodb"
table_prefix = "mantissa-athena"
"#,
    )
    .unwrap();
    let athena = [("AWS_ENDPOINT_URL_ATHENA", fake.url())];
    let run = |args: &[&str]| {
        let out = mantissa_with(&r, &moto, &athena, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    // The tables of the design, from the binary (idempotent).
    let created = run(&["stores", "create"]);
    assert!(
        created.contains("created mantissa-athena-alerts"),
        "{created}"
    );
    assert_eq!(run(&["stores", "create"]), "", "nothing twice");
    let fixture = fixtures().join("handmade/brute_force_then_success.jsonl");
    run(&[
        "ingest",
        "--source",
        "cloudtrail",
        fixture.to_str().unwrap(),
    ]);

    let answer = run(&[
        "--now",
        "2024-03-10T12:00:00Z",
        "ask",
        "failed console logins by source IP in the last 24 hours",
    ]);
    assert!(
        answer.contains("scanned ") && answer.contains("≈ $0.0000"),
        "{answer}"
    );
    let json: Value = serde_json::from_str(&run(&[
        "--now",
        "2024-03-10T12:00:00Z",
        "ask",
        "failed console logins by source IP in the last 24 hours",
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(json["bytes_scanned"].as_u64().is_some(), "{json}");
    assert!(json["cost_usd"].as_f64().is_some(), "{json}");
    assert!(json["row_count"].as_u64().unwrap() >= 1, "{json}");
    // What Athena was sent: the clock bound, the days pruned.
    let sent = fake.executions()[0].query.sql.clone();
    assert!(
        sent.contains("dt >= '2024-03-09'") && !sent.contains("now()"),
        "{sent}"
    );
    assert_eq!(fake.executions()[0].query.database, "mantissa_athena");

    let rules = example_rule_dir(&r);
    let detected = run(&[
        "--now",
        "2024-03-10T10:30:00Z",
        "detect",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(detected.contains("suspicious-logins"), "{detected}");
    drop(rt);
}

#[test]
fn secrets_come_from_secrets_manager_and_never_appear_in_output_or_logs() {
    // The kit's Slack and PagerDuty accept only these values.
    use mantissa_testkit::{Fake, PD_KEY, SLACK_TOKEN};
    let moto = Moto::start();
    let client = aws_sdk_secretsmanager::Client::new(&sdk(&moto));
    block_on(async {
        client
            .create_secret()
            .name("mantissa-test/slack")
            .secret_string(format!(r#"{{"bot_token":"{SLACK_TOKEN}"}}"#))
            .send()
            .await
            .unwrap();
        client
            .create_secret()
            .name("mantissa-test/pagerduty")
            .secret_string(PD_KEY)
            .send()
            .await
            .unwrap();
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(Fake::start());
    let url = &fake.url;
    let r = Run::new();
    let write_config = |slack_ref: &str| {
        std::fs::write(
            r.dir.path().join("mantissa.toml"),
            format!(
                r#"[slack]
bot_token = "{slack_ref}"
api_url = "{url}/slack"

[router.destinations.slack]
type = "slack"
channel = "C123"

[router.destinations.oncall]
type = "pagerduty"
routing_key = "aws-secretsmanager:mantissa-test/pagerduty"
events_url = "{url}/pd/v2/enqueue"

[router.default_route]
destinations = ["slack", "oncall"]

[router.grouping]
max_alerts = 0
"#
            ),
        )
        .unwrap();
    };
    write_config("aws-secretsmanager:mantissa-test/slack#bot_token");
    let fixture = fixtures().join("handmade/brute_force_then_success.jsonl");
    let debug = [("MANTISSA_LOG", "debug")];
    let out = mantissa_with(
        &r,
        &moto,
        &debug,
        &[
            "ingest",
            "--source",
            "cloudtrail",
            fixture.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rules = example_rule_dir(&r);
    let out = mantissa_with(
        &r,
        &moto,
        &debug,
        &[
            "--now",
            "2024-03-10T10:30:00Z",
            "detect",
            "--no-builtin",
            "--rules",
            rules.to_str().unwrap(),
        ],
    );
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(out.status.success(), "{said}");
    assert!(said.contains("deliveries: 2 delivered"), "{said}");
    for secret in [SLACK_TOKEN, PD_KEY, moto::AWS_SECRET_ACCESS_KEY] {
        assert!(
            !said.contains(secret),
            "a secret in the output or logs: {said}"
        );
    }
    // The resolved values reached the services, not the references.
    let posts = fake.requests("/slack/chat.postMessage");
    assert_eq!(
        posts[0].header("authorization").as_deref(),
        Some(format!("Bearer {SLACK_TOKEN}").as_str())
    );
    let pd = fake.requests("/pd/v2/enqueue");
    assert_eq!(pd[0].json()["routing_key"], PD_KEY);

    // A wrong field names the setting and the secret, never a value.
    write_config("aws-secretsmanager:mantissa-test/slack#bot_tokn");
    let out = mantissa_with(&r, &moto, &debug, &["alerts", "list"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("slack.bot_token")
            && err.contains("mantissa-test/slack")
            && err.contains("bot_tokn"),
        "{err}"
    );
    assert!(!err.contains(SLACK_TOKEN), "{err}");
    drop(rt);
}

#[test]
fn alerts_are_mailed_through_ses() {
    let moto = Moto::start();
    let ses = aws_sdk_sesv2::Client::new(&sdk(&moto));
    // SES sends only from a verified identity (the deploy verifies it).
    block_on(
        ses.create_email_identity()
            .email_identity("alerts@example.com")
            .send(),
    )
    .unwrap();
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        r#"[router.destinations.mail]
type = "ses"
from = "Mantissa <alerts@example.com>"
to = ["soc@example.com"]

[router.default_route]
destinations = ["mail"]

[router.grouping]
max_alerts = 0
"#,
    )
    .unwrap();
    let fixture = fixtures().join("handmade/brute_force_then_success.jsonl");
    ok(
        &r,
        &moto,
        &[
            "ingest",
            "--source",
            "cloudtrail",
            fixture.to_str().unwrap(),
        ],
    );
    let rules = example_rule_dir(&r);
    let out = mantissa(
        &r,
        &moto,
        &[
            "--now",
            "2024-03-10T10:30:00Z",
            "detect",
            "--no-builtin",
            "--rules",
            rules.to_str().unwrap(),
        ],
    );
    let err = stderr(&out);
    assert!(
        out.status.success() && err.contains("deliveries: 1 delivered"),
        "{err}"
    );
    // What SES accepted (moto keeps sent mail at /moto-api/data.json).
    let data: Value = block_on(async {
        reqwest::get(format!("{}/moto-api/data.json", moto.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let text = data.to_string();
    assert!(
        text.contains("soc@example.com")
            && text.contains("Suspicious")
            && text.contains("Message-ID"),
        "{text}"
    );
}

/// DynamoDB round trips of the alert paths, measured on the binary's real
/// requests (every attempt counts): printed for the record, bounded so a
/// change that multiplies them fails.
#[test]
fn dynamodb_requests_per_raise_ack_and_delivery() {
    use mantissa_testkit::Fake;
    let moto = Moto::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(Fake::start());
    let info = [("MANTISSA_LOG", "info")];
    // A fresh deployment (tables, data) that ingests the brute force.
    let deployment = |prefix: &str, destinations: bool| -> Run {
        create_tables(&moto, prefix);
        let r = Run::new();
        let mut toml = format!("[stores]\ntype = \"dynamodb\"\ntable_prefix = \"{prefix}\"\n");
        if destinations {
            toml.push_str(&format!(
                "[router.destinations.soar]\ntype = \"webhook\"\nurl = \"{}/hook\"\n[router.default_route]\ndestinations = [\"soar\"]\n[router.grouping]\nmax_alerts = 0\n",
                fake.url
            ));
        }
        std::fs::write(r.dir.path().join("mantissa.toml"), toml).unwrap();
        let fixture = fixtures().join("handmade/brute_force_then_success.jsonl");
        ok(
            &r,
            &moto,
            &[
                "ingest",
                "--source",
                "cloudtrail",
                fixture.to_str().unwrap(),
            ],
        );
        r
    };
    let count = |r: &Run, args: &[&str]| -> (u64, String) {
        let out = mantissa_with(r, &moto, &info, args);
        let err = stderr(&out);
        assert!(out.status.success(), "{args:?}: {err}");
        let line = err
            .lines()
            .find(|l| l.contains("dynamodb requests:"))
            .unwrap_or_else(|| panic!("no request count: {err}"));
        let said = line[line.find("dynamodb requests:").unwrap()..].to_string();
        eprintln!("{args:?}: {said}");
        let total = said
            .split("dynamodb requests: ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        (total.parse().unwrap(), err)
    };
    let detect = |r: &Run| {
        let rules = example_rule_dir(r);
        count(
            r,
            &[
                "--now",
                "2024-03-10T10:30:00Z",
                "detect",
                "--no-builtin",
                "--rules",
                rules.to_str().unwrap(),
            ],
        )
    };
    // A one-rule cycle that raises one alert, no destinations.
    let quiet = deployment("mantissa-rt1", false);
    let (raise, _) = detect(&quiet);
    let list: Value =
        serde_json::from_str(&ok(&quiet, &moto, &["alerts", "list", "--format", "json"])).unwrap();
    let id = list
        .as_array()
        .or_else(|| list["alerts"].as_array())
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (ack, _) = count(&quiet, &["alerts", "ack", &id, "--as", "alice"]);
    // The same cycle with one destination: the difference is the outbox
    // (enqueue, claim, record the attempt) for one delivery.
    let routed = deployment("mantissa-rt2", true);
    let (raise_and_deliver, err) = detect(&routed);
    assert!(err.contains("deliveries: 1 delivered"), "{err}");
    eprintln!(
        "DynamoDB requests: raise {raise} (whole cycle), ack {ack}, one delivery {}",
        raise_and_deliver - raise
    );
    assert!(
        raise <= 12,
        "a one-rule cycle that raises one alert took {raise} requests"
    );
    assert!(ack <= 4, "an acknowledgement took {ack} requests");
    // 12 today: the outbox (id block, enqueue, due query, lease, attempt,
    // next-due queries) is where round trips should be cut next.
    assert!(
        raise_and_deliver - raise <= 14,
        "one delivery took {}",
        raise_and_deliver - raise
    );
    drop(rt);
}

/// The README's "try the AWS backends locally", end to end: raw logs
/// uploaded to S3 and ingested to Parquet on S3, Glue tables made from the
/// catalog, questions and every rule answered through the Athena protocol
/// by a server that finds the tables in Glue, rules from the S3 rules
/// bucket, alerts and the conversation in DynamoDB, mail through SES — and
/// every planted story caught, as on the embedded default.
#[test]
fn the_demo_runs_end_to_end_on_the_aws_backends() {
    use mantissa_core::catalog::glue_catalog::GlueCatalog;
    use mantissa_testkit::athena::AthenaFake;

    let moto = Moto::start();
    create_buckets(
        &moto,
        &[
            "mantissa-demo-raw",
            "mantissa-demo-tables",
            "mantissa-demo-rules",
        ],
    );
    let ses = aws_sdk_sesv2::Client::new(&sdk(&moto));
    block_on(
        ses.create_email_identity()
            .email_identity("alerts@example.com")
            .send(),
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s3_client = s3(&moto);
    let fake = rt.block_on(AthenaFake::start(
        mantissa_athena_local::glue_runner(
            GlueCatalog::from_sdk_config(&sdk(&moto), "mantissa_demo"),
            std::sync::Arc::new(move |url: &str| {
                let (bucket, prefix) = url
                    .strip_prefix("s3://")
                    .and_then(|r| r.split_once('/'))
                    .ok_or_else(|| format!("not an s3:// URL: {url}"))?;
                Ok(mantissa_core::storage::Storage::s3_with_client(
                    s3_client.clone(),
                    bucket,
                    prefix,
                ))
            }),
        ),
        std::time::Duration::from_millis(10),
        std::time::Duration::from_millis(10),
    ));
    fake.workgroup("mantissa-demo", Some(10_000_000_000), true);
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        r#"
[storage]
url = "s3://mantissa-demo-tables/"

[engine]
type = "athena"

[engine.athena]
workgroup = "mantissa-demo"
database = "mantissa_demo"
poll_initial_ms = 10
poll_max_ms = 50

[stores]
type = "dynamodb"
table_prefix = "mantissa-demo"

[detector]
builtin_rules = false
rules_dirs = ["s3://mantissa-demo-rules/rules/"]

[router.destinations.mail]
type = "ses"
from = "Mantissa <alerts@example.com>"
to = ["soc@example.com"]

[router.default_route]
destinations = ["mail"]
"#,
    )
    .unwrap();
    let athena = [("AWS_ENDPOINT_URL_ATHENA", fake.url())];
    let run = |args: &[&str]| {
        let out = mantissa_with(&r, &moto, &athena, args);
        assert!(
            out.status.success(),
            "{args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    run(&["stores", "create"]);
    let (glue, _) = run(&["tables", "--glue", "--apply"]);
    assert!(
        glue.contains(
            "created table mantissa_demo.cloudtrail (s3://mantissa-demo-tables/cloudtrail/)"
        ),
        "{glue}"
    );
    assert!(
        run(&["tables", "--glue", "--apply"])
            .0
            .contains("updated table mantissa_demo.guardduty")
    );
    let pack = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    run(&["rules", "sync", "--from", pack.to_str().unwrap()]);

    let now = "2026-12-01T00:00:00Z";
    let started = std::time::Instant::now();
    let (out, err) = run(&[
        "--now",
        now,
        "demo",
        "--events",
        "20000",
        "--raw-dir",
        r.dir.path().join("raw").to_str().unwrap(),
        "--raw-url",
        "s3://mantissa-demo-raw/",
    ]);
    eprintln!(
        "demo on the AWS backends: {:.1} s, {} Athena queries",
        started.elapsed().as_secs_f64(),
        fake.executions().len()
    );
    // Every planted story caught, from rules read out of the rules bucket.
    assert!(
        out.contains("Detection: s3://mantissa-demo-rules/rules/ ("),
        "{out}"
    );
    let caught = out
        .lines()
        .filter(|l| l.trim_start().starts_with("✓ "))
        .count();
    assert!(caught == 9 && !out.contains("✗"), "{out}\n{err}");
    // The raw logs went through S3 in AWS's own key layout.
    let raw = block_on(
        s3(&moto)
            .list_objects_v2()
            .bucket("mantissa-demo-raw")
            .prefix("AWSLogs/")
            .send(),
    )
    .unwrap();
    assert!(raw.key_count().unwrap_or(0) > 0, "no raw logs in S3");
    // Questions answered through Athena with their cost; every query the
    // product wrote carried day bounds.
    assert!(
        out.contains("> by user instead") && out.contains("scanned "),
        "{out}"
    );
    let executions = fake.executions();
    assert!(executions.len() > 20, "{}", executions.len());
    for e in &executions {
        assert_eq!(e.query.database, "mantissa_demo");
        assert!(e.query.sql.contains("dt >= '"), "{}", e.query.sql);
    }
    // Alerts are in DynamoDB and went out through SES.
    assert!(err.contains(" delivered"), "{err}");
    let (alerts, _) = run(&["alerts", "list", "--format", "json"]);
    let alerts: Value = serde_json::from_str(&alerts).unwrap();
    let listed = alerts
        .as_array()
        .or_else(|| alerts["alerts"].as_array())
        .unwrap();
    assert!(listed.len() >= 9, "{alerts}");
    let mail: Value = block_on(async {
        reqwest::get(format!("{}/moto-api/data.json", moto.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(mail.to_string().contains("soc@example.com"), "no mail sent");
    // The demo's conversation lives in DynamoDB: a new process goes on with it.
    let (follow_up, _) = run(&[
        "--now",
        now,
        "ask",
        "--session",
        "demo",
        "only the successful ones",
    ]);
    assert!(
        follow_up.contains("useridentity.arn") && follow_up.contains("errorcode IS NULL"),
        "{follow_up}"
    );
    drop(rt);
}

/// Misconfiguration stops the command at once with the setting and the
/// fix, never a hang or an error per query.
#[test]
fn a_missing_bucket_or_region_is_a_clear_start_up_error() {
    let moto = Moto::start();
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[storage]\nurl = \"s3://no-such-tables-bucket/lake\"\n",
    )
    .unwrap();
    for args in [&["tables"][..], &["sql", "SELECT count(*) FROM cloudtrail"]] {
        let out = mantissa(&r, &moto, args);
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            err.contains("s3://no-such-tables-bucket/lake")
                && err.contains("does not exist: create the bucket `no-such-tables-bucket`"),
            "{args:?}: {err}"
        );
    }
    // No region anywhere: the AWS SDK cannot pick an endpoint.
    create_buckets(&moto, &["region-tables"]);
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[storage]\nurl = \"s3://region-tables/\"\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
        cmd.env_remove(k);
    }
    let out = cmd
        .current_dir(r.dir.path())
        .envs(moto.env().into_iter().filter(|(k, _)| *k != "AWS_REGION"))
        .args(["tables"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        !out.status.success()
            && err.contains("s3://region-tables/")
            && err.contains("no AWS region is configured: set AWS_REGION"),
        "{err}"
    );
}
