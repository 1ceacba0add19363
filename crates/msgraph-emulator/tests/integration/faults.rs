//! Item 7: fault injection.
use super::common::*;
use msgraph_emulator::{Emulator, FaultRule, RateLimit, RetryAfter, Violation};
use std::time::{Duration, Instant};

#[tokio::test]
async fn throttling_with_retry_after() {
    let t = T::new().await;
    let f = t.emu.faults();
    let id = f.add(FaultRule::throttle(RetryAfter::Seconds(2)).every(3).path_prefix("/v1.0/me"));
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = t.get("/me?$select=id").await;
        if r.status == 429 {
            assert_eq!(r.header("retry-after"), Some("2"));
            assert_eq!(r.error_code(), "TooManyRequests");
        }
        statuses.push(r.status);
    }
    assert_eq!(statuses, vec![200, 200, 429, 200, 200, 429]);
    assert_eq!(f.fired(id), 2);
    // Other paths are not affected.
    assert_eq!(t.get("/users?$top=1").await.status, 200);
    // The client retried too early: the guard saw it.
    assert!(matches!(t.emu.violations().as_slice(), [Violation::RetryAfterNotHonoured { .. }]));
    assert!(f.remove(id));
    assert!(!f.remove(id));
    t.emu.clear_violations();

    // HTTP-date form; honouring it is not a violation.
    f.add(FaultRule::throttle(RetryAfter::HttpDate(1)).next(1));
    let r = t.get("/me").await;
    assert_eq!(r.status, 429);
    let date = httpdate::parse_http_date(r.header("retry-after").unwrap()).unwrap();
    let wait = date.duration_since(std::time::SystemTime::now()).unwrap_or_default();
    assert!(wait <= Duration::from_secs(2));
    tokio::time::sleep(wait + Duration::from_millis(30)).await;
    assert_eq!(t.get("/me").await.status, 200);
    t.emu.assert_no_violations();
    // Faults are logged.
    assert!(t.emu.requests().iter().any(|r| r.status == 429 && r.fault.as_deref() == Some("throttle")));
}

#[tokio::test]
async fn server_errors_and_probability_are_deterministic() {
    let run = |seed: u64| async move {
        let t = T::with(
            Emulator::builder()
                .seed(seed)
                .fault(FaultRule::status(503).probability(0.4).retry_after(RetryAfter::Seconds(0))),
        )
        .await;
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(t.get("/me?$select=id").await.status);
        }
        out
    };
    let a = run(5).await;
    assert_eq!(a, run(5).await);
    assert!(a.contains(&503) && a.contains(&200), "{a:?}");
    assert_ne!(a, run(6).await);
    let t = T::new().await;
    for status in [500u16, 502, 503, 504, 507] {
        t.emu.faults().add(FaultRule::status(status).next(1));
        let r = t.get("/me").await;
        assert_eq!(r.status, status);
        r.error_code();
    }
    t.emu.faults().add(FaultRule::status(503).retry_after(RetryAfter::Seconds(1)).next(1));
    assert_eq!(t.get("/me").await.header("retry-after"), Some("1"));
}

#[tokio::test]
async fn latency() {
    let t = T::with(Emulator::builder().latency(Duration::from_millis(150))).await;
    let start = Instant::now();
    assert_eq!(t.get("/me").await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    // Latency rules add to the global latency; `next(1)` applies once.
    let id = t.emu.faults().add(FaultRule::latency(Duration::from_millis(120)).next(1));
    let start = Instant::now();
    t.get("/me").await;
    assert!(start.elapsed() >= Duration::from_millis(270));
    t.emu.faults().set_latency(None);
    t.get("/me").await;
    assert_eq!(t.emu.faults().fired(id), 1);
    assert!(t.emu.requests().iter().any(|r| r.fault.as_deref() == Some("latency")));
}

#[tokio::test]
async fn rate_limit_per_app() {
    let t = T::with(Emulator::builder().rate_limit(RateLimit { requests: 3, window: Duration::from_secs(30) })).await;
    let r = t.get("/me").await;
    assert_eq!(r.header("ratelimit-limit"), Some("3"));
    assert_eq!(r.header("ratelimit-remaining"), Some("2"));
    assert_eq!(r.header("ratelimit-reset"), Some("30"));
    t.get("/me").await;
    assert_eq!(t.get("/me").await.header("ratelimit-remaining"), Some("0"));
    let r = t.get("/me").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.inner_code(), "rateLimitExceeded");
    let ra: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&ra));
    // Another app has its own budget.
    t.emu.register_app(msgraph_emulator::AppRegistration::new("other-app").secret("s")).unwrap();
    let user = t.emu.signed_in_user().id;
    let other = t.emu.issue_token_with(msgraph_emulator::TokenSpec::user(user).client_id("other-app")).unwrap();
    let r = t.http.get(t.url("/me")).bearer_auth(other).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    t.emu.faults().set_rate_limit(None);
    let r = t.get("/users/$count").await;
    assert!(r.header("ratelimit-limit").is_none());
}

#[tokio::test]
async fn transport_faults() {
    let t = T::new().await;
    let f = t.emu.faults();
    // Dropped connection: the client gets a transport error; the request is not executed.
    f.add(FaultRule::drop_connection().next(1).method("PATCH"));
    let r = t.http.patch(t.url("/me")).bearer_auth(&t.token).json(&serde_json::json!({"jobTitle": "X"})).send().await;
    assert!(r.is_err(), "{r:?}");
    assert_ne!(t.get("/me").await.json()["jobTitle"], "X");
    assert!(t.emu.requests().iter().any(|r| r.status == 0 && r.fault.as_deref() == Some("drop")));
    // Truncated body: headers arrive, reading the body fails.
    f.add(FaultRule::truncate_body().next(1));
    let r = t.http.get(t.url("/users")).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().await.is_err());
    // Malformed JSON: a complete response that does not parse.
    f.add(FaultRule::malformed_json().next(1));
    let r = t.get("/users").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
    assert!(r.text.starts_with("{\"@odata.context\""));
    // Slow body: complete and valid, but takes time.
    f.add(FaultRule::slow_body(64, Duration::from_millis(20)).next(1));
    let start = Instant::now();
    let r = t.get("/me").await;
    assert_eq!(r.status, 200);
    r.json();
    let chunks = r.text.len().div_ceil(64) as u32;
    assert!(start.elapsed() >= Duration::from_millis(20) * (chunks - 1), "{:?} for {chunks} chunks", start.elapsed());
    // After the faults the connection pool still works.
    assert_eq!(t.get("/me").await.status, 200);
}

#[tokio::test]
async fn token_endpoint_faults_are_opt_in() {
    let t = T::with(
        Emulator::builder().fault(
            FaultRule::status(503)
                .retry_after(RetryAfter::Seconds(1))
                .on_token_endpoint(true)
                .on_requests(false)
                .on_batch_items(false)
                .next(1),
        ),
    )
    .await;
    let app = t.emu.app().clone();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let r = t.http.post(t.emu.token_url()).form(&form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers().get("retry-after").unwrap(), "1");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "server_error", "AAD-shaped: {v}");
    let r = t.http.post(t.emu.token_url()).form(&form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(t.get("/me").await.status, 200);
}
