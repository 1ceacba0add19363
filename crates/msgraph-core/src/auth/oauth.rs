//! What the OAuth credentials share: the Microsoft identity platform v2 endpoints of a tenant,
//! a small pipeline to reach them (request id, user agent, tracing, retry on 429/503/504,
//! gzip, timeout — no auth, no redirects), and token response parsing.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use url::Url;

use super::Secret;
use crate::cloud::NationalCloud;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Body, HttpRequest, HttpResponse, HttpTransport, Method};
use crate::pipeline::{
    ClientRequestIdPolicy, Context, DecompressionPolicy, Pipeline, Policy, RetryOptions, RetryPolicy, TimeoutPolicy,
    TracingPolicy, UserAgentPolicy,
};
use msgraph_codec::json::{Reader, Token};

/// A tenant's token endpoints and the means to call them.
pub(crate) struct OAuthClient {
    tenant: String,
    authority: String,
    transport: OnceLock<Arc<dyn HttpTransport>>,
    pipeline: OnceLock<Pipeline>,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient").field("tenant", &self.tenant).field("authority", &self.authority).finish()
    }
}

/// A tenant id, domain or one of `common`, `organizations`, `consumers`.
pub(crate) fn validate_tenant(tenant: &str) -> Result<()> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 256
        && !tenant.starts_with('.')
        && tenant.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "invalid tenant {tenant:?}: a tenant id (GUID), domain or common/organizations/consumers is expected"
        )))
    }
}

impl OAuthClient {
    pub(crate) fn new(tenant: String) -> OAuthClient {
        OAuthClient {
            tenant,
            authority: NationalCloud::Global.login_endpoint().to_string(),
            transport: OnceLock::new(),
            pipeline: OnceLock::new(),
        }
    }

    pub(crate) fn set_authority(&mut self, authority: &str) {
        self.authority = authority.trim_end_matches('/').to_string();
    }

    pub(crate) fn tenant(&self) -> &str {
        &self.tenant
    }

    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    pub(crate) fn set_transport(&self, transport: &Arc<dyn HttpTransport>) {
        let _ = self.transport.set(transport.clone());
    }

    fn pipeline(&self) -> Result<&Pipeline> {
        if let Some(p) = self.pipeline.get() {
            return Ok(p);
        }
        let transport = match self.transport.get() {
            Some(t) => t.clone(),
            None => crate::transport::default_transport()?,
        };
        let policies: Vec<Arc<dyn Policy>> = vec![
            Arc::new(ClientRequestIdPolicy),
            Arc::new(UserAgentPolicy::new(None)),
            Arc::new(TracingPolicy),
            Arc::new(RetryPolicy::new(RetryOptions::new().base_delay(Duration::from_secs(1)))),
            Arc::new(DecompressionPolicy),
            Arc::new(TimeoutPolicy::new(Some(Duration::from_secs(30)))),
        ];
        let _ = self.pipeline.set(Pipeline::new(policies, transport));
        self.pipeline.get().ok_or_else(|| Error::new(ErrorKind::Auth, "token endpoint pipeline unavailable"))
    }

    /// `{authority}/{tenant}/oauth2/v2.0/{leaf}`.
    pub(crate) fn endpoint(&self, leaf: &str) -> Result<Url> {
        validate_tenant(&self.tenant)?;
        let base = crate::http::parse_http_url(&self.authority).map_err(|e| e.context("invalid authority host"))?;
        if base.scheme() != "https" && !crate::http::is_loopback(&base) {
            return Err(Error::validation("the authority host must use https"));
        }
        let mut url = base;
        url.set_query(None);
        url.set_fragment(None);
        let path = format!("{}/{}/oauth2/v2.0/{leaf}", url.path().trim_end_matches('/'), self.tenant);
        url.set_path(&path);
        Ok(url)
    }

    /// POSTs a form; any answer (success or not) is returned.
    pub(crate) async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Result<HttpResponse> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form.iter()).finish();
        let mut request = HttpRequest::from_url(Method::Post, url.clone());
        request.headers_mut().set_static("content-type", "application/x-www-form-urlencoded");
        request.headers_mut().set_static("accept", "application/json");
        request.set_body(Body::from_bytes(body.into_bytes()));
        let ctx = Context::new().with_max_response_bytes(1024 * 1024).with_skip_auth(true);
        self.pipeline()?.send(&ctx, &mut request).await.map_err(|e| match e.kind() {
            ErrorKind::Transport | ErrorKind::Timeout => e.context("token endpoint unreachable"),
            _ => e,
        })
    }

    /// POSTs a token request and parses the answer; error answers become [`ErrorKind::Auth`].
    pub(crate) async fn token(&self, form: &[(&str, &str)]) -> Result<TokenResponse> {
        let url = self.endpoint("token")?;
        let response = self.post_form(&url, form).await?;
        if !response.is_success() {
            return Err(auth_error(&response));
        }
        parse_token_response(response.body())
    }
}

