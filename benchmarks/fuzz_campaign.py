"""Coverage-guided fuzzing (atheris, libFuzzer's mutator) of one surface: inputs run, uncaught exceptions, broken
properties, each with its reproducer saved.

Usage::

    python benchmarks/fuzz_campaign.py run TARGET --runs N --out DIR [--seed 1]
    python benchmarks/fuzz_campaign.py table DIR [DIR …]

Targets and their properties: tests/fuzz_targets.py (``journal-json``, ``syslog-text``, ``template``, ``rules``,
``redact``, ``renderers``). alsate's own modules are instrumented for coverage; the campaign starts from the
target's real-shaped seeds. An input that raises is counted (``crashes``: any exception but the target's ``Broken``;
``broken``: a property failed) and the fuzzer goes on; the first input of each distinct failure is written to
``DIR/TARGET-<kind>-<n>.bin``. The figures go to ``DIR/TARGET.json`` every 2,000 inputs and when the run ends, and
``table`` prints them all as Markdown. ``pip install -e .[bench]`` brings atheris.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))
MAX_SAVED = 20
SAVE_EVERY = 2000


class Campaign:
    """Counts and saves; called by atheris for each input."""

    def __init__(self, name: str, runs: int, out: Path) -> None:
        self.name, self.runs, self.out = name, runs, out
        self.inputs = self.crashes = self.broken = 0
        self.failures: dict[str, str] = {}
        """A distinct failure (kind, exception type, innermost frame) → its reproducer's file name and message."""
        self.started = time.perf_counter()
        self.target = None

    def __call__(self, data: bytes) -> None:
        from fuzz_targets import Broken

        self.inputs += 1
        try:
            self.target(data)  # type: ignore[misc]
        except Broken as error:
            self.broken += 1
            self._save("broken", error, data)
        except Exception as error:  # counting every uncaught exception is the point
            self.crashes += 1
            self._save("crash", error, data)
        if self.inputs % SAVE_EVERY == 0 or self.inputs >= self.runs:
            self.write()
        if self.inputs >= self.runs:
            os._exit(0)  # libFuzzer would end the process without Python's clean-up anyway

    def _save(self, kind: str, error: Exception, data: bytes) -> None:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        key = f"{kind} {type(error).__name__} {Path(frame.filename).name}:{frame.lineno}"
        if key in self.failures or len(self.failures) >= MAX_SAVED:
            return
        path = self.out / f"{self.name}-{kind}-{len(self.failures) + 1}.bin"
        path.write_bytes(data)
        self.failures[key] = f"{path.name}: {str(error)[:300]}"

    def write(self) -> None:
        figures = {
            "target": self.name,
            "inputs": self.inputs,
            "crashes": self.crashes,
            "broken": self.broken,
            "seconds": round(time.perf_counter() - self.started, 1),
            "failures": self.failures,
        }
        (self.out / f"{self.name}.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")


def run(name: str, runs: int, out: Path, seed: int) -> None:
    import atheris

    out.mkdir(parents=True, exist_ok=True)
    campaign = Campaign(name, runs, out)
    with atheris.instrument_imports(include=["alsate_cli"]):
        import fuzz_render  # noqa: F401 - imported here so that alsate's modules are instrumented
        from fuzz_targets import TARGETS, seeds
    campaign.target = TARGETS[name]
    corpus = out / f"{name}-corpus"
    corpus.mkdir(exist_ok=True)
    for number, data in enumerate(seeds(name)):
        (corpus / f"seed-{number}").write_bytes(data)
    argv = [sys.argv[0], f"-seed={seed}", f"-runs={runs + 100_000}", "-max_len=4096", "-rss_limit_mb=3072",
            "-print_final_stats=0", "-close_fd_mask=1", str(corpus)]  # fmt: skip
    atheris.Setup(argv, campaign)
    atheris.Fuzz()


def table(outs: list[Path]) -> None:
    """Every run's figures under the folders given, summed per target (runs with other seeds add up)."""
    rows: dict[str, dict] = {}
    for path in sorted(found for out in outs for found in out.glob("*.json")):
        figures = json.loads(path.read_text(encoding="utf-8"))
        row = rows.setdefault(figures["target"], {"runs": 0, "inputs": 0, "crashes": 0, "broken": 0, "seconds": 0})
        row["runs"] += 1
        for key in ("inputs", "crashes", "broken", "seconds"):
            row[key] += figures[key]
        for key, where in figures["failures"].items():
            print(f"- {figures['target']}: {key}: {where}")
    print("| target | runs | inputs | uncaught exceptions | broken properties | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, row in rows.items():
        counts = f"{row['inputs']:,} | {row['crashes']} | {row['broken']}"
        print(f"| {name} | {row['runs']} | {counts} | {row['seconds']:,.0f} |")
    total = {key: sum(row[key] for row in rows.values()) for key in ("runs", "inputs", "crashes", "broken", "seconds")}
    print(f"| **all** | {total['runs']} | **{total['inputs']:,}** | **{total['crashes']}** | **{total['broken']}** "
          f"| {total['seconds']:,.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run", help="fuzz one target")
    one.add_argument("target")
    one.add_argument("--runs", type=int, required=True)
    one.add_argument("--out", type=Path, required=True)
    one.add_argument("--seed", type=int, default=1)
    summary = commands.add_parser("table", help="print every target's figures")
    summary.add_argument("out", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "run":
        run(args.target, args.runs, args.out, args.seed)
    else:
        table(args.out)


if __name__ == "__main__":
    main()
