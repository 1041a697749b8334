//! Scenario tests of the SIP endpoint: real sockets on loopback, port 0 everywhere.

mod interop;
mod support;

mod auth_failure_indistinguishable;
mod calls;
mod interop_pjsua;
mod interop_pjsua_call;
mod interop_sipp;
mod interval_too_brief;
mod methods_and_malformed;
mod rate_limit_and_ban;
mod register_tcp;
mod register_udp;
mod restart_keeps_registrations;
mod shutdown_releases_ports;
mod stale_nonce;
mod tcp_framing;
mod tcp_limits;
