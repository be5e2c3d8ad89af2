//! Wrapper for `kqueue(2)` and `kevent(2)` (BSDs, macOS).
//!
//! The portable half (field conversions, comparison, `repr`) is
//! [`crate::kevent`]; this module only moves [`KEvent`]s in and out of the C
//! `struct kevent` and makes the two system calls.
//!
//! # References
//! - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2)
//! - [NetBSD](https://man.netbsd.org/kqueue.2)
//! - [OpenBSD](https://man.openbsd.org/kqueue.2)
//! - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/kqueue.2.html)

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::kevent::KEvent;
use crate::sys::cvt;

/// The kernel's `struct kevent`.
pub type RawKEvent = libc::kevent;

/// The C struct for `ev`: each field cast to its C type (the values were
/// already reduced to that type by [`crate::kevent`]'s converters).
#[must_use]
pub fn to_raw(ev: &KEvent) -> RawKEvent {
    // SAFETY: `struct kevent` is plain old data (integers, a pointer used as
    // an opaque value, and on FreeBSD an array of integers): all zeroes is a
    // valid value of it.
    let mut raw: RawKEvent = unsafe { std::mem::zeroed() };
    raw.ident = ev.ident as libc::uintptr_t;
    raw.filter = ev.filter as _;
    raw.flags = ev.flags as _;
    raw.fflags = ev.fflags as _;
    raw.data = ev.data as _;
    // `udata` is `void *` (an opaque value the kernel hands back).
    raw.udata = ev.udata as usize as _;
    raw
}

/// The portable fields of a C struct, each widened as [`KEvent`] keeps it
/// (sign-extended for signed fields).
#[must_use]
#[allow(clippy::unnecessary_cast)] // `data` is `i64` on some systems, `intptr_t` on others
pub fn from_raw(raw: &RawKEvent) -> KEvent {
    KEvent {
        ident: raw.ident as u64,
        filter: i64::from(raw.filter) as u64,
        flags: u64::from(raw.flags),
        fflags: u64::from(raw.fflags),
        data: raw.data as i64 as u64,
        udata: raw.udata as usize as u64,
    }
}

/// C `struct kevent`s: a change list or an event buffer.
///
/// The kernel structs hold `udata` as a `void *`, which makes them neither
/// `Send` nor `Sync` in Rust; here it is an opaque integer that is never
/// dereferenced, so the buffers may cross to the thread-less (GIL-released)
/// side of a call.
#[derive(Debug, Default)]
pub struct KEvents(Vec<RawKEvent>);

// SAFETY: the only pointer in `struct kevent` is `udata`, an opaque value
// the kernel hands back and nobody dereferences.
unsafe impl Send for KEvents {}
// SAFETY: as above; shared access only reads integers.
unsafe impl Sync for KEvents {}

impl KEvents {
    /// The C structs of `events` (a change list).
    #[must_use]
    pub fn from_events(events: &[KEvent]) -> Self {
        Self(events.iter().map(to_raw).collect())
    }

    /// An empty buffer with room for `n` events.
    ///
    /// # Errors
    /// When the memory cannot be had.
    pub fn with_room(n: usize) -> Result<Self, std::collections::TryReserveError> {
        let mut v = Vec::new();
        v.try_reserve_exact(n)?;
        Ok(Self(v))
    }

    /// The structs held, as portable fields.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = KEvent> + '_ {
        self.0.iter().map(from_raw)
    }

    /// How many structs are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none are held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `kqueue(2)`, made close-on-exec with `fcntl(2)` (`F_SETFD`), as `CPython`
/// does (the descriptor is closed again if that fails). The man pages are
/// listed in the module's references.
///
/// # Errors
/// `EMFILE`, `ENFILE`, `ENOMEM`; `fcntl` errors.
pub fn create() -> io::Result<OwnedFd> {
    // SAFETY: kqueue(2) takes no argument.
    let fd = cvt(unsafe { libc::kqueue() })?;
    // SAFETY: kqueue(2) returned a new descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: F_SETFD on the descriptor just created; no pointer argument.
    // On failure, dropping `fd` closes it.
    cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
    Ok(fd)
}

/// `close(2)` of a kqueue descriptor.
///
/// # Errors
/// `EBADF` when it was closed behind the object's back, `EIO`.
pub fn close(fd: RawFd) -> io::Result<()> {
    // SAFETY: closing a descriptor number passes no memory to the kernel.
    cvt(unsafe { libc::close(fd) })?;
    Ok(())
}

/// `kevent(2)` as `kevent(kq, changes, events, timeout)`: submits `changes`,
/// then waits for up to `events.capacity()` events, which it appends to
/// `events` (cleared first). `timeout` `None` waits forever.
///
/// `EINTR` is returned as an error; the caller retries with the same change
/// list (as `CPython` does).
///
/// # Errors
/// `EINTR`, `EBADF`, `EINVAL`, `ENOENT` (deleting an unknown event when
/// there is no room to report it as an event), `ENOMEM`.
pub fn control(
    kq: RawFd,
    changes: &KEvents,
    events: &mut KEvents,
    timeout: Option<(i64, i64)>,
) -> io::Result<usize> {
    let (changes, events) = (&changes.0, &mut events.0);
    events.clear();
    let ts = timeout.map(|(sec, nsec)| libc::timespec {
        tv_sec: sec as libc::time_t,
        tv_nsec: nsec as libc::c_long,
    });
    let ts_ptr = ts.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
    let nchanges = changes.len() as libc::c_int;
    let nevents = events.capacity().min(libc::c_int::MAX as usize);
    // SAFETY: `changes` is read by the kernel for `nchanges` entries;
    // `events` has room for `nevents` entries (its capacity), which the
    // kernel writes from the start; `ts_ptr` is null or a live timespec.
    let n = cvt(unsafe {
        libc::kevent(
            kq,
            changes.as_ptr(),
            nchanges as _,
            events.as_mut_ptr(),
            nevents as _,
            ts_ptr,
        )
    })?;
    let n = n as usize;
    // SAFETY: the kernel initialised the first `n <= nevents` entries.
    unsafe { events.set_len(n) };
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kevent::Layout;
    use std::os::fd::IntoRawFd;

    #[test]
    fn native_round_trip_keeps_every_field() {
        let ev = KEvent {
            ident: 7,
            filter: (-2i64) as u64,
            flags: 0x11,
            fflags: 0xffff_ffff,
            data: (-5i64) as u64,
            udata: 0xdead_beef,
        };
        let ev = if Layout::NATIVE.filter_read == 0 {
            KEvent { filter: 2, ..ev }
        } else {
            ev
        };
        assert_eq!(from_raw(&to_raw(&ev)), ev);
    }

    #[test]
    #[allow(clippy::cast_lossless)] // EVFILT_TIMER is i16 or u32 by system
    fn a_timer_event_fires_and_is_returned() {
        let kq = create().unwrap();
        let timer = KEvent {
            ident: 1,
            filter: libc::EVFILT_TIMER as i64 as u64,
            flags: u64::from(libc::EV_ADD | libc::EV_ONESHOT),
            fflags: 0,
            data: 1, // ms
            udata: 42,
        };
        let mut events = KEvents::with_room(4).unwrap();
        let changes = KEvents::from_events(&[timer]);
        let n = control(kq.as_raw_fd(), &changes, &mut events, Some((5, 0))).unwrap();
        assert_eq!(n, 1);
        let got = events.iter().next().unwrap();
        assert_eq!((got.ident, got.udata), (1, 42));
        close(kq.into_raw_fd()).unwrap();
    }
}
