//! Phone authentication methods with Graph's rules.
//!
//! | rule | status | `code` | `innerError.code` |
//! |---|---|---|---|
//! | `phoneNumber` missing or not `+{cc} {number}[x{ext}]` | 400 | `badRequest` | `invalidPhoneNumber` |
//! | `phoneType` missing or not `mobile`/`alternateMobile`/`office` | 400 | `badRequest` | `invalidPhoneType` |
//! | a method of that type already exists | 409 | `conflict` | `phoneTypeAlreadyExists` |
//! | `alternateMobile` without a `mobile` | 400 | `badRequest` | `mobilePhoneRequired` |
//! | PATCH changing `phoneType` | 400 | `badRequest` | `phoneTypeImmutable` |
//! | `enableSmsSignIn` on a non-mobile phone | 400 | `badRequest` | `smsSignInNotSupported` |
//! | `enableSmsSignIn`: number SMS-enabled for another user | 409 | `conflict` | `phoneNumberNotUnique` |
//! | `enableSmsSignIn`: the policy does not allow it for the user | 403 | `accessDenied` | `notAllowedByPolicy` |
//! | DELETE the mobile while an alternate mobile exists | 400 | `badRequest` | `alternateMobileExists` |
//!
//! The id is fixed by the type. `smsSignInState`: `notSupported` for office and alternate
//! mobile. A new mobile is `ready` when the policy allows SMS sign-in for the user and no other
//! user signs in with the number (Graph registers it at once), `phoneNumberNotUnique` when one
//! does, `notEnabled` when the policy did not allow it at creation. `enableSmsSignIn` makes it
//! `ready`, `disableSmsSignIn` `notEnabled`; `notAllowedByPolicy` is shown while the tenant's
//! `authenticationMethodsPolicy` does not allow SMS sign-in for the user;
//! `phoneNumberNotUnique` also when a PATCH moves an SMS-enabled mobile onto a number another
//! user signs in with. It is read-only (ignored in request bodies).
//!
//! SMS sign-in is allowed for a user when the `Sms` configuration under
//! `/authenticationMethodsPolicy/authenticationMethodConfigurations` has `state: enabled`, the
//! user is not in its `excludeTargets`, and one of its `includeTargets` (`all_users` or a group
//! the user is a direct member of) has `isUsableForSignIn: true`.

use hyper::StatusCode;
use serde_json::{json, Map, Value};

use crate::errors::{GraphError, HandlerResult, Response};
use crate::schema::SCHEMA;
use crate::store::{Child, Collection, Entity, Loc, Root, Store};
use crate::validate;

/// Fixed id of the mobile phone method.
pub const MOBILE_ID: &str = "3179e48a-750b-4051-897c-87b9720928f7";
/// Fixed id of the alternate mobile phone method.
pub const ALTERNATE_MOBILE_ID: &str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
/// Fixed id of the office phone method.
pub const OFFICE_ID: &str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";

pub(crate) const TYPE: &str = "microsoft.graph.phoneAuthenticationMethod";

fn err(status: StatusCode, code: &'static str, inner: &'static str, message: impl Into<String>) -> GraphError {
    GraphError::new(status, code, message).with_inner(inner)
}

fn bad(inner: &'static str, message: impl Into<String>) -> GraphError {
    err(StatusCode::BAD_REQUEST, "badRequest", inner, message)
}

/// The canonical phone type and its fixed id.
fn phone_type(v: Option<&Value>) -> Result<(&'static str, &'static str), GraphError> {
    let Some(Value::String(s)) = v else {
        return Err(bad(
            "invalidPhoneType",
            "The property 'phoneType' is required: mobile, alternateMobile or office.",
        ));
    };
    match s.to_ascii_lowercase().as_str() {
        "mobile" => Ok(("mobile", MOBILE_ID)),
        "alternatemobile" => Ok(("alternateMobile", ALTERNATE_MOBILE_ID)),
        "office" => Ok(("office", OFFICE_ID)),
        _ => Err(bad(
            "invalidPhoneType",
            format!(
                "'{}' is not a valid phoneType: use mobile, alternateMobile or office.",
                crate::errors::truncate(s, 50)
            ),
        )),
    }
}

