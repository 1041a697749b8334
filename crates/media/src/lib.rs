//! switchboard-media (in progress)
