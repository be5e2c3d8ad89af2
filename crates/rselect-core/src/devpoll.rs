//! `/dev/poll` (illumos, Solaris): registrations are `struct pollfd`s
//! written to the device, readiness comes back from `ioctl(DP_POLL)`.
//!
//! Python's `select.devpoll` queues registrations and writes them in batches:
//! [`Queue`] is that bookkeeping, [`flush`] the write with `CPython`'s error
//! rules, and [`Device`] the two kernel operations, so that everything but
//! the system calls runs (and is tested) on any Unix. [`Emulator`] is a
//! [`Device`] for tests: it records what would be written and answers
//! `DP_POLL` with `poll(2)` over the registrations the writes made, following
//! the driver's rules (masks OR-ed, `POLLREMOVE` removes).
//!
//! The `dvpoll` structure, `DP_POLL` and `POLLREMOVE` are not in the `libc`
//! crate; they are declared here from illumos' `<sys/devpoll.h>` and
//! `<sys/poll.h>` (a test checks the layout).
//!
//! # References
//! - [illumos poll(4D)](https://illumos.org/man/4D/poll)
//! - [Solaris poll(7D)](https://docs.oracle.com/cd/E88353_01/html/E37851/poll-4d.html)

use std::io;
use std::os::fd::RawFd;
#[cfg(devpoll)]
use std::os::fd::{FromRawFd, OwnedFd};

use crate::poll::PollFd;
use crate::sys::cvt;

/// `struct dvpoll` of illumos' `<sys/devpoll.h>`: `pollfd_t *dp_fds; nfds_t
/// dp_nfds; int dp_timeout; sigset_t *dp_setp;` (`nfds_t` is an `unsigned
/// long`). Solaris' struct ends after `dp_timeout`; its kernel reads only
/// that prefix, and `DP_POLL` ignores `dp_setp` on illumos (only `DP_PPOLL`
/// reads it), so one declaration serves both with `dp_setp` null.
#[repr(C)]
#[derive(Debug)]
pub struct DvPoll {
    /// Where the kernel writes the ready descriptors.
    pub dp_fds: *mut PollFd,
    /// How many entries `dp_fds` has room for.
    pub dp_nfds: std::os::raw::c_ulong,
    /// Milliseconds to wait; -1 waits forever.
    pub dp_timeout: std::os::raw::c_int,
    /// The signal mask of `DP_PPOLL`; null here.
    pub dp_setp: *mut std::ffi::c_void,
}

/// `DP_POLL`: `(DPIOC | 1)` with `DPIOC = (0xD0 << 8)` in `<sys/devpoll.h>`.
pub const DP_POLL: std::os::raw::c_int = 0xD0 << 8 | 1;

/// `POLLREMOVE` of `<sys/poll.h>`: an entry with this mask removes the
/// descriptor from the set.
pub const POLLREMOVE: i16 = 0x0800;

/// Descriptors queued per batch when the soft `RLIMIT_NOFILE` is infinite
/// or larger than this: 2**20 entries (8 MiB of address space for the
/// buffer; only the entries written are ever touched).
pub const MAX_BATCH: usize = 1 << 20;

/// The batch size (and `DP_POLL`'s `dp_nfds`) for a soft `RLIMIT_NOFILE` of
/// `rlim_cur`: `CPython` uses the limit itself and fails with `MemoryError`
/// when it is infinite (gh-102494); here it is capped at [`MAX_BATCH`].
#[must_use]
pub fn batch_size(rlim_cur: Option<u64>) -> usize {
    match rlim_cur {
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(MAX_BATCH).min(MAX_BATCH),
        Some(_) => 1,
        None => MAX_BATCH,
    }
}

/// The kernel side of a `/dev/poll` descriptor.
pub trait Device: Send + Sync + std::fmt::Debug {
    /// `write(fd, entries)`; returns the bytes written.
    ///
    /// # Errors
    /// The `errno` of `write(2)`.
    fn write(&self, fd: RawFd, entries: &[PollFd]) -> io::Result<usize>;

    /// `ioctl(fd, DP_POLL)` with room for `out.capacity()` entries, which it
    /// writes to `out` (cleared first); returns their number.
    ///
    /// # Errors
    /// The `errno` of `ioctl(2)` (`EINTR` included: the caller retries).
    fn poll(&self, fd: RawFd, out: &mut Vec<PollFd>, timeout_ms: i32) -> io::Result<usize>;
}

