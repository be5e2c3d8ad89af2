//! Wrapper for `poll(2)` (all Unix) and [`PollSet`], the registration table
//! behind Python's poll objects.
//!
//! `CPython` keeps a `dict` of fd → mask and rebuilds its `struct pollfd` array
//! from it after every change, which makes `modify()` + `poll()` O(n).
//! [`PollSet`] keeps the array itself, in registration order, with an
//! fd → slot index: registering, modifying and unregistering are O(1)
//! (unregistering leaves a hole with `fd = -1`, which `poll(2)` skips, and holes
//! are squeezed out once they outnumber live entries), and `poll()` hands the
//! array to the kernel as it is.

use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;

use crate::sys::cvt;

/// The kernel's `struct pollfd`.
pub type PollFd = libc::pollfd;

/// `poll(fds, nfds, timeout)`—waits until one of `fds` is ready or
/// `timeout_ms` milliseconds pass (negative: forever). The kernel writes each
/// entry's `revents`; entries with a negative `fd` are skipped. Returns the
/// number of entries with non-zero `revents`.
///
/// # Errors
/// The `errno` of a failed call (`EINTR`, `EINVAL` when `fds` exceeds
/// `RLIMIT_NOFILE`, `ENOMEM`).
///
/// # References
/// `poll(2)`:
/// - [Linux](https://man7.org/linux/man-pages/man2/poll.2.html)
/// - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=poll&sektion=2)
/// - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/poll.2.html)
/// - [illumos](https://illumos.org/man/2/poll)
pub fn poll(fds: &mut [PollFd], timeout_ms: i32) -> io::Result<usize> {
    let timeout = if timeout_ms < 0 { -1 } else { timeout_ms };
    // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()`
    // pollfd structs; the kernel writes only their `revents` fields.
    let n = cvt(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) })?;
    Ok(n as usize)
}

/// Whether [`poll_ns`] waits with `ppoll(2)` (nanosecond timeouts of any
/// size) on this system; elsewhere it rounds up to whole milliseconds.
pub const PPOLL: bool = cfg!(ppoll);

/// [`poll`] with a timeout in nanoseconds (`None`: forever), as `CPython`
/// 3.15's `poll.poll()` waits: with `ppoll(2)` where the system has it (see
/// [`PPOLL`]), otherwise with `poll(2)` and the timeout rounded up to whole
/// milliseconds, saturating at `INT_MAX`.
///
/// # Errors
/// As [`poll`].
///
/// # References
/// `ppoll(2)`:
/// - [Linux](https://man7.org/linux/man-pages/man2/ppoll.2.html)
/// - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=ppoll&sektion=2)
pub fn poll_ns(fds: &mut [PollFd], timeout_ns: Option<i64>) -> io::Result<usize> {
    #[cfg(ppoll)]
    {
        let ts = timeout_ns.map(|ns| {
            let (sec, nsec) = crate::time::ns_to_sec_nsec(ns.max(0));
            // SAFETY: `timespec` is plain old data; all-zero is a valid value.
            let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
            // `as _`: the field's own type. libc deprecates naming
            // `time_t` on musl, whose width changed in musl 1.2.
            ts.tv_sec = sec as _;
            ts.tv_nsec = nsec as _;
            ts
        });
        let tsp = ts.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
        // SAFETY: `fds` is a valid, exclusively borrowed array of
        // `fds.len()` pollfd structs (the kernel writes only `revents`);
        // `tsp` is null or points to a timespec that outlives the call; a
        // null signal mask leaves the thread's mask alone.
        let n = cvt(unsafe {
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                tsp,
                std::ptr::null(),
            )
        })?;
        Ok(n as usize)
    }
    #[cfg(not(ppoll))]
    {
        let ms = timeout_ns.map_or(-1, |ns| {
            let ms = crate::time::ns_to_ms(ns.max(0), crate::time::Round::Ceiling);
            i32::try_from(ms).unwrap_or(i32::MAX)
        });
        poll(fds, ms)
    }
}

/// fd → value, a flat table for the small descriptors that programs use and a
/// hash map for the rest (any C `int` can be registered).
#[derive(Debug, Clone, Default)]
struct FdMap {
    dense: Vec<u32>,
    sparse: HashMap<RawFd, u32>,
}

const DENSE_LIMIT: RawFd = 1 << 16;
const VACANT: u32 = u32::MAX;

impl FdMap {
    fn get(&self, fd: RawFd) -> Option<u32> {
        if (0..DENSE_LIMIT).contains(&fd) {
            self.dense
                .get(fd as usize)
                .copied()
                .filter(|v| *v != VACANT)
        } else {
            self.sparse.get(&fd).copied()
        }
    }

    fn insert(&mut self, fd: RawFd, v: u32) {
        if (0..DENSE_LIMIT).contains(&fd) {
            let i = fd as usize;
            if i >= self.dense.len() {
                self.dense
                    .resize((i + 1).next_power_of_two().max(64), VACANT);
            }
            self.dense[i] = v;
        } else {
            self.sparse.insert(fd, v);
        }
    }

