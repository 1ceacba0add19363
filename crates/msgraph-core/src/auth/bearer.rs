//! `Authorization: Bearer <token>` — only for requests to the allowed origins (the configured
//! cloud's or base URL's), never after a redirect to another origin, never when the request
//! asks for none (pre-authenticated upload URLs).
//!
//! A `401` carrying a claims challenge (`WWW-Authenticate: Bearer ... claims="<base64 JSON>"`,
//! continuous access evaluation) gets one retry with a token acquired for those claims.

use std::sync::Arc;

use base64::Engine as _;
use url::{Origin, Url};

use super::{AccessToken, TokenProvider, TokenRequest};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, Context, HttpRequest, HttpResponse};
use crate::pipeline::{Next, Policy};

/// Attaches bearer tokens.
#[derive(Debug, Clone)]
pub struct BearerTokenPolicy {
    provider: Arc<dyn TokenProvider>,
    scopes: Arc<[String]>,
    allowed: Arc<[Origin]>,
}

impl BearerTokenPolicy {
    /// Tokens for `scopes` from `provider` (wrap it in a [`crate::auth::CachingTokenProvider`]), attached to
    /// requests whose scheme, host and port match one of `allowed`.
    pub fn new(provider: Arc<dyn TokenProvider>, scopes: Vec<String>, allowed: Vec<Origin>) -> BearerTokenPolicy {
        BearerTokenPolicy { provider, scopes: scopes.into(), allowed: allowed.into() }
    }

    /// Whether a token would be attached to `url`.
    pub fn is_allowed(&self, url: &Url) -> bool {
        let o = url.origin();
        self.allowed.contains(&o)
    }
}

/// The decoded `claims` of a `WWW-Authenticate: Bearer` challenge.
pub(crate) fn claims_challenge(header: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let start = lower.find("claims=\"")? + "claims=\"".len();
    let rest = header.get(start..)?;
    let value = &rest[..rest.find('"')?];
    if value.is_empty() {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')))
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(decoded.unwrap_or_else(|| value.to_string()))
}

/// `Bearer <token>`, or an [`ErrorKind::Auth`] error naming the header when the provider handed
/// out a token that cannot be sent (the token is not echoed).
fn bearer_value(token: &AccessToken) -> Result<String> {
    let t = token.token().expose();
    if !super::is_valid_token(t) {
        return Err(Error::new(
            ErrorKind::Auth,
            "the token provider returned a token that is not a valid `authorization` header value \
             (empty, or a control character, space or non-ASCII in it)",
        ));
    }
    Ok(format!("Bearer {t}"))
}

impl Policy for BearerTokenPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        if ctx.skip_auth() || request.cross_origin || !self.is_allowed(request.parsed_url()) {
            return next.send(ctx, request);
        }
        Box::pin(async move {
            let token = self.provider.get_token(&TokenRequest::new(&self.scopes)).await.map_err(|e| {
                if e.kind() == ErrorKind::Auth {
                    e
                } else {
                    e.context("could not get a token")
                }
            })?;
            request.headers_mut().set_static("authorization", bearer_value(&token)?);
            let response = next.send(ctx, request).await?;
            if response.status() != 401 || !request.body().is_replayable() {
                return Ok(response);
            }
            let Some(claims) = response.headers().get("www-authenticate").and_then(claims_challenge) else {
                return Ok(response);
            };
            tracing::debug!("401 with a claims challenge: acquiring a new token");
            let req = TokenRequest::new(&self.scopes).with_claims(Some(&claims));
            let token = self.provider.get_token(&req).await?;
            request.headers_mut().set_static("authorization", bearer_value(&token)?);
            next.send(ctx, request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AccessToken, StaticTokenProvider};
    use crate::http::Method;
    use crate::pipeline::testing::*;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Recording(Mutex<Vec<Option<String>>>);
    impl TokenProvider for Recording {
        fn get_token<'a>(&'a self, r: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
            self.0.lock().unwrap().push(r.claims().map(str::to_string));
            let n = self.0.lock().unwrap().len();
            Box::pin(async move { Ok(AccessToken::without_expiry(format!("tok{n}"))) })
        }
    }

    fn policy(p: Arc<dyn TokenProvider>) -> BearerTokenPolicy {
        let origin = Url::parse("https://graph.microsoft.com").unwrap().origin();
        BearerTokenPolicy::new(p, vec!["https://graph.microsoft.com/.default".into()], vec![origin])
    }

    #[tokio::test]
    async fn only_allowed_origins_get_a_token() {
        let t = ScriptTransport::new(vec![resp(200, &[], "")]);
        let p = pipeline(vec![Arc::new(policy(Arc::new(StaticTokenProvider::new("T"))))], &t);
        for url in [
            "https://graph.microsoft.com/v1.0/me",
            "https://graph.microsoft.com:443/v1.0/me",
            "https://evil.example/v1.0/me",
            "http://graph.microsoft.com/v1.0/me",
            "https://graph.microsoft.com:8443/v1.0/me",
            "https://graph.microsoft.com.evil.example/v1.0/me",
        ] {
            let mut r = HttpRequest::new(Method::Get, url).unwrap();
            p.send(&Context::new(), &mut r).await.unwrap();
        }
        let mut r = HttpRequest::new(Method::Get, "https://graph.microsoft.com/upload").unwrap();
        p.send(&Context::new().with_skip_auth(true), &mut r).await.unwrap();
        let got: Vec<bool> = t.seen().iter().map(|s| s.headers.get("authorization") == Some("Bearer T")).collect();
        assert_eq!(got, [true, true, false, false, false, false, false]);
    }

    #[tokio::test]
    async fn claims_challenge_retries_once_with_claims() {
        let claims = r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}"#;
        let b64 = base64::engine::general_purpose::STANDARD.encode(claims);
        let challenge = format!(
            r#"Bearer realm="", authorization_uri="https://login", error="insufficient_claims", claims="{b64}""#
        );
        let t = ScriptTransport::new(vec![resp(401, &[("www-authenticate", &challenge)], ""), resp(200, &[], "")]);
        let provider = Arc::new(Recording::default());
        let p = pipeline(vec![Arc::new(policy(provider.clone()))], &t);
        let mut r = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap();
        assert_eq!(p.send(&Context::new(), &mut r).await.unwrap().status(), 200);
        assert_eq!(*provider.0.lock().unwrap(), vec![None, Some(claims.to_string())]);
        let seen = t.seen();
        assert_eq!(seen[1].headers.get("authorization"), Some("Bearer tok2"));
        // A plain 401 is returned as is.
        let t = ScriptTransport::new(vec![resp(401, &[("www-authenticate", "Bearer realm=\"\"")], "")]);
        let p = pipeline(vec![Arc::new(policy(provider.clone()))], &t);
        assert_eq!(p.send(&Context::new(), &mut r).await.unwrap().status(), 401);
        assert_eq!(t.seen().len(), 1);
    }

    #[test]
    fn claims_parsing() {
        assert_eq!(claims_challenge(r#"Bearer claims="eyJhIjoxfQ==""#).as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(claims_challenge(r#"Bearer CLAIMS="eyJhIjoxfQ""#).as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(claims_challenge(r#"Bearer realm="x""#), None);
        assert_eq!(claims_challenge(r#"Bearer claims=""#), None);
        assert_eq!(claims_challenge(r#"Bearer claims="""#), None);
    }
}
