//! Switchboard's real-time media plane: worker threads that own the RTP sockets of many
//! call legs and run the mixers of their conversations on one 20 ms tick each.
//!
//! A [`MediaEngine`] starts N [`worker`]s (one per core by default). Each worker is a
//! plain OS thread, not an async task: it sleeps until absolute 20 ms deadlines, then
//! drains its command channel, reads each leg's packets, feeds the datagrams to each
//! leg's sans-IO [`sb_media::leg::MediaLeg`] (latching, statistics, RFC 4733, jitter
//! buffer), runs each conversation's [`sb_media::mixer::Mixer`] and sends each leg's
//! packets. A leg whose peer is known reads and answers it through a socket connected to
//! it (`recv` and `send`, see [`sys::connect_peer`]); its port's own socket, and the
//! socket of a leg with no peer, are read with `recvmmsg` and answered with `sendto`
//! (`sendmmsg` when an RTCP report goes with the RTP packet). Outgoing RTP timestamps
//! follow the frame counter, never the wall clock. The control plane talks to workers through
//! bounded channels: typed commands in, [`Event`]s out.
//!
//! **Invariant**: the tick never blocks. Nothing on a worker thread waits for a lock held
//! by the control plane, a full channel, a file or the network: commands are drained
//! with `try_recv`, events and recording frames leave with `try_send` (and are counted
//! when dropped), sockets are non-blocking, and files are written by a separate thread.
//! Only [`clock`] reads the clocks.
//!
//! ```
//! use sb_media::codec::Codec;
//! use sb_media::mixer::VoiceMode;
//! use switchboard_mediaworker::{Direction, EngineConfig, LegSpec, MediaEngine};
//!
//! let engine = MediaEngine::start(EngineConfig {
//!     workers: 1,
//!     bind_ip: "127.0.0.1".parse().unwrap(),
//!     ports: 41_000..=41_099,
//!     ..EngineConfig::default()
//! })
//! .unwrap();
//! let spec = |port| LegSpec {
//!     remote: format!("127.0.0.1:{port}").parse().unwrap(),
//!     codec: Codec::Pcmu,
//!     telephone_event_pt: Some(101),
//!     direction: Direction::SendRecv,
//! };
//! let conversation = engine.create_conversation().unwrap();
//! let caller = engine.create_leg_near(conversation, spec(5000)).unwrap();
//! let agent = engine.create_leg_near(conversation, spec(5002)).unwrap();
//! assert_eq!(caller.local.port() % 2, 0, "RTP and RTCP share an even port");
//! engine.add_member(conversation, caller.leg, VoiceMode::Both).unwrap();
//! engine.add_member(conversation, agent.leg, VoiceMode::PlayedOnly).unwrap();
//! engine.shutdown();
//! ```

pub mod clock;
pub mod command;
pub mod engine;
pub mod ports;
mod recorder;
pub mod sys;
pub mod worker;

pub use command::{
    ConversationId, Direction, Event, LegId, LegRole, LegSpec, PlaySource, Times, WorkerError,
};
pub use engine::{EngineConfig, EngineError, LegInfo, MediaEngine};
pub use ports::{PortError, PortPool};
pub use worker::{WorkerSnapshot, WorkerStats, TICK};
