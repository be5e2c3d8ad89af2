//! `select.kevent` without the kernel: the fields of a `struct kevent` in
//! portable form, and `CPython`'s rules for filling, comparing and printing
//! them, for each operating system's field widths.
//!
//! Nothing here calls the kernel, so all of it is compiled and unit-tested on
//! Linux; the `kqueue` module (BSDs, macOS) turns a [`KEvent`] into the C
//! struct.
//!
//! Two sets of integer rules meet in `select.kevent`:
//! - the constructor parses its arguments with `PyArg_ParseTupleAndKeywords`
//!   format units (`h`, `H`, `I`, `L`, `K`, ...): [`Format`];
//! - the attributes are `PyMemberDef` struct members whose setters follow
//!   `PyMember_SetOne` (`T_SHORT`, `T_USHORT`, ...): [`Member`]. Their
//!   unsigned setters changed in `CPython` 3.11.9, 3.12.3 and 3.13 (gh-115011):
//!   [`SetterRules`].
//!
//! Python integers reach both as an [`Int`]: the binding has already called
//! `__index__` where `CPython` does.
//!
//! # References
//! - [FreeBSD kevent(2)](https://man.freebsd.org/cgi/man.cgi?query=kevent&sektion=2)
//! - [NetBSD kevent(2)](https://man.netbsd.org/kevent.2)
//! - [OpenBSD kevent(2)](https://man.openbsd.org/kevent.2)
//! - [macOS kevent(2)](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/kevent.2.html)

use std::cmp::Ordering;
use std::fmt::Write as _;

/// A Python `int` (after `__index__`), as far as a C conversion needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int {
    /// A value in the `i128` range (every value a C type can hold).
    Small(i128),
    /// A value beyond `i128`: its sign and its low 64 bits (two's complement),
    /// which is all that masks and overflow checks look at.
    Big {
        /// Whether the value is negative.
        negative: bool,
        /// `value & (2**64 - 1)`.
        low64: u64,
    },
}

impl Int {
    fn fits(self, min: i128, max: i128) -> Option<i128> {
        match self {
            Self::Small(v) if (min..=max).contains(&v) => Some(v),
            _ => None,
        }
    }

    /// `value mod 2**bits` (`bits <= 64`), as the `*Mask` C API functions compute it.
    #[must_use]
    pub fn mask(self, bits: u32) -> u64 {
        let low = match self {
            Self::Small(v) => v as u64,
            Self::Big { low64, .. } => low64,
        };
        if bits >= 64 {
            low
        } else {
            low & ((1u64 << bits) - 1)
        }
    }

    fn is_negative(self) -> bool {
        match self {
            Self::Small(v) => v < 0,
            Self::Big { negative, .. } => negative,
        }
    }
}

/// Whether a conversion failed with `TypeError`, `OverflowError` or `ValueError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `OverflowError`.
    Overflow,
}

/// A conversion error: the exception type and its exact `CPython` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvError {
    /// The exception type.
    pub kind: ErrorKind,
    /// The message.
    pub message: &'static str,
}

const fn overflow(message: &'static str) -> ConvError {
    ConvError {
        kind: ErrorKind::Overflow,
        message,
    }
}

const LONG_TOO_LARGE: ConvError = overflow("Python int too large to convert to C long");
const ULONG_TOO_LARGE: ConvError = overflow("Python int too large to convert to C unsigned long");
const TOO_BIG: ConvError = overflow("int too big to convert");
const NEGATIVE_UNSIGNED: ConvError = overflow("can't convert negative int to unsigned");

/// The C `long` range for a `long` of `bits` bits.
fn long_range(bits: u32) -> (i128, i128) {
    let max = (1i128 << (bits - 1)) - 1;
    (-max - 1, max)
}

/// `PyLong_AsLong` for a C `long` of `long_bits` bits.
fn as_long(v: Int, long_bits: u32) -> Result<i128, ConvError> {
    let (min, max) = long_range(long_bits);
    v.fits(min, max).ok_or(LONG_TOO_LARGE)
}

/// A `PyArg_Parse` format unit used by `kevent()`'s constructor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `h`: C `short`, range-checked.
    Short,
    /// `i`: C `int`, range-checked.
    Int,
    /// `l`: C `long`.
    Long,
    /// `L`: C `long long`.
    LongLong,
    /// `H`: `unsigned short`, reduced modulo 2**16 (a bit field).
    UShortMask,
    /// `I`: `unsigned int`, reduced modulo 2**32.
    UIntMask,
    /// `k`: `unsigned long`, reduced modulo 2**`long_bits`; only `int` objects.
    ULongMask,
    /// `K`: `unsigned long long`, reduced modulo 2**64; only `int` objects.
    ULongLongMask,
}