/// How a confidential client (an app with credentials of its own) proves who it is.
pub(crate) enum ClientProof<'a> {
    /// `client_secret`.
    Secret(&'a str),
    /// A signed `client_assertion` (certificate credentials).
    Assertion(&'a str),
}

impl OAuthClient {
    /// An access token for a confidential client: `grant` (the grant type and its own
    /// parameters), then the client id, its proof, the request's scopes and claims.
    pub(crate) async fn client_token(
        &self,
        client_id: &str,
        proof: ClientProof<'_>,
        grant: &[(&str, &str)],
        request: &super::TokenRequest<'_>,
    ) -> Result<super::AccessToken> {
        let scope = request.scopes().join(" ");
        let mut form = grant.to_vec();
        form.push(("client_id", client_id));
        match proof {
            ClientProof::Secret(secret) => form.push(("client_secret", secret)),
            ClientProof::Assertion(assertion) => {
                form.push(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
                form.push(("client_assertion", assertion));
            }
        }
        form.push(("scope", scope.as_str()));
        if let Some(claims) = request.claims() {
            form.push(("claims", claims));
        }
        let t = self.token(&form).await?;
        Ok(super::AccessToken::new(t.access_token, t.expires_in))
    }
}

/// An error answer of the token endpoint as an [`ErrorKind::Auth`] error.
pub(crate) fn auth_error(response: &HttpResponse) -> Error {
    response.to_error().rekind(ErrorKind::Auth, "token request failed")
}

/// A successful token answer.
pub(crate) struct TokenResponse {
    pub(crate) access_token: Secret,
    pub(crate) expires_in: Duration,
    pub(crate) refresh_token: Option<Secret>,
}

/// Reads a number that may arrive as a JSON number or a numeric string.
pub(crate) fn read_u64(r: &mut Reader<'_>) -> Option<u64> {
    match r.peek().ok()? {
        Token::Number => r.read_number_text().ok()?.parse::<u64>().ok(),
        Token::String => r.read_str().ok()?.trim().parse::<u64>().ok(),
        _ => {
            r.skip_value().ok()?;
            None
        }
    }
}

pub(crate) fn read_string(r: &mut Reader<'_>) -> Result<Option<String>> {
    Ok(match r.peek()? {
        Token::String => Some(r.read_str()?.into_owned()),
        _ => {
            r.skip_value()?;
            None
        }
    })
}

pub(crate) fn parse_token_response(body: &[u8]) -> Result<TokenResponse> {
    let bad = |e: Error| e.rekind(ErrorKind::Auth, "invalid token endpoint response");
    let mut r = Reader::new(body);
    let mut access = None;
    let mut refresh = None;
    let mut expires_in = None;
    (|| -> Result<()> {
        r.begin_object()?;
        while let Some(k) = r.next_key()? {
            match &*k {
                "access_token" => access = read_string(&mut r)?,
                "refresh_token" => refresh = read_string(&mut r)?,
                "expires_in" => expires_in = read_u64(&mut r),
                _ => r.skip_value()?,
            }
        }
        r.finish()?;
        Ok(())
    })()
    .map_err(bad)?;
    let access = access
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Error::new(ErrorKind::Auth, "token endpoint response has no access_token"))?;
    if !super::is_valid_token(&access) {
        return Err(Error::new(
            ErrorKind::Auth,
            "the token endpoint answered an access_token that is not a valid `authorization` header value \
             (control character, space or non-ASCII)",
        ));
    }
    Ok(TokenResponse {
        access_token: Secret::new(access),
        expires_in: Duration::from_secs(expires_in.unwrap_or(3599)),
        refresh_token: refresh.map(Secret::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_responses_parse() {
        let t = parse_token_response(
            br#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ"}"#,
        )
        .unwrap();
        assert_eq!((t.access_token.expose(), t.expires_in.as_secs()), ("eyJ", 3599));
        let t = parse_token_response(br#"{"expires_in":"120","access_token":"a","refresh_token":"r"}"#).unwrap();
        assert_eq!((t.expires_in.as_secs(), t.refresh_token.unwrap().expose()), (120, "r"));
        for bad in [&b""[..], b"{", b"{}", b"[]", br#"{"access_token":""}"#, b"<html>"] {
            assert_eq!(parse_token_response(bad).err().unwrap().kind(), ErrorKind::Auth);
        }
    }

    #[test]
    fn endpoints_and_tenants() {
        let c = OAuthClient::new("contoso.onmicrosoft.com".into());
        assert_eq!(
            c.endpoint("token").unwrap().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let mut c = OAuthClient::new("t".into());
        c.set_authority("http://127.0.0.1:9999/login/");
        assert_eq!(c.endpoint("devicecode").unwrap().as_str(), "http://127.0.0.1:9999/login/t/oauth2/v2.0/devicecode");
        c.set_authority("http://login.example");
        assert!(c.endpoint("token").is_err());
        for bad in ["", "a/b", "a?b", "..", "..%2f", "x y"] {
            assert!(OAuthClient::new(bad.into()).endpoint("token").is_err(), "{bad}");
        }
    }
}
