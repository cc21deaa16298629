//! The [`Router`]: turns alerts and their state changes into outbox rows
//! (store before send) and works the outbox off with leases, retries,
//! backoff and fallback chains.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use mantissa_core::alert::{
    Alert, AlertEvent, AlertFilter, AlertStatus, AlertStore, Attempt, AttemptOutcome, Delivery,
    DeliveryAction, DeliveryStatus, NewDelivery,
};
use mantissa_core::clock::Clock;
use mantissa_core::config::{Config, DestinationConfig, RouterConfig};
use serde_json::{Value, json};

use crate::backoff;
use crate::destination::{Destination, SendError, SendErrorKind, Sent};
use crate::discord::{DiscordDestination, DiscordTarget};
use crate::email::{EmailDestination, EmailSettings};
use crate::grouping::{Grouped, Grouping};
use crate::pagerduty::PagerDutyDestination;
use crate::policy;
use crate::slack::SlackDestination;
use crate::webhook::WebhookDestination;

/// The actor of router entries in an alert's history.
const ACTOR: &str = "router";

pub use mantissa_core::alert::Change;

/// What one [`Router::deliver_due`] (or [`Router::drain`]) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Deliveries claimed.
    pub claimed: usize,
    /// Accepted by their destination.
    pub delivered: usize,
    /// Failed for now, retry scheduled.
    pub retried: usize,
    /// Failed for good.
    pub failed: usize,
    /// Fallback deliveries enqueued for failed ones.
    pub fallbacks: usize,
}

impl DeliveryReport {
    fn add(&mut self, o: &Self) {
        self.claimed += o.claimed;
        self.delivered += o.delivered;
        self.retried += o.retried;
        self.failed += o.failed;
        self.fallbacks += o.fallbacks;
    }
}

/// A router failure (the store, or the configuration).
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// The alert store failed.
    #[error(transparent)]
    Store(#[from] mantissa_core::store::StoreError),
    /// A destination cannot be built from its configuration.
    #[error("router destination `{name}` ({kind}): {reason}")]
    Destination {
        /// Its name.
        name: String,
        /// Its type.
        kind: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The routing policy is inconsistent.
    #[error("invalid router configuration: {0}")]
    Config(String),
}

/// Routes alerts to destinations through the store's outbox. Cheap to
/// clone (shared state); all methods take `&self`.
#[derive(Clone)]
pub struct Router {
    inner: Arc<Inner>,
}

struct Inner {
    policy: RouterConfig,
    store: Arc<dyn AlertStore>,
    destinations: BTreeMap<String, Arc<dyn Destination>>,
    grouping: Grouping,
    wake: tokio::sync::Notify,
    /// When deliveries are due (real time: a replay at `--now` still sends now).
    clock: Clock,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("destinations", &self.inner.destinations)
            .field("routes", &self.inner.policy.routes.len())
            .finish_non_exhaustive()
    }
}

enum Settled {
    Delivered,
    Retried,
    Failed { fallback: bool },
}

