//! Batched UDP I/O: `recvmmsg(2)` and `sendmmsg(2)` on Linux, plain `recv_from` /
//! `send_to` loops elsewhere.
//!
//! Socket calls are most of a leg's cost (GUIDE §4): one `recvmmsg` drains everything a
//! socket holds in one system call, and one `sendmmsg` sends every datagram bound for
//! the same socket in one. This is the only module with `unsafe`: the libc calls take raw
//! pointers into buffers that this module owns for the duration of each call.

use std::io;
use std::net::{SocketAddr, UdpSocket};

/// Largest datagram kept; RTP G.711 packets are 172 bytes, compound RTCP a few hundred.
pub const DATAGRAM_MAX: usize = 1500;
/// Datagrams read by one receive call.
pub const BATCH: usize = 16;

/// Buffers for one batched receive, reused every tick so the tick does not allocate.
#[derive(Debug)]
pub struct RecvBatch {
    bufs: Box<[[u8; DATAGRAM_MAX]; BATCH]>,
    lens: [usize; BATCH],
    from: [Option<SocketAddr>; BATCH],
    count: usize,
}

impl Default for RecvBatch {
    fn default() -> Self {
        Self {
            bufs: Box::new([[0; DATAGRAM_MAX]; BATCH]),
            lens: [0; BATCH],
            from: [None; BATCH],
            count: 0,
        }
    }
}

impl RecvBatch {
    /// The datagrams of the last receive and where each came from.
    pub fn datagrams(&self) -> impl Iterator<Item = (SocketAddr, &[u8])> + '_ {
        (0..self.count).filter_map(|i| Some((self.from[i]?, &self.bufs[i][..self.lens[i]])))
    }

    /// Reads what `sock` (non-blocking) holds, up to [`BATCH`] datagrams. Returns how many
    /// arrived; 0 when the socket is empty.
    pub fn recv(&mut self, sock: &UdpSocket) -> io::Result<usize> {
        self.count = 0;
        let n = imp::recv(sock, self)?;
        self.count = n;
        Ok(n)
    }
}

/// Sends every `(destination, bytes)` from `sock` in as few calls as the platform allows.
/// Returns how many datagrams the kernel accepted.
pub fn send_batch(sock: &UdpSocket, msgs: &[(SocketAddr, &[u8])]) -> io::Result<usize> {
    let mut sent = 0;
    while sent < msgs.len() {
        let end = (sent + BATCH).min(msgs.len());
        let n = imp::send(sock, &msgs[sent..end])?;
        if n == 0 {
            break;
        }
        sent += n;
    }
    Ok(sent)
}

