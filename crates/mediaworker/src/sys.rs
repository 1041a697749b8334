//! Batched UDP I/O: `recvmmsg(2)` and `sendmmsg(2)` on Linux, plain `recv_from` /
//! `send_to` loops elsewhere.
//!
//! Socket calls are most of a leg's cost (GUIDE §4): one `recvmmsg` drains everything a
//! socket holds in one system call, and one `sendmmsg` sends every datagram bound for
//! the same socket in one. This is the only module with `unsafe`: the libc calls take raw
//! pointers into buffers that this module owns for the duration of each call, and
//! [`prefetch_range`] issues the CPU's prefetch hint, which takes an address it never reads.

use std::io;
use std::net::{SocketAddr, UdpSocket};

/// Largest datagram kept; RTP G.711 packets are 172 bytes, compound RTCP a few hundred.
pub const DATAGRAM_MAX: usize = 1500;
/// Datagrams read by one receive call.
pub const BATCH: usize = 16;

/// Buffers for one batched receive, reused every tick so the tick does not allocate.
///
/// On Linux the `recvmmsg` headers, their iovecs and address buffers are built once,
/// next to the buffers they point into, and only their in/out lengths are reset per
/// call: a worker makes one receive call per leg per tick, so rebuilding (and zeroing)
/// sixteen headers each time cost as much as the user-space side of the call itself.
#[derive(Debug)]
pub struct RecvBatch {
    slots: imp::Slots,
    lens: [usize; BATCH],
    from: [Option<SocketAddr>; BATCH],
    count: usize,
}

impl Default for RecvBatch {
    fn default() -> Self {
        Self {
            slots: imp::Slots::new(),
            lens: [0; BATCH],
            from: [None; BATCH],
            count: 0,
        }
    }
}

impl RecvBatch {
    /// The datagrams of the last receive and where each came from.
    pub fn datagrams(&self) -> impl Iterator<Item = (SocketAddr, &[u8])> + '_ {
        (0..self.count).filter_map(|i| Some((self.from[i]?, self.slots.buf(i, self.lens[i]))))
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
    // A leg sends one RTP packet per tick and adds RTCP only every few seconds: a single
    // datagram goes out with `sendto`, which skips the kernel's copy of a message header.
    if let [(to, bytes)] = msgs {
        return imp::send_one(sock, to, bytes);
    }
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

/// Opens a second socket on `port`'s address, connected to `peer`: the leg's fast path.
///
/// A connected socket is cheaper per datagram than the port's own socket. Its sends skip
/// the route lookup and carry no address, and its reads need no address back. The port's
/// socket stays open beside it, so nothing is lost that the connected one would drop.
/// The kernel hands a datagram to the connected socket only when it comes from `peer` to
/// the address the connection uses; every other datagram still lands on the port's
/// socket, where a [`Poller`] reports it. That keeps symmetric RTP's latching and a
/// multi-homed host's other addresses working.
///
/// Binding twice to one port needs `SO_REUSEPORT` on both sockets for the moment of the
/// bind. It is cleared on both afterwards, so no other socket can join the port later:
/// the port range still belongs to this process alone. Linux only (other systems give
/// `SO_REUSEPORT` different meanings): elsewhere an `Unsupported` error, and legs keep
/// using their port's socket.
pub fn connect_peer(port: &UdpSocket, peer: SocketAddr) -> io::Result<UdpSocket> {
    imp::connect_peer(port, peer)
}

/// Raises the process's soft limit on open descriptors to its hard limit, and returns
/// the limit now in force (Linux; elsewhere an `Unsupported` error). A leg holds two
/// sockets once its peer is known ([`connect_peer`]), and a default soft limit of 1,024
/// would stop a server at a few hundred calls.
pub fn raise_fd_limit() -> io::Result<u64> {
    imp::raise_fd_limit()
}

/// Watches sockets for datagrams waiting, with one call for all of them: the port
/// sockets of legs that read their peer through a connected socket, where only strays
/// (a peer that moved, a hijack attempt, another local address) arrive (`epoll` on Linux;
/// elsewhere nothing is watched, since no leg gets a connected socket there).
#[derive(Debug)]
pub struct Poller(imp::Poller);

impl Poller {
    /// A poller watching nothing yet.
    pub fn new() -> io::Result<Self> {
        imp::Poller::new().map(Self)
    }