impl Format {
    /// Whether the unit accepts only `int` instances (no `__index__`): a
    /// failing object gets `kevent() argument N must be int, not T`.
    #[must_use]
    pub const fn requires_int(self) -> bool {
        matches!(self, Self::ULongMask | Self::ULongLongMask)
    }

    /// For the bit-field units (`H`, `I`, `k`, `K`): whether `v` fits
    /// neither the unsigned nor the signed C type of the unit's width, which
    /// `CPython` 3.15 reports with `DeprecationWarning: integer value out of
    /// range` (gh-132629) before reducing it. `false` for the other units.
    #[must_use]
    pub fn out_of_bit_range(self, v: Int, long_bits: u32) -> bool {
        let bits = match self {
            Self::UShortMask => 16,
            Self::UIntMask => 32,
            Self::ULongMask => long_bits,
            Self::ULongLongMask => 64,
            _ => return false,
        };
        v.fits(-(1i128 << (bits - 1)), (1i128 << bits) - 1)
            .is_none()
    }

    /// Converts `v` and returns the C value as a two's-complement bit
    /// pattern widened to 64 bits (sign-extended for signed units).
    ///
    /// # Errors
    /// `OverflowError` with `CPython`'s message for the unit.
    pub fn convert(self, v: Int, long_bits: u32) -> Result<u64, ConvError> {
        let checked = |min: i128, max: i128, low: &'static str, high: &'static str| {
            let x = as_long(v, long_bits)?;
            if x < min {
                Err(overflow(low))
            } else if x > max {
                Err(overflow(high))
            } else {
                Ok(x as i64 as u64)
            }
        };
        match self {
            Self::Short => checked(
                i128::from(i16::MIN),
                i128::from(i16::MAX),
                "signed short integer is less than minimum",
                "signed short integer is greater than maximum",
            ),
            Self::Int => checked(
                i128::from(i32::MIN),
                i128::from(i32::MAX),
                "signed integer is less than minimum",
                "signed integer is greater than maximum",
            ),
            Self::Long => as_long(v, long_bits).map(|x| x as i64 as u64),
            Self::LongLong => v
                .fits(i128::from(i64::MIN), i128::from(i64::MAX))
                .map(|x| x as i64 as u64)
                .ok_or(TOO_BIG),
            Self::UShortMask => Ok(v.mask(16)),
            Self::UIntMask => Ok(v.mask(32)),
            Self::ULongMask => Ok(v.mask(long_bits)),
            Self::ULongLongMask => Ok(v.mask(64)),
        }
    }
}

/// The `ident` of `kevent(ident, ...)` given as an `int`: `PyLong_AsSize_t`
/// for a `size_t` of `bits` bits.
///
/// # Errors
/// `OverflowError`: negative, or too large for `size_t`.
pub fn ident_from_int(v: Int, bits: u32) -> Result<u64, ConvError> {
    if v.is_negative() {
        return Err(overflow("can't convert negative value to size_t"));
    }
    v.fits(0, (1i128 << bits) - 1)
        .map(|x| x as u64)
        .ok_or(overflow("Python int too large to convert to C size_t"))
}

/// A `PyMemberDef` member type used by `select.kevent`'s attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    /// `T_SHORT`.
    Short,
    /// `T_USHORT`.
    UShort,
    /// `T_INT`.
    Int,
    /// `T_UINT`.
    UInt,
    /// `T_LONG`.
    Long,
    /// `T_ULONG`.
    ULong,
    /// `T_LONGLONG`.
    LongLong,
    /// `T_ULONGLONG`.
    ULongLong,
}

/// Which version of `PyMember_SetOne`'s unsigned setters applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetterRules {
    /// Up to 3.11.8 and 3.12.2: `T_UINT`/`T_ULONG` fall back to `PyLong_AsLong`
    /// after any failure (and then warn "negative" even for positive
    /// `__index__` objects); `T_ULONGLONG` refuses negative ints.
    Old,
    /// 3.11.9+, 3.12.3+, 3.13+ (gh-115011): `__index__` first, negative
    /// values wrap with a warning for every unsigned type.
    New,
}

