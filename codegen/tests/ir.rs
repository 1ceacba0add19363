//! Tests of the resolved model (`msgraph_codegen::build_ir` → `ir::Model`) on the hand-written
//! fixtures in `metadata/fixtures/` and on small inline documents: resolution, inheritance,
//! naming, polymorphism, boxing, documentation, operations, the container, error collection and
//! robustness against damaged input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use msgraph_codegen::ir::{
    self, FieldType, Model, ModelPath, OperationKind, Primitive, Property, Scalar, StructKind, StructType, TypeRef,
    TypeTarget, ValueType, Wrap,
};
use msgraph_codegen::{build_ir, generate, naming, Diagnostics, Input};

// ----- helpers -----

const SHA: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> String {
    let path = workspace_root().join("metadata").join("fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read fixture {}: {err}", path.display()))
}

fn input<'a>(text: &'a str, source_name: &'a str) -> Input<'a> {
    Input { csdl: text, source_name, sha256: SHA }
}

fn build_ok(text: &str, name: &str) -> Model {
    match build_ir(&input(text, name)) {
        Ok(model) => model,
        Err(d) => panic!("{name}: expected a model, got errors:\n{d}"),
    }
}

fn build_err(text: &str, name: &str) -> Diagnostics {
    match build_ir(&input(text, name)) {
        Ok(_) => panic!("{name}: expected errors, got a model"),
        Err(d) => {
            assert!(!d.errors.is_empty(), "{name}: Err with no errors is not a useful error");
            assert_eq!(d.source_name, name);
            d
        }
    }
}

fn basic() -> Model {
    build_ok(&fixture("basic.xml"), "basic.xml")
}

/// A document with one `microsoft.graph` schema holding `body`.
fn doc_with(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
{body}
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#
    )
}

