//! RFC 3261 §17 transactions, with RFC 6026's Accepted state, as a sans-IO state machine.
//!
//! [`TransactionLayer`] takes received messages and TU requests through
//! [`TransactionLayer::handle_input`], and hands back what to send and what happened through
//! [`TransactionLayer::poll_output`]. It asks to be woken at
//! [`TransactionLayer::poll_timeout`] and then called with
//! [`TransactionLayer::handle_timeout`]. It never reads the clock: every call takes `now`.
//!
//! Retransmissions (timers A, E, G) run only on unreliable transports, and the
//! "wait for stragglers" timers (D, I, J, K) are zero on reliable ones (§17.1.1.2, §17.2.2).
//!
//! Two jobs RFC 3261 gives the TU are done here because they need only transaction
//! state: the UAS's 2xx retransmission until the ACK (§13.3.1.4, see
//! [`Config::retransmit_2xx`]), and answering CANCEL (§9.2: 200, or 481 with no match).
//! The ACK for a 2xx is never sent by a transaction: the dialog builds it
//! ([`crate::dialog::Dialog::ack`]) and the TU sends it with [`Input::SendStateless`].

mod client;
mod key;
mod layer;
mod server;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use crate::message::{Message, Request, Response};
use crate::rfc;
use crate::transport::Transport;

pub use layer::TransactionLayer;

/// Every transaction timer, named as in RFC 3261 §17 (Table 4) and RFC 6026 §8.
///
/// Timer C is absent on purpose: it is the proxy INVITE timer of §16.6 (step 11) and
/// §16.7, and Switchboard is a user agent (a B2BUA), never a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// INVITE request retransmit, client, unreliable only (§17.1.1.2).
    A,
    /// INVITE transaction timeout, client (§17.1.1.2).
    B,
    /// Wait for response retransmissions after a non-2xx final, client INVITE (§17.1.1.2).
    D,
    /// Non-INVITE request retransmit, client, unreliable only (§17.1.2.2).
    E,
    /// Non-INVITE transaction timeout, client (§17.1.2.2).
    F,
    /// INVITE final response retransmit, server, unreliable only (§17.2.1). In the
    /// Accepted state it paces the UAS core's 2xx retransmissions until the ACK arrives
    /// (§13.3.1.4: T1 doubling up to T2), when [`Config::retransmit_2xx`] is set.
    G,
    /// Wait for ACK, server INVITE (§17.2.1).
    H,
    /// Wait for ACK retransmissions, server INVITE (§17.2.1).
    I,
    /// Wait for non-INVITE request retransmissions, server (§17.2.2).
    J,
    /// Wait for response retransmissions, client non-INVITE (§17.1.2.2).
    K,
    /// Wait for INVITE retransmissions after a 2xx, server Accepted (RFC 6026 §8.7); also
    /// the 64*T1 point where §13.3.1.4 gives up on an ACK that never came.
    L,
    /// Wait for 2xx retransmissions, client Accepted (RFC 6026 §8.4).
    M,
}

/// Opaque handle of one transaction inside a [`TransactionLayer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TransactionId(u64);

impl std::fmt::Display for TransactionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tx{}", self.0)
    }
}

/// Timer base values; RFC defaults unless a deployment tunes T1 (§17.1.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// RTT estimate.
    pub t1: Duration,
    /// Retransmit cap.
    pub t2: Duration,
    /// Network lifetime of a message.
    pub t4: Duration,
    /// Send `100 Trying` as soon as an INVITE arrives (§17.2.1 allows it whenever the TU may
    /// take longer than 200 ms, which a call center's routing often does).
    pub auto_trying: bool,
    /// Retransmit a 2xx to INVITE on unreliable transports until its ACK arrives
    /// (§13.3.1.4, a UAS core duty the layer does for the TU). An ACK that never comes
    /// is reported as [`Event::Timeout`] with [`Timer::L`]: the TU should send BYE.
    pub retransmit_2xx: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            t1: rfc::T1,
            t2: rfc::T2,
            t4: rfc::T4,
            auto_trying: true,
            retransmit_2xx: true,
        }
    }
}

