//! Bad input: every case gets a Graph-shaped error with the right status, never a panic or a
//! hung connection.
use super::common::*;
use msgraph_emulator::Emulator;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn malformed_bodies_and_content_types() {
    let t = T::with(Emulator::builder().max_body_bytes(64 * 1024)).await;
    let p = format!("/users/{LEE}/authentication/phoneMethods");
    let raw = |ct: Option<&'static str>, body: &'static [u8]| {
        let mut rb = t.http.post(t.url(&p)).bearer_auth(&t.token).body(body);
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        async move {
            let r = rb.send().await.unwrap();
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.unwrap();
            assert!(status < 300 || v["error"]["code"].is_string(), "{v}");
            (status, v["error"]["message"].as_str().unwrap_or("").to_string())
        }
    };
    let (s, m) = raw(Some("application/json"), b"{\"phoneNumber\": ").await;
    assert_eq!(s, 400);
    assert!(m.contains("Unable to read JSON request payload"), "{m}");
    assert_eq!(raw(Some("application/json"), b"[1,2]").await.0, 400);
    assert_eq!(raw(Some("application/json"), b"\xff\xfe").await.0, 400);
    let (s, m) = raw(None, b"{}").await;
    assert_eq!(s, 400);
    assert!(m.contains("Content-Type"), "{m}");
    assert_eq!(raw(Some("text/plain"), b"{}").await.0, 415);
    assert_eq!(
        raw(
            Some("application/json; charset=utf-8"),
            b"{\"phoneNumber\": \"+1 2065550123\", \"phoneType\": \"mobile\"}"
        )
        .await
        .0,
        201
    );
    // Empty body on a create.
    assert_eq!(raw(Some("application/json"), b"").await.0, 400);
    // Oversized: 413.
    let big = format!("{{\"displayName\": \"{}\"}}", "x".repeat(100 * 1024));
    let r = t
        .http
        .patch(t.url("/me"))
        .bearer_auth(&t.token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "RequestEntityTooLarge");
    // Wrong value types and unknown properties.
    let r = t.patch("/me", serde_json::json!({"accountEnabled": "yes"})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("expected a boolean"));
    let r = t.patch("/me", serde_json::json!({"favouriteColour": "blue"})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("'favouriteColour' does not exist"));
    let r = t.post("/users", serde_json::json!({"@odata.type": "#microsoft.graph.group"})).await;
    assert_eq!(r.status, 400);
    // Still healthy.
    assert_eq!(t.get("/me").await.status, 200);
}

async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn raw_http_edge_cases() {
    let t = T::with(Emulator::builder().body_timeout(Duration::from_millis(300))).await;
    let addr = t.emu.addr();
    // A body that never arrives: 408, not a hung connection.
    let req = format!(
        "POST /v1.0/me/authentication/phoneMethods HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"a\":",
        t.token
    );
    let out = raw_exchange(addr, req.as_bytes()).await;
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(out.contains("RequestTimeout"));
    // Content-Length over the limit: 413 without reading the body.
    let req = format!(
        "PATCH /v1.0/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 999999999\r\n\r\n",
        t.token
    );
    let out = raw_exchange(addr, req.as_bytes()).await;
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    // Garbage: hyper answers 400 and closes.
    let out = raw_exchange(addr, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert!(out.is_empty() || out.starts_with("HTTP/1.1 400"), "{out}");
    // Raw (unencoded) quotes and spaces in the path are decoded per segment.
    let req = format!(
        "GET /v1.0/users('{LEE}') HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        t.token
    );
    let out = raw_exchange(addr, req.as_bytes()).await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    // Still serving.
    assert_eq!(t.get("/me").await.status, 200);
}

#[tokio::test]
async fn invalid_ids_and_queries_are_errors() {
    let t = T::new().await;
    for p in ["/users/%", "/users('')", "/users('x'", "/groups/nope/members", "/users/x/authentication/phoneMethods"] {
        let r = t.get(p).await;
        assert!(matches!(r.status, 400 | 404), "{p}: {} {}", r.status, r.text);
        if r.status != 200 && !r.text.is_empty() && p != "/users/" {
            r.error_code();
        }
    }
    let long = format!("/users/{}", "x".repeat(10_000));
    let r = t.get(&long).await;
    assert_eq!(r.status, 404);
    assert!(r.message().len() < 400, "messages never echo unbounded input");
    let deep = format!("/users?$filter={}a eq 1{}", "(".repeat(500), ")".repeat(500));
    assert_eq!(t.get(&deep).await.status, 400);
}
