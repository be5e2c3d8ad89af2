//! `CPython`'s timeout arithmetic (`Python/pytime.c`), without Python objects.
//!
//! `CPython` converts every timeout to signed 64-bit nanoseconds ("`PyTime`") with a
//! rounding mode chosen by the caller, then to the unit of the system call
//! (microseconds for `select(2)`, milliseconds for `poll(2)`/`epoll_wait(2)`,
//! a `timespec` for `kevent(2)`). The same rounding decides whether a tiny
//! positive timeout still sleeps (it does: it never rounds down to zero) and
//! whether a tiny negative one blocks forever, so it is reproduced exactly here.
//!
//! [`Deadline`] is the fixed point in time that PEP 475 retries count down to.

use std::time::{Duration, Instant};

/// Nanoseconds in one second.
pub const NS_PER_SEC: i64 = 1_000_000_000;
/// Nanoseconds in one millisecond.
pub const NS_PER_MS: i64 = 1_000_000;
/// Nanoseconds in one microsecond.
pub const NS_PER_US: i64 = 1_000;

/// Rounding modes of `CPython`'s `_PyTime_round_t` that the `select` module uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceiling,
    /// Away from zero (`_PyTime_ROUND_UP`, alias `_PyTime_ROUND_TIMEOUT`).
    Up,
}

/// Why a value could not become a `PyTime`; each maps to one `CPython` message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// A float that is NaN: `ValueError: Invalid value NaN (not a number)`.
    NotANumber,
    /// A float outside the int64 nanosecond range:
    /// `OverflowError: timestamp out of range for platform time_t`.
    FloatOutOfRange,
    /// An integer whose nanosecond value overflows int64:
    /// `OverflowError: timestamp too large to convert to C _PyTime_t`.
    IntOutOfRange,
}

fn round_f64(x: f64, round: Round) -> f64 {
    match round {
        Round::Floor => x.floor(),
        Round::Ceiling => x.ceil(),
        Round::Up => {
            if x >= 0.0 {
                x.ceil()
            } else {
                x.floor()
            }
        }
    }
}

/// A float count of `unit_ns`-nanosecond units → nanoseconds, like
/// `pytime_from_double`: multiply in double precision, round, then range-check
/// against `[-2**63, 2**63)`.
///
/// # Errors
/// [`TimeError::NotANumber`] for NaN, [`TimeError::FloatOutOfRange`] when the
/// rounded value does not fit in an `i64` (infinities included).
pub fn ns_from_f64(value: f64, unit_ns: i64, round: Round) -> Result<i64, TimeError> {
    if value.is_nan() {
        return Err(TimeError::NotANumber);
    }
    let d = round_f64(value * unit_ns as f64, round);
    // `i64::MIN as f64` is exactly -2**63; the upper bound is exclusive.
    let min = i64::MIN as f64;
    if !(min <= d && d < -min) {
        return Err(TimeError::FloatOutOfRange);
    }
    Ok(d as i64)
}

/// An integer count of `unit_ns`-nanosecond units → nanoseconds
/// (`pytime_mul`), failing on int64 overflow.
///
/// # Errors
/// [`TimeError::IntOutOfRange`] when the product does not fit in an `i64`.
pub fn ns_from_i64(value: i64, unit_ns: i64) -> Result<i64, TimeError> {
    value.checked_mul(unit_ns).ok_or(TimeError::IntOutOfRange)
}

/// Integer division of `ns` by `divisor` with `CPython`'s rounding
/// (`pytime_divide`): `Up` goes away from zero when there is a remainder,
/// `Ceiling` toward +infinity, `Floor` toward -infinity.
#[must_use]
pub fn divide(ns: i64, divisor: i64, round: Round) -> i64 {
    debug_assert!(divisor > 0);
    let q = ns / divisor;
    let r = ns % divisor;
    if r == 0 {
        return q;
    }
    match round {
        // Rust's division truncates toward zero, so the remainder has the sign of `ns`.
        Round::Ceiling => {
            if r > 0 {
                q + 1
            } else {
                q
            }
        }
        Round::Floor => {
            if r < 0 {
                q - 1
            } else {
                q
            }
        }
        Round::Up => {
            if r > 0 {
                q + 1
            } else {
                q - 1
            }
        }
    }
}

