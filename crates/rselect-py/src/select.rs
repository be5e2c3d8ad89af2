//! `select.select(rlist, wlist, xlist, timeout=None, /)`.

use std::os::fd::RawFd;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rselect_core::intr::{self, Attempt, Outcome, RetryError};
use rselect_core::select::{self as core_select, Micros};
use rselect_core::time::{self, Round};
use rselect_core::FdSet;

use crate::convert;
use crate::errors;

/// The items of one argument list with their descriptors, in input order.
struct Watched<'py> {
    items: Vec<(Bound<'py, PyAny>, RawFd)>,
}

impl<'py> Watched<'py> {
    /// `seq2set`: converts every item (calling `fileno()` once each).
    /// `max_fd` is raised to the largest descriptor seen. The bits are set
    /// later by [`fill`](Self::fill), once the size of the sets is known.
    fn collect(arg: &Bound<'py, PyAny>, max_fd: &mut RawFd) -> PyResult<Self> {
        let seq = fast_sequence(arg)?;
        let limit = core_select::fd_limit();
        let mut items = Vec::with_capacity(seq.len().unwrap_or(0));
        let mut add = |item: Bound<'py, PyAny>| -> PyResult<()> {
            let fd = convert::fildes(&item)?;
            if fd >= limit {
                return Err(PyValueError::new_err(
                    "filedescriptor out of range in select()",
                ));
            }
            if core_select::MAX_PER_SET.is_some_and(|max| items.len() >= max) {
                return Err(PyValueError::new_err(
                    "too many file descriptors in select()",
                ));
            }
            *max_fd = (*max_fd).max(fd);
            items.push((item, fd));
            Ok(())
        };
        if let Ok(list) = seq.cast::<PyList>() {
            // The length is read again at every step: a `fileno()` that
            // shrinks the list shortens the loop, as in CPython.
            let mut i = 0;
            while i < list.len() {
                add(list.get_item(i)?)?;
                i += 1;
            }
        } else {
            let tuple = seq.cast::<PyTuple>().map_err(PyErr::from)?;
            for item in tuple.iter() {
                add(item)?;
            }
        }
        Ok(Self { items })
    }

    /// Sets the bit of every item in `set` (room for `nfds` descriptors) and
    /// returns the set for the call: `None` (NULL) for an empty list, as
    /// CPython 3.11+ passes (bpo-40280).
    fn fill<'s>(&self, set: &'s mut FdSet, nfds: usize) -> Option<&'s mut FdSet> {
        if self.items.is_empty() {
            return None;
        }
        set.reserve_nfds(nfds);
        for (_, fd) in &self.items {
            set.insert(*fd);
        }
        Some(set)
    }

    /// A new list of the original objects whose descriptor is in the result
    /// set, in input order (the objects are moved, not copied).
    fn ready(self, py: Python<'py>, set: &FdSet) -> PyResult<Bound<'py, PyList>> {
        if self.items.is_empty() {
            return Ok(PyList::empty(py));
        }
        let ready: Vec<Bound<'py, PyAny>> = self
            .items
            .into_iter()
            .filter_map(|(obj, fd)| set.contains(fd).then_some(obj))
            .collect();
        PyList::new(py, ready)
    }
}

/// `PySequence_Fast`: exact lists and tuples as they are, anything else
/// materialised into a new list first.
fn fast_sequence<'py>(arg: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if arg.is_exact_instance_of::<PyList>() || arg.is_exact_instance_of::<PyTuple>() {
        return Ok(arg.clone());
    }
    let py = arg.py();
    let iter = arg.try_iter().map_err(|e| {
        if e.is_instance_of::<PyTypeError>(py) {
            PyTypeError::new_err("arguments 1-3 must be sequences")
        } else {
            e
        }
    })?;
    py.get_type::<PyList>().call1((iter,))
}

/// Wait until one or more file descriptors are ready for some kind of I/O.
///
/// The first three arguments are iterables of file descriptors to be waited for:
/// rlist -- wait until ready for reading
/// wlist -- wait until ready for writing
/// xlist -- wait for an "exceptional condition"
/// If only one kind of condition is required, pass [] for the other lists.
///
/// A file descriptor is either a socket or file object, or a small integer
/// gotten from a `fileno()` method call on one of those.
///
/// The optional 4th argument specifies a timeout in seconds; it may be
/// a floating-point number to specify fractions of seconds.  If it is absent
/// or None, the call will never time out.
///
/// The return value is a tuple of three lists corresponding to the first three
/// arguments; each contains the subset of the corresponding file descriptors
/// that are ready.
///
/// On Linux, descriptors above 1023 are accepted (the stdlib module refuses
/// them); the cost of a call grows with the highest descriptor, as with the
/// C call.
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
            let ns = convert::pytime(obj, time::NS_PER_SEC, Round::Up).map_err(|e| {
                errors::replace_type_error(py, e, "timeout must be a float or None")
            })?;
            let us = time::ns_to_us(ns, Round::Up);
            if time::us_to_timeval_parts(us).0 < 0 {
                return Err(PyValueError::new_err("timeout must be non-negative"));
            }
            Some(ns)
        }
    };
    let first_timeout = timeout_ns.map(|ns| Micros(time::ns_to_us(ns, Round::Up)));

    // 2. The lists, each converted completely before the next.
    let mut max_fd: RawFd = -1;
    let r = Watched::collect(rlist, &mut max_fd)?;
    let w = Watched::collect(wlist, &mut max_fd)?;
    let x = Watched::collect(xlist, &mut max_fd)?;
    let nfds = max_fd + 1;
    let (mut rs, mut ws, mut xs) = (FdSet::new(), FdSet::new(), FdSet::new());

    // 3. The wait, without the GIL, retried after signals (PEP 475).
    let outcome = {
        let n = nfds as usize;
        let mut sets = (r.fill(&mut rs, n), w.fill(&mut ws, n), x.fill(&mut xs, n));
        intr::retry(
            timeout_ns,
            || py.check_signals(),
            |attempt| {
                let tv = match attempt {
                    Attempt::First | Attempt::Again => first_timeout,
                    Attempt::Remaining(ns) => Some(Micros(time::ns_to_us(ns, Round::Ceiling))),
                };
                let (r, w, x) = (
                    sets.0.as_deref_mut(),
                    sets.1.as_deref_mut(),
                    sets.2.as_deref_mut(),
                );
                py.detach(|| core_select::select(nfds, r, w, x, tv))
            },
        )
    };
    match outcome {
        Ok(Outcome::Done(_)) => {}
        Ok(Outcome::TimedOut) => {
            // bpo-35310: the deadline passed after a signal; report nothing ready.
            for set in [&mut rs, &mut ws, &mut xs] {
                set.clear();
            }
        }
        Err(RetryError::Hook(err)) => return Err(err),
        Err(RetryError::Os(err)) => return Err(errors::os_error(py, &err)),
    }

    // 4. Three new lists of the original objects, in input order.
    PyTuple::new(
        py,
        [r.ready(py, &rs)?, w.ready(py, &ws)?, x.ready(py, &xs)?],
    )
}
