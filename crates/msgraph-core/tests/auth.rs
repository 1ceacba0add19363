//! Credentials, token caching, allowed hosts and redaction.
//!
//! The certificate fixtures were made with:
//! `openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=msgraph-rs test certificate (not a secret)"`,
//! the expected `x5t#S256` with `openssl x509 -outform DER | openssl dgst -sha256 -binary | basenc --base64url`,
//! the PKCS#1 public key with `openssl rsa -RSAPublicKey_out -outform DER | base64`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use msgraph_core::auth::{
    ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential, StaticTokenProvider, TokenProvider,
    TokenRequest,
};
use msgraph_core::client::Client;
use msgraph_core::error::{ErrorKind, Result};
use msgraph_core::http::{BoxFuture, Headers, HttpRequest, HttpResponse, HttpTransport, Method};
use msgraph_core::pipeline::Context;
use msgraph_core::request::Request;
use serde_json::{json, Value};
use support::{Action, MockServer, Recorded, Reply};

fn form(r: &Recorded) -> HashMap<String, String> {
    url::form_urlencoded::parse(&r.body).into_owned().collect()
}

/// A mock that is both the token endpoint (`/{tenant}/oauth2/v2.0/token`) and Graph.
async fn login_and_graph(token_delay: Duration, token_calls: Arc<AtomicUsize>) -> MockServer {
    MockServer::start(move |r, _| {
        if r.path() == "/tenant-1/oauth2/v2.0/token" {
            let n = token_calls.fetch_add(1, Ordering::SeqCst) + 1;
            let f = form(r);
            if f.get("client_secret").map(String::as_str) == Some("wrong") {
                return Reply::json(401, json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215], "trace_id": "trace-1", "correlation_id": "corr-1"})).into();
            }
            let reply = Reply::json(200, json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": format!("access-{n}")}));
            return Action::Delay(token_delay, Box::new(reply.into()));
        }
        Reply::json(200, json!({"auth": r.header("authorization")})).into()
    })
    .await
}

