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
    assert!(has(client, "pub fn me(&self) -> crate::builders::UserItem"));
    assert!(has(client, "pub fn users(&self) -> crate::builders::UserCollection"));

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
    assert!(has(auth, "pub fn phone_methods(&self) -> crate::builders::PhoneAuthenticationMethodCollection"));
    assert!(has(auth, "pub fn methods(&self) -> crate::builders::AuthenticationMethodCollection"));
    let user = builder_file("microsoft.graph.user");
    assert!(has(user, "pub fn delta("), "collection-bound delta");
    assert!(has(user, "DeltaPage<crate::models::User"));
}
