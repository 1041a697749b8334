//! End-to-end tests of the `switchboard` binary: real process, real sockets on loopback.

mod first_start;
mod process;
mod registration;
mod webhooks;
