//! Python's `select()`: the `select(2)` wrapper, and [`wait`], which answers
//! a `select()` call the fastest faithful way the platform allows.
//!
//! A call is a list of [`Entry`]s (a descriptor and the [`Kind`] of list it
//! came from, in input order). On Linux [`wait`] asks `poll(2)` first: the
//! kernel's `select(2)` and `poll(2)` ask each file the same question
//! (`vfs_poll`), `poll(2)` costs less per call (no timeout copied back, no bit
//! scans; figures in docs/design.md, "`select()` through `poll(2)` on
//! Linux"), and its cost follows the number of entries, not the highest
//! descriptor. The answer is mapped back with `select(2)`'s own
//! readiness sets (see [`Kind::accepts`]). When `poll(2)` cannot answer the
//! way `select(2)` would (a descriptor that is not open, where `select(2)`
//! fails with `EBADF` or, above the descriptor table, reports the bit ready; a
//! wake-up for a condition `select(2)` ignores, such as a hang-up on a
//! descriptor only watched for writing; more entries than `RLIMIT_NOFILE`),
//! the call is answered by `select(2)` itself with the time that is left.
//!
//! `select(2)` gets a `struct timeval`, as in `CPython`, and `poll(2)` the same
//! microseconds (as a `timespec` for `ppoll(2)`), so the kernel rounds
//! timeouts exactly as it does for the stock module. The sets are [`FdSet`]s
//! sized at run time: on Linux, where the kernel takes any `nfds` up to the
//! process's descriptor table, descriptors above `FD_SETSIZE - 1` work.
//! Elsewhere the C library's `FD_SETSIZE` remains the limit, as in `CPython`.
//!
//! rustix's `select` was considered: it has no membership test for its opaque
//! set words and calls `pselect6` with a `timespec`, so it would neither let us
//! read results without a second pass nor keep `CPython`'s `timeval` rounding.

use std::io;
pub use std::os::fd::RawFd;

use crate::fdset::FdSet;
use crate::poll::PollFd;
use crate::sys::cvt;

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
/// `select(2)` (`select(3C)` on illumos):
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
        // `as _`: the fields' own types (libc deprecates naming `time_t`
        // and `suseconds_t` on musl, whose widths changed in musl 1.2).
        libc::timeval {
            tv_sec: sec as _,
            tv_usec: usec as _,
        }
    });
    let tvp = tv
        .as_mut()
        .map_or(std::ptr::null_mut(), std::ptr::from_mut::<libc::timeval>);
    // SAFETY: each non-null set pointer addresses at least `nfds` bits (asserted
    // above) in the platform's fd_set layout (see fdset's layout test), and
    // `tvp` is null or points to a live timeval. The kernel only inspects the
    // descriptors; an invalid one makes the call fail with EBADF.
    let n = cvt(unsafe { libc::select(nfds, r, w, e, tvp) })?;
    Ok(n as usize)
}

/// The first descriptor value `select()` cannot take, or `None` when only
/// memory limits it.
///
/// Linux: `/proc/sys/fs/nr_open`, the kernel's ceiling for any descriptor
/// (1,048,576 by default): no descriptor at or above it can exist, and the
/// kernel ignores such bits anyway. Elsewhere: `FD_SETSIZE`, as in `CPython`.
#[must_use]
pub fn fd_limit() -> i64 {
    #[cfg(linux_like)]
    {
        use std::sync::OnceLock;
        static LIMIT: OnceLock<i64> = OnceLock::new();
        *LIMIT.get_or_init(|| {
            std::fs::read_to_string("/proc/sys/fs/nr_open")
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .filter(|n| *n >= libc::FD_SETSIZE as i64)
                .unwrap_or(1 << 20)
        })
    }
    #[cfg(not(linux_like))]
    {
        libc::FD_SETSIZE as i64
    }
}

/// The most descriptors one set may hold, counting duplicates, when the
/// platform has such a limit (`FD_SETSIZE` outside Linux, as in `CPython`'s
/// `too many file descriptors in select()` check).
pub const MAX_PER_SET: Option<usize> = if cfg!(linux_like) {
    None
} else {
    Some(libc::FD_SETSIZE)
};

/// One descriptor of a `select()` call: a `struct pollfd` whose `events` say
/// which list it came from ([`Kind::entry`]); [`wait`] fills in `revents`.
pub type Entry = PollFd;

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

