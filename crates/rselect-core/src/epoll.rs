//! Wrapper for `epoll(7)` (Linux, Android).

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

use crate::sys::cvt;

/// The kernel's `struct epoll_event` (packed on x86-64, as `libc` declares it).
pub type EpollEvent = libc::epoll_event;

/// An epoll instance; the descriptor is closed when it is dropped.
#[derive(Debug)]
pub struct Epoll {
    fd: OwnedFd,
}

impl Epoll {
    /// `epoll_create1(EPOLL_CLOEXEC)`—a new instance, never inherited by
    /// child processes.
    ///
    /// # Errors
    /// `EMFILE`, `ENFILE`, `ENOMEM`.
    ///
    /// # References
    /// - [`epoll_create1(2)`](https://man7.org/linux/man-pages/man2/epoll_create1.2.html) (Linux)
    pub fn new() -> io::Result<Self> {
        // SAFETY: no pointer argument; the flag is a valid one.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: epoll_create1(2) returned a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Self { fd })
    }

    /// Takes ownership of the descriptor `fd` without checking it, as
    /// Python's `epoll.fromfd()` does: closing or dropping the result closes
    /// `fd`.
    ///
    /// # Panics
    /// When `fd` is negative.
    #[must_use]
    pub fn adopt(fd: RawFd) -> Self {
        assert!(fd >= 0, "negative file descriptor");
        // SAFETY: `fd` is non-negative, as OwnedFd requires. Ownership is taken
        // on the Python caller's word (the documented contract of
        // `epoll.fromfd`); if it was not theirs to give, the consequence is a
        // descriptor closed twice at the OS level, never memory unsafety:
        // nothing is ever dereferenced through it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Self { fd }
    }