impl Router {
    /// Builds the destinations named in `config.router` (Slack and Discord
    /// credentials from `[slack]` / `[discord]`). Also installs the rustls
    /// crypto provider ([`crate::install_crypto_provider`]). `clock` says
    /// when deliveries are due and stamps webhook signatures.
    pub fn new(
        config: &Config,
        store: Arc<dyn AlertStore>,
        clock: Clock,
    ) -> Result<Router, RouterError> {
        crate::install_crypto_provider();
        let policy = &config.router;
        policy.validate().map_err(RouterError::Config)?;
        let timeout = Duration::from_millis(policy.retry.attempt_timeout_ms);
        let lease = Duration::from_millis(policy.retry.lease_ms);
        let mut destinations: BTreeMap<String, Arc<dyn Destination>> = BTreeMap::new();
        for (name, d) in &policy.destinations {
            let err = |reason: String| RouterError::Destination {
                name: name.clone(),
                kind: d.kind(),
                reason,
            };
            let dest: Arc<dyn Destination> = match d {
                DestinationConfig::Slack { channel } => {
                    let token = config.slack.bot_token.clone().ok_or_else(|| {
                        err("[slack] bot_token is not set (or set MANTISSA_SLACK_BOT_TOKEN)".into())
                    })?;
                    Arc::new(SlackDestination::new(
                        &config.slack.api_url,
                        token,
                        channel,
                        timeout,
                        lease,
                    ))
                }
                DestinationConfig::Discord {
                    channel_id,
                    webhook_url,
                } => {
                    let target = match (channel_id, webhook_url) {
                        (Some(c), None) => DiscordTarget::Channel {
                            channel_id: c.clone(),
                            token: config.discord.bot_token.clone().ok_or_else(|| {
                                err("[discord] bot_token is not set (or set MANTISSA_DISCORD_BOT_TOKEN)".into())
                            })?,
                        },
                        (None, Some(w)) => DiscordTarget::Webhook(w.clone()),
                        _ => return Err(err("needs exactly one of `channel_id` or `webhook_url`".into())),
                    };
                    Arc::new(DiscordDestination::new(
                        &config.discord.api_url,
                        target,
                        timeout,
                    ))
                }
                DestinationConfig::Pagerduty {
                    routing_key,
                    events_url,
                } => Arc::new(PagerDutyDestination::new(
                    events_url,
                    routing_key.clone(),
                    timeout,
                )),
                DestinationConfig::Email {
                    host,
                    port,
                    tls,
                    username,
                    password,
                    from,
                    to,
                } => Arc::new(
                    EmailDestination::new(
                        &EmailSettings {
                            host: host.clone(),
                            port: *port,
                            tls: *tls,
                            username: username.clone(),
                            password: password.clone(),
                            from: from.clone(),
                            to: to.clone(),
                        },
                        timeout,
                    )
                    .map_err(err)?,
                ),
                #[cfg(feature = "ses")]
                DestinationConfig::Ses {
                    from,
                    to,
                    configuration_set,
                } => Arc::new(
                    EmailDestination::ses(from, to, configuration_set.clone()).map_err(err)?,
                ),
                #[cfg(not(feature = "ses"))]
                DestinationConfig::Ses { .. } => {
                    return Err(err(
                        "type = \"ses\" needs a build with the `aws` feature: cargo build --release --features aws"
                            .into(),
                    ));
                }
                DestinationConfig::Webhook { url, secret } => {
                    Arc::new(WebhookDestination::new(url, secret.clone(), timeout, clock))
                }
            };
            destinations.insert(name.clone(), dest);
        }
        Self::with_destinations(policy.clone(), store, destinations, clock)
    }

    /// A router with destinations built by the caller (custom kinds);
    /// `policy.destinations` is ignored, every route must name a key of
    /// `destinations`.
    pub fn with_destinations(
        policy: RouterConfig,
        store: Arc<dyn AlertStore>,
        destinations: BTreeMap<String, Arc<dyn Destination>>,
        clock: Clock,
    ) -> Result<Router, RouterError> {
        let mut targets: Vec<(String, &Vec<String>, &Vec<String>)> = policy
            .routes
            .iter()
            .map(|r| (format!("route `{}`", r.name), &r.destinations, &r.fallback))
            .collect();
        if let Some(d) = &policy.default_route {
            targets.push(("default_route".into(), &d.destinations, &d.fallback));
        }
        for (rule, o) in &policy.rule_overrides {
            targets.push((
                format!("rule_overrides.{rule}"),
                &o.destinations,
                &o.fallback,
            ));
        }
        for (what, d, f) in targets {
            if let Some(missing) = d.iter().chain(f).find(|n| !destinations.contains_key(*n)) {
                return Err(RouterError::Config(format!(
                    "{what} names destination `{missing}`, which is not configured"
                )));
            }
        }
        Ok(Router {
            inner: Arc::new(Inner {
                grouping: Grouping::new(policy.grouping.clone()),
                policy,
                store,
                destinations,
                wake: tokio::sync::Notify::new(),
                clock,
            }),
        })
    }

    /// The store the router works from.
    pub fn store(&self) -> &Arc<dyn AlertStore> {
        &self.inner.store
    }

