//! Python objects → plain Rust values, with CPython's converters and messages.

use pyo3::exceptions::{
    PyAttributeError, PyOverflowError, PyRuntimeWarning, PyTypeError, PyValueError,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyTuple};
use rselect_core::time::{self, Round, TimeError};

use crate::errors;
use crate::version;
use crate::RawFd;

/// An optional argument as given, for a `from_py_with` that cannot fail: the
/// function converts it in its body. PyO3 adds a "while processing '<name>'"
/// note to any error raised while it extracts an argument, which CPython's
/// errors do not carry; required arguments are simply taken as `&Bound`.
/// `None` is "not given"; an explicit `None` is `Some` of it, and gets the
/// converter's error as in CPython.
#[allow(clippy::unnecessary_wraps)] // the signature `from_py_with` wants
#[cfg(unix)] // poll, epoll, devpoll: Windows has only select()
pub fn given<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(Some(obj.clone()))
}

/// The descriptor an exact `int` stands for, when it is a valid one (an `int`
/// that is negative or out of the C `int` range gives `None`, as does any
/// other object: [`fildes`] then raises the proper error). Runs no Python
/// code, so a list being walked cannot change during it.
#[inline]
pub fn exact_int_fildes(obj: &Bound<'_, PyAny>) -> Option<RawFd> {
    if obj.is_exact_instance_of::<PyInt>() {
        obj.extract::<i32>().ok().filter(|fd| *fd >= 0)
    } else {
        None
    }
}

/// `PyObject_AsFileDescriptor`: an `int`, or an object whose `fileno()`
/// returns one; negative values are refused.
pub fn fildes(obj: &Bound<'_, PyAny>) -> PyResult<RawFd> {
    let fd = if obj.is_exact_instance_of::<PyInt>() {
        // The common case: an exact int, for which the only possible
        // conversion error is overflow.
        obj.extract::<i32>().map_err(|_| errors::c_int_overflow())?
    } else if let Ok(int) = obj.cast::<PyInt>() {
        if obj.is_exact_instance_of::<PyBool>() && version::at_least(3, 13) {
            let py = obj.py();
            PyErr::warn(
                py,
                &py.get_type::<PyRuntimeWarning>(),
                c"bool is used as a file descriptor",
                1,
            )?;
        }
        c_int_of_int(int)?
    } else {
        let py = obj.py();
        // A method call without a bound-method object (vectorcall): most of
        // the cost of a socket's descriptor after the call itself.
        let result = match obj.call_method0(intern!(py, "fileno")) {
            Ok(result) => result,
            Err(err) if err.is_instance_of::<PyAttributeError>(py) => {
                // Only a missing `fileno` becomes the TypeError; an
                // AttributeError raised by `fileno()` itself propagates.
                return Err(match obj.getattr_opt(intern!(py, "fileno"))? {
                    None => {
                        PyTypeError::new_err("argument must be an int, or have a fileno() method.")
                    }
                    Some(_) => err,
                });
            }
            Err(err) => return Err(err),
        };
        let Ok(int) = result.cast::<PyInt>() else {
            return Err(PyTypeError::new_err("fileno() returned a non-integer"));
        };
        c_int_of_int(int)?
    };
    if fd < 0 {
        return Err(PyValueError::new_err(format!(
            "file descriptor cannot be a negative integer ({fd})"
        )));
    }
    Ok(fd)
}

fn c_int_of_int(int: &Bound<'_, PyInt>) -> PyResult<i32> {
    match int.extract::<i64>() {
        Ok(v) => i32::try_from(v).map_err(|_| errors::c_int_overflow()),
        Err(_) => Err(errors::c_int_overflow()),
    }
}

/// `PyNumber_Index(obj)`: `obj` itself when it is an exact `int`, otherwise
/// the exact `int` its `__index__` gives (called once; its errors and the
/// int-subclass deprecation warning pass through, as in CPython).
#[cfg(any(target_os = "linux", target_os = "android", kevent_api))]
fn exact_index<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyInt>> {
    if let Ok(int) = obj.cast_exact::<PyInt>() {
        return Ok(int.clone());
    }
    let py = obj.py();
    let int = py
        .import(intern!(py, "operator"))?
        .call_method1(intern!(py, "index"), (obj,))?;
    Ok(int.cast_into::<PyInt>()?)
}

/// A C `int` argument (argument clinic's `int` converter): `int` or any
/// `__index__` object; an `OverflowError` raised by `__index__` itself
/// passes unchanged.
#[cfg(any(target_os = "linux", target_os = "android", kevent_api))]
pub fn c_int(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    c_int_of_int(&exact_index(obj)?)
}

