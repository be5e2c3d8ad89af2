//! Readiness system calls with `CPython`'s timeout and `EINTR` rules, and no Python.
//!
//! This crate is the operating-system half of `rselect`, a Rust drop-in for
//! Python's `select` module. It wraps each kernel facility in one module, does
//! `CPython`'s timeout arithmetic ([`time`]) and owns the PEP 475 retry policy
//! ([`intr`]). The `PyO3` binding crate turns Python objects into the plain values
//! these functions take.
//!
//! | facility | module | operating systems |
//! | --- | --- | --- |
//! | `select(2)` | [`select`] | every Unix (descriptors above 1023 on Linux) |
//! | `poll(2)` | [`poll`] | every Unix |
//! | `epoll(7)` | `epoll` | Linux, Android |
//!
//! Wrappers return `EINTR` as an error: only [`intr::retry`] retries.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![cfg(unix)]

pub(crate) mod sys;

pub mod fdset;
pub mod floor;
pub mod intr;
pub mod poll;
pub mod select;
pub mod time;

#[cfg(any(target_os = "linux", target_os = "android"))]
pub mod epoll;

pub use fdset::FdSet;
