//! Rough performance checks against the budgets (run on demand, ideally in release):
//! `cargo test --release -p msgraph-core --test perf -- --ignored --nocapture`.
//!
//! * per-request overhead of the pipeline versus plain reqwest (budget ≤ 1.10×);
//! * 100 queued queries versus 100 sequential sends with 20 ms latency (budget: ≤ 5 round
//!   trips, ≥ 10× faster).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use msgraph_core::http::HttpResponse;
use serde_json::{json, Value};
use support::{Action, MockServer, Reply};

/// A lean keep-alive server answering every request with the same small JSON (no recording,
/// so the server's own cost does not depend on how many headers a client sends).
async fn lean_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let body = br#"{"id":"1","displayName":"x"}"#;
                let reply = [
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    )
                    .as_bytes(),
                    body,
                ]
                .concat();
                let mut buf = vec![0u8; 8192];
                let mut have = 0;
                loop {
                    let Ok(n) = s.read(&mut buf[have..]).await else { return };
                    if n == 0 {
                        return;
                    }
                    have += n;
                    // GETs only: a request ends with an empty line.
                    while let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.copy_within(end + 4..have, 0);
                        have -= end + 4;
                        if s.write_all(&reply).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing; run on demand"]
async fn pipeline_overhead_versus_plain_reqwest() {
    let base = lean_server().await;
    let client = msgraph_core::client::GraphClient::builder()
        .base_url(&base)
        .credential(msgraph_core::auth::StaticTokenProvider::new("test-token"))
        .build()
        .unwrap();
    let raw = reqwest::Client::builder().http1_only().build().unwrap();
    let url = format!("{base}/v1.0/users/1");
    const N: usize = 3000;
    for _ in 0..200 {
        let _ = raw.get(&url).bearer_auth("test-token").send().await.unwrap().bytes().await.unwrap();
        let _: HttpResponse = client.get(&["users", "1"]).send().await.unwrap();
    }
    let mut best_raw = Duration::MAX;
    let mut best_ours = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..N {
            let _ = raw.get(&url).bearer_auth("test-token").send().await.unwrap().bytes().await.unwrap();
        }
        best_raw = best_raw.min(t.elapsed());
        let t = Instant::now();
        for _ in 0..N {
            let _: HttpResponse = client.get(&["users", "1"]).send().await.unwrap();
        }
        best_ours = best_ours.min(t.elapsed());
    }
    let ratio = best_ours.as_secs_f64() / best_raw.as_secs_f64();
    eprintln!(
        "per request: reqwest {:?}, msgraph-core {:?}, ratio {ratio:.3}",
        best_raw / N as u32,
        best_ours / N as u32
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing; run on demand"]
async fn queued_versus_sequential_with_20ms_latency() {
    let server = MockServer::start(|r, _| {
        let reply = if r.path() == "/v1.0/$batch" {
            let doc = r.json();
            let responses: Vec<Value> = doc["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| json!({"id": q["id"], "status": 200, "headers": {"content-type": "application/json"}, "body": {"url": q["url"]}}))
                .collect();
            Reply::json(200, json!({"responses": responses}))
        } else {
            Reply::json(200, json!({"url": r.target}))
        };
        Action::Delay(Duration::from_millis(20), Box::new(reply.into()))
    })
    .await;
    let client = server.client();
    let t = Instant::now();
    for i in 0..100 {
        let _: Value = client.get(&["items", &i.to_string()]).send().await.unwrap();
    }
    let sequential = t.elapsed();
    let t = Instant::now();
    let handles: Vec<_> = (0..100).map(|i| client.add_query(client.get::<Value>(&["items", &i.to_string()]))).collect();
    let summary = client.execute_query().await.unwrap();
    let queued = t.elapsed();
    for h in handles {
        h.take().unwrap();
    }
    eprintln!(
        "100 sequential: {sequential:?}; 100 queued: {queued:?} in {} round trips; speedup {:.1}x",
        summary.round_trips,
        sequential.as_secs_f64() / queued.as_secs_f64()
    );
    assert!(summary.round_trips <= 5);
    assert!(sequential.as_secs_f64() / queued.as_secs_f64() >= 10.0);
}
