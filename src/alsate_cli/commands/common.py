"""Steps every subcommand shares: consoles, config, the skipped-lines report, error translation."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from rich.console import Console

from alsate_cli.config import Config, load_config
from alsate_cli.errors import UsageError

if TYPE_CHECKING:
    from alsate_cli.sources.stats import IngestStats

MAX_REASONS_SHOWN = 4


def console_warner(console: Console) -> Callable[[str], None]:
    """``warn(message)`` printing ``alsate: warning: …`` on ``console`` as plain text (a message may quote log
    text or a path, which must not be read as Rich markup), on one line: a log or ``grep`` sees the whole warning
    (the terminal wraps it, not Rich)."""

    def warn(message: str) -> None:
        console.print(f"alsate: warning: {message}", markup=False, highlight=False, soft_wrap=True)

    return warn


class _ReadingStatus:
    """Rendered by Rich's own refresh thread, so the reading loop pays nothing for the display."""

    def __init__(self, stats: IngestStats, source: str) -> None:
        self.stats, self.source = stats, source

    def __rich__(self) -> str:
        return f"Reading {self.source}: {self.stats.read:,} lines, {self.stats.kept:,} kept"


@contextlib.contextmanager
def reading_status(console: Console, stats: IngestStats, source: str, *, enabled: bool) -> Iterator[None]:
    """A live line count on stderr while a large input is read (terminals only)."""
    if not enabled:
        yield
        return
    with console.status(_ReadingStatus(stats, source)):  # type: ignore[arg-type]
        yield


def stderr_console() -> Console:
    """Progress and warnings: stderr, so stdout stays clean for pipes."""
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    """Rich output; no ANSI codes when stdout is not a terminal or NO_COLOR is set (Rich honours both)."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def config_or_fail() -> Config:
    from alsate_cli.config import ConfigError

    try:
        config = load_config()
    except ConfigError as error:
        raise UsageError(str(error)) from None
    for warning in getattr(config, "warnings", ()):
        print(f"alsate: warning: {warning}", file=sys.stderr)
    return config


def skip_report(stats: IngestStats) -> str | None:
    """One paragraph for stderr: how many lines were skipped, why, and where the first ones are."""
    if not stats.skipped:
        return None
    reasons = ", ".join(f"{count} {reason}" for reason, count in stats.skip_reasons.most_common(MAX_REASONS_SHOWN))
    others = len(stats.skip_reasons) - MAX_REASONS_SHOWN
    if others > 0:
        reasons += f", {others} other reasons"
    where = "; ".join(f"line {line}: {reason}" for line, reason in stats.skip_examples)
    return f"alsate: skipped {stats.skipped} of {stats.read} input lines ({reasons}). First: {where}"
