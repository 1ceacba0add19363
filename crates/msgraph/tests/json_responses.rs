//! Responses decoded into the caller's own serde types (`Request::json`, `Json<T>`), against
//! the emulator: `$select` projections on generated requests, raw requests, the query queue.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgraph::auth::ClientSecretCredential;
use msgraph::{ErrorKind, GraphClient, Json, Method};
use msgraph_emulator::Emulator;
use serde_derive::Deserialize;

async fn setup() -> (Emulator, GraphClient) {
    let emu = Emulator::start().await.expect("emulator");
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build().expect("client");
    (emu, client)
}

const ADELE: &str = "AdeleV@contoso.onmicrosoft.com";

/// A `$select=displayName,mail` projection of a user.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct NameAndMail {
    display_name: String,
    mail: Option<String>,
    /// Not selected, so never sent: stays `None`.
    #[serde(default)]
    job_title: Option<String>,
}

#[derive(Deserialize, Debug)]
struct Page<T> {
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[tokio::test]
async fn a_select_projection_of_a_generated_list_decodes_into_a_serde_type() {
    let (_emu, client) = setup().await;
    let request = client.users().list().select(&["displayName", "mail"]).json::<Page<NameAndMail>>();
    assert!(request.url().ends_with("/users?$select=displayName,mail"), "{}", request.url());
    let Json(page) = request.send().await.expect("send");

    // The same list as untyped JSON: the projection holds the same users and names.
    let raw = client.get::<serde_json::Value>(&["users"]).select(&["displayName", "mail"]).send().await.expect("raw");
    let raw_names: Vec<&str> =
        raw["value"].as_array().unwrap().iter().map(|u| u["displayName"].as_str().unwrap()).collect();
    assert!(raw_names.len() > 1, "{raw}");
    assert_eq!(page.value.iter().map(|u| u.display_name.as_str()).collect::<Vec<_>>(), raw_names);
    assert!(page.value.iter().all(|u| u.job_title.is_none()), "jobTitle was not selected");
    assert!(page.value.iter().any(|u| u.mail.as_deref() == Some(ADELE)), "{:?}", page.value);
    assert_eq!(page.next_link, None);
}

#[tokio::test]
async fn raw_requests_and_the_queue_take_serde_types_too() {
    let (_emu, client) = setup().await;

    // A raw request to a path of your choice, the response type named directly.
    let Json(adele) =
        client.get::<Json<NameAndMail>>(&["users", ADELE]).select(&["displayName", "mail"]).send().await.expect("get");
    assert_eq!(adele.mail.as_deref(), Some(ADELE));
    assert_eq!(adele.display_name, "Adele Vance");

    // Queued next to a typed request: both answers come back from one `$batch`.
    let projection = client.add_query(client.users().by_id(ADELE).get().select(&["displayName"]).json::<NameAndMail>());
    let typed = client.add_query(client.users().by_id(ADELE).get());
    let summary = client.execute_query().await.expect("execute");
    assert_eq!(summary.round_trips, 1, "{summary:?}");
    let Json(p) = projection.take().expect("projection");
    assert_eq!(p, NameAndMail { display_name: "Adele Vance".into(), mail: None, job_title: None });
    typed.take().expect("typed");

    // A shape that does not fit is a decode error, not a panic or a silent default.
    #[derive(Deserialize, Debug)]
    struct Wrong {
        #[serde(rename = "displayName")]
        _display_name: u32,
    }
    let e = client.request::<Json<Wrong>>(Method::Get, &["users", ADELE]).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("invalid type: string \"Adele Vance\""), "{e}");
}
