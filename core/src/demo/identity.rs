//! CloudTrail's `userIdentity` object: who made a call, as the actors of the
//! demo world and the records of the CloudTrail generator both need it.

use serde::Serialize;
use serde_json::{Map, Value};

use super::iso;

/// `userIdentity`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserIdentity {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub(super) kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) session_context: Option<SessionContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) invoked_by: Option<&'static str>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SessionContext {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) session_issuer: Option<SessionIssuer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) web_id_federation_data: Option<Map<String, Value>>,
    pub(super) attributes: Attributes,
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SessionIssuer {
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) principal_id: String,
    pub(super) arn: String,
    pub(super) account_id: String,
    pub(super) user_name: String,
}

/// `userIdentity.sessionContext.attributes`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Attributes {
    pub(super) creation_date: String,
    pub(super) mfa_authenticated: &'static str,
}

pub(super) fn flag(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

impl UserIdentity {
    pub(super) fn empty() -> Self {
        Self {
            kind: None,
            principal_id: None,
            arn: None,
            account_id: None,
            access_key_id: None,
            user_name: None,
            session_context: None,
            invoked_by: None,
        }
    }

    /// An IAM user calling with a long-term access key.
    pub(super) fn iam_user(acct: &str, name: &str, principal: &str, key: &str) -> Self {
        Self {
            kind: Some("IAMUser"),
            principal_id: Some(principal.to_string()),
            arn: Some(format!("arn:aws:iam::{acct}:user/{name}")),
            account_id: Some(acct.to_string()),
            access_key_id: Some(key.to_string()),
            user_name: Some(name.to_string()),
            ..Self::empty()
        }
    }

    /// An IAM user calling from a console session.
    pub(super) fn iam_user_console(
        acct: &str,
        name: &str,
        principal: &str,
        key: &str,
        mfa: bool,
    ) -> Self {
        Self {
            session_context: Some(SessionContext {
                session_issuer: None,
                web_id_federation_data: None,
                attributes: Attributes {
                    creation_date: String::new(),
                    mfa_authenticated: flag(mfa),
                },
            }),
            ..Self::iam_user(acct, name, principal, key)
        }
    }

    /// A role session.
    pub(super) fn assumed_role(
        acct: &str,
        role: &str,
        path: &str,
        role_principal: &str,
        session: &str,
        key: &str,
        mfa: bool,
    ) -> Self {
        Self {
            kind: Some("AssumedRole"),
            principal_id: Some(format!("{role_principal}:{session}")),
            arn: Some(format!("arn:aws:sts::{acct}:assumed-role/{role}/{session}")),
            account_id: Some(acct.to_string()),
            access_key_id: Some(key.to_string()),
            user_name: None,
            session_context: Some(SessionContext {
                session_issuer: Some(SessionIssuer {
                    kind: "Role",
                    principal_id: role_principal.to_string(),
                    arn: format!("arn:aws:iam::{acct}:role/{path}{role}"),
                    account_id: acct.to_string(),
                    user_name: role.to_string(),
                }),
                web_id_federation_data: Some(Map::new()),
                attributes: Attributes {
                    creation_date: String::new(),
                    mfa_authenticated: flag(mfa),
                },
            }),
            invoked_by: None,
        }
    }

    /// The account root user; `key` is the console session key for API calls.
    pub(super) fn root(acct: &str, key: Option<&str>, mfa: bool) -> Self {
        Self {
            kind: Some("Root"),
            principal_id: Some(acct.to_string()),
            arn: Some(format!("arn:aws:iam::{acct}:root")),
            account_id: Some(acct.to_string()),
            access_key_id: Some(key.unwrap_or_default().to_string()),
            session_context: key.map(|_| SessionContext {
                session_issuer: None,
                web_id_federation_data: None,
                attributes: Attributes {
                    creation_date: String::new(),
                    mfa_authenticated: flag(mfa),
                },
            }),
            ..Self::empty()
        }
    }

    /// An AWS service acting on the account's behalf.
    pub(super) fn service(invoked_by: &'static str) -> Self {
        Self {
            kind: Some("AWSService"),
            invoked_by: Some(invoked_by),
            ..Self::empty()
        }
    }

    /// This identity with its session created at `creation`.
    pub(super) fn at(&self, creation: i64) -> Self {
        let mut id = self.clone();
        if let Some(ctx) = &mut id.session_context {
            ctx.attributes.creation_date = iso(creation);
        }
        id
    }

    /// The identity CloudTrail records for a sign-in attempt: no session, an
    /// empty access key.
    pub(super) fn sign_in(&self) -> Self {
        Self {
            access_key_id: Some(String::new()),
            session_context: None,
            ..self.clone()
        }
    }

    pub(super) fn arn_or_empty(&self) -> &str {
        self.arn.as_deref().unwrap_or("")
    }
}
