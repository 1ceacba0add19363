//! Tests of the CSDL parser (`msgraph_codegen::csdl::parse`): the real Graph metadata files, the
//! hand-written fixtures in `metadata/fixtures/`, and error reporting.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

mod common;
use common::{real_text as real_file, workspace_root};
use msgraph_codegen::csdl::{
    self, Annotation, AnnotationValue, Document, EntityType, Operation, ParseError, Schema, TypeRef,
};

// ----- helpers -----

fn fixture(name: &str) -> String {
    let path = workspace_root().join("metadata").join("fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read fixture {}: {err}", path.display()))
}

fn parse_ok(text: &str, what: &str) -> Document {
    match csdl::parse(text) {
        Ok(doc) => doc,
        Err(errors) => {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("{what}: expected a successful parse, got {} error(s):\n{}", errors.len(), list.join("\n"))
        }
    }
}

fn parse_err(text: &str, what: &str) -> Vec<ParseError> {
    match csdl::parse(text) {
        Ok(_) => panic!("{what}: expected parse errors, got a document"),
        Err(errors) => {
            assert!(!errors.is_empty(), "{what}: Err(vec![]) is not a useful error");
            errors
        }
    }
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> u32 {
    let pos = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not found"));
    u32::try_from(text[..pos].matches('\n').count() + 1).unwrap()
}

/// 1-based line of the `nth` (0-based) occurrence of `needle` in `text`.
fn line_of_nth(text: &str, needle: &str, nth: usize) -> u32 {
    let (pos, _) = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` #{nth} not found"));
    u32::try_from(text[..pos].matches('\n').count() + 1).unwrap()
}

/// Every annotation in the document: `<Annotations>` blocks and inline ones everywhere.
fn all_annotations(doc: &Document) -> Vec<&Annotation> {
    let mut out: Vec<&Annotation> = Vec::new();
    for s in &doc.schemas {
        for t in &s.entity_types {
            out.extend(&t.annotations);
            t.properties.iter().for_each(|p| out.extend(&p.annotations));
            t.navigation_properties.iter().for_each(|p| out.extend(&p.annotations));
        }
        for t in &s.complex_types {
            out.extend(&t.annotations);
            t.properties.iter().for_each(|p| out.extend(&p.annotations));
            t.navigation_properties.iter().for_each(|p| out.extend(&p.annotations));
        }
        for t in &s.enum_types {
            out.extend(&t.annotations);
            t.members.iter().for_each(|m| out.extend(&m.annotations));
        }
        for op in s.actions.iter().chain(&s.functions) {
            out.extend(&op.annotations);
            op.parameters.iter().for_each(|p| out.extend(&p.annotations));
            op.return_type.iter().for_each(|r| out.extend(&r.annotations));
        }
        for c in &s.entity_containers {
            out.extend(&c.annotations);
            c.entity_sets.iter().for_each(|e| out.extend(&e.annotations));
            c.singletons.iter().for_each(|e| out.extend(&e.annotations));
        }
        for b in &s.annotations {
            out.extend(&b.annotations);
        }
    }
    out
}

fn count_term(doc: &Document, term: &str) -> usize {
    all_annotations(doc).iter().filter(|a| a.term == term).count()
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    schemas: usize,
    entity_types: usize,
    complex_types: usize,
    enum_types: usize,
    flags_enums: usize,
    actions: usize,
    functions: usize,
    navigation_properties: usize,
    entity_containers: usize,
    entity_sets: usize,
    singletons: usize,
    annotations_blocks: usize,
    descriptions: usize,
}

fn counts(doc: &Document) -> Counts {
    let sum = |f: &dyn Fn(&Schema) -> usize| doc.schemas.iter().map(f).sum::<usize>();
    Counts {
        schemas: doc.schemas.len(),
        entity_types: sum(&|s| s.entity_types.len()),
        complex_types: sum(&|s| s.complex_types.len()),
        enum_types: sum(&|s| s.enum_types.len()),
        flags_enums: sum(&|s| s.enum_types.iter().filter(|e| e.is_flags).count()),
        actions: sum(&|s| s.actions.len()),
        functions: sum(&|s| s.functions.len()),
        navigation_properties: sum(&|s| {
            s.entity_types.iter().map(|t| t.navigation_properties.len()).sum::<usize>()
                + s.complex_types.iter().map(|t| t.navigation_properties.len()).sum::<usize>()
        }),
        entity_containers: sum(&|s| s.entity_containers.len()),
        entity_sets: sum(&|s| s.entity_containers.iter().map(|c| c.entity_sets.len()).sum()),
        singletons: sum(&|s| s.entity_containers.iter().map(|c| c.singletons.len()).sum()),
        annotations_blocks: sum(&|s| s.annotations.len()),
        descriptions: count_term(doc, "Org.OData.Core.V1.Description"),
    }
}

fn schema<'d>(doc: &'d Document, namespace: &str) -> &'d Schema {
    doc.schemas.iter().find(|s| s.namespace == namespace).unwrap_or_else(|| panic!("no schema {namespace}"))
}

fn entity<'s>(s: &'s Schema, name: &str) -> &'s EntityType {
    s.entity_types.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no entity type {name}"))
}

fn tref(name: &str, collection: bool) -> TypeRef {
    TypeRef { name: name.to_string(), collection }
}

fn string(s: &str) -> AnnotationValue {
    AnnotationValue::String(s.to_string())
}

// ----- the real Graph metadata -----

#[test]
fn real_v1_0_2026_08_03_counts() {
    let text = real_file("graph-v1.0-2026-08-03.csdl");
    let start = Instant::now();
    let doc = parse_ok(&text, "graph-v1.0-2026-08-03.csdl");
    eprintln!("parsed graph-v1.0-2026-08-03.csdl ({} bytes) in {:?}", text.len(), start.elapsed());

    // Expected numbers counted with grep on the uncompressed file.
    assert_eq!(
        counts(&doc),
        Counts {
            schemas: 11,
            entity_types: 1182,
            complex_types: 1779,
            enum_types: 861,
            flags_enums: 64,
            actions: 857,
            functions: 326,
            navigation_properties: 1432,
            entity_containers: 1,
            entity_sets: 41,
            singletons: 31,
            annotations_blocks: 4878,
            descriptions: 4474,
        }
    );

    let sum = |f: &dyn Fn(&Schema) -> usize| doc.schemas.iter().map(f).sum::<usize>();
    let properties = sum(&|s| {
        s.entity_types.iter().map(|t| t.properties.len()).sum::<usize>()
            + s.complex_types.iter().map(|t| t.properties.len()).sum::<usize>()
    });
    assert_eq!(properties, 10525);
    assert_eq!(sum(&|s| s.enum_types.iter().map(|e| e.members.len()).sum()), 6347);
    let ops = || doc.schemas.iter().flat_map(|s| s.actions.iter().chain(&s.functions));
    assert_eq!(ops().map(|o| o.parameters.len()).sum::<usize>(), 3032);
    assert_eq!(ops().filter(|o| o.return_type.is_some()).count(), 889);
    assert!(ops().all(|o| o.is_bound), "all Graph v1.0 operations are bound");
    assert_eq!(ops().filter(|o| o.is_composable).count(), 131);
    assert_eq!(ops().filter(|o| o.entity_set_path.is_some()).count(), 41);
    let abstract_types = sum(&|s| {
        s.entity_types.iter().filter(|t| t.is_abstract).count()
            + s.complex_types.iter().filter(|t| t.is_abstract).count()
    });
    assert_eq!(abstract_types, 183);
    let open_types = sum(&|s| {
        s.entity_types.iter().filter(|t| t.open_type).count() + s.complex_types.iter().filter(|t| t.open_type).count()
    });
    assert_eq!(open_types, 535);
    assert_eq!(sum(&|s| s.entity_types.iter().filter(|t| t.has_stream).count()), 10);
    let contained = sum(&|s| {
        s.entity_types
            .iter()
            .map(|t| t.navigation_properties.iter().filter(|n| n.contains_target).count())
            .sum::<usize>()
            + s.complex_types
                .iter()
                .map(|t| t.navigation_properties.iter().filter(|n| n.contains_target).count())
                .sum::<usize>()
    });
    assert_eq!(contained, 1079);
    assert_eq!(sum(&|s| s.terms.len()), 11);
    assert_eq!(all_annotations(&doc).len(), 5922);
    assert_eq!(count_term(&doc, "Org.OData.Core.V1.Revisions"), 55);
    assert_eq!(count_term(&doc, "Org.OData.Core.V1.Computed"), 205);
    assert_eq!(count_term(&doc, "Org.OData.Core.V1.OptionalParameter"), 181);
    // `IsDelta` sits on two `<ReturnType>`s (entraRecoveryServices getChanges/getFailedChanges).
    let recovery = schema(&doc, "microsoft.graph.entraRecoveryServices");
    let get_changes = recovery.functions.iter().find(|f| f.name == "getChanges").unwrap();
    let ret = get_changes.return_type.as_ref().unwrap();
    assert_eq!(ret.annotations[0].term, "Org.OData.Core.V1.IsDelta");
    assert_eq!(ret.annotations[0].value, AnnotationValue::Bool(true));
    assert_eq!(
        ret.annotations[0].location.path,
        "Schema[microsoft.graph.entraRecoveryServices]/Function[getChanges]/ReturnType/Annotation[Org.OData.Core.V1.IsDelta]"
    );

    let namespaces: Vec<&str> = doc.schemas.iter().map(|s| s.namespace.as_str()).collect();
    assert_eq!(
        namespaces,
        [
            "microsoft.graph",
            "microsoft.graph.callRecords",
            "microsoft.graph.customDataProvidedResourcePayloads",
            "microsoft.graph.entraRecoveryServices",
            "microsoft.graph.externalConnectors",
            "microsoft.graph.identityGovernance",
            "microsoft.graph.partners.billing",
            "microsoft.graph.search",
            "microsoft.graph.security",
            "microsoft.graph.teamsAdministration",
            "microsoft.graph.termStore",
        ]
    );
    let graph = schema(&doc, "microsoft.graph");
    assert_eq!(graph.alias.as_deref(), Some("graph"));
    assert_eq!(schema(&doc, "microsoft.graph.security").alias.as_deref(), Some("self"));
    assert_eq!(schema(&doc, "microsoft.graph.callRecords").alias, None);
    assert_eq!(graph.location.line, 4);
    assert_eq!(graph.location.path, "Schema[microsoft.graph]");

    let user = entity(graph, "user");
    assert_eq!(user.base_type.as_deref(), Some("graph.directoryObject"));
    assert!(user.open_type);
    assert_eq!(user.location.line, line_of(&text, r#"<EntityType Name="user" "#));
    assert_eq!(user.location.column, 7);
    assert_eq!(user.location.path, "Schema[microsoft.graph]/EntityType[user]");
    let mail = user.properties.iter().find(|p| p.name == "mail").unwrap();
    assert_eq!(mail.location.path, "Schema[microsoft.graph]/EntityType[user]/Property[mail]");
    assert!(mail.location.line > user.location.line);
    let entity_type = entity(graph, "entity");
    assert_eq!(entity_type.key, ["id"]);
    assert!(entity_type.is_abstract);

    let container = &graph.entity_containers[0];
    assert_eq!(container.name, "GraphService");
    let users = container.entity_sets.iter().find(|e| e.name == "users").unwrap();
    assert_eq!(users.entity_type, "microsoft.graph.user");
    assert_eq!(users.location.path, "Schema[microsoft.graph]/EntityContainer[GraphService]/EntitySet[users]");
    assert!(!users.navigation_property_bindings.is_empty());

    let revisions = all_annotations(&doc).into_iter().find(|a| a.term == "Org.OData.Core.V1.Revisions").unwrap();
    let AnnotationValue::Collection(items) = &revisions.value else { panic!("{revisions:?}") };
    let AnnotationValue::Record(record) = &items[0] else { panic!("{items:?}") };
    assert_eq!(
        record.properties.get("Kind"),
        Some(&AnnotationValue::EnumMember("Org.OData.Core.V1.RevisionKind/Deprecated".into()))
    );
}

#[test]
fn real_v1_0_2026_05_05_parses() {
    let text = real_file("graph-v1.0-2026-05-05.csdl");
    let doc = parse_ok(&text, "graph-v1.0-2026-05-05.csdl");
    assert_eq!(
        counts(&doc),
        Counts {
            schemas: 9,
            entity_types: 1150,
            complex_types: 1321,
            enum_types: 816,
            flags_enums: 56,
            actions: 845,
            functions: 321,
            navigation_properties: 1397,
            entity_containers: 1,
            entity_sets: 41,
            singletons: 31,
            annotations_blocks: 4442,
            descriptions: 4051,
        }
    );
}

#[test]
fn real_fairfax_parses() {
    let text = real_file("graph-v1.0-fairfax-2026-08.csdl");
    let doc = parse_ok(&text, "graph-v1.0-fairfax-2026-08.csdl");
    assert_eq!(
        counts(&doc),
        Counts {
            schemas: 6,
            entity_types: 832,
            complex_types: 1032,
            enum_types: 628,
            flags_enums: 49,
            actions: 751,
            functions: 195,
            navigation_properties: 1019,
            entity_containers: 1,
            entity_sets: 39,
            singletons: 27,
            annotations_blocks: 4029,
            descriptions: 3812,
        }
    );
}

// ----- basic.xml -----

#[test]
fn basic_schemas_and_aliases() {
    let doc = parse_ok(&fixture("basic.xml"), "basic.xml");
    let ns: Vec<(&str, Option<&str>)> =
        doc.schemas.iter().map(|s| (s.namespace.as_str(), s.alias.as_deref())).collect();
    assert_eq!(
        ns,
        [("microsoft.graph", Some("graph")), ("microsoft.graph.security", None), ("microsoft.graph.callRecords", None),]
    );
    let graph = &doc.schemas[0];
    assert_eq!(graph.terms.len(), 1);
    assert_eq!(graph.terms[0].name, "sourceUrl");
    assert_eq!(graph.terms[0].r#type, "Edm.String");
    assert_eq!(graph.terms[0].applies_to.as_deref(), Some("microsoft.graph.user"));
    assert!(graph.type_definitions.is_empty());
}

#[test]
fn basic_entity_types() {
    let text = fixture("basic.xml");
    let doc = parse_ok(&text, "basic.xml");
    let graph = schema(&doc, "microsoft.graph");

    let e = entity(graph, "entity");
    assert!(e.is_abstract && !e.open_type && !e.has_stream);
    assert_eq!(e.base_type, None);
    assert_eq!(e.key, ["id"]);
    assert_eq!(e.properties[0].name, "id");
    assert_eq!(e.properties[0].r#type, tref("Edm.String", false));
    assert!(!e.properties[0].nullable);

    let d = entity(graph, "directoryObject");
    assert_eq!(d.base_type.as_deref(), Some("graph.entity"));
    assert!(d.key.is_empty(), "key is inherited");
    assert!(d.open_type);
    assert_eq!(d.properties[0].name, "deletedDateTime");
    assert!(d.properties[0].nullable, "Nullable defaults to true");

    let user = entity(graph, "user");
    assert_eq!(user.base_type.as_deref(), Some("graph.directoryObject"));
    assert!(!user.is_abstract && !user.open_type && !user.has_stream);
    let prop = |name: &str| user.properties.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name}"));
    for (name, ty) in [
        ("accountEnabled", "Edm.Boolean"),
        ("birthdayDate", "Edm.Date"),
        ("costCenterBudget", "Edm.Decimal"),
        ("createdDateTime", "Edm.DateTimeOffset"),
        ("dailyStandupTime", "Edm.TimeOfDay"),
        ("displayName", "Edm.String"),
        ("immutableGuid", "Edm.Guid"),
        ("loginCount", "Edm.Int32"),
        ("mailboxRetention", "Edm.Duration"),
        ("priority", "Edm.Byte"),
        ("quotaRatio", "Edm.Double"),
        ("riskLevelCode", "Edm.Int16"),
        ("scoreSingle", "Edm.Single"),
        ("storageUsedInBytes", "Edm.Int64"),
        ("thumbnailBytes", "Edm.Binary"),
        ("passwordProfile", "graph.passwordProfile"),
        ("preferredPhoneType", "graph.authenticationPhoneType"),
        ("workingDays", "graph.dayOfWeekFlags"),
        ("customSettings", "graph.Json"),
    ] {
        assert_eq!(prop(name).r#type, tref(ty, false), "{name}");
    }
    assert_eq!(prop("businessPhones").r#type, tref("Edm.String", true));
    assert!(!prop("businessPhones").nullable);
    assert_eq!(prop("assignedLicenses").r#type, tref("graph.assignedLicense", true));
    assert!(!prop("storageUsedInBytes").nullable);
    assert!(prop("mail").nullable);
    assert_eq!(prop("mail").default_value, None);

    let nav = |name: &str| user.navigation_properties.iter().find(|p| p.name == name).unwrap();
    assert_eq!(nav("authentication").r#type, tref("graph.authentication", false));
    assert!(nav("authentication").contains_target);
    assert_eq!(nav("manager").r#type, tref("graph.directoryObject", false));
    assert!(!nav("manager").contains_target);
    assert!(nav("manager").nullable);
    assert_eq!(nav("memberOf").r#type, tref("graph.directoryObject", true));
    assert!(!nav("memberOf").contains_target);
    assert_eq!(nav("memberOf").partner, None);

    // Inline AlternateKeys annotation on the type itself: nested collections and records.
    assert_eq!(user.annotations.len(), 1);
    let alt = &user.annotations[0];
    assert_eq!(alt.term, "Org.OData.Core.V1.AlternateKeys");
    assert_eq!(
        alt.location.path,
        "Schema[microsoft.graph]/EntityType[user]/Annotation[Org.OData.Core.V1.AlternateKeys]"
    );
    let AnnotationValue::Collection(keys) = &alt.value else { panic!("{alt:?}") };
    let AnnotationValue::Record(key) = &keys[0] else { panic!() };
    assert_eq!(key.r#type.as_deref(), Some("Org.OData.Core.V1.AlternateKey"));
    let Some(AnnotationValue::Collection(refs)) = key.properties.get("Key") else { panic!("{key:?}") };
    let AnnotationValue::Record(r) = &refs[0] else { panic!() };
    assert_eq!(r.r#type.as_deref(), Some("Org.OData.Core.V1.PropertyRef"));
    assert_eq!(r.properties.get("Alias"), Some(&string("mail")));
    assert_eq!(r.properties.get("Name"), Some(&AnnotationValue::PropertyPath("mail".into())));

    // Locations: line, column, and path.
    assert_eq!(user.location.line, line_of(&text, r#"<EntityType Name="user""#));
    assert_eq!(user.location.column, 7);
    assert_eq!(user.location.path, "Schema[microsoft.graph]/EntityType[user]");
    assert_eq!(prop("mail").location.line, line_of(&text, r#"<Property Name="mail""#));
    assert_eq!(prop("mail").location.column, 9);
    assert_eq!(prop("mail").location.path, "Schema[microsoft.graph]/EntityType[user]/Property[mail]");
    assert_eq!(nav("memberOf").location.path, "Schema[microsoft.graph]/EntityType[user]/NavigationProperty[memberOf]");

    // Three levels of inheritance, abstract in the middle.
    let am = entity(graph, "authenticationMethod");
    assert!(am.is_abstract);
    assert_eq!(am.base_type.as_deref(), Some("graph.entity"));
    for derived in ["phoneAuthenticationMethod", "passwordAuthenticationMethod", "fido2AuthenticationMethod"] {
        assert_eq!(entity(graph, derived).base_type.as_deref(), Some("graph.authenticationMethod"));
        assert!(!entity(graph, derived).is_abstract);
    }
    let phone = entity(graph, "phoneAuthenticationMethod");
    assert_eq!(phone.properties[2].r#type, tref("graph.authenticationMethodSignInState", false));

    let auth = entity(graph, "authentication");
    let methods = auth.navigation_properties.iter().find(|n| n.name == "methods").unwrap();
    assert_eq!(methods.r#type, tref("graph.authenticationMethod", true));
    assert!(methods.contains_target);
    let phones = auth.navigation_properties.iter().find(|n| n.name == "phoneMethods").unwrap();
    assert_eq!(phones.r#type, tref("graph.phoneAuthenticationMethod", true));
    assert!(phones.contains_target);

    assert!(entity(graph, "profilePhoto").has_stream);

    // Inline annotation on a property.
    let fido = entity(graph, "fido2AuthenticationMethod");
    assert_eq!(fido.properties[0].annotations.len(), 1);
    assert_eq!(fido.properties[0].annotations[0].term, "Org.OData.Core.V1.Description");
    assert_eq!(
        fido.properties[0].annotations[0].location.path,
        "Schema[microsoft.graph]/EntityType[fido2AuthenticationMethod]/Property[aaGuid]/Annotation[Org.OData.Core.V1.Description]"
    );

    // Cross-namespace references, written with the alias and with the full namespace.
    let sec = entity(graph, "security");
    assert_eq!(sec.navigation_properties[0].r#type, tref("microsoft.graph.security.alert", true));
    assert_eq!(sec.navigation_properties[1].r#type, tref("microsoft.graph.security.alert", false));
    let security = schema(&doc, "microsoft.graph.security");
    let alert = entity(security, "alert");
    assert_eq!(alert.base_type.as_deref(), Some("graph.entity"));
    let comment = security.complex_types.iter().find(|c| c.name == "alertComment").unwrap();
    assert_eq!(comment.properties[1].r#type, tref("graph.identitySet", false));
    assert_eq!(alert.location.path, "Schema[microsoft.graph.security]/EntityType[alert]");
}

#[test]
fn basic_complex_and_enum_types() {
    let doc = parse_ok(&fixture("basic.xml"), "basic.xml");
    let graph = schema(&doc, "microsoft.graph");
    let complex = |name: &str| graph.complex_types.iter().find(|c| c.name == name).unwrap();

    assert!(complex("identity").is_abstract);
    assert_eq!(complex("userIdentity").base_type.as_deref(), Some("graph.identity"));
    assert_eq!(complex("applicationIdentity").base_type.as_deref(), Some("graph.identity"));
    assert!(complex("identitySet").open_type);
    assert!(!complex("identitySet").is_abstract);
    assert_eq!(complex("chatMessageFromIdentitySet").base_type.as_deref(), Some("graph.identitySet"));
    assert!(complex("Json").properties.is_empty());
    assert!(complex("Dictionary").open_type);
    let security = schema(&doc, "microsoft.graph.security");
    assert!(security.complex_types.iter().any(|c| c.name == "dictionary" && c.open_type));

    let keyword_names: Vec<&str> = complex("resourceReference").properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(keyword_names, ["final", "id", "move", "self", "type", "webUrl"]);
    let keyword_names: Vec<&str> = complex("linkedResource").properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(keyword_names, ["crate", "Self", "type"]);

    let enum_type = |name: &str| graph.enum_types.iter().find(|e| e.name == name).unwrap();
    let members = |name: &str| -> Vec<(String, Option<i64>)> {
        enum_type(name).members.iter().map(|m| (m.name.clone(), m.value)).collect()
    };
    let phone = enum_type("authenticationPhoneType");
    assert!(!phone.is_flags);
    assert_eq!(phone.underlying_type, None);
    assert_eq!(
        members("authenticationPhoneType"),
        [
            ("mobile".into(), Some(0)),
            ("alternateMobile".into(), Some(1)),
            ("office".into(), Some(2)),
            ("unknownFutureValue".into(), Some(3))
        ]
    );
    let names: Vec<String> = members("authenticationMethodSignInState").into_iter().map(|m| m.0).collect();
    assert_eq!(
        names,
        [
            "notSupported",
            "notAllowedByPolicy",
            "notEnabled",
            "phoneNumberNotUnique",
            "ready",
            "notConfigured",
            "unknownFutureValue"
        ]
    );
    assert!(enum_type("dayOfWeekFlags").is_flags);
    let values: Vec<Option<i64>> = members("dayOfWeekFlags").into_iter().map(|m| m.1).collect();
    assert_eq!(values, [Some(1), Some(2), Some(4), Some(8)]);
    let threat = enum_type("threatCategory");
    assert_eq!(threat.members[0].name, "remoteControlSoftware");
    assert_eq!(threat.members[1].name, "remote_Control_Software");
    assert_eq!(threat.members[2].annotations[0].value, string("Evolvable enumeration sentinel value. Do not use."));
    assert_eq!(
        threat.members[1].location.path,
        "Schema[microsoft.graph]/EnumType[threatCategory]/Member[remote_Control_Software]"
    );
}

#[test]
fn basic_operations() {
    let doc = parse_ok(&fixture("basic.xml"), "basic.xml");
    let graph = schema(&doc, "microsoft.graph");
    let action = |name: &str| -> &Operation { graph.actions.iter().find(|a| a.name == name).unwrap() };

    for name in ["enableSmsSignIn", "disableSmsSignIn"] {
        let a = action(name);
        assert!(a.is_bound && !a.is_composable);
        assert_eq!(a.parameters.len(), 1);
        assert_eq!(a.parameters[0].name, "bindingParameter");
        assert_eq!(a.parameters[0].r#type, tref("graph.phoneAuthenticationMethod", false));
        assert!(a.return_type.is_none());
    }
    let reset = action("resetPassword");
    assert!(reset.is_bound);
    assert_eq!(reset.parameters[0].r#type, tref("graph.authenticationMethod", false));
    assert_eq!(reset.parameters[1].name, "newPassword");
    assert_eq!(reset.parameters[1].r#type, tref("Edm.String", false));
    assert!(reset.parameters[1].nullable);
    let ret = reset.return_type.as_ref().unwrap();
    assert_eq!(ret.r#type, tref("graph.passwordResetResponse", false));
    assert!(ret.nullable);
    assert_eq!(reset.location.path, "Schema[microsoft.graph]/Action[resetPassword]");
    assert_eq!(
        reset.parameters[1].location.path,
        "Schema[microsoft.graph]/Action[resetPassword]/Parameter[newPassword]"
    );

    let groups = action("getMemberGroups");
    let ret = groups.return_type.as_ref().unwrap();
    assert_eq!(ret.r#type, tref("Edm.String", true));
    assert!(!ret.nullable);

    let delta = graph.functions.iter().find(|f| f.name == "delta").unwrap();
    assert!(delta.is_bound && delta.is_composable);
    assert_eq!(delta.parameters[0].r#type, tref("graph.user", true));
    assert_eq!(delta.return_type.as_ref().unwrap().r#type, tref("graph.user", true));
    assert_eq!(delta.entity_set_path, None);

    let view = graph.functions.iter().find(|f| f.name == "reminderView").unwrap();
    assert!(view.is_bound && !view.is_composable);
    let params: Vec<(&str, bool)> = view.parameters.iter().map(|p| (p.name.as_str(), p.nullable)).collect();
    assert_eq!(params, [("bindingparameter", true), ("StartDateTime", false), ("EndDateTime", true)]);
    assert_eq!(view.parameters[2].annotations.len(), 1);
    assert_eq!(view.parameters[2].annotations[0].term, "Org.OData.Core.V1.OptionalParameter");
    assert_eq!(view.parameters[2].annotations[0].value, AnnotationValue::Empty);
    let ret = view.return_type.as_ref().unwrap();
    assert_eq!(ret.r#type, tref("graph.reminder", true));
    assert!(!ret.nullable);
}

#[test]
fn basic_container() {
    let text = fixture("basic.xml");
    let doc = parse_ok(&text, "basic.xml");
    let graph = schema(&doc, "microsoft.graph");
    assert_eq!(graph.entity_containers.len(), 1);
    let c = &graph.entity_containers[0];
    assert_eq!(c.name, "GraphService");
    assert_eq!(c.location.path, "Schema[microsoft.graph]/EntityContainer[GraphService]");
    let sets: Vec<(&str, &str)> = c.entity_sets.iter().map(|s| (s.name.as_str(), s.entity_type.as_str())).collect();
    assert_eq!(sets, [("directoryObjects", "microsoft.graph.directoryObject"), ("users", "microsoft.graph.user")]);
    let users = &c.entity_sets[1];
    let bindings: Vec<(&str, &str)> =
        users.navigation_property_bindings.iter().map(|b| (b.path.as_str(), b.target.as_str())).collect();
    assert_eq!(bindings, [("manager", "directoryObjects"), ("memberOf", "directoryObjects")]);
    assert_eq!(users.location.path, "Schema[microsoft.graph]/EntityContainer[GraphService]/EntitySet[users]");
    assert_eq!(users.location.line, line_of(&text, r#"<EntitySet Name="users""#));
    assert!(c.entity_sets[0].navigation_property_bindings.is_empty());

    let singletons: Vec<(&str, &str)> = c.singletons.iter().map(|s| (s.name.as_str(), s.r#type.as_str())).collect();
    assert_eq!(
        singletons,
        [
            ("communications", "microsoft.graph.cloudCommunications"),
            ("me", "microsoft.graph.user"),
            ("security", "microsoft.graph.security"),
        ]
    );
    assert_eq!(c.singletons[1].navigation_property_bindings.len(), 2);
    assert_eq!(c.singletons[1].location.path, "Schema[microsoft.graph]/EntityContainer[GraphService]/Singleton[me]");
}

#[test]
fn basic_annotations() {
    let text = fixture("basic.xml");
    let doc = parse_ok(&text, "basic.xml");
    let graph = schema(&doc, "microsoft.graph");
    let block = |target: &str| {
        graph.annotations.iter().find(|b| b.target == target).unwrap_or_else(|| panic!("no block {target}"))
    };

    let user = block("microsoft.graph.user");
    assert_eq!(user.location.path, "Schema[microsoft.graph]/Annotations[microsoft.graph.user]");
    assert_eq!(user.location.line, line_of(&text, r#"<Annotations Target="microsoft.graph.user">"#));
    assert_eq!(user.annotations[0].term, "Org.OData.Core.V1.Description");
    assert_eq!(user.annotations[0].value, string("Represents a Microsoft Entra user account."));
    assert_eq!(user.annotations[1].term, "Org.OData.Core.V1.LongDescription");
    assert!(matches!(&user.annotations[1].value, AnnotationValue::String(s) if s.starts_with("The user resource")));

    let mail = block("microsoft.graph.user/mail");
    assert_eq!(
        mail.annotations[0].location.path,
        "Schema[microsoft.graph]/Annotations[microsoft.graph.user/mail]/Annotation[Org.OData.Core.V1.Description]"
    );

    let created = block("microsoft.graph.user/createdDateTime");
    assert_eq!(created.annotations[0].term, "Org.OData.Core.V1.Computed");
    assert_eq!(created.annotations[0].value, AnnotationValue::Bool(true));
    assert_eq!(created.annotations[2].value, AnnotationValue::EnumMember("Org.OData.Core.V1.Permission/Read".into()));

    let member = block("microsoft.graph.authenticationPhoneType/mobile");
    assert_eq!(member.annotations[0].value, string("A mobile phone."));

    let op = block("microsoft.graph.resetPassword(microsoft.graph.authenticationMethod, Edm.String)");
    assert_eq!(op.annotations[0].value, string("Reset a user's password."));

    // Revisions: a deprecation record inside a collection, shaped exactly like Graph's.
    let pwd = block("microsoft.graph.passwordAuthenticationMethod");
    let rev = &pwd.annotations[1];
    assert_eq!(rev.term, "Org.OData.Core.V1.Revisions");
    assert_eq!(rev.qualifier, None);
    let AnnotationValue::Collection(items) = &rev.value else { panic!("{rev:?}") };
    assert_eq!(items.len(), 1);
    let AnnotationValue::Record(record) = &items[0] else { panic!("{items:?}") };
    assert_eq!(record.r#type, None);
    let props = &record.properties;
    assert_eq!(props.len(), 5);
    assert_eq!(props.get("Date"), Some(&AnnotationValue::Date("2024-04-10".into())));
    assert_eq!(props.get("RemovalDate"), Some(&AnnotationValue::Date("2026-04-10".into())));
    assert_eq!(
        props.get("Kind"),
        Some(&AnnotationValue::EnumMember("Org.OData.Core.V1.RevisionKind/Deprecated".into()))
    );
    assert_eq!(props.get("Version"), Some(&string("2024-04/PasswordMethods")));
    assert!(matches!(props.get("Description"), Some(AnnotationValue::String(s)) if s.contains("deprecated")));

    // Capabilities records, with a qualifier and a collection of navigation property paths.
    let users = block("microsoft.graph.GraphService/users");
    let ct = &users.annotations[0];
    assert_eq!(ct.term, "Org.OData.Capabilities.V1.ChangeTracking");
    let AnnotationValue::Record(r) = &ct.value else { panic!("{ct:?}") };
    assert_eq!(r.properties.get("Supported"), Some(&AnnotationValue::Bool(true)));
    let expand = &users.annotations[1];
    assert_eq!(expand.qualifier.as_deref(), Some("Org.OData.Capabilities.V1.ExpandRestrictions"));
    assert_eq!(
        expand.location.path,
        "Schema[microsoft.graph]/Annotations[microsoft.graph.GraphService/users]/Annotation[Org.OData.Capabilities.V1.ExpandRestrictions#Org.OData.Capabilities.V1.ExpandRestrictions]"
    );
    let AnnotationValue::Record(r) = &expand.value else { panic!("{expand:?}") };
    assert_eq!(
        r.properties.get("NonExpandableProperties"),
        Some(&AnnotationValue::Collection(vec![
            AnnotationValue::NavigationPropertyPath("authentication".into()),
            AnnotationValue::NavigationPropertyPath("photo".into()),
        ]))
    );
    let member_of = block("microsoft.graph.user/memberOf");
    let AnnotationValue::Record(r) = &member_of.annotations[1].value else { panic!() };
    assert_eq!(r.properties.get("Supported"), Some(&AnnotationValue::Bool(false)));

    // Other schemas carry their own blocks.
    let security = schema(&doc, "microsoft.graph.security");
    let targets: Vec<&str> = security.annotations.iter().map(|b| b.target.as_str()).collect();
    assert_eq!(targets, ["microsoft.graph.security.alert", "microsoft.graph.security.alert/title"]);
    assert_eq!(count_term(&doc, "Org.OData.Core.V1.Computed"), 1);
}

// ----- the other fixtures -----

#[test]
fn bad_refs_is_well_formed_csdl() {
    // The semantic errors in bad-refs.xml are the IR's job; the parser must accept it.
    let doc = parse_ok(&fixture("bad-refs.xml"), "bad-refs.xml");
    let graph = schema(&doc, "microsoft.graph");
    let user = entity(graph, "user");
    assert!(user.properties.iter().any(|p| p.name == "9lives"));
    assert!(user.properties.iter().any(|p| p.r#type.name == "graph.doesNotExist"));
    assert_eq!(entity(graph, "orphan").base_type.as_deref(), Some("graph.missingBase"));
    assert_eq!(graph.complex_types.iter().filter(|c| c.name == "address").count(), 2);
    let risk = &graph.enum_types[0];
    assert_eq!(risk.members.iter().filter(|m| m.name == "low").count(), 2);
}

#[test]
fn broken_xml_reports_position() {
    let text = fixture("broken-xml.xml");
    let errors = parse_err(&text, "broken-xml.xml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert!(e.message.starts_with("malformed XML"), "{e}");
    // `<Property Name="mail" ...>` is never closed; the mismatch shows at the next `</EntityType>`.
    assert_eq!(e.location.line, line_of_nth(&text, "</EntityType>", 1), "{e}");
    assert_eq!(e.location.line, 15, "{e}");
    assert!(e.location.column > 1, "{e}");
}

#[test]
fn truncated_reports_end_of_input() {
    let text = fixture("truncated.xml");
    let errors = parse_err(&text, "truncated.xml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert!(e.message.starts_with("malformed XML"), "{e}");
    let last_line = u32::try_from(text.trim_end().lines().count()).unwrap();
    assert_eq!(e.location.line, last_line, "{e}");
    assert!(last_line > 100);
}

#[test]
fn truncated_at_every_line_never_panics() {
    let text = fixture("basic.xml");
    let mut cut = 0;
    for line in text.split_inclusive('\n').take(text.lines().count() - 1) {
        cut += line.len();
        // Cut after a whole line and in the middle of the next one.
        for end in [cut, cut + 9] {
            let Some(part) = text.get(..end) else { continue };
            let errors = parse_err(part, "truncated basic.xml");
            assert!(errors[0].location.line >= 1);
        }
    }
}

#[test]
fn not_csdl_is_rejected_at_the_root() {
    let text = fixture("not-csdl.xml");
    let errors = parse_err(&text, "not-csdl.xml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert!(e.message.contains("not a CSDL document: root element is <html>"), "{e}");
    assert_eq!(e.location.line, line_of(&text, "<html"));
    assert_eq!(e.location.column, 1);
}

// ----- inline documents: structure and errors -----

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="test" Alias="t" xmlns="http://docs.oasis-open.org/odata/ns/edm">
"#;
const TAIL: &str = "    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n";

fn doc_with(body: &str) -> String {
    format!("{HEAD}{body}{TAIL}")
}

#[test]
fn collects_all_missing_names() {
    let text = doc_with(
        r#"      <EntityType>
        <Property Name="a" Type="Edm.String" />
      </EntityType>
      <ComplexType Name="ok">
        <Property Type="Edm.String" />
      </ComplexType>
"#,
    );
    let errors = parse_err(&text, "two missing names");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].location.line, 5);
    assert_eq!(errors[0].location.column, 7);
    assert_eq!(errors[0].location.path, "Schema[test]/EntityType[?]");
    assert!(errors[0].message.contains("`Name`"), "{}", errors[0]);
    assert_eq!(errors[1].location.line, 9);
    assert_eq!(errors[1].location.path, "Schema[test]/ComplexType[ok]/Property[?]");
}

#[test]
fn collects_every_kind_of_structural_error() {
    let text = doc_with(
        r#"      <EntityType Name="a" Abstract="yes">
        <Key><PropertyRef /></Key>
        <Property Name="p" Type="Edm.String" Nullable="maybe" />
        <Property Name="q" />
        <NavigationProperty Name="n" Type="t.a" ContainsTarget="sometimes" />
      </EntityType>
      <EnumType Name="e" IsFlags="no">
        <Member Name="x" Value="one" />
        <Member Value="2" />
        <Member Name="z" Value="3" />
      </EnumType>
      <Action Name="act" IsBound="true">
        <Parameter Name="b" />
        <ReturnType />
      </Action>
      <Function IsBound="true" />
      <EntityContainer Name="C">
        <EntitySet Name="as" />
        <Singleton Name="s" Type="t.a">
          <NavigationPropertyBinding Path="n" />
        </Singleton>
      </EntityContainer>
      <Annotations>
        <Annotation String="no term" />
        <Annotation Term="T.Bool" Bool="maybe" />
        <Annotation Term="T.Int">
          <Int>seven</Int>
        </Annotation>
        <Annotation Term="T.Record">
          <Record>
            <PropertyValue Bool="true" />
          </Record>
        </Annotation>
      </Annotations>
      <TypeDefinition Name="td" />
      <Term Name="term" />
"#,
    );
    let errors = parse_err(&text, "many errors");
    let got: Vec<(u32, &str)> = errors.iter().map(|e| (e.location.line, e.location.path.as_str())).collect();
    let expected: Vec<(u32, &str)> = vec![
        (5, "Schema[test]/EntityType[a]"),                       // Abstract="yes"
        (6, "Schema[test]/EntityType[a]/Key/PropertyRef[?]"),    // no Name
        (7, "Schema[test]/EntityType[a]/Property[p]"),           // Nullable="maybe"
        (8, "Schema[test]/EntityType[a]/Property[q]"),           // no Type
        (9, "Schema[test]/EntityType[a]/NavigationProperty[n]"), // ContainsTarget
        (11, "Schema[test]/EnumType[e]"),                        // IsFlags="no"
        (12, "Schema[test]/EnumType[e]/Member[x]"),              // Value="one"
        (13, "Schema[test]/EnumType[e]/Member[?]"),              // no Name
        (17, "Schema[test]/Action[act]/Parameter[b]"),           // no Type
        (18, "Schema[test]/Action[act]/ReturnType"),             // no Type
        (20, "Schema[test]/Function[?]"),                        // no Name
        (20, "Schema[test]/Function[?]"),                        // bound, no parameter
        (22, "Schema[test]/EntityContainer[C]/EntitySet[as]"),   // no EntityType
        (24, "Schema[test]/EntityContainer[C]/Singleton[s]/NavigationPropertyBinding[n]"), // no Target
        (27, "Schema[test]/Annotations[?]"),                     // no Target
        (28, "Schema[test]/Annotations[?]/Annotation[?]"),       // no Term
        (29, "Schema[test]/Annotations[?]/Annotation[T.Bool]"),  // Bool="maybe"
        (31, "Schema[test]/Annotations[?]/Annotation[T.Int]/Int"), // <Int>seven</Int>
        (35, "Schema[test]/Annotations[?]/Annotation[T.Record]/Record/PropertyValue[?]"), // no Property
        (39, "Schema[test]/TypeDefinition[td]"),                 // no UnderlyingType
        (40, "Schema[test]/Term[term]"),                         // no Type
    ];
    assert_eq!(got, expected, "{errors:#?}");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(messages[0].contains("`yes`") && messages[0].contains("`Abstract`"), "{}", messages[0]);
    assert!(messages[2].contains("`maybe`") && messages[2].contains("`Nullable`"), "{}", messages[2]);
    assert!(messages[3].contains("`Type`"), "{}", messages[3]);
    assert!(messages[6].contains("`one`"), "{}", messages[6]);
    assert!(messages[11].contains("binding parameter"), "{}", messages[11]);
    assert!(messages[16].contains("`maybe`"), "{}", messages[16]);
    assert!(messages[17].contains("`seven`"), "{}", messages[17]);
    // Display gives line:column (path): message.
    assert!(errors[0].to_string().starts_with("5:7 (Schema[test]/EntityType[a]): "), "{}", errors[0]);
}

#[test]
fn annotation_value_forms() {
    let text = doc_with(
        r#"      <Annotations Target="t.x">
        <Annotation Term="A.String" String="s" />
        <Annotation Term="A.Bool" Bool="false" />
        <Annotation Term="A.Int" Int="-42" />
        <Annotation Term="A.Float" Float="1.5" />
        <Annotation Term="A.Decimal" Decimal="3.14" />
        <Annotation Term="A.Date" Date="2024-01-02" />
        <Annotation Term="A.Dto" DateTimeOffset="2024-01-02T03:04:05Z" />
        <Annotation Term="A.Enum" EnumMember="Org.OData.Core.V1.Permission/Read" />
        <Annotation Term="A.Path" Path="a/b" />
        <Annotation Term="A.PropertyPath" PropertyPath="p" />
        <Annotation Term="A.NavPath" NavigationPropertyPath="n" />
        <Annotation Term="A.EString"><String>text &amp; more</String></Annotation>
        <Annotation Term="A.EBool"><Bool>true</Bool></Annotation>
        <Annotation Term="A.EInt"><Int>7</Int></Annotation>
        <Annotation Term="A.EEnum"><EnumMember>X.Y/Z</EnumMember></Annotation>
        <Annotation Term="A.EPath"><Path>p/q</Path></Annotation>
        <Annotation Term="A.EPropertyPath"><PropertyPath>pp</PropertyPath></Annotation>
        <Annotation Term="A.ENavPath"><NavigationPropertyPath>np</NavigationPropertyPath></Annotation>
        <Annotation Term="A.Empty" />
        <Annotation Term="A.Unknown"><Apply Function="odata.concat"><String>a</String></Apply></Annotation>
        <Annotation Term="A.Null"><Null /></Annotation>
        <Annotation Term="A.Coll">
          <Collection>
            <String>a</String>
            <Int>1</Int>
            <Record Type="T.R"><PropertyValue Property="v"><Collection><Bool>true</Bool></Collection></PropertyValue></Record>
            <If />
          </Collection>
        </Annotation>
        <Annotation Term="A.Qualified" Qualifier="q1" String="qq" />
        <Annotation Term="A.Nested" Bool="true">
          <Annotation Term="A.Inner" String="annotation of an annotation" />
        </Annotation>
      </Annotations>
"#,
    );
    let doc = parse_ok(&text, "value forms");
    let block = &doc.schemas[0].annotations[0];
    let value =
        |term: &str| &block.annotations.iter().find(|a| a.term == term).unwrap_or_else(|| panic!("{term}")).value;
    use AnnotationValue as V;
    assert_eq!(value("A.String"), &string("s"));
    assert_eq!(value("A.Bool"), &V::Bool(false));
    assert_eq!(value("A.Int"), &V::Int(-42));
    assert_eq!(value("A.Float"), &V::Float(1.5));
    assert_eq!(value("A.Decimal"), &V::Decimal("3.14".into()));
    assert_eq!(value("A.Date"), &V::Date("2024-01-02".into()));
    assert_eq!(value("A.Dto"), &V::DateTimeOffset("2024-01-02T03:04:05Z".into()));
    assert_eq!(value("A.Enum"), &V::EnumMember("Org.OData.Core.V1.Permission/Read".into()));
    assert_eq!(value("A.Path"), &V::Path("a/b".into()));
    assert_eq!(value("A.PropertyPath"), &V::PropertyPath("p".into()));
    assert_eq!(value("A.NavPath"), &V::NavigationPropertyPath("n".into()));
    assert_eq!(value("A.EString"), &string("text & more"));
    assert_eq!(value("A.EBool"), &V::Bool(true));
    assert_eq!(value("A.EInt"), &V::Int(7));
    assert_eq!(value("A.EEnum"), &V::EnumMember("X.Y/Z".into()));
    assert_eq!(value("A.EPath"), &V::Path("p/q".into()));
    assert_eq!(value("A.EPropertyPath"), &V::PropertyPath("pp".into()));
    assert_eq!(value("A.ENavPath"), &V::NavigationPropertyPath("np".into()));
    assert_eq!(value("A.Empty"), &V::Empty);
    assert_eq!(value("A.Unknown"), &V::Empty);
    assert_eq!(value("A.Null"), &V::Empty);
    let V::Collection(items) = value("A.Coll") else { panic!() };
    assert_eq!(items.len(), 4);
    assert_eq!(items[0], string("a"));
    assert_eq!(items[1], V::Int(1));
    let V::Record(r) = &items[2] else { panic!("{items:?}") };
    assert_eq!(r.r#type.as_deref(), Some("T.R"));
    assert_eq!(r.properties.get("v"), Some(&V::Collection(vec![V::Bool(true)])));
    assert_eq!(items[3], V::Empty);
    let q = block.annotations.iter().find(|a| a.term == "A.Qualified").unwrap();
    assert_eq!(q.qualifier.as_deref(), Some("q1"));
    assert_eq!(q.location.path, "Schema[test]/Annotations[t.x]/Annotation[A.Qualified#q1]");
    assert_eq!(value("A.Nested"), &V::Bool(true));
}

#[test]
fn tolerates_references_foreign_elements_and_type_definitions() {
    let text = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" xmlns:x="urn:vendor">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core" />
  </edmx:Reference>
  <edmx:DataServices>
    <Schema Namespace="test" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <x:Extension Name="ignored" />
      <TypeDefinition Name="money" UnderlyingType="Edm.Decimal" />
      <EntityType Name="e" OpenType="1" HasStream="0">
        <Key><PropertyRef Name="id" /><PropertyRef Name="tenant" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" DefaultValue="none" />
        <Property Name="tenant" Type="Edm.String" Nullable="false" />
        <Documentation>unknown EDM element</Documentation>
        <NavigationProperty Name="parent" Type="test.e" Partner="children" Nullable="false" />
      </EntityType>
      <EnumType Name="byteEnum" UnderlyingType="Edm.Byte">
        <Member Name="implicit" />
      </EnumType>
      <Action Name="unbound" IsComposable="true">
        <Parameter Name="p" Type="Collection(test.money)" Nullable="false" />
      </Action>
      <Function Name="f" EntitySetPath="bindingParameter/x" IsBound="true">
        <Parameter Name="bindingParameter" Type="test.e" />
        <ReturnType Type="Edm.Int32" />
      </Function>
      <EntityContainer Name="C">
        <Annotation Term="Org.OData.Core.V1.Description" String="container" />
        <EntitySet Name="es" EntityType="test.e">
          <Annotation Term="Org.OData.Core.V1.Description" String="set" />
        </EntitySet>
        <FunctionImport Name="fi" Function="test.f" />
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;
    let doc = parse_ok(text, "references");
    let s = &doc.schemas[0];
    assert_eq!(s.alias, None);
    assert_eq!(s.type_definitions.len(), 1);
    assert_eq!(s.type_definitions[0].name, "money");
    assert_eq!(s.type_definitions[0].underlying_type, "Edm.Decimal");
    assert_eq!(s.type_definitions[0].location.path, "Schema[test]/TypeDefinition[money]");
    let e = &s.entity_types[0];
    assert!(e.open_type && !e.has_stream);
    assert_eq!(e.key, ["id", "tenant"]);
    assert_eq!(e.properties[0].default_value.as_deref(), Some("none"));
    assert_eq!(e.navigation_properties[0].partner.as_deref(), Some("children"));
    assert!(!e.navigation_properties[0].nullable);
    assert_eq!(s.enum_types[0].underlying_type.as_deref(), Some("Edm.Byte"));
    assert_eq!(s.enum_types[0].members[0].value, None);
    let a = &s.actions[0];
    assert!(!a.is_bound && !a.is_composable, "IsComposable is ignored on actions");
    assert_eq!(a.parameters[0].r#type, tref("test.money", true));
    assert!(!a.parameters[0].nullable);
    let f = &s.functions[0];
    assert_eq!(f.entity_set_path.as_deref(), Some("bindingParameter/x"));
    assert!(!f.is_composable);
    let c = &s.entity_containers[0];
    assert_eq!(c.annotations[0].value, string("container"));
    assert_eq!(c.entity_sets[0].annotations[0].value, string("set"));
    assert_eq!(
        c.entity_sets[0].annotations[0].location.path,
        "Schema[test]/EntityContainer[C]/EntitySet[es]/Annotation[Org.OData.Core.V1.Description]"
    );
}

#[test]
fn rejects_documents_that_are_not_csdl_v4() {
    let cases: [(&str, &str); 5] = [
        (
            r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>"#,
            "has no <edmx:DataServices>",
        ),
        (
            "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices />\n</edmx:Edmx>",
            "contains no <Schema>",
        ),
        (
            r#"<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"><edmx:DataServices/></edmx:Edmx>"#,
            "is in namespace `http://schemas.microsoft.com/ado/2007/06/edmx`",
        ),
        (
            "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n<edmx:DataServices>\n<Schema Namespace=\"old\" xmlns=\"http://schemas.microsoft.com/ado/2009/11/edm\" />\n</edmx:DataServices>\n</edmx:Edmx>",
            "only OData v4 CSDL is supported",
        ),
        (r#"<feed xmlns="http://www.w3.org/2005/Atom"/>"#, "root element is <feed>"),
    ];
    for (text, expected) in cases {
        let errors = parse_err(text, expected);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains(expected), "{expected}: {}", errors[0]);
        assert!(errors[0].location.line >= 1);
    }
    // The old-EDM schema is reported on its own line.
    let errors = parse_err(cases[3].0, "v3 schema");
    assert_eq!(errors[0].location.line, 3);

    for text in ["", "   ", "not xml at all", "<a>", "<?xml version=\"1.0\"?>"] {
        let errors = parse_err(text, "garbage");
        assert_eq!(errors.len(), 1, "{text:?}: {errors:?}");
        assert!(errors[0].message.starts_with("malformed XML"), "{}", errors[0]);
    }
}

#[test]
fn columns_count_characters_and_crlf_is_fine() {
    let text = doc_with("      <EntityType Name=\"é\"><Property Name=\"ü\" /></EntityType>\n").replace('\n', "\r\n");
    let errors = parse_err(&text, "crlf");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location.line, 5);
    // `      <EntityType Name="é">` is 27 characters (28 bytes): the property starts at column 28.
    assert_eq!(errors[0].location.column, 28);
    assert_eq!(errors[0].location.path, "Schema[test]/EntityType[é]/Property[ü]");
}
