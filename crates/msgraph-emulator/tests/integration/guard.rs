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
