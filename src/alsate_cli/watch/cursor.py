"""Remember where the journal was left (``__CURSOR`` of the last processed entry), per journal query.

A restart resumes right after that entry with ``--after-cursor``: no gap and no entry read twice. The file is
replaced atomically, so a crash mid-write leaves the previous cursor, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from alsate_cli.config import state_dir
from alsate_cli.sources.journalctl import JournalQuery, journalctl_argv


def query_key(query: JournalQuery) -> str:
    """Identifies what is watched (journal files, units, priorities, matches), not when it started (``--since``)."""
    stable = JournalQuery(
        directory=query.directory,
        files=list(query.files),
        units=list(query.units),
        priority=query.priority,
        matches=list(query.matches),
        boot=query.boot,
    )
    argv = journalctl_argv(stable)[1:]  # without the binary: the same journal through another build is the same
    return hashlib.blake2b("\0".join(argv).encode(), digest_size=8).hexdigest()


class CursorStore:
    """One small JSON file per query under ``$XDG_STATE_HOME/alsate/watch/``."""

    def __init__(self, query: JournalQuery, directory: Path | None = None) -> None:
        self.path = (directory or state_dir() / "watch") / f"cursor-{query_key(query)}.json"
        self._saved: str | None = None

    def load(self) -> str | None:
        """The stored cursor, or None (never saved, unreadable or damaged: start fresh rather than fail)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        cursor = data.get("cursor") if isinstance(data, dict) else None
        self._saved = cursor if isinstance(cursor, str) and cursor else None
        return self._saved

    def save(self, cursor: str | None) -> None:
        """Write ``cursor`` if it changed since the last save (called a few times a second)."""
        if not cursor or cursor == self._saved:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"cursor": cursor}), encoding="utf-8")
        os.replace(temporary, self.path)
        self._saved = cursor
