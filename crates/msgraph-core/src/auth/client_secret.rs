//! Client credentials with a client secret.

use std::fmt;
use std::sync::Arc;

use super::oauth::{ClientProof, OAuthClient};
use super::{AccessToken, Secret, TokenProvider, TokenRequest};
use crate::cloud::NationalCloud;
use crate::error::Result;
use crate::http::{BoxFuture, HttpTransport};

/// `grant_type=client_credentials` with `client_secret`, against
/// `https://{login host}/{tenant}/oauth2/v2.0/token`.
pub struct ClientSecretCredential {
    client_id: String,
    secret: Secret,
    oauth: OAuthClient,
}

impl ClientSecretCredential {
    /// A credential for an app registration in `tenant_id` (Global cloud by default).
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> ClientSecretCredential {
        ClientSecretCredential {
            client_id: client_id.into(),
            secret: client_secret.into(),
            oauth: OAuthClient::new(tenant_id.into()),
        }
    }

    /// Uses the login host of a national cloud.
    pub fn with_cloud(self, cloud: NationalCloud) -> ClientSecretCredential {
        self.with_authority_host(cloud.login_endpoint())
    }

    /// Uses another login host (must be `https`, or `http` on a loopback address for tests).
    pub fn with_authority_host(mut self, authority: &str) -> ClientSecretCredential {
        self.oauth.set_authority(authority);
        self
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant", &self.oauth.tenant())
            .field("client_id", &self.client_id)
            .field("authority", &self.oauth.authority())
            .field("client_secret", &self.secret)
            .finish()
    }
}

impl TokenProvider for ClientSecretCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let proof = ClientProof::Secret(self.secret.expose());
            self.oauth.client_token(&self.client_id, proof, &[("grant_type", "client_credentials")], request).await
        })
    }

    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        self.oauth.set_transport(transport);
    }
}
