//! Secrets never reach `Debug`, `Display` or `tracing` output. Alone in its own test binary:
//! `tracing` caches per-callsite interest process-wide, so a thread-local subscriber only sees
//! everything reliably when no other test runs concurrently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use msgraph_core::auth::{ClientSecretCredential, Secret, StaticTokenProvider};
use msgraph_core::client::Client;
use msgraph_core::http::{HttpRequest, Method};
use msgraph_core::request::Request;
use serde_json::{json, Value};
use support::{MockServer, Reply};

/// Collects everything tracing records, to check that no secret ends up in logs.
#[derive(Default)]
struct Capture {
    text: Arc<Mutex<String>>,
    ids: AtomicUsize,
}

struct Visit<'a>(&'a mut String);
impl tracing::field::Visit for Visit<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut t = self.text.lock().unwrap();
        t.push_str("\nspan ");
        t.push_str(span.metadata().name());
        span.record(&mut Visit(&mut t));
        tracing::span::Id::from_u64(self.ids.fetch_add(1, Ordering::SeqCst) as u64 + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Visit(&mut self.text.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut t = self.text.lock().unwrap();
        t.push_str("\nevent");
        event.record(&mut Visit(&mut t));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn secrets_never_reach_debug_display_or_tracing() {
    let capture = Capture::default();
    let text = capture.text.clone();
    let _guard = tracing::subscriber::set_default(capture);
    let server = MockServer::start(|r, _| {
        if r.path().ends_with("/oauth2/v2.0/token") {
            Reply::json(200, json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "access-1"})).into()
        } else {
            Reply::json(200, json!({"ok": true})).into()
        }
    })
    .await;
    let cred =
        ClientSecretCredential::new("tenant-1", "client-1", "SUPER-SECRET-VALUE").with_authority_host(&server.url());
    let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
    let _: Value = client.get(&["me"]).send().await.unwrap();
    // An upload URL with a pre-authenticated token in its query.
    let _ = Request::<Value>::from_url(&client, Method::Get, &format!("{}/upload?tempauth=UPLOAD-TOKEN", server.url()))
        .send()
        .await;
    let logged = text.lock().unwrap().clone();
    assert!(logged.contains("graph.request"), "spans are recorded: {logged}");
    for secret in ["SUPER-SECRET-VALUE", "access-1", "UPLOAD-TOKEN", "Bearer"] {
        assert!(!logged.contains(secret), "{secret} leaked into tracing output:\n{logged}");
    }
    let mut req = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me?tempauth=UPLOAD-TOKEN").unwrap();
    req.headers_mut().insert("Authorization", "Bearer access-1").unwrap();
    let s = Secret::new("SUPER-SECRET-VALUE");
    let shown = format!("{req:?} {s:?} {s} {client:?} {:?}", StaticTokenProvider::new("access-1"));
    for secret in ["SUPER-SECRET-VALUE", "access-1", "UPLOAD-TOKEN"] {
        assert!(!shown.contains(secret), "{secret} leaked into Debug/Display: {shown}");
    }
}
