//! The Microsoft identity platform side: `POST /{tenant}/oauth2/v2.0/token` (client credentials
//! with a secret or a certificate-signed `client_assertion`, device code, refresh token),
//! `POST /{tenant}/oauth2/v2.0/devicecode`, and validation of the access tokens Graph requests
//! carry.
//!
//! Access tokens are JWTs (HS256 under the emulator's secret, so only this emulator accepts
//! them) with the usual claims (`aud`, `iss`, `tid`, `appid`, `oid`, `idtyp`, `roles`/`scp`,
//! `iat`/`nbf`/`exp`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use hyper::StatusCode;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::context::Caller;
use crate::errors::{truncate, AadError, GraphError, RequestMeta, Response};
use crate::guard::Violation;
use crate::seed::AppRegistration;
use crate::state::Shared;
use crate::sync::lock;

/// Graph's application id (the resource of its tokens).
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A registered certificate's public key and thumbprints.
#[derive(Debug, Clone)]
pub(crate) struct CertKey {
    pub(crate) key: RsaPublicKey,
    /// base64url(SHA-256(DER)), the `x5t#S256` header.
    pub(crate) x5t_s256: String,
    /// base64url(SHA-1(DER)), the legacy `x5t` header.
    pub(crate) x5t: String,
}

/// Parses a DER certificate and extracts its RSA public key.
pub(crate) fn certificate_key(der: &[u8]) -> Result<CertKey, String> {
    use x509_cert::der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| format!("not a DER X.509 certificate: {e}"))?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| format!("bad public key: {e}"))?;
    let key = RsaPublicKey::from_public_key_der(&spki).map_err(|e| format!("not an RSA certificate: {e}"))?;
    Ok(CertKey {
        key,
        x5t_s256: URL_SAFE_NO_PAD.encode(Sha256::digest(der)),
        x5t: URL_SAFE_NO_PAD.encode(<sha1::Sha1 as Digest>::digest(der)),
    })
}

#[derive(Debug, Clone)]
struct App {
    reg: AppRegistration,
    certs: Vec<CertKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
    Redeemed,
}

#[derive(Debug, Clone)]
struct DeviceCode {
    user_code: String,
    client_id: String,
    scope: String,
    expires_at_ms: i64,
    interval_ms: i64,
    last_poll_ms: Option<i64>,
    status: DeviceStatus,
}

#[derive(Debug, Clone)]
struct Refresh {
    client_id: String,
    user_id: String,
    scope: String,
}

#[derive(Debug, Default)]
struct Inner {
    apps: Vec<App>,
    device_codes: HashMap<String, DeviceCode>,
    refresh_tokens: HashMap<String, Refresh>,
    /// Client assertion `jti`s seen, with their `exp` (ms).
    jtis: HashMap<String, i64>,
}

/// Auth state.
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    inner: Mutex<Inner>,
}

/// What an access token says.
#[derive(Debug, Clone)]
pub(crate) struct TokenClaims {
    pub(crate) app_id: String,
    pub(crate) user_id: Option<String>,
}

/// Why a token was rejected.
#[derive(Debug)]
pub(crate) enum TokenProblem {
    Missing,
    Invalid(&'static str),
    /// Expired this many ms ago.
    Expired(i64),
}

impl AuthState {
    pub(crate) fn new(apps: &[AppRegistration]) -> Result<Self, String> {
        let state = AuthState::default();
        for a in apps {
            state.register_app(a.clone())?;
        }
        Ok(state)
    }

    pub(crate) fn register_app(&self, reg: AppRegistration) -> Result<(), String> {
        let certs = reg.certificates.iter().map(|c| certificate_key(c)).collect::<Result<Vec<_>, _>>()?;
        let mut g = lock(&self.inner);
        g.apps.retain(|a| a.reg.client_id != reg.client_id);
        g.apps.push(App { reg, certs });
        Ok(())
    }

    /// Registers a certificate for an existing app; returns its `x5t#S256`.
    pub(crate) fn add_certificate(&self, client_id: &str, der: &[u8]) -> Result<String, String> {
        let key = certificate_key(der)?;
        let thumb = key.x5t_s256.clone();
        let mut g = lock(&self.inner);
        let app =
            g.apps.iter_mut().find(|a| a.reg.client_id == client_id).ok_or_else(|| format!("no app '{client_id}'"))?;
        app.reg.certificates.push(der.to_vec());
        app.certs.push(key);
        Ok(thumb)
    }

    pub(crate) fn apps(&self) -> Vec<AppRegistration> {
        lock(&self.inner).apps.iter().map(|a| a.reg.clone()).collect()
    }

