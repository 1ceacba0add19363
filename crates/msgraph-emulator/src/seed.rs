//! Seed data: the tenant the emulator starts with, as JSON (format in the crate README).
//!
//! ```json
//! {
//!   "tenant": {"id": "<guid>", "displayName": "Contoso", "domains": ["contoso.onmicrosoft.com"]},
//!   "apps": [{"clientId": "<guid>", "clientSecret": "...", "displayName": "...",
//!             "certificates": ["<base64 DER>"]}],
//!   "signedInUser": "<user id or userPrincipalName>",
//!   "entitySets": {"users": [{...}], "groups": [{..., "members@odata.bind": ["users/<id>"]}]},
//!   "singletons": {"authenticationMethodsPolicy": {...}}
//! }
//! ```
//!
//! Entities are Graph JSON: `@odata.type` picks a derived type, structural properties are
//! checked against the schema, a contained navigation property holds the nested entities (an
//! array, or an object when single-valued: `"authentication": {"methods": [...]}`), and
//! `nav@odata.bind` (`"{set}/{id}"`) adds references (both directions for members/memberOf,
//! owners/ownedObjects, manager/directReports). Entities without a key get one from the seeded
//! RNG; phone methods without an id get their type's fixed id.

use std::path::Path;

use base64::Engine;
use serde_json::{Map, Value};

use crate::apps::{certificate_key, AppRegistration};
use crate::entity::{self, type_name};
use crate::phone;
use crate::router;
use crate::schema::{Navigation, TypeIndex, SCHEMA};
use crate::store::{self, Child, Collection, Entity, Loc, Root, Step, Store};
use crate::validate;

/// An invalid seed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// Where (a JSON path such as `$.entitySets.users[2].authentication.methods[0]`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid seed at {}: {}", self.path, self.message)
    }
}

impl std::error::Error for SeedError {}

fn serr(path: &str, message: impl Into<String>) -> SeedError {
    SeedError { path: path.to_string(), message: message.into() }
}

/// The data an emulator starts with (and returns to on `Emulator::reset`).
#[derive(Debug, Clone)]
pub struct SeedData {
    pub(crate) tenant_id: String,
    pub(crate) tenant_name: String,
    pub(crate) domains: Vec<String>,
    pub(crate) apps: Vec<AppRegistration>,
    pub(crate) signed_in_user_id: String,
    pub(crate) signed_in_upn: String,
    pub(crate) doc: Value,
}

const DEFAULT_TENANT: &str = include_str!("default_tenant.json");

impl SeedData {
    /// The built-in deterministic tenant: five users (Adele Vance is the signed-in user),
    /// three groups, phone/password/FIDO2/Authenticator/email methods (so
    /// `/me/authentication/methods` is polymorphic), an `authenticationMethodsPolicy` that
    /// allows SMS sign-in for all users, and one app with a client secret.
    pub fn default_tenant() -> SeedData {
        // The embedded document is checked by the crate's tests; fall back to an empty tenant
        // rather than panic if it were ever broken.
        Self::from_json(DEFAULT_TENANT).unwrap_or_else(|_| SeedData {
            tenant_id: "00000000-0000-0000-0000-000000000001".into(),
            tenant_name: "empty".into(),
            domains: vec!["contoso.onmicrosoft.com".into()],
            apps: Vec::new(),
            signed_in_user_id: String::new(),
            signed_in_upn: String::new(),
            doc: Value::Null,
        })
    }

