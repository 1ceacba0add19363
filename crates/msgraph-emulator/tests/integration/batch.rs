//! Item 6: JSON batching.
use super::common::*;
use msgraph_emulator::{Emulator, FaultRule, RetryAfter, Violation};
use serde_json::{json, Value};

async fn batch(t: &T, body: Value) -> Resp {
    t.post("/$batch", body).await
}

fn by_id(v: &Value) -> std::collections::HashMap<String, Value> {
    v["responses"].as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap().to_string(), r.clone())).collect()
}

#[tokio::test]
async fn parallel_batch_with_shuffled_responses() {
    let t = T::with(Emulator::builder().seed(11)).await;
    let reqs: Vec<Value> = (1..=6)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users?$filter=startswith(displayName,'{}')&$select=id", ["A", "M", "L", "N", "Z", "X"][i - 1])}))
        .collect();
    let r = batch(&t, json!({"requests": reqs})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    let order: Vec<&str> = v["responses"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(order.len(), 6);
    assert_ne!(order, vec!["1", "2", "3", "4", "5", "6"], "responses are shuffled");
    let m = by_id(&v);
    assert_eq!(m["1"]["status"], 200);
    assert_eq!(m["1"]["body"]["value"].as_array().unwrap().len(), 2, "Adele and Alex");
    assert_eq!(m["5"]["body"]["value"], json!([]));
    assert!(m["1"]["headers"]["Content-Type"].as_str().unwrap().starts_with("application/json"));
    // Items are logged with their id.
    let items: Vec<_> = t.emu.requests().into_iter().filter(|r| r.batch_item.is_some()).collect();
    assert_eq!(items.len(), 6);
    assert!(items.iter().all(|r| r.target.starts_with("/v1.0/users?") && r.authorization));
    // Deterministic with the seed; can be turned off.
    let t2 = T::with(Emulator::builder().seed(11)).await;
    let reqs: Vec<Value> =
        (1..=6).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me?$select=id"})).collect();
    let o1: Vec<String> = batch(&t2, json!({"requests": reqs.clone()})).await.json()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    let t3 = T::with(Emulator::builder().seed(11)).await;
    let o2: Vec<String> = batch(&t3, json!({"requests": reqs.clone()})).await.json()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(o1, o2);
    let t4 = T::with(Emulator::builder().shuffle_batch_responses(false)).await;
    let o: Vec<String> = batch(&t4, json!({"requests": reqs})).await.json()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(o, vec!["1", "2", "3", "4", "5", "6"]);
}

#[tokio::test]
async fn sequential_batch_and_failed_dependencies() {
    let t = T::new().await;
    let p = format!("/users/{LEE}/authentication/phoneMethods");
    let r = batch(&t, json!({"requests": [
        {"id": "1", "method": "POST", "url": p, "headers": {"Content-Type": "application/json"}, "body": {"phoneNumber": "+1 2065550123", "phoneType": "mobile"}},
        {"id": "2", "method": "POST", "url": format!("{p}/3179e48a-750b-4051-897c-87b9720928f7/enableSmsSignIn"), "dependsOn": ["1"]},
        {"id": "3", "method": "POST", "url": p, "headers": {"Content-Type": "application/json"}, "body": {"phoneNumber": "bad", "phoneType": "alternateMobile"}, "dependsOn": ["2"]},
        {"id": "4", "method": "GET", "url": p, "dependsOn": ["3"]},
        {"id": "5", "method": "DELETE", "url": format!("{p}/3179e48a-750b-4051-897c-87b9720928f7"), "dependsOn": ["4"]}
    ]})).await;
    assert_eq!(r.status, 200, "the outer status is 200 even when items fail");
    let m = by_id(&r.json());
    assert_eq!(m["1"]["status"], 201);
    assert_eq!(m["1"]["body"]["id"], "3179e48a-750b-4051-897c-87b9720928f7");
    assert_eq!(m["2"]["status"], 204);
    assert_eq!(m["2"].get("body"), Some(&Value::Null), "no content: \"body\": null");
    assert_eq!(m["3"]["status"], 400);
    assert_eq!(m["3"]["body"]["error"]["innerError"]["code"], "invalidPhoneNumber");
    assert_eq!(m["4"]["status"], 424);
    assert_eq!(m["4"]["body"]["error"]["code"], "FailedDependency");
    assert_eq!(m["5"]["status"], 424, "dependents of a 424 also fail");
    // Item 5 never ran: the mobile still exists and is SMS-enabled.
    let v = t.get(&format!("{p}/3179e48a-750b-4051-897c-87b9720928f7")).await.json();
    assert_eq!(v["smsSignInState"], "ready");
    // Unrun items are logged with 424.
    assert!(t.emu.requests().iter().any(|r| r.batch_item.as_deref() == Some("5") && r.status == 424));
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn batch_rules_are_enforced() {
    let t = T::new().await;
    let get = |id: &str| json!({"id": id, "method": "GET", "url": "/me"});
    let too_many: Vec<Value> = (0..21).map(|i| get(&i.to_string())).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"requests": too_many}), "maximum number of requests"),
        (json!({"requests": [get("a"), get("A")]}), "not unique"),
        (json!({"requests": [{"id": "1", "method": "POST", "url": "/users", "body": {"x": 1}}]}), "Content-Type"),
        (
            json!({"requests": [{"id": "1", "method": "GET", "url": "/me", "dependsOn": ["2"]}, get("2")]}),
            "not an earlier request",
        ),
        (
            json!({"requests": [get("1"), get("2"), {"id": "3", "method": "GET", "url": "/me", "dependsOn": ["2"]}]}),
            "mixes sequential and parallel",
        ),
        (
            json!({"requests": [get("1"), {"id": "2", "method": "GET", "url": "/me", "dependsOn": ["1"]}, {"id": "3", "method": "GET", "url": "/me", "dependsOn": ["1"]}]}),
            "mixes sequential and parallel",
        ),
        (
            json!({"requests": [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}]}),
            "absolute url",
        ),
        (json!({"requests": [{"id": "1", "method": "GET", "url": "/v1.0/me"}]}), "includes the version"),
        (
            json!({"requests": [{"id": "1", "method": "POST", "url": "/$batch", "headers": {"Content-Type": "application/json"}, "body": {}}]}),
            "nested $batch",
        ),
        (json!({"requests": [{"id": "1", "url": "/me"}]}), "no 'method'"),
        (json!({"requests": [{"id": 1, "method": "GET", "url": "/me"}]}), "no 'id'"),
        (json!({"requests": []}), "at least one"),
        (json!({"nope": []}), "'requests' array"),
        (json!({"requests": [get("1")], "extra": true}), "Unknown property 'extra'"),
    ];
    for (body, msg) in cases {
        let r = batch(&t, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert!(r.message().contains(msg), "{body}: {}", r.message());
    }
    let v = t.emu.violations();
    assert_eq!(v.len(), 14);
    assert!(v.iter().all(|x| matches!(x, Violation::BatchRuleBroken { .. })));
    t.emu.clear_violations();
    // Exactly 20 is fine; a relative url without the leading slash too.
    let twenty: Vec<Value> =
        (0..20).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "me?$select=id"})).collect();
    let r = batch(&t, json!({"requests": twenty})).await;
    assert_eq!(r.status, 200);
    assert!(r.json()["responses"].as_array().unwrap().iter().all(|x| x["status"] == 200));
    // A valid chain.
    let r = batch(&t, json!({"requests": [get("1"), {"id": "2", "method": "GET", "url": "/me", "dependsOn": ["1"]}, {"id": "3", "method": "GET", "url": "/me", "dependsOn": ["2", "1"]}]})).await;
    assert_eq!(r.status, 200);
    // Not JSON, GET: outer errors.
    let r = t
        .http
        .post(t.url("/$batch"))
        .bearer_auth(&t.token)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(t.get("/$batch").await.status, 405);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn items_use_the_batch_token_and_router() {
    let t = T::new().await;
    // No token on the batch: 401 for the whole batch.
    let r = t
        .http
        .post(t.url("/$batch"))
        .json(&json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // A delegated batch token: /me is that user inside items; an item's own Authorization is ignored.
    let lee = t.emu.issue_token_with(msgraph_emulator::TokenSpec::user(LEE)).unwrap();
    let r = t.http.post(t.url("/$batch")).bearer_auth(&lee).json(&json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me", "headers": {"Authorization": "Bearer junk"}},
        {"id": "2", "method": "GET", "url": "/nope"},
        {"id": "3", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}},
        {"id": "4", "method": "PATCH", "url": "/me", "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": "Boss"}},
        {"id": "5", "method": "POST", "url": "/users", "headers": {"Content-Type": "text/plain"}, "body": "aGVsbG8="}
    ]})).send().await.unwrap();
    let m = by_id(&r.json::<Value>().await.unwrap());
    assert_eq!(m["1"]["body"]["id"], LEE);
    assert_eq!(m["2"]["status"], 400);
    assert_eq!(m["2"]["body"]["error"]["message"], "Resource not found for the segment 'nope'.");
    assert_eq!(m["3"]["status"], 200);
    assert_eq!(m["3"]["body"], "NQ==", "non-JSON bodies are base64");
    assert_eq!(m["4"]["status"], 204);
    assert_eq!(m["5"]["status"], 415);
    assert_eq!(t.get(&format!("/users/{LEE}")).await.json()["jobTitle"], "Boss");
    assert!(m["1"]["headers"]["request-id"].is_string());
    assert_eq!(m["3"]["headers"]["OData-Version"], "4.0", "{}", m["3"]);
}

