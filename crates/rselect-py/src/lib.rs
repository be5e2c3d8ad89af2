//! The Python module `rselect._rselect`: CPython's `select` module on top of
//! `rselect-core`.
//!
//! This crate turns Python objects into plain values with CPython's converters
//! and messages, calls the core, and turns results back into Python objects.
//! It makes no system call itself. `unsafe` is denied everywhere but in
//! [`pairs`], which builds the `(fd, events)` result lists through the C API
//! (see there for the measurement that asked for it).
#![deny(unsafe_code)]

mod convert;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;
mod errors;
mod fdints;
mod floor;
mod gil;
mod pairs;
mod poll;
mod results;
mod select;
mod version;

use pyo3::prelude::*;

/// This module supports asynchronous I/O on multiple file descriptors.
///
/// *** IMPORTANT NOTICE ***
/// On Windows, only sockets are supported; on Unix, all file descriptors.
#[pymodule(gil_used = true)]
mod _rselect {
    use pyo3::exceptions::PyOSError;
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::select::select;

    #[pymodule_export]
    use crate::poll::new_poll;

    #[pymodule_export]
    use crate::floor::_floor;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[pymodule_export]
    use crate::epoll::Epoll;

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
        for name in ["select", "poll"] {
            m.getattr(name)?.setattr("__module__", "select")?;
        }
        crate::add_constants(m)?;
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
#[cfg(any(target_os = "linux", target_os = "android"))]
const LINUX_POLLMSG: libc::c_short = 0x400;

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
        #[cfg(any(target_os = "linux", target_os = "android"))]
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
    #[cfg(any(target_os = "linux", target_os = "android"))]
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
        if crate::version::at_least(3, 14) {
            // gh-127481: exported from CPython 3.14 on.
            m.add("EPOLLWAKEUP", i64::from(libc::EPOLLWAKEUP as u32))?;
        }
    }
    Ok(())
}