    /// The default tenant's JSON text (a starting point for custom seeds).
    pub fn default_tenant_json() -> &'static str {
        DEFAULT_TENANT
    }

    /// Parses and checks a seed document.
    pub fn from_json(text: &str) -> Result<SeedData, SeedError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| serr("$", format!("not JSON: {e}")))?;
        let root = doc.as_object().ok_or_else(|| serr("$", "expected an object"))?;
        for key in root.keys() {
            if !matches!(key.as_str(), "tenant" | "apps" | "signedInUser" | "entitySets" | "singletons" | "$comment") {
                return Err(serr("$", format!("unknown top-level key '{key}'")));
            }
        }
        let tenant =
            root.get("tenant").and_then(Value::as_object).ok_or_else(|| serr("$.tenant", "required object"))?;
        let tenant_id =
            tenant.get("id").and_then(Value::as_str).ok_or_else(|| serr("$.tenant.id", "required string"))?;
        let domains: Vec<String> = tenant
            .get("domains")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default();
        if domains.is_empty() {
            return Err(serr("$.tenant.domains", "at least one domain is required"));
        }
        let mut apps = Vec::new();
        for (i, app) in
            root.get("apps").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default().iter().enumerate()
        {
            let p = format!("$.apps[{i}]");
            let client_id =
                app.get("clientId").and_then(Value::as_str).ok_or_else(|| serr(&p, "clientId is required"))?;
            let mut reg = AppRegistration::new(client_id);
            if let Some(s) = app.get("clientSecret").and_then(Value::as_str) {
                reg = reg.secret(s);
            }
            if let Some(n) = app.get("displayName").and_then(Value::as_str) {
                reg = reg.display_name(n);
            }
            for (j, c) in app
                .get("certificates")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let der = c
                    .as_str()
                    .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                    .ok_or_else(|| serr(&format!("{p}.certificates[{j}]"), "expected base64 DER"))?;
                certificate_key(&der).map_err(|e| serr(&format!("{p}.certificates[{j}]"), e))?;
                reg = reg.certificate(der);
            }
            apps.push(reg);
        }
        let mut seed = SeedData {
            tenant_id: tenant_id.to_string(),
            tenant_name: tenant.get("displayName").and_then(Value::as_str).unwrap_or("Contoso").to_string(),
            domains,
            apps,
            signed_in_user_id: String::new(),
            signed_in_upn: String::new(),
            doc,
        };
        // Load once to check everything and resolve the signed-in user.
        let mut counter = 0u64;
        let store = seed.load(&mut || {
            counter += 1;
            format!("00000000-0000-4000-8000-{counter:012x}")
        })?;
        if let Some(who) = seed.doc.get("signedInUser").and_then(Value::as_str) {
            let (id, e) = store.find_user(who).ok_or_else(|| serr("$.signedInUser", format!("no user '{who}'")))?;
            seed.signed_in_user_id = id.to_string();
            seed.signed_in_upn = store::upn(e).to_string();
        } else if let Some((id, e)) = store.sets.get("users").and_then(|u| u.items.iter().next()) {
            seed.signed_in_user_id = id.clone();
            seed.signed_in_upn = store::upn(e).to_string();
        }
        Ok(seed)
    }

    /// Reads a seed document from a file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<SeedData, SeedError> {
        let text = std::fs::read_to_string(path.as_ref())
            .map_err(|e| serr("$", format!("cannot read {}: {e}", path.as_ref().display())))?;
        Self::from_json(&text)
    }

    /// The tenant id.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The registered apps.
    pub fn apps(&self) -> &[AppRegistration] {
        &self.apps
    }

    /// Builds the store; `new_id` makes keys for entities that have none.
    pub(crate) fn load(&self, new_id: &mut dyn FnMut() -> String) -> Result<Store, SeedError> {
        let mut store = Store::new();
        if self.doc.is_null() {
            return Ok(store);
        }
        let mut binds: Vec<(Loc, &'static Navigation, Vec<String>, String)> = Vec::new();
        if let Some(sets) = self.doc.get("entitySets") {
            let sets = sets.as_object().ok_or_else(|| serr("$.entitySets", "expected an object"))?;
            for (name, items) in sets {
                let p = format!("$.entitySets.{name}");
                let set = SCHEMA.entity_set(name).ok_or_else(|| serr(&p, format!("'{name}' is not an entity set")))?;
                let items = items.as_array().ok_or_else(|| serr(&p, "expected an array"))?;
                for (i, item) in items.iter().enumerate() {
                    let ip = format!("{p}[{i}]");
                    let obj = item.as_object().ok_or_else(|| serr(&ip, "expected an object"))?;
                    let ty = entity::concrete_type(obj, set.entity_type).map_err(|e| serr(&ip, e.message))?;
                    let storage = store::storage_set_for(set.name, ty);
                    let id = key_of(obj, ty, new_id);
                    if store.find_in_set(set.name, &id).is_some() {
                        return Err(serr(&ip, format!("duplicate key '{id}'")));
                    }
                    let loc = Loc { root: Root::Set(storage, id.clone()), steps: vec![] };
                    let e = build(obj, ty, id.clone(), &loc, &ip, new_id, &mut binds)?;
                    store.sets.entry(storage).or_default().items.insert(id, e);
                }
            }
        }
        if let Some(singletons) = self.doc.get("singletons") {
            let singletons = singletons.as_object().ok_or_else(|| serr("$.singletons", "expected an object"))?;
            for (name, value) in singletons {
                let p = format!("$.singletons.{name}");
                let s = SCHEMA
                    .singleton(name)
                    .filter(|s| s.name != "me")
                    .ok_or_else(|| serr(&p, format!("'{name}' is not a singleton")))?;
                let obj = value.as_object().ok_or_else(|| serr(&p, "expected an object"))?;
                let loc = Loc { root: Root::Singleton(s.name), steps: vec![] };
                let id = obj.get("id").and_then(Value::as_str).unwrap_or(s.name).to_string();
                let e = build(obj, s.entity_type, id, &loc, &p, new_id, &mut binds)?;
                store.singletons.insert(s.name, e);
            }
        }
        for (loc, nav, urls, p) in binds {
            for url in urls {
                let addr = resolve_seed_ref(&store, &url, nav.target).ok_or_else(|| {
                    serr(
                        &p,
                        format!("'{}@odata.bind': no entity '{url}' of type '{}'", nav.name, type_name(nav.target)),
                    )
                })?;
                store.add_ref(&loc, nav.name, addr, true).map_err(|e| serr(&p, e.message))?;
            }
        }
        crate::mailbox::folders::provision_all(&mut store);
        Ok(store)
    }
}