impl SetterRules {
    /// The rules of `CPython` `major.minor.micro`.
    #[must_use]
    pub const fn of(minor: u8, micro: u8) -> Self {
        match minor {
            0..=10 => Self::Old,
            11 if micro < 9 => Self::Old,
            12 if micro < 3 => Self::Old,
            _ => Self::New,
        }
    }
}

/// The `RuntimeWarning`s `PyMember_SetOne` emits, in order.
pub const WARN_NEGATIVE: &str = "Writing negative value into unsigned field";

/// What a member setter does with a value: the bits to store (the C value
/// widened to 64 bits, sign-extended for signed members) and the warnings to
/// emit after storing, or the error to raise instead of storing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// The new field value.
    pub bits: u64,
    /// `RuntimeWarning` messages, in the order `CPython` emits them.
    pub warnings: Vec<&'static str>,
}

impl Member {
    /// The width of the C type in bits, for a C `long` of `long_bits`.
    #[must_use]
    pub const fn bits(self, long_bits: u32) -> u32 {
        match self {
            Self::Short | Self::UShort => 16,
            Self::Int | Self::UInt => 32,
            Self::Long | Self::ULong => long_bits,
            Self::LongLong | Self::ULongLong => 64,
        }
    }

    /// Whether the C type is signed.
    #[must_use]
    pub const fn signed(self) -> bool {
        matches!(self, Self::Short | Self::Int | Self::Long | Self::LongLong)
    }

    /// The C value of `bits` as a Python integer (for the getter).
    #[must_use]
    pub fn value(self, bits: u64, long_bits: u32) -> i128 {
        let width = self.bits(long_bits);
        let low = if width >= 64 {
            bits
        } else {
            bits & ((1u64 << width) - 1)
        };
        if self.signed() && width < 128 && low >> (width - 1) & 1 == 1 {
            i128::from(low) - (1i128 << width)
        } else {
            i128::from(low)
        }
    }

    /// `PyMember_SetOne` for this member type.
    ///
    /// `v` is the value after `__index__`; `is_int` says whether the object
    /// assigned was an `int` instance itself (the old unsigned setters take
    /// another path for `__index__` objects).
    ///
    /// # Errors
    /// `OverflowError` with `CPython`'s message; nothing is stored then.
    pub fn set(
        self,
        v: Int,
        is_int: bool,
        rules: SetterRules,
        long_bits: u32,
    ) -> Result<Store, ConvError> {
        let width = self.bits(long_bits);
        let truncate = |x: i128| -> u64 {
            let low = x as u64;
            if width >= 64 {
                low
            } else if self.signed() {
                // Sign-extend the truncated C value.
                (((low << (64 - width)) as i64) >> (64 - width)) as u64
            } else {
                low & ((1u64 << width) - 1)
            }
        };
        let store = |x: i128, warnings: Vec<&'static str>| Store {
            bits: truncate(x),
            warnings,
        };
        let (lmin, lmax) = long_range(long_bits);
        match self {
            Self::Short | Self::UShort | Self::Int => {
                let x = as_long(v, long_bits)?;
                let (min, max, text) = match self {
                    Self::Short => (-(1 << 15), (1 << 15) - 1, "Truncation of value to short"),
                    Self::UShort => (0, (1 << 16) - 1, "Truncation of value to unsigned short"),
                    _ => (-(1 << 31), (1 << 31) - 1, "Truncation of value to int"),
                };
                let warnings = if (min..=max).contains(&x) {
                    vec![]
                } else {
                    vec![text]
                };
                Ok(store(x, warnings))
            }
            Self::Long => Ok(store(as_long(v, long_bits)?, vec![])),
            Self::LongLong => v
                .fits(i128::from(i64::MIN), i128::from(i64::MAX))
                .map(|x| store(x, vec![]))
                .ok_or(TOO_BIG),
            Self::UInt | Self::ULong => {
                let umax = (1i128 << long_bits) - 1;
                let truncation = (self == Self::UInt && long_bits > 32)
                    .then_some("Truncation of value to unsigned int");
                match rules {
                    SetterRules::Old => {
                        if let (true, Some(x)) = (is_int, v.fits(0, umax)) {
                            // PyLong_AsUnsignedLong succeeded.
                            let mut warnings = vec![];
                            if x > i128::from(u32::MAX) {
                                warnings.extend(truncation);
                            }
                            return Ok(store(x, warnings));
                        }
                        // Any failure (negative, too large, not an int) is
                        // cleared and PyLong_AsLong tried instead, which
                        // then warns about a "negative" value in any case.
                        let x = as_long(v, long_bits)?;
                        let mut warnings = vec![WARN_NEGATIVE];
                        // The unsigned long it stored is compared with UINT_MAX.
                        let as_ulong = x.rem_euclid(umax + 1);
                        if as_ulong > i128::from(u32::MAX) {
                            warnings.extend(truncation);
                        }
                        Ok(store(x, warnings))
                    }
                    SetterRules::New => {
                        if v.is_negative() {
                            let x = v.fits(lmin, lmax).ok_or(LONG_TOO_LARGE)?;
                            Ok(store(x, vec![WARN_NEGATIVE]))
                        } else {
                            let x = v.fits(0, umax).ok_or(ULONG_TOO_LARGE)?;
                            let mut warnings = vec![];
                            if x > i128::from(u32::MAX) {
                                warnings.extend(truncation);
                            }
                            Ok(store(x, warnings))
                        }
                    }
                }
            }
            Self::ULongLong => match rules {
                SetterRules::Old if is_int => {
                    if v.is_negative() {
                        Err(NEGATIVE_UNSIGNED)
                    } else {
                        v.fits(0, i128::from(u64::MAX))
                            .map(|x| store(x, vec![]))
                            .ok_or(TOO_BIG)
                    }
                }
                // An `__index__` object goes through PyLong_AsLong, and a
                // negative result is stored as it is cast, without warning.
                SetterRules::Old => Ok(store(as_long(v, long_bits)?, vec![])),
                SetterRules::New => {
                    if v.is_negative() {
                        let x = v.fits(lmin, lmax).ok_or(LONG_TOO_LARGE)?;
                        Ok(store(x, vec![WARN_NEGATIVE]))
                    } else {
                        v.fits(0, i128::from(u64::MAX))
                            .map(|x| store(x, vec![]))
                            .ok_or(TOO_BIG)
                    }
                }
            },
        }
    }
}

