//! [`FdCell`]: the descriptor an `epoll`, `kqueue` or `devpoll` object owns,
//! shared between threads and closed once.
//!
//! An atomic rather than a lock: every method only needs the number (the
//! kernel resolves it), and closing swaps in [`CLOSED`] exactly once. A wait
//! that runs without the GIL while another thread closes the object sees
//! what the C module's would: `EBADF`, or a wait the kernel finishes on the
//! instance it already holds.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};

use pyo3::prelude::*;

use crate::errors;
use crate::RawFd;

/// The value of a closed cell.
pub const CLOSED: RawFd = -1;

/// A descriptor owned by one Python object: see the module documentation.
#[derive(Debug)]
pub struct FdCell {
    fd: AtomicI32,
    /// The object's name in "I/O operation on closed {kind} object".
    kind: &'static str,
    /// Closes a descriptor taken out of the cell.
    close: fn(RawFd) -> io::Result<()>,
}

impl FdCell {
    /// A cell owning `fd`, which `close` closes.
    pub const fn new(fd: RawFd, kind: &'static str, close: fn(RawFd) -> io::Result<()>) -> Self {
        Self {
            fd: AtomicI32::new(fd),
            kind,
            close,
        }
    }

    /// The descriptor, or `ValueError: I/O operation on closed ... object`.
    #[inline]
    pub fn get(&self) -> PyResult<RawFd> {
        self.peek().ok_or_else(|| errors::closed(self.kind))
    }

    /// The descriptor, `None` once closed.
    #[inline]
    pub fn peek(&self) -> Option<RawFd> {
        match self.fd.load(Ordering::Acquire) {
            CLOSED => None,
            fd => Some(fd),
        }
    }

    /// Whether the object was closed (the `closed` attribute).
    pub fn is_closed(&self) -> bool {
        self.peek().is_none()
    }

    /// Marks the cell closed without closing the descriptor (a kqueue in a
    /// fork child, whose number may already name another file).
    #[cfg(kevent_api)]
    pub fn forget(&self) {
        self.fd.store(CLOSED, Ordering::Release);
    }

    /// `close()`: closes the descriptor without the GIL, the first time
    /// only, with CPython's errors (`errors::close_result`).
    pub fn close(&self, py: Python<'_>) -> PyResult<()> {
        match self.take() {
            Some(fd) => {
                let close = self.close;
                errors::close_result(py, py.detach(move || close(fd)))
            }
            None => Ok(()),
        }
    }

    fn take(&self) -> Option<RawFd> {
        match self.fd.swap(CLOSED, Ordering::AcqRel) {
            CLOSED => None,
            fd => Some(fd),
        }
    }
}

impl Drop for FdCell {
    fn drop(&mut self) {
        if let Some(fd) = self.take() {
            let _ = (self.close)(fd);
        }
    }
}
