//! Raw entries for the few methods whose whole cost is the call itself
//! (`register()`, `modify()` and `unregister()` of `poll` and `epoll`).
//!
//! PyO3 enters every method through a trampoline: it counts the thread's
//! attachment in a thread-local (a `__tls_get_addr` call in a shared
//! library), applies deferred reference counts, guards against panics and
//! extracts the arguments by their signature. For `register()` +
//! `unregister()` that is more than the calls' own work, and it made them
//! slower than the C module that CPython 3.14 and 3.15 link into the
//! interpreter (docs/bench.md, "Method calls").
//!
//! [`install`] replaces such a method's descriptor in its class with one
//! whose C function first tries [`FastPath::try_call`]: positional
//! arguments that are all exact `int`s, handled without any Python code,
//! allocation or exception. Every other call (keywords, other objects,
//! out-of-range values, a call that would raise) goes on to PyO3's own
//! entry for the method, unchanged, so the errors, warnings and
//! conversions stay in one place: the `#[pymethods]` body. `try_call` must
//! therefore either complete the call or change nothing.
//!
//! The new descriptor keeps the method's name, docstring, text signature
//! and flags. Limited-API (abi3) builds cannot reach a class's dictionary
//! or a descriptor's C function, and keep PyO3's entries.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::os::fd::RawFd;
use std::os::raw::c_long;
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::PyClass;

/// The C function of a `METH_FASTCALL | METH_KEYWORDS` method.
pub type Entry = ffi::PyCFunctionFastWithKeywords;

/// A method with a raw entry for its common calls.
pub trait FastPath {
    /// The class that defines the method (frozen: shared as `&Self::Class`).
    type Class: PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync;
    /// The method's name.
    const NAME: &'static CStr;
    /// Where [`install`] keeps PyO3's entry for the method (a `static` of
    /// the implementing type: statics in generic functions are shared).
    fn original() -> &'static OnceLock<Entry>;
    /// Completes the call and returns `true`, or changes nothing and
    /// returns `false` (PyO3's entry then makes the call). Must not run
    /// Python code, allocate Python objects or set an exception.
    fn try_call(py: Python<'_>, slf: &Self::Class, args: Args<'_>) -> bool;
}

/// The positional arguments of a call, as `try_call` may read them.
#[derive(Clone, Copy)]
pub struct Args<'a>(&'a [*mut ffi::PyObject]);

impl Args<'_> {
    /// The number of positional arguments.
    #[inline]
    pub fn len(self) -> usize {
        self.0.len()
    }

    /// The value of argument `i` if it is an exact `int` within a C `long`
    /// (`bool`, subclasses, `__index__` objects and larger values: `None`).
    #[inline]
    pub fn exact_int(self, i: usize) -> Option<c_long> {
        let obj = *self.0.get(i)?;
        // SAFETY: the interpreter lent these references for the call; an
        // exact int cannot fail to convert except by overflow, which
        // `PyLong_AsLongAndOverflow` reports in `overflow`, not as an
        // exception.
        unsafe {
            if ffi::PyLong_CheckExact(obj) == 0 {
                return None;
            }
            let mut overflow = 0;
            let value = ffi::PyLong_AsLongAndOverflow(obj, &raw mut overflow);
            (overflow == 0).then_some(value)
        }
    }

    /// Argument `i` as a descriptor, if it is an exact `int` that is one
    /// (a negative value raises: not here). The raw-pointer twin of
    /// `convert::exact_int_fildes`, which goes through PyO3's `extract`
    /// (about twice the instructions of `PyLong_AsLongAndOverflow`).
    #[inline]
    pub fn fd(self, i: usize) -> Option<RawFd> {
        self.exact_int(i)
            .and_then(|v| RawFd::try_from(v).ok())
            .filter(|fd| *fd >= 0)
    }

    /// Argument `i` as an unsigned value of type `T`, if it is an exact
    /// `int` within `T`'s range (others may be refused, reduced or warned
    /// about by the method's converter: not here).
    #[inline]
    pub fn unsigned<T: TryFrom<c_long>>(self, i: usize) -> Option<T> {
        self.exact_int(i).and_then(|v| T::try_from(v).ok())
    }

    /// `(fd)`: `register()`'s arguments without a mask, `unregister()`'s.
    #[inline]
    pub fn fd_alone(self) -> Option<RawFd> {
        if self.len() == 1 {
            self.fd(0)
        } else {
            None
        }
    }

    /// `(fd, mask)`: `modify()`'s arguments, `register()`'s with a mask.
    #[inline]
    pub fn fd_mask<T: TryFrom<c_long>>(self) -> Option<(RawFd, T)> {
        if self.len() == 2 {
            Some((self.fd(0)?, self.unsigned(1)?))
        } else {
            None
        }
    }

    /// `(fd[, mask])`: `register()`'s arguments, `default` for no mask.
    #[inline]
    pub fn fd_opt_mask<T: TryFrom<c_long>>(self, default: T) -> Option<(RawFd, T)> {
        match self.len() {
            1 => Some((self.fd(0)?, default)),
            _ => self.fd_mask(),
        }
    }
}

