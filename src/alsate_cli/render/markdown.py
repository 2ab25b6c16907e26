"""``--format markdown``: a document that log text cannot break (every untrusted string is escaped)."""

from __future__ import annotations

from typing import TextIO

from alsate_cli.explain.explanation import Explanation
from alsate_cli.grouping import Group
from alsate_cli.outcome import Outcome
from alsate_cli.render.escape import markdown_code_block, markdown_inline
from alsate_cli.render.values import (
    explanation_headline,
    iso_time,
    level_label,
    origin_label,
    replacement_note,
    threat_reasons,
)


def render_markdown(outcome: Outcome, out: TextIO) -> None:
    stats = outcome.analysis.stats
    lines = [
        "# alsate analysis",
        "",
        f"{stats.read} entries read, {stats.kept} kept ({outcome.selection} or worse), {stats.filtered} filtered out, "
        f"{stats.skipped} skipped; {len(outcome.analysis.grouper)} groups.",
        "",
    ]
    if outcome.model_name:
        lines += [
            f"Model: {markdown_inline(outcome.model_name)} ({outcome.model_calls} calls, "
            f"{outcome.cache_hits} from cache).",
            "",
        ]
    if outcome.interrupted:
        lines += ["**Interrupted: these results are partial.**", ""]
    if outcome.incomplete:
        lines += [f"**{markdown_inline(outcome.incomplete)}.**", ""]
    if outcome.groups:
        lines += ["| Threat | Level | Count | Identifier | Template |", "| --- | --- | ---: | --- | --- |"]
        for group in outcome.groups:
            lines.append(
                f"| {outcome.threat(group).level.label} | {level_label(group)} | {group.count} "
                f"| {markdown_inline(origin_label(group))} "
                f"| {markdown_inline(group.template)} |"
            )
        lines.append("")
    for number, group in enumerate(outcome.groups, start=1):
        threat = outcome.threat(group)
        reasons = f" ({markdown_inline(threat_reasons(threat))})" if threat.reasons else ""
        lines += [
            f"## {number}. {level_label(group)} ×{group.count}: {markdown_inline(origin_label(group))}",
            "",
            f"- Template: {markdown_inline(group.template)}",
            f"- Threat: {threat.level.label}{reasons}",
            f"- First seen: {iso_time(group.first_seen_us) or '-'}; last seen: {iso_time(group.last_seen_us) or '-'}",
            f"- Group id: `{group.id}`",
            "",
        ]
        lines += issue_body_lines(outcome, group)
    out.write("\n".join(lines))


def explanation_lines(explanation: Explanation, title: str = "Cause") -> list[str]:
    """**Cause** and numbered **Remediation**, escaped: the same blocks in every Markdown document."""
    headline = explanation_headline(explanation)
    cause = markdown_inline(explanation.cause) if headline is None else f"*{markdown_inline(headline)}*"
    lines = [f"**{title}:** {cause}", ""]
    if explanation.remediation:
        lines += ["**Remediation:**", ""]
        lines += [f"{step}. {markdown_inline(text)}" for step, text in enumerate(explanation.remediation, 1)]
        lines.append("")
    return lines


def issue_body_lines(outcome: Outcome, group: Group) -> list[str]:
    """An issue's explanation, the written guidance beside a model's answer, and up to 3 examples."""
    lines = explanation_lines(outcome.explanation(group))
    note = replacement_note(outcome.unused_model_answer(group))
    if note is not None:
        lines += [f"*{markdown_inline(note)}*", ""]
    written = outcome.extra_knowledge(group)
    if written is not None:
        lines += explanation_lines(written, title="Written guidance")
    if group.examples:
        lines += ["Examples:", "", markdown_code_block("\n".join(group.examples)), ""]
    return lines
