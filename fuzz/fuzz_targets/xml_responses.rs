//! libFuzzer entry point for [`oss_resumable_fuzz::xml_responses`]; the body and its oracle are there.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oss_resumable_fuzz::xml_responses(data));