    /// Enqueues the deliveries an alert causes (the alert must already be
    /// stored): for [`Change::New`], a first message to each destination of
    /// its route, or a digest entry under quiet grouping; for
    /// [`Change::Updated`], a repeat on each destination that delivered its
    /// first message. Returns the ids of the rows added (enqueueing is
    /// idempotent: routing the same alert twice adds nothing).
    pub async fn route(
        &self,
        alert: &Alert,
        change: Change,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, RouterError> {
        let store = &self.inner.store;
        if let Some(mute) = store.rule_mute(&alert.rule_id, now).await? {
            tracing::info!(alert = %alert.id, rule = %alert.rule_id, "rule muted; not sent");
            store
                .record_event(
                    &alert.id,
                    &AlertEvent {
                        at: now,
                        actor: ACTOR.into(),
                        action: "muted".into(),
                        detail: Some(format!(
                            "not sent: rule {} is muted until {} by {}",
                            alert.rule_id,
                            mantissa_core::clock::format_instant(mute.until),
                            mute.by
                        )),
                    },
                )
                .await?;
            return Ok(Vec::new());
        }
        let rows = match change {
            Change::New => {
                let Some(sel) = policy::select(&self.inner.policy, alert) else {
                    tracing::debug!(alert = %alert.id, "no route matches; not sent");
                    return Ok(Vec::new());
                };
                let fallback = json!({ "fallback": sel.fallback });
                match self.inner.grouping.admit(&alert.rule_id, now) {
                    Grouped::Send => sel
                        .destinations
                        .iter()
                        .map(|dest| NewDelivery {
                            key: format!("{}:{dest}:notify", alert.id),
                            alert_id: alert.id.clone(),
                            destination: dest.clone(),
                            action: DeliveryAction::Notify,
                            payload: fallback.clone(),
                            route: Some(sel.route.clone()),
                            fallback_of: None,
                            not_before: now,
                        })
                        .collect::<Vec<_>>(),
                    Grouped::Fold { group, start, end } => {
                        store
                            .record_event(
                                &alert.id,
                                &AlertEvent {
                                    at: now,
                                    actor: ACTOR.into(),
                                    action: "folded".into(),
                                    detail: Some(format!(
                                        "quiet grouping: rule {} raised more than {} alerts in {} min; in {group}, sent at {}",
                                        alert.rule_id,
                                        self.inner.policy.grouping.max_alerts,
                                        self.inner.policy.grouping.window_minutes,
                                        mantissa_core::clock::format_instant(end)
                                    )),
                                },
                            )
                            .await?;
                        sel.destinations
                            .iter()
                            .map(|dest| NewDelivery {
                                key: format!("{group}:{dest}"),
                                alert_id: alert.id.clone(),
                                destination: dest.clone(),
                                action: DeliveryAction::Digest,
                                payload: json!({
                                    "group": group,
                                    "rule_id": alert.rule_id,
                                    "window_start": mantissa_core::clock::format_instant(start),
                                    "window_end": mantissa_core::clock::format_instant(end),
                                    "fallback": sel.fallback,
                                }),
                                route: Some(sel.route.clone()),
                                fallback_of: None,
                                not_before: end,
                            })
                            .collect()
                    }
                }
            }
            Change::Updated => {
                let delivered: BTreeSet<String> = store
                    .deliveries(&alert.id)
                    .await?
                    .into_iter()
                    .filter(|d| {
                        d.action == DeliveryAction::Notify && d.status == DeliveryStatus::Delivered
                    })
                    .map(|d| d.destination)
                    .collect();
                delivered
                    .into_iter()
                    .map(|dest| NewDelivery {
                        key: format!("{}:{dest}:repeat:{}", alert.id, alert.count),
                        alert_id: alert.id.clone(),
                        destination: dest,
                        action: DeliveryAction::Repeat,
                        payload: json!({
                            "count": alert.count,
                            "last_seen": mantissa_core::clock::format_instant(alert.last_seen),
                        }),
                        route: None,
                        fallback_of: None,
                        not_before: now,
                    })
                    .collect()
            }
        };
        self.enqueue(&rows).await
    }

    /// Enqueues a status-change message (Slack edit + thread reply, PagerDuty
    /// acknowledge/resolve, …) on every destination that delivered, or is
    /// about to deliver, the alert's first message. Call it after a
    /// [`Transition::Changed`](mantissa_core::alert::Transition) with the
    /// alert as changed.
    pub async fn status_changed(
        &self,
        alert: &Alert,
        from: AlertStatus,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, RouterError> {
        let dests: BTreeSet<String> = self
            .inner
            .store
            .deliveries(&alert.id)
            .await?
            .into_iter()
            .filter(|d| d.action == DeliveryAction::Notify && d.status != DeliveryStatus::Failed)
            .map(|d| d.destination)
            .collect();
        let at = alert.status_at.unwrap_or(now);
        let rows: Vec<NewDelivery> = dests
            .into_iter()
            .map(|dest| NewDelivery {
                key: format!(
                    "{}:{dest}:status:{}:{}",
                    alert.id,
                    alert.status,
                    at.timestamp_micros()
                ),
                alert_id: alert.id.clone(),
                destination: dest,
                action: DeliveryAction::StatusChange,
                payload: json!({
                    "from": from,
                    "to": alert.status,
                    "by": alert.status_by,
                    "at": mantissa_core::clock::format_instant(at),
                }),
                route: None,
                fallback_of: None,
                not_before: now,
            })
            .collect();
        self.enqueue(&rows).await
    }

    async fn enqueue(&self, rows: &[NewDelivery]) -> Result<Vec<i64>, RouterError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids = self.inner.store.enqueue(rows).await?;
        if !ids.is_empty() {
            self.inner.wake.notify_one();
        }
        Ok(ids)
    }

    fn lease(&self) -> Duration {
        Duration::from_millis(self.inner.policy.retry.lease_ms)
    }

    fn batch(&self) -> usize {
        self.inner.policy.retry.concurrency.max(1) * 4
    }

    /// Claims the deliveries due at `now` (leasing them), sends them
    /// concurrently (at most `router.retry.concurrency` at once), and records
    /// each attempt: delivered; retry later (exponential backoff with
    /// jitter, or the destination's `Retry-After`); or failed (permanent
    /// error or retries exhausted), in which case the next destination of
    /// the route's fallback chain gets the alert. Every outcome except a
    /// scheduled retry is written to the alert's history.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<DeliveryReport, RouterError> {
        let lease_until = now + chrono::Duration::from_std(self.lease()).unwrap_or_default();
        let claimed = self
            .inner
            .store
            .claim_due(now, lease_until, self.batch())
            .await?;
        let mut report = DeliveryReport {
            claimed: claimed.len(),
            ..DeliveryReport::default()
        };
        let results: Vec<Result<Settled, RouterError>> = futures::stream::iter(claimed)
            .map(|d| self.process(d, now))
            .buffer_unordered(self.inner.policy.retry.concurrency.max(1))
            .collect()
            .await;
        let mut first_err = None;
        for r in results {
            match r {
                Ok(Settled::Delivered) => report.delivered += 1,
                Ok(Settled::Retried) => report.retried += 1,
                Ok(Settled::Failed { fallback }) => {
                    report.failed += 1;
                    report.fallbacks += usize::from(fallback);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "recording a delivery failed; it is retried after its lease");
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) if report.delivered + report.retried + report.failed == 0 => Err(e),
            _ => Ok(report),
        }
    }

