//! `select.kevent` (and the argument handling of `kqueue.control()`), built
//! on the portable rules of [`rselect_core::kevent`]: compiled on the
//! systems with kqueue, and on Linux in test builds (`--features testing`),
//! where `rselect._rselect._testing` exposes it.

use std::cmp::Ordering;

use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyOverflowError, PyRuntimeWarning, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PyTuple};
use rselect_core::kevent::{ident_from_int, ConvError, Field, Int, KEvent, Layout, SetterRules};
use rselect_core::time;

use crate::{args, convert, version};

const LAYOUT: Layout = Layout::NATIVE;

#[allow(clippy::doc_markdown)] // the Python docstring
/// kevent(ident, filter=KQ_FILTER_READ, flags=KQ_EV_ADD, fflags=0, data=0, udata=0)
///
/// This object is the equivalent of the struct kevent for the C API.
///
/// See the kqueue manpage for more detailed information about the meaning
/// of the arguments.
///
/// One minor note: while you might hope that udata could store a
/// reference to a python object, it cannot, because it is impossible to
/// keep a proper reference count of the object once it's passed into the
/// kernel. Therefore, I have restricted it to only storing an integer.  I
/// recommend ignoring it and simply using the 'ident' field to key off
/// of. You could also set up a dictionary on the python side to store a
/// udata->object mapping.
#[derive(Debug)]
#[pyclass(name = "kevent", module = "select")]
pub struct PyKEvent {
    pub ev: KEvent,
}

/// What `PyMember_SetOne` says when a numeric member is deleted.
fn cannot_delete() -> PyErr {
    PyTypeError::new_err("can't delete numeric/char attribute")
}

fn conv_error(err: ConvError) -> PyErr {
    PyOverflowError::new_err(err.message)
}

/// A Python int (after `__index__` where `index` is set) as an [`Int`].
fn to_int(obj: &Bound<'_, PyAny>, index: bool) -> PyResult<Int> {
    let py = obj.py();
    let int = if index && !obj.is_instance_of::<PyInt>() {
        py.import(pyo3::intern!(py, "operator"))?
            .call_method1(pyo3::intern!(py, "index"), (obj,))?
    } else {
        obj.clone()
    };
    if let Ok(v) = int.extract::<i128>() {
        return Ok(Int::Small(v));
    }
    let negative = int.lt(0)?;
    let low64 = int.bitand(u64::MAX)?.extract::<u64>()?;
    Ok(Int::Big { negative, low64 })
}

/// `Py_TYPE(obj)->tp_name`: the bare name for classes made at run time,
/// `module.name` for static types outside builtins.
fn tp_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    const HEAPTYPE: u64 = 1 << 9;
    if obj.is_none() {
        return Ok("None".into());
    }
    let ty = obj.get_type();
    let name = ty.name()?.to_string();
    let flags: u64 = ty.getattr("__flags__")?.extract()?;
    let module = ty.module()?.to_string();
    Ok(if flags & HEAPTYPE != 0 || module == "builtins" {
        name
    } else {
        format!("{module}.{name}")
    })
}

