//! Building messages and writing them to bytes.

use std::fmt::Write as _;

use bytes::Bytes;

use super::header::{Method, NameAddr, Via};
use super::uri::Uri;
use super::{Headers, Request, Response, SipHeaders};

/// Reason phrases for the codes the engine sends (RFC 3261 §21 and extensions).
pub fn default_reason(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        302 => "Moved Temporarily",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        603 => "Decline",
        _ => "",
    }
}

fn write_headers(out: &mut String, headers: &Headers, body_len: usize) {
    for (name, value) in headers.iter() {
        if name.eq_ignore_ascii_case("Content-Length") {
            continue;
        }
        // Writing into a String cannot fail.
        let _ = write!(out, "{name}: {value}\r\n");
    }
    let _ = write!(out, "Content-Length: {body_len}\r\n\r\n");
}

fn finish(head: String, body: &Bytes) -> Bytes {
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    Bytes::from(out)
}

/// The parts of a request outside any dialog (RFC 3261 §8.1.1): INVITE to a trunk,
/// REGISTER to a provider, OPTIONS pings.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// Method.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// From, with our tag (§8.1.1.3).
    pub from: NameAddr,
    /// To, without a tag.
    pub to: NameAddr,
    /// Call-ID, globally unique (§8.1.1.4).
    pub call_id: String,
    /// CSeq number (§8.1.1.5).
    pub cseq: u32,
    /// Our Via with a fresh branch.
    pub via: Via,
    /// Contact, required in INVITE and REGISTER (§8.1.1.8).
    pub contact: Option<NameAddr>,
}

impl NewRequest {
    /// The request, with Max-Forwards 70 (§8.1.1.6).
    pub fn build(self) -> Request {
        let mut r = Request::new(self.method.clone(), self.uri);
        r.headers.push("Via", self.via.to_string());
        r.headers
            .push("Max-Forwards", crate::rfc::DEFAULT_MAX_FORWARDS.to_string());
        r.headers.push("From", self.from.to_string());
        r.headers.push("To", self.to.to_string());
        r.headers.push("Call-ID", self.call_id);
        r.headers
            .push("CSeq", format!("{} {}", self.cseq, self.method));
        if let Some(c) = self.contact {
            r.headers.push("Contact", c.to_string());
        }
        r
    }
}

impl Request {
    /// A request with no headers yet.
    pub fn new(method: Method, uri: Uri) -> Self {
        Request {
            method,
            uri,
            headers: Headers::default(),
            body: Bytes::new(),
        }
    }

    /// Wire form; `Content-Length` is always written from the body.
    pub fn to_bytes(&self) -> Bytes {
        let mut head = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        write_headers(&mut head, &self.headers, self.body.len());
        finish(head, &self.body)
    }
}

impl Response {
    /// A response to `request` per RFC 3261 §8.2.6.2: Via (all, in order), From, To, Call-ID
    /// and CSeq copied; `to_tag` added to To when it has none (never for 100, §8.2.6.2).
    pub fn from_request(request: &Request, status: u16, to_tag: Option<&str>) -> Self {
        let mut headers = Headers::default();
        for via in request.headers.get_all("Via") {
            headers.push("Via", via);
        }
        if let Some(from) = request.headers.get("From") {
            headers.push("From", from);
        }
        if let Some(to) = request.headers.get("To") {
            let with_tag = match (request.to(), to_tag) {
                (Some(mut addr), Some(tag)) if addr.tag().is_none() && status != 100 => {
                    addr.params.set("tag", Some(tag));
                    addr.to_string()
                }
                _ => to.to_owned(),
            };
            headers.push("To", with_tag);
        }
        for name in ["Call-ID", "CSeq"] {
            if let Some(v) = request.headers.get(name) {
                headers.push(name, v);
            }
        }
        Response {
            status,
            reason: default_reason(status).to_owned(),
            headers,
            body: Bytes::new(),
        }
    }

