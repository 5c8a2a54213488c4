//! `request_rules`: see `tollgate_fuzzing::rules` for the input format and
//! what is checked. A finding (a broken property) is turned into a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = tollgate_fuzzing::rules::check(data) {
        panic!("{finding}");
    }
});
