"""Write files so a reader never sees half of one: temp file, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd


def write_atomic(path: str | Path, write: Callable[[IO[str]], None]) -> None:
    """Call ``write(handle)`` on a temp file beside ``path``, then rename it over ``path``.

    On any error the temp file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as CSV (``,`` separator, ``.`` decimal, ISO 8601 times) atomically."""
    write_atomic(path, lambda handle: frame.to_csv(handle, index=False, lineterminator="\n"))
