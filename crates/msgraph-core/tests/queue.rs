//! The query queue: `Queue::add` / `Queue::execute` flushed as JSON `$batch`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use msgraph_core::error::ErrorKind;
use msgraph_core::http::{Body, HttpResponse, Method};
use msgraph_core::queue::{ExecuteOptions, Pending, PendingStatus, Queue};
use msgraph_core::request::Request;
use serde_json::{json, Value};
use support::{echo, Action, MockServer, Recorded, Reply};

/// One item answer: status, headers, body.
type ItemAnswer = (u16, Vec<(&'static str, String)>, Value);

/// Simulates Graph's `$batch` endpoint: validates the document the way Graph does (≤ 20 items,
/// unique ids, dependsOn on earlier ids, all-sequential or all-parallel), runs items in order
/// (424 when a dependency did not succeed), and answers in a scrambled order.
fn run_batch(r: &Recorded, seed: u64, item: &dyn Fn(&Value) -> ItemAnswer) -> Action {
    let doc = r.json();
    let requests = doc["requests"].as_array().expect("requests array");
    if requests.len() > 20 {
        return Reply::json(400, json!({"error": {"code": "BadRequest", "message": "too many requests"}})).into();
    }
    let mut seen = HashSet::new();
    let mut with_deps = 0;
    for (i, q) in requests.iter().enumerate() {
        let id = q["id"].as_str().expect("string id").to_ascii_lowercase();
        assert!(seen.insert(id), "duplicate id");
        assert!(q.get("depends_on").is_none(), "dependsOn must be camelCase");
        if let Some(deps) = q.get("dependsOn") {
            with_deps += 1;
            let prev = requests[i - 1]["id"].as_str().unwrap();
            assert_eq!(deps, &json!([prev]), "a sequential batch is a chain");
        }
        if q.get("body").is_some() {
            assert!(q["headers"]["content-type"].is_string(), "an item with a body needs Content-Type");
        }
        assert!(q["url"].as_str().unwrap().starts_with('/'), "relative URL");
    }
    assert!(with_deps == 0 || with_deps == requests.len() - 1, "mixed sequential/parallel batch");
    let mut status_of: HashMap<String, u16> = HashMap::new();
    let mut out = Vec::new();
    for q in requests {
        let id = q["id"].as_str().unwrap().to_string();
        let failed_dep = q
            .get("dependsOn")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|d| !(200..300).contains(&status_of[d.as_str().unwrap()])));
        let (status, headers, body) = if failed_dep {
            (424, vec![], json!({"error": {"code": "FailedDependency", "message": "dependency failed"}}))
        } else {
            item(q)
        };
        status_of.insert(id.clone(), status);
        let mut h = serde_json::Map::new();
        if !headers.iter().any(|(k, _)| *k == "content-type") {
            h.insert("Content-Type".into(), json!("application/json"));
        }
        for (k, v) in headers {
            h.insert(k.to_string(), json!(v));
        }
        out.push(json!({"id": id, "status": status, "headers": h, "body": body}));
    }
    scramble(&mut out, seed);
    Reply::json(200, json!({"responses": out})).into()
}

