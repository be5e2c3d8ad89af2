//! `rselect._rselect._testing`: the portable parts of the kqueue, kevent and
//! devpoll interfaces, exposed on any platform in test builds only
//! (`--features testing`). The default build of Linux has no `kqueue`,
//! `kevent` or `devpoll`, exactly like `CPython`'s module, because
//! `selectors` picks its default selector by `hasattr(select, ...)`.

use std::os::fd::IntoRawFd;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyList;
use rselect_core::devpoll::{self as core_dp, Emulator};
use rselect_core::kevent::Layout;

use crate::convert;
use crate::devpoll::DevPoll;
use crate::fdcell::FdCell;
use crate::fork;
use crate::kevent::{self, PyKEvent};

/// The emulated devpoll object of a test.
fn emulator(dp: &Bound<'_, DevPoll>) -> Arc<Emulator> {
    dp.get()
        .emulator
        .clone()
        .expect("made by _testing.devpoll()")
}

/// A devpoll object over the core's emulated `/dev/poll` (its descriptor is
/// a real one, open on `/dev/null`), flushing every `batch` entries (the
/// `RLIMIT_NOFILE` rule by default).
#[pyfunction]
#[pyo3(signature = (batch = None))]
fn devpoll(batch: Option<usize>) -> PyResult<DevPoll> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    let batch = match batch {
        Some(n) => n,
        None => core_dp::batch_size(core_dp::nofile_limit()?),
    };
    let emu = Arc::new(Emulator::default());
    let mut dp = DevPoll::new(file.into_raw_fd(), emu.clone(), batch);
    dp.emulator = Some(emu);
    Ok(dp)
}

/// Every batch written so far, as lists of `(fd, events)`.
#[pyfunction]
fn devpoll_writes(dp: &Bound<'_, DevPoll>) -> Vec<Vec<(i32, i16)>> {
    emulator(dp)
        .writes()
        .iter()
        .map(|b| b.iter().map(|p| (p.fd, p.events)).collect())
        .collect()
}

/// The registrations the driver would hold: `(fd, events)`.
#[pyfunction]
fn devpoll_registered(dp: &Bound<'_, DevPoll>) -> Vec<(i32, i16)> {
    emulator(dp).registered()
}

/// Makes the next write fail with `errno`.
#[pyfunction]
fn devpoll_fail_next_write(dp: &Bound<'_, DevPoll>, errno: i32) {
    emulator(dp).fail_next_write(errno);
}

/// Makes the next write report `nbytes` written.
#[pyfunction]
fn devpoll_short_next_write(dp: &Bound<'_, DevPoll>, nbytes: usize) {
    emulator(dp).short_next_write(nbytes);
}

/// What [`control_args`] returns to Python.
type ControlArgsTuple<'py> = (Bound<'py, PyList>, usize, Option<(i64, i64)>, Option<i64>);

/// `kqueue.control()`'s argument handling without the system call:
/// `(copies of the changes, maxevents, (sec, nsec) or None, ns or None)`.
#[pyfunction]
#[pyo3(signature = (changelist, maxevents, timeout = None, /))]
fn control_args<'py>(
    py: Python<'py>,
    changelist: &Bound<'py, PyAny>,
    maxevents: &Bound<'py, PyAny>,
    timeout: Option<&Bound<'py, PyAny>>,
) -> PyResult<ControlArgsTuple<'py>> {
    // Converted here, not by PyO3's `from_py_with`, which adds a
    // "while processing" note to the error that CPython's has not.
    let maxevents = convert::c_int(maxevents)?;
    let args = kevent::control_args(changelist, maxevents, timeout)?;
    let list = kevent::event_list(py, args.changes.into_iter())?;
    Ok((list, args.maxevents, args.timeout, args.timeout_ns))
}

/// An object tracked for fork invalidation as kqueue objects are: in a
/// child of `os.fork()` it reports closed (3.12.1+). It holds the number
/// only: nothing closes it.
#[derive(Debug)]
#[pyclass(frozen)]
struct ForkTracked {
    fd: Arc<FdCell>,
}

#[pymethods]
impl ForkTracked {
    #[new]
    fn new(py: Python<'_>, fd: i32) -> PyResult<Self> {
        let this = Self {
            fd: Arc::new(FdCell::new(fd, "tracked", |_| Ok(()))),
        };
        fork::track(py, &this.fd)?;
        Ok(this)
    }

    #[getter]
    fn closed(&self) -> bool {
        self.fd.is_closed()
    }

    fn close(&self) {
        fork::untrack(&self.fd);
        self.fd.forget();
    }
}

/// Adds the test interface to `m` as the submodule `_testing`.
pub fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let t = PyModule::new(py, "_testing")?;
    t.add_class::<PyKEvent>()?;
    t.add_class::<ForkTracked>()?;
    t.add("LAYOUT", Layout::NATIVE.name)?;
    t.add_function(wrap_pyfunction!(devpoll, &t)?)?;
    t.add_function(wrap_pyfunction!(devpoll_writes, &t)?)?;
    t.add_function(wrap_pyfunction!(devpoll_registered, &t)?)?;
    t.add_function(wrap_pyfunction!(devpoll_fail_next_write, &t)?)?;
    t.add_function(wrap_pyfunction!(devpoll_short_next_write, &t)?)?;
    t.add_function(wrap_pyfunction!(control_args, &t)?)?;
    m.add_submodule(&t)?;
    Ok(())
}