/// What the layer is given.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Input {
    /// A message from the network.
    Received {
        /// The parsed message.
        message: Message,
        /// Where it came from.
        source: SocketAddr,
        /// On which transport.
        transport: Transport,
    },
    /// The TU starts a client transaction. The request carries its top Via with a
    /// `z9hG4bK` branch.
    SendRequest {
        /// The request.
        request: Request,
        /// Next hop.
        dest: SocketAddr,
        /// Transport to it.
        transport: Transport,
    },
    /// The TU answers a server transaction.
    Respond {
        /// The server transaction.
        id: TransactionId,
        /// The response (usually built by [`Response::from_request`]).
        response: Response,
    },
    /// The TU sends outside any transaction: ACK for a 2xx (§13.2.2.4), 2xx retransmission.
    SendStateless {
        /// What to send.
        message: Message,
        /// To whom.
        dest: SocketAddr,
        /// How.
        transport: Transport,
    },
    /// The I/O shell could not deliver for this transaction (§17.1.4, §17.2.4).
    TransportFailed {
        /// The transaction.
        id: TransactionId,
    },
}

/// Bytes to put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub dest: SocketAddr,
    /// Transport.
    pub transport: Transport,
    /// Serialised message.
    pub bytes: Bytes,
}

/// Something the TU must hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new request created a server transaction; answer with [`Input::Respond`].
    Request {
        /// The server transaction.
        id: TransactionId,
        /// The request, with `received`/`rport` stamped on its top Via.
        request: Request,
        /// Source address.
        source: SocketAddr,
        /// Transport.
        transport: Transport,
    },
    /// An ACK that no transaction absorbed: the ACK for a 2xx, which belongs to the dialog
    /// (§13.3.1.4, RFC 6026 §8.7).
    Ack {
        /// The ACK.
        request: Request,
        /// Source address.
        source: SocketAddr,
    },
    /// A CANCEL matched this pending INVITE server transaction (§9.2). The layer already
    /// answered the CANCEL with 200; the TU should answer the INVITE with 487.
    Cancelled {
        /// The INVITE server transaction.
        invite: TransactionId,
        /// The CANCEL request.
        cancel: Request,
    },
    /// A response for a client transaction (provisional, final, or a 2xx retransmission
    /// in the Accepted state).
    Response {
        /// The client transaction.
        id: TransactionId,
        /// The response.
        response: Response,
    },
    /// A response matching no transaction (§18.1.2: passed to the core, e.g. a 2xx
    /// retransmission after the client transaction ended, which the dialog re-ACKs).
    StrayResponse {
        /// The response.
        response: Response,
        /// Source address.
        source: SocketAddr,
    },
    /// Timer B, F or H fired: the transaction failed (§17.1.1.2, §17.1.2.2, §17.2.1); or
    /// L fired while a 2xx was still unacknowledged (§13.3.1.4).
    Timeout {
        /// The transaction.
        id: TransactionId,
        /// Which timer.
        timer: Timer,
    },
    /// The transport reported a failure (§17.1.4, §17.2.4).
    TransportError {
        /// The transaction.
        id: TransactionId,
    },
    /// The transaction is gone; its id will not be used again.
    Terminated {
        /// The transaction.
        id: TransactionId,
    },
}

/// One thing for the I/O shell to do.
// Outputs are drained one at a time right after they are made; boxing events would add an
// allocation per message for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send bytes.
    Transmit(Transmit),
    /// Tell the TU.
    Event(Event),
}

/// Why the layer refused an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransactionError {
    /// A TU request without a top Via branch starting with `z9hG4bK` (§8.1.1.7).
    #[error("request has no RFC 3261 branch in its top Via")]
    MissingBranch,
    /// A message lacks a header needed to match it.
    #[error("message has no valid {name} header")]
    MissingHeader {
        /// Header name.
        name: &'static str,
    },
    /// ACK is never a client transaction of its own (§17.1.1.3); use `SendStateless`.
    #[error("ACK is sent with SendStateless, not as a transaction")]
    AckIsNotATransaction,
    /// A client transaction with this branch and method already exists.
    #[error("a transaction with branch {branch} already exists")]
    DuplicateTransaction {
        /// The branch.
        branch: String,
    },
    /// No such transaction (it may have terminated).
    #[error("no transaction {id}")]
    UnknownTransaction {
        /// The id given.
        id: TransactionId,
    },
    /// The response is not allowed in the transaction's current state.
    #[error("cannot send {status} in state {state} of {id}")]
    ResponseNotAllowed {
        /// The transaction.
        id: TransactionId,
        /// Status attempted.
        status: u16,
        /// Current state.
        state: &'static str,
    },
}
