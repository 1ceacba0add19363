//! Item 9: seed data.
use super::common::*;
use msgraph_emulator::{Emulator, SeedData};
use serde_json::json;

#[tokio::test]
async fn default_tenant_is_deterministic() {
    let t = T::new().await;
    let users = t.get("/users?$select=displayName&$orderby=displayName").await.json();
    let names: Vec<&str> =
        users["value"].as_array().unwrap().iter().map(|u| u["displayName"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Adele Vance", "Alex Wilber", "Lee Gu", "Megan Bowen", "Nestor Wilke"]);
    assert_eq!(t.get("/groups").await.json()["value"].as_array().unwrap().len(), 3);
    assert_eq!(t.get("/organization").await.json()["value"][0]["id"], t.emu.tenant_id());
    // Same seed → same server-assigned ids.
    let a = T::with(Emulator::builder().seed(42)).await;
    let b = T::with(Emulator::builder().seed(42)).await;
    let body = json!({"displayName": "G", "mailEnabled": false, "mailNickname": "g", "securityEnabled": true});
    assert_eq!(a.post("/groups", body.clone()).await.json()["id"], b.post("/groups", body).await.json()["id"]);
}

#[tokio::test]
async fn custom_seed_file_and_reset() {
    let dir = std::env::temp_dir().join(format!("msgraph-emulator-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tenant.json");
    std::fs::write(
        &path,
        r#"{
          "tenant": {"id": "11111111-2222-3333-4444-555555555555", "displayName": "Fabrikam", "domains": ["fabrikam.com"]},
          "apps": [{"clientId": "app-1", "clientSecret": "secret-1"}],
          "signedInUser": "kim@fabrikam.com",
          "entitySets": {
            "users": [{"id": "kim", "displayName": "Kim Akers", "userPrincipalName": "kim@fabrikam.com",
                       "authentication": {"phoneMethods": [{"phoneNumber": "+49 3012345678", "phoneType": "mobile"}]}}]
          }
        }"#,
    )
    .unwrap();
    let seed = SeedData::from_file(&path).unwrap();
    assert_eq!(seed.tenant_id(), "11111111-2222-3333-4444-555555555555");
    let t = T::with(Emulator::builder().seed_data(seed)).await;
    assert_eq!(t.emu.app().client_id, "app-1");
    assert_eq!(t.emu.signed_in_user().id, "kim");
    assert!(t.emu.token_url().contains("/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token"));
    let m = t.get("/me/authentication/phoneMethods").await.json();
    assert_eq!(m["value"][0]["phoneNumber"], "+49 3012345678");
    assert_eq!(
        m["value"][0]["smsSignInState"], "notAllowedByPolicy",
        "no policy in this seed: SMS sign-in is not allowed"
    );
    // Change, then reset.
    assert_eq!(t.delete("/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7").await.status, 204);
    t.emu.reset().unwrap();
    assert_eq!(t.get("/me/authentication/phoneMethods").await.json()["value"].as_array().unwrap().len(), 1);
    // Errors carry a path.
    std::fs::write(
        &path,
        r#"{"tenant": {"id": "t", "domains": ["x.com"]}, "entitySets": {"users": [{"id": "u", "age": 3}]}}"#,
    )
    .unwrap();
    let e = SeedData::from_file(&path).unwrap_err();
    assert_eq!(e.path, "$.entitySets.users[0]");
    assert!(SeedData::from_file(dir.join("missing.json")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
    // The default seed's text is available as a starting point.
    assert!(SeedData::from_json(SeedData::default_tenant_json()).is_ok());
    // A builder override of the signed-in user.
    let t = T::with(Emulator::builder().signed_in_user("LeeG@contoso.onmicrosoft.com")).await;
    assert_eq!(t.get("/me").await.json()["id"], LEE);
    assert!(Emulator::builder().signed_in_user("ghost").start().await.is_err());
}
