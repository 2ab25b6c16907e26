"""Which issues earlier reports already showed, so a report can mark what is new since the last one.

Kept as ``report-seen.json`` in the state directory: group id → when a report last showed it. Group ids are
stable across runs, so "new" means "no earlier report had this issue". A damaged file is a warning, never a
failed cron job: the report then treats every issue as new and writes a fresh file.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from alsate_cli.config import state_dir

SEEN_FILE = "report-seen.json"
MAX_REMEMBERED = 20_000
"""Ids kept (the most recently shown): the file stays small however long cron runs."""


def seen_path() -> Path:
    return state_dir() / SEEN_FILE


def load_seen(path: Path | None = None) -> tuple[dict[str, float], str | None]:
    """(id → last shown, epoch seconds) and a warning when the file exists but cannot be used."""
    path = path or seen_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as error:
        return {}, f"cannot read {path} ({error}); every issue is marked new"
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, dict):
        return {}, f"{path} is not a report state file; every issue is marked new"
    return {str(key): float(value) for key, value in groups.items() if isinstance(value, int | float)}, None


def remember(seen: dict[str, float], shown: Iterable[str], path: Path | None = None) -> str | None:
    """Add the ids this report showed and write the file atomically; a warning if it cannot be written."""
    path = path or seen_path()
    now = time.time()
    merged = {**seen, **{group_id: now for group_id in shown}}
    if len(merged) > MAX_REMEMBERED:
        merged = dict(sorted(merged.items(), key=lambda item: item[1])[-MAX_REMEMBERED:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".report-seen.", delete=False) as handle:
            json.dump({"version": 1, "groups": merged}, handle)
        os.replace(handle.name, path)
    except OSError as error:
        return f"cannot write {path} ({error.strerror or error}); the next report marks these issues new again"
    return None