#[tokio::test]
async fn per_item_throttling() {
    let t = T::new().await;
    t.emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(7)).on_requests(false).every(2));
    let reqs: Vec<Value> = (1..=4).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{}", [ADELE, ALEX, MEGAN, LEE][i - 1])})).collect();
    let r = batch(&t, json!({"requests": reqs})).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let throttled: Vec<&Value> = v["responses"].as_array().unwrap().iter().filter(|x| x["status"] == 429).collect();
    assert_eq!(throttled.len(), 2);
    for x in &throttled {
        assert_eq!(x["headers"]["Retry-After"], "7");
        assert_eq!(x["body"]["error"]["code"], "TooManyRequests");
    }
    // Retrying a throttled item at once (in a new batch) is a violation; other items are fine.
    let tid = throttled[0]["id"].as_str().unwrap();
    let url = format!("/users/{}", [ADELE, ALEX, MEGAN, LEE][tid.parse::<usize>().unwrap() - 1]);
    t.emu.faults().clear();
    let r = batch(&t, json!({"requests": [{"id": "r", "method": "GET", "url": url}]})).await;
    assert_eq!(by_id(&r.json())["r"]["status"], 200);
    assert!(
        matches!(&t.emu.violations()[..], [Violation::RetryAfterNotHonoured { retry_after, .. }] if retry_after.as_secs() == 7)
    );
}

