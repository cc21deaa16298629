//! Load on `POST /slack/events` of the real `mantissa serve` on loopback:
//! signed `app_mention` events at a fixed rate (open loop), plus a Slack
//! retry (same `event_id`) for every tenth event. Prints the ack latency
//! (p50/p90/p99/max), the achieved rate, and whether every event was
//! answered exactly once in its thread (a local Slack Web API counts the
//! posts).
//!
//! `cargo bench -p mantissa --bench slack_ack` (release build);
//! `MANTISSA_BENCH_RATE` (default 500/s) and `MANTISSA_BENCH_SECS` (10).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use mantissa_bot::auth::SlackVerifier;
use serde_json::{Value, json};

const SECRET: &str = "bench-signing-secret";

type Posts = Arc<Mutex<HashMap<String, usize>>>;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let rate = env_num("MANTISSA_BENCH_RATE", 500);
    let secs = env_num("MANTISSA_BENCH_SECS", 10);
    let total = rate * secs;
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_mantissa");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/handmade/brute_force_then_success.jsonl");
    let st = Command::new(bin)
        .current_dir(dir.path())
        .args([
            "-q",
            "ingest",
            "--source",
            "cloudtrail",
            fixture.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success());

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The Slack Web API: counts answers per thread.
    let posts: Posts = Arc::default();
    async fn handle(State(posts): State<Posts>, body: Bytes) -> String {
        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
        if let Some(t) = v["thread_ts"].as_str() {
            *posts.lock().unwrap().entry(t.to_string()).or_default() += 1;
        }
        json!({"ok": true, "ts": "1.1"}).to_string()
    }
    let app = Router::new().fallback(handle).with_state(posts.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let slack_url = format!("http://{}/api", listener.local_addr().unwrap());
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut child = Command::new(bin)
        .current_dir(dir.path())
        .env("MANTISSA_SLACK_SIGNING_SECRET", SECRET)
        .env("MANTISSA_SLACK_BOT_TOKEN", "xoxb-bench")
        .env("MANTISSA_SLACK_API_URL", &slack_url)
        .env("MANTISSA_LOG", "error")
        .args([
            "--now",
            "2024-03-10T12:00:00Z",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--translator",
            "builtin",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(a) = line.strip_prefix("listening on ") {
                let _ = tx.send(a.to_string());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let url = format!("{base}/slack/events");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();

    let event = |i: u64| -> String {
        json!({
            "type": "event_callback", "team_id": "T1", "api_app_id": "A1",
            "event_id": format!("Ev{i}"), "event_time": 1,
            "authorizations": [{"user_id": "UBOT", "is_bot": true}],
            "event": {"type": "app_mention", "user": "U1", "channel": "C1",
                      "ts": format!("1710070000.{i:06}"),
                      "text": "<@UBOT> how many failed console logins today"},
        })
        .to_string()
    };
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };

    println!("slack_ack: {total} events at {rate}/s (+ a retry of every 10th) against {url}");
    let started = Instant::now();
    let results: Vec<(Duration, u16)> = rt.block_on(async {
        let mut tasks = Vec::with_capacity(total as usize * 11 / 10);
        let interval = Duration::from_nanos(1_000_000_000 / rate);
        let t0 = tokio::time::Instant::now();
        for i in 0..total {
            tokio::time::sleep_until(t0 + interval * i as u32).await;
            let mut sends = vec![(event(i), false)];
            if i % 10 == 9 {
                sends.push((event(i - 5), true));
            }
            for (body, retry) in sends {
                let client = client.clone();
                let url = url.clone();
                let ts = now();
                tasks.push(tokio::spawn(async move {
                    let mut req = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("x-slack-request-timestamp", ts.to_string())
                        .header(
                            "x-slack-signature",
                            SlackVerifier::sign(SECRET, ts, body.as_bytes()),
                        );
                    if retry {
                        req = req
                            .header("x-slack-retry-num", "1")
                            .header("x-slack-retry-reason", "http_timeout");
                    }
                    let s = Instant::now();
                    let status = match req.body(body).send().await {
                        Ok(r) => r.status().as_u16(),
                        Err(_) => 0,
                    };
                    (s.elapsed(), status)
                }));
            }
        }
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let sent_for = started.elapsed();
    let mut lat: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    let errors = results.iter().filter(|(_, s)| *s != 200).count();
    println!(
        "  requests {}  achieved {:.0}/s  errors {errors}",
        results.len(),
        results.len() as f64 / sent_for.as_secs_f64()
    );
    println!(
        "  ack latency: p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.90).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3
    );
    // Every event answered exactly once in its own thread.
    let wait = Instant::now();
    loop {
        let answered = posts.lock().unwrap().len() as u64;
        if answered >= total || wait.elapsed() > Duration::from_secs(600) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(1));
    let p = posts.lock().unwrap();
    let doubled = p.values().filter(|n| **n > 1).count();
    println!(
        "  answers: {} of {total} threads answered, {doubled} answered twice, {} dropped; all answered {:.1} s after the first event",
        p.len(),
        total - p.len() as u64,
        started.elapsed().as_secs_f64()
    );
    let _ = child.kill();
    let _ = child.wait();
}
