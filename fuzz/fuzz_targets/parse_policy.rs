//! The policy front end never panics, and printing a parsed document and parsing it again gives the
//! same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    perimeter_iam::fuzz::parse_policy_bytes(data);
});
