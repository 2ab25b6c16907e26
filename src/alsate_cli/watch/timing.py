"""Poll intervals: short enough that a new warning shows within a second, overridable so tests run in milliseconds."""

from __future__ import annotations

import os

POLL_ENV = "ALSATE_WATCH_POLL_S"
DEFAULT_POLL_S = 0.25
"""How often the dashboard redraws, the file follower looks for new data and the cursor is saved."""


def poll_interval() -> float:
    """``$ALSATE_WATCH_POLL_S`` (seconds, clamped to 0.01–5) or the default."""
    try:
        value = float(os.environ.get(POLL_ENV, ""))
    except ValueError:
        return DEFAULT_POLL_S
    return min(5.0, max(0.01, value))
