//! switchboard-sip (in progress)
