//! Every XML example of the IVR reference (docs/ivr.md) is a document the parser accepts,
//! so the reference cannot drift from what Switchboard runs. The `<enqueue>` one is checked
//! by the call-center parser as the engine does.

use std::path::Path;

/// The `<response>` documents of every `xml` code block, in order.
fn examples() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ivr.md");
    let text = std::fs::read_to_string(&path).expect("docs/ivr.md is readable");
    let mut docs = Vec::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match (&mut block, line.trim()) {
            (None, "```xml") => block = Some(String::new()),
            (Some(b), "```") => {
                // A block may hold several documents, one after the other.
                for part in b.split("</response>").filter(|p| !p.trim().is_empty()) {
                    docs.push(format!("{}</response>", part.trim()));
                }
                block = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    docs
}

#[test]
fn every_example_of_the_ivr_reference_parses() {
    let docs = examples();
    assert!(
        docs.len() >= 10,
        "the reference shows every action: {docs:#?}"
    );
    for doc in &docs {
        if let Err(problems) = switchboard_ivr::parse(doc) {
            panic!("docs/ivr.md example does not parse:\n{doc}\n{problems}");
        }
    }
    for action in [
        "<play",
        "<playlist",
        "<get",
        "<record",
        "<dial",
        "<connect",
        "<pause",
        "<send_dtmf",
        "<hangup",
        "<enqueue",
    ] {
        assert!(
            docs.iter().any(|d| d.contains(action)),
            "docs/ivr.md has no example of {action}>"
        );
    }
}
