//! Fuzzes the binary path: ELF header and section parsing, the `.nv_fatbin` walk (as an ELF
//! section and as a raw fatbin), verdicts, and payload decompression (LZ4/ZSTD) with
//! cubin ELF parsing for kernel names.
#![no_main]

use std::path::Path;

use cvdoctor::binary::{gpu_spec, inspect_source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let gpus = [gpu_spec::parse("9.0").unwrap(), gpu_spec::parse("7.0").unwrap()];
    let bytes: &[u8] = data;
    let _ = inspect_source(&bytes, Path::new("fuzz.so"), &gpus, None);
});
