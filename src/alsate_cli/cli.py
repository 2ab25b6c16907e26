"""The Typer app: wires subcommands together and turns errors into messages. No logic lives here."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from alsate_cli import __version__
from alsate_cli.commands.analyze import analyze
from alsate_cli.commands.models import models_app
from alsate_cli.commands.pull import pull
from alsate_cli.commands.report import report
from alsate_cli.commands.rules import rules_app
from alsate_cli.commands.watch import watch
from alsate_cli.errors import EXIT_INTERRUPTED, AlsateError

app = typer.Typer(
    name="alsate",
    help="Analysis of Linux System Logs for Active Threat Evaluation: groups warnings and worse from the journal "
    "or syslog into distinct issues and explains each one (cause and remediation) with a local LLM.",
    epilog="Examples:  journalctl -p 4 -o json | alsate analyze    ·    alsate analyze --since yesterday",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"alsate {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Analysis of Linux System Logs for Active Threat Evaluation."""


app.command(no_args_is_help=False)(analyze)
app.command()(pull)
app.command()(report)
app.command()(watch)
app.add_typer(models_app, name="models")
app.add_typer(rules_app, name="rules")


def main() -> None:
    """Console-script entry point: known errors become one line on stderr and an exit code."""
    try:
        app(prog_name="alsate")
    except AlsateError as error:
        print(f"alsate: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        print("alsate: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader (head, less) went away: not an error worth a message. Point stdout at devnull so
        # the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
