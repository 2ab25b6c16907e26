"""A SQLite file that remembers model answers and model-file digests between runs.

Explaining one issue costs seconds of model time; the same issue (same program, same message
template, same model, same prompt) gets the same answer, so it is asked once. Several alsate runs
may share the file at once (a cron job and an interactive run), hence WAL mode, a busy timeout and
one short transaction per write. The cache is an optimisation: when the file is unusable the CLI
warns and carries on without it (``open_cache`` / ``NoCache``), it never stops an analysis.

Templates and identifiers come from logs and may be sensitive, so the file is private to its owner.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol, TypeVar

from alsate_cli.config import cache_dir
from alsate_cli.errors import AlsateError
from alsate_cli.explain.explanation import Explanation, Source, Status

_T = TypeVar("_T")

CACHE_FILENAME = "cache.sqlite3"
BUSY_TIMEOUT_S = 10.0
"""How long a writer waits for another process's transaction before giving up."""

MAX_ANALYSES = 8
"""Recorded analyses kept (the newest): each is a few kB to a few MB, and only a re-run of a recent input uses one."""
MAX_ANALYSIS_BYTES = 64 << 20
"""A larger record (a flood of distinct groups) is not kept: reading the log again is cheaper than the disk."""

UNCACHEABLE = frozenset({Status.NO_MODEL, Status.SKIPPED, Status.ERROR})
"""Outcomes that say nothing about the model's answer: storing them would hide a real answer later."""


class CacheError(AlsateError):
    """The cache file cannot be used; one-line message. The CLI warns and runs without a cache."""


class CacheKeyLike(Protocol):
    """What identifies one answer (the explainer's ``CacheKey`` dataclass fits this)."""

    @property
    def model_id(self) -> str: ...
    @property
    def prompt_version(self) -> str | int: ...
    @property
    def identifier(self) -> str: ...
    @property
    def template(self) -> str: ...


def default_cache_path() -> Path:
    return cache_dir() / CACHE_FILENAME


# Schema migrations, applied in order; the database's PRAGMA user_version is how many have run.
# Never edit or reorder one that has shipped: append a new one.
def _create_explanations(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE explanations (
            model_id TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            identifier TEXT NOT NULL,
            template TEXT NOT NULL,
            cause TEXT,
            remediation TEXT NOT NULL,
            status TEXT NOT NULL,
            truncated INTEGER NOT NULL,
            note TEXT,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (model_id, prompt_version, identifier, template)
        )
        """
    )


def _create_model_hashes(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE model_hashes (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            hashed_at INTEGER NOT NULL
        )
        """
    )


