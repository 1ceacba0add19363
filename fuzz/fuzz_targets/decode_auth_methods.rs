//! Bytes → `Page<AuthenticationMethodKind>` (`GET /me/authentication/methods`), with the
//! round-trip and variant checks of `msgraph_fuzz::models`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(bug) = msgraph_fuzz::models::check_auth_methods(data) {
        panic!("{bug}");
    }
});
