//! Registered answers (mocks) for the routes the emulator does not model: the library API,
//! `$batch`, faults, the guard and mock files (library and binary).
use super::common::*;
use msgraph_emulator::{Emulator, Error, FaultRule, Mock, MockResponse, RetryAfter, TokenSpec, Violation};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn assign(user: &str) -> String {
    format!("/users/{user}/microsoft.graph.assignLicense")
}

fn license_body() -> Value {
    json!({"addLicenses": [{"skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900", "disabledPlans": []}], "removeLicenses": []})
}

/// A fresh directory for mock files.
fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "msgraph-emu-mocks-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_registered_action_answers_instead_of_501() {
    let t = T::new().await;
    // Today: the emulator has no rules for assignLicense.
    let r = t.post(&assign(ADELE), license_body()).await;
    assert_eq!(r.status, 501, "{}", r.text);
    let h = t
        .emu
        .mock(
            Mock::post("/users/{id}/microsoft.graph.assignLicense")
                .respond(MockResponse::json(200, json!({"id": ADELE, "displayName": "Adele Vance"}))),
        )
        .unwrap();
    let r = t.post(&assign(ADELE), license_body()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"id": ADELE, "displayName": "Adele Vance"}));
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    assert!(r.header("request-id").is_some() && r.header("client-request-id").is_some());
    assert_eq!(r.header("odata-version"), Some("4.0"));
    // Without the namespace, by userPrincipalName, other case: the same route.
    assert_eq!(t.post("/Users/AdeleV%40contoso.onmicrosoft.com/AssignLicense", license_body()).await.status, 200);
    h.assert_called(2);
    // The request log has them with the mocked status.
    let logged: Vec<_> = t.emu.requests().into_iter().filter(|r| r.target.contains("ssignLicense")).collect();
    assert_eq!(logged.iter().map(|r| r.status).collect::<Vec<_>>(), vec![501, 200, 200]);
    // Removed: back to 501.
    assert!(h.remove());
    assert!(!h.remove());
    assert_eq!(t.post(&assign(ADELE), license_body()).await.status, 501);
    assert_eq!(h.calls(), 2, "a handle keeps its records after removal");
}

#[tokio::test]
async fn templates_capture_segments_and_parameter_values() {
    let t = T::new().await;
    let range = format!("/users/{ADELE}/drive/items/01ABC/workbook/worksheets/Sheet1/range(address='A1:B2')");
    let before = t.get(&range).await.status;
    assert!(before >= 400, "no workbook rules today: {before}");
    let h = t
        .emu
        .mock(
            Mock::get("/users/{user}/drive/items/{item-id}/workbook/worksheets/{name}/range(address='{address}')")
                .respond_with(|req| {
                    MockResponse::json(
                        200,
                        json!({
                            "user": req.var("user"), "item": req.var("item-id"),
                            "sheet": req.var("name"), "address": req.var("address"),
                        }),
                    )
                }),
        )
        .unwrap();
    let v = t.get(&range).await.json();
    assert_eq!(v, json!({"user": ADELE, "item": "01ABC", "sheet": "Sheet1", "address": "A1:B2"}));
    // Percent-encoded, key syntax, quotes doubled, other case: decoded captures.
    let other =
        format!("/USERS/{ADELE}/Drive/Items('01ABC')/workbook/worksheets('My%20Sheet')/Range(address='It''s!A1%3AC3')");
    let r = t.get(&other).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["sheet"], "My Sheet");
    assert_eq!(r.json()["address"], "It's!A1:C3");
    // A path the template does not cover is not taken.
    assert_eq!(
        t.get(&format!("/users/{ADELE}/drive/items/01ABC/workbook/worksheets/Sheet1/range")).await.status,
        before
    );
    h.assert_called(2);
    assert_eq!(h.requests()[1].vars()[2], ("name".to_string(), "My Sheet".to_string()));
    // Wildcards match across segments.
    let photo = t
        .emu
        .mock(Mock::get("/users/*/photo/$value").respond(MockResponse::bytes(
            200,
            "image/jpeg",
            vec![0xff, 0xd8, 0xff],
        )))
        .unwrap();
    let r = t.http.get(t.url(&format!("/users/{ADELE}/photo/$value"))).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &[0xff, 0xd8, 0xff]);
    photo.assert_called_once();
    // Bad templates are refused when registered.
    let e = t.emu.mock(Mock::get("/users/{id")).unwrap_err();
    assert!(e.to_string().contains("'{' without its '}'"), "{e}");
    assert!(t.emu.mock(Mock::get("/beta/me")).unwrap_err().message.contains("v1.0 only"));
    assert!(t.emu.mock(Mock::get("/me").respond(MockResponse::new(1000))).unwrap_err().message.contains("HTTP status"));
    assert!(t.emu.mock(Mock::get("/me").times(0)).is_err());
}

