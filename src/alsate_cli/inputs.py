"""Choose where log lines come from: a file, stdin, or journalctl run by alsate itself."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from alsate_cli.sources.files import open_log_file
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
    """Yield a binary stream of log lines (gzip files unpacked); journalctl filters itself, files are filtered
    by the pipeline."""
    if choice.uses_journalctl:
        with open_journalctl(journalctl_argv(choice.query)) as stream:
            yield stream
        return
    if choice.path is None:
        yield sys.stdin.buffer
        return
    with open_log_file(choice.path) as stream:
        yield stream
