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

/// What the ingest function would have written: CloudTrail records from
/// `input` as Parquet in `tables` (the manifest under `dir`).
async fn ingest_cloudtrail(dir: &Path, tables: Storage, input: PathBuf) {
    let d = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let config = Config {
            data_dir: d.join("ingest"),
            ..Config::default()
        };
        let manifest = Arc::new(SqliteManifestStore::open(&d.join("ingest/manifest.db")).unwrap());
        Ingestor::new(&config, tables, manifest)
            .run(
                &[input],
                &IngestOptions {
                    source: Some("cloudtrail".into()),
                },
                &NoProgress,
            )
            .unwrap()
    })
    .await
    .unwrap();
}

/// moto, with the `buckets` and the stores' DynamoDB tables (`prefix`)
/// created as Terraform creates them; its S3 client.
async fn aws_with(buckets: &[&str], prefix: &str) -> (Moto, aws_sdk_s3::Client) {
    let moto = tokio::task::spawn_blocking(Moto::start).await.unwrap();
    let s3 = s3_with_buckets(&moto, buckets).await;
    Dynamo::with_client(aws_sdk_dynamodb::Client::new(&moto.sdk_config()), prefix)
        .create_tables()
        .await
        .unwrap();
    (moto, s3)
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
    // `MANTISSA_TEST_LAMBDA_DIR=target/lambda` runs the packaged bootstraps
    // of scripts/build-lambdas.sh instead (release, glibc 2.34).
    let packaged = std::env::var_os("MANTISSA_TEST_LAMBDA_DIR").map(|d| {
        let name = Path::new(bootstrap).file_name().unwrap().to_string_lossy();
        let function = name.strip_prefix("lambda-").unwrap_or(&name).to_string();
        PathBuf::from(d).join(function).join("bootstrap")
    });
    let mut cmd = Command::new(packaged.as_deref().unwrap_or(Path::new(bootstrap)));
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
        // Lambda sends both to CloudWatch; the functions log to stdout.
        .stdout(log_file(dir, bootstrap))
        .stderr(log_file(dir, bootstrap));
    let started = Instant::now();
    Function {
        child: cmd.spawn().expect("start the bootstrap"),
        started,
    }
}

/// Where a function's log lines go: `<dir>/<binary>.log`.
fn log_path(dir: &Path, bootstrap: &str) -> PathBuf {
    let name = Path::new(bootstrap).file_name().unwrap().to_string_lossy();
    dir.join(format!("{name}.log"))
}

fn log_file(dir: &Path, bootstrap: &str) -> Stdio {
    std::fs::File::options()
        .create(true)
        .append(true)
        .open(log_path(dir, bootstrap))
        .unwrap()
        .into()
}

