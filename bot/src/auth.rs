//! Request authentication, done before anything else runs.
//!
//! - Slack: `v0` signatures (HMAC-SHA256 of `v0:{timestamp}:{raw body}`
//!   with the signing secret), timestamp within five minutes, constant-time
//!   comparison; the clock is injectable so Slack's documented example is a
//!   test vector.
//! - HTTP API: bearer tokens (static tokens configured locally).

use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use mantissa_core::clock::Clock;
use sha2::Sha256;

/// Why a request was refused. The messages are safe to return to the
/// caller: they never contain the secret or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header is not in the expected format.
    #[error("malformed header {0}")]
    Malformed(&'static str),
    /// The timestamp is more than five minutes away from now (a replay).
    #[error("stale request timestamp")]
    Stale,
    /// The signature does not match.
    #[error("signature mismatch")]
    BadSignature,
    /// No credentials are configured for this endpoint.
    #[error("this endpoint is not configured")]
    NotConfigured,
}

pub use mantissa_core::config::Secret;

/// Largest accepted distance between a request's timestamp and now.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// Verifies Slack's request signatures.
#[derive(Clone)]
pub struct SlackVerifier {
    secret: Secret,
    clock: Clock,
}

impl std::fmt::Debug for SlackVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackVerifier").finish_non_exhaustive()
    }
}

impl SlackVerifier {
    /// A verifier for `secret` reading time from `clock`.
    pub fn new(secret: Secret, clock: Clock) -> Self {
        Self { secret, clock }
    }

    /// Checks `X-Slack-Request-Timestamp` and `X-Slack-Signature` against the raw body.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), AuthError> {
        let ts = header(headers, "x-slack-request-timestamp")?;
        let sig = header(headers, "x-slack-signature")?;
        self.verify_parts(ts, sig, body)
    }

    /// Checks a timestamp and signature (`v0=<hex>`) against the raw body.
    pub fn verify_parts(&self, ts: &str, sig: &str, body: &[u8]) -> Result<(), AuthError> {
        let t: i64 = ts
            .trim()
            .parse()
            .map_err(|_| AuthError::Malformed("X-Slack-Request-Timestamp"))?;
        let expected = sig
            .strip_prefix("v0=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or(AuthError::Malformed("X-Slack-Signature"))?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .map_err(|_| AuthError::NotConfigured)?;
        mac.update(b"v0:");
        mac.update(ts.trim().as_bytes());
        mac.update(b":");
        mac.update(body);
        // Constant-time comparison.
        mac.verify_slice(&expected)
            .map_err(|_| AuthError::BadSignature)?;
        if (self.clock.now().timestamp() - t).abs() > MAX_SKEW_SECS {
            return Err(AuthError::Stale);
        }
        Ok(())
    }

    /// Signs a body as Slack would (tests, and the local socket-mode bridge).
    pub fn sign(secret: &str, ts: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(format!("v0:{ts}:").as_bytes());
        mac.update(body);
        format!("v0={}", hex::encode(mac.finalize().into_bytes()))
    }
}

/// Checks `Authorization: Bearer <token>` against the configured tokens.
pub fn verify_bearer(headers: &HeaderMap, tokens: &[Secret]) -> Result<(), AuthError> {
    if tokens.is_empty() {
        return Err(AuthError::NotConfigured);
    }
    let value = header(headers, "authorization")?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or(AuthError::Malformed("Authorization"))?
        .trim();
    // Compare every configured token in constant time (HMAC of both sides
    // with a fixed key turns the comparison into a MAC verification).
    let digest = |s: &str| {
        let mut m = Hmac::<Sha256>::new_from_slice(b"mantissa-bearer").expect("any key length");
        m.update(s.as_bytes());
        m
    };
    let presented = digest(token).finalize().into_bytes();
    let ok = tokens.iter().fold(false, |ok, t| {
        digest(t.expose()).verify_slice(&presented).is_ok() | ok
    });
    if ok {
        Ok(())
    } else {
        Err(AuthError::BadSignature)
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, AuthError> {
    headers
        .get(name)
        .ok_or(AuthError::MissingHeader(name))?
        .to_str()
        .map_err(|_| AuthError::Malformed(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's documented example (docs.slack.dev, "Verifying requests from Slack").
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: i64 = 1531420618;
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn at(now: i64) -> SlackVerifier {
        SlackVerifier::new(Secret::new(SECRET), crate::testing_clock(now))
    }

    #[test]
    fn slacks_documented_example_verifies_within_the_window_only() {
        assert_eq!(
            at(TS + 60).verify_parts(&TS.to_string(), SIG, BODY.as_bytes()),
            Ok(())
        );
        assert_eq!(
            at(TS - 300).verify_parts(&TS.to_string(), SIG, BODY.as_bytes()),
            Ok(())
        );
        assert_eq!(
            at(TS + 301).verify_parts(&TS.to_string(), SIG, BODY.as_bytes()),
            Err(AuthError::Stale)
        );
        assert_eq!(SlackVerifier::sign(SECRET, TS, BODY.as_bytes()), SIG);
    }

    #[test]
    fn a_tampered_body_timestamp_or_signature_is_refused() {
        let v = at(TS);
        let tampered = BODY.replace("text=", "text=drop");
        assert_eq!(
            v.verify_parts(&TS.to_string(), SIG, tampered.as_bytes()),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            v.verify_parts(&(TS + 1).to_string(), SIG, BODY.as_bytes()),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            v.verify_parts(&TS.to_string(), "v1=abcd", BODY.as_bytes()),
            Err(AuthError::Malformed("X-Slack-Signature"))
        );
        assert_eq!(
            v.verify_parts("yesterday", SIG, BODY.as_bytes()),
            Err(AuthError::Malformed("X-Slack-Request-Timestamp"))
        );
        assert_eq!(
            v.verify(&HeaderMap::new(), BODY.as_bytes()),
            Err(AuthError::MissingHeader("x-slack-request-timestamp"))
        );
    }

    #[test]
    fn bearer_tokens_and_secrets_stay_out_of_debug_output() {
        let tokens = [Secret::new("s3cret-token")];
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer s3cret-token".parse().unwrap());
        assert_eq!(verify_bearer(&h, &tokens), Ok(()));
        h.insert("authorization", "Bearer wrong".parse().unwrap());
        assert_eq!(verify_bearer(&h, &tokens), Err(AuthError::BadSignature));
        assert_eq!(verify_bearer(&h, &[]), Err(AuthError::NotConfigured));
        assert!(!format!("{:?} {:?}", tokens, at(0)).contains("s3cret"));
    }
}
