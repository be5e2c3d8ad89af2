//! Building result lists at their final size.

/// An iterator whose length is known in advance (a ready count), so that
/// `PyList::new` allocates the list once and fills it in place.
///
/// The count must be exact: `PyList::new` checks it and panics otherwise, so
/// callers count the items they will yield with the same predicate.
pub struct ExactLen<I> {
    inner: I,
    left: usize,
}

impl<I> ExactLen<I> {
    /// `inner` yields exactly `len` items.
    pub fn new(inner: I, len: usize) -> Self {
        Self { inner, left: len }
    }
}

impl<I: Iterator> Iterator for ExactLen<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        if self.left == 0 {
            return None;
        }
        let item = self.inner.next()?;
        self.left -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<I: Iterator> ExactSizeIterator for ExactLen<I> {}
