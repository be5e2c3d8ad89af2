//! The hot paths of `rselect.selectors` (python/rselect/selectors.py).
//!
//! The stdlib's `selectors` is pure Python: per ready event its `select()`
//! looks the key up in a dict, translates the mask and builds a pair, and
//! `register()` goes through four Python frames and a namedtuple `__new__`.
//! The classes stay in Python (so that subclasses, mocks of `_selector`,
//! `abc` and the per-version details behave as the stdlib's do); their
//! methods call the functions here, which take the same steps in the same
//! order, with the same messages, on the selector's own `_fd_to_key` dict and
//! its poller object.
//!
//! The poller is driven directly when it is one of ours (`select.poll()`,
//! `select.epoll`); anything else (a `unittest.mock` object, a user's own
//! poller) gets the method calls the stdlib makes, with the same arguments.

#[cfg(unix)]
use pyo3::exceptions::PyInterruptedError;
use pyo3::exceptions::{
    PyAttributeError, PyKeyError, PyOSError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFrozenSet, PyInt, PyList, PyString, PyTuple, PyType};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

#[cfg(unix)]
use crate::convert;
#[cfg(linux_like)]
use crate::epoll::Epoll;
#[cfg(unix)]
use crate::fdints::FdInts;
use crate::pairs;
#[cfg(unix)]
use crate::poll::Poll;
use crate::typever;
#[cfg(linux_like)]
use rselect_core::epoll::Ctl;

/// `selectors.EVENT_READ` and `selectors.EVENT_WRITE`.
const EVENT_READ: i64 = 1;
const EVENT_WRITE: i64 = 2;

/// The `SelectorKey` class of `rselect.selectors`, given once by
/// [`_selectors_init`].
static KEY_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `_BaseSelectorImpl._fileobj_lookup` and (up to 3.12)
/// `_BaseSelectorImpl._key_from_fd` of `rselect.selectors`, given once by
/// [`_selectors_init`]: a selector whose class resolves these names to
/// anything else (a subclass's override) gets its own method called where
/// the stdlib calls it.
static BASE_LOOKUP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static BASE_KEY_FROM_FD: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();

/// `SelectorKey` field positions.
const FILEOBJ: usize = 0;
const FD: usize = 1;
const EVENTS: usize = 2;
const DATA: usize = 3;

/// Called once by `rselect.selectors` with its `SelectorKey` class, of
/// which the keys are then made, and its `_BaseSelectorImpl` class, whose
/// `_fileobj_lookup` (and `_key_from_fd`, up to 3.12) the functions here
/// stand for.
#[pyfunction]
pub fn _selectors_init(key_type: &Bound<'_, PyType>, base: &Bound<'_, PyType>) -> PyResult<()> {
    let py = key_type.py();
    // `pairs::tuple_of_type` allocates instances directly: only a tuple
    // subclass without an instance dict and with four fields qualifies.
    let fields = key_type.getattr_opt(intern!(py, "_fields"))?;
    let slots = key_type.getattr_opt(intern!(py, "__slots__"))?;
    let namedtuple = key_type.is_subclass_of::<PyTuple>()?
        && fields.is_some_and(|f| f.len().ok() == Some(4))
        && slots.is_some_and(|s| s.len().ok() == Some(0));
    if !namedtuple {
        return Err(PyTypeError::new_err(
            "SelectorKey must be a 4-field namedtuple",
        ));
    }
    let base_lookup = base.getattr(intern!(py, "_fileobj_lookup"))?.unbind();
    let base_key_from_fd = base
        .getattr_opt(intern!(py, "_key_from_fd"))?
        .map(Bound::unbind);
    // A second call (a reload of rselect.selectors) changes nothing: keys
    // keep the first class, and the reloaded module's selectors take the
    // path of a subclass that overrides its lookups (correct, only slower).
    let _ = KEY_TYPE.set(py, key_type.clone().unbind());
    let _ = BASE_LOOKUP.set(py, base_lookup);
    let _ = BASE_KEY_FROM_FD.set(py, base_key_from_fd);
    Ok(())
}