/// The C types of `struct kevent`'s fields on one operating system: the
/// constructor's format units, the attributes' member types, and how `repr()`
/// and comparisons read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// A name for messages and tests (`"freebsd"`, `"netbsd"`, ...).
    pub name: &'static str,
    /// Bits of a C `long` (and of `uintptr_t`/`intptr_t`, which equal it on
    /// every supported system).
    pub long_bits: u32,
    /// `filter`: `short` (`h`, `T_SHORT`) or, on NetBSD, `uint32_t` (`I`, `T_UINT`).
    pub filter: (Format, Member),
    /// `flags`: `unsigned short` (`H`) or, on NetBSD, `uint32_t` (`I`).
    pub flags: (Format, Member),
    /// `fflags`: `unsigned int` (`I`, `T_UINT`).
    pub fflags: (Format, Member),
    /// `data`: `intptr_t`, or `int64_t` on NetBSD and OpenBSD.
    pub data: (Format, Member),
    /// `ident` and `udata`: `uintptr_t` (and `void *` for `udata` on some systems).
    pub uintptr: (Format, Member),
    /// The default `filter` (`EVFILT_READ`: -1, or 0 on NetBSD).
    pub filter_read: i64,
}

impl Layout {
    /// FreeBSD, macOS, `DragonFly`: `short filter`, `unsigned short flags`,
    /// `intptr_t data` (64-bit systems).
    pub const FREEBSD_MACOS: Self = Self {
        name: "freebsd",
        long_bits: 64,
        filter: (Format::Short, Member::Short),
        flags: (Format::UShortMask, Member::UShort),
        fflags: (Format::UIntMask, Member::UInt),
        data: (Format::LongLong, Member::LongLong),
        uintptr: (Format::ULongLongMask, Member::ULongLong),
        filter_read: -1,
    };

    /// NetBSD: `uint32_t filter`, `uint32_t flags`, `int64_t data`.
    pub const NETBSD: Self = Self {
        name: "netbsd",
        long_bits: 64,
        filter: (Format::UIntMask, Member::UInt),
        flags: (Format::UIntMask, Member::UInt),
        fflags: (Format::UIntMask, Member::UInt),
        data: (Format::LongLong, Member::LongLong),
        uintptr: (Format::ULongLongMask, Member::ULongLong),
        filter_read: 0,
    };

    /// OpenBSD: as FreeBSD, with `int64_t data` (the same on 64-bit systems).
    pub const OPENBSD: Self = Self {
        name: "openbsd",
        ..Self::FREEBSD_MACOS
    };

