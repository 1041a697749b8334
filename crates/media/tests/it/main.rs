//! Scenario and conformance tests of the media core, one file per behaviour.

mod support;

mod dtmf_inband_through_g711;
mod dtmf_rfc4733_send_receive;
mod jitter_clock_drift;
mod jitter_loss_and_duplicates;
mod jitter_reordering;
mod jitter_ssrc_change;
mod jitter_storm_reconverges;
mod mixer_hearing_matrix;
mod mixer_hold_voice;
mod mixer_properties;
mod mixer_recording;
mod mixer_tick_does_not_allocate;
mod rtp_level_conference;
mod wav_hostile_files;