/// The last selector class found not to override a name, as its type
/// object and `tp_version_tag`. CPython gives a class a new tag whenever its
/// own or a base class's attributes change (and tags are never reused), so
/// a match proves that the class still resolves the name to our base
/// method, without the attribute lookup on every call (docs/bench.md,
/// "Figures behind choices in the code").
///
/// Without a GIL two threads may store different classes at once, and a
/// reader may then see one's type with the other's tag: since a tag belongs
/// to one class only, such a pair matches no class, and the reader only
/// looks the name up again.
struct Verified {
    ty: AtomicUsize,
    tag: AtomicU32,
}

impl Verified {
    const fn new() -> Self {
        Self {
            ty: AtomicUsize::new(0),
            tag: AtomicU32::new(0),
        }
    }

    fn holds(&self, ty: &Bound<'_, PyType>) -> bool {
        let (raw, tag) = typever::of(ty);
        tag != 0
            && self.tag.load(Ordering::Relaxed) == tag
            && self.ty.load(Ordering::Relaxed) == raw
    }

    fn remember(&self, ty: &Bound<'_, PyType>) {
        let (raw, tag) = typever::of(ty);
        if tag != 0 {
            self.ty.store(raw, Ordering::Relaxed);
            self.tag.store(tag, Ordering::Relaxed);
        }
    }
}

static LOOKUP_VERIFIED: Verified = Verified::new();
static KEY_FROM_FD_VERIFIED: Verified = Verified::new();

/// The poller's masks of the selector's class, `_EVENT_READ` and
/// `_EVENT_WRITE`, remembered for the last class by its version tag: two
/// class-attribute lookups through an instance are a large share of what
/// `register()` does in user space besides the system call (docs/bench.md,
/// "Figures behind choices in the code").
struct Masks {
    ty: usize,
    tag: u32,
    read: Py<PyAny>,
    write: Py<PyAny>,
}

static MASKS: Mutex<Option<Masks>> = Mutex::new(None);

/// `(type(selector)._EVENT_READ, type(selector)._EVENT_WRITE)`.
fn class_masks<'py>(
    selector: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let py = selector.py();
    let ty = selector.get_type();
    let masks = || MASKS.lock().unwrap_or_else(PoisonError::into_inner);
    let (raw, tag) = typever::of(&ty);
    if tag != 0 {
        if let Some(m) = masks().as_ref().filter(|m| m.ty == raw && m.tag == tag) {
            return Ok((m.read.bind(py).clone(), m.write.bind(py).clone()));
        }
    }
    let read = ty.getattr(intern!(py, "_EVENT_READ"))?;
    let write = ty.getattr(intern!(py, "_EVENT_WRITE"))?;
    // The lookups gave the class a tag if it had none.
    let (raw, tag) = typever::of(&ty);
    if tag != 0 {
        let entry = Masks {
            ty: raw,
            tag,
            read: read.clone().unbind(),
            write: write.clone().unbind(),
        };
        // The entry replaced is dropped after the lock is released.
        let old = masks().replace(entry);
        drop(old);
    }
    Ok((read, write))
}

/// `selector.<name>` when the selector's class overrides `name` (resolves
/// it to anything but `base`), None when the stdlib's own method would run:
/// then the functions here take its steps themselves.
fn overridden<'py>(
    selector: Option<&Bound<'py, PyAny>>,
    name: &Bound<'py, PyString>,
    base: Option<&Py<PyAny>>,
    verified: &Verified,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let (Some(selector), Some(base)) = (selector, base) else {
        return Ok(None);
    };
    let ty = selector.get_type();
    if verified.holds(&ty) {
        return Ok(None);
    }
    if ty.getattr(name)?.is(base) {
        // The lookup gave the class a tag if it had none.
        verified.remember(&ty);
        return Ok(None);
    }
    selector.getattr(name).map(Some)
}

/// The selector's `_fileobj_lookup` if its class overrides it.
fn lookup_hook<'py>(selector: Option<&Bound<'py, PyAny>>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(sel) = selector else {
        return Ok(None);
    };
    let py = sel.py();
    let base = BASE_LOOKUP.get(py);
    overridden(
        selector,
        intern!(py, "_fileobj_lookup"),
        base,
        &LOOKUP_VERIFIED,
    )
}

