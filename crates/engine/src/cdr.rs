//! Call detail records, written behind the SIP path: the endpoint queues each answered
//! leg's start, each finished leg's record (and, later, its RTCP figures), and one writer
//! task stores them in batches. An answered leg is noted as in progress so that if the
//! process dies, the next start still writes its record (ended `restart`).

use std::time::Duration;

use sb_store::{CallRow, StoreHandle};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::core::call::CallRecord;

/// One thing for the writer.
#[derive(Debug)]
pub enum CdrWrite {
    /// A leg was answered: noted as in progress until its record comes.
    Began(CallRecord),
    /// A leg ended.
    Record(CallRecord),
    /// A leg's reception quality, reported by the media plane after it ended.
    Quality {
        /// The leg.
        call: String,
        /// Packets lost from the peer.
        packets_lost: i64,
        /// Interarrival jitter from the peer, ms.
        jitter_ms: u32,
    },
}

/// How long records gather before one write (a crash loses at most this much).
const WINDOW: Duration = Duration::from_millis(500);

/// Starts the writer; it ends, after flushing, when every sender is dropped.
pub fn spawn_writer(store: StoreHandle) -> (mpsc::UnboundedSender<CdrWrite>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, tokio::spawn(run(store, rx)))
}

async fn run(store: StoreHandle, mut rx: mpsc::UnboundedReceiver<CdrWrite>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let window = tokio::time::sleep(WINDOW);
        tokio::pin!(window);
        let open = loop {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(w) => batch.push(w),
                    None => break false,
                },
                () = &mut window => break true,
            }
        };
        let (mut begun, mut rows, mut qualities) = (Vec::new(), Vec::new(), Vec::new());
        for w in batch {
            match w {
                CdrWrite::Began(r) => begun.push(row(r)),
                CdrWrite::Record(r) => rows.push(row(r)),
                q @ CdrWrite::Quality { .. } => qualities.push(q),
            }
        }
        let result = store
            .run(move |s| {
                // Starts first: a leg that began and ended in one batch is then forgotten
                // as in progress by its record.
                if !begun.is_empty() {
                    s.calls_began(&begun)?;
                }
                s.insert_calls(&rows)?;
                for q in qualities {
                    if let CdrWrite::Quality {
                        call,
                        packets_lost,
                        jitter_ms,
                    } = q
                    {
                        s.set_call_quality(&call, packets_lost, jitter_ms)?;
                    }
                }
                Ok(())
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "call records not written");
        }
        if !open {
            break;
        }
    }
}

fn row(r: CallRecord) -> CallRow {
    CallRow {
        id: r.call_id.0,
        callcenter_id: r.callcenter_id,
        sip_call_id: r.sip_call_id,
        direction: r.direction.as_str().to_owned(),
        from: r.from,
        to: r.to,
        peer_id: r.peer.map(|p| p.0),
        start_time: r.start_ms,
        answer_time: r.answer_ms,
        end_time: r.end_ms,
        end_reason: r.end_reason.as_str().to_owned(),
        status: r.status,
        packets_lost: None,
        jitter_ms: None,
    }
}
