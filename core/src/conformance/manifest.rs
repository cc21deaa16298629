//! The [`ManifestStore`] conformance suite: recorded hashes seen from every
//! handle, first entry kept, racing recorders of one hash all succeed and
//! leave one entry, unknown hashes are unknown.

use super::{Backing, case, race};
use crate::ingest::manifest::{ManifestEntry, ManifestStore};

/// Runs every case, each on a fresh backing.
pub async fn run<B: Backing<dyn ManifestStore>>(fresh: impl Fn() -> B) {
    case("record and look up", &fresh, record_and_look_up).await;
    case("first entry kept", &fresh, first_entry_kept).await;
    case("racing recorders", &fresh, racing_recorders).await;
    case("many entries at once", &fresh, many_entries).await;
}

fn entry(hash: &str, path: &str, records: u64) -> ManifestEntry {
    ManifestEntry {
        sha256: hash.into(),
        path: path.into(),
        bytes: 1234,
        records,
        quarantined: 1,
    }
}

async fn record_and_look_up<B: Backing<dyn ManifestStore>>(b: B) {
    let store = b.handle();
    assert!(!store.contains("aa").await.unwrap());
    assert_eq!(store.entry("aa").await.unwrap(), None);
    let e = entry("aa", "s3://raw/AWSLogs/1/CloudTrail/x.json.gz", 10);
    store.record(std::slice::from_ref(&e)).await.unwrap();
    let other = b.handle();
    assert!(other.contains("aa").await.unwrap());
    assert_eq!(other.entry("aa").await.unwrap(), Some(e));
    assert!(
        !other.contains("bb").await.unwrap(),
        "hashes are independent"
    );
    store.record(&[]).await.unwrap();
}

async fn first_entry_kept<B: Backing<dyn ManifestStore>>(b: B) {
    let store = b.handle();
    store
        .record(&[entry("aa", "first.json", 10)])
        .await
        .unwrap();
    b.handle()
        .record(&[entry("aa", "copy-of-first.json", 10)])
        .await
        .expect("recording a known hash is not an error");
    let kept = store.entry("aa").await.unwrap().unwrap();
    assert_eq!(kept.path, "first.json");
}

/// Sixteen recorders of one hash over four handles: all succeed, one entry.
async fn racing_recorders<B: Backing<dyn ManifestStore>>(b: B) {
    let handles: Vec<_> = (0..4).map(|_| b.handle()).collect();
    let results = race(16, |i| {
        let store = handles[i % 4].clone();
        async move {
            store
                .record(&[entry("cc", &format!("copy-{i}.json"), 5)])
                .await
        }
    })
    .await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    let kept = b.handle().entry("cc").await.unwrap().unwrap();
    assert!(kept.path.starts_with("copy-"), "{kept:?}");
}

async fn many_entries<B: Backing<dyn ManifestStore>>(b: B) {
    let store = b.handle();
    let entries: Vec<_> = (0..250)
        .map(|i| entry(&format!("{i:064x}"), &format!("f{i}.json"), i))
        .collect();
    store.record(&entries).await.unwrap();
    for e in [&entries[0], &entries[124], &entries[249]] {
        assert_eq!(b.handle().entry(&e.sha256).await.unwrap().as_ref(), Some(e));
    }
}
