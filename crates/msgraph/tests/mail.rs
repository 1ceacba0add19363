//! Mail against the emulator: `send_mail` with an inline attachment read back from Sent Items,
//! `saveToSentItems: false`, a 5 MB attachment through an upload session (no `Authorization` on
//! the upload URL), mixed sizes, Graph's 400 for bad mail, and a chunk with a wrong
//! `Content-Range`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgraph::auth::StaticTokenProvider;
use msgraph::mail::INLINE_LIMIT;
use msgraph::models::{
    AttachmentItem, AttachmentKind, AttachmentType, FileAttachment, ItemBody, Message, MessageKind, Recipient,
};
use msgraph::{ErrorKind, GraphClient, Method};
use msgraph_core::http::{Body, HttpRequest};
use msgraph_core::pipeline::Context;
use msgraph_emulator::{Emulator, TokenSpec};

const ADELE: &str = "AdeleV@contoso.onmicrosoft.com";

/// An emulator and a client signed in as Adele (a delegated token, so `/me` is hers).
async fn setup() -> (Emulator, GraphClient) {
    let emu = Emulator::start().await.unwrap();
    let token = emu.issue_token_with(TokenSpec::user(ADELE).scope("Mail.Send Mail.ReadWrite")).unwrap();
    let client =
        GraphClient::builder().base_url(emu.base_url()).credential(StaticTokenProvider::new(token)).build().unwrap();
    (emu, client)
}