fn phone_number(v: Option<&Value>) -> Result<String, GraphError> {
    let Some(Value::String(s)) = v else {
        return Err(bad("invalidPhoneNumber", "The property 'phoneNumber' is required, e.g. \"+1 5555551234\"."));
    };
    validate::phone::check(s)
        .map(|()| s.clone())
        .map_err(|e| bad("invalidPhoneNumber", format!("Invalid phoneNumber: {e}; use {}.", validate::phone::FORMAT)))
}

/// The user that owns an authentication-method location (`users/{id}/authentication/...`).
pub(crate) fn owner_user(loc: &Loc) -> Option<&str> {
    match (&loc.root, loc.steps.first()) {
        (Root::Set("users", id), Some(step)) if step.nav == "authentication" => Some(id),
        _ => None,
    }
}

/// The `methods` collection of a user.
fn methods<'a>(store: &'a Store, user: &str) -> impl Iterator<Item = &'a Entity> {
    store
        .top("users", user)
        .and_then(|u| match u.children.get("authentication") {
            Some(Child::One(a)) => a.children.get("methods"),
            _ => None,
        })
        .and_then(|c| match c {
            Child::Many(c) => Some(c.items.values()),
            Child::One(_) => None,
        })
        .into_iter()
        .flatten()
}

fn is_phone(e: &Entity) -> bool {
    crate::entity::type_name(e.ty) == TYPE
}

fn str_prop<'a>(e: &'a Entity, name: &str) -> Option<&'a str> {
    e.props.get(name).and_then(Value::as_str)
}

fn phone_of_type<'a>(store: &'a Store, user: &str, ty: &str) -> Option<&'a Entity> {
    methods(store, user).find(|m| is_phone(m) && str_prop(m, "phoneType") == Some(ty))
}

/// Whether the tenant's policy lets `user` use SMS sign-in.
pub(crate) fn sms_allowed(store: &Store, user: &str) -> bool {
    let Some(policy) = store.singletons.get("authenticationMethodsPolicy") else { return false };
    let Some(Child::Many(configs)) = policy.children.get("authenticationMethodConfigurations") else { return false };
    let Some(sms) = configs.items.iter().find(|(id, _)| id.eq_ignore_ascii_case("sms")).map(|(_, e)| e) else {
        return false;
    };
    if !str_prop(sms, "state").is_some_and(|s| s.eq_ignore_ascii_case("enabled")) {
        return false;
    }
    let groups: Vec<&str> = store
        .top("users", user)
        .and_then(|u| u.refs.get("memberOf"))
        .map(|r| r.iter().map(|a| a.id.as_str()).collect())
        .unwrap_or_default();
    let targets = |id: &str| id.eq_ignore_ascii_case("all_users") || groups.contains(&id);
    let excluded = sms
        .props
        .get("excludeTargets")
        .and_then(Value::as_array)
        .is_some_and(|ex| ex.iter().any(|t| t.get("id").and_then(Value::as_str).is_some_and(targets)));
    if excluded {
        return false;
    }
    let Some(Child::Many(includes)) = sms.children.get("includeTargets") else { return false };
    includes.items.iter().any(|(id, t)| targets(id) && t.props.get("isUsableForSignIn") == Some(&Value::Bool(true)))
}

