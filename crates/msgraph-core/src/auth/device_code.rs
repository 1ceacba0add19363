//! The device code flow (delegated access for devices without a browser): the user opens a URL
//! on another device and types a code that a callback shows. The refresh token is kept in a
//! [`TokenCache`] (in memory by default) so later tokens are fetched silently.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::cache::{CacheKey, TokenCache};
use super::oauth::{auth_error, parse_token_response, read_string, read_u64, OAuthClient};
use super::session::{scope_param, Session, Silent};
use super::{AccessToken, Secret, TokenProvider, TokenRequest};
use crate::cloud::NationalCloud;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, HttpTransport};
use msgraph_codec::json::Reader;

/// What the user must do, as given by the `devicecode` endpoint.
#[derive(Clone)]
pub struct DeviceCodeInfo {
    /// The code the user types.
    pub user_code: String,
    /// Where the user types it.
    pub verification_uri: String,
    /// The service's ready-made instruction text.
    pub message: String,
    /// How long the code is valid.
    pub expires_in: Duration,
    /// How often the token endpoint is polled.
    pub interval: Duration,
    device_code: Secret,
}

impl fmt::Debug for DeviceCodeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCodeInfo")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .field("device_code", &self.device_code)
            .finish()
    }
}

type Callback = Arc<dyn Fn(&DeviceCodeInfo) + Send + Sync>;

/// The device code flow.
pub struct DeviceCodeCredential {
    client_id: String,
    callback: Callback,
    oauth: OAuthClient,
    session: Session,
}

impl DeviceCodeCredential {
    /// A public client `client_id` in `tenant` (`organizations`, `common` or a tenant id);
    /// `callback` shows the user code (e.g. prints [`DeviceCodeInfo::message`]).
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        callback: impl Fn(&DeviceCodeInfo) + Send + Sync + 'static,
    ) -> DeviceCodeCredential {
        let tenant = tenant.into();
        let client_id = client_id.into();
        let oauth = OAuthClient::new(tenant.clone());
        let key = CacheKey::new(oauth.authority(), tenant, client_id.clone(), "default");
        DeviceCodeCredential { client_id, callback: Arc::new(callback), oauth, session: Session::new(key, None) }
    }

    /// Keeps the refresh token in `cache` (e.g. a [`FileTokenCache`](super::FileTokenCache), so
    /// the next run signs in silently).
    pub fn with_cache(mut self, cache: Arc<dyn TokenCache>) -> DeviceCodeCredential {
        self.session.set_cache(cache);
        self
    }

    /// Uses the login host of a national cloud.
    pub fn with_cloud(self, cloud: NationalCloud) -> DeviceCodeCredential {
        self.with_authority_host(cloud.login_endpoint())
    }

    /// Uses another login host (must be `https`, or `http` on a loopback address for tests).
    pub fn with_authority_host(mut self, authority: &str) -> DeviceCodeCredential {
        self.oauth.set_authority(authority);
        let key = CacheKey::new(self.oauth.authority(), self.oauth.tenant(), self.client_id.clone(), "default");
        self.session.set_key(key);
        self
    }

    async fn device_flow(&self, request: &TokenRequest<'_>) -> Result<AccessToken> {
        let mut scopes: Vec<String> = self.session.granted().into_iter().collect();
        for s in request.scopes() {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        let scope = scope_param(scopes.iter().map(String::as_str));
        let url = self.oauth.endpoint("devicecode")?;
        let mut form = vec![("client_id", self.client_id.as_str()), ("scope", scope.as_str())];
        if let Some(c) = request.claims() {
            form.push(("claims", c));
        }
        let response = self.oauth.post_form(&url, &form).await?;
        if !response.is_success() {
            return Err(auth_error(&response));
        }
        let info = parse_device_code(response.body())?;
        (self.callback)(&info);
        let token_url = self.oauth.endpoint("token")?;
        let deadline = tokio::time::Instant::now() + info.expires_in;
        let mut interval = info.interval;
        loop {
            tokio::time::sleep(interval).await;
            if tokio::time::Instant::now() > deadline {
                return Err(Error::new(ErrorKind::Auth, "the device code expired before the user signed in"));
            }
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", self.client_id.as_str()),
                ("device_code", info.device_code.expose()),
            ];
            let response = self.oauth.post_form(&token_url, &form).await?;
            if response.is_success() {
                let t = parse_token_response(response.body())?;
                self.session.store(&t, &scopes);
                return Ok(AccessToken::new(t.access_token, t.expires_in));
            }
            let err = auth_error(&response);
            match err.code() {
                Some("authorization_pending") => continue,
                Some("slow_down") => interval += Duration::from_secs(5),
                Some("expired_token") => {
                    return Err(err.context("the device code expired before the user signed in"));
                }
                Some("authorization_declined") => return Err(err.context("the user declined the sign-in")),
                _ => return Err(err),
            }
        }
    }
}

fn parse_device_code(body: &[u8]) -> Result<DeviceCodeInfo> {
    let mut r = Reader::new(body);
    let mut user_code = None;
    let mut device_code = None;
    let mut verification_uri = None;
    let mut message = None;
    let mut expires_in = None;
    let mut interval = None;
    (|| -> Result<()> {
        r.begin_object()?;
        while let Some(k) = r.next_key()? {
            match &*k {
                "user_code" => user_code = read_string(&mut r)?,
                "device_code" => device_code = read_string(&mut r)?,
                "verification_uri" | "verification_url" => verification_uri = read_string(&mut r)?,
                "message" => message = read_string(&mut r)?,
                "expires_in" => expires_in = read_u64(&mut r),
                "interval" => interval = read_u64(&mut r),
                _ => r.skip_value()?,
            }
        }
        r.finish()?;
        Ok(())
    })()
    .map_err(|e| e.rekind(ErrorKind::Auth, "invalid devicecode response"))?;
    let (Some(user_code), Some(device_code), Some(verification_uri)) = (user_code, device_code, verification_uri)
    else {
        return Err(Error::new(
            ErrorKind::Auth,
            "devicecode response lacks user_code, device_code or verification_uri",
        ));
    };
    let message =
        message.unwrap_or_else(|| format!("To sign in, open {verification_uri} and enter the code {user_code}."));
    Ok(DeviceCodeInfo {
        user_code,
        verification_uri,
        message,
        expires_in: Duration::from_secs(expires_in.unwrap_or(900).min(24 * 3600)),
        interval: Duration::from_secs(interval.unwrap_or(5).clamp(1, 60)),
        device_code: Secret::new(device_code),
    })
}

impl fmt::Debug for DeviceCodeCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCodeCredential")
            .field("tenant", &self.oauth.tenant())
            .field("client_id", &self.client_id)
            .field("authority", &self.oauth.authority())
            .field("session", &self.session)
            .finish()
    }
}

impl TokenProvider for DeviceCodeCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            match self.session.silent(&self.oauth, &self.client_id, &[], request).await? {
                Silent::Token(t) => Ok(t),
                Silent::NoSession | Silent::NeedsInteraction => self.device_flow(request).await,
            }
        })
    }

    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        self.oauth.set_transport(transport);
    }
}
