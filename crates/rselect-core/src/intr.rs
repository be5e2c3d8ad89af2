//! The PEP 475 retry policy, in one function.
//!
//! The single-call wrappers of this crate return `EINTR` to their caller
//! unchanged. [`retry`] owns the policy of `CPython`'s waiting calls: after an
//! interrupted call it runs a hook (the binding runs the Python signal
//! handlers there, and a handler's exception ends the wait), then either
//! gives up because the deadline has passed or calls again with the time that
//! is left, measured against a deadline fixed when the wait started.

use std::io;

use crate::time::Deadline;

/// What the next attempt of a waiting call should wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The first call: use the timeout the caller converted at entry.
    First,
    /// A call after `EINTR` with a deadline: wait at most this many
    /// nanoseconds (always `>= 0`). `CPython` rounds this value with
    /// `CEILING` when converting it to the call's unit.
    Remaining(i64),
    /// A call after `EINTR` without a deadline: wait as the first call did.
    Again,
}

/// How a waiting call ended.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The system call returned this value (or failed with an error other
    /// than `EINTR`, see [`retry`]'s result).
    Done(T),
    /// A retry was due but the deadline had passed: report "nothing ready".
    TimedOut,
}

/// Error of [`retry`]: either the hook's own error or the call's `io::Error`.
#[derive(Debug)]
pub enum RetryError<E> {
    /// The system call failed with something other than `EINTR`.
    Os(io::Error),
    /// The interrupt hook failed (a Python signal handler raised).
    Hook(E),
}

/// Calls `call` until it returns something other than `EINTR`.
///
/// `deadline_ns` is the timeout in nanoseconds when the wait is bounded
/// (`Some(ns)` with `ns >= 0`); `None` means no deadline (an infinite wait, or
/// a negative poll/epoll timeout). The deadline is armed before the first call.
///
/// After each `EINTR`, `on_interrupt` runs first; its error ends the loop.
/// Then, with a deadline, the remaining time is recomputed: a negative value
/// ends the loop with [`Outcome::TimedOut`], otherwise `call` runs again with
/// [`Attempt::Remaining`].
///
/// # Errors
/// [`RetryError::Hook`] with the hook's error, [`RetryError::Os`] with the
/// call's non-`EINTR` error.
pub fn retry<T, E>(
    deadline_ns: Option<i64>,
    on_interrupt: impl FnMut() -> Result<(), E>,
    call: impl FnMut(Attempt) -> io::Result<T>,
) -> Result<Outcome<T>, RetryError<E>> {
    retry_until(deadline(deadline_ns), on_interrupt, call)
}

/// The deadline of a timeout in nanoseconds, armed now: none for `None` or
/// a negative timeout (an infinite wait).
#[must_use]
pub fn deadline(timeout_ns: Option<i64>) -> Option<Deadline> {
    timeout_ns.filter(|ns| *ns >= 0).map(Deadline::after_ns)
}

/// [`retry`] against a deadline the caller has armed already (because it
/// needs the same deadline for its own use, as `select()` does when it hands a
/// wait from `poll(2)` to `select(2)`).
///
/// # Errors
/// As [`retry`].
pub fn retry_until<T, E>(
    deadline: Option<Deadline>,
    mut on_interrupt: impl FnMut() -> Result<(), E>,
    mut call: impl FnMut(Attempt) -> io::Result<T>,
) -> Result<Outcome<T>, RetryError<E>> {
    let mut attempt = Attempt::First;
    loop {
        match call(attempt) {
            Ok(value) => return Ok(Outcome::Done(value)),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(RetryError::Os(err)),
        }
        on_interrupt().map_err(RetryError::Hook)?;
        attempt = match deadline {
            None => Attempt::Again,
            Some(deadline) => {
                let left = deadline.remaining_ns();
                if left < 0 {
                    return Ok(Outcome::TimedOut);
                }
                Attempt::Remaining(left)
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eintr() -> io::Error {
        // By kind, not by a Unix errno: Windows reads no errno as EINTR.
        io::Error::from(io::ErrorKind::Interrupted)
    }

    #[test]
    fn retries_until_success_and_runs_hook_each_time() {
        let mut calls = Vec::new();
        let mut hooks = 0;
        let out = retry::<_, ()>(
            None,
            || {
                hooks += 1;
                Ok(())
            },
            |a| {
                calls.push(a);
                if calls.len() < 3 {
                    Err(eintr())
                } else {
                    Ok(7)
                }
            },
        );
        assert!(matches!(out, Ok(Outcome::Done(7))));
        assert_eq!(hooks, 2);
        assert_eq!(calls, [Attempt::First, Attempt::Again, Attempt::Again]);
    }

    #[test]
    fn hook_error_stops_at_once() {
        let mut n = 0;
        let out = retry(
            Some(10_000_000_000),
            || Err("handler raised"),
            |_| -> io::Result<()> {
                n += 1;
                Err(eintr())
            },
        );
        assert!(matches!(out, Err(RetryError::Hook("handler raised"))));
        assert_eq!(n, 1);
    }

    #[test]
    fn other_errors_pass_through() {
        let out = retry::<(), ()>(None, || Ok(()), |_| Err(io::Error::from_raw_os_error(9)));
        match out {
            Err(RetryError::Os(e)) => assert_eq!(e.raw_os_error(), Some(9)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn remaining_time_shrinks_and_deadline_ends_the_loop() {
        let mut seen = Vec::new();
        let out = retry::<(), ()>(
            Some(20_000_000),
            || {
                std::thread::sleep(std::time::Duration::from_millis(8));
                Ok(())
            },
            |a| {
                seen.push(a);
                Err(eintr())
            },
        );
        assert!(matches!(out, Ok(Outcome::TimedOut)));
        assert_eq!(seen[0], Attempt::First);
        let rem: Vec<i64> = seen[1..]
            .iter()
            .map(|a| match a {
                Attempt::Remaining(ns) => *ns,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(!rem.is_empty());
        assert!(rem.windows(2).all(|w| w[1] < w[0]), "{rem:?}");
        assert!(rem.iter().all(|ns| (0..=20_000_000).contains(ns)));
    }

    #[test]
    fn negative_deadline_means_no_deadline() {
        let mut seen = Vec::new();
        let _ = retry::<(), ()>(
            Some(-1),
            || Ok(()),
            |a| {
                seen.push(a);
                if seen.len() == 2 {
                    Ok(())
                } else {
                    Err(eintr())
                }
            },
        );
        assert_eq!(seen, [Attempt::First, Attempt::Again]);
    }
}
