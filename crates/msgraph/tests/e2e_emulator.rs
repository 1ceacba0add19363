//! PhoneAuthenticationMethod end to end: generated builders → msgraph-core runtime → the local
//! Graph emulator, immediate and queued, with Graph's rules surfacing as typed errors on the
//! right handle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use msgraph::models::{
    AuthenticationMethodKind, AuthenticationMethodSignInState, AuthenticationPhoneType, PhoneAuthenticationMethod,
};
use msgraph::{ErrorKind, GraphClient, PhoneNumber};
use msgraph_emulator::{Emulator, MOBILE_ID, OFFICE_ID};

async fn setup() -> (Emulator, GraphClient) {
    let emu = Emulator::start().await.expect("emulator");
    // `/me` needs a user: sign the seed's default user in.
    let credential = common::user_credential(&emu);
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build().expect("client");
    (emu, client)
}

fn mobile(number: &str) -> PhoneAuthenticationMethod {
    PhoneAuthenticationMethod {
        phone_number: Some(PhoneNumber::parse(number).expect("valid").into()),
        phone_type: Some(AuthenticationPhoneType::Mobile),
        ..Default::default()
    }
}

// The emulator's default tenant: Adele (/me) has mobile (SMS ready) + office phones, Alex a
// mobile with SMS not enabled, Megan a mobile with SMS ready (+1 4255550102), Lee and Nestor none.
// The policy allows SMS sign-in for all users, so a mobile added with a unique number is ready.
const ADELE: &str = "AdeleV@contoso.onmicrosoft.com";
const MEGAN_NUMBER: &str = "+1 4255550102";
const ALEX: &str = "AlexW@contoso.onmicrosoft.com";
const LEE: &str = "LeeG@contoso.onmicrosoft.com";
const NESTOR: &str = "NestorW@contoso.onmicrosoft.com";

#[tokio::test]
async fn immediate_crud_and_actions() {
    let (emu, client) = setup().await;
    let phones = client.users().by_id(NESTOR).authentication().phone_methods();
    let before = phones.list().send().await.expect("list");
    assert!(before.value.is_empty());

    let created = phones.create(&mobile("+1 4255550111")).send().await.expect("create");
    assert_eq!(created.id.as_deref(), Some(MOBILE_ID), "the mobile id is fixed by type");
    assert_eq!(created.phone_number.as_deref(), Some("+1 4255550111"));
    // The policy allows SMS sign-in and no one else uses the number: Graph registers it at once.
    assert_eq!(created.sms_sign_in_state, Some(AuthenticationMethodSignInState::Ready));

    let item = phones.by_id(MOBILE_ID);
    let got = item.get().send().await.expect("get");
    assert_eq!(got.phone_type, Some(AuthenticationPhoneType::Mobile));

    let patch = PhoneAuthenticationMethod { phone_number: Some("+1 4255550112".into()), ..Default::default() };
    item.update(&patch).send().await.expect("update");
    assert_eq!(item.get().send().await.expect("get").phone_number.as_deref(), Some("+1 4255550112"));

    item.disable_sms_sign_in().send().await.expect("disable");
    assert_eq!(item.get().send().await.unwrap().sms_sign_in_state, Some(AuthenticationMethodSignInState::NotEnabled));
    item.enable_sms_sign_in().send().await.expect("enable");
    assert_eq!(item.get().send().await.unwrap().sms_sign_in_state, Some(AuthenticationMethodSignInState::Ready));
    item.enable_sms_sign_in().send().await.expect("enabling a ready method is a no-op");
    assert_eq!(item.get().send().await.unwrap().sms_sign_in_state, Some(AuthenticationMethodSignInState::Ready));

    item.delete().send().await.expect("delete");
    let err = item.get().send().await.expect_err("gone");
    assert_eq!(err.status(), Some(404));
    emu.assert_no_violations();
}

