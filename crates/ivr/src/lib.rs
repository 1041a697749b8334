//! switchboard-ivr (in progress)
