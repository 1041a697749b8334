//! Fuzzes the condition-expression compiler and evaluator: no input may panic, and an
//! error's position must lie inside the source.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_acd::expr::{SortExpr, WhereExpr};
use switchboard_acd::skill::{SkillInterner, SkillSet};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let mut skills = SkillInterner::new();
    let agent = SkillSet::from_pairs([(skills.intern("a"), 0), (skills.intern("b"), 7)]);
    match WhereExpr::compile(src, &mut skills) {
        Ok(w) => {
            let _ = w.eval(&agent);
            let _ = w.matches(&SkillSet::new());
        }
        Err(e) => assert!(e.position().offset <= src.len()),
    }
    if let Ok(s) = SortExpr::compile(src, &mut skills) {
        if let Ok(v) = s.eval(&agent) {
            assert!(v.is_finite());
        }
    }
});