#[tokio::test]
async fn query_and_body_conditions_fall_through_when_unmet() {
    let t = T::new().await;
    // Overrides a built-in GET, but only for `$select=id`.
    let sel = t
        .emu
        .mock(
            Mock::get(format!("/users/{ADELE}"))
                .query("$select", "id")
                .respond(MockResponse::json(200, json!({"id": "mocked"}))),
        )
        .unwrap();
    assert_eq!(t.get(&format!("/users/{ADELE}?$select=id")).await.json()["id"], "mocked");
    assert_eq!(
        t.get(&format!("/users/{ADELE}?%24select=id&$top=1")).await.json()["id"],
        "mocked",
        "decoded; extras allowed"
    );
    let built_in = t.get(&format!("/users/{ADELE}?$select=displayName")).await;
    assert_eq!(built_in.status, 200);
    assert_eq!(built_in.json()["displayName"], "Adele Vance", "falls through to the built-in answer");
    assert_eq!(t.get(&format!("/users/{ADELE}")).await.json()["id"], ADELE);
    sel.assert_called(2);
    // A query written in the template, with a wildcard value and a parameter that must be present.
    let q = t
        .emu
        .mock(Mock::get("/users?$filter=startswith*&$count").respond(MockResponse::json(200, json!({"value": []}))))
        .unwrap();
    assert_eq!(
        t.get_eventual("/users?$filter=startswith(displayName,'A')&$count=true").await.json(),
        json!({"value": []})
    );
    assert!(
        t.get_eventual("/users?$filter=startswith(displayName,'A')").await.json()["value"].as_array().unwrap().len()
            >= 2
    );
    q.assert_called_once();

    // Body: a JSON subset; a non-matching body falls through to the 501.
    let body = t
        .emu
        .mock(
            Mock::post("/users/{id}/assignLicense")
                .body_json(json!({"addLicenses": [{"skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900"}]}))
                .respond(MockResponse::json(200, json!({"id": "licensed"}))),
        )
        .unwrap();
    assert_eq!(t.post(&assign(ADELE), license_body()).await.json()["id"], "licensed");
    let other_sku = json!({"addLicenses": [{"skuId": "other"}], "removeLicenses": []});
    assert_eq!(t.post(&assign(ADELE), other_sku).await.status, 501);
    assert_eq!(t.send("POST", &assign(ADELE), None, &[]).await.status, 501, "no body: no match");
    body.assert_called_once();
    // Headers and body text.
    let hdr = t
        .emu
        .mock(
            Mock::post("/users/{id}/assignLicense")
                .header("Prefer", "return=minimal")
                .body_contains("removeLicenses")
                .respond(MockResponse::new(204)),
        )
        .unwrap();
    assert_eq!(
        t.send("POST", &assign(ADELE), Some(license_body()), &[("prefer", "return=minimal")]).await.status,
        200,
        "the earlier mock wins"
    );
    let r = t.send("POST", &assign(ADELE), Some(json!({"removeLicenses": []})), &[("prefer", "return=minimal")]).await;
    assert_eq!(r.status, 204);
    assert_eq!(t.send("POST", &assign(ADELE), Some(json!({"removeLicenses": []})), &[]).await.status, 501);
    hdr.assert_called_once();
}

