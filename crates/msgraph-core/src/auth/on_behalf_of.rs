//! The on-behalf-of flow: a web API that received a user's access token (the `assertion`)
//! exchanges it for a Graph token of the same user
//! (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
//! `requested_token_use=on_behalf_of`), authenticating itself with a client secret or a
//! certificate.

use std::fmt;
use std::sync::Arc;

use super::oauth::{ClientProof, OAuthClient};
use super::{AccessToken, Secret, TokenProvider, TokenRequest};
use crate::cloud::NationalCloud;
use crate::error::Result;
use crate::http::{BoxFuture, HttpTransport};

/// How the middle-tier app proves who it is.
enum ClientAuth {
    Secret(Secret),
    #[cfg(feature = "certificate")]
    Certificate(Box<super::ClientCertificateCredential>),
}

/// On-behalf-of: one credential per incoming user token (create it per request of your API;
/// the client's token cache then keeps that user's Graph token).
///
/// A claims challenge from Graph is passed on as the `claims` parameter; when the identity
/// platform answers `interaction_required`, the error goes back to your API's caller, whose
/// client must sign the user in again (the middle tier cannot show a sign-in page).
pub struct OnBehalfOfCredential {
    client_id: String,
    auth: ClientAuth,
    assertion: Secret,
    oauth: OAuthClient,
}

impl OnBehalfOfCredential {
    /// With a client secret: `assertion` is the access token your API received (without the
    /// `Bearer ` prefix).
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        assertion: impl Into<Secret>,
    ) -> OnBehalfOfCredential {
        OnBehalfOfCredential {
            client_id: client_id.into(),
            auth: ClientAuth::Secret(client_secret.into()),
            assertion: assertion.into(),
            oauth: OAuthClient::new(tenant_id.into()),
        }
    }

    /// With a certificate: tenant, client id and login host are the certificate credential's.
    #[cfg(feature = "certificate")]
    pub fn with_certificate(
        certificate: super::ClientCertificateCredential,
        assertion: impl Into<Secret>,
    ) -> OnBehalfOfCredential {
        let mut oauth = OAuthClient::new(certificate.tenant().to_string());
        oauth.set_authority(certificate.authority());
        OnBehalfOfCredential {
            client_id: certificate.client_id().to_string(),
            auth: ClientAuth::Certificate(Box::new(certificate)),
            assertion: assertion.into(),
            oauth,
        }
    }

    /// Uses the login host of a national cloud.
    pub fn with_cloud(self, cloud: NationalCloud) -> OnBehalfOfCredential {
        self.with_authority_host(cloud.login_endpoint())
    }

    /// Uses another login host (must be `https`, or `http` on a loopback address for tests).
    pub fn with_authority_host(mut self, authority: &str) -> OnBehalfOfCredential {
        self.oauth.set_authority(authority);
        self
    }
}

impl fmt::Debug for OnBehalfOfCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            ClientAuth::Secret(_) => "client_secret",
            #[cfg(feature = "certificate")]
            ClientAuth::Certificate(_) => "certificate",
        };
        f.debug_struct("OnBehalfOfCredential")
            .field("tenant", &self.oauth.tenant())
            .field("client_id", &self.client_id)
            .field("authority", &self.oauth.authority())
            .field("client_auth", &auth)
            .field("assertion", &self.assertion)
            .finish()
    }
}

impl TokenProvider for OnBehalfOfCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let grant = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", self.assertion.expose()),
                ("requested_token_use", "on_behalf_of"),
            ];
            match &self.auth {
                ClientAuth::Secret(s) => {
                    let proof = ClientProof::Secret(s.expose());
                    self.oauth.client_token(&self.client_id, proof, &grant, request).await
                }
                #[cfg(feature = "certificate")]
                ClientAuth::Certificate(c) => {
                    let signed = c.client_assertion(self.oauth.endpoint("token")?.as_str())?;
                    let proof = ClientProof::Assertion(&signed);
                    self.oauth.client_token(&self.client_id, proof, &grant, request).await
                }
            }
        })
    }

    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        self.oauth.set_transport(transport);
    }
}
