//! 100 MiB up and down through the emulator: the SDK (`upload_reader` → upload session in
//! 10 × 320 KiB chunks; `download()` → 302 + 8 MiB ranged GETs, each body read as it arrives)
//! against plain reqwest doing the same protocol by hand (the same session, chunks and bytes;
//! one streamed `GET` of the download URL), and the SDK's peak RSS above its baseline.
//!
//! The emulator keeps the file in memory, so it runs in this process and the measured client
//! in a child process (this binary again), which reports its own `VmHWM`/`VmRSS` from
//! `/proc/self/status` (Linux): the baseline after the runtime and client are up, the peak after
//! one SDK upload and download (before any reqwest run). Throughput: best of a few rounds each,
//! the two sides taking turns within each round so a change of load touches both; bytes
//! generated on the fly from a deterministic `AsyncRead` for both sides. Also measured: the SDK
//! downloading in one range (the cost of the 8 MiB ranges). Writes
//! `<target>/msgraph-bench/files.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::pin::Pin;
use std::process::Command;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use msgraph::auth::StaticTokenProvider;
use msgraph::upload::CHUNK_UNIT;
use msgraph::GraphClient;
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

const CHILD_ENV: &str = "MSGRAPH_BENCH_FILES_CHILD";
const SIZE: u64 = 100 * 1024 * 1024;
const CHUNK: usize = 10 * CHUNK_UNIT;

/// `len` bytes of a repeating 1 MiB pattern, produced as read.
struct Pattern {
    block: Vec<u8>,
    pos: u64,
    len: u64,
}

impl Pattern {
    fn new(len: u64) -> Pattern {
        let mut rng = common::Rng::new(42);
        let block = (0..1 << 20).map(|_| rng.next() as u8).collect();
        Pattern { block, pos: 0, len }
    }
}

impl AsyncRead for Pattern {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let at = (self.pos % self.block.len() as u64) as usize;
        let n = (buf.remaining() as u64).min(self.len - self.pos).min((self.block.len() - at) as u64) as usize;
        buf.put_slice(&self.block[at..at + n]);
        self.pos += n as u64;
        Poll::Ready(Ok(()))
    }
}

fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key}"));
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().unwrap()
}

fn mb_s(d: Duration) -> f64 {
    SIZE as f64 / 1e6 / d.as_secs_f64()
}

async fn sdk_upload(client: &GraphClient, user: &str, name: &str) -> Duration {
    let item = client.users().by_id(user).drive().root().item_by_path(name);
    let t = Instant::now();
    let done = item.upload_reader(Pattern::new(SIZE), SIZE).chunk_size(CHUNK).send().await.unwrap();
    let d = t.elapsed();
    assert_eq!(done.size, Some(SIZE as i64));
    d
}

/// `range`: bytes per ranged request (the default 8 MiB when `None`).
async fn sdk_download(client: &GraphClient, user: &str, name: &str, range: Option<usize>) -> Duration {
    let item = client.users().by_id(user).drive().root().item_by_path(name);
    let t = Instant::now();
    let mut d = item.download();
    if let Some(range) = range {
        d = d.chunk_size(range);
    }
    let mut n = 0u64;
    while let Some(chunk) = d.next_chunk().await {
        n += chunk.unwrap().len() as u64;
    }
    let d = t.elapsed();
    assert_eq!(n, SIZE);
    d
}