/// The selector's `_key_from_fd` if it has one (up to 3.12) and its class
/// overrides it.
fn key_from_fd_hook<'py>(
    selector: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(sel) = selector else {
        return Ok(None);
    };
    let py = sel.py();
    let base = BASE_KEY_FROM_FD.get(py).and_then(Option::as_ref);
    overridden(
        selector,
        intern!(py, "_key_from_fd"),
        base,
        &KEY_FROM_FD_VERIFIED,
    )
}

fn key_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    KEY_TYPE
        .get(py)
        .map(|t| t.bind(py))
        .ok_or_else(|| PyRuntimeError::new_err("rselect.selectors is not initialised"))
}

/// `key.<field>`: the tuple slot for one of our keys, the attribute for
/// anything else a program put in `_fd_to_key`.
fn field<'py>(key: &Bound<'py, PyAny>, index: usize) -> PyResult<Bound<'py, PyAny>> {
    let py = key.py();
    if key.get_type().is(key_type(py)?) {
        // A namedtuple instance always has its four items.
        return key.cast::<PyTuple>()?.get_item(index);
    }
    let name = match index {
        FILEOBJ => intern!(py, "fileobj"),
        FD => intern!(py, "fd"),
        EVENTS => intern!(py, "events"),
        _ => intern!(py, "data"),
    };
    key.getattr(name)
}

/// `bool(key)`, without the call for one of our keys (a 4-tuple).
fn truthy(key: &Bound<'_, PyAny>) -> PyResult<bool> {
    if key.get_type().is(key_type(key.py())?) {
        return Ok(true);
    }
    key.is_truthy()
}

/// `template.format(*args)`: the stdlib's messages, with `{!r}` and `{}` of
/// arbitrary objects formatted exactly as Python formats them.
fn message<'py, A>(py: Python<'py>, template: &str, args: A) -> PyResult<Py<PyAny>>
where
    A: pyo3::call::PyCallArgs<'py>,
{
    Ok(PyString::new(py, template)
        .call_method1(intern!(py, "format"), args)?
        .unbind())
}

/// `raise new from None` while handling `original`.
fn from_none(py: Python<'_>, new: PyErr, original: PyErr) -> PyErr {
    // PyException_SetCause(NULL) also sets __suppress_context__.
    new.set_cause(py, None);
    let _ = new
        .value(py)
        .setattr(intern!(py, "__context__"), original.value(py));
    new
}

/// `KeyError("{fileobj!r} is not registered") from None`, replacing the
/// `KeyError` being handled.
fn not_registered(py: Python<'_>, fileobj: &Bound<'_, PyAny>, original: PyErr) -> PyErr {
    match message(py, "{!r} is not registered", (fileobj,)) {
        Ok(text) => from_none(py, PyKeyError::new_err(text), original),
        Err(err) => err,
    }
}

/// `a != b` as Python evaluates it (`__ne__`, then truth; no identity
/// shortcut), without the calls for two exact ints.
fn differ(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    if a.is_exact_instance_of::<PyInt>() && b.is_exact_instance_of::<PyInt>() {
        if let (Ok(x), Ok(y)) = (a.extract::<i64>(), b.extract::<i64>()) {
            return Ok(x != y);
        }
    }
    a.rich_compare(b, CompareOp::Ne)?.is_truthy()
}

/// `int(fileobj.fileno())`.
fn fileno_int<'py>(fileobj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = fileobj.py();
    let fd = fileobj.call_method0(intern!(py, "fileno"))?;
    if fd.is_exact_instance_of::<PyInt>() {
        Ok(fd)
    } else {
        py.get_type::<PyInt>().call1((fd,))
    }
}