    async fn process(&self, d: Delivery, now: DateTime<Utc>) -> Result<Settled, RouterError> {
        let store = &self.inner.store;
        let started = Instant::now();
        let Some(alert) = store.get(&d.alert_id).await? else {
            let e = SendError::permanent(None, format!("alert `{}` no longer exists", d.alert_id));
            return self.settle(&d, None, now, started, Err(e)).await;
        };
        let Some(dest) = self.inner.destinations.get(&d.destination).cloned() else {
            let e = SendError::permanent(
                None,
                format!(
                    "destination `{}` is not configured (any more)",
                    d.destination
                ),
            );
            return self.settle(&d, Some(&alert), now, started, Err(e)).await;
        };
        let mut delivery = d.clone();
        let mut prior = None;
        if matches!(
            d.action,
            DeliveryAction::StatusChange | DeliveryAction::Repeat
        ) {
            let all = store.deliveries(&d.alert_id).await?;
            let same = |x: &&Delivery| x.destination == d.destination;
            let notifies: Vec<&Delivery> = all
                .iter()
                .filter(same)
                .filter(|x| x.action == DeliveryAction::Notify)
                .collect();
            let earlier_change_pending = all.iter().filter(same).any(|x| {
                x.action == d.action && x.id < d.id && x.status == DeliveryStatus::Pending
            });
            if let Some(n) = notifies
                .iter()
                .find(|n| n.status == DeliveryStatus::Delivered)
            {
                prior = n.message_ref.clone();
            } else if notifies.iter().any(|n| n.status == DeliveryStatus::Pending) {
                return self
                    .wait(&d, now, started, "the alert's first message")
                    .await;
            } else {
                let e = SendError::permanent(
                    None,
                    format!("no first message on `{}` to update", d.destination),
                );
                return self.settle(&d, Some(&alert), now, started, Err(e)).await;
            }
            if earlier_change_pending {
                return self.wait(&d, now, started, "an earlier update").await;
            }
        }
        if d.action == DeliveryAction::Digest {
            self.fill_digest(&mut delivery).await?;
        }
        let timeout = Duration::from_millis(self.inner.policy.retry.attempt_timeout_ms);
        let result =
            match tokio::time::timeout(timeout, dest.send(&alert, &delivery, prior.as_ref())).await
            {
                Ok(r) => r,
                Err(_) => Err(SendError::retryable(
                    None,
                    format!(
                        "{}: no answer within {} ms",
                        dest.kind(),
                        timeout.as_millis()
                    ),
                )),
            };
        self.settle(&d, Some(&alert), now, started, result).await
    }

