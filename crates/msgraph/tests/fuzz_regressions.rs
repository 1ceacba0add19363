//! Replays the `decode_user` and `decode_auth_methods` fuzz targets' regression inputs
//! (`fuzz/regressions/<target>/`) through the same checks the fuzz targets run
//! (`fuzz/src/models.rs`): decode, round trip, variants. See `fuzz/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/models.rs"]
mod models;
#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/replay.rs"]
mod replay;
#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/round_trip.rs"]
mod round_trip;

#[test]
fn decode_user_regressions() {
    replay::assert_replays(env!("CARGO_MANIFEST_DIR"), "decode_user", models::check_user);
}

#[test]
fn decode_auth_methods_regressions() {
    replay::assert_replays(env!("CARGO_MANIFEST_DIR"), "decode_auth_methods", models::check_auth_methods);
}
