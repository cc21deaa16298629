//! Fault injection: each scenario ends with the alert delivered exactly
//! once to its route or its fallback, checked on the fake's side and in
//! the store (deliveries, attempts, history).

use std::time::Duration;

use chrono::Utc;
use mantissa_core::alert::{AttemptOutcome, DeliveryAction, DeliveryStatus, Severity};
use mantissa_router::Change;
use serde_json::json;

use crate::fake::{Fake, Fault, SmtpFake, wait};
use crate::support::*;

#[tokio::test]
async fn server_error_then_success() {
    let fake = Fake::start().await;
    fake.fault("/hook", Fault::Status(500));
    let store = memory();
    let r = router(&config(&fake, None, &["hook"], &[]), &store);
    let a = alert("f500", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    assert_eq!(fake.requests("/hook").len(), 2);
    assert_eq!(fake.hooks().len(), 1, "accepted exactly once");
    let d = &deliveries(&store, "f500").await[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Delivered, 2));
    let at = store.attempts(d.id).await.unwrap();
    assert_eq!(at[0].status_code, Some(500));
    assert!(matches!(at[0].outcome, AttemptOutcome::Retry { .. }));
    assert_eq!(at[1].status_code, Some(200));
    assert_eq!(
        actions(&history(&store, "f500").await),
        ["raised", "delivered"]
    );
}

#[tokio::test]
async fn rate_limited_with_retry_after_is_honoured() {
    let fake = Fake::start().await;
    fake.fault("chat.postMessage", Fault::RateLimited(1));
    let store = memory();
    let r = router(&config(&fake, None, &["slack"], &[]), &store);
    let a = alert("f429", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    let posts = fake.requests("chat.postMessage");
    assert_eq!(posts.len(), 2);
    let waited = posts[1].at - posts[0].at;
    assert!(
        waited >= Duration::from_millis(990),
        "waited only {waited:?}"
    );
    assert_eq!(fake.slack_posts().len(), 1);
    let d = &deliveries(&store, "f429").await[0];
    assert_eq!(d.status, DeliveryStatus::Delivered);
    let at = store.attempts(d.id).await.unwrap();
    assert_eq!(at[0].status_code, Some(429));
    assert!(at[0].error.as_deref().unwrap().contains("ratelimited"));
}

#[tokio::test]
async fn timeout_then_success_pagerduty_dedups() {
    let fake = Fake::start().await;
    // The first trigger is processed but its answer never comes.
    fake.fault("/pd/", Fault::HangAfterCommit);
    let store = memory();
    let r = router(&config(&fake, None, &["pd"], &[]), &store);
    let a = alert("ftimeout", "r", Severity::Critical);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    assert_eq!(fake.requests("/pd/").len(), 2);
    let incidents = fake.pd_incidents();
    assert_eq!(incidents.len(), 1, "one incident: same dedup_key");
    assert_eq!(incidents["ftimeout"].1.len(), 2);
    let d = &deliveries(&store, "ftimeout").await[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Delivered, 2));
    let at = store.attempts(d.id).await.unwrap();
    assert!(
        at[0].error.as_deref().unwrap().contains("timed out")
            || at[0].error.as_deref().unwrap().contains("no answer"),
        "{:?}",
        at[0].error
    );
}

