//! The Python module `rselect._rselect`: CPython's `select` module on top of
//! `rselect-core`.
//!
//! This crate turns Python objects into plain values with CPython's converters
//! and messages, calls the core, and turns results back into Python objects.
//! It makes no system call itself. `unsafe` is denied everywhere but in
//! `pairs`, which builds the `(fd, events)` result lists through the C API
//! and keeps their tuples for reuse (see there for why), `exclusive`, the
//! GIL-held lock of a poll object's registrations, `typever`, which reads a
//! class's attribute version tag, and `fastcall`, the raw entries of the
//! poll/epoll `register`, `modify` and `unregister` methods.
#![deny(unsafe_code)]

#[cfg(kevent_api)]
mod args;
mod convert;
#[cfg(devpoll_api)]
mod devpoll;
mod docs;
#[cfg(linux_like)]
mod epoll;
mod errors;
#[cfg(unix)]
mod exclusive;
#[cfg(all(unix, not(Py_LIMITED_API)))]
mod fastcall;
#[cfg(any(linux_like, kqueue, devpoll_api))]
mod fdcell;
#[cfg(unix)]
mod fdints;
#[cfg(unix)]
mod floor;
#[cfg(kevent_api)]
mod fork;
#[cfg(kevent_api)]
mod kevent;
#[cfg(kqueue)]
mod kqueue;
mod pairs;
#[cfg(unix)]
mod poll;
mod results;
mod select;
mod selectors;
#[cfg(all(unix, feature = "testing"))]
mod testing;
mod typever;
mod version;
mod wait;

#[cfg(windows)]
pub(crate) use rselect_core::select::RawFd;
/// A descriptor as the module handles it (a socket's `int` on Windows).
#[cfg(unix)]
pub(crate) use std::os::fd::RawFd;

use pyo3::prelude::*;

/// This module supports asynchronous I/O on multiple file descriptors.
///
/// *** IMPORTANT NOTICE ***
/// On Windows, only sockets are supported; on Unix, all file descriptors.
// Free-threaded builds (3.14t+) keep running without the GIL: every object
// is safe without it (docs/design.md, "Free-threaded builds").
#[pymodule(gil_used = false)]
mod _rselect {
    use pyo3::exceptions::PyOSError;
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::select::select;

    #[cfg(unix)]
    #[pymodule_export]
    use crate::poll::new_poll;

    #[cfg(unix)]
    #[pymodule_export]
    use crate::floor::_floor;

    #[pymodule_export]
    use crate::selectors::{
        _select_selector_ready, _selector_get_key, _selector_lookup, _selector_modify,
        _selector_register, _selector_unregister, _selectors_init,
    };

    #[cfg(unix)]
    #[pymodule_export]
    use crate::selectors::_poll_selector_select;

    #[cfg(linux_like)]
    #[pymodule_export]
    use crate::selectors::_epoll_selector_select;

    #[cfg(linux_like)]
    #[pymodule_export]
    use crate::epoll::Epoll;

    #[cfg(devpoll)]
    #[pymodule_export]
    use crate::devpoll::new_devpoll;

    #[cfg(kqueue)]
    #[pymodule_export]
    use crate::{kevent::PyKEvent, kqueue::Kqueue};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let py = m.py();
        crate::version::init(py);
        m.add("error", py.get_type::<PyOSError>())?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "_build_profile",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        )?;
        m.add("_abi3", cfg!(feature = "abi3"))?;
        // The stock module's functions say `select`, as its types do (our
        // classes are declared with `module = "select"`): help(), repr() and
        // pickling by reference see the same names.
        for name in ["select", "poll", "devpoll"] {
            if let Some(f) = m.getattr_opt(name)? {
                f.setattr("__module__", "select")?;
            }
        }
        // CPython's Windows module has neither PIPE_BUF nor poll constants.
        #[cfg(unix)]
        crate::add_constants(m)?;
        #[cfg(all(unix, not(Py_LIMITED_API)))]
        crate::poll::install_fast_paths(py)?;
        #[cfg(all(linux_like, not(Py_LIMITED_API)))]
        crate::epoll::install_fast_paths(py)?;
        #[cfg(all(unix, feature = "testing"))]
        crate::testing::add(m)?;
        // PyO3 lists what it adds in `__all__`; the C module has none, and
        // with one `from select import *` would also bring in our private
        // names (`_floor`, `__version__`).
        if m.hasattr("__all__")? {
            m.delattr("__all__")?;
        }
        Ok(())
    }
}

/// `POLLMSG` from Linux's `<asm-generic/poll.h>` (`0x0400`), which the `libc`
/// crate does not declare.
#[cfg(linux_like)]
const LINUX_POLLMSG: libc::c_short = 0x400;