const READ_EVENTS: i16 = libc::POLLIN | libc::POLLRDNORM | libc::POLLRDBAND;
const WRITE_EVENTS: i16 = libc::POLLOUT | libc::POLLWRNORM | libc::POLLWRBAND;
const EXCEPT_EVENTS: i16 = libc::POLLPRI;

impl Kind {
    /// The `poll(2)` events to ask for: the kernel's `POLLIN_SET`,
    /// `POLLOUT_SET` and `POLLEX_SET` of `fs/select.c` without the error
    /// conditions, which `poll(2)` reports unasked.
    #[must_use]
    pub const fn events(self) -> i16 {
        match self {
            Self::Read => READ_EVENTS,
            Self::Write => WRITE_EVENTS,
            Self::Except => EXCEPT_EVENTS,
        }
    }

    /// The `revents` bits that make `select(2)` report an entry of this kind
    /// ready: `POLLIN_SET` (with `POLLHUP` and `POLLERR`), `POLLOUT_SET` (with
    /// `POLLERR`) and `POLLEX_SET` (`POLLPRI` alone).
    #[must_use]
    pub const fn accepts(self) -> i16 {
        match self {
            Self::Read => READ_EVENTS | libc::POLLHUP | libc::POLLERR,
            Self::Write => WRITE_EVENTS | libc::POLLERR,
            Self::Except => EXCEPT_EVENTS,
        }
    }

    /// The kind of an entry made by [`Kind::entry`].
    #[must_use]
    pub const fn of(entry: &Entry) -> Self {
        match entry.events {
            READ_EVENTS => Self::Read,
            WRITE_EVENTS => Self::Write,
            _ => Self::Except,
        }
    }

    /// An entry for `fd` in this list.
    #[must_use]
    pub const fn entry(self, fd: RawFd) -> Entry {
        Entry {
            fd,
            events: self.events(),
            revents: 0,
        }
    }
}

/// Whether [`wait`] found `entry` ready, by `select(2)`'s rules
/// ([`Kind::accepts`] of the entry's kind, computed without branches: this
/// runs once per descriptor per call).
#[must_use]
#[inline]
pub const fn is_ready(entry: &Entry) -> bool {
    let events = entry.events;
    // POLLERR counts for reading and writing, POLLHUP for reading only.
    let err = ((events & (libc::POLLIN | libc::POLLOUT) != 0) as i16) * libc::POLLERR;
    let hup = ((events & libc::POLLIN != 0) as i16) * libc::POLLHUP;
    entry.revents & (events | err | hup) != 0
}

