//! The checks behind the fuzz targets in `fuzz_targets/`. Each returns `Ok(outcome)` for a
//! well-behaved run (the input was accepted or cleanly rejected) and `Err(description)` when an
//! invariant does not hold; a panic anywhere is a bug too.
//!
//! The same modules are included with `#[path]` by the regression tests of the normal test
//! suite (`codegen/tests/fuzz_regressions.rs`, `crates/msgraph/tests/fuzz_regressions.rs`,
//! `crates/msgraph-core/tests/fuzz_regressions.rs`), which replay `fuzz/regressions/` with
//! `replay.rs`.

pub mod csdl;
pub mod models;
pub mod round_trip;
pub mod runtime;
pub mod stack;
