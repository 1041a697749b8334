//! Scenario tests of the SIP endpoint: real sockets on loopback, port 0 everywhere.

mod acd_support;
mod interop;
mod support;

mod acd_cancel;
mod acd_fetch_failure;
mod acd_keepalive_timeout;
mod acd_login_and_logout;
mod acd_queue_order;
mod acd_queue_timeout_overflow;
mod acd_reject_and_forward;
mod acd_restart_keeps_agents;
mod acd_state_api;

mod auth_failure_indistinguishable;
mod interop_pjsua;
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