    /// A 32-bit FreeBSD-like system: `uintptr_t` is an `unsigned long`
    /// (`k`, `T_ULONG`) and `intptr_t data` a `long` (`l`, `T_LONG`).
    pub const ILP32: Self = Self {
        name: "ilp32",
        long_bits: 32,
        data: (Format::Long, Member::Long),
        uintptr: (Format::ULongMask, Member::ULong),
        ..Self::FREEBSD_MACOS
    };

    /// The layout of the system this crate is compiled for (FreeBSD's on
    /// systems without kqueue, where it serves the portable tests).
    pub const NATIVE: Self = if cfg!(target_os = "netbsd") {
        Self::NETBSD
    } else if cfg!(target_os = "openbsd") {
        Self::OPENBSD
    } else if cfg!(target_pointer_width = "32") {
        Self::ILP32
    } else {
        Self::FREEBSD_MACOS
    };

    /// The keyword names of the constructor, in order.
    pub const KEYWORDS: [&'static str; 6] = ["ident", "filter", "flags", "fflags", "data", "udata"];
}

/// The six fields of a `struct kevent`, each as the bit pattern of its C
/// value widened to 64 bits (sign-extended for signed fields).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KEvent {
    /// `ident`: the identifier (a descriptor, pid, signal, timer id).
    pub ident: u64,
    /// `filter`: `EVFILT_*`.
    pub filter: u64,
    /// `flags`: `EV_*` actions and results.
    pub flags: u64,
    /// `fflags`: filter-specific flags (`NOTE_*`).
    pub fflags: u64,
    /// `data`: filter-specific data.
    pub data: u64,
    /// `udata`: opaque user data.
    pub udata: u64,
}

/// A field of [`KEvent`], in `CPython`'s order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `ident`.
    Ident,
    /// `filter`.
    Filter,
    /// `flags`.
    Flags,
    /// `fflags`.
    Fflags,
    /// `data`.
    Data,
    /// `udata`.
    Udata,
}

impl Field {
    /// All six, in order.
    pub const ALL: [Self; 6] = [
        Self::Ident,
        Self::Filter,
        Self::Flags,
        Self::Fflags,
        Self::Data,
        Self::Udata,
    ];

    /// The member type of this field in `layout`.
    #[must_use]
    pub const fn member(self, layout: &Layout) -> Member {
        match self {
            Self::Ident | Self::Udata => layout.uintptr.1,
            Self::Filter => layout.filter.1,
            Self::Flags => layout.flags.1,
            Self::Fflags => layout.fflags.1,
            Self::Data => layout.data.1,
        }
    }
}

impl KEvent {
    /// What `kevent.__init__` starts from: `ident` 0, `filter` `EVFILT_READ`,
    /// `flags` `EV_ADD`, the rest 0.
    #[must_use]
    pub const fn defaults(layout: &Layout) -> Self {
        Self {
            ident: 0,
            filter: layout.filter_read as u64,
            flags: 1, // EV_ADD on every system
            fflags: 0,
            data: 0,
            udata: 0,
        }
    }

    /// The stored bits of `field`.
    #[must_use]
    pub const fn get(&self, field: Field) -> u64 {
        match field {
            Field::Ident => self.ident,
            Field::Filter => self.filter,
            Field::Flags => self.flags,
            Field::Fflags => self.fflags,
            Field::Data => self.data,
            Field::Udata => self.udata,
        }
    }

    /// Replaces the bits of `field`.
    pub fn set(&mut self, field: Field, bits: u64) {
        match field {
            Field::Ident => self.ident = bits,
            Field::Filter => self.filter = bits,
            Field::Flags => self.flags = bits,
            Field::Fflags => self.fflags = bits,
            Field::Data => self.data = bits,
            Field::Udata => self.udata = bits,
        }
    }

    /// The Python value of `field` (what the attribute returns).
    #[must_use]
    pub fn value(&self, field: Field, layout: &Layout) -> i128 {
        field
            .member(layout)
            .value(self.get(field), layout.long_bits)
    }

    /// `kevent_richcompare`'s order: `ident` (unsigned), `filter`, `flags`,
    /// `fflags`, `data` (signed), then `udata` compared as a *signed*
    /// `intptr_t`.
    #[must_use]
    pub fn compare(&self, other: &Self, layout: &Layout) -> Ordering {
        let key = |e: &Self| {
            let udata = Member::Long.value(e.udata, layout.long_bits);
            [
                e.value(Field::Ident, layout),
                e.value(Field::Filter, layout),
                e.value(Field::Flags, layout),
                e.value(Field::Fflags, layout),
                e.value(Field::Data, layout),
                udata,
            ]
        };
        key(self).cmp(&key(other))
    }

