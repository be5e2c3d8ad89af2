//! `select.epoll`.

use std::cell::RefCell;
use std::os::fd::{IntoRawFd, RawFd};

use pyo3::exceptions::{PyMemoryError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyType};
use rselect_core::epoll::{ctl_raw, Ctl, Epoll as CoreEpoll, EpollEvent, Events};
use rselect_core::time::{self, Round};

use crate::convert;
use crate::errors;
#[cfg(not(Py_LIMITED_API))]
use crate::fastcall;
use crate::fdcell::FdCell;
use crate::fdints::FdInts;
use crate::wait;

/// `maxevents=-1` means FD_SETSIZE - 1 events per call, as in CPython.
const DEFAULT_MAXEVENTS: usize = libc::FD_SETSIZE - 1;
/// `register()`'s default: `EPOLLIN | EPOLLPRI | EPOLLOUT`.
const DEFAULT_MASK: u32 = (libc::EPOLLIN | libc::EPOLLPRI | libc::EPOLLOUT) as u32;

thread_local! {
    /// One event buffer per thread, reused by every epoll object's `poll()`
    /// for up to [`DEFAULT_MAXEVENTS`] events: several threads may poll one
    /// object at once, and a thread's buffer is never shared, so no lock is
    /// needed and nothing is allocated per call. It stays empty (only its
    /// capacity is used, uninitialised); larger `maxevents` get a buffer of
    /// their own for the call, which is never touched beyond what the kernel
    /// writes and is freed on return.
    static EVENTS: RefCell<Events> = const { RefCell::new(Events::new()) };
}

/// select.epoll(sizehint=-1, flags=0)
///
/// Returns an epolling object
///
/// sizehint must be a positive integer or -1 for the default size. The
/// sizehint is used to optimize internal data structures. It doesn't limit
/// the maximum number of monitored events.
#[derive(Debug)]
// 3.15 (gh-116946) made the type immutable.
#[cfg_attr(
    Py_3_15,
    pyclass(name = "epoll", module = "select", frozen, immutable_type)
)]
#[cfg_attr(not(Py_3_15), pyclass(name = "epoll", module = "select", frozen))]
pub struct Epoll {
    /// The epoll descriptor this object owns.
    fd: FdCell,
}

impl Epoll {
    fn raw_fd(&self) -> PyResult<RawFd> {
        self.fd.get()
    }

    fn wrap(ep: CoreEpoll) -> Self {
        Self {
            fd: FdCell::new(ep.into_raw_fd(), "epoll", |fd| CoreEpoll::adopt(fd).close()),
        }
    }

    fn create(py: Python<'_>) -> PyResult<Self> {
        CoreEpoll::new()
            .map(Self::wrap)
            .map_err(|e| errors::os_error(py, &e))
    }

    /// `epoll_ctl(2)` on behalf of `register`/`modify`/`unregister` (and of
    /// the selectors built on this object).
    pub(crate) fn ctl(&self, py: Python<'_>, op: Ctl, fd: RawFd, events: u32) -> PyResult<()> {
        let epfd = self.raw_fd()?;
        ctl_raw(epfd, op, fd, events).map_err(|e| errors::os_error(py, &e))
    }

    /// `poll()`: waits as CPython's `epoll.poll(timeout, maxevents)` does
    /// (the same conversions, errors, `EINTR` and deadline handling) and hands
    /// the events the kernel reported to `build`, which makes the result
    /// (`[(fd, events), ...]` for `poll()`, `[(key, events), ...]` for
    /// `rselect.selectors`).
    pub(crate) fn wait<'py, F>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
        maxevents: i32,
        build: F,
    ) -> PyResult<Bound<'py, PyList>>
    where
        F: FnOnce(Python<'py>, &[EpollEvent]) -> PyResult<Bound<'py, PyList>>,
    {
        let epfd = self.raw_fd()?;
        let (first_ms, deadline_ns) = match timeout.filter(|t| !t.is_none()) {
            None => (-1, None),
            Some(obj) => {
                let ns = convert::timeout_ns(
                    obj,
                    time::NS_PER_SEC,
                    "timeout must be an integer or None",
                )?;
                let ms = time::ns_to_ms(ns, Round::Ceiling);
                let ms = i32::try_from(ms).map_err(|_| errors::timeout_too_large())?;
                (ms.max(-1), (ns >= 0).then_some(ns))
            }
        };
        let maxevents = match maxevents {
            -1 => DEFAULT_MAXEVENTS,
            n if n < 1 => {
                return Err(PyValueError::new_err(format!(
                    "maxevents must be greater than 0, got {n}"
                )))
            }
            n => n as usize,
        };
        // The thread's buffer, or a new one for this call only (also when a
        // signal handler polls while this thread's buffer is in use).
        let mut buf = if maxevents <= DEFAULT_MAXEVENTS {
            EVENTS.with_borrow_mut(std::mem::take)
        } else {
            Events::new()
        };
        // CPython: PyMem_New, MemoryError when it fails.
        buf.try_reserve(maxevents)
            .map_err(|_| PyMemoryError::new_err(()))?;
        let ready = wait::run(
            py,
            wait::deadline(deadline_ns),
            wait::millis(first_ms),
            |ms| *ms != 0,
            |ms| buf.wait(epfd, maxevents, ms),
        );
        let result = match ready {
            Ok(None | Some(0)) => Ok(PyList::empty(py)),
            // The kernel wrote the first n entries of the last attempt.
            Ok(Some(_)) => build(py, buf.as_slice()),
            Err(failed) => Err(wait::error(py, failed)),
        };
        if buf.capacity() <= DEFAULT_MAXEVENTS {
            EVENTS.with_borrow_mut(|slot| {
                if slot.capacity() < buf.capacity() {
                    *slot = buf;
                }
            });
        }
        result
    }
}