    /// Re-schedules a delivery that must wait for an earlier one on the same
    /// destination (not counted against its retries).
    async fn wait(
        &self,
        d: &Delivery,
        now: DateTime<Utc>,
        started: Instant,
        what: &str,
    ) -> Result<Settled, RouterError> {
        let base = Duration::from_millis(self.inner.policy.retry.base_backoff_ms.max(10));
        self.inner
            .store
            .record_attempt(&Attempt {
                delivery_id: d.id,
                at: now,
                duration_ms: started.elapsed().as_millis() as u64,
                status_code: None,
                error: Some(format!("{WAITING} {what} on {}", d.destination)),
                outcome: AttemptOutcome::Retry {
                    retry_at: now
                        + chrono::Duration::from_std(started.elapsed() + base).unwrap_or_default(),
                },
            })
            .await?;
        Ok(Settled::Retried)
    }

    async fn settle(
        &self,
        d: &Delivery,
        alert: Option<&Alert>,
        now: DateTime<Utc>,
        started: Instant,
        result: Result<Sent, SendError>,
    ) -> Result<Settled, RouterError> {
        let store = &self.inner.store;
        let elapsed = started.elapsed();
        let end = now + chrono::Duration::from_std(elapsed).unwrap_or_default();
        let policy = &self.inner.policy.retry;
        let attempt = |status_code, error, outcome| Attempt {
            delivery_id: d.id,
            at: now,
            duration_ms: elapsed.as_millis() as u64,
            status_code,
            error,
            outcome,
        };
        let e = match result {
            Ok(sent) => {
                store
                    .record_attempt(&attempt(
                        sent.status_code,
                        None,
                        AttemptOutcome::Delivered {
                            message_ref: sent.message_ref,
                        },
                    ))
                    .await?;
                tracing::info!(delivery = %d.key, destination = %d.destination, "delivered");
                self.event(
                    &d.alert_id,
                    end,
                    "delivered",
                    format!(
                        "{} ({}), attempt {}",
                        d.destination,
                        d.action,
                        d.attempts + 1
                    ),
                )
                .await;
                return Ok(Settled::Delivered);
            }
            Err(e) => e,
        };
        let made = self.real_attempts(d).await? + 1;
        if let SendErrorKind::Retryable { retry_after } = e.kind
            && made < policy.max_attempts
        {
            let seed =
                (d.id as u64) ^ u64::from(made).rotate_left(32) ^ now.timestamp_micros() as u64;
            let wait = backoff::delay(policy, made, retry_after, seed);
            let retry_at = end + chrono::Duration::from_std(wait).unwrap_or_default();
            tracing::warn!(delivery = %d.key, destination = %d.destination, error = %e.message, retry_in_ms = wait.as_millis() as u64, "delivery failed; retrying");
            store
                .record_attempt(&attempt(
                    e.status_code,
                    Some(e.message.clone()),
                    AttemptOutcome::Retry { retry_at },
                ))
                .await?;
            return Ok(Settled::Retried);
        }
        store
            .record_attempt(&attempt(
                e.status_code,
                Some(e.message.clone()),
                AttemptOutcome::Failed,
            ))
            .await?;
        let why = if e.is_retryable() {
            format!("{} (gave up after {made} attempts)", e.message)
        } else {
            format!("{} (permanent, not retried)", e.message)
        };
        tracing::warn!(delivery = %d.key, destination = %d.destination, error = %why, "delivery failed");
        self.event(
            &d.alert_id,
            end,
            "delivery_failed",
            format!("{} ({}): {why}", d.destination, d.action),
        )
        .await;
        let mut fallback = false;
        if alert.is_some() && matches!(d.action, DeliveryAction::Notify | DeliveryAction::Digest) {
            fallback = self.fall_back(d, end).await?;
        }
        Ok(Settled::Failed { fallback })
    }