    fn remove(&mut self, fd: RawFd) -> Option<u32> {
        if (0..DENSE_LIMIT).contains(&fd) {
            let slot = self.dense.get_mut(fd as usize)?;
            let old = std::mem::replace(slot, VACANT);
            (old != VACANT).then_some(old)
        } else {
            self.sparse.remove(&fd)
        }
    }

    fn clear(&mut self) {
        self.dense.fill(VACANT);
        self.sparse.clear();
    }
}

/// A change made while a `poll()` was running, replayed when it returns.
#[derive(Debug, Clone, Copy)]
enum Pending {
    Set(RawFd, i16),
    Remove(RawFd),
}

/// Errors of [`PollSet`]'s bookkeeping, each one a distinct Python exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollSetError {
    /// `modify` of a descriptor that is not registered (`CPython`: `ENOENT`).
    NotRegistered,
    /// `unregister` of a descriptor that is not registered (`CPython`: `KeyError`).
    Missing,
    /// A second `poll()` while one is running (`CPython`: `RuntimeError`).
    Busy,
}

/// The registrations of one poll object, in registration order, ready to hand
/// to `poll(2)`.
///
/// Between [`begin`](Self::begin) and [`finish`](Self::finish) the array
/// belongs to the running call; changes made meanwhile are queued and take
/// effect when it finishes, as with `CPython` (the running call keeps the array
/// it started with).
#[derive(Debug, Default)]
pub struct PollSet {
    fds: Vec<PollFd>,
    index: FdMap,
    holes: usize,
    running: bool,
    pending: Vec<Pending>,
}

