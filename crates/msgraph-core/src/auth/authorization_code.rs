//! The authorization code flow with PKCE (S256) and a loopback redirect: how desktop and
//! command-line apps sign a user in with their browser. See [`AuthorizationCodeCredential`].

use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::cache::{CacheKey, TokenCache};
use super::oauth::OAuthClient;
use super::session::{scope_param, Session, Silent};
use super::{AccessToken, TokenProvider, TokenRequest};
use crate::cloud::NationalCloud;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, HttpTransport};

type OpenUrl = Arc<dyn Fn(&Url) + Send + Sync>;

/// Default time the user has to finish signing in.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Most requests the listener answers while waiting (stray `/favicon.ico` and the like).
const MAX_STRAY_REQUESTS: usize = 16;
/// Largest request head read from the browser.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// Signs a user in with the authorization code flow and PKCE:
///
/// 1. A one-shot listener is bound on `127.0.0.1` with a random port (or the one configured);
///    the redirect URI is `http://127.0.0.1:PORT/` (register `http://localhost` as a "Mobile
///    and desktop applications" redirect URI: the identity platform accepts any port on
///    loopback).
/// 2. The authorize URL (`{login host}/{tenant}/oauth2/v2.0/authorize?…`, with a random `state`
///    and the `code_challenge`) is handed to a callback that opens a browser or prints it.
/// 3. The browser comes back to the listener: the `state` is checked, an `error=` is reported,
///    and the code is redeemed with the `code_verifier`. The listener closes; it waits at most
///    the configured timeout (default 5 minutes) and serves at most a few stray requests
///    (`/favicon.ico`) before giving up.
/// 4. The refresh token (`offline_access` is always asked for) is kept in the
///    [`TokenCache`] (in memory by default, [`FileTokenCache`](super::FileTokenCache) to keep
///    it across runs): later tokens, for the same or more scopes, come from it silently; scopes
///    the user has not consented to yet trigger a new sign-in for all scopes so far.
///
/// ```no_run
/// # async fn demo() -> msgraph_core::error::Result<()> {
/// use std::sync::Arc;
/// use msgraph_core::auth::{AuthorizationCodeCredential, FileTokenCache};
///
/// let credential = AuthorizationCodeCredential::new("organizations", "YOUR-CLIENT-ID", |url| {
///     println!("Open this URL to sign in:\n{url}");
/// })
/// .with_cache(Arc::new(FileTokenCache::new(".msgraph-tokens")));
/// # let _ = credential; Ok(()) }
/// ```
pub struct AuthorizationCodeCredential {
    client_id: String,
    open: OpenUrl,
    oauth: OAuthClient,
    session: Session,
    timeout: Duration,
    port: u16,
    login_hint: Option<String>,
    interactive: tokio::sync::Mutex<()>,
}

