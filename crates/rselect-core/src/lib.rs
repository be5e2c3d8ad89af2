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
//! | `poll(2)` | `poll` | every Unix |
//! | `epoll(7)` | `epoll` | Linux, Android |
//! | `kqueue(2)`, `kevent(2)` | `kqueue` | FreeBSD, NetBSD, OpenBSD, `DragonFly`, macOS |
//! | `/dev/poll` | `devpoll` | illumos, Solaris |
//! | `WinSock` `select()` | `select` (`select_windows.rs`) | Windows |
//!
//! What is not a system call is portable and tested everywhere:
//! [`kevent`] (`select.kevent`'s conversions, order and `repr`),
//! `devpoll`'s write queue, [`fdarray`] (`WinSock`'s `fd_set` sized at run
//! time), [`time`] and [`intr`]. (Modules that exist only on some systems are
//! not linked above: these pages are built for one target.)
//!
//! Wrappers return `EINTR` as an error: only [`intr::retry`] retries.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(unix)]
pub(crate) mod sys;

pub mod fdarray;
pub mod intr;
pub mod kevent;
pub mod time;

#[cfg(unix)]
pub mod devpoll;
#[cfg(unix)]
pub mod fdset;
#[cfg(unix)]
pub mod floor;
#[cfg(unix)]
pub mod poll;
#[cfg(unix)]
pub mod select;
#[cfg(windows)]
#[path = "select_windows.rs"]
pub mod select;

#[cfg(linux_like)]
pub mod epoll;

#[cfg(kqueue)]
pub mod kqueue;

#[cfg(unix)]
pub use fdset::FdSet;
