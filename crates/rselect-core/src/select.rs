//! Wrapper for `select(2)` (all Unix).
//!
//! `CPython` calls `select(2)` with a `struct timeval`; so does this wrapper, so
//! the kernel rounds timeouts exactly as it does for the stock module. The
//! sets are [`FdSet`]s sized at run time: on Linux, where the kernel takes any
//! `nfds` up to the process's descriptor table, descriptors above
//! `FD_SETSIZE - 1` work. Elsewhere the C library's `FD_SETSIZE` remains the
//! limit, as in `CPython`.
//!
//! rustix's `select` was considered: it has no membership test for its opaque
//! set words and calls `pselect6` with a `timespec`, so it would neither let us
//! read results without a second pass nor keep `CPython`'s `timeval` rounding.

use std::io;
use std::os::fd::RawFd;

use crate::fdset::FdSet;
use crate::sys::syscall;

/// A `select(2)` timeout in whole microseconds, already rounded by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Micros(pub i64);

/// `select(nfds, readfds, writefds, exceptfds, timeout)`—waits until a
/// descriptor in one of the sets is ready, or the timeout (`None`: forever)
/// expires. The sets are replaced by the ready subsets; `None` sets are passed
/// as `NULL`. Returns the number of ready bits.
///
/// `EINTR` is returned as an error; see [`crate::intr::retry`].
///
/// # Errors
/// The `errno` of a failed call (`EBADF` for a closed descriptor, `EINVAL`,
/// `EINTR`, `ENOMEM`).
///
/// # Panics
/// When a set holds fewer than `nfds` bits.
///
/// # References
/// - [Linux](https://man7.org/linux/man-pages/man2/select.2.html)
/// - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=select&sektion=2)
/// - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/select.2.html)
/// - [illumos](https://illumos.org/man/3C/select)
pub fn select(
    nfds: RawFd,
    readfds: Option<&mut FdSet>,
    writefds: Option<&mut FdSet>,
    exceptfds: Option<&mut FdSet>,
    timeout: Option<Micros>,
) -> io::Result<usize> {
    let bits = usize::try_from(nfds).unwrap_or(0);
    let ptr = |set: Option<&mut FdSet>| match set {
        Some(set) => {
            assert!(set.capacity() >= bits, "fd set smaller than nfds");
            set.as_mut_ptr()
        }
        None => std::ptr::null_mut(),
    };
    let (r, w, e) = (ptr(readfds), ptr(writefds), ptr(exceptfds));
    let mut tv = timeout.map(|Micros(us)| {
        let (sec, usec) = crate::time::us_to_timeval_parts(us);
        libc::timeval {
            tv_sec: sec as libc::time_t,
            tv_usec: usec as libc::suseconds_t,
        }
    });
    let tvp = tv
        .as_mut()
        .map_or(std::ptr::null_mut(), std::ptr::from_mut::<libc::timeval>);
    // SAFETY: each non-null set pointer addresses at least `nfds` bits (asserted
    // above) in the platform's fd_set layout (see fdset's layout test), and
    // `tvp` is null or points to a live timeval. The kernel only inspects the
    // descriptors; an invalid one makes the call fail with EBADF.
    let n = syscall!(select(nfds, r, w, e, tvp))?;
    Ok(n as usize)
}

/// The first descriptor value `select()` cannot take, or `None` when only
/// memory limits it.
///
/// Linux: `/proc/sys/fs/nr_open`, the kernel's ceiling for any descriptor
/// (1,048,576 by default): no descriptor at or above it can exist, and the
/// kernel ignores such bits anyway. Elsewhere: `FD_SETSIZE`, as in `CPython`.
#[must_use]
pub fn fd_limit() -> RawFd {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::sync::OnceLock;
        static LIMIT: OnceLock<RawFd> = OnceLock::new();
        *LIMIT.get_or_init(|| {
            std::fs::read_to_string("/proc/sys/fs/nr_open")
                .ok()
                .and_then(|s| s.trim().parse::<RawFd>().ok())
                .filter(|n| *n >= libc::FD_SETSIZE as RawFd)
                .unwrap_or(1 << 20)
        })
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        libc::FD_SETSIZE as RawFd
    }
}

/// The most descriptors one set may hold, counting duplicates, when the
/// platform has such a limit (`FD_SETSIZE` outside Linux, as in `CPython`'s
/// `too many file descriptors in select()` check).
pub const MAX_PER_SET: Option<usize> = if cfg!(any(target_os = "linux", target_os = "android")) {
    None
} else {
    Some(libc::FD_SETSIZE)
};