    /// A response that creates a dialog at the UAS (§12.1.1): as [`Response::from_request`],
    /// plus the request's Record-Route copied in order and our Contact.
    pub fn dialog_response(
        request: &Request,
        status: u16,
        to_tag: &str,
        contact: &NameAddr,
    ) -> Self {
        let mut resp = Response::from_request(request, status, Some(to_tag));
        for rr in request.headers.get_all("Record-Route") {
            resp.headers.push("Record-Route", rr);
        }
        resp.headers.push("Contact", contact.to_string());
        resp
    }

    /// Wire form.
    pub fn to_bytes(&self) -> Bytes {
        let mut head = format!("SIP/2.0 {} {}\r\n", self.status, self.reason);
        write_headers(&mut head, &self.headers, self.body.len());
        finish(head, &self.body)
    }

    /// `true` for 1xx.
    pub fn is_provisional(&self) -> bool {
        self.status < 200
    }
}

impl NameAddr {
    /// Same address with `tag` set.
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.params.set("tag", Some(tag));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message};

    #[test]
    fn response_copies_dialog_headers_and_adds_tag() {
        let raw = "OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n\
            Via: SIP/2.0/UDP b;branch=z9hG4bK2\r\nFrom: <sip:a@b>;tag=f\r\nTo: <sip:x@example.com>\r\n\
            Call-ID: c1\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        let Message::Request(req) = parse(raw.as_bytes()).unwrap() else {
            panic!("request")
        };
        let resp = Response::from_request(&req, 200, Some("t1"));
        assert_eq!(resp.vias().len(), 2);
        assert_eq!(resp.to().unwrap().tag(), Some("t1"));
        assert_eq!(resp.cseq().unwrap().seq, 7);
        let again = parse(&resp.to_bytes()).unwrap();
        assert_eq!(again, Message::Response(resp));
    }

    #[test]
    fn new_request_has_the_mandatory_headers() {
        use crate::transport::Transport;
        let uri = Uri::sip(Some("2000"), "trunk.example.net", None);
        let req = NewRequest {
            method: Method::Invite,
            uri: uri.clone(),
            from: NameAddr::new(Uri::sip(Some("1001"), "switchboard.example", None)).with_tag("f1"),
            to: NameAddr::new(uri),
            call_id: "cid-1".into(),
            cseq: 1,
            via: Via::new(Transport::Udp, "203.0.113.1", Some(5060), "z9hG4bKn1", true),
            contact: Some(NameAddr::new(Uri::sip(
                Some("sb"),
                "203.0.113.1",
                Some(5060),
            ))),
        }
        .build();
        let Message::Request(back) = parse(&req.to_bytes()).unwrap() else {
            panic!("request")
        };
        assert_eq!(back.top_via().unwrap().branch(), Some("z9hG4bKn1"));
        assert_eq!(back.top_via().unwrap().rport(), Some(None));
        assert_eq!(back.max_forwards(), Some(70));
        assert_eq!(back.cseq().unwrap().to_string(), "1 INVITE");
        assert_eq!(back.contacts().len(), 1);
    }

    #[test]
    fn dialog_response_copies_record_route_and_adds_contact() {
        let raw = "INVITE sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n\
            Record-Route: <sip:p1;lr>, <sip:p2;lr>\r\nFrom: <sip:a@b>;tag=f\r\nTo: <sip:x@example.com>\r\n\
            Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        let Message::Request(req) = parse(raw.as_bytes()).unwrap() else {
            panic!("request")
        };
        let contact = NameAddr::new(Uri::sip(Some("sb"), "203.0.113.1", None));
        let resp = Response::dialog_response(&req, 200, "t1", &contact);
        let hosts: Vec<String> = resp
            .record_route()
            .into_iter()
            .map(|r| r.uri.host)
            .collect();
        assert_eq!(hosts, vec!["p1", "p2"]);
        assert_eq!(resp.contacts().len(), 1);
    }
}
