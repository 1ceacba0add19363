//! Bytes → the runtime's `$batch` answer parser and what the queue does with each item, with
//! the round trip of `msgraph_fuzz::runtime::check_batch`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(bug) = msgraph_fuzz::runtime::check_batch(data) {
        panic!("{bug}");
    }
});
