//! The device code flow (`POST …/devicecode`, then polling the token endpoint until the user
//! approved or declined the code) and the refresh tokens delegated sign-ins get.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::{json, Value};

use super::form::{missing, required, Form};
use super::token::{issue_access_token_ext, lifetime_ms, sign, token_response};
use crate::apps::{DeviceCode, DeviceStatus, Refresh};
use crate::errors::AadError;
use crate::guard::Violation;
use crate::state::Shared;
use crate::sync::lock;

/// `POST …/devicecode`: a new device code.
pub(super) fn start(shared: &Shared, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    shared.auth.find_app(client_id, &shared.seed.tenant_name)?;
    let scope = required(form, "scope")?;
    let device_code = shared.random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 64);
    let user_code = shared.random_string(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 9);
    let now = shared.clock.now_ms();
    let lifetime = i64::try_from(shared.config.device_code_lifetime.as_millis()).unwrap_or(i64::MAX / 4);
    let interval_s = shared.config.device_code_interval.as_secs();
    let verification_uri = format!("{}/devicelogin", shared.urls.origin);
    let mut g = lock(&shared.auth.inner);
    // Forget codes that expired more than an hour ago (bounded memory).
    g.device_codes.retain(|_, d| d.expires_at_ms + 3_600_000 > now);
    g.device_codes.insert(
        device_code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            client_id: client_id.to_string(),
            scope: scope.to_string(),
            expires_at_ms: now + lifetime,
            interval_ms: i64::try_from(interval_s).unwrap_or(5) * 1000,
            last_poll_ms: None,
            status: DeviceStatus::Pending,
        },
    );
    drop(g);
    Ok(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": shared.config.device_code_lifetime.as_secs(),
        "interval": interval_s,
        "message": format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
        ),
    }))
}

fn device_error(error: &'static str, code: u32, msg: &str) -> AadError {
    AadError::new(StatusCode::BAD_REQUEST, error, code, msg)
}

pub(super) fn delegated_scope(requested: &str) -> String {
    let scopes: Vec<&str> = requested
        .split_whitespace()
        .filter(|s| !matches!(*s, "openid" | "profile" | "offline_access" | "email"))
        .map(|s| s.rsplit('/').next().unwrap_or(s))
        .filter(|s| !s.is_empty() && *s != ".default")
        .collect();
    if scopes.is_empty() {
        "User.Read".into()
    } else {
        scopes.join(" ")
    }
}

fn user_upn(shared: &Shared, user_id: &str) -> String {
    shared
        .read()
        .top("users", user_id)
        .and_then(|u| u.props.get("userPrincipalName").and_then(Value::as_str).map(String::from))
        .unwrap_or_default()
}

/// Tokens for a user (access, refresh with `offline_access`, id with `openid`); `claims` (a
/// claims challenge the client passed on) is recorded in the access token.
pub(super) fn user_tokens(
    shared: &Shared,
    client_id: &str,
    user_id: &str,
    requested_scope: &str,
    claims: Option<&str>,
) -> Value {
    user_tokens_with(shared, client_id, user_id, requested_scope, claims, false)
}

fn user_tokens_with(
    shared: &Shared,
    client_id: &str,
    user_id: &str,
    requested_scope: &str,
    claims: Option<&str>,
    always_refresh: bool,
) -> Value {
    let scp = delegated_scope(requested_scope);
    let upn = user_upn(shared, user_id);
    let token =
        issue_access_token_ext(shared, client_id, Some((user_id, &upn)), Some(&scp), lifetime_ms(shared), claims);
    let wants_refresh = always_refresh || requested_scope.split_whitespace().any(|s| s == "offline_access");
    let refresh = wants_refresh.then(|| {
        let r = shared.random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", 96);
        lock(&shared.auth.inner).refresh_tokens.insert(
            r.clone(),
            Refresh { client_id: client_id.into(), user_id: user_id.into(), scope: requested_scope.into() },
        );
        r
    });
    let mut v = token_response(shared, token, Some(&scp), refresh);
    if requested_scope.split_whitespace().any(|s| s == "openid") {
        let now = shared.clock.now_secs();
        let claims = json!({
            "aud": client_id, "iss": format!("https://login.microsoftonline.com/{}/v2.0", shared.tenant_id),
            "iat": now, "nbf": now, "exp": now + 3600, "tid": shared.tenant_id, "oid": user_id, "sub": user_id,
            "preferred_username": upn, "ver": "2.0",
        });
        if let Value::Object(m) = &mut v {
            m.insert("id_token".into(), sign(&shared.secret, &claims).into());
        }
    }
    v
}

