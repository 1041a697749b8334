//! Malformed documents under `tests/it/corpus/`: each `NAME.xml` must produce exactly the
//! diagnostics in `NAME.expected`, one `line:column: message` per line.
//!
//! After a deliberate change of messages, `IVR_BLESS=1 cargo test -p switchboard-ivr`
//! rewrites the expected files; review the diff before committing it.

use std::path::Path;

#[test]
fn every_corpus_document_gives_its_expected_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/corpus");
    let bless = std::env::var_os("IVR_BLESS").is_some();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("corpus file is UTF-8");
        let got = match switchboard_ivr::parse(&text) {
            Ok(response) => format!("unexpectedly valid: {response:?}\n"),
            Err(diags) => format!("{diags}\n"),
        };
        let expected_path = path.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected file");
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                path.display()
            ));
        }
        checked += 1;
    }
    assert!(checked >= 20, "the corpus has {checked} documents");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
