//! Python exceptions with CPython's types and messages.
//!
//! OS errors are built as `OSError(errno, strerror)`: CPython's `OSError`
//! constructor then picks the subclass (`FileNotFoundError`, ...) and fills
//! `.errno` and `.strerror`, exactly as `PyErr_SetFromErrno` does. PyO3's
//! blanket `From<io::Error>` would pass only a message and lose `.errno`.

use std::io;

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

/// `OSError(errno, os.strerror(errno))` for an OS error; an error without an
/// errno (never produced by the core) becomes `OSError(str(err))`.
#[cfg(unix)]
pub fn os_error(py: Python<'_>, err: &io::Error) -> PyErr {
    match err.raw_os_error() {
        Some(errno) => from_errno(py, errno),
        None => PyOSError::new_err(err.to_string()),
    }
}

/// A `WinSock` error as `PyErr_SetExcFromWindowsErr` raises it:
/// `OSError(0, message, None, winerror, None)` (five arguments: `args` has
/// five items, as stock's), where `OSError` derives `errno` from `winerror`.
/// The message is the system's (`FormatMessageW`, which Rust's `io::Error`
/// calls with the flags `CPython` uses) without its trailing dots and
/// blanks, as `CPython` trims it; when the system has no text for the code,
/// `CPython` says `Windows Error 0x<code>`.
#[cfg(windows)]
pub fn os_error(py: Python<'_>, err: &io::Error) -> PyErr {
    let Some(code) = err.raw_os_error() else {
        return PyOSError::new_err(err.to_string());
    };
    PyOSError::new_err((
        0,
        windows_message(code, &err.to_string()),
        py.None(),
        code,
        py.None(),
    ))
}

/// `CPython`'s text for a Windows error `code`, from Rust's rendering of it
/// (`"<text> (os error N)"`, or `"OS Error N (FormatMessageW() returned
/// error M)"` when the system has no text).
#[cfg(windows)]
fn windows_message(code: i32, rendered: &str) -> String {
    if rendered.starts_with("OS Error ") && rendered.contains("FormatMessageW() returned") {
        return format!("Windows Error 0x{code:x}");
    }
    rendered
        .strip_suffix(&format!(" (os error {code})"))
        .unwrap_or(rendered)
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned()
}

/// `OSError(errno, strerror)`, where `strerror` is the C library's text for
/// `errno`, taken from `os.strerror` so that it is the interpreter's own
/// (`PyErr_SetFromErrno` says `"Error"` for errno 0, as `epoll.fromfd(-2)`
/// shows).
#[cfg(unix)]
pub fn from_errno(py: Python<'_>, errno: i32) -> PyErr {
    use pyo3::sync::PyOnceLock;
    static STRERROR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    if errno == 0 {
        return PyOSError::new_err((0, "Error"));
    }
    let text = STRERROR
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("os")?.getattr("strerror")?.unbind())
        })
        .and_then(|f| f.bind(py).call1((errno,)))
        .unwrap_or_else(|_| "Error".into_pyobject(py).unwrap().into_any());
    PyOSError::new_err((errno, text.unbind()))
}

/// What `close()` of an epoll, kqueue or devpoll object makes of the result
/// of `close(2)`: nothing up to 3.14, the `OSError` from 3.15 (gh-146205).
#[cfg(unix)]
pub fn close_result(py: Python<'_>, result: io::Result<()>) -> PyResult<()> {
    match result {
        Err(err) if crate::version::rules().close_reports_errors => Err(os_error(py, &err)),
        _ => Ok(()),
    }
}

/// `ValueError: I/O operation on closed <what> object`.
#[cfg(unix)]
pub fn closed(what: &str) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(format!("I/O operation on closed {what} object"))
}

/// `OverflowError: Python int too large to convert to C int`.
pub fn c_int_overflow() -> PyErr {
    pyo3::exceptions::PyOverflowError::new_err("Python int too large to convert to C int")
}

/// `OverflowError: timeout is too large` (poll, epoll, devpoll).
#[cfg(unix)]
pub fn timeout_too_large() -> PyErr {
    pyo3::exceptions::PyOverflowError::new_err("timeout is too large")
}
