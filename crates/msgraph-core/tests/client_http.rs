//! End-to-end requests through the real pipeline and the reqwest transport against the
//! scripted mock server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use msgraph_codec::odata::literal;
use msgraph_core::error::ErrorKind;
use msgraph_core::http::{HttpResponse, Method};
use msgraph_core::paging::Page;
use msgraph_core::request::Request;
use serde_json::{json, Value};
use support::{echo, Action, MockServer, Reply};

#[tokio::test]
async fn headers_encoding_and_decoding_on_the_wire() {
    let server = MockServer::start(|r, _| echo(r)).await;
    let client = server.client_builder().user_agent("contoso-sync/2.1").build().unwrap();
    let v: Value = client
        .get(&["users", "O'Neil/x?y#z%é", "authentication", "phoneMethods"])
        .filter(format!("phoneType eq {}", literal::string("it's")))
        .select(&["id", "phoneNumber"])
        .send()
        .await
        .unwrap();
    let expected_target = "/v1.0/users/O%27Neil%2Fx%3Fy%23z%25%C3%A9/authentication/phoneMethods\
        ?$select=id,phoneNumber&$filter=phoneType%20eq%20%27it%27%27s%27";
    assert_eq!(v["target"], expected_target);
    let r = &server.requests()[0];
    assert_eq!(r.target, expected_target);
    assert_eq!(r.header("authorization"), Some("Bearer test-token"));
    assert!(r.header("user-agent").unwrap().starts_with("contoso-sync/2.1 msgraph-rs/"));
    assert!(uuid::Uuid::parse_str(r.header("client-request-id").unwrap()).is_ok());
    assert_eq!(r.header("accept-encoding"), Some("gzip"));
    assert!(r.header("sdkversion").is_none());
    assert!(r.header("consistencylevel").is_none());
}

#[tokio::test]
async fn count_and_search_add_consistency_level() {
    let server = MockServer::start(|_, _| Reply::json(200, json!({"value": [], "@odata.count": 0})).into()).await;
    let client = server.client();
    let _: Page<Value> = client.get(&["users"]).count(true).send().await.unwrap();
    let _: Page<Value> = client.get(&["users"]).search("displayName:kim").send().await.unwrap();
    let _: Page<Value> = client.get(&["users"]).top(1).send().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs[0].header("consistencylevel"), Some("eventual"));
    assert_eq!(reqs[0].query(), Some("$count=true"));
    assert_eq!(reqs[1].header("consistencylevel"), Some("eventual"));
    assert_eq!(reqs[1].query(), Some("$search=%22displayName:kim%22"));
    assert!(reqs[2].header("consistencylevel").is_none());
}

#[tokio::test]
async fn graph_errors_are_parsed_with_ids() {
    let server = MockServer::start(|r, _| {
        if r.path().ends_with("/nope") {
            Reply::json(
                404,
                json!({"error": {"code": "Request_ResourceNotFound", "message": "Resource 'nope' does not exist.",
                    "innerError": {"date": "2024-05-01T10:00:00", "request-id": "req-1"}}}),
            )
            .header("request-id", "req-header")
            .into()
        } else {
            Reply::text(502, "text/html", "<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>").into()
        }
    })
    .await;
    let client = server.client();
    let e = client.get::<Value>(&["users", "nope"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Http);
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.code(), Some("Request_ResourceNotFound"));
    assert_eq!(e.request_id(), Some("req-1"));
    assert_eq!(e.date(), Some("2024-05-01T10:00:00"));
    // Not echoed by the server: the id we sent.
    let sent = server.requests()[0].header("client-request-id").unwrap().to_string();
    assert_eq!(e.client_request_id(), Some(sent.as_str()));
    let text = e.to_string();
    assert!(text.contains("404") && text.contains("Request_ResourceNotFound") && text.contains("req-1"), "{text}");

    let e = client.get::<Value>(&["proxy"]).send().await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Http, Some(502)));
    assert!(e.body_snippet().unwrap().contains("502 Bad Gateway"));
    assert_eq!(e.content_type(), Some("text/html"));
    assert_eq!(server.count(), 2, "502 is not retried");
}

