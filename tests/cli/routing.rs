//! Alert delivery from the command line: `detect` routes new alerts through
//! the configured policy to a local webhook receiver, `alerts ack` sends the
//! status change, and `alerts show` tells the story.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use super::{Run, example_rule_dir, ingest_brute_force};

type Hooks = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

/// A SOAR-style receiver: the first request fails with 503, then 200.
fn receiver(rt: &tokio::runtime::Runtime) -> (String, Hooks) {
    let hooks: Hooks = Arc::default();
    async fn handle(State(h): State<Hooks>, headers: HeaderMap, body: Bytes) -> StatusCode {
        let mut h = h.lock().unwrap();
        h.push((headers, serde_json::from_slice(&body).unwrap()));
        if h.len() == 1 {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        }
    }
    let app = Router::new().fallback(handle).with_state(hooks.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hooks)
}

#[test]
fn detect_delivers_through_the_policy_and_ack_propagates() {
    let r = Run::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, hooks) = receiver(&rt);
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        format!(
            "[router.destinations.soar]\ntype = \"webhook\"\nurl = \"{url}\"\nsecret = \"hook-secret\"\n\
             [router.default_route]\ndestinations = [\"soar\"]\n\
             [router.retry]\nbase_backoff_ms = 50\nmax_backoff_ms = 200\n"
        ),
    )
    .unwrap();
    ingest_brute_force(&r);
    let rules = example_rule_dir(&r);
    let out = r.cmd(&[
        "--now",
        "2024-03-10T10:30:00Z",
        "detect",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("deliveries: 1 delivered"), "{err}");
    {
        let h = hooks.lock().unwrap();
        assert_eq!(h.len(), 2, "a 503, then the retry");
        assert_eq!(h[1].1["action"], "notify");
        assert_eq!(
            h[0].0["idempotency-key"], h[1].0["idempotency-key"],
            "same key on the retry"
        );
        assert!(
            h[1].0["x-mantissa-signature"]
                .to_str()
                .unwrap()
                .starts_with("sha256=")
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("hook-secret"));
    }
    let id = hooks.lock().unwrap()[1].1["alert"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    r.ok(&["alerts", "ack", &id, "--as", "alice"]);
    {
        let h = hooks.lock().unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h[2].1["action"], "status_change");
        assert_eq!(h[2].1["alert"]["status"], "acknowledged");
    }
    let show: Value =
        serde_json::from_str(&r.ok(&["alerts", "show", &id, "--format", "json"])).unwrap();
    let deliveries = show["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    assert!(
        deliveries.iter().all(|d| d["status"] == "delivered"),
        "{deliveries:?}"
    );
    assert_eq!(deliveries[0]["attempt_log"].as_array().unwrap().len(), 2);
    assert_eq!(deliveries[0]["attempt_log"][0]["status_code"], 503);
    let text = r.ok(&["alerts", "show", &id]);
    assert!(
        text.contains("notify → soar: delivered after 2 attempts"),
        "{text}"
    );
    // A second run re-routes nothing: the alert is folded, not new.
    r.ok(&[
        "--now",
        "2024-03-10T10:35:00Z",
        "detect",
        "--no-builtin",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(hooks.lock().unwrap().len(), 3);
    // Nothing pending.
    r.ok(&["alerts", "deliver"]);
}
