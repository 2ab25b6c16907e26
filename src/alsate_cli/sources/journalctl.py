"""Run journalctl ourselves and read its JSON output.

The argument list is built as a list, never a shell string, so unit names and dates from the command
line cannot inject anything. Output is ``-o json`` (every field, which the parser needs) with ``--all``
so messages over 4096 bytes arrive as text instead of ``null`` (the reader's line limit still bounds
them).

The binary is ``journalctl`` from ``PATH``, or whatever the ``ALSATE_JOURNALCTL`` environment variable
names (a different systemd build, or a nonexistent path to test the missing-binary message).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from alsate_cli.priority import PrioritySelection
from alsate_cli.sources.errors import SourceError
from alsate_cli.textsafe import one_line

JOURNALCTL_ENV = "ALSATE_JOURNALCTL"
_STOP_TIMEOUT_S = 5.0
_MAX_ERROR_CHARS = 300


@dataclass(slots=True)
class JournalQuery:
    """What to ask journalctl for; each field maps to the journalctl option of the same name."""

    since: str | None = None
    until: str | None = None
    units: list[str] = field(default_factory=list)
    boot: str | None = None
    """A boot ID or offset (``0`` or ``""`` this boot, ``-1`` the one before), as ``journalctl --boot`` takes."""
    directory: str | None = None
    files: list[str] = field(default_factory=list)
    priority: PrioritySelection | None = None
    matches: list[str] = field(default_factory=list)
    """Extra journalctl match arguments such as ``_COMM=sshd`` or ``_TRANSPORT=kernel``."""

    @property
    def names_journal(self) -> bool:
        """Options only journalctl can honour were given: a journal file or directory, a unit, a boot."""
        return bool(self.files or self.directory or self.units or self.boot is not None)

    @classmethod
    def from_options(
        cls,
        *,
        since: str | None = None,
        until: str | None = None,
        units: Iterable[str] | None = None,
        boot: str | None = None,
        directory: os.PathLike[str] | str | None = None,
        files: Iterable[os.PathLike[str] | str] | None = None,
        priority: PrioritySelection | None = None,
    ) -> JournalQuery:
        """The query as the subcommands' shared options give it (None for options not given, paths as Path)."""
        return cls(
            since=since, until=until, units=list(units or []), boot=boot,
            directory=str(directory) if directory else None, files=[str(path) for path in files or []],
            priority=priority,
        )  # fmt: skip


def journalctl_binary() -> str:
    """``$ALSATE_JOURNALCTL`` if set, else ``journalctl`` (looked up in PATH when run)."""
    return os.environ.get(JOURNALCTL_ENV) or "journalctl"


def journalctl_argv(query: JournalQuery, *, follow: bool = False, after_cursor: str | None = None) -> list[str]:
    """The journalctl command line for ``query``, as an argument list for subprocess."""
    argv = [journalctl_binary(), "--output=json", "--all", "--no-pager"]
    if query.directory:
        argv.append(f"--directory={query.directory}")
    argv += [f"--file={path}" for path in query.files]
    if query.boot is not None:
        argv.append(f"--boot={query.boot}" if query.boot else "--boot")  # "" means this boot
    if query.since:
        argv.append(f"--since={query.since}")
    if query.until:
        argv.append(f"--until={query.until}")
    argv += [f"--unit={unit}" for unit in query.units]
    if query.priority is not None:
        argv.append(f"--priority={query.priority.journalctl_arg()}")
    if after_cursor:
        argv.append(f"--after-cursor={after_cursor}")
    if follow:
        argv.append("--follow")
    argv += query.matches
    return argv


class _EofTracker(io.RawIOBase):
    """journalctl's stdout, remembering whether the reader got to its end.

    On leaving :func:`open_journalctl` this tells a finished read (so journalctl's exit status
    counts) from a reader that stopped early (journalctl is stopped and its status ignored).
    """

    def __init__(self, pipe: BinaryIO) -> None:
        super().__init__()
        self._pipe = pipe
        self.at_eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._pipe.readinto(buffer)  # type: ignore[attr-defined]
        if not count:
            self.at_eof = True
        return count

    def fileno(self) -> int:
        return self._pipe.fileno()

    def close(self) -> None:
        self._pipe.close()
        super().close()


