//! Client assertions: the certificate-signed JWT an app may send instead of a client secret
//! (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hyper::StatusCode;
use rsa::signature::Verifier;
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::apps::App;
use crate::clock::rfc3339;
use crate::errors::{truncate, AadError};
use crate::state::Shared;
use crate::sync::lock;

fn assertion_error(status: StatusCode, code: u32, msg: impl Into<String>) -> AadError {
    let error = if status == StatusCode::UNAUTHORIZED { "invalid_client" } else { "invalid_request" };
    AadError::new(status, error, code, msg)
}

/// Verifies a client assertion JWT: RS256/PS256 signature by a registered certificate (found
/// by `x5t#S256`, or legacy `x5t`), `aud` = the token URL, `iss` = `sub` = client id,
/// `nbf`/`exp`, unique `jti`.
pub(super) fn verify_assertion(shared: &Shared, app: &App, jwt: &str, token_url: &str) -> Result<(), AadError> {
    let malformed = |why: &str| {
        assertion_error(StatusCode::BAD_REQUEST, 50027, format!("JWT token is invalid or malformed: {why}."))
    };
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(malformed("expected three dot-separated parts"));
    };
    let header: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("the header is not base64url JSON"))?;
    let claims: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("the payload is not base64url JSON"))?;
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| malformed("the signature is not base64url"))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" && alg != "PS256" {
        return Err(malformed(&format!("unsupported alg '{}' (use RS256 or PS256)", truncate(alg, 20))));
    }
    let (thumb, by_sha256) =
        match (header.get("x5t#S256").and_then(Value::as_str), header.get("x5t").and_then(Value::as_str)) {
            (Some(t), _) => (t, true),
            (None, Some(t)) => (t, false),
            (None, None) => return Err(malformed("the header has no 'x5t#S256' (or 'x5t') certificate thumbprint")),
        };
    let Some(cert) = app.certs.iter().find(|c| if by_sha256 { c.x5t_s256 == thumb } else { c.x5t == thumb }) else {
        return Err(assertion_error(
            StatusCode::UNAUTHORIZED,
            700027,
            format!(
                "Client assertion failed signature validation. (Reason - The key was not found., Thumbprint of key used by client: '{}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.)",
                truncate(thumb, 100),
                app.reg.client_id
            ),
        ));
    };
    let signing_input = format!("{h}.{p}");
    let verified = if alg == "RS256" {
        let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(cert.key.clone());
        rsa::pkcs1v15::Signature::try_from(sig.as_slice()).map(|s| vk.verify(signing_input.as_bytes(), &s).is_ok())
    } else {
        let vk = rsa::pss::VerifyingKey::<Sha256>::new(cert.key.clone());
        rsa::pss::Signature::try_from(sig.as_slice()).map(|s| vk.verify(signing_input.as_bytes(), &s).is_ok())
    };
    if !verified.unwrap_or(false) {
        return Err(assertion_error(
            StatusCode::UNAUTHORIZED,
            700027,
            "Client assertion failed signature validation. (Reason - The provided signature value did not match the expected signature value.)",
        ));
    }
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    if aud != token_url {
        return Err(assertion_error(
            StatusCode::BAD_REQUEST,
            50027,
            format!(
                "Invalid JWT token: the 'aud' claim '{}' must be the token endpoint '{token_url}'.",
                truncate(aud, 200)
            ),
        ));
    }
    let iss = claims.get("iss").and_then(Value::as_str);
    let sub = claims.get("sub").and_then(Value::as_str);
    if iss != Some(app.reg.client_id.as_str()) || sub != Some(app.reg.client_id.as_str()) {
        return Err(assertion_error(
            StatusCode::UNAUTHORIZED,
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter: 'iss' and 'sub' must both be the client id.",
        ));
    }
    let now = shared.clock.now_secs();
    let skew = 300;
    let exp = claims.get("exp").and_then(Value::as_i64);
    let nbf = claims.get("nbf").and_then(Value::as_i64);
    let Some(exp) = exp else {
        return Err(malformed("the 'exp' claim is required"));
    };
    if exp.saturating_add(skew) <= now || nbf.is_some_and(|n| n.saturating_sub(skew) > now) {
        return Err(assertion_error(
            StatusCode::UNAUTHORIZED,
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}.",
                rfc3339(now.saturating_mul(1000)),
                nbf.map_or_else(|| "-".to_string(), |n| rfc3339(n.saturating_mul(1000))),
                rfc3339(exp.saturating_mul(1000))
            ),
        ));
    }
    let Some(jti) = claims.get("jti").and_then(Value::as_str) else {
        return Err(malformed("the 'jti' claim is required"));
    };
    let mut g = lock(&shared.auth.inner);
    let now_ms = shared.clock.now_ms();
    g.jtis.retain(|_, e| e.saturating_add(skew * 1000) > now_ms);
    if g.jtis.contains_key(jti) {
        return Err(malformed("the 'jti' was already used: every client assertion must be new"));
    }
    g.jtis.insert(jti.to_string(), exp.saturating_mul(1000));
    Ok(())
}