fn scramble<T>(v: &mut [T], seed: u64) {
    let mut x = seed | 1;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

fn echo_item(q: &Value) -> ItemAnswer {
    (200, vec![], json!({"id": q["id"], "method": q["method"], "url": q["url"], "body": q.get("body")}))
}

/// What a direct (non-batch) request is answered with: the same shape as [`echo_item`].
fn direct_echo(r: &Recorded) -> Action {
    let url = r.target.strip_prefix("/v1.0").unwrap_or(&r.target);
    Reply::json(200, json!({"url": url, "method": r.method, "body": serde_json::from_slice::<Value>(&r.body).ok()}))
        .into()
}

async fn batch_server(item: impl Fn(&Value) -> ItemAnswer + Send + Sync + 'static) -> MockServer {
    let n = AtomicUsize::new(0);
    MockServer::start(move |r, _| {
        if r.path() == "/v1.0/$batch" {
            run_batch(r, 0x9E37_79B9 + n.fetch_add(1, Ordering::SeqCst) as u64, &item)
        } else {
            // A query sent on its own gets the same treatment as a batch item.
            let url = r.target.strip_prefix("/v1.0").unwrap_or(&r.target);
            let q = json!({"id": "direct", "method": r.method, "url": url, "body": serde_json::from_slice::<Value>(&r.body).ok()});
            let (status, headers, body) = item(&q);
            let mut reply = Reply::json(status, body);
            for (k, v) in headers {
                reply = reply.header(k, &v);
            }
            reply.into()
        }
    })
    .await
}

fn batches(server: &MockServer) -> Vec<Value> {
    server.requests().iter().filter(|r| r.path() == "/v1.0/$batch").map(Recorded::json).collect()
}

#[tokio::test]
async fn a_single_query_is_sent_directly() {
    let server = batch_server(echo_item).await;
    let client = server.client();
    let queue = Queue::new(&client);
    let h = queue.add(client.get::<Value>(&["me"]).select(&["id"]));
    assert_eq!(h.status(), PendingStatus::Queued);
    assert_eq!(h.take().unwrap_err().kind(), ErrorKind::NotExecuted);
    let s = queue.execute().await.unwrap();
    assert_eq!((s.queries, s.round_trips, s.batches, s.direct, s.succeeded), (1, 1, 0, 1, 1));
    assert_eq!(h.take().unwrap()["url"], "/me?$select=id");
    assert_eq!(h.take().unwrap_err().kind(), ErrorKind::NotExecuted, "a value is taken once");
    // Nothing queued: nothing sent.
    let s = queue.execute().await.unwrap();
    assert_eq!((s.queries, s.round_trips), (0, 0));
    assert_eq!(server.count(), 1);
}

/// Two tasks share one client, each with its own queue, adding and executing interleaved: each
/// run sends exactly its own queue's queries and resolves exactly its own handles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_of_one_client_never_mix() {
    let server = batch_server(echo_item).await;
    let client = server.client();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let task = |name: &'static str, count: usize| {
        let client = client.clone();
        let barrier = barrier.clone();
        tokio::spawn(async move {
            let queue = Queue::new(&client);
            let mut handles = Vec::new();
            for i in 0..count {
                handles.push((i, queue.add(client.get::<Value>(&[name, &i.to_string()]))));
                if i == count / 2 {
                    // Both tasks are half-way through adding when the first executions start.
                    barrier.wait().await;
                }
            }
            let first = queue.execute().await.unwrap();
            assert_eq!(first.queries, count, "{name}: only its own queries");
            assert!(queue.is_empty());
            for (i, h) in &handles {
                assert_eq!(h.take().unwrap()["url"], format!("/{name}/{i}"), "{name}: its own answer");
            }
            // A second round on the same queue sends nothing new.
            assert_eq!(queue.execute().await.unwrap().queries, 0);
            handles.len()
        })
    };
    let (a, b) = (task("alpha", 7), task("beta", 25));
    assert_eq!((a.await.unwrap(), b.await.unwrap()), (7, 25));
    // Every item of every batch belongs to one queue: no batch mixes the two tasks.
    for batch in batches(&server) {
        let urls: Vec<String> =
            batch["requests"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap().to_string()).collect();
        let alpha = urls.iter().filter(|u| u.starts_with("/alpha/")).count();
        assert!(alpha == 0 || alpha == urls.len(), "a batch mixes the queues: {urls:?}");
    }
}

/// A clone of a queue is the same queue; a new queue is a different one.
#[tokio::test]
async fn cloned_queues_share_new_queues_do_not() {
    let server = batch_server(echo_item).await;
    let client = server.client();
    let queue = Queue::new(&client);
    let same = queue.clone();
    let other = Queue::new(&client);
    let a = queue.add(client.get::<Value>(&["a"]));
    let b = same.add(client.get::<Value>(&["b"]));
    let c = other.add(client.get::<Value>(&["c"]));
    assert_eq!((queue.len(), same.len(), other.len()), (2, 2, 1));
    assert_ne!(a.id(), c.id(), "ids are unique across the queues of one client");
    let s = same.execute().await.unwrap();
    assert_eq!((s.queries, s.batches), (2, 1));
    assert_eq!((a.take().unwrap()["url"].clone(), b.take().unwrap()["url"].clone()), (json!("/a"), json!("/b")));
    assert_eq!(c.status(), PendingStatus::Queued);
    other.execute().await.unwrap();
    assert_eq!(c.take().unwrap()["url"], "/c");
}

