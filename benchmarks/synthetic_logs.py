"""Synthetic logs: ``alsate generate`` scored by ``alsate evaluate`` against the real input, and its speed.

Usage: ``LOGHUB_2K=DIR python benchmarks/synthetic_logs.py [--journal FILE] [--seeds 5] [--speed-lines 1000000]
[--only Linux]``

For each input (loghub-2k's ``Linux/Linux_2k.log`` and ``OpenSSH/OpenSSH_2k.log`` under ``$LOGHUB_2K``, and a
journal JSON file given with ``--journal``, e.g. ``journalctl -o json -n 20000 > j.json``) the model is learned
once per seed and as many lines as the input has are generated, in this process (``generate``'s own functions),
then scored with ``evaluate``'s: parse rate, JSD of templates, programs, priorities and hours, the duplicate rates
beside the input's, and leaked training addresses, hosts and users. Each figure is the mean over the seeds, with
the worst seed's value. Speed: lines per second of the walk and rendering alone (learning excluded) into
``/dev/null``-like memory, for syslog text and journal JSON, wall and CPU time.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

from alsate_cli.generate.evaluate import evaluate, profile
from alsate_cli.generate.model import learn
from alsate_cli.generate.render import json_writer, syslog_writer
from alsate_cli.generate.sample import walk
from alsate_cli.sources import IngestStats, read_entries


def _entries(path: Path) -> list:  # type: ignore[type-arg]
    with open(path, "rb") as handle:
        return list(read_entries(handle, IngestStats()))


def _generated(entries: list, count: int, seed: int) -> tuple[list, int]:  # type: ignore[type-arg]
    model = learn(entries, seed=seed)
    render = syslog_writer() if model.text_input else json_writer()
    rng = random.Random(seed)
    stream = walk(model, rng, start_us=model.start_us or 0)
    text = "".join(render(next(stream)) + "\n" for _ in range(count)).encode()
    stats = IngestStats()
    parsed = list(read_entries(io.BytesIO(text), stats))
    return parsed, stats.read


def score(path: Path, seeds: int) -> dict[str, tuple[float, float]]:
    entries = _entries(path)
    real = profile(entries)
    real.read = len(entries)
    rows: dict[str, list[float]] = {}
    for seed in range(1, seeds + 1):
        parsed, read = _generated(entries, len(entries), seed)
        generated = profile(parsed)
        generated.read = read
        scores = evaluate(real, generated)
        diversity = scores["diversity"]
        values = {
            "parse rate": scores["parse_rate"]["generated"],
            "JSD template": scores["jsd"]["template"],
            "JSD program": scores["jsd"]["program"],
            "JSD priority": scores["jsd"]["priority"],
            "JSD hour": scores["jsd"]["hour"],
            "template coverage": scores["templates"]["coverage"],
            "dup raw (real)": diversity["real"]["duplicate_rate_raw"],
            "dup raw (generated)": diversity["generated"]["duplicate_rate_raw"],
            "dup raw gap (points)": 100 * abs(diversity["generated"]["duplicate_rate_raw"]
                                              - diversity["real"]["duplicate_rate_raw"]),
            "dup masked gap (points)": 100 * abs(diversity["generated"]["duplicate_rate_masked"]
                                                 - diversity["real"]["duplicate_rate_masked"]),
            "distinct-2 (real)": diversity["real"]["distinct_2"],
            "distinct-2 (generated)": diversity["generated"]["distinct_2"],
            "leaked addresses": scores["leakage"]["leaked"]["addresses"],
            "leaked hosts": scores["leakage"]["leaked"]["hosts"],
            "leaked users": scores["leakage"]["leaked"]["users"],
            "8-token windows in real": scores["leakage"]["ngram8_overlap"],
        }  # fmt: skip
        for name, value in values.items():
            rows.setdefault(name, []).append(float(value))
    worst_is_min = {"parse rate", "template coverage"}
    return {name: (sum(v) / len(v), min(v) if name in worst_is_min else max(v)) for name, v in rows.items()}


def speed(path: Path, lines: int) -> dict[str, tuple[float, float]]:
    model = learn(_entries(path), seed=1)
    results = {}
    for name, render in (("syslog", syslog_writer()), ("json", json_writer())):
        stream = walk(model, random.Random(1), start_us=model.start_us or 0)
        sink = io.StringIO()
        wall, cpu = time.perf_counter(), time.process_time()
        batch: list[str] = []
        for _ in range(lines):
            batch.append(render(next(stream)))
            if len(batch) >= 8192:
                sink.write("\n".join(batch))
                batch.clear()
        sink.write("\n".join(batch))
        results[name] = (lines / (time.perf_counter() - wall), lines / (time.process_time() - cpu))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", type=Path, help="a journal JSON file (journalctl -o json)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--speed-lines", type=int, default=1_000_000, help="0: no speed figures")
    parser.add_argument("--only", metavar="TEXT", help="only the inputs whose file name contains TEXT")
    args = parser.parse_args()
    inputs: list[Path] = []
    loghub = os.environ.get("LOGHUB_2K")
    if loghub:
        inputs += [Path(loghub) / "Linux" / "Linux_2k.log", Path(loghub) / "OpenSSH" / "OpenSSH_2k.log"]
    if args.journal:
        inputs.append(args.journal)
    if args.only:
        inputs = [path for path in inputs if args.only in path.name]
    if not inputs:
        sys.exit("set LOGHUB_2K to the loghub-2k directory and/or pass --journal FILE")
    print(f"load average {os.getloadavg()[0]:.2f}, {args.seeds} seeds; mean (worst seed)")
    results = {path.name: score(path, args.seeds) for path in inputs}
    names = list(next(iter(results.values())))
    print("| Measure | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for name in names:
        cells = []
        for result in results.values():
            mean, worst = result[name]
            cells.append(f"{mean:.3f} ({worst:.3f})" if mean < 10 else f"{mean:.1f} ({worst:.1f})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    for path in inputs if args.speed_lines else []:
        for name, (wall, cpu) in speed(path, args.speed_lines).items():
            print(f"speed {path.name} {name}: {wall:,.0f} lines/s wall, {cpu:,.0f} lines/s CPU")


if __name__ == "__main__":
    main()
