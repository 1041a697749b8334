//! Header names: compact forms (RFC 3261 §7.3.3), canonical spellings, and which headers
//! hold comma-separated lists (§7.3.1).

use std::borrow::Cow;

/// Compact forms, RFC 3261 §7.3.3 and the extensions that define one.
fn expand_compact(name: &str) -> Option<&'static str> {
    let [c] = name.as_bytes() else { return None };
    Some(match c.to_ascii_lowercase() {
        b'i' => "Call-ID",
        b'm' => "Contact",
        b'e' => "Content-Encoding",
        b'l' => "Content-Length",
        b'c' => "Content-Type",
        b'f' => "From",
        b's' => "Subject",
        b'k' => "Supported",
        b't' => "To",
        b'v' => "Via",
        b'o' => "Event",
        b'u' => "Allow-Events",
        b'r' => "Refer-To",
        b'b' => "Referred-By",
        b'x' => "Session-Expires",
        _ => return None,
    })
}

/// Known headers, canonically spelt, and whether each is a comma-separated list.
/// Authorization-style headers and Date carry commas inside one value: never split.
const KNOWN: &[(&str, bool)] = &[
    ("Via", true),
    ("From", false),
    ("To", false),
    ("Call-ID", false),
    ("CSeq", false),
    ("Contact", true),
    ("Max-Forwards", false),
    ("Expires", false),
    ("Min-Expires", false),
    ("Content-Length", false),
    ("Content-Type", false),
    ("Route", true),
    ("Record-Route", true),
    ("Allow", true),
    ("Supported", true),
    ("Require", true),
    ("Proxy-Require", true),
    ("Unsupported", true),
    ("User-Agent", false),
    ("Server", false),
    ("Authorization", false),
    ("Proxy-Authorization", false),
    ("WWW-Authenticate", false),
    ("Proxy-Authenticate", false),
    ("Date", false),
    ("Accept", true),
    ("Accept-Encoding", true),
    ("Accept-Language", true),
    ("Allow-Events", true),
    ("Content-Encoding", true),
    ("Content-Language", true),
    ("In-Reply-To", true),
    ("Path", true),
    ("Service-Route", true),
    ("Error-Info", true),
    ("Call-Info", true),
    ("Alert-Info", true),
    ("Warning", true),
    ("Subject", false),
    ("Event", false),
];

/// The canonical name of `raw` (compact forms expanded) and whether it is a list header.
/// Known names borrow a static string, so parsing them allocates nothing.
pub(crate) fn canonical(raw: &str) -> (Cow<'static, str>, bool) {
    let full = expand_compact(raw);
    let lookup = full.unwrap_or(raw);
    match KNOWN.iter().find(|(n, _)| n.eq_ignore_ascii_case(lookup)) {
        Some((name, list)) => (Cow::Borrowed(name), *list),
        None => (
            full.map_or_else(|| Cow::Owned(raw.to_owned()), Cow::Borrowed),
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_case_forms() {
        assert_eq!(canonical("v"), (Cow::Borrowed("Via"), true));
        assert_eq!(canonical("CALL-id"), (Cow::Borrowed("Call-ID"), false));
        assert_eq!(canonical("o"), (Cow::Borrowed("Event"), false));
        assert_eq!(canonical("X-Custom").0, "X-Custom");
        assert_eq!(canonical("r").0, "Refer-To");
    }
}
