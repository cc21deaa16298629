//! [`SeenStore`] in DynamoDB (table `<prefix>-seen`): one conditional
//! `PutItem` per claim, shared by every Lambda instance and process.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SeenStore, expiry};
use crate::store::StoreError;
use crate::store::dynamodb::{Dynamo, condition_failed, error, n, s};

/// Claimed ids with their expiry (the table's TTL attribute).
#[derive(Debug, Clone)]
pub struct DynamoSeenStore {
    db: Arc<Dynamo>,
    table: String,
}

impl DynamoSeenStore {
    /// The store in `db`'s `seen` table.
    pub fn new(db: Arc<Dynamo>) -> Self {
        let table = db.table("seen");
        Self { db, table }
    }
}

#[async_trait]
impl SeenStore for DynamoSeenStore {
    async fn claim(&self, id: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError> {
        // Insert, or take over a claim that has expired but that DynamoDB's
        // lazy TTL has not deleted yet.
        let put = self
            .db
            .client()
            .await
            .put_item()
            .table_name(&self.table)
            .item("id", s(id))
            .item("expires_at", n(expiry(now, ttl).timestamp()))
            .condition_expression("attribute_not_exists(id) OR expires_at <= :now")
            .expression_attribute_values(":now", n(now.timestamp()))
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(error(&self.table, e)),
        }
    }
}
