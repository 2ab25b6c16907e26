"""Remembering which model licenses the user accepted, so a second ``alsate pull`` does not ask again.

Acceptances live in the XDG state directory (not the config: they record something the user did, not a setting),
one JSON object keyed by repository and license name; a license that changes its name must be accepted anew.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from alsate_cli.config import state_dir
from alsate_cli.models.presets import License

ACCEPTED_FILE = "accepted-licenses.json"


def acceptance_path() -> Path:
    return state_dir() / ACCEPTED_FILE


def _key(repo_id: str, license: License) -> str:
    return f"{repo_id}\n{license.name}"


def _load(path: Path) -> dict[str, bool]:
    """The recorded acceptances; an unreadable or corrupt file counts as none (the user is simply asked again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(key): True for key, value in data.items() if value is True} if isinstance(data, dict) else {}


def is_accepted(repo_id: str, license: License) -> bool:
    return _load(acceptance_path()).get(_key(repo_id, license), False)


def remember_acceptance(repo_id: str, license: License) -> None:
    """Record the acceptance atomically (a crash never leaves a half-written file)."""
    path = acceptance_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    accepted = _load(path)
    accepted[_key(repo_id, license)] = True
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".accepted-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(accepted, out, indent=1, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