#[tokio::test]
async fn client_secret_flow_and_cache() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = login_and_graph(Duration::ZERO, calls.clone()).await;
    let cred = ClientSecretCredential::new("tenant-1", "client-1", "s3cret-value").with_authority_host(&server.url());
    let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
    for _ in 0..3 {
        let v: Value = client.get(&["me"]).send().await.unwrap();
        assert_eq!(v["auth"], "Bearer access-1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "cached");
    let token_req = &server.requests()[0];
    assert_eq!(token_req.method, "POST");
    assert_eq!(token_req.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert!(token_req.header("authorization").is_none());
    let f = form(token_req);
    assert_eq!(f["grant_type"], "client_credentials");
    assert_eq!(f["client_id"], "client-1");
    assert_eq!(f["client_secret"], "s3cret-value");
    assert_eq!(f["scope"], format!("{}/.default", server.url()));
    // Debug never shows the secret.
    let dbg = format!("{:?} {:?}", ClientSecretCredential::new("t", "c", "s3cret-value"), client);
    assert!(!dbg.contains("s3cret-value") && !dbg.contains("access-1"), "{dbg}");
}

#[tokio::test]
async fn token_errors_are_auth_errors_and_nothing_is_sent() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = login_and_graph(Duration::ZERO, calls).await;
    let cred = ClientSecretCredential::new("tenant-1", "client-1", "wrong").with_authority_host(&server.url());
    let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
    let e = client.get::<Value>(&["me"]).send().await.unwrap_err();
    assert_eq!((e.kind(), e.code(), e.status()), (ErrorKind::Auth, Some("invalid_client"), Some(401)));
    assert!(e.message().starts_with("AADSTS7000215"));
    assert_eq!(e.oauth_error().unwrap().correlation_id.as_deref(), Some("corr-1"));
    assert_eq!(server.requests().iter().filter(|r| r.path().starts_with("/v1.0")).count(), 0);
    // Bad tenants and authorities are validation errors, not requests.
    let cred = ClientSecretCredential::new("../evil", "c", "s").with_authority_host(&server.url());
    let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
    assert_eq!(client.get::<Value>(&["me"]).send().await.unwrap_err().kind(), ErrorKind::Validation);
    let cred = ClientSecretCredential::new("t", "c", "s").with_authority_host("http://login.example.com");
    let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
    assert_eq!(client.get::<Value>(&["me"]).send().await.unwrap_err().kind(), ErrorKind::Validation);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_flight_refresh_under_50_concurrent_requests() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = login_and_graph(Duration::from_millis(300), calls.clone()).await;
    let cred = ClientSecretCredential::new("tenant-1", "client-1", "s").with_authority_host(&server.url());
    let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move { c.get::<Value>(&["users", &i.to_string()]).send().await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap()["auth"], "Bearer access-1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one token request for 50 concurrent calls");
}

#[tokio::test]
async fn tokens_go_to_allowed_hosts_only() {
    let graph = MockServer::start(|r, _| Reply::json(200, json!({"auth": r.header("authorization")})).into()).await;
    let extra = MockServer::start(|r, _| Reply::json(200, json!({"auth": r.header("authorization")})).into()).await;
    let stranger = MockServer::start(|r, _| Reply::json(200, json!({"auth": r.header("authorization")})).into()).await;
    let client = Client::builder()
        .base_url(graph.url())
        .credential(StaticTokenProvider::new("tok"))
        .allowed_hosts(&[&extra.url()])
        .build()
        .unwrap();
    let a: Value = client.get(&["me"]).send().await.unwrap();
    let b: Value = Request::from_url(&client, Method::Get, &format!("{}/x", extra.url())).send().await.unwrap();
    let c: Value = Request::from_url(&client, Method::Get, &format!("{}/x", stranger.url())).send().await.unwrap();
    assert_eq!(
        (a["auth"].as_str(), b["auth"].as_str(), c["auth"].as_str()),
        (Some("Bearer tok"), Some("Bearer tok"), None)
    );
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[tokio::test]
async fn certificate_credential_sends_a_signed_assertion() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = login_and_graph(Duration::ZERO, calls).await;
    for pem in ["test-client-cert.pem", "test-client-cert-pkcs1.pem"] {
        let cred = ClientCertificateCredential::from_pem("tenant-1", "client-1", &fixture(pem))
            .unwrap()
            .with_authority_host(&server.url());
        assert_eq!(cred.thumbprint_s256(), fixture("test-client-cert.x5t-s256").trim());
        let dbg = format!("{cred:?}");
        assert!(!dbg.contains("PRIVATE") && dbg.contains("<redacted>"));
        let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
        let _: Value = client.get(&["me"]).send().await.unwrap();
    }
    let token_url = format!("{}/tenant-1/oauth2/v2.0/token", server.url());
    let public_key = STANDARD.decode(fixture("test-client-cert.pubkey-pkcs1.b64").trim()).unwrap();
    let token_reqs: Vec<_> = server.requests().into_iter().filter(|r| r.path().ends_with("/token")).collect();
    assert_eq!(token_reqs.len(), 2);
    let mut jtis = Vec::new();
    for r in token_reqs {
        let f = form(&r);
        assert_eq!(f["grant_type"], "client_credentials");
        assert_eq!(f["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        assert!(!f.contains_key("client_secret"));
        let jwt = &f["client_assertion"];
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["x5t#S256"], fixture("test-client-cert.x5t-s256").trim());
        assert_eq!(claims["aud"], token_url);
        assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("client-1"), Some("client-1")));
        let (nbf, exp) = (claims["nbf"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
        assert!(exp > nbf && exp - nbf <= 3600);
        jtis.push(claims["jti"].as_str().unwrap().to_string());
        // The signature verifies with the certificate's public key.
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let key = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &public_key);
        key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).expect("valid RS256 signature");
    }
    assert_ne!(jtis[0], jtis[1], "jti is unique");
    assert!(ClientCertificateCredential::from_pem(
        "t",
        "c",
        "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"
    )
    .is_err());
    let only_cert: String =
        fixture("test-client-cert.pem").split("-----BEGIN PRIVATE KEY-----").next().unwrap().to_string();
    assert_eq!(ClientCertificateCredential::from_pem("t", "c", &only_cert).unwrap_err().kind(), ErrorKind::Validation);
}

/// When, where and what form the login endpoint got.
type Seen = (tokio::time::Instant, String, HashMap<String, String>);

/// An in-memory login endpoint for the device code flow (runs under a paused clock).
#[derive(Debug)]
struct LoginScript {
    token_answers: Mutex<VecDeque<(u16, Value)>>,
    seen: Mutex<Vec<Seen>>,
}

impl HttpTransport for LoginScript {
    fn send<'a>(&'a self, request: &'a HttpRequest, _: &'a Context) -> BoxFuture<'a, Result<HttpResponse>> {
        let f: HashMap<String, String> =
            url::form_urlencoded::parse(request.body().as_bytes().unwrap()).into_owned().collect();
        self.seen.lock().unwrap().push((tokio::time::Instant::now(), request.url().to_string(), f));
        let (status, body) = if request.url().ends_with("/devicecode") {
            (
                200,
                json!({"device_code": "DEVICE-SECRET", "user_code": "ABCD-EFGH", "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900, "interval": 5, "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."}),
            )
        } else {
            self.token_answers.lock().unwrap().pop_front().unwrap_or((400, json!({"error": "invalid_grant"})))
        };
        let mut h = Headers::new();
        h.insert("content-type", "application/json").unwrap();
        Box::pin(async move { Ok(HttpResponse::new(status, h, body.to_string().into_bytes())) })
    }
}

