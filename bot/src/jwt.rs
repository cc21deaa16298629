//! JWT bearer tokens for the HTTP API, as an identity provider such as
//! Amazon Cognito issues them: RS256 (or another configured asymmetric
//! algorithm) signatures checked against the provider's JWKS, then `iss`,
//! `exp`/`nbf` (60 s leeway), the audience (`aud` for ID tokens, `client_id`
//! for Cognito access tokens) and optionally a scope.
//!
//! Keys are fetched on first use and cached; a token naming an unknown
//! `kid` triggers one refetch (key rotation), at most once a minute, so a
//! flood of forged `kid`s cannot hammer the provider. `none` and HMAC
//! algorithms are never accepted: with a public JWKS they would let anyone
//! mint tokens.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mantissa_core::config::JwtConfig;
use serde::Deserialize;
use tokio::sync::Mutex;

/// Why a JWT was refused (safe to return to the caller: no key material).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// The configuration cannot work.
    #[error("JWT configuration: {0}")]
    Config(String),
    /// Not a JWT, or a header we do not accept.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The `alg` is not one of the configured ones.
    #[error("algorithm {0} is not accepted")]
    Algorithm(String),
    /// No key with this `kid` in the JWKS.
    #[error("no signing key `{0}` in the JWKS")]
    UnknownKey(String),
    /// Signature, expiry, issuer, … failed.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The audience (`aud` / `client_id`) is not accepted.
    #[error("token audience not accepted")]
    Audience,
    /// The required scope is missing.
    #[error("token lacks the scope `{0}`")]
    Scope(String),
    /// The JWKS could not be fetched.
    #[error("cannot fetch the JWKS: {0}")]
    Jwks(String),
}

/// Who a verified token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtCaller {
    /// `username` / `cognito:username` / `email` / `sub`, the first present.
    pub name: String,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: Option<String>,
    username: Option<String>,
    #[serde(rename = "cognito:username")]
    cognito_username: Option<String>,
    email: Option<String>,
    client_id: Option<String>,
    #[serde(default)]
    aud: Audience,
    scope: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

#[derive(Default)]
struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