#[tokio::test]
async fn a_handler_closure_sees_the_whole_request() {
    let t = T::new().await;
    let h = t
        .emu
        .mock(Mock::new("*", "/users/{id}/microsoft.graph.reprocessLicenseAssignment").respond_with(|req| {
            MockResponse::json(
                202,
                json!({
                    "method": req.method(), "path": req.path(), "id": req.var("id"),
                    "select": req.query_param("$select"), "tag": req.header("x-test-tag"),
                    "auth": req.header("authorization"), "client": req.client_id(), "user": req.user_id(),
                    "body": req.json(),
                }),
            )
            .header("x-mock", "yes")
        }))
        .unwrap();
    let r = t
        .send(
            "POST",
            &format!("/users/{ADELE}/reprocessLicenseAssignment?select=id"),
            Some(json!({"a": 1})),
            &[("x-test-tag", "t1")],
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.header("x-mock"), Some("yes"));
    let v = r.json();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], format!("/users/{ADELE}/reprocessLicenseAssignment"));
    assert_eq!(v["id"], ADELE);
    assert_eq!(v["select"], "id");
    assert_eq!(v["tag"], "t1");
    assert_eq!(v["auth"], "<redacted>", "the token is never handed out");
    assert_eq!(v["client"], t.emu.app().client_id);
    // The fixture's token is delegated, for the seed's signed-in user.
    assert_eq!(v["user"], t.emu.signed_in_user().id);
    assert_eq!(v["body"], json!({"a": 1}));
    // A delegated token: the handler sees the user.
    let delegated = t.emu.issue_token_with(TokenSpec::user(MEGAN)).unwrap();
    let r = t
        .http
        .post(t.url(&format!("/users/{MEGAN}/reprocessLicenseAssignment")))
        .bearer_auth(delegated)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["user"], MEGAN);
    // An app-only token: the handler sees no user.
    let r = t
        .http
        .post(t.url(&format!("/users/{MEGAN}/reprocessLicenseAssignment")))
        .bearer_auth(t.emu.issue_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["user"], Value::Null);
    h.assert_called(3);
    // A handler that panics answers 500 and the emulator keeps serving.
    t.emu.mock(Mock::get("/users/{id}/photo").respond_with(|_| panic!("boom"))).unwrap();
    let r = t.get(&format!("/users/{ADELE}/photo")).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.error_code(), "MockHandlerPanicked");
    // An invalid answer from a handler is a 500 that says why.
    t.emu.mock(Mock::get("/users/{id}/manager/x").respond_with(|_| MockResponse::new(42))).unwrap();
    let r = t.get(&format!("/users/{ADELE}/manager/x")).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.error_code(), "MockResponseInvalid");
    assert!(r.message().contains("not an HTTP status"), "{}", r.text);
    assert_eq!(t.get("/me").await.status, 200);
}

#[tokio::test]
async fn once_times_nth_precedence_and_removal() {
    let t = T::new().await;
    let path = assign(ADELE);
    let once = t
        .emu
        .mock(Mock::post("/users/{id}/assignLicense").once().respond(MockResponse::json(200, json!({"n": "once"}))))
        .unwrap();
    let twice = t
        .emu
        .mock(Mock::post("/users/{id}/assignLicense").times(2).respond(MockResponse::json(200, json!({"n": "twice"}))))
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let r = t.post(&path, license_body()).await;
        seen.push(if r.status == 200 { r.json()["n"].as_str().unwrap().to_string() } else { r.status.to_string() });
    }
    assert_eq!(seen, vec!["once", "twice", "twice", "501"]);
    assert!(!once.is_active() && !twice.is_active());
    assert_eq!((once.calls(), twice.calls()), (1, 2));

    // nth: only the 3rd matching request; the others fall through to the persistent mock after it.
    let nth =
        t.emu.mock(Mock::get("/users/{id}/photo").nth(3).respond(MockResponse::json(200, json!({"n": 3})))).unwrap();
    let always = t.emu.mock(Mock::get("/users/{id}/photo").respond(MockResponse::new(404))).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(t.get(&format!("/users/{ADELE}/photo")).await.status);
    }
    assert_eq!(statuses, vec![404, 404, 200, 404, 404]);
    nth.assert_called_once();
    always.assert_called(4);
    assert!(!nth.is_active() && always.is_active());

    // A built-in answer can be overridden; the first registered mock wins.
    let first = t.emu.mock(Mock::get("/me").respond(MockResponse::json(200, json!({"id": "first"})))).unwrap();
    t.emu.mock(Mock::get("/me").respond(MockResponse::json(200, json!({"id": "second"})))).unwrap();
    assert_eq!(t.get("/me").await.json()["id"], "first");
    assert!(t.emu.mocks().remove(&first));
    assert_eq!(t.get("/me").await.json()["id"], "second");
    assert_eq!(t.emu.mocks().len(), 5);
    t.emu.mocks().clear();
    assert!(t.emu.mocks().is_empty());
    assert_eq!(t.get("/me").await.json()["id"], ADELE);
    assert!(!always.is_active());
    // Mocks survive a reset of the data.
    t.emu.mock(Mock::get("/me").respond(MockResponse::json(200, json!({"id": "kept"})))).unwrap();
    t.emu.reset().unwrap();
    assert_eq!(t.get("/me").await.json()["id"], "kept");
}

