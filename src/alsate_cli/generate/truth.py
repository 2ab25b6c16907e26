"""The ground truth of an injected run: which output lines belong to which scenario, and what should fire."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from alsate_cli.errors import UsageError
from alsate_cli.generate.scenarios import Incident


def truth_records(incidents: list[Incident], owners: list[int]) -> list[dict[str, object]]:
    """One record per incident; ``owners[i]`` is the incident of output line i + 1 (-1: benign)."""
    lines: list[list[int]] = [[] for _ in incidents]
    for number, owner in enumerate(owners, 1):
        if owner >= 0:
            lines[owner].append(number)
    records = []
    for index, incident in enumerate(incidents):
        times = [item.time_us for item in incident.lines]
        records.append({
            "incident": index + 1,
            "scenario": incident.scenario,
            "lines": lines[index],
            "source": incident.source,
            "user": incident.user,
            "first": _iso(min(times)),
            "last": _iso(max(times)),
            "expected": incident.expected,
        })  # fmt: skip
    return records


def write_truth(path: Path, incidents: list[Incident], owners: list[int]) -> None:
    try:
        with open(path, "wb") as handle:
            for record in truth_records(incidents, owners):
                handle.write(orjson.dumps(record) + b"\n")
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None


def _iso(time_us: int) -> str:
    return datetime.fromtimestamp(time_us / 1e6, UTC).isoformat(timespec="seconds")
