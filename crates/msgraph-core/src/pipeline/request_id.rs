//! `client-request-id`: one UUID per logical request (kept across retries and redirects, so
//! Graph's logs tie the tries together). A value set by the caller is kept.

use super::{Context, Next, Policy};
use crate::error::Result;
use crate::http::{BoxFuture, HttpRequest, HttpResponse};

thread_local! {
    /// xorshift128+ state, seeded once per thread from the OS (through `Uuid::new_v4`).
    static STATE: std::cell::Cell<(u64, u64)> = std::cell::Cell::new({
        let seed = uuid::Uuid::new_v4().as_u128();
        ((seed as u64) | 1, ((seed >> 64) as u64) | 1)
    });
}

/// A random (version 4) UUID without a system call per id: correlation ids need to be unique,
/// not unpredictable.
pub(crate) fn fast_uuid_v4() -> uuid::Uuid {
    let next = || {
        STATE.with(|s| {
            let (mut a, b) = s.get();
            a ^= a << 23;
            a ^= a >> 17;
            a ^= b ^ (b >> 26);
            s.set((b, a));
            a.wrapping_add(b)
        })
    };
    let bytes = ((u128::from(next()) << 64) | u128::from(next())).to_le_bytes();
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Adds a `client-request-id` header when the request has none.
#[derive(Debug, Default, Clone)]
pub struct ClientRequestIdPolicy;

impl Policy for ClientRequestIdPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        if !request.headers().contains("client-request-id") {
            request.headers_mut().set_static("client-request-id", fast_uuid_v4().hyphenated().to_string());
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
    async fn adds_a_uuid_and_keeps_a_callers_id() {
        let t = ScriptTransport::new(vec![resp(200, &[], "")]);
        let p = pipeline(vec![Arc::new(ClientRequestIdPolicy)], &t);
        let ctx = Context::new();
        let mut r = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap();
        p.send(&ctx, &mut r).await.unwrap();
        let mut r2 = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap();
        p.send(&ctx, &mut r2).await.unwrap();
        let mut r3 = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap();
        r3.headers_mut().insert("Client-Request-Id", "mine").unwrap();
        p.send(&ctx, &mut r3).await.unwrap();
        let seen = t.seen();
        let a = seen[0].headers.get("client-request-id").unwrap();
        let b = seen[1].headers.get("client-request-id").unwrap();
        let parsed = uuid::Uuid::parse_str(a).unwrap();
        assert_eq!(parsed.get_version(), Some(uuid::Version::Random));
        assert_ne!(a, b);
        let many: std::collections::HashSet<uuid::Uuid> = (0..10_000).map(|_| fast_uuid_v4()).collect();
        assert_eq!(many.len(), 10_000);
        assert_eq!(seen[2].headers.get("client-request-id"), Some("mine"));
    }
}
