//! The generator on the real Microsoft Graph CSDL documents (the committed `metadata/*.csdl.gz`,
//! or `$MSGRAPH_METADATA_DIR` first when set; a missing file fails the test, it is never skipped).
//!
//! Each document is parsed and generated at most twice in this file (the pinned one: once for the
//! IR, twice for determinism; trees are generated once and shared between tests), so the whole
//! file stays fast in debug builds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

mod common;

use msgraph_codegen::emit::{HEADER, METADATA_PATH};
use msgraph_codegen::ir::{Model, ModelPath, OperationKind, Scalar, StructKind, ValueType};
use msgraph_codegen::{build_ir, generate, pin, tree, Generated, Input};

const PINNED: &str = "graph-v1.0-2026-08-03.csdl";
const EARLIER: &str = "graph-v1.0-2026-05-05.csdl";
const FAIRFAX: &str = "graph-v1.0-fairfax-2026-08.csdl";
const MAX_FILE_BYTES: usize = 1024 * 1024;

// ----- helpers -----

/// The text and sha256 of a real Graph CSDL file.
fn real_file(name: &str) -> (String, String) {
    let bytes = common::real_bytes(name);
    let sha = pin::sha256_hex(&bytes);
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"));
    (text, sha)
}

fn generate_ok(text: &str, name: &str, sha: &str) -> Generated {
    let started = Instant::now();
    let g = generate(&Input { csdl: text, source_name: name, sha256: sha })
        .unwrap_or_else(|d| panic!("generating from {name} failed:\n{d}"));
    eprintln!("generated {name}: {} files in {:?}", g.files.len(), started.elapsed());
    g
}

/// A real document and the tree generated from it.
struct Real {
    text: String,
    sha: String,
    tree: Generated,
}

impl Real {
    fn generate(name: &str) -> Real {
        let (text, sha) = real_file(name);
        let tree = generate_ok(&text, name, &sha);
        Real { text, sha, tree }
    }
}

/// The pinned document's tree, generated once for every test that needs it.
fn pinned() -> &'static Real {
    static PINNED_TREE: OnceLock<Real> = OnceLock::new();
    PINNED_TREE.get_or_init(|| Real::generate(PINNED))
}

/// The earlier document's tree, generated once for every test that needs it.
fn earlier() -> &'static Real {
    static EARLIER_TREE: OnceLock<Real> = OnceLock::new();
    EARLIER_TREE.get_or_init(|| Real::generate(EARLIER))
}

/// A fresh directory under the system temp dir; removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "msgraph-codegen-real-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Checks the invariants every generated tree must satisfy: the header, which names no input,
/// opens every file, and the document's sha256 is in exactly one file.
fn check_tree(g: &Generated, name: &str, sha: &str) {
    assert!(g.files.len() > 1000, "{name}: only {} files generated", g.files.len());
    let mut folded: BTreeMap<String, &str> = BTreeMap::new();
    let mut naming_sha = Vec::new();
    for (path, content) in &g.files {
        assert!(content.starts_with(HEADER), "{name}: {path} does not start with the generated header");
        assert!(content.len() <= MAX_FILE_BYTES, "{name}: {path} is {} bytes (> 1 MB)", content.len());
        assert!(!content.contains("compile_error!"), "{name}: {path} holds tokens that did not parse");
        // Readable text: no token-printer spacing inside macro calls, no empty impl blocks.
        for artifact in ["crate ::", "self ::", "super ::", "crate\n", " :: "] {
            assert!(!content.contains(artifact), "{name}: {path} contains {artifact:?}");
        }
        let empty_impl = content.lines().find(|l| l.starts_with("impl ") && l.ends_with(" {}"));
        assert!(empty_impl.is_none(), "{name}: {path} has an empty impl block: {empty_impl:?}");
        if path.contains("/generated/schema/") {
            assert!(!content.contains("::new("), "{name}: {path} has positional schema rows");
        }
        assert!(path.ends_with(".rs") && !path.starts_with('/') && !path.contains('\\'), "{name}: bad path {path}");
        if let Some(other) = folded.insert(path.to_lowercase(), path) {
            panic!("{name}: {other} and {path} collide on a case-insensitive file system");
        }
        if content.contains(sha) {
            naming_sha.push(path.as_str());
        }
    }
    assert_eq!(naming_sha, [METADATA_PATH], "{name}: the sha256 is in one file");
    assert!(g.files[METADATA_PATH].contains(&format!("pub const CSDL_SHA256: &str = \"{sha}\";")), "{name}");
}

