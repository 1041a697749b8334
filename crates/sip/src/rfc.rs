//! Protocol constants, each with the section that defines it.

use std::time::Duration;

/// RTT estimate, RFC 3261 §17.1.1.1 (Table 4): 500 ms default.
pub const T1: Duration = Duration::from_millis(500);
/// Maximum retransmit interval for non-INVITE requests and INVITE responses, RFC 3261 §17.1.2.2.
pub const T2: Duration = Duration::from_secs(4);
/// Maximum duration a message remains in the network, RFC 3261 §17.1.2.2.
pub const T4: Duration = Duration::from_secs(5);
/// Timer D lower bound for unreliable transports, RFC 3261 §17.1.1.2 (">32 s").
pub const TIMER_D_UNRELIABLE: Duration = Duration::from_secs(32);
/// The branch prefix that marks RFC 3261 transaction ids, RFC 3261 §8.1.1.7.
pub const MAGIC_COOKIE: &str = "z9hG4bK";
/// The only protocol version we speak, RFC 3261 §7.1.
pub const SIP_VERSION: &str = "SIP/2.0";
/// Default port for `sip:` over UDP/TCP, RFC 3261 §19.1.2.
pub const DEFAULT_PORT: u16 = 5060;
/// Default port for `sips:` / TLS, RFC 3261 §19.1.2.
pub const DEFAULT_TLS_PORT: u16 = 5061;
/// Max-Forwards a UAC puts on new requests, RFC 3261 §8.1.1.6.
pub const DEFAULT_MAX_FORWARDS: u8 = 70;
/// Largest CSeq sequence number, RFC 3261 §8.1.1.5 ("less than 2**31").
pub const MAX_CSEQ: u32 = (1 << 31) - 1;
/// Datagram size a UDP sender must stay under without path-MTU knowledge is 1300 bytes
/// (RFC 3261 §18.1.1); receivers take any datagram up to the IP limit, so we cap at 64 KiB.
pub const MAX_DATAGRAM: usize = 64 * 1024;
