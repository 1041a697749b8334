//! Deterministic conversation scenarios: the conversation link driven with the endpoint
//! core, scripted phones and a scripted trunk (SPEC §5–§7).

mod support;

mod callagent_finds_an_agent;
mod callout_dial_tone_then_ringback;
mod callout_pause_resume_depart;
mod connection_answers_for_two;
mod conversation_timeout_ends_it;
mod dissolve_and_depart;
mod hang_up_mid_transfer;
mod hold_voice_of_a_task;
mod hold_voice_of_the_enqueue;
mod invite_agent_adds_an_agent;
mod invite_out_adds_a_number;
mod inviter_hold_is_counted;
mod join_and_voice_modes;
mod queue_terms_of_the_enqueue;
mod random_operations_keep_the_rules;
mod recorded_when_asked;
mod records_say_how_it_went;
mod wait_voice_of_the_enqueue;
mod xfer_agent_moves_an_ivr_caller;
mod xfer_out_moves_the_party;
