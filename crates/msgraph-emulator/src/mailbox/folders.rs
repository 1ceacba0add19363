//! Every mailbox's well-known folders: their ids, names and creation. Free of the shared
//! state, so that loading the seed can create them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

use crate::schema::SCHEMA;
use crate::store::{Entity, Loc, Root, Store};

/// The well-known folders every mailbox has: `(well-known name, display name)`.
pub(crate) const WELL_KNOWN: &[(&str, &str)] = &[
    ("inbox", "Inbox"),
    ("drafts", "Drafts"),
    ("sentitems", "Sent Items"),
    ("deleteditems", "Deleted Items"),
    ("outbox", "Outbox"),
    ("junkemail", "Junk Email"),
    ("archive", "Archive"),
];

/// The root folder the well-known folders are children of (not itself listed).
const ROOT_FOLDER: &str = "msgfolderroot";

const MAIL_FOLDERS: &str = "mailFolders";

/// The id of a well-known folder of a user: opaque, and the same for the same user and name.
pub(crate) fn folder_id(user_id: &str, name: &str) -> String {
    format!("AAMk{}", URL_SAFE_NO_PAD.encode(format!("{user_id}/{name}")))
}

/// The mailbox (the user) an entity at `loc` belongs to.
pub(crate) fn mailbox_of(loc: &Loc) -> Option<(Loc, &str)> {
    match &loc.root {
        Root::Set("users", id) => Some((Loc { root: loc.root.clone(), steps: vec![] }, id.as_str())),
        _ => None,
    }
}

/// The id of the well-known folder `name` (any case) when `owner`'s `nav` is a mailbox's
/// `mailFolders`.
pub(crate) fn well_known_folder(owner: &Loc, nav: &str, name: &str) -> Option<String> {
    if nav != MAIL_FOLDERS || !owner.steps.is_empty() {
        return None;
    }
    let (_, user) = mailbox_of(owner)?;
    let (wk, _) = WELL_KNOWN.iter().find(|(wk, _)| wk.eq_ignore_ascii_case(name))?;
    Some(folder_id(user, wk))
}

/// Creates the well-known folders of the user at `user` (those missing).
pub(crate) fn provision(store: &mut Store, user: &Loc) {
    let (Some((_, id)), Some((ty, _))) = (mailbox_of(user), SCHEMA.entity_type("microsoft.graph.mailFolder")) else {
        return;
    };
    let id = id.to_string();
    let Some(folders) = store.children_mut(user, MAIL_FOLDERS) else { return };
    for (wk, display) in WELL_KNOWN {
        let fid = folder_id(&id, wk);
        if folders.items.contains_key(&fid) {
            continue;
        }
        let mut props = Map::new();
        props.insert("id".into(), Value::String(fid.clone()));
        props.insert("displayName".into(), Value::String((*display).into()));
        props.insert("parentFolderId".into(), Value::String(folder_id(&id, ROOT_FOLDER)));
        props.insert("isHidden".into(), Value::Bool(false));
        folders.items.insert(fid, Entity::new(ty, props));
    }
}

/// Creates the well-known folders of every user.
pub(crate) fn provision_all(store: &mut Store) {
    let users: Vec<String> = store.sets.get("users").map(|u| u.items.keys().cloned().collect()).unwrap_or_default();
    for id in users {
        provision(store, &Loc { root: Root::Set("users", id), steps: vec![] });
    }
}