/// Declares a [`FastPath`]:
/// `fast_path!(Name for Class, c"method", |py, slf, args| { ... })`, the
/// block being [`FastPath::try_call`].
macro_rules! fast_path {
    ($name:ident for $class:ty, $method:literal, |$py:pat_param, $slf:ident, $args:ident| $body:block) => {
        struct $name;

        impl $crate::fastcall::FastPath for $name {
            type Class = $class;
            const NAME: &'static ::std::ffi::CStr = $method;
            fn original() -> &'static ::std::sync::OnceLock<$crate::fastcall::Entry> {
                static ORIGINAL: ::std::sync::OnceLock<$crate::fastcall::Entry> =
                    ::std::sync::OnceLock::new();
                &ORIGINAL
            }
            fn try_call(
                $py: ::pyo3::Python<'_>,
                $slf: &$class,
                $args: $crate::fastcall::Args<'_>,
            ) -> bool $body
        }
    };
}
pub(crate) use fast_path;

/// The C function installed for `F`.
unsafe extern "C" fn entry<F: FastPath>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    if kwnames.is_null() {
        // SAFETY: Python calls this with the GIL held (an attached thread in
        // free-threaded builds). A method descriptor checks that `slf` is an
        // instance of the class it was made for, `F::Class` (or of a
        // subclass, whose objects start with the same layout), before it
        // calls the C function. `args` holds `nargs` borrowed references.
        let handled = unsafe {
            let py = Python::assume_attached();
            let slf = pyo3::Borrowed::from_ptr(py, slf).cast_unchecked::<F::Class>();
            let args = match usize::try_from(nargs) {
                Ok(0) | Err(_) => &[][..],
                Ok(n) => std::slice::from_raw_parts(args, n),
            };
            // A panic (a bug) must not unwind into C: PyO3's entry, called
            // next, turns the same panic into a PanicException.
            panic::catch_unwind(AssertUnwindSafe(|| F::try_call(py, slf.get(), Args(args))))
                .unwrap_or(false)
        };
        if handled {
            // SAFETY: a new reference to None, the method's result.
            return unsafe { ffi::Py_NewRef(ffi::Py_None()) };
        }
    }
    let original = F::original()
        .get()
        .expect("the raw entry is installed after PyO3's is kept");
    // SAFETY: PyO3's entry for the same method, with the call's arguments.
    unsafe { original(slf, args, nargs, kwnames) }
}

/// Replaces `F`'s method descriptor in `F::Class` with one that calls
/// [`entry::<F>`]. Does nothing when the descriptor is not PyO3's
/// `METH_FASTCALL | METH_KEYWORDS` method (or is already the raw one).
pub fn install<F: FastPath>(py: Python<'_>) -> PyResult<()> {
    let ty: Bound<'_, PyType> = py.get_type::<F::Class>();
    let ty_ptr = ty.as_type_ptr();
    // SAFETY: the class is a heap type made by PyO3, whose `tp_dict` is its
    // attribute dictionary; the method descriptor found there (checked by
    // its exact type) points to the `PyMethodDef` PyO3 leaked for it, which
    // lives as long as the process. The new definition is leaked too, once
    // per method (`original` is set once). `PyType_Modified` drops the
    // attribute caches that may hold the old descriptor.
    unsafe {
        let dict = (*ty_ptr).tp_dict;
        let descr = ffi::PyDict_GetItemString(dict, F::NAME.as_ptr());
        if descr.is_null() || ffi::Py_TYPE(descr) != &raw mut ffi::PyMethodDescr_Type {
            return Ok(());
        }
        let def = (*descr.cast::<ffi::PyMethodDescrObject>()).d_method;
        if (*def).ml_flags != ffi::METH_FASTCALL | ffi::METH_KEYWORDS {
            return Ok(());
        }
        let pyo3_entry = (*def).ml_meth.PyCFunctionFastWithKeywords;
        let raw: Entry = entry::<F>;
        if std::ptr::fn_addr_eq(pyo3_entry, raw) || F::original().set(pyo3_entry).is_err() {
            return Ok(());
        }
        let new_def = Box::leak(Box::new(ffi::PyMethodDef {
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunctionFastWithKeywords: raw,
            },
            ..*def
        }));
        let new_descr = Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(ty_ptr, new_def))?;
        if ffi::PyDict_SetItemString(dict, F::NAME.as_ptr(), new_descr.as_ptr()) != 0 {
            return Err(PyErr::fetch(py));
        }
        ffi::PyType_Modified(ty_ptr);
    }
    Ok(())
}
