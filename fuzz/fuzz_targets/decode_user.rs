//! Bytes → `msgraph::models::User`, with the round-trip checks of `msgraph_fuzz::models`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(bug) = msgraph_fuzz::models::check_user(data) {
        panic!("{bug}");
    }
});
