//! switchboard-acd (in progress)
