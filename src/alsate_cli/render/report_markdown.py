"""``alsate report --format markdown``: the daily report as a document people forward and GitHub/GitLab render.

Every string from the log or the model goes through ``render.escape``: table cells and headings with
``markdown_inline``, examples and commands in fences they cannot close.
"""

from __future__ import annotations

from typing import TextIO

from alsate_cli import __version__
from alsate_cli.render.escape import markdown_code_block, markdown_inline
from alsate_cli.render.markdown import issue_body_lines
from alsate_cli.render.values import level_label, local_time, origin_label, threat_reasons
from alsate_cli.report.document import Report, band_names
from alsate_cli.report.timeline import bucket_label

NEW_MARK = "**NEW**"


def render_report_markdown(report: Report, out: TextIO) -> None:
    lines = [f"# {markdown_inline(report.title())}", "", f"**Period:** {markdown_inline(report.period.describe())}", ""]
    lines += _summary(report)
    if report.groups:
        lines += _timeline(report)
        lines += _issues(report)
    lines += _footer(report)
    out.write("\n".join(lines) + "\n")


def _summary(report: Report) -> list[str]:
    outcome, stats = report.outcome, report.outcome.analysis.stats
    lines = ["## Summary", ""]
    if not report.groups:
        lines += [
            f"No entries at {outcome.selection} or worse in this period ({stats.read} lines read, "
            f"{stats.filtered} below the level or outside the period, {stats.skipped} skipped). Nothing to do.",
            "",
        ]
        return lines
    threat = outcome.threat_summary()
    new = sum(1 for group in report.groups if report.is_new(group))
    lines += [
        f"**Threat level: {threat.level.label if threat is not None else 'not evaluated'}** · {stats.kept} entries "
        f"in {len(report.groups)} issues, {new} new since the last report.",
        "",
        "| Level | Entries |",
        "| --- | ---: |",
        *(f"| {name} | {count} |" for name, count in report.entries_by_level()),
        "",
    ]
    busiest = report.busiest()
    if busiest is not None:
        lines.append(f"- **Busiest {'hour' if '–' in busiest[0] else 'day'}:** {busiest[0]} ({busiest[1]} entries)")
    lines.append("- **Top programs:** " + _counted(report.top_identifiers()))
    if report.top_units():
        lines.append("- **Top units:** " + _counted(report.top_units()))
    if threat is not None:
        for finding in threat.findings[:5]:
            lines.append(f"- **Finding ({finding.level.label}):** {markdown_inline(finding.text)}")
    return [*lines, ""]


def _counted(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{markdown_inline(name)} ({count})" for name, count in pairs)


def _timeline(report: Report) -> list[str]:
    unit, buckets = report.buckets()
    names = band_names()
    labels = ", ".join(f'"{bucket_label(bucket.start_s, unit)}"' for bucket in buckets)
    highest = max((bucket.total for bucket in buckets), default=0)
    # xychart-beta draws bars of several series on top of each other, so cumulative sums drawn largest first
    # read as one stacked bar per hour: all levels, then err and worse, then crit and worse.
    series = [[sum(bucket.counts[: upto + 1]) for bucket in buckets] for upto in (3, 1, 0)]
    series = [series[0], *(values for values in series[1:] if any(values))]
    chart = [
        "xychart-beta",
        f'    title "Entries per {unit} (all kept · err and worse · crit and worse)"',
        f"    x-axis [{labels}]",
        f'    y-axis "Entries" 0 --> {max(highest, 1)}',
        *(f"    bar [{', '.join(map(str, values))}]" for values in series),
    ]
    lines = [f"## Timeline (entries per {unit})", "", markdown_code_block("\n".join(chart), "mermaid"), ""]
    lines += [
        f"| {unit.capitalize()} | " + " | ".join(names) + " | Total |",
        "| --- | " + " | ".join("---:" for _ in names) + " | ---: |",
    ]
    for bucket in buckets:
        if bucket.total:
            cells = " | ".join(str(count) for count in bucket.counts)
            lines.append(f"| {bucket_label(bucket.start_s, unit)} | {cells} | {bucket.total} |")
    return [*lines, ""]


def _issues(report: Report) -> list[str]:
    outcome = report.outcome
    lines = ["## Issues", ""]
    for number, group in enumerate(report.groups, start=1):
        threat = outcome.threat(group)
        new = f" {NEW_MARK}" if report.is_new(group) else ""
        lines += [
            f"### {number}. {threat.level.label} · {level_label(group)} ×{group.count}: "
            f"{markdown_inline(origin_label(group))}{new}",
            "",
            f"- **Template:** {markdown_inline(group.template)}",
            f"- **Threat:** {threat.level.label}"
            + (f" ({markdown_inline(threat_reasons(threat))})" if threat.reasons else ""),
            f"- **Level:** {level_label(group)} · **Count:** {group.count}",
            f"- **First seen:** {local_time(group.first_seen_us)} · **Last seen:** {local_time(group.last_seen_us)}",
        ]
        if group.hosts:
            lines.append(f"- **Hosts:** {markdown_inline(', '.join(sorted(group.hosts)))}")
        lines.append("")
        lines += issue_body_lines(outcome, group)
        lines += ["Show these entries:", "", markdown_code_block(report.journalctl_command(group), "sh"), ""]
    return lines


def _footer(report: Report) -> list[str]:
    outcome, stats = report.outcome, report.outcome.analysis.stats
    model = f"model {markdown_inline(outcome.model_name)}" if outcome.model_name else "no model"
    calls = f"{outcome.model_calls} model calls, {outcome.cache_hits} cache hits"
    parts = [f"Generated by alsate {__version__}", f"{model} ({calls})", f"{stats.read} lines read"]
    parts.append(f"{stats.skipped} skipped lines")
    if report.redacted:
        parts.append("names, addresses and secrets redacted")
    if outcome.interrupted:
        parts.append("**interrupted: results are partial**")
    if outcome.incomplete:
        parts.append(f"**{markdown_inline(outcome.incomplete)}**")
    return ["---", "", " · ".join(parts), ""]