fn pending(code: &str) -> (u16, Value) {
    (400, json!({"error": code, "error_description": format!("AADSTS: {code}")}))
}

#[tokio::test(start_paused = true)]
async fn device_code_flow_polls_shows_the_code_and_refreshes() {
    let script = Arc::new(LoginScript {
        token_answers: Mutex::new(VecDeque::from([
            pending("authorization_pending"),
            pending("slow_down"),
            (200, json!({"access_token": "user-token-1", "refresh_token": "refresh-1", "expires_in": 3600})),
            (200, json!({"access_token": "user-token-2", "refresh_token": "refresh-2", "expires_in": 3600})),
        ])),
        seen: Mutex::new(Vec::new()),
    });
    let shown = Arc::new(Mutex::new(Vec::new()));
    let s2 = shown.clone();
    let cred = DeviceCodeCredential::new("organizations", "public-client", move |info| {
        s2.lock().unwrap().push((info.user_code.clone(), info.verification_uri.clone(), format!("{info:?}")));
    });
    let transport: Arc<dyn HttpTransport> = script.clone();
    cred.use_transport(&transport);
    let scopes = vec!["User.Read".to_string()];
    let start = tokio::time::Instant::now();
    let t = cred.get_token(&TokenRequest::new(&scopes)).await.unwrap();
    assert_eq!(t.token().expose(), "user-token-1");
    let shown = shown.lock().unwrap().clone();
    assert_eq!((shown[0].0.as_str(), shown[0].1.as_str()), ("ABCD-EFGH", "https://microsoft.com/devicelogin"));
    assert!(!shown[0].2.contains("DEVICE-SECRET"), "device code redacted in Debug");
    let seen = script.seen.lock().unwrap().clone();
    assert!(seen[0].1.ends_with("/organizations/oauth2/v2.0/devicecode"));
    assert_eq!(seen[0].2["scope"], "User.Read offline_access");
    let polls: Vec<Duration> = seen[1..].iter().map(|s| s.0 - start).collect();
    // Every 5 s, then 5 s more after slow_down.
    assert_eq!(polls, [Duration::from_secs(5), Duration::from_secs(10), Duration::from_secs(20)]);
    assert_eq!(seen[1].2["grant_type"], "urn:ietf:params:oauth:grant-type:device_code");
    assert_eq!(seen[1].2["device_code"], "DEVICE-SECRET");
    // Later tokens come from the refresh token, silently.
    let t = cred.get_token(&TokenRequest::new(&scopes)).await.unwrap();
    assert_eq!(t.token().expose(), "user-token-2");
    let last = script.seen.lock().unwrap().last().unwrap().2.clone();
    assert_eq!((last["grant_type"].as_str(), last["refresh_token"].as_str()), ("refresh_token", "refresh-1"));
    assert!(!format!("{cred:?}").contains("refresh-"));
}

#[tokio::test(start_paused = true)]
async fn device_code_declined_or_expired() {
    for (answer, needle) in [
        ("authorization_declined", "declined"),
        ("expired_token", "expired"),
        ("bad_verification_code", "bad_verification_code"),
    ] {
        let script = Arc::new(LoginScript {
            token_answers: Mutex::new(VecDeque::from([pending(answer)])),
            seen: Mutex::new(Vec::new()),
        });
        let cred = DeviceCodeCredential::new("organizations", "c", |_| {});
        let transport: Arc<dyn HttpTransport> = script;
        cred.use_transport(&transport);
        let scopes = vec!["User.Read".to_string()];
        let e = cred.get_token(&TokenRequest::new(&scopes)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(e.to_string().contains(needle), "{e}");
    }
    // Pending until the code expires.
    let script = Arc::new(LoginScript {
        token_answers: Mutex::new((0..500).map(|_| pending("authorization_pending")).collect()),
        seen: Mutex::new(Vec::new()),
    });
    let cred = DeviceCodeCredential::new("organizations", "c", |_| {});
    let transport: Arc<dyn HttpTransport> = script.clone();
    cred.use_transport(&transport);
    let scopes = vec!["User.Read".to_string()];
    let e = cred.get_token(&TokenRequest::new(&scopes)).await.unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
    assert!(script.seen.lock().unwrap().len() <= 182);
}