    /// Attempts that count against `max_attempts` (waits for an earlier
    /// delivery do not), before this one.
    async fn real_attempts(&self, d: &Delivery) -> Result<u32, RouterError> {
        if d.attempts == 0 {
            return Ok(0);
        }
        let all = self.inner.store.attempts(d.id).await?;
        Ok(all
            .iter()
            .filter(|a| !a.error.as_deref().is_some_and(|e| e.starts_with(WAITING)))
            .count() as u32)
    }

    /// Enqueues the next destination of the failed delivery's fallback
    /// chain, skipping destinations that already have (or had) this alert.
    async fn fall_back(&self, d: &Delivery, now: DateTime<Utc>) -> Result<bool, RouterError> {
        let chain: Vec<String> = d
            .payload
            .get("fallback")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let covered: BTreeSet<String> = self
            .inner
            .store
            .deliveries(&d.alert_id)
            .await?
            .into_iter()
            .filter(|x| x.action == d.action && x.status != DeliveryStatus::Failed && x.id != d.id)
            .map(|x| x.destination)
            .collect();
        let mut rest = chain.into_iter();
        let next = loop {
            match rest.next() {
                Some(c) if covered.contains(&c) || c == d.destination => continue,
                other => break other,
            }
        };
        let Some(next) = next else {
            let covered_note = if covered.is_empty() {
                "the alert reached none of its route's destinations"
            } else {
                "other destinations of the route have it"
            };
            self.event(
                &d.alert_id,
                now,
                "delivery_failed",
                format!("{}: no fallback left; {covered_note}", d.destination),
            )
            .await;
            return Ok(false);
        };
        let remaining: Vec<String> = rest.collect();
        let mut payload = d.payload.clone();
        payload["fallback"] = json!(remaining);
        let key = match d.action {
            DeliveryAction::Digest => format!("{}:fallback:{next}", d.key),
            _ => format!("{}:{next}:notify:fallback-of:{}", d.alert_id, d.id),
        };
        self.enqueue(&[NewDelivery {
            key,
            alert_id: d.alert_id.clone(),
            destination: next.clone(),
            action: d.action,
            payload,
            route: d.route.clone(),
            fallback_of: Some(d.id),
            not_before: now,
        }])
        .await?;
        self.event(
            &d.alert_id,
            now,
            "fallback",
            format!("{} failed; sending to {next}", d.destination),
        )
        .await;
        Ok(true)
    }

