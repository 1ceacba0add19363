//! The authorization code flow: `GET /{tenant}/oauth2/v2.0/authorize` (where a browser would
//! show the sign-in page) and the `authorization_code` grant of the token endpoint, with PKCE
//! (S256) verification.
//!
//! There is no sign-in page: who signs in is decided by the test hooks
//! (`Emulator::approve_next_sign_in` / `decline_next_sign_in`), or by a `login_hint` naming a
//! seeded user. Without either, the redirect carries `error=interaction_required`.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hyper::header::{HeaderValue, CONTENT_TYPE, LOCATION};
use hyper::{HeaderMap, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::device::{delegated_scope, user_tokens};
use super::form::{missing, required, Form};
use crate::apps::{AuthCode, SignIn};
use crate::errors::{html_escape, truncate, AadError, Body, Response};
use crate::state::Shared;
use crate::sync::lock;

/// How long an authorization code can be redeemed (the identity platform's is about 10 minutes).
const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// A page the browser shows instead of a redirect (unknown client, bad redirect URI).
fn error_page(status: StatusCode, aadsts: u32, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sorry, but we're having trouble \
         signing you in.</h1><p>AADSTS{aadsts}: {}</p></body></html>",
        html_escape(message)
    );
    let mut r = Response { status, headers: HeaderMap::new(), body: Body::Raw(html.into_bytes().into()) };
    r.headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// Whether `uri` is a loopback `http` redirect URI (any port, as the identity platform allows
/// for public clients).
fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else { return false };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or("").to_string()
    };
    matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]")
}

fn redirect(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{sep}{}", ser.finish());
    let mut r = Response::empty(StatusCode::FOUND);
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            r.headers.insert(LOCATION, v);
            r
        }
        Err(_) => error_page(StatusCode::BAD_REQUEST, 50011, "The redirect URI is not a valid URL."),
    }
}

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub(crate) fn authorize(shared: &Shared, tenant: &str, query: &str) -> Response {
    let q: HashMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let known_tenant = tenant.eq_ignore_ascii_case(&shared.tenant_id)
        || shared.seed.domains.iter().any(|d| d.eq_ignore_ascii_case(tenant))
        || matches!(tenant.to_ascii_lowercase().as_str(), "common" | "organizations");
    if !known_tenant {
        return error_page(StatusCode::BAD_REQUEST, 90002, &format!("Tenant '{}' not found.", truncate(tenant, 100)));
    }
    let client_id = q.get("client_id").map(String::as_str).unwrap_or("");
    if client_id.is_empty() {
        return error_page(StatusCode::BAD_REQUEST, 900144, "The request must contain the parameter 'client_id'.");
    }
    if let Err(e) = shared.auth.find_app(client_id, &shared.seed.tenant_name) {
        return error_page(StatusCode::BAD_REQUEST, e.aadsts, &e.description);
    }
    let redirect_uri = q.get("redirect_uri").map(String::as_str).unwrap_or("");
    if !is_loopback_redirect(redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            50011,
            &format!(
                "The redirect URI '{}' specified in the request does not match the redirect URIs configured for the \
                 application: the emulator accepts loopback redirect URIs (http://127.0.0.1:PORT/, http://localhost:PORT/).",
                truncate(redirect_uri, 200)
            ),
        );
    }
    let state = q.get("state").map(String::as_str).unwrap_or("");
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if !state.is_empty() {
            params.push(("state", state));
        }
        redirect(redirect_uri, &params)
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return fail("unsupported_response_type", "AADSTS700054: response_type must be 'code'.");
    }
    let scope = q.get("scope").map(String::as_str).unwrap_or("");
    if scope.trim().is_empty() {
        return fail(
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
    }
    let challenge = q.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    if challenge.is_some() {
        let method = q.get("code_challenge_method").map(String::as_str).unwrap_or("plain");
        if method != "S256" {
            return fail(
                "invalid_request",
                "AADSTS501491: The emulator only accepts the code_challenge_method 'S256'.",
            );
        }
    }
    let decision = lock(&shared.auth.inner).next_sign_ins.pop_front();
    let user = match decision {
        Some(SignIn::Approve(user)) => user,
        Some(SignIn::Decline) => {
            return fail("access_denied", "AADSTS65004: User declined to consent to access the app.");
        }
        None => match q.get("login_hint").and_then(|h| shared.read().find_user(h).map(|(id, _)| id.to_string())) {
            Some(user) => user,
            None => {
                return fail(
                    "interaction_required",
                    "AADSTS50058: No user is signed in: the emulator signs in the user named by login_hint or \
                     approved with Emulator::approve_next_sign_in.",
                )
            }
        },
    };
    let code = shared.random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 96);
    let now = shared.clock.now_ms();
    let mut g = lock(&shared.auth.inner);
    // Forget codes that expired more than an hour ago (bounded memory).
    g.auth_codes.retain(|_, c| c.expires_at_ms + 3_600_000 > now);
    let consented = g.consents.entry((client_id.to_string(), user.clone())).or_default();
    consented.extend(delegated_scope(scope).split_whitespace().map(str::to_ascii_lowercase));
    g.auth_codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.to_string(),
            user_id: user,
            scope: scope.to_string(),
            redirect_uri: redirect_uri.to_string(),
            challenge,
            expires_at_ms: now + CODE_LIFETIME_MS,
            redeemed: false,
        },
    );
    drop(g);
    let mut params = vec![("code", code.as_str())];
    if !state.is_empty() {
        params.push(("state", state));
    }
    redirect(redirect_uri, &params)
}

