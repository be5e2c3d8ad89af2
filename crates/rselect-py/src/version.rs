//! Where CPython's `select` module changed between releases, in one table.
//!
//! rselect follows the stock module of the interpreter that loads it. Every
//! behaviour that differs by version is a field of [`Rules`], set in
//! [`Rules::of`] from the version read at module init, with the CPython
//! change that introduced it: a new CPython release is one place to edit.
//! Code elsewhere asks `version::rules().field`, never for a version number.
//!
//! Two per-version differences are decided at compile time instead, because
//! wheels are built per interpreter (docs/abi3.md) and PyO3 fixes them when
//! it creates the types: the docstrings that 3.13, 3.14 and 3.15 reworded
//! (`docs.rs` for methods, `cfg_attr(Py_3_14, doc = ...)` on functions) and
//! the immutable `poll`/`epoll` types of 3.15 (`cfg_attr(Py_3_15,
//! pyclass(immutable_type))`). An abi3 build keeps the 3.10 forms of both.
//! Micro releases are not told apart there: gh-150285 re-wrapped some
//! docstrings in 3.14 and in a later 3.13 micro release too; the 3.13
//! build keeps 3.13.0's wrapping.

use std::sync::OnceLock;

use pyo3::prelude::*;

/// The behaviour of one CPython release, as far as it differs from others.
#[allow(clippy::struct_excessive_bools)] // a table of independent switches
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// `(minor, micro)` of the running `3.x` interpreter.
    pub minor_micro: (u8, u8),
    /// `OverflowError` text of a float timeout out of range (3.10 says what
    /// an int says; 3.11 `platform time_t`; 3.14 one text for both).
    pub float_timeout_overflow: &'static str,
    /// `OverflowError` text of an int timeout out of range (`_PyTime_t` up to
    /// 3.12, `PyTime_t` in 3.13, `out of range for C PyTime_t` from 3.14).
    pub int_timeout_overflow: &'static str,
    /// 3.13 (gh-82626): `RuntimeWarning: bool is used as a file descriptor`.
    pub bool_fd_warns: bool,
    /// 3.13: `f() got an unexpected keyword argument 'k'` (was `'k' is an
    /// invalid keyword argument for f()`).
    pub new_keyword_message: bool,
    /// 3.12: the devpoll short-write message points to GitHub's tracker.
    pub github_tracker: bool,
    /// 3.12.1 (gh-110395): kqueue objects are closed in a forked child.
    pub kqueue_fork_hook: bool,
    /// 3.14 (gh-132987): unsigned converters take `__index__` objects and
    /// say `Cannot convert negative int` (poll/devpoll event masks).
    pub unsigned_index: bool,
    /// 3.14 (gh-127481): `select.EPOLLWAKEUP`.
    pub epollwakeup: bool,
    /// 3.15 (gh-67795): timeouts take any real number (`__float__`), and the
    /// `TypeError` says `timeout must be a real number or None, not T`.
    pub real_timeouts: bool,
    /// Where CPython's own cache of small ints ends (-5..=256; 3.15 keeps
    /// 0..=1024): smaller descriptor ints need no cache of ours
    /// (`fdints.rs`), and making them costs almost nothing.
    pub small_ints_end: i32,
    /// Whether `poll()`/`epoll.poll()` results share one int per descriptor
    /// (`fdints.rs`). Not from 3.15, which makes ints above 1024 from a free
    /// list: a fresh int and its release cost fewer user-space instructions
    /// than the cache's lookup (docs/bench.md, "Figures behind choices in
    /// the code"). Not a change of
    /// CPython's behaviour: of rselect's cost model for it.
    pub share_result_ints: bool,
    /// 3.15 (gh-142434): `poll.poll()` waits with `ppoll(2)` where the
    /// system has it: nanosecond timeouts, no C `int` range limit.
    pub ppoll: bool,
    /// 3.15: a `fileno()` returning a non-int says `T.fileno() must return
    /// an int, not U` (was `fileno() returned a non-integer`).
    pub fileno_names_types: bool,
    /// 3.15 (gh-146205): `close()` of epoll/kqueue/devpoll reports the
    /// error of `close(2)` (`EBADF` for a descriptor closed behind its back).
    pub close_reports_errors: bool,
    /// 3.15 (gh-132629): a bitwise unsigned argument that fits neither the
    /// unsigned nor the signed C type warns `integer value out of range`
    /// (epoll event masks, kevent fields).
    pub bitwise_range_warns: bool,
    /// 3.15 (gh-154836): `kqueue.control` replaces only a `TypeError` of its
    /// timeout with its own message; an `OverflowError` passes.
    pub kqueue_timeout_overflow_passes: bool,
}

impl Rules {
    /// The rules of CPython `3.minor.micro`.
    #[must_use]
    pub const fn of(minor: u8, micro: u8) -> Self {
        Self {
            minor_micro: (minor, micro),
            float_timeout_overflow: match minor {
                ..=10 => "timestamp too large to convert to C _PyTime_t",
                11..=13 => "timestamp out of range for platform time_t",
                _ => "timestamp out of range for C PyTime_t",
            },
            int_timeout_overflow: match minor {
                ..=12 => "timestamp too large to convert to C _PyTime_t",
                13 => "timestamp too large to convert to C PyTime_t",
                _ => "timestamp out of range for C PyTime_t",
            },
            bool_fd_warns: minor >= 13,
            new_keyword_message: minor >= 13,
            github_tracker: minor >= 12,
            kqueue_fork_hook: minor > 12 || (minor == 12 && micro >= 1),
            unsigned_index: minor >= 14,
            epollwakeup: minor >= 14,
            real_timeouts: minor >= 15,
            small_ints_end: if minor >= 15 { 1025 } else { 257 },
            share_result_ints: minor < 15,
            ppoll: minor >= 15 && cfg!(ppoll),
            fileno_names_types: minor >= 15,
            close_reports_errors: minor >= 15,
            bitwise_range_warns: minor >= 15,
            kqueue_timeout_overflow_passes: minor >= 15,
        }
    }
}

static RULES: OnceLock<Rules> = OnceLock::new();

/// Records the running interpreter's rules; called at module init.
pub fn init(py: Python<'_>) {
    let v = py.version_info();
    RULES.get_or_init(|| Rules::of(v.minor, v.patch));
}

/// The rules of the running interpreter.
#[inline]
pub fn rules() -> &'static Rules {
    // Set at module init, before any function of the module can run.
    RULES.get_or_init(|| Rules::of(10, 0))
}
