//! Deterministic conversation scenarios: the conversation link driven with the endpoint
//! core, scripted phones and a scripted trunk (SPEC §5–§7).

mod callout_pause_resume_depart;
