"""The renderers' fuzz target: a real run over fuzzed journal entries and model answers, in every output format.

The entries go through the real reader, rules, grouping and report timeline (journal JSON lines written by orjson,
as journalctl would), the answers through the real answer parser, and the knowledge base adds its texts, as a run
of ``analyze`` or ``report`` does. Then every format must hold, whatever the text:

* the table (80 and 200 columns, on a "terminal"): no escape but colours, no control, no bidi override;
* ``analyze`` and ``report`` Markdown: no link, image, raw HTML, code block, quote, bare URL or extra heading made
  of log text, every fence one the renderer wrote, every table row as wide as its header;
* the report's HTML: only the report's own elements and attributes, one ``<section>`` per issue;
* every JSON document and JSON Lines record (``analyze --format json``, ``entries``, the report's JSON, watch's
  events): it parses, its strings hold no control, and its counts are the run's (read = kept + filtered + skipped).

The markup checks are the injection campaign's (tests/injection_checks.py), run on fuzzed text.
"""

from __future__ import annotations

import io
import json
from functools import cache
from typing import Any

import orjson
from rich.console import Console

from alsate_cli.explain.explanation import Source
from alsate_cli.explain.parse import parse_answer
from alsate_cli.outcome import Outcome
from alsate_cli.pipeline import Analysis, analyze_stream
from alsate_cli.render.json_out import entry_line, write_document
from alsate_cli.render.jsonl_events import issue_event, summary_event
from alsate_cli.render.markdown import render_markdown
from alsate_cli.render.report_html import render_report_html
from alsate_cli.render.report_json import render_report_json
from alsate_cli.render.report_markdown import render_report_markdown
from alsate_cli.render.table import render_table
from alsate_cli.report.document import Report
from alsate_cli.report.period import Period, resolve_period
from alsate_cli.report.timeline import Timeline
from alsate_cli.rules import ThreatEvaluator
from alsate_cli.textsafe import strip_controls
from alsate_cli.threats import written_explanations
from fuzz_input import Draw, rule_examples
from fuzz_targets import REFERENCE_TIME, SELECTION, expect
from injection_checks import (
    BARE_URL,
    FORBIDDEN,
    FORBIDDEN_TOKENS,
    MARKDOWN,
    html_findings,
    inline_children,
    parse_dom,
    terminal_findings,
)

BASE_US = 1_795_161_600_000_000
"""2026-11-20 08:00 UTC: inside the report's period, whatever this machine's zone."""


@cache
def _period() -> Period:
    return resolve_period("2026-11-19", "2026-11-22")


@cache
def _evaluator() -> ThreatEvaluator:
    """One for the whole campaign (its indexes compile lazily, per program): each run adds its hits to it."""
    from alsate_cli.rules import RuleSet

    return ThreatEvaluator(RuleSet.load())


def _records(draw: Draw) -> list[bytes]:
    records = []
    for _ in range(1 + draw.byte() % 5):
        program, example = draw.pick(rule_examples())
        message = draw.text() if draw.byte() % 2 else example + draw.text(20)
        record: dict[str, Any] = {
            "PRIORITY": str(draw.byte() % 8),
            "SYSLOG_IDENTIFIER": draw.text(12) if draw.byte() % 3 == 0 else program,
            "_HOSTNAME": draw.text(12),
            "MESSAGE": message,
            "__REALTIME_TIMESTAMP": str(BASE_US + draw.below(80_000) * 1_000_000),
            "_PID": str(draw.below(5000)),
        }
        if draw.byte() % 2:
            record["_SYSTEMD_UNIT"] = draw.text(12)
        if draw.byte() % 7 == 0:  # whatever a hand-written file says
            record["__REALTIME_TIMESTAMP"] = draw.pick((draw.text(8), "9" * 20, str(BASE_US * 10**6)))
            record["_PID"] = draw.pick(("9" * 25, str(2**63), draw.text(4)))
        records.append(orjson.dumps(record))
    return records


def _answer(draw: Draw) -> str:
    if draw.byte() % 4 == 0:
        return draw.text(200)
    return f"Cause - {draw.text()}\nRemediation - 1. {draw.text(40)} 2. {draw.text(40)}"


def run(data: bytes, lines: list[bytes] | None = None, answer: str | None = None) -> tuple[Outcome, Report, list]:
    """A run of alsate over the fuzzed entries: analysis, explanations, knowledge base, report timeline (``lines``
    and ``answer``: given journal lines and model answer instead of fuzzed ones)."""
    draw = Draw(data)
    stream = b"\n".join(lines if lines is not None else _records(draw)) + b"\n"
    timeline, entry_lines = Timeline(), []

    def on_entry(entry, group, hits) -> None:
        timeline(entry, group, hits)
        entry_lines.append(entry_line(entry, group, hits))

    analysis = analyze_stream(
        io.BytesIO(stream), SELECTION, time_range=_period().time_range, on_entry=on_entry,
        reference_time=REFERENCE_TIME, analysis=Analysis(threats=_evaluator()),
    )  # fmt: skip
    # The model's file name is the user's own (--model, the config), not log text: printable here.
    model_name = strip_controls(draw.text(16)).replace("\n", "").replace("\t", "") or None
    outcome = Outcome(analysis=analysis, selection=SELECTION, model_name=model_name)
    for group in outcome.groups:
        text = answer if answer is not None else _answer(draw)
        explanation = parse_answer(text, "length" if draw.byte() % 5 == 0 else "stop")
        explanation.source = Source.MODEL if draw.byte() % 2 else Source.CACHE
        outcome.explanations[group.id] = explanation
    outcome.knowledge = written_explanations(outcome)
    new_ids = frozenset(group.id for group in outcome.groups[:1])
    return outcome, Report(outcome, _period(), timeline, new_ids, redacted=bool(draw.byte() % 2)), entry_lines


