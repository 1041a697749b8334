//! SIP parsing and the server non-INVITE transaction round trip (request in → 200 out →
//! terminated), per message. Run: `cargo bench -p switchboard-benches --bench sip_parse`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use switchboard_sip::message::{parse, Message, Response};
use switchboard_sip::transaction::{Event, Input, Output, TransactionLayer};
use switchboard_sip::transport::Transport;

const REGISTER: &[u8] = b"REGISTER sip:switchboard.example SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a3f1c0ffee;rport\r\n\
Max-Forwards: 70\r\n\
Contact: <sip:1001@192.0.2.10:5060;rinstance=8f2b1c;transport=UDP>\r\n\
To: <sip:1001@switchboard.example>\r\n\
From: <sip:1001@switchboard.example>;tag=6a3b2c1d\r\n\
Call-ID: ZDk2ZTQ1NzE4ODM0YjE2ZTk4MWM3YzA1MmI1OGQ2ZWM\r\n\
CSeq: 2 REGISTER\r\n\
Expires: 3600\r\n\
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n\
User-Agent: Zoiper rv2.10.20.3\r\n\
Authorization: Digest username=\"1001\",realm=\"switchboard\",nonce=\"0000000000001f4000000000000000011.9f3c\",uri=\"sip:switchboard.example\",response=\"8ca523f5e9506fed4657c9700eebdbec\",cnonce=\"e3b0c442\",nc=00000001,qop=auth,algorithm=MD5\r\n\
Allow-Events: presence, kpml, talk\r\n\
Content-Length: 0\r\n\r\n";

const INVITE: &[u8] = b"INVITE sip:2000@switchboard.example SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---77aa99;rport\r\n\
Max-Forwards: 70\r\n\
Contact: <sip:1001@192.0.2.10:5060;transport=UDP>\r\n\
To: <sip:2000@switchboard.example>\r\n\
From: \"Desk 1001\" <sip:1001@switchboard.example>;tag=4f1a2b3c\r\n\
Call-ID: NmI1YjRkOGE2YjAwMjU0ZGI5ZTJjZjk3YWQ1YzE3OTU\r\n\
CSeq: 1 INVITE\r\n\
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n\
Content-Type: application/sdp\r\n\
Supported: replaces, norefersub, extended-refer, timer\r\n\
User-Agent: Zoiper rv2.10.20.3\r\n\
Content-Length: 199\r\n\r\n\
v=0\r\no=Z 0 0 IN IP4 192.0.2.10\r\ns=Z\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
m=audio 8000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n\
a=sendrecv\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n";

fn bench(c: &mut Criterion) {
    assert!(
        parse(INVITE).is_ok() && parse(REGISTER).is_ok(),
        "bench inputs are valid"
    );
    c.bench_function("sip_parse/register", |b| {
        b.iter(|| parse(black_box(REGISTER)))
    });
    c.bench_function("sip_parse/invite_with_sdp", |b| {
        b.iter(|| parse(black_box(INVITE)))
    });

    let source: SocketAddr = "192.0.2.10:5060".parse().expect("literal");
    let Ok(Message::Request(register)) = parse(REGISTER) else {
        unreachable!("checked above")
    };
    let mut layer = TransactionLayer::default();
    // Benches are the I/O shell here: the clock is read once, then advanced by hand.
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let mut n = 0u64;
    c.bench_function("sip_parse/server_non_invite_round_trip", |b| {
        b.iter(|| {
            n += 1;
            let mut req = register.clone();
            req.headers.set(
                "Via",
                format!("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{n};rport"),
            );
            let input = Input::Received {
                message: Message::Request(req),
                source,
                transport: Transport::Udp,
            };
            let _ = layer.handle_input(now, input);
            while let Some(out) = layer.poll_output() {
                if let Output::Event(Event::Request { id, request, .. }) = out {
                    let _ = layer.handle_input(
                        now,
                        Input::Respond {
                            id,
                            response: Response::from_request(&request, 200, Some("t")),
                        },
                    );
                }
            }
            now += Duration::from_secs(32);
            layer.handle_timeout(now);
            while layer.poll_output().is_some() {}
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