impl AuthorizationCodeCredential {
    /// A public client `client_id` in `tenant` (`organizations`, `common`, `consumers` or a
    /// tenant id/domain) of the Global cloud; `open` receives the authorize URL (open a
    /// browser on it, or print it).
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        open: impl Fn(&Url) + Send + Sync + 'static,
    ) -> AuthorizationCodeCredential {
        let tenant = tenant.into();
        let client_id = client_id.into();
        let oauth = OAuthClient::new(tenant.clone());
        let key = CacheKey::new(oauth.authority(), tenant, client_id.clone(), "default");
        AuthorizationCodeCredential {
            client_id,
            open: Arc::new(open),
            oauth,
            session: Session::new(key, None),
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
            port: 0,
            login_hint: None,
            interactive: tokio::sync::Mutex::new(()),
        }
    }

    fn rekey(&mut self) {
        let account = self.login_hint.clone().unwrap_or_else(|| "default".into());
        let key = CacheKey::new(self.oauth.authority(), self.oauth.tenant(), self.client_id.clone(), account);
        self.session.set_key(key);
    }

    /// Uses the login host of a national cloud (the authorize and token endpoints are
    /// `{login host}/{tenant}/oauth2/v2.0/…` on every cloud).
    pub fn with_cloud(self, cloud: NationalCloud) -> AuthorizationCodeCredential {
        self.with_authority_host(cloud.login_endpoint())
    }

    /// Uses another login host (must be `https`, or `http` on a loopback address for tests).
    pub fn with_authority_host(mut self, authority: &str) -> AuthorizationCodeCredential {
        self.oauth.set_authority(authority);
        self.rekey();
        self
    }

    /// Keeps the refresh token in `cache` (e.g. a [`FileTokenCache`](super::FileTokenCache), so
    /// the next run signs in silently).
    pub fn with_cache(mut self, cache: Arc<dyn TokenCache>) -> AuthorizationCodeCredential {
        self.session.set_cache(cache);
        self
    }

    /// How long the user has to finish signing in (default 5 minutes).
    pub fn with_timeout(mut self, timeout: Duration) -> AuthorizationCodeCredential {
        self.timeout = timeout;
        self
    }

    /// Listens on this port instead of a random one (for redirect URIs registered with a port).
    pub fn with_redirect_port(mut self, port: u16) -> AuthorizationCodeCredential {
        self.port = port;
        self
    }

    /// Pre-fills the user name on the sign-in page (`login_hint`); also the account part of
    /// the cache key, so several users can each keep their own session.
    pub fn with_login_hint(mut self, user: impl Into<String>) -> AuthorizationCodeCredential {
        self.login_hint = Some(user.into());
        self.rekey();
        self
    }

    /// Forgets the signed-in user's refresh token (sign-out): the next token request signs in.
    pub fn sign_out(&self) {
        self.session.forget();
    }

    /// The authorize URL for `scopes`.
    fn authorize_url(
        &self,
        scope: &str,
        redirect_uri: &str,
        state: &str,
        challenge: &str,
        claims: Option<&str>,
    ) -> Result<Url> {
        let mut url = self.oauth.endpoint("authorize")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("response_mode", "query")
                .append_pair("scope", scope)
                .append_pair("state", state)
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(h) = &self.login_hint {
                q.append_pair("login_hint", h);
            }
            if let Some(c) = claims {
                q.append_pair("claims", c);
            }
        }
        Ok(url)
    }

    async fn interactive(&self, request: &TokenRequest<'_>) -> Result<AccessToken> {
        // Scopes so far plus the new ones: one refresh token covers them all.
        let mut scopes: Vec<String> = self.session.granted().into_iter().collect();
        for s in request.scopes() {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        let scope = scope_param(scopes.iter().map(String::as_str));
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await.map_err(|e| {
            Error::with_source(ErrorKind::Auth, "could not listen on 127.0.0.1 for the sign-in redirect", e)
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| {
                Error::with_source(ErrorKind::Auth, "could not listen on 127.0.0.1 for the sign-in redirect", e)
            })?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}/");
        let state = random_token();
        let verifier = format!("{}{}", random_token(), random_token());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let url = self.authorize_url(&scope, &redirect_uri, &state, &challenge, request.claims())?;
        (self.open)(&url);
        let code = match tokio::time::timeout(self.timeout, wait_for_redirect(&listener, &state)).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the sign-in did not complete within {} s: the browser never came back to {redirect_uri}",
                        self.timeout.as_secs()
                    ),
                ))
            }
        };
        drop(listener);
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
            ("scope", scope.as_str()),
        ];
        if let Some(c) = request.claims() {
            form.push(("claims", c));
        }
        let t = self
            .oauth
            .token(&form)
            .await
            .map_err(|e| e.context("the sign-in's authorization code was not accepted"))?;
        self.session.store(&t, &scopes);
        Ok(AccessToken::new(t.access_token, t.expires_in))
    }

    async fn get(&self, request: &TokenRequest<'_>) -> Result<AccessToken> {
        match self.session.silent(&self.oauth, &self.client_id, &[], request).await? {
            Silent::Token(t) => return Ok(t),
            Silent::NoSession | Silent::NeedsInteraction => {}
        }
        // One browser sign-in at a time; whoever waited may find a fresh session.
        let _one = self.interactive.lock().await;
        if self.session.has_refresh_token() {
            if let Silent::Token(t) = self.session.silent(&self.oauth, &self.client_id, &[], request).await? {
                return Ok(t);
            }
        }
        self.interactive(request).await
    }
}

