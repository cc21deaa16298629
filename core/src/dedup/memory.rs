//! [`SeenStore`] in the process: claims live as long as the process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SeenStore, expiry};
use crate::store::StoreError;

/// Claims in a map, expired ones swept as new ones arrive.
#[derive(Debug, Default)]
pub struct MemorySeenStore {
    claims: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl MemorySeenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SeenStore for MemorySeenStore {
    async fn claim(&self, id: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool, StoreError> {
        let mut claims = self.claims.lock().unwrap_or_else(|p| p.into_inner());
        if claims.len() > 4096 {
            claims.retain(|_, until| *until > now);
        }
        match claims.get(id) {
            Some(until) if *until > now => Ok(false),
            _ => {
                claims.insert(id.to_string(), expiry(now, ttl));
                Ok(true)
            }
        }
    }
}
