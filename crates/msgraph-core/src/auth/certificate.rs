//! Client credentials with a certificate: instead of a secret, a short-lived JWT client
//! assertion signed RS256 with the certificate's private key (ring), with the header
//! `x5t#S256` = base64url(SHA-256 of the DER certificate).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

use super::oauth::{ClientProof, OAuthClient};
use super::{AccessToken, TokenProvider, TokenRequest};
use crate::cloud::NationalCloud;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, HttpTransport};
use msgraph_codec::json::Writer;

/// Lifetime of a client assertion.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// Client credentials with a certificate.
pub struct ClientCertificateCredential {
    client_id: String,
    key: RsaKeyPair,
    x5t_s256: String,
    x5t_sha1: Option<String>,
    oauth: OAuthClient,
    rng: SystemRandom,
}

/// PEM blocks of a given label, decoded.
fn pem_blocks(pem: &str, labels: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut lines = pem.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else { continue };
        let end = format!("-----END {label}-----");
        let mut b64 = String::new();
        for l in lines.by_ref() {
            if l == end {
                break;
            }
            if !l.contains(':') {
                b64.push_str(l);
            }
        }
        if labels.contains(&label) {
            if let Ok(der) = STANDARD.decode(b64.as_bytes()) {
                out.push((label.to_string(), der));
            }
        }
    }
    out
}

impl ClientCertificateCredential {
    /// From a PEM document holding the certificate (`CERTIFICATE`) and its unencrypted RSA
    /// private key (`PRIVATE KEY` PKCS#8 or `RSA PRIVATE KEY` PKCS#1), in any order.
    pub fn from_pem(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        pem: &str,
    ) -> Result<ClientCertificateCredential> {
        let cert = pem_blocks(pem, &["CERTIFICATE"])
            .into_iter()
            .next()
            .ok_or_else(|| Error::validation("no CERTIFICATE block in the PEM document"))?;
        if pem.contains("BEGIN ENCRYPTED PRIVATE KEY") {
            return Err(Error::validation("encrypted private keys are not supported: decrypt the key first"));
        }
        let key = pem_blocks(pem, &["PRIVATE KEY", "RSA PRIVATE KEY"])
            .into_iter()
            .next()
            .ok_or_else(|| Error::validation("no PRIVATE KEY or RSA PRIVATE KEY block in the PEM document"))?;
        let pair = if key.0 == "PRIVATE KEY" { RsaKeyPair::from_pkcs8(&key.1) } else { RsaKeyPair::from_der(&key.1) }
            .map_err(|e| Error::validation(format!("invalid RSA private key: {e}")))?;
        Ok(ClientCertificateCredential::from_parts(tenant_id.into(), client_id.into(), &cert.1, pair))
    }

    /// From a DER certificate and a DER PKCS#8 RSA private key.
    pub fn from_der(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        certificate_der: &[u8],
        pkcs8_key_der: &[u8],
    ) -> Result<ClientCertificateCredential> {
        let pair = RsaKeyPair::from_pkcs8(pkcs8_key_der)
            .map_err(|e| Error::validation(format!("invalid PKCS#8 RSA private key: {e}")))?;
        Ok(ClientCertificateCredential::from_parts(tenant_id.into(), client_id.into(), certificate_der, pair))
    }

    fn from_parts(tenant: String, client_id: String, cert_der: &[u8], key: RsaKeyPair) -> ClientCertificateCredential {
        let sha256 = ring::digest::digest(&ring::digest::SHA256, cert_der);
        ClientCertificateCredential {
            client_id,
            key,
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            x5t_sha1: None,
            oauth: OAuthClient::new(tenant),
            rng: SystemRandom::new(),
        }
    }

    /// Also sends the legacy `x5t` (SHA-1) thumbprint header.
    pub fn with_legacy_x5t(mut self, cert_der: &[u8]) -> ClientCertificateCredential {
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der);
        self.x5t_sha1 = Some(URL_SAFE_NO_PAD.encode(sha1.as_ref()));
        self
    }

    /// Uses the login host of a national cloud.
    pub fn with_cloud(self, cloud: NationalCloud) -> ClientCertificateCredential {
        self.with_authority_host(cloud.login_endpoint())
    }

    /// Uses another login host (must be `https`, or `http` on a loopback address for tests).
    pub fn with_authority_host(mut self, authority: &str) -> ClientCertificateCredential {
        self.oauth.set_authority(authority);
        self
    }

    pub(crate) fn tenant(&self) -> &str {
        self.oauth.tenant()
    }

    pub(crate) fn authority(&self) -> &str {
        self.oauth.authority()
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `x5t#S256` thumbprint sent.
    pub fn thumbprint_s256(&self) -> &str {
        &self.x5t_s256
    }

    /// A signed client assertion for the token endpoint `audience`.
    pub fn client_assertion(&self, audience: &str) -> Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut h = Writer::new();
        h.begin_object();
        h.key("alg");
        h.string("RS256");
        h.key("typ");
        h.string("JWT");
        h.key("x5t#S256");
        h.string(&self.x5t_s256);
        if let Some(x5t) = &self.x5t_sha1 {
            h.key("x5t");
            h.string(x5t);
        }
        h.end_object();
        let mut c = Writer::new();
        c.begin_object();
        c.key("aud");
        c.string(audience);
        c.key("iss");
        c.string(&self.client_id);
        c.key("sub");
        c.string(&self.client_id);
        c.key("jti");
        c.string(&uuid::Uuid::new_v4().hyphenated().to_string());
        c.key("nbf");
        c.i64(i64::try_from(now).unwrap_or(i64::MAX));
        c.key("iat");
        c.i64(i64::try_from(now).unwrap_or(i64::MAX));
        c.key("exp");
        c.i64(i64::try_from(now + ASSERTION_LIFETIME.as_secs()).unwrap_or(i64::MAX));
        c.end_object();
        let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(h.as_str()), URL_SAFE_NO_PAD.encode(c.as_str()));
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &self.rng, signing_input.as_bytes(), &mut signature)
            .map_err(|_| Error::new(ErrorKind::Auth, "could not sign the client assertion"))?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&signature)))
    }
}

impl fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("tenant", &self.oauth.tenant())
            .field("client_id", &self.client_id)
            .field("authority", &self.oauth.authority())
            .field("x5t#S256", &self.x5t_s256)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl TokenProvider for ClientCertificateCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let audience = self.oauth.endpoint("token")?;
            let assertion = self.client_assertion(audience.as_str())?;
            let proof = ClientProof::Assertion(&assertion);
            self.oauth.client_token(&self.client_id, proof, &[("grant_type", "client_credentials")], request).await
        })
    }

    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        self.oauth.set_transport(transport);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_found() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\n-----BEGIN OTHER-----\nAA==\n-----END OTHER-----\n";
        let b = pem_blocks(pem, &["CERTIFICATE"]);
        assert_eq!(b, vec![("CERTIFICATE".to_string(), vec![0, 1, 2, 3])]);
        assert!(ClientCertificateCredential::from_pem("t", "c", pem).is_err());
        assert!(ClientCertificateCredential::from_pem("t", "c", "").is_err());
    }
}