impl PyKEvent {
    fn init(
        &mut self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        // As `kqueue_event_init`: the defaults first, then each field
        // stored as it is parsed, so a failure leaves the ones before it.
        self.ev = KEvent::defaults(&LAYOUT);
        let mut ident_obj = None;
        let formats = [
            LAYOUT.filter.0,
            LAYOUT.flags.0,
            LAYOUT.fflags.0,
            LAYOUT.data.0,
            LAYOUT.uintptr.0,
        ];
        let ev = &mut self.ev;
        args::parse("kevent", &Layout::KEYWORDS, 1, args, kwargs, |i, v| {
            if i == 0 {
                ident_obj = Some(v.clone());
                return Ok(());
            }
            let format = formats[i - 1];
            let rules = version::rules();
            // 3.14 (gh-132987): `k`/`K` take `__index__` objects too.
            if format.requires_int()
                && !v.is_instance_of::<PyInt>()
                && !(rules.unsigned_index
                    && v.get_type().hasattr(pyo3::intern!(v.py(), "__index__"))?)
            {
                return Err(PyTypeError::new_err(format!(
                    "kevent() argument {} must be int, not {}",
                    i + 1,
                    tp_name(v)?
                )));
            }
            let int = to_int(v, true)?;
            if format.out_of_bit_range(int, LAYOUT.long_bits) {
                convert::warn_out_of_range(v.py())?;
            }
            let bits = format.convert(int, LAYOUT.long_bits).map_err(conv_error)?;
            ev.set(Field::ALL[i], bits);
            Ok(())
        })?;
        let ident = ident_obj.expect("ident is required");
        let converted = if ident.is_instance_of::<PyInt>() {
            ident_from_int(to_int(&ident, false)?, LAYOUT.long_bits).map_err(conv_error)
        } else {
            convert::fildes(&ident).map(|fd| fd as u64)
        };
        // A failed conversion stores its -1 (as size_t / uintptr_t) first.
        self.ev.ident = *converted.as_ref().unwrap_or(&u64::MAX);
        converted.map(|_| ())
    }

    fn get(&self, field: Field) -> i128 {
        self.ev.value(field, &LAYOUT)
    }

    fn set(&mut self, py: Python<'_>, field: Field, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let (minor, micro) = version::rules().minor_micro;
        let rules = SetterRules::of(minor, micro);
        let is_int = value.is_instance_of::<PyInt>();
        let store = field
            .member(&LAYOUT)
            .set(to_int(value, true)?, is_int, rules, LAYOUT.long_bits)
            .map_err(conv_error)?;
        // Stored first, then warned about (a warning turned into an error
        // leaves the new value in place, as in CPython).
        self.ev.set(field, store.bits);
        for text in store.warnings {
            let msg = std::ffi::CString::new(text).expect("no NUL in warnings");
            PyErr::warn(py, &py.get_type::<PyRuntimeWarning>(), &msg, 1)?;
        }
        Ok(())
    }
}

#[pymethods]
#[allow(clippy::unused_self)] // PyO3 deleters take a receiver they do not need
impl PyKEvent {
    /// `tp_new` is CPython's generic one: every field zero, whatever the
    /// arguments; `__init__` parses them (and may run again later).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs), text_signature = None)]
    fn py_new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Self {
            ev: KEvent::default(),
        }
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __init__(
        &mut self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.init(args, kwargs)
    }

    #[getter]
    fn ident(&self) -> i128 {
        self.get(Field::Ident)
    }
    #[setter]
    fn set_ident(&mut self, py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, Field::Ident, v)
    }
    #[deleter]
    fn delete_ident(&self) -> PyResult<()> {
        Err(cannot_delete())
    }
    #[getter]
    fn filter(&self) -> i128 {
        self.get(Field::Filter)
    }
    #[setter]
    fn set_filter(&mut self, py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, Field::Filter, v)
    }
    #[deleter]
    fn delete_filter(&self) -> PyResult<()> {
        Err(cannot_delete())
    }
    #[getter]
    fn flags(&self) -> i128 {
        self.get(Field::Flags)
    }
    #[setter]
    fn set_flags(&mut self, py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, Field::Flags, v)
    }
    #[deleter]
    fn delete_flags(&self) -> PyResult<()> {
        Err(cannot_delete())
    }
    #[getter]
    fn fflags(&self) -> i128 {
        self.get(Field::Fflags)
    }
    #[setter]
    fn set_fflags(&mut self, py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, Field::Fflags, v)
    }
    #[deleter]
    fn delete_fflags(&self) -> PyResult<()> {
        Err(cannot_delete())
    }
    #[getter]
    fn data(&self) -> i128 {
        self.get(Field::Data)
    }
    #[setter]
    fn set_data(&mut self, py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, Field::Data, v)
    }
    #[deleter]
    fn delete_data(&self) -> PyResult<()> {
        Err(cannot_delete())
    }
    #[getter]
    fn udata(&self) -> i128 {
        self.get(Field::Udata)
    }
    #[setter]
    fn set_udata(&mut self, py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, Field::Udata, v)
    }
    #[deleter]
    fn delete_udata(&self) -> PyResult<()> {
        Err(cannot_delete())
    }

    fn __repr__(&self) -> String {
        self.ev.repr(&LAYOUT)
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        let py = other.py();
        let Ok(other) = other.cast::<Self>() else {
            return py.NotImplemented();
        };
        let ord = self.ev.compare(&other.borrow().ev, &LAYOUT);
        let result = match op {
            CompareOp::Lt => ord == Ordering::Less,
            CompareOp::Le => ord != Ordering::Greater,
            CompareOp::Eq => ord == Ordering::Equal,
            CompareOp::Ne => ord != Ordering::Equal,
            CompareOp::Gt => ord == Ordering::Greater,
            CompareOp::Ge => ord != Ordering::Less,
        };
        result
            .into_pyobject(py)
            .unwrap()
            .to_owned()
            .into_any()
            .unbind()
    }
}

