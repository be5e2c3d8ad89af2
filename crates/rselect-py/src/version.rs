//! The version of the interpreter that loaded the module: rselect follows the
//! stdlib of that version where CPython's behaviour changed between releases.

use std::sync::atomic::{AtomicU32, Ordering};

use pyo3::prelude::*;

static VERSION: AtomicU32 = AtomicU32::new(0);

/// Records the running interpreter's `(major, minor)`; called at module init.
pub fn init(py: Python<'_>) {
    let v = py.version_info();
    VERSION.store(
        u32::from(v.major) << 8 | u32::from(v.minor),
        Ordering::Relaxed,
    );
}

/// Whether the running interpreter is at least `major.minor`.
pub fn at_least(major: u8, minor: u8) -> bool {
    VERSION.load(Ordering::Relaxed) >= u32::from(major) << 8 | u32::from(minor)
}