#[tokio::test]
async fn timeout_then_success_slack_adopts_the_posted_message() {
    let fake = Fake::start().await;
    fake.fault("chat.postMessage", Fault::HangAfterCommit);
    let store = memory();
    let r = router(&config(&fake, None, &["slack"], &[]), &store);
    let a = alert("fslackto", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    assert_eq!(
        fake.requests("chat.postMessage").len(),
        1,
        "not posted again"
    );
    assert_eq!(fake.requests("conversations.history").len(), 1);
    let posts = fake.slack_posts();
    assert_eq!(posts.len(), 1);
    let d = &deliveries(&store, "fslackto").await[0];
    assert_eq!(d.status, DeliveryStatus::Delivered);
    assert_eq!(
        d.message_ref,
        Some(json!({"channel": "C123", "ts": posts[0]["ts"]}))
    );
}

#[tokio::test]
async fn dropped_connection_then_success() {
    let fake = Fake::start().await;
    fake.fault("/hook", Fault::Drop);
    let store = memory();
    let r = router(&config(&fake, None, &["hook"], &[]), &store);
    let a = alert("fdrop", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    assert_eq!(fake.requests("/hook").len(), 2);
    assert_eq!(fake.hooks().len(), 1);
    let d = &deliveries(&store, "fdrop").await[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Delivered, 2));
    let at = store.attempts(d.id).await.unwrap();
    assert_eq!(at[0].status_code, None);
}

#[tokio::test]
async fn permanent_errors_walk_the_fallback_chain() {
    // Slack (channel_not_found) → PagerDuty (400, bad routing key) → e-mail.
    let fake = Fake::start().await;
    let smtp = SmtpFake::start().await;
    let store = memory();
    let r = router(
        &config(
            &fake,
            Some(&smtp),
            &["slack-missing"],
            &["pd-badkey", "mail"],
        ),
        &store,
    );
    let a = alert("fperm", "r", Severity::Critical);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    let rep = drain(&r).await;
    assert_eq!(
        (rep.delivered, rep.failed, rep.fallbacks, rep.retried),
        (1, 2, 2, 0)
    );
    assert_eq!(
        fake.requests("chat.postMessage").len(),
        1,
        "permanent: not retried"
    );
    assert_eq!(fake.requests("/pd/").len(), 1, "400: not retried");
    assert_eq!(smtp.mails.lock().unwrap().len(), 1);
    let ds = deliveries(&store, "fperm").await;
    assert_eq!(ds.len(), 3);
    assert_eq!(
        ds.iter()
            .map(|d| (d.destination.as_str(), d.status))
            .collect::<Vec<_>>(),
        [
            ("slack-missing", DeliveryStatus::Failed),
            ("pd-badkey", DeliveryStatus::Failed),
            ("mail", DeliveryStatus::Delivered)
        ]
    );
    assert_eq!(ds[1].fallback_of, Some(ds[0].id));
    assert_eq!(ds[2].fallback_of, Some(ds[1].id));
    assert!(
        ds[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("channel_not_found")
    );
    let h = history(&store, "fperm").await;
    assert_eq!(
        actions(&h),
        [
            "raised",
            "delivery_failed",
            "fallback",
            "delivery_failed",
            "fallback",
            "delivered"
        ]
    );
    assert_eq!(
        h[2].detail.as_deref(),
        Some("slack-missing failed; sending to pd-badkey")
    );
}

#[tokio::test]
async fn exhausted_retries_fall_back() {
    let fake = Fake::start().await;
    let smtp = SmtpFake::start().await;
    for _ in 0..3 {
        fake.fault("/hook", Fault::Status(503));
    }
    let store = memory();
    let r = router(&config(&fake, Some(&smtp), &["hook"], &["mail"]), &store);
    let a = alert("fexh", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    assert_eq!(fake.requests("/hook").len(), 3, "max_attempts = 3");
    assert!(fake.hooks().is_empty());
    assert_eq!(smtp.mails.lock().unwrap().len(), 1);
    let ds = deliveries(&store, "fexh").await;
    assert_eq!((ds[0].status, ds[0].attempts), (DeliveryStatus::Failed, 3));
    assert_eq!(ds[1].status, DeliveryStatus::Delivered);
    let h = history(&store, "fexh").await;
    assert!(
        h[1].detail
            .as_deref()
            .unwrap()
            .contains("gave up after 3 attempts"),
        "{h:?}"
    );
    assert_eq!(
        actions(&h),
        ["raised", "delivery_failed", "fallback", "delivered"]
    );
}

#[tokio::test]
async fn transient_smtp_error_is_retried_permanent_is_not() {
    let fake = Fake::start().await;
    let smtp = SmtpFake::start().await;
    smtp.fail_next
        .lock()
        .unwrap()
        .push_back("451 4.3.0 try again later".into());
    let store = memory();
    let r = router(&config(&fake, Some(&smtp), &["mail"], &["hook"]), &store);
    let a = alert("smtp1", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    assert_eq!(smtp.mails.lock().unwrap().len(), 1);
    let d = &deliveries(&store, "smtp1").await[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Delivered, 2));
    assert_eq!(
        store.attempts(d.id).await.unwrap()[0].status_code,
        Some(451)
    );

    smtp.fail_next
        .lock()
        .unwrap()
        .push_back("550 5.1.1 no such user".into());
    let b = alert("smtp2", "r", Severity::High);
    save(&store, &b).await;
    r.route(&b, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    let ds = deliveries(&store, "smtp2").await;
    assert_eq!((ds[0].status, ds[0].attempts), (DeliveryStatus::Failed, 1));
    assert_eq!(ds[1].destination, "hook");
    assert_eq!(fake.hooks().len(), 1);
}

/// Starts delivering in a task, waits until the fake holds the request,
/// then kills the task (a crashed worker).
async fn kill_mid_delivery(r: &mantissa_router::Router, fake: &Fake, path: &str) {
    let worker = r.clone();
    let task = tokio::spawn(async move { worker.deliver_due(Utc::now()).await });
    let held = wait::at_least_async(1, || fake.requests(path)).await;
    assert_eq!(held.len(), 1, "the fake holds the request");
    task.abort();
    let _ = task.await;
}

#[tokio::test]
async fn killed_mid_delivery_slack_is_delivered_once_via_metadata_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("alerts.db");
    let fake = Fake::start().await;
    fake.fault("chat.postMessage", Fault::HangAfterCommit);
    let c = config(&fake, None, &["slack"], &[]);
    {
        let store = sqlite(&db);
        let r = router(&c, &store);
        let a = alert("kill1", "r", Severity::Critical);
        save(&store, &a).await;
        r.route(&a, Change::New, Utc::now()).await.unwrap();
        kill_mid_delivery(&r, &fake, "chat.postMessage").await;
        // Leased: a second worker right now claims nothing.
        assert_eq!(r.deliver_due(Utc::now()).await.unwrap().claimed, 0);
    }
    // "Restart": a new router on the same file, after the lease ran out.
    let store = sqlite(&db);
    let r = router(&c, &store);
    tokio::time::sleep(Duration::from_millis(c.router.retry.lease_ms + 100)).await;
    let rep = drain(&r).await;
    assert_eq!(rep.delivered, 1);
    assert_eq!(fake.requests("conversations.history").len(), 1);
    assert_eq!(
        fake.requests("chat.postMessage").len(),
        1,
        "never posted twice"
    );
    let posts = fake.slack_posts();
    assert_eq!(posts.len(), 1);
    let d = &deliveries(&store, "kill1").await[0];
    assert_eq!(d.status, DeliveryStatus::Delivered);
    assert_eq!(
        d.message_ref,
        Some(json!({"channel": "C123", "ts": posts[0]["ts"]}))
    );
    assert_eq!(
        actions(&history(&store, "kill1").await),
        ["raised", "delivered"]
    );
}

#[tokio::test]
async fn killed_mid_delivery_pagerduty_is_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("alerts.db");
    let fake = Fake::start().await;
    fake.fault("/pd/", Fault::HangAfterCommit);
    let c = config(&fake, None, &["pd"], &[]);
    {
        let store = sqlite(&db);
        let r = router(&c, &store);
        let a = alert("kill2", "r", Severity::Critical);
        save(&store, &a).await;
        r.route(&a, Change::New, Utc::now()).await.unwrap();
        kill_mid_delivery(&r, &fake, "/pd/").await;
    }
    let store = sqlite(&db);
    let r = router(&c, &store);
    tokio::time::sleep(Duration::from_millis(c.router.retry.lease_ms + 100)).await;
    drain(&r).await;
    assert_eq!(fake.requests("/pd/").len(), 2);
    assert_eq!(fake.pd_incidents().len(), 1, "one incident (dedup_key)");
    assert_eq!(
        deliveries(&store, "kill2").await[0].status,
        DeliveryStatus::Delivered
    );
}

#[tokio::test]
async fn restart_resumes_pending_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("alerts.db");
    let fake = Fake::start().await;
    let c = config(&fake, None, &["slack", "hook"], &[]);
    {
        let store = sqlite(&db);
        let r = router(&c, &store);
        for i in 0..5 {
            let a = alert(&format!("res{i}"), "r", Severity::High);
            save(&store, &a).await;
            r.route(&a, Change::New, Utc::now()).await.unwrap();
        }
        assert_eq!(store.pending().await.unwrap(), 10);
    } // stopped before delivering anything
    let store = sqlite(&db);
    let r = router(&c, &store);
    let rep = drain(&r).await;
    assert_eq!(rep.delivered, 10);
    assert_eq!(store.pending().await.unwrap(), 0);
    assert_eq!(fake.slack_posts().len(), 5);
    assert_eq!(fake.hooks().len(), 5);
    for i in 0..5 {
        let ds = deliveries(&store, &format!("res{i}")).await;
        assert!(
            ds.iter().all(
                |d| d.status == DeliveryStatus::Delivered && d.action == DeliveryAction::Notify
            )
        );
    }
}

#[tokio::test]
async fn run_loop_delivers_and_stops_on_shutdown() {
    let fake = Fake::start().await;
    let store = memory();
    let r = router(&config(&fake, None, &["hook"], &[]), &store);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let worker = r.clone();
    let task = tokio::spawn(async move {
        worker
            .run(async {
                rx.await.ok();
            })
            .await
    });
    let a = alert("run1", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    assert_eq!(
        wait::at_least_async(1, || fake.hooks()).await.len(),
        1,
        "woken by the enqueue, not the 30 s idle sleep"
    );
    tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn discord_timeout_then_retry_does_not_duplicate_thanks_to_the_nonce() {
    let fake = Fake::start().await;
    fake.fault("/discord/", Fault::HangAfterCommit);
    let store = memory();
    let r = router(&config(&fake, None, &["discord"], &[]), &store);
    let a = alert("fdisc", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    assert_eq!(fake.requests("/discord/").len(), 2);
    assert_eq!(fake.state.discord.lock().unwrap().len(), 1, "one message");
    let d = &deliveries(&store, "fdisc").await[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Delivered, 2));
}

#[tokio::test]
async fn a_status_change_waits_for_the_first_message() {
    // The first trigger hits a 500; the acknowledge enqueued meanwhile must
    // not overtake it (PagerDuty drops an acknowledge for an unknown key).
    let fake = Fake::start().await;
    fake.fault("/pd/", Fault::Status(500));
    let store = memory();
    let r = router(&config(&fake, None, &["pd"], &[]), &store);
    let a = alert("order1", "r", Severity::Critical);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    r.deliver_due(Utc::now()).await.unwrap(); // the 500
    change(
        &r,
        &store,
        "order1",
        mantissa_core::alert::AlertStatus::Acknowledged,
        "cli:dan",
        Utc::now(),
    )
    .await;
    change(
        &r,
        &store,
        "order1",
        mantissa_core::alert::AlertStatus::Resolved,
        "cli:dan",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    let actions: Vec<String> = fake
        .requests("/pd/")
        .iter()
        .map(|q| q.json()["event_action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["trigger", "trigger", "acknowledge", "resolve"]);
    assert_eq!(fake.pd_incidents()["order1"].0, "resolved");
    let ds = deliveries(&store, "order1").await;
    assert!(
        ds.iter().all(|d| d.status == DeliveryStatus::Delivered),
        "{ds:?}"
    );
}

#[tokio::test]
async fn slack_thread_reply_of_a_status_change_is_not_duplicated_after_a_timeout() {
    let fake = Fake::start().await;
    let store = memory();
    let r = router(&config(&fake, None, &["slack"], &[]), &store);
    let a = alert("freply", "r", Severity::High);
    save(&store, &a).await;
    r.route(&a, Change::New, Utc::now()).await.unwrap();
    drain(&r).await;
    // The reply is posted but its answer never comes.
    fake.fault("chat.postMessage", Fault::HangAfterCommit);
    change(
        &r,
        &store,
        "freply",
        mantissa_core::alert::AlertStatus::Acknowledged,
        "cli:eve",
        Utc::now(),
    )
    .await;
    drain(&r).await;
    assert_eq!(
        fake.requests("chat.update").len(),
        2,
        "the edit is repeated (idempotent)"
    );
    assert_eq!(fake.requests("conversations.replies").len(), 1);
    let replies = fake.slack_replies();
    assert_eq!(replies.len(), 1, "one thread reply");
    let key = replies[0]["metadata"]["event_payload"]["delivery"]
        .as_str()
        .unwrap();
    assert!(key.contains(":status:acknowledged:"), "{key}");
    let ds = deliveries(&store, "freply").await;
    assert_eq!(ds[1].status, DeliveryStatus::Delivered);
    assert_eq!(
        ds[1].message_ref.as_ref().unwrap()["reply_ts"],
        replies[0]["ts"]
    );
}
