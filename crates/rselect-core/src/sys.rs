//! The one place where a C return value of `-1` becomes an [`io::Error`].
//!
//! Every system call of this crate goes through [`syscall!`], so backends never
//! compare return values with `-1` themselves and `unsafe` stays next to a
//! `SAFETY` comment at the call site.

use std::io;

/// Calls a `libc` function inside `unsafe` and turns a `-1` result into
/// `io::Error::last_os_error()`.
///
/// The caller writes the `SAFETY` comment for the call on the line above the
/// macro invocation: the macro only adds the error conversion.
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        #[allow(unused_unsafe, clippy::undocumented_unsafe_blocks)]
        let res = unsafe { libc::$fn($($arg),*) };
        $crate::sys::cvt(res)
    }};
}
pub(crate) use syscall;

/// Integer results of C calls that signal failure with `-1`.
pub(crate) trait IsMinusOne: Copy {
    fn is_minus_one(self) -> bool;
}

impl IsMinusOne for i32 {
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

impl IsMinusOne for isize {
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

/// `-1` → the calling thread's `errno` as an [`io::Error`]; anything else is returned.
pub(crate) fn cvt<T: IsMinusOne>(res: T) -> io::Result<T> {
    if res.is_minus_one() {
        Err(io::Error::last_os_error())
    } else {
        Ok(res)
    }
}
