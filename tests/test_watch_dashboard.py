"""The dashboard as a person sees it: ``alsate watch`` in a real terminal (tmux), read back with ``capture-pane``."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers_cli import ALSATE
from helpers_watch import FAST_POLL


class Terminal:
    """A detached tmux session of a given size on its own server (socket), so no user session is touched."""

    def __init__(self, command: list[str], width: int, height: int) -> None:
        self.socket = f"alsate-test-{os.getpid()}-{time.monotonic_ns()}"
        shell = shlex.join(command) + "; echo EXIT=$?; sleep 60"
        self._tmux("new-session", "-d", "-x", str(width), "-y", str(height), shell)

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def wait_for(self, shows: Callable[[str], bool], timeout: float = 8.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if shows(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"the terminal never showed it; it shows:\n{screen}")
            time.sleep(0.1)

    def press(self, key: str) -> None:
        self._tmux("send-keys", key)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def watched_log(tmp_path: Path) -> Path:
    log = tmp_path / "syslog"
    log.write_text("")
    return log


@pytest.fixture
def terminal(watched_log: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: the dashboard test needs a real terminal")
    variables = {name: os.environ[name] for name in ("PATH", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")}
    command = ["env", *(f"{k}={v}" for k, v in {**variables, **FAST_POLL, "TERM": "xterm-256color"}.items())]
    command += [*ALSATE, "watch", "--input", str(watched_log), "--follow", "--no-explain"]
    session = Terminal(command, width=80, height=24)
    yield session
    session.close()


def _append(log: Path, *lines: str) -> None:
    with log.open("a") as handle:
        for line in lines:
            handle.write(f"Nov 23 10:00:01 web {line}\n")


def test_dashboard_shows_issues_updating_in_place_and_quits_with_a_summary(
    terminal: Terminal, watched_log: Path
) -> None:
    terminal.wait_for(lambda screen: "alsate watch" in screen and "no issues" in screen)
    _append(watched_log, "smartd[2]: disk sda1 failed", "sshd[3]: error: banner [x] lost")
    screen = terminal.wait_for(lambda screen: "disk <DEV> failed" in screen and "err 2" in screen)  # header counts
    assert "error: banner [x] lost" in screen  # markup-like text printed as written
    _append(watched_log, "smartd[2]: disk sdb1 failed", "smartd[2]: disk sdc1 failed")
    screen = terminal.wait_for(lambda screen: "err 4" in screen)
    disk_rows = [line for line in screen.splitlines() if "disk <DEV> failed" in line]
    assert len(disk_rows) == 1 and " 3 " in disk_rows[0]  # one row, its count updated in place
    assert len(screen.splitlines()) <= 24
    terminal.press("q")
    screen = terminal.wait_for(lambda screen: "EXIT=" in screen)
    assert "EXIT=0" in screen
    assert "alsate watch ran" in screen and "4 kept" in screen and "×3" in screen
