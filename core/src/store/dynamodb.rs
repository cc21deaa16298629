//! What the DynamoDB stores share: the client, table names, the table
//! design, attribute helpers and the mapping of SDK errors onto
//! [`StoreError`].
//!
//! # Table design
//!
//! One table per kind of item, named `<prefix>-<name>`
//! (`mantissa-prod-sessions`); reads of one item are strongly consistent,
//! lists go through global secondary indexes (eventually consistent, as
//! DynamoDB's indexes are):
//!
//! | table | key | attributes | TTL attribute | requests per operation |
//! |---|---|---|---|---|
//! | `sessions` | `id` (S): chat thread or `--session` | `turn` (S, JSON), `expires_at` (N, epoch s) | `expires_at` | get: 1 `GetItem`; put: 1 `PutItem`; clear: 1 `DeleteItem` |
//! | `seen` | `id` (S): event or job id | `expires_at` (N, epoch s) | `expires_at` | claim: 1 conditional `PutItem` |
//! | `rule_state` | `rule_id` (S) | `last_success` (N, epoch µs), `failures` (N), `last_error` (S), `enabled` (BOOL) | — | read: 1 `GetItem`; success: 1 conditional `UpdateItem` (+1 if a later success is already stored); failure, enable: 1 `UpdateItem` |
//! | `manifest` | `sha256` (S) | `path` (S), `bytes`, `records`, `quarantined` (N) | — | contains/entry: 1 `GetItem`; record: 1 conditional `PutItem` per file |
//! | `alerts` | `id` (S) | `body` (S, the alert as JSON), lifecycle `status`/`status_by`/`status_at`, `rule_id`, `fingerprint`, `severity` (N rank), `first_seen`/`last_seen`/`suppress_until` (N, epoch µs), `evidence_hash`, `meta` (BOOL), `count`, `version` (N), `all` (S, always `alert`) | — | GSIs `by_fingerprint` (fingerprint, first_seen), `by_rule` (rule_id, first_seen), `by_last_seen` (all, last_seen). Raise: 1 `GetItem` + 1 `TransactWriteItems` (alert + `raised` event); ack/resolve: 1 `GetItem` + 1 `TransactWriteItems` (conditional on `version` and `status`, + event) |
//! | `alert_events` | `alert_id` (S) | sort `seq` (N, the alert's version the event came with); `at`, `actor`, `action`, `detail` | — | history: 1 `Query` |
//! | `deliveries` | `pk` (S): `d#<id>` a delivery, `k#<key>` its key reservation, `counter` the id counter | `id` (N), `key`, `alert_id`, `destination`, `action`, `payload` (JSON), `status`, `due` (S `pending`, only while pending), `attempts`, `next_attempt`, `lease_until`, `last_error`, `message_ref` (JSON), `created_at`, `updated_at` | — | GSIs `due` (due, next_attempt; sparse), `by_alert` (alert_id, id). Enqueue n: 1 `UpdateItem` (id block) + n `TransactWriteItems` (reservation + delivery); claim: 1 `Query` + 1 conditional `UpdateItem` per claimed row; attempt: 1 `GetItem` + 1 `TransactWriteItems` (delivery + attempt) |
//! | `delivery_attempts` | `delivery_id` (N) | sort `seq` (N); `at`, `duration_ms`, `status_code`, `error`, `outcome` (JSON) | — | attempts: 1 `Query` |
//! | `rule_mutes` | `rule_id` (S) | `until`, `at` (N, epoch µs), `by` | — | 1 `PutItem` / `DeleteItem` / `GetItem` |
//!
//! Reads are strongly consistent (a retry that follows a write must see
//! it). DynamoDB deletes TTL-expired items lazily (within days), so every
//! read also compares `expires_at` with the caller's `now`. [`TABLES`] is
//! this design as data: tests create tables from it and the Terraform of
//! the AWS deployment declares the same keys and TTL attributes.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use tokio::sync::OnceCell;

use super::StoreError;

/// The backend name in errors.
pub(crate) const BACKEND: &str = "dynamodb";

/// An attribute's DynamoDB key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// String (`S`).
    S,
    /// Number (`N`).
    N,
}

/// A key attribute: name and type.
pub type Key = (&'static str, KeyType);

/// A global secondary index (projection: all attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gsi {
    /// The index name.
    pub name: &'static str,
    /// Its partition key.
    pub key: Key,
    /// Its sort key.
    pub sort: Option<Key>,
}

