"""Ingest + filter + group throughput: journal JSON lines per second, end to end from a file to groups.

Usage: ``ingest_throughput.py [FILE] [--lines N] [--repeat 3] [--cli-only] [--drain3 [--grouping-only]]``

Without FILE a realistic journal JSON file is generated first (``make_journal_json.py``: ~25 fields per entry
as journald emits them, a busy server's priority mix; ``make_journal_json.py --mix attack`` writes the attacked
host's file). The headline is what users run: ``alsate analyze -i FILE --format json --no-explain --no-cache``
as a separate process, rules on (the default), best wall time of ``--repeat`` runs, with its peak memory (the
child's maxrss); the same with ``--no-threats`` beside it. Then two in-process figures, both
``pipeline.analyze_stream`` with the default warning-and-worse selection, on one core:

* ingest + filter + group without rules: what the throughput target names;
* the same with the shipped threat rules on, which is what ``alsate analyze --input FILE`` runs before any model
  work (the rules see every entry they could hit: lines below the selection are parsed only when the rules'
  byte prefilter says a rule might fire).

``--drain3`` also times Drain3 on the kept messages, beside alsate's grouper on the same messages, in the same
run: with its defaults (no masking: tokens compared as they are) and with the masking of its own example
configuration (``examples/drain3.ini``: ids, addresses, hex and numbers masked before the tree, as alsate masks).
Wall time and CPU time of this process are both given, with the load average: on a shared machine the CPU time
is the steadier figure (it leaves out the time other processes held the core, not their cache traffic).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alsate_cli.pipeline import Analysis, analyze_stream
from alsate_cli.priority import PrioritySelection

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_journal_json import entries as generated_entries  # a sibling script, not a package


def generate(path: Path, lines: int) -> None:
    import orjson

    with path.open("wb") as out:
        for record in generated_entries(lines, seed=1):
            out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))


def time_pipeline(path: Path, repeat: int, threats: bool) -> tuple[float, float, Analysis]:
    """Best wall and CPU time of ``repeat`` cold runs (fresh Analysis and rules, template memos cleared)."""
    from alsate_cli.grouping.template import clear_template_cache
    from alsate_cli.rules import RuleSet, ThreatEvaluator

    best_wall = best_cpu = float("inf")
    analysis = Analysis()
    selection = PrioritySelection.parse("warning")
    ruleset = RuleSet.load()  # the shipped rules only: a user's rule folder must not change the figure
    for _ in range(repeat):
        clear_template_cache()
        gc.collect()
        with path.open("rb", buffering=1 << 20) as stream:
            start, start_cpu = time.perf_counter(), time.process_time()
            analysis = Analysis(threats=ThreatEvaluator(ruleset) if threats else None)
            analyze_stream(stream, selection, analysis=analysis)
            best_wall = min(best_wall, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return best_wall, best_cpu, analysis


def time_cli(path: Path, repeat: int, threats: bool) -> tuple[float, float, int, dict]:
    """Best wall time, best CPU time (user + system) and largest peak RSS (bytes) of ``alsate analyze --format
    json`` on ``path``, and its summary. The child's CPU time is the steadier figure on a shared machine."""
    import orjson

    command = [sys.executable, "-m", "alsate_cli", "analyze", "-i", str(path), "--format", "json", "--no-explain",
               "--no-cache", "--quiet", *(() if threats else ("--no-threats",))]  # fmt: skip
    best, best_cpu, peak, summary = float("inf"), float("inf"), 0, {}
    for _ in range(repeat):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE)
        output = child.stdout.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 3):
            raise SystemExit(f"alsate analyze exited {child.returncode}")
        best, peak = min(best, seconds), max(peak, usage.ru_maxrss * 1024)
        best_cpu = min(best_cpu, usage.ru_utime + usage.ru_stime)
        summary = orjson.loads(output)["summary"]
    return best, best_cpu, peak, summary


def kept_messages(path: Path) -> list[tuple[str, str]]:
    from alsate_cli.sources import read_entries
    from alsate_cli.sources.stats import IngestStats

    keep = PrioritySelection.parse("warning")
    with path.open("rb") as stream:
        return [(entry.identifier, entry.message) for entry in read_entries(stream, IngestStats(), keep=keep)]


# Drain3's own example configuration (examples/drain3.ini in logpai/Drain3): what its README points a user to, and
# what masks the addresses, ids and numbers that alsate masks too. Without it Drain3 only splits on spaces and
# compares tokens, and "SRC=203.0.113.7" or "containers/b41d56c44da/start" are words that differ on every line.
DRAIN3_EXAMPLE_MASKING = (
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
    (r"(?<=executed cmd )(\".+?\")", "CMD"),
)


