"""Full and read-only disks made for real: a small tmpfs mounted over the cache (or state, or Hugging Face) folder,
filled to ENOSPC by writing a file until the kernel refuses, or remounted read-only (``mount -o remount,ro``; a
``chmod`` would not stop root). Each scenario runs the real program and returns what is wrong with its answer.

Shared by ``benchmarks/fault_campaign.py`` and ``tests/test_faults.py``; mounting needs root (CAP_SYS_ADMIN), so
``mount_refusal()`` says why it cannot be done here, for a skip.
"""

from __future__ import annotations

import contextlib
import errno
import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from alsate_cli.models.defaults import DEFAULT_FILENAME, DEFAULT_REPO_ID
from fault_trials import PULL_ARGS, WatchTrials, model_bytes, run, user_env
from fixtures_hub import serve_fake_hub
from helpers_cli import ALSATE


def mount_refusal() -> str | None:
    """None when a tmpfs can be mounted here, else why not (not root, no CAP_SYS_ADMIN in this container …)."""
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder], capture_output=True,
                                check=False)  # fmt: skip
        if result.returncode != 0:
            return f"cannot mount a tmpfs: {result.stderr.decode(errors='replace').strip()}"
        subprocess.run(["umount", folder], check=True)
    return None


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``1m``) mounted at ``path`` for the block."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> int:
    """Write a file in ``folder`` until the filesystem answers ENOSPC; the bytes written."""
    written = 0
    block = b"\0" * 4096
    with open(folder / "filler", "wb", buffering=0) as out:
        while True:
            try:
                written += out.write(block)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                return written


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    how: str
    """What was done to the disk, for the report."""
    check: Callable[[Path], list[str]]
    """Runs the scenario under a fresh folder; the problems found (none: it passed)."""


SAID: list[str] = []
"""Every warning or error line the scenarios checked, for the campaign's report."""


def one_clear_line(result: subprocess.CompletedProcess[bytes], *, code: int, words: tuple[str, ...]) -> list[str]:
    """Problems unless the exit code is ``code`` and stderr has no traceback and one ``alsate: …`` line (the warning
    or error; pull's license line may come before it) naming all ``words``."""
    text = result.stderr.decode(errors="replace").strip()
    said = [line for line in text.splitlines() if line.startswith("alsate:")]
    problems = []
    if result.returncode != code:
        problems.append(f"exit {result.returncode}, expected {code}")
    if "Traceback" in text or len(said) != 1:
        problems.append(f"not one alsate: line on stderr: {text[-400:]!r}")
        return problems
    SAID.append(said[0])
    return problems + [f"{said[0]!r} does not say {word!r}" for word in words if word not in said[0]]


ANALYZE_LINES, MORE_LINES = (b"".join(
    json.dumps({"MESSAGE": f"disk {index % 7} failing on sd{'abc'[index % 3]}", "PRIORITY": "3",
                "SYSLOG_IDENTIFIER": "smartd"}).encode() + b"\n"
    for index in range(start, start + 2000)
) for start in (0, 5))  # fmt: skip


def _analyze(root: Path) -> subprocess.CompletedProcess[bytes]:
    source = root / "in.json"
    if not source.exists():
        source.write_bytes(ANALYZE_LINES)
    return run([*ALSATE, "analyze", "--format", "json", "--no-explain", "--input", str(source)], user_env(root))


def _analyze_goes_on(root: Path, words: tuple[str, ...]) -> list[str]:
    """The cache is an optimisation: analyze warns in one line, exits 0 and prints the whole analysis."""
    result = _analyze(root)
    problems = one_clear_line(result, code=0, words=("alsate: warning:", "continuing without the cache", *words))
    if result.returncode == 0 and json.loads(result.stdout)["summary"]["entries_kept"] != 2000:
        problems.append("the analysis is incomplete")
    return problems


def analyze_full_new(root: Path) -> list[str]:
    with tmpfs(root / "cache", "1m") as cache:
        fill(cache)
        return _analyze_goes_on(root, ("full",))


def analyze_full_existing(root: Path) -> list[str]:
    with tmpfs(root / "cache", "1m") as cache:
        first = _analyze(root)
        if first.returncode != 0 or first.stderr.strip():
            return [f"first run on an empty tmpfs failed: {first.stderr[-300:]!r}"]
        (root / "in.json").write_bytes(MORE_LINES)  # a new input: a new record to write
        fill(cache)
        return _analyze_goes_on(root, ("full",))


def analyze_read_only(root: Path) -> list[str]:
    with tmpfs(root / "cache", "1m") as cache:
        first = _analyze(root)
        if first.returncode != 0:
            return [f"first run failed: {first.stderr[-300:]!r}"]
        (root / "in.json").write_bytes(MORE_LINES)
        remount_read_only(cache)
        return _analyze_goes_on(root, ("read-only",))


