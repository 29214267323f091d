"""``python -m wfm`` runs the command-line interface."""

import sys

try:
    from wfm.io import interrupt

    interrupt.install()  # first: a Ctrl-C while the modules load is recorded, not lost
    from wfm.cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load
    sys.stderr.write("interrupted\n")
    sys.exit(130)
except ImportError as exc:  # Ctrl-C inside a C extension's initialisation
    if not isinstance(exc.__context__, KeyboardInterrupt) and "initialization" not in str(exc):
        raise
    sys.stderr.write("interrupted\n")
    sys.exit(130)

main()