/// The arguments of `kqueue.control()` after `CPython`'s checks, in its
/// order (the closed check comes before, from the caller).
#[derive(Debug)]
pub struct ControlArgs {
    /// Copies of the change list's structs.
    pub changes: Vec<KEvent>,
    /// Room for this many events.
    pub maxevents: usize,
    /// The first timeout as `(seconds, nanoseconds)`, `None` for forever.
    pub timeout: Option<(i64, i64)>,
    /// The timeout in nanoseconds (the deadline of the `EINTR` retries).
    pub timeout_ns: Option<i64>,
}

/// Checks and converts `control(changelist, maxevents, timeout)`'s
/// arguments: `maxevents`, then the timeout, then the change list.
pub fn control_args(
    changelist: &Bound<'_, PyAny>,
    maxevents: i32,
    timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<ControlArgs> {
    if maxevents < 0 {
        return Err(PyValueError::new_err(format!(
            "Length of eventlist must be 0 or positive, got {maxevents}"
        )));
    }
    let timeout_ns = match timeout.filter(|t| !t.is_none()) {
        None => None,
        Some(obj) => {
            // Up to 3.14 every conversion error, NaN and overflow included,
            // becomes this TypeError; 3.15 replaces only a TypeError.
            let ns = if version::rules().kqueue_timeout_overflow_passes {
                convert::timeout_ns(obj, time::NS_PER_SEC, "")?
            } else {
                convert::timeout_ns(obj, time::NS_PER_SEC, "").map_err(|_| {
                    PyTypeError::new_err(format!(
                        "timeout argument must be a number or None, got {}",
                        convert::type_name(obj)
                    ))
                })?
            };
            if time::ns_to_sec_nsec(ns).0 < 0 {
                return Err(PyValueError::new_err("timeout must be positive or None"));
            }
            Some(ns)
        }
    };
    let changes = if changelist.is_none() {
        Vec::new()
    } else {
        let seq = convert::fast_sequence(changelist, "changelist is not iterable")?;
        let items: Vec<Bound<'_, PyAny>> = match seq.cast::<PyList>() {
            Ok(list) => list.iter().collect(),
            Err(_) => seq.cast::<PyTuple>().map_err(PyErr::from)?.iter().collect(),
        };
        if items.len() > i32::MAX as usize {
            return Err(PyOverflowError::new_err("changelist is too long"));
        }
        items
            .iter()
            .map(|item| {
                item.cast::<PyKEvent>().map(|k| k.borrow().ev).map_err(|_| {
                    PyTypeError::new_err("changelist must be an iterable of select.kevent objects")
                })
            })
            .collect::<PyResult<_>>()?
    };
    Ok(ControlArgs {
        changes,
        maxevents: maxevents as usize,
        timeout: timeout_ns.map(time::ns_to_sec_nsec),
        timeout_ns,
    })
}

/// New `kevent` objects holding `events` verbatim (no `__init__` run).
pub fn event_list(
    py: Python<'_>,
    events: impl ExactSizeIterator<Item = KEvent>,
) -> PyResult<Bound<'_, PyList>> {
    let objs = events
        .map(|ev| Bound::new(py, PyKEvent { ev }))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, objs)
}
