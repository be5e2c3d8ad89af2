//! `FdSet`: the bit vector that `select(2)` reads and writes, sized at run time.
//!
//! The C `fd_set` holds `FD_SETSIZE` (1024) bits. The kernel does not care: it
//! reads and writes `nfds` bits, so a larger buffer with the same bit layout
//! lets Linux programs wait on descriptors above 1023. Sets up to
//! `FD_SETSIZE` bits (at most 1024: illumos' 64-bit `FD_SETSIZE` is 65536)
//! live inline (no allocation), larger ones on the heap.

use std::fmt;
use std::os::fd::RawFd;

/// One word of the bit vector, as the platform's `fd_set` declares it.
#[cfg(target_vendor = "apple")]
pub(crate) type Word = u32; // `__int32_t fds_bits[]`
/// One word of the bit vector, as the platform's `fd_set` declares it.
#[cfg(not(target_vendor = "apple"))]
pub(crate) type Word = libc::c_ulong; // `__fd_mask` / `fd_mask` is a `long`

const BITS: usize = Word::BITS as usize;
const INLINE_WORDS: usize = if libc::FD_SETSIZE < 1024 {
    libc::FD_SETSIZE
} else {
    1024
} / BITS;

/// A set of file descriptors in `select(2)`'s bit layout.
#[derive(Clone)]
pub struct FdSet {
    storage: Storage,
}

#[derive(Clone)]
enum Storage {
    Inline([Word; INLINE_WORDS]),
    Heap(Vec<Word>),
}

impl Default for FdSet {
    fn default() -> Self {
        Self::new()
    }
}

impl FdSet {
    /// An empty set with room for `FD_SETSIZE` descriptors (at most 1024),
    /// without allocating.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            storage: Storage::Inline([0; INLINE_WORDS]),
        }
    }

    #[inline]
    fn words(&self) -> &[Word] {
        match &self.storage {
            Storage::Inline(w) => w,
            Storage::Heap(w) => w,
        }
    }

    #[inline]
    fn words_mut(&mut self) -> &mut [Word] {
        match &mut self.storage {
            Storage::Inline(w) => w,
            Storage::Heap(w) => w,
        }
    }

    /// How many descriptors (`0..capacity`) the set can hold without growing.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.words().len() * BITS
    }

    /// Adds `fd`, growing the set when `fd` is beyond its capacity.
    #[inline]
    ///
    /// # Panics
    /// When `fd` is negative: callers validate descriptors first.
    pub fn insert(&mut self, fd: RawFd) {
        let fd = usize::try_from(fd).expect("negative file descriptor");
        let word = fd / BITS;
        if word >= self.words().len() {
            self.grow(word + 1);
        }
        self.words_mut()[word] |= 1 << (fd % BITS);
    }

    /// Whether `fd` is in the set (`FD_ISSET`). Negative or out-of-capacity
    /// descriptors are not.
    #[inline]
    #[must_use]
    pub fn contains(&self, fd: RawFd) -> bool {
        let Ok(fd) = usize::try_from(fd) else {
            return false;
        };
        self.words()
            .get(fd / BITS)
            .is_some_and(|w| w & (1 << (fd % BITS)) != 0)
    }

    /// Removes every descriptor (`FD_ZERO`), keeping the capacity.
    pub fn clear(&mut self) {
        self.words_mut().fill(0);
    }

    /// Whether no descriptor is in the set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words().iter().all(|w| *w == 0)
    }

    /// The descriptors in the set, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.words().iter().enumerate().flat_map(|(i, &w)| {
            let mut bits = w;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some((i * BITS + b) as RawFd)
            })
        })
    }

    /// Makes room for `nfds` descriptors (`0..nfds`).
    pub fn reserve_nfds(&mut self, nfds: usize) {
        let words = nfds.div_ceil(BITS);
        if words > self.words().len() {
            self.grow(words);
        }
    }

    fn grow(&mut self, min_words: usize) {
        let new_len = min_words.next_power_of_two().max(INLINE_WORDS * 2);
        let mut heap = Vec::with_capacity(new_len);
        heap.extend_from_slice(self.words());
        heap.resize(new_len, 0);
        self.storage = Storage::Heap(heap);
    }

    /// A pointer to the bit vector for `select(2)`; valid for
    /// [`capacity`](Self::capacity) bits.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut libc::fd_set {
        self.words_mut().as_mut_ptr().cast()
    }
}

impl fmt::Debug for FdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_libc_fd_set() {
        // Our first bits must be the platform's `fd_set`, bit for bit.
        assert!(INLINE_WORDS * std::mem::size_of::<Word>() <= std::mem::size_of::<libc::fd_set>());
        for fd in [0, 1, 2, 31, 32, 63, 64, 65, 500, 1023] {
            let mut ours = FdSet::new();
            ours.insert(fd);
            let mut theirs = std::mem::MaybeUninit::<libc::fd_set>::zeroed();
            // SAFETY: `theirs` is a zeroed, valid fd_set and fd < FD_SETSIZE.
            let theirs = unsafe {
                libc::FD_SET(fd, theirs.as_mut_ptr());
                theirs.assume_init()
            };
            // SAFETY: both are plain integer arrays of exactly size_of::<fd_set>() bytes.
            let (a, b) = unsafe {
                (
                    std::slice::from_raw_parts(
                        ours.words().as_ptr().cast::<u8>(),
                        std::mem::size_of::<libc::fd_set>(),
                    ),
                    std::slice::from_raw_parts(
                        std::ptr::addr_of!(theirs).cast::<u8>(),
                        std::mem::size_of::<libc::fd_set>(),
                    ),
                )
            };
            assert_eq!(a, b, "fd {fd}");
            // SAFETY: `theirs` is an initialised fd_set.
            assert!(unsafe { libc::FD_ISSET(fd, &raw const theirs) });
        }
    }

    #[test]
    fn grows_beyond_fd_setsize() {
        let mut s = FdSet::new();
        assert_eq!(s.capacity(), libc::FD_SETSIZE);
        s.insert(3);
        s.insert(5000);
        s.insert(65535);
        assert!(s.capacity() > 65535);
        assert!(s.contains(3) && s.contains(5000) && s.contains(65535));
        assert!(!s.contains(4) && !s.contains(4999) && !s.contains(-1));
        assert!(!s.contains(10_000_000));
        assert_eq!(s.iter().collect::<Vec<_>>(), [3, 5000, 65535]);
        s.clear();
        assert!(s.is_empty());
        assert!(s.capacity() > 65535);
    }

    #[test]
    fn reserve_and_debug() {
        let mut s = FdSet::new();
        s.reserve_nfds(1025);
        assert!(s.capacity() >= 1025);
        s.insert(1);
        s.insert(64);
        assert_eq!(format!("{s:?}"), "{1, 64}");
    }
}
