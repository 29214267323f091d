"""``python -m wfm`` and the ``wfm`` console script run the command-line interface."""

import sys


def run() -> None:
    """Record Ctrl-C first (:mod:`wfm.io.interrupt`), then load and run the CLI: a
    Ctrl-C while the modules load exits 130, even when the interpreter dropped its
    KeyboardInterrupt (one raised in the import system's weakref callbacks)."""
    try:
        from wfm.io import interrupt

        interrupt.install()
        from wfm.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the modules load
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except ImportError as exc:  # Ctrl-C inside a C extension's initialisation
        if not isinstance(exc.__context__, KeyboardInterrupt) and \
                "initialization" not in str(exc):
            raise
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
