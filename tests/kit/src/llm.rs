//! A local LLM provider speaking each supported wire format (Bedrock
//! Converse, Anthropic Messages, OpenAI Chat Completions) with the
//! providers' own success, throttling, server-error and auth-error bodies.
//! It records every request and answers from a script.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
    /// Waited before answering (a slow provider, a timeout).
    pub delay: Duration,
}

/// A request the provider received.
#[derive(Debug, Clone)]
pub struct LlmRequest {
    pub method: String,
    pub path: String,
    /// Header names lower-case.
    pub headers: HashMap<String, String>,
    /// The body as JSON (`null` if it is not).
    pub body: Value,
    /// The body as text.
    pub raw: String,
    pub at: Instant,
}

#[derive(Clone, Default)]
struct ServerState {
    script: Arc<Mutex<VecDeque<Reply>>>,
    /// Answers every request once the script is empty, in the wire format
    /// its path names.
    always: Arc<Mutex<Option<String>>>,
    requests: Arc<Mutex<Vec<LlmRequest>>>,
}

/// A local LLM provider: Bedrock Converse (`…/converse`), Anthropic
/// Messages (`/v1/messages`) and OpenAI Chat Completions
/// (`…/chat/completions`) on one server. It answers from a script of
/// [`Reply`]s, then (if set) with [`LlmFake::always`]'s text; an
/// unexpected request gets 418.
pub struct LlmFake {
    pub url: String,
    state: ServerState,
}

impl LlmFake {
    /// Starts the provider on 127.0.0.1 (inside a tokio runtime).
    pub async fn start(script: Vec<Reply>) -> LlmFake {
        let state = ServerState::default();
        state.script.lock().unwrap().extend(script);
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        LlmFake { url, state }
    }

    /// After the script, answer every request with `text`.
    pub fn always(&self, text: &str) {
        *self.state.always.lock().unwrap() = Some(text.to_string());
    }

    /// The requests received, in order.
    pub fn requests(&self) -> Vec<LlmRequest> {
        self.state.requests.lock().unwrap().clone()
    }
}

async fn handle(
    State(state): State<ServerState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    state.requests.lock().unwrap().push(LlmRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
        at: Instant::now(),
    });
    let next = state.script.lock().unwrap().pop_front();
    let always = state.always.lock().unwrap().clone();
    let next = next.or_else(|| always.map(|text| Wire::of_path(uri.path()).ok(&text)));
    let Some(reply) = next else {
        return (
            StatusCode::IM_A_TEAPOT,
            "unexpected request: the test script is exhausted",
        )
            .into_response();
    };
    tokio::time::sleep(reply.delay).await;
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [("content-type", "application/json")],
        reply.body.to_string(),
    )
        .into_response();
    for (k, v) in reply.headers {
        response.headers_mut().insert(k, v.parse().unwrap());
    }
    response
}

/// A provider's wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// Bedrock Converse.
    Converse,
    /// Anthropic Messages.
    Messages,
    /// OpenAI Chat Completions.
    Chat,
}

/// Every wire format.
pub const WIRES: [Wire; 3] = [Wire::Converse, Wire::Messages, Wire::Chat];

impl Wire {
    /// The wire format a request path belongs to.
    pub fn of_path(path: &str) -> Wire {
        if path.ends_with("/converse") {
            Wire::Converse
        } else if path.ends_with("/messages") {
            Wire::Messages
        } else {
            Wire::Chat
        }
    }

