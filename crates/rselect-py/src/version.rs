//! The version of the interpreter that loaded the module: rselect follows the
//! stdlib of that version where CPython's behaviour changed between releases.

use std::sync::atomic::{AtomicU32, Ordering};

use pyo3::prelude::*;

/// `major << 16 | minor << 8 | micro`.
static VERSION: AtomicU32 = AtomicU32::new(0);

/// Records the running interpreter's `(major, minor, micro)`; called at module init.
pub fn init(py: Python<'_>) {
    let v = py.version_info();
    VERSION.store(
        u32::from(v.major) << 16 | u32::from(v.minor) << 8 | u32::from(v.patch),
        Ordering::Relaxed,
    );
}

/// Whether the running interpreter is at least `major.minor`.
pub fn at_least(major: u8, minor: u8) -> bool {
    at_least_micro(major, minor, 0)
}

/// Whether the running interpreter is at least `major.minor.micro`.
pub fn at_least_micro(major: u8, minor: u8, micro: u8) -> bool {
    VERSION.load(Ordering::Relaxed)
        >= u32::from(major) << 16 | u32::from(minor) << 8 | u32::from(micro)
}

/// `(minor, micro)` of the running interpreter.
#[allow(dead_code)] // used by the kevent attributes (kqueue platforms, test builds)
pub fn minor_micro() -> (u8, u8) {
    let v = VERSION.load(Ordering::Relaxed);
    ((v >> 8) as u8, v as u8)
}
