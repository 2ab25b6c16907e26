"""Grouping quality on loghub-2.0's labelled 2k samples (Linux, OpenSSH): alsate's Grouper next to Drain3.

Usage: ``python benchmarks/grouping_quality.py "$LOGHUB_2K" [--verbose] [--json results.json]``

``LOGHUB_2K`` is loghub-2.0's ``2k_dataset`` folder (at least ``Linux/`` and ``OpenSSH/`` with the
``*_structured_corrected.csv`` files). Metrics, as in that folder's README:

- GA (grouping accuracy): a line is correct when the set of lines in its predicted group equals the set of lines
  that share its ground-truth EventId.
- Purity: share of lines whose predicted group holds lines of one ground-truth template only.
- Groups: predicted groups, next to the true template count (one model call per group).

alsate is measured twice: as it runs (key = identifier + template) and on the message alone (template only),
which is what Drain3 and the ground truth see; the difference is lines the truth files share across programs.
Drain3 runs with logparser's tuned benchmark settings for each file, as published.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from alsate_cli.entry import Entry
from alsate_cli.grouping import Grouper, template_of
from alsate_cli.grouping.template import clear_template_cache


@dataclass(frozen=True)
class Dataset:
    name: str
    drain_depth: int
    drain_sim_th: float
    drain_regexes: tuple[str, ...]


# logparser's benchmark settings (logparser/Drain/benchmark.py) for these two files.
DATASETS = (
    Dataset("Linux", 6, 0.39, (r"(\d+\.){3}\d+", r"\d{2}:\d{2}:\d{2}")),
    Dataset("OpenSSH", 5, 0.6, (r"(\d+\.){3}\d+", r"([\w-]+\.){2,}[\w-]+")),
)


@dataclass(frozen=True)
class Row:
    identifier: str
    message: str
    truth: str
    truth_template: str


@dataclass
class Score:
    method: str
    ga: float
    purity: float
    groups: int
    true_templates: int
    lines_per_s: float


def load(folder: Path, dataset: Dataset) -> list[Row]:
    path = folder / dataset.name / f"{dataset.name}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return [Row(r["Component"], r["Content"], r["EventId"], r["EventTemplate"]) for r in csv.DictReader(handle)]


def score(truth: Sequence[str], predicted: Sequence[Hashable]) -> tuple[float, float, int]:
    """(GA, purity, group count) of a prediction against the truth labels."""
    by_group: dict[Hashable, Counter[str]] = defaultdict(Counter)
    for label, group in zip(truth, predicted, strict=True):
        by_group[group][label] += 1
    truth_sizes = Counter(truth)
    correct = pure = 0
    for labels in by_group.values():
        if len(labels) == 1:
            ((label, size),) = labels.items()
            pure += size
            if size == truth_sizes[label]:
                correct += size
    n = len(truth)
    return correct / n, pure / n, len(by_group)


def best_time(run: Callable[[], list[Hashable]], repeat: int) -> tuple[list[Hashable], float]:
    """Run ``run`` ``repeat`` times from a cold start; keep the last prediction and the fastest time."""
    best = float("inf")
    predicted: list[Hashable] = []
    for _ in range(repeat):
        start = time.perf_counter()
        predicted = run()
        best = min(best, time.perf_counter() - start)
    return predicted, best


def alsate_runner(rows: Sequence[Row], with_identifier: bool) -> Callable[[], list[Hashable]]:
    entries = [
        Entry(line=i, message=r.message, priority=4, identifier=r.identifier if with_identifier else "")
        for i, r in enumerate(rows, 1)
    ]

    def run() -> list[Hashable]:
        clear_template_cache()  # cold start: the memo would make every repeat after the first look free
        grouper = Grouper()
        add = grouper.add
        return [add(entry).id for entry in entries]

    return run


def drain_runner(rows: Sequence[Row], dataset: Dataset) -> Callable[[], list[Hashable]]:
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    messages = [r.message for r in rows]

    def run() -> list[Hashable]:
        config = TemplateMinerConfig()
        config.drain_depth = dataset.drain_depth
        config.drain_sim_th = dataset.drain_sim_th
        config.masking_instructions = [MaskingInstruction(rx, "*") for rx in dataset.drain_regexes]
        config.profiling_enabled = False
        miner = TemplateMiner(config=config)
        add = miner.add_log_message
        return [add(m)["cluster_id"] for m in messages]

    return run


def explain_errors(rows: Sequence[Row], predicted: Sequence[Hashable], shown: int, out: TextIO) -> None:
    """Print the largest impure groups and the largest split true templates, to guide rule changes."""
    members: dict[Hashable, list[Row]] = defaultdict(list)
    for row, group in zip(rows, predicted, strict=True):
        members[group].append(row)
    impure = sorted((g for g in members.values() if len({r.truth for r in g}) > 1), key=lambda g: len(g), reverse=True)
    print(f"  impure groups: {len(impure)}", file=out)
    for group in impure[:shown]:
        print(f"    {len(group):5d} lines  {template_of(group[0].message)!r}", file=out)
        for label, count in Counter(r.truth for r in group).most_common():
            print(f"           {count:5d} {label}", file=out)
    groups_of: dict[str, Counter[Hashable]] = defaultdict(Counter)
    for row, group in zip(rows, predicted, strict=True):
        groups_of[row.truth][group] += 1
    split = sorted(
        ((label, c) for label, c in groups_of.items() if len(c) > 1), key=lambda lc: sum(lc[1].values()), reverse=True
    )
    print(f"  split true templates: {len(split)}", file=out)
    first_row = {group: g[0] for group, g in members.items()}
    for label, counts in split[:shown]:
        template = next(r.truth_template for r in rows if r.truth == label)
        print(f"    {sum(counts.values()):5d} lines  {label} {template!r} -> {len(counts)} groups", file=out)
        for group, count in counts.most_common(6):
            row = first_row[group]
            print(f"           {count:5d} [{row.identifier}] {template_of(row.message)!r}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("loghub_2k", type=Path, help="loghub-2.0 2k_dataset folder (Linux/, OpenSSH/)")
    parser.add_argument("--verbose", action="store_true", help="list impure groups and split templates")
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats; the fastest counts (default 5)")
    parser.add_argument("--json", type=Path, help="also write the scores to this JSON file")
    parser.add_argument("--no-drain", action="store_true", help="skip Drain3 (when it is not installed)")
    args = parser.parse_args(argv)

    results: dict[str, list[dict[str, object]]] = {}
    print("| dataset | method | GA | purity | groups (true) | lines/s |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for dataset in DATASETS:
        rows = load(args.loghub_2k, dataset)
        truth = [r.truth for r in rows]
        true_templates = len(set(truth))
        runners: list[tuple[str, Callable[[], list[Hashable]]]] = [
            ("alsate (identifier + template)", alsate_runner(rows, with_identifier=True)),
            ("alsate (template only)", alsate_runner(rows, with_identifier=False)),
        ]
        if not args.no_drain:
            runners.append(("Drain3 0.9.11 (logparser settings)", drain_runner(rows, dataset)))
        scores: list[Score] = []
        predictions: dict[str, list[Hashable]] = {}
        for method, run in runners:
            predicted, seconds = best_time(run, args.repeat)
            ga, purity, groups = score(truth, predicted)
            scores.append(Score(method, ga, purity, groups, true_templates, len(rows) / seconds))
            predictions[method] = predicted
            print(
                f"| {dataset.name} | {method} | {ga:.3f} | {purity:.3f} | {groups} ({true_templates}) "
                f"| {len(rows) / seconds:,.0f} |"
            )
        results[dataset.name] = [asdict(s) for s in scores]
        if args.verbose:
            print(f"\n{dataset.name}: alsate (identifier + template)", file=sys.stderr)
            explain_errors(rows, predictions["alsate (identifier + template)"], shown=8, out=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