/// Allows or forbids SMS sign-in for all users by editing the `Sms` configuration of the
/// `authenticationMethodsPolicy` (state `enabled` and `isUsableForSignIn` on its include
/// targets; an `all_users` target is added when allowing and none exists).
pub(crate) fn set_sms_sign_in_allowed(store: &mut Store, allowed: bool) {
    let Some(policy) = store.singletons.get_mut("authenticationMethodsPolicy") else { return };
    let Some((config_ty, target_ty)) = SCHEMA
        .entity_type("microsoft.graph.smsAuthenticationMethodConfiguration")
        .zip(SCHEMA.entity_type("microsoft.graph.smsAuthenticationMethodTarget"))
        .map(|((a, _), (b, _))| (a, b))
    else {
        return;
    };
    let configs = match policy
        .children
        .entry("authenticationMethodConfigurations")
        .or_insert_with(|| Child::Many(Collection::default()))
    {
        Child::Many(c) => c,
        Child::One(_) => return,
    };
    let key = configs.items.keys().find(|k| k.eq_ignore_ascii_case("sms")).cloned().unwrap_or_else(|| "Sms".into());
    let sms = configs.items.entry(key.clone()).or_insert_with(|| {
        let mut p = Map::new();
        p.insert("id".into(), Value::String(key));
        p.insert("excludeTargets".into(), json!([]));
        Entity::new(config_ty, p)
    });
    sms.props.insert("state".into(), Value::String("enabled".into()));
    let targets = match sms.children.entry("includeTargets").or_insert_with(|| Child::Many(Collection::default())) {
        Child::Many(c) => c,
        Child::One(_) => return,
    };
    for t in targets.items.values_mut() {
        t.props.insert("isUsableForSignIn".into(), Value::Bool(allowed));
    }
    if allowed && !targets.items.contains_key("all_users") {
        let mut p = Map::new();
        p.insert("id".into(), Value::String("all_users".into()));
        p.insert("targetType".into(), Value::String("group".into()));
        p.insert("isRegistrationRequired".into(), Value::Bool(false));
        p.insert("isUsableForSignIn".into(), Value::Bool(true));
        targets.items.insert("all_users".into(), Entity::new(target_ty, p));
    }
}

/// Another user whose mobile with this number is SMS-enabled.
fn sms_number_taken(store: &Store, user: &str, number: &str) -> bool {
    store.sets.get("users").is_some_and(|users| {
        users.items.keys().filter(|id| id.as_str() != user).any(|other| {
            methods(store, other).any(|m| {
                is_phone(m)
                    && str_prop(m, "phoneType") == Some("mobile")
                    && str_prop(m, "phoneNumber") == Some(number)
                    && str_prop(m, "smsSignInState") == Some("ready")
            })
        })
    })
}

/// `smsSignInState` of a new phone method. Graph registers a new mobile for SMS sign-in at once
/// when the policy allows it for the user and no one else signs in with the number (its create
/// example answers `ready`); a taken number gives `phoneNumberNotUnique` (as a PATCH onto one
/// does), a policy that forbids it `notEnabled` (shown as `notAllowedByPolicy` while it does,
/// and left for `enableSmsSignIn` once it allows it).
fn created_state(store: &Store, user: &str, ty: &str, number: &str) -> &'static str {
    if ty != "mobile" {
        "notSupported"
    } else if !sms_allowed(store, user) {
        "notEnabled"
    } else if sms_number_taken(store, user, number) {
        "phoneNumberNotUnique"
    } else {
        "ready"
    }
}

/// Create: checks the rules, fills `phoneType`/`phoneNumber`/`smsSignInState`, returns the id.
pub(crate) fn before_create(store: &Store, owner: &Loc, props: &mut Map<String, Value>) -> Result<String, GraphError> {
    let Some(user) = owner_user(owner).map(String::from) else {
        return Err(GraphError::bad_request("Phone methods belong to a user's authentication."));
    };
    let number = phone_number(props.get("phoneNumber"))?;
    let (ty, id) = phone_type(props.get("phoneType"))?;
    if phone_of_type(store, &user, ty).is_some() {
        return Err(err(
            StatusCode::CONFLICT,
            "conflict",
            "phoneTypeAlreadyExists",
            format!("The user already has a phone method of type '{ty}': update or delete it instead."),
        ));
    }
    if ty == "alternateMobile" && phone_of_type(store, &user, "mobile").is_none() {
        return Err(bad(
            "mobilePhoneRequired",
            "A mobile phone must exist before an alternateMobile phone can be added.",
        ));
    }
    let state = created_state(store, &user, ty, &number);
    props.insert("phoneNumber".into(), Value::String(number));
    props.insert("phoneType".into(), Value::String(ty.into()));
    props.insert("smsSignInState".into(), Value::String(state.into()));
    Ok(id.to_string())
}

