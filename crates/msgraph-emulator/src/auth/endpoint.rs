//! The token endpoints: `POST /{tenant}/oauth2/v2.0/token` (client credentials with a secret
//! or a certificate-signed `client_assertion`, device code, refresh token) and
//! `POST /{tenant}/oauth2/v2.0/devicecode`.

use hyper::StatusCode;
use serde_json::Value;

use super::assertion::verify_assertion;
use super::form::{parse_form, required, Form};
use super::token::{issue_access_token_ext, lifetime_ms, token_response, validate};
use super::{authorize, device};
use crate::errors::{truncate, AadError, RequestMeta, Response};
use crate::state::Shared;

/// Graph's application id (the resource of its tokens).
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The on-behalf-of grant.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

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
            Endpoint::DeviceCode => device::start(shared, &form),
            Endpoint::Token => {
                let grant = required(&form, "grant_type")?;
                match grant {
                    "client_credentials" => client_credentials(shared, tenant, &form),
                    DEVICE_CODE_GRANT => device::poll(shared, &form),
                    "refresh_token" => device::refresh(shared, &form),
                    "authorization_code" => authorize::redeem(shared, &form),
                    JWT_BEARER_GRANT => on_behalf_of(shared, tenant, &form),
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

/// Authenticates a confidential client by its secret or a certificate-signed assertion.
fn authenticate_client(shared: &Shared, tenant: &str, form: &Form, grant: &str) -> Result<(), AadError> {
    let client_id = required(form, "client_id")?;
    let app = shared.auth.find_app(client_id, &shared.seed.tenant_name)?;
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
                format!("'client_assertion', 'client_secret' or 'request' is required for the '{grant}' grant type."),
            ))
        }
    }
    Ok(())
}

fn client_credentials(shared: &Shared, tenant: &str, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    authenticate_client(shared, tenant, form, "client_credentials")?;
    let scope = required(form, "scope")?;
    check_graph_default_scope(shared, scope)?;
    let claims = form.get("claims").map(String::as_str);
    let token = issue_access_token_ext(shared, client_id, None, None, lifetime_ms(shared), claims);
    Ok(token_response(shared, token, None, None))
}

/// The on-behalf-of flow: a confidential client (a web API) exchanges the delegated token its
/// caller sent (`assertion`) for a Graph token of the same user. The emulator accepts any
/// unexpired delegated token it issued as the assertion (the real service also checks that
/// its audience is the middle-tier app).
fn on_behalf_of(shared: &Shared, tenant: &str, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    authenticate_client(shared, tenant, form, JWT_BEARER_GRANT)?;
    let use_ = form.get("requested_token_use").map(String::as_str).unwrap_or("");
    if use_ != "on_behalf_of" {
        return Err(AadError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50034,
            format!("requested_token_use must be 'on_behalf_of', not '{}'.", truncate(use_, 50)),
        ));
    }
    let assertion = required(form, "assertion")?;
    let scope = required(form, "scope")?;
    let bad = |why: &str| {
        AadError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50013,
            format!("Assertion failed signature validation: {why}."),
        )
    };
    let claims = match validate(shared, Some(&format!("Bearer {assertion}"))) {
        Ok(c) => c,
        Err(super::token::TokenProblem::Expired(_)) => {
            return Err(AadError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                500133,
                "Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion.",
            ))
        }
        Err(_) => return Err(bad("the assertion is not a token this emulator issued")),
    };
    let Some(user) = claims.user_id else {
        return Err(bad("the assertion is an app-only token: on-behalf-of needs a delegated (user) token"));
    };
    let mut g = crate::sync::lock(&shared.auth.inner);
    let consented = g.consents.entry((client_id.to_string(), user.clone())).or_default();
    consented.extend(device::delegated_scope(scope).split_whitespace().map(str::to_ascii_lowercase));
    drop(g);
    Ok(device::user_tokens(shared, client_id, &user, scope, form.get("claims").map(String::as_str)))
}
