"""Reading the CSV files planners bring: separators, decimal commas, BOMs, locations.

Readers accept ``,`` ``;`` or tab as separator and ``.`` or ``,`` as decimal
mark (German Excel exports use ``;`` and ``,``), UTF-8 with or without BOM.
Every error names the file, the line (the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import WfmInputError
from wfm.io.text import read_text

SEPARATORS = (",", ";", "\t")
# Sanity ceilings: a value above these is a typo or a unit mistake (ms for s), not
# data, and would overflow the models (Erlang loads, Poisson weights).
MAX_VOLUME = 1e6  # contacts per interval and queue
MAX_AHT = 86400.0  # seconds of handle time per contact (one day)
MAX_AGENTS = 1e5  # agents per interval and queue
# Rows of a planning file (forecast, requirements): 500,000 is 35 days of 15-minute
# intervals for 148 queues; a history may hold 5,000,000 (years of many queues).
MAX_PLAN_ROWS = 500_000
MAX_HISTORY_ROWS = 5_000_000


@dataclass(frozen=True)
class RawTable:
    """A CSV file read as text: ``frame`` holds strings, ``line`` the file line per row."""

    path: str
    frame: pd.DataFrame
    line: np.ndarray
    separator: str
    decimal_comma: bool


def read_raw_table(
    path: str | Path,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    rename: dict[str, str] | None = None,
    ignore: tuple[str, ...] = (),
    header: tuple[str, ...] | None = None,
    max_rows: int | None = None,
) -> RawTable:
    """Read a CSV as strings, detect its dialect and check its columns.

    Unknown columns and missing required columns are errors naming them.
    Column names are matched after stripping blanks and lower-casing.
    ``rename`` maps source header names (lower-case) to our names, for real
    exports; ``ignore`` lists source columns that are read past silently;
    ``header`` names the columns of a file without a header line (then data
    starts on line 1).  ``max_rows``: more data rows than this is an error, found
    before the rows are parsed (a runaway file fails in a second, not in minutes).
    """
    name = str(path)
    text = read_text(path)
    lines = text.splitlines()
    separator = _detect_separator(lines, required, name)
    if max_rows is not None and len(lines) - (0 if header else 1) > max_rows:
        raise WfmInputError(
            f"more than {max_rows:,} data rows ({len(lines) - 1:,} lines); is this the "
            "right file? split it into shorter periods",
            file=name,
            row=max_rows + (1 if header else 2),
        )
    rows = _csv_rows(text, separator, name)
    first_line = 2
    if header is not None:
        rows, first_line = [list(header), *rows], 1
    columns = [c.strip().lower() for c in rows[0]]
    if rename:
        columns = [rename.get(c, c) for c in columns]
    width = len(columns)
    keep = [i for i, c in enumerate(columns) if c not in ignore]
    columns = [columns[i] for i in keep]
    _check_columns(columns, required, optional, name)
    body, line_no = _data_rows(rows[1:], first_line, width, keep, name)
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    decimal_comma = separator != "," and any(
        frame[c].astype(str).str.contains(",", regex=False).any() for c in frame.columns
    )
    return RawTable(name, frame, np.asarray(line_no, dtype=int), separator, decimal_comma)


def _detect_separator(lines: list[str], required: tuple[str, ...], name: str) -> str:
    """The separator (one of :data:`SEPARATORS`) found most often in the header line;
    an empty file, or a header without any separator when several columns are
    required, is an error."""
    if not lines or not lines[0].strip():
        raise WfmInputError("empty file: expected a header line", file=name, row=1)
    first = lines[0]
    separator = max(SEPARATORS, key=first.count)
    if first.count(separator) == 0 and len(required) > 1:
        raise WfmInputError(
            f"cannot find a separator (',' ';' or tab) in the header; expected columns "
            f"{', '.join(required)}",
            file=name,
            row=1,
        )
    return separator


def _check_columns(columns: list[str], required: tuple[str, ...],
                   optional: tuple[str, ...], name: str) -> None:
    """Header checks: every required column present, none unknown, none twice."""
    missing = [c for c in required if c not in columns]
    if missing:
        raise WfmInputError(
            f"missing column(s) {', '.join(missing)}; expected {', '.join(required)}"
            + (f" (optional: {', '.join(optional)})" if optional else ""),
            file=name,
            row=1,
        )
    unknown = [c for c in columns if c not in required and c not in optional]
    if unknown:
        raise WfmInputError(
            f"unknown column {unknown[0]!r}; expected {', '.join(required)}"
            + (f" (optional: {', '.join(optional)})" if optional else ""),
            file=name,
            row=1,
            column=unknown[0],
        )
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise WfmInputError(f"column {dupes[0]!r} appears twice", file=name, row=1)


def _data_rows(rows: list[list[str]], first_line: int, width: int, keep: list[int],
               name: str) -> tuple[list[list[str]], list[int]]:
    """(stripped cells of the ``keep`` columns, file line) per non-blank data row;
    a row not ``width`` fields wide is an error naming its line."""
    body, line_no = [], []
    for i, row in enumerate(rows, start=first_line):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise WfmInputError(f"expected {width} fields, found {len(row)}", file=name, row=i)
        body.append([row[j].strip() for j in keep])
        line_no.append(i)
    return body, line_no


def check_csv(path: str | Path, required: tuple[str, ...]) -> None:
    """Check a CSV another command wrote (a plan directory's files) before it is used:
    UTF-8 text, a header with the ``required`` columns, every row as wide as the header
    (a truncated or corrupted file is a located :class:`WfmInputError`)."""
    text = read_text(path)
    first = text.splitlines()[0] if text.strip() else ""
    separator = max(SEPARATORS, key=first.count)
    header = next(csv.reader([first], delimiter=separator), [])
    read_raw_table(path, required=required, optional=tuple(c.strip().lower() for c in header))


def _csv_rows(text: str, separator: str, name: str) -> list[list[str]]:
    """Every row of ``text``; a row the csv module cannot read is a located error."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    try:
        return list(reader)
    except csv.Error as exc:
        raise WfmInputError(f"cannot read the row: {exc}", file=name,
                            row=reader.line_num) from None


def fail_at_first(
    table: RawTable,
    bad: np.ndarray,
    column: str | None,
    message: str | Callable[[int], str],
) -> None:
    """Raise :class:`WfmInputError` at the first row where ``bad`` is True.

    ``message`` is the text, or a function of the row index giving it.
    """
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise WfmInputError(
            message(i) if callable(message) else message,
            file=table.path,
            row=int(table.line[i]),
            column=column,
        )


def numeric_column(
    table: RawTable,
    column: str,
    *,
    minimum: float | None = None,
    strictly_above: float | None = None,
    maximum: float | None = None,
    blank: float | None = None,
    what: str = "a number",
) -> np.ndarray:
    """Parse a column as floats; the first bad cell raises with file, line, column.

    ``blank`` is the value for empty cells (None: empty cells are errors).
    """
    raw = table.frame[column].astype(str)
    text = raw.str.replace(",", ".", regex=False) if table.decimal_comma else raw
    values = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(float)
    empty = (raw == "").to_numpy()
    if blank is not None:
        values = np.where(empty, blank, values)
    bad = ~np.isfinite(values)
    if minimum is not None:
        bad |= values < minimum
    if strictly_above is not None:
        bad |= values <= strictly_above
    if maximum is not None:
        bad |= values > maximum
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        cell = raw.iloc[i]
        shown = "an empty cell" if cell == "" else repr(cell)
        raise WfmInputError(
            f"expected {what}, found {shown}",
            file=table.path,
            row=int(table.line[i]),
            column=column,
        )
    return values
