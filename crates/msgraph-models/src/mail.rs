//! Hand-written constructors for the mail models: what sending a message takes, in one call each.

#[cfg(any(feature = "calendar", feature = "groups", feature = "mail"))]
impl crate::models::FileAttachment {
    /// A file attachment with its content inline (`contentBytes`, base64 on the wire), its
    /// `name` and MIME `contentType`; `size` is the content's length. Graph takes attachments
    /// inline up to a 4 MB request (3 MB of content, as Graph documents); larger files go
    /// through an upload session.
    ///
    /// ```
    /// # #[cfg(feature = "mail")] {
    /// use msgraph_models::models::{FileAttachment, ItemBody, Message, Recipient};
    ///
    /// let message = Message {
    ///     subject: Some("Quarterly report".into()),
    ///     body: Some(ItemBody::text("The numbers are attached.")),
    ///     to_recipients: Some(vec![Recipient::address("alex@contoso.com").into()]),
    ///     attachments: Some(vec![FileAttachment::from_bytes("q3.csv", "text/csv", b"region,total\n".to_vec()).into()]),
    ///     ..Default::default()
    /// };
    /// let json = msgraph_codec::model::to_request_body(&message);
    /// assert!(json.contains(r##""@odata.type":"#microsoft.graph.fileAttachment""##), "{json}");
    /// assert!(json.contains(r#""contentBytes":"cmVnaW9uLHRvdGFsCg==""#), "{json}");
    /// # }
    /// ```
    pub fn from_bytes(
        name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> crate::models::FileAttachment {
        let bytes: Vec<u8> = bytes.into();
        let mut a = crate::models::FileAttachment::default();
        a.base.name = Some(name.into());
        a.base.content_type = Some(content_type.into());
        a.base.size = i32::try_from(bytes.len()).ok();
        a.content_bytes = Some(bytes.into());
        a
    }

    /// The inline content's length in bytes (0 without content).
    pub fn content_len(&self) -> usize {
        self.content_bytes.as_ref().map_or(0, |b| b.as_bytes().len())
    }
}

#[cfg(feature = "mail")]
impl crate::models::Recipient {
    /// A recipient by email address (`.into()` makes the `RecipientKind` that recipient lists
    /// such as `Message::to_recipients` hold).
    pub fn address(address: impl Into<String>) -> crate::models::Recipient {
        crate::models::Recipient {
            email_address: Some(crate::models::EmailAddress { address: Some(address.into()), ..Default::default() }),
            ..Default::default()
        }
    }

    /// A recipient by display name and email address.
    pub fn named(name: impl Into<String>, address: impl Into<String>) -> crate::models::Recipient {
        crate::models::Recipient {
            email_address: Some(crate::models::EmailAddress {
                address: Some(address.into()),
                name: Some(name.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

#[cfg(feature = "mail")]
impl crate::models::ItemBody {
    /// A plain-text body.
    pub fn text(content: impl Into<String>) -> crate::models::ItemBody {
        crate::models::ItemBody {
            content: Some(content.into()),
            content_type: Some(crate::models::BodyType::Text),
            ..Default::default()
        }
    }

    /// An HTML body.
    pub fn html(content: impl Into<String>) -> crate::models::ItemBody {
        crate::models::ItemBody {
            content: Some(content.into()),
            content_type: Some(crate::models::BodyType::Html),
            ..Default::default()
        }
    }
}
