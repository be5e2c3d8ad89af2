//! `WinSock`'s `fd_set`, sized at run time.
//!
//! `WinSock`'s `fd_set` is not a bitmap but a count and an array of sockets:
//! `struct { u_int fd_count; SOCKET fd_array[FD_SETSIZE]; }`. `select()`
//! reads `fd_count` entries and rewrites the array with the ready ones, so a
//! buffer with room for any number of sockets works: `CPython`'s limit of 512
//! per list (its `FD_SETSIZE`, gh-72894) is only the size of the C array.
//!
//! [`FdArray`] lays the structure out in machine words: word 0 holds the
//! count (a `u_int`, padded to the alignment of `SOCKET`, which is a word on
//! 32- and 64-bit Windows alike), words 1.. the sockets. This module has no
//! system call, so it is compiled and tested on every platform.

/// A `WinSock` `fd_set` with room for as many sockets as it is given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdArray {
    words: Vec<usize>,
}

impl FdArray {
    /// The set of `sockets` (duplicates are stored once, as `WinSock`'s
    /// `FD_SET` does; order does not matter to `select()`).
    #[must_use]
    pub fn new(sockets: impl IntoIterator<Item = usize>) -> Self {
        let mut tail: Vec<usize> = sockets.into_iter().collect();
        tail.sort_unstable();
        tail.dedup();
        let mut words = Vec::with_capacity(tail.len() + 1);
        words.push(0);
        words.extend(tail);
        let mut this = Self { words };
        this.set_count(this.words.len() - 1);
        this
    }

    fn set_count(&mut self, n: usize) {
        // `u_int fd_count` in the first four bytes, the rest padding.
        let bytes = (n as u32).to_ne_bytes();
        let word = &mut self.words[0];
        let mut raw = word.to_ne_bytes();
        raw[..4].copy_from_slice(&bytes);
        *word = usize::from_ne_bytes(raw);
    }

    /// `fd_count`: how many sockets the structure holds (after `select()`,
    /// how many are ready).
    #[must_use]
    pub fn count(&self) -> usize {
        let raw = self.words[0].to_ne_bytes();
        u32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize
    }

    /// The sockets held (`fd_array[..fd_count]`).
    #[must_use]
    pub fn sockets(&self) -> &[usize] {
        let n = self.count().min(self.words.len() - 1);
        &self.words[1..=n]
    }

    /// Whether `socket` is held (`FD_ISSET`).
    #[must_use]
    pub fn contains(&self, socket: usize) -> bool {
        self.sockets().contains(&socket)
    }

    /// Sorts what `select()` left so that [`FdArray::contains_sorted`] can
    /// binary-search it.
    pub fn sort(&mut self) {
        let n = self.count().min(self.words.len() - 1);
        self.words[1..=n].sort_unstable();
    }

    /// [`FdArray::contains`] after [`FdArray::sort`], in `O(log n)`.
    #[must_use]
    pub fn contains_sorted(&self, socket: usize) -> bool {
        self.sockets().binary_search(&socket).is_ok()
    }

    /// The structure for `select()`; `None` for an empty set, which is
    /// passed as `NULL` (as `CPython` does since 3.11).
    pub fn as_mut_ptr(&mut self) -> Option<*mut usize> {
        (self.count() > 0).then_some(self.words.as_mut_ptr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_count_then_sockets() {
        let set = FdArray::new([7, 3, 7, 500]);
        assert_eq!(set.count(), 3);
        assert_eq!(set.sockets(), [3, 7, 500]);
        assert_eq!(set.words.len(), 4);
        // The count is the u_int at offset 0.
        let raw = set.words[0].to_ne_bytes();
        assert_eq!(u32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]), 3);
        assert!(set.contains(500) && !set.contains(4));
    }

    #[test]
    fn no_cap_at_512() {
        let set = FdArray::new(0..5000);
        assert_eq!(set.count(), 5000);
        assert!(set.contains_sorted(4999));
    }

    #[test]
    fn a_socket_equal_to_the_count_is_kept() {
        let set = FdArray::new([1]);
        assert_eq!(set.sockets(), [1]);
        let set = FdArray::new([0]);
        assert_eq!(set.sockets(), [0]);
    }

    #[test]
    fn select_shrinks_the_set_in_place() {
        let mut set = FdArray::new([10, 20, 30]);
        // What select() does: ready sockets first, count lowered.
        set.words[1] = 30;
        set.set_count(1);
        set.sort();
        assert_eq!(set.sockets(), [30]);
        assert!(set.contains_sorted(30) && !set.contains_sorted(10));
        assert!(FdArray::new([]).as_mut_ptr().is_none());
        assert!(set.as_mut_ptr().is_some());
    }
}
