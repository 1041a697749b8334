//! Scenario tests of the media workers over real UDP on 127.0.0.1.

// The harness reads the clock only to bound how long a test waits for the workers.
#![allow(clippy::disallowed_methods)]

mod dtmf;
mod hearing_matrix;
mod hold_music;
mod latching;
mod leg_move;
mod light_load;
mod peer_socket;
mod phone;
mod port_exhaustion;
mod prompt_to_leg;
mod recording;
mod rtp_timeout;
mod talking;
