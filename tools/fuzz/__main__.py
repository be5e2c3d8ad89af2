"""``python -m tools.fuzz``: the differential fuzzer's command line."""

import sys

from tools.fuzz.driver import main

sys.exit(main())
