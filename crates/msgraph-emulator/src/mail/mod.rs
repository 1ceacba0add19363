//! Outlook mail: every user's mailbox with its well-known folders, `sendMail`, drafts and their
//! `send`, file attachments (inline `contentBytes`, `$value`) and attachment upload sessions
//! ([`upload`]).
//!
//! * A mailbox's messages are stored once, in the user's `messages`, each with its
//!   `parentFolderId`; `/mailFolders/{id}/messages` (and `childFolders/{id}/messages`) is the
//!   view of the messages whose `parentFolderId` is that folder, so a message has one address
//!   per folder path and `/me/messages` lists them all, as in Exchange.
//! * Every user has the well-known folders of [`WELL_KNOWN`] (created with the seed and with
//!   every new user), addressable by their well-known names, case-insensitively
//!   (`/me/mailFolders/sentitems`, `/me/mailFolders('SentItems')`). Their ids are opaque and
//!   stable for a user.
//! * `sendMail` checks its message (recipients, attachments) and answers `202 Accepted`; with
//!   `saveToSentItems` (the default) the message is stored in Sent Items, attachments included.
//!   Messages are not delivered to recipients' mailboxes.
//! * `POST …/messages` creates a draft in Drafts (or in the folder it is posted to);
//!   `POST …/messages/{id}/send` moves it to Sent Items under a new id (Exchange ids change when
//!   an item moves), so the draft's id answers 404 afterwards.

pub(crate) mod upload;

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::StatusCode;
use serde_json::{Map, Value};

use crate::entity::{self, type_name};
use crate::errors::{truncate, Body, GraphError, HandlerResult, Response};
use crate::mailbox::folders::{folder_id, mailbox_of};
pub(crate) use crate::mailbox::folders::{provision, well_known_folder};
use crate::schema::{TypeIndex, SCHEMA};
use crate::state::Shared;
use crate::store::{Child, Collection, Entity, Loc, Root, Store};
use crate::target::{CollKind, CollNode, PropFilter};

/// Storage names of the navigations mail uses.
const MESSAGES: &str = "messages";
const CHILD_FOLDERS: &str = "childFolders";
const ATTACHMENTS: &str = "attachments";

fn type_index(name: &str) -> Option<TypeIndex> {
    SCHEMA.entity_type(name).map(|(i, _)| i)
}

/// Whether `ty` is `name` or derives from it; the name is looked up once (these checks run for
/// every rendered entity).
fn is_a(ty: TypeIndex, base: &OnceLock<Option<TypeIndex>>, name: &str) -> bool {
    base.get_or_init(|| type_index(name)).is_some_and(|b| SCHEMA.is_a(ty, b))
}

/// Whether `ty` is a message (or a type derived from it).
pub(crate) fn is_message(ty: TypeIndex) -> bool {
    static BASE: OnceLock<Option<TypeIndex>> = OnceLock::new();
    is_a(ty, &BASE, "microsoft.graph.message")
}

/// Whether `ty` is a mail folder.
pub(crate) fn is_mail_folder(ty: TypeIndex) -> bool {
    static BASE: OnceLock<Option<TypeIndex>> = OnceLock::new();
    is_a(ty, &BASE, "microsoft.graph.mailFolder")
}

/// Whether `ty` is a file attachment.
pub(crate) fn is_file_attachment(ty: TypeIndex) -> bool {
    static BASE: OnceLock<Option<TypeIndex>> = OnceLock::new();
    is_a(ty, &BASE, "microsoft.graph.fileAttachment")
}

/// For `…/mailFolders/{id}/messages` (any folder depth): the mailbox that stores the messages
/// and the filter that selects the folder's.
pub(crate) fn folder_messages(folder: &Loc, ty: TypeIndex, nav: &str) -> Option<(Loc, PropFilter)> {
    if nav != MESSAGES || !is_mail_folder(ty) {
        return None;
    }
    let key = folder.steps.last()?.key.clone()?;
    let (mailbox, _) = mailbox_of(folder)?;
    Some((mailbox, PropFilter { prop: "parentFolderId", value: key }))
}

