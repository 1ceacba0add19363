//! An HTTP-like answer (`STATUS\nName: value\n...\n\nBODY`) → Graph error-body parsing,
//! `Retry-After` and the retry delay, and the `@odata.nextLink` rules of paging
//! (`msgraph_fuzz::runtime::check_response`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // On a 2 MiB stack, as in a real program's threads (see `msgraph_fuzz::stack`).
    if let Err(bug) = msgraph_fuzz::stack::on_small_stack(data, |d| msgraph_fuzz::runtime::check_response(d).map(drop))
    {
        panic!("{bug}");
    }
});
