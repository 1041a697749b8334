//! End-to-end tests of the `switchboard` binary: real process, real sockets on loopback.

mod conversations;
mod demo;
mod first_start;
mod kamailio_edge;
mod peers;
mod process;
mod registration;
mod story;
mod webhooks;
