//! The runtime against the emulator with injected faults: the query queue under a storm of
//! throttling, server errors, dropped connections and shuffled `$batch` responses, and paging
//! through server-driven pages — with the emulator's protocol guard watching.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use msgraph::auth::ClientSecretCredential;
use msgraph::{ErrorKind, GraphClient, Prefer};
use msgraph_emulator::{Emulator, FaultRule, RetryAfter};

async fn client_for(emu: &Emulator) -> GraphClient {
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    GraphClient::builder().base_url(emu.base_url()).credential(credential).build().expect("client")
}

/// A client signed in as the seed's default user (`/me` needs a delegated token).
fn user_client_for(emu: &Emulator) -> GraphClient {
    let credential = common::user_credential(emu);
    GraphClient::builder().base_url(emu.base_url()).credential(credential).build().expect("client")
}

const USERS: [&str; 5] = [
    "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
    "5f2a9e1c-3b4d-4c6e-8f7a-9b0c1d2e3f4a",
    "48d31887-5fad-4d73-a9f5-3c356e68a038",
    "e5c1a5b2-7d6e-4f8a-9b0c-1d2e3f4a5b6c",
    "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
];

/// The default queue (`add_query` / `execute_query`) is shared by every clone of a client, as
/// documented; an explicit `client.queue()` is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_queue_is_shared_by_clones_explicit_queues_are_not() {
    let emu = Emulator::start().await.expect("emulator");
    let client = client_for(&emu).await;
    let clone = client.clone();
    let mine = client.queue();
    let get = |c: &GraphClient, i: usize| c.get::<serde_json::Value>(&["users", USERS[i]]).select(&["id"]);
    let a = client.add_query(get(&client, 0));
    let b = clone.add_query(get(&clone, 1));
    let c = mine.add(get(&client, 2));
    assert_eq!((client.queued_count(), clone.queued_count(), mine.len()), (2, 2, 1));
    // The clone's execute_query sends (and resolves) the original's query too: one queue.
    let s = clone.execute_query().await.expect("default queue");
    assert_eq!((s.queries, s.succeeded), (2, 2));
    assert_eq!(a.take().expect("a")["id"], USERS[0]);
    assert_eq!(b.take().expect("b")["id"], USERS[1]);
    assert_eq!(c.take().expect_err("not executed yet").kind(), ErrorKind::NotExecuted);
    assert_eq!(mine.execute().await.expect("own queue").queries, 1);
    assert_eq!(c.take().expect("c")["id"], USERS[2]);
    emu.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storm_of_500_queued_queries_nothing_lost_or_mismapped() {
    let emu = Emulator::builder()
        .seed(7)
        .shuffle_batch_responses(true)
        .fault(FaultRule::throttle(RetryAfter::Seconds(1)).on_batch_items(true).on_requests(false).probability(0.03))
        .fault(FaultRule::status(503).on_batch_items(true).on_requests(false).probability(0.02))
        .fault(FaultRule::drop_connection().path_prefix("/v1.0/$batch").next(1))
        .start()
        .await
        .expect("emulator");
    let client = client_for(&emu).await;

    // 500 distinct reads (the guard tracks Retry-After per URL): existing users with different
    // `$select` lists, and missing ones, interleaved.
    const PROPS: [&str; 10] = [
        "displayName",
        "mail",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "city",
        "country",
        "userPrincipalName",
        "accountEnabled",
    ];
    let mut expected = Vec::new();
    let mut handles = Vec::new();
    for i in 0..500 {
        let id = if i % 7 == 0 { format!("missing-{i}") } else { USERS[i % USERS.len()].to_string() };
        let combo = i / USERS.len();
        let select = ["id", PROPS[combo % 10], PROPS[(combo / 10) % 10]];
        handles.push(client.add_query(client.users().by_id(&id).get().select(&select)));
        expected.push(id);
    }
    let summary = client.execute_query().await.expect("execute_query");
    assert_eq!(summary.queries, 500, "{summary:?}");
    assert_eq!(summary.left_queued, 0, "{summary:?}");
    assert!(summary.round_trips >= 25, "500 queries need at least 25 batches: {summary:?}");

    let (mut ok, mut missing, mut transient) = (0, 0, 0);
    for (h, id) in handles.into_iter().zip(expected) {
        assert!(h.is_resolved(), "handle for {id} left unresolved");
        match h.take() {
            Ok(user) => {
                let json: serde_json::Value = serde_json::from_str(&msgraph::json::to_string(&user)).unwrap();
                assert_eq!(json["id"].as_str(), Some(id.as_str()), "mis-mapped response");
                ok += 1;
            }
            Err(e) if id.starts_with("missing-") && e.status() == Some(404) => missing += 1,
            Err(e) => {
                assert!(
                    e.is_throttled() || e.is_transient() || matches!(e.kind(), ErrorKind::Transport | ErrorKind::Http),
                    "{id}: unexpected error {e}"
                );
                transient += 1;
            }
        }
    }
    assert_eq!(ok + missing + transient, 500);
    assert!(ok > 400, "ok={ok} missing={missing} transient={transient}");
    assert!(missing > 60, "missing={missing}");
    emu.assert_no_violations();
}

