//! [`Exclusive`]: the bookkeeping of one Python object, for the short
//! sections of Rust that read or change it.
//!
//! A `std::sync::Mutex` costs two atomic read-modify-writes per section
//! (about 40 cycles uncontended), which on `poll.register()` +
//! `poll.unregister()` was a tenth of the whole call pair's time on 3.14.
//! With a GIL those atomics buy nothing: every section runs with the GIL
//! held (a [`Python`] token proves it) and calls no Python code and never
//! releases the GIL before it ends (each caller drops its guard before it
//! builds an exception or waits), so no other thread can be inside one at
//! the same time. A plain flag still catches a section entered twice (a
//! bug), with a panic instead of aliased `&mut`. Free-threaded builds have
//! no GIL to rely on and keep the `Mutex`.
#![allow(unsafe_code)]

use std::ops::{Deref, DerefMut};

use pyo3::Python;

#[cfg(not(Py_GIL_DISABLED))]
mod imp {
    use std::cell::{Cell, UnsafeCell};

    pub struct Exclusive<T> {
        pub(super) held: Cell<bool>,
        pub(super) value: UnsafeCell<T>,
    }

    // SAFETY: `value` and `held` are touched only by `Exclusive::lock`'s
    // guard, which needs the GIL; the sections run no Python code and do not
    // release the GIL (this module's contract with its callers), so they
    // never overlap, and `held` catches a section entered from inside
    // another. `T: Send` because the sections run on whichever thread holds
    // the GIL.
    unsafe impl<T: Send> Sync for Exclusive<T> {}
}

#[cfg(Py_GIL_DISABLED)]
mod imp {
    pub struct Exclusive<T> {
        pub(super) value: std::sync::Mutex<T>,
    }
}

/// The bookkeeping of one object: see the module documentation.
pub struct Exclusive<T>(imp::Exclusive<T>);

impl<T: std::fmt::Debug> std::fmt::Debug for Exclusive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exclusive(..)")
    }
}

/// Access to the value until dropped.
pub struct Guard<'a, T> {
    #[cfg(not(Py_GIL_DISABLED))]
    owner: &'a imp::Exclusive<T>,
    #[cfg(Py_GIL_DISABLED)]
    guard: std::sync::MutexGuard<'a, T>,
}

impl<T> Exclusive<T> {
    pub const fn new(value: T) -> Self {
        #[cfg(not(Py_GIL_DISABLED))]
        {
            Self(imp::Exclusive {
                held: std::cell::Cell::new(false),
                value: std::cell::UnsafeCell::new(value),
            })
        }
        #[cfg(Py_GIL_DISABLED)]
        {
            Self(imp::Exclusive {
                value: std::sync::Mutex::new(value),
            })
        }
    }

    /// The value, for a section that calls no Python code and does not
    /// release the GIL until the guard is dropped.
    ///
    /// # Panics
    /// If a section of the same object is already running on this thread
    /// (GIL builds: a bug in the caller).
    #[inline]
    pub fn lock<'a>(&'a self, _py: Python<'_>) -> Guard<'a, T> {
        #[cfg(not(Py_GIL_DISABLED))]
        {
            assert!(!self.0.held.replace(true), "Exclusive section re-entered");
            Guard { owner: &self.0 }
        }
        #[cfg(Py_GIL_DISABLED)]
        {
            Guard {
                // A poisoned lock still holds consistent bookkeeping: no
                // section panics half-way through a change.
                guard: self
                    .0
                    .value
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            }
        }
    }
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        #[cfg(not(Py_GIL_DISABLED))]
        // SAFETY: this guard is the only one (`held`), see `imp`.
        unsafe {
            &*self.owner.value.get()
        }
        #[cfg(Py_GIL_DISABLED)]
        {
            &self.guard
        }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        #[cfg(not(Py_GIL_DISABLED))]
        // SAFETY: this guard is the only one (`held`), see `imp`.
        unsafe {
            &mut *self.owner.value.get()
        }
        #[cfg(Py_GIL_DISABLED)]
        {
            &mut self.guard
        }
    }
}

#[cfg(not(Py_GIL_DISABLED))]
impl<T> Drop for Guard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.owner.held.set(false);
    }
}