def _create_analyses(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE analyses (
            key TEXT PRIMARY KEY,
            record BLOB NOT NULL,
            created_at INTEGER NOT NULL
        )
        """
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _create_explanations,
    _create_model_hashes,
    _create_analyses,
)


def migrate(db: sqlite3.Connection, migrations: Sequence[Callable[[sqlite3.Connection], None]] = MIGRATIONS) -> None:
    """Bring the schema up to ``len(migrations)``, atomically, even with other processes opening it too.

    The version is read again under the write lock, so two processes creating a fresh file do not
    both run the same migration.
    """
    if _user_version(db) == len(migrations):
        return  # the common case: no write lock taken
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _user_version(db)
        if version > len(migrations):
            raise CacheError(
                f"schema version {version} was written by a newer alsate (this one knows {len(migrations)})"
            )
        for migration in migrations[version:]:
            migration(db)
        db.execute(f"PRAGMA user_version = {len(migrations)}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _user_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _set_up(db: sqlite3.Connection) -> None:
    """WAL mode and the schema, retried while another process does the same.

    Switching a fresh file to WAL can answer "database is locked" at once, without waiting on the busy timeout,
    when a second process opens the file at that very moment; so the first open of two concurrent runs retries.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a crash loses at most the last answers
            migrate(db)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Cache:
    """The explanation cache and the model-hash store over one SQLite file; raises CacheError on failure."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_cache_path()
        self._lock = threading.Lock()  # one connection, possibly shared by the explainer's worker thread
        self._db = self._connect()

    @classmethod
    def open(cls, path: Path | None = None) -> Cache:
        """Open (creating on first use) the cache at ``path``, default ``cache_dir()/cache.sqlite3``."""
        return cls(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():
                # Pre-create it private; SQLite gives its -wal and -shm files the same permissions.
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise CacheError(f"cannot create the cache {self.path}: {exc.strerror or exc}") from None
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _set_up(db)
        except (sqlite3.Error, CacheError) as exc:
            if db is not None:
                db.close()
            raise CacheError(f"cannot use the cache {self.path}: {_why(self.path, exc)}") from None
        return db

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        """Serialise access to the connection and turn SQLite failures into one-line CacheErrors."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise CacheError(f"cache {self.path}: {_why(self.path, exc)}") from None

    def get(self, key: CacheKeyLike) -> Explanation | None:
        """The remembered answer for ``key`` (marked ``Source.CACHE``), or None."""
        with self._guard() as db:
            row = db.execute(
                "SELECT cause, remediation, status, truncated, note FROM explanations"
                " WHERE model_id = ? AND prompt_version = ? AND identifier = ? AND template = ?",
                _key_values(key),
            ).fetchone()
        if row is None:
            return None
        cause, remediation_json, status, truncated, note = row
        try:
            remediation = json.loads(remediation_json)
            status = Status(status)
        except ValueError:
            return None  # a row this version cannot read is a miss, and the next put replaces it
        if not isinstance(remediation, list) or not all(isinstance(step, str) for step in remediation):
            return None
        return Explanation(
            cause=cause,
            remediation=remediation,
            source=Source.CACHE,
            status=status,
            truncated=bool(truncated),
            note=note,
        )

    def put(self, key: CacheKeyLike, explanation: Explanation) -> None:
        """Remember ``explanation`` for ``key``, replacing an older one; outcomes in UNCACHEABLE are skipped."""
        if explanation.status in UNCACHEABLE:
            return
        with self._guard() as db:
            db.execute(
                "INSERT OR REPLACE INTO explanations (model_id, prompt_version, identifier, template,"
                " cause, remediation, status, truncated, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *_key_values(key),
                    explanation.cause,
                    json.dumps(list(explanation.remediation), ensure_ascii=False),
                    Status(explanation.status).value,
                    int(explanation.truncated),
                    explanation.note,
                    int(time.time()),
                ),
            )

    def lookup_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The remembered sha256 of ``path`` if the file still has this size and mtime."""
        with self._guard() as db:
            row = db.execute(
                "SELECT sha256 FROM model_hashes WHERE path = ? AND size = ? AND mtime_ns = ?",
                (path, size, mtime_ns),
            ).fetchone()
        return None if row is None else str(row[0])

    def remember_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        with self._guard() as db:
            db.execute(
                "INSERT OR REPLACE INTO model_hashes (path, size, mtime_ns, sha256, hashed_at) VALUES (?, ?, ?, ?, ?)",
                (path, size, mtime_ns, sha256, int(time.time())),
            )

    def get_analysis(self, key: str) -> bytes | None:
        """The recorded analysis stored under ``key`` (see ``analysis_cache``), or None."""
        with self._guard() as db:
            row = db.execute("SELECT record FROM analyses WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def put_analysis(self, key: str, record: bytes) -> None:
        """Store a recorded analysis, keeping only the newest ``MAX_ANALYSES`` (and none over the size cap)."""
        if len(record) > MAX_ANALYSIS_BYTES:
            return
        with self._guard() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT OR REPLACE INTO analyses (key, record, created_at) VALUES (?, ?, ?)",
                    (key, record, time.time_ns()),
                )
                db.execute(
                    "DELETE FROM analyses WHERE key NOT IN (SELECT key FROM analyses ORDER BY created_at DESC LIMIT ?)",
                    (MAX_ANALYSES,),
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def count(self, model_id: str | None = None) -> int:
        """How many answers are remembered (for one model, if given)."""
        with self._guard() as db:
            if model_id is None:
                row = db.execute("SELECT count(*) FROM explanations").fetchone()
            else:
                row = db.execute("SELECT count(*) FROM explanations WHERE model_id = ?", (model_id,)).fetchone()
        return int(row[0])

    def clear(self) -> int:
        """Forget every answer and recorded analysis (model digests are kept: they stay true); returns how many
        answers were removed."""
        with self._guard() as db:
            db.execute("DELETE FROM analyses")
            return db.execute("DELETE FROM explanations").rowcount

    def close(self) -> None:
        with self._guard() as db:
            db.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


FULL_BELOW_BYTES = 64 << 10
"""Less free space than this is a full disk to SQLite (it writes pages of 4 kB, and a transaction several)."""


def _why(path: Path, exc: sqlite3.Error | CacheError) -> str:
    """SQLite's words, and what the file system says when they are vague: a full disk can read "disk I/O error",
    a read-only one "unable to open database file" (WAL mode needs its -shm file)."""
    try:
        info = os.statvfs(path.parent)
    except OSError:
        return str(exc)
    free_blocks = info.f_bfree if os.geteuid() == 0 else info.f_bavail  # root may use the reserved blocks
    if info.f_flag & os.ST_RDONLY:
        return f"{exc} (the file system is read-only)"
    if free_blocks * info.f_frsize < FULL_BELOW_BYTES and "full" not in str(exc):
        return f"{exc} (the disk is full)"
    return str(exc)


def _key_values(key: CacheKeyLike) -> tuple[str, str, str, str]:
    # prompt_version may be an int or a str; stored as text so both spellings find the same row.
    return (key.model_id, str(key.prompt_version), key.identifier, key.template)


class NoCache:
    """Remembers nothing: stands in for Cache under ``--no-cache`` or when the file is unusable."""

    def get(self, key: CacheKeyLike) -> Explanation | None:
        return None

    def put(self, key: CacheKeyLike, explanation: Explanation) -> None:
        return None

    def lookup_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        return None

    def remember_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        return None

    def get_analysis(self, key: str) -> bytes | None:
        return None

    def put_analysis(self, key: str, record: bytes) -> None:
        return None

    def count(self, model_id: str | None = None) -> int:
        return 0

    def close(self) -> None:
        return None

    def __enter__(self) -> NoCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


class BestEffortCache:
    """A Cache that never raises: on its first CacheError it warns once and behaves as NoCache after.

    A cache that fails mid-run (disk full, a lock held past the timeout) must cost only speed, not
    the analysis the user is waiting for.
    """

    def __init__(self, cache: Cache, warn: Callable[[str], None]) -> None:
        self._cache: Cache | NoCache = cache
        self._warn = warn

    @property
    def active(self) -> bool:
        """False once the cache has failed and been switched off for the rest of the run."""
        return isinstance(self._cache, Cache)

    def _fail(self, exc: CacheError) -> None:
        broken, self._cache = self._cache, NoCache()
        self._warn(f"{exc}; continuing without the cache")
        with suppress(CacheError):
            broken.close()

    def _attempt(self, call: Callable[[Cache | NoCache], _T], otherwise: _T) -> _T:
        """``call(cache)``; on a CacheError, warn once, switch to NoCache and answer ``otherwise``."""
        try:
            return call(self._cache)
        except CacheError as exc:
            self._fail(exc)
            return otherwise

    def get(self, key: CacheKeyLike) -> Explanation | None:
        return self._attempt(lambda cache: cache.get(key), None)

    def put(self, key: CacheKeyLike, explanation: Explanation) -> None:
        self._attempt(lambda cache: cache.put(key, explanation), None)

    def lookup_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        return self._attempt(lambda cache: cache.lookup_hash(path, size, mtime_ns), None)

    def remember_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        self._attempt(lambda cache: cache.remember_hash(path, size, mtime_ns, sha256), None)

    def get_analysis(self, key: str) -> bytes | None:
        return self._attempt(lambda cache: cache.get_analysis(key), None)

    def put_analysis(self, key: str, record: bytes) -> None:
        self._attempt(lambda cache: cache.put_analysis(key, record), None)

    def count(self, model_id: str | None = None) -> int:
        return self._attempt(lambda cache: cache.count(model_id), 0)

    def close(self) -> None:
        with suppress(CacheError):
            self._cache.close()

    def __enter__(self) -> BestEffortCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_cache(path: Path | None = None, *, warn: Callable[[str], None]) -> BestEffortCache | NoCache:
    """What the CLI uses: the cache at ``path`` (default location) that never raises.

    If the file cannot be opened (corrupt, unwritable, from a newer alsate) ``warn`` gets a
    one-line message and the run goes on with NoCache. ``--no-cache`` should use ``NoCache()``.
    """
    try:
        return BestEffortCache(Cache.open(path), warn)
    except CacheError as exc:
        warn(f"{exc}; continuing without the cache")
        return NoCache()
