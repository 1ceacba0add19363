//! Which failures are retried, by method: a request whose outcome is unknown (a 504, a
//! connection lost after sending) is sent again only when that cannot duplicate its effect,
//! unless the caller opts in; a `$batch` with writes follows the same rule item by item.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use msgraph_core::error::ErrorKind;
use msgraph_core::http::Method;
use msgraph_core::pipeline::RetryOptions;
use msgraph_core::queue::Queue;
use serde_json::{json, Value};
use support::{Action, MockServer, Recorded, Reply};

fn gateway_timeout() -> Action {
    Reply::json(504, json!({"error": {"code": "GatewayTimeout", "message": "upstream did not answer"}}))
        .header("retry-after", "0")
        .into()
}

fn created(r: &Recorded) -> Action {
    Reply::json(201, json!({"method": r.method, "target": r.target})).into()
}

/// Answers every item of a `$batch` with 200 and an echo of it.
fn echo_batch(r: &Recorded) -> Action {
    let doc = r.json();
    let out: Vec<Value> = doc["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            json!({"id": q["id"], "status": 200, "headers": {"Content-Type": "application/json"},
                   "body": {"method": q["method"], "url": q["url"]}})
        })
        .collect();
    Reply::json(200, json!({"responses": out})).into()
}

fn fast_retries() -> RetryOptions {
    RetryOptions::new().base_delay(Duration::from_millis(5)).max_delay(Duration::from_secs(5))
}

fn count(server: &MockServer, method: &str, path: &str) -> usize {
    server.requests().iter().filter(|r| r.method == method && r.path() == path).count()
}

#[tokio::test]
async fn a_post_or_patch_answered_504_is_sent_exactly_once() {
    let server = MockServer::start(|_, _| gateway_timeout()).await;
    let client = server.client();
    for method in [Method::Post, Method::Patch] {
        let e = client.request::<Value>(method, &["groups"]).body_json_text("{}").send().await.unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Http, Some(504)));
        assert!(e.to_string().contains("outcome unknown"), "{e}");
        assert_eq!(count(&server, method.as_str(), "/v1.0/groups"), 1, "{method} sent exactly once");
    }
    // Idempotent methods are still retried: 1 try + 3 retries.
    for method in [Method::Get, Method::Put, Method::Delete] {
        let e = client.request::<Value>(method, &["things"]).send().await.unwrap_err();
        assert_eq!(e.status(), Some(504));
        assert_eq!(count(&server, method.as_str(), "/v1.0/things"), 4, "{method} retried");
    }
}

#[tokio::test]
async fn a_post_answered_429_or_503_is_still_retried() {
    // The service refused it without running it.
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let server = MockServer::start(move |r, _| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(429, json!({"error": {"code": "TooManyRequests", "message": "x"}}))
            .header("retry-after", "0")
            .into(),
        1 => Reply::json(503, json!({"error": {"code": "serviceNotAvailable", "message": "x"}}))
            .header("retry-after", "0")
            .into(),
        _ => created(r),
    })
    .await;
    let client = server.client();
    let v: Value = client.request(Method::Post, &["groups"]).body_json_text("{}").send().await.unwrap();
    assert_eq!(v["method"], "POST");
    assert_eq!(count(&server, "POST", "/v1.0/groups"), 3);
}

#[tokio::test]
async fn with_opt_in_a_post_answered_504_or_cut_off_is_retried() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let server = MockServer::start(move |r, _| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => gateway_timeout(),
        1 => Action::Drop,
        _ => created(r),
    })
    .await;
    let client = server.client_builder().retry(fast_retries().retry_unknown_outcomes(true)).build().unwrap();
    let v: Value = client.request(Method::Post, &["groups"]).body_json_text(r#"{"a":1}"#).send().await.unwrap();
    assert_eq!(v["method"], "POST");
    let posts = server.requests();
    assert_eq!(posts.len(), 3);
    assert!(posts.iter().all(|r| r.body == br#"{"a":1}"#));
    let ids: Vec<_> = posts.iter().map(|r| r.header("client-request-id").unwrap().to_string()).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "one logical request");
    // Without the opt-in a lost connection is not retried either.
    let server = MockServer::start(|_, _| Action::Drop).await;
    let e = server.client().request::<Value>(Method::Post, &["groups"]).body_json_text("{}").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(server.count(), 1);
}

/// The outer `$batch` (a POST) with writes in it is answered 504: it is not resent; its reads
/// go out again in a new batch, its writes fail saying their outcome is unknown.
#[tokio::test]
async fn a_batch_with_writes_is_not_resent_after_an_outer_504() {
    let batches = Arc::new(AtomicUsize::new(0));
    let b = batches.clone();
    let server =
        MockServer::start(
            move |r, _| {
                if b.fetch_add(1, Ordering::SeqCst) == 0 {
                    gateway_timeout()
                } else {
                    echo_batch(r)
                }
            },
        )
        .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let create = queue.add(client.request::<Value>(Method::Post, &["groups"]).body_json_text("{}"));
    let read_a = queue.add(client.get::<Value>(&["a"]));
    let update = queue.add(client.request::<Value>(Method::Patch, &["users", "u1"]).body_json_text("{}"));
    let read_b = queue.add(client.get::<Value>(&["b"]));
    let s = queue.execute().await.unwrap();
    let sent: Vec<Vec<String>> = server
        .requests()
        .iter()
        .map(|r| {
            r.json()["requests"].as_array().unwrap().iter().map(|q| q["url"].as_str().unwrap().to_string()).collect()
        })
        .collect();
    assert_eq!(sent, [vec!["/groups", "/a", "/users/u1", "/b"], vec!["/a", "/b"]], "only the reads were resent");
    for h in [&create, &update] {
        let e = h.take().unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Http, Some(504)));
        assert_eq!(e.batch_item_id(), Some(h.id().to_string().as_str()));
        assert!(e.to_string().contains("outcome unknown"), "{e}");
    }
    assert_eq!(read_a.take().unwrap()["url"], "/a");
    assert_eq!(read_b.take().unwrap()["url"], "/b");
    assert_eq!((s.succeeded, s.failed, s.batches, s.requeued), (2, 2, 2, 2));
}

