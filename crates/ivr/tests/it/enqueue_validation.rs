//! `parse_with`: the call-center crate's `<enqueue>` validator sees the exact source text,
//! and its positions are mapped into the whole document.

use crate::support::check;

/// A stand-in validator: flags every `bogus` attribute, with fragment-relative positions.
fn flag_bogus(xml: &str) -> Vec<(u32, u32, String)> {
    let mut found = Vec::new();
    for (i, line) in xml.lines().enumerate() {
        if let Some(col) = line.find("bogus") {
            let line_no = u32::try_from(i + 1).expect("short");
            let col_no = u32::try_from(line[..col].chars().count() + 1).expect("short");
            found.push((
                line_no,
                col_no,
                "unknown attribute `bogus` on <skill>".to_owned(),
            ));
        }
    }
    found
}

#[test]
fn validator_positions_are_mapped_into_the_document() {
    let doc = "<response>\n  <play x=\"1\">a</play>\n  <enqueue bogus=\"1\">\n    <route><skill bogus=\"2\"/></route>\n  </enqueue>\n</response>";
    let diags = switchboard_ivr::parse_with(doc, &flag_bogus).expect_err("invalid");
    let got: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "2:9: unknown attribute `x` on <play>, expected one of: finish_keys, repeat",
            "3:3: <response> takes exactly one action, found <enqueue> after <play>",
            // First line of the fragment: shifted by the column where `<enqueue` starts.
            "3:12: in <enqueue>: unknown attribute `bogus` on <skill>",
            // Later lines keep their column.
            "4:19: in <enqueue>: unknown attribute `bogus` on <skill>",
        ]
    );
}

#[test]
fn the_validator_sees_exactly_the_element_text() {
    let seen = std::cell::RefCell::new(String::new());
    let record = |xml: &str| {
        seen.replace(xml.to_owned());
        Vec::new()
    };
    let doc = "<response> <enqueue a=\"1\"><route/></enqueue> <next>http://h/</next></response>";
    switchboard_ivr::parse_with(doc, &record).expect("valid");
    assert_eq!(*seen.borrow(), "<enqueue a=\"1\"><route/></enqueue>");
}

#[test]
fn plain_parse_does_not_check_enqueue() {
    let doc = "<response><enqueue bogus=\"1\"/></response>";
    assert!(switchboard_ivr::parse(doc).is_ok());
    check(doc, Ok(switchboard_ivr::parse(doc).expect("valid")));
}
