//! Tuples built through the C API: the `[(fd, events), ...]` result lists of
//! `poll()` and `epoll.poll()`, the `(key, events)` pairs and the
//! `SelectorKey` namedtuples of `rselect.selectors`. One of the four
//! modules of this crate allowed `unsafe` (the crate root lists them).
//!
//! Why: PyO3's safe `PyList::new` pulls each element through a
//! `dyn ExactSizeIterator` and a `PyResult` per element, which cost
//! several times CPython's own loop per event (docs/bench.md, "Figures
//! behind choices in the code"). Here the loop is monomorphic and does what
//! `selectmodule.c` does: `PyList_New(n)`, and per event `PyTuple_New(2)`, two
//! stolen references stored, the tuple stored. [`KeptPairs`] then takes the
//! tuple's allocation out of the loop too, when nobody holds the last one.

#![allow(unsafe_code)]

#[cfg(unix)]
use pyo3::exceptions::PySystemError;
use pyo3::ffi;
use pyo3::prelude::*;
#[cfg(unix)]
use pyo3::types::PyList;
use pyo3::types::PyType;

#[cfg(unix)]
use crate::fdints::FdInts;
#[cfg(all(unix, not(any(Py_GIL_DISABLED, feature = "abi3"))))]
use crate::fdints::Slots;
#[cfg(all(unix, not(any(Py_GIL_DISABLED, feature = "abi3"))))]
use pyo3::sync::PyOnceLock;

/// A new list of exactly `len` `(fd, events)` tuples taken from `pairs`
/// (the results of `poll()`, `devpoll.poll()` and `epoll.poll()`), the fd
/// ints taken from (and added to) `ints`, or made fresh without it. Each
/// tuple is the one [`KeptPairs`] holds for the descriptor when nothing
/// else holds it, else a new one.
///
/// # Errors
/// `MemoryError` from the allocations; `SystemError` if `pairs` yields fewer
/// than `len` items (a bug: the list is dropped, never shown half-filled).
#[cfg(unix)]
pub fn pair_list<'py, I>(
    py: Python<'py>,
    mut ints: Option<FdInts<'py>>,
    len: usize,
    mut pairs: I,
) -> PyResult<Bound<'py, PyList>>
where
    I: Iterator<Item = (i32, i64)>,
{
    let size = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| PySystemError::new_err("result list too long"))?;
    // SAFETY: PyList_New returns a new reference or NULL with an exception
    // set; `from_owned_ptr_or_err` takes either. Its NULL slots are valid
    // for list_dealloc (Py_XDECREF), which is what runs if we return early.
    let list = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyList_New(size))? };
    let mut kept = KeptPairs::get(py);
    for index in 0..size {
        let Some((fd, events)) = pairs.next() else {
            return Err(PySystemError::new_err("fewer results than counted"));
        };
        let tuple = kept.pair(&mut ints, fd, events)?;
        // SAFETY: `list` is a fresh list of `size` slots and `index < size`;
        // SET steals the reference given (`into_ptr`), filling a slot that
        // is still NULL.
        unsafe { set_list_item(list.as_ptr(), index, tuple.into_ptr()) };
    }
    // SAFETY: PyList_New made a list.
    Ok(unsafe { list.cast_into_unchecked() })
}

/// A new `(fd, events)` tuple.
#[cfg(unix)]
#[inline]
fn new_pair<'py>(
    py: Python<'py>,
    ints: &mut Option<FdInts<'py>>,
    fd: i32,
    events: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let fd = match ints.as_mut() {
        Some(ints) => ints.int(fd)?,
        None => long(py, i64::from(fd))?,
    };
    let events = long(py, events)?;
    pair(py, fd, events)
}

#[cfg(all(unix, not(any(Py_GIL_DISABLED, feature = "abi3"))))]
static KEPT: PyOnceLock<Py<PyList>> = PyOnceLock::new();

/// The last `(fd, events)` result tuple made for each descriptor below
/// [`LIMIT`](crate::fdints::LIMIT), kept between calls and handed out again
/// when nothing but this store holds it (its reference count says so): a
/// free list of result pairs, by descriptor. A tuple that no one else can
/// reach is not observable, so handing it out again, its events replaced
/// if they differ, looks like a fresh tuple from CPython's own free list,
/// minus the allocation, the stores and the deallocation when the result
/// list goes. A tuple that someone still holds (a result kept, or the same
/// descriptor twice in one `epoll.poll()`) is left alone and replaced in
/// the store by a new one: no object anyone holds ever changes, and no two
/// results share a tuple that stock would have made twice.
///
/// Not in free-threaded builds (a reference count read there is not the
/// whole count: biased counting) nor abi3 ones (no access to the tuple's
/// slots): those make every tuple.
#[cfg(unix)]
struct KeptPairs<'py> {
    #[cfg(not(any(Py_GIL_DISABLED, feature = "abi3")))]
    slots: Slots<'py>,
    #[cfg(any(Py_GIL_DISABLED, feature = "abi3"))]
    py: Python<'py>,
}