    /// Lists the alerts a digest folds into `payload.alerts` / `alert_ids`:
    /// alerts of the rule whose history says they were folded into this
    /// digest's group.
    async fn fill_digest(&self, d: &mut Delivery) -> Result<(), RouterError> {
        let store = &self.inner.store;
        let group = d.payload["group"].as_str().unwrap_or_default().to_string();
        let rule = d.payload["rule_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let start = d.payload["window_start"]
            .as_str()
            .and_then(|s| mantissa_core::clock::parse_instant(s).ok());
        let since = start.map(|s| s - chrono::Duration::hours(24));
        let candidates = store
            .list(&AlertFilter {
                rule_id: Some(rule),
                since,
                include_meta: true,
                ..AlertFilter::default()
            })
            .await?;
        let needle = format!("in {group},");
        let mut folded = Vec::new();
        for a in candidates {
            let notified = store
                .deliveries(&a.id)
                .await?
                .iter()
                .any(|x| x.action == DeliveryAction::Notify);
            if notified {
                continue;
            }
            let history = store.history(&a.id).await?;
            if history.iter().any(|e| {
                e.action == "folded" && e.detail.as_deref().is_some_and(|t| t.contains(&needle))
            }) {
                folded.push(a);
            }
        }
        folded.sort_by_key(|a| (a.first_seen, a.id.clone()));
        d.payload["alert_ids"] = json!(folded.iter().map(|a| &a.id).collect::<Vec<_>>());
        d.payload["alerts"] = json!(
            folded
                .iter()
                .map(|a| json!({
                    "id": a.id,
                    "title": a.title,
                    "severity": a.severity,
                    "first_seen": mantissa_core::clock::format_instant(a.first_seen),
                }))
                .collect::<Vec<_>>()
        );
        Ok(())
    }

    async fn event(&self, alert_id: &str, at: DateTime<Utc>, action: &str, detail: String) {
        let e = AlertEvent {
            at,
            actor: ACTOR.into(),
            action: action.into(),
            detail: Some(detail),
        };
        if let Err(err) = self.inner.store.record_event(alert_id, &e).await {
            tracing::warn!(alert = %alert_id, error = %err, "cannot record a delivery event in the alert's history");
        }
    }

    /// The worker loop for long-running processes (`detect --watch`,
    /// `serve`): delivers what is due, then sleeps until the next delivery
    /// is due, something is enqueued, or `shutdown` completes. In-flight
    /// sends finish before it returns; unsent deliveries stay in the outbox.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        const IDLE: Duration = Duration::from_secs(30);
        loop {
            let full = match self.deliver_due(self.inner.clock.now()).await {
                Ok(r) => r.claimed >= self.batch(),
                Err(e) => {
                    tracing::warn!(error = %e, "router: cannot work the outbox");
                    false
                }
            };
            let wait = if full {
                Duration::ZERO
            } else {
                match self.inner.store.next_due().await {
                    Ok(Some(t)) => (t - self.inner.clock.now())
                        .to_std()
                        .unwrap_or_default()
                        .clamp(Duration::from_millis(10), IDLE),
                    Ok(None) => IDLE,
                    Err(_) => Duration::from_secs(1),
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Delivers until nothing is pending or `deadline` passes (one-shot CLI
    /// runs); what is left stays in the outbox for the next run.
    pub async fn drain(
        &self,
        deadline: tokio::time::Instant,
    ) -> Result<DeliveryReport, RouterError> {
        let mut total = DeliveryReport::default();
        loop {
            let r = self.deliver_due(self.inner.clock.now()).await?;
            total.add(&r);
            if r.claimed >= self.batch() {
                continue;
            }
            if self.inner.store.pending().await? == 0 {
                return Ok(total);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(total);
            }
            let until_due = match self.inner.store.next_due().await? {
                Some(t) => (t - self.inner.clock.now()).to_std().unwrap_or_default(),
                None => return Ok(total),
            };
            let wait = until_due.max(Duration::from_millis(5)).min(deadline - now);
            tokio::time::sleep(wait).await;
        }
    }
}

/// Prefix of the attempt error of a delivery waiting for an earlier one.
const WAITING: &str = "waiting for";
