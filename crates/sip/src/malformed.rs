//! Answering what does not parse: RFC 3261 §8.2 wants a 400 for a malformed request, but
//! building one needs Via, From, To, Call-ID and CSeq. This scrapes them from the raw text
//! (compact forms included, §7.3.3) and gives up quietly when a response cannot be routed.

use crate::message::{CSeq, NameAddr, Via};
use bytes::Bytes;

/// The headers a response copies from its request (§8.2.6.2), with their compact forms.
const COPIED: [(&str, &str); 5] = [
    ("Via", "v"),
    ("From", "f"),
    ("To", "t"),
    ("Call-ID", "i"),
    ("CSeq", ""),
];

/// Longest header line copied into the answer: a hostile line is not echoed back whole.
const MAX_COPIED_LINE: usize = 1024;

/// A `400 Bad Request` for `raw`, or `None` when `raw` is not a request with a Via
/// (a response, garbage, or something we could not address).
pub fn bad_request(raw: &[u8]) -> Option<Bytes> {
    let head_len = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let text = String::from_utf8_lossy(&raw[..head_len]);
    let mut lines = text.split("\r\n").skip_while(|l| l.is_empty());
    let start = lines.next()?;
    if start.starts_with("SIP/") || !start.ends_with("SIP/2.0") {
        return None;
    }
    let mut copied = Vec::new();
    let mut found = [false; COPIED.len()];
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        let Some((canonical, _)) = COPIED.iter().find(|(long, short)| {
            name.eq_ignore_ascii_case(long)
                || (!short.is_empty() && name.eq_ignore_ascii_case(short))
        }) else {
            continue;
        };
        let value = value.trim();
        if value.len() > MAX_COPIED_LINE || !valid(canonical, value) {
            continue;
        }
        found[COPIED.iter().position(|(c, _)| c == canonical).unwrap_or(0)] = true;
        copied.push(format!("{canonical}: {value}\r\n"));
    }
    // Without all five the client could not match the answer to its request (§17.1.3),
    // and an unvalidated Via is not an address worth sending to.
    if !found.iter().all(|f| *f) {
        return None;
    }
    let mut out = String::from("SIP/2.0 400 Bad Request\r\n");
    copied.iter().for_each(|l| out.push_str(l));
    out.push_str("Content-Length: 0\r\n\r\n");
    Some(Bytes::from(out))
}

/// Whether a copied header is well-formed, by the same rules the parser applies.
fn valid(name: &str, value: &str) -> bool {
    match name {
        "Via" => Via::parse(value).is_ok(),
        "From" | "To" => NameAddr::parse(value).is_ok(),
        "CSeq" => CSeq::parse(value).is_ok(),
        _ => !value.is_empty() && !value.contains([' ', '\t']),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message};

    #[test]
    fn broken_request_with_via_gets_a_parseable_400() {
        let raw = b"REGISTER sip:x SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa\r\n\
            f: <sip:a@x>;tag=1\r\nt: <sip:a@x>\r\ni: c1\r\nCSeq: 1 REGISTER\r\nContact: <<<\r\n\r\n";
        let answer = bad_request(raw).expect("a Via is present");
        let Message::Response(r) = parse(&answer).expect("our 400 parses") else {
            panic!("a response")
        };
        assert_eq!(r.status, 400);
        assert_eq!(r.headers.get("Call-ID"), Some("c1"));
    }

    #[test]
    fn responses_and_garbage_get_nothing() {
        assert!(bad_request(b"SIP/2.0 200 OK\r\nVia: x\r\n\r\n").is_none());
        assert!(bad_request(b"\x00\x01\x02").is_none());
        assert!(bad_request(b"OPTIONS sip:x SIP/2.0\r\nTo: <sip:a@x>\r\n\r\n").is_none());
        let bad_cseq = b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n\
            From: <sip:a@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c\r\nCSeq: banana\r\n\r\n";
        assert!(
            bad_request(bad_cseq).is_none(),
            "an answer nobody could match"
        );
    }
}
