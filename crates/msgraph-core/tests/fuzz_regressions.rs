//! Replays the `batch_response` and `response_handling` fuzz targets' regression inputs
//! (`fuzz/regressions/<target>/`) through the same checks the fuzz targets run
//! (`fuzz/src/runtime.rs`): `$batch` answers, Graph error bodies, `Retry-After`, nextLink rules.
//! See `fuzz/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/replay.rs"]
mod replay;
#[allow(unreachable_pub, dead_code)]
#[path = "../../../fuzz/src/runtime.rs"]
mod runtime;

#[test]
fn batch_response_regressions() {
    let problems = replay::replay(env!("CARGO_MANIFEST_DIR"), "batch_response", runtime::check_batch);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn response_handling_regressions() {
    let problems = replay::replay(env!("CARGO_MANIFEST_DIR"), "response_handling", runtime::check_response);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