#[pymethods]
impl Epoll {
    #[new]
    // No __text_signature__: the C type has none (its doc starts with the
    // call form, without the `--` marker that would make one).
    #[pyo3(signature = (sizehint = None, flags = None), text_signature = None)]
    fn py_new(
        py: Python<'_>,
        #[pyo3(from_py_with = convert::given)] sizehint: Option<Bound<'_, PyAny>>,
        #[pyo3(from_py_with = convert::given)] flags: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let sizehint = sizehint.as_ref().map_or(Ok(-1), convert::c_int)?;
        let flags = flags.as_ref().map_or(Ok(0), convert::c_int)?;
        // -1 is the default; every other value must be positive.
        if sizehint != -1 && sizehint <= 0 {
            return Err(PyValueError::new_err("negative sizehint"));
        }
        if flags != 0 && flags != libc::EPOLL_CLOEXEC {
            return Err(PyOSError::new_err("invalid flags"));
        }
        Self::create(py)
    }

    /// True if the epoll handler is closed
    #[getter]
    fn closed(&self) -> bool {
        self.fd.is_closed()
    }

    /// Close the epoll control file descriptor.
    ///
    /// Further operations on the epoll object will raise an exception.
    #[pyo3(text_signature = "($self, /)")]
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.fd.close(py)
    }

    /// Return the epoll control file descriptor.
    #[pyo3(text_signature = "($self, /)")]
    fn fileno(&self) -> PyResult<RawFd> {
        self.raw_fd()
    }

    /// Create an epoll object from a given control fd.
    #[classmethod]
    #[pyo3(signature = (fd, /), text_signature = "($type, fd, /)")]
    fn fromfd(_cls: &Bound<'_, PyType>, py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<Self> {
        match convert::c_int(fd)? {
            // -1 is CPython's internal "create a new instance" sentinel.
            -1 => Self::create(py),
            fd if fd < -1 => Err(errors::from_errno(py, 0)),
            // SAFETY-free: ownership of an arbitrary descriptor is taken on
            // the caller's word, as CPython does.
            fd => Ok(Self::wrap(CoreEpoll::adopt(fd))),
        }
    }

    /// Registers a new fd or raises an OSError if the fd is already registered.
    ///
    ///   fd
    ///     the target file descriptor of the operation
    ///   eventmask
    ///     a bit set composed of the various EPOLL constants
    ///
    /// The epoll interface supports all file descriptors that support poll.
    #[pyo3(
        signature = (fd, eventmask = None),
        text_signature = "($self, /, fd,\n         eventmask=select.EPOLLIN | select.EPOLLPRI | select.EPOLLOUT)"
    )]
    fn register(
        &self,
        py: Python<'_>,
        fd: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = convert::given)] eventmask: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let fd = convert::fildes(fd)?;
        let eventmask = eventmask
            .as_ref()
            .map_or(Ok(DEFAULT_MASK), convert::u32_bitwise)?;
        self.ctl(py, Ctl::Add, fd, eventmask)
    }

    /// Modify event mask for a registered file descriptor.
    ///
    ///   fd
    ///     the target file descriptor of the operation
    ///   eventmask
    ///     a bit set composed of the various EPOLL constants
    #[pyo3(signature = (fd, eventmask), text_signature = "($self, /, fd, eventmask)")]
    fn modify(
        &self,
        py: Python<'_>,
        fd: &Bound<'_, PyAny>,
        eventmask: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let fd = convert::fildes(fd)?;
        let eventmask = convert::u32_bitwise(eventmask)?;
        self.ctl(py, Ctl::Modify, fd, eventmask)
    }

    /// Remove a registered file descriptor from the epoll object.
    ///
    ///   fd
    ///     the target file descriptor of the operation
    #[pyo3(signature = (fd), text_signature = "($self, /, fd)")]
    fn unregister(&self, py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<()> {
        self.ctl(py, Ctl::Delete, convert::fildes(fd)?, 0)
    }

    /// Wait for events on the epoll file descriptor.
    ///
    ///   timeout
    #[doc = crate::docs::epoll_timeout!()]
    ///     a timeout of None or -1 makes poll wait indefinitely
    ///   maxevents
    ///     the maximum number of events returned; -1 means no limit
    ///
    #[doc = crate::docs::epoll_returns!()]
    #[pyo3(
        signature = (timeout = None, maxevents = None),
        text_signature = "($self, /, timeout=None, maxevents=-1)"
    )]
    fn poll<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = convert::given)] maxevents: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let maxevents = maxevents.as_ref().map_or(Ok(-1), convert::c_int)?;
        self.wait(py, timeout, maxevents, build_events)
    }

    #[pyo3(text_signature = "($self, /)")]
    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get().raw_fd()?;
        Ok(slf)
    }

    #[pyo3(signature = (exc_type = None, exc_value = None, exc_tb = None, /))]
    fn __exit__<'py>(
        slf: &Bound<'py, Self>,
        exc_type: Option<&Bound<'py, PyAny>>,
        exc_value: Option<&Bound<'py, PyAny>>,
        exc_tb: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = (exc_type, exc_value, exc_tb);
        slf.call_method0(pyo3::intern!(slf.py(), "close"))
    }
}