/// The same upload with reqwest: create the session, PUT the chunks with Content-Range.
async fn raw_upload(http: &reqwest::Client, base: &str, token: &str, user: &str, name: &str) -> Duration {
    let t = Instant::now();
    let session = http
        .post(format!("{base}/users/{user}/drive/root:/{name}:/createUploadSession"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"item":{"@microsoft.graph.conflictBehavior":"replace"}}"#)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let session: serde_json::Value = serde_json::from_slice(&session).unwrap();
    let url = session["uploadUrl"].as_str().unwrap().to_string();
    let mut source = Pattern::new(SIZE);
    let mut start = 0u64;
    while start < SIZE {
        let len = (CHUNK as u64).min(SIZE - start) as usize;
        let mut buf = vec![0u8; len];
        source.read_exact(&mut buf).await.unwrap();
        let r = http
            .put(&url)
            .header("content-range", format!("bytes {start}-{}/{SIZE}", start + len as u64 - 1))
            .body(buf)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        r.bytes().await.unwrap();
        start += len as u64;
    }
    t.elapsed()
}

/// The same download with reqwest: the 302, then one streamed GET of the download URL.
async fn raw_download(http: &reqwest::Client, base: &str, token: &str, user: &str, name: &str) -> Duration {
    let t = Instant::now();
    let r = http.get(format!("{base}/users/{user}/drive/root:/{name}:/content")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let mut r = http.get(location).send().await.unwrap();
    let mut n = 0u64;
    while let Some(chunk) = r.chunk().await.unwrap() {
        n += chunk.len() as u64;
    }
    assert_eq!(n, SIZE);
    t.elapsed()
}

fn child() {
    let base = std::env::var("MSGRAPH_BENCH_FILES_URL").unwrap();
    let token = std::env::var("MSGRAPH_BENCH_FILES_TOKEN").unwrap();
    let user = std::env::var("MSGRAPH_BENCH_FILES_USER").unwrap();
    let rounds: usize = std::env::var("MSGRAPH_BENCH_FILES_ROUNDS").unwrap().parse().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let client = GraphClient::builder()
            .base_url(base.trim_end_matches("/v1.0"))
            .credential(StaticTokenProvider::new(token.clone()))
            .build()
            .unwrap();
        // Warm up the connection and the allocator with a small file, then the baseline.
        let small = client.users().by_id(&user).drive().root().item_by_path("warm.bin");
        small.upload(vec![7u8; 1024]).send().await.unwrap();
        let _ = small.download().next_chunk().await;
        let base_hwm = status_kib("VmHWM:");
        let base_rss = status_kib("VmRSS:");
        let mut up = Vec::new();
        let mut down = Vec::new();
        // The SDK alone first: its peak RSS is read before any plain reqwest run.
        up.push(sdk_upload(&client, &user, "sdk.bin").await);
        down.push(sdk_download(&client, &user, "sdk.bin", None).await);
        let peak_hwm = status_kib("VmHWM:");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut raw_up = Vec::new();
        let mut raw_down = Vec::new();
        let mut one_range = Vec::new();
        // Then both in turn, so a change of the machine's load touches both sides alike.
        for i in 0..rounds {
            raw_up.push(raw_upload(&http, &base, &token, &user, &format!("raw{i}.bin")).await);
            raw_down.push(raw_download(&http, &base, &token, &user, &format!("raw{i}.bin")).await);
            up.push(sdk_upload(&client, &user, &format!("sdk{i}.bin")).await);
            down.push(sdk_download(&client, &user, &format!("sdk{i}.bin"), None).await);
            one_range.push(sdk_download(&client, &user, &format!("sdk{i}.bin"), Some(SIZE as usize)).await);
        }
        let best = |v: &[Duration]| v.iter().min().copied().unwrap();
        println!("base_hwm_kib {base_hwm}");
        println!("base_rss_kib {base_rss}");
        println!("peak_hwm_kib {peak_hwm}");
        println!("sdk_upload_mb_s {:.1}", mb_s(best(&up)));
        println!("sdk_download_mb_s {:.1}", mb_s(best(&down)));
        println!("reqwest_upload_mb_s {:.1}", mb_s(best(&raw_up)));
        println!("reqwest_download_mb_s {:.1}", mb_s(best(&raw_down)));
        println!("sdk_download_one_range_mb_s {:.1}", mb_s(best(&one_range)));
    });
}

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return child();
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let emu = rt.block_on(msgraph_emulator::Emulator::builder().max_body_bytes(8 * 1024 * 1024).start()).unwrap();
    let rounds = if common::quick() { 1 } else { 5 };
    let out = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, "1")
        .env("MSGRAPH_BENCH_FILES_URL", emu.base_url())
        .env("MSGRAPH_BENCH_FILES_TOKEN", emu.issue_token())
        .env("MSGRAPH_BENCH_FILES_USER", emu.signed_in_user().id)
        .env("MSGRAPH_BENCH_FILES_ROUNDS", rounds.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let field = |k: &str| -> f64 {
        stdout.lines().find_map(|l| l.strip_prefix(k)).unwrap_or_else(|| panic!("{k}: {stdout}")).trim().parse().unwrap()
    };
    let (base, peak) = (field("base_hwm_kib "), field("peak_hwm_kib "));
    let pairs: Vec<(&str, String)> = vec![
        ("size_mib", (SIZE >> 20).to_string()),
        ("rounds", rounds.to_string()),
        ("base_hwm_kib", format!("{base:.0}")),
        ("base_rss_kib", format!("{:.0}", field("base_rss_kib "))),
        ("peak_hwm_kib", format!("{peak:.0}")),
        ("peak_above_base_kib", format!("{:.0}", peak - base)),
        ("sdk_upload_mb_s", format!("{:.1}", field("sdk_upload_mb_s "))),
        ("sdk_download_mb_s", format!("{:.1}", field("sdk_download_mb_s "))),
        ("reqwest_upload_mb_s", format!("{:.1}", field("reqwest_upload_mb_s "))),
        ("reqwest_download_mb_s", format!("{:.1}", field("reqwest_download_mb_s "))),
        ("sdk_download_one_range_mb_s", format!("{:.1}", field("sdk_download_one_range_mb_s "))),
    ];
    common::write_results("files", &pairs);
    drop(emu);
}
