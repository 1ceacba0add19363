//! Replays the `batch_response` and `response_handling` fuzz targets' regression inputs
//! (`fuzz/regressions/<target>/`) through the same checks the fuzz targets run
//! (`fuzz/src/runtime.rs`): `$batch` answers, Graph error bodies, `Retry-After`, nextLink rules.
//! See `fuzz/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/replay.rs"]
mod replay;
#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/round_trip.rs"]
mod round_trip;
#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/runtime.rs"]
mod runtime;

#[test]
fn batch_response_regressions() {
    replay::assert_replays(env!("CARGO_MANIFEST_DIR"), "batch_response", runtime::check_batch);
}

#[test]
fn response_handling_regressions() {
    replay::assert_replays(env!("CARGO_MANIFEST_DIR"), "response_handling", runtime::check_response);
}
