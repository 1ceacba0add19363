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

/// Pre-authenticated URLs carry their credential in the query (`tempauth`, `sig`, `token`):
/// `Debug` of every type that holds such a URL prints it the way `HttpRequest` does.
#[test]
fn debug_of_requests_and_url_holders_hides_query_values() {
    let client = Client::builder().build().unwrap();
    let upload =
        "https://contoso.sharepoint.com/_api/v2.0/drives/d/items/i/uploadSession?guid=1&tempauth=TEMPAUTH-SECRET";
    let req: Request<()> = Request::from_url(&client, Method::Put, upload);
    let req = req.query_param("sig", "SIG-SECRET");
    let dbg = format!("{req:?} {:?}", req.parts());
    assert!(!dbg.contains("TEMPAUTH-SECRET") && !dbg.contains("SIG-SECRET"), "{dbg}");
    assert!(dbg.contains("contoso.sharepoint.com") && dbg.contains("uploadSession"), "still useful: {dbg}");
    let req: Request<()> = Request::new(&client, Method::Get, &["shares", "u!x"]).query_param("token", "TOKEN-SECRET");
    let dbg = format!("{req:?}");
    assert!(!dbg.contains("TOKEN-SECRET"), "{dbg}");

    let page: msgraph_core::paging::Page<Value> = msgraph_codec::json::from_str(&format!(
        r#"{{"value":[],"@odata.nextLink":"{upload}&x=NEXT-SECRET","@odata.deltaLink":"https://graph.microsoft.com/v1.0/x?token=DELTA-SECRET"}}"#
    ))
    .unwrap();
    let dbg = format!("{page:?}");
    assert!(!dbg.contains("SECRET"), "{dbg}");
    let session: Value =
        msgraph_codec::json::from_str(&format!(r#"{{"uploadUrl":"{upload}","nextExpectedRanges":["0-"]}}"#)).unwrap();
    let large = msgraph_core::upload::LargeFileUpload::new(&client, &session, vec![0u8; 10]).unwrap();
    let dbg = format!("{large:?}");
    assert!(!dbg.contains("TEMPAUTH-SECRET") && dbg.contains("0-"), "{dbg}");
    let round = msgraph_core::paging::DeltaRound::<Value> {
        items: Vec::new(),
        delta_link: "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=DELTA-SECRET".into(),
    };
    assert!(!format!("{round:?}").contains("DELTA-SECRET"), "{round:?}");
    // Getters still give the URLs as they are.
    assert!(page.next_link().unwrap().ends_with("NEXT-SECRET"));
    let kept: Value = large.session().unwrap();
    assert!(kept["uploadUrl"].as_str().unwrap().ends_with("TEMPAUTH-SECRET"));
}

/// A server's `message` (and `code`, OAuth `error_description`) is shown with control characters
/// escaped, so an answer cannot rewrite a terminal or forge log lines.
#[test]
fn server_messages_are_displayed_with_control_characters_escaped() {
    use msgraph_core::http::{Headers, HttpResponse};
    let body = json!({"error": {"code": "bad\u{1b}[31m", "message": "denied\r\n2026-01-01 INFO login ok for admin\u{1b}[2J\u{7}\u{202e}"}});
    let mut h = Headers::new();
    h.insert("content-type", "application/json").unwrap();
    let e = HttpResponse::new(403, h.clone(), serde_json::to_vec(&body).unwrap()).to_error();
    let oauth = json!({"error": "invalid_grant\n", "error_description": "AADSTS\u{1b}]0;pwned\u{7}\nnext line"});
    let o = HttpResponse::new(400, h, serde_json::to_vec(&oauth).unwrap()).to_error();
    for text in [e.to_string(), format!("{e:?}"), o.to_string(), format!("{o:?}")] {
        assert!(!text.chars().any(|c| c.is_control() || c == '\u{202e}'), "raw control character in {text:?}");
    }
    let shown = e.to_string();
    assert!(shown.contains(r"denied\r\n2026-01-01 INFO login ok for admin\u{1b}[2J\u{7}\u{202e}"), "{shown}");
    assert!(shown.contains(r"bad\u{1b}[31m"), "{shown}");
    // The accessors keep the message as sent.
    assert!(e.message().contains('\n'));
}