fn key_of(obj: &Map<String, Value>, ty: TypeIndex, new_id: &mut dyn FnMut() -> String) -> String {
    let key = SCHEMA.key_of(ty).unwrap_or("id");
    if let Some(Value::String(s)) = obj.get(key) {
        return s.clone();
    }
    if type_name(ty) == phone::TYPE {
        match obj.get("phoneType").and_then(Value::as_str) {
            Some("mobile") => return phone::MOBILE_ID.into(),
            Some("alternateMobile") => return phone::ALTERNATE_MOBILE_ID.into(),
            Some("office") => return phone::OFFICE_ID.into(),
            _ => {}
        }
    }
    new_id()
}

/// `users/{id}`, `/users/{id}`, `https://.../v1.0/users/{id}` or a userPrincipalName key.
fn resolve_seed_ref(store: &Store, url: &str, target: TypeIndex) -> Option<store::Addr> {
    let rel = url.find("/v1.0/").map_or(url, |i| &url[i + 5..]);
    let segs = router::split_path(rel).ok()?;
    let [set, key] = segs.as_slice() else { return None };
    let set = SCHEMA.entity_set(set)?;
    let (storage, e) = store.find_in_set(set.name, key).or_else(|| {
        store
            .sets
            .get("users")
            .and_then(|u| {
                u.items.values().find(|e| {
                    e.props
                        .get("userPrincipalName")
                        .and_then(Value::as_str)
                        .is_some_and(|x| x.eq_ignore_ascii_case(key))
                })
            })
            .map(|e| ("users", e))
    })?;
    if !SCHEMA.is_a(e.ty, target) {
        return None;
    }
    Some(store::Addr { set: storage, id: e.key()?.to_string() })
}

