//! Paging through `@odata.nextLink` and delta rounds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::pin::Pin;

use msgraph_core::error::ErrorKind;
use msgraph_core::paging::{DeltaItem, DeltaPage, Page, RemovedReason};
use serde_json::{json, Value};
use support::{MockServer, Reply};

async fn next<S: futures_core::Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

#[tokio::test]
async fn follows_next_links_verbatim_through_empty_pages() {
    let server = MockServer::start(|r, base| {
        let q = r.query().unwrap_or("");
        if q.contains("$skiptoken=X%2BY%3D") {
            Reply::json(
                200,
                json!({"value": [], "@odata.nextLink": format!("{base}/v1.0/users?$skiptoken=page3&$top=2")}),
            )
            .into()
        } else if q.contains("$skiptoken=page3") {
            Reply::json(200, json!({"value": [{"id": "c"}, {"id": "d"}, {"id": "e"}]})).into()
        } else {
            Reply::json(
                200,
                json!({"@odata.count": 5, "value": [{"id": "a"}, {"id": "b"}],
                    "@odata.nextLink": format!("{base}/v1.0/users?$skiptoken=X%2BY%3D&$top=2")}),
            )
            .into()
        }
    })
    .await;
    let client = server.client();
    let mut items =
        client.get::<Page<Value>>(&["users"]).count(true).top(2).header("Prefer", "outlook.timezone=\"UTC\"").items();
    let mut ids = Vec::new();
    while let Some(item) = next(&mut items).await {
        ids.push(item.unwrap()["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert_eq!(items.count(), Some(5));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].target, "/v1.0/users?$top=2&$count=true");
    // Exactly as given: not decoded, not re-encoded.
    assert_eq!(reqs[1].target, "/v1.0/users?$skiptoken=X%2BY%3D&$top=2");
    assert_eq!(reqs[2].target, "/v1.0/users?$skiptoken=page3&$top=2");
    for r in &reqs {
        assert_eq!(r.header("consistencylevel"), Some("eventual"), "resent on every page");
        assert_eq!(r.header("prefer"), Some("outlook.timezone=\"UTC\""));
        assert_eq!(r.header("authorization"), Some("Bearer test-token"));
    }
    // The same through next_page().
    let mut pages = client.get::<Page<Value>>(&["users"]).pages();
    let mut sizes = Vec::new();
    while let Some(p) = pages.next_page().await {
        sizes.push(p.unwrap().value.len());
    }
    assert_eq!(sizes, [2, 0, 3]);
    assert_eq!(pages.pages_fetched(), 3);
    assert!(pages.next_page().await.is_none(), "stays finished");
}

#[tokio::test]
async fn refuses_next_links_to_other_hosts_and_loops() {
    let evil = MockServer::start(|_, _| Reply::json(200, json!({"value": [{"id": "stolen"}]})).into()).await;
    let evil_url = evil.url();
    let server = MockServer::start(move |r, base| match r.path() {
        "/v1.0/foreign" => {
            Reply::json(200, json!({"value": [1], "@odata.nextLink": format!("{evil_url}/v1.0/foreign?page=2")})).into()
        }
        "/v1.0/tricky" => {
            Reply::json(200, json!({"value": [1], "@odata.nextLink": format!("{base}@evil.example/v1.0/x")})).into()
        }
        "/v1.0/garbage" => Reply::json(200, json!({"value": [1], "@odata.nextLink": "not a url"})).into(),
        "/v1.0/loop" => Reply::json(200, json!({"value": [1], "@odata.nextLink": format!("{base}/v1.0/loop")})).into(),
        _ => Reply::text(200, "application/json", r#"{"value":[1,2"#).into(),
    })
    .await;
    let client = server.client();
    for path in ["foreign", "tricky", "garbage", "loop"] {
        let mut pages = client.get::<Page<i64>>(&[path]).pages();
        assert_eq!(pages.next_page().await.unwrap().unwrap().value, [1], "{path}");
        let e = pages.next_page().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{path}: {e}");
        assert!(pages.next_page().await.is_none());
    }
    assert_eq!(evil.count(), 0, "no request to another origin");
    // A broken page ends the stream with a decode error.
    let mut items = client.get::<Page<i64>>(&["broken"]).items();
    assert_eq!(items.next_item().await.unwrap().unwrap_err().kind(), ErrorKind::Decode);
    assert!(items.next_item().await.is_none());
    // Starting from a stored link on another origin is refused too.
    let mut pages = client.pages_from_link::<i64>(&format!("{}/v1.0/users", evil.url()));
    assert_eq!(pages.next_page().await.unwrap().unwrap_err().kind(), ErrorKind::Validation);
    let e =
        client.delta_from_link::<Value>("https://evil.example/v1.0/users/delta()?$deltatoken=1").delta_round().await;
    assert_eq!(e.unwrap_err().kind(), ErrorKind::Validation);
    assert_eq!(evil.count(), 0);
}

#[tokio::test]
async fn refuses_unparseable_next_links_without_sending() {
    let server = MockServer::start(|r, base| {
        let link = match r.path() {
            "/v1.0/ipv6" => "https://[::1".to_string(),
            "/v1.0/space" => "http://exa mple.com/x".to_string(),
            "/v1.0/relative" => "/v1.0/relative?$skiptoken=1".to_string(),
            // Parses, on the client's own origin, but is still no request URL.
            _ => base.replacen("http://", "http://user:secret@", 1) + "/v1.0/credentials?$skiptoken=1",
        };
        Reply::json(200, json!({"value": [1], "@odata.nextLink": link})).into()
    })
    .await;
    let client = server.client();
    let invalid = "refusing to follow an @odata.nextLink that is not a valid URL";
    for (path, message) in [
        ("ipv6", format!("{invalid} (invalid IPv6 address)")),
        ("space", format!("{invalid} (invalid international domain name)")),
        ("relative", format!("{invalid} (relative URL without a base)")),
        ("credentials", "URLs with credentials (user:password@host) are not allowed".to_string()),
    ] {
        let before = server.count();
        let mut pages = client.get::<Page<i64>>(&[path]).pages();
        assert_eq!(pages.next_page().await.unwrap().unwrap().value, [1], "{path}");
        let e = pages.next_page().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{path}: {e}");
        assert!(e.to_string().contains(&message), "{path}: {e}");
        assert!(pages.next_page().await.is_none(), "{path}");
        assert_eq!(pages.pages_fetched(), 1, "{path}");
        assert_eq!(server.count(), before + 1, "{path}: only the first page was requested");
    }
}

#[tokio::test]
async fn delta_rounds_removed_items_and_resync() {
    let server = MockServer::start(|r, base| {
        let q = r.query().unwrap_or("");
        if q.contains("$deltatoken=expired") {
            return Reply::json(410, json!({"error": {"code": "resyncRequired", "message": "Resync required."}}))
                .header("location", &format!("{base}/v1.0/users/delta()"))
                .into();
        }
        if q.contains("$deltatoken=latest") {
            return Reply::json(
                200,
                json!({"value": [{"id": "9", "displayName": "new"}],
                "@odata.deltaLink": format!("{base}/v1.0/users/delta()?$deltatoken=expired")}),
            )
            .into();
        }
        if q.contains("$skiptoken=s1") {
            return Reply::json(
                200,
                json!({"value": [], "@odata.nextLink": format!("{base}/v1.0/users/delta()?$skiptoken=s2")}),
            )
            .into();
        }
        if q.contains("$skiptoken=s2") {
            return Reply::json(
                200,
                json!({"value": [{"id": "1", "displayName": "again"}, {"id": "3", "@removed": {"reason": "changed"}}],
                "@odata.deltaLink": format!("{base}/v1.0/users/delta()?$deltatoken=latest")}),
            )
            .into();
        }
        Reply::json(
            200,
            json!({"value": [{"id": "1", "displayName": "a"}, {"id": "2", "@removed": {"reason": "deleted"}}],
            "@odata.nextLink": format!("{base}/v1.0/users/delta()?$skiptoken=s1")}),
        )
        .into()
    })
    .await;
    let client = server.client();
    let round =
        client.get::<DeltaPage<Value>>(&["users", "delta()"]).select(&["displayName"]).delta_round().await.unwrap();
    assert_eq!(round.delta_link, format!("{}/v1.0/users/delta()?$deltatoken=latest", server.url()));
    assert_eq!(round.items.len(), 4);
    assert!(matches!(&round.items[0], DeltaItem::Changed(v) if v["displayName"] == "a"));
    match &round.items[1] {
        DeltaItem::Removed(r) => assert_eq!((r.id.as_deref(), &r.reason), (Some("2"), &RemovedReason::Deleted)),
        other => panic!("{other:?}"),
    }
    // The same item twice in a round is kept as sent.
    assert_eq!(round.items[2].item()["id"], "1");
    assert!(matches!(&round.items[3], DeltaItem::Removed(r) if r.reason == RemovedReason::Changed));
    assert_eq!(server.requests()[0].target, "/v1.0/users/delta()?$select=displayName");

    // Poll later with the stored link.
    let next = client.delta_from_link::<Value>(&round.delta_link).delta_round().await.unwrap();
    assert_eq!(next.items.len(), 1);
    // An expired token: its own error kind, with the restart URL.
    let e = client.delta_from_link::<Value>(&next.delta_link).delta_round().await.unwrap_err();
    assert_eq!((e.kind(), e.status(), e.code()), (ErrorKind::ResyncRequired, Some(410), Some("resyncRequired")));
    assert!(e.location().unwrap().ends_with("/v1.0/users/delta()"));
}

#[tokio::test]
async fn a_round_without_delta_link_is_an_error() {
    let server = MockServer::start(|_, _| Reply::json(200, json!({"value": []})).into()).await;
    let e = server.client().get::<DeltaPage<Value>>(&["users", "delta()"]).delta_round().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

/// A server that answers every page with no items and a fresh `@odata.nextLink`; after
/// `stop_after` pages it ends (so code without a bound ends too and the test fails fast).
async fn endless_empty_pages(stop_after: usize) -> MockServer {
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    MockServer::start(move |_, base| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if i >= stop_after {
            return Reply::json(200, json!({"value": [{"id": "last"}]})).into();
        }
        Reply::json(200, json!({"value": [], "@odata.nextLink": format!("{base}/v1.0/users?$skiptoken=t{i}")})).into()
    })
    .await
}

#[tokio::test]
async fn endless_empty_pages_stop_with_a_clear_error() {
    let server = endless_empty_pages(200).await;
    let client = server.client();
    let mut items = client.get::<Page<Value>>(&["users"]).items();
    let e = match next(&mut items).await {
        Some(Err(e)) => e,
        other => panic!("expected the empty-page bound, got {other:?}"),
    };
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.to_string().contains("16 empty pages in a row"), "{e}");
    assert_eq!(server.count(), 16, "default bound: 16 consecutive empty pages");
    assert!(next(&mut items).await.is_none(), "then the stream ends");

    // Configurable, on the pages and on the items.
    let server = endless_empty_pages(200).await;
    let mut pages = server.client().get::<Page<Value>>(&["users"]).pages().max_empty_pages(3);
    let mut got = 0;
    let e = loop {
        match next(&mut pages).await {
            Some(Ok(_)) => got += 1,
            Some(Err(e)) => break e,
            None => panic!("no error"),
        }
    };
    assert_eq!((got, server.count()), (3, 3), "every page fetched was handed out before the error");
    assert!(e.to_string().contains("3 empty pages in a row"), "{e}");
    let server = endless_empty_pages(10).await;
    let all = server.client().get::<Page<Value>>(&["users"]).items().max_empty_pages(20).collect_all().await.unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn total_page_cap_and_repeated_next_links() {
    // Pages with items forever: only a total cap stops them (off by default).
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = MockServer::start(move |_, base| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::json(200, json!({"value": [{"id": i}], "@odata.nextLink": format!("{base}/v1.0/users?$skiptoken=p{i}")}))
            .into()
    })
    .await;
    let e = server.client().get::<Page<Value>>(&["users"]).items().max_pages(5).collect_all().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.to_string().contains("5 pages"), "{e}");
    assert_eq!(server.count(), 5);

    // A nextLink that comes back (a cycle of pages with items): stopped at the repetition.
    let server = MockServer::start(|r, base| {
        let q = r.query().unwrap_or("");
        let next = if q.contains("skiptoken=b") {
            "c"
        } else if q.contains("skiptoken=c") {
            "a"
        } else {
            "b"
        };
        Reply::json(
            200,
            json!({"value": [{"id": q}], "@odata.nextLink": format!("{base}/v1.0/users?$skiptoken={next}")}),
        )
        .into()
    })
    .await;
    // (A bound of 0 empty pages does not stop pages that have items.)
    let mut pages = server.client().get::<Page<Value>>(&["users"]).pages().max_empty_pages(0);
    let mut ok = 0;
    let e = loop {
        match next(&mut pages).await {
            Some(Ok(_)) => ok += 1,
            Some(Err(e)) => break e,
            None => panic!("no error"),
        }
    };
    assert!(e.to_string().contains("already fetched"), "{e}");
    assert_eq!((ok, server.count()), (4, 4), "first page, b, c, a: then b again is refused");
}
