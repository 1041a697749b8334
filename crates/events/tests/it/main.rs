//! Webhook delivery against a real HTTP receiver on loopback.

mod delivery;
mod receiver;
