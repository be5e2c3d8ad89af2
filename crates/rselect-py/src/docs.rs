//! Docstring lines that differ between CPython releases, chosen when the
//! wheel is built for one interpreter (`Py_3_X` cfgs; an abi3 build has the
//! 3.10 forms). 3.14 re-wrapped several (gh-150285), 3.15 reworded the
//! timeouts (gh-67795). Methods take them as `#[doc = crate::docs::name!()]`:
//! PyO3 reads a method's docs before `cfg_attr` is expanded.
#![allow(unused_macros)] // poll and epoll exist on some platforms only

#[cfg(not(Py_3_14))]
macro_rules! poll_returns {
    () => {
        "Returns a list containing any descriptors that have events or errors to\nreport, as a list of (fd, event) 2-tuples."
    };
}
#[cfg(Py_3_14)]
macro_rules! poll_returns {
    () => {
        "Returns a list containing any descriptors that have events or errors\nto report, as a list of (fd, event) 2-tuples."
    };
}
#[cfg(unix)]
pub(crate) use poll_returns;

#[cfg(not(Py_3_14))]
macro_rules! epoll_returns {
    () => {
        "Returns a list containing any descriptors that have events to report,\nas a list of (fd, events) 2-tuples."
    };
}
#[cfg(Py_3_14)]
macro_rules! epoll_returns {
    () => {
        "Returns a list containing any descriptors that have events to\nreport, as a list of (fd, events) 2-tuples."
    };
}
#[cfg(linux_like)]
pub(crate) use epoll_returns;

#[cfg(not(Py_3_15))]
macro_rules! epoll_timeout {
    () => {
        "    the maximum time to wait in seconds (as float);"
    };
}
#[cfg(Py_3_15)]
macro_rules! epoll_timeout {
    () => {
        "    the maximum time to wait in seconds (with fractions);"
    };
}
#[cfg(linux_like)]
pub(crate) use epoll_timeout;
