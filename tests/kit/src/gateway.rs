//! A local Discord gateway: the WebSocket protocol a bot client speaks
//! (v10, JSON encoding). It sends HELLO, expects IDENTIFY with the bot
//! token, answers READY, acknowledges heartbeats, and then dispatches the
//! events a test hands it (`MESSAGE_CREATE`, …) with increasing sequence
//! numbers. The REST side (`GET /gateway`) is the HTTP [`crate::Fake`],
//! which hands out this server's URL.

use std::sync::{Arc, Mutex};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// The bot user the gateway says it connected as (READY).
pub const BOT_USER_ID: &str = "1400000000000000001";

/// A running gateway.
#[derive(Clone)]
pub struct GatewayFake {
    /// `ws://127.0.0.1:<port>`.
    pub url: String,
    /// IDENTIFY payloads received (`d` of op 2), one per session.
    pub identified: Arc<Mutex<Vec<Value>>>,
    events: mpsc::UnboundedSender<(String, Value)>,
}

impl GatewayFake {
    /// Starts the gateway on 127.0.0.1 (inside a tokio runtime). One client
    /// session at a time; events queued before it identifies wait for READY.
    pub async fn start() -> GatewayFake {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let identified: Arc<Mutex<Vec<Value>>> = Arc::default();
        let (events, mut queue) = mpsc::unbounded_channel::<(String, Value)>();
        let seen = identified.clone();
        let resume_url = url.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    continue;
                };
                let hello =
                    json!({"op": 10, "d": {"heartbeat_interval": 41250}, "s": null, "t": null});
                if ws.send(Message::text(hello.to_string())).await.is_err() {
                    continue;
                }
                let mut seq = 0u64;
                let mut ready = false;
                loop {
                    tokio::select! {
                        frame = ws.next() => {
                            let Some(Ok(frame)) = frame else { break };
                            let Ok(text) = frame.to_text() else { continue };
                            let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                            match v["op"].as_u64() {
                                Some(1) => {
                                    let ack = json!({"op": 11, "d": null, "s": null, "t": null});
                                    let _ = ws.send(Message::text(ack.to_string())).await;
                                }
                                Some(2) => {
                                    seen.lock().unwrap().push(v["d"].clone());
                                    seq += 1;
                                    let frame = dispatch("READY", ready_payload(&resume_url), seq);
                                    let _ = ws.send(Message::text(frame)).await;
                                    ready = true;
                                }
                                _ => {}
                            }
                        }
                        event = queue.recv(), if ready => {
                            let Some((name, d)) = event else { return };
                            seq += 1;
                            if ws.send(Message::text(dispatch(&name, d, seq))).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
        GatewayFake {
            url,
            identified,
            events,
        }
    }

    /// Dispatches an event (op 0) to the connected client, after READY.
    pub fn dispatch(&self, name: &str, d: Value) {
        let _ = self.events.send((name.to_string(), d));
    }

    /// A `MESSAGE_CREATE` from a user in a guild channel, as Discord sends
    /// it; `mentions_bot` adds the bot to `mentions` (content should carry
    /// `<@BOT_USER_ID>` then).
    pub fn user_message(&self, id: &str, channel_id: &str, content: &str, mentions_bot: bool) {
        let mentions = if mentions_bot {
            json!([user(BOT_USER_ID, "mantissa", true)])
        } else {
            json!([])
        };
        self.dispatch(
            "MESSAGE_CREATE",
            json!({
                "id": id, "channel_id": channel_id, "guild_id": "1500000000000000001",
                "author": user("1600000000000000001", "analyst", false),
                "member": {"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
                "content": content, "timestamp": "2024-03-10T12:00:00.000000+00:00",
                "edited_timestamp": null, "tts": false, "mention_everyone": false,
                "mentions": mentions, "mention_roles": [], "attachments": [], "embeds": [],
                "pinned": false, "type": 0, "flags": 0, "components": [],
            }),
        );
    }
}

fn dispatch(name: &str, d: Value, seq: u64) -> String {
    json!({"op": 0, "t": name, "s": seq, "d": d}).to_string()
}

fn user(id: &str, name: &str, bot: bool) -> Value {
    json!({"id": id, "username": name, "discriminator": "0", "global_name": null,
           "avatar": null, "bot": bot, "public_flags": 0})
}

fn ready_payload(resume_url: &str) -> Value {
    let mut me = user(BOT_USER_ID, "mantissa", true);
    me["verified"] = json!(true);
    me["mfa_enabled"] = json!(false);
    me["flags"] = json!(0);
    json!({
        "v": 10, "user": me, "guilds": [{"id": "1500000000000000001", "unavailable": true}],
        "session_id": "fake-session", "resume_gateway_url": resume_url,
        "application": {"id": "1100000000000000001", "flags": 0},
    })
}
