//! Cargo features by API area, compiled for real: a consumer with only `users` (the quickstart's
//! phone-method scenario) builds and behaves, and the crate builds with no area at all.
//!
//! Inside `cargo test --workspace` every member's features are unified (the emulator enables
//! them all), so these builds run as separate cargo invocations on the same target directory.
//! Each of the other areas compiling on its own was checked when the areas were introduced; see
//! the README ("Cargo features") for the command.
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
