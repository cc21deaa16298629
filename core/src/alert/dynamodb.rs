//! [`AlertStore`] in DynamoDB: alerts, their history, rule mutes and the
//! delivery outbox (design in [`crate::store::dynamodb`]).
//!
//! Like the SQLite store, the alert body is a JSON document and the fields
//! queries use are attributes; the lifecycle fields (`status`, `status_by`,
//! `status_at`) live only in attributes and are laid over the body on read,
//! so a detector update racing a click never undoes the click. Every write
//! that changes an alert bumps its `version` under a condition, and its
//! history event is written in the same transaction with that version as
//! its sort key: history is in write order, and of two racing changes one
//! wins and the other retries against the new state.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::delivery::{
    Attempt, AttemptOutcome, Delivery, DeliveryAction, DeliveryStatus, NewDelivery,
};
use super::model::{Alert, AlertEvent, AlertStatus};
use super::store::{
    AlertFilter, AlertStore, OpenAlert, RuleMute, Saved, StatusChange, Transition, not_allowed,
    raised_event, repeated_event, severity_rank, status_event,
};
use crate::store::StoreError;
use crate::store::dynamodb::{BACKEND, Dynamo, condition_failed, error, get_n, get_s, n, s};

type Item = HashMap<String, AttributeValue>;

/// How often a conditional write that lost a race is retried.
const RACE_RETRIES: usize = 16;

/// The partition of the `all` attribute every alert carries, so the
/// `by_last_seen` index lists all alerts newest first.
const ALL: &str = "alert";

/// The `due` attribute a pending delivery carries (the sparse `due` index).
const PENDING: &str = "pending";

/// Alerts, history, mutes and the outbox in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoAlertStore {
    db: Arc<Dynamo>,
    alerts: String,
    events: String,
    deliveries: String,
    attempts: String,
    mutes: String,
}

impl DynamoAlertStore {
    /// The store in `db`'s `alerts`, `alert_events`, `deliveries`,
    /// `delivery_attempts` and `rule_mutes` tables.
    pub fn new(db: Arc<Dynamo>) -> Self {
        Self {
            alerts: db.table("alerts"),
            events: db.table("alert_events"),
            deliveries: db.table("deliveries"),
            attempts: db.table("delivery_attempts"),
            mutes: db.table("rule_mutes"),
            db,
        }
    }

    async fn client(&self) -> &aws_sdk_dynamodb::Client {
        self.db.client().await
    }

    /// The stored alert item and its version.
    async fn alert_item(&self, id: &str) -> Result<Option<(Item, u64)>, StoreError> {
        let out = self
            .client()
            .await
            .get_item()
            .table_name(&self.alerts)
            .key("id", s(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error(&self.alerts, e))?;
        match out.item {
            None => Ok(None),
            Some(item) => {
                let version = get_n(&item, &self.alerts, "version")?.unwrap_or(0);
                Ok(Some((item, version)))
            }
        }
    }

    /// Runs a transaction; `Ok(false)` when a condition failed or another
    /// transaction touched the same items (retry against the new state).
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<bool, StoreError> {
        let sent = self
            .client()
            .await
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if lost_race(&e) => Ok(false),
            Err(e) => Err(error(&self.alerts, e)),
        }
    }

