//! Send mail with attachments, then read it back from Sent Items.
//!
//! 1. A small attachment travels inline: `FileAttachment::from_bytes` in the message, one
//!    `POST /users/{id}/sendMail`.
//! 2. A 4 MB one does not fit inline: `send_mail_with_attachments` creates a draft, uploads the
//!    file through an attachment upload session (chunks `PUT` to a pre-authenticated URL, no
//!    `Authorization` header) and sends the draft.
//! 3. Both messages are read back from the Sent Items folder (`mailFolders/sentitems`), with
//!    their attachments' bytes compared to what was sent.
//!
//! With no configuration it starts the embedded Graph emulator on 127.0.0.1 and runs against
//! it, signed in as an app (client credentials; `sendMail` for a user needs the `Mail.Send`
//! application permission). With `MSGRAPH_TENANT_ID`, `MSGRAPH_CLIENT_ID`,
//! `MSGRAPH_CLIENT_SECRET` and `MSGRAPH_USER` (the sender's id or UPN) it talks to Microsoft
//! Graph and sends real mail to `MSGRAPH_USER` itself.
//!
//! Run: `cargo run --example send_mail`

use msgraph::auth::ClientSecretCredential;
use msgraph::models::{AttachmentKind, FileAttachment, ItemBody, Message, Recipient};
use msgraph::GraphClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut _emulator = None; // kept alive for the whole run
    let (client, sender) = match (env("MSGRAPH_TENANT_ID"), env("MSGRAPH_CLIENT_ID"), env("MSGRAPH_CLIENT_SECRET")) {
        (Some(tenant), Some(client_id), Some(secret)) => {
            let sender = env("MSGRAPH_USER").ok_or("set MSGRAPH_USER to the sender's id or userPrincipalName")?;
            let credential = ClientSecretCredential::new(tenant, client_id, secret);
            (GraphClient::builder().credential(credential).build()?, sender)
        }
        _ => {
            let emu = msgraph_emulator::Emulator::start().await?;
            println!("started the local Graph emulator at {}", emu.base_url());
            let app = emu.app().clone();
            let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
                .with_authority_host(emu.login_base_url());
            let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;
            let sender = emu.signed_in_user().user_principal_name;
            _emulator = Some(emu);
            (client, sender)
        }
    };
    let user = client.users().by_id(&sender);
    let to = vec![Recipient::address(sender.as_str()).into()];

    // 1. Inline: the attachment is part of the sendMail body.
    let notes = b"Agenda:\n1. Numbers\n2. Plans\n".to_vec();
    let message = Message {
        subject: Some("Meeting notes".into()),
        body: Some(ItemBody::text("The notes are attached.")),
        to_recipients: Some(to.clone()),
        attachments: Some(vec![FileAttachment::from_bytes("notes.txt", "text/plain", notes.clone()).into()]),
        ..Default::default()
    };
    user.send_mail(message.into(), true).send().await?;
    println!("sent \"Meeting notes\" with notes.txt inline ({} bytes)", notes.len());

    // 2. Through an upload session: 4 MB is over what Graph takes inline.
    let report: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    let message = Message {
        subject: Some("Quarterly report".into()),
        body: Some(ItemBody::text("The report is attached.")),
        to_recipients: Some(to),
        ..Default::default()
    };
    let attachment = FileAttachment::from_bytes("report.bin", "application/octet-stream", report.clone());
    let sent = user.send_mail_with_attachments(&message, &[attachment]).await?;
    println!(
        "sent \"Quarterly report\" through a draft: {} attachment(s) uploaded, {} inline",
        sent.uploaded, sent.inline
    );

    // 3. Read both back from Sent Items, attachments included.
    let sent_items = user.mail_folders().by_id("sentitems").messages().list().send().await?;
    for m in &sent_items.value {
        let id = m.id.as_deref().ok_or("a message without id")?;
        let attachments = user.messages().by_id(id).attachments().list().send().await?;
        for a in &attachments.value {
            let AttachmentKind::FileAttachment(file) = a else { continue };
            let content = file.content_bytes.as_ref().map_or(&[][..], |b| b.as_bytes());
            let expected: &[u8] = if file.name.as_deref() == Some("notes.txt") { &notes } else { &report };
            println!(
                "in Sent Items: {:?} with {:?} ({} bytes, content {})",
                m.subject.as_deref().unwrap_or(""),
                file.name.as_deref().unwrap_or(""),
                content.len(),
                if content == expected { "equal" } else { "DIFFERENT" }
            );
        }
    }
    Ok(())
}
