//! The one place where a C return value of `-1` becomes an [`io::Error`].
//!
//! Every Unix C call of this crate is written `cvt(unsafe { libc::f(...) })`
//! under a `SAFETY` comment (`select_windows.rs` checks `WinSock`'s
//! `SOCKET_ERROR` itself), so backends never compare return values with
//! `-1` themselves and clippy's `undocumented_unsafe_blocks` sees every
//! `unsafe` block at its call site (no macro hides one).

use std::io;

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
