//! Python's `select()` on Windows: `WinSock` `select()` over sockets, with the
//! sets sized at run time ([`FdArray`]), so no list is limited to the 512
//! sockets of `CPython`'s `FD_SETSIZE` (gh-72894).
//!
//! The interface is the one of the Unix [`select`](crate::select) module, so
//! the binding's `select()` is the same code on every platform.
//!
//! # References
//! - [`WinSock` select](https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select)

use std::io;

use windows_sys::Win32::Networking::WinSock;

use crate::fdarray::FdArray;

/// A socket as Python passes it: the `int` of `fileno()` (converted to
/// `SOCKET` for the call, as `CPython` does).
pub type RawFd = i32;

/// A `select()` timeout in whole microseconds, already rounded by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Micros(pub i64);

/// The argument list of `select()` an entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `rlist`: ready for reading.
    Read,
    /// `wlist`: ready for writing.
    Write,
    /// `xlist`: an exceptional condition.
    Except,
}

impl Kind {
    /// An entry for `fd` in this list.
    #[must_use]
    pub const fn entry(self, fd: RawFd) -> Entry {
        Entry {
            fd,
            kind: self,
            ready: false,
        }
    }
}

/// One socket of a `select()` call; [`wait`] sets whether it is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The socket.
    pub fd: RawFd,
    kind: Kind,
    ready: bool,
}

/// Whether [`wait`] found `entry` ready.
#[must_use]
#[inline]
pub const fn is_ready(entry: &Entry) -> bool {
    entry.ready
}

/// No upper bound on socket values (`WinSock` sets hold handles, not bits):
/// one above every C `int`, so `CPython`'s Windows module, which has no
/// range check, is followed for every value (`WinSock` answers
/// `WSAENOTSOCK` for one that is no socket).
#[must_use]
pub fn fd_limit() -> i64 {
    i64::from(RawFd::MAX) + 1
}

/// No limit on the sockets per list: the sets are sized at run time.
pub const MAX_PER_SET: Option<usize> = None;

/// Waits until an entry is ready or `timeout` (`None`: forever) expires, and
/// returns how many entries are ready (an entry listed twice counts twice).
/// `later` is not needed here (there is no first attempt to fall back from).
/// The call is `WinSock`'s `select()` (see the module's references).
///
/// # Errors
/// The `WinSock` error of `select()` (`WSAENOTSOCK` for a descriptor that is
/// not a socket, `WSAEINVAL` when all three sets are empty, as with the
/// stock module).
pub fn wait(
    entries: &mut [Entry],
    timeout: Option<Micros>,
    later: impl FnOnce() -> Option<Micros>,
) -> io::Result<usize> {
    let _ = later;
    let mut sets = [Kind::Read, Kind::Write, Kind::Except].map(|k| {
        FdArray::new(
            entries
                .iter()
                .filter(|e| e.kind == k)
                // `SOCKET` is unsigned: a C int converts with sign extension.
                .map(|e| e.fd as isize as usize),
        )
    });
    let tv = timeout.map(|Micros(us)| WinSock::TIMEVAL {
        tv_sec: (us / 1_000_000).min(i64::from(i32::MAX)) as i32,
        tv_usec: (us % 1_000_000) as i32,
    });
    let tv_ptr = tv.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
    let [r, w, x] = &mut sets;
    let ptr = |s: &mut FdArray| {
        s.as_mut_ptr()
            .map_or(std::ptr::null_mut(), <*mut usize>::cast::<WinSock::FD_SET>)
    };
    let (rp, wp, xp) = (ptr(r), ptr(w), ptr(x));
    // SAFETY: each non-null pointer addresses an FdArray laid out as an
    // fd_set with room for its `fd_count` sockets, which WinSock reads and
    // rewrites in place (never growing it); `tv_ptr` is null or a live
    // TIMEVAL. The first argument is ignored by WinSock.
    let n = unsafe { WinSock::select(0, rp, wp, xp, tv_ptr) };
    if n == WinSock::SOCKET_ERROR {
        // SAFETY: reads the calling thread's last WinSock error; no arguments.
        return Err(io::Error::from_raw_os_error(unsafe {
            WinSock::WSAGetLastError()
        }));
    }
    for set in &mut sets {
        set.sort();
    }
    let mut ready = 0;
    for e in entries.iter_mut() {
        let set = &sets[e.kind as usize];
        e.ready = set.contains_sorted(e.fd as isize as usize);
        ready += usize::from(e.ready);
    }
    Ok(ready)
}
