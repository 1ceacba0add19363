//! Arbitrary bytes → CSDL parse → IR build (`msgraph_codegen::build_ir`, the first two stages of
//! `cargo xtask codegen`), checked by `msgraph_fuzz::csdl::check`. Errors are expected; panics,
//! hangs and OOMs are bugs.
//!
//! With `MSGRAPH_FUZZ_EMIT=1` in the environment, every document that resolves also goes
//! through code emission (`emit::emit`, the third stage): ~2.5× slower per input, so the long
//! run leaves it off and a shorter run turns it on.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn emit_enabled() -> bool {
    static EMIT: OnceLock<bool> = OnceLock::new();
    *EMIT.get_or_init(|| std::env::var_os("MSGRAPH_FUZZ_EMIT").is_some_and(|v| v == "1"))
}

fuzz_target!(|data: &[u8]| {
    if let Err(bug) = msgraph_fuzz::csdl::check(data, emit_enabled()) {
        panic!("{bug}");
    }
});
