"""What the tests and tools/ share (no test lives here):

- ``oracle``: ``outcome()``, the one differential oracle, and ``stock``/``rselect``;
- ``hostile``: objects given as descriptors, ints, timeouts and data, and
  ``POLL_BAD_CALLS``/``EPOLL_BAD_CALLS``;
- ``fds``: ``is_open``, ``open_fds``, ``Pool`` (descriptors at fixed numbers);
- ``waiter``: ``Waiter`` (a thread that waits, its result and time) and
  ``progress_during()`` (does a wait release the GIL);
- ``modes``: ``LONG`` and the hypothesis budget ``examples()``;
- ``figures``: ``record()``, the reliability runs' figures;
- ``catalogue``: the bad input table (tests/reliability/test_bad_input_catalogue.py runs
  it, tools/catalogue.py writes docs/bad-input.md from it).

Neither pytest nor hypothesis is imported here: tools/ run without them.
"""
