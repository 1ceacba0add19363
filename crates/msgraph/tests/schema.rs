//! The generated routing schema agrees with the CSDL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use msgraph::schema::SCHEMA;
use msgraph_codec::schema::OperationKind;

#[test]
fn counts_match_the_pinned_csdl() {
    assert_eq!(SCHEMA.entity_types.len(), 1182);
    assert_eq!(SCHEMA.entity_sets.len(), 41);
    assert_eq!(SCHEMA.singletons.len(), 31);
    // Every action and function of v1.0 is bound; a few are bound to complex types (not routable
    // as entity paths), the rest must be in the table.
    let actions = SCHEMA.operations.iter().filter(|o| o.kind == OperationKind::Action).count();
    let functions = SCHEMA.operations.iter().filter(|o| o.kind == OperationKind::Function).count();
    assert!(actions > 800 && actions <= 857, "{actions}");
    assert!(functions > 300 && functions <= 326, "{functions}");
    // Sorted tables (binary search relies on it).
    assert!(SCHEMA.entity_types.windows(2).all(|w| w[0].name < w[1].name));
    assert!(SCHEMA.entity_sets.windows(2).all(|w| w[0].name < w[1].name));
    assert!(SCHEMA.singletons.windows(2).all(|w| w[0].name < w[1].name));
}

#[test]
fn phone_method_paths_resolve() {
    let users = SCHEMA.entity_set("users").expect("users");
    let me = SCHEMA.singleton("me").expect("me");
    assert_eq!(users.entity_type, me.entity_type);
    let user = SCHEMA.entity_type_at(users.entity_type).expect("type");
    assert_eq!(user.name, "microsoft.graph.user");
    assert_eq!(SCHEMA.key_of(users.entity_type), Some("id"));

    let auth = SCHEMA.navigation(users.entity_type, "authentication").expect("authentication nav");
    assert!(auth.contains_target && !auth.collection);
    let phones = SCHEMA.navigation(auth.target, "phoneMethods").expect("phoneMethods nav");
    assert!(phones.contains_target && phones.collection);
    let phone = SCHEMA.entity_type_at(phones.target).expect("phone type");
    assert_eq!(phone.name, "microsoft.graph.phoneAuthenticationMethod");
    // Inherited key and property through authenticationMethod → entity.
    assert_eq!(SCHEMA.key_of(phones.target), Some("id"));
    assert_eq!(SCHEMA.property(phones.target, "createdDateTime"), Some("Edm.DateTimeOffset"));
    assert_eq!(SCHEMA.property(phones.target, "phoneType"), Some("microsoft.graph.authenticationPhoneType"));

    let enable = SCHEMA.bound_operations(phones.target, false, "enableSmsSignIn");
    assert_eq!(enable.len(), 1);
    assert_eq!(enable[0].name, "microsoft.graph.enableSmsSignIn");
    assert_eq!(enable[0].kind, OperationKind::Action);
    assert_eq!(SCHEMA.bound_operations(phones.target, false, "microsoft.graph.disableSmsSignIn").len(), 1);
    // Not bound to the collection, nor to other method types.
    assert_eq!(SCHEMA.bound_operations(phones.target, true, "enableSmsSignIn").len(), 0);
    let (pwd, _) = SCHEMA.entity_type("microsoft.graph.passwordAuthenticationMethod").expect("pwd");
    assert_eq!(SCHEMA.bound_operations(pwd, false, "enableSmsSignIn").len(), 0);

    let methods = SCHEMA.navigation(auth.target, "methods").expect("methods nav");
    let base = SCHEMA.entity_type_at(methods.target).expect("base");
    assert_eq!(base.name, "microsoft.graph.authenticationMethod");
    assert!(base.is_abstract);
    assert!(SCHEMA.is_a(phones.target, methods.target));
    assert!(!SCHEMA.is_a(methods.target, phones.target));
    let derived: Vec<&str> = SCHEMA.derived_types(methods.target).map(|(_, t)| t.name).collect();
    assert!(derived.contains(&"microsoft.graph.fido2AuthenticationMethod"));
    assert!(derived.contains(&"microsoft.graph.phoneAuthenticationMethod"));
}

#[test]
fn type_cast_and_delta_lookups() {
    let dobj = SCHEMA.entity_set("directoryObjects").expect("directoryObjects");
    let (user, _) = SCHEMA.entity_type("#microsoft.graph.user").expect("user");
    assert!(SCHEMA.is_a(user, dobj.entity_type));
    let users = SCHEMA.entity_set("users").expect("users");
    // user's own delta and the one inherited from directoryObject: the most specific first.
    let delta = SCHEMA.bound_operations(users.entity_type, true, "delta");
    assert_eq!(delta.len(), 2);
    assert_eq!(delta[0].kind, OperationKind::Function);
    assert_eq!(delta[0].returns, Some("Collection(microsoft.graph.user)"));
    assert_eq!(delta[1].returns, Some("Collection(microsoft.graph.directoryObject)"));
    let best = SCHEMA.bound_operation(users.entity_type, true, "delta").expect("delta");
    assert!(std::ptr::eq(best, delta[0]));
    assert!(SCHEMA.entity_type("microsoft.graph.doesNotExist").is_none());
    assert!(SCHEMA.entity_set("nope").is_none());
}
