"""Mix injected incidents into the benign stream, in time order, so that the ground truth can number their lines."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from itertools import islice

from alsate_cli.generate.sample import Generated
from alsate_cli.generate.scenarios import SCENARIOS, Context, Incident, attacker_addresses


def _anchors(count: int, benign: int, rng: random.Random) -> list[tuple[int, int]]:
    """(benign line index, incident) pairs: incidents spread over the stream, in random order."""
    order = list(range(count))
    rng.shuffle(order)
    share = max(1, benign // (count + 1))
    return [(share * (slot + 1) - int(rng.random() * share / 2), incident) for slot, incident in enumerate(order)]


def mixed(
    benign: Iterator[Generated], total: int, names: list[str], rng: random.Random
) -> tuple[Iterator[tuple[int, Generated]], list[Incident]]:
    """Exactly ``total`` lines: benign ones with each named incident merged in by time at a random place.

    Yields (incident index, or -1 for a benign line; the line). An incident's lines start at the time of the benign
    line it is anchored to and take that line's host, and ``incidents[i].lines`` hold their final times. Raises
    ValueError when ``total`` cannot hold the incidents and a benign line for each.
    """
    pid = [rng.randint(40_000, 60_000)]

    def fresh_pid() -> int:
        pid[0] += 1 + int(rng.random() * 16)
        return pid[0]

    sources = iter(attacker_addresses(rng, len(names)))
    incidents = [SCENARIOS[name](Context(rng, 0, None, fresh_pid, next(sources))) for name in names]
    benign_count = total - sum(len(incident.lines) for incident in incidents)
    if benign_count < len(incidents):
        needed = total - benign_count + len(incidents)
        raise ValueError(f"--lines {total} is too few for the injected scenarios: they need at least {needed}")
    anchors = sorted(_anchors(len(incidents), benign_count, rng))

    def emit() -> Iterator[tuple[int, Generated]]:
        pending: list[tuple[int, int, int, Generated]] = []  # (time, incident, order, line): a stable merge
        next_anchor = 0
        for index, line in enumerate(islice(benign, benign_count)):
            while next_anchor < len(anchors) and anchors[next_anchor][0] <= index:
                owner = anchors[next_anchor][1]
                incident = incidents[owner]
                incident.lines = [
                    item._replace(time_us=item.time_us + line.time_us, host=line.host) for item in incident.lines
                ]
                for order, item in enumerate(incident.lines):
                    heapq.heappush(pending, (item.time_us, owner, order, item))
                next_anchor += 1
            while pending and pending[0][0] <= line.time_us:
                _, owner, _, item = heapq.heappop(pending)
                yield owner, item
            yield -1, line
        while pending:
            _, owner, _, item = heapq.heappop(pending)
            yield owner, item

    return emit(), incidents
