//! Cargo features by API area, compiled for real: a consumer with only `users` (the quickstart's
//! phone-method scenario) builds and behaves, and the crate builds with no area at all.
//!
//! Inside `cargo test --workspace` every member's features are unified (the emulator enables
//! them all), so these builds run as separate cargo invocations on the same target directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

fn run_ok(args: &[&str]) -> String {
    let out = common::cargo(args).output().expect("running cargo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo {} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn users_only_consumer_builds_and_passes_its_checks() {
    let out = run_ok(&["run", "-q", "-p", "msgraph-users-only"]);
    assert!(out.contains("users-only consumer: all checks passed"), "{out}");
}

#[test]
fn no_area_builds() {
    run_ok(&["build", "-q", "-p", "msgraph", "--lib", "--no-default-features"]);
}

/// Every area compiles on its own (`cargo check`, one area at a time): a metadata update that
/// makes one area reference a type outside its closure fails here, not in a user's build.
#[test]
fn every_area_compiles_alone() {
    // The manifest's features are checked against these by codegen's tests and `codegen --check`.
    let areas: Vec<&str> = msgraph_codegen::features::AREAS.iter().map(|a| a.feature).collect();
    assert!(areas.len() >= 20, "{areas:?}");
    let mut failed = Vec::new();
    for area in &areas {
        let out =
            common::cargo(&["check", "-q", "-p", "msgraph", "--lib", "--no-default-features", "--features", area])
                .output()
                .expect("running cargo");
        if !out.status.success() {
            failed.push(format!("{area}:\n{}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    assert!(failed.is_empty(), "areas that do not compile alone:\n{}", failed.join("\n"));
}
