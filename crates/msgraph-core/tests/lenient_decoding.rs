//! Lenient decoding through the client: a page whose items hold values that do not match their
//! declared types decodes whole, the values are kept, and the warnings reach the caller
//! (`send_with_warnings`) and the `tracing` log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};

use msgraph_codec::edm::DateTimeOffset;
use msgraph_codec::model::{AdditionalData, Model};
use msgraph_core::error::ErrorKind;
use msgraph_core::paging::Page;
use serde_json::json;
use support::{MockServer, Reply};

/// A user as the model codec sees it (declared here with the glue macros the generated models
/// use, so this crate's tests need no generated code).
#[derive(Clone, Default)]
pub struct User {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub birthday: Option<DateTimeOffset>,
    pub additional_data: AdditionalData,
}

msgraph_codec::__private::impl_model! {
    type User = "microsoft.graph.user", writes_odata_type: false;
    0 => id: "id",
    1 => display_name: "displayName",
    2 => account_enabled: "accountEnabled",
    3 => birthday: "birthday",
}

fn odd_page() -> serde_json::Value {
    json!({"value": [
        {"id": "1", "displayName": "Adele", "accountEnabled": true, "birthday": "1990-05-01T00:00:00Z"},
        {"id": "2", "displayName": {"first": "Bob"}, "accountEnabled": "true", "birthday": "1974-07-22"},
    ]})
}

/// What a `tracing` subscriber saw: the fields of every event, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<EventFields>>>);

/// `(name, value)` of each field of one event.
type EventFields = Vec<(String, String)>;

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_string(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
}

impl tracing::Subscriber for Captured {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == "msgraph_core::decode" {
            let mut fields = Vec::new();
            event.record(&mut Fields(&mut fields));
            self.0.lock().unwrap().push(fields);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn a_page_with_odd_values_is_answered_whole_with_warnings() {
    let server = MockServer::start(|_, _| Reply::json(200, odd_page()).into()).await;
    let client = server.client();
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.clone());

    let (page, warnings) = client.get::<Page<User>>(&["users"]).send_with_warnings().await.unwrap();
    assert_eq!(page.value.len(), 2);
    let bob = &page.value[1];
    assert_eq!(bob.id.as_deref(), Some("2"));
    assert_eq!((&bob.display_name, bob.account_enabled, bob.birthday), (&None, None, None));
    assert_eq!(bob.additional_data().get("accountEnabled"), Some(&json!("true")));
    assert_eq!(bob.additional_data().get("birthday"), Some(&json!("1974-07-22")));
    assert_eq!(bob.additional_data().get("displayName"), Some(&json!({"first": "Bob"})));
    let seen: Vec<(String, &str, &str)> = warnings.iter().map(|w| (w.path(), w.declared_type(), w.found())).collect();
    assert_eq!(
        seen,
        [
            // `json!` writes keys in name order.
            ("$.value[1].accountEnabled".to_string(), "Edm.Boolean", "a string"),
            ("$.value[1].birthday".to_string(), "Edm.DateTimeOffset", "a string"),
            ("$.value[1].displayName".to_string(), "Edm.String", "an object"),
        ]
    );
    // The odd values go back out unchanged.
    let encoded: serde_json::Value = serde_json::from_str(&msgraph_codec::json::to_string(bob)).unwrap();
    assert_eq!(encoded, odd_page()["value"][1]);

    // `send` answers the same page; both sends logged each warning, without the values.
    let plain = client.get::<Page<User>>(&["users"]).send().await.unwrap();
    assert_eq!(plain, page);
    let logged = captured.0.lock().unwrap().clone();
    assert_eq!(logged.len(), 6, "{logged:?}");
    let first = &logged[0];
    let field = |name: &str| first.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(field("path"), Some("$.value[1].accountEnabled"));
    assert_eq!(field("declared"), Some("Edm.Boolean"));
    assert_eq!(field("found"), Some("a string"));
    assert!(!format!("{logged:?}").contains("Bob"), "a logged value: {logged:?}");
}

#[tokio::test]
async fn strict_decoding_and_malformed_json_still_fail() {
    let body = serde_json::to_vec(&odd_page()).unwrap();
    let err = msgraph_codec::json::from_slice_strict::<Page<User>>(&body).unwrap_err();
    assert_eq!(err.path(), "$.value[1].accountEnabled");

    let server = MockServer::start(|_, _| {
        Reply::new(200)
            .header("content-type", "application/json")
            .body(br#"{"value":[{"id":"1","accountEnabled":tru}]}"#.to_vec())
            .into()
    })
    .await;
    let err = server.client().get::<Page<User>>(&["users"]).send_with_warnings().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.json_path(), Some("$.value[0].accountEnabled"));
}
