//! `select.devpoll()` (illumos, Solaris), on the write queue of
//! [`rselect_core::devpoll`]. In test builds (`--features testing`) the same
//! object runs on Linux over the core's [`Emulator`] device.

#[cfg(devpoll)]
use std::os::fd::IntoRawFd;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::{PyMemoryError, PyOSError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyList;
#[cfg(feature = "testing")]
use rselect_core::devpoll::Emulator;
use rselect_core::devpoll::{self as core_dp, Device, FlushError, Queue, POLLREMOVE};
use rselect_core::poll::PollFd;
use rselect_core::time::{self, Round};

use crate::fdcell::FdCell;
use crate::{convert, errors, version, wait, RawFd};

const DEFAULT_MASK: u16 = (libc::POLLIN | libc::POLLPRI | libc::POLLOUT) as u16;

#[derive(Debug)]
struct State {
    queue: Queue,
    /// `DP_POLL`'s result buffer, taken out while a poll runs.
    buf: Vec<PollFd>,
}

/// A /dev/poll object: registrations queued and written to the device in
/// batches, readiness read back with `ioctl(DP_POLL)`.
#[derive(Debug)]
#[pyclass(name = "devpoll", module = "select", frozen)]
pub struct DevPoll {
    fd: FdCell,
    dev: Arc<dyn Device>,
    state: Mutex<State>,
    #[cfg(feature = "testing")]
    pub emulator: Option<Arc<Emulator>>,
}

impl DevPoll {
    /// An object owning `fd` over `dev`, flushing every `batch` entries.
    pub fn new(fd: RawFd, dev: Arc<dyn Device>, batch: usize) -> Self {
        Self {
            fd: FdCell::new(fd, "devpoll", core_dp::close),
            dev,
            state: Mutex::new(State {
                queue: Queue::new(batch),
                buf: Vec::new(),
            }),
            #[cfg(feature = "testing")]
            emulator: None,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn raw_fd(&self) -> PyResult<RawFd> {
        self.fd.get()
    }

    /// Writes `batch` without the GIL, with `CPython`'s errors.
    fn flush(&self, py: Python<'_>, fd: RawFd, batch: &[PollFd]) -> PyResult<()> {
        let dev = &*self.dev;
        py.detach(|| core_dp::flush(dev, fd, batch))
            .map_err(|e| match e {
                FlushError::Os(err) => errors::os_error(py, &err),
                FlushError::Short { tried, written } => PyOSError::new_err(format!(
                    "failed to write all pollfds. Please, report at {}. Data to report: \
                     Size tried: {tried}, actual size written: {written}.",
                    if version::rules().github_tracker {
                        "https://github.com/python/cpython/issues/"
                    } else {
                        "http://bugs.python.org/"
                    }
                )),
            })
    }

    /// Queues `{fd, events}` and flushes when the queue is full.
    fn push(&self, py: Python<'_>, fd: RawFd, events: i16) -> PyResult<()> {
        let dpfd = self.raw_fd()?;
        let batch = self.state().queue.push(fd, events);
        match batch {
            Some(batch) => self.flush(py, dpfd, &batch),
            None => Ok(()),
        }
    }
}

/// The `fd` and `eventmask` arguments, converted here rather than by PyO3's
/// `from_py_with`, which adds a "while processing" note to the error that
/// CPython's has not (see [`convert::given`]).
fn fd_and_mask(fd: &Bound<'_, PyAny>, mask: Option<&Bound<'_, PyAny>>) -> PyResult<(RawFd, u16)> {
    let fd = convert::fildes(fd)?;
    let mask = match mask {
        Some(m) => convert::ushort_mask(m)?,
        None => DEFAULT_MASK,
    };
    Ok((fd, mask))
}

/// Returns a polling object.
///
/// This object supports registering and unregistering file descriptors, and then
/// polling them for I/O events.
#[cfg(devpoll)]
#[pyfunction(name = "devpoll")]
#[pyo3(text_signature = "($module, /)")]
pub fn new_devpoll(py: Python<'_>) -> PyResult<DevPoll> {
    let limit = core_dp::nofile_limit().map_err(|e| errors::os_error(py, &e))?;
    let fd = py.detach(core_dp::Driver::open).map_err(|e| {
        let err = errors::os_error(py, &e);
        // open()'s error carries the path, as CPython's does.
        match e.raw_os_error() {
            Some(errno) => {
                let strerror = err.value(py).getattr("strerror").ok();
                PyOSError::new_err((errno, strerror.map(Bound::unbind), "/dev/poll"))
            }
            None => err,
        }
    })?;
    Ok(DevPoll::new(
        fd.into_raw_fd(),
        Arc::new(core_dp::Driver),
        core_dp::batch_size(limit),
    ))
}

#[pymethods]
impl DevPoll {
    #[new]
    fn py_new() -> PyResult<Self> {
        Err(PyTypeError::new_err(
            "cannot create 'select.devpoll' instances",
        ))
    }

    #[allow(clippy::doc_markdown)] // Python docstring
    /// Register a file descriptor with the polling object.
    ///
    ///   fd
    ///     either an integer, or an object with a fileno() method returning
    ///     an int
    ///   eventmask
    ///     an optional bitmask describing the type of events to check for
    #[pyo3(
        signature = (fd, eventmask = None, /),
        text_signature = "($self, fd, eventmask=select.POLLIN | select.POLLPRI | select.POLLOUT, /)"
    )]
    fn register(
        &self,
        py: Python<'_>,
        fd: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = convert::given)] eventmask: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let (fd, eventmask) = fd_and_mask(fd, eventmask.as_ref())?;
        self.push(py, fd, eventmask as i16)
    }

    #[allow(clippy::doc_markdown)] // Python docstring
    /// Modify a possible already registered file descriptor.
    ///
    ///   fd
    ///     either an integer, or an object with a fileno() method returning
    ///     an int
    ///   eventmask
    ///     an optional bitmask describing the type of events to check for
    #[pyo3(
        signature = (fd, eventmask = None, /),
        text_signature = "($self, fd, eventmask=select.POLLIN | select.POLLPRI | select.POLLOUT, /)"
    )]
    fn modify(
        &self,
        py: Python<'_>,
        fd: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = convert::given)] eventmask: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let (fd, eventmask) = fd_and_mask(fd, eventmask.as_ref())?;
        // Remove, then add; a failed flush of the first stops the second.
        self.push(py, fd, POLLREMOVE)?;
        self.push(py, fd, eventmask as i16)
    }

    /// Remove a file descriptor being tracked by the polling object.
    #[pyo3(signature = (fd, /), text_signature = "($self, fd, /)")]
    fn unregister(&self, py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<()> {
        self.push(py, convert::fildes(fd)?, POLLREMOVE)
    }

    /// Polls the set of registered file descriptors.
    ///
    ///   timeout
    ///     The maximum time to wait in milliseconds, or else None (or a negative
    ///     value) to wait indefinitely.
    ///
    /// Returns a list containing any descriptors that have events or errors to
    /// report, as a list of (fd, event) 2-tuples.
    #[pyo3(signature = (timeout = None, /), text_signature = "($self, timeout=None, /)")]
    fn poll<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let dpfd = self.raw_fd()?;
        let (first_ms, deadline_ns) = match timeout.filter(|t| !t.is_none()) {
            None => (-1, None),
            Some(obj) => {
                let ns = convert::timeout_ns(
                    obj,
                    time::NS_PER_MS,
                    "timeout must be an integer or None",
                )?;
                let ms = time::ns_to_ms(ns, Round::Up);
                // Only -1 is allowed as a negative value.
                if !(-1..=i64::from(i32::MAX)).contains(&ms) {
                    return Err(errors::timeout_too_large());
                }
                (ms as i32, (ns >= 0).then_some(ns))
            }
        };
        let (pending, mut buf, max) = {
            let mut st = self.state();
            let max = st.queue.max();
            (st.queue.take(), std::mem::take(&mut st.buf), max)
        };
        self.flush(py, dpfd, &pending)?;
        buf.try_reserve_exact(max)
            .map_err(|_| PyMemoryError::new_err(()))?;
        let dev = &*self.dev;
        let ready = wait::run(
            py,
            wait::deadline(deadline_ns),
            wait::millis(first_ms),
            |ms| *ms != 0,
            |ms| dev.poll(dpfd, &mut buf, ms),
        );
        let result = match ready {
            Ok(Some(_)) => {
                let items = buf
                    .iter()
                    .map(|p| (p.fd, i64::from(p.revents)))
                    .collect::<Vec<_>>();
                PyList::new(py, items)
            }
            Ok(None) => Ok(PyList::empty(py)),
            Err(failed) => Err(wait::error(py, failed)),
        };
        buf.clear();
        self.state().buf = buf;
        result
    }

    /// Close the devpoll file descriptor.
    ///
    /// Further operations on the devpoll object will raise an exception.
    #[pyo3(text_signature = "($self, /)")]
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.fd.close(py)
    }

    /// True if the devpoll object is closed
    #[getter]
    fn closed(&self) -> bool {
        self.fd.is_closed()
    }

    /// Return the file descriptor.
    #[pyo3(text_signature = "($self, /)")]
    fn fileno(&self) -> PyResult<RawFd> {
        self.raw_fd()
    }
}
