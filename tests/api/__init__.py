"""rselect on its own terms: real waits, threads and signals, the ints of
results, install()/run, the bench command, sub-interpreters, free-threaded
builds. Where the stock module can serve as reference, it does."""
