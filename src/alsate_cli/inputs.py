"""Choose where log lines come from: a file, stdin, or journalctl run by alsate itself."""

from __future__ import annotations

import contextlib
import os
import stat
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
        if self.path == "-" or (self.path is None and not self.uses_journalctl):
            return "stdin"
        return self.path if self.path is not None else "journalctl"

    @property
    def uses_journalctl(self) -> bool:
        """No ``--input``, and stdin no pipe or file (a terminal, or /dev/null as cron and systemd give) or a journal
        named (``--file``, ``--directory``, ``--unit``, ``--boot``): those options mean journalctl, so a cron job's
        or a script's stdin does not silently stand in for the journal asked for."""
        return self.path is None and (not stdin_is_a_stream() or self.query.names_journal)

    def regular_file(self) -> int | str | None:
        """The input as a regular file that can be read twice: its path, or stdin's descriptor 0 when stdin is
        redirected from one (``alsate analyze < file``); None for a pipe, a terminal, a device or journalctl."""
        try:
            if self.path is not None and self.path != "-":
                return self.path if stat.S_ISREG(os.stat(self.path).st_mode) else None
            return 0 if stat.S_ISREG(os.fstat(0).st_mode) else None
        except OSError:
            return None  # opening it reports the problem as usual


def stdin_is_a_stream() -> bool:
    """A pipe, socket or redirected file. A terminal or /dev/null (cron's and systemd's stdin) means: the journal."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)


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