def time_grouping_vs_drain3(messages: list[tuple[str, str]], repeat: int) -> tuple[float, float, float]:
    """Messages per second: alsate's grouper, Drain3 with its defaults (no masking), Drain3 with its example
    masking; best of ``repeat`` cold runs each, interleaved so that load from other processes hits all three."""
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    from alsate_cli.entry import Entry
    from alsate_cli.grouping import Grouper
    from alsate_cli.grouping.template import clear_template_cache

    entries = [Entry(line=n, message=message, priority=4, identifier=ident) for n, (ident, message) in
               enumerate(messages, 1)]  # fmt: skip

    def drain3_miner(masked: bool) -> TemplateMiner:
        config = TemplateMinerConfig()
        config.profiling_enabled = False
        if masked:
            config.masking_instructions = [MaskingInstruction(regex, mask) for regex, mask in DRAIN3_EXAMPLE_MASKING]
        return TemplateMiner(config=config)

    best = [float("inf")] * 3
    for _ in range(repeat):
        clear_template_cache()
        grouper = Grouper()
        start = time.perf_counter()
        for entry in entries:
            grouper.add(entry)
        best[0] = min(best[0], time.perf_counter() - start)
        for slot, masked in ((1, False), (2, True)):
            miner = drain3_miner(masked)
            start = time.perf_counter()
            for _, message in messages:
                miner.add_log_message(message)
            best[slot] = min(best[slot], time.perf_counter() - start)
    alsate, plain, masked = (len(messages) / seconds for seconds in best)
    return alsate, plain, masked


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, help="journal JSON file (default: generate one)")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines to generate when no FILE is given")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--drain3", action="store_true", help="also time Drain3 vs alsate's grouper")
    parser.add_argument("--grouping-only", action="store_true", help="with --drain3: skip the end-to-end timings")
    parser.add_argument("--cli-only", action="store_true", help="only the alsate analyze rows (the headline)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.file
        if path is None:
            path = Path(scratch) / "journal.json"
            print(f"generating {args.lines:,} lines …", file=sys.stderr)
            generate(path, args.lines)
        size = path.stat().st_size
        print(f"load average {_load()} on {os.cpu_count()} cores, pid {os.getpid()}")
        cli_runs = ((True, "alsate analyze --format json, rules on (what users run)"),
                    (False, "alsate analyze --format json --no-threats"))  # fmt: skip
        for threats, label in cli_runs if not args.grouping_only else ():
            seconds, cpu, peak, summary = time_cli(path, args.repeat, threats)
            read = summary["entries_read"]
            print(f"{label}: {read:,} lines → kept {summary['entries_kept']:,} (evidence "
                  f"{summary.get('entries_evidence', 0):,}), {summary['groups']:,} groups; best of {args.repeat}: "
                  f"{seconds:.2f} s wall → {read / seconds:,.0f} lines/s; {cpu:.2f} s CPU → {read / cpu:,.0f} "
                  f"lines/s; peak RSS {peak / 2**20:,.0f} MB")  # fmt: skip
        runs = ((False, "ingest+filter+group, no rules (the target's measure)"),
                (True, "ingest+filter+group + threat rules (what `alsate analyze` runs)"))  # fmt: skip
        for threats, label in runs if not (args.grouping_only or args.cli_only) else ():
            seconds, cpu, analysis = time_pipeline(path, args.repeat, threats)
            stats = analysis.stats
            print(f"{label}: {stats.read:,} lines, {size / 1e6:,.0f} MB; kept {stats.kept:,} (evidence "
                  f"{stats.evidence:,}), filtered {stats.filtered:,}, skipped {stats.skipped:,} → "
                  f"{len(analysis.grouper):,} groups")  # fmt: skip
            print(f"  best of {args.repeat}: {seconds:.2f} s wall → {stats.read / seconds:,.0f} lines/s "
                  f"({size / seconds / 1e6:,.0f} MB/s); {cpu:.2f} s CPU → {stats.read / cpu:,.0f} lines/s")  # fmt: skip
        if args.drain3:
            alsate_rate, plain_rate, masked_rate = time_grouping_vs_drain3(kept_messages(path), args.repeat)
            print(f"grouping only, kept messages: alsate {alsate_rate:,.0f} msg/s; Drain3 defaults (no masking) "
                  f"{plain_rate:,.0f} msg/s ({alsate_rate / plain_rate:.2f}×); Drain3 with its example masking "
                  f"{masked_rate:,.0f} msg/s ({alsate_rate / masked_rate:.2f}×)")  # fmt: skip
        print(f"load average {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
