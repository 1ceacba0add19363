//! Type-specific behaviour on top of the generic store: users, groups, authentication methods
//! (phone rules in [`crate::phone`]), mail (in [`crate::mail`]) and the built-in bound-operation
//! handlers.

use hyper::StatusCode;
use serde_json::{Map, Value};

use crate::entity::type_name;
use crate::errors::{truncate, GraphError, HandlerResult};
use crate::mail;
use crate::phone;
use crate::schema::{Operation, TypeIndex, SCHEMA};
use crate::state::Shared;
use crate::store::{Entity, Loc, Store};
use crate::target::{Binding, CollKind, CollNode};

/// Fixed id of the email authentication method (Graph uses one per user).
pub(crate) const EMAIL_METHOD_ID: &str = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f";

/// Authentication method types that can be created (`POST`) in the emulator; others answer 405,
/// as Graph v1.0 does not create them through these collections.
const CREATABLE_METHODS: &[&str] = &[phone::TYPE, "microsoft.graph.emailAuthenticationMethod"];

pub(crate) fn is_auth_method(ty: TypeIndex) -> bool {
    SCHEMA.entity_type("microsoft.graph.authenticationMethod").is_some_and(|(b, _)| SCHEMA.is_a(ty, b))
}

fn required(props: &Map<String, Value>, names: &[&str], what: &str) -> Result<(), GraphError> {
    for n in names {
        if props.get(*n).is_none_or(Value::is_null) {
            return Err(GraphError::bad_request(format!("Property '{n}' is required when creating a {what}."))
                .with_inner("Request_BadRequest"));
        }
    }
    Ok(())
}

fn check_upn(shared: &Shared, store: &Store, upn: &str, except: Option<&str>) -> Result<(), GraphError> {
    let Some((local, domain)) = upn.rsplit_once('@') else {
        return Err(GraphError::bad_request(format!(
            "Invalid value specified for property 'userPrincipalName' of resource 'User': '{}' has no domain.",
            truncate(upn, 100)
        ))
        .with_inner("Request_BadRequest"));
    };
    if local.is_empty() || !shared.seed.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return Err(GraphError::bad_request(
            "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
        )
        .with_inner("Request_BadRequest"));
    }
    let taken = store.sets.get("users").is_some_and(|u| {
        u.items.iter().any(|(id, e)| {
            Some(id.as_str()) != except
                && e.props.get("userPrincipalName").and_then(Value::as_str).is_some_and(|x| x.eq_ignore_ascii_case(upn))
        })
    });
    if taken {
        return Err(GraphError::bad_request(
            "Another object with the same value for property userPrincipalName already exists.",
        )
        .with_inner("Request_BadRequest"));
    }
    Ok(())
}

/// Before a create: may fix the id. `ty` is the concrete type.
pub(crate) fn before_create(
    shared: &Shared,
    store: &Store,
    coll: &CollNode,
    ty: TypeIndex,
    props: &mut Map<String, Value>,
) -> Result<Option<String>, GraphError> {
    match type_name(ty) {
        "microsoft.graph.user" => {
            required(
                props,
                &["accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile"],
                "user",
            )?;
            let upn = props.get("userPrincipalName").and_then(Value::as_str).unwrap_or("").to_string();
            check_upn(shared, store, &upn, None)?;
            let password = props.get("passwordProfile").and_then(|p| p.get("password")).and_then(Value::as_str);
            if password.is_none_or(str::is_empty) {
                return Err(GraphError::bad_request("passwordProfile.password is required when creating a user.")
                    .with_inner("Request_BadRequest"));
            }
            Ok(None)
        }
        "microsoft.graph.group" => {
            required(props, &["displayName", "mailEnabled", "mailNickname", "securityEnabled"], "group")?;
            Ok(None)
        }
        name if is_auth_method(ty) => {
            let CollKind::Contained { owner, view, .. } = &coll.kind else {
                return Err(GraphError::bad_request("Authentication methods belong to a user's authentication."));
            };
            if view.is_none() {
                return Err(GraphError::method_not_allowed(
                    "POST",
                    "/authentication/methods: create through the typed collection (phoneMethods, emailMethods)",
                ));
            }
            if !CREATABLE_METHODS.contains(&name) {
                return Err(GraphError::method_not_allowed(
                    "POST",
                    &format!("a collection of '{name}' (the emulator creates only phone and email methods)"),
                ));
            }
            if name == phone::TYPE {
                return phone::before_create(store, owner, props).map(Some);
            }
            // Email: one per user, fixed id.
            let email = props.get("emailAddress").and_then(Value::as_str).unwrap_or("");
            if !email.contains('@') {
                return Err(GraphError::bad_request(
                    "The property 'emailAddress' is required and must be an email address.",
                )
                .with_inner("invalidEmailAddress"));
            }
            if store
                .entity(&owner.child(crate::store::Step { nav: "methods", key: Some(EMAIL_METHOD_ID.into()), ty }))
                .is_some()
            {
                return Err(GraphError::new(StatusCode::CONFLICT, "conflict", "The user already has an email method.")
                    .with_inner("emailMethodAlreadyExists"));
            }
            Ok(Some(EMAIL_METHOD_ID.to_string()))
        }
        _ if mail::is_message(ty) => mail::before_create_message(shared, coll, props).map(|()| None),
        _ if mail::is_file_attachment(ty) => mail::prepare_file_attachment(shared, props).map(|()| None),
        _ => Ok(None),
    }
}

