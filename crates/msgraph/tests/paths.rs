//! Paths beyond entities and collections: complex-typed properties, chaining after composable
//! functions, PUT, and `$ref` lists and removals. Checked by exact URL, method and body, and
//! against the local emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use msgraph::models::{AutomaticRepliesSetting, AutomaticRepliesStatus, MailboxSettings, Synchronization, Team, User};
use msgraph::{GraphClient, Method};
use msgraph_core::auth::StaticTokenProvider;
use msgraph_emulator::Emulator;

const ROOT: &str = "https://graph.microsoft.com/v1.0";

fn offline() -> GraphClient {
    GraphClient::builder().base_url(ROOT).credential(StaticTokenProvider::new("test-token")).build().expect("client")
}

fn body<T>(r: &msgraph_core::request::Request<T>) -> Option<String> {
    r.parts().body().as_bytes().map(|b| String::from_utf8_lossy(b).into_owned())
}

#[test]
fn complex_property_urls() {
    let c = offline();
    let settings = c.me().mailbox_settings();
    assert_eq!(settings.get().method(), Method::Get);
    assert_eq!(settings.get().url(), format!("{ROOT}/me/mailboxSettings"));
    let patch = MailboxSettings { time_zone: Some("UTC".into()), ..Default::default() };
    let update = settings.update(&patch);
    assert_eq!(update.method(), Method::Patch);
    assert_eq!(update.url(), format!("{ROOT}/me/mailboxSettings"));
    assert_eq!(body(&update).as_deref(), Some(r#"{"timeZone":"UTC"}"#));

    let replies = c.users().by_id("adele@contoso.com").mailbox_settings().automatic_replies_setting();
    assert_eq!(
        replies.get().url(),
        format!("{ROOT}/users/adele%40contoso.com/mailboxSettings/automaticRepliesSetting")
    );
    let on = AutomaticRepliesSetting { status: Some(AutomaticRepliesStatus::AlwaysEnabled), ..Default::default() };
    let update = replies.update(&on);
    assert_eq!(update.method(), Method::Patch);
    assert_eq!(body(&update).as_deref(), Some(r#"{"status":"alwaysEnabled"}"#));

    assert_eq!(c.print().settings().get().url(), format!("{ROOT}/print/settings"));
    // Collection-valued: `get` reads the list.
    let licenses = c.users().by_id("u1").assigned_licenses().get();
    assert_eq!(licenses.method(), Method::Get);
    assert_eq!(licenses.url(), format!("{ROOT}/users/u1/assignedLicenses"));
}

#[test]
fn composable_functions_chain() {
    let c = offline();
    let sheet = c.me().drive().items().by_id("01ABC").workbook().worksheets().by_id("Sheet 1");
    let base = format!("{ROOT}/me/drive/items/01ABC/workbook/worksheets/Sheet%201");
    // The literal is quoted as OData wants (`'` doubled) and the segment percent-encoded.
    let font = sheet.range_with_address("A1:B2").format().font();
    assert_eq!(font.get().url(), format!("{base}/range(address=%27A1:B2%27)/format/font"));
    let quoted = sheet.range_with_address("O'Neil!A1").get();
    assert_eq!(quoted.method(), Method::Get);
    assert_eq!(quoted.url(), format!("{base}/range(address=%27O%27%27Neil!A1%27)"));
    let clear = sheet.used_range().clear("All");
    assert_eq!(clear.method(), Method::Post);
    assert_eq!(clear.url(), format!("{base}/usedRange()/clear"));
    assert_eq!(body(&clear).as_deref(), Some(r#"{"applyTo":"All"}"#));
    assert_eq!(sheet.used_range_with_values_only(true).get().url(), format!("{base}/usedRange(valuesOnly=true)"));
    assert_eq!(sheet.cell(5, 6).get().url(), format!("{base}/cell(row=5,column=6)"));
    // A PATCH on the range the function addresses.
    assert_eq!(sheet.cell(5, 6).format().font().update(&Default::default()).method(), Method::Patch);
}

#[test]
fn put_where_the_metadata_says_so_and_replace_everywhere() {
    let c = offline();
    // UpdateMethod=PUT in the metadata.
    let sync = c.service_principals().by_id("sp1").synchronization();
    let update = sync.update(&Synchronization::default());
    assert_eq!(update.method(), Method::Put);
    assert_eq!(update.url(), format!("{ROOT}/servicePrincipals/sp1/synchronization"));
    // Everything else PATCHes, and `replace` PUTs.
    assert_eq!(c.me().update(&User::default()).method(), Method::Patch);
    let team = Team { description: Some("Launch".into()), ..Default::default() };
    let replace = c.groups().by_id("g1").team().replace(&team);
    assert_eq!(replace.method(), Method::Put);
    assert_eq!(replace.url(), format!("{ROOT}/groups/g1/team"));
    assert_eq!(body(&replace).as_deref(), Some(r#"{"description":"Launch"}"#));
}

#[test]
fn reference_urls() {
    let c = offline();
    let members = c.groups().by_id("g1").members();
    let list = members.list_refs();
    assert_eq!(list.method(), Method::Get);
    assert_eq!(list.url(), format!("{ROOT}/groups/g1/members/$ref"));
    let remove = members.delete_ref("https://graph.microsoft.com/v1.0/directoryObjects/a&b c#d");
    assert_eq!(remove.method(), Method::Delete);
    assert_eq!(
        remove.url(),
        format!("{ROOT}/groups/g1/members/$ref?$id=https://graph.microsoft.com/v1.0/directoryObjects/a%26b%20c%23d")
    );
    assert_eq!(members.by_id("u1").delete_ref().url(), format!("{ROOT}/groups/g1/members/u1/$ref"));
}

async fn setup() -> (Emulator, GraphClient) {
    let emu = Emulator::start().await.expect("emulator");
    // `/me` needs a user: sign the seed's default user in.
    let credential = common::user_credential(&emu);
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build().expect("client");
    (emu, client)
}

const SALES: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
const ADELE_ID: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

#[tokio::test]
async fn complex_properties_against_the_emulator() {
    let (_emu, client) = setup().await;
    let settings = client.me().mailbox_settings();
    let replies = settings.automatic_replies_setting();
    let on = AutomaticRepliesSetting {
        status: Some(AutomaticRepliesStatus::AlwaysEnabled),
        external_reply_message: Some("Out until Monday".into()),
        ..Default::default()
    };
    replies.update(&on).send().await.expect("patch the nested property");
    let got = replies.get().send().await.expect("get the nested property");
    assert_eq!(got.status, Some(AutomaticRepliesStatus::AlwaysEnabled));
    assert_eq!(got.external_reply_message.as_deref(), Some("Out until Monday"));

    // PATCH merges: the time zone is added, the automatic replies stay.
    let tz = MailboxSettings { time_zone: Some("Pacific Standard Time".into()), ..Default::default() };
    settings.update(&tz).send().await.expect("patch the property");
    let all = settings.get().send().await.expect("get the property");
    assert_eq!(all.time_zone.as_deref(), Some("Pacific Standard Time"));
    let nested = all.automatic_replies_setting.expect("kept");
    assert_eq!(nested.status, Some(AutomaticRepliesStatus::AlwaysEnabled));
    assert_eq!(nested.external_reply_message.as_deref(), Some("Out until Monday"));

    // The same value through the entity.
    let me = client.me().get().send().await.expect("me");
    let json = msgraph_codec::json::to_string(&me);
    assert!(json.contains(r#""timeZone":"Pacific Standard Time""#), "{json}");
}

#[tokio::test]
async fn put_replaces_against_the_emulator() {
    let (_emu, client) = setup().await;
    let team = client.groups().by_id(SALES).team();
    let first = Team { display_name: Some("Sales".into()), description: Some("Launch".into()), ..Default::default() };
    team.replace(&first).send().await.expect("put creates the team");
    let got = team.get().send().await.expect("get");
    assert_eq!(got.display_name.as_deref(), Some("Sales"));
    assert_eq!(got.description.as_deref(), Some("Launch"));

    // A second PUT replaces: what it leaves out is gone.
    let second = Team { description: Some("Renamed".into()), ..Default::default() };
    team.replace(&second).send().await.expect("put replaces");
    let got = team.get().send().await.expect("get");
    assert_eq!(got.description.as_deref(), Some("Renamed"));
    assert_eq!(got.display_name, None);
}

#[tokio::test]
async fn references_against_the_emulator() {
    let (_emu, client) = setup().await;
    let members = client.groups().by_id(SALES).members();
    let refs: msgraph::Page<msgraph::Reference> = members.list_refs().send().await.expect("list refs");
    assert_eq!(refs.value.len(), 3);
    let adele = refs.value.iter().find(|r| r.id().as_deref() == Some(ADELE_ID)).expect("Adele is a member");
    assert!(adele.odata_id.ends_with(&format!("/directoryObjects/{ADELE_ID}")), "{}", adele.odata_id);

    members.delete_ref(&adele.odata_id).send().await.expect("delete ref");
    let refs = members.list_refs().send().await.expect("list refs");
    assert_eq!(refs.value.len(), 2);
    assert!(refs.value.iter().all(|r| r.id().as_deref() != Some(ADELE_ID)));
    // Adele herself is still there.
    client.users().by_id(ADELE_ID).get().send().await.expect("the user stays");

    // Not a member (any more): 404.
    let err = members.delete_ref(&adele.odata_id).send().await.expect_err("not a member");
    assert_eq!(err.status(), Some(404));
    // And back.
    members.add_ref(&adele.odata_id).send().await.expect("add ref");
    assert_eq!(members.list_refs().send().await.expect("list refs").value.len(), 3);
}

#[tokio::test]
async fn composable_paths_reach_the_emulator() {
    let (_emu, client) = setup().await;
    let sheet = client.me().drive().items().by_id("01ABC").workbook().worksheets().by_id("Sheet1");
    // The emulator routes the path through the function but does not evaluate workbooks.
    let err = sheet.range_with_address("A1:B2").format().font().get().send().await.expect_err("not emulated");
    assert_eq!(err.status(), Some(501), "{err}");
    assert!(err.to_string().contains("composable function 'microsoft.graph.range'"), "{err}");
}
