//! Options for one request: its retry policy, timeout, extra headers and `Prefer` values, sent
//! directly, page after page and in the query queue; and fractional `Retry-After` values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use msgraph_core::auth::StaticTokenProvider;
use msgraph_core::client::Client;
use msgraph_core::error::{ErrorKind, Result};
use msgraph_core::http::{BoxFuture, Context, Headers, HttpRequest, HttpResponse, HttpTransport};
use msgraph_core::paging::Page;
use msgraph_core::pipeline::RetryOptions;
use msgraph_core::queue::Queue;
use msgraph_core::request::Prefer;
use serde_json::{json, Value};
use support::{Action, MockServer, Reply};

fn unavailable() -> Action {
    Reply::json(503, json!({"error": {"code": "serviceNotAvailable", "message": "x"}}))
        .header("retry-after", "0")
        .into()
}

fn hits(server: &MockServer, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path() == path).count()
}

#[tokio::test]
async fn no_retry_on_one_request_sends_it_once_while_the_client_retries_others() {
    let server = MockServer::start(|_, _| unavailable()).await;
    let client = server.client();
    let e = client.get::<Value>(&["once"]).no_retry().send().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(hits(&server, "/v1.0/once"), 1, "no_retry: sent once");
    let e = client.get::<Value>(&["twice"]).retry(RetryOptions::new().max_retries(1)).send().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(hits(&server, "/v1.0/twice"), 2, "its own count: 1 try + 1 retry");
    client.get::<Value>(&["others"]).send_with_warnings().await.unwrap_err();
    assert_eq!(hits(&server, "/v1.0/others"), 4, "the client's policy: 1 try + 3 retries");
}

#[tokio::test]
async fn a_per_request_timeout_fires_and_applies_to_every_page() {
    let server = MockServer::start(|r, base| {
        let slow = Action::Delay(Duration::from_secs(3), Box::new(Reply::json(200, json!({"value": []})).into()));
        match r.query() {
            Some(q) if q.contains("page=2") => slow,
            _ if r.path() == "/v1.0/slow" => slow,
            _ => Reply::json(200, json!({"value": [1], "@odata.nextLink": format!("{base}/v1.0/items?page=2")})).into(),
        }
    })
    .await;
    let client = server.client(); // 20 s per try
    let e = client.get::<Value>(&["slow"]).timeout(Duration::from_millis(200)).no_retry().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let mut pages = client.get::<Page<Value>>(&["items"]).timeout(Duration::from_millis(200)).no_retry().pages();
    assert_eq!(pages.next_page().await.unwrap().unwrap().into_items(), [json!(1)]);
    let e = pages.next_page().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "the second page has the first request's timeout: {e}");
    assert_eq!(hits(&server, "/v1.0/items"), 2, "and its retry policy (no retry)");
}

#[tokio::test]
async fn page_requests_carry_the_first_requests_retry_policy_headers_and_prefer() {
    let server = MockServer::start(|r, base| match r.query() {
        Some(q) if q.contains("page=2") => unavailable(),
        _ => Reply::json(200, json!({"value": [1], "@odata.nextLink": format!("{base}/v1.0/items?page=2")})).into(),
    })
    .await;
    let client = server.client();
    let e = client
        .get::<Page<Value>>(&["items"])
        .no_retry()
        .header("X-Trace", "t-1")
        .prefer(Prefer::MaxPageSize(1))
        .items()
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "page 2 is not retried: {seen:?}");
    for r in &seen {
        assert_eq!(r.header("x-trace"), Some("t-1"));
        assert_eq!(r.header("prefer"), Some("odata.maxpagesize=1"));
    }
}

