//! The EINTR retry loop against real signals: a helper thread interrupts the
//! waiting thread with `pthread_kill` while it sits in `select(2)`/`poll(2)`.
#![cfg(unix)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rselect_core::intr::{retry, Attempt, Outcome};
use rselect_core::poll::{poll, PollFd};
use rselect_core::select::{select, Micros};
use rselect_core::time::{ns_to_ms, ns_to_us, Round};

static HANDLED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(_: libc::c_int) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

/// Installs a SIGUSR1 handler without `SA_RESTART`, so waits fail with `EINTR`.
fn install_handler() {
    // SAFETY: a zeroed sigaction is valid; the handler only touches an atomic.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as *const () as usize;
        sa.sa_flags = 0;
        libc::sigemptyset(&raw mut sa.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &raw const sa, std::ptr::null_mut()),
            0
        );
    }
}

/// Interrupts the calling thread every `every` until the guard is dropped.
struct Interrupter {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Interrupter {
    fn start(every: Duration) -> Self {
        install_handler();
        // SAFETY: pthread_self has no preconditions.
        let target = unsafe { libc::pthread_self() } as usize;
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let handle = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                std::thread::sleep(every);
                // SAFETY: the target thread outlives this helper (joined on drop).
                unsafe { libc::pthread_kill(target as libc::pthread_t, libc::SIGUSR1) };
            }
        });
        Self {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for Interrupter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            h.join().unwrap();
        }
    }
}

#[test]
fn select_keeps_its_deadline_across_signals() {
    let timeout_ns = 150_000_000;
    let hooks = AtomicUsize::new(0);
    let started = Instant::now();
    let irq = Interrupter::start(Duration::from_millis(10));
    let out = retry::<_, ()>(
        Some(timeout_ns),
        || {
            hooks.fetch_add(1, Ordering::SeqCst);
            Ok(())
        },
        |attempt| {
            let us = match attempt {
                Attempt::First | Attempt::Again => ns_to_us(timeout_ns, Round::Up),
                Attempt::Remaining(ns) => ns_to_us(ns, Round::Ceiling),
            };
            select(0, None, None, None, Some(Micros(us)))
        },
    )
    .unwrap();
    let elapsed = started.elapsed();
    drop(irq);
    assert!(matches!(out, Outcome::Done(0) | Outcome::TimedOut));
    assert!(
        elapsed >= Duration::from_nanos(timeout_ns as u64),
        "{elapsed:?}"
    );
    assert!(
        hooks.load(Ordering::SeqCst) >= 3,
        "signals did interrupt the wait"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn poll_hook_error_ends_the_wait() {
    let started = Instant::now();
    let _irq = Interrupter::start(Duration::from_millis(10));
    let mut fds: [PollFd; 0] = [];
    let out = retry(
        Some(10_000_000_000),
        || Err("handler raised"),
        |attempt| {
            let ms = match attempt {
                Attempt::First | Attempt::Again => 10_000,
                Attempt::Remaining(ns) => ns_to_ms(ns, Round::Ceiling) as i32,
            };
            poll(&mut fds, ms)
        },
    );
    assert!(matches!(
        out,
        Err(rselect_core::intr::RetryError::Hook("handler raised"))
    ));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(HANDLED.load(Ordering::SeqCst) >= 1);
}
