//! Helpers shared by the codegen integration tests: where the workspace and the real Graph
//! CSDL files are. Each test binary uses a subset.
#![allow(dead_code, clippy::panic)]

use std::path::{Path, PathBuf};

use msgraph_codegen::{csdl_file, pin};

/// The workspace root.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where a real Graph CSDL file is: `$MSGRAPH_METADATA_DIR` first when it is set (a relative value
/// is taken relative to the workspace root, as the xtask does: cargo runs each test binary in its
/// package directory), then the committed `<workspace>/metadata`, each under `name` or the same
/// name with or without `.gz`. Fails (never skips) when it is in none of them.
pub(crate) fn real_path(name: &str) -> PathBuf {
    let dirs = pin::search_dirs(&workspace_root());
    pin::find_in(name, &dirs).unwrap_or_else(|| {
        let tried: Vec<String> = dirs.iter().map(|d| format!("{} (from {})", d.dir.display(), d.origin)).collect();
        panic!(
            "the Graph metadata file {name} (or {}) is in none of: {}\n\
             It is committed under metadata/ (see metadata/README.md for where the files come from).",
            csdl_file::other_name(name),
            tried.join(", ")
        )
    })
}

/// The (uncompressed) bytes of a real Graph CSDL file.
pub(crate) fn real_bytes(name: &str) -> Vec<u8> {
    let path = real_path(name);
    csdl_file::read(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The text of a real Graph CSDL file.
pub(crate) fn real_text(name: &str) -> String {
    String::from_utf8(real_bytes(name)).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}