#[tokio::test]
async fn paging_follows_server_driven_pages_and_resends_headers() {
    let emu = Emulator::builder().page_size(2).start().await.expect("emulator");
    let client = client_for(&emu).await;
    emu.clear_requests();
    let users = client.users().list().count(true).items().collect_all().await.expect("all pages");
    assert_eq!(users.len(), 5);
    let pages: Vec<_> = emu.requests().into_iter().filter(|r| r.target.contains("/users")).collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    for p in &pages {
        let consistency = p.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("consistencylevel") && v == "eventual");
        assert!(consistency, "ConsistencyLevel resent on every page: {p:?}");
        assert!(p.authorization);
    }
    emu.assert_no_violations();
}

#[tokio::test]
async fn throttled_direct_request_honours_retry_after() {
    let emu = Emulator::start().await.expect("emulator");
    let client = user_client_for(&emu);
    client.me().get().send().await.expect("warm up the token");
    let id = emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(1)).path_prefix("/v1.0/me").next(1));
    let started = std::time::Instant::now();
    let me = client.me().get().send().await.expect("retried after the throttle");
    assert!(started.elapsed() >= Duration::from_millis(900), "waited {:?}", started.elapsed());
    assert!(me.as_model().model_info().odata_type.ends_with("user"));
    assert_eq!(emu.faults().fired(id), 1);
    emu.assert_no_violations();
}

/// One request's own options, end to end: `no_retry` sends a throttled request once while the
/// client keeps retrying others, and typed `Prefer` values reach the service in one header on
/// every page (the emulator honours `odata.maxpagesize`).
#[tokio::test]
async fn per_request_retry_policy_and_prefer_values() {
    let emu = Emulator::start().await.expect("emulator");
    let client = user_client_for(&emu);
    client.me().get().send().await.expect("warm up the token");

    emu.clear_requests();
    let id = emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(0)).path_prefix("/v1.0/me").next(1));
    let e = client.me().get().no_retry().send().await.expect_err("not retried");
    assert_eq!(e.status(), Some(429));
    assert_eq!(emu.faults().fired(id), 1);
    let id = emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(0)).path_prefix("/v1.0/me").next(1));
    client.me().get().send().await.expect("the client's policy retries");
    assert_eq!(emu.faults().fired(id), 1);
    let statuses: Vec<u16> =
        emu.requests().iter().filter(|r| r.target.starts_with("/v1.0/me")).map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200], "no_retry: one try; then 1 try + 1 retry");

    emu.clear_requests();
    let users = client
        .users()
        .list()
        .prefer(Prefer::MaxPageSize(2))
        .prefer(Prefer::IncludeUnknownEnumMembers)
        .items()
        .collect_all()
        .await
        .expect("all pages");
    assert_eq!(users.len(), 5);
    let pages: Vec<_> = emu.requests().into_iter().filter(|r| r.target.starts_with("/v1.0/users")).collect();
    assert_eq!(pages.len(), 3, "pages of 2: {pages:?}");
    for p in &pages {
        let prefer: Vec<&str> = p.headers.iter().filter(|(k, _)| k == "prefer").map(|(_, v)| v.as_str()).collect();
        assert_eq!(prefer, ["odata.maxpagesize=2, include-unknown-enum-members"], "{p:?}");
    }
    emu.assert_no_violations();
}