#[tokio::test]
async fn paging_inside_a_batch() {
    let t = T::with(Emulator::builder().page_size(2)).await;
    // A raw (unencoded) item url: the next link comes back as a valid, encoded URL.
    let r = batch(
        &t,
        json!({"requests": [{"id": "1", "method": "GET", "url": "/users?$filter=accountEnabled eq true&$select=id"}]}),
    )
    .await;
    let m = by_id(&r.json());
    let next = m["1"]["body"]["@odata.nextLink"].as_str().unwrap().to_string();
    assert!(next.contains("$filter=accountEnabled%20eq%20true"), "{next}");
    assert!(reqwest::Url::parse(&next).is_ok());
    // Following it, at top level or in a batch (relative to the version root), is fine.
    let rel = next.strip_prefix(t.emu.base_url()).unwrap().to_string();
    let r = batch(&t, json!({"requests": [{"id": "2", "method": "GET", "url": rel}]})).await;
    let m = by_id(&r.json());
    assert_eq!(m["2"]["status"], 200);
    assert_eq!(m["2"]["body"]["value"].as_array().unwrap().len(), 2);
    assert_eq!(t.send("GET", &next, None, &[]).await.status, 200);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn items_without_content_carry_body_null() {
    let t = T::new().await;
    let r = batch(&t, json!({"requests": [
        {"id": "1", "method": "PATCH", "url": format!("/users/{LEE}"), "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": "Buyer"}},
        {"id": "2", "method": "POST", "url": format!("/users/{ALEX}/authentication/phoneMethods/{}/enableSmsSignIn", msgraph_emulator::MOBILE_ID)},
        {"id": "3", "method": "GET", "url": "/me?$select=id"}
    ]}))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let m = by_id(&r.json());
    for id in ["1", "2"] {
        assert_eq!(m[id]["status"], 204, "{}", m[id]);
        let item = m[id].as_object().unwrap();
        assert!(item.contains_key("body"), "Graph writes \"body\": null, the key is never missing: {}", m[id]);
        assert!(item["body"].is_null(), "{}", m[id]);
    }
    assert_eq!(m["3"]["body"]["id"], ADELE);
}

