"""The ``wfm`` command line: each command parses options, calls one library function
(``wfm.pipeline``), prints results.

Exit codes: 0 success, 2 user error (bad input, bad option, bad config),
1 internal error (a bug: one line ``internal error: ...``, no traceback unless
``WFM_DEBUG=1``), 130 interrupted (Ctrl-C).  User errors print one line naming
file, row and column, or the option.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

import typer

from wfm.cli.capacity import capacity
from wfm.cli.erlang import erlang
from wfm.cli.forecast import forecast
from wfm.cli.pilot import pilot, pilot_check
from wfm.cli.plan import plan, report
from wfm.cli.scenario import scenario_app
from wfm.cli.schedule import schedule
from wfm.cli.scorecard import scorecard
from wfm.cli.simulate import simulate
from wfm.cli.staff import staff
from wfm.errors import WfmInputError
from wfm.io import interrupt

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Workforce planning for multilingual service centers: forecast, staff, schedule.",
)
for command in (erlang, forecast, staff, schedule, simulate):
    app.command()(command)
scenario_app.command("scorecard")(scorecard)  # `wfm scenario scorecard SCORECARD.toml`
scenario_app.command("pilot")(pilot)  # `wfm scenario pilot PILOT.toml -f F -c C`
scenario_app.command("pilot-check")(pilot_check)  # `wfm scenario pilot-check ACTUALS.csv`
app.add_typer(scenario_app, name="scenario")  # `wfm scenario compare`
app.command("plan")(plan)  # `wfm plan`: the whole chain (wfm/pipeline/plan.py)
app.command("report")(report)  # `wfm report PLAN_DIR`: report of a plan directory
app.command("capacity")(capacity)  # `wfm capacity CAPACITY.toml`: monthly hiring plan


@app.callback()
def _root() -> None:
    """Workforce planning for multilingual service centers."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``wfm`` console script: runs the command, then exits with
    0 (success), 2 (user error), 1 (internal error) or 130 (interrupted).

    SIGINT is recorded as well as raised (:mod:`wfm.io.interrupt`): a Ctrl-C whose
    KeyboardInterrupt the interpreter dropped (one raised inside a weakref callback or
    a ``__del__``) still stops the run before it publishes and exits 130, and so does
    one that came while ``python -m wfm`` loaded its modules."""
    previous = interrupt.install()
    try:
        code = _interrupted() if interrupt.interrupted() else _exit_code(argv)
    finally:
        interrupt.reset()  # a next run in this process (tests) starts clean
        if previous is not None:
            signal.signal(signal.SIGINT, previous)  # type: ignore[arg-type]
    sys.exit(code)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """True when ``exc`` or an exception in its chain is a KeyboardInterrupt, or when
    SIGINT arrived during the run."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return interrupt.interrupted()


def _exit_code(argv: Sequence[str] | None) -> int:
    try:
        code = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except typer.TyperException as exc:  # bad option or argument: one line, exit 2
        if type(exc).__name__ == "NoArgsIsHelpError":  # `wfm` alone: the help
            typer.echo(exc.format_message(), err=True)
            return 2
        ctx = getattr(exc, "ctx", None)
        hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        typer.echo(f"error: {exc.format_message()}{hint}", err=True)
        return exc.exit_code
    except WfmInputError as exc:  # a user mistake met outside a command's own run()
        typer.echo(f"error: {exc}", err=True)
        return 2
    except (KeyboardInterrupt, typer.Abort):
        return _interrupted()
    except Exception as exc:  # a bug: short message, exit 1 (traceback with WFM_DEBUG=1)
        if _caused_by_interrupt(exc):
            return _interrupted()
        if os.environ.get("WFM_DEBUG"):
            raise
        text = " ".join(str(exc).split())[:300]
        typer.echo(f"internal error: {type(exc).__name__}: {text} "
                   "(a bug in wfm; rerun with WFM_DEBUG=1 for the traceback)", err=True)
        return 1
    if code == 130 or interrupt.interrupted():  # typer turns Ctrl-C into Exit(130)
        return _interrupted()
    return code if isinstance(code, int) else 0


def _interrupted() -> int:
    typer.echo("interrupted", err=True)
    return 130
