"""The stock module and rselect side by side, the same calls on the same
descriptors, outcomes compared (tests.support.oracle): select(), poll and
epoll state machines, the selectors, the raw entries, and what inspect sees."""
