"""Write files so a reader never sees half of one: temp file, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from wfm.errors import WfmInputError


def write_atomic(path: str | Path, write: Callable[[IO[str]], None]) -> None:
    """Call ``write(handle)`` on a temp file beside ``path``, then rename it over ``path``.

    On any error the temp file is removed and ``path`` is left as it was.
    An output that cannot be written (a directory in the way, no permission,
    disk full) is a :class:`WfmInputError` naming the path.
    """
    path = Path(path)
    if path.is_dir():
        raise WfmInputError("cannot write the output: it is a directory", file=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WfmInputError(f"cannot write the output: {exc.strerror}", file=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WfmInputError(f"cannot write the output: {exc.strerror}", file=str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as CSV (``,`` separator, ``.`` decimal, ISO 8601 times) atomically."""
    write_atomic(path, lambda handle: frame.to_csv(handle, index=False, lineterminator="\n"))
