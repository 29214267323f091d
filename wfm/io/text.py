"""Read a user's text file (CSV, TOML) as UTF-8, or fail with one located line."""

from __future__ import annotations

import codecs
from pathlib import Path

from wfm.errors import WfmInputError

_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def read_text(path: str | Path, what: str = "file") -> str:
    """The text of ``path`` (UTF-8, BOM allowed), line ends kept.

    A missing file, a directory, an unreadable file, UTF-16/32 text, bytes that
    are not UTF-8 and NUL bytes (a binary file) are :class:`WfmInputError` naming
    the file and, where it helps, the line.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise WfmInputError(f"{what} not found", file=name) from None
    except IsADirectoryError:
        raise WfmInputError(f"expected a {what}, found a directory", file=name) from None
    except OSError as exc:
        raise WfmInputError(f"cannot read the {what}: {exc.strerror}", file=name) from None
    if data.startswith(_UTF16):
        raise WfmInputError("UTF-16/32 text; save the file as UTF-8", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise WfmInputError(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", file=name, row=row
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        row = text.count("\n", 0, nul) + 1
        raise WfmInputError("NUL byte: a binary file, not text", file=name, row=row)
    return text