#[tokio::test]
async fn extra_headers_and_combined_prefer_values_reach_the_server() {
    let server = MockServer::start(|r, _| support::echo(r)).await;
    let client = server.client();
    client
        .request::<Value>(msgraph_core::http::Method::Post, &["me", "events"])
        .body_json_text("{}")
        .header("X-Custom", "a b")
        .prefer(Prefer::ReturnMinimal)
        .prefer(Prefer::IncludeUnknownEnumMembers)
        .prefer(Prefer::outlook_timezone("Pacific Standard Time"))
        .prefer(Prefer::MaxPageSize(50))
        .prefer(Prefer::MaxPageSize(25)) // the same preference twice: the last wins
        .send()
        .await
        .unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-custom"), Some("a b"));
    assert_eq!(
        r.header("prefer"),
        Some(
            r#"return=minimal, include-unknown-enum-members, outlook.timezone="Pacific Standard Time", odata.maxpagesize=25"#
        )
    );
    assert_eq!(r.headers.iter().filter(|(k, _)| k == "prefer").count(), 1, "one Prefer header");
    // A Prefer header set by hand is kept and joined.
    client.get::<Value>(&["me"]).header("Prefer", "respond-async").prefer(Prefer::ReturnMinimal).send().await.unwrap();
    assert_eq!(server.requests()[1].header("prefer"), Some("respond-async, return=minimal"));
}

#[tokio::test]
async fn bad_header_values_are_named_errors_before_anything_is_sent() {
    let server = MockServer::start(|r, _| support::echo(r)).await;
    let client = server.client();
    let e = client.get::<Value>(&["me"]).header("X-Custom", "a\r\nInjected: 1").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.to_string().contains("\"x-custom\"") && !e.to_string().contains("Injected"), "{e}");
    for tz in ["Pacific \"Standard\" Time", "Zone\\X", "caf\u{e9}", "", "a\nb"] {
        let e = client.get::<Value>(&["me"]).prefer(Prefer::outlook_timezone(tz)).send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation);
        assert!(e.to_string().contains("outlook.timezone") && e.to_string().contains("Prefer"), "{e}");
    }
    let e = client.get::<Value>(&["me"]).prefer(Prefer::MaxPageSize(0)).send().await.unwrap_err();
    assert!(e.to_string().contains("odata.maxpagesize"), "{e}");
    assert_eq!(server.count(), 0, "nothing was sent");
}

type Answer = (u16, Vec<(&'static str, String)>, String);

/// Answers from a script (the last answer repeats; in a `$batch` answer built with
/// [`batch_answer`], item `#n` is the id of the n-th item sent) and records when each request
/// came, on tokio's clock (paused in these tests, so delays are exact).
#[derive(Debug, Default)]
struct Script {
    answers: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<(String, tokio::time::Instant, Vec<u8>)>>,
}

impl HttpTransport for Script {
    fn send<'a>(&'a self, request: &'a HttpRequest, _: &'a Context) -> BoxFuture<'a, Result<HttpResponse>> {
        let body = request.body().as_bytes().map(<[u8]>::to_vec).unwrap_or_default();
        let ids: Vec<String> = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|d| d["requests"].as_array().map(|a| a.iter().map(|q| q["id"].to_string()).collect()))
            .unwrap_or_default();
        self.seen.lock().unwrap().push((request.url().to_string(), tokio::time::Instant::now(), body));
        let mut answers = self.answers.lock().unwrap();
        let (status, headers, mut body) =
            if answers.len() > 1 { answers.pop_front().unwrap() } else { answers.front().cloned().unwrap() };
        for (n, id) in ids.iter().enumerate().rev() {
            body = body.replace(&format!("\"#{n}\""), id);
        }
        let mut h = Headers::new();
        h.insert("content-type", "application/json").unwrap();
        for (k, v) in headers {
            h.insert(k, v).unwrap();
        }
        Box::pin(std::future::ready(Ok(HttpResponse::new(status, h, body.into_bytes()))))
    }
}

fn scripted(answers: Vec<Answer>) -> (Client, Arc<Script>) {
    let script = Arc::new(Script { answers: Mutex::new(answers.into()), seen: Mutex::default() });
    let client = Client::builder()
        .credential(StaticTokenProvider::new("test-token"))
        // Backoff without Retry-After would be 10 s: a Retry-After that is not understood shows.
        .retry(RetryOptions::new().base_delay(Duration::from_secs(10)))
        .transport(script.clone())
        .build()
        .unwrap();
    (client, script)
}

fn gaps(script: &Script) -> Vec<Duration> {
    script.seen.lock().unwrap().windows(2).map(|w| w[1].1 - w[0].1).collect()
}