class JournalctlFailed(SourceError):
    """journalctl ran but failed: a non-zero exit, death by a signal, or error lines on stderr at exit 0.

    ``entries`` is how many entries the reader had got before (the caller knows; ``None`` until it says), so the
    message can tell a source that failed at once from one that failed part-way: the user must know the analysis
    of a part-way failure covers only those entries.
    """

    def __init__(self, status: int, detail: str, more_lines: int = 0) -> None:
        self.status, self.detail, self.more_lines = status, detail, more_lines
        self.entries: int | None = None
        super().__init__()

    def __str__(self) -> str:
        if self.status < 0:
            how = f"killed by {_signal_name(-self.status)}"
        elif self.status:
            how = f"exit status {self.status}"
        else:
            how = "exit status 0, errors on stderr"
        after = f" after {self.entries:,} {'entry' if self.entries == 1 else 'entries'}" if self.entries else ""
        detail = self.detail + (f" (+{self.more_lines} more stderr lines)" if self.more_lines else "")
        return f"journalctl failed ({how}){after}" + (f": {detail}" if detail else "")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _error_lines(stderr: BinaryIO) -> list[str]:
    """journalctl's stderr lines, one-lined, without its ``Hint:`` notice (and that notice's indented lines).

    The hint (a user outside the ``adm`` group sees only their own messages) is advice, not a failure; any other
    line is journalctl saying it could not read something, such as ``Journal file … corrupted, ignoring file.``
    """
    stderr.seek(0)
    found: list[str] = []
    in_hint = False
    for raw in stderr.read().decode("utf-8", "replace").splitlines():
        if not raw.strip():
            continue
        in_hint = raw.startswith("Hint:") or (in_hint and raw[:1].isspace())
        if not in_hint:
            found.append(one_line(raw)[:_MAX_ERROR_CHARS])
    return found


def _failure(status: int, stderr: BinaryIO) -> JournalctlFailed | None:
    """The failure journalctl's end amounts to, or None for a clean exit with nothing but hints on stderr."""
    lines = _error_lines(stderr)
    if status == 0 and not lines:
        return None
    return JournalctlFailed(status, lines[-1] if lines else "", max(0, len(lines) - 1))


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate journalctl and reap it, so no zombie is left behind."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def open_journalctl(argv: Sequence[str]) -> Iterator[BinaryIO]:
    """Run journalctl and give its stdout as a binary stream.

    Raises SourceError when journalctl cannot be started, and :class:`JournalctlFailed` on leaving the block when
    the reader got to the end and journalctl exited non-zero, was killed by a signal (SIGABRT on some corrupted
    journals) or wrote error lines on stderr (``Journal file … corrupted, ignoring file.`` with exit status 0); the
    message is journalctl's last error line (a bad ``--since``), one-lined and trimmed.
    Leaving early (a ``break``, an exception, Ctrl-C) stops journalctl quietly: no zombie, no broken
    pipe report, and the exception, if any, passes through unchanged.
    """
    with tempfile.TemporaryFile() as stderr:  # a file, not a pipe: a chatty stderr cannot block it
        try:
            process = subprocess.Popen(
                list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, bufsize=0
            )
        except FileNotFoundError:
            raise SourceError(
                f"journalctl not found ({argv[0]!r}): install systemd's journalctl, set {JOURNALCTL_ENV} to its "
                "path, or give a log file to read instead"
            ) from None
        except OSError as error:
            raise SourceError(f"cannot run {argv[0]!r}: {error.strerror or error}") from None

        tracker = _EofTracker(process.stdout)  # type: ignore[arg-type]
        stream = io.BufferedReader(tracker, buffer_size=1 << 16)
        try:
            yield stream  # type: ignore[misc]
        except BaseException:
            stream.close()
            _stop(process)
            raise
        finished = tracker.at_eof
        stream.close()
        if not finished:
            _stop(process)  # the reader stopped early: journalctl's exit status means nothing now
            return
        try:
            status = process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:  # closed its stdout but hangs: do not wait forever
            _stop(process)
            return
        if status == -signal.SIGINT:  # Ctrl-C reached journalctl too; this process gets its own
            return
        failure = _failure(status, stderr)
        if failure is not None:
            raise failure
