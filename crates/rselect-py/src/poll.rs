//! `select.poll()` and poll objects.

use std::os::fd::RawFd;

use pyo3::exceptions::{PyKeyError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use rselect_core::intr::RetryError;
use rselect_core::poll::{self as core_poll, PollFd, PollSet, PollSetError};

use crate::convert;
use crate::errors;
use crate::exclusive::{Exclusive, Guard};
#[cfg(not(Py_LIMITED_API))]
use crate::fastcall;
use crate::fdints::FdInts;
use crate::pairs;
use crate::version;
use crate::wait::{self, Attempt};

/// Returns a polling object.
///
#[cfg_attr(
    not(Py_3_14),
    doc = "This object supports registering and unregistering file descriptors, and then\npolling them for I/O events."
)]
#[cfg_attr(
    Py_3_14,
    doc = "This object supports registering and unregistering file descriptors, and\nthen polling them for I/O events."
)]
#[pyfunction(name = "poll")]
#[pyo3(text_signature = "($module, /)")]
pub fn new_poll() -> Poll {
    Poll {
        state: Exclusive::new(PollSet::new()),
    }
}

/// A poll object: descriptors registered with event masks, in registration
/// order, waited on with `poll(2)`.
#[derive(Debug)]
// 3.15 (gh-116946) made the type immutable.
#[cfg_attr(
    Py_3_15,
    pyclass(name = "poll", module = "select", frozen, immutable_type)
)]
#[cfg_attr(not(Py_3_15), pyclass(name = "poll", module = "select", frozen))]
pub struct Poll {
    state: Exclusive<PollSet>,
}

impl Poll {
    /// The registrations, for a section that runs no Python code.
    fn state(&self, py: Python<'_>) -> Guard<'_, PollSet> {
        self.state.lock(py)
    }

    /// `register(fd, mask)` with converted arguments (for the selectors).
    pub(crate) fn register_fd(&self, py: Python<'_>, fd: RawFd, mask: u16) {
        self.state(py).register(fd, mask as i16);
    }

    /// `modify(fd, mask)` with converted arguments: `OSError(ENOENT)` for a
    /// descriptor that is not registered.
    pub(crate) fn modify_fd(&self, py: Python<'_>, fd: RawFd, mask: u16) -> PyResult<()> {
        // The guard is dropped before the error is built: building an
        // OSError runs Python code (os.strerror, a first-use import) that
        // may release the GIL, and another thread holding the GIL must not
        // then wait for this lock (a deadlock the thread hammer found).
        let result = self.state(py).modify(fd, mask as i16);
        result.map_err(|_| errors::from_errno(py, libc::ENOENT))
    }

    /// `unregister(fd)` with a converted argument: `KeyError(fd)` for a
    /// descriptor that is not registered.
    pub(crate) fn unregister_fd(&self, py: Python<'_>, fd: RawFd) -> PyResult<()> {
        self.state(py)
            .unregister(fd)
            .map_err(|_| PyKeyError::new_err(fd))
    }

    /// `poll()`: waits as CPython's `poll.poll(timeout)` does (conversions,
    /// errors, `EINTR` and deadline handling, `concurrent poll() invocation`) and
    /// hands the array and the count of ready entries to `build`, which makes
    /// the result while the array is still lent out (`[(fd, events), ...]`
    /// for `poll()`, `[(key, events), ...]` for `rselect.selectors`).
    pub(crate) fn wait<'py, F>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
        build: F,
    ) -> PyResult<Bound<'py, PyList>>
    where
        F: FnOnce(Python<'py>, &[PollFd], usize) -> PyResult<Bound<'py, PyList>>,
    {
        // The first attempt's timeout, and the deadline of the retries.
        let (first, deadline_ns) = if version::rules().ppoll {
            let ns = convert::poll_timeout_ns(timeout)?;
            (PollTimeout::Ns(ns), ns)
        } else {
            let (ms, deadline_ns) = convert::poll_timeout_ms(timeout)?;
            (PollTimeout::Ms(ms), deadline_ns)
        };
        let busy = |e| match e {
            PollSetError::Busy => PyRuntimeError::new_err("concurrent poll() invocation"),
            PollSetError::NotRegistered | PollSetError::Missing => {
                unreachable!("begin() only reports Busy")
            }
        };
        let mut fds = self.state(py).begin().map_err(busy)?;
        let ready = loop {
            let ready = wait::run(
                py,
                wait::deadline(deadline_ns),
                |attempt| match first {
                    PollTimeout::Ms(first_ms) => PollTimeout::Ms(wait::millis(first_ms)(attempt)),
                    PollTimeout::Ns(first_ns) => PollTimeout::Ns(match attempt {
                        Attempt::First | Attempt::Again => first_ns,
                        Attempt::Remaining(ns) => Some(ns),
                    }),
                },
                |timeout| match *timeout {
                    PollTimeout::Ms(ms) => ms != 0,
                    PollTimeout::Ns(ns) => ns != Some(0),
                },
                |timeout| match timeout {
                    PollTimeout::Ms(ms) => core_poll::poll(&mut fds, ms),
                    PollTimeout::Ns(ns) => core_poll::poll_ns(&mut fds, ns),
                },
            );
            if let Err(RetryError::Os(err)) = &ready {
                if err.raw_os_error() == Some(libc::EINVAL) {
                    // Holes may have pushed the array past RLIMIT_NOFILE.
                    let mut state = self.state(py);
                    state.finish(fds);
                    let squeezed = state.squeeze();
                    fds = state.begin().map_err(busy)?;
                    if squeezed {
                        continue;
                    }
                }
            }
            break ready;
        };
        // The result is built from the lent array, before it is given back:
        // a finalizer that runs meanwhile (allocation can trigger the garbage
        // collector) and calls register()/unregister() on this object is
        // queued like any other change during a poll(), and one that calls
        // poll() gets "concurrent poll() invocation" (the C module would
        // rebuild the very array it is reading).
        let result = match &ready {
            Ok(Some(n)) if *n > 0 => build(py, &fds, *n),
            _ => Ok(PyList::empty(py)),
        };
        self.state(py).finish(fds);
        match ready {
            Ok(_) => result,
            Err(failed) => Err(wait::error(py, failed)),
        }
    }
}

/// The timeout of a `poll()` call: whole milliseconds for `poll(2)` (up to
/// 3.14), nanoseconds for `ppoll(2)` (3.15); `None`/negative: forever.
#[derive(Clone, Copy)]
enum PollTimeout {
    Ms(i32),
    Ns(Option<i64>),
}

const DEFAULT_MASK: u16 = (libc::POLLIN | libc::POLLPRI | libc::POLLOUT) as u16;

#[pymethods]
impl Poll {
    #[new]
    fn py_new() -> PyResult<Self> {
        Err(PyTypeError::new_err(
            "cannot create 'select.poll' instances",
        ))
    }

