//! Bytes → the runtime's `$batch` answer parser and what the queue does with each item, with
//! the round trip of `msgraph_fuzz::runtime::check_batch`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // On a 2 MiB stack, as in a real program's threads (see `msgraph_fuzz::stack`).
    if let Err(bug) = msgraph_fuzz::stack::on_small_stack(data, |d| msgraph_fuzz::runtime::check_batch(d).map(drop)) {
        panic!("{bug}");
    }
});
