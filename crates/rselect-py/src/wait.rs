//! The one wait path of the binding: a system call that waits, made under
//! CPython's rules.
//!
//! `select()`, `poll.poll()`, `epoll.poll()`, `devpoll.poll()` and
//! `kqueue.control()` differ in their timeout's unit and in what they build
//! from the result; the rest is this: the call is made with the GIL
//! released when it may block; when a signal interrupts it (`EINTR`), the
//! signal handlers run (an exception they raise ends the wait) and the call
//! is made again with the time left until the deadline (PEP 475); an OS
//! error becomes CPython's `OSError` subclass.

use std::io;

use pyo3::prelude::*;
#[cfg(unix)]
pub use rselect_core::intr::deadline;
pub use rselect_core::intr::Attempt;
use rselect_core::intr::{self, Outcome, RetryError};
use rselect_core::time::Deadline;

use crate::errors;

/// Why a wait ended without a result.
pub type Failed = RetryError<PyErr>;

/// The millisecond timeout rule of `poll(2)`, `epoll_wait(2)` and
/// `/dev/poll`: the value converted at entry, or after `EINTR` the time
/// left rounded with `CEILING`, as CPython's loops do.
#[cfg(unix)]
pub fn millis(first_ms: i32) -> impl Fn(Attempt) -> i32 {
    move |attempt| match attempt {
        Attempt::First | Attempt::Again => first_ms,
        Attempt::Remaining(ns) => i32::try_from(rselect_core::time::ns_to_ms(
            ns,
            rselect_core::time::Round::Ceiling,
        ))
        .unwrap_or(i32::MAX),
    }
}

/// Runs `call` until it is not interrupted: `Some` of its result, or `None`
/// when the deadline passed after a signal (the wait then reports nothing
/// ready, bpo-35310).
///
/// `timeout` is the call's timeout rule: the value handed to `call` for an
/// attempt (the first one, one after a signal without a deadline, or the
/// nanoseconds left until the deadline). A wait for which `may_block` is
/// false never sleeps (a zero timeout: the kernel looks at each descriptor
/// once) and keeps the GIL, which saves the release and re-acquisition that
/// would otherwise dominate the cost of a zero-timeout poll.
///
/// # Errors
/// [`Failed`]: the OS error of the call, or the exception a signal handler
/// raised. [`error`] turns it into the exception to raise.
pub fn run<T, W, C>(
    py: Python<'_>,
    deadline: Option<Deadline>,
    timeout: impl Fn(Attempt) -> W,
    may_block: impl Fn(&W) -> bool,
    mut call: C,
) -> Result<Option<T>, Failed>
where
    // `Send`: what crosses into the call made without the GIL (PyO3's
    // `Ungil`, which every `Send` type is).
    C: FnMut(W) -> io::Result<T> + Send,
    W: Send,
    T: Send,
{
    let outcome = intr::retry_until(
        deadline,
        || py.check_signals(),
        |attempt| {
            let w = timeout(attempt);
            if may_block(&w) {
                let call = &mut call;
                py.detach(move || call(w))
            } else {
                call(w)
            }
        },
    )?;
    Ok(match outcome {
        Outcome::Done(value) => Some(value),
        Outcome::TimedOut => None,
    })
}

/// The exception for a failed wait.
pub fn error(py: Python<'_>, failed: Failed) -> PyErr {
    match failed {
        RetryError::Hook(err) => err,
        RetryError::Os(err) => errors::os_error(py, &err),
    }
}
