//! Sending mail with attachments of any size: [`UserBuilder::send_mail_with_attachments`].
//!
//! Graph takes attachments two ways. Small ones travel inline, base64 in `contentBytes`, in the
//! `sendMail` body (or POSTed to a draft's `attachments`), within Graph's 4 MB request limit.
//! Files of 3 MB and more go through an attachment upload session: create a draft
//! (`POST …/messages`), `POST …/messages/{id}/attachments/createUploadSession`, `PUT` the bytes
//! in chunks to the session's pre-authenticated `uploadUrl` (no `Authorization` header, at most
//! 4 MiB per request), then `POST …/messages/{id}/send`.
//!
//! For one small attachment, `send_mail` reads well as it is:
//!
//! ```no_run
//! # async fn demo(client: &msgraph::GraphClient) -> Result<(), msgraph::Error> {
//! use msgraph::models::{FileAttachment, ItemBody, Message, Recipient};
//!
//! let message = Message {
//!     subject: Some("Minutes".into()),
//!     body: Some(ItemBody::text("Attached.")),
//!     to_recipients: Some(vec![Recipient::address("alex@contoso.com").into()]),
//!     attachments: Some(vec![FileAttachment::from_bytes("minutes.txt", "text/plain", b"...".to_vec()).into()]),
//!     ..Default::default()
//! };
//! client.me().send_mail(message.into(), true).send().await?; // POST /me/sendMail, 202
//! # Ok(()) }
//! ```
//!
//! The generated `send_mail` writes the parameters with the names of Graph's metadata,
//! `{"Message": {…}, "SaveToSentItems": true}`; Graph matches action parameter names
//! case-insensitively (its documentation writes `message` and `saveToSentItems`). A file
//! attachment is written with its `@odata.type` (`#microsoft.graph.fileAttachment`), which Graph
//! requires for the polymorphic `attachments`.

use msgraph_core::builder::Builder;
use msgraph_core::error::{Error, ErrorKind, Result};
use msgraph_core::upload::{LargeFileUpload, CHUNK_UNIT};

use crate::builders::{MessageBuilder, UserBuilder};
use crate::models::{AttachmentItem, AttachmentKind, AttachmentType, FileAttachment, Message, MessageKind};

/// Attachment bytes that travel inline: up to this many in all, one `sendMail` sends the
/// message; a single attachment of this size or more goes through an upload session. 3 MB, as
/// Graph documents: base64 makes them 4 MB, Graph's request limit.
pub const INLINE_LIMIT: usize = 3_000_000;

/// Chunk size of attachment upload sessions: 12 × 320 KiB (3.75 MiB), under Outlook's 4 MiB per
/// request and a multiple of 320 KiB, as the uploader requires.
pub const ATTACHMENT_CHUNK: usize = 12 * CHUNK_UNIT;

/// How [`UserBuilder::send_mail_with_attachments`] sent a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentMail {
    /// The draft that was created, filled and sent, when the attachments did not fit inline;
    /// `None` when one `sendMail` sent everything. (Sending moves the draft to Sent Items, where
    /// Exchange gives it a new id.)
    pub draft_id: Option<String>,
    /// Attachments sent inline: in the `sendMail` body, or each POSTed to the draft.
    pub inline: usize,
    /// Attachments uploaded through an upload session.
    pub uploaded: usize,
}

/// The inline bytes of the file attachments already in a message.
fn own_attachment_bytes(message: &Message) -> usize {
    message.attachments.iter().flatten().filter_map(AttachmentKind::as_file_attachment).map(|a| a.content_len()).sum()
}

