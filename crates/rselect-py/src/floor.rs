//! `_rselect._floor`: a benchmark scenario's bare system calls, timed.
//!
//! Private (no stock counterpart, not in `__all__`): `python -m rselect bench`
//! uses it for the floor column. The loop runs in `rselect_core::floor` with
//! the GIL released.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rselect_core::floor::{self, Op};
use rselect_core::select::Kind;

use crate::errors;

/// Nanoseconds per iteration of `op` repeated `loops` times.
///
/// `op` is one of `poll` (`fds`, each asking for `events`), `select-r`,
/// `select-w`, `select-x` (rselect's `select()` wait over `fds` in that
/// list), and on Linux `epoll-wait` (`epfd`, `maxevents`), `epoll-add-del`
/// (`fds[0]` with `events`), `epoll-modify` (`fds[0]`, alternating `events`
/// and `events2`, then a wait for up to `maxevents` when it is not 0).
#[pyfunction]
#[pyo3(signature = (op, loops, fds = Vec::new(), events = 0, epfd = -1, maxevents = 0, events2 = 0))]
#[allow(clippy::too_many_arguments)] // keyword arguments of a private helper
pub fn _floor(
    py: Python<'_>,
    op: &str,
    loops: u64,
    fds: Vec<i32>,
    events: i64,
    epfd: i32,
    maxevents: usize,
    events2: i64,
) -> PyResult<f64> {
    let first = || {
        fds.first()
            .copied()
            .ok_or_else(|| PyValueError::new_err("fds must name a descriptor"))
    };
    let _ = (epfd, maxevents, events2, &first);
    let mut op = match op {
        "poll" => Op::poll(&fds, events as i16),
        "select-r" => Op::select(Kind::Read, &fds),
        "select-w" => Op::select(Kind::Write, &fds),
        "select-x" => Op::select(Kind::Except, &fds),
        #[cfg(linux_like)]
        "epoll-wait" => Op::EpollWait {
            epfd,
            max: maxevents,
        },
        #[cfg(linux_like)]
        "epoll-add-del" => Op::EpollAddDel {
            epfd,
            fd: first()?,
            events: events as u32,
        },
        #[cfg(linux_like)]
        "epoll-modify" => Op::EpollModify {
            epfd,
            fd: first()?,
            masks: [events as u32, events2 as u32],
            wait_max: maxevents,
            next: 0,
        },
        other => return Err(PyValueError::new_err(format!("unknown floor op {other:?}"))),
    };
    let loops = loops.max(1);
    let took = py
        .detach(|| floor::time(&mut op, loops))
        .map_err(|e| errors::os_error(py, &e))?;
    Ok(took.as_nanos() as f64 / loops as f64)
}
