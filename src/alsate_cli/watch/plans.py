"""What one watch was asked to do (source, alerts, explaining), as the command line gave it.

Plain data, in a module of its own: the session and its explain worker both read these, and neither may import
the other for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alsate_cli.config import Config
from alsate_cli.models.resolve import ResolvedModel
from alsate_cli.sources.journalctl import JournalQuery
from alsate_cli.watch.alerts import AlertLevel
from alsate_cli.watch.cursor import CursorStore
from alsate_cli.watch.journal_follow import JournalStart


@dataclass(slots=True)
class SourcePlan:
    """Exactly one of: the journal (``query``), a file (``path``, followed or read once), or stdin."""

    query: JournalQuery | None = None
    start: JournalStart = field(default_factory=JournalStart)
    cursor_store: CursorStore | None = None
    path: str | None = None
    follow: bool = False
    from_start: bool = False


@dataclass(slots=True)
class AlertPlan:
    level: AlertLevel | None = None
    command: list[str] | None = None
    timeout_s: float = 10.0
    bell: bool = False


@dataclass(slots=True)
class ExplainPlan:
    model: ResolvedModel | None
    config: Config
    use_cache: bool = True
    threads: int | None = None
    queue_size: int = 100