    /// Register a file descriptor with the polling object.
    ///
    ///   fd
    ///     either an integer, or an object with a fileno() method returning an int
    ///   eventmask
    ///     an optional bitmask describing the type of events to check for
    #[allow(clippy::doc_markdown)] // CPython's docstring, as Python shows it
    #[pyo3(
        signature = (fd, eventmask = None, /),
        text_signature = "($self, fd,\n         eventmask=select.POLLIN | select.POLLPRI | select.POLLOUT, /)"
    )]
    fn register(
        &self,
        fd: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = convert::given)] eventmask: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = fd.py();
        let fd = convert::fildes(fd)?;
        let eventmask = eventmask
            .as_ref()
            .map_or(Ok(DEFAULT_MASK), convert::ushort_mask)?;
        self.register_fd(py, fd, eventmask);
        Ok(())
    }

    /// Modify an already registered file descriptor.
    ///
    ///   fd
    ///     either an integer, or an object with a fileno() method returning
    ///     an int
    ///   eventmask
    ///     a bitmask describing the type of events to check for
    #[allow(clippy::doc_markdown)] // CPython's docstring, as Python shows it
    #[pyo3(signature = (fd, eventmask, /), text_signature = "($self, fd, eventmask, /)")]
    fn modify(
        &self,
        py: Python<'_>,
        fd: &Bound<'_, PyAny>,
        eventmask: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let fd = convert::fildes(fd)?;
        let eventmask = convert::ushort_mask(eventmask)?;
        self.modify_fd(py, fd, eventmask)
    }

    /// Remove a file descriptor being tracked by the polling object.
    #[pyo3(signature = (fd, /), text_signature = "($self, fd, /)")]
    fn unregister(&self, fd: &Bound<'_, PyAny>) -> PyResult<()> {
        self.unregister_fd(fd.py(), convert::fildes(fd)?)
    }

    /// Polls the set of registered file descriptors.
    ///
    ///   timeout
    ///     The maximum time to wait in milliseconds, or else None (or a negative
    ///     value) to wait indefinitely.
    ///
    #[doc = crate::docs::poll_returns!()]
    #[pyo3(signature = (timeout = None, /), text_signature = "($self, timeout=None, /)")]
    fn poll<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.wait(py, timeout, ready_list)
    }
}

/// The raw entries of `register()`, `modify()` and `unregister()`
/// (`fastcall`): exact-int descriptors and masks, in range, for a call that
/// succeeds. Anything else goes to the methods above.
#[cfg(not(Py_LIMITED_API))]
pub(crate) fn install_fast_paths(py: Python<'_>) -> PyResult<()> {
    fastcall::install::<Register>(py)?;
    fastcall::install::<Modify>(py)?;
    fastcall::install::<Unregister>(py)
}

#[cfg(not(Py_LIMITED_API))]
fastcall::fast_path!(Register for Poll, c"register", |py, poll, args| {
    let Some((fd, mask)) = args.fd_opt_mask(DEFAULT_MASK) else {
        return false;
    };
    poll.register_fd(py, fd, mask);
    true
});

// Not registered: nothing changed, and the method raises.
#[cfg(not(Py_LIMITED_API))]
fastcall::fast_path!(Modify for Poll, c"modify", |py, poll, args| {
    args.fd_mask::<u16>()
        .is_some_and(|(fd, mask)| poll.state(py).modify(fd, mask as i16).is_ok())
});

#[cfg(not(Py_LIMITED_API))]
fastcall::fast_path!(Unregister for Poll, c"unregister", |py, poll, args| {
    args.fd_alone()
        .is_some_and(|fd| poll.state(py).unregister(fd).is_ok())
});

/// `[(fd, revents & 0xffff), ...]` for the entries the kernel marked, in
/// array (registration) order, built straight into a list of their number
/// `count`, which `poll(2)` returned (the count of non-zero `revents`).
fn ready_list<'py>(py: Python<'py>, fds: &[PollFd], count: usize) -> PyResult<Bound<'py, PyList>> {
    let ready = fds
        .iter()
        .filter(|p| p.revents != 0)
        .map(|p| (p.fd, i64::from(p.revents as u16)));
    pairs::pair_list(py, FdInts::for_results(py), count, ready)
}
