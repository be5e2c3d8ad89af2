//! `select.select(rlist, wlist, xlist, timeout=None, /)`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rselect_core::select::{self as core_select, Entry, Kind, Micros};
use rselect_core::time::{self, Deadline, Round};
use smallvec::SmallVec;

use crate::convert;
use crate::results::ExactLen;
use crate::wait::{self, Attempt};

/// The converted argument lists of one call: each list's original objects,
/// and one [`Entry`] per object (`rlist`'s first, then `wlist`'s, then
/// `xlist`'s), which the core waits on.
struct Watched<'py> {
    objs: [Objs<'py>; 3],
    entries: SmallVec<[Entry; 8]>,
}

/// One argument's objects: on the stack up to four, as heap allocations
/// were a large share of a one-descriptor call (docs/bench.md, "Figures
/// behind choices in the code").
type Objs<'py> = SmallVec<[Bound<'py, PyAny>; 4]>;

const KINDS: [Kind; 3] = [Kind::Read, Kind::Write, Kind::Except];

impl<'py> Watched<'py> {
    /// `seq2set` for the three lists, each converted completely before the
    /// next (calling `fileno()` once per item).
    fn collect(&mut self, lists: [&Bound<'py, PyAny>; 3]) -> PyResult<()> {
        for (k, list) in lists.into_iter().enumerate() {
            // A list that is not a sequence fails only after the lists
            // before it have been converted.
            self.add(
                k,
                &convert::fast_sequence(list, "arguments 1-3 must be sequences")?,
            )?;
        }
        Ok(())
    }

    fn add(&mut self, k: usize, seq: &Bound<'py, PyAny>) -> PyResult<()> {
        let limit = core_select::fd_limit();
        let kind = KINDS[k];
        let len = seq.len().unwrap_or(0);
        let objs = &mut self.objs[k];
        objs.reserve_exact(len);
        let entries = &mut self.entries;
        entries.reserve(len);
        if let Ok(list) = seq.cast::<PyList>() {
            // Converting an exact int runs no Python code, so the list cannot
            // change while the iterator walks it. After any other object (its
            // `fileno()`, or a warning, may run code that changes the list)
            // the rest is read by index with the length read again at every
            // step: a list that shrinks shortens the loop, one that grows
            // lengthens it, as in CPython.
            let mut i = 0;
            for item in list.iter() {
                i += 1;
                match convert::exact_int_fildes(&item) {
                    Some(fd) if i64::from(fd) < limit && room(objs) => {
                        objs.push(item);
                        entries.push(kind.entry(fd));
                    }
                    // Refused ints only fail in `push` (with their message).
                    Some(_) => push(objs, entries, kind, limit, item)?,
                    None => {
                        push(objs, entries, kind, limit, item)?;
                        break;
                    }
                }
            }
            while i < list.len() {
                push(objs, entries, kind, limit, list.get_item(i)?)?;
                i += 1;
            }
        } else {
            let tuple = seq.cast::<PyTuple>().map_err(PyErr::from)?;
            for item in tuple.iter() {
                push(objs, entries, kind, limit, item)?;
            }
        }
        Ok(())
    }

    /// Three new lists of the original objects whose entries are ready, in
    /// input order (the objects are moved, not copied). `ready` is the count
    /// the wait returned: all entries or none need no per-entry look.
    fn ready(&mut self, py: Python<'py>, ready: usize) -> PyResult<Bound<'py, PyTuple>> {
        let all = ready == self.entries.len();
        let mut start = 0;
        let mut list = |k: usize| -> PyResult<Bound<'py, PyList>> {
            let objs = &mut self.objs[k];
            let entries = &self.entries[start..start + objs.len()];
            start += objs.len();
            let count = match ready {
                0 => 0,
                _ if all => objs.len(),
                _ => entries.iter().filter(|e| core_select::is_ready(e)).count(),
            };
            if count == 0 {
                Ok(PyList::empty(py))
            } else if count == objs.len() {
                PyList::new(py, objs.drain(..))
            } else {
                let ready = objs
                    .drain(..)
                    .zip(entries)
                    .filter_map(|(obj, e)| core_select::is_ready(e).then_some(obj));
                PyList::new(py, ExactLen::new(ready, count))
            }
        };
        let (r, w, x) = (list(0)?, list(1)?, list(2)?);
        PyTuple::new(py, [r, w, x])
    }
}

/// Whether a list has room for one more descriptor (`FD_SETSIZE` outside
/// Linux, unlimited on Linux).
#[inline]
fn room(objs: &[Bound<'_, PyAny>]) -> bool {
    core_select::MAX_PER_SET.is_none_or(|max| objs.len() < max)
}

/// Converts one item and records it with its entry.
#[inline]
fn push<'py>(
    objs: &mut Objs<'py>,
    entries: &mut SmallVec<[Entry; 8]>,
    kind: Kind,
    limit: i64,
    item: Bound<'py, PyAny>,
) -> PyResult<()> {
    let fd = convert::fildes(&item)?;
    if i64::from(fd) >= limit {
        return Err(PyValueError::new_err(
            "filedescriptor out of range in select()",
        ));
    }
    if !room(objs) {
        return Err(PyValueError::new_err(
            "too many file descriptors in select()",
        ));
    }
    objs.push(item);
    entries.push(kind.entry(fd));
    Ok(())
}

/// Wait until one or more file descriptors are ready for some kind of I/O.
///
// Docstrings as the running interpreter's: 3.13 hyphenated "floating-point",
// 3.14 re-wrapped them (gh-150285), 3.15 reworded the timeout (gh-67795).
#[cfg_attr(
    not(Py_3_14),
    doc = "The first three arguments are iterables of file descriptors to be waited for:"
)]
#[cfg_attr(
    Py_3_14,
    doc = "The first three arguments are iterables of file descriptors to be waited\nfor:"
)]
/// rlist -- wait until ready for reading
/// wlist -- wait until ready for writing
/// xlist -- wait for an "exceptional condition"
/// If only one kind of condition is required, pass [] for the other lists.
///
/// A file descriptor is either a socket or file object, or a small integer
/// gotten from a fileno() method call on one of those.
///
/// The optional 4th argument specifies a timeout in seconds; it may be
#[cfg_attr(
    not(Py_3_13),
    doc = "a floating point number to specify fractions of seconds.  If it is absent"
)]
#[cfg_attr(
    all(Py_3_13, not(Py_3_15)),
    doc = "a floating-point number to specify fractions of seconds.  If it is absent"
)]
#[cfg_attr(
    Py_3_15,
    doc = "a non-integer to specify fractions of seconds.  If it is absent"
)]
/// or None, the call will never time out.
///
#[cfg_attr(
    not(Py_3_14),
    doc = "The return value is a tuple of three lists corresponding to the first three\narguments; each contains the subset of the corresponding file descriptors\nthat are ready."
)]
#[cfg_attr(
    Py_3_14,
    doc = "The return value is a tuple of three lists corresponding to the first\nthree arguments; each contains the subset of the corresponding file\ndescriptors that are ready."
)]
///
/// On Linux, descriptors above 1023 are accepted (the stdlib module refuses
/// them).
#[allow(clippy::doc_markdown)] // CPython's docstring, as Python shows it
#[pyfunction]
#[pyo3(
    signature = (rlist, wlist, xlist, timeout = None, /),
    text_signature = "($module, rlist, wlist, xlist, timeout=None, /)"
)]
pub fn select<'py>(
    py: Python<'py>,
    rlist: &Bound<'py, PyAny>,
    wlist: &Bound<'py, PyAny>,
    xlist: &Bound<'py, PyAny>,
    timeout: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    // 1. The timeout, before the lists are touched.
    let timeout_ns = match timeout.filter(|t| !t.is_none()) {
        None => None,
        Some(obj) => {
            let ns = convert::timeout_ns(obj, time::NS_PER_SEC, "timeout must be a float or None")?;
            let us = time::ns_to_us(ns, Round::Up);
            if time::us_to_timeval_parts(us).0 < 0 {
                return Err(PyValueError::new_err("timeout must be non-negative"));
            }
            Some(ns)
        }
    };
    let first_timeout = timeout_ns.map(|ns| Micros(time::ns_to_us(ns, Round::Up)));

    // 2. The lists, each converted completely before the next.
    let mut watched = Watched {
        objs: [SmallVec::new(), SmallVec::new(), SmallVec::new()],
        entries: SmallVec::new(),
    };
    watched.collect([rlist, wlist, xlist])?;

    // 3. The wait, without the GIL, retried after signals (PEP 475).
    let deadline = timeout_ns.map(Deadline::after_ns);
    let remaining =
        || deadline.map(|d| Micros(time::ns_to_us(d.remaining_ns().max(0), Round::Ceiling)));
    let entries = &mut watched.entries;
    let ready = wait::run(
        py,
        deadline,
        |attempt| match attempt {
            Attempt::First | Attempt::Again => first_timeout,
            Attempt::Remaining(ns) => Some(Micros(time::ns_to_us(ns, Round::Ceiling))),
        },
        |tv| *tv != Some(Micros(0)),
        |tv| core_select::wait(entries, tv, remaining),
    )
    .map_err(|failed| wait::error(py, failed))?
    // bpo-35310: the deadline passed after a signal; report nothing ready.
    .unwrap_or(0);

    // 4. Three new lists of the original objects, in input order.
    watched.ready(py, ready)
}
