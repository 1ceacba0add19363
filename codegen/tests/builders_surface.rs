//! Every EntitySet, Singleton, NavigationProperty, Action and Function of the pinned v1.0 CSDL
//! has its method in the generated request builders (counted against the CSDL, plus samples).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use heck::ToSnakeCase;
use msgraph_codegen::ir::{OperationKind, StructKind, TypeTarget};
use msgraph_codegen::{build_ir, generate, Input};

#[test]
fn every_set_singleton_navigation_and_operation_has_a_method() {
    let text = common::real_text("graph-v1.0-2026-08-03.csdl");
    let input = Input { csdl: &text, source_name: "v1.0", sha256: "0" };
    let model = build_ir(&input).expect("ir");
    let out = generate(&input).expect("generate");
    // Compare with all whitespace removed: prettyplease decides where lines break.
    let squashed: std::collections::BTreeMap<&str, String> =
        out.files.iter().map(|(k, v)| (k.as_str(), v.split_whitespace().collect::<String>())).collect();
    let file = |rel: &str| squashed.get(rel).unwrap_or_else(|| panic!("missing {rel}"));
    let has = |hay: &str, needle: &str| {
        let n: String = needle.split_whitespace().collect();
        hay.contains(&n) || hay.contains(&n.replace("(&self)", "(&self,)"))
    };

    // Counts straight from the CSDL text, independent of the IR.
    let count = |needle: &str| text.matches(needle).count();
    assert_eq!(count("<Action "), 857);
    assert_eq!(count("<Function "), 326);
    assert_eq!(count("<EntitySet "), 41);
    assert_eq!(count("<Singleton "), 31);
    assert_eq!(count("<NavigationProperty "), 1432);

    // Entry points.
    let client = file("msgraph/src/generated/client.rs");
    let c = model.container.as_ref().expect("container");
    let mut entry = 0;
    for set in c.entity_sets.iter().chain(&c.singletons) {
        let sig = format!("pub fn {}(", set.rust_name.trim_start_matches("r#"));
        assert!(has(client, &sig), "no entry point for {}", set.name);
        entry += 1;
    }
    assert_eq!(entry, 72);
    assert!(has(client, "pub fn me(&self) -> crate::builders::UserBuilder"));
    assert!(has(client, "pub fn users(&self) -> crate::builders::UserCollectionBuilder"));

    // Navigation properties: each declared one appears in its type's item builder (and in
    // every derived type's, since they are inherited).
    let builder_file = |qname: &str| -> &str {
        let s = model.structs.get(qname).expect("type");
        let mut path = model.module_path(&s.namespace);
        let stem = format!("_{}", s.rust_name.to_snake_case());
        path.insert(0, "msgraph/src/generated/builders".into());
        file(&format!("{}/{stem}.rs", path.join("/")))
    };
    let mut navs = 0;
    for s in model.structs.values() {
        for p in s.properties.iter().filter(|p| p.navigation && p.declared_in == s.qname) {
            navs += 1;
            if s.kind != StructKind::Entity {
                continue; // navigation on a complex type: reachable only through its owner
            }
            let f = builder_file(&s.qname);
            assert!(has(f, &format!("self.0.child(\"{}\"", p.name)), "{}: no method for {}", s.qname, p.name);
        }
    }
    assert_eq!(navs, 1432);

    // Operations: every one bound to an entity type has a method on that type's builder.
    let mut actions = 0;
    let mut functions = 0;
    let mut on_complex = 0;
    for op in &model.operations {
        match op.kind {
            OperationKind::Action => actions += 1,
            OperationKind::Function => functions += 1,
        }
        let b = op.binding.as_ref().expect("all v1.0 operations are bound");
        let TypeTarget::Struct(t) = &b.target else { panic!("binding {:?}", b) };
        if model.structs.get(t).map(|s| s.kind) != Some(StructKind::Entity) {
            on_complex += 1;
            continue;
        }
        let segment =
            if op.namespace == "microsoft.graph" { op.name.clone() } else { format!("{}.{}", op.namespace, op.name) };
        let f = builder_file(t);
        assert!(has(f, &format!("(\"{segment}\"")), "{t}: no method for {}.{}", op.namespace, op.name);
    }
    assert_eq!((actions, functions), (857, 326));
    assert_eq!(on_complex, 0, "operations bound to complex types have no builder");

    // Samples by name.
    let phone = builder_file("microsoft.graph.phoneAuthenticationMethod");
    for m in ["pub fn enable_sms_sign_in(", "pub fn disable_sms_sign_in(", "pub fn reset_password("] {
        assert!(has(phone, m), "{m}");
    }
    let auth = builder_file("microsoft.graph.authentication");
    assert!(has(auth, "pub fn phone_methods(&self) -> crate::builders::PhoneAuthenticationMethodCollectionBuilder"));
    assert!(has(auth, "pub fn methods(&self) -> crate::builders::AuthenticationMethodCollectionBuilder"));
    let user = builder_file("microsoft.graph.user");
    assert!(has(user, "pub fn delta("), "collection-bound delta");
    assert!(has(user, "DeltaPage<crate::models::User"));

    // Complex-typed structural properties: each declared on an entity type has a method on its
    // builder, and each declared on a complex type one on that type's builder.
    let mut complex_props = 0;
    for s in model.structs.values() {
        for p in s.properties.iter().filter(|p| !p.navigation && p.declared_in == s.qname) {
            let TypeTarget::Struct(t) = &p.r#type.target else { continue };
            if t == "microsoft.graph.Json" || model.structs.get(t).map(|c| c.kind) != Some(StructKind::Complex) {
                continue;
            }
            // A complex type without a single-valued use has no item builder to hold the method.
            let mut path = model.module_path(&s.namespace);
            path.insert(0, "msgraph/src/generated/builders".into());
            let rel = format!("{}/_{}.rs", path.join("/"), s.rust_name.to_snake_case());
            if s.kind == StructKind::Complex
                && !squashed.get(rel.as_str()).is_some_and(|f| f.contains("complex_builder!("))
            {
                continue;
            }
            complex_props += 1;
            let f = builder_file(&s.qname);
            assert!(has(f, &format!("self.0.child(\"{}\")", p.name)), "{}: no method for {}", s.qname, p.name);
        }
    }
    assert!(complex_props > 1000, "{complex_props}");
    assert!(has(user, "pub fn mailbox_settings(&self) -> crate::builders::MailboxSettingsBuilder"));
    let mailbox = builder_file("microsoft.graph.mailboxSettings");
    assert!(has(mailbox, "pub fn automatic_replies_setting(&self) -> crate::builders::AutomaticRepliesSettingBuilder"));
    assert!(has(user, "pub fn assigned_licenses(&self) -> crate::builders::AssignedLicenseCollectionBuilder"));

    // Composable functions returning an entity or complex type give the builder at the call;
    // the others a request.
    let sheet = builder_file("microsoft.graph.workbookWorksheet");
    assert!(has(sheet, "pub fn cell(&self, row: i32, column: i32) -> crate::builders::WorkbookRangeBuilder"));
    assert!(has(sheet, "self.0.function_node(\"cell\""));
    let mut composed = 0;
    for op in model.operations.iter().filter(|o| o.is_composable) {
        let Some(TypeTarget::Struct(_)) = op.return_type.as_ref().map(|r| &r.r#type.target) else { continue };
        let TypeTarget::Struct(t) = &op.binding.as_ref().expect("bound").target else { continue };
        assert!(has(builder_file(t), &format!("function_node(\"{}\"", op.name)), "{t}: {}", op.name);
        composed += 1;
    }
    assert!(composed > 100, "{composed}");
    let range = builder_file("microsoft.graph.workbookRange");
    assert!(has(range, "pub fn clear(&self, apply_to: &str) -> ::msgraph_core::request::Request<()>"));

    // UpdateMethod=PUT: those item builders' `update` sends PUT.
    for t in [
        "microsoft.graph.synchronization",
        "microsoft.graph.controlConfiguration",
        "microsoft.graph.workPlanOccurrence",
    ] {
        let call = builder_file(t).split("::msgraph_core::__private::collection_builder!").next().unwrap_or_default();
        assert!(call.replace(char::is_whitespace, "").contains(",put,);"), "{t} updates with PUT:\n{call}");
    }
    let user = builder_file("microsoft.graph.user").replace(char::is_whitespace, "");
    assert!(user.contains("crate::models::UserKind,);"), "the user builder's call ends after the response type");
}

/// Builder and field docs say what a call sends and what a field is called on the wire.
#[test]
fn docs_name_method_url_response_and_wire_names() {
    let text = common::real_text("graph-v1.0-2026-08-03.csdl");
    let input = Input { csdl: &text, source_name: "v1.0", sha256: "0" };
    let out = generate(&input).expect("generate");
    let file = |rel: &str| out.files.get(rel).unwrap_or_else(|| panic!("missing {rel}"));
    let user = file("msgraph/src/generated/builders/_user.rs");
    for line in [
        "/// `POST /users/{user-id}/assignLicense`: action, returns `UserKind` (`microsoft.graph.user`).\n",
        "/// `GET /users/delta()`: function, returns `DeltaPage<UserKind>` (`Collection(microsoft.graph.user)`).\n",
        "/// `…/messages`: contained navigation.\n",
        "/// `…/memberOf`: navigation (references: `add_ref`, `delete_ref`).\n",
    ] {
        assert!(user.contains(line), "{line}");
    }
    // Reached only through containment: the shortest path from an entity set.
    let drive_item = file("msgraph/src/generated/builders/_drive_item.rs");
    let checkin = "/// `POST /drives/{drive-id}/bundles/{driveItem-id}/checkin`: action, returns `()` (no content).\n";
    assert!(drive_item.contains(checkin));
    // Functions show their parameters in the URL template.
    assert!(user.contains("reminderView(StartDateTime={StartDateTime},EndDateTime={EndDateTime})`: function"));

    let model = file("msgraph-models/src/generated/models/_user.rs");
    assert!(model.contains("    /// Wire name `displayName`.\n    pub display_name:"));
    assert!(
        model.contains("    /// Wire name `manager`. Navigation: in responses only with `$expand`.\n    pub manager:")
    );
}
