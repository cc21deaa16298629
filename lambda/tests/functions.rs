//! The Lambda functions' real `bootstrap` binaries under a Lambda Runtime
//! API server on loopback (the test kit's), against moto for S3 and
//! DynamoDB and the kit's HTTP fake as the alert destination: configured
//! the way the deployment configures them (`MANTISSA_*` variables, the AWS
//! SDK's environment), invoked with the events AWS sends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mantissa_core::config::Config;
use mantissa_core::ingest::manifest::sqlite::SqliteManifestStore;
use mantissa_core::ingest::{IngestOptions, Ingestor, NoProgress};
use mantissa_core::storage::Storage;
use mantissa_core::store::dynamodb::Dynamo;
use mantissa_testkit::Fake;
use mantissa_testkit::lambda::LambdaRuntime;
use mantissa_testkit::moto::{self, Moto};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// An S3 client of `moto` (path-style) and the `buckets`, created.
async fn s3_with_buckets(moto: &Moto, buckets: &[&str]) -> aws_sdk_s3::Client {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&moto.sdk_config())
            .force_path_style(true)
            .build(),
    );
    for bucket in buckets {
        s3.create_bucket()
            .bucket(*bucket)
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
    s3
}

/// A function process: its bootstrap binary with the deployment's
/// environment, talking to `runtime`.
struct Function {
    child: Child,
    started: Instant,
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(
    bootstrap: &str,
    runtime: &LambdaRuntime,
    moto: &Moto,
    dir: &Path,
    env: &[(&str, String)],
) -> Function {
    let mut cmd = Command::new(bootstrap);
    for (k, _) in
        std::env::vars().filter(|(k, _)| k.starts_with("AWS_") || k.starts_with("MANTISSA_"))
    {
        cmd.env_remove(k);
    }
    cmd.current_dir(dir)
        .envs(moto.env())
        .env("AWS_LAMBDA_RUNTIME_API", runtime.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "mantissa-test")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "MANTISSA_DATA_DIR",
            dir.join("tmp").to_string_lossy().into_owned(),
        )
        .envs(env.iter().map(|(k, v)| (*k, v.clone())))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    Function {
        child: cmd.spawn().expect("start the bootstrap"),
        started,
    }
}