#[tokio::test]
async fn batch_items_are_encoded_and_correlated_whatever_the_order() {
    let server = batch_server(echo_item).await;
    let client = server.client();
    let queue = Queue::new(&client);
    let get = queue.add(client.get::<Value>(&["users", "O'Neil@contoso.com"]).select(&["id"]).count(true));
    let post = queue.add(
        client
            .request::<Value>(Method::Post, &["users", "u1", "authentication", "phoneMethods"])
            .body_json_text(r#"{"phoneNumber":"+1 2065555555","phoneType":"mobile"}"#),
    );
    let png = vec![0x89, b'P', b'N', b'G', 0, 255];
    let put = queue
        .add(client.request::<Value>(Method::Put, &["me", "photo", "$value"]).body_bytes(png.clone(), "image/png"));
    let del = queue.add(client.request::<()>(Method::Delete, &["users", "u1", "authentication", "phoneMethods", "m1"]));
    let mut gets = Vec::new();
    for i in 0..10 {
        gets.push(queue.add(client.get::<Value>(&["users", &format!("user{i}")])));
    }
    let s = queue.execute().await.unwrap();
    assert_eq!((s.queries, s.round_trips, s.batches, s.succeeded, s.failed), (14, 1, 1, 14, 0));
    let b = &batches(&server)[0]["requests"];
    // Insertion order, relative URLs, headers, bodies.
    assert_eq!(b.as_array().unwrap().len(), 14);
    assert_eq!(b[0]["url"], "/users/O%27Neil@contoso.com?$select=id&$count=true");
    assert_eq!(b[0]["headers"]["consistencylevel"], "eventual");
    assert_eq!(b[1]["method"], "POST");
    assert_eq!(b[1]["body"]["phoneType"], "mobile");
    assert_eq!(b[1]["headers"]["content-type"], "application/json");
    assert_eq!(b[2]["body"], base64::engine::general_purpose::STANDARD.encode(&png));
    assert_eq!(b[2]["headers"]["content-type"], "image/png");
    assert_eq!(b[3]["method"], "DELETE");
    assert!(b[3].get("body").is_none());
    let ids: Vec<&str> = b.as_array().unwrap().iter().map(|q| q["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 14);
    // The outer request is authenticated; items are not.
    let outer = server.requests().into_iter().find(|r| r.path() == "/v1.0/$batch").unwrap();
    assert_eq!(outer.header("authorization"), Some("Bearer test-token"));
    assert_eq!(outer.header("content-type"), Some("application/json"));
    // Each handle gets its own answer.
    assert_eq!(get.take().unwrap()["url"], "/users/O%27Neil@contoso.com?$select=id&$count=true");
    assert_eq!(post.take().unwrap()["method"], "POST");
    assert_eq!(put.take().unwrap()["body"], base64::engine::general_purpose::STANDARD.encode(&png));
    del.take().unwrap();
    for (i, h) in gets.iter().enumerate() {
        let v = h.take().unwrap();
        assert_eq!(v["url"], format!("/users/user{i}"));
        assert_eq!(v["id"], h.id().to_string());
    }
}

#[tokio::test]
async fn non_json_item_answers_are_base64_decoded() {
    let server = batch_server(|q| {
        if q["url"] == "/me/photo/$value" {
            (
                200,
                vec![("content-type", "image/jpeg".into())],
                json!(base64::engine::general_purpose::STANDARD.encode([1u8, 2, 3])),
            )
        } else {
            echo_item(q)
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let photo = queue.add(client.get::<HttpResponse>(&["me", "photo", "$value"]));
    let me = queue.add(client.get::<Value>(&["me"]));
    queue.execute().await.unwrap();
    let p = photo.take().unwrap();
    assert_eq!((p.body(), p.headers().get("content-type")), (&[1u8, 2, 3][..], Some("image/jpeg")));
    assert_eq!(me.take().unwrap()["url"], "/me");
}

#[tokio::test]
async fn more_than_twenty_queries_split_in_order() {
    let server = batch_server(echo_item).await;
    let client = server.client();
    let queue = Queue::new(&client);
    let handles: Vec<Pending<Value>> =
        (0..45).map(|i| queue.add(client.get::<Value>(&["items", &i.to_string()]))).collect();
    let s = queue.execute().await.unwrap();
    assert_eq!((s.batches, s.round_trips, s.succeeded), (3, 3, 45));
    let mut sizes: Vec<usize> = batches(&server).iter().map(|b| b["requests"].as_array().unwrap().len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, 20, 20]);
    // Insertion order inside and across batches.
    let mut urls: Vec<(u64, String)> = Vec::new();
    for b in batches(&server) {
        let items = b["requests"].as_array().unwrap().clone();
        let firsts: Vec<u64> = items.iter().map(|q| q["id"].as_str().unwrap().parse().unwrap()).collect();
        assert!(firsts.windows(2).all(|w| w[0] < w[1]));
        urls.extend(
            items.iter().map(|q| (q["id"].as_str().unwrap().parse().unwrap(), q["url"].as_str().unwrap().to_string())),
        );
    }
    urls.sort();
    assert_eq!(
        urls.iter().map(|u| u.1.clone()).collect::<Vec<_>>(),
        (0..45).map(|i| format!("/items/{i}")).collect::<Vec<_>>()
    );
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(h.take().unwrap()["url"], format!("/items/{i}"));
    }
}

#[tokio::test]
async fn dependencies_stay_in_one_sequential_batch() {
    let server = batch_server(echo_item).await;
    let client = server.client();
    let queue = Queue::new(&client);
    let create = queue.add(
        client
            .request::<Value>(Method::Post, &["me", "authentication", "phoneMethods"])
            .body_json_text(r#"{"phoneType":"mobile"}"#),
    );
    let independent: Vec<_> = (0..5).map(|i| queue.add(client.get::<Value>(&["users", &i.to_string()]))).collect();
    let enable = create
        .then(client.request::<()>(Method::Post, &["me", "authentication", "phoneMethods", "m", "enableSmsSignIn"]));
    let read = queue.add(client.get::<Value>(&["me", "authentication", "phoneMethods"]));
    read.depends_on(&enable).unwrap();
    assert!(create.depends_on(&read).is_err(), "only on earlier queries");
    let s = queue.execute().await.unwrap();
    assert_eq!((s.batches, s.succeeded), (2, 8));
    let bs = batches(&server);
    let chain =
        bs.iter().find(|b| b["requests"][0]["method"] == "POST").unwrap()["requests"].as_array().unwrap().clone();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[1]["dependsOn"], json!([chain[0]["id"]]));
    assert_eq!(chain[2]["dependsOn"], json!([chain[1]["id"]]));
    assert_eq!(chain[0]["id"], create.id().to_string());
    assert_eq!(chain[2]["id"], read.id().to_string());
    let parallel =
        bs.iter().find(|b| b["requests"][0]["method"] == "GET").unwrap()["requests"].as_array().unwrap().clone();
    assert_eq!(parallel.len(), 5);
    assert!(parallel.iter().all(|q| q.get("dependsOn").is_none()));
    enable.take().unwrap();
    assert_eq!(read.take().unwrap()["url"], "/me/authentication/phoneMethods");
    for h in independent {
        h.take().unwrap();
    }
}

#[tokio::test]
async fn failed_dependency_is_reported_as_such() {
    let server = batch_server(|q| {
        if q["url"] == "/users/missing" {
            (404, vec![], json!({"error": {"code": "Request_ResourceNotFound", "message": "no"}}))
        } else {
            echo_item(q)
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let first = queue.add(client.get::<Value>(&["users", "missing"]));
    let second = first.then(client.request::<Value>(Method::Patch, &["users", "missing"]).body_json_text("{}"));
    let third = second.then(client.get::<Value>(&["users", "x"]));
    let other = queue.add(client.get::<Value>(&["users", "ok"]));
    let s = queue.execute().await.unwrap();
    assert_eq!((s.succeeded, s.failed), (1, 3));
    let e1 = first.take().unwrap_err();
    assert_eq!((e1.kind(), e1.code()), (ErrorKind::Http, Some("Request_ResourceNotFound")));
    assert_eq!(e1.batch_item_id(), Some(first.id().to_string().as_str()));
    let e2 = second.take().unwrap_err();
    assert_eq!((e2.kind(), e2.status()), (ErrorKind::DependencyFailed, Some(424)));
    assert_eq!(e2.dependency_id(), Some(first.id().to_string().as_str()));
    let e3 = third.take().unwrap_err();
    assert_eq!(e3.kind(), ErrorKind::DependencyFailed);
    assert_eq!(e3.dependency_id(), Some(second.id().to_string().as_str()));
    other.take().unwrap();
    // A dependency that failed in an earlier run: the dependent is not even sent.
    let late = queue.add_after(client.get::<Value>(&["never"]), &[&first]);
    let before = server.count();
    queue.execute().await.unwrap();
    assert_eq!(late.take().unwrap_err().kind(), ErrorKind::DependencyFailed);
    assert_eq!(server.count(), before);
}

/// A dependency on a query of another client or another queue is rejected when it is added:
/// query numbers are per client, so it would otherwise attach to an unrelated query.
#[tokio::test]
async fn a_dependency_from_another_client_or_queue_is_rejected() {
    let server = batch_server(echo_item).await;
    let (client_a, client_b) = (server.client(), server.client());
    let queue_a = Queue::new(&client_a);
    let foreign = queue_a.add(client_a.get::<Value>(&["a", "1"]));
    let queue_b = Queue::new(&client_b);
    let own = queue_b.add(client_b.get::<Value>(&["b", "1"]));
    assert_eq!(own.id(), foreign.id(), "both are query number 1 of their client");
    let after_foreign = queue_b.add_after(client_b.get::<Value>(&["b", "2"]), &[&foreign]);
    // Same client, other queue.
    let other_queue = Queue::new(&client_b);
    let elsewhere = other_queue.add(client_b.get::<Value>(&["c", "1"]));
    let after_elsewhere = queue_b.add_after(client_b.get::<Value>(&["b", "3"]), &[&elsewhere]);
    let mixed = queue_b.add_after(client_b.get::<Value>(&["b", "4"]), &[&own, &foreign]);
    for h in [&after_foreign, &after_elsewhere, &mixed] {
        assert_eq!(h.status(), PendingStatus::Failed, "rejected when added, not queued");
        let e = h.error().unwrap();
        assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
        assert!(e.to_string().contains("another queue"), "{e}");
    }
    let later = queue_b.add(client_b.get::<Value>(&["b", "5"]));
    assert!(later.depends_on(&foreign).is_err_and(|e| e.to_string().contains("another queue")));
    assert!(later.depends_on(&own).is_ok());
    assert_eq!(queue_b.len(), 2, "only the valid queries are queued");
    let s = queue_b.execute().await.unwrap();
    assert_eq!((s.queries, s.succeeded), (2, 2));
    assert_eq!(own.take().unwrap()["url"], "/b/1");
    assert_eq!(later.take().unwrap()["url"], "/b/5");
    let sent: Vec<String> = batches(&server)
        .iter()
        .flat_map(|b| b["requests"].as_array().unwrap().clone())
        .map(|q| q["url"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, ["/b/1", "/b/5"], "the rejected queries were never sent");
    assert_eq!(foreign.status(), PendingStatus::Queued);
}

#[tokio::test]
async fn a_chain_artefact_424_is_sent_again() {
    // b and c both depend on a only; the chain a -> b -> c makes c fail with 424 when b fails.
    let server = batch_server(|q| {
        if q["url"] == "/b" {
            (400, vec![], json!({"error": {"code": "bad", "message": "b"}}))
        } else {
            echo_item(q)
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let a = queue.add(client.get::<Value>(&["a"]));
    let b = a.then(client.get::<Value>(&["b"]));
    let c = a.then(client.get::<Value>(&["c"]));
    let s = queue.execute().await.unwrap();
    a.take().unwrap();
    assert_eq!(b.take().unwrap_err().code(), Some("bad"));
    assert_eq!(c.take().unwrap()["url"], "/c", "c ran on its own once its real dependency had succeeded");
    assert_eq!((s.batches, s.direct, s.requeued), (1, 1, 1));
}

#[tokio::test]
async fn throttled_items_are_retried_after_their_own_retry_after() {
    let tries: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let t = tries.clone();
    let server = batch_server(move |q| {
        let url = q["url"].as_str().unwrap().to_string();
        let n = {
            let mut m = t.lock().unwrap();
            let e = m.entry(url.clone()).or_insert(0);
            *e += 1;
            *e
        };
        match (url.as_str(), n) {
            ("/slow", 1) => {
                (429, vec![("Retry-After", "1".into())], json!({"error": {"code": "TooManyRequests", "message": "x"}}))
            }
            ("/busy", 1) => (503, vec![], json!({"error": {"code": "serviceNotAvailable", "message": "x"}})),
            ("/always", _) => {
                (429, vec![("Retry-After", "0".into())], json!({"error": {"code": "TooManyRequests", "message": "x"}}))
            }
            _ => echo_item(q),
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let slow = queue.add(client.get::<Value>(&["slow"]));
    let busy = queue.add(client.get::<Value>(&["busy"]));
    let always = queue.add(client.get::<Value>(&["always"]));
    let fine = queue.add(client.get::<Value>(&["fine"]));
    let started = std::time::Instant::now();
    let s = queue.execute().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 honoured");
    assert_eq!(slow.take().unwrap()["url"], "/slow");
    assert_eq!(busy.take().unwrap()["url"], "/busy");
    fine.take().unwrap();
    let e = always.take().unwrap_err();
    assert_eq!((e.status(), e.retry_after()), (Some(429), Some(Duration::ZERO)));
    assert_eq!(tries.lock().unwrap()["/always"], 4, "1 try + 3 retries");
    assert_eq!(tries.lock().unwrap()["/fine"], 1, "a successful item is never resent");
    assert_eq!(s.failed, 1);
}

#[tokio::test]
async fn whole_batch_failures_reach_every_query() {
    let mode = Arc::new(Mutex::new("500"));
    let m = mode.clone();
    let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d = dropped.clone();
    let server = MockServer::start(move |r, _| {
        if r.path() != "/v1.0/$batch" {
            return direct_echo(r);
        }
        match *m.lock().unwrap() {
            "500" => Reply::json(500, json!({"error": {"code": "generalException", "message": "boom"}})).into(),
            "drop" => Action::Drop,
            "html" => Reply::text(200, "text/html", "<html>captive portal</html>").into(),
            "drop-once" if !d.swap(true, Ordering::SeqCst) => Action::Drop,
            _ => run_batch(r, 7, &echo_item),
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let add_mixed = || -> Vec<Pending<Value>> {
        let mut v = vec![queue.add(client.request::<Value>(Method::Post, &["a"]).body_json_text("{}"))];
        v.extend((0..4).map(|i| queue.add(client.get::<Value>(&["g", &i.to_string()]))));
        v
    };
    let hs = add_mixed();
    queue.execute().await.unwrap();
    for h in &hs {
        let e = h.take().unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Http, Some(500)));
        assert_eq!(e.batch_item_id(), Some(h.id().to_string().as_str()));
    }
    *mode.lock().unwrap() = "drop";
    let hs = add_mixed();
    let s = queue.execute().await.unwrap();
    for h in &hs {
        assert_eq!(h.take().unwrap_err().kind(), ErrorKind::Transport);
    }
    // The POST may have run: not resent; the reads were, together, until the budget ran out.
    assert!(hs[0].error().unwrap().to_string().contains("outcome unknown"));
    assert_eq!((s.batches, s.requeued), (4, 12));
    *mode.lock().unwrap() = "html";
    let hs = add_mixed();
    queue.execute().await.unwrap();
    for h in &hs {
        let e = h.take().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.body_snippet().unwrap().contains("captive portal"));
    }
    // A batch of safe GETs whose connection drops is sent again.
    *mode.lock().unwrap() = "drop-once";
    let hs: Vec<_> = (0..4).map(|i| queue.add(client.get::<Value>(&["g", &i.to_string()]))).collect();
    let s = queue.execute().await.unwrap();
    for (i, h) in hs.iter().enumerate() {
        assert_eq!(h.take().unwrap()["url"], format!("/g/{i}"));
    }
    assert_eq!((s.succeeded, s.requeued), (4, 4));
    assert_eq!(queue.len(), 0);
}

#[tokio::test]
async fn missing_duplicated_and_unknown_item_answers() {
    let server = MockServer::start(|r, _| {
        let ids: Vec<String> =
            r.json()["requests"].as_array().unwrap().iter().map(|q| q["id"].as_str().unwrap().to_string()).collect();
        Reply::json(
            200,
            json!({"responses": [
                {"id": ids[0], "status": 200, "body": {"n": 1}},
                {"id": ids[0], "status": 500, "body": {"n": 2}},
                {"id": "999999", "status": 200, "body": {}},
                {"id": ids[2], "status": "weird"},
            ]}),
        )
        .into()
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let a = queue.add(client.get::<Value>(&["a"]));
    let b = queue.add(client.get::<Value>(&["b"]));
    let c = queue.add(client.get::<Value>(&["c"]));
    queue.execute().await.unwrap();
    // Two answers for one id (200, then 500): neither wins, the handle says what happened.
    let e = a.take().unwrap_err();
    assert_eq!((e.kind(), e.batch_item_id()), (ErrorKind::BatchItem, Some(a.id().to_string().as_str())));
    assert!(e.to_string().contains("2 answers"), "{e}");
    assert!(e.to_string().contains("200") && e.to_string().contains("500"), "{e}");
    let e = b.take().unwrap_err();
    assert_eq!((e.kind(), e.batch_item_id()), (ErrorKind::BatchItem, Some(b.id().to_string().as_str())));
    assert_eq!(c.take().unwrap_err().kind(), ErrorKind::BatchItem);
}

#[tokio::test]
async fn invalid_queries_fail_alone() {
    let server = batch_server(echo_item).await;
    let client = server.client();
    let queue = Queue::new(&client);
    let bad_header = queue.add(client.get::<Value>(&["a"]).header("x", "\n"));
    let bad_json =
        queue.add(client.request::<Value>(Method::Post, &["b"]).body_bytes(b"{oops".to_vec(), "application/json"));
    let good1 = queue.add(client.get::<Value>(&["c"]));
    let good2 = queue.add(client.get::<Value>(&["d"]));
    let foreign = queue.add(Request::<Value>::from_url(&client, Method::Get, &format!("{}/elsewhere", server.url())));
    queue.execute().await.unwrap();
    assert_eq!(bad_header.take().unwrap_err().kind(), ErrorKind::Validation);
    assert_eq!(bad_json.take().unwrap_err().kind(), ErrorKind::Decode);
    good1.take().unwrap();
    good2.take().unwrap();
    // Outside the API root: cannot be batched, sent directly.
    assert_eq!(foreign.take().unwrap()["url"], "/elsewhere");
}

#[tokio::test]
async fn a_time_limit_leaves_queries_queued_and_reports_them() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let server = batch_server(move |q| {
        if q["url"] == "/slow" && n2.fetch_add(1, Ordering::SeqCst) == 0 {
            (429, vec![("Retry-After", "3".into())], json!({"error": {"code": "TooManyRequests", "message": "x"}}))
        } else {
            echo_item(q)
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let slow = queue.add(client.get::<Value>(&["slow"]));
    let fast = queue.add(client.get::<Value>(&["fast"]));
    let e = queue.execute_with(ExecuteOptions::new().time_limit(Some(Duration::from_millis(500)))).await.unwrap_err();
    assert_eq!((e.kind(), e.left_queued()), (ErrorKind::Interrupted, Some(1)));
    fast.take().unwrap();
    assert_eq!(slow.status(), PendingStatus::Queued);
    assert_eq!(queue.len(), 1);
    let s = queue.execute().await.unwrap();
    assert_eq!(s.succeeded, 1);
    assert_eq!(slow.take().unwrap()["url"], "/slow");
}

#[tokio::test]
async fn cancelling_execute_query_never_leaves_a_handle_hanging() {
    let server = MockServer::start(|r, _| {
        if r.path() == "/v1.0/$batch" {
            Action::Delay(Duration::from_secs(5), Box::new(run_batch(r, 1, &echo_item)))
        } else {
            echo(r)
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let hs: Vec<_> = (0..3).map(|i| queue.add(client.get::<Value>(&["x", &i.to_string()]))).collect();
    let q2 = queue.clone();
    let task = tokio::spawn(async move { q2.execute().await });
    while server.count() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(hs.iter().all(|h| h.status() == PendingStatus::InFlight));
    task.abort();
    let _ = task.await;
    for h in &hs {
        assert_eq!(h.take().unwrap_err().kind(), ErrorKind::Cancelled);
    }
}

/// `batch_concurrency(1)`, 80 queries in 4 batches of 20; the future is dropped once the server
/// holds the first batch. Only those 20 were sent: they become "outcome unknown" (`Cancelled`);
/// the 60 never sent are queued again, in order, and a later `execute` sends them.
#[tokio::test]
async fn cancelling_execute_query_requeues_what_was_never_sent() {
    let first_received = Arc::new(tokio::sync::Notify::new());
    let hold_first = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (notify, hold) = (first_received.clone(), hold_first.clone());
    let server = MockServer::start(move |r, _| {
        if r.path() != "/v1.0/$batch" {
            return direct_echo(r);
        }
        if hold.swap(false, Ordering::SeqCst) {
            notify.notify_one();
            // Never answered within the test.
            return Action::Delay(Duration::from_secs(600), Box::new(Reply::new(500).into()));
        }
        run_batch(r, 3, &echo_item)
    })
    .await;
    let client = server.client_builder().batch_concurrency(1).build().unwrap();
    let queue = Queue::new(&client);
    let hs: Vec<_> = (0..80).map(|i| queue.add(client.get::<Value>(&["x", &i.to_string()]))).collect();
    // A one-shot body cannot be cloned: it waits for its turn inside its (direct) round trip.
    let mut upload = client.request::<Value>(Method::Put, &["stream"]);
    upload.parts_mut().set_body(Body::from_stream(OneChunk(Some(b"{\"n\":1}".to_vec())), Some(7)), "application/json");
    let upload = queue.add(upload);
    let q2 = queue.clone();
    let task = tokio::spawn(async move { q2.execute().await });
    first_received.notified().await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(batches(&server).len(), 1, "one batch was sent before the cancellation");
    let sent: HashSet<String> = batches(&server)[0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent.len(), 20);
    let (in_flight, unsent): (Vec<_>, Vec<_>) = hs.iter().partition(|h| sent.contains(&h.id().to_string()));
    for h in &in_flight {
        let e = h.error().expect("an in-flight query has an outcome");
        assert_eq!(e.kind(), ErrorKind::Cancelled);
        assert!(e.to_string().contains("unknown"), "{e}");
    }
    for h in &unsent {
        assert_eq!(h.status(), PendingStatus::Queued, "query {} was never sent", h.id());
    }
    assert_eq!(upload.status(), PendingStatus::Queued);
    assert_eq!((unsent.len(), queue.len()), (60, 61));
    let s = queue.execute().await.unwrap();
    assert_eq!((s.queries, s.succeeded, s.batches, s.direct), (61, 61, 3, 1));
    assert_eq!(upload.take().unwrap()["body"]["n"], 1, "the one-shot body went back to the queue intact");
    for (i, h) in hs.iter().enumerate() {
        if sent.contains(&h.id().to_string()) {
            assert_eq!(h.take().unwrap_err().kind(), ErrorKind::Cancelled, "not sent again");
        } else {
            assert_eq!(h.take().unwrap()["url"], format!("/x/{i}"));
        }
    }
    // The cancelled ones were never sent again.
    let mut seen: Vec<String> = batches(&server)
        .iter()
        .flat_map(|b| b["requests"].as_array().unwrap().clone())
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect();
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!((before, seen.len()), (80, 80), "every query sent exactly once");
}

struct OneChunk(Option<Vec<u8>>);

impl futures_core::Stream for OneChunk {
    type Item = std::io::Result<Vec<u8>>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.take().map(Ok))
    }
}

/// 500 queued queries; the mock throttles (429/503 with and without Retry-After), drops
/// connections, fails whole batches, and scrambles answers. Every handle must end with its own
/// answer or a precise error; none lost, none mapped to another query.
#[tokio::test]
async fn storm_of_500_queries() {
    let rng = Arc::new(Mutex::new(0x2545_F491_4F6C_DD1Du64));
    let next = {
        let rng = rng.clone();
        move || {
            let mut x = rng.lock().unwrap();
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            *x
        }
    };
    let item_next = next.clone();
    let server = MockServer::start(move |r, _| {
        if r.path() != "/v1.0/$batch" {
            // A direct send (a lone retry): throttle sometimes.
            return match next() % 5 {
                0 => Reply::json(429, json!({"error": {"code": "TooManyRequests", "message": "x"}})).header("retry-after", "0").into(),
                _ => Reply::json(200, json!({"url": r.target.trim_start_matches("/v1.0"), "method": r.method, "body": serde_json::from_slice::<Value>(&r.body).ok()})).into(),
            };
        }
        match next() % 20 {
            0 => Action::Drop,
            1 => Reply::json(429, json!({"error": {"code": "TooManyRequests", "message": "x"}})).header("retry-after", "0").into(),
            2 => Reply::new(503).into(),
            3 => Action::Truncate(Reply::json(200, json!({"responses": []})), 5),
            _ => {
                let item_next = item_next.clone();
                run_batch(r, next(), &move |q: &Value| match item_next() % 10 {
                    0 => (429, vec![("Retry-After", "0".into())], json!({"error": {"code": "TooManyRequests", "message": "x"}})),
                    1 => (503, vec![], json!({"error": {"code": "serviceNotAvailable", "message": "x"}})),
                    2 => (504, vec![("Retry-After", "0".into())], json!({"error": {"code": "gatewayTimeout", "message": "x"}})),
                    _ => echo_item(q),
                })
            }
        }
    })
    .await;
    let client = server.client();
    let queue = Queue::new(&client);
    let mut handles = Vec::new();
    for i in 0..500 {
        let h = match i % 4 {
            0 => queue.add(client.request::<Value>(Method::Post, &["items"]).body_json_text(format!("{{\"n\":{i}}}"))),
            1 => queue.add(
                client
                    .request::<Value>(Method::Patch, &["items", &i.to_string()])
                    .body_json_text(format!("{{\"n\":{i}}}")),
            ),
            _ => queue.add(client.get::<Value>(&["items", &i.to_string()]).select(&["id"])),
        };
        handles.push((i, h));
    }
    let started = std::time::Instant::now();
    let s = queue.execute().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(s.queries, 500);
    assert_eq!(s.succeeded + s.failed, 500);
    assert_eq!(queue.len(), 0);
    let (mut ok, mut failed) = (0, 0);
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for (i, h) in &handles {
        assert!(h.is_resolved(), "query {i} unresolved");
        match h.take() {
            Ok(v) => {
                ok += 1;
                match i % 4 {
                    0 => assert_eq!(
                        (v["url"].as_str(), v["body"]["n"].as_i64()),
                        (Some("/items"), Some(*i as i64)),
                        "{v}"
                    ),
                    1 => assert_eq!(
                        (v["url"].as_str().map(str::to_string), v["body"]["n"].as_i64()),
                        (Some(format!("/items/{i}")), Some(*i as i64))
                    ),
                    _ => assert_eq!(v["url"], format!("/items/{i}?$select=id")),
                }
            }
            Err(e) => {
                failed += 1;
                *kinds.entry(format!("{:?}/{:?}", e.kind(), e.status())).or_default() += 1;
                match e.kind() {
                    ErrorKind::Transport | ErrorKind::Decode => {
                        // A whole batch that carried writes failed: each of its queries says so.
                        assert_eq!(e.batch_item_id(), Some(h.id().to_string().as_str()));
                        assert!(e.to_string().contains("$batch"), "{e}");
                    }
                    ErrorKind::Http => {
                        assert!(matches!(e.status(), Some(429 | 503 | 504)), "{e}");
                    }
                    other => panic!("unexpected error kind {other:?}: {e}"),
                }
            }
        }
    }
    assert_eq!((ok, failed), (s.succeeded, s.failed));
    assert!(ok > 250, "most queries succeed: {ok} ok, failures {kinds:?}");
    eprintln!("storm: {s:?}, failures by kind: {kinds:?}");
}