#[tokio::test]
async fn item_header_names_keep_graphs_casing() {
    let t = T::new().await;
    t.emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(3)).on_requests(false).next(1));
    let r = batch(&t, json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me?$select=id"},
        {"id": "2", "method": "POST", "url": "/groups", "headers": {"Content-Type": "application/json"}, "body": {"displayName": "Casing", "mailEnabled": false, "mailNickname": "casing", "securityEnabled": true}},
    ]}))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    let mut names = std::collections::BTreeSet::new();
    for item in v["responses"].as_array().unwrap() {
        for k in item["headers"].as_object().unwrap().keys() {
            names.insert(k.clone());
        }
    }
    // One of the two was throttled, the other answered with a body; the create has a Location.
    for expected in ["OData-Version", "request-id", "client-request-id", "Content-Type", "Retry-After", "Location"] {
        assert!(names.contains(expected), "{expected} missing in {names:?}");
    }
    for wrong in ["Odata-Version", "Request-Id", "Client-Request-Id"] {
        assert!(!names.contains(wrong), "{wrong} in {names:?}");
    }
}

#[tokio::test]
async fn unknown_item_keys_are_ignored_and_depends_on_is_reported() {
    let t = T::with(Emulator::builder().shuffle_batch_responses(false)).await;
    // What Microsoft's Python SDK sends: `depends_on` in every item, plus a key Graph does not know.
    let r = batch(
        &t,
        json!({"requests": [
            {"id": "1", "method": "GET", "url": "/me?$select=id", "depends_on": [], "x-extra": {"a": 1}},
            {"id": "2", "method": "GET", "url": format!("/users/{LEE}?$select=id"), "depends_on": ["1"]}
        ]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let m = by_id(&r.json());
    assert_eq!(m["1"]["status"], 200);
    assert_eq!(m["2"]["status"], 200);
    assert_eq!(m["2"]["body"]["id"], LEE);
    // Graph ignores `depends_on` (the batch runs unsequenced); the guard says so, once per item.
    let v = t.emu.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v.iter().all(|x| matches!(x, Violation::MisspeltDependsOn { key, .. } if key == "depends_on")), "{v:?}");
    assert!(v[1].to_string().contains("dependsOn"), "{}", v[1]);
    t.emu.clear_violations();
    // An unknown key alone is no violation.
    let r =
        batch(&t, json!({"requests": [{"id": "1", "method": "GET", "url": "/me?$select=id", "atomicityGroup": "g"}]}))
            .await;
    assert_eq!(by_id(&r.json())["1"]["status"], 200);
    t.emu.assert_no_violations();
}
