//! An HTTP-like answer (`STATUS\nName: value\n...\n\nBODY`) → Graph error-body parsing,
//! `Retry-After` and the retry delay, and the `@odata.nextLink` rules of paging
//! (`msgraph_fuzz::runtime::check_response`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(bug) = msgraph_fuzz::runtime::check_response(data) {
        panic!("{bug}");
    }
});
