"""``alsate pull`` where the world misbehaves or a person answers: a disk that fills up mid-download (a real tmpfs)
and the interactive license question on a real pseudo-terminal."""

from __future__ import annotations

import errno
import json
import os
import pty
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alsate_cli.models.defaults import DEFAULT_FILENAME, DEFAULT_REPO_ID
from alsate_cli.models.license import is_accepted
from alsate_cli.models.presets import PRESETS
from fixtures_hub import FakeHub, serve_fake_hub
from helpers_cli import ALSATE, run_alsate
from test_pull import CONTENT, FILE, REPO, files_under, pull

SMALL_DISK_KIB = 4096
"""Room for CONTENT (~1.3 MB) at the free-space check, so only the later filler makes the write fail."""
QUESTION = b"Do you accept this license?"
ANSI_ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with serve_fake_hub() as running:
        yield running


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, tiny filesystem (tmpfs), unmounted whatever the test does."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK_KIB}k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def fill(path: Path) -> None:
    """Write zeros into ``path`` until its filesystem has no byte left (page-sized writes: none is left over)."""
    page = bytes(4096)
    with path.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(page)
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise


def fill_disk_when_the_body_is_requested(hub: FakeHub, disk: Path) -> None:
    """The CDN looks the blob up just before it streams the body, i.e. after alsate's HEAD and free-space check
    passed and huggingface_hub opened its ``.incomplete`` file: filling the disk there is the deterministic
    "another program took the space meanwhile". (Wrapping the instance's lookup keeps fixtures_hub unchanged.)"""
    look_up = hub.blob

    def filled_then_look_up(sha: str):  # type: ignore[no-untyped-def]
        fill(disk / "filler")
        return look_up(sha)

    hub.blob = filled_then_look_up  # type: ignore[method-assign]


def test_disk_filling_up_during_the_download_fails_in_one_line_and_leaves_nothing(
    hub: FakeHub, small_disk: Path
) -> None:
    hub.add_file(REPO, FILE, CONTENT)
    fill_disk_when_the_body_is_requested(hub, small_disk)
    cache = small_disk / "hub"

    result = pull(hub, "--repo", REPO, "--file", FILE, env={"HF_HUB_CACHE": str(cache)})

    stderr = result.stderr.decode()
    assert hub.requests["GET cdn"] == 1, stderr  # the free-space check passed: the download really started
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("alsate: error:")]
    assert len(errors) == 1 and "disk is full" in errors[0], stderr
    assert len(stderr.strip().splitlines()) <= 2, stderr  # the license line and the error line, no chatter
    assert files_under(cache) == []
    assert not [path for path in small_disk.rglob("*") if path.name.endswith(".incomplete")]
    listing = run_alsate("models", "--json", env={"HF_HUB_CACHE": str(cache)})
    assert listing.returncode == 0 and json.loads(listing.stdout)["models"] == [], listing.stderr.decode()


def answer_license_question(hub: FakeHub, answer: bytes) -> tuple[int, str, bytes]:
    """Run ``alsate pull`` with stdin and stderr on a pseudo-terminal (a person at a shell), wait for the license
    and the question, type ``answer``; return the exit code, what the terminal showed, and stdout."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [*ALSATE, "pull"],
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=secondary,
        env={**os.environ, **hub.env()},
    )
    os.close(secondary)
    shown = b""
    try:
        shown = _read_until(primary, QUESTION, deadline=time.monotonic() + 30)
        os.write(primary, answer + b"\n")
        shown += _read_until(primary, None, deadline=time.monotonic() + 60)
        stdout, _ = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
        os.close(primary)
    return process.returncode, ANSI_ESCAPE.sub(b"", shown).decode(errors="replace"), stdout


def _read_until(primary: int, marker: bytes | None, *, deadline: float) -> bytes:
    """Read the terminal until ``marker`` appears (None: until the program closes it)."""
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if not ready:
            continue
        try:
            data = os.read(primary, 4096)
        except OSError:  # EIO: every copy of the terminal's other side is closed, the program is gone
            return seen
        if not data:
            return seen
        seen += data
        if marker is not None and marker in ANSI_ESCAPE.sub(b"", seen):
            return seen
    raise AssertionError(f"timed out waiting for {marker!r}; the terminal showed {seen!r}")


def test_license_question_on_a_terminal_no_refuses_yes_downloads_and_is_remembered(hub: FakeHub) -> None:
    hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, CONTENT)
    license = PRESETS["alsate"].license
    assert license is not None and license.requires_consent

    refused, shown, _ = answer_license_question(hub, b"n")

    assert license.name in shown and license.url in shown and QUESTION.decode() in shown
    assert refused != 0 and "license not accepted" in shown and "Traceback" not in shown
    assert sum(hub.requests.values()) == 0 and not is_accepted(DEFAULT_REPO_ID, license)

    accepted, shown, stdout = answer_license_question(hub, b"y")

    assert accepted == 0, shown
    assert Path(stdout.decode().strip()).read_bytes() == CONTENT
    assert is_accepted(DEFAULT_REPO_ID, license)

    again = pull(hub)  # stdin is a pipe and no --accept-license: would fail if the acceptance were forgotten

    assert again.returncode == 0, again.stderr.decode()
    assert QUESTION not in again.stderr and hub.requests["GET cdn"] == 1