/// The device code grant: a poll, answered with tokens once the user approved.
pub(super) fn poll(shared: &Shared, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    let code = form
        .get("device_code")
        .or_else(|| form.get("code"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("device_code"))?;
    let now = shared.clock.now_ms();
    let mut g = lock(&shared.auth.inner);
    let Some(dc) = g.device_codes.get_mut(code) else {
        return Err(device_error(
            "invalid_grant",
            70000,
            "The provided value for the input parameter 'device_code' is not valid.",
        ));
    };
    if dc.client_id != client_id {
        return Err(device_error("invalid_grant", 70000, "The device code was issued to another client."));
    }
    if now >= dc.expires_at_ms {
        return Err(device_error("expired_token", 70019, "Verification code expired."));
    }
    // Rate: a poll earlier than `interval` after the previous one gets slow_down.
    if let Some(last) = dc.last_poll_ms {
        let waited = now - last;
        if dc.interval_ms > 0 && waited + 10 < dc.interval_ms && dc.status == DeviceStatus::Pending {
            let interval = Duration::from_millis(u64::try_from(dc.interval_ms).unwrap_or(0));
            dc.interval_ms += 5000;
            dc.last_poll_ms = Some(now);
            let client = dc.client_id.clone();
            drop(g);
            shared.guard.record(Violation::DeviceCodePolledTooFast {
                client_id: client,
                interval,
                waited: Duration::from_millis(u64::try_from(waited).unwrap_or(0)),
            });
            return Err(device_error(
                "slow_down",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending: slow down, poll less often (interval increased by 5 seconds).",
            ));
        }
    }
    dc.last_poll_ms = Some(now);
    match dc.status.clone() {
        DeviceStatus::Pending => Err(device_error(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )),
        DeviceStatus::Declined => Err(device_error("authorization_declined", 70000, "The user declined the authorization request.")),
        DeviceStatus::Redeemed => Err(device_error(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        )),
        DeviceStatus::Approved(user) => {
            dc.status = DeviceStatus::Redeemed;
            let scope = dc.scope.clone();
            let client = dc.client_id.clone();
            let consented = g.consents.entry((client.clone(), user.clone())).or_default();
            consented.extend(delegated_scope(&scope).split_whitespace().map(str::to_ascii_lowercase));
            drop(g);
            Ok(user_tokens(shared, &client, &user, &scope, form.get("claims").map(String::as_str)))
        }
    }
}

/// The refresh token grant. Refresh tokens are single-use: every answer carries a new one
/// (rotation). Scopes beyond what the user consented to get `invalid_grant` with
/// `suberror=consent_required`, as the identity platform answers for incremental consent.
pub(super) fn refresh(shared: &Shared, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    let token = required(form, "refresh_token")?;
    let mut g = lock(&shared.auth.inner);
    let Some(r) = g.refresh_tokens.get(token).filter(|r| r.client_id == client_id).cloned() else {
        return Err(AadError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70043,
            "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access, \
             or it is unknown, already used or issued to another client. Sign in again.",
        ));
    };
    let scope = form.get("scope").cloned().unwrap_or_else(|| r.scope.clone());
    let consented = g.consents.get(&(client_id.to_string(), r.user_id.clone()));
    let wanted = delegated_scope(&scope);
    let missing: Vec<&str> = wanted
        .split_whitespace()
        .filter(|s| !consented.is_some_and(|c| c.contains(&s.to_ascii_lowercase())))
        .map(|s| if s.len() > 100 { "(scope)" } else { s })
        .collect();
    if !missing.is_empty() {
        return Err(AadError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            65001,
            format!(
                "The user or administrator has not consented to use the application with ID '{client_id}' for the scopes '{}'. \
                 Send an interactive authorization request for this user and resource.",
                missing.join(" ")
            ),
        )
        .with_suberror("consent_required"));
    }
    g.refresh_tokens.remove(token);
    drop(g);
    Ok(user_tokens_with(shared, client_id, &r.user_id, &scope, form.get("claims").map(String::as_str), true))
}