    /// A successful answer whose text is `text`.
    pub fn ok(self, text: &str) -> Reply {
        let body = match self {
            Wire::Converse => json!({
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 1200, "outputTokens": 40, "totalTokens": 1240},
                "metrics": {"latencyMs": 321}
            }),
            Wire::Messages => json!({
                "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
                "type": "message",
                "role": "assistant",
                "model": "claude-test",
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": null,
                "usage": {"input_tokens": 1200, "output_tokens": 40}
            }),
            Wire::Chat => json!({
                "id": "chatcmpl-abc123",
                "object": "chat.completion",
                "created": 1_710_064_800,
                "model": "gpt-test",
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop"
                }],
                "usage": {"prompt_tokens": 1200, "completion_tokens": 40, "total_tokens": 1240}
            }),
        };
        Reply {
            status: 200,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    /// An answer carrying `sql` in a fenced block.
    pub fn sql(self, sql: &str) -> Reply {
        self.ok(&format!("Here is the query:\n```sql\n{sql}\n```"))
    }

    /// The provider's rate-limit reply with `Retry-After`.
    pub fn throttled(self, retry_after_secs: u32) -> Reply {
        let (headers, body) = match self {
            Wire::Converse => (
                vec![(
                    "x-amzn-errortype",
                    "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"
                        .to_string(),
                )],
                json!({"message": "Too many requests, please wait before trying again."}),
            ),
            Wire::Messages => (
                Vec::new(),
                json!({"type": "error", "error": {"type": "rate_limit_error", "message": "Number of request tokens has exceeded your per-minute rate limit"}}),
            ),
            Wire::Chat => (
                Vec::new(),
                json!({"error": {"message": "Rate limit reached for requests", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}),
            ),
        };
        let mut headers = headers;
        headers.push(("retry-after", retry_after_secs.to_string()));
        Reply {
            status: 429,
            headers,
            body,
            delay: Duration::ZERO,
        }
    }

    /// The provider's transient server error.
    pub fn server_error(self) -> Reply {
        let (status, headers, body) = match self {
            Wire::Converse => (
                500,
                vec![(
                    "x-amzn-errortype",
                    "InternalServerException:http://internal.amazon.com/coral/com.amazon.bedrock/"
                        .to_string(),
                )],
                json!({"message": "The server encountered an internal error."}),
            ),
            Wire::Messages => (
                529,
                Vec::new(),
                json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
            ),
            Wire::Chat => (
                500,
                Vec::new(),
                json!({"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}}),
            ),
        };
        Reply {
            status,
            headers,
            body,
            delay: Duration::ZERO,
        }
    }

    /// The provider's refusal of the credentials.
    pub fn unauthorized(self) -> Reply {
        let (status, headers, body) = match self {
            Wire::Converse => (
                403,
                vec![(
                    "x-amzn-errortype",
                    "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/"
                        .to_string(),
                )],
                json!({"message": "You don't have access to the model with the specified model ID."}),
            ),
            Wire::Messages => (
                401,
                Vec::new(),
                json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
            ),
            Wire::Chat => (
                401,
                Vec::new(),
                json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
            ),
        };
        Reply {
            status,
            headers,
            body,
            delay: Duration::ZERO,
        }
    }

    /// The system prompt of a recorded request.
    pub fn system(self, r: &LlmRequest) -> String {
        match self {
            Wire::Converse => r.body["system"][0]["text"].as_str().unwrap().to_string(),
            Wire::Messages => r.body["system"].as_str().unwrap().to_string(),
            Wire::Chat => {
                assert_eq!(r.body["messages"][0]["role"], "system");
                r.body["messages"][0]["content"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        }
    }

    /// The conversation of a recorded request: (role, text), system excluded.
    pub fn messages(self, r: &LlmRequest) -> Vec<(String, String)> {
        let list = r.body["messages"].as_array().unwrap();
        list.iter()
            .filter(|m| m["role"] != "system")
            .map(|m| {
                let text = match self {
                    Wire::Converse => {
                        assert_eq!(m["content"].as_array().unwrap().len(), 1);
                        m["content"][0]["text"].as_str().unwrap().to_string()
                    }
                    Wire::Messages | Wire::Chat => m["content"].as_str().unwrap().to_string(),
                };
                (m["role"].as_str().unwrap().to_string(), text)
            })
            .collect()
    }
}
