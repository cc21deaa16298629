//! Discord request signatures: Ed25519 over `X-Signature-Timestamp` ‖ raw
//! body, checked with the application's public key before anything else
//! runs. Discord sends deliberately bad signatures to check that endpoints
//! refuse them (with 401).
//!
//! Discord documents no freshness window; like Slack's, ours is five
//! minutes ([`MAX_SKEW_SECS`]) on an injectable clock, so a captured
//! request cannot be replayed later.

use axum::http::HeaderMap;
use ed25519_dalek::{Signature, VerifyingKey};

use crate::auth::{AuthError, MAX_SKEW_SECS};
use mantissa_core::clock::Clock;

/// The public key is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not 64 hex characters.
    #[error(
        "discord.public_key must be 64 hex characters (32 bytes), got {0} characters; copy it from the Developer Portal → General Information → Public Key"
    )]
    NotHex(usize),
    /// 32 bytes that are not an Ed25519 public key.
    #[error(
        "discord.public_key is not a valid Ed25519 public key; copy it from the Developer Portal → General Information → Public Key"
    )]
    NotAKey,
}

/// Verifies Discord's interaction signatures.
#[derive(Clone)]
pub struct DiscordVerifier {
    key: VerifyingKey,
    clock: Clock,
}

impl std::fmt::Debug for DiscordVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordVerifier").finish_non_exhaustive()
    }
}

impl DiscordVerifier {
    /// A verifier for the hex public key, reading time from `clock`.
    pub fn from_hex(public_key: &str, clock: Clock) -> Result<Self, KeyError> {
        let public_key = public_key.trim();
        let bytes: [u8; 32] = hex::decode(public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyError::NotHex(public_key.chars().count()))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAKey)?;
        Ok(Self { key, clock })
    }

    /// Checks `X-Signature-Ed25519` and `X-Signature-Timestamp` against the raw body.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), AuthError> {
        let sig = header(headers, "x-signature-ed25519")?;
        let ts = header(headers, "x-signature-timestamp")?;
        self.verify_parts(ts, sig, body)
    }

    /// Checks a timestamp and hex signature against the raw body.
    pub fn verify_parts(&self, ts: &str, sig: &str, body: &[u8]) -> Result<(), AuthError> {
        let sig: [u8; 64] = hex::decode(sig.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(AuthError::Malformed("X-Signature-Ed25519"))?;
        let t: i64 = ts
            .parse()
            .map_err(|_| AuthError::Malformed("X-Signature-Timestamp"))?;
        let mut message = Vec::with_capacity(ts.len() + body.len());
        message.extend_from_slice(ts.as_bytes());
        message.extend_from_slice(body);
        // Strict verification: refuses small-order keys and malleable signatures.
        self.key
            .verify_strict(&message, &Signature::from_bytes(&sig))
            .map_err(|_| AuthError::BadSignature)?;
        if (self.clock.now().timestamp() - t).abs() > MAX_SKEW_SECS {
            return Err(AuthError::Stale);
        }
        Ok(())
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

    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    // RFC 8032 §7.1, TEST 2: a published key pair and signature of the
    // one-byte message 0x72. Split as timestamp "" ‖ body [0x72] it is a
    // known-good Discord signature independent of our own signing code.
    const RFC_PUBLIC: &str = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    const RFC_SIG: &str = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

    const TS: i64 = 1_710_072_000;

    fn at(public: &str, now: i64) -> DiscordVerifier {
        DiscordVerifier::from_hex(public, crate::testing_clock(now)).unwrap()
    }

    fn signed(key: &SigningKey, ts: &str, body: &[u8]) -> String {
        let mut m = ts.as_bytes().to_vec();
        m.extend_from_slice(body);
        hex::encode(key.sign(&m).to_bytes())
    }

    #[test]
    fn the_rfc_8032_vector_verifies_and_any_change_is_refused() {
        // The vector carries no timestamp: check the signature alone.
        let v = at(RFC_PUBLIC, 0);
        let sig: [u8; 64] = hex::decode(RFC_SIG).unwrap().try_into().unwrap();
        v.key
            .verify_strict(&[0x72], &Signature::from_bytes(&sig))
            .unwrap();
        assert!(
            v.key
                .verify_strict(&[0x73], &Signature::from_bytes(&sig))
                .is_err()
        );
    }

    #[test]
    fn a_good_signature_verifies_within_the_window_only() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = hex::encode(key.verifying_key().to_bytes());
        let body = br#"{"type":1}"#;
        let sig = signed(&key, &TS.to_string(), body);
        assert_eq!(
            at(&public, TS + 10).verify_parts(&TS.to_string(), &sig, body),
            Ok(())
        );
        assert_eq!(
            at(&public, TS + 301).verify_parts(&TS.to_string(), &sig, body),
            Err(AuthError::Stale)
        );
    }

    #[test]
    fn a_tampered_body_timestamp_signature_or_key_is_refused() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = hex::encode(key.verifying_key().to_bytes());
        let v = at(&public, TS);
        let body = br#"{"type":2,"data":{"name":"mantissa"}}"#;
        let ts = TS.to_string();
        let sig = signed(&key, &ts, body);
        assert_eq!(
            v.verify_parts(&ts, &sig, br#"{"type":2,"data":{"name":"mantissb"}}"#),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            v.verify_parts(&(TS + 1).to_string(), &sig, body),
            Err(AuthError::BadSignature)
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            v.verify_parts(&ts, &signed(&other, &ts, body), body),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            v.verify_parts(&ts, "zz", body),
            Err(AuthError::Malformed("X-Signature-Ed25519"))
        );
        assert_eq!(
            v.verify_parts(&ts, &sig[..100], body),
            Err(AuthError::Malformed("X-Signature-Ed25519"))
        );
        assert_eq!(
            v.verify_parts("soon", &sig, body),
            Err(AuthError::Malformed("X-Signature-Timestamp"))
        );
        assert_eq!(
            v.verify(&HeaderMap::new(), body),
            Err(AuthError::MissingHeader("x-signature-ed25519"))
        );
        let mut h = HeaderMap::new();
        h.insert("x-signature-ed25519", sig.parse().unwrap());
        h.insert("x-signature-timestamp", ts.parse().unwrap());
        assert_eq!(v.verify(&h, body), Ok(()));
    }

    #[test]
    fn malformed_public_keys_are_explained() {
        let clock = crate::testing_clock(0);
        let e = DiscordVerifier::from_hex("abc", clock).unwrap_err();
        assert_eq!(e, KeyError::NotHex(3));
        assert!(e.to_string().contains("64 hex characters"), "{e}");
        assert_eq!(
            DiscordVerifier::from_hex(&"g".repeat(64), clock).unwrap_err(),
            KeyError::NotHex(64)
        );
        assert!(DiscordVerifier::from_hex(&format!(" {RFC_PUBLIC}\n"), clock).is_ok());
    }
}
