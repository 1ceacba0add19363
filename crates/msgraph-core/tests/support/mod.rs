//! A small scripted HTTP/1.1 server on 127.0.0.1 for the integration tests: it records every
//! request and answers with whatever the test's handler says (a response, a delay, or a dropped
//! connection). Keep-alive, `Content-Length` and chunked request bodies are supported.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use msgraph_core::auth::StaticTokenProvider;
use msgraph_core::client::Client;
use msgraph_core::pipeline::RetryOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query exactly as sent on the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub connection: usize,
    pub seq: usize,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("request body is not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// What to answer.
pub enum Action {
    Respond(Reply),
    /// Close the connection without answering.
    Drop,
    /// Wait, then act.
    Delay(Duration, Box<Action>),
    /// Send the head and part of the body, then close.
    Truncate(Reply, usize),
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), body: Vec::new() }
    }
    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply::new(status).header("content-type", "application/json").body(value.to_string().into_bytes())
    }
    pub fn text(status: u16, content_type: &str, body: &str) -> Reply {
        Reply::new(status).header("content-type", content_type).body(body.as_bytes().to_vec())
    }
    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    pub fn body(mut self, b: Vec<u8>) -> Reply {
        self.body = b;
        self
    }
    pub fn into_action(self) -> Action {
        Action::Respond(self)
    }
}

impl From<Reply> for Action {
    fn from(r: Reply) -> Action {
        Action::Respond(r)
    }
}

type Handler = dyn Fn(&Recorded, &str) -> Action + Send + Sync;

pub struct MockServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    /// Starts a server; `handler(request, base_url)` decides every answer.
    pub async fn start(handler: impl Fn(&Recorded, &str) -> Action + Send + Sync + 'static) -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let base = format!("http://{addr}");
        let recs = requests.clone();
        let conns = Arc::new(AtomicUsize::new(0));
        let seq = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let handler = handler.clone();
                let recs = recs.clone();
                let base = base.clone();
                let id = conns.fetch_add(1, Ordering::SeqCst);
                let seq = seq.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, handler, recs, base, id, seq).await;
                });
            }
        });
        MockServer { addr, requests, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// A client for this server: static token `test-token`, fast retries.
    pub fn client(&self) -> Client {
        self.client_builder().build().unwrap()
    }

    pub fn client_builder(&self) -> msgraph_core::client::ClientBuilder {
        Client::builder()
            .base_url(self.url())
            .credential(StaticTokenProvider::new("test-token"))
            .retry(RetryOptions::new().base_delay(Duration::from_millis(5)).max_delay(Duration::from_secs(5)))
            .timeout(Some(Duration::from_secs(20)))
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn serve(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    recs: Arc<Mutex<Vec<Recorded>>>,
    base: String,
    conn: usize,
    seq: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            if !read_more(&mut stream, &mut buf).await? {
                return Ok(());
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let mut body = Vec::new();
        if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
            while buf.len() < len {
                if !read_more(&mut stream, &mut buf).await? {
                    return Ok(());
                }
            }
            body = buf.drain(..len).collect();
        } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let line_end = loop {
                    if let Some(i) = find(&buf, b"\r\n") {
                        break i;
                    }
                    if !read_more(&mut stream, &mut buf).await? {
                        return Ok(());
                    }
                };
                let size = usize::from_str_radix(String::from_utf8_lossy(&buf[..line_end]).trim(), 16).unwrap_or(0);
                buf.drain(..line_end + 2);
                while buf.len() < size + 2 {
                    if !read_more(&mut stream, &mut buf).await? {
                        return Ok(());
                    }
                }
                body.extend(buf.drain(..size));
                buf.drain(..2);
                if size == 0 {
                    break;
                }
            }
        }
        let rec = Recorded { method, target, headers, body, connection: conn, seq: seq.fetch_add(1, Ordering::SeqCst) };
        recs.lock().unwrap().push(rec.clone());
        let mut action = handler(&rec, &base);
        loop {
            match action {
                Action::Delay(d, next) => {
                    tokio::time::sleep(d).await;
                    action = *next;
                }
                Action::Drop => {
                    let _ = stream.shutdown().await;
                    return Ok(());
                }
                Action::Respond(reply) => {
                    stream.write_all(&encode(&reply, None)).await?;
                    break;
                }
                Action::Truncate(reply, keep) => {
                    stream.write_all(&encode(&reply, Some(keep))).await?;
                    let _ = stream.shutdown().await;
                    return Ok(());
                }
            }
        }
    }
}

fn encode(reply: &Reply, keep: Option<usize>) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} X\r\n", reply.status).into_bytes();
    let mut has_len = false;
    for (k, v) in &reply.headers {
        has_len |= k.eq_ignore_ascii_case("content-length");
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    if !has_len {
        out.extend_from_slice(format!("content-length: {}\r\n", reply.body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    match keep {
        Some(n) => out.extend_from_slice(&reply.body[..n.min(reply.body.len())]),
        None => out.extend_from_slice(&reply.body),
    }
    out
}

/// A 200 JSON reply echoing method and target: `{"method":..,"target":..}`.
pub fn echo(r: &Recorded) -> Action {
    Reply::json(200, serde_json::json!({"method": r.method, "target": r.target})).into()
}
