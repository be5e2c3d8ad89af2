"""tests_portable: the portable parts of kqueue/kevent and devpoll, run on
Linux against a test build (scripts/build-testing.sh, `make test-portable`),
which exposes them as rselect._rselect._testing.

The test build of the running interpreter, target/testing/X.Y, is used when
it exists (`pytest tests_portable` then works as typed), unless rselect was
imported already or PYTHONPATH names a build (as `make test-portable` does).
"""

import os
import sys
from pathlib import Path

import pytest

_BUILD = (
    Path(__file__).resolve().parents[1]
    / "target"
    / "testing"
    / "{}.{}".format(*sys.version_info[:2])
)
if "rselect" not in sys.modules and _BUILD.is_dir() and not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(_BUILD))
    # The child processes some tests start use the same build.
    os.environ["PYTHONPATH"] = str(_BUILD)

import rselect._rselect as ext  # noqa: E402

if not hasattr(ext, "_testing"):
    raise pytest.UsageError(
        f"tests_portable needs a test build of rselect at {_BUILD} and found a "
        f"regular one ({ext.__file__}): run `make test-portable` (or "
        "scripts/build-testing.sh) first"
    )
