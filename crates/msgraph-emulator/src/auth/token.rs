//! Access tokens: issuing them, and validating the `Authorization: Bearer` of Graph requests.
//!
//! Access tokens are JWTs (HS256 under the emulator's secret, so only this emulator accepts
//! them) with the usual claims (`aud`, `iss`, `tid`, `appid`, `oid`, `idtyp`, `roles`/`scp`,
//! `iat`/`nbf`/`exp`).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use crate::context::Caller;
use crate::errors::GraphError;
use crate::guard::Violation;
use crate::state::Shared;

/// What an access token says.
#[derive(Debug, Clone)]
pub(crate) struct TokenClaims {
    pub(crate) app_id: String,
    pub(crate) user_id: Option<String>,
    /// The claims challenge the token was issued for (`xms_emu_claims`), if any.
    pub(crate) claims: Option<String>,
}

/// Why a token was rejected.
#[derive(Debug)]
pub(crate) enum TokenProblem {
    Missing,
    Invalid(&'static str),
    /// Expired this many ms ago.
    Expired(i64),
}

fn b64json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default())
}

fn hs256(secret: &[u8; 32], data: &[u8]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// An HS256 JWT of `claims` under the emulator's secret.
pub(super) fn sign(secret: &[u8; 32], claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "HS256", "kid": "msgraph-emulator"});
    let signing_input = format!("{}.{}", b64json(&header), b64json(claims));
    let sig = URL_SAFE_NO_PAD.encode(hs256(secret, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// Issues an access token.
pub(crate) fn issue_access_token(
    shared: &Shared,
    client_id: &str,
    user: Option<(&str, &str)>,
    scope: Option<&str>,
    lifetime_ms: i64,
) -> String {
    issue_access_token_ext(shared, client_id, user, scope, lifetime_ms, None)
}

/// Issues an access token that records the claims challenge it was requested for.
pub(crate) fn issue_access_token_ext(
    shared: &Shared,
    client_id: &str,
    user: Option<(&str, &str)>,
    scope: Option<&str>,
    lifetime_ms: i64,
    claims_challenge: Option<&str>,
) -> String {
    let now_ms = shared.clock.now_ms();
    let exp_ms = now_ms + lifetime_ms;
    let mut claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{}/", shared.tenant_id),
        "iat": now_ms.div_euclid(1000),
        "nbf": now_ms.div_euclid(1000) - 300,
        "exp": (exp_ms + 999).div_euclid(1000),
        "tid": shared.tenant_id,
        "appid": client_id,
        "azp": client_id,
        "ver": "1.0",
        "uti": shared.random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 22),
        "xms_emu_exp_ms": exp_ms,
    });
    if let Value::Object(m) = &mut claims {
        if let Some(c) = claims_challenge {
            m.insert("xms_emu_claims".into(), c.into());
        }
        match user {
            Some((oid, upn)) => {
                m.insert("idtyp".into(), "user".into());
                m.insert("oid".into(), oid.into());
                m.insert("sub".into(), oid.into());
                m.insert("upn".into(), upn.into());
                m.insert("scp".into(), scope.unwrap_or("User.Read").into());
            }
            None => {
                m.insert("idtyp".into(), "app".into());
                m.insert("oid".into(), client_id.into());
                m.insert("sub".into(), client_id.into());
                m.insert("roles".into(), json!([]));
            }
        }
    }
    sign(&shared.secret, &claims)
}