/// Output adjustments: `hasAttachments` of messages, the item counts of folders.
pub(crate) fn decorate(store: &Store, loc: &Loc, e: &Entity, m: &mut Map<String, Value>) {
    if is_message(e.ty) {
        let has = match e.children.get(ATTACHMENTS) {
            Some(Child::Many(c)) => c.items.values().any(|a| a.props.get("isInline") != Some(&Value::Bool(true))),
            _ => false,
        };
        m.insert("hasAttachments".into(), Value::Bool(has));
    } else if is_mail_folder(e.ty) {
        let Some(id) = e.key() else { return };
        let (total, unread) = mailbox_of(loc)
            .and_then(|(mb, _)| store.children(&mb, MESSAGES))
            .map(|c| {
                let mine: Vec<&Entity> = c
                    .items
                    .values()
                    .filter(|x| x.props.get("parentFolderId").and_then(Value::as_str) == Some(id))
                    .collect();
                let unread = mine.iter().filter(|x| x.props.get("isRead") == Some(&Value::Bool(false))).count();
                (mine.len(), unread)
            })
            .unwrap_or((0, 0));
        let children = match e.children.get(CHILD_FOLDERS) {
            Some(Child::Many(c)) => c.items.len(),
            _ => 0,
        };
        m.insert("totalItemCount".into(), Value::from(total));
        m.insert("unreadItemCount".into(), Value::from(unread));
        m.insert("childFolderCount".into(), Value::from(children));
    }
}

/// Before a message is created through a collection: a draft, in Drafts unless it is posted to a
/// folder's `messages`.
pub(crate) fn before_create_message(
    shared: &Shared,
    coll: &CollNode,
    props: &mut Map<String, Value>,
) -> Result<(), GraphError> {
    let CollKind::Contained { owner, filter, .. } = &coll.kind else {
        return Err(GraphError::bad_request("Messages are created in a mailbox: POST /users/{id}/messages."));
    };
    let Some((_, user)) = mailbox_of(owner) else {
        return Err(GraphError::not_implemented("The emulator keeps messages in users' mailboxes only."));
    };
    if filter.is_none() {
        props.insert("parentFolderId".into(), Value::String(folder_id(user, "drafts")));
    }
    let now = shared.clock.now_rfc3339();
    props.insert("isDraft".into(), Value::Bool(true));
    props.entry("isRead").or_insert(Value::Bool(true));
    props.insert("lastModifiedDateTime".into(), Value::String(now));
    props.remove("sentDateTime");
    Ok(())
}

/// A new file attachment (POST …/attachments, or inline in a message): `name` and base64
/// `contentBytes` are required; `size`, `contentType`, `isInline` and `lastModifiedDateTime`
/// are set as Graph does.
pub(crate) fn prepare_file_attachment(shared: &Shared, props: &mut Map<String, Value>) -> Result<(), GraphError> {
    if props.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(GraphError::bad_request("The property 'name' is required for a file attachment.")
            .with_inner("ErrorInvalidRequest"));
    }
    let bytes = match props.get("contentBytes") {
        Some(Value::String(s)) => STANDARD.decode(s).map_err(|e| {
            GraphError::bad_request(format!("The property 'contentBytes' is not valid base64: {e}."))
                .with_inner("ErrorInvalidRequest")
        })?,
        _ => {
            return Err(GraphError::bad_request("The property 'contentBytes' is required for a file attachment.")
                .with_inner("ErrorInvalidRequest"))
        }
    };
    props.insert("size".into(), Value::from(bytes.len()));
    props.entry("contentType").or_insert_with(|| Value::String("application/octet-stream".into()));
    props.entry("isInline").or_insert(Value::Bool(false));
    props.insert("lastModifiedDateTime".into(), Value::String(shared.clock.now_rfc3339()));
    Ok(())
}

/// `GET …/attachments/{id}/$value` of a file attachment: its bytes.
pub(crate) fn attachment_value(e: &Entity) -> HandlerResult {
    let text = e.props.get("contentBytes").and_then(Value::as_str).unwrap_or("");
    let bytes = STANDARD.decode(text).map_err(|_| {
        GraphError::new(StatusCode::INTERNAL_SERVER_ERROR, "generalException", "The stored attachment is not base64.")
    })?;
    let ct = e.props.get("contentType").and_then(Value::as_str).unwrap_or("application/octet-stream");
    let mut resp = Response::empty(StatusCode::OK);
    resp.headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(ct).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    resp.body = Body::Raw(bytes.into());
    Ok(resp)
}

/// A parameter of an action body, its name matched case-insensitively.
fn param<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn invalid_recipients(why: &str) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidRecipients",
        format!("At least one recipient isn't valid., {why}"),
    )
}

/// A message can be sent: it has at least one recipient, each with an email address.
fn check_recipients(props: &Map<String, Value>) -> Result<(), GraphError> {
    let mut count = 0usize;
    for field in ["toRecipients", "ccRecipients", "bccRecipients"] {
        let list = match props.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => return Err(GraphError::bad_request(format!("The property '{field}' must be an array."))),
        };
        for r in list {
            let address = r.get("emailAddress").and_then(|a| a.get("address")).and_then(Value::as_str).unwrap_or("");
            let valid =
                address.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'));
            if !valid {
                return Err(invalid_recipients(&format!(
                    "Recipient '{}' isn't resolved. All recipients must be resolved before a message can be submitted.",
                    truncate(address, 200)
                )));
            }
            count += 1;
        }
    }
    if count == 0 {
        return Err(invalid_recipients("A message can't be sent because it contains no recipients."));
    }
    Ok(())
}

