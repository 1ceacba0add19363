//! Helpers shared by the integration tests.
#![allow(dead_code)]

use msgraph_emulator::{Emulator, EmulatorBuilder, TokenSpec};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const ADELE: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
pub const ALEX: &str = "5f2a9e1c-3b4d-4c6e-8f7a-9b0c1d2e3f4a";
pub const MEGAN: &str = "48d31887-5fad-4d73-a9f5-3c356e68a038";
pub const LEE: &str = "e5c1a5b2-7d6e-4f8a-9b0c-1d2e3f4a5b6c";
pub const NESTOR: &str = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
pub const SALES: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
pub const RETAIL: &str = "0a53828f-36c9-44c3-be3d-99a7fce977ac";

/// A test fixture: an emulator, an HTTP client and a delegated token for the seed's signed-in
/// user (so `/me` works; app-only tokens get 400 on `/me`, as on Graph).
pub struct T {
    pub emu: Emulator,
    pub http: reqwest::Client,
    pub token: String,
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code`, checking the Graph error shape.
    pub fn error_code(&self) -> String {
        let v = self.json();
        let e = &v["error"];
        assert!(e["code"].is_string(), "no error.code in {v}");
        assert!(e["message"].is_string(), "no error.message in {v}");
        let inner = &e["innerError"];
        assert!(
            inner["date"].is_string() && inner["request-id"].is_string() && inner["client-request-id"].is_string(),
            "bad innerError in {v}"
        );
        e["code"].as_str().unwrap().to_string()
    }

    pub fn inner_code(&self) -> String {
        self.json()["error"]["innerError"]["code"].as_str().unwrap_or("").to_string()
    }

    pub fn message(&self) -> String {
        self.json()["error"]["message"].as_str().unwrap_or("").to_string()
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

impl T {
    pub async fn new() -> T {
        Self::with(Emulator::builder()).await
    }

    pub async fn with(b: EmulatorBuilder) -> T {
        let emu = b.start().await.unwrap();
        // Seeds without users get an app token.
        let user = emu.signed_in_user().id;
        let token = emu.issue_token_with(TokenSpec::user(user)).unwrap_or_else(|_| emu.issue_token());
        T { emu, http: client(), token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.base_url(), path)
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Resp {
        let url = if path.starts_with("http") { path.to_string() } else { self.url(path) };
        let mut rb = self.http.request(method.parse().unwrap(), url).bearer_auth(&self.token);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.header("content-type", "application/json").body(serde_json::to_vec(&b).unwrap());
        }
        let r = rb.send().await.unwrap();
        Resp { status: r.status().as_u16(), headers: r.headers().clone(), text: r.text().await.unwrap() }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[]).await
    }

    pub async fn get_eventual(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[("ConsistencyLevel", "eventual")]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send("POST", path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send("PATCH", path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", path, None, &[]).await
    }

    /// GETs a collection and follows nextLinks, returning every item.
    pub async fn get_all(&self, path: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(self.url(path));
        while let Some(url) = next {
            let r = self.send("GET", &url, None, &[]).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let v = r.json();
            items.extend(v["value"].as_array().unwrap().iter().cloned());
            next = v["@odata.nextLink"].as_str().map(String::from);
            pages += 1;
            assert!(pages < 1000);
        }
        (items, pages)
    }
}

pub fn ids(v: &Value) -> Vec<String> {
    v["value"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

/// Starts the emulator binary with `args` and reads what it prints up to `Press Ctrl-C`.
pub async fn spawn_binary(args: &[&str]) -> (tokio::process::Child, Vec<String>) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_msgraph-emulator"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let done = line.starts_with("Press Ctrl-C");
        out.push(line);
        if done {
            break;
        }
    }
    (child, out)
}

/// An app-only access token from `token_url` (client credentials).
pub async fn app_token(http: &reqwest::Client, token_url: &str, client_id: &str, secret: &str) -> String {
    let tok: Value = http
        .post(token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tok["access_token"].as_str().unwrap().to_string()
}