/// PATCH: `phoneType` is immutable, `phoneNumber` must be valid, `smsSignInState` is ignored.
pub(crate) fn before_update(
    store: &Store,
    loc: &Loc,
    current: &Entity,
    patch: &mut Map<String, Value>,
) -> Result<(), GraphError> {
    patch.remove("smsSignInState");
    let current_type = str_prop(current, "phoneType").unwrap_or("");
    if let Some(v) = patch.get("phoneType") {
        let (ty, _) = phone_type(Some(v))?;
        if ty != current_type {
            return Err(bad(
                "phoneTypeImmutable",
                "A phone's type cannot be changed: add a phone of the new type and delete this one.",
            ));
        }
        patch.insert("phoneType".into(), Value::String(ty.into()));
    }
    if patch.contains_key("phoneNumber") {
        let number = phone_number(patch.get("phoneNumber"))?;
        let user = owner_user(loc).unwrap_or("");
        if current_type == "mobile"
            && str_prop(current, "smsSignInState") == Some("ready")
            && str_prop(current, "phoneNumber") != Some(number.as_str())
            && sms_number_taken(store, user, &number)
        {
            patch.insert("smsSignInState".into(), Value::String("phoneNumberNotUnique".into()));
        }
        patch.insert("phoneNumber".into(), Value::String(number));
    }
    Ok(())
}

/// DELETE: the mobile cannot go while an alternate mobile exists.
pub(crate) fn before_delete(store: &Store, loc: &Loc, current: &Entity) -> Result<(), GraphError> {
    let user = owner_user(loc).unwrap_or("");
    if str_prop(current, "phoneType") == Some("mobile") && phone_of_type(store, user, "alternateMobile").is_some() {
        return Err(bad(
            "alternateMobileExists",
            "The mobile phone cannot be deleted while an alternateMobile phone exists: delete the alternateMobile first.",
        ));
    }
    Ok(())
}

/// Output: `smsSignInState` reflects the policy.
pub(crate) fn decorate(store: &Store, loc: &Loc, m: &mut Map<String, Value>) {
    let mobile = m.get("phoneType").and_then(Value::as_str) == Some("mobile");
    let state = m.get("smsSignInState").and_then(Value::as_str);
    if mobile && matches!(state, Some("ready" | "notEnabled")) {
        if let Some(user) = owner_user(loc) {
            if !sms_allowed(store, user) {
                m.insert("smsSignInState".into(), Value::String("notAllowedByPolicy".into()));
            }
        }
    }
}

/// `enableSmsSignIn` and `disableSmsSignIn`.
pub(crate) fn sms_action(store: &mut Store, loc: &Loc, enable: bool) -> HandlerResult {
    let user = owner_user(loc).unwrap_or("").to_string();
    let current = store.entity(loc).cloned().ok_or_else(|| GraphError::not_found("itemNotFound", "phone method"))?;
    if str_prop(&current, "phoneType") != Some("mobile") {
        return Err(bad(
            "smsSignInNotSupported",
            "SMS sign-in can only be enabled or disabled on the mobile phone method.",
        ));
    }
    let state = str_prop(&current, "smsSignInState").unwrap_or("notEnabled");
    let new_state = if enable {
        if !sms_allowed(store, &user) {
            return Err(err(
                StatusCode::FORBIDDEN,
                "accessDenied",
                "notAllowedByPolicy",
                "SMS sign-in is not allowed for this user by the tenant's authentication methods policy.",
            ));
        }
        if state == "ready" {
            return Ok(Response::empty(StatusCode::NO_CONTENT));
        }
        let number = str_prop(&current, "phoneNumber").unwrap_or("").to_string();
        if sms_number_taken(store, &user, &number) {
            return Err(err(
                StatusCode::CONFLICT,
                "conflict",
                "phoneNumberNotUnique",
                "This phone number is already used for SMS sign-in by another user.",
            ));
        }
        "ready"
    } else {
        "notEnabled"
    };
    if let Some(e) = store.entity_mut(loc) {
        e.props.insert("smsSignInState".into(), Value::String(new_state.into()));
    }
    Ok(Response::empty(StatusCode::NO_CONTENT))
}
