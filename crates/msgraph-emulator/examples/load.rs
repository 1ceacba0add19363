//! Load benchmark: authenticated GETs of one phone method over N concurrent keep-alive
//! connections on loopback, against an in-process emulator (on its own 2-worker runtime).
//!
//! ```text
//! cargo run --release -p msgraph-emulator --example load -- --seconds 60 --connections 64
//! ```
//!
//! Other flags: `--client-threads N` (client runtime workers, default 1), `--log-capacity N`
//! (the emulator's request log, default 10,000).
//!
//! Prints requests/s, errors, latency percentiles and the process's RSS (VmRSS from
//! /proc/self/status) at start, every 10 s and at the end. Not a test: it asserts nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use msgraph_emulator::Emulator;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(String::from))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Latency histogram: 10 µs buckets up to 100 ms (the last bucket holds everything slower).
/// Allocated and touched before the run, so it does not show up as RSS growth.
const BUCKETS: usize = 10_000;
const BUCKET_US: u64 = 10;

struct Histogram {
    buckets: Vec<AtomicU64>,
    max_us: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        let buckets: Vec<AtomicU64> = (0..BUCKETS).map(|_| AtomicU64::new(0)).collect();
        for b in &buckets {
            b.store(0, Ordering::Relaxed);
        }
        Histogram { buckets, max_us: AtomicU64::new(0) }
    }

    fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let i = usize::try_from(us / BUCKET_US).unwrap_or(BUCKETS - 1).min(BUCKETS - 1);
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    /// The latency (ms) below which a fraction `p` of the samples fall (bucket upper bound).
    fn percentile(&self, p: f64) -> f64 {
        let total: u64 = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum();
        let want = ((total as f64) * p).ceil() as u64;
        let mut seen = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            seen += b.load(Ordering::Relaxed);
            if seen >= want.max(1) {
                return ((i as u64 + 1) * BUCKET_US) as f64 / 1000.0;
            }
        }
        self.max_ms()
    }

    fn max_ms(&self) -> f64 {
        self.max_us.load(Ordering::Relaxed) as f64 / 1000.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = arg(&args, "--seconds", 10);
    let connections = arg(&args, "--connections", 64) as usize;
    let client_threads = arg(&args, "--client-threads", 1) as usize;

    // The emulator: its own thread and 2-worker runtime, default settings (the request log is a
    // bounded ring of 10,000 entries, so memory plateaus within the first second).
    let log_capacity = arg(&args, "--log-capacity", 10_000) as usize;
    let emu = Emulator::builder().request_log_capacity(log_capacity).start_background().unwrap();
    let token = emu.issue_token();
    let user = emu.signed_in_user().id;
    let path = format!("/v1.0/users/{user}/authentication/phoneMethods/{}", msgraph_emulator::MOBILE_ID);
    let addr = emu.addr();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(client_threads).enable_all().build().unwrap();
    rt.block_on(async move {
        // Warm up and check the response once.
        let warm = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = warm.get(format!("http://{addr}{path}")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());

        let hist = Arc::new(Histogram::new());
        let rss_start = rss_kib();
        println!("emulator at http://{addr}, {connections} connections, {seconds} s, GET {path}");
        println!("RSS at start: {} MiB", rss_start / 1024);
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (stop, ok, errors, token, path, hist) =
                (stop.clone(), ok.clone(), errors.clone(), token.clone(), path.clone(), hist.clone());
            tasks.push(tokio::spawn(async move {
                'reconnect: while !stop.load(Ordering::Relaxed) {
                    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
                        errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
                    else {
                        errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    tokio::spawn(conn);
                    while !stop.load(Ordering::Relaxed) {
                        let req = hyper::Request::get(path.as_str())
                            .header("host", addr.to_string())
                            .header("authorization", format!("Bearer {token}"))
                            .body(Empty::<Bytes>::new())
                            .unwrap();
                        let t0 = Instant::now();
                        let res = match sender.send_request(req).await {
                            Ok(r) => r,
                            Err(_) => {
                                errors.fetch_add(1, Ordering::Relaxed);
                                continue 'reconnect;
                            }
                        };
                        let status = res.status();
                        match res.into_body().collect().await.map(|b| b.to_bytes()) {
                            Ok(body) if status == 200 && !body.is_empty() => {
                                hist.record(t0.elapsed());
                                ok.fetch_add(1, Ordering::Relaxed);
                            }
                            _ => {
                                errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }));
        }
        let mut rss_max = rss_start;
        let mut last = 0;
        for s in 1..=seconds {
            tokio::time::sleep_until((start + Duration::from_secs(s)).into()).await;
            let rss = rss_kib();
            rss_max = rss_max.max(rss);
            if s % 10 == 0 || s == seconds {
                let done = ok.load(Ordering::Relaxed);
                println!(
                    "  t={s:>3}s  {:>8} req/s (last 10 s)  errors {}  RSS {} MiB",
                    (done - last) / 10.min(s).max(1),
                    errors.load(Ordering::Relaxed),
                    rss / 1024
                );
                last = done;
            }
        }
        stop.store(true, Ordering::Relaxed);
        let elapsed = start.elapsed();
        for t in tasks {
            t.await.unwrap();
        }
        let total = ok.load(Ordering::Relaxed);
        let rss_end = rss_kib();
        println!("---");
        println!("requests ok     {total}");
        println!("errors          {}", errors.load(Ordering::Relaxed));
        println!("throughput      {:.0} req/s", total as f64 / elapsed.as_secs_f64());
        println!(
            "latency ms      p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
            hist.percentile(0.50),
            hist.percentile(0.90),
            hist.percentile(0.99),
            hist.percentile(0.999),
            hist.max_ms()
        );
        println!("RSS MiB         start {}  end {}  max {}", rss_start / 1024, rss_end / 1024, rss_max / 1024);
        println!("violations      {}", emu.violations().len());
        emu.shutdown().await;
    });
}