    /// `repr()`: `<select.kevent ident=%zu filter=%d flags=0x%x fflags=0x%x
    /// data=0x%llx udata=%p>`.
    #[must_use]
    pub fn repr(&self, layout: &Layout) -> String {
        let bits = layout.long_bits;
        let word = |v: u64| if bits >= 64 { v } else { v & ((1 << bits) - 1) };
        let mut s = String::with_capacity(96);
        let _ = write!(
            s,
            "<select.kevent ident={} filter={} flags=0x{:x} fflags=0x{:x} data=0x{:x} udata=0x{:x}>",
            word(self.ident),
            // `%d` of the C value: an int (NetBSD's uint32_t shows as signed).
            self.filter as u32 as i32,
            self.value(Field::Flags, layout),
            self.value(Field::Fflags, layout),
            self.data,
            word(self.udata),
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG_POS: Int = Int::Big {
        negative: false,
        low64: 5,
    };
    const BIG_NEG: Int = Int::Big {
        negative: true,
        low64: u64::MAX,
    };

    #[test]
    fn short_format_checks_long_then_short() {
        let f = Format::Short;
        assert_eq!(f.convert(Int::Small(-1), 64), Ok(u64::MAX));
        assert_eq!(f.convert(Int::Small(32767), 64), Ok(32767));
        assert_eq!(
            f.convert(Int::Small(32768), 64).unwrap_err().message,
            "signed short integer is greater than maximum"
        );
        assert_eq!(
            f.convert(Int::Small(-32769), 64).unwrap_err().message,
            "signed short integer is less than minimum"
        );
        assert_eq!(
            f.convert(Int::Small(1 << 63), 64).unwrap_err().message,
            "Python int too large to convert to C long"
        );
        assert_eq!(f.convert(BIG_NEG, 64).unwrap_err(), LONG_TOO_LARGE);
        // On a 32-bit long the C long check comes first at 2**31.
        assert_eq!(
            f.convert(Int::Small(1 << 31), 32).unwrap_err(),
            LONG_TOO_LARGE
        );
    }

    #[test]
    fn out_of_bit_range_is_outside_both_the_signed_and_unsigned_type() {
        let big = Int::Big {
            negative: false,
            low64: 0,
        };
        for (f, bits) in [(Format::UShortMask, 16u32), (Format::UIntMask, 32)] {
            let lo = -(1i128 << (bits - 1));
            let hi = (1i128 << bits) - 1;
            assert!(!f.out_of_bit_range(Int::Small(lo), 64));
            assert!(!f.out_of_bit_range(Int::Small(hi), 64));
            assert!(!f.out_of_bit_range(Int::Small(-1), 64));
            assert!(f.out_of_bit_range(Int::Small(lo - 1), 64));
            assert!(f.out_of_bit_range(Int::Small(hi + 1), 64));
        }
        assert!(!Format::ULongLongMask.out_of_bit_range(Int::Small(i128::from(u64::MAX)), 64));
        assert!(Format::ULongLongMask.out_of_bit_range(Int::Small(1 << 64), 64));
        assert!(Format::ULongMask.out_of_bit_range(Int::Small(1 << 32), 32));
        assert!(Format::ULongLongMask.out_of_bit_range(big, 64));
        assert!(!Format::Long.out_of_bit_range(big, 64));
    }

    #[test]
    fn masks_reduce_any_integer() {
        assert_eq!(Format::UShortMask.convert(Int::Small(-1), 64), Ok(0xffff));
        assert_eq!(Format::UShortMask.convert(Int::Small(1 << 70), 64), Ok(0));
        assert_eq!(
            Format::UIntMask.convert(Int::Small(-1), 64),
            Ok(0xffff_ffff)
        );
        assert_eq!(Format::UIntMask.convert(BIG_POS, 64), Ok(5));
        assert_eq!(
            Format::ULongLongMask.convert(Int::Small(-1), 64),
            Ok(u64::MAX)
        );
        assert_eq!(Format::ULongLongMask.convert(BIG_NEG, 64), Ok(u64::MAX));
        assert_eq!(
            Format::ULongMask.convert(Int::Small(-1), 32),
            Ok(0xffff_ffff)
        );
        assert!(Format::ULongLongMask.requires_int() && !Format::UIntMask.requires_int());
    }

    #[test]
    fn long_long_range() {
        let f = Format::LongLong;
        assert_eq!(f.convert(Int::Small(i128::from(i64::MIN)), 64), Ok(1 << 63));
        assert_eq!(f.convert(Int::Small(1 << 63), 64).unwrap_err(), TOO_BIG);
        assert_eq!(f.convert(BIG_NEG, 64).unwrap_err(), TOO_BIG);
        assert_eq!(
            Format::Long.convert(Int::Small(1 << 31), 32).unwrap_err(),
            LONG_TOO_LARGE
        );
        assert_eq!(
            Format::Int
                .convert(Int::Small(1 << 31), 64)
                .unwrap_err()
                .message,
            "signed integer is greater than maximum"
        );
    }

    #[test]
    fn ident_is_a_size_t() {
        assert_eq!(ident_from_int(Int::Small(0), 64), Ok(0));
        assert_eq!(
            ident_from_int(Int::Small(i128::from(u64::MAX)), 64),
            Ok(u64::MAX)
        );
        assert_eq!(
            ident_from_int(Int::Small(-1), 64).unwrap_err().message,
            "can't convert negative value to size_t"
        );
        assert_eq!(
            ident_from_int(Int::Small(1 << 64), 64).unwrap_err().message,
            "Python int too large to convert to C size_t"
        );
        assert_eq!(
            ident_from_int(BIG_NEG, 64).unwrap_err().message,
            "can't convert negative value to size_t"
        );
        assert!(ident_from_int(Int::Small(1 << 32), 32).is_err());
    }

    fn set(m: Member, v: i128, rules: SetterRules) -> Result<(i128, Vec<&'static str>), String> {
        m.set(Int::Small(v), true, rules, 64)
            .map(|s| (m.value(s.bits, 64), s.warnings))
            .map_err(|e| e.message.to_string())
    }

    #[test]
    fn signed_setters_truncate_with_a_warning() {
        use SetterRules::Old;
        assert_eq!(set(Member::Short, -1, Old), Ok((-1, vec![])));
        assert_eq!(
            set(Member::Short, 65536, Old),
            Ok((0, vec!["Truncation of value to short"]))
        );
        assert_eq!(
            set(Member::Short, 40000, Old),
            Ok((40000 - 65536, vec!["Truncation of value to short"]))
        );
        assert_eq!(
            set(Member::UShort, -1, Old),
            Ok((65535, vec!["Truncation of value to unsigned short"]))
        );
        assert_eq!(
            set(Member::Short, 1 << 63, Old).unwrap_err(),
            "Python int too large to convert to C long"
        );
        assert_eq!(
            set(Member::LongLong, 1 << 63, Old).unwrap_err(),
            "int too big to convert"
        );
    }

    #[test]
    fn unsigned_setters_old_rules() {
        use SetterRules::Old;
        let both = vec![WARN_NEGATIVE, "Truncation of value to unsigned int"];
        assert_eq!(set(Member::UInt, -1, Old), Ok((0xffff_ffff, both)));
        assert_eq!(set(Member::UInt, 1 << 16, Old), Ok((1 << 16, vec![])));
        assert_eq!(
            set(Member::UInt, 1 << 32, Old),
            Ok((0, vec!["Truncation of value to unsigned int"]))
        );
        assert_eq!(
            set(Member::UInt, 1 << 64, Old).unwrap_err(),
            "Python int too large to convert to C long"
        );
        assert_eq!(
            set(Member::ULongLong, -1, Old).unwrap_err(),
            "can't convert negative int to unsigned"
        );
        assert_eq!(
            set(Member::ULongLong, 1 << 64, Old).unwrap_err(),
            "int too big to convert"
        );
        // An __index__ object: PyLong_AsLong, "negative" warning even for 5.
        let s = Member::UInt.set(Int::Small(5), false, Old, 64).unwrap();
        assert_eq!((s.bits, s.warnings), (5, vec![WARN_NEGATIVE]));
        let s = Member::ULongLong
            .set(Int::Small(-1), false, Old, 64)
            .unwrap();
        assert_eq!((s.bits, s.warnings), (u64::MAX, vec![]));
    }

    #[test]
    fn unsigned_setters_new_rules() {
        use SetterRules::New;
        assert_eq!(
            set(Member::UInt, -1, New),
            Ok((0xffff_ffff, vec![WARN_NEGATIVE]))
        );
        assert_eq!(
            set(Member::UInt, 1 << 64, New).unwrap_err(),
            "Python int too large to convert to C unsigned long"
        );
        assert_eq!(
            set(Member::ULongLong, -1, New),
            Ok((i128::from(u64::MAX), vec![WARN_NEGATIVE]))
        );
        assert_eq!(
            set(Member::ULongLong, -(1 << 63) - 1, New).unwrap_err(),
            "Python int too large to convert to C long"
        );
        let s = Member::UInt.set(Int::Small(5), false, New, 64).unwrap();
        assert_eq!((s.bits, s.warnings), (5, vec![]));
    }

    #[test]
    fn rules_follow_the_patch_release() {
        assert_eq!(SetterRules::of(10, 13), SetterRules::Old);
        assert_eq!(SetterRules::of(11, 7), SetterRules::Old);
        assert_eq!(SetterRules::of(11, 9), SetterRules::New);
        assert_eq!(SetterRules::of(12, 1), SetterRules::Old);
        assert_eq!(SetterRules::of(12, 3), SetterRules::New);
        assert_eq!(SetterRules::of(13, 0), SetterRules::New);
    }

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn comparison_order_and_signed_udata() {
        let l = &Layout::FREEBSD_MACOS;
        let a = KEvent {
            ident: 1,
            ..KEvent::defaults(l)
        };
        let mut b = a;
        assert_eq!(a.compare(&b, l), Ordering::Equal);
        b.udata = u64::MAX; // -1 as intptr_t: sorts before 0
        assert_eq!(b.compare(&a, l), Ordering::Less);
        b.ident = 2;
        assert_eq!(b.compare(&a, l), Ordering::Greater);
        // filter is signed: EVFILT_READ (-1) < EVFILT_WRITE's 0xfffe? no: -2 < -1.
        let w = KEvent {
            filter: (-2i64) as u64,
            ..a
        };
        assert_eq!(w.compare(&a, l), Ordering::Less);
        // ident is unsigned: 2**63 sorts after 1.
        let hi = KEvent {
            ident: 1 << 63,
            ..a
        };
        assert_eq!(hi.compare(&a, l), Ordering::Greater);
        // On NetBSD filter is unsigned.
        let n = &Layout::NETBSD;
        let big = KEvent {
            filter: 0xffff_ffff,
            ..KEvent::defaults(n)
        };
        assert_eq!(big.compare(&KEvent::defaults(n), n), Ordering::Greater);
    }

    #[test]
    fn repr_matches_the_c_format() {
        let l = &Layout::FREEBSD_MACOS;
        let e = KEvent::defaults(l);
        assert_eq!(
            e.repr(l),
            "<select.kevent ident=0 filter=-1 flags=0x1 fflags=0x0 data=0x0 udata=0x0>"
        );
        let e = KEvent {
            ident: u64::MAX,
            filter: (-2i64) as u64,
            flags: 0xffff,
            fflags: 0xffff_ffff,
            data: u64::MAX,
            udata: 0xdead_beef,
        };
        assert_eq!(
            e.repr(l),
            "<select.kevent ident=18446744073709551615 filter=-2 flags=0xffff \
             fflags=0xffffffff data=0xffffffffffffffff udata=0xdeadbeef>"
        );
        let n = &Layout::NETBSD;
        let e = KEvent {
            filter: 0xffff_ffff,
            ..KEvent::defaults(n)
        };
        assert!(e.repr(n).contains("filter=-1 "), "{}", e.repr(n));
    }

    #[test]
    fn getters_read_the_c_type() {
        let l = &Layout::FREEBSD_MACOS;
        let e = KEvent {
            filter: 0xfffe, // stored truncated: a setter always sign-extends
            data: u64::MAX,
            ..KEvent::defaults(l)
        };
        assert_eq!(e.value(Field::Filter, l), -2);
        assert_eq!(e.value(Field::Data, l), -1);
        assert_eq!(e.value(Field::Flags, l), 1);
        assert_eq!(
            KEvent::defaults(&Layout::NETBSD).value(Field::Filter, &Layout::NETBSD),
            0
        );
        let ilp = &Layout::ILP32;
        let e = KEvent {
            data: 0xffff_ffff,
            udata: 0x1_0000_0001,
            ..KEvent::defaults(ilp)
        };
        assert_eq!(e.value(Field::Data, ilp), -1);
        assert_eq!(e.value(Field::Udata, ilp), 1);
    }
}
