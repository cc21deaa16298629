//! Discord gateway mode end to end (feature `discord-gateway`): the real
//! binary's serenity client connects to a local server speaking the Discord
//! gateway protocol (HELLO, IDENTIFY, READY, MESSAGE_CREATE dispatches), finds
//! it through the local Discord REST API (`GET /gateway`), and answers a
//! mention in a new thread, then a follow-up in that thread, through the
//! same REST API.

use std::time::Duration;

use mantissa_testkit::{BOT_USER_ID, DISCORD_TOKEN, Fake, GatewayFake, wait};

use super::server;
use super::{Run, ingest_brute_force};

const NOW: &str = "2024-03-10T12:00:00Z";
const CHANNEL: &str = "1800000000000000001";

#[test]
fn a_mention_is_answered_in_a_new_thread_and_a_follow_up_in_it() {
    let r = Run::new();
    ingest_brute_force(&r);
    std::fs::write(
        r.dir.path().join("mantissa.toml"),
        "[discord]\ngateway = true\n",
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (fake, gateway) = rt.block_on(async {
        let fake = Fake::start().await;
        let gateway = GatewayFake::start().await;
        fake.use_gateway(&gateway);
        (fake, gateway)
    });
    let api_url = format!("{}/discord/api/v10", fake.url);
    let _server = server::start(
        &r,
        &[
            ("MANTISSA_DISCORD_BOT_TOKEN", DISCORD_TOKEN),
            ("MANTISSA_DISCORD_API_URL", &api_url),
            ("MANTISSA_LOG", "info"),
        ],
        &[
            "--now",
            NOW,
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--translator",
            "builtin",
        ],
        &[DISCORD_TOKEN],
    );

    wait::until("IDENTIFY", || {
        !gateway.identified.lock().unwrap().is_empty()
    });
    let identify = gateway.identified.lock().unwrap()[0].clone();
    // Discord accepts the token with or without serenity's `Bot ` prefix.
    let token = identify["token"].as_str().unwrap_or_default();
    assert_eq!(token.trim_start_matches("Bot "), DISCORD_TOKEN);
    let intents = identify["intents"].as_u64().unwrap();
    for (name, bit) in [
        ("GUILD_MESSAGES", 9),
        ("DIRECT_MESSAGES", 12),
        ("MESSAGE_CONTENT", 15),
    ] {
        assert!(
            intents & (1 << bit) != 0,
            "{name} intent missing: {intents:#b}"
        );
    }

    // A mention in a channel: the answer goes to a new thread on that message.
    gateway.user_message(
        "1700000000000000001",
        CHANNEL,
        &format!("<@{BOT_USER_ID}> failed console logins by source IP today"),
        true,
    );
    wait::until("a thread with an answer", || {
        let threads = fake.state.discord_threads.lock().unwrap().clone();
        threads
            .first()
            .is_some_and(|(t, _)| !fake.discord_messages(t).is_empty())
    });
    let (thread, parent) = fake.state.discord_threads.lock().unwrap()[0].clone();
    assert_eq!(parent, CHANNEL);
    let start = fake.requests("/threads");
    assert_eq!(
        start[0].path,
        format!("/discord/channels/{CHANNEL}/messages/1700000000000000001/threads")
    );
    assert_eq!(
        start[0].header("authorization").unwrap(),
        format!("Bot {DISCORD_TOKEN}")
    );
    let answer = &fake.discord_messages(&thread)[0];
    mantissa_core::chat::discord::validate_message(answer).unwrap();
    let table = answer["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(table.contains("203.0.113.66"), "{answer}");
    assert!(
        fake.discord_messages(CHANNEL).is_empty(),
        "nothing posted in the channel itself"
    );

    // A follow-up in the thread, without a mention, refines the same question.
    gateway.user_message(
        "1700000000000000002",
        &thread,
        "group by user instead",
        false,
    );
    wait::until("the follow-up's answer", || {
        fake.discord_messages(&thread).len() >= 2
    });
    let follow_up = &fake.discord_messages(&thread)[1];
    mantissa_core::chat::discord::validate_message(follow_up).unwrap();
    let sql = |m: &serde_json::Value| {
        m["embeds"][0]["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["name"] == "SQL")
            .map(|f| f["value"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    let (first_sql, second_sql) = (sql(answer), sql(follow_up));
    assert!(first_sql.contains("ConsoleLogin"), "{answer}");
    assert!(
        second_sql.contains("ConsoleLogin") && second_sql != first_sql,
        "the follow-up refines the first question: {first_sql} → {second_sql}"
    );

    // The bot's own messages and other bots are ignored.
    let before = fake.requests("/discord/").len();
    gateway.dispatch(
        "MESSAGE_CREATE",
        serde_json::json!({
            "id": "1700000000000000003", "channel_id": thread, "guild_id": "1500000000000000001",
            "author": {"id": BOT_USER_ID, "username": "mantissa", "discriminator": "0", "avatar": null, "bot": true},
            "content": "an answer", "timestamp": "2024-03-10T12:00:00.000000+00:00",
            "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0,
        }),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        fake.requests("/discord/").len(),
        before,
        "the bot answered itself"
    );
}
