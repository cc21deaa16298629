//! [`SessionStore`] in DynamoDB (table `<prefix>-sessions`): the last turn
//! as JSON with an `expires_at` TTL attribute, checked on every read.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SessionStore, validate_id};
use crate::nl::Turn;
use crate::store::StoreError;
use crate::store::dynamodb::{BACKEND, Dynamo, error, get_n, get_s, n, s};

/// The last turn per session.
#[derive(Debug, Clone)]
pub struct DynamoSessionStore {
    db: Arc<Dynamo>,
    table: String,
    expiry: Duration,
}

impl DynamoSessionStore {
    /// The store in `db`'s `sessions` table; idle sessions live `expiry`.
    pub fn new(db: Arc<Dynamo>, expiry: Duration) -> Self {
        let table = db.table("sessions");
        Self { db, table, expiry }
    }
}

#[async_trait]
impl SessionStore for DynamoSessionStore {
    async fn get(&self, id: &str, now: DateTime<Utc>) -> Result<Option<Turn>, StoreError> {
        validate_id(id)?;
        let Some(item) = self.db.get(&self.table, "id", id).await? else {
            return Ok(None);
        };
        // DynamoDB deletes expired items lazily: the read decides.
        let expires: i64 = get_n(&item, &self.table, "expires_at")?.unwrap_or(0);
        if expires <= now.timestamp() {
            return Ok(None);
        }
        let json = get_s(&item, "turn").ok_or_else(|| {
            StoreError::corrupt(
                BACKEND,
                format!("{}: session `{id}` has no turn", self.table),
            )
        })?;
        serde_json::from_str(json).map(Some).map_err(|e| {
            StoreError::corrupt(BACKEND, format!("{}: session `{id}`: {e}", self.table))
        })
    }

    async fn put(&self, id: &str, turn: &Turn, now: DateTime<Utc>) -> Result<(), StoreError> {
        validate_id(id)?;
        let json = serde_json::to_string(turn)
            .map_err(|e| StoreError::backend(BACKEND, format!("encoding a turn: {e}")))?;
        let expires = crate::dedup::expiry(now, self.expiry);
        self.db
            .client()
            .await
            .put_item()
            .table_name(&self.table)
            .item("id", s(id))
            .item("turn", s(json))
            .item("expires_at", n(expires.timestamp()))
            .send()
            .await
            .map_err(|e| error(&self.table, e))?;
        Ok(())
    }

    async fn clear(&self, id: &str) -> Result<(), StoreError> {
        validate_id(id)?;
        self.db
            .client()
            .await
            .delete_item()
            .table_name(&self.table)
            .key("id", s(id))
            .send()
            .await
            .map_err(|e| error(&self.table, e))?;
        Ok(())
    }

    fn expiry(&self) -> Duration {
        self.expiry
    }
}
