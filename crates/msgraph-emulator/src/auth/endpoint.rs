//! The token endpoints: `POST /{tenant}/oauth2/v2.0/token` (client credentials with a secret
//! or a certificate-signed `client_assertion`, device code, refresh token) and
//! `POST /{tenant}/oauth2/v2.0/devicecode`.

use hyper::StatusCode;
use serde_json::Value;

use super::assertion::verify_assertion;
use super::device;
use super::form::{parse_form, required, Form};
use super::token::{issue_access_token, lifetime_ms, token_response};
use crate::errors::{truncate, AadError, RequestMeta, Response};
use crate::state::Shared;

/// Graph's application id (the resource of its tokens).
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

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

fn client_credentials(shared: &Shared, tenant: &str, form: &Form) -> Result<Value, AadError> {
    let client_id = required(form, "client_id")?;
    let app = shared.auth.find_app(client_id, &shared.seed.tenant_name)?;
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
