//! The engine of Switchboard: the SIP endpoint on UDP and TCP, the registrar service for
//! type-1 extensions, and the abuse controls in front of them; and the [`ivr`] sessions that
//! run a call center's IVR application for a call.
//!
//! **Invariant:** this is the crate that owns sockets, tasks and the clock — and it keeps
//! them at the edge. [`SipEndpoint::start`] binds the sockets and runs one endpoint task
//! (beside a UDP reader thread that only receives and parses, and the store's lookup and
//! write-behind tasks); the decisions are made synchronously by the sans-IO cores of
//! `switchboard-sip` (transactions, digest, registrar) and this crate's [`security`]
//! gate, all fed `now` from one [`clock::Clock`]. The store is never awaited on the SIP path: extension
//! lookups run beside it and registrations are written behind it.
//!
//! ```no_run
//! use sb_store::{SqliteStore, StoreHandle};
//! use switchboard_engine::{SipConfig, SipEndpoint};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = StoreHandle::new(SqliteStore::open_in_memory()?);
//! let sip = SipEndpoint::start(SipConfig::new("127.0.0.1:0".parse()?), store).await?;
//! println!("SIP on udp {} and tcp {}", sip.local_addrs().udp, sip.local_addrs().tcp);
//! let phones = sip.registrations_of("1001").await?;
//! assert!(phones.is_empty());
//! sip.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod acd;
mod acd_link;
pub mod cdr;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod core;
pub mod directory;
mod endpoint;
pub mod ivr;
mod ivr_link;
mod lookup;
pub mod media;
pub mod persist;
pub mod routes;
pub mod security;
pub mod transport;

pub use acd_link::EndpointConnector;
pub use config::{BanPolicy, RateLimit, SipConfig};
pub use core::call::{CallConfig, CallId, CallRecord, EndReason, LegDirection};
pub use endpoint::{LocalAddrs, SipEndpoint, SipHandle, StartError, Stopped};
pub use sb_store::RegistrationRecord;