/// Registrations waiting to be written.
#[derive(Debug)]
pub struct Queue {
    pending: Vec<PollFd>,
    max: usize,
}

impl Queue {
    /// An empty queue that asks for a flush every `max` entries.
    #[must_use]
    pub fn new(max: usize) -> Self {
        Self {
            pending: Vec::new(),
            max: max.max(1),
        }
    }

    /// The flush threshold, also `DP_POLL`'s `dp_nfds`.
    #[must_use]
    pub fn max(&self) -> usize {
        self.max
    }

    /// Queued entries.
    #[must_use]
    pub fn pending(&self) -> &[PollFd] {
        &self.pending
    }

    /// Appends `{fd, events}`; when the queue is then full, returns its
    /// entries (the queue is empty again), which the caller must [`flush`].
    pub fn push(&mut self, fd: RawFd, events: i16) -> Option<Vec<PollFd>> {
        self.pending.push(PollFd {
            fd,
            events,
            revents: 0,
        });
        (self.pending.len() >= self.max).then(|| self.take())
    }

    /// `register(fd, mask)`: one entry (the driver ORs it into an existing one).
    pub fn register(&mut self, fd: RawFd, mask: u16) -> Vec<Vec<PollFd>> {
        self.push(fd, mask as i16).into_iter().collect()
    }

    /// `modify(fd, mask)`: `{fd, POLLREMOVE}` then `{fd, mask}`, each of
    /// which may fill the queue.
    pub fn modify(&mut self, fd: RawFd, mask: u16) -> Vec<Vec<PollFd>> {
        let mut batches: Vec<_> = self.push(fd, POLLREMOVE).into_iter().collect();
        batches.extend(self.push(fd, mask as i16));
        batches
    }

    /// `unregister(fd)`: `{fd, POLLREMOVE}` (unknown descriptors are fine).
    pub fn unregister(&mut self, fd: RawFd) -> Vec<Vec<PollFd>> {
        self.push(fd, POLLREMOVE).into_iter().collect()
    }

    /// Empties the queue and returns what it held: the count is reset
    /// *before* the write, so entries are dropped even if it fails, as in
    /// `CPython`.
    pub fn take(&mut self) -> Vec<PollFd> {
        std::mem::take(&mut self.pending)
    }
}

/// Why a flush failed.
#[derive(Debug)]
pub enum FlushError {
    /// `write(2)` failed.
    Os(io::Error),
    /// `write(2)` wrote fewer bytes than asked.
    Short {
        /// Bytes asked for.
        tried: usize,
        /// Bytes written.
        written: usize,
    },
}

/// Writes `batch` to the device in one `write(2)` (an empty batch writes
/// nothing).
///
/// # Errors
/// See [`FlushError`].
pub fn flush(dev: &dyn Device, fd: RawFd, batch: &[PollFd]) -> Result<(), FlushError> {
    if batch.is_empty() {
        return Ok(());
    }
    let tried = std::mem::size_of_val(batch);
    match dev.write(fd, batch) {
        Err(err) => Err(FlushError::Os(err)),
        Ok(written) if written < tried => Err(FlushError::Short { tried, written }),
        Ok(_) => Ok(()),
    }
}

/// `close(2)` of a devpoll descriptor.
///
/// # Errors
/// `EBADF` when it was closed behind the object's back, `EIO`.
pub fn close(fd: RawFd) -> io::Result<()> {
    // SAFETY: closing a descriptor number passes no memory to the kernel.
    cvt(unsafe { libc::close(fd) })?;
    Ok(())
}

/// The soft `RLIMIT_NOFILE` (`None` when infinite).
///
/// # Errors
/// The `errno` of `getrlimit(2)`.
// `rlim_t` is `u64` on some systems only (32 bits on i686 glibc).
#[allow(clippy::unnecessary_cast, clippy::cast_lossless)]
pub fn nofile_limit() -> io::Result<Option<u64>> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a live rlimit the kernel writes.
    cvt(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut lim) })?;
    Ok((lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur as u64))
}

/// The real `/dev/poll` driver.
#[cfg(devpoll)]
#[derive(Debug, Clone, Copy)]
pub struct Driver;