/// One table of the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDesign {
    /// The name after the prefix.
    pub name: &'static str,
    /// The partition key.
    pub key: Key,
    /// The sort key.
    pub sort: Option<Key>,
    /// The TTL attribute, if items expire.
    pub ttl: Option<&'static str>,
    /// Global secondary indexes.
    pub gsis: &'static [Gsi],
}

impl TableDesign {
    /// Every key attribute once, the table's and its indexes' together.
    pub fn key_attributes(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = vec![self.key];
        keys.extend(self.sort);
        for g in self.gsis {
            keys.push(g.key);
            keys.extend(g.sort);
        }
        let mut seen = std::collections::HashSet::new();
        keys.retain(|(n, _)| seen.insert(*n));
        keys
    }
}

/// [`TABLES`] as Terraform JSON (`aws_dynamodb_table`, named
/// `${var.name}-<table>`: on-demand, TTL where items expire, point-in-time
/// recovery, SSE with `${var.kms_key_arn}`): the checked-in
/// `terraform/modules/state/tables.tf.json` (a test compares them).
pub fn terraform() -> serde_json::Value {
    use serde_json::json;
    let ty = |k: KeyType| match k {
        KeyType::S => "S",
        KeyType::N => "N",
    };
    let mut resources = serde_json::Map::new();
    for t in TABLES {
        let mut table = json!({
            "name": format!("${{var.name}}-{}", t.name),
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": t.key.0,
            "attribute": t.key_attributes().iter().map(|(n, k)| json!({"name": n, "type": ty(*k)})).collect::<Vec<_>>(),
            "point_in_time_recovery": {"enabled": true},
            "server_side_encryption": {"enabled": true, "kms_key_arn": "${var.kms_key_arn}"},
            "deletion_protection_enabled": "${var.deletion_protection}",
        });
        if let Some((sort, _)) = t.sort {
            table["range_key"] = json!(sort);
        }
        if let Some(ttl) = t.ttl {
            table["ttl"] = json!({"attribute_name": ttl, "enabled": true});
        }
        if !t.gsis.is_empty() {
            table["global_secondary_index"] = t
                .gsis
                .iter()
                .map(|g| {
                    let mut index =
                        json!({"name": g.name, "hash_key": g.key.0, "projection_type": "ALL"});
                    if let Some((sort, _)) = g.sort {
                        index["range_key"] = json!(sort);
                    }
                    index
                })
                .collect();
        }
        resources.insert(t.name.to_string(), table);
    }
    json!({
        "//": "Generated from TABLES (core/src/store/dynamodb.rs) by the test `terraform_files_match_the_catalog_and_store_design`; do not edit: MANTISSA_UPDATE_TERRAFORM=1 cargo test -p mantissa-core --all-features --test it terraform",
        "resource": {"aws_dynamodb_table": resources},
        "output": {
            "table_arns": {
                "description": "Every table's ARN and its indexes' (for IAM).",
                "value": TABLES.iter().flat_map(|t| [
                    format!("${{aws_dynamodb_table.{}.arn}}", t.name),
                    format!("${{aws_dynamodb_table.{}.arn}}/index/*", t.name),
                ]).collect::<Vec<_>>(),
            },
        },
    })
}