    /// Approves or declines a pending device code by its user code.
    pub(crate) fn decide_device_code(&self, user_code: &str, user: Option<String>) -> Result<(), String> {
        let mut g = lock(&self.inner);
        let dc = g
            .device_codes
            .values_mut()
            .find(|d| d.user_code.eq_ignore_ascii_case(user_code.trim()))
            .ok_or_else(|| format!("no device code with user code '{user_code}'"))?;
        if dc.status != DeviceStatus::Pending {
            return Err(format!("the device code '{user_code}' is no longer pending"));
        }
        dc.status = match user {
            Some(u) => DeviceStatus::Approved(u),
            None => DeviceStatus::Declined,
        };
        Ok(())
    }

    pub(crate) fn pending_user_codes(&self, now_ms: i64) -> Vec<String> {
        let g = lock(&self.inner);
        let mut v: Vec<String> = g
            .device_codes
            .values()
            .filter(|d| d.status == DeviceStatus::Pending && d.expires_at_ms > now_ms)
            .map(|d| d.user_code.clone())
            .collect();
        v.sort();
        v
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

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

/// Issues an access token.
pub(crate) fn issue_access_token(
    shared: &Shared,
    client_id: &str,
    user: Option<(&str, &str)>,
    scope: Option<&str>,
    lifetime_ms: i64,
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
    let header = json!({"typ": "JWT", "alg": "HS256", "kid": "msgraph-emulator"});
    let signing_input = format!("{}.{}", b64json(&header), b64json(&claims));
    let sig = URL_SAFE_NO_PAD.encode(hs256(&shared.secret, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
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
        Ok(c) => Ok(Caller { app_id: c.app_id, user_id: c.user_id }),
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

// ---------------------------------------------------------------------------------------------
// Token endpoint

/// A parsed form body.
type Form = HashMap<String, String>;

fn parse_form(content_type: Option<&str>, body: &[u8]) -> Result<Form, AadError> {
    let ok = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
        .unwrap_or(false);
    if !ok {
        return Err(missing("grant_type"));
    }
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        out.insert(k.into_owned(), v.into_owned());
    }
    Ok(out)
}

fn missing(param: &str) -> AadError {
    AadError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

fn required<'a>(form: &'a Form, name: &str) -> Result<&'a str, AadError> {
    form.get(name).map(String::as_str).filter(|s| !s.is_empty()).ok_or_else(|| missing(name))
}

/// Which OAuth endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Token,
    DeviceCode,
}

/// Handles `POST /{tenant}/oauth2/v2.0/{token|devicecode}`.
pub(crate) fn oauth(
    shared: &Shared,
    endpoint: Endpoint,
    tenant: &str,
    content_type: Option<&str>,
    body: &[u8],
    meta: &RequestMeta,
) -> (Response, Option<String>) {
    let mut client = None;
    let result = (|| {
        let known_tenant = tenant.eq_ignore_ascii_case(&shared.tenant_id)
            || shared.seed.domains.iter().any(|d| d.eq_ignore_ascii_case(tenant));
        let multi = matches!(tenant.to_ascii_lowercase().as_str(), "common" | "organizations");
        if !(known_tenant || (multi && endpoint == Endpoint::DeviceCode)) {
            return Err(AadError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90002,
                format!(
                    "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
                    truncate(tenant, 100)
                ),
            ));
        }
        let form = parse_form(content_type, body)?;
        client = form.get("client_id").cloned();
        match endpoint {
            Endpoint::DeviceCode => device_code_start(shared, &form),
            Endpoint::Token => {
                let grant = required(&form, "grant_type")?;
                match grant {
                    "client_credentials" => client_credentials(shared, tenant, &form),
                    DEVICE_CODE_GRANT => device_code_poll(shared, &form),
                    "refresh_token" => refresh(shared, &form),
                    other => Err(AadError::new(
                        StatusCode::BAD_REQUEST,
                        "unsupported_grant_type",
                        70003,
                        format!("The app requested an unsupported grant type '{}'.", truncate(other, 100)),
                    )),
                }
            }
        }
    })();
    let resp = match result {
        Ok(v) => {
            let mut r = Response::json(StatusCode::OK, &v);
            r.headers.insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
            );
            r.headers
                .insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-store, no-cache"));
            r
        }
        Err(e) => e.into_response(meta),
    };
    (resp, client)
}

fn find_app(shared: &Shared, client_id: &str) -> Result<App, AadError> {
    lock(&shared.auth.inner).apps.iter().find(|a| a.reg.client_id == client_id).cloned().ok_or_else(|| {
        AadError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                truncate(client_id, 100),
                shared.seed.tenant_name
            ),
        )
    })
}

fn lifetime_ms(shared: &Shared) -> i64 {
    i64::try_from(shared.config.token_lifetime.as_millis()).unwrap_or(i64::MAX / 4)
}

fn expires_in(shared: &Shared) -> u64 {
    let ms = shared.config.token_lifetime.as_millis();
    u64::try_from(ms.div_ceil(1000)).unwrap_or(u64::MAX)
}

