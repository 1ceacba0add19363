//! Cargo features by API area: the closures the generator computes, and the manifest they must
//! match. (Each area compiling on its own is checked by `crates/msgraph/tests/features.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use msgraph_codegen::features::{self, Gate, Gates, AREAS, FULL};
use msgraph_codegen::{build_ir, Input};

fn gates_of(csdl: &str) -> (msgraph_codegen::ir::Model, Gates) {
    let input = Input { csdl, source_name: "test", sha256: "0" };
    let model = build_ir(&input).expect("ir");
    let gates = features::compute(&model);
    (model, gates)
}

fn area(feature: &str) -> usize {
    AREAS.iter().position(|a| a.feature == feature).unwrap_or_else(|| panic!("no area {feature}"))
}

fn in_area(gates: &Gates, qname: &str, feature: &str) -> bool {
    match gates.of(qname) {
        Gate::Always => true,
        Gate::Any(set) => set.contains(&area(feature)),
    }
}

#[test]
fn areas_are_sorted_unique_and_valid_feature_names() {
    let names: Vec<&str> = AREAS.iter().map(|a| a.feature).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "AREAS must be sorted by feature name, without duplicates");
    for n in names {
        assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}: lowercase and '-' only");
        assert_ne!(n, FULL);
        assert_ne!(n, "default");
    }
}

#[test]
fn fixture_closures() {
    let text = std::fs::read_to_string(common::workspace_root().join("metadata/fixtures/basic.xml")).unwrap();
    let (_, gates) = gates_of(&text);
    // users: the root, its contained authentication and every method type (derived, contained).
    for q in [
        "microsoft.graph.user",
        "microsoft.graph.authentication",
        "microsoft.graph.phoneAuthenticationMethod",
        "microsoft.graph.passwordAuthenticationMethod",
        "microsoft.graph.passwordProfile",
    ] {
        assert!(in_area(&gates, q, "users"), "{q} should be in users: {:?}", gates.of(q));
    }
    // Types of other areas are gated away from users.
    assert!(!in_area(&gates, "microsoft.graph.security", "users"));
    assert!(in_area(&gates, "microsoft.graph.security", "security"));
    assert!(!in_area(&gates, "microsoft.graph.cloudCommunications", "users"));
}

#[test]
fn real_v1_areas() {
    let text = common::real_text("graph-v1.0-2026-08-03.csdl");
    let (model, gates) = gates_of(&text);
    // Every root names a real entity type (a typo would silently shrink an area).
    for a in AREAS {
        for r in a.roots {
            assert!(model.structs.contains_key(*r), "area {}: root {r} is not a type in v1.0", a.feature);
        }
    }
    let sizes = gates.area_sizes();
    let total = model.structs.len() + model.enums.len();
    println!("types per area (of {total}; {} always compiled): {sizes:?}", gates.always().count());
    for (feature, n) in &sizes {
        assert!(*n > 0, "area {feature} compiles nothing");
    }
    // The phone-method consumer's area stays small: well under a tenth of all types.
    assert!(sizes["users"] * 10 < total, "users area has {} of {total} types", sizes["users"]);
    for q in [
        "microsoft.graph.user",
        "microsoft.graph.authentication",
        "microsoft.graph.phoneAuthenticationMethod",
        "microsoft.graph.fido2AuthenticationMethod",
        "microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
        "microsoft.graph.passwordProfile",
        "microsoft.graph.assignedLicense",
        "microsoft.graph.authenticationPhoneType",
    ] {
        assert!(in_area(&gates, q, "users"), "{q} should be in users: {:?}", gates.of(q));
    }
    for (q, feature) in [
        ("microsoft.graph.message", "mail"),
        ("microsoft.graph.drive", "files"),
        ("microsoft.graph.event", "calendar"),
        ("microsoft.graph.managedDevice", "device-management"),
        ("microsoft.graph.chat", "teams"),
        ("microsoft.graph.group", "groups"),
    ] {
        assert!(!in_area(&gates, q, "users"), "{q} leaked into users");
        assert!(in_area(&gates, q, feature), "{q} should be in {feature}");
    }
    // Few types compile regardless of features (no area reaches them).
    let always = gates.always().count();
    assert!(always * 20 < total, "{always} of {total} types are not behind any feature");
}

#[test]
fn manifest_features_match_the_areas() {
    for rel in features::MANIFEST_PATHS {
        let path = common::workspace_root().join(rel);
        let manifest = std::fs::read_to_string(&path).unwrap();
        let synced = features::sync_manifest_at(rel, &manifest).unwrap();
        assert!(synced == manifest, "{} is stale: run `cargo xtask codegen`", path.display());
    }
    // The models crate declares the areas; the SDK forwards each to it.
    let models = std::fs::read_to_string(common::workspace_root().join(features::MODELS_MANIFEST_PATH)).unwrap();
    let sdk = std::fs::read_to_string(common::workspace_root().join(features::MANIFEST_PATH)).unwrap();
    for a in AREAS {
        assert!(models.contains(&format!("\n{} = []\n", a.feature)), "feature {} missing", a.feature);
        let forward = format!("\n{f} = [\"msgraph-models/{f}\"]\n", f = a.feature);
        assert!(sdk.contains(&forward), "feature {} not forwarded", a.feature);
    }
}

#[test]
fn manifest_sync_replaces_only_the_block_and_reports_missing_markers() {
    let text = format!(
        "[package]\n\n[features]\n{}stale = []\n{}\n[dependencies]\n",
        features::MANIFEST_BEGIN,
        features::MANIFEST_END
    );
    let synced = features::sync_manifest_at(features::MANIFEST_PATH, &text).unwrap();
    assert!(!synced.contains("stale = []"));
    assert!(synced.starts_with("[package]\n\n[features]\n"));
    assert!(synced.ends_with(&format!("{}\n[dependencies]\n", features::MANIFEST_END)));
    assert!(synced.contains("default = [\"full\"]\n"));
    assert_eq!(features::sync_manifest_at(features::MANIFEST_PATH, &synced).unwrap(), synced, "idempotent");
    let err = features::sync_manifest_at(features::MANIFEST_PATH, "[features]\n").unwrap_err();
    assert!(err.contains("marker"), "{err}");
    let err = features::sync_manifest_at(features::MANIFEST_PATH, &format!("{}x = []\n", features::MANIFEST_BEGIN))
        .unwrap_err();
    assert!(err.contains("END") || err.contains("end"), "{err}");
}