/// Nanoseconds → milliseconds (`_PyTime_AsMilliseconds`).
#[must_use]
pub fn ns_to_ms(ns: i64, round: Round) -> i64 {
    divide(ns, NS_PER_MS, round)
}

/// Nanoseconds → microseconds (`_PyTime_AsMicroseconds`).
#[must_use]
pub fn ns_to_us(ns: i64, round: Round) -> i64 {
    divide(ns, NS_PER_US, round)
}

/// Nanoseconds → `(seconds, remainder)` with the remainder in `[0, 1e9)`
/// (floor division, as `_PyTime_AsTimespec` does).
#[must_use]
pub fn ns_to_sec_nsec(ns: i64) -> (i64, i64) {
    (ns.div_euclid(NS_PER_SEC), ns.rem_euclid(NS_PER_SEC))
}

/// Microseconds → `(seconds, microseconds)` with the remainder in `[0, 1e6)`,
/// the normalisation of a `struct timeval`.
#[must_use]
pub fn us_to_timeval_parts(us: i64) -> (i64, i64) {
    (us.div_euclid(1_000_000), us.rem_euclid(1_000_000))
}

/// A point on the monotonic clock by which a wait must end.
///
/// Built once when a waiting call starts; after an interrupted system call the
/// remaining time is recomputed from it, so signals never extend a timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    at: At,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// A zero timeout: due from the start.
    Now,
    Later(Instant),
    /// Too far away for the clock (hundreds of years).
    Never,
}

impl Deadline {
    /// `now + ns` for a non-negative `ns`. A deadline too far away for the
    /// clock (hundreds of years) never arrives.
    ///
    /// A zero (or negative) `ns` reads no clock: such a deadline is due at
    /// once, and [`remaining_ns`](Self::remaining_ns) is negative from the
    /// start. Zero-timeout waits are the hot path of event loops, and a wait
    /// that was interrupted by a signal has, by then, used up a zero timeout
    /// anyway.
    #[must_use]
    pub fn after_ns(ns: i64) -> Self {
        let at = match u64::try_from(ns) {
            Ok(0) | Err(_) => At::Now,
            Ok(ns) => Instant::now()
                .checked_add(Duration::from_nanos(ns))
                .map_or(At::Never, At::Later),
        };
        Self { at }
    }

