//! Fuzzes the `<enqueue>` parser: no document may panic, and every diagnostic must point
//! inside the document.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use switchboard_acd::enqueue::{self, Condition, ConditionInput};
use switchboard_acd::skill::SkillInterner;

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else { return };
    let mut skills = SkillInterner::new();
    let mut stored = HashMap::new();
    let input = ConditionInput { where_: Some("has(\"a\")"), queue_timeout: Some(10), ..Default::default() };
    if let Ok(c) = Condition::new(&input, &mut skills) {
        stored.insert("c1".to_owned(), c);
    }
    if let Err(diags) = enqueue::parse(xml, &stored, &mut skills) {
        assert!(!diags.is_empty());
        for d in diags {
            assert!(d.offset <= xml.len() && d.line >= 1 && d.column >= 1);
        }
    }
});