/// Waits until an entry is ready or `timeout` (`None`: forever) expires, and
/// returns how many entries are ready (see [`is_ready`]); an entry listed
/// twice counts twice.
///
/// `later` gives the timeout for a `select(2)` call that has to follow a
/// `poll(2)` call which could not decide (see the module documentation): the
/// time left until the caller's deadline. It is not called otherwise.
///
/// # Errors
/// `EINTR` (the caller retries, see [`crate::intr::retry`]), or the error of
/// `select(2)` (`EBADF` for a descriptor that is not open, `ENOMEM`).
pub fn wait(
    entries: &mut [Entry],
    timeout: Option<Micros>,
    later: impl FnOnce() -> Option<Micros>,
) -> io::Result<usize> {
    #[cfg(linux_like)]
    {
        match poll_entries(entries, timeout) {
            Ok(0) => return Ok(0),
            Ok(_) => {
                if let Some(ready) = decided(entries) {
                    return Ok(ready);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Err(err),
            // EINVAL (more entries than RLIMIT_NOFILE) or ENOMEM: select(2)
            // needs neither the entry count nor as much memory.
            Err(_) => {}
        }
        select_entries(entries, later())
    }
    #[cfg(not(linux_like))]
    {
        let _ = later;
        select_entries(entries, timeout)
    }
}

/// The number of ready entries after a `poll(2)` that reported some, or
/// `None` when `select(2)` would have answered differently: a descriptor that
/// is not open (`POLLNVAL`), or only conditions `select(2)` ignores.
#[cfg(linux_like)]
fn decided(entries: &[Entry]) -> Option<usize> {
    // One pass without early exit (it vectorises; POLLNVAL is rare).
    let mut invalid = 0;
    let mut ready = 0;
    for entry in entries {
        invalid |= entry.revents & libc::POLLNVAL;
        ready += usize::from(is_ready(entry));
    }
    (invalid == 0 && ready > 0).then_some(ready)
}

/// `poll(2)` over the entries with a microsecond timeout: `ppoll(2)` for a
/// positive one, which keeps the precision `select(2)` has.
#[cfg(linux_like)]
fn poll_entries(entries: &mut [Entry], timeout: Option<Micros>) -> io::Result<usize> {
    let n = entries.len() as libc::nfds_t;
    let ptr = entries.as_mut_ptr();
    let ready = match timeout {
        None => {
            // SAFETY: `ptr` addresses `n` exclusively borrowed pollfd structs;
            // the kernel writes only their `revents`.
            cvt(unsafe { libc::poll(ptr, n, -1) })?
        }
        Some(Micros(0)) => {
            // SAFETY: as above.
            cvt(unsafe { libc::poll(ptr, n, 0) })?
        }
        Some(Micros(us)) => {
            let (sec, usec) = crate::time::us_to_timeval_parts(us);
            let ts = libc::timespec {
                tv_sec: sec as _,
                tv_nsec: (usec * 1_000) as _,
            };
            // SAFETY: as above; `ts` is a live timespec the kernel only
            // reads, and a null signal mask leaves the mask unchanged.
            cvt(unsafe { libc::ppoll(ptr, n, &raw const ts, std::ptr::null()) })?
        }
    };
    Ok(ready as usize)
}

/// `select(2)` over the entries: the three sets built from them, the ready
/// entries marked in `revents` (with their own `events`) afterwards.
fn select_entries(entries: &mut [Entry], timeout: Option<Micros>) -> io::Result<usize> {
    let nfds = entries.iter().map(|e| e.fd).max().map_or(0, |fd| fd + 1);
    let mut sets = [FdSet::new(), FdSet::new(), FdSet::new()];
    let mut used = [false; 3];
    for entry in entries.iter() {
        let k = Kind::of(entry) as usize;
        if !used[k] {
            sets[k].reserve_nfds(nfds as usize);
            used[k] = true;
        }
        sets[k].insert(entry.fd);
    }
    let [r, w, x] = &mut sets;
    select(
        nfds,
        used[0].then_some(r),
        used[1].then_some(w),
        used[2].then_some(x),
        timeout,
    )?;
    let mut ready = 0;
    for entry in entries.iter_mut() {
        let hit = sets[Kind::of(entry) as usize].contains(entry.fd);
        entry.revents = if hit { entry.events } else { 0 };
        ready += usize::from(hit);
    }
    Ok(ready)
}

#[cfg(test)]
mod tests {
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    use super::*;

    fn pipe() -> (OwnedFd, OwnedFd) {
        let (r, w) = rustix::pipe::pipe().expect("pipe");
        (r, w)
    }

    /// What `select(2)` itself answers for one descriptor in each list.
    fn by_select(fd: RawFd) -> io::Result<[bool; 3]> {
        let mut entries = [Kind::Read, Kind::Write, Kind::Except].map(|k| k.entry(fd));
        select_entries(&mut entries, Some(Micros(0)))?;
        Ok(entries.map(|e| is_ready(&e)))
    }

    fn by_wait(fd: RawFd) -> io::Result<[bool; 3]> {
        let mut out = [false; 3];
        // Each list alone, so a ready neighbour cannot hide a fallback.
        for (i, kind) in [Kind::Read, Kind::Write, Kind::Except]
            .into_iter()
            .enumerate()
        {
            let mut entries = [kind.entry(fd)];
            wait(&mut entries, Some(Micros(0)), || Some(Micros(0)))?;
            out[i] = is_ready(&entries[0]);
        }
        Ok(out)
    }

    #[test]
    fn kinds_round_trip_and_accept_select_sets() {
        for kind in [Kind::Read, Kind::Write, Kind::Except] {
            assert_eq!(Kind::of(&kind.entry(7)), kind);
            assert_eq!(kind.accepts() & kind.events(), kind.events());
        }
        assert_ne!(Kind::Read.accepts() & libc::POLLHUP, 0);
        assert_eq!(Kind::Write.accepts() & libc::POLLHUP, 0);
        assert_ne!(Kind::Write.accepts() & libc::POLLERR, 0);
        assert_eq!(Kind::Except.accepts() & (libc::POLLHUP | libc::POLLERR), 0);
        for kind in [Kind::Read, Kind::Write, Kind::Except] {
            for bit in 0..16 {
                let mut entry = kind.entry(3);
                entry.revents = 1 << bit;
                let expected = kind.accepts() & entry.revents != 0;
                assert_eq!(
                    is_ready(&entry),
                    expected,
                    "{kind:?} revents {:#x}",
                    entry.revents
                );
            }
        }
    }

    #[test]
    fn wait_agrees_with_select_on_every_state_of_a_pipe_and_socketpair() {
        let (r, w) = pipe();
        rustix::io::write(&w, b"x").unwrap();
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut states: Vec<(&str, RawFd)> = vec![
            ("pipe read end, data", r.as_raw_fd()),
            ("pipe write end", w.as_raw_fd()),
            ("socket, idle", a.as_raw_fd()),
        ];
        for (what, fd) in &states {
            assert_eq!(by_wait(*fd).unwrap(), by_select(*fd).unwrap(), "{what}");
        }
        // Hang-ups: the reader of a pipe without writer, the writer of a pipe
        // without reader, a socket whose peer is gone.
        let (r2, w2) = pipe();
        drop(w2);
        let (r3, w3) = pipe();
        drop(r3);
        drop(b);
        states = vec![
            ("pipe read end, writer closed", r2.as_raw_fd()),
            ("pipe write end, reader closed", w3.as_raw_fd()),
            ("socket, peer closed", a.as_raw_fd()),
        ];
        for (what, fd) in &states {
            assert_eq!(by_wait(*fd).unwrap(), by_select(*fd).unwrap(), "{what}");
        }
    }

    #[test]
    #[cfg(linux_like)]
    fn a_hang_up_on_a_write_only_entry_waits_like_select() {
        // poll(2) reports POLLHUP for the read end of a pipe without writer
        // even when only POLLOUT was asked for; select(2) does not count it
        // as writable and waits out the timeout.
        let (r, w) = pipe();
        drop(w);
        let mut entries = [Kind::Write.entry(r.as_raw_fd())];
        assert_eq!(poll_entries(&mut entries, Some(Micros(0))).unwrap(), 1);
        assert_eq!(entries[0].revents, libc::POLLHUP);
        assert_eq!(decided(&entries), None);
        let t0 = Instant::now();
        let n = wait(&mut entries, Some(Micros(30_000)), || Some(Micros(30_000))).unwrap();
        assert_eq!(n, 0);
        assert!(!is_ready(&entries[0]));
        assert!(t0.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn closed_descriptor_is_ebadf_and_beyond_the_table_is_select_quirk() {
        let (r, w) = pipe();
        // A number other tests (threads of this process) will not reuse: the
        // kernel hands out the lowest free one. dup2 grows the table past it.
        let fd = 700;
        // SAFETY: plain descriptor calls on numbers this test owns.
        unsafe {
            assert_eq!(libc::dup2(r.as_raw_fd(), fd), fd);
            assert_eq!(libc::close(fd), 0);
        }
        let mut entries = [Kind::Read.entry(fd), Kind::Write.entry(w.as_raw_fd())];
        let err = wait(&mut entries, Some(Micros(0)), || Some(Micros(0))).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
        // Above the descriptor table the kernel leaves the caller's bit as it
        // was, so select(2) reports such a descriptor ready; so must wait().
        let far = 1 << 19;
        assert_eq!(
            by_wait(far).unwrap(),
            by_select(far).unwrap(),
            "descriptor {far} beyond the table"
        );
    }

    #[test]
    fn duplicates_count_twice_and_timeouts_are_kept() {
        let (r, w) = pipe();
        let mut entries = [
            Kind::Read.entry(r.as_raw_fd()),
            Kind::Read.entry(r.as_raw_fd()),
            Kind::Write.entry(w.as_raw_fd()),
        ];
        assert_eq!(wait(&mut entries, None, || None).unwrap(), 1);
        rustix::io::write(&w, b"x").unwrap();
        assert_eq!(wait(&mut entries, None, || None).unwrap(), 3);
        let mut idle = [Kind::Read.entry(r.as_raw_fd())];
        let mut buf = [0u8; 1];
        rustix::io::read(&r, &mut buf).unwrap();
        let t0 = Instant::now();
        assert_eq!(wait(&mut idle, Some(Micros(20_000)), || None).unwrap(), 0);
        assert!(t0.elapsed() >= Duration::from_millis(20));
    }
}