/// Validates `Authorization: Bearer <token>`.
pub(crate) fn validate(shared: &Shared, authorization: Option<&str>) -> Result<TokenClaims, TokenProblem> {
    let Some(value) = authorization else { return Err(TokenProblem::Missing) };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or(TokenProblem::Invalid("The Authorization header must be 'Bearer <token>'."))?;
    if token.is_empty() {
        return Err(TokenProblem::Missing);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenProblem::Invalid("IDX14100: JWT is not well formed, there are no dots (.)."));
    };
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenProblem::Invalid("Invalid signature encoding."))?;
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&shared.secret) else {
        return Err(TokenProblem::Invalid("Signing key unavailable."));
    };
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    if mac.verify_slice(&sig).is_err() {
        return Err(TokenProblem::Invalid("Access token validation failure. Invalid signature."));
    }
    let payload = URL_SAFE_NO_PAD.decode(p).map_err(|_| TokenProblem::Invalid("Invalid token payload."))?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&payload).map_err(|_| TokenProblem::Invalid("Invalid token payload."))?;
    if claims.get("aud").and_then(Value::as_str) != Some("https://graph.microsoft.com") {
        return Err(TokenProblem::Invalid("Access token validation failure. Invalid audience."));
    }
    if claims.get("tid").and_then(Value::as_str) != Some(shared.tenant_id.as_str()) {
        return Err(TokenProblem::Invalid("Access token validation failure. Invalid tenant."));
    }
    let exp_ms = claims.get("xms_emu_exp_ms").and_then(Value::as_i64).unwrap_or(0);
    let out = TokenClaims {
        app_id: claims.get("appid").and_then(Value::as_str).unwrap_or("").to_string(),
        user_id: (claims.get("idtyp").and_then(Value::as_str) == Some("user"))
            .then(|| claims.get("oid").and_then(Value::as_str).map(String::from))
            .flatten(),
        claims: claims.get("xms_emu_claims").and_then(Value::as_str).map(String::from),
    };
    let now = shared.clock.now_ms();
    if now >= exp_ms {
        return Err(TokenProblem::Expired(now - exp_ms));
    }
    Ok(out)
}

/// Authenticates a Graph request: the caller, or a 401 (recording expired-token use).
pub(crate) fn authenticate(shared: &Shared, authorization: Option<&str>, target: &str) -> Result<Caller, GraphError> {
    let authority = shared.authority();
    match validate(shared, authorization) {
        Ok(c) => {
            if let Some(required) = shared.auth.required_claims() {
                if !satisfies(c.claims.as_deref(), &required) {
                    return Err(claims_challenge(&authority, &required));
                }
            }
            Ok(Caller { app_id: c.app_id, user_id: c.user_id })
        }
        Err(TokenProblem::Missing) => Err(GraphError::unauthorized("Access token is empty.", &authority)),
        Err(TokenProblem::Invalid(why)) => Err(GraphError::unauthorized(why, &authority)),
        Err(TokenProblem::Expired(ago)) => {
            shared.guard.record(Violation::ExpiredTokenUsed {
                url: target.to_string(),
                expired_for: Duration::from_millis(u64::try_from(ago).unwrap_or(0)),
            });
            Err(GraphError::unauthorized("Lifetime validation failed, the token is expired.", &authority)
                .with_inner("tokenExpired"))
        }
    }
}

/// The configured access-token lifetime.
pub(super) fn lifetime_ms(shared: &Shared) -> i64 {
    i64::try_from(shared.config.token_lifetime.as_millis()).unwrap_or(i64::MAX / 4)
}

fn expires_in(shared: &Shared) -> u64 {
    let ms = shared.config.token_lifetime.as_millis();
    u64::try_from(ms.div_ceil(1000)).unwrap_or(u64::MAX)
}

/// The token endpoint's success body.
pub(super) fn token_response(shared: &Shared, token: String, scope: Option<&str>, refresh: Option<String>) -> Value {
    let mut v = json!({
        "token_type": "Bearer",
        "expires_in": expires_in(shared),
        "ext_expires_in": expires_in(shared),
        "access_token": token,
    });
    if let Value::Object(m) = &mut v {
        if let Some(s) = scope {
            m.insert("scope".into(), s.into());
        }
        if let Some(r) = refresh {
            m.insert("refresh_token".into(), r.into());
        }
    }
    v
}

/// Whether a token issued for `had` satisfies the claims challenge `required` (both JSON,
/// compared as values).
fn satisfies(had: Option<&str>, required: &str) -> bool {
    let Some(had) = had else { return false };
    match (serde_json::from_str::<Value>(had), serde_json::from_str::<Value>(required)) {
        (Ok(a), Ok(b)) => a == b,
        _ => had == required,
    }
}

/// Graph's 401 for a token that lacks the claims continuous access evaluation asks for.
fn claims_challenge(authority: &str, required: &str) -> GraphError {
    let encoded = base64::engine::general_purpose::STANDARD.encode(required.as_bytes());
    GraphError::new(
        hyper::StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp",
    )
    .with_header(
        hyper::header::WWW_AUTHENTICATE,
        format!(
            "Bearer realm=\"\", authorization_uri=\"{authority}/oauth2/v2.0/authorize\", \
             client_id=\"00000003-0000-0000-c000-000000000000\", error=\"insufficient_claims\", claims=\"{encoded}\""
        ),
    )
}