fn grant_error(code: u32, description: impl Into<String>) -> AadError {
    AadError::new(StatusCode::BAD_REQUEST, "invalid_grant", code, description)
}

/// The `authorization_code` grant: a code from `/authorize`, single-use, within its lifetime,
/// for the same client and redirect URI, with the PKCE verifier that matches its challenge.
pub(super) fn redeem(shared: &Shared, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    let app = shared.auth.find_app(client_id, &shared.seed.tenant_name)?;
    if let Some(secret) = form.get("client_secret") {
        if app.reg.client_secret.as_deref() != Some(secret.as_str()) {
            return Err(AadError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                "Invalid client secret provided.",
            ));
        }
    }
    let code = required(form, "code")?;
    let redirect_uri = form.get("redirect_uri").map(String::as_str).ok_or_else(|| missing("redirect_uri"))?;
    let now = shared.clock.now_ms();
    let mut g = lock(&shared.auth.inner);
    let Some(c) = g.auth_codes.get_mut(code) else {
        return Err(grant_error(
            9002313,
            "Invalid request. Request is malformed or invalid: the authorization code is not one the emulator issued.",
        ));
    };
    if c.client_id != client_id {
        return Err(grant_error(70000, "The authorization code was issued to another client."));
    }
    if c.redeemed {
        return Err(grant_error(
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if now >= c.expires_at_ms {
        return Err(grant_error(
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    if c.redirect_uri != redirect_uri {
        return Err(grant_error(
            70002,
            "The redirect_uri of the token request does not match the one of the authorization request.",
        ));
    }
    if let Some(challenge) = &c.challenge {
        let verifier = form.get("code_verifier").map(String::as_str).unwrap_or("");
        if verifier.is_empty() {
            return Err(grant_error(
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request: no code_verifier was sent.",
            ));
        }
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if &computed != challenge {
            return Err(grant_error(
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            ));
        }
    }
    // Redeemed codes are kept (until they expire) so a second use gets its own error.
    c.redeemed = true;
    let (user, scope) = (c.user_id.clone(), c.scope.clone());
    drop(g);
    let claims = form.get("claims").map(String::as_str);
    Ok(user_tokens(shared, client_id, &user, &scope, claims))
}
