//! Item 8: the protocol guard.
use super::common::*;
use msgraph_emulator::{Emulator, Violation};

#[tokio::test]
async fn unissued_next_links_are_reported() {
    let t = T::with(Emulator::builder().page_size(2)).await;
    let first = t.get("/users?$select=id,displayName").await.json();
    let next = first["@odata.nextLink"].as_str().unwrap().to_string();
    // Following it exactly: fine.
    assert_eq!(t.send("GET", &next, None, &[]).await.status, 200);
    t.emu.assert_no_violations();
    // Re-encoded by the client: served (same query), but reported.
    let reencoded = next.replace("$select=id,displayName", "%24select=id%2CdisplayName");
    assert_eq!(t.send("GET", &reencoded, None, &[]).await.status, 200);
    let v = t.emu.violations();
    assert!(matches!(&v[..], [Violation::UnissuedNextLink { url }] if url.contains("%24select")), "{v:?}");
}

#[test]
#[should_panic(expected = "broke Graph's protocol 1 time(s)")]
fn assert_no_violations_panics_with_a_listing() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let t = T::new().await;
        t.post("/$batch", serde_json::json!({"requests": []})).await;
        t.emu.assert_no_violations();
    });
}

/// A Graph create under a `Retry-After` fault, identified by its `client-request-id`.
async fn create_group(t: &T, name: &str, client_request_id: Option<&str>) -> Resp {
    let body =
        serde_json::json!({"displayName": name, "mailEnabled": false, "mailNickname": name, "securityEnabled": true});
    let headers: Vec<(&str, &str)> = client_request_id.map(|c| ("client-request-id", c)).into_iter().collect();
    t.send("POST", "/groups", Some(body), &headers).await
}

#[tokio::test]
async fn distinct_requests_to_one_url_are_not_retries() {
    use msgraph_emulator::{FaultRule, RetryAfter};
    let t = T::new().await;
    t.emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(30)).method("POST").every(2));
    // Ten distinct creates, each with its own client-request-id: every second one is throttled,
    // the next (another create) comes at once. None of them is a retry.
    let mut throttled = Vec::new();
    for i in 0..10 {
        let id = format!("00000000-0000-4000-8000-0000000000{i:02}");
        let r = create_group(&t, &format!("g{i}"), Some(&id)).await;
        assert!(matches!(r.status, 201 | 429), "{}", r.text);
        if r.status == 429 {
            throttled.push((i, id));
        }
    }
    assert_eq!(throttled.len(), 5);
    // Without a client-request-id, the body tells distinct creates apart.
    for i in 10..14 {
        assert!(matches!(create_group(&t, &format!("g{i}"), None).await.status, 201 | 429));
    }
    t.emu.assert_no_violations();

    // A real early retry: the same request (same client-request-id) before its Retry-After.
    let (i, id) = &throttled[0];
    t.emu.faults().clear();
    assert_eq!(create_group(&t, &format!("g{i}"), Some(id)).await.status, 201);
    let v = t.emu.violations();
    assert!(
        matches!(&v[..], [Violation::RetryAfterNotHonoured { method, url, client_request_id: Some(c), .. }]
            if method == "POST" && url == "/v1.0/groups" && c == id),
        "{v:?}"
    );
    t.emu.clear_violations();
    // And without one: the same body again.
    t.emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(30)).method("POST").next(1));
    assert_eq!(create_group(&t, "again", None).await.status, 429);
    assert_eq!(create_group(&t, "other", None).await.status, 201);
    t.emu.assert_no_violations();
    assert_eq!(create_group(&t, "again", None).await.status, 201);
    assert!(matches!(&t.emu.violations()[..], [Violation::RetryAfterNotHonoured { client_request_id: None, .. }]));
}
