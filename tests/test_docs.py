"""The documentation stays true: every ``wfm`` command line shown in README.md and
docs/ names a command and options that exist, and the examples whose output the
docs show are re-run and compared.

The site itself is built with ``mkdocs build --strict`` in ``.ci/run`` (broken links
and pages missing from the navigation fail there).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from wfm.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^```(\w*)\s*$")


def fenced_blocks(text: str) -> Iterator[tuple[str, list[str]]]:
    """(language, lines) of every fenced code block in a Markdown text."""
    language, lines, inside = "", [], False
    for line in text.splitlines():
        match = FENCE.match(line.strip())
        if match and not inside:
            language, lines, inside = match.group(1), [], True
        elif line.strip() == "```" and inside:
            inside = False
            yield language, lines
        elif inside:
            lines.append(line)


def wfm_command_lines(lines: list[str]) -> Iterator[str]:
    """The ``wfm ...`` command lines of a shell block, continuation lines joined,
    prompts (``$``), comments and ``pip install ... &&`` prefixes removed."""
    joined: list[str] = []
    current = ""
    for line in lines:
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        joined.append(current)
        current = ""
    for line in joined:
        line = line.strip().removeprefix("$ ").strip()
        for part in line.split("&&"):
            part = part.strip()
            if part.startswith("wfm "):
                yield re.sub(r"\s#\s.*$", "", part)


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for path in DOC_FILES:
        for language, lines in fenced_blocks(path.read_text(encoding="utf-8")):
            if language in ("bash", "console", "sh", "shell", ""):
                found += [(str(path.relative_to(ROOT)), cmd) for cmd in wfm_command_lines(lines)]
    return found


def resolve(tokens: list[str]) -> tuple[Any, list[str]]:
    """The (typer/click) command a token list names, and the tokens after its name."""
    command = typer.main.get_command(app)
    rest = tokens[1:]
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        assert rest[0] in command.commands, f"no command {rest[0]!r}"
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


COMMANDS = documented_commands()


def test_the_docs_show_commands() -> None:
    """The collector finds the examples (guards against a parser that finds nothing)."""
    names = {cmd.split()[1] for _, cmd in COMMANDS}
    assert {"plan", "forecast", "staff", "erlang", "schedule", "simulate", "scenario"} <= names


@pytest.mark.parametrize(("doc", "command_line"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_documented_command_and_options_exist(doc: str, command_line: str) -> None:
    tokens = shlex.split(command_line.replace("[", " ").replace("]", " "))
    command, rest = resolve(tokens)
    known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    options = [t.split("=")[0] for t in rest if t.startswith("-") and t not in ("-", "--")]
    unknown = [o for o in options if o not in known]
    assert not unknown, f"{doc}: `{command_line}` uses {unknown}, not options of {command.name}"


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_readme_quickstart_is_the_docs_quickstart() -> None:
    """The two quickstart commands are the same in the README and on the site's home."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    quickstart = [_between(t, "## Quickstart", "The first installs") for t in (readme, home)]
    assert quickstart[0] == quickstart[1]
    blocks = [lines for _, lines in fenced_blocks(quickstart[0])]
    assert len(blocks) == 2 and all(len(b) == 1 for b in blocks)
    assert blocks[0][0].startswith("pip install -e . && wfm plan examples/history.csv")
    assert blocks[1][0] == 'pip install -e ".[dev]" && python -m pytest'


def _table_rows(block: list[str]) -> dict[int, list[str]]:
    rows = {}
    for line in block:
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 1 and cells[0].isdigit():
            rows[int(cells[0])] = cells[1:]
    return rows


def test_erlang_example_output_is_current() -> None:
    """docs/commands/erlang.md shows the calculator's table: re-run the command and
    compare every row (service level, ASA, abandonment, occupancy, required mark)."""
    text = (ROOT / "docs" / "commands" / "erlang.md").read_text(encoding="utf-8")
    block = next(lines for lang, lines in fenced_blocks(text) if lang == "console")
    args = shlex.split(block[0].removeprefix("$ "))[1:]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    lines = json.loads(result.output)["lines"]
    shown = _table_rows(block)
    assert sorted(shown) == [line["agents"] for line in lines]
    for line in lines:
        sl, asa, abandoned, occupancy, *note = shown[line["agents"]]
        assert sl == f"{100 * line['service_level']:.1f} %"
        assert asa == f"{line['asa']:.1f} s"
        assert abandoned == f"{100 * line['abandon_rate']:.1f} %"
        assert occupancy == f"{100 * line['occupancy']:.1f} %"
        assert ("required" in " ".join(note)) == line["required"]