/// `{"emailAddress": {"name", "address"}}` of a mailbox's user.
fn sender(store: &Store, mailbox: &Loc) -> Value {
    let user = store.entity(mailbox);
    let get = |k: &str| user.and_then(|u| u.props.get(k)).and_then(Value::as_str).filter(|s| !s.is_empty());
    let address = get("mail").or_else(|| get("userPrincipalName")).unwrap_or("");
    serde_json::json!({"emailAddress": {"name": get("displayName").unwrap_or(address), "address": address}})
}

/// The message of a `sendMail` body, checked: its properties and its attachments.
fn message_from_body(
    shared: &Shared,
    value: &Value,
) -> Result<(TypeIndex, Map<String, Value>, Collection), GraphError> {
    let Value::Object(obj) = value else {
        return Err(GraphError::bad_request("The parameter 'Message' must be a message object."));
    };
    let base = type_index("microsoft.graph.message")
        .ok_or_else(|| GraphError::not_implemented("The schema has no message type."))?;
    let ty = entity::concrete_type(obj, base)?;
    let checked = entity::check_body(ty, obj)?;
    if let Some((nav, _)) = checked.binds.first() {
        return Err(GraphError::bad_request(format!("'{}@odata.bind' is not valid in a message.", nav.name)));
    }
    let mut nested = checked.nested;
    let attachments = inline_attachments(shared, ty, &mut nested)?.map(|(_, c)| c).unwrap_or_default();
    if let Some((nav, _)) = nested.first() {
        return Err(GraphError::not_implemented(format!(
            "The emulator does not store '{}' sent inline with a message.",
            nav.name
        )));
    }
    Ok((ty, checked.props, attachments))
}

/// Takes the `attachments` of a message body out of its nested values, checked (file
/// attachments only) and with their ids: `(storage name, attachments)`. `None` for other types
/// or without attachments.
pub(crate) fn inline_attachments(
    shared: &Shared,
    ty: TypeIndex,
    nested: &mut Vec<(&'static crate::schema::Navigation, Value)>,
) -> Result<Option<(&'static str, Collection)>, GraphError> {
    if !is_message(ty) {
        return Ok(None);
    }
    let Some(pos) = nested.iter().position(|(nav, _)| nav.name == ATTACHMENTS) else { return Ok(None) };
    let (nav, value) = nested.remove(pos);
    let Value::Array(items) = value else {
        return Err(GraphError::bad_request("The property 'attachments' must be an array."));
    };
    let mut attachments = Collection::default();
    for item in items {
        let Value::Object(a) = item else {
            return Err(GraphError::bad_request("Each attachment must be an object."));
        };
        let aty = entity::concrete_type(&a, nav.target)?;
        if !is_file_attachment(aty) {
            return Err(GraphError::not_implemented(format!(
                "The emulator stores file attachments only, not '{}'.",
                type_name(aty)
            )));
        }
        let mut props = entity::check_body(aty, &a)?.props;
        prepare_file_attachment(shared, &mut props)?;
        let id = shared.new_uuid();
        props.insert("id".into(), Value::String(id.clone()));
        attachments.items.insert(id, Entity::new(aty, props));
    }
    Ok((!attachments.items.is_empty()).then_some((nav.name, attachments)))
}

/// Stores a sent message in the mailbox's Sent Items under a new id.
fn store_sent(
    shared: &Shared,
    store: &mut Store,
    mailbox: &Loc,
    user: &str,
    ty: TypeIndex,
    mut props: Map<String, Value>,
    children: std::collections::BTreeMap<&'static str, Child>,
) -> Result<String, GraphError> {
    let now = shared.clock.now_rfc3339();
    let id = shared.new_uuid();
    let from = sender(store, mailbox);
    props.insert("id".into(), Value::String(id.clone()));
    props.insert("parentFolderId".into(), Value::String(folder_id(user, "sentitems")));
    props.insert("isDraft".into(), Value::Bool(false));
    props.insert("isRead".into(), Value::Bool(true));
    props.insert("sentDateTime".into(), Value::String(now.clone()));
    props.insert("receivedDateTime".into(), Value::String(now.clone()));
    props.insert("lastModifiedDateTime".into(), Value::String(now.clone()));
    props.entry("createdDateTime").or_insert_with(|| Value::String(now));
    props.entry("from").or_insert_with(|| from.clone());
    props.insert("sender".into(), from);
    let preview = props
        .get("body")
        .and_then(|b| b.get("content"))
        .and_then(Value::as_str)
        .map(|c| c.chars().take(255).collect::<String>());
    if let Some(p) = preview {
        props.insert("bodyPreview".into(), Value::String(p));
    }
    let mut e = Entity::new(ty, props);
    e.children = children;
    provision(store, mailbox);
    let messages =
        store.children_mut(mailbox, MESSAGES).ok_or_else(|| GraphError::not_found("ErrorItemNotFound", user))?;
    messages.items.insert(id.clone(), e);
    Ok(id)
}

/// `POST /users/{id}/sendMail`.
pub(crate) fn send_mail(
    shared: &Shared,
    store: &mut Store,
    user_loc: &Loc,
    body: Option<&Map<String, Value>>,
) -> HandlerResult {
    let Some((mailbox, user)) = mailbox_of(user_loc).filter(|_| user_loc.steps.is_empty()) else {
        return Err(GraphError::not_implemented("The emulator sends mail from users' mailboxes only."));
    };
    let user = user.to_string();
    let body = body.ok_or_else(|| GraphError::bad_request("Empty Payload. JSON content expected."))?;
    let message = param(body, "Message").filter(|m| !m.is_null()).ok_or_else(|| {
        GraphError::bad_request("The parameter 'Message' is required: send {\"message\": {...}}.")
            .with_inner("ErrorInvalidRequest")
    })?;
    let save = match param(body, "SaveToSentItems") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(GraphError::bad_request("The parameter 'SaveToSentItems' must be a boolean.")),
    };
    let (ty, props, attachments) = message_from_body(shared, message)?;
    check_recipients(&props)?;
    if save {
        let mut children = std::collections::BTreeMap::new();
        if !attachments.items.is_empty() {
            children.insert(ATTACHMENTS, Child::Many(attachments));
        }
        store_sent(shared, store, &mailbox, &user, ty, props, children)?;
    }
    Ok(Response::empty(StatusCode::ACCEPTED))
}

