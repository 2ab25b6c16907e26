"""The Typer app: wires subcommands together and turns errors into messages. No logic lives here.

Start-up time matters (``alsate --help`` and a cron job's ``alsate analyze`` should feel instant), so a subcommand's
module is imported only when that subcommand runs or shows its own help: ``alsate --help`` and shell completion of
subcommand names read the one-line summaries in ``SUBCOMMANDS`` instead (tests/test_cli_lazy.py keeps them equal to
the commands' real help).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from alsate_cli import __version__
from alsate_cli.errors import EXIT_INTERRUPTED, AlsateError


@dataclass(frozen=True)
class Subcommand:
    """Where a subcommand lives (a command function or a Typer sub-app) and its summary for ``alsate --help``."""

    module: str
    attribute: str
    summary: str
    """The first paragraph of the subcommand's help, exactly as it renders in the parent's command list."""


SUBCOMMANDS: dict[str, Subcommand] = {
    "analyze": Subcommand(
        "alsate_cli.commands.analyze", "analyze", "Group warnings and worse into issues and explain each one."
    ),
    "pull": Subcommand(
        "alsate_cli.commands.pull", "pull", "Download a GGUF model (default: the ALSATE model) so analyze can use it."
    ),
    "report": Subcommand(
        "alsate_cli.commands.report",
        "report",
        "Write a report of a period's warnings and worse: summary, timeline, issues with cause and remediation.",
    ),
    "watch": Subcommand(
        "alsate_cli.commands.watch",
        "watch",
        "Watch the journal (or a file, or stdin) live: new issues, threat levels and explanations as they happen.",
    ),
    "models": Subcommand(
        "alsate_cli.commands.models", "models_app", "List the local GGUF models analyze can use, or inspect one."
    ),
    "rules": Subcommand(
        "alsate_cli.commands.rules",
        "rules_app",
        "Show the detection rules (shipped and your own) and test them on a log file.",
    ),
    "generate": Subcommand(
        "alsate_cli.commands.generate",
        "generate",
        "Write realistic synthetic log lines learned from real ones, anonymised.",
    ),
    "evaluate": Subcommand(
        "alsate_cli.commands.evaluate",
        "evaluate",
        "Score a generated log against the real one: realism, fidelity, diversity and leakage.",
    ),
    "dataset": Subcommand(
        "alsate_cli.commands.dataset",
        "dataset",
        "Export analysed groups as fine-tuning data (JSON Lines, ALSATE chat format).",
    ),
}
"""Every subcommand, in the order ``alsate --help`` lists them."""

_APP_SETTINGS: dict[str, Any] = {"rich_markup_mode": "rich", "pretty_exceptions_enable": False}
_SUMMARIES_ONLY = "alsate.summaries_only"


class _Summary(TyperCommand):
    """Stands in for a subcommand not imported yet: its name and summary, enough for a list of commands."""

    def __init__(self, name: str, summary: str) -> None:
        super().__init__(name=name, help=summary, rich_markup_mode=_APP_SETTINGS["rich_markup_mode"])


def load_subcommand(name: str) -> TyperCommand | TyperGroup:
    """Import ``name``'s module and build its Click command exactly as registering it on the app would."""
    subcommand = SUBCOMMANDS[name]
    # __import__ rather than importlib.import_module: only the former shows up in ``python -X importtime``.
    target = getattr(__import__(subcommand.module, fromlist=[subcommand.attribute]), subcommand.attribute)
    holder = typer.Typer(add_completion=False, **_APP_SETTINGS)
    holder.callback()(_no_options)  # a callback makes Typer build a group, whatever it holds
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    command = group.commands[name]
    _reflow_help(command)
    return command  # type: ignore[return-value]


_OWN_LINE = re.compile(r"\s|[-*•] |\d+[.)] |\[")
"""A line that keeps its own line in help: indented (an example), a list item, or one starting with markup."""


def reflow(text: str) -> str:
    """Join the lines a paragraph was wrapped into in the source, so the terminal wraps it at its own width.

    Typer's rich mode keeps every newline of a docstring: help wrapped at 120 columns in the source would break
    mid-sentence on an 80-column terminal and run short on a wide one. Examples and list items keep their lines.
    """
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines: list[str] = []
        for line in paragraph.split("\n"):
            if lines and line and not _OWN_LINE.match(line) and not lines[-1][:1].isspace():
                lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _reflow_help(command: Any) -> None:
    if command.help:
        command.help = reflow(command.help)  # already dedented by Typer (inspect.getdoc)
    for subcommand in getattr(command, "commands", {}).values():
        _reflow_help(subcommand)


def _no_options() -> None:
    """The holder group's callback in ``load_subcommand``: never run."""


class LazyGroup(TyperGroup):
    """The top-level group: imports a subcommand's module the first time the subcommand is resolved.

    ``self.commands`` holds a ``_Summary`` per subcommand until then, so the name list (ordering, "did you mean")
    is complete from the start. Listing commands with their help (``--help``, shell completion of a subcommand
    name) uses the summaries; anything else that asks for a command gets the real one.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, subcommand in SUBCOMMANDS.items():
            self.commands.setdefault(name, _Summary(name, subcommand.summary))

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if isinstance(command, _Summary) and not ctx.meta.get(_SUMMARIES_ONLY):
            command = self.commands[cmd_name] = load_subcommand(cmd_name)
        return command

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        with _summaries_only(ctx):
            return super().format_help(ctx, formatter)

    def shell_complete(self, ctx: typer.Context, incomplete: str) -> Any:
        with _summaries_only(ctx):
            return super().shell_complete(ctx, incomplete)


@contextlib.contextmanager
def _summaries_only(ctx: typer.Context) -> Iterator[None]:
    previous = ctx.meta.get(_SUMMARIES_ONLY, False)
    ctx.meta[_SUMMARIES_ONLY] = True
    try:
        yield
    finally:
        ctx.meta[_SUMMARIES_ONLY] = previous


app = typer.Typer(
    name="alsate",
    cls=LazyGroup,
    help="Analysis of Linux System Logs for Active Threat Evaluation: groups warnings and worse from the journal "
    "or syslog into distinct issues and explains each one (cause and remediation) with a local LLM.",
    epilog="Examples:  journalctl -p 4 -o json | alsate analyze    ·    alsate analyze --since yesterday",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    **_APP_SETTINGS,
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