/// Checks the tree of `name`, writes it into a fresh temp dir with `write_atomically`, checks
/// that, and removes the dir.
fn check_and_write(real: &Real, name: &str) {
    let g = &real.tree;
    check_tree(g, name, &real.sha);

    let tmp = TempDir::new(name.trim_end_matches(".csdl"));
    let root = tmp.0.join("generated");
    let started = Instant::now();
    let stats = tree::write_atomically(&root, g).unwrap_or_else(|e| panic!("{name}: writing failed: {e}"));
    eprintln!("wrote {name} in {:?}", started.elapsed());
    assert_eq!((stats.written, stats.unchanged, stats.removed), (g.files.len(), 0, 0), "{name}");
    assert!(
        root.join(tree::SDK_ROOT).join("mod.rs").is_file()
            && root.join(tree::MODELS_ROOT).join("models").join("mod.rs").is_file()
    );
    let diff = tree::diff(&root, g).unwrap();
    assert!(diff.is_clean(), "{name}: the tree on disk differs from what was written: {diff}");
    // Nothing but the tree was left next to it (no temporary or old directories).
    let siblings: Vec<_> = std::fs::read_dir(&tmp.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(siblings, ["generated"], "{name}");
    drop(tmp);
    assert!(!root.exists(), "the temp dir is removed");
}

// ----- the pinned document -----

#[test]
fn pinned_ir_counts_and_phone_authentication_method() {
    let (text, sha) = real_file(PINNED);
    let started = Instant::now();
    let m: Model = build_ir(&Input { csdl: &text, source_name: PINNED, sha256: &sha })
        .unwrap_or_else(|d| panic!("building the IR of {PINNED} failed:\n{d}"));
    eprintln!("built the IR of {PINNED} in {:?}", started.elapsed());

    let entities = m.structs.values().filter(|s| s.kind == StructKind::Entity).count();
    let complexes = m.structs.values().filter(|s| s.kind == StructKind::Complex).count();
    let flags = m.enums.values().filter(|e| e.is_flags).count();
    let actions = m.operations.iter().filter(|o| o.kind == OperationKind::Action).count();
    let functions = m.operations.iter().filter(|o| o.kind == OperationKind::Function).count();
    let c = m.container.as_ref().expect("the pinned document has an entity container");
    assert_eq!(
        (entities, complexes, m.structs.len(), m.enums.len(), flags),
        (1182, 1779, 2961, 861, 64),
        "(entity, complex, structs, enums, flags enums)"
    );
    assert_eq!((actions, functions, m.operations.len()), (857, 326, 1183), "(actions, functions, operations)");
    assert!(m.operations.iter().all(|o| o.binding.is_some()), "every Graph v1.0 operation is bound");
    assert_eq!((c.entity_sets.len(), c.singletons.len()), (41, 31), "(entity sets, singletons)");
    assert_eq!(m.namespaces.len(), 11);
    assert_eq!(m.inheritance_order.len(), m.structs.len());
    assert!(m.namespaces.contains_key("microsoft.graph.partners.billing"));
    assert_eq!(m.module_path("microsoft.graph.partners.billing"), ["partners", "billing"]);

    // phoneAuthenticationMethod: inherited id and createdDateTime, then its own properties.
    let phone = &m.structs["microsoft.graph.phoneAuthenticationMethod"];
    assert_eq!(phone.rust_name, "PhoneAuthenticationMethod");
    let got: Vec<(&str, &str, &ValueType)> =
        phone.properties.iter().map(|p| (p.name.as_str(), p.rust_name.as_str(), &p.rust_type.value)).collect();
    let string = ValueType::Scalar(Scalar::String);
    let dto = ValueType::Scalar(Scalar::DateTimeOffset);
    let graph_enum = |q: &str, rust_name: &str| {
        ValueType::Enum(ModelPath { qname: q.into(), module_path: Vec::new(), rust_name: rust_name.into() })
    };
    let phone_type = graph_enum("microsoft.graph.authenticationPhoneType", "AuthenticationPhoneType");
    let sign_in = graph_enum("microsoft.graph.authenticationMethodSignInState", "AuthenticationMethodSignInState");
    assert_eq!(
        got,
        [
            ("id", "id", &string),
            ("createdDateTime", "created_date_time", &dto),
            ("phoneNumber", "phone_number", &string),
            ("phoneType", "phone_type", &phone_type),
            ("smsSignInState", "sms_sign_in_state", &sign_in),
        ]
    );
    assert_eq!(phone.base.as_deref(), Some("microsoft.graph.authenticationMethod"));
    assert!(phone.writes_odata_type, "authenticationMethod is read polymorphically");
    assert!(m.kinds.contains_key("microsoft.graph.authenticationMethod"));
    let ops: Vec<&str> = m
        .operations
        .iter()
        .filter(|o| o.binding.as_ref().is_some_and(|b| b.display() == "microsoft.graph.phoneAuthenticationMethod"))
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(ops, ["disableSmsSignIn", "enableSmsSignIn"]);

    let apt = &m.enums["microsoft.graph.authenticationPhoneType"];
    assert_eq!(apt.rust_name, "AuthenticationPhoneType");
    let members: Vec<(&str, &str, i64)> =
        apt.members.iter().map(|x| (x.name.as_str(), x.rust_name.as_str(), x.value)).collect();
    assert_eq!(
        members,
        [
            ("mobile", "Mobile", 0),
            ("alternateMobile", "AlternateMobile", 1),
            ("office", "Office", 2),
            ("unknownFutureValue", "UnknownFutureValue", 3),
        ]
    );

    // windowsMalwareCategory has `remoteControlSoftware` and `remote_Control_Software`.
    let wmc = &m.enums["microsoft.graph.windowsMalwareCategory"];
    let rcs: Vec<(&str, &str, bool)> = wmc
        .members
        .iter()
        .filter(|x| x.rust_name.starts_with("RemoteControlSoftware"))
        .map(|x| (x.name.as_str(), x.rust_name.as_str(), x.renamed))
        .collect();
    assert_eq!(
        rcs,
        [
            ("remoteControlSoftware", "RemoteControlSoftware", false),
            ("remote_Control_Software", "RemoteControlSoftware2", true)
        ]
    );
    let mut variant_keys: Vec<String> = wmc.members.iter().map(|x| x.rust_name.to_ascii_lowercase()).collect();
    variant_keys.sort();
    variant_keys.dedup();
    assert_eq!(variant_keys.len(), wmc.members.len(), "enum variants are unique");

    let grant = &m.structs["microsoft.graph.oAuth2PermissionGrant"];
    assert_eq!((grant.rust_name.as_str(), grant.renamed), ("Oauth2PermissionGrant", false));

    // Every Description in the document reaches the IR: types, (own) properties, enum types and
    // members, and operations (targeted by overload signature).
    let mut counts = [0usize; 5];
    for s in m.structs.values() {
        counts[0] += usize::from(s.docs.description.is_some());
        counts[1] += s.properties.iter().filter(|p| p.declared_in == s.qname && p.docs.description.is_some()).count();
    }
    for e in m.enums.values() {
        counts[2] += usize::from(e.docs.description.is_some());
        counts[3] += e.members.iter().filter(|x| x.docs.description.is_some()).count();
    }
    counts[4] = m.operations.iter().filter(|o| o.docs.description.is_some()).count();
    let total: usize = counts.iter().sum();
    let in_document = text.matches(r#"Term="Org.OData.Core.V1.Description""#).count();
    eprintln!(
        "descriptions: {total} of {in_document} in the document \
         (types {}, properties {}, enums {}, members {}, operations {})",
        counts[0], counts[1], counts[2], counts[3], counts[4]
    );
    assert!(total >= 4000, "only {total} descriptions reached the IR: {counts:?}");
    assert!(counts.iter().all(|&n| n >= 40), "every kind of element gets descriptions: {counts:?}");
    assert_eq!(total, in_document, "every Description annotation of the document reaches the IR: {counts:?}");
    let deprecated = m.structs.values().filter(|s| s.docs.deprecation.is_some()).count();
    assert!(deprecated >= 10, "only {deprecated} deprecated types");

    // Every Rust name is unique in its scope: types per module, fields per struct.
    let mut per_module: BTreeMap<(Vec<String>, String), &str> = BTreeMap::new();
    let names = m
        .structs
        .values()
        .map(|s| (&s.namespace, &s.rust_name, &s.qname))
        .chain(m.enums.values().map(|e| (&e.namespace, &e.rust_name, &e.qname)))
        .chain(m.kinds.values().map(|k| (&k.namespace, &k.rust_name, &k.base)));
    for (ns, rust, q) in names {
        if let Some(other) = per_module.insert((m.module_path(ns), rust.to_ascii_lowercase()), q) {
            panic!("{other} and {q} are both named {rust} in one module");
        }
    }
    for s in m.structs.values() {
        let mut seen: Vec<String> = s.properties.iter().map(|p| p.rust_name.to_ascii_lowercase()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), s.properties.len(), "{}: duplicate field names", s.qname);
    }
}

#[test]
fn pinned_generation_is_deterministic() {
    let real = pinned();
    let first = &real.tree;
    let second = generate_ok(&real.text, PINNED, &real.sha);
    check_tree(first, PINNED, &real.sha);
    if *first != second {
        let differing: Vec<&String> = first
            .files
            .keys()
            .chain(second.files.keys())
            .filter(|p| first.files.get(*p) != second.files.get(*p))
            .take(20)
            .collect();
        panic!("two runs on {PINNED} differ in: {differing:?}");
    }
    assert_eq!(first.files.len(), second.files.len());
}

// ----- the other documents -----

#[test]
fn earlier_v1_0_generates_and_writes() {
    check_and_write(earlier(), EARLIER);
}

#[test]
fn fairfax_generates_and_writes() {
    check_and_write(&Real::generate(FAIRFAX), FAIRFAX);
}

// ----- a metadata update -----

/// The real 2026-05-05 → 2026-08-03 update, in memory: only the files whose code changes differ
/// (no header names the input), and the one file that names the document is among them.
#[test]
fn metadata_update_changes_only_the_files_whose_code_changes() {
    let (old, new) = (&earlier().tree.files, &pinned().tree.files);
    let changed: Vec<&str> =
        new.iter().filter(|(p, c)| old.get(*p).is_some_and(|o| o != *c)).map(|(p, _)| p.as_str()).collect();
    let added = new.keys().filter(|p| !old.contains_key(*p)).count();
    let removed = old.keys().filter(|p| !new.contains_key(*p)).count();
    eprintln!(
        "{EARLIER} ({} files) -> {PINNED} ({} files): {} changed, {added} added, {removed} removed",
        old.len(),
        new.len(),
        changed.len()
    );
    assert!(changed.contains(&METADATA_PATH), "{METADATA_PATH} names the document, so it changes");
    for path in &changed {
        let body = |text: &'static str| text.split_once('\n').map_or("", |(_, rest)| rest);
        assert_ne!(body(&old[*path]), body(&new[*path]), "{path} changes only in its header");
    }
    // Measured: 131 files change (model, builder and schema files; the builder docs carry URLs
    // that follow the containment graph, so a few change for that alone; the 4,853-file tree
    // of 2026-05-05 would otherwise be rewritten whole); 637 files are new, none is removed.
    assert_eq!((changed.len(), added, removed), (131, 637, 0), "(changed, added, removed) files");
}
