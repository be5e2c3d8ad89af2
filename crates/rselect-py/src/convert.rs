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
        if obj.is_exact_instance_of::<PyBool>() && version::rules().bool_fd_warns {
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
            return Err(PyTypeError::new_err(
                if version::rules().fileno_names_types {
                    format!(
                        "{}.fileno() must return an int, not {}",
                        qualified_type_name(obj),
                        qualified_type_name(&result)
                    )
                } else {
                    "fileno() returned a non-integer".to_owned()
                },
            ));
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
#[cfg(unix)]
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
#[cfg(any(linux_like, kevent_api))]
pub fn c_int(obj: &Bound<'_, PyAny>) -> PyResult<i32> {
    c_int_of_int(&exact_index(obj)?)
}

/// The `unsigned short` event-mask converter of poll and devpoll objects:
/// `_PyLong_UnsignedShort_Converter` up to 3.13 (exact ints only), and from
/// 3.14 the generic unsigned converter (`__index__` objects too, called once).
#[cfg(unix)]
pub fn ushort_mask(obj: &Bound<'_, PyAny>) -> PyResult<u16> {
    let too_large = || PyOverflowError::new_err("Python int too large for C unsigned short");
    if version::rules().unsigned_index {
        let int = exact_index(obj)?;
        return match int.extract::<i64>() {
            Ok(v) if v < 0 => Err(PyValueError::new_err("Cannot convert negative int")),
            Ok(v) => u16::try_from(v).map_err(|_| too_large()),
            Err(_) if int.lt(0)? => Err(PyValueError::new_err("Cannot convert negative int")),
            Err(_) => Err(too_large()),
        };
    }
    let Ok(int) = obj.cast::<PyInt>() else {
        return Err(PyTypeError::new_err("an integer is required"));
    };
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
/// once), reduced modulo 2**32. From 3.15 a value that fits neither
/// `unsigned int` nor `int` warns `DeprecationWarning: integer value out of
/// range` first (and is still reduced).
#[cfg(linux_like)]
pub fn u32_bitwise(obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    let int = exact_index(obj)?;
    let (value, in_range) = match int.extract::<i64>() {
        Ok(v) => (
            v as u32,
            (i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&v),
        ),
        // An exact int: `&` is int's own, no Python code runs.
        Err(_) => (int.bitand(0xffff_ffff_u32)?.extract::<u32>()?, false),
    };
    if !in_range {
        warn_out_of_range(obj.py())?;
    }
    Ok(value)
}

/// 3.15 (gh-132629): `DeprecationWarning: integer value out of range` for a
/// bitwise unsigned argument that fits neither C type of its width (epoll
/// masks, kevent fields); nothing before 3.15.
#[cfg(any(linux_like, kevent_api))]
pub fn warn_out_of_range(py: Python<'_>) -> PyResult<()> {
    if !version::rules().bitwise_range_warns {
        return Ok(());
    }
    PyErr::warn(
        py,
        &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(),
        c"integer value out of range",
        1,
    )
}

fn time_error(err: TimeError) -> PyErr {
    let rules = version::rules();
    match err {
        TimeError::NotANumber => PyValueError::new_err("Invalid value NaN (not a number)"),
        TimeError::FloatOutOfRange => PyOverflowError::new_err(rules.float_timeout_overflow),
        TimeError::IntOutOfRange => PyOverflowError::new_err(rules.int_timeout_overflow),
    }
}

/// A timeout object (not `None`) → nanoseconds, as `_PyTime_FromSecondsObject`
/// (`unit_ns` = 1 s) and `_PyTime_FromMillisecondsObject` (1 ms) convert it
/// with `_PyTime_ROUND_TIMEOUT`: a float, or an integer (`__index__`), and
/// from 3.15 any other real number through `__float__`. A `TypeError`
/// becomes `TypeError(legacy_message)`, or from 3.15 `timeout must be a real
/// number or None, not T`; other errors pass.
pub fn timeout_ns(
    obj: &Bound<'_, PyAny>,
    unit_ns: i64,
    legacy_message: &'static str,
) -> PyResult<i64> {
    let rules = version::rules();
    pytime(obj, unit_ns, rules.real_timeouts).map_err(|err| {
        let py = obj.py();
        if !err.is_instance_of::<PyTypeError>(py) {
            err
        } else if rules.real_timeouts {
            PyTypeError::new_err(format!(
                "timeout must be a real number or None, not {}",
                qualified_type_name(obj)
            ))
        } else {
            PyTypeError::new_err(legacy_message)
        }
    })
}

/// The `tp_name` of `obj`'s type (`Py_TYPE(obj)->tp_name` in a message).
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// `%T` of a message (3.13+): the type's fully qualified name, without the
/// module for `builtins` and `__main__`.
pub fn qualified_type_name(obj: &Bound<'_, PyAny>) -> String {
    let ty = obj.get_type();
    let (Ok(module), Ok(qualname)) = (ty.module(), ty.qualname()) else {
        return type_name(obj);
    };
    match module.to_str() {
        Ok("builtins" | "__main__") => qualname.to_string(),
        _ => format!("{module}.{qualname}"),
    }
}

fn pytime(obj: &Bound<'_, PyAny>, unit_ns: i64, real: bool) -> PyResult<i64> {
    let py = obj.py();
    if let Ok(f) = obj.cast::<PyFloat>() {
        return time::ns_from_f64(f.value(), unit_ns, Round::Up).map_err(time_error);
    }
    if real
        && !obj.is_instance_of::<PyInt>()
        && !obj.get_type().hasattr(intern!(py, "__index__"))?
    {
        // 3.15: a real number that is neither float nor integer, through
        // `__float__` (`PyFloat_AsDouble`).
        let f: f64 = obj.extract()?;
        return time::ns_from_f64(f, unit_ns, Round::Up).map_err(time_error);
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

/// The timeout of `poll.poll()` on 3.15 where it waits with `ppoll(2)`:
/// nanoseconds, `None` (forever) for `None` or a negative value.
#[cfg(unix)]
pub fn poll_timeout_ns(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
    let Some(obj) = timeout.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let ns = timeout_ns(obj, time::NS_PER_MS, "timeout must be an integer or None")?;
    Ok((ns >= 0).then_some(ns))
}

/// The millisecond timeout of `poll.poll()` and `devpoll.poll()`:
/// `(ms for the first call, deadline ns when >= 0)`; `None` waits forever.
#[cfg(unix)]
pub fn poll_timeout_ms(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<(i32, Option<i64>)> {
    let Some(obj) = timeout.filter(|o| !o.is_none()) else {
        return Ok((-1, None));
    };
    let ns = timeout_ns(obj, time::NS_PER_MS, "timeout must be an integer or None")?;
    let ms = time::ns_to_ms(ns, Round::Up);
    let ms = i32::try_from(ms).map_err(|_| errors::timeout_too_large())?;
    Ok((ms.max(-1), (ns >= 0).then_some(ns)))
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
