"""The SQLite cache: real database files, real concurrent processes, real lock contention."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from alsate_cli import cache as cache_module
from alsate_cli.cache import (
    MIGRATIONS,
    BestEffortCache,
    Cache,
    CacheError,
    NoCache,
    default_cache_path,
    migrate,
    open_cache,
)
from alsate_cli.explain.explanation import Explanation, Source, Status


@dataclass(frozen=True)
class Key:
    """Shaped like the explainer's CacheKey; the cache only reads these four attributes."""

    model_id: str = "sha-model"
    prompt_version: str | int = "1"
    identifier: str = "sshd"
    template: str = "Failed password for <USER> from <IP> port <NUM> ssh2"


ANSWER = Explanation(
    cause="Repeated failed SSH logins — likely a brute-force attempt.",
    remediation=["Enable fail2ban", "Disable password authentication: `PasswordAuthentication no`"],
    source=Source.MODEL,
    status=Status.OK,
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dirs" / "cache.sqlite3"


@pytest.fixture
def cache(db_path: Path) -> Iterator[Cache]:
    with Cache.open(db_path) as opened:
        yield opened


def raw(path: Path) -> sqlite3.Connection:
    """A plain SQLite connection, to look at the file the way another program would."""
    return sqlite3.connect(path, isolation_level=None)


# --- basics --------------------------------------------------------------------------------------------


def test_created_on_first_use_with_parents_wal_and_current_schema(cache: Cache, db_path: Path) -> None:
    assert db_path.is_file()
    with raw(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"explanations", "model_hashes"} <= tables


def test_file_is_private_to_its_owner(cache: Cache, db_path: Path) -> None:
    """Templates come from logs (user names, hosts): other local users must not read them."""
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_default_location_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "alsate" / "cache.sqlite3"
    with Cache.open() as opened:
        assert opened.path == tmp_path / "xdg" / "alsate" / "cache.sqlite3"
    assert (tmp_path / "xdg" / "alsate" / "cache.sqlite3").is_file()


def test_round_trip_marks_the_answer_as_cached(cache: Cache) -> None:
    assert cache.get(Key()) is None
    cache.put(Key(), ANSWER)
    assert cache.get(Key()) == Explanation(
        cause=ANSWER.cause, remediation=ANSWER.remediation, source=Source.CACHE, status=Status.OK
    )


def test_round_trip_keeps_every_field(cache: Cache) -> None:
    answer = Explanation(
        cause=None, remediation=["ünïcode ✓", ""], source=Source.MODEL, status=Status.PARTIAL, truncated=True, note="n"
    )
    cache.put(Key(), answer)
    got = cache.get(Key())
    assert got == Explanation(
        cause=None, remediation=["ünïcode ✓", ""], source=Source.CACHE, status=Status.PARTIAL, truncated=True, note="n"
    )


def test_answers_survive_reopening(db_path: Path) -> None:
    with Cache.open(db_path) as first:
        first.put(Key(), ANSWER)
    with Cache.open(db_path) as second:
        got = second.get(Key())
    assert got is not None
    assert got.cause == ANSWER.cause


@pytest.mark.parametrize(
    "other",
    [
        Key(model_id="another-model"),
        Key(prompt_version="2"),
        Key(identifier="sshd-session"),
        Key(template="Accepted password for <USER> from <IP> port <NUM> ssh2"),
    ],
)
def test_every_key_part_matters(cache: Cache, other: Key) -> None:
    cache.put(Key(), ANSWER)
    assert cache.get(other) is None


def test_int_and_str_prompt_version_are_the_same_key(cache: Cache) -> None:
    cache.put(Key(prompt_version=3), ANSWER)
    assert cache.get(Key(prompt_version="3")) is not None


def test_put_replaces_an_older_answer(cache: Cache) -> None:
    cache.put(Key(), ANSWER)
    cache.put(Key(), Explanation(cause="newer", source=Source.MODEL))
    got = cache.get(Key())
    assert got is not None
    assert got.cause == "newer"
    assert cache.count() == 1


@pytest.mark.parametrize("status", [Status.NO_MODEL, Status.SKIPPED, Status.ERROR])
def test_outcomes_without_a_model_answer_are_not_stored(cache: Cache, status: Status) -> None:
    cache.put(Key(), Explanation(cause=None, status=status, note="hint"))
    assert cache.get(Key()) is None
    assert cache.count() == 0


def test_unreadable_row_is_a_miss_not_a_crash(cache: Cache, db_path: Path) -> None:
    """A row written by a newer alsate (unknown status) is treated as absent."""
    cache.put(Key(), ANSWER)
    with raw(db_path) as db:
        db.execute("UPDATE explanations SET status = 'from-the-future'")
    assert cache.get(Key()) is None


def test_count_and_clear(cache: Cache) -> None:
    cache.put(Key(identifier="a"), ANSWER)
    cache.put(Key(identifier="b"), ANSWER)
    cache.put(Key(identifier="a", model_id="m2"), ANSWER)
    cache.remember_hash("/m", 1, 2, "abc")
    assert cache.count() == 3
    assert cache.count("m2") == 1
    assert cache.clear() == 3
    assert cache.count() == 0
    assert cache.lookup_hash("/m", 1, 2) == "abc"


def test_hash_store_requires_same_size_and_mtime(cache: Cache) -> None:
    cache.remember_hash("/models/m.gguf", 100, 5_000, "d1")
    assert cache.lookup_hash("/models/m.gguf", 100, 5_000) == "d1"
    assert cache.lookup_hash("/models/m.gguf", 101, 5_000) is None
    assert cache.lookup_hash("/models/m.gguf", 100, 5_001) is None
    assert cache.lookup_hash("/models/other.gguf", 100, 5_000) is None
    cache.remember_hash("/models/m.gguf", 101, 6_000, "d2")
    assert cache.lookup_hash("/models/m.gguf", 100, 5_000) is None
    assert cache.lookup_hash("/models/m.gguf", 101, 6_000) == "d2"


# --- concurrency ---------------------------------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from dataclasses import dataclass
from alsate_cli.cache import Cache
from alsate_cli.explain.explanation import Explanation, Source

@dataclass(frozen=True)
class Key:
    model_id: str
    prompt_version: str
    identifier: str
    template: str

db, go, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
while not go.exists():  # start together, so both create the file and migrate at the same moment
    time.sleep(0.001)
with Cache.open(db) as cache:
    for i in range(200):
        key = Key("model", "1", name, f"template {i}")
        cache.put(key, Explanation(cause=f"{name} {i}", remediation=[str(i)], source=Source.MODEL))
        cache.remember_hash(f"/{name}", i, i, f"{name}{i}")
        assert cache.get(key).cause == f"{name} {i}"
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "shared" / "cache.sqlite3"
    go = tmp_path / "go"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(go), name], stderr=subprocess.PIPE, text=True)
        for name in ("alpha", "beta")
    ]
    time.sleep(0.3)  # let both interpreters start and wait on the go file
    go.touch()
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr

    with Cache.open(db_path) as cache:
        assert cache.count() == 400
        for name in ("alpha", "beta"):
            got = cache.get(Key(model_id="model", prompt_version="1", identifier=name, template="template 199"))
            assert got is not None
            assert got.cause == f"{name} 199"
            assert cache.lookup_hash(f"/{name}", 199, 199) == f"{name}199"
    with raw(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_write_blocked_past_the_timeout_is_a_cache_error(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_S", 0.2)
    with Cache.open(db_path) as cache, raw(db_path) as other:
        other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock and does not let go
        try:
            with pytest.raises(CacheError, match="database is locked"):
                cache.put(Key(), ANSWER)
        finally:
            other.execute("ROLLBACK")
        cache.put(Key(), ANSWER)  # once released, writing works again
        assert cache.count() == 1


# --- broken files --------------------------------------------------------------------------------------


def test_garbage_file_is_a_one_line_cache_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database, just bytes\n" * 200)
    with pytest.raises(CacheError) as caught:
        Cache.open(path)
    message = str(caught.value)
    assert str(path) in message
    assert "not a database" in message
    assert "\n" not in message


def test_unreachable_location_is_a_cache_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CacheError, match="cannot create the cache"):
        Cache.open(blocker / "cache.sqlite3")


def test_directory_in_place_of_the_file_is_a_cache_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.mkdir()
    with pytest.raises(CacheError, match=str(path)):
        Cache.open(path)


def test_schema_from_a_newer_alsate_is_refused_and_left_alone(db_path: Path) -> None:
    with Cache.open(db_path):
        pass
    future = len(MIGRATIONS) + 5
    with raw(db_path) as db:
        db.execute(f"PRAGMA user_version = {future}")
    with pytest.raises(CacheError, match="newer alsate"):
        Cache.open(db_path)
    with raw(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == future


# --- migrations ----------------------------------------------------------------------------------------


def test_older_schema_is_upgraded_and_keeps_its_data(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with raw(db_path) as db:
        migrate(db, MIGRATIONS[:1])  # a cache written by the first release: explanations only
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        db.execute(
            "INSERT INTO explanations VALUES ('sha-model', '1', 'sshd', ?, 'old cause', ?, 'ok', 0, NULL, 0)",
            (Key().template, '["step"]'),
        )
        with pytest.raises(sqlite3.OperationalError):
            db.execute("SELECT * FROM model_hashes")

    with Cache.open(db_path) as cache:
        got = cache.get(Key())
        assert got is not None
        assert (got.cause, got.remediation) == ("old cause", ["step"])
        cache.remember_hash("/m", 1, 1, "d")
        assert cache.lookup_hash("/m", 1, 1) == "d"
    with raw(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_failed_migration_leaves_the_old_schema_intact(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk I/O error")

    with raw(db_path) as db:
        migrate(db, MIGRATIONS[:1])
        with pytest.raises(sqlite3.OperationalError):
            migrate(db, (*MIGRATIONS[:1], broken))
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


# --- carrying on without a cache -----------------------------------------------------------------------


def test_open_cache_on_a_corrupt_file_warns_and_runs_without_one(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"\x00garbage" * 512)
    warnings: list[str] = []
    store = open_cache(path, warn=warnings.append)
    assert isinstance(store, NoCache)
    assert len(warnings) == 1
    assert "continuing without the cache" in warnings[0]
    store.put(Key(), ANSWER)
    assert store.get(Key()) is None
    assert path.read_bytes() == b"\x00garbage" * 512  # the user's file is not overwritten


def test_open_cache_on_a_good_file_works(db_path: Path) -> None:
    warnings: list[str] = []
    with open_cache(db_path, warn=warnings.append) as store:
        store.put(Key(), ANSWER)
        assert store.get(Key()) is not None
    assert warnings == []


def test_cache_failing_mid_run_warns_once_and_switches_off(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_S", 0.2)
    warnings: list[str] = []
    store = open_cache(db_path, warn=warnings.append)
    assert isinstance(store, BestEffortCache)
    store.put(Key(identifier="before"), ANSWER)
    with raw(db_path) as other:
        other.execute("BEGIN EXCLUSIVE")
        try:
            store.put(Key(), ANSWER)  # locked: must not raise
            assert not store.active
            assert store.get(Key(identifier="before")) is None  # switched off for the rest of the run
            store.remember_hash("/m", 1, 1, "d")
            assert store.lookup_hash("/m", 1, 1) is None
        finally:
            other.execute("ROLLBACK")
    store.close()
    assert len(warnings) == 1
    assert "database is locked" in warnings[0]