impl UserBuilder {
    /// Sends `message` from this user's mailbox with `attachments`, choosing how by size.
    ///
    /// * Up to [`INLINE_LIMIT`] attachment bytes in all (those already in
    ///   `message.attachments` count too): one `POST …/sendMail` with everything inline, saved
    ///   to Sent Items.
    /// * More: a draft (`POST …/messages`, with `message` as it is), then each attachment —
    ///   smaller than [`INLINE_LIMIT`]: `POST …/messages/{id}/attachments`; else an upload
    ///   session, `PUT` in [`ATTACHMENT_CHUNK`] chunks without `Authorization`, resumed after a
    ///   failure by the runtime's [`LargeFileUpload`] — then `POST …/messages/{id}/send`, which
    ///   moves the draft to Sent Items (Graph's `send` has no `saveToSentItems`).
    ///
    /// Nothing is lost on failure: `message` and `attachments` are borrowed, and an error after
    /// the draft was created says so and names it ("the message was not sent; its draft {id}
    /// was kept"), keeping the Graph error's kind, status and code, so the caller can retry or
    /// delete the draft.
    ///
    /// ```no_run
    /// # async fn demo(client: &msgraph::GraphClient, report: Vec<u8>) -> Result<(), msgraph::Error> {
    /// use msgraph::models::{FileAttachment, Message, Recipient};
    ///
    /// let message = Message {
    ///     subject: Some("Q3 report".into()),
    ///     to_recipients: Some(vec![Recipient::address("alex@contoso.com").into()]),
    ///     ..Default::default()
    /// };
    /// let pdf = FileAttachment::from_bytes("q3.pdf", "application/pdf", report); // any size
    /// let sent = client.me().send_mail_with_attachments(&message, &[pdf]).await?;
    /// println!("uploaded {} attachment(s) through a session", sent.uploaded);
    /// # Ok(()) }
    /// ```
    pub async fn send_mail_with_attachments(
        &self,
        message: &Message,
        attachments: &[FileAttachment],
    ) -> Result<SentMail> {
        let total = attachments.iter().map(FileAttachment::content_len).sum::<usize>() + own_attachment_bytes(message);
        if total <= INLINE_LIMIT {
            let mut inline = message.clone();
            let mut all = inline.attachments.take().unwrap_or_default();
            all.extend(attachments.iter().cloned().map(AttachmentKind::from));
            inline.attachments = Some(all);
            self.send_mail(MessageKind::from(inline), true).send().await?;
            return Ok(SentMail { draft_id: None, inline: attachments.len(), uploaded: 0 });
        }
        let draft = self.messages().create(message).send().await?;
        let id = draft.id.clone().ok_or_else(|| Error::new(ErrorKind::Decode, "the created draft has no id"))?;
        let kept = |e: Error| e.context(&format!("the message was not sent; its draft {id} was kept"));
        let builder = self.messages().by_id(&id);
        let mut sent = SentMail { draft_id: Some(id.clone()), inline: 0, uploaded: 0 };
        for a in attachments {
            if a.content_len() < INLINE_LIMIT {
                let request = builder.attachments().node().create::<AttachmentKind>(a);
                request.send().await.map_err(|e| kept(e.context("adding an attachment")))?;
                sent.inline += 1;
            } else {
                upload_attachment(&builder, a).await.map_err(|e| kept(e.context("uploading an attachment")))?;
                sent.uploaded += 1;
            }
        }
        builder.send().send().await.map_err(kept)?;
        Ok(sent)
    }
}

/// One attachment through an upload session on the draft (the one place this module drives the
/// runtime's uploader).
async fn upload_attachment(draft: &MessageBuilder, a: &FileAttachment) -> Result<()> {
    let bytes = a.content_bytes.as_ref().map(|b| b.as_bytes().to_vec()).unwrap_or_default();
    let size = i64::try_from(bytes.len()).map_err(|_| Error::new(ErrorKind::Validation, "attachment too large"))?;
    let item = AttachmentItem {
        attachment_type: Some(AttachmentType::File),
        name: a.name.clone(),
        size: Some(size),
        content_type: a.content_type.clone(),
        is_inline: a.is_inline,
        content_id: a.content_id.clone(),
        ..Default::default()
    };
    let create = draft.attachments().create_upload_session(item);
    let mut upload = LargeFileUpload::create(create, bytes).await?.chunk_size(ATTACHMENT_CHUNK);
    upload.upload_raw().await?;
    Ok(())
}