def analyze_read_only_new(root: Path) -> list[str]:
    with tmpfs(root / "cache", "1m") as cache:
        remount_read_only(cache)
        return _analyze_goes_on(root, ("Read-only file system",))


def _pull(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return run([*ALSATE, *PULL_ARGS], {**user_env(root), **env})


def _nothing_listed(root: Path, env: dict[str, str]) -> list[str]:
    listed = run([*ALSATE, "models", "--json"], {**user_env(root), **env})
    rows = json.loads(listed.stdout)["models"] if listed.returncode == 0 else ["(models failed)"]
    return [f"alsate models lists {len(rows)} files after the failed pull"] if rows else []


def pull_too_big(root: Path) -> list[str]:
    with serve_fake_hub() as hub, tmpfs(root / "hf", "2m"):
        hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, model_bytes(4 << 20))
        result = _pull(root, hub.env())
        return one_clear_line(result, code=1, words=("not enough disk space",)) + _nothing_listed(root, hub.env())


def pull_fills_up(root: Path) -> list[str]:
    """The disk fills while the model is coming in (another writer takes the space once the download started)."""
    with serve_fake_hub() as hub, tmpfs(root / "hf", "40m") as hf:
        # huggingface_hub writes in 10 MB chunks: the file grows only after the first of them
        hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, model_bytes(24 << 20), chunk_delay_s=0.005)
        filler = threading.Thread(target=_fill_once_downloading, args=(hf,))
        filler.start()
        result = _pull(root, hub.env())
        filler.join(60)
        return one_clear_line(result, code=1, words=("disk is full",)) + _nothing_listed(root, hub.env())


def _fill_once_downloading(hf: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(path.name.endswith(".incomplete") and path.stat().st_size > 0 for path in hf.rglob("*")):
            (hf / "other").mkdir(exist_ok=True)
            fill(hf / "other")
            return
        time.sleep(0.01)


def pull_read_only(root: Path) -> list[str]:
    with serve_fake_hub() as hub, tmpfs(root / "hf", "8m") as hf:
        hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, model_bytes(1 << 20))
        remount_read_only(hf)
        result = _pull(root, hub.env())
        return one_clear_line(result, code=1, words=("Read-only file system",)) + _nothing_listed(root, hub.env())


def _watch_cursor(root: Path, spoil: Callable[[Path], object], words: tuple[str, ...]) -> list[str]:
    """A watch whose state folder cannot take the cursor says so (a notice line), instead of silently restarting
    from an old cursor next time."""
    trials = WatchTrials(root / "journal", entries=20, reference=False)
    with tmpfs(root / "state", "1m") as state:
        spoil(state)
        env = {**user_env(root), "ALSATE_WATCH_POLL_S": "0.05"}
        process = subprocess.Popen([*ALSATE, *trials.args, "--from-start"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)  # fmt: skip
        time.sleep(3.0)
        process.terminate()
        out, err = process.communicate(30)
    events = [json.loads(line) for line in out.splitlines()]
    notices = [event["text"] for event in events if event["event"] == "notice"]
    SAID.extend(notices)
    problems = []
    if process.returncode != 0 or b"Traceback" in err:
        problems.append(f"watch exit {process.returncode}: {err[-300:]!r}")
    if len(notices) != 1 or not all(word in notices[0] for word in words):
        problems.append(f"expected one notice naming {words}, got {notices}")
    if sum(event["event"] == "issue" for event in events) != 20:
        problems.append("the watch did not deliver every entry")
    return problems


def watch_state_full(root: Path) -> list[str]:
    return _watch_cursor(root, fill, ("cannot save the journal cursor", "No space left on device"))


def watch_state_read_only(root: Path) -> list[str]:
    return _watch_cursor(root, remount_read_only, ("cannot save the journal cursor", "Read-only file system"))


SCENARIOS = (
    Scenario("analyze, cache on a full disk (no cache file yet)", "tmpfs 1 MiB, filled", analyze_full_new),
    Scenario("analyze, cache file there, then the disk filled", "tmpfs 1 MiB, filled after a first run",
             analyze_full_existing),
    Scenario("analyze, read-only cache folder (cache file there)", "tmpfs remounted ro", analyze_read_only),
    Scenario("analyze, read-only cache folder (no cache file)", "tmpfs remounted ro", analyze_read_only_new),
    Scenario("pull, model larger than the free space", "tmpfs 2 MiB, 4 MiB model", pull_too_big),
    Scenario("pull, disk fills during the download",
             "tmpfs 40 MiB, 24 MiB model, filled by another writer mid-download", pull_fills_up),
    Scenario("pull, read-only Hugging Face cache", "tmpfs remounted ro", pull_read_only),
    Scenario("watch, state folder full (cursor)", "tmpfs 1 MiB, filled", watch_state_full),
    Scenario("watch, read-only state folder (cursor)", "tmpfs remounted ro", watch_state_read_only),
)  # fmt: skip
