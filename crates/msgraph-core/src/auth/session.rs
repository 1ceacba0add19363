//! What the delegated credentials (authorization code, device code) share: a user's refresh
//! token and granted scopes, kept in a [`TokenCache`], used to get access tokens silently, and
//! rotated (every refresh answer's new refresh token replaces the old one).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use super::cache::{CacheEntry, CacheKey, MemoryTokenCache, TokenCache};
use super::oauth::{auth_error, parse_token_response, OAuthClient, TokenResponse};
use super::{AccessToken, TokenRequest};
use crate::error::{ErrorKind, Result};
use msgraph_codec::json::Reader;

/// Scopes that are not permissions (the identity platform adds or ignores them).
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// The scope parameter for `scopes` (plus `offline_access`, so a refresh token comes back).
pub(crate) fn scope_param<'a>(scopes: impl IntoIterator<Item = &'a str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for s in scopes {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if !out.contains(&"offline_access") {
        out.push("offline_access");
    }
    out.join(" ")
}

/// What a silent attempt gave.
pub(crate) enum Silent {
    /// A token.
    Token(AccessToken),
    /// No refresh token: the user must sign in.
    NoSession,
    /// The user must sign in again for these scopes (consent or interaction required); the
    /// refresh token stays.
    NeedsInteraction,
}

/// A user's session with one client.
pub(crate) struct Session {
    key: CacheKey,
    cache: Arc<dyn TokenCache>,
    /// `None` until loaded from the cache.
    current: Mutex<Option<Option<CacheEntry>>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("key", &self.key).field("cache", &self.cache).finish()
    }
}

/// The `error`, `suberror` and first AADSTS code of a token endpoint error answer.
fn error_details(body: &[u8]) -> (Option<String>, Option<String>, Option<u64>) {
    let mut r = Reader::new(body);
    let (mut error, mut suberror, mut code) = (None, None, None);
    let _ = (|| -> std::result::Result<(), msgraph_codec::json::DecodeError> {
        r.begin_object()?;
        while let Some(k) = r.next_key()? {
            match &*k {
                "error" => error = Some(r.read_str()?.into_owned()),
                "suberror" => suberror = Some(r.read_str()?.into_owned()),
                "error_codes" => {
                    r.begin_array()?;
                    while r.next_element()? {
                        let n = r.read_number_text()?.parse::<u64>().ok();
                        code = code.or(n);
                    }
                }
                _ => r.skip_value()?,
            }
        }
        Ok(())
    })();
    (error, suberror, code)
}

impl Session {
    pub(crate) fn new(key: CacheKey, cache: Option<Arc<dyn TokenCache>>) -> Session {
        Session { key, cache: cache.unwrap_or_else(|| Arc::new(MemoryTokenCache::new())), current: Mutex::new(None) }
    }

    pub(crate) fn set_cache(&mut self, cache: Arc<dyn TokenCache>) {
        self.cache = cache;
        self.current = Mutex::new(None);
    }

    pub(crate) fn set_key(&mut self, key: CacheKey) {
        self.key = key;
        self.current = Mutex::new(None);
    }

    pub(crate) fn entry(&self) -> Option<CacheEntry> {
        let mut g = match self.current.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if g.is_none() {
            *g = Some(self.cache.load(&self.key));
        }
        g.clone().flatten()
    }

    pub(crate) fn has_refresh_token(&self) -> bool {
        self.entry().is_some()
    }

    /// The scopes granted so far.
    pub(crate) fn granted(&self) -> BTreeSet<String> {
        self.entry().map(|e| e.scopes).unwrap_or_default()
    }

    fn set(&self, entry: Option<CacheEntry>) {
        let result = match &entry {
            Some(e) => self.cache.save(&self.key, e),
            None => self.cache.remove(&self.key),
        };
        if let Err(e) = result {
            // The session goes on in memory; the next process signs in again.
            tracing::warn!(error = %e, "could not update the token cache");
        }
        let mut g = match self.current.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = Some(entry);
    }

    /// Keeps what a token answer gave: its refresh token (rotation) and the scopes.
    pub(crate) fn store(&self, t: &TokenResponse, scopes: &[String]) {
        let mut granted = self.granted();
        granted.extend(scopes.iter().filter(|s| !OIDC_SCOPES.contains(&s.as_str())).cloned());
        let refresh = t.refresh_token.clone().or_else(|| self.entry().map(|e| e.refresh_token));
        if let Some(refresh_token) = refresh {
            self.set(Some(CacheEntry { refresh_token, scopes: granted }));
        }
    }

    /// Forgets the refresh token (in memory and in the cache).
    pub(crate) fn forget(&self) {
        self.set(None);
    }

    /// An access token from the refresh token, if there is one.
    pub(crate) async fn silent(
        &self,
        oauth: &OAuthClient,
        client_id: &str,
        client_auth: &[(&str, &str)],
        request: &TokenRequest<'_>,
    ) -> Result<Silent> {
        let Some(entry) = self.entry() else { return Ok(Silent::NoSession) };
        let scope = scope_param(request.scopes().iter().map(String::as_str));
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", entry.refresh_token.expose()),
            ("scope", scope.as_str()),
        ];
        form.extend_from_slice(client_auth);
        if let Some(c) = request.claims() {
            form.push(("claims", c));
        }
        let url = oauth.endpoint("token")?;
        let response = oauth.post_form(&url, &form).await?;
        if response.is_success() {
            let t = parse_token_response(response.body())?;
            self.store(&t, request.scopes());
            return Ok(Silent::Token(AccessToken::new(t.access_token, t.expires_in)));
        }
        let (error, suberror, code) = error_details(response.body());
        let interaction = matches!(suberror.as_deref(), Some("consent_required") | Some("basic_action"))
            || error.as_deref() == Some("interaction_required")
            || matches!(code, Some(65001) | Some(50076) | Some(50079) | Some(50158));
        if interaction {
            tracing::debug!("the refresh token cannot give these scopes silently: interactive sign-in");
            return Ok(Silent::NeedsInteraction);
        }
        if error.as_deref() == Some("invalid_grant") {
            self.forget();
            return Err(auth_error(&response).rekind(
                ErrorKind::Auth,
                "the refresh token was rejected (invalid_grant: expired, revoked or already used): sign in again \
                 (the next token request starts a new sign-in)",
            ));
        }
        Err(auth_error(&response))
    }
}
