"""Run the real ``alsate`` program in a subprocess, as a sysadmin's shell would."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from typing import Any

ALSATE = [sys.executable, "-m", "alsate_cli"]


def run_alsate(
    *args: str, stdin: bytes | None = b"", env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run alsate with ``stdin`` piped in (``None``: a pseudo-terminal, so alsate runs journalctl itself)."""
    full_env = {**os.environ, **(env or {})}
    if stdin is None:
        primary, secondary = pty.openpty()
        try:
            return subprocess.run(
                [*ALSATE, *args], stdin=secondary, capture_output=True, env=full_env, timeout=timeout, check=False
            )
        finally:
            os.close(primary)
            os.close(secondary)
    return subprocess.run(
        [*ALSATE, *args], input=stdin, capture_output=True, env=full_env, timeout=timeout, check=False
    )


def analyze_json(*args: str, stdin: bytes | None = b"", env: dict[str, str] | None = None) -> dict[str, Any]:
    """``alsate analyze --format json`` → the parsed document (asserts a clean exit)."""
    result = run_alsate("analyze", "--format", "json", *args, stdin=stdin, env=env)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return json.loads(result.stdout)


def json_lines(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)