    fn event_put(
        &self,
        id: &str,
        seq: u64,
        e: &AlertEvent,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.events)
            .item("alert_id", s(id))
            .item("seq", n(seq))
            .item("at", n(e.at.timestamp_micros()))
            .item("actor", s(&e.actor))
            .item("action", s(&e.action));
        if let Some(d) = &e.detail {
            put = put.item("detail", s(d));
        }
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(build)?)
            .build())
    }

    fn delivery_from_item(&self, item: &Item) -> Result<Delivery, StoreError> {
        let t = &self.deliveries;
        let text = |name: &str| -> Result<String, StoreError> {
            get_s(item, name)
                .map(str::to_string)
                .ok_or_else(|| corrupt(t, format!("delivery without `{name}`")))
        };
        let number = |name: &str| -> Result<i64, StoreError> {
            get_n(item, t, name)?.ok_or_else(|| corrupt(t, format!("delivery without `{name}`")))
        };
        let action = text("action")?;
        let status = text("status")?;
        Ok(Delivery {
            id: number("id")?,
            key: text("key")?,
            alert_id: text("alert_id")?,
            destination: text("destination")?,
            action: DeliveryAction::parse(&action)
                .ok_or_else(|| corrupt(t, format!("delivery action `{action}`")))?,
            payload: json(t, &text("payload")?)?,
            route: get_s(item, "route").map(str::to_string),
            fallback_of: get_n(item, t, "fallback_of")?,
            status: DeliveryStatus::parse(&status)
                .ok_or_else(|| corrupt(t, format!("delivery status `{status}`")))?,
            attempts: get_n(item, t, "attempts")?.unwrap_or(0),
            next_attempt: instant(number("next_attempt")?),
            last_error: get_s(item, "last_error").map(str::to_string),
            message_ref: get_s(item, "message_ref").map(|m| json(t, m)).transpose()?,
            created_at: instant(number("created_at")?),
            updated_at: instant(number("updated_at")?),
            lease_until: get_n(item, t, "lease_until")?.map(instant),
        })
    }

    /// Every page of a query, items in index order.
    async fn query_all(
        &self,
        table: &str,
        build: impl Fn(
            aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        mut keep_going: impl FnMut(&[Item]) -> bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = build(self.client().await.query().table_name(table))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| error(table, e))?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() && keep_going(&out) => start = Some(k),
                _ => return Ok(out),
            }
        }
    }
}

fn build(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::backend(BACKEND, e)
}

fn corrupt(table: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(BACKEND, format!("{table}: {what}"))
}

fn json(table: &str, text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(table, e))
}

fn instant(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

fn micros(t: DateTime<Utc>) -> AttributeValue {
    n(t.timestamp_micros())
}

/// A transaction cancelled by a failed condition or a concurrent
/// transaction on the same item.
fn lost_race<R>(e: &SdkError<TransactWriteItemsError, R>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(t)) => {
            let reasons = t.cancellation_reasons();
            reasons.is_empty()
                || reasons.iter().any(|r| {
                    matches!(
                        r.code(),
                        Some("ConditionalCheckFailed" | "TransactionConflict")
                    )
                })
        }
        _ => false,
    }
}

/// The alert of an item: the body with the lifecycle attributes laid over.
fn alert_from_item(table: &str, item: &Item) -> Result<Alert, StoreError> {
    let body = get_s(item, "body").ok_or_else(|| corrupt(table, "alert without a body"))?;
    let mut alert: Alert = serde_json::from_str(body).map_err(|e| corrupt(table, e))?;
    let status = get_s(item, "status").unwrap_or_default();
    alert.status = AlertStatus::parse(status)
        .ok_or_else(|| corrupt(table, format!("alert status `{status}`")))?;
    alert.status_by = get_s(item, "status_by").map(str::to_string);
    alert.status_at = get_n(item, table, "status_at")?.map(instant);
    Ok(alert)
}

