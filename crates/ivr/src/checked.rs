//! Parsing with the `<enqueue>` action checked by the call-center crate, so an IVR document
//! whose queue selection is wrong (an unknown condition, a bad expression, a misspelt
//! attribute) is refused with every problem at its line and column in the whole document.

use std::cell::RefCell;

use sb_acd::enqueue::{self, ConditionLookup};
use sb_acd::skill::SkillInterner;

use crate::model::Response;
use crate::{parse_with, Diagnostics};

/// Parses an IVR answer document and validates its `<enqueue>` against the call center's
/// stored `conditions`, interning skill names into `skills`.
pub fn parse_checked(
    text: &str,
    conditions: &impl ConditionLookup,
    skills: &mut SkillInterner,
) -> Result<Response, Diagnostics> {
    let skills = RefCell::new(skills);
    let check = |xml: &str| -> Vec<(u32, u32, String)> {
        match enqueue::parse(xml, conditions, &mut skills.borrow_mut()) {
            Ok(_) => Vec::new(),
            Err(found) => found
                .into_iter()
                .map(|d| {
                    let line = u32::try_from(d.line).unwrap_or(u32::MAX);
                    let column = u32::try_from(d.column).unwrap_or(u32::MAX);
                    (line, column, d.kind.to_string())
                })
                .collect(),
        }
    };
    parse_with(text, &check)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::model::Action;

    #[test]
    fn a_valid_enqueue_passes_and_keeps_its_source() {
        let doc = "<response>\n  <enqueue><route><skill name=\"billing\"/></route></enqueue>\n</response>";
        let conditions: HashMap<String, enqueue::Condition> = HashMap::new();
        let mut skills = SkillInterner::new();
        let r = parse_checked(doc, &conditions, &mut skills).expect("valid");
        assert!(matches!(r.action, Action::Enqueue(_)));
        assert!(skills.lookup("billing").is_some(), "skills are interned");
    }

    #[test]
    fn enqueue_problems_point_into_the_whole_document() {
        let doc = "<response>\n  <play>hi.wav</play>\n</response>";
        let conditions: HashMap<String, enqueue::Condition> = HashMap::new();
        assert!(parse_checked(doc, &conditions, &mut SkillInterner::new()).is_ok());

        let doc = "<response>\n  <enqueue>\n    <route><condition id=\"nope\"/></route>\n  </enqueue>\n</response>";
        let err = parse_checked(doc, &conditions, &mut SkillInterner::new()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("nope"), "{text}");
        assert!(
            text.contains("3:"),
            "the line of the route, in the whole document: {text}"
        );
    }
}