/// `selectors._fileobj_to_fd(fileobj)`.
fn fileobj_to_fd<'py>(fileobj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = fileobj.py();
    let fd = if fileobj.is_instance_of::<PyInt>() {
        fileobj.clone()
    } else {
        match fileno_int(fileobj) {
            Ok(fd) => fd,
            Err(err)
                if err.is_instance_of::<PyAttributeError>(py)
                    || err.is_instance_of::<PyTypeError>(py)
                    || err.is_instance_of::<PyValueError>(py) =>
            {
                let text = message(py, "Invalid file object: {!r}", (fileobj,))?;
                return Err(from_none(py, PyValueError::new_err(text), err));
            }
            Err(err) => return Err(err),
        }
    };
    let negative = match fd.extract::<i64>() {
        Ok(value) if fd.is_exact_instance_of::<PyInt>() => value < 0,
        _ => fd.lt(0)?,
    };
    if negative {
        let text = message(py, "Invalid file descriptor: {}", (&fd,))?;
        return Err(PyValueError::new_err(text));
    }
    Ok(fd)
}

/// `_BaseSelectorImpl._fileobj_lookup(fileobj)`: the descriptor, or for an
/// object that no longer has one, the descriptor it was registered with;
/// with a `hook` (a subclass's override), that.
fn lookup<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    fileobj: &Bound<'py, PyAny>,
    hook: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(hook) = hook {
        return hook.call1((fileobj,));
    }
    let py = fileobj.py();
    match fileobj_to_fd(fileobj) {
        Err(err) if err.is_instance_of::<PyValueError>(py) => {
            // `for key in self._fd_to_key.values()`, with dict iteration's
            // own errors if the search changes the dict.
            let values = fd_to_key.call_method0(intern!(py, "values"))?;
            for key in values.try_iter()? {
                let key = key?;
                if field(&key, FILEOBJ)?.is(fileobj) {
                    return field(&key, FD);
                }
            }
            Err(err)
        }
        result => result,
    }
}

/// `self._fd_to_key[self._fileobj_lookup(fileobj)]` (or, with `take`,
/// `self._fd_to_key.pop(...)`), a `KeyError` from either step becoming
/// "... is not registered".
fn registered_key<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    fileobj: &Bound<'py, PyAny>,
    hook: Option<&Bound<'py, PyAny>>,
    take: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = fileobj.py();
    let found = lookup(fd_to_key, fileobj, hook).and_then(|fd| match fd_to_key.get_item(&fd)? {
        Some(key) => {
            if take {
                fd_to_key.del_item(&fd)?;
            }
            Ok(key)
        }
        None => Err(PyKeyError::new_err(fd.unbind())),
    });
    found.map_err(|err| {
        if err.is_instance_of::<PyKeyError>(py) {
            not_registered(py, fileobj, err)
        } else {
            err
        }
    })
}

/// `(not events) or (events & ~(EVENT_READ | EVENT_WRITE))` raises
/// `ValueError("Invalid events: ...")`.
fn check_events(events: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = events.py();
    let invalid = match events
        .cast::<PyInt>()
        .ok()
        .and_then(|i| i.extract::<i64>().ok())
    {
        // An int, or an int subclass (IntFlag, bool) with int arithmetic.
        Some(value) if !has_own_arithmetic(events) => {
            value == 0 || value & !(EVENT_READ | EVENT_WRITE) != 0
        }
        _ => !events.is_truthy()? || events.bitand(!(EVENT_READ | EVENT_WRITE))?.is_truthy()?,
    };
    if invalid {
        let text = message(py, "Invalid events: {!r}", (events,))?;
        return Err(PyValueError::new_err(text));
    }
    Ok(())
}

/// Whether `value` may answer `&`, `|` or truth in its own way: anything but
/// an exact `int` or `bool` (an `int` subclass may override them), for which
/// Python's operators are then called.
fn has_own_arithmetic(value: &Bound<'_, PyAny>) -> bool {
    !(value.is_exact_instance_of::<PyInt>() || value.is_exact_instance_of::<PyBool>())
}

/// `(events & EVENT_READ and read) | (events & EVENT_WRITE and write)`: the
/// poller's mask for the selector's `events`.
fn poller_events<'py>(
    events: &Bound<'py, PyAny>,
    read: &Bound<'py, PyAny>,
    write: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = events.py();
    if !has_own_arithmetic(events)
        && read.is_exact_instance_of::<PyInt>()
        && write.is_exact_instance_of::<PyInt>()
    {
        if let (Ok(ev), Ok(r), Ok(w)) = (
            events.extract::<i64>(),
            read.extract::<i64>(),
            write.extract::<i64>(),
        ) {
            let r = if ev & EVENT_READ != 0 { r } else { 0 };
            let w = if ev & EVENT_WRITE != 0 { w } else { 0 };
            return Ok(PyInt::new(py, r | w).into_any());
        }
    }
    let part = |bit: i64, value: &Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
        let masked = events.bitand(bit)?;
        Ok(if masked.is_truthy()? {
            value.clone()
        } else {
            masked
        })
    };
    part(EVENT_READ, read)?.bitor(part(EVENT_WRITE, write)?)
}

