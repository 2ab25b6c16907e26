"""Choose where log lines come from: a file, stdin, or journalctl run by alsate itself."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from alsate_cli.errors import UsageError
from alsate_cli.sources.journalctl import JournalQuery, journalctl_argv, open_journalctl


@dataclass(slots=True)
class InputChoice:
    """Where to read from, as the options said."""

    path: str | None
    query: JournalQuery

    def describe(self) -> str:
        if self.path == "-" or (self.path is None and not sys.stdin.isatty()):
            return "stdin"
        return self.path if self.path is not None else "journalctl"

    @property
    def uses_journalctl(self) -> bool:
        return self.path is None and sys.stdin.isatty()


@contextlib.contextmanager
def open_input(choice: InputChoice) -> Iterator[BinaryIO]:
    """Yield a binary stream of log lines; journalctl filters itself, files are filtered by the pipeline."""
    if choice.uses_journalctl:
        with open_journalctl(journalctl_argv(choice.query)) as stream:
            yield stream
        return
    if choice.path is None or choice.path == "-":
        yield sys.stdin.buffer
        return
    path = Path(choice.path)
    if path.is_dir():
        raise UsageError(f"--input {path} is a directory (for journal directories use --directory)")
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise UsageError(f"--input {path}: no such file") from None
    except OSError as error:
        raise UsageError(f"--input {path}: {error.strerror or error}") from None
    with stream:
        yield stream
