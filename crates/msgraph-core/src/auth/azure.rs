//! A bridge from `azure_core` (1.x) credentials: any `azure_core::credentials::TokenCredential`
//! (e.g. from `azure_identity`, feature `azure-identity`: `ManagedIdentityCredential`,
//! `WorkloadIdentityCredential`, `AzureCliCredential`, `DeveloperToolsCredential`) becomes a
//! [`TokenProvider`].
//!
//! **Claims challenges are not supported through the bridge.** `azure_core` 1.1's
//! `TokenCredential::get_token(scopes, options)` takes `TokenRequestOptions`, whose only field
//! is `method_options` (a `ClientMethodOptions` carrying a `Context`): there is no `claims`
//! parameter, and the `azure_identity` 1.0 credentials read none from the context. A token
//! asked for again without the claims would be refused by Graph again, so the bridge answers a
//! claims request with an [`ErrorKind::Auth`] error that says so, instead of a second,
//! useless request; the request fails with that error. Use one of this crate's credentials
//! where continuous access evaluation matters.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;

use super::{AccessToken, TokenProvider, TokenRequest};
use crate::error::{Error, ErrorKind, Result};
use crate::http::BoxFuture;

/// Wraps an `azure_core` credential.
#[derive(Clone)]
pub struct AzureCoreCredential {
    credential: Arc<dyn TokenCredential>,
}

impl AzureCoreCredential {
    /// Wraps `credential`.
    pub fn new(credential: Arc<dyn TokenCredential>) -> AzureCoreCredential {
        AzureCoreCredential { credential }
    }
}

impl fmt::Debug for AzureCoreCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCoreCredential").field("credential", &self.credential).finish()
    }
}

impl TokenProvider for AzureCoreCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            if request.claims().is_some() {
                return Err(Error::new(
                    ErrorKind::Auth,
                    "Graph answered with a claims challenge (continuous access evaluation), which an azure_core \
                     credential cannot take: azure_core 1.1's TokenRequestOptions has no claims parameter; use an \
                     msgraph credential (client secret/certificate, authorization code, device code, on-behalf-of)",
                ));
            }
            let scopes: Vec<&str> = request.scopes().iter().map(String::as_str).collect();
            let token = self
                .credential
                .get_token(&scopes, None)
                .await
                .map_err(|e| Error::with_source(ErrorKind::Auth, "azure_core credential failed", e))?;
            let now = azure_core::time::OffsetDateTime::now_utc();
            let left = (token.expires_on - now).whole_seconds();
            let expires_in = Duration::from_secs(u64::try_from(left).unwrap_or(0));
            Ok(AccessToken::new(token.token.secret().to_string(), expires_in))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::credentials::{AccessToken as AzToken, TokenRequestOptions};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Fake {
        scopes: Mutex<Vec<String>>,
    }

    // What `#[async_trait]` would generate.
    impl TokenCredential for Fake {
        fn get_token<'life0, 'life1, 'life2, 'life3, 'async_trait>(
            &'life0 self,
            scopes: &'life1 [&'life2 str],
            _options: Option<TokenRequestOptions<'life3>>,
        ) -> Pin<Box<dyn Future<Output = azure_core::Result<AzToken>> + Send + 'async_trait>>
        where
            'life0: 'async_trait,
            'life1: 'async_trait,
            'life2: 'async_trait,
            'life3: 'async_trait,
            Self: 'async_trait,
        {
            self.scopes.lock().unwrap().extend(scopes.iter().map(|s| s.to_string()));
            let expires = azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::seconds(3600);
            Box::pin(async move { Ok(AzToken::new("az-token", expires)) })
        }
    }

    #[tokio::test]
    async fn azure_core_credentials_plug_in() {
        let fake = Arc::new(Fake::default());
        let bridge = AzureCoreCredential::new(fake.clone());
        let scopes = vec!["https://graph.microsoft.com/.default".to_string()];
        let t = bridge.get_token(&TokenRequest::new(&scopes)).await.unwrap();
        assert_eq!(t.token().expose(), "az-token");
        assert!(t.expires_in() > Duration::from_secs(3500) && t.expires_in() <= Duration::from_secs(3600));
        assert_eq!(*fake.scopes.lock().unwrap(), scopes);
        assert!(!format!("{bridge:?}").contains("az-token"));
        // A claims challenge is refused with an error that says why, without asking azure_core.
        let e = bridge.get_token(&TokenRequest::new(&scopes).with_claims(Some("{}"))).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(e.to_string().contains("claims challenge"), "{e}");
        assert_eq!(fake.scopes.lock().unwrap().len(), 1);
    }
}