def check_renderers(data: bytes, lines: list[bytes] | None = None, answer: str | None = None) -> None:
    outcome, report, entry_lines = run(data, lines, answer)
    stats = outcome.analysis.stats
    expect(stats.balanced, f"books do not balance: {stats}")
    groups = len(outcome.groups)
    for width in (80, 200):
        console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor")
        render_table(outcome, console)
        for line in console.file.getvalue().split("\n"):  # type: ignore[attr-defined]
            found = terminal_findings(line.replace("\r", ""))
            expect(not found, f"table at {width} columns: {found} in {line!r}")

    templates = [group.template for group in outcome.groups]
    check_markdown(_written(render_markdown, outcome), headings={1: 1, 2: groups}, rules=0, in_tables=templates)
    check_markdown(_written(render_report_markdown, report), headings={1: 1, 3: groups}, rules=1)
    html = _written(render_report_html, report)
    root = parse_dom(html)
    found = html_findings(root)
    expect(not found, f"HTML report: {found}")
    sections = sum(element.tag == "section" for element in root.walk())
    expect(sections == groups, f"HTML report: {sections} sections for {groups} issues")

    for document in (_written(write_document, outcome), _written(render_report_json, report)):
        parsed = check_json(document)
        summary = parsed["summary"]
        expect(len(parsed["groups"]) == groups, "JSON: groups")
        expect(summary["entries_read"] == stats.read and summary["entries_kept"] == stats.kept, "JSON: counts")
    expect(len(entry_lines) == stats.kept, f"{len(entry_lines)} entries records for {stats.kept} kept")
    for line in [*entry_lines, *(issue_event(outcome, group) for group in outcome.groups), summary_event(outcome, {})]:
        check_json(line.decode())


def _written(render, subject) -> str:
    out = io.StringIO()
    render(subject, out)
    return out.getvalue()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (key, *_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def check_json(text: str) -> Any:
    parsed = json.loads(text)
    bad = [string for string in _strings(parsed) if FORBIDDEN.search(string)]
    expect(not bad, f"JSON strings with controls: {bad[:3]}")
    return parsed


def check_markdown(text: str, *, headings: dict[int, int], rules: int, in_tables: list[str] = ()) -> None:
    """No markup made of log text: only the renderer's headings, fences, rules; tables square; no bare URL; each of
    ``in_tables`` shown whole in a table row (a pipe left unescaped splits a cell, and the parser drops the extra)."""
    tokens = MARKDOWN.parse(text)
    children = inline_children(tokens)
    made = [token.type for token in (*tokens, *children) if token.type in FORBIDDEN_TOKENS and token.type != "hr"]
    expect(not made, f"Markdown: {made} in {text[:2000]!r}")
    urls = [child.content for child in children if child.type == "text" and BARE_URL.search(child.content)]
    expect(not urls, f"Markdown: bare URLs {urls}")
    levels: dict[int, int] = {}
    for token in tokens:
        if token.type == "heading_open":
            levels[int(token.tag[1])] = levels.get(int(token.tag[1]), 0) + 1
    for level, count in headings.items():
        expect(levels.get(level, 0) == count, f"Markdown: {levels.get(level, 0)} h{level} headings, not {count}")
    expect(sum(token.type == "hr" for token in tokens) == rules, "Markdown: a rule made of log text")
    fences = [token.info for token in tokens if token.type == "fence"]
    expect(set(fences) <= {"text", "sh", "mermaid"}, f"Markdown: fences {fences}")
    rows = _table_rows_text(tokens)
    for wanted in in_tables:
        squashed = "".join(wanted.split())
        expect(any(squashed in row for row in rows), f"Markdown: {wanted!r} not whole in any table row")
    width = None
    for token in tokens:
        if token.type == "thead_open":
            width = None
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("td_open", "th_open"):
            cells += 1
        elif token.type == "tr_close":
            width = cells if width is None else width
            expect(cells == width, f"Markdown: a table row of {cells} cells under a header of {width}")


def _table_rows_text(tokens: list[Any]) -> list[str]:
    """What each table row shows, whitespace removed (escaped characters as shown)."""
    rows, current, inside = [], [], False
    for token in tokens:
        if token.type == "tr_open":
            current, inside = [], True
        elif token.type == "tr_close":
            rows.append("".join("".join(current).split()))
            inside = False
        elif inside and token.type == "inline":
            current += [child.content for child in token.children or [] if child.type in ("text", "text_special")]
    return rows