/// One of the poller's three bookkeeping calls.
#[derive(Clone, Copy)]
enum Op {
    Register,
    Modify,
    Unregister,
}

/// `poller.register(fd, mask)`, `poller.modify(fd, mask)` or
/// `poller.unregister(fd)`: straight to the object when it is one of ours
/// (with the conversions and errors of its methods), a method call otherwise.
fn poller_call(
    poller: &Bound<'_, PyAny>,
    op: Op,
    fd: &Bound<'_, PyAny>,
    mask: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let py = poller.py();
    #[cfg(linux_like)]
    if let Ok(epoll) = poller.cast_exact::<Epoll>() {
        let fd = convert::fildes(fd)?;
        let mask = mask.map(convert::u32_bitwise).transpose()?.unwrap_or(0);
        let ctl = match op {
            Op::Register => Ctl::Add,
            Op::Modify => Ctl::Modify,
            Op::Unregister => Ctl::Delete,
        };
        return epoll.get().ctl(py, ctl, fd, mask);
    }
    #[cfg(unix)]
    if let Ok(poll) = poller.cast_exact::<Poll>() {
        let fd = convert::fildes(fd)?;
        let mask = mask.map(convert::ushort_mask).transpose()?.unwrap_or(0);
        let poll = poll.get();
        return match op {
            Op::Register => {
                poll.register_fd(py, fd, mask);
                Ok(())
            }
            Op::Modify => poll.modify_fd(py, fd, mask),
            Op::Unregister => poll.unregister_fd(py, fd),
        };
    }
    match (op, mask) {
        (Op::Register, Some(mask)) => poller.call_method1(intern!(py, "register"), (fd, mask)),
        (Op::Modify, Some(mask)) => poller.call_method1(intern!(py, "modify"), (fd, mask)),
        _ => poller.call_method1(intern!(py, "unregister"), (fd,)),
    }
    .map(drop)
}

/// The int the dict is keyed by for `fd`: for an exact int in the range of
/// [`FdInts`], the very object `select()` looks descriptors up with, so that
/// those lookups match by identity instead of comparing two equal ints (a
/// third of the per-event cost with 1,000 ready). Equal value, same hash: only
/// the identity of the ints in `_fd_to_key`'s keys differs from the stdlib.
#[cfg_attr(not(unix), allow(clippy::unnecessary_wraps))] // (the cache is unix-only)
fn dict_key<'py>(fd: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    #[cfg(unix)]
    if let Some(raw) = convert::exact_int_fildes(fd) {
        if FdInts::cacheable(raw) {
            return FdInts::get(fd.py()).int(raw);
        }
    }
    Ok(fd.clone())
}

/// `_BaseSelectorImpl.register`: the key, made and stored.
fn base_register<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    fileobj: &Bound<'py, PyAny>,
    hook: Option<&Bound<'py, PyAny>>,
    events: &Bound<'py, PyAny>,
    data: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let py = fileobj.py();
    check_events(events)?;
    let fd = lookup(fd_to_key, fileobj, hook)?;
    let key = pairs::tuple_of_type(
        key_type(py)?,
        [fileobj.clone(), fd.clone(), events.clone(), data.clone()],
    )?;
    if fd_to_key.contains(&fd)? {
        let text = message(py, "{!r} (FD {}) is already registered", (fileobj, &fd))?;
        return Err(PyKeyError::new_err(text));
    }
    fd_to_key.set_item(dict_key(&fd)?, &key)?;
    Ok((key, fd))
}

/// `_BaseSelectorImpl.unregister`: the key, taken out.
fn base_unregister<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    fileobj: &Bound<'py, PyAny>,
    hook: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    registered_key(fd_to_key, fileobj, hook, true)
}

