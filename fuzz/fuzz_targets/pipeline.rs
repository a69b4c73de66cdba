//! cargo-fuzz target: any bytes, decoded into a system of YAML files, through the pipeline.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("schemagen-fuzz-{}", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    harness::run(data, scratch());
});
