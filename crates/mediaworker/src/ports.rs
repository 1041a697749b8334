//! The RTP port range: even ports handed out, reused after release.
//!
//! Each leg uses one even port for both RTP and RTCP (RFC 5761 multiplexing, which
//! [`sb_media::leg::MediaLeg`] demultiplexes). The odd port above stays unbound,
//! so peers that follow the RFC 3550 §11 "RTCP on port + 1" convention without
//! `a=rtcp-mux` never collide with another leg's RTP.

use std::collections::VecDeque;
use std::ops::RangeInclusive;

/// Why a port could not be handed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortError {
    /// Every even port of the range is in use.
    #[error("all {capacity} RTP ports of {first}-{last} are in use")]
    Exhausted {
        /// First port of the range.
        first: u16,
        /// Last port of the range.
        last: u16,
        /// Even ports the range holds.
        capacity: usize,
    },
    /// The configured range holds no even port.
    #[error("the RTP port range {first}-{last} holds no even port")]
    EmptyRange {
        /// First port of the range.
        first: u16,
        /// Last port of the range.
        last: u16,
    },
}

/// Even ports of a range; released ports go to the back of the queue, so a port just
/// freed is the last to be reused (stray packets of the old call die out first).
#[derive(Debug, Clone)]
pub struct PortPool {
    first: u16,
    last: u16,
    free: VecDeque<u16>,
    in_use: Vec<bool>,
}

impl PortPool {
    /// The even ports of `range` (port 0 excluded).
    pub fn new(range: RangeInclusive<u16>) -> Result<Self, PortError> {
        let (first, last) = (*range.start(), *range.end());
        let free: VecDeque<u16> = range.filter(|p| p % 2 == 0 && *p != 0).collect();
        if free.is_empty() {
            return Err(PortError::EmptyRange { first, last });
        }
        let in_use = vec![false; free.len()];
        Ok(Self {
            first,
            last,
            free,
            in_use,
        })
    }

    /// Even ports in the range.
    pub fn capacity(&self) -> usize {
        self.in_use.len()
    }

    /// Ports free now.
    pub fn available(&self) -> usize {
        self.free.len()
    }

    /// Index of `port` in `in_use`: the even ports of the range, port 0 excluded, in order.
    fn slot(&self, port: u16) -> Option<usize> {
        // The first port handed out: the first even port of the range that is not 0. In u32,
        // so a range starting at 65535 cannot overflow.
        let start = u32::from(self.first).max(1);
        let base = start + start % 2;
        let port = u32::from(port);
        let fits = port % 2 == 0 && port >= base && port <= u32::from(self.last);
        fits.then(|| ((port - base) / 2) as usize)
            .filter(|&i| i < self.in_use.len())
    }

    /// Takes the least recently used free port.
    pub fn allocate(&mut self) -> Result<u16, PortError> {
        let port = self.free.pop_front().ok_or(PortError::Exhausted {
            first: self.first,
            last: self.last,
            capacity: self.capacity(),
        })?;
        if let Some(i) = self.slot(port) {
            self.in_use[i] = true;
        }
        Ok(port)
    }

    /// Gives a port back; ports outside the range or already free are ignored, so a
    /// double release cannot hand one port to two legs.
    pub fn release(&mut self, port: u16) {
        if let Some(i) = self.slot(port) {
            if std::mem::replace(&mut self.in_use[i], false) {
                self.free.push_back(port);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_at_the_ends_of_the_port_space_index_correctly() {
        // Found by fuzzing: a range starting at 0 (port 0 is never handed out) and one
        // starting at 65535.
        let mut pool = PortPool::new(0..=8).unwrap();
        let ports: Vec<u16> = (0..4).map(|_| pool.allocate().unwrap()).collect();
        assert_eq!(ports, [2, 4, 6, 8]);
        for p in ports {
            pool.release(p);
        }
        assert_eq!(pool.available(), 4);
        assert!(PortPool::new(65535..=65535).is_err());
        let mut top = PortPool::new(65533..=65535).unwrap();
        assert_eq!(top.allocate().unwrap(), 65534);
        top.release(65534);
        top.release(65535);
        assert_eq!(top.available(), 1);
    }

    #[test]
    fn hands_out_even_ports_then_fails_then_reuses() {
        let mut pool = PortPool::new(30001..=30008).unwrap();
        assert_eq!(pool.capacity(), 4);
        let ports: Vec<u16> = (0..4).map(|_| pool.allocate().unwrap()).collect();
        assert_eq!(ports, [30002, 30004, 30006, 30008]);
        assert_eq!(
            pool.allocate(),
            Err(PortError::Exhausted {
                first: 30001,
                last: 30008,
                capacity: 4
            })
        );
        pool.release(30004);
        pool.release(30004);
        pool.release(31000);
        assert_eq!(pool.available(), 1);
        assert_eq!(pool.allocate(), Ok(30004));
    }

    #[test]
    fn a_range_without_even_ports_is_refused() {
        assert!(matches!(
            PortPool::new(7..=7),
            Err(PortError::EmptyRange { first: 7, last: 7 })
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever the order of allocations and releases, no port is held twice and
        /// every handed-out port is an even port of the range.
        #[test]
        fn no_port_is_held_twice(ops in proptest::collection::vec(proptest::option::of(0u16..40), 0..200)) {
            let mut pool = PortPool::new(10..=40).unwrap();
            let mut held: Vec<u16> = Vec::new();
            for op in ops {
                match op {
                    None => match pool.allocate() {
                        Ok(p) => {
                            proptest::prop_assert!(p % 2 == 0 && (10..=40).contains(&p));
                            proptest::prop_assert!(!held.contains(&p));
                            held.push(p);
                        }
                        Err(_) => proptest::prop_assert_eq!(held.len(), pool.capacity()),
                    },
                    Some(i) => {
                        let port = held.get(usize::from(i)).copied().unwrap_or(10 + i);
                        pool.release(port);
                        held.retain(|p| *p != port);
                    }
                }
                proptest::prop_assert_eq!(pool.available() + held.len(), pool.capacity());
            }
        }
    }

    #[test]
    fn freed_ports_are_reused_last() {
        let mut pool = PortPool::new(2..=8).unwrap();
        let a = pool.allocate().unwrap();
        pool.release(a);
        assert_ne!(pool.allocate().unwrap(), a);
    }
}