/// `register(fileobj, events, data)` of the selectors: with `poller` None,
/// `_BaseSelectorImpl.register`; with a poller, `_PollLikeSelector.register`
/// (the key is taken back out if the poller refuses the descriptor).
/// `selector` is the selector itself: its class's overrides, and the
/// poller's masks (`_EVENT_READ`, `_EVENT_WRITE`).
#[pyfunction]
pub fn _selector_register<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    poller: Option<&Bound<'py, PyAny>>,
    fileobj: &Bound<'py, PyAny>,
    events: &Bound<'py, PyAny>,
    data: &Bound<'py, PyAny>,
    selector: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let hook = lookup_hook(Some(selector))?;
    let hook = hook.as_ref();
    let (key, fd) = base_register(fd_to_key, fileobj, hook, events, data)?;
    let Some(poller) = poller else {
        return Ok(key);
    };
    // Outside the stdlib's `try`: an error here leaves the key registered.
    let (read, write) = class_masks(selector)?;
    let mask = poller_events(events, &read, &write)?;
    if let Err(err) = poller_call(poller, Op::Register, &fd, Some(&mask)) {
        // `except: super().unregister(fileobj); raise` (any exception).
        base_unregister(fd_to_key, fileobj, hook)?;
        return Err(err);
    }
    Ok(key)
}

/// `unregister(fileobj)`: `_BaseSelectorImpl.unregister` (poller None) or
/// `_PollLikeSelector.unregister`, whose poller may have forgotten a
/// descriptor closed since (its `OSError` is ignored).
#[pyfunction]
#[pyo3(signature = (fd_to_key, poller, fileobj, selector=None))]
pub fn _selector_unregister<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    poller: Option<&Bound<'py, PyAny>>,
    fileobj: &Bound<'py, PyAny>,
    selector: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let key = base_unregister(fd_to_key, fileobj, lookup_hook(selector)?.as_ref())?;
    if let Some(poller) = poller {
        let fd = field(&key, FD)?;
        match poller_call(poller, Op::Unregister, &fd, None) {
            Err(err) if !err.is_instance_of::<PyOSError>(poller.py()) => return Err(err),
            _ => {}
        }
    }
    Ok(key)
}

/// `key._replace(events=events, data=data)`.
fn replaced<'py>(
    key: &Bound<'py, PyAny>,
    events: &Bound<'py, PyAny>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = key.py();
    let ty = key_type(py)?;
    if key.get_type().is(ty) {
        let key = key.cast::<PyTuple>()?;
        return pairs::tuple_of_type(
            ty,
            [
                key.get_item(FILEOBJ)?,
                key.get_item(FD)?,
                events.clone(),
                data.clone(),
            ],
        );
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "events"), events)?;
    kwargs.set_item(intern!(py, "data"), data)?;
    key.call_method(intern!(py, "_replace"), (), Some(&kwargs))
}

/// `_PollLikeSelector.modify(fileobj, events, data)`: the poller's mask
/// changes only when `events` do (and on failure the file object is
/// unregistered, bpo-30014); a new key replaces the old one when either
/// `events` or `data` differ, so a `data`-only change makes no system call.
#[pyfunction]
pub fn _selector_modify<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    poller: &Bound<'py, PyAny>,
    fileobj: &Bound<'py, PyAny>,
    events: &Bound<'py, PyAny>,
    data: &Bound<'py, PyAny>,
    selector: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let hook = lookup_hook(Some(selector))?;
    let hook = hook.as_ref();
    let key = registered_key(fd_to_key, fileobj, hook, false)?;
    let mut changed = false;
    if differ(events, &field(&key, EVENTS)?)? {
        let (read, write) = class_masks(selector)?;
        let mask = poller_events(events, &read, &write)?;
        if let Err(err) = poller_call(poller, Op::Modify, &field(&key, FD)?, Some(&mask)) {
            base_unregister(fd_to_key, fileobj, hook)?;
            return Err(err);
        }
        changed = true;
    }
    if differ(data, &field(&key, DATA)?)? {
        changed = true;
    }
    if !changed {
        return Ok(key);
    }
    let key = replaced(&key, events, data)?;
    fd_to_key.set_item(field(&key, FD)?, &key)?;
    Ok(key)
}

