//! A class's attribute version: CPython's `tp_version_tag`, which the
//! interpreter replaces with a new, never reused value whenever the class's
//! own attributes or those of a base class change (it is what its method
//! cache and specialised attribute loads key on). `rselect.selectors` uses it
//! to remember that a selector class does not override a method, without an
//! attribute lookup per call. The limited API (the `abi3` feature) has no
//! such field: there every call looks the attribute up.

#![allow(unsafe_code)]

use pyo3::prelude::*;
use pyo3::types::PyType;

/// `(type object address, tp_version_tag)`; the tag is 0 when the class has
/// none (not yet assigned, or given up after too many changes), and always 0
/// under `abi3`.
#[cfg(not(feature = "abi3"))]
pub fn of(ty: &Bound<'_, PyType>) -> (usize, u32) {
    let raw = ty.as_type_ptr();
    // SAFETY: `ty` keeps the type object alive, so the field is valid for
    // reads; it is aligned (a C `unsigned int`). The interpreter writes it
    // while this thread may read it (without a GIL, in a free-threaded
    // build, where CPython itself reads it atomically), so the read is an
    // atomic one.
    let tag = unsafe {
        std::sync::atomic::AtomicU32::from_ptr(std::ptr::addr_of_mut!((*raw).tp_version_tag))
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    (raw as usize, tag)
}

/// Under the limited API: no tag, nothing to trust.
#[cfg(feature = "abi3")]
pub fn of(ty: &Bound<'_, PyType>) -> (usize, u32) {
    (ty.as_type_ptr() as usize, 0)
}
