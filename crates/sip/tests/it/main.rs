//! Scenario and conformance tests, one file per behaviour, named by RFC section.

mod support;

mod call_flows;
mod proptest_roundtrip;
mod register_with_digest;
mod rfc3261_10_3_registrar;
mod rfc3261_12_dialog;
mod rfc3261_13_3_1_4_2xx_retransmit;
mod rfc3261_17_1_1_client_invite;
mod rfc3261_17_1_2_client_non_invite;
mod rfc3261_17_2_1_server_invite;
mod rfc3261_17_2_2_server_non_invite;
mod rfc3261_17_2_3_matching;
mod rfc3261_9_2_cancel;
mod rfc3264_offer_answer;
mod rfc3581_rport;
mod rfc4475_torture;
mod rfc5626_keepalive;
mod rfc6026_accepted;
mod rfc7616_digest;
