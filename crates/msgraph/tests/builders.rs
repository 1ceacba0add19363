//! Generated request builders: URLs, methods and bodies, checked without a network.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use msgraph::builders::{DirectoryObjectBuilder, UserBuilder};
use msgraph::models::{AuthenticationPhoneType, PhoneAuthenticationMethod};
use msgraph::{GraphClient, Method};
use msgraph_core::auth::StaticTokenProvider;
use msgraph_core::builder::Builder;

fn client() -> GraphClient {
    GraphClient::builder()
        .base_url("https://graph.microsoft.com/v1.0")
        .credential(StaticTokenProvider::new("test-token"))
        .build()
        .expect("client")
}

/// The seed scenario must compile exactly like this (names are part of the public API).
#[allow(dead_code)]
async fn seed(client: &msgraph::GraphClient) -> Result<(), msgraph::Error> {
    let phone = client.me().authentication().phone_methods().by_id("3179e48a-750b-4051-897c-87b9720928f7");
    let p: msgraph::models::PhoneAuthenticationMethod = phone.get().send().await?;
    println!("{:?}", p.phone_number);
    phone.enable_sms_sign_in().send().await?; // immediate
    let _pending = client.add_query(phone.disable_sms_sign_in()); // queued
    client.execute_query().await?; // one round trip for everything queued
    Ok(())
}

const ROOT: &str = "https://graph.microsoft.com/v1.0";

#[test]
fn phone_method_urls_and_methods() {
    let c = client();
    let phones = c.me().authentication().phone_methods();
    let list = phones.list();
    assert_eq!(list.method(), Method::Get);
    assert_eq!(list.url(), format!("{ROOT}/me/authentication/phoneMethods"));

    let phone = phones.by_id("3179e48a-750b-4051-897c-87b9720928f7");
    assert_eq!(
        phone.get().url(),
        format!("{ROOT}/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7")
    );
    let enable = phone.enable_sms_sign_in();
    assert_eq!(enable.method(), Method::Post);
    assert_eq!(
        enable.url(),
        format!("{ROOT}/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7/enableSmsSignIn")
    );
    assert_eq!(phone.disable_sms_sign_in().url(), format!("{}/disableSmsSignIn", phone.get().url()));
    assert_eq!(phone.delete().method(), Method::Delete);
    // Inherited from authenticationMethod: resetPassword.
    let reset = phone.reset_password("n3w-P@ss");
    assert_eq!(reset.method(), Method::Post);
    assert!(reset.url().ends_with("/resetPassword"));
    let body = reset.parts().body().as_bytes().map(|b| String::from_utf8_lossy(b).into_owned());
    assert_eq!(body.as_deref(), Some(r#"{"newPassword":"n3w-P@ss"}"#));

    let via_users = c.users().by_id("adele@contoso.com").authentication().phone_methods().by_id("x");
    // A key is encoded as data (everything but unreserved characters), `@` included.
    assert_eq!(via_users.get().url(), format!("{ROOT}/users/adele%40contoso.com/authentication/phoneMethods/x"));
}

#[test]
fn create_and_update_send_only_what_is_set() {
    let c = client();
    let new = PhoneAuthenticationMethod {
        phone_number: Some(msgraph::PhoneNumber::parse("+1 2065555555").expect("valid").into()),
        phone_type: Some(AuthenticationPhoneType::Mobile),
        ..Default::default()
    };
    let create = c.me().authentication().phone_methods().create(&new);
    assert_eq!(create.method(), Method::Post);
    let body = create.parts().body().as_bytes().map(|b| String::from_utf8_lossy(b).into_owned());
    assert_eq!(
        body.as_deref(),
        Some(
            r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","phoneNumber":"+1 2065555555","phoneType":"mobile"}"##
        )
    );
    let mut patch = PhoneAuthenticationMethod::default();
    patch.additional_data.set_null("phoneNumber");
    let update = c.me().authentication().phone_methods().by_id("m").update(&patch);
    assert_eq!(update.method(), Method::Patch);
    let body = update.parts().body().as_bytes().map(|b| String::from_utf8_lossy(b).into_owned());
    assert!(body.as_deref().is_some_and(|b| b.contains(r#""phoneNumber":null"#)), "{body:?}");
}

#[test]
fn keys_are_percent_encoded_not_injected() {
    let c = client();
    for (key, encoded) in [
        ("a/b", "a%2Fb"),
        ("what?x=1", "what%3Fx%3D1"),
        ("frag#x", "frag%23x"),
        ("100%", "100%25"),
        ("O'Neil", "O%27Neil"),
        ("zoë", "zo%C3%AB"),
        ("delta()", "delta%28%29"),
        ("$count", "%24count"),
        ("$value", "%24value"),
    ] {
        let url = c.users().by_id(key).get().url();
        assert!(url.starts_with(&format!("{ROOT}/users/")), "{url}");
        let tail = &url[ROOT.len() + "/users/".len()..];
        assert!(!tail.contains('/') && !tail.contains('?') && !tail.contains('#'), "{key} -> {url}");
        assert_eq!(tail, encoded, "{key}");
    }
}

#[test]
fn casts_functions_and_counts() {
    let c = client();
    let obj: DirectoryObjectBuilder = c.directory_objects().by_id("42");
    let user: UserBuilder = obj.as_user();
    assert_eq!(user.get().url(), format!("{ROOT}/directoryObjects/42/microsoft.graph.user"));
    let generic: UserBuilder = obj.cast();
    assert_eq!(generic.get().url(), user.get().url());
    assert_eq!(c.users().count().url(), format!("{ROOT}/users/$count"));
    let delta = c.users().delta();
    assert_eq!(delta.method(), Method::Get);
    assert_eq!(delta.url(), format!("{ROOT}/users/delta()"));
    // A function with parameters: OData literal escaping.
    let f = c.me().calendar().allowed_calendar_sharing_roles("O'Neil@contoso.com");
    assert!(f.url().contains("allowedCalendarSharingRoles(User=%27O%27%27Neil@contoso.com%27)"), "{}", f.url());
    // Query options go through.
    let q = c.users().list().filter("startswith(displayName,'A')").select(&["id", "displayName"]).top(5);
    assert!(q.url().contains("$top=5"), "{}", q.url());
    let node = user.node();
    assert_eq!(node.segments(), ["directoryObjects", "42", "microsoft.graph.user"]);
}

#[test]
fn media_entities_and_stream_properties() {
    let c = client();
    let item = c.drives().by_id("d1").items().by_id("i1");
    let download = item.content_stream();
    assert_eq!(download.method(), Method::Get);
    assert_eq!(download.url(), format!("{ROOT}/drives/d1/items/i1/content"));
    let upload = item.set_content_stream(b"hello".to_vec(), "text/plain");
    assert_eq!(upload.method(), Method::Put);
    assert_eq!(upload.parts().body().as_bytes(), Some(&b"hello"[..]));
    // profilePhoto is a media entity (HasStream): its bytes are at $value.
    let photo = c.me().photo().content();
    assert_eq!(photo.url(), format!("{ROOT}/me/photo/$value"));
    assert_eq!(c.me().photo().set_content(vec![1, 2], "image/png").method(), Method::Put);
}
