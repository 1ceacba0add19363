//! The round-trip invariant shared by the model and runtime checks (`models.rs`, `runtime.rs`).
//!
//! Included with `#[path]` by the regression tests of the normal test suite, next to the module
//! that uses it (`crates/msgraph/tests/fuzz_regressions.rs`,
//! `crates/msgraph-core/tests/fuzz_regressions.rs`).

use msgraph_codec::json;
use msgraph_codec::model::Codec;

/// Encodes `value`, decodes the encoding again and checks that nothing changed: the encoding
/// is stable, and two decodes of the same canonical encoding are equal (`PartialEq`). Returns
/// the encoding and its decode; `what` names the value in the error.
pub fn round_trip<T: Codec + PartialEq>(value: &T, what: &str) -> Result<(String, T), String> {
    let once = json::to_string(value);
    let again: T = json::from_str(&once)
        .map_err(|e| format!("a decoded {what} encodes to JSON that does not decode ({e}): {once}"))?;
    let twice = json::to_string(&again);
    if once != twice {
        return Err(format!("the encoding of a {what} changed in a round trip:\n  {once}\n  {twice}"));
    }
    let third: T =
        json::from_str(&twice).map_err(|e| format!("a canonical {what} encoding does not decode ({e}): {twice}"))?;
    // NaN is never equal to itself.
    if third != again && !twice.contains("\"NaN\"") {
        return Err(format!("two decodes of the same {what} encoding are not equal: {twice}"));
    }
    Ok((once, again))
}