#[async_trait]
impl AlertStore for DynamoAlertStore {
    async fn open_alert(
        &self,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<OpenAlert>, StoreError> {
        let items = self
            .query_all(
                &self.alerts,
                |q| {
                    q.index_name("by_fingerprint")
                        .key_condition_expression("fingerprint = :f AND first_seen <= :at")
                        .filter_expression("suppress_until > :at AND #st <> :resolved")
                        .expression_attribute_names("#st", "status")
                        .expression_attribute_values(":f", s(fingerprint))
                        .expression_attribute_values(":at", micros(at))
                        .expression_attribute_values(":resolved", s(AlertStatus::Resolved.as_str()))
                        .scan_index_forward(false)
                },
                |found| found.is_empty(),
            )
            .await?;
        let Some(item) = items.first() else {
            return Ok(None);
        };
        Ok(Some(OpenAlert {
            alert: alert_from_item(&self.alerts, item)?,
            evidence_hash: get_s(item, "evidence_hash").unwrap_or_default().to_string(),
            suppress_until: instant(
                get_n(item, &self.alerts, "suppress_until")?.unwrap_or_default(),
            ),
        }))
    }

    async fn save_alert(
        &self,
        alert: &Alert,
        evidence_hash: &str,
        suppress_until: DateTime<Utc>,
    ) -> Result<Saved, StoreError> {
        let body = serde_json::to_string(alert).map_err(|e| corrupt(&self.alerts, e))?;
        for _ in 0..RACE_RETRIES {
            let stored = self.alert_item(&alert.id).await?;
            let (items, saved) = match stored {
                None => {
                    let mut put = Put::builder()
                        .table_name(&self.alerts)
                        .item("id", s(&alert.id))
                        .item("all", s(ALL))
                        .item("rule_id", s(&alert.rule_id))
                        .item("fingerprint", s(&alert.fingerprint))
                        .item("severity", n(severity_rank(alert.severity)))
                        .item("first_seen", micros(alert.first_seen))
                        .item("last_seen", micros(alert.last_seen))
                        .item("suppress_until", micros(suppress_until))
                        .item("evidence_hash", s(evidence_hash))
                        .item("meta", AttributeValue::Bool(alert.meta))
                        .item("status", s(alert.status.as_str()))
                        .item("count", n(alert.count))
                        .item("version", n(1))
                        .item("body", s(&body))
                        .condition_expression("attribute_not_exists(id)");
                    if let Some(by) = &alert.status_by {
                        put = put.item("status_by", s(by));
                    }
                    if let Some(at) = alert.status_at {
                        put = put.item("status_at", micros(at));
                    }
                    let raised = raised_event(alert);
                    let items = vec![
                        TransactWriteItem::builder()
                            .put(put.build().map_err(build)?)
                            .build(),
                        self.event_put(&alert.id, 1, &raised)?,
                    ];
                    (items, Saved::Inserted)
                }
                Some((item, version)) => {
                    let previous: u64 = get_n(&item, &self.alerts, "count")?.unwrap_or(0);
                    let update = Update::builder()
                        .table_name(&self.alerts)
                        .key("id", s(&alert.id))
                        .update_expression(
                            "SET last_seen = :ls, suppress_until = :su, evidence_hash = :eh, body = :b, #count = :c, version = :v1",
                        )
                        .condition_expression("version = :v")
                        .expression_attribute_names("#count", "count")
                        .expression_attribute_values(":ls", micros(alert.last_seen))
                        .expression_attribute_values(":su", micros(suppress_until))
                        .expression_attribute_values(":eh", s(evidence_hash))
                        .expression_attribute_values(":b", s(&body))
                        .expression_attribute_values(":c", n(alert.count))
                        .expression_attribute_values(":v", n(version))
                        .expression_attribute_values(":v1", n(version + 1))
                        .build()
                        .map_err(build)?;
                    let mut items = vec![TransactWriteItem::builder().update(update).build()];
                    if alert.count > previous {
                        let repeated = repeated_event(alert);
                        items.push(self.event_put(&alert.id, version + 1, &repeated)?);
                    }
                    (items, Saved::Updated)
                }
            };
            if self.transact(items).await? {
                return Ok(saved);
            }
        }
        Err(StoreError::Precondition {
            what: "alert",
            id: alert.id.clone(),
        })
    }

    async fn alerts_raised(
        &self,
        rule_id: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        // first_seen in (since, until]: the key condition is inclusive.
        let items = self
            .query_all(
                &self.alerts,
                |q| {
                    q.index_name("by_rule")
                        .key_condition_expression("rule_id = :r AND first_seen BETWEEN :a AND :b")
                        .filter_expression("meta = :no")
                        .expression_attribute_values(":r", s(rule_id))
                        .expression_attribute_values(":a", n(since.timestamp_micros() + 1))
                        .expression_attribute_values(":b", micros(until))
                        .expression_attribute_values(":no", AttributeValue::Bool(false))
                        .projection_expression("id")
                },
                |_| true,
            )
            .await?;
        Ok(items.len() as u64)
    }

    async fn get(&self, id: &str) -> Result<Option<Alert>, StoreError> {
        self.alert_item(id)
            .await?
            .map(|(item, _)| alert_from_item(&self.alerts, &item))
            .transpose()
    }

    async fn list(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let mut filters = Vec::new();
        let mut values: Vec<(&str, AttributeValue)> = vec![(":all", s(ALL))];
        let mut key = "#all = :all".to_string();
        if let Some(t) = filter.since {
            key.push_str(" AND last_seen > :since");
            values.push((":since", micros(t)));
        }
        if let Some(st) = filter.status {
            filters.push("#st = :st");
            values.push((":st", s(st.as_str())));
        }
        if let Some(sev) = filter.min_severity {
            filters.push("severity >= :sev");
            values.push((":sev", n(severity_rank(sev))));
        }
        if let Some(r) = &filter.rule_id {
            filters.push("rule_id = :r");
            values.push((":r", s(r)));
        }
        if !filter.include_meta {
            filters.push("meta = :no");
            values.push((":no", AttributeValue::Bool(false)));
        }
        let limit = filter.limit;
        let table = self.alerts.clone();
        let items = self
            .query_all(
                &self.alerts,
                |q| {
                    let mut q = q
                        .index_name("by_last_seen")
                        .key_condition_expression(&key)
                        .expression_attribute_names("#all", "all")
                        .scan_index_forward(false);
                    if filter.status.is_some() {
                        q = q.expression_attribute_names("#st", "status");
                    }
                    if !filters.is_empty() {
                        q = q.filter_expression(filters.join(" AND "));
                    }
                    for (k, v) in &values {
                        q = q.expression_attribute_values(*k, v.clone());
                    }
                    q
                },
                // Enough once `limit` are in and the next page cannot tie
                // with the last of them (ties are ordered by id below).
                |found| {
                    limit == 0
                        || found.len() <= limit
                        || get_n::<i64>(&found[limit - 1], &table, "last_seen").ok()
                            == get_n::<i64>(&found[found.len() - 1], &table, "last_seen").ok()
                },
            )
            .await?;
        let mut alerts = items
            .iter()
            .map(|i| alert_from_item(&self.alerts, i))
            .collect::<Result<Vec<_>, _>>()?;
        alerts.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.id.cmp(&b.id)));
        if limit > 0 {
            alerts.truncate(limit);
        }
        Ok(alerts)
    }

    async fn history(&self, id: &str) -> Result<Vec<AlertEvent>, StoreError> {
        let items = self
            .query_all(
                &self.events,
                |q| {
                    q.key_condition_expression("alert_id = :id")
                        .expression_attribute_values(":id", s(id))
                        .consistent_read(true)
                },
                |_| true,
            )
            .await?;
        items
            .iter()
            .map(|i| {
                Ok(AlertEvent {
                    at: instant(get_n(i, &self.events, "at")?.unwrap_or_default()),
                    actor: get_s(i, "actor").unwrap_or_default().to_string(),
                    action: get_s(i, "action").unwrap_or_default().to_string(),
                    detail: get_s(i, "detail").map(str::to_string),
                })
            })
            .collect()
    }

    async fn transition(&self, id: &str, change: &StatusChange) -> Result<Transition, StoreError> {
        for _ in 0..RACE_RETRIES {
            let (item, version) =
                self.alert_item(id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "alert",
                        id: id.to_string(),
                    })?;
            let mut alert = alert_from_item(&self.alerts, &item)?;
            let from = alert.status;
            if from == change.to {
                return Ok(Transition::Unchanged { alert });
            }
            if !from.can_move_to(change.to) {
                return Err(not_allowed(id, from, change.to));
            }
            let update = Update::builder()
                .table_name(&self.alerts)
                .key("id", s(id))
                .update_expression("SET #st = :to, status_by = :by, status_at = :at, version = :v1")
                .condition_expression("version = :v AND #st = :from")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":to", s(change.to.as_str()))
                .expression_attribute_values(":by", s(&change.actor))
                .expression_attribute_values(":at", micros(change.at))
                .expression_attribute_values(":v", n(version))
                .expression_attribute_values(":v1", n(version + 1))
                .expression_attribute_values(":from", s(from.as_str()))
                .build()
                .map_err(build)?;
            let event = status_event(change);
            let items = vec![
                TransactWriteItem::builder().update(update).build(),
                self.event_put(id, version + 1, &event)?,
            ];
            if self.transact(items).await? {
                alert.status = change.to;
                alert.status_by = Some(change.actor.clone());
                alert.status_at = Some(change.at);
                return Ok(Transition::Changed { alert, from });
            }
        }
        Err(StoreError::Precondition {
            what: "alert",
            id: id.to_string(),
        })
    }

    async fn record_event(&self, id: &str, event: &AlertEvent) -> Result<(), StoreError> {
        for _ in 0..RACE_RETRIES {
            let (_, version) = self
                .alert_item(id)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: "alert",
                    id: id.to_string(),
                })?;
            let bump = Update::builder()
                .table_name(&self.alerts)
                .key("id", s(id))
                .update_expression("SET version = :v1")
                .condition_expression("version = :v")
                .expression_attribute_values(":v", n(version))
                .expression_attribute_values(":v1", n(version + 1))
                .build()
                .map_err(build)?;
            let items = vec![
                TransactWriteItem::builder().update(bump).build(),
                self.event_put(id, version + 1, event)?,
            ];
            if self.transact(items).await? {
                return Ok(());
            }
        }
        Err(StoreError::Precondition {
            what: "alert",
            id: id.to_string(),
        })
    }

    async fn mute_rule(&self, mute: &RuleMute) -> Result<(), StoreError> {
        self.client()
            .await
            .put_item()
            .table_name(&self.mutes)
            .item("rule_id", s(&mute.rule_id))
            .item("until", micros(mute.until))
            .item("by", s(&mute.by))
            .item("at", micros(mute.at))
            .send()
            .await
            .map(drop)
            .map_err(|e| error(&self.mutes, e))
    }

    async fn unmute_rule(&self, rule_id: &str) -> Result<bool, StoreError> {
        let out = self
            .client()
            .await
            .delete_item()
            .table_name(&self.mutes)
            .key("rule_id", s(rule_id))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| error(&self.mutes, e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn rule_mute(
        &self,
        rule_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RuleMute>, StoreError> {
        let out = self
            .client()
            .await
            .get_item()
            .table_name(&self.mutes)
            .key("rule_id", s(rule_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error(&self.mutes, e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let until = instant(get_n(&item, &self.mutes, "until")?.unwrap_or_default());
        if until <= at {
            return Ok(None);
        }
        Ok(Some(RuleMute {
            rule_id: rule_id.to_string(),
            until,
            by: get_s(&item, "by").unwrap_or_default().to_string(),
            at: instant(get_n(&item, &self.mutes, "at")?.unwrap_or_default()),
        }))
    }

    async fn enqueue(&self, deliveries: &[NewDelivery]) -> Result<Vec<i64>, StoreError> {
        if deliveries.is_empty() {
            return Ok(Vec::new());
        }
        // A block of ids in one request (ids of skipped keys go unused).
        let count = deliveries.len() as i64;
        let out = self
            .client()
            .await
            .update_item()
            .table_name(&self.deliveries)
            .key("pk", s("counter"))
            .update_expression("ADD next_id :n")
            .expression_attribute_values(":n", n(count))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| error(&self.deliveries, e))?;
        let last: i64 = out
            .attributes
            .as_ref()
            .map(|a| get_n(a, &self.deliveries, "next_id"))
            .transpose()?
            .flatten()
            .ok_or_else(|| corrupt(&self.deliveries, "the id counter returned nothing"))?;
        let mut added = Vec::new();
        for (i, d) in deliveries.iter().enumerate() {
            let id = last - count + 1 + i as i64;
            let reserve = Put::builder()
                .table_name(&self.deliveries)
                .item("pk", s(format!("k#{}", d.key)))
                .item("id", n(id))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(build)?;
            let mut put = Put::builder()
                .table_name(&self.deliveries)
                .item("pk", s(format!("d#{id}")))
                .item("id", n(id))
                .item("key", s(&d.key))
                .item("alert_id", s(&d.alert_id))
                .item("destination", s(&d.destination))
                .item("action", s(d.action.as_str()))
                .item("payload", s(d.payload.to_string()))
                .item("status", s(DeliveryStatus::Pending.as_str()))
                .item("due", s(PENDING))
                .item("attempts", n(0))
                .item("next_attempt", micros(d.not_before))
                .item("created_at", micros(d.not_before))
                .item("updated_at", micros(d.not_before));
            if let Some(r) = &d.route {
                put = put.item("route", s(r));
            }
            if let Some(f) = d.fallback_of {
                put = put.item("fallback_of", n(f));
            }
            let items = vec![
                TransactWriteItem::builder().put(reserve).build(),
                TransactWriteItem::builder()
                    .put(put.build().map_err(build)?)
                    .build(),
            ];
            if self.transact(items).await? {
                added.push(id);
            }
        }
        Ok(added)
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let candidates = self
            .query_all(
                &self.deliveries,
                |q| {
                    q.index_name("due")
                        .key_condition_expression("due = :p AND next_attempt <= :now")
                        .filter_expression(
                            "attribute_not_exists(lease_until) OR lease_until <= :now",
                        )
                        .expression_attribute_values(":p", s(PENDING))
                        .expression_attribute_values(":now", micros(now))
                },
                |_| true,
            )
            .await?;
        let mut candidates = candidates
            .iter()
            .map(|i| self.delivery_from_item(i))
            .collect::<Result<Vec<_>, _>>()?;
        candidates.sort_by_key(|d| (d.next_attempt, d.id));
        let client = self.client().await;
        let mut claimed = Vec::new();
        for d in candidates {
            if claimed.len() == limit {
                break;
            }
            // The lease is a conditional update: of racing workers one wins.
            let won = client
                .update_item()
                .table_name(&self.deliveries)
                .key("pk", s(format!("d#{}", d.id)))
                .update_expression("SET lease_until = :lease")
                .condition_expression(
                    "#st = :pending AND next_attempt <= :now AND (attribute_not_exists(lease_until) OR lease_until <= :now)",
                )
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":pending", s(DeliveryStatus::Pending.as_str()))
                .expression_attribute_values(":now", micros(now))
                .expression_attribute_values(":lease", micros(lease_until))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match won {
                Ok(out) => {
                    let item = out.attributes.unwrap_or_default();
                    claimed.push(self.delivery_from_item(&item)?);
                }
                Err(e) if condition_failed(&e) => {}
                Err(e) => return Err(error(&self.deliveries, e)),
            }
        }
        Ok(claimed)
    }

    async fn record_attempt(&self, attempt: &Attempt) -> Result<Delivery, StoreError> {
        let outcome =
            serde_json::to_string(&attempt.outcome).map_err(|e| corrupt(&self.attempts, e))?;
        let pk = format!("d#{}", attempt.delivery_id);
        for _ in 0..RACE_RETRIES {
            let out = self
                .client()
                .await
                .get_item()
                .table_name(&self.deliveries)
                .key("pk", s(&pk))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| error(&self.deliveries, e))?;
            let mut d = match out.item {
                Some(item) => self.delivery_from_item(&item)?,
                None => {
                    return Err(StoreError::NotFound {
                        what: "delivery",
                        id: attempt.delivery_id.to_string(),
                    });
                }
            };
            let before = d.attempts;
            d.attempts += 1;
            d.lease_until = None;
            d.updated_at = attempt.at;
            let mut set = vec!["attempts = :n1", "updated_at = :at"];
            let mut remove = vec!["lease_until"];
            let mut values: Vec<(&str, AttributeValue)> = vec![
                (":n", n(before)),
                (":n1", n(d.attempts)),
                (":at", micros(attempt.at)),
            ];
            match &attempt.outcome {
                AttemptOutcome::Delivered { message_ref } => {
                    d.status = DeliveryStatus::Delivered;
                    d.last_error = None;
                    d.message_ref = message_ref.clone();
                    set.push("#st = :st");
                    values.push((":st", s(DeliveryStatus::Delivered.as_str())));
                    remove.extend(["due", "last_error"]);
                    match message_ref {
                        Some(m) => {
                            set.push("message_ref = :m");
                            values.push((":m", s(m.to_string())));
                        }
                        None => remove.push("message_ref"),
                    }
                }
                AttemptOutcome::Retry { retry_at } => {
                    d.next_attempt = *retry_at;
                    d.last_error = attempt.error.clone();
                    set.push("next_attempt = :next");
                    values.push((":next", micros(*retry_at)));
                }
                AttemptOutcome::Failed => {
                    d.status = DeliveryStatus::Failed;
                    d.last_error = attempt.error.clone();
                    set.push("#st = :st");
                    values.push((":st", s(DeliveryStatus::Failed.as_str())));
                    remove.push("due");
                }
            }
            if !matches!(attempt.outcome, AttemptOutcome::Delivered { .. }) {
                match &attempt.error {
                    Some(e) => {
                        set.push("last_error = :err");
                        values.push((":err", s(e)));
                    }
                    None => remove.push("last_error"),
                }
            }
            let mut update = Update::builder()
                .table_name(&self.deliveries)
                .key("pk", s(&pk))
                .update_expression(format!(
                    "SET {} REMOVE {}",
                    set.join(", "),
                    remove.join(", ")
                ))
                .condition_expression("attempts = :n");
            if set.iter().any(|e| e.starts_with("#st")) {
                update = update.expression_attribute_names("#st", "status");
            }
            for (k, v) in values {
                update = update.expression_attribute_values(k, v);
            }
            let mut put = Put::builder()
                .table_name(&self.attempts)
                .item("delivery_id", n(attempt.delivery_id))
                .item("seq", n(d.attempts))
                .item("at", micros(attempt.at))
                .item("duration_ms", n(attempt.duration_ms))
                .item("outcome", s(&outcome));
            if let Some(code) = attempt.status_code {
                put = put.item("status_code", n(code));
            }
            if let Some(e) = &attempt.error {
                put = put.item("error", s(e));
            }
            let items = vec![
                TransactWriteItem::builder()
                    .update(update.build().map_err(build)?)
                    .build(),
                TransactWriteItem::builder()
                    .put(put.build().map_err(build)?)
                    .build(),
            ];
            if self.transact(items).await? {
                return Ok(d);
            }
        }
        Err(StoreError::Precondition {
            what: "delivery",
            id: attempt.delivery_id.to_string(),
        })
    }

    async fn deliveries(&self, alert_id: &str) -> Result<Vec<Delivery>, StoreError> {
        let items = self
            .query_all(
                &self.deliveries,
                |q| {
                    q.index_name("by_alert")
                        .key_condition_expression("alert_id = :a")
                        .expression_attribute_values(":a", s(alert_id))
                },
                |_| true,
            )
            .await?;
        items.iter().map(|i| self.delivery_from_item(i)).collect()
    }

    async fn attempts(&self, delivery_id: i64) -> Result<Vec<Attempt>, StoreError> {
        let items = self
            .query_all(
                &self.attempts,
                |q| {
                    q.key_condition_expression("delivery_id = :d")
                        .expression_attribute_values(":d", n(delivery_id))
                        .consistent_read(true)
                },
                |_| true,
            )
            .await?;
        items
            .iter()
            .map(|i| {
                let t = &self.attempts;
                Ok(Attempt {
                    delivery_id,
                    at: instant(get_n(i, t, "at")?.unwrap_or_default()),
                    duration_ms: get_n(i, t, "duration_ms")?.unwrap_or_default(),
                    status_code: get_n(i, t, "status_code")?,
                    error: get_s(i, "error").map(str::to_string),
                    outcome: json(t, get_s(i, "outcome").unwrap_or("null"))
                        .and_then(|v| serde_json::from_value(v).map_err(|e| corrupt(t, e)))?,
                })
            })
            .collect()
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let items = self.pending_items().await?;
        let mut next: Option<i64> = None;
        for i in &items {
            let due = get_n::<i64>(i, &self.deliveries, "next_attempt")?.unwrap_or_default();
            let lease = get_n::<i64>(i, &self.deliveries, "lease_until")?.unwrap_or_default();
            let at = due.max(lease);
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        Ok(next.map(instant))
    }

    async fn pending(&self) -> Result<u64, StoreError> {
        Ok(self.pending_items().await?.len() as u64)
    }
}

impl DynamoAlertStore {
    /// Every pending delivery (the sparse `due` index).
    async fn pending_items(&self) -> Result<Vec<Item>, StoreError> {
        self.query_all(
            &self.deliveries,
            |q| {
                q.index_name("due")
                    .key_condition_expression("due = :p")
                    .expression_attribute_values(":p", s(PENDING))
            },
            |_| true,
        )
        .await
    }
}
