//! [`RuleStateStore`] in DynamoDB (table `<prefix>-rule_state`), one item
//! per rule updated in place: counters with `ADD`, the last success kept
//! monotonic with a condition.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::{RuleState, RuleStateStore};
use crate::store::StoreError;
use crate::store::dynamodb::{BACKEND, Dynamo, condition_failed, error, get_n, get_s, n, s};

/// Per-rule evaluation records and enable overrides.
#[derive(Debug, Clone)]
pub struct DynamoRuleStateStore {
    db: Arc<Dynamo>,
    table: String,
}

impl DynamoRuleStateStore {
    /// The store in `db`'s `rule_state` table.
    pub fn new(db: Arc<Dynamo>) -> Self {
        let table = db.table("rule_state");
        Self { db, table }
    }
}

#[async_trait]
impl RuleStateStore for DynamoRuleStateStore {
    async fn rule_state(&self, rule_id: &str) -> Result<RuleState, StoreError> {
        let Some(item) = self.db.get(&self.table, "rule_id", rule_id).await? else {
            return Ok(RuleState::default());
        };
        let last_success = get_n::<i64>(&item, &self.table, "last_success")?
            .map(|us| {
                DateTime::from_timestamp_micros(us).ok_or_else(|| {
                    StoreError::corrupt(
                        BACKEND,
                        format!("{}: `{rule_id}` last_success {us}", self.table),
                    )
                })
            })
            .transpose()?;
        let enabled = match item.get("enabled") {
            None | Some(AttributeValue::Null(_)) => None,
            Some(AttributeValue::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(StoreError::corrupt(
                    BACKEND,
                    format!("{}: `{rule_id}` enabled is {other:?}", self.table),
                ));
            }
        };
        Ok(RuleState {
            last_success,
            failures: get_n(&item, &self.table, "failures")?.unwrap_or(0),
            last_error: get_s(&item, "last_error").map(str::to_string),
            enabled,
        })
    }

    async fn record_success(&self, rule_id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let client = self.db.client().await;
        let later = client
            .update_item()
            .table_name(&self.table)
            .key("rule_id", s(rule_id))
            .update_expression("SET last_success = :t, failures = :zero REMOVE last_error")
            .condition_expression("attribute_not_exists(last_success) OR last_success < :t")
            .expression_attribute_values(":t", n(at.timestamp_micros()))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        match later {
            Ok(_) => Ok(()),
            // A later success is stored already (a late writer): keep its
            // time, still reset the failure count.
            Err(e) if condition_failed(&e) => client
                .update_item()
                .table_name(&self.table)
                .key("rule_id", s(rule_id))
                .update_expression("SET failures = :zero REMOVE last_error")
                .expression_attribute_values(":zero", n(0))
                .send()
                .await
                .map(drop)
                .map_err(|e| error(&self.table, e)),
            Err(e) => Err(error(&self.table, e)),
        }
    }

    async fn record_failure(
        &self,
        rule_id: &str,
        _at: DateTime<Utc>,
        message: &str,
    ) -> Result<(), StoreError> {
        self.db
            .client()
            .await
            .update_item()
            .table_name(&self.table)
            .key("rule_id", s(rule_id))
            .update_expression("ADD failures :one SET last_error = :e")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":e", s(message))
            .send()
            .await
            .map(drop)
            .map_err(|e| error(&self.table, e))
    }

    async fn set_enabled(&self, rule_id: &str, enabled: bool) -> Result<(), StoreError> {
        self.db
            .client()
            .await
            .update_item()
            .table_name(&self.table)
            .key("rule_id", s(rule_id))
            .update_expression("SET enabled = :b")
            .expression_attribute_values(":b", AttributeValue::Bool(enabled))
            .send()
            .await
            .map(drop)
            .map_err(|e| error(&self.table, e))
    }
}
