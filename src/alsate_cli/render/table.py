"""``--format table``: what a person reads in a terminal.

Wide terminals get one table with every column; narrow ones (80 columns) get one compact block per
issue, because eight columns squeezed into 80 characters help nobody.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, RenderableType
from rich.console import Group as RenderGroup
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from alsate_cli.explain.explanation import Explanation
from alsate_cli.grouping import Group
from alsate_cli.outcome import Outcome
from alsate_cli.render.escape import safe_text
from alsate_cli.render.values import (
    explanation_headline,
    level_label,
    local_time,
    origin_label,
    replacement_note,
    threat_reasons,
)
from alsate_cli.rules.threat import Threat

WIDE_LAYOUT_MIN_WIDTH = 150

LEVEL_STYLES = {0: "bold white on red", 1: "bold white on red", 2: "bold red", 3: "red", 4: "yellow"}
THREAT_STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "none": "dim"}


def threat_and_level(threat: Threat, group: Group) -> Text:
    """Wide layout: ``high · err`` and the first reasons below, in one column."""
    text = Text.assemble(threat_text(threat, with_reasons=False), " · ", level_text(group))
    if threat.reasons:
        text.append("\n")
        text.append_text(safe_text(threat_reasons(threat, limit=2), "dim"))
    return text


def threat_text(threat: Threat, *, with_reasons: bool) -> Text:
    text = Text(threat.level.label, style=THREAT_STYLES[threat.level.label])
    if with_reasons and threat.reasons:
        text.append("\n")
        text.append_text(safe_text(threat_reasons(threat, limit=2), "dim"))
    return text


def level_text(group: Group) -> Text:
    return Text(level_label(group), style=LEVEL_STYLES.get(group.priority, "dim"))


def cause_text(explanation: Explanation, unused: Explanation | None = None) -> Text:
    """The cause (or why there is none); ``unused``: the model's answer that the written guidance replaced."""
    headline = explanation_headline(explanation)
    if headline is not None:
        return Text(headline, style="dim italic")
    text = safe_text(explanation.cause)
    if explanation.truncated:
        text.append(" (answer cut off)", style="dim")
    note = replacement_note(unused)
    if note is not None:
        text.append("\n")
        text.append_text(safe_text(note, "dim italic"))
    return text


def steps_text(explanation: Explanation) -> Text:
    text = Text()
    for number, step in enumerate(explanation.remediation, start=1):
        if number > 1:
            text.append("\n")
        text.append(f"{number}. ", style="bold")
        text.append_text(safe_text(step))
    return text


def wide_table(outcome: Outcome) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_lines=True, header_style="bold")
    table.add_column("Threat / level", ratio=2, min_width=14, overflow="fold")
    table.add_column("Count", justify="right", no_wrap=True)
    table.add_column("First / last seen", no_wrap=True)
    table.add_column("Program", ratio=1, min_width=10, overflow="fold")
    table.add_column("Template", ratio=3, overflow="fold")
    table.add_column("Cause", ratio=3, overflow="fold")
    table.add_column("Remediation", ratio=4, overflow="fold")
    for group in outcome.groups:
        explanation = outcome.explanation(group)
        seen = f"{local_time(group.first_seen_us)}\n{local_time(group.last_seen_us)}"
        table.add_row(
            threat_and_level(outcome.threat(group), group),
            str(group.count),
            seen,
            safe_text(origin_label(group)),
            safe_text(group.template),
            cause_text(explanation, outcome.unused_model_answer(group)),
            steps_text(explanation),
        )
    return table


def issue_block(
    group: Group,
    explanation: Explanation,
    threat: Threat,
    written: Explanation | None = None,
    unused: Explanation | None = None,
) -> RenderableType:
    """Narrow layout: one block per issue; ``written`` is the knowledge base's text shown beside a model answer,
    ``unused`` the model's answer that the knowledge base's text replaced."""
    header = Text.assemble(
        threat_text(threat, with_reasons=False), " ", level_text(group), " ", (f"×{group.count}", "bold"), "  "
    )
    header.append_text(safe_text(origin_label(group), "cyan"))
    header.append(f"  {local_time(group.first_seen_us)} → {local_time(group.last_seen_us)}", style="dim")
    parts: list[RenderableType] = [header, Padding(safe_text(group.template, "bold"), (0, 0, 0, 2), expand=False)]
    if threat.reasons:
        reasons = Text.assemble(("Threat: ", "bold"), safe_text(threat_reasons(threat)))
        parts.append(Padding(reasons, (0, 0, 0, 2), expand=False))
    cause = Text.assemble(("Cause: ", "bold"), cause_text(explanation, unused))
    parts.append(Padding(cause, (0, 0, 0, 2), expand=False))
    if explanation.remediation:
        parts.append(Padding(Text("Remediation:", style="bold"), (0, 0, 0, 2), expand=False))
        parts.append(Padding(steps_text(explanation), (0, 0, 0, 4), expand=False))
    if written is not None:
        guidance = Text.assemble(("Written guidance: ", "bold"), cause_text(written))
        parts.append(Padding(guidance, (0, 0, 0, 2), expand=False))
        parts.append(Padding(steps_text(written), (0, 0, 0, 4), expand=False))
    return RenderGroup(*parts)


def summary_line(outcome: Outcome) -> Text:
    stats = outcome.analysis.stats
    text = Text(
        f"{stats.read} read, {stats.kept} kept ({outcome.selection}), {stats.filtered} filtered out, "
        f"{stats.skipped} skipped → {len(outcome.analysis.grouper)} groups",
        style="dim",
    )
    if outcome.model_name:
        text.append(f"; model {outcome.model_name}: {outcome.model_calls} calls, {outcome.cache_hits} cached")
    if stats.evidence:
        text.append(f"; {stats.evidence} below {outcome.selection} kept as threat evidence")
    if stats.inferred:
        text.append(f"; '?' = priority inferred from the text ({stats.inferred} entries)")
    if outcome.interrupted:
        text.append("; interrupted: results are partial", style="bold yellow")
    if outcome.incomplete:
        text.append(f"; {outcome.incomplete}", style="bold red")
    return text


def threat_footer(outcome: Outcome) -> Text | None:
    summary = outcome.threat_summary()
    if summary is None:
        return None
    text = Text.assemble(("Threat level: ", "bold"), threat_text_for_level(summary.level.label))
    for finding in summary.findings[:5]:
        text.append("\n  • ")
        text.append_text(safe_text(finding.text))
    return text


def threat_text_for_level(label: str) -> Text:
    return Text(label, style=THREAT_STYLES[label])


def render_table(outcome: Outcome, console: Console) -> None:
    if not outcome.groups:
        console.print(Text(f"No entries at {outcome.selection} or worse.", style="green"))
    elif console.width >= WIDE_LAYOUT_MIN_WIDTH:
        console.print(wide_table(outcome))
    else:
        for index, group in enumerate(outcome.groups):
            if index:
                console.print(Rule(style="dim"))
            explanation, written = outcome.explanation(group), outcome.extra_knowledge(group)
            unused = outcome.unused_model_answer(group)
            console.print(issue_block(group, explanation, outcome.threat(group), written, unused))
    footer = threat_footer(outcome)
    if footer is not None and outcome.groups:
        console.print(footer)
    console.print(summary_line(outcome))