impl PollSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of registered descriptors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.fds.len() - self.holes
    }

    /// Whether nothing is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a `poll()` is between `begin` and `finish`.
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Whether `fd` is registered.
    #[must_use]
    pub fn contains(&self, fd: RawFd) -> bool {
        self.index.get(fd).is_some()
    }

    /// Registers `fd` with `events`, or replaces the mask of an existing
    /// registration in place (its position in the order is kept).
    pub fn register(&mut self, fd: RawFd, events: i16) {
        if self.running {
            if self.index.get(fd).is_none() {
                self.index.insert(fd, VACANT - 1);
            }
            self.pending.push(Pending::Set(fd, events));
            return;
        }
        self.set(fd, events);
    }

    /// Replaces the mask of a registered `fd`.
    ///
    /// # Errors
    /// [`PollSetError::NotRegistered`] when `fd` is not registered.
    pub fn modify(&mut self, fd: RawFd, events: i16) -> Result<(), PollSetError> {
        if self.index.get(fd).is_none() {
            return Err(PollSetError::NotRegistered);
        }
        if self.running {
            self.pending.push(Pending::Set(fd, events));
        } else {
            self.set(fd, events);
        }
        Ok(())
    }

    /// Removes `fd`; registering it again puts it at the end of the order.
    ///
    /// # Errors
    /// [`PollSetError::Missing`] when `fd` is not registered.
    pub fn unregister(&mut self, fd: RawFd) -> Result<(), PollSetError> {
        let slot = self.index.remove(fd).ok_or(PollSetError::Missing)?;
        if self.running {
            self.pending.push(Pending::Remove(fd));
            return Ok(());
        }
        self.remove_slot(slot as usize);
        Ok(())
    }

    fn set(&mut self, fd: RawFd, events: i16) {
        if let Some(slot) = self.index.get(fd) {
            self.fds[slot as usize].events = events;
        } else {
            let slot = u32::try_from(self.fds.len()).expect("more than 2**32 registrations");
            self.fds.push(PollFd {
                fd,
                events,
                revents: 0,
            });
            self.index.insert(fd, slot);
        }
    }

    fn remove_slot(&mut self, slot: usize) {
        if slot + 1 == self.fds.len() {
            self.fds.pop();
        } else {
            self.fds[slot].fd = -1;
            self.fds[slot].events = 0;
            self.fds[slot].revents = 0;
            self.holes += 1;
            if self.holes > 32 && self.holes * 2 > self.fds.len() {
                self.compact();
            }
        }
        // Trailing holes are dropped so they cost the kernel nothing.
        while self.fds.last().is_some_and(|p| p.fd < 0) && self.holes > 0 {
            self.fds.pop();
            self.holes -= 1;
        }
    }

    /// Squeezes the holes out of the array now; returns whether there were
    /// any. `poll(2)` fails with `EINVAL` when the array (holes included) is
    /// longer than `RLIMIT_NOFILE`, where `CPython`'s array of live entries
    /// alone would fit: the caller squeezes and calls again.
    pub fn squeeze(&mut self) -> bool {
        let had = self.holes > 0;
        if had {
            self.compact();
        }
        had
    }

    fn compact(&mut self) {
        self.fds.retain(|p| p.fd >= 0);
        self.holes = 0;
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (slot, p) in self.fds.iter().enumerate() {
            self.index.insert(p.fd, slot as u32);
        }
    }

    /// Starts a `poll()`: marks the set running and lends out the array.
    ///
    /// # Errors
    /// [`PollSetError::Busy`] when a `poll()` is already running.
    pub fn begin(&mut self) -> Result<Vec<PollFd>, PollSetError> {
        if self.running {
            return Err(PollSetError::Busy);
        }
        self.running = true;
        Ok(std::mem::take(&mut self.fds))
    }

    /// Ends a `poll()` started by [`begin`](Self::begin): takes the array back
    /// and applies the changes queued while it ran.
    pub fn finish(&mut self, fds: Vec<PollFd>) {
        self.fds = fds;
        self.running = false;
        if self.pending.is_empty() {
            return;
        }
        // The index may hold placeholders for descriptors registered during the
        // call: rebuild it from the array, then replay the queue in order.
        self.reindex();
        for op in std::mem::take(&mut self.pending) {
            match op {
                Pending::Set(fd, events) => self.set(fd, events),
                Pending::Remove(fd) => {
                    if let Some(slot) = self.index.remove(fd) {
                        self.remove_slot(slot as usize);
                    }
                }
            }
        }
    }

    /// The registrations in order, as `(fd, events)`.
    pub fn iter(&self) -> impl Iterator<Item = (RawFd, i16)> + '_ {
        self.fds
            .iter()
            .filter(|p| p.fd >= 0)
            .map(|p| (p.fd, p.events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(s: &PollSet) -> Vec<(RawFd, i16)> {
        s.iter().collect()
    }

    #[test]
    fn poll_ns_waits_its_timeout_and_reports_readiness() {
        use std::os::fd::AsRawFd;
        use std::time::{Duration, Instant};
        let (r, w) = rustix::pipe::pipe().unwrap();
        let mut fds = [PollFd {
            fd: r.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        assert_eq!(poll_ns(&mut fds, Some(0)).unwrap(), 0);
        // A sub-millisecond timeout is waited, never cut short.
        let started = Instant::now();
        assert_eq!(poll_ns(&mut fds, Some(300_000)).unwrap(), 0);
        assert!(started.elapsed() >= Duration::from_micros(300));
        let started = Instant::now();
        assert_eq!(poll_ns(&mut fds, Some(20_000_000)).unwrap(), 0);
        assert!(started.elapsed() >= Duration::from_millis(20));
        rustix::io::write(&w, b"x").unwrap();
        assert_eq!(poll_ns(&mut fds, None).unwrap(), 1);
        assert_eq!(fds[0].revents, libc::POLLIN);
        // A timeout beyond a C int of milliseconds is accepted.
        assert_eq!(poll_ns(&mut fds, Some(i64::MAX)).unwrap(), 1);
    }

    #[test]
    fn order_is_registration_order() {
        let mut s = PollSet::new();
        s.register(5, 1);
        s.register(3, 4);
        s.register(70_000, 1);
        s.register(5, 2); // re-register keeps the position
        assert_eq!(order(&s), [(5, 2), (3, 4), (70_000, 1)]);
        s.unregister(5).unwrap();
        s.register(5, 1); // unregister + register moves to the end
        assert_eq!(order(&s), [(3, 4), (70_000, 1), (5, 1)]);
        assert_eq!(s.modify(9, 1), Err(PollSetError::NotRegistered));
        assert_eq!(s.unregister(9), Err(PollSetError::Missing));
        s.modify(70_000, 7).unwrap();
        assert_eq!(order(&s), [(3, 4), (70_000, 7), (5, 1)]);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn holes_are_compacted() {
        let mut s = PollSet::new();
        for fd in 0..1000 {
            s.register(fd, 1);
        }
        for fd in (0..999).step_by(1) {
            s.unregister(fd).unwrap();
        }
        assert_eq!(order(&s), [(999, 1)]);
        assert!(s.fds.len() <= 2 * 33 + 1, "{}", s.fds.len());
        s.unregister(999).unwrap();
        assert!(s.is_empty());
        assert!(s.fds.is_empty());
    }

    #[test]
    fn changes_during_a_run_wait_for_finish() {
        let mut s = PollSet::new();
        s.register(1, 1);
        s.register(2, 1);
        let arr = s.begin().unwrap();
        assert_eq!(s.begin().unwrap_err(), PollSetError::Busy);
        s.register(3, 4);
        s.modify(1, 4).unwrap();
        s.unregister(2).unwrap();
        assert!(s.contains(3) && !s.contains(2));
        assert_eq!(s.unregister(2), Err(PollSetError::Missing));
        assert_eq!(arr.len(), 2);
        s.finish(arr);
        assert!(!s.is_running());
        assert_eq!(order(&s), [(1, 4), (3, 4)]);
    }

    #[test]
    fn poll_reports_readiness_and_nval() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let mut arr = [
            PollFd {
                fd: fds[0],
                events: libc::POLLIN,
                revents: 0,
            },
            PollFd {
                fd: fds[1],
                events: libc::POLLOUT,
                revents: 0,
            },
            PollFd {
                fd: 1_000_000,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        assert_eq!(poll(&mut arr, 0).unwrap(), 2);
        assert_eq!(arr[0].revents, 0);
        assert_eq!(arr[1].revents, libc::POLLOUT);
        assert_eq!(arr[2].revents, libc::POLLNVAL);
        // SAFETY: closing the two descriptors this test opened.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
}
