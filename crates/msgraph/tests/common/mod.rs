//! Running cargo from inside a test (shared by the tests that build other targets).
#![allow(dead_code, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>`: a test binary lives in `target/<profile>/deps`.
pub(crate) fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps").to_path_buf()
}

/// Variables (prefixes) cargo sets for the crates it compiles and runs, not for itself.
const CARGO_SET: &[&str] = &[
    "CARGO_MANIFEST_",
    "CARGO_PKG_",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
];

/// `cargo <args> --profile <this test's profile>` with this test's target directory, run from
/// the package directory. Cargo holds its build lock only while building the tests, so calling
/// it from a running test is fine.
pub(crate) fn cargo(args: &[&str]) -> Command {
    let dir = profile_dir();
    let profile = match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_string(),
        Some(other) => other.to_string(),
    };
    let target_dir = dir.parent().expect("target dir").to_path_buf();
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(args)
        .args(["--profile", &profile])
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    // Cargo gives this test `CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...: build scripts that watch
    // such variables (ring's does) would see a change and rebuild half the tree. Run the inner
    // cargo with the environment the outer one had.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key == "OUT_DIR" || CARGO_SET.iter().any(|p| key.starts_with(p)) {
            cargo.env_remove(&key);
        }
    }
    cargo
}

/// A credential that signs the emulator's default user in (authorization code + PKCE), the
/// emulator's test browser playing the user's: `/me` needs a delegated token.
pub(crate) fn user_credential(emu: &msgraph_emulator::Emulator) -> msgraph::auth::AuthorizationCodeCredential {
    emu.approve_next_sign_in(&emu.signed_in_user().id).expect("the seed has a default user");
    let browser = emu.browser();
    msgraph::auth::AuthorizationCodeCredential::new(emu.tenant_id(), emu.app().client_id.clone(), move |url| {
        let browser = browser.clone();
        let url = url.to_string();
        tokio::spawn(async move { browser.open(&url).await.expect("the test browser signs in") });
    })
    .with_authority_host(emu.login_base_url())
}