    /// Starts reporting `sock` under `key` whenever it holds a datagram.
    pub fn watch(&self, sock: &UdpSocket, key: u64) -> io::Result<()> {
        self.0.watch(sock, key)
    }

    /// Stops reporting `sock`.
    pub fn unwatch(&self, sock: &UdpSocket) -> io::Result<()> {
        self.0.unwatch(sock)
    }

    /// Replaces `keys` with the keys of watched sockets holding datagrams now; never
    /// waits. At most [`Poller::MAX_READY`] per call: the rest are reported next time.
    pub fn ready(&mut self, keys: &mut Vec<u64>) -> io::Result<()> {
        keys.clear();
        self.0.ready(keys)
    }

    /// Sockets reported by one [`Poller::ready`] at most.
    pub const MAX_READY: usize = 256;
}

/// Pins the calling thread to the `nth` CPU (counting from 0) of those the process may
/// run on, wrapping around when there are fewer. Returns the CPU chosen (Linux; elsewhere
/// an `Unsupported` error).
pub fn pin_current_thread(nth: usize) -> io::Result<usize> {
    imp::pin_current_thread(nth)
}

/// CPU time the calling thread has used (Linux; zero elsewhere). Unlike wall time it
/// excludes time the thread waited for a core, so it measures the tick's own cost on a
/// shared machine.
pub fn thread_cpu_time() -> std::time::Duration {
    imp::thread_cpu_time()
}

/// Cache line size assumed for prefetching (x86-64 and most ARM cores).
const CACHE_LINE: usize = 64;

/// Most cache lines one [`prefetch_range`] asks for: beyond that the hardware's own
/// prefetcher has noticed the stream, and the hints only crowd the cache.
const PREFETCH_MAX_LINES: usize = 64;

/// Asks the CPU to start loading `*value` into its caches (at most its first 64 cache
/// lines), so a later access does not wait on memory.
#[inline]
pub fn prefetch<T>(value: &T) {
    prefetch_range((value as *const T).cast(), std::mem::size_of::<T>());
}

/// Asks the CPU to start loading `len` bytes from `start` into its caches. Only a hint:
/// the address is never dereferenced, a prefetch cannot fault, and nothing the program
/// can observe changes (x86-64; elsewhere nothing happens).
#[inline]
pub fn prefetch_range(start: *const u8, len: usize) {
    let lines = len.div_ceil(CACHE_LINE).min(PREFETCH_MAX_LINES);
    for i in 0..lines {
        prefetch_line(start.wrapping_add(i * CACHE_LINE));
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
fn prefetch_line(p: *const u8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch reads nothing architecturally and cannot fault, whatever the
    // address.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn prefetch_line(_p: *const u8) {}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod imp {
    use super::{would_block, RecvBatch, BATCH, DATAGRAM_MAX};
    use std::io;
    use std::mem::{size_of, zeroed};
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
    use std::os::fd::AsRawFd;
    use std::ptr::addr_of_mut;

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

    pub(super) fn raise_fd_limit() -> io::Result<u64> {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `lim` is a valid, writable rlimit for the call.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return Err(io::Error::last_os_error());
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            // SAFETY: `raised` is a valid rlimit the kernel only reads.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
                return Err(io::Error::last_os_error());
            }
            lim = raised;
        }
        Ok(lim.rlim_cur)
    }

    pub(super) fn connect_peer(port: &UdpSocket, peer: SocketAddr) -> io::Result<UdpSocket> {
        use socket2::{Domain, Protocol, SockRef, Socket, Type};
        let local = port.local_addr()?;
        let port = SockRef::from(port);
        let twin = Socket::new(Domain::for_address(local), Type::DGRAM, Some(Protocol::UDP))?;
        twin.set_nonblocking(true)?;
        twin.set_cloexec(true)?;
        twin.set_reuse_port(true)?;
        port.set_reuse_port(true)?;
        let joined = twin.bind(&local.into());
        // Whatever happened, the port must not stay open to other sockets.
        let closed = port.set_reuse_port(false);
        joined?;
        closed?;
        twin.set_reuse_port(false)?;
        twin.connect(&peer.into())?;
        Ok(twin.into())
    }

    /// An `epoll` instance, level-triggered: a socket left with datagrams is reported
    /// again on the next call.
    #[derive(Debug)]
    pub(super) struct Poller {
        fd: std::os::fd::OwnedFd,
        events: Vec<libc::epoll_event>,
    }

    impl Poller {
        pub(super) fn new() -> io::Result<Self> {
            use std::os::fd::FromRawFd;
            // SAFETY: plain system call; a non-negative result is a new descriptor that
            // nothing else owns.
            let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` was just opened and is owned here alone.
            let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
            let events = vec![libc::epoll_event { events: 0, u64: 0 }; super::Poller::MAX_READY];
            Ok(Self { fd, events })
        }

        fn ctl(&self, op: libc::c_int, sock: &UdpSocket, key: u64) -> io::Result<()> {
            let mut ev = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: key,
            };
            // SAFETY: both descriptors are open for the call; `ev` is a valid event the
            // kernel only reads.
            let rc = unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, sock.as_raw_fd(), &mut ev) };
            if rc < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }

        pub(super) fn watch(&self, sock: &UdpSocket, key: u64) -> io::Result<()> {
            self.ctl(libc::EPOLL_CTL_ADD, sock, key)
        }

        pub(super) fn unwatch(&self, sock: &UdpSocket) -> io::Result<()> {
            self.ctl(libc::EPOLL_CTL_DEL, sock, 0)
        }

        pub(super) fn ready(&mut self, keys: &mut Vec<u64>) -> io::Result<()> {
            // SAFETY: `events` is a writable buffer of the length passed; a zero timeout
            // returns at once.
            let n = unsafe {
                libc::epoll_wait(
                    self.fd.as_raw_fd(),
                    self.events.as_mut_ptr(),
                    self.events.len() as libc::c_int,
                    0,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                return if would_block(&e) { Ok(()) } else { Err(e) };
            }
            let n = (n as usize).min(self.events.len());
            keys.extend(self.events[..n].iter().map(|e| e.u64));
            Ok(())
        }
    }

    pub(super) fn pin_current_thread(nth: usize) -> io::Result<usize> {
        // SAFETY: an all-zero cpu_set_t is the empty set.
        let mut allowed: libc::cpu_set_t = unsafe { zeroed() };
        // SAFETY: `allowed` is a writable cpu_set_t of the size passed; pid 0 is the
        // calling thread.
        let rc = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut allowed) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
            // SAFETY: `cpu` is below CPU_SETSIZE, the set's capacity.
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &allowed) })
            .collect();
        let Some(&cpu) = cpus.get(nth % cpus.len().max(1)) else {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        };
        // SAFETY: as above; the set is built here and holds one CPU below CPU_SETSIZE.
        let rc = unsafe {
            let mut one: libc::cpu_set_t = zeroed();
            libc::CPU_SET(cpu, &mut one);
            libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &one)
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(cpu)
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

    /// The receive buffers and the `recvmmsg` headers that point into them, in one heap
    /// allocation so the pointers stay valid when the [`RecvBatch`] moves.
    pub(super) struct Slots(Box<SlotsInner>);

    struct SlotsInner {
        bufs: [[u8; DATAGRAM_MAX]; BATCH],
        names: [Name; BATCH],
        iovs: [libc::iovec; BATCH],
        hdrs: [libc::mmsghdr; BATCH],
    }

    // SAFETY: the raw pointers inside the headers point only into the same heap
    // allocation, which moves and is dropped with its owner; they are dereferenced only
    // by the kernel during `recv`, which takes `&mut RecvBatch`.
    unsafe impl Send for Slots {}
    // SAFETY: through `&Slots` only the buffers are read; the pointers are never used.
    unsafe impl Sync for Slots {}

    impl std::fmt::Debug for Slots {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Slots").field("batch", &BATCH).finish()
        }
    }

    impl Slots {
        pub(super) fn new() -> Self {
            // SAFETY: all-zero bytes are valid for byte arrays, sockaddr_in6, iovec and
            // mmsghdr (null pointers, zero lengths). Allocating zeroed avoids building
            // the 24 KiB value on the stack first.
            let mut inner: Box<SlotsInner> = unsafe {
                let layout = std::alloc::Layout::new::<SlotsInner>();
                let ptr = std::alloc::alloc_zeroed(layout).cast::<SlotsInner>();
                if ptr.is_null() {
                    std::alloc::handle_alloc_error(layout);
                }
                Box::from_raw(ptr)
            };
            let p: *mut SlotsInner = addr_of_mut!(*inner);
            for i in 0..BATCH {
                // SAFETY: `p` points at the live allocation; addr_of_mut! takes field
                // addresses without creating references, so the pointers stored in the
                // headers keep their provenance for as long as the box lives.
                unsafe {
                    let iov = addr_of_mut!((*p).iovs[i]);
                    (*iov).iov_base = addr_of_mut!((*p).bufs[i]).cast();
                    (*iov).iov_len = DATAGRAM_MAX;
                    let hdr = addr_of_mut!((*p).hdrs[i].msg_hdr);
                    (*hdr).msg_name = addr_of_mut!((*p).names[i]).cast();
                    (*hdr).msg_namelen = NAME_LEN;
                    (*hdr).msg_iov = iov;
                    (*hdr).msg_iovlen = 1;
                }
            }
            Self(inner)
        }

        pub(super) fn buf(&self, i: usize, len: usize) -> &[u8] {
            &self.0.bufs[i][..len]
        }
    }

    /// `sockaddr_in6` is 28 bytes, which fits `socklen_t`.
    const NAME_LEN: libc::socklen_t = size_of::<Name>() as libc::socklen_t;

    pub(super) fn recv(sock: &UdpSocket, batch: &mut RecvBatch) -> io::Result<usize> {
        let p: *mut SlotsInner = addr_of_mut!(*batch.slots.0);
        // SAFETY: the headers were initialised by `Slots::new` and point at buffers of
        // the stated lengths inside the same live allocation; the kernel resets only
        // each header's name length, flags and message length, and the name lengths are
        // restored before every call. MSG_DONTWAIT makes the call return at once.
        let n = unsafe {
            for i in 0..BATCH {
                (*p).hdrs[i].msg_hdr.msg_namelen = NAME_LEN;
            }
            libc::recvmmsg(
                sock.as_raw_fd(),
                addr_of_mut!((*p).hdrs).cast(),
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
        let n = (n as usize).min(BATCH);
        let inner = &*batch.slots.0;
        for i in 0..n {
            batch.lens[i] = (inner.hdrs[i].msg_len as usize).min(DATAGRAM_MAX);
            batch.from[i] = to_addr(&inner.names[i]);
        }
        Ok(n)
    }

    pub(super) fn send_one(sock: &UdpSocket, to: &SocketAddr, bytes: &[u8]) -> io::Result<usize> {
        let (name, len) = from_addr(to);
        // SAFETY: `bytes` and `name` are live for the call and their lengths are exact;
        // the kernel only reads them.
        let n = unsafe {
            libc::sendto(
                sock.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                libc::MSG_DONTWAIT,
                (&name as *const Name).cast(),
                len,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if would_block(&e) { Ok(0) } else { Err(e) };
        }
        Ok(1)
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
    use super::{would_block, RecvBatch, BATCH, DATAGRAM_MAX};
    use std::io;
    use std::net::{SocketAddr, UdpSocket};

    /// The receive buffers.
    #[derive(Debug)]
    pub(super) struct Slots(Box<[[u8; DATAGRAM_MAX]; BATCH]>);

    impl Slots {
        pub(super) fn new() -> Self {
            Self(Box::new([[0; DATAGRAM_MAX]; BATCH]))
        }

        pub(super) fn buf(&self, i: usize, len: usize) -> &[u8] {
            &self.0[i][..len]
        }
    }

    pub(super) fn raise_fd_limit() -> io::Result<u64> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    pub(super) fn connect_peer(_port: &UdpSocket, _peer: SocketAddr) -> io::Result<UdpSocket> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    /// Nothing to watch: no leg has a connected socket here.
    #[derive(Debug)]
    pub(super) struct Poller;

    impl Poller {
        pub(super) fn new() -> io::Result<Self> {
            Ok(Self)
        }

        pub(super) fn watch(&self, _sock: &UdpSocket, _key: u64) -> io::Result<()> {
            Ok(())
        }

        pub(super) fn unwatch(&self, _sock: &UdpSocket) -> io::Result<()> {
            Ok(())
        }

        pub(super) fn ready(&mut self, _keys: &mut Vec<u64>) -> io::Result<()> {
            Ok(())
        }
    }

    pub(super) fn thread_cpu_time() -> std::time::Duration {
        std::time::Duration::ZERO
    }

    pub(super) fn pin_current_thread(_nth: usize) -> io::Result<usize> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    pub(super) fn recv(sock: &UdpSocket, batch: &mut RecvBatch) -> io::Result<usize> {
        let mut n = 0;
        while n < BATCH {
            match sock.recv_from(&mut batch.slots.0[n]) {
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

    pub(super) fn send_one(sock: &UdpSocket, to: &SocketAddr, bytes: &[u8]) -> io::Result<usize> {
        send(sock, std::slice::from_ref(&(*to, bytes)))
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
    fn prefetching_never_touches_memory() {
        // A hint, not an access: nothing faults, whatever the address.
        prefetch_range(std::ptr::null(), 4096);
        prefetch_range(usize::MAX as *const u8, 64);
        let value = [7u8; 1000];
        prefetch(&value);
        assert_eq!(value[999], 7);
    }

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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_is_pinned_to_an_allowed_cpu() {
        let cpu = std::thread::spawn(|| pin_current_thread(0)).join().unwrap();
        let cpu = cpu.expect("the first allowed CPU can be pinned");
        assert!(cpu < libc::CPU_SETSIZE as usize);
    }

    #[test]
    fn a_batch_moved_after_creation_still_receives() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        // The headers point into the batch's own heap buffers, so moving the batch
        // (into a Vec here) must not leave them pointing at the old place.
        let mut batches = vec![RecvBatch::default()];
        let mut batch = batches.pop().unwrap();
        for round in 0..3u8 {
            tx.send_to(&[round; 40], to).unwrap();
            assert_eq!(batch.recv(&rx).unwrap(), 1);
            let got: Vec<_> = batch.datagrams().map(|(_, b)| b.to_vec()).collect();
            assert_eq!(got, [vec![round; 40]]);
            batches.push(batch);
            batch = batches.pop().unwrap();
        }
    }

    #[test]
    fn a_single_datagram_goes_out_alone() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        assert_eq!(send_batch(&tx, &[(to, &[7u8; 172][..])]).unwrap(), 1);
        let mut buf = [0u8; 300];
        let (n, from) = rx.recv_from(&mut buf).unwrap();
        assert_eq!((n, from), (172, tx.local_addr().unwrap()));
        assert!(buf[..n].iter().all(|&b| b == 7));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_descriptor_limit_ends_at_the_hard_limit() {
        let limit = raise_fd_limit().unwrap();
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        let fields: Vec<&str> = line.split_whitespace().collect();
        // "Max open files <soft> <hard> files"
        assert_eq!(fields[3], fields[4], "{line}");
        if fields[3] != "unlimited" {
            assert_eq!(fields[3], limit.to_string());
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