/// CPU time the calling thread has used (Linux; zero elsewhere). Unlike wall time it
/// excludes time the thread waited for a core, so it measures the tick's own cost on a
/// shared machine.
pub fn thread_cpu_time() -> std::time::Duration {
    imp::thread_cpu_time()
}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod imp {
    use super::{would_block, RecvBatch, BATCH};
    use std::io;
    use std::mem::{size_of, zeroed};
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
    use std::os::fd::AsRawFd;

    /// The name buffer: a `sockaddr_in6` is large enough for both families and a
    /// quarter the size of `sockaddr_storage`, which matters when zeroed every call.
    type Name = libc::sockaddr_in6;

    fn to_addr(ss: &Name) -> Option<SocketAddr> {
        match i32::from(ss.sin6_family) {
            libc::AF_INET => {
                // SAFETY: the kernel wrote an AF_INET address, so the buffer holds a
                // sockaddr_in, which is smaller than sockaddr_in6 and equally aligned.
                let sin = unsafe { &*(ss as *const _ as *const libc::sockaddr_in) };
                let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                Some(SocketAddr::V4(SocketAddrV4::new(
                    ip,
                    u16::from_be(sin.sin_port),
                )))
            }
            libc::AF_INET6 => {
                let sin6 = ss;
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    sin6.sin6_flowinfo,
                    sin6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }

    fn from_addr(addr: &SocketAddr) -> (Name, libc::socklen_t) {
        // SAFETY: an all-zero sockaddr_in6 is a valid (AF_UNSPEC) value.
        let mut ss: Name = unsafe { zeroed() };
        let len = match addr {
            SocketAddr::V4(a) => {
                // SAFETY: sockaddr_in6 is larger than and aligned like sockaddr_in.
                let sin = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in) };
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = a.port().to_be();
                sin.sin_addr.s_addr = u32::from(*a.ip()).to_be();
                size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = &mut ss;
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = a.port().to_be();
                sin6.sin6_addr.s6_addr = a.ip().octets();
                sin6.sin6_flowinfo = a.flowinfo();
                sin6.sin6_scope_id = a.scope_id();
                size_of::<libc::sockaddr_in6>()
            }
        };
        // The sizes of sockaddr_in/_in6 (16/28 bytes) fit socklen_t.
        (ss, len as libc::socklen_t)
    }

    pub(super) fn thread_cpu_time() -> std::time::Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        if rc != 0 {
            return std::time::Duration::ZERO;
        }
        let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
        let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0);
        std::time::Duration::new(secs, nanos)
    }

    pub(super) fn recv(sock: &UdpSocket, batch: &mut RecvBatch) -> io::Result<usize> {
        // SAFETY: all-zero sockaddr_in6, iovec and mmsghdr are valid values; every
        // pointer set below points into `batch` or these locals, which outlive the call.
        let mut names: [Name; BATCH] = unsafe { zeroed() };
        let mut iovs: [libc::iovec; BATCH] = unsafe { zeroed() };
        let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { zeroed() };
        for i in 0..BATCH {
            iovs[i].iov_base = batch.bufs[i].as_mut_ptr().cast();
            iovs[i].iov_len = batch.bufs[i].len();
            hdrs[i].msg_hdr.msg_name = (&mut names[i] as *mut Name).cast();
            hdrs[i].msg_hdr.msg_namelen = size_of::<Name>() as libc::socklen_t;
            hdrs[i].msg_hdr.msg_iov = &mut iovs[i];
            hdrs[i].msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: `hdrs` holds BATCH initialised headers whose buffers are writable for
        // their stated lengths; MSG_DONTWAIT makes the call return at once.
        let n = unsafe {
            libc::recvmmsg(
                sock.as_raw_fd(),
                hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if would_block(&e) { Ok(0) } else { Err(e) };
        }
        // recvmmsg returns at most `vlen` (BATCH) messages.
        let n = n as usize;
        for i in 0..n {
            batch.lens[i] = hdrs[i].msg_len as usize;
            batch.from[i] = to_addr(&names[i]);
        }
        Ok(n)
    }

    pub(super) fn send(sock: &UdpSocket, msgs: &[(SocketAddr, &[u8])]) -> io::Result<usize> {
        debug_assert!(msgs.len() <= BATCH);
        let count = msgs.len().min(BATCH);
        // SAFETY: as in `recv`; the kernel only reads the payloads, which `msgs` borrows
        // for the whole call.
        let mut names: [Name; BATCH] = unsafe { zeroed() };
        let mut iovs: [libc::iovec; BATCH] = unsafe { zeroed() };
        let mut hdrs: [libc::mmsghdr; BATCH] = unsafe { zeroed() };
        for (i, (addr, bytes)) in msgs.iter().take(count).enumerate() {
            let (ss, len) = from_addr(addr);
            names[i] = ss;
            iovs[i].iov_base = bytes.as_ptr() as *mut libc::c_void;
            iovs[i].iov_len = bytes.len();
            hdrs[i].msg_hdr.msg_name = (&mut names[i] as *mut Name).cast();
            hdrs[i].msg_hdr.msg_namelen = len;
            hdrs[i].msg_hdr.msg_iov = &mut iovs[i];
            hdrs[i].msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: the first `count` headers are initialised and point at live buffers.
        let n = unsafe {
            libc::sendmmsg(
                sock.as_raw_fd(),
                hdrs.as_mut_ptr(),
                count as libc::c_uint,
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if would_block(&e) { Ok(0) } else { Err(e) };
        }
        Ok(n as usize)
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::{would_block, RecvBatch, BATCH};
    use std::io;
    use std::net::{SocketAddr, UdpSocket};

    pub(super) fn thread_cpu_time() -> std::time::Duration {
        std::time::Duration::ZERO
    }

    pub(super) fn recv(sock: &UdpSocket, batch: &mut RecvBatch) -> io::Result<usize> {
        let mut n = 0;
        while n < BATCH {
            match sock.recv_from(&mut batch.bufs[n]) {
                Ok((len, from)) => {
                    batch.lens[n] = len;
                    batch.from[n] = Some(from);
                    n += 1;
                }
                Err(e) if would_block(&e) => break,
                Err(e) if n == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(n)
    }

    pub(super) fn send(sock: &UdpSocket, msgs: &[(SocketAddr, &[u8])]) -> io::Result<usize> {
        let mut n = 0;
        for (addr, bytes) in msgs {
            match sock.send_to(bytes, addr) {
                Ok(_) => n += 1,
                Err(e) if would_block(&e) => break,
                Err(e) if n == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_goes_out_and_comes_back_in_one_call_each() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        let payloads: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 10 + usize::from(i)]).collect();
        let msgs: Vec<(SocketAddr, &[u8])> = payloads.iter().map(|p| (to, &p[..])).collect();
        assert_eq!(send_batch(&tx, &msgs).unwrap(), 5);
        let mut batch = RecvBatch::default();
        let mut got = Vec::new();
        // Loopback delivery is synchronous with the send, so everything is queued now.
        while got.len() < 5 {
            assert!(batch.recv(&rx).unwrap() > 0, "datagrams were queued");
            got.extend(batch.datagrams().map(|(f, b)| (f, b.to_vec())));
        }
        assert_eq!(batch.recv(&rx).unwrap(), 0, "the socket is drained");
        let from = tx.local_addr().unwrap();
        for (i, (f, b)) in got.iter().enumerate() {
            assert_eq!(*f, from);
            assert_eq!(b, &payloads[i]);
        }
    }

    #[test]
    fn an_empty_socket_reads_nothing() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let mut batch = RecvBatch::default();
        assert_eq!(batch.recv(&rx).unwrap(), 0);
        assert_eq!(batch.datagrams().count(), 0);
    }
}
