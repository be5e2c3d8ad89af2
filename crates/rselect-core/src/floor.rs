//! The floor of the benchmarks: each scenario's bare system calls in a loop.
//!
//! `python -m rselect bench` shows, next to the stock module and rselect, how
//! long the kernel work of a scenario takes with no Python object in sight:
//! the same calls rselect makes, on the same descriptors, timed here. The
//! difference between a module's time and the floor is its overhead. This is
//! benchmarking support, not an interface of the `select` module (the
//! binding exposes it as the private `_rselect._floor`).

use std::io;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::poll::{self, PollFd};
use crate::select::{self, Kind, Micros};

/// One scenario's system calls, repeated by [`time`].
#[derive(Debug)]
pub enum Op {
    /// `poll(2)` with a zero timeout over `fds`, as a poll object's `poll(0)`.
    Poll(Vec<PollFd>),
    /// rselect's `select()` wait with a zero timeout over entries of one list
    /// ([`select::wait`]: `poll(2)`, plus `select(2)` when it must decide).
    Select(Vec<select::Entry>),
    /// `epoll_wait(2)` with a zero timeout and room for `max` events.
    #[cfg(linux_like)]
    EpollWait {
        /// The epoll descriptor.
        epfd: RawFd,
        /// `maxevents`.
        max: usize,
    },
    /// `EPOLL_CTL_ADD` then `EPOLL_CTL_DEL` of `fd`.
    #[cfg(linux_like)]
    EpollAddDel {
        /// The epoll descriptor.
        epfd: RawFd,
        /// The descriptor added and removed.
        fd: RawFd,
        /// Its event mask.
        events: u32,
    },
    /// `EPOLL_CTL_MOD` of `fd`, alternating between two masks, then (when
    /// `wait_max` is not zero) `epoll_wait(2)` with a zero timeout.
    #[cfg(linux_like)]
    EpollModify {
        /// The epoll descriptor.
        epfd: RawFd,
        /// The registered descriptor modified.
        fd: RawFd,
        /// The two masks.
        masks: [u32; 2],
        /// `maxevents` of the wait after each change; 0 for no wait.
        wait_max: usize,
        /// Which mask the next change sets.
        next: usize,
    },
}

impl Op {
    /// Entries for rselect's `select()` over `fds`, all in `kind`'s list.
    #[must_use]
    pub fn select(kind: Kind, fds: &[RawFd]) -> Self {
        Self::Select(fds.iter().map(|&fd| kind.entry(fd)).collect())
    }

    /// A `pollfd` array over `fds`, each asking for `events`.
    #[must_use]
    pub fn poll(fds: &[RawFd], events: i16) -> Self {
        Self::Poll(
            fds.iter()
                .map(|&fd| PollFd {
                    fd,
                    events,
                    revents: 0,
                })
                .collect(),
        )
    }
}

/// Runs `op` `loops` times and returns the time taken.
///
/// # Errors
/// The first failing call's error (a closed descriptor, `EEXIST`, ...): a
/// floor that did not do its work would be meaningless.
pub fn time(op: &mut Op, loops: u64) -> io::Result<Duration> {
    #[cfg(linux_like)]
    let mut events = crate::epoll::Events::new();
    #[cfg(linux_like)]
    if let Op::EpollWait { max, .. } | Op::EpollModify { wait_max: max, .. } = op {
        events
            .try_reserve(*max)
            .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    }
    let started = Instant::now();
    for _ in 0..loops {
        match op {
            Op::Poll(fds) => {
                poll::poll(fds, 0)?;
            }
            Op::Select(entries) => {
                select::wait(entries, Some(Micros(0)), || Some(Micros(0)))?;
            }
            #[cfg(linux_like)]
            Op::EpollWait { epfd, max } => {
                events.wait(*epfd, *max, 0)?;
            }
            #[cfg(linux_like)]
            Op::EpollAddDel { epfd, fd, events } => {
                use crate::epoll::{ctl_raw, Ctl};
                ctl_raw(*epfd, Ctl::Add, *fd, *events)?;
                ctl_raw(*epfd, Ctl::Delete, *fd, 0)?;
            }
            #[cfg(linux_like)]
            Op::EpollModify {
                epfd,
                fd,
                masks,
                wait_max,
                next,
            } => {
                use crate::epoll::{ctl_raw, Ctl};
                *next ^= 1;
                ctl_raw(*epfd, Ctl::Modify, *fd, masks[*next])?;
                if *wait_max > 0 {
                    events.wait(*epfd, *wait_max, 0)?;
                }
            }
        }
    }
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_and_select_floors_do_their_calls() {
        let (r, w) = {
            let mut fds = [0; 2];
            // SAFETY: a valid array of two ints for pipe(2) to fill.
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            (fds[0], fds[1])
        };
        let mut op = Op::poll(&[r, w], libc::POLLOUT);
        assert!(time(&mut op, 10).is_ok());
        let Op::Poll(fds) = &op else { unreachable!() };
        assert_eq!(fds[1].revents & libc::POLLOUT, libc::POLLOUT);
        let mut op = Op::select(Kind::Write, &[w]);
        assert!(time(&mut op, 10).is_ok());
        // SAFETY: both ends are ours and closed once.
        unsafe {
            libc::close(r);
            libc::close(w);
        }
        // A closed descriptor is an error, not a fast floor.
        let mut op = Op::select(Kind::Read, &[r]);
        assert_eq!(
            time(&mut op, 1).unwrap_err().raw_os_error(),
            Some(libc::EBADF)
        );
    }

    #[cfg(linux_like)]
    #[test]
    fn epoll_floors_do_their_calls() {
        let ep = crate::epoll::Epoll::new().unwrap();
        let epfd = std::os::fd::AsRawFd::as_raw_fd(&ep);
        let mut fds = [0; 2];
        // SAFETY: a valid array of two ints for pipe(2) to fill.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let mut op = Op::EpollAddDel {
            epfd,
            fd: fds[1],
            events: libc::EPOLLOUT as u32,
        };
        time(&mut op, 5).unwrap();
        ep.add(fds[1], libc::EPOLLOUT as u32).unwrap();
        let mut op = Op::EpollModify {
            epfd,
            fd: fds[1],
            masks: [libc::EPOLLIN as u32, libc::EPOLLOUT as u32],
            wait_max: 8,
            next: 0,
        };
        time(&mut op, 5).unwrap();
        let mut op = Op::EpollWait { epfd, max: 8 };
        time(&mut op, 5).unwrap();
        // Adding what is registered fails: the floor reports it.
        let mut op = Op::EpollAddDel {
            epfd,
            fd: fds[1],
            events: 0,
        };
        assert_eq!(
            time(&mut op, 1).unwrap_err().raw_os_error(),
            Some(libc::EEXIST)
        );
        // SAFETY: both ends are ours and closed once.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
}