#[tokio::test]
async fn calls_are_recorded_and_assertable() {
    let t = T::new().await;
    let h = t.emu.mock(Mock::post("/users/{id}/assignLicense").respond(MockResponse::json(200, json!({})))).unwrap();
    h.assert_not_called();
    assert!(h.last_request().is_none());
    t.post(&assign(ADELE), license_body()).await;
    t.send("POST", &assign(MEGAN), Some(json!({"addLicenses": []})), &[("client-request-id", "c-42")]).await;
    h.assert_called(2);
    let reqs = h.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].var("id"), Some(ADELE));
    assert_eq!(reqs[0].json(), Some(license_body()));
    assert_eq!(reqs[1].var("id"), Some(MEGAN));
    assert_eq!(reqs[1].body(), br#"{"addLicenses":[]}"#);
    assert_eq!(reqs[1].header("client-request-id"), Some("c-42"));
    assert_eq!(reqs[1].header("content-type"), Some("application/json"));
    assert_eq!(h.last_request().unwrap(), reqs[1]);
    // The assertions say what happened when they fail.
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.assert_called_once()));
    let msg = failed.unwrap_err().downcast::<String>().map(|s| *s).unwrap_or_default();
    assert!(msg.contains("answered 2 request(s), expected 1"), "{msg}");
    assert!(msg.contains(&format!("POST /users/{MEGAN}/microsoft.graph.assignLicense")), "{msg}");
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.assert_not_called())).is_err());
    // The emulator-wide log has them too.
    assert_eq!(t.emu.requests().iter().filter(|r| r.target.ends_with("assignLicense") && r.status == 200).count(), 2);
}

#[tokio::test]
async fn mocks_answer_batch_items() {
    let t = T::with(Emulator::builder().shuffle_batch_responses(false)).await;
    let h = t
        .emu
        .mock(
            Mock::post("/users/{id}/assignLicense")
                .respond_with(|req| MockResponse::json(200, json!({"id": req.var("id"), "item": req.batch_item()}))),
        )
        .unwrap();
    let photo = t
        .emu
        .mock(Mock::get("/users/{id}/photo/$value").respond(MockResponse::bytes(200, "image/png", b"PNG".to_vec())))
        .unwrap();
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/users/{ADELE}/assignLicense"), "headers": {"Content-Type": "application/json"}, "body": license_body()},
        {"id": "2", "method": "GET", "url": format!("/users/{ADELE}?$select=displayName")},
        {"id": "3", "method": "GET", "url": format!("/users/{ADELE}/photo/$value")},
        {"id": "4", "method": "POST", "url": format!("/users/{ADELE}/reprocessLicenseAssignment")},
    ]});
    let r = t.post("/$batch", batch).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    let items = v["responses"].as_array().unwrap();
    let item = |id: &str| items.iter().find(|x| x["id"] == id).unwrap().clone();
    assert_eq!(item("1")["status"], 200);
    assert_eq!(item("1")["body"], json!({"id": ADELE, "item": "1"}));
    assert!(item("1")["headers"]["request-id"].is_string());
    assert_eq!(item("2")["body"]["displayName"], "Adele Vance", "a built-in item next to mocked ones");
    assert_eq!(item("3")["headers"]["Content-Type"], "image/png");
    assert_eq!(item("3")["body"], "UE5H", "raw bytes travel base64-encoded, as Graph");
    assert_eq!(item("4")["status"], 501);
    h.assert_called_once();
    photo.assert_called_once();
    assert_eq!(h.requests()[0].json(), Some(license_body()));

    // Sequential: a mocked failure fails the items that depend on it.
    t.emu
        .mock(Mock::post("/users/{id}/reprocessLicenseAssignment").once().respond(MockResponse::graph_error(
            500,
            "generalException",
            "boom",
        )))
        .unwrap();
    let seq = json!({"requests": [
        {"id": "a", "method": "POST", "url": format!("/users/{ADELE}/assignLicense"), "headers": {"Content-Type": "application/json"}, "body": license_body()},
        {"id": "b", "method": "POST", "url": format!("/users/{ADELE}/reprocessLicenseAssignment"), "dependsOn": ["a"]},
        {"id": "c", "method": "POST", "url": format!("/users/{ADELE}/assignLicense"), "dependsOn": ["b"], "headers": {"Content-Type": "application/json"}, "body": license_body()},
    ]});
    let v = t.post("/$batch", seq).await.json();
    let items = v["responses"].as_array().unwrap();
    let status = |id: &str| items.iter().find(|x| x["id"] == id).unwrap()["status"].as_u64().unwrap();
    assert_eq!((status("a"), status("b"), status("c")), (200, 500, 424));
    let b = items.iter().find(|x| x["id"] == "b").unwrap();
    assert_eq!(b["body"]["error"]["code"], "generalException");
    assert!(b["body"]["error"]["innerError"]["request-id"].is_string());
    h.assert_called(2);
    // `$batch` itself cannot be mocked.
    assert!(t.emu.mock(Mock::post("/$batch")).unwrap_err().message.contains("$batch"));
}

