//! tooljet.yml's reader on any bytes: it never panics, never overflows the stack, stays within
//! libFuzzer's memory and time limits, and any error it gives is short and names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tooljet_gitsync_action::inputs::manifest::{read_bytes, select};

fuzz_target!(|bytes: &[u8]| {
    match read_bytes(bytes, "tooljet.yml") {
        Ok(instances) => {
            let _ = select(instances.clone(), None, "tooljet.yml");
            if let Some(first) = instances.first() {
                let name = first.name.clone();
                assert!(select(instances, Some(&name), "tooljet.yml").is_ok());
            }
        }
        Err(err) => {
            let message = err.to_string();
            assert!(message.starts_with("tooljet.yml"), "{message}");
            // Five names of at most 100 characters, and the words around them.
            assert!(message.len() < 2_000, "{} bytes", message.len());
        }
    }
});