fn check_graph_default_scope(shared: &Shared, scope: &str) -> Result<(), AadError> {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let invalid = |msg: String| AadError::new(StatusCode::BAD_REQUEST, "invalid_scope", 1002012, msg);
    let [single] = scopes.as_slice() else {
        return Err(invalid(format!(
            "The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            truncate(scope, 200)
        )));
    };
    let Some(resource) = single.strip_suffix("/.default") else {
        return Err(invalid(format!(
            "The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            truncate(scope, 200)
        )));
    };
    let resource = resource.trim_end_matches('/');
    let ok = resource.eq_ignore_ascii_case("https://graph.microsoft.com")
        || resource.eq_ignore_ascii_case(GRAPH_APP_ID)
        || resource.eq_ignore_ascii_case(&shared.urls.origin)
        || resource.eq_ignore_ascii_case(&shared.urls.base);
    if !ok {
        return Err(AadError::new(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {} was not found in the tenant named {}. The emulator only issues tokens for Microsoft Graph (https://graph.microsoft.com/.default).",
                truncate(resource, 200),
                shared.seed.tenant_name
            ),
        ));
    }
    Ok(())
}

fn token_response(shared: &Shared, token: String, scope: Option<&str>, refresh: Option<String>) -> Value {
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

fn client_credentials(shared: &Shared, tenant: &str, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    let app = find_app(shared, client_id)?;
    let scope = required(form, "scope")?;
    match (form.get("client_secret"), form.get("client_assertion")) {
        (Some(secret), None) => {
            if app.reg.client_secret.as_deref() != Some(secret.as_str()) {
                return Err(AadError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                ));
            }
        }
        (None, Some(assertion)) => {
            let kind = form.get("client_assertion_type").map(String::as_str).unwrap_or("");
            if kind != JWT_BEARER {
                return Err(AadError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    50027,
                    format!("Invalid client_assertion_type '{}': expected '{JWT_BEARER}'.", truncate(kind, 100)),
                ));
            }
            let token_url = format!("{}/{}/oauth2/v2.0/token", shared.urls.origin, tenant);
            verify_assertion(shared, &app, assertion, &token_url)?;
        }
        (Some(_), Some(_)) => {
            return Err(AadError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                7000218,
                "Send either client_secret or client_assertion, not both.",
            ))
        }
        (None, None) => {
            return Err(AadError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            ))
        }
    }
    check_graph_default_scope(shared, scope)?;
    let token = issue_access_token(shared, client_id, None, None, lifetime_ms(shared));
    Ok(token_response(shared, token, None, None))
}

fn assertion_error(status: StatusCode, code: u32, msg: impl Into<String>) -> AadError {
    let error = if status == StatusCode::UNAUTHORIZED { "invalid_client" } else { "invalid_request" };
    AadError::new(status, error, code, msg)
}

/// Verifies a client assertion JWT: RS256/PS256 signature by a registered certificate (found
/// by `x5t#S256`, or legacy `x5t`), `aud` = the token URL, `iss` = `sub` = client id,
/// `nbf`/`exp`, unique `jti`.
fn verify_assertion(shared: &Shared, app: &App, jwt: &str, token_url: &str) -> Result<(), AadError> {
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

// ---------------------------------------------------------------------------------------------
// Device code

fn device_code_start(shared: &Shared, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    find_app(shared, client_id)?;
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

fn delegated_scope(requested: &str) -> String {
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

fn user_tokens(shared: &Shared, client_id: &str, user_id: &str, requested_scope: &str) -> Value {
    let scp = delegated_scope(requested_scope);
    let upn = user_upn(shared, user_id);
    let token = issue_access_token(shared, client_id, Some((user_id, &upn)), Some(&scp), lifetime_ms(shared));
    let refresh = requested_scope.split_whitespace().any(|s| s == "offline_access").then(|| {
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
        let header = json!({"typ": "JWT", "alg": "HS256", "kid": "msgraph-emulator"});
        let input = format!("{}.{}", b64json(&header), b64json(&claims));
        let sig = URL_SAFE_NO_PAD.encode(hs256(&shared.secret, input.as_bytes()));
        if let Value::Object(m) = &mut v {
            m.insert("id_token".into(), format!("{input}.{sig}").into());
        }
    }
    v
}

fn device_code_poll(shared: &Shared, form: &Form) -> Result<Value, AadError> {
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
            drop(g);
            Ok(user_tokens(shared, &client, &user, &scope))
        }
    }
}

fn refresh(shared: &Shared, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    let token = required(form, "refresh_token")?;
    let entry = lock(&shared.auth.inner).refresh_tokens.remove(token);
    let Some(r) = entry.filter(|r| r.client_id == client_id) else {
        return Err(AadError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid: the refresh token is unknown, already used or issued to another client.",
        ));
    };
    let scope = form.get("scope").cloned().unwrap_or(r.scope);
    Ok(user_tokens(shared, client_id, &r.user_id, &scope))
}
