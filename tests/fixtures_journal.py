"""Fixtures that build real journal files (systemd-journal-remote) for tests.

``make_journal(entries)`` writes the entries in the journal export format
(https://systemd.io/JOURNAL_EXPORT_FORMATS/) and has the real ``systemd-journal-remote`` turn them into
a ``.journal`` file, which the real ``journalctl --file`` then reads: no hand-made JSON standing in
for what journald emits. Typical use::

    def test_something(make_journal):
        path = make_journal([{"MESSAGE": "disk failed", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "smartd"}])
        output = journalctl_json(path)  # bytes, one JSON object per line

Each entry is a dict of field name -> str or bytes. Values that are bytes or contain a newline are
written in the binary form, so non-UTF-8 messages and control characters reach the journal as they
are. Missing ``__REALTIME_TIMESTAMP`` (one second apart from 2026-11-20 08:00:00 UTC),
``__MONOTONIC_TIMESTAMP`` and ``_BOOT_ID`` are filled in; nothing else is invented, so pass
``_HOSTNAME`` and the like when a test needs them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
"""Debian/Ubuntu location; ``ALSATE_TEST_JOURNAL_REMOTE`` overrides it."""
BASE_TIME_US = 1_795_161_600_000_000
"""2026-11-20 08:00:00 UTC, the default time of the first entry."""
DEFAULT_BOOT_ID = "0123456789abcdef0123456789abcdef"

Fields = Mapping[str, str | bytes]
MakeJournal = Callable[[Iterable[Fields]], Path]


def export_format(entries: Iterable[Fields]) -> bytes:
    """The entries in journal export format, with the required timestamps and boot ID filled in."""
    out = bytearray()
    for index, entry in enumerate(entries):
        fields: dict[str, str | bytes] = {
            "__REALTIME_TIMESTAMP": str(BASE_TIME_US + index * 1_000_000),
            "__MONOTONIC_TIMESTAMP": str(1_000_000 + index * 1_000_000),
            "_BOOT_ID": DEFAULT_BOOT_ID,
        }
        fields.update(entry)
        for name, value in fields.items():
            if isinstance(value, str) and "\n" not in value:
                out += f"{name}={value}\n".encode()
            else:
                raw = value if isinstance(value, bytes) else value.encode()
                out += name.encode() + b"\n" + struct.pack("<Q", len(raw)) + raw + b"\n"
        out += b"\n"
    return bytes(out)


def journal_remote_binary() -> str | None:
    path = os.environ.get("ALSATE_TEST_JOURNAL_REMOTE") or JOURNAL_REMOTE
    return path if os.access(path, os.X_OK) else None


def journalctl_json(path: Path, *args: str) -> bytes:
    """``journalctl --file PATH -o json`` (plus ``args``) as the real journalctl prints it."""
    journalctl = shutil.which("journalctl")
    if journalctl is None:
        pytest.skip("journalctl is not installed")
    result = subprocess.run(
        [journalctl, f"--file={path}", "--output=json", "--all", "--no-pager", *args],
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


@pytest.fixture
def make_journal(tmp_path: Path) -> MakeJournal:
    """Factory: ``make_journal(entries) -> Path`` of a new real journal file under ``tmp_path``."""
    binary = journal_remote_binary()
    if binary is None:
        pytest.skip(f"{JOURNAL_REMOTE} is not installed (Debian/Ubuntu package systemd-journal-remote)")
    counter = itertools.count(1)

    def make(entries: Iterable[Fields]) -> Path:
        path = tmp_path / f"test-{next(counter)}.journal"  # journal-remote insists on the .journal suffix
        result = subprocess.run(
            [binary, f"--output={path}", "-"],
            input=export_format(entries),
            capture_output=True,
            check=False,
            timeout=30,
        )
        assert result.returncode == 0 and path.exists(), result.stderr.decode(errors="replace")
        return path

    return make