/// `self._fd_to_key[self._fileobj_lookup(fileobj)]`, "... is not
/// registered" otherwise: `BaseSelector.get_key` over the selector's own
/// mapping.
#[pyfunction]
#[pyo3(signature = (fd_to_key, fileobj, selector=None))]
pub fn _selector_get_key<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    fileobj: &Bound<'py, PyAny>,
    selector: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    registered_key(fd_to_key, fileobj, lookup_hook(selector)?.as_ref(), false)
}

/// `_BaseSelectorImpl._fileobj_lookup(fileobj)`.
#[pyfunction]
pub fn _selector_lookup<'py>(
    fd_to_key: &Bound<'py, PyDict>,
    fileobj: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    lookup(fd_to_key, fileobj, None)
}

/// `events & key.events`, `events` being the ready mask (0 to 3).
fn ready_events<'py>(key: &Bound<'py, PyAny>, events: i64) -> PyResult<Bound<'py, PyAny>> {
    let py = key.py();
    let wanted = field(key, EVENTS)?;
    if wanted.is_exact_instance_of::<PyInt>() {
        if let Ok(wanted) = wanted.extract::<i64>() {
            return Ok(PyInt::new(py, events & wanted).into_any());
        }
    }
    PyInt::new(py, events).bitand(wanted)
}

#[cfg(unix)]
/// Appends `(key, events & key.events)` when `fd` has a key; `ty` is
/// `SelectorKey`, whose instances need no attribute lookups. The key is
/// `fd_to_key.get(fd)`, or with a `hook` (a subclass's `_key_from_fd`, up
/// to 3.12) what that returns.
fn push_ready<'py>(
    list: &Bound<'py, PyList>,
    ty: &Bound<'py, PyType>,
    fd_to_key: &Bound<'py, PyDict>,
    hook: Option<&Bound<'py, PyAny>>,
    fd: &Bound<'py, PyAny>,
    events: i64,
) -> PyResult<()> {
    let py = list.py();
    let key = match hook {
        Some(hook) => Some(hook.call1((fd,))?),
        None => fd_to_key.get_item(fd)?,
    };
    let Some(key) = key else {
        return Ok(());
    };
    let ready = if key.get_type().is(ty) {
        // A 4-tuple: true, and its events at a known index.
        let wanted = key.cast::<PyTuple>()?.get_item(EVENTS)?;
        match wanted.extract::<i64>() {
            Ok(value) if wanted.is_exact_instance_of::<PyInt>() => {
                PyInt::new(py, events & value).into_any()
            }
            _ => PyInt::new(py, events).bitand(wanted)?,
        }
    } else if key.is_truthy()? {
        ready_events(&key, events)?
    } else {
        return Ok(());
    };
    list.append(pairs::pair(py, key, ready)?)
}

/// `(event & ~read and EVENT_WRITE) | (event & ~write and EVENT_READ)`: a
/// poller's mask as the selectors' events (anything but the read bit counts
/// as writable, anything but the write bit as readable, errors included).
#[cfg(unix)]
fn selector_events(event: i64, read: i64, write: i64) -> i64 {
    let mut events = 0;
    if event & !read != 0 {
        events |= EVENT_WRITE;
    }
    if event & !write != 0 {
        events |= EVENT_READ;
    }
    events
}

#[cfg(unix)]
/// `[]` for an `InterruptedError` (a signal handler raised it), as the
/// stdlib's `select()` methods answer.
fn interrupted_is_empty<'py>(
    py: Python<'py>,
    result: PyResult<Bound<'py, PyList>>,
) -> PyResult<Bound<'py, PyList>> {
    match result {
        Err(err) if err.is_instance_of::<PyInterruptedError>(py) => Ok(PyList::empty(py)),
        other => other,
    }
}