    /// Nanoseconds left until the deadline: negative once it has passed,
    /// saturating at `i64::MAX` for a deadline that never arrives.
    #[must_use]
    pub fn remaining_ns(&self) -> i64 {
        let at = match self.at {
            At::Now => return -1,
            At::Never => return i64::MAX,
            At::Later(at) => at,
        };
        let now = Instant::now();
        if let Some(left) = at.checked_duration_since(now) {
            i64::try_from(left.as_nanos()).unwrap_or(i64::MAX)
        } else {
            let late = now.duration_since(at).as_nanos();
            // Strictly negative once the deadline is behind us.
            -i64::try_from(late).unwrap_or(i64::MAX).max(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_seconds_round_up_never_to_zero() {
        assert_eq!(ns_from_f64(1e-10, NS_PER_SEC, Round::Up), Ok(1));
        assert_eq!(ns_from_f64(-1e-10, NS_PER_SEC, Round::Up), Ok(-1));
        assert_eq!(ns_from_f64(0.0, NS_PER_SEC, Round::Up), Ok(0));
        assert_eq!(ns_from_f64(-0.0, NS_PER_SEC, Round::Up), Ok(0));
        assert_eq!(ns_from_f64(1.5, NS_PER_SEC, Round::Up), Ok(1_500_000_000));
        assert_eq!(ns_from_f64(0.0001, NS_PER_MS, Round::Up), Ok(100));
    }

    #[test]
    fn float_ceiling_and_floor() {
        assert_eq!(ns_from_f64(-1e-10, NS_PER_SEC, Round::Ceiling), Ok(0));
        assert_eq!(ns_from_f64(1e-10, NS_PER_SEC, Round::Floor), Ok(0));
        assert_eq!(ns_from_f64(-1e-10, NS_PER_SEC, Round::Floor), Ok(-1));
    }

    #[test]
    fn float_errors() {
        assert_eq!(
            ns_from_f64(f64::NAN, NS_PER_SEC, Round::Up),
            Err(TimeError::NotANumber)
        );
        for v in [f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300, 9.3e9] {
            assert_eq!(
                ns_from_f64(v, NS_PER_SEC, Round::Up),
                Err(TimeError::FloatOutOfRange),
                "{v}"
            );
        }
        // -2**63 ns is representable, 2**63 ns is not.
        assert_eq!(
            ns_from_f64(-9_223_372_036.854_776, NS_PER_SEC, Round::Up),
            Ok(i64::MIN)
        );
        assert_eq!(
            ns_from_f64(9_223_372_036.854_776, NS_PER_SEC, Round::Up),
            Err(TimeError::FloatOutOfRange)
        );
    }

    #[test]
    fn int_overflow_edges() {
        assert_eq!(
            ns_from_i64(9_223_372_036, NS_PER_SEC),
            Ok(9_223_372_036_000_000_000)
        );
        assert_eq!(
            ns_from_i64(9_223_372_037, NS_PER_SEC),
            Err(TimeError::IntOutOfRange)
        );
        assert_eq!(
            ns_from_i64(-9_223_372_036, NS_PER_SEC),
            Ok(-9_223_372_036_000_000_000)
        );
        assert_eq!(
            ns_from_i64(9_223_372_036_854, NS_PER_MS),
            Ok(9_223_372_036_854_000_000)
        );
        assert_eq!(
            ns_from_i64(9_223_372_036_855, NS_PER_MS),
            Err(TimeError::IntOutOfRange)
        );
        assert_eq!(ns_from_i64(i64::MIN, 1), Ok(i64::MIN));
        assert_eq!(
            ns_from_i64(i64::MIN, NS_PER_MS),
            Err(TimeError::IntOutOfRange)
        );
    }

    #[test]
    fn division_rounding_edges() {
        // 0, 1 ns, 999_999 ns, one full unit, and the negative mirror images.
        assert_eq!(ns_to_ms(0, Round::Up), 0);
        assert_eq!(ns_to_ms(1, Round::Up), 1);
        assert_eq!(ns_to_ms(999_999, Round::Up), 1);
        assert_eq!(ns_to_ms(1_000_000, Round::Up), 1);
        assert_eq!(ns_to_ms(1_000_001, Round::Up), 2);
        assert_eq!(ns_to_ms(-1, Round::Up), -1);
        assert_eq!(ns_to_ms(-1, Round::Ceiling), 0);
        assert_eq!(ns_to_ms(-999_999, Round::Ceiling), 0);
        assert_eq!(ns_to_ms(-1_000_001, Round::Ceiling), -1);
        assert_eq!(ns_to_ms(-1, Round::Floor), -1);
        assert_eq!(ns_to_ms(999_999, Round::Floor), 0);
        assert_eq!(ns_to_ms(1, Round::Ceiling), 1);
        assert_eq!(ns_to_us(1, Round::Up), 1);
        assert_eq!(ns_to_us(999, Round::Up), 1);
        assert_eq!(ns_to_us(1_001, Round::Up), 2);
        assert_eq!(ns_to_us(-1, Round::Up), -1);
        assert_eq!(ns_to_us(i64::MAX, Round::Up), i64::MAX / 1000 + 1);
        assert_eq!(ns_to_us(i64::MIN, Round::Up), i64::MIN / 1000 - 1);
    }

    #[test]
    fn timeval_and_timespec_are_normalised() {
        assert_eq!(us_to_timeval_parts(-1), (-1, 999_999));
        assert_eq!(us_to_timeval_parts(1_500_000), (1, 500_000));
        assert_eq!(ns_to_sec_nsec(-1), (-1, 999_999_999));
        assert_eq!(ns_to_sec_nsec(2_000_000_001), (2, 1));
    }

    #[test]
    fn deadline_counts_down_and_goes_negative() {
        let d = Deadline::after_ns(50 * NS_PER_MS);
        let left = d.remaining_ns();
        assert!(left > 0 && left <= 50 * NS_PER_MS);
        // A zero timeout is due at once, without waiting for the clock.
        assert!(Deadline::after_ns(0).remaining_ns() < 0);
        let past = Deadline::after_ns(1);
        std::thread::sleep(Duration::from_millis(1));
        assert!(past.remaining_ns() < 0);
        assert!(Deadline::after_ns(i64::MAX).remaining_ns() > 0);
    }
}
