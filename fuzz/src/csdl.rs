//! Checks for the `csdl_ir` target: CSDL text → parse → IR (→ emit).
//!
//! Shared by the fuzz target and by `codegen/tests/fuzz_regressions.rs` (included there with
//! `#[path]`), so a crash input replays through exactly the same code in the normal test suite.

use msgraph_codegen::{build_ir, emit, Input};

/// What a well-behaved run gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The input was not UTF-8 (the xtask refuses it before parsing).
    NotUtf8,
    /// The document resolved into a model.
    Resolved,
    /// The document was rejected; the diagnostics, one per line.
    Rejected(String),
}

/// Runs `data` through the pipeline. `Err` is a bug (an invariant that does not hold); a panic
/// is a bug too.
pub fn check(data: &[u8], emit_code: bool) -> Result<Outcome, String> {
    let Ok(text) = std::str::from_utf8(data) else { return Ok(Outcome::NotUtf8) };
    let input = Input { csdl: text, source_name: "fuzz.xml", sha256: "0" };
    match build_ir(&input) {
        Ok(model) => {
            if emit_code {
                let generated = emit::emit(&model, input.sha256);
                if generated.files.is_empty() {
                    return Err("a resolved model generated no files".into());
                }
            }
            Ok(Outcome::Resolved)
        }
        Err(diagnostics) => {
            if diagnostics.errors.is_empty() {
                return Err("rejected with no diagnostics".into());
            }
            if let Some(d) = diagnostics.errors.iter().find(|d| d.message.trim().is_empty()) {
                return Err(format!("a diagnostic with an empty message at {}", d.location));
            }
            let messages: Vec<&str> = diagnostics.errors.iter().map(|d| d.message.as_str()).collect();
            let _ = diagnostics.to_string();
            Ok(Outcome::Rejected(messages.join("\n")))
        }
    }
}