#[cfg(unix)]
impl<'py> KeptPairs<'py> {
    fn get(py: Python<'py>) -> Self {
        #[cfg(not(any(Py_GIL_DISABLED, feature = "abi3")))]
        {
            Self {
                slots: Slots::of(py, &KEPT),
            }
        }
        #[cfg(any(Py_GIL_DISABLED, feature = "abi3"))]
        {
            Self { py }
        }
    }

    /// The `(fd, events)` tuple for a result: the kept one if nothing else
    /// holds it, else a new one, then kept (free-threaded and abi3 builds:
    /// always a new one).
    #[allow(clippy::inline_always)] // the per-event loop
    #[inline(always)]
    fn pair(
        &mut self,
        ints: &mut Option<FdInts<'py>>,
        fd: i32,
        events: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        #[cfg(any(Py_GIL_DISABLED, feature = "abi3"))]
        {
            new_pair(self.py, ints, fd, events)
        }
        #[cfg(not(any(Py_GIL_DISABLED, feature = "abi3")))]
        {
            let py = self.slots.py();
            if !(0..crate::fdints::LIMIT).contains(&fd) {
                return new_pair(py, ints, fd, events);
            }
            if let Some(kept) = self.slots.get(fd) {
                // SAFETY: a live object (`kept` holds a reference).
                // Two references are the store's and `kept`'s: nobody else's.
                if unsafe { ffi::Py_REFCNT(kept.as_ptr()) } == 2 {
                    let events = long(py, events)?;
                    // SAFETY: the store holds only 2-tuples that `new_pair`
                    // made for this `fd` (item 0 is its int), and nothing
                    // else can reach this one, so replacing item 1 is
                    // unobservable. The old item is released once the slot
                    // holds the new one (an int's deallocation runs no
                    // Python code).
                    unsafe {
                        let tuple = kept.as_ptr().cast::<ffi::PyTupleObject>();
                        let slot = (*tuple).ob_item.as_mut_ptr().add(1);
                        if *slot != events.as_ptr() {
                            let old = std::mem::replace(&mut *slot, events.into_ptr());
                            ffi::Py_DECREF(old);
                            // From 3.14 a tuple caches its hash; -1 is "not
                            // computed yet".
                            #[cfg(Py_3_14)]
                            {
                                (*tuple).ob_hash = -1;
                            }
                        }
                    }
                    return Ok(kept);
                }
            }
            self.make(ints, fd, events)
        }
    }

    /// A new tuple for `fd`, kept in place of one that someone holds.
    #[cfg(not(any(Py_GIL_DISABLED, feature = "abi3")))]
    #[cold]
    #[inline(never)]
    fn make(
        &mut self,
        ints: &mut Option<FdInts<'py>>,
        fd: i32,
        events: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let tuple = new_pair(self.slots.py(), ints, fd, events)?;
        self.slots.put(fd, &tuple);
        Ok(tuple)
    }
}

/// `list[index]`, for an `index` below the list's length, which the caller
/// knows (the list is private to the caller and never shrinks). With a GIL
/// this reads the slot directly (`PyList_GET_ITEM`): no Python code runs
/// between the caller's check and the read, so nothing can resize the list.
/// Free-threaded and abi3 builds go through `PyList_GetItemRef`, which locks
/// (another thread may be growing the list). The direct read is what keeps
/// the shared descriptor ints cheaper than making ints: `PyList_GetItemRef`
/// alone is a large share of a lookup (docs/bench.md, "Figures behind
/// choices in the code").
#[cfg(unix)]
#[inline]
#[allow(clippy::unnecessary_wraps)] // `None` in the free-threaded and abi3 builds
pub fn list_item<'py>(list: &Bound<'py, PyList>, index: usize) -> Option<Bound<'py, PyAny>> {
    #[cfg(not(any(Py_GIL_DISABLED, feature = "abi3")))]
    {
        debug_assert!(index < list.len());
        // SAFETY: `index` is below the length (the caller's contract), the
        // GIL is held (`list` proves it) and no Python code runs before the
        // slot is read and its item increfed; a list's slots below its
        // length hold live references.
        Some(unsafe {
            Bound::from_borrowed_ptr(
                list.py(),
                ffi::PyList_GET_ITEM(list.as_ptr(), index as ffi::Py_ssize_t),
            )
        })
    }
    #[cfg(any(Py_GIL_DISABLED, feature = "abi3"))]
    {
        list.get_item(index).ok()
    }
}

/// `(first, second)`: a new 2-tuple holding the two references given.
///
/// # Errors
/// `MemoryError`.
#[inline]
pub fn pair<'py>(
    py: Python<'py>,
    first: Bound<'py, PyAny>,
    second: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: a new reference or NULL with an exception set.
    let tuple = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyTuple_New(2))? };
    // SAFETY: a fresh 2-tuple nobody else holds; each SET steals the
    // reference given into an empty slot.
    unsafe {
        set_tuple_item(tuple.as_ptr(), 0, first.into_ptr());
        set_tuple_item(tuple.as_ptr(), 1, second.into_ptr());
    }
    Ok(tuple)
}

