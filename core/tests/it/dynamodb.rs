//! The DynamoDB stores against the same conformance suites as the SQLite
//! ones, over DynamoDB's wire protocol: a local moto server (see the test
//! kit), never a stub. Each case gets fresh tables under its own prefix;
//! every handle is its own client, as another Lambda instance would be.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mantissa_core::alert::AlertStore;
use mantissa_core::alert::dynamodb::DynamoAlertStore;
use mantissa_core::conformance::{self, Backing};
use mantissa_core::dedup::SeenStore;
use mantissa_core::dedup::dynamodb::DynamoSeenStore;
use mantissa_core::ingest::manifest::ManifestStore;
use mantissa_core::ingest::manifest::dynamodb::DynamoManifestStore;
use mantissa_core::rule_state::RuleStateStore;
use mantissa_core::rule_state::dynamodb::DynamoRuleStateStore;
use mantissa_core::session::SessionStore;
use mantissa_core::session::dynamodb::DynamoSessionStore;
use mantissa_core::store::StoreError;
use mantissa_core::store::dynamodb::Dynamo;
use mantissa_testkit::moto::Moto;

/// One moto server for this test binary (it exits with the process).
fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(Moto::start)
}

/// moto's configuration, at `endpoint` (another address for the
/// unreachable-server case).
fn config(endpoint: &str) -> aws_sdk_dynamodb::Config {
    aws_sdk_dynamodb::config::Builder::from(&moto().sdk_config())
        .endpoint_url(endpoint)
        .build()
}

/// Fresh tables: a prefix of their own in the shared server.
struct Tables {
    config: aws_sdk_dynamodb::Config,
    prefix: String,
}

impl Tables {
    fn db(&self) -> Arc<Dynamo> {
        Dynamo::with_client(
            aws_sdk_dynamodb::Client::from_conf(self.config.clone()),
            &self.prefix,
        )
    }
}

fn tables() -> Tables {
    static N: AtomicUsize = AtomicUsize::new(0);
    let prefix = format!(
        "t{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let t = Tables {
        config: config(&moto().url),
        prefix,
    };
    // Created from a thread of its own: the suites call this inside their
    // runtime, and a client's connections belong to the runtime that made them.
    let db = t.db();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(db.create_tables())
    })
    .join()
    .unwrap()
    .expect("create the tables in moto");
    t
}

impl Backing<dyn AlertStore> for Tables {
    fn handle(&self) -> Arc<dyn AlertStore> {
        Arc::new(DynamoAlertStore::new(self.db()))
    }
}

impl Backing<dyn SessionStore> for Tables {
    fn handle(&self) -> Arc<dyn SessionStore> {
        Arc::new(DynamoSessionStore::new(
            self.db(),
            Duration::from_secs(3600),
        ))
    }
}

impl Backing<dyn RuleStateStore> for Tables {
    fn handle(&self) -> Arc<dyn RuleStateStore> {
        Arc::new(DynamoRuleStateStore::new(self.db()))
    }
}

impl Backing<dyn SeenStore> for Tables {
    fn handle(&self) -> Arc<dyn SeenStore> {
        Arc::new(DynamoSeenStore::new(self.db()))
    }
}

impl Backing<dyn ManifestStore> for Tables {
    fn handle(&self) -> Arc<dyn ManifestStore> {
        Arc::new(DynamoManifestStore::new(self.db()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_alert_store() {
    conformance::alerts::run(tables).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_session_store() {
    conformance::sessions::run(tables).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_rule_state_store() {
    conformance::rule_state::run(tables).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_seen_store() {
    conformance::seen::run(tables).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_manifest_store() {
    conformance::manifest::run(tables).await;
}

/// A table that does not exist: a clear error naming it and the fix; an
/// unreachable endpoint: retryable, not a hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_tables_and_unreachable_endpoints_are_clear_errors() {
    let t = Tables {
        config: config(&moto().url),
        prefix: "never-created".into(),
    };
    let err = DynamoSeenStore::new(t.db())
        .claim("Ev1", chrono::Utc::now(), Duration::from_secs(60))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("table `never-created-seen` does not exist") && text.contains("terraform"),
        "{text}"
    );
    assert!(!err.is_retryable());

    // A closed port: the SDK's own retries, then Unavailable.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let t = Tables {
        config: config(&url),
        prefix: "p".into(),
    };
    let err = DynamoSessionStore::new(t.db(), Duration::from_secs(60))
        .get("s1", chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(err.is_retryable());
}
