//! The query queue against sequential sends: 100 `enableSmsSignIn`/`disableSmsSignIn` toggles on
//! 100 users' mobile phones, either `client.add_query(..)` ×100 + one `client.execute_query()`, or
//! 100 × `.send().await`, against the emulator with 20 ms of injected latency.
//!
//! How the latency is applied matters, so two set-ups are measured:
//! * `queued_100` (the headline): 20 ms per HTTP request (`FaultRule::latency(..)
//!   .on_batch_items(false)`) — a network round trip; a `$batch` costs one round trip, its items
//!   none.
//! * `queued_100_item_latency`: the emulator's default scope, 20 ms per HTTP request **and** per
//!   `$batch` item (server-side work for each item; items of a parallel batch run concurrently),
//!   so a batch costs ~40 ms.
//!
//! Sequential sends are top-level requests: 20 ms each in both set-ups. The number of HTTP round
//! trips is taken from the emulator's request log (`Emulator::requests()`, `$batch` items
//! excluded) and written to `<target>/msgraph-bench/queue.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/timing.rs"]
mod timing;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use msgraph::auth::StaticTokenProvider;
use msgraph::GraphClient;
use msgraph_emulator::{Emulator, FaultRule, SeedData, MOBILE_ID};
use serde_json::{json, Value};

const USERS: usize = 100;
const LATENCY: Duration = Duration::from_millis(20);

fn upn(i: usize) -> String {
    format!("bench{i:03}@contoso.onmicrosoft.com")
}

/// The default tenant plus 100 users, each with a mobile phone (SMS sign-in not enabled).
fn seed() -> SeedData {
    let mut doc: Value = serde_json::from_str(SeedData::default_tenant_json()).unwrap();
    let users = doc["entitySets"]["users"].as_array_mut().unwrap();
    for i in 0..USERS {
        users.push(json!({
            "id": format!("00000000-0000-4000-8000-{i:012}"),
            "accountEnabled": true,
            "displayName": format!("Bench User {i}"),
            "userPrincipalName": upn(i),
            "mailNickname": format!("bench{i:03}"),
            "authentication": {"methods": [{
                "@odata.type": "#microsoft.graph.phoneAuthenticationMethod",
                "phoneNumber": format!("+1 42555{:05}", 20_000 + i),
                "phoneType": "mobile",
                "smsSignInState": "notEnabled"
            }]}
        }));
    }
    SeedData::from_json(&doc.to_string()).unwrap()
}

struct Setup {
    emu: Emulator,
    client: GraphClient,
    enable: bool,
}

impl Setup {
    fn new(rule: FaultRule) -> Setup {
        let emu = Emulator::builder().seed_data(seed()).fault(rule).start_background().unwrap();
        let client = GraphClient::builder()
            .base_url(emu.base_url())
            .credential(StaticTokenProvider::new(emu.issue_token()))
            .build()
            .unwrap();
        Setup { emu, client, enable: true }
    }

    fn phone(&self, i: usize) -> msgraph::Request<()> {
        let phone = self.client.users().by_id(&upn(i)).authentication().phone_methods().by_id(MOBILE_ID);
        if self.enable {
            phone.enable_sms_sign_in()
        } else {
            phone.disable_sms_sign_in()
        }
    }

    /// 100 sends, one after the other; then the next call toggles the other way.
    async fn sequential(&mut self) {
        for i in 0..USERS {
            self.phone(i).send().await.unwrap();
        }
        self.enable = !self.enable;
    }

    /// 100 queued, one `execute_query`; returns the queue's own round-trip count.
    async fn queued(&mut self) -> usize {
        let handles: Vec<_> = (0..USERS).map(|i| self.client.add_query(self.phone(i))).collect();
        let summary = self.client.execute_query().await.unwrap();
        for h in handles {
            h.take().unwrap();
        }
        self.enable = !self.enable;
        summary.round_trips
    }

    /// HTTP requests the emulator received since the last call (`$batch` items not counted).
    fn round_trips(&self) -> usize {
        let n = self.emu.requests().iter().filter(|r| r.batch_item.is_none()).count();
        self.emu.clear_requests();
        n
    }
}

fn queue(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut per_request = Setup::new(FaultRule::latency(LATENCY).on_batch_items(false));
    let mut per_item = Setup::new(FaultRule::latency(LATENCY));

    // One untimed pass of each to count round trips (and warm connections and the token).
    let mut pairs = Vec::new();
    for (label, s) in [("request_latency", &mut per_request), ("item_latency", &mut per_item)] {
        s.round_trips();
        let t = Instant::now();
        rt.block_on(s.sequential());
        let seq_time = t.elapsed();
        let seq_trips = s.round_trips();
        let t = Instant::now();
        let queue_trips = rt.block_on(s.queued());
        let queued_time = t.elapsed();
        let trips = s.round_trips();
        assert_eq!(seq_trips, USERS, "{label}: one request per sequential send");
        assert_eq!(trips, queue_trips, "{label}: the queue's count matches the emulator's log");
        s.emu.assert_no_violations();
        pairs.push((format!("{label}_sequential_round_trips"), seq_trips.to_string()));
        pairs.push((format!("{label}_queued_round_trips"), trips.to_string()));
        pairs.push((format!("{label}_single_pass_sequential_ms"), format!("{:.1}", seq_time.as_secs_f64() * 1e3)));
        pairs.push((format!("{label}_single_pass_queued_ms"), format!("{:.1}", queued_time.as_secs_f64() * 1e3)));
    }
    pairs.push(("toggles".into(), USERS.to_string()));
    pairs.push(("latency_ms".into(), LATENCY.as_millis().to_string()));
    let pairs: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    common::write_results("queue", &pairs);

    let mut g = c.benchmark_group("queue");
    // Seconds per iteration: ten samples of one iteration each.
    g.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(500));
    g.measurement_time(if common::quick() { Duration::from_secs(5) } else { Duration::from_secs(25) });
    g.bench_function("sequential_100", |b| timing::iter_async(b, &rt, async || per_request.sequential().await));
    g.measurement_time(if common::quick() { Duration::from_secs(1) } else { Duration::from_secs(4) });
    g.bench_function("queued_100", |b| timing::iter_async(b, &rt, async || per_request.queued().await));
    g.bench_function("queued_100_item_latency", |b| timing::iter_async(b, &rt, async || per_item.queued().await));
    g.finish();
    per_request.emu.assert_no_violations();
    per_item.emu.assert_no_violations();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = queue
}
criterion_main!(benches);