/// A new instance of `ty`, a tuple subclass whose instances have no
/// `__dict__` and no `__new__` of their own to run (a `namedtuple` class),
/// holding `items`: what `tuple.__new__(ty, items)` makes, without the
/// argument tuple and the iteration (`SelectorKey(...)` costs a Python-level
/// `__new__` call in the stdlib; this is one allocation).
///
/// # Errors
/// `MemoryError`.
///
/// The caller checks once that `ty` is such a class (see
/// `selectors::init`); `tp_alloc` of a tuple subclass is
/// `PyType_GenericAlloc`, which zeroes the item slots and tracks the object
/// for the collector, as `tuple_subtype_new` relies on. From 3.14 a tuple
/// caches its hash in `ob_hash`, where `-1` means "not computed yet": a
/// zeroed one would claim the hash 0 (`tuple(key) in {key}` false), so it
/// is set as `tuple_subtype_new` sets it. The abi3 build cannot reach that
/// field and calls `tuple.__new__(ty, items)` instead.
#[cfg(not(feature = "abi3"))]
pub fn tuple_of_type<'py, const N: usize>(
    ty: &Bound<'py, PyType>,
    items: [Bound<'py, PyAny>; N],
) -> PyResult<Bound<'py, PyAny>> {
    let py = ty.py();
    // SAFETY: `ty` is a live type object; PyType_GenericAlloc returns a new
    // reference or NULL with an exception set.
    let tuple = unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyType_GenericAlloc(ty.as_type_ptr(), N as ffi::Py_ssize_t),
        )?
    };
    for (index, item) in items.into_iter().enumerate() {
        // SAFETY: a fresh tuple (subclass) instance of N slots, all empty,
        // nobody else holds it; SET steals the reference given.
        unsafe { set_tuple_item(tuple.as_ptr(), index as ffi::Py_ssize_t, item.into_ptr()) };
    }
    #[cfg(Py_3_14)]
    // SAFETY: a tuple (subclass) instance: its layout starts with
    // PyTupleObject, and nobody has read its hash yet.
    unsafe {
        (*tuple.as_ptr().cast::<ffi::PyTupleObject>()).ob_hash = -1;
    }
    Ok(tuple)
}

/// `tuple.__new__(ty, items)` (see the other `tuple_of_type`).
#[cfg(feature = "abi3")]
pub fn tuple_of_type<'py, const N: usize>(
    ty: &Bound<'py, PyType>,
    items: [Bound<'py, PyAny>; N],
) -> PyResult<Bound<'py, PyAny>> {
    let py = ty.py();
    let items = pyo3::types::PyTuple::new(py, items)?;
    py.get_type::<pyo3::types::PyTuple>()
        .call_method1(pyo3::intern!(py, "__new__"), (ty, items))
}

/// A Python int (CPython's small ints included): `PyLong_FromLong` where a
/// C `long` is 64 bits, `PyLong_FromLongLong` where it is 32 (i686, armv7
/// Linux), so that an epoll mask with bit 31 set stays positive there too.
#[cfg(unix)]
#[inline]
pub fn long(py: Python<'_>, value: i64) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: both return a new reference or NULL with an exception set.
    unsafe {
        #[cfg(target_pointer_width = "64")]
        let int = ffi::PyLong_FromLong(value);
        #[cfg(not(target_pointer_width = "64"))]
        let int = ffi::PyLong_FromLongLong(value);
        Bound::from_owned_ptr_or_err(py, int)
    }
}

/// `PyTuple_SET_ITEM` (a macro, not in the limited API: the abi3 build calls
/// the function, which cannot fail on a fresh tuple and an index in range).
///
/// # Safety
/// `tuple` is a tuple no one else holds, `index` is in range and its slot
/// empty; `item` is a reference given away.
#[inline]
unsafe fn set_tuple_item(
    tuple: *mut ffi::PyObject,
    index: ffi::Py_ssize_t,
    item: *mut ffi::PyObject,
) {
    #[cfg(not(feature = "abi3"))]
    // SAFETY: as this function's contract.
    unsafe {
        ffi::PyTuple_SET_ITEM(tuple, index, item);
    }
    #[cfg(feature = "abi3")]
    // SAFETY: as this function's contract.
    unsafe {
        ffi::PyTuple_SetItem(tuple, index, item);
    }
}

/// `PyList_SET_ITEM`, as [`set_tuple_item`].
///
/// # Safety
/// As [`set_tuple_item`], for a list.
#[cfg(unix)]
#[inline]
unsafe fn set_list_item(
    list: *mut ffi::PyObject,
    index: ffi::Py_ssize_t,
    item: *mut ffi::PyObject,
) {
    #[cfg(not(feature = "abi3"))]
    // SAFETY: as this function's contract.
    unsafe {
        ffi::PyList_SET_ITEM(list, index, item);
    }
    #[cfg(feature = "abi3")]
    // SAFETY: as this function's contract.
    unsafe {
        ffi::PyList_SetItem(list, index, item);
    }
}