#[tokio::test]
async fn me_and_users_reach_the_same_methods_and_methods_are_polymorphic() {
    let (emu, client) = setup().await;
    let me = client.me().authentication().phone_methods().list().send().await.expect("me");
    let upn = emu.signed_in_user().user_principal_name;
    let same = client.users().by_id(&upn).authentication().phone_methods().list().send().await.expect("users");
    assert_eq!(me.value, same.value);
    assert!(!me.value.is_empty());

    let methods = client.me().authentication().methods().list().send().await.expect("methods");
    let kinds: Vec<&str> = methods.value.iter().map(AuthenticationMethodKind::odata_type).collect();
    assert!(kinds.contains(&"microsoft.graph.phoneAuthenticationMethod"), "{kinds:?}");
    assert!(kinds.contains(&"microsoft.graph.passwordAuthenticationMethod"), "{kinds:?}");
    assert!(kinds.contains(&"microsoft.graph.fido2AuthenticationMethod"), "{kinds:?}");
    assert!(methods
        .value
        .iter()
        .any(|m| matches!(m, AuthenticationMethodKind::PhoneAuthenticationMethod(p) if p.phone_number.is_some())));
}

#[tokio::test]
async fn queued_enable_on_several_users_is_one_batch_and_errors_land_on_the_right_handle() {
    let (emu, client) = setup().await;
    for (upn, n) in [(LEE, "+1 4255550122"), (NESTOR, "+1 4255550123")] {
        let phones = client.users().by_id(upn).authentication().phone_methods();
        phones.create(&mobile(n)).send().await.expect("create");
        // A new mobile is ready for SMS sign-in at once; turn it off so the enable below is real.
        phones.by_id(MOBILE_ID).disable_sms_sign_in().send().await.expect("disable");
    }
    emu.clear_requests();

    // Alex's existing mobile plus the two new ones; and Adele's office phone, which cannot do
    // SMS sign-in: its enable fails, the others succeed.
    let handles: Vec<_> = [ALEX, LEE, NESTOR]
        .iter()
        .map(|u| {
            client.add_query(
                client.users().by_id(u).authentication().phone_methods().by_id(MOBILE_ID).enable_sms_sign_in(),
            )
        })
        .collect();
    let office_handle = client
        .add_query(client.users().by_id(ADELE).authentication().phone_methods().by_id(OFFICE_ID).enable_sms_sign_in());
    let summary = client.execute_query().await.expect("execute");
    assert_eq!(summary.round_trips, 1, "{summary:?}");
    let outer: Vec<_> = emu.requests().into_iter().filter(|r| r.batch_item.is_none()).collect();
    assert_eq!(outer.len(), 1, "{outer:?}");
    assert!(outer[0].target.ends_with("/$batch"), "{:?}", outer[0]);

    for h in handles {
        h.take().expect("enabled");
    }
    let err = office_handle.take().expect_err("office phones cannot do SMS");
    assert_eq!(err.status(), Some(400));
    assert!(err.has_code("smsSignInNotSupported"), "{err}");
    for u in [ALEX, LEE, NESTOR] {
        let p = client.users().by_id(u).authentication().phone_methods().by_id(MOBILE_ID).get().send().await.unwrap();
        assert_eq!(p.sms_sign_in_state, Some(AuthenticationMethodSignInState::Ready), "{u}");
    }
    emu.assert_no_violations();
}

#[tokio::test]
async fn duplicate_number_and_policy_are_typed_errors() {
    let (emu, client) = setup().await;
    let lee = client.users().by_id(LEE).authentication().phone_methods();
    lee.create(&mobile(MEGAN_NUMBER)).send().await.unwrap();
    let dup = lee.by_id(MOBILE_ID).enable_sms_sign_in().send().await.expect_err("Megan uses it for SMS");
    assert_eq!(dup.status(), Some(409));
    assert!(dup.has_code("phoneNumberNotUnique"), "{dup}");
    assert_eq!(dup.kind(), ErrorKind::Http);

    emu.set_sms_sign_in_allowed(false);
    let nestor = client.users().by_id(NESTOR).authentication().phone_methods();
    nestor.create(&mobile("+1 4255550133")).send().await.unwrap();
    let queued = client.add_query(nestor.by_id(MOBILE_ID).enable_sms_sign_in());
    let read = client.add_query(nestor.list());
    client.execute_query().await.expect("execute");
    let denied = queued.take().expect_err("policy off");
    assert_eq!(denied.status(), Some(403));
    assert!(denied.has_code("notAllowedByPolicy"), "{denied}");
    assert_eq!(read.take().expect("the read still succeeds").value.len(), 1);
}

#[tokio::test]
async fn invalid_numbers_never_leave_the_client() {
    let (emu, _client) = setup().await;
    emu.clear_requests();
    assert!(PhoneNumber::parse("+1 425-555-0100").is_err());
    assert!(PhoneNumber::parse("4255550100").is_err());
    assert!(emu.requests().is_empty());
}