/// The `(fd, events)` tuples, built straight into a list of their size.
///
/// Not inlined into the wait: its loop compiles tighter on its own (about
/// two instructions per event, on `epoll-ready-1000`).
#[inline(never)]
fn build_events<'py>(py: Python<'py>, events: &[EpollEvent]) -> PyResult<Bound<'py, PyList>> {
    // `data` holds the descriptor as registered (the low 32 bits). The mask
    // is unsigned (EPOLLET is bit 31): an i64 keeps it positive where a C
    // `long` is 32 bits.
    let pairs = events
        .iter()
        .map(|ev| (ev.u64 as u32 as i32, i64::from(ev.events)));
    crate::pairs::pair_list(py, FdInts::for_results(py), events.len(), pairs)
}

/// The raw entries of `register()`, `modify()` and `unregister()`
/// (`fastcall`): exact-int descriptors and masks within 32 bits, given
/// positionally, on an open object, for an `epoll_ctl(2)` that succeeds. A
/// failed `epoll_ctl` changes nothing, and the method above repeats it and
/// raises; anything else goes to the methods above directly.
#[cfg(not(Py_LIMITED_API))]
pub(crate) fn install_fast_paths(py: Python<'_>) -> PyResult<()> {
    fastcall::install::<Register>(py)?;
    fastcall::install::<Modify>(py)?;
    fastcall::install::<Unregister>(py)
}

impl Epoll {
    /// `epoll_ctl(2)` for a raw entry: `false` when closed or on failure.
    #[cfg(not(Py_LIMITED_API))]
    fn ctl_fast(&self, op: Ctl, fd: RawFd, events: u32) -> bool {
        self.fd
            .peek()
            .is_some_and(|epfd| ctl_raw(epfd, op, fd, events).is_ok())
    }
}

#[cfg(not(Py_LIMITED_API))]
fastcall::fast_path!(Register for Epoll, c"register", |_py, epoll, args| {
    args.fd_opt_mask(DEFAULT_MASK)
        .is_some_and(|(fd, mask)| epoll.ctl_fast(Ctl::Add, fd, mask))
});

#[cfg(not(Py_LIMITED_API))]
fastcall::fast_path!(Modify for Epoll, c"modify", |_py, epoll, args| {
    args.fd_mask()
        .is_some_and(|(fd, mask)| epoll.ctl_fast(Ctl::Modify, fd, mask))
});

#[cfg(not(Py_LIMITED_API))]
fastcall::fast_path!(Unregister for Epoll, c"unregister", |_py, epoll, args| {
    args.fd_alone()
        .is_some_and(|fd| epoll.ctl_fast(Ctl::Delete, fd, 0))
});