#[tokio::test(start_paused = true)]
async fn a_fractional_retry_after_is_waited_for_to_the_millisecond() {
    let (client, script) = scripted(vec![
        (429, vec![("retry-after", "0.249".into())], "{}".into()),
        (503, vec![("retry-after", "1.0001".into())], "{}".into()),
        (200, vec![], "{}".into()),
    ]);
    client.get::<Value>(&["me"]).send().await.unwrap();
    // Rounded up to the millisecond.
    assert_eq!(gaps(&script), [Duration::from_millis(249), Duration::from_millis(1001)]);

    // Still capped by the policy's max delay: longer is not retried.
    let (client, script) = scripted(vec![(429, vec![("retry-after", "180.001".into())], "{}".into())]);
    let e = client.get::<Value>(&["me"]).send().await.unwrap_err();
    assert_eq!((e.status(), e.retry_after()), (Some(429), Some(Duration::from_millis(180_001))));
    assert_eq!(script.seen.lock().unwrap().len(), 1);
}

/// A `$batch` answer: one `(status, Retry-After)` per item sent, in order.
fn batch_answer(items: &[(u16, Option<&str>)]) -> String {
    let responses: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(n, (status, retry_after))| {
            let id = format!("#{n}");
            let mut headers = json!({"Content-Type": "application/json"});
            if let Some(ra) = retry_after {
                headers["Retry-After"] = json!(ra);
            }
            json!({"id": id, "status": status, "headers": headers, "body": {}})
        })
        .collect();
    json!({ "responses": responses }).to_string()
}

#[tokio::test(start_paused = true)]
async fn a_fractional_retry_after_of_a_batch_item_is_waited_for() {
    let (client, script) =
        scripted(vec![(200, vec![], batch_answer(&[(429, Some("0.249")), (200, None)])), (200, vec![], "{}".into())]);
    let queue = Queue::new(&client);
    let a = queue.add(client.get::<Value>(&["a"]));
    let b = queue.add(client.get::<Value>(&["b"]));
    queue.execute().await.unwrap();
    a.take().unwrap();
    b.take().unwrap();
    assert_eq!(gaps(&script), [Duration::from_millis(249)], "the item is sent again after 249 ms");
}

#[tokio::test(start_paused = true)]
async fn in_a_batch_each_item_follows_its_own_retry_policy_and_the_batch_the_clients() {
    let (client, script) = scripted(vec![
        // The outer $batch is throttled once: retried by the client's policy.
        (429, vec![("retry-after", "2".into())], "{}".into()),
        (200, vec![], batch_answer(&[(429, Some("1")), (429, Some("1")), (429, Some("1"))])),
        // Items 2 (1 retry of its own) and 3 (the client's 3) go again in one batch.
        (200, vec![], batch_answer(&[(429, Some("1")), (429, Some("1"))])),
        // Item 3 alone.
        (429, vec![("retry-after", "1".into())], "{}".into()),
        (200, vec![], "{}".into()),
    ]);
    let queue = Queue::new(&client);
    let once = queue.add(client.get::<Value>(&["once"]).no_retry());
    let twice = queue.add(client.get::<Value>(&["twice"]).retry(RetryOptions::new().max_retries(1)));
    let others = queue.add(client.get::<Value>(&["others"]));
    queue.execute().await.unwrap();
    assert_eq!(once.take().unwrap_err().status(), Some(429), "no_retry: tried once");
    assert_eq!(twice.take().unwrap_err().status(), Some(429), "its own single retry used");
    others.take().unwrap();
    let seen = script.seen.lock().unwrap();
    let urls: Vec<&str> = seen.iter().map(|(u, _, _)| u.rsplit('/').next().unwrap()).collect();
    assert_eq!(urls, ["$batch", "$batch", "$batch", "others", "others"]);
    let ids = |i: usize| -> Vec<String> {
        let doc: Value = serde_json::from_slice(&seen[i].2).unwrap();
        doc["requests"].as_array().unwrap().iter().map(|q| q["url"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(1), ["/once", "/twice", "/others"]);
    assert_eq!(ids(2), ["/twice", "/others"]);
}
