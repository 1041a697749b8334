//! RFC 4733 end to end: keys sent as telephone-events on an RTP stream (on the peer's
//! negotiated payload type, not an assumed 101) come out of the receiver once each, in
//! order, even with packet loss, retransmitted ends and audio in between.

use switchboard_media::dtmf::{Digit, DtmfReceiver, DtmfSender, ReportPolicy, TelephoneEvent};
use switchboard_media::rtp::{RtpPacket, RtpSender};

const TE_PT: u8 = 96;

/// Sends `keys` (100 ms each, 60 ms of audio between) and returns the datagrams.
fn send(keys: &str) -> Vec<Vec<u8>> {
    let mut rtp = RtpSender::new(0xCAFE, 40_000, 123_456, 0);
    let mut out = Vec::new();
    let mut buf = [0u8; 200];
    for c in keys.chars() {
        let digit = Digit::from_char(c).expect("test keys are DTMF keys");
        let mut tx = DtmfSender::new(digit, rtp.next_timestamp(), 100, 10);
        while let Some(p) = tx.next_packet() {
            let n = rtp
                .write_packet(TE_PT, p.marker, p.timestamp, &p.event.to_bytes(), &mut buf)
                .unwrap();
            out.push(buf[..n].to_vec());
            rtp.advance_frames(1);
        }
        for _ in 0..3 {
            let n = rtp.write_frame(&[0xFF; 160], &mut buf).unwrap();
            out.push(buf[..n].to_vec());
        }
    }
    out
}

fn receive(datagrams: &[Vec<u8>], policy: ReportPolicy) -> String {
    let mut rx = DtmfReceiver::new(policy);
    let mut heard = String::new();
    for d in datagrams {
        let p = RtpPacket::parse(d).unwrap();
        if p.payload_type == TE_PT {
            rx.on_packet(
                p.timestamp,
                p.marker,
                TelephoneEvent::parse(p.payload).unwrap(),
            );
        }
        while let Some(k) = rx.poll_digit() {
            heard.push(k.digit.as_char());
        }
    }
    rx.finish();
    while let Some(k) = rx.poll_digit() {
        heard.push(k.digit.as_char());
    }
    heard
}

#[test]
fn every_key_once_in_order() {
    let keys = "1234567890*#ABCD";
    let packets = send(keys);
    assert_eq!(receive(&packets, ReportPolicy::OnEnd), keys);
    assert_eq!(receive(&packets, ReportPolicy::OnStart), keys);
}

#[test]
fn repeated_keys_are_separate_events() {
    assert_eq!(receive(&send("5555"), ReportPolicy::OnEnd), "5555");
}

#[test]
fn survives_loss_of_first_packets_and_most_ends() {
    let packets = send("2580");
    // Drop every marker packet and the first two of each run of end packets.
    let mut kept = Vec::new();
    let mut ends_seen = 0;
    for d in &packets {
        let p = RtpPacket::parse(d).unwrap();
        if p.payload_type == TE_PT {
            let ev = TelephoneEvent::parse(p.payload).unwrap();
            if p.marker {
                continue;
            }
            if ev.end {
                ends_seen += 1;
                if ends_seen % 3 != 0 {
                    continue;
                }
            }
        }
        kept.push(d.clone());
    }
    assert_eq!(receive(&kept, ReportPolicy::OnEnd), "2580");
}

#[test]
fn all_end_packets_lost_still_reports_each_key() {
    let packets: Vec<_> = send("19")
        .into_iter()
        .filter(|d| {
            let p = RtpPacket::parse(d).unwrap();
            p.payload_type != TE_PT || !TelephoneEvent::parse(p.payload).unwrap().end
        })
        .collect();
    assert_eq!(receive(&packets, ReportPolicy::OnEnd), "19");
}

#[test]
fn the_event_keeps_one_timestamp_and_audio_resumes_after_it() {
    let packets = send("7");
    let parsed: Vec<_> = packets
        .iter()
        .map(|d| RtpPacket::parse(d).unwrap())
        .collect();
    let events: Vec<_> = parsed.iter().filter(|p| p.payload_type == TE_PT).collect();
    assert_eq!(events.len(), 7);
    assert!(events.iter().all(|p| p.timestamp == 123_456));
    // Sequence numbers run on without a gap from events into audio.
    for w in parsed.windows(2) {
        assert_eq!(w[1].seq, w[0].seq.wrapping_add(1));
    }
    // The first audio packet after the key is stamped seven frames later.
    let audio = parsed.iter().find(|p| p.payload_type == 0).unwrap();
    assert_eq!(audio.timestamp, 123_456 + 7 * 160);
}
