"""Byte streams that never block a shutdown: a pipe read through ``select`` and a ``tail -F`` file follower.

Both offer ``read1`` (what ``sources.reader.read_entries`` uses), returning whatever bytes have arrived, so a line
is parsed as soon as it is written instead of when a 256 KiB chunk fills up. Both return ``b""`` (end of stream)
once ``stop`` is set, which ends the reader thread cleanly.
"""

from __future__ import annotations

import os
import select
import threading
from typing import BinaryIO


class StoppableStream:
    """A pipe (journalctl's stdout, stdin) read with a timeout, so ``stop`` is noticed within one poll."""

    def __init__(self, stream: BinaryIO, stop: threading.Event, poll_s: float) -> None:
        self._stream = stream
        self._fd = stream.fileno()
        self._stop = stop
        self._poll_s = poll_s

    def read1(self, size: int = -1) -> bytes:
        size = size if size > 0 else 1 << 16
        while not self._stop.is_set():
            ready, _, _ = select.select([self._fd], [], [], self._poll_s)
            if not ready:
                continue
            data = os.read(self._fd, size)
            if not data:
                # Let the wrapped stream see the end too: open_journalctl then reports journalctl's exit status.
                self._stream.read()
            return data
        return b""

    read = read1


class FileFollower:
    """Follows a log file by name like ``tail -F``: survives rotation (rename + new file) and truncation.

    After a rotation the old file is read to its end before the new one is opened, so no line written just before
    the rename is lost. A missing file is waited for.
    """

    def __init__(self, path: str, stop: threading.Event, poll_s: float, *, from_start: bool) -> None:
        self.path = path
        self.rotations = 0
        self.truncations = 0
        self._stop = stop
        self._poll_s = poll_s
        self._file: BinaryIO | None = None
        self._open(at_end=not from_start)

    def _open(self, *, at_end: bool) -> None:
        try:
            self._file = open(self.path, "rb", buffering=0)  # noqa: SIM115  # kept open across reads, closed on rotation
        except FileNotFoundError:
            self._file = None
            return
        if at_end:
            self._file.seek(0, os.SEEK_END)

    def read1(self, size: int = -1) -> bytes:
        size = size if size > 0 else 1 << 16
        while not self._stop.is_set():
            if self._file is None:
                self._open(at_end=False)  # a file created after we started (or after a rotation): all of it is new
            if self._file is not None:
                data = self._file.read(size)
                if data:
                    return data
                if self._truncated():
                    continue
                if self._replaced():
                    rest = self._file.read(size)  # written between our last read and the rename
                    if rest:
                        return rest
                    self._file.close()
                    self._file = None
                    self.rotations += 1
                    continue
            self._stop.wait(self._poll_s)
        return b""

    read = read1

    def _stat_by_name(self) -> os.stat_result | None:
        try:
            return os.stat(self.path)
        except FileNotFoundError:
            return None  # rotated away, successor not created yet: keep the old one until it appears

    def _replaced(self) -> bool:
        """The name now points to another file (rotation)."""
        assert self._file is not None
        by_name = self._stat_by_name()
        if by_name is None:
            return False
        opened = os.fstat(self._file.fileno())
        return (by_name.st_ino, by_name.st_dev) != (opened.st_ino, opened.st_dev)

    def _truncated(self) -> bool:
        """The open file shrank below what was read (``truncate``, ``> file``): start it again from the top."""
        assert self._file is not None
        if os.fstat(self._file.fileno()).st_size >= self._file.tell():
            return False
        self._file.seek(0)
        self.truncations += 1
        return True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
