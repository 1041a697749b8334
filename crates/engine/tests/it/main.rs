//! Scenario tests of the engine (the SIP endpoint, IVR sessions): real sockets on loopback,
//! port 0 everywhere.

mod acd_support;
mod interop;
mod ivr_support;
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
mod calls;
mod conversations;
mod interop_pjsua;
mod interop_pjsua_agent_rings;
mod interop_pjsua_call;
mod interop_pjsua_ivr;
mod interop_pjsua_queue;
mod interop_sipp;
mod interop_sipp_calls;
mod interop_sipp_inbound;
mod interval_too_brief;
mod ivr_callback_retried_then_hangup;
mod ivr_caller_hangs_up;
mod ivr_enqueue_outcome_on_next;
mod ivr_events_in_order;
mod ivr_get_keys_on_next;
mod ivr_hangup_first_rejects;
mod ivr_malformed_document_hangs_up;
mod ivr_orphaned_session_ends;
mod ivr_play_then_next;
mod ivr_prompt_url_cached;
mod ivr_record_stored;
mod ivr_start_body;
mod ivr_unanswered_start_rejects_busy;
mod methods_and_malformed;
mod rate_limit_and_ban;
mod register_tcp;
mod register_udp;
mod restart_keeps_registrations;
mod shutdown_releases_ports;
mod stale_nonce;
mod tcp_framing;
mod tcp_limits;
