//! Alert delivery from the command line: `detect` routes new alerts through
//! the configured policy to a local webhook receiver, `alerts ack` sends the
//! status change, and `alerts show` tells the story.

use axum::http::HeaderMap;
use mantissa_testkit::{Fake, Fault};
use serde_json::Value;

use super::{Run, detect_example, example_rule_dir, ingest_brute_force, stderr};

/// A SOAR-style receiver (the kit's `/hook`): the first request fails
/// with 503, then deliveries are accepted.
fn receiver(rt: &tokio::runtime::Runtime) -> (String, Fake) {
    let fake = rt.block_on(Fake::start());
    fake.fault("/hook", Fault::Status(503));
    (format!("{}/hook", fake.url), fake)
}

/// Every request the receiver got, refused ones included: (headers, body).
fn received(fake: &Fake) -> Vec<(HeaderMap, Value)> {
    fake.requests("/hook")
        .into_iter()
        .map(|r| (r.headers.clone(), r.json()))
        .collect()
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
    let out = detect_example(&r, &rules, "2024-03-10T10:30:00Z", &[]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("deliveries: 1 delivered"), "{err}");
    {
        let h = received(&hooks);
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
    let id = received(&hooks)[1].1["alert"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    r.ok(&["alerts", "ack", &id, "--as", "alice"]);
    {
        let h = received(&hooks);
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
    assert!(
        detect_example(&r, &rules, "2024-03-10T10:35:00Z", &[])
            .status
            .success()
    );
    assert_eq!(received(&hooks).len(), 3);
    // Nothing pending.
    r.ok(&["alerts", "deliver"]);
}

/// Every destination type at once, from the binary: Slack, Discord,
/// PagerDuty, a webhook and e-mail to a local SMTP server. `detect`
/// notifies all five, `alerts ack` sends the change to all five, and
/// `alerts deliver` runs with all of them configured. (With an e-mail
/// destination these three used to abort: lettre's connection pool needed a
/// Tokio runtime when the router was built and again when it was dropped.)
#[test]
fn every_destination_type_at_once_from_the_binary() {
    use mantissa_testkit::{DISCORD_TOKEN, Fake, PD_KEY, SLACK_TOKEN, SmtpFake};
    let r = Run::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (fake, smtp) = rt.block_on(async { (Fake::start().await, SmtpFake::start().await) });
    let url = &fake.url;
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        format!(
            r#"[slack]
bot_token = "{SLACK_TOKEN}"
api_url = "{url}/slack"

[discord]
bot_token = "{DISCORD_TOKEN}"
api_url = "{url}/discord"

[router.destinations.slack]
type = "slack"
channel = "C123"

[router.destinations.discord]
type = "discord"
channel_id = "D42"

[router.destinations.oncall]
type = "pagerduty"
routing_key = "{PD_KEY}"
events_url = "{url}/pd/v2/enqueue"

[router.destinations.soar]
type = "webhook"
url = "{url}/hook"
secret = "hook-secret"

[router.destinations.mail]
type = "email"
host = "127.0.0.1"
port = {port}
tls = "none"
username = "mantissa"
password = "smtp-password"
from = "Mantissa <alerts@example.com>"
to = ["soc@example.com"]

[router.default_route]
destinations = ["slack", "discord", "oncall", "soar", "mail"]

[router.grouping]
max_alerts = 0

[router.retry]
base_backoff_ms = 50
max_backoff_ms = 200
"#,
            port = smtp.port
        ),
    )
    .unwrap();
    ingest_brute_force(&r);
    let rules = example_rule_dir(&r);
    let out = detect_example(&r, &rules, "2024-03-10T10:30:00Z", &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("deliveries: 5 delivered"), "{err}");
    for secret in [
        SLACK_TOKEN,
        DISCORD_TOKEN,
        PD_KEY,
        "hook-secret",
        "smtp-password",
    ] {
        assert!(!err.contains(secret), "a secret in the output: {err}");
    }
    // What each received.
    let posts = fake.slack_posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], "C123");
    let discord = fake.state.discord.lock().unwrap().clone();
    assert_eq!(discord.len(), 1, "{discord:?}");
    assert_eq!(discord[0]["channel_id"], "D42");
    let incidents = fake.pd_incidents();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents.values().next().unwrap().0, "triggered");
    let hooks = fake.hooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].json()["action"], "notify");
    let id = hooks[0].json()["alert"]["id"].as_str().unwrap().to_string();
    {
        let mails = smtp.mails.lock().unwrap();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].to[0].contains("soc@example.com"));
        assert!(
            mails[0]
                .data
                .contains(&format!("Message-ID: <alert.{id}@example.com>")),
            "{}",
            mails[0].data
        );
    }

    let out = r.cmd(&["alerts", "ack", &id, "--as", "alice"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("5 delivered"), "{err}");
    assert_eq!(
        fake.pd_incidents().values().next().unwrap().0,
        "acknowledged"
    );
    let hooks = fake.hooks();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1].json()["action"], "status_change");
    assert_eq!(hooks[1].json()["alert"]["status"], "acknowledged");
    {
        let mails = smtp.mails.lock().unwrap();
        assert_eq!(mails.len(), 2);
        assert!(
            mails[1]
                .data
                .contains(&format!("In-Reply-To: <alert.{id}@example.com>")),
            "{}",
            mails[1].data
        );
    }
    assert!(
        !fake.requests("chat.update").is_empty() || !fake.slack_replies().is_empty(),
        "Slack heard of the ack"
    );
    assert!(
        fake.requests("/discord/channels/D42")
            .iter()
            .any(|r| r.method == "PATCH" || r.method == "POST" && r.json()["content"].is_string()),
        "Discord heard of the ack"
    );

    let out = r.cmd(&["alerts", "deliver"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("0 pending"), "{err}");
    let show: Value =
        serde_json::from_str(&r.ok(&["alerts", "show", &id, "--format", "json"])).unwrap();
    let deliveries = show["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 10, "{deliveries:?}");
    assert!(
        deliveries.iter().all(|d| d["status"] == "delivered"),
        "{deliveries:?}"
    );
}

/// A broken `[router]` stops `detect` before any rule runs (no alert is
/// stored that could then not be sent), names the problem once, and does
/// not get in the way of questions, which need no router.
#[test]
fn a_broken_router_stops_detect_first_and_leaves_questions_alone() {
    let r = Run::new();
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[router.destinations.s]\ntype = \"slack\"\nchannel = \"C1\"\n\
         [router.default_route]\ndestinations = [\"s\"]\n",
    )
    .unwrap();
    ingest_brute_force(&r);
    let rules = example_rule_dir(&r);
    let out = detect_example(&r, &rules, "2024-03-10T10:30:00Z", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.matches("bot_token is not set").count(), 1, "{err}");
    assert!(err.contains("MANTISSA_SLACK_BOT_TOKEN"), "{err}");
    assert!(
        r.ok(&["alerts", "list"]).is_empty()
            || !r.ok(&["alerts", "list"]).contains("suspicious-logins")
    );
    let answer = r.ok(&[
        "--now",
        "2024-03-10T10:30:00Z",
        "ask",
        "failed console logins by source IP",
    ]);
    assert!(answer.contains("203.0.113"), "{answer}");
}
