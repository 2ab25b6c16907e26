"""``alsate rules list`` and ``alsate rules test FILE``: see the detection rules and what they match."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table
from rich.text import Text

from alsate_cli.commands.common import stdout_console
from alsate_cli.render.escape import safe_text

rules_app = typer.Typer(
    name="rules",
    help="Show the detection rules (shipped and your own) and test them on a log file.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
MAX_LINES_SHOWN = 5


@rules_app.command("list")
def list_rules(as_json: JsonFlag = False) -> None:
    """List every rule and correlation: id, level, programs, MITRE ATT&CK techniques, file.

    Your own rule files live in $XDG_CONFIG_HOME/alsate/rules/*.toml (see README).
    """
    from alsate_cli.threats import load_rules

    ruleset = load_rules()
    rows = [
        {"id": rule.id, "kind": "rule", "level": rule.level.label, "title": rule.title,
         "identifiers": list(rule.identifiers), "mitre": list(rule.mitre), "origin": rule.origin}
        for rule in ruleset.rules.values()
    ] + [
        {"id": corr.id, "kind": "correlation", "level": corr.level.label, "title": corr.title,
         "identifiers": [], "mitre": list(corr.mitre), "origin": corr.origin,
         "counts": {"rules": list(corr.rules), "group_by": corr.group_by, "count": corr.count,
                    "window_seconds": corr.window_us // 1_000_000, "distinct": corr.distinct}}
        for corr in ruleset.correlations.values()
    ]  # fmt: skip
    if as_json:
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table(title=f"{len(ruleset.rules)} rules, {len(ruleset.correlations)} correlations", expand=True)
    for column, ratio in (("Id", 3), ("Level", 1), ("Programs / counting", 3), ("Title", 4), ("MITRE", 2)):
        table.add_column(column, ratio=ratio, overflow="fold")
    for row in rows:
        scope = ", ".join(row["identifiers"])
        if row["kind"] == "correlation":
            counts = row["counts"]
            what = f"distinct {counts['distinct']}" if counts["distinct"] else "hits"
            scope = f"≥{counts['count']} {what} per {counts['group_by']} in {counts['window_seconds']}s"
        table.add_row(row["id"], row["level"], safe_text(scope), safe_text(row["title"]), ", ".join(row["mitre"]))
    stdout_console().print(table)


RULE_MODES = ("normal", "ddos", "extra", "aggressive")


def _rule_mode(value: str | None) -> str | None:
    if value is None or value in RULE_MODES:
        return value
    raise typer.BadParameter(f"{value!r} is not a rule mode: use one of {', '.join(RULE_MODES)}")


@rules_app.command("test")
def test_rules(
    path: Annotated[Path, typer.Argument(help="A log file: journalctl JSON or syslog text ('-' for stdin).")],
    as_json: JsonFlag = False,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode",
            callback=_rule_mode,
            metavar="MODE",
            help="Which sshd lines count as failed attempts: normal, ddos (also connections that never spoke SSH), "
            "extra (also clients offering nothing acceptable) or aggressive (all). Default: rule_mode in the "
            "config file, else normal.",
        ),
    ] = None,
) -> None:
    """Run every rule over a file, whatever the priorities, and show which lines each matches.

    Example: alsate rules test /var/log/auth.log
    """
    from alsate_cli.rules.why import VerdictTrace
    from alsate_cli.sources import read_entries
    from alsate_cli.sources.files import open_log_file
    from alsate_cli.sources.stats import IngestStats
    from alsate_cli.threats import new_evaluator

    evaluator = new_evaluator(mode)
    trace = VerdictTrace(evaluator.ruleset)
    stats = IngestStats()
    lines: dict[str, list[int]] = defaultdict(list)
    counts: Counter[str] = Counter()
    keys: dict[str, Counter[str]] = defaultdict(Counter)
    with open_log_file(str(path)) as stream:
        for entry in read_entries(stream, stats):
            hits = evaluator.observe(entry)
            trace.add(entry, hits)
            for hit in hits:
                counts[hit.rule_id] += 1
                if len(lines[hit.rule_id]) < MAX_LINES_SHOWN:
                    lines[hit.rule_id].append(entry.line)
                if hit.correlated and hit.key is not None:
                    keys[hit.rule_id][hit.key] += 1
    report: dict[str, Any] = {
        "entries_read": stats.read,
        "skipped": stats.skipped,
        "mode": evaluator.mode,
        "hits": [
            {"id": rule_id, "count": count, "first_lines": lines[rule_id], "keys": dict(keys[rule_id].most_common(5))}
            for rule_id, count in counts.most_common()
        ],
        "trace": trace.records,
        "trace_dropped": trace.dropped,
    }
    if as_json:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    console = stdout_console()
    if not counts:
        console.print(f"No rule matched any of {stats.read} lines.")
        return
    table = Table(title=f"{stats.read} lines read, {stats.skipped} skipped", expand=True)
    for column in ("Rule or correlation", "Hits", "First lines", "Keys (correlations)"):
        table.add_column(column, overflow="fold")
    for hit in report["hits"]:
        key_text = Text(", ".join(f"{key} ×{n}" for key, n in hit["keys"].items()))
        table.add_row(hit["id"], str(hit["count"]), ", ".join(map(str, hit["first_lines"])), safe_text(key_text.plain))
    console.print(table)
    _print_why(console, trace.first_firings(), trace.records)


def _print_why(console: Any, firings: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
    """Why each correlation fired (key, threshold, window, the lines counted) and what each rule took from its
    first lines: the verdict trace, as wazuh-logtest prints it."""
    if not records:
        return
    why = Table(title="Why (first firing per key; first lines per rule)", expand=True)
    for column, ratio in (("Line", 1), ("Rule or correlation", 3), ("Level", 1), ("MITRE", 2), ("Why", 8)):
        why.add_column(column, ratio=ratio, overflow="fold")
    for record in firings:
        counted = record["lines"]
        span = f"lines {counted[0]}–{counted[-1]}" if len(counted) > 1 else f"line {counted[0]}" if counted else ""
        what = f"distinct {record['distinct']}" if record["distinct"] else "events"
        text = (f"{record['group_by']}={record['key']}: {record['count']} {what} ≥ {record['threshold']} "
                f"within {record['window_seconds']}s ({span})")  # fmt: skip
        why.add_row(str(record["line"]), record["rule"], record["level"], ", ".join(record["mitre"]), safe_text(text))
    shown: Counter[str] = Counter()
    for record in records:
        if record["kind"] != "rule" or shown[record["rule"]] >= 2:
            continue
        shown[record["rule"]] += 1
        text = ", ".join(f"{name}={value}" for name, value in record["fields"].items())
        if record.get("attempts"):
            text += f"; {record['attempts']} attempt(s), address from line {record['address_line']}"
        why.add_row(str(record["line"]), record["rule"], record["level"], ", ".join(record["mitre"]), safe_text(text))
    console.print(why)
