//! What a phone does with what it receives: responses go to the request waiting for
//! them; the switch's requests are answered (an INVITE rings, then is picked up after the
//! phone's ring time with an SDP answer; BYE and CANCEL end the call).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use sb_sip::message::{parse, Message, Request, Response, SipHeaders};

use super::{sdp, sdp_addr, uri_of, Call, Inner};
use crate::demo::media::Media;

/// Reads the phone's socket until the phone is gone.
pub(super) async fn receive(phone: std::sync::Weak<Inner>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Some(i) = phone.upgrade() else { return };
        let got =
            tokio::time::timeout(Duration::from_millis(500), i.socket.recv_from(&mut buf)).await;
        let Ok(Ok((n, _))) = got else { continue };
        match parse(&buf[..n]) {
            Ok(Message::Response(r)) => {
                let branch = r
                    .top_via()
                    .and_then(|v| v.params.get("branch").flatten().map(str::to_owned));
                let waiter = branch.and_then(|b| i.state().waiting.get(&b).cloned());
                if let Some(w) = waiter {
                    let _ = w.send(r);
                }
            }
            Ok(Message::Request(r)) => on_request(&i, r).await,
            Err(_) => {}
        }
    }
}

async fn reply(i: &Inner, r: Response) -> Bytes {
    let bytes = r.to_bytes();
    let _ = i.socket.send_to(&bytes, i.server).await;
    bytes
}

/// Our To tag in the dialog of call `call_id`: one per call of this phone.
fn tag_for(i: &Inner, call_id: &str) -> String {
    let s = i.state();
    let n = s
        .calls
        .iter()
        .position(|c| c.id == call_id)
        .unwrap_or(s.calls.len());
    format!("{}-{}", i.user, n + 1)
}

async fn on_request(i: &Arc<Inner>, req: Request) {
    let call_id = req.call_id().unwrap_or_default().to_owned();
    let tag = tag_for(i, &call_id);
    match req.method.as_str() {
        "INVITE" => on_invite(i, req, call_id, tag).await,
        "BYE" => {
            reply(i, Response::from_request(&req, 200, Some(&tag))).await;
            let ended = {
                let mut s = i.state();
                let c = s.calls.iter_mut().find(|c| c.id == call_id && !c.ended);
                c.map(|c| {
                    c.ended = true;
                    c.media = None;
                })
            };
            if ended.is_some() {
                i.say("hung up by the switch (BYE)".into());
            }
        }
        "CANCEL" => {
            reply(i, Response::from_request(&req, 200, Some(&tag))).await;
            let invite = {
                let mut s = i.state();
                let c = s.calls.iter_mut().find(|c| c.id == call_id && !c.answered);
                c.and_then(|c| {
                    c.ended = true;
                    c.invite.take()
                })
            };
            if let Some(invite) = invite {
                i.say("stops ringing (CANCEL)".into());
                reply(i, Response::from_request(&invite, 487, Some(&tag))).await;
            }
        }
        "ACK" => {}
        _ => {
            reply(i, Response::from_request(&req, 200, Some(&tag))).await;
        }
    }
}

async fn on_invite(i: &Arc<Inner>, req: Request, call_id: String, tag: String) {
    let known = {
        let s = i.state();
        s.calls
            .iter()
            .find(|c| c.id == call_id)
            .map(|c| (c.last.clone(), c.media.clone()))
    };
    match known {
        // A retransmission, or a re-INVITE of a call we answered: same answer again.
        Some((last, media)) => {
            let in_dialog = req.to().is_some_and(|t| t.tag().is_some());
            match (in_dialog, media) {
                (true, Some(media)) => {
                    if let Some(remote) = sdp_addr(&req.body) {
                        media.connect(remote);
                    }
                    answer(i, &req, &tag, &media).await;
                }
                _ => {
                    if let Some(last) = last {
                        let _ = i.socket.send_to(&last, i.server).await;
                    }
                }
            }
        }
        None => {
            let ringing = reply(i, Response::from_request(&req, 180, Some(&tag))).await;
            i.state().calls.push(Call {
                id: call_id.clone(),
                media: None,
                ours: String::new(),
                theirs: String::new(),
                target: req.headers.get("Contact").map(uri_of).unwrap_or_default(),
                answered: false,
                ended: false,
                last: Some(ringing),
                invite: Some(req.clone()),
            });
            i.say("phone rings".into());
            let i = i.clone();
            tokio::spawn(async move {
                tokio::time::sleep(i.ring).await;
                pick_up(&i, req, call_id, tag).await;
            });
        }
    }
}

async fn pick_up(i: &Arc<Inner>, req: Request, call_id: String, tag: String) {
    if i.state().calls.iter().any(|c| c.id == call_id && c.ended) {
        return;
    }
    let media = match Media::start(i.local.ip(), i.freq).await {
        Ok(m) => Arc::new(m),
        Err(_) => {
            reply(i, Response::from_request(&req, 500, Some(&tag))).await;
            return;
        }
    };
    if let Some(remote) = sdp_addr(&req.body) {
        media.connect(remote);
    }
    let sent = answer(i, &req, &tag, &media).await;
    {
        let mut s = i.state();
        if let Some(c) = s.calls.iter_mut().find(|c| c.id == call_id) {
            c.answered = true;
            c.media = Some(media);
            c.last = Some(sent);
            c.invite = None;
        }
    }
    i.say("answers".into());
}

async fn answer(i: &Inner, req: &Request, tag: &str, media: &Media) -> Bytes {
    let mut ok = Response::from_request(req, 200, Some(tag));
    ok.headers
        .push("Contact", format!("<sip:{}@{}>", i.user, i.local));
    ok.headers.push("Content-Type", "application/sdp");
    ok.body = Bytes::from(sdp(media.local()));
    reply(i, ok).await
}
