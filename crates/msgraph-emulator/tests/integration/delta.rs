//! `delta`: first round over pages to a deltaLink, changes since, `$select`, bad and expired
//! tokens, the protocol guard.

use msgraph_emulator::{Emulator, Violation};
use serde_json::{json, Value};

use crate::common::*;

fn new_user(nick: &str) -> Value {
    json!({
        "accountEnabled": true,
        "displayName": format!("{nick} Example"),
        "mailNickname": nick,
        "userPrincipalName": format!("{nick}@contoso.onmicrosoft.com"),
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}
    })
}

/// Follows a delta round from `url`: (items, pages, deltaLink).
async fn round(t: &T, url: &str) -> (Vec<Value>, usize, String) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next = url.to_string();
    loop {
        let r = t.get(&next).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let v = r.json();
        pages += 1;
        items.extend(v["value"].as_array().unwrap().iter().cloned());
        match (v["@odata.nextLink"].as_str(), v["@odata.deltaLink"].as_str()) {
            (Some(n), None) => {
                assert!(n.contains("$skiptoken="), "{n}");
                next = n.to_string();
            }
            (None, Some(d)) => {
                assert!(d.contains("$deltatoken="), "{d}");
                return (items, pages, d.to_string());
            }
            other => panic!("a page needs exactly one of nextLink and deltaLink: {other:?}"),
        }
        assert!(pages < 100);
    }
}