fn build(
    obj: &Map<String, Value>,
    ty: TypeIndex,
    id: String,
    loc: &Loc,
    path: &str,
    new_id: &mut dyn FnMut() -> String,
    binds: &mut Vec<(Loc, &'static Navigation, Vec<String>, String)>,
) -> Result<Entity, SeedError> {
    let checked = entity::check_body(ty, obj).map_err(|e| serr(path, e.message))?;
    let mut props = checked.props;
    props.insert(SCHEMA.key_of(ty).unwrap_or("id").to_string(), Value::String(id));
    if type_name(ty) == phone::TYPE {
        let number = props.get("phoneNumber").and_then(Value::as_str).unwrap_or("");
        validate::phone::check(number)
            .map_err(|e| serr(&format!("{path}.phoneNumber"), format!("{e}; use {}", validate::phone::FORMAT)))?;
        let mobile = props.get("phoneType").and_then(Value::as_str) == Some("mobile");
        props
            .entry("smsSignInState")
            .or_insert_with(|| Value::String(if mobile { "notEnabled" } else { "notSupported" }.into()));
    }
    let mut e = Entity::new(ty, props);
    for (nav, urls) in checked.binds {
        binds.push((loc.clone(), nav, urls, format!("{path}.{}@odata.bind", nav.name)));
    }
    for (nav, value) in checked.nested {
        let np = format!("{path}.{}", nav.name);
        if !nav.contains_target {
            return Err(serr(
                &np,
                "only contained navigation properties can be nested; use @odata.bind for references",
            ));
        }
        if nav.collection {
            let (storage, view) = store::storage_nav(ty, nav.name, nav.target);
            let expected = view.unwrap_or(nav.target);
            let items = value.as_array().ok_or_else(|| serr(&np, "expected an array"))?;
            for (i, item) in items.iter().enumerate() {
                let ip = format!("{np}[{i}]");
                let o = item.as_object().ok_or_else(|| serr(&ip, "expected an object"))?;
                let cty = entity::concrete_type(o, expected).map_err(|e| serr(&ip, e.message))?;
                let cid = key_of(o, cty, new_id);
                let cloc = loc.child(Step { nav: storage, key: Some(cid.clone()), ty: cty });
                let child = build(o, cty, cid.clone(), &cloc, &ip, new_id, binds)?;
                let coll = match e.children.entry(storage).or_insert_with(|| Child::Many(Collection::default())) {
                    Child::Many(c) => c,
                    Child::One(_) => return Err(serr(&ip, "conflicting navigation")),
                };
                if coll.items.insert(cid.clone(), child).is_some() {
                    return Err(serr(&ip, format!("duplicate key '{cid}'")));
                }
            }
        } else {
            let o = value.as_object().ok_or_else(|| serr(&np, "expected an object"))?;
            let cty = entity::concrete_type(o, nav.target).map_err(|e| serr(&np, e.message))?;
            let cid = o.get("id").and_then(Value::as_str).unwrap_or(nav.name).to_string();
            let cloc = loc.child(Step { nav: nav.name, key: None, ty: cty });
            let child = build(o, cty, cid, &cloc, &np, new_id, binds)?;
            e.children.insert(nav.name, Child::One(Box::new(child)));
        }
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tenant_loads() {
        let seed = SeedData::from_json(DEFAULT_TENANT).unwrap();
        assert_eq!(seed.signed_in_user_id, "87d349ed-44d7-43e1-9a83-5f2406dee5bd");
        assert_eq!(seed.signed_in_upn, "AdeleV@contoso.onmicrosoft.com");
        assert_eq!(seed.apps.len(), 1);
        let store = seed.load(&mut || "x".into()).unwrap();
        assert_eq!(store.sets["users"].items.len(), 5);
        assert_eq!(store.sets["groups"].items.len(), 3);
        // Inverse references.
        let adele = &store.sets["users"].items["87d349ed-44d7-43e1-9a83-5f2406dee5bd"];
        assert_eq!(adele.refs["memberOf"].len(), 3);
        let megan = &store.sets["users"].items["48d31887-5fad-4d73-a9f5-3c356e68a038"];
        assert_eq!(megan.refs["directReports"].len(), 2);
        assert!(phone::sms_allowed(&store, "87d349ed-44d7-43e1-9a83-5f2406dee5bd"));
    }

    #[test]
    fn errors_have_paths() {
        let e = |s: &str| SeedData::from_json(s).unwrap_err();
        let base = r#""tenant": {"id": "t", "domains": ["x.com"]}"#;
        assert!(e("[]").message.contains("expected an object"));
        assert_eq!(e(&format!("{{{base}, \"entitySets\": {{\"nope\": []}}}}")).path, "$.entitySets.nope");
        let bad_prop = format!("{{{base}, \"entitySets\": {{\"users\": [{{\"id\": \"u\", \"foo\": 1}}]}}}}");
        let err = e(&bad_prop);
        assert_eq!(err.path, "$.entitySets.users[0]");
        assert!(err.message.contains("'foo' does not exist"));
        let bad_phone = format!(
            "{{{base}, \"entitySets\": {{\"users\": [{{\"id\": \"u\", \"authentication\": {{\"phoneMethods\": [{{\"phoneNumber\": \"555\", \"phoneType\": \"mobile\"}}]}}}}]}}}}"
        );
        assert_eq!(e(&bad_phone).path, "$.entitySets.users[0].authentication.phoneMethods[0].phoneNumber");
        let bad_bind = format!("{{{base}, \"entitySets\": {{\"groups\": [{{\"id\": \"g\", \"members@odata.bind\": [\"users/nobody\"]}}]}}}}");
        assert!(e(&bad_bind).message.contains("no entity 'users/nobody'"));
        let bad_user = format!("{{{base}, \"signedInUser\": \"ghost\"}}");
        assert_eq!(e(&bad_user).path, "$.signedInUser");
    }

    #[test]
    fn views_and_fixed_ids() {
        let doc = r#"{"tenant": {"id": "t", "domains": ["x.com"]}, "entitySets": {"users": [{"id": "u",
            "authentication": {"phoneMethods": [{"phoneNumber": "+1 5555551234", "phoneType": "mobile"}]}}]}}"#;
        let seed = SeedData::from_json(doc).unwrap();
        let store = seed.load(&mut || "x".into()).unwrap();
        let u = Loc { root: Root::Set("users", "u".into()), steps: vec![] };
        let auth = u.child(Step { nav: "authentication", key: None, ty: 0 });
        let methods = store.children(&auth, "methods").unwrap();
        let m = &methods.items[phone::MOBILE_ID];
        assert_eq!(m.props["smsSignInState"], "notEnabled");
        assert_eq!(seed.signed_in_user_id, "u");
    }
}
