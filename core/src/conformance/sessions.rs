//! The [`SessionStore`] conformance suite: the last turn per session,
//! expiry seen on read (also before the backend deletes), refresh on put,
//! clear, unusable ids, independent sessions under concurrency.

use chrono::Duration;

use super::{Backing, at, case, race};
use crate::nl::Turn;
use crate::nl::spec::{QuerySpec, Table};
use crate::session::SessionStore;
use crate::store::StoreError;

/// Runs every case, each on a fresh backing. The store's expiry must be one
/// hour.
pub async fn run<B: Backing<dyn SessionStore>>(fresh: impl Fn() -> B) {
    case("last turn and expiry", &fresh, last_turn_and_expiry).await;
    case("put refreshes expiry", &fresh, put_refreshes).await;
    case("clear and bad ids", &fresh, clear_and_bad_ids).await;
    case("concurrent sessions", &fresh, concurrent_sessions).await;
}

fn turn(question: &str) -> Turn {
    Turn {
        question: question.into(),
        plan: Some(QuerySpec::new(Table::Cloudtrail)),
        sql: "SELECT 1".into(),
    }
}

async fn last_turn_and_expiry<B: Backing<dyn SessionStore>>(b: B) {
    let store = b.handle();
    assert_eq!(store.expiry(), std::time::Duration::from_secs(3600));
    let t0 = at("2026-11-26T10:00:00Z");
    assert!(store.get("s1", t0).await.unwrap().is_none());
    store.put("s1", &turn("first"), t0).await.unwrap();
    store.put("s1", &turn("second"), t0).await.unwrap();
    // Another handle (another process) sees it.
    let other = b.handle();
    let later = t0 + Duration::minutes(59);
    assert_eq!(other.get("s1", later).await.unwrap(), Some(turn("second")));
    assert!(other.get("s2", later).await.unwrap().is_none());
    // Expired: gone on read, whether or not the backend deleted it.
    let expired = t0 + Duration::minutes(61);
    assert!(store.get("s1", expired).await.unwrap().is_none());
}

async fn put_refreshes<B: Backing<dyn SessionStore>>(b: B) {
    let store = b.handle();
    let t0 = at("2026-11-26T10:00:00Z");
    store.put("s1", &turn("q"), t0).await.unwrap();
    store
        .put("s1", &turn("follow-up"), t0 + Duration::minutes(50))
        .await
        .unwrap();
    assert_eq!(
        store.get("s1", t0 + Duration::minutes(100)).await.unwrap(),
        Some(turn("follow-up"))
    );
}

async fn clear_and_bad_ids<B: Backing<dyn SessionStore>>(b: B) {
    let store = b.handle();
    let t0 = at("2026-11-26T10:00:00Z");
    store
        .put("slack:C1:1700000000.000100", &turn("q"), t0)
        .await
        .unwrap();
    store.clear("slack:C1:1700000000.000100").await.unwrap();
    assert!(
        store
            .get("slack:C1:1700000000.000100", t0)
            .await
            .unwrap()
            .is_none()
    );
    store.clear("never-seen").await.unwrap();
    for bad in ["", "bad id!", &"x".repeat(129)] {
        assert!(
            matches!(store.get(bad, t0).await, Err(StoreError::Refused(_))),
            "`{bad}` must be refused"
        );
        assert!(matches!(
            store.put(bad, &turn("q"), t0).await,
            Err(StoreError::Refused(_))
        ));
    }
}

async fn concurrent_sessions<B: Backing<dyn SessionStore>>(b: B) {
    let t0 = at("2026-11-26T10:00:00Z");
    let handles: Vec<_> = (0..4).map(|_| b.handle()).collect();
    let results = race(32, |i| {
        let store = handles[i % 4].clone();
        async move {
            store
                .put(&format!("s{}", i % 8), &turn(&format!("q{i}")), t0)
                .await
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let store = b.handle();
    for s in 0..8 {
        let got = store.get(&format!("s{s}"), t0).await.unwrap().unwrap();
        // One of the racing writers' turns, whole.
        let n: usize = got.question[1..].parse().unwrap();
        assert_eq!(n % 8, s, "{got:?}");
    }
}
