//! `select.kqueue` (BSDs, macOS).

use std::os::fd::IntoRawFd;
use std::sync::Arc;

use pyo3::exceptions::{PyMemoryError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use rselect_core::kqueue as core_kq;
use rselect_core::time;

use crate::fdcell::FdCell;
use crate::fork;
use crate::wait::{self, Attempt};
use crate::{convert, errors, kevent};

/// Kqueue syscall wrapper.
///
/// For example, to start watching a socket for input:
/// >>> kq = kqueue()
/// >>> sock = socket()
/// >>> sock.connect((host, port))
/// >>> kq.control([kevent(sock, KQ_FILTER_WRITE, KQ_EV_ADD)], 0)
///
/// To wait one second for it to become writeable:
/// >>> kq.control(None, 1, 1000)
///
/// To stop listening:
/// >>> kq.control([kevent(sock, KQ_FILTER_WRITE, KQ_EV_DELETE)], 0)
#[derive(Debug)]
#[pyclass(name = "kqueue", module = "select", frozen)]
pub struct Kqueue {
    /// The descriptor, closed with the object (or, on 3.12.1+, forgotten
    /// in a fork child: `fork` holds a weak reference).
    fd: Arc<FdCell>,
}

impl Kqueue {
    fn raw_fd(&self) -> PyResult<i32> {
        self.fd.get()
    }

    fn wrap(py: Python<'_>, fd: i32) -> PyResult<Self> {
        let this = Self {
            fd: Arc::new(FdCell::new(fd, "kqueue", core_kq::close)),
        };
        fork::track(py, &this.fd)?;
        Ok(this)
    }

    fn create(py: Python<'_>) -> PyResult<Self> {
        let fd = py
            .detach(core_kq::create)
            .map_err(|e| errors::os_error(py, &e))?;
        Self::wrap(py, fd.into_raw_fd())
    }
}

impl Drop for Kqueue {
    fn drop(&mut self) {
        // The cell closes the descriptor when its last reference goes.
        fork::untrack(&self.fd);
    }
}

#[pymethods]
impl Kqueue {
    #[new]
    #[pyo3(signature = (*args, **kwargs), text_signature = "()")]
    fn py_new(
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        if !args.is_empty() {
            return Err(PyTypeError::new_err(
                "kqueue() takes no positional arguments",
            ));
        }
        if kwargs.is_some_and(|k| !k.is_empty()) {
            return Err(PyTypeError::new_err("kqueue() takes no keyword arguments"));
        }
        Self::create(py)
    }

    /// True if the kqueue handler is closed
    #[getter]
    fn closed(&self) -> bool {
        self.fd.is_closed()
    }

    /// Close the kqueue control file descriptor.
    ///
    /// Further operations on the kqueue object will raise an exception.
    #[pyo3(text_signature = "($self, /)")]
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        fork::untrack(&self.fd);
        self.fd.close(py)
    }

    /// Return the kqueue control file descriptor.
    #[pyo3(text_signature = "($self, /)")]
    fn fileno(&self) -> PyResult<i32> {
        self.raw_fd()
    }

    /// Create a kqueue object from a given control fd.
    #[classmethod]
    #[pyo3(signature = (fd, /), text_signature = "($type, fd, /)")]
    fn fromfd(_cls: &Bound<'_, PyType>, py: Python<'_>, fd: &Bound<'_, PyAny>) -> PyResult<Self> {
        match convert::c_int(fd)? {
            -1 => Self::create(py),
            fd if fd < -1 => Err(errors::from_errno(py, 0)),
            fd => Self::wrap(py, fd),
        }
    }

    /// Calls the kernel kevent function.
    ///
    ///   changelist
    ///     Must be an iterable of kevent objects describing the changes to be made
    ///     to the kernel's watch list or None.
    ///   maxevents
    ///     The maximum number of events that the kernel will return.
    ///   timeout
    ///     The maximum time to wait in seconds, or else None to wait forever.
    ///     This accepts floats for smaller timeouts, too.
    #[pyo3(
        signature = (changelist, maxevents, timeout = None, /),
        text_signature = "($self, changelist, maxevents, timeout=None, /)"
    )]
    fn control<'py>(
        &self,
        py: Python<'py>,
        changelist: &Bound<'py, PyAny>,
        maxevents: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let kq = self.raw_fd()?;
        // Converted here, not by PyO3's `from_py_with`, which adds a
        // "while processing" note to the error that CPython's has not.
        let maxevents = convert::c_int(maxevents)?;
        let args = kevent::control_args(changelist, maxevents, timeout)?;
        let changes = core_kq::KEvents::from_events(&args.changes);
        let mut events =
            core_kq::KEvents::with_room(args.maxevents).map_err(|_| PyMemoryError::new_err(()))?;
        let may_block = args.maxevents > 0 && args.timeout != Some((0, 0));
        let first = args.timeout;
        // The change list is submitted again on every attempt, as in CPython.
        let ready = wait::run(
            py,
            wait::deadline(args.timeout_ns),
            |attempt| match attempt {
                Attempt::First | Attempt::Again => first,
                Attempt::Remaining(ns) => Some(time::ns_to_sec_nsec(ns)),
            },
            |_| may_block,
            |ts| core_kq::control(kq, &changes, &mut events, ts),
        );
        match ready {
            Ok(Some(_)) => kevent::event_list(py, events.iter()),
            Ok(None) => Ok(PyList::empty(py)),
            Err(failed) => Err(wait::error(py, failed)),
        }
    }
}