/// 1-based line of the `nth` (0-based) occurrence of `needle` in `text`.
fn line_of_nth(text: &str, needle: &str, nth: usize) -> u32 {
    let (pos, _) = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` #{nth} not found"));
    u32::try_from(text[..pos].matches('\n').count() + 1).unwrap()
}

fn line_of(text: &str, needle: &str) -> u32 {
    line_of_nth(text, needle, 0)
}

fn st<'m>(m: &'m Model, qname: &str) -> &'m StructType {
    m.structs.get(qname).unwrap_or_else(|| panic!("no struct {qname}; have {:?}", m.structs.keys()))
}

/// The path of a generated model type.
fn path(qname: &str, module_path: &[&str], rust_name: &str) -> ModelPath {
    ModelPath {
        qname: qname.into(),
        module_path: module_path.iter().map(|m| m.to_string()).collect(),
        rust_name: rust_name.into(),
    }
}

fn boxed(p: &Property) -> bool {
    p.rust_type.wrap == Wrap::Boxed
}

fn prop<'s>(s: &'s StructType, name: &str) -> &'s Property {
    s.properties.iter().find(|p| p.name == name).unwrap_or_else(|| {
        panic!("{} has no property {name}; has {:?}", s.qname, s.properties.iter().map(|p| &p.name).collect::<Vec<_>>())
    })
}

fn op<'m>(m: &'m Model, name: &str) -> &'m ir::Operation {
    let found: Vec<_> = m.operations.iter().filter(|o| o.name == name).collect();
    assert_eq!(found.len(), 1, "expected exactly one operation {name}");
    found[0]
}

fn strukt(q: &str, collection: bool) -> TypeRef {
    TypeRef { target: TypeTarget::Struct(q.to_string()), collection }
}

fn prim(p: Primitive, collection: bool) -> TypeRef {
    TypeRef { target: TypeTarget::Primitive(p), collection }
}

fn names(s: &StructType) -> Vec<&str> {
    s.properties.iter().map(|p| p.name.as_str()).collect()
}

fn rust_names(s: &StructType) -> Vec<&str> {
    s.properties.iter().map(|p| p.rust_name.as_str()).collect()
}

// ----- resolution -----

#[test]
fn aliases_are_resolved_everywhere() {
    let m = basic();
    let graph = m.namespaces.get("microsoft.graph").expect("microsoft.graph namespace");
    assert_eq!(graph.alias.as_deref(), Some("graph"));

    let user = st(&m, "microsoft.graph.user");
    assert_eq!(user.base.as_deref(), Some("microsoft.graph.directoryObject"));
    assert_eq!(prop(user, "assignedLicenses").r#type, strukt("microsoft.graph.assignedLicense", true));
    assert_eq!(prop(user, "passwordProfile").r#type, strukt("microsoft.graph.passwordProfile", false));
    assert_eq!(
        prop(user, "preferredPhoneType").r#type.target,
        TypeTarget::Enum("microsoft.graph.authenticationPhoneType".into())
    );
    assert_eq!(prop(user, "customSettings").r#type.target, TypeTarget::Json, "graph.Json is the untyped JSON value");
    assert_eq!(prop(user, "customSettings").rust_type.value, ValueType::Json);
    assert_eq!(prop(user, "manager").r#type, strukt("microsoft.graph.directoryObject", false));

    // No alias survives anywhere, and every struct or enum reference names a declared type.
    let check = |t: &TypeRef, what: &str| {
        let shown = t.display();
        assert!(!shown.contains("graph.") || shown.contains("microsoft.graph."), "{what}: alias left in {shown}");
        match &t.target {
            TypeTarget::Struct(q) => assert!(m.structs.contains_key(q), "{what}: dangling struct {q}"),
            TypeTarget::Enum(q) => assert!(m.enums.contains_key(q), "{what}: dangling enum {q}"),
            _ => {}
        }
    };
    for s in m.structs.values() {
        if let Some(b) = &s.base {
            assert!(m.structs.contains_key(b), "{}: dangling base {b}", s.qname);
        }
        for p in &s.properties {
            check(&p.r#type, &format!("{}/{}", s.qname, p.name));
        }
    }
    for o in &m.operations {
        let what = format!("operation {}", o.name);
        o.binding.iter().for_each(|b| check(b, &what));
        o.parameters.iter().for_each(|p| check(&p.r#type, &what));
        o.return_type.iter().for_each(|r| check(&r.r#type, &what));
    }
}

#[test]
fn cross_namespace_references_are_resolved_both_ways() {
    let m = basic();
    // security → microsoft.graph (through the alias of another schema).
    let comment = st(&m, "microsoft.graph.security.alertComment");
    assert_eq!(comment.namespace, "microsoft.graph.security");
    assert_eq!(prop(comment, "createdBy").r#type, strukt("microsoft.graph.identitySet", false));
    let alert = st(&m, "microsoft.graph.security.alert");
    assert_eq!(alert.base.as_deref(), Some(ir::ENTITY));
    assert_eq!(prop(alert, "comments").r#type, strukt("microsoft.graph.security.alertComment", true));
    assert_eq!(
        prop(alert, "severity").r#type.target,
        TypeTarget::Enum("microsoft.graph.security.alertSeverity".into())
    );
    // The lowercase `dictionary` of security, not microsoft.graph's `Dictionary`.
    assert_eq!(prop(alert, "customDetails").r#type, strukt("microsoft.graph.security.dictionary", false));
    let call = st(&m, "microsoft.graph.callRecords.callRecord");
    assert_eq!(prop(call, "organizer").r#type, strukt("microsoft.graph.identitySet", false));

    // microsoft.graph → security and callRecords.
    let security = st(&m, "microsoft.graph.security");
    assert_eq!(prop(security, "latestAlert").r#type, strukt("microsoft.graph.security.alert", false));
    assert_eq!(prop(security, "alerts_v2").r#type, strukt("microsoft.graph.security.alert", true));
    let comms = st(&m, "microsoft.graph.cloudCommunications");
    assert_eq!(prop(comms, "callRecords").r#type, strukt("microsoft.graph.callRecords.callRecord", true));
}

#[test]
fn namespaces_map_to_module_paths() {
    let m = basic();
    let paths: Vec<(&str, Vec<String>)> =
        m.namespaces.values().map(|n| (n.name.as_str(), n.module_path.clone())).collect();
    assert_eq!(
        paths,
        [
            ("microsoft.graph", vec![]),
            ("microsoft.graph.callRecords", vec!["call_records".to_string()]),
            ("microsoft.graph.security", vec!["security".to_string()]),
        ]
    );
    assert_eq!(m.module_path("microsoft.graph.callRecords"), ["call_records"]);
    assert!(m.module_path("microsoft.graph").is_empty());

    // The emitted tree follows the module paths.
    let g = generate(&input(&fixture("basic.xml"), "basic.xml")).unwrap();
    for path in [
        "msgraph-models/src/generated/mod.rs",
        "msgraph/src/generated/mod.rs",
        "msgraph-models/src/generated/models/mod.rs",
        "msgraph-models/src/generated/models/security/mod.rs",
        "msgraph-models/src/generated/models/call_records/mod.rs",
        "msgraph-models/src/generated/models/security/_alert.rs",
        "msgraph-models/src/generated/models/call_records/_call_record.rs",
        "msgraph-models/src/generated/models/_phone_authentication_method.rs",
    ] {
        assert!(g.files.contains_key(path), "missing {path}; have {:?}", g.files.keys().collect::<Vec<_>>());
    }
    let root = &g.files["msgraph-models/src/generated/models/mod.rs"];
    assert!(root.contains("pub mod security;") && root.contains("pub mod call_records;"), "{root}");
    let security = &g.files["msgraph-models/src/generated/models/security/mod.rs"];
    assert!(security.contains("mod _alert;") && security.contains("_alert::Alert"), "{security}");
}

// ----- inheritance -----

#[test]
fn inheritance_order_puts_every_base_before_its_derived_types() {
    let m = basic();
    let order = &m.inheritance_order;
    let mut sorted = order.clone();
    sorted.sort();
    let mut keys: Vec<String> = m.structs.keys().cloned().collect();
    keys.sort();
    assert_eq!(sorted, keys, "inheritance_order must list every struct exactly once");

    let pos = |q: &str| order.iter().position(|x| x == q).unwrap_or_else(|| panic!("{q} not in order"));
    let mut pairs = 0;
    for s in m.structs.values() {
        for a in m.ancestors(&s.qname) {
            assert!(pos(&a) < pos(&s.qname), "{a} must come before its descendant {}: {order:?}", s.qname);
            pairs += 1;
        }
    }
    assert!(pairs >= 20, "the fixture has many (ancestor, descendant) pairs, found {pairs}");
    assert_eq!(
        m.ancestors("microsoft.graph.user"),
        ["microsoft.graph.directoryObject", "microsoft.graph.entity"],
        "ancestors are nearest first"
    );
    assert_eq!(
        st(&m, "microsoft.graph.authenticationMethod").derived,
        [
            "microsoft.graph.fido2AuthenticationMethod",
            "microsoft.graph.passwordAuthenticationMethod",
            "microsoft.graph.phoneAuthenticationMethod",
        ]
    );
    assert_eq!(
        m.descendants(ir::ENTITY).len(),
        m.structs.values().filter(|s| s.kind == StructKind::Entity).count() - 1,
        "every entity type derives from entity"
    );
}

#[test]
fn inherited_properties_come_first_then_own_in_declaration_order() {
    let m = basic();
    let phone = st(&m, "microsoft.graph.phoneAuthenticationMethod");
    assert_eq!(names(phone), ["id", "createdDateTime", "phoneNumber", "phoneType", "smsSignInState"]);
    assert_eq!(rust_names(phone), ["id", "created_date_time", "phone_number", "phone_type", "sms_sign_in_state"]);
    let declared: Vec<&str> = phone.properties.iter().map(|p| p.declared_in.as_str()).collect();
    assert_eq!(
        declared,
        [
            "microsoft.graph.entity",
            "microsoft.graph.authenticationMethod",
            "microsoft.graph.phoneAuthenticationMethod",
            "microsoft.graph.phoneAuthenticationMethod",
            "microsoft.graph.phoneAuthenticationMethod",
        ]
    );
    assert!(!prop(phone, "id").nullable, "Nullable=false is inherited with the property");
    assert_eq!(
        prop(phone, "phoneType").rust_type.value,
        ValueType::Enum(path("microsoft.graph.authenticationPhoneType", &[], "AuthenticationPhoneType"))
    );
    assert_eq!(
        prop(phone, "smsSignInState").rust_type.value,
        ValueType::Enum(path(
            "microsoft.graph.authenticationMethodSignInState",
            &[],
            "AuthenticationMethodSignInState"
        ))
    );

    // Two levels: entity → directoryObject → user; navigation properties after structural ones.
    let user = st(&m, "microsoft.graph.user");
    let n = names(user);
    assert_eq!(n[..4], ["id", "deletedDateTime", "accountEnabled", "assignedLicenses"]);
    assert_eq!(n[n.len() - 4..], ["authentication", "manager", "memberOf", "photo"]);
    assert_eq!(n.len(), 2 + 23 + 4);

    // Keys: declared on entity, inherited by every entity type; complex types have none.
    assert_eq!(st(&m, ir::ENTITY).key, ["id"]);
    for q in ["microsoft.graph.phoneAuthenticationMethod", "microsoft.graph.user", "microsoft.graph.security.alert"] {
        assert_eq!(st(&m, q).key, ["id"], "{q}");
    }
    assert!(st(&m, "microsoft.graph.identitySet").key.is_empty());

    // Flags inherited from the declaration: abstract/open/stream.
    assert!(st(&m, "microsoft.graph.authenticationMethod").is_abstract);
    assert!(!phone.is_abstract);
    assert!(st(&m, "microsoft.graph.directoryObject").open_type);
    assert!(st(&m, "microsoft.graph.profilePhoto").has_stream);
    assert!(!user.has_stream);
    assert_eq!(st(&m, "microsoft.graph.identity").kind, StructKind::Complex);
    assert_eq!(phone.kind, StructKind::Entity);
}

// ----- naming -----

#[test]
fn keyword_properties_get_valid_rust_names() {
    let m = basic();
    let r = st(&m, "microsoft.graph.resourceReference");
    assert_eq!(names(r), ["final", "id", "move", "self", "type", "webUrl"]);
    assert_eq!(rust_names(r), ["r#final", "id", "r#move", "self_", "r#type", "web_url"]);
    let l = st(&m, "microsoft.graph.linkedResource");
    assert_eq!(names(l), ["crate", "Self", "type"]);
    assert_eq!(rust_names(l), ["crate_", "self_", "r#type"]);
    for s in [r, l] {
        assert!(s.properties.iter().all(|p| !p.renamed), "{}: keyword escaping is not a rename", s.qname);
    }
    // Every field name is a valid Rust identifier (parsed by syn).
    for s in m.structs.values() {
        for p in &s.properties {
            assert!(syn::parse_str::<syn::Ident>(&p.rust_name).is_ok(), "{}/{}: {}", s.qname, p.name, p.rust_name);
        }
    }
    assert_eq!(prop(st(&m, "microsoft.graph.callRecords.callRecord"), "type").rust_name, "r#type");
}

#[test]
fn colliding_enum_members_get_suffixes() {
    let m = basic();
    let e = m.enums.get("microsoft.graph.threatCategory").expect("threatCategory");
    let got: Vec<(&str, &str, bool, i64)> =
        e.members.iter().map(|x| (x.name.as_str(), x.rust_name.as_str(), x.renamed, x.value)).collect();
    assert_eq!(
        got,
        [
            ("remoteControlSoftware", "RemoteControlSoftware", false, 0),
            ("remote_Control_Software", "RemoteControlSoftware2", true, 1),
            ("unknownFutureValue", "UnknownFutureValue", false, 2),
        ]
    );
    assert_eq!(e.rust_name, "ThreatCategory");
    assert!(!e.is_flags);
    let flags = m.enums.get("microsoft.graph.dayOfWeekFlags").expect("dayOfWeekFlags");
    assert!(flags.is_flags);
    assert_eq!(flags.members.iter().map(|x| x.value).collect::<Vec<_>>(), [1, 2, 4, 8]);
    assert_eq!(
        prop(st(&m, "microsoft.graph.user"), "workingDays").rust_type.value,
        ValueType::Flags(path("microsoft.graph.dayOfWeekFlags", &[], "DayOfWeekFlags"))
    );
}

#[test]
fn same_type_name_in_two_namespaces_keeps_its_name() {
    let m = basic();
    let a = st(&m, "microsoft.graph.Dictionary");
    let b = st(&m, "microsoft.graph.security.dictionary");
    assert_eq!((a.rust_name.as_str(), a.renamed), ("Dictionary", false));
    assert_eq!((b.rust_name.as_str(), b.renamed), ("Dictionary", false));
    assert_ne!(m.module_path(&a.namespace), m.module_path(&b.namespace));
    // No struct or enum was renamed in the fixture at all.
    assert!(m.structs.values().all(|s| !s.renamed));
    assert!(m.enums.values().all(|e| !e.renamed));

    let g = generate(&input(&fixture("basic.xml"), "basic.xml")).unwrap();
    assert!(g.files["msgraph-models/src/generated/models/_dictionary.rs"].contains("pub struct Dictionary {"));
    assert!(g.files["msgraph-models/src/generated/models/security/_dictionary.rs"].contains("pub struct Dictionary {"));
}

#[test]
fn names_reserved_by_the_generator_and_case_collisions() {
    let text = doc_with(
        r#"
      <EnumType Name="state">
        <Member Name="unrecognized" Value="0" />
        <Member Name="known" Value="1" />
        <Member Name="Known" Value="2" />
      </EnumType>
      <ComplexType Name="widget">
        <Property Name="additionalData" Type="Edm.String" />
        <Property Name="displayName" Type="Edm.String" />
        <Property Name="DisplayName" Type="Edm.String" />
        <Property Name="state" Type="graph.state" />
      </ComplexType>
      <ComplexType Name="Widget">
        <Property Name="x" Type="Edm.String" />
      </ComplexType>"#,
    );
    let m = build_ok(&text, "reserved.xml");
    let e = &m.enums["microsoft.graph.state"];
    let got: Vec<(&str, bool)> = e.members.iter().map(|x| (x.rust_name.as_str(), x.renamed)).collect();
    assert_eq!(got, [("Unrecognized2", true), ("Known", false), ("Known2", true)]);
    assert_eq!(naming::UNKNOWN_VARIANT, "Unrecognized");

    let w = st(&m, "microsoft.graph.widget");
    let got: Vec<(&str, bool)> = w.properties.iter().map(|p| (p.rust_name.as_str(), p.renamed)).collect();
    // A property named like a field of the generator's own gets a trailing `_`, as `self` does.
    assert_eq!(got, [("additional_data_", false), ("display_name", false), ("display_name_2", true), ("state", false)]);
    assert_eq!((w.rust_name.as_str(), w.renamed), ("Widget", false));
    let w2 = st(&m, "microsoft.graph.Widget");
    assert_eq!((w2.rust_name.as_str(), w2.renamed), ("Widget2", true));

    // The wire names are kept, and the generated code compiles as far as syn can tell.
    let g = generate(&input(&text, "reserved.xml")).unwrap();
    let enum_file = &g.files["msgraph-models/src/generated/models/_state.rs"];
    assert!(enum_file.contains("Unrecognized2 = \"unrecognized\""), "{enum_file}");
    assert!(enum_file.contains("Unrecognized(::msgraph_codec::model::UnrecognizedValue)"), "{enum_file}");
    let widget_file = &g.files["msgraph-models/src/generated/models/_widget.rs"];
    assert!(widget_file.contains("0 => additional_data_: \"additionalData\","), "{widget_file}");
    assert!(widget_file.contains("pub additional_data_: Option<String>"), "{widget_file}");
    assert!(g.files.contains_key("msgraph-models/src/generated/models/_widget2.rs"));
    for (path, content) in &g.files {
        assert!(syn::parse_file(content).is_ok(), "{path} does not parse:\n{content}");
    }
}

// ----- polymorphism -----

#[test]
fn referenced_bases_with_derived_types_get_kind_enums() {
    let m = basic();
    let keys: Vec<&str> = m.kinds.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "microsoft.graph.authenticationMethod",
            "microsoft.graph.directoryObject",
            "microsoft.graph.identity",
            "microsoft.graph.identitySet",
        ],
        "entity (never referenced) and types without derived types (passwordProfile) get no kind"
    );
    let k = &m.kinds["microsoft.graph.authenticationMethod"];
    assert_eq!(k.base, "microsoft.graph.authenticationMethod");
    assert_eq!(k.rust_name, "AuthenticationMethodKind");
    let variants: Vec<(&str, &str)> = k.variants.iter().map(|v| (v.qname.as_str(), v.rust_name.as_str())).collect();
    assert_eq!(
        variants,
        [
            ("microsoft.graph.authenticationMethod", "AuthenticationMethod"),
            ("microsoft.graph.fido2AuthenticationMethod", "Fido2AuthenticationMethod"),
            ("microsoft.graph.passwordAuthenticationMethod", "PasswordAuthenticationMethod"),
            ("microsoft.graph.phoneAuthenticationMethod", "PhoneAuthenticationMethod"),
        ]
    );
    for k in m.kinds.values() {
        assert_eq!(k.variants[0].qname, k.base, "base variant first");
        let rest: Vec<String> = k.variants[1..].iter().map(|v| v.qname.clone()).collect();
        assert_eq!(rest, m.descendants(&k.base), "{}: derived variants are all descendants, sorted", k.base);
    }
    let d = &m.kinds["microsoft.graph.directoryObject"];
    assert_eq!(d.variants.iter().map(|v| v.rust_name.as_str()).collect::<Vec<_>>(), ["DirectoryObject", "User"]);

    // Fields typed as a polymorphic base use its kind; others stay plain structs.
    let user = st(&m, "microsoft.graph.user");
    let directory_object = ValueType::Kind(path("microsoft.graph.directoryObject", &[], "DirectoryObjectKind"));
    assert_eq!(prop(user, "manager").rust_type, FieldType { value: directory_object.clone(), wrap: Wrap::Plain });
    assert_eq!(prop(user, "memberOf").rust_type, FieldType { value: directory_object, wrap: Wrap::Vec });
    assert_eq!(
        prop(user, "passwordProfile").rust_type.value,
        ValueType::Struct(path("microsoft.graph.passwordProfile", &[], "PasswordProfile"))
    );
    let auth = st(&m, "microsoft.graph.authentication");
    assert_eq!(
        prop(auth, "methods").rust_type.value,
        ValueType::Kind(path("microsoft.graph.authenticationMethod", &[], "AuthenticationMethodKind"))
    );
    assert_eq!(
        prop(auth, "phoneMethods").rust_type.value,
        ValueType::Struct(path("microsoft.graph.phoneAuthenticationMethod", &[], "PhoneAuthenticationMethod"))
    );
    // Types of other namespaces carry their module path.
    assert_eq!(
        prop(st(&m, "microsoft.graph.security"), "latestAlert").rust_type,
        FieldType {
            value: ValueType::Struct(path("microsoft.graph.security.alert", &["security"], "Alert")),
            wrap: Wrap::Boxed
        }
    );
}

#[test]
fn writes_odata_type_only_below_a_polymorphic_base_other_than_entity() {
    let m = basic();
    let writes = |q: &str| st(&m, q).writes_odata_type;
    for q in [
        "microsoft.graph.phoneAuthenticationMethod",
        "microsoft.graph.fido2AuthenticationMethod",
        "microsoft.graph.user",
        "microsoft.graph.applicationIdentity",
        "microsoft.graph.chatMessageFromIdentitySet",
    ] {
        assert!(writes(q), "{q} is read through a polymorphic base, so it must write @odata.type");
    }
    for q in [
        "microsoft.graph.profilePhoto",
        "microsoft.graph.security.alert",
        "microsoft.graph.callRecords.callRecord",
        "microsoft.graph.authenticationMethod",
        "microsoft.graph.passwordProfile",
        ir::ENTITY,
    ] {
        assert!(!writes(q), "{q} has no polymorphic ancestor other than entity");
    }
}

// ----- boxing -----

#[test]
fn single_valued_navigation_struct_fields_are_boxed() {
    let m = basic();
    let user = st(&m, "microsoft.graph.user");
    assert!(boxed(prop(user, "authentication")));
    assert!(boxed(prop(user, "photo")));
    assert!(boxed(prop(st(&m, "microsoft.graph.security"), "latestAlert")));
    assert!(!boxed(prop(user, "memberOf")), "collections are never boxed");
    assert!(!boxed(prop(user, "passwordProfile")), "a complex type off any cycle is inline");
    assert!(!boxed(prop(user, "manager")), "kind enums box their variants themselves");
    let mut boxed_navs = 0;
    for s in m.structs.values() {
        for p in &s.properties {
            let single_struct_nav =
                p.navigation && !p.r#type.collection && matches!(p.rust_type.value, ValueType::Struct(_));
            assert_eq!(boxed(p), single_struct_nav, "{}/{}", s.qname, p.name);
            boxed_navs += usize::from(single_struct_nav);
        }
    }
    assert_eq!(boxed_navs, 3);
}

#[test]
fn complex_type_cycles_are_boxed_and_nothing_else() {
    let text = doc_with(
        r#"
      <ComplexType Name="A">
        <Property Name="b" Type="graph.B" />
        <Property Name="c" Type="graph.C" />
      </ComplexType>
      <ComplexType Name="B">
        <Property Name="a" Type="graph.A" />
        <Property Name="cs" Type="Collection(graph.C)" />
      </ComplexType>
      <ComplexType Name="C">
        <Property Name="x" Type="Edm.String" />
      </ComplexType>
      <ComplexType Name="D">
        <Property Name="a" Type="graph.A" />
        <Property Name="c" Type="graph.C" />
      </ComplexType>
      <ComplexType Name="node">
        <Property Name="next" Type="graph.node" />
      </ComplexType>
      <ComplexType Name="tree">
        <Property Name="children" Type="Collection(graph.tree)" />
      </ComplexType>"#,
    );
    let m = build_ok(&text, "cycle.xml");
    let boxed = |q: &str, p: &str| boxed(prop(st(&m, &format!("microsoft.graph.{q}")), p));
    assert!(boxed("A", "b"), "A.b is on the cycle A → B → A");
    assert!(boxed("B", "a"), "B.a is on the cycle A → B → A");
    assert!(!boxed("A", "c"), "C is on no cycle");
    assert!(!boxed("B", "cs"));
    assert!(!boxed("C", "x"));
    assert!(!boxed("D", "a"), "D only points into the cycle");
    assert!(!boxed("D", "c"));
    assert!(boxed("node", "next"), "a self-reference is a cycle");
    assert!(!boxed("tree", "children"), "a Vec already breaks the recursion");

    let g = generate(&input(&text, "cycle.xml")).unwrap();
    let a = &g.files["msgraph-models/src/generated/models/_a.rs"];
    assert!(a.contains("pub b: Option<Box<crate::models::B>>"), "{a}");
    assert!(a.contains("pub c: Option<crate::models::C>"), "{a}");
}

// ----- documentation -----

#[test]
fn descriptions_reach_types_properties_and_members() {
    let m = basic();
    let user = st(&m, "microsoft.graph.user");
    assert_eq!(user.docs.description.as_deref(), Some("Represents a Microsoft Entra user account."));
    assert!(user.docs.long_description.as_deref().is_some_and(|d| d.starts_with("The user resource lets apps")));
    assert_eq!(user.docs.deprecation, None);
    assert_eq!(
        prop(user, "createdDateTime").docs.description.as_deref(),
        Some("The date and time the user was created, in ISO 8601 format and UTC. Read-only.")
    );
    assert!(prop(user, "mail").docs.description.as_deref().is_some_and(|d| d.contains("jeff@contoso.com")));
    assert!(prop(user, "memberOf").docs.description.as_deref().is_some_and(|d| d.starts_with("The groups")));
    assert_eq!(prop(user, "displayName").docs, ir::Docs::default());

    // Inline annotations, on a property and an enum member.
    let fido = st(&m, "microsoft.graph.fido2AuthenticationMethod");
    assert!(prop(fido, "aaGuid").docs.description.as_deref().is_some_and(|d| d.starts_with("Authenticator")));
    let threat = &m.enums["microsoft.graph.threatCategory"];
    assert_eq!(
        threat.members[2].docs.description.as_deref(),
        Some("Evolvable enumeration sentinel value. Do not use.")
    );
    assert_eq!(threat.members[0].docs.description, None);
    // An `<Annotations>` block targeting an enum member.
    let phone_type = &m.enums["microsoft.graph.authenticationPhoneType"];
    assert_eq!(phone_type.members[0].docs.description.as_deref(), Some("A mobile phone."));
    assert_eq!(phone_type.members[1].docs.description, None);

    // Other namespaces.
    let alert = st(&m, "microsoft.graph.security.alert");
    assert!(alert.docs.description.as_deref().is_some_and(|d| d.starts_with("A potential security issue")));
    assert_eq!(
        prop(alert, "title").docs.description.as_deref(),
        Some("Brief identifying string value describing the alert.")
    );
    assert!(st(&m, "microsoft.graph.callRecords.callRecord").docs.description.is_some());

    // Inherited properties keep the docs of their declaration.
    assert_eq!(prop(st(&m, "microsoft.graph.phoneAuthenticationMethod"), "id").docs.description, None);
}

#[test]
fn revisions_become_deprecations() {
    let m = basic();
    let pw = st(&m, "microsoft.graph.passwordAuthenticationMethod");
    assert_eq!(pw.docs.description.as_deref(), Some("Represents a password that's registered to a user."));
    let d = pw.docs.deprecation.as_ref().expect("passwordAuthenticationMethod is deprecated");
    assert_eq!(d.date.as_deref(), Some("2024-04-10"));
    assert_eq!(d.removal_date.as_deref(), Some("2026-04-10"));
    assert_eq!(d.version.as_deref(), Some("2024-04/PasswordMethods"));
    assert!(d.description.as_deref().is_some_and(|t| t.starts_with("The passwordMethods API is deprecated")));
    let note = d.note();
    assert!(note.contains("Please use the methods API.") && note.contains("2024-04-10"), "{note}");
    assert!(note.contains("Planned removal: 2026-04-10."), "{note}");
    let deprecated: Vec<&str> =
        m.structs.values().filter(|s| s.docs.deprecation.is_some()).map(|s| s.qname.as_str()).collect();
    assert_eq!(deprecated, ["microsoft.graph.passwordAuthenticationMethod"]);

    let g = generate(&input(&fixture("basic.xml"), "basic.xml")).unwrap();
    let file = &g.files["msgraph-models/src/generated/models/_password_authentication_method.rs"];
    assert!(file.contains("#[deprecated(") && file.contains("Planned removal: 2026-04-10."), "{file}");
}

#[test]
fn computed_marks_read_only_properties() {
    let m = basic();
    let computed: Vec<String> = m
        .structs
        .values()
        .flat_map(|s| s.properties.iter().filter(|p| p.computed).map(move |p| format!("{}/{}", s.qname, p.name)))
        .collect();
    assert_eq!(computed, ["microsoft.graph.user/createdDateTime"]);
    assert!(!prop(st(&m, "microsoft.graph.authenticationMethod"), "createdDateTime").computed);
}

#[test]
fn read_only_is_computed_or_read_permission_alone() {
    let text = doc_with(
        r#"
      <EntityType Name="note">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
        <Property Name="stamp" Type="Edm.String" />
        <Property Name="owner" Type="Edm.String" />
        <Property Name="title" Type="Edm.String" />
      </EntityType>
      <Annotations Target="microsoft.graph.note/stamp">
        <Annotation Term="Org.OData.Core.V1.Computed" Bool="true" />
      </Annotations>
      <Annotations Target="microsoft.graph.note/owner">
        <Annotation Term="Org.OData.Core.V1.Description" String="Who wrote it." />
        <Annotation Term="Org.OData.Core.V1.Permissions">
          <EnumMember>Org.OData.Core.V1.Permission/Read</EnumMember>
        </Annotation>
      </Annotations>
      <Annotations Target="microsoft.graph.note/title">
        <Annotation Term="Org.OData.Core.V1.Permissions">
          <EnumMember>Org.OData.Core.V1.Permission/ReadWrite</EnumMember>
        </Annotation>
      </Annotations>
"#,
    );
    let m = build_ok(&text, "read_only.xml");
    let note = st(&m, "microsoft.graph.note");
    let flags = |name: &str| (prop(note, name).computed, prop(note, name).read_only);
    assert_eq!(flags("stamp"), (true, true));
    assert_eq!(flags("owner"), (false, true));
    assert_eq!(flags("title"), (false, false));
    assert_eq!(flags("id"), (false, false));

    // The field docs: description, wire name, read-only.
    let g = generate(&input(&text, "read_only.xml")).unwrap();
    let file = &g.files["msgraph-models/src/generated/models/_note.rs"];
    assert!(file.contains("/// Wire name `stamp`. Read-only: never sent in requests.\n"), "{file}");
    assert!(file.contains("/// Who wrote it. Wire name `owner`. Read-only.\n"), "{file}");
    assert!(file.contains("/// Wire name `title`.\n"), "{file}");
}

// ----- operations -----

#[test]
fn operations_are_bound_and_resolved() {
    let m = basic();
    let got: Vec<(&str, OperationKind)> = m.operations.iter().map(|o| (o.name.as_str(), o.kind)).collect();
    assert_eq!(
        got,
        [
            ("delta", OperationKind::Function),
            ("disableSmsSignIn", OperationKind::Action),
            ("enableSmsSignIn", OperationKind::Action),
            ("getMemberGroups", OperationKind::Action),
            ("reminderView", OperationKind::Function),
            ("resetPassword", OperationKind::Action),
        ],
        "sorted by (namespace, name, ...)"
    );

    for name in ["enableSmsSignIn", "disableSmsSignIn"] {
        let o = op(&m, name);
        assert_eq!(o.binding, Some(strukt("microsoft.graph.phoneAuthenticationMethod", false)), "{name}");
        assert!(o.parameters.is_empty() && o.return_type.is_none() && !o.is_composable, "{name}");
        assert_eq!(o.namespace, "microsoft.graph");
    }

    let reset = op(&m, "resetPassword");
    assert_eq!(reset.binding, Some(strukt("microsoft.graph.authenticationMethod", false)));
    assert_eq!(reset.parameters.len(), 1, "the binding parameter is not a parameter");
    let p = &reset.parameters[0];
    assert_eq!((p.name.as_str(), p.rust_name.as_str()), ("newPassword", "new_password"));
    assert_eq!(p.r#type, prim(Primitive::String, false));
    assert_eq!(p.rust_type, ValueType::Scalar(Scalar::String));
    assert!(p.nullable && !p.optional);
    let rt = reset.return_type.as_ref().expect("resetPassword returns");
    assert_eq!(rt.r#type, strukt("microsoft.graph.passwordResetResponse", false));
    assert_eq!(
        rt.rust_type,
        ValueType::Struct(path("microsoft.graph.passwordResetResponse", &[], "PasswordResetResponse"))
    );
    assert!(rt.nullable);
    assert_eq!(
        reset.docs.description.as_deref(),
        Some("Reset a user's password."),
        "the overload-qualified annotation target reaches the operation"
    );

    let delta = op(&m, "delta");
    assert_eq!(delta.kind, OperationKind::Function);
    assert_eq!(delta.binding, Some(strukt("microsoft.graph.user", true)));
    assert!(delta.is_composable);
    assert_eq!(delta.return_type.as_ref().map(|r| r.r#type.clone()), Some(strukt("microsoft.graph.user", true)));
    assert_eq!(delta.docs.description, None);

    let rv = op(&m, "reminderView");
    assert_eq!(rv.binding, Some(strukt("microsoft.graph.user", false)));
    let ps: Vec<(&str, &str, bool, bool)> =
        rv.parameters.iter().map(|p| (p.name.as_str(), p.rust_name.as_str(), p.nullable, p.optional)).collect();
    assert_eq!(ps, [("StartDateTime", "start_date_time", false, false), ("EndDateTime", "end_date_time", true, true)]);
    let rt = rv.return_type.as_ref().unwrap();
    assert_eq!(rt.r#type, strukt("microsoft.graph.reminder", true));
    assert!(!rt.nullable);

    let gm = op(&m, "getMemberGroups");
    assert_eq!(gm.binding, Some(strukt("microsoft.graph.directoryObject", false)));
    assert_eq!(gm.parameters[0].r#type, prim(Primitive::Boolean, false));
    assert_eq!(gm.parameters[0].rust_type, ValueType::Scalar(Scalar::Bool));
    assert_eq!(gm.return_type.as_ref().unwrap().r#type, prim(Primitive::String, true));
    assert_eq!(gm.return_type.as_ref().unwrap().rust_type, ValueType::Scalar(Scalar::String), "the element type");
}

#[test]
fn operation_docs_follow_the_overload_target() {
    let text = doc_with(
        r#"
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="user" BaseType="graph.entity" />
      <EntityType Name="group" BaseType="graph.entity" />
      <Action Name="archive" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.user" />
        <Parameter Name="tags" Type="Collection(Edm.String)" />
      </Action>
      <Action Name="archive" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.group" />
      </Action>
      <Function Name="count" IsBound="true">
        <Parameter Name="bindingParameter" Type="Collection(graph.user)" />
        <ReturnType Type="Edm.Int32" />
        <Annotation Term="Org.OData.Core.V1.Description" String="Inline." />
      </Function>
      <Annotations Target="graph.archive(graph.user,Collection( Edm.String ))">
        <Annotation Term="Org.OData.Core.V1.Description" String="Archives a user." />
      </Annotations>
      <Annotations Target="microsoft.graph.archive">
        <Annotation Term="Org.OData.Core.V1.Description" String="Archives something." />
        <Annotation Term="Org.OData.Core.V1.LongDescription" String="For every overload." />
      </Annotations>"#,
    );
    let m = build_ok(&text, "ops.xml");
    let docs: Vec<(String, Option<&str>, Option<&str>)> = m
        .operations
        .iter()
        .map(|o| {
            (
                o.binding.as_ref().map(TypeRef::display).unwrap_or_default(),
                o.docs.description.as_deref(),
                o.docs.long_description.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        docs,
        [
            ("microsoft.graph.group".to_string(), Some("Archives something."), Some("For every overload.")),
            ("microsoft.graph.user".to_string(), Some("Archives a user."), Some("For every overload.")),
            ("Collection(microsoft.graph.user)".to_string(), Some("Inline."), None),
        ]
    );
}

// ----- container -----

#[test]
fn container_lists_sets_and_singletons_sorted_and_resolved() {
    let m = basic();
    let c = m.container.as_ref().expect("container");
    assert_eq!((c.name.as_str(), c.namespace.as_str()), ("GraphService", "microsoft.graph"));
    let sets: Vec<(&str, &str, &str)> =
        c.entity_sets.iter().map(|s| (s.name.as_str(), s.rust_name.as_str(), s.entity_type.as_str())).collect();
    assert_eq!(
        sets,
        [
            ("directoryObjects", "directory_objects", "microsoft.graph.directoryObject"),
            ("users", "users", "microsoft.graph.user")
        ]
    );
    let singletons: Vec<(&str, &str)> =
        c.singletons.iter().map(|s| (s.name.as_str(), s.entity_type.as_str())).collect();
    assert_eq!(
        singletons,
        [
            ("communications", "microsoft.graph.cloudCommunications"),
            ("me", "microsoft.graph.user"),
            ("security", "microsoft.graph.security"),
        ]
    );
    let bindings = vec![
        ("manager".to_string(), "directoryObjects".to_string()),
        ("memberOf".to_string(), "directoryObjects".to_string()),
    ];
    assert_eq!(c.entity_sets[1].bindings, bindings);
    assert_eq!(c.singletons[1].bindings, bindings);
    assert!(c.entity_sets[0].bindings.is_empty());
    for s in c.entity_sets.iter().chain(&c.singletons) {
        assert_eq!(st(&m, &s.entity_type).kind, StructKind::Entity, "{}", s.name);
    }
    // Capability annotations on the set are kept for later stages, under the normalised target.
    let anns = m.annotations.get("microsoft.graph.GraphService/users").expect("annotations of users");
    assert_eq!(anns.len(), 2);
}

// ----- errors -----

#[test]
fn bad_refs_reports_every_error_with_its_line() {
    let text = fixture("bad-refs.xml");
    let d = build_err(&text, "bad-refs.xml");
    let shown = d.to_string();
    let expected: [(&str, u32); 6] = [
        ("duplicate enum member low", line_of_nth(&text, r#"<Member Name="low""#, 1)),
        ("unknown type graph.doesNotExist", line_of(&text, "graph.doesNotExist")),
        ("9lives", line_of(&text, r#"Name="9lives""#)),
        ("unknown base type graph.missingBase", line_of(&text, "graph.missingBase")),
        ("duplicate type name microsoft.graph.address", line_of_nth(&text, r#"<ComplexType Name="address""#, 1)),
        ("inheritance cycle", line_of(&text, r#"<ComplexType Name="cycleA""#)),
    ];
    let cycle_b = line_of(&text, r#"<ComplexType Name="cycleB""#);
    for (needle, line) in expected {
        let found: Vec<_> = d.errors.iter().filter(|e| e.message.contains(needle)).collect();
        assert_eq!(found.len(), 1, "expected one error containing `{needle}`:\n{shown}");
        let e = found[0];
        let ok_line = e.location.line == line || (needle == "inheritance cycle" && e.location.line == cycle_b);
        assert!(ok_line, "`{needle}` reported at line {}, expected {line}:\n{shown}", e.location.line);
        assert!(e.location.column >= 1, "{needle}: column {}", e.location.column);
        assert!(e.location.path.starts_with("Schema[microsoft.graph]/"), "{needle}: path {}", e.location.path);
        assert!(
            shown.contains(&format!("bad-refs.xml:{}:{}", e.location.line, e.location.column)),
            "Display must list `{needle}` with file:line:column:\n{shown}"
        );
    }
    assert_eq!(d.errors.len(), 6, "no spurious errors:\n{shown}");
    assert!(shown.starts_with("bad-refs.xml: 6 error(s)\n"), "{shown}");
    assert_eq!(shown.lines().count(), 7, "{shown}");
    let owner = d.errors.iter().find(|e| e.message.contains("doesNotExist")).unwrap();
    assert_eq!(owner.location.path, "Schema[microsoft.graph]/EntityType[user]/Property[owner]");
    let lines: Vec<u32> = d.errors.iter().map(|e| e.location.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "errors are listed in document order");

    // generate() reports the same errors and produces nothing.
    assert_eq!(generate(&input(&text, "bad-refs.xml")).unwrap_err(), d);
}

#[test]
fn broken_xml_is_an_error_with_a_location() {
    let text = fixture("broken-xml.xml");
    let d = build_err(&text, "broken-xml.xml");
    assert_eq!(d.errors.len(), 1, "{d}");
    let e = &d.errors[0];
    // `<Property Name="mail" ...>` is never closed: the mismatch shows at the next end tag.
    assert_eq!(e.location.line, line_of_nth(&text, "</EntityType>", 1), "{d}");
    assert!(e.location.column >= 1);
    assert!(e.message.contains("malformed XML"), "{d}");
    assert!(d.to_string().contains(&format!("broken-xml.xml:{}:", e.location.line)), "{d}");
}

#[test]
fn truncated_document_is_an_error_at_its_end() {
    let text = fixture("truncated.xml");
    let d = build_err(&text, "truncated.xml");
    let e = &d.errors[0];
    let last_line = u32::try_from(text.matches('\n').count() + 1).unwrap();
    assert_eq!(e.location.line, last_line, "{d}");
    assert!(e.message.contains("end of"), "{d}");
    assert!(generate(&input(&text, "truncated.xml")).is_err());
}

#[test]
fn html_is_not_csdl() {
    let text = fixture("not-csdl.xml");
    let d = build_err(&text, "not-csdl.xml");
    assert_eq!(d.errors.len(), 1, "{d}");
    let e = &d.errors[0];
    assert_eq!(e.location.line, line_of(&text, "<html"), "{d}");
    assert!(e.message.contains("not a CSDL document") && e.message.contains("html"), "{d}");
    assert!(d.to_string().starts_with("not-csdl.xml: 1 error(s)\nnot-csdl.xml:"), "{d}");
}

// ----- robustness -----

/// Runs `generate` and turns a panic into `Err(message)`; checks diagnostics are well-formed.
fn generate_no_panic(text: &str, what: &str) -> Result<bool, String> {
    let result = catch_unwind(AssertUnwindSafe(|| generate(&input(text, "mutated.xml"))));
    match result {
        Ok(Ok(_)) => Ok(true),
        Ok(Err(d)) => {
            let max_line = u32::try_from(text.matches('\n').count() + 1).unwrap();
            if d.errors.is_empty() {
                return Err(format!("{what}: Err without errors"));
            }
            for e in &d.errors {
                if e.location.line < 1 || e.location.line > max_line {
                    return Err(format!("{what}: error outside the document ({} lines): {e:?}", max_line));
                }
            }
            let _ = d.to_string();
            Ok(false)
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default();
            Err(format!("{what}: panicked: {msg}"))
        }
    }
}

#[test]
fn prefixes_of_basic_never_panic_and_are_rejected() {
    let text = fixture("basic.xml");
    let mut failures = Vec::new();
    let mut offsets = Vec::new();
    for i in 0..200 {
        let mut cut = i * text.len() / 200;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        offsets.push(cut);
        match generate_no_panic(&text[..cut], &format!("prefix of {cut} bytes")) {
            Ok(true) => failures.push(format!("prefix of {cut} bytes was accepted as a complete document")),
            Ok(false) => {}
            Err(e) => failures.push(e),
        }
    }
    offsets.dedup();
    assert!(offsets.len() >= 190, "the cuts must be spread over the file");
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn single_byte_mutations_of_basic_never_panic() {
    let text = fixture("basic.xml");
    assert!(text.is_ascii(), "the mutation test assumes an ASCII fixture");
    const BYTES: &[u8] = b"<>/\"'=&;:.,()#_- 9aZ\n\tx";
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        // Knuth's MMIX LCG; the high bits are the good ones.
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap()
    };
    let mut failures = Vec::new();
    let (mut ok, mut err) = (0, 0);
    for i in 0..200 {
        let mut bytes = text.clone().into_bytes();
        let pos = next() % bytes.len();
        let byte = BYTES[next() % BYTES.len()];
        let what = match i % 3 {
            0 => {
                bytes[pos] = byte;
                format!("mutation #{i}: byte {pos} set to {:?}", byte as char)
            }
            1 => {
                bytes.remove(pos);
                format!("mutation #{i}: byte {pos} deleted")
            }
            _ => {
                bytes.insert(pos, byte);
                format!("mutation #{i}: {:?} inserted at {pos}", byte as char)
            }
        };
        let mutated = String::from_utf8(bytes).expect("ASCII stays UTF-8");
        match generate_no_panic(&mutated, &what) {
            Ok(true) => ok += 1,
            Ok(false) => err += 1,
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
    // Both outcomes occur, so the mutations reach past the XML parser into the IR and emitter.
    assert!(ok >= 20 && err >= 20, "{ok} accepted, {err} rejected");
}