#[tokio::test]
async fn faults_apply_before_mocks() {
    let t = T::new().await;
    let h = t
        .emu
        .mock(Mock::post("/users/{id}/assignLicense").respond(MockResponse::json(200, json!({"ok": true}))))
        .unwrap();
    let f = t.emu.faults();
    f.add(FaultRule::throttle(RetryAfter::Seconds(0)).next(1).path_prefix("/v1.0/users"));
    let r = t.post(&assign(ADELE), license_body()).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.error_code(), "TooManyRequests");
    h.assert_not_called();
    assert_eq!(t.post(&assign(ADELE), license_body()).await.status, 200);
    h.assert_called_once();
    f.add(FaultRule::status(503).next(1));
    assert_eq!(t.post(&assign(ADELE), license_body()).await.status, 503);
    h.assert_called_once();
    // A dropped connection never reaches the mock.
    f.add(FaultRule::drop_connection().next(1));
    assert!(t.http.post(t.url(&assign(ADELE))).bearer_auth(&t.token).json(&license_body()).send().await.is_err());
    h.assert_called_once();
    // A transport fault applies to the mock's answer: truncated.
    f.add(FaultRule::truncate_body().next(1));
    let sent = t.http.post(t.url(&assign(ADELE))).bearer_auth(&t.token).json(&license_body()).send().await;
    let body = match sent {
        Ok(r) => r.bytes().await.map(|b| b.to_vec()),
        Err(e) => Err(e),
    };
    assert!(body.is_err(), "a truncated body is an error: {body:?}");
    h.assert_called(2);
    // In a batch, faults scoped to items apply before the mock too.
    f.add(FaultRule::status(503).next(1).on_requests(false).on_batch_items(true));
    let v = t
        .post("/$batch", json!({"requests": [{"id": "1", "method": "POST", "url": format!("/users/{ADELE}/assignLicense"), "headers": {"Content-Type": "application/json"}, "body": license_body()}]}))
        .await
        .json();
    assert_eq!(v["responses"][0]["status"], 503);
    h.assert_called(2);
    assert!(t
        .emu
        .requests()
        .iter()
        .any(|r| r.fault.as_deref() == Some("throttle") && r.target.ends_with("assignLicense")));
}

