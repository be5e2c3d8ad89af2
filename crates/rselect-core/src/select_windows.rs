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

/// Real `WinSock` calls on loopback TCP sockets (run under wine by
/// `scripts/test-windows.sh`). Wine is not Windows: where the two may give
/// different error codes (a non-socket), the tests ask for an error, not for
/// a code.
#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::os::windows::io::AsRawSocket;
    use std::sync::{Mutex, MutexGuard};
    use std::time::{Duration, Instant};

    use super::*;

    /// One test at a time: a closed socket's number must not be reused by
    /// another test's socket while it is being tried.
    fn serial() -> MutexGuard<'static, ()> {
        static SERIAL: Mutex<()> = Mutex::new(());
        SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A connected pair on 127.0.0.1: (client, server).
    fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    fn listener() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").unwrap()
    }

    fn fd(s: &impl AsRawSocket) -> RawFd {
        RawFd::try_from(s.as_raw_socket()).expect("a socket handle that fits a C int")
    }

    fn ready(entries: &[Entry]) -> Vec<bool> {
        entries.iter().map(is_ready).collect()
    }

    /// Waits (up to 5 s, in short rounds) until `want` entries are ready:
    /// loopback data may take a moment to arrive.
    fn wait_for(entries: &mut [Entry], want: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let n = wait(entries, Some(Micros(100_000)), || None).unwrap();
            if n >= want || Instant::now() > deadline {
                return n;
            }
        }
    }

    #[test]
    fn readable_only_with_data() {
        let _serial = serial();
        let l = listener();
        let (mut client, server) = pair(&l);
        let mut entries = [Kind::Read.entry(fd(&server)), Kind::Read.entry(fd(&client))];
        assert_eq!(wait(&mut entries, Some(Micros(0)), || None).unwrap(), 0);
        assert_eq!(ready(&entries), [false, false]);
        client.write_all(b"x").unwrap();
        assert_eq!(wait_for(&mut entries, 1), 1);
        assert_eq!(ready(&entries), [true, false]);
    }

    #[test]
    fn a_listener_is_readable_with_a_pending_connection() {
        let _serial = serial();
        let l = listener();
        let mut entries = [Kind::Read.entry(fd(&l))];
        assert_eq!(wait(&mut entries, Some(Micros(0)), || None).unwrap(), 0);
        let _client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        assert_eq!(wait_for(&mut entries, 1), 1);
    }

    #[test]
    fn writable_at_once() {
        let _serial = serial();
        let l = listener();
        let (client, server) = pair(&l);
        let mut entries = [
            Kind::Write.entry(fd(&client)),
            Kind::Write.entry(fd(&server)),
        ];
        assert_eq!(wait(&mut entries, None, || None).unwrap(), 2);
        assert_eq!(ready(&entries), [true, true]);
    }

    #[test]
    fn one_socket_in_every_list() {
        let _serial = serial();
        let l = listener();
        let (mut client, server) = pair(&l);
        client.write_all(b"x").unwrap();
        let s = fd(&server);
        let mut entries = [
            Kind::Read.entry(s),
            Kind::Write.entry(s),
            Kind::Except.entry(s),
        ];
        assert_eq!(wait_for(&mut entries, 2), 2);
        assert_eq!(ready(&entries), [true, true, false]);
    }

    #[test]
    fn a_socket_listed_twice_is_reported_twice() {
        let _serial = serial();
        let l = listener();
        let (mut client, server) = pair(&l);
        let idle = fd(&client);
        client.write_all(b"x").unwrap();
        let s = fd(&server);
        let mut entries = [
            Kind::Read.entry(s),
            Kind::Read.entry(idle),
            Kind::Read.entry(s),
        ];
        assert_eq!(wait_for(&mut entries, 2), 2);
        assert_eq!(ready(&entries), [true, false, true]);
        let mut entries = [Kind::Write.entry(idle), Kind::Write.entry(idle)];
        assert_eq!(wait(&mut entries, Some(Micros(0)), || None).unwrap(), 2);
        assert_eq!(ready(&entries), [true, true]);
    }

    /// Out-of-band data (`MSG_OOB`, without `SO_OOBINLINE`) is what the
    /// except list reports.
    #[test]
    fn exceptional_with_out_of_band_data() {
        let _serial = serial();
        let l = listener();
        let (client, server) = pair(&l);
        let mut entries = [Kind::Except.entry(fd(&server))];
        assert_eq!(wait(&mut entries, Some(Micros(0)), || None).unwrap(), 0);
        // SAFETY: a live socket and a one-byte buffer that outlives the call.
        let sent = unsafe {
            WinSock::send(
                client.as_raw_socket() as WinSock::SOCKET,
                b"!".as_ptr(),
                1,
                WinSock::MSG_OOB,
            )
        };
        assert_eq!(sent, 1, "send(MSG_OOB)");
        assert_eq!(wait_for(&mut entries, 1), 1);
        assert_eq!(ready(&entries), [true]);
    }

    /// A timeout never ends early (it may end late); seconds and
    /// microseconds both count.
    #[test]
    fn timeouts_are_never_early() {
        let _serial = serial();
        let l = listener();
        let (client, _server) = pair(&l);
        for us in [0, 1, 50_000, 1_100_000] {
            let mut entries = [Kind::Read.entry(fd(&client))];
            let t0 = Instant::now();
            assert_eq!(wait(&mut entries, Some(Micros(us)), || None).unwrap(), 0);
            let took = t0.elapsed();
            assert!(
                took >= Duration::from_micros(us as u64),
                "{us} us timeout returned after {took:?}"
            );
        }
    }

    /// No socket at all: `WinSock` refuses with `WSAEINVAL` (documented for
    /// `select()` with three null sets), as the stock module shows; it does
    /// not wait, even with no timeout.
    #[test]
    fn empty_sets_are_invalid() {
        let _serial = serial();
        // Any socket call first: std::net starts WinSock (WSAStartup).
        let _l = listener();
        for timeout in [Some(Micros(0)), Some(Micros(10_000)), None] {
            let err = wait(&mut [], timeout, || None).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(WinSock::WSAEINVAL), "{timeout:?}");
        }
    }

    /// Not a socket: an error from `WinSock` (`WSAENOTSOCK` on Windows; wine
    /// may answer another code, so the code is only printed).
    #[test]
    fn non_sockets_are_errors() {
        let _serial = serial();
        let l = listener();
        let (client, server) = pair(&l);
        // A file's handle (kept open), then a socket number closed after it
        // (so that the file cannot take that number).
        let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
        let handle = std::os::windows::io::AsRawHandle::as_raw_handle(&file) as isize as RawFd;
        let closed = fd(&client);
        drop(client);
        assert_ne!(closed, handle);
        for bad in [closed, handle, RawFd::MAX, -1, -2] {
            for kind in [Kind::Read, Kind::Write, Kind::Except] {
                let mut entries = [Kind::Write.entry(fd(&server)), kind.entry(bad)];
                let err = wait(&mut entries, Some(Micros(0)), || None).unwrap_err();
                let code = err.raw_os_error();
                assert!(code.is_some(), "{bad} {kind:?}: {err}");
                eprintln!("not a socket: {bad} in {kind:?}: {code:?} ({err})");
            }
        }
    }

    /// Beyond `CPython`'s 512 sockets per list (gh-72894): 600 pairs, 1200
    /// sockets in one call, in each list.
    #[test]
    fn more_than_512_sockets_in_one_call() {
        let _serial = serial();
        let l = listener();
        let pairs: Vec<_> = (0..600).map(|_| pair(&l)).collect();
        let all: Vec<RawFd> = pairs.iter().flat_map(|(c, s)| [fd(c), fd(s)]).collect();
        let mut entries: Vec<Entry> = all.iter().map(|&s| Kind::Write.entry(s)).collect();
        assert_eq!(wait(&mut entries, Some(Micros(0)), || None).unwrap(), 1200);
        assert!(entries.iter().all(is_ready));

        // Data on the last 550 clients: their servers, and only those, read.
        for (c, _) in &pairs[50..] {
            let mut c: &TcpStream = c;
            c.write_all(b"x").unwrap();
        }
        let mut entries: Vec<Entry> = all.iter().map(|&s| Kind::Read.entry(s)).collect();
        assert_eq!(wait_for(&mut entries, 550), 550);
        for (i, e) in entries.iter().enumerate() {
            let server = i % 2 == 1;
            assert_eq!(is_ready(e), server && i / 2 >= 50, "entry {i}");
        }

        let mut entries: Vec<Entry> = all.iter().map(|&s| Kind::Except.entry(s)).collect();
        assert_eq!(wait(&mut entries, Some(Micros(0)), || None).unwrap(), 0);
    }
}
