//! Size, depth and element-count limits, and bytes that are not UTF-8.

use switchboard_ivr::parse::{MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_ELEMENTS};

fn messages(
    result: Result<switchboard_ivr::model::Response, switchboard_ivr::Diagnostics>,
) -> Vec<String> {
    result
        .expect_err("must be refused")
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_document_over_the_size_limit_is_refused_before_parsing() {
    let padding = " ".repeat(MAX_DOCUMENT_BYTES);
    let doc = format!("<response><hangup/></response>{padding}");
    assert_eq!(
        messages(switchboard_ivr::parse(&doc)),
        [format!(
            "1:1: document is {} bytes, the limit is {MAX_DOCUMENT_BYTES}",
            doc.len()
        )]
    );
}

#[test]
fn nesting_beyond_the_depth_limit_is_refused() {
    let depth = MAX_DEPTH + 1;
    let doc = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let column = 3 * MAX_DEPTH + 1;
    assert_eq!(
        messages(switchboard_ivr::parse(&doc)),
        [format!(
            "1:{column}: elements nest deeper than {MAX_DEPTH} levels"
        )]
    );
}

#[test]
fn too_many_elements_are_refused() {
    let doc = format!("<response>{}</response>", "<x/>".repeat(MAX_ELEMENTS));
    let got = messages(switchboard_ivr::parse(&doc));
    assert_eq!(
        got,
        [format!(
            "1:{}: document has more than {MAX_ELEMENTS} elements",
            11 + 4 * (MAX_ELEMENTS - 1)
        )]
    );
}

#[test]
fn bytes_that_are_not_utf8_are_a_diagnostic() {
    let got = messages(switchboard_ivr::parse_bytes(
        b"<response>\n  <play>\xff</play></response>",
    ));
    assert_eq!(got, ["2:9: malformed XML: document is not valid UTF-8"]);
}

#[test]
fn an_empty_document_has_no_root() {
    assert_eq!(
        messages(switchboard_ivr::parse("  \n")),
        ["2:1: expected root element <response>, found no element"]
    );
}

#[test]
fn every_one_of_many_mistakes_is_reported() {
    let doc = format!("<response>\n{}</response>", "  <say/>\n".repeat(1_000));
    let got = messages(switchboard_ivr::parse(&doc));
    assert_eq!(got.len(), 1_001, "1000 unknown elements and no action");
    assert!(got[0].starts_with("1:1: <response> has no action"));
    assert!(got[1_000].starts_with("1001:3: unknown element <say> in <response>"));
}
