//! When to let go of the GIL around a system call.

use pyo3::marker::Ungil;
use pyo3::Python;

/// Runs `call` without the GIL when it may block, with the GIL otherwise.
///
/// `CPython` releases the GIL around every wait. A wait with a zero timeout
/// never sleeps: the kernel looks at each descriptor once and returns, so
/// keeping the GIL costs other threads no more than any other short C call,
/// and saves the release and re-acquisition (a mutex, a condition variable
/// and, with a waiting thread, a wake-up) that would otherwise dominate the
/// cost of `epoll.poll(0)`.
#[inline]
pub fn wait<T, F>(py: Python<'_>, may_block: bool, call: F) -> T
where
    F: Ungil + FnOnce() -> T,
    T: Ungil,
{
    if may_block {
        py.detach(call)
    } else {
        call()
    }
}
