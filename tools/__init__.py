"""The project's tools: the fuzzer (``python -m tools.fuzz``), conformance,
the bad input catalogue, the reliability report and the type checks."""