/// A function's log so far, for an assertion's message.
fn logs(dir: &Path, bootstrap: &str) -> String {
    std::fs::read_to_string(log_path(dir, bootstrap)).unwrap_or_default()
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
    let (moto, s3) = aws_with(&["fn-tables"], "fn").await;
    // What ingest would have written: the brute-force fixture as Parquet in S3.
    let dir = tempfile::tempdir().unwrap();
    let tables = Storage::s3_with_client(s3.clone(), "fn-tables", "");
    let fixture = repo().join("tests/fixtures/handmade/brute_force_then_success.jsonl");
    ingest_cloudtrail(dir.path(), tables, fixture).await;
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
    let (moto, s3) = aws_with(&["ingest-raw", "ingest-tables"], "ing").await;
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

const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const API_TOKEN: &str = "mnt-test-api-token-0123456789";

/// An API Gateway HTTP API (payload 2.0, `$default` stage) event for a
/// request to `path`; the body base64-encoded as API Gateway does for
/// non-JSON bodies.
fn http_api_event(path: &str, headers: &[(&str, String)], body: &str, base64: bool) -> Value {
    use base64::Engine as _;
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
        .collect();
    json!({
        "version": "2.0",
        "routeKey": format!("POST {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "a1b2c3d4e5",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "3.80.0.1", "userAgent": "Slackbot 1.0 (+https://api.slack.com/robots)"},
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": format!("POST {path}"),
            "stage": "$default",
            "time": "10/Mar/2024:10:00:00 +0000",
            "timeEpoch": 1710064800000u64
        },
        "body": if base64 { base64::engine::general_purpose::STANDARD.encode(body) } else { body.to_string() },
        "isBase64Encoded": base64
    })
}

/// Slack's signature headers for `body` signed now with `secret`.
fn slack_headers(secret: &str, body: &str, content_type: &str) -> Vec<(&'static str, String)> {
    let ts = chrono::Utc::now().timestamp();
    vec![
        ("content-type", content_type.to_string()),
        ("x-slack-request-timestamp", ts.to_string()),
        (
            "x-slack-signature",
            mantissa_bot::auth::SlackVerifier::sign(secret, ts, body.as_bytes()),
        ),
    ]
}

/// The status code of an API Gateway proxy response.
fn status(invocation: &mantissa_testkit::lambda::Invocation) -> u64 {
    let response = invocation.result.as_ref().expect("a response");
    response["statusCode"].as_u64().unwrap_or_default()
}

fn form_payload(payload: &Value) -> String {
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}

/// The whole chat path as deployed: API Gateway → bot function (verify,
/// ack) → asynchronous Invoke → worker function (Athena, the Slack Web
/// API); and the alert path: EventBridge → detector function → DynamoDB
/// and Slack (with buttons) → router function → a click → bot → worker →
/// the alert acknowledged and its message edited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_mention_is_acked_by_the_bot_function_and_answered_by_the_worker_function() {
    use mantissa_core::catalog::Catalog;
    use mantissa_testkit::athena::AthenaFake;

    let (moto, s3) = aws_with(&["chat-tables"], "chat").await;
    // The brute-force fixture, moved to yesterday (the functions run on the
    // real clock), ingested as the ingest function would.
    let dir = tempfile::tempdir().unwrap();
    let day = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let fixture = std::fs::read_to_string(
        repo().join("tests/fixtures/handmade/brute_force_then_success.jsonl"),
    )
    .unwrap()
    .replace("2024-03-10", &day);
    let input = dir.path().join("cloudtrail.jsonl");
    std::fs::write(&input, fixture).unwrap();
    let tables = Storage::s3_with_client(s3.clone(), "chat-tables", "");
    ingest_cloudtrail(dir.path(), tables.clone(), input).await;
    // Athena over the same bucket.
    let athena = AthenaFake::start(
        mantissa_athena_local::runner(tables, Catalog::builtin()),
        Duration::from_millis(20),
        Duration::from_millis(20),
    )
    .await;
    athena.workgroup("mantissa-chat", Some(10_000_000_000), true);
    let slack = Fake::start().await;
    slack.slack_channel("C1");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::copy(
        repo().join("rules/suspicious-logins.yaml"),
        rules.join("suspicious-logins.yaml"),
    )
    .unwrap();

    let worker_runtime = LambdaRuntime::start().await;
    let bot_runtime = LambdaRuntime::start().await;
    let detector_runtime = LambdaRuntime::start().await;
    let router_runtime = LambdaRuntime::start().await;
    // Configured as terraform/modules/functions configures them: only
    // environment variables (the secrets as values rather than references).
    let env = |runtime_of_worker: &LambdaRuntime| {
        vec![
            ("MANTISSA_STORAGE_URL", "s3://chat-tables/".to_string()),
            ("MANTISSA_ENGINE_TYPE", "athena".to_string()),
            (
                "MANTISSA_ENGINE_ATHENA__WORKGROUP",
                "mantissa-chat".to_string(),
            ),
            (
                "MANTISSA_ENGINE_ATHENA__DATABASE",
                "mantissa_chat".to_string(),
            ),
            ("MANTISSA_ENGINE_ATHENA__POLL_INITIAL_MS", "20".to_string()),
            ("MANTISSA_STORES_TYPE", "dynamodb".to_string()),
            ("MANTISSA_STORES_TABLE_PREFIX", "chat".to_string()),
            ("MANTISSA_DETECTOR_BUILTIN_RULES", "false".to_string()),
            (
                "MANTISSA_ROUTER__DESTINATIONS__SLACK__TYPE",
                "slack".to_string(),
            ),
            (
                "MANTISSA_ROUTER__DESTINATIONS__SLACK__CHANNEL",
                "C1".to_string(),
            ),
            (
                "MANTISSA_ROUTER__DEFAULT_ROUTE__DESTINATIONS",
                "slack".to_string(),
            ),
            ("MANTISSA_SLACK_SIGNING_SECRET", SIGNING_SECRET.to_string()),
            (
                "MANTISSA_SLACK_BOT_TOKEN",
                mantissa_testkit::SLACK_TOKEN.to_string(),
            ),
            ("MANTISSA_SLACK_API_URL", slack.slack_url()),
            ("MANTISSA_LAMBDA_WORKER", "mantissa-worker".to_string()),
            ("MANTISSA_LAMBDA_TRANSLATOR", "builtin".to_string()),
            ("MANTISSA_API_TOKEN", API_TOKEN.to_string()),
            (
                "AWS_ENDPOINT_URL_LAMBDA",
                format!("http://{}", runtime_of_worker.address()),
            ),
            ("AWS_ENDPOINT_URL_ATHENA", athena.url().to_string()),
            (
                "MANTISSA_DETECTOR_RULES_DIRS",
                rules.to_string_lossy().into_owned(),
            ),
        ]
    };
    let env = env(&worker_runtime);
    let worker = start(
        env!("CARGO_BIN_EXE_lambda-worker"),
        &worker_runtime,
        &moto,
        dir.path(),
        &env,
    );
    let bot = start(
        env!("CARGO_BIN_EXE_lambda-bot"),
        &bot_runtime,
        &moto,
        dir.path(),
        &env,
    );
    let detector = start(
        env!("CARGO_BIN_EXE_lambda-detector"),
        &detector_runtime,
        &moto,
        dir.path(),
        &env,
    );
    let router = start(
        env!("CARGO_BIN_EXE_lambda-router"),
        &router_runtime,
        &moto,
        dir.path(),
        &env,
    );
    for (name, runtime, function) in [
        ("lambda-worker", &worker_runtime, &worker),
        ("lambda-bot", &bot_runtime, &bot),
        ("lambda-detector", &detector_runtime, &detector),
        ("lambda-router", &router_runtime, &router),
    ] {
        assert!(
            runtime.wait_ready(Duration::from_secs(60)).await,
            "{name} did not start: {:?}",
            runtime.init_error()
        );
        eprintln!(
            "{name} init: {} ms",
            runtime.first_poll(function.started).unwrap().as_millis()
        );
    }

    // A signed mention: acked well within Slack's 3 seconds.
    let mention = json!({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": "Ev0LAMBDA1", "event_time": 1,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": true}],
        "event": {"type": "app_mention", "user": "U1", "channel": "C123",
                  "text": "<@UBOT> failed console logins by source IP in the last 7 days",
                  "ts": "1710064800.000100", "event_ts": "1710064800.000100"},
    })
    .to_string();
    let acked = bot_runtime
        .invoke(
            http_api_event(
                "/slack/events",
                &slack_headers(SIGNING_SECRET, &mention, "application/json"),
                &mention,
                false,
            ),
            Duration::from_secs(30),
        )
        .await
        .expect("the bot function answers");
    eprintln!("bot function ack: {} ms", acked.elapsed.as_millis());
    assert_eq!(status(&acked), 200, "{:?}", acked.result);
    assert!(
        acked.elapsed < Duration::from_secs(3),
        "{:?}",
        acked.elapsed
    );
    let calls = worker_runtime.invoke_calls();
    assert_eq!(calls.len(), 1, "one job handed to the worker");
    assert_eq!(calls[0].function, "mantissa-worker");
    assert_eq!(calls[0].invocation_type, "Event");
    let done = worker_runtime.wait_async(1, Duration::from_secs(60)).await;
    assert!(done.first().is_some_and(|d| d.result.is_ok()), "{done:?}");
    eprintln!("worker function job: {} ms", done[0].elapsed.as_millis());
    let replies = slack.slack_replies();
    let answer = replies
        .iter()
        .find(|m| m["thread_ts"] == "1710064800.000100" && m.to_string().contains("203.0.113.66"))
        .unwrap_or_else(|| panic!("no answer in the thread: {replies:?}"));
    assert_eq!(answer["channel"], "C123");
    assert!(
        athena
            .executions()
            .iter()
            .any(|e| e.query.sql.contains("consolelogin") || e.query.sql.contains("ConsoleLogin")),
        "the question ran on Athena"
    );

    // At-least-once: the same job delivered again posts nothing more.
    let posted = slack.requests("/slack/chat.postMessage").len();
    let again = worker_runtime
        .invoke(calls[0].payload.clone(), Duration::from_secs(30))
        .await
        .unwrap();
    assert!(again.result.is_ok(), "{:?}", again.result);
    assert_eq!(slack.requests("/slack/chat.postMessage").len(), posted);

    // The product description's call: `POST $API_ENDPOINT/query` with a
    // bearer token (the endpoint is the API's URL + `/api`), answered in
    // the response.
    let body = json!({"question": "failed console logins by source IP in the last 7 days", "execute": true}).to_string();
    let queried = bot_runtime
        .invoke(
            http_api_event(
                "/api/query",
                &[
                    ("content-type", "application/json".to_string()),
                    ("authorization", format!("Bearer {API_TOKEN}")),
                ],
                &body,
                false,
            ),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(status(&queried), 200, "{:?}", queried.result);
    let response = queried.result.as_ref().unwrap();
    assert!(
        response["body"].as_str().unwrap().contains("203.0.113.66"),
        "{response}"
    );
    let refused = bot_runtime
        .invoke(
            http_api_event(
                "/api/query",
                &[("content-type", "application/json".to_string())],
                &body,
                false,
            ),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(status(&refused), 401, "{:?}", refused.result);

    // A forged mention: 401, nothing handed on.
    let forged = bot_runtime
        .invoke(
            http_api_event(
                "/slack/events",
                &slack_headers("not-the-secret", &mention, "application/json"),
                &mention,
                false,
            ),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(status(&forged), 401, "{:?}", forged.result);
    assert_eq!(worker_runtime.invoke_calls().len(), 1);

    // The alert path: a scheduled cycle yesterday at 10:30 raises the
    // example rule's alert, stored in DynamoDB and posted with buttons.
    let tick = format!("{day}T10:30:00Z");
    let cycle = detector_runtime
        .invoke(scheduled(&tick), Duration::from_secs(120))
        .await
        .unwrap()
        .result
        .expect("the cycle succeeds");
    assert_eq!(cycle["cycle"]["new_alerts"], 1, "{cycle}");
    let alert_posts = slack.slack_posts();
    let alert = alert_posts
        .iter()
        .find(|m| m["channel"] == "C1")
        .unwrap_or_else(|| panic!("no alert in C1: {alert_posts:?}"));
    let ack = alert["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .find(|e| e["action_id"] == "alert_ack")
        .expect("an Acknowledge button");
    let alert_id = ack["value"].as_str().unwrap().to_string();
    let alert_ts = alert["ts"].as_str().unwrap().to_string();
    // The router function drains the same outbox: nothing is left over.
    let drained = router_runtime
        .invoke(json!({"source": "aws.events"}), Duration::from_secs(60))
        .await
        .unwrap()
        .result
        .expect("the router drains");
    assert_eq!(drained["failed"], 0, "{drained}");

    // The analyst clicks Acknowledge: the bot acks, the worker acts.
    let click = form_payload(&json!({
        "type": "block_actions",
        "user": {"id": "U1", "username": "analyst"},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "container": {"type": "message", "message_ts": alert_ts, "channel_id": "C1", "is_ephemeral": false},
        "channel": {"id": "C1", "name": "secops"},
        "message": {"ts": alert_ts, "type": "message"},
        "response_url": format!("{}/slack-response/1", slack.url),
        "trigger_id": "1.2.3",
        "actions": [{"action_id": "alert_ack", "block_id": "b", "type": "button",
                     "value": alert_id, "action_ts": "1710073000.000001"}],
    }));
    let clicked = bot_runtime
        .invoke(
            http_api_event(
                "/slack/interactions",
                &slack_headers(SIGNING_SECRET, &click, "application/x-www-form-urlencoded"),
                &click,
                true,
            ),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(status(&clicked), 200, "{:?}", clicked.result);
    let done = worker_runtime.wait_async(2, Duration::from_secs(60)).await;
    assert!(done.get(1).is_some_and(|d| d.result.is_ok()), "{done:?}");
    let updates = slack.requests("/slack/chat.update");
    assert_eq!(
        updates.len(),
        1,
        "the alert message is edited once; the worker's log:\n{}",
        logs(dir.path(), env!("CARGO_BIN_EXE_lambda-worker"))
    );
    let update = updates[0].json();
    assert_eq!(update["ts"], alert_ts.as_str());
    assert!(
        update.to_string().to_lowercase().contains("acknowledged"),
        "{update}"
    );
}

/// API Gateway events through `lambda_http`'s own event parsing into the
/// bot's app, in process (`oneshot`, no runtime server): each request shape
/// the bot function gets, as it gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_gateway_events_reach_the_bot_app_in_process() {
    use lambda_http::tower::ServiceExt as _;
    use mantissa_core::config::Secret;

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    config.slack.signing_secret = Some(Secret::new(SIGNING_SECRET));
    config.slack.bot_token = Some(Secret::new(mantissa_testkit::SLACK_TOKEN));
    config.api.token = Some(Secret::new(API_TOKEN));
    let composition = mantissa::Composition::new(config, mantissa_core::clock::Clock::system());
    let service =
        mantissa::Service::new(composition.clone(), mantissa_core::answer::Policy::Builtin)
            .unwrap();
    let state = mantissa::bot::state(
        &composition,
        Arc::new(service),
        Arc::new(mantissa_bot::dispatch::TokioDispatcher::default()),
        mantissa::bot::SlackIntake::Http,
    )
    .unwrap();
    let app = mantissa_bot::app(Arc::new(state));
    let call = |event: Value| {
        let request =
            lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event");
        app.clone().oneshot(request.map(axum::body::Body::new))
    };
    let text = |response: axum::response::Response| async move {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };

    // Slack's URL check when the Event Subscriptions URL is saved.
    let challenge = json!({"type": "url_verification", "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    .to_string();
    let ok = call(http_api_event(
        "/slack/events",
        &slack_headers(SIGNING_SECRET, &challenge, "application/json"),
        &challenge,
        false,
    ))
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        text(ok)
            .await
            .contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    );
    // The same, forged.
    let forged = call(http_api_event(
        "/slack/events",
        &slack_headers("wrong-secret", &challenge, "application/json"),
        &challenge,
        false,
    ))
    .await
    .unwrap();
    assert_eq!(forged.status(), 401);

    // A slash command: a form body API Gateway hands over base64-encoded;
    // the signature is over the decoded bytes.
    let command = serde_urlencoded::to_string([
        ("token", "x"),
        ("team_id", "T1"),
        ("channel_id", "C123"),
        ("user_id", "U1"),
        ("command", "/mantissa"),
        ("text", "help"),
        ("response_url", "https://hooks.slack.com/commands/T1/1/x"),
        ("trigger_id", "1.2.3"),
    ])
    .unwrap();
    let help = call(http_api_event(
        "/slack/commands",
        &slack_headers(
            SIGNING_SECRET,
            &command,
            "application/x-www-form-urlencoded",
        ),
        &command,
        true,
    ))
    .await
    .unwrap();
    assert_eq!(help.status(), 200);
    let help = text(help).await;
    assert!(help.contains("/mantissa"), "{help}");

    // The REST API without a token.
    let refused = call(http_api_event(
        "/api/query",
        &[("content-type", "application/json".to_string())],
        r#"{"question": "failed console logins", "execute": true}"#,
        false,
    ))
    .await
    .unwrap();
    assert_eq!(refused.status(), 401);
}
