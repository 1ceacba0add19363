//! The checked-in generated code (`src/generated`) must be exactly what msgraph-codegen produces
//! from the pinned metadata (`metadata/graph-v1.0.toml`). The pinned CSDL file is committed,
//! gzip-compressed, under `metadata/` (MSGRAPH_METADATA_DIR, when set, is searched first).
//! Without it these tests fail; they never pass silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use msgraph_codegen::{pin, tree, Generated, Input};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("crates/msgraph is two levels below the workspace root")
        .to_path_buf()
}

/// The pinned CSDL, located and verified.
struct Pinned {
    source_name: String,
    text: String,
    sha256: String,
}

fn load_pinned() -> Pinned {
    let root = workspace_root();
    let pin = pin::Pin::load(&root.join(pin::PIN_PATH)).unwrap_or_else(|e| panic!("{e}"));
    let path = pin::locate(&pin, &root)
        .unwrap_or_else(|e| panic!("cannot check the generated code against the pinned metadata:\n{e}"));
    let (text, sha256) = pin::load_verified(&pin, &path).unwrap_or_else(|e| panic!("{e}"));
    Pinned { source_name: path.display().to_string(), text, sha256 }
}

fn generate(pinned: &Pinned) -> Generated {
    msgraph_codegen::generate(&Input { csdl: &pinned.text, source_name: &pinned.source_name, sha256: &pinned.sha256 })
        .unwrap_or_else(|d| panic!("codegen failed on the pinned metadata:\n{d}"))
}

#[test]
fn generated_code_is_fresh() {
    let generated = generate(&load_pinned());
    let dir = workspace_root().join(tree::GENERATED_DIR);
    let diff = tree::diff(&dir, &generated).unwrap_or_else(|e| panic!("cannot compare with {}: {e}", dir.display()));
    assert!(diff.is_clean(), "the generated code in {} is stale:\n{diff}\nrun `cargo xtask codegen`", dir.display());
}

#[test]
fn codegen_is_deterministic() {
    let pinned = load_pinned();
    let first = generate(&pinned);
    let second = generate(&pinned);
    if first != second {
        let differing: Vec<&str> = first
            .files
            .keys()
            .chain(second.files.keys())
            .filter(|p| first.files.get(*p) != second.files.get(*p))
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        panic!(
            "generating twice from the same input gave different trees; {} file(s) differ:\n  {}",
            differing.len(),
            differing.join("\n  ")
        );
    }
}
