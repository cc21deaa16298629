//! In process: the bot's HTTP app and its jobs over the real service
//! (DataFusion over the ingested fixture, SQLite stores in a temp folder),
//! answering through the test kit's Slack Web API. A job is data: it goes
//! over the wire as JSON, and a job delivered twice (at-least-once hand-off
//! to a worker) or run by two workers at once posts one answer.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mantissa::{Composition, Service};
use mantissa_bot::BotState;
use mantissa_bot::dispatch::TokioDispatcher;
use mantissa_bot::jobs::{Job, Task};
use mantissa_bot::slack::{Conversation, SlackSettings};
use mantissa_bot::worker;
use mantissa_core::chat::slack::SlackClient;
use mantissa_core::clock::Clock;
use mantissa_core::config::{Config, Secret};
use mantissa_testkit::{Fake, SLACK_TOKEN};

use super::{Run, ingest_brute_force};

const NOW: &str = "2024-03-10T12:00:00Z";

fn bot_state(r: &Run, fake: &Fake) -> Arc<BotState> {
    let now: DateTime<Utc> = NOW.parse().unwrap();
    let config = Config {
        data_dir: r.dir.path().join("mantissa-data"),
        ..Config::default()
    };
    let composition = Composition::new(config, Clock::frozen(now));
    let seen = composition.seen_store().unwrap();
    let service = Service::new(composition, mantissa_core::answer::Policy::Builtin).unwrap();
    Arc::new(BotState {
        backend: Arc::new(service),
        dispatcher: Arc::new(TokioDispatcher::default()),
        slack: Some(SlackSettings {
            verifier: None,
            api: SlackClient::new(&format!("{}/slack", fake.url), Secret::new(SLACK_TOKEN)),
        }),
        discord: None,
        discord_bot: None,
        api_tokens: Vec::new(),
        jwt: None,
        seen,
        clock: Clock::frozen(now),
        permissions: Default::default(),
    })
}

fn question(id: &str, thread: &str) -> String {
    serde_json::to_string(&Job {
        id: id.into(),
        task: Task::SlackConversation(Conversation {
            channel: "C123".into(),
            user: "U1".into(),
            thread_ts: Some(thread.into()),
            session: format!("slack:C123:{thread}"),
            question: "failed console logins by source IP today".into(),
            continues: false,
        }),
    })
    .unwrap()
}

#[test]
fn a_job_delivered_twice_or_run_by_two_workers_posts_one_answer() {
    let r = Run::new();
    ingest_brute_force(&r);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let fake = Fake::start().await;
        let state = bot_state(&r, &fake);

        // Delivered twice, one after the other.
        let wire = question("Ev1", "1710072000.000100");
        for _ in 0..2 {
            worker::run(state.clone(), serde_json::from_str(&wire).unwrap()).await;
        }
        let posts = fake.requests("/slack/chat.postMessage");
        assert_eq!(posts.len(), 1, "one answer for one job");
        let answer = posts[0].json();
        assert_eq!(answer["thread_ts"], "1710072000.000100");
        assert!(answer.to_string().contains("203.0.113.66"), "{answer}");

        // Two workers at once: a second process's state (its own service and
        // stores over the same data folder, so the same de-dup file).
        let other = bot_state(&r, &fake);
        let wire = question("Ev2", "1710072000.000200");
        let (a, b) = (
            worker::run(state.clone(), serde_json::from_str(&wire).unwrap()),
            worker::run(other, serde_json::from_str(&wire).unwrap()),
        );
        futures::join!(a, b);
        let posts = fake.requests("/slack/chat.postMessage");
        assert_eq!(posts.len(), 2, "one more answer for the second job");

        // A different job is not mistaken for a repeat.
        worker::run(
            state.clone(),
            serde_json::from_str(&question("Ev3", "1710072000.000300")).unwrap(),
        )
        .await;
        assert_eq!(fake.requests("/slack/chat.postMessage").len(), 3);
    });
}

/// The bot's HTTP app in process (`tower::ServiceExt::oneshot`), over the
/// real service: a signed Slack mention is acked, answered in its thread
/// by the job it becomes, and Slack's retry of it is not answered again;
/// an unsigned request is refused before anything runs.
#[test]
fn the_http_app_acks_a_signed_mention_answers_it_once_and_refuses_unsigned_ones() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use mantissa_bot::auth::SlackVerifier;
    use tower::ServiceExt;

    const SECRET: &str = "in-process-signing-secret";
    let r = Run::new();
    ingest_brute_force(&r);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let fake = Fake::start().await;
        let mut state = Arc::into_inner(bot_state(&r, &fake)).unwrap();
        let ts = chrono::Utc::now().timestamp();
        state.slack.as_mut().unwrap().verifier =
            Some(SlackVerifier::new(Secret::new(SECRET), Clock::system()));
        let app = mantissa_bot::app(Arc::new(state));
        let body = serde_json::json!({
            "type": "event_callback", "event_id": "Ev9", "team_id": "T1",
            "authorizations": [{"user_id": "UBOT"}],
            "event": {"type": "app_mention", "user": "U1", "channel": "C123",
                      "ts": "1710072000.000900", "text": "<@UBOT> failed console logins by source IP today"},
        })
        .to_string();
        let request = |signed: bool, retry: Option<&str>| {
            let mut b = Request::post("/slack/events")
                .header("content-type", "application/json")
                .header("x-slack-request-timestamp", ts.to_string());
            if signed {
                b = b.header(
                    "x-slack-signature",
                    SlackVerifier::sign(SECRET, ts, body.as_bytes()),
                );
            }
            if let Some(n) = retry {
                b = b.header("x-slack-retry-num", n).header("x-slack-retry-reason", "http_timeout");
            }
            b.body(Body::from(body.clone())).unwrap()
        };

        let unsigned = app.clone().oneshot(request(false, None)).await.unwrap();
        assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);

        let acked = app.clone().oneshot(request(true, None)).await.unwrap();
        assert_eq!(acked.status(), StatusCode::OK);
        let start = std::time::Instant::now();
        while fake.requests("/slack/chat.postMessage").is_empty() {
            assert!(start.elapsed().as_secs() < 30, "no answer was posted");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let answer = fake.requests("/slack/chat.postMessage")[0].json();
        assert_eq!(answer["thread_ts"], "1710072000.000900");
        assert!(answer.to_string().contains("203.0.113.66"), "{answer}");

        let retried = app.clone().oneshot(request(true, Some("1"))).await.unwrap();
        assert_eq!(retried.status(), StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(fake.requests("/slack/chat.postMessage").len(), 1, "the retry was answered again");
    });
}