/// `POST /users/{id}/messages/{id}/send`: sends a draft, which moves to Sent Items.
pub(crate) fn send_draft(shared: &Shared, store: &mut Store, loc: &Loc) -> HandlerResult {
    let Some((mailbox, user)) = mailbox_of(loc) else {
        return Err(GraphError::not_implemented("The emulator sends mail from users' mailboxes only."));
    };
    let user = user.to_string();
    let draft = store.entity(loc).ok_or_else(|| GraphError::not_found("ErrorItemNotFound", "message"))?;
    if draft.props.get("isDraft") != Some(&Value::Bool(true)) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRequest",
            "Only a draft can be sent: this message was sent already.",
        ));
    }
    check_recipients(&draft.props)?;
    let Some(draft) = store.remove(loc) else {
        return Err(GraphError::not_found("ErrorItemNotFound", "message"));
    };
    store_sent(shared, store, &mailbox, &user, draft.ty, draft.props, draft.children)?;
    Ok(Response::empty(StatusCode::ACCEPTED))
}

/// The relative URL of an entity location (`users('u')/messages('m')`).
pub(crate) fn loc_path(loc: &Loc) -> String {
    let q = |s: &str| format!("('{}')", s.replace('\'', "''"));
    let mut out = match &loc.root {
        Root::Set(set, id) => format!("{set}{}", q(id)),
        Root::Singleton(name) => (*name).to_string(),
    };
    for step in &loc.steps {
        out.push('/');
        out.push_str(step.nav);
        if let Some(k) = &step.key {
            out.push_str(&q(k));
        }
    }
    out
}

/// Adds a finished upload to the attachments of the item at `owner`; returns its id.
pub(crate) fn add_uploaded_attachment(
    shared: &Shared,
    owner: &Loc,
    mut props: Map<String, Value>,
    bytes: &[u8],
) -> Result<String, GraphError> {
    let ty = type_index("microsoft.graph.fileAttachment")
        .ok_or_else(|| GraphError::not_implemented("The schema has no fileAttachment type."))?;
    let id = shared.new_uuid();
    props.insert("id".into(), Value::String(id.clone()));
    props.insert("contentBytes".into(), Value::String(STANDARD.encode(bytes)));
    props.insert("size".into(), Value::from(bytes.len()));
    props.insert("lastModifiedDateTime".into(), Value::String(shared.clock.now_rfc3339()));
    let mut store = shared.write();
    let attachments =
        store.entity(owner).is_some().then_some(()).and_then(|()| store.children_mut(owner, ATTACHMENTS)).ok_or_else(
            || GraphError::not_found("ErrorItemNotFound", "the item of the upload session (deleted or sent meanwhile)"),
        )?;
    attachments.items.insert(id.clone(), Entity::new(ty, props));
    Ok(id)
}