#[cfg(unix)]
fn add_constants(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("PIPE_BUF", libc::PIPE_BUF)?;
    // poll(2): always these six, then the optional ones this platform defines.
    let poll: &[(&str, libc::c_short)] = &[
        ("POLLIN", libc::POLLIN),
        ("POLLPRI", libc::POLLPRI),
        ("POLLOUT", libc::POLLOUT),
        ("POLLERR", libc::POLLERR),
        ("POLLHUP", libc::POLLHUP),
        ("POLLNVAL", libc::POLLNVAL),
        ("POLLRDNORM", libc::POLLRDNORM),
        ("POLLRDBAND", libc::POLLRDBAND),
        ("POLLWRNORM", libc::POLLWRNORM),
        ("POLLWRBAND", libc::POLLWRBAND),
        #[cfg(linux_like)]
        ("POLLMSG", LINUX_POLLMSG),
        #[cfg(any(
            target_os = "linux",
            target_os = "android",
            target_os = "illumos",
            target_os = "freebsd"
        ))]
        ("POLLRDHUP", libc::POLLRDHUP),
    ];
    for (name, value) in poll {
        m.add(*name, i64::from(*value as u16))?;
    }
    #[cfg(linux_like)]
    {
        let epoll: &[(&str, libc::c_int)] = &[
            ("EPOLLIN", libc::EPOLLIN),
            ("EPOLLOUT", libc::EPOLLOUT),
            ("EPOLLPRI", libc::EPOLLPRI),
            ("EPOLLERR", libc::EPOLLERR),
            ("EPOLLHUP", libc::EPOLLHUP),
            ("EPOLLET", libc::EPOLLET),
            ("EPOLLONESHOT", libc::EPOLLONESHOT),
            ("EPOLLEXCLUSIVE", libc::EPOLLEXCLUSIVE),
            ("EPOLLRDHUP", libc::EPOLLRDHUP),
            ("EPOLLRDNORM", libc::EPOLLRDNORM),
            ("EPOLLRDBAND", libc::EPOLLRDBAND),
            ("EPOLLWRNORM", libc::EPOLLWRNORM),
            ("EPOLLWRBAND", libc::EPOLLWRBAND),
            ("EPOLLMSG", libc::EPOLLMSG),
            ("EPOLL_CLOEXEC", libc::EPOLL_CLOEXEC),
        ];
        for (name, value) in epoll {
            // C `long` of an unsigned 32-bit macro: EPOLLET is 2147483648.
            m.add(*name, i64::from(*value as u32))?;
        }
        if crate::version::rules().epollwakeup {
            // gh-127481: exported from CPython 3.14 on.
            m.add("EPOLLWAKEUP", i64::from(libc::EPOLLWAKEUP as u32))?;
        }
    }
    #[cfg(kqueue)]
    add_kqueue_constants(m)?;
    Ok(())
}

/// The `KQ_*` constants: the ones every kqueue system defines (CPython's
/// optional `EVFILT_NETDEV`/`NOTE_LINK*` family exists on none of them today).
#[cfg(kqueue)]
#[allow(deprecated)] // FreeBSD's NOTE_PCTRLMASK, OpenBSD's EV_SYSFLAGS: still defined in C
#[allow(clippy::cast_lossless)] // the C types differ by system (i16, u16, u32)
fn add_kqueue_constants(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let values: &[(&str, i64)] = &[
        ("KQ_FILTER_READ", libc::EVFILT_READ as i64),
        ("KQ_FILTER_WRITE", libc::EVFILT_WRITE as i64),
        ("KQ_FILTER_AIO", libc::EVFILT_AIO as i64),
        ("KQ_FILTER_VNODE", libc::EVFILT_VNODE as i64),
        ("KQ_FILTER_PROC", libc::EVFILT_PROC as i64),
        ("KQ_FILTER_SIGNAL", libc::EVFILT_SIGNAL as i64),
        ("KQ_FILTER_TIMER", libc::EVFILT_TIMER as i64),
        ("KQ_EV_ADD", libc::EV_ADD as i64),
        ("KQ_EV_DELETE", libc::EV_DELETE as i64),
        ("KQ_EV_ENABLE", libc::EV_ENABLE as i64),
        ("KQ_EV_DISABLE", libc::EV_DISABLE as i64),
        ("KQ_EV_ONESHOT", libc::EV_ONESHOT as i64),
        ("KQ_EV_CLEAR", libc::EV_CLEAR as i64),
        ("KQ_EV_SYSFLAGS", libc::EV_SYSFLAGS as i64),
        ("KQ_EV_FLAG1", libc::EV_FLAG1 as i64),
        ("KQ_EV_EOF", libc::EV_EOF as i64),
        ("KQ_EV_ERROR", libc::EV_ERROR as i64),
        ("KQ_NOTE_LOWAT", libc::NOTE_LOWAT as i64),
        ("KQ_NOTE_DELETE", libc::NOTE_DELETE as i64),
        ("KQ_NOTE_WRITE", libc::NOTE_WRITE as i64),
        ("KQ_NOTE_EXTEND", libc::NOTE_EXTEND as i64),
        ("KQ_NOTE_ATTRIB", libc::NOTE_ATTRIB as i64),
        ("KQ_NOTE_LINK", libc::NOTE_LINK as i64),
        ("KQ_NOTE_RENAME", libc::NOTE_RENAME as i64),
        ("KQ_NOTE_REVOKE", libc::NOTE_REVOKE as i64),
        ("KQ_NOTE_EXIT", libc::NOTE_EXIT as i64),
        ("KQ_NOTE_FORK", libc::NOTE_FORK as i64),
        ("KQ_NOTE_EXEC", libc::NOTE_EXEC as i64),
        ("KQ_NOTE_PCTRLMASK", libc::NOTE_PCTRLMASK as i64),
        ("KQ_NOTE_PDATAMASK", libc::NOTE_PDATAMASK as i64),
        ("KQ_NOTE_TRACK", libc::NOTE_TRACK as i64),
        ("KQ_NOTE_CHILD", libc::NOTE_CHILD as i64),
        ("KQ_NOTE_TRACKERR", libc::NOTE_TRACKERR as i64),
    ];
    for (name, value) in values {
        m.add(*name, *value)?;
    }
    Ok(())
}