#[cfg(devpoll)]
impl Driver {
    /// `open(2)` as `open("/dev/poll", O_RDWR | O_CLOEXEC)`, retried after
    /// `EINTR`. The device is described in illumos' `poll(4D)` (Solaris'
    /// `poll(7D)`): see the module's references.
    ///
    /// # Errors
    /// The `errno` of `open(2)`.
    pub fn open() -> io::Result<OwnedFd> {
        loop {
            // SAFETY: a NUL-terminated path literal; no other pointer.
            match cvt(unsafe { libc::open(c"/dev/poll".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) })
            {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // SAFETY: open(2) returned a new descriptor that nothing
                // else owns.
                Ok(fd) => return Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(devpoll)]
impl Device for Driver {
    fn write(&self, fd: RawFd, entries: &[PollFd]) -> io::Result<usize> {
        let n = std::mem::size_of_val(entries);
        // SAFETY: `entries` is a live slice of `n` bytes the kernel only reads.
        let written = cvt(unsafe { libc::write(fd, entries.as_ptr().cast(), n) })?;
        Ok(written as usize)
    }

    fn poll(&self, fd: RawFd, out: &mut Vec<PollFd>, timeout_ms: i32) -> io::Result<usize> {
        out.clear();
        let mut dvp = DvPoll {
            dp_fds: out.as_mut_ptr(),
            dp_nfds: out.capacity() as std::os::raw::c_ulong,
            dp_timeout: timeout_ms,
            dp_setp: std::ptr::null_mut(),
        };
        // SAFETY: `dvp` points at `out`'s buffer of `dp_nfds` entries, which
        // the kernel writes from the start; `dvp` lives across the call.
        let n = cvt(unsafe { libc::ioctl(fd, DP_POLL as _, &raw mut dvp) })? as usize;
        // SAFETY: the kernel initialised the first `n <= dp_nfds` entries.
        unsafe { out.set_len(n.min(out.capacity())) };
        Ok(n)
    }
}

/// A [`Device`] that runs anywhere: it records every write and keeps the
/// registrations the driver would keep; `poll` asks `poll(2)` about them.
/// Optional faults make the next write fail or come up short.
#[derive(Debug, Default)]
pub struct Emulator {
    state: std::sync::Mutex<EmulatorState>,
}

#[derive(Debug, Default)]
struct EmulatorState {
    writes: Vec<Vec<PollFd>>,
    registered: Vec<PollFd>,
    fail_next: Option<i32>,
    short_next: Option<usize>,
}

impl Emulator {
    /// Every batch written so far.
    ///
    /// # Panics
    /// If a thread panicked while holding the state lock.
    #[must_use]
    pub fn writes(&self) -> Vec<Vec<PollFd>> {
        self.state.lock().unwrap().writes.clone()
    }

    /// The registrations as the driver holds them: `(fd, events)` in order
    /// of first registration.
    ///
    /// # Panics
    /// If a thread panicked while holding the state lock.
    #[must_use]
    pub fn registered(&self) -> Vec<(RawFd, i16)> {
        let st = self.state.lock().unwrap();
        st.registered.iter().map(|p| (p.fd, p.events)).collect()
    }

    /// Makes the next write fail with `errno`.
    ///
    /// # Panics
    /// If a thread panicked while holding the state lock.
    pub fn fail_next_write(&self, errno: i32) {
        self.state.lock().unwrap().fail_next = Some(errno);
    }

    /// Makes the next write report only `bytes` written.
    ///
    /// # Panics
    /// If a thread panicked while holding the state lock.
    pub fn short_next_write(&self, bytes: usize) {
        self.state.lock().unwrap().short_next = Some(bytes);
    }
}

impl Device for Emulator {
    fn write(&self, _fd: RawFd, entries: &[PollFd]) -> io::Result<usize> {
        let mut st = self.state.lock().unwrap();
        if let Some(errno) = st.fail_next.take() {
            return Err(io::Error::from_raw_os_error(errno));
        }
        st.writes.push(entries.to_vec());
        let written = st.short_next.take();
        for e in entries {
            let at = st.registered.iter().position(|p| p.fd == e.fd);
            match (e.events == POLLREMOVE, at) {
                (true, Some(i)) => {
                    st.registered.remove(i);
                }
                (true, None) => {}
                (false, Some(i)) => st.registered[i].events |= e.events,
                (false, None) => st.registered.push(*e),
            }
        }
        Ok(written.unwrap_or(std::mem::size_of_val(entries)))
    }

    fn poll(&self, _fd: RawFd, out: &mut Vec<PollFd>, timeout_ms: i32) -> io::Result<usize> {
        let mut set = self.state.lock().unwrap().registered.clone();
        let n = crate::poll::poll(&mut set, timeout_ms)?;
        out.clear();
        let room = out.capacity();
        out.extend(set.into_iter().filter(|p| p.revents != 0).take(room));
        debug_assert!(out.len() <= n);
        Ok(out.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn dvpoll_layout_is_the_illumos_one() {
        // <sys/devpoll.h>: pointer, unsigned long, int (padded to a word),
        // pointer; the same offsets on LP64 and ILP32 in words.
        let word = size_of::<usize>();
        assert_eq!(offset_of!(DvPoll, dp_fds), 0);
        assert_eq!(offset_of!(DvPoll, dp_nfds), word);
        assert_eq!(offset_of!(DvPoll, dp_timeout), 2 * word);
        assert_eq!(offset_of!(DvPoll, dp_setp), 3 * word);
        assert_eq!(size_of::<DvPoll>(), 4 * word);
        // pollfd_t: int fd; short events; short revents.
        assert_eq!(size_of::<PollFd>(), 8);
        assert_eq!(DP_POLL, 0xD001);
        assert_eq!(POLLREMOVE, 0x0800);
    }

    #[test]
    fn batch_size_caps_infinite_limits() {
        assert_eq!(batch_size(Some(1024)), 1024);
        assert_eq!(batch_size(None), MAX_BATCH);
        assert_eq!(batch_size(Some(u64::MAX)), MAX_BATCH);
        assert_eq!(batch_size(Some(0)), 1);
    }

    #[test]
    fn modify_queues_remove_then_add_and_flushes_when_full() {
        let mut q = Queue::new(2);
        assert!(q.register(5, 1).is_empty());
        let batches = q.modify(5, 4);
        assert_eq!(batches.len(), 1, "the remove entry filled the queue");
        let b = &batches[0];
        assert_eq!(
            b.iter().map(|p| (p.fd, p.events)).collect::<Vec<_>>(),
            [(5, 1), (5, POLLREMOVE)]
        );
        assert_eq!(q.pending().len(), 1);
        assert_eq!(q.pending()[0].events, 4);
        assert_eq!(q.take().len(), 1);
        assert!(q.pending().is_empty());
    }

    #[test]
    fn flush_reports_errors_and_short_writes() {
        let dev = Emulator::default();
        let batch = [PollFd {
            fd: 3,
            events: 1,
            revents: 0,
        }; 2];
        flush(&dev, -1, &batch).unwrap();
        dev.fail_next_write(libc::EBADF);
        assert!(
            matches!(flush(&dev, -1, &batch), Err(FlushError::Os(e)) if e.raw_os_error() == Some(libc::EBADF))
        );
        dev.short_next_write(8);
        assert!(matches!(
            flush(&dev, -1, &batch),
            Err(FlushError::Short {
                tried: 16,
                written: 8
            })
        ));
        flush(&dev, -1, &[]).unwrap();
        assert_eq!(
            dev.writes().len(),
            2,
            "failed and empty writes are not recorded"
        );
    }

    #[test]
    fn emulator_ors_masks_removes_and_polls_real_pipes() {
        use std::os::fd::AsRawFd;
        let (rd, wr) = rustix::pipe::pipe().unwrap();
        let (r, w) = (rd.as_raw_fd(), wr.as_raw_fd());
        let dev = Emulator::default();
        let mut q = Queue::new(64);
        q.register(r, libc::POLLIN as u16);
        q.register(w, libc::POLLIN as u16);
        q.register(w, libc::POLLOUT as u16);
        q.unregister(99);
        flush(&dev, -1, &q.take()).unwrap();
        assert_eq!(
            dev.registered(),
            [(r, libc::POLLIN), (w, libc::POLLIN | libc::POLLOUT)]
        );
        let mut out = Vec::with_capacity(q.max());
        assert_eq!(dev.poll(-1, &mut out, 0).unwrap(), 1);
        assert_eq!((out[0].fd, out[0].revents), (w, libc::POLLOUT));
        q.modify(w, libc::POLLIN as u16);
        flush(&dev, -1, &q.take()).unwrap();
        assert_eq!(dev.poll(-1, &mut out, 0).unwrap(), 0);
        assert_eq!(dev.registered(), [(r, libc::POLLIN), (w, libc::POLLIN)]);
    }
}
