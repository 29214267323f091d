"""``python -m wfm`` runs the command-line interface."""

import sys

try:
    from wfm.cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load
    sys.stderr.write("interrupted\n")
    sys.exit(130)

main()