/// Every table the DynamoDB stores use.
pub const TABLES: &[TableDesign] = &[
    TableDesign {
        name: "sessions",
        key: ("id", KeyType::S),
        sort: None,
        ttl: Some("expires_at"),
        gsis: &[],
    },
    TableDesign {
        name: "seen",
        key: ("id", KeyType::S),
        sort: None,
        ttl: Some("expires_at"),
        gsis: &[],
    },
    TableDesign {
        name: "rule_state",
        key: ("rule_id", KeyType::S),
        sort: None,
        ttl: None,
        gsis: &[],
    },
    TableDesign {
        name: "manifest",
        key: ("sha256", KeyType::S),
        sort: None,
        ttl: None,
        gsis: &[],
    },
    TableDesign {
        name: "alerts",
        key: ("id", KeyType::S),
        sort: None,
        ttl: None,
        gsis: &[
            Gsi {
                name: "by_fingerprint",
                key: ("fingerprint", KeyType::S),
                sort: Some(("first_seen", KeyType::N)),
            },
            Gsi {
                name: "by_rule",
                key: ("rule_id", KeyType::S),
                sort: Some(("first_seen", KeyType::N)),
            },
            Gsi {
                name: "by_last_seen",
                key: ("all", KeyType::S),
                sort: Some(("last_seen", KeyType::N)),
            },
        ],
    },
    TableDesign {
        name: "alert_events",
        key: ("alert_id", KeyType::S),
        sort: Some(("seq", KeyType::N)),
        ttl: None,
        gsis: &[],
    },
    TableDesign {
        name: "deliveries",
        key: ("pk", KeyType::S),
        sort: None,
        ttl: None,
        gsis: &[
            Gsi {
                name: "due",
                key: ("due", KeyType::S),
                sort: Some(("next_attempt", KeyType::N)),
            },
            Gsi {
                name: "by_alert",
                key: ("alert_id", KeyType::S),
                sort: Some(("id", KeyType::N)),
            },
        ],
    },
    TableDesign {
        name: "delivery_attempts",
        key: ("delivery_id", KeyType::N),
        sort: Some(("seq", KeyType::N)),
        ttl: None,
        gsis: &[],
    },
    TableDesign {
        name: "rule_mutes",
        key: ("rule_id", KeyType::S),
        sort: None,
        ttl: None,
        gsis: &[],
    },
];

/// A DynamoDB client and the deployment's table prefix, shared by every
/// store of one deployment. The client is made on first use from the AWS
/// SDK's own environment (region, `AWS_ENDPOINT_URL[_DYNAMODB]`,
/// credentials, profiles) unless one is given.
#[derive(Debug)]
pub struct Dynamo {
    client: OnceCell<Client>,
    prefix: String,
    requests: RequestCounter,
}

/// DynamoDB requests sent, by operation (`PutItem`, `TransactWriteItems`,
/// …; every attempt counts): how round trips are measured.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<std::sync::Mutex<std::collections::BTreeMap<String, u64>>>);

impl RequestCounter {
    /// Requests so far, by operation.
    pub fn snapshot(&self) -> std::collections::BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl aws_sdk_dynamodb::config::Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "mantissa-request-counter"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let operation = context
            .request()
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("unknown")
            .to_string();
        if let Ok(mut m) = self.0.lock() {
            *m.entry(operation).or_default() += 1;
        }
        Ok(())
    }
}

impl Dynamo {
    /// Stores named `<prefix>-<table>`, with a client from the environment.
    pub fn from_env(prefix: &str) -> Arc<Self> {
        Arc::new(Self {
            client: OnceCell::new(),
            prefix: prefix.to_string(),
            requests: RequestCounter::default(),
        })
    }

    /// Stores named `<prefix>-<table>` through `client`.
    pub fn with_client(client: Client, prefix: &str) -> Arc<Self> {
        let requests = RequestCounter::default();
        let config = client
            .config()
            .to_builder()
            .interceptor(requests.clone())
            .build();
        Arc::new(Self {
            client: OnceCell::new_with(Some(Client::from_conf(config))),
            prefix: prefix.to_string(),
            requests,
        })
    }

    /// Requests sent so far through this client, by operation.
    pub fn requests(&self) -> std::collections::BTreeMap<String, u64> {
        self.requests.snapshot()
    }

