//! Mail: `sendMail` into Sent Items, drafts and `send`, attachments (inline and through an
//! upload session), well-known folder names, and the errors Graph answers bad mail with.

use base64::Engine;
use serde_json::{json, Value};

use crate::common::{Resp, ADELE, T};

const B64: base64::engine::general_purpose::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn mail(to: &[&str], attachments: Value) -> Value {
    let to: Vec<Value> = to.iter().map(|a| json!({"emailAddress": {"address": a}})).collect();
    json!({
        "subject": "Quarterly report",
        "body": {"contentType": "Text", "content": "See the attachment."},
        "toRecipients": to,
        "attachments": attachments,
    })
}

fn file(name: &str, bytes: &[u8]) -> Value {
    json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": name, "contentType": "text/plain",
           "contentBytes": B64.encode(bytes)})
}

fn user(path: &str) -> String {
    format!("/users/{ADELE}{path}")
}

async fn sent_items(t: &T) -> Vec<Value> {
    let r = t.get(&user("/mailFolders/sentitems/messages")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["value"].as_array().unwrap().clone()
}

/// A PUT to an upload URL, without Authorization (unless `auth`).
async fn put_chunk(t: &T, url: &str, range: &str, bytes: Vec<u8>, auth: bool) -> Resp {
    let mut rb = t.http.put(url).header("content-range", range).header("content-type", "application/octet-stream");
    if auth {
        rb = rb.bearer_auth(&t.token);
    }
    let r = rb.body(bytes).send().await.unwrap();
    Resp { status: r.status().as_u16(), headers: r.headers().clone(), text: r.text().await.unwrap() }
}

#[tokio::test]
async fn send_mail_stores_the_message_and_its_attachment_in_sent_items() {
    let t = T::new().await;
    assert!(sent_items(&t).await.is_empty());
    let content = b"hello, attachment".to_vec();
    let body =
        json!({"message": mail(&["alex@contoso.com"], json!([file("notes.txt", &content)])), "saveToSentItems": true});
    let r = t.post(&user("/sendMail"), body).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(r.text.is_empty());

    let sent = sent_items(&t).await;
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!(m["subject"], "Quarterly report");
    assert_eq!(m["isDraft"], false);
    assert_eq!(m["hasAttachments"], true);
    assert_eq!(m["toRecipients"][0]["emailAddress"]["address"], "alex@contoso.com");
    assert_eq!(m["from"]["emailAddress"]["address"], "AdeleV@contoso.onmicrosoft.com");
    let id = m["id"].as_str().unwrap();

    // The same message through /messages, the folder by its well-known name in any case.
    assert_eq!(t.get(&user(&format!("/messages/{id}"))).await.json()["subject"], "Quarterly report");
    let folder = t.get(&user("/mailFolders('SentItems')")).await.json();
    assert_eq!(folder["displayName"], "Sent Items");
    assert_eq!(folder["totalItemCount"], 1);
    assert_eq!(m["parentFolderId"], folder["id"]);
    let r = t.get(&user(&format!("/mailFolders/{}/messages/{id}", folder["id"].as_str().unwrap()))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Not in another folder.
    assert_eq!(t.get(&user(&format!("/mailFolders/inbox/messages/{id}"))).await.status, 404);

    let atts = t.get(&user(&format!("/messages/{id}/attachments"))).await.json();
    let a = &atts["value"][0];
    assert_eq!(a["@odata.type"], "#microsoft.graph.fileAttachment");
    assert_eq!(a["name"], "notes.txt");
    assert_eq!(a["size"], content.len());
    assert_eq!(B64.decode(a["contentBytes"].as_str().unwrap()).unwrap(), content);
    let raw = t.get(&user(&format!("/messages/{id}/attachments/{}/$value", a["id"].as_str().unwrap()))).await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("content-type"), Some("text/plain"));
    assert_eq!(raw.text.as_bytes(), content);
}

#[tokio::test]
async fn parameter_names_match_in_any_case_and_save_to_sent_items_false_stores_nothing() {
    let t = T::new().await;
    // The CSDL's names, as generated SDKs send them.
    let r = t
        .post(&user("/sendMail"), json!({"Message": mail(&["a@contoso.com"], json!([])), "SaveToSentItems": false}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(sent_items(&t).await.is_empty());
    assert_eq!(t.get(&user("/mailFolders/sentitems")).await.json()["totalItemCount"], 0);
    // Without saveToSentItems: saved.
    let r = t.post(&user("/sendMail"), json!({"message": mail(&["a@contoso.com"], json!([]))})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(sent_items(&t).await.len(), 1);
    assert_eq!(t.get(&user("/messages")).await.json()["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_mail_gets_graph_errors_and_nothing_is_stored() {
    let t = T::new().await;
    let cases = [
        (json!({"message": mail(&[], json!([]))}), "ErrorInvalidRecipients", "no recipients"),
        (json!({"message": mail(&["not-an-address"], json!([]))}), "ErrorInvalidRecipients", "not-an-address"),
        (json!({"saveToSentItems": true}), "BadRequest", "'Message' is required"),
        (json!({"message": "text"}), "BadRequest", "must be a message"),
        (json!({"message": mail(&["a@contoso.com"], json!([])), "saveToSentItems": "yes"}), "BadRequest", "boolean"),
        (json!({"message": {"subject": "x", "nope": 1}}), "BadRequest", "'nope' does not exist"),
        (
            json!({"message": mail(&["a@contoso.com"], json!([{"name": "x", "contentBytes": "AA=="}]))}),
            "BadRequest",
            "abstract",
        ),
        (
            json!({"message": mail(&["a@contoso.com"], json!([{"@odata.type": "#microsoft.graph.fileAttachment", "name": "x", "contentBytes": "%%%"}]))}),
            "BadRequest",
            "not valid base64",
        ),
        (json!({"message": {}, "extra": 1}), "BadRequest", "not in scope"),
    ];
    for (body, code, words) in cases {
        let r = t.post(&user("/sendMail"), body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.error_code(), code, "{body}: {}", r.text);
        assert!(r.message().contains(words), "{body}: {}", r.text);
    }
    assert!(sent_items(&t).await.is_empty());
}

#[tokio::test]
async fn a_draft_with_an_uploaded_attachment_is_sent_to_sent_items() {
    let t = T::new().await;
    let r = t.post(&user("/messages"), mail(&["alex@contoso.com"], json!([]))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let draft = r.json();
    assert_eq!(draft["isDraft"], true);
    let id = draft["id"].as_str().unwrap().to_string();
    let drafts = t.get(&user("/mailFolders/drafts/messages")).await.json();
    assert_eq!(drafts["value"][0]["id"], id.as_str());

    let total = 5 * 1024 * 1024 + 17;
    let content: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let item = json!({"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": total, "contentType": "application/zip"}});
    let r = t.post(&user(&format!("/messages/{id}/attachments/createUploadSession")), item).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let session = r.json();
    assert_eq!(session["nextExpectedRanges"], json!(["0-"]));
    let url = session["uploadUrl"].as_str().unwrap().to_string();
    assert!(url.contains("authtoken="), "{url}");

    let chunk = 4 * 1024 * 1024;
    let r = put_chunk(&t, &url, &format!("bytes 0-{}/{total}", chunk - 1), content[..chunk].to_vec(), false).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["nextExpectedRanges"], json!([chunk.to_string()]));
    let r =
        put_chunk(&t, &url, &format!("bytes {chunk}-{}/{total}", total - 1), content[chunk..].to_vec(), false).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.text.is_empty());
    let location = r.header("location").unwrap().to_string();
    assert!(location.contains(&format!("/messages('{id}')/attachments('")), "{location}");

    // The attachment is on the draft; the token never reached the log.
    let atts = t.get(&user(&format!("/messages/{id}/attachments"))).await.json();
    assert_eq!(atts["value"][0]["size"], total);
    assert_eq!(B64.decode(atts["value"][0]["contentBytes"].as_str().unwrap()).unwrap(), content);
    let puts: Vec<_> = t.emu.requests().into_iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 2);
    assert!(puts.iter().all(|r| !r.authorization && !r.target.contains("authtoken")), "{puts:?}");

    let r = t.post(&user(&format!("/messages/{id}/send")), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(t.get(&user(&format!("/messages/{id}"))).await.status, 404, "the draft moved");
    assert!(t.get(&user("/mailFolders/drafts/messages")).await.json()["value"].as_array().unwrap().is_empty());
    let sent = sent_items(&t).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["hasAttachments"], true);
    assert_eq!(sent[0]["isDraft"], false);
    let sid = sent[0]["id"].as_str().unwrap();
    let atts = t.get(&user(&format!("/mailFolders/sentitems/messages/{sid}/attachments"))).await.json();
    let aid = atts["value"][0]["id"].as_str().unwrap();
    let raw = t.http.get(t.url(&user(&format!("/messages/{sid}/attachments/{aid}/$value")))).bearer_auth(&t.token);
    let raw = raw.send().await.unwrap();
    assert_eq!(raw.headers().get("content-type").unwrap(), "application/zip");
    assert_eq!(raw.bytes().await.unwrap().as_ref(), content.as_slice(), "binary content through $value");
    // A sent message cannot be sent again.
    let r = t.post(&user(&format!("/messages/{sid}/send")), json!({})).await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "ErrorInvalidRequest"));
}

#[tokio::test]
async fn upload_session_rules() {
    let t = T::new().await;
    let id = t.post(&user("/messages"), mail(&["a@contoso.com"], json!([]))).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let create =
        |size: u64, kind: &str| json!({"AttachmentItem": {"attachmentType": kind, "name": "f.bin", "size": size}});
    let path = user(&format!("/messages/{id}/attachments/createUploadSession"));
    let r = t.post(&path, create(1024, "file")).await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"));
    let r = t.post(&path, create(3 << 20, "reference")).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = t.post(&path, json!({"AttachmentItem": {"attachmentType": "file", "size": 3 << 20}})).await;
    assert!(r.message().contains("'name' is required"), "{}", r.text);

    let total: usize = 3 << 20;
    let r = t.post(&path, create(total as u64, "file")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let url = r.json()["uploadUrl"].as_str().unwrap().to_string();
    let half = total / 2;
    let data = vec![7u8; total];
    // With Authorization: refused, as Outlook refuses a Graph token on the upload URL.
    let r = put_chunk(&t, &url, &format!("bytes 0-{}/{total}", half - 1), data[..half].to_vec(), true).await;
    assert_eq!((r.status, r.error_code().as_str()), (401, "InvalidAuthenticationToken"));
    // A wrong token.
    let forged = format!("{}x", url);
    assert_eq!(put_chunk(&t, &forged, &format!("bytes 0-9/{total}"), vec![0; 10], false).await.status, 401);
    // Malformed, wrong total, wrong length, out of order.
    let r = put_chunk(&t, &url, "bytes 0-9", vec![0; 10], false).await;
    assert_eq!((r.status, r.error_code().as_str()), (400, "invalidRange"));
    assert!(r.message().contains("bytes {start}-{end}/{total}"), "{}", r.text);
    let r = put_chunk(&t, &url, "bytes 0-9/11", vec![0; 10], false).await;
    assert!(r.message().contains("not the session's attachment size"), "{}", r.text);
    let r = put_chunk(&t, &url, &format!("bytes 0-9/{total}"), vec![0; 9], false).await;
    assert!(r.message().contains("The body has 9 bytes"), "{}", r.text);
    let r = put_chunk(&t, &url, &format!("bytes 10-19/{total}"), vec![0; 10], false).await;
    assert_eq!((r.status, r.error_code().as_str()), (416, "invalidRange"));
    assert!(r.message().contains("expects byte 0"), "{}", r.text);
    // None of them took bytes: the right chunk still works, and the session reports it.
    let r = put_chunk(&t, &url, &format!("bytes 0-{}/{total}", half - 1), data[..half].to_vec(), false).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let status = t.http.get(&url).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(status["nextExpectedRanges"], json!([half.to_string()]));
    // Cancelled: gone.
    assert_eq!(t.http.delete(&url).send().await.unwrap().status(), 204);
    let r = put_chunk(&t, &url, &format!("bytes {half}-{}/{total}", total - 1), data[half..].to_vec(), false).await;
    assert_eq!((r.status, r.error_code().as_str()), (404, "ErrorItemNotFound"));
    assert!(t.get(&user(&format!("/messages/{id}/attachments"))).await.json()["value"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn small_attachments_are_posted_to_a_draft_and_new_users_have_folders() {
    let t = T::new().await;
    let id = t.post(&user("/messages"), mail(&["a@contoso.com"], json!([]))).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = t.post(&user(&format!("/messages/{id}/attachments")), file("a.txt", b"abc")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["size"], 3);
    assert_eq!(t.get(&user(&format!("/messages/{id}"))).await.json()["hasAttachments"], true);
    let r = t
        .post(
            &user(&format!("/messages/{id}/attachments")),
            json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "b"}),
        )
        .await;
    assert!(r.message().contains("'contentBytes' is required"), "{}", r.text);

    let folders = t.get(&user("/mailFolders")).await.json();
    let names: Vec<&str> =
        folders["value"].as_array().unwrap().iter().map(|f| f["displayName"].as_str().unwrap()).collect();
    assert!(names.contains(&"Inbox") && names.contains(&"Sent Items") && names.contains(&"Drafts"), "{names:?}");
    let new_user = json!({"accountEnabled": true, "displayName": "Ada", "mailNickname": "ada",
        "userPrincipalName": "ada@contoso.onmicrosoft.com", "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}});
    let ada = t.post("/users", new_user).await.json()["id"].as_str().unwrap().to_string();
    let r = t.get(&format!("/users/{ada}/mailFolders/SENTITEMS")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["totalItemCount"], 0);
}
