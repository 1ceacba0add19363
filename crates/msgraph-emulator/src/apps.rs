//! What the identity platform knows: the registered apps with their certificates, pending
//! device codes, issued refresh tokens and the client-assertion ids already seen.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hyper::StatusCode;
use rsa::pkcs8::DecodePublicKey;
use rsa::RsaPublicKey;
use sha2::{Digest, Sha256};

use crate::errors::{truncate, AadError};
use crate::sync::lock;

/// An app registration: a client id with a secret and/or certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRegistration {
    /// The application (client) id.
    pub client_id: String,
    /// The client secret, if the app has one.
    pub client_secret: Option<String>,
    /// A display name.
    pub display_name: String,
    /// Registered certificates (DER).
    pub certificates: Vec<Vec<u8>>,
}

impl AppRegistration {
    /// An app with this client id and no credentials yet.
    pub fn new(client_id: impl Into<String>) -> Self {
        AppRegistration {
            client_id: client_id.into(),
            client_secret: None,
            display_name: "app".into(),
            certificates: Vec::new(),
        }
    }

    /// Sets the client secret.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Adds a certificate (DER).
    pub fn certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.certificates.push(der.into());
        self
    }

    /// Sets the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }
}

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

/// A registered app and the keys of its certificates.
#[derive(Debug, Clone)]
pub(super) struct App {
    pub(super) reg: AppRegistration,
    pub(super) certs: Vec<CertKey>,
}

/// Where a device code is in its flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
    Redeemed,
}

/// A device code and its user code.
#[derive(Debug, Clone)]
pub(super) struct DeviceCode {
    pub(super) user_code: String,
    pub(super) client_id: String,
    pub(super) scope: String,
    pub(super) expires_at_ms: i64,
    pub(super) interval_ms: i64,
    pub(super) last_poll_ms: Option<i64>,
    pub(super) status: DeviceStatus,
}

/// What a refresh token was issued for.
#[derive(Debug, Clone)]
pub(super) struct Refresh {
    pub(super) client_id: String,
    pub(super) user_id: String,
    pub(super) scope: String,
}

/// An authorization code issued by `/authorize`, waiting to be redeemed.
#[derive(Debug, Clone)]
pub(super) struct AuthCode {
    pub(super) client_id: String,
    pub(super) user_id: String,
    pub(super) scope: String,
    pub(super) redirect_uri: String,
    /// The PKCE `code_challenge` (S256), if the request had one.
    pub(super) challenge: Option<String>,
    pub(super) expires_at_ms: i64,
    pub(super) redeemed: bool,
}

/// What the next `/authorize` request does (set by the test hooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignIn {
    /// The user (id) signs in and consents.
    Approve(String),
    /// The user cancels: `error=access_denied`.
    Decline,
}

/// The registry's content.
#[derive(Debug, Default)]
pub(super) struct Inner {
    pub(super) apps: Vec<App>,
    pub(super) device_codes: HashMap<String, DeviceCode>,
    pub(super) refresh_tokens: HashMap<String, Refresh>,
    pub(super) auth_codes: HashMap<String, AuthCode>,
    /// Decisions for the next `/authorize` requests, oldest first.
    pub(super) next_sign_ins: std::collections::VecDeque<SignIn>,
    /// Delegated scopes each user consented to, per (client id, user id).
    pub(super) consents: HashMap<(String, String), std::collections::BTreeSet<String>>,
    /// A claims challenge Graph requests must satisfy (continuous access evaluation).
    pub(super) required_claims: Option<String>,
    /// Client assertion `jti`s seen, with their `exp` (ms).
    pub(super) jtis: HashMap<String, i64>,
}

/// Auth state.
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    pub(super) inner: Mutex<Inner>,
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

    /// Queues what the next `/authorize` request does.
    pub(crate) fn push_sign_in(&self, decision: SignIn) {
        let mut g = lock(&self.inner);
        // Bounded: a test that queues more than it uses does not grow memory without end.
        if g.next_sign_ins.len() >= 64 {
            g.next_sign_ins.pop_front();
        }
        g.next_sign_ins.push_back(decision);
    }

    /// Forgets every refresh token (the user's sessions are revoked).
    pub(crate) fn revoke_refresh_tokens(&self) {
        lock(&self.inner).refresh_tokens.clear();
    }

    /// Requires Graph requests to carry a token issued for `claims` (or none: no requirement).
    pub(crate) fn require_claims(&self, claims: Option<String>) {
        lock(&self.inner).required_claims = claims;
    }

    /// The claims Graph requests must carry, if any.
    pub(crate) fn required_claims(&self) -> Option<String> {
        lock(&self.inner).required_claims.clone()
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

    /// The app with `client_id`, or the identity platform's error for an unknown client
    /// (`tenant_name` names the directory in it).
    pub(super) fn find_app(&self, client_id: &str, tenant_name: &str) -> Result<App, AadError> {
        lock(&self.inner).apps.iter().find(|a| a.reg.client_id == client_id).cloned().ok_or_else(|| {
            AadError::new(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{}' was not found in the directory '{tenant_name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                    truncate(client_id, 100),
                ),
            )
        })
    }
}
