"""Write files so a reader never sees half of one: temp file, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from wfm.errors import WfmInputError


def file_mode() -> int:
    """The mode a new file gets under the process's umask (``0o666 & ~umask``), as
    ``open()`` would give it; ``mkstemp``'s temp files are 0600 whatever the umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _temp_beside(path: Path, suffix: str) -> str:
    """A new empty temp file beside ``path`` with the umask's mode; its name."""
    if path.is_dir():
        raise WfmInputError("cannot write the output: it is a directory", file=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
        os.close(fd)
        os.chmod(tmp, file_mode())
    except OSError as exc:
        raise WfmInputError(f"cannot write the output: {exc.strerror}", file=str(path)) from None
    return tmp


def write_atomic_path(path: str | Path, write: Callable[[str], None],
                      suffix: str = ".tmp") -> None:
    """Call ``write(temp_path)`` (a library that writes a file by name, e.g. a workbook)
    on a temp file beside ``path``, then rename it over ``path``; as :func:`write_atomic`.
    ``suffix`` ends the temp name (``.tmp.xlsx`` for a writer that checks it)."""
    path = Path(path)
    tmp = _temp_beside(path, suffix)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WfmInputError(f"cannot write the output: {exc.strerror}", file=str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, write: Callable[[IO[str]], None]) -> None:
    """Call ``write(handle)`` on a temp file beside ``path``, then rename it over ``path``.

    On any error the temp file is removed and ``path`` is left as it was.
    The file gets the mode of any new file under the umask (0644 under umask 022), not
    the temp file's 0600, so colleagues on a shared drive can read it.
    An output that cannot be written (a directory in the way, no permission,
    disk full) is a :class:`WfmInputError` naming the path.
    """
    def to_file(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            write(handle)

    write_atomic_path(path, to_file)


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as CSV (``,`` separator, ``.`` decimal, ISO 8601 times) atomically."""
    write_atomic(path, lambda handle: frame.to_csv(handle, index=False, lineterminator="\n"))
