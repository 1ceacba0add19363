//! Keys are only keys: an id given to `by_id` addresses the entity with that id, whatever it
//! contains — `delta()` is not the delta function, `$count` / `$ref` / `$value` are not those
//! segments — against the emulator, for get, update and delete.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgraph::auth::ClientSecretCredential;
use msgraph::models::User;
use msgraph::{ErrorKind, GraphClient};
use msgraph_emulator::{Emulator, SeedData};
use serde_json::{json, Value};

/// Ids that look like Graph's URL syntax, and a few that need encoding anyway.
const IDS: [&str; 8] = ["delta()", "$count", "$ref", "$value", "a/b?c#d%e", "O'Neil(1)", "x:y@z,w;v=u!*", "$metadata"];

/// The default tenant plus one user per odd id.
fn seed() -> SeedData {
    let mut doc: Value = serde_json::from_str(SeedData::default_tenant_json()).expect("default tenant");
    let users = doc["entitySets"]["users"].as_array_mut().expect("users");
    for (i, id) in IDS.iter().enumerate() {
        users.push(json!({
            "id": id, "displayName": format!("odd {i}"), "accountEnabled": true,
            "userPrincipalName": format!("odd{i}@contoso.onmicrosoft.com"), "mailNickname": format!("odd{i}"),
        }));
    }
    SeedData::from_json(&doc.to_string()).expect("seed")
}

async fn setup() -> (Emulator, GraphClient) {
    let emu = Emulator::builder().seed_data(seed()).start().await.expect("emulator");
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build().expect("client");
    (emu, client)
}

async fn get(client: &GraphClient, id: &str) -> msgraph::Result<Value> {
    client.users().by_id(id).get().cast::<Value>().send().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_that_look_like_url_syntax_are_fetched_updated_and_deleted_as_ids() {
    let (emu, client) = setup().await;
    let total = client.users().count().send().await.expect("count").0;

    for (i, id) in IDS.iter().enumerate() {
        let user = get(&client, id).await.unwrap_or_else(|e| panic!("get {id:?}: {e}"));
        assert_eq!(user["id"], *id, "the entity with that id, not {user}");
        assert_eq!(user["displayName"], format!("odd {i}"));

        let patch = User { display_name: Some(format!("renamed {i}")), ..Default::default() };
        client.users().by_id(id).update(&patch).send().await.unwrap_or_else(|e| panic!("update {id:?}: {e}"));
        assert_eq!(get(&client, id).await.expect("get")["displayName"], format!("renamed {i}"));
    }
    // `$count` as an id is not a count request: no ConsistencyLevel for it.
    let sent: Vec<_> = emu.requests().into_iter().filter(|r| r.target.starts_with("/v1.0/users/%24count")).collect();
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|r| !r.headers.iter().any(|(k, _)| k == "consistencylevel")), "{sent:?}");

    for id in IDS {
        client.users().by_id(id).delete().send().await.unwrap_or_else(|e| panic!("delete {id:?}: {e}"));
        let e = get(&client, id).await.expect_err("deleted");
        assert_eq!((e.kind(), e.status()), (ErrorKind::Http, Some(404)), "{id:?}: {e}");
    }
    // Exactly those were deleted: the rest of the directory is untouched.
    let left = client.users().count().send().await.expect("count").0;
    assert_eq!(left, total - IDS.len() as i64);
    for id in ["87d349ed-44d7-43e1-9a83-5f2406dee5bd", "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"] {
        assert_eq!(get(&client, id).await.expect("still there")["id"], id);
    }
    emu.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdks_own_segments_keep_their_meaning() {
    let (emu, client) = setup().await;
    // The delta function and `$count` the generator writes are still those.
    let round = client.users().delta().delta_round().await.expect("delta round");
    assert!(round.items.len() > IDS.len(), "the delta feed: {}", round.items.len());
    let count = client.users().count().send().await.expect("count").0;
    assert_eq!(count as usize, round.items.len());
    let counted = emu.requests().into_iter().find(|r| r.target == "/v1.0/users/$count").expect("sent as $count");
    assert!(counted.headers.iter().any(|(k, v)| k == "consistencylevel" && v == "eventual"));
    // A queued get of an odd id goes through `$batch` as the same key.
    let queued = client.add_query(client.users().by_id("delta()").get().cast::<Value>());
    client.execute_query().await.expect("batch");
    assert_eq!(queued.take().expect("queued")["id"], "delta()");
    emu.assert_no_violations();
}