fn message(subject: &str, to: &[&str]) -> Message {
    Message {
        subject: Some(subject.into()),
        body: Some(ItemBody::text("Hello from the tests.")),
        to_recipients: Some(to.iter().map(|a| Recipient::address(*a).into()).collect()),
        ..Default::default()
    }
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// The messages in Adele's Sent Items.
async fn sent_items(client: &GraphClient) -> Vec<MessageKind> {
    client.me().mail_folders().by_id("sentitems").messages().list().send().await.unwrap().value
}

/// The file attachments of a message, by name, with their content.
async fn attachments_of(client: &GraphClient, id: &str) -> Vec<(String, Vec<u8>)> {
    let page = client.me().messages().by_id(id).attachments().list().send().await.unwrap();
    let mut out: Vec<(String, Vec<u8>)> = page
        .value
        .into_iter()
        .map(|a| match a {
            AttachmentKind::FileAttachment(f) => {
                (f.name.clone().unwrap(), f.content_bytes.clone().map(|b| b.into_bytes()).unwrap_or_default())
            }
            other => panic!("not a file attachment: {other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// Asserts that two attachment lists are equal without printing megabytes of bytes.
#[track_caller]
fn assert_same(got: &[(String, Vec<u8>)], want: &[(String, Vec<u8>)]) {
    let summary = |l: &[(String, Vec<u8>)]| l.iter().map(|(n, b)| (n.clone(), b.len())).collect::<Vec<_>>();
    assert_eq!(summary(got), summary(want));
    for ((name, a), (_, b)) in got.iter().zip(want) {
        assert!(a == b, "the content of {name} differs");
    }
}

#[tokio::test]
async fn send_mail_with_an_inline_attachment_reads_back_from_sent_items() {
    let (emu, client) = setup().await;
    let content = bytes(10_000, 1);
    let mut m = message("Minutes", &["alex@contoso.com"]);
    m.attachments =
        Some(vec![FileAttachment::from_bytes("minutes.bin", "application/octet-stream", content.clone()).into()]);
    let request = client.me().send_mail(m.into(), true);
    // The body as Graph's CSDL names it, the attachment typed.
    let body = String::from_utf8(request.parts().body().as_bytes().unwrap().to_vec()).unwrap();
    assert!(body.starts_with(r#"{"Message":{"#) && body.ends_with(r#","SaveToSentItems":true}"#), "{body}");
    assert!(body.contains(r##"{"@odata.type":"#microsoft.graph.fileAttachment","##), "{body}");
    request.send().await.unwrap();

    let sent = sent_items(&client).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject.as_deref(), Some("Minutes"));
    assert_eq!(sent[0].has_attachments, Some(true));
    assert_eq!(sent[0].is_draft, Some(false));
    let id = sent[0].id.clone().unwrap();
    assert_same(&attachments_of(&client, &id).await, &[("minutes.bin".to_string(), content)]);
    // `/me/sendMail` went out with the delegated token.
    assert!(emu.requests().iter().any(|r| r.method == "POST" && r.target == "/v1.0/me/sendMail" && r.status == 202));
}

#[tokio::test]
async fn save_to_sent_items_false_stores_nothing() {
    let (_emu, client) = setup().await;
    client.me().send_mail(message("Not kept", &["alex@contoso.com"]).into(), false).send().await.unwrap();
    assert!(sent_items(&client).await.is_empty());
    assert!(client.me().messages().list().send().await.unwrap().value.is_empty());
}

#[tokio::test]
async fn a_5_mb_attachment_goes_through_an_upload_session_without_authorization() {
    let (emu, client) = setup().await;
    let big = bytes(5 * 1024 * 1024, 7);
    let attachment = FileAttachment::from_bytes("big.bin", "application/zip", big.clone());
    let m = message("Large", &["alex@contoso.com"]);
    let sent = client.me().send_mail_with_attachments(&m, &[attachment]).await.unwrap();
    assert_eq!((sent.draft_id.is_some(), sent.inline, sent.uploaded), (true, 0, 1), "{sent:?}");

    let items = sent_items(&client).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].subject.as_deref(), Some("Large"));
    let id = items[0].id.clone().unwrap();
    assert_ne!(Some(&id), sent.draft_id.as_ref(), "sending moved the draft");
    assert_same(&attachments_of(&client, &id).await, &[("big.bin".to_string(), big)]);
    assert!(client.me().mail_folders().by_id("drafts").messages().list().send().await.unwrap().value.is_empty());

    let log = emu.requests();
    let puts: Vec<_> = log.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 2, "5 MiB in chunks of 3.75 MiB: {puts:?}");
    assert!(puts.iter().all(|r| !r.authorization && r.target.starts_with("/attachmentSessions/")), "{puts:?}");
    assert_eq!(puts.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 201]);
    assert!(log.iter().any(|r| r.target.ends_with("/attachments/createUploadSession") && r.authorization));
    assert!(!log.iter().any(|r| r.target.ends_with("/sendMail")), "too large to go inline");
}

#[tokio::test]
async fn small_attachments_go_inline_and_mixed_sizes_use_a_draft() {
    let (emu, client) = setup().await;
    // Two small ones: one sendMail.
    let small = [
        FileAttachment::from_bytes("a.txt", "text/plain", bytes(1000, 1)),
        FileAttachment::from_bytes("b.txt", "text/plain", bytes(2000, 2)),
    ];
    let sent = client.me().send_mail_with_attachments(&message("Small", &["a@contoso.com"]), &small).await.unwrap();
    assert_eq!((sent.draft_id, sent.inline, sent.uploaded), (None, 2, 0));
    assert_eq!(emu.requests().iter().filter(|r| r.target.ends_with("/sendMail")).count(), 1);

    // Two of 2 MB (over the inline limit together, each under it) and one of 3 MB: a draft.
    let mixed = [
        FileAttachment::from_bytes("c.bin", "application/octet-stream", bytes(2_000_000, 3)),
        FileAttachment::from_bytes("d.bin", "application/octet-stream", bytes(2_000_000, 4)),
        FileAttachment::from_bytes("e.bin", "application/octet-stream", bytes(INLINE_LIMIT, 5)),
    ];
    let sent = client.me().send_mail_with_attachments(&message("Mixed", &["a@contoso.com"]), &mixed).await.unwrap();
    assert_eq!((sent.draft_id.is_some(), sent.inline, sent.uploaded), (true, 2, 1), "{sent:?}");
    let items = sent_items(&client).await;
    let mixed_sent = items.iter().find(|m| m.subject.as_deref() == Some("Mixed")).unwrap();
    let got = attachments_of(&client, mixed_sent.id.as_deref().unwrap()).await;
    let want: Vec<(String, Vec<u8>)> =
        mixed.iter().map(|a| (a.name.clone().unwrap(), a.content_bytes.clone().unwrap().into_bytes())).collect();
    assert_same(&got, &want);
}

#[tokio::test]
async fn invalid_mail_surfaces_graphs_400_with_its_code_and_keeps_the_draft() {
    let (_emu, client) = setup().await;
    let err = client.me().send_mail(message("Nobody", &[]).into(), true).send().await.unwrap_err();
    assert_eq!((err.kind(), err.status(), err.code()), (ErrorKind::Http, Some(400), Some("ErrorInvalidRecipients")));
    assert!(err.message().contains("no recipients"), "{err}");
    let err = client.me().send_mail(message("Bad", &["not-an-address"]).into(), true).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ErrorInvalidRecipients"));
    assert!(sent_items(&client).await.is_empty());

    // Through the draft: the error names the draft it kept, with Graph's code.
    let big = FileAttachment::from_bytes("big.bin", "application/zip", bytes(INLINE_LIMIT + 1, 9));
    let err = client.me().send_mail_with_attachments(&message("Nobody", &[]), &[big]).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some("ErrorInvalidRecipients")), "{err}");
    // `message()` is Graph's; the error's text says what happened to the draft.
    assert!(err.message().contains("no recipients"), "{err}");
    let text = err.to_string();
    assert!(text.starts_with("the message was not sent; its draft "), "{text}");
    let drafts = client.me().mail_folders().by_id("Drafts").messages().list().send().await.unwrap().value;
    assert_eq!(drafts.len(), 1, "kept");
    assert!(text.contains(drafts[0].id.as_deref().unwrap()), "{text}");
    assert_eq!(attachments_of(&client, drafts[0].id.as_deref().unwrap()).await[0].1.len(), INLINE_LIMIT + 1);
}

#[tokio::test]
async fn a_chunk_with_a_wrong_content_range_gets_a_clear_error() {
    let (_emu, client) = setup().await;
    let draft = client.me().messages().create(&message("Draft", &["a@contoso.com"])).send().await.unwrap();
    let id = draft.id.clone().unwrap();
    let size = 3 * 1024 * 1024;
    let item = AttachmentItem {
        attachment_type: Some(AttachmentType::File),
        name: Some("f.bin".into()),
        size: Some(size),
        ..Default::default()
    };
    let session = client.me().messages().by_id(&id).attachments().create_upload_session(item).send().await.unwrap();
    let url = session.upload_url.unwrap();
    let put = |range: &str| {
        let mut r = HttpRequest::new(Method::Put, &url).unwrap();
        r.headers_mut().insert("content-range", range.to_string()).unwrap();
        r.set_body(Body::from_bytes(vec![0u8; 10]));
        r
    };
    // The upload URL is pre-authenticated: no Authorization.
    let ctx = Context::new().with_skip_auth(true);
    let response = client.send_http(put(&format!("bytes 100-109/{size}")), &ctx).await.unwrap();
    let err = response.to_error();
    assert_eq!((err.status(), err.code()), (Some(416), Some("invalidRange")), "{err}");
    assert!(err.message().contains("expects byte 0, not 100"), "{err}");
    let response = client.send_http(put("bytes 0-9"), &ctx).await.unwrap();
    let err = response.to_error();
    assert_eq!((err.status(), err.code()), (Some(400), Some("invalidRange")), "{err}");
    assert!(err.message().contains("bytes {start}-{end}/{total}"), "{err}");
    // Nothing was taken: the right chunk goes on from byte 0.
    let response = client.send_http(put(&format!("bytes 0-9/{size}")), &ctx).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(String::from_utf8_lossy(response.body()).contains(r#""nextExpectedRanges":["10"]"#));
}