/// 32 random bytes (two v4 UUIDs, 244 random bits), base64url: 43 characters.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

const PAGE_OK: &str = "<!doctype html><html><head><title>Signed in</title></head><body><h1>Signed in</h1>\
                       <p>You can close this window and go back to the application.</p></body></html>";

fn page(title: &str, text: &str) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<!doctype html><html><head><title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>",
        esc(title),
        esc(title),
        esc(text)
    )
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\
         Cache-Control: no-store\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The request target of an HTTP request head (`GET /?code=… HTTP/1.1`), read with a bound.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() >= MAX_REQUEST_BYTES {
            return None;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = std::str::from_utf8(&buf).ok()?;
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return None };
    (method == "GET").then(|| target.to_string())
}

/// Waits for the browser's redirect; the code, or the error the redirect reports.
async fn wait_for_redirect(listener: &TcpListener, state: &str) -> Result<String> {
    for _ in 0..MAX_STRAY_REQUESTS {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| Error::with_source(ErrorKind::Auth, "the sign-in redirect listener failed", e))?;
        let Some(target) = read_target(&mut stream).await else {
            respond(&mut stream, "400 Bad Request", &page("Bad request", "Not a sign-in redirect.")).await;
            continue;
        };
        let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if path != "/" || (get("code").is_none() && get("error").is_none()) {
            respond(&mut stream, "404 Not Found", &page("Not found", "Not a sign-in redirect.")).await;
            continue;
        }
        if get("state") != Some(state) {
            respond(
                &mut stream,
                "400 Bad Request",
                &page("Sign-in failed", "The answer does not belong to this sign-in (state mismatch)."),
            )
            .await;
            return Err(Error::new(
                ErrorKind::Auth,
                "the sign-in redirect's state does not match the one sent (an answer to another sign-in, or a \
                 forged redirect): sign-in aborted",
            ));
        }
        if let Some(error) = get("error") {
            let description: String = get("error_description").unwrap_or("").chars().take(300).collect();
            respond(&mut stream, "200 OK", &page("Sign-in failed", &format!("{error}: {description}"))).await;
            let error: String = error.chars().take(100).collect();
            return Err(Error::new(ErrorKind::Auth, format!("the sign-in failed: {error}: {description}")));
        }
        let code = get("code").unwrap_or("").to_string();
        respond(&mut stream, "200 OK", PAGE_OK).await;
        return Ok(code);
    }
    Err(Error::new(ErrorKind::Auth, "the sign-in redirect listener got too many requests that were not the redirect"))
}

impl fmt::Debug for AuthorizationCodeCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCodeCredential")
            .field("tenant", &self.oauth.tenant())
            .field("client_id", &self.client_id)
            .field("authority", &self.oauth.authority())
            .field("session", &self.session)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TokenProvider for AuthorizationCodeCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.get(request))
    }

    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        self.oauth.set_transport(transport);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_urls_for_every_cloud() {
        for cloud in [NationalCloud::Global, NationalCloud::UsGovL4, NationalCloud::UsGovL5Dod, NationalCloud::China] {
            let c = AuthorizationCodeCredential::new("organizations", "cid", |_| {}).with_cloud(cloud);
            let url = c.authorize_url("User.Read offline_access", "http://127.0.0.1:1/", "st", "ch", None).unwrap();
            let login = cloud.login_endpoint().trim_end_matches('/');
            assert!(url.as_str().starts_with(&format!("{login}/organizations/oauth2/v2.0/authorize?")), "{url}");
            let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            assert_eq!(get("code_challenge_method"), Some("S256"));
            assert_eq!(get("state"), Some("st"));
            assert_eq!(get("scope"), Some("User.Read offline_access"));
            assert_eq!(get("redirect_uri"), Some("http://127.0.0.1:1/"));
        }
    }

    #[test]
    fn verifiers_are_random_and_long_enough() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
    }
}
