//! [`ManifestStore`] in DynamoDB (table `<prefix>-manifest`): one item per
//! ingested file's content hash; the first entry wins (conditional put).

use std::sync::Arc;

use async_trait::async_trait;

use super::{ManifestEntry, ManifestStore};
use crate::store::StoreError;
use crate::store::dynamodb::{BACKEND, Dynamo, condition_failed, error, get_n, get_s, n, s};

/// The files ingested so far, by content hash.
#[derive(Debug, Clone)]
pub struct DynamoManifestStore {
    db: Arc<Dynamo>,
    table: String,
}

impl DynamoManifestStore {
    /// The store in `db`'s `manifest` table.
    pub fn new(db: Arc<Dynamo>) -> Self {
        let table = db.table("manifest");
        Self { db, table }
    }
}

#[async_trait]
impl ManifestStore for DynamoManifestStore {
    async fn contains(&self, sha256: &str) -> Result<bool, StoreError> {
        Ok(self.entry(sha256).await?.is_some())
    }

    async fn entry(&self, sha256: &str) -> Result<Option<ManifestEntry>, StoreError> {
        let Some(item) = self.db.get(&self.table, "sha256", sha256).await? else {
            return Ok(None);
        };
        let number = |name: &str| -> Result<u64, StoreError> {
            get_n(&item, &self.table, name)?.ok_or_else(|| {
                StoreError::corrupt(BACKEND, format!("{}: `{sha256}` has no {name}", self.table))
            })
        };
        Ok(Some(ManifestEntry {
            sha256: sha256.to_string(),
            path: get_s(&item, "path").unwrap_or_default().to_string(),
            bytes: number("bytes")?,
            records: number("records")?,
            quarantined: number("quarantined")?,
        }))
    }

    async fn record(&self, entries: &[ManifestEntry]) -> Result<(), StoreError> {
        // One conditional put per file, eight in flight: the first entry
        // for a hash is kept, a duplicate is not an error.
        for chunk in entries.chunks(8) {
            let mut puts = Vec::with_capacity(chunk.len());
            for e in chunk {
                puts.push(self.put(e));
            }
            for done in futures::future::join_all(puts).await {
                done?;
            }
        }
        Ok(())
    }
}

impl DynamoManifestStore {
    async fn put(&self, e: &ManifestEntry) -> Result<(), StoreError> {
        let put = self
            .db
            .client()
            .await
            .put_item()
            .table_name(&self.table)
            .item("sha256", s(&e.sha256))
            .item("path", s(&e.path))
            .item("bytes", n(e.bytes))
            .item("records", n(e.records))
            .item("quarantined", n(e.quarantined))
            .condition_expression("attribute_not_exists(sha256)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Ok(()),
            Err(err) => Err(error(&self.table, err)),
        }
    }
}
