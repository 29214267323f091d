"""The ``wfm`` command line (placeholder until the commands land)."""

import typer

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Workforce planning for service centers."
)


@app.callback()
def _root() -> None:
    """Workforce planning for service centers."""


def main() -> None:
    app()