#[tokio::test]
async fn bad_bodies_give_precise_errors() {
    let server = MockServer::start(|r, _| match r.path() {
        "/v1.0/html" => Reply::text(200, "text/html", "<html>login</html>").into(),
        "/v1.0/wrongtype" => Reply::json(200, json!({"value": [1, 2, "three"]})).into(),
        "/v1.0/truncated-json" => Reply::text(200, "application/json", r#"{"value":[{"id":"1"},{"id":"#).into(),
        "/v1.0/cut" => Action::Truncate(Reply::json(200, json!({"id": "x".repeat(500)})), 20),
        "/v1.0/empty" => Reply::new(204).into(),
        _ => Reply::new(500).into(),
    })
    .await;
    let client = server.client();
    let e = client.get::<Value>(&["html"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("text/html"), "{e}");
    let e = client.get::<Page<i64>>(&["wrongtype"]).send().await.unwrap_err();
    assert_eq!((e.kind(), e.json_path()), (ErrorKind::Decode, Some("$.value[2]")));
    assert_eq!(e.status(), Some(200));
    let e = client.get::<Page<Value>>(&["truncated-json"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    // A body cut off by a closed connection: a transport error (GET: retried, then reported).
    let e = client.get::<Value>(&["cut"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(server.requests().iter().filter(|r| r.path() == "/v1.0/cut").count(), 4);
    // 204: `()` is fine, `Option` is None, a model type is a clear error.
    client.get::<()>(&["empty"]).send().await.unwrap();
    assert_eq!(client.get::<Option<Value>>(&["empty"]).send().await.unwrap(), None);
    let e = client.get::<String>(&["empty"]).send().await.unwrap_err();
    assert!(e.to_string().contains("204"), "{e}");
    let raw: HttpResponse = client.get(&["empty"]).send().await.unwrap();
    assert_eq!(raw.status(), 204);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[tokio::test]
async fn gzip_and_size_limits() {
    let server = MockServer::start(|r, _| match r.path() {
        "/v1.0/gz" => Reply::new(200)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(gzip(br#"{"displayName":"zipped"}"#))
            .into(),
        "/v1.0/bomb" => Reply::new(200).header("content-encoding", "gzip").body(gzip(&vec![b' '; 5_000_000])).into(),
        _ => Reply::new(200).header("content-type", "application/json").body(vec![b' '; 50_000]).into(),
    })
    .await;
    let client = server.client_builder().max_response_bytes(10_000).build().unwrap();
    let v: Value = client.get(&["gz"]).send().await.unwrap();
    assert_eq!(v["displayName"], "zipped");
    let e = client.get::<Value>(&["huge"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge);
    let e = client.get::<Value>(&["bomb"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge);
    // A per-request limit overrides the client's.
    let e = client.get::<Value>(&["gz"]).max_response_bytes(5).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge);
}

#[tokio::test]
async fn throttling_is_retried_over_the_wire() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let server = MockServer::start(move |_, _| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(429, json!({"error": {"code": "TooManyRequests", "message": "slow down"}}))
            .header("retry-after", "0")
            .into(),
        1 => Reply::new(503).header("retry-after", "invalid").into(),
        _ => Reply::json(200, json!({"ok": true})).into(),
    })
    .await;
    let client = server.client();
    let v: Value = client.request(Method::Post, &["me", "sendMail"]).body_json_text("{\"a\":1}").send().await.unwrap();
    assert_eq!(v["ok"], true);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[1].header("retry-attempt"), Some("1"));
    assert_eq!(reqs[2].header("retry-attempt"), Some("2"));
    assert!(reqs.iter().all(|r| r.body == b"{\"a\":1}"));
    // Same client-request-id on every try.
    assert!(reqs.iter().all(|r| r.header("client-request-id") == reqs[0].header("client-request-id")));
    // Exhausted: the last answer's error, with its Retry-After.
    let server = MockServer::start(|_, _| {
        Reply::json(429, json!({"error": {"code": "TooManyRequests", "message": "x"}}))
            .header("retry-after", "0")
            .into()
    })
    .await;
    let e = server.client().get::<Value>(&["me"]).send().await.unwrap_err();
    assert_eq!((e.status(), e.code(), e.retry_after()), (Some(429), Some("TooManyRequests"), Some(Duration::ZERO)));
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn timeouts_and_dropped_connections() {
    let server = MockServer::start(|r, _| match r.path() {
        "/v1.0/slow" => Action::Delay(Duration::from_secs(3), Box::new(Reply::new(200).into())),
        _ => Action::Drop,
    })
    .await;
    let client = server.client_builder().timeout(Some(Duration::from_millis(200))).build().unwrap();
    let started = std::time::Instant::now();
    let e = client.get::<()>(&["slow"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
    let e = client.request::<()>(Method::Post, &["drop"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(server.requests().iter().filter(|r| r.path() == "/v1.0/drop").count(), 1, "POST is not retried");
    let _ = client.get::<()>(&["drop"]).send().await.unwrap_err();
    assert_eq!(server.requests().iter().filter(|r| r.path() == "/v1.0/drop").count(), 5, "GET is retried 3 times");
}

#[tokio::test]
async fn redirects_drop_the_token_across_origins() {
    let other = MockServer::start(|r, _| echo(r)).await;
    let other_url = other.url();
    let server = MockServer::start(move |r, base| match r.path() {
        "/v1.0/away" => Reply::new(302).header("location", &format!("{other_url}/landing?x=1")).into(),
        "/v1.0/here" => Reply::new(307).header("location", &format!("{base}/v1.0/landed")).into(),
        "/v1.0/see" => Reply::new(303).header("location", "/v1.0/status").into(),
        _ => echo(r),
    })
    .await;
    let client = server.client();
    let v: Value = client.get(&["away"]).send().await.unwrap();
    assert_eq!(v["target"], "/landing?x=1");
    let landed = &other.requests()[0];
    assert!(landed.header("authorization").is_none(), "token leaked to another origin");
    let v: Value = client.request(Method::Put, &["here"]).body_json_text("{}").send().await.unwrap();
    assert_eq!(v["method"], "PUT");
    assert_eq!(server.requests().last().unwrap().header("authorization"), Some("Bearer test-token"));
    let v: Value = client.request(Method::Post, &["see"]).body_json_text("{}").send().await.unwrap();
    assert_eq!(v["method"], "GET");
    assert!(server.requests().last().unwrap().body.is_empty());
    // A request aimed at a foreign origin gets no token either.
    let _: Value = Request::from_url(&client, Method::Get, &format!("{}/direct", other.url())).send().await.unwrap();
    assert!(other.requests()[1].header("authorization").is_none());
}

#[tokio::test]
async fn invalid_requests_fail_before_sending() {
    let server = MockServer::start(|r, _| echo(r)).await;
    let client = server.client();
    let e = client.get::<Value>(&["me"]).header("X-Evil", "a\r\nInjected: yes").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let e = client.get::<Value>(&["users", ""]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let e = client.get::<Value>(&["drives", "..", "root"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let e = Request::<Value>::from_url(&client, Method::Get, "file:///etc/passwd").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn non_ascii_and_reserved_ids_round_trip() {
    let server = MockServer::start(|r, _| echo(r)).await;
    let client = server.client();
    for (id, encoded) in [
        ("a b", "a%20b"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("x+y=z&w", "x%2By=z%26w"),
        ("AAMkAGI2T/Q+5A==", "AAMkAGI2T%2FQ%2B5A=="),
        ("...", "..."),
        ("a..b", "a..b"),
        ("%2F", "%252F"),
    ] {
        let v: Value = client.get(&["drives", id]).send().await.unwrap();
        assert_eq!(v["target"], format!("/v1.0/drives/{encoded}"), "{id}");
    }
}

#[tokio::test]
async fn streaming_bodies_are_sent_once_and_never_retried() {
    struct Chunks(Vec<Vec<u8>>);
    impl futures_core::Stream for Chunks {
        type Item = std::io::Result<Vec<u8>>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            let next = if self.0.is_empty() { None } else { Some(Ok(self.0.remove(0))) };
            std::task::Poll::Ready(next)
        }
    }
    let server = MockServer::start(|r, _| {
        if r.path().ends_with("/busy") {
            Reply::new(503).header("retry-after", "0").into()
        } else {
            Reply::json(200, json!({"got": String::from_utf8_lossy(&r.body)})).into()
        }
    })
    .await;
    let client = server.client();
    for (len, path) in [(Some(11), "ok"), (None, "ok")] {
        let mut req = client.request::<Value>(Method::Put, &["content", path]);
        let body = msgraph_core::http::Body::from_stream(Chunks(vec![b"hello ".to_vec(), b"world".to_vec()]), len);
        req.parts_mut().set_body(body, "text/plain");
        assert_eq!(req.send().await.unwrap()["got"], "hello world");
    }
    let mut req = client.request::<Value>(Method::Put, &["content", "busy"]);
    req.parts_mut().set_body(msgraph_core::http::Body::from_stream(Chunks(vec![b"x".to_vec()]), Some(1)), "text/plain");
    assert_eq!(req.send().await.unwrap_err().status(), Some(503));
    assert_eq!(server.requests().iter().filter(|r| r.path().ends_with("/busy")).count(), 1);
}
