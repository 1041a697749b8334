//! Transport-level rules that do not need a socket: the RFC 3581 `received`/`rport`
//! stamping a server does on arrival, and where a response goes (RFC 3261 §18.2.2).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use crate::message::{Request, SipHeaders, Via};
use crate::rfc;

/// A SIP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// UDP: unreliable, so transactions retransmit.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

impl Transport {
    /// `true` for stream transports, where transactions never retransmit (§17.1.1.2).
    pub fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }

    /// The Via transport token.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request cannot be stamped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request has no parseable top Via.
    #[error("request has no valid Via")]
    MissingVia,
}

/// Server side of RFC 3581 §4 / RFC 3261 §18.2.1: add `received` when the sent-by host is
/// not the source IP, and fill a valueless `rport` with the source port (which also
/// requires `received`, even if the IPs match).
pub fn stamp_received(request: &mut Request, source: SocketAddr) -> Result<(), TransportError> {
    let mut via = request.top_via().ok_or(TransportError::MissingVia)?;
    let source_ip = source.ip().to_string();
    let host_is_source = via
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip == source.ip());
    let wants_rport = via.rport() == Some(None);
    if !host_is_source || wants_rport {
        via.params.set("received", Some(&source_ip));
    }
    if wants_rport {
        via.params.set("rport", Some(&source.port().to_string()));
    }
    replace_top_via(request, &via);
    Ok(())
}

fn replace_top_via(request: &mut Request, via: &Via) {
    let mut vias: Vec<String> = request.headers.get_all("Via").map(str::to_owned).collect();
    if let Some(first) = vias.first_mut() {
        *first = via.to_string();
    }
    request.headers.remove("Via");
    for v in vias.into_iter().rev() {
        request.headers.push_front("Via", v);
    }
}

/// Where to send a response (RFC 3261 §18.2.2 with RFC 3581 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseTarget {
    /// Send to this address.
    Addr(SocketAddr),
    /// Resolve this host (RFC 3263 §5) and send to the port.
    Resolve {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
    },
}

/// Computes the response destination from the top Via of the request as stamped by
/// [`stamp_received`]. On a reliable transport the response goes back over the connection
/// the request came on; this is the fallback when that connection is gone.
pub fn response_target(via: &Via, transport: Transport) -> ResponseTarget {
    let default_port = if transport == Transport::Tls {
        rfc::DEFAULT_TLS_PORT
    } else {
        rfc::DEFAULT_PORT
    };
    let sent_by_port = via.port.unwrap_or(default_port);
    // §18.2.2: maddr wins, on the sent-by port.
    if let Some(Some(maddr)) = via.params.get("maddr") {
        return target(maddr, sent_by_port);
    }
    if let Some(received) = via.received() {
        // RFC 3581 §4: rport with a value overrides the sent-by port.
        let port = via.rport().flatten().unwrap_or(sent_by_port);
        return target(received, port);
    }
    target(&via.host, sent_by_port)
}

fn target(host: &str, port: u16) -> ResponseTarget {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ResponseTarget::Addr(SocketAddr::new(ip, port)),
        Err(_) => ResponseTarget::Resolve {
            host: host.to_owned(),
            port,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse, Message};

    fn request(via: &str) -> Request {
        let raw = format!(
            "OPTIONS sip:a@b SIP/2.0\r\nVia: {via}\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\n\
             Call-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        match parse(raw.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => panic!("request expected"),
        }
    }

    #[test]
    fn rport_is_filled_and_received_added() {
        let mut r = request("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport");
        stamp_received(&mut r, "203.0.113.9:40000".parse().unwrap()).unwrap();
        let via = r.top_via().unwrap();
        assert_eq!(via.received(), Some("203.0.113.9"));
        assert_eq!(via.rport(), Some(Some(40000)));
        assert_eq!(
            response_target(&via, Transport::Udp),
            ResponseTarget::Addr("203.0.113.9:40000".parse().unwrap())
        );
    }

    #[test]
    fn no_received_when_host_is_source_without_rport() {
        let mut r = request("SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1");
        stamp_received(&mut r, "10.0.0.1:5062".parse().unwrap()).unwrap();
        let via = r.top_via().unwrap();
        assert_eq!(via.received(), None);
        assert_eq!(
            response_target(&via, Transport::Udp),
            ResponseTarget::Addr("10.0.0.1:5062".parse().unwrap())
        );
    }

    #[test]
    fn hostname_sent_by_gets_received_and_sent_by_port() {
        let mut r = request("SIP/2.0/UDP pc.example.com:5070;branch=z9hG4bK1");
        stamp_received(&mut r, "198.51.100.2:6000".parse().unwrap()).unwrap();
        let via = r.top_via().unwrap();
        assert_eq!(
            response_target(&via, Transport::Udp),
            ResponseTarget::Addr("198.51.100.2:5070".parse().unwrap())
        );
    }

    #[test]
    fn maddr_and_unresolved_names() {
        let via = Via::parse("SIP/2.0/UDP pc.example.com;maddr=239.1.1.1;branch=z9hG4bK1").unwrap();
        assert_eq!(
            response_target(&via, Transport::Udp),
            ResponseTarget::Addr("239.1.1.1:5060".parse().unwrap())
        );
        let via = Via::parse("SIP/2.0/TLS pc.example.com;branch=z9hG4bK1").unwrap();
        assert_eq!(
            response_target(&via, Transport::Tls),
            ResponseTarget::Resolve {
                host: "pc.example.com".into(),
                port: 5061
            }
        );
    }
}
