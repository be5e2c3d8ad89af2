//! Interned Python ints for descriptor numbers in results.
//!
//! `poll.poll()` and `epoll.poll()` return `(fd, events)` pairs. CPython
//! makes a new int for every fd above 256 on every call (and frees it when the
//! result goes away): with 1,000 ready descriptors that allocation and release
//! is a fifth of the user-space cost of a call. Descriptor numbers are small
//! and reused, so the ints are made once and kept, the way CPython keeps
//! -5..=256: a process-wide list indexed by fd, grown to the highest fd seen
//! (at most [`LIMIT`] slots; an int is made when its fd is first reported).
//! CPython 3.15 keeps 0..=1024 itself; there the cache starts at 1025
//! (`version::Rules::small_ints_end`).
//!
//! Values are the same; only the identity of the int objects differs (two
//! results now share the same `int` for the same fd), which Python code may
//! not rely on either way. The event masks stay as they were: they are small
//! ints CPython caches already.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;

/// Descriptors at or above this get a fresh int each time (64 Ki slots: at
/// most 0.5 MiB of list and 1.8 MiB of ints).
pub const LIMIT: i32 = 1 << 16;

static CACHE: PyOnceLock<Py<PyList>> = PyOnceLock::new();

/// A process-wide list of objects indexed by descriptor number (`None` in
/// the slots not filled yet), borrowed for one result building: the store
/// of the shared ints here and of the result pairs of [`crate::pairs`].
/// It only grows, so a length read once stays valid while Python code (a
/// finalizer) that grows it runs in between.
pub struct Slots<'py> {
    list: Bound<'py, PyList>,
    len: usize,
}

impl<'py> Slots<'py> {
    /// The list kept in `cell`, made empty on first use.
    pub fn of(py: Python<'py>, cell: &'static PyOnceLock<Py<PyList>>) -> Self {
        let list = cell
            .get_or_init(py, || PyList::empty(py).unbind())
            .bind(py)
            .clone();
        let len = list.len();
        Self { list, len }
    }

    pub fn py(&self) -> Python<'py> {
        self.list.py()
    }

    /// The object in slot `fd` (a descriptor below [`LIMIT`]), if it has one.
    #[inline]
    pub fn get(&self, fd: i32) -> Option<Bound<'py, PyAny>> {
        debug_assert!((0..LIMIT).contains(&fd));
        if fd as usize >= self.len {
            return None;
        }
        crate::pairs::list_item(&self.list, fd as usize).filter(|item| !item.is_none())
    }

    /// Keeps `obj` in slot `fd` (a descriptor below [`LIMIT`]) for later
    /// calls. Failing to (no memory) only means the next call makes it
    /// again.
    pub fn put(&mut self, fd: i32, obj: &Bound<'py, PyAny>) {
        debug_assert!((0..LIMIT).contains(&fd));
        let index = fd as usize;
        if index >= self.len && self.grow(index + 1).is_err() {
            return;
        }
        let _ = self.list.set_item(index, obj);
    }

    fn grow(&mut self, len: usize) -> PyResult<()> {
        let py = self.list.py();
        // Another result building (a finalizer run by the collector while
        // this one allocates) may have grown the list since `of()`.
        self.len = self.list.len();
        while self.len < len {
            self.list.append(py.None())?;
            self.len += 1;
        }
        Ok(())
    }
}

/// The shared ints, borrowed for one result building.
pub struct FdInts<'py> {
    slots: Slots<'py>,
    /// `version::rules().small_ints_end`, read once.
    small_end: i32,
}

impl<'py> FdInts<'py> {
    pub fn get(py: Python<'py>) -> Self {
        Self {
            slots: Slots::of(py, &CACHE),
            small_end: crate::version::rules().small_ints_end,
        }
    }

    /// The cache for the `(fd, events)` results of `poll()` and
    /// `epoll.poll()`, or `None` where fresh ints are cheaper
    /// ([`Rules::share_result_ints`](crate::version::Rules)). The selectors
    /// always use the cache: their dict lookups match by identity.
    pub fn for_results(py: Python<'py>) -> Option<Self> {
        crate::version::rules()
            .share_result_ints
            .then(|| Self::get(py))
    }

    /// Whether `fd` has a slot: descriptors below 257 (1025 on 3.15) are
    /// CPython's own small ints, those at or above [`LIMIT`] are made each
    /// time.
    #[inline]
    pub fn cacheable(fd: i32) -> bool {
        (crate::version::rules().small_ints_end..LIMIT).contains(&fd)
    }

    #[inline]
    fn has_slot(&self, fd: i32) -> bool {
        (self.small_end..LIMIT).contains(&fd)
    }

    /// The int for `fd`: CPython's own for a small `fd`, else the cached
    /// one, else a new one (then cached when [cacheable](Self::cacheable)).
    /// Inlined into the per-event loops: a call per event cost as much as
    /// the lookup itself.
    #[allow(clippy::inline_always)] // measured: see above
    #[inline(always)]
    pub fn int(&mut self, fd: i32) -> PyResult<Bound<'py, PyAny>> {
        if !self.has_slot(fd) {
            return crate::pairs::long(self.slots.py(), i64::from(fd));
        }
        if let Some(int) = self.slots.get(fd) {
            return Ok(int);
        }
        self.make(fd)
    }

    /// A new int for the [cacheable](Self::cacheable) `fd`, kept for later.
    #[cold]
    #[inline(never)]
    fn make(&mut self, fd: i32) -> PyResult<Bound<'py, PyAny>> {
        let int = crate::pairs::long(self.slots.py(), i64::from(fd))?;
        self.slots.put(fd, &int);
        Ok(int)
    }
}
