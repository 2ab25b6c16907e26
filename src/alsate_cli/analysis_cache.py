"""Reuse the finished analysis of a log file that was read before with the same settings: a repeat run reads nothing.

Reading, rating and grouping 100k journal lines takes seconds; the explanations are already cached per issue, so
without this a second ``alsate analyze --input big.json`` (to see it as Markdown, or with ``--fail-on``) would
spend all its time redoing identical work. The analysis is stored in the cache file under a key that names
everything it depends on:

* the input's bytes (SHA-256 of the whole file, as stored: a gzip file by its compressed bytes);
* the settings that change what is kept: the priority selection and the time range (as resolved);
* the rules (a digest of every rule file, the user's included) or no rules (``--no-threats``);
* alsate's own code (size and modification time of every file of the package: an upgrade or an edit changes it)
  and the reader's clock context (today's date and the UTC offset: year-less syslog dates are read against them).

Only a regular file qualifies (``--input FILE``, or stdin redirected from one): a pipe cannot be read twice, and
hashing it first would hold the whole stream. Runs that stream entries out (``--format entries``) or rewrite them
(``--redact``) read as before, and an interrupted reading is never stored. ``--no-cache`` reads afresh.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from alsate_cli.analysis_record import FORMAT_VERSION, RecordError, record, replay

if TYPE_CHECKING:
    from alsate_cli.pipeline import Analysis
    from alsate_cli.priority import PrioritySelection
    from alsate_cli.timerange import TimeRange

_DIGEST_CHUNK = 1 << 20


class AnalysisStore(Protocol):
    """The two cache methods this needs (``Cache``, ``BestEffortCache`` and ``NoCache`` have them)."""

    def get_analysis(self, key: str) -> bytes | None: ...
    def put_analysis(self, key: str, record: bytes) -> None: ...


def input_digest(source: int | str) -> str:
    """SHA-256 of the file's bytes (fast: the CPU's SHA extensions, about 1 GB/s); stdin is read from its current
    offset and put back there, so the reading that may follow sees the same bytes."""
    if isinstance(source, str):
        with open(source, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    digest = hashlib.sha256()
    start = os.lseek(source, 0, os.SEEK_CUR)
    try:
        while chunk := os.read(source, _DIGEST_CHUNK):
            digest.update(chunk)
    finally:
        os.lseek(source, start, os.SEEK_SET)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Size and modification time of every file of the installed package: a recorded analysis is reused only by
    the very code that made it (an upgrade, or an edit to an editable install, changes this)."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            with suppress(OSError):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{os.path.relpath(os.path.join(folder, name), root)}\0{info.st_size}\0"
                              f"{info.st_mtime_ns}\n".encode())  # fmt: skip
    return digest.hexdigest()


def analysis_key(
    content: str,
    selection: PrioritySelection,
    time_range: TimeRange | None,
    rules_digest: str | None,
) -> str:
    """The cache key of one reading: every input the finished analysis depends on (see the module's docstring)."""
    moment = time.localtime()
    since = until = None
    if time_range is not None:
        since, until = time_range.since_us, time_range.until_us
    parts = (
        f"analysis/{FORMAT_VERSION}",
        code_fingerprint(),
        content,
        f"priority {selection.low}..{selection.high}",
        f"range {since}..{until}",
        f"rules {rules_digest}",
        f"day {moment.tm_year}-{moment.tm_yday} utc{moment.tm_gmtoff:+d} {moment.tm_zone}",
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class AnalysisReuse:
    """One run's key, and the load/store of its recorded analysis through the cache file."""

    def __init__(self, key: str, store: AnalysisStore) -> None:
        self.key = key
        self._store = store

    @classmethod
    def for_run(
        cls,
        source: int | str,
        selection: PrioritySelection,
        time_range: TimeRange | None,
        analysis: Analysis,
        store: AnalysisStore,
    ) -> AnalysisReuse | None:
        """The reuse plan for reading ``source`` (a regular file's path, or descriptor 0 for stdin redirected from
        one: ``InputChoice.regular_file``) into ``analysis``; None when it cannot qualify."""
        threats = analysis.threats
        rules_digest = None if threats is None else threats.ruleset.source_digest
        if threats is not None and rules_digest is not None and threats.mode != "normal":
            rules_digest = f"{rules_digest}/{threats.mode}"  # the rule mode changes which lines are attempts
        if threats is not None and rules_digest is None:
            return None  # rules built in code, not loaded from files: nothing names them
        try:
            content = input_digest(source)
        except OSError:
            return None
        return cls(analysis_key(content, selection, time_range, rules_digest), store)

    def load_into(self, analysis: Analysis, warn: Callable[[str], None]) -> bool:
        """Fill ``analysis`` from the recorded one; False when there is none (or it cannot be read)."""
        data = self._store.get_analysis(self.key)
        if data is None:
            return False
        try:
            found = replay(data)
        except RecordError as error:
            warn(f"ignored a recorded analysis: {error}")
            return False
        analysis.stats, analysis.grouper, analysis.threats = found.stats, found.grouper, found.threats
        analysis.reused = True
        return True

    def save(self, analysis: Analysis) -> None:
        """Record a finished reading (an interrupted one is not finished: nothing is stored)."""
        if not analysis.interrupted:
            self._store.put_analysis(self.key, record(analysis))
