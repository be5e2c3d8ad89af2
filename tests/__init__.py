"""rselect's test suite: a package, so that ``tests.support`` has one import
path for the tests and for tools/ (``cd tests && pytest .`` still works)."""
