"""The chain: each command's read, compute, write step, and ``wfm plan`` over all of them.

Modules here read input files (through ``wfm.io`` and ``wfm.config``), call the domain
packages and write results atomically; they print nothing and know nothing of the
command line (progress reaches the caller through a callback).  ``wfm.cli`` calls one
function of this package per command.
"""
