//! The binary on the AWS backends: `[stores] type = "dynamodb"` against a
//! local DynamoDB-protocol server (moto, from the test kit), configured only
//! through the AWS SDK's own environment (`AWS_ENDPOINT_URL`, region,
//! credentials), as a Lambda function is.

use std::process::{Command, Output};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use mantissa_core::store::dynamodb::Dynamo;
use mantissa_testkit::moto::{self, Moto};
use serde_json::Value;

use super::{Run, example_rule_dir, fixtures, stderr};

/// Creates the stack's tables under `prefix`, as Terraform would.
fn create_tables(moto: &Moto, prefix: &str) {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&moto.url)
        .region(Region::new(moto::AWS_REGION))
        .credentials_provider(Credentials::new(
            moto::AWS_ACCESS_KEY_ID,
            moto::AWS_SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .build();
    let db = Dynamo::with_client(aws_sdk_dynamodb::Client::from_conf(config), prefix);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(db.create_tables())
        .expect("create the tables");
}

/// `mantissa` with only the AWS environment of `moto`.
fn mantissa(r: &Run, moto: &Moto, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mantissa"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
        cmd.env_remove(k);
    }
    cmd.current_dir(r.dir.path())
        .env_remove("MANTISSA_NOW")
        .envs(moto.env())
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