    fn ctl(&self, op: Ctl, fd: RawFd, events: u32) -> io::Result<()> {
        ctl_raw(self.fd.as_raw_fd(), op, fd, events)
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)` with `data.fd = fd`.
    ///
    /// # Errors
    /// `EEXIST` (already registered), `EPERM` (regular file), `EBADF`,
    /// `EINVAL`, `ENOMEM`, `ENOSPC`.
    ///
    /// # References
    /// - [`epoll_ctl(2)`](https://man7.org/linux/man-pages/man2/epoll_ctl.2.html) (Linux)
    pub fn add(&self, fd: RawFd, events: u32) -> io::Result<()> {
        self.ctl(Ctl::Add, fd, events)
    }

    /// `epoll_ctl(EPOLL_CTL_MOD)`.
    ///
    /// # Errors
    /// `ENOENT` (not registered), `EBADF`, `EINVAL`.
    ///
    /// # References
    /// - [`epoll_ctl(2)`](https://man7.org/linux/man-pages/man2/epoll_ctl.2.html) (Linux)
    pub fn modify(&self, fd: RawFd, events: u32) -> io::Result<()> {
        self.ctl(Ctl::Modify, fd, events)
    }

    /// `epoll_ctl(EPOLL_CTL_DEL)`.
    ///
    /// # Errors
    /// `ENOENT` (not registered), `EBADF` (closed descriptor).
    ///
    /// # References
    /// - [`epoll_ctl(2)`](https://man7.org/linux/man-pages/man2/epoll_ctl.2.html) (Linux)
    pub fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(Ctl::Delete, fd, 0)
    }

    /// Closes the descriptor, reporting `close(2)`'s error (which dropping
    /// would ignore).
    ///
    /// # Errors
    /// `EBADF` when the descriptor was closed behind the object's back, `EIO`.
    pub fn close(self) -> io::Result<()> {
        let fd = self.fd.into_raw_fd();
        // SAFETY: `fd` was owned by `self` and is closed exactly once here.
        cvt(unsafe { libc::close(fd) })?;
        Ok(())
    }
}

impl IntoRawFd for Epoll {
    /// Gives up ownership: the caller closes the descriptor (for instance by
    /// [`Epoll::adopt`]ing it again).
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl AsRawFd for Epoll {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// `epoll_wait(2)` into memory that needs no initialising: the kernel writes
/// the first `n` events and only those are returned. A buffer can so be
/// allocated at any size without touching its pages (`maxevents` may be
/// large; `CPython` `malloc`s it uninitialised too).
fn wait_uninit(
    epfd: RawFd,
    buf: &mut [MaybeUninit<EpollEvent>],
    timeout_ms: i32,
) -> io::Result<&[EpollEvent]> {
    let max = libc::c_int::try_from(buf.len()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `buf` is an exclusively borrowed buffer of at least `max`
    // entries; the kernel writes at most `max` of them and reads none.
    let n = cvt(unsafe {
        libc::epoll_wait(epfd, buf.as_mut_ptr().cast::<EpollEvent>(), max, timeout_ms)
    })?;
    let n = (n as usize).min(buf.len());
    // SAFETY: epoll_wait(2) initialised the first `n` entries (n <= max).
    Ok(unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<EpollEvent>(), n) })
}

/// A reusable buffer for `epoll_wait(2)`: holds the events of the last wait,
/// and room (never initialised by us) for up to its capacity.
#[derive(Debug, Default)]
pub struct Events {
    /// `len` is the number of events the last wait returned.
    buf: Vec<EpollEvent>,
}

impl Events {
    /// An empty buffer; nothing is allocated until the first wait.
    #[must_use]
    pub const fn new() -> Self {
        Self { buf: Vec::new() }
    }

    /// Room for this many events without allocating.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Makes room for `max` events (uninitialised), reporting an allocation
    /// failure instead of aborting: `maxevents` comes from the caller.
    ///
    /// # Errors
    /// When the memory cannot be had.
    pub fn try_reserve(&mut self, max: usize) -> Result<(), std::collections::TryReserveError> {
        self.buf.clear();
        self.buf.try_reserve_exact(max)
    }

    /// Waits (`epoll_wait(2)`) for at most `max` events (growing the buffer, uninitialised, if
    /// needed: see [`try_reserve`](Self::try_reserve)), replacing the
    /// previous contents. Returns how many arrived. `timeout_ms < 0` waits
    /// forever.
    ///
    /// The epoll descriptor is a raw number, for callers that must not hold
    /// the owning object while they wait: another thread may close it
    /// meanwhile, and the kernel then reports `EBADF` or keeps the instance
    /// alive until the wait ends.
    ///
    /// # Errors
    /// `EINTR`, `EBADF`, `EINVAL` (not an epoll descriptor, or `max` larger
    /// than the kernel takes); the buffer is then empty.
    ///
    /// # References
    /// - [`epoll_wait(2)`](https://man7.org/linux/man-pages/man2/epoll_wait.2.html) (Linux)
    pub fn wait(&mut self, epfd: RawFd, max: usize, timeout_ms: i32) -> io::Result<usize> {
        self.buf.clear();
        self.buf.reserve_exact(max);
        let n = wait_uninit(epfd, &mut self.buf.spare_capacity_mut()[..max], timeout_ms)?.len();
        // SAFETY: wait_uninit returned the first `n` entries of the spare
        // capacity as initialised by the kernel, and n <= max <= capacity.
        unsafe { self.buf.set_len(n) };
        Ok(n)
    }

    /// The events of the last wait.
    #[must_use]
    pub fn as_slice(&self) -> &[EpollEvent] {
        &self.buf
    }
}

/// An `epoll_ctl(2)` operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctl {
    /// `EPOLL_CTL_ADD`.
    Add,
    /// `EPOLL_CTL_MOD`.
    Modify,
    /// `EPOLL_CTL_DEL` (the event mask is ignored).
    Delete,
}

/// `epoll_ctl(epfd, op, fd, {events, data.fd = fd})` on a descriptor the
/// caller does not hand over (see [`Events::wait`] for why).
///
/// # Errors
/// As [`Epoll::add`], [`Epoll::modify`], [`Epoll::delete`].
///
/// # References
/// - [`epoll_ctl(2)`](https://man7.org/linux/man-pages/man2/epoll_ctl.2.html) (Linux)
pub fn ctl_raw(epfd: RawFd, op: Ctl, fd: RawFd, events: u32) -> io::Result<()> {
    let op = match op {
        Ctl::Add => libc::EPOLL_CTL_ADD,
        Ctl::Modify => libc::EPOLL_CTL_MOD,
        Ctl::Delete => libc::EPOLL_CTL_DEL,
    };
    let mut ev = EpollEvent {
        events,
        u64: u64::from(fd as u32),
    };
    // SAFETY: `ev` is a valid epoll_event that the kernel only reads; both
    // descriptors are only looked up by the kernel (a closed or reused number
    // fails or acts on that descriptor, as with the C call).
    cvt(unsafe { libc::epoll_ctl(epfd, op, fd, &raw mut ev) })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsRawFd;

    use super::*;

    #[test]
    fn wait_uninit_returns_only_what_the_kernel_wrote() {
        let ep = Epoll::new().unwrap();
        let (r, w) = rustix::pipe::pipe().unwrap();
        ep.add(r.as_raw_fd(), libc::EPOLLIN as u32).unwrap();
        ctl_raw(
            ep.as_raw_fd(),
            Ctl::Add,
            w.as_raw_fd(),
            libc::EPOLLOUT as u32,
        )
        .unwrap();
        let mut buf = Vec::with_capacity(8);
        let got = wait_uninit(ep.as_raw_fd(), buf.spare_capacity_mut(), 0).unwrap();
        assert_eq!(got.len(), 1);
        let (fd, events) = (got[0].u64, got[0].events);
        assert_eq!((fd, events), (w.as_raw_fd() as u64, libc::EPOLLOUT as u32));
        rustix::io::write(&w, b"x").unwrap();
        let got = wait_uninit(ep.as_raw_fd(), &mut buf.spare_capacity_mut()[..1], 0).unwrap();
        assert_eq!(got.len(), 1, "maxevents is the buffer length");
        ctl_raw(ep.as_raw_fd(), Ctl::Delete, w.as_raw_fd(), 0).unwrap();
        let err = ctl_raw(ep.as_raw_fd(), Ctl::Modify, w.as_raw_fd(), 0).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
        let got = wait_uninit(ep.as_raw_fd(), buf.spare_capacity_mut(), 0).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!({ got[0].u64 }, r.as_raw_fd() as u64);
        let mut events = Events::new();
        assert_eq!(events.wait(ep.as_raw_fd(), 4, 0).unwrap(), 1);
        assert!(events.capacity() >= 4);
        assert_eq!({ events.as_slice()[0].u64 }, r.as_raw_fd() as u64);
        ep.delete(r.as_raw_fd()).unwrap();
        assert_eq!(events.wait(ep.as_raw_fd(), 4, 0).unwrap(), 0);
        assert!(events.as_slice().is_empty());
        ep.close().unwrap();
    }
}
