//! Bytes → `Page<AuthenticationMethodKind>` (`GET /me/authentication/methods`), with the
//! round-trip and variant checks of `msgraph_fuzz::models`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // On a 2 MiB stack, as in a real program's threads (see `msgraph_fuzz::stack`).
    if let Err(bug) =
        msgraph_fuzz::stack::on_small_stack(data, |d| msgraph_fuzz::models::check_auth_methods(d).map(drop))
    {
        panic!("{bug}");
    }
});
