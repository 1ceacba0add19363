//! Per-request overhead of the msgraph-core pipeline (client-request-id, user agent, tracing,
//! retry, redirects, bearer token, gzip, timeout) against plain reqwest, both sending
//! `GET /v1.0/users/1` with a bearer token over one keep-alive HTTP/1.1 connection to a lean local
//! server that answers every request with the same small JSON (it records nothing, so its own cost
//! does not depend on the client's headers).
//!
//! * `pipeline/reqwest`: `reqwest::Client::get(url).bearer_auth(..).send()` + `bytes()`;
//! * `pipeline/msgraph_core`: `client.get::<HttpResponse>(&["users", "1"]).send()` (body bytes,
//!   no decoding — the same work as the reqwest line);
//! * `pipeline/msgraph_typed`: `client.users().by_id("1").get().send()` (decodes the user), for
//!   reference.
//!
//! Criterion runs the lines one after the other; since a shared machine drifts, an interleaved
//! measurement (best of 5 alternating rounds) is also written to `<target>/msgraph-bench/pipeline.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/timing.rs"]
mod timing;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use msgraph::auth::StaticTokenProvider;
use msgraph::GraphClient;
use msgraph_core::http::HttpResponse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A keep-alive server answering every GET with `{"id":"1","displayName":"x"}`.
async fn lean_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let body = br#"{"id":"1","displayName":"x"}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let reply = [head.as_bytes(), body].concat();
                let mut buf = vec![0u8; 16384];
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

struct Clients {
    raw: reqwest::Client,
    url: String,
    graph: GraphClient,
}

impl Clients {
    async fn raw_once(&self) {
        let r = self.raw.get(&self.url).bearer_auth("test-token").send().await.unwrap();
        assert!(r.status().is_success());
        std::hint::black_box(r.bytes().await.unwrap());
    }

    async fn core_once(&self) {
        let r: HttpResponse = self.graph.get(&["users", "1"]).send().await.unwrap();
        std::hint::black_box(r);
    }

    async fn typed_once(&self) {
        let u = self.graph.users().by_id("1").get().send().await.unwrap();
        std::hint::black_box(u);
    }
}

fn pipeline(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let base = rt.block_on(lean_server());
    let clients = Clients {
        raw: reqwest::Client::builder().http1_only().build().unwrap(),
        url: format!("{base}/v1.0/users/1"),
        graph: GraphClient::builder()
            .base_url(&base)
            .credential(StaticTokenProvider::new("test-token"))
            .build()
            .unwrap(),
    };
    rt.block_on(async {
        for _ in 0..200 {
            clients.raw_once().await;
            clients.core_once().await;
            clients.typed_once().await;
        }
    });

    // Interleaved: alternate N raw and N pipeline requests, best of the rounds each.
    let (rounds, n) = if common::quick() { (3, 500) } else { (5, 2000) };
    let (mut best_raw, mut best_core) = (Duration::MAX, Duration::MAX);
    rt.block_on(async {
        for _ in 0..rounds {
            best_raw = best_raw.min(timing::time_n(n, &mut async || clients.raw_once().await).await);
            best_core = best_core.min(timing::time_n(n, &mut async || clients.core_once().await).await);
        }
    });
    let per = |d: Duration| d.as_secs_f64() * 1e9 / n as f64;
    common::write_results(
        "pipeline",
        &[
            ("interleaved_rounds", rounds.to_string()),
            ("interleaved_requests_per_round", n.to_string()),
            ("interleaved_reqwest_ns", format!("{:.0}", per(best_raw))),
            ("interleaved_msgraph_core_ns", format!("{:.0}", per(best_core))),
        ],
    );

    let mut g = c.benchmark_group("pipeline");
    let clients = &clients;
    g.bench_function("reqwest", |b| timing::iter_async(b, &rt, async || clients.raw_once().await));
    g.bench_function("msgraph_core", |b| timing::iter_async(b, &rt, async || clients.core_once().await));
    g.bench_function("msgraph_typed", |b| timing::iter_async(b, &rt, async || clients.typed_once().await));
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = pipeline
}
criterion_main!(benches);
