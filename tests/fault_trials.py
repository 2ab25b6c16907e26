"""kill -9 trials: start the real ``alsate analyze``, ``watch`` or ``pull``, SIGKILL it after a seeded random delay,
then check what it left behind and that a rerun finishes. Shared by ``benchmarks/fault_campaign.py`` (hundreds of
trials) and ``tests/test_faults.py`` (a few, in CI).

What each trial checks:

* analyze: the SQLite cache passes ``PRAGMA integrity_check`` (the real ``sqlite3`` program), alsate's own reader
  opens it and replays every recorded analysis, a rerun exits 0 with the same groups as an unkilled run and no
  cache warning, and the run after it reuses the recorded analysis.
* watch: the probe journal has one issue per entry, so each entry watch processes is one ``issue`` line on its JSON
  Lines output (that line is what "delivered" means). The saved cursor must be whole, must name an entry that was
  delivered (never ahead of the output), and a restart must deliver exactly the entries after it: none lost, none
  at or before the cursor read again. Watch saves an issue line's cursor right after writing it, so at most the one
  line written just before the kill is delivered again (``redelivered``, counted; more than 1 fails the trial).
* pull: after the kill no file that ``alsate models`` lists has other bytes than the hub's verified ones, and a
  rerun downloads, verifies and lists exactly one file; with a hub whose bytes do not match its sha256, nothing is
  ever listed and the rerun fails saying so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alsate_cli.analysis_record import RecordError, replay
from alsate_cli.cache import CACHE_FILENAME, Cache, CacheError
from alsate_cli.models.defaults import DEFAULT_FILENAME, DEFAULT_REPO_ID
from fixtures_hub import FakeHub, serve_fake_hub
from fixtures_journal import export_format, journal_remote_binary
from helpers_cli import ALSATE

RUN_TIMEOUT_S = 120.0


@dataclass(slots=True)
class Tally:
    """Counts per outcome (``ok``, each failure's name) and per phase the kill landed in, with failure details."""

    outcomes: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    figures: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def add(self, trial: int, phase: str, problems: list[str]) -> None:
        self.phases[phase] += 1
        self.outcomes["ok" if not problems else "failed"] += 1
        self.failures += [f"trial {trial} ({phase}): {problem}" for problem in problems]

    @property
    def trials(self) -> int:
        return self.outcomes.total()


def user_env(root: Path, **extra: str) -> dict[str, str]:
    """An environment whose config, cache, state and Hugging Face folders are all under ``root``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ALSATE_", "HF_", "XDG_"))}
    env.update({f"XDG_{name.upper()}_HOME": str(root / name) for name in ("config", "cache", "state")})
    env.update({"HF_HOME": str(root / "hf"), "HF_HUB_OFFLINE": "1", **extra})
    return env


@dataclass(slots=True)
class Killed:
    stdout: bytes
    killed: bool
    """False when the program had already exited by itself before the delay ran out."""


def run_and_kill(
    argv: list[str], env: dict[str, str], delay_s: float, trigger: Callable[[], bool] | None = None
) -> Killed:
    """Run ``argv``, SIGKILL it ``delay_s`` seconds later (or as soon as ``trigger()`` is true, looked at every
    millisecond); its children (journalctl) are killed after, as systemd would end the rest of a killed service's
    group. stdout is collected all along."""
    process = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        start_new_session=True,
    )  # fmt: skip
    chunks: list[bytes] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: process.stdout.read1(1 << 16), b"")))  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + delay_s
    while process.poll() is None and time.monotonic() < deadline and not (trigger and trigger()):
        time.sleep(0.001 if trigger else 0.005)
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the group of the session started above: its leftover children
    reader.join(RUN_TIMEOUT_S)
    process.stdout.close()
    return Killed(b"".join(chunks), killed)


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        argv, env=env, capture_output=True, timeout=RUN_TIMEOUT_S, check=False, stdin=subprocess.DEVNULL
    )


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Seconds one unkilled run takes (the kill delays are spread over it)."""
    started = time.monotonic()
    result = run(argv, env)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return time.monotonic() - started


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` as the real sqlite3 program answers it (``ok`` for a sound file)."""
    binary = shutil.which("sqlite3")
    if binary is None:  # the same library through Python's module
        with contextlib.closing(sqlite3.connect(path)) as db:
            return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    result = subprocess.run(
        [binary, str(path), "PRAGMA integrity_check;"], capture_output=True, timeout=60, check=False
    )
    return (result.stdout or result.stderr).decode(errors="replace").strip()


def read_back(path: Path) -> list[str]:
    """Problems alsate's own reader has with the cache file: it must open, and every recorded analysis replay."""
    try:
        with Cache(path) as cache, contextlib.closing(sqlite3.connect(path)) as db:
            keys = [row[0] for row in db.execute("SELECT key FROM analyses")]
            db.execute("SELECT count(*) FROM explanations").fetchone()
            for key in keys:
                data = cache.get_analysis(key)
                assert data is not None
                replay(data)
    except (CacheError, RecordError, sqlite3.Error) as error:
        return [f"cache not readable by alsate: {error}"]
    return []


# --- analyze ---------------------------------------------------------------------------------------------------


class AnalyzeTrials:
    """``alsate analyze --input FILE`` over journal JSON; every trial's file differs by one filtered line, so each
    run writes a new recorded analysis (and, with a model, explanations) into the cache shared by a chain of
    trials."""

    def __init__(self, root: Path, *, lines: int = 20_000, model: Path | None = None, chain: int = 10) -> None:
        self.root, self.chain = root, chain
        self.base = b"".join(_analyze_line(index) for index in range(lines))
        explain = ["--model", str(model), "--limit", "3"] if model else ["--no-explain"]
        self.args = ["analyze", "--format", "json", *explain]
        reference = self._input(-1)
        first = run([*ALSATE, *self.args, "--no-cache", "--input", str(reference)], user_env(root / "reference"))
        assert first.returncode == 0, first.stderr.decode(errors="replace")
        self.groups = _group_counts(first.stdout)
        self.full_s = timed([*ALSATE, *self.args, "--input", str(reference)], user_env(root / "reference"))

    def _input(self, trial: int) -> Path:
        path = self.root / "inputs" / f"in-{trial}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        extra = json.dumps({"MESSAGE": f"trial {trial}", "PRIORITY": "7", "SYSLOG_IDENTIFIER": "probe"}).encode()
        path.write_bytes(self.base + extra + b"\n")
        return path

    def trial(self, trial: int, rng: random.Random, tally: Tally) -> None:
        home = self.root / f"chain-{trial // self.chain}"
        env = user_env(home)
        source = self._input(trial)
        argv = [*ALSATE, *self.args, "--input", str(source)]
        killed = run_and_kill(argv, env, rng.uniform(0.0, 1.1 * self.full_s))
        cache = home / "cache" / "alsate" / CACHE_FILENAME
        problems: list[str] = []
        existed = cache.exists()
        if existed:
            if (answer := integrity(cache)) != "ok":
                problems.append(f"integrity_check: {answer}")
            problems += read_back(cache)
        rerun = run(argv, env)
        if rerun.returncode != 0 or b"warning" in rerun.stderr or b"Traceback" in rerun.stderr:
            problems.append(f"rerun exit {rerun.returncode}: {rerun.stderr.decode(errors='replace')[-300:]}")
        else:
            if _group_counts(rerun.stdout) != self.groups:
                problems.append("rerun's groups differ from an unkilled run's")
            again = run(argv, env)
            if again.returncode != 0 or not json.loads(again.stdout)["summary"]["analysis_reused"]:
                problems.append("the run after the rerun did not reuse the recorded analysis")
        reused = rerun.returncode == 0 and json.loads(rerun.stdout)["summary"]["analysis_reused"]
        phase = "exited before the kill" if not killed.killed else (
            "record stored" if reused else "reading (no record yet)" if existed else "before the cache existed"
        )  # fmt: skip
        tally.add(trial, phase, problems)
        source.unlink()


def _analyze_line(index: int) -> bytes:
    program = ("sshd", "kernel", "smartd", "nginx", "cron", "systemd")[index % 6]
    kind = chr(103 + index % 20) + chr(103 + index // 20 % 20)  # letters g–z: 400 templates, never read as hex
    return json.dumps({
        "MESSAGE": f"{program} failure kind{kind} code {index % 997} on host{index % 9}",
        "PRIORITY": str(3 + index % 2), "SYSLOG_IDENTIFIER": program,
        "__REALTIME_TIMESTAMP": str(1_795_161_600_000_000 + index * 1000),
    }).encode() + b"\n"  # fmt: skip


def _group_counts(stdout: bytes) -> list[tuple[str, int]]:
    return sorted((group["id"], group["count"]) for group in json.loads(stdout)["groups"])


# --- watch -----------------------------------------------------------------------------------------------------


class WatchTrials:
    """``alsate watch --file J.journal --format jsonl --no-explain`` over a real journal of ``entries`` entries,
    each opening its own issue (a program name of its own); resumed from the saved cursor after each kill."""

    def __init__(self, root: Path, *, entries: int = 3000, reference: bool = True) -> None:
        binary = journal_remote_binary()
        if binary is None:
            raise RuntimeError("systemd-journal-remote is not installed")
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.journal = root / "probe.journal"
        fields = [{"MESSAGE": f"probe entry {index} needs attention", "PRIORITY": "4",
                   "SYSLOG_IDENTIFIER": f"probe{_letters(index)}"} for index in range(entries)]  # fmt: skip
        subprocess.run([binary, f"--output={self.journal}", "-"], input=export_format(fields), check=True,
                       capture_output=True, timeout=60)  # fmt: skip
        listing = subprocess.run(
            ["journalctl", f"--file={self.journal}", "-o", "json", "--output-fields=__CURSOR"],
            capture_output=True, check=True, timeout=60,
        )  # fmt: skip
        self.cursors = [json.loads(line)["__CURSOR"] for line in listing.stdout.splitlines()]
        assert len(self.cursors) == entries
        self.index = {cursor: number for number, cursor in enumerate(self.cursors)}
        self.args = ["watch", "--file", str(self.journal), "--format", "jsonl", "--no-explain"]
        self.first_s = 0.0
        self.full_s = self._time_full(root / "reference") if reference else 0.0

    def _time_full(self, home: Path) -> float:
        """Seconds from start until the last entry's issue is out (then the watch is stopped); the first issue's
        time goes to ``first_s``."""
        started = time.monotonic()
        watch = _Follower([*ALSATE, *self.args, "--from-start"], user_env(home))
        watch.until(bool, 120.0)
        self.first_s = time.monotonic() - started
        seen = watch.until(lambda numbers: len(self.cursors) - 1 in numbers, 120.0)
        elapsed = time.monotonic() - started
        watch.terminate()
        assert len(self.cursors) - 1 in seen, "the reference watch never delivered the last entry"
        return elapsed

    def _delay(self, rng: random.Random) -> float:
        """Three kills in four while the journal is being read (first issue to last, and one poll interval on,
        when the last cursor is saved); the others anywhere from the start to a little after the end."""
        if rng.random() < 0.75:
            return rng.uniform(self.first_s, self.full_s + 0.3)
        return rng.uniform(0.0, 1.1 * self.full_s)

    def _saved(self, home: Path) -> tuple[str | None, list[str]]:
        """The saved cursor (None: none saved) and what is wrong with the file."""
        files = list((home / "state" / "alsate" / "watch").glob("cursor-*.json"))
        if not files:
            return None, []
        try:
            cursor = json.loads(files[0].read_text(encoding="utf-8"))["cursor"]
        except (ValueError, KeyError, TypeError) as error:
            return None, [f"cursor file damaged: {error}"]
        if cursor not in self.index:
            return None, [f"saved cursor is no entry of the journal: {cursor[:60]}"]
        return cursor, []

    def trial(self, trial: int, rng: random.Random, tally: Tally) -> None:
        home = self.root / f"trial-{trial}"
        env = user_env(home)
        killed = run_and_kill([*ALSATE, *self.args, "--from-start"], env, self._delay(rng))
        first = _delivered(killed.stdout)
        cursor, problems = self._saved(home)
        committed = -1 if cursor is None else self.index[cursor]
        if committed > (max(first) if first else -1) or set(range(committed + 1)) - set(first):
            problems.append(
                f"saved cursor {committed} runs ahead of the output (delivered up to {max(first, default=-1)})"
            )
        resume = [] if cursor is not None else ["--from-start"]  # no cursor saved: start over, as the user would
        watch = _Follower([*ALSATE, *self.args, *resume], env)
        watch.until(lambda numbers: len(self.cursors) - 1 in numbers, 10.0 + 2 * self.full_s, quiet_s=2.0)
        code = watch.terminate()
        second = watch.numbers
        if code != 0:
            problems.append(f"the resumed watch exited {code}")
        final, damaged = self._saved(home)
        problems += damaged
        if final != self.cursors[-1]:
            problems.append(f"the resumed watch's cursor is not the last entry's ({final})")
        both = Counter(first) + Counter(second)
        lost = [number for number in range(len(self.cursors)) if number not in both]
        again = [number for number in second if number <= committed]
        twice_in_a_run = sum(Counter(first).values()) - len(set(first)) + len(second) - len(set(second))
        if lost:
            problems.append(f"{len(lost)} entries lost (first {lost[:5]})")
        if again or twice_in_a_run:
            problems.append(f"{len(again)} entries at or before the cursor read again, {twice_in_a_run} twice in a run")
        redelivered = len(set(first) & set(second))
        if redelivered > 1:  # each issue line's cursor is saved right after it: only a kill in between repeats one
            problems.append(f"{redelivered} issue lines delivered again after the restart (at most 1 may be)")
        tally.figures["redelivered"] += redelivered
        tally.figures["redelivered_max"] = max(tally.figures["redelivered_max"], redelivered)
        tally.figures["entries"] += len(self.cursors)
        phase = "exited before the kill" if not killed.killed else (
            "before any output" if not first else "before the first cursor save" if cursor is None
            else "all read" if committed == len(self.cursors) - 1 else "mid-journal"
        )  # fmt: skip
        tally.add(trial, phase, problems)
        shutil.rmtree(home, ignore_errors=True)


def _letters(index: int) -> str:
    """``index`` in base 20 written with the letters g–z: a name of its own that no template masks (no digits,
    no hex)."""
    text = ""
    while True:
        index, digit = divmod(index, 20)
        text = chr(103 + digit) + text
        if not index:
            return text


def _delivered(stdout: bytes) -> list[int]:
    """The entry numbers of the issue lines in ``stdout``; a line cut by the kill (no newline) is not delivered."""
    return _numbers([json.loads(line) for line in stdout.split(b"\n")[:-1]])


def _numbers(events: list[dict[str, Any]]) -> list[int]:
    """The probe entry number of each ``issue`` event ("probe entry 17 needs attention" is entry 17)."""
    return [int(event["issue"]["examples"][0].split()[2]) for event in events if event.get("event") == "issue"]


class _Follower:
    """A running watch whose JSON Lines are read as they come."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env)  # fmt: skip
        self.numbers: list[int] = []
        self.events: list[dict[str, Any]] = []
        self._last = time.monotonic()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.events.append(json.loads(line))
            self._last = time.monotonic()

    def until(self, done: Callable[[list[int]], bool], timeout: float, *, quiet_s: float | None = None) -> list[int]:
        """Wait until ``done(numbers)``, the timeout, or (after the ``watching`` event) ``quiet_s`` with no line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            self.numbers = _numbers(list(self.events))
            if done(self.numbers):
                break
            started = any(event.get("event") == "watching" for event in list(self.events))
            if quiet_s is not None and started and time.monotonic() - self._last > quiet_s:
                break
            time.sleep(0.05)
        self.numbers = _numbers(list(self.events))
        return self.numbers

    def terminate(self) -> int:
        """SIGTERM, as systemd stops a service; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(10)
        self.numbers = _numbers(list(self.events))
        return code


# --- pull ------------------------------------------------------------------------------------------------------


PULL_ARGS = ["pull", "--repo", DEFAULT_REPO_ID, "--file", DEFAULT_FILENAME, "--accept-license", "--json"]
"""The default model's repository and file (``alsate models`` and ``analyze`` look for it in the cache), named with
--repo/--file so the hub's sha256 (ETag) is what it is checked against."""


def model_bytes(size: int) -> bytes:
    """A file that passes as a model (it starts with the GGUF magic) of ``size`` bytes."""
    block = hashlib.sha256(b"fault trials").digest()
    return (b"GGUF" + block * (size // len(block) + 1))[:size]


class PullTrials:
    """``alsate pull`` from a fake hub on 127.0.0.1 whose CDN sends ``size`` bytes in about ``seconds``; with
    ``lying``, the hub's sha256 (ETag) is not that of the bytes it sends."""

    def __init__(self, root: Path, hub: FakeHub, *, size: int = 8 << 20, seconds: float = 1.0, lying: bool = False):
        self.root, self.hub, self.lying = root, hub, lying
        self.content = model_bytes(size)
        self.sha256 = hashlib.sha256(self.content).hexdigest()
        etag = hashlib.sha256(b"other bytes").hexdigest() if lying else None
        delay = seconds / max(1, size // (64 << 10))
        hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, self.content, etag=etag, chunk_delay_s=delay)
        home = root / "reference"
        self.full_s = self._full(home)
        shutil.rmtree(home, ignore_errors=True)

    def _env(self, home: Path) -> dict[str, str]:
        return user_env(home, **self.hub.env())

    def _full(self, home: Path) -> float:
        started = time.monotonic()
        run([*ALSATE, *PULL_ARGS], self._env(home))
        return time.monotonic() - started

    def listed(self, home: Path) -> tuple[list[Path], list[str]]:
        """The files ``alsate models`` accepts, and the problems: any that is not the hub's verified bytes."""
        result = run([*ALSATE, "models", "--json"], self._env(home))
        if result.returncode != 0:
            return [], [f"alsate models exit {result.returncode}: {result.stderr.decode(errors='replace')[-200:]}"]
        paths = [Path(row["path"]) for row in json.loads(result.stdout)["models"]]
        problems = []
        for path in paths:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if self.lying or digest != self.sha256:
                problems.append(f"an unverified file passes as a model: {path.name} ({path.stat().st_size} bytes)")
        return paths, problems

    def trial(self, trial: int, rng: random.Random, tally: Tally) -> None:
        home = self.root / f"trial-{trial}"
        env = self._env(home)
        # Every fourth kill comes the moment huggingface_hub has renamed the download into place (before alsate has
        # hashed it); the others anywhere, half of them in the last fifth of a run (rename, hash, output).
        at_rename = trial % 4 == 3
        low = 0.0 if rng.random() < 0.5 else 0.8 * self.full_s
        delay = rng.uniform(low, 1.05 * self.full_s)
        trigger = (lambda: any(path.is_symlink() for path in (home / "hf").rglob("*.gguf"))) if at_rename else None
        killed = run_and_kill([*ALSATE, *PULL_ARGS], env, 2 * self.full_s if at_rename else delay, trigger)
        on_disk = [path for path in (home / "hf").rglob("*") if path.is_file()]
        listed, problems = self.listed(home)
        rerun = run([*ALSATE, *PULL_ARGS], env)
        if self.lying:
            if rerun.returncode != 1 or b"is corrupt" not in rerun.stderr:
                problems.append(f"rerun against a lying hub: exit {rerun.returncode}, {rerun.stderr[-200:]!r}")
        elif rerun.returncode != 0:
            problems.append(f"rerun exit {rerun.returncode}: {rerun.stderr.decode(errors='replace')[-300:]}")
        elif json.loads(rerun.stdout)["sha256"] != self.sha256:
            problems.append("rerun's file has other bytes")
        after, wrong = self.listed(home)
        problems += wrong
        if len(after) != (0 if self.lying else 1):
            problems.append(f"after the rerun alsate models lists {len(after)} files")
        partial = any(path.name.endswith(".incomplete") for path in on_disk)
        phase = "exited before the kill" if not killed.killed else "at the rename, before the check" if at_rename else (
            "downloaded (before or while verifying)" if listed else "mid-download (.incomplete left)" if partial
            else "before the download"
        )  # fmt: skip
        tally.add(trial, phase, problems)
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def pull_trials(root: Path, **options: Any) -> Iterator[PullTrials]:
    with serve_fake_hub() as hub:
        yield PullTrials(root, hub, **options)


def campaign(trials: Any, count: int, seed: int) -> Tally:
    """``count`` trials of ``trials`` with delays drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    tally = Tally()
    for number in range(count):
        trials.trial(number, rng, tally)
    return tally
