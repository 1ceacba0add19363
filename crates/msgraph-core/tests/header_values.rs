//! Header values are checked where they enter the client — credentials, builder options,
//! request headers — and a bad one is an error that names the header: never a panic (debug
//! builds), never an opaque transport "builder error" (release builds), never a request sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use msgraph_core::auth::{AccessToken, ClientSecretCredential, StaticTokenProvider, TokenProvider, TokenRequest};
use msgraph_core::client::Client;
use msgraph_core::error::{ErrorKind, Result};
use msgraph_core::http::BoxFuture;
use serde_json::{json, Value};
use support::{MockServer, Reply};

async fn graph() -> MockServer {
    MockServer::start(|r, _| {
        if r.path().ends_with("/oauth2/v2.0/token") {
            // A token endpoint (network input) answering a token with a line break in it.
            return Reply::json(
                200,
                json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ0\nX-Injected: 1"}),
            )
            .into();
        }
        Reply::json(200, json!({"ok": true})).into()
    })
    .await
}

fn assert_names_header(e: &msgraph_core::error::Error, header: &str) {
    let text = e.to_string().to_ascii_lowercase();
    assert!(text.contains(header), "the error names the header {header:?}: {text}");
    assert!(!text.contains("builder error"), "{text}");
    assert!(!text.contains("eyj0") && !text.contains("x-injected"), "the value is never echoed: {text}");
}

#[tokio::test]
async fn static_bearer_token_with_a_trailing_newline_is_an_error_naming_authorization() {
    let server = graph().await;
    // A token read from a file or an environment variable, newline included.
    let client =
        Client::builder().base_url(server.url()).credential(StaticTokenProvider::new("eyJ0.token\n")).build().unwrap();
    let e = client.get::<Value>(&["me"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert_names_header(&e, "authorization");
    assert_eq!(server.count(), 0, "nothing is sent");
}

#[tokio::test]
async fn access_token_with_a_newline_from_the_token_endpoint_is_an_auth_error() {
    let server = graph().await;
    let cred = ClientSecretCredential::new("tenant-1", "client-1", "s").with_authority_host(&server.url());
    let client = Client::builder().base_url(server.url()).credential(cred).build().unwrap();
    let e = client.get::<Value>(&["me"]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    assert_names_header(&e, "authorization");
    assert_eq!(server.count(), 1, "only the token request was sent");
}

/// A provider of one's own that hands out a token with a control character.
#[derive(Debug)]
struct Broken;
impl TokenProvider for Broken {
    fn get_token<'a>(&'a self, _: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async { Ok(AccessToken::without_expiry("eyJ0\u{1b}[2J")) })
    }
}

#[tokio::test]
async fn token_of_a_custom_provider_is_checked_too() {
    let server = graph().await;
    let client = Client::builder().base_url(server.url()).token_provider(Arc::new(Broken)).build().unwrap();
    let e = client.get::<Value>(&["me"]).send().await.unwrap_err();
    assert_names_header(&e, "authorization");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn user_agent_option_is_validated_by_build() {
    let server = graph().await;
    let e = Client::builder().base_url(server.url()).user_agent("café-app/1.0").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().to_ascii_lowercase().contains("user-agent"), "{e}");
    let e = Client::builder().base_url(server.url()).user_agent("app/1.0\r\nX-Injected: 1").build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    // A valid product token still works.
    let client = server.client_builder().user_agent("contoso-sync/2.1").build().unwrap();
    let v: Value = client.get(&["me"]).send().await.unwrap();
    assert_eq!(v["ok"], true);
    assert!(server.requests()[0].header("user-agent").unwrap().starts_with("contoso-sync/2.1 msgraph-rs/"));
}

#[tokio::test]
async fn request_headers_are_validated_and_named() {
    let server = graph().await;
    let client = server.client();
    for (name, value) in [("Prefer", "a\nb"), ("X-Name", "Zoë"), ("ConsistencyLevel", "eventual\r\nX: 1")] {
        let e = client.get::<Value>(&["me"]).header(name, value).send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
        assert!(e.to_string().contains(&name.to_ascii_lowercase()), "{e}");
    }
    let e = client.get::<Value>(&["me"]).header("X Bad", "v").send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert_eq!(server.count(), 0, "nothing is sent");
}