/// The same when the connection of the `$batch` is lost after sending: reads are resent,
/// writes (a `PUT` too: only safe methods are resent after a lost connection) are not.
#[tokio::test]
async fn a_batch_with_writes_cut_off_resends_only_its_reads() {
    let batches = Arc::new(AtomicUsize::new(0));
    let b = batches.clone();
    let server = MockServer::start(move |r, _| {
        if r.path() != "/v1.0/$batch" {
            return Reply::json(200, json!({"url": r.target.trim_start_matches("/v1.0")})).into();
        }
        if b.fetch_add(1, Ordering::SeqCst) == 0 {
            Action::Drop
        } else {
            echo_batch(r)
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let create = queue.add(client.request::<Value>(Method::Post, &["groups"]).body_json_text("{}"));
    let replace = queue.add(client.request::<Value>(Method::Put, &["items", "1"]).body_json_text("{}"));
    let reads: Vec<_> = (0..3).map(|i| queue.add(client.get::<Value>(&["r", &i.to_string()]))).collect();
    queue.execute().await.unwrap();
    for h in [&create, &replace] {
        let e = h.take().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert!(e.to_string().contains("outcome unknown"), "{e}");
    }
    for (i, h) in reads.iter().enumerate() {
        assert_eq!(h.take().unwrap()["url"], format!("/r/{i}"));
    }
    let second = server.requests()[1].json();
    let urls: Vec<&str> = second["requests"].as_array().unwrap().iter().map(|q| q["url"].as_str().unwrap()).collect();
    assert_eq!(urls, ["/r/0", "/r/1", "/r/2"]);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn with_opt_in_a_batch_with_writes_is_resent_after_an_outer_504() {
    let batches = Arc::new(AtomicUsize::new(0));
    let b = batches.clone();
    let server =
        MockServer::start(
            move |r, _| {
                if b.fetch_add(1, Ordering::SeqCst) == 0 {
                    gateway_timeout()
                } else {
                    echo_batch(r)
                }
            },
        )
        .await;
    let client = server.client_builder().retry(fast_retries().retry_unknown_outcomes(true)).build().unwrap();
    let queue = Queue::new(&client);
    let create = queue.add(client.request::<Value>(Method::Post, &["groups"]).body_json_text("{}"));
    let read = queue.add(client.get::<Value>(&["a"]));
    queue.execute().await.unwrap();
    assert_eq!(create.take().unwrap()["method"], "POST");
    assert_eq!(read.take().unwrap()["url"], "/a");
    assert_eq!(server.count(), 2);
    let second = server.requests()[1].json();
    assert_eq!(second["requests"].as_array().unwrap().len(), 2, "the whole batch went again");
}

/// An item of a batch answered 504: a write is not resent, a read is.
#[tokio::test]
async fn a_write_item_answered_504_is_not_resent() {
    let server = MockServer::start(|r, _| {
        if r.path() != "/v1.0/$batch" {
            // A lone retry goes out on its own.
            return Reply::json(200, json!({"url": r.target.trim_start_matches("/v1.0")})).into();
        }
        let doc = r.json();
        let out: Vec<Value> = doc["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                json!({"id": q["id"], "status": 504, "headers": {"Retry-After": "0"},
                       "body": {"error": {"code": "GatewayTimeout", "message": "x"}}})
            })
            .collect();
        Reply::json(200, json!({"responses": out})).into()
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let create = queue.add(client.request::<Value>(Method::Post, &["groups"]).body_json_text("{}"));
    let read = queue.add(client.get::<Value>(&["a"]));
    queue.execute().await.unwrap();
    let e = create.take().unwrap_err();
    assert_eq!(e.status(), Some(504));
    assert!(e.to_string().contains("outcome unknown"), "{e}");
    assert_eq!(read.take().unwrap()["url"], "/a");
    let posts_of_create = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/v1.0/$batch")
        .flat_map(|r| r.json()["requests"].as_array().unwrap().clone())
        .filter(|q| q["url"] == "/groups")
        .count();
    assert_eq!(posts_of_create, 1, "the write item was sent exactly once");
}
