"""The ``wfm`` command line: each command parses options, calls one library function
(``wfm.pipeline``), prints results.

Exit codes: 0 success, 2 user error (bad input, bad option, bad config),
1 internal error.  User errors print one line naming file, row and column.
"""

from __future__ import annotations

import sys

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


def main() -> None:
    """Entry point of the ``wfm`` console script."""
    try:
        app()
    except WfmInputError as exc:  # a user mistake met outside a command's own run()
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