fn id_list(items: &[Value]) -> Vec<&str> {
    items.iter().map(|v| v["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn first_round_pages_to_a_delta_link_then_reports_changes() {
    let t = T::with(Emulator::builder().page_size(2)).await;
    let (items, pages, delta) = round(&t, "/users/delta()").await;
    assert_eq!(items.len(), 5, "{items:?}");
    assert_eq!(pages, 3);
    assert!(items.iter().all(|u| u["displayName"].is_string() && u.get("@removed").is_none()));
    assert!(delta.starts_with(t.emu.base_url()), "{delta}");

    // Nothing changed: an empty page with a new deltaLink.
    let (same, pages, delta2) = round(&t, &delta).await;
    assert!(same.is_empty() && pages == 1, "{same:?}");

    // Create, update, delete.
    let created = t.post("/users", new_user("kim")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let kim = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(t.patch(&format!("/users/{ALEX}"), json!({"displayName": "Alex W."})).await.status, 204);
    assert_eq!(t.delete(&format!("/users/{LEE}")).await.status, 204);
    // A group change does not show in users delta; a contained change neither.
    assert_eq!(t.patch(&format!("/groups/{SALES}"), json!({"description": "x"})).await.status, 204);

    let (changes, pages, delta3) = round(&t, &delta2).await;
    assert_eq!(pages, 2, "3 changes, page size 2");
    assert_eq!(id_list(&changes), vec![kim.as_str(), ALEX, LEE], "in change order: {changes:?}");
    assert_eq!(changes[0]["userPrincipalName"], "kim@contoso.onmicrosoft.com");
    assert!(changes[0].get("passwordProfile").is_none());
    assert_eq!(changes[1]["displayName"], "Alex W.", "current properties");
    assert_eq!(changes[2], json!({"id": LEE, "@removed": {"reason": "deleted"}}));

    // The old deltaLink still works (state-based), the newest one is empty.
    let (again, _, _) = round(&t, &delta2).await;
    assert_eq!(again.len(), 3);
    let (none, _, _) = round(&t, &delta3).await;
    assert!(none.is_empty());
    // The very first deltaLink sees the same three changes.
    assert_eq!(round(&t, &delta).await.0.len(), 3);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn select_is_honoured_and_kept_in_the_links() {
    let t = T::with(Emulator::builder().page_size(3)).await;
    let (items, pages, delta) = round(&t, "/users/delta()?$select=displayName,jobTitle").await;
    assert_eq!((items.len(), pages), (5, 2));
    for u in &items {
        let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(keys.iter().all(|k| ["id", "displayName", "jobTitle"].contains(k)), "{keys:?}");
        assert!(u["id"].is_string(), "id is always returned");
    }
    assert!(delta.contains("$select=displayName,jobTitle&$deltatoken="), "{delta}");
    t.patch(&format!("/users/{MEGAN}"), json!({"jobTitle": "CEO", "officeLocation": "1"})).await;
    let (changes, _, _) = round(&t, &delta).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["jobTitle"], "CEO");
    assert!(changes[0].get("officeLocation").is_none());
    let r = t.get("/users/delta()?$select=nope").await;
    assert_eq!(r.status, 400, "{}", r.text);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn both_spellings_groups_and_latest() {
    let t = T::new().await;
    let (a, _, d1) = round(&t, "/users/delta").await;
    let (b, _, _) = round(&t, "/users/delta()").await;
    assert_eq!(id_list(&a), id_list(&b));
    assert!(d1.contains("/users/delta?$deltatoken="), "{d1}");
    let (groups, _, gd) = round(&t, "/groups/delta()").await;
    assert_eq!(groups.len(), 3);
    assert!(groups.iter().any(|g| g["id"] == SALES));

    // $deltatoken=latest: no items, just a link for changes from now on.
    let r = t.get("/users/delta()?$deltatoken=latest").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["value"], json!([]));
    let latest = v["@odata.deltaLink"].as_str().unwrap().to_string();

    t.delete(&format!("/groups/{RETAIL}")).await;
    t.patch(&format!("/users/{NESTOR}"), json!({"city": "Oslo"})).await;
    let (g, _, _) = round(&t, &gd).await;
    assert_eq!(g, vec![json!({"id": RETAIL, "@removed": {"reason": "deleted"}})]);
    let (u, _, _) = round(&t, &latest).await;
    assert_eq!(id_list(&u), vec![NESTOR]);
    // directoryObjects reads through users, groups, ... (polymorphic, with @odata.type).
    let (all, _, _) = round(&t, "/directoryObjects/delta()").await;
    assert!(all.len() >= 7, "{all:?}");
    assert!(all.iter().any(|o| o["@odata.type"] == "#microsoft.graph.group"));
    // A first round lists what exists: the group deleted earlier is not in it.
    assert!(all.iter().all(|o| o["id"] != RETAIL && o.get("@removed").is_none()));
    // A contained collection's delta has no handler.
    assert_eq!(t.get("/me/mailFolders/delta()").await.status, 501);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn changes_during_a_round_are_not_lost() {
    let t = T::with(Emulator::builder().page_size(2)).await;
    let r = t.get("/users/delta()").await.json();
    let first: Vec<String> = r["value"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().into()).collect();
    let next = r["@odata.nextLink"].as_str().unwrap().to_string();
    // An entity already sent is deleted, another already sent is updated.
    t.delete(&format!("/users/{}", first[0])).await;
    t.patch(&format!("/users/{}", first[1]), json!({"city": "Rome"})).await;
    let (rest, _, delta) = round(&t, &next).await;
    let removed: Vec<&Value> = rest.iter().filter(|v| v.get("@removed").is_some()).collect();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["id"], first[0].as_str());
    assert!(rest.iter().any(|v| v["id"] == first[1].as_str() && v["city"] == "Rome"), "{rest:?}");
    assert_eq!(rest.iter().filter(|v| v.get("@removed").is_none()).count(), 4, "3 not sent yet + 1 again");
    assert!(round(&t, &delta).await.0.is_empty());
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn bad_tokens_are_400_and_expired_ones_410() {
    let t = T::with(Emulator::builder().page_size(2)).await;
    let r = t.get("/users/delta()").await.json();
    let next = r["@odata.nextLink"].as_str().unwrap().to_string();
    let (_, _, delta) = round(&t, "/users/delta()").await;

    for bad in ["garbage", "AAAA", ""] {
        let r = t.get(&format!("/users/delta()?$deltatoken={bad}")).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.inner_code(), "invalidDeltaToken");
    }
    // Edited.
    let edited = format!("{}A", delta);
    assert_eq!(t.get(&edited).await.status, 400);
    // Another query (groups), another kind (a skiptoken as deltatoken).
    let token = delta.split("$deltatoken=").nth(1).unwrap();
    assert_eq!(t.get(&format!("/groups/delta()?$deltatoken={token}")).await.status, 400);
    let skip = next.split("$skiptoken=").nth(1).unwrap();
    assert_eq!(t.get(&format!("/users/delta()?$deltatoken={skip}")).await.status, 400);
    assert_eq!(t.get(&format!("/users?$deltatoken={token}")).await.status, 400);
    assert_eq!(t.get(&format!("/users/delta()?$skiptoken={skip}&$deltatoken={token}")).await.status, 400);
    assert_eq!(t.get("/users/delta()?$filter=displayName eq 'x'").await.status, 400);
    t.emu.clear_violations();

    // Expired: 410 resyncRequired with a fresh URL, for deltaLinks and mid-round nextLinks.
    t.emu.expire_delta_tokens();
    for url in [&delta, &next] {
        let r = t.get(url).await;
        assert_eq!(r.status, 410, "{}", r.text);
        assert_eq!(r.error_code(), "resyncRequired");
        assert_eq!(r.header("location"), Some(format!("{}/users/delta()", t.emu.base_url()).as_str()));
    }
    let (items, _, fresh) = round(&t, "/users/delta()").await;
    assert_eq!(items.len(), 5);
    assert_eq!(t.get(&fresh).await.status, 200);
    // reset() loses the change history: older tokens expire too.
    t.emu.reset().unwrap();
    assert_eq!(t.get(&fresh).await.status, 410);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn unissued_delta_links_are_violations() {
    let t = T::new().await;
    let (_, _, delta) = round(&t, "/users/delta()").await;
    // Re-encoding the link (`$` → `%24`) still works but is reported.
    let reencoded = delta.replace("$deltatoken", "%24deltatoken");
    assert_eq!(t.get(&reencoded).await.status, 200);
    let v = t.emu.violations();
    assert!(matches!(&v[..], [Violation::UnissuedDeltaLink { url }] if url.contains("%24deltatoken")), "{v:?}");
    // A batch item follows the same rules.
    t.emu.clear_violations();
    let rel = delta.strip_prefix(t.emu.base_url()).unwrap();
    let r = t.post("/$batch", json!({"requests": [{"id": "1", "method": "GET", "url": rel}]})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["responses"][0]["status"], 200);
    t.emu.assert_no_violations();
}
