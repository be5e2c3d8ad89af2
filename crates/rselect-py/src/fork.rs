//! kqueue objects are invalidated in fork children (CPython 3.12.1+,
//! gh-110395): a kernel queue is not inherited by `fork()`, so after
//! `os.fork()` the child marks every open kqueue object closed (without
//! closing its descriptor number, which may already name another file).
//!
//! Objects register a shared descriptor cell here; the first registration
//! installs a `posix.register_at_fork(after_in_child=...)` hook (once: a
//! failure is a `RuntimeWarning`, and is not retried). The registry
//! is only touched with the GIL held, and never across a release of it, so no
//! other thread can hold its lock at the moment the interpreter forks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use pyo3::exceptions::PyRuntimeWarning;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::fdcell::FdCell;
use crate::version;

static TRACKED: Mutex<Vec<Weak<FdCell>>> = Mutex::new(Vec::new());
static HOOKED: AtomicBool = AtomicBool::new(false);

/// Starts tracking `cell` (on 3.12.1 and later; earlier interpreters keep
/// the stale descriptor in the child, as the stock module does).
pub fn track(py: Python<'_>, cell: &Arc<FdCell>) -> PyResult<()> {
    if !version::rules().kqueue_fork_hook {
        return Ok(());
    }
    // One attempt, as the stock module makes: a failure is reported once
    // as a warning and the objects are still tracked.
    if !HOOKED.swap(true, Ordering::Relaxed) {
        if let Err(err) = install_hook(py) {
            // The stock module formats the type with `%S`: "<class '...'>".
            let text = format!(
                "An exception of type {} was raised while registering an after-fork handler for select.kqueue objects: {}",
                err.get_type(py).repr()?,
                err.value(py)
            );
            let text = std::ffi::CString::new(text).unwrap_or_default();
            PyErr::warn(py, &py.get_type::<PyRuntimeWarning>(), &text, 1)?;
        }
    }
    let mut tracked = TRACKED.lock().unwrap_or_else(PoisonError::into_inner);
    tracked.retain(|w| w.strong_count() > 0);
    tracked.push(Arc::downgrade(cell));
    Ok(())
}

/// Stops tracking `cell` (the object was closed or is being dropped).
pub fn untrack(cell: &Arc<FdCell>) {
    let mut tracked = TRACKED.lock().unwrap_or_else(PoisonError::into_inner);
    let target = Arc::downgrade(cell);
    tracked.retain(|w| w.strong_count() > 0 && !w.ptr_eq(&target));
}

fn install_hook(py: Python<'_>) -> PyResult<()> {
    let hook = wrap_pyfunction!(after_fork_child, py)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("after_in_child", hook)?;
    // `posix.register_at_fork`, looked up where the stock module looks.
    py.import("posix")?
        .getattr("register_at_fork")?
        .call((), Some(&kwargs))?;
    Ok(())
}

/// Marks every tracked object closed; runs in the child after `os.fork()`.
#[pyfunction]
fn after_fork_child() {
    let mut tracked = TRACKED.lock().unwrap_or_else(PoisonError::into_inner);
    for cell in tracked.drain(..).filter_map(|w| w.upgrade()) {
        cell.forget();
    }
}
