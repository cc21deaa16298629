//! The [`RuleStateStore`] conformance suite: defaults for unknown rules,
//! success times never move back, failures counted under concurrency,
//! enable overrides.

use chrono::Duration;

use super::{Backing, at, case, race};
use crate::rule_state::{RuleState, RuleStateStore};

/// Runs every case, each on a fresh backing.
pub async fn run<B: Backing<dyn RuleStateStore>>(fresh: impl Fn() -> B) {
    case("defaults", &fresh, defaults).await;
    case("success and failure", &fresh, success_and_failure).await;
    case("racing writers", &fresh, racing_writers).await;
    case("enable overrides", &fresh, enable_overrides).await;
}

async fn defaults<B: Backing<dyn RuleStateStore>>(b: B) {
    assert_eq!(
        b.handle().rule_state("never-ran").await.unwrap(),
        RuleState::default()
    );
}

async fn success_and_failure<B: Backing<dyn RuleStateStore>>(b: B) {
    let store = b.handle();
    let t = at("2024-03-10T10:00:00Z");
    store.record_failure("r1", t, "boom").await.unwrap();
    store.record_failure("r1", t, "bang").await.unwrap();
    let s = store.rule_state("r1").await.unwrap();
    assert_eq!((s.failures, s.last_error.as_deref()), (2, Some("bang")));
    assert_eq!(s.last_success, None);
    store.record_success("r1", t).await.unwrap();
    // A late writer with an older time never moves it back.
    store
        .record_success("r1", t - Duration::minutes(5))
        .await
        .unwrap();
    let s = b.handle().rule_state("r1").await.unwrap();
    assert_eq!(s.last_success, Some(t));
    assert_eq!((s.failures, s.last_error), (0, None));
    assert_eq!(store.rule_state("r2").await.unwrap(), RuleState::default());
}

/// Twenty failures and twenty successes at once from four handles: every
/// failure before the last success is forgotten, the latest time wins.
async fn racing_writers<B: Backing<dyn RuleStateStore>>(b: B) {
    let t = at("2024-03-10T10:00:00Z");
    let handles: Vec<_> = (0..4).map(|_| b.handle()).collect();
    let results = race(20, |i| {
        let store = handles[i % 4].clone();
        async move { store.record_failure("r1", t, &format!("e{i}")).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(b.handle().rule_state("r1").await.unwrap().failures, 20);
    let results = race(20, |i| {
        let store = handles[i % 4].clone();
        async move {
            store
                .record_success("r1", t + Duration::minutes(i as i64))
                .await
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok));
    let s = b.handle().rule_state("r1").await.unwrap();
    assert_eq!(s.last_success, Some(t + Duration::minutes(19)));
    assert_eq!(s.failures, 0);
}

async fn enable_overrides<B: Backing<dyn RuleStateStore>>(b: B) {
    let store = b.handle();
    store.set_enabled("r1", false).await.unwrap();
    assert_eq!(
        b.handle().rule_state("r1").await.unwrap().enabled,
        Some(false)
    );
    store
        .record_success("r1", at("2024-03-10T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(store.rule_state("r1").await.unwrap().enabled, Some(false));
    store.set_enabled("r1", true).await.unwrap();
    assert_eq!(store.rule_state("r1").await.unwrap().enabled, Some(true));
}
