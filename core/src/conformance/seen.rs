//! The [`SeenStore`] conformance suite: one winner among racing claims from
//! many handles, expiry seen on claim, independent ids.

use std::time::Duration;

use super::{Backing, at, case, race};
use crate::dedup::SeenStore;

/// Runs every case, each on a fresh backing.
pub async fn run<B: Backing<dyn SeenStore>>(fresh: impl Fn() -> B) {
    case("claim once", &fresh, claim_once).await;
    case("racing claims", &fresh, racing_claims).await;
    case("expiry", &fresh, expiry).await;
}

const TTL: Duration = Duration::from_secs(900);

async fn claim_once<B: Backing<dyn SeenStore>>(b: B) {
    let store = b.handle();
    let t = at("2026-12-01T10:00:00Z");
    assert!(store.claim("Ev1", t, TTL).await.unwrap());
    assert!(!store.claim("Ev1", t, TTL).await.unwrap());
    assert!(!b.handle().claim("Ev1", t, TTL).await.unwrap());
    assert!(
        store.claim("Ev2", t, TTL).await.unwrap(),
        "ids are independent"
    );
}

/// Thirty-two claims of one id at once over four handles: one winner.
async fn racing_claims<B: Backing<dyn SeenStore>>(b: B) {
    let t = at("2026-12-01T10:00:00Z");
    let handles: Vec<_> = (0..4).map(|_| b.handle()).collect();
    let results = race(32, |i| {
        let store = handles[i % 4].clone();
        async move { store.claim("job-42", t, TTL).await.expect("claim") }
    })
    .await;
    assert_eq!(results.iter().filter(|won| **won).count(), 1, "{results:?}");
}

async fn expiry<B: Backing<dyn SeenStore>>(b: B) {
    let store = b.handle();
    let t = at("2026-12-01T10:00:00Z");
    assert!(store.claim("Ev1", t, TTL).await.unwrap());
    let almost = t + chrono::Duration::seconds(899);
    assert!(!store.claim("Ev1", almost, TTL).await.unwrap());
    // Expired (deleted or not): claimable again, once.
    let after = t + chrono::Duration::seconds(900);
    assert!(b.handle().claim("Ev1", after, TTL).await.unwrap());
    assert!(!store.claim("Ev1", after, TTL).await.unwrap());
}
