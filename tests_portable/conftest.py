"""tests_portable: the portable parts of kqueue/kevent and devpoll, run on
Linux against a test build (scripts/build-testing.sh, `make test-portable`),
which exposes them as rselect._rselect._testing."""

import pytest
import rselect._rselect as ext

if not hasattr(ext, "_testing"):
    raise pytest.UsageError(
        "tests_portable needs a test build: scripts/build-testing.sh, then "
        "PYTHONPATH=target/testing/X.Y"
    )
