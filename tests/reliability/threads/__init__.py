"""Pieces of the threads tests that are not tests: the hammer (a child
program) and the helpers that make one thread wait while another acts."""
