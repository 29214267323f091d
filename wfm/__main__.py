"""``python -m wfm`` runs the command-line interface."""

from wfm.cli import main

main()
