//! Replays the `csdl_ir` fuzz target's regression inputs (`fuzz/regressions/csdl_ir/`) through
//! the same check the fuzz target runs (`fuzz/src/csdl.rs`): parse + IR build, and emission for
//! documents that resolve. See `fuzz/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(unreachable_pub, dead_code)]
#[path = "../../fuzz/src/csdl.rs"]
mod csdl;
#[allow(unreachable_pub, dead_code)]
#[path = "../../fuzz/src/replay.rs"]
mod replay;

#[test]
fn csdl_ir_regressions() {
    replay::assert_replays(env!("CARGO_MANIFEST_DIR"), "csdl_ir", |data| csdl::check(data, true));
}
