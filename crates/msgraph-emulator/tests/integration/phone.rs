//! Item 5: phone authentication methods with Graph's rules.
use super::common::*;
use msgraph_emulator::{ALTERNATE_MOBILE_ID, MOBILE_ID, OFFICE_ID};
use serde_json::json;

fn phones(user: &str) -> String {
    format!("/users/{user}/authentication/phoneMethods")
}

#[tokio::test]
async fn create_rules() {
    let t = T::new().await;
    // Lee has no phones.
    let p = phones(LEE);
    // Validation: number format, type.
    for (body, inner) in [
        (json!({"phoneType": "mobile"}), "invalidPhoneNumber"),
        (json!({"phoneNumber": "+1 555-555-1234", "phoneType": "mobile"}), "invalidPhoneNumber"),
        (json!({"phoneNumber": "2065550123", "phoneType": "mobile"}), "invalidPhoneNumber"),
        (json!({"phoneNumber": "+1 2065550123x", "phoneType": "mobile"}), "invalidPhoneNumber"),
        (json!({"phoneNumber": "+1 2065550123"}), "invalidPhoneType"),
        (json!({"phoneNumber": "+1 2065550123", "phoneType": "fax"}), "invalidPhoneType"),
    ] {
        let r = t.post(&p, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.error_code(), "badRequest");
        assert_eq!(r.inner_code(), inner, "{body}");
    }
    let r = t.post(&p, json!({"phoneNumber": "+1 555-555-1234", "phoneType": "mobile"})).await;
    assert!(r.message().contains("invalid character '-' at position 6"), "{}", r.message());
    // alternateMobile needs a mobile first.
    let r = t.post(&p, json!({"phoneNumber": "+1 2065550124", "phoneType": "alternateMobile"})).await;
    assert_eq!((r.status, r.inner_code()), (400, "mobilePhoneRequired".to_string()));
    // Mobile: 201 with the fixed id and a state.
    let r = t
        .post(&p, json!({"phoneNumber": "+1 2065550123", "phoneType": "mobile", "smsSignInState": "notSupported"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    assert_eq!(v["id"], MOBILE_ID);
    assert_eq!(v["smsSignInState"], "ready", "the state is read-only; the policy allows SMS sign-in");
    assert!(v["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with(&format!("users('{LEE}')/authentication/phoneMethods/$entity")));
    assert_eq!(r.header("location").unwrap(), format!("{}{}/{MOBILE_ID}", t.emu.base_url(), p));
    // One per type.
    let r = t.post(&p, json!({"phoneNumber": "+1 2065550125", "phoneType": "mobile"})).await;
    assert_eq!(
        (r.status, r.error_code(), r.inner_code()),
        (409, "conflict".to_string(), "phoneTypeAlreadyExists".to_string())
    );
    // Alternate and office now work, with their ids; extensions allowed.
    let r = t.post(&p, json!({"phoneNumber": "+44 2071234567", "phoneType": "alternateMobile"})).await;
    assert_eq!((r.status, r.json()["id"].as_str()), (201, Some(ALTERNATE_MOBILE_ID)));
    assert_eq!(r.json()["smsSignInState"], "notSupported");
    let r = t.post(&p, json!({"phoneNumber": "+1 4255550100x42", "phoneType": "office"})).await;
    assert_eq!((r.status, r.json()["id"].as_str()), (201, Some(OFFICE_ID)));
    // /methods lists them polymorphically.
    let m = t.get(&format!("/users/{LEE}/authentication/methods")).await.json();
    let phone_count = m["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["@odata.type"] == "#microsoft.graph.phoneAuthenticationMethod")
        .count();
    assert_eq!(phone_count, 3);
    // Creating through /methods or for types Graph does not create: 405.
    let r = t.post(&format!("/users/{LEE}/authentication/methods"), json!({"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "phoneNumber": "+1 2065550199", "phoneType": "office"})).await;
    assert_eq!(r.status, 405);
    let r = t.post(&format!("/users/{LEE}/authentication/fido2Methods"), json!({"displayName": "key"})).await;
    assert_eq!(r.status, 405);
    // Unknown properties are rejected.
    let r =
        t.post(&phones(NESTOR), json!({"phoneNumber": "+1 2065550123", "phoneType": "mobile", "colour": "red"})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("'colour' does not exist on type 'microsoft.graph.phoneAuthenticationMethod'"));
    // Email methods: one per user, fixed id.
    let r =
        t.post(&format!("/users/{LEE}/authentication/emailMethods"), json!({"emailAddress": "lee@example.com"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["id"], "3ddfcfc8-9383-446f-83cc-3ab9be4be18f");
    assert_eq!(
        t.post(&format!("/users/{LEE}/authentication/emailMethods"), json!({"emailAddress": "x@example.com"}))
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn update_and_delete_rules() {
    let t = T::new().await;
    let p = phones(LEE);
    assert_eq!(t.post(&p, json!({"phoneNumber": "+1 2065550123", "phoneType": "mobile"})).await.status, 201);
    assert_eq!(t.post(&p, json!({"phoneNumber": "+1 2065550124", "phoneType": "alternateMobile"})).await.status, 201);
    let mobile = format!("{p}/{MOBILE_ID}");
    // PATCH the number: 204; invalid: 400; type change: 400.
    assert_eq!(t.patch(&mobile, json!({"phoneNumber": "+1 2065550126"})).await.status, 204);
    assert_eq!(t.get(&mobile).await.json()["phoneNumber"], "+1 2065550126");
    let r = t.patch(&mobile, json!({"phoneNumber": "206 555 0126"})).await;
    assert_eq!((r.status, r.inner_code()), (400, "invalidPhoneNumber".to_string()));
    let r = t.patch(&mobile, json!({"phoneType": "office"})).await;
    assert_eq!((r.status, r.inner_code()), (400, "phoneTypeImmutable".to_string()));
    assert_eq!(t.patch(&mobile, json!({"phoneType": "mobile"})).await.status, 204, "same type is fine");
    // Deleting the mobile while an alternate exists fails.
    let r = t.delete(&mobile).await;
    assert_eq!((r.status, r.inner_code()), (400, "alternateMobileExists".to_string()));
    assert_eq!(t.delete(&format!("{p}/{ALTERNATE_MOBILE_ID}")).await.status, 204);
    assert_eq!(t.delete(&mobile).await.status, 204);
    assert_eq!(t.get(&mobile).await.status, 404);
    assert_eq!(t.get(&p).await.json()["value"], json!([]));
    // Password methods cannot be deleted or patched.
    assert_eq!(
        t.delete(&format!("/users/{LEE}/authentication/passwordMethods/28c10230-6103-485e-b985-444c60001490"))
            .await
            .status,
        405
    );
}

#[tokio::test]
async fn sms_sign_in() {
    let t = T::new().await;
    // Alex has a mobile, not SMS-enabled.
    let alex_mobile = format!("{}/{MOBILE_ID}", phones(ALEX));
    assert_eq!(t.get(&alex_mobile).await.json()["smsSignInState"], "notEnabled");
    let r = t.send("POST", &format!("{alex_mobile}/enableSmsSignIn"), None, &[]).await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    assert_eq!(t.get(&alex_mobile).await.json()["smsSignInState"], "ready");
    // Idempotent.
    assert_eq!(t.send("POST", &format!("{alex_mobile}/enableSmsSignIn"), None, &[]).await.status, 204);
    assert_eq!(t.send("POST", &format!("{alex_mobile}/disableSmsSignIn"), None, &[]).await.status, 204);
    assert_eq!(t.get(&alex_mobile).await.json()["smsSignInState"], "notEnabled");
    // Only mobile phones.
    let office = format!("/me/authentication/phoneMethods/{OFFICE_ID}");
    let r = t.send("POST", &format!("{office}/enableSmsSignIn"), None, &[]).await;
    assert_eq!((r.status, r.inner_code()), (400, "smsSignInNotSupported".to_string()));
    // A number already SMS-enabled for another user (Megan's): 409.
    assert_eq!(t.patch(&alex_mobile, json!({"phoneNumber": "+1 4255550102"})).await.status, 204);
    let r = t.send("POST", &format!("{alex_mobile}/enableSmsSignIn"), None, &[]).await;
    assert_eq!(
        (r.status, r.error_code(), r.inner_code()),
        (409, "conflict".to_string(), "phoneNumberNotUnique".to_string())
    );
    // Moving an SMS-enabled mobile onto a taken number marks it not unique.
    assert_eq!(t.patch(&alex_mobile, json!({"phoneNumber": "+1 4255550101"})).await.status, 204);
    assert_eq!(t.send("POST", &format!("{alex_mobile}/enableSmsSignIn"), None, &[]).await.status, 204);
    assert_eq!(t.patch(&alex_mobile, json!({"phoneNumber": "+1 4255550102"})).await.status, 204);
    assert_eq!(t.get(&alex_mobile).await.json()["smsSignInState"], "phoneNumberNotUnique");
    // Policy: not allowed → 403, and the state says so.
    t.emu.set_sms_sign_in_allowed(false);
    let me_mobile = format!("/me/authentication/phoneMethods/{MOBILE_ID}");
    assert_eq!(t.get(&me_mobile).await.json()["smsSignInState"], "notAllowedByPolicy");
    let lee = phones(LEE);
    assert_eq!(t.post(&lee, json!({"phoneNumber": "+1 2065550199", "phoneType": "mobile"})).await.status, 201);
    let r = t.send("POST", &format!("{lee}/{MOBILE_ID}/enableSmsSignIn"), None, &[]).await;
    assert_eq!(
        (r.status, r.error_code(), r.inner_code()),
        (403, "accessDenied".to_string(), "notAllowedByPolicy".to_string())
    );
    t.emu.set_sms_sign_in_allowed(true);
    assert_eq!(t.get(&me_mobile).await.json()["smsSignInState"], "ready");
    assert_eq!(t.send("POST", &format!("{lee}/{MOBILE_ID}/enableSmsSignIn"), None, &[]).await.status, 204);
    // The policy is ordinary Graph data: target a group instead of all users.
    let sms = "/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms/microsoft.graph.smsAuthenticationMethodConfiguration/includeTargets";
    assert_eq!(t.patch(&format!("{sms}/all_users"), json!({"isUsableForSignIn": false})).await.status, 204);
    assert_eq!(t.get(&me_mobile).await.json()["smsSignInState"], "notAllowedByPolicy");
    let r = t.post(sms, json!({"id": "b320ee12-b1cd-4cca-b648-a437be61c5cd", "targetType": "group", "isRegistrationRequired": false, "isUsableForSignIn": true})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Adele is in the pilot group, Lee is not.
    assert_eq!(t.get(&me_mobile).await.json()["smsSignInState"], "ready");
    assert_eq!(t.get(&format!("{lee}/{MOBILE_ID}")).await.json()["smsSignInState"], "notAllowedByPolicy");
    // Filtering sees the computed state.
    let v = t.get(&format!("{lee}?$filter=smsSignInState eq 'notAllowedByPolicy'")).await.json();
    assert_eq!(ids(&v), vec![MOBILE_ID.to_string()]);
    // Excluding a group wins.
    let cfg = "/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms";
    let r = t.patch(cfg, json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "excludeTargets": [{"id": "b320ee12-b1cd-4cca-b648-a437be61c5cd", "targetType": "group"}]})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(t.get(&me_mobile).await.json()["smsSignInState"], "notAllowedByPolicy");
    // Disabling the method disables sign-in.
    t.emu.set_sms_sign_in_allowed(true);
    assert_eq!(t.patch(cfg, json!({"state": "disabled", "excludeTargets": []})).await.status, 204);
    let r = t.send("POST", &format!("{alex_mobile}/enableSmsSignIn"), None, &[]).await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn a_new_mobile_is_registered_for_sms_sign_in_when_the_policy_allows() {
    let t = T::new().await;
    // Allowed and unique: Graph registers it at once (its create example answers "ready").
    let lee = phones(LEE);
    let r = t.post(&lee, json!({"phoneNumber": "+1 2065550150", "phoneType": "mobile"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["smsSignInState"], "ready");
    let mobile = format!("{lee}/{MOBILE_ID}");
    assert_eq!(t.get(&mobile).await.json()["smsSignInState"], "ready");
    // Enabling an already-ready method is a no-op.
    assert_eq!(t.send("POST", &format!("{mobile}/enableSmsSignIn"), None, &[]).await.status, 204);
    assert_eq!(t.get(&mobile).await.json()["smsSignInState"], "ready");
    // The number another user signs in with (Megan's): created, but not registered.
    let nestor = phones(NESTOR);
    let r = t.post(&nestor, json!({"phoneNumber": "+1 4255550102", "phoneType": "mobile"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["smsSignInState"], "phoneNumberNotUnique");
    let r = t.send("POST", &format!("{nestor}/{MOBILE_ID}/enableSmsSignIn"), None, &[]).await;
    assert_eq!((r.status, r.inner_code()), (409, "phoneNumberNotUnique".to_string()));
    // Added while the policy forbids SMS sign-in: not registered, and it stays so when the
    // policy allows it later, until enableSmsSignIn.
    assert_eq!(t.delete(&mobile).await.status, 204);
    t.emu.set_sms_sign_in_allowed(false);
    let r = t.post(&lee, json!({"phoneNumber": "+1 2065550150", "phoneType": "mobile"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["smsSignInState"], "notAllowedByPolicy");
    t.emu.set_sms_sign_in_allowed(true);
    assert_eq!(t.get(&mobile).await.json()["smsSignInState"], "notEnabled");
    assert_eq!(t.send("POST", &format!("{mobile}/enableSmsSignIn"), None, &[]).await.status, 204);
    assert_eq!(t.get(&mobile).await.json()["smsSignInState"], "ready");
    t.emu.assert_no_violations();
}
