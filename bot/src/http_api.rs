//! The HTTP API: `/api/query` (the request in the product description),
//! `/api/alerts` and alert state changes. Bearer-token authentication
//! comes first; nothing else runs for an unauthenticated request.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mantissa_core::alert::{AlertFilter, AlertStatus, Severity, StatusChange, Transition};
use serde::Deserialize;
use serde_json::json;

use crate::BotState;
use crate::auth::verify_bearer;
use crate::backend::{Ask, Reply};

/// Who called the API.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Caller {
    /// A static token from `[api]`.
    Token,
    /// A verified JWT naming this user.
    User(String),
}

/// Why a request was refused (answered 401).
struct Refused(String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Bearer")],
            Json(json!({ "error": format!("unauthorized: {}", self.0) })),
        )
            .into_response()
    }
}

/// Authenticates the bearer: a JWT (three dot-separated parts) when
/// `[api.jwt]` is set, else a static token compared in constant time.
async fn authenticate(state: &BotState, headers: &HeaderMap) -> Result<Caller, Refused> {
    let refused = |e: String| {
        tracing::warn!(reason = %e, "refused an API request");
        Refused(e)
    };
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    if let (Some(jwt), Some(token)) = (&state.jwt, bearer)
        && token.split('.').count() == 3
    {
        return jwt
            .verify(token)
            .await
            .map(|c| Caller::User(c.name))
            .map_err(|e| refused(e.to_string()));
    }
    if state.api_tokens.is_empty() && state.jwt.is_some() {
        return Err(refused("expected a bearer JWT".into()));
    }
    verify_bearer(headers, &state.api_tokens)
        .map(|()| Caller::Token)
        .map_err(|e| refused(e.to_string()))
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

/// Body of `POST /api/query`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueryRequest {
    question: String,
    #[serde(default = "yes")]
    execute: bool,
    #[serde(default)]
    session: Option<String>,
}

fn yes() -> bool {
    true
}

/// `POST /api/query`: `{"question": "...", "execute": true}`.
pub(crate) async fn query(
    State(state): State<Arc<BotState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = authenticate(&state, &headers).await {
        return r.into_response();
    }
    let req: QueryRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad_request(format!(
                "expected {{\"question\": \"...\", \"execute\": true}}: {e}"
            ));
        }
    };
    if req.question.trim().is_empty() {
        return bad_request("`question` is empty".into());
    }
    let reply = state
        .backend
        .ask(Ask {
            question: &req.question,
            session: req.session.as_deref(),
            translate_only: !req.execute,
            tables: None,
        })
        .await;
    let body = match reply {
        Reply::Answer(a) if !req.execute => json!({
            "question": a.question,
            "interpretation": a.interpretation,
            "sql": a.sql,
            "translator": a.translator,
            "executed": false,
        }),
        Reply::Answer(a) => {
            let mut v = serde_json::to_value(&a).unwrap_or_default();
            v["executed"] = json!(true);
            if let Some(s) = &req.session {
                v["session"] = json!(s);
            }
            v
        }
        Reply::Declined {
            reason,
            suggestions,
        } => json!({
            "question": req.question,
            "declined": true,
            "reason": reason,
            "suggestions": suggestions,
        }),
        Reply::Failed { message, sql } => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "question": req.question, "error": message, "sql": sql })),
            )
                .into_response();
        }
    };
    Json(body).into_response()
}

/// Query string of `GET /api/alerts`.
#[derive(Debug, Deserialize)]
pub(crate) struct AlertsQuery {
    status: Option<String>,
    severity: Option<String>,
    rule: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/alerts?status=open&severity=high&rule=ID&limit=50`.
pub(crate) async fn alerts(
    State(state): State<Arc<BotState>>,
    headers: HeaderMap,
    Query(q): Query<AlertsQuery>,
) -> Response {
    if let Err(r) = authenticate(&state, &headers).await {
        return r.into_response();
    }
    let status = match q.status.as_deref().map(|s| AlertStatus::parse(s).ok_or(s)) {
        Some(Err(s)) => {
            return bad_request(format!(
                "unknown status `{s}`; use open, acknowledged or resolved"
            ));
        }
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let min_severity = match q.severity.as_deref().map(|s| Severity::parse(s).ok_or(s)) {
        Some(Err(s)) => {
            return bad_request(format!(
                "unknown severity `{s}`; use info, low, medium, high or critical"
            ));
        }
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let filter = AlertFilter {
        status,
        min_severity,
        rule_id: q.rule,
        limit: q.limit.unwrap_or(50).min(1000),
        ..Default::default()
    };
    match state.backend.alerts(&filter).await {
        Ok(a) => Json(json!({ "alerts": a })).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

/// Optional body of a state change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeRequest {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    actor: Option<String>,
}

/// `POST /api/alerts/{id}/{ack|resolve}`.
pub(crate) async fn change(
    State(state): State<Arc<BotState>>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let caller = match authenticate(&state, &headers).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let to = match action.as_str() {
        "ack" | "acknowledge" => AlertStatus::Acknowledged,
        "resolve" => AlertStatus::Resolved,
        "reopen" => AlertStatus::Open,
        other => {
            return bad_request(format!(
                "unknown action `{other}`; use ack, resolve or reopen"
            ));
        }
    };
    let req: ChangeRequest = if body.is_empty() {
        ChangeRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return bad_request(format!(
                    "expected {{\"note\": \"...\", \"actor\": \"...\"}}: {e}"
                ));
            }
        }
    };
    let change = StatusChange {
        to,
        // A JWT names the user; a shared token can only say who it claims.
        actor: match &caller {
            Caller::User(name) => format!("api:{name}"),
            Caller::Token => format!("api:{}", req.actor.as_deref().unwrap_or("token")),
        },
        note: req.note,
        at: state.clock.now(),
    };
    match state.backend.change_alert(&id, &change).await {
        Ok(Transition::Changed { alert, from }) => {
            Json(json!({ "changed": true, "from": from, "alert": alert })).into_response()
        }
        Ok(Transition::Unchanged { alert }) => {
            Json(json!({ "changed": false, "alert": alert })).into_response()
        }
        Err(e) => {
            let msg = e.to_string();
            let status = if msg.starts_with("no alert") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::CONFLICT
            };
            (status, Json(json!({ "error": msg }))).into_response()
        }
    }
}