#[tokio::test]
async fn the_guard_still_applies_to_mocked_routes() {
    let t = T::new().await;
    let h = t.emu.mock(Mock::post("/users/{id}/assignLicense").respond(MockResponse::json(200, json!({})))).unwrap();
    // No token: 401 with the challenge, the mock never sees it.
    let r = t.http.post(t.url(&assign(ADELE))).json(&license_body()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    // An expired token: 401 and a violation.
    let expired = t.emu.issue_token_with(TokenSpec::app().expired(Duration::from_secs(60))).unwrap();
    let r = t.http.post(t.url(&assign(ADELE))).bearer_auth(expired).json(&license_body()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(matches!(t.emu.violations().as_slice(), [Violation::ExpiredTokenUsed { .. }]));
    h.assert_not_called();
    t.emu.clear_violations();
    // A mock's own 429 with Retry-After is remembered: retrying at once is a violation.
    let throttle = t
        .emu
        .mock(
            Mock::get("/users/{id}/photo")
                .once()
                .respond(MockResponse::graph_error(429, "TooManyRequests", "slow down").header("Retry-After", "2")),
        )
        .unwrap();
    let r = t.get(&format!("/users/{ADELE}/photo")).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    t.get(&format!("/users/{ADELE}/photo")).await;
    throttle.assert_called_once();
    assert!(
        matches!(t.emu.violations().as_slice(), [Violation::RetryAfterNotHonoured { retry_after, .. }] if *retry_after == Duration::from_secs(2)),
        "{:?}",
        t.emu.violations()
    );
    // Honouring it is fine.
    t.emu.clear_violations();
    t.emu
        .mock(Mock::get("/users/{id}/manager").once().respond(MockResponse::new(503).header("Retry-After", "1")))
        .unwrap();
    assert_eq!(t.get(&format!("/users/{ADELE}/manager")).await.status, 503);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    t.get(&format!("/users/{ADELE}/manager")).await;
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn builder_mocks_and_their_errors() {
    let t = T::with(Emulator::builder().mock(Mock::get("/me/photo/$value").respond(MockResponse::bytes(
        200,
        "image/jpeg",
        vec![1, 2],
    ))))
    .await;
    assert_eq!(t.emu.mocks().len(), 1);
    let r = t.http.get(t.url("/me/photo/$value")).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &[1, 2]);
    match Emulator::builder().mock(Mock::get("/users/{id}/x/{id}")).start().await {
        Err(Error::Mock(e)) => assert!(e.to_string().contains("twice"), "{e}"),
        other => panic!("{other:?}"),
    }
}

const PHOTO: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F'];

fn write_mock_file(dir: &std::path::Path) -> PathBuf {
    std::fs::write(dir.join("photo.jpg"), PHOTO).unwrap();
    let file = dir.join("mocks.json");
    let mocks = json!({
        "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v1.0.0/mockresponseplugin.mocksfile.schema.json",
        "mocks": [
            {"request": {"url": "https://graph.microsoft.com/v1.0/me/photo/$value", "method": "GET"},
             "response": {"statusCode": 200, "headers": [{"name": "content-type", "value": "image/jpeg"}], "body": "@photo.jpg"}},
            {"request": {"url": "https://graph.microsoft.com/v1.0/users/*/assignLicense", "method": "POST", "bodyFragment": "\"skuId\""},
             "response": {"body": {"id": "@request.body.id", "sku": "@request.body.addLicenses.0.skuId"}}},
            {"request": {"url": "/external/connections/*/operations/*", "nth": 2},
             "response": {"body": {"status": "completed"}}},
            {"request": {"url": "/external/connections/*/operations/*"},
             "response": {"body": {"status": "inprogress"}}},
            {"request": {"url": "/users/{id}/photo", "method": "delete"}, "response": {"statusCode": 204}},
            {"request": {"url": "/reports/getEmailActivityCounts(period='{p}')"},
             "response": {"headers": [{"name": "Content-Type", "value": "text/csv"}], "body": "Report Refresh Date,Send\n2024-01-01,3\n"}}
        ]
    });
    std::fs::write(&file, serde_json::to_vec_pretty(&mocks).unwrap()).unwrap();
    file
}

#[tokio::test]
async fn mock_files_load_through_the_library() {
    let t = T::new().await;
    let dir = temp_dir();
    let file = write_mock_file(&dir);
    let handles = t.emu.load_mocks(&file).unwrap();
    assert_eq!(handles.len(), 6);
    // `@file` body with its content type.
    let r = t.http.get(t.url("/me/photo/$value")).bearer_auth(&t.token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PHOTO);
    // Wildcard + bodyFragment + `@request.body.*` placeholders.
    let body = json!({"id": "x-1", "addLicenses": [{"skuId": "sku-9"}], "removeLicenses": []});
    let r = t.post(&assign(ADELE), body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"id": "x-1", "sku": "sku-9"}));
    assert_eq!(t.post(&assign(ADELE), json!({"removeLicenses": []})).await.status, 501, "no fragment: falls through");
    // nth: the second poll completes; the others are in progress.
    let mut polled = Vec::new();
    for _ in 0..3 {
        let r = t.get("/external/connections/c1/operations/op1").await;
        polled.push(r.json()["status"].as_str().unwrap_or("?").to_string());
    }
    assert_eq!(polled, vec!["inprogress", "completed", "inprogress"]);
    // Method in lower case, default status; a text body with a given content type.
    assert_eq!(t.delete(&format!("/users/{ADELE}/photo")).await.status, 204);
    let r = t.get("/reports/getEmailActivityCounts(period='D7')").await;
    assert_eq!(r.header("content-type"), Some("text/csv"));
    assert!(r.text.starts_with("Report Refresh Date"));
    handles[0].assert_called_once();
    handles[2].assert_called_once();
    handles[3].assert_called(2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn malformed_mock_files_are_refused_with_where() {
    let t = T::new().await;
    let dir = temp_dir();
    let load = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let e = t.emu.load_mocks(&p).unwrap_err();
        assert_eq!(e.file, p);
        assert!(e.to_string().contains(&p.display().to_string()), "{e}");
        e
    };
    let e = load("syntax.json", "{\n  \"mocks\": [\n    {\"request\": }\n  ]\n}");
    assert_eq!(e.at, "line 3 column 17");
    assert!(e.message.contains("not valid JSON"), "{e}");
    let e = load(
        "status.json",
        r#"{"mocks": [{"request": {"url": "/me"}, "response": {}}, {"request": {"url": "/me"}, "response": {"statusCode": "200"}}]}"#,
    );
    assert_eq!(e.at, "mocks[1].response.statusCode");
    let e =
        load("url.json", r#"{"mocks": [{"request": {"url": "https://graph.microsoft.com/beta/me"}, "response": {}}]}"#);
    assert_eq!(e.at, "mocks[0].request.url");
    assert!(e.message.contains("v1.0 only"));
    let e = load("key.json", r#"{"mocks": [{"request": {"url": "/me", "nthh": 2}, "response": {}}]}"#);
    assert_eq!(e.at, "mocks[0].request.nthh");
    assert!(e.message.contains("unknown property"));
    let e = load(
        "file.json",
        r#"{"mocks": [{"request": {"url": "/me/photo/$value"}, "response": {"body": "@nope.jpg"}}]}"#,
    );
    assert_eq!(e.at, "mocks[0].response.body");
    assert!(e.message.contains("nope.jpg"), "{e}");
    let e = t.emu.load_mocks(dir.join("absent.json")).unwrap_err();
    assert!(e.message.contains("cannot read"), "{e}");
    // Nothing of a bad file is registered.
    assert!(t.emu.mocks().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_binary_loads_a_mock_file() {
    let dir = temp_dir();
    let file = write_mock_file(&dir);
    let file = file.to_str().unwrap();
    let (mut child, out) = spawn_binary(&["--port", "0", "--mocks-file", file]).await;
    let text = out.join("\n");
    assert!(text.contains("mocks           6 registered"), "{text}");
    let base = out.iter().find_map(|l| l.strip_prefix("  Graph base URL  ")).unwrap().to_string();
    let token_url = out.iter().find_map(|l| l.strip_prefix("  token URL       ")).unwrap().to_string();
    let client_id = out.iter().find_map(|l| l.strip_prefix("  client id       ")).unwrap().to_string();
    let secret = out.iter().find_map(|l| l.strip_prefix("  client secret   ")).unwrap().to_string();
    let http = client();
    let token = app_token(&http, &token_url, &client_id, &secret).await;
    let token = token.as_str();
    let r = http.get(format!("{base}/me/photo/$value")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PHOTO);
    child.kill().await.unwrap();
    // A bad file: exit status 2, and the message names the file and where.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"mocks": [{"request": {"url": "/me"}, "response": {"headers": {}}}]}"#).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgraph-emulator"))
        .arg("--mocks-file")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json") && err.contains("at mocks[0].response.headers"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