/// After a top-level entity was created: a new user gets its mailbox's well-known folders.
pub(crate) fn after_create(_shared: &Shared, store: &mut Store, loc: &Loc, ty: TypeIndex) {
    if type_name(ty) == "microsoft.graph.user" {
        mail::provision(store, loc);
    }
}

/// Before a PATCH (`patch` already checked against the schema; the key removed).
pub(crate) fn before_update(
    shared: &Shared,
    store: &Store,
    loc: &Loc,
    current: &Entity,
    patch: &mut Map<String, Value>,
) -> Result<(), GraphError> {
    match type_name(current.ty) {
        "microsoft.graph.user" => {
            if let Some(upn) = patch.get("userPrincipalName") {
                let upn = upn.as_str().ok_or_else(|| GraphError::bad_request("userPrincipalName cannot be null."))?;
                let id = current.key().map(String::from);
                check_upn(shared, store, upn, id.as_deref())?;
            }
            Ok(())
        }
        phone::TYPE => phone::before_update(store, loc, current, patch),
        "microsoft.graph.passwordAuthenticationMethod" => {
            Err(GraphError::method_not_allowed("PATCH", "a password method: use the resetPassword action"))
        }
        _ => Ok(()),
    }
}

/// Before a DELETE.
pub(crate) fn before_delete(_shared: &Shared, store: &Store, loc: &Loc, current: &Entity) -> Result<(), GraphError> {
    match type_name(current.ty) {
        phone::TYPE => phone::before_delete(store, loc, current),
        "microsoft.graph.passwordAuthenticationMethod" => {
            Err(GraphError::method_not_allowed("DELETE", "a password method: a user's password cannot be deleted"))
        }
        _ => Ok(()),
    }
}

/// Output adjustments: secrets never leave, computed states follow the policy.
pub(crate) fn decorate(_shared: &Shared, store: &Store, loc: &Loc, e: &Entity, m: &mut Map<String, Value>) {
    match type_name(e.ty) {
        "microsoft.graph.user" => {
            m.remove("passwordProfile");
        }
        "microsoft.graph.passwordAuthenticationMethod" => {
            m.insert("password".into(), Value::Null);
        }
        phone::TYPE => phone::decorate(store, loc, m),
        _ => mail::decorate(store, loc, e, m),
    }
}

/// Built-in handlers for bound operations; `None` when there is none (the caller answers 501).
pub(crate) fn operation(
    shared: &Shared,
    store: &mut Store,
    binding: &Binding,
    op: &'static Operation,
    body: Option<&Map<String, Value>>,
) -> Option<HandlerResult> {
    match (op.name, binding) {
        ("microsoft.graph.enableSmsSignIn", Binding::Ent(e)) => Some(phone::sms_action(store, &e.loc, true)),
        ("microsoft.graph.disableSmsSignIn", Binding::Ent(e)) => Some(phone::sms_action(store, &e.loc, false)),
        ("microsoft.graph.sendMail", Binding::Ent(e)) => Some(mail::send_mail(shared, store, &e.loc, body)),
        ("microsoft.graph.send", Binding::Ent(e)) if store.entity(&e.loc).is_some_and(|m| mail::is_message(m.ty)) => {
            Some(mail::send_draft(shared, store, &e.loc))
        }
        ("microsoft.graph.createUploadSession", Binding::Coll(c)) => match &c.kind {
            CollKind::Contained { owner, nav: "attachments", .. } => {
                Some(mail::upload::create(shared, store, owner, body))
            }
            _ => None,
        },
        _ => None,
    }
}
