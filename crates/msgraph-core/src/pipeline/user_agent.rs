//! `User-Agent` with our own product token. Microsoft's `SdkVersion` telemetry header is
//! reserved for Microsoft's SDKs and is never sent.

use super::{Context, Next, Policy};
use crate::error::Result;
use crate::http::{BoxFuture, HttpRequest, HttpResponse};

/// Our product token, `msgraph-rs/<version>`.
pub const PRODUCT_TOKEN: &str = concat!("msgraph-rs/", env!("CARGO_PKG_VERSION"));

/// Sets `User-Agent` (unless the request has one) and removes any `SdkVersion` header.
#[derive(Debug, Clone)]
pub struct UserAgentPolicy {
    value: String,
}

impl UserAgentPolicy {
    /// `prefix` (the application's own product token, optional) followed by ours.
    pub fn new(prefix: Option<&str>) -> UserAgentPolicy {
        let value = match prefix.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => format!("{p} {PRODUCT_TOKEN}"),
            None => PRODUCT_TOKEN.to_string(),
        };
        UserAgentPolicy { value }
    }

    /// The full value sent.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl Policy for UserAgentPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        let h = request.headers_mut();
        h.remove("sdkversion");
        if !h.contains("user-agent") {
            h.set_static("user-agent", self.value.clone());
        }
        next.send(ctx, request)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::http::Method;
    use std::sync::Arc;

    #[tokio::test]
    async fn product_token_and_no_sdkversion() {
        let t = ScriptTransport::new(vec![resp(200, &[], "")]);
        let p = pipeline(vec![Arc::new(UserAgentPolicy::new(Some("contoso-sync/2.1")))], &t);
        let mut r = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap();
        r.headers_mut().insert("SdkVersion", "graph-dotnet/5.0").unwrap();
        p.send(&Context::new(), &mut r).await.unwrap();
        let seen = &t.seen()[0];
        assert_eq!(seen.headers.get("user-agent"), Some(format!("contoso-sync/2.1 {PRODUCT_TOKEN}").as_str()));
        assert!(!seen.headers.contains("sdkversion"));
        assert!(PRODUCT_TOKEN.starts_with("msgraph-rs/0."));
        assert_eq!(UserAgentPolicy::new(Some("  ")).value(), PRODUCT_TOKEN);
    }
}
