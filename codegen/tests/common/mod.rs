//! Helpers shared by the codegen integration tests: where the workspace and the real Graph
//! CSDL files are. Each test binary uses a subset.
#![allow(dead_code, clippy::panic)]

use std::path::{Path, PathBuf};

/// The workspace root.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `$MSGRAPH_METADATA_DIR`, else `<workspace>/../shared/metadata`. A relative value is taken
/// relative to the workspace root, as the xtask does (cargo runs each test binary in its package
/// directory, so the process's own working directory would be wrong).
pub(crate) fn metadata_dir() -> PathBuf {
    match std::env::var_os("MSGRAPH_METADATA_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("..").join("shared").join("metadata"),
    }
}

/// The bytes of a real Graph CSDL file. Fails (never skips) when it is missing.
pub(crate) fn real_bytes(name: &str) -> Vec<u8> {
    let path = metadata_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read the Graph metadata file {}: {err}\n\
             Set MSGRAPH_METADATA_DIR to the directory holding {name} \
             (see ../shared/metadata/README.md for where the files come from).",
            path.display()
        )
    })
}

/// The text of a real Graph CSDL file. Fails (never skips) when it is missing.
pub(crate) fn real_text(name: &str) -> String {
    String::from_utf8(real_bytes(name)).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}