/// The `unsigned short` event-mask converter of poll objects
/// (`_PyLong_UnsignedShort_Converter`, CPython 3.10-3.13).
#[cfg(unix)]
pub fn ushort_mask(obj: &Bound<'_, PyAny>) -> PyResult<u16> {
    let Ok(int) = obj.cast::<PyInt>() else {
        return Err(PyTypeError::new_err("an integer is required"));
    };
    let too_large = || PyOverflowError::new_err("Python int too large for C unsigned short");
    match int.extract::<i64>() {
        Ok(v) if v < 0 => Err(PyValueError::new_err("value must be positive")),
        Ok(v) => u16::try_from(v).map_err(|_| too_large()),
        Err(_) => {
            if int.lt(0)? {
                Err(PyValueError::new_err("value must be positive"))
            } else if int.extract::<u64>().is_ok() {
                Err(too_large())
            } else {
                Err(PyOverflowError::new_err(
                    "Python int too large to convert to C unsigned long",
                ))
            }
        }
    }
}

/// The 32-bit *bitwise* unsigned converter of epoll event masks
/// (`PyLong_AsUnsignedLongMask`): any integer or `__index__` object (called
/// once), reduced modulo 2**32.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn u32_bitwise(obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    let int = exact_index(obj)?;
    match int.extract::<i64>() {
        Ok(v) => Ok(v as u32),
        // An exact int: `&` is int's own, no Python code runs.
        Err(_) => int.bitand(0xffff_ffff_u32)?.extract::<u32>(),
    }
}

fn time_error(err: TimeError) -> PyErr {
    match err {
        TimeError::NotANumber => PyValueError::new_err("Invalid value NaN (not a number)"),
        // CPython 3.10 reports a float out of range like an integer one.
        TimeError::FloatOutOfRange if version::at_least(3, 11) => {
            PyOverflowError::new_err("timestamp out of range for platform time_t")
        }
        TimeError::FloatOutOfRange | TimeError::IntOutOfRange => {
            PyOverflowError::new_err(if version::at_least(3, 13) {
                "timestamp too large to convert to C PyTime_t"
            } else {
                "timestamp too large to convert to C _PyTime_t"
            })
        }
    }
}

/// `_PyTime_FromSecondsObject` / `_PyTime_FromMillisecondsObject`: a float or
/// an integer (`__index__`) count of `unit_ns` units → nanoseconds.
///
/// A `TypeError` from here means "not a number"; callers replace it with
/// their own message.
pub fn pytime(obj: &Bound<'_, PyAny>, unit_ns: i64, round: Round) -> PyResult<i64> {
    let py = obj.py();
    if let Ok(f) = obj.cast::<PyFloat>() {
        return time::ns_from_f64(f.value(), unit_ns, round).map_err(time_error);
    }
    let v = match obj.extract::<i64>() {
        Ok(v) => v,
        Err(e) if e.is_instance_of::<PyOverflowError>(py) => {
            return Err(time_error(TimeError::IntOutOfRange))
        }
        Err(e) => return Err(e),
    };
    time::ns_from_i64(v, unit_ns).map_err(time_error)
}

/// The millisecond timeout of `poll.poll()` and `devpoll.poll()`:
/// `(ms for the first call, deadline ns when >= 0)`; `None` waits forever.
#[cfg(unix)]
pub fn poll_timeout_ms(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<(i32, Option<i64>)> {
    let Some(obj) = timeout.filter(|o| !o.is_none()) else {
        return Ok((-1, None));
    };
    let ns = pytime(obj, time::NS_PER_MS, Round::Up).map_err(|e| {
        errors::replace_type_error(obj.py(), e, "timeout must be an integer or None")
    })?;
    let ms = time::ns_to_ms(ns, Round::Up);
    let ms = i32::try_from(ms).map_err(|_| errors::timeout_too_large())?;
    Ok((ms.max(-1), (ns >= 0).then_some(ns)))
}

/// The millisecond timeout of one attempt of a waiting call: the value
/// converted at entry, or after `EINTR` the time left rounded with `CEILING`,
/// as CPython's poll and epoll loops do.
#[cfg(unix)]
pub fn attempt_ms(attempt: rselect_core::intr::Attempt, first_ms: i32) -> i32 {
    use rselect_core::intr::Attempt;
    match attempt {
        Attempt::First | Attempt::Again => first_ms,
        Attempt::Remaining(ns) => {
            i32::try_from(time::ns_to_ms(ns, Round::Ceiling)).unwrap_or(i32::MAX)
        }
    }
}

/// `PySequence_Fast(arg, message)`: exact lists and tuples as they are,
/// anything else materialised into a new list first; a `TypeError` from
/// `iter()` becomes `TypeError(message)`, errors during iteration pass.
pub fn fast_sequence<'py>(
    arg: &Bound<'py, PyAny>,
    message: &'static str,
) -> PyResult<Bound<'py, PyAny>> {
    if arg.is_exact_instance_of::<PyList>() || arg.is_exact_instance_of::<PyTuple>() {
        return Ok(arg.clone());
    }
    let py = arg.py();
    let iter = arg.try_iter().map_err(|e| {
        if e.is_instance_of::<PyTypeError>(py) {
            PyTypeError::new_err(message)
        } else {
            e
        }
    })?;
    py.get_type::<PyList>().call1((iter,))
}