/// An EventBridge scheduled event at `time`.
fn scheduled(time: &str) -> Value {
    json!({
        "version": "0",
        "id": "5e1f6a7b-0000-4000-8000-000000000000",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": moto::AWS_REGION,
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/mantissa-detector"],
        "detail": {}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detector_function_runs_scheduled_cycles_catches_up_and_delivers() {
    let moto = tokio::task::spawn_blocking(Moto::start).await.unwrap();
    let s3 = s3_with_buckets(&moto, &["fn-tables"]).await;
    Dynamo::with_client(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), "fn")
        .create_tables()
        .await
        .unwrap();
    // What ingest would have written: the brute-force fixture as Parquet in S3.
    let dir = tempfile::tempdir().unwrap();
    let tables = Storage::s3_with_client(s3.clone(), "fn-tables", "");
    let fixture = repo().join("tests/fixtures/handmade/brute_force_then_success.jsonl");
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let config = Config {
            data_dir: d.join("ingest"),
            ..Config::default()
        };
        let manifest = Arc::new(SqliteManifestStore::open(&d.join("ingest/manifest.db")).unwrap());
        Ingestor::new(&config, tables, manifest)
            .run(
                &[fixture],
                &IngestOptions {
                    source: Some("cloudtrail".into()),
                },
                &NoProgress,
            )
            .unwrap()
    })
    .await
    .unwrap();
    // The product description's example rule, from a rules directory.
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::copy(
        repo().join("rules/suspicious-logins.yaml"),
        rules.join("suspicious-logins.yaml"),
    )
    .unwrap();
    let hook = Fake::start().await;
    std::fs::write(
        dir.path().join("mantissa.toml"),
        format!(
            "[router.destinations.soar]\ntype = \"webhook\"\nurl = \"{}/hook\"\n\n[router.default_route]\ndestinations = [\"soar\"]\n",
            hook.url
        ),
    )
    .unwrap();

    let runtime = LambdaRuntime::start().await;
    let _function = start(
        env!("CARGO_BIN_EXE_lambda-detector"),
        &runtime,
        &moto,
        dir.path(),
        &[
            ("MANTISSA_STORAGE_URL", "s3://fn-tables/".into()),
            ("MANTISSA_STORES_TYPE", "dynamodb".into()),
            ("MANTISSA_STORES_TABLE_PREFIX", "fn".into()),
            ("MANTISSA_DETECTOR_BUILTIN_RULES", "false".into()),
            (
                "MANTISSA_DETECTOR_RULES_DIRS",
                rules.to_string_lossy().into_owned(),
            ),
        ],
    );
    let spawned = _function.started;
    assert!(
        runtime.wait_ready(Duration::from_secs(60)).await,
        "the function did not start: {:?}",
        runtime.init_error()
    );
    eprintln!(
        "lambda-detector init (process start to first invocation/next): {} ms",
        runtime.first_poll(spawned).unwrap().as_millis()
    );

    let first = runtime
        .invoke(scheduled("2024-03-10T10:30:00Z"), Duration::from_secs(60))
        .await
        .expect("an answer");
    let out = first.result.expect("the cycle succeeds");
    eprintln!("first cycle: {out} in {} ms", first.elapsed.as_millis());
    assert_eq!(out["cycle"]["new_alerts"], 1, "{out}");
    assert_eq!(out["deliveries"]["delivered"], 1, "{out}");
    let posted = hook.requests("/hook");
    assert_eq!(posted.len(), 1);
    assert!(String::from_utf8_lossy(&posted[0].body).contains("suspicious-logins"));

    // EventBridge delivers at least once: the same event again adds nothing.
    let again = runtime
        .invoke(scheduled("2024-03-10T10:30:00Z"), Duration::from_secs(60))
        .await
        .unwrap()
        .result
        .unwrap();
    assert_eq!(again["cycle"]["evaluations"], 0, "{again}");
    assert_eq!(hook.requests("/hook").len(), 1);

    // Two invocations missed: the next one catches their ticks up.
    let later = runtime
        .invoke(scheduled("2024-03-10T10:45:00Z"), Duration::from_secs(60))
        .await
        .unwrap()
        .result
        .unwrap();
    assert_eq!(
        later["cycle"]["evaluations"], 3,
        "10:35, 10:40, 10:45: {later}"
    );

    // A bad event is that invocation's error; the function keeps serving.
    let bad = runtime
        .invoke(
            json!({"detail-type": "Scheduled Event"}),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let err = bad.result.expect_err("no time in the event");
    assert!(err.to_string().contains("time"), "{err}");
    let fine = runtime
        .invoke(scheduled("2024-03-10T10:50:00Z"), Duration::from_secs(60))
        .await
        .unwrap();
    assert!(fine.result.is_ok(), "{:?}", fine.result);
}

/// An S3 `ObjectCreated` notification as S3 sends it (the key URL-encoded).
fn object_created(bucket: &str, encoded_key: &str, size: usize) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": moto::AWS_REGION,
        "eventTime": "2024-03-10T10:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "EXAMPLE", "x-amz-id-2": "EXAMPLE"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "mantissa-ingest",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": {"key": encoded_key, "size": size, "eTag": "0123456789abcdef", "sequencer": "0A1B2C3D4E5F678901"}
        }
    }]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingest_function_normalises_each_new_object_once() {
    let moto = tokio::task::spawn_blocking(Moto::start).await.unwrap();
    let s3 = s3_with_buckets(&moto, &["ingest-raw", "ingest-tables"]).await;
    Dynamo::with_client(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), "ing")
        .create_tables()
        .await
        .unwrap();
    // A CloudTrail delivery (real events, Stratus Red Team), a space in its key.
    let body = std::fs::read(repo().join(
        "tests/fixtures/datasets/stratus-red-team-detonation-logs/detonation-logs/aws.credential-access.ec2-get-password-data.json",
    ))
    .unwrap();
    let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/10/trail file.json";
    s3.put_object()
        .bucket("ingest-raw")
        .key(key)
        .body(body.clone().into())
        .send()
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let runtime = LambdaRuntime::start().await;
    let function = start(
        env!("CARGO_BIN_EXE_lambda-ingest"),
        &runtime,
        &moto,
        dir.path(),
        &[
            ("MANTISSA_STORAGE_URL", "s3://ingest-tables/".into()),
            ("MANTISSA_STORES_TYPE", "dynamodb".into()),
            ("MANTISSA_STORES_TABLE_PREFIX", "ing".into()),
        ],
    );
    assert!(
        runtime.wait_ready(Duration::from_secs(60)).await,
        "the function did not start: {:?}",
        runtime.init_error()
    );
    eprintln!(
        "lambda-ingest init: {} ms",
        runtime.first_poll(function.started).unwrap().as_millis()
    );
    let event = object_created("ingest-raw", &key.replace(' ', "+"), body.len());
    let first = runtime
        .invoke(event.clone(), Duration::from_secs(60))
        .await
        .unwrap();
    let report = first.result.expect("ingested");
    eprintln!("first notification: {} ms", first.elapsed.as_millis());
    assert_eq!(report["files_read"], 1, "{report}");
    assert!(
        report["records"]["cloudtrail"].as_u64().unwrap() > 0,
        "{report}"
    );
    let written = s3
        .list_objects_v2()
        .bucket("ingest-tables")
        .prefix("cloudtrail/dt=")
        .send()
        .await
        .unwrap();
    assert!(
        written
            .contents()
            .iter()
            .any(|o| o.key().unwrap_or("").ends_with(".parquet")),
        "no Parquet in the tables bucket"
    );
    // S3 notifications arrive at least once: the same object again is skipped.
    let again = runtime
        .invoke(event, Duration::from_secs(60))
        .await
        .unwrap()
        .result
        .unwrap();
    assert_eq!(again["files_skipped"], 1, "{again}");
    assert_eq!(again["files_read"], 0, "{again}");
}
