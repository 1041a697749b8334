//! docs/api.md is the OpenAPI document rendered; this keeps it from drifting.

#[test]
fn api_reference_matches_the_openapi_document() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api.md");
    let rendered = switchboard_api::apidoc::markdown();
    if std::env::var_os("SWITCHBOARD_BLESS").is_some() {
        std::fs::write(&path, &rendered).expect("docs/api.md is writable");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/api.md is stale; regenerate it with SWITCHBOARD_BLESS=1 cargo test -p switchboard-api api_reference"
    );
    for needle in [
        "### `POST /v1/callcenters`",
        "### `GET /v1/callcenter/{callcenter_id}/events/stream`",
        "`pageSize`",
    ] {
        assert!(rendered.contains(needle), "{needle}");
    }
}