/// `EpollSelector.select()` after its timeout conversion:
/// `epoll.poll(timeout, maxevents)` and, per event, the key and
/// `((event & ~EPOLLIN and EVENT_WRITE) | (event & ~EPOLLOUT and EVENT_READ))
/// & key.events`.
#[cfg(linux_like)]
#[pyfunction]
#[pyo3(signature = (fd_to_key, epoll, timeout, maxevents, selector=None))]
pub fn _epoll_selector_select<'py>(
    py: Python<'py>,
    fd_to_key: &Bound<'py, PyDict>,
    epoll: &Bound<'py, Epoll>,
    timeout: Option<&Bound<'py, PyAny>>,
    maxevents: i32,
    selector: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let ty = key_type(py)?;
    let result = epoll.get().wait(py, timeout, maxevents, |py, ready| {
        let mut ints = FdInts::get(py);
        let list = PyList::empty(py);
        let hook = if ready.is_empty() {
            None
        } else {
            key_from_fd_hook(selector)?
        };
        for ev in ready {
            let fd = ints.int(ev.u64 as u32 as i32)?;
            let events = selector_events(
                i64::from(ev.events),
                i64::from(libc::EPOLLIN),
                i64::from(libc::EPOLLOUT),
            );
            push_ready(&list, ty, fd_to_key, hook.as_ref(), &fd, events)?;
        }
        Ok(list)
    });
    interrupted_is_empty(py, result)
}

#[cfg(unix)]
/// `_PollLikeSelector.select()` over a `poll()` object, after the timeout
/// conversion: per ready descriptor, the key and
/// `((event & ~read and EVENT_WRITE) | (event & ~write and EVENT_READ))
/// & key.events`, `read` and `write` being the selector class's
/// `_EVENT_READ` and `_EVENT_WRITE`.
#[pyfunction]
pub fn _poll_selector_select<'py>(
    py: Python<'py>,
    fd_to_key: &Bound<'py, PyDict>,
    poll: &Bound<'py, Poll>,
    timeout: Option<&Bound<'py, PyAny>>,
    selector: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let ty = key_type(py)?;
    let result = poll.get().wait(py, timeout, |py, fds, count| {
        let mut ints = FdInts::get(py);
        let list = PyList::empty(py);
        if count == 0 {
            return Ok(list);
        }
        let hook = key_from_fd_hook(Some(selector))?;
        // Read per event in the stdlib (`event & ~self._EVENT_READ`), so only
        // when there are events.
        let (read, write) = class_masks(selector)?;
        let (read, write) = (read.extract::<i64>()?, write.extract::<i64>()?);
        for p in fds.iter().filter(|p| p.revents != 0) {
            let event = i64::from(p.revents as u16);
            let fd = ints.int(p.fd)?;
            let events = selector_events(event, read, write);
            push_ready(&list, ty, fd_to_key, hook.as_ref(), &fd, events)?;
        }
        Ok(list)
    });
    interrupted_is_empty(py, result)
}

/// The loop of `SelectSelector.select()` over what `select()` returned:
/// for each descriptor of `frozenset(r) | frozenset(w)` (in that set's
/// order) that has a key, `(key, ((fd in r and EVENT_READ) | (fd in w and
/// EVENT_WRITE)) & key.events)`.
#[pyfunction]
#[pyo3(signature = (fd_to_key, r, w, selector=None))]
pub fn _select_selector_ready<'py>(
    py: Python<'py>,
    fd_to_key: &Bound<'py, PyDict>,
    r: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
    selector: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let r = py.get_type::<PyFrozenSet>().call1((r,))?;
    let w = py.get_type::<PyFrozenSet>().call1((w,))?;
    let list = PyList::empty(py);
    let ready = r.bitor(&w)?;
    let hook = if ready.is_truthy()? {
        key_from_fd_hook(selector)?
    } else {
        None
    };
    for fd in ready.try_iter()? {
        let fd = fd?;
        let key = match &hook {
            Some(hook) => Some(hook.call1((&fd,))?),
            None => fd_to_key.get_item(&fd)?,
        };
        let Some(key) = key else {
            continue;
        };
        if !truthy(&key)? {
            continue;
        }
        let mut events = 0;
        if r.contains(&fd)? {
            events |= EVENT_READ;
        }
        if w.contains(&fd)? {
            events |= EVENT_WRITE;
        }
        let ready = ready_events(&key, events)?;
        list.append(pairs::pair(py, key, ready)?)?;
    }
    Ok(list)
}
