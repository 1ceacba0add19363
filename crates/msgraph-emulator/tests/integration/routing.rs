//! Item 1 and 2: the handle, the binary, schema-aware routing, keys and percent-decoding.
use super::common::*;
use msgraph_emulator::{Emulator, SeedData};
use serde_json::json;

#[tokio::test]
async fn handle_urls_and_loopback() {
    let emu = Emulator::start().await.unwrap();
    assert!(emu.addr().ip().is_loopback());
    let port = emu.addr().port();
    assert_eq!(emu.base_url(), format!("http://127.0.0.1:{port}/v1.0"));
    assert_eq!(emu.login_base_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(emu.token_url(), format!("http://127.0.0.1:{port}/{}/oauth2/v2.0/token", emu.tenant_id()));
    assert_eq!(emu.authority(), format!("http://127.0.0.1:{port}/{}", emu.tenant_id()));
    assert_eq!(emu.app().tenant_id, emu.tenant_id());
    assert!(!emu.app().client_id.is_empty() && !emu.app().client_secret.is_empty());
    assert_eq!(emu.signed_in_user().id, ADELE);
    assert_eq!(emu.signed_in_user().user_principal_name, "AdeleV@contoso.onmicrosoft.com");
    let base = emu.base_url().to_string();
    emu.shutdown().await;
    // Stopped: connections are refused.
    assert!(client().get(format!("{base}/me")).send().await.is_err());
}

#[test]
fn background_runtime_works_from_sync_code() {
    let emu = Emulator::builder().start_background().unwrap();
    let token = emu.issue_token();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = rt.block_on(async {
        client().get(format!("{}/users", emu.base_url())).bearer_auth(token).send().await.unwrap().status().as_u16()
    });
    assert_eq!(status, 200);
    rt.block_on(emu.shutdown());
}

#[tokio::test]
async fn binary_prints_urls_and_credentials() {
    let (mut child, out) =
        spawn_binary(&["--port", "0", "--seed", "3", "--page-size", "2", "--fault", "latency=1ms"]).await;
    let text = out.join("\n");
    assert!(text.contains("Graph base URL  http://127.0.0.1:"), "{text}");
    assert!(text.contains("/oauth2/v2.0/token"), "{text}");
    assert!(text.contains("client id       4f1e9c2a-7b3d-4e5f-9a8b-1c2d3e4f5a6b"), "{text}");
    assert!(text.contains("client secret   emu~TestOnlySecret"), "{text}");
    // It serves: get a token with the printed credentials and page through users.
    let base = out.iter().find_map(|l| l.strip_prefix("  Graph base URL  ")).unwrap().to_string();
    let token_url = out.iter().find_map(|l| l.strip_prefix("  token URL       ")).unwrap().to_string();
    let http = client();
    let token =
        app_token(&http, &token_url, "4f1e9c2a-7b3d-4e5f-9a8b-1c2d3e4f5a6b", "emu~TestOnlySecret.NotReal-4f1e9c2a")
            .await;
    let token = token.as_str();
    let page: serde_json::Value =
        http.get(format!("{base}/users")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["value"].as_array().unwrap().len(), 2);
    assert!(page["@odata.nextLink"].is_string());
    child.kill().await.unwrap();
    // Bad arguments exit with status 2.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_msgraph-emulator"))
        .args(["--fault", "explode"])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[tokio::test]
async fn phone_method_paths_and_me() {
    let t = T::new().await;
    let r = t.get(&format!("/users/{ADELE}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["phoneNumber"], "+1 2065550100");
    assert_eq!(v["phoneType"], "mobile");
    assert_eq!(v["smsSignInState"], "ready");
    assert!(v["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v1.0/$metadata#users('{ADELE}')/authentication/phoneMethods/$entity")));
    assert!(v.get("@odata.type").is_none(), "declared type: no @odata.type");
    let me = t.get("/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7").await.json();
    assert_eq!(me["phoneNumber"], "+1 2065550100");
    let me = t.get("/me").await.json();
    assert_eq!(me["id"], ADELE);
    assert!(me["@odata.context"].as_str().unwrap().ends_with("$metadata#users/$entity"));
    assert!(me.get("passwordProfile").is_none());
    // Key syntaxes and userPrincipalName.
    for p in [
        format!("/users('{ADELE}')"),
        format!("/users(id='{ADELE}')"),
        "/users/AdeleV@contoso.onmicrosoft.com".to_string(),
        "/users/adelev%40contoso.onmicrosoft.com".to_string(),
        "/users('AdeleV@contoso.onmicrosoft.com')".to_string(),
    ] {
        let r = t.get(&p).await;
        assert_eq!(r.status, 200, "{p}: {}", r.text);
        assert_eq!(r.json()["id"], ADELE, "{p}");
    }
    // Case-insensitive segment names, as Graph.
    assert_eq!(t.get(&format!("/Users/{ADELE}/Authentication/PhoneMethods")).await.status, 200);
}

#[tokio::test]
async fn polymorphic_methods_and_casts() {
    let t = T::new().await;
    let v = t.get("/me/authentication/methods").await.json();
    let types: Vec<&str> = v["value"].as_array().unwrap().iter().map(|m| m["@odata.type"].as_str().unwrap()).collect();
    for ty in [
        "#microsoft.graph.passwordAuthenticationMethod",
        "#microsoft.graph.phoneAuthenticationMethod",
        "#microsoft.graph.fido2AuthenticationMethod",
        "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
        "#microsoft.graph.emailAuthenticationMethod",
    ] {
        assert!(types.contains(&ty), "{ty} missing from {types:?}");
    }
    // Password is never returned.
    let pwd = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["@odata.type"] == "#microsoft.graph.passwordAuthenticationMethod")
        .unwrap();
    assert!(pwd["password"].is_null());
    // Typed views only show their type.
    let phones = t.get("/me/authentication/phoneMethods").await.json();
    assert_eq!(phones["value"].as_array().unwrap().len(), 2);
    let fido = t.get("/me/authentication/fido2Methods").await.json();
    assert_eq!(fido["value"][0]["model"], "YubiKey 5 NFC");
    // A phone id is not found under fido2Methods.
    assert_eq!(t.get("/me/authentication/fido2Methods/3179e48a-750b-4051-897c-87b9720928f7").await.status, 404);
    // directoryObjects reads through users/groups; casts.
    let r = t.get(&format!("/directoryObjects/{ADELE}")).await.json();
    assert_eq!(r["@odata.type"], "#microsoft.graph.user");
    let r = t.get(&format!("/directoryObjects/{ADELE}/microsoft.graph.user")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["displayName"], "Adele Vance");
    let r = t.get(&format!("/directoryObjects/{SALES}/microsoft.graph.user")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "Request_ResourceNotFound");
    let groups = t.get(&format!("/users/{ADELE}/memberOf/microsoft.graph.group")).await.json();
    assert_eq!(groups["value"].as_array().unwrap().len(), 3);
    let users = t.get("/directoryObjects/microsoft.graph.user?$select=displayName").await.json();
    assert_eq!(users["value"].as_array().unwrap().len(), 5);
    // Incompatible cast: 400.
    let r = t.get(&format!("/users/{ADELE}/microsoft.graph.group")).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("neither a base type nor a sub-type"));
}

#[tokio::test]
async fn count_value_and_properties() {
    let t = T::new().await;
    let r = t.get_eventual("/users/$count").await;
    assert_eq!((r.status, r.text.as_str()), (200, "5"));
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let r = t.get("/users/$count").await;
    assert_eq!(r.status, 400, "directory $count needs ConsistencyLevel");
    assert!(r.message().contains("ConsistencyLevel"));
    let r = t.get("/me/authentication/methods/$count").await;
    assert_eq!((r.status, r.text.as_str()), (200, "6"));
    let r = t.get_eventual("/users/$count?$filter=accountEnabled eq false").await;
    assert_eq!(r.text, "1");
    let r = t.get("/me/displayName").await;
    assert_eq!(r.json()["value"], "Adele Vance");
    assert!(r.json()["@odata.context"].as_str().unwrap().ends_with(&format!("users('{ADELE}')/displayName")));
    let r = t.get("/me/displayName/$value").await;
    assert_eq!((r.status, r.text.as_str()), (200, "Adele Vance"));
    let r = t.get("/me/mobilePhone").await;
    assert_eq!(r.status, 204, "null property");
    let r = t.get("/me/accountEnabled/$value").await;
    assert_eq!(r.text, "true");
}

#[tokio::test]
async fn refs_and_inverse_navigation() {
    let t = T::new().await;
    let r = t.get(&format!("/groups/{SALES}/members/$ref")).await.json();
    let refs: Vec<&str> = r["value"].as_array().unwrap().iter().map(|x| x["@odata.id"].as_str().unwrap()).collect();
    assert_eq!(refs.len(), 3);
    assert!(refs[0].starts_with(&format!("{}/directoryObjects/", t.emu.base_url())), "{refs:?}");
    // Add Lee, by @odata.id.
    let r = t
        .post(
            &format!("/groups/{SALES}/members/$ref"),
            json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{LEE}")}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Again: 400, already exists.
    let r = t.post(&format!("/groups/{SALES}/members/$ref"), json!({"@odata.id": format!("users/{LEE}")})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("already exist"));
    // Inverse maintained.
    let m = t.get(&format!("/users/{LEE}/memberOf")).await.json();
    assert!(ids(&m).contains(&SALES.to_string()));
    assert_eq!(m["value"][0]["@odata.type"], "#microsoft.graph.group");
    // Member by key, and its $ref.
    assert_eq!(t.get(&format!("/groups/{SALES}/members/{LEE}")).await.status, 200);
    let r = t.get(&format!("/groups/{SALES}/members/{LEE}/$ref")).await.json();
    assert!(r["@odata.id"].as_str().unwrap().ends_with(&format!("/directoryObjects/{LEE}")));
    // DELETE without $ref is refused; with $ref removes both directions.
    assert_eq!(t.delete(&format!("/groups/{SALES}/members/{LEE}")).await.status, 400);
    assert_eq!(t.delete(&format!("/groups/{SALES}/members/{LEE}/$ref")).await.status, 204);
    assert_eq!(t.get(&format!("/groups/{SALES}/members/{LEE}")).await.status, 404);
    assert!(!ids(&t.get(&format!("/users/{LEE}/memberOf")).await.json()).contains(&SALES.to_string()));
    // Single-valued: manager.
    let r = t.get(&format!("/users/{ALEX}/manager")).await;
    assert_eq!(r.json()["id"], MEGAN);
    assert_eq!(t.get(&format!("/users/{MEGAN}/manager")).await.status, 404);
    let r = t
        .send("PUT", &format!("/users/{MEGAN}/manager/$ref"), Some(json!({"@odata.id": format!("users/{LEE}")})), &[])
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(t.get(&format!("/users/{MEGAN}/manager")).await.json()["id"], LEE);
    assert!(ids(&t.get(&format!("/users/{LEE}/directReports")).await.json()).contains(&MEGAN.to_string()));
    assert_eq!(t.delete(&format!("/users/{MEGAN}/manager/$ref")).await.status, 204);
    assert_eq!(t.get(&format!("/users/{MEGAN}/manager")).await.status, 404);
    // References must point to entities of an entity set, of the navigation's type.
    let r = t
        .send(
            "PUT",
            &format!("/users/{MEGAN}/manager/$ref"),
            Some(json!({"@odata.id": "/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("entity set"), "{}", r.message());
    let r =
        t.post(&format!("/users/{MEGAN}/memberOf/$ref"), json!({"@odata.id": "/authenticationMethodsPolicy"})).await;
    assert_eq!(r.status, 400);
    let r = t.post(&format!("/groups/{SALES}/members/$ref"), json!({"@odata.id": "users/nobody"})).await;
    assert_eq!(r.status, 404);
    let r = t.post(&format!("/groups/{SALES}/members/$ref"), json!({"id": "x"})).await;
    assert_eq!(r.status, 400);
    // $ref on contained navigation: 400.
    assert_eq!(t.get("/me/authentication/phoneMethods/$ref").await.status, 400);
}

#[tokio::test]
async fn unknown_segments_and_operations() {
    let t = T::new().await;
    let r = t.get("/nope").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "BadRequest");
    assert_eq!(r.message(), "Resource not found for the segment 'nope'.");
    let r = t.get("/me/nope").await;
    assert_eq!((r.status, r.message()), (400, "Resource not found for the segment 'nope'.".to_string()));
    let r = t.get("/users/not-a-user").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "Request_ResourceNotFound");
    let r = t.get("/me/authentication/phoneMethods/not-a-method").await;
    assert_eq!(r.status, 404);
    // A bound operation that exists but has no handler: 501, never a fake success.
    let r = t
        .post(
            "/me/authentication/passwordMethods/28c10230-6103-485e-b985-444c60001490/resetPassword",
            json!({"newPassword": "x"}),
        )
        .await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert_eq!(r.error_code(), "NotImplemented");
    assert!(r.message().contains("microsoft.graph.resetPassword"), "{}", r.message());
    // Not bound to that type: 400 like any unknown segment.
    let r = t
        .post("/me/authentication/passwordMethods/28c10230-6103-485e-b985-444c60001490/enableSmsSignIn", json!({}))
        .await;
    assert_eq!(r.status, 400);
    // Wrong method for an action.
    let r = t.get("/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7/enableSmsSignIn").await;
    assert_eq!(r.status, 405);
    // Unknown parameter for an action.
    let r = t
        .post(
            "/me/authentication/passwordMethods/28c10230-6103-485e-b985-444c60001490/resetPassword",
            json!({"bogus": 1}),
        )
        .await;
    assert_eq!(r.status, 400);
    // Function parameters in the URL are checked against the schema.
    let r = t.get("/reports/getOffice365ActiveUserDetail(period='D7')").await;
    assert_eq!(r.status, 501, "{}", r.text);
    let r = t.get("/reports/getOffice365ActiveUserDetail(bogus='D7')").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("'bogus' is not in scope"), "{}", r.message());
    assert_eq!(t.get("/reports/getOffice365ActiveUserDetail(period='D7)").await.status, 400);
    // $metadata and media: 501.
    assert_eq!(t.get("/$metadata").await.status, 501);
    assert_eq!(t.get("/users/delta()").await.status, 200);
    // delta on a contained collection has no handler.
    assert_eq!(t.get("/me/mailFolders/delta()").await.status, 501);
    // Outside /v1.0.
    let r = t.http.get(format!("{}/beta/me", t.emu.login_base_url())).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = t.http.get(format!("{}/nothing", t.emu.login_base_url())).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // Every response carries request-id and echoes client-request-id.
    let r = t.send("GET", "/me", None, &[("client-request-id", "abc-123")]).await;
    assert_eq!(r.header("client-request-id"), Some("abc-123"));
    assert!(r.header("request-id").is_some());
    let r = t.send("GET", "/nope", None, &[("client-request-id", "abc-124")]).await;
    assert_eq!(r.json()["error"]["innerError"]["client-request-id"], "abc-124");
}

#[tokio::test]
async fn percent_decoding_of_odd_ids() {
    let odd = "a/b?c#d%e'f é✓";
    let doc = format!(
        r#"{{"tenant": {{"id": "t1", "domains": ["x.com"]}},
            "apps": [{{"clientId": "c", "clientSecret": "s"}}],
            "entitySets": {{"users": [{{"id": {odd:?}, "displayName": "Odd", "userPrincipalName": "odd@x.com"}},
                                     {{"id": "plain", "displayName": "Plain", "userPrincipalName": "plain@x.com"}}],
                           "groups": [{{"id": "g", "displayName": "G", "members@odata.bind": ["users/plain"]}}]}}}}"#
    );
    let t = T::with(Emulator::builder().seed_data(SeedData::from_json(&doc).unwrap())).await;
    let enc = "a%2Fb%3Fc%23d%25e%27f%20%C3%A9%E2%9C%93";
    let r = t.get(&format!("/users/{enc}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["id"], odd);
    // Parenthesised form: the quote doubled inside.
    let r = t.get("/users('a%2Fb%3Fc%23d%25e%27%27f%20%C3%A9%E2%9C%93')").await;
    assert_eq!(r.status, 200, "{}", r.text);
    // An unescaped quote inside quotes is a bad key.
    assert_eq!(t.get("/users('a'b')").await.status, 400);
    // Decoding happens per segment: a literal %2F never splits the path.
    assert_eq!(t.get("/users/a/b").await.status, 400);
    // Invalid UTF-8 after decoding: 400.
    assert_eq!(t.get("/users/%FF%FE").await.status, 400);
    // References to the odd id work by URL too.
    let r = t.post("/groups/g/members/$ref", json!({"@odata.id": format!("{}/users/{enc}", t.emu.base_url())})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let m = t.get("/groups/g/members").await.json();
    assert!(ids(&m).contains(&odd.to_string()));
    // The @odata.id written back is percent-encoded and resolves.
    let refs = t.get("/groups/g/members/$ref").await.json();
    let url = refs["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["@odata.id"].as_str().unwrap())
        .find(|u| u.contains("a%2Fb"))
        .unwrap()
        .to_string();
    let r = t.send("GET", &url, None, &[]).await;
    assert_eq!(r.json()["id"], odd);
}

#[test]
fn handle_types_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Emulator>();
    check::<msgraph_emulator::Faults>();
    check::<msgraph_emulator::Violation>();
    check::<msgraph_emulator::RequestRecord>();
}

#[tokio::test]
async fn unsupported_features_answer_501() {
    let t = T::new().await;
    // A user's photo `$value` is emulated now (and drive item content: the SDK's files tests).
    let r = t.get("/me/photo/$value").await;
    assert_eq!((r.status, r.error_code().as_str()), (404, "ImageNotFound"), "{}", r.text);
    // Deep insert.
    let r = t.post("/groups", json!({"displayName": "G", "mailEnabled": false, "mailNickname": "g", "securityEnabled": true, "settings": [{"displayName": "x"}]})).await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.message().contains("Deep insert"));
    // Paths after a composable function.
    let r = t.get("/me/drive/items/x/workbook/worksheets/s/range(address='A1')/format").await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.message().contains("composable function 'microsoft.graph.range'"), "{}", r.text);
    // Navigation through a single-valued non-contained navigation, with a cast.
    let r = t.get(&format!("/users/{ALEX}/manager/microsoft.graph.user/displayName")).await;
    assert_eq!(r.json()["value"], "Megan Bowen");
    let r = t.get(&format!("/users/{ALEX}/manager/microsoft.graph.group")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn complex_properties_and_their_members() {
    let t = T::new().await;
    // Not set yet: no content, at any depth.
    assert_eq!(t.get("/me/mailboxSettings").await.status, 204);
    assert_eq!(t.get("/me/mailboxSettings/automaticRepliesSetting/status").await.status, 204);
    // PATCH of a member creates the path and merges.
    let r = t.patch("/me/mailboxSettings/automaticRepliesSetting", json!({"status": "scheduled"})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = t.patch("/me/mailboxSettings", json!({"timeZone": "UTC"})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // A complex value is the response object itself; a primitive member is `{"value": ...}`.
    let r = t.get("/me/mailboxSettings").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["timeZone"], "UTC");
    assert_eq!(v["automaticRepliesSetting"]["status"], "scheduled");
    assert!(v["@odata.context"].as_str().unwrap().ends_with("/mailboxSettings"), "{v}");
    let v = t.get("/me/mailboxSettings/automaticRepliesSetting").await.json();
    assert_eq!(v["status"], "scheduled");
    assert!(v.get("value").is_none(), "{v}");
    assert_eq!(t.get("/me/mailboxSettings/automaticRepliesSetting/status").await.json()["value"], "scheduled");
    // PUT of a member replaces it.
    let r =
        t.send("PUT", "/me/mailboxSettings/automaticRepliesSetting", Some(json!({"externalAudience": "none"})), &[]);
    assert_eq!(r.await.status, 204);
    let v = t.get("/me/mailboxSettings").await.json();
    assert_eq!(v["automaticRepliesSetting"], json!({"externalAudience": "none"}));
    assert_eq!(v["timeZone"], "UTC");
    // A primitive property is written through its entity.
    assert_eq!(t.patch("/me/displayName", json!({"value": "x"})).await.status, 405);
    // The entity shows the same value.
    assert_eq!(t.get("/me").await.json()["mailboxSettings"]["timeZone"], "UTC");
}

#[tokio::test]
async fn delete_ref_by_id_query() {
    let t = T::new().await;
    let refs = t.get(&format!("/groups/{SALES}/members/$ref")).await.json();
    let first = refs["value"][0]["@odata.id"].as_str().unwrap().to_string();
    let n = refs["value"].as_array().unwrap().len();
    let encoded = percent_encoding::utf8_percent_encode(&first, percent_encoding::NON_ALPHANUMERIC).to_string();
    let r = t.delete(&format!("/groups/{SALES}/members/$ref?$id={encoded}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let refs = t.get(&format!("/groups/{SALES}/members/$ref")).await.json();
    assert_eq!(refs["value"].as_array().unwrap().len(), n - 1);
    assert!(refs["value"].as_array().unwrap().iter().all(|v| v["@odata.id"] != first.as_str()));
    // Again: not a member any more.
    assert_eq!(t.delete(&format!("/groups/{SALES}/members/$ref?$id={encoded}")).await.status, 404);
    // Without $id, or $id elsewhere: 400.
    assert_eq!(t.delete(&format!("/groups/{SALES}/members/$ref")).await.status, 400);
    assert_eq!(t.get(&format!("/groups/{SALES}?$id=x")).await.status, 400);
}

#[tokio::test]
async fn count_answers_carry_odata_version() {
    let t = T::new().await;
    let r = t.get_eventual("/users/$count").await;
    assert_eq!((r.status, r.text.as_str()), (200, "5"));
    assert_eq!(r.header("odata-version"), Some("4.0"), "{:?}", r.headers);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/plain")), "{:?}", r.headers);
}
