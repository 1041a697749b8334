//! Cost of moving 16 RTP-sized datagrams over loopback: batched (`sendmmsg` +
//! `recvmmsg`, what the media worker does) against one system call per datagram. The
//! worker's capacity in legs per core is set by this per-packet cost.
//!
//! The second group is the worker's own pattern: each leg has its socket and sends and
//! receives one packet per tick, so the cost per leg is one lone send (`send_batch`
//! with one datagram, which uses `sendto`) and one `recvmmsg` that finds one datagram.
//! Run: `cargo bench -p switchboard-benches --bench mediaworker_batch_io`.

use std::net::{SocketAddr, UdpSocket};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use switchboard_mediaworker::sys::{send_batch, RecvBatch};

const DATAGRAMS: usize = 16;

fn sockets() -> (UdpSocket, UdpSocket, SocketAddr) {
    let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
    rx.set_nonblocking(true).expect("non-blocking");
    let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let to = rx.local_addr().expect("bound");
    (rx, tx, to)
}

fn batch_io(c: &mut Criterion) {
    let packet = [0x80u8; 172];
    let mut group = c.benchmark_group("udp_16_datagrams");
    group.throughput(Throughput::Elements(DATAGRAMS as u64));

    let (rx, tx, to) = sockets();
    let msgs: Vec<(SocketAddr, &[u8])> = (0..DATAGRAMS).map(|_| (to, &packet[..])).collect();
    let mut batch = RecvBatch::default();
    group.bench_function("sendmmsg_recvmmsg", |b| {
        b.iter(|| {
            send_batch(&tx, &msgs).expect("send");
            let mut got = 0;
            while got < DATAGRAMS {
                got += batch.recv(&rx).expect("recv");
            }
        })
    });

    let (rx, tx, to) = sockets();
    let mut buf = [0u8; 1500];
    group.bench_function("send_to_recv_from", |b| {
        b.iter(|| {
            for _ in 0..DATAGRAMS {
                tx.send_to(&packet, to).expect("send");
            }
            let mut got = 0;
            while got < DATAGRAMS {
                if rx.recv_from(&mut buf).is_ok() {
                    got += 1;
                }
            }
        })
    });
    group.finish();
}

/// Legs in the per-leg group: enough sockets that their state is not all in L1.
const LEGS: usize = 64;

fn per_leg(c: &mut Criterion) {
    let packet = [0x80u8; 172];
    let mut group = c.benchmark_group("one_datagram_per_leg_socket");
    group.throughput(Throughput::Elements(LEGS as u64));
    let legs: Vec<(UdpSocket, UdpSocket, SocketAddr)> = (0..LEGS).map(|_| sockets()).collect();
    let mut batch = RecvBatch::default();
    group.bench_function("send_batch_then_recvmmsg", |b| {
        b.iter(|| {
            for (_, tx, to) in &legs {
                send_batch(tx, &[(*to, &packet[..])]).expect("send");
            }
            for (rx, _, _) in &legs {
                let mut got = 0;
                while got == 0 {
                    got = batch.recv(rx).expect("recv");
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, batch_io, per_leg);
criterion_main!(benches);