    /// The client.
    pub(crate) async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .load()
                    .await;
                let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
                    .interceptor(self.requests.clone())
                    .build();
                Client::from_conf(config)
            })
            .await
    }

    /// One item by its string key, read strongly consistent.
    pub(crate) async fn get(
        &self,
        table: &str,
        key: &str,
        value: &str,
    ) -> Result<Option<std::collections::HashMap<String, AttributeValue>>, StoreError> {
        let out = self
            .client()
            .await
            .get_item()
            .table_name(table)
            .key(key, s(value))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error(table, e))?;
        Ok(out.item)
    }

    /// The full name of `table`.
    pub fn table(&self, table: &str) -> String {
        format!("{}-{table}", self.prefix)
    }

    /// Creates every table of [`TABLES`] (on-demand billing, TTL enabled),
    /// for tests and first-time local setups; the AWS deployment declares
    /// them in Terraform instead.
    pub async fn create_tables(&self) -> Result<Vec<String>, StoreError> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
            KeyType as DynamoKeyType, Projection, ProjectionType, ScalarAttributeType,
            TimeToLiveSpecification,
        };
        let client = self.client().await;
        let bad = |e: aws_sdk_dynamodb::error::BuildError| StoreError::backend(BACKEND, e);
        let definition = |(name, ty): Key| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(match ty {
                    KeyType::S => ScalarAttributeType::S,
                    KeyType::N => ScalarAttributeType::N,
                })
                .build()
                .map_err(bad)
        };
        let element = |(name, _): Key, kind: DynamoKeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(bad)
        };
        let mut created = Vec::new();
        for t in TABLES {
            let name = self.table(t.name);
            let keys = t.key_attributes();
            let mut create = client
                .create_table()
                .table_name(&name)
                .billing_mode(BillingMode::PayPerRequest)
                .key_schema(element(t.key, DynamoKeyType::Hash)?);
            if let Some(sort) = t.sort {
                create = create.key_schema(element(sort, DynamoKeyType::Range)?);
            }
            for k in keys {
                create = create.attribute_definitions(definition(k)?);
            }
            for g in t.gsis {
                let mut index = GlobalSecondaryIndex::builder()
                    .index_name(g.name)
                    .key_schema(element(g.key, DynamoKeyType::Hash)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    );
                if let Some(sort) = g.sort {
                    index = index.key_schema(element(sort, DynamoKeyType::Range)?);
                }
                create = create.global_secondary_indexes(index.build().map_err(bad)?);
            }
            match create.send().await {
                Ok(_) => created.push(name.clone()),
                // Already there: creating is idempotent.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_in_use_exception()) =>
                {
                    continue;
                }
                Err(e) => return Err(error(&name, e)),
            }
            if let Some(ttl) = t.ttl {
                client
                    .update_time_to_live()
                    .table_name(&name)
                    .time_to_live_specification(
                        TimeToLiveSpecification::builder()
                            .attribute_name(ttl)
                            .enabled(true)
                            .build()
                            .map_err(bad)?,
                    )
                    .send()
                    .await
                    .map_err(|e| error(&name, e))?;
            }
        }
        Ok(created)
    }
}

/// Error codes DynamoDB uses for "slow down" and transient faults.
const RETRYABLE: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
];

/// Maps an SDK error on `table` onto [`StoreError`]: throttling, timeouts
/// and connection failures are retryable; a missing table says which one.
pub(crate) fn error<E, R>(table: &str, e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = e.code().map(str::to_string);
    let message = e.message().map(str::to_string);
    match (&e, code.as_deref()) {
        (SdkError::TimeoutError(_) | SdkError::DispatchFailure(_), _) => StoreError::Unavailable {
            backend: BACKEND,
            source: Box::new(aws_smithy_error(e)),
        },
        (_, Some(c)) if RETRYABLE.contains(&c) => StoreError::Unavailable {
            backend: BACKEND,
            source: format!("{c}: {}", message.unwrap_or_default()).into(),
        },
        (_, Some("ResourceNotFoundException")) => StoreError::backend(
            BACKEND,
            format!(
                "table `{table}` does not exist: create the stack's tables (terraform apply) or check [stores] table_prefix"
            ),
        ),
        (_, Some(c)) => {
            StoreError::backend(BACKEND, format!("{c}: {}", message.unwrap_or_default()))
        }
        _ => StoreError::backend(BACKEND, aws_smithy_error(e)),
    }
}

/// The SDK error with its sources, as one message (the SDK's `Display`
/// alone says only "dispatch failure").
fn aws_smithy_error<E, R>(e: SdkError<E, R>) -> std::io::Error
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    std::io::Error::other(text)
}

/// Whether `e` is a failed `ConditionExpression`.
pub(crate) fn condition_failed<E, R>(e: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    e.code() == Some("ConditionalCheckFailedException")
}

/// A string attribute.
pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Reads a string attribute of an item.
pub(crate) fn get_s<'a>(
    item: &'a std::collections::HashMap<String, AttributeValue>,
    name: &str,
) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// Reads a number attribute of an item; a malformed number is corrupt.
pub(crate) fn get_n<T: std::str::FromStr>(
    item: &std::collections::HashMap<String, AttributeValue>,
    table: &str,
    name: &str,
) -> Result<Option<T>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::N(text)) => text.parse().map(Some).map_err(|_| {
            StoreError::corrupt(
                BACKEND,
                format!("{table}: `{name}` is `{text}`, not a number"),
            )
        }),
        Some(other) => Err(StoreError::corrupt(
            BACKEND,
            format!("{table}: `{name}` is {other:?}, expected a number"),
        )),
    }
}