/// Verifies bearer JWTs against a JWKS.
pub struct JwtVerifier {
    config: JwtConfig,
    algorithms: Vec<Algorithm>,
    http: reqwest::Client,
    keys: Mutex<Keys>,
    refetch_after: Duration,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("jwks_url", &self.config.jwks_url)
            .field("issuer", &self.config.issuer)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier for `config`; refuses symmetric or unknown algorithms.
    pub fn new(config: JwtConfig) -> Result<Self, JwtError> {
        if config.issuer.trim().is_empty() {
            return Err(JwtError::Config("`api.jwt.issuer` is empty".into()));
        }
        let mut algorithms = Vec::new();
        for name in &config.algorithms {
            let alg: Algorithm = name.parse().map_err(|_| {
                JwtError::Config(format!(
                    "unknown algorithm `{name}` in api.jwt.algorithms (use RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA)"
                ))
            })?;
            if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
                return Err(JwtError::Config(format!(
                    "api.jwt.algorithms: {name} is symmetric; only public-key algorithms can be checked against a JWKS"
                )));
            }
            algorithms.push(alg);
        }
        if algorithms.is_empty() {
            return Err(JwtError::Config("api.jwt.algorithms is empty".into()));
        }
        Ok(Self {
            config,
            algorithms,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            keys: Mutex::new(Keys::default()),
            refetch_after: Duration::from_secs(60),
        })
    }

    /// Sets how often an unknown `kid` may trigger a JWKS refetch (default 60 s).
    pub fn with_refetch_interval(mut self, every: Duration) -> Self {
        self.refetch_after = every;
        self
    }

    /// Checks `token`; returns who it names.
    pub async fn verify(&self, token: &str) -> Result<JwtCaller, JwtError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| JwtError::Malformed(e.to_string()))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(JwtError::Algorithm(format!("{:?}", header.alg)));
        }
        let kid = header
            .kid
            .ok_or_else(|| JwtError::Malformed("the header has no `kid`".into()))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = self.algorithms.clone();
        validation.set_issuer(&[&self.config.issuer]);
        validation.required_spec_claims = ["exp", "iss"].into_iter().map(str::to_string).collect();
        validation.validate_nbf = true;
        // Cognito access tokens carry `client_id`, not `aud`: checked below.
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| JwtError::Invalid(e.to_string()))?;
        let claims = data.claims;
        if !self.config.audience.is_empty() {
            let mut presented: Vec<&str> = match &claims.aud {
                Audience::One(a) => vec![a.as_str()],
                Audience::Many(v) => v.iter().map(String::as_str).collect(),
                Audience::None => Vec::new(),
            };
            presented.extend(claims.client_id.as_deref());
            if !presented
                .iter()
                .any(|p| self.config.audience.iter().any(|a| a == p))
            {
                return Err(JwtError::Audience);
            }
        }
        if let Some(required) = &self.config.required_scope {
            let scopes = claims.scope.as_deref().unwrap_or_default();
            if !scopes.split_whitespace().any(|s| s == required) {
                return Err(JwtError::Scope(required.clone()));
            }
        }
        let name = claims
            .username
            .or(claims.cognito_username)
            .or(claims.email)
            .or(claims.sub)
            .unwrap_or_else(|| "jwt".into());
        Ok(JwtCaller { name })
    }

    /// The key for `kid`, fetching the JWKS when it is unknown (rate limited).
    async fn key(&self, kid: &str) -> Result<DecodingKey, JwtError> {
        let mut keys = self.keys.lock().await;
        if let Some(k) = keys.by_kid.get(kid) {
            return Ok(k.clone());
        }
        // With no keys at all (the provider was down), retry sooner.
        let wait = if keys.by_kid.is_empty() {
            self.refetch_after.min(Duration::from_secs(5))
        } else {
            self.refetch_after
        };
        let stale = keys.fetched.is_none_or(|t| t.elapsed() >= wait);
        if !stale {
            return Err(JwtError::UnknownKey(kid.to_string()));
        }
        keys.fetched = Some(Instant::now());
        let set = self.fetch().await?;
        keys.by_kid = set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                match DecodingKey::from_jwk(jwk) {
                    Ok(k) => Some((kid, k)),
                    Err(e) => {
                        tracing::warn!(kid, error = %e, "JWKS key skipped");
                        None
                    }
                }
            })
            .collect();
        tracing::info!(keys = keys.by_kid.len(), "JWKS loaded");
        keys.by_kid
            .get(kid)
            .cloned()
            .ok_or_else(|| JwtError::UnknownKey(kid.to_string()))
    }

    async fn fetch(&self) -> Result<JwkSet, JwtError> {
        let resp = self
            .http
            .get(&self.config.jwks_url)
            .send()
            .await
            .map_err(|e| JwtError::Jwks(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(JwtError::Jwks(format!("HTTP {}", resp.status())));
        }
        resp.json::<JwkSet>()
            .await
            .map_err(|e| JwtError::Jwks(format!("not a JWKS: {}", e.without_url())))
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};
    use mantissa_testkit::Fake;
    use serde_json::{Value, json};

    use super::*;

    const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST";
    const PRIVATE: &[u8] = include_bytes!("../tests/fixtures/jwt/rsa-private.der");
    const JWKS: &str = include_str!("../tests/fixtures/jwt/jwks.json");

    /// The kit's JWKS endpoint serving `jwks` (changeable by serving
    /// again; fetches are its recorded requests).
    async fn jwks_server(jwks: &str) -> (String, Fake) {
        let fake = Fake::start().await;
        (fake.serve_jwks(jwks), fake)
    }

    fn hits(fake: &Fake) -> usize {
        fake.requests("/.well-known/jwks.json").len()
    }

    fn config(url: &str) -> JwtConfig {
        JwtConfig {
            jwks_url: url.into(),
            issuer: ISSUER.into(),
            audience: vec!["client-abc".into()],
            algorithms: vec!["RS256".into()],
            required_scope: None,
        }
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn sign(kid: &str, claims: &Value) -> String {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, claims, &EncodingKey::from_rsa_der(PRIVATE)).unwrap()
    }

    /// A Cognito access token's claims.
    fn access(extra: Value) -> Value {
        let mut c = json!({
            "sub": "0f1e", "iss": ISSUER, "client_id": "client-abc", "token_use": "access",
            "scope": "mantissa/api openid", "username": "alice",
            "exp": now() + 600, "iat": now(),
        });
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    }

    #[tokio::test]
    async fn cognito_access_and_id_tokens_verify_and_name_the_user() {
        let (url, jwks) = jwks_server(JWKS).await;
        let v = JwtVerifier::new(config(&url)).unwrap();
        let caller = v.verify(&sign("test-key-1", &access(json!({})))).await;
        assert_eq!(caller.unwrap().name, "alice");
        // An ID token: `aud` instead of `client_id`, `cognito:username`.
        let id = json!({"sub": "0f1e", "iss": ISSUER, "aud": "client-abc", "token_use": "id",
                        "cognito:username": "bob", "exp": now() + 600});
        assert_eq!(
            v.verify(&sign("test-key-1", &id)).await.unwrap().name,
            "bob"
        );
        assert_eq!(hits(&jwks), 1, "keys are cached");
    }

    #[tokio::test]
    async fn forged_expired_and_misdirected_tokens_are_refused() {
        let (url, _) = jwks_server(JWKS).await;
        let v = JwtVerifier::new(config(&url)).unwrap();
        let good = sign("test-key-1", &access(json!({})));
        // Tampered payload: the signature no longer matches.
        let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
        let forged_claims = access(json!({"username": "mallory"}));
        parts[1] = base64url(forged_claims.to_string().as_bytes());
        let tampered = parts.join(".");
        assert!(matches!(
            v.verify(&tampered).await,
            Err(JwtError::Invalid(_))
        ));
        // Expired (beyond the 60 s leeway), wrong issuer, not yet valid.
        for claims in [
            access(json!({"exp": now() - 120})),
            access(json!({"iss": "https://evil.example"})),
            access(json!({"nbf": now() + 600})),
        ] {
            let r = v.verify(&sign("test-key-1", &claims)).await;
            assert!(matches!(r, Err(JwtError::Invalid(_))), "{claims}: {r:?}");
        }
        assert_eq!(
            (base64url(b"abc"), base64url(b"ab")),
            ("YWJj".into(), "YWI".into())
        );
        // Another app's token.
        let r = v
            .verify(&sign(
                "test-key-1",
                &access(json!({"client_id": "other-app"})),
            ))
            .await;
        assert_eq!(r, Err(JwtError::Audience));
        // `alg: none` and HMAC tokens (the classic JWKS confusion attacks).
        let none = format!(
            "{}.{}.",
            base64url(br#"{"alg":"none","kid":"test-key-1"}"#),
            base64url(access(json!({})).to_string().as_bytes())
        );
        assert!(matches!(v.verify(&none).await, Err(JwtError::Malformed(_))));
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("test-key-1".into());
        let hs = jsonwebtoken::encode(
            &h,
            &access(json!({})),
            &EncodingKey::from_secret(JWKS.as_bytes()).unwrap(),
        )
        .unwrap();
        assert!(matches!(v.verify(&hs).await, Err(JwtError::Algorithm(_))));
        assert!(matches!(
            v.verify("not-a-jwt").await,
            Err(JwtError::Malformed(_))
        ));
    }

    #[tokio::test]
    async fn unknown_keys_refetch_the_jwks_at_most_once_per_interval() {
        let (url, jwks) = jwks_server(JWKS).await;
        let v = JwtVerifier::new(config(&url)).unwrap();
        assert!(
            v.verify(&sign("test-key-1", &access(json!({}))))
                .await
                .is_ok()
        );
        // A flood of unknown kids: refused without hammering the provider.
        for i in 0..20 {
            let r = v
                .verify(&sign(&format!("forged-{i}"), &access(json!({}))))
                .await;
            assert!(matches!(r, Err(JwtError::UnknownKey(_))));
        }
        assert_eq!(hits(&jwks), 1);
        // The provider rotates its key: a new kid is picked up on refetch.
        jwks.serve_jwks(&JWKS.replace("test-key-1", "rotated-key-2"));
        let v = v.with_refetch_interval(Duration::ZERO);
        let r = v.verify(&sign("rotated-key-2", &access(json!({})))).await;
        assert_eq!(r.unwrap().name, "alice");
        assert_eq!(hits(&jwks), 2);
    }

    #[tokio::test]
    async fn scopes_and_configuration_are_checked() {
        let (url, _) = jwks_server(JWKS).await;
        let mut c = config(&url);
        c.required_scope = Some("mantissa/api".into());
        let v = JwtVerifier::new(c.clone()).unwrap();
        assert!(
            v.verify(&sign("test-key-1", &access(json!({}))))
                .await
                .is_ok()
        );
        let r = v
            .verify(&sign("test-key-1", &access(json!({"scope": "openid"}))))
            .await;
        assert_eq!(r, Err(JwtError::Scope("mantissa/api".into())));
        c.algorithms = vec!["HS256".into()];
        assert!(
            matches!(JwtVerifier::new(c.clone()), Err(JwtError::Config(m)) if m.contains("symmetric"))
        );
        c.algorithms = vec!["RS257".into()];
        assert!(matches!(JwtVerifier::new(c), Err(JwtError::Config(m)) if m.contains("RS257")));
        // The JWKS unreachable: a clear error, not a panic.
        let v = JwtVerifier::new(config("http://127.0.0.1:9/jwks.json")).unwrap();
        let r = v.verify(&sign("test-key-1", &access(json!({})))).await;
        assert!(matches!(r, Err(JwtError::Jwks(_))), "{r:?}");
    }

    fn base64url(b: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in b.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &x)| n | (u32::from(x) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
