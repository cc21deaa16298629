//! Discord REST (API v10): channel messages (post, edit, with `nonce`
//! de-duplication), threads, the gateway URL, interaction webhooks (the
//! deferred answer's `@original` edit and follow-ups, which need no bot
//! token) and application command registration. Bot-token routes answer
//! 401 with Discord's error body when the token is not [`DISCORD_TOKEN`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::fake::{DISCORD_TOKEN, Recorded, State};

/// Serves `rest`, the path after `/discord/`.
pub(crate) fn rest(state: &State, rest: &str, rec: &Recorded) -> Response {
    if rest == "gateway" {
        return match state.gateway_url.lock().unwrap().clone() {
            Some(url) => axum::Json(json!({ "url": url })).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    if let Some(rest) = rest.strip_prefix("channels/") {
        if let Some(refused) = unauthorized(rec) {
            return refused;
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let channel = parts[0];
        if rec.method == "GET" && parts.len() == 1 {
            let threads = state.discord_threads.lock().unwrap();
            let parent = threads.iter().find(|(t, _)| t == channel).map(|(_, p)| p);
            return axum::Json(match parent {
                Some(p) => json!({"id": channel, "type": 11, "parent_id": p}),
                None => json!({"id": channel, "type": 0, "parent_id": null}),
            })
            .into_response();
        }
        if rec.method == "POST" && parts.len() == 4 && parts[3] == "threads" {
            let id = format!("{}", 2_000_000 + crate::fake::next_seq(state));
            state
                .discord_threads
                .lock()
                .unwrap()
                .push((id.clone(), channel.to_string()));
            let name = rec.json()["name"].clone();
            return axum::Json(json!({"id": id, "type": 11, "parent_id": channel, "name": name}))
                .into_response();
        }
        let mut msgs = state.discord.lock().unwrap();
        if rec.method == "POST" && parts.len() == 2 {
            let mut m = rec.json();
            if m["enforce_nonce"] == true
                && let Some(existing) = msgs.iter().find(|x| x["nonce"] == m["nonce"])
            {
                return axum::Json(existing.clone()).into_response();
            }
            let id = format!("{}", 1_000_000 + crate::fake::next_seq(state));
            m["id"] = json!(id);
            m["channel_id"] = json!(channel);
            msgs.push(m.clone());
            return axum::Json(m).into_response();
        }
        if rec.method == "PATCH" && parts.len() == 3 {
            let id = parts[2];
            if let Some(m) = msgs.iter_mut().find(|m| m["id"] == id) {
                for (k, v) in rec.json().as_object().unwrap() {
                    m[k] = v.clone();
                }
                return axum::Json(m.clone()).into_response();
            }
            return (
                StatusCode::NOT_FOUND,
                axum::Json(json!({"message": "Unknown Message", "code": 10008})),
            )
                .into_response();
        }
    }
    if let Some(hook) = rest.strip_prefix("webhooks/") {
        // webhooks/{application id}/{interaction token}[/messages/@original]
        let parts: Vec<&str> = hook.split('/').collect();
        let message = |id: String| {
            let mut m = rec.json();
            m["id"] = json!(id);
            m["webhook_id"] = json!(parts[0]);
            axum::Json(m).into_response()
        };
        return match (rec.method.as_str(), parts.as_slice()) {
            ("PATCH", [_, _, "messages", "@original"]) => message("1200000000000000002".into()),
            ("POST", [_, _]) => message(format!("{}", 3_000_000 + crate::fake::next_seq(state))),
            _ => unknown("Unknown Webhook", 10015),
        };
    }
    if rest.starts_with("applications/") && rec.method == "PUT" && rest.ends_with("/commands") {
        if let Some(refused) = unauthorized(rec) {
            return refused;
        }
        // Bulk overwrite: Discord answers with the commands as registered.
        let mut commands = rec.json();
        for (i, c) in commands.as_array_mut().into_iter().flatten().enumerate() {
            c["id"] = json!(format!("{}", 1_300_000_000_000_000_001u64 + i as u64));
        }
        return axum::Json(commands).into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

fn unauthorized(rec: &Recorded) -> Option<Response> {
    (rec.header("authorization").as_deref() != Some(&format!("Bot {DISCORD_TOKEN}"))).then(|| {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"message": "401: Unauthorized", "code": 0})),
        )
            .into_response()
    })
}

fn unknown(what: &str, code: u32) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "message": what, "code": code })),
    )
        .into_response()
}
