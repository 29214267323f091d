"""Domain errors: user mistakes that the CLI reports as one line and exit code 2."""

from __future__ import annotations


class WfmInputError(Exception):
    """Bad user input (file, option or configuration), with its location.

    ``str(err)`` is one line: ``FILE:ROW: column 'COL': MESSAGE`` with the parts
    that are known.  Rows are file line numbers (the header is line 1).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = str(self.file)
            if self.row is not None:
                where += f":{self.row}"
            where += ": "
        elif self.row is not None:
            where = f"line {self.row}: "
        if self.column:
            where += f"column '{self.column}': "
        return where + self.message
